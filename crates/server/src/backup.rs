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

use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

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
/// Held by `serve` for as long as it runs; a restore refuses a directory a server holds.
pub const SERVE_LOCK: &str = "serve.lock";
/// The secrets a data directory keeps beside the database: the server's own key (shoppers'
/// retried claims and links depend on it) and the demo site's generated ones.
const SECRET_FILES: [&str; 4] = [
    "server-secret",
    "demo-admin-key",
    "demo-identity-secret",
    "demo-agent-password",
];
const FORMAT: u32 = 1;

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

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_owned(),
        source,
    }
}

fn refused(message: impl Into<String>) -> BackupError {
    BackupError::Refused(message.into())
}

/// Takes a backup of `data_dir` into `to` (new, or an empty directory) while a server may be
/// running on it.
pub async fn backup(
    data_dir: &Path,
    database: &crate::store::Database,
    to: &Path,
) -> Result<Manifest, BackupError> {
    let database = match database {
        crate::store::Database::Postgres(_) => return Err(refused(POSTGRES_REFUSAL)),
        crate::store::Database::Sqlite(path) => path.clone(),
    };
    if !database.is_file() {
        return Err(refused(format!(
            "{} holds no {DATABASE}: is it the server's data directory?",
            data_dir.display()
        )));
    }
    if to.exists() && !is_empty_dir(to)? {
        return Err(refused(format!(
            "{} is not empty: back up into a new directory (one per backup, e.g. named by \
             the date)",
            to.display()
        )));
    }
    make_private_dir(to)?;

    // One transaction's view of the database, whatever the server writes meanwhile.
    let source = connect(&database, true).await?;
    let snapshot_path = to.join(DATABASE);
    // Made empty first, private: VACUUM INTO takes an empty file and keeps its mode.
    drop(create_private(&snapshot_path)?);
    sqlx::query("VACUUM INTO ?")
        .bind(snapshot_path.to_string_lossy().into_owned())
        .execute(&source)
        .await?;
    source.close().await;
    let taken_at = crate::store::timestamp(jiff::Timestamp::now());

    let snapshot = connect(&snapshot_path, false).await?;
    check_integrity(&snapshot, &snapshot_path).await?;
    let mut left_out = Vec::new();
    // Unfinished uploads: their bytes are still arriving, so none are kept; the shopper's
    // widget finds the upload gone and sends the file again.
    let unfinished: Vec<String> =
        sqlx::query_scalar("SELECT id FROM uploads WHERE completed_at IS NULL ORDER BY id")
            .fetch_all(&snapshot)
            .await?;
    for id in &unfinished {
        sqlx::query("DELETE FROM uploads WHERE id = $1 AND completed_at IS NULL")
            .bind(id)
            .execute(&snapshot)
            .await?;
        left_out.push(format!("{id}: still uploading"));
    }
    let finished: Vec<(String, Option<String>, i64, Option<String>)> = sqlx::query_as(
        "SELECT id, ticket_id, length, content_sha256 FROM uploads \
         WHERE completed_at IS NOT NULL ORDER BY id",
    )
    .fetch_all(&snapshot)
    .await?;
    let mut files = Vec::new();
    make_private_dirs(to, EVIDENCE_DIR)?;
    for (id, ticket, length, sha256) in finished {
        if !crate::uploads::blobs::is_upload_id(&id) {
            return Err(refused(format!("the database names an upload {id:?}")));
        }
        let from = data_dir.join(EVIDENCE_DIR).join(&id);
        let path = format!("{EVIDENCE_DIR}/{id}");
        match copy_hashed(&from, &to.join(&path)) {
            Ok((bytes, hash)) => {
                if u64::try_from(length).ok() != Some(bytes)
                    || sha256.as_deref().is_some_and(|s| s != hash)
                {
                    return Err(refused(format!(
                        "evidence {id} ({}) is not what was uploaded: {bytes} bytes with \
                         SHA-256 {hash}, where the database recorded {length} bytes{}",
                        ticket.as_deref().unwrap_or("no ticket yet"),
                        sha256
                            .map(|s| format!(" with SHA-256 {s}"))
                            .unwrap_or_default()
                    )));
                }
                files.push(FileEntry {
                    path,
                    bytes,
                    sha256: hash,
                });
            }
            Err(BackupError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound && ticket.is_none() =>
            {
                // Expired while the backup ran: no ticket holds it.
                sqlx::query("DELETE FROM uploads WHERE id = $1 AND ticket_id IS NULL")
                    .bind(&id)
                    .execute(&snapshot)
                    .await?;
                left_out.push(format!(
                    "{id}: deleted while the backup ran, no ticket held it"
                ));
            }
            Err(BackupError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                return Err(refused(format!(
                    "evidence {id} of ticket {} is missing from {}: the data directory has \
                     lost a file the database holds",
                    ticket.unwrap_or_default(),
                    data_dir.join(EVIDENCE_DIR).display()
                )));
            }
            Err(e) => return Err(e),
        }
    }
    let count = |sql: &'static str| {
        let snapshot = &snapshot;
        async move {
            let n: i64 = sqlx::query_scalar(sql).fetch_one(snapshot).await?;
            Ok::<u64, BackupError>(u64::try_from(n).unwrap_or_default())
        }
    };
    let tickets = count("SELECT COUNT(*) FROM tickets").await?;
    let events = count("SELECT COUNT(*) FROM ticket_events").await?;
    let evidence_files = files.len() as u64;
    let schema_version = latest_migration(&snapshot).await?;
    snapshot.close().await;
    let (bytes, sha256) = hash_file(&snapshot_path)?;
    files.insert(
        0,
        FileEntry {
            path: DATABASE.into(),
            bytes,
            sha256,
        },
    );
    for name in SECRET_FILES {
        let from = data_dir.join(name);
        if from.is_file() {
            let (bytes, sha256) = copy_hashed(&from, &to.join(name))?;
            files.push(FileEntry {
                path: name.into(),
                bytes,
                sha256,
            });
        }
    }
    let manifest = Manifest {
        format: FORMAT,
        made_by: format!("helpcenter-server {}", env!("CARGO_PKG_VERSION")),
        taken_at,
        schema_version,
        tickets,
        events,
        evidence_files,
        left_out,
        files,
    };
    let text = serde_json::to_string_pretty(&manifest)
        .map_err(|e| refused(format!("cannot write the manifest: {e}")))?;
    let partial = to.join(".manifest.json.partial");
    write_private(&partial, text.as_bytes())?;
    std::fs::rename(&partial, to.join(MANIFEST)).map_err(io(&partial))?;
    Ok(manifest)
}

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    pub manifest: Manifest,
    /// Where what the data directory held before is kept, when it held anything.
    pub moved_aside: Option<PathBuf>,
}

/// Checks the backup in `from` against its manifest, then restores it into `data_dir`: a new
/// or empty directory, or with `force` a non-empty one whose contents are moved aside into
/// `before-restore-…` inside it. Nothing is written before every check passed.
pub async fn restore(
    from: &Path,
    data_dir: &Path,
    database: &crate::store::Database,
    force: bool,
) -> Result<Restored, BackupError> {
    match database {
        crate::store::Database::Postgres(_) => return Err(refused(POSTGRES_REFUSAL)),
        crate::store::Database::Sqlite(path) if *path != data_dir.join(DATABASE) => {
            return Err(refused(format!(
                "the server's database is {}, outside the data directory: a restore puts \
                 {DATABASE} in the data directory ({}). Restore there and point database_url \
                 at it, or leave database_url out",
                path.display(),
                data_dir.display()
            )));
        }
        crate::store::Database::Sqlite(_) => {}
    }
    let manifest = verify(from).await?;
    let existing = if data_dir.exists() {
        if !data_dir.is_dir() {
            return Err(refused(format!(
                "{} is a file, not a data directory",
                data_dir.display()
            )));
        }
        entries(data_dir)?
    } else {
        Vec::new()
    };
    if !existing.is_empty() {
        if !force {
            let mut names: Vec<String> = existing
                .iter()
                .map(|p| {
                    p.file_name()
                        .unwrap_or_default()
                        .to_string_lossy()
                        .into_owned()
                })
                .collect();
            names.sort();
            return Err(refused(format!(
                "{} is not empty ({}): restore into a new or empty directory, or add --force \
                 to move what it holds aside (kept inside it, in before-restore-…)",
                data_dir.display(),
                names.join(", ")
            )));
        }
        if server_holds(data_dir)? {
            return Err(refused(format!(
                "a helpcenter-server is running on {}: stop it first (e.g. `systemctl stop \
                 helpcenter-server`), then restore",
                data_dir.display()
            )));
        }
    }
    make_private_dir(data_dir)?;
    let stamp = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    // Staged inside the data directory, so the final moves are renames on one file system
    // even when the data directory is a mount point.
    let staging = data_dir.join(format!(".restoring-{stamp}"));
    make_private_dir(&staging)?;
    for file in &manifest.files {
        let target = staging.join(&file.path);
        if let Some((dirs, _)) = file.path.rsplit_once('/') {
            make_private_dirs(&staging, dirs)?;
        }
        let (bytes, sha256) = copy_hashed(&from.join(&file.path), &target)?;
        if bytes != file.bytes || sha256 != file.sha256 {
            return Err(refused(format!(
                "{} changed while it was being restored (now {bytes} bytes, SHA-256 \
                 {sha256}): restore again from a backup nothing writes to",
                from.join(&file.path).display()
            )));
        }
    }
    let moved_aside = if existing.is_empty() {
        None
    } else {
        let aside = data_dir.join(format!("before-restore-{stamp}"));
        make_private_dir(&aside)?;
        for entry in &existing {
            let name = entry.file_name().unwrap_or_default();
            std::fs::rename(entry, aside.join(name)).map_err(io(entry))?;
        }
        Some(aside)
    };
    for entry in entries(&staging)? {
        let name = entry.file_name().unwrap_or_default();
        std::fs::rename(&entry, data_dir.join(name)).map_err(io(&entry))?;
    }
    std::fs::remove_dir(&staging).map_err(io(&staging))?;
    Ok(Restored {
        manifest,
        moved_aside,
    })
}

/// Reads the manifest of the backup in `from` and checks every file against it, the
/// database's integrity and that this version knows its schema. Writes nothing.
pub async fn verify(from: &Path) -> Result<Manifest, BackupError> {
    let manifest_path = from.join(MANIFEST);
    let text = match std::fs::read_to_string(&manifest_path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(refused(format!(
                "{} holds no {MANIFEST}: it is not a backup, or one that did not finish",
                from.display()
            )));
        }
        Err(e) => return Err(io(&manifest_path)(e)),
    };
    let manifest: Manifest = serde_json::from_str(&text)
        .map_err(|e| refused(format!("{}: {e}", manifest_path.display())))?;
    if manifest.format != FORMAT {
        return Err(refused(format!(
            "{}: format {} (this version reads format {FORMAT})",
            manifest_path.display(),
            manifest.format
        )));
    }
    let mut problems = Vec::new();
    let mut listed = std::collections::BTreeSet::new();
    for file in &manifest.files {
        if !safe_relative(&file.path) {
            return Err(refused(format!(
                "{}: {:?} is not a path inside the backup",
                manifest_path.display(),
                file.path
            )));
        }
        listed.insert(file.path.clone());
        match hash_file(&from.join(&file.path)) {
            Ok((bytes, sha256)) if bytes == file.bytes && sha256 == file.sha256 => {}
            Ok((bytes, sha256)) => problems.push(format!(
                "{}: {bytes} bytes with SHA-256 {sha256}, the manifest says {} bytes with \
                 SHA-256 {}",
                file.path, file.bytes, file.sha256
            )),
            Err(BackupError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                problems.push(format!("{}: missing", file.path));
            }
            Err(e) => return Err(e),
        }
    }
    if !listed.contains(DATABASE) {
        problems.push(format!("the manifest lists no {DATABASE}"));
    }
    for extra in files_under(from, from)? {
        if extra != MANIFEST && !listed.contains(&extra) {
            problems.push(format!("{extra}: not in the manifest"));
        }
    }
    if !problems.is_empty() {
        return Err(refused(format!(
            "the backup in {} does not match its manifest, so nothing was restored:\n  {}",
            from.display(),
            problems.join("\n  ")
        )));
    }
    let database = from.join(DATABASE);
    let pool = connect(&database, true).await?;
    check_integrity(&pool, &database).await?;
    let applied = applied_migrations(&pool).await?;
    pool.close().await;
    let known = crate::store::MIGRATIONS
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or_default();
    let unknown: Vec<String> = applied
        .iter()
        .filter(|(v, _, _)| !crate::store::MIGRATIONS.iter().any(|m| m.version == *v))
        .map(|(v, d, _)| format!("migration {v:04} ({d})"))
        .collect();
    if !unknown.is_empty() {
        return Err(refused(format!(
            "the backup in {} was made by a newer helpcenter-server ({}): its database has \
             {}, which this version ({}) does not know (it knows migrations up to {known}). \
             Restore it with that version or a later one",
            from.display(),
            manifest.made_by,
            unknown.join(", "),
            env!("CARGO_PKG_VERSION")
        )));
    }
    Ok(manifest)
}

async fn connect(path: &Path, read_only: bool) -> Result<SqlitePool, BackupError> {
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

async fn check_integrity(pool: &SqlitePool, path: &Path) -> Result<(), BackupError> {
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
async fn applied_migrations(pool: &SqlitePool) -> Result<Vec<(i64, String, Vec<u8>)>, BackupError> {
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

async fn latest_migration(pool: &SqlitePool) -> Result<i64, BackupError> {
    Ok(applied_migrations(pool)
        .await?
        .iter()
        .map(|(v, _, _)| *v)
        .max()
        .unwrap_or_default())
}

/// Whether a running `serve` holds `data_dir`'s lock.
fn server_holds(data_dir: &Path) -> Result<bool, BackupError> {
    let path = data_dir.join(SERVE_LOCK);
    if !path.exists() {
        return Ok(false);
    }
    let file = std::fs::File::open(&path).map_err(io(&path))?;
    match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(false),
        Err(rustix::io::Errno::WOULDBLOCK) => Ok(true),
        Err(e) => Err(io(&path)(e.into())),
    }
}

/// Held by `serve` for its whole run, so a restore (or a second server) cannot take the same
/// data directory from under it. Released by the system when the process ends, however.
pub fn lock_for_serving(data_dir: &Path) -> Result<std::fs::File, String> {
    let path = data_dir.join(SERVE_LOCK);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(file),
        Err(rustix::io::Errno::WOULDBLOCK) => Err(format!(
            "another helpcenter-server is serving {}: one server per data directory",
            data_dir.display()
        )),
        Err(e) => Err(format!("cannot lock {}: {e}", path.display())),
    }
}

fn safe_relative(path: &str) -> bool {
    let path = Path::new(path);
    !path.as_os_str().is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)))
}

fn is_empty_dir(dir: &Path) -> Result<bool, BackupError> {
    Ok(dir.is_dir() && entries(dir)?.is_empty())
}

fn entries(dir: &Path) -> Result<Vec<PathBuf>, BackupError> {
    std::fs::read_dir(dir)
        .map_err(io(dir))?
        .map(|e| e.map(|e| e.path()).map_err(io(dir)))
        .collect()
}

/// Every file under `dir`, as '/'-separated paths relative to `root`.
fn files_under(root: &Path, dir: &Path) -> Result<Vec<String>, BackupError> {
    let mut found = Vec::new();
    for entry in entries(dir)? {
        if entry.is_dir() {
            found.extend(files_under(root, &entry)?);
        } else {
            let relative = entry.strip_prefix(root).unwrap_or(&entry);
            let parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            found.push(parts.join("/"));
        }
    }
    Ok(found)
}

fn make_private_dir(dir: &Path) -> Result<(), BackupError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io(dir))?;
    }
    Ok(())
}

/// Each directory of the '/'-separated `relative` under `base`, private.
fn make_private_dirs(base: &Path, relative: &str) -> Result<(), BackupError> {
    let mut dir = base.to_owned();
    for part in relative.split('/') {
        dir.push(part);
        make_private_dir(&dir)?;
    }
    Ok(())
}

/// Shoppers' personal data and the server's secrets: readable by their owner only.
fn create_private(path: &Path) -> Result<std::fs::File, BackupError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(io(path))
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), BackupError> {
    let mut file = create_private(path)?;
    file.write_all(bytes).map_err(io(path))?;
    file.sync_all().map_err(io(path))
}

/// Copies `from` to a new file `to`, synced, returning its length and SHA-256.
fn copy_hashed(from: &Path, to: &Path) -> Result<(u64, String), BackupError> {
    let mut source = std::fs::File::open(from).map_err(io(from))?;
    let mut target = create_private(to)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let mut bytes = 0u64;
    loop {
        let n = source.read(&mut buffer).map_err(io(from))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        target.write_all(&buffer[..n]).map_err(io(to))?;
        bytes += n as u64;
    }
    target.sync_all().map_err(io(to))?;
    Ok((bytes, hex::encode(hasher.finalize())))
}

fn hash_file(path: &Path) -> Result<(u64, String), BackupError> {
    let mut file = std::fs::File::open(path).map_err(io(path))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buffer).map_err(io(path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        bytes += n as u64;
    }
    Ok((bytes, hex::encode(hasher.finalize())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_inside_a_backup() {
        for ok in ["helpcenter.db", "uploads/evidence/abc", "server-secret"] {
            assert!(safe_relative(ok), "{ok}");
        }
        for bad in ["", "/etc/passwd", "../outside", "uploads/../../x", "./x"] {
            assert!(!safe_relative(bad), "{bad}");
        }
    }
}
