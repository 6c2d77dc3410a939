use axum::Json;
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
