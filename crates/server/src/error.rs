//! One error type for every handler, answered as RFC 9457 problem details with a stable `code`
//! that clients match on (never on the English `detail`).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use helpcenter_api::{ErrorCode, ProblemDetails};
use helpcenter_core::{Problem, TransitionError};

use crate::auth::IdentityError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("there is no site with the key {0:?}")]
    SiteNotFound(String),
    #[error("nothing is served at this address")]
    NotFound,
    /// Also answered when a token does not open the ticket, so ids cannot be probed.
    #[error("no ticket {0:?} is open to this token")]
    TicketNotFound(String),
    #[error("this request needs the ticket's access token (Authorization: Bearer …)")]
    TokenRequired,
    #[error("this request needs the site's admin key (Authorization: Bearer …)")]
    AdminKeyRequired,
    #[error("creating a ticket needs an Idempotency-Key header of 1 to 128 visible characters")]
    IdempotencyKeyMissing,
    #[error("this Idempotency-Key was already used for a different request")]
    IdempotencyKeyReused,
    #[error("the submission has {} problem(s)", .0.len())]
    Invalid(Vec<Problem>),
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error("the ticket changed while this request was handled; reload it and try again")]
    TicketChanged,
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error("this site does not sign identity tokens; find tickets by id, order number and email")]
    IdentityNotConfigured,
    /// Input out of bounds; the code names the field and the rule.
    #[error("{1}")]
    BadInput(ErrorCode, String),
    #[error("too many requests; try again in {0} s")]
    RateLimited(u64),
    /// Forged, expired, used or another ticket's: one answer, saying nothing of a ticket.
    #[error(
        "this link does not open a ticket: it may have expired or been used already; ask for a new one under \"Find a request\""
    )]
    LinkInvalid,
    #[error("too many sign-in attempts for this account or from this address; try again in {0} s")]
    SignInRateLimited(u64),
    #[error("the email or the password is not right")]
    SignInFailed,
    #[error("sign in to the console first")]
    SessionRequired,
    #[error("the session has expired; sign in again")]
    SessionExpired,
    #[error("this agent account has been disabled; ask the store's owner")]
    AgentDisabled,
    #[error("this request came from another origin than the console's, so nothing was changed")]
    OriginRefused,
    #[error("the site has no agent {0:?}")]
    AgentNotFound(String),
    #[error("only the site's owners may do this")]
    OwnerOnly,
    #[error("the site has no saved reply {0:?}")]
    SavedReplyNotFound(String),
    /// A request refused before its handler ran: a body, query string or path segment that is
    /// not what the operation takes, or a method the address is not served with. `detail` says
    /// which (serde's message names the field).
    #[error("{detail}")]
    Request {
        code: ErrorCode,
        status: StatusCode,
        detail: String,
    },
    #[error("no order with this number was placed with this email address")]
    OrderNotFound,
    /// The store's order system failed and the site requires a checked order.
    #[error("{0}; nothing was filed: try again in a few minutes")]
    OrderLookupUnavailable(crate::orders::failure::LookupFailure),
    #[error("this site does not look orders up")]
    OrderLookupNotConfigured,
    /// `GET /readyz`: the checks that failed, in words.
    #[error("not ready: {0}")]
    NotReady(String),
    #[error("internal error")]
    Store(#[from] StoreError),
}

impl AppError {
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::SiteNotFound(_) => ErrorCode::SiteNotFound,
            AppError::NotFound => ErrorCode::NotFound,
            AppError::TicketNotFound(_) => ErrorCode::TicketNotFound,
            AppError::TokenRequired => ErrorCode::TokenRequired,
            AppError::AdminKeyRequired => ErrorCode::AdminKeyRequired,
            AppError::IdempotencyKeyMissing => ErrorCode::IdempotencyKeyMissing,
            AppError::IdempotencyKeyReused => ErrorCode::IdempotencyKeyReused,
            AppError::Invalid(_) => ErrorCode::SubmissionInvalid,
            AppError::Transition(TransitionError::NotAllowed { .. }) => {
                ErrorCode::TicketTransitionNotAllowed
            }
            AppError::Transition(TransitionError::ResolutionMissing) => {
                ErrorCode::TicketResolutionMissing
            }
            AppError::Transition(TransitionError::ResolutionUnexpected) => {
                ErrorCode::TicketResolutionUnexpected
            }
            AppError::TicketChanged => ErrorCode::TicketChanged,
            AppError::Identity(e) => e.code(),
            AppError::IdentityNotConfigured => ErrorCode::IdentityNotConfigured,
            AppError::BadInput(code, _) => *code,
            AppError::RateLimited(_) | AppError::SignInRateLimited(_) => ErrorCode::RateLimited,
            AppError::LinkInvalid => ErrorCode::LinkInvalid,
            AppError::Store(e) if e.is_disk_full() => ErrorCode::StorageFull,
            AppError::NotReady(_) => ErrorCode::ServiceNotReady,
            AppError::SignInFailed => ErrorCode::SignInFailed,
            AppError::SessionRequired => ErrorCode::SessionRequired,
            AppError::SessionExpired => ErrorCode::SessionExpired,
            AppError::AgentDisabled => ErrorCode::AgentDisabled,
            AppError::OriginRefused => ErrorCode::OriginRefused,
            AppError::AgentNotFound(_) => ErrorCode::AgentNotFound,
            AppError::SavedReplyNotFound(_) => ErrorCode::SavedReplyNotFound,
            AppError::OwnerOnly => ErrorCode::OwnerOnly,
            AppError::Request { code, .. } => *code,
            AppError::OrderNotFound => ErrorCode::OrderNotFound,
            AppError::OrderLookupUnavailable(_) => ErrorCode::OrderLookupUnavailable,
            AppError::OrderLookupNotConfigured => ErrorCode::OrderLookupNotConfigured,
            AppError::Store(_) => ErrorCode::Internal,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::SiteNotFound(_) | AppError::NotFound | AppError::TicketNotFound(_) => {
                StatusCode::NOT_FOUND
            }
            AppError::IdentityNotConfigured
            | AppError::OrderNotFound
            | AppError::OrderLookupNotConfigured
            | AppError::LinkInvalid
            | AppError::SavedReplyNotFound(_) => StatusCode::NOT_FOUND,
            AppError::AgentNotFound(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::SignInFailed
            | AppError::SessionRequired
            | AppError::SessionExpired
            | AppError::AgentDisabled => StatusCode::UNAUTHORIZED,
            AppError::OriginRefused | AppError::OwnerOnly => StatusCode::FORBIDDEN,
            AppError::TokenRequired | AppError::AdminKeyRequired | AppError::Identity(_) => {
                StatusCode::UNAUTHORIZED
            }
            AppError::IdempotencyKeyMissing | AppError::BadInput(..) => StatusCode::BAD_REQUEST,
            AppError::IdempotencyKeyReused | AppError::Invalid(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::Transition(_) | AppError::TicketChanged => StatusCode::CONFLICT,
            AppError::RateLimited(_) | AppError::SignInRateLimited(_) => {
                StatusCode::TOO_MANY_REQUESTS
            }
            AppError::Request { status, .. } => *status,
            AppError::Store(e) if e.is_disk_full() => StatusCode::INSUFFICIENT_STORAGE,
            AppError::NotReady(_) | AppError::OrderLookupUnavailable(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Store(e) = &self {
            tracing::error!(error = %e, "storage failed");
        }
        let status = self.status();
        let mut body = ProblemDetails {
            kind: "about:blank".to_owned(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: match self.code() {
                ErrorCode::StorageFull => {
                    "the server has no room to save this right now; nothing was saved: try again later"
                        .to_owned()
                }
                _ => self.to_string(),
            },
            code: self.code(),
            problems: None,
            allowed: None,
        };
        let retry_after = match &self {
            AppError::RateLimited(seconds) | AppError::SignInRateLimited(seconds) => Some(*seconds),
            _ => None,
        };
        let console = matches!(
            self,
            AppError::SignInFailed
                | AppError::SessionRequired
                | AppError::SessionExpired
                | AppError::AgentDisabled
        );
        match self {
            AppError::Invalid(problems) => body.problems = Some(problems),
            AppError::Transition(TransitionError::NotAllowed { allowed, .. }) => {
                body.allowed = Some(allowed.to_vec());
            }
            _ => {}
        }
        let mut response = (status, Json(body)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED && !console {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(value) = retry_after.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use helpcenter_core::TicketStatus;

    use super::*;

    /// The rulebook names its refusals too; the answer's code is the rulebook's name.
    #[test]
    fn transition_refusals_keep_the_rulebooks_codes() {
        let refusals = [
            TransitionError::NotAllowed {
                from: TicketStatus::Resolved,
                to: TicketStatus::Submitted,
                allowed: &[],
            },
            TransitionError::ResolutionMissing,
            TransitionError::ResolutionUnexpected,
        ];
        for refusal in refusals {
            let core = refusal.code();
            assert_eq!(AppError::Transition(refusal).code().as_str(), core);
        }
    }
}
