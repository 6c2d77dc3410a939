//! tus 1.0 handlers (core, creation, termination, expiration, checksum with sha1).
//!
//! The offset a client can resume from is what the database records, and it is recorded only
//! after the bytes up to it are stored as parts in the evidence store (synced, on a local
//! disk), in the same transaction as the parts themselves; a part stored but not recorded (a
//! crash between the two) is never counted. So a server killed mid-PATCH resumes from what
//! HEAD reports, on any instance sharing the database and the store, and the finished file is
//! byte-identical to what the client sent. One request works on an upload at a time, across
//! instances (`lease`): a second PATCH meanwhile gets 423.

use super::blobs::{Assembly, is_upload_id, part_name};
use super::error::UploadError;
use super::examine;
use super::lease::UploadLease;
use super::metadata::{self, MetadataError};
use super::quota;
use crate::AppState;
use crate::auth::new_secret;
use crate::client_ip::{self, ClientIp};
use crate::routes::extract::PathParams;
use crate::store::upload_parts::UploadPart;
use crate::store::uploads::{NewUpload, UploadProgress, UploadRemoval};
use axum::body::Body;
use axum::extract::{Extension, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures_util::StreamExt;
use helpcenter_api::ProblemDetails;
use helpcenter_api::tus;
use helpcenter_api::tus::OFFSET_STREAM;
use helpcenter_core::{EvidenceFile, MediaType, limits};
use helpcenter_media::SNIFF_BYTES;
use jiff::{SignedDuration, Timestamp};
use sha1::{Digest, Sha1};

pub const TUS_VERSION: &str = tus::VERSION;
pub const TUS_RESUMABLE: HeaderName = HeaderName::from_static(tus::TUS_RESUMABLE);
pub const TUS_VERSION_HEADER: HeaderName = HeaderName::from_static(tus::TUS_VERSION);
const TUS_EXTENSION: HeaderName = HeaderName::from_static(tus::TUS_EXTENSION);
const TUS_MAX_SIZE: HeaderName = HeaderName::from_static(tus::TUS_MAX_SIZE);
const TUS_CHECKSUM_ALGORITHM: HeaderName = HeaderName::from_static(tus::TUS_CHECKSUM_ALGORITHM);
const UPLOAD_LENGTH: HeaderName = HeaderName::from_static(tus::UPLOAD_LENGTH);
const UPLOAD_OFFSET: HeaderName = HeaderName::from_static(tus::UPLOAD_OFFSET);
const UPLOAD_METADATA: HeaderName = HeaderName::from_static(tus::UPLOAD_METADATA);
const UPLOAD_EXPIRES: HeaderName = HeaderName::from_static(tus::UPLOAD_EXPIRES);
const UPLOAD_DEFER_LENGTH: HeaderName = HeaderName::from_static(tus::UPLOAD_DEFER_LENGTH);
const UPLOAD_CHECKSUM: HeaderName = HeaderName::from_static(tus::UPLOAD_CHECKSUM);

const EXTENSIONS: &str = "creation,termination,expiration,checksum";

/// How long a client has to finish an upload; long enough to resume on tomorrow's Wi-Fi.
pub const UPLOAD_LIFETIME: SignedDuration = SignedDuration::from_hours(24);
/// Bytes held before they are stored as a part and the offset recorded: at most this much is
/// re-sent after a crash, and held in memory per PATCH. Each part is one PUT to the store.
const PART_BYTES: u64 = 4 * 1024 * 1024;
/// … and bytes held this long are stored as a part even if fewer.
const STORE_WITHIN: std::time::Duration = std::time::Duration::from_secs(1);
/// A PATCH that sends nothing for this long gives up its hold on the upload (uploads have no
/// overall request timeout: a large file on a slow phone may take many minutes).
const BODY_IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);
/// Bounds on what a client sends besides the bytes.
const MAX_FILENAME_BYTES: usize = 1024;
const MAX_CHECKSUM_HEADER_BYTES: usize = 128;
/// u64::MAX has 20 digits; lengths this server accepts have far fewer.
const MAX_NUMBER_DIGITS: usize = 19;

/// tus discovery is a plain `OPTIONS` request, which a CORS layer would take for a preflight
/// and answer itself: this middleware, outside the CORS layer, answers it first. A real
/// preflight (with `Access-Control-Request-Method`) still goes to CORS.
pub async fn answer_discovery(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let is_discovery = request.method() == Method::OPTIONS
        && !request
            .headers()
            .contains_key(axum::http::header::ACCESS_CONTROL_REQUEST_METHOD)
        && request.uri().path().starts_with("/v1/uploads");
    if !is_discovery {
        return next.run(request).await;
    }
    let mut response = options(State(state)).await;
    response
        .headers_mut()
        .insert(TUS_RESUMABLE, HeaderValue::from_static(TUS_VERSION));
    response
}

/// Every request but OPTIONS names the protocol version it speaks (412 otherwise).
pub async fn require_tus_resumable(request: Request, next: Next) -> Response {
    let speaks_tus = request
        .headers()
        .get(&TUS_RESUMABLE)
        .is_some_and(|v| v.as_bytes() == TUS_VERSION.as_bytes());
    if request.method() != Method::OPTIONS && !speaks_tus {
        return UploadError::TusVersion.into_response();
    }
    next.run(request).await
}

/// `OPTIONS`: what this server speaks, and the largest file any site accepts.
#[utoipa::path(
    options,
    path = "/v1/uploads",
    operation_id = "tus_discover",
    tag = "uploads",
    responses(
        (status = 204, description = "What this server speaks.",
            headers(
                ("Tus-Version" = String, description = "`1.0.0`"),
                ("Tus-Extension" = String, description = "`creation,termination,expiration,checksum`"),
                ("Tus-Checksum-Algorithm" = String, description = "`sha1`"),
                ("Tus-Max-Size" = u64, description = "The largest file any site accepts, in bytes."),
                ("Tus-Resumable" = String, description = "`1.0.0`"),
            )
        ),
        crate::openapi::responses::TusRateLimited,
    ),
)]
pub async fn options(State(state): State<AppState>) -> Response {
    let max = state
        .sites
        .iter()
        .map(|site| site.policy.upload_max_file_bytes(None))
        .max();
    let mut headers = HeaderMap::new();
    headers.insert(TUS_VERSION_HEADER, HeaderValue::from_static(TUS_VERSION));
    headers.insert(TUS_EXTENSION, HeaderValue::from_static(EXTENSIONS));
    headers.insert(TUS_CHECKSUM_ALGORITHM, HeaderValue::from_static("sha1"));
    if let Some(max) = max {
        headers.insert(TUS_MAX_SIZE, HeaderValue::from(max));
    }
    (StatusCode::NO_CONTENT, headers).into_response()
}

/// `OPTIONS` on an upload's address: the same discovery as on `/v1/uploads`.
#[utoipa::path(
    options,
    path = "/v1/uploads/{id}",
    operation_id = "tus_discover_upload",
    tag = "uploads",
    params(
        ("id" = String, Path, description = "The upload id (the last segment of `Location`)."),
    ),
    responses(
        (status = 204, description = "What this server speaks.",
            headers(
                ("Tus-Version" = String, description = "`1.0.0`"),
                ("Tus-Extension" = String, description = "`creation,termination,expiration,checksum`"),
                ("Tus-Checksum-Algorithm" = String, description = "`sha1`"),
                ("Tus-Max-Size" = u64, description = "The largest file any site accepts, in bytes."),
                ("Tus-Resumable" = String, description = "`1.0.0`"),
            )
        ),
        crate::openapi::responses::TusRateLimited,
    ),
)]
pub async fn options_upload(state: State<AppState>) -> Response {
    options(state).await
}

/// `POST`: checks everything that can be checked before a byte is sent, then makes the upload.
#[utoipa::path(
    post,
    path = "/v1/uploads",
    operation_id = "tus_create_upload",
    tag = "uploads",
    params(
        ("Tus-Resumable" = inline(crate::openapi::TusResumable), Header, description = "`1.0.0`. Without it, or with another version, the answer is 412."),
        ("Upload-Length" = u64, Header, description = "The file's size in bytes (1 or more). `Upload-Defer-Length` is not supported (400)."),
        ("Upload-Metadata" = String, Header, description = "tus metadata: comma-separated `key base64(value)` pairs. Needs `site` (the site's key) and `filename`; `outcome` (an outcome id of the site's policy) applies that outcome's size and type limits instead of the largest of the site's. `location_removed` (`true` or `false`): the client took the photo's location out before sending it (the widget does, on the shopper's device), so the ticket says \"location removed\" of a file that arrives without one."),
    ),
    responses(
        (status = 201, description = "Created; send the bytes with PATCH to `Location`.",
            headers(
                ("Location" = String, description = "The upload's URL, `/v1/uploads/{id}`; its last segment is the upload id a ticket names."),
                ("Upload-Expires" = String, description = "When the unfinished upload is deleted (HTTP date)."),
                ("Tus-Resumable" = String, description = "`1.0.0`"),
            )
        ),
        (status = 400, description = "`upload.length_missing`, `upload.length_invalid`, `upload.defer_length_unsupported`, `upload.metadata_missing`, `upload.metadata_invalid`, `upload.site_missing`, `upload.filename_missing`, `upload.outcome_not_found`, `file.empty`.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "`site.not_found`.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 412, description = "`upload.tus_version`: no `Tus-Resumable: 1.0.0` (the answer carries `Tus-Version`).", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "`file.too_large`: larger than the site (or outcome) accepts; nothing was stored.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: too many requests, `Retry-After` says when to come back; `upload.too_many_open`: this client holds too many uploads no request holds yet (`[server.storage] open_uploads_per_client`).", body = ProblemDetails, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait before trying again (`rate_limited` only)."))),
        (status = 507, description = "`storage.quota_exceeded`: the site's room for files no request holds yet is full; `storage.full`: the server's disk is (nearly) full. Nothing was stored; retry later.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::TusInternal,
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    client: Option<Extension<ClientIp>>,
    headers: HeaderMap,
) -> Result<Response, UploadError> {
    if headers.contains_key(&UPLOAD_DEFER_LENGTH) {
        return Err(UploadError::DeferLength);
    }
    let length = number_header(&headers, &UPLOAD_LENGTH)
        .map_err(|_| UploadError::LengthInvalid)?
        .ok_or(UploadError::LengthMissing)?;
    let text = headers
        .get(&UPLOAD_METADATA)
        .ok_or(UploadError::MetadataMissing)?
        .to_str()
        .map_err(|_| MetadataError::NotAscii)?;
    let pairs = metadata::parse(text)?;
    let site_key = metadata::text(&pairs, tus::metadata::SITE, limits::MAX_SITE_KEY_BYTES)?
        .ok_or(UploadError::SiteMissing)?;
    let filename = metadata::text(&pairs, tus::metadata::FILENAME, MAX_FILENAME_BYTES)?
        .ok_or(UploadError::FilenameMissing)?;
    let outcome_id = metadata::text(&pairs, tus::metadata::OUTCOME, limits::MAX_POLICY_ID_LEN)?;
    let location_removed = metadata::flag(&pairs, tus::metadata::LOCATION_REMOVED)?;
    let site = state
        .sites
        .get(&site_key)
        .ok_or_else(|| UploadError::SiteNotFound(site_key.clone()))?;
    let outcome = match &outcome_id {
        None => None,
        Some(id) => Some(
            site.policy
                .outcome(id)
                .ok_or_else(|| UploadError::OutcomeNotFound(id.clone()))?,
        ),
    };
    if length == 0 {
        return Err(UploadError::FileEmpty);
    }
    let limit = site.policy.upload_max_file_bytes(outcome);
    if length > limit {
        return Err(UploadError::FileTooLarge { limit });
    }
    let client = client.map(|Extension(ClientIp(ip))| client_ip::bucket(ip).to_string());
    let store = &state.store;
    quota::admit(
        &state.storage,
        store,
        &state.data_dir,
        &site.key,
        client.as_deref(),
        length,
    )
    .await?;
    let id = new_secret();
    let now = Timestamp::now();
    let expires_at = now + UPLOAD_LIFETIME;
    let filename = metadata::sanitize_filename(&filename);
    state
        .store
        .insert_upload(&NewUpload {
            id: &id,
            site: &site.key,
            outcome: outcome.map(|o| o.id.as_str()),
            filename: &filename,
            length,
            client: client.as_deref(),
            created_at: now,
            expires_at,
            location_removed,
        })
        .await?;
    let mut headers = HeaderMap::new();
    headers.insert(LOCATION, header_value(&format!("/v1/uploads/{id}"))?);
    headers.insert(UPLOAD_EXPIRES, header_value(&http_date(expires_at))?);
    Ok((StatusCode::CREATED, headers).into_response())
}

/// `HEAD`: where to resume from.
#[utoipa::path(
    head,
    path = "/v1/uploads/{id}",
    operation_id = "tus_upload_offset",
    tag = "uploads",
    params(
        ("id" = String, Path, description = "The upload id (the last segment of `Location`)."),
        ("Tus-Resumable" = inline(crate::openapi::TusResumable), Header, description = "`1.0.0`. Without it, or with another version, the answer is 412."),
    ),
    responses(
        (status = 200, description = "The upload's progress.",
            headers(
                ("Upload-Offset" = u64, description = "Bytes stored so far; resume from here."),
                ("Upload-Length" = u64, description = "The file's size in bytes."),
                ("Upload-Metadata" = String, description = "`filename`, `site` and `outcome` (if given), base64-encoded."),
                ("Upload-Expires" = String, description = "When the unfinished upload is deleted (HTTP date); absent once finished."),
                ("Cache-Control" = String, description = "`no-store`"),
                ("Tus-Resumable" = String, description = "`1.0.0`"),
            )
        ),
        (status = 404, description = "`upload.not_found`."),
        (status = 410, description = "`upload.expired`: it was not finished in time."),
        (status = 412, description = "`upload.tus_version`."),
        (status = 429, description = "`rate_limited`.",
            headers(("Retry-After" = u64, description = "Seconds to wait before trying again."))),
        (status = 500, description = "`internal`."),
    ),
)]
pub async fn head(
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
) -> Result<Response, UploadError> {
    let progress = find(&state, &id).await?;
    let mut offset = progress.length;
    if !progress.completed {
        if progress.expires_at <= Timestamp::now() {
            return Err(UploadError::Expired);
        }
        let parts = state.store.upload_parts(&id).await?;
        offset = parts_end(&parts).min(progress.received);
        // Killed after the last byte was recorded but before the upload was finished: finish
        // it now, or a client that sees a full offset would never send another request.
        if offset == progress.length
            && let Some(lease) = take_lease(&state, &id).await?
        {
            // Its own task, as PATCH's work: a client that goes away must not cut it short.
            let state = state.clone();
            let id = id.clone();
            offset = tokio::spawn(async move {
                let finished = async {
                    let progress = find(&state, &id).await?;
                    if progress.completed {
                        return Ok(progress.length);
                    }
                    match finish(&state, &progress, &lease).await? {
                        Finished::Done => Ok(progress.length),
                        Finished::Cut { intact } => Ok::<u64, UploadError>(intact),
                    }
                }
                .await;
                lease.release().await;
                finished
            })
            .await??;
        }
    }
    let mut headers = HeaderMap::new();
    headers.insert(UPLOAD_OFFSET, HeaderValue::from(offset));
    headers.insert(UPLOAD_LENGTH, HeaderValue::from(progress.length));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let mut pairs = vec![
        (tus::metadata::FILENAME, progress.filename.as_str()),
        (tus::metadata::SITE, progress.site.as_str()),
    ];
    if let Some(outcome) = &progress.outcome {
        pairs.push((tus::metadata::OUTCOME, outcome));
    }
    headers.insert(UPLOAD_METADATA, header_value(&metadata::encode(pairs))?);
    if !progress.completed {
        headers.insert(
            UPLOAD_EXPIRES,
            header_value(&http_date(progress.expires_at))?,
        );
    }
    Ok((StatusCode::OK, headers).into_response())
}

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

/// `DELETE` (termination): removes an upload that no ticket holds, bytes and all.
#[utoipa::path(
    delete,
    path = "/v1/uploads/{id}",
    operation_id = "tus_delete_upload",
    tag = "uploads",
    params(
        ("id" = String, Path, description = "The upload id (the last segment of `Location`)."),
        ("Tus-Resumable" = inline(crate::openapi::TusResumable), Header, description = "`1.0.0`. Without it, or with another version, the answer is 412."),
    ),
    responses(
        (status = 204, description = "Deleted.",
            headers(("Tus-Resumable" = String, description = "`1.0.0`"))),
        crate::openapi::responses::UploadNotFound,
        (status = 409, description = "`upload.attached`: it belongs to a ticket now and stays with it.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::TusVersion,
        (status = 423, description = "`upload.busy`: a request is writing it; retry shortly.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::TusRateLimited,
        crate::openapi::responses::TusInternal,
    ),
)]
pub async fn terminate(
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
) -> Result<Response, UploadError> {
    if !is_upload_id(&id) {
        return Err(UploadError::NotFound);
    }
    let Some(lease) = take_lease(&state, &id).await? else {
        find(&state, &id).await?;
        return Err(UploadError::Busy);
    };
    let answer = match state.store.remove_upload(&id).await {
        Ok(UploadRemoval::Removed) => match state.evidence.delete(&id).await {
            Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
            Err(e) => Err(e.into()),
        },
        Ok(UploadRemoval::Attached) => Err(UploadError::Attached),
        Ok(UploadRemoval::Missing) => Err(UploadError::NotFound),
        Err(e) => Err(e.into()),
    };
    lease.release().await;
    answer
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

    let mut writer = PartWriter {
        state,
        id: &id,
        lease,
        buffer: Vec::new(),
        buffered: 0,
        held_since: None,
        written: received,
        recorded: received,
        unrecorded: Vec::new(),
        record_each: checksum.is_none(),
    };
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
        && outcome.is_ok()
    {
        outcome = Err(e);
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

/// A PATCH's bytes on their way into the store: held until a part's worth arrived, then
/// stored as a part and (without a checksum to verify first) recorded with the offset.
struct PartWriter<'a> {
    state: &'a AppState,
    id: &'a str,
    lease: &'a UploadLease,
    buffer: Vec<bytes::Bytes>,
    buffered: u64,
    /// When the oldest byte held arrived.
    held_since: Option<tokio::time::Instant>,
    /// Bytes stored, recorded or not.
    written: u64,
    /// The offset as recorded.
    recorded: u64,
    /// Parts stored but not yet recorded: a body with a checksum is recorded whole or not
    /// at all.
    unrecorded: Vec<UploadPart>,
    record_each: bool,
}

impl PartWriter<'_> {
    fn push(&mut self, chunk: bytes::Bytes) {
        if self.buffer.is_empty() {
            self.held_since = Some(tokio::time::Instant::now());
        }
        self.buffered += chunk.len() as u64;
        self.buffer.push(chunk);
    }

    /// Stores the held bytes as a part, and records it unless a checksum is pending.
    async fn flush(&mut self) -> Result<(), UploadError> {
        if self.buffered == 0 {
            return Ok(());
        }
        let part = UploadPart {
            first_byte: self.written,
            length: self.buffered,
            name: part_name(self.written),
        };
        let chunks = std::mem::take(&mut self.buffer);
        self.buffered = 0;
        self.held_since = None;
        self.state
            .evidence
            .put_part(self.id, &part.name, chunks)
            .await?;
        self.written += part.length;
        self.unrecorded.push(part);
        if self.record_each {
            self.record().await?;
        }
        Ok(())
    }

    /// Records the stored parts and moves the offset to their end, if this request still
    /// holds the upload; otherwise deletes them (they were never counted).
    async fn record(&mut self) -> Result<(), UploadError> {
        if self.unrecorded.is_empty() {
            return Ok(());
        }
        let recorded = self
            .state
            .store
            .record_upload_parts(
                self.id,
                self.lease.holder(),
                self.recorded,
                &self.unrecorded,
                self.lease.until(),
            )
            .await;
        match recorded {
            Ok(true) => {
                self.recorded = self.written;
                self.unrecorded.clear();
                Ok(())
            }
            Ok(false) => {
                self.discard().await?;
                // Gone (removed, expired) or taken by another request after this one's
                // lease lapsed.
                find(self.state, self.id).await?;
                Err(UploadError::Busy)
            }
            Err(e) => {
                self.discard().await?;
                Err(e.into())
            }
        }
    }

    /// Deletes the parts stored but not recorded: the offset stays where it was recorded.
    async fn discard(&mut self) -> Result<(), UploadError> {
        let names: Vec<String> = self.unrecorded.drain(..).map(|p| p.name).collect();
        self.written = self.recorded;
        self.state
            .evidence
            .delete_parts(self.id, names.iter().map(String::as_str))
            .await?;
        Ok(())
    }
}

/// What finishing an upload came to.
enum Finished {
    Done,
    /// A part was missing or short: the upload was cut back to its first `intact` bytes,
    /// which the client resumes from.
    Cut {
        intact: u64,
    },
}

/// Puts the parts together, inspects the whole file, keeps it as the finished evidence and
/// records the facts; the caller holds the upload's lease.
async fn finish(
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
    state.evidence.remove_parts(id).await?;
    Ok(Finished::Done)
}

/// Takes the upload for this request (see [`UploadLease`]); `None` while another holds it.
async fn take_lease(state: &AppState, id: &str) -> Result<Option<UploadLease>, UploadError> {
    Ok(UploadLease::take(
        &state.store,
        state.evidence.instance(),
        id,
        state.storage.upload_lease(),
    )
    .await?)
}

/// Waits until `at`, or forever without one.
async fn sleep_until_some(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Where the recorded parts end: the bytes stored so far.
fn parts_end(parts: &[UploadPart]) -> u64 {
    parts.last().map_or(0, |p| p.first_byte + p.length)
}

/// The type of the first bytes, if this upload may be of it; otherwise the upload is removed
/// (row and bytes) and the refusal returned.
async fn judge(
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

async fn find(state: &AppState, id: &str) -> Result<UploadProgress, UploadError> {
    if !is_upload_id(id) {
        return Err(UploadError::NotFound);
    }
    state
        .store
        .upload_progress(id)
        .await?
        .ok_or(UploadError::NotFound)
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

/// The most pixels a photo of this upload may have, by its site's policy.
fn max_image_pixels(state: &AppState, progress: &UploadProgress) -> u64 {
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
fn accepted_types(state: &AppState, progress: &UploadProgress) -> Vec<MediaType> {
    let Some(site) = state.sites.get(&progress.site) else {
        return MediaType::ALL.to_vec();
    };
    let outcome = progress
        .outcome
        .as_deref()
        .and_then(|id| site.policy.outcome(id));
    site.policy.upload_accepted_types(outcome)
}

struct BadNumber;

/// A non-negative decimal header; absent is `Ok(None)`.
fn number_header(headers: &HeaderMap, name: &HeaderName) -> Result<Option<u64>, BadNumber> {
    let Some(value) = headers.get(name) else {
        return Ok(None);
    };
    let digits = value.as_bytes();
    if digits.is_empty()
        || digits.len() > MAX_NUMBER_DIGITS
        || !digits.iter().all(u8::is_ascii_digit)
    {
        return Err(BadNumber);
    }
    std::str::from_utf8(digits)
        .ok()
        .and_then(|text| text.parse().ok())
        .map(Some)
        .ok_or(BadNumber)
}

/// `Upload-Checksum: sha1 <base64 digest>`.
fn checksum_header(headers: &HeaderMap) -> Result<Option<[u8; 20]>, UploadError> {
    let Some(value) = headers.get(&UPLOAD_CHECKSUM) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .ok()
        .filter(|t| t.len() <= MAX_CHECKSUM_HEADER_BYTES)
        .ok_or(UploadError::ChecksumInvalid)?;
    let (algorithm, digest) = text
        .trim()
        .split_once(' ')
        .ok_or(UploadError::ChecksumInvalid)?;
    if !algorithm.eq_ignore_ascii_case("sha1") {
        return Err(UploadError::ChecksumAlgorithm);
    }
    let digest = STANDARD
        .decode(digest.trim())
        .map_err(|_| UploadError::ChecksumInvalid)?;
    <[u8; 20]>::try_from(digest.as_slice())
        .map(Some)
        .map_err(|_| UploadError::ChecksumInvalid)
}

fn header_value(text: &str) -> Result<HeaderValue, UploadError> {
    HeaderValue::from_str(text).map_err(|e| UploadError::Io(std::io::Error::other(e)))
}

/// RFC 7231 IMF-fixdate, as `Upload-Expires` is written.
pub fn http_date(at: Timestamp) -> String {
    at.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_expires_is_an_http_date() {
        let at: Timestamp = "1994-11-06T08:49:37Z".parse().expect("ts");
        assert_eq!(http_date(at), "Sun, 06 Nov 1994 08:49:37 GMT");
    }

    #[test]
    fn numbers_and_checksums_are_strict() {
        let mut headers = HeaderMap::new();
        assert!(matches!(number_header(&headers, &UPLOAD_LENGTH), Ok(None)));
        for (text, ok) in [
            ("0", Some(0)),
            ("1048576", Some(1_048_576)),
            ("-1", None),
            ("+5", None),
            ("1e6", None),
            (" 5", None),
            ("99999999999999999999", None),
        ] {
            headers.insert(UPLOAD_LENGTH, HeaderValue::from_static(text));
            assert_eq!(
                number_header(&headers, &UPLOAD_LENGTH).ok().flatten(),
                ok,
                "{text}"
            );
        }
        let sha1_of_abc = "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=";
        headers.insert(
            UPLOAD_CHECKSUM,
            header_value(&format!("sha1 {sha1_of_abc}")).expect("value"),
        );
        let digest = checksum_header(&headers).expect("valid").expect("present");
        assert_eq!(digest[..], Sha1::digest(b"abc")[..]);
        headers.insert(UPLOAD_CHECKSUM, HeaderValue::from_static("md5 AAAA"));
        assert!(matches!(
            checksum_header(&headers),
            Err(UploadError::ChecksumAlgorithm)
        ));
        headers.insert(UPLOAD_CHECKSUM, HeaderValue::from_static("sha1 AAAA"));
        assert!(matches!(
            checksum_header(&headers),
            Err(UploadError::ChecksumInvalid)
        ));
    }
}
