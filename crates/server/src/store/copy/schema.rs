//! What a database's schema holds: its tables, their columns, primary keys and references.

use sqlx::{AnyPool, Row};

use crate::store::{Engine, StoreError};

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
    pub(super) fn select_list(&self) -> String {
        self.columns
            .iter()
            .map(|c| quoted(&c.name))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub(super) fn key_list(&self) -> String {
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

pub(super) fn quoted(name: &str) -> String {
    format!("\"{name}\"")
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
    fn only_plain_names_go_into_sql() {
        assert!(check_name("ticket_events").is_ok());
        for bad in ["", "Tickets", "a\"b", "x; DROP TABLE tickets", "naïve"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
