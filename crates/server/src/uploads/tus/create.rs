//! `POST`: a new upload, made only once everything that can be checked before a byte is sent
//! was: its length against the site's (or outcome's) limit, its metadata, the site's and the
//! client's room for unfinished uploads.

use super::protocol::{
    UPLOAD_DEFER_LENGTH, UPLOAD_EXPIRES, UPLOAD_LENGTH, UPLOAD_METADATA, header_value, http_date,
    number_header,
};
use crate::AppState;
use crate::auth::new_secret;
use crate::client_ip::{self, ClientIp};
use crate::store::uploads::NewUpload;
use crate::uploads::error::UploadError;
use crate::uploads::metadata::{self, MetadataError};
use crate::uploads::quota;
use axum::extract::{Extension, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use helpcenter_api::ProblemDetails;
use helpcenter_api::tus;
use helpcenter_core::limits;
use jiff::{SignedDuration, Timestamp};

/// How long a client has to finish an upload; long enough to resume on tomorrow's Wi-Fi.
pub const UPLOAD_LIFETIME: SignedDuration = SignedDuration::from_hours(24);
/// The longest filename a client may give, in bytes.
const MAX_FILENAME_BYTES: usize = 1024;

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
