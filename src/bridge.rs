//! The widget's side of the embed's postMessage bridge. The embed on the store's page tells
//! the iframe its page's origin (`#host=…` in the address); only that origin, from the parent
//! window, is listened to, and only there are messages sent. That the origin may frame the
//! widget at all is the server's `frame-ancestors`, from the site's allowed origins. Messages
//! are `{hc: 1, type, data}`; anything else is ignored.

use std::cell::RefCell;

use js_sys::{Object, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::draft::Prefill;

/// The schema version both sides speak.
const VERSION: u32 = 1;

thread_local! {
    static HOST: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// What the store's page asks of the widget.
#[derive(Clone, Debug, PartialEq)]
pub enum FromHost {
    Prefill(Prefill),
    Identify(String),
    /// The dialog was opened: focus belongs inside it.
    Focus,
}

/// Starts listening to the store's page at `host` (its origin) and tells it the widget is
/// ready. Without a host (opened on its own, or in tests), nothing is sent or heard.
pub fn connect(host: Option<String>, on: impl Fn(FromHost) + 'static) {
    let Some(host) = host.filter(|h| h.starts_with("http")) else {
        return;
    };
    let window = web_sys::window().expect("a window");
    let Ok(Some(parent)) = window.parent() else {
        return;
    };
    HOST.with(|h| *h.borrow_mut() = Some(host.clone()));
    let listener =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            // Compared as values: a cross-origin parent is not `instanceof Window` here, so
            // it cannot be cast to one.
            let from_parent = e
                .source()
                .is_some_and(|s| JsValue::from(s) == JsValue::from(parent.clone()));
            if e.origin() != host || !from_parent {
                return;
            }
            if let Some(message) = read(&e.data()) {
                on(message);
            }
        });
    let _ = window.add_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
    listener.forget();
    let escape = Closure::<dyn Fn(web_sys::KeyboardEvent)>::new(|e: web_sys::KeyboardEvent| {
        if e.key() == "Escape" && !e.default_prevented() {
            tell("close", &[]);
        }
    });
    let _ = window.add_event_listener_with_callback("keydown", escape.as_ref().unchecked_ref());
    escape.forget();
    tell("ready", &[]);
}

/// Tells the store's page something (`ready`, `close`, `ticket:created` with `ticketId`).
pub fn tell(kind: &str, data: &[(&str, &str)]) {
    let Some(host) = HOST.with(|h| h.borrow().clone()) else {
        return;
    };
    let Some(parent) = web_sys::window().and_then(|w| w.parent().ok().flatten()) else {
        return;
    };
    let message = Object::new();
    let fields = Object::new();
    for (name, value) in data {
        let _ = Reflect::set(&fields, &(*name).into(), &(*value).into());
    }
    let _ = Reflect::set(&message, &"hc".into(), &VERSION.into());
    let _ = Reflect::set(&message, &"type".into(), &kind.into());
    let _ = Reflect::set(&message, &"data".into(), &fields);
    let _ = parent.post_message(&message, &host);
}

fn text(object: &JsValue, name: &str) -> Option<String> {
    Reflect::get(object, &name.into())
        .ok()?
        .as_string()
        .map(|s| s.chars().take(256).collect())
}

fn read(data: &JsValue) -> Option<FromHost> {
    let version = Reflect::get(data, &"hc".into()).ok()?.as_f64()?;
    if version != f64::from(VERSION) {
        return None;
    }
    let fields = Reflect::get(data, &"data".into()).unwrap_or(JsValue::UNDEFINED);
    match text(data, "type")?.as_str() {
        "prefill" if fields.is_object() => Some(FromHost::Prefill(Prefill {
            order_number: text(&fields, "orderNumber"),
            email: text(&fields, "email"),
            delivered_on: text(&fields, "deliveredOn"),
            category: text(&fields, "category"),
        })),
        "identify" if fields.is_object() => text(&fields, "token").map(FromHost::Identify),
        "focus" => Some(FromHost::Focus),
        _ => None,
    }
}
