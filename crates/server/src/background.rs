//! Periodic passes (retention, upload expiry) that every server instance runs, done once per
//! interval among them: before each pass an instance takes the pass's lease in the database
//! ([`crate::store::Store::take_lease`], one conditional upsert that one instance wins, on
//! SQLite and PostgreSQL alike) for a little less than the interval; the others skip their
//! turn. An instance that dies mid-pass leaves the lease to run out and the next pass, on any
//! instance, picks up where it stopped: the passes are safe to run again.

use std::future::Future;
use std::sync::LazyLock;
use std::time::Duration;

use jiff::Timestamp;
use tokio::task::JoinHandle;

use crate::AppState;

/// This process among the instances on the database, in the leases it takes.
pub static INSTANCE: LazyLock<String> = LazyLock::new(|| {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let id = crate::auth::new_secret();
    format!("{}:{}:{}", host.trim(), std::process::id(), &id[..8])
});

/// Runs `pass` every `interval`, starting at once, on whichever instance takes lease `name`.
pub fn every<F, Fut>(
    state: AppState,
    name: &'static str,
    interval: Duration,
    pass: F,
) -> JoinHandle<()>
where
    F: Fn(AppState) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Held a little less than the interval, so this instance's next tick finds it free.
        let hold = jiff::SignedDuration::try_from(interval.mul_f64(0.9)).unwrap_or_default();
        loop {
            ticks.tick().await;
            let now = Timestamp::now();
            let until = now.checked_add(hold).unwrap_or(now);
            match state.store.take_lease(name, &INSTANCE, now, until).await {
                Ok(true) => pass(state.clone()).await,
                Ok(false) => tracing::debug!(pass = name, "another instance runs this pass"),
                Err(e) => tracing::warn!(pass = name, error = %e, "cannot take the pass's lease"),
            }
        }
    })
}
