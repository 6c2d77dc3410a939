//! The files of a claim or a reply on screen: the pickers (choose, camera, drop, paste) and
//! one row per file with its thumbnail, what the checks found and how its upload goes.

use helpcenter_core::{Field, Problem, ProblemCode};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::FieldProblems;
use crate::attach::{Attachments, FileState};
use crate::i18n::Text;

/// The file pickers; a paste anywhere on the page adds files too (a drop is the screen's).
#[component]
pub fn FilePickers(files: Attachments) -> impl IntoView {
    let locale = files.shop.locale;
    let paste = window_event_listener(leptos::ev::paste, move |ev| {
        add(files, ev.clipboard_data().and_then(|d| d.files()));
    });
    on_cleanup(move || paste.remove());
    let on_pick = move |ev: leptos::ev::Event| {
        if let Some(input) = input_of(&ev) {
            add(files, input.files());
            // The same file can be picked again after it was removed.
            input.set_value("");
        }
    };
    let camera = window()
        .match_media("(pointer: coarse)")
        .ok()
        .flatten()
        .is_some_and(|m| m.matches());
    view! {
        <div class="hc-pickers">
            <label class="hc-picker">
                <input
                    type="file"
                    class="hc-file-input"
                    multiple
                    accept="image/*,video/*"
                    on:change=on_pick
                />
                <span>{locale.text(Text::ChooseFiles)}</span>
            </label>
            {camera
                .then(|| {
                    view! {
                        <label class="hc-picker">
                            <input
                                type="file"
                                class="hc-file-input"
                                accept="image/*"
                                capture="environment"
                                on:change=on_pick
                            />
                            <span>{locale.text(Text::TakePhoto)}</span>
                        </label>
                    }
                })}
        </div>
        <p class="hc-hint">{locale.text(Text::DropHint)}</p>
    }
}

/// Adds what a picker, a drop or a paste brought.
pub fn add(files: Attachments, list_of: Option<web_sys::FileList>) {
    let picked = list_of.map(list).unwrap_or_default();
    if !picked.is_empty() {
        files.add(picked, None);
    }
}

/// One row per attached file, in the shopper's order.
#[component]
pub fn FileList(files: Attachments) -> impl IntoView {
    let keys = move || {
        files
            .files
            .with(|all| all.iter().map(|f| f.key.clone()).collect::<Vec<_>>())
    };
    view! {
        <ul class="hc-files">
            <For each=keys key=|k| k.clone() let:key>
                <FileRow files key />
            </For>
        </ul>
    }
}

fn list(files: web_sys::FileList) -> Vec<web_sys::File> {
    (0..files.length()).filter_map(|i| files.get(i)).collect()
}

/// One attached file: its picture, what the checks found and how its upload goes.
#[component]
fn FileRow(files: Attachments, key: String) -> impl IntoView {
    let locale = files.shop.locale;
    let index = {
        let key = key.clone();
        Memo::new(move |_| {
            files
                .files
                .with(|all| all.iter().position(|f| f.key == key))
        })
    };
    let draft_file = {
        let key = key.clone();
        Memo::new(move |_| {
            files
                .files
                .with(|all| all.iter().find(|f| f.key == key).cloned())
        })
    };
    let draft_file = move || draft_file.get();
    let state = {
        let key = key.clone();
        Memo::new(move |_| {
            files.live.with(|all| {
                all.iter()
                    .find(|l| l.key == key)
                    .map(|l| (l.state.clone(), l.preview.clone()))
            })
        })
    };
    let state = move || state.get();
    let messages = Signal::derive(move || {
        let Some(i) = index.get() else {
            return Vec::new();
        };
        let mut messages = files.messages(Field::EvidenceFile(i));
        if let Some((FileState::Refused(code), _)) = state() {
            let known = ProblemCode::ALL.iter().find(|c| c.as_str() == code);
            messages.extend(match known {
                Some(&code) => files.describe(&[Problem::new(Field::EvidenceFile(i), code)]),
                None => vec![
                    locale
                        .text(crate::attach::refusal_text(&code).unwrap_or(Text::FileNotSent))
                        .to_owned(),
                ],
            });
        }
        if let Some((FileState::Missing, _)) = state() {
            messages.push(locale.text(Text::FileMissing).to_owned());
        }
        messages
    });
    let name = move || draft_file().map(|f| f.name).unwrap_or_default();
    let size = move || {
        draft_file()
            .map(|f| locale.bytes(f.bytes))
            .unwrap_or_default()
    };
    let status = move || {
        let (state, _) = state()?;
        let over = index
            .get()
            .is_some_and(|i| files.max_files().is_some_and(|max| i >= max));
        Some(match state {
            FileState::Restoring | FileState::Checking(_) => {
                locale.text(Text::FileChecking).to_owned()
            }
            FileState::Ready if !messages.get().is_empty() || over => {
                locale.text(Text::FileNotSent).to_owned()
            }
            FileState::Ready => locale.text(Text::FileWaiting).to_owned(),
            FileState::Uploading { sent, total } => {
                let percent = (sent * 100).checked_div(total).unwrap_or(0);
                locale.fill(Text::FileUploading, &[("percent", &percent.to_string())])
            }
            FileState::Retrying { seconds } => {
                locale.fill(Text::FileRetrying, &[("seconds", &seconds.to_string())])
            }
            FileState::Uploaded => locale.text(Text::FileUploaded).to_owned(),
            FileState::Paused => locale.text(Text::FilePaused).to_owned(),
            FileState::Refused(_) | FileState::Missing => locale.text(Text::FileNotSent).to_owned(),
        })
    };
    let progress = move || match state()?.0 {
        FileState::Checking(percent) => Some((u64::from(percent), 100)),
        FileState::Uploading { sent, total } => Some((sent, total.max(1))),
        _ => None,
    };
    let problems_id = format!("hc-file-{key}-problems");
    let on_file = move |action: Text| {
        locale.fill(
            Text::ActionOnFile,
            &[("action", locale.text(action)), ("name", &name())],
        )
    };
    let can_retry = move || {
        matches!(
            state(),
            Some((FileState::Paused | FileState::Refused(_), _))
        )
    };
    let can_cancel = move || {
        matches!(
            state(),
            Some((FileState::Uploading { .. } | FileState::Retrying { .. }, _))
        )
    };
    let remove = {
        let key = key.clone();
        move |_| files.remove(&key)
    };
    let retry = {
        let key = key.clone();
        move |_| files.retry(&key)
    };
    let cancel = {
        let key = key.clone();
        move |_| files.pause(&key)
    };
    let replace = {
        let key = key.clone();
        move |ev: leptos::ev::Event| {
            let picked = input_of(&ev)
                .and_then(|input| input.files())
                .map(list)
                .unwrap_or_default();
            if picked.is_empty() {
                return;
            }
            let at = index.get_untracked();
            files.remove(&key);
            files.add(picked.into_iter().take(1).collect(), at);
        }
    };
    view! {
        <li class="hc-file" aria-describedby=problems_id.clone()>
            <div class="hc-thumb">
                {move || {
                    state()
                        .and_then(|(_, preview)| preview)
                        .map(|src| view! { <img src=src alt="" /> })
                }}
            </div>
            <div class="hc-file-body">
                <p class="hc-file-name">{name}</p>
                <p class="hc-file-meta">
                    <span>{size}</span>
                    " · "
                    <span class="hc-file-status">{status}</span>
                </p>
                {move || {
                    progress()
                        .map(|(value, max)| {
                            view! {
                                <progress
                                    value=value.to_string()
                                    max=max.to_string()
                                    aria-label=name
                                ></progress>
                            }
                        })
                }}
                <FieldProblems id=problems_id.clone() messages />
                <div class="hc-file-actions">
                    <Show when=can_retry>
                        <button
                            type="button"
                            class="hc-small"
                            aria-label=move || on_file(Text::Retry)
                            on:click=retry.clone()
                        >
                            {locale.text(Text::Retry)}
                        </button>
                    </Show>
                    <Show when=can_cancel>
                        <button
                            type="button"
                            class="hc-small"
                            aria-label=move || on_file(Text::Cancel)
                            on:click=cancel.clone()
                        >
                            {locale.text(Text::Cancel)}
                        </button>
                    </Show>
                    <label class="hc-small hc-picker">
                        <input
                            type="file"
                            class="hc-file-input"
                            accept="image/*,video/*"
                            aria-label=move || on_file(Text::Replace)
                            on:change=replace
                        />
                        <span>{locale.text(Text::Replace)}</span>
                    </label>
                    <button
                        type="button"
                        class="hc-small hc-remove"
                        aria-label=move || on_file(Text::Remove)
                        on:click=remove
                    >
                        {locale.text(Text::Remove)}
                    </button>
                </div>
            </div>
        </li>
    }
}

/// The file input a `change` event came from.
fn input_of(ev: &leptos::ev::Event) -> Option<web_sys::HtmlInputElement> {
    ev.target()?.dyn_into().ok()
}
