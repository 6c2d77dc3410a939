//! The browser's look at a file before a byte of it is uploaded: what it really is (from its
//! leading bytes, with the same `helpcenter_media` reading the server does), whether it
//! decodes and at what size, how long a video runs, its content hash and its EXIF capture day.
//! The verdict is helpcenter-core's, on these facts: the same rules the server applies.
//!
//! Files are read in slices, each slice its own task, so checking a 100 MB video never holds the
//! page for more than a few milliseconds at a time. The hash is the browser's own SHA-256
//! (`crypto.subtle`, several times faster than SHA-256 in wasm) in a worker
//! ([`crate::digest`]), so the page's thread never holds a file's bytes; where there is no
//! such worker (a page served over plain HTTP) each slice is hashed in wasm as it arrives.

use helpcenter_core::{EvidenceFile, MediaRule, MediaType};
use sha2::{Digest, Sha256};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Bytes hashed per task in wasm. SHA-256 in wasm runs at roughly 100 MB/s on a phone, so a
/// slice costs a few milliseconds, well inside the 50 ms that makes a task "long".
const SLICE_BYTES: u64 = 256 * 1024;
/// What the header readers see: room for a JPEG's EXIF segment (at most 64 KiB) and the frame
/// header behind it, a HEIC's `meta` box, a video's leading boxes.
const HEAD_BYTES: u64 = 512 * 1024;
/// Larger pictures are measured from their header only: decoding one could take the tab's
/// memory (a decompression bomb is a few kilobytes of PNG).
const MAX_DECODE_PIXELS: u64 = 100_000_000;
/// A video whose metadata the browser cannot read in this time counts as unreadable.
const VIDEO_METADATA_TIMEOUT_MS: i32 = 15_000;

/// What the browser found in a file: the facts the rules judge, and for a photo a small
/// copy of it to show (made from the check's own decode).
pub struct Inspected {
    pub facts: EvidenceFile,
    pub thumbnail: Option<web_sys::Blob>,
}

/// Everything the rules need to know about `file`. `report` hears how much of it has been
/// read, in percent, while a large file is hashed.
pub async fn inspect(file: &web_sys::File, rule: &MediaRule, report: &dyn Fn(u8)) -> Inspected {
    let bytes = file.size() as u64;
    let mut found = Inspected {
        facts: EvidenceFile {
            name: file.name(),
            bytes,
            ..EvidenceFile::default()
        },
        thumbnail: None,
    };
    let facts = &mut found.facts;
    if bytes == 0 {
        return found;
    }
    let Ok(head) = read_range(file, 0, bytes.min(HEAD_BYTES)).await else {
        return found;
    };
    facts.media_type = MediaType::sniff(&head);
    // A file over the limit is refused whatever else it is: only its type is named.
    let whole = bytes <= rule.max_file_bytes;
    let Some(kind) = facts.media_type else {
        if whole && let Ok(hash) = sha256(file, report).await {
            facts.content_hash = hash;
        }
        return found;
    };
    let mut header = inspect_head_and_tail(&head, Vec::new(), bytes);
    if kind == MediaType::Webm && header.duration_seconds.is_none() && whole {
        // A live recording (a browser's recorder writes no duration): its length is in its
        // last cluster. The browser cannot tell either: it reports an infinite duration.
        if let Ok(tail) = read_tail(file, bytes).await {
            header = inspect_head_and_tail(&head, tail, bytes);
        }
    }
    if !kind.is_video()
        && header.width.is_none()
        && bytes > HEAD_BYTES
        && bytes <= crate::privacy::MAX_WHOLE_BYTES
    {
        // Metadata fills the first half megabyte (a long run of comments or maker data): the
        // frame header is further in. Read whole, up to the size the location's removal
        // edits whole.
        if let Ok(whole) = read_range(file, 0, bytes).await {
            header = inspect_head_and_tail(&whole, Vec::new(), bytes);
        }
    }
    let header_size = header.width.zip(header.height);
    // Browsers other than Safari cannot decode HEIC, and oversized files are not decoded
    // (a decompression bomb is a few kilobytes of PNG): the header is all there is.
    let decode = (!kind.is_video()
        && kind != MediaType::Heic
        && header_size.is_none_or(|(w, h)| u64::from(w) * u64::from(h) <= MAX_DECODE_PIXELS))
    .then_some(crate::file_worker::Decode {
        mime: kind.mime(),
        header_size,
    });
    let decodes = decode.is_some();
    // The worker hashes and decodes; without one (or for a file over the limit, not hashed)
    // the page decodes it.
    let in_worker = if whole {
        crate::file_worker::check(file, decode, report).await
    } else {
        None
    };
    if whole {
        facts.content_hash = match &in_worker {
            Some(checked) => checked.sha256.clone(),
            None => match sha256_in_wasm(file, report).await {
                Ok(hash) => hash,
                Err(_) => {
                    // Unreadable: as a file of no known type.
                    facts.media_type = None;
                    return found;
                }
            },
        };
    }
    // What the picture really is when decoded: a file that does not decode is unreadable
    // whatever its header claims.
    let decoded = match in_worker {
        Some(checked) => checked.picture.map(|p| {
            found.thumbnail = p.thumbnail;
            (p.width, p.height)
        }),
        None if decodes => decoded_size(file).await,
        None => None,
    };
    if kind.is_video() {
        facts.duration_seconds = match header.duration_seconds {
            Some(seconds) => Some(seconds),
            None => video_duration(file).await,
        };
    } else {
        facts.captured_on = header.captured_on;
        let size = if decodes { decoded } else { header_size };
        facts.width = size.map(|(w, _)| w);
        facts.height = size.map(|(_, h)| h);
    }
    found
}

/// The SHA-256 of `file`: by the browser in a worker ([`crate::file_worker`]), else in wasm
/// one slice per task.
async fn sha256(
    file: &web_sys::File,
    report: &dyn Fn(u8),
) -> Result<String, wasm_bindgen::JsValue> {
    match crate::file_worker::check(file, None, report).await {
        Some(checked) => Ok(checked.sha256),
        None => sha256_in_wasm(file, report).await,
    }
}

/// [`sha256`] without a worker's `crypto.subtle`: each slice hashed in wasm as it arrives.
async fn sha256_in_wasm(
    file: &web_sys::File,
    report: &dyn Fn(u8),
) -> Result<String, wasm_bindgen::JsValue> {
    let len = file.size() as u64;
    let mut hasher = Sha256::new();
    let mut at = 0u64;
    let mut last_percent = 0u8;
    while at < len {
        let end = (at + SLICE_BYTES).min(len);
        hasher.update(read_range(file, at, end).await?);
        at = end;
        let percent = (at * 100 / len) as u8;
        if percent != last_percent {
            last_percent = percent;
            report(percent);
        }
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// What `helpcenter_media` reads from the first and the last bytes of a file of `len` bytes.
/// Through [`crate::privacy::Ends`], the reader the location's removal uses: one copy of the
/// walks in the chunk for both.
fn inspect_head_and_tail(head: &[u8], tail: Vec<u8>, len: u64) -> helpcenter_media::Inspection {
    let mut file = crate::privacy::Ends::new(head.to_vec(), tail, len);
    helpcenter_media::inspect(&mut file, len).unwrap_or_default()
}

/// The last [`helpcenter_media::LIVE_TAIL_BYTES`] of `file` (all of it when shorter).
async fn read_tail(file: &web_sys::File, len: u64) -> Result<Vec<u8>, wasm_bindgen::JsValue> {
    read_range(
        file,
        len.saturating_sub(helpcenter_media::LIVE_TAIL_BYTES),
        len,
    )
    .await
}

/// Bytes `start..end` of `file`.
pub(crate) async fn read_range(
    file: &web_sys::File,
    start: u64,
    end: u64,
) -> Result<Vec<u8>, wasm_bindgen::JsValue> {
    let slice = file.slice_with_f64_and_f64(start as f64, end as f64)?;
    let buffer = JsFuture::from(slice.array_buffer()).await?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Width and height of the decoded picture, or `None` when the browser cannot decode it.
async fn decoded_size(file: &web_sys::File) -> Option<(u32, u32)> {
    let window = web_sys::window()?;
    let promise = window.create_image_bitmap_with_blob(file).ok()?;
    let bitmap: web_sys::ImageBitmap = JsFuture::from(promise).await.ok()?.dyn_into().ok()?;
    let size = (bitmap.width(), bitmap.height());
    bitmap.close();
    Some(size)
}

/// How long the video runs, as the browser's own demuxer reads it from the metadata.
async fn video_duration(file: &web_sys::File) -> Option<f64> {
    let window = web_sys::window()?;
    let video: web_sys::HtmlVideoElement = window
        .document()?
        .create_element("video")
        .ok()?
        .dyn_into()
        .ok()?;
    let url = web_sys::Url::create_object_url_with_blob(file).ok()?;
    video.set_preload("metadata");
    video.set_muted(true);
    let loaded = js_sys::Promise::new(&mut |resolve, reject| {
        video.set_onloadedmetadata(Some(&resolve));
        video.set_onerror(Some(&reject));
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
            &reject,
            VIDEO_METADATA_TIMEOUT_MS,
        );
    });
    video.set_src(&url);
    let result = JsFuture::from(loaded).await;
    let duration = video.duration();
    video.set_onloadedmetadata(None);
    video.set_onerror(None);
    video.remove_attribute("src").ok()?;
    let _ = web_sys::Url::revoke_object_url(&url);
    result.ok()?;
    // Recordings without a duration in their header report infinity.
    (duration.is_finite() && duration >= 0.0).then_some(duration)
}

/// An address for showing `file` in an `<img>`, for the kinds browsers show there (not videos,
/// and not HEIC outside Safari); revoke it with [`forget_preview`]. The check's thumbnail
/// when there is one: the file itself would be decoded whole again to fill a 64-pixel square.
pub fn preview(
    file: &web_sys::File,
    kind: Option<MediaType>,
    thumbnail: Option<&web_sys::Blob>,
) -> Option<String> {
    kind.filter(|t| !t.is_video() && *t != MediaType::Heic)?;
    web_sys::Url::create_object_url_with_blob(thumbnail.unwrap_or(file)).ok()
}

pub fn forget_preview(url: &str) {
    let _ = web_sys::Url::revoke_object_url(url);
}
