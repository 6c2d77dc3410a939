//! Order lookup over real HTTP: the server asks a store's order endpoint that the test starts
//! (a real HTTP server that checks the Standard Webhooks signature), shows the order to the
//! shopper, asks again on filing, and keeps what the store said on the ticket. The store found,
//! not found, the wrong email, slow (optional and required), answering nonsense, the order
//! changing between the widget and the filing, and a typed day that cannot move the window.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use helpcenter_api::{
    AdminTicketView, NewTicket, OrderLookupMode, OrderVerification, TicketCreated, WidgetConfig,
};
use helpcenter_core::{CivilDate, Claim, ClaimedItem, DeliverySource, OrderItem, StoreOrder};
use helpcenter_media::samples::png;
use helpcenter_server::orders::{LookupLimits, OrderSource};
use helpcenter_server::webhooks::sign::ConfiguredSecret;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use support::{Setup, TestServer};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const EMAIL: &str = "wei@example.com";

/// The store's order system as the test sets it up.
#[derive(Default)]
struct Shop {
    /// Orders and the email each was placed with.
    orders: Vec<(String, StoreOrder)>,
    /// How long it takes to answer.
    delay: Duration,
    /// Answered instead of the documented JSON.
    nonsense: Option<Vec<u8>>,
    /// Signed lookups answered.
    asked: usize,
    /// Requests refused for a missing or wrong signature.
    unsigned: usize,
}

type SharedShop = Arc<Mutex<Shop>>;

/// Checks the Standard Webhooks signature as a store would (independently of the server's code).
fn signed(headers: &HeaderMap, body: &[u8]) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(id), Some(timestamp), Some(signature)) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    ) else {
        return false;
    };
    let fresh = timestamp
        .parse::<i64>()
        .is_ok_and(|at| (jiff::Timestamp::now().as_second() - at).abs() < 300);
    let key = STANDARD
        .decode(SECRET.trim_start_matches("whsec_"))
        .expect("secret");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).expect("key");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    fresh && signature.split(' ').any(|s| s == expected)
}

async fn answer(
    State(shop): State<SharedShop>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> axum::response::Response {
    if !signed(&headers, &body) {
        shop.lock().expect("shop").unsigned += 1;
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let delay = {
        let mut shop = shop.lock().expect("shop");
        shop.asked += 1;
        shop.delay
    };
    tokio::time::sleep(delay).await;
    let shop = shop.lock().expect("shop");
    if let Some(nonsense) = &shop.nonsense {
        return (StatusCode::OK, nonsense.clone()).into_response();
    }
    let ask: Value = serde_json::from_slice(&body).expect("the server sends JSON");
    let found = shop.orders.iter().find(|(email, order)| {
        order.order_number == ask["order_number"]
            && email.eq_ignore_ascii_case(ask["email"].as_str().unwrap_or(""))
    });
    axum::Json(match found {
        Some((_, order)) => json!({"found": true, "order": order}),
        None => json!({"found": false}),
    })
    .into_response()
}

/// Starts the store's order endpoint; its URL.
async fn open_shop(shop: SharedShop) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = axum::Router::new()
        .route("/orders/lookup", axum::routing::post(answer))
        .with_state(shop);
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/orders/lookup")
}

fn kettle_order(delivered_on: Option<CivilDate>, placed_on: CivilDate) -> StoreOrder {
    StoreOrder {
        order_number: "10023456".into(),
        placed_on: Some(placed_on),
        delivered_on,
        carrier: Some("SF Express".into()),
        tracking_number: Some("SF1234567890".into()),
        items: vec![
            OrderItem {
                id: "kettle-cu-17".into(),
                name: "Copper kettle, 1.7 l".into(),
                quantity: 1,
                image_url: Some("https://shop.example/img/kettle.jpg".into()),
            },
            OrderItem {
                id: "mug-stone".into(),
                name: "Stoneware mug".into(),
                quantity: 4,
                image_url: None,
            },
        ],
    }
}

struct Fixture {
    server: TestServer,
    shop: SharedShop,
    today: CivilDate,
}

impl Fixture {
    async fn start(mode: OrderLookupMode, timeout_ms: u64, cache_seconds: u64) -> Fixture {
        Self::start_limited(mode, timeout_ms, cache_seconds, LookupLimits::default()).await
    }

    async fn start_limited(
        mode: OrderLookupMode,
        timeout_ms: u64,
        cache_seconds: u64,
        limits: LookupLimits,
    ) -> Fixture {
        let shop = SharedShop::default();
        let url = open_shop(shop.clone()).await;
        let setup = Setup {
            order_lookups: limits,
            ..Setup::default()
        };
        let server = TestServer::start_set_up(setup, |site| {
            site.order_lookup = Some(OrderSource {
                url: url.parse().expect("url"),
                secret: ConfiguredSecret::parse(SECRET).expect("secret"),
                timeout: Duration::from_millis(timeout_ms),
                mode,
                cache_for: Duration::from_secs(cache_seconds),
                // The test's order endpoint is on loopback.
                allow_private_targets: true,
            });
        })
        .await;
        let config: WidgetConfig = server
            .http
            .get(server.url("/v1/sites/demo/widget-config"))
            .send()
            .await
            .expect("config")
            .json()
            .await
            .expect("json");
        assert_eq!(
            config.order_lookup,
            Some(mode),
            "the widget learns to ask first"
        );
        let today = config.today;
        let fixture = Fixture {
            server,
            shop,
            today,
        };
        let order = kettle_order(Some(fixture.day(-2)), fixture.day(-6));
        fixture
            .shop
            .lock()
            .expect("shop")
            .orders
            .push((EMAIL.into(), order));
        fixture
    }

    fn day(&self, n: i32) -> CivilDate {
        self.today.add_days(n).expect("in range")
    }

    fn set_order(&self, order: StoreOrder) {
        self.shop.lock().expect("shop").orders = vec![(EMAIL.into(), order)];
    }

    async fn look_up(&self, order_number: &str, email: &str) -> reqwest::Response {
        self.server
            .http
            .post(self.server.url("/v1/sites/demo/orders/lookup"))
            .json(&json!({"order_number": order_number, "email": email}))
            .send()
            .await
            .expect("lookup")
    }

    /// A transit-damage claim on the kettle, with the day the shopper typed.
    async fn claim(&self, typed_day: &str, seed: u8) -> NewTicket {
        NewTicket {
            claim: Claim {
                category: "logistics_delivery".into(),
                answers: vec!["damaged".into()],
                order_number: "#10023456".into(),
                description: "The box was crushed and the kettle inside is dented on one side."
                    .into(),
                email: EMAIL.into(),
                delivered_on: typed_day.into(),
            },
            uploads: vec![
                self.server.upload("box.png", &png(800, 600, seed)).await,
                self.server
                    .upload("item.png", &png(800, 600, seed + 1))
                    .await,
            ],
            locale: "en".into(),
            items: vec![ClaimedItem {
                id: "kettle-cu-17".into(),
                quantity: 1,
            }],
            ..NewTicket::default()
        }
    }

    async fn file(&self, key: &str, claim: &NewTicket) -> reqwest::Response {
        self.server
            .http
            .post(self.server.url("/v1/sites/demo/tickets"))
            .header("Idempotency-Key", key)
            .json(claim)
            .send()
            .await
            .expect("file")
    }

    async fn admin_view(&self, id: &str) -> AdminTicketView {
        self.server
            .admin(
                self.server
                    .http
                    .get(self.server.url(&format!("/v1/admin/tickets/{id}"))),
            )
            .send()
            .await
            .expect("admin view")
            .json()
            .await
            .expect("json")
    }

    async fn tickets(&self) -> usize {
        let list: Value = self
            .server
            .admin(self.server.http.get(self.server.url("/v1/admin/tickets")))
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("json");
        list["tickets"].as_array().map_or(0, Vec::len)
    }

    fn asked(&self) -> usize {
        self.shop.lock().expect("shop").asked
    }
}

async fn problem(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json",
        "status {status}"
    );
    (status, response.json().await.expect("problem details"))
}

#[tokio::test]
async fn a_found_order_is_shown_and_its_claim_filed_verified_for_the_chosen_item() {
    let f = Fixture::start(OrderLookupMode::Required, 2000, 30).await;
    let shown = f.look_up(" #10023456 ", "Wei@Example.com").await;
    assert_eq!(shown.status(), 200);
    let shown: StoreOrder = shown.json().await.expect("order");
    assert_eq!(shown.delivered_on, Some(f.day(-2)));
    assert_eq!(shown.carrier.as_deref(), Some("SF Express"));
    assert_eq!(shown.items.len(), 2);
    assert_eq!(shown.items[1].quantity, 4);

    let filed = f.file("verified-1", &f.claim("", 1).await).await;
    assert_eq!(filed.status(), 201);
    let filed: TicketCreated = filed.json().await.expect("created");
    assert_eq!(filed.ticket.outcome, "transit_damage");
    assert_eq!(
        filed.ticket.delivered_on,
        Some(f.day(-2)),
        "the store's day"
    );
    assert_eq!(
        f.asked(),
        1,
        "the filing a moment after the lookup reuses the store's answer"
    );
    assert_eq!(
        f.shop.lock().expect("shop").unsigned,
        0,
        "every request signed"
    );

    let agent = f.admin_view(&filed.ticket_id).await;
    let order = agent.ticket.order.expect("what the store said");
    assert_eq!(order.verification, OrderVerification::Verified);
    assert_eq!(order.delivered_on_source, DeliverySource::Store);
    assert_eq!(
        order.items,
        [ClaimedItem {
            id: "kettle-cu-17".into(),
            quantity: 1
        }]
    );
    let store_order = order.store_order.expect("the store's order");
    assert_eq!(store_order.tracking_number.as_deref(), Some("SF1234567890"));
    assert_eq!(store_order.items[0].name, "Copper kettle, 1.7 l");
}

#[tokio::test]
async fn a_typed_day_cannot_move_the_window_the_store_counts_from() {
    let f = Fixture::start(OrderLookupMode::Required, 2000, 0).await;
    // Delivered 20 days ago, says the store; the shopper types yesterday.
    f.set_order(kettle_order(Some(f.day(-20)), f.day(-25)));
    let filed = f
        .file("late-1", &f.claim(&f.day(-1).to_string(), 10).await)
        .await;
    assert_eq!(filed.status(), 201);
    let filed: TicketCreated = filed.json().await.expect("created");
    assert_eq!(
        filed.ticket.outcome, "transit_damage_late",
        "past the window counted from the store's day"
    );
    assert_eq!(filed.ticket.delivered_on, Some(f.day(-20)));

    // The store does not know the day yet: the shopper's counts, and the ticket says whose.
    f.set_order(kettle_order(None, f.day(-5)));
    let filed = f
        .file("stated-1", &f.claim(&f.day(-1).to_string(), 20).await)
        .await;
    assert_eq!(filed.status(), 201);
    let filed: TicketCreated = filed.json().await.expect("created");
    assert_eq!(filed.ticket.outcome, "transit_damage");
    assert_eq!(filed.ticket.delivered_on, Some(f.day(-1)));
    let order = filed.ticket.order.expect("order facts");
    assert_eq!(order.verification, OrderVerification::Verified);
    assert_eq!(order.delivered_on_source, DeliverySource::Shopper);
}

#[tokio::test]
async fn an_unknown_order_and_the_wrong_email_get_the_same_refusal() {
    let f = Fixture::start(OrderLookupMode::Optional, 2000, 30).await;
    for (number, email) in [("10099999", EMAIL), ("10023456", "li@example.com")] {
        let (status, body) = problem(f.look_up(number, email).await).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("order.not_found"))
        );
    }
    let mut claim = f.claim("", 30).await;
    claim.claim.email = "li@example.com".into();
    let (status, body) = problem(f.file("mismatch-1", &claim).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("order.not_found"))
    );
    assert_eq!(f.tickets().await, 0, "nothing filed on another's order");

    // Malformed input never reaches the store.
    let asked = f.asked();
    let (status, body) = problem(f.look_up("12", "wei@").await).await;
    assert_eq!(status, 422);
    assert_eq!(body["problems"].as_array().map(Vec::len), Some(2));
    assert_eq!(f.asked(), asked);
}

#[tokio::test]
async fn a_slow_store_on_an_optional_lookup_files_unverified_with_the_shoppers_day() {
    let f = Fixture::start(OrderLookupMode::Optional, 300, 30).await;
    f.shop.lock().expect("shop").delay = Duration::from_secs(5);
    let started = Instant::now();
    let (status, body) = problem(f.look_up("10023456", EMAIL).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (503, Some("order.lookup_unavailable"))
    );
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or("")
            .contains("did not answer within 300 ms"),
        "{body}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "no hang: {:?}",
        started.elapsed()
    );

    let filed = f
        .file("unverified-1", &f.claim(&f.day(-3).to_string(), 40).await)
        .await;
    assert_eq!(filed.status(), 201);
    let filed: TicketCreated = filed.json().await.expect("created");
    assert_eq!(filed.ticket.delivered_on, Some(f.day(-3)));
    let order = f
        .admin_view(&filed.ticket_id)
        .await
        .ticket
        .order
        .expect("order");
    assert_eq!(order.verification, OrderVerification::Unverified);
    assert_eq!(order.delivered_on_source, DeliverySource::Shopper);
    assert!(order.store_order.is_none());
    assert!(
        order
            .unverified_reason
            .as_deref()
            .unwrap_or("")
            .contains("did not answer"),
        "{order:?}"
    );
}

#[tokio::test]
async fn a_slow_store_on_a_required_lookup_files_nothing() {
    let f = Fixture::start(OrderLookupMode::Required, 300, 30).await;
    f.shop.lock().expect("shop").delay = Duration::from_secs(5);
    let started = Instant::now();
    let (status, body) = problem(
        f.file("required-1", &f.claim(&f.day(-3).to_string(), 50).await)
            .await,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (503, Some("order.lookup_unavailable"))
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(f.tickets().await, 0);
}

#[tokio::test]
async fn nonsense_from_the_store_is_a_clear_refusal_never_a_500() {
    let f = Fixture::start(OrderLookupMode::Required, 2000, 0).await;
    let huge = format!("{{\"found\": false, \"pad\": \"{}\"}}", "x".repeat(400_000));
    for nonsense in [
        b"<html><body>502 Bad Gateway</body></html>".to_vec(),
        br#"{"found": true}"#.to_vec(),
        br#"{"found": true, "order": {"order_number": "10023456", "delivered_on": "24 Nov"}}"#
            .to_vec(),
        huge.into_bytes(),
    ] {
        f.shop.lock().expect("shop").nonsense = Some(nonsense);
        let (status, body) = problem(f.look_up("10023456", EMAIL).await).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (503, Some("order.lookup_unavailable")),
            "{body}"
        );
        assert!(
            body["detail"].as_str().unwrap_or("").contains("unusable"),
            "{body}"
        );
    }
    let (status, body) = problem(
        f.server
            .http
            .post(f.server.url("/v1/sites/nowhere/orders/lookup"))
            .json(&json!({"order_number": "10023456", "email": EMAIL}))
            .send()
            .await
            .expect("lookup"),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("site.not_found"))
    );
}

#[tokio::test]
async fn a_store_that_cannot_be_reached_is_said_so() {
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!(
        "http://{}/orders/lookup",
        closed.local_addr().expect("addr")
    );
    drop(closed);
    let server = TestServer::start_customized(support::UNLIMITED, |site| {
        site.order_lookup = Some(OrderSource {
            url: url.parse().expect("url"),
            secret: ConfiguredSecret::parse(SECRET).expect("secret"),
            timeout: Duration::from_millis(1000),
            mode: OrderLookupMode::Required,
            cache_for: Duration::ZERO,
            allow_private_targets: true,
        });
    })
    .await;
    let response = server
        .http
        .post(server.url("/v1/sites/demo/orders/lookup"))
        .json(&json!({"order_number": "10023456", "email": EMAIL}))
        .send()
        .await
        .expect("lookup");
    let (status, body) = problem(response).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (503, Some("order.lookup_unavailable"))
    );
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or("")
            .contains("could not be reached"),
        "{body}"
    );
}

/// A server whose demo site asks `url`, private targets not allowed (as in production).
async fn start_refusing(url: &str, mode: OrderLookupMode) -> TestServer {
    let url = url.parse().expect("url");
    TestServer::start_customized(support::UNLIMITED, |site| {
        site.order_lookup = Some(OrderSource {
            url,
            secret: ConfiguredSecret::parse(SECRET).expect("secret"),
            timeout: Duration::from_millis(1000),
            mode,
            cache_for: Duration::ZERO,
            allow_private_targets: false,
        });
    })
    .await
}

#[tokio::test]
async fn a_private_order_endpoint_is_never_asked_unless_the_site_allows_it() {
    // A real order endpoint on loopback that would answer: it must hear nothing.
    let shop = SharedShop::default();
    let url = open_shop(shop.clone()).await;
    shop.lock().expect("shop").orders.push((
        EMAIL.into(),
        kettle_order(None, "2026-11-01".parse().expect("day")),
    ));
    let port = url
        .trim_start_matches("http://127.0.0.1:")
        .split('/')
        .next()
        .expect("port")
        .to_owned();

    // A name that resolves to loopback: refused when it resolves, before any connection. An
    // optional lookup tells the shopper the store cannot be asked, and files unverified.
    let server = start_refusing(
        &format!("https://localhost:{port}/orders/lookup"),
        OrderLookupMode::Optional,
    )
    .await;
    let lookup = |server: &TestServer| {
        server
            .http
            .post(server.url("/v1/sites/demo/orders/lookup"))
            .json(&json!({"order_number": "10023456", "email": EMAIL}))
            .send()
    };
    let (status, body) = problem(lookup(&server).await.expect("lookup")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (503, Some("order.lookup_unavailable"))
    );
    let detail = body["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("localhost") && detail.contains("not an address order lookups reach"),
        "{body}"
    );
    assert!(
        !detail.contains("127.0.0.1"),
        "the shopper is not told the server's network: {body}"
    );
    let config: WidgetConfig = server
        .http
        .get(server.url("/v1/sites/demo/widget-config"))
        .send()
        .await
        .expect("config")
        .json()
        .await
        .expect("json");
    let yesterday = config.today.add_days(-1).expect("in range");
    let claim = NewTicket {
        claim: Claim {
            category: "logistics_delivery".into(),
            answers: vec!["damaged".into()],
            order_number: "#10023456".into(),
            description: "The box was crushed and the kettle inside is dented on one side.".into(),
            email: EMAIL.into(),
            delivered_on: yesterday.to_string(),
        },
        uploads: vec![
            server.upload("box.png", &png(800, 600, 120)).await,
            server.upload("item.png", &png(800, 600, 121)).await,
        ],
        locale: "en".into(),
        ..NewTicket::default()
    };
    let filed = server
        .http
        .post(server.url("/v1/sites/demo/tickets"))
        .header("Idempotency-Key", "private-1")
        .json(&claim)
        .send()
        .await
        .expect("file");
    assert_eq!(filed.status(), 201);
    let filed: TicketCreated = filed.json().await.expect("created");
    assert_eq!(
        filed.ticket.delivered_on,
        Some(yesterday),
        "the shopper's day"
    );
    let order = filed.ticket.order.expect("order facts");
    assert_eq!(order.verification, OrderVerification::Unverified);
    assert_eq!(order.delivered_on_source, DeliverySource::Shopper);
    assert!(order.store_order.is_none());

    // An address literal (loopback, here) on a required lookup: nothing is filed.
    let server = start_refusing(&url, OrderLookupMode::Required).await;
    let (status, body) = problem(lookup(&server).await.expect("lookup")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (503, Some("order.lookup_unavailable")),
        "{body}"
    );
    {
        let shop = shop.lock().expect("shop");
        assert_eq!(
            (shop.asked, shop.unsigned),
            (0, 0),
            "no request reached the private endpoint"
        );
    }

    // With the switch (development), the same endpoint is asked.
    let allowed = TestServer::start_customized(support::UNLIMITED, |site| {
        site.order_lookup = Some(OrderSource {
            url: url.parse().expect("url"),
            secret: ConfiguredSecret::parse(SECRET).expect("secret"),
            timeout: Duration::from_millis(1000),
            mode: OrderLookupMode::Required,
            cache_for: Duration::ZERO,
            allow_private_targets: true,
        });
    })
    .await;
    assert_eq!(lookup(&allowed).await.expect("lookup").status(), 200);
    assert_eq!(shop.lock().expect("shop").asked, 1);
}

#[tokio::test]
async fn a_config_naming_a_private_order_endpoint_is_refused_at_start() {
    for (url, said) in [
        (
            "https://169.254.169.254/latest/meta-data/",
            "allow_private_targets",
        ),
        ("https://[::ffff:10.0.0.1]/orders", "allow_private_targets"),
        ("http://127.0.0.1:9/orders/lookup", "must be https://"),
        ("http://erp.shop.example/orders", "must be https://"),
    ] {
        let data = tempfile::tempdir().expect("temp dir");
        let config = data.path().join("helpcenter.toml");
        std::fs::write(
            &config,
            format!(
                "[[sites]]\nkey = \"acme\"\ndisplay_name = \"ACME Kitchen\"\n\
                 allowed_origins = [\"https://shop.example\"]\nadmin_key_sha256 = \"{}\"\n\n\
                 [sites.order_lookup]\nurl = \"{url}\"\nsecret_env = \"ACME_ORDERS_SECRET\"\n",
                helpcenter_server::auth::sha256_hex("acme-admin-key-for-the-test-0123456789")
            ),
        )
        .expect("write the config");
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_helpcenter-server"))
            .args(["serve", "--bind", "127.0.0.1:0", "--config"])
            .arg(&config)
            .arg("--data-dir")
            .arg(data.path())
            .envs(support::database_env(data.path()))
            .env("ACME_ORDERS_SECRET", SECRET)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run serve");
        let text = String::from_utf8_lossy(&output.stderr).into_owned()
            + &String::from_utf8_lossy(&output.stdout);
        assert!(!output.status.success(), "{url}: {text}");
        assert!(
            text.contains("order_lookup") && text.contains(url) && text.contains(said),
            "{url}: {text}"
        );
    }
}

#[tokio::test]
async fn an_order_that_changed_between_the_widget_and_the_filing_is_judged_as_it_now_is() {
    let f = Fixture::start(OrderLookupMode::Required, 2000, 0).await;
    let shown: StoreOrder = f
        .look_up("10023456", EMAIL)
        .await
        .json()
        .await
        .expect("order");
    assert_eq!(shown.items[0].id, "kettle-cu-17");
    // Meanwhile the kettle was refunded and taken off the order.
    let mut changed = kettle_order(Some(f.day(-2)), f.day(-6));
    changed.items.remove(0);
    f.set_order(changed);
    let (status, body) = problem(f.file("changed-1", &f.claim("", 60).await).await).await;
    assert_eq!(status, 422);
    assert_eq!(
        body["problems"],
        json!([{"field": "items[0]", "code": "items.not_in_order"}])
    );
    assert_eq!(f.asked(), 2, "asked again on filing");

    // More than ordered is refused too.
    let mut claim = f.claim("", 70).await;
    claim.items = vec![ClaimedItem {
        id: "mug-stone".into(),
        quantity: 5,
    }];
    let (_, body) = problem(f.file("changed-2", &claim).await).await;
    assert_eq!(
        body["problems"],
        json!([{"field": "items[0]", "code": "items.quantity"}])
    );
    assert_eq!(f.tickets().await, 0);
}

#[tokio::test]
async fn lookups_are_limited_per_order_number_and_per_client() {
    let limits = LookupLimits {
        per_order_burst: 3,
        per_order_refill_seconds: 60,
        per_ip_burst: 6,
        per_ip_refill_seconds: 60,
    };
    let f = Fixture::start_limited(OrderLookupMode::Optional, 2000, 0, limits).await;
    for email in ["a@example.com", "b@example.com", "c@example.com"] {
        assert_eq!(f.look_up("10023456", email).await.status(), 404);
    }
    let over = f.look_up("10023456", EMAIL).await;
    assert_eq!(
        over.status(),
        429,
        "a fourth email for the same order waits"
    );
    assert!(over.headers().contains_key("retry-after"));
    let (_, body) = problem(over).await;
    assert_eq!(body["code"], "rate_limited");
    assert_eq!(
        f.look_up("10023457", EMAIL).await.status(),
        404,
        "another order is asked"
    );
    assert_eq!(f.look_up("10023458", EMAIL).await.status(), 404);
    assert_eq!(
        f.look_up("10023459", EMAIL).await.status(),
        429,
        "the client's own limit"
    );
    assert_eq!(f.asked(), 5);
}

#[tokio::test]
async fn a_site_without_a_lookup_says_so_and_takes_no_items() {
    let server = TestServer::start().await;
    let claim = NewTicket {
        claim: Claim {
            category: "product_quality".into(),
            answers: vec!["fault".into(), "as_instructed".into()],
            order_number: "#10023456".into(),
            description: "The blender stopped working after two days; the motor hums.".into(),
            email: EMAIL.into(),
            ..Claim::default()
        },
        uploads: vec![server.upload("blender.png", &png(800, 600, 90)).await],
        locale: "en".into(),
        items: vec![ClaimedItem {
            id: "blender".into(),
            quantity: 1,
        }],
        ..NewTicket::default()
    };
    let response = server
        .http
        .post(server.url("/v1/sites/demo/tickets"))
        .header("Idempotency-Key", "no-lookup-1")
        .json(&claim)
        .send()
        .await
        .expect("file");
    let (status, body) = problem(response).await;
    assert_eq!(status, 422);
    assert_eq!(
        body["problems"],
        json!([{"field": "items", "code": "items.without_order"}])
    );
    let response = server
        .http
        .post(server.url("/v1/sites/demo/orders/lookup"))
        .json(&json!({"order_number": "10023456", "email": EMAIL}))
        .send()
        .await
        .expect("lookup");
    let (status, body) = problem(response).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("order.lookup_not_configured"))
    );
}

/// `admin shopper …` on the fixture's data directory, as an operator runs it beside the server.
fn shopper(f: &Fixture, args: &[&str]) -> (bool, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_helpcenter-server"))
        .args(["admin", "--data-dir"])
        .arg(&f.server.data_dir)
        .envs(support::database_env(&f.server.data_dir))
        .arg("shopper")
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run helpcenter-server");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn erasing_a_shopper_erases_what_the_store_said_of_her_orders_and_its_kept_answers() {
    let f = Fixture::start(OrderLookupMode::Optional, 2000, 600).await;
    // Lin's order, looked up too: what is kept about her stays.
    let mut lins = kettle_order(Some(f.day(-3)), f.day(-8));
    lins.order_number = "10023999".into();
    lins.tracking_number = Some("SF5550001111".into());
    f.shop
        .lock()
        .expect("shop")
        .orders
        .push(("lin@example.com".into(), lins));
    assert_eq!(f.look_up("10023456", EMAIL).await.status(), 200);
    assert_eq!(f.look_up("10023999", "lin@example.com").await.status(), 200);
    let filed = f.file("erase-1", &f.claim("", 7).await).await;
    assert_eq!(filed.status(), 201);
    let filed: TicketCreated = filed.json().await.expect("created");
    assert_eq!(f.asked(), 2, "the filing reused the answer kept");

    // Her export holds the store's facts on her ticket and the answer kept about her.
    let (ok, out, err) = shopper(&f, &["export", "--email", "Wei@Example.com"]);
    assert!(ok, "{err}");
    let export: Value = serde_json::from_str(&out).expect("JSON");
    let ticket = &export["tickets"][0];
    assert_eq!(ticket["id"], filed.ticket_id.as_str());
    assert_eq!(ticket["ticket_orders"][0]["verification"], "verified");
    assert!(
        ticket["ticket_orders"][0]["store_order"]
            .as_str()
            .is_some_and(|o| o.contains("SF1234567890")),
        "{ticket}"
    );
    let kept = export["order_lookups"].as_array().expect("order_lookups");
    assert_eq!(kept.len(), 1, "hers only: {kept:?}");
    assert_eq!(kept[0]["order_number"], "10023456");
    assert_eq!(kept[0]["order"]["tracking_number"], "SF1234567890");

    let (ok, out, err) = shopper(&f, &["erase", "--email", "wei@example.com", "--yes"]);
    assert!(ok, "{err}");
    assert!(out.contains("1 ticket(s)"), "{out}");
    assert!(out.contains("1 answer(s)"), "{out}");

    // The agent sees the ticket without the store's facts; her tracking number is nowhere.
    let agent = f.admin_view(&filed.ticket_id).await;
    assert_eq!(agent.ticket.order, None);
    assert!(
        !serde_json::to_string(&agent)
            .expect("json")
            .contains("SF1234567890")
    );
    let (ok, out, _) = shopper(&f, &["export", "--email", "wei@example.com"]);
    assert!(ok);
    let export: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(export["tickets"], json!([]));
    assert_eq!(export["order_lookups"], json!([]));
    let db = f.server.db().await;
    let rows: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM ticket_orders WHERE store_order LIKE '%SF1234567890%'",
    )
    .fetch_one(&db)
    .await
    .expect("count");
    assert_eq!(rows, 0);
    // Her next lookup asks the store again: nothing was kept to answer from.
    assert_eq!(f.look_up("10023456", EMAIL).await.status(), 200);
    assert_eq!(f.asked(), 3);
    // Lin's answer is still kept (asked again: no new request to the store).
    assert_eq!(f.look_up("10023999", "lin@example.com").await.status(), 200);
    assert_eq!(f.asked(), 3);

    // A shopper who only looked an order up, and filed nothing, has it erased too.
    let (ok, out, err) = shopper(&f, &["erase", "--email", "lin@example.com", "--yes"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("0 ticket(s)") && out.contains("1 answer(s)"),
        "{out}"
    );
    let (_, out, _) = shopper(&f, &["export", "--email", "lin@example.com"]);
    let export: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(export["order_lookups"], json!([]));
}
