//! All SQL lives under this module, behind `Store`. It is written for SQLite (the embedded
//! default) in SQL that PostgreSQL also accepts, so the scale-out path is a new pool type,
//! not a rewrite.

pub mod agents;
pub mod console;
pub mod outbox;
pub mod tickets;
pub mod uploads;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// The database could not write for lack of disk space (SQLite's `SQLITE_FULL`): the
    /// transaction was rolled back, nothing half-written.
    pub fn is_disk_full(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => e.code().as_deref() == Some("13"),
            StoreError::Database(sqlx::Error::Io(e)) => e.kind() == std::io::ErrorKind::StorageFull,
            _ => false,
        }
    }
}

impl Store {
    /// Proves the database takes writes: one row, rewritten in a transaction.
    pub async fn record_readiness(&self, now: jiff::Timestamp) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO readiness (id, checked_at) VALUES (1, ?) \
             ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
        )
        .bind(timestamp(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The database of tickets, their timelines and uploads.
#[derive(Clone, Debug)]
pub struct Store {
    /// For reading: WAL lets readers run beside the writer.
    pub(crate) pool: SqlitePool,
    /// For writing: one connection, so writers queue in the pool (woken in turn) instead of
    /// in SQLite's busy handler, which sleeps and retries and made a busy moment's claims
    /// wait up to a third of a second (`cargo xtask bench server`).
    pub(crate) writer: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) `helpcenter.db` in `data_dir` and brings its schema up to date.
    pub async fn open(data_dir: &Path) -> Result<Store, StoreError> {
        let path = data_dir.join("helpcenter.db");
        let url = format!("sqlite://{}", path.display());
        let options = SqliteConnectOptions::from_str(&url)?
            .create_if_missing(true)
            // WAL: readers never wait for the writer; NORMAL sync is durable across a process
            // crash (SIGKILL), which is the failure that matters here.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations").run(&writer).await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        Ok(Store { pool, writer })
    }
}

/// Timestamps are stored as RFC 3339 UTC text, which sorts in time order as text.
pub(crate) fn timestamp(at: jiff::Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

pub(crate) fn parse_timestamp(text: &str) -> Result<jiff::Timestamp, StoreError> {
    text.parse()
        .map_err(|e| StoreError::Corrupt(format!("timestamp {text:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mail outbox (0003) was numbered before the migrations that reached `main` first
    /// (0004–0006): a data directory already at 0006 must still take it when it arrives.
    #[tokio::test]
    async fn a_database_past_a_migration_still_takes_it_when_it_arrives() {
        let data = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", data.path().join("helpcenter.db").display());
        let options = SqliteConnectOptions::from_str(&url)
            .expect("url")
            .create_if_missing(true);
        let all = sqlx::migrate!("./migrations");
        let without_mail = sqlx::migrate::Migrator {
            migrations: all
                .migrations
                .iter()
                .filter(|m| m.version != 3)
                .cloned()
                .collect::<Vec<_>>()
                .into(),
            ..sqlx::migrate!("./migrations")
        };
        {
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(options.clone())
                .await
                .expect("open");
            without_mail.run(&pool).await.expect("migrate without 0003");
            let latest: i64 = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
                .fetch_one(&pool)
                .await
                .expect("versions");
            assert!(latest > 3, "a later migration is applied first");
            pool.close().await;
        }
        let store = Store::open(data.path())
            .await
            .expect("open with 0003 added");
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
                .fetch_all(&store.pool)
                .await
                .expect("versions");
        let expected: Vec<i64> = all.migrations.iter().map(|m| m.version).collect();
        assert_eq!(applied, expected);
        let outbox: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox")
            .fetch_one(&store.pool)
            .await
            .expect("the outbox exists");
        assert_eq!(outbox, 0);
    }
}
