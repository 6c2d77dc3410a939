//! The app shell: reads which site and language the iframe was opened for, loads the site's
//! configuration, and shows one screen at a time.

use helpcenter_core::{Node, Policy};
use leptos::prelude::*;

use crate::api::{self, WidgetConfig};
use crate::i18n::{Locale, Text};
use crate::screens::{OutcomeScreen, QuestionScreen, StartScreen};

/// What the embed put in the iframe's address: `/widget/?site=KEY&locale=zh-CN`.
#[derive(Clone, Debug, PartialEq)]
pub struct Launch {
    pub site: String,
    pub locale: Locale,
}

impl Launch {
    /// From the page's address; the language falls back to the browser's, then English.
    pub fn from_location() -> Launch {
        let window = window();
        let search = window.location().search().unwrap_or_default();
        let params = web_sys::UrlSearchParams::new_with_str(&search).ok();
        let param = |name: &str| {
            params
                .as_ref()
                .and_then(|p| p.get(name))
                .filter(|v| !v.is_empty())
        };
        let locale = param("locale")
            .or_else(|| window.navigator().language())
            .map_or(Locale::En, |tag| Locale::negotiate(&tag));
        Launch {
            site: param("site").unwrap_or_default(),
            locale,
        }
    }
}

/// The whole widget as the iframe shows it.
#[component]
pub fn App() -> impl IntoView {
    let Launch { site, locale } = Launch::from_location();
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("lang", locale.tag());
    }
    let loaded = LocalResource::new(move || {
        let site = site.clone();
        async move { api::widget_config(&site).await }
    });
    view! {
        <main class="hc-widget">
            <Suspense fallback=move || {
                view! { <p class="hc-status" role="status">{locale.text(Text::Loading)}</p> }
            }>
                {move || {
                    loaded
                        .get()
                        .map(|result| match result {
                            Ok(config) => view! { <Widget config locale /> }.into_any(),
                            Err(_) => {
                                view! {
                                    <div class="hc-error" role="alert">
                                        <p>{locale.text(Text::LoadFailed)}</p>
                                        <button type="button" on:click=move |_| loaded.refetch()>
                                            {locale.text(Text::TryAgain)}
                                        </button>
                                    </div>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Suspense>
        </main>
    }
}

/// Where the shopper is in the decision tree: a category and the answers given so far.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Journey {
    pub category: Option<String>,
    pub answers: Vec<String>,
}

/// The screens for one site's configuration.
#[component]
pub fn Widget(config: WidgetConfig, locale: Locale) -> impl IntoView {
    // The site's today, from the server: notices and claim windows count the site's days.
    let today = config.today;
    let policy = StoredValue::new(config.policy);
    let journey = RwSignal::new(Journey::default());
    let back = Callback::new(move |()| {
        journey.update(|j| {
            if j.answers.pop().is_none() {
                j.category = None;
            }
        })
    });
    move || {
        let Journey { category, answers } = journey.get();
        let Some(category) = category else {
            let pick = Callback::new(move |id: String| {
                journey.set(Journey {
                    category: Some(id),
                    answers: Vec::new(),
                })
            });
            return view! { <StartScreen policy locale today on_pick=pick /> }.into_any();
        };
        let step = answers.len() + 1;
        policy.with_value(|p: &Policy| match p.step(&category, &answers) {
            Ok(Node::Question(question)) => {
                let answer = Callback::new(move |id: String| journey.update(|j| j.answers.push(id)));
                let question = question.clone();
                view! { <QuestionScreen policy locale question step on_answer=answer on_back=back /> }
                    .into_any()
            }
            Ok(Node::Outcome(outcome)) => {
                let outcome = outcome.clone();
                view! { <OutcomeScreen policy locale outcome step on_back=back /> }.into_any()
            }
            // A policy that changed under a stored journey: start again.
            Err(_) => {
                journey.set(Journey::default());
                ().into_any()
            }
        })
    }
}
