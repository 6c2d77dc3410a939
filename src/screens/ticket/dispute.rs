//! Disputing the store's decision: negotiation first, then the legal recourse that remains.

use helpcenter_core::{Field, TicketStatus, check_message};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::answer::sending_failed;
use crate::following::TicketPage;
use crate::i18n::Text;
use crate::screens::FieldProblems;

/// §IV: negotiation first, then the courts. The shopper can dispute while the rulebook lets
/// them; once disputed, the page says what happens and what recourse remains.
#[component]
pub(super) fn Dispute() -> impl IntoView {
    let page = expect_context::<TicketPage>();
    let shop = page.shop;
    let locale = shop.locale;
    let (negotiation, legal) = shop.with_policy(|p| {
        (
            StoredValue::new(p.text(locale.tag(), &p.dispute.negotiation).to_owned()),
            StoredValue::new(p.text(locale.tag(), &p.dispute.legal_recourse).to_owned()),
        )
    });
    let can_dispute = move || {
        page.ticket.with(|t| {
            t.as_ref()
                .is_some_and(|t| t.shopper_can.contains(&TicketStatus::Escalated))
        })
    };
    let escalated = move || {
        page.ticket
            .with(|t| t.as_ref().map(|t| t.status) == Some(TicketStatus::Escalated))
    };
    let open = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let tried = RwSignal::new(false);
    let sending = RwSignal::new(false);
    let failure = RwSignal::new(Vec::<String>::new());
    let reason_problems = Signal::derive(move || {
        let code = tried
            .get()
            .then(|| reason.with(|r| check_message(r)))
            .flatten();
        code.map(|code| {
            page.files
                .describe(&[helpcenter_core::Problem::new(Field::Message, code)])
        })
        .unwrap_or_default()
    });
    let send = move |_| {
        tried.set(true);
        failure.set(Vec::new());
        if sending.get_untracked() || !reason_problems.get_untracked().is_empty() {
            return;
        }
        sending.set(true);
        spawn_local(async move {
            match page.dispute(reason.get_untracked().trim().to_owned()).await {
                Ok(()) => {
                    reason.set(String::new());
                    open.set(false);
                }
                Err(error) => {
                    failure.try_set(sending_failed(&page, error));
                }
            }
            sending.try_set(false);
        });
    };
    let legal_block = move || {
        view! {
            <h4>{locale.text(Text::LegalRecourse)}</h4>
            <p class="hc-legal">{legal.get_value()}</p>
        }
    };
    view! {
        <Show when=escalated>
            <section class="hc-dispute hc-dispute--open">
                <p class="hc-escalated">{locale.text(Text::EscalatedNow)}</p>
                {legal_block}
            </section>
        </Show>
        <Show when=can_dispute>
            <section class="hc-dispute">
                <h3>{locale.text(Text::DisputeHeading)}</h3>
                <Show
                    when=move || open.get()
                    fallback=move || {
                        view! {
                            <button type="button" class="hc-link hc-open-dispute" on:click=move |_| open.set(true)>
                                {locale.text(Text::DisputeOpen)}
                            </button>
                        }
                    }
                >
                    <p class="hc-negotiation">{negotiation.get_value()}</p>
                    <div class="hc-field">
                        <label for="hc-dispute-reason">{locale.text(Text::DisputeReasonLabel)}</label>
                        <textarea
                            id="hc-dispute-reason"
                            rows="3"
                            aria-describedby="hc-dispute-problems"
                            aria-invalid=move || (!reason_problems.get().is_empty()).to_string()
                            prop:value=move || reason.get()
                            on:input=move |ev| reason.set(event_target_value(&ev))
                        ></textarea>
                        <FieldProblems id="hc-dispute-problems" messages=reason_problems />
                    </div>
                    {legal_block}
                    <FieldProblems id="hc-dispute-failure" messages=failure.into() />
                    <button
                        type="button"
                        class="hc-next hc-send-dispute"
                        disabled=move || sending.get()
                        on:click=send
                    >
                        {move || locale.text(if sending.get() { Text::Sending } else { Text::DisputeSend })}
                    </button>
                </Show>
            </section>
        </Show>
    }
}
