//! tus expiration: uploads no ticket holds are deleted, row and bytes, once past their expiry
//! (`Upload-Expires` while unfinished; `[server.storage] unfiled_upload_hours` after finishing),
//! so abandoned uploads do not fill the disk.

use std::time::Duration;

use jiff::Timestamp;
use tokio::task::JoinHandle;

use super::blobs::EvidenceStore;
use super::error::UploadError;
use super::lease::UploadLease;
use crate::AppState;
use crate::store::Store;

/// How often the pass runs; an expired upload is refused by HEAD/PATCH before then anyway.
pub const EXPIRY_INTERVAL: Duration = Duration::from_secs(10 * 60);
/// Rows handled per query, so one pass never loads an unbounded list.
const BATCH: u32 = 100;
/// Partial files looked at per pass when sweeping orphans.
const SWEEP_LIMIT: usize = 1000;

/// What one pass removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExpiryReport {
    /// Expired uploads no ticket held, finished or not, deleted (rows and bytes).
    pub expired: usize,
    /// Uploads' parts left without an unfinished upload (a crash between two steps), deleted.
    pub orphans: usize,
}

/// Runs [`expire_uploads`] every [`EXPIRY_INTERVAL`], starting at once, on one instance at a
/// time ([`crate::background`]).
pub fn spawn_expiry(state: AppState) -> JoinHandle<()> {
    crate::background::every(
        state,
        "upload expiry",
        EXPIRY_INTERVAL,
        |state| async move {
            match expire_uploads(
                &state.store,
                &state.evidence,
                state.storage.upload_lease(),
                Timestamp::now(),
            )
            .await
            {
                Ok(report) if report != ExpiryReport::default() => {
                    tracing::info!(
                        expired = report.expired,
                        orphans = report.orphans,
                        "expired unfinished uploads"
                    );
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "upload expiry pass failed"),
            }
        },
    )
}

/// One pass at `now`: deletes uploads no ticket holds whose expiry is before `now`, then parts
/// that no unfinished upload owns. Uploads a request is working on (on any instance: it holds
/// their lease, `lease` long) are left for the next pass.
pub async fn expire_uploads(
    store: &Store,
    evidence: &EvidenceStore,
    lease: Duration,
    now: Timestamp,
) -> Result<ExpiryReport, UploadError> {
    let mut report = ExpiryReport::default();
    loop {
        let ids = store.expired_uploads(now, BATCH).await?;
        let mut removed_here = 0;
        for id in &ids {
            let Some(held) = UploadLease::take(store, evidence.instance(), id, lease).await? else {
                continue;
            };
            // Row first: once it is gone no request can reach the bytes.
            let removed = store.remove_unfiled_upload(id).await?;
            if removed {
                evidence.delete(id).await?;
                removed_here += 1;
            } else {
                // A ticket took it meanwhile: let go at once.
                held.release().await;
            }
        }
        report.expired += removed_here;
        if ids.len() < BATCH as usize || removed_here == 0 {
            break;
        }
    }
    // Parts of an upload that is gone or finished are never read again: a request that
    // stores one meanwhile finds the row gone or finished when it records it, and deletes it.
    for id in evidence.partial_ids(SWEEP_LIMIT).await? {
        let owned = store
            .upload_progress(&id)
            .await?
            .is_some_and(|upload| !upload.completed);
        if !owned {
            evidence.remove_parts(&id).await?;
            report.orphans += 1;
        }
    }
    Ok(report)
}
