//! SQL for the `uploads` table: a tus upload's progress while its bytes arrive, then the facts
//! inspection found in them, which the ticket code hands to `helpcenter-core` for validation.

use helpcenter_core::{CivilDate, EvidenceFile, MediaType};
use jiff::Timestamp;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{SqlBuilder, Store, StoreError, parse_timestamp, timestamp};

/// An upload as the ticket code sees it: whose it is, whether it is finished, and what its bytes
/// turned out to be.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredUpload {
    pub id: String,
    pub site: String,
    pub ticket_id: Option<String>,
    pub completed: bool,
    pub facts: EvidenceFile,
}

/// A new upload, as `POST /v1/uploads` creates it (before any byte arrives).
#[derive(Clone, Debug)]
pub struct NewUpload<'a> {
    pub id: &'a str,
    pub site: &'a str,
    pub outcome: Option<&'a str>,
    pub filename: &'a str,
    pub length: u64,
    /// The client that created it ([`crate::client_ip::bucket`]), counted against its open
    /// uploads.
    pub client: Option<&'a str>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// The widget took the photo's location out on the shopper's device before sending it
    /// (tus metadata `location_removed`): the bytes arrive without it, and the ticket still
    /// says "location removed". Only a claim about what was removed: the server strips the
    /// bytes all the same.
    pub location_removed: bool,
}

/// Where a tus upload stands: what HEAD and PATCH need to know.
#[derive(Clone, Debug, PartialEq)]
pub struct UploadProgress {
    pub id: String,
    pub site: String,
    pub outcome: Option<String>,
    pub filename: String,
    pub length: u64,
    /// Bytes durably written, as last recorded (the file may hold more after a crash).
    pub received: u64,
    /// Known once the first bytes were sniffed.
    pub media_type: Option<MediaType>,
    pub expires_at: Timestamp,
    pub completed: bool,
    pub ticket_id: Option<String>,
}

/// What became of a termination request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadRemoval {
    Removed,
    /// Evidence of a ticket is kept with the ticket.
    Attached,
    Missing,
}

const PROGRESS_COLUMNS: &str = "id, site, outcome, filename, length, received, media_type, \
     expires_at, completed_at, ticket_id";
const STORED_COLUMNS: &str = "id, site, ticket_id, completed_at, filename, length, media_type, \
     width, height, duration_seconds, content_sha256, captured_on";

/// How many ids one `IN (…)` list carries: far below any database's bind-parameter limit.
const IDS_PER_QUERY: usize = 200;

impl Store {
    pub async fn insert_upload(&self, upload: &NewUpload<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO uploads (id, site, outcome, length, received, filename, client, \
             created_at, expires_at, location_removed) VALUES ($1, $2, $3, $4, 0, $5, $6, $7, $8, $9)",
        )
        .bind(upload.id)
        .bind(upload.site)
        .bind(upload.outcome)
        .bind(to_db(upload.length)?)
        .bind(upload.filename)
        .bind(upload.client)
        .bind(timestamp(upload.created_at))
        .bind(timestamp(upload.expires_at))
        .bind(i64::from(upload.location_removed))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    pub async fn upload_progress(&self, id: &str) -> Result<Option<UploadProgress>, StoreError> {
        let sql = format!("SELECT {PROGRESS_COLUMNS} FROM uploads WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| progress_from_row(&row)).transpose()
    }

    /// The type sniffed from the first bytes, kept so later PATCHes need not sniff again.
    pub async fn record_upload_media_type(
        &self,
        id: &str,
        media_type: MediaType,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE uploads SET media_type = $1 WHERE id = $2 AND completed_at IS NULL")
            .bind(media_type_text(media_type)?)
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Stores what inspection found and marks the upload finished; false when it already was.
    /// `location_removed`: the server took a location out; one the shopper's device took out
    /// ([`NewUpload::location_removed`]) is kept.
    /// Unless a ticket takes it, it is deleted after `expires_at`. Its parts are forgotten
    /// (their objects are deleted next, or swept).
    pub async fn complete_upload(
        &self,
        id: &str,
        facts: &EvidenceFile,
        location_removed: bool,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<bool, StoreError> {
        let media_type = facts.media_type.map(media_type_text).transpose()?;
        let mut tx = self.writer.begin().await?;
        let done = sqlx::query(
            "UPDATE uploads SET received = length, media_type = $1, width = $2, height = $3, \
             duration_seconds = CAST($4 AS DOUBLE PRECISION), content_sha256 = $5, captured_on = $6, \
             location_removed = CASE WHEN $7 = 1 THEN 1 ELSE location_removed END, \
             completed_at = $8, expires_at = $9 WHERE id = $10 AND completed_at IS NULL",
        )
        .bind(media_type)
        .bind(facts.width.map(i64::from))
        .bind(facts.height.map(i64::from))
        // As text: see the store's notes on nullable floats.
        .bind(
            facts
                .duration_seconds
                .filter(|s| s.is_finite())
                .map(|s| s.to_string()),
        )
        .bind(&facts.content_hash)
        .bind(facts.captured_on.map(|d| d.to_string()))
        .bind(i64::from(location_removed))
        .bind(timestamp(now))
        .bind(timestamp(expires_at))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM upload_parts WHERE upload_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// tus termination: removes the row unless a ticket holds it.
    pub async fn remove_upload(&self, id: &str) -> Result<UploadRemoval, StoreError> {
        let done = sqlx::query("DELETE FROM uploads WHERE id = $1 AND ticket_id IS NULL")
            .bind(id)
            .execute(&self.writer)
            .await?;
        if done.rows_affected() == 1 {
            return Ok(UploadRemoval::Removed);
        }
        let exists = sqlx::query("SELECT id FROM uploads WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match exists {
            Some(_) => UploadRemoval::Attached,
            None => UploadRemoval::Missing,
        })
    }

    /// Removes an upload that never finished (a refused type); false when it finished or was
    /// attached in the meantime.
    pub async fn remove_unfinished_upload(&self, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "DELETE FROM uploads WHERE id = $1 AND completed_at IS NULL AND ticket_id IS NULL",
        )
        .bind(id)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Removes an upload no ticket holds (expiry); false when a ticket took it meanwhile.
    pub async fn remove_unfiled_upload(&self, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM uploads WHERE id = $1 AND ticket_id IS NULL")
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Uploads no ticket holds, finished or not, whose expiry is before `now`, oldest first.
    pub async fn expired_uploads(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT id FROM uploads WHERE ticket_id IS NULL AND expires_at < $1 \
             ORDER BY expires_at LIMIT $2",
        )
        .bind(timestamp(now))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok(row.try_get::<String, _>("id")?))
            .collect()
    }

    /// Uploads `client` created that no ticket holds yet.
    pub async fn open_uploads_of_client(&self, client: &str) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM uploads WHERE client = $1 AND ticket_id IS NULL",
        )
        .bind(client)
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Declared bytes of `site`'s uploads that no ticket holds yet, finished or not.
    pub async fn unfiled_bytes_of_site(&self, site: &str) -> Result<u64, StoreError> {
        let bytes: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(SUM(length) AS BIGINT) FROM uploads WHERE site = $1 AND ticket_id IS NULL",
        )
        .bind(site)
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(bytes.unwrap_or(0)).unwrap_or(0))
    }

    pub async fn upload(&self, id: &str) -> Result<Option<StoredUpload>, StoreError> {
        let sql = format!("SELECT {STORED_COLUMNS} FROM uploads WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| stored_from_row(&row)).transpose()
    }

    /// Completed uploads among `ids` that belong to `site`, in the order of `ids`; unknown,
    /// unfinished or other-site ids are simply absent.
    pub async fn completed_uploads(
        &self,
        site: &str,
        ids: &[String],
    ) -> Result<Vec<StoredUpload>, StoreError> {
        let mut found = std::collections::HashMap::new();
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let mut query = SqlBuilder::new(format!(
                "SELECT {STORED_COLUMNS} FROM uploads \
                 WHERE completed_at IS NOT NULL AND site = "
            ));
            query
                .push_bind(site)
                .push(" AND id IN (")
                .push_bind_list(chunk.iter().map(String::as_str))
                .push(")");
            let (sql, args) = query.finish();
            for row in sqlx::query_with(&sql, args).fetch_all(&self.pool).await? {
                let upload = stored_from_row(&row)?;
                found.insert(upload.id.clone(), upload);
            }
        }
        Ok(ids.iter().filter_map(|id| found.get(id).cloned()).collect())
    }
}

fn progress_from_row(row: &AnyRow) -> Result<UploadProgress, StoreError> {
    Ok(UploadProgress {
        id: row.try_get("id")?,
        site: row.try_get("site")?,
        outcome: row.try_get("outcome")?,
        filename: row.try_get("filename")?,
        length: from_db(row.try_get("length")?)?,
        received: from_db(row.try_get("received")?)?,
        media_type: row
            .try_get::<Option<String>, _>("media_type")?
            .map(|t| parse_media_type(&t))
            .transpose()?,
        expires_at: parse_timestamp(&row.try_get::<String, _>("expires_at")?)?,
        completed: row.try_get::<Option<String>, _>("completed_at")?.is_some(),
        ticket_id: row.try_get("ticket_id")?,
    })
}

fn stored_from_row(row: &AnyRow) -> Result<StoredUpload, StoreError> {
    let dimension = |column: &str| -> Result<Option<u32>, StoreError> {
        row.try_get::<Option<i64>, _>(column)?
            .map(|v| u32::try_from(v).map_err(|_| corrupt(column, v)))
            .transpose()
    };
    let captured_on = row
        .try_get::<Option<String>, _>("captured_on")?
        .map(|text| {
            text.parse::<CivilDate>()
                .map_err(|e| StoreError::Corrupt(format!("captured_on {text:?}: {e}")))
        })
        .transpose()?;
    let facts = EvidenceFile {
        name: row.try_get("filename")?,
        bytes: from_db(row.try_get("length")?)?,
        media_type: row
            .try_get::<Option<String>, _>("media_type")?
            .map(|t| parse_media_type(&t))
            .transpose()?,
        width: dimension("width")?,
        height: dimension("height")?,
        duration_seconds: row.try_get("duration_seconds")?,
        content_hash: row
            .try_get::<Option<String>, _>("content_sha256")?
            .unwrap_or_default(),
        captured_on,
    };
    Ok(StoredUpload {
        id: row.try_get("id")?,
        site: row.try_get("site")?,
        ticket_id: row.try_get("ticket_id")?,
        completed: row.try_get::<Option<String>, _>("completed_at")?.is_some(),
        facts,
    })
}

/// The same lowercase names `MediaType` has in JSON, so the API and the table agree.
fn media_type_text(media_type: MediaType) -> Result<String, StoreError> {
    match serde_json::to_value(media_type) {
        Ok(serde_json::Value::String(text)) => Ok(text),
        _ => Err(StoreError::Corrupt(format!(
            "media type {media_type:?} has no name"
        ))),
    }
}

fn parse_media_type(text: &str) -> Result<MediaType, StoreError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| StoreError::Corrupt(format!("media_type {text:?}")))
}

/// Sizes are bounded by the policy's file limits, far below `i64::MAX`.
fn to_db(n: u64) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| StoreError::Corrupt(format!("size {n} does not fit a column")))
}

fn from_db(n: i64) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| corrupt("size", n))
}

fn corrupt(column: &str, value: i64) -> StoreError {
    StoreError::Corrupt(format!("{column} {value}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_type_names_round_trip() {
        for t in MediaType::ALL {
            let text = media_type_text(t).expect("named");
            assert_eq!(parse_media_type(&text).ok(), Some(t));
        }
        assert_eq!(media_type_text(MediaType::Mov).ok().as_deref(), Some("mov"));
        assert!(parse_media_type("html").is_err());
    }

    #[test]
    fn timestamps_sort_as_text() {
        // Expiry compares RFC 3339 text, which only works with a fixed-width fraction.
        let a: Timestamp = "2026-01-01T00:00:00Z".parse().expect("ts");
        let b: Timestamp = "2026-01-01T00:00:00.5Z".parse().expect("ts");
        let c: Timestamp = "2026-01-01T00:00:01Z".parse().expect("ts");
        let (ta, tb, tc) = (timestamp(a), timestamp(b), timestamp(c));
        assert!(ta < tb && tb < tc, "{ta} {tb} {tc}");
        assert_eq!(parse_timestamp(&tb).ok(), Some(b));
    }
}
