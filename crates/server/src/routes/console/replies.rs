//! The site's saved replies: every agent reads them, owners write them.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use helpcenter_api::ProblemDetails;
use helpcenter_api::console::{SavedReply, SavedReplyInput};

use crate::routes::access::AgentSession;
use crate::{AppError, AppState, console};

/// The site's saved replies
///
/// By title, with their placeholders as written.
#[utoipa::path(
    get,
    path = "/v1/console/saved-replies",
    operation_id = "console_saved_replies",
    tag = "console",
    responses(
        (status = 200, description = "The saved replies.", body = [SavedReply]),
        crate::openapi::responses::SessionRefused,
        crate::openapi::responses::Internal,
    ),
    security(("agent_session" = [])),
)]
pub async fn list(
    State(state): State<AppState>,
    session: AgentSession,
) -> Result<Json<Vec<SavedReply>>, AppError> {
    Ok(Json(console::saved_replies(&state, &session.site).await?))
}

/// Save a reply
///
/// A title and the text in English and Chinese; `{ticket_id}`, `{order_number}` and
/// `{respond_by}` are filled in when it is used. Owners only.
#[utoipa::path(
    post,
    path = "/v1/console/saved-replies",
    operation_id = "console_create_saved_reply",
    tag = "console",
    request_body(content = SavedReplyInput, description = "The title and both texts."),
    responses(
        (status = 201, description = "Saved.", body = SavedReply),
        (status = 400, description = "`saved_reply.invalid`: a title or a text is missing or too long, or a text uses an unknown placeholder.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::SessionRefused,
        (status = 403, description = "`console.owner_only`: the agent is not an owner; `console.origin_refused`.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::Internal,
    ),
    security(("agent_session" = [])),
)]
pub async fn create(
    State(state): State<AppState>,
    session: AgentSession,
    Json(input): Json<SavedReplyInput>,
) -> Result<(StatusCode, Json<SavedReply>), AppError> {
    let reply = console::create_saved_reply(&state, &session.site, &session.agent, &input).await?;
    Ok((StatusCode::CREATED, Json(reply)))
}

/// Change a saved reply
///
/// Owners only.
#[utoipa::path(
    put,
    path = "/v1/console/saved-replies/{id}",
    operation_id = "console_update_saved_reply",
    tag = "console",
    params(("id" = String, Path, description = "The saved reply's id.")),
    request_body(content = SavedReplyInput, description = "The title and both texts."),
    responses(
        (status = 200, description = "Changed.", body = SavedReply),
        (status = 400, description = "`saved_reply.invalid`.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::SessionRefused,
        (status = 403, description = "`console.owner_only`; `console.origin_refused`.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "`saved_reply.not_found`: the site has no such saved reply.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::Internal,
    ),
    security(("agent_session" = [])),
)]
pub async fn update(
    State(state): State<AppState>,
    session: AgentSession,
    Path(id): Path<String>,
    Json(input): Json<SavedReplyInput>,
) -> Result<Json<SavedReply>, AppError> {
    Ok(Json(
        console::update_saved_reply(&state, &session.site, &session.agent, &id, &input).await?,
    ))
}

/// Delete a saved reply
///
/// Owners only.
#[utoipa::path(
    delete,
    path = "/v1/console/saved-replies/{id}",
    operation_id = "console_delete_saved_reply",
    tag = "console",
    params(("id" = String, Path, description = "The saved reply's id.")),
    responses(
        (status = 204, description = "Deleted."),
        crate::openapi::responses::SessionRefused,
        (status = 403, description = "`console.owner_only`; `console.origin_refused`.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "`saved_reply.not_found`.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::Internal,
    ),
    security(("agent_session" = [])),
)]
pub async fn delete(
    State(state): State<AppState>,
    session: AgentSession,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    console::delete_saved_reply(&state, &session.site, &session.agent, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
