//! What the browser tests share: a place to mount, a way to let Leptos settle, and the real
//! helpcenter-server that `cargo xtask test` starts for them.
#![allow(dead_code)] // each test binary uses its own part of this

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

/// The real server `cargo xtask test` starts before the browser tests (site `demo`, this test
/// page's origin allowed). Compiled in, so a test run without one fails loudly instead of
/// skipping.
pub fn api_base() -> &'static str {
    option_env!("HELPCENTER_TEST_API").expect(
        "HELPCENTER_TEST_API is not set: run the browser tests with `cargo xtask test`, which \
         starts helpcenter-server for them",
    )
}

/// The admin key of the test server's `demo` site, so tests can act as an agent and count
/// what the server really stored.
pub fn admin_key() -> &'static str {
    option_env!("HELPCENTER_TEST_ADMIN_KEY").expect("HELPCENTER_TEST_ADMIN_KEY is not set")
}

/// A fresh element to mount into, so tests do not see each other's screens.
pub fn container() -> HtmlElement {
    let document = document();
    let div = document.create_element("div").expect("create div");
    document
        .body()
        .expect("body")
        .append_child(&div)
        .expect("append");
    div.unchecked_into()
}

/// Waits `ms` milliseconds of real time (timers, network).
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Lets Leptos run the effects that a click scheduled.
pub async fn settle() {
    for _ in 0..3 {
        sleep(0).await;
    }
}

/// Polls `check` every 20 ms until it holds, for at most `ms`; panics with `what` otherwise.
pub async fn wait_for(what: &str, ms: i32, mut check: impl FnMut() -> bool) {
    let mut waited = 0;
    while !check() {
        if waited >= ms {
            panic!("waited {ms} ms for {what}");
        }
        sleep(20).await;
        waited += 20;
    }
}
