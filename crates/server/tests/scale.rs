//! Two server instances on one PostgreSQL database behind nginx, round-robin, no sticky
//! sessions (`support::cluster`): what a shopper and an agent notice must not depend on which
//! instance answers. A shopper's live stream held by one instance shows an agent's change
//! made through the other within a second, never the same event twice, also after the
//! instances' LISTEN connections are cut; a claim retried through the other instance is the
//! same ticket with the same access token; every mail and every webhook goes out exactly
//! once with both instances' workers running; and with one instance killed (SIGKILL) the other carries on.
//! On SQLite (one instance by design) each test says it is skipped.

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use helpcenter_api::{
    DeliveryState, NewTicket, OutboxMail, RotatedSecret, TicketCreated, TicketSummary,
    WebhookDelivery,
};
use helpcenter_media::samples::png;
use serde_json::json;
use support::EventStream;
use support::cluster::{Cluster, ClusterOptions, SITE};
use support::webhooks::Receiver;

fn claim(email: &str, upload: String) -> NewTicket {
    support::claims::manual_question(email, vec![upload])
}

/// A screenshot uploaded to instance `i` (uploads across instances are the bucket's part).
async fn screenshot(cluster: &Cluster, i: usize) -> String {
    support::upload_at(
        &cluster.http,
        &cluster.instance_url(i, ""),
        SITE,
        "screenshot.png",
        &png(800, 600, 3),
    )
    .await
}

/// Files `claim` through the balancer with `key`; answers who served it, the status and the
/// ticket.
async fn file(cluster: &Cluster, claim: &NewTicket, key: &str) -> (usize, u16, TicketCreated) {
    let response = cluster
        .http
        .post(cluster.url(&format!("/v1/sites/{SITE}/tickets")))
        .header("Idempotency-Key", key)
        .json(claim)
        .send()
        .await
        .expect("create");
    let by = cluster.served_by(&response);
    let status = response.status().as_u16();
    assert!(
        status == 201 || status == 200,
        "{:?}",
        response.text().await
    );
    (by, status, response.json().await.expect("created"))
}

/// An agent's public message through the balancer; answers who served it.
async fn agent_says(cluster: &Cluster, ticket: &str, body: &str) -> usize {
    let response = cluster
        .admin(
            cluster
                .http
                .post(cluster.url(&format!("/v1/admin/tickets/{ticket}/messages"))),
        )
        .json(&json!({ "body": body, "internal": false }))
        .send()
        .await
        .expect("agent message");
    assert_eq!(response.status(), 200);
    cluster.served_by(&response)
}

/// The shopper's stream of `ticket` through the balancer, after `last`; answers who holds it.
async fn follow(
    cluster: &Cluster,
    created: &TicketCreated,
    last: Option<u32>,
) -> (usize, EventStream) {
    let mut request = cluster
        .http
        .get(cluster.url(&format!("/v1/tickets/{}/events", created.ticket_id)))
        .bearer_auth(&created.access_token);
    if let Some(last) = last {
        request = request.header("Last-Event-ID", last.to_string());
    }
    let response = request.send().await.expect("open the stream");
    (
        cluster.served_by(&response),
        EventStream::from_response(response),
    )
}

/// Waits until the outbox has nothing pending, then checks that every mail in it was sent
/// once (one attempt) and caught once (its Message-ID once in the catcher).
async fn every_mail_once(cluster: &Cluster) -> usize {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mails = loop {
        let mails: Vec<OutboxMail> = cluster
            .admin(cluster.http.get(cluster.url("/v1/admin/outbox?limit=500")))
            .send()
            .await
            .expect("outbox")
            .json()
            .await
            .expect("outbox json");
        if mails
            .iter()
            .all(|m| m.state == helpcenter_api::MailState::Sent)
        {
            break mails;
        }
        assert!(Instant::now() < deadline, "mail still pending: {mails:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // Late copies, if any, would arrive now.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut caught: HashMap<String, usize> = HashMap::new();
    for raw in cluster.mail.caught() {
        let message = mail_parser::MessageParser::default()
            .parse(&raw)
            .expect("a mail");
        *caught
            .entry(message.message_id().unwrap_or_default().to_owned())
            .or_default() += 1;
    }
    for mail in &mails {
        let id = mail.message_id.trim_matches(['<', '>']);
        assert_eq!(caught.get(id), Some(&1), "{id} caught once: {caught:?}");
        assert_eq!(mail.attempts, 1, "{mail:?}");
    }
    assert_eq!(caught.values().sum::<usize>(), mails.len(), "{caught:?}");
    mails.len()
}

/// Waits until every webhook delivery is made, then checks that each was made once (one
/// attempt) and received once, verified by the Standard Webhooks library.
async fn every_webhook_once(cluster: &Cluster, receiver: &Receiver) -> usize {
    let deadline = Instant::now() + Duration::from_secs(30);
    let deliveries = loop {
        let deliveries: Vec<WebhookDelivery> = cluster
            .admin(
                cluster
                    .http
                    .get(cluster.url("/v1/admin/webhook-deliveries?limit=500")),
            )
            .send()
            .await
            .expect("deliveries")
            .json()
            .await
            .expect("deliveries json");
        if deliveries
            .iter()
            .all(|d| d.state == DeliveryState::Delivered)
        {
            break deliveries;
        }
        assert!(
            Instant::now() < deadline,
            "deliveries still pending: {deliveries:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    let received = receiver.received();
    for delivery in &deliveries {
        let copies: Vec<_> = received.iter().filter(|r| r.id == delivery.id).collect();
        assert_eq!(
            copies.len(),
            1,
            "{} received once: {received:#?}",
            delivery.id
        );
        assert_eq!(copies[0].verified_by, ["erp"]);
        assert_eq!(delivery.attempts, 1, "{delivery:?}");
    }
    assert_eq!(received.len(), deliveries.len());
    deliveries.len()
}

#[tokio::test]
async fn through_the_balancer_streams_retried_claims_and_mail_hold_across_instances() {
    let test = "through_the_balancer_streams_retried_claims_and_mail_hold_across_instances";
    let mut receiver = Receiver::stopped();
    let options = ClusterOptions {
        server_config: "[server.webhooks]\nallow_private_targets = true\nretry_first_seconds = 0.2\nretry_max_seconds = 1.0\n".into(),
        site_config: format!("[[sites.webhooks]]\nname = \"erp\"\nurl = \"{}\"\n", receiver.url()),
    };
    let Some(cluster) = Cluster::start(test, options).await else {
        return;
    };
    receiver.start().await;
    let rotated: RotatedSecret = cluster
        .admin(
            cluster
                .http
                .post(cluster.url("/v1/admin/webhooks/erp/rotate-secret")),
        )
        .json(&json!({ "overlap_seconds": 0 }))
        .send()
        .await
        .expect("rotate")
        .json()
        .await
        .expect("a secret");
    receiver.trust(&[("erp", &rotated.secret)]);
    // One claim submitted twice with one Idempotency-Key (a shopper's retry after a lost
    // answer), once through each instance: one ticket, the same access token.
    let wei = claim("wei@example.com", screenshot(&cluster, 0).await);
    cluster.next_to(0).await;
    let (first_by, first_status, first) = file(&cluster, &wei, "scale-wei").await;
    let (again_by, again_status, again) = file(&cluster, &wei, "scale-wei").await;
    assert_eq!((first_by, first_status), (0, 201));
    assert_eq!((again_by, again_status), (1, 200));
    assert_eq!(again.ticket_id, first.ticket_id);
    assert_eq!(
        again.access_token, first.access_token,
        "the same token from either instance"
    );
    let tickets: Vec<TicketSummary> = cluster
        .admin(cluster.http.get(cluster.url("/v1/admin/tickets")))
        .send()
        .await
        .expect("tickets")
        .json()
        .await
        .expect("tickets json");
    assert_eq!(tickets.len(), 1, "{tickets:#?}");

    // The shopper follows the ticket on instance 0; the agent answers through instance 1.
    cluster.next_to(0).await;
    let (held_by, mut stream) = follow(&cluster, &first, None).await;
    assert_eq!(held_by, 0);
    assert_eq!(stream.next().await.seq, 1, "the backlog: the claim filed");
    let mut latencies = Vec::new();
    for i in 0..5u32 {
        cluster.next_to(1).await;
        let sent = Instant::now();
        assert_eq!(
            agent_says(
                &cluster,
                &first.ticket_id,
                &format!("Update {i} on your claim")
            )
            .await,
            1
        );
        let event = stream
            .next_within(Duration::from_secs(1))
            .await
            .expect("the agent's message on the other instance's stream within a second");
        latencies.push(sent.elapsed());
        assert_eq!(event.seq, 2 + i, "in order, none skipped, none twice");
        assert_eq!(
            event.message.as_deref(),
            Some(format!("Update {i} on your claim").as_str())
        );
    }
    latencies.sort();
    println!(
        "scale: an agent's message through instance B reached a stream on instance A in {:?} (median) / {:?} (max) of {} messages",
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1],
        latencies.len()
    );
    assert!(latencies.iter().all(|l| *l < Duration::from_secs(1)));
    assert!(
        stream
            .next_within(Duration::from_millis(1500))
            .await
            .is_none(),
        "no event twice"
    );

    // Both instances' LISTEN connections are cut (a database restart, a proxy's timeout):
    // they reconnect, and the stream still gets what is written meanwhile, once.
    let db = cluster.db().await;
    let cut: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE application_name = 'helpcenter-server events' AND datname = current_database()",
    )
    .fetch_all(&db)
    .await
    .expect("cut the listeners");
    assert_eq!(cut, [true, true], "one listener per instance");
    cluster.next_to(1).await;
    let sent = Instant::now();
    assert_eq!(
        agent_says(&cluster, &first.ticket_id, "Written while nobody listened").await,
        1
    );
    let event = stream
        .next_within(Duration::from_secs(3))
        .await
        .expect("the message after the listeners reconnected");
    println!(
        "scale: with the listeners cut, the message reached the stream in {:?}",
        sent.elapsed()
    );
    assert_eq!(event.seq, 7);
    assert!(
        stream
            .next_within(Duration::from_millis(1500))
            .await
            .is_none(),
        "no event twice"
    );
    let relistened = Instant::now() + Duration::from_secs(5);
    while !(cluster.log(0).contains("listening on PostgreSQL again")
        && cluster.log(1).contains("listening on PostgreSQL again"))
    {
        assert!(
            Instant::now() < relistened,
            "both instances say they listen again"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // More claims, through both instances: each instance's mail worker competes for every
    // mail, and each goes out once.
    for i in 0..6 {
        let upload = screenshot(&cluster, i % 2).await;
        file(
            &cluster,
            &claim(&format!("shopper{i}@example.com"), upload),
            &format!("scale-{i}"),
        )
        .await;
    }
    let mails = every_mail_once(&cluster).await;
    println!("scale: {mails} mails, each delivered once, both instances' workers running");
    assert!(mails >= 7, "{mails}");
    for i in 0..2 {
        let log = cluster.log(i);
        assert!(
            log.contains("mail: sent") && log.contains("webhooks: delivered"),
            "instance {i} delivered too:\n{log}"
        );
    }
    let hooks = every_webhook_once(&cluster, &receiver).await;
    println!("scale: {hooks} webhook deliveries, each made once, both instances' workers running");
    assert!(hooks >= 7, "{hooks}");
}

#[tokio::test]
async fn an_instance_killed_mid_run_leaves_the_other_carrying_on() {
    let test = "an_instance_killed_mid_run_leaves_the_other_carrying_on";
    let Some(mut cluster) = Cluster::start(test, Default::default()).await else {
        return;
    };
    let li = claim("li@example.com", screenshot(&cluster, 1).await);
    cluster.next_to(0).await;
    let (by, _, filed) = file(&cluster, &li, "scale-li").await;
    assert_eq!(by, 0);
    cluster.next_to(0).await;
    let (on_0, mut doomed) = follow(&cluster, &filed, None).await;
    let (on_1, mut survivor) = follow(&cluster, &filed, None).await;
    assert_eq!((on_0, on_1), (0, 1));
    assert_eq!(doomed.next().await.seq, 1);
    assert_eq!(survivor.next().await.seq, 1);
    // The receipt has gone (a mail claimed by an instance killed mid-delivery waits for its
    // claim to run out, two minutes: another test's matter).
    every_mail_once(&cluster).await;

    cluster.kill(0);
    assert!(
        doomed.ends_within(2).await,
        "the killed instance's stream ends"
    );
    // Every request now lands on instance 1 (nginx passes over the dead one).
    assert_eq!(
        agent_says(&cluster, &filed.ticket_id, "We are on it").await,
        1
    );
    let event = survivor.next().await;
    assert_eq!(
        (event.seq, event.message.as_deref()),
        (2, Some("We are on it"))
    );
    // The shopper's browser reconnects with what it had: the balancer sends it to instance 1,
    // which replays what it missed.
    let (now_on, mut resumed) = follow(&cluster, &filed, Some(1)).await;
    assert_eq!(now_on, 1);
    assert_eq!(resumed.next().await.seq, 2);
    assert!(
        resumed
            .next_within(Duration::from_millis(1500))
            .await
            .is_none()
    );
    assert!(
        survivor
            .next_within(Duration::from_millis(100))
            .await
            .is_none(),
        "no event twice"
    );
    // The claim filed on instance 0, retried now: the same ticket and token from instance 1.
    let (by, status, again) = file(&cluster, &li, "scale-li").await;
    assert_eq!((by, status), (1, 200));
    assert_eq!(
        (again.ticket_id, again.access_token),
        (filed.ticket_id.clone(), filed.access_token.clone())
    );
    // New claims are filed and their mail goes out, once.
    let upload = screenshot(&cluster, 1).await;
    let (by, status, _) = file(&cluster, &claim("max@example.com", upload), "scale-max").await;
    assert_eq!((by, status), (1, 201));
    every_mail_once(&cluster).await;
}
