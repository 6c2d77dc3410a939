//! Judging an upload: its type from its first bytes (before the rest is stored), and the whole
//! file once the last byte arrived, inspected, cleaned of what it must not carry and kept as
//! finished evidence. A refused upload is removed, row and bytes.

use super::progress::{accepted_types, max_image_pixels};
use crate::AppState;
use crate::store::uploads::UploadProgress;
use crate::uploads::blobs::parts::Assembly;
use crate::uploads::error::UploadError;
use crate::uploads::examine;
use crate::uploads::lease::UploadLease;
use helpcenter_core::{EvidenceFile, MediaType};
use jiff::Timestamp;

/// What finishing an upload came to.
pub(super) enum Finished {
    Done,
    /// A part was missing or short: the upload was cut back to its first `intact` bytes,
    /// which the client resumes from.
    Cut {
        intact: u64,
    },
}

/// Puts the parts together, inspects the whole file, keeps it as the finished evidence and
/// records the facts; the caller holds the upload's lease.
pub(super) async fn finish(
    state: &AppState,
    progress: &UploadProgress,
    lease: &UploadLease,
) -> Result<Finished, UploadError> {
    let id = &progress.id;
    let parts = state.store.upload_parts(id).await?;
    let assembled = match state.evidence.assemble(id, &parts).await? {
        Assembly::Whole(assembled) => assembled,
        Assembly::Short { intact } => {
            tracing::warn!(upload = %id, intact, "an upload's stored parts end early; the client sends the rest again");
            state
                .store
                .cut_upload_parts(id, lease.holder(), intact)
                .await?;
            return Ok(Finished::Cut { intact });
        }
    };
    if assembled.length != progress.length {
        return Err(UploadError::Io(std::io::Error::other(format!(
            "upload {id}: its parts hold {} bytes, {} expected",
            assembled.length, progress.length
        ))));
    }
    let accepted = accepted_types(state, progress);
    let max_pixels = max_image_pixels(state, progress);
    let examined = match examine::examine(assembled.path.clone(), accepted, max_pixels).await {
        Ok(examined) => examined,
        Err(
            refusal @ (UploadError::TypeNotAccepted
            | UploadError::ImageUnreadable(_)
            | UploadError::ImageTooManyPixels { .. }),
        ) => {
            return Err(remove_refused(state, id, refusal).await);
        }
        Err(e) => return Err(e),
    };
    let found = examined.found;
    let Some(media_type) = found.media_type else {
        return Err(remove_refused(state, id, UploadError::TypeNotAccepted).await);
    };
    let removed = examined.removed;
    let changed = removed != helpcenter_media::privacy::Removed::default();
    let (content_hash, copied) = state
        .evidence
        .store_assembled(id, assembled, changed)
        .await?;
    if copied != progress.length {
        return Err(UploadError::Io(std::io::Error::other(format!(
            "upload {id}: {copied} bytes kept, {} expected",
            progress.length
        ))));
    }
    let facts = EvidenceFile {
        name: progress.filename.clone(),
        bytes: progress.length,
        media_type: Some(media_type),
        width: found.width,
        height: found.height,
        duration_seconds: found.duration_seconds,
        content_hash,
        captured_on: found.captured_on,
    };
    let now = Timestamp::now();
    let waits_until = now + state.storage.unfiled_lifetime();
    state
        .store
        .complete_upload(id, &facts, removed.location, now, waits_until)
        .await?;
    state.evidence.remove_recorded_parts(id, &parts).await?;
    Ok(Finished::Done)
}

/// The type of the first bytes, if this upload may be of it; otherwise the upload is removed
/// (row and bytes) and the refusal returned.
pub(super) async fn judge(
    state: &AppState,
    id: &str,
    head: &[u8],
    accepted: &[MediaType],
) -> Result<MediaType, UploadError> {
    match MediaType::sniff(head).filter(|t| accepted.contains(t)) {
        Some(kind) => {
            state.store.record_upload_media_type(id, kind).await?;
            Ok(kind)
        }
        None => Err(remove_refused(state, id, UploadError::TypeNotAccepted).await),
    }
}

/// Removes a refused upload, row and bytes, and returns why it was refused.
async fn remove_refused(state: &AppState, id: &str, refusal: UploadError) -> UploadError {
    if let Err(e) = state.store.remove_unfinished_upload(id).await {
        return e.into();
    }
    if let Err(e) = state.evidence.delete(id).await {
        return e.into();
    }
    refusal
}
