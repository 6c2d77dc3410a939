//! A photo's location and the device's serial numbers taken out on the shopper's phone, before
//! a byte of it is uploaded (issue 12: "the position never leaves the phone"). The edit is the
//! server's own (`helpcenter_media::privacy::remove_private`): lossless and in place, the
//! capture date the rules need kept, the file's length unchanged.
//!
//! The widget then keeps, checks, hashes and uploads the edited file only, so the content hash
//! the browser checks duplicates with is the hash of the bytes the server stores (the server's
//! own pass finds nothing more to remove and keeps them as sent).
//!
//! Only the two ends of the file are read into wasm: a photo's EXIF, XMP and a HEIC's `meta` box
//! are near its start (a PNG's `eXIf` now and then near its end). The edited file is those two
//! ends with the untouched middle between them, as a `Blob` the browser assembles without
//! copying. A photo whose metadata lies elsewhere is edited whole, in memory.
//!
//! Every file is read through one [`Ends`] (the checks in [`crate::evidence`] too): each reader
//! type makes a copy of `helpcenter_media`'s walks in the chunk, some 5 KB gzip each.

use std::io::{self, Read, Seek, SeekFrom, Write};

use helpcenter_core::MediaType;
use helpcenter_media::privacy::{Removed, remove_private};
use wasm_bindgen::JsValue;

use crate::evidence::read_range as read;

/// Bytes read from each end of a photo.
const END_BYTES: u64 = 512 * 1024;
/// A photo whose metadata is not at its ends is edited whole up to this size. A larger one
/// (no phone takes such a photo) goes as it is: the server takes its location out on arrival
/// and says so all the same.
pub(crate) const MAX_WHOLE_BYTES: u64 = 64 * 1024 * 1024;

/// `file` without the location and serial numbers in its metadata: a new `File` of the same
/// name, type and length, and whether a location was taken out. Videos, files that are
/// not photos, photos with nothing to take out and files that cannot be read come back as
/// they are (one that cannot be read is not uploaded either).
pub async fn without_location(file: web_sys::File) -> (web_sys::File, bool) {
    match edited(&file).await {
        Ok(Some((edited, removed))) => (edited, removed.location),
        _ => (file, false),
    }
}

async fn edited(file: &web_sys::File) -> Result<Option<(web_sys::File, Removed)>, JsValue> {
    let len = file.size() as u64;
    let head = read(file, 0, END_BYTES.min(len)).await?;
    let Some(kind) = MediaType::sniff(&head).filter(|k| !k.is_video()) else {
        return Ok(None);
    };
    // A JPEG keeps its metadata in the segments before its picture: its tail is not read
    // (a PNG's eXIf, a WebP's EXIF chunk or a HEIC's `meta` after its picture can be there).
    let tail_start = if kind == MediaType::Jpeg {
        len
    } else {
        len.saturating_sub(END_BYTES).max(head.len() as u64)
    };
    let tail = if tail_start < len {
        read(file, tail_start, len).await?
    } else {
        Vec::new()
    };
    let mut ends = Ends::new(head, tail, len);
    let removed = remove_private(&mut ends, len, kind);
    if ends.missed {
        if len > MAX_WHOLE_BYTES {
            return Ok(None);
        }
        let mut whole = Ends::new(read(file, 0, len).await?, Vec::new(), len);
        let removed = remove_private(&mut whole, len, kind).map_err(|_| JsValue::NULL)?;
        if removed == Removed::default() {
            return Ok(None);
        }
        let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(whole.head.as_slice()));
        return Ok(Some((like(file, kind, &parts)?, removed)));
    }
    let removed = removed.map_err(|_| JsValue::NULL)?;
    if removed == Removed::default() {
        return Ok(None);
    }
    // The middle as it was (empty when the ends meet).
    let middle = file.slice_with_f64_and_f64(ends.head.len() as f64, tail_start as f64)?;
    let parts = js_sys::Array::of3(
        &js_sys::Uint8Array::from(ends.head.as_slice()),
        &middle,
        &js_sys::Uint8Array::from(ends.tail.as_slice()),
    );
    Ok(Some((like(file, kind, &parts)?, removed)))
}

/// A file of `parts` named as `file`, of the type its bytes are.
fn like(
    file: &web_sys::File,
    kind: MediaType,
    parts: &js_sys::Array,
) -> Result<web_sys::File, JsValue> {
    let options = web_sys::FilePropertyBag::new();
    options.set_type(kind.mime());
    web_sys::File::new_with_blob_sequence_and_options(parts, &file.name(), &options)
}

/// A file of `len` bytes of which the first (`head`) and the last (from `tail_start`) are at
/// hand, to read and edit in place. Reaching for the middle fails, and is remembered.
pub(crate) struct Ends {
    head: Vec<u8>,
    tail: Vec<u8>,
    tail_start: u64,
    len: u64,
    pos: u64,
    /// The edit reached for bytes in the middle: it has to be made on the whole file.
    missed: bool,
}

impl Ends {
    /// `head` from the first byte and `tail` up to the last of a file of `len` bytes.
    pub(crate) fn new(head: Vec<u8>, tail: Vec<u8>, len: u64) -> Ends {
        Ends {
            tail_start: len.saturating_sub(tail.len() as u64),
            head,
            tail,
            len,
            pos: 0,
            missed: false,
        }
    }

    /// The part holding the byte at `pos`, and where in it; `None` in the middle.
    fn at(&mut self) -> Option<(&mut Vec<u8>, usize)> {
        if self.pos < self.head.len() as u64 {
            let at = self.pos as usize;
            Some((&mut self.head, at))
        } else if self.pos >= self.tail_start && self.pos < self.len {
            let at = (self.pos - self.tail_start) as usize;
            Some((&mut self.tail, at))
        } else {
            None
        }
    }

    fn middle(&mut self) -> io::Error {
        self.missed = true;
        io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the middle of the file is not at hand",
        )
    }
}

impl Read for Ends {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.len || buf.is_empty() {
            return Ok(0);
        }
        let Some((part, at)) = self.at() else {
            return Err(self.middle());
        };
        let n = (part.len() - at).min(buf.len());
        buf[..n].copy_from_slice(&part[at..at + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Write for Ends {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.pos >= self.len {
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                "past the end of the file",
            ));
        }
        let Some((part, at)) = self.at() else {
            return Err(self.middle());
        };
        let n = (part.len() - at).min(buf.len());
        part[at..at + n].copy_from_slice(&buf[..n]);
        self.pos += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for Ends {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let pos = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = pos.ok_or_else(|| io::Error::other("seek before the start"))?;
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use helpcenter_media::samples;

    /// A phone's photo with its position and serial number, its picture long enough that
    /// its ends leave a middle between them.
    fn photo() -> Vec<u8> {
        samples::jpeg_with_location(
            &samples::Jpeg {
                width: 4000,
                height: 3000,
                taken: Some("2026:11:21 10:30:00"),
                ..samples::Jpeg::default()
            },
            (48.858_37, 2.294_48),
            "SN-4417-2291",
        )
    }

    fn ends(bytes: &[u8], each: usize) -> Ends {
        let head = bytes[..each].to_vec();
        let tail = bytes[bytes.len() - each..].to_vec();
        Ends::new(head, tail, bytes.len() as u64)
    }

    fn contains(bytes: &[u8], needle: &[u8]) -> bool {
        bytes.windows(needle.len()).any(|w| w == needle)
    }

    /// `original` edited whole, in memory: what an edit of its ends must come to.
    fn edited_whole(original: &[u8]) -> (Vec<u8>, Removed) {
        let mut whole = original.to_vec();
        let len = whole.len() as u64;
        let removed = remove_private(&mut io::Cursor::new(&mut whole), len, MediaType::Jpeg)
            .expect("edited whole");
        (whole, removed)
    }

    /// The file the widget uploads: the edited ends around the middle of `original` as it was.
    fn sent(edited: &Ends, original: &[u8]) -> Vec<u8> {
        let mut sent = edited.head.clone();
        sent.extend_from_slice(&original[edited.head.len()..edited.tail_start as usize]);
        sent.extend_from_slice(&edited.tail);
        sent
    }

    #[test]
    fn editing_a_photos_ends_is_editing_the_whole_photo() {
        let original = photo();
        let len = original.len() as u64;
        let (whole, on_whole) = edited_whole(&original);
        assert!(on_whole.location && on_whole.device);

        let mut at_ends = ends(&original, 8 * 1024);
        assert!(
            at_ends.tail_start > at_ends.head.len() as u64,
            "a middle is left out"
        );
        let removed = remove_private(&mut at_ends, len, MediaType::Jpeg).expect("edited");
        assert!(!at_ends.missed);
        assert_eq!(removed, on_whole);
        let sent = sent(&at_ends, &original);
        assert_eq!(sent, whole);
        assert!(!contains(&sent, b"SN-4417-2291"));
        // 48°, 51' from the latitude's rationals.
        assert!(!contains(
            &sent,
            &[48, 0, 0, 0, 1, 0, 0, 0, 51, 0, 0, 0, 1, 0, 0, 0]
        ));
        let found = helpcenter_media::inspect_bytes(&sent);
        assert_eq!(found.captured_on, "2026-11-21".parse().ok());
        assert_eq!((found.width, found.height), (Some(4000), Some(3000)));
    }

    #[test]
    fn a_jpegs_metadata_is_edited_from_its_head_alone() {
        let original = photo();
        let len = original.len() as u64;
        let (whole, on_whole) = edited_whole(&original);
        let mut head_only = Ends::new(original[..8 * 1024].to_vec(), Vec::new(), len);
        let removed = remove_private(&mut head_only, len, MediaType::Jpeg).expect("edited");
        assert!(!head_only.missed, "nothing past the head was reached for");
        assert_eq!(removed, on_whole);
        assert_eq!(sent(&head_only, &original), whole);
    }

    #[test]
    fn metadata_out_of_reach_of_the_ends_is_noticed() {
        let original = photo();
        // Ends too short to hold the EXIF: the edit reaches into the middle, and the caller
        // edits the whole file instead of sending it as it was.
        let mut at_ends = ends(&original, 16);
        let _ = remove_private(&mut at_ends, original.len() as u64, MediaType::Jpeg);
        assert!(at_ends.missed);
    }
}
