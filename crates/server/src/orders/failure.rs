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
    #[error("the store's order system answered something unusable: {0}")]
    Nonsense(String),
}
