use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use crate::AppState;
use crate::readiness::{self, Readiness};
use serde_json::{Value, json};

/// Liveness
///
/// Liveness for load balancers and `cargo xtask dev`'s wait loop.
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "healthz",
    tag = "service",
    responses(
        (status = 200, description = "The server is up.", body = crate::openapi::Health),
    ),
)]
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

/// Readiness
///
/// Whether this instance can take claims now: the database takes a write, the data disk keeps
/// its reserve, the evidence store answers. A load balancer sends traffic elsewhere on 503.
#[utoipa::path(
    get,
    path = "/readyz",
    operation_id = "readyz",
    tag = "service",
    responses(
        (status = 200, description = "Ready: every check is `ok`.", body = Readiness),
        (status = 503, description = "Not ready: the checks that are not `ok` say what is wrong.", body = Readiness),
    ),
)]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let readiness = readiness::check(&state).await;
    let status = if readiness.is_ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(readiness))
}
