//! What the widget needs to start: the site's name, brand and policy (decision tree, evidence
//! rules, wording in every language), and today's date where the site is.

use axum::Json;
use axum::extract::State;
use helpcenter_api::{ProblemDetails, WidgetConfig};

use crate::routes::extract::PathParams;
use crate::{AppError, AppState};

/// What the widget needs to start
///
/// The site's name and brand, its policy (decision tree, evidence rules, claim windows,
/// notices, wording in every language) and today's date in the site's time zone.
#[utoipa::path(
    get,
    path = "/v1/sites/{site}/widget-config",
    operation_id = "widget_config",
    tag = "widget",
    params(
        ("site" = String, Path, description = "The site's key, e.g. `demo`."),
    ),
    responses(
        (status = 200, description = "The site's widget configuration.", body = WidgetConfig),
        (status = 404, description = "`site.not_found`.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::RateLimited,
    ),
)]
pub async fn show(
    State(state): State<AppState>,
    PathParams(site): PathParams<String>,
) -> Result<Json<WidgetConfig>, AppError> {
    let site = state
        .sites
        .get(&site)
        .ok_or(AppError::SiteNotFound(site.clone()))?;
    Ok(Json(WidgetConfig {
        site: site.key.clone(),
        display_name: site.display_name.clone(),
        policy: site.policy.clone(),
        brand: site.brand.clone(),
        return_policy_url: site.return_policy_url.clone(),
        today: site.today(),
        logo_url: site.logo_url.clone(),
        shopper_mail: site
            .mail
            .as_ref()
            .map(|mail| {
                mail.events
                    .iter()
                    .copied()
                    .filter(|k| !k.is_alert())
                    .collect()
            })
            .unwrap_or_default(),
        order_lookup: site.order_lookup.as_ref().map(|source| source.mode),
    }))
}
