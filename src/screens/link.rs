//! The page a mail's link opens (`/t/{ticket}#k=…`), on a device that may have nothing of the
//! shopper: it exchanges the secret for this device's token, keeps it as recovery does, and
//! opens the widget on that ticket; or says why it cannot, in the language the shopper filed
//! in. All of it lives in the chunk.

use leptos::prelude::*;

use crate::api::{Api, SubmitError, encode};
use crate::app::{Place, TicketLink};
use crate::draft::saved;
use crate::i18n::{Locale, Text};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Failure {
    /// Forged, expired, used up or another ticket's.
    Refused,
    /// The server could not be reached: the link is not used up, try again.
    Network,
}

/// The words of this page only, kept out of the first load's text table.
fn words(locale: Locale) -> (&'static str, &'static str) {
    match locale {
        Locale::En => (
            "Opening your request…",
            "This link no longer opens a request: links work once, for 30 days. Open the store's Help Center and choose \"Find a request\" to get a new one by e-mail.",
        ),
        Locale::ZhCn => (
            "正在打开您的申请…",
            "此链接已无法打开申请：链接仅可使用一次，30 天内有效。请打开商店的帮助中心，选择“查找申请”，通过邮件获取新链接。",
        ),
    }
}

/// The language the shopper filed in, which the link carries beside its secret
/// (`#k=…&lang=zh-CN`): the page speaks it, and opens the widget in it, whatever the
/// browser's language. A link without one (written before links carried it): the browser's.
fn link_locale() -> Locale {
    window()
        .location()
        .hash()
        .ok()
        .and_then(|hash| web_sys::UrlSearchParams::new_with_str(hash.trim_start_matches('#')).ok())
        .and_then(|params| params.get("lang"))
        .filter(|tag| !tag.is_empty())
        .or_else(|| window().navigator().language())
        .map_or(Locale::En, |tag| Locale::negotiate(&tag))
}

#[component]
pub fn LinkScreen(link: TicketLink) -> impl IntoView {
    let locale = link_locale();
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("lang", locale.tag());
    }
    let (opening, refused) = words(locale);
    let failed = RwSignal::new(None::<Failure>);
    let link = StoredValue::new(link);
    let open = move || {
        failed.set(None);
        let TicketLink { ticket, secret } = link.get_value();
        leptos::task::spawn_local(async move {
            match Api::default().open_link(&ticket, &secret).await {
                Ok(opened) => {
                    let site = opened.ticket.site;
                    saved::remember_ticket(
                        &site,
                        saved::FiledTicket {
                            id: opened.ticket_id.clone(),
                            access_token: opened.access_token,
                            seen: 0,
                        },
                    );
                    Place::Ticket(opened.ticket_id).store(&site);
                    // The widget's own page, on this ticket; the secret leaves the address
                    // bar and the history.
                    let page = format!("/widget/?site={}&locale={}", encode(&site), locale.tag());
                    if window().location().replace(&page).is_err() {
                        failed.try_set(Some(Failure::Network));
                    }
                }
                Err(SubmitError::Network | SubmitError::Server(_)) => {
                    failed.try_set(Some(Failure::Network));
                }
                Err(_) => {
                    failed.try_set(Some(Failure::Refused));
                }
            }
        });
    };
    open();
    view! {
        <main class="hc-widget">
            {move || match failed.get() {
                None => view! { <p class="hc-status" role="status">{opening}</p> }.into_any(),
                Some(Failure::Refused) => {
                    view! { <div class="hc-error" role="alert"><p>{refused}</p></div> }.into_any()
                }
                Some(Failure::Network) => {
                    view! {
                        <div class="hc-error" role="alert">
                            <p>{locale.text(Text::LoadFailed)}</p>
                            <button
                                type="button"
                                on:click=move |_| open()
                            >
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
