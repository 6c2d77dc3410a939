//! The conversation, oldest first under the claim, and the files the shopper sent.

use helpcenter_api::{EventActor, EventKind, EvidenceItem};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::following::TicketPage;
use crate::i18n::Text;
use crate::screens::local_time;

/// The photos and videos the shopper sent: thumbnails of the photos, fetched with the
/// ticket's token (the files are never public).
#[component]
pub(super) fn SentFiles() -> impl IntoView {
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
pub(super) fn History() -> impl IntoView {
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
