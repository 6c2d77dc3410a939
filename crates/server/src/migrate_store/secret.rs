//! The server secret goes with the tickets: retried claims and mailed links are made with it.
//! It is read from the source's data directory and kept where the target's servers read it
//! (`server-secret` beside a SQLite database, the `server_secret` table on PostgreSQL), never
//! replacing a different one.

use std::path::{Path, PathBuf};

use super::error::MigrateStoreError;
use crate::store::copy;
use crate::store::{Database, Store};

/// The data directory's server secret; required when the source holds tickets (their
/// retried claims and mailed links are made with it).
pub(super) fn read_secret(
    data_dir: &Path,
    tickets: u64,
) -> Result<Option<String>, MigrateStoreError> {
    let path = data_dir.join("server-secret");
    match std::fs::read_to_string(&path) {
        Ok(secret) if !secret.trim().is_empty() => Ok(Some(secret.trim().to_owned())),
        Ok(_) if tickets == 0 => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && tickets == 0 => Ok(None),
        Ok(_) => Err(MigrateStoreError::SecretMissing {
            data_dir: data_dir.to_owned(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(MigrateStoreError::SecretMissing {
                data_dir: data_dir.to_owned(),
            })
        }
        Err(source) => Err(MigrateStoreError::File { path, source }),
    }
}

/// Where a SQLite target's server reads the secret: `server-secret` beside the database, in
/// the data directory it names.
fn target_secret_file(target: &Database) -> Option<PathBuf> {
    match target {
        Database::Sqlite(path) => {
            Some(path.parent().unwrap_or(Path::new("")).join("server-secret"))
        }
        Database::Postgres(_) => None,
    }
}

/// The secret the target's servers would read now, if any.
pub(super) async fn current_target_secret(
    plan_target: &Database,
    target: &Store,
    location: &str,
) -> Result<Option<String>, MigrateStoreError> {
    match target_secret_file(plan_target) {
        Some(path) => match std::fs::read_to_string(&path) {
            Ok(secret) if !secret.trim().is_empty() => Ok(Some(secret.trim().to_owned())),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(MigrateStoreError::File { path, source }),
        },
        None => copy::server_secret(&target.pool).await.map_err(|source| {
            MigrateStoreError::TargetDatabase {
                location: location.to_owned(),
                source,
            }
        }),
    }
}

pub(super) async fn check_target_secret(
    plan_target: &Database,
    target: &Store,
    location: &str,
    secret: &str,
    data_dir: &Path,
) -> Result<(), MigrateStoreError> {
    match current_target_secret(plan_target, target, location).await? {
        Some(theirs) if theirs != secret => Err(MigrateStoreError::SecretDiffers {
            location: location.to_owned(),
            data_dir: data_dir.to_owned(),
            remedy: match target_secret_file(plan_target) {
                Some(path) => format!("delete {}", path.display()),
                None => "DELETE FROM server_secret".into(),
            },
        }),
        _ => Ok(()),
    }
}

pub(super) async fn keep_target_secret(
    plan_target: &Database,
    target: &Store,
    location: &str,
    secret: &str,
) -> Result<(), MigrateStoreError> {
    match target_secret_file(plan_target) {
        Some(path) => {
            use std::io::Write;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                // Readable by the server's user only, from the start.
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let written = options
                .open(&path)
                .and_then(|mut file| file.write_all(secret.as_bytes()));
            written.map_err(|source| MigrateStoreError::File { path, source })
        }
        None => {
            copy::keep_server_secret(&target.pool, secret, jiff::Timestamp::now())
                .await
                .map_err(|source| MigrateStoreError::TargetDatabase {
                    location: location.to_owned(),
                    source,
                })?;
            Ok(())
        }
    }
}

pub(super) async fn target_secret_is(plan_target: &Database, target: &Store, secret: &str) -> bool {
    matches!(
        current_target_secret(plan_target, target, "").await,
        Ok(Some(theirs)) if theirs == secret
    )
}
