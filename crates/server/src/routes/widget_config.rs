//! What the widget needs to start: the site's name, brand and policy (decision tree, evidence
//! rules, wording in every language), and today's date where the site is.

use axum::Json;
use axum::extract::{Path, State};
use helpcenter_api::WidgetConfig;

use crate::{AppError, AppState};

pub async fn show(
    State(state): State<AppState>,
    Path(site): Path<String>,
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
    }))
}
