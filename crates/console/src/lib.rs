//! The agents' console: a Leptos app served by helpcenter-server at `/console/`, where a
//! store's support team signs in, works the inbox, opens a claim with its evidence, answers
//! the shopper and resolves it, keeps saved replies and sees how the team keeps the policy's
//! promises. It talks to the server's console API with the agent's session cookie.

pub mod api;
pub mod app;
pub mod chunk;
pub mod i18n;
pub mod keys;
pub mod live;
pub mod present;
pub mod screens;
pub mod time;
pub mod wire;
pub mod words;

pub use app::App;

/// Mounts the app on the page's body.
pub fn mount() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}
