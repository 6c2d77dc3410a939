//! Mail to shoppers against a real SMTP server (aiosmtpd, `support::mail`), each caught mail
//! read with a MIME parser as a mail client would: the receipt in the shopper's language, the
//! store's question, nothing for internal notes, nothing lost or doubled while SMTP is down or
//! the server is killed, refusals recorded for the agent, no header injection, and the link
//! that opens the ticket on another device once.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use helpcenter_api::{NewTicket, OutboxMail, TicketCreated};
use helpcenter_core::Policy;
use helpcenter_media::samples::png;
use mail_parser::{Message, MessageParser};
use serde_json::{Value, json};
use support::TestServer;
use support::free_port;
use support::mail::{MailCatcher, envelope_to};
use support::process::ServerProcess;

const SUPPORT: &str = "support@demo-store.example";

fn parse(raw: &[u8]) -> Message<'_> {
    MessageParser::default()
        .parse(raw)
        .expect("a MIME message mail-parser reads")
}

fn claim(email: &str, locale: &str) -> NewTicket {
    NewTicket {
        locale: locale.into(),
        ..support::claims::manual_question(email, vec![])
    }
}

/// Files `claim`, with a screenshot when it names no upload (every outcome asks for one).
async fn file(server: &TestServer, claim: &NewTicket) -> TicketCreated {
    let mut claim = claim.clone();
    if claim.uploads.is_empty() {
        claim.uploads = vec![server.upload("screenshot.png", &png(800, 600, 3)).await];
    }
    let claim = &claim;
    let response = server
        .http
        .post(server.url("/v1/sites/demo/tickets"))
        .header(
            "Idempotency-Key",
            format!("{}-{}", claim.claim.email, claim.locale),
        )
        .json(claim)
        .send()
        .await
        .expect("create ticket");
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
    response.json().await.expect("ticket created")
}

async fn admin_post(server: &TestServer, path: &str, body: Value) -> Value {
    let response = server
        .admin(server.http.post(server.url(path)))
        .json(&body)
        .send()
        .await
        .expect("admin request");
    assert_eq!(
        response.status(),
        200,
        "{path}: {:?}",
        response.text().await
    );
    response.json().await.expect("json")
}

async fn outbox(server: &TestServer, query: &str) -> Vec<OutboxMail> {
    let response = server
        .admin(
            server
                .http
                .get(server.url(&format!("/v1/admin/outbox{query}"))),
        )
        .send()
        .await
        .expect("outbox");
    assert_eq!(response.status(), 200);
    response.json().await.expect("outbox json")
}

/// The link in a mail's text part: `(ticket, secret)`.
fn link_in(message: &Message<'_>) -> (String, String) {
    let text = message.body_text(0).expect("a text part");
    let url = text
        .split_whitespace()
        .find(|w| w.contains("/t/HC-"))
        .unwrap_or_else(|| panic!("no link in {text}"));
    let (path, fragment) = url.split_once("#k=").expect("a secret in the fragment");
    let ticket = path.rsplit('/').next().expect("ticket id").to_owned();
    // The language the shopper filed in follows the secret: `#k=…&lang=zh-CN`.
    let secret = fragment.split('&').next().unwrap_or_default();
    (ticket, secret.to_owned())
}

#[tokio::test]
async fn the_receipt_arrives_in_the_shoppers_language_with_the_ticket_and_the_policys_words() {
    let catcher = MailCatcher::start().await;
    let server = TestServer::start_mailing(catcher.smtp(), |_| {}).await;
    let policy = Policy::builtin();
    let outcome = policy.outcome("quality_defect").expect("outcome");

    // English: a defect, with its photo.
    let photo = server.upload("blender.png", &png(800, 600, 7)).await;
    let mut english = NewTicket {
        uploads: vec![photo],
        ..claim("wei@example.com", "en")
    };
    english.claim.category = "product_quality".into();
    english.claim.answers = vec!["fault".into(), "as_instructed".into()];
    let filed = file(&server, &english).await;
    let raw = catcher.wait_for("wei@example.com", 1).await;
    assert_eq!(raw.len(), 1, "one receipt");
    let mail = parse(&raw[0]);
    println!(
        "--- a caught receipt ---\n{}",
        String::from_utf8_lossy(&raw[0])
    );
    let id = &filed.ticket_id;
    assert_eq!(
        mail.subject(),
        Some(format!("We received your request {id} (order 10023456)").as_str())
    );
    let from = mail.from().and_then(|f| f.first()).expect("From");
    assert_eq!(from.name(), Some("Demo Store Help Center"));
    assert_eq!(from.address(), Some("help@demo-store.example"));
    assert_eq!(
        mail.to().and_then(|t| t.first()).and_then(|a| a.address()),
        Some("wei@example.com")
    );
    assert_eq!(
        mail.message_id(),
        Some(format!("{id}.1.receipt@demo-store.example").as_str())
    );
    let text = mail.body_text(0).expect("a text part");
    assert!(text.contains(&format!("Its number is {id}.")), "{text}");
    assert!(
        text.contains(&policy.outcome_message("en", outcome)),
        "{text}"
    );
    assert!(text.contains("We will answer you by "), "{text}");
    assert!(text.contains("(Asia/Shanghai time)"), "{text}");
    let html = mail.body_html(0).expect("an HTML part");
    assert!(html.contains(&format!("/t/{id}#k=")), "{html}");
    assert_eq!(mail.text_body_count(), 1);
    assert_eq!(mail.html_body_count(), 1);
    assert_eq!(link_in(&mail).0, *id);

    // Chinese, for a shopper who filed in Chinese.
    let chinese = file(&server, &claim("li@example.com", "zh-CN")).await;
    let raw = catcher.wait_for("li@example.com", 1).await;
    let mail = parse(&raw[0]);
    let id = &chinese.ticket_id;
    assert_eq!(
        mail.subject(),
        Some(format!("我们已收到您的申请 {id}（订单 10023456）").as_str())
    );
    let text = mail.body_text(0).expect("a text part");
    assert!(text.contains(&format!("申请编号为 {id}")), "{text}");
    let other = policy.outcome("other_inquiry").expect("outcome");
    assert!(
        text.contains(&policy.outcome_message("zh-CN", other)),
        "{text}"
    );
    assert!(text.contains("（Asia/Shanghai 时间）"), "{text}");
    // Its link opens a page in Chinese, whatever the browser's language.
    assert!(
        text.contains(&format!("/t/{id}#k=")) && text.contains("&lang=zh-CN"),
        "{text}"
    );

    // The store heard of both claims at its support address.
    let alerts = catcher.wait_for(SUPPORT, 2).await;
    let subjects: Vec<String> = alerts
        .iter()
        .map(|m| parse(m).subject().unwrap_or_default().to_owned())
        .collect();
    assert!(
        subjects.iter().any(|s| s.contains(&filed.ticket_id)),
        "{subjects:?}"
    );
}

#[tokio::test]
async fn an_agents_question_is_mailed_and_an_internal_note_is_not() {
    let catcher = MailCatcher::start().await;
    let server = TestServer::start_mailing(catcher.smtp(), |_| {}).await;
    let filed = file(&server, &claim("ana@example.com", "en")).await;
    let id = &filed.ticket_id;
    catcher.wait_for("ana@example.com", 1).await;
    // Taken up for review: no mail for that alone.
    admin_post(
        &server,
        &format!("/v1/admin/tickets/{id}/transition"),
        json!({ "to": "in_review" }),
    )
    .await;

    let question = "Please send a photo of the label on the bottom of the blender.";
    admin_post(
        &server,
        &format!("/v1/admin/tickets/{id}/request-info"),
        json!({ "message": question }),
    )
    .await;
    admin_post(
        &server,
        &format!("/v1/admin/tickets/{id}/messages"),
        json!({ "body": "Shopper sounds upset; offer a discount code.", "internal": true }),
    )
    .await;
    // A public message after the note: once it is here, the note had its chance to mail.
    admin_post(
        &server,
        &format!("/v1/admin/tickets/{id}/messages"),
        json!({ "body": "Thank you, we are on it.", "internal": false }),
    )
    .await;
    let raw = catcher.wait_for("ana@example.com", 3).await;
    let mails: Vec<Message<'_>> = raw.iter().map(|m| parse(m)).collect();
    let kinds: Vec<&str> = mails
        .iter()
        .map(|m| {
            let id = m.message_id().expect("Message-ID");
            let local = id.split('@').next().unwrap_or("");
            local.split('.').nth(2).unwrap_or("")
        })
        .collect();
    assert_eq!(kinds, ["receipt", "info_request", "message"]);
    let asked = &mails[1];
    assert_eq!(
        asked.subject(),
        Some(format!("We need more information for your request {id}").as_str())
    );
    assert!(asked.body_text(0).expect("text").contains(question));
    assert!(
        asked
            .body_html(0)
            .expect("html")
            .contains("Answer and add photos")
    );
    // It threads under the receipt.
    assert_eq!(
        asked.in_reply_to().as_text(),
        Some(format!("{id}.1.receipt@demo-store.example").as_str())
    );
    for mail in &mails {
        let text = mail.body_text(0).expect("text");
        assert!(
            !text.contains("discount"),
            "the internal note leaked: {text}"
        );
    }
    // The outbox agrees: no mail for taking it up (seq 2) or for the note (seq 4).
    let listed = outbox(&server, &format!("?ticket={id}")).await;
    assert!(
        listed
            .iter()
            .all(|m| m.event_seq != Some(2) && m.event_seq != Some(4)),
        "{listed:?}"
    );
    assert_eq!(
        listed
            .iter()
            .filter(|m| m.recipient == "ana@example.com")
            .count(),
        3
    );
}

/// The Message-IDs' kinds (`{ticket}.{seq}.{kind}@…`) of `mails`, in order.
fn kinds_of(mails: &[Message<'_>]) -> Vec<String> {
    mails
        .iter()
        .map(|m| {
            let id = m.message_id().expect("Message-ID");
            let local = id.split('@').next().unwrap_or("");
            local.splitn(3, '.').skip(1).collect::<Vec<_>>().join(".")
        })
        .collect()
}

#[tokio::test]
async fn a_question_asked_in_the_console_is_mailed_and_so_is_a_message_written_with_the_cli() {
    let catcher = MailCatcher::start().await;
    let server = TestServer::start_mailing(catcher.smtp(), |_| {}).await;
    let password = "correct horse battery staple";
    {
        let store = server.store().await;
        helpcenter_server::agents::add_agent(
            &store,
            "demo",
            "wei@demo-store.example",
            "Wei",
            helpcenter_api::console::AgentRole::Agent,
            password,
        )
        .await
        .expect("add an agent");
    }
    let signed_in = server
        .http
        .post(server.url("/v1/console/session"))
        .header("Origin", &server.base)
        .json(&json!({"site": "demo", "email": "wei@demo-store.example", "password": password}))
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
    let console = |path: String, body: Value| {
        let request = server
            .http
            .post(server.url(&path))
            .header("Cookie", &cookie)
            .header("Origin", &server.base)
            .json(&body);
        async move {
            let response = request.send().await.expect("console request");
            let status = response.status();
            let text = response.text().await.expect("text");
            assert_eq!(status, 200, "POST {path}: {text}");
            serde_json::from_str::<Value>(&text).expect("a console ticket")
        }
    };

    let filed = file(&server, &claim("kim@example.com", "en")).await;
    let id = &filed.ticket_id;
    catcher.wait_for("kim@example.com", 1).await;
    // Straight from the new ticket: reviewed (event 2, no mail) and asked (event 3) at once.
    let question = "Please send a photo of the serial number under the base.";
    let asked = console(
        format!("/v1/console/tickets/{id}/request-info"),
        json!({ "question": question }),
    )
    .await;
    assert_eq!(asked["status"], "needs_info");
    console(
        format!("/v1/console/tickets/{id}/messages"),
        json!({ "body": "Second claim this month; check the order history.", "internal": true }),
    )
    .await;
    let raw = catcher.wait_for("kim@example.com", 2).await;
    let mails: Vec<Message<'_>> = raw.iter().map(|m| parse(m)).collect();
    assert_eq!(kinds_of(&mails), ["1.receipt", "3.info_request"]);
    let mail = &mails[1];
    assert_eq!(
        mail.subject(),
        Some(format!("We need more information for your request {id}").as_str())
    );
    assert!(mail.body_text(0).expect("text").contains(question));
    assert_eq!(link_in(mail).0, *id);

    // An agent at the shell: the CLI writes the message and its mail in one transaction, and
    // the running server's worker sends it.
    let output = Command::new(env!("CARGO_BIN_EXE_helpcenter-server"))
        .args([
            "admin",
            "tickets",
            "message",
            id,
            "Thank you, we are on it.",
        ])
        .arg("--data-dir")
        .arg(&server.data_dir)
        .envs(support::database_env(&server.data_dir))
        .output()
        .expect("run the CLI");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let raw = catcher.wait_for("kim@example.com", 3).await;
    let mails: Vec<Message<'_>> = raw.iter().map(|m| parse(m)).collect();
    assert_eq!(
        kinds_of(&mails),
        ["1.receipt", "3.info_request", "5.message"]
    );
    assert!(
        mails[2]
            .body_text(0)
            .expect("text")
            .contains("Thank you, we are on it.")
    );
    for mail in &mails {
        let text = mail.body_text(0).expect("text");
        assert!(!text.contains("order history"), "the note leaked: {text}");
    }
    // The outbox agrees: nothing for the review (2) or the internal note (4).
    let listed = outbox(&server, &format!("?ticket={id}")).await;
    let mut shoppers: Vec<Option<u32>> = listed
        .iter()
        .filter(|m| m.recipient == "kim@example.com")
        .map(|m| m.event_seq)
        .collect();
    shoppers.sort();
    assert_eq!(shoppers, [Some(1), Some(3), Some(5)]);
    assert!(
        listed
            .iter()
            .all(|m| m.event_seq != Some(2) && m.event_seq != Some(4)),
        "{listed:?}"
    );
}

#[tokio::test]
async fn mail_written_while_smtp_is_down_goes_out_once_each_in_order_when_it_is_back() {
    let mut catcher = MailCatcher::stopped();
    let server = TestServer::start_mailing(catcher.smtp(), |_| {}).await;
    let filed = file(&server, &claim("sam@example.com", "en")).await;
    let id = &filed.ticket_id;
    admin_post(
        &server,
        &format!("/v1/admin/tickets/{id}/transition"),
        json!({ "to": "in_review" }),
    )
    .await;
    admin_post(
        &server,
        &format!("/v1/admin/tickets/{id}/request-info"),
        json!({ "message": "Which colour did you order?" }),
    )
    .await;
    admin_post(
        &server,
        &format!("/v1/admin/tickets/{id}/messages"),
        json!({ "body": "We found your order.", "internal": false }),
    )
    .await;
    // Down: tried, failing, kept.
    let mut tried = Vec::new();
    for _ in 0..100 {
        tried = outbox(&server, &format!("?ticket={id}")).await;
        if tried.iter().any(|m| m.attempts >= 2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        tried
            .iter()
            .all(|m| m.state == helpcenter_api::MailState::Pending),
        "{tried:?}"
    );
    let failing = tried
        .iter()
        .find(|m| m.attempts >= 2)
        .expect("retried while down");
    assert!(failing.last_error.is_some(), "{failing:?}");

    catcher.start_again().await;
    let raw = catcher.wait_for("sam@example.com", 3).await;
    // Let a duplicate, if there were one, arrive too.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let raw_again = catcher.wait_for("sam@example.com", 3).await;
    assert_eq!(raw_again.len(), 3, "three mails, none twice");
    let ids: Vec<String> = raw
        .iter()
        .map(|m| parse(m).message_id().expect("Message-ID").to_owned())
        .collect();
    assert_eq!(
        ids,
        [
            format!("{id}.1.receipt@demo-store.example"),
            format!("{id}.3.info_request@demo-store.example"),
            format!("{id}.4.message@demo-store.example"),
        ]
    );
    let sent = outbox(&server, &format!("?ticket={id}&state=sent")).await;
    assert_eq!(
        sent.len(),
        4,
        "three to the shopper and the store's alert: {sent:?}"
    );
}

#[tokio::test]
async fn a_refused_address_fails_with_its_reason_and_shows_on_the_timeline_only() {
    let catcher = MailCatcher::start().await;
    let server = TestServer::start_mailing(catcher.smtp(), |_| {}).await;
    let filed = file(&server, &claim("nobody@refused.invalid", "en")).await;
    let id = &filed.ticket_id;
    let mut failed = Vec::new();
    for _ in 0..100 {
        failed = outbox(&server, "?state=failed").await;
        if !failed.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(failed.len(), 1, "{failed:?}");
    let error = failed[0].last_error.as_deref().expect("a reason");
    assert!(error.contains("550"), "{error}");
    assert_eq!(failed[0].recipient, "nobody@refused.invalid");

    // The agent sees why on the ticket; the ticket is otherwise as it was.
    let mut note = None;
    for _ in 0..50 {
        let ticket: Value = server.admin_view(id).await;
        note = ticket["timeline"]
            .as_array()
            .and_then(|t| t.iter().find(|e| e["kind"] == "internal_note").cloned());
        if note.is_some() {
            assert_eq!(ticket["status"], "submitted");
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let note = note.expect("an internal note about the refused mail");
    let text = note["message"].as_str().expect("note text");
    assert!(
        text.contains("nobody@refused.invalid") && text.contains("550"),
        "{text}"
    );
    assert_eq!(note["actor"], "system");
    // The shopper's view has no such note.
    let shopper: Value = server
        .http
        .get(server.url(&format!("/v1/tickets/{id}")))
        .bearer_auth(&filed.access_token)
        .send()
        .await
        .expect("shopper view")
        .json()
        .await
        .expect("json");
    assert!(
        shopper["timeline"]
            .as_array()
            .expect("timeline")
            .iter()
            .all(|e| e["kind"] != "internal_note"),
        "{shopper}"
    );
    // The store's alert about the claim went out all the same.
    catcher.wait_for(SUPPORT, 1).await;
}

#[tokio::test]
async fn cr_and_lf_in_names_order_numbers_and_messages_make_no_header() {
    let catcher = MailCatcher::start().await;
    let server = TestServer::start_mailing(catcher.smtp(), |site| {
        site.display_name = "Demo\r\nBcc: evil@evil.example".into();
        let mail = site.mail.as_mut().expect("demo mail");
        mail.from.name = Some("Demo Store\r\nBcc: evil@evil.example\r\nX-Injected: yes".into());
    })
    .await;
    // The order number cannot carry a line break at all: refused at filing.
    let mut broken = claim("eve@example.com", "en");
    broken.claim.order_number = "10023456\r\nBcc: evil@evil.example".into();
    let refused = server
        .http
        .post(server.url("/v1/sites/demo/tickets"))
        .header("Idempotency-Key", "injection-order")
        .json(&broken)
        .send()
        .await
        .expect("create");
    assert_eq!(refused.status(), 422);
    // The description reaches the store's alert, the agent's message the shopper's mail.
    let mut injected = claim("eve@example.com", "en");
    injected.claim.description = "Broken.\r\nBcc: evil@evil.example\r\n\r\nX-Injected: yes".into();
    let filed = file(&server, &injected).await;
    let id = &filed.ticket_id;
    admin_post(
        &server,
        &format!("/v1/admin/tickets/{id}/messages"),
        json!({ "body": "Hello\r\nBcc: evil@evil.example\r\n.\r\nMAIL FROM:<x@evil.example>", "internal": false }),
    )
    .await;
    let to_shopper = catcher.wait_for("eve@example.com", 2).await;
    let to_store = catcher.wait_for(SUPPORT, 1).await;
    let expected = [
        "X-Caught-Rcpt-To",
        "From",
        "To",
        "Subject",
        "Message-ID",
        "Date",
        "Auto-Submitted",
        "In-Reply-To",
        "References",
        "MIME-Version",
        "Content-Type",
    ];
    for raw in to_shopper.iter().chain(&to_store) {
        let mail = parse(raw);
        for header in mail.headers() {
            assert!(
                expected
                    .iter()
                    .any(|e| e.eq_ignore_ascii_case(header.name())),
                "an extra header {:?} in\n{}",
                header.name(),
                String::from_utf8_lossy(raw)
            );
        }
        assert!(mail.bcc().is_none());
        assert_eq!(mail.header_raw("X-Injected"), None);
        // Only the intended recipient got it.
        let rcpt = envelope_to(raw);
        assert!(rcpt == ["eve@example.com"] || rcpt == [SUPPORT], "{rcpt:?}");
        // The sender's name is one (encoded) name, line breaks and all.
        let from = mail.from().and_then(|f| f.first()).expect("From");
        assert_eq!(from.address(), Some("help@demo-store.example"));
    }
    // Nobody else got anything.
    assert!(catcher.caught().iter().all(|m| {
        let rcpt = envelope_to(m);
        rcpt == ["eve@example.com"] || rcpt == [SUPPORT]
    }));
    let message = parse(&to_shopper[1]);
    let text = message.body_text(0).expect("text");
    assert!(
        text.contains("MAIL FROM:<x@evil.example>"),
        "the message is kept as written: {text}"
    );
}

#[tokio::test]
async fn the_link_opens_the_ticket_once_and_nothing_else() {
    let catcher = MailCatcher::start().await;
    let server = TestServer::start_mailing(catcher.smtp(), |_| {}).await;
    let first = file(&server, &claim("kim@example.com", "en")).await;
    let second = file(&server, &claim("lee@example.com", "en")).await;
    let raw = catcher.wait_for("kim@example.com", 1).await;
    let (ticket, secret) = link_in(&parse(&raw[0]));
    assert_eq!(ticket, first.ticket_id);
    let exchange = |ticket: String, secret: String| {
        let server = &server;
        async move {
            server
                .http
                .post(server.url(&format!("/v1/tickets/{ticket}/link")))
                .json(&json!({ "secret": secret }))
                .send()
                .await
                .expect("exchange")
        }
    };

    // Another ticket's id with this secret: refused, and the secret is not used up by it.
    let other = exchange(second.ticket_id.clone(), secret.clone()).await;
    assert_refused(other, &[&first.ticket_id, &second.ticket_id]).await;
    // A forged one.
    let forged = exchange(ticket.clone(), "A".repeat(43)).await;
    assert_refused(forged, &[&first.ticket_id]).await;

    // The real one, on a device with nothing stored: a token that opens the ticket.
    let opened = exchange(ticket.clone(), secret.clone()).await;
    assert_eq!(opened.status(), 200);
    let opened: TicketCreated = opened.json().await.expect("ticket and token");
    assert_eq!(opened.ticket_id, first.ticket_id);
    assert_ne!(opened.access_token, first.access_token);
    let shown = server
        .http
        .get(server.url(&format!("/v1/tickets/{ticket}")))
        .bearer_auth(&opened.access_token)
        .send()
        .await
        .expect("show");
    assert_eq!(shown.status(), 200);

    // Used up.
    let again = exchange(ticket.clone(), secret).await;
    assert_refused(again, &[&first.ticket_id]).await;

    // An expired one.
    let raw = catcher.wait_for("lee@example.com", 1).await;
    let (lee_ticket, lee_secret) = link_in(&parse(&raw[0]));
    expire_links(&server.data_dir, &lee_ticket).await;
    let expired = exchange(lee_ticket, lee_secret).await;
    assert_refused(expired, &[&second.ticket_id]).await;

    // The standalone page the link points to is the widget's own.
    let page = server
        .http
        .get(server.url(&format!("/t/{ticket}")))
        .send()
        .await
        .expect("ticket page");
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .expect("csp")
            .contains("frame-ancestors")
    );
    assert!(
        page.text()
            .await
            .expect("html")
            .contains("<title>Help Center</title>")
    );
}

async fn assert_refused(response: reqwest::Response, ticket_ids: &[&str]) {
    assert_eq!(response.status(), 404);
    let body = response.text().await.expect("body");
    let problem: Value = serde_json::from_str(&body).expect("problem details");
    assert_eq!(problem["code"], "link.invalid");
    for id in ticket_ids {
        assert!(!body.contains(id), "the refusal names a ticket: {body}");
    }
}

/// Moves every link of `ticket` past its expiry, as 30 days would.
async fn expire_links(data_dir: &Path, ticket: &str) {
    sqlx::any::install_default_drivers();
    let url = match support::database(data_dir) {
        helpcenter_server::store::Database::Postgres(url) => url,
        helpcenter_server::store::Database::Sqlite(path) => format!("sqlite://{}", path.display()),
    };
    let db = sqlx::AnyPool::connect(&url)
        .await
        .expect("open the database");
    sqlx::query(
        "UPDATE ticket_links SET expires_at = '2000-01-01T00:00:00.000000Z' WHERE ticket_id = $1",
    )
    .bind(ticket)
    .execute(&db)
    .await
    .expect("expire");
}

#[tokio::test]
async fn find_a_request_mails_a_fresh_link_only_to_the_tickets_address_and_says_the_same_either_way()
 {
    let catcher = MailCatcher::start().await;
    let server = TestServer::start_mailing(catcher.smtp(), |_| {}).await;
    let filed = file(&server, &claim("ola@example.com", "en")).await;
    catcher.wait_for("ola@example.com", 1).await;
    let ask = |email: &'static str, ticket: String| {
        let server = &server;
        async move {
            server
                .http
                .post(server.url("/v1/sites/demo/tickets/recover/link"))
                .json(&json!({ "ticket_id": ticket, "email": email }))
                .send()
                .await
                .expect("ask for a link")
        }
    };
    let wrong = ask("someone@example.com", filed.ticket_id.clone()).await;
    assert_eq!(wrong.status(), 202);
    let wrong_body = wrong.bytes().await.expect("body");
    let unknown = ask("ola@example.com", "HC-ZZZZZZ".into()).await;
    assert_eq!(unknown.status(), 202);
    let right = ask("OLA@example.com", filed.ticket_id.to_lowercase()).await;
    assert_eq!(right.status(), 202);
    assert_eq!(right.bytes().await.expect("body"), wrong_body);

    let raw = catcher.wait_for("ola@example.com", 2).await;
    let mail = parse(&raw[1]);
    assert_eq!(
        mail.subject(),
        Some(format!("Your link to request {}", filed.ticket_id).as_str())
    );
    let (ticket, secret) = link_in(&mail);
    let opened = server
        .http
        .post(server.url(&format!("/v1/tickets/{ticket}/link")))
        .json(&json!({ "secret": secret }))
        .send()
        .await
        .expect("exchange");
    assert_eq!(opened.status(), 200);
    // Nothing went to the wrong address; asking again at once sends nothing more.
    assert!(
        catcher
            .caught()
            .iter()
            .all(|m| envelope_to(m) != ["someone@example.com"])
    );
    let again = ask("ola@example.com", filed.ticket_id.clone()).await;
    assert_eq!(again.status(), 202);
    let links = outbox(&server, &format!("?ticket={}", filed.ticket_id)).await;
    assert_eq!(
        links
            .iter()
            .filter(|m| m.kind == helpcenter_api::MailKind::Link)
            .count(),
        1
    );
}

#[tokio::test]
async fn a_killed_server_delivers_what_it_had_not_sent_once_it_is_back() {
    let mut catcher = MailCatcher::stopped();
    let data = tempfile::tempdir().expect("temp dir");
    let config = data.path().join("helpcenter.toml");
    std::fs::write(
        &config,
        format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nretry_first_seconds = 0.2\nretry_max_seconds = 1.0\n",
            catcher.port
        ),
    )
    .expect("write the config");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let server = ServerProcess::start(data.path(), &config, port).await;
    let http = reqwest::Client::new();
    let screenshot =
        support::upload_at(&http, &base, "demo", "screenshot.png", &png(800, 600, 5)).await;
    let created: TicketCreated = http
        .post(format!("{base}/v1/sites/demo/tickets"))
        .header("Idempotency-Key", "killed-1")
        .json(&NewTicket {
            uploads: vec![screenshot],
            ..claim("max@example.com", "en")
        })
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("created");
    let admin_key = std::fs::read_to_string(data.path().join("demo-admin-key")).expect("admin key");
    let pending = |http: reqwest::Client| {
        let (base, key) = (base.clone(), admin_key.trim().to_owned());
        async move {
            http.get(format!("{base}/v1/admin/outbox?state=pending"))
                .bearer_auth(key)
                .send()
                .await
                .expect("outbox")
                .json::<Vec<OutboxMail>>()
                .await
                .expect("json")
        }
    };
    // Tried at least once, not delivered: SMTP is down.
    for _ in 0..100 {
        if pending(http.clone()).await.iter().any(|m| m.attempts >= 1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(pending(http.clone()).await.iter().any(|m| m.attempts >= 1));
    server.kill();

    catcher.start_again().await;
    let _server = ServerProcess::start(data.path(), &config, port).await;
    let raw = catcher.wait_for("max@example.com", 1).await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(
        catcher.wait_for("max@example.com", 1).await.len(),
        1,
        "once"
    );
    assert_eq!(
        parse(&raw[0]).message_id(),
        Some(format!("{}.1.receipt@demo-store.example", created.ticket_id).as_str())
    );
    // The kill may land mid-attempt (SMTP was down, so nothing went): that mail stays claimed
    // by the dead instance until its lease runs out, then goes like the rest.
    let deadline = std::time::Instant::now()
        + helpcenter_server::store::queues::CLAIM_LEASE
        + helpcenter_server::outbox::POLL
        + Duration::from_secs(5);
    while std::time::Instant::now() < deadline {
        if pending(http.clone()).await.is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "mail still pending after delivery: {:?}",
        pending(http.clone()).await
    );
}

#[tokio::test]
async fn the_cli_lists_failed_mail_with_its_reason_and_puts_it_back_in_line() {
    let catcher = MailCatcher::start().await;
    let server = TestServer::start_mailing(catcher.smtp(), |_| {}).await;
    file(&server, &claim("gone@refused.invalid", "en")).await;
    let mut failed = Vec::new();
    for _ in 0..100 {
        failed = outbox(&server, "?state=failed").await;
        if !failed.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mail = failed.first().expect("a failed mail");
    let cli = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_helpcenter-server"))
            .args(["admin", "outbox"])
            .args(args)
            .arg("--data-dir")
            .arg(&server.data_dir)
            .envs(support::database_env(&server.data_dir))
            .output()
            .expect("run the CLI");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (ok, listed, error) = cli(&["list", "--state", "failed"]);
    assert!(ok, "{error}");
    assert!(
        listed.contains(&mail.id) && listed.contains("gone@refused.invalid"),
        "{listed}"
    );
    assert!(
        listed.contains("last error:") && listed.contains("550"),
        "{listed}"
    );
    assert!(listed.ends_with("1 mail(s)\n"), "{listed}");

    let (ok, retried, error) = cli(&["retry", &mail.id]);
    assert!(ok, "{retried}{error}");
    assert!(retried.contains("pending again"), "{retried}");
    // The running server tries it again (and it is refused again).
    for _ in 0..100 {
        let again = outbox(&server, "?state=failed").await;
        if again.first().is_some_and(|m| m.attempts >= 2) {
            let (ok, _, error) = cli(&["list", "--state", "lost"]);
            assert!(!ok);
            assert!(error.contains("unknown mail state \"lost\""), "{error}");
            let (ok, _, error) = cli(&["retry", "m-nosuchmail"]);
            assert!(!ok);
            assert!(error.contains("not_found"), "{error}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the retried mail was not tried again");
}

#[tokio::test]
async fn the_decision_says_what_it_means_and_the_store_hears_of_answers_and_disputes() {
    let catcher = MailCatcher::start().await;
    let server = TestServer::start_mailing(catcher.smtp(), |site| {
        site.mail.as_mut().expect("demo mail").ticket_url =
            Some("https://shop.example/help?ticket={ticket}#k={secret}".into());
    })
    .await;
    let filed = file(&server, &claim("zoe@example.com", "en")).await;
    let id = filed.ticket_id.clone();
    let admin = |path: &str, body: Value| {
        let (server, path) = (&server, format!("/v1/admin/tickets/{id}/{path}"));
        async move { admin_post(server, &path, body).await }
    };
    let shopper = |path: &str, body: Value| {
        let (server, path) = (&server, format!("/v1/tickets/{id}/{path}"));
        let token = filed.access_token.clone();
        async move {
            let response = server
                .http
                .post(server.url(&path))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("shopper request");
            assert_eq!(
                response.status(),
                200,
                "{path}: {:?}",
                response.text().await
            );
        }
    };
    admin("transition", json!({ "to": "in_review" })).await;
    admin("request-info", json!({ "message": "Which model is it?" })).await;
    shopper(
        "replies",
        json!({ "message": "The BX-200, bought in May.", "uploads": [] }),
    )
    .await;
    admin(
        "transition",
        json!({ "to": "resolved", "resolution": "exchange", "message": "A new one ships on Monday." }),
    )
    .await;
    shopper(
        "escalate",
        json!({ "message": "I would rather have my money back." }),
    )
    .await;
    admin(
        "transition",
        json!({ "to": "resolved", "resolution": "refund" }),
    )
    .await;
    admin("transition", json!({ "to": "closed" })).await;

    let to_shopper = catcher.wait_for("zoe@example.com", 5).await;
    let mails: Vec<Message<'_>> = to_shopper.iter().map(|m| parse(m)).collect();
    let subjects: Vec<&str> = mails.iter().map(|m| m.subject().unwrap_or("")).collect();
    assert_eq!(
        subjects,
        [
            format!("We received your request {id} (order 10023456)").as_str(),
            &format!("We need more information for your request {id}"),
            &format!("Our decision on your request {id}"),
            &format!("Our decision on your request {id}"),
            &format!("Your request {id} is closed"),
        ]
    );
    let exchange = mails[2].body_text(0).expect("text");
    assert!(exchange.contains("We will exchange the item"), "{exchange}");
    assert!(
        exchange.contains("A new one ships on Monday."),
        "{exchange}"
    );
    // The demo's policy is a page of its storefront, next door to the server.
    let storefront_port = server
        .base
        .rsplit(':')
        .next()
        .and_then(|port| port.parse::<u16>().ok())
        .expect("port")
        + 1;
    let policy = format!("http://127.0.0.1:{storefront_port}/returns.html");
    assert!(
        exchange.contains(&policy),
        "the Return and Exchange Policy: {exchange}"
    );
    assert!(exchange.contains("friendly negotiation"), "§IV: {exchange}");
    // The site's own page opens the ticket.
    assert!(
        exchange.contains(&format!("https://shop.example/help?ticket={id}#k=")),
        "{exchange}"
    );
    let refund = mails[3].body_text(0).expect("text");
    assert!(refund.contains("We will refund you"), "{refund}");
    assert!(
        !refund.contains(&policy),
        "a refund is not under the returns policy: {refund}"
    );

    let to_store = catcher.wait_for(SUPPORT, 3).await;
    let store: Vec<Message<'_>> = to_store.iter().map(|m| parse(m)).collect();
    let subjects: Vec<&str> = store.iter().map(|m| m.subject().unwrap_or("")).collect();
    assert_eq!(
        subjects,
        [
            format!("New claim {id} (order 10023456)").as_str(),
            &format!("The shopper answered on {id}"),
            &format!("Dispute on {id} (order 10023456)"),
        ]
    );
    assert!(
        store[1]
            .body_text(0)
            .expect("text")
            .contains("The BX-200, bought in May.")
    );
    assert!(
        store[2]
            .body_text(0)
            .expect("text")
            .contains("I would rather have my money back.")
    );
    // The store's alerts carry no link that would log an agent in as the shopper.
    assert!(
        store
            .iter()
            .all(|m| !m.body_text(0).expect("text").contains("#k="))
    );
}

/// The kind of a caught mail, from its Message-ID (`HC-….3.info_request@…` → `info_request`).
fn kind_of(raw: &[u8]) -> String {
    let id = parse(raw).message_id().expect("Message-ID").to_owned();
    let local = id.split('@').next().unwrap_or_default();
    local.rsplit('.').next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_mail_put_off_holds_only_its_own_ticket_and_each_tickets_mail_keeps_its_order() {
    let catcher = MailCatcher::start().await;
    // The greylisted address is put off twice (451): it goes out on the third attempt,
    // after waits of 2 s and 4 s.
    let smtp = helpcenter_server::mail::SmtpConfig {
        retry_first_seconds: Some(2.0),
        retry_max_seconds: Some(4.0),
        ..catcher.smtp()
    };
    let server = TestServer::start_mailing(smtp, |_| {}).await;
    let greylisted = "ann@greylisted.invalid";
    let a = file(&server, &claim(greylisted, "en")).await;
    let a_id = &a.ticket_id;
    admin_post(
        &server,
        &format!("/v1/admin/tickets/{a_id}/request-info"),
        json!({ "message": "Which colour did you order?" }),
    )
    .await;
    let b = file(&server, &claim("ben@example.com", "en")).await;
    let b_id = &b.ticket_id;
    admin_post(
        &server,
        &format!("/v1/admin/tickets/{b_id}/request-info"),
        json!({ "message": "Which size did you order?" }),
    )
    .await;

    // Ticket B's mail goes out while ticket A's receipt waits to be tried again.
    let to_ben = catcher.wait_for("ben@example.com", 2).await;
    let held = outbox(&server, &format!("?ticket={a_id}&state=pending")).await;
    let receipt = held
        .iter()
        .find(|m| m.kind == helpcenter_api::MailKind::Receipt)
        .unwrap_or_else(|| panic!("A's receipt still pending when B's mail arrived: {held:?}"));
    assert!(receipt.attempts >= 1, "{receipt:?}");
    let error = receipt.last_error.as_deref().expect("why it waits");
    assert!(error.contains("451"), "{error}");
    // A's question waits behind A's receipt, untried.
    let question = held
        .iter()
        .find(|m| m.kind == helpcenter_api::MailKind::InfoRequest)
        .expect("A's question pending");
    assert_eq!(question.attempts, 0, "{question:?}");
    assert_eq!(
        to_ben.iter().map(|m| kind_of(m)).collect::<Vec<_>>(),
        ["receipt", "info_request"]
    );
    // The store heard of both claims: its alert about A is not A's shopper's queue.
    let to_store = catcher.wait_for(SUPPORT, 2).await;
    let alerted: Vec<String> = to_store
        .iter()
        .map(|m| parse(m).subject().unwrap_or_default().to_owned())
        .collect();
    assert!(
        alerted.iter().any(|s| s.contains(a_id.as_str()))
            && alerted.iter().any(|s| s.contains(b_id.as_str())),
        "{alerted:?}"
    );
    assert!(
        catcher
            .caught()
            .iter()
            .all(|m| envelope_to(m) != [greylisted]),
        "A's receipt went out while put off"
    );

    // Once accepted, A's mail arrives in the order it was written, once each.
    let to_ann = catcher.wait_for(greylisted, 2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let to_ann_again = catcher.wait_for(greylisted, 2).await;
    assert_eq!(to_ann_again.len(), 2, "once each");
    assert_eq!(
        to_ann.iter().map(|m| kind_of(m)).collect::<Vec<_>>(),
        ["receipt", "info_request"]
    );
}

#[tokio::test]
async fn many_tickets_mail_written_while_smtp_is_down_goes_out_at_once_each_ticket_in_order() {
    let mut catcher = MailCatcher::stopped();
    let server = TestServer::start_mailing(catcher.smtp(), |_| {}).await;
    let mut tickets = Vec::new();
    for n in 0..6 {
        let email = format!("shopper{n}@example.com");
        let filed = file(&server, &claim(&email, "en")).await;
        let id = filed.ticket_id.clone();
        admin_post(
            &server,
            &format!("/v1/admin/tickets/{id}/transition"),
            json!({ "to": "in_review" }),
        )
        .await;
        admin_post(
            &server,
            &format!("/v1/admin/tickets/{id}/request-info"),
            json!({ "message": "Which colour did you order?" }),
        )
        .await;
        admin_post(
            &server,
            &format!("/v1/admin/tickets/{id}/messages"),
            json!({ "body": "We found your order.", "internal": false }),
        )
        .await;
        tickets.push((email, id));
    }
    catcher.start_again().await;
    for (email, _) in &tickets {
        catcher.wait_for(email, 3).await;
    }
    // Let a duplicate, if there were one, arrive too.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for (email, id) in &tickets {
        let raw = catcher.wait_for(email, 3).await;
        let ids: Vec<String> = raw
            .iter()
            .map(|m| parse(m).message_id().expect("Message-ID").to_owned())
            .collect();
        assert_eq!(raw.len(), 3, "three mails to {email}, none twice: {ids:?}");
        assert_eq!(
            ids,
            [
                format!("{id}.1.receipt@demo-store.example"),
                format!("{id}.3.info_request@demo-store.example"),
                format!("{id}.4.message@demo-store.example"),
            ],
            "{email}'s mail in the order it was written"
        );
    }
    assert_eq!(
        catcher.wait_for(SUPPORT, 6).await.len(),
        6,
        "one alert a claim"
    );
}

/// Only the headers the server writes, no Bcc, none injected, and only `recipients` in the
/// envelope.
fn assert_no_header_made(raw: &[u8], recipients: &[&str]) {
    const WRITTEN: [&str; 11] = [
        "X-Caught-Rcpt-To",
        "From",
        "To",
        "Subject",
        "Message-ID",
        "Date",
        "Auto-Submitted",
        "In-Reply-To",
        "References",
        "MIME-Version",
        "Content-Type",
    ];
    let mail = parse(raw);
    for header in mail.headers() {
        assert!(
            WRITTEN
                .iter()
                .any(|e| e.eq_ignore_ascii_case(header.name())),
            "an extra header {:?} in\n{}",
            header.name(),
            String::from_utf8_lossy(raw)
        );
    }
    assert!(mail.bcc().is_none());
    assert_eq!(mail.header_raw("X-Injected"), None);
    let rcpt = envelope_to(raw);
    assert!(
        rcpt.len() == 1 && recipients.contains(&rcpt[0].as_str()),
        "{rcpt:?}"
    );
}

#[tokio::test]
async fn cr_and_lf_in_the_shoppers_email_answer_and_dispute_make_no_header() {
    let catcher = MailCatcher::start().await;
    let server = TestServer::start_mailing(catcher.smtp(), |_| {}).await;
    // The address mail goes To: a line break in it is refused at filing, nothing kept.
    for email in [
        "eve@example.com\r\nBcc: evil@evil.example",
        "eve@example.com\nBcc: evil@evil.example",
        "Eve <eve@example.com>\r\nX-Injected: yes",
    ] {
        let refused = server
            .http
            .post(server.url("/v1/sites/demo/tickets"))
            .header("Idempotency-Key", format!("injection-{}", email.len()))
            .json(&claim(email, "en"))
            .send()
            .await
            .expect("create");
        assert_eq!(refused.status(), 422, "{email:?}");
        let problem: Value = refused.json().await.expect("problem");
        assert!(problem.to_string().contains("email"), "{problem}");
    }
    assert!(
        outbox(&server, "").await.is_empty(),
        "nothing written for a refused claim"
    );

    let filed = file(&server, &claim("eve@example.com", "en")).await;
    let id = filed.ticket_id.clone();
    let shopper = |path: &'static str, body: Value| {
        let (server, id, token) = (&server, id.clone(), filed.access_token.clone());
        async move {
            let response = server
                .http
                .post(server.url(&format!("/v1/tickets/{id}/{path}")))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("shopper request");
            assert_eq!(
                response.status(),
                200,
                "{path}: {:?}",
                response.text().await
            );
        }
    };
    admin_post(
        &server,
        &format!("/v1/admin/tickets/{id}/request-info"),
        json!({ "message": "Which model is it?" }),
    )
    .await;
    shopper(
        "replies",
        json!({ "message": "BX-200\r\nBcc: evil@evil.example\r\nX-Injected: yes\r\n\r\n.\r\nRCPT TO:<evil@evil.example>", "uploads": [] }),
    )
    .await;
    admin_post(
        &server,
        &format!("/v1/admin/tickets/{id}/transition"),
        json!({ "to": "resolved", "resolution": "exchange" }),
    )
    .await;
    shopper(
        "escalate",
        json!({ "message": "No.\r\nBcc: evil@evil.example\nX-Injected: yes" }),
    )
    .await;
    // Asking for a fresh link with a broken address sends nothing, and says the same.
    let asked = server
        .http
        .post(server.url("/v1/sites/demo/tickets/recover/link"))
        .json(&json!({ "ticket_id": id, "email": "eve@example.com\r\nBcc: evil@evil.example" }))
        .send()
        .await
        .expect("ask for a link");
    assert_eq!(asked.status(), 202);

    let to_store = catcher.wait_for(SUPPORT, 3).await;
    let to_shopper = catcher.wait_for("eve@example.com", 3).await;
    for raw in to_store.iter().chain(&to_shopper) {
        assert_no_header_made(raw, &["eve@example.com", SUPPORT]);
    }
    let answer = parse(&to_store[1]).body_text(0).expect("text").into_owned();
    assert!(
        answer.contains("RCPT TO:<evil@evil.example>"),
        "kept as written: {answer}"
    );
    assert!(
        outbox(&server, &format!("?ticket={id}"))
            .await
            .iter()
            .all(|m| m.kind != helpcenter_api::MailKind::Link),
        "no link for a broken address"
    );
    assert!(catcher.caught().iter().all(|m| {
        let rcpt = envelope_to(m);
        rcpt == ["eve@example.com"] || rcpt == [SUPPORT]
    }));
}
