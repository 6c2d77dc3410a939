//! The widget mounted in real headless Chromium (`cargo xtask test` runs these).
#![cfg(target_arch = "wasm32")]

use helpcenter_widget::api::WidgetConfig;
use helpcenter_widget::i18n::Locale;
use helpcenter_widget::{App, Widget};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod support;

use support::{clear_device, click, container, query, settle, text, texts};

fn demo_config() -> WidgetConfig {
    clear_device("demo");
    support::demo_config()
}

#[wasm_bindgen_test]
async fn the_start_screen_lists_every_category_and_takes_focus() {
    let root = container();
    let _app = leptos::mount::mount_to(root.clone(), || {
        view! { <Widget config=demo_config() locale=Locale::En /> }
    });
    settle().await;
    assert_eq!(text(&root, "h2"), "What went wrong with your order?");
    let buttons = root
        .query_selector_all(".hc-start .hc-choice")
        .expect("query");
    assert_eq!(buttons.length(), 6);
    assert_eq!(
        text(&root, ".hc-my-requests"),
        "My requests",
        "the way to the shopper's requests, with no news to mark yet"
    );
    assert!(text(&root, "[data-category=payment_anomaly]").starts_with("Payment"));
    let focused = document().active_element().map(|e| e.tag_name());
    assert_eq!(
        focused.as_deref(),
        Some("H2"),
        "focus moves to the new screen's heading"
    );
}

#[wasm_bindgen_test]
async fn transit_damage_is_explained_before_filing_and_back_keeps_the_way() {
    let root = container();
    let _app = leptos::mount::mount_to(root.clone(), || {
        view! { <Widget config=demo_config() locale=Locale::En /> }
    });
    settle().await;
    click(&root, "[data-category=logistics_delivery]");
    settle().await;
    assert_eq!(text(&root, "h2"), "What's wrong with the delivery?");
    // The stage bar numbers the stages; within the first, the questions are counted as
    // questions, not as steps beside "1 Problem".
    assert_eq!(text(&root, ".hc-step"), "Question 1");
    click(&root, "[data-answer=damaged]");
    settle().await;
    assert_eq!(text(&root, "h2"), "What we'll do");
    assert!(
        query(&root, ".hc-step").is_none(),
        "the outcome is not a question"
    );
    assert_eq!(
        text(&root, ".hc-coverage"),
        "Claimed from the delivery company"
    );
    assert!(text(&root, ".hc-outcome-message").contains("within 7 days of receiving the parcel"));
    assert!(text(&root, ".hc-attach-hint").contains("box"));
    click(&root, ".hc-back");
    settle().await;
    assert_eq!(text(&root, "h2"), "What's wrong with the delivery?");
    assert_eq!(
        text(&root, ".hc-choice--chosen"),
        "The box or the item was damaged in transit",
        "the answer given before is marked on the way back"
    );
    click(&root, ".hc-back");
    settle().await;
    assert_eq!(text(&root, "h2"), "What went wrong with your order?");
}

#[wasm_bindgen_test]
async fn the_next_question_takes_the_place_of_the_last_and_the_focus() {
    let root = container();
    let _app = leptos::mount::mount_to(root.clone(), || {
        view! { <Widget config=demo_config() locale=Locale::En /> }
    });
    settle().await;
    click(&root, "[data-category=product_quality]");
    settle().await;
    assert_eq!(text(&root, "h2"), "What happened to the product?");
    let screen = query(&root, ".hc-question").expect("the first question's screen");
    // A tap leaves focus on the answer tapped.
    query(&root, "[data-answer=fault]")
        .expect("the answer")
        .unchecked_into::<web_sys::HtmlElement>()
        .focus()
        .expect("focus");
    click(&root, "[data-answer=fault]");
    settle().await;
    assert_eq!(text(&root, ".hc-step"), "Question 2");
    assert!(text(&root, "h2").starts_with("Before the problem started"));
    assert_eq!(
        texts(&root, ".hc-choice").len(),
        4,
        "the second question's four answers, none of the first's"
    );
    assert!(query(&root, "[data-answer=fault]").is_none());
    assert!(
        screen.is_connected(),
        "the screen stays, its question changed: nothing else on it is drawn again"
    );
    let focused = document().active_element().map(|e| e.tag_name());
    assert_eq!(
        focused.as_deref(),
        Some("H2"),
        "the new question takes focus, as a new screen's heading does"
    );
    click(&root, ".hc-nav .hc-back");
    settle().await;
    assert_eq!(text(&root, ".hc-step"), "Question 1");
    assert_eq!(text(&root, "h2"), "What happened to the product?");
    assert_eq!(
        text(&root, ".hc-choice--chosen"),
        "It stopped working, or has a fault or flaw"
    );
    assert!(screen.is_connected());
}

#[wasm_bindgen_test]
async fn misuse_is_told_not_covered_in_chinese() {
    let root = container();
    let _app = leptos::mount::mount_to(root.clone(), || {
        view! { <Widget config=demo_config() locale=Locale::ZhCn /> }
    });
    settle().await;
    assert_eq!(text(&root, "h2"), "您的订单遇到了什么问题？");
    click(&root, "[data-category=product_quality]");
    settle().await;
    click(&root, "[data-answer=fault]");
    settle().await;
    assert_eq!(text(&root, ".hc-step"), "第 2 题");
    click(&root, "[data-answer=modified]");
    settle().await;
    assert_eq!(text(&root, ".hc-coverage"), "不在商家保障范围内");
    assert!(text(&root, ".hc-outcome-message").contains("有偿技术支持"));
}

#[wasm_bindgen_test]
async fn the_app_says_so_when_the_server_cannot_give_its_configuration() {
    // The test runner's page has no helpcenter-server behind it: the request fails for real.
    let root = container();
    let _app = leptos::mount::mount_to(root.clone(), App);
    for _ in 0..50 {
        settle().await;
        if root.query_selector("[role=alert]").ok().flatten().is_some() {
            break;
        }
    }
    assert!(text(&root, "[role=alert]").contains("couldn't load the help center"));
    assert_eq!(text(&root, "[role=alert] button"), "Try again");
}

#[wasm_bindgen_test]
async fn the_sites_force_majeure_notice_shows_on_its_days_only() {
    let mut config = demo_config();
    config
        .policy
        .force_majeure
        .notices
        .push(helpcenter_core::Notice {
            id: "typhoon".into(),
            message: "force_majeure.message".into(),
            starts_on: "2026-11-20".parse().expect("date"),
            ends_on: Some("2026-11-24".parse().expect("date")),
            categories: Vec::new(),
        });
    let mut later = config.clone();
    later.today = "2026-11-25".parse().expect("date");

    let root = container();
    let _app = leptos::mount::mount_to(
        root.clone(),
        move || view! { <Widget config locale=Locale::En /> },
    );
    settle().await;
    assert!(text(&root, ".hc-notice").contains("force majeure"));

    let root = container();
    let _app = leptos::mount::mount_to(
        root.clone(),
        move || view! { <Widget config=later locale=Locale::En /> },
    );
    settle().await;
    assert!(
        root.query_selector(".hc-notice").expect("query").is_none(),
        "the notice ended yesterday"
    );
}

#[wasm_bindgen_test]
async fn the_details_say_what_is_wrong_next_to_each_field_and_take_focus_there() {
    let config = demo_config();
    helpcenter_widget::draft::saved::store(
        "demo",
        &helpcenter_widget::draft::Draft {
            claim: helpcenter_core::Claim {
                category: "payment_anomaly".into(),
                answers: vec!["double_charge".into()],
                ..helpcenter_core::Claim::default()
            },
            stage: helpcenter_widget::draft::Stage::Details,
            ..helpcenter_widget::draft::Draft::start()
        },
        &[],
    );
    let root = container();
    let _app = leptos::mount::mount_to(root.clone(), move || {
        view! { <Widget config locale=Locale::En /> }
    });
    settle().await;
    assert_eq!(text(&root, "h2"), "Tell us about it");
    assert_eq!(
        text(&root, ".hc-stage--current"),
        "2Details",
        "the stage bar shows where the shopper is"
    );
    support::type_into(&root, "#hc-order-number", "12 34");
    settle().await;
    assert_eq!(
        text(&root, "#hc-order-number-problems"),
        "This doesn't look like one of our order numbers. Check it against your order confirmation, for example 10023456."
    );
    support::type_into(&root, "#hc-order-number", "#10023456");
    support::type_into(&root, "#hc-description", "Charged twice");
    settle().await;
    assert_eq!(text(&root, "#hc-order-number-problems"), "");
    assert_eq!(
        text(&root, "#hc-description-count"),
        "13 of at least 30 characters"
    );
    click(&root, ".hc-next");
    settle().await;
    assert_eq!(text(&root, "h2"), "Tell us about it", "cannot go on");
    assert_eq!(
        text(&root, "#hc-description-problems"),
        "Please tell us a bit more: at least 30 characters."
    );
    assert_eq!(
        text(&root, "#hc-email-problems"),
        "Enter your email address so we can answer you."
    );
    support::wait_for("focus on the first field with a problem", 2_000, || {
        document()
            .active_element()
            .is_some_and(|e| e.id() == "hc-description")
    })
    .await;
}

#[wasm_bindgen_test]
fn the_embed_address_gives_site_language_and_prefill_but_the_fragment_stays_local() {
    let history = window().history().expect("history");
    let before = window().location().href().expect("href");
    history
        .replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            // What the shopper's details would be if they were sent in the query (which
            // reaches the server's logs): never read from there.
            Some("?site=demo&locale=zh-CN&order_number=%2399990000&email=query%40example.com&identity=from-the-query&host=https%3A%2F%2Fquery.example\
              #order_number=%2310023456&email=wei%40example.com&delivered_on=2026-11-20&category=logistics_delivery&identity=signed.token&host=https%3A%2F%2Fshop.example&site=other&locale=en"),
        )
        .expect("replace state");
    let launch = helpcenter_widget::app::Launch::from_location();
    history
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&before))
        .expect("restore");
    assert_eq!(launch.site, "demo");
    assert_eq!(launch.locale, Locale::ZhCn);
    assert_eq!(launch.prefill.order_number.as_deref(), Some("#10023456"));
    assert_eq!(launch.prefill.email.as_deref(), Some("wei@example.com"));
    assert_eq!(launch.prefill.delivered_on.as_deref(), Some("2026-11-20"));
    assert_eq!(
        launch.prefill.category.as_deref(),
        Some("logistics_delivery")
    );
    // The shopper's details come from the fragment only, which the browser never sends; the
    // site and language only from the query.
    assert_eq!(launch.host.as_deref(), Some("https://shop.example"));
    // And the store's word for who the shopper is not even from there: this page is not in
    // the store's frame, as a link that opens the widget on its own is not (it would sign
    // the shopper in to whoever's account the link carries).
    assert_eq!(launch.identity, None);
}
