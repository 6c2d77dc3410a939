//! Answering the store, or adding to the request: words and files, checked as when filing.

use helpcenter_api::EventKind;
use helpcenter_core::limits::MAX_SHOPPER_MESSAGE_CHARS;
use helpcenter_core::{Field, TicketStatus};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::SubmitError;
use crate::following::TicketPage;
use crate::i18n::Text;
use crate::screens::FieldProblems;
use crate::screens::files::{FileList, FilePickers};

/// The store's request for information and the shopper's answer to it: words and files,
/// checked and uploaded exactly as when filing.
#[component]
pub(super) fn AnswerForm() -> impl IntoView {
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
            crate::screens::focus_first_invalid();
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
pub(super) fn sending_failed(page: &TicketPage, error: SubmitError) -> Vec<String> {
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
