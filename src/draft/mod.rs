//! The shopper's request while they write it, kept on their device so that a reload, a closed
//! tab or a dead battery loses nothing: answers and fields in localStorage, the files
//! themselves in IndexedDB ([`crate::blobs`]). It goes away when the ticket is filed or the
//! shopper discards it.

mod kept;
pub mod saved;

use helpcenter_api::NewTicket;
use helpcenter_core::{Claim, EvidenceFile};
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
    /// The claim so far; its category is empty until the shopper picks one ([`Draft::category`]).
    /// Kept on the device as serde's `flatten` would: its fields beside the draft's own.
    #[serde(flatten)]
    pub claim: Claim,
    /// Answers taken back with Back, offered again so going forward loses nothing.
    pub ahead: Vec<String>,
    pub stage: Stage,
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
        self.claim.answers.push(id);
    }

    /// The category picked, if any.
    pub fn category(&self) -> Option<&str> {
        Some(self.claim.category.as_str()).filter(|c| !c.is_empty())
    }

    /// Picks a category: the questions start again.
    pub fn pick(&mut self, category: String) {
        self.claim.category = category;
        self.claim.answers.clear();
    }

    /// Back to choosing a category, forgetting the answers.
    pub fn restart(&mut self) {
        self.claim.category.clear();
        self.claim.answers.clear();
    }

    /// Goes back one question (to the categories from the first one).
    pub fn back(&mut self) {
        match self.claim.answers.pop() {
            Some(answer) => self.ahead.insert(0, answer),
            // From the first question to the order, on a site that asks for it first.
            None if self.order_found || self.order_unchecked => {
                self.order_found = false;
                self.order_unchecked = false;
            }
            None => {
                self.claim.category.clear();
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
        let claim = &self.claim;
        claim.category.is_empty()
            && claim.order_number.is_empty()
            && claim.description.is_empty()
            && claim.email.is_empty()
    }

    /// The claim as the server receives it, with the ids of its uploads.
    pub fn to_ticket(&self, locale: &str, uploads: Vec<String>) -> NewTicket {
        NewTicket {
            claim: self.claim.clone(),
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
        let claim = &mut self.claim;
        fill(&mut claim.order_number, &prefill.order_number);
        fill(&mut claim.email, &prefill.email);
        fill(&mut claim.delivered_on, &prefill.delivered_on);
        if claim.category.is_empty()
            && let Some(category) = &prefill.category
        {
            category.clone_into(&mut claim.category);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefill_never_overwrites_what_the_shopper_typed() {
        let mut draft = Draft {
            claim: Claim {
                email: "typed@example.com".into(),
                ..Claim::default()
            },
            ..Draft::start()
        };
        draft.prefill(&Prefill {
            order_number: Some(" 10023456 ".into()),
            email: Some("store@example.com".into()),
            delivered_on: Some("2026-11-20".into()),
            category: Some("logistics_delivery".into()),
        });
        assert_eq!(draft.claim.order_number, "10023456");
        assert_eq!(draft.claim.email, "typed@example.com");
        assert_eq!(draft.claim.delivered_on, "2026-11-20");
        assert_eq!(draft.category(), Some("logistics_delivery"));
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
        let mut draft = Draft::start();
        draft.pick("other".into());
        let files = [
            file("a", Some("http://h/v1/uploads/abc")),
            file("b", None),
            file("c", Some("/v1/uploads/def")),
        ];
        let ticket = draft.to_ticket("zh-CN", upload_ids(&files));
        assert_eq!(ticket.uploads, ["abc", "def"]);
        assert_eq!(ticket.locale, "zh-CN");
        assert_eq!(ticket.claim.category, "other");
    }

    #[test]
    fn back_and_forward_keep_the_answers_until_one_changes() {
        let mut draft = Draft::start();
        draft.pick("product_quality".into());
        draft.answer("fault".into());
        draft.answer("modified".into());
        draft.back();
        draft.back();
        assert!(draft.claim.answers.is_empty());
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
        assert_eq!(draft.category(), None);
    }

    #[test]
    fn keys_are_long_and_fresh() {
        let (a, b) = (random_key(), random_key());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }

    #[test]
    fn a_stored_draft_reads_back_and_unknown_fields_do_not_break_it() {
        let mut draft = Draft {
            stage: Stage::Evidence,
            ..Draft::start()
        };
        draft.pick("logistics_delivery".into());
        draft.answer("damaged".into());
        let text = serde_json::to_string(&draft).expect("json");
        assert_eq!(serde_json::from_str::<Draft>(&text).ok(), Some(draft));
        let older: Draft = serde_json::from_str(r#"{"order_number":"1234"}"#).expect("partial");
        assert_eq!(older.claim.order_number, "1234");
    }
}
