//! The widget's side of the embed's postMessage bridge, in real Chromium. The test page plays
//! the store's page: it is its own parent here, so what the widget tells "the parent" arrives
//! on this window, and what this window posts arrives from "the parent".
#![cfg(target_arch = "wasm32")]

mod support;

use std::cell::RefCell;
use std::rc::Rc;

use helpcenter_widget::Widget;
use helpcenter_widget::draft::saved;
use helpcenter_widget::i18n::Locale;
use js_sys::{Object, Reflect};
use leptos::prelude::*;
use support::{clear_device, container, settle, wait_for};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Every `{hc, type}` message this window receives, as `(version, type)`.
fn heard() -> Rc<RefCell<Vec<(f64, String)>>> {
    let heard = Rc::new(RefCell::new(Vec::new()));
    let sink = heard.clone();
    let listener =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let data = e.data();
            let version = Reflect::get(&data, &"hc".into())
                .ok()
                .and_then(|v| v.as_f64());
            let kind = Reflect::get(&data, &"type".into())
                .ok()
                .and_then(|v| v.as_string());
            if let (Some(version), Some(kind)) = (version, kind) {
                sink.borrow_mut().push((version, kind));
            }
        });
    window()
        .add_event_listener_with_callback("message", listener.as_ref().unchecked_ref())
        .expect("listen");
    listener.forget();
    heard
}

fn post(version: u32, kind: &str, data: &[(&str, &str)]) {
    let message = Object::new();
    let fields = Object::new();
    for (name, value) in data {
        Reflect::set(&fields, &(*name).into(), &(*value).into()).expect("field");
    }
    Reflect::set(&message, &"hc".into(), &version.into()).expect("hc");
    Reflect::set(&message, &"type".into(), &kind.into()).expect("type");
    Reflect::set(&message, &"data".into(), &fields).expect("data");
    let origin = window().location().origin().expect("origin");
    window().post_message(&message, &origin).expect("post");
}

#[wasm_bindgen_test]
async fn the_widget_says_ready_takes_the_stores_prefill_and_asks_to_close_on_escape() {
    clear_device("demo");
    let heard = heard();
    let host = window().location().origin().ok();
    let root = container();
    let _app = leptos::mount::mount_to(root.clone(), move || {
        view! { <Widget config=support::demo_config() locale=Locale::En host=host.clone() /> }
    });
    wait_for("ready", 2_000, || {
        heard
            .borrow()
            .iter()
            .any(|(v, k)| *v == 1.0 && k == "ready")
    })
    .await;

    // Another schema version is not this widget's business.
    post(2, "prefill", &[("email", "old@example.com")]);
    post(
        1,
        "prefill",
        &[("orderNumber", " 10023456 "), ("email", "wei@example.com")],
    );
    wait_for("the prefill kept", 2_000, || {
        saved::load("demo").is_some_and(|(d, _)| d.claim.order_number == "10023456")
    })
    .await;
    settle().await;
    let (draft, _) = saved::load("demo").expect("draft");
    assert_eq!(draft.claim.email, "wei@example.com", "version 1 only");

    let init = web_sys::KeyboardEventInit::new();
    init.set_key("Escape");
    init.set_bubbles(true);
    let escape =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).expect("event");
    root.dispatch_event(&escape).expect("dispatch");
    wait_for("close asked", 2_000, || {
        heard.borrow().iter().any(|(_, k)| k == "close")
    })
    .await;
    root.remove();
}
