//! The agents' console API (`/v1/console/…`): what the console app and the server exchange,
//! defined once. Every request is made with the agent's session cookie; every ticket, saved
//! reply and figure is the signed-in agent's site's only.
//!
//! One module per part of the console: signing in and the team (`agents`), the inbox
//! (`inbox`), a ticket as an agent works it and the site's live events (`ticket`), saved
//! replies (`replies`) and insights (`insights`).

mod agents;
mod inbox;
mod insights;
mod replies;
mod ticket;

pub use helpcenter_core::ReplyPlaceholders;

pub use agents::{AgentRef, AgentRole, SignIn, SignedInAgent};
pub use inbox::{
    AssigneeFilter, DueFilter, InboxItem, InboxPage, InboxQuery, InboxSort, StatusCounts,
    StatusList,
};
pub use insights::{Count, FirstAnswers, Insights, InsightsQuery, ResolutionCount, WeekCounts};
pub use replies::{SavedReply, SavedReplyInput};
pub use ticket::{
    Assign, ClaimWindowFacts, ConsoleEvent, ConsoleEventKind, ConsoleEvidence, ConsoleMessage,
    ConsoleStreamEvent, ConsoleTicket, ConsoleTransition, DecisionStep, RequestInfo,
};
