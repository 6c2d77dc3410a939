//! Where things are, from the flags: the source and target databases and evidence stores,
//! checked to be two different places, and the hold on the source's data directory that keeps
//! servers off it while it is copied.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::MigrateStoreError;
use super::objects::Stores;
use crate::store::Database;
use crate::uploads::EvidenceLocation;

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

/// Where things are, from the flags.
pub(super) struct Plan {
    pub(super) data_dir: PathBuf,
    pub(super) source: Database,
    pub(super) source_evidence: EvidenceLocation,
    pub(super) target: Database,
    /// None: the evidence stays where it is (checked, not copied).
    pub(super) target_evidence: Option<EvidenceLocation>,
}

impl Plan {
    pub(super) fn of(args: &MigrateStoreArgs) -> Result<Plan, MigrateStoreError> {
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

/// Takes the data directory's `serve.lock` (as `serve` does) for the whole copy, so no
/// server runs on the source meanwhile; refuses while one does.
pub(super) fn hold_data_dir(data_dir: &Path) -> Result<Option<std::fs::File>, MigrateStoreError> {
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

pub(super) fn open_stores(plan: &Plan) -> Result<Stores, MigrateStoreError> {
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
