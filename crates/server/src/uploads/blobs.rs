//! Where evidence bytes live. Finished files go through the `object_store` interface (the local
//! disk by default, an S3-compatible bucket later, same code); a tus upload in progress is a
//! plain file under `uploads/partial/`, because it is appended to and truncated in place.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use bytes::Bytes;
use futures_util::StreamExt;
use object_store::local::LocalFileSystem;
use object_store::{ObjectStore, WriteMultipart};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// Reads of a partial file when it is moved into the object store.
const COPY_CHUNK: usize = 256 * 1024;
/// Parts the object store may have in flight while a finished file is copied in.
const COPY_PARTS_IN_FLIGHT: usize = 2;

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
#[derive(Debug)]
pub struct EvidenceStore {
    objects: Arc<dyn ObjectStore>,
    partial_dir: PathBuf,
    /// Uploads a request is working on in this process: one writer per upload at a time.
    busy: Arc<Mutex<HashSet<String>>>,
}

impl EvidenceStore {
    /// Local disk under `data_dir`: `uploads/evidence/` for finished files, `uploads/partial/`
    /// for tus uploads in progress.
    pub fn new(data_dir: &Path) -> io::Result<Self> {
        let finished = data_dir.join("uploads").join("evidence");
        std::fs::create_dir_all(&finished)?;
        let objects = LocalFileSystem::new_with_prefix(&finished).map_err(io::Error::other)?;
        Self::with_object_store(Arc::new(objects), &data_dir.join("uploads").join("partial"))
    }

    /// Finished files in any object store (an S3-compatible bucket, say); uploads in progress
    /// still on this machine's disk under `partial_dir`.
    pub fn with_object_store(
        objects: Arc<dyn ObjectStore>,
        partial_dir: &Path,
    ) -> io::Result<Self> {
        std::fs::create_dir_all(partial_dir)?;
        Ok(Self {
            objects,
            partial_dir: partial_dir.to_owned(),
            busy: Arc::default(),
        })
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
            .head(&object_store::path::Path::from("readiness-probe"))
            .await
        {
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The finished bytes in memory: for small files and tests; serve with [`Self::read`].
    pub async fn read_all(&self, upload_id: &str) -> Result<Bytes, EvidenceError> {
        let location = object_path(upload_id)?;
        let found = self.objects.get(&location).await.map_err(not_found)?;
        Ok(found.bytes().await?)
    }

    /// Deletes the finished bytes and any partial file; deleting what is not there is fine.
    pub async fn delete(&self, upload_id: &str) -> Result<(), EvidenceError> {
        let location = object_path(upload_id)?;
        match self.objects.delete(&location).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        self.remove_partial(upload_id).await?;
        Ok(())
    }

    /// Where an unfinished upload's bytes are; `None` for a string that is no upload id.
    pub fn partial_path(&self, upload_id: &str) -> Option<PathBuf> {
        is_upload_id(upload_id).then(|| self.partial_dir.join(upload_id))
    }

    /// Claims an upload for one request; `None` while another request holds it.
    pub(crate) fn try_lock(&self, upload_id: &str) -> Option<UploadLock> {
        let mut busy = self
            .busy
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        busy.insert(upload_id.to_owned()).then(|| UploadLock {
            busy: Arc::clone(&self.busy),
            id: upload_id.to_owned(),
        })
    }

    fn partial(&self, upload_id: &str) -> io::Result<PathBuf> {
        self.partial_path(upload_id)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not an upload id"))
    }

    /// Bytes of the partial file (0 when there is none).
    pub(crate) async fn partial_len(&self, upload_id: &str) -> io::Result<u64> {
        match tokio::fs::metadata(self.partial(upload_id)?).await {
            Ok(meta) => Ok(meta.len()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(e),
        }
    }

    /// After a crash the file may hold bytes past the recorded offset (written, not yet
    /// recorded) or, if it was lost, fewer: the smaller is the truth, and the file is cut to it.
    pub(crate) async fn reconcile_partial(
        &self,
        upload_id: &str,
        recorded: u64,
    ) -> io::Result<u64> {
        let on_disk = self.partial_len(upload_id).await?;
        if on_disk > recorded {
            self.truncate_partial(upload_id, recorded).await?;
        }
        Ok(on_disk.min(recorded))
    }

    pub(crate) async fn truncate_partial(&self, upload_id: &str, len: u64) -> io::Result<()> {
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .open(self.partial(upload_id)?)
            .await?;
        file.set_len(len).await?;
        file.sync_all().await
    }

    /// The partial file opened for writing at `offset` (created when new).
    pub(crate) async fn open_partial(
        &self,
        upload_id: &str,
        offset: u64,
    ) -> io::Result<tokio::fs::File> {
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(false)
            .open(self.partial(upload_id)?)
            .await?;
        file.seek(io::SeekFrom::Start(offset)).await?;
        Ok(file)
    }

    /// The first `n` bytes already received (to sniff, when earlier requests sent fewer than
    /// sniffing needs).
    pub(crate) async fn read_partial_head(&self, upload_id: &str, n: usize) -> io::Result<Vec<u8>> {
        let file = tokio::fs::File::open(self.partial(upload_id)?).await?;
        let mut head = Vec::with_capacity(n);
        file.take(n as u64).read_to_end(&mut head).await?;
        Ok(head)
    }

    pub(crate) async fn remove_partial(&self, upload_id: &str) -> io::Result<()> {
        match tokio::fs::remove_file(self.partial(upload_id)?).await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Upload ids that have a partial file (at most `limit`), for sweeping orphans.
    pub(crate) async fn partial_ids(&self, limit: usize) -> io::Result<Vec<String>> {
        let mut dir = tokio::fs::read_dir(&self.partial_dir).await?;
        let mut ids = Vec::new();
        while ids.len() < limit
            && let Some(entry) = dir.next_entry().await?
        {
            if let Some(name) = entry.file_name().to_str()
                && is_upload_id(name)
            {
                ids.push(name.to_owned());
            }
        }
        Ok(ids)
    }

    /// Copies a complete partial file into the object store, hashing it on the way; returns
    /// the SHA-256 (hex) and the number of bytes copied. The partial file stays until the
    /// database says the upload is complete.
    pub(crate) async fn store_finished(
        &self,
        upload_id: &str,
    ) -> Result<(String, u64), EvidenceError> {
        let file = tokio::fs::File::open(self.partial(upload_id)?).await?;
        let location = object_path(upload_id)?;
        let mut writer = WriteMultipart::new(self.objects.put_multipart(&location).await?);
        let mut chunks = tokio_util::io::ReaderStream::with_capacity(file, COPY_CHUNK);
        let mut hasher = Sha256::new();
        let mut copied = 0u64;
        while let Some(chunk) = chunks.next().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(e.into());
                }
            };
            hasher.update(&chunk);
            copied += chunk.len() as u64;
            writer.put(chunk);
            if let Err(e) = writer.wait_for_capacity(COPY_PARTS_IN_FLIGHT).await {
                let _ = writer.abort().await;
                return Err(e.into());
            }
        }
        writer.finish().await?;
        Ok((hex::encode(hasher.finalize()), copied))
    }
}

/// Held while a request works on an upload; released on drop (also when the request is
/// cancelled).
#[derive(Debug)]
pub(crate) struct UploadLock {
    busy: Arc<Mutex<HashSet<String>>>,
    id: String,
}

impl Drop for UploadLock {
    fn drop(&mut self) {
        let mut busy = self
            .busy
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        busy.remove(&self.id);
    }
}

/// Upload ids are `auth::new_secret()`: 43 URL-safe base64 characters. Anything else is not
/// looked up, and never becomes part of a path.
pub fn is_upload_id(text: &str) -> bool {
    text.len() == 43
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn object_path(upload_id: &str) -> Result<object_store::path::Path, EvidenceError> {
    if is_upload_id(upload_id) {
        Ok(object_store::path::Path::from(upload_id))
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
    }

    #[tokio::test]
    async fn finished_files_round_trip_and_delete() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = EvidenceStore::new(dir.path()).expect("store");
        let id = crate::auth::new_secret();
        let data: Vec<u8> = (0..700_000u32).map(|i| (i % 251) as u8).collect();
        let path = store.partial_path(&id).expect("path");
        std::fs::write(&path, &data).expect("write");
        let (hash, copied) = store.store_finished(&id).await.expect("store");
        assert_eq!(copied, data.len() as u64);
        assert_eq!(hash, hex::encode(Sha256::digest(&data)));
        let (body, length) = store.read(&id).await.expect("read");
        assert_eq!(length, data.len() as u64);
        let read = axum::body::to_bytes(body, usize::MAX).await.expect("body");
        assert_eq!(read, data);
        assert_eq!(store.read_all(&id).await.expect("read all"), data);
        store.delete(&id).await.expect("delete");
        assert!(matches!(
            store.read(&id).await,
            Err(EvidenceError::NotFound)
        ));
        assert!(!path.exists());
        store.delete(&id).await.expect("deleting twice is fine");
    }

    #[test]
    fn one_request_per_upload() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = EvidenceStore::new(dir.path()).expect("store");
        let lock = store.try_lock("a");
        assert!(lock.is_some());
        assert!(store.try_lock("a").is_none());
        assert!(store.try_lock("b").is_some());
        drop(lock);
        assert!(store.try_lock("a").is_some());
    }
}
