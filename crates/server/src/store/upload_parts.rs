//! SQL for an upload in progress as every server instance sees it: the lease of the request
//! working on it (`uploads.lease_holder`, `lease_until`), and the parts its bytes arrived in
//! (`upload_parts`), each an object in the evidence store. The offset a client resumes from
//! (`uploads.received`) and the parts move together, in one transaction, and only for the
//! request that holds the lease.

use jiff::Timestamp;
use sqlx::Row;

use super::{Store, StoreError, timestamp};

/// One part of an upload's bytes: `length` bytes at `first_byte`, in the object `name`
/// under the upload's `partial/` prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadPart {
    pub first_byte: u64,
    pub length: u64,
    pub name: String,
}

impl Store {
    /// Takes the upload for `holder` until `until`, if nobody holds it or the last holder's
    /// lease lapsed before `now`; false otherwise (or when there is no such upload).
    pub async fn take_upload_lease(
        &self,
        id: &str,
        holder: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE uploads SET lease_holder = $1, lease_until = $2 \
             WHERE id = $3 AND (lease_holder IS NULL OR lease_until IS NULL OR lease_until < $4)",
        )
        .bind(holder)
        .bind(timestamp(until))
        .bind(id)
        .bind(timestamp(now))
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Extends `holder`'s lease to `until`; false when it is no longer theirs (it lapsed and
    /// another request took the upload) or the upload is gone.
    pub async fn renew_upload_lease(
        &self,
        id: &str,
        holder: &str,
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE uploads SET lease_until = $1 WHERE id = $2 AND lease_holder = $3")
                .bind(timestamp(until))
                .bind(id)
                .bind(holder)
                .execute(&self.writer)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Lets go of the upload, if `holder` still holds it.
    pub async fn release_upload_lease(&self, id: &str, holder: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE uploads SET lease_holder = NULL, lease_until = NULL \
             WHERE id = $1 AND lease_holder = $2",
        )
        .bind(id)
        .bind(holder)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Lets go of every lease whose holder starts with `prefix` (one instance's); answers how
    /// many. (Holders are `INSTANCE.SECRET`, both URL-safe base64: no `%` or `_` wildcard
    /// matters, as the prefix is compared as text.)
    pub async fn release_upload_leases_of(&self, prefix: &str) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE uploads SET lease_holder = NULL, lease_until = NULL \
             WHERE lease_holder >= $1 AND lease_holder < $2",
        )
        .bind(prefix)
        .bind(format!("{prefix}\u{7f}"))
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected())
    }

    /// Records `parts` (stored objects, in order, the first at `from`) and moves the offset
    /// from `from` to their end, with the lease extended to `until`: all or nothing. False, and
    /// nothing recorded, when `holder` no longer holds the upload, the offset moved, or the
    /// upload is finished or gone.
    pub async fn record_upload_parts(
        &self,
        id: &str,
        holder: &str,
        from: u64,
        parts: &[UploadPart],
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut to = from;
        for part in parts {
            if part.first_byte != to {
                return Err(StoreError::Corrupt(format!(
                    "upload {id}: a part at byte {} where {to} was next",
                    part.first_byte
                )));
            }
            to += part.length;
        }
        let mut tx = self.writer.begin().await?;
        let moved = sqlx::query(
            "UPDATE uploads SET received = $1, lease_until = $2 \
             WHERE id = $3 AND received = $4 AND lease_holder = $5 AND completed_at IS NULL",
        )
        .bind(db(to)?)
        .bind(timestamp(until))
        .bind(id)
        .bind(db(from)?)
        .bind(holder)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        for part in parts {
            sqlx::query(
                "INSERT INTO upload_parts (upload_id, first_byte, length, name) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(db(part.first_byte)?)
            .bind(db(part.length)?)
            .bind(&part.name)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The recorded parts of an upload, in order.
    pub async fn upload_parts(&self, id: &str) -> Result<Vec<UploadPart>, StoreError> {
        let rows = sqlx::query(
            "SELECT first_byte, length, name FROM upload_parts WHERE upload_id = $1 \
             ORDER BY first_byte",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(UploadPart {
                    first_byte: from_db(row.try_get("first_byte")?)?,
                    length: from_db(row.try_get("length")?)?,
                    name: row.try_get("name")?,
                })
            })
            .collect()
    }

    /// Cuts an upload back to its first `keep` bytes (parts found short or missing after a
    /// crash): the parts from there on are forgotten and the offset set to `keep`, if `holder`
    /// holds it. (A type sniffed from bytes cut off no longer counts: see `uploads::tus`.)
    pub async fn cut_upload_parts(
        &self,
        id: &str,
        holder: &str,
        keep: u64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.writer.begin().await?;
        let moved = sqlx::query(
            "UPDATE uploads SET received = $1 \
             WHERE id = $2 AND lease_holder = $3 AND completed_at IS NULL AND received >= $4",
        )
        .bind(db(keep)?)
        .bind(id)
        .bind(holder)
        .bind(db(keep)?)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query("DELETE FROM upload_parts WHERE upload_id = $1 AND first_byte >= $2")
            .bind(id)
            .bind(db(keep)?)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// Offsets are bounded by the policy's file limits, far below `i64::MAX`.
fn db(n: u64) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| StoreError::Corrupt(format!("offset {n} does not fit a column")))
}

fn from_db(n: i64) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("part offset {n}")))
}
