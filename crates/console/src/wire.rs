//! The console API's wire types, from helpcenter-api (defined once, shared with the server),
//! and the few admin types its actions reuse.

pub use helpcenter_api::console::*;
pub use helpcenter_api::{AgentMessage, EventActor, EventKind, Transition};
