//! Backups and restores of a data directory, taken while the server runs.
//!
//! A backup is a directory: the database as one consistent snapshot (SQLite's `VACUUM INTO`,
//! which reads one transaction while the server keeps writing), the evidence files that
//! snapshot's uploads hold, the server's secrets, and `manifest.json` listing every file with
//! its size and SHA-256, written last (a backup without it is unfinished). A restore checks
//! the whole manifest before it writes anything, and never overwrites what a data directory
//! holds: with `force`, that is moved aside inside it.
//!
//! SQLite only: a server on PostgreSQL is backed up with PostgreSQL's own tools (`pg_dump`,
//! or the provider's snapshots) and its data directory's files; both commands refuse, saying
//! so ([`POSTGRES_REFUSAL`]).
//!
//! Taking a backup (`take`) and restoring or verifying one (`restore`) share what a backup is
//! (`manifest`), the careful file handling both need (`files`: private, synced, hashed, never
//! outside the backup), the SQLite snapshot's checks (`sqlite`) and the lock a running server
//! holds on its data directory (`lock`).

mod files;
mod lock;
mod manifest;
mod restore;
mod sqlite;
mod take;

pub use lock::{SERVE_LOCK, lock_for_serving};
pub use manifest::{
    BackupError, DATABASE, EVIDENCE_DIR, FileEntry, MANIFEST, Manifest, POSTGRES_REFUSAL,
};
pub use restore::{Restored, restore, verify};
pub use take::backup;
