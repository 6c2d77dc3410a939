//! All SQL lives under this module, behind `Store`. It is written for SQLite (the embedded
//! default) in SQL that PostgreSQL also accepts, so the scale-out path is a new pool type,
//! not a rewrite.

pub mod admin_keys;
pub mod agents;
pub mod console;
pub mod outbox;
pub mod request_site;
pub mod shoppers;
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
    /// Migrations only go forward: a database a newer version has migrated is left as it is.
    #[error(
        "{path} was written by a newer helpcenter-server: its schema has {unknown}, which this \
         version ({version}) does not know (it knows migrations up to {known}). Run the newer \
         version again, or restore a backup taken before the upgrade (`admin restore`); a \
         server never undoes a migration"
    )]
    NewerSchema {
        path: String,
        unknown: String,
        version: &'static str,
        known: i64,
    },
    /// A migration this version ships differs from the one the database recorded.
    #[error(
        "{path}: migration {version} was applied from a different text than this version's \
         ({description}): the database and this binary do not come from the same release line"
    )]
    ChangedMigration {
        path: String,
        version: i64,
        description: String,
    },
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
        migrate(&writer, &path).await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        Ok(Store { pool, writer })
    }
}

/// The migrations this version ships: forward-only (no `.down.sql`), numbered in order.
pub static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Brings the schema up to date, first refusing a database a newer version has migrated, so
/// an older binary started by mistake (a rolled-back upgrade) says so and changes nothing.
async fn migrate(writer: &SqlitePool, path: &Path) -> Result<(), StoreError> {
    let applied = applied_migrations(writer).await?;
    let known = MIGRATIONS
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or_default();
    let unknown: Vec<String> = applied
        .iter()
        .filter(|(version, _, _)| !MIGRATIONS.iter().any(|m| m.version == *version))
        .map(|(version, description, _)| format!("migration {version:04} ({description})"))
        .collect();
    if !unknown.is_empty() {
        return Err(StoreError::NewerSchema {
            path: path.display().to_string(),
            unknown: unknown.join(", "),
            version: env!("CARGO_PKG_VERSION"),
            known,
        });
    }
    for (version, _, checksum) in &applied {
        if let Some(ours) = MIGRATIONS.iter().find(|m| m.version == *version)
            && *ours.checksum != checksum[..]
        {
            return Err(StoreError::ChangedMigration {
                path: path.display().to_string(),
                version: *version,
                description: ours.description.to_string(),
            });
        }
    }
    MIGRATIONS.run(writer).await?;
    Ok(())
}

/// The migrations a database has recorded (none for a new one): version, name, checksum.
pub(crate) async fn applied_migrations(
    pool: &SqlitePool,
) -> Result<Vec<(i64, String, Vec<u8>)>, StoreError> {
    let exists: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(pool)
    .await?;
    if exists == 0 {
        return Ok(Vec::new());
    }
    Ok(sqlx::query_as(
        "SELECT version, description, checksum FROM _sqlx_migrations ORDER BY version",
    )
    .fetch_all(pool)
    .await?)
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
        let all = &MIGRATIONS;
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

    /// Upgrades only go forward: no migration may come with a way back, and each is numbered.
    #[test]
    fn migrations_are_forward_only() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("the migrations")
            .map(|e| {
                e.expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        assert!(!names.is_empty());
        for name in &names {
            assert!(
                !name.contains(".down.") && !name.contains(".up."),
                "{name}: migrations are forward-only, without a down script"
            );
            assert!(name.ends_with(".sql"), "{name}");
        }
        assert_eq!(names.len(), MIGRATIONS.iter().count());
        assert!(
            MIGRATIONS
                .iter()
                .all(|m| m.migration_type == sqlx::migrate::MigrationType::Simple)
        );
    }
}
