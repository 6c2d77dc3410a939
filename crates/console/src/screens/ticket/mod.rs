//! One ticket, as an agent works it: the claim as filed (each question and the answer
//! picked), the outcome and remedy, the claim window's facts, the shopper's contact and
//! language, the evidence, the timeline with internal notes set apart, and the actions the
//! ticket's status allows (`agent_can`): change status, ask for information, reply, note,
//! assign. Changes by colleagues or the shopper arrive live. `r` replies, `n` writes a note.
//!
//! The screen and how its cards are laid out are here; the actions are in `actions`, the
//! timeline in `timeline`, the order's and the window's facts in `facts`, what the agent is
//! writing in `drafts`.

mod actions;
mod drafts;
mod facts;
mod timeline;

use leptos::ev;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api;
use crate::app::{TicketDraft, use_console};
use crate::i18n::{Locale, Text};
use crate::present::{self, humanize};
use crate::screens::evidence::EvidenceList;
use crate::time;
use crate::wire::{AgentRef, ConsoleTicket, SavedReply};

use actions::Actions;
use drafts::Drafts;
use facts::{StoreOrderFacts, WindowFacts};
use timeline::Timeline;

#[component]
pub fn TicketScreen() -> impl IntoView {
    let console = use_console();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let ticket = RwSignal::new(None::<ConsoleTicket>);
    let error = RwSignal::new(None::<String>);
    let colleagues = RwSignal::new(Vec::<AgentRef>::new());
    let replies = RwSignal::new(Vec::<SavedReply>::new());
    // What the agent was writing here before the screen was last drawn (another language,
    // the inbox and back) comes back; every change is kept in the shell as it is typed.
    let kept = move |id: &str| {
        console
            .drafts
            .with_value(|d| d.get(id).cloned())
            .unwrap_or_default()
    };
    let drafts = Drafts::new(&kept(
        &params.with_untracked(|p| p.get("id").unwrap_or_default()),
    ));
    Effect::new(move |previous: Option<String>| {
        let current = id();
        if previous.is_some_and(|p| p != current) {
            drafts.restore(&kept(&current));
        }
        current
    });
    Effect::new(move |_| {
        let written = drafts.written();
        let current = params.with_untracked(|p| p.get("id").unwrap_or_default());
        console.drafts.update_value(|d| {
            if written == TicketDraft::default() {
                d.remove(&current);
            } else {
                d.insert(current, written);
            }
        });
    });

    let reload = move || {
        let id = id();
        leptos::task::spawn_local(async move {
            match api::ticket(&id, console.locale.get_untracked().tag()).await {
                Ok(found) => {
                    error.try_set(None);
                    // The ticket is drawn anew: focus goes back where the agent was.
                    let focused = document()
                        .active_element()
                        .map(|e| e.id())
                        .filter(|id| !id.is_empty());
                    ticket.try_set(Some(found));
                    if let Some(focused) = focused {
                        gloo_timers::future::TimeoutFuture::new(0).await;
                        crate::keys::focus_quietly(&focused);
                    }
                }
                Err(e) => error.set(Some(console.error_text(&e))),
            }
        });
    };
    Effect::new(move |previous: Option<String>| {
        let current = id();
        let _ = console.locale.get();
        if previous.as_ref() != Some(&current) {
            ticket.try_set(None);
        }
        reload();
        current
    });
    leptos::task::spawn_local(async move {
        if let Ok(agents) = api::agents().await {
            colleagues.try_set(agents);
        }
        if let Ok(saved) = api::saved_replies().await {
            replies.try_set(saved);
        }
    });

    // A change to this ticket by anyone: read it again (the shopper's answer brings files).
    let seen = console.live.get_untracked().map(|c| c.cursor);
    Effect::new(move |_| {
        let Some(change) = console.live.get() else {
            return;
        };
        if seen.is_some_and(|seen| change.cursor <= seen) {
            return;
        }
        if change.ticket_id != id() {
            return;
        }
        let locale = console.locale.get_untracked();
        console.announce.try_set(locale.fill(
            Text::LiveChanged,
            &[
                ("id", &change.ticket_id),
                ("status", locale.status(change.ticket.status)),
            ],
        ));
        reload();
    });

    // r and n jump to the reply and the note.
    let keys = window_event_listener(ev::keydown, move |event| {
        if crate::keys::typing(&event)
            || crate::keys::modified(&event)
            || console.shortcuts_open.get_untracked()
        {
            return;
        }
        let target = match event.key().as_str() {
            "r" => "reply-text",
            "n" => "note-text",
            _ => return,
        };
        if crate::keys::focus(target) {
            event.prevent_default();
        }
    });
    on_cleanup(move || keys.remove());

    view! {
        <section class="ticket" aria-labelledby="ticket-heading">
            <p><A href="/console/tickets">{console.tu(Text::BackToInbox)}</A></p>
            <p class="problem" role="alert" hidden=move || error.get().is_none()>{move || error.get()}</p>
            {move || match ticket.get() {
                None => view! { <p class="loading" hidden=move || error.get().is_some()>{console.t(Text::Loading)}</p> }.into_any(),
                Some(t) => view! { <TicketView ticket=t colleagues=colleagues replies=replies set=ticket drafts=drafts /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn TicketView(
    ticket: ConsoleTicket,
    colleagues: RwSignal<Vec<AgentRef>>,
    replies: RwSignal<Vec<SavedReply>>,
    set: RwSignal<Option<ConsoleTicket>>,
    drafts: Drafts,
) -> impl IntoView {
    let console = use_console();
    let locale = console.locale.get_untracked();
    // The server's words, in the agent's language (`?locale=`).
    let decision: Vec<(String, String)> = ticket
        .decision
        .iter()
        .map(|s| (s.question.clone(), s.answer.clone()))
        .collect();
    let outcome_message = ticket.outcome_message.clone();
    let category = ticket.category_title.clone();
    let overdue = present::waits_on_store(ticket.status) && time::is_past(&ticket.respond_by);
    let files = Signal::derive(move || {
        set.with(|t| t.as_ref().map(|t| t.evidence.clone()).unwrap_or_default())
    });
    let delivered = ticket.delivered_on;
    let delivered_on = Signal::derive(move || delivered);

    view! {
        <header class="ticket-head">
            <h1 id="ticket-heading">{ticket.id.clone()}</h1>
            <span class=format!("status status-{}", ticket.status.as_str()) data-status=ticket.status.as_str()>
                {locale.status(ticket.status)}
                {ticket.resolution.map(|r| format!(": {}", locale.resolution(r)))}
            </span>
            <span class="due" class:late=overdue>
                {locale.text(Text::RespondBy)} ": " {time::short(&ticket.respond_by, locale)}
                {overdue.then(|| view! { " " <span class="badge late">{locale.text(Text::OverdueBadge)}</span> })}
            </span>
            <span class="assignee" data-assignee=ticket.assignee.as_ref().map(|a| a.id.clone()).unwrap_or_default()>
                {match &ticket.assignee {
                    Some(a) => locale.fill(Text::Assigned, &[("name", &a.name)]),
                    None => format!("{}: {}", locale.text(Text::Assignee), locale.text(Text::Nobody)),
                }}
            </span>
        </header>
        <div class="ticket-grid">
            <div class="ticket-main">
                <section class="card claim" aria-labelledby="claim-heading">
                    <h2 id="claim-heading">{locale.text(Text::Claim)}</h2>
                    <dl class="pairs">
                        <div><dt>{locale.text(Text::Category)}</dt><dd>{category}</dd></div>
                        <div><dt>{locale.text(Text::Order)}</dt><dd>{ticket.order_number.clone()}</dd></div>
                        <div><dt>{locale.text(Text::FiledAt)}</dt><dd>{time::short(&ticket.created_at, locale)}</dd></div>
                    </dl>
                    <h3>{locale.text(Text::DecisionPath)}</h3>
                    {if decision.is_empty() {
                        view! { <p class="muted">{locale.text(Text::NoQuestions)}</p> }.into_any()
                    } else {
                        view! {
                            <ol class="decision">
                                {decision
                                    .into_iter()
                                    .map(|(q, a)| view! { <li><span class="q">{q}</span> <strong class="a">{a}</strong></li> })
                                    .collect_view()}
                            </ol>
                        }
                            .into_any()
                    }}
                    <h3>{locale.text(Text::Description)}</h3>
                    <p class="description">{ticket.description.clone()}</p>
                </section>
                <section class="card outcome" aria-labelledby="outcome-heading">
                    <h2 id="outcome-heading">{locale.text(Text::OutcomeHeading)}</h2>
                    <dl class="pairs">
                        <div><dt>{locale.text(Text::OutcomeHeading)}</dt><dd data-outcome=ticket.outcome.clone()>{humanize(&ticket.outcome)}</dd></div>
                        <div><dt>{locale.text(Text::Remedy)}</dt><dd>{locale.remedy(ticket.remedy)}</dd></div>
                    </dl>
                    <h3>{locale.text(Text::WhatShopperWasTold)}</h3>
                    <blockquote>{outcome_message}</blockquote>
                    <h3>{locale.text(Text::ClaimWindow)}</h3>
                    <WindowFacts ticket=ticket.clone() locale=locale />
                </section>
                {ticket.order.clone().map(|order| view! { <StoreOrderFacts order locale /> })}
                <EvidenceList files=files delivered_on=delivered_on />
                <Timeline events=ticket.timeline.clone() locale=locale />
            </div>
            <aside class="ticket-side">
                <section class="card contact" aria-labelledby="contact-heading">
                    <h2 id="contact-heading">{locale.text(Text::Contact)}</h2>
                    <dl class="pairs">
                        <div><dt>{locale.text(Text::Email)}</dt><dd><a href=format!("mailto:{}", ticket.email)>{ticket.email.clone()}</a></dd></div>
                        <div><dt>{locale.text(Text::ShopperLocale)}</dt><dd data-locale=ticket.locale.clone()>
                            {Locale::negotiate(&ticket.locale).name()} " (" {ticket.locale.clone()} ")"
                        </dd></div>
                        {ticket.customer_id.clone().map(|c| view! {
                            <div><dt>{locale.text(Text::CustomerId)}</dt><dd>{c}</dd></div>
                        })}
                    </dl>
                </section>
                <Actions ticket=ticket colleagues=colleagues replies=replies set=set drafts=drafts />
            </aside>
        </div>
    }
}
