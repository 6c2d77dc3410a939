//! `HEAD`: where a client resumes from. An upload whose last bytes were recorded by a request
//! that was cut off before finishing it is finished here, so the client is not left waiting.

use super::finish::{Finished, finish};
use super::progress::{find, parts_end, take_lease};
use super::protocol::{
    UPLOAD_EXPIRES, UPLOAD_LENGTH, UPLOAD_METADATA, UPLOAD_OFFSET, header_value, http_date,
};
use crate::AppState;
use crate::routes::extract::PathParams;
use crate::uploads::error::UploadError;
use crate::uploads::metadata;
use axum::extract::State;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use helpcenter_api::tus;
use jiff::Timestamp;

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
