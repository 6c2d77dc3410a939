//! The agents' console API (`/v1/console/…`): what the console app and the server exchange,
//! defined once. Every request is made with the agent's session cookie; every ticket, saved
//! reply and figure is the signed-in agent's site's only.

use std::fmt;

use helpcenter_core::{CivilDate, MediaType, Remedy, ResolutionKind, TicketStatus};
use serde::{Deserialize, Serialize};

pub use helpcenter_core::ReplyPlaceholders;

use crate::{AgentMessage, EventActor, EventKind, Transition};

/// What happened on the timeline, as agents see it: the shopper's kinds, and the agents' own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConsoleEventKind {
    Created,
    StatusChanged,
    InfoRequested,
    Message,
    ShopperReply,
    InternalNote,
    /// The ticket was given to an agent (`assigned_to`) or to nobody. Agents only.
    Assigned,
}

impl From<EventKind> for ConsoleEventKind {
    fn from(kind: EventKind) -> Self {
        match kind {
            EventKind::Created => ConsoleEventKind::Created,
            EventKind::StatusChanged => ConsoleEventKind::StatusChanged,
            EventKind::InfoRequested => ConsoleEventKind::InfoRequested,
            EventKind::Message => ConsoleEventKind::Message,
            EventKind::ShopperReply => ConsoleEventKind::ShopperReply,
            EventKind::InternalNote => ConsoleEventKind::InternalNote,
        }
    }
}

/// `POST /v1/console/session`: sign in. A wrong email and a wrong password get the same answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// The site's key, e.g. `demo`.
    pub site: String,
    /// Compared without regard to case.
    pub email: String,
    pub password: String,
}

/// What an agent may do beyond working tickets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AgentRole {
    /// Works tickets and uses saved replies.
    #[default]
    Agent,
    /// Also manages the site's saved replies.
    Owner,
}

impl AgentRole {
    pub const ALL: [AgentRole; 2] = [AgentRole::Agent, AgentRole::Owner];

    pub fn as_str(self) -> &'static str {
        match self {
            AgentRole::Agent => "agent",
            AgentRole::Owner => "owner",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

impl fmt::Display for AgentRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `GET /v1/console/session`: the signed-in agent (also the answer to signing in).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedInAgent {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: AgentRole,
    /// The site's key.
    pub site: String,
    /// The store's name, for the console's header.
    pub site_display_name: String,
    /// RFC 3339, UTC: the session ends then, whatever the agent does.
    pub session_expires_at: String,
}

/// An agent as a colleague sees them: on the timeline, as an assignee, in `GET /v1/console/agents`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentRef {
    pub id: String,
    pub name: String,
}

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

/// One step of the shopper's way through the decision tree: the question and the answer they
/// picked, in the words of the requested locale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionStep {
    pub question_id: String,
    pub question: String,
    pub answer_id: String,
    pub answer: String,
}

/// The claim window as it stood when the shopper filed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimWindowFacts {
    /// The outcome's window: reporting open this many days after delivery.
    pub days_after_delivery: u16,
    /// The last day a report was accepted.
    pub last_day: CivilDate,
    /// Days the shopper had left on the day they filed (0: the last day; negative: filed
    /// after the window closed, under the late route).
    pub days_left_when_filed: i32,
}

/// An event of the timeline as an agent sees it: internal notes included, with the agent who
/// acted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsoleEvent {
    /// The ticket's own event number.
    pub seq: u32,
    /// RFC 3339, UTC.
    pub at: String,
    pub kind: ConsoleEventKind,
    pub actor: EventActor,
    /// Who acted, for an agent's event: the agent's name, or `admin key` for the admin API
    /// and the CLI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The acting agent's id (absent for the admin key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// The ticket's status after this event.
    pub status: TicketStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<ResolutionKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// An internal note or an assignment: agents only, never shown to the shopper.
    pub internal: bool,
    /// With `assigned`: the agent the ticket went to (absent: to nobody).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<AgentRef>,
    /// Upload ids that came with this event.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

/// A file the shopper sent, with what the server found in its bytes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsoleEvidence {
    pub id: String,
    /// The name on the shopper's device; never trusted.
    pub filename: String,
    /// Sniffed from the bytes, not taken from the name.
    pub media_type: MediaType,
    pub bytes: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<f64>,
    /// The EXIF capture day, to set beside the delivery day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured_on: Option<CivilDate>,
    /// The server removed where the photo was taken (its EXIF GPS position) before keeping
    /// it: "location removed" beside the file.
    #[serde(default)]
    pub location_removed: bool,
    /// The timeline event it came with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_seq: Option<u32>,
    /// Where the agent's session opens it (for `<img>` and `<video>`, same origin).
    pub url: String,
}

/// `GET /v1/console/tickets/{id}`: a ticket with everything an agent works it with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsoleTicket {
    pub id: String,
    pub site: String,
    pub status: TicketStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<ResolutionKind>,
    pub category: String,
    /// The category's title in the requested locale.
    pub category_title: String,
    /// The answer ids, as filed.
    pub answers: Vec<String>,
    /// The same answers with their questions, in words.
    pub decision: Vec<DecisionStep>,
    pub outcome: String,
    pub remedy: Remedy,
    /// What the shopper was told about the outcome before filing, in the requested locale.
    pub outcome_message: String,
    pub description: String,
    pub order_number: String,
    pub email: String,
    /// The language the shopper filed in.
    pub locale: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_on: Option<CivilDate>,
    /// Where the claim window stood at filing, for outcomes with one and a delivery day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_window: Option<ClaimWindowFacts>,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub updated_at: String,
    pub respond_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<AgentRef>,
    /// Where an agent can move it from here (`helpcenter_core::TicketStatus::next`).
    pub agent_can: Vec<TicketStatus>,
    /// Whether asking the shopper for information is possible from here (also from
    /// `submitted`, which goes through review in the same step).
    pub can_request_info: bool,
    /// The values of a saved reply's placeholders for this ticket, for previewing it with
    /// `helpcenter_core::expand_reply`.
    pub placeholders: ReplyPlaceholders,
    pub timeline: Vec<ConsoleEvent>,
    pub evidence: Vec<ConsoleEvidence>,
    /// On a site that looks orders up: what the store's order system said, apart from what
    /// the shopper stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<crate::TicketOrder>,
}

/// `POST /v1/console/tickets/{id}/transition`: the admin API's [`Transition`].
pub type ConsoleTransition = Transition;

/// `POST /v1/console/tickets/{id}/messages`: the admin API's [`AgentMessage`].
pub type ConsoleMessage = AgentMessage;

/// `POST /v1/console/tickets/{id}/request-info`: ask the shopper for something; the ticket
/// becomes `needs_info` (from `submitted` too).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RequestInfo {
    /// What the shopper must send or answer; shown to them.
    pub question: String,
}

/// `POST /v1/console/tickets/{id}/assign`: to an agent of the site, or to nobody (`null`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Assign {
    pub agent_id: Option<String>,
}

/// A saved reply of the site, in both languages; `{ticket_id}`, `{order_number}` and
/// `{respond_by}` are filled in for the ticket it is used on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SavedReply {
    pub id: String,
    pub title: String,
    pub body_en: String,
    pub body_zh: String,
    /// RFC 3339, UTC.
    pub updated_at: String,
}

/// `POST /v1/console/saved-replies` and `PUT …/{id}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SavedReplyInput {
    pub title: String,
    pub body_en: String,
    pub body_zh: String,
}

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

/// One message of `GET /v1/console/events` (Server-Sent Events, `event: ticket`): an event
/// on any ticket of the site, internal notes included. Its SSE `id` is `cursor`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsoleStreamEvent {
    /// The site-wide position of this event: replay resumes after it (`Last-Event-ID`).
    pub cursor: u64,
    pub ticket_id: String,
    pub event: ConsoleEvent,
    /// The ticket's inbox row as it stands after the event.
    pub ticket: InboxItem,
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
    fn roles_round_trip() {
        for role in AgentRole::ALL {
            assert_eq!(AgentRole::parse(role.as_str()), Some(role));
            assert_eq!(serde_json::to_value(role).ok(), Some(role.as_str().into()));
        }
        assert_eq!(AgentRole::parse("admin"), None);
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
