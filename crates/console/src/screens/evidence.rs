//! The evidence of a ticket: each file's facts beside its thumbnail (its real type, found in
//! its bytes, its dimensions, duration, size, and the EXIF capture day beside the delivery
//! day), and a viewer that shows a photo large with zoom and rotation, or plays a video.

use helpcenter_core::CivilDate;
use leptos::prelude::*;

use crate::app::use_console;
use crate::i18n::Text;
use crate::present::{self, file_size};
use crate::wire::ConsoleEvidence;

const ZOOMS: [f64; 6] = [0.5, 0.75, 1.0, 1.5, 2.0, 3.0];

#[component]
pub fn EvidenceList(
    files: Signal<Vec<ConsoleEvidence>>,
    delivered_on: Signal<Option<CivilDate>>,
) -> impl IntoView {
    let console = use_console();
    let open = RwSignal::new(None::<usize>);
    view! {
        <section class="card evidence" aria-labelledby="evidence-heading">
            <h2 id="evidence-heading">{console.tu(Text::Evidence)}</h2>
            <p class="muted" hidden=move || !files.with(Vec::is_empty)>{console.tu(Text::NoEvidence)}</p>
            <ul class="files">
                {move || {
                    let locale = console.locale.get();
                    let delivered = delivered_on.get();
                    files
                        .get()
                        .into_iter()
                        .enumerate()
                        .map(|(i, file)| {
                            let video = file.media_type.is_video();
                            let early = present::taken_before_delivery(file.captured_on, delivered);
                            let name = file.filename.clone();
                            let label = locale.fill(Text::ViewFile, &[("name", &name)]);
                            view! {
                                <li class="file" data-evidence=file.id.clone() data-type=file.media_type.mime()>
                                    <button type="button" class="thumb" aria-label=label on:click=move |_| open.set(Some(i))>
                                        {if video {
                                            view! { <span class="play" aria-hidden="true">"▶"</span> }.into_any()
                                        } else {
                                            view! { <img src=file.url.clone() alt="" loading="lazy" /> }.into_any()
                                        }}
                                    </button>
                                    <div class="facts">
                                    <p class="name">{name}
                                        {file.location_removed.then(|| view! { " " <span class="badge" data-fact="location-removed">{locale.text(Text::LocationRemoved)}</span> })}
                                    </p>
                                    <dl>
                                        <div><dt>{locale.text(Text::FileType)}</dt><dd data-fact="type">{locale.media_type(file.media_type)}</dd></div>
                                        {file.width.zip(file.height).map(|(w, h)| view! {
                                            <div><dt>{locale.text(Text::Dimensions)}</dt><dd data-fact="dimensions">{format!("{w} × {h}")}</dd></div>
                                        })}
                                        {file.duration_seconds.map(|d| view! {
                                            <div><dt>{locale.text(Text::Duration)}</dt><dd data-fact="duration">{present::duration(d)}</dd></div>
                                        })}
                                        <div><dt>{locale.text(Text::Size)}</dt><dd data-fact="size">{file_size(file.bytes)}</dd></div>
                                        <div>
                                            <dt>{locale.text(Text::CapturedOn)}</dt>
                                            <dd data-fact="captured" class:late=early>
                                                {match file.captured_on {
                                                    Some(day) => day.to_string(),
                                                    None => locale.text(Text::NoCaptureDay).to_owned(),
                                                }}
                                                {delivered.map(|d| format!(" · {} {d}", locale.text(Text::DeliveredOn)))}
                                                {early.then(|| view! { " " <strong class="badge late">{locale.text(Text::CapturedBeforeDelivery)}</strong> })}
                                            </dd>
                                        </div>
                                    </dl>
                                    </div>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            <Viewer files=files open=open />
        </section>
    }
}

/// One file large, in a modal dialog: zoom and rotate a photo, play a video; arrows go to
/// the previous or next file, Tab stays inside, Escape closes and focus goes back to the
/// thumbnail.
#[component]
fn Viewer(files: Signal<Vec<ConsoleEvidence>>, open: RwSignal<Option<usize>>) -> impl IntoView {
    let console = use_console();
    let zoom = RwSignal::new(2usize);
    let turns = RwSignal::new(0u32);
    let dialog = NodeRef::<leptos::html::Div>::new();
    let before = StoredValue::new_local(None::<web_sys::HtmlElement>);
    Effect::new(move |_| {
        if open.get().is_some() {
            use wasm_bindgen::JsCast;
            if before.with_value(Option::is_none) {
                before.set_value(
                    document()
                        .active_element()
                        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()),
                );
            }
            zoom.try_set(2);
            turns.try_set(0);
            if let Some(d) = dialog.get() {
                let _ = d.focus();
            }
        } else if let Some(element) = before.get_value() {
            let _ = element.focus();
            before.set_value(None);
        }
    });
    let count = move || files.with(Vec::len);
    let go = move |delta: i32| {
        let len = count();
        if len == 0 {
            return;
        }
        open.try_update(|o| {
            if let Some(i) = o {
                *i = ((*i as i32 + delta).rem_euclid(len as i32)) as usize;
            }
        });
    };
    let current = move || open.get().and_then(|i| files.with(|f| f.get(i).cloned()));
    view! {
        <div class="backdrop" hidden=move || open.get().is_none() on:click=move |_| open.set(None)></div>
        <div
            class="dialog viewer"
            role="dialog"
            aria-modal="true"
            aria-labelledby="viewer-title"
            tabindex="-1"
            node_ref=dialog
            hidden=move || open.get().is_none()
            on:keydown=move |e| match e.key().as_str() {
                "Escape" => open.set(None),
                "ArrowRight" => go(1),
                "ArrowLeft" => go(-1),
                "+" | "=" => zoom.update(|z| *z = (*z + 1).min(ZOOMS.len() - 1)),
                "-" => zoom.update(|z| *z = z.saturating_sub(1)),
                "Tab" => crate::keys::trap_tab(&e),
                _ => {}
            }
        >
            {move || {
                current()
                    .map(|file| {
                        let locale = console.locale.get();
                        let video = file.media_type.is_video();
                        view! {
                            <header class="viewer-bar">
                                <h2 id="viewer-title">{file.filename.clone()}</h2>
                                <div class="tools">
                                    <Show when=move || !video>
                                        <button type="button" on:click=move |_| zoom.update(|z| *z = z.saturating_sub(1))
                                            disabled=move || zoom.get() == 0>{locale.text(Text::ZoomOut)}</button>
                                        <output aria-live="polite">{move || format!("{:.0}%", ZOOMS[zoom.get()] * 100.0)}</output>
                                        <button type="button" on:click=move |_| zoom.update(|z| *z = (*z + 1).min(ZOOMS.len() - 1))
                                            disabled=move || zoom.get() == ZOOMS.len() - 1>{locale.text(Text::ZoomIn)}</button>
                                        <button type="button" on:click=move |_| turns.update(|t| *t = (*t + 1) % 4)>
                                            {locale.text(Text::Rotate)}
                                        </button>
                                    </Show>
                                    <button type="button" on:click=move |_| go(-1) disabled=move || count() < 2>
                                        {locale.text(Text::Previous)}
                                    </button>
                                    <button type="button" on:click=move |_| go(1) disabled=move || count() < 2>
                                        {locale.text(Text::Next)}
                                    </button>
                                    <button type="button" class="close" on:click=move |_| open.set(None)>
                                        {locale.text(Text::CloseViewer)}
                                    </button>
                                </div>
                            </header>
                            <div class="stage" role="group" tabindex="0" aria-label=file.filename.clone()>
                                {if video {
                                    view! {
                                        <video controls preload="metadata" src=file.url.clone()
                                            aria-label=file.filename.clone()></video>
                                    }
                                        .into_any()
                                } else {
                                    view! {
                                        <img
                                            src=file.url.clone()
                                            alt=file.filename.clone()
                                            data-zoom=move || ZOOMS[zoom.get()].to_string()
                                            data-rotation=move || (turns.get() * 90).to_string()
                                            style:transform=move || {
                                                format!(
                                                    "rotate({}deg) scale({})",
                                                    turns.get() * 90,
                                                    ZOOMS[zoom.get()],
                                                )
                                            }
                                        />
                                    }
                                        .into_any()
                                }}
                            </div>
                        }
                    })
            }}
        </div>
    }
}
