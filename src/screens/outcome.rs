use helpcenter_core::{Liability, Outcome, Policy};
use leptos::prelude::*;

use super::ScreenHeading;
use crate::i18n::{Locale, Text};

/// What the store will do, said plainly before the shopper writes anything (§III).
#[component]
pub fn OutcomeScreen(
    policy: StoredValue<Policy>,
    locale: Locale,
    outcome: Outcome,
    step: usize,
    on_back: Callback<()>,
) -> impl IntoView {
    let lang = locale.tag();
    let (message, hint) = policy.with_value(|p| {
        (
            p.outcome_message(lang, &outcome),
            p.text(lang, &outcome.evidence.hint).to_owned(),
        )
    });
    let liability = outcome.remedy.liability();
    let coverage = locale.text(match liability {
        Liability::Store => Text::Covered,
        Liability::NotCovered => Text::NotCovered,
        Liability::Carrier => Text::CarrierClaim,
        Liability::ToBeVerified => Text::ToBeVerified,
    });
    let window = outcome.claim_window.as_ref().map(|w| {
        locale
            .text(Text::DaysToReport)
            .replace("{days}", &w.days_after_delivery.to_string())
    });
    let liability_class = format!(
        "hc-coverage hc-coverage--{}",
        serde_json::to_value(liability)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    );
    view! {
        <section class="hc-screen hc-outcome" data-outcome=outcome.id.clone()>
            <p class="hc-step">{locale.text(Text::StepOf).replace("{n}", &step.to_string())}</p>
            <ScreenHeading>{locale.text(Text::OutcomeHeading)}</ScreenHeading>
            <p class=liability_class>{coverage}</p>
            <p class="hc-outcome-message">{message}</p>
            {window.map(|w| view! { <p class="hc-window">{w}</p> })}
            <h3>{locale.text(Text::WhatToAttach)}</h3>
            <p class="hc-hint">{hint}</p>
            <button type="button" class="hc-back" on:click=move |_| on_back.run(())>
                {locale.text(Text::Back)}
            </button>
        </section>
    }
}
