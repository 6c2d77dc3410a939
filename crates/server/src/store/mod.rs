//! All SQL lives under this module, behind `Store`, and runs on two engines: SQLite (the
//! embedded default, `helpcenter.db` under `--data-dir`) and PostgreSQL (`database_url =
//! "postgres://…"`, to scale out).
//!
//! # How the two engines share one copy of each query
//!
//! - **sqlx's `Any` driver.** Every query is written once and run through [`AnyPool`]; the
//!   engine is chosen by the URL's scheme when the store opens ([`Database`]). Rows are read
//!   with `AnyRow`, transactions are `Transaction<'_, Any>`.
//! - **`$1, $2, …` placeholders**, never `?`: PostgreSQL needs them and SQLite accepts them.
//!   A value used twice may be bound twice or named twice (`$2 … $2`). Queries built at run
//!   time use [`SqlBuilder`] (sqlx's `QueryBuilder` writes `?` for `Any`).
//! - **Portable SQL only**: no SQLite-only functions (`strftime`, `julianday`, `IFNULL`,
//!   `GLOB`, two-argument `MAX`, `INSERT OR …`), no PostgreSQL-only ones either (`ILIKE`,
//!   `::casts`, `now()`); `ON CONFLICT … DO NOTHING / DO UPDATE` and `RETURNING` work on both.
//!   Ids are made in Rust, timestamps are RFC 3339 UTC text ([`timestamp`]), which sorts as
//!   time, booleans are integers 0/1.
//! - **Types `Any` reads**: text, 64-bit integers, doubles, bytes. On PostgreSQL `SUM` of a
//!   `BIGINT` is `NUMERIC`, which `Any` cannot read: write `CAST(SUM(x) AS BIGINT)`. Read
//!   every integer as `i64`. A float that may be NULL is bound as text and cast
//!   (`CAST($4 AS DOUBLE PRECISION)`): sqlx 0.8's `Any` sends a NULL double as a 4-byte real,
//!   PostgreSQL keeps the statement prepared with that type, and the next real value fails.
//! - **Text compares byte by byte on both**: PostgreSQL's schema declares text columns
//!   `COLLATE "C"`, as SQLite's BINARY, so prefix ranges (the inbox's search), keyset pages
//!   and `ORDER BY` give the same rows in the same order whatever the database's locale.
//! - **Write transactions that must queue** (those that number events or check an
//!   idempotency key before writing) start with [`Store::begin_write`]: `BEGIN IMMEDIATE` on
//!   SQLite, `BEGIN` + a transaction-scoped advisory lock on PostgreSQL, so they run one at a
//!   time on both, across every connection and every server on the database. Single-statement
//!   writes and plain transactions use the pools directly (`self.writer`, `self.writer.begin()`).
//! - **A transaction's statements sent together** (`writes`): one query string on SQLite,
//!   one by one on PostgreSQL. New tickets' writes are committed in groups (`group`): the
//!   claims that arrive while one transaction is written share the next. On SQLite the
//!   group also checkpoints the WAL on a reader's connection every few dozen claims, so the
//!   writer's own commits seldom copy it.
//! - **Migrations, one per engine and number**: `migrations/*.sql` for SQLite and
//!   `migrations/postgres/*.sql` for PostgreSQL, same version and name; the PostgreSQL one
//!   differs only where it must (`BIGINT` for integers, `COLLATE "C"` on text). A test fails
//!   when a migration lacks its twin.
//! - **Tested on both**: `cargo xtask test` runs the server's integration suite once on
//!   SQLite and once on a PostgreSQL it starts (`HELPCENTER_TEST_POSTGRES`, see
//!   `tests/support`).
//!
//! A new table's SQL: its own file under `store/`, `$N` placeholders, a migration in both
//! directories; run `cargo xtask test` (or the PostgreSQL step alone, see the README).

pub mod admin_keys;
pub mod agents;
pub mod console;
pub mod copy;
mod group;
pub mod leases;
mod names;
pub mod orders;
pub mod outbox;
pub mod queues;
pub mod request_site;
pub mod shoppers;
pub mod tickets;
pub mod unchanged;
pub mod upload_parts;
pub mod uploads;
pub mod webhooks;
mod writes;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::any::{AnyArguments, AnyPoolOptions};
use sqlx::{Any, AnyPool, Arguments, Encode, Executor, Transaction, Type};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Migrations only go forward: a database a newer version has migrated is left as it is.
    #[error(
        "{path} was written by a newer helpcenter-server: its schema has {unknown}, which this \
         version ({version}) does not know (it knows migrations up to {known}). Run the newer \
         version again, or restore a backup taken before the upgrade (`admin restore`); a \
         server never undoes a migration"
    )]
    NewerSchema {
        path: String,
        unknown: String,
        version: &'static str,
        known: i64,
    },
    /// A migration this version ships differs from the one the database recorded.
    #[error(
        "{path}: migration {version} was applied from a different text than this version's \
         ({description}): the database and this binary do not come from the same release line"
    )]
    ChangedMigration {
        path: String,
        version: i64,
        description: String,
    },
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// The database could not write for lack of disk space (SQLite's `SQLITE_FULL`,
    /// PostgreSQL's `disk_full`): the transaction was rolled back, nothing half-written.
    pub fn is_disk_full(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => {
                matches!(e.code().as_deref(), Some("13" | "53100"))
            }
            StoreError::Database(sqlx::Error::Io(e)) => e.kind() == std::io::ErrorKind::StorageFull,
            _ => false,
        }
    }
}

/// Which database the store keeps tickets in: `database_url` in the config,
/// `--database-url`, `HELPCENTER_DATABASE_URL`; SQLite in the data directory without one.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file (made if missing).
    Sqlite(PathBuf),
    /// A PostgreSQL database, by its `postgres://` URL (which may hold a password).
    Postgres(String),
}

/// The database's file name in a data directory (and in a backup).
pub const SQLITE_FILE: &str = "helpcenter.db";

impl Database {
    /// The default: `helpcenter.db` in the data directory.
    pub fn in_data_dir(data_dir: &Path) -> Database {
        Database::Sqlite(data_dir.join(SQLITE_FILE))
    }

    /// `sqlite://PATH` (relative paths count from `base`), `sqlite:PATH`, or
    /// `postgres://…` / `postgresql://…`.
    pub fn parse(url: &str, base: &Path) -> Result<Database, String> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Database::Postgres(url.to_owned()));
        }
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() || path.contains('?') {
                return Err(format!(
                    "database_url {url:?}: name the SQLite file, e.g. sqlite:///var/lib/helpcenter-server/helpcenter.db \
                     (no ?options: the server sets its own)"
                ));
            }
            let path = Path::new(path);
            return Ok(Database::Sqlite(if path.is_relative() {
                base.join(path)
            } else {
                path.to_owned()
            }));
        }
        Err(format!(
            "database_url {:?}: the server keeps tickets in SQLite (sqlite://PATH, the default \
             under the data directory) or PostgreSQL (postgres://USER@HOST/DATABASE)",
            redact(url)
        ))
    }

    pub fn engine(&self) -> Engine {
        match self {
            Database::Sqlite(_) => Engine::Sqlite,
            Database::Postgres(_) => Engine::Postgres,
        }
    }

    /// The URL sqlx connects to.
    fn connect_url(&self) -> String {
        match self {
            Database::Postgres(url) => url.clone(),
            Database::Sqlite(path) => {
                // Percent-encoded, so a path with `?`, `#` or `%` in it names that file.
                let mut encoded = String::from("sqlite://");
                for byte in path.as_os_str().as_encoded_bytes() {
                    match byte {
                        b'%' | b'?' | b'#' | b' ' | b'"' | b'<' | b'>' | b'`' | b'{' | b'}' => {
                            encoded.push_str(&format!("%{byte:02X}"))
                        }
                        0x00..=0x1f | 0x7f.. => encoded.push_str(&format!("%{byte:02X}")),
                        _ => encoded.push(char::from(*byte)),
                    }
                }
                encoded.push_str("?mode=rwc");
                encoded
            }
        }
    }
}

/// Shown in logs and errors: the file, or the URL without its password.
impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite(path) => write!(f, "{}", path.display()),
            Database::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Database({self})")
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The database of tickets, their timelines and uploads.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) engine: Engine,
    /// For reading. SQLite: WAL lets readers run beside the writer.
    pub(crate) pool: AnyPool,
    /// For writing. SQLite: one connection, so writers queue in the pool (woken in turn)
    /// instead of in SQLite's busy handler, which sleeps and retries and made a busy moment's
    /// claims wait up to a third of a second (`cargo xtask bench server`). PostgreSQL: the
    /// same pool as `pool`.
    pub(crate) writer: AnyPool,
    /// Where it is, for messages.
    location: String,
    /// Claims waiting to be written together (see `group`).
    group: std::sync::Arc<group::GroupQueue>,
}

/// How PostgreSQL's queued writers begin ([`Store::begin_write`]): the advisory lock, any
/// fixed number the same in every server on the database, is held until the transaction ends.
const POSTGRES_BEGIN_WRITE: &str = "BEGIN; SELECT pg_advisory_xact_lock(48437)";

impl Store {
    /// Opens (creating a SQLite file if needed) the database and brings its schema up to date.
    pub async fn open(database: &Database) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let url = database.connect_url();
        let location = database.to_string();
        let store = match database.engine() {
            Engine::Sqlite => {
                // WAL: readers never wait for the writer; NORMAL sync is durable across a
                // process crash (SIGKILL), which is the failure that matters here. (sqlx
                // turns foreign keys on and waits 5 s for a lock by default.)
                // No ping before each checkout: a SQLite connection is a file handle that
                // cannot go stale, and sqlx's ping is a round trip to the connection's thread
                // on every statement's checkout (a tenth of a ticket read's time under load).
                let options = || {
                    AnyPoolOptions::new()
                        .test_before_acquire(false)
                        .after_connect(|conn, _| {
                            Box::pin(async move {
                                conn.execute(
                                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
                                )
                                .await?;
                                Ok(())
                            })
                        })
                };
                let writer = options().max_connections(1).connect(&url).await?;
                migrate(&writer, Engine::Sqlite, &location).await?;
                let pool = options().max_connections(8).connect(&url).await?;
                Store {
                    engine: Engine::Sqlite,
                    pool,
                    writer,
                    location,
                    group: Default::default(),
                }
            }
            Engine::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .min_connections(0)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect(&url)
                    .await?;
                migrate(&pool, Engine::Postgres, &location).await?;
                Store {
                    engine: Engine::Postgres,
                    writer: pool.clone(),
                    pool,
                    location,
                    group: Default::default(),
                }
            }
        };
        Ok(store)
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The database's file or URL (without password).
    pub fn location(&self) -> &str {
        &self.location
    }

    /// A write transaction that runs alone: one at a time on this database, whichever
    /// connection or server starts it (see the module's notes).
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Any>, StoreError> {
        Ok(self.writer.begin_with(self.begin_write_sql()).await?)
    }

    fn begin_write_sql(&self) -> &'static str {
        match self.engine {
            Engine::Sqlite => "BEGIN IMMEDIATE",
            Engine::Postgres => POSTGRES_BEGIN_WRITE,
        }
    }

    /// Writes `writes` with the other claims of the moment, in one transaction begun as
    /// [`Store::begin_write`] begins (see `group`).
    pub(crate) async fn write_grouped(&self, writes: writes::Writes<'static>) -> group::Grouped {
        self.group
            .write(
                &self.writer,
                (self.engine == Engine::Sqlite).then_some(&self.pool),
                self.begin_write_sql(),
                writes,
            )
            .await
    }

    /// Proves the database takes writes: one row, rewritten in a transaction.
    pub async fn record_readiness(&self, now: jiff::Timestamp) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO readiness (id, checked_at) VALUES (1, $1) \
             ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
        )
        .bind(timestamp(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Closes every connection (the database file is then free to move or delete).
    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }
}

/// The migrations this version ships for SQLite: forward-only (no `.down.sql`), numbered in
/// order.
pub static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
/// The same migrations for PostgreSQL (see the module's notes).
pub static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

pub fn migrations(engine: Engine) -> &'static sqlx::migrate::Migrator {
    match engine {
        Engine::Sqlite => &MIGRATIONS,
        Engine::Postgres => &POSTGRES_MIGRATIONS,
    }
}

/// Brings the schema up to date, first refusing a database a newer version has migrated, so
/// an older binary started by mistake (a rolled-back upgrade) says so and changes nothing.
async fn migrate(writer: &AnyPool, engine: Engine, location: &str) -> Result<(), StoreError> {
    let migrator = migrations(engine);
    let applied = applied_migrations(writer, engine).await?;
    let known = migrator.iter().map(|m| m.version).max().unwrap_or_default();
    let unknown: Vec<String> = applied
        .iter()
        .filter(|(version, _, _)| !migrator.iter().any(|m| m.version == *version))
        .map(|(version, description, _)| format!("migration {version:04} ({description})"))
        .collect();
    if !unknown.is_empty() {
        return Err(StoreError::NewerSchema {
            path: location.to_owned(),
            unknown: unknown.join(", "),
            version: env!("CARGO_PKG_VERSION"),
            known,
        });
    }
    for (version, _, checksum) in &applied {
        if let Some(ours) = migrator.iter().find(|m| m.version == *version)
            && *ours.checksum != checksum[..]
        {
            return Err(StoreError::ChangedMigration {
                path: location.to_owned(),
                version: *version,
                description: ours.description.to_string(),
            });
        }
    }
    migrator.run(writer).await?;
    Ok(())
}

/// The migrations a database has recorded (none for a new one): version, name, checksum.
pub(crate) async fn applied_migrations<'e, E>(
    db: E,
    engine: Engine,
) -> Result<Vec<(i64, String, Vec<u8>)>, StoreError>
where
    E: Executor<'e, Database = Any> + Copy,
{
    let exists = match engine {
        Engine::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
        }
        Engine::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'"
        }
    };
    let exists: i64 = sqlx::query_scalar(exists).fetch_one(db).await?;
    if exists == 0 {
        return Ok(Vec::new());
    }
    Ok(sqlx::query_as(
        "SELECT version, description, checksum FROM _sqlx_migrations ORDER BY version",
    )
    .fetch_all(db)
    .await?)
}

/// A query put together at run time (an `IN` list, optional filters), with `$N`
/// placeholders numbered as values are bound: sqlx's `QueryBuilder` writes `?` for `Any`,
/// which PostgreSQL refuses.
pub(crate) struct SqlBuilder<'q> {
    sql: String,
    args: AnyArguments<'q>,
}

impl<'q> SqlBuilder<'q> {
    pub fn new(sql: impl Into<String>) -> Self {
        SqlBuilder {
            sql: sql.into(),
            args: AnyArguments::default(),
        }
    }

    pub fn push(&mut self, sql: impl AsRef<str>) -> &mut Self {
        self.sql.push_str(sql.as_ref());
        self
    }

    /// Binds `value` and writes its placeholder.
    pub fn push_bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'q + Encode<'q, Any> + Type<Any>,
    {
        // Encoding into `Any`'s buffer only records the value: it cannot fail.
        let _ = self.args.add(value);
        self.sql.push('$');
        self.sql.push_str(&self.args.len().to_string());
        self
    }

    /// `$a, $b, …`, one placeholder per value.
    pub fn push_bind_list<T>(&mut self, values: impl IntoIterator<Item = T>) -> &mut Self
    where
        T: 'q + Encode<'q, Any> + Type<Any>,
    {
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.push_bind(value);
        }
        self
    }

    /// The statement and its values, for `sqlx::query_with(&sql, args)`.
    pub fn finish(self) -> (String, AnyArguments<'q>) {
        (self.sql, self.args)
    }

    #[cfg(test)]
    pub fn sql(&self) -> &str {
        &self.sql
    }
}

/// `n` timestamps from now, a microsecond apart: the rows one event writes to an outbox (its
/// mails, its deliveries) keep their order even within the same microsecond.
pub(crate) fn microseconds_apart(n: usize) -> Vec<String> {
    let now = jiff::Timestamp::now();
    (0..n)
        .map(|i| {
            timestamp(
                now.checked_add(jiff::SignedDuration::from_micros(i as i64))
                    .unwrap_or(now),
            )
        })
        .collect()
}

/// Timestamps are stored as RFC 3339 UTC text, which sorts in time order as text.
pub(crate) fn timestamp(at: jiff::Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

pub(crate) fn parse_timestamp(text: &str) -> Result<jiff::Timestamp, StoreError> {
    text.parse()
        .map_err(|e| StoreError::Corrupt(format!("timestamp {text:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

    use super::*;

    /// The mail outbox (0003) was numbered before the migrations that reached `main` first
    /// (0004–0006): a data directory already at 0006 must still take it when it arrives.
    #[tokio::test]
    async fn a_database_past_a_migration_still_takes_it_when_it_arrives() {
        let data = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", data.path().join("helpcenter.db").display());
        let options = SqliteConnectOptions::from_str(&url)
            .expect("url")
            .create_if_missing(true);
        let all = &MIGRATIONS;
        let without_mail = sqlx::migrate::Migrator {
            migrations: all
                .migrations
                .iter()
                // 0011 and later alter the outbox 0003 makes: a database of then had it.
                .filter(|m| m.version != 3 && m.version < 11)
                .cloned()
                .collect::<Vec<_>>()
                .into(),
            ..sqlx::migrate!("./migrations")
        };
        {
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(options.clone())
                .await
                .expect("open");
            without_mail.run(&pool).await.expect("migrate without 0003");
            let latest: i64 = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
                .fetch_one(&pool)
                .await
                .expect("versions");
            assert!(latest > 3, "a later migration is applied first");
            pool.close().await;
        }
        let store = Store::open(&Database::in_data_dir(data.path()))
            .await
            .expect("open with 0003 added");
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
                .fetch_all(&store.pool)
                .await
                .expect("versions");
        let expected: Vec<i64> = all.migrations.iter().map(|m| m.version).collect();
        assert_eq!(applied, expected);
        let outbox: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox")
            .fetch_one(&store.pool)
            .await
            .expect("the outbox exists");
        assert_eq!(outbox, 0);
    }

    /// Upgrades only go forward: no migration may come with a way back, and each is numbered.
    /// Each engine has each migration, by the same number and name.
    #[test]
    fn migrations_are_forward_only_and_each_engine_has_each() {
        let names = |dir: &str| -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(dir)
                .expect("the migrations")
                .map(|e| e.expect("an entry"))
                .filter(|e| e.path().is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        let sqlite = names(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"));
        let postgres = names(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"));
        assert!(!sqlite.is_empty());
        for name in sqlite.iter().chain(&postgres) {
            assert!(
                !name.contains(".down.") && !name.contains(".up."),
                "{name}: migrations are forward-only, without a down script"
            );
            assert!(name.ends_with(".sql"), "{name}");
        }
        assert_eq!(
            sqlite, postgres,
            "migrations/ (SQLite) and migrations/postgres/ hold the same migrations: write \
             each for both engines"
        );
        for engine in [Engine::Sqlite, Engine::Postgres] {
            let migrator = migrations(engine);
            assert_eq!(sqlite.len(), migrator.iter().count());
            assert!(
                migrator
                    .iter()
                    .all(|m| m.migration_type == sqlx::migrate::MigrationType::Simple)
            );
        }
    }

    /// What PostgreSQL's schema changes from SQLite's: text collates as bytes (SQLite's
    /// BINARY), integers are 64-bit (SQLite's INTEGER); nothing else.
    #[test]
    fn postgres_migrations_differ_only_in_collation_and_integer_width() {
        for (ours, theirs) in MIGRATIONS.iter().zip(POSTGRES_MIGRATIONS.iter()) {
            let as_sqlite = theirs
                .sql
                .replace(" COLLATE \"C\"", "")
                .replace("BIGINT", "INTEGER");
            let strip = |sql: &str| -> String {
                sql.lines()
                    .filter(|l| !l.trim_start().starts_with("--"))
                    .map(|l| l.split(" --").next().unwrap_or(l).trim_end())
                    .filter(|l| !l.is_empty())
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            assert_eq!(
                strip(&ours.sql),
                strip(&as_sqlite),
                "migration {} ({})",
                ours.version,
                ours.description
            );
        }
    }

    #[test]
    fn database_urls() {
        let base = Path::new("/etc/helpcenter");
        assert_eq!(
            Database::parse("sqlite:///var/lib/hc/tickets.db", base),
            Ok(Database::Sqlite("/var/lib/hc/tickets.db".into()))
        );
        assert_eq!(
            Database::parse("sqlite://data/helpcenter.db", base),
            Ok(Database::Sqlite(
                "/etc/helpcenter/data/helpcenter.db".into()
            ))
        );
        assert_eq!(
            Database::parse(
                "postgres://hc:pw@db.internal/helpcenter?sslmode=require",
                base
            )
            .map(|d| (d.engine(), d.to_string())),
            Ok((
                Engine::Postgres,
                "postgres://hc:***@db.internal/helpcenter?sslmode=require".to_owned()
            ))
        );
        let wrong = Database::parse("mysql://root:hunter2@db/hc", base).expect_err("mysql");
        assert!(
            wrong.contains("SQLite") && wrong.contains("PostgreSQL"),
            "{wrong}"
        );
        assert!(!wrong.contains("hunter2"), "{wrong}");
        assert!(Database::parse("sqlite://x.db?mode=ro", base).is_err());
        assert!(Database::parse("sqlite://", base).is_err());
    }

    /// A data directory whose path holds URL characters still opens its own file.
    #[tokio::test]
    async fn a_sqlite_path_with_url_characters_names_that_file() {
        let data = tempfile::tempdir().expect("temp dir");
        let dir = data.path().join("shop #1 ?100%");
        std::fs::create_dir_all(&dir).expect("dir");
        let store = Store::open(&Database::in_data_dir(&dir))
            .await
            .expect("open");
        store
            .record_readiness(jiff::Timestamp::now())
            .await
            .expect("write");
        store.close().await;
        assert!(dir.join(SQLITE_FILE).is_file());
    }

    #[test]
    fn built_queries_number_their_placeholders() {
        let mut query = SqlBuilder::new("SELECT id FROM tickets WHERE site = ");
        query.push_bind("demo").push(" AND status IN (");
        query.push_bind_list(["submitted", "in_review"]).push(")");
        assert_eq!(
            query.sql(),
            "SELECT id FROM tickets WHERE site = $1 AND status IN ($2, $3)"
        );
    }
}
