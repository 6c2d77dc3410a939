//! One module per resource, each with its handlers.
pub mod access;
pub mod admin;
pub mod console;
pub mod extract;
pub mod health;
pub mod links;
pub mod orders;
pub mod outbox;
pub mod tickets;
pub mod webhooks;
pub mod widget_config;
