//! What every handler shares. Apart from the router in `app`, so that the handlers, which
//! need the state, and the router, which needs the handlers, do not import each other.

use std::path::PathBuf;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::auth::ServerSecret;
use crate::events::EventHub;
use crate::rate_limit::SignInLimiter;
use crate::sites::Sites;
use crate::store::tickets::{TicketDetails, TicketRecord};
use crate::store::unchanged::UnchangedReads;
use crate::store::{Database, Store};
use crate::uploads::blobs::EvidenceStore;
use crate::uploads::location::EvidenceLocation;
use crate::uploads::quota::StorageLimits;

/// Shared by every handler; cheap to clone: one reference count. Extractors and layers clone
/// the state several times a request, and a clone of every field (the data directory's path,
/// the store's location, a cancellation token whose count takes a lock) was a tenth of a
/// ticket read's CPU (issue 21, perf under `cargo xtask bench tickets`).
///
/// Set up with plain field assignments before serving (`state.storage = …`): a change to a
/// state that is already shared changes this copy only (copy on write), as it did when each
/// clone was a copy of every field.
#[derive(Clone)]
pub struct AppState(Arc<SharedState>);

impl std::ops::Deref for AppState {
    type Target = SharedState;

    fn deref(&self) -> &SharedState {
        &self.0
    }
}

impl std::ops::DerefMut for AppState {
    fn deref_mut(&mut self) -> &mut SharedState {
        Arc::make_mut(&mut self.0)
    }
}

/// What [`AppState`] holds.
#[derive(Clone)]
pub struct SharedState {
    pub sites: Arc<Sites>,
    pub store: Store,
    pub evidence: Arc<EvidenceStore>,
    pub events: Arc<EventHub>,
    pub secret: Arc<ServerSecret>,
    /// Woken when mail is written to the outbox.
    pub outbox: Arc<crate::mail::signal::OutboxSignal>,
    /// Where the database and evidence live: its disk's free space bounds new uploads.
    pub data_dir: PathBuf,
    /// Bounds on evidence no ticket holds yet (`[server.storage]`).
    pub storage: StorageLimits,
    /// Cancelled when the server shuts down, so endless responses (event streams) end and
    /// graceful shutdown does not wait for them forever.
    pub shutdown: CancellationToken,
    /// Sign-in attempts to the agents' console, per account and per address.
    pub sign_in: Arc<SignInLimiter>,
    /// The console's origin behind a proxy (`[server.console] public_origin`).
    pub public_origin: Option<Arc<str>>,
    /// Asks the stores' order systems, keeps their recent answers, limits lookups.
    pub orders: Arc<crate::orders::OrderDesk>,
    /// Shoppers' reads kept while the SQLite database is unchanged (none on PostgreSQL).
    pub unchanged_reads: Arc<UnchangedReads<TicketRecord, TicketDetails>>,
}

impl AppState {
    /// Opens the database, the evidence store (checked by storing and deleting a probe, so a
    /// bucket that is missing, unreachable or read-only is said at start-up, not at the first
    /// shopper's upload), and the server secret in `data_dir`.
    pub async fn open(
        sites: Sites,
        data_dir: &std::path::Path,
        database: &Database,
        evidence: &EvidenceLocation,
    ) -> anyhow::Result<AppState> {
        let store = Store::open(database).await?;
        let unchanged_reads = Arc::new(match database {
            Database::Sqlite(path) => UnchangedReads::for_sqlite(path),
            Database::Postgres(_) => UnchangedReads::none(),
        });
        let evidence = EvidenceStore::open(evidence, data_dir).map_err(anyhow::Error::msg)?;
        evidence
            .check_writable()
            .await
            .map_err(anyhow::Error::msg)?;
        let secret = ServerSecret::open(&store, data_dir).await?;
        let shutdown = CancellationToken::new();
        let events = Arc::new(EventHub::default());
        // Events written by other instances (and commands) on PostgreSQL reach this one's
        // streams through LISTEN/NOTIFY; on SQLite the writer is this process.
        if let Database::Postgres(url) = database {
            events.listen(url.clone(), shutdown.clone());
        }
        Ok(AppState(Arc::new(SharedState {
            sites: Arc::new(sites),
            store,
            evidence: Arc::new(evidence),
            events,
            secret: Arc::new(secret),
            outbox: Arc::default(),
            data_dir: data_dir.to_owned(),
            storage: StorageLimits::default(),
            shutdown,
            sign_in: Arc::new(SignInLimiter::default()),
            public_origin: None,
            orders: Arc::default(),
            unchanged_reads,
        })))
    }
}
