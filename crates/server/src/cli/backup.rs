//! `admin backup` and `admin restore`: the data directory copied while the server runs, and
//! put back after a check against the backup's manifest.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::target::{TargetArgs, database_of, evidence_of};
use super::terminal::fail;
use crate::config::ServerConfig;
use crate::store::Database;

/// The data directory an admin command works on without opening it as a server: the flag,
/// else the config's `data_dir` (as `serve` reads it), else `data` when `default` allows.
fn admin_data_dir(args: &TargetArgs, default: bool) -> Result<PathBuf, String> {
    if let Some(dir) = &args.data_dir {
        return Ok(dir.clone());
    }
    if let Some(config_path) = &args.config {
        let config = ServerConfig::load(config_path).map_err(|e| e.to_string())?;
        return Ok(config.server.data_dir.unwrap_or_else(|| "data".into()));
    }
    if default {
        return Ok("data".into());
    }
    Err("name the data directory: --config FILE (its data_dir) or --data-dir DIR".into())
}

/// The database an admin command without a site works on (backup, restore): the flag, else
/// the config's, else SQLite in `data_dir`.
fn admin_database(args: &TargetArgs, data_dir: &Path) -> Result<Database, String> {
    let config = match (&args.database_url, &args.config) {
        (None, Some(path)) => Some(ServerConfig::load(path).map_err(|e| e.to_string())?),
        _ => None,
    };
    database_of(args.database_url.as_deref(), config.as_ref(), data_dir)
}

/// Backups copy and restores write the data directory's own evidence directory: refused,
/// saying so, when the server keeps evidence elsewhere.
fn evidence_in_data_dir(
    args: &TargetArgs,
    data_dir: &Path,
    database: &Database,
) -> Result<(), String> {
    if matches!(database, Database::Postgres(_)) {
        // Refused with its own message.
        return Ok(());
    }
    let config = match (&args.evidence_store, &args.config) {
        (None, Some(path)) => Some(ServerConfig::load(path).map_err(|e| e.to_string())?),
        _ => None,
    };
    let evidence = evidence_of(args.evidence_store.as_deref(), config.as_ref(), data_dir)?;
    if evidence.is_in_data_dir(data_dir) {
        return Ok(());
    }
    Err(format!(
        "evidence_store is {evidence}, outside the data directory: `admin backup` and `admin \
         restore` copy {} only. Back up the evidence with the store's own tools (a bucket's \
         versioning or replication, a copy of the directory) beside a copy of the database",
        data_dir
            .join(crate::uploads::location::DEFAULT_DIR)
            .display()
    ))
}

/// The data directory and database a backup or restore works on, checked, and a runtime
/// to work on them; `default_dir` as for [`admin_data_dir`].
fn prepare(
    args: &TargetArgs,
    default_dir: bool,
) -> Result<(PathBuf, Database, tokio::runtime::Runtime), String> {
    let data_dir = admin_data_dir(args, default_dir)?;
    let database = admin_database(args, &data_dir)?;
    evidence_in_data_dir(args, &data_dir, &database)?;
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    Ok((data_dir, database, runtime))
}

pub(super) fn backup(args: &TargetArgs, to: &Path) -> ExitCode {
    let (data_dir, database, runtime) = match prepare(args, true) {
        Ok(prepared) => prepared,
        Err(message) => return fail(&message),
    };
    match runtime.block_on(crate::backup::backup(&data_dir, &database, to)) {
        Ok(manifest) => {
            println!(
                "Backed up {} into {}: {} ticket(s), {} event(s), {} evidence file(s), \
                 schema {}, taken at {}",
                data_dir.display(),
                to.display(),
                manifest.tickets,
                manifest.events,
                manifest.evidence_files,
                manifest.schema_version,
                manifest.taken_at
            );
            for left in &manifest.left_out {
                println!("  left out upload {left}");
            }
            println!(
                "{} files listed with their SHA-256 in {}",
                manifest.files.len(),
                to.join(crate::backup::MANIFEST).display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(&format!("backup failed: {e}")),
    }
}

pub(super) fn restore(args: &TargetArgs, from: &Path, force: bool) -> ExitCode {
    let (data_dir, database, runtime) = match prepare(args, false) {
        Ok(prepared) => prepared,
        Err(message) => return fail(&message),
    };
    match runtime.block_on(crate::backup::restore(from, &data_dir, &database, force)) {
        Ok(restored) => {
            let m = &restored.manifest;
            println!(
                "Checked {} files against {}; restored {} ticket(s), {} event(s), {} evidence \
                 file(s) taken at {} by {} into {}",
                m.files.len(),
                from.join(crate::backup::MANIFEST).display(),
                m.tickets,
                m.events,
                m.evidence_files,
                m.taken_at,
                m.made_by,
                data_dir.display()
            );
            if let Some(aside) = &restored.moved_aside {
                println!(
                    "What {} held before is kept in {}: delete it once the restored server \
                     checks out",
                    data_dir.display(),
                    aside.display()
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(&format!("restore refused: {e}")),
    }
}
