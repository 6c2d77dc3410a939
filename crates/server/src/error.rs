//! One error type for every handler, answered as RFC 9457 problem details with a stable `code`
//! that clients match on (never on the English `detail`).

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("there is no site with the key {0:?}")]
    SiteNotFound(String),
    #[error("nothing is served at this address")]
    NotFound,
}

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::SiteNotFound(_) => "site.not_found",
            AppError::NotFound => "not_found",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::SiteNotFound(_) | AppError::NotFound => StatusCode::NOT_FOUND,
        }
    }
}

/// RFC 9457 body, plus our `code`.
#[derive(Serialize)]
struct ProblemDetails {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    status: u16,
    detail: String,
    code: &'static str,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = ProblemDetails {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: self.to_string(),
            code: self.code(),
        };
        (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            Json(body),
        )
            .into_response()
    }
}
