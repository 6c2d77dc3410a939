//! The browser's look at a file before a byte of it is uploaded: what it really is (from its
//! leading bytes, with the same `helpcenter_media` reading the server does), whether it
//! decodes and at what size, how long a video runs, its content hash and its EXIF capture day.
//! The verdict is helpcenter-core's, on these facts: the same rules the server applies.
//!
//! Files are read in slices, each slice its own task, so checking a 100 MB video never holds the
//! page for more than a few milliseconds at a time. The hash is the browser's own SHA-256
//! (`crypto.subtle`, native code off the main thread, several times faster than SHA-256 in wasm)
//! over the slices gathered into one buffer outside wasm's memory; where `crypto.subtle` is
//! missing (a page served over plain HTTP) each slice is hashed in wasm as it arrives.

use helpcenter_core::{EvidenceFile, MediaRule, MediaType};
use sha2::{Digest, Sha256};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Bytes hashed per task in wasm. SHA-256 in wasm runs at roughly 100 MB/s on a phone, so a
/// slice costs a few milliseconds, well inside the 50 ms that makes a task "long".
const SLICE_BYTES: u64 = 256 * 1024;
/// Bytes copied per task into the buffer the browser hashes: a copy runs at gigabytes a second.
const GATHER_BYTES: u64 = 4 * 1024 * 1024;
/// What the header readers see: room for a JPEG's EXIF segment (at most 64 KiB) and the frame
/// header behind it, a HEIC's `meta` box, a video's leading boxes.
const HEAD_BYTES: u64 = 512 * 1024;
/// Larger pictures are measured from their header only: decoding one could take the tab's
/// memory (a decompression bomb is a few kilobytes of PNG).
const MAX_DECODE_PIXELS: u64 = 100_000_000;
/// A video whose metadata the browser cannot read in this time counts as unreadable.
const VIDEO_METADATA_TIMEOUT_MS: i32 = 15_000;

/// Everything the rules need to know about `file`. `report` hears how much of it has been
/// read, in percent, while a large file is hashed.
pub async fn inspect(file: &web_sys::File, rule: &MediaRule, report: &dyn Fn(u8)) -> EvidenceFile {
    let bytes = file.size() as u64;
    let mut facts = EvidenceFile {
        name: file.name(),
        bytes,
        ..EvidenceFile::default()
    };
    if bytes == 0 {
        return facts;
    }
    // A file over the limit is refused whatever else it is: read only enough to name its type.
    let read_to = if bytes > rule.max_file_bytes {
        HEAD_BYTES.min(bytes)
    } else {
        bytes
    };
    let Ok((head, hash)) = read(file, read_to, report).await else {
        return facts;
    };
    facts.media_type = MediaType::sniff(&head);
    if read_to == bytes {
        facts.content_hash = hash;
    }
    let Some(kind) = facts.media_type else {
        return facts;
    };
    let mut found = inspect_head_and_tail(&head, Vec::new(), bytes);
    if kind == MediaType::Webm && found.duration_seconds.is_none() && read_to == bytes {
        // A live recording (a browser's recorder writes no duration): its length is in its
        // last cluster. The browser cannot tell either: it reports an infinite duration.
        if let Ok(tail) = read_tail(file, bytes).await {
            found = inspect_head_and_tail(&head, tail, bytes);
        }
    }
    if kind.is_video() {
        facts.duration_seconds = match found.duration_seconds {
            Some(seconds) => Some(seconds),
            None => video_duration(file).await,
        };
    } else {
        facts.captured_on = found.captured_on;
        let header_size = found.width.zip(found.height);
        let decodable = kind != MediaType::Heic
            && header_size.is_none_or(|(w, h)| u64::from(w) * u64::from(h) <= MAX_DECODE_PIXELS);
        let size = if decodable {
            // What the picture really is when decoded; a file that does not decode is
            // unreadable whatever its header claims.
            decoded_size(file).await
        } else {
            // Browsers other than Safari cannot decode HEIC, and oversized files are not
            // decoded: the header is all we have.
            header_size
        };
        facts.width = size.map(|(w, _)| w);
        facts.height = size.map(|(_, h)| h);
    }
    facts
}

/// The first [`HEAD_BYTES`] of the first `len` bytes of `file`, and the SHA-256 of those `len`
/// bytes, reading one slice per task.
async fn read(
    file: &web_sys::File,
    len: u64,
    report: &dyn Fn(u8),
) -> Result<(Vec<u8>, String), wasm_bindgen::JsValue> {
    let subtle = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.subtle())
        .filter(|s| !s.is_undefined());
    match subtle {
        Some(subtle) if u32::try_from(len).is_ok() => {
            read_for_browser_hash(file, len, &subtle, report).await
        }
        _ => read_and_hash_in_wasm(file, len, report).await,
    }
}

/// [`read`] with the browser's SHA-256: the slices are gathered into one `Uint8Array` (the
/// file's only copy: wasm's memory holds the head alone) and digested at once.
async fn read_for_browser_hash(
    file: &web_sys::File,
    len: u64,
    subtle: &web_sys::SubtleCrypto,
    report: &dyn Fn(u8),
) -> Result<(Vec<u8>, String), wasm_bindgen::JsValue> {
    let whole = js_sys::Uint8Array::new_with_length(len as u32);
    let mut at = 0u64;
    let mut last_percent = 0u8;
    while at < len {
        let end = (at + GATHER_BYTES).min(len);
        let slice = file.slice_with_f64_and_f64(at as f64, end as f64)?;
        let buffer = JsFuture::from(slice.array_buffer()).await?;
        whole.set(&js_sys::Uint8Array::new(&buffer), at as u32);
        at = end;
        // Reading is most of the time; the digest after it is the last percent.
        let percent = (at * 99 / len) as u8;
        if percent != last_percent {
            last_percent = percent;
            report(percent);
        }
    }
    let digest =
        JsFuture::from(subtle.digest_with_str_and_buffer_source("SHA-256", &whole)?).await?;
    report(100);
    let head = whole.subarray(0, len.min(HEAD_BYTES) as u32).to_vec();
    Ok((head, hex(&js_sys::Uint8Array::new(&digest).to_vec())))
}

/// [`read`] without `crypto.subtle`: each slice hashed in wasm as it arrives.
async fn read_and_hash_in_wasm(
    file: &web_sys::File,
    len: u64,
    report: &dyn Fn(u8),
) -> Result<(Vec<u8>, String), wasm_bindgen::JsValue> {
    let mut hasher = Sha256::new();
    let mut head = Vec::new();
    let mut at = 0u64;
    let mut last_percent = 0u8;
    while at < len {
        let end = (at + SLICE_BYTES).min(len);
        let slice = file.slice_with_f64_and_f64(at as f64, end as f64)?;
        let buffer = JsFuture::from(slice.array_buffer()).await?;
        let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
        hasher.update(&bytes);
        if (head.len() as u64) < HEAD_BYTES {
            let room = (HEAD_BYTES as usize).saturating_sub(head.len());
            head.extend_from_slice(&bytes[..room.min(bytes.len())]);
        }
        at = end;
        let percent = (at * 100 / len) as u8;
        if percent != last_percent {
            last_percent = percent;
            report(percent);
        }
    }
    Ok((head, hex(&hasher.finalize())))
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
    let start = len.saturating_sub(helpcenter_media::LIVE_TAIL_BYTES);
    let slice = file.slice_with_f64_and_f64(start as f64, len as f64)?;
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
/// and not HEIC outside Safari); revoke it with [`forget_preview`].
pub fn preview(file: &web_sys::File, kind: Option<MediaType>) -> Option<String> {
    kind.filter(|t| !t.is_video() && *t != MediaType::Heic)?;
    web_sys::Url::create_object_url_with_blob(file).ok()
}

pub fn forget_preview(url: &str) {
    let _ = web_sys::Url::revoke_object_url(url);
}
