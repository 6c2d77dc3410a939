//! The Help Center widget: a Leptos app that runs inside the embed's iframe, walks the shopper
//! through the site's decision tree, tells them up front what the store will do, checks their
//! evidence in the browser, uploads it over tus and files the ticket; then follows the ticket
//! live until it is resolved.

pub mod api;
pub mod app;
pub mod attach;
pub mod blobs;
pub mod bridge;
pub mod chunk;
pub mod draft;
pub mod evidence;
pub mod file_worker;
pub mod flow;
pub mod following;
pub mod i18n;
pub mod later;
pub mod live;
pub mod privacy;
pub mod problems;
pub mod requests;
pub mod screens;
pub mod shop;
pub mod upload;

pub use app::{App, Widget};

/// Mounts the app on the page's body for good (the widget lives as long as its iframe).
pub fn mount() {
    // Debug builds (and the browser tests) say in the console where a panic happened; the
    // release build leaves the hook and its formatting out of the first load.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    // The link in a shopper's mail (`/t/{ticket}#k=…`): opens that ticket on this device.
    // Everything it shows is in the chunk: the first load carries only this test.
    if let Some(link) = app::TicketLink::from_location() {
        // Not leptos's spawner: nothing is mounted yet, so its executor is not set up.
        wasm_bindgen_futures::spawn_local(async move {
            if chunk::open_link(link).await.is_err() {
                app::TicketLink::unavailable();
            }
        });
        return;
    }
    leptos::mount::mount_to_body(App);
}
