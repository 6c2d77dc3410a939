use leptos::prelude::*;

use super::ScreenHeading;
use crate::app::Place;
use crate::flow::Flow;
use crate::i18n::Text;
use crate::requests::Following;

/// "What went wrong with your order?": the policy's categories (§I) and any active notice
/// (§V); and the way to the shopper's requests, marked when one of them has news.
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
    let following = expect_context::<Following>();
    let place = expect_context::<RwSignal<Place>>();
    // Everything after this screen is in a chunk of its own: it comes in while the shopper
    // reads the categories, so their first choice answers at once. With it comes the check
    // for news on their requests.
    leptos::task::spawn_local(async move {
        if crate::chunk::load().await.is_ok() {
            let _ = crate::chunk::refresh_requests(following).await;
        }
    });
    let news = move || following.news.get();
    let pick = move |id: String| flow.draft.update(|d| d.pick(id));
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
            <button
                type="button"
                class="hc-link hc-my-requests"
                on:click=move |_| place.set(Place::Requests)
            >
                {locale.text(Text::MyRequests)}
                <Show when=move || { news() > 0 }>
                    " "
                    <span class="hc-news">
                        {news}
                        " "
                        {locale.text(Text::MyRequestsNews)}
                    </span>
                </Show>
            </button>
        </section>
    }
}
