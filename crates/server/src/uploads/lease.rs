//! One request at a time per upload, across every server instance on the database: the
//! request working on an upload holds a lease on its row (`lease_holder`, `lease_until`),
//! renews it while it works, and lets go when it ends. A second PATCH meanwhile, on this
//! instance or another, answers 423 (tus: the upload is locked), never writes. An instance
//! killed mid-PATCH cannot let go: its lease lapses by itself after
//! `[server.storage] upload_lease_seconds`, and the client resumes on any instance.
//!
//! Every write the holder makes is conditional on still holding the lease (see
//! `store::upload_parts`), so even a holder that stalled past its lease (a long GC-like pause,
//! a frozen VM) cannot record bytes over another's: its parts are never recorded.
//!
//! Instances compare lease times by their own clocks: keep them in step (NTP), as any
//! deployment of several machines does; a skew of seconds only shortens or lengthens the
//! wait after a crash.

use std::time::Duration;

use jiff::Timestamp;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::auth::new_secret;
use crate::store::{Store, StoreError};

/// A request's hold on an upload; let go when dropped (also when the request is cancelled).
#[derive(Debug)]
pub(crate) struct UploadLease {
    store: Store,
    id: String,
    holder: String,
    lease: Duration,
    /// Cancelled when a renewal finds the lease gone (another request took the upload).
    lost: CancellationToken,
    renewing: JoinHandle<()>,
}

impl UploadLease {
    /// Takes the upload for a new holder of `instance` for `lease`, renewed every third of
    /// it until released; `None` while another request holds it (or when there is no such
    /// upload).
    pub(crate) async fn take(
        store: &Store,
        instance: &str,
        id: &str,
        lease: Duration,
    ) -> Result<Option<UploadLease>, StoreError> {
        let holder = format!("{instance}.{}", new_secret());
        let now = Timestamp::now();
        if !store
            .take_upload_lease(id, &holder, now, until(now, lease))
            .await?
        {
            return Ok(None);
        }
        let lost = CancellationToken::new();
        let renewing = tokio::spawn(renew(
            store.clone(),
            id.to_owned(),
            holder.clone(),
            lease,
            lost.clone(),
        ));
        Ok(Some(UploadLease {
            store: store.clone(),
            id: id.to_owned(),
            holder,
            lease,
            lost,
            renewing,
        }))
    }

    /// Who holds it: the value every conditional write names.
    pub(crate) fn holder(&self) -> &str {
        &self.holder
    }

    /// When the lease runs out if it is not renewed before, counted from now: what a write
    /// that renews it sets.
    pub(crate) fn until(&self) -> Timestamp {
        until(Timestamp::now(), self.lease)
    }

    /// Resolves when the lease was found taken by another request.
    pub(crate) fn lost(&self) -> &CancellationToken {
        &self.lost
    }

    /// Lets go now, before the request answers: the client's next PATCH, sent the moment it
    /// has the answer, must find the upload free (on any instance).
    pub(crate) async fn release(mut self) {
        self.renewing.abort();
        let holder = std::mem::take(&mut self.holder);
        if let Err(e) = self.store.release_upload_lease(&self.id, &holder).await {
            tracing::warn!(upload = %self.id, error = %e, "could not let go of an upload; its lease lapses");
        }
    }
}

impl Drop for UploadLease {
    fn drop(&mut self) {
        self.renewing.abort();
        if self.holder.is_empty() {
            // Released already.
            return;
        }
        let store = self.store.clone();
        let id = std::mem::take(&mut self.id);
        let holder = std::mem::take(&mut self.holder);
        // A request cut short (an error, a panic): let go at once rather than when the lease
        // lapses. Outside a runtime, the lease lapses.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(e) = store.release_upload_lease(&id, &holder).await {
                    tracing::warn!(upload = %id, error = %e, "could not let go of an upload; its lease lapses");
                }
            });
        }
    }
}

/// Lets go of every lease `instance` holds: called when it starts, as none of the requests
/// that took them is still running (a server killed mid-PATCH and started again resumes its
/// uploads at once, not after the lease lapses).
pub(crate) async fn release_all_of(store: &Store, instance: &str) -> Result<u64, StoreError> {
    store
        .release_upload_leases_of(&format!("{instance}."))
        .await
}

fn until(now: Timestamp, lease: Duration) -> Timestamp {
    let lease = jiff::SignedDuration::try_from(lease).unwrap_or(jiff::SignedDuration::MAX);
    now.checked_add(lease).unwrap_or(Timestamp::MAX)
}

/// Renews the lease every third of its length; a renewal that finds it gone cancels `lost`.
/// A failed renewal (the database busy a moment) is retried at the next tick: the lease has
/// two more thirds to go.
async fn renew(store: Store, id: String, holder: String, lease: Duration, lost: CancellationToken) {
    let mut every = tokio::time::interval(lease / 3);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    every.tick().await;
    loop {
        every.tick().await;
        match store
            .renew_upload_lease(&id, &holder, until(Timestamp::now(), lease))
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                lost.cancel();
                return;
            }
            Err(e) => tracing::warn!(upload = %id, error = %e, "could not renew an upload's lease"),
        }
    }
}
