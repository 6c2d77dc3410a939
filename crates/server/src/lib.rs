//! The Help Center ticket service: serves the widget and its API, and re-checks everything the
//! widget sends with the same rulebook (`helpcenter-core`).

pub mod admin_keys;
pub mod agent_stream;
pub mod agents;
pub mod app;
pub mod auth;
pub mod background;
pub mod backup;
pub mod cli;
pub mod client_ip;
pub mod config;
pub mod console;
pub mod error;
pub mod events;
pub mod listen;
pub mod mail;
pub mod migrate_store;
pub mod openapi;
pub mod orders;
pub mod outbound;
pub mod outbox;
pub mod rate_limit;
pub mod readiness;
pub mod request_site;
pub mod retention;
pub mod retry;
pub mod routes;
pub mod shopper_actions;
pub mod sites;
pub mod state;
pub mod static_files;
pub mod store;
pub mod ticket_actions;
pub mod ticket_filing;
pub mod ticket_stream;
pub mod tickets;
pub mod uploads;
pub mod webhooks;

pub use app::router;
pub use error::AppError;
pub use listen::serve;
pub use state::AppState;
