//! A ticket as an agent works it: the shopper's way through the tree, the claim window, the
//! timeline with internal notes and who did what, the evidence with what the server found in
//! it; the actions on it; and the site's live events.

use helpcenter_core::{
    CivilDate, MediaType, Remedy, ReplyPlaceholders, ResolutionKind, TicketStatus,
};
use serde::{Deserialize, Serialize};

use super::agents::AgentRef;
use super::inbox::InboxItem;
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
