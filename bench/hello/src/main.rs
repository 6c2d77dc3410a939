//! The smallest Leptos CSR app: what any widget built this way costs before it does anything.
use leptos::prelude::*;

fn main() {
    leptos::mount::mount_to_body(|| view! { <p>"Hello, world"</p> });
}
