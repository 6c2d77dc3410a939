//! Evidence uploads over tus 1.0 (core, creation, termination), made for phones on bad
//! connections: the file goes in chunks read one at a time, progress is reported while bytes go
//! out, passing trouble is retried with back-off, and an upload whose URL was kept resumes from
//! where the server stands instead of starting again.

mod protocol;
mod retry;
mod transport;

use helpcenter_api::{ErrorCode, tus};
use js_sys::{ArrayBuffer, Math};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

pub use protocol::upload_id;
pub use retry::{MAX_ATTEMPTS, backoff_ms};
pub use transport::Cancel;

use retry::{MAX_RETRY_AFTER_MS, Verdict, verdict};
use transport::{Reply, request, sleep};

/// Bytes per PATCH. Each request holds its chunk in memory, and a PATCH cut off by a lost
/// connection costs at most one chunk again; 1 MiB is also how often the server makes received
/// bytes durable, so every finished chunk is a point to resume from.
pub const CHUNK_BYTES: u64 = 1024 * 1024;
/// A server that loses the upload again right after it was made anew is not going to keep it.
const MAX_RECREATIONS: u32 = 2;
/// Tries for a DELETE: enough to wait out the server finishing an aborted PATCH (423).
const TERMINATE_ATTEMPTS: u32 = 4;

const TUS_RESUMABLE: (&str, &str) = (tus::TUS_RESUMABLE, tus::VERSION);

/// Where an upload goes and which limits apply to it.
#[derive(Clone, Copy, Debug)]
pub struct UploadTarget<'a> {
    /// The server's address, `""` when the widget is served by the server itself.
    pub api_base: &'a str,
    /// The site's key.
    pub site: &'a str,
    /// The outcome the evidence is for: the server applies its size and type limits.
    pub outcome: Option<&'a str>,
    /// The photo's location was taken out on the device ([`crate::privacy`]): the server is
    /// told, so the ticket says "location removed".
    pub location_removed: bool,
}

/// What the UI hears while an upload runs.
pub trait UploadHooks {
    /// The upload exists on the server at `url`: keep it (with the file) to resume after a
    /// reload. Called again with a new URL if the server lost the old one and it was remade.
    fn created(&self, url: &str);
    /// `sent` of `total` bytes have gone out. Steps back after a failure when the server kept
    /// fewer bytes than went out.
    fn progress(&self, sent: u64, total: u64);
    /// Try `attempt` (counted from 1 since bytes were last accepted) failed; the next starts in
    /// `delay_ms`.
    fn retrying(&self, attempt: u32, delay_ms: u32);
}

/// Why an upload stopped. `code()` is what the UI translates.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    #[error("the upload was cancelled")]
    Cancelled,
    /// Network errors, timeouts or a struggling server, `attempts` times in a row: the UI
    /// offers to try again (with the kept URL, so nothing is sent twice).
    #[error("the server could not be reached ({attempts} tries in a row failed)")]
    Offline { attempts: u32 },
    /// The server will not take this upload; `code` is its problem code (`file.too_large`,
    /// `file.type_not_accepted`, `site.not_found`, …).
    #[error("the server refused the upload: {code} (HTTP {status})")]
    Refused { status: u16, code: String },
    /// The file can no longer be read (deleted, changed, or the phone withdrew access): the
    /// shopper has to pick it again.
    #[error("the file could not be read")]
    FileUnreadable,
    #[error("the server's answer did not follow tus: {0}")]
    BadAnswer(&'static str),
    #[error("the browser could not send the request")]
    Browser,
}

impl UploadError {
    pub fn code(&self) -> &str {
        match self {
            UploadError::Cancelled => "upload.cancelled",
            UploadError::Offline { .. } => "upload.offline",
            UploadError::Refused { code, .. } => code,
            UploadError::FileUnreadable => "upload.file_unreadable",
            UploadError::BadAnswer(_) => "upload.bad_answer",
            UploadError::Browser => "upload.browser",
        }
    }

    fn refused(reply: &Reply) -> Self {
        let code = match protocol::problem_code(reply.body().as_deref()) {
            Some(code) => code.as_str(),
            // HEAD answers carry no body; these are the codes the server documents for them.
            None => match reply.status {
                404 => ErrorCode::UploadNotFound.as_str(),
                410 => ErrorCode::UploadExpired.as_str(),
                429 => ErrorCode::RateLimited.as_str(),
                507 => ErrorCode::StorageFull.as_str(),
                _ => "upload.refused",
            },
        };
        UploadError::Refused {
            status: reply.status,
            code: code.to_owned(),
        }
    }
}

/// Where the upload stands.
enum Stage {
    Create,
    Head(String),
    Patch { url: String, offset: u64 },
}

/// Why a step did not move the upload on.
enum Trouble {
    /// Worth another try after a wait (`Retry-After`, if the server gave one).
    Passing {
        retry_after_ms: Option<u32>,
        /// The server's own refusal (a 429, rate-limited), told to the shopper if the
        /// upload gives up on it, rather than "offline".
        refusal: Option<UploadError>,
    },
    Fatal(UploadError),
}

impl From<UploadError> for Trouble {
    fn from(error: UploadError) -> Self {
        Trouble::Fatal(error)
    }
}

/// Sends `file` and returns the finished upload's URL (its last path segment, [`upload_id`],
/// is what a ticket names). With `resume_from` (a URL `created` reported earlier) it continues
/// from the server's offset; only if the server no longer has that upload is a new one made.
pub async fn send(
    target: &UploadTarget<'_>,
    file: &Blob,
    filename: &str,
    resume_from: Option<&str>,
    hooks: &dyn UploadHooks,
    cancel: &Cancel,
) -> Result<String, UploadError> {
    let upload = Upload {
        target,
        file,
        filename,
        total: file.size() as u64,
        hooks,
        cancel,
    };
    let mut stage = match resume_from {
        Some(url) => Stage::Head(protocol::resolve(target.api_base, url)),
        None => Stage::Create,
    };
    let mut failures = 0;
    let mut recreations = 0;
    // The furthest the server has confirmed: passing it means bytes were accepted.
    let mut confirmed = None;
    loop {
        cancel.check()?;
        let step = match &stage {
            Stage::Create => upload.create().await,
            Stage::Head(url) => upload.head(url).await,
            Stage::Patch { url, offset } if *offset == upload.total => return Ok(url.clone()),
            Stage::Patch { url, offset } => upload.patch(url, *offset).await,
        };
        match step {
            Ok(next) => {
                match &next {
                    Stage::Patch { offset, .. } if confirmed.is_none_or(|c| *offset > c) => {
                        confirmed = Some(*offset);
                        failures = 0;
                    }
                    Stage::Head(_) => {
                        // An offset mismatch: no wait, but it counts, so a server that keeps
                        // disagreeing cannot keep us asking.
                        failures += 1;
                        if failures >= MAX_ATTEMPTS {
                            return Err(UploadError::Offline { attempts: failures });
                        }
                    }
                    Stage::Create => {
                        recreations += 1;
                        if recreations > MAX_RECREATIONS {
                            return Err(UploadError::Refused {
                                status: 404,
                                code: ErrorCode::UploadNotFound.as_str().to_owned(),
                            });
                        }
                        confirmed = None;
                    }
                    Stage::Patch { .. } => {}
                }
                stage = next;
            }
            Err(Trouble::Fatal(error)) => return Err(error),
            Err(Trouble::Passing {
                retry_after_ms,
                refusal,
            }) => {
                failures += 1;
                // A wait longer than a shopper would watch is not waited out either.
                let too_long = retry_after_ms.is_some_and(|ms| ms > MAX_RETRY_AFTER_MS);
                if failures >= MAX_ATTEMPTS || (too_long && refusal.is_some()) {
                    return Err(refusal.unwrap_or(UploadError::Offline { attempts: failures }));
                }
                let delay = retry_after_ms
                    .map(|ms| ms.min(MAX_RETRY_AFTER_MS))
                    .unwrap_or_else(|| backoff_ms(failures, Math::random()));
                hooks.retrying(failures, delay);
                sleep(delay, cancel).await?;
                // A PATCH that failed may still have left bytes on the server: ask first.
                if let Stage::Patch { url, .. } = stage {
                    stage = Stage::Head(url);
                }
            }
        }
    }
}

/// Removes an upload that no ticket names yet (the shopper took the file back). An upload the
/// server no longer has counts as removed: that is what the caller wanted.
pub async fn terminate(api_base: &str, url: &str) -> Result<(), UploadError> {
    let url = protocol::resolve(api_base, url);
    let cancel = Cancel::new();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let reply = request("DELETE", &url, &[TUS_RESUMABLE], None, None, &cancel).await?;
        match verdict(reply.status) {
            Verdict::Success | Verdict::Gone => return Ok(()),
            Verdict::Transient if attempt < TERMINATE_ATTEMPTS => {
                let delay = retry::retry_after_ms(reply.header("Retry-After").as_deref())
                    .map(|ms| ms.min(MAX_RETRY_AFTER_MS))
                    .unwrap_or_else(|| backoff_ms(attempt, Math::random()));
                sleep(delay, &cancel).await?;
            }
            Verdict::Transient if reply.status == 0 => {
                return Err(UploadError::Offline { attempts: attempt });
            }
            _ => return Err(UploadError::refused(&reply)),
        }
    }
}

/// One `send` call's fixed facts.
struct Upload<'a> {
    target: &'a UploadTarget<'a>,
    file: &'a Blob,
    filename: &'a str,
    /// `Blob.size` is a whole number of bytes.
    total: u64,
    hooks: &'a dyn UploadHooks,
    cancel: &'a Cancel,
}

impl Upload<'_> {
    async fn create(&self) -> Result<Stage, Trouble> {
        let mut pairs = vec![
            (tus::metadata::SITE, self.target.site),
            (tus::metadata::FILENAME, self.filename),
        ];
        if let Some(outcome) = self.target.outcome {
            pairs.push((tus::metadata::OUTCOME, outcome));
        }
        if self.target.location_removed {
            pairs.push((tus::metadata::LOCATION_REMOVED, "true"));
        }
        let metadata = protocol::metadata(&pairs);
        let length = self.total.to_string();
        let url = format!("{}/v1/uploads", self.target.api_base.trim_end_matches('/'));
        let headers = [
            TUS_RESUMABLE,
            (tus::UPLOAD_LENGTH, length.as_str()),
            (tus::UPLOAD_METADATA, metadata.as_str()),
        ];
        let reply = request("POST", &url, &headers, None, None, self.cancel).await?;
        match verdict(reply.status) {
            Verdict::Success => {
                let location = reply
                    .header("Location")
                    .ok_or(UploadError::BadAnswer("no Location"))?;
                let url = protocol::resolve(self.target.api_base, &location);
                self.hooks.created(&url);
                self.hooks.progress(0, self.total);
                Ok(Stage::Patch { url, offset: 0 })
            }
            Verdict::Transient => Err(passing(&reply)),
            _ => Err(UploadError::refused(&reply).into()),
        }
    }

    async fn head(&self, url: &str) -> Result<Stage, Trouble> {
        let reply = request("HEAD", url, &[TUS_RESUMABLE], None, None, self.cancel).await?;
        match verdict(reply.status) {
            Verdict::Success => {
                let offset = protocol::number(reply.header(tus::UPLOAD_OFFSET).as_deref())
                    .ok_or(UploadError::BadAnswer("no Upload-Offset"))?;
                let length = protocol::number(reply.header(tus::UPLOAD_LENGTH).as_deref());
                if length.is_some_and(|length| length != self.total) {
                    // The kept URL belongs to another file: this one starts afresh.
                    return Ok(Stage::Create);
                }
                if offset > self.total {
                    return Err(UploadError::BadAnswer("Upload-Offset beyond the file").into());
                }
                self.hooks.progress(offset, self.total);
                Ok(Stage::Patch {
                    url: url.to_owned(),
                    offset,
                })
            }
            Verdict::Gone => Ok(Stage::Create),
            Verdict::Transient => Err(passing(&reply)),
            _ => Err(UploadError::refused(&reply).into()),
        }
    }

    async fn patch(&self, url: &str, offset: u64) -> Result<Stage, Trouble> {
        let end = offset.saturating_add(CHUNK_BYTES).min(self.total);
        let chunk = self.read(offset, end).await?;
        self.cancel.check()?;
        let offset_text = offset.to_string();
        let headers = [
            TUS_RESUMABLE,
            ("Content-Type", tus::OFFSET_STREAM),
            (tus::UPLOAD_OFFSET, offset_text.as_str()),
        ];
        let chunk_len = end - offset;
        let report = |sent: u64| {
            self.hooks
                .progress(offset + sent.min(chunk_len), self.total);
        };
        let reply = request(
            "PATCH",
            url,
            &headers,
            Some(&chunk),
            Some(&report),
            self.cancel,
        )
        .await?;
        match verdict(reply.status) {
            Verdict::Success => {
                let now = protocol::number(reply.header(tus::UPLOAD_OFFSET).as_deref())
                    .ok_or(UploadError::BadAnswer("no Upload-Offset"))?;
                if now > self.total || now < offset {
                    return Err(UploadError::BadAnswer("Upload-Offset out of range").into());
                }
                self.hooks.progress(now, self.total);
                Ok(Stage::Patch {
                    url: url.to_owned(),
                    offset: now,
                })
            }
            Verdict::OffsetMismatch => Ok(Stage::Head(url.to_owned())),
            Verdict::Gone => Ok(Stage::Create),
            Verdict::Transient => Err(passing(&reply)),
            Verdict::Refused => Err(UploadError::refused(&reply).into()),
        }
    }

    /// One chunk, read now rather than handed to the request as a Blob: a file the phone no
    /// longer lets us read then fails here, as itself, instead of passing for a network error
    /// and being retried until the shopper gives up.
    async fn read(&self, start: u64, end: u64) -> Result<ArrayBuffer, UploadError> {
        let slice = self
            .file
            .slice_with_f64_and_f64(start as f64, end as f64)
            .map_err(|_| UploadError::FileUnreadable)?;
        JsFuture::from(slice.array_buffer())
            .await
            .ok()
            .and_then(|buffer| buffer.dyn_into::<ArrayBuffer>().ok())
            .filter(|buffer| u64::from(buffer.byte_length()) == end - start)
            .ok_or(UploadError::FileUnreadable)
    }
}

fn passing(reply: &Reply) -> Trouble {
    let refusal = (reply.status == 429).then(|| UploadError::refused(reply));
    // Too many uploads held open from this connection: waiting seconds does not free one.
    if let Some(refusal) = refusal
        .as_ref()
        .filter(|r| r.code() == ErrorCode::UploadTooManyOpen.as_str())
    {
        return Trouble::Fatal(refusal.clone());
    }
    Trouble::Passing {
        retry_after_ms: retry::retry_after_ms(reply.header("Retry-After").as_deref()),
        refusal,
    }
}
