//! Several writes of one transaction sent to the database together.
//!
//! Every statement on SQLite is a round trip to its connection's thread (sqlx runs each
//! connection on a thread of its own), and writers queue behind one connection: a filed claim
//! written statement by statement held every other claim for ten round trips (issue 21; most
//! of the server's time under load went to threads handing work to each other). SQLite runs
//! every statement of one query string in one round trip, so [`Writes::run`] joins them there:
//! `SAVEPOINT; …; RELEASE` with the placeholders renumbered (`$1` of the third statement becomes
//! `$12`; sqlx binds SQLite's `$N` by number). PostgreSQL refuses several statements in one
//! prepared query: there they run one by one, as before.
//!
//! A statement may be one that must change a row (the ticket's row, not there yet; an upload,
//! still free): the run stops at the first that changes none and says which, and the caller
//! gives the transaction up. When the joined statements fail (a later statement's constraint,
//! after an earlier one found its row taken), SQLite's run goes back to the savepoint and runs
//! them one by one: what is reported is what the one-by-one run finds, on either engine.

use std::borrow::Cow;

use futures_util::TryStreamExt;
use sqlx::any::AnyArguments;
use sqlx::{Any, Arguments, Executor, Transaction};

/// A value a statement binds: the types the rows of a write hold.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value<'q> {
    Text(Option<Cow<'q, str>>),
    Integer(Option<i64>),
}

impl<'q> From<&'q str> for Value<'q> {
    fn from(text: &'q str) -> Self {
        Value::Text(Some(Cow::Borrowed(text)))
    }
}

impl<'q> From<&'q String> for Value<'q> {
    fn from(text: &'q String) -> Self {
        Value::Text(Some(Cow::Borrowed(text)))
    }
}

impl From<String> for Value<'_> {
    fn from(text: String) -> Self {
        Value::Text(Some(Cow::Owned(text)))
    }
}

impl<'q> From<Option<&'q str>> for Value<'q> {
    fn from(text: Option<&'q str>) -> Self {
        Value::Text(text.map(Cow::Borrowed))
    }
}

impl<'q> From<&'q Option<String>> for Value<'q> {
    fn from(text: &'q Option<String>) -> Self {
        Value::Text(text.as_deref().map(Cow::Borrowed))
    }
}

impl From<Option<String>> for Value<'_> {
    fn from(text: Option<String>) -> Self {
        Value::Text(text.map(Cow::Owned))
    }
}

impl Value<'_> {
    fn into_owned(self) -> Value<'static> {
        match self {
            Value::Text(text) => Value::Text(text.map(|t| Cow::Owned(t.into_owned()))),
            Value::Integer(n) => Value::Integer(n),
        }
    }
}

impl From<i64> for Value<'_> {
    fn from(n: i64) -> Self {
        Value::Integer(Some(n))
    }
}

impl From<Option<i64>> for Value<'_> {
    fn from(n: Option<i64>) -> Self {
        Value::Integer(n)
    }
}

/// One statement with `$1, $2, …` placeholders, numbered from 1 in its own text.
#[derive(Clone, Debug)]
struct Statement<'q> {
    sql: Cow<'static, str>,
    values: Vec<Value<'q>>,
    must_change: bool,
    postgres_only: bool,
}

/// The statements of one transaction's write, in order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Writes<'q> {
    statements: Vec<Statement<'q>>,
}

/// Which statement a [`Writes::run`] stopped at: the index [`Writes::push_checked`] returned.
pub(crate) type Stopped = usize;

impl<'q> Writes<'q> {
    pub fn new() -> Self {
        Writes::default()
    }

    /// A statement whose rows changed do not matter.
    pub fn push(
        &mut self,
        sql: impl Into<Cow<'static, str>>,
        values: impl IntoIterator<Item = Value<'q>>,
    ) {
        self.statements.push(Statement {
            sql: sql.into(),
            values: values.into_iter().collect(),
            must_change: false,
            postgres_only: false,
        });
    }

    /// A statement run on PostgreSQL only (a notification to the other instances).
    pub fn push_on_postgres(
        &mut self,
        sql: impl Into<Cow<'static, str>>,
        values: impl IntoIterator<Item = Value<'q>>,
    ) {
        self.push(sql, values);
        if let Some(last) = self.statements.last_mut() {
            last.postgres_only = true;
        }
    }

    /// A statement that must change a row, or the write cannot go on: its index, which
    /// [`Writes::run`] names when it stops there.
    pub fn push_checked(
        &mut self,
        sql: impl Into<Cow<'static, str>>,
        values: impl IntoIterator<Item = Value<'q>>,
    ) -> usize {
        self.push(sql, values);
        let index = self.statements.len() - 1;
        self.statements[index].must_change = true;
        index
    }

    /// One `INSERT` of several rows: `head` (`INSERT INTO t (a, b) VALUES `), then `row`
    /// (`($1, $2)`, numbered for the row's own values) once for each of `rows`. None for no
    /// rows.
    pub fn push_rows(
        &mut self,
        head: &str,
        row: &str,
        rows: impl IntoIterator<Item = Vec<Value<'q>>>,
    ) {
        let mut sql = String::from(head);
        let mut values = Vec::new();
        for (i, row_values) in rows.into_iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            renumber_into(&mut sql, row, values.len());
            values.extend(row_values);
        }
        if !values.is_empty() {
            self.push(sql, values);
        }
    }

    /// Runs them in `tx`: `Ok(Err(i))` when statement `i` (see [`Writes::push_checked`])
    /// changed no row; the transaction then holds a part of the write: roll it back.
    pub async fn run(
        &self,
        tx: &mut Transaction<'_, Any>,
    ) -> Result<Result<(), Stopped>, sqlx::Error> {
        let sqlite = tx.backend_name() == "SQLite";
        if sqlite && self.on_sqlite().nth(1).is_some() {
            match run_joined(tx, || self.on_sqlite(), true).await {
                Ok(stopped) => return Ok(stopped.map_or(Ok(()), Err)),
                Err(e) => {
                    tracing::debug!(error = %e, "writes sent together failed; running them one by one");
                    // (`sqlx::raw_sql` would do, but its future is not `Send` for every
                    // lifetime the handlers' need.)
                    sqlx::query("ROLLBACK TO writes; RELEASE writes")
                        .execute(&mut **tx)
                        .await?;
                }
            }
        }
        self.run_one_by_one(tx, sqlite).await
    }

    /// Runs the writes of a group (`store::group`) in the transaction they share:
    /// `Ok(false)` when a statement that must change a row changed none. Either way but
    /// `Ok(true)`, the transaction then holds a part of them: roll it back. On SQLite, the
    /// whole group's statements in one query: one round trip to the writer's thread for the
    /// group, not one a claim.
    pub async fn run_grouped(
        group: &[&Writes<'_>],
        tx: &mut Transaction<'_, Any>,
    ) -> Result<bool, sqlx::Error> {
        if tx.backend_name() == "SQLite" {
            let statements = || group.iter().flat_map(|writes| writes.on_sqlite());
            if statements().next().is_none() {
                return Ok(true);
            }
            return Ok(run_joined(tx, statements, false).await?.is_none());
        }
        for writes in group {
            if writes.run_one_by_one(tx, false).await?.is_err() {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The same writes, owning their values (to be written by another task).
    pub fn into_owned(self) -> Writes<'static> {
        Writes {
            statements: self
                .statements
                .into_iter()
                .map(|s| Statement {
                    sql: s.sql,
                    values: s.values.into_iter().map(Value::into_owned).collect(),
                    must_change: s.must_change,
                    postgres_only: s.postgres_only,
                })
                .collect(),
        }
    }

    /// Runs writes none of which must change a row (see [`Writes::run`]).
    pub async fn run_all(&self, tx: &mut Transaction<'_, Any>) -> Result<(), sqlx::Error> {
        debug_assert!(!self.statements.iter().any(|s| s.must_change));
        // Only a statement that must change a row stops a run.
        let _ = self.run(tx).await?;
        Ok(())
    }

    /// The statements SQLite runs, with their indexes.
    fn on_sqlite(&self) -> impl Iterator<Item = (usize, &Statement<'q>)> {
        self.statements
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.postgres_only)
    }

    async fn run_one_by_one(
        &self,
        tx: &mut Transaction<'_, Any>,
        sqlite: bool,
    ) -> Result<Result<(), Stopped>, sqlx::Error> {
        for (i, statement) in self.statements.iter().enumerate() {
            if sqlite && statement.postgres_only {
                continue;
            }
            let done = sqlx::query_with(&statement.sql, arguments(&statement.values))
                .execute(&mut **tx)
                .await?;
            if statement.must_change && done.rows_affected() == 0 {
                return Ok(Err(i));
            }
        }
        Ok(Ok(()))
    }
}

/// `statements` as one query string, inside a savepoint if `savepoint` (for [`Writes::run`]
/// to go back to when one fails): the index of the first that must change a row and
/// changed none.
async fn run_joined<'s, 'q: 's, I>(
    tx: &mut Transaction<'_, Any>,
    statements: impl Fn() -> I,
    savepoint: bool,
) -> Result<Option<Stopped>, sqlx::Error>
where
    I: Iterator<Item = (usize, &'s Statement<'q>)>,
{
    let (sql, values) = joined(statements(), savepoint);
    let results: Vec<_> = tx
        .fetch_many(sqlx::query_with(&sql, arguments(&values)))
        .try_collect()
        .await?;
    // One result a statement, and the savepoint's first and its release last. (SQLite's
    // count of changed rows after a statement that writes none is the last write's: only
    // the writes' own counts are read.)
    let changed: Vec<u64> = results
        .iter()
        .filter_map(|r| r.as_ref().left().map(|done| done.rows_affected()))
        .collect();
    let around = if savepoint { 2 } else { 0 };
    let count = statements().count();
    if changed.len() != count + around {
        return Err(sqlx::Error::Protocol(format!(
            "{} results for {} statements",
            changed.len(),
            count + around
        )));
    }
    Ok(statements()
        .zip(&changed[around / 2..])
        .find(|((_, statement), changed)| statement.must_change && **changed == 0)
        .map(|((i, _), _)| i))
}

/// `statements`, between `SAVEPOINT writes` and `RELEASE writes` if `savepoint`, with the
/// placeholders numbered through, and the values in that order.
fn joined<'s, 'q: 's>(
    statements: impl Iterator<Item = (usize, &'s Statement<'q>)>,
    savepoint: bool,
) -> (String, Vec<Value<'q>>) {
    let mut sql = String::new();
    let mut values = Vec::new();
    if savepoint {
        sql.push_str("SAVEPOINT writes");
    }
    for (_, statement) in statements {
        if !sql.is_empty() {
            sql.push_str(";\n");
        }
        renumber_into(&mut sql, &statement.sql, values.len());
        values.extend(statement.values.iter().cloned());
    }
    if savepoint {
        sql.push_str(";\nRELEASE writes");
    }
    (sql, values)
}

/// `sql` with each `$N` written as `$(N + offset)`. The statements are the server's own, with
/// no `$` inside their quoted text.
fn renumber_into(out: &mut String, sql: &str, offset: usize) {
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + offset).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
}

fn arguments<'a>(values: &'a [Value<'_>]) -> AnyArguments<'a> {
    let mut args = AnyArguments::default();
    for value in values {
        // Encoding into `Any`'s buffer only records the value: it cannot fail.
        let _ = match value {
            Value::Text(text) => args.add(text.as_deref()),
            Value::Integer(n) => args.add(*n),
        };
    }
    args
}

#[cfg(test)]
mod tests {
    use sqlx::any::AnyPoolOptions;

    use super::*;

    fn renumbered(sql: &str, offset: usize) -> String {
        let mut out = String::new();
        renumber_into(&mut out, sql, offset);
        out
    }

    #[test]
    fn placeholders_are_numbered_on_from_the_values_before() {
        assert_eq!(
            renumbered("VALUES ($1, $2, $10, $2)", 9),
            "VALUES ($10, $11, $19, $11)"
        );
        assert_eq!(renumbered("SELECT 1", 4), "SELECT 1");
        assert_eq!(renumbered("x = $", 4), "x = $");
    }

    #[test]
    fn rows_of_one_insert_are_numbered_row_after_row() {
        let mut writes = Writes::new();
        writes.push_rows(
            "INSERT INTO t (a, b) VALUES ",
            "($1, 'x', $2)",
            [
                vec!["a".into(), 1_i64.into()],
                vec!["b".into(), 2_i64.into()],
            ],
        );
        writes.push_rows("INSERT INTO t (a) VALUES ", "($1)", []);
        assert_eq!(writes.statements.len(), 1);
        assert_eq!(
            writes.statements[0].sql,
            "INSERT INTO t (a, b) VALUES ($1, 'x', $2), ($3, 'x', $4)"
        );
        assert_eq!(
            writes.statements[0].values,
            ["a".into(), 1_i64.into(), "b".into(), 2_i64.into()]
        );
    }

    async fn database() -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .expect("sqlite in memory");
        sqlx::raw_sql(
            "CREATE TABLE seats (id TEXT PRIMARY KEY, taken_by TEXT); \
             INSERT INTO seats (id) VALUES ('a'), ('b'); \
             CREATE TABLE bookings (id TEXT PRIMARY KEY, seat TEXT, note TEXT, n INTEGER)",
        )
        .execute(&pool)
        .await
        .expect("schema");
        pool
    }

    /// A booking of `seats`: the booking's row, then each seat taken.
    fn booking<'q>(id: &'q str, seats: &[&'q str]) -> (Writes<'q>, Vec<usize>) {
        let mut writes = Writes::new();
        writes.push(
            "INSERT INTO bookings (id, seat, note, n) VALUES ($1, $2, $3, $4)",
            [
                id.into(),
                seats.first().copied().into(),
                Value::Text(None),
                7_i64.into(),
            ],
        );
        let checked = seats
            .iter()
            .map(|&seat| {
                writes.push_checked(
                    "UPDATE seats SET taken_by = $1 WHERE id = $2 AND taken_by IS NULL",
                    [id.into(), seat.into()],
                )
            })
            .collect();
        (writes, checked)
    }

    async fn rows(pool: &sqlx::AnyPool, sql: &str) -> Vec<String> {
        sqlx::query_scalar(sql).fetch_all(pool).await.expect("read")
    }

    #[tokio::test]
    async fn joined_statements_write_every_row_with_its_own_values() {
        let pool = database().await;
        let (writes, _) = booking("b1", &["a", "b"]);
        let mut tx = pool.begin().await.expect("begin");
        // Joined, not one by one after a failed try.
        assert_eq!(
            run_joined(&mut tx, || writes.on_sqlite(), true)
                .await
                .expect("run"),
            None
        );
        tx.commit().await.expect("commit");
        assert_eq!(
            rows(
                &pool,
                "SELECT id || ' ' || seat || ' ' || COALESCE(note, '-') || ' ' || n FROM bookings"
            )
            .await,
            ["b1 a - 7"]
        );
        assert_eq!(
            rows(&pool, "SELECT id || ' ' || taken_by FROM seats ORDER BY id").await,
            ["a b1", "b b1"]
        );
    }

    #[tokio::test]
    async fn a_run_stops_at_the_statement_that_found_its_row_taken() {
        let pool = database().await;
        let (first, _) = booking("b1", &["b"]);
        let mut tx = pool.begin().await.expect("begin");
        assert_eq!(first.run(&mut tx).await.expect("run"), Ok(()));
        tx.commit().await.expect("commit");

        let (second, checked) = booking("b2", &["a", "b"]);
        let mut tx = pool.begin().await.expect("begin");
        assert_eq!(second.run(&mut tx).await.expect("run"), Err(checked[1]));
        tx.rollback().await.expect("rollback");
        assert_eq!(
            rows(
                &pool,
                "SELECT id || ' ' || COALESCE(taken_by, '-') FROM seats ORDER BY id"
            )
            .await,
            ["a -", "b b1"]
        );
    }

    /// A statement that fails after one that found its row taken (the row it would write is
    /// there already): the run goes back and reports the first, as one by one would.
    #[tokio::test]
    async fn a_failure_after_a_taken_row_reports_the_taken_row() {
        let pool = database().await;
        let (first, _) = booking("b1", &["b"]);
        let mut tx = pool.begin().await.expect("begin");
        assert_eq!(first.run(&mut tx).await.expect("run"), Ok(()));
        tx.commit().await.expect("commit");

        let mut again = Writes::new();
        let taken = again.push_checked(
            "UPDATE seats SET taken_by = $1 WHERE id = $2 AND taken_by IS NULL",
            ["b1".into(), "b".into()],
        );
        again.push(
            "INSERT INTO bookings (id, seat, note, n) VALUES ($1, $2, NULL, 1)",
            ["b1".into(), "b".into()],
        );
        let mut tx = pool.begin().await.expect("begin");
        assert!(
            run_joined(&mut tx, || again.on_sqlite(), true)
                .await
                .is_err()
        );
        sqlx::query("ROLLBACK TO writes; RELEASE writes")
            .execute(&mut *tx)
            .await
            .expect("back");
        assert_eq!(again.run(&mut tx).await.expect("run"), Err(taken));
        // The transaction is still usable, and nothing of the joined run is left in it.
        assert_eq!(
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM bookings")
                .fetch_one(&mut *tx)
                .await
                .expect("count"),
            1
        );
        tx.rollback().await.expect("rollback");
    }

    #[tokio::test]
    async fn a_statement_that_fails_on_its_own_fails_the_run() {
        let pool = database().await;
        let mut writes = Writes::new();
        writes.push("INSERT INTO bookings (id) VALUES ($1)", ["x".into()]);
        writes.push("INSERT INTO bookings (id) VALUES ($1)", ["x".into()]);
        let mut tx = pool.begin().await.expect("begin");
        assert!(writes.run(&mut tx).await.is_err());
    }
}
