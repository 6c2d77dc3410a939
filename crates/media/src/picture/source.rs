//! The file as the walks read it: exactly the bytes asked for, if the file has them, and the
//! numbers inside them; with the bounds every walk shares.

use std::io::{Read, Seek, SeekFrom};

/// A JPEG's APP1 segment cannot hold more; EXIF blocks of the other formats get the same bound.
pub(super) const MAX_EXIF_BYTES: u64 = 64 * 1024;
/// Segments, chunks or boxes looked at before giving up: real files have a handful.
pub(super) const MAX_STEPS: usize = 512;

pub(super) struct Source<'r, R> {
    pub(super) reader: &'r mut R,
    pub(super) len: u64,
}

impl<R: Read + Seek> Source<'_, R> {
    /// Exactly `n` bytes at `at`, if the file has them.
    pub(super) fn bytes(&mut self, at: u64, n: u64) -> Option<Vec<u8>> {
        if at.checked_add(n)? > self.len {
            return None;
        }
        self.reader.seek(SeekFrom::Start(at)).ok()?;
        let mut buf = vec![0; usize::try_from(n).ok()?];
        self.reader.read_exact(&mut buf).ok()?;
        Some(buf)
    }
}

pub(super) fn be16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_be_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    )))
}

pub(super) fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

pub(super) fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

pub(super) fn le24(b: &[u8], at: usize) -> Option<u32> {
    let x = b.get(at..at.checked_add(3)?)?;
    Some(u32::from(x[0]) | u32::from(x[1]) << 8 | u32::from(x[2]) << 16)
}

pub(super) fn size(width: u32, height: u32) -> Option<(u32, u32)> {
    (width > 0 && height > 0).then_some((width, height))
}
