//! Files the shopper attaches to what they send: the evidence of a claim, or more of it in an
//! answer to the store. Each file is checked in the browser against its outcome's rule before
//! a byte is uploaded, kept on the device (IndexedDB) so that a reload loses nothing, and
//! uploaded over tus a few at a time. A claim and a reply each own an [`Attachments`]; this
//! is the one place that knows how files are handled.
//!
//! The files and what they are checked against are here; adding, restoring and removing them
//! is in `files`, their uploads in `uploads`.

mod files;
mod uploads;

use helpcenter_core::{CivilDate, EvidenceFile, Field, MediaRule, Outcome, Problem};
use leptos::prelude::*;

use crate::blobs::FileStore;
use crate::draft::DraftFile;
use crate::problems;
use crate::shop::Shop;
use crate::upload::{self, Cancel};

/// What the files are evidence for.
#[derive(Clone, Debug, PartialEq)]
pub struct AttachRule {
    /// Its rule checks the files, and the server is told which outcome they are for.
    pub outcome: Outcome,
    /// How many files may be sent: the outcome's count for a claim, more in a reply.
    pub max_files: u32,
}

/// The files of one claim or reply. Cheap to copy: every field is a handle.
#[derive(Clone, Copy)]
pub struct Attachments {
    pub shop: Shop,
    /// What is kept on the device about each file, in the shopper's order.
    pub files: RwSignal<Vec<DraftFile>>,
    /// What only this page knows about each file (its bytes, its upload in flight).
    pub live: RwSignal<Vec<LiveFile>, LocalStorage>,
    /// Where uploads that finish are announced to screen readers (politely).
    pub announce: RwSignal<String>,
    /// What the files are checked against, once their owner has bound it.
    rules: StoredValue<Option<Rules>>,
    /// Whether the kept files have been asked back from IndexedDB (once a page).
    restored: StoredValue<bool>,
}

/// What files are checked against, from their owner's rulebook checks. Bound after the
/// files exist because a claim's checks are built only when its screens load (they live in
/// the chunk, not in the first load).
#[derive(Clone, Copy)]
pub struct Rules {
    /// `None` until the outcome is known (a claim's answers are not finished).
    pub rule: Signal<Option<AttachRule>>,
    /// Every problem of what the files are sent with, files at their positions in `files`.
    pub problems: Signal<Vec<Problem>>,
    pub delivered_on: Signal<Option<CivilDate>>,
}

/// A file of a discarded draft still to clean up: what this device kept, what reached the
/// server.
#[derive(Clone, Debug)]
pub struct Leftover {
    pub key: String,
    pub upload_url: Option<String>,
}

/// What the page knows about one file besides what the draft keeps.
#[derive(Clone)]
pub struct LiveFile {
    pub key: String,
    /// The bytes, while this page has them (from the picker, or back from IndexedDB).
    pub file: Option<web_sys::File>,
    pub preview: Option<String>,
    pub state: FileState,
    pub cancel: Option<Cancel>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum FileState {
    /// Being read back from IndexedDB after a reload.
    Restoring,
    /// Gone from this device (storage cleared) before it was uploaded.
    Missing,
    /// Being read and hashed: percent done.
    Checking(u8),
    /// Checked; waiting for its turn to upload, or held back by a problem.
    Ready,
    Uploading {
        sent: u64,
        total: u64,
    },
    Retrying {
        seconds: u32,
    },
    Uploaded,
    /// Gave up for now (offline); the shopper can retry.
    Paused,
    /// The server refused the bytes, with its problem code.
    Refused(String),
}

/// What a refusal that is not about the file itself means for the shopper: the server is
/// too busy for this connection (429), or has no room (507). `None`: no words beyond "Not
/// sent".
pub fn refusal_text(code: &str) -> Option<crate::i18n::Text> {
    use crate::i18n::Text;
    use helpcenter_api::ErrorCode;
    // Matched on the wire names themselves: reading the code back into an `ErrorCode` would
    // scan the table of every code.
    const RATE_LIMITED: &str = ErrorCode::RateLimited.as_str();
    const TOO_MANY_OPEN: &str = ErrorCode::UploadTooManyOpen.as_str();
    const STORAGE_FULL: &str = ErrorCode::StorageFull.as_str();
    const QUOTA_EXCEEDED: &str = ErrorCode::StorageQuotaExceeded.as_str();
    match code {
        RATE_LIMITED | TOO_MANY_OPEN => Some(Text::FileTooMany),
        STORAGE_FULL | QUOTA_EXCEEDED => Some(Text::FileStorageFull),
        _ => None,
    }
}

impl FileState {
    fn is_busy(&self) -> bool {
        matches!(
            self,
            FileState::Uploading { .. } | FileState::Retrying { .. }
        )
    }
}

/// The facts of the files checked so far, and where each of them is among all the files:
/// the rulebook numbers files among those it is given, the screens among all.
pub fn checked(files: &[DraftFile]) -> (Vec<usize>, Vec<EvidenceFile>) {
    files
        .iter()
        .enumerate()
        .filter_map(|(i, f)| Some((i, f.facts.clone()?)))
        .unzip()
}

/// Renumbers the rulebook's file problems from checked files to all files.
pub fn at_draft_positions(mut problems: Vec<Problem>, checked: &[usize]) -> Vec<Problem> {
    for problem in &mut problems {
        if let Field::EvidenceFile(i) = problem.field {
            problem.field = Field::EvidenceFile(checked.get(i).copied().unwrap_or(i));
        }
    }
    problems
}

impl Attachments {
    pub fn new(
        shop: Shop,
        files: RwSignal<Vec<DraftFile>>,
        announce: RwSignal<String>,
    ) -> Attachments {
        let live = files.with_untracked(|files| {
            files
                .iter()
                .map(|f| LiveFile {
                    key: f.key.clone(),
                    file: None,
                    preview: None,
                    state: FileState::Restoring,
                    cancel: None,
                })
                .collect()
        });
        Attachments {
            shop,
            files,
            live: RwSignal::new_local(live),
            announce,
            rules: StoredValue::new(None),
            restored: StoredValue::new(false),
        }
    }

    /// Says what the files are checked against; once.
    pub fn bind(&self, rules: Rules) {
        if self.rules.with_value(Option::is_none) {
            self.rules.set_value(Some(rules));
        }
    }

    /// What the files are for, once known.
    pub fn rule(&self) -> Option<AttachRule> {
        self.rules.get_value().and_then(|r| r.rule.get())
    }

    fn rule_untracked(&self) -> Option<AttachRule> {
        self.rules.get_value().and_then(|r| r.rule.get_untracked())
    }

    /// Every problem of what the files are sent with, files at their positions in `files`.
    pub fn problems(&self) -> Vec<Problem> {
        self.rules
            .get_value()
            .map(|r| r.problems.get())
            .unwrap_or_default()
    }

    pub fn delivered_on(&self) -> Option<CivilDate> {
        self.rules.get_value().and_then(|r| r.delivered_on.get())
    }

    /// How many files may go, once known.
    pub fn max_files(&self) -> Option<usize> {
        self.rule().map(|r| r.max_files as usize)
    }

    /// The media rule files are checked against: the outcome's, once there is one.
    pub fn media_rule(&self) -> MediaRule {
        self.rule_untracked()
            .map(|r| r.outcome.evidence.media)
            .unwrap_or_default()
    }

    /// Problems in the shopper's words, with the numbers of the rule and the files.
    pub fn describe(&self, problems: &[Problem]) -> Vec<String> {
        let rule = self.rule();
        let files: Vec<Option<EvidenceFile>> = self
            .files
            .with(|files| files.iter().map(|f| f.facts.clone()).collect());
        let delivered_on = self.delivered_on();
        let locale = self.shop.locale;
        self.shop.with_policy(|policy| {
            let ctx = problems::Context {
                locale,
                policy,
                rule: rule.as_ref().map(|r| &r.outcome.evidence),
                files: &files,
                delivered_on,
            };
            problems.iter().map(|p| ctx.describe(p)).collect()
        })
    }

    /// The problems of one field, in the shopper's words.
    pub fn messages(&self, field: Field) -> Vec<String> {
        let problems: Vec<Problem> = self
            .problems()
            .into_iter()
            .filter(|p| p.field == field)
            .collect();
        if problems.is_empty() {
            return Vec::new();
        }
        self.describe(&problems)
    }

    /// Whether any file is still being read.
    pub fn checking(&self) -> bool {
        self.live.with(|all| {
            all.iter()
                .any(|l| matches!(l.state, FileState::Checking(_)))
        })
    }

    /// Whether every attached file has finished uploading.
    pub fn all_uploaded(&self) -> bool {
        self.files.with(|files| files.iter().all(|f| f.uploaded))
    }

    /// The ids of the finished uploads, in the shopper's order, as a ticket or reply names them.
    pub fn upload_ids(&self) -> Vec<String> {
        self.files.with_untracked(|files| {
            files
                .iter()
                .filter_map(|f| f.upload_id().map(str::to_owned))
                .collect()
        })
    }

    fn live_update(&self, key: &str, f: impl FnOnce(&mut LiveFile)) {
        self.live.update(|all| {
            if let Some(file) = all.iter_mut().find(|l| l.key == key) {
                f(file);
            }
        });
    }

    fn file_update(&self, key: &str, f: impl FnOnce(&mut DraftFile)) {
        self.files.update(|files| {
            if let Some(file) = files.iter_mut().find(|l| l.key == key) {
                f(file);
            }
        });
    }
}

/// What of `files` is left to delete on this device and the server.
pub fn leftovers(files: &[DraftFile]) -> Vec<Leftover> {
    files
        .iter()
        .map(|f| Leftover {
            key: f.key.clone(),
            upload_url: f.upload_url.clone(),
        })
        .collect()
}

/// Deletes what a discarded draft left: each file's upload on the server and its copy on this
/// device. Best effort: an upload nothing names expires on the server anyway.
pub async fn clean_up(api_base: String, leftovers: Vec<Leftover>) {
    let store = FileStore::open().await.ok();
    for leftover in leftovers {
        if let Some(url) = &leftover.upload_url {
            let _ = upload::terminate(&api_base, url).await;
        }
        if let Some(store) = &store {
            let _ = store.delete(&leftover.key).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use helpcenter_core::ProblemCode;

    fn file(key: &str, checked: bool) -> DraftFile {
        DraftFile {
            key: key.into(),
            name: format!("{key}.jpg"),
            bytes: 1,
            facts: checked.then(EvidenceFile::default),
            upload_url: None,
            uploaded: false,
            location_removed: false,
        }
    }

    #[test]
    fn a_busy_or_full_server_is_named_as_such_not_as_offline() {
        use crate::i18n::{Locale, Text};
        for code in ["rate_limited", "upload.too_many_open"] {
            assert_eq!(refusal_text(code), Some(Text::FileTooMany), "{code}");
        }
        for code in ["storage.full", "storage.quota_exceeded"] {
            assert_eq!(refusal_text(code), Some(Text::FileStorageFull), "{code}");
        }
        assert_eq!(refusal_text("upload.not_found"), None);
        assert_eq!(refusal_text("made.up"), None);
        assert!(
            Locale::En
                .text(Text::FileStorageFull)
                .contains("storage is full")
        );
        assert!(
            Locale::En
                .text(Text::FileTooMany)
                .contains("too many uploads")
        );
    }

    #[test]
    fn problems_of_checked_files_land_on_the_files_the_shopper_sees() {
        // The second file is still being read: the rulebook sees files 0 and 2 only.
        let files = [file("a", true), file("b", false), file("c", true)];
        let (positions, facts) = checked(&files);
        assert_eq!(positions, [0, 2]);
        assert_eq!(facts.len(), 2);
        let problems = at_draft_positions(
            vec![
                Problem::new(Field::EvidenceFile(1), ProblemCode::FileDuplicate),
                Problem::new(Field::Evidence, ProblemCode::EvidenceTooFew),
            ],
            &positions,
        );
        assert_eq!(problems[0].field, Field::EvidenceFile(2));
        assert_eq!(problems[1].field, Field::Evidence);
    }
}
