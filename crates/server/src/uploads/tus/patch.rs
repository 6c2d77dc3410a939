//! `PATCH`: a request's body read into the upload at its offset. The body is read in its own
//! task, under the upload's lease, with deadlines for a client that goes quiet and for the
//! upload's own expiry; the type is judged from the first bytes before any byte past them is
//! stored; with `Upload-Checksum`, the body is kept whole or not at all.

use super::finish::{Finished, finish, judge};
use super::parts::PartWriter;
use super::progress::{accepted_types, find, parts_end, take_lease};
use super::protocol::{UPLOAD_EXPIRES, UPLOAD_OFFSET, checksum_header, http_date, number_header};
use crate::AppState;
use crate::routes::extract::PathParams;
use crate::uploads::blobs::is_upload_id;
use crate::uploads::error::UploadError;
use crate::uploads::lease::UploadLease;
use axum::body::Body;
use axum::extract::State;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use helpcenter_api::ProblemDetails;
use helpcenter_api::tus::OFFSET_STREAM;
use helpcenter_media::SNIFF_BYTES;
use jiff::Timestamp;
use sha1::{Digest, Sha1};

/// Bytes held before they are stored as a part and the offset recorded: at most this much is
/// re-sent after a crash, and held in memory per PATCH. Each part is one PUT to the store.
const PART_BYTES: u64 = 4 * 1024 * 1024;
/// … and bytes held this long are stored as a part even if fewer.
const STORE_WITHIN: std::time::Duration = std::time::Duration::from_secs(1);
/// A PATCH that sends nothing for this long gives up its hold on the upload (uploads have no
/// overall request timeout: a large file on a slow phone may take many minutes).
const BODY_IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// `PATCH`: appends the body at `Upload-Offset`.
#[utoipa::path(
    patch,
    path = "/v1/uploads/{id}",
    operation_id = "tus_send_bytes",
    tag = "uploads",
    params(
        ("id" = String, Path, description = "The upload id (the last segment of `Location`)."),
        ("Tus-Resumable" = inline(crate::openapi::TusResumable), Header, description = "`1.0.0`. Without it, or with another version, the answer is 412."),
        ("Upload-Offset" = u64, Header, description = "Where these bytes go: the offset HEAD reports."),
        ("Upload-Checksum" = Option<String>, Header, nullable = false, pattern = "^sha1 [A-Za-z0-9+/]{27}=$", description = "`sha1 <base64 digest>` of this request's bytes; on a mismatch nothing of them is kept (460)."),
    ),
    request_body(content = String, content_type = "application/offset+octet-stream", description = "The next bytes of the file (required: tus takes no PATCH without them)."),
    responses(
        (status = 204, description = "Stored; the upload is finished when `Upload-Offset` equals its length.",
            headers(
                ("Upload-Offset" = u64, description = "Bytes stored so far."),
                ("Upload-Expires" = String, description = "When the unfinished upload is deleted (HTTP date); absent once finished."),
                ("Tus-Resumable" = String, description = "`1.0.0`"),
            )
        ),
        (status = 400, description = "`upload.offset_invalid`, `upload.checksum_algorithm`, `upload.checksum_invalid`, `upload.body_interrupted`.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::UploadNotFound,
        (status = 408, description = "`upload.body_stalled`: nothing arrived for a minute; resume from the offset HEAD reports.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "`upload.offset_mismatch`: `Upload-Offset` is not where the upload stands.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 410, description = "`upload.expired`: the upload expired, before this PATCH or while it was still sending (it is cut then; what arrived is kept until the upload is swept).", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::TusVersion,
        (status = 413, description = "`upload.exceeds_length`: more bytes than `Upload-Length` leaves room for.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "`upload.content_type`: the body is not `application/offset+octet-stream`; `file.type_not_accepted`: the bytes are not an accepted photo or video type (the upload is removed).", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "The last bytes arrived and the photo was examined: `file.image_too_many_pixels`: its header claims more pixels than the site (or outcome) accepts (`max_image_pixels`), so it was never decoded; `file.image_unreadable`: it does not decode (cut short, corrupt, or not the picture its header describes). The upload is removed either way. A photo that is kept has had its GPS position and device serial numbers removed.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 423, description = "`upload.busy`: another request is writing this upload; retry shortly.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::TusRateLimited,
        (status = 460, description = "`upload.checksum_mismatch`: the bytes do not match `Upload-Checksum`; none of them was kept.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::TusInternal,
        crate::openapi::responses::StorageFull,
    ),
)]
pub async fn patch(
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, UploadError> {
    let is_offset_stream = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(OFFSET_STREAM));
    if !is_offset_stream {
        return Err(UploadError::ContentType);
    }
    let offset = number_header(&headers, &UPLOAD_OFFSET)
        .ok()
        .flatten()
        .ok_or(UploadError::OffsetInvalid)?;
    let checksum = checksum_header(&headers)?;
    let declared = number_header(&headers, &CONTENT_LENGTH).ok().flatten();
    if !is_upload_id(&id) {
        return Err(UploadError::NotFound);
    }
    // Its own task: a client that goes away mid-body must not cancel the bookkeeping of the
    // bytes that did arrive.
    let request = Patch {
        id,
        offset,
        declared,
        checksum,
    };
    tokio::spawn(receive(state, request, body)).await?
}

struct Patch {
    id: String,
    offset: u64,
    declared: Option<u64>,
    checksum: Option<[u8; 20]>,
}

async fn receive(state: AppState, request: Patch, body: Body) -> Result<Response, UploadError> {
    let Some(lease) = take_lease(&state, &request.id).await? else {
        find(&state, &request.id).await?;
        return Err(UploadError::Busy);
    };
    let answer = receive_held(&state, request, body, &lease).await;
    lease.release().await;
    answer
}

/// [`receive`] once the request holds the upload.
async fn receive_held(
    state: &AppState,
    request: Patch,
    body: Body,
    lease: &UploadLease,
) -> Result<Response, UploadError> {
    let Patch {
        id,
        offset,
        declared,
        checksum,
    } = request;
    let progress = find(state, &id).await?;
    if progress.completed {
        // A retry of the request that finished it.
        return if offset == progress.length {
            Ok(patched(progress.length, None))
        } else {
            Err(UploadError::OffsetMismatch {
                current: progress.length,
            })
        };
    }
    if progress.expires_at <= Timestamp::now() {
        return Err(UploadError::Expired);
    }
    let length = progress.length;
    let parts = state.store.upload_parts(&id).await?;
    let received = parts_end(&parts).min(progress.received);
    if received < progress.received {
        // Bytes recorded before parts were kept in the store (an upload begun before an
        // upgrade): the client sends them again from here.
        state
            .store
            .cut_upload_parts(&id, lease.holder(), received)
            .await?;
    }
    if offset != received {
        return Err(UploadError::OffsetMismatch { current: received });
    }
    if received == length {
        return match finish(state, &progress, lease).await? {
            Finished::Done => Ok(patched(length, None)),
            Finished::Cut { intact } => Err(UploadError::OffsetMismatch { current: intact }),
        };
    }
    if declared.is_some_and(|n| offset.checked_add(n).is_none_or(|end| end > length)) {
        return Err(UploadError::ExceedsLength);
    }

    // The type is judged from the first bytes before any byte past them is stored. A recorded
    // type counts only while those bytes are stored (a checksum failure or crash may have cut
    // them off again).
    let accepted = accepted_types(state, &progress);
    let sniff_len = SNIFF_BYTES.min(usize::try_from(length).unwrap_or(SNIFF_BYTES));
    let mut sniffed = progress.media_type.filter(|_| received >= sniff_len as u64);
    let mut head = Vec::new();
    if sniffed.is_none() && received > 0 {
        head = state.evidence.read_head(&id, &parts, sniff_len).await?;
        if head.len() >= sniff_len {
            sniffed = Some(judge(state, &id, &head, &accepted).await?);
        }
    }

    let mut writer = PartWriter::new(state, &id, lease, received, checksum.is_none());
    let mut digest = checksum.map(|_| Sha1::new());
    let mut stream = body.into_data_stream();
    // A PATCH that outlives its upload is cut when the upload expires: a trickle of bytes
    // under the idle timeout must not hold the upload (and its lease) past its lifetime.
    let expires_in =
        std::time::Duration::try_from(progress.expires_at - Timestamp::now()).unwrap_or_default();
    let deadline = tokio::time::Instant::now() + expires_in;
    let mut outcome: Result<(), UploadError> = loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let store_by = writer.held_since.map(|since| since + STORE_WITHIN);
        let next = tokio::select! {
            biased;
            () = lease.lost().cancelled() => break Err(UploadError::Busy),
            // Bytes held this long are stored even if no more arrive (a phone that went
            // quiet mid-body): what a crash can lose is bounded in time as well as in bytes.
            () = sleep_until_some(store_by), if sniffed.is_some() => {
                if let Err(e) = writer.flush().await {
                    break Err(e);
                }
                continue;
            }
            next = tokio::time::timeout(BODY_IDLE_TIMEOUT.min(left), stream.next()) => next,
        };
        let chunk = match next {
            Err(_) if left < BODY_IDLE_TIMEOUT => break Err(UploadError::Expired),
            Err(_) => break Err(UploadError::BodyStalled),
            Ok(None) => break Ok(()),
            Ok(Some(Ok(chunk))) => chunk,
            Ok(Some(Err(_))) => break Err(UploadError::BodyInterrupted),
        };
        if chunk.is_empty() {
            continue;
        }
        if writer.written + writer.buffered + chunk.len() as u64 > length {
            break Err(UploadError::ExceedsLength);
        }
        if let Some(digest) = digest.as_mut() {
            digest.update(&chunk);
        }
        if sniffed.is_none() {
            let take = (sniff_len - head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..take]);
            writer.push(chunk);
            if head.len() < sniff_len {
                continue;
            }
            // `judge` removes a refused upload, row and stored bytes; the bytes held here
            // were never stored.
            sniffed = Some(judge(state, &id, &head, &accepted).await?);
        } else {
            writer.push(chunk);
        }
        if writer.buffered >= PART_BYTES
            && let Err(e) = writer.flush().await
        {
            break Err(e);
        }
    };
    // Whatever arrived is kept, also when the body ended early (a body that ended before the
    // type could be judged keeps its few bytes: the next request completes the head).
    if writer.buffered > 0
        && !matches!(outcome, Err(UploadError::Busy))
        && let Err(e) = writer.flush().await
    {
        if outcome.is_ok() {
            outcome = Err(e);
        } else {
            tracing::warn!(upload = %id, error = %e, "could not keep what arrived of an interrupted body");
        }
    }
    if let (Some(expected), Some(digest)) = (checksum, digest) {
        let matches = outcome.is_ok() && digest.finalize()[..] == expected[..];
        if !matches {
            writer.discard().await?;
            outcome?;
            return Err(UploadError::ChecksumMismatch);
        }
        writer.record().await?;
    }
    outcome?;
    let written = writer.written;
    if written == length {
        return match finish(state, &progress, lease).await? {
            Finished::Done => Ok(patched(length, None)),
            Finished::Cut { intact } => Err(UploadError::OffsetMismatch { current: intact }),
        };
    }
    Ok(patched(written, Some(progress.expires_at)))
}

/// Waits until `at`, or forever without one.
async fn sleep_until_some(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

fn patched(offset: u64, expires: Option<Timestamp>) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(UPLOAD_OFFSET, HeaderValue::from(offset));
    if let Some(expires) = expires
        && let Ok(value) = HeaderValue::from_str(&http_date(expires))
    {
        headers.insert(UPLOAD_EXPIRES, value);
    }
    (StatusCode::NO_CONTENT, headers).into_response()
}
