//! What an agent does to the ticket: assign it, change its status, ask the shopper, reply, note.

use helpcenter_core::{ResolutionKind, TicketStatus};
use leptos::ev;
use leptos::prelude::*;

use super::drafts::{Drafts, Said};
use crate::api::{self, ApiError};
use crate::app::use_console;
use crate::i18n::Text;
use crate::present;
use crate::wire::{
    AgentMessage, AgentRef, Assign, ConsoleTicket, RequestInfo, SavedReply, Transition,
};

#[component]
pub(super) fn Actions(
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
    for kind in ResolutionKind::ALL {
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
                    let kind = ResolutionKind::ALL.into_iter().find(|r| resolution_id(*r) == resolution.get_untracked());
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
        for kind in ResolutionKind::ALL {
            let wire = serde_json::to_value(kind).expect("json");
            assert_eq!(wire, serde_json::Value::from(resolution_id(kind)));
        }
    }
}
