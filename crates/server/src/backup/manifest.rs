//! What a backup is: its layout (the database, the evidence, the secrets), `manifest.json`
//! listing every file with its size and SHA-256, and the errors backups and restores give.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The file that lists what a backup holds; written last.
pub const MANIFEST: &str = "manifest.json";
/// The database's file name in a data directory and in a backup.
pub const DATABASE: &str = crate::store::SQLITE_FILE;
/// Why `admin backup` and `admin restore` do nothing on PostgreSQL, and what to do instead.
pub const POSTGRES_REFUSAL: &str = "the tickets are in PostgreSQL, which `admin backup` and \
     `admin restore` do not copy (they take SQLite's snapshot): back up the database with \
     pg_dump (e.g. `pg_dump --format=custom --file=helpcenter.dump postgres://…`, restored with \
     pg_restore) or your provider's snapshots, and the data directory's uploads/ and \
     server-secret with your file backups (README, \"Running on PostgreSQL\")";
/// Finished evidence, one file per upload id (as `uploads::blobs` keeps them).
pub const EVIDENCE_DIR: &str = "uploads/evidence";
/// The secrets a data directory keeps beside the database: the server's own key (shoppers'
/// retried claims and links depend on it) and the demo site's generated ones.
pub(super) const SECRET_FILES: [&str; 4] = [
    "server-secret",
    "demo-admin-key",
    "demo-identity-secret",
    "demo-agent-password",
];
pub(super) const FORMAT: u32 = 1;

/// What `manifest.json` says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// This layout's version.
    pub format: u32,
    /// `helpcenter-server 0.1.0`.
    pub made_by: String,
    /// When the database snapshot was taken (RFC 3339 UTC).
    pub taken_at: String,
    /// The latest migration the database has: a restore by a version that does not know it
    /// is refused.
    pub schema_version: i64,
    pub tickets: u64,
    pub events: u64,
    pub evidence_files: u64,
    /// Uploads the snapshot had but the backup left out, and why: unfinished ones (their
    /// shoppers' widgets send them again) and unfiled ones deleted while the backup ran.
    #[serde(default)]
    pub left_out: Vec<String>,
    /// Every file of the backup but the manifest, by '/'-separated path.
    pub files: Vec<FileEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Refused(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
}

pub(super) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_owned(),
        source,
    }
}

pub(super) fn refused(message: impl Into<String>) -> BackupError {
    BackupError::Refused(message.into())
}
