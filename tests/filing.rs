//! A shopper filing claims through the widget against the real helpcenter-server, in real
//! headless Chromium: every outcome of the default policy, a draft that survives the widget
//! going away (and discarded), and a submit whose answer was lost that still makes exactly one ticket.
#![cfg(target_arch = "wasm32")]

mod support;

use helpcenter_core::{CivilDate, Node, Policy};
use helpcenter_widget::Widget;
use helpcenter_widget::api::{Api, WidgetConfig};
use helpcenter_widget::i18n::Locale;
use leptos::prelude::*;
use serde_json::json;
use support::{
    admin_get, api_base, attach, clear_device, click, container, gateway, identity_token,
    lose_next_create, order_number, photo, query, server_config, settle, text, texts, type_into,
    wait_for,
};
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

const PICKER: &str = ".hc-pickers input[type=file]";

fn mount(config: WidgetConfig, base: &str) -> (HtmlElement, impl Drop) {
    let root = container();
    let api = Api::new(base);
    let handle = leptos::mount::mount_to(root.clone(), move || {
        view! { <Widget config locale=Locale::En api /> }
    });
    (root, handle)
}

async fn heading_is(root: &HtmlElement, heading: &str) {
    wait_for(&format!("the screen {heading:?}"), 5_000, || {
        query(root, "h2").and_then(|h| h.text_content()).as_deref() == Some(heading)
    })
    .await;
}

/// One way through the tree: category, answers, and the delivery day where a window applies.
struct Claim {
    category: String,
    answers: Vec<String>,
    /// Days before the site's today the parcel arrived.
    delivered_days_ago: Option<i32>,
    outcome: String,
}

impl Claim {
    fn new(
        category: &str,
        answers: &[&str],
        delivered_days_ago: Option<i32>,
        outcome: &str,
    ) -> Self {
        Claim {
            category: category.into(),
            answers: answers.iter().map(|&a| a.to_owned()).collect(),
            delivered_days_ago,
            outcome: outcome.into(),
        }
    }
}

/// One claim for each outcome of `policy`, found by walking its tree from every category:
/// an outcome with a claim window is reached on the delivery day, and its late route a day
/// after the window closed. An outcome added to the policy is filed here without a word of
/// this test changing.
fn a_claim_for_every_outcome(policy: &Policy) -> Vec<Claim> {
    fn walk(
        policy: &Policy,
        category: &str,
        node: &str,
        answers: &mut Vec<String>,
        out: &mut Vec<Claim>,
    ) {
        // A checked policy has no cycles; the bound only keeps a broken one from hanging.
        if answers.len() > policy.questions.len() {
            return;
        }
        match policy.node(node) {
            Some(Node::Question(question)) => {
                for answer in &question.answers {
                    answers.push(answer.id.clone());
                    walk(policy, category, &answer.next, answers, out);
                    answers.pop();
                }
            }
            Some(Node::Outcome(outcome)) => {
                let claim = |days: Option<u16>, outcome: &str| Claim {
                    category: category.to_owned(),
                    answers: answers.clone(),
                    delivered_days_ago: days.map(i32::from),
                    outcome: outcome.to_owned(),
                };
                match &outcome.claim_window {
                    Some(window) => {
                        out.push(claim(Some(0), &outcome.id));
                        if let Some(late) = &window.late_outcome {
                            out.push(claim(Some(window.days_after_delivery + 1), late));
                        }
                    }
                    None => out.push(claim(None, &outcome.id)),
                }
            }
            None => panic!("{node} is neither a question nor an outcome"),
        }
    }
    let mut all = Vec::new();
    for category in &policy.categories {
        walk(
            policy,
            &category.id,
            &category.start,
            &mut Vec::new(),
            &mut all,
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    all.retain(|claim| seen.insert(claim.outcome.clone()));
    let every: std::collections::BTreeSet<String> =
        policy.outcomes.iter().map(|o| o.id.clone()).collect();
    assert_eq!(
        seen, every,
        "every outcome of the policy is reached by some claim"
    );
    all
}

/// Walks `claim` from the start screen to the review screen, the way a shopper does.
async fn fill_in(root: &HtmlElement, claim: &Claim, today: CivilDate, order: &str) {
    heading_is(root, "What went wrong with your order?").await;
    click(root, &format!("[data-category={}]", claim.category));
    settle().await;
    for answer in &claim.answers {
        click(root, &format!("[data-answer={answer}]"));
        settle().await;
    }
    heading_is(root, "What we'll do").await;
    let taken = match claim.delivered_days_ago {
        Some(days) => {
            let day = today.add_days(-days).expect("day").to_string();
            type_into(root, "#hc-delivered-on", &day);
            settle().await;
            day
        }
        None => today.to_string(),
    };
    click(root, ".hc-next");
    heading_is(root, "Tell us about it").await;
    type_into(root, "#hc-order-number", order);
    type_into(
        root,
        "#hc-description",
        "It arrived on Monday and the problem was there when I opened the box.",
    );
    type_into(root, "#hc-email", "shopper@example.com");
    settle().await;
    click(root, ".hc-next");
    heading_is(root, "Photos and videos").await;
    let seed = (js_sys::Math::random() * 250.0) as u8;
    attach(
        root,
        PICKER,
        &[photo(&taken, seed), photo(&taken, seed.wrapping_add(1))],
    );
    wait_for("both photos to upload", 20_000, || {
        texts(root, ".hc-file-status") == ["Uploaded", "Uploaded"]
    })
    .await;
    click(root, ".hc-next");
    heading_is(root, "Check and send").await;
}

async fn ticket_id(root: &HtmlElement) -> String {
    wait_for("the confirmation", 10_000, || {
        query(root, ".hc-ticket-id").is_some()
    })
    .await;
    assert!(
        text(root, ".hc-ticket-id").starts_with("Your request number is "),
        "the confirmation says what the number is"
    );
    text(root, ".hc-ticket-id .hc-id")
}

#[wasm_bindgen_test]
async fn every_outcome_of_the_default_policy_can_be_filed() {
    let policy = Policy::builtin();
    let claims = a_claim_for_every_outcome(&policy);
    clear_device("demo");
    let config = server_config().await;
    assert_eq!(
        config.policy, policy,
        "the test server runs the built-in policy"
    );
    let today = config.today;
    let (root, _app) = mount(config, api_base());
    for claim in &claims {
        let order = order_number();
        fill_in(&root, claim, today, &order).await;
        click(&root, ".hc-submit");
        let id = ticket_id(&root).await;
        let ticket = admin_get(&format!("/v1/admin/tickets/{id}")).await;
        assert_eq!(ticket["outcome"], claim.outcome, "{}", claim.outcome);
        assert_eq!(ticket["order_number"], order.as_str());
        assert_eq!(ticket["evidence"].as_array().map(Vec::len), Some(2));
        assert!(text(&root, ".hc-filed").contains("shopper@example.com"));
        click(&root, ".hc-follow");
        heading_is(&root, &format!("Request {id}")).await;
        wait_for("the new request's status", 5_000, || {
            query(&root, ".hc-ticket-status").and_then(|e| e.text_content())
                == Some("Status: Received".into())
        })
        .await;
        click(&root, ".hc-to-requests");
        wait_for("the new request first in my requests", 5_000, || {
            texts(&root, ".hc-request-id").first() == Some(&id)
        })
        .await;
        click(&root, ".hc-requests .hc-back");
        heading_is(&root, "What went wrong with your order?").await;
    }
}

/// A shopper signed in to the store files into their account; a token the server refuses
/// (here a forged one) does not stop the claim, which is then filed as a guest's.
#[wasm_bindgen_test]
async fn a_signed_in_shopper_files_into_their_account_and_a_refused_identity_files_anyway() {
    let config = server_config().await;
    let today = config.today;
    let claim = Claim::new(
        "payment_anomaly",
        &["double_charge"],
        None,
        "payment_anomaly",
    );
    for (identity, customer) in [
        (identity_token().to_owned(), json!("browser-test-customer")),
        ("v1.forged".to_owned(), serde_json::Value::Null),
    ] {
        clear_device("demo");
        let root = container();
        let api = Api::new(api_base());
        let config = config.clone();
        let app = leptos::mount::mount_to(root.clone(), move || {
            view! { <Widget config locale=Locale::En api identity=Some(identity.clone()) /> }
        });
        fill_in(&root, &claim, today, &order_number()).await;
        click(&root, ".hc-submit");
        let id = ticket_id(&root).await;
        let ticket = admin_get(&format!("/v1/admin/tickets/{id}")).await;
        assert_eq!(ticket["customer_id"], customer, "{id}");
        drop(app);
        root.remove();
    }
}

/// The confirmation promises only the mail the site sends (issue 13, 4): a receipt, news by
/// mail, both or neither, as the site's `shopper_mail` says.
#[wasm_bindgen_test]
async fn the_confirmation_promises_only_the_mail_the_site_sends() {
    use helpcenter_api::MailKind;
    let config = server_config().await;
    let today = config.today;
    let claim = Claim::new(
        "payment_anomaly",
        &["double_charge"],
        None,
        "payment_anomaly",
    );
    let receipt = "A confirmation with this number is on its way to shopper@example.com.";
    let news = "We'll e-mail shopper@example.com when there's news.";
    for (mails, promised) in [
        (
            vec![MailKind::Receipt, MailKind::Decision, MailKind::Message],
            vec![receipt, news],
        ),
        (vec![MailKind::Receipt], vec![receipt]),
        (vec![MailKind::Decision], vec![news]),
        (vec![], vec![]),
    ] {
        clear_device("demo");
        let config = WidgetConfig {
            shopper_mail: mails.clone(),
            ..config.clone()
        };
        let (root, app) = mount(config, api_base());
        fill_in(&root, &claim, today, &order_number()).await;
        click(&root, ".hc-submit");
        ticket_id(&root).await;
        assert_eq!(texts(&root, ".hc-mail-promise"), promised, "{mails:?}");
        drop(app);
        root.remove();
    }
}

#[wasm_bindgen_test]
async fn a_draft_survives_the_widget_going_away_files_included() {
    clear_device("demo");
    let config = server_config().await;
    let today = config.today;
    let order = order_number();
    let claim = Claim::new(
        "logistics_delivery",
        &["damaged"],
        Some(2),
        "transit_damage",
    );
    {
        let (root, app) = mount(config.clone(), api_base());
        fill_in(&root, &claim, today, &order).await;
        drop(app);
        root.remove();
    }
    let (root, _app) = mount(config, api_base());
    settle().await;
    wait_for("the kept files", 5_000, || {
        texts(&root, ".hc-file-status").is_empty() && query(&root, ".hc-review").is_some()
    })
    .await;
    assert_eq!(
        text(&root, "h2"),
        "Check and send",
        "back where the shopper was"
    );
    assert_eq!(
        text(&root, ".hc-resumed p"),
        "We kept what you entered last time."
    );
    assert_eq!(text(&root, ".hc-review-order"), order);
    assert_eq!(texts(&root, ".hc-review-files li").len(), 2);
    click(&root, ".hc-review h3:nth-of-type(4) button");
    heading_is(&root, "Photos and videos").await;
    wait_for("the photos back from this device", 5_000, || {
        texts(&root, ".hc-file-status") == ["Uploaded", "Uploaded"]
            && root
                .query_selector_all(".hc-thumb img")
                .map(|l| l.length())
                .unwrap_or(0)
                == 2
    })
    .await;
    click(&root, ".hc-next");
    heading_is(&root, "Check and send").await;
    click(&root, ".hc-submit");
    let id = ticket_id(&root).await;
    let ticket = admin_get(&format!("/v1/admin/tickets/{id}")).await;
    assert_eq!(ticket["outcome"], claim.outcome);
    assert_eq!(ticket["evidence"].as_array().map(Vec::len), Some(2));
    assert!(
        helpcenter_widget::draft::saved::load("demo").is_none(),
        "a filed draft is gone from the device"
    );
}

#[wasm_bindgen_test]
async fn discarding_a_kept_draft_forgets_its_files_on_this_device() {
    clear_device("demo");
    let config = server_config().await;
    let today = config.today;
    let claim = Claim::new(
        "logistics_delivery",
        &["damaged"],
        Some(2),
        "transit_damage",
    );
    {
        let (root, app) = mount(config.clone(), api_base());
        fill_in(&root, &claim, today, &order_number()).await;
        drop(app);
        root.remove();
    }
    let kept: Vec<String> = helpcenter_widget::draft::saved::load("demo")
        .map(|(_, files)| files.into_iter().map(|f| f.key).collect())
        .unwrap_or_default();
    assert_eq!(kept.len(), 2, "the draft kept its two photos");
    let stored_keys = || async {
        match helpcenter_widget::blobs::FileStore::open().await {
            Ok(store) => store.keys().await.unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    };
    let before = stored_keys().await;
    assert!(
        kept.iter().all(|k| before.contains(k)),
        "the photos are on this device before the discard"
    );
    let (root, _app) = mount(config, api_base());
    settle().await;
    // The banner asks first; the shopper says yes.
    let window = web_sys::window().expect("window");
    let confirm = js_sys::Reflect::get(&window, &"confirm".into()).expect("confirm");
    let yes = js_sys::Function::new_no_args("return true;");
    js_sys::Reflect::set(&window, &"confirm".into(), &yes).expect("confirm replaced");
    click(&root, ".hc-resumed .hc-link");
    js_sys::Reflect::set(&window, &"confirm".into(), &confirm).expect("confirm restored");
    heading_is(&root, "What went wrong with your order?").await;
    assert!(helpcenter_widget::draft::saved::load("demo").is_none());
    let mut left = kept.clone();
    for _ in 0..50 {
        let stored = stored_keys().await;
        left = kept
            .iter()
            .filter(|k| stored.contains(k))
            .cloned()
            .collect();
        if left.is_empty() {
            break;
        }
        support::sleep(100).await;
    }
    assert!(left.is_empty(), "files still on this device: {left:?}");
}

#[wasm_bindgen_test]
async fn a_submit_whose_answer_was_lost_makes_one_ticket_when_retried() {
    clear_device("demo");
    let config = server_config().await;
    let today = config.today;
    let order = order_number();
    let claim = Claim::new(
        "product_quality",
        &["fault", "as_instructed"],
        None,
        "quality_defect",
    );
    let (root, _app) = mount(config, gateway());
    fill_in(&root, &claim, today, &order).await;
    lose_next_create().await;
    click(&root, ".hc-submit");
    wait_for("the failure to be explained", 10_000, || {
        query(&root, ".hc-review .hc-problem").is_some()
    })
    .await;
    assert_eq!(
        text(&root, ".hc-review .hc-problem"),
        "Something went wrong on our side. Nothing you entered is lost: please try again in a moment."
    );
    // The shopper tries again, impatiently: twice.
    click(&root, ".hc-submit");
    click(&root, ".hc-submit");
    let id = ticket_id(&root).await;
    let tickets = admin_get(&format!("/v1/admin/tickets?order_number={order}")).await;
    let ids: Vec<&str> = tickets
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|t| t["id"].as_str())
        .collect();
    assert_eq!(ids, [id.as_str()], "one ticket, the one the widget shows");
}
