//! The console's shell: who is signed in, in which language, the site's policy, the live
//! stream of the site's events, the header and the routes. Screens read all of it from one
//! [`Console`] context.

use std::collections::HashMap;

use leptos::ev;
use leptos::prelude::*;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::{Lazy, path};

use crate::api::{self, ApiError};
use crate::chunk::{InsightsRoute, SettingsRoute, TicketRoute};
use crate::i18n::{Locale, Text};
use crate::live::{self, LiveState};
use crate::screens::{InboxScreen, ShortcutsDialog, SignInScreen};
use crate::wire::{InboxQuery, LiveChange, SignedInAgent};

/// Where the session stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Session {
    /// Asking the server who is signed in.
    Checking,
    SignedIn(SignedInAgent),
    /// Nobody; `expired` when a session ended under the agent's hands (say so at sign-in).
    SignedOut {
        expired: bool,
    },
}

/// What every screen shares.
#[derive(Clone, Copy)]
pub struct Console {
    pub locale: RwSignal<Locale>,
    pub session: RwSignal<Session>,
    /// The site's widget configuration: its policy, for category and answer words.
    pub config: RwSignal<Option<crate::words::SiteWords>>,
    /// The newest event of the site's stream; screens react to it.
    pub live: RwSignal<Option<LiveChange>>,
    pub live_state: RwSignal<LiveState>,
    /// Said by screen readers (the page's polite live region).
    pub announce: RwSignal<String>,
    pub shortcuts_open: RwSignal<bool>,
    /// The inbox's filters, kept while the agent opens a ticket and comes back.
    pub inbox: RwSignal<InboxQuery>,
    /// What the agent was writing on each ticket, by ticket id: kept here, not by the ticket
    /// screen, so redrawing it in the other language (or going to the inbox and back) loses
    /// no half-written reply or note.
    pub drafts: StoredValue<HashMap<String, TicketDraft>>,
}

/// What an agent is writing or choosing on one ticket.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TicketDraft {
    /// The status chosen to move to, its resolution kind and message.
    pub to: String,
    pub resolution: String,
    pub status_message: String,
    /// The question asking the shopper for information.
    pub question: String,
    pub reply: String,
    pub note: String,
    /// The colleague chosen to assign to.
    pub colleague: String,
}

impl Console {
    pub fn t(&self, text: Text) -> &'static str {
        self.locale.get().text(text)
    }

    /// The words for `text` now: screens are drawn anew when the language changes (see
    /// [`Shell`]), so their labels need not each follow it.
    pub fn tu(&self, text: Text) -> &'static str {
        self.locale.get_untracked().text(text)
    }

    pub fn agent(&self) -> Option<SignedInAgent> {
        match self.session.get() {
            Session::SignedIn(agent) => Some(agent),
            _ => None,
        }
    }

    /// A call answered "not signed in": the session ended (expired, signed out elsewhere,
    /// agent disabled). The shell sends the agent to sign in, back here afterwards.
    pub fn signed_out(&self) {
        if matches!(self.session.get_untracked(), Session::SignedIn(_)) {
            live::stop();
            self.session.set(Session::SignedOut { expired: true });
        }
    }

    /// The words for a failed call; also handles a session that ended.
    pub fn error_text(&self, error: &ApiError) -> String {
        let locale = self.locale.get_untracked();
        match error {
            ApiError::SignedOut => {
                self.signed_out();
                locale.text(Text::SessionExpired).to_owned()
            }
            ApiError::Network => locale.text(Text::NetworkError).to_owned(),
            ApiError::NotFound => locale.text(Text::NotFound).to_owned(),
            ApiError::RateLimited(seconds) => {
                locale.fill(Text::RateLimited, &[("seconds", &seconds.to_string())])
            }
            ApiError::Refused { status: 409, .. } => locale.text(Text::Conflict).to_owned(),
            ApiError::Refused { status, .. } | ApiError::Server(status) => {
                locale.fill(Text::ServerError, &[("status", &status.to_string())])
            }
        }
    }
}

pub fn use_console() -> Console {
    expect_context::<Console>()
}

const LOCALE_KEY: &str = "helpcenter-console-locale";

fn initial_locale() -> Locale {
    let window = window();
    let saved = window
        .local_storage()
        .ok()
        .flatten()
        .and_then(|s| s.get_item(LOCALE_KEY).ok().flatten());
    saved
        .or_else(|| window.navigator().language())
        .map_or(Locale::En, |tag| Locale::negotiate(&tag))
}

#[component]
pub fn App() -> impl IntoView {
    let console = Console {
        locale: RwSignal::new(initial_locale()),
        session: RwSignal::new(Session::Checking),
        config: RwSignal::new(None),
        live: RwSignal::new(None),
        live_state: RwSignal::new(LiveState::Off),
        announce: RwSignal::new(String::new()),
        shortcuts_open: RwSignal::new(false),
        inbox: RwSignal::new(crate::screens::default_inbox()),
        drafts: StoredValue::new(HashMap::new()),
    };
    provide_context(console);

    // The document speaks the agent's language.
    Effect::new(move |_| {
        let locale = console.locale.get();
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", locale.tag());
        }
        document().set_title(locale.text(Text::AppName));
        if let Ok(Some(storage)) = window().local_storage() {
            let _ = storage.set_item(LOCALE_KEY, locale.tag());
        }
    });

    // Who is signed in, once at the start.
    leptos::task::spawn_local(async move {
        match api::whoami().await {
            Ok(agent) => console.session.set(Session::SignedIn(agent)),
            Err(_) => console.session.set(Session::SignedOut { expired: false }),
        }
    });

    // Signed in: the site's policy and the live stream; signed out: neither.
    Effect::new(move |previous: Option<Option<String>>| {
        let site = match console.session.get() {
            Session::SignedIn(agent) => Some(agent.site),
            _ => None,
        };
        if previous.as_ref() == Some(&site) {
            return site;
        }
        match &site {
            Some(site) => {
                let key = site.clone();
                leptos::task::spawn_local(async move {
                    if let Ok(config) = api::widget_config(&key).await {
                        console.config.set(Some(config));
                    }
                });
                live::start(console);
                // The screens after the inbox, fetched while the agent reads it.
                leptos::task::spawn_local(crate::chunk::preload_all());
            }
            None => {
                live::stop();
                console.config.set(None);
            }
        }
        site
    });

    // `?` anywhere (but while typing) lists the shortcuts; Escape closes the list.
    let keys = window_event_listener(ev::keydown, move |event| {
        if crate::keys::typing(&event) || crate::keys::modified(&event) {
            return;
        }
        match event.key().as_str() {
            "?" => {
                event.prevent_default();
                console.shortcuts_open.update(|open| *open = !*open);
            }
            "Escape" => console.shortcuts_open.set(false),
            _ => {}
        }
    });
    on_cleanup(move || keys.remove());

    view! {
        <Router>
            <Shell />
        </Router>
    }
}

/// Header, routes, and the redirects between signing in and working.
#[component]
fn Shell() -> impl IntoView {
    let console = use_console();
    let location = use_location();
    let navigate = use_navigate();

    // Signed out on a working screen: to sign-in, coming back to the same place after.
    // Signed in on the sign-in screen: to where the agent was going.
    Effect::new(move |_| {
        let path = location.pathname.get();
        let search = location.search.get();
        let on_sign_in = path.starts_with("/console/sign-in");
        match console.session.get() {
            Session::Checking => {}
            Session::SignedOut { .. } if !on_sign_in => {
                let next = format!(
                    "{path}{}",
                    if search.is_empty() {
                        String::new()
                    } else {
                        format!("?{search}")
                    }
                );
                navigate(
                    &format!("/console/sign-in?next={}", api::encode(&next)),
                    Default::default(),
                );
            }
            Session::SignedIn(_) if on_sign_in => {
                let next = crate::keys::query_param(&search, "next")
                    .filter(|n| n.starts_with("/console/") && !n.starts_with("/console/sign-in"))
                    .unwrap_or_else(|| "/console/tickets".to_owned());
                navigate(&next, Default::default());
            }
            Session::SignedIn(_) if path == "/console" || path == "/console/" => {
                navigate("/console/tickets", Default::default());
            }
            _ => {}
        }
    });

    let on_sign_in = Memo::new(move |_| location.pathname.get().starts_with("/console/sign-in"));
    let locale = console.locale;
    // Drawn anew in the agent's language when it changes: the labels themselves then need
    // not each follow it (a few hundred reactive labels cost the download tens of KB).
    let header = move || {
        locale.track();
        view! {
        <a class="skip" href="#main">{locale.get_untracked().text(Text::SkipToContent)}</a>
        <header class="bar">
            <span class="brand">{locale.get_untracked().text(Text::AppName)}</span>
            <Show when=move || console.agent().is_some()>
                <nav aria-label=locale.get_untracked().text(Text::AppName)>
                    <A href="/console/tickets">{locale.get_untracked().text(Text::NavInbox)}</A>
                    <A href="/console/insights">{locale.get_untracked().text(Text::NavInsights)}</A>
                    <A href="/console/settings">{locale.get_untracked().text(Text::NavSettings)}</A>
                </nav>
            </Show>
            <div class="bar-end">
                <LocaleSwitch />
                <Show when=move || console.agent().is_some()>
                    <button
                        type="button"
                        class="link"
                        aria-keyshortcuts="?"
                        on:click=move |_| console.shortcuts_open.set(true)
                    >
                        {locale.get_untracked().text(Text::Shortcuts)}
                    </button>
                    <span class="who">
                        {move || {
                            console
                                .agent()
                                .map(|agent| {
                                    let l = locale.get();
                                    l.fill(
                                        Text::SignedInAs,
                                        &[
                                            ("name", &agent.name),
                                            ("role", l.role(agent.role)),
                                            ("site", &agent.site_display_name),
                                        ],
                                    )
                                })
                        }}
                    </span>
                    <button type="button" class="link" on:click=move |_| {
                        leptos::task::spawn_local(async move {
                            let _ = api::sign_out().await;
                            live::stop();
                            console.session.set(Session::SignedOut { expired: false });
                        });
                    }>{locale.get_untracked().text(Text::SignOut)}</button>
                </Show>
            </div>
        </header>
        }
    };
    view! {
        {header}
        <p class="sr-only" aria-live="polite" aria-atomic="true" id="announce">
            {move || console.announce.get()}
        </p>
        <main id="main" tabindex="-1">
            {move || match (locale.get(), console.session.get(), on_sign_in.get()) {
                // Nobody signed in and not on the sign-in page: on the way there, nothing
                // else loads (every call would be refused).
                (_, Session::Checking, _) | (_, Session::SignedOut { .. }, false) => {
                    view! { <p class="loading">{locale.get().text(Text::Loading)}</p> }.into_any()
                }
                _ => {
                    view! {
                        <Routes fallback=move || {
                            view! { <p class="notice">{locale.get().text(Text::NotFound)}</p> }
                        }>
                            <Route path=path!("/console/sign-in") view=SignInScreen />
                            <Route path=path!("/console/tickets") view=InboxScreen />
                            <Route path=path!("/console/tickets/:id") view={Lazy::<TicketRoute>::new()} />
                            <Route path=path!("/console/settings") view={Lazy::<SettingsRoute>::new()} />
                            <Route path=path!("/console/insights") view={Lazy::<InsightsRoute>::new()} />
                            <Route path=path!("/console") view=|| () />
                        </Routes>
                    }
                        .into_any()
                }
            }}
        </main>
        {move || {
            locale.track();
            view! { <ShortcutsDialog /> }
        }}
    }
}

#[component]
fn LocaleSwitch() -> impl IntoView {
    let console = use_console();
    view! {
        <label class="locale">
            <span class="sr-only">{move || console.t(Text::Language)}</span>
            <select on:change=move |event| {
                let tag = event_target_value(&event);
                console.locale.set(Locale::negotiate(&tag));
            }>
                {Locale::ALL
                    .into_iter()
                    .map(|l| {
                        view! {
                            <option value=l.tag() selected=move || console.locale.get() == l lang=l.tag()>
                                {l.name()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}
