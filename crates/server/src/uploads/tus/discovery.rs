//! What every request meets first: discovery (`OPTIONS`, answered before CORS can take it for a
//! preflight) and the protocol version every other request must name.

use super::protocol::{
    EXTENSIONS, TUS_CHECKSUM_ALGORITHM, TUS_EXTENSION, TUS_MAX_SIZE, TUS_RESUMABLE, TUS_VERSION,
    TUS_VERSION_HEADER,
};
use crate::AppState;
use crate::uploads::error::UploadError;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// tus discovery is a plain `OPTIONS` request, which a CORS layer would take for a preflight
/// and answer itself: this middleware, outside the CORS layer, answers it first. A real
/// preflight (with `Access-Control-Request-Method`) still goes to CORS.
pub async fn answer_discovery(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let is_discovery = request.method() == Method::OPTIONS
        && !request
            .headers()
            .contains_key(axum::http::header::ACCESS_CONTROL_REQUEST_METHOD)
        && request.uri().path().starts_with("/v1/uploads");
    if !is_discovery {
        return next.run(request).await;
    }
    let mut response = options(State(state)).await;
    response
        .headers_mut()
        .insert(TUS_RESUMABLE, HeaderValue::from_static(TUS_VERSION));
    response
}

/// Every request but OPTIONS names the protocol version it speaks (412 otherwise).
pub async fn require_tus_resumable(request: Request, next: Next) -> Response {
    let speaks_tus = request
        .headers()
        .get(&TUS_RESUMABLE)
        .is_some_and(|v| v.as_bytes() == TUS_VERSION.as_bytes());
    if request.method() != Method::OPTIONS && !speaks_tus {
        return UploadError::TusVersion.into_response();
    }
    next.run(request).await
}

/// `OPTIONS`: what this server speaks, and the largest file any site accepts.
#[utoipa::path(
    options,
    path = "/v1/uploads",
    operation_id = "tus_discover",
    tag = "uploads",
    responses(
        (status = 204, description = "What this server speaks.",
            headers(
                ("Tus-Version" = String, description = "`1.0.0`"),
                ("Tus-Extension" = String, description = "`creation,termination,expiration,checksum`"),
                ("Tus-Checksum-Algorithm" = String, description = "`sha1`"),
                ("Tus-Max-Size" = u64, description = "The largest file any site accepts, in bytes."),
                ("Tus-Resumable" = String, description = "`1.0.0`"),
            )
        ),
        crate::openapi::responses::TusRateLimited,
    ),
)]
pub async fn options(State(state): State<AppState>) -> Response {
    let max = state
        .sites
        .iter()
        .map(|site| site.policy.upload_max_file_bytes(None))
        .max();
    let mut headers = HeaderMap::new();
    headers.insert(TUS_VERSION_HEADER, HeaderValue::from_static(TUS_VERSION));
    headers.insert(TUS_EXTENSION, HeaderValue::from_static(EXTENSIONS));
    headers.insert(TUS_CHECKSUM_ALGORITHM, HeaderValue::from_static("sha1"));
    if let Some(max) = max {
        headers.insert(TUS_MAX_SIZE, HeaderValue::from(max));
    }
    (StatusCode::NO_CONTENT, headers).into_response()
}

/// `OPTIONS` on an upload's address: the same discovery as on `/v1/uploads`.
#[utoipa::path(
    options,
    path = "/v1/uploads/{id}",
    operation_id = "tus_discover_upload",
    tag = "uploads",
    params(
        ("id" = String, Path, description = "The upload id (the last segment of `Location`)."),
    ),
    responses(
        (status = 204, description = "What this server speaks.",
            headers(
                ("Tus-Version" = String, description = "`1.0.0`"),
                ("Tus-Extension" = String, description = "`creation,termination,expiration,checksum`"),
                ("Tus-Checksum-Algorithm" = String, description = "`sha1`"),
                ("Tus-Max-Size" = u64, description = "The largest file any site accepts, in bytes."),
                ("Tus-Resumable" = String, description = "`1.0.0`"),
            )
        ),
        crate::openapi::responses::TusRateLimited,
    ),
)]
pub async fn options_upload(state: State<AppState>) -> Response {
    options(state).await
}
