//! What the widget needs to start: the site's name and its policy (decision tree, evidence
//! rules, wording in every language).

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use helpcenter_core::Policy;
use serde::Serialize;

use crate::{AppError, AppState};

#[derive(Serialize)]
pub struct WidgetConfig<'a> {
    pub site: &'a str,
    pub display_name: &'a str,
    pub policy: &'a Policy,
}

pub async fn show(
    State(state): State<AppState>,
    Path(site): Path<String>,
) -> Result<Response, AppError> {
    let site = state
        .sites
        .get(&site)
        .ok_or(AppError::SiteNotFound(site.clone()))?;
    let config = WidgetConfig {
        site: &site.key,
        display_name: &site.display_name,
        policy: &site.policy,
    };
    Ok(Json(config).into_response())
}
