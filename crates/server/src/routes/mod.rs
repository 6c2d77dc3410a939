//! One module per resource, each with its handlers.
pub mod health;
pub mod widget_config;
