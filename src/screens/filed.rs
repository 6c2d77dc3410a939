use leptos::prelude::*;

use super::{RequestNumber, ScreenHeading, local_time};
use crate::app::Place;
use crate::flow::Flow;
use crate::i18n::Text;

/// The confirmation: the ticket's number, what happens next and by when.
#[component]
pub fn FiledScreen() -> impl IntoView {
    let flow = expect_context::<Flow>();
    let locale = flow.locale;
    let lang = locale.tag();
    let place = expect_context::<RwSignal<Place>>();
    let Some(filed) = flow.filed.get_untracked() else {
        return ().into_any();
    };
    let ticket = &filed.ticket.ticket;
    let next = flow.with_policy(|p| {
        p.outcome(&ticket.outcome)
            .map(|o| p.outcome_message(lang, o))
            .unwrap_or_default()
    });
    let when = local_time(&ticket.respond_by, locale);
    let mail: Vec<Text> = flow.config.with_value(|c| {
        use helpcenter_api::MailKind::*;
        let updates = [InfoRequest, Message, Decision]
            .into_iter()
            .any(|k| c.mails(k));
        [
            (c.mails(Receipt), Text::SubmittedReceipt),
            (updates, Text::SubmittedMailUpdates),
        ]
        .into_iter()
        .filter_map(|(on, text)| on.then_some(text))
        .collect()
    });
    let id = filed.ticket.ticket_id.clone();
    view! {
        <section class="hc-screen hc-filed">
            <ScreenHeading>{locale.text(Text::SubmittedHeading)}</ScreenHeading>
            <p class="hc-ticket-id">
                <RequestNumber
                    id=filed.ticket.ticket_id.clone()
                    template=locale.text(Text::SubmittedNumber)
                    locale
                />
            </p>
            <p>{locale.fill(Text::SubmittedNext, &[("when", &when)])}</p>
            // Mail is promised only where this site sends it.
            {mail
                .into_iter()
                .map(|text| view! { <p class="hc-mail-promise">{locale.fill(text, &[("email", &filed.email)])}</p> })
                .collect_view()}
            <p class="hc-outcome-message">{next}</p>
            <p class="hc-hint">{locale.text(Text::SubmittedKeep)}</p>
            <div class="hc-nav">
                <button type="button" class="hc-back" on:click=move |_| flow.filed.set(None)>
                    {locale.text(Text::StartAnother)}
                </button>
                <button
                    type="button"
                    class="hc-next hc-follow"
                    on:click=move |_| {
                        place.set(Place::Ticket(id.clone()));
                        flow.filed.set(None);
                    }
                >
                    {locale.text(Text::FollowRequest)}
                </button>
            </div>
        </section>
    }
    .into_any()
}
