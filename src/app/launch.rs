//! What the iframe's address says: the site, the language, what the store passed in; a mail's link.

use leptos::prelude::*;

use crate::draft::Prefill;
use crate::i18n::{Locale, Text};

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
