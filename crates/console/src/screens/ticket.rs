//! One ticket, as an agent works it: the claim as filed (each question and the answer
//! picked), the outcome and remedy, the claim window's facts, the shopper's contact and
//! language, the evidence, the timeline with internal notes set apart, and the actions the
//! ticket's status allows (`agent_can`): change status, ask for information, reply, note,
//! assign. Changes by colleagues or the shopper arrive live. `r` replies, `n` writes a note.

use helpcenter_core::{ResolutionKind, TicketStatus};
use leptos::ev;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::{self, ApiError};
use crate::app::{TicketDraft, use_console};
use crate::i18n::{Locale, Text};
use crate::present::{self, humanize};
use crate::screens::evidence::EvidenceList;
use crate::time;
use crate::wire::{
    AgentMessage, AgentRef, Assign, ConsoleEvent, ConsoleEventKind, ConsoleTicket, EventActor,
    RequestInfo, SavedReply, Transition,
};

const ALL_RESOLUTIONS: [ResolutionKind; 8] = [
    ResolutionKind::Return,
    ResolutionKind::Exchange,
    ResolutionKind::Repair,
    ResolutionKind::Replacement,
    ResolutionKind::Refund,
    ResolutionKind::CarrierClaim,
    ResolutionKind::PaidSupport,
    ResolutionKind::Declined,
];

/// What the agent is writing or choosing on the ticket: kept by the screen, so a live change
/// that redraws the ticket loses none of it.
#[derive(Clone, Copy)]
struct Drafts {
    to: RwSignal<String>,
    resolution: RwSignal<String>,
    status_message: RwSignal<String>,
    question: RwSignal<String>,
    reply: RwSignal<String>,
    note: RwSignal<String>,
    colleague: RwSignal<String>,
    said_status: RwSignal<Said>,
    said_info: RwSignal<Said>,
    said_reply: RwSignal<Said>,
    said_note: RwSignal<Said>,
    said_assign: RwSignal<Said>,
}

impl Drafts {
    fn new(kept: &TicketDraft) -> Drafts {
        Drafts {
            to: RwSignal::new(kept.to.clone()),
            resolution: RwSignal::new(kept.resolution.clone()),
            status_message: RwSignal::new(kept.status_message.clone()),
            question: RwSignal::new(kept.question.clone()),
            reply: RwSignal::new(kept.reply.clone()),
            note: RwSignal::new(kept.note.clone()),
            colleague: RwSignal::new(kept.colleague.clone()),
            said_status: RwSignal::new(Said::Nothing),
            said_info: RwSignal::new(Said::Nothing),
            said_reply: RwSignal::new(Said::Nothing),
            said_note: RwSignal::new(Said::Nothing),
            said_assign: RwSignal::new(Said::Nothing),
        }
    }

    /// What is written now (tracked: an effect reading it runs again on every keystroke).
    fn written(&self) -> TicketDraft {
        TicketDraft {
            to: self.to.get(),
            resolution: self.resolution.get(),
            status_message: self.status_message.get(),
            question: self.question.get(),
            reply: self.reply.get(),
            note: self.note.get(),
            colleague: self.colleague.get(),
        }
    }

    /// Puts back what was written on another ticket (or nothing) when the screen shows it.
    fn restore(&self, kept: &TicketDraft) {
        self.to.set(kept.to.clone());
        self.resolution.set(kept.resolution.clone());
        self.status_message.set(kept.status_message.clone());
        self.question.set(kept.question.clone());
        self.reply.set(kept.reply.clone());
        self.note.set(kept.note.clone());
        self.colleague.set(kept.colleague.clone());
        for said in [
            self.said_status,
            self.said_info,
            self.said_reply,
            self.said_note,
            self.said_assign,
        ] {
            said.set(Said::Nothing);
        }
    }
}

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

/// What the store's order system said about the order, apart from what the shopper stated:
/// verified or not, whose delivery day the window counted from, and the items claimed.
#[component]
fn StoreOrderFacts(order: helpcenter_api::TicketOrder, locale: Locale) -> impl IntoView {
    use helpcenter_api::OrderVerification;
    use helpcenter_core::DeliverySource;
    let verdict = match order.verification {
        OrderVerification::Verified => locale.text(Text::OrderVerified).to_owned(),
        OrderVerification::Unverified => locale.fill(
            Text::OrderUnverified,
            &[("reason", order.unverified_reason.as_deref().unwrap_or("-"))],
        ),
    };
    let source = match order.delivered_on_source {
        DeliverySource::Store => Text::DeliveredPerStore,
        DeliverySource::Shopper => Text::DeliveredPerShopper,
    };
    let store = order.store_order.clone();
    let facts = store.clone().map(|o| {
        let carrier = match (o.carrier, o.tracking_number) {
            (Some(c), Some(t)) => Some(format!("{c} · {t}")),
            (c, t) => c.or(t),
        };
        view! {
            <dl class="pairs">
                {o.placed_on.map(|d| view! { <div><dt>{locale.text(Text::PlacedOn)}</dt><dd>{d.to_string()}</dd></div> })}
                {o.delivered_on.map(|d| view! { <div><dt>{locale.text(Text::DeliveredOn)}</dt><dd data-fact="store-delivered">{d.to_string()}</dd></div> })}
                {carrier.map(|c| view! { <div><dt>{locale.text(Text::Carrier)}</dt><dd>{c}</dd></div> })}
            </dl>
        }
    });
    let items = order
        .items
        .iter()
        .map(|claimed| {
            let name = store
                .as_ref()
                .and_then(|o| o.item(&claimed.id))
                .map_or_else(|| claimed.id.clone(), |i| i.name.clone());
            view! { <li data-item=claimed.id.clone()>{name} " × " {claimed.quantity}</li> }
        })
        .collect_view();
    let verified = matches!(order.verification, OrderVerification::Verified);
    view! {
        <section class="card store-order" aria-labelledby="store-order-heading" data-verification=if verified { "verified" } else { "unverified" }>
            <h2 id="store-order-heading">{locale.text(Text::StoreOrderHeading)}</h2>
            <p class=if verified { "verified" } else { "unverified" }>{verdict}</p>
            <p class="delivered-source" data-source=if matches!(order.delivered_on_source, DeliverySource::Store) { "store" } else { "shopper" }>
                {locale.text(source)}
            </p>
            {facts}
            {(!order.items.is_empty()).then(|| view! {
                <h3>{locale.text(Text::ClaimedItems)}</h3>
                <ul class="claimed-items">{items}</ul>
            })}
        </section>
    }
}

#[component]
fn WindowFacts(ticket: ConsoleTicket, locale: Locale) -> impl IntoView {
    let delivered = ticket.delivered_on.map(|d| d.to_string());
    match ticket.claim_window {
        None => view! {
            <dl class="pairs window">
                {delivered.map(|d| view! { <div><dt>{locale.text(Text::DeliveredOn)}</dt><dd>{d}</dd></div> })}
            </dl>
            <p class="muted">{locale.text(Text::NoWindow)}</p>
        }
            .into_any(),
        Some(w) => {
            let left = if w.days_left_when_filed >= 0 {
                w.days_left_when_filed.to_string()
            } else {
                locale.fill(
                    Text::FiledLate,
                    &[("days", &(-w.days_left_when_filed).to_string())],
                )
            };
            view! {
                <dl class="pairs window">
                    {delivered.map(|d| view! { <div><dt>{locale.text(Text::DeliveredOn)}</dt><dd data-fact="delivered">{d}</dd></div> })}
                    <div><dt>{locale.text(Text::ClaimWindow)}</dt><dd>{locale.fill(Text::WindowDays, &[("days", &w.days_after_delivery.to_string())])}</dd></div>
                    <div><dt>{locale.text(Text::LastDay)}</dt><dd>{w.last_day.to_string()}</dd></div>
                    <div><dt>{locale.text(Text::DaysLeftWhenFiled)}</dt><dd data-fact="days-left">{left}</dd></div>
                </dl>
            }
                .into_any()
        }
    }
}

fn event_title(kind: ConsoleEventKind, locale: Locale) -> &'static str {
    locale.text(match kind {
        ConsoleEventKind::Created => Text::EvCreated,
        ConsoleEventKind::StatusChanged => Text::EvStatusChanged,
        ConsoleEventKind::InfoRequested => Text::EvInfoRequested,
        ConsoleEventKind::Message => Text::EvMessage,
        ConsoleEventKind::ShopperReply => Text::EvShopperReply,
        ConsoleEventKind::InternalNote => Text::EvInternalNote,
        ConsoleEventKind::Assigned => Text::EvAssigned,
    })
}

/// Who did it and when: "by Wei, 14:02"; the shopper and the system by their role.
pub fn by_line(event: &ConsoleEvent, locale: Locale) -> String {
    by_line_at(event, locale, time::short(&event.at, locale))
}

fn by_line_at(event: &ConsoleEvent, locale: Locale, at: String) -> String {
    let name = match (event.actor, &event.by) {
        (_, Some(name)) => name.clone(),
        (EventActor::Shopper, None) => locale.text(Text::ShopperActed).to_owned(),
        (EventActor::System, None) | (EventActor::Agent, None) => {
            locale.text(Text::SystemActed).to_owned()
        }
    };
    locale.fill(Text::ByAt, &[("name", &name), ("time", &at)])
}

#[component]
fn Timeline(events: Vec<ConsoleEvent>, locale: Locale) -> impl IntoView {
    view! {
        <section class="card timeline" aria-labelledby="timeline-heading">
            <h2 id="timeline-heading">{locale.text(Text::Timeline)}</h2>
            <ol>
                {events
                    .into_iter()
                    .map(|event| {
                        let internal = event.internal || event.kind == ConsoleEventKind::InternalNote;
                        view! {
                            <li
                                class="event"
                                class:internal=internal
                                class:shopper=event.actor == EventActor::Shopper
                                data-kind=format!("{:?}", event.kind)
                                data-seq=event.seq
                            >
                                <p class="what">
                                    <strong>{event_title(event.kind, locale)}</strong>
                                    {(event.kind == ConsoleEventKind::StatusChanged || event.kind == ConsoleEventKind::Created).then(|| {
                                        format!(
                                            " → {}{}",
                                            locale.status(event.status),
                                            event.resolution.map(|r| format!(": {}", locale.resolution(r))).unwrap_or_default()
                                        )
                                    })}
                                    {internal.then(|| view! { " " <span class="badge note">{locale.text(Text::InternalNote)}</span> })}
                                </p>
                                <p class="by">{by_line(&event, locale)}</p>
                                {event.assigned_to.clone().map(|a| view! { <p class="message">{locale.fill(Text::Assigned, &[("name", &a.name)])}</p> })}
                                {(event.kind == ConsoleEventKind::Assigned && event.assigned_to.is_none()).then(|| view! {
                                    <p class="message">{format!("{}: {}", locale.text(Text::Assignee), locale.text(Text::Nobody))}</p>
                                })}
                                {event.message.map(|m| view! { <p class="message">{m}</p> })}
                                {(!event.evidence.is_empty()).then(|| view! {
                                    <p class="muted">{format!("{} × {}", event.evidence.len(), locale.text(Text::Evidence))}</p>
                                })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </section>
    }
}

/// Result of an action, said beside its button.
#[derive(Clone, Debug, PartialEq)]
enum Said {
    Nothing,
    Sending,
    Done,
    Problem(String),
}

#[component]
fn Actions(
    ticket: ConsoleTicket,
    colleagues: RwSignal<Vec<AgentRef>>,
    replies: RwSignal<Vec<SavedReply>>,
    set: RwSignal<Option<ConsoleTicket>>,
    drafts: Drafts,
) -> impl IntoView {
    let console = use_console();
    let locale = console.locale.get_untracked();
    let id = StoredValue::new(ticket.id.clone());
    let me = console.agent();
    let placeholders = StoredValue::new(ticket.placeholders.clone());
    let shopper_locale = StoredValue::new(ticket.locale.clone());
    // Statuses offered here; `needs_info` goes through "ask for information" (with its question).
    let moves: Vec<TicketStatus> = ticket
        .agent_can
        .iter()
        .copied()
        .filter(|s| *s != TicketStatus::NeedsInfo)
        .collect();
    let mut resolutions: Vec<ResolutionKind> = ticket.remedy.usual_resolutions().to_vec();
    for kind in ALL_RESOLUTIONS {
        if !resolutions.contains(&kind) {
            resolutions.push(kind);
        }
    }
    let closed = ticket.agent_can.is_empty() && !ticket.can_request_info;

    let Drafts {
        to,
        resolution,
        status_message,
        question,
        reply,
        note,
        colleague,
        said_status,
        said_info,
        said_reply,
        said_note,
        said_assign,
    } = drafts;
    // The status chosen stays chosen while it is allowed; else the first allowed one.
    if !moves.iter().any(|s| s.as_str() == to.get_untracked()) {
        to.try_set(
            moves
                .first()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
        );
    }

    // Sends one action; the answer is the ticket as it now stands.
    let act = move |said: RwSignal<Said>,
                    clear: Option<RwSignal<String>>,
                    call: std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<ConsoleTicket, ApiError>>>,
    >| {
        said.set(Said::Sending);
        leptos::task::spawn_local(async move {
            match call.await {
                Ok(updated) => {
                    if let Some(field) = clear {
                        field.try_set(String::new());
                    }
                    said.try_set(Said::Done);
                    console
                        .announce
                        .try_set(console.locale.get_untracked().text(Text::Done).to_owned());
                    set.try_set(Some(updated));
                }
                Err(e) => {
                    let text = console.error_text(&e);
                    if e.is_conflict() {
                        // Someone moved it first: show where it stands now.
                        if let Ok(fresh) =
                            api::ticket(&id.get_value(), console.locale.get_untracked().tag()).await
                        {
                            set.try_set(Some(fresh));
                        }
                    }
                    said.try_set(Said::Problem(text));
                }
            }
        });
    };

    let expand = move |text: &str| present::expand_reply(text, &placeholders.get_value());

    let saved_picker = move |target: RwSignal<String>, picker_id: &'static str| {
        let chosen = RwSignal::new(String::new());
        view! {
            <div class="saved-picker">
                <label for=picker_id>{locale.text(Text::SavedReply)}</label>
                <select id=picker_id on:change=move |e| chosen.set(event_target_value(&e))>
                    <option value="">{locale.text(Text::NoSavedReply)}</option>
                    {move || replies.get().into_iter().map(|r| view! { <option value=r.id.clone()>{r.title.clone()}</option> }).collect_view()}
                </select>
                <button type="button" disabled=move || chosen.get().is_empty() on:click=move |_| {
                    let pick = chosen.get_untracked();
                    if let Some(r) = replies.with_untracked(|rs| rs.iter().find(|r| r.id == pick).cloned()) {
                        let text = present::reply_in(&r.body_en, &r.body_zh, &shopper_locale.get_value()).to_owned();
                        target.try_set(text);
                    }
                }>{locale.text(Text::Insert)}</button>
            </div>
        }
    };

    let preview = move |source: RwSignal<String>, preview_id: &'static str| {
        view! {
            <Show when=move || source.with(|s| s.contains('{'))>
                <div class="preview" id=preview_id>
                    <p class="label">{locale.text(Text::Preview)}</p>
                    <p class="text" lang=move || shopper_locale.get_value()>{move || expand(&source.get())}</p>
                </div>
            </Show>
        }
    };

    let said_view = move |said: RwSignal<Said>| {
        view! {
            <p class="said" role="status">
                {move || match said.get() {
                    Said::Nothing => String::new(),
                    Said::Sending => locale.text(Text::Sending).to_owned(),
                    Said::Done => locale.text(Text::Done).to_owned(),
                    Said::Problem(text) => text,
                }}
            </p>
        }
    };

    let assigned_to_me = me
        .as_ref()
        .is_some_and(|m| ticket.assignee.as_ref().is_some_and(|a| a.id == m.id));
    let me_id = me.map(|m| m.id);
    let has_assignee = ticket.assignee.is_some();
    let can_request_info = ticket.can_request_info;
    let has_moves = !moves.is_empty();

    view! {
        <section class="card actions" aria-labelledby="actions-heading">
            <h2 id="actions-heading">{locale.text(Text::Actions)}</h2>
            {closed.then(|| view! { <p class="muted">{locale.text(Text::NothingAllowed)}</p> })}

            <div class="assign">
                <button type="button" class="primary assign-me" disabled=assigned_to_me on:click={
                    let me_id = me_id.clone();
                    move |_| {
                        let body = Assign { agent_id: me_id.clone() };
                        act(said_assign, None, Box::pin(async move { api::assign(&id.get_value(), locale.tag(), &body).await }));
                    }
                }>{locale.text(Text::AssignToMe)}</button>
                <label for="assign-to">{locale.text(Text::AssignTo)}</label>
                <select id="assign-to" on:change=move |e| colleague.set(event_target_value(&e))>
                    <option value="">"—"</option>
                    {move || colleagues.get().into_iter().map(|a| {
                        let value = a.id.clone();
                        let chosen = a.id.clone();
                        view! { <option value=value selected=move || colleague.get() == chosen>{a.name.clone()}</option> }
                    }).collect_view()}
                </select>
                <button type="button" disabled=move || colleague.get().is_empty() on:click=move |_| {
                    let body = Assign { agent_id: Some(colleague.get_untracked()) };
                    act(said_assign, None, Box::pin(async move { api::assign(&id.get_value(), locale.tag(), &body).await }));
                }>{locale.text(Text::AssignTo)}</button>
                {has_assignee.then(|| view! {
                    <button type="button" class="link" on:click=move |_| {
                        let body = Assign { agent_id: None };
                        act(said_assign, None, Box::pin(async move { api::assign(&id.get_value(), locale.tag(), &body).await }));
                    }>{locale.text(Text::Unassign)}</button>
                })}
                {said_view(said_assign)}
            </div>

            {has_moves.then(|| view! {
                <form class="change-status" on:submit=move |e: ev::SubmitEvent| {
                    e.prevent_default();
                    let Some(target) = TicketStatus::parse(&to.get_untracked()) else { return };
                    let kind = ALL_RESOLUTIONS.into_iter().find(|r| resolution_id(*r) == resolution.get_untracked());
                    if target == TicketStatus::Resolved && kind.is_none() {
                        said_status.try_set(Said::Problem(locale.text(Text::ResolutionNeeded).to_owned()));
                        crate::keys::focus("status-resolution");
                        return;
                    }
                    let message = expand(status_message.get_untracked().trim());
                    let body = Transition {
                        to: target,
                        resolution: if target == TicketStatus::Resolved { kind } else { None },
                        message: Some(message).filter(|m| !m.is_empty()),
                    };
                    act(said_status, Some(status_message), Box::pin(async move { api::transition(&id.get_value(), locale.tag(), &body).await }));
                }>
                    <h3>{locale.text(Text::ChangeStatus)}</h3>
                    <label for="status-to">{locale.text(Text::NewStatus)}</label>
                    <select id="status-to" on:change=move |e| to.set(event_target_value(&e))>
                        {moves.iter().map(|s| {
                            let value = s.as_str();
                            view! { <option value=value selected=move || to.get() == value>{locale.move_to(*s)}</option> }
                        }).collect_view()}
                    </select>
                    <Show when=move || to.get() == TicketStatus::Resolved.as_str()>
                        <label for="status-resolution">{locale.text(Text::Resolution)}</label>
                        <select id="status-resolution" on:change=move |e| resolution.set(event_target_value(&e))
                            aria-invalid=move || matches!(said_status.get(), Said::Problem(_)) && resolution.get().is_empty()>
                            <option value="">{locale.text(Text::ChooseResolution)}</option>
                            {resolutions.iter().map(|r| {
                                let value = resolution_id(*r);
                                view! { <option value=value selected=move || resolution.get() == value>{locale.resolution(*r)}</option> }
                            }).collect_view()}
                        </select>
                    </Show>
                    <label for="status-message">{locale.text(Text::MessageToShopper)}</label>
                    <textarea id="status-message" rows="3" prop:value=move || status_message.get()
                        on:input=move |e| status_message.set(event_target_value(&e))></textarea>
                    {saved_picker(status_message, "status-saved")}
                    {preview(status_message, "status-preview")}
                    <button type="submit" class="primary" disabled=move || said_status.get() == Said::Sending>{locale.text(Text::Apply)}</button>
                    {said_view(said_status)}
                </form>
            })}

            {can_request_info.then(|| view! {
                <form class="ask" on:submit=move |e: ev::SubmitEvent| {
                    e.prevent_default();
                    let text = expand(question.get_untracked().trim());
                    if text.is_empty() {
                        said_info.try_set(Said::Problem(locale.text(Text::MessageEmpty).to_owned()));
                        crate::keys::focus("ask-text");
                        return;
                    }
                    let body = RequestInfo { question: text };
                    act(said_info, Some(question), Box::pin(async move { api::request_info(&id.get_value(), locale.tag(), &body).await }));
                }>
                    <h3>{locale.text(Text::AskForInfo)}</h3>
                    <label for="ask-text">{locale.text(Text::Question)}</label>
                    <textarea id="ask-text" rows="3" prop:value=move || question.get()
                        on:input=move |e| question.set(event_target_value(&e))></textarea>
                    {saved_picker(question, "ask-saved")}
                    {preview(question, "ask-preview")}
                    <button type="submit" class="primary" disabled=move || said_info.get() == Said::Sending>{locale.text(Text::AskForInfo)}</button>
                    {said_view(said_info)}
                </form>
            })}

            {(!closed).then(|| view! {
                <form class="reply" on:submit=move |e: ev::SubmitEvent| {
                    e.prevent_default();
                    let text = expand(reply.get_untracked().trim());
                    if text.is_empty() {
                        said_reply.try_set(Said::Problem(locale.text(Text::MessageEmpty).to_owned()));
                        crate::keys::focus("reply-text");
                        return;
                    }
                    let body = AgentMessage { body: text, internal: false };
                    act(said_reply, Some(reply), Box::pin(async move { api::message(&id.get_value(), locale.tag(), &body).await }));
                }>
                    <h3>{locale.text(Text::Reply)}</h3>
                    <label for="reply-text">{locale.text(Text::MessageToShopper)} <kbd>"r"</kbd></label>
                    <textarea id="reply-text" rows="4" aria-keyshortcuts="r" prop:value=move || reply.get()
                        on:input=move |e| reply.set(event_target_value(&e))></textarea>
                    {saved_picker(reply, "reply-saved")}
                    {preview(reply, "reply-preview")}
                    <button type="submit" class="primary" disabled=move || said_reply.get() == Said::Sending>{locale.text(Text::Send)}</button>
                    {said_view(said_reply)}
                </form>
            })}

            <form class="note" on:submit=move |e: ev::SubmitEvent| {
                e.prevent_default();
                let text = note.get_untracked().trim().to_owned();
                if text.is_empty() {
                    said_note.try_set(Said::Problem(locale.text(Text::MessageEmpty).to_owned()));
                    crate::keys::focus("note-text");
                    return;
                }
                let body = AgentMessage { body: text, internal: true };
                act(said_note, Some(note), Box::pin(async move { api::message(&id.get_value(), locale.tag(), &body).await }));
            }>
                <h3>{locale.text(Text::Note)}</h3>
                <label for="note-text">{locale.text(Text::Note)} <kbd>"n"</kbd></label>
                <textarea id="note-text" rows="3" aria-keyshortcuts="n" aria-describedby="note-hint" prop:value=move || note.get()
                    on:input=move |e| note.set(event_target_value(&e))></textarea>
                <p class="hint" id="note-hint">{locale.text(Text::NoteHint)}</p>
                <button type="submit" disabled=move || said_note.get() == Said::Sending>{locale.text(Text::AddNote)}</button>
                {said_view(said_note)}
            </form>
        </section>
    }
}

/// A resolution's wire name (`carrier_claim`), for form values.
fn resolution_id(kind: ResolutionKind) -> &'static str {
    match kind {
        ResolutionKind::Return => "return",
        ResolutionKind::Exchange => "exchange",
        ResolutionKind::Repair => "repair",
        ResolutionKind::Replacement => "replacement",
        ResolutionKind::Refund => "refund",
        ResolutionKind::CarrierClaim => "carrier_claim",
        ResolutionKind::PaidSupport => "paid_support",
        ResolutionKind::Declined => "declined",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution_ids_are_the_wire_names() {
        for kind in ALL_RESOLUTIONS {
            let wire = serde_json::to_value(kind).expect("json");
            assert_eq!(wire, serde_json::Value::from(resolution_id(kind)));
        }
    }

    #[test]
    fn the_timeline_says_who_acted_and_when() {
        let event = |actor, by: Option<&str>| ConsoleEvent {
            seq: 3,
            at: "2026-12-03T14:02:00Z".into(),
            kind: ConsoleEventKind::InternalNote,
            actor,
            by: by.map(str::to_owned),
            agent_id: None,
            status: TicketStatus::InReview,
            resolution: None,
            message: Some("Called the carrier".into()),
            internal: true,
            assigned_to: None,
            evidence: vec![],
        };
        let at = "14:02".to_owned();
        assert_eq!(
            by_line_at(
                &event(EventActor::Agent, Some("Wei")),
                Locale::En,
                at.clone()
            ),
            "by Wei, 14:02"
        );
        assert_eq!(
            by_line_at(
                &event(EventActor::Agent, Some("Wei")),
                Locale::ZhCn,
                at.clone()
            ),
            "Wei，14:02"
        );
        assert_eq!(
            by_line_at(&event(EventActor::Shopper, None), Locale::En, at),
            "by Shopper, 14:02"
        );
    }
}
