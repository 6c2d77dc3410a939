//! The Help Center widget: a Leptos app that runs inside the embed's iframe, walks the shopper
//! through the site's decision tree, tells them up front what the store will do, checks their
//! evidence in the browser, uploads it over tus and files the ticket.

pub mod api;
pub mod app;
pub mod blobs;
pub mod draft;
pub mod evidence;
pub mod filing;
pub mod flow;
pub mod i18n;
pub mod problems;
pub mod screens;
pub mod upload;

pub use app::{App, Widget};

/// Mounts the app on the page's body for good (the widget lives as long as its iframe).
pub fn mount() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}
