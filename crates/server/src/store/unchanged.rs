//! Shoppers' reads served from memory while the SQLite database has not changed.
//!
//! A shopper's read of a ticket (the ticket its token opens, then its timeline, files and
//! order) was four statements, each a hand-off to a SQLite connection's thread and back: most
//! of its cost, and 6% of an empty handler's throughput (issue 21). Most reads find the
//! database as the last read left it, so the server keeps their rows here (one
//! [`UnchangedReads`] in the state, which the ticket service reads through) and serves them
//! again while it is unchanged.
//!
//! "Unchanged" is read from SQLite itself, not from our own writes: every commit, by this
//! server or any other process on the file (the admin CLI, a restore), rewrites the WAL-index
//! header at the start of the database's `-shm` file (iChange counts transactions; mxFrame,
//! the salts and the checksums move with them; <https://sqlite.org/walformat.html>). Reading
//! those 96 bytes is one `pread`, no thread hop. While they are the bytes a row was read
//! under, no transaction has committed since, so the row is still what the database holds.
//! Any commit empties the whole cache: it cannot tell which ticket changed, and it never
//! needs to, because the next read of each ticket fills it again.
//!
//! Why it is never stale:
//! - the header is read *before* the statements that fill an entry: a commit in between
//!   makes the rows newer than their stamp, never older, and the next read's stamp empties
//!   them;
//! - SQLite writes the header's second copy first and its first copy last; a read that finds
//!   the two copies different caught a commit half-published and is not trusted;
//! - SQLite deletes `-shm` when its last connection closes and makes a new one: a stamp
//!   read from a new file never matches one read from the old ([`Shm::stamp`]);
//! - no `-shm` file (another journal mode, a database not yet opened) means no cache.
//!
//! PostgreSQL has no such stamp on this machine (other servers write to it), so its reads
//! always go to the database.

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The two copies of the WAL-index header, as SQLite last published them, read through the
/// `opening`-th handle to the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    opening: u64,
    header: [u8; 96],
}

/// At most this many rows are kept; a full cache is emptied and fills again with what is
/// read next. A ticket's row and its details are small (a timeline of bounded events).
const MAX_ENTRIES: usize = 4096;

/// The rows read under one stamp of the database: tickets as a token opened them (`Ticket`,
/// the store's `TicketRecord`) and their details (`Details`, its `TicketDetails`). Generic
/// so that this module does not import `store::tickets`, which imports `store` (the module
/// graph has no cycles: `tests/module_graph.rs`); `AppState` names the types.
#[derive(Debug)]
pub struct UnchangedReads<Ticket, Details> {
    /// `None`: nothing is kept.
    shm: Option<Shm>,
    kept: Mutex<Kept<Ticket, Details>>,
}

#[derive(Debug)]
struct Kept<Ticket, Details> {
    stamp: Option<Stamp>,
    /// By ticket id: the SHA-256 of each access token that opened it (a recovered ticket has
    /// several), with its row. Only tokens that did open the ticket are kept: a wrong guess
    /// leaves nothing behind.
    opened: HashMap<String, Vec<(String, Ticket)>>,
    /// By ticket id and whether the agents' notes are in.
    details: HashMap<(String, bool), Arc<Details>>,
}

impl<Ticket, Details> Default for Kept<Ticket, Details> {
    fn default() -> Self {
        Kept {
            stamp: None,
            opened: HashMap::new(),
            details: HashMap::new(),
        }
    }
}

impl<Ticket: Clone, Details> UnchangedReads<Ticket, Details> {
    /// For the SQLite database at `database`.
    pub fn for_sqlite(database: &Path) -> Self {
        let mut shm = database.as_os_str().to_owned();
        shm.push("-shm");
        Self::reading(Some(PathBuf::from(shm)))
    }

    /// Keeps nothing: every read goes to the database (PostgreSQL).
    pub fn none() -> Self {
        Self::reading(None)
    }

    fn reading(shm: Option<PathBuf>) -> Self {
        UnchangedReads {
            shm: shm.map(|path| Shm {
                path,
                open: Mutex::new(Opened::default()),
            }),
            kept: Mutex::new(Kept::default()),
        }
    }

    /// The ticket `id` as the token with SHA-256 `token_sha256` opens it: as kept, or as
    /// `read` reads it from the database (then kept, if the database did not change
    /// meanwhile). `None`: the token does not open it.
    pub async fn opened<E>(
        &self,
        id: &str,
        token_sha256: &str,
        read: impl Future<Output = Result<Option<Ticket>, E>>,
    ) -> Result<Option<Ticket>, E> {
        let at = self.now();
        if let Some(at) = at
            && let Some(ticket) = self.kept_opened(at, id, token_sha256)
        {
            return Ok(Some(ticket));
        }
        let ticket = read.await?;
        if let (Some(at), Some(ticket)) = (at, &ticket) {
            self.keep_opened(at, id, token_sha256, ticket);
        }
        Ok(ticket)
    }

    /// The details of ticket `id` (with the agents' notes if `internal`): as kept, or as
    /// `read` reads them.
    pub async fn details<E>(
        &self,
        id: &str,
        internal: bool,
        read: impl Future<Output = Result<Details, E>>,
    ) -> Result<Arc<Details>, E> {
        let at = self.now();
        if let Some(at) = at
            && let Some(details) = self.kept_details(at, id, internal)
        {
            return Ok(details);
        }
        let details = Arc::new(read.await?);
        if let Some(at) = at {
            self.keep_details(at, id, internal, details.clone());
        }
        Ok(details)
    }

    /// The database's stamp now; `None` when it cannot be read whole (no `-shm`, a commit
    /// being published): then nothing is served from or kept in memory.
    fn now(&self) -> Option<Stamp> {
        self.shm.as_ref()?.stamp()
    }

    fn kept_opened(&self, at: Stamp, id: &str, token_sha256: &str) -> Option<Ticket> {
        let kept = self.current(at)?;
        let tokens = kept.opened.get(id)?;
        tokens
            .iter()
            .find(|(token, _)| token == token_sha256)
            .map(|(_, ticket)| ticket.clone())
    }

    fn keep_opened(&self, at: Stamp, id: &str, token_sha256: &str, ticket: &Ticket) {
        if let Some(mut kept) = self.current(at) {
            kept.make_room();
            let tokens = kept.opened.entry(id.to_owned()).or_default();
            tokens.retain(|(token, _)| token != token_sha256);
            tokens.push((token_sha256.to_owned(), ticket.clone()));
        }
    }

    fn kept_details(&self, at: Stamp, id: &str, internal: bool) -> Option<Arc<Details>> {
        let kept = self.current(at)?;
        kept.details.get(&(id.to_owned(), internal)).cloned()
    }

    fn keep_details(&self, at: Stamp, id: &str, internal: bool, details: Arc<Details>) {
        if let Some(mut kept) = self.current(at) {
            kept.make_room();
            kept.details.insert((id.to_owned(), internal), details);
        }
    }

    /// The kept rows if they were read under `at`, the stamp a read took before it read the
    /// database. A newer stamp empties them (they were read before a commit); an older one
    /// (a read that took its stamp before that commit) gets nothing and leaves them be.
    fn current(&self, at: Stamp) -> Option<std::sync::MutexGuard<'_, Kept<Ticket, Details>>> {
        // A panic while holding the lock left nothing half-written that matters: start over.
        let mut kept = self.kept.lock().unwrap_or_else(|poisoned| {
            let mut kept = poisoned.into_inner();
            *kept = Kept::default();
            kept
        });
        match kept.stamp {
            Some(stamp) if stamp == at => Some(kept),
            _ => {
                // Whether `at` is newer or older cannot be told from the bytes; the stamp
                // read now can. Only the current one may own the cache.
                let now = self.shm.as_ref()?.stamp()?;
                if now != at {
                    return None;
                }
                *kept = Kept {
                    stamp: Some(now),
                    ..Kept::default()
                };
                Some(kept)
            }
        }
    }
}

impl<Ticket, Details> Kept<Ticket, Details> {
    fn make_room(&mut self) {
        if self.opened.len() + self.details.len() >= MAX_ENTRIES {
            self.opened.clear();
            self.details.clear();
        }
    }
}

/// The database's `-shm` file, kept open between reads.
#[derive(Debug)]
struct Shm {
    path: PathBuf,
    open: Mutex<Opened>,
}

/// The handle to `-shm`, if open, and how many times it has been opened.
#[derive(Debug, Default)]
struct Opened {
    file: Option<Arc<std::fs::File>>,
    times: u64,
}

impl Shm {
    /// The WAL-index header's two copies, if both read and equal.
    ///
    /// The file stays open (opening it by name was a twentieth of a read's time), but SQLite
    /// deletes it when its last connection closes and makes a new one, whose header may
    /// repeat an old one byte for byte. So a handle is dropped once its file has no name
    /// left (checked after reading: a file still named after the read was the live one),
    /// and a stamp names the opening it was read through, so nothing kept before a new file
    /// ever matches a stamp read from it.
    #[cfg(unix)]
    fn stamp(&self) -> Option<Stamp> {
        use std::os::unix::fs::{FileExt, MetadataExt};
        for _ in 0..2 {
            let (opening, file) = self.file()?;
            let mut header = [0u8; 96];
            file.read_exact_at(&mut header, 0).ok()?;
            if file.metadata().is_ok_and(|m| m.nlink() > 0) {
                // isInit (byte 12 of each copy): SQLite has written a header at all.
                let published = header[..48] == header[48..] && header[12] == 1;
                return published.then_some(Stamp { opening, header });
            }
            let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
            if open.times == opening {
                open.file = None;
            }
        }
        None
    }

    #[cfg(not(unix))]
    fn stamp(&self) -> Option<Stamp> {
        None
    }

    /// The open handle and its opening's number, opening the file by name if none is.
    fn file(&self) -> Option<(u64, Arc<std::fs::File>)> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if open.file.is_none() {
            open.file = Some(Arc::new(std::fs::File::open(&self.path).ok()?));
            open.times += 1;
        }
        open.file.clone().map(|file| (open.times, file))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::store::{Database, Store};

    type Reads = UnchangedReads<String, String>;

    async fn store() -> (tempfile::TempDir, Store, Reads) {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = Database::in_data_dir(dir.path());
        let store = Store::open(&database).await.expect("store");
        let Database::Sqlite(path) = &database else {
            unreachable!("a data directory's database is SQLite")
        };
        let reads = Reads::for_sqlite(path);
        (dir, store, reads)
    }

    /// Reads the ticket through `reads`, counting the reads that reached "the database".
    async fn open(reads: &Reads, token: &str, database: &AtomicUsize) -> Option<String> {
        reads
            .opened("HC-1", token, async {
                database.fetch_add(1, Ordering::SeqCst);
                Ok::<_, ()>((token == "right").then(|| "the ticket".to_owned()))
            })
            .await
            .expect("read")
    }

    /// The second read of an unchanged database is served from memory; a write from
    /// another connection (the admin CLI is another process) sends the next one back to it.
    #[tokio::test]
    async fn reads_are_kept_until_any_connection_commits() {
        let (dir, store, reads) = store().await;
        let database = AtomicUsize::new(0);
        assert_eq!(
            open(&reads, "right", &database).await.as_deref(),
            Some("the ticket")
        );
        assert_eq!(
            open(&reads, "right", &database).await.as_deref(),
            Some("the ticket")
        );
        assert_eq!(database.load(Ordering::SeqCst), 1, "the second from memory");
        let _: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets")
            .fetch_one(&store.pool)
            .await
            .expect("a read");
        open(&reads, "right", &database).await;
        assert_eq!(database.load(Ordering::SeqCst), 1, "a read changes nothing");

        // A token that does not open it is asked of the database every time.
        assert_eq!(open(&reads, "wrong", &database).await, None);
        assert_eq!(open(&reads, "wrong", &database).await, None);
        assert_eq!(database.load(Ordering::SeqCst), 3);

        let url = format!("sqlite://{}", dir.path().join("helpcenter.db").display());
        let mut other = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
            .await
            .expect("another connection");
        sqlx::query("INSERT INTO readiness (id, checked_at) VALUES (7, 'then')")
            .execute(&mut other)
            .await
            .expect("write");
        open(&reads, "right", &database).await;
        assert_eq!(
            database.load(Ordering::SeqCst),
            4,
            "read again after the commit"
        );
    }

    /// Rows kept under an old stamp are never served under a new one, and a read that took
    /// its stamp before a commit cannot keep what it read.
    #[tokio::test]
    async fn rows_read_before_a_commit_are_not_served_after_it() {
        let (_dir, store, reads) = store().await;
        let before = reads.now().expect("a stamp");
        reads.keep_details(before, "HC-1", false, Arc::new("timeline".to_owned()));
        assert!(reads.kept_details(before, "HC-1", false).is_some(), "kept");
        assert!(
            reads.kept_details(before, "HC-1", true).is_none(),
            "the agents' view is apart"
        );

        store
            .record_readiness(jiff::Timestamp::now())
            .await
            .expect("a commit");
        let after = reads.now().expect("a stamp");
        assert!(
            reads.kept_details(after, "HC-1", false).is_none(),
            "emptied by the commit"
        );
        reads.keep_details(before, "HC-2", false, Arc::new("timeline".to_owned()));
        assert!(
            reads.kept_details(after, "HC-2", false).is_none(),
            "read before the commit: not kept"
        );
    }

    /// SQLite deletes `-shm` with its last connection and writes a new one later, whose
    /// header can repeat the old one's bytes: what was kept before is not served after.
    #[test]
    fn a_new_shm_file_never_matches_the_old_ones_stamp() {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = dir.path().join("helpcenter.db");
        let shm = dir.path().join("helpcenter.db-shm");
        let mut header = [0u8; 136];
        header[12] = 1;
        header[60] = 1;
        std::fs::write(&shm, header).expect("write");
        let reads = Reads::for_sqlite(&database);
        let before = reads.now().expect("a stamp");
        assert_eq!(
            reads.now().expect("a stamp"),
            before,
            "the same file, unchanged"
        );

        std::fs::remove_file(&shm).expect("delete");
        assert!(reads.now().is_none(), "no file: nothing kept or served");
        std::fs::write(&shm, header).expect("write again");
        assert_ne!(reads.now().expect("a stamp"), before);

        // Half-published (the copies differ): not trusted.
        header[20] = 9;
        std::fs::write(&shm, header).expect("rewrite");
        assert!(reads.now().is_none());
    }

    #[test]
    fn no_shm_file_or_postgres_means_nothing_is_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(
            Reads::for_sqlite(&dir.path().join("none.db"))
                .now()
                .is_none()
        );
        assert!(Reads::none().now().is_none());
    }
}
