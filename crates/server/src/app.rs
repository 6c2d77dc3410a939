//! The router and the server loop.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::response::Redirect;
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;

use crate::AppError;
use crate::routes::{health, widget_config};
use crate::sites::Sites;

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub sites: Arc<Sites>,
}

/// Where the built widget (Trunk's `dist/`) is.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub widget_dir: PathBuf,
}

pub fn router(state: AppState, options: &ServeOptions) -> Router {
    let widget = ServeDir::new(&options.widget_dir).append_index_html_on_directories(true);
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/v1/sites/{site}/widget-config", get(widget_config::show))
        .route("/", get(|| async { Redirect::temporary("/widget/") }))
        .nest_service("/widget", widget)
        .fallback(|| async { AppError::NotFound })
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(listener: TcpListener, app: Router) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {},
                _ = term.recv() => {},
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
