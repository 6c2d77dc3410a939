//! The floor `cargo xtask bench` measures the Help Center server against: axum and tokio with
//! nothing else, on the same machine, in the same run, built with the same profile.
//! - `GET /empty` and `POST /empty`: an empty handler (what any request costs);
//! - `GET /events`: a Server-Sent Events stream, and `POST /fire`, which sends one event to
//!   every open stream (what fanning an event out costs);
//! - `POST /raw-claim`, given a database directory and a file of upload ids: the rows a filed
//!   claim writes (ticket, access token, first event, the photo attached, the idempotency
//!   key), written by plain sqlx on SQLite in one transaction, through one writer connection
//!   with the server's own settings. The honest ceiling for one SQLite writer: what filing
//!   costs beyond it is the service's own work.
//!
//! `cargo run --profile server -p helpcenter-server --example baseline -- 127.0.0.1:18190 [DB_DIR UPLOADS_FILE]`

use std::convert::Infallible;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::{get, post};
use futures_util::Stream;
use sha2::{Digest, Sha256};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use tokio::sync::broadcast;

/// The server's own allocator (`src/main.rs`), so the floor is built the same way.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18190".to_owned());
    let (events, _) = broadcast::channel::<u64>(1024);
    let mut app = Router::new()
        .route("/healthz", get(|| async {}))
        .route("/empty", get(|| async {}).post(|| async {}))
        .route("/events", get(stream))
        .route("/fire", post(fire))
        .with_state(events);
    let mut args = std::env::args().skip(2);
    if let (Some(dir), Some(uploads)) = (args.next(), args.next()) {
        let claims = RawClaims::open(Path::new(&dir), Path::new(&uploads)).await?;
        app = app.merge(
            Router::new()
                .route("/raw-claim", post(raw_claim))
                .with_state(Arc::new(claims)),
        );
    }
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

/// The database `POST /raw-claim` writes to: the server's schema (made by the server's own
/// migrations), opened as the server opens it, with the uploads the bench made waiting to be
/// attached.
struct RawClaims {
    writer: SqlitePool,
    filed: AtomicU64,
}

impl RawClaims {
    async fn open(dir: &Path, uploads: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let database = helpcenter_server::store::Database::in_data_dir(dir);
        helpcenter_server::store::Store::open(&database)
            .await?
            .close()
            .await;
        let options = SqliteConnectOptions::new()
            .filename(dir.join("helpcenter.db"))
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal);
        // As the server's writer: one connection, not pinged before each checkout.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        let ids = std::fs::read_to_string(uploads)?;
        let now = jiff::Timestamp::now().to_string();
        let mut tx = writer.begin().await?;
        for id in ids.lines().filter(|l| !l.is_empty()) {
            sqlx::query(
                "INSERT INTO uploads (id, site, length, received, filename, media_type, created_at, \
                 expires_at, completed_at) VALUES (?, 'bench', 1024, 1024, 'photo.jpg', 'image/jpeg', ?, ?, ?)",
            )
            .bind(id)
            .bind(&now)
            .bind(&now)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Self {
            writer,
            filed: AtomicU64::new(0),
        })
    }
}

/// The rows of one claim with its photo (the upload id from the same body the bench sends the
/// server), in one transaction: the statements `Store::create_ticket` runs.
async fn raw_claim(
    State(claims): State<Arc<RawClaims>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    match write_claim(&claims, &headers, &body).await {
        Ok(true) => StatusCode::CREATED,
        Ok(false) => StatusCode::CONFLICT,
        Err(e) => {
            eprintln!("raw-claim: {e}");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

async fn write_claim(claims: &RawClaims, headers: &HeaderMap, body: &[u8]) -> anyhow::Result<bool> {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let body: serde_json::Value = serde_json::from_slice(body)?;
    let upload = body["uploads"][0].as_str().unwrap_or_default();
    let n = claims.filed.fetch_add(1, Ordering::Relaxed);
    let id = format!("HC-RAW{n:08}");
    let token = hex::encode(Sha256::digest(id.as_bytes()));
    let request = hex::encode(Sha256::digest(body.to_string().as_bytes()));
    let now = jiff::Timestamp::now().to_string();
    let mut tx = claims.writer.begin().await?;
    let earlier = sqlx::query(
        "SELECT request_sha256, ticket_id FROM idempotency_keys WHERE site = ? AND key = ?",
    )
    .bind("bench")
    .bind(key)
    .fetch_optional(&mut *tx)
    .await?;
    if earlier.is_some() {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO tickets (id, site, status, resolution, category, answers, outcome, order_number, email, \
         description, delivered_on, locale, customer_id, created_at, updated_at, respond_by) \
         VALUES (?, 'bench', 'submitted', NULL, 'other', '[]', 'other_inquiry', ?, ?, ?, NULL, 'en', NULL, ?, ?, ?) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&id)
    .bind(body["order_number"].as_str())
    .bind(body["email"].as_str())
    .bind(body["description"].as_str())
    .bind(&now)
    .bind(&now)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO ticket_access (token_sha256, ticket_id, created_at) VALUES (?, ?, ?)")
        .bind(&token)
        .bind(&id)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO ticket_events (ticket_id, seq, kind, actor, status, resolution, body, public, \
         created_at, agent_id, event_no) VALUES (?, 1, 'created', 'shopper', 'submitted', NULL, NULL, 1, ?, NULL, \
         (SELECT COALESCE(MAX(event_no), 0) + 1 FROM ticket_events))",
    )
    .bind(&id)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    let attached = sqlx::query(
        "UPDATE uploads SET ticket_id = ?, event_seq = 1 WHERE id = ? \
         AND site = (SELECT site FROM tickets WHERE id = ?) AND ticket_id IS NULL AND completed_at IS NOT NULL",
    )
    .bind(&id)
    .bind(upload)
    .bind(&id)
    .execute(&mut *tx)
    .await?;
    if attached.rows_affected() == 0 {
        anyhow::bail!("upload {upload:?} is not waiting to be attached");
    }
    sqlx::query("INSERT INTO idempotency_keys (site, key, request_sha256, ticket_id, created_at) VALUES ('bench', ?, ?, ?, ?)")
        .bind(key)
        .bind(&request)
        .bind(&id)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}
