use leptos::prelude::*;
use wasm_bindgen::JsValue;

use super::ScreenHeading;
use crate::flow::Flow;
use crate::i18n::Text;

/// The confirmation: the ticket's number, what happens next and by when.
#[component]
pub fn FiledScreen() -> impl IntoView {
    let flow = expect_context::<Flow>();
    let locale = flow.locale;
    let lang = locale.tag();
    let Some(filed) = flow.filed.get_untracked() else {
        return ().into_any();
    };
    let ticket = &filed.ticket.ticket;
    let next = flow.with_policy(|p| {
        p.outcome(&ticket.outcome)
            .map(|o| p.outcome_message(lang, o))
            .unwrap_or_default()
    });
    let when = local_time(&ticket.respond_by, lang);
    view! {
        <section class="hc-screen hc-filed">
            <ScreenHeading>{locale.text(Text::SubmittedHeading)}</ScreenHeading>
            <p class="hc-ticket-id">
                {locale.fill(Text::SubmittedNumber, &[("id", &filed.ticket.ticket_id)])}
            </p>
            <p>{locale.fill(Text::SubmittedNext, &[("when", &when), ("email", &filed.email)])}</p>
            <p class="hc-outcome-message">{next}</p>
            <p class="hc-hint">{locale.text(Text::SubmittedKeep)}</p>
            <button type="button" class="hc-next" on:click=move |_| flow.filed.set(None)>
                {locale.text(Text::StartAnother)}
            </button>
        </section>
    }
    .into_any()
}

/// An RFC 3339 instant as a date and time in the shopper's own time zone and language.
fn local_time(rfc3339: &str, lang: &str) -> String {
    let date = js_sys::Date::new(&JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return rfc3339.to_owned();
    }
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"long".into());
    let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
    date.to_locale_string(lang, &options).into()
}
