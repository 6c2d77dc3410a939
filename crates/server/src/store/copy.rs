//! SQL for `migrate-store` (`src/migrate_store`): what a database's schema holds (tables,
//! their columns, primary keys and references, read from the database itself so a table or
//! column added by a later migration is seen, not assumed), and any table's rows read in
//! primary-key order and written into another database, on either engine.
//!
//! Rows travel as [`Value`]s typed by the column's declared type, and are written with the
//! placeholders' types the column needs on PostgreSQL (a NULL integer is bound as an
//! integer; a double as text and cast, see the module's notes on nullable floats). Keys
//! compare byte by byte on both engines (text is `COLLATE "C"` on PostgreSQL), so two
//! databases' rows read in key order can be walked side by side.

use std::cmp::Ordering;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

use super::{Database, Engine, SqlBuilder, StoreError};

/// A column's values, as both engines hold them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    Integer,
    Real,
    Text,
    Blob,
}

impl ColumnKind {
    /// From a declared type: SQLite's (`INTEGER`, `TEXT`, `DOUBLE PRECISION`) or
    /// PostgreSQL's `information_schema` name (`bigint`, `text`, `double precision`).
    fn of_declared(declared: &str) -> Option<ColumnKind> {
        let declared = declared.to_ascii_uppercase();
        if declared.contains("INT") {
            Some(ColumnKind::Integer)
        } else if declared.contains("DOUBLE")
            || declared.contains("REAL")
            || declared.contains("FLOAT")
        {
            Some(ColumnKind::Real)
        } else if declared.contains("TEXT") || declared.contains("CHAR") {
            Some(ColumnKind::Text)
        } else if declared.contains("BLOB") || declared.contains("BYTEA") {
            Some(ColumnKind::Blob)
        } else {
            None
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub kind: ColumnKind,
}

/// One table as the schema declares it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableShape {
    pub name: String,
    /// In the table's order.
    pub columns: Vec<Column>,
    /// The primary key's columns, in the key's order.
    pub key: Vec<String>,
    /// The tables its foreign keys name (SQLite only: the source's schema orders the copy).
    pub references: Vec<String>,
}

impl TableShape {
    fn select_list(&self) -> String {
        self.columns
            .iter()
            .map(|c| quoted(&c.name))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn key_list(&self) -> String {
        self.key
            .iter()
            .map(|c| quoted(c))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Where each key column sits in a row.
    pub fn key_positions(&self) -> Vec<usize> {
        self.key
            .iter()
            .filter_map(|k| self.columns.iter().position(|c| &c.name == k))
            .collect()
    }
}

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

/// A pool on `database` that reads only and changes nothing, not even the schema: the
/// deployment being moved is left as it was. SQLite only (the one-machine engine); the file
/// must exist.
pub async fn open_read_only(database: &Database) -> Result<AnyPool, StoreError> {
    sqlx::any::install_default_drivers();
    let url = match database {
        Database::Sqlite(_) => database.connect_url().replace("?mode=rwc", "?mode=ro"),
        Database::Postgres(url) => url.clone(),
    };
    Ok(AnyPoolOptions::new()
        .max_connections(2)
        .connect(&url)
        .await?)
}

/// The tables of the schema, but the migrations' own record and SQLite's internal ones.
pub async fn tables(pool: &AnyPool, engine: Engine) -> Result<Vec<String>, StoreError> {
    let sql = match engine {
        Engine::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> '_sqlx_migrations' \
             ORDER BY name"
        }
        Engine::Postgres => {
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
             AND table_name <> '_sqlx_migrations' ORDER BY 1"
        }
    };
    Ok(sqlx::query_scalar(sql).fetch_all(pool).await?)
}

/// `table` as the schema declares it.
pub async fn shape(pool: &AnyPool, engine: Engine, table: &str) -> Result<TableShape, StoreError> {
    check_name(table)?;
    let mut columns = Vec::new();
    let mut key: Vec<(i64, String)> = Vec::new();
    let mut references = Vec::new();
    match engine {
        Engine::Sqlite => {
            let rows = sqlx::query("SELECT name, type, pk FROM pragma_table_info($1) ORDER BY cid")
                .bind(table)
                .fetch_all(pool)
                .await?;
            for row in rows {
                let name: String = row.try_get(0)?;
                let declared: String = row.try_get(1)?;
                let pk: i64 = row.try_get(2)?;
                columns.push(column(table, name.clone(), &declared)?);
                if pk > 0 {
                    key.push((pk, name));
                }
            }
            references = sqlx::query_scalar("SELECT \"table\" FROM pragma_foreign_key_list($1)")
                .bind(table)
                .fetch_all(pool)
                .await?;
            references.sort();
            references.dedup();
        }
        Engine::Postgres => {
            let rows = sqlx::query(
                "SELECT CAST(column_name AS TEXT), CAST(data_type AS TEXT) \
                 FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 \
                 ORDER BY CAST(ordinal_position AS BIGINT)",
            )
            .bind(table)
            .fetch_all(pool)
            .await?;
            for row in rows {
                let name: String = row.try_get(0)?;
                let declared: String = row.try_get(1)?;
                columns.push(column(table, name, &declared)?);
            }
            let rows = sqlx::query(
                "SELECT CAST(k.column_name AS TEXT), CAST(k.ordinal_position AS BIGINT) \
                 FROM information_schema.table_constraints c \
                 JOIN information_schema.key_column_usage k \
                   ON k.constraint_name = c.constraint_name \
                  AND k.table_schema = c.table_schema AND k.table_name = c.table_name \
                 WHERE c.table_schema = current_schema() AND c.table_name = $1 \
                   AND c.constraint_type = 'PRIMARY KEY'",
            )
            .bind(table)
            .fetch_all(pool)
            .await?;
            for row in rows {
                let name: String = row.try_get(0)?;
                let position: i64 = row.try_get(1)?;
                key.push((position, name));
            }
        }
    }
    key.sort();
    let key: Vec<String> = key.into_iter().map(|(_, name)| name).collect();
    if key.is_empty() {
        return Err(StoreError::Corrupt(format!(
            "table {table} has no primary key: its rows cannot be told apart"
        )));
    }
    Ok(TableShape {
        name: table.to_owned(),
        columns,
        key,
        references,
    })
}

fn column(table: &str, name: String, declared: &str) -> Result<Column, StoreError> {
    check_name(&name)?;
    let kind = ColumnKind::of_declared(declared).ok_or_else(|| {
        StoreError::Corrupt(format!(
            "column {table}.{name} is declared {declared:?}, a type the copy does not know"
        ))
    })?;
    Ok(Column { name, kind })
}

/// Names go into SQL quoted; the schema's are plain lower-case words, anything else is
/// refused rather than escaped.
fn check_name(name: &str) -> Result<(), StoreError> {
    if !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        Ok(())
    } else {
        Err(StoreError::Corrupt(format!(
            "the schema names {name:?}, not a plain lower-case name"
        )))
    }
}

fn quoted(name: &str) -> String {
    format!("\"{name}\"")
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

/// An object the evidence store must hold for the database to be whole: a finished upload
/// (named by its id) or a recorded part of one in progress (`partial/ID/NAME`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvidenceObject {
    /// The object's name in the store.
    pub key: String,
    pub length: u64,
    /// The finished file's SHA-256 (hex) as recorded when it was inspected; none for a part.
    pub sha256: Option<String>,
    /// The ticket that holds it, when one does (for messages).
    pub ticket_id: Option<String>,
}

/// Every object the database names, finished uploads first, each group by name.
pub async fn evidence_objects(pool: &AnyPool) -> Result<Vec<EvidenceObject>, StoreError> {
    let mut objects = Vec::new();
    let finished = sqlx::query(
        "SELECT id, length, content_sha256, ticket_id FROM uploads \
         WHERE completed_at IS NOT NULL ORDER BY id",
    )
    .fetch_all(pool)
    .await?;
    for row in finished {
        let id: String = row.try_get(0)?;
        if !crate::uploads::is_upload_id(&id) {
            return Err(StoreError::Corrupt(format!("an upload has the id {id:?}")));
        }
        objects.push(EvidenceObject {
            key: id,
            length: length(row.try_get(1)?)?,
            sha256: row.try_get(2)?,
            ticket_id: row.try_get(3)?,
        });
    }
    let parts = sqlx::query(
        "SELECT p.upload_id, p.name, p.length, u.ticket_id FROM upload_parts p \
         JOIN uploads u ON u.id = p.upload_id ORDER BY p.upload_id, p.first_byte",
    )
    .fetch_all(pool)
    .await?;
    for row in parts {
        let id: String = row.try_get(0)?;
        let name: String = row.try_get(1)?;
        if !crate::uploads::is_upload_id(&id)
            || name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(StoreError::Corrupt(format!(
                "upload {id:?} records a part named {name:?}"
            )));
        }
        objects.push(EvidenceObject {
            key: format!("partial/{id}/{name}"),
            length: length(row.try_get(2)?)?,
            sha256: None,
            ticket_id: row.try_get(3)?,
        });
    }
    Ok(objects)
}

fn length(n: i64) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("an upload's length is {n}")))
}

/// The server secret a PostgreSQL database holds (`server_secret`), if any.
pub async fn server_secret(pool: &AnyPool) -> Result<Option<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT secret FROM server_secret WHERE id = 1")
            .fetch_optional(pool)
            .await?,
    )
}

/// Stores `secret` as the database's server secret unless it has one; returns the one it
/// holds after.
pub async fn keep_server_secret(
    pool: &AnyPool,
    secret: &str,
    now: jiff::Timestamp,
) -> Result<String, StoreError> {
    sqlx::query(
        "INSERT INTO server_secret (id, secret, created_at) VALUES (1, $1, $2) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(secret)
    .bind(super::timestamp(now))
    .execute(pool)
    .await?;
    Ok(
        sqlx::query_scalar("SELECT secret FROM server_secret WHERE id = 1")
            .fetch_one(pool)
            .await?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_of_both_engines() {
        for (declared, kind) in [
            ("INTEGER", ColumnKind::Integer),
            ("bigint", ColumnKind::Integer),
            ("TEXT", ColumnKind::Text),
            ("text", ColumnKind::Text),
            ("DOUBLE PRECISION", ColumnKind::Real),
            ("double precision", ColumnKind::Real),
            ("bytea", ColumnKind::Blob),
        ] {
            assert_eq!(ColumnKind::of_declared(declared), Some(kind), "{declared}");
        }
        assert_eq!(ColumnKind::of_declared("jsonb"), None);
    }

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

    #[test]
    fn only_plain_names_go_into_sql() {
        assert!(check_name("ticket_events").is_ok());
        for bad in ["", "Tickets", "a\"b", "x; DROP TABLE tickets", "naïve"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
