//! The filing flow's state, shared by its screens: the draft (kept on the device), the live
//! state of each file (checking, uploading, …) and the rulebook's verdict on all of it.
//!
//! Every verdict comes from `helpcenter_core::validate_submission` on the draft as it stands,
//! the same call the server makes when the ticket arrives; screens only pick the problems of
//! their own fields.

use helpcenter_api::WidgetConfig;
use helpcenter_core::{
    CivilDate, EvidenceFile, Field, MediaRule, Node, Outcome, Problem, Submission, WindowStatus,
    validate_submission,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{Api, Created, SubmitError};
use crate::blobs::FileStore;
use crate::draft::{Draft, DraftFile, Stage, saved};
use crate::evidence;
use crate::i18n::Locale;
use crate::problems;
use crate::upload::{self, Cancel, UploadError, UploadHooks, UploadTarget};

/// Uploads at once: two keep a phone's uplink busy without starving the page's own requests.
const PARALLEL_UPLOADS: usize = 2;

/// What the screens share. Cheap to copy: every field is a handle.
#[derive(Clone, Copy)]
pub struct Flow {
    pub locale: Locale,
    /// The site's today (from the server): claim windows count the site's days.
    pub today: CivilDate,
    pub site: StoredValue<String>,
    pub api: StoredValue<Api>,
    pub config: StoredValue<WidgetConfig>,
    pub draft: RwSignal<Draft>,
    pub live: RwSignal<Vec<LiveFile>, LocalStorage>,
    pub filed: RwSignal<Option<Filed>>,
    /// Set when the shopper tried to move on: from then on every field shows its problems,
    /// touched or not.
    pub show_all: RwSignal<bool>,
    /// Polite announcements for screen readers (a file checked, an upload done).
    pub announce: RwSignal<String>,
    /// Whether the files of a kept draft have been asked back from IndexedDB (once a page).
    files_restored: StoredValue<bool>,
}

/// A file of a discarded draft still to clean up: what this device kept, what reached the
/// server.
#[derive(Clone, Debug)]
pub struct Leftover {
    pub key: String,
    pub upload_url: Option<String>,
}

/// A request just filed, for the confirmation.
#[derive(Clone, Debug, PartialEq)]
pub struct Filed {
    pub ticket: Created,
    /// Where the store will answer (the draft that held it is gone).
    pub email: String,
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

impl FileState {
    fn is_busy(&self) -> bool {
        matches!(
            self,
            FileState::Uploading { .. } | FileState::Retrying { .. }
        )
    }
}

impl Flow {
    pub fn new(config: WidgetConfig, locale: Locale, api: Api, draft: Draft) -> Flow {
        let live = draft
            .files
            .iter()
            .map(|f| LiveFile {
                key: f.key.clone(),
                file: None,
                preview: None,
                state: FileState::Restoring,
                cancel: None,
            })
            .collect();
        Flow {
            locale,
            today: config.today,
            site: StoredValue::new(config.site.clone()),
            api: StoredValue::new(api),
            config: StoredValue::new(config),
            draft: RwSignal::new(draft),
            live: RwSignal::new_local(live),
            filed: RwSignal::new(None),
            show_all: RwSignal::new(false),
            announce: RwSignal::new(String::new()),
            files_restored: StoredValue::new(false),
        }
    }

    pub fn with_policy<R>(&self, f: impl FnOnce(&helpcenter_core::Policy) -> R) -> R {
        self.config.with_value(|c| f(&c.policy))
    }

    pub fn go(&self, stage: Stage) {
        self.show_all.set(false);
        self.draft.update(|d| d.stage = stage);
    }

    /// The outcome the shopper's answers lead to, before any claim window is applied.
    pub fn reached(&self) -> Option<Outcome> {
        let (category, answers) = self.draft.with(|d| (d.category.clone(), d.answers.clone()));
        self.with_policy(|p| match p.step(category.as_deref()?, &answers) {
            Ok(Node::Outcome(o)) => Some(o.clone()),
            _ => None,
        })
    }

    /// The outcome the claim is filed under (a window's late route once it has closed) and
    /// where the window stands; `None` while it cannot be filed (no or bad delivery day, or
    /// a closed window without a late route).
    pub fn decision(&self) -> Option<(Outcome, Option<WindowStatus>)> {
        let reached = self.reached()?;
        let delivered = self.delivered_on();
        let today = self.today;
        self.with_policy(|p| {
            let d = p.decide(&reached, delivered, today)?;
            Some((d.outcome.clone(), d.window))
        })
    }

    pub fn delivered_on(&self) -> Option<CivilDate> {
        self.draft.with(|d| d.delivered_on.trim().parse().ok())
    }

    /// Every problem with the request as it stands, at the draft's own file positions.
    pub fn problems(&self) -> Vec<Problem> {
        self.draft.with(|d| {
            // Files still being checked have no facts yet and are left out; positions are
            // mapped back to the draft's.
            let checked: Vec<usize> = (0..d.files.len())
                .filter(|&i| d.files[i].facts.is_some())
                .collect();
            let submission = Submission {
                category: d.category.clone().unwrap_or_default(),
                answers: d.answers.clone(),
                order_number: d.order_number.clone(),
                description: d.description.clone(),
                email: d.email.clone(),
                delivered_on: d.delivered_on.clone(),
                evidence: checked
                    .iter()
                    .filter_map(|&i| d.files[i].facts.clone())
                    .collect(),
            };
            let result =
                self.with_policy(|p| validate_submission(p, &submission, self.today).map(|_| ()));
            let mut problems = result.err().unwrap_or_default();
            for problem in &mut problems {
                if let Field::EvidenceFile(i) = problem.field {
                    problem.field = Field::EvidenceFile(checked.get(i).copied().unwrap_or(i));
                }
            }
            problems
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

    pub fn describe(&self, problems: &[Problem]) -> Vec<String> {
        let decision = self.decision();
        let files: Vec<Option<EvidenceFile>> = self
            .draft
            .with(|d| d.files.iter().map(|f| f.facts.clone()).collect());
        let delivered_on = self.delivered_on();
        self.with_policy(|policy| {
            let ctx = problems::Context {
                locale: self.locale,
                policy,
                rule: decision.as_ref().map(|(o, _)| &o.evidence),
                files: &files,
                delivered_on,
            };
            problems.iter().map(|p| ctx.describe(p)).collect()
        })
    }

    /// The media rule files are checked against: the outcome's, once there is one.
    pub fn media_rule(&self) -> MediaRule {
        self.decision()
            .map(|(o, _)| o.evidence.media)
            .unwrap_or_default()
    }

    fn live_update(&self, key: &str, f: impl FnOnce(&mut LiveFile)) {
        self.live.update(|all| {
            if let Some(file) = all.iter_mut().find(|l| l.key == key) {
                f(file);
            }
        });
    }

    fn draft_file_update(&self, key: &str, f: impl FnOnce(&mut DraftFile)) {
        self.draft.update(|d| {
            if let Some(file) = d.files.iter_mut().find(|l| l.key == key) {
                f(file);
            }
        });
    }

    /// Attaches files the shopper picked, dropped, pasted or photographed; `at` replaces the
    /// file in that position.
    pub fn add_files(&self, files: Vec<web_sys::File>, at: Option<usize>) {
        for (n, file) in files.into_iter().enumerate() {
            let key = crate::draft::random_key();
            let entry = DraftFile {
                key: key.clone(),
                name: file.name(),
                bytes: file.size() as u64,
                facts: None,
                upload_url: None,
                uploaded: false,
            };
            let live = LiveFile {
                key: key.clone(),
                file: Some(file.clone()),
                preview: None,
                state: FileState::Checking(0),
                cancel: None,
            };
            self.draft.update(|d| match at {
                Some(i) if i + n <= d.files.len() => d.files.insert(i + n, entry),
                _ => d.files.push(entry),
            });
            self.live.update(|all| all.push(live));
            let flow = *self;
            spawn_local(async move {
                // Kept for a reload; without IndexedDB the file still works on this page.
                if let Ok(store) = FileStore::open().await {
                    let _ = store.put(&key, &file).await;
                }
                flow.check(key, file).await;
            });
        }
    }

    async fn check(self, key: String, file: web_sys::File) {
        let rule = self.media_rule();
        let report = |percent| self.live_update(&key, |l| l.state = FileState::Checking(percent));
        let facts = evidence::inspect(&file, &rule, &report).await;
        let preview = evidence::preview(&file, facts.media_type);
        let still_here = self
            .live
            .with_untracked(|all| all.iter().any(|l| l.key == key));
        if !still_here {
            if let Some(url) = preview {
                evidence::forget_preview(&url);
            }
            return;
        }
        self.draft_file_update(&key, |f| f.facts = Some(facts));
        self.live_update(&key, |l| {
            l.state = FileState::Ready;
            l.preview = preview;
        });
        self.pump();
    }

    /// Brings back the files of a draft from an earlier visit and resumes their uploads.
    /// Only the files that were there at mount are touched: ones the shopper adds meanwhile
    /// are checked by `add_files`.
    pub fn restore_files(&self) {
        if self.files_restored.get_value() {
            return;
        }
        self.files_restored.set_value(true);
        let flow = *self;
        let kept = self.draft.with_untracked(|d| d.files.clone());
        if kept.is_empty() {
            return;
        }
        spawn_local(async move {
            let store = FileStore::open().await.ok();
            for saved_file in kept {
                let blob = match &store {
                    Some(store) => store.get(&saved_file.key).await.ok().flatten(),
                    None => None,
                };
                // Stored as a File; a Blob without a name would be of no use.
                let blob =
                    blob.and_then(|b| wasm_bindgen::JsCast::dyn_into::<web_sys::File>(b).ok());
                let key = saved_file.key.clone();
                let restoring = flow.live.with_untracked(|all| {
                    all.iter()
                        .any(|l| l.key == key && l.state == FileState::Restoring)
                });
                if !restoring {
                    // Removed while this was reading.
                    continue;
                }
                match (blob, &saved_file.facts) {
                    (Some(file), Some(facts)) => {
                        let preview = evidence::preview(&file, facts.media_type);
                        flow.live_update(&key, |l| {
                            l.file = Some(file);
                            l.preview = preview;
                            l.state = if saved_file.uploaded {
                                FileState::Uploaded
                            } else {
                                FileState::Ready
                            };
                        });
                    }
                    (Some(file), None) => {
                        flow.live_update(&key, |l| {
                            l.file = Some(file.clone());
                            l.state = FileState::Checking(0);
                        });
                        spawn_local(flow.check(key, file));
                    }
                    (None, _) if saved_file.uploaded => {
                        flow.live_update(&key, |l| l.state = FileState::Uploaded);
                    }
                    (None, _) => flow.live_update(&key, |l| l.state = FileState::Missing),
                }
            }
            flow.pump();
        });
    }

    /// Starts the uploads that may start: checked files without problems of their own,
    /// within the outcome's count, a few at a time.
    pub fn pump(&self) {
        let Some((outcome, _)) = self.decision() else {
            return;
        };
        let problems = self.problems();
        let has_own_problem = |i: usize| problems.iter().any(|p| p.field == Field::EvidenceFile(i));
        let max = outcome.evidence.media.max_count as usize;
        let mut busy = self
            .live
            .with_untracked(|all| all.iter().filter(|l| l.state.is_busy()).count());
        let files = self.draft.with_untracked(|d| d.files.clone());
        for (i, file) in files.iter().enumerate() {
            if busy >= PARALLEL_UPLOADS {
                break;
            }
            if i >= max || file.uploaded || file.facts.is_none() || has_own_problem(i) {
                continue;
            }
            let ready = self.live.with_untracked(|all| {
                all.iter()
                    .find(|l| l.key == file.key)
                    .filter(|l| l.state == FileState::Ready)
                    .and_then(|l| l.file.clone())
            });
            if let Some(blob) = ready {
                busy += 1;
                self.start_upload(file.clone(), blob, outcome.id.clone());
            }
        }
    }

    fn start_upload(&self, file: DraftFile, blob: web_sys::File, outcome: String) {
        let cancel = Cancel::new();
        let key = file.key.clone();
        self.live_update(&key, |l| {
            l.state = FileState::Uploading {
                sent: 0,
                total: file.bytes,
            };
            l.cancel = Some(cancel.clone());
        });
        let flow = *self;
        spawn_local(async move {
            let api = flow.api.get_value();
            let site = flow.site.get_value();
            let target = UploadTarget {
                api_base: &api.base,
                site: &site,
                outcome: Some(&outcome),
            };
            let hooks = FileHooks { flow, key: &key };
            let result = upload::send(
                &target,
                &blob,
                &file.name,
                file.upload_url.as_deref(),
                &hooks,
                &cancel,
            )
            .await;
            let state = match result {
                Ok(url) => {
                    flow.draft_file_update(&key, |f| {
                        f.upload_url = Some(url);
                        f.uploaded = true;
                    });
                    flow.announce.set(format!(
                        "{}: {}",
                        file.name,
                        flow.locale.text(crate::i18n::Text::FileUploaded)
                    ));
                    FileState::Uploaded
                }
                Err(UploadError::Cancelled) => return,
                Err(UploadError::Refused { code, .. }) => FileState::Refused(code),
                // Deleted or withdrawn on the phone since it was picked: pick it again.
                Err(UploadError::FileUnreadable) => FileState::Missing,
                // Offline for now: the shopper can try again, resuming where it stopped.
                Err(_) => FileState::Paused,
            };
            flow.live_update(&key, |l| {
                l.state = state;
                l.cancel = None;
            });
            flow.pump();
        });
    }

    /// Stops an upload in flight; it stays attached, not sent, until retried.
    pub fn pause(&self, key: &str) {
        self.live_update(key, |l| {
            if let Some(cancel) = l.cancel.take() {
                cancel.cancel();
            }
            l.state = FileState::Paused;
        });
        self.pump();
    }

    /// Tries a paused or refused upload again.
    pub fn retry(&self, key: &str) {
        self.live_update(key, |l| {
            if matches!(l.state, FileState::Paused | FileState::Refused(_)) {
                l.state = FileState::Ready;
            }
        });
        self.pump();
    }

    /// Takes a file off the request: stops its upload, deletes what reached the server and
    /// what this device kept.
    pub fn remove(&self, key: &str) {
        let live = self
            .live
            .with_untracked(|all| all.iter().find(|l| l.key == key).cloned());
        let upload_url = self.draft.with_untracked(|d| {
            d.files
                .iter()
                .find(|f| f.key == key)
                .and_then(|f| f.upload_url.clone())
        });
        if let Some(live) = &live {
            if let Some(cancel) = &live.cancel {
                cancel.cancel();
            }
            if let Some(url) = &live.preview {
                evidence::forget_preview(url);
            }
        }
        self.live.update(|all| all.retain(|l| l.key != key));
        self.draft.update(|d| d.files.retain(|f| f.key != key));
        let api = self.api.get_value();
        let key = key.to_owned();
        spawn_local(async move {
            if let Some(url) = upload_url {
                // Best effort: an upload no ticket names expires on the server anyway.
                let _ = upload::terminate(&api.base, &url).await;
            }
            if let Ok(store) = FileStore::open().await {
                let _ = store.delete(&key).await;
            }
        });
        self.pump();
    }

    /// Files the request. A request that may have reached the server without an answer is
    /// sent again exactly as it was first, so it can never make two tickets.
    pub async fn submit(&self) -> Result<(), SubmitError> {
        let site = self.site.get_value();
        let api = self.api.get_value();
        loop {
            let (key, pending, current) = self.draft.with_untracked(|d| {
                (
                    d.idempotency_key.clone(),
                    d.pending.clone(),
                    d.to_ticket(self.locale.tag()),
                )
            });
            let body = pending.clone().unwrap_or_else(|| current.clone());
            self.draft.update(|d| d.pending = Some(body.clone()));
            match api.create_ticket(&site, &key, &body).await {
                Ok(created) => {
                    self.finish(created).await;
                    return Ok(());
                }
                Err(e) if e.outcome_unknown() => return Err(e),
                Err(e) => {
                    // A definite no: nothing was filed under this key. Edits that follow
                    // make a different request, which gets a key of its own.
                    self.draft.update(|d| {
                        d.pending = None;
                        d.idempotency_key = crate::draft::random_key();
                    });
                    // The refused request was an older version: now send the current one.
                    if pending.is_some_and(|p| p != current) {
                        continue;
                    }
                    return Err(e);
                }
            }
        }
    }

    async fn finish(&self, created: Created) {
        let site = self.site.get_value();
        saved::remember_ticket(
            &site,
            saved::FiledTicket {
                id: created.ticket_id.clone(),
                access_token: created.access_token.clone(),
            },
        );
        let keys: Vec<String> = self
            .draft
            .with_untracked(|d| d.files.iter().map(|f| f.key.clone()).collect());
        for live in self.live.get_untracked() {
            if let Some(url) = &live.preview {
                evidence::forget_preview(url);
            }
        }
        let email = self.draft.with_untracked(|d| d.email.trim().to_owned());
        self.live.set(Vec::new());
        self.draft.set(Draft::start());
        saved::discard(&site);
        self.filed.set(Some(Filed {
            ticket: created,
            email,
        }));
        if let Ok(store) = FileStore::open().await {
            for key in keys {
                let _ = store.delete(&key).await;
            }
        }
    }

    /// Forgets the draft and stops its unfinished uploads; returns its files, which
    /// [`clean_up`] then deletes from this device and the server. Split in two so the first
    /// screens, which can discard a kept draft, carry no IndexedDB or upload code.
    pub fn discard(&self) -> Vec<Leftover> {
        let leftovers = self.draft.with_untracked(|d| {
            d.files
                .iter()
                .map(|f| Leftover {
                    key: f.key.clone(),
                    upload_url: f.upload_url.clone(),
                })
                .collect()
        });
        for live in self.live.get_untracked() {
            if let Some(cancel) = &live.cancel {
                cancel.cancel();
            }
            if let Some(url) = &live.preview {
                evidence::forget_preview(url);
            }
        }
        self.live.set(Vec::new());
        self.draft.set(Draft::start());
        saved::discard(&self.site.get_value());
        leftovers
    }

    /// Whether every attached file has finished uploading.
    pub fn uploads_done(&self) -> bool {
        self.draft.with(|d| d.files.iter().all(|f| f.uploaded))
    }
}

/// Deletes what a discarded draft left: each file's upload on the server and its copy on this
/// device. Best effort: an upload no ticket names expires on the server anyway.
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

struct FileHooks<'a> {
    flow: Flow,
    key: &'a str,
}

impl UploadHooks for FileHooks<'_> {
    fn created(&self, url: &str) {
        self.flow
            .draft_file_update(self.key, |f| f.upload_url = Some(url.to_owned()));
    }

    fn progress(&self, sent: u64, total: u64) {
        self.flow.live_update(self.key, |l| {
            l.state = FileState::Uploading { sent, total };
        });
    }

    fn retrying(&self, _attempt: u32, delay_ms: u32) {
        self.flow.live_update(self.key, |l| {
            l.state = FileState::Retrying {
                seconds: delay_ms.div_ceil(1000),
            };
        });
    }
}
