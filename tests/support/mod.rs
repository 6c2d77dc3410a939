//! What the browser tests share: a place to mount, a way to let Leptos settle, and the real
//! helpcenter-server that `cargo xtask test` starts for them.
#![allow(dead_code)]
// each test binary uses its own part of this
// `expect` on a compiled-in variable is the point: a run without the server fails loudly
// instead of skipping.
#![allow(clippy::option_env_unwrap)]

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

/// The demo store's configuration with the built-in policy, for tests that mount the widget
/// without asking the server; its "today" is fixed so dates in tests do not drift.
pub fn demo_config() -> helpcenter_widget::api::WidgetConfig {
    helpcenter_widget::api::WidgetConfig {
        site: "demo".into(),
        display_name: "Demo Store".into(),
        policy: helpcenter_core::Policy::builtin(),
        brand: Default::default(),
        return_policy_url: None,
        today: "2026-11-24".parse().expect("date"),
        logo_url: None,
        shopper_mail: helpcenter_api::MailKind::ALL
            .into_iter()
            .filter(|k| !k.is_alert())
            .collect(),
        order_lookup: None,
    }
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

/// The gateway in front of the test server (see xtask's `faults`): passes everything through,
/// can lose the answer to the next ticket creation, and lets the test page use the admin API.
pub fn gateway() -> &'static str {
    option_env!("HELPCENTER_TEST_FLAKY_API").expect("HELPCENTER_TEST_FLAKY_API is not set")
}

/// The demo site's configuration as the real server gives it (its policy, its today).
pub async fn server_config() -> helpcenter_widget::api::WidgetConfig {
    helpcenter_widget::api::Api::new(api_base())
        .widget_config("demo")
        .await
        .expect("the test server gives the demo site's configuration")
}

/// Forgets what earlier tests left on this device for `site`: its draft, and where the
/// widget was (a later mount would open there).
pub fn clear_device(site: &str) {
    helpcenter_widget::draft::saved::discard(site);
    if let Ok(Some(storage)) = window().session_storage() {
        let _ = storage.clear();
    }
}

pub fn query(root: &HtmlElement, selector: &str) -> Option<web_sys::Element> {
    root.query_selector(selector).expect("valid selector")
}

pub fn text(root: &HtmlElement, selector: &str) -> String {
    query(root, selector)
        .unwrap_or_else(|| panic!("nothing matches {selector}"))
        .text_content()
        .unwrap_or_default()
}

pub fn texts(root: &HtmlElement, selector: &str) -> Vec<String> {
    let nodes = root.query_selector_all(selector).expect("valid selector");
    (0..nodes.length())
        .filter_map(|i| nodes.item(i))
        .map(|n| n.text_content().unwrap_or_default())
        .collect()
}

pub fn click(root: &HtmlElement, selector: &str) {
    query(root, selector)
        .unwrap_or_else(|| panic!("nothing matches {selector}"))
        .unchecked_into::<HtmlElement>()
        .click();
}

fn dispatch(target: &web_sys::EventTarget, kind: &str) {
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict(kind, &init).expect("event");
    target.dispatch_event(&event).expect("dispatch");
}

/// Types `value` into an input or textarea the way a browser reports typing.
pub fn type_into(root: &HtmlElement, selector: &str, value: &str) {
    let element = query(root, selector).unwrap_or_else(|| panic!("nothing matches {selector}"));
    js_sys::Reflect::set(&element, &"value".into(), &value.into()).expect("set value");
    dispatch(&element, "input");
    dispatch(&element, "blur");
}

/// Picks `files` in a file input, as the shopper does in the file dialog.
pub fn attach(root: &HtmlElement, selector: &str, files: &[web_sys::File]) {
    let input: web_sys::HtmlInputElement = query(root, selector)
        .unwrap_or_else(|| panic!("nothing matches {selector}"))
        .unchecked_into();
    let transfer = web_sys::DataTransfer::new().expect("data transfer");
    for file in files {
        transfer.items().add_with_file(file).expect("add file");
    }
    input.set_files(transfer.files().as_ref());
    dispatch(&input, "change");
}

/// A file as the file dialog would hand it over.
pub fn file(bytes: &[u8], name: &str, mime: &str) -> web_sys::File {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::FilePropertyBag::new();
    options.set_type(mime);
    web_sys::File::new_with_u8_array_sequence_and_options(&parts, name, &options).expect("file")
}

/// A JPEG photo of `width`×`height`, taken on `taken` (`YYYY-MM-DD`), distinct per `seed`.
pub fn photo(taken: &str, seed: u8) -> web_sys::File {
    let exif_date = format!("{} 12:00:00", taken.replace('-', ":"));
    let bytes = helpcenter_media::samples::jpeg(&helpcenter_media::samples::Jpeg {
        width: 640,
        height: 480,
        taken: Some(&exif_date),
        padding: 0,
        seed,
    });
    file(&bytes, &format!("IMG_{seed:04}.JPG"), "image/jpeg")
}

/// Calls the admin API (through the gateway) and returns its JSON.
pub async fn admin_get(path: &str) -> serde_json::Value {
    let init = web_sys::RequestInit::new();
    let headers = web_sys::Headers::new().expect("headers");
    headers
        .set("Authorization", &format!("Bearer {}", admin_key()))
        .expect("header");
    init.set_headers(&headers);
    let request = web_sys::Request::new_with_str_and_init(&format!("{}{path}", gateway()), &init)
        .expect("request");
    let response: web_sys::Response =
        wasm_bindgen_futures::JsFuture::from(window().fetch_with_request(&request))
            .await
            .expect("admin API reachable")
            .unchecked_into();
    assert!(response.ok(), "admin {path}: {}", response.status());
    let json = wasm_bindgen_futures::JsFuture::from(response.json().expect("json"))
        .await
        .expect("json body");
    serde_json::from_str(
        &js_sys::JSON::stringify(&json)
            .expect("stringify")
            .as_string()
            .unwrap_or_default(),
    )
    .expect("admin JSON")
}

/// Tells the gateway to lose the answer to the next ticket creation.
pub async fn lose_next_create() {
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    let request = web_sys::Request::new_with_str_and_init(
        &format!("{}/__faults/lose-next-create", gateway()),
        &init,
    )
    .expect("request");
    let response: web_sys::Response =
        wasm_bindgen_futures::JsFuture::from(window().fetch_with_request(&request))
            .await
            .expect("gateway reachable")
            .unchecked_into();
    assert_eq!(response.status(), 204);
}

/// An order number no other test uses.
pub fn order_number() -> String {
    format!(
        "{}",
        10_000_000 + (js_sys::Math::random() * 89_999_999.0) as u64
    )
}

/// The identity token `cargo xtask test` signed for the demo site's test customer, as a
/// store's backend would for a signed-in shopper.
pub fn identity_token() -> &'static str {
    option_env!("HELPCENTER_TEST_IDENTITY_TOKEN")
        .expect("HELPCENTER_TEST_IDENTITY_TOKEN is not set")
}

/// Forgets everything this test page kept: drafts, tickets, where the widget was.
pub fn forget_everything() {
    if let Ok(Some(storage)) = window().local_storage() {
        let _ = storage.clear();
    }
    if let Ok(Some(storage)) = window().session_storage() {
        let _ = storage.clear();
    }
}

async fn fetch_json(
    method: &str,
    url: &str,
    bearer: Option<&str>,
    body: Option<&serde_json::Value>,
) -> (u16, serde_json::Value) {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().expect("headers");
    if let Some(token) = bearer {
        headers
            .set("Authorization", &format!("Bearer {token}"))
            .expect("header");
    }
    if let Some(body) = body {
        headers
            .set("Content-Type", "application/json")
            .expect("header");
        init.set_body(&body.to_string().into());
    }
    init.set_headers(&headers);
    let request = web_sys::Request::new_with_str_and_init(url, &init).expect("request");
    let response: web_sys::Response =
        wasm_bindgen_futures::JsFuture::from(window().fetch_with_request(&request))
            .await
            .expect("server reachable")
            .unchecked_into();
    let status = response.status();
    let text = wasm_bindgen_futures::JsFuture::from(response.text().expect("text"))
        .await
        .ok()
        .and_then(|t| t.as_string())
        .unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or_default())
}

/// An agent's call to the admin API (through the gateway), e.g. a transition.
pub async fn admin_post(path: &str, body: serde_json::Value) -> serde_json::Value {
    let (status, json) = fetch_json(
        "POST",
        &format!("{}{path}", gateway()),
        Some(admin_key()),
        Some(&body),
    )
    .await;
    assert!(
        (200..300).contains(&status),
        "admin {path}: {status} {json}"
    );
    json
}

/// Moves a ticket as an agent does.
pub async fn agent_moves(id: &str, body: serde_json::Value) {
    admin_post(&format!("/v1/admin/tickets/{id}/transition"), body).await;
}

/// A GET through the gateway, as the page's own code would send it (no headers, so no
/// preflight): its status and JSON.
pub async fn gateway_get(path: &str) -> (u16, serde_json::Value) {
    fetch_json("GET", &format!("{}{path}", gateway()), None, None).await
}

/// A shopper's call to the public API with a ticket's token: its status and JSON.
pub async fn shopper_get(path: &str, token: &str) -> (u16, serde_json::Value) {
    fetch_json("GET", &format!("{}{path}", api_base()), Some(token), None).await
}

/// Asks the gateway for one of its faults (`block-streams`, `allow-streams`,
/// `restart-server`, …).
pub async fn fault(name: &str) {
    let (status, _) = fetch_json(
        "POST",
        &format!("{}/__faults/{name}", gateway()),
        None,
        None,
    )
    .await;
    assert_eq!(status, 204, "fault {name}");
}

struct Quiet;

impl helpcenter_widget::upload::UploadHooks for Quiet {
    fn created(&self, _: &str) {}
    fn progress(&self, _: u64, _: u64) {}
    fn retrying(&self, _: u32, _: u32) {}
}

/// A double-charge claim filed through the API with one photo, as the widget files it:
/// `(ticket id, access token)`. `identity` ties it to the signed-in test customer.
pub async fn file_ticket(order: &str, identity: Option<&str>) -> (String, String) {
    use helpcenter_widget::upload::{self, Cancel, UploadTarget};
    let target = UploadTarget {
        api_base: api_base(),
        site: "demo",
        outcome: Some("payment_anomaly"),
        location_removed: false,
    };
    let seed = (js_sys::Math::random() * 250.0) as u8;
    let url = upload::send(
        &target,
        &photo("2026-11-01", seed),
        "statement.jpg",
        None,
        &Quiet,
        &Cancel::new(),
    )
    .await
    .expect("the photo uploads");
    let ticket = helpcenter_api::NewTicket {
        claim: helpcenter_core::Claim {
            category: "payment_anomaly".into(),
            answers: vec!["double_charge".into()],
            order_number: order.into(),
            description: "I was charged twice for the same order on my card statement.".into(),
            email: "wei@example.com".into(),
            ..helpcenter_core::Claim::default()
        },
        uploads: vec![upload::upload_id(&url).expect("upload id").to_owned()],
        locale: "en".into(),
        identity_token: identity.map(str::to_owned),
        items: Vec::new(),
    };
    let created = helpcenter_widget::api::Api::new(api_base())
        .create_ticket("demo", &helpcenter_widget::draft::random_key(), &ticket)
        .await
        .expect("the claim is filed");
    (created.ticket_id, created.access_token)
}

/// Keeps a ticket's token on this device, as filing from here does.
pub fn keep_on_device(id: &str, token: &str) {
    helpcenter_widget::draft::saved::remember_ticket(
        "demo",
        helpcenter_widget::draft::saved::FiledTicket {
            id: id.into(),
            access_token: token.into(),
            seen: 0,
        },
    );
}
