//! The admin keys `admin keys rotate` made, and the config keys it retired.

use super::{Store, StoreError, parse_timestamp, timestamp};

/// One row of `admin_keys`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdminKeyRecord {
    pub site: String,
    pub key_sha256: String,
    pub created_at: jiff::Timestamp,
    /// Accepted until then; `None` while it is the current key.
    pub retires_at: Option<jiff::Timestamp>,
}

type Row = (String, String, String, Option<String>);

fn record((site, key_sha256, created_at, retires_at): Row) -> Result<AdminKeyRecord, StoreError> {
    Ok(AdminKeyRecord {
        site,
        key_sha256,
        created_at: parse_timestamp(&created_at)?,
        retires_at: retires_at.as_deref().map(parse_timestamp).transpose()?,
    })
}

impl Store {
    /// The rows for a key's hash, whichever site they belong to.
    pub async fn admin_keys_by_hash(
        &self,
        key_sha256: &str,
    ) -> Result<Vec<AdminKeyRecord>, StoreError> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT site, key_sha256, created_at, retires_at FROM admin_keys \
             WHERE key_sha256 = $1",
        )
        .bind(key_sha256)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(record).collect()
    }

    /// A site's keys, newest first.
    pub async fn admin_keys(&self, site: &str) -> Result<Vec<AdminKeyRecord>, StoreError> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT site, key_sha256, created_at, retires_at FROM admin_keys \
             WHERE site = $1 ORDER BY created_at DESC, key_sha256",
        )
        .bind(site)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(record).collect()
    }

    /// In one transaction: the config's key is recorded (if it is not yet), every key of the
    /// site still accepted at `retire_at` is given that end, and the new key is added.
    pub async fn rotate_admin_key(
        &self,
        site: &str,
        config_key_sha256: &str,
        new_key_sha256: &str,
        now: jiff::Timestamp,
        retire_at: jiff::Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO admin_keys (site, key_sha256, created_at, retires_at) \
             VALUES ($1, $2, $3, NULL) ON CONFLICT (site, key_sha256) DO NOTHING",
        )
        .bind(site)
        .bind(config_key_sha256)
        .bind(timestamp(now))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE admin_keys SET retires_at = $1 \
             WHERE site = $2 AND (retires_at IS NULL OR retires_at > $3)",
        )
        .bind(timestamp(retire_at))
        .bind(site)
        .bind(timestamp(retire_at))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO admin_keys (site, key_sha256, created_at, retires_at) \
             VALUES ($1, $2, $3, NULL)",
        )
        .bind(site)
        .bind(new_key_sha256)
        .bind(timestamp(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
