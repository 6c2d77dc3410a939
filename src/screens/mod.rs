//! One module per screen of the filing flow.
mod outcome;
mod question;
mod start;

pub use outcome::OutcomeScreen;
pub use question::QuestionScreen;
pub use start::StartScreen;

use leptos::html::H2;
use leptos::prelude::*;

/// A screen's heading; it takes focus when the screen appears, so screen-reader and keyboard
/// users land on the new step instead of at the top of the page.
#[component]
pub fn ScreenHeading(children: Children) -> impl IntoView {
    let heading = NodeRef::<H2>::new();
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            let _ = h.focus();
        }
    });
    view! {
        <h2 class="hc-heading" tabindex="-1" node_ref=heading>
            {children()}
        </h2>
    }
}
