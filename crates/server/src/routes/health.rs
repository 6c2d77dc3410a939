use axum::Json;
use serde_json::{Value, json};

/// Liveness for load balancers and `cargo xtask dev`'s wait loop.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}
