//! A table's rows as values of their columns' kinds: read in key order, written elsewhere.

use std::cmp::Ordering;

use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::schema::{ColumnKind, TableShape, quoted};
use crate::store::{SqlBuilder, StoreError};

/// One value of a row.
#[derive(Clone, Debug)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Value {
    /// The same value on both sides (a double bit for bit, so a NaN equals itself).
    pub fn same(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Integer(a), Value::Integer(b)) => a == b,
            (Value::Real(a), Value::Real(b)) => a.to_bits() == b.to_bits(),
            (Value::Text(a), Value::Text(b)) => a == b,
            (Value::Blob(a), Value::Blob(b)) => a == b,
            _ => false,
        }
    }

    /// Key order as both engines sort it: NULL first, numbers, then text and bytes compared
    /// byte by byte.
    pub fn key_cmp(&self, other: &Value) -> Ordering {
        fn rank(v: &Value) -> u8 {
            match v {
                Value::Null => 0,
                Value::Integer(_) | Value::Real(_) => 1,
                Value::Text(_) => 2,
                Value::Blob(_) => 3,
            }
        }
        match (self, other) {
            (Value::Integer(a), Value::Integer(b)) => a.cmp(b),
            (Value::Real(a), Value::Real(b)) => a.total_cmp(b),
            (Value::Integer(a), Value::Real(b)) => (*a as f64).total_cmp(b),
            (Value::Real(a), Value::Integer(b)) => a.total_cmp(&(*b as f64)),
            (Value::Text(a), Value::Text(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Value::Blob(a), Value::Blob(b)) => a.cmp(b),
            _ => rank(self).cmp(&rank(other)),
        }
    }

    /// Shown in messages (a key, say).
    pub fn shown(&self) -> String {
        match self {
            Value::Null => "NULL".into(),
            Value::Integer(i) => i.to_string(),
            Value::Real(r) => r.to_string(),
            Value::Text(t) => t.clone(),
            Value::Blob(b) => format!("{} bytes", b.len()),
        }
    }
}

/// Compares two keys (as [`TableShape::key_positions`] picks them) in key order.
pub fn keys_cmp(a: &[Value], b: &[Value]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        match x.key_cmp(y) {
            Ordering::Equal => continue,
            other => return other,
        }
    }
    a.len().cmp(&b.len())
}

/// How many rows `table` holds.
pub async fn count(pool: &AnyPool, shape: &TableShape) -> Result<u64, StoreError> {
    let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", quoted(&shape.name)))
        .fetch_one(pool)
        .await?;
    Ok(u64::try_from(n).unwrap_or_default())
}

/// Up to `limit` rows of the table in key order, after the key `after` (from the first row
/// without one).
pub async fn rows_after(
    pool: &AnyPool,
    shape: &TableShape,
    after: Option<&[Value]>,
    limit: usize,
) -> Result<Vec<Vec<Value>>, StoreError> {
    let mut sql = SqlBuilder::new(format!(
        "SELECT {} FROM {}",
        shape.select_list(),
        quoted(&shape.name)
    ));
    if let Some(after) = after {
        // A row value compares column by column, as the key orders rows (both engines).
        sql.push(format!(" WHERE ({}) > (", shape.key_list()));
        for (i, value) in after.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            bind_key(&mut sql, value);
        }
        sql.push(")");
    }
    sql.push(format!(" ORDER BY {} LIMIT {limit}", shape.key_list()));
    let (sql, args) = sql.finish();
    let rows = sqlx::query_with(&sql, args).fetch_all(pool).await?;
    rows.iter().map(|row| read_row(shape, row)).collect()
}

fn bind_key<'q>(sql: &mut SqlBuilder<'q>, value: &Value) {
    match value {
        Value::Null => sql.push("NULL"),
        Value::Integer(i) => sql.push_bind(*i),
        Value::Real(r) => sql
            .push("CAST(")
            .push_bind(real_text(*r))
            .push(" AS DOUBLE PRECISION)"),
        Value::Text(t) => sql.push_bind(t.clone()),
        Value::Blob(b) => sql.push_bind(b.clone()),
    };
}

fn read_row(shape: &TableShape, row: &AnyRow) -> Result<Vec<Value>, StoreError> {
    let mut values = Vec::with_capacity(shape.columns.len());
    for (i, column) in shape.columns.iter().enumerate() {
        let value = match column.kind {
            ColumnKind::Integer => row
                .try_get::<Option<i64>, _>(i)?
                .map_or(Value::Null, Value::Integer),
            ColumnKind::Real => row
                .try_get::<Option<f64>, _>(i)?
                .map_or(Value::Null, Value::Real),
            ColumnKind::Text => row
                .try_get::<Option<String>, _>(i)?
                .map_or(Value::Null, Value::Text),
            ColumnKind::Blob => row
                .try_get::<Option<Vec<u8>>, _>(i)?
                .map_or(Value::Null, Value::Blob),
        };
        values.push(value);
    }
    Ok(values)
}

/// A double as PostgreSQL and SQLite both read it back to the same bits.
fn real_text(r: f64) -> String {
    if r.is_nan() {
        "NaN".into()
    } else if r.is_infinite() {
        if r > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        // Rust prints the shortest text that reads back as the same double.
        format!("{r:?}")
    }
}

/// Writes `rows` (as [`rows_after`] reads them) into the table, in one statement; a row
/// whose key (or another unique value) is there already is left as it is. Returns how many
/// were written.
pub async fn insert_rows(
    pool: &AnyPool,
    shape: &TableShape,
    rows: &[Vec<Value>],
) -> Result<u64, StoreError> {
    if rows.is_empty() {
        return Ok(0);
    }
    let mut sql = SqlBuilder::new(format!(
        "INSERT INTO {} ({}) VALUES ",
        quoted(&shape.name),
        shape.select_list()
    ));
    for (r, row) in rows.iter().enumerate() {
        if r > 0 {
            sql.push(", ");
        }
        sql.push("(");
        for (i, (column, value)) in shape.columns.iter().zip(row).enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            bind_typed(&mut sql, column.kind, value);
        }
        sql.push(")");
    }
    sql.push(" ON CONFLICT DO NOTHING");
    let (sql, args) = sql.finish();
    let done = sqlx::query_with(&sql, args).execute(pool).await?;
    Ok(done.rows_affected())
}

/// Binds `value` with the type its column has, NULLs included (PostgreSQL refuses a text
/// NULL for an integer column).
fn bind_typed<'q>(sql: &mut SqlBuilder<'q>, kind: ColumnKind, value: &Value) {
    match (kind, value) {
        (ColumnKind::Integer, Value::Integer(i)) => {
            sql.push_bind(Some(*i));
        }
        (ColumnKind::Integer, _) => {
            sql.push_bind(None::<i64>);
        }
        (ColumnKind::Real, Value::Real(r)) => {
            sql.push("CAST(")
                .push_bind(Some(real_text(*r)))
                .push(" AS DOUBLE PRECISION)");
        }
        (ColumnKind::Real, _) => {
            sql.push("CAST(")
                .push_bind(None::<String>)
                .push(" AS DOUBLE PRECISION)");
        }
        (ColumnKind::Text, Value::Text(t)) => {
            sql.push_bind(Some(t.clone()));
        }
        (ColumnKind::Text, _) => {
            sql.push_bind(None::<String>);
        }
        (ColumnKind::Blob, Value::Blob(b)) => {
            sql.push_bind(Some(b.clone()));
        }
        (ColumnKind::Blob, _) => {
            sql.push_bind(None::<Vec<u8>>);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_as_the_engines_do() {
        let text = |s: &str| Value::Text(s.into());
        assert_eq!(text("HC-A").key_cmp(&text("HC-B")), Ordering::Less);
        // Byte order, not a locale's: upper case before lower case.
        assert_eq!(text("Z").key_cmp(&text("a")), Ordering::Less);
        assert_eq!(
            keys_cmp(
                &[text("HC-A"), Value::Integer(10)],
                &[text("HC-A"), Value::Integer(9)]
            ),
            Ordering::Greater
        );
        assert!(Value::Real(f64::NAN).same(&Value::Real(f64::NAN)));
        assert!(!Value::Integer(1).same(&Value::Real(1.0)));
    }

    #[test]
    fn doubles_travel_as_text_that_reads_back_the_same() {
        for r in [0.1, 1.0 / 3.0, 12.5, 1e-7, 1e300, -0.0] {
            let back: f64 = real_text(r).parse().expect("a number");
            assert_eq!(back.to_bits(), r.to_bits(), "{r}");
        }
        assert_eq!(real_text(f64::INFINITY), "Infinity");
    }
}
