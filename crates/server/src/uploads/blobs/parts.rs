//! An upload in progress, in the evidence store: its parts stored (synced on a local disk
//! before their offset is recorded), the first bytes read back for sniffing, the parts put
//! together into one file on this machine and kept as the finished object, and its recorded
//! parts removed once the database says the upload is complete (a part stored but never
//! recorded, by a request killed in between, is the sweep of orphans').

use std::io;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::StreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{PutPayload, WriteMultipart};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::store::upload_parts::UploadPart;
use crate::uploads::blobs::{
    EvidenceError, EvidenceStore, PARTIAL, is_upload_id, object_path, part_path, part_prefix,
};

/// Reads of a finished file when it is copied into the object store.
const COPY_CHUNK: usize = 256 * 1024;
/// Parts the object store may have in flight while a finished file is copied in.
const COPY_PARTS_IN_FLIGHT: usize = 2;
/// The file the parts are put together in, beside them on a local store.
const ASSEMBLED: &str = "assembled";

/// A finished upload's bytes put together in one file on this machine.
#[derive(Debug)]
pub(crate) struct Assembled {
    pub path: PathBuf,
    pub sha256: String,
    pub length: u64,
}

/// What putting the parts together found.
#[derive(Debug)]
pub(crate) enum Assembly {
    Whole(Assembled),
    /// A part was missing or shorter than recorded (a local disk that lost writes in a power
    /// cut): only the first `intact` bytes are there.
    Short {
        intact: u64,
    },
}
impl EvidenceStore {
    /// Stores `chunks` (the bytes from `first_byte` on, in order) as the part `name` of an
    /// upload. On a local disk the part is synced before this returns, so an offset recorded
    /// after it survives a power cut as the bytes do.
    pub(crate) async fn put_part(
        &self,
        upload_id: &str,
        name: &str,
        chunks: Vec<Bytes>,
    ) -> Result<(), EvidenceError> {
        let location = part_path(upload_id, name)?;
        self.objects
            .put(&location, PutPayload::from_iter(chunks))
            .await?;
        if let Some(root) = &self.local_root {
            let file = root.join(PARTIAL).join(upload_id).join(name);
            tokio::task::spawn_blocking(move || std::fs::File::open(file)?.sync_all())
                .await
                .map_err(io::Error::other)??;
        }
        Ok(())
    }

    /// Deletes parts that were stored but never recorded (a checksum that did not match, a
    /// lease lost on the way); gone already is fine.
    pub(crate) async fn delete_parts(
        &self,
        upload_id: &str,
        names: impl IntoIterator<Item = &str>,
    ) -> Result<(), EvidenceError> {
        for name in names {
            self.delete_object(&part_path(upload_id, name)?).await?;
        }
        Ok(())
    }

    /// The first `n` bytes of the recorded `parts` (to sniff, when earlier requests sent
    /// fewer than sniffing needs).
    pub(crate) async fn read_head(
        &self,
        upload_id: &str,
        parts: &[UploadPart],
        n: usize,
    ) -> Result<Vec<u8>, EvidenceError> {
        let mut head = Vec::with_capacity(n);
        for part in parts {
            let want = (n - head.len()) as u64;
            if want == 0 {
                break;
            }
            let take = want.min(part.length);
            let options = object_store::GetOptions {
                range: Some(object_store::GetRange::Bounded(0..take)),
                ..Default::default()
            };
            let found = self
                .objects
                .get_opts(&part_path(upload_id, &part.name)?, options)
                .await?;
            head.extend_from_slice(&found.bytes().await?);
        }
        head.truncate(n);
        Ok(head)
    }

    /// Puts the recorded `parts` together in one file on this machine, hashing them on the
    /// way; [`Assembly::Short`] when a part is missing or not as long as recorded.
    pub(crate) async fn assemble(
        &self,
        upload_id: &str,
        parts: &[UploadPart],
    ) -> Result<Assembly, EvidenceError> {
        let path = self.working_path(upload_id)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        if let Some(root) = &self.local_root {
            // Files on this disk: copied by plain reads and writes on one blocking thread
            // (the object store's streamed reads take 8 KiB at a time, which made a 100 MB
            // upload twice as slow as before parts).
            let dir = root.join(PARTIAL).join(upload_id);
            let parts = parts.to_vec();
            return tokio::task::spawn_blocking(move || assemble_files(&dir, &parts, path))
                .await
                .map_err(io::Error::other)?;
        }
        let file = tokio::fs::File::create(&path).await?;
        let mut file = tokio::io::BufWriter::with_capacity(COPY_CHUNK, file);
        let mut hasher = Sha256::new();
        let mut length = 0u64;
        for part in parts {
            let found = match self.objects.get(&part_path(upload_id, &part.name)?).await {
                Ok(found) => found,
                Err(object_store::Error::NotFound { .. }) => {
                    return Ok(Assembly::Short {
                        intact: part.first_byte,
                    });
                }
                Err(e) => return Err(e.into()),
            };
            if found.meta.size != part.length {
                return Ok(Assembly::Short {
                    intact: part.first_byte,
                });
            }
            let mut stream = found.into_stream();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk?;
                hasher.update(&chunk);
                file.write_all(&chunk).await?;
                length += chunk.len() as u64;
            }
        }
        file.flush().await?;
        file.get_ref().sync_data().await?;
        Ok(Assembly::Whole(Assembled {
            path,
            sha256: hex::encode(hasher.finalize()),
            length,
        }))
    }

    /// Keeps an assembled upload as its finished object; returns its SHA-256 (hex) and length.
    /// `changed`: inspection edited the file (a photo's location removed), so it is hashed
    /// again. The parts stay until the database says the upload is complete
    /// ([`Self::remove_parts`]).
    pub(crate) async fn store_assembled(
        &self,
        upload_id: &str,
        assembled: Assembled,
        changed: bool,
    ) -> Result<(String, u64), EvidenceError> {
        let location = object_path(upload_id)?;
        if let Some(root) = &self.local_root {
            let (sha256, length) = if changed {
                hash_file(&assembled.path).await?
            } else {
                (assembled.sha256, assembled.length)
            };
            tokio::fs::rename(&assembled.path, root.join(upload_id)).await?;
            return Ok((sha256, length));
        }
        let file = tokio::fs::File::open(&assembled.path).await?;
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
        tokio::fs::remove_file(&assembled.path).await?;
        Ok((hex::encode(hasher.finalize()), copied))
    }

    /// Deletes every part of an upload (all objects under its `partial/` prefix, recorded or
    /// not) and its working file.
    pub(crate) async fn remove_parts(&self, upload_id: &str) -> Result<(), EvidenceError> {
        let prefix = part_prefix(upload_id)?;
        let mut listed = self.objects.list(Some(&prefix));
        let mut names = Vec::new();
        while let Some(meta) = listed.next().await {
            match meta {
                Ok(meta) => names.push(meta.location),
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        for name in names {
            self.delete_object(&name).await?;
        }
        self.remove_working_files(upload_id).await
    }

    /// Deletes the parts the database recorded for a finished upload, by name, and its
    /// working file: no listing, which on S3 is a request of its own (the dearest kind) in
    /// the last PATCH's answer, and which some S3 servers answer by walking the whole bucket
    /// (s3s-fs: the bench's uploads slowed from run to run). A part stored but never recorded
    /// (its request killed in between) is left to the sweep of orphans, which takes the parts
    /// of finished uploads (`uploads::expiry`).
    pub(crate) async fn remove_recorded_parts(
        &self,
        upload_id: &str,
        parts: &[UploadPart],
    ) -> Result<(), EvidenceError> {
        let names: Vec<&str> = parts.iter().map(|part| part.name.as_str()).collect();
        self.delete_parts(upload_id, names).await?;
        self.remove_working_files(upload_id).await
    }

    /// Deletes one object; gone already is fine.
    async fn delete_object(&self, location: &ObjectPath) -> Result<(), EvidenceError> {
        match self.objects.delete(location).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// An upload's working file, and on a local disk its directory of parts once empty.
    async fn remove_working_files(&self, upload_id: &str) -> Result<(), EvidenceError> {
        for file in [
            self.working_path(upload_id)?,
            self.legacy_partial_dir.join(upload_id),
        ] {
            match tokio::fs::remove_file(&file).await {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
        // On a local disk, the upload's directory of parts (and never `partial/` above it,
        // which other uploads are writing into). One that is not empty holds a part stored
        // meanwhile and not recorded: the sweep of orphans takes it later.
        if let Some(root) = &self.local_root {
            match tokio::fs::remove_dir(root.join(PARTIAL).join(upload_id)).await {
                Err(e)
                    if !matches!(
                        e.kind(),
                        io::ErrorKind::NotFound | io::ErrorKind::DirectoryNotEmpty
                    ) =>
                {
                    return Err(e.into());
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Upload ids that have parts in the store or a file left by an earlier version (at most
    /// `limit`), for sweeping orphans.
    pub(crate) async fn partial_ids(&self, limit: usize) -> Result<Vec<String>, EvidenceError> {
        let mut ids: Vec<String> = Vec::new();
        let mut listed = self.objects.list(Some(&ObjectPath::from(PARTIAL)));
        while ids.len() < limit
            && let Some(meta) = listed.next().await
        {
            let meta = match meta {
                Ok(meta) => meta,
                Err(object_store::Error::NotFound { .. }) => break,
                Err(e) => return Err(e.into()),
            };
            let Some(id) = meta.location.parts().nth(1) else {
                continue;
            };
            let id = id.as_ref();
            if is_upload_id(id) && !ids.iter().any(|known| known == id) {
                ids.push(id.to_owned());
            }
        }
        drop(listed);
        if let Ok(mut dir) = tokio::fs::read_dir(&self.legacy_partial_dir).await {
            while ids.len() < limit
                && let Some(entry) = dir.next_entry().await?
            {
                if let Some(name) = entry.file_name().to_str()
                    && is_upload_id(name)
                    && !ids.iter().any(|known| known == name)
                {
                    ids.push(name.to_owned());
                }
            }
        }
        Ok(ids)
    }

    /// Where an upload's parts are put together: beside them on a local store (so the
    /// finished file is renamed into place), under `uploads/work` for a bucket.
    fn working_path(&self, upload_id: &str) -> Result<PathBuf, EvidenceError> {
        if !is_upload_id(upload_id) {
            return Err(EvidenceError::NotFound);
        }
        Ok(match &self.local_root {
            Some(root) => root.join(PARTIAL).join(upload_id).join(ASSEMBLED),
            None => self.work_dir.join(upload_id),
        })
    }
}

/// [`EvidenceStore::assemble`] on a local disk: the parts' files in `dir`, copied into `path`.
fn assemble_files(
    dir: &Path,
    parts: &[UploadPart],
    path: PathBuf,
) -> Result<Assembly, EvidenceError> {
    use std::io::{Read, Write};
    let mut out = std::fs::File::create(&path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; COPY_CHUNK];
    let mut length = 0u64;
    for part in parts {
        let mut file = match std::fs::File::open(dir.join(&part.name)) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(Assembly::Short {
                    intact: part.first_byte,
                });
            }
            Err(e) => return Err(e.into()),
        };
        if file.metadata()?.len() != part.length {
            return Ok(Assembly::Short {
                intact: part.first_byte,
            });
        }
        loop {
            let n = file.read(&mut buffer)?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
            out.write_all(&buffer[..n])?;
            length += n as u64;
        }
    }
    out.sync_data()?;
    Ok(Assembly::Whole(Assembled {
        path,
        sha256: hex::encode(hasher.finalize()),
        length,
    }))
}

async fn hash_file(path: &Path) -> io::Result<(String, u64)> {
    let mut file = tokio::fs::File::open(path).await?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; COPY_CHUNK];
    let mut length = 0u64;
    loop {
        let n = file.read(&mut buffer).await?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        length += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), length))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uploads::blobs::part_name;

    fn parts_of(data: &[u8], sizes: &[usize]) -> Vec<(UploadPart, Bytes)> {
        let mut at = 0;
        sizes
            .iter()
            .map(|&size| {
                let part = UploadPart {
                    first_byte: at as u64,
                    length: size as u64,
                    name: part_name(at as u64),
                };
                let bytes = Bytes::copy_from_slice(&data[at..at + size]);
                at += size;
                (part, bytes)
            })
            .collect()
    }

    #[tokio::test]
    async fn parts_assemble_into_the_finished_file_and_everything_deletes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = EvidenceStore::new(dir.path()).expect("store");
        let id = crate::auth::new_secret();
        let data: Vec<u8> = (0..700_000u32).map(|i| (i % 251) as u8).collect();
        let parts = parts_of(&data, &[10, 400_000, 299_990]);
        for (part, bytes) in &parts {
            // Each part in several chunks, as a request body arrives.
            let chunks = bytes.chunks(4096).map(Bytes::copy_from_slice).collect();
            store.put_part(&id, &part.name, chunks).await.expect("put");
        }
        let recorded: Vec<UploadPart> = parts.iter().map(|(p, _)| p.clone()).collect();
        assert_eq!(
            store.read_head(&id, &recorded, 16).await.expect("head"),
            data[..16]
        );
        assert_eq!(store.partial_ids(10).await.expect("ids"), vec![id.clone()]);
        let Assembly::Whole(assembled) = store.assemble(&id, &recorded).await.expect("assemble")
        else {
            panic!("every part is there");
        };
        assert_eq!(assembled.sha256, hex::encode(Sha256::digest(&data)));
        let (hash, copied) = store
            .store_assembled(&id, assembled, false)
            .await
            .expect("store");
        assert_eq!(copied, data.len() as u64);
        assert_eq!(hash, hex::encode(Sha256::digest(&data)));
        store.remove_parts(&id).await.expect("parts removed");
        assert!(store.partial_ids(10).await.expect("ids").is_empty());
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
        store.delete(&id).await.expect("deleting twice is fine");
        // Nothing is left behind: no part, not the upload's directory of parts.
        let left: Vec<_> = walk(&dir.path().join("uploads/evidence"));
        assert!(left.is_empty(), "{left:?}");
        assert!(
            !dir.path()
                .join("uploads/evidence/partial")
                .join(&id)
                .exists()
        );
    }

    /// Shoppers upload at once: one upload's parts are removed (it finished) while another's
    /// first part is stored. Removing the last upload's directory must not take `partial/`
    /// with it under the other's feet (object_store's automatic clean-up did: the other
    /// PATCH failed with 500 "Unable to create dir", seen under the bench's load).
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn parts_stored_while_another_uploads_parts_are_removed_are_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = std::sync::Arc::new(EvidenceStore::new(dir.path()).expect("store"));
        let mut shoppers = Vec::new();
        for _ in 0..32 {
            let store = store.clone();
            shoppers.push(tokio::spawn(async move {
                for _ in 0..200 {
                    let id = crate::auth::new_secret();
                    let name = part_name(0);
                    store
                        .put_part(&id, &name, vec![Bytes::from_static(b"part")])
                        .await?;
                    store.remove_parts(&id).await?;
                    let left = dir_of_parts(&store, &id);
                    assert!(!left.exists(), "{} is left", left.display());
                }
                Ok::<(), EvidenceError>(())
            }));
        }
        for shopper in shoppers {
            shopper
                .await
                .expect("joined")
                .expect("every part stored and removed");
        }
    }

    fn dir_of_parts(store: &EvidenceStore, upload_id: &str) -> std::path::PathBuf {
        store
            .local_root
            .as_ref()
            .expect("a local store")
            .join(PARTIAL)
            .join(upload_id)
    }

    #[tokio::test]
    async fn a_missing_or_short_part_says_how_much_is_intact() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = EvidenceStore::new(dir.path()).expect("store");
        let id = crate::auth::new_secret();
        let data = vec![7u8; 3000];
        let parts = parts_of(&data, &[1000, 1000, 1000]);
        for (part, bytes) in &parts[..2] {
            store
                .put_part(&id, &part.name, vec![bytes.clone()])
                .await
                .expect("put");
        }
        let recorded: Vec<UploadPart> = parts.iter().map(|(p, _)| p.clone()).collect();
        assert!(matches!(
            store.assemble(&id, &recorded).await.expect("assemble"),
            Assembly::Short { intact: 2000 }
        ));
        let mut longer = recorded.clone();
        longer[1].length = 1001;
        assert!(matches!(
            store.assemble(&id, &longer[..2]).await.expect("assemble"),
            Assembly::Short { intact: 1000 }
        ));
        store.delete(&id).await.expect("delete");
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path);
            }
        }
        out
    }
}
