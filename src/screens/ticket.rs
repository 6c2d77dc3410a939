use helpcenter_api::{EventActor, EventKind, EvidenceItem};
use helpcenter_core::limits::MAX_SHOPPER_MESSAGE_CHARS;
use helpcenter_core::{Field, TicketStatus, check_message};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::files::{FileList, FilePickers};
use super::{CopyButton, FieldProblems, ScreenHeading, local_time};
use crate::api::{SubmitError, TicketView};
use crate::app::Place;
use crate::following::TicketPage;
use crate::i18n::Text;
use crate::live::Connection;
use crate::requests::Following;

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

/// The way the request went and the usual way ahead, in the shopper's words: each change of
/// status once, the current one marked.
#[component]
fn StatusSteps() -> impl IntoView {
    let page = expect_context::<TicketPage>();
    let locale = page.shop.locale;
    let steps = move || {
        let Some(current) = page.ticket.with(|t| t.as_ref().map(|t| t.status)) else {
            return Vec::new().into_iter().collect_view();
        };
        rail(current)
            .into_iter()
            .map(|(status, step)| {
                let (class, aria) = match step {
                    Step::Done => ("hc-progress-step hc-progress-step--done", None),
                    Step::Current => ("hc-progress-step hc-progress-step--current", Some("step")),
                    Step::Ahead => ("hc-progress-step", None),
                };
                let words = if step == Step::Ahead {
                    locale.status(status).to_owned()
                } else {
                    page.status_words(status)
                };
                view! {
                    <li class=class aria-current=aria data-status=status.as_str()>
                        {words}
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <nav class="hc-progress" aria-label=locale.text(Text::Progress)>
            <ol>{steps}</ol>
        </nav>
    }
}

/// Where a step of the progress rail stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Done,
    Current,
    Ahead,
}

/// The progress rail: the main road (received, under review, resolved, closed), each step
/// once, with a detour (the store asking, a dispute) shown only while the ticket is on it.
/// Where it went back and forth is the conversation's to tell, not the rail's.
pub fn rail(current: TicketStatus) -> Vec<(TicketStatus, Step)> {
    use TicketStatus::*;
    let road: &[TicketStatus] = match current {
        NeedsInfo => &[Submitted, InReview, NeedsInfo, Resolved, Closed],
        Escalated => &[Submitted, InReview, Resolved, Escalated, Closed],
        _ => &[Submitted, InReview, Resolved, Closed],
    };
    let at = road.iter().position(|&s| s == current).unwrap_or(0);
    road.iter()
        .enumerate()
        .map(|(i, &status)| {
            let step = match i.cmp(&at) {
                std::cmp::Ordering::Less => Step::Done,
                std::cmp::Ordering::Equal => Step::Current,
                std::cmp::Ordering::Greater => Step::Ahead,
            };
            (status, step)
        })
        .collect()
}

/// The claim as the shopper filed it, at the top of the conversation: what it is about and
/// the order it names.
#[component]
fn Claim() -> impl IntoView {
    let page = expect_context::<TicketPage>();
    let shop = page.shop;
    let locale = shop.locale;
    let lang = locale.tag();
    let Some((category, outcome, order, delivered, description, answers)) =
        page.ticket.with_untracked(|t| {
            t.as_ref().map(|t| {
                (
                    t.category.clone(),
                    t.outcome.clone(),
                    t.order_number.clone(),
                    t.delivered_on,
                    t.description.clone(),
                    t.answers.clone(),
                )
            })
        })
    else {
        return ().into_any();
    };
    // The claim as the shopper made it: each question with the answer they picked, worded
    // from the policy the widget already has.
    let (title, outcome, answered) = shop.with_policy(|p| {
        (
            p.category(&category)
                .map(|c| p.text(lang, &c.title).to_owned())
                .unwrap_or_default(),
            p.outcome(&outcome)
                .map(|o| p.outcome_message(lang, o))
                .unwrap_or_default(),
            p.answered(&category, &answers)
                .into_iter()
                .map(|(q, a)| {
                    (
                        p.text(lang, &q.text).to_owned(),
                        p.text(lang, &a.label).to_owned(),
                    )
                })
                .collect::<Vec<_>>(),
        )
    });
    view! {
        <section class="hc-claim">
            <h3>{locale.text(Text::YourClaim)}</h3>
            <dl>
                <dt>{locale.text(Text::ReviewProblem)}</dt>
                <dd>{title}</dd>
                {answered
                    .into_iter()
                    .map(|(question, answer)| {
                        view! {
                            <dt>{question}</dt>
                            <dd class="hc-claim-answer">{answer}</dd>
                        }
                    })
                    .collect_view()}
                {(!order.is_empty())
                    .then(|| {
                        view! {
                            <dt>{locale.text(Text::OrderNumberLabel)}</dt>
                            <dd class="hc-claim-order">{order}</dd>
                        }
                    })}
                {delivered
                    .map(|day| {
                        view! {
                            <dt>{locale.text(Text::DeliveredOnLabel)}</dt>
                            <dd>{locale.date(day)}</dd>
                        }
                    })}
                {(!description.is_empty())
                    .then(|| {
                        view! {
                            <dt>{locale.text(Text::DescriptionLabel)}</dt>
                            <dd class="hc-pre hc-claim-description">{description}</dd>
                        }
                    })}
                <dt>{locale.text(Text::ReviewWhatHappens)}</dt>
                <dd>{outcome}</dd>
            </dl>
        </section>
    }
    .into_any()
}

/// What the decision means for the shopper, with the Return and Exchange Policy where it
/// applies (§II).
#[component]
fn Resolution() -> impl IntoView {
    let page = expect_context::<TicketPage>();
    let locale = page.shop.locale;
    let policy_url = page.shop.config.with_value(|c| c.return_policy_url.clone());
    move || {
        let kind = page
            .ticket
            .with(|t| t.as_ref().and_then(|t| t.resolution))?;
        let link = kind
            .follows_return_policy()
            .then(|| policy_url.clone())
            .flatten()
            .map(|url| {
                view! {
                    <a href=url target="_blank" rel="noopener">
                        {locale.text(Text::ReturnPolicyLink)}
                    </a>
                }
            });
        Some(view! {
            <section class="hc-resolution" data-resolution=format!("{kind:?}")>
                <h3>{locale.text(Text::WhatItMeans)}</h3>
                <p>{locale.resolution_meaning(kind)}</p>
                {link}
            </section>
        })
    }
}

/// The store's request for information and the shopper's answer to it: words and files,
/// checked and uploaded exactly as when filing.
#[component]
fn AnswerForm() -> impl IntoView {
    let page = expect_context::<TicketPage>();
    let locale = page.shop.locale;
    let files = page.files;
    files.restore();
    let asked = move || {
        page.ticket.with(|t| {
            t.as_ref()?
                .timeline
                .iter()
                .rev()
                .find(|e| e.kind == EventKind::InfoRequested)
                .and_then(|e| e.message.clone())
        })
    };
    let sending = RwSignal::new(false);
    let failure = RwSignal::new(Vec::<String>::new());
    let show = move |messages: Vec<String>| {
        if page.show_all.get() {
            messages
        } else {
            Vec::new()
        }
    };
    let message_problems = Signal::derive(move || show(files.messages(Field::Message)));
    let set_problems = Signal::derive(move || show(files.messages(Field::Evidence)));
    let count = move || {
        let n = page.answer.with(|a| a.trim().chars().count());
        format!("{n} / {MAX_SHOPPER_MESSAGE_CHARS}")
    };
    let send = move |_| {
        page.show_all.set(true);
        failure.set(Vec::new());
        if sending.get_untracked() || files.checking() || !page.problems().is_empty() {
            super::focus_first_invalid();
            return;
        }
        if !files.all_uploaded() {
            failure.set(vec![locale.text(Text::SubmitWaitUploads).to_owned()]);
            return;
        }
        sending.set(true);
        spawn_local(async move {
            if let Err(error) = page.send_answer().await {
                failure.try_set(sending_failed(&page, error));
            }
            sending.try_set(false);
        });
    };
    let asking =
        move || page.ticket.with(|t| t.as_ref().map(|t| t.status)) == Some(TicketStatus::NeedsInfo);
    view! {
        <section class="hc-answer">
            <h3>{move || locale.text(if asking() { Text::StoreAsks } else { Text::AddToRequest })}</h3>
            {move || {
                asking()
                    .then(asked)
                    .flatten()
                    .map(|m| view! { <blockquote class="hc-asked">{m}</blockquote> })
            }}
            <div class="hc-field">
                <label for="hc-answer">{locale.text(Text::AnswerLabel)}</label>
                <p class="hc-hint" id="hc-answer-hint">
                    {move || locale.text(if asking() { Text::AnswerHint } else { Text::AddHint })}
                </p>
                <textarea
                    id="hc-answer"
                    rows="4"
                    aria-describedby="hc-answer-hint hc-answer-count hc-answer-problems"
                    aria-invalid=move || (!message_problems.get().is_empty()).to_string()
                    prop:value=move || page.answer.get()
                    on:input=move |ev| page.answer.set(event_target_value(&ev))
                ></textarea>
                <p class="hc-counter" id="hc-answer-count">{count}</p>
                <FieldProblems id="hc-answer-problems" messages=message_problems />
            </div>
            <FilePickers files />
            <FileList files />
            <FieldProblems id="hc-answer-files-problems" messages=set_problems />
            <FieldProblems id="hc-answer-failure" messages=failure.into() />
            <button
                type="button"
                class="hc-next hc-send-answer"
                disabled=move || sending.get()
                on:click=send
            >
                {move || {
                    locale
                        .text(
                            match (sending.get(), asking()) {
                                (true, _) => Text::Sending,
                                (false, true) => Text::SendAnswer,
                                (false, false) => Text::SendMessage,
                            },
                        )
                }}
            </button>
        </section>
    }
}

/// What to tell the shopper when sending did not work; what they wrote stays.
fn sending_failed(page: &TicketPage, error: SubmitError) -> Vec<String> {
    let locale = page.shop.locale;
    match error {
        SubmitError::Network | SubmitError::Server(_) => {
            vec![locale.text(Text::SendFailed).to_owned()]
        }
        SubmitError::Refused { problems, .. } if !problems.is_empty() => {
            page.files.describe(&problems)
        }
        SubmitError::Refused { .. } => {
            // The ticket moved on meanwhile (an agent acted): show where it stands now.
            spawn_local(page.reload());
            vec![locale.text(Text::SendRefused).to_owned()]
        }
    }
}

/// §IV: negotiation first, then the courts. The shopper can dispute while the rulebook lets
/// them; once disputed, the page says what happens and what recourse remains.
#[component]
fn Dispute() -> impl IntoView {
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

/// The photos and videos the shopper sent: thumbnails of the photos, fetched with the
/// ticket's token (the files are never public).
#[component]
fn SentFiles() -> impl IntoView {
    let page = expect_context::<TicketPage>();
    let locale = page.shop.locale;
    let items = move || {
        page.ticket
            .with(|t| t.as_ref().map(|t| t.evidence.clone()).unwrap_or_default())
    };
    view! {
        <Show when=move || !items().is_empty()>
            <section class="hc-sent-files">
                <h3>{locale.text(Text::FilesYouSent)}</h3>
                <ul class="hc-files">
                    <For each=items key=|item| item.id.clone() let:item>
                        <SentFile item />
                    </For>
                </ul>
            </section>
        </Show>
    }
}

#[component]
fn SentFile(item: EvidenceItem) -> impl IntoView {
    let page = expect_context::<TicketPage>();
    let locale = page.shop.locale;
    let thumbnail = RwSignal::new(None::<String>);
    if !item.media_type.is_video() && item.media_type != helpcenter_core::MediaType::Heic {
        let url = item.url.clone();
        spawn_local(async move {
            let api = page.shop.api.get_value();
            if let Ok(blob) = api.evidence(&url, &page.token.get_value()).await
                && let Ok(object_url) = web_sys::Url::create_object_url_with_blob(&blob)
                && thumbnail.try_set(Some(object_url.clone())).is_some()
            {
                // Left meanwhile: nobody shows it.
                let _ = web_sys::Url::revoke_object_url(&object_url);
            }
        });
    }
    on_cleanup(move || {
        if let Some(url) = thumbnail.try_get_untracked().flatten() {
            let _ = web_sys::Url::revoke_object_url(&url);
        }
    });
    view! {
        <li class="hc-file hc-sent-file">
            <div class="hc-thumb">
                {move || thumbnail.get().map(|src| view! { <img src=src alt="" /> })}
            </div>
            <div class="hc-file-body">
                <p class="hc-file-name">{item.filename.clone()}</p>
                <p class="hc-file-meta">{locale.bytes(item.bytes)}</p>
            </div>
        </li>
    }
}

/// The conversation, oldest first under the claim: what the store asked and said and what the
/// shopper wrote as messages of each side, changes of status as lines between them.
#[component]
fn History() -> impl IntoView {
    let page = expect_context::<TicketPage>();
    let locale = page.shop.locale;
    let entries = move || {
        page.ticket.with(|t| {
            let Some(t) = t else { return Vec::new() };
            t.timeline
                .iter()
                .map(|e| {
                    let title = match e.kind {
                        EventKind::StatusChanged => locale
                            .fill(Text::StatusNow, &[("status", &page.status_words(e.status))]),
                        kind => locale.event(kind).to_owned(),
                    };
                    let files = match e.evidence.len() {
                        0 => None,
                        1 => Some(locale.text(Text::OneFile).to_owned()),
                        n => Some(locale.fill(Text::FileCount, &[("count", &n.to_string())])),
                    };
                    let from_shopper = e.actor == EventActor::Shopper;
                    (
                        e.seq,
                        local_time(&e.at, locale),
                        title,
                        e.message.clone(),
                        files,
                        from_shopper,
                    )
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <section class="hc-history">
            <h3>{locale.text(Text::Conversation)}</h3>
            <ol class="hc-events">
                <For each=entries key=|e| e.0 let:entry>
                    <li class="hc-event" class:hc-event--mine=entry.5 data-seq=entry.0>
                        <p class="hc-event-title">
                            <span>{entry.2}</span>
                            " · "
                            <time>{entry.1}</time>
                        </p>
                        {entry.3.map(|m| view! { <p class="hc-event-message">{m}</p> })}
                        {entry.4.map(|f| view! { <p class="hc-event-files">{f}</p> })}
                    </li>
                </For>
            </ol>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use helpcenter_core::TicketStatus;

    #[test]
    fn the_progress_rail_never_repeats_a_step() {
        use super::Step::*;
        use TicketStatus::*;
        for status in TicketStatus::ALL {
            let rail = super::rail(status);
            let mut seen: Vec<TicketStatus> = rail.iter().map(|(s, _)| *s).collect();
            seen.dedup();
            assert_eq!(seen.len(), rail.len(), "{status}: {rail:?}");
            assert_eq!(
                rail.iter().filter(|(_, step)| *step == Current).count(),
                1,
                "{status}"
            );
        }
        // Back in review after the store asked: the road, not the detour, and no repeat.
        assert_eq!(
            super::rail(InReview),
            [
                (Submitted, Done),
                (InReview, Current),
                (Resolved, Ahead),
                (Closed, Ahead)
            ]
        );
        assert_eq!(
            super::rail(Escalated),
            [
                (Submitted, Done),
                (InReview, Done),
                (Resolved, Done),
                (Escalated, Current),
                (Closed, Ahead)
            ]
        );
    }
}
