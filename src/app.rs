//! The app shell: reads which site and language the iframe was opened for, loads the site's
//! configuration, and shows one screen at a time: the filing flow, or the shopper's requests.

use leptos::prelude::*;

use crate::api::{Api, WidgetConfig};
use crate::chunk::{self, Screen};
use crate::draft::{Draft, Prefill, Stage, saved};
use crate::flow::Flow;
use crate::i18n::{Locale, Text};
use crate::requests::Following;
use crate::screens::StartScreen;
use crate::shop::Shop;

/// What the embed put in the iframe's address: `/widget/?site=KEY&locale=zh-CN`, and in its
/// fragment what the store prefilled (`#order_number=…&email=…`): a fragment never reaches a
/// server's logs.
#[derive(Clone, Debug, PartialEq)]
pub struct Launch {
    pub site: String,
    pub locale: Locale,
    pub prefill: Prefill,
    /// The store's signed word for who the shopper is (`#identity=…`), when signed in.
    pub identity: Option<String>,
    /// The origin of the store's page that embeds the widget (`#host=…`), for the bridge.
    pub host: Option<String>,
}

impl Launch {
    /// From the page's address; the language falls back to the browser's, then English.
    pub fn from_location() -> Launch {
        let window = window();
        let location = window.location();
        let params = |text: String| {
            web_sys::UrlSearchParams::new_with_str(text.trim_start_matches(['?', '#'])).ok()
        };
        let query = params(location.search().unwrap_or_default());
        let fragment = params(location.hash().unwrap_or_default());
        let get = |params: &Option<web_sys::UrlSearchParams>, name: &str| {
            params
                .as_ref()
                .and_then(|p| p.get(name))
                .filter(|v| !v.is_empty())
        };
        let locale = get(&query, "locale")
            .or_else(|| window.navigator().language())
            .map_or(Locale::En, |tag| Locale::negotiate(&tag));
        let host = get(&fragment, "host");
        Launch {
            site: get(&query, "site").unwrap_or_default(),
            locale,
            prefill: Prefill {
                order_number: get(&fragment, "order_number"),
                email: get(&fragment, "email"),
                delivered_on: get(&fragment, "delivered_on"),
                category: get(&fragment, "category"),
            },
            // Only in the store's frame: a link opening the widget on its own (or a page
            // that is not the store's) cannot sign the shopper in to someone else's account.
            identity: get(&fragment, "identity").filter(|_| framed_by(host.as_deref())),
            host,
        }
    }
}

/// Whether this page is in a frame of `host`'s page. Which origins may frame the widget at
/// all is the server's `frame-ancestors` (the site's allowed origins); this checks that the
/// page that did is the one the fragment names: `location.ancestorOrigins` where the browser
/// has it (Chromium, Safari), else the referrer the frame was loaded from.
fn framed_by(host: Option<&str>) -> bool {
    let Some(host) = host else {
        return false;
    };
    let window = window();
    // A page opened on its own is its own parent (compared as JS values: `Window`'s own
    // equality costs the first open another import).
    let framed = window.parent().ok().flatten().is_some_and(|parent| {
        AsRef::<wasm_bindgen::JsValue>::as_ref(&parent)
            != AsRef::<wasm_bindgen::JsValue>::as_ref(&window)
    });
    if !framed {
        return false;
    }
    // `ancestorOrigins[0]`; where the browser has no such list, reading from it throws.
    let ancestors = js_sys::Reflect::get(&window.location(), &"ancestorOrigins".into());
    match ancestors.and_then(|list| js_sys::Reflect::get(&list, &0.into())) {
        Ok(origin) => origin.as_string().is_some_and(|origin| origin == host),
        // The referrer is the page's address, or its origin and "/" (the default policy
        // across origins): read as text, which costs the first open less than a URL parser.
        Err(_) => document()
            .referrer()
            .strip_prefix(host)
            .is_some_and(|rest| matches!(rest.bytes().next(), None | Some(b'/' | b'?' | b'#'))),
    }
}

/// The link in a shopper's mail: `/t/{ticket}#k={secret}`, the widget's page on a device
/// that may have nothing of the shopper yet.
#[derive(Clone, Debug, PartialEq)]
pub struct TicketLink {
    pub ticket: String,
    pub secret: String,
}

impl TicketLink {
    pub fn from_location() -> Option<TicketLink> {
        let location = window().location();
        let ticket = location.pathname().ok()?.strip_prefix("/t/")?.to_owned();
        let fragment = location.hash().unwrap_or_default();
        let params =
            web_sys::UrlSearchParams::new_with_str(fragment.trim_start_matches('#')).ok()?;
        let secret = params.get("k").filter(|k| !k.is_empty())?;
        Some(TicketLink { ticket, secret })
    }

    /// The chunk that opens links could not be fetched: say so, plainly.
    pub fn unavailable() {
        let locale = window()
            .navigator()
            .language()
            .map_or(Locale::En, |tag| Locale::negotiate(&tag));
        let text = locale.text(Text::LoadFailed);
        leptos::mount::mount_to_body(move || text);
    }
}

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

/// Where the shopper is: filing a request (its stage is in the draft), or following theirs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    Filing,
    Requests,
    Ticket(String),
}

impl Place {
    /// Kept for the tab's life, so a reload comes back to the same request.
    fn key(site: &str) -> String {
        format!("helpcenter.place.v1.{site}")
    }

    fn load(site: &str) -> Place {
        let text = window()
            .session_storage()
            .ok()
            .flatten()
            .and_then(|s| s.get_item(&Place::key(site)).ok().flatten())
            .unwrap_or_default();
        match text.split_once(':') {
            Some(("ticket", id)) if !id.is_empty() => Place::Ticket(id.to_owned()),
            _ if text == "requests" => Place::Requests,
            _ => Place::Filing,
        }
    }

    pub(crate) fn store(&self, site: &str) {
        let text = match self {
            Place::Filing => String::new(),
            Place::Requests => "requests".to_owned(),
            Place::Ticket(id) => format!("ticket:{id}"),
        };
        if let Some(storage) = window().session_storage().ok().flatten() {
            let _ = storage.set_item(&Place::key(site), &text);
        }
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
        .category
        .as_deref()
        .is_some_and(|category| config.policy.step(category, &draft.answers).is_ok());
    if !on_path {
        draft.category = None;
        draft.answers.clear();
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
    // Only navigation re-renders a screen; typing in a field must not.
    // On a site that looks orders up, leaving the order step is navigation too (the order
    // itself is the chunk's: see `chunk::journey`).
    let position = Memo::new(move |_| {
        flow.draft.with(|d| {
            let order_step = d.order_found || d.order_unchecked;
            (d.category.clone(), d.answers.len(), d.stage, order_step)
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
        // The number of answers is in `position` only so that each answer shows the next step.
        let (category, _answered, stage, _order_step) = position.get();
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

/// The header on every screen: Back where there is a step to go back to, the store's logo and
/// name over the part of the widget the shopper is in, and Close when a store's page embeds the widget. It is in the page's flow, never over
/// it, so nothing it holds covers a heading, a hint or an error as the screen scrolls.
#[component]
fn Header(
    position: Memo<(Option<String>, usize, Stage, bool)>,
    host: Option<String>,
) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let place = expect_context::<RwSignal<Place>>();
    let locale = flow.locale;
    let (store, logo) = flow
        .config
        .with_value(|c| (c.display_name.clone(), c.logo_url.clone()));
    // Where Back goes from here; `None` on the start screen and the confirmation.
    type Go = fn(Flow, RwSignal<Place>);
    let back = move || -> Option<Go> {
        let go: Go = match place.get() {
            Place::Requests => |_: Flow, place: RwSignal<Place>| place.set(Place::Filing),
            Place::Ticket(_) => |_: Flow, place: RwSignal<Place>| place.set(Place::Requests),
            Place::Filing if flow.filed.with(Option::is_some) => return None,
            Place::Filing => {
                let (category, _, stage, _) = position.get();
                category.as_ref()?;
                match stage {
                    Stage::Problem => {
                        |flow: Flow, _: RwSignal<Place>| flow.draft.update(|d| d.back())
                    }
                    Stage::Details => |flow: Flow, _: RwSignal<Place>| flow.go(Stage::Problem),
                    Stage::Evidence => |flow: Flow, _: RwSignal<Place>| flow.go(Stage::Details),
                    Stage::Review => |flow: Flow, _: RwSignal<Place>| flow.go(Stage::Evidence),
                }
            }
        };
        Some(go)
    };
    // The part of the widget the shopper is in (each screen's own heading says the step): both
    // titles are there and one is hidden, as Back is. Each word is looked up by constant: a
    // lookup chosen at run time would bring every text of the widget into the first open (6 KB).
    let filing = move || place.with(|p| *p == Place::Filing);
    view! {
        <header class="hc-header">
            // Always there, hidden where there is nothing to go back to: an attribute that
            // changes costs the first open less than a button that comes and goes.
            <button
                type="button"
                class="hc-header-back"
                hidden=move || back().is_none()
                on:click=move |_| {
                    if let Some(go) = back() {
                        go(flow, place);
                    }
                }
            >
                <span aria-hidden="true">"‹ "</span>
                {locale.text(Text::Back)}
            </button>
            <div class="hc-store">
                {logo.map(|src| view! { <img class="hc-logo" src=src alt="" /> })}
                <p>
                    <span class="hc-store-name">{store}</span>
                    <span class="hc-place" hidden=move || !filing()>
                        {locale.text(Text::ReportProblem)}
                    </span>
                    <span class="hc-place" hidden=filing>
                        {locale.text(Text::MyRequests)}
                    </span>
                </p>
            </div>
            {host
                .map(|host| {
                    view! {
                        <button
                            type="button"
                            class="hc-close"
                            on:click=move |_| ask_host_to_close(&host)
                        >
                            {locale.text(Text::Close)}
                        </button>
                    }
                })}
        </header>
    }
}

/// Tells the store's page to close the widget, as embed.js's schema has it
/// (`{hc: 1, type: "close"}`), to the page's exact origin. Sent from here rather than through
/// the bridge so Close works even before the bridge (in the chunk) is connected.
fn ask_host_to_close(host: &str) {
    let message = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&message, &"hc".into(), &1.into());
    let _ = js_sys::Reflect::set(&message, &"type".into(), &"close".into());
    if let Ok(Some(parent)) = window().parent() {
        let _ = parent.post_message(&message, host);
    }
}

/// Whether the chunk is there for [`InChunk`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Chunk {
    Loading,
    Failed,
    Ready,
}

/// A screen after the start screen, once the chunk that holds it is there (at once when it
/// already is: the start screen fetches it). While it is fetched a status line; if it cannot
/// be, a message with Try again and Back: the draft is in the main module and on the device,
/// so nothing the shopper typed is lost.
#[component]
fn InChunk(which: Screen) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let place = expect_context::<RwSignal<Place>>();
    let locale = flow.locale;
    let loaded = RwSignal::new(if chunk::is_loaded() {
        Chunk::Ready
    } else {
        Chunk::Loading
    });
    let fetch = move || {
        loaded.set(Chunk::Loading);
        leptos::task::spawn_local(async move {
            let state = match chunk::load().await {
                Ok(()) => Chunk::Ready,
                Err(_) => Chunk::Failed,
            };
            // The shopper may have gone back meanwhile.
            loaded.try_set(state);
        });
    };
    if loaded.get_untracked() == Chunk::Loading {
        fetch();
    }
    let back = {
        let which = which.clone();
        move || match which {
            Screen::Journey => flow.draft.update(|d| d.back()),
            Screen::Requests | Screen::Ticket(_) => place.set(Place::Filing),
            _ => flow.go(Stage::Problem),
        }
    };
    let failed = {
        let which = which.clone();
        move || {
            let back = back.clone();
            view! {
                <div class="hc-error" role="alert">
                    <p>{locale.text(Text::StepLoadFailed)}</p>
                    <button type="button" class="hc-retry" on:click=move |_| fetch()>
                        {locale.text(Text::TryAgain)}
                    </button>
                    {(which != Screen::Filed)
                        .then(|| {
                            view! {
                                <button type="button" class="hc-back" on:click=move |_| back()>
                                    {locale.text(Text::Back)}
                                </button>
                            }
                        })}
                </div>
            }
            .into_any()
        }
    };
    move || match loaded.get() {
        Chunk::Loading => {
            view! { <p class="hc-status" role="status">{locale.text(Text::StepLoading)}</p> }
                .into_any()
        }
        Chunk::Failed => failed(),
        Chunk::Ready => chunk::screen(flow, which.clone()).unwrap_or_else(failed.clone()),
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
