//! The shopper's request while they write it, kept on their device so that a reload, a closed
//! tab or a dead battery loses nothing: answers and fields in localStorage, the files
//! themselves in IndexedDB ([`crate::blobs`]). It goes away when the ticket is filed or the
//! shopper discards it.

use helpcenter_api::NewTicket;
use helpcenter_core::EvidenceFile;
use serde::{Deserialize, Serialize};

/// Where in the filing flow the shopper is.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Choosing the category, answering questions, reading the outcome.
    #[default]
    Problem,
    Details,
    Evidence,
    Review,
}

impl Stage {
    pub const ALL: [Stage; 4] = [
        Stage::Problem,
        Stage::Details,
        Stage::Evidence,
        Stage::Review,
    ];
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Draft {
    pub category: Option<String>,
    pub answers: Vec<String>,
    /// Answers taken back with Back, offered again so going forward loses nothing.
    pub ahead: Vec<String>,
    pub stage: Stage,
    /// `YYYY-MM-DD` as the date input gives it; empty when not asked or not given.
    pub delivered_on: String,
    pub order_number: String,
    pub description: String,
    pub email: String,
    /// Sent with every attempt to file this request, so the server makes one ticket of it
    /// however often it arrives.
    pub idempotency_key: String,
    /// A request whose answer never came (network down, server error): it may have made a
    /// ticket, so it is sent again exactly as it was before anything else is.
    pub pending: Option<NewTicket>,
    /// On a site that looks orders up: the store found the order (its facts are kept in
    /// [`crate::flow::Flow::order`]). Not kept on the device: asked again after a reload.
    pub order_found: bool,
    /// On a site that looks orders up: the store could not answer and the shopper went on
    /// without it (an optional lookup); the claim is filed unverified. Not kept on the
    /// device: after a reload the store is asked again.
    pub order_unchecked: bool,
    /// The items of the found order the claim is about.
    pub items: Vec<helpcenter_core::ClaimedItem>,
}

/// One attached file. The bytes live in IndexedDB under `key`; what the browser found out
/// about them and how far the upload got are kept here.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DraftFile {
    pub key: String,
    pub name: String,
    pub bytes: u64,
    /// Set once the browser has checked the file.
    #[serde(default)]
    pub facts: Option<EvidenceFile>,
    /// The tus upload's address once it exists: a reload resumes it from the server's offset.
    #[serde(default)]
    pub upload_url: Option<String>,
    #[serde(default)]
    pub uploaded: bool,
    /// The photo's location was taken out on this device before it was uploaded
    /// ([`crate::privacy`]): the server is told, so the ticket says "location removed".
    #[serde(default)]
    pub location_removed: bool,
}

impl DraftFile {
    /// The upload id a ticket names: the last segment of the upload's address.
    pub fn upload_id(&self) -> Option<&str> {
        crate::upload::upload_id(self.upload_url.as_deref()?)
    }
}

/// The ids a ticket or a reply names its files by, in the shopper's order: every file whose
/// upload exists (the server refuses unfinished ones, with the file's position).
pub fn upload_ids(files: &[DraftFile]) -> Vec<String> {
    files
        .iter()
        .filter_map(|f| f.upload_id().map(str::to_owned))
        .collect()
}

/// An answer to the store's request for information, while the shopper writes it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReplyDraft {
    pub message: String,
    pub files: Vec<DraftFile>,
}

impl Draft {
    /// Answers a question; the same answer as before keeps the answers after it.
    pub fn answer(&mut self, id: String) {
        if self.ahead.first() == Some(&id) {
            self.ahead.remove(0);
        } else {
            self.ahead.clear();
        }
        self.answers.push(id);
    }

    /// Goes back one question (to the categories from the first one).
    pub fn back(&mut self) {
        match self.answers.pop() {
            Some(answer) => self.ahead.insert(0, answer),
            // From the first question to the order, on a site that asks for it first.
            None if self.order_found || self.order_unchecked => {
                self.order_found = false;
                self.order_unchecked = false;
            }
            None => {
                self.category = None;
                self.ahead.clear();
            }
        }
    }

    /// A draft of its own, with the key that will make one ticket of it.
    pub fn start() -> Draft {
        Draft {
            idempotency_key: random_key(),
            ..Draft::default()
        }
    }

    /// Nothing entered yet: not worth keeping or mentioning.
    pub fn is_blank(&self) -> bool {
        self.category.is_none()
            && self.order_number.is_empty()
            && self.description.is_empty()
            && self.email.is_empty()
    }

    /// The claim as the server receives it, with the ids of its uploads.
    pub fn to_ticket(&self, locale: &str, uploads: Vec<String>) -> NewTicket {
        NewTicket {
            category: self.category.clone().unwrap_or_default(),
            answers: self.answers.clone(),
            order_number: self.order_number.clone(),
            description: self.description.clone(),
            email: self.email.clone(),
            delivered_on: self.delivered_on.clone(),
            uploads,
            locale: locale.to_owned(),
            identity_token: None,
            items: if self.order_found {
                self.items.clone()
            } else {
                Vec::new()
            },
        }
    }

    /// Fills the fields the shopper has left empty with what the store passed in.
    pub fn prefill(&mut self, prefill: &Prefill) {
        let fill = |field: &mut String, value: &Option<String>| {
            if field.trim().is_empty()
                && let Some(value) = value
            {
                value.trim().clone_into(field);
            }
        };
        fill(&mut self.order_number, &prefill.order_number);
        fill(&mut self.email, &prefill.email);
        fill(&mut self.delivered_on, &prefill.delivered_on);
        if self.category.is_none() {
            self.category.clone_from(&prefill.category);
        }
    }
}

/// What the store knows already and passes to the widget (the embed's `prefill`), so the
/// shopper does not type their order number twice.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefill {
    pub order_number: Option<String>,
    pub email: Option<String>,
    pub delivered_on: Option<String>,
    pub category: Option<String>,
}

/// 128 random bits as hex, from the browser's cryptographic generator.
pub fn random_key() -> String {
    let mut bytes = [0u8; 16];
    fill_random(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(target_arch = "wasm32")]
fn fill_random(bytes: &mut [u8]) {
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .and_then(|c| c.get_random_values_with_u8_array(bytes).ok())
        .is_some();
    if !filled {
        // No Web Crypto (very old browsers): the key still has to differ between drafts.
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (js_sys::Math::random() * 256.0) as u8 ^ (i as u8);
        }
    }
}

/// Native builds only run unit tests: unique is enough there.
#[cfg(not(target_arch = "wasm32"))]
fn fill_random(bytes: &mut [u8]) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mixed = (u128::from(nanos) << 64) | u128::from(COUNTER.fetch_add(1, Ordering::Relaxed));
    bytes.copy_from_slice(&mixed.to_le_bytes()[..bytes.len()]);
}

/// The draft as kept on the device, read and written by hand (`helpcenter_core::json`): the
/// first load reads and keeps it, and serde_json's decoders for it would cost the first open
/// more than all of this; so are the answer in writing and the tickets kept, which the later
/// screens read. The same JSON serde writes and reads, so what earlier versions kept reads
/// back.
mod kept {
    use helpcenter_core::json::{FromJson, Json, ObjectWriter, ToJson};

    use super::saved::FiledTicket;
    use super::{Draft, DraftFile, ReplyDraft, Stage};

    impl FromJson for Stage {
        fn from_json(json: &Json) -> Option<Self> {
            Stage::ALL
                .into_iter()
                .find(|s| Some(s.name()) == json.as_str())
        }
    }

    impl ToJson for Stage {
        fn write_json(&self, out: &mut String) {
            self.name().write_json(out);
        }
    }

    impl FromJson for Draft {
        fn from_json(json: &Json) -> Option<Self> {
            Some(Draft {
                category: json.optional("category")?,
                answers: json.or("answers", Vec::new())?,
                ahead: json.or("ahead", Vec::new())?,
                stage: json.or("stage", Stage::Problem)?,
                delivered_on: json.or("delivered_on", String::new())?,
                order_number: json.or("order_number", String::new())?,
                description: json.or("description", String::new())?,
                email: json.or("email", String::new())?,
                idempotency_key: json.or("idempotency_key", String::new())?,
                pending: json.optional("pending")?,
                // Where the order step stood is not kept: after a reload the order is looked
                // up again (the store may answer now); the items picked are kept.
                order_found: false,
                order_unchecked: false,
                items: json.or("items", Vec::new())?,
            })
        }
    }

    impl ToJson for Draft {
        fn write_json(&self, out: &mut String) {
            ObjectWriter::new(out)
                .member("category", &self.category)
                .member("answers", &self.answers)
                .member("ahead", &self.ahead)
                .member("stage", &self.stage)
                .member("delivered_on", &self.delivered_on)
                .member("order_number", &self.order_number)
                .member("description", &self.description)
                .member("email", &self.email)
                .member("idempotency_key", &self.idempotency_key)
                .member("pending", &self.pending)
                .member("items", &self.items)
                .end();
        }
    }

    impl FromJson for DraftFile {
        fn from_json(json: &Json) -> Option<Self> {
            Some(DraftFile {
                key: json.field("key")?,
                name: json.field("name")?,
                bytes: json.field("bytes")?,
                facts: json.optional("facts")?,
                upload_url: json.optional("upload_url")?,
                uploaded: json.or("uploaded", false)?,
                location_removed: json.or("location_removed", false)?,
            })
        }
    }

    impl FromJson for ReplyDraft {
        fn from_json(json: &Json) -> Option<Self> {
            Some(ReplyDraft {
                message: json.or("message", String::new())?,
                files: json.or("files", Vec::new())?,
            })
        }
    }

    impl ToJson for ReplyDraft {
        fn write_json(&self, out: &mut String) {
            ObjectWriter::new(out)
                .member("message", &self.message)
                .member("files", &self.files)
                .end();
        }
    }

    impl FromJson for FiledTicket {
        fn from_json(json: &Json) -> Option<Self> {
            Some(FiledTicket {
                id: json.field("id")?,
                access_token: json.field("access_token")?,
                seen: json.or("seen", 0)?,
            })
        }
    }

    impl ToJson for FiledTicket {
        fn write_json(&self, out: &mut String) {
            ObjectWriter::new(out)
                .member("id", &self.id)
                .member("access_token", &self.access_token)
                .member("seen", &self.seen)
                .end();
        }
    }

    impl ToJson for DraftFile {
        fn write_json(&self, out: &mut String) {
            ObjectWriter::new(out)
                .member("key", &self.key)
                .member("name", &self.name)
                .member("bytes", &self.bytes)
                .member("facts", &self.facts)
                .member("upload_url", &self.upload_url)
                .member("uploaded", &self.uploaded)
                .member("location_removed", &self.location_removed)
                .end();
        }
    }
}

impl Stage {
    /// Its name as kept (serde's).
    fn name(self) -> &'static str {
        match self {
            Stage::Problem => "problem",
            Stage::Details => "details",
            Stage::Evidence => "evidence",
            Stage::Review => "review",
        }
    }
}

/// Drafts and filed tickets in localStorage, one of each per site.
pub mod saved {
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

        #[test]
        fn a_draft_is_kept_with_its_files_and_reads_back() {
            let draft = Draft {
                order_number: "10023456".into(),
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
            let (without_files, none) =
                kept(r#"{"draft":{"order_number":"1234"}}"#).expect("no files");
            assert_eq!(without_files.order_number, "1234");
            assert!(none.is_empty());
            assert_eq!(kept("{\"files\":[]}"), None, "no draft, nothing to resume");
        }

        /// A draft kept by an earlier version (written by serde_json) reads back whole, and
        /// one kept now reads in serde as before.
        #[test]
        fn drafts_read_and_write_the_json_serde_did() {
            use helpcenter_core::{EvidenceFile, MediaType};
            let draft = Draft {
                category: Some("logistics_delivery".into()),
                answers: vec!["damaged".into()],
                ahead: vec!["box".into()],
                stage: super::super::Stage::Review,
                delivered_on: "2026-11-20".into(),
                order_number: "10023456".into(),
                description: "Crushed \"box\"\n😀".into(),
                email: "a@example.com".into(),
                pending: Some(helpcenter_api::NewTicket {
                    category: "logistics_delivery".into(),
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefill_never_overwrites_what_the_shopper_typed() {
        let mut draft = Draft {
            email: "typed@example.com".into(),
            ..Draft::start()
        };
        draft.prefill(&Prefill {
            order_number: Some(" 10023456 ".into()),
            email: Some("store@example.com".into()),
            delivered_on: Some("2026-11-20".into()),
            category: Some("logistics_delivery".into()),
        });
        assert_eq!(draft.order_number, "10023456");
        assert_eq!(draft.email, "typed@example.com");
        assert_eq!(draft.delivered_on, "2026-11-20");
        assert_eq!(draft.category.as_deref(), Some("logistics_delivery"));
    }

    #[test]
    fn the_ticket_names_finished_and_partial_uploads_by_id_in_order() {
        let file = |key: &str, url: Option<&str>| DraftFile {
            key: key.into(),
            name: format!("{key}.jpg"),
            bytes: 1,
            facts: None,
            upload_url: url.map(str::to_owned),
            uploaded: url.is_some(),
            location_removed: false,
        };
        let draft = Draft {
            category: Some("other".into()),
            ..Draft::start()
        };
        let files = [
            file("a", Some("http://h/v1/uploads/abc")),
            file("b", None),
            file("c", Some("/v1/uploads/def")),
        ];
        let ticket = draft.to_ticket("zh-CN", upload_ids(&files));
        assert_eq!(ticket.uploads, ["abc", "def"]);
        assert_eq!(ticket.locale, "zh-CN");
        assert_eq!(ticket.category, "other");
    }

    #[test]
    fn back_and_forward_keep_the_answers_until_one_changes() {
        let mut draft = Draft {
            category: Some("product_quality".into()),
            ..Draft::start()
        };
        draft.answer("fault".into());
        draft.answer("modified".into());
        draft.back();
        draft.back();
        assert!(draft.answers.is_empty());
        assert_eq!(draft.ahead, ["fault", "modified"]);
        draft.answer("fault".into());
        assert_eq!(
            draft.ahead,
            ["modified"],
            "the next answer is still offered"
        );
        draft.back();
        draft.answer("arrived_damaged".into());
        assert!(draft.ahead.is_empty(), "a new way forgets the old one");
        draft.back();
        draft.back();
        assert_eq!(draft.category, None);
    }

    #[test]
    fn keys_are_long_and_fresh() {
        let (a, b) = (random_key(), random_key());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }

    #[test]
    fn a_stored_draft_reads_back_and_unknown_fields_do_not_break_it() {
        let draft = Draft {
            stage: Stage::Evidence,
            answers: vec!["damaged".into()],
            ..Draft::start()
        };
        let text = serde_json::to_string(&draft).expect("json");
        assert_eq!(serde_json::from_str::<Draft>(&text).ok(), Some(draft));
        let older: Draft = serde_json::from_str(r#"{"order_number":"1234"}"#).expect("partial");
        assert_eq!(older.order_number, "1234");
    }
}
