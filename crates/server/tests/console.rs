//! The agents' console API over real HTTP against a real SQLite file: signing in and out,
//! sessions that end at once, CSRF, rate limits, one site's agents never reaching another's
//! tickets, the inbox's filters and pages, the actions with who did them, saved replies,
//! evidence for the agent's session and the site's live stream.

mod support;

use helpcenter_api::console::{
    AgentRole, ConsoleStreamEvent, ConsoleTicket, InboxPage, Insights, SavedReply, SignedInAgent,
};
use helpcenter_api::{NewTicket, TicketCreated, TicketView};
use helpcenter_core::{Claim, TicketStatus};
use helpcenter_media::samples::png;
use helpcenter_server::store::Store;
use reqwest::Method;
use serde_json::{Value, json};
use support::{EventStream, TestServer, problem};

const PASSWORD: &str = "correct horse battery staple";

/// A signed-in agent's browser: the session cookie, and the console's own `Origin`.
struct Agent<'s> {
    server: &'s TestServer,
    cookie: String,
    me: SignedInAgent,
}

impl Agent<'_> {
    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.server
            .http
            .request(method, self.server.url(path))
            .header("Cookie", &self.cookie)
            .header("Origin", &self.server.base)
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let response = self.request(Method::GET, path).send().await.expect("get");
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.expect("json")
    }

    async fn post(&self, path: &str, body: Value) -> reqwest::Response {
        self.request(Method::POST, path)
            .json(&body)
            .send()
            .await
            .expect("post")
    }

    async fn act(&self, path: &str, body: Value) -> ConsoleTicket {
        let response = self.post(path, body).await;
        let status = response.status();
        let text = response.text().await.expect("text");
        assert_eq!(status, 200, "POST {path}: {text}");
        serde_json::from_str(&text).expect("a console ticket")
    }

    async fn ticket(&self, id: &str) -> ConsoleTicket {
        self.get(&format!("/v1/console/tickets/{id}")).await
    }

    async fn inbox(&self, query: &str) -> InboxPage {
        self.get(&format!("/v1/console/tickets?{query}")).await
    }
}

async fn store(server: &TestServer) -> Store {
    server.store().await
}

async fn add_agent(server: &TestServer, site: &str, email: &str, name: &str, role: AgentRole) {
    helpcenter_server::agents::add_agent(&store(server).await, site, email, name, role, PASSWORD)
        .await
        .expect("add an agent");
}

async fn sign_in_as(
    server: &TestServer,
    site: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    server
        .http
        .post(server.url("/v1/console/session"))
        .header("Origin", &server.base)
        .json(&json!({"site": site, "email": email, "password": password}))
        .send()
        .await
        .expect("sign in")
}

async fn signed_in<'s>(server: &'s TestServer, site: &str, email: &str) -> Agent<'s> {
    let response = sign_in_as(server, site, email, PASSWORD).await;
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("name=value")
        .to_owned();
    let me = response.json().await.expect("the agent");
    Agent { server, cookie, me }
}

/// A server with Wei (owner) and Li (agent) on the demo site.
async fn team() -> TestServer {
    let server = TestServer::start().await;
    add_agent(&server, "demo", "wei@example.com", "Wei", AgentRole::Owner).await;
    add_agent(&server, "demo", "li@example.com", "Li", AgentRole::Agent).await;
    server
}

fn claim(order: &str, email: &str, category: &str, answers: &[&str], upload: String) -> NewTicket {
    NewTicket {
        claim: Claim {
            category: category.into(),
            answers: answers.iter().map(|a| (*a).to_owned()).collect(),
            order_number: order.into(),
            description: "The blender stopped working after two days; the motor hums.".into(),
            email: email.into(),
            ..Claim::default()
        },
        uploads: vec![upload],
        locale: "en".into(),
        ..NewTicket::default()
    }
}

/// Files a claim on `site` as a shopper does.
async fn file_on(server: &TestServer, site: &str, n: u32, category: &str) -> TicketCreated {
    let upload = server
        .upload_to(site, "photo.png", &png(800, 600, (n % 250) as u8))
        .await;
    let answers: &[&str] = match category {
        "payment_anomaly" => &["double_charge"],
        "order_error" => &["wrong_item"],
        _ => &["fault", "as_instructed"],
    };
    let claim = claim(
        &format!("1000{n:04}"),
        &format!("shopper{n}@example.com"),
        category,
        answers,
        upload,
    );
    let response = server
        .http
        .post(server.url(&format!("/v1/sites/{site}/tickets")))
        .header("Idempotency-Key", format!("{site}-{n}"))
        .json(&claim)
        .send()
        .await
        .expect("create");
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
    response.json().await.expect("created")
}

async fn file(server: &TestServer, n: u32) -> TicketCreated {
    file_on(server, "demo", n, "product_quality").await
}

#[tokio::test]
async fn signing_in_sets_a_strict_cookie_and_wrong_email_or_password_answer_alike() {
    let server = team().await;
    let response = sign_in_as(&server, "demo", "WEI@example.com", PASSWORD).await;
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_owned();
    for part in [
        "hc_console=",
        "HttpOnly",
        "SameSite=Strict",
        "Path=/",
        "Max-Age=43200",
    ] {
        assert!(cookie.contains(part), "{part} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    let me: SignedInAgent = response.json().await.expect("agent");
    assert_eq!(
        (
            me.name.as_str(),
            me.role,
            me.site.as_str(),
            me.site_display_name.as_str()
        ),
        ("Wei", AgentRole::Owner, "demo", "Demo Store")
    );
    let agent = signed_in(&server, "demo", "wei@example.com").await;
    let inbox = agent
        .request(Method::GET, "/v1/console/tickets")
        .send()
        .await
        .expect("inbox");
    assert_eq!(inbox.headers()["cache-control"], "private, no-store");
    let whoami: SignedInAgent = agent.get("/v1/console/session").await;
    assert_eq!(whoami.email, "wei@example.com");

    // Behind a proxy that ends TLS, the cookie is Secure.
    let over_https = server
        .http
        .post(server.url("/v1/console/session"))
        .header("Origin", &server.base)
        .header("X-Forwarded-Proto", "https")
        .json(&json!({"site": "demo", "email": "li@example.com", "password": PASSWORD}))
        .send()
        .await
        .expect("sign in");
    assert!(
        over_https.headers()["set-cookie"]
            .to_str()
            .expect("cookie")
            .contains("; Secure")
    );

    let mut answers = Vec::new();
    for (site, email, password) in [
        ("demo", "wei@example.com", "wrong password!"),
        ("demo", "nobody@example.com", PASSWORD),
        ("elsewhere", "wei@example.com", PASSWORD),
        ("demo", "not an email", PASSWORD),
    ] {
        let response = sign_in_as(&server, site, email, password).await;
        assert!(response.headers().get("set-cookie").is_none());
        let (status, body) = problem(response).await;
        answers.push((status, body["code"].clone(), body["detail"].clone()));
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    assert_eq!(answers[0].0, 401);
    assert_eq!(answers[0].1, "console.sign_in_failed");

    let anonymous = server
        .http
        .get(server.url("/v1/console/tickets"))
        .send()
        .await
        .expect("inbox");
    let (status, body) = problem(anonymous).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("console.session_required"))
    );
}

#[tokio::test]
async fn sign_in_attempts_are_limited_per_account_then_per_address() {
    let server = team().await;
    for _ in 0..5 {
        let response = sign_in_as(&server, "demo", "wei@example.com", "guessing wrong").await;
        assert_eq!(response.status(), 401);
    }
    // The right password does not get through either, now.
    let response = sign_in_as(&server, "demo", "Wei@Example.com", PASSWORD).await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .expect("retry-after")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let (status, body) = problem(response).await;
    assert_eq!((status, body["code"].as_str()), (429, Some("rate_limited")));
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("sign-in attempts")),
        "{body}"
    );
    // Another account from the same address still gets in…
    assert_eq!(
        sign_in_as(&server, "demo", "li@example.com", PASSWORD)
            .await
            .status(),
        200
    );
    // …until the address has made 20 attempts, whatever the accounts (the 7 so far count,
    // the refused one too).
    for n in 0..13 {
        let email = format!("guess{n}@example.com");
        let response = sign_in_as(&server, "demo", &email, PASSWORD).await;
        assert_eq!(response.status(), 401, "attempt {n}");
    }
    let response = sign_in_as(&server, "demo", "li@example.com", PASSWORD).await;
    assert_eq!(response.status(), 429);
}

#[tokio::test]
async fn signing_out_and_disabling_an_agent_end_sessions_at_once() {
    let server = team().await;
    let wei = signed_in(&server, "demo", "wei@example.com").await;
    let response = wei
        .request(Method::DELETE, "/v1/console/session")
        .send()
        .await
        .expect("sign out");
    assert_eq!(response.status(), 204);
    assert!(
        response.headers()["set-cookie"]
            .to_str()
            .expect("cookie")
            .contains("Max-Age=0")
    );
    let again = wei
        .request(Method::GET, "/v1/console/session")
        .send()
        .await
        .expect("whoami");
    let (status, body) = problem(again).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("console.session_required"))
    );

    let li = signed_in(&server, "demo", "li@example.com").await;
    let created = file(&server, 1).await;
    li.ticket(&created.ticket_id).await;
    let mut stream = EventStream::connect(li.request(Method::GET, "/v1/console/events")).await;
    helpcenter_server::agents::disable_agent(&store(&server).await, "demo", "LI@example.com")
        .await
        .expect("disable");
    let refused = li
        .request(
            Method::GET,
            &format!("/v1/console/tickets/{}", created.ticket_id),
        )
        .send()
        .await
        .expect("show");
    let (status, body) = problem(refused).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("console.agent_disabled"))
    );
    let acting = li
        .post(
            &format!("/v1/console/tickets/{}/messages", created.ticket_id),
            json!({"body": "Still here?", "internal": true}),
        )
        .await;
    assert_eq!(acting.status(), 401);
    // The open stream ends at the site's next event instead of carrying it.
    file(&server, 2).await;
    assert!(
        stream.ends_within(5).await,
        "the disabled agent's stream ended"
    );
    let login = sign_in_as(&server, "demo", "li@example.com", PASSWORD).await;
    assert_eq!(login.status(), 401, "a disabled agent cannot sign in again");
}

#[tokio::test]
async fn an_agent_of_one_site_never_sees_or_touches_another_sites_tickets() {
    let server = TestServer::start_with_sites(|demo| {
        let mut corner = demo.clone();
        corner.key = "corner".into();
        corner.display_name = "Corner Shop".into();
        corner.admin_key_sha256 = helpcenter_server::auth::sha256_hex("corner-admin-key");
        vec![corner]
    })
    .await;
    add_agent(&server, "demo", "wei@example.com", "Wei", AgentRole::Owner).await;
    add_agent(
        &server,
        "corner",
        "wei@example.com",
        "Wei at Corner",
        AgentRole::Owner,
    )
    .await;
    let ours = file_on(&server, "demo", 1, "product_quality").await;
    let theirs = file_on(&server, "corner", 2, "product_quality").await;
    let wei = signed_in(&server, "demo", "wei@example.com").await;
    let page = wei.inbox("").await;
    let ids: Vec<&str> = page.items.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, [ours.ticket_id.as_str()]);
    assert_eq!(page.counts.submitted, 1);
    let searched = wei.inbox(&format!("q={}", theirs.ticket_id)).await;
    assert!(searched.items.is_empty());

    let other = &theirs.ticket_id;
    for (method, path, body) in [
        (Method::GET, format!("/v1/console/tickets/{other}"), None),
        (
            Method::GET,
            format!("/v1/console/tickets/{other}/saved-replies"),
            None,
        ),
        (
            Method::GET,
            format!(
                "/v1/console/tickets/{other}/evidence/{}",
                theirs.ticket.evidence[0].id
            ),
            None,
        ),
        (
            Method::POST,
            format!("/v1/console/tickets/{other}/messages"),
            Some(json!({"body": "Hello from the wrong shop", "internal": false})),
        ),
        (
            Method::POST,
            format!("/v1/console/tickets/{other}/transition"),
            Some(json!({"to": "in_review"})),
        ),
        (
            Method::POST,
            format!("/v1/console/tickets/{other}/request-info"),
            Some(json!({"question": "Send a photo"})),
        ),
        (
            Method::POST,
            format!("/v1/console/tickets/{other}/assign"),
            Some(json!({"agent_id": wei.me.id})),
        ),
    ] {
        let mut request = wei.request(method.clone(), &path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let (status, body) = problem(request.send().await.expect("send")).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("ticket.not_found")),
            "{method} {path}"
        );
    }
    // Nothing happened to it.
    let untouched: TicketView = server
        .http
        .get(server.url(&format!("/v1/tickets/{other}")))
        .bearer_auth(&theirs.access_token)
        .send()
        .await
        .expect("show")
        .json()
        .await
        .expect("view");
    assert_eq!(untouched.status, TicketStatus::Submitted);
    assert_eq!(untouched.timeline.len(), 1);
    // The same email on the other site is another account, with its own password check.
    let corner = signed_in(&server, "corner", "wei@example.com").await;
    assert_eq!(corner.me.site, "corner");
    assert_eq!(corner.inbox("").await.items.len(), 1);
    let agents: Vec<helpcenter_api::console::AgentRef> = wei.get("/v1/console/agents").await;
    assert_eq!(agents.len(), 1, "only this site's agents");
}

#[tokio::test]
async fn a_foreign_origin_with_the_cookie_changes_nothing() {
    let server = team().await;
    let wei = signed_in(&server, "demo", "wei@example.com").await;
    let created = file(&server, 1).await;
    let path = format!("/v1/console/tickets/{}/messages", created.ticket_id);
    for origin in [Some("http://evil.example"), Some("null"), None] {
        let mut request = server
            .http
            .post(server.url(&path))
            .header("Cookie", &wei.cookie)
            .json(&json!({"body": "Refund approved!", "internal": false}));
        if let Some(origin) = origin {
            request = request.header("Origin", origin);
        }
        let (status, body) = problem(request.send().await.expect("send")).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (403, Some("console.origin_refused")),
            "{origin:?}"
        );
    }
    let sign_out = server
        .http
        .delete(server.url("/v1/console/session"))
        .header("Cookie", &wei.cookie)
        .header("Origin", "http://evil.example")
        .send()
        .await
        .expect("sign out");
    assert_eq!(sign_out.status(), 403);
    let login = server
        .http
        .post(server.url("/v1/console/session"))
        .header("Origin", "http://evil.example")
        .json(&json!({"site": "demo", "email": "wei@example.com", "password": PASSWORD}))
        .send()
        .await
        .expect("sign in");
    assert_eq!(login.status(), 403);
    let ticket = wei.ticket(&created.ticket_id).await;
    assert_eq!(ticket.timeline.len(), 1, "nothing was added");
    let whoami: SignedInAgent = wei.get("/v1/console/session").await;
    assert_eq!(whoami.name, "Wei", "still signed in");
}

#[tokio::test]
async fn an_internal_note_never_reaches_the_shopper_but_reaches_the_agents_stream() {
    let server = team().await;
    let wei = signed_in(&server, "demo", "wei@example.com").await;
    let created = file(&server, 1).await;
    let id = &created.ticket_id;
    let mut shopper = EventStream::open(&server, id, &created.access_token, Some(1)).await;
    let mut agents = EventStream::connect(wei.request(Method::GET, "/v1/console/events")).await;
    wei.act(
        &format!("/v1/console/tickets/{id}/messages"),
        json!({"body": "Customer called twice; be gentle.", "internal": true}),
    )
    .await;
    wei.act(
        &format!("/v1/console/tickets/{id}/messages"),
        json!({"body": "We are looking into it.", "internal": false}),
    )
    .await;
    let first = shopper.next().await;
    assert_eq!(first.message.as_deref(), Some("We are looking into it."));
    let view = server
        .http
        .get(server.url(&format!("/v1/tickets/{id}")))
        .bearer_auth(&created.access_token)
        .send()
        .await
        .expect("show")
        .text()
        .await
        .expect("text");
    assert!(view.contains("We are looking into it."));
    assert!(!view.contains("be gentle"), "{view}");

    let (_, note) = agents.next_message().await;
    let note: ConsoleStreamEvent = serde_json::from_str(&note).expect("stream event");
    assert!(note.event.internal);
    assert_eq!(note.event.by.as_deref(), Some("Wei"));
    let (_, message) = agents.next_message().await;
    let message: ConsoleStreamEvent = serde_json::from_str(&message).expect("stream event");
    assert!(!message.event.internal);
    assert!(message.cursor > note.cursor);
}

#[tokio::test]
async fn the_site_stream_shows_new_claims_live_and_replays_after_last_event_id() {
    let server = team().await;
    let wei = signed_in(&server, "demo", "wei@example.com").await;
    let mut stream = EventStream::connect(wei.request(Method::GET, "/v1/console/events")).await;
    let created = file(&server, 1).await;
    let (id, data) = stream.next_message().await;
    let event: ConsoleStreamEvent = serde_json::from_str(&data).expect("stream event");
    assert_eq!(event.ticket_id, created.ticket_id);
    assert_eq!(event.ticket.status, TicketStatus::Submitted);
    assert_eq!(event.ticket.email, "shopper1@example.com");
    assert_eq!(id, Some(event.cursor.to_string()));
    drop(stream);

    // Missed while away: replayed in order, then live again.
    let second = file(&server, 2).await;
    wei.act(
        &format!("/v1/console/tickets/{}/assign", created.ticket_id),
        json!({"agent_id": wei.me.id}),
    )
    .await;
    let mut resumed = EventStream::connect(
        wei.request(Method::GET, "/v1/console/events")
            .header("Last-Event-ID", event.cursor.to_string()),
    )
    .await;
    let (_, a) = resumed.next_message().await;
    let a: ConsoleStreamEvent = serde_json::from_str(&a).expect("event");
    assert_eq!(a.ticket_id, second.ticket_id);
    let (_, b) = resumed.next_message().await;
    let b: ConsoleStreamEvent = serde_json::from_str(&b).expect("event");
    assert_eq!(b.ticket_id, created.ticket_id);
    assert_eq!(
        b.event.kind,
        helpcenter_api::console::ConsoleEventKind::Assigned
    );
    assert_eq!(
        b.event.assigned_to.as_ref().map(|a| a.name.as_str()),
        Some("Wei")
    );
    assert_eq!(
        b.ticket.assignee.as_ref().map(|a| a.id.as_str()),
        Some(wei.me.id.as_str())
    );
    let third = file(&server, 3).await;
    let (_, c) = resumed.next_message().await;
    let c: ConsoleStreamEvent = serde_json::from_str(&c).expect("event");
    assert_eq!(c.ticket_id, third.ticket_id);
    // The query parameter does the same for a client that opens the stream itself.
    let mut by_query = EventStream::connect(wei.request(
        Method::GET,
        &format!("/v1/console/events?last_event_id={}", b.cursor),
    ))
    .await;
    let (_, again) = by_query.next_message().await;
    let again: ConsoleStreamEvent = serde_json::from_str(&again).expect("event");
    assert_eq!(again.cursor, c.cursor);
}

#[tokio::test]
async fn asking_for_information_straight_from_a_new_ticket_works_from_console_and_admin_api() {
    let server = team().await;
    let wei = signed_in(&server, "demo", "wei@example.com").await;
    let first = file(&server, 1).await;
    let ticket = wei
        .act(
            &format!("/v1/console/tickets/{}/request-info", first.ticket_id),
            json!({"question": "Please send a photo of the label."}),
        )
        .await;
    assert_eq!(ticket.status, TicketStatus::NeedsInfo);
    let steps: Vec<_> = ticket
        .timeline
        .iter()
        .skip(1)
        .map(|e| (e.status, e.by.as_deref(), e.message.as_deref()))
        .collect();
    assert_eq!(
        steps,
        [
            (TicketStatus::InReview, Some("Wei"), None),
            (
                TicketStatus::NeedsInfo,
                Some("Wei"),
                Some("Please send a photo of the label.")
            ),
        ]
    );
    // Asking again while the shopper has not answered is refused, naming where it can go.
    let again = wei
        .post(
            &format!("/v1/console/tickets/{}/request-info", first.ticket_id),
            json!({"question": "And the receipt?"}),
        )
        .await;
    let (status, body) = problem(again).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("ticket.transition_not_allowed"))
    );
    let blank = wei
        .post(
            &format!(
                "/v1/console/tickets/{}/request-info",
                file(&server, 9).await.ticket_id
            ),
            json!({"question": "   "}),
        )
        .await;
    let (status, body) = problem(blank).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("message.required"))
    );

    // The admin API follows the same rule, shorthand and transition alike.
    let second = file(&server, 2).await;
    let response = server
        .admin(server.http.post(server.url(&format!(
            "/v1/admin/tickets/{}/request-info",
            second.ticket_id
        ))))
        .json(&json!({"message": "Which colour did you order?"}))
        .send()
        .await
        .expect("request info");
    assert_eq!(response.status(), 200);
    let third = file(&server, 3).await;
    let response = server
        .admin(
            server
                .http
                .post(server.url(&format!("/v1/admin/tickets/{}/transition", third.ticket_id))),
        )
        .json(&json!({"to": "needs_info", "message": "Which size?"}))
        .send()
        .await
        .expect("transition");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("admin view");
    assert_eq!(body["status"], "needs_info");
    assert_eq!(
        body["acted_by"],
        json!([
            {"seq": 2, "by": "admin key"},
            {"seq": 3, "by": "admin key"},
        ])
    );
    let shopper: TicketView = server
        .http
        .get(server.url(&format!("/v1/tickets/{}", third.ticket_id)))
        .bearer_auth(&third.access_token)
        .send()
        .await
        .expect("show")
        .json()
        .await
        .expect("view");
    assert_eq!(shopper.status, TicketStatus::NeedsInfo);
    assert_eq!(
        shopper.timeline.last().and_then(|e| e.message.as_deref()),
        Some("Which size?")
    );
}

#[tokio::test]
async fn every_action_shows_the_agent_who_did_it() {
    let server = team().await;
    let wei = signed_in(&server, "demo", "wei@example.com").await;
    let li = signed_in(&server, "demo", "li@example.com").await;
    let created = file(&server, 1).await;
    let id = &created.ticket_id;
    let path = |action: &str| format!("/v1/console/tickets/{id}/{action}");
    wei.act(&path("assign"), json!({"agent_id": li.me.id}))
        .await;
    li.act(&path("transition"), json!({"to": "in_review"}))
        .await;
    li.act(
        &path("messages"),
        json!({"body": "Checking with the warehouse.", "internal": true}),
    )
    .await;
    wei.act(
        &path("messages"),
        json!({"body": "We are on it.", "internal": false}),
    )
    .await;
    li.act(
        &path("transition"),
        json!({"to": "resolved", "resolution": "exchange", "message": "We will send a new one."}),
    )
    .await;
    server
        .admin(
            server
                .http
                .post(server.url(&format!("/v1/admin/tickets/{id}/transition"))),
        )
        .json(&json!({"to": "closed"}))
        .send()
        .await
        .expect("close");
    let ticket = li.ticket(id).await;
    let who: Vec<_> = ticket
        .timeline
        .iter()
        .map(|e| (e.kind, e.by.as_deref(), e.internal))
        .collect();
    use helpcenter_api::console::ConsoleEventKind::*;
    assert_eq!(
        who,
        [
            (Created, None, false),
            (Assigned, Some("Wei"), true),
            (StatusChanged, Some("Li"), false),
            (InternalNote, Some("Li"), true),
            (Message, Some("Wei"), false),
            (StatusChanged, Some("Li"), false),
            (StatusChanged, Some("admin key"), false),
        ]
    );
    assert_eq!(
        ticket.assignee.as_ref().map(|a| a.name.as_str()),
        Some("Li")
    );
    assert_eq!(ticket.status, TicketStatus::Closed);
    assert!(ticket.agent_can.is_empty());
    assert!(!ticket.can_request_info);

    // The admin API names them too, and never shows the assignment to the shopper.
    let admin: Value = server.admin_view(id).await;
    let names: Vec<&str> = admin["acted_by"]
        .as_array()
        .expect("acted_by")
        .iter()
        .filter_map(|a| a["by"].as_str())
        .collect();
    assert_eq!(names, ["Wei", "Li", "Li", "Wei", "Li", "admin key"]);
    let shopper: TicketView = server
        .http
        .get(server.url(&format!("/v1/tickets/{id}")))
        .bearer_auth(&created.access_token)
        .send()
        .await
        .expect("show")
        .json()
        .await
        .expect("view");
    assert_eq!(shopper.timeline.len(), 5, "no note, no assignment");

    // Assigning to an agent the site does not have is refused.
    let refused = wei
        .post(&path("assign"), json!({"agent_id": "ag_nobody"}))
        .await;
    let (status, body) = problem(refused).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("console.agent_not_found"))
    );
}

#[tokio::test]
async fn the_inbox_filters_searches_sorts_and_pages_without_gaps_or_repeats() {
    let server = team().await;
    let wei = signed_in(&server, "demo", "wei@example.com").await;
    let li = signed_in(&server, "demo", "li@example.com").await;
    let mut ids = Vec::new();
    for n in 0..30 {
        let category = match n % 3 {
            0 => "product_quality",
            1 => "payment_anomaly",
            _ => "order_error",
        };
        ids.push(file_on(&server, "demo", n, category).await.ticket_id);
    }
    // Some taken, some reviewed, a few overdue (their promise moved into the past).
    for id in &ids[..4] {
        wei.act(
            &format!("/v1/console/tickets/{id}/assign"),
            json!({"agent_id": wei.me.id}),
        )
        .await;
    }
    for id in &ids[4..6] {
        wei.act(
            &format!("/v1/console/tickets/{id}/assign"),
            json!({"agent_id": li.me.id}),
        )
        .await;
    }
    for id in &ids[10..15] {
        li.act(
            &format!("/v1/console/tickets/{id}/transition"),
            json!({"to": "in_review"}),
        )
        .await;
    }
    let pool = server.db().await;
    for (i, id) in ids[20..23].iter().enumerate() {
        sqlx::query("UPDATE tickets SET respond_by = $1 WHERE id = $2")
            .bind(format!("2026-01-0{}T00:00:00.000000Z", i + 1))
            .bind(id)
            .execute(&pool)
            .await
            .expect("backdate");
    }

    let all = wei.inbox("limit=200").await;
    assert_eq!(all.items.len(), 30);
    assert_eq!((all.counts.submitted, all.counts.in_review), (25, 5));
    assert!(all.next.is_none());
    let updated: Vec<&str> = all.items.iter().map(|t| t.updated_at.as_str()).collect();
    assert!(
        updated.windows(2).all(|w| w[0] >= w[1]),
        "latest change first"
    );

    let reviewed = wei.inbox("status=in_review").await;
    let mut got: Vec<&str> = reviewed.items.iter().map(|t| t.id.as_str()).collect();
    let mut want: Vec<&str> = ids[10..15].iter().map(String::as_str).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(
        reviewed.counts.submitted, 25,
        "counts ignore the status filter"
    );
    assert_eq!(
        wei.inbox("status=submitted,in_review").await.items.len(),
        30
    );

    let payments = wei.inbox("category=payment_anomaly").await;
    assert_eq!(payments.items.len(), 10);
    assert!(
        payments
            .items
            .iter()
            .all(|t| t.category == "payment_anomaly")
    );
    assert_eq!(payments.counts.submitted + payments.counts.in_review, 10);
    assert_eq!(wei.inbox("outcome=payment_anomaly").await.items.len(), 10);

    let mine = wei.inbox("assignee=me").await;
    assert_eq!(mine.items.len(), 4);
    assert!(
        mine.items
            .iter()
            .all(|t| t.assignee.as_ref().is_some_and(|a| a.name == "Wei"))
    );
    assert_eq!(li.inbox("assignee=me").await.items.len(), 2);
    assert_eq!(
        wei.inbox(&format!("assignee={}", li.me.id))
            .await
            .items
            .len(),
        2
    );
    assert_eq!(wei.inbox("assignee=unassigned").await.items.len(), 24);

    let overdue = wei.inbox("due=overdue&sort=respond_by").await;
    let got: Vec<&str> = overdue.items.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(
        got,
        [&ids[20], &ids[21], &ids[22]],
        "the longest overdue first"
    );
    assert_eq!(
        wei.inbox("due=today").await.items.len(),
        3,
        "due later than today: not yet"
    );

    // Search: ticket id (any case, a prefix), order number as the shopper wrote it, email.
    let target = &ids[17];
    let found = wei.inbox(&format!("q={}", target.to_lowercase())).await;
    assert_eq!(
        found
            .items
            .iter()
            .map(|t| t.id.as_str())
            .collect::<Vec<_>>(),
        [target.as_str()]
    );
    let by_order = wei.inbox("q=%2310000017").await;
    assert_eq!(by_order.items.len(), 1);
    assert_eq!(by_order.items[0].order_number, "10000017");
    let by_email = wei.inbox("q=Shopper17%40EXAMPLE.com").await;
    assert_eq!(by_email.items.len(), 1);
    assert_eq!(
        wei.inbox("q=shopper1").await.items.len(),
        11,
        "shopper1, shopper10…19"
    );
    assert!(
        wei.inbox("q=%25").await.items.is_empty(),
        "wildcards are literal"
    );

    // Pages of 7 in both orders: every ticket once, in order.
    for sort in ["updated", "respond_by"] {
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        let mut pages = 0;
        loop {
            let query = match &after {
                Some(cursor) => format!("sort={sort}&limit=7&after={cursor}"),
                None => format!("sort={sort}&limit=7"),
            };
            let page = wei.inbox(&query).await;
            assert!(page.items.len() <= 7);
            seen.extend(
                page.items
                    .iter()
                    .map(|t| (t.id.clone(), t.respond_by.clone(), t.updated_at.clone())),
            );
            pages += 1;
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        assert_eq!(pages, 5, "{sort}");
        let mut unique: Vec<&String> = seen.iter().map(|(id, _, _)| id).collect();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 30, "{sort}: no gaps, no repeats");
        if sort == "respond_by" {
            assert!(
                seen.windows(2).all(|w| w[0].1 <= w[1].1),
                "soonest promise first"
            );
        } else {
            assert!(
                seen.windows(2).all(|w| w[0].2 >= w[1].2),
                "latest change first"
            );
        }
    }
    let mismatched = wei
        .request(Method::GET, "/v1/console/tickets?sort=updated&limit=7")
        .send()
        .await
        .expect("page");
    let next = mismatched
        .json::<InboxPage>()
        .await
        .expect("page")
        .next
        .expect("next");
    let refused = wei
        .request(
            Method::GET,
            &format!("/v1/console/tickets?sort=respond_by&after={next}"),
        )
        .send()
        .await
        .expect("page");
    let (status, body) = problem(refused).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("console.cursor_invalid"))
    );
}

#[tokio::test]
async fn saved_replies_are_kept_by_owners_and_filled_in_for_a_ticket() {
    let server = team().await;
    let wei = signed_in(&server, "demo", "wei@example.com").await;
    let li = signed_in(&server, "demo", "li@example.com").await;
    let reply = json!({
        "title": "Label photo",
        "body_en": "For {ticket_id} (order {order_number}): please send a photo of the label. We answer by {respond_by}.",
        "body_zh": "工单 {ticket_id}（订单 {order_number}）：请发送标签照片。",
    });
    let refused = li.post("/v1/console/saved-replies", reply.clone()).await;
    let (status, body) = problem(refused).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("console.owner_only"))
    );
    let typo = wei
        .post(
            "/v1/console/saved-replies",
            json!({"title": "Typo", "body_en": "Order {order}", "body_zh": "订单"}),
        )
        .await;
    let (status, body) = problem(typo).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("saved_reply.invalid"))
    );
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("{order}")),
        "{body}"
    );
    let created = wei.post("/v1/console/saved-replies", reply).await;
    assert_eq!(created.status(), 201);
    let saved: SavedReply = created.json().await.expect("saved reply");

    let ticket = file(&server, 7).await;
    let filled: Vec<SavedReply> = li
        .get(&format!(
            "/v1/console/tickets/{}/saved-replies",
            ticket.ticket_id
        ))
        .await;
    assert_eq!(filled.len(), 1);
    let view = li.ticket(&ticket.ticket_id).await;
    let respond_by = &view.placeholders.respond_by;
    assert!(respond_by.ends_with("(Asia/Shanghai)"), "{respond_by}");
    assert_eq!(
        filled[0].body_en,
        format!(
            "For {} (order 10000007): please send a photo of the label. We answer by {respond_by}.",
            ticket.ticket_id
        )
    );
    assert_eq!(
        filled[0].body_en,
        helpcenter_core::expand_reply(&saved.body_en, &view.placeholders),
        "the console's preview is what the server fills in"
    );
    assert!(
        filled[0]
            .body_zh
            .starts_with(&format!("工单 {}", ticket.ticket_id))
    );

    // Used as the question: the shopper reads it filled in.
    li.act(
        &format!("/v1/console/tickets/{}/request-info", ticket.ticket_id),
        json!({"question": filled[0].body_en}),
    )
    .await;
    let shopper: TicketView = server
        .http
        .get(server.url(&format!("/v1/tickets/{}", ticket.ticket_id)))
        .bearer_auth(&ticket.access_token)
        .send()
        .await
        .expect("show")
        .json()
        .await
        .expect("view");
    let asked = shopper
        .timeline
        .last()
        .and_then(|e| e.message.clone())
        .unwrap_or_default();
    assert!(asked.contains("order 10000007"), "{asked}");

    let changed = wei
        .request(Method::PUT, &format!("/v1/console/saved-replies/{}", saved.id))
        .json(&json!({"title": "Label photo, please", "body_en": "Label for {ticket_id}", "body_zh": "标签 {ticket_id}"}))
        .send()
        .await
        .expect("update");
    assert_eq!(changed.status(), 200);
    let list: Vec<SavedReply> = li.get("/v1/console/saved-replies").await;
    assert_eq!(list[0].title, "Label photo, please");
    let deleted = wei
        .request(
            Method::DELETE,
            &format!("/v1/console/saved-replies/{}", saved.id),
        )
        .send()
        .await
        .expect("delete");
    assert_eq!(deleted.status(), 204);
    let gone = wei
        .request(
            Method::DELETE,
            &format!("/v1/console/saved-replies/{}", saved.id),
        )
        .send()
        .await
        .expect("delete");
    let (status, body) = problem(gone).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("saved_reply.not_found"))
    );
}

#[tokio::test]
async fn the_agents_session_opens_the_evidence_with_what_its_bytes_are() {
    let server = team().await;
    let wei = signed_in(&server, "demo", "wei@example.com").await;
    let bytes = png(800, 600, 42);
    let upload = server.upload("blender.png", &bytes).await;
    let claim = claim(
        "10023456",
        "wei@example.com",
        "product_quality",
        &["fault", "as_instructed"],
        upload,
    );
    let created: TicketCreated = server
        .http
        .post(server.url("/v1/sites/demo/tickets"))
        .header("Idempotency-Key", "evidence-1")
        .json(&claim)
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("created");
    let ticket = wei.ticket(&created.ticket_id).await;
    let file = &ticket.evidence[0];
    assert_eq!(
        (file.width, file.height, file.bytes),
        (Some(800), Some(600), bytes.len() as u64)
    );
    assert_eq!(file.media_type, helpcenter_core::MediaType::Png);
    assert_eq!(file.event_seq, Some(1));
    assert_eq!(ticket.timeline[0].evidence, std::slice::from_ref(&file.id));
    let response = wei
        .request(Method::GET, &file.url)
        .send()
        .await
        .expect("evidence");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(
        response.bytes().await.expect("bytes").as_ref(),
        bytes.as_slice()
    );
    let part = wei
        .request(Method::GET, &file.url)
        .header("Range", "bytes=8-23")
        .send()
        .await
        .expect("a part");
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes 8-23/{}", bytes.len()).as_str()
    );
    assert_eq!(part.bytes().await.expect("bytes").as_ref(), &bytes[8..24]);
    let tail = wei
        .request(Method::GET, &file.url)
        .header("Range", "bytes=-10")
        .send()
        .await
        .expect("the tail");
    assert_eq!(tail.status(), 206);
    assert_eq!(
        tail.bytes().await.expect("bytes").as_ref(),
        &bytes[bytes.len() - 10..]
    );
    let anonymous = server
        .http
        .get(server.url(&file.url))
        .send()
        .await
        .expect("evidence");
    assert_eq!(anonymous.status(), 401);

    // The claim as filed, in words.
    assert_eq!(ticket.decision.len(), 2);
    assert!(!ticket.decision[0].question.is_empty() && !ticket.decision[0].answer.is_empty());
    assert_ne!(
        ticket.decision[0].question, ticket.decision[0].question_id,
        "words, not ids"
    );
    let zh = wei
        .get::<ConsoleTicket>(&format!(
            "/v1/console/tickets/{}?locale=zh-CN",
            created.ticket_id
        ))
        .await;
    assert_ne!(zh.decision[0].question, ticket.decision[0].question);
    assert_eq!(ticket.email, "wei@example.com");
    assert!(ticket.can_request_info, "from a new ticket too");
}

#[tokio::test]
async fn insights_count_the_claims_and_the_promises_kept() {
    let server = team().await;
    let wei = signed_in(&server, "demo", "wei@example.com").await;
    let a = file(&server, 1).await;
    let b = file_on(&server, "demo", 2, "payment_anomaly").await;
    file(&server, 3).await;
    wei.act(
        &format!("/v1/console/tickets/{}/messages", a.ticket_id),
        json!({"body": "On it.", "internal": false}),
    )
    .await;
    wei.act(
        &format!("/v1/console/tickets/{}/messages", b.ticket_id),
        json!({"body": "Only a note.", "internal": true}),
    )
    .await;
    wei.act(
        &format!("/v1/console/tickets/{}/transition", b.ticket_id),
        json!({"to": "in_review"}),
    )
    .await;
    wei.act(
        &format!("/v1/console/tickets/{}/transition", b.ticket_id),
        json!({"to": "resolved", "resolution": "refund"}),
    )
    .await;
    server
        .http
        .post(server.url(&format!("/v1/tickets/{}/escalate", b.ticket_id)))
        .bearer_auth(&b.access_token)
        .json(&json!({"message": "The refund is too small."}))
        .send()
        .await
        .expect("escalate");
    let insights: Insights = wei.get("/v1/console/insights").await;
    let total: u32 = insights.weeks.iter().map(|w| w.total).sum();
    assert_eq!(total, 3);
    assert_eq!(insights.weeks.len(), 13, "12 weeks back and this one");
    let this_week = insights.weeks.last().expect("this week");
    assert_eq!(this_week.total, 3);
    let quality = this_week
        .by_category
        .iter()
        .find(|c| c.key == "product_quality");
    assert_eq!(quality.map(|c| c.count), Some(2));
    assert_eq!(
        insights.first_answers.answered, 2,
        "a note is not an answer"
    );
    assert_eq!(insights.first_answers.on_time, 2);
    assert_eq!(insights.first_answers.share_on_time, Some(1.0));
    assert!(insights.first_answers.median_hours.is_some_and(|h| h < 1.0));
    assert_eq!(insights.disputes, 1);
    assert_eq!(insights.disputes_open, 1);
    assert_eq!(insights.overdue_now, 0);
    assert!(
        insights.resolutions.is_empty(),
        "escalated since: not resolved now"
    );

    let refused = wei
        .request(
            Method::GET,
            "/v1/console/insights?from=2026-12-01&to=2026-11-01",
        )
        .send()
        .await
        .expect("insights");
    let (status, body) = problem(refused).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("console.period_invalid"))
    );
    let long_ago: Insights = wei
        .get("/v1/console/insights?from=2020-01-06&to=2020-01-12")
        .await;
    assert_eq!(long_ago.weeks.len(), 1);
    assert_eq!(long_ago.weeks[0].total, 0);
}

#[tokio::test]
async fn an_expired_session_is_told_so_and_the_admin_view_links_its_files_for_the_admin_key() {
    let server = team().await;
    let wei = signed_in(&server, "demo", "wei@example.com").await;
    let pool = server.db().await;
    sqlx::query("UPDATE agent_sessions SET expires_at = '2026-01-01T00:00:00.000000Z'")
        .execute(&pool)
        .await
        .expect("expire");
    let refused = wei
        .request(Method::GET, "/v1/console/session")
        .send()
        .await
        .expect("whoami");
    let (status, body) = problem(refused).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("console.session_expired"))
    );
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("sign in again")),
        "{body}"
    );

    let created = file(&server, 1).await;
    let admin: Value = server
        .admin(
            server
                .http
                .get(server.url(&format!("/v1/admin/tickets/{}", created.ticket_id))),
        )
        .send()
        .await
        .expect("admin show")
        .json()
        .await
        .expect("json");
    let url = admin["evidence"][0]["url"].as_str().expect("url");
    assert!(url.starts_with("/v1/admin/tickets/"), "{url}");
    let file = server
        .admin(server.http.get(server.url(url)))
        .send()
        .await
        .expect("file");
    assert_eq!(file.status(), 200);
}
