//! The console API's wire types, from helpcenter-api (defined once, shared with the server),
//! and the few admin types its actions reuse.

pub use helpcenter_api::console::*;
pub use helpcenter_api::{AgentMessage, EventActor, EventKind, Transition};

/// What the console reads of a message of the site's stream ([`ConsoleStreamEvent`] less
/// the event itself, which no screen uses: the inbox takes the ticket's row, the ticket
/// screen reads the ticket again). Not reading the event keeps the timeline's reader out of
/// the first load (it lives in the ticket screen's chunk).
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct LiveChange {
    /// The site-wide position of the event: replay resumes after it.
    pub cursor: u64,
    pub ticket_id: String,
    /// The ticket's inbox row as it stands after the event.
    pub ticket: InboxItem,
}
