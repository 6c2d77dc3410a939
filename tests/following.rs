//! A shopper following their requests in the widget, against the real helpcenter-server in
//! real headless Chromium: an agent's change showing up live, answering the store with a new
//! photo, a dispute, the events missed while the server restarted, streams blocked by the
//! network, my requests with their news, finding a request again, and a token that opens
//! one ticket only.
#![cfg(target_arch = "wasm32")]

mod support;

use helpcenter_widget::Widget;
use helpcenter_widget::api::{Api, WidgetConfig};
use helpcenter_widget::i18n::Locale;
use leptos::prelude::*;
use serde_json::json;
use support::{
    admin_get, agent_moves, api_base, attach, click, container, fault, file, file_ticket,
    forget_everything, gateway, gateway_get, identity_token, keep_on_device, order_number, photo,
    query, server_config, settle, shopper_get, text, texts, type_into, wait_for,
};
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

struct Mounted {
    root: HtmlElement,
    _app: Box<dyn std::any::Any>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.root.remove();
    }
}

fn mount_with(
    config: WidgetConfig,
    base: &str,
    locale: Locale,
    identity: Option<String>,
) -> Mounted {
    let root = container();
    let api = Api::new(base);
    let app = leptos::mount::mount_to(root.clone(), move || {
        view! { <Widget config locale api identity=identity.clone() /> }
    });
    Mounted {
        root,
        _app: Box::new(app),
    }
}

async fn heading_is(root: &HtmlElement, heading: &str) {
    wait_for(&format!("the screen {heading:?}"), 5_000, || {
        query(root, "h2").and_then(|h| h.text_content()).as_deref() == Some(heading)
    })
    .await;
}

/// From the start screen through "My requests" to the ticket, as the shopper goes.
async fn open_ticket(root: &HtmlElement, id: &str) {
    wait_for("the start screen", 5_000, || {
        query(root, ".hc-my-requests").is_some()
    })
    .await;
    click(root, ".hc-my-requests");
    wait_for(&format!("{id} in my requests"), 5_000, || {
        query(root, &format!("[data-ticket='{id}']")).is_some()
    })
    .await;
    click(root, &format!("[data-ticket='{id}']"));
    heading_is(root, &format!("Request {id}")).await;
    wait_for("the ticket's status", 5_000, || {
        query(root, ".hc-ticket-status").is_some()
    })
    .await;
}

async fn status_is(root: &HtmlElement, status: &str, ms: i32) {
    wait_for(&format!("the status {status:?}"), ms, || {
        query(root, ".hc-ticket-status")
            .and_then(|e| e.text_content())
            .is_some_and(|t| t == format!("Status: {status}"))
    })
    .await;
}

/// A ticket filed from this device, open in the widget: `(ticket id, token, widget)`.
async fn a_ticket_open_in_the_widget(base: &str) -> (String, String, Mounted) {
    // Streams a failed test left blocked at the gateway (see [`StreamsBlocked`]).
    fault("allow-streams").await;
    forget_everything();
    let (id, token) = file_ticket(&order_number(), None).await;
    keep_on_device(&id, &token);
    let widget = mount_with(server_config().await, base, Locale::En, None);
    open_ticket(&widget.root, &id).await;
    status_is(&widget.root, "Received", 5_000).await;
    connection_is(&widget.root, "live", 5_000).await;
    (id, token, widget)
}

/// Waits until the ticket's event stream is in `state` (`live`: the server has answered and
/// events arrive as they happen; `polling`: streams do not get through).
async fn connection_is(root: &HtmlElement, state: &str, ms: i32) {
    wait_for(&format!("the connection {state:?}"), ms, || {
        query(root, &format!(".hc-ticket-status[data-connection={state}]")).is_some()
    })
    .await;
}

/// Lifts the gateway's block on event streams at once: a synchronous request, so it is done
/// before anything else runs.
fn allow_streams_now() {
    let url = format!("{}/__faults/allow-streams", gateway());
    if let Ok(request) = web_sys::XmlHttpRequest::new()
        && request.open_with_async("POST", &url, false).is_ok()
    {
        let _ = request.send();
    }
}

/// Event streams blocked at the gateway for as long as this lives. In wasm a failing test
/// aborts without running `Drop`, so the tests that go through the gateway also lift any block
/// a failed test left behind before they start ([`a_ticket_open_in_the_widget`]). Panic hooks
/// are not the way: the test runner keeps its own, and a chained one re-set later broke it.
struct StreamsBlocked;

impl StreamsBlocked {
    async fn start() -> StreamsBlocked {
        fault("block-streams").await;
        StreamsBlocked
    }
}

impl Drop for StreamsBlocked {
    fn drop(&mut self) {
        allow_streams_now();
    }
}

#[wasm_bindgen_test]
async fn an_agents_change_shows_in_the_open_ticket_within_a_second() {
    let (id, _token, widget) = a_ticket_open_in_the_widget(api_base()).await;
    let root = &widget.root;
    let started = js_sys::Date::now();
    agent_moves(&id, json!({"to": "in_review"})).await;
    status_is(root, "Under review", 1_000).await;
    let took = js_sys::Date::now() - started;
    assert!(took < 1_000.0, "the change took {took} ms to show");
    assert_eq!(
        texts(root, ".hc-progress-step--current"),
        ["Under review"],
        "the progress marks where it is"
    );
    assert_eq!(
        texts(root, ".hc-event-title span")
            .last()
            .map(String::as_str),
        Some("Status: Under review"),
        "the conversation ends with it"
    );
    assert!(
        texts(root, "[aria-live=polite]")
            .iter()
            .any(|t| t == "Status: Under review"),
        "screen readers hear it"
    );
}

/// "24 November 2026, 15:04": the form the widget writes days in elsewhere (the claim window,
/// a photo's capture date), with the time.
fn reads_as_the_widgets_moment(text: &str) -> bool {
    let Some((day, time)) = text.split_once(", ") else {
        return false;
    };
    let clock = time.len() == 5
        && time.as_bytes()[2] == b':'
        && time.chars().filter(char::is_ascii_digit).count() == 4;
    let parts: Vec<&str> = day.split(' ').collect();
    clock
        && parts.len() == 3
        && parts[0].parse::<u8>().is_ok_and(|d| (1..=31).contains(&d))
        && parts[1].chars().next().is_some_and(char::is_uppercase)
        && parts[1].chars().all(char::is_alphabetic)
        && parts[2].len() == 4
        && parts[2].parse::<u16>().is_ok()
}

#[wasm_bindgen_test]
async fn every_moment_on_the_request_reads_the_way_the_widget_writes_days() {
    let (id, _token, widget) = a_ticket_open_in_the_widget(api_base()).await;
    let root = &widget.root;
    agent_moves(&id, json!({"to": "in_review"})).await;
    status_is(root, "Under review", 5_000).await;
    let times = texts(root, ".hc-event time");
    assert!(
        times.len() >= 2,
        "the received line and the change: {times:?}"
    );
    for time in &times {
        assert!(
            reads_as_the_widgets_moment(time),
            "{time:?} is not written like \"24 November 2026, 15:04\" (all: {times:?})"
        );
    }
}

#[wasm_bindgen_test]
async fn the_store_asks_for_a_photo_and_the_agent_sees_the_answer() {
    let (id, _token, widget) = a_ticket_open_in_the_widget(api_base()).await;
    let root = &widget.root;
    agent_moves(&id, json!({"to": "in_review"})).await;
    agent_moves(
        &id,
        json!({"to": "needs_info", "message": "Please send a photo of the charge on your statement."}),
    )
    .await;
    status_is(root, "We need something from you", 2_000).await;
    wait_for("the answer form", 2_000, || {
        query(root, ".hc-answer").is_some()
    })
    .await;
    assert_eq!(
        text(root, ".hc-asked"),
        "Please send a photo of the charge on your statement."
    );
    // Sending nothing is refused next to the field, in the shopper's words.
    click(root, ".hc-send-answer");
    settle().await;
    assert_eq!(
        texts(root, "#hc-answer-problems .hc-problem"),
        ["Write your answer or add a file."]
    );
    // A picture too small is caught in the browser, exactly as when filing.
    let tiny = file(
        &helpcenter_media::samples::png(120, 90, 3),
        "tiny.png",
        "image/png",
    );
    attach(root, ".hc-answer .hc-pickers input[type=file]", &[tiny]);
    wait_for("the small picture's problem", 5_000, || {
        texts(root, ".hc-answer .hc-file .hc-problem")
            .iter()
            .any(|t| t.contains("too small (120×90)"))
    })
    .await;
    click(root, ".hc-answer .hc-remove");
    type_into(
        root,
        "#hc-answer",
        "Here is my statement with both charges.",
    );
    attach(
        root,
        ".hc-answer .hc-pickers input[type=file]",
        &[photo("2026-11-20", 77)],
    );
    wait_for("the photo uploaded", 10_000, || {
        texts(root, ".hc-answer .hc-file-status") == ["Uploaded"]
    })
    .await;
    click(root, ".hc-send-answer");
    status_is(root, "Under review", 5_000).await;
    assert!(
        query(root, ".hc-asked").is_none(),
        "the question goes once answered"
    );
    assert_eq!(
        text(root, ".hc-answer h3"),
        "Add something",
        "the shopper can still write while the store reviews"
    );
    let seen = admin_get(&format!("/v1/admin/tickets/{id}")).await;
    assert_eq!(seen["status"], "in_review");
    assert_eq!(
        seen["evidence"].as_array().map(Vec::len),
        Some(2),
        "the agent has the new photo beside the first"
    );
    let reply = seen["timeline"]
        .as_array()
        .and_then(|t| t.iter().find(|e| e["kind"] == "shopper_reply"))
        .expect("the answer is on the timeline");
    assert_eq!(reply["message"], "Here is my statement with both charges.");
    assert_eq!(reply["evidence"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        texts(root, ".hc-sent-files .hc-file-name").len(),
        2,
        "the shopper sees both files too"
    );
    assert_eq!(
        texts(root, ".hc-event-files").last().map(String::as_str),
        Some("1 file"),
        "the answer last in the conversation, with its photo"
    );
}

#[wasm_bindgen_test]
async fn an_answer_in_writing_survives_the_widget_going_away() {
    let (id, _token, widget) = a_ticket_open_in_the_widget(api_base()).await;
    agent_moves(&id, json!({"to": "in_review"})).await;
    agent_moves(
        &id,
        json!({"to": "needs_info", "message": "Which card was it?"}),
    )
    .await;
    wait_for("the answer form", 3_000, || {
        query(&widget.root, "#hc-answer").is_some()
    })
    .await;
    type_into(&widget.root, "#hc-answer", "The Visa ending 4242.");
    attach(
        &widget.root,
        ".hc-answer .hc-pickers input[type=file]",
        &[photo("2026-11-21", 91)],
    );
    wait_for("the photo checked", 5_000, || {
        !texts(&widget.root, ".hc-answer .hc-file-name").is_empty()
    })
    .await;
    // Kept on the device: the words and the checked photo in localStorage, its bytes in
    // IndexedDB (stored before the check, so a checked photo's bytes are there).
    wait_for("the answer kept on the device", 5_000, || {
        let kept = helpcenter_widget::draft::saved::load_reply("demo", &id);
        kept.message == "The Visa ending 4242."
            && kept.files.len() == 1
            && kept.files.iter().all(|f| f.facts.is_some())
    })
    .await;
    let kept = helpcenter_widget::draft::saved::load_reply("demo", &id);
    let store = helpcenter_widget::blobs::FileStore::open()
        .await
        .expect("IndexedDB");
    for file in &kept.files {
        assert!(
            store.get(&file.key).await.expect("read").is_some(),
            "the photo's bytes are kept"
        );
    }
    drop(widget);
    let again = mount_with(server_config().await, api_base(), Locale::En, None);
    let root = &again.root;
    // Where the shopper was comes back with the tab.
    heading_is(root, &format!("Request {id}")).await;
    wait_for("the answer back", 5_000, || {
        query(root, "#hc-answer")
            .and_then(|e| js_sys::Reflect::get(&e, &"value".into()).ok())
            .and_then(|v| v.as_string())
            .is_some_and(|v| v == "The Visa ending 4242.")
    })
    .await;
    wait_for("the photo back and uploaded", 10_000, || {
        texts(root, ".hc-answer .hc-file-status") == ["Uploaded"]
    })
    .await;
    click(root, ".hc-send-answer");
    status_is(root, "Under review", 5_000).await;
}

/// Issue 13 (5): the request view as a conversation. The claim as filed on top; the shopper
/// adds a detail while it is only received, unasked; the rail has each step once; a dispute
/// is offered only once there is a decision.
#[wasm_bindgen_test]
async fn the_request_reads_as_a_conversation_the_shopper_can_add_to() {
    let (id, _token, widget) = a_ticket_open_in_the_widget(api_base()).await;
    let root = &widget.root;
    status_is(root, "Received", 2_000).await;
    assert!(
        text(root, ".hc-claim").contains("Payment"),
        "the claim as filed"
    );
    assert_eq!(
        texts(root, ".hc-claim-answer"),
        ["I was charged twice"],
        "the answer the shopper picked, in their words"
    );
    assert_eq!(
        text(root, ".hc-claim-description"),
        "I was charged twice for the same order on my card statement.",
        "what the shopper wrote"
    );
    assert!(
        query(root, ".hc-open-dispute").is_none(),
        "nothing to dispute yet"
    );
    assert_eq!(text(root, ".hc-answer h3"), "Add something");
    type_into(root, "#hc-answer", "It was the card ending 4242.");
    click(root, ".hc-send-answer");
    wait_for("the message in the conversation", 5_000, || {
        texts(root, ".hc-event--mine .hc-event-message") == ["It was the card ending 4242."]
    })
    .await;
    assert_eq!(
        text(root, ".hc-ticket-status"),
        "Status: Received",
        "no status changes"
    );
    agent_moves(&id, json!({"to": "in_review"})).await;
    agent_moves(&id, json!({"to": "needs_info", "message": "Which bank?"})).await;
    status_is(root, "We need something from you", 2_000).await;
    type_into(root, "#hc-answer", "Northwind Bank.");
    click(root, ".hc-send-answer");
    status_is(root, "Under review", 5_000).await;
    let rail = texts(root, ".hc-progress-step");
    assert_eq!(
        rail,
        ["Received", "Under review", "Resolved", "Closed"],
        "each step once"
    );
    assert!(
        query(root, ".hc-open-dispute").is_none(),
        "still nothing to dispute"
    );
    agent_moves(&id, json!({"to": "resolved", "resolution": "refund"})).await;
    wait_for("a dispute offered once decided", 5_000, || {
        query(root, ".hc-open-dispute").is_some()
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_resolution_says_what_it_means_and_can_be_disputed() {
    let (id, _token, widget) = a_ticket_open_in_the_widget(api_base()).await;
    let root = &widget.root;
    agent_moves(&id, json!({"to": "in_review"})).await;
    agent_moves(
        &id,
        json!({"to": "resolved", "resolution": "declined", "message": "Both charges are one authorisation; one will drop off."}),
    )
    .await;
    status_is(root, "Resolved: not covered", 2_000).await;
    assert!(text(root, ".hc-resolution").contains("We couldn't accept this request"));
    assert!(
        texts(root, ".hc-event-message")
            .iter()
            .any(|m| m == "Both charges are one authorisation; one will drop off."),
        "the store's words are in the history"
    );
    click(root, ".hc-open-dispute");
    settle().await;
    assert!(text(root, ".hc-negotiation").contains("friendly negotiation"));
    assert!(text(root, ".hc-legal").contains("People's Court"));
    type_into(root, "#hc-dispute-reason", &"x".repeat(4001));
    click(root, ".hc-send-dispute");
    settle().await;
    assert_eq!(
        texts(root, "#hc-dispute-problems .hc-problem"),
        ["Please shorten this to 4000 characters at most."]
    );
    type_into(
        root,
        "#hc-dispute-reason",
        "Both charges are still on my statement after a week.",
    );
    click(root, ".hc-send-dispute");
    status_is(root, "Disputed: in negotiation", 5_000).await;
    assert!(text(root, ".hc-escalated").contains("first try to find a solution"));
    assert!(text(root, ".hc-dispute--open .hc-legal").contains("People's Court"));
    let seen = admin_get(&format!("/v1/admin/tickets/{id}")).await;
    assert_eq!(seen["status"], "escalated");
}

#[wasm_bindgen_test]
async fn after_a_server_restart_the_events_missed_meanwhile_show() {
    let (id, _token, widget) = a_ticket_open_in_the_widget(gateway()).await;
    let root = &widget.root;
    // Streams cannot get through while the server restarts and the agent acts.
    let blocked = StreamsBlocked::start().await;
    fault("restart-server").await;
    wait_for("the widget to notice", 5_000, || {
        query(root, ".hc-connection").is_some()
    })
    .await;
    agent_moves(&id, json!({"to": "in_review"})).await;
    agent_moves(
        &id,
        json!({"to": "needs_info", "message": "What is the card's last four digits?"}),
    )
    .await;
    drop(blocked);
    status_is(root, "We need something from you", 20_000).await;
    wait_for("both missed changes in the history", 2_000, || {
        texts(root, ".hc-event-title span")
            .iter()
            .filter(|t| t.starts_with("Status: Under review") || t.starts_with("The store asked"))
            .count()
            == 2
    })
    .await;
    assert_eq!(
        text(root, ".hc-asked"),
        "What is the card's last four digits?"
    );
    wait_for("the reconnecting notice gone", 2_000, || {
        query(root, ".hc-connection").is_none()
    })
    .await;
}

#[wasm_bindgen_test]
async fn where_streams_are_blocked_the_ticket_is_polled() {
    let _blocked = StreamsBlocked::start().await;
    forget_everything();
    let (id, token) = file_ticket(&order_number(), None).await;
    keep_on_device(&id, &token);
    let widget = mount_with(server_config().await, gateway(), Locale::En, None);
    open_ticket(&widget.root, &id).await;
    // Refused again and again without ever opening, the widget gives up on streams …
    connection_is(&widget.root, "polling", 15_000).await;
    // … as the gateway refuses the ticket's stream outright (asked only now: a stream that
    // got through would never end).
    let (status, _) = gateway_get(&format!("/v1/tickets/{id}/events?access_token={token}")).await;
    assert_eq!(status, 503, "the stream is refused");
    agent_moves(&id, json!({"to": "in_review"})).await;
    status_is(&widget.root, "Under review", 15_000).await;
    assert!(
        query(&widget.root, ".hc-ticket-status[data-connection=polling]").is_some(),
        "the change came by polling, no stream got through"
    );
}

#[wasm_bindgen_test]
async fn my_requests_mark_the_ones_with_news() {
    forget_everything();
    let (quiet, quiet_token) = file_ticket(&order_number(), None).await;
    let (busy, busy_token) = file_ticket(&order_number(), None).await;
    keep_on_device(&quiet, &quiet_token);
    keep_on_device(&busy, &busy_token);
    let config = server_config().await;
    {
        // Both seen once, as they were.
        let widget = mount_with(config.clone(), api_base(), Locale::En, None);
        open_ticket(&widget.root, &quiet).await;
        click(&widget.root, ".hc-to-requests");
        click_when_there(&widget.root, &format!("[data-ticket='{busy}']")).await;
        heading_is(&widget.root, &format!("Request {busy}")).await;
        click(&widget.root, ".hc-to-requests");
        click_when_there(&widget.root, ".hc-requests .hc-back").await;
        heading_is(&widget.root, "What went wrong with your order?").await;
    }
    agent_moves(&busy, json!({"to": "in_review"})).await;
    let widget = mount_with(config, api_base(), Locale::En, None);
    let root = &widget.root;
    wait_for("the news on the start screen", 5_000, || {
        query(root, ".hc-my-requests .hc-news")
            .and_then(|e| e.text_content())
            .as_deref()
            == Some("1 with news")
    })
    .await;
    click(root, ".hc-my-requests");
    wait_for("both requests listed", 5_000, || {
        texts(root, ".hc-request-id").len() == 2
    })
    .await;
    assert_eq!(
        texts(root, ".hc-request-id"),
        [busy.clone(), quiet.clone()],
        "the latest change first"
    );
    let line = |id: &str| text(root, &format!("[data-ticket='{id}']"));
    assert!(line(&busy).contains("New"), "{}", line(&busy));
    assert!(line(&busy).contains("Under review"));
    assert!(line(&busy).contains("Double charge") || line(&busy).contains("Payment"));
    assert!(!line(&quiet).contains("New"), "{}", line(&quiet));
    assert!(line(&quiet).contains("Received"));
    click(root, &format!("[data-ticket='{busy}']"));
    status_is(root, "Under review", 5_000).await;
    click(root, ".hc-to-requests");
    wait_for("the news read", 5_000, || {
        query(root, &format!("[data-ticket='{busy}']"))
            .and_then(|e| e.text_content())
            .is_some_and(|t| !t.contains("New"))
    })
    .await;
}

async fn click_when_there(root: &HtmlElement, selector: &str) {
    wait_for(selector, 5_000, || query(root, selector).is_some()).await;
    click(root, selector);
}

#[wasm_bindgen_test]
async fn a_request_is_found_again_by_its_number_order_and_email() {
    forget_everything();
    let order = order_number();
    let (id, _token) = file_ticket(&order, None).await;
    let widget = mount_with(server_config().await, api_base(), Locale::En, None);
    let root = &widget.root;
    click_when_there(root, ".hc-my-requests").await;
    wait_for("the empty list", 5_000, || {
        query(root, ".hc-requests-empty").is_some()
    })
    .await;
    click(root, ".hc-find-submit");
    settle().await;
    assert_eq!(
        texts(root, "#hc-find-id-problems .hc-problem"),
        ["Enter the request number, for example HC-7F3K9Q."]
    );
    assert_eq!(texts(root, "#hc-find-email-problems .hc-problem").len(), 1);
    type_into(root, "#hc-find-id", &id.to_lowercase());
    type_into(root, "#hc-find-order", &order);
    type_into(root, "#hc-find-email", "someone.else@example.com");
    click(root, ".hc-find-submit");
    wait_for("the refusal", 5_000, || {
        texts(root, "#hc-find-problems .hc-problem")
            == ["No request matches these details. Check the request number, order number and email address."]
    })
    .await;
    assert_eq!(
        js_sys::Reflect::get(
            &query(root, "#hc-find-order").expect("field"),
            &"value".into()
        )
        .ok()
        .and_then(|v| v.as_string()),
        Some(order.clone()),
        "what was typed stays"
    );
    type_into(root, "#hc-find-email", "WEI@example.com ");
    click(root, ".hc-find-submit");
    heading_is(root, &format!("Request {id}")).await;
    status_is(root, "Received", 5_000).await;
    assert_eq!(
        helpcenter_widget::draft::saved::tickets("demo")
            .first()
            .map(|t| t.id.clone()),
        Some(id),
        "the device keeps it from now on"
    );
}

#[wasm_bindgen_test]
async fn a_signed_in_shopper_sees_and_opens_the_requests_of_their_account() {
    forget_everything();
    let (id, _token) = file_ticket(&order_number(), Some(identity_token())).await;
    let widget = mount_with(
        server_config().await,
        api_base(),
        Locale::En,
        Some(identity_token().to_owned()),
    );
    // Nothing of it is on this device: it comes from the account.
    open_ticket(&widget.root, &id).await;
    status_is(&widget.root, "Received", 5_000).await;
}

#[wasm_bindgen_test]
async fn the_widget_says_who_is_signed_in_as_the_server_checked_it() {
    forget_everything();
    let widget = mount_with(
        server_config().await,
        api_base(),
        Locale::En,
        Some(identity_token().to_owned()),
    );
    // Said on the screens after the first, with the shopper's requests.
    wait_for("the start screen", 5_000, || {
        query(&widget.root, ".hc-my-requests").is_some()
    })
    .await;
    click(&widget.root, ".hc-my-requests");
    wait_for("who is signed in", 5_000, || {
        query(&widget.root, ".hc-signed-in")
            .and_then(|e| e.text_content())
            .as_deref()
            == Some("Signed in as wei@example.com")
    })
    .await;
    drop(widget);
    // A token the server refuses (its signature changed) signs no one in, whatever it says.
    let mut forged = identity_token().to_owned();
    let last = forged
        .pop()
        .map_or('0', |c| if c == '0' { '1' } else { '0' });
    forged.push(last);
    // (The widget keeps where the shopper was, "my requests", for the tab: start again.)
    forget_everything();
    let widget = mount_with(server_config().await, api_base(), Locale::En, Some(forged));
    wait_for("the start screen", 5_000, || {
        query(&widget.root, ".hc-my-requests").is_some()
    })
    .await;
    click(&widget.root, ".hc-my-requests");
    wait_for("the requests", 5_000, || {
        query(&widget.root, ".hc-my-requests").is_none()
    })
    .await;
    support::sleep(500).await;
    assert!(query(&widget.root, ".hc-signed-in").is_none());
}

#[wasm_bindgen_test]
async fn a_token_for_one_ticket_opens_no_other() {
    forget_everything();
    let (mine, my_token) = file_ticket(&order_number(), None).await;
    let (theirs, _) = file_ticket(&order_number(), None).await;
    let (status, body) = shopper_get(&format!("/v1/tickets/{theirs}"), &my_token).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["code"], "ticket.not_found");
    let (status, _) = shopper_get(
        &format!("/v1/tickets/{theirs}/events?access_token={my_token}"),
        &my_token,
    )
    .await;
    assert_eq!(status, 404, "nor its event stream");
    let (status, _) = shopper_get(&format!("/v1/tickets/{mine}"), &my_token).await;
    assert_eq!(status, 200, "the token does open its own");
    // A device that holds the wrong token for a ticket cannot show it either.
    keep_on_device(&theirs, &my_token);
    let widget = mount_with(server_config().await, api_base(), Locale::En, None);
    let root = &widget.root;
    click_when_there(root, ".hc-my-requests").await;
    wait_for("the line that cannot open", 5_000, || {
        query(root, &format!("[data-ticket='{theirs}']"))
            .and_then(|e| e.text_content())
            .is_some_and(|t| t.contains("can't be opened"))
    })
    .await;
    click(root, &format!("[data-ticket='{theirs}']"));
    wait_for("the refusal", 5_000, || {
        query(root, ".hc-ticket-not-found").is_some()
    })
    .await;
    assert!(
        query(root, ".hc-ticket-status").is_none(),
        "nothing of it shows"
    );
}

/// Every status as the shopper reads it, in both languages: the line on top and the marked
/// step of the progress.
#[wasm_bindgen_test]
async fn every_status_reads_in_both_languages() {
    forget_everything();
    let (id, token) = file_ticket(&order_number(), None).await;
    keep_on_device(&id, &token);
    let config = server_config().await;
    let steps: [(Option<serde_json::Value>, &str, &str, &str, &str); 6] = [
        (None, "submitted", "Received", "状态：已收到", "已收到"),
        (
            Some(json!({"to": "in_review"})),
            "in_review",
            "Under review",
            "状态：审核中",
            "审核中",
        ),
        (
            Some(json!({"to": "needs_info", "message": "A photo of the label, please."})),
            "needs_info",
            "We need something from you",
            "状态：需要您补充信息",
            "需要您补充信息",
        ),
        (
            Some(json!({"to": "escalated"})),
            "escalated",
            "Disputed: in negotiation",
            "状态：有异议：协商中",
            "有异议：协商中",
        ),
        (
            Some(json!({"to": "resolved", "resolution": "exchange"})),
            "resolved",
            "Resolved: we exchange the item",
            "状态：已处理：为您换货",
            "已处理：为您换货",
        ),
        (
            Some(json!({"to": "closed"})),
            "closed",
            "Closed: we exchange the item",
            "状态：已关闭：为您换货",
            "已关闭：为您换货",
        ),
    ];
    for (change, status, en, zh_line, zh_step) in steps {
        if let Some(change) = change {
            agent_moves(&id, change).await;
        }
        for locale in [Locale::En, Locale::ZhCn] {
            // Where the last mount was is kept for the tab: start from the start screen.
            if let Ok(Some(storage)) = window().session_storage() {
                let _ = storage.clear();
            }
            let widget = mount_with(config.clone(), api_base(), locale, None);
            let root = &widget.root;
            click_when_there(root, ".hc-my-requests").await;
            click_when_there(root, &format!("[data-ticket='{id}']")).await;
            wait_for(&format!("{status} shown"), 5_000, || {
                query(root, &format!(".hc-ticket-status[data-status={status}]")).is_some()
            })
            .await;
            let (line, step) = match locale {
                Locale::En => (format!("Status: {en}"), en.to_owned()),
                Locale::ZhCn => (zh_line.to_owned(), zh_step.to_owned()),
            };
            assert_eq!(text(root, ".hc-ticket-status"), line, "{status} {locale:?}");
            assert_eq!(
                texts(root, ".hc-progress-step--current"),
                [step],
                "{status} {locale:?}"
            );
            if status == "resolved" {
                let link = query(root, ".hc-resolution a").expect("the policy link");
                assert_eq!(
                    link.get_attribute("href").as_deref(),
                    Some("https://shop.example/returns"),
                    "an exchange follows the Return and Exchange Policy"
                );
            }
        }
    }
}
