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
//!
//! This module runs the move in order; where things are (`plan`), the schemas' checks
//! (`schema`), the server secret (`secret`), the tables' rows (`tables`), the evidence's
//! objects (`objects`) and what is printed (`progress`) are modules of their own.

mod error;
mod objects;
mod plan;
mod progress;
mod schema;
mod secret;
mod tables;

use std::process::ExitCode;
use std::time::Instant;

pub use error::MigrateStoreError;
pub use plan::MigrateStoreArgs;
pub use progress::{Mode, Progress};

use crate::store::copy::{self, TableShape};
use crate::store::{Database, Store};
use plan::{Plan, hold_data_dir, open_stores};
use progress::megabytes;
use schema::{check_source_schema, known_tables, latest, table_shapes};
use secret::{
    check_target_secret, current_target_secret, keep_target_secret, read_secret, target_secret_is,
};
use tables::{Carry, Comparison, Sides, TABLES};

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
