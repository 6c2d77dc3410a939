//! The agents' console service, between its handlers (`routes::console`) and the store: the
//! inbox, a ticket as an agent works it, the actions on it, saved replies and insights. Every
//! call is given the signed-in agent's site; tickets are looked up within it, in SQL, so
//! another site's ticket is not found.
//!
//! One module per part of the console: the inbox (`inbox`), a ticket as an agent works it and
//! the actions on it (`ticket`), saved replies (`replies`) and insights (`insights`); `days`
//! holds the site's calendar they share.

mod days;
mod inbox;
mod insights;
mod replies;
mod ticket;

pub use inbox::{DEFAULT_PAGE, MAX_PAGE, inbox};
pub use insights::{MAX_INSIGHT_DAYS, insights};
pub use replies::{
    MAX_REPLY_TITLE_CHARS, create_saved_reply, delete_saved_reply, saved_replies,
    saved_replies_for, update_saved_reply,
};
pub(crate) use ticket::console_event;
pub use ticket::{assign, colleagues, placeholders, site_ticket, ticket};
