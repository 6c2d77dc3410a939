//! The evidence store's objects a database names: finished uploads, parts of unfinished ones.

use sqlx::{AnyPool, Row};

use crate::store::StoreError;

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
