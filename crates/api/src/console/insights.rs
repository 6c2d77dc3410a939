//! Insights over a period of the site's days: claims filed and resolved, week by week, and how
//! the promised first answer was kept.

use helpcenter_core::{CivilDate, ResolutionKind};
use serde::{Deserialize, Serialize};

/// `GET /v1/console/insights`: the period, as days of the site (both included). Without
/// them, the last 12 weeks up to today.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(default, deny_unknown_fields)]
pub struct InsightsQuery {
    /// `YYYY-MM-DD`, the first day.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<String>, format = Date, example = "2026-09-01"))]
    pub from: Option<CivilDate>,
    /// `YYYY-MM-DD`, the last day.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<String>, format = Date, example = "2026-11-30"))]
    pub to: Option<CivilDate>,
}

/// A count of tickets under a name (a category, an outcome).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Count {
    pub key: String,
    pub count: u32,
}

/// Claims filed in one week (Monday to Sunday, the site's days).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeekCounts {
    /// The Monday.
    pub week_of: CivilDate,
    pub total: u32,
    pub by_category: Vec<Count>,
    pub by_outcome: Vec<Count>,
}

/// How the team kept the promised first answer (`respond_by`) for claims filed in the period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FirstAnswers {
    /// Claims with an agent's first public answer (a message, a request or a change of status).
    pub answered: u32,
    /// Of those, answered by `respond_by`.
    pub on_time: u32,
    /// Claims without an answer yet whose `respond_by` has passed.
    pub unanswered_late: u32,
    /// `on_time / (answered + unanswered_late)`, 0 to 1; absent when there is nothing to count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_on_time: Option<f64>,
    /// Median hours from filing to the first answer; absent with no answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_hours: Option<f64>,
}

/// How many tickets were resolved with one kind of resolution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolutionCount {
    pub resolution: ResolutionKind,
    pub count: u32,
}

/// `GET /v1/console/insights`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Insights {
    pub from: CivilDate,
    pub to: CivilDate,
    /// Every week that overlaps the period, oldest first, empty weeks included.
    pub weeks: Vec<WeekCounts>,
    pub first_answers: FirstAnswers,
    /// Tickets waiting for the store (`submitted`, `in_review`, `escalated`) past their
    /// `respond_by` now, whenever filed.
    pub overdue_now: u32,
    /// The current resolutions of the claims filed in the period.
    pub resolutions: Vec<ResolutionCount>,
    /// Claims filed in the period that were disputed (escalated) at some point.
    pub disputes: u32,
    /// Tickets escalated now, whenever filed.
    pub disputes_open: u32,
}
