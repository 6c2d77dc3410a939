//! `DELETE` (termination): a shopper's upload removed before it joins a ticket.

use super::progress::{find, take_lease};
use crate::AppState;
use crate::routes::extract::PathParams;
use crate::store::uploads::UploadRemoval;
use crate::uploads::blobs::is_upload_id;
use crate::uploads::error::UploadError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use helpcenter_api::ProblemDetails;

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
