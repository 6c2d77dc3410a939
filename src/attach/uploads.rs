//! The files' uploads over tus: a few at a time, each paused, retried or refused on its own.

use helpcenter_core::Field;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Attachments, FileState};
use crate::draft::DraftFile;
use crate::i18n::Text;
use crate::upload::{self, Cancel, UploadError, UploadHooks, UploadTarget};

/// Uploads at once: two keep a phone's uplink busy without starving the page's own requests.
const PARALLEL_UPLOADS: usize = 2;

impl Attachments {
    /// Starts the uploads that may start: checked files without problems of their own,
    /// within the count, a few at a time.
    pub fn pump(&self) {
        let Some(rule) = self.rule_untracked() else {
            return;
        };
        let problems = self
            .rules
            .get_value()
            .map(|r| r.problems.get_untracked())
            .unwrap_or_default();
        let has_own_problem = |i: usize| problems.iter().any(|p| p.field == Field::EvidenceFile(i));
        let max = rule.max_files as usize;
        let mut busy = self
            .live
            .with_untracked(|all| all.iter().filter(|l| l.state.is_busy()).count());
        let files = self.files.get_untracked();
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
                self.start_upload(file.clone(), blob, rule.outcome.id.clone());
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
        let this = *self;
        spawn_local(async move {
            let api = this.shop.api.get_value();
            let site = this.shop.site.get_value();
            let target = UploadTarget {
                api_base: &api.base,
                site: &site,
                outcome: Some(&outcome),
                location_removed: file.location_removed,
            };
            let hooks = FileHooks { this, key: &key };
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
                    this.file_update(&key, |f| {
                        f.upload_url = Some(url);
                        f.uploaded = true;
                    });
                    this.announce.set(format!(
                        "{}: {}",
                        file.name,
                        this.shop.locale.text(Text::FileUploaded)
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
            this.live_update(&key, |l| {
                l.state = state;
                l.cancel = None;
            });
            this.pump();
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
}

struct FileHooks<'a> {
    this: Attachments,
    key: &'a str,
}

impl UploadHooks for FileHooks<'_> {
    fn created(&self, url: &str) {
        self.this
            .file_update(self.key, |f| f.upload_url = Some(url.to_owned()));
    }

    fn progress(&self, sent: u64, total: u64) {
        self.this.live_update(self.key, |l| {
            l.state = FileState::Uploading { sent, total };
        });
    }

    fn retrying(&self, _attempt: u32, delay_ms: u32) {
        self.this.live_update(self.key, |l| {
            l.state = FileState::Retrying {
                seconds: delay_ms.div_ceil(1000),
            };
        });
    }
}
