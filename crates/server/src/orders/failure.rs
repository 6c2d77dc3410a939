//! Why the store's order system could not say (apart from the lookup, so the error type the
//! handlers share can name it without importing the lookup).

/// Why the store could not say: each in words for the shopper's message, the log and the
/// agent ("unverified because …").
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LookupFailure {
    #[error("the store's order system did not answer within {0} ms")]
    Timeout(u128),
    #[error("the store's order system could not be reached")]
    Unreachable,
    #[error("the store's order system answered HTTP {0}")]
    Status(u16),
    /// Redirects are not followed: the store configures the final address.
    #[error(
        "the store's order system answered HTTP {0}, a redirect, which order lookups do not follow"
    )]
    Redirected(u16),
    /// The endpoint's host is loopback, private or link-local and the site does not allow
    /// private targets (the server's log says which addresses).
    #[error(
        "the store's order endpoint {0} is not an address order lookups reach (see the server's log)"
    )]
    Refused(String),
    #[error("the store's order system answered something unusable: {0}")]
    Nonsense(String),
}
