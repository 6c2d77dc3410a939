//! One scheduler for everything that leaves the service through an outbox (mail, webhooks):
//! claim, deliver, back off, retry, give up. Each outbox says how to read its queues' heads,
//! make one attempt and record what came of it ([`Outbox`]); the loop is here once.
//!
//! Each ticket's rows to one recipient (an address, an endpoint) are a queue, delivered in
//! the order they were written; different queues go at once, up to the outbox's
//! concurrency. A row the recipient puts off waits with exponential back-off
//! ([`RetryPolicy`]) and holds back only its own queue, until the outbox gives up on it.
//!
//! **Every instance runs this, nothing goes twice.** Before an attempt the worker claims the
//! row in the database ([`crate::store::Store::claim_head`]: a conditional UPDATE setting a
//! 15-second lease, renewed every 5 s while the attempt lasts, which one instance's worker
//! wins, on SQLite and PostgreSQL alike). Chosen over
//! `FOR UPDATE SKIP LOCKED`, which would hold a transaction and a connection open for as
//! long as the SMTP server or the endpoint takes to answer, and exists on PostgreSQL only;
//! and over advisory locks, which are PostgreSQL's only and are lost with the connection
//! that took them. A row is recorded delivered only once the recipient took it, so an
//! instance killed mid-attempt leaves a claim that runs out within 15 s, and the row goes again (at
//! least once: the mail's `Message-ID` and the webhook's `webhook-id` let the receiver drop
//! the copy).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::task::JoinSet;

pub use crate::retry::RetryPolicy;
use crate::store::StoreError;
use crate::store::queues::{CLAIM_RENEW, QueueTable};
use crate::{AppError, AppState};

/// The longest a worker sleeps without reading its outbox: rows put back in line from
/// another process (`admin outbox retry`), or whose claim ran out, go within this.
pub const POLL: Duration = Duration::from_secs(5);

/// What one attempt came to, with the outbox's own `D`etail of it (for its log).
#[derive(Debug)]
pub enum Attempt<D> {
    /// The recipient took it.
    Delivered(D),
    /// It can never go (no such site any more, an address the server refuses): no retry.
    Refused(String, D),
    /// Not now (the server down, a 4xx, a 5xx): back off and try again.
    Later(String, D),
    /// The outbox recorded what became of it itself (put off without an attempt).
    Recorded,
}

/// Where a row stands after an attempt, for the outbox to record.
#[derive(Debug)]
pub enum Settled<D> {
    Delivered(D),
    /// Given up: refused, or retried until the policy's end.
    Failed {
        reason: String,
        detail: D,
    },
    /// Tried again at `at`.
    Retry {
        reason: String,
        detail: D,
        at: Timestamp,
    },
}

/// An outbox the scheduler works: its table, its rows, one attempt and its record.
pub trait Outbox: Send + Sync + 'static {
    /// A row due for an attempt, as the outbox reads it.
    type Item: Send + Sync + 'static;
    type Detail: Send + 'static;
    /// In log lines: `mail`, `webhooks`.
    const NAME: &'static str;
    const TABLE: QueueTable;

    fn state(&self) -> &AppState;
    fn concurrency(&self) -> usize;
    fn retry(&self) -> RetryPolicy;
    fn id(item: &Self::Item) -> &str;
    /// The queue the row is in: one ticket and one recipient.
    fn queue(item: &Self::Item) -> (String, String);
    /// Attempts made so far.
    fn attempts(item: &Self::Item) -> u32;
    /// When its retries started counting.
    fn retry_since(item: &Self::Item) -> &str;
    /// Queue heads due by `now` (at most `limit`), and when the first waiting one is due.
    fn heads(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> impl Future<Output = Result<(Vec<Self::Item>, Option<Timestamp>), StoreError>> + Send;
    /// Resolves when rows were written on this instance.
    fn woken(&self) -> impl Future<Output = ()> + Send;
    fn attempt(
        &self,
        item: &Self::Item,
    ) -> impl Future<Output = Result<Attempt<Self::Detail>, AppError>> + Send;
    /// Records where the row stands; clears its claim.
    fn settle(
        &self,
        item: &Self::Item,
        settled: Settled<Self::Detail>,
    ) -> impl Future<Output = Result<(), AppError>> + Send;
}

/// Works `outbox` until the server shuts down, in a task of its own.
pub fn spawn<O: Outbox>(outbox: O) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(outbox))
}

/// Works `outbox` until the server shuts down.
pub async fn run<O: Outbox>(outbox: O) {
    let outbox = Arc::new(outbox);
    let shutdown = outbox.state().shutdown.clone();
    let slots = outbox.concurrency();
    // The attempts under way, each holding its queue until it is done.
    let mut attempts = JoinSet::new();
    let mut busy: HashMap<tokio::task::Id, (String, String)> = HashMap::new();
    // Heads read but not yet started, so a finished attempt starts the next without reading
    // the outbox again; read afresh when used up, woken, or on the clock.
    let mut ready: Vec<O::Item> = Vec::new();
    let mut wait = POLL;
    while !shutdown.is_cancelled() {
        if attempts.len() < slots && ready.is_empty() {
            let limit = u32::try_from(slots * 8 + busy.len()).unwrap_or(u32::MAX);
            let now = Timestamp::now();
            match outbox.heads(now, limit).await {
                Err(e) => {
                    tracing::error!(outbox = O::NAME, error = %e, "cannot read the outbox");
                    wait = POLL;
                }
                Ok((due, next_due)) => {
                    wait = next_due.map_or(POLL, |at| {
                        Duration::try_from(at.duration_since(now))
                            .unwrap_or_default()
                            .min(POLL)
                    });
                    // A head under way here is read as it was before its attempt ended:
                    // leave it, its queue is read again once done. Oldest last, to pop.
                    ready = due
                        .into_iter()
                        .rev()
                        .filter(|item| !busy.values().any(|q| *q == O::queue(item)))
                        .collect();
                }
            }
        }
        while attempts.len() < slots
            && let Some(item) = ready.pop()
        {
            let queue = O::queue(&item);
            if busy.values().any(|q| *q == queue) {
                continue;
            }
            let outbox = Arc::clone(&outbox);
            let handle = attempts.spawn(async move {
                if let Err(e) = claim_and_deliver(&*outbox, &item).await {
                    tracing::error!(outbox = O::NAME, id = O::id(&item), error = %e, "cannot record an attempt");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            });
            busy.insert(handle.id(), queue);
        }
        tokio::select! {
            () = outbox.woken() => ready.clear(),
            () = tokio::time::sleep(wait) => ready.clear(),
            Some(done) = attempts.join_next_with_id(), if !attempts.is_empty() => {
                let id = match done {
                    Ok((id, ())) => id,
                    Err(e) => {
                        tracing::error!(outbox = O::NAME, error = %e, "an attempt ended abnormally");
                        e.id()
                    }
                };
                busy.remove(&id);
            }
            () = shutdown.cancelled() => {}
        }
    }
    // Attempts under way are dropped: their rows stay pending, claimed until the lease ends,
    // and go after a restart (or from another instance).
}

/// Claims `item` (skipped when another worker has it) and makes one attempt.
async fn claim_and_deliver<O: Outbox>(outbox: &O, item: &O::Item) -> Result<(), AppError> {
    let store = &outbox.state().store;
    if !store
        .claim_head(O::TABLE, O::id(item), Timestamp::now())
        .await?
    {
        tracing::debug!(
            outbox = O::NAME,
            id = O::id(item),
            "claimed by another worker"
        );
        return Ok(());
    }
    // The claim is renewed while the attempt lasts, however long the recipient takes.
    let attempt = outbox.attempt(item);
    let renew = async {
        loop {
            tokio::time::sleep(CLAIM_RENEW).await;
            if let Err(e) = store
                .renew_claim(O::TABLE, O::id(item), Timestamp::now())
                .await
            {
                tracing::warn!(outbox = O::NAME, id = O::id(item), error = %e, "cannot renew a claim");
            }
        }
    };
    let attempted = tokio::select! {
        attempted = attempt => attempted?,
        never = renew => never,
    };
    let settled = match attempted {
        Attempt::Recorded => return Ok(()),
        Attempt::Delivered(detail) => Settled::Delivered(detail),
        Attempt::Refused(reason, detail) => Settled::Failed { reason, detail },
        Attempt::Later(reason, detail) => {
            let at = Timestamp::now();
            let attempts = O::attempts(item).saturating_add(1);
            let since = O::retry_since(item).parse::<Timestamp>().unwrap_or(at);
            let policy = outbox.retry();
            match policy.next_attempt(attempts, since, at) {
                Some(next) => {
                    tracing::warn!(outbox = O::NAME, id = O::id(item), %reason, retry_in = ?policy.backoff(attempts), "not delivered, will retry");
                    Settled::Retry {
                        reason,
                        detail,
                        at: next,
                    }
                }
                None => {
                    tracing::warn!(outbox = O::NAME, id = O::id(item), %reason, "given up");
                    Settled::Failed {
                        reason: format!("given up after {attempts} attempts: {reason}"),
                        detail,
                    }
                }
            }
        }
    };
    outbox.settle(item, settled).await
}
