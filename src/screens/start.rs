use leptos::prelude::*;

use super::ScreenHeading;
use crate::draft::saved;
use crate::flow::Flow;
use crate::i18n::Text;

/// "What went wrong with your order?": the policy's categories (§I) and any active notice (§V).
#[component]
pub fn StartScreen() -> impl IntoView {
    let flow = expect_context::<Flow>();
    let locale = flow.locale;
    let lang = locale.tag();
    let (notices, categories) = flow.with_policy(|p| {
        let notices: Vec<String> = p
            .active_notices(flow.today, None)
            .map(|n| p.text(lang, &n.message).to_owned())
            .collect();
        let categories: Vec<(String, String)> = p
            .categories
            .iter()
            .map(|c| (c.id.clone(), p.text(lang, &c.title).to_owned()))
            .collect();
        (notices, categories)
    });
    // Their numbers, newest first, to quote to the store (the follow-up screen opens them).
    let filed = saved::tickets(&flow.site.get_value());
    if !crate::filing::is_loaded() {
        // Everything after this screen is in a chunk of its own: it comes in while the
        // shopper reads the categories, so their first choice answers at once.
        leptos::task::spawn_local(async {
            let _ = crate::filing::load().await;
        });
    }
    let pick = move |id: String| {
        flow.draft.update(|d| {
            d.category = Some(id);
            d.answers.clear();
        })
    };
    view! {
        <section class="hc-screen hc-start">
            {(!notices.is_empty())
                .then(|| {
                    view! {
                        <aside class="hc-notices" aria-label=locale.text(Text::Notices)>
                            {notices.into_iter().map(|n| view! { <p class="hc-notice">{n}</p> }).collect_view()}
                        </aside>
                    }
                })}
            <ScreenHeading>{locale.text(Text::StartHeading)}</ScreenHeading>
            <p class="hc-intro">{locale.text(Text::StartIntro)}</p>
            <ul class="hc-choices">
                {categories
                    .into_iter()
                    .map(|(id, title)| {
                        view! {
                            <li>
                                <button type="button" class="hc-choice" data-category=id.clone() on:click=move |_| pick(id.clone())>
                                    {title}
                                </button>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            {(!filed.is_empty())
                .then(|| {
                    view! {
                        <section class="hc-mine">
                            <h3>{locale.text(Text::YourRequests)}</h3>
                            <ul>
                                {filed
                                    .into_iter()
                                    .map(|t| view! { <li class="hc-mine-id">{t.id}</li> })
                                    .collect_view()}
                            </ul>
                        </section>
                    }
                })}
        </section>
    }
}
