//! The claims shoppers file in the tests, written once: a blender that broke in use (a
//! defect, with photos) and a question about its manual (the simplest claim there is).

use helpcenter_api::NewTicket;

/// Wei's blender stopped after two days of use as instructed: `product_quality`, a fault,
/// order #10023456, with `uploads` as its photos.
pub fn broken_blender(uploads: Vec<String>) -> NewTicket {
    NewTicket {
        category: "product_quality".into(),
        answers: vec!["fault".into(), "as_instructed".into()],
        order_number: "#10023456".into(),
        description: "The blender stopped working after two days; the motor hums but the blade does not turn.".into(),
        email: "wei@example.com".into(),
        uploads,
        locale: "en".into(),
        ..NewTicket::default()
    }
}

/// A shopper at `email` asks where the blender's manual is (`other`, order #10023456), in
/// English, with `uploads` (a screenshot: every outcome asks for one).
pub fn manual_question(email: &str, uploads: Vec<String>) -> NewTicket {
    NewTicket {
        category: "other".into(),
        answers: vec![],
        order_number: "#10023456".into(),
        description: "Where can I find the manual for the blender?".into(),
        email: email.into(),
        uploads,
        locale: "en".into(),
        ..NewTicket::default()
    }
}
