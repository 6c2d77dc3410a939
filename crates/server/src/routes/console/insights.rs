//! How the team keeps the policy's promises, for a period.

use axum::Json;
use axum::extract::{Query, State};
use helpcenter_api::ProblemDetails;
use helpcenter_api::console::{Insights, InsightsQuery};

use crate::routes::access::AgentSession;
use crate::{AppError, AppState, console};

/// Insights
///
/// Claims per week by category and by outcome, first answers against `respond_by` (median
/// hours, share on time), tickets overdue now, the mix of resolutions, disputes; for the
/// claims filed in the period (the site's days, both included; the last 12 weeks by default).
#[utoipa::path(
    get,
    path = "/v1/console/insights",
    operation_id = "console_insights",
    tag = "console",
    params(InsightsQuery),
    responses(
        (status = 200, description = "The figures.", body = Insights),
        (status = 400, description = "`console.period_invalid`: `from` after `to`, or longer than two years.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::SessionRefused,
        crate::openapi::responses::Internal,
    ),
    security(("agent_session" = [])),
)]
pub async fn show(
    State(state): State<AppState>,
    session: AgentSession,
    Query(query): Query<InsightsQuery>,
) -> Result<Json<Insights>, AppError> {
    Ok(Json(console::insights(&state, &session.site, query).await?))
}
