//! Where evidence bytes live: an `object_store` (a directory on this machine by default, an
//! S3-compatible bucket to scale out; see [`super::location`]), the same code for both.
//!
//! - A finished upload is one object named by its id, streamed back in ranges.
//! - A tus upload in progress is a run of **parts**, each an object under
//!   `partial/{upload id}/`, recorded in the database (`upload_parts`) in the transaction that
//!   moves the upload's offset. Any instance can continue an upload another started: the
//!   parts are in the shared store, the offset and the parts' list in the shared database.
//!
//! Why parts and not S3's multipart upload: a multipart upload's parts must be at least 5 MiB
//! (but the last), while a tus PATCH may carry any number of bytes, so the server would have
//! to hold or re-read the tail of every short PATCH; an unfinished multipart upload is
//! invisible to listing and billed until aborted; and only S3 has it (a local directory has
//! none). Plain objects work on every store, a short PATCH is just a short part, and a part is
//! written whole or not at all (a PUT is atomic), so a crash never leaves half a part counted.
//! When the last byte arrives the parts are put together once into a file on this machine's
//! disk, which inspection reads as it always did (bounded reads, see `examine`), then kept as
//! the finished object: renamed into place on a local store, streamed up on S3.
//!
//! This module holds the store, its names for objects and what a finished upload needs (read,
//! read a range, delete); `parts` holds an upload in progress: its parts stored, read back and
//! put together.

pub(crate) mod parts;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use bytes::Bytes;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutPayload};

use super::location::EvidenceLocation;

/// Where upload parts live in the store.
const PARTIAL: &str = "partial";
/// What [`EvidenceStore::check_writable`] stores and deletes (no upload id looks like it).
const WRITE_PROBE: &str = "write-probe";
/// How long the start-up check waits for the store.
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("no evidence is stored under this id")]
    NotFound,
    #[error("evidence storage: {0}")]
    Io(#[from] io::Error),
    #[error("evidence object store: {0}")]
    ObjectStore(#[from] object_store::Error),
}

/// Byte storage for evidence, behind an object-store interface.
pub struct EvidenceStore {
    objects: Arc<dyn ObjectStore>,
    location: EvidenceLocation,
    /// The directory of a local store: parts are synced to its disk before their offset is
    /// recorded, and a finished upload is renamed into place rather than copied.
    local_root: Option<PathBuf>,
    /// Where a bucket's parts are put together on this machine (`uploads/work`).
    work_dir: PathBuf,
    /// Where versions before parts kept uploads in progress (`uploads/partial`): emptied.
    legacy_partial_dir: PathBuf,
    /// This instance's name among the servers on the database (`uploads/instance-id` in its
    /// data directory, made once): the first part of every upload lease it takes, so that
    /// when it starts again it lets go of the leases it held when it stopped.
    instance: String,
}

impl std::fmt::Debug for EvidenceStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EvidenceStore({})", self.location)
    }
}

impl EvidenceStore {
    /// The default: a directory under `data_dir` (`uploads/evidence`).
    pub fn new(data_dir: &Path) -> io::Result<Self> {
        Self::open(&EvidenceLocation::in_data_dir(data_dir), data_dir).map_err(io::Error::other)
    }

    /// The store `location` names; `data_dir` holds the working files of a bucket's uploads.
    pub fn open(location: &EvidenceLocation, data_dir: &Path) -> Result<Self, String> {
        let opened = location.open()?;
        let work_dir = data_dir.join("uploads").join("work");
        let legacy_partial_dir = data_dir.join("uploads").join("partial");
        if opened.local_root.is_none() {
            std::fs::create_dir_all(&work_dir)
                .map_err(|e| format!("cannot create {}: {e}", work_dir.display()))?;
        }
        let instance_file = data_dir.join("uploads").join("instance-id");
        let instance = crate::auth::kept_secret(&instance_file)
            .map_err(|e| format!("cannot keep {}: {e}", instance_file.display()))?;
        Ok(Self {
            objects: opened.objects,
            location: location.clone(),
            local_root: opened.local_root,
            work_dir,
            legacy_partial_dir,
            instance,
        })
    }

    /// This instance's name among the servers on the database (see the field).
    pub(crate) fn instance(&self) -> &str {
        &self.instance
    }

    /// Where the evidence is (for messages and `admin backup`).
    pub fn location(&self) -> &EvidenceLocation {
        &self.location
    }

    /// The object store itself (for `migrate-store`, and tests that look at what is kept).
    pub fn objects(&self) -> &Arc<dyn ObjectStore> {
        &self.objects
    }

    /// The finished bytes of an upload and their length, for serving back to the ticket holder
    /// and the site's admins: a streaming body, never the whole file in memory.
    pub async fn read(&self, upload_id: &str) -> Result<(Body, u64), EvidenceError> {
        let location = object_path(upload_id)?;
        let found = self.objects.get(&location).await.map_err(not_found)?;
        let length = found.meta.size;
        Ok((Body::from_stream(found.into_stream()), length))
    }

    /// Bytes `start..end` of a finished upload, streamed: what a video player asks for to seek.
    pub async fn read_range(
        &self,
        upload_id: &str,
        start: u64,
        end: u64,
    ) -> Result<Body, EvidenceError> {
        let location = object_path(upload_id)?;
        let options = object_store::GetOptions {
            range: Some(object_store::GetRange::Bounded(start..end)),
            ..Default::default()
        };
        let found = self
            .objects
            .get_opts(&location, options)
            .await
            .map_err(not_found)?;
        Ok(Body::from_stream(found.into_stream()))
    }

    /// Whether the object store answers: a look-up of a name no upload has, so "not found" is
    /// the healthy answer.
    pub async fn reachable(&self) -> Result<(), EvidenceError> {
        match self
            .objects
            .head(&ObjectPath::from("readiness-probe"))
            .await
        {
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Stores and deletes a probe object: the store is there and takes writes. Said as the
    /// operator needs it (which store, what it answered), within [`PROBE_TIMEOUT`].
    pub async fn check_writable(&self) -> Result<(), String> {
        let probe = ObjectPath::from(WRITE_PROBE);
        let work = async {
            self.objects
                .put(&probe, PutPayload::from_static(b"helpcenter-server"))
                .await?;
            match self.objects.delete(&probe).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(e),
            }
        };
        match tokio::time::timeout(PROBE_TIMEOUT, work).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(format!(
                "evidence_store {}: cannot store evidence there: {e}",
                self.location
            )),
            Err(_) => Err(format!(
                "evidence_store {}: no answer within {} s (is AWS_ENDPOINT_URL right, and the \
                 store running?)",
                self.location,
                PROBE_TIMEOUT.as_secs()
            )),
        }
    }

    /// The finished bytes in memory: for small files and tests; serve with [`Self::read`].
    pub async fn read_all(&self, upload_id: &str) -> Result<Bytes, EvidenceError> {
        let location = object_path(upload_id)?;
        let found = self.objects.get(&location).await.map_err(not_found)?;
        Ok(found.bytes().await?)
    }

    /// Deletes the finished bytes and any parts; deleting what is not there is fine.
    pub async fn delete(&self, upload_id: &str) -> Result<(), EvidenceError> {
        let location = object_path(upload_id)?;
        match self.objects.delete(&location).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        self.remove_parts(upload_id).await
    }
}

/// A new name for the part that starts at `first_byte`: never another part's, so a request
/// that lost its lease cannot overwrite the bytes of the one that took the upload over.
pub(crate) fn part_name(first_byte: u64) -> String {
    format!("{first_byte:020}-{}", crate::auth::new_secret())
}

/// Upload ids are `auth::new_secret()`: 43 URL-safe base64 characters. Anything else is not
/// looked up, and never becomes part of a path.
pub fn is_upload_id(text: &str) -> bool {
    text.len() == 43
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn object_path(upload_id: &str) -> Result<ObjectPath, EvidenceError> {
    if is_upload_id(upload_id) {
        Ok(ObjectPath::from(upload_id))
    } else {
        Err(EvidenceError::NotFound)
    }
}

fn part_prefix(upload_id: &str) -> Result<ObjectPath, EvidenceError> {
    if is_upload_id(upload_id) {
        Ok(ObjectPath::from_iter([PARTIAL, upload_id]))
    } else {
        Err(EvidenceError::NotFound)
    }
}

fn part_path(upload_id: &str, name: &str) -> Result<ObjectPath, EvidenceError> {
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if is_upload_id(upload_id) && valid {
        Ok(ObjectPath::from_iter([PARTIAL, upload_id, name]))
    } else {
        Err(EvidenceError::NotFound)
    }
}

fn not_found(e: object_store::Error) -> EvidenceError {
    match e {
        object_store::Error::NotFound { .. } => EvidenceError::NotFound,
        e => EvidenceError::ObjectStore(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_generated_ids_are_upload_ids() {
        assert!(is_upload_id(&crate::auth::new_secret()));
        for bad in [
            "",
            "..",
            "../../etc/passwd",
            &"a".repeat(42),
            &"a/".repeat(22),
        ] {
            assert!(!is_upload_id(bad), "{bad}");
        }
        let id = crate::auth::new_secret();
        assert!(part_path(&id, "../x").is_err());
        assert!(part_path(&id, "").is_err());
        assert!(part_path(&id, &part_name(0)).is_ok());
        assert_ne!(part_name(0), part_name(0));
    }
}
