//! Where an upload stands and who may move it: its recorded progress, where its stored parts
//! end, the lease one request takes before touching its bytes, and what its site's policy lets
//! it be.

use crate::AppState;
use crate::store::upload_parts::UploadPart;
use crate::store::uploads::UploadProgress;
use crate::uploads::blobs::is_upload_id;
use crate::uploads::error::UploadError;
use crate::uploads::lease::UploadLease;
use helpcenter_core::MediaType;

/// Takes the upload for this request (see [`UploadLease`]); `None` while another holds it.
pub(super) async fn take_lease(
    state: &AppState,
    id: &str,
) -> Result<Option<UploadLease>, UploadError> {
    Ok(UploadLease::take(
        &state.store,
        state.evidence.instance(),
        id,
        state.storage.upload_lease(),
    )
    .await?)
}

/// Where the recorded parts end: the bytes stored so far.
pub(super) fn parts_end(parts: &[UploadPart]) -> u64 {
    parts.last().map_or(0, |p| p.first_byte + p.length)
}

pub(super) async fn find(state: &AppState, id: &str) -> Result<UploadProgress, UploadError> {
    if !is_upload_id(id) {
        return Err(UploadError::NotFound);
    }
    state
        .store
        .upload_progress(id)
        .await?
        .ok_or(UploadError::NotFound)
}

/// The most pixels a photo of this upload may have, by its site's policy.
pub(super) fn max_image_pixels(state: &AppState, progress: &UploadProgress) -> u64 {
    let Some(site) = state.sites.get(&progress.site) else {
        return helpcenter_core::limits::MAX_IMAGE_PIXELS;
    };
    let outcome = progress
        .outcome
        .as_deref()
        .and_then(|id| site.policy.outcome(id));
    site.policy.upload_max_image_pixels(outcome)
}

/// The types an upload may have, by its site's policy: its outcome's, else any outcome's.
pub(super) fn accepted_types(state: &AppState, progress: &UploadProgress) -> Vec<MediaType> {
    let Some(site) = state.sites.get(&progress.site) else {
        return MediaType::ALL.to_vec();
    };
    let outcome = progress
        .outcome
        .as_deref()
        .and_then(|id| site.policy.outcome(id));
    site.policy.upload_accepted_types(outcome)
}
