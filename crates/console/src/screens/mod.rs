//! One module per screen of the console.

mod evidence;
mod inbox;
mod insights;
mod settings;
mod shortcuts;
mod sign_in;
mod ticket;

pub use inbox::{InboxScreen, default_inbox};
pub use insights::InsightsScreen;
pub use settings::SettingsScreen;
pub use shortcuts::ShortcutsDialog;
pub use sign_in::SignInScreen;
pub use ticket::TicketScreen;
