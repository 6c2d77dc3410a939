//! What a photo or video file really is: type from its bytes, image size from the header only
//! (a decompression bomb is never decoded), EXIF capture day, video duration from the container.
//!
//! The widget runs this on a file before uploading it, the server on the finished upload: the
//! same facts in both places, judged by the same rules in `helpcenter_core`.
//!
//! Every walk here is bounded in steps and reads only what the headers point at, so a hostile
//! file costs a few reads, not memory or time. A fact that cannot be established stays `None`;
//! `helpcenter_core` decides what a missing fact means for the evidence.
//!
//! A video's duration is read in `video`, a photo's size and capture day in `picture`; `privacy`
//! removes what a kept photo must not carry.

use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use helpcenter_core::{CivilDate, MediaType};

#[cfg(feature = "decode")]
pub mod decode;
mod picture;
#[cfg(any(test, feature = "samples"))]
pub mod samples;

pub mod privacy;
mod video;

pub use picture::{ExifBlock, Picture, read_picture, tiff_capture_day};
pub use video::{LIVE_TAIL_BYTES, mp4_duration, webm_duration};

/// Enough leading bytes for `MediaType::sniff`.
pub const SNIFF_BYTES: usize = 16;

/// Boxes or elements looked at on one level before giving up: real files have a handful.
const MAX_SIBLINGS: usize = 512;
/// Bytes one inspection may read, whatever the file: the header walks read a few kilobytes of
/// a real file, and at most a HEIC's `meta` box (1 MiB) and an EXIF block (64 KiB) at once.
pub const MAX_READ_BYTES: u64 = 4 * 1024 * 1024;
/// Reads and seeks one inspection may make: a real file needs a few dozen. Each walk is bounded
/// in steps too; this bounds them all together, so no crafted nesting multiplies them.
pub const MAX_READ_CALLS: u32 = 16 * 1024;

/// The facts of one file, before it is named and hashed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Inspection {
    pub media_type: Option<MediaType>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub duration_seconds: Option<f64>,
    pub captured_on: Option<CivilDate>,
}

/// Inspects a file on disk (blocking: run it on a blocking thread).
pub fn inspect_file(path: &Path) -> io::Result<Inspection> {
    let file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    inspect(&mut BufReader::new(file), len)
}

/// Inspects a file held in memory.
pub fn inspect_bytes(bytes: &[u8]) -> Inspection {
    // Reading from a slice cannot fail.
    inspect(&mut io::Cursor::new(bytes), bytes.len() as u64).unwrap_or_default()
}

/// Inspects `len` bytes readable from `reader`, reading at most [`MAX_READ_BYTES`] in at most
/// [`MAX_READ_CALLS`] reads and seeks: a crafted file costs what a real one does.
pub fn inspect<R: Read + Seek>(reader: &mut R, len: u64) -> io::Result<Inspection> {
    let mut budget = Budget::new(reader);
    inspect_within(&mut budget, len)
}

fn inspect_within<R: Read + Seek>(reader: &mut R, len: u64) -> io::Result<Inspection> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    reader
        .by_ref()
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)?;
    let Some(media_type) = MediaType::sniff(&head) else {
        return Ok(Inspection::default());
    };
    let mut found = Inspection {
        media_type: Some(media_type),
        ..Inspection::default()
    };
    if media_type.is_video() {
        reader.seek(SeekFrom::Start(0))?;
        found.duration_seconds = match media_type {
            MediaType::Webm => webm_duration(reader, len),
            _ => mp4_duration(reader, len),
        };
    } else {
        let picture = read_picture(reader, len, media_type);
        found.width = picture.size.map(|(w, _)| w);
        found.height = picture.size.map(|(_, h)| h);
        found.captured_on = picture.taken;
    }
    Ok(found)
}

/// A file of which only the first and the last bytes are at hand, as the widget holds a large
/// video (it hashes the rest without keeping it): reads inside either part succeed and reads
/// in between fail, so a walk that needs the middle finds nothing rather than something wrong.
pub struct HeadAndTail<'a> {
    head: &'a [u8],
    tail: &'a [u8],
    len: u64,
    pos: u64,
}

impl<'a> HeadAndTail<'a> {
    /// `head` from the file's first byte, `tail` up to its last, of a file of `len` bytes.
    pub fn new(head: &'a [u8], tail: &'a [u8], len: u64) -> Self {
        Self {
            head,
            tail,
            len,
            pos: 0,
        }
    }
}

impl Read for HeadAndTail<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let tail_start = self.len.saturating_sub(self.tail.len() as u64);
        let (part, at) = if self.pos < self.head.len() as u64 {
            (self.head, self.pos)
        } else if self.pos >= self.len {
            return Ok(0);
        } else if self.pos >= tail_start {
            (self.tail, self.pos - tail_start)
        } else {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the middle of the file is not at hand",
            ));
        };
        let from = &part[usize::try_from(at).unwrap_or(usize::MAX).min(part.len())..];
        let n = from.len().min(buf.len());
        buf[..n].copy_from_slice(&from[..n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for HeadAndTail<'_> {
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

/// A reader that refuses to read past [`MAX_READ_BYTES`] or to be called more than
/// [`MAX_READ_CALLS`] times: the walks read through it, so their sum is bounded.
pub struct Budget<'r, R> {
    inner: &'r mut R,
    bytes_left: u64,
    calls_left: u32,
}

impl<'r, R> Budget<'r, R> {
    pub fn new(inner: &'r mut R) -> Self {
        Self {
            inner,
            bytes_left: MAX_READ_BYTES,
            calls_left: MAX_READ_CALLS,
        }
    }

    fn spend_call(&mut self) -> io::Result<()> {
        self.calls_left = self.calls_left.checked_sub(1).ok_or_else(spent)?;
        Ok(())
    }
}

fn spent() -> io::Error {
    io::Error::other("the file asks for more reading than any photo or video needs")
}

impl<R: Read> Read for Budget<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.spend_call()?;
        if buf.is_empty() {
            return Ok(0);
        }
        if self.bytes_left == 0 {
            return Err(spent());
        }
        let room = usize::try_from(self.bytes_left).unwrap_or(usize::MAX);
        let take = buf.len().min(room);
        let n = self.inner.read(&mut buf[..take])?;
        self.bytes_left -= n as u64;
        Ok(n)
    }
}

impl<R: Seek> Seek for Budget<'_, R> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.spend_call()?;
        self.inner.seek(to)
    }
}

fn read_array<R: Read, const N: usize>(reader: &mut R) -> Option<[u8; N]> {
    let mut bytes = [0u8; N];
    reader.read_exact(&mut bytes).ok()?;
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    /// A JPEG of `width`×`height` whose EXIF says it was taken on `date` (as cameras write it).
    fn jpeg_with_exif(date: &str, width: u16, height: u16) -> Vec<u8> {
        samples::jpeg(&samples::Jpeg {
            width,
            height,
            taken: Some(date),
            ..samples::Jpeg::default()
        })
    }

    #[test]
    fn jpeg_size_and_exif_capture_day() {
        let jpeg = jpeg_with_exif("2026:11:21 10:30:00", 1024, 768);
        let found = inspect(&mut Cursor::new(&jpeg), jpeg.len() as u64).expect("inspect");
        assert_eq!(found.media_type, Some(MediaType::Jpeg));
        assert_eq!((found.width, found.height), (Some(1024), Some(768)));
        assert_eq!(found.captured_on, "2026-11-21".parse().ok());
    }

    #[test]
    fn bad_exif_dates_are_ignored() {
        for date in ["2026:13:40 10:30:00", "    :  :     :  :  "] {
            let jpeg = jpeg_with_exif(date, 640, 480);
            let found = inspect(&mut Cursor::new(&jpeg), jpeg.len() as u64).expect("inspect");
            assert_eq!(found.captured_on, None);
            assert_eq!((found.width, found.height), (Some(640), Some(480)));
        }
    }

    #[test]
    fn anything_else_has_no_facts() {
        let html = b"<!doctype html><script>alert(1)</script>";
        let found = inspect(&mut Cursor::new(&html[..]), html.len() as u64).expect("inspect");
        assert_eq!(found, Inspection::default());
    }
}
