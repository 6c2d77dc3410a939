//! `helpcenter-server migrate-store`: moves a one-machine deployment (tickets in SQLite,
//! evidence in the data directory) up to PostgreSQL and an S3-compatible bucket, where
//! several servers can share them (README, "Running at scale").
//!
//! - **Nothing of the source changes**: its database is opened read-only, and its data
//!   directory's `serve.lock` is held for the whole copy, so no server runs on it meanwhile.
//! - **The target's schema is this version's**: the source's must be exactly this
//!   helpcenter-server's migrations (else it says to run `migrate` first, or the newer
//!   version); the target is brought up to the same by the same migrations `serve` runs,
//!   and a target a newer version migrated is refused.
//! - **Every table, by the schema**: the tables are read from the source's schema, and each
//!   must be one [`tables::TABLES`] says how to carry; an unknown one stops the copy before
//!   anything is written, so a table a later migration adds is never silently left behind.
//! - **Re-runnable, never overwriting**: before writing, both databases' rows are compared
//!   table by table in key order; a target holding rows the source does not have (or other
//!   values under the same key) is refused. Then only the rows and objects the target lacks
//!   are copied, so a second run (or one after an interruption) copies nothing already there.
//! - **Verified after**: every carried table compared again row by row (counts and values),
//!   every object read back from the target and its SHA-256 compared with the source's bytes
//!   and with what the database recorded when the file was inspected. Each difference is one
//!   `error[migrate_store.CODE]` line on standard error, and the exit fails.

mod error;
mod objects;
mod progress;
mod tables;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

pub use error::MigrateStoreError;
pub use progress::{Mode, Progress};

use crate::store::copy::{self, TableShape};
use crate::store::{Database, Engine, Store};
use crate::uploads::EvidenceLocation;
use objects::Stores;
use progress::megabytes;
use tables::{Carry, Comparison, Sides, TABLES};

/// `helpcenter-server migrate-store`'s flags.
#[derive(clap::Args, Debug, Clone)]
pub struct MigrateStoreArgs {
    /// The data directory the one-machine server ran on: its database and evidence are
    /// copied unless --from and --from-evidence name others, and its `server-secret` goes
    /// with them. No server may be running on it.
    #[arg(long, env = "HELPCENTER_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// The database to copy from (`sqlite://PATH`); `helpcenter.db` in the data directory
    /// without it.
    #[arg(long, value_name = "URL")]
    pub from: Option<String>,
    /// The evidence to copy from (`file://PATH` or `s3://BUCKET/PREFIX`);
    /// `uploads/evidence` in the data directory without it.
    #[arg(long, value_name = "URL")]
    pub from_evidence: Option<String>,
    /// The database the servers will run on: `postgres://USER@HOST/DATABASE` (its password
    /// in PGPASSWORD or ~/.pgpass), empty or holding an earlier run's copy.
    #[arg(long, value_name = "URL", env = "HELPCENTER_DATABASE_URL")]
    pub to: String,
    /// Where the servers will keep evidence: `s3://BUCKET/PREFIX` (with the AWS_* variables
    /// as `serve` reads them) or `file://PATH`; left where it is without it.
    #[arg(long, value_name = "URL", env = "HELPCENTER_EVIDENCE_STORE")]
    pub to_evidence: Option<String>,
}

/// Runs the command, printing progress on standard output and each error as one line on
/// standard error.
pub fn run(args: MigrateStoreArgs) -> ExitCode {
    let progress = Progress::stdout();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(migrate(&args, &progress)) {
        Ok(problems) if problems.is_empty() => ExitCode::SUCCESS,
        Ok(problems) => {
            for problem in &problems {
                eprintln!("{}", problem.line());
            }
            progress.line(&format!(
                "NOT verified: {} difference{} between the source and the target (above); \
                 nothing was overwritten",
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            ));
            ExitCode::FAILURE
        }
        Err(e) => {
            progress.finish();
            eprintln!("{}", e.line());
            ExitCode::FAILURE
        }
    }
}

/// Where things are, from the flags.
struct Plan {
    data_dir: PathBuf,
    source: Database,
    source_evidence: EvidenceLocation,
    target: Database,
    /// None: the evidence stays where it is (checked, not copied).
    target_evidence: Option<EvidenceLocation>,
}

impl Plan {
    fn of(args: &MigrateStoreArgs) -> Result<Plan, MigrateStoreError> {
        let here = Path::new("");
        let source = match &args.from {
            Some(url) => Database::parse(url, here).map_err(MigrateStoreError::Usage)?,
            None => Database::in_data_dir(&args.data_dir),
        };
        let Database::Sqlite(path) = &source else {
            return Err(MigrateStoreError::SourceNotSqlite(source.to_string()));
        };
        if !path.is_file() {
            return Err(MigrateStoreError::SourceMissing { path: path.clone() });
        }
        let source_evidence = match &args.from_evidence {
            Some(url) => EvidenceLocation::parse(url, here).map_err(MigrateStoreError::Usage)?,
            None => EvidenceLocation::in_data_dir(&args.data_dir),
        };
        let target = Database::parse(&args.to, here).map_err(MigrateStoreError::Usage)?;
        if let Database::Sqlite(to) = &target
            && absolute(to) == absolute(path)
        {
            return Err(MigrateStoreError::SameStore {
                what: "database",
                location: target.to_string(),
            });
        }
        let target_evidence = match &args.to_evidence {
            Some(url) => {
                let to = EvidenceLocation::parse(url, here).map_err(MigrateStoreError::Usage)?;
                (!same_evidence(&to, &source_evidence)).then_some(to)
            }
            None => None,
        };
        Ok(Plan {
            data_dir: args.data_dir.clone(),
            source,
            source_evidence,
            target,
            target_evidence,
        })
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_owned())
}

fn same_evidence(a: &EvidenceLocation, b: &EvidenceLocation) -> bool {
    match (a, b) {
        (EvidenceLocation::Local(x), EvidenceLocation::Local(y)) => absolute(x) == absolute(y),
        _ => a == b,
    }
}

/// The whole move; `Ok` with the differences verification found (none: verified).
async fn migrate(
    args: &MigrateStoreArgs,
    progress: &Progress,
) -> Result<Vec<MigrateStoreError>, MigrateStoreError> {
    let started = Instant::now();
    let plan = Plan::of(args)?;
    // Held until the end: no server starts on the source meanwhile.
    let _lock = hold_data_dir(&plan.data_dir)?;
    let source_location = plan.source.to_string();
    let target_location = plan.target.to_string();
    progress.line(&format!(
        "moving {source_location} and the evidence in {}",
        plan.source_evidence
    ));
    progress.line(&format!(
        "into   {target_location} and {}",
        match &plan.target_evidence {
            Some(to) => to.to_string(),
            None => format!("the evidence where it is ({})", plan.source_evidence),
        }
    ));

    // The schemas: the source's as this version left it, the target's brought to the same.
    let source = copy::open_read_only(&plan.source).await.map_err(|source| {
        MigrateStoreError::SourceDatabase {
            location: source_location.clone(),
            source,
        }
    })?;
    let version = check_source_schema(&source, &source_location).await?;
    let in_source = known_tables(&source, &source_location).await?;
    if let Database::Sqlite(path) = &plan.target
        && let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|source| MigrateStoreError::File {
            path: dir.to_owned(),
            source,
        })?;
    }
    let target =
        Store::open(&plan.target)
            .await
            .map_err(|source| MigrateStoreError::TargetSchema {
                location: target_location.clone(),
                source,
            })?;
    let target_versions: Vec<i64> = crate::store::applied_migrations(&target.pool, target.engine())
        .await
        .map_err(|source| MigrateStoreError::TargetDatabase {
            location: target_location.clone(),
            source,
        })?
        .into_iter()
        .map(|(v, _, _)| v)
        .collect();
    if target_versions.iter().max() != Some(&version) {
        return Err(MigrateStoreError::TargetSchema {
            location: target_location.clone(),
            source: crate::store::StoreError::Corrupt(format!(
                "its schema is at {}, not the source's migration {version:04}",
                latest(&target_versions)
            )),
        });
    }
    progress.line(&format!(
        "schema: migration {version:04} on both (the target's brought up to date)"
    ));

    let shapes = table_shapes(
        &source,
        &source_location,
        &in_source,
        &target,
        &target_location,
    )
    .await?;
    let sides = Sides {
        source: &source,
        source_location: &source_location,
        target: &target.pool,
        target_location: &target_location,
    };

    // Before writing anything: what the target holds must be an earlier copy of the source.
    let mut planned = Vec::new();
    progress.start("checking the target", "tables", shapes.len() as u64, 0);
    for shape in &shapes {
        planned.push(tables::walk(&sides, shape, false, progress).await?);
        progress.advance(1, 0);
    }
    progress.finish();
    let foreign: Vec<String> = shapes
        .iter()
        .zip(&planned)
        .filter(|(_, c)| c.extra > 0 || c.differing > 0)
        .map(|(shape, c)| {
            format!(
                "{}: {} rows, e.g. {}",
                shape.name,
                c.extra + c.differing,
                c.examples.join(", ")
            )
        })
        .collect();
    if !foreign.is_empty() {
        return Err(MigrateStoreError::TargetNotEmpty {
            location: target_location.clone(),
            detail: foreign.join("; "),
        });
    }
    let tickets = planned
        .iter()
        .zip(&shapes)
        .find(|(_, s)| s.name == "tickets")
        .map_or(0, |(c, _)| c.source_rows);
    let secret = read_secret(&plan.data_dir, tickets)?;
    if let Some(secret) = &secret {
        check_target_secret(
            &plan.target,
            &target,
            &target_location,
            secret,
            &plan.data_dir,
        )
        .await?;
    }

    // The evidence the database names, and which of it the target holds.
    let evidence = copy::evidence_objects(&source).await.map_err(|source| {
        MigrateStoreError::SourceDatabase {
            location: source_location.clone(),
            source,
        }
    })?;
    let stores = open_stores(&plan)?;
    let present = match &stores.target {
        Some(target) => objects::present_in_target(target, &evidence).await?,
        None => vec![true; evidence.len()],
    };

    // The copy.
    let to_copy: u64 = planned.iter().map(|c| c.missing).sum();
    let there: u64 = planned.iter().map(|c| c.source_rows - c.missing).sum();
    progress.line(&format!(
        "tables: {to_copy} rows to copy in {} tables, {there} there already; not carried: {}",
        shapes.len(),
        TABLES
            .iter()
            .filter_map(|(t, carry)| match carry {
                Carry::Not(why) => Some(format!("{t} ({why})")),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let mut copied_rows = 0;
    for (shape, plan_of) in shapes.iter().zip(&planned) {
        let started = Instant::now();
        progress.start(&shape.name, "rows", plan_of.missing, 0);
        let done = tables::walk(&sides, shape, true, progress).await?;
        progress.finish();
        copied_rows += done.copied;
        progress.line(&format!(
            "{}: {} rows copied, {} there already ({:.1} s)",
            shape.name,
            done.copied,
            done.source_rows - done.missing,
            started.elapsed().as_secs_f64()
        ));
    }
    if let Some(secret) = &secret {
        let had = current_target_secret(&plan.target, &target, &target_location).await?;
        if had.is_none() {
            keep_target_secret(&plan.target, &target, &target_location, secret).await?;
        }
        progress.line(if had.is_none() {
            "server secret: carried (retried claims and mailed links keep working)"
        } else {
            "server secret: there already"
        });
    }

    let mut read = std::collections::HashMap::new();
    let mut copied_objects = 0u64;
    let mut copied_bytes = 0u64;
    if let Some(target_store) = &stores.target {
        let missing: Vec<_> = evidence
            .iter()
            .zip(&present)
            .filter(|(_, there)| !**there)
            .map(|(o, _)| o.clone())
            .collect();
        let bytes: u64 = missing.iter().map(|o| o.length).sum();
        progress.line(&format!(
            "evidence: {} objects to copy ({}), {} there already",
            missing.len(),
            megabytes(bytes),
            evidence.len() - missing.len()
        ));
        let started = Instant::now();
        progress.start("evidence", "objects", missing.len() as u64, bytes);
        read = objects::copy_all(&stores, target_store, &missing, progress).await?;
        progress.finish();
        copied_objects = read.values().filter(|found| found.is_some()).count() as u64;
        copied_bytes = read.values().flatten().map(|found| found.length).sum();
        let seconds = started.elapsed().as_secs_f64();
        if !missing.is_empty() {
            progress.line(&format!(
                "evidence: {copied_objects} objects copied, {} in {seconds:.1} s ({}/s)",
                megabytes(copied_bytes),
                megabytes((copied_bytes as f64 / seconds.max(0.001)) as u64)
            ));
        }
    }
    let unnamed = objects::unnamed_in_source(&stores, &evidence).await?;
    if unnamed > 0 {
        progress.line(&format!(
            "evidence: {unnamed} objects in {} that no upload names (left over, as the \
             server sweeps them) were not copied",
            stores.source_location
        ));
    }

    // Verification: every table again, every object read back.
    let mut problems = Vec::new();
    let mut rows = 0;
    progress.start("verifying rows", "tables", shapes.len() as u64, 0);
    let mut verified: Vec<(&TableShape, Comparison)> = Vec::new();
    for shape in &shapes {
        let found = tables::walk(&sides, shape, false, progress).await?;
        progress.advance(1, 0);
        verified.push((shape, found));
    }
    progress.finish();
    for (shape, found) in verified {
        rows += found.source_rows;
        if !found.same() || found.source_rows != found.target_rows {
            problems.push(MigrateStoreError::RowsDiffer {
                table: shape.name.clone(),
                source_rows: found.source_rows,
                target_rows: found.target_rows,
                missing: found.missing,
                extra: found.extra,
                differing: found.differing,
            });
        }
    }
    if let Some(secret) = &secret
        && !target_secret_is(&plan.target, &target, secret).await
    {
        problems.push(MigrateStoreError::SecretNotCopied);
    }
    // The target's bytes read back, and the source's that the copy did not read.
    let total: u64 = evidence.iter().map(|o| o.length).sum();
    let checked_bytes = match stores.target {
        Some(_) => total + total.saturating_sub(copied_bytes),
        None => total,
    };
    let verify_started = Instant::now();
    progress.start(
        "verifying evidence",
        "objects",
        evidence.len() as u64,
        checked_bytes,
    );
    problems.extend(objects::verify_all(&stores, &evidence, &read, progress).await?);
    progress.finish();
    progress.line(&format!(
        "verified: {rows} rows in {} tables compared row by row, {} objects by SHA-256 ({:.1} s)",
        shapes.len(),
        evidence.len(),
        verify_started.elapsed().as_secs_f64()
    ));
    target.close().await;
    source.close().await;
    if problems.is_empty() {
        progress.line(&if copied_rows == 0 && copied_objects == 0 {
            format!(
                "done: copied nothing, the target held everything already; the same in both \
                 ({:.1} s)",
                started.elapsed().as_secs_f64()
            )
        } else {
            format!(
                "done: copied {copied_rows} rows and {copied_objects} objects ({}); the same in \
                 both ({:.1} s)",
                megabytes(copied_bytes),
                started.elapsed().as_secs_f64()
            )
        });
    }
    Ok(problems)
}

/// Takes the data directory's `serve.lock` (as `serve` does) for the whole copy, so no
/// server runs on the source meanwhile; refuses while one does.
fn hold_data_dir(data_dir: &Path) -> Result<Option<std::fs::File>, MigrateStoreError> {
    if !data_dir.is_dir() {
        return Ok(None);
    }
    let path = data_dir.join(crate::backup::SERVE_LOCK);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| MigrateStoreError::File {
            path: path.clone(),
            source,
        })?;
    match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(Some(file)),
        Err(rustix::io::Errno::WOULDBLOCK) => Err(MigrateStoreError::SourceInUse {
            data_dir: data_dir.to_owned(),
        }),
        Err(e) => Err(MigrateStoreError::File {
            path,
            source: e.into(),
        }),
    }
}

fn latest(versions: &[i64]) -> String {
    match versions.iter().max() {
        Some(v) => format!("migration {v:04}"),
        None => "no migration".into(),
    }
}

/// The source's schema must be exactly this version's; returns its latest migration.
async fn check_source_schema(
    source: &sqlx::AnyPool,
    location: &str,
) -> Result<i64, MigrateStoreError> {
    let applied = crate::store::applied_migrations(source, Engine::Sqlite)
        .await
        .map_err(|e| MigrateStoreError::SourceDatabase {
            location: location.to_owned(),
            source: e,
        })?;
    let ours = crate::store::migrations(Engine::Sqlite);
    let ours_versions: Vec<i64> = ours.iter().map(|m| m.version).collect();
    let theirs: Vec<i64> = applied.iter().map(|(v, _, _)| *v).collect();
    let fail = |advice| MigrateStoreError::SourceSchema {
        location: location.to_owned(),
        found: latest(&theirs),
        ours: latest(&ours_versions),
        advice,
    };
    if theirs.iter().any(|v| !ours_versions.contains(v)) {
        return Err(fail(
            "a newer helpcenter-server wrote it; run migrate-store with that version",
        ));
    }
    if theirs != ours_versions {
        return Err(fail(
            "bring it up to date first with this version (`helpcenter-server migrate \
             --data-dir DIR`, or start its server once), then run migrate-store again",
        ));
    }
    for (version, _, checksum) in &applied {
        if ours
            .iter()
            .any(|m| m.version == *version && *m.checksum != checksum[..])
        {
            return Err(fail(
                "a migration was applied from another text: the database and this \
                 helpcenter-server are not of the same release line",
            ));
        }
    }
    Ok(ours_versions.last().copied().unwrap_or_default())
}

/// The source's tables, each one [`TABLES`] knows (checked before the target is touched).
async fn known_tables(
    source: &sqlx::AnyPool,
    location: &str,
) -> Result<Vec<String>, MigrateStoreError> {
    let in_source = copy::tables(source, Engine::Sqlite).await.map_err(|e| {
        MigrateStoreError::SourceDatabase {
            location: location.to_owned(),
            source: e,
        }
    })?;
    if let Some(unknown) = in_source
        .iter()
        .find(|t| !TABLES.iter().any(|(known, _)| known == t))
    {
        return Err(MigrateStoreError::UnknownTable {
            table: unknown.clone(),
        });
    }
    Ok(in_source)
}

/// The shapes of the tables whose rows are carried, in copy order, after checking that both
/// schemas have exactly the tables [`TABLES`] knows, with the same columns.
async fn table_shapes(
    source: &sqlx::AnyPool,
    source_location: &str,
    in_source: &[String],
    target: &Store,
    target_location: &str,
) -> Result<Vec<TableShape>, MigrateStoreError> {
    let source_error = |e| MigrateStoreError::SourceDatabase {
        location: source_location.to_owned(),
        source: e,
    };
    let target_error = |e| MigrateStoreError::TargetDatabase {
        location: target_location.to_owned(),
        source: e,
    };
    let in_target = copy::tables(&target.pool, target.engine())
        .await
        .map_err(target_error)?;
    let mut shapes = Vec::new();
    for (table, carry) in TABLES {
        for (side, list) in [("source", in_source), ("target", &in_target[..])] {
            if !list.iter().any(|t| t == table) {
                return Err(MigrateStoreError::SchemaDiffers {
                    table: table.to_string(),
                    detail: format!("the {side}'s schema does not have it"),
                });
            }
        }
        if *carry != Carry::Rows {
            continue;
        }
        let ours = copy::shape(source, Engine::Sqlite, table)
            .await
            .map_err(source_error)?;
        let theirs = copy::shape(&target.pool, target.engine(), table)
            .await
            .map_err(target_error)?;
        let mut a = ours.columns.clone();
        let mut b = theirs.columns.clone();
        a.sort_by(|x, y| x.name.cmp(&y.name));
        b.sort_by(|x, y| x.name.cmp(&y.name));
        if a != b || ours.key != theirs.key {
            let names = |columns: &[copy::Column]| {
                columns
                    .iter()
                    .map(|c| format!("{} {:?}", c.name, c.kind))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(MigrateStoreError::SchemaDiffers {
                table: table.to_string(),
                detail: format!(
                    "the source has columns ({}) keyed by {}, the target ({}) keyed by {}",
                    names(&a),
                    ours.key.join("+"),
                    names(&b),
                    theirs.key.join("+")
                ),
            });
        }
        shapes.push(ours);
    }
    Ok(shapes)
}

/// The data directory's server secret; required when the source holds tickets (their
/// retried claims and mailed links are made with it).
fn read_secret(data_dir: &Path, tickets: u64) -> Result<Option<String>, MigrateStoreError> {
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

async fn current_target_secret(
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

async fn check_target_secret(
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

async fn keep_target_secret(
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

async fn target_secret_is(plan_target: &Database, target: &Store, secret: &str) -> bool {
    matches!(
        current_target_secret(plan_target, target, "").await,
        Ok(Some(theirs)) if theirs == secret
    )
}

fn open_stores(plan: &Plan) -> Result<Stores, MigrateStoreError> {
    if let EvidenceLocation::Local(dir) = &plan.source_evidence
        && !dir.is_dir()
    {
        return Err(MigrateStoreError::Evidence(format!(
            "{}: no such directory; name the evidence with --from-evidence file://PATH",
            dir.display()
        )));
    }
    let source = plan
        .source_evidence
        .open()
        .map_err(MigrateStoreError::Evidence)?;
    let target = match &plan.target_evidence {
        Some(location) => Some(
            location
                .open()
                .map_err(MigrateStoreError::Evidence)?
                .objects,
        ),
        None => None,
    };
    Ok(Stores {
        source: source.objects,
        source_location: plan.source_evidence.to_string(),
        target: target.map(|t: Arc<dyn object_store::ObjectStore>| t),
    })
}
