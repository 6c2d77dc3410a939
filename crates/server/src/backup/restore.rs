//! Restoring a backup into a data directory, after the whole manifest is checked, and never
//! over what the directory holds (with `force`, that is moved aside inside it); and checking a
//! backup without restoring it.

use std::path::{Path, PathBuf};

use super::files::{
    copy_hashed, entries, files_under, hash_file, make_private_dir, make_private_dirs,
    safe_relative,
};
use super::lock::server_holds;
use super::manifest::{
    BackupError, DATABASE, FORMAT, MANIFEST, Manifest, POSTGRES_REFUSAL, io, refused,
};
use super::sqlite::{applied_migrations, check_integrity, connect};

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
