//! The SQLite file of a backup or data directory: opened as a backup needs it, its integrity
//! checked, and the migrations it has recorded.

use std::path::Path;
use std::str::FromStr;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

use super::manifest::{BackupError, refused};

pub(super) async fn connect(path: &Path, read_only: bool) -> Result<SqlitePool, BackupError> {
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
        .read_only(read_only)
        .busy_timeout(std::time::Duration::from_secs(30));
    // Read-only: the server's database is left in its own journal mode (WAL). The snapshot
    // is one plain file.
    let options = if read_only {
        options
    } else {
        options.journal_mode(SqliteJournalMode::Delete)
    };
    Ok(SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?)
}

pub(super) async fn check_integrity(pool: &SqlitePool, path: &Path) -> Result<(), BackupError> {
    let verdict: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(pool)
        .await?;
    if verdict != "ok" {
        return Err(refused(format!(
            "{}: SQLite's integrity check says {verdict:?}",
            path.display()
        )));
    }
    Ok(())
}

/// The migrations a SQLite file has recorded: version, name, checksum.
pub(super) async fn applied_migrations(
    pool: &SqlitePool,
) -> Result<Vec<(i64, String, Vec<u8>)>, BackupError> {
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

pub(super) async fn latest_migration(pool: &SqlitePool) -> Result<i64, BackupError> {
    Ok(applied_migrations(pool)
        .await?
        .iter()
        .map(|(v, _, _)| *v)
        .max()
        .unwrap_or_default())
}
