//! The inbox: its filters, search and order as a query string says them, its rows, the
//! counts per status and the cursor to the next page.

use std::fmt;

use helpcenter_core::{ResolutionKind, TicketStatus};
use serde::{Deserialize, Serialize};

use super::agents::AgentRef;

/// Whose tickets the inbox lists: `me`, `unassigned`, or an agent's id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AssigneeFilter {
    Me,
    Unassigned,
    Agent(String),
}

impl AssigneeFilter {
    pub fn as_str(&self) -> &str {
        match self {
            AssigneeFilter::Me => "me",
            AssigneeFilter::Unassigned => "unassigned",
            AssigneeFilter::Agent(id) => id,
        }
    }
}

impl Serialize for AssigneeFilter {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for AssigneeFilter {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(match text.as_str() {
            "me" => AssigneeFilter::Me,
            "unassigned" => AssigneeFilter::Unassigned,
            _ => AssigneeFilter::Agent(text),
        })
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for AssigneeFilter {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("`me`, `unassigned`, or an agent's id."))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for AssigneeFilter {}

/// Which tickets are due: past their `respond_by` now, or by the end of today in the site's
/// time zone (overdue ones included). Only tickets still waiting for the store count
/// (`submitted`, `in_review`, `escalated`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DueFilter {
    Overdue,
    Today,
}

/// The inbox's order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InboxSort {
    /// The most urgent first: the earliest `respond_by`.
    RespondBy,
    /// The most recently changed first.
    #[default]
    Updated,
}

/// `GET /v1/console/tickets`: filters combine. Statuses are written comma-separated
/// (`status=submitted,in_review`); none means every status.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(default, deny_unknown_fields)]
pub struct InboxQuery {
    /// Comma-separated statuses, e.g. `submitted,in_review,needs_info,escalated`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<String>, example = "submitted,in_review"))]
    pub status: Option<StatusList>,
    /// A category id of the site's policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// An outcome id of the site's policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// `me`, `unassigned`, or an agent's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<String>))]
    pub assignee: Option<AssigneeFilter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<DueFilter>,
    /// A ticket id (`HC-7F3K9Q`), an order number or the shopper's email, whole or its start;
    /// case does not matter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort: Option<InboxSort>,
    /// `next` of the previous page, to read on; opaque.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// At most this many (1 to 200; 50 when not given).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
}

/// Statuses, written comma-separated in a query string.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatusList(pub Vec<TicketStatus>);

impl fmt::Display for StatusList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, status) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(status.as_str())?;
        }
        Ok(())
    }
}

impl Serialize for StatusList {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for StatusList {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let mut statuses = Vec::new();
        for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let status = TicketStatus::parse(name).ok_or_else(|| {
                serde::de::Error::custom(format!("unknown ticket status {name:?}"))
            })?;
            if !statuses.contains(&status) {
                statuses.push(status);
            }
        }
        Ok(StatusList(statuses))
    }
}

/// A row of the inbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InboxItem {
    pub id: String,
    pub status: TicketStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<ResolutionKind>,
    pub category: String,
    pub outcome: String,
    pub order_number: String,
    pub email: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// RFC 3339, UTC: when the store promised a first answer by.
    pub respond_by: String,
    /// RFC 3339, UTC: the last event on the ticket.
    pub updated_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<AgentRef>,
}

/// How many of the tickets that match the inbox's other filters are in each status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusCounts {
    pub submitted: u32,
    pub in_review: u32,
    pub needs_info: u32,
    pub resolved: u32,
    pub escalated: u32,
    pub closed: u32,
}

impl StatusCounts {
    pub fn get(&self, status: TicketStatus) -> u32 {
        match status {
            TicketStatus::Submitted => self.submitted,
            TicketStatus::InReview => self.in_review,
            TicketStatus::NeedsInfo => self.needs_info,
            TicketStatus::Resolved => self.resolved,
            TicketStatus::Escalated => self.escalated,
            TicketStatus::Closed => self.closed,
        }
    }

    pub fn set(&mut self, status: TicketStatus, count: u32) {
        let slot = match status {
            TicketStatus::Submitted => &mut self.submitted,
            TicketStatus::InReview => &mut self.in_review,
            TicketStatus::NeedsInfo => &mut self.needs_info,
            TicketStatus::Resolved => &mut self.resolved,
            TicketStatus::Escalated => &mut self.escalated,
            TicketStatus::Closed => &mut self.closed,
        };
        *slot = count;
    }
}

/// `GET /v1/console/tickets`: one page of the inbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InboxPage {
    pub items: Vec<InboxItem>,
    /// Per status, the tickets matching every filter but `status` (and not paged).
    pub counts: StatusCounts,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_read_comma_separated_and_refused_when_unknown() {
        let list: StatusList = serde_json::from_str(r#""submitted, in_review,submitted""#)
            .expect("a list of statuses");
        assert_eq!(
            list.0,
            [TicketStatus::Submitted, TicketStatus::InReview],
            "each once, in order"
        );
        assert_eq!(list.to_string(), "submitted,in_review");
        assert!(serde_json::from_str::<StatusList>(r#""open""#).is_err());
    }

    #[test]
    fn the_assignee_filter_is_me_unassigned_or_an_id() {
        for (text, filter) in [
            ("me", AssigneeFilter::Me),
            ("unassigned", AssigneeFilter::Unassigned),
            ("ag_123", AssigneeFilter::Agent("ag_123".into())),
        ] {
            let json = format!("\"{text}\"");
            assert_eq!(
                serde_json::from_str::<AssigneeFilter>(&json).ok(),
                Some(filter.clone())
            );
            assert_eq!(serde_json::to_string(&filter).ok(), Some(json));
        }
    }

    #[test]
    fn counts_are_set_and_read_per_status() {
        let mut counts = StatusCounts::default();
        for (i, status) in TicketStatus::ALL.into_iter().enumerate() {
            counts.set(status, i as u32 + 1);
        }
        for (i, status) in TicketStatus::ALL.into_iter().enumerate() {
            assert_eq!(counts.get(status), i as u32 + 1);
        }
    }
}
