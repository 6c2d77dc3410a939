//! Whether this instance can take claims now: what `GET /readyz` answers, so a load balancer
//! sends shoppers elsewhere while the database cannot write, the data disk is nearly full or
//! the evidence store cannot be reached. `/healthz` only says the process serves.

use jiff::Timestamp;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::uploads::quota::free_bytes;

const MIB: u64 = 1024 * 1024;

/// What `GET /readyz` answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` when every check is `ok`, otherwise `not_ready`.
    #[schema(example = "ready")]
    pub status: String,
    pub checks: ReadinessChecks,
}

/// Each check's answer: `ok`, or what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReadinessChecks {
    /// A write to the database in a transaction.
    #[schema(example = "ok")]
    pub database: String,
    /// Free space on the data directory's disk against `[server.storage]
    /// free_disk_reserve_mib`.
    #[schema(example = "ok")]
    pub disk: String,
    /// A request to the evidence store.
    #[schema(example = "ok")]
    pub evidence: String,
}

impl Readiness {
    pub fn is_ready(&self) -> bool {
        self.status == "ready"
    }

    /// The checks that are not `ok`, as `name: why`, joined by `; `.
    pub fn failures(&self) -> String {
        let ReadinessChecks {
            database,
            disk,
            evidence,
        } = &self.checks;
        [
            ("database", database),
            ("disk", disk),
            ("evidence", evidence),
        ]
        .into_iter()
        .filter(|(_, answer)| *answer != "ok")
        .map(|(name, why)| format!("{name}: {why}"))
        .collect::<Vec<_>>()
        .join("; ")
    }
}

/// Runs every check; none stops the others, so the answer names everything that is wrong.
pub async fn check(state: &AppState) -> Readiness {
    let ok = || "ok".to_owned();
    let database = match state.store.record_readiness(Timestamp::now()).await {
        Ok(()) => ok(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: the database cannot write");
            "the database cannot write".to_owned()
        }
    };
    let reserve = state.storage.free_disk_reserve_mib.saturating_mul(MIB);
    let disk = match free_bytes(&state.data_dir) {
        Ok(free) if free >= reserve => ok(),
        Ok(free) => format!(
            "{} MiB free, under the {} MiB kept in reserve",
            free / MIB,
            reserve / MIB
        ),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: cannot read the data disk's free space");
            "the data directory's free space cannot be read".to_owned()
        }
    };
    let evidence = match state.evidence.reachable().await {
        Ok(()) => ok(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: the evidence store cannot be reached");
            "the evidence store cannot be reached".to_owned()
        }
    };
    let all_ok = [&database, &disk, &evidence].iter().all(|c| *c == "ok");
    Readiness {
        status: if all_ok { "ready" } else { "not_ready" }.to_owned(),
        checks: ReadinessChecks {
            database,
            disk,
            evidence,
        },
    }
}
