//! Settings: the site's saved replies, each with a title and its text in English and in
//! Simplified Chinese. Owners add, change and delete them; agents read them (and use them
//! from a ticket). Nothing typed is lost on a refusal: the form keeps it and says what to fix.

use leptos::ev;
use leptos::prelude::*;

use crate::api;
use crate::app::use_console;
use crate::i18n::Text;
use crate::present;
use crate::wire::{AgentRole, ReplyPlaceholders, SavedReply, SavedReplyInput};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Title,
    BodyEn,
    BodyZh,
}

/// What is missing from a saved reply, each with its field.
fn check(input: &SavedReplyInput) -> Vec<(Field, Text)> {
    let mut problems = Vec::new();
    if input.title.trim().is_empty() {
        problems.push((Field::Title, Text::TitleMissing));
    }
    if input.body_en.trim().is_empty() {
        problems.push((Field::BodyEn, Text::BodyMissing));
    }
    if input.body_zh.trim().is_empty() {
        problems.push((Field::BodyZh, Text::BodyMissing));
    }
    problems
}

/// The sample a saved reply is previewed with.
fn sample() -> ReplyPlaceholders {
    ReplyPlaceholders {
        ticket_id: "HC-7F3K9Q".into(),
        order_number: "10023456".into(),
        respond_by: "2026-12-04 14:00".into(),
    }
}

#[component]
pub fn SettingsScreen() -> impl IntoView {
    let console = use_console();
    let replies = RwSignal::new(Vec::<SavedReply>::new());
    let loaded = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let said = RwSignal::new(None::<String>);
    // The reply being edited (`None`: a new one).
    let editing = RwSignal::new(None::<String>);
    let title = RwSignal::new(String::new());
    let body_en = RwSignal::new(String::new());
    let body_zh = RwSignal::new(String::new());
    let problems = RwSignal::new(Vec::<(Field, Text)>::new());
    let busy = RwSignal::new(false);
    let owner = move || console.agent().is_some_and(|a| a.role == AgentRole::Owner);

    let load = move || {
        leptos::task::spawn_local(async move {
            match api::saved_replies().await {
                Ok(found) => {
                    replies.try_set(found);
                    error.try_set(None);
                }
                Err(e) => error.set(Some(console.error_text(&e))),
            }
            loaded.try_set(true);
        });
    };
    load();

    let reset = move || {
        editing.set(None);
        title.try_set(String::new());
        body_en.try_set(String::new());
        body_zh.try_set(String::new());
        problems.try_set(Vec::new());
    };

    let submit = move |e: ev::SubmitEvent| {
        e.prevent_default();
        let input = SavedReplyInput {
            title: title.get_untracked().trim().to_owned(),
            body_en: body_en.get_untracked().trim().to_owned(),
            body_zh: body_zh.get_untracked().trim().to_owned(),
        };
        let found = check(&input);
        if let Some((field, _)) = found.first() {
            crate::keys::focus(match field {
                Field::Title => "saved-title",
                Field::BodyEn => "saved-en",
                Field::BodyZh => "saved-zh",
            });
            problems.try_set(found);
            return;
        }
        problems.try_set(Vec::new());
        busy.try_set(true);
        let id = editing.get_untracked();
        leptos::task::spawn_local(async move {
            let answer = match &id {
                Some(id) => api::update_saved_reply(id, &input).await,
                None => api::create_saved_reply(&input).await,
            };
            busy.try_set(false);
            match answer {
                Ok(saved) => {
                    replies.try_update(|r| match r.iter_mut().find(|x| x.id == saved.id) {
                        Some(slot) => *slot = saved,
                        None => r.push(saved),
                    });
                    reset();
                    said.try_set(Some(console.t(Text::Saved).to_owned()));
                }
                Err(e) => said.set(Some(console.error_text(&e))),
            }
        });
    };

    let problem = move |field: Field| {
        problems
            .get()
            .into_iter()
            .find(|(f, _)| *f == field)
            .map(|(_, t)| console.t(t))
    };
    let text_field = move |id: &'static str,
                           field: Field,
                           label: Text,
                           value: RwSignal<String>,
                           lang: &'static str,
                           rows: u32| {
        let problem_id = format!("{id}-problem");
        let described = problem_id.clone();
        view! {
            <div class="field">
                <label for=id>{move || console.t(label)}</label>
                {if rows == 1 {
                    view! {
                        <input id=id type="text" prop:value=move || value.get() on:input=move |e| value.set(event_target_value(&e))
                            aria-invalid=move || problem(field).is_some().to_string()
                            aria-describedby=move || problem(field).map(|_| described.clone()) />
                    }.into_any()
                } else {
                    view! {
                        <textarea id=id rows=rows lang=lang prop:value=move || value.get() on:input=move |e| value.set(event_target_value(&e))
                            aria-invalid=move || problem(field).is_some().to_string()
                            aria-describedby=move || problem(field).map(|_| described.clone())></textarea>
                    }.into_any()
                }}
                <p class="problem" id=problem_id hidden=move || problem(field).is_none()>{move || problem(field)}</p>
                <Show when=move || { (rows > 1) && value.with(|v| v.contains('{')) }>
                    <p class="preview"><span class="label">{console.tu(Text::Preview)}</span> " "
                        {move || present::expand_reply(&value.get(), &sample())}</p>
                </Show>
            </div>
        }
    };

    view! {
        <section class="settings" aria-labelledby="settings-heading">
            <h1 id="settings-heading">{console.tu(Text::SettingsHeading)}</h1>
            <h2>{console.tu(Text::SavedReplies)}</h2>
            <p class="muted">{console.tu(Text::SavedRepliesIntro)}</p>
            <p class="problem" role="alert" hidden=move || error.get().is_none()>{move || error.get()}</p>
            <p class="said" role="status">{move || said.get()}</p>
            <p class="muted" hidden=move || !loaded.get() || !replies.with(Vec::is_empty)>{console.tu(Text::NoSavedReplies)}</p>
            <ul class="saved-replies">
                {move || {
                    replies
                        .get()
                        .into_iter()
                        .map(|r| {
                            let edit = r.clone();
                            let id = r.id.clone();
                            view! {
                                <li class="card saved-reply" data-saved-reply=r.id.clone()>
                                    <h3>{r.title.clone()}</h3>
                                    <p lang="en"><span class="label">"EN"</span> " " {r.body_en.clone()}</p>
                                    <p lang="zh-CN"><span class="label">"中文"</span> " " {r.body_zh.clone()}</p>
                                    <Show when=owner>
                                        <button type="button" on:click={
                                            let edit = edit.clone();
                                            move |_| {
                                                editing.set(Some(edit.id.clone()));
                                                title.try_set(edit.title.clone());
                                                body_en.try_set(edit.body_en.clone());
                                                body_zh.try_set(edit.body_zh.clone());
                                                crate::keys::focus("saved-title");
                                            }
                                        }>{console.tu(Text::Edit)}</button>
                                        <button type="button" class="danger" on:click={
                                            let id = id.clone();
                                            move |_| {
                                                let id = id.clone();
                                                leptos::task::spawn_local(async move {
                                                    match api::delete_saved_reply(&id).await {
                                                        Ok(()) => {
                                                            replies.try_update(|r| r.retain(|x| x.id != id));
                                                            said.try_set(Some(console.t(Text::Deleted).to_owned()));
                                                        }
                                                        Err(e) => said.set(Some(console.error_text(&e))),
                                                    }
                                                });
                                            }
                                        }>{console.tu(Text::Delete)}</button>
                                    </Show>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            <Show when=owner fallback=move || view! { <p class="notice">{console.tu(Text::OwnersOnly)}</p> }>
                <form class="card saved-form" novalidate on:submit=submit>
                    <h3>{move || if editing.get().is_some() { console.t(Text::Edit) } else { console.t(Text::AddSavedReply) }}</h3>
                    {text_field("saved-title", Field::Title, Text::Title, title, "", 1)}
                    {text_field("saved-en", Field::BodyEn, Text::BodyEn, body_en, "en", 4)}
                    {text_field("saved-zh", Field::BodyZh, Text::BodyZh, body_zh, "zh-CN", 4)}
                    <button type="submit" class="primary" disabled=move || busy.get()>{console.tu(Text::Save)}</button>
                    <Show when=move || editing.get().is_some()>
                        <button type="button" on:click=move |_| reset()>{console.tu(Text::Cancel)}</button>
                    </Show>
                </form>
            </Show>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_reply_needs_a_title_and_both_languages() {
        let fields: Vec<Field> = check(&SavedReplyInput::default())
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(fields, [Field::Title, Field::BodyEn, Field::BodyZh]);
        let ok = SavedReplyInput {
            title: "Photo of the label".into(),
            body_en: "Please send a photo of the label for {ticket_id}.".into(),
            body_zh: "请发送 {ticket_id} 的标签照片。".into(),
        };
        assert!(check(&ok).is_empty());
    }
}
