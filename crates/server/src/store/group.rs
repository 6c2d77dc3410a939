//! Claims filed at the same moment written in one transaction (group commit).
//!
//! Writers run one at a time (`Store::begin_write`), and a filed claim's transaction spent
//! more of its time committing (SQLite writes each page it changed to the WAL: the ticket's
//! and its indexes', the event's, the outbox's) than writing its rows (issue 21: 339 against
//! 238 µs a claim). Claims that arrive while a transaction is being written wait in a queue;
//! the next transaction takes all of them (up to [`MOST`]), the whole group's rows sent as one
//! query on SQLite ([`Writes::run_grouped`]), and commits them together: one commit for the
//! group, and the pages they share written once. An idle server writes a claim alone, at once.
//!
//! Only the ordinary case is grouped: when any claim of a group finds a row taken (its id,
//! its idempotency key, an upload) or fails, the group's transaction is rolled back and each
//! of its claims is told to write alone ([`Grouped::Alone`]), in a transaction of its own
//! that says precisely what happened, as before grouping.
//!
//! **Checkpoints off the writer's path.** SQLite copies the WAL back into the database (a
//! checkpoint) inside the commit that takes it past 1,000 pages, and every claim queued
//! behind that commit waits for the copy: a filed claim changes about 13 pages (the ticket's
//! indexes, its event's, the outbox's), so under load every tenth group's commit took 4-7 ms
//! instead of 0.4 ms (issue 21, measured in the bench's creation run), the claims' p99. On
//! SQLite the group's task therefore starts a checkpoint on a reader's connection after every
//! [`CHECKPOINT_EVERY`] claims, one at a time, beside the writer (WAL mode lets a checkpoint
//! run while the next group writes); the writer's own checkpoint then finds little left to
//! copy. (A checkpoint on a timer instead, every 200 ms, was tried and made the p99 worse:
//! the WAL grew between them, and each copy was long.)

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use sqlx::AnyPool;
use tokio::sync::oneshot;

use super::writes::Writes;

/// The most claims one transaction takes: each holds the writer about a quarter of a
/// millisecond, so a full group keeps other writers (an agent's reply, an upload's progress)
/// waiting a few milliseconds at most.
const MOST: usize = 32;

/// Claims written between two checkpoints started beside the writer: about 300 pages on a
/// fresh database, more on a large one (a claim's index entries then land on more distinct
/// pages), under SQLite's own 1,000.
const CHECKPOINT_EVERY: usize = 24;

/// What became of writes handed to the group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Grouped {
    /// Committed with the group.
    Written,
    /// Not written: write them alone.
    Alone,
}

/// The claims waiting for the next group's transaction.
#[derive(Debug, Default)]
pub(crate) struct GroupQueue {
    state: Mutex<QueueState>,
    /// Claims written since the last checkpoint started beside the writer.
    since_checkpoint: AtomicUsize,
    /// A checkpoint started beside the writer is under way.
    checkpointing: AtomicBool,
    /// Transactions committed, for the tests to see claims grouped.
    #[cfg(test)]
    committed: std::sync::atomic::AtomicUsize,
}

#[derive(Debug, Default)]
struct QueueState {
    waiting: Vec<Waiting>,
    /// A task is writing groups; it takes the waiting ones when its transaction ends.
    writing: bool,
}

#[derive(Debug)]
struct Waiting {
    writes: Writes<'static>,
    answer: oneshot::Sender<Grouped>,
}

impl GroupQueue {
    /// Writes `writes` in the next group's transaction on `writer`, each begun with `begin`,
    /// and checkpoints on `checkpoints` (SQLite's readers) now and then (see the module's
    /// notes).
    pub(crate) async fn write(
        self: &Arc<Self>,
        writer: &AnyPool,
        checkpoints: Option<&AnyPool>,
        begin: &'static str,
        writes: Writes<'static>,
    ) -> Grouped {
        let (answer, answered) = oneshot::channel();
        let start = {
            let mut state = self.lock();
            state.waiting.push(Waiting { writes, answer });
            !std::mem::replace(&mut state.writing, true)
        };
        if start {
            // A task of its own: a request cancelled meanwhile (its client gone) must not
            // abandon the others' claims in the middle of their transaction.
            tokio::spawn(write_groups(
                self.clone(),
                writer.clone(),
                checkpoints.cloned(),
                begin,
            ));
        }
        // A writer that stopped without answering (its runtime shut down) wrote nothing.
        answered.await.unwrap_or(Grouped::Alone)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts `claims` written, and starts a checkpoint on `readers` once there are
    /// [`CHECKPOINT_EVERY`] since the last, unless one is under way.
    fn written(self: &Arc<Self>, claims: usize, readers: &AnyPool) {
        let since = self.since_checkpoint.fetch_add(claims, Ordering::AcqRel) + claims;
        if since < CHECKPOINT_EVERY || self.checkpointing.swap(true, Ordering::AcqRel) {
            return;
        }
        self.since_checkpoint.store(0, Ordering::Release);
        let (queue, readers) = (self.clone(), readers.clone());
        tokio::spawn(async move {
            // PASSIVE: copies what no reader still needs, never waits for one.
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&readers)
                .await
            {
                tracing::warn!(error = %e, "cannot checkpoint the database's WAL");
            }
            queue.checkpointing.store(false, Ordering::Release);
        });
    }
}

/// Writes groups until none is waiting.
async fn write_groups(
    queue: Arc<GroupQueue>,
    writer: AnyPool,
    checkpoints: Option<AnyPool>,
    begin: &'static str,
) {
    // However this task ends, the next claim starts another: never left `writing` with
    // nobody writing.
    let mut stopped = StopWriting {
        queue: queue.clone(),
        cleared: false,
    };
    loop {
        let group: Vec<Waiting> = {
            let mut state = queue.lock();
            if state.waiting.is_empty() {
                state.writing = false;
                stopped.cleared = true;
                return;
            }
            let take = state.waiting.len().min(MOST);
            state.waiting.drain(..take).collect()
        };
        let outcome = match write_group(&writer, begin, &group).await {
            Ok(true) => {
                #[cfg(test)]
                queue.committed.fetch_add(1, Ordering::Relaxed);
                Grouped::Written
            }
            Ok(false) => Grouped::Alone,
            Err(e) => {
                tracing::debug!(error = %e, claims = group.len(), "a group's write failed; each is written alone");
                Grouped::Alone
            }
        };
        let written = if outcome == Grouped::Written {
            group.len()
        } else {
            0
        };
        for waiting in group {
            // A claim whose request went away meanwhile: nobody to tell.
            let _ = waiting.answer.send(outcome);
        }
        if let Some(readers) = &checkpoints {
            queue.written(written, readers);
        }
    }
}

/// One transaction for the group: `Ok(false)` when a claim found a row taken (nothing of the
/// group is then kept).
async fn write_group(
    writer: &AnyPool,
    begin: &'static str,
    group: &[Waiting],
) -> Result<bool, sqlx::Error> {
    let mut tx = writer.begin_with(begin).await?;
    let writes: Vec<&Writes> = group.iter().map(|waiting| &waiting.writes).collect();
    if !Writes::run_grouped(&writes, &mut tx).await? {
        tx.rollback().await?;
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}

/// Clears `writing` when the task writing groups ends otherwise than by finding the queue
/// empty (a panic, its runtime shutting down).
struct StopWriting {
    queue: Arc<GroupQueue>,
    /// Cleared by the task itself, under the lock: another task may be writing by now.
    cleared: bool,
}

impl Drop for StopWriting {
    fn drop(&mut self) {
        if !self.cleared {
            let mut state = self.queue.lock();
            state.writing = false;
            // Their answers' senders dropped: each is told to write alone.
            state.waiting.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use super::*;
    use crate::store::{Database, Store};

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&Database::in_data_dir(dir.path()))
            .await
            .expect("open");
        (dir, store)
    }

    /// A readiness row, the simplest table: `must_find` makes it a write that must change
    /// the row with id 1, which no test writes.
    fn row(id: i64, must_find: bool) -> Writes<'static> {
        let mut writes = Writes::new();
        writes.push(
            "INSERT INTO readiness (id, checked_at) VALUES ($1, $2)",
            [id.into(), "2026-12-05T00:00:00.000000Z".to_owned().into()],
        );
        if must_find {
            writes.push_checked(
                "UPDATE readiness SET checked_at = $1 WHERE id = 1",
                ["2026-12-05T00:00:01.000000Z".to_owned().into()],
            );
        }
        writes
    }

    async fn ids(store: &Store) -> Vec<i64> {
        sqlx::query_scalar("SELECT id FROM readiness ORDER BY id")
            .fetch_all(&store.pool)
            .await
            .expect("read")
    }

    /// What became of `claims`, filed at once while another writer holds the database.
    async fn filed_while_the_writer_is_busy(
        store: &Store,
        claims: Vec<Writes<'static>>,
    ) -> Vec<Grouped> {
        let busy = store.begin_write().await.expect("begin");
        let claims: Vec<_> = claims
            .into_iter()
            .map(|writes| {
                tokio::spawn({
                    let store = store.clone();
                    async move { store.write_grouped(writes).await }
                })
            })
            .collect();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        busy.commit().await.expect("commit");
        let mut grouped = Vec::new();
        for claim in claims {
            grouped.push(claim.await.expect("task"));
        }
        grouped
    }

    #[tokio::test]
    async fn claims_that_wait_for_the_writer_are_committed_in_one_transaction() {
        let (_dir, store) = store().await;
        let claims = (10..14).map(|id| row(id, false)).collect();
        assert_eq!(
            filed_while_the_writer_is_busy(&store, claims).await,
            [Grouped::Written; 4]
        );
        assert_eq!(ids(&store).await, [10, 11, 12, 13]);
        assert_eq!(store.group.committed.load(Ordering::Relaxed), 1);

        // Alone on an idle database, at once.
        assert_eq!(store.write_grouped(row(20, false)).await, Grouped::Written);
        assert_eq!(store.group.committed.load(Ordering::Relaxed), 2);
    }

    #[tokio::test]
    async fn a_claim_that_finds_its_row_taken_sends_its_whole_group_to_write_alone() {
        let (_dir, store) = store().await;
        let claims = vec![row(30, false), row(31, true), row(32, false)];
        assert_eq!(
            filed_while_the_writer_is_busy(&store, claims).await,
            [Grouped::Alone; 3]
        );
        assert_eq!(
            ids(&store).await,
            Vec::<i64>::new(),
            "nothing of the group is kept"
        );
        // The queue goes on.
        assert_eq!(store.write_grouped(row(33, false)).await, Grouped::Written);
    }

    /// The database file, not its WAL: it grows only when a checkpoint copies pages in.
    fn database_file_len(dir: &tempfile::TempDir) -> u64 {
        std::fs::metadata(dir.path().join("helpcenter.db"))
            .expect("database file")
            .len()
    }

    #[tokio::test]
    async fn claims_written_in_groups_are_checkpointed_beside_the_writer() {
        let (dir, store) = store().await;
        // Rows big enough to need pages of their own, under SQLite's own 1,000-page mark.
        let claim = |id: i64| {
            let mut writes = Writes::new();
            writes.push(
                "INSERT INTO readiness (id, checked_at) VALUES ($1, $2)",
                [id.into(), "x".repeat(8_000).into()],
            );
            writes
        };
        let before = database_file_len(&dir);
        for id in 0..CHECKPOINT_EVERY as i64 - 1 {
            assert_eq!(store.write_grouped(claim(id)).await, Grouped::Written);
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert_eq!(
            database_file_len(&dir),
            before,
            "no checkpoint yet: the rows are in the WAL"
        );
        assert_eq!(store.write_grouped(claim(1_000)).await, Grouped::Written);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while database_file_len(&dir) < before + CHECKPOINT_EVERY as u64 * 8_000 {
            assert!(
                std::time::Instant::now() < deadline,
                "the claims' pages copied into the database file"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(ids(&store).await.len(), CHECKPOINT_EVERY);
    }
}
