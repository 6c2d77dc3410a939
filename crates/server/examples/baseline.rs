//! The floor `cargo xtask bench` measures the Help Center server against: axum and tokio with
//! nothing else, on the same machine, in the same run, built with the same profile.
//! - `GET /empty` and `POST /empty`: an empty handler (what any request costs);
//! - `GET /events`: a Server-Sent Events stream, and `POST /fire`, which sends one event to
//!   every open stream (what fanning an event out costs).
//!
//! `cargo run --profile server -p helpcenter-server --example baseline -- 127.0.0.1:18190`

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::{get, post};
use futures_util::Stream;
use tokio::sync::broadcast;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18190".to_owned());
    let (events, _) = broadcast::channel::<u64>(1024);
    let app = Router::new()
        .route("/healthz", get(|| async {}))
        .route("/empty", get(|| async {}).post(|| async {}))
        .route("/events", get(stream))
        .route("/fire", post(fire))
        .with_state(events);
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("baseline listening on http://{addr}/");
    axum::serve(listener, app).await?;
    Ok(())
}

async fn stream(
    State(events): State<broadcast::Sender<u64>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stream = BroadcastStream::new(events.subscribe())
        .filter_map(|n| n.ok())
        .map(|n| {
            Ok(Event::default()
                .id(n.to_string())
                .data(format!("{{\"n\":{n}}}")))
        });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

async fn fire(State(events): State<broadcast::Sender<u64>>) {
    static FIRED: AtomicU64 = AtomicU64::new(0);
    let _ = events.send(FIRED.fetch_add(1, Ordering::Relaxed) + 1);
}
