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
//!
//! A schema's tables in `schema`, their rows in `rows`, the evidence objects in `objects`;
//! opening the source and the server secret here.

mod objects;
mod rows;
mod schema;

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;

use super::{Database, StoreError};

pub use objects::{EvidenceObject, evidence_objects};
pub use rows::{Value, count, insert_rows, keys_cmp, rows_after};
pub use schema::{Column, ColumnKind, TableShape, shape, tables};

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
