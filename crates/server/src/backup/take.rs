//! Taking a backup while the server runs: one consistent snapshot of the database, the
//! evidence its uploads hold, the secrets, and the manifest written last.

use std::path::Path;

use super::files::{
    copy_hashed, create_private, hash_file, is_empty_dir, make_private_dir, make_private_dirs,
    write_private,
};
use super::manifest::{
    BackupError, DATABASE, EVIDENCE_DIR, FORMAT, FileEntry, MANIFEST, Manifest, POSTGRES_REFUSAL,
    SECRET_FILES, io, refused,
};
use super::sqlite::{check_integrity, connect, latest_migration};

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
