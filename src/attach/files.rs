//! Files added and taken off: checked and kept on the device, brought back after a reload.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Attachments, FileState, Leftover, LiveFile, leftovers};
use crate::blobs::FileStore;
use crate::draft::DraftFile;
use crate::evidence;
use crate::privacy;
use crate::upload;

impl Attachments {
    /// Attaches files the shopper picked, dropped, pasted or photographed; `at` replaces the
    /// file in that position.
    pub fn add(&self, files: Vec<web_sys::File>, at: Option<usize>) {
        for (n, file) in files.into_iter().enumerate() {
            let key = crate::draft::random_key();
            let entry = DraftFile {
                key: key.clone(),
                name: file.name(),
                bytes: file.size() as u64,
                facts: None,
                upload_url: None,
                uploaded: false,
                location_removed: false,
            };
            let live = LiveFile {
                key: key.clone(),
                file: Some(file.clone()),
                preview: None,
                state: FileState::Checking(0),
                cancel: None,
            };
            self.files.update(|files| match at {
                Some(i) if i + n <= files.len() => files.insert(i + n, entry),
                _ => files.push(entry),
            });
            self.live.update(|all| all.push(live));
            let this = *self;
            spawn_local(async move {
                // From here on the file is the one without its location: it is what is kept,
                // checked, hashed and uploaded, so the position never leaves the phone and
                // the hash the browser checks is the hash of what the server keeps.
                let (file, location_removed) = privacy::without_location(file).await;
                this.file_update(&key, |f| f.location_removed = location_removed);
                this.live_update(&key, |l| l.file = Some(file.clone()));
                // Kept for a reload; without IndexedDB the file still works on this page.
                if let Ok(store) = FileStore::open().await {
                    let _ = store.put(&key, &file).await;
                }
                this.check(key, file).await;
            });
        }
    }

    async fn check(self, key: String, file: web_sys::File) {
        let rule = self.media_rule();
        let report = |percent| self.live_update(&key, |l| l.state = FileState::Checking(percent));
        let evidence::Inspected { facts, thumbnail } =
            evidence::inspect(&file, &rule, &report).await;
        let preview = evidence::preview(&file, facts.media_type, thumbnail.as_ref());
        let still_here = self
            .live
            .with_untracked(|all| all.iter().any(|l| l.key == key));
        if !still_here {
            if let Some(url) = preview {
                evidence::forget_preview(&url);
            }
            return;
        }
        self.file_update(&key, |f| f.facts = Some(facts));
        self.live_update(&key, |l| {
            l.state = FileState::Ready;
            l.preview = preview;
        });
        self.pump();
    }

    /// Brings back the files kept from an earlier visit and resumes their uploads. Only the
    /// files that were there at the start are touched: ones the shopper adds meanwhile are
    /// checked by [`Attachments::add`].
    pub fn restore(&self) {
        if self.restored.get_value() {
            return;
        }
        self.restored.set_value(true);
        let this = *self;
        let kept = self.files.get_untracked();
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
                let restoring = this.live.with_untracked(|all| {
                    all.iter()
                        .any(|l| l.key == key && l.state == FileState::Restoring)
                });
                if !restoring {
                    // Removed while this was reading.
                    continue;
                }
                match (blob, &saved_file.facts) {
                    (Some(file), Some(facts)) => {
                        let preview = evidence::preview(&file, facts.media_type, None);
                        this.live_update(&key, |l| {
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
                        this.live_update(&key, |l| {
                            l.file = Some(file.clone());
                            l.state = FileState::Checking(0);
                        });
                        spawn_local(this.check(key, file));
                    }
                    (None, _) if saved_file.uploaded => {
                        this.live_update(&key, |l| l.state = FileState::Uploaded);
                    }
                    (None, _) => this.live_update(&key, |l| l.state = FileState::Missing),
                }
            }
            this.pump();
        });
    }

    /// Takes a file off: stops its upload, deletes what reached the server and what this
    /// device kept.
    pub fn remove(&self, key: &str) {
        let live = self
            .live
            .with_untracked(|all| all.iter().find(|l| l.key == key).cloned());
        let upload_url = self.files.with_untracked(|files| {
            files
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
        self.files.update(|files| files.retain(|f| f.key != key));
        let api = self.shop.api.get_value();
        let key = key.to_owned();
        spawn_local(async move {
            if let Some(url) = upload_url {
                // Best effort: an upload nothing names expires on the server anyway.
                let _ = upload::terminate(&api.base, &url).await;
            }
            if let Ok(store) = FileStore::open().await {
                let _ = store.delete(&key).await;
            }
        });
        self.pump();
    }

    /// Lets go of every file: stops the uploads in flight and frees the thumbnails. Returns
    /// what is left to delete on this device and the server ([`clean_up`](super::clean_up)), which the caller
    /// does only if the files are not part of a ticket now.
    pub fn release(&self) -> Vec<Leftover> {
        let leftovers = self.files.with_untracked(|files| leftovers(files));
        self.stop();
        self.files.set(Vec::new());
        leftovers
    }

    /// Stops the uploads in flight and frees the thumbnails.
    pub fn stop(&self) {
        for live in self.live.get_untracked() {
            if let Some(cancel) = &live.cancel {
                cancel.cancel();
            }
            if let Some(url) = &live.preview {
                evidence::forget_preview(url);
            }
        }
        self.live.set(Vec::new());
    }

    /// Forgets the device's copies of files that are now part of a ticket.
    pub async fn forget_sent(leftovers: Vec<Leftover>) {
        if let Ok(store) = FileStore::open().await {
            for leftover in leftovers {
                let _ = store.delete(&leftover.key).await;
            }
        }
    }
}
