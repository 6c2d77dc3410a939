//! The claims shoppers file in the tests, written once: a blender that broke in use (a
//! defect, with photos), a gift card that never arrived, and a question about the blender's
//! manual (the simplest claim there is); and filing one as the widget does.

use helpcenter_api::{NewTicket, TicketCreated};
use helpcenter_core::Claim;

/// Wei's blender stopped after two days of use as instructed: `product_quality`, a fault,
/// order #10023456, with `uploads` as its photos.
pub fn broken_blender(uploads: Vec<String>) -> NewTicket {
    NewTicket {
        claim: Claim {
            category: "product_quality".into(),
            answers: vec!["fault".into(), "as_instructed".into()],
            order_number: "#10023456".into(),
            description: "The blender stopped working after two days; the motor hums but the blade does not turn.".into(),
            email: "wei@example.com".into(),
            ..Claim::default()
        },
        uploads,
        locale: "en".into(),
        ..NewTicket::default()
    }
}

/// Wei's gift card does not show up in their account (`other`, order 10023456), with
/// `uploads` (a screenshot).
pub fn missing_gift_card(uploads: Vec<String>) -> NewTicket {
    NewTicket {
        claim: Claim {
            category: "other".into(),
            answers: vec![],
            order_number: "10023456".into(),
            description: "The gift card I bought does not show up in my account at all.".into(),
            email: "wei@example.com".into(),
            ..Claim::default()
        },
        uploads,
        locale: "en".into(),
        ..NewTicket::default()
    }
}

/// A shopper at `email` asks where the blender's manual is (`other`, order #10023456), in
/// English, with `uploads` (a screenshot: every outcome asks for one).
pub fn manual_question(email: &str, uploads: Vec<String>) -> NewTicket {
    NewTicket {
        claim: Claim {
            category: "other".into(),
            answers: vec![],
            order_number: "#10023456".into(),
            description: "Where can I find the manual for the blender?".into(),
            email: email.into(),
            ..Claim::default()
        },
        uploads,
        locale: "en".into(),
        ..NewTicket::default()
    }
}

/// Files `claim` on `site` of the server at `base` with `key` as its Idempotency-Key, as the
/// widget does; the ticket as created (or the test fails, saying what came instead of 201).
pub async fn file_at(
    http: &reqwest::Client,
    base: &str,
    site: &str,
    key: &str,
    claim: &NewTicket,
) -> TicketCreated {
    let response = http
        .post(format!("{base}/v1/sites/{site}/tickets"))
        .header("Idempotency-Key", key)
        .json(claim)
        .send()
        .await
        .expect("create ticket");
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
    response.json().await.expect("the ticket created")
}
