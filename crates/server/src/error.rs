//! One error type for every handler, answered as RFC 9457 problem details with a stable `code`
//! that clients match on (never on the English `detail`).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use helpcenter_core::{Problem, TicketStatus, TransitionError};
use serde::Serialize;

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
    BadInput(&'static str, String),
    #[error("too many requests; try again in {0} s")]
    RateLimited(u64),
    #[error("internal error")]
    Store(#[from] StoreError),
}

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::SiteNotFound(_) => "site.not_found",
            AppError::NotFound => "not_found",
            AppError::TicketNotFound(_) => "ticket.not_found",
            AppError::TokenRequired => "auth.token_required",
            AppError::AdminKeyRequired => "auth.admin_key_required",
            AppError::IdempotencyKeyMissing => "idempotency.key_missing",
            AppError::IdempotencyKeyReused => "idempotency.key_reused",
            AppError::Invalid(_) => "submission.invalid",
            AppError::Transition(e) => e.code(),
            AppError::TicketChanged => "ticket.changed",
            AppError::Identity(e) => e.code(),
            AppError::IdentityNotConfigured => "identity.not_configured",
            AppError::BadInput(code, _) => code,
            AppError::RateLimited(_) => "rate_limited",
            AppError::Store(_) => "internal",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::SiteNotFound(_) | AppError::NotFound | AppError::TicketNotFound(_) => {
                StatusCode::NOT_FOUND
            }
            AppError::IdentityNotConfigured => StatusCode::NOT_FOUND,
            AppError::TokenRequired | AppError::AdminKeyRequired | AppError::Identity(_) => {
                StatusCode::UNAUTHORIZED
            }
            AppError::IdempotencyKeyMissing | AppError::BadInput(..) => StatusCode::BAD_REQUEST,
            AppError::IdempotencyKeyReused | AppError::Invalid(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::Transition(_) | AppError::TicketChanged => StatusCode::CONFLICT,
            AppError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// RFC 9457 body, plus our `code` and, where they help, the problems or allowed statuses.
#[derive(Serialize)]
struct ProblemDetails<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    status: u16,
    detail: String,
    code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    problems: Option<&'a [Problem]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allowed: Option<&'static [TicketStatus]>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Store(e) = &self {
            tracing::error!(error = %e, "storage failed");
        }
        let status = self.status();
        let body = ProblemDetails {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: self.to_string(),
            code: self.code(),
            problems: match &self {
                AppError::Invalid(problems) => Some(problems),
                _ => None,
            },
            allowed: match &self {
                AppError::Transition(TransitionError::NotAllowed { allowed, .. }) => Some(allowed),
                _ => None,
            },
        };
        let mut response = (status, Json(body)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
