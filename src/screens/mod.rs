//! One module per screen, and the pieces they share.
mod details;
mod evidence;
mod filed;
mod files;
mod journey;
mod link;
pub mod order;
mod outcome;
mod question;
mod requests;
mod review;
mod start;
mod ticket;

pub use details::DetailsScreen;
pub use evidence::EvidenceScreen;
pub use filed::FiledScreen;
pub use journey::JourneyScreen;
pub use link::LinkScreen;
pub use order::OrderScreen;
pub use outcome::OutcomeScreen;
pub use question::QuestionScreen;
pub use requests::RequestsScreen;
pub use review::ReviewScreen;
pub use start::StartScreen;
pub use ticket::{Step, TicketScreen, rail};

use leptos::html::H2;
use leptos::prelude::*;

use crate::draft::Stage;
use crate::flow::Flow;
use crate::i18n::{Locale, Text};
use wasm_bindgen::JsValue;

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

/// After a refused Continue: takes keyboard and screen-reader users to the first field that
/// says what is wrong, once the problems are on the page.
pub fn focus_first_invalid() {
    leptos::task::spawn_local(async {
        // The problems render on the next tick.
        gloo_timers::future::TimeoutFuture::new(0).await;
        focus_first("[aria-invalid=\"true\"]");
    });
}

/// Moves focus to the first element matching `selector` once what changed is on the page.
pub fn focus_later(selector: String) {
    leptos::task::spawn_local(async move {
        gloo_timers::future::TimeoutFuture::new(0).await;
        focus_first(&selector);
    });
}

/// Moves focus to the first element matching `selector`, if the page has one.
pub fn focus_first(selector: &str) {
    let element = document()
        .query_selector(selector)
        .ok()
        .flatten()
        .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok());
    if let Some(element) = element {
        let _ = element.focus();
    }
}

/// Where the shopper is in the whole request: problem, details, photos, send.
#[component]
pub fn StageBar(current: Stage) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let locale = flow.locale;
    let stages = Stage::ALL.iter().enumerate().map(|(i, &stage)| {
        let name = locale.text(match stage {
            Stage::Problem => Text::StageProblem,
            Stage::Details => Text::StageDetails,
            Stage::Evidence => Text::StageEvidence,
            Stage::Review => Text::StageReview,
        });
        let class = if stage == current {
            "hc-stage hc-stage--current"
        } else if (stage as u8) < (current as u8) {
            "hc-stage hc-stage--done"
        } else {
            "hc-stage"
        };
        view! {
            <li class=class aria-current=(stage == current).then_some("step")>
                <span class="hc-stage-number" aria-hidden="true">{i + 1}</span>
                {name}
            </li>
        }
    });
    view! {
        <nav class="hc-stages" aria-label=locale.text(Text::Stages)>
            <ol>{stages.collect_view()}</ol>
        </nav>
    }
}

/// The problems of one field, next to it, announced when they change.
#[component]
pub fn FieldProblems(#[prop(into)] id: String, messages: Signal<Vec<String>>) -> impl IntoView {
    view! {
        <div id=id class="hc-field-problems" aria-live="polite">
            {move || {
                messages
                    .get()
                    .into_iter()
                    .map(|m| view! { <p class="hc-problem">{m}</p> })
                    .collect_view()
            }}
        </div>
    }
}

/// Back and forward at the foot of a screen.
#[component]
pub fn Nav(
    on_back: Callback<()>,
    #[prop(optional)] next: Option<(&'static str, Callback<()>)>,
) -> impl IntoView {
    let flow = expect_context::<Flow>();
    view! {
        <div class="hc-nav">
            <button type="button" class="hc-back" on:click=move |_| on_back.run(())>
                {flow.locale.text(Text::Back)}
            </button>
            {next.map(|(label, on_next)| {
                view! {
                    <button type="button" class="hc-next" on:click=move |_| on_next.run(())>
                        {label}
                    </button>
                }
            })}
        </div>
    }
}

/// An RFC 3339 instant as a date and time in the shopper's own time zone, written as the
/// widget writes every day ([`Locale::date_time`]), not in the browser's own long form.
pub fn local_time(rfc3339: &str, locale: Locale) -> String {
    let date = js_sys::Date::new(&JsValue::from_str(rfc3339));
    let day = u8::try_from(date.get_month() + 1)
        .ok()
        .zip(u8::try_from(date.get_date()).ok())
        .and_then(|(month, day)| {
            let year = i32::try_from(date.get_full_year()).ok()?;
            helpcenter_core::CivilDate::from_ymd(year, month, day)
        });
    match day {
        Some(day) if !date.get_time().is_nan() => {
            locale.date_time(day, date.get_hours(), date.get_minutes())
        }
        _ => rfc3339.to_owned(),
    }
}

/// A request number that never breaks across lines, with Copy beside it: the shopper quotes it
/// in mail and on the phone. `template` holds `{id}` where the number goes.
#[component]
pub fn RequestNumber(id: String, template: &'static str, locale: Locale) -> impl IntoView {
    let (before, after) = template.split_once("{id}").unwrap_or((template, ""));
    let number = NodeRef::<leptos::html::Span>::new();
    view! {
        {before}
        <span class="hc-id" node_ref=number>{id}</span>
        {after}
        " "
        <CopyButton number locale />
    }
}

/// Copy, for the request number in `number`; the button then says whether it worked (set on
/// the button itself: a reactive label would cost the widget more than the words do).
#[component]
pub fn CopyButton(number: NodeRef<leptos::html::Span>, locale: Locale) -> impl IntoView {
    let copy = move |ev: web_sys::MouseEvent| {
        let (Some(span), Some(button)) = (
            number.get_untracked(),
            event_target::<web_sys::Element>(&ev).into(),
        ) else {
            return;
        };
        let said = if copy_contents(&span) {
            Text::Copied
        } else {
            Text::CopySelected
        };
        button.set_text_content(Some(locale.text(said)));
    };
    view! {
        <button type="button" class="hc-link hc-copy" aria-live="polite" on:click=copy>
            {locale.text(Text::Copy)}
        </button>
    }
}

/// Copies what `element` shows as the shopper's own Copy would: selected, then copied, from
/// their tap. Inside the store's frame `navigator.clipboard` needs a permission the store's
/// page would have to grant; the copy command on a selection does not. When the browser
/// refuses even that, the number stays selected for the device's own Copy.
fn copy_contents(element: &web_sys::Element) -> bool {
    use wasm_bindgen::JsCast;
    let Some(selection) = window().get_selection().ok().flatten() else {
        return false;
    };
    if selection.select_all_children(element).is_err() {
        return false;
    }
    document()
        .dyn_into::<web_sys::HtmlDocument>()
        .ok()
        .and_then(|d| d.exec_command("copy").ok())
        .unwrap_or(false)
}
