use helpcenter_core::{DescriptionRule, Field};
use leptos::prelude::*;

use super::{FieldProblems, Nav, ScreenHeading, StageBar};
use crate::draft::{Draft, Stage};
use crate::flow::Flow;
use crate::i18n::Text;

/// §II: the order number, a detailed description and a way to answer. Each field is checked
/// by the rulebook as the shopper types, and says what is wrong once they have left it.
#[component]
pub fn DetailsScreen() -> impl IntoView {
    let flow = expect_context::<Flow>();
    let locale = flow.locale;
    let (example, order_min) = flow.with_policy(|p| {
        (
            p.order_number.example.clone(),
            usize::from(p.order_number.min_len),
        )
    });
    let decision = flow.decision();
    let order_optional = decision
        .as_ref()
        .is_some_and(|(o, _)| !o.evidence.order_number.is_required());
    let rule = decision
        .map(|(o, _)| o.evidence.description)
        .unwrap_or_default();
    let count = move || {
        let n = flow
            .draft
            .with(|d| DescriptionRule::count(&d.claim.description))
            .to_string();
        locale.fill(
            Text::DescriptionCount,
            &[
                ("n", &n),
                ("min", &rule.min_chars.to_string()),
                ("max", &rule.max_chars.to_string()),
            ],
        )
    };
    let next = Callback::new(move |()| {
        let fields = [Field::OrderNumber, Field::Description, Field::Email];
        let clean = flow.problems().iter().all(|p| !fields.contains(&p.field));
        flow.show_all.set(true);
        if clean {
            flow.go(Stage::Evidence);
        } else {
            super::focus_first_invalid();
        }
    });
    let back = Callback::new(move |()| flow.go(Stage::Problem));
    let blocked = move || {
        flow.show_all.get()
            && flow.problems().iter().any(|p| {
                matches!(
                    p.field,
                    Field::OrderNumber | Field::Description | Field::Email
                )
            })
    };
    // The order the store found: its number and email are settled, shown, not asked again.
    let verified = flow
        .draft
        .with_untracked(|d| d.order_found)
        .then(|| {
            flow.order()
                .with_untracked(|o| o.as_ref().map(|o| super::order::summary(locale, o)))
        })
        .flatten();
    let order_line = verified.clone().map(|summary| {
        let email = flow
            .draft
            .with_untracked(|d| d.claim.email.trim().to_owned());
        view! { <p class="hc-order-summary">{summary} " · " {email}</p> }
    });
    let ask_order = verified.is_none();
    view! {
        <section class="hc-screen hc-details">
            <StageBar current=Stage::Details />
            <ScreenHeading>{locale.text(Text::DetailsHeading)}</ScreenHeading>
            {order_line}
            {ask_order.then(|| view! { <TextField
                id="hc-order-number"
                field=Field::OrderNumber
                label=locale.text(if order_optional {
                    Text::OrderNumberOptional
                } else {
                    Text::OrderNumberLabel
                })
                hint=locale.fill(Text::OrderNumberHint, &[("example", &example)])
                kind="text"
                autocomplete="off"
                live_from=order_min
                get=|d| d.claim.order_number.clone()
                set=|d, v| d.claim.order_number = v
            /> })}
            <TextField
                id="hc-description"
                field=Field::Description
                label=locale.text(Text::DescriptionLabel)
                hint=locale.text(Text::DescriptionHint).to_owned()
                kind="textarea"
                autocomplete="off"
                get=|d| d.claim.description.clone()
                set=|d, v| d.claim.description = v
            />
            <p class="hc-counter" id="hc-description-count" aria-live="polite">{count}</p>
            {ask_order.then(|| view! { <TextField
                id="hc-email"
                field=Field::Email
                label=locale.text(Text::EmailLabel)
                hint=locale.text(Text::EmailHint).to_owned()
                kind="email"
                autocomplete="email"
                get=|d| d.claim.email.clone()
                set=|d, v| d.claim.email = v
            /> })}
            <Show when=blocked>
                <p class="hc-problem" role="alert">{locale.text(Text::FixBeforeContinuing)}</p>
            </Show>
            <Nav on_back=back next=(locale.text(Text::Continue), next) />
        </section>
    }
}

/// A labelled input bound to one field of the draft, with its hint and its problems (the
/// rulebook's for `field` unless `problems` are given: the order step's lookup form).
#[component]
pub(super) fn TextField(
    id: &'static str,
    field: Field,
    label: &'static str,
    hint: String,
    /// `text`, `email` or `textarea`.
    kind: &'static str,
    autocomplete: &'static str,
    /// Checked while typing once this many characters are in (the format of an order
    /// number is clear by then); otherwise once the shopper leaves the field.
    #[prop(optional)]
    live_from: Option<usize>,
    get: fn(&Draft) -> String,
    set: fn(&mut Draft, String),
    #[prop(optional)] problems: Option<Signal<Vec<String>>>,
) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let touched = RwSignal::new(false);
    let messages = problems.unwrap_or_else(|| {
        Signal::derive(move || {
            let typed_enough =
                live_from.is_some_and(|n| flow.draft.with(|d| get(d).trim().chars().count()) >= n);
            if touched.get() || typed_enough || flow.show_all.get() {
                flow.messages(field)
            } else {
                Vec::new()
            }
        })
    });
    let hint_id = format!("{id}-hint");
    let problems_id = format!("{id}-problems");
    let described = if kind == "textarea" {
        format!("{hint_id} hc-description-count {problems_id}")
    } else {
        format!("{hint_id} {problems_id}")
    };
    let invalid = move || (!messages.get().is_empty()).to_string();
    let value = move || flow.draft.with(get);
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        flow.draft.update(|d| set(d, text));
    };
    let input = if kind == "textarea" {
        view! {
            <textarea
                id=id
                rows="6"
                aria-describedby=described
                aria-invalid=invalid
                prop:value=value
                on:input=on_input
                on:blur=move |_| touched.set(true)
            ></textarea>
        }
        .into_any()
    } else {
        view! {
            <input
                id=id
                type=kind
                autocomplete=autocomplete
                aria-describedby=described
                aria-invalid=invalid
                prop:value=value
                on:input=on_input
                on:blur=move |_| touched.set(true)
            />
        }
        .into_any()
    };
    view! {
        <div class="hc-field">
            <label for=id>{label}</label>
            <p class="hc-hint" id=hint_id>{hint}</p>
            {input}
            <FieldProblems id=problems_id messages />
        </div>
    }
}
