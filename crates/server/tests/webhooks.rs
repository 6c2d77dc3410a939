//! Webhooks to a store's receiver, verified by the Standard Webhooks library from PyPI
//! (`standardwebhooks`, run by `crates/server/tools/webhook_receiver.py` with the Python that
//! `cargo xtask test` installs it in and names in `HELPCENTER_TEST_STANDARDWEBHOOKS`), never by
//! the server's own code: every event delivered once and verified, in order per ticket after
//! the receiver was down, again after the server is killed mid-delivery, private targets
//! refused, a delivery sent again by hand, and a rotated secret signing beside the old one.

mod support;

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use helpcenter_api::{
    RotatedSecret, TicketCreated, WebhookDelivery, WebhookDeliveryLog, WebhookEndpoint,
    WebhookEventType, WebhookPayload,
};
use helpcenter_media::samples::png;
use serde_json::{Value, json};
use support::free_port;
use support::process::ServerProcess;
use support::webhooks::{Received, Receiver};

const ADMIN_KEY: &str = "acme-admin-key-for-the-webhook-tests";

/// A store's server: the config (site `acme`, its endpoints), its data and its process.
struct Store {
    data: tempfile::TempDir,
    config: PathBuf,
    port: u16,
    base: String,
    http: reqwest::Client,
    server: Option<ServerProcess>,
}

impl Store {
    /// `[[sites.webhooks]]` tables as given (TOML), quick retries, and private targets
    /// allowed (the receiver is on loopback) unless `private` is false.
    fn configured(webhooks: &str, private: bool) -> Store {
        let data = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let config = data.path().join("helpcenter.toml");
        std::fs::write(
            &config,
            format!(
                "[server.webhooks]\nallow_private_targets = {private}\nretry_first_seconds = 0.2\nretry_max_seconds = 1.0\n\n\
                 [[sites]]\nkey = \"acme\"\ndisplay_name = \"ACME Kitchen\"\nallowed_origins = [\"http://127.0.0.1:{port}\"]\n\
                 admin_key_sha256 = \"{}\"\n\n{webhooks}",
                helpcenter_server::auth::sha256_hex(ADMIN_KEY)
            ),
        )
        .expect("write the config");
        Store {
            base: format!("http://127.0.0.1:{port}"),
            data,
            config,
            port,
            http: reqwest::Client::new(),
            server: None,
        }
    }

    async fn start(webhooks: &str) -> Store {
        let mut store = Store::configured(webhooks, true);
        store.serve().await;
        store
    }

    fn log(&self) -> PathBuf {
        self.data.path().join("server.log")
    }

    async fn serve(&mut self) {
        self.server = Some(
            ServerProcess::start_logging(
                self.data.path(),
                &self.config,
                self.port,
                Some(&self.log()),
            )
            .await,
        );
    }

    fn kill(&mut self) {
        if let Some(server) = self.server.take() {
            server.kill();
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, self.url(path))
            .bearer_auth(ADMIN_KEY);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("admin request");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn admin_ok(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let (status, value) = self.admin(method, path, body).await;
        assert_eq!(status, 200, "{path}: {value}");
        value
    }

    async fn rotate(&self, endpoint: &str, overlap_seconds: u64) -> RotatedSecret {
        let value = self
            .admin_ok(
                reqwest::Method::POST,
                &format!("/v1/admin/webhooks/{endpoint}/rotate-secret"),
                Some(json!({ "overlap_seconds": overlap_seconds })),
            )
            .await;
        serde_json::from_value(value).expect("a rotated secret")
    }

    async fn deliveries(&self, query: &str) -> Vec<WebhookDelivery> {
        let value = self
            .admin_ok(
                reqwest::Method::GET,
                &format!("/v1/admin/webhook-deliveries{query}"),
                None,
            )
            .await;
        serde_json::from_value(value).expect("deliveries")
    }

    async fn delivery_log(&self, id: &str) -> WebhookDeliveryLog {
        let value = self
            .admin_ok(
                reqwest::Method::GET,
                &format!("/v1/admin/webhook-deliveries/{id}"),
                None,
            )
            .await;
        serde_json::from_value(value).expect("a delivery log")
    }

    /// Files a claim on `acme` with a screenshot; answers the ticket and its access token.
    async fn file(&self, email: &str) -> TicketCreated {
        let screenshot = support::upload_at(
            &self.http,
            &self.base,
            "acme",
            "screenshot.png",
            &png(800, 600, 3),
        )
        .await;
        let response = self
            .http
            .post(self.url("/v1/sites/acme/tickets"))
            .header("Idempotency-Key", format!("webhooks-{email}"))
            .json(&support::claims::manual_question(email, vec![screenshot]))
            .send()
            .await
            .expect("create ticket");
        assert_eq!(response.status(), 201, "{:?}", response.text().await);
        response.json().await.expect("ticket created")
    }

    /// The CLI on this store's config and data: (success, stdout, stderr).
    fn cli(&self, args: &[&str]) -> (bool, String, String) {
        self.cli_with(args, &[])
    }

    /// … with these environment variables set.
    fn cli_with(&self, args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
        let output = Command::new(env!("CARGO_BIN_EXE_helpcenter-server"))
            .arg("admin")
            .args(args)
            .arg("--config")
            .arg(&self.config)
            .arg("--data-dir")
            .arg(self.data.path())
            .envs(support::database_env(self.data.path()))
            .envs(env.iter().copied())
            .output()
            .expect("run the CLI");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }
}

fn endpoint(name: &str, url: &str, events: Option<&[&str]>) -> String {
    let events = events
        .map(|e| format!("events = {e:?}\n"))
        .unwrap_or_default();
    format!("[[sites.webhooks]]\nname = \"{name}\"\nurl = \"{url}\"\n{events}\n")
}

/// Every event of a ticket's life, through the admin API and as its shopper.
async fn work_the_ticket(store: &Store, ticket: &TicketCreated) {
    let id = &ticket.ticket_id;
    let post = reqwest::Method::POST;
    store
        .admin_ok(
            post.clone(),
            &format!("/v1/admin/tickets/{id}/request-info"),
            Some(json!({ "message": "Please send a photo of the label." })),
        )
        .await;
    let shopper = |path: String, body: Value| {
        let request = store
            .http
            .post(store.url(&path))
            .bearer_auth(&ticket.access_token)
            .json(&body);
        async move {
            let response = request.send().await.expect("shopper request");
            assert!(
                response.status().is_success(),
                "{path}: {:?}",
                response.text().await
            );
        }
    };
    shopper(
        format!("/v1/tickets/{id}/replies"),
        json!({ "message": "The label was torn off, sorry.", "uploads": [] }),
    )
    .await;
    store
        .admin_ok(
            post.clone(),
            &format!("/v1/admin/tickets/{id}/messages"),
            Some(json!({ "body": "Thank you, we are looking at it.", "internal": false })),
        )
        .await;
    store
        .admin_ok(
            post.clone(),
            &format!("/v1/admin/tickets/{id}/messages"),
            Some(json!({ "body": "Customer since 2019.", "internal": true })),
        )
        .await;
    store
        .admin_ok(
            post.clone(),
            &format!("/v1/admin/tickets/{id}/transition"),
            Some(json!({ "to": "resolved", "resolution": "exchange", "message": "We send a new one." })),
        )
        .await;
    shopper(
        format!("/v1/tickets/{id}/escalate"),
        json!({ "message": "I wanted my money back." }),
    )
    .await;
}

/// What a ticket's life sends, in order (`work_the_ticket`).
const LIFE: [WebhookEventType; 8] = [
    WebhookEventType::Created,
    WebhookEventType::StatusChanged,
    WebhookEventType::InfoRequested,
    WebhookEventType::ShopperReplied,
    WebhookEventType::AgentReplied,
    WebhookEventType::NoteAdded,
    WebhookEventType::StatusChanged,
    WebhookEventType::Escalated,
];

#[tokio::test]
async fn every_event_is_delivered_once_and_verified_by_the_standard_webhooks_library() {
    let receiver = Receiver::started().await;
    let slack = Receiver::started().await;
    let store = Store::start(&format!(
        "{}{}",
        endpoint("erp", &receiver.url(), None),
        endpoint(
            "slack",
            &slack.url(),
            Some(&["ticket.created", "ticket.escalated"])
        ),
    ))
    .await;
    let erp_secret = store.rotate("erp", 0).await;
    assert!(erp_secret.secret.starts_with("whsec_"), "{erp_secret:?}");
    receiver.trust(&[("erp", &erp_secret.secret)]);
    slack.trust(&[("slack", &store.rotate("slack", 0).await.secret)]);

    let ticket = store.file("ola@example.com").await;
    work_the_ticket(&store, &ticket).await;

    let received = receiver
        .wait_until("the ticket's eight events", |r| r.len() >= LIFE.len())
        .await;
    // Nothing more comes: each event once.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let received_now = receiver.received();
    assert_eq!(received_now.len(), LIFE.len(), "{received_now:#?}");
    // The receiver's own record of the first delivery, for `-- --nocapture`.
    let log = std::fs::read_to_string(&receiver.log).expect("log");
    let first_line: Value =
        serde_json::from_str(log.lines().next().expect("a line")).expect("json");
    println!(
        "a delivery as the receiver's standardwebhooks saw it:\n{}",
        serde_json::to_string_pretty(&first_line).expect("json")
    );
    let ids: HashSet<&str> = received.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), LIFE.len(), "a webhook-id per delivery");
    for (i, (r, wanted)) in received.iter().zip(LIFE).enumerate() {
        assert_eq!(r.verified_by, ["erp"], "{i}: {r:#?}");
        assert!(r.errors.is_empty(), "{r:#?}");
        assert_eq!(r.answered, 204);
        assert!(r.id.starts_with("msg_"), "{r:?}");
        assert!(r.signature.starts_with("v1,"), "{r:?}");
        assert!(r.timestamp.parse::<i64>().is_ok(), "{r:?}");
        assert_eq!(r.content_type.as_deref(), Some("application/json"));
        let payload = r.payload();
        assert_eq!(payload.event_type, wanted, "{i}");
        assert_eq!(payload.data.event.seq as usize, i + 1, "in order");
        assert_eq!(payload.data.ticket.id, ticket.ticket_id);
        assert_eq!(payload.data.ticket.site, "acme");
        assert_eq!(payload.data.ticket.email, "ola@example.com");
        assert_eq!(payload.data.ticket.order_number, "10023456");
    }
    // The ticket's summary as it stood after each event.
    let statuses: Vec<String> = received
        .iter()
        .map(|r| r.payload().data.ticket.status.as_str().to_owned())
        .collect();
    assert_eq!(
        statuses,
        [
            "submitted",
            "in_review",
            "needs_info",
            "in_review",
            "in_review",
            "in_review",
            "resolved",
            "escalated"
        ]
    );
    let reply = received[3].payload();
    assert_eq!(
        reply.data.event.message.as_deref(),
        Some("The label was torn off, sorry.")
    );
    assert_eq!(
        received[6]
            .payload()
            .data
            .ticket
            .resolution
            .map(|r| format!("{r:?}")),
        Some("Exchange".to_owned())
    );

    // The endpoint subscribed to two events got those two only.
    let to_slack = slack
        .wait_until("slack's two events", |r| r.len() >= 2)
        .await;
    let types: Vec<WebhookEventType> = to_slack.iter().map(|r| r.payload().event_type).collect();
    assert_eq!(
        types,
        [WebhookEventType::Created, WebhookEventType::Escalated]
    );
    assert!(to_slack.iter().all(|r| r.verified_by == ["slack"]));

    // The delivery log says the same.
    let mut logged = Vec::new();
    for _ in 0..50 {
        logged = store.deliveries("?endpoint=erp&state=delivered").await;
        if logged.len() == LIFE.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(logged.len(), LIFE.len(), "{logged:#?}");
    assert!(
        logged
            .iter()
            .all(|d| d.attempts == 1 && d.last_status == Some(204))
    );
    let first = store.delivery_log(&received[0].id).await;
    assert_eq!(
        first.body, received[0].body,
        "the log keeps the body as sent"
    );
    assert_eq!(first.attempts.len(), 1);
    assert_eq!(first.attempts[0].status, Some(204));
    // The endpoints as configured, secrets by fingerprint only.
    let endpoints: Vec<WebhookEndpoint> = serde_json::from_value(
        store
            .admin_ok(reqwest::Method::GET, "/v1/admin/webhooks", None)
            .await,
    )
    .expect("endpoints");
    assert_eq!(endpoints.len(), 2);
    assert_eq!(endpoints[0].secrets.len(), 1);
    assert_eq!(endpoints[0].secrets[0].fingerprint, erp_secret.fingerprint);
    assert_eq!(endpoints[1].events.len(), 2);
}

#[tokio::test]
async fn a_receiver_down_for_a_while_gets_everything_in_order_once_it_is_up() {
    let mut receiver = Receiver::stopped();
    let store = Store::start(&endpoint("erp", &receiver.url(), None)).await;
    let secret = store.rotate("erp", 0).await.secret;
    receiver.trust(&[("erp", &secret)]);
    let first = store.file("first@example.com").await;
    let second = store.file("second@example.com").await;
    work_the_ticket(&store, &first).await;
    work_the_ticket(&store, &second).await;
    // Tried, refused at the door, tried again: each ticket's head waits in back-off.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let pending = store.deliveries("?state=pending&limit=500").await;
        assert_eq!(pending.len(), 2 * LIFE.len(), "nothing lost meanwhile");
        if pending.iter().filter(|d| d.attempts >= 2).count() == 2 {
            // Only each ticket's head was tried: its later deliveries wait their turn.
            assert!(pending.iter().all(|d| d.attempts == 0 || d.event_seq == 1));
            let tried = pending.iter().find(|d| d.attempts >= 2).expect("a head");
            assert!(
                tried
                    .last_error
                    .as_deref()
                    .is_some_and(|e| e.contains("connect")),
                "{tried:?}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "{pending:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    receiver.start().await;
    let received = receiver
        .wait_until("both tickets' events", |r| r.len() >= 2 * LIFE.len())
        .await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(receiver.received().len(), 2 * LIFE.len(), "each once");
    for ticket in [&first, &second] {
        let of_ticket: Vec<WebhookPayload> = received
            .iter()
            .map(Received::payload)
            .filter(|p| p.data.ticket.id == ticket.ticket_id)
            .collect();
        let seqs: Vec<u32> = of_ticket.iter().map(|p| p.data.event.seq).collect();
        assert_eq!(seqs, (1..=8).collect::<Vec<u32>>(), "in order");
        let types: Vec<WebhookEventType> = of_ticket.iter().map(|p| p.event_type).collect();
        assert_eq!(types, LIFE);
    }
    assert!(received.iter().all(|r| r.verified_by == ["erp"]));
    // The log of a head shows the refused attempts, then the delivery.
    let head = received
        .iter()
        .find(|r| r.payload().data.event.seq == 1)
        .expect("a head");
    let log = store.delivery_log(&head.id).await;
    assert!(log.attempts.len() >= 3, "{log:#?}");
    assert!(log.attempts[0].status.is_none() && log.attempts[0].error.is_some());
    assert_eq!(log.attempts.last().and_then(|a| a.status), Some(204));
}

#[tokio::test]
async fn a_server_killed_mid_delivery_delivers_again_after_its_restart() {
    let receiver = Receiver::started().await;
    let mut store = Store::start(&endpoint("erp", &receiver.url(), None)).await;
    let secret = store.rotate("erp", 0).await.secret;
    receiver.trust(&[("erp", &secret)]);
    std::fs::write(&receiver.hold, "").expect("hold deliveries");
    let ticket = store.file("kim@example.com").await;
    let held = receiver
        .wait_until("the delivery in flight", |r| !r.is_empty())
        .await;
    assert!(held[0].held);
    assert_eq!(held[0].verified_by, ["erp"]);
    store.kill();
    std::fs::remove_file(&receiver.hold).expect("let go");

    store.serve().await;
    let received = receiver
        .wait_until("the delivery made again", |r| r.len() >= 2)
        .await;
    assert_eq!(
        received[1].id, held[0].id,
        "the same webhook-id, for the receiver to drop a copy"
    );
    assert_eq!(received[1].body, held[0].body);
    assert!(!received[1].held);
    assert_eq!(received[1].verified_by, ["erp"]);
    assert_eq!(received[1].payload().data.ticket.id, ticket.ticket_id);
    let mut delivered = Vec::new();
    for _ in 0..50 {
        delivered = store.deliveries("?state=delivered").await;
        if !delivered.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(delivered.len(), 1, "{delivered:#?}");
    assert_eq!(delivered[0].id, held[0].id);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(receiver.received().len(), 2, "not a third time");
}

#[tokio::test]
async fn private_targets_are_refused_by_the_addresses_they_resolve_to() {
    // A name that resolves to loopback: refused when resolved, before any connection, and
    // never retried.
    let receiver = Receiver::started().await;
    let mut store = Store::configured(
        &endpoint(
            "internal",
            &format!("https://localhost:{}/hooks", receiver.port),
            None,
        ),
        false,
    );
    store.serve().await;
    store.rotate("internal", 0).await;
    let ticket = store.file("eve@example.com").await;
    let mut failed = Vec::new();
    for _ in 0..100 {
        failed = store.deliveries("?state=failed").await;
        if !failed.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let refused = failed.first().expect("a failed delivery");
    assert_eq!(refused.ticket_id, ticket.ticket_id);
    assert_eq!(refused.attempts, 1, "refused once, not retried");
    let reason = refused.last_error.as_deref().unwrap_or_default();
    assert!(
        reason.contains("localhost")
            && reason.contains("127.0.0.1")
            && reason.contains("allow_private_targets"),
        "{reason}"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        receiver.received().is_empty(),
        "nothing reached the address"
    );

    // An address literal of the cloud's metadata service, or plain http: the server does not
    // start, and says which endpoint and why.
    for url in [
        "https://169.254.169.254/latest/meta-data/",
        "https://[::ffff:10.0.0.1]/hooks",
        "http://erp.acme.example/hooks",
    ] {
        let refused = Store::configured(&endpoint("erp", url, None), false);
        let output = Command::new(env!("CARGO_BIN_EXE_helpcenter-server"))
            .args(["serve", "--bind", "127.0.0.1:0", "--config"])
            .arg(&refused.config)
            .arg("--data-dir")
            .arg(refused.data.path())
            .output()
            .expect("run serve");
        let said = String::from_utf8_lossy(&output.stderr).into_owned()
            + &String::from_utf8_lossy(&output.stdout);
        assert!(!output.status.success(), "{url}: {said}");
        assert!(
            said.contains("webhook \"erp\"") && said.contains("allow_private_targets"),
            "{url}: {said}"
        );
    }
}

#[tokio::test]
async fn a_delivery_is_sent_again_by_hand_with_its_webhook_id() {
    let receiver = Receiver::started().await;
    let store = Store::start(&endpoint("erp", &receiver.url(), Some(&["ticket.created"]))).await;
    let secret = store.rotate("erp", 0).await.secret;
    receiver.trust(&[("erp", &secret)]);
    store.file("max@example.com").await;
    let first = receiver.wait_until("the delivery", |r| !r.is_empty()).await;
    let id = first[0].id.clone();
    for _ in 0..50 {
        if !store.deliveries("?state=delivered").await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Through the admin API …
    let again: WebhookDelivery = serde_json::from_value(
        store
            .admin_ok(
                reqwest::Method::POST,
                &format!("/v1/admin/webhook-deliveries/{id}/resend"),
                None,
            )
            .await,
    )
    .expect("a delivery");
    assert_eq!(again.state.as_str(), "pending");
    let received = receiver.wait_until("sent again", |r| r.len() >= 2).await;
    assert_eq!(received[1].id, id);
    assert_eq!(received[1].body, first[0].body);
    assert_eq!(received[1].verified_by, ["erp"]);
    // … and the CLI, whose list shows it.
    let (ok, listed, error) = store.cli(&["webhooks", "deliveries"]);
    assert!(ok, "{error}");
    assert!(
        listed.contains(&id) && listed.contains("ticket.created"),
        "{listed}"
    );
    let (ok, resent, error) = store.cli(&["webhooks", "resend", &id]);
    assert!(ok, "{error}");
    assert!(resent.contains("pending again"), "{resent}");
    let received = receiver
        .wait_until("sent a third time", |r| r.len() >= 3)
        .await;
    assert_eq!(received[2].id, id);
    let log = store.delivery_log(&id).await;
    for _ in 0..50 {
        if store.delivery_log(&id).await.attempts.len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(log.attempts.len() >= 2, "{log:#?}");
    // Unknown ids are refused, by the API and the CLI alike.
    let (status, problem) = store
        .admin(
            reqwest::Method::POST,
            "/v1/admin/webhook-deliveries/msg_nosuchdelivery/resend",
            None,
        )
        .await;
    assert_eq!(status, 404, "{problem}");
    assert_eq!(problem["code"], "not_found");
    let (ok, _, error) = store.cli(&["webhooks", "resend", "msg_nosuchdelivery"]);
    assert!(!ok);
    assert!(error.contains("not_found"), "{error}");
}

#[tokio::test]
async fn a_rotated_secret_signs_beside_the_old_one_until_the_overlap_ends() {
    let receiver = Receiver::started().await;
    let store = Store::start(&endpoint("erp", &receiver.url(), Some(&["ticket.created"]))).await;
    // Deliveries wait for a first secret, saying so.
    store.file("first@example.com").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let pending = store.deliveries("?state=pending").await;
        if let Some(reason) = pending.first().and_then(|d| d.last_error.clone()) {
            assert!(reason.contains("no signing secret yet"), "{reason}");
            assert_eq!(pending[0].attempts, 0);
            break;
        }
        assert!(Instant::now() < deadline, "{pending:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(receiver.received().is_empty());
    // The first secret from the CLI: alone on standard output, once.
    let (ok, printed, said) = store.cli(&["webhooks", "rotate-secret", "erp", "--overlap", "0s"]);
    assert!(ok, "{said}");
    let old = printed.trim().to_owned();
    assert!(
        old.starts_with("whsec_") && !old.contains(char::is_whitespace),
        "{printed}"
    );
    assert!(said.contains("shown this once"), "{said}");
    receiver.trust(&[("old", &old)]);
    let received = receiver
        .wait_until("the waiting delivery", |r| !r.is_empty())
        .await;
    assert_eq!(received[0].verified_by, ["old"]);
    // Never shown again: the list has its fingerprint only.
    let (ok, listed, _) = store.cli(&["webhooks", "list"]);
    assert!(ok);
    assert!(!listed.contains(&old), "{listed}");
    assert!(listed.contains("current"), "{listed}");

    // A new secret with an hour's overlap: both sign, so a receiver with either verifies.
    let new = store.rotate("erp", 3600).await.secret;
    receiver.trust(&[("old", &old), ("new", &new)]);
    store.file("second@example.com").await;
    let received = receiver.wait_until("signed twice", |r| r.len() >= 2).await;
    assert_eq!(
        received[1].verified_by,
        ["old", "new"],
        "{:#?}",
        received[1]
    );
    assert_eq!(received[1].signature.split(' ').count(), 2);

    // Rotated again with no overlap: only the newest signs; the old secret no longer verifies.
    let newest = store.rotate("erp", 0).await.secret;
    receiver.trust(&[("old", &old), ("new", &new), ("newest", &newest)]);
    store.file("third@example.com").await;
    let received = receiver
        .wait_until("signed once more", |r| r.len() >= 3)
        .await;
    assert_eq!(received[2].verified_by, ["newest"], "{:#?}", received[2]);
    assert!(
        received[2].errors["old"]
            .as_str()
            .is_some_and(|e| e.contains("No matching signature")),
        "{:#?}",
        received[2]
    );
    // An unknown endpoint and an overlap out of range are refused.
    let (status, _) = store
        .admin(
            reqwest::Method::POST,
            "/v1/admin/webhooks/nosuch/rotate-secret",
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 404);
    let (status, problem) = store
        .admin(
            reqwest::Method::POST,
            "/v1/admin/webhooks/erp/rotate-secret",
            Some(json!({ "overlap_seconds": 40 * 24 * 3600 })),
        )
        .await;
    assert_eq!(status, 400, "{problem}");
}

#[tokio::test]
async fn an_agent_assigning_in_the_console_is_delivered_as_ticket_assigned() {
    let receiver = Receiver::started().await;
    let store = Store::start(&endpoint(
        "erp",
        &receiver.url(),
        Some(&["ticket.created", "ticket.assigned"]),
    ))
    .await;
    receiver.trust(&[("erp", &store.rotate("erp", 0).await.secret)]);
    let password = "correct horse battery staple";
    let (ok, _, error) = store.cli_with(
        &[
            "agents",
            "add",
            "--email",
            "wei@example.com",
            "--name",
            "Wei",
        ],
        &[("HELPCENTER_AGENT_PASSWORD", password)],
    );
    assert!(ok, "{error}");
    let signed_in = store
        .http
        .post(store.url("/v1/console/session"))
        .header("Origin", &store.base)
        .json(&json!({ "site": "acme", "email": "wei@example.com", "password": password }))
        .send()
        .await
        .expect("sign in");
    assert_eq!(signed_in.status(), 200);
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("name=value")
        .to_owned();
    let wei: Value = signed_in.json().await.expect("the agent");
    let wei_id = wei["id"].as_str().expect("an id").to_owned();
    let ticket = store.file("lin@example.com").await;
    for agent_id in [json!(wei_id), Value::Null] {
        let assigned = store
            .http
            .post(store.url(&format!("/v1/console/tickets/{}/assign", ticket.ticket_id)))
            .header("Cookie", &cookie)
            .header("Origin", &store.base)
            .json(&json!({ "agent_id": agent_id }))
            .send()
            .await
            .expect("assign");
        assert_eq!(assigned.status(), 200, "{:?}", assigned.text().await);
    }
    let received = receiver
        .wait_until("created, assigned, unassigned", |r| r.len() >= 3)
        .await;
    let payloads: Vec<WebhookPayload> = received.iter().map(Received::payload).collect();
    let types: Vec<WebhookEventType> = payloads.iter().map(|p| p.event_type).collect();
    assert_eq!(
        types,
        [
            WebhookEventType::Created,
            WebhookEventType::Assigned,
            WebhookEventType::Assigned
        ]
    );
    assert_eq!(
        payloads[1].data.ticket.assignee.as_deref(),
        Some(wei_id.as_str())
    );
    assert_eq!(payloads[2].data.ticket.assignee, None);
    assert_eq!(
        payloads
            .iter()
            .map(|p| p.data.event.seq)
            .collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert!(received.iter().all(|r| r.verified_by == ["erp"]));
}
