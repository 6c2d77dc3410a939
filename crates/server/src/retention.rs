//! What is kept about a shopper, and for how long: a site's `retention_days` erases the
//! personal data and evidence of tickets closed that many days ago (run by the server's
//! background work, every [`RETENTION_INTERVAL`]), and `admin shopper export|erase` answers a
//! shopper's request to see or remove everything kept about them. Erasing keeps the ticket
//! number, category, outcome, status and dates, so the store's books still add up.
//!
//! Safe across restarts: the evidence bytes are deleted first, then the rows in one
//! transaction that also marks the ticket erased. A crash in between leaves the ticket
//! unmarked, and the next pass deletes (again, harmlessly) and marks it.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tokio::task::JoinHandle;

use crate::AppState;
use crate::sites::Site;
use crate::store::StoreError;
use crate::uploads::EvidenceError;

/// How often closed tickets are looked at; retention is counted in days.
pub const RETENTION_INTERVAL: Duration = Duration::from_secs(60 * 60);
/// Tickets erased per query, so one pass never loads an unbounded list.
const BATCH: u32 = 100;

#[derive(Debug, thiserror::Error)]
pub enum RetentionError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("deleting evidence: {0}")]
    Evidence(#[from] EvidenceError),
}

/// Erases one ticket: its evidence bytes, then its personal data (see [`crate::store::Store::erase_ticket`]).
pub async fn erase_ticket(
    state: &AppState,
    ticket_id: &str,
    now: Timestamp,
) -> Result<(), RetentionError> {
    for upload in state.store.evidence_ids(ticket_id).await? {
        state.evidence.delete(&upload).await?;
    }
    state.store.erase_ticket(ticket_id, now).await?;
    Ok(())
}

/// One pass at `now` over every site with `retention_days`: erases tickets closed before
/// `now` minus that many days. Answers how many were erased.
pub async fn apply_retention(state: &AppState, now: Timestamp) -> Result<usize, RetentionError> {
    let mut erased = 0;
    for site in state.sites.iter() {
        let Some(days) = site.retention_days else {
            continue;
        };
        let cutoff = now
            .checked_sub(SignedDuration::from_hours(i64::from(days) * 24))
            .unwrap_or(Timestamp::MIN);
        loop {
            let ids = state.store.closed_before(&site.key, cutoff, BATCH).await?;
            for id in &ids {
                erase_ticket(state, id, now).await?;
            }
            erased += ids.len();
            if ids.len() < BATCH as usize {
                break;
            }
        }
    }
    Ok(erased)
}

/// Runs [`apply_retention`] every [`RETENTION_INTERVAL`], starting at once, on one instance
/// at a time ([`crate::background`]).
pub fn spawn_retention(state: AppState) -> JoinHandle<()> {
    crate::background::every(state, "retention", RETENTION_INTERVAL, |state| async move {
        match apply_retention(&state, Timestamp::now()).await {
            Ok(0) => {}
            Ok(erased) => {
                tracing::info!(erased, "erased closed tickets past their site's retention")
            }
            Err(e) => tracing::warn!(error = %e, "retention pass failed"),
        }
    })
}

/// Everything kept about the shopper with `email` on `site`, as one JSON document.
pub async fn export_shopper(
    state: &AppState,
    site: &Site,
    email: &str,
) -> Result<serde_json::Value, RetentionError> {
    let mut tickets = Vec::new();
    for id in state.store.tickets_of_shopper(&site.key, email).await? {
        tickets.push(state.store.ticket_export(&id).await?);
    }
    let order_lookups = state
        .store
        .order_lookups_of_shopper(&site.key, email)
        .await?;
    Ok(serde_json::json!({
        "site": site.key,
        "email": email.trim(),
        "exported_at": crate::store::timestamp(Timestamp::now()),
        "tickets": tickets,
        "order_lookups": order_lookups,
    }))
}
