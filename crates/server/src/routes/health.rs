use axum::Json;
use axum::extract::State;
use helpcenter_api::ProblemDetails;

use crate::readiness::{self, Readiness};
use crate::{AppError, AppState};
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
        (status = 503, description = "`service.not_ready`: `detail` names each check that failed and why, e.g. `disk: 400 MiB free, under the 512 MiB kept in reserve`.", body = ProblemDetails, content_type = "application/problem+json"),
    ),
)]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Readiness>, AppError> {
    let readiness = readiness::check(&state).await;
    if readiness.is_ready() {
        Ok(Json(readiness))
    } else {
        Err(AppError::NotReady(readiness.failures()))
    }
}
