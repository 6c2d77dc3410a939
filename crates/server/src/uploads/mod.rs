//! Evidence uploads over tus 1.0 at `/v1/uploads`, so any tus client (tus-js-client, Uppy, our
//! own) can resume an interrupted upload.
//!
//! Nothing a browser says about a file is trusted: its size is checked against the site's
//! limits before a byte is stored, its type is sniffed from its first bytes before the rest is
//! stored, and a finished file is inspected again (`helpcenter_media`) into the `EvidenceFile` facts that
//! `helpcenter_core` judges when a ticket is filed.

pub(crate) mod blobs;
mod error;
mod examine;
mod expiry;
mod lease;
pub mod location;
pub mod metadata;
pub mod quota;
pub(crate) mod tus;

use axum::http::HeaderValue;
use axum::middleware;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use blobs::{EvidenceError, EvidenceStore, is_upload_id};
pub use error::UploadError;
pub use expiry::{EXPIRY_INTERVAL, ExpiryReport, expire_uploads, spawn_expiry};
pub use location::EvidenceLocation;
pub use tus::create::UPLOAD_LIFETIME;
pub use tus::discovery::answer_discovery;
pub use tus::protocol::{TUS_VERSION, http_date};

use crate::AppState;

/// Lets go of the upload leases this instance held when it last stopped (see `lease`).
pub async fn release_leases_of_this_instance(
    store: &crate::store::Store,
    evidence: &EvidenceStore,
) -> Result<u64, crate::store::StoreError> {
    lease::release_all_of(store, evidence.instance()).await
}

/// The tus endpoint at `/v1/uploads`, routed and documented by its handlers' `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(tus::create::create, tus::discovery::options))
        .routes(routes!(
            tus::resume::head,
            tus::patch::patch,
            tus::terminate::terminate,
            tus::discovery::options_upload
        ))
        .route_layer(middleware::from_fn(tus::discovery::require_tus_resumable))
        // Every answer names the protocol, errors included.
        .layer(SetResponseHeaderLayer::overriding(
            tus::protocol::TUS_RESUMABLE,
            HeaderValue::from_static(TUS_VERSION),
        ))
}
