//! Drafts and filed tickets in localStorage, one of each per site.

use helpcenter_core::json::{FromJson, Json, ObjectWriter, ToJson};
use serde::{Deserialize, Serialize};

use super::{Draft, DraftFile, ReplyDraft};

/// A draft as kept: `{"draft": …, "files": […]}`, its fields and, beside them, its files.
fn keeping(draft: &Draft, files: &[DraftFile]) -> String {
    let mut text = String::new();
    ObjectWriter::new(&mut text)
        .member("draft", draft)
        .member("files", files)
        .end();
    text
}

/// What [`keeping`] wrote (files default to none).
fn kept(text: &str) -> Option<(Draft, Vec<DraftFile>)> {
    let json = Json::parse(text)?;
    Some((json.field("draft")?, json.or("files", Vec::new())?))
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// v2: the files beside the draft rather than inside it. A v1 draft (from before the
/// widget could answer the store) is not read back.
fn draft_key(site: &str) -> String {
    format!("helpcenter.draft.v2.{site}")
}

fn tickets_key(site: &str) -> String {
    format!("helpcenter.tickets.v1.{site}")
}

fn reply_key(site: &str, ticket: &str) -> String {
    format!("helpcenter.reply.v1.{site}.{ticket}")
}

/// The draft left on this device for `site` and its files, if any and if it can still
/// be read.
pub fn load(site: &str) -> Option<(Draft, Vec<DraftFile>)> {
    let text = storage()?.get_item(&draft_key(site)).ok()??;
    kept(&text)
}

/// Keeps `draft`; a full or blocked storage only costs the shopper the safety net.
pub fn store(site: &str, draft: &Draft, files: &[DraftFile]) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(&draft_key(site), &keeping(draft, files));
    }
}

/// The answer to the store the shopper was writing on this device for `ticket`.
pub fn load_reply(site: &str, ticket: &str) -> ReplyDraft {
    storage()
        .and_then(|s| s.get_item(&reply_key(site, ticket)).ok().flatten())
        .and_then(|text| ReplyDraft::from_json(&Json::parse(&text)?))
        .unwrap_or_default()
}

/// Keeps the answer in writing; a blank one is not kept.
pub fn store_reply(site: &str, ticket: &str, reply: &ReplyDraft) {
    let Some(storage) = storage() else { return };
    if reply == &ReplyDraft::default() {
        let _ = storage.remove_item(&reply_key(site, ticket));
    } else {
        let _ = storage.set_item(&reply_key(site, ticket), &reply.to_json());
    }
}

pub fn discard(site: &str) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(&draft_key(site));
    }
}

/// A ticket this device can open: its id and the token that opens it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FiledTicket {
    pub id: String,
    pub access_token: String,
    /// The newest event the shopper has seen on it: newer ones are news.
    #[serde(default)]
    pub seen: u32,
}

pub fn tickets(site: &str) -> Vec<FiledTicket> {
    storage()
        .and_then(|s| s.get_item(&tickets_key(site)).ok().flatten())
        .and_then(|text| Vec::<FiledTicket>::from_json(&Json::parse(&text)?))
        .unwrap_or_default()
}

fn store_tickets(site: &str, all: &[FiledTicket]) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(&tickets_key(site), &all.to_json());
    }
}

/// Keeps a ticket's token; a newer token (recovered, or from the shopper's account)
/// replaces an older one of the same ticket.
pub fn remember_ticket(site: &str, ticket: FiledTicket) {
    let mut all = tickets(site);
    match all.iter_mut().find(|t| t.id == ticket.id) {
        Some(kept) => kept.access_token = ticket.access_token,
        None => all.insert(0, ticket),
    }
    store_tickets(site, &all);
}

/// Notes that the shopper has seen `ticket` up to event `seq`.
pub fn mark_seen(site: &str, ticket: &str, seq: u32) {
    let mut all = tickets(site);
    if let Some(kept) = all.iter_mut().find(|t| t.id == ticket)
        && kept.seen < seq
    {
        kept.seen = seq;
        store_tickets(site, &all);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draft::Stage;
    use helpcenter_core::Claim;

    #[test]
    fn a_draft_is_kept_with_its_files_and_reads_back() {
        let draft = Draft {
            claim: Claim {
                order_number: "10023456".into(),
                ..Claim::default()
            },
            ..Draft::start()
        };
        let files = [DraftFile {
            key: "k".into(),
            name: "box.jpg".into(),
            bytes: 5,
            facts: None,
            upload_url: Some("/v1/uploads/abc".into()),
            uploaded: true,
            location_removed: false,
        }];
        let text = keeping(&draft, &files);
        let (kept_draft, kept_files) = kept(&text).expect("reads back");
        assert_eq!(kept_draft, draft);
        assert_eq!(kept_files, files);
        let (without_files, none) = kept(r#"{"draft":{"order_number":"1234"}}"#).expect("no files");
        assert_eq!(without_files.claim.order_number, "1234");
        assert!(none.is_empty());
        assert_eq!(kept("{\"files\":[]}"), None, "no draft, nothing to resume");
    }

    /// A draft kept by an earlier version (written by serde_json) reads back whole, and
    /// one kept now reads in serde as before.
    #[test]
    fn drafts_read_and_write_the_json_serde_did() {
        use helpcenter_core::{EvidenceFile, MediaType};
        let draft = Draft {
            claim: Claim {
                category: "logistics_delivery".into(),
                answers: vec!["damaged".into()],
                delivered_on: "2026-11-20".into(),
                order_number: "10023456".into(),
                description: "Crushed \"box\"\n😀".into(),
                email: "a@example.com".into(),
            },
            ahead: vec!["box".into()],
            stage: Stage::Review,
            pending: Some(helpcenter_api::NewTicket {
                claim: Claim {
                    category: "logistics_delivery".into(),
                    ..Claim::default()
                },
                identity_token: Some("t".into()),
                items: Vec::new(),
                ..Default::default()
            }),
            ..Draft::start()
        };
        let files = vec![DraftFile {
            key: "k".into(),
            name: "clip.mp4".into(),
            bytes: 5_000_000,
            facts: Some(EvidenceFile {
                name: "clip.mp4".into(),
                bytes: 5_000_000,
                media_type: Some(MediaType::Mp4),
                width: Some(1280),
                height: Some(720),
                duration_seconds: Some(6.0419),
                content_hash: "ab".into(),
                captured_on: "2026-11-21".parse().ok(),
            }),
            upload_url: None,
            uploaded: false,
            location_removed: false,
        }];
        #[derive(Serialize, Deserialize)]
        struct BySerde {
            draft: Draft,
            files: Vec<DraftFile>,
        }
        let by_serde = serde_json::to_string(&BySerde {
            draft: draft.clone(),
            files: files.clone(),
        })
        .expect("json");
        assert_eq!(kept(&by_serde), Some((draft.clone(), files.clone())));
        let back: BySerde = serde_json::from_str(&keeping(&draft, &files)).expect("serde");
        assert_eq!((back.draft, back.files), (draft, files));
    }

    /// Kept by the widget before the claim was one type (its text, as that widget wrote it):
    /// the claim's fields among the draft's own, `null` for a category not picked yet, and a
    /// request waiting to be sent again, which must go out byte for byte as it first did.
    #[test]
    fn a_draft_kept_by_the_previous_widget_still_loads() {
        let pending_text = r#"{"category":"logistics_delivery","answers":["damaged"],"order_number":"10023456","description":"The box was crushed.","email":"wei@example.com","delivered_on":"2026-11-20","uploads":["u1"],"locale":"en"}"#;
        let picked = format!(
            r#"{{"draft":{{"category":"logistics_delivery","answers":["damaged"],"ahead":["box"],"stage":"evidence","delivered_on":"2026-11-20","order_number":"10023456","description":"The box was crushed.","email":"wei@example.com","idempotency_key":"k1","pending":{pending_text},"items":[{{"id":"kettle","quantity":1}}]}},"files":[{{"key":"f1","name":"box.jpg","bytes":5,"facts":null,"upload_url":"/v1/uploads/u1","uploaded":true,"location_removed":false}}]}}"#
        );
        let (draft, files) = kept(&picked).expect("reads");
        let claim = Claim {
            category: "logistics_delivery".into(),
            answers: vec!["damaged".into()],
            order_number: "10023456".into(),
            description: "The box was crushed.".into(),
            email: "wei@example.com".into(),
            delivered_on: "2026-11-20".into(),
        };
        assert_eq!(draft.claim, claim);
        assert_eq!(draft.category(), Some("logistics_delivery"));
        assert_eq!(draft.ahead, ["box"]);
        assert_eq!(draft.stage, Stage::Evidence);
        assert_eq!(draft.idempotency_key, "k1");
        assert_eq!(draft.items.len(), 1);
        let pending = draft.pending.as_ref().expect("pending");
        assert_eq!(pending.claim, claim);
        assert_eq!(pending.uploads, ["u1"]);
        assert_eq!(pending.to_json(), pending_text, "sent again as it was");
        assert_eq!(files[0].upload_id(), Some("u1"));
        // Kept again, it reads back the same.
        assert_eq!(kept(&keeping(&draft, &files)), Some((draft, files)));

        // Before a category is picked: `null`, or (older still) not there at all.
        let unpicked = r#"{"draft":{"category":null,"answers":[],"ahead":[],"stage":"problem","delivered_on":"","order_number":"10023456","description":"","email":"","idempotency_key":"k2","pending":null,"items":[]},"files":[]}"#;
        for text in [unpicked, &unpicked.replace(r#""category":null,"#, "")] {
            let (draft, files) = kept(text).expect("reads");
            assert_eq!(draft.category(), None, "{text}");
            assert!(draft.claim.answers.is_empty());
            assert_eq!(draft.claim.order_number, "10023456");
            assert_eq!(draft.idempotency_key, "k2");
            assert_eq!(draft.pending, None);
            assert!(files.is_empty());
            assert!(!draft.is_blank(), "the order number is worth keeping");
            assert_eq!(kept(&keeping(&draft, &files)), Some((draft, files)));
        }
    }

    #[test]
    fn a_ticket_kept_before_news_were_tracked_reads_as_unseen() {
        let text = r#"[{"id":"HC-2345AB","access_token":"t"}]"#;
        let kept: Vec<FiledTicket> = serde_json::from_str(text).expect("old");
        assert_eq!(kept[0].seen, 0);
        assert_eq!(
            Vec::<FiledTicket>::from_json(&Json::parse(text).expect("json")),
            Some(kept)
        );
    }

    /// Tickets and answers in writing kept by earlier versions (written by serde_json)
    /// read back, and what is kept now reads in serde as before.
    #[test]
    fn tickets_and_answers_read_and_write_the_json_serde_did() {
        let tickets = vec![
            FiledTicket {
                id: "HC-2345AB".into(),
                access_token: "t\"1".into(),
                seen: 4,
            },
            FiledTicket {
                id: "HC-6789CD".into(),
                access_token: "t2".into(),
                seen: 0,
            },
        ];
        let by_serde = serde_json::to_string(&tickets).expect("json");
        assert_eq!(tickets.to_json(), by_serde);
        assert_eq!(
            Vec::<FiledTicket>::from_json(&Json::parse(&by_serde).expect("json")),
            Some(tickets)
        );
        let reply = ReplyDraft {
            message: "The other side:\n".into(),
            files: vec![DraftFile {
                key: "k".into(),
                name: "side.jpg".into(),
                bytes: 9,
                facts: None,
                upload_url: Some("/v1/uploads/xyz".into()),
                uploaded: false,
                location_removed: false,
            }],
        };
        let by_serde = serde_json::to_string(&reply).expect("json");
        assert_eq!(
            ReplyDraft::from_json(&Json::parse(&by_serde).expect("json")),
            Some(reply.clone())
        );
        let back: ReplyDraft = serde_json::from_str(&reply.to_json()).expect("serde");
        assert_eq!(back, reply);
        assert_eq!(
            ReplyDraft::from_json(&Json::parse("{}").expect("json")),
            Some(ReplyDraft::default())
        );
    }
}
