//! The evidence's side of the move: every object the source's database names (finished
//! uploads by id, parts of uploads in progress), copied into the target's store unless it is
//! there, then read back from the target and checked by SHA-256 against the source's bytes
//! and against what the database recorded when the file was inspected.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutPayload, WriteMultipart};
use sha2::{Digest, Sha256};

use super::error::MigrateStoreError;
use super::progress::Progress;
use crate::store::copy::EvidenceObject;

/// Objects worked on at once (an S3 store answers each request with some delay).
const IN_FLIGHT: usize = 4;
/// Objects up to this size are read whole and stored in one request; larger ones stream in
/// parts.
const WHOLE: u64 = 8 * 1024 * 1024;
/// Parts a large object may have in flight to the target.
const PARTS_IN_FLIGHT: usize = 2;

/// An object's bytes as read: their SHA-256 (hex) and length.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub sha256: String,
    pub length: u64,
}

impl Found {
    fn shown(&self) -> String {
        format!("{} bytes with SHA-256 {}", self.length, self.sha256)
    }
}

/// The two stores, as opened.
pub struct Stores {
    pub source: Arc<dyn ObjectStore>,
    pub source_location: String,
    /// None when the evidence stays where it is.
    pub target: Option<Arc<dyn ObjectStore>>,
}

/// What the object is evidence of, for messages.
pub fn of(object: &EvidenceObject) -> String {
    match (&object.ticket_id, object.sha256.is_some()) {
        (Some(ticket), true) => format!("a file of ticket {ticket}"),
        (None, true) => "a file no ticket holds yet".into(),
        (_, false) => "part of an upload in progress".into(),
    }
}

fn path(object: &EvidenceObject) -> Result<ObjectPath, MigrateStoreError> {
    ObjectPath::parse(&object.key).map_err(|e| {
        MigrateStoreError::Evidence(format!("the database names evidence {:?}: {e}", object.key))
    })
}

fn store_error<'a>(
    object: &'a EvidenceObject,
    side: &'static str,
) -> impl FnOnce(object_store::Error) -> MigrateStoreError + 'a {
    move |source| MigrateStoreError::EvidenceStore {
        key: object.key.clone(),
        of: of(object),
        side,
        source: Box::new(source),
    }
}

/// Which of `objects` the target holds already (by name; their bytes are checked after).
pub async fn present_in_target(
    target: &Arc<dyn ObjectStore>,
    objects: &[EvidenceObject],
) -> Result<Vec<bool>, MigrateStoreError> {
    futures_util::stream::iter(objects)
        .map(|object| async move {
            match target.head(&path(object)?).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::NotFound { .. }) => Ok(false),
                Err(e) => Err(store_error(object, "target")(e)),
            }
        })
        .buffered(IN_FLIGHT * 2)
        .try_collect()
        .await
}

/// Copies `objects` from the source into the target, each as one object under the same name;
/// returns the source's bytes as read on the way (None: not in the source).
pub async fn copy_all(
    stores: &Stores,
    target: &Arc<dyn ObjectStore>,
    objects: &[EvidenceObject],
    progress: &Progress,
) -> Result<HashMap<String, Option<Found>>, MigrateStoreError> {
    futures_util::stream::iter(objects)
        .map(|object| async move {
            let copied = copy_one(&stores.source, target, object, progress).await?;
            progress.advance(1, 0);
            Ok::<_, MigrateStoreError>((object.key.clone(), copied))
        })
        .buffer_unordered(IN_FLIGHT)
        .try_collect()
        .await
}

async fn copy_one(
    source: &Arc<dyn ObjectStore>,
    target: &Arc<dyn ObjectStore>,
    object: &EvidenceObject,
    progress: &Progress,
) -> Result<Option<Found>, MigrateStoreError> {
    let key = path(object)?;
    let got = match source.get(&key).await {
        Ok(got) => got,
        Err(object_store::Error::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(store_error(object, "source")(e)),
    };
    let mut hasher = Sha256::new();
    if got.meta.size <= WHOLE {
        let bytes: Bytes = got.bytes().await.map_err(store_error(object, "source"))?;
        hasher.update(&bytes);
        let length = bytes.len() as u64;
        target
            .put(&key, PutPayload::from(bytes))
            .await
            .map_err(store_error(object, "target"))?;
        progress.advance(0, length);
        return Ok(Some(Found {
            sha256: hex::encode(hasher.finalize()),
            length,
        }));
    }
    let upload = target
        .put_multipart(&key)
        .await
        .map_err(store_error(object, "target"))?;
    let mut writer = WriteMultipart::new(upload);
    let mut chunks = got.into_stream();
    let mut length = 0u64;
    while let Some(chunk) = chunks.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(e) => {
                let _ = writer.abort().await;
                return Err(store_error(object, "source")(e));
            }
        };
        hasher.update(&chunk);
        length += chunk.len() as u64;
        progress.advance(0, chunk.len() as u64);
        writer.put(chunk);
        if let Err(e) = writer.wait_for_capacity(PARTS_IN_FLIGHT).await {
            let _ = writer.abort().await;
            return Err(store_error(object, "target")(e));
        }
    }
    writer
        .finish()
        .await
        .map_err(store_error(object, "target"))?;
    Ok(Some(Found {
        sha256: hex::encode(hasher.finalize()),
        length,
    }))
}

/// Reads an object through and hashes it; None when the store does not have it.
async fn hash(
    store: &Arc<dyn ObjectStore>,
    object: &EvidenceObject,
    side: &'static str,
    progress: &Progress,
) -> Result<Option<Found>, MigrateStoreError> {
    let got = match store.get(&path(object)?).await {
        Ok(got) => got,
        Err(object_store::Error::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(store_error(object, side)(e)),
    };
    let mut hasher = Sha256::new();
    let mut length = 0u64;
    let mut chunks = got.into_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(store_error(object, side))?;
        hasher.update(&chunk);
        length += chunk.len() as u64;
        progress.advance(0, chunk.len() as u64);
    }
    Ok(Some(Found {
        sha256: hex::encode(hasher.finalize()),
        length,
    }))
}

/// Checks every object: in the source, as the database recorded it; in the target (when the
/// evidence moves), byte for byte the source's. `read` holds the source's bytes as the copy
/// read them; the others are read from the source here. Returns what is wrong, one problem
/// per object.
pub async fn verify_all(
    stores: &Stores,
    objects: &[EvidenceObject],
    read: &HashMap<String, Option<Found>>,
    progress: &Progress,
) -> Result<Vec<MigrateStoreError>, MigrateStoreError> {
    let found: Vec<Vec<MigrateStoreError>> = futures_util::stream::iter(objects)
        .map(|object| async move {
            let problems = verify_one(stores, object, read.get(&object.key), progress).await?;
            progress.advance(1, 0);
            Ok::<_, MigrateStoreError>(problems)
        })
        .buffered(IN_FLIGHT)
        .try_collect()
        .await?;
    Ok(found.into_iter().flatten().collect())
}

async fn verify_one(
    stores: &Stores,
    object: &EvidenceObject,
    read: Option<&Option<Found>>,
    progress: &Progress,
) -> Result<Vec<MigrateStoreError>, MigrateStoreError> {
    let mut problems = Vec::new();
    let source = match read {
        Some(found) => found.clone(),
        None => hash(&stores.source, object, "source", progress).await?,
    };
    let Some(source) = source else {
        problems.push(MigrateStoreError::ObjectMissing {
            key: object.key.clone(),
            of: of(object),
            location: stores.source_location.clone(),
        });
        return Ok(problems);
    };
    let as_recorded = source.length == object.length
        && object
            .sha256
            .as_ref()
            .is_none_or(|recorded| *recorded == source.sha256);
    if !as_recorded {
        problems.push(MigrateStoreError::ObjectCorrupt {
            key: object.key.clone(),
            of: of(object),
            found: source.shown(),
            recorded: match &object.sha256 {
                Some(sha) => format!("{} bytes with SHA-256 {sha}", object.length),
                None => format!("{} bytes", object.length),
            },
        });
    }
    if let Some(target) = &stores.target {
        match hash(target, object, "target", progress).await? {
            None => problems.push(MigrateStoreError::ObjectNotCopied {
                key: object.key.clone(),
                of: of(object),
            }),
            Some(copy) if copy != source => problems.push(MigrateStoreError::ObjectDiffers {
                key: object.key.clone(),
                of: of(object),
                target: copy.shown(),
                source_has: source.shown(),
            }),
            Some(_) => {}
        }
    }
    Ok(problems)
}

/// How many objects the source's store holds that the database does not name (parts never
/// recorded, files of uploads deleted while the server was down): left behind, as the
/// server would sweep them.
pub async fn unnamed_in_source(
    stores: &Stores,
    objects: &[EvidenceObject],
) -> Result<u64, MigrateStoreError> {
    let named: std::collections::HashSet<&str> = objects.iter().map(|o| o.key.as_str()).collect();
    let mut listed = stores.source.list(None);
    let mut unnamed = 0;
    while let Some(meta) = listed.next().await {
        let meta = match meta {
            Ok(meta) => meta,
            Err(object_store::Error::NotFound { .. }) => break,
            Err(e) => {
                return Err(MigrateStoreError::Evidence(format!(
                    "cannot list the source's store {}: {e}",
                    stores.source_location
                )));
            }
        };
        if !named.contains(meta.location.as_ref()) {
            unnamed += 1;
        }
    }
    Ok(unnamed)
}

#[cfg(test)]
mod tests {
    use object_store::local::LocalFileSystem;

    use super::super::progress::Mode;
    use super::*;

    fn store(dir: &std::path::Path) -> Arc<dyn ObjectStore> {
        Arc::new(LocalFileSystem::new_with_prefix(dir).expect("a local store"))
    }

    /// A file larger than [`WHOLE`] streams through in parts, a small one in one request;
    /// both arrive byte for byte, hashed on the way, and a second look finds them there.
    #[tokio::test]
    async fn large_and_small_files_arrive_byte_for_byte_and_hashed() {
        let (from, into) = (
            tempfile::tempdir().expect("dir"),
            tempfile::tempdir().expect("dir"),
        );
        let large: Vec<u8> = (0..(WHOLE as usize + 3 * 1024 * 1024 + 17))
            .map(|i| (i % 251) as u8)
            .collect();
        let small = b"a short part".to_vec();
        let id = "A".repeat(43);
        let objects = vec![
            EvidenceObject {
                key: id.clone(),
                length: large.len() as u64,
                sha256: Some(hex::encode(Sha256::digest(&large))),
                ticket_id: Some("HC-7F3K9Q".into()),
            },
            EvidenceObject {
                key: format!("partial/{}/00000000000000000000-x", "B".repeat(43)),
                length: small.len() as u64,
                sha256: None,
                ticket_id: None,
            },
        ];
        let stores = Stores {
            source: store(from.path()),
            source_location: from.path().display().to_string(),
            target: Some(store(into.path())),
        };
        for (object, bytes) in objects.iter().zip([&large, &small]) {
            stores
                .source
                .put(&path(object).expect("a path"), bytes.clone().into())
                .await
                .expect("put");
        }
        let target = stores.target.clone().expect("a target");
        let progress = Progress::new(Mode::Lines, Box::new(std::io::sink()));
        assert_eq!(
            present_in_target(&target, &objects).await.expect("head"),
            [false, false]
        );
        let read = copy_all(&stores, &target, &objects, &progress)
            .await
            .expect("copy");
        assert_eq!(
            read[&id],
            Some(Found {
                sha256: hex::encode(Sha256::digest(&large)),
                length: large.len() as u64
            })
        );
        assert_eq!(
            std::fs::read(into.path().join(&id)).expect("the copy"),
            large
        );
        assert_eq!(
            present_in_target(&target, &objects).await.expect("head"),
            [true, true]
        );
        let problems = verify_all(&stores, &objects, &HashMap::new(), &progress)
            .await
            .expect("verify");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(unnamed_in_source(&stores, &objects).await.expect("list"), 0);
    }
}
