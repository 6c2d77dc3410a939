use helpcenter_core::{Field, Liability, Outcome, WindowStatus};
use leptos::prelude::*;

use super::{FieldProblems, Nav, ScreenHeading, StageBar};
use crate::draft::Stage;
use crate::flow::Flow;
use crate::i18n::Text;

/// What the store will do, said plainly before the shopper writes anything (§III), right under
/// the heading that names it. Where a claim window applies, the delivery day is asked next: it
/// decides whether the carrier claim is still open and how many days are left, or what the
/// shopper can still do, and what it decides is said right below it.
#[component]
pub fn OutcomeScreen(
    /// The outcome the answers lead to (the claim may go to its late route).
    reached: Outcome,
) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let locale = flow.locale;
    let lang = locale.tag();
    let has_window = reached.claim_window.is_some();
    let window_days = flow.with_policy(|p| p.window_days(&reached)).unwrap_or(0);
    let decision = Memo::new(move |_| flow.decision());
    // Until a delivery day is given, what the shopper is told is the reached outcome's.
    let shown = Memo::new(move |_| {
        decision
            .get()
            .map(|(o, _)| o)
            .unwrap_or_else(|| reached.clone())
    });
    let coverage = move || {
        locale.text(match shown.get().remedy.liability() {
            Liability::Store => Text::Covered,
            Liability::NotCovered => Text::NotCovered,
            Liability::Carrier => Text::CarrierClaim,
            Liability::ToBeVerified => Text::ToBeVerified,
        })
    };
    let coverage_class = move || {
        let kind = match shown.get().remedy.liability() {
            Liability::Store => "store",
            Liability::NotCovered => "not_covered",
            Liability::Carrier => "carrier",
            Liability::ToBeVerified => "to_be_verified",
        };
        format!("hc-coverage hc-coverage--{kind}")
    };
    let message = move || flow.with_policy(|p| p.outcome_message(lang, &shown.get()));
    let hint = move || flow.with_policy(|p| p.text(lang, &shown.get().evidence.hint).to_owned());
    let return_policy = move || {
        let url = flow.config.with_value(|c| c.return_policy_url.clone())?;
        shown.get().remedy.follows_return_policy().then(|| {
            view! {
                <p>
                    <a class="hc-link" href=url target="_blank" rel="noopener">
                        {locale.text(Text::ReturnPolicyLink)}
                    </a>
                </p>
            }
        })
    };
    let window_line = move || {
        let days = window_days.to_string();
        match decision.get()?.1? {
            WindowStatus::Open { days_left: 0, .. } => {
                Some(locale.text(Text::WindowLastDay).to_owned())
            }
            WindowStatus::Open {
                days_left,
                last_day,
            } => Some(locale.fill(
                Text::WindowOpen,
                &[
                    ("days", &days_left.to_string()),
                    ("date", &locale.date(last_day)),
                ],
            )),
            WindowStatus::Closed { last_day } => Some(locale.fill(
                Text::WindowClosed,
                &[("days", &days), ("date", &locale.date(last_day))],
            )),
            WindowStatus::DeliveryInFuture => None,
        }
    };
    let tried = RwSignal::new(false);
    let date_messages = Signal::derive(move || {
        if !has_window {
            return Vec::new();
        }
        let shown_now = tried.get() || !flow.draft.with(|d| d.claim.delivered_on.is_empty());
        if !shown_now {
            return Vec::new();
        }
        flow.messages(Field::DeliveredOn)
    });
    let back = Callback::new(move |()| flow.draft.update(|d| d.back()));
    let next = Callback::new(move |()| {
        tried.set(true);
        if flow.decision().is_some() {
            flow.go(Stage::Details);
        } else {
            super::focus_first_invalid();
        }
    });
    let today = flow.today.to_string();
    // The store's delivery day, when it knows one: the window counts from it, and no date is
    // asked for (a typed day could not move it anyway).
    let store_day = flow
        .order()
        .with_untracked(|o| o.as_ref().and_then(|o| o.delivered_on));
    let store_line = store_day.filter(|_| has_window).map(|day| {
        view! {
            <div class="hc-field">
                <p class="hc-delivered-by-store">
                    {crate::i18n::fill(
                        super::order::words(locale, super::order::Words::DeliveredByStore),
                        &[("date", &locale.date(day))],
                    )}
                </p>
                <FieldProblems id="hc-delivered-on-problems" messages=date_messages />
            </div>
        }
    });
    let has_window = has_window && store_day.is_none();
    // The store could not be asked: the shopper knows their day counts and is checked later.
    let unchecked_line = flow.draft.with_untracked(|d| d.order_unchecked).then(|| {
        view! {
            <p class="hc-hint hc-order-unchecked-note">
                {super::order::words(locale, super::order::Words::Unchecked)}
            </p>
        }
    });
    view! {
        <section class="hc-screen hc-outcome" data-outcome=move || shown.get().id>
            <StageBar current=Stage::Problem />
            <ScreenHeading>{locale.text(Text::OutcomeHeading)}</ScreenHeading>
            <div aria-live="polite">
                <p class=coverage_class>{coverage}</p>
                <p class="hc-outcome-message">{message}</p>
                {return_policy}
            </div>
            {store_line}
            {unchecked_line}
            {has_window
                .then(|| {
                    view! {
                        <div class="hc-field">
                            <label for="hc-delivered-on">{locale.text(Text::DeliveredOnLabel)}</label>
                            <p class="hc-hint" id="hc-delivered-on-hint">
                                {locale.text(Text::DeliveredOnHint)}
                            </p>
                            <input
                                id="hc-delivered-on"
                                type="date"
                                max=today
                                aria-describedby="hc-delivered-on-hint hc-delivered-on-problems"
                                aria-invalid=move || (!date_messages.get().is_empty()).to_string()
                                prop:value=move || flow.draft.with(|d| d.claim.delivered_on.clone())
                                on:input=move |ev| {
                                    let value = event_target_value(&ev);
                                    flow.draft.update(|d| d.claim.delivered_on = value);
                                }
                            />
                            <FieldProblems id="hc-delivered-on-problems" messages=date_messages />
                        </div>
                    }
                })}
            <p class="hc-window" aria-live="polite">{window_line}</p>
            <h3>{locale.text(Text::WhatToAttach)}</h3>
            <p class="hc-hint hc-attach-hint">{hint}</p>
            <Nav on_back=back next=(locale.text(Text::Continue), next) />
        </section>
    }
}
