//! One request as the shopper follows it: opened with its token, then the page's parts in order.

mod answer;
mod claim;
mod conversation;
mod dispute;
mod progress;

use helpcenter_core::TicketStatus;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{CopyButton, ScreenHeading, local_time};
use crate::api::TicketView;
use crate::app::Place;
use crate::following::TicketPage;
use crate::i18n::Text;
use crate::live::Connection;
use crate::requests::Following;

use answer::AnswerForm;
use claim::{Claim, Resolution};
use conversation::{History, SentFiles};
use dispute::Dispute;
use progress::StatusSteps;
pub use progress::{Step, rail};

/// Opening a request: its token comes from this device, or from the shopper's account.
#[derive(Clone, Debug, PartialEq)]
enum Opening {
    Loading,
    /// No such request, or nothing on this device opens it (the server does not say which).
    NotFound,
    Failed,
    Ready(String, Box<TicketView>),
}

/// One request, followed live: where it stands, what that means, what the store asked and
/// said, the files sent; answering the store and disputing its decision.
#[component]
pub fn TicketScreen(id: String) -> impl IntoView {
    let requests = expect_context::<Following>().requests();
    let place = expect_context::<RwSignal<Place>>();
    let locale = requests.shop.locale;
    let opening = RwSignal::new(Opening::Loading);
    let open = {
        let id = id.clone();
        move || {
            opening.set(Opening::Loading);
            let id = id.clone();
            spawn_local(async move {
                let api = requests.shop.api.get_value();
                let state = match requests.open(&id).await {
                    Ok(token) => match api.ticket(&id, &token).await {
                        Ok(ticket) => Opening::Ready(token, Box::new(ticket)),
                        Err(e) if e.is_not_found() => Opening::NotFound,
                        Err(_) => Opening::Failed,
                    },
                    Err(e) if e.is_not_found() => Opening::NotFound,
                    Err(_) => Opening::Failed,
                };
                opening.try_set(state);
            });
        }
    };
    open();
    let to_requests = move |_| place.set(Place::Requests);
    let template = locale.text(Text::TicketHeading);
    let (before, after) = template.split_once("{id}").unwrap_or((template, ""));
    let number = NodeRef::<leptos::html::Span>::new();
    let body = move || match opening.get() {
        Opening::Loading => {
            view! { <p class="hc-status" role="status">{locale.text(Text::TicketLoading)}</p> }
                .into_any()
        }
        Opening::NotFound => view! {
            <div class="hc-error hc-ticket-not-found" role="alert">
                <p>{locale.text(Text::TicketNotFound)}</p>
                <button type="button" class="hc-next" on:click=to_requests>
                    {locale.text(Text::FindHeading)}
                </button>
            </div>
        }
        .into_any(),
        Opening::Failed => {
            let open = open.clone();
            view! {
                <div class="hc-error" role="alert">
                    <p>{locale.text(Text::TicketFailed)}</p>
                    <button type="button" class="hc-retry" on:click=move |_| open()>
                        {locale.text(Text::TryAgain)}
                    </button>
                </div>
            }
            .into_any()
        }
        Opening::Ready(token, ticket) => view! { <TicketDetail token ticket=*ticket /> }.into_any(),
    };
    view! {
        <section class="hc-screen hc-ticket">
            <button type="button" class="hc-link hc-to-requests" on:click=to_requests>
                {locale.text(Text::BackToRequests)}
            </button>
            <ScreenHeading>
                {before}
                <span class="hc-id" node_ref=number>{id.clone()}</span>
                {after}
            </ScreenHeading>
            <CopyButton number locale />
            {body}
        </section>
    }
}

#[component]
fn TicketDetail(token: String, ticket: TicketView) -> impl IntoView {
    let requests = expect_context::<Following>().requests();
    let page = TicketPage::new(requests, token, ticket);
    page.follow();
    provide_context(page);
    let shop = page.shop;
    let locale = shop.locale;
    let lang = locale.tag();
    let status = move || page.ticket.with(|t| t.as_ref().map(|t| t.status));
    let category = page.ticket.with_untracked(|t| {
        t.as_ref()
            .map(|t| {
                shop.with_policy(|p| {
                    p.category(&t.category)
                        .map(|c| p.text(lang, &c.title).to_owned())
                        .unwrap_or_default()
                })
            })
            .unwrap_or_default()
    });
    let status_line = move || {
        status().map(|s| locale.fill(Text::StatusNow, &[("status", &page.status_words(s))]))
    };
    let reconnecting = move || page.connection.get() == Connection::Reconnecting;
    let respond_by = move || {
        let (status, when) = page
            .ticket
            .with(|t| t.as_ref().map(|t| (t.status, t.respond_by.clone())))?;
        matches!(
            status,
            TicketStatus::Submitted | TicketStatus::InReview | TicketStatus::Escalated
        )
        .then(|| {
            view! {
                <p class="hc-respond-by">
                    {locale.fill(Text::RespondBy, &[("when", &local_time(&when, locale))])}
                </p>
            }
        })
    };
    // The shopper can write while the ticket is open, asked or not.
    let open = move || status().is_some_and(TicketStatus::is_open);
    view! {
        <p class="hc-ticket-category">{category}</p>
        <p
            class="hc-ticket-status"
            data-status=move || status().map(|s| s.as_str())
            data-connection=move || page.connection.get().as_str()
        >
            {status_line}
        </p>
        <Show when=reconnecting>
            <p class="hc-connection" role="status">{locale.text(Text::Reconnecting)}</p>
        </Show>
        <StatusSteps />
        {respond_by}
        <Resolution />
        <Dispute />
        <Claim />
        <SentFiles />
        <History />
        <Show when=open>
            <AnswerForm />
        </Show>
        <p class="hc-sr-only" aria-live="polite">{move || page.announce.get()}</p>
    }
}
