//! The database's side of the move: which tables are carried and how, and each table's rows
//! compared between the two databases in key order, copied where the target lacks them.

use std::cmp::Ordering;

use sqlx::AnyPool;

use super::error::MigrateStoreError;
use super::progress::Progress;
use crate::store::StoreError;
use crate::store::copy::{self, TableShape, Value};

/// How a table travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Carry {
    /// Every row, by primary key.
    Rows,
    /// The server secret: SQLite keeps it in the data directory's `server-secret`, not in its
    /// table; it goes into the target's table (PostgreSQL), or beside its file (SQLite).
    Secret,
    /// Not carried, and why.
    Not(&'static str),
}

/// Every table of the schema and how it travels, in an order that copies a row after the
/// rows it refers to. A table the schema has and this list lacks stops the copy
/// ([`MigrateStoreError::UnknownTable`]): a migration that adds a table must say here how it
/// moves (a unit test holds the two together).
pub const TABLES: &[(&str, Carry)] = &[
    ("agents", Carry::Rows),
    ("tickets", Carry::Rows),
    ("ticket_access", Carry::Rows),
    ("ticket_events", Carry::Rows),
    ("idempotency_keys", Carry::Rows),
    ("uploads", Carry::Rows),
    ("upload_parts", Carry::Rows),
    ("agent_sessions", Carry::Rows),
    ("saved_replies", Carry::Rows),
    ("mail_outbox", Carry::Rows),
    ("ticket_links", Carry::Rows),
    ("admin_keys", Carry::Rows),
    ("webhook_secrets", Carry::Rows),
    ("webhook_outbox", Carry::Rows),
    ("webhook_attempts", Carry::Rows),
    ("ticket_orders", Carry::Rows),
    (
        "order_lookups",
        Carry::Not("a cache of the store's answers for an hour; the new servers ask again"),
    ),
    ("server_secret", Carry::Secret),
    (
        "readiness",
        Carry::Not("the last /readyz check's time; each server writes its own"),
    ),
    (
        "background_leases",
        Carry::Not("which server runs the periodic passes; the new servers take them"),
    ),
];

/// Rows read at a time from each side, and written in one statement.
const BATCH: usize = 200;

/// How the two databases' rows of one table compare.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Comparison {
    pub source_rows: u64,
    pub target_rows: u64,
    /// In the source, not in the target.
    pub missing: u64,
    /// In the target, not in the source.
    pub extra: u64,
    /// In both, with other values.
    pub differing: u64,
    /// Written into the target by this pass.
    pub copied: u64,
    /// A few keys of rows in the target that are not the source's, for the message.
    pub examples: Vec<String>,
}

impl Comparison {
    pub fn same(&self) -> bool {
        self.missing == 0 && self.extra == 0 && self.differing == 0
    }
}

/// One side of the walk: a table's rows in key order, a batch at a time.
struct Cursor<'a> {
    pool: &'a AnyPool,
    shape: &'a TableShape,
    keys: Vec<usize>,
    batch: std::vec::IntoIter<Vec<Value>>,
    last_key: Option<Vec<Value>>,
    done: bool,
}

impl<'a> Cursor<'a> {
    fn new(pool: &'a AnyPool, shape: &'a TableShape) -> Self {
        Cursor {
            pool,
            shape,
            keys: shape.key_positions(),
            batch: Vec::new().into_iter(),
            last_key: None,
            done: false,
        }
    }

    async fn next(&mut self) -> Result<Option<Vec<Value>>, StoreError> {
        if let Some(row) = self.batch.next() {
            return Ok(Some(row));
        }
        if self.done {
            return Ok(None);
        }
        let rows = copy::rows_after(self.pool, self.shape, self.last_key.as_deref(), BATCH).await?;
        if rows.len() < BATCH {
            self.done = true;
        }
        if let Some(last) = rows.last() {
            self.last_key = Some(self.key(last));
        }
        self.batch = rows.into_iter();
        Ok(self.batch.next())
    }

    fn key(&self, row: &[Value]) -> Vec<Value> {
        self.keys.iter().map(|&i| row[i].clone()).collect()
    }
}

/// Which side failed, for the error.
pub struct Sides<'a> {
    pub source: &'a AnyPool,
    pub source_location: &'a str,
    pub target: &'a AnyPool,
    pub target_location: &'a str,
}

/// Walks both databases' rows of `shape` in key order and compares them; with `copy`, writes
/// the rows the target lacks (never changing one it has), counting them on `progress`.
pub async fn walk(
    sides: &Sides<'_>,
    shape: &TableShape,
    copy: bool,
    progress: &Progress,
) -> Result<Comparison, MigrateStoreError> {
    let source_error = |source| MigrateStoreError::SourceDatabase {
        location: sides.source_location.to_owned(),
        source,
    };
    let target_error = |source| MigrateStoreError::TargetDatabase {
        location: sides.target_location.to_owned(),
        source,
    };
    let mut from = Cursor::new(sides.source, shape);
    let mut into = Cursor::new(sides.target, shape);
    let mut result = Comparison::default();
    let mut pending: Vec<Vec<Value>> = Vec::new();
    let mut a = from.next().await.map_err(source_error)?;
    let mut b = into.next().await.map_err(target_error)?;
    loop {
        let order = match (&a, &b) {
            (None, None) => break,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(x), Some(y)) => copy::keys_cmp(&from.key(x), &into.key(y)),
        };
        match order {
            Ordering::Less => {
                result.source_rows += 1;
                result.missing += 1;
                if copy && let Some(row) = a.take() {
                    pending.push(row);
                    if pending.len() >= BATCH {
                        flush(sides, shape, &mut pending, &mut result, progress).await?;
                    }
                }
                a = from.next().await.map_err(source_error)?;
            }
            Ordering::Greater => {
                result.target_rows += 1;
                result.extra += 1;
                if let Some(y) = &b {
                    example(&mut result, &into.key(y), "not in the source");
                }
                b = into.next().await.map_err(target_error)?;
            }
            Ordering::Equal => {
                result.source_rows += 1;
                result.target_rows += 1;
                if let (Some(x), Some(y)) = (&a, &b)
                    && !(x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.same(q)))
                {
                    result.differing += 1;
                    example(&mut result, &into.key(y), "other values");
                }
                a = from.next().await.map_err(source_error)?;
                b = into.next().await.map_err(target_error)?;
            }
        }
    }
    flush(sides, shape, &mut pending, &mut result, progress).await?;
    Ok(result)
}

async fn flush(
    sides: &Sides<'_>,
    shape: &TableShape,
    pending: &mut Vec<Vec<Value>>,
    result: &mut Comparison,
    progress: &Progress,
) -> Result<(), MigrateStoreError> {
    if pending.is_empty() {
        return Ok(());
    }
    let written = copy::insert_rows(sides.target, shape, pending)
        .await
        .map_err(|source| MigrateStoreError::TargetDatabase {
            location: sides.target_location.to_owned(),
            source,
        })?;
    result.copied += written;
    progress.advance(pending.len() as u64, 0);
    pending.clear();
    Ok(())
}

fn example(result: &mut Comparison, key: &[Value], why: &str) {
    if result.examples.len() < 3 {
        let key: Vec<String> = key.iter().map(Value::shown).collect();
        result.examples.push(format!("{} ({why})", key.join("/")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Database, Engine, Store};

    /// Every table the migrations make is in [`TABLES`], and every table there is made: a
    /// migration that adds a table fails here until it says how the table moves.
    #[tokio::test]
    async fn every_table_of_the_schema_is_known_and_copied_after_what_it_refers_to() {
        let data = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&Database::in_data_dir(data.path()))
            .await
            .expect("a fresh database");
        let mut schema = copy::tables(&store.pool, Engine::Sqlite)
            .await
            .expect("the tables");
        schema.sort();
        let mut known: Vec<String> = TABLES.iter().map(|(t, _)| t.to_string()).collect();
        known.sort();
        assert_eq!(
            schema, known,
            "the schema's tables and migrate-store's TABLES"
        );
        for (i, (table, carry)) in TABLES.iter().enumerate() {
            let shape = copy::shape(&store.pool, Engine::Sqlite, table)
                .await
                .expect("its shape");
            if *carry != Carry::Rows {
                continue;
            }
            for referred in &shape.references {
                let at = TABLES
                    .iter()
                    .position(|(t, _)| t == referred)
                    .expect("a known table");
                assert!(
                    at < i,
                    "{table} refers to {referred}, which must be copied before it"
                );
                assert_eq!(TABLES[at].1, Carry::Rows, "{referred} is copied");
            }
        }
        store.close().await;
    }
}
