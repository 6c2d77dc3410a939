//! The server loop: accepts connections and serves the router over HTTP/1.1, with the bounds a
//! server facing strangers needs before any request reaches the router.
//!
//! `axum::serve` sets no timer, so hyper's header-read timeout never runs there: a client that
//! sends half a request head, or nothing, holds its socket and task for as long as it likes, and
//! a few hundred of them take the server down. Here every connection must deliver each request
//! head within [`ConnectionLimits::header_read_timeout`] (idle keep-alive connections included),
//! and at most [`ConnectionLimits::max_connections`] are served at once; the rest wait in the
//! kernel's accept queue. HTTP/1.1 only: hyper's HTTP/2 sniffing reads the first bytes without
//! that timeout, and the widget, browsers behind a proxy and tus clients all speak HTTP/1.1 here.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

/// Bounds on connections, in the config's `[server.connections]`.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct ConnectionLimits {
    /// Seconds a client has to send a request's head (request line and headers), counted from
    /// when the server starts waiting for it.
    pub header_read_timeout_seconds: u64,
    /// Connections served at once.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    /// A phone on a poor line sends a head in well under a second; 10 s leaves room for worse.
    /// 4,096 connections keep a small server's memory bounded (a few KiB each) while far more
    /// than one store's shoppers open at once.
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout_seconds: 10,
            max_connections: 4096,
        }
    }
}

/// Serves until Ctrl-C or SIGTERM (or until `shutdown` is cancelled), then ends the event
/// streams and finishes the requests in flight.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    serve_with(listener, app, shutdown, ConnectionLimits::default()).await
}

/// [`serve`] with other connection limits.
pub async fn serve_with(
    listener: TcpListener,
    app: Router,
    shutdown: CancellationToken,
    limits: ConnectionLimits,
) -> std::io::Result<()> {
    let stop = shutdown.clone();
    tokio::spawn(async move {
        tokio::select! {
            () = shutdown_signal() => stop.cancel(),
            () = stop.cancelled() => {},
        }
    });
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(
            limits.header_read_timeout_seconds.max(1),
        ));
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break, // closed: never, the semaphore is ours
            },
            () = shutdown.cancelled() => break,
        };
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    accept_failed(&err).await;
                    continue;
                }
            },
            () = shutdown.cancelled() => break,
        };
        let _ = stream.set_nodelay(true);
        let service = app
            .clone()
            .map_request(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(remote));
                request
            })
            .map_err(|never: Infallible| match never {});
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A connection cut by its client or by a timeout is routine, not an error.
            if let Err(err) = connection.await {
                tracing::debug!(%remote, "connection ended: {err}");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Out of file descriptors, say: wait a moment rather than spin, as `axum::serve` does.
async fn accept_failed(err: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        err.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!("accepting a connection failed: {err}");
    tokio::time::sleep(Duration::from_secs(1)).await;
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
