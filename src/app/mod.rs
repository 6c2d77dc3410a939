//! The app shell: reads which site and language the iframe was opened for, loads the site's
//! configuration, and shows one screen at a time: the filing flow, or the shopper's requests.
//!
//! What the page's address says is read in `launch`, where the shopper is kept in `place`; the
//! header and the screens fetched with the chunk are drawn by `header` and `in_chunk`.

mod header;
mod in_chunk;
mod launch;
mod place;

use leptos::prelude::*;

use crate::api::{Api, WidgetConfig};
use crate::chunk::{self, Screen};
use crate::draft::{Draft, Prefill, Stage, saved};
use crate::flow::Flow;
use crate::i18n::{Locale, Text};
use crate::requests::Following;
use crate::screens::StartScreen;
use crate::shop::Shop;

use header::Header;
use in_chunk::InChunk;
pub use launch::{Launch, TicketLink};
pub use place::Place;

/// The whole widget as the iframe shows it.
#[component]
pub fn App() -> impl IntoView {
    let Launch {
        site,
        locale,
        prefill,
        identity,
        host,
    } = Launch::from_location();
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("lang", locale.tag());
    }
    // A signal and a task rather than a resource under <Suspense>: the first load then
    // carries none of the async-derived and suspense machinery (about 10 KB of gzip).
    let site = StoredValue::new(site);
    let loaded = RwSignal::new(None::<Option<WidgetConfig>>);
    let fetch = move || {
        loaded.set(None);
        leptos::task::spawn_local(async move {
            let result = Api::default().widget_config(&site.get_value()).await;
            loaded.try_set(Some(result.ok()));
        });
    };
    fetch();
    view! {
        <main class="hc-widget">
            {move || match loaded.get() {
                None => {
                    view! { <p class="hc-status" role="status">{locale.text(Text::Loading)}</p> }
                        .into_any()
                }
                Some(Some(config)) => {
                    let prefill = prefill.clone();
                    let identity = identity.clone();
                    let host = host.clone();
                    view! { <Widget config locale prefill identity host /> }.into_any()
                }
                Some(None) => {
                    view! {
                        <div class="hc-error" role="alert">
                            <p>{locale.text(Text::LoadFailed)}</p>
                            <button type="button" on:click=move |_| fetch()>
                                {locale.text(Text::TryAgain)}
                            </button>
                        </div>
                    }
                        .into_any()
                }
            }}
        </main>
    }
}

/// The widget for one site's configuration, picking up the draft this device kept.
#[component]
pub fn Widget(
    config: WidgetConfig,
    locale: Locale,
    /// Where the server is; the page's own origin by default.
    #[prop(optional)]
    api: Api,
    #[prop(optional)] prefill: Prefill,
    /// The store's signed identity token for a signed-in shopper.
    #[prop(optional_no_strip)]
    identity: Option<String>,
    /// The origin of the store's page that embeds the widget.
    #[prop(optional_no_strip)]
    host: Option<String>,
) -> impl IntoView {
    let site = config.site.clone();
    let (kept, files) = saved::load(&site).unzip();
    let files = files.unwrap_or_default();
    let resumed = kept.as_ref().is_some_and(|d| !d.is_blank()) || !files.is_empty();
    let mut draft = kept.unwrap_or_else(Draft::start);
    if draft.idempotency_key.is_empty() {
        draft.idempotency_key = crate::draft::random_key();
    }
    draft.prefill(&prefill);
    // A policy that changed under a kept journey: the answers start again, the rest stays.
    let on_path = draft
        .category()
        .is_some_and(|category| config.policy.step(category, &draft.claim.answers).is_ok());
    if !on_path {
        draft.restart();
        draft.stage = Stage::Problem;
    }
    apply_brand(&config.brand);
    let shop = Shop::new(config, locale, api);
    let flow = Flow::new(shop, draft, files, identity.clone());
    provide_context(flow);
    let following = Following::new(shop, identity);
    provide_context(following);
    let place = RwSignal::new(Place::load(&site));
    provide_context(place);
    if flow.file_list().with_untracked(|f| !f.is_empty()) {
        // The files come back from the chunk; if it cannot be fetched now, its first
        // screen brings them back when it can.
        leptos::task::spawn_local(async move {
            let _ = chunk::restore_files(flow).await;
        });
    }
    {
        let site = site.clone();
        Effect::new(move |_| {
            let files = flow.file_list().get();
            flow.draft.with(|d| {
                if d.is_blank() && files.is_empty() {
                    saved::discard(&site);
                } else {
                    saved::store(&site, d, &files);
                }
            })
        });
    }
    Effect::new(move |_| place.with(|p| p.store(&site)));
    // The store's page hears "ready" once the widget can do everything it offers: its
    // other screens (and the bridge itself) are in the chunk.
    let host_for_bridge = host.clone();
    leptos::task::spawn_local(async move {
        let host = host_for_bridge;
        if chunk::load().await.is_ok() {
            let _ = chunk::connect_bridge(flow, following, host).await;
        }
    });
    let resumed = RwSignal::new(resumed);
    let host_origin = host.clone();
    // Only navigation re-renders a screen; typing in a field must not, and neither does an
    // answer (the questions' screen changes in place: see `screens::JourneyScreen`).
    // On a site that looks orders up, leaving the order step is navigation too (the order
    // itself is the chunk's: see `chunk::journey`).
    let position = Memo::new(move |_| {
        flow.draft.with(|d| {
            let order_step = d.order_found || d.order_unchecked;
            (d.category().map(str::to_owned), d.stage, order_step)
        })
    });
    let screen = move || {
        match place.get() {
            Place::Requests => return view! { <InChunk which=Screen::Requests /> }.into_any(),
            Place::Ticket(id) => return view! { <InChunk which=Screen::Ticket(id) /> }.into_any(),
            Place::Filing => {}
        }
        if flow.filed.with(Option::is_some) {
            return view! { <InChunk which=Screen::Filed /> }.into_any();
        }
        let (category, stage, _order_step) = position.get();
        if category.is_none() {
            return view! { <StartScreen /> }.into_any();
        }
        let which = match stage {
            Stage::Problem => Screen::Journey,
            Stage::Details => Screen::Details,
            Stage::Evidence => Screen::Evidence,
            Stage::Review => Screen::Review,
        };
        view! { <InChunk which /> }.into_any()
    };
    let filing = move || place.with(|p| *p == Place::Filing);
    view! {
        <Header position host=host_origin />
        <Show when=move || resumed.get() && filing() && !flow.filed.with(Option::is_some)>
            <div class="hc-resumed" role="status">
                <p>{locale.text(Text::Resumed)}</p>
                <button
                    type="button"
                    class="hc-link"
                    on:click=move |_| {
                        let ok = window()
                            .confirm_with_message(locale.text(Text::DiscardConfirm))
                            .unwrap_or(false);
                        if ok {
                            let files = flow.discard();
                            resumed.set(false);
                            if !files.is_empty() {
                                // Best effort: if the chunk cannot be fetched, the uploads
                                // expire on the server; the device's copies stay behind.
                                leptos::task::spawn_local(async move {
                                    let _ = chunk::clean_up(flow, files).await;
                                });
                            }
                        }
                    }
                >
                    {locale.text(Text::DiscardDraft)}
                </button>
            </div>
        </Show>
        {screen}
        <p class="hc-sr-only" aria-live="polite">{move || flow.announce.get()}</p>
    }
}

/// The merchant's colours and corners, into the custom properties style/widget.css reads.
fn apply_brand(brand: &helpcenter_api::Brand) {
    let is_colour = |c: &str| {
        c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|x| x.is_ascii_hexdigit())
    };
    let Some(root) = document()
        .document_element()
        .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
    else {
        return;
    };
    let style = root.style();
    if is_colour(&brand.primary_color) && is_colour(&brand.on_primary_color) {
        let _ = style.set_property("--hc-brand", &brand.primary_color);
        let _ = style.set_property("--hc-brand-contrast", &brand.on_primary_color);
    }
    let _ = style.set_property("--hc-radius", &format!("{}px", brand.radius_px));
}
