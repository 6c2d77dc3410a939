//! The header on every screen: Back, the store's logo and name, and Close on the store's page.

use leptos::prelude::*;

use super::place::Place;
use crate::draft::Stage;
use crate::flow::Flow;
use crate::i18n::Text;

/// The header on every screen: Back where there is a step to go back to, the store's logo and
/// name over the part of the widget the shopper is in, and Close when a store's page embeds the widget. It is in the page's flow, never over
/// it, so nothing it holds covers a heading, a hint or an error as the screen scrolls.
#[component]
pub(super) fn Header(
    position: Memo<(Option<String>, Stage, bool)>,
    host: Option<String>,
) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let place = expect_context::<RwSignal<Place>>();
    let locale = flow.locale;
    let (store, logo) = flow
        .config
        .with_value(|c| (c.display_name.clone(), c.logo_url.clone()));
    // Where Back goes from here; `None` on the start screen and the confirmation.
    type Go = fn(Flow, RwSignal<Place>);
    let back = move || -> Option<Go> {
        let go: Go = match place.get() {
            Place::Requests => |_: Flow, place: RwSignal<Place>| place.set(Place::Filing),
            Place::Ticket(_) => |_: Flow, place: RwSignal<Place>| place.set(Place::Requests),
            Place::Filing if flow.filed.with(Option::is_some) => return None,
            Place::Filing => {
                let (category, stage, _) = position.get();
                category.as_ref()?;
                match stage {
                    Stage::Problem => {
                        |flow: Flow, _: RwSignal<Place>| flow.draft.update(|d| d.back())
                    }
                    Stage::Details => |flow: Flow, _: RwSignal<Place>| flow.go(Stage::Problem),
                    Stage::Evidence => |flow: Flow, _: RwSignal<Place>| flow.go(Stage::Details),
                    Stage::Review => |flow: Flow, _: RwSignal<Place>| flow.go(Stage::Evidence),
                }
            }
        };
        Some(go)
    };
    // The part of the widget the shopper is in (each screen's own heading says the step): both
    // titles are there and one is hidden, as Back is. Each word is looked up by constant: a
    // lookup chosen at run time would bring every text of the widget into the first open (6 KB).
    let filing = move || place.with(|p| *p == Place::Filing);
    view! {
        <header class="hc-header">
            // Always there, hidden where there is nothing to go back to: an attribute that
            // changes costs the first open less than a button that comes and goes.
            <button
                type="button"
                class="hc-header-back"
                hidden=move || back().is_none()
                on:click=move |_| {
                    if let Some(go) = back() {
                        go(flow, place);
                    }
                }
            >
                <span aria-hidden="true">"‹ "</span>
                {locale.text(Text::Back)}
            </button>
            <div class="hc-store">
                {logo.map(|src| view! { <img class="hc-logo" src=src alt="" /> })}
                <p>
                    <span class="hc-store-name">{store}</span>
                    <span class="hc-place" hidden=move || !filing()>
                        {locale.text(Text::ReportProblem)}
                    </span>
                    <span class="hc-place" hidden=filing>
                        {locale.text(Text::MyRequests)}
                    </span>
                </p>
            </div>
            {host
                .map(|host| {
                    view! {
                        <button
                            type="button"
                            class="hc-close"
                            on:click=move |_| ask_host_to_close(&host)
                        >
                            {locale.text(Text::Close)}
                        </button>
                    }
                })}
        </header>
    }
}

/// Tells the store's page to close the widget, as embed.js's schema has it
/// (`{hc: 1, type: "close"}`), to the page's exact origin. Sent from here rather than through
/// the bridge so Close works even before the bridge (in the chunk) is connected.
fn ask_host_to_close(host: &str) {
    let message = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&message, &"hc".into(), &1.into());
    let _ = js_sys::Reflect::set(&message, &"type".into(), &"close".into());
    if let Ok(Some(parent)) = window().parent() {
        let _ = parent.post_message(&message, host);
    }
}
