//! Tickets over real HTTP against a real SQLite file: the whole lifecycle with a live event
//! stream, idempotent creation, refusals with helpcenter-core's codes, and who may see what.

mod support;

use helpcenter_api::{EventKind, NewTicket, TicketCreated, TicketView};
use helpcenter_core::{Claim, TicketStatus};
use helpcenter_media::samples::png;
use helpcenter_server::rate_limit::RateLimits;
use serde_json::{Value, json};
use support::{EventStream, TestServer, problem};

use support::claims::broken_blender;

async fn create(server: &TestServer, key: &str, claim: &NewTicket) -> reqwest::Response {
    server
        .http
        .post(server.url("/v1/sites/demo/tickets"))
        .header("Idempotency-Key", key)
        .json(claim)
        .send()
        .await
        .expect("create ticket")
}

async fn file_claim(server: &TestServer, key: &str) -> TicketCreated {
    let photo = server
        .upload("blender.png", &png(800, 600, key.len() as u8))
        .await;
    let response = create(server, key, &broken_blender(vec![photo])).await;
    assert_eq!(response.status(), 201);
    response.json().await.expect("ticket created")
}

/// `claim` (its order number and email) made a claim of a box crushed in transit, delivered
/// on `delivered_on`.
fn transit_damage(delivered_on: String, claim: Claim) -> Claim {
    Claim {
        category: "logistics_delivery".into(),
        answers: vec!["damaged".into()],
        delivered_on,
        description: "The box was crushed and the kettle inside is dented on one side.".into(),
        ..claim
    }
}

/// The box and the item, as transit damage needs.
async fn photos(server: &TestServer, seed: u8) -> Vec<String> {
    vec![
        server.upload("box.png", &png(800, 600, seed)).await,
        server.upload("item.png", &png(800, 600, seed + 1)).await,
    ]
}

fn codes(body: &Value) -> Vec<(String, String)> {
    body["problems"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    (
                        p["field"].as_str().unwrap_or("").to_owned(),
                        p["code"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn the_whole_lifecycle_reaches_an_open_event_stream_as_it_happens() {
    let server = TestServer::start().await;
    let created = file_claim(&server, "life-1").await;
    assert!(created.ticket_id.starts_with("HC-") && created.ticket_id.len() == 9);
    assert_eq!(created.ticket.status, TicketStatus::Submitted);
    assert_eq!(created.ticket.outcome, "quality_defect");
    assert_eq!(created.ticket.evidence.len(), 1);
    let id = created.ticket_id.clone();
    let mut stream = EventStream::open(&server, &id, &created.access_token, None).await;
    assert_eq!(stream.next().await.kind, EventKind::Created);

    let transition = |body: Value| {
        server
            .admin(
                server
                    .http
                    .post(server.url(&format!("/v1/admin/tickets/{id}/transition"))),
            )
            .json(&body)
            .send()
    };
    assert_eq!(
        transition(json!({"to": "in_review"}))
            .await
            .expect("send")
            .status(),
        200
    );
    assert_eq!(stream.next().await.status, TicketStatus::InReview);

    let asked = server
        .admin(
            server
                .http
                .post(server.url(&format!("/v1/admin/tickets/{id}/request-info"))),
        )
        .json(&json!({"message": "Could you send a photo of the serial-number label?"}))
        .send()
        .await
        .expect("request info");
    assert_eq!(asked.status(), 200);
    let event = stream.next().await;
    assert_eq!(
        (event.kind, event.status),
        (EventKind::InfoRequested, TicketStatus::NeedsInfo)
    );
    assert_eq!(
        event.message.as_deref(),
        Some("Could you send a photo of the serial-number label?")
    );

    let label = server.upload("label.png", &png(640, 480, 99)).await;
    let replied = server
        .http
        .post(server.url(&format!("/v1/tickets/{id}/replies")))
        .bearer_auth(&created.access_token)
        .json(&json!({"message": "Here is the label.", "uploads": [label]}))
        .send()
        .await
        .expect("reply");
    assert_eq!(replied.status(), 200);
    let event = stream.next().await;
    assert_eq!(
        (event.kind, event.status),
        (EventKind::ShopperReply, TicketStatus::InReview)
    );
    assert_eq!(event.evidence, std::slice::from_ref(&label));

    // The agent sees the new photo among the evidence.
    let seen: Value = server.admin_view(&id).await;
    let files: Vec<&str> = seen["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    assert_eq!(files.len(), 2);
    assert!(files.contains(&label.as_str()));
    let download = server
        .admin(
            server
                .http
                .get(server.url(&format!("/v1/admin/tickets/{id}/evidence/{label}"))),
        )
        .send()
        .await
        .expect("download");
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["x-content-type-options"], "nosniff");
    assert!(
        download.headers()["content-disposition"]
            .to_str()
            .unwrap_or("")
            .starts_with("attachment")
    );
    assert_eq!(
        download.bytes().await.expect("bytes").as_ref(),
        png(640, 480, 99).as_slice()
    );

    assert_eq!(
        transition(
            json!({"to": "resolved", "resolution": "exchange", "message": "We'll send a new one."})
        )
        .await
        .expect("send")
        .status(),
        200
    );
    let event = stream.next().await;
    assert_eq!(
        (event.status, event.resolution),
        (
            TicketStatus::Resolved,
            Some(helpcenter_core::ResolutionKind::Exchange)
        )
    );
    assert_eq!(
        transition(json!({"to": "closed"}))
            .await
            .expect("send")
            .status(),
        200
    );
    assert_eq!(stream.next().await.status, TicketStatus::Closed);

    let ticket: TicketView = server
        .http
        .get(server.url(&format!("/v1/tickets/{id}")))
        .bearer_auth(&created.access_token)
        .send()
        .await
        .expect("show")
        .json()
        .await
        .expect("json");
    let statuses: Vec<TicketStatus> = ticket.timeline.iter().map(|e| e.status).collect();
    use TicketStatus::*;
    assert_eq!(
        statuses,
        [Submitted, InReview, NeedsInfo, InReview, Resolved, Closed]
    );
}

#[tokio::test]
async fn an_invalid_transition_is_a_conflict_naming_the_allowed_ones() {
    let server = TestServer::start().await;
    let created = file_claim(&server, "conflict-1").await;
    let response = server
        .admin(server.http.post(server.url(&format!(
            "/v1/admin/tickets/{}/transition",
            created.ticket_id
        ))))
        .json(&json!({"to": "closed"}))
        .send()
        .await
        .expect("send");
    let (status, body) = problem(response).await;
    assert_eq!(status, 409);
    assert_eq!(body["code"], "ticket.transition_not_allowed");
    assert_eq!(body["allowed"], json!(["in_review", "escalated"]));
}

#[tokio::test]
async fn internal_notes_never_reach_the_shopper() {
    let server = TestServer::start().await;
    let created = file_claim(&server, "note-1").await;
    let id = &created.ticket_id;
    for (body, internal) in [
        ("Customer called twice; be gentle.", true),
        ("We are looking into it.", false),
    ] {
        let response = server
            .admin(
                server
                    .http
                    .post(server.url(&format!("/v1/admin/tickets/{id}/messages"))),
            )
            .json(&json!({"body": body, "internal": internal}))
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), 200);
    }
    let shopper = server
        .http
        .get(server.url(&format!("/v1/tickets/{id}")))
        .bearer_auth(&created.access_token)
        .send()
        .await
        .expect("show")
        .text()
        .await
        .expect("text");
    assert!(shopper.contains("We are looking into it."));
    assert!(!shopper.contains("be gentle"), "{shopper}");
}

#[tokio::test]
async fn the_shopper_reads_back_their_claim_as_they_made_it() {
    let server = TestServer::start().await;
    let created = file_claim(&server, "as-filed-1").await;
    let seen = shopper_sees(&server, &created).await;
    let filed = broken_blender(Vec::new()).claim;
    assert_eq!(seen.description, filed.description, "what they wrote");
    assert_eq!(
        seen.answers, filed.answers,
        "the answers they picked, in order"
    );
    assert_eq!(
        seen.order_number, "10023456",
        "the order number, without the #"
    );
}

#[tokio::test]
async fn an_agents_overlong_message_is_refused_as_a_shoppers_is() {
    let server = TestServer::start().await;
    let created = file_claim(&server, "long-note").await;
    let id = &created.ticket_id;
    let too_long = "你".repeat(helpcenter_core::limits::MAX_SHOPPER_MESSAGE_CHARS + 1);
    let shoppers = problem(
        server
            .http
            .post(server.url(&format!("/v1/tickets/{id}/escalate")))
            .bearer_auth(&created.access_token)
            .json(&json!({ "message": too_long }))
            .send()
            .await
            .expect("send"),
    )
    .await;
    let answer = |(status, body): (u16, Value)| (status, body["code"].clone(), codes(&body));
    let shoppers = answer(shoppers);
    assert_eq!(
        shoppers,
        (
            422,
            json!("submission.invalid"),
            vec![("message".to_owned(), "message.too_long".to_owned())]
        )
    );
    let admin_post = |path: &str, body: Value| {
        server
            .admin(
                server
                    .http
                    .post(server.url(&format!("/v1/admin/tickets/{id}/{path}"))),
            )
            .json(&body)
            .send()
    };
    for (path, body) in [
        ("messages", json!({"body": too_long, "internal": false})),
        (
            "transition",
            json!({"to": "in_review", "message": too_long}),
        ),
    ] {
        let response = admin_post(path, body).await.expect("send");
        assert_eq!(answer(problem(response).await), shoppers, "{path}");
    }
    assert_eq!(
        shopper_sees(&server, &created).await.status,
        TicketStatus::Submitted,
        "a refused transition does not move the ticket"
    );

    let reviewing = admin_post("transition", json!({"to": "in_review"}))
        .await
        .expect("send");
    assert_eq!(reviewing.status(), 200);
    let response = admin_post("request-info", json!({ "message": too_long }))
        .await
        .expect("send");
    assert_eq!(answer(problem(response).await), shoppers, "request-info");
    assert_eq!(
        shopper_sees(&server, &created).await.status,
        TicketStatus::InReview,
        "the shopper is not asked anything by a refused request"
    );

    let at_limit = "你".repeat(helpcenter_core::limits::MAX_SHOPPER_MESSAGE_CHARS);
    let kept = admin_post("messages", json!({"body": at_limit, "internal": true}))
        .await
        .expect("send");
    assert_eq!(kept.status(), 200, "a message at the limit is kept");
}

#[tokio::test]
async fn a_retried_create_returns_the_same_ticket_and_concurrent_duplicates_make_one() {
    let server = TestServer::start().await;
    let photo = server.upload("a.png", &png(800, 600, 1)).await;
    let claim = broken_blender(vec![photo]);
    let first: TicketCreated = create(&server, "key-1", &claim)
        .await
        .json()
        .await
        .expect("json");
    let again = create(&server, "key-1", &claim).await;
    assert_eq!(again.status(), 200);
    let again: TicketCreated = again.json().await.expect("json");
    assert_eq!(
        (again.ticket_id, again.access_token),
        (first.ticket_id.clone(), first.access_token.clone())
    );

    let mut changed = claim.clone();
    changed
        .claim
        .description
        .push_str(" Also the lid is cracked.");
    let (status, body) = problem(create(&server, "key-1", &changed).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("idempotency.key_reused"))
    );

    let photo = server.upload("b.png", &png(800, 600, 2)).await;
    let claim = broken_blender(vec![photo]);
    let attempts = (0..8).map(|_| create(&server, "key-2", &claim));
    let responses = futures_util::future::join_all(attempts).await;
    let mut ids = Vec::new();
    for response in responses {
        assert!(
            matches!(response.status().as_u16(), 200 | 201),
            "{}",
            response.status()
        );
        let created: TicketCreated = response.json().await.expect("json");
        ids.push(created.ticket_id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one ticket for eight concurrent submits");
    let all: Vec<Value> = server
        .admin(server.http.get(server.url("/v1/admin/tickets")))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(all.len(), 2);

    let missing = server
        .http
        .post(server.url("/v1/sites/demo/tickets"))
        .json(&claim)
        .send()
        .await
        .expect("send");
    let (status, body) = problem(missing).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("idempotency.key_missing"))
    );
}

#[tokio::test]
async fn refusals_carry_the_rulebooks_codes() {
    let server = TestServer::start().await;
    let (status, body) =
        problem(create(&server, "no-evidence", &broken_blender(vec![])).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("submission.invalid"))
    );
    assert_eq!(
        codes(&body),
        [("evidence".to_owned(), "evidence.too_few".to_owned())]
    );

    let mut claim = broken_blender(vec!["not-an-upload".into()]);
    claim.claim.order_number = "12".into();
    claim.claim.email = "wei@".into();
    let (_, body) = problem(create(&server, "bad-fields", &claim).await).await;
    assert_eq!(
        codes(&body),
        [("evidence[0]".to_owned(), "file.not_uploaded".to_owned())],
        "uploads are checked before the rest"
    );

    let photo = server.upload("x.png", &png(800, 600, 3)).await;
    let mut claim = broken_blender(vec![photo]);
    claim.claim.order_number = "12".into();
    claim.claim.email = "wei@".into();
    let (_, body) = problem(create(&server, "bad-fields-2", &claim).await).await;
    assert_eq!(
        codes(&body),
        [
            ("order_number".to_owned(), "order_number.format".to_owned()),
            ("email".to_owned(), "email.format".to_owned())
        ]
    );

    let small = server.upload("tiny.png", &png(100, 80, 4)).await;
    let (_, body) = problem(create(&server, "tiny", &broken_blender(vec![small])).await).await;
    assert_eq!(
        codes(&body),
        [("evidence[0]".to_owned(), "file.image_too_small".to_owned())]
    );
}

#[tokio::test]
async fn transit_damage_is_judged_by_its_claim_window() {
    let server = TestServer::start().await;
    let config: helpcenter_api::WidgetConfig = server
        .http
        .get(server.url("/v1/sites/demo/widget-config"))
        .send()
        .await
        .expect("config")
        .json()
        .await
        .expect("json");
    let today = config.today;
    let transit = |delivered: String, uploads: Vec<String>| {
        let mut claim = broken_blender(uploads);
        claim.claim = transit_damage(delivered, claim.claim);
        claim
    };
    let day = |n: i32| today.add_days(n).expect("in range").to_string();

    let on_time = create(&server, "t-1", &transit(day(-7), photos(&server, 10).await)).await;
    assert_eq!(on_time.status(), 201);
    let on_time: TicketCreated = on_time.json().await.expect("json");
    assert_eq!(on_time.ticket.outcome, "transit_damage");

    let late = create(&server, "t-2", &transit(day(-8), photos(&server, 20).await)).await;
    assert_eq!(late.status(), 201);
    let late: TicketCreated = late.json().await.expect("json");
    assert_eq!(
        late.ticket.outcome, "transit_damage_late",
        "past the window: reviewed, not claimed from the carrier"
    );

    let (_, body) =
        problem(create(&server, "t-3", &transit(day(1), photos(&server, 30).await)).await).await;
    assert_eq!(
        codes(&body),
        [(
            "delivered_on".to_owned(),
            "delivered_on.in_future".to_owned()
        )]
    );
    let (_, body) = problem(
        create(
            &server,
            "t-4",
            &transit(String::new(), photos(&server, 40).await),
        )
        .await,
    )
    .await;
    assert_eq!(
        codes(&body),
        [("delivered_on".to_owned(), "delivered_on.missing".to_owned())]
    );
}

#[tokio::test]
async fn without_a_late_route_a_claim_past_its_window_is_refused() {
    let server = TestServer::start_customized(support::UNLIMITED, |site| {
        for outcome in &mut site.policy.outcomes {
            if let Some(window) = &mut outcome.claim_window {
                window.late_outcome = None;
            }
        }
    })
    .await;
    let config: helpcenter_api::WidgetConfig = server
        .http
        .get(server.url("/v1/sites/demo/widget-config"))
        .send()
        .await
        .expect("config")
        .json()
        .await
        .expect("json");
    let mut claim = broken_blender(photos(&server, 50).await);
    claim.claim = transit_damage(
        config.today.add_days(-8).expect("in range").to_string(),
        claim.claim,
    );
    let (status, body) = problem(create(&server, "late", &claim).await).await;
    assert_eq!(status, 422);
    assert_eq!(
        codes(&body),
        [(
            "delivered_on".to_owned(),
            "delivered_on.window_closed".to_owned()
        )]
    );
}

#[tokio::test]
async fn a_token_opens_its_own_ticket_only() {
    let server = TestServer::start().await;
    let a = file_claim(&server, "a").await;
    let b = file_claim(&server, "b").await;
    let get =
        |path: String, token: &str| server.http.get(server.url(&path)).bearer_auth(token).send();
    assert_eq!(
        get(format!("/v1/tickets/{}", a.ticket_id), &a.access_token)
            .await
            .expect("send")
            .status(),
        200
    );
    let (status, body) = problem(
        get(format!("/v1/tickets/{}", b.ticket_id), &a.access_token)
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("ticket.not_found"))
    );
    let b_file = &b.ticket.evidence[0].id;
    let stolen = get(
        format!("/v1/tickets/{}/evidence/{b_file}", a.ticket_id),
        &a.access_token,
    )
    .await
    .expect("send");
    assert_eq!(stolen.status(), 404);
    let stolen = get(
        format!("/v1/tickets/{}/evidence/{b_file}", b.ticket_id),
        &a.access_token,
    )
    .await
    .expect("send");
    assert_eq!(stolen.status(), 404);
    let stream = server
        .http
        .get(server.url(&format!(
            "/v1/tickets/{}/events?access_token={}",
            b.ticket_id, a.access_token
        )))
        .send()
        .await
        .expect("send");
    assert_eq!(stream.status(), 404);
    let anonymous = server
        .http
        .get(server.url(&format!("/v1/tickets/{}", a.ticket_id)))
        .send()
        .await
        .expect("send");
    assert_eq!(anonymous.status(), 401);
    let no_admin = server
        .http
        .get(server.url("/v1/admin/tickets"))
        .bearer_auth(&a.access_token)
        .send()
        .await
        .expect("send");
    assert_eq!(no_admin.status(), 401);
}

#[tokio::test]
async fn a_lost_token_is_recovered_with_ticket_id_order_number_and_email() {
    let server = TestServer::start().await;
    let created = file_claim(&server, "recover-1").await;
    let recover = |body: Value| {
        server
            .http
            .post(server.url("/v1/sites/demo/tickets/recover"))
            .json(&body)
            .send()
    };
    let wrong = recover(json!({"ticket_id": created.ticket_id, "order_number": "10023457", "email": "wei@example.com"}))
        .await
        .expect("send");
    assert_eq!(wrong.status(), 404);
    let found = recover(json!({"ticket_id": created.ticket_id.to_lowercase(), "order_number": "10023456", "email": "WEI@example.com "}))
        .await
        .expect("send");
    assert_eq!(found.status(), 200);
    let found: TicketCreated = found.json().await.expect("json");
    assert_ne!(found.access_token, created.access_token);
    let opened = server
        .http
        .get(server.url(&format!("/v1/tickets/{}", created.ticket_id)))
        .bearer_auth(&found.access_token)
        .send()
        .await
        .expect("send");
    assert_eq!(opened.status(), 200);
}

#[tokio::test]
async fn my_requests_need_a_valid_identity_token_for_this_site() {
    let server = TestServer::start().await;
    let secret =
        std::fs::read_to_string(server.data_dir.join("demo-identity-secret")).expect("demo secret");
    let now = jiff::Timestamp::now().as_second();
    let wei = helpcenter_server::auth::Customer {
        id: "cust-1".into(),
        email: "wei@example.com".into(),
    };
    let token = helpcenter_server::auth::sign_identity(&secret, "demo", &wei, now + 600);

    // Filed signed in by Wei and by another shopper of the same site, and once as a guest;
    // all three give Wei's email as the contact, so only the account tells them apart.
    let photo = server.upload("mine.png", &png(800, 600, 7)).await;
    let mut claim = broken_blender(vec![photo]);
    claim.identity_token = Some(token.clone());
    let created = create(&server, "mine-1", &claim).await;
    assert_eq!(created.status(), 201);
    let mine = created
        .json::<TicketCreated>()
        .await
        .expect("ticket created")
        .ticket_id;
    let theirs = file_signed_in(&server, "theirs-1", "cust-2")
        .await
        .ticket_id;
    let lis_token = identity_token(&server, "cust-2", 600);
    let guests = file_claim(&server, "someone-else").await.ticket_id;

    let list = |token: String| {
        server
            .http
            .get(server.url("/v1/sites/demo/tickets"))
            .bearer_auth(token)
            .send()
    };
    let ids = |listed: Vec<Value>| -> Vec<String> {
        listed
            .iter()
            .map(|t| t["id"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let listed = list(token).await.expect("send");
    assert_eq!(listed.status(), 200);
    let listed: Vec<Value> = listed.json().await.expect("json");
    assert_eq!(
        ids(listed),
        [mine],
        "Wei's own, neither {theirs} (another shopper's) nor {guests} (a guest's)"
    );
    let listed: Vec<Value> = list(lis_token)
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(
        ids(listed),
        [theirs],
        "and the other shopper sees only theirs"
    );
    for (bad, code) in [
        (
            helpcenter_server::auth::sign_identity("forged-secret-of-16+", "demo", &wei, now + 600),
            "identity.bad_signature",
        ),
        (
            helpcenter_server::auth::sign_identity(&secret, "demo", &wei, now - 1),
            "identity.expired",
        ),
        (
            helpcenter_server::auth::sign_identity(&secret, "other-site", &wei, now + 600),
            "identity.bad_signature",
        ),
    ] {
        let (status, body) = problem(list(bad).await.expect("send")).await;
        assert_eq!((status, body["code"].as_str()), (401, Some(code)));
    }
}

/// A filed claim the agent has asked more of: the shopper's turn to answer.
async fn waiting_for_shopper(server: &TestServer, key: &str) -> TicketCreated {
    let created = file_claim(server, key).await;
    let id = &created.ticket_id;
    let moved = server
        .admin(
            server
                .http
                .post(server.url(&format!("/v1/admin/tickets/{id}/transition"))),
        )
        .json(&json!({"to": "in_review"}))
        .send()
        .await
        .expect("transition");
    assert_eq!(moved.status(), 200);
    let asked = server
        .admin(
            server
                .http
                .post(server.url(&format!("/v1/admin/tickets/{id}/request-info"))),
        )
        .json(&json!({"message": "Could you send a photo of the serial-number label?"}))
        .send()
        .await
        .expect("request info");
    assert_eq!(asked.status(), 200);
    created
}

async fn shopper_sees(server: &TestServer, created: &TicketCreated) -> TicketView {
    server
        .http
        .get(server.url(&format!("/v1/tickets/{}", created.ticket_id)))
        .bearer_auth(&created.access_token)
        .send()
        .await
        .expect("show")
        .json()
        .await
        .expect("ticket")
}

#[tokio::test]
async fn a_refused_reply_names_each_problem_and_leaves_the_ticket_waiting() {
    let server = TestServer::start().await;
    let created = waiting_for_shopper(&server, "reply-refused").await;
    let reply = |body: Value| {
        server
            .http
            .post(server.url(&format!("/v1/tickets/{}/replies", created.ticket_id)))
            .bearer_auth(&created.access_token)
            .json(&body)
            .send()
    };
    let field_code = |field: &str, code: &str| (field.to_owned(), code.to_owned());

    let (status, body) = problem(reply(json!({"message": "  \n"})).await.expect("send")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("submission.invalid"))
    );
    assert_eq!(codes(&body), [field_code("message", "reply.empty")]);

    let too_long = "你".repeat(helpcenter_core::limits::MAX_SHOPPER_MESSAGE_CHARS + 1);
    let (status, body) = problem(reply(json!({"message": too_long})).await.expect("send")).await;
    assert_eq!(status, 422);
    assert_eq!(codes(&body), [field_code("message", "message.too_long")]);

    let tiny = server.upload("label.png", &png(100, 80, 60)).await;
    let label = server.upload("label.png", &png(800, 600, 61)).await;
    let same_again = server.upload("label-2.png", &png(800, 600, 61)).await;
    let (status, body) = problem(
        reply(json!({"message": "Here it is.", "uploads": [tiny, label, same_again]}))
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        codes(&body),
        [
            field_code("evidence[0]", "file.image_too_small"),
            field_code("evidence[2]", "file.duplicate"),
        ]
    );

    let seen = shopper_sees(&server, &created).await;
    assert_eq!(seen.status, TicketStatus::NeedsInfo);
    assert_eq!(
        seen.timeline.len(),
        3,
        "no refused reply is on the timeline"
    );

    let answered = reply(json!({"message": "", "uploads": [label]}))
        .await
        .expect("send");
    assert_eq!(answered.status(), 200, "a file alone is an answer");
    let answered: TicketView = answered.json().await.expect("ticket");
    assert_eq!(answered.status, TicketStatus::InReview);
}

/// The agent reviews the claim and decides it: a refund.
async fn decide(server: &TestServer, id: &str) {
    for body in [
        json!({"to": "in_review"}),
        json!({"to": "resolved", "resolution": "refund"}),
    ] {
        let moved = server
            .admin(
                server
                    .http
                    .post(server.url(&format!("/v1/admin/tickets/{id}/transition"))),
            )
            .json(&body)
            .send()
            .await
            .expect("transition");
        assert_eq!(moved.status(), 200, "{body}");
    }
}

/// Issue 13: the shopper can add words and files while the store reviews, without being
/// asked; the status stays where the store put it. A closed ticket takes nothing more.
#[tokio::test]
async fn a_shopper_adds_words_and_files_while_the_ticket_is_open() {
    let server = TestServer::start().await;
    let created = file_claim(&server, "add-detail").await;
    let id = &created.ticket_id;
    let reply = |body: Value| {
        server
            .http
            .post(server.url(&format!("/v1/tickets/{id}/replies")))
            .bearer_auth(&created.access_token)
            .json(&body)
            .send()
    };
    let label = server.upload("label.png", &png(800, 600, 71)).await;
    let added = reply(json!({"message": "The serial number is KT-2291.", "uploads": [label]}))
        .await
        .expect("send");
    assert_eq!(added.status(), 200);
    let added: TicketView = added.json().await.expect("ticket");
    assert_eq!(added.status, TicketStatus::Submitted, "no status changes");
    let last = added.timeline.last().expect("an event");
    assert_eq!(last.kind, EventKind::ShopperReply);
    assert_eq!(
        last.message.as_deref(),
        Some("The serial number is KT-2291.")
    );
    assert_eq!(last.evidence.len(), 1);

    decide(&server, id).await;
    let close = server
        .admin(
            server
                .http
                .post(server.url(&format!("/v1/admin/tickets/{id}/transition"))),
        )
        .json(&json!({"to": "closed"}))
        .send()
        .await
        .expect("close");
    assert_eq!(close.status(), 200);
    let (status, body) = problem(
        reply(json!({"message": "One more thing."}))
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("ticket.transition_not_allowed"))
    );
}

#[tokio::test]
async fn a_dispute_with_an_overlong_reason_is_refused_and_a_reasoned_one_escalates() {
    let server = TestServer::start().await;
    let created = file_claim(&server, "dispute").await;
    let escalate = |message: String| {
        server
            .http
            .post(server.url(&format!("/v1/tickets/{}/escalate", created.ticket_id)))
            .bearer_auth(&created.access_token)
            .json(&json!({ "message": message }))
            .send()
    };
    let (status, body) = problem(
        escalate("x".repeat(helpcenter_core::limits::MAX_SHOPPER_MESSAGE_CHARS + 1))
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("submission.invalid"))
    );
    assert_eq!(
        codes(&body),
        [("message".to_owned(), "message.too_long".to_owned())]
    );
    let seen = shopper_sees(&server, &created).await;
    assert_eq!(seen.status, TicketStatus::Submitted);
    // §IV: nothing to dispute before the store has decided.
    assert!(seen.shopper_can.is_empty(), "{:?}", seen.shopper_can);
    let (status, body) = problem(
        escalate("Nobody has answered in a week.".into())
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("ticket.transition_not_allowed"))
    );
    decide(&server, &created.ticket_id).await;
    assert_eq!(
        shopper_sees(&server, &created).await.shopper_can,
        [TicketStatus::Escalated]
    );

    let escalated = escalate("Nobody has answered in a week.".into())
        .await
        .expect("send");
    assert_eq!(escalated.status(), 200);
    let escalated: TicketView = escalated.json().await.expect("ticket");
    assert_eq!(escalated.status, TicketStatus::Escalated);
    assert_eq!(
        escalated.timeline.last().and_then(|e| e.message.as_deref()),
        Some("Nobody has answered in a week.")
    );
}

#[tokio::test]
async fn a_stream_reopened_with_last_event_id_in_the_query_replays_only_what_was_missed() {
    let server = TestServer::start().await;
    // Three events: created (1), in review (2), information requested (3).
    let created = waiting_for_shopper(&server, "resume").await;
    let stream_url = |query: &str| {
        server.url(&format!(
            "/v1/tickets/{}/events?access_token={}{query}",
            created.ticket_id, created.access_token
        ))
    };

    let mut resumed = EventStream::connect(server.http.get(stream_url("&last_event_id=1"))).await;
    let first = resumed.next().await;
    assert_eq!(
        (first.seq, first.status),
        (2, TicketStatus::InReview),
        "the created event the client already had is not sent again"
    );
    assert_eq!(resumed.next().await.seq, 3);

    let mut both = EventStream::connect(
        server
            .http
            .get(stream_url("&last_event_id=1"))
            .header("Last-Event-ID", "2"),
    )
    .await;
    let first = both.next().await;
    assert_eq!(
        (first.seq, first.status),
        (3, TicketStatus::NeedsInfo),
        "the browser's own Last-Event-ID wins over the query"
    );
}

/// What the demo merchant's backend signs for a customer signed in to the store.
fn identity_token(server: &TestServer, customer_id: &str, valid_for_seconds: i64) -> String {
    let secret =
        std::fs::read_to_string(server.data_dir.join("demo-identity-secret")).expect("demo secret");
    let customer = helpcenter_server::auth::Customer {
        id: customer_id.into(),
        email: format!("{customer_id}@example.com"),
    };
    let expires = jiff::Timestamp::now().as_second() + valid_for_seconds;
    helpcenter_server::auth::sign_identity(&secret, "demo", &customer, expires)
}

/// A claim filed by a shopper signed in as `customer_id`.
async fn file_signed_in(server: &TestServer, key: &str, customer_id: &str) -> TicketCreated {
    let photo = server
        .upload("mine.png", &png(800, 600, key.len() as u8))
        .await;
    let mut claim = broken_blender(vec![photo]);
    claim.identity_token = Some(identity_token(server, customer_id, 600));
    let response = create(server, key, &claim).await;
    assert_eq!(response.status(), 201);
    response.json().await.expect("ticket created")
}

async fn open_mine(
    server: &TestServer,
    ticket_id: &str,
    identity: Option<&str>,
) -> reqwest::Response {
    let mut request = server
        .http
        .post(server.url(&format!("/v1/sites/demo/tickets/{ticket_id}/access")));
    if let Some(token) = identity {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("open my ticket")
}

#[tokio::test]
async fn a_signed_in_shopper_opens_a_ticket_from_my_requests_on_another_device() {
    let server = TestServer::start().await;
    let filed = file_signed_in(&server, "mine-elsewhere", "cust-1").await;
    let identity = identity_token(&server, "cust-1", 600);

    // On another device: "my requests" lists the ticket, but this browser has no token for it.
    let mine: Vec<helpcenter_api::TicketSummary> = server
        .http
        .get(server.url("/v1/sites/demo/tickets"))
        .bearer_auth(&identity)
        .send()
        .await
        .expect("list mine")
        .json()
        .await
        .expect("summaries");
    assert_eq!(mine.len(), 1);
    let opened = open_mine(&server, &mine[0].id, Some(&identity)).await;
    assert_eq!(opened.status(), 200);
    let opened: TicketCreated = opened.json().await.expect("ticket and token");
    assert_eq!(opened.ticket_id, filed.ticket_id);
    assert_eq!(opened.ticket.order_number, filed.ticket.order_number);
    assert_ne!(opened.access_token, filed.access_token);

    for token in [&opened.access_token, &filed.access_token] {
        let shown = server
            .http
            .get(server.url(&format!("/v1/tickets/{}", filed.ticket_id)))
            .bearer_auth(token)
            .send()
            .await
            .expect("show");
        assert_eq!(
            shown.status(),
            200,
            "the new token opens the ticket and the first device's still does"
        );
    }
}

#[tokio::test]
async fn a_signed_in_shopper_cannot_open_tickets_that_are_not_theirs() {
    let server = TestServer::start().await;
    let theirs = file_signed_in(&server, "someone-elses", "cust-2").await;
    let anonymous = file_claim(&server, "filed-signed-out").await;
    let identity = identity_token(&server, "cust-1", 600);

    for id in [
        theirs.ticket_id.as_str(),
        anonymous.ticket_id.as_str(),
        "HC-NOPE22",
    ] {
        let (status, body) = problem(open_mine(&server, id, Some(&identity)).await).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("ticket.not_found")),
            "{id}: the same answer whether it exists or not"
        );
    }

    let forged = helpcenter_server::auth::sign_identity(
        "not-the-demo-secret-at-all",
        "demo",
        &helpcenter_server::auth::Customer {
            id: "cust-2".into(),
            email: "cust-2@example.com".into(),
        },
        jiff::Timestamp::now().as_second() + 600,
    );
    for (token, code) in [
        (Some(forged.as_str()), "identity.bad_signature"),
        (
            Some(identity_token(&server, "cust-2", -1).as_str()),
            "identity.expired",
        ),
        (None, "auth.token_required"),
    ] {
        let (status, body) = problem(open_mine(&server, &theirs.ticket_id, token).await).await;
        assert_eq!((status, body["code"].as_str()), (401, Some(code)));
    }
}

#[tokio::test]
async fn a_site_that_signs_no_identities_opens_no_tickets_by_identity() {
    let server = TestServer::start_customized(support::UNLIMITED, |site| {
        site.identity_secret = None;
    })
    .await;
    let filed = file_claim(&server, "no-identity").await;
    let (status, body) =
        problem(open_mine(&server, &filed.ticket_id, Some("v1.a.b.1.00")).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("identity.not_configured"))
    );
}

/// One address may hold 8 event streams: the 9th is refused with `stream.too_many` (429,
/// problem details) instead of one more socket held for ever; closing one makes room.
#[tokio::test]
async fn event_streams_are_capped_per_address() {
    let server = TestServer::start().await;
    let created = file_claim(&server, "streams-capped").await;
    let mut open = Vec::new();
    for _ in 0..8 {
        open.push(
            EventStream::open(&server, &created.ticket_id, &created.access_token, None).await,
        );
    }
    let refused = server
        .http
        .get(server.url(&format!("/v1/tickets/{}/events", created.ticket_id)))
        .bearer_auth(&created.access_token)
        .send()
        .await
        .expect("answer");
    let (status, body) = problem(refused).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("stream.too_many"))
    );
    drop(open.pop());
    // The server notices the closed stream when it next writes (a keep-alive at the latest):
    // try for a while.
    let mut reopened = false;
    for _ in 0..40 {
        let response = server
            .http
            .get(server.url(&format!("/v1/tickets/{}/events", created.ticket_id)))
            .bearer_auth(&created.access_token)
            .send()
            .await
            .expect("answer");
        if response.status() == 200 {
            reopened = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert!(reopened, "a closed stream gives its place back");
}

/// A JWT signed by PyJWT (PyPI), the stock library a store's Python backend would use: not by
/// any code of ours. The Python is the test tools' venv that `cargo xtask test` names.
fn pyjwt(secret: &str, claims: &Value) -> String {
    let python = std::env::var_os(support::mail::CATCHER.env).unwrap_or_else(|| {
        panic!(
            "${} is not set: run through `cargo xtask test` (or `cargo xtask tools`, then set it to target/aiosmtpd-venv/bin/python), whose venv has PyJWT",
            support::mail::CATCHER.env
        )
    });
    let out = std::process::Command::new(python)
        .args([
            "-c",
            "import json, sys, jwt; print(jwt.encode(json.loads(sys.argv[1]), sys.argv[2], algorithm='HS256'))",
        ])
        .arg(claims.to_string())
        .arg(secret)
        .output()
        .expect("run PyJWT");
    assert!(
        out.status.success(),
        "PyJWT: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

#[tokio::test]
async fn a_store_signs_identity_as_a_jwt_with_a_stock_library_and_long_lived_tokens_are_refused() {
    let server = TestServer::start_customized(RateLimits::default(), |site| {
        site.identity_max_lifetime = 2 * 3600;
    })
    .await;
    let secret =
        std::fs::read_to_string(server.data_dir.join("demo-identity-secret")).expect("demo secret");
    let now = jiff::Timestamp::now().as_second();
    let claims = |exp: i64| json!({"sub": "cust-7", "email": "lin@example.com", "aud": "demo", "iat": now, "exp": exp});
    let who = |token: String| {
        server
            .http
            .get(server.url("/v1/sites/demo/identity"))
            .bearer_auth(token)
            .send()
    };

    // Signed in by the JWT: the server says who, and the claim filed with it is theirs.
    let token = pyjwt(&secret, &claims(now + 3600));
    let answer = who(token.clone()).await.expect("send");
    assert_eq!(answer.status(), 200);
    assert_eq!(
        answer.json::<Value>().await.expect("json"),
        json!({"customer_id": "cust-7", "email": "lin@example.com"})
    );
    let photo = server.upload("jwt.png", &png(800, 600, 9)).await;
    let mut claim = broken_blender(vec![photo]);
    claim.identity_token = Some(token.clone());
    let created = create(&server, "jwt-1", &claim).await;
    assert_eq!(created.status(), 201);
    let created: TicketCreated = created.json().await.expect("created");
    let listed: Vec<Value> = server
        .http
        .get(server.url("/v1/sites/demo/tickets"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], created.ticket_id.as_str());

    // The v1 format still works beside it.
    let v1 = identity_token(&server, "cust-8", 3600);
    assert_eq!(who(v1).await.expect("send").status(), 200);

    // Refused, each with its own code.
    let mut no_exp = claims(0);
    no_exp.as_object_mut().expect("object").remove("exp");
    let mut other_site = claims(now + 3600);
    other_site["aud"] = json!("other-site");
    let mut no_email = claims(now + 3600);
    no_email.as_object_mut().expect("object").remove("email");
    for (token, code) in [
        (
            pyjwt(&secret, &claims(now + 3 * 3600)),
            "identity.lifetime_too_long",
        ),
        (
            identity_token(&server, "cust-8", 3 * 3600),
            "identity.lifetime_too_long",
        ),
        (pyjwt(&secret, &claims(now - 10)), "identity.expired"),
        (pyjwt(&secret, &no_exp), "identity.malformed"),
        (pyjwt(&secret, &no_email), "identity.malformed"),
        (pyjwt(&secret, &other_site), "identity.bad_signature"),
        (
            pyjwt("another-secret-of-16+", &claims(now + 3600)),
            "identity.bad_signature",
        ),
    ] {
        let (status, body) = problem(who(token).await.expect("send")).await;
        assert_eq!((status, body["code"].as_str()), (401, Some(code)));
        if code == "identity.lifetime_too_long" {
            let detail = body["detail"].as_str().unwrap_or_default();
            assert!(detail.contains("7200 s at most"), "{detail}");
        }
    }
    // Nor does a refused token file a claim into the account.
    let photo = server.upload("jwt2.png", &png(800, 600, 10)).await;
    let mut claim = broken_blender(vec![photo]);
    claim.identity_token = Some(pyjwt(&secret, &claims(now + 3 * 3600)));
    let (status, body) = problem(create(&server, "jwt-2", &claim).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("identity.lifetime_too_long"))
    );
}

/// A new ticket's rows are sent to the database together (`store::writes`: one round trip on
/// SQLite): each way the write can be refused is still told apart, and a refused write leaves
/// nothing behind (its idempotency key and its uploads stay free for the next).
#[tokio::test]
async fn a_new_tickets_write_tells_each_refusal_apart_and_leaves_nothing_behind() {
    use helpcenter_api::EventActor;
    use helpcenter_server::store::tickets::{
        Created, NewEvent, NewTicketRecord, Outgoing, TicketRecord,
    };

    let server = TestServer::start().await;
    let store = server.store().await;
    let photo = server.upload("a.png", &png(800, 600, 7)).await;
    let other = server.upload("b.png", &png(800, 600, 8)).await;
    let fresh = server.upload("c.png", &png(800, 600, 9)).await;
    let now = jiff::Timestamp::now();
    let at = now.to_string();
    let ticket = |id: &str| TicketRecord {
        id: id.to_owned(),
        site: "demo".into(),
        status: "submitted".into(),
        resolution: None,
        category: "product_quality".into(),
        answers: "[]".into(),
        outcome: "defect_in_warranty".into(),
        order_number: "10023456".into(),
        email: "wei@example.com".into(),
        description: "The blender stopped working.".into(),
        delivered_on: None,
        locale: "en".into(),
        customer_id: None,
        created_at: at.clone(),
        updated_at: at.clone(),
        respond_by: at.clone(),
        assignee: None,
    };
    let file = |id: &str, key: &'static str, request: &str, uploads: Vec<String>| {
        let store = store.clone();
        let record = ticket(id);
        let request = request.to_owned();
        async move {
            let first = NewEvent {
                kind: EventKind::Created,
                actor: EventActor::Shopper,
                status: TicketStatus::Submitted,
                resolution: None,
                message: None,
                public: true,
                uploads: &uploads,
                at: now,
                agent: None,
            };
            let new = NewTicketRecord {
                access_token_sha256: format!("token of {key}"),
                idempotency: (key, request),
                uploads: &uploads,
                order: None,
                ticket: record,
            };
            store
                .create_ticket(&new, &first, &Outgoing::default())
                .await
                .expect("the write runs")
        }
    };

    assert_eq!(
        file("HC-AAAAAA", "k1", "r1", vec![photo.clone()]).await,
        Created::Created
    );
    assert_eq!(
        file("HC-AAAAAA", "k2", "r2", vec![other.clone()]).await,
        Created::IdTaken
    );
    assert_eq!(
        file("HC-BBBBBB", "k2", "r2", vec![other.clone()]).await,
        Created::Created,
        "the key and the upload of the write refused for its id are free"
    );
    assert_eq!(
        file("HC-CCCCCC", "k1", "r1", vec![fresh.clone()]).await,
        Created::Replayed("HC-AAAAAA".into())
    );
    assert_eq!(
        file("HC-CCCCCC", "k1", "r1-changed", vec![fresh.clone()]).await,
        Created::KeyReused
    );
    assert_eq!(
        file("HC-CCCCCC", "k3", "r3", vec![fresh.clone(), photo.clone()]).await,
        Created::UploadUnavailable(photo.clone()),
        "the second upload is named, not the first"
    );
    assert_eq!(
        file("HC-CCCCCC", "k3", "r3", vec![fresh.clone()]).await,
        Created::Created,
        "the first upload of the refused write is free"
    );

    let db = server.db().await;
    let count = |sql: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&db)
                .await
                .expect("count")
        }
    };
    assert_eq!(count("SELECT COUNT(*) FROM tickets").await, 3);
    assert_eq!(count("SELECT COUNT(*) FROM ticket_access").await, 3);
    assert_eq!(count("SELECT COUNT(*) FROM idempotency_keys").await, 3);
    assert_eq!(count("SELECT COUNT(*) FROM ticket_events").await, 3);
    assert_eq!(
        count("SELECT COUNT(*) FROM uploads WHERE ticket_id IS NOT NULL").await,
        3
    );
}
