//! What a photo says about itself in its headers: its size and the day it was taken, for the
//! four kinds a shopper may attach (JPEG, PNG, WebP, HEIC).
//!
//! Written here rather than taken from `imagesize` and `kamadak-exif`: those read two dozen
//! formats and every EXIF tag, which cost the widget 18 KB of gzipped wasm for the two facts
//! the rules need. Every walk is bounded in steps and bytes, so a hostile header costs a few
//! reads; a fact that cannot be read stays `None`.

use std::io::{Read, Seek, SeekFrom};

use helpcenter_core::{CivilDate, MediaType};

/// A JPEG's APP1 segment cannot hold more; EXIF blocks of the other formats get the same bound.
const MAX_EXIF_BYTES: u64 = 64 * 1024;
/// Stray bytes looked past between two JPEG segments: Photoshop leaves 1 to 16 after an APP13
/// or APP14 whose length is off, and decoders skip them to the next marker.
const MAX_JPEG_JUNK: u64 = 64;
/// HEIC keeps its item tables in one `meta` box: a few kilobytes in practice.
const MAX_META_BYTES: u64 = 1024 * 1024;
/// Segments, chunks or boxes looked at before giving up: real files have a handful.
const MAX_STEPS: usize = 512;
/// Entries of a HEIF item table (`iinf`, `iloc`, `ipma`, `ipco`) looked at before giving up. A
/// phone's HEIC stores each 512-pixel tile as an item: a Samsung Galaxy S24 Ultra's 200 MP
/// photo has 822, its Exif item among the last. The tables lie in the `meta` box already
/// read (at most [`MAX_META_BYTES`]), so a walk costs no reads, only these steps.
const MAX_ITEMS: usize = 4096;

/// What the headers say; `None` where they say nothing readable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Picture {
    pub size: Option<(u32, u32)>,
    pub taken: Option<CivilDate>,
    /// Where the EXIF (TIFF) block lies in the file, for removing what it says about the
    /// shopper (`crate::privacy`).
    pub exif: Option<ExifBlock>,
}

/// The place of a photo's EXIF block in its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExifBlock {
    /// Offset of the TIFF header (`II*\0` or `MM\0*`).
    pub at: u64,
    /// Bytes from there to the end of the segment, chunk or item that holds it.
    pub len: u64,
    /// PNG: the offset of the `eXIf` chunk's type, which its CRC covers with the data.
    pub png_chunk: Option<u64>,
}

/// Reads the picture of `kind` in the `len` bytes of `reader`.
pub fn read_picture<R: Read + Seek>(reader: &mut R, len: u64, kind: MediaType) -> Picture {
    let mut file = Source { reader, len };
    match kind {
        MediaType::Jpeg => jpeg(&mut file),
        MediaType::Png => png(&mut file),
        MediaType::Webp => webp(&mut file),
        MediaType::Heic => heif(&mut file),
        MediaType::Mp4 | MediaType::Mov | MediaType::Webm => Picture::default(),
    }
}

struct Source<'r, R> {
    reader: &'r mut R,
    len: u64,
}

impl<R: Read + Seek> Source<'_, R> {
    /// Exactly `n` bytes at `at`, if the file has them.
    fn bytes(&mut self, at: u64, n: u64) -> Option<Vec<u8>> {
        if at.checked_add(n)? > self.len {
            return None;
        }
        self.reader.seek(SeekFrom::Start(at)).ok()?;
        let mut buf = vec![0; usize::try_from(n).ok()?];
        self.reader.read_exact(&mut buf).ok()?;
        Some(buf)
    }
}

fn be16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_be_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    )))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn le24(b: &[u8], at: usize) -> Option<u32> {
    let x = b.get(at..at.checked_add(3)?)?;
    Some(u32::from(x[0]) | u32::from(x[1]) << 8 | u32::from(x[2]) << 16)
}

fn size(width: u32, height: u32) -> Option<(u32, u32)> {
    (width > 0 && height > 0).then_some((width, height))
}

/// Markers up to the first frame header: APP1 `Exif` for the day, SOFn for the size.
fn jpeg<R: Read + Seek>(file: &mut Source<'_, R>) -> Picture {
    let mut picture = Picture::default();
    let mut at = 2u64;
    for _ in 0..MAX_STEPS {
        let Some(head) = file.bytes(at, 4) else { break };
        if head[0] != 0xFF {
            let window = file.bytes(at, MAX_JPEG_JUNK.min(file.len - at));
            match window.and_then(|w| w.iter().position(|b| *b == 0xFF)) {
                Some(junk) => {
                    at += junk as u64;
                    continue;
                }
                None => break,
            }
        }
        match head[1] {
            // Fill byte before a marker.
            0xFF => {
                at += 1;
                continue;
            }
            // A stuffed 0xFF among stray bytes, not a marker.
            0x00 => {
                at += 2;
                continue;
            }
            // Markers without a length.
            0x01 | 0xD0..=0xD7 => {
                at += 2;
                continue;
            }
            // The image data or its end: the headers are over.
            0xD9 | 0xDA => break,
            _ => {}
        }
        let length = u64::from(u16::from_be_bytes([head[2], head[3]]));
        if length < 2 {
            break;
        }
        let body = at + 4;
        let body_len = length - 2;
        match head[1] {
            0xE1 if picture.taken.is_none() => {
                if let Some(app1) = file.bytes(body, body_len.min(MAX_EXIF_BYTES))
                    && let Some(tiff) = app1.strip_prefix(b"Exif\0\0")
                {
                    picture.taken = tiff_capture_day(tiff);
                    picture.exif = Some(ExifBlock {
                        at: body + 6,
                        len: tiff.len() as u64,
                        png_chunk: None,
                    });
                }
            }
            // Frame headers; C4 (Huffman tables), C8 (reserved) and CC (arithmetic coding
            // conditioning) share the range but are not frames.
            0xC0..=0xCF if !matches!(head[1], 0xC4 | 0xC8 | 0xCC) => {
                if let Some(frame) = file.bytes(body, 5) {
                    picture.size = be16(&frame, 3)
                        .zip(be16(&frame, 1))
                        .and_then(|(w, h)| size(w, h));
                }
                // EXIF comes before the frame in any file that has it.
                break;
            }
            _ => {}
        }
        at = body + body_len;
    }
    picture
}

/// IHDR for the size, an `eXIf` chunk for the day.
fn png<R: Read + Seek>(file: &mut Source<'_, R>) -> Picture {
    let mut picture = Picture::default();
    // IHDR must be the first chunk; anything else there is not a size.
    if let Some(ihdr) = file.bytes(12, 12)
        && ihdr.starts_with(b"IHDR")
    {
        picture.size = be32(&ihdr, 4)
            .zip(be32(&ihdr, 8))
            .and_then(|(w, h)| size(w, h));
    }
    let mut at = 8u64;
    for _ in 0..MAX_STEPS {
        let Some(head) = file.bytes(at, 8) else { break };
        let length = u64::from(be32(&head, 0).unwrap_or(0));
        match &head[4..8] {
            b"eXIf" => {
                picture.taken = file
                    .bytes(at + 8, length.min(MAX_EXIF_BYTES))
                    .and_then(|tiff| tiff_capture_day(&tiff));
                picture.exif = Some(ExifBlock {
                    at: at + 8,
                    len: length,
                    png_chunk: Some(at + 4),
                });
                break;
            }
            b"IDAT" | b"IEND" => break,
            _ => {}
        }
        at += 12 + length;
    }
    picture
}

/// RIFF chunks: `VP8 `, `VP8L` or `VP8X` for the size, `EXIF` for the day.
fn webp<R: Read + Seek>(file: &mut Source<'_, R>) -> Picture {
    let mut picture = Picture::default();
    let mut at = 12u64;
    for _ in 0..MAX_STEPS {
        let Some(head) = file.bytes(at, 8) else { break };
        let length = u64::from(le32(&head, 4).unwrap_or(0));
        let body = at + 8;
        match &head[0..4] {
            b"VP8X" => {
                picture.size = file.bytes(body, 10).and_then(|x| {
                    let w = le24(&x, 4)? + 1;
                    let h = le24(&x, 7)? + 1;
                    size(w, h)
                });
            }
            b"VP8 " if picture.size.is_none() => {
                picture.size = file.bytes(body, 10).and_then(|x| {
                    if x[3..6] != [0x9D, 0x01, 0x2A] {
                        return None;
                    }
                    let w = u32::from(u16::from_le_bytes([x[6], x[7]]) & 0x3FFF);
                    let h = u32::from(u16::from_le_bytes([x[8], x[9]]) & 0x3FFF);
                    size(w, h)
                });
            }
            b"VP8L" if picture.size.is_none() => {
                picture.size = file.bytes(body, 5).and_then(|x| {
                    if x[0] != 0x2F {
                        return None;
                    }
                    let bits = le32(&x, 1)?;
                    size((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
                });
            }
            b"EXIF" => {
                if let Some(exif) = file.bytes(body, length.min(MAX_EXIF_BYTES)) {
                    let prefix = if exif.starts_with(b"Exif\0\0") { 6 } else { 0 };
                    picture.taken = exif.get(prefix..).and_then(tiff_capture_day);
                    picture.exif = Some(ExifBlock {
                        at: body + prefix as u64,
                        len: length.saturating_sub(prefix as u64),
                        png_chunk: None,
                    });
                }
            }
            _ => {}
        }
        // Chunks are padded to an even length.
        at = body + length + (length & 1);
    }
    picture
}

/// The first `limit` boxes in `data`, as (type, body); a box with size 0 runs to the end.
fn boxes(data: &[u8], limit: usize) -> impl Iterator<Item = (&[u8], &[u8])> {
    let mut at = 0usize;
    std::iter::from_fn(move || {
        let header = data.get(at..at + 8)?;
        let kind = &header[4..8];
        let (start, size) = match be32(header, 0)? {
            0 => (at + 8, data.len() - at),
            1 => (
                at + 16,
                usize::try_from(u64::from_be_bytes(
                    data.get(at + 8..at + 16)?.try_into().ok()?,
                ))
                .ok()?,
            ),
            n => (at + 8, usize::try_from(n).ok()?),
        };
        let end = at.checked_add(size)?;
        let body = data.get(start..end)?;
        at = end;
        Some((kind, body))
    })
    .take(limit)
}

/// HEIF: the `meta` box holds the item tables — `pitm` names the primary item (the picture),
/// `ipma` ties it to its `ispe` (size) among the properties in `ipco`, `iinf` and `iloc` find
/// the `Exif` item. The other items are tiles, thumbnails, depth or gain maps, and may be
/// larger than the picture: an edited iPhone photo keeps an uncropped item beside it.
fn heif<R: Read + Seek>(file: &mut Source<'_, R>) -> Picture {
    let mut picture = Picture::default();
    let meta = heif_meta(file);
    let Some(meta) = meta else { return picture };
    // `meta` is a full box: version and flags first.
    let Some(children) = meta.get(4..) else {
        return picture;
    };
    let mut exif_item = None;
    let mut locations = None;
    let mut primary = None;
    let (mut properties, mut associations) = (None, None);
    for (kind, body) in boxes(children, MAX_STEPS) {
        match kind {
            b"pitm" => {
                primary = match *body.first().unwrap_or(&0) {
                    0 => be16(body, 4),
                    _ => be32(body, 4),
                }
            }
            b"iprp" => {
                for (kind, body) in boxes(body, MAX_STEPS) {
                    match kind {
                        b"ipco" => properties = Some(body),
                        b"ipma" => associations = Some(body),
                        _ => {}
                    }
                }
            }
            b"iinf" => exif_item = exif_item_id(body),
            b"iloc" => locations = Some(body),
            _ => {}
        }
    }
    if let (Some(item), Some(ipco), Some(ipma)) = (primary, properties, associations) {
        picture.size = item_size(ipco, ipma, item);
    }
    if let (Some(item), Some(iloc)) = (exif_item, locations)
        && let Some((offset, length)) = item_location(iloc, item)
        && let Some(data) = file.bytes(offset, length.min(MAX_EXIF_BYTES))
    {
        // The item starts with the offset of the TIFF header behind it.
        let skip = be32(&data, 0).and_then(|skip| skip.checked_add(4));
        picture.taken = skip
            .and_then(|skip| data.get(usize::try_from(skip).ok()?..))
            .and_then(tiff_capture_day);
        picture.exif = skip
            .filter(|skip| u64::from(*skip) <= length)
            .map(|skip| ExifBlock {
                at: offset + u64::from(skip),
                len: length - u64::from(skip),
                png_chunk: None,
            });
    }
    picture
}

/// The body of the top-level `meta` box (at most [`MAX_META_BYTES`]).
fn heif_meta<R: Read + Seek>(file: &mut Source<'_, R>) -> Option<Vec<u8>> {
    let mut at = 0u64;
    for _ in 0..MAX_STEPS {
        let head = file.bytes(at, 16)?;
        let size = match be32(&head, 0).unwrap_or(0) {
            1 => u64::from_be_bytes(head[8..16].try_into().unwrap_or_default()),
            0 => file.len - at,
            n => u64::from(n),
        };
        if &head[4..8] == b"meta" {
            return file.bytes(at + 8, size.saturating_sub(8).min(MAX_META_BYTES));
        }
        if size < 8 {
            return None;
        }
        at = at.checked_add(size)?;
    }
    None
}

/// Exif items of a HEIF file looked at: the picture's, a thumbnail's, a burst's few.
const MAX_EXIF_ITEMS: usize = 16;

/// Every `Exif` item of a HEIF file (the primary picture's and any other item's, such as a
/// second picture or a thumbnail, which carry the same position), where its TIFF block lies.
pub(crate) fn heif_exif_blocks<R: Read + Seek>(reader: &mut R, len: u64) -> Vec<ExifBlock> {
    let mut file = Source { reader, len };
    let Some(meta) = heif_meta(&mut file) else {
        return Vec::new();
    };
    let Some(children) = meta.get(4..) else {
        return Vec::new();
    };
    let (mut ids, mut locations) = (Vec::new(), None);
    for (kind, body) in boxes(children, MAX_STEPS) {
        match kind {
            b"iinf" => ids = exif_item_ids(body).take(MAX_EXIF_ITEMS).collect(),
            b"iloc" => locations = Some(body),
            _ => {}
        }
    }
    let Some(iloc) = locations else {
        return Vec::new();
    };
    ids.into_iter()
        .filter_map(|id| {
            let (offset, length) = item_location(iloc, id)?;
            let skip = u64::from(be32(&file.bytes(offset, 4)?, 0)?).checked_add(4)?;
            (skip <= length).then(|| ExifBlock {
                at: offset + skip,
                len: length - skip,
                png_chunk: None,
            })
        })
        .collect()
}

/// The size in the `ispe` property that `ipma` associates with `item`.
fn item_size(ipco: &[u8], ipma: &[u8], item: u32) -> Option<(u32, u32)> {
    let version = *ipma.first()?;
    // Flag 1: property indexes take 15 bits (2 bytes) instead of 7.
    let index_bytes = if ipma.get(3)? & 1 == 1 { 2 } else { 1 };
    let id_bytes = if version < 1 { 2 } else { 4 };
    let count = usize::try_from(be32(ipma, 4)?).ok()?;
    let mut at = 8usize;
    for _ in 0..count.min(MAX_ITEMS) {
        let id = if id_bytes == 2 {
            be16(ipma, at)?
        } else {
            be32(ipma, at)?
        };
        let associated = usize::from(*ipma.get(at + id_bytes)?);
        at = at.checked_add(id_bytes + 1)?;
        let indexes = ipma.get(at..at.checked_add(associated * index_bytes)?)?;
        at += indexes.len();
        if id != item {
            continue;
        }
        // Each index counts from 1 into `ipco`'s boxes; the top bit marks it essential.
        return indexes.chunks_exact(index_bytes).find_map(|index| {
            let index = match index {
                [one] => usize::from(one & 0x7F),
                [high, low] => usize::from(u16::from_be_bytes([*high, *low]) & 0x7FFF),
                _ => 0,
            };
            let (kind, ispe) = boxes(ipco, MAX_ITEMS).nth(index.checked_sub(1)?)?;
            (kind == b"ispe").then_some(())?;
            size(be32(ispe, 4)?, be32(ispe, 8)?)
        });
    }
    None
}

/// The id of the item of type `Exif` in an `iinf` box.
fn exif_item_id(iinf: &[u8]) -> Option<u32> {
    exif_item_ids(iinf).next()
}

/// The ids of the items of type `Exif` in an `iinf` box, in its order.
fn exif_item_ids(iinf: &[u8]) -> impl Iterator<Item = u32> + '_ {
    let version = iinf.first().copied();
    let entries = if version == Some(0) { 6 } else { 8 };
    let list = if version.is_some() {
        iinf.get(entries..).unwrap_or_default()
    } else {
        &[]
    };
    boxes(list, MAX_ITEMS).filter_map(|(kind, infe)| {
        if kind != b"infe" {
            return None;
        }
        let (id, kind_at) = match *infe.first()? {
            2 => (be16(infe, 4)?, 8),
            3 => (be32(infe, 4)?, 10),
            _ => return None,
        };
        (infe.get(kind_at..kind_at + 4)? == b"Exif").then_some(id)
    })
}

/// Where item `wanted` lies in the file (its first extent), from an `iloc` box.
fn item_location(iloc: &[u8], wanted: u32) -> Option<(u64, u64)> {
    let version = *iloc.first()?;
    let sizes = *iloc.get(4)?;
    let more = *iloc.get(5)?;
    let (offset_size, length_size) = (sizes >> 4, sizes & 0x0F);
    let base_size = more >> 4;
    let index_size = if version == 1 || version == 2 {
        more & 0x0F
    } else {
        0
    };
    let mut at = 6usize;
    let number = |at: &mut usize, width: u8| -> Option<u64> {
        let value = match width {
            0 => 0,
            2 => u64::from(be16(iloc, *at)?),
            4 => u64::from(be32(iloc, *at)?),
            8 => u64::from_be_bytes(iloc.get(*at..*at + 8)?.try_into().ok()?),
            _ => return None,
        };
        *at += usize::from(width);
        Some(value)
    };
    let count = number(&mut at, if version < 2 { 2 } else { 4 })?;
    for _ in 0..count.min(MAX_ITEMS as u64) {
        let id = number(&mut at, if version < 2 { 2 } else { 4 })?;
        let mut construction = 0;
        if version == 1 || version == 2 {
            construction = number(&mut at, 2)? & 0x0F;
        }
        let _data_reference = number(&mut at, 2)?;
        let base = number(&mut at, base_size)?;
        let extents = number(&mut at, 2)?;
        let mut first = None;
        for _ in 0..extents.min(MAX_STEPS as u64) {
            number(&mut at, index_size)?;
            let offset = number(&mut at, offset_size)?;
            let length = number(&mut at, length_size)?;
            first.get_or_insert((base.checked_add(offset)?, length));
        }
        // Only items stored in the file itself (construction method 0) can be read here.
        if u64::from(wanted) == id && construction == 0 {
            return first;
        }
    }
    None
}

/// DateTimeOriginal, else DateTimeDigitized, from a TIFF structure (never the modification
/// DateTime, which editing changes).
pub fn tiff_capture_day(tiff: &[u8]) -> Option<CivilDate> {
    let little = match tiff.get(0..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u32> {
        let b: [u8; 2] = tiff.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(u32::from(if little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        }))
    };
    let u32_at = |at: usize| -> Option<usize> {
        let b: [u8; 4] = tiff.get(at..at.checked_add(4)?)?.try_into().ok()?;
        usize::try_from(if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
        .ok()
    };
    if u16_at(2)? != 42 {
        return None;
    }
    // The entry for `tag` in the directory at `ifd`: its type, count and where its value is.
    let entry = |ifd: usize, tag: u32| -> Option<(u32, usize, usize)> {
        let count = u16_at(ifd)? as usize;
        (0..count.min(MAX_STEPS)).find_map(|i| {
            // Checked: on wasm32 a hostile offset near 4 GiB would wrap. With `value` in
            // range, so are the fields before it.
            let at = ifd.checked_add(2 + 12 * i)?;
            let value = at.checked_add(8)?;
            (u16_at(at)? == tag).then_some((u16_at(at + 2)?, u32_at(at + 4)?, value))
        })
    };
    const EXIF_IFD: u32 = 0x8769;
    const ASCII: u32 = 2;
    const LONG: u32 = 4;
    let (kind, _, value) = entry(u32_at(4)?, EXIF_IFD)?;
    if kind != LONG {
        return None;
    }
    let exif = u32_at(value)?;
    [0x9003, 0x9004].into_iter().find_map(|tag| {
        let (kind, count, value) = entry(exif, tag)?;
        if kind != ASCII || count < 10 {
            return None;
        }
        let text = tiff.get(u32_at(value)?..)?.get(..10)?;
        let number = |range: std::ops::Range<usize>| -> Option<u32> {
            std::str::from_utf8(text.get(range)?).ok()?.parse().ok()
        };
        if text[4] != b':' || text[7] != b':' {
            return None;
        }
        CivilDate::from_ymd(
            i32::try_from(number(0..4)?).ok()?,
            u8::try_from(number(5..7)?).ok()?,
            u8::try_from(number(8..10)?).ok()?,
        )
    })
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::samples;

    fn read(bytes: &[u8], kind: MediaType) -> Picture {
        read_picture(&mut Cursor::new(bytes), bytes.len() as u64, kind)
    }

    fn day(text: &str) -> Option<CivilDate> {
        text.parse().ok()
    }

    fn tiff(tag: u16, date: &[u8]) -> Vec<u8> {
        samples::exif_tiff(tag, date)
    }

    fn chunk(kind: &[u8; 4], body: &[u8], big_endian_length: bool) -> Vec<u8> {
        let mut c = if big_endian_length {
            (body.len() as u32).to_be_bytes().to_vec()
        } else {
            kind.to_vec()
        };
        if big_endian_length {
            c.extend_from_slice(kind);
        } else {
            c.extend_from_slice(&(body.len() as u32).to_le_bytes());
        }
        c.extend_from_slice(body);
        c
    }

    #[test]
    fn jpeg_size_and_day_and_a_motorola_tiff() {
        let bytes = samples::jpeg(&samples::Jpeg {
            width: 1024,
            height: 768,
            taken: Some("2026:11:21 10:30:00"),
            ..samples::Jpeg::default()
        });
        let picture = read(&bytes, MediaType::Jpeg);
        assert_eq!(picture.size, Some((1024, 768)));
        assert_eq!(picture.taken, day("2026-11-21"));

        let mut mm = b"MM\0*\0\0\0\x08".to_vec();
        mm.extend_from_slice(&[0, 1, 0x87, 0x69, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0]);
        mm.extend_from_slice(&[0, 1, 0x90, 0x04, 0, 2, 0, 0, 0, 20, 0, 0, 0, 44, 0, 0, 0, 0]);
        mm.extend_from_slice(b"2025:02:28 23:59:59\0");
        assert_eq!(
            tiff_capture_day(&mm),
            day("2025-02-28"),
            "Digitized when no Original"
        );
    }

    #[test]
    fn bad_dates_and_broken_structures_give_nothing() {
        for date in [
            &b"2026:13:40 10:30:00\0"[..],
            b"    :  :     :  :  \0",
            b"2026-11-21",
        ] {
            assert_eq!(tiff_capture_day(&tiff(0x9003, date)), None, "{date:?}");
        }
        assert_eq!(
            tiff_capture_day(&tiff(0x0132, b"2026:11:21 10:30:00\0")),
            None
        );
        assert_eq!(tiff_capture_day(b"II*\0\xFF\xFF\xFF\xFF"), None);
        assert_eq!(tiff_capture_day(b""), None);
        assert_eq!(
            read(b"\xFF\xD8\xFF\xD9", MediaType::Jpeg),
            Picture::default()
        );
        // A segment claiming more than the file has.
        assert_eq!(
            read(b"\xFF\xD8\xFF\xE1\xFF\xFFExif", MediaType::Jpeg),
            Picture::default()
        );
    }

    /// Photoshop CS and CC leave stray bytes after an APP13 or APP14 segment (Pillow's
    /// `truncated_app14.jpg`, `photoshop-200dpi-broken.jpg`); browsers and exiftool skip them.
    #[test]
    fn jpeg_stray_bytes_between_segments_are_skipped_a_little() {
        let bytes = samples::jpeg(&samples::Jpeg {
            width: 200,
            height: 200,
            taken: Some("2017:03:01 09:00:00"),
            ..samples::Jpeg::default()
        });
        let frame = bytes
            .windows(2)
            .position(|w| w == [0xFF, 0xC0])
            .expect("SOF0");
        let with_junk = |junk: &[u8]| {
            let mut file = bytes[..frame].to_vec();
            file.extend_from_slice(junk);
            file.extend_from_slice(&bytes[frame..]);
            file
        };
        for junk in [
            &[0x01][..],
            &[0x04, 0x06, 0, 0, 0xFF, 0x00, 0x11],
            &[0x20; 16],
        ] {
            let picture = read(&with_junk(junk), MediaType::Jpeg);
            assert_eq!(picture.size, Some((200, 200)), "{junk:?}");
            assert_eq!(picture.taken, day("2017-03-01"));
        }
        // More junk than a writer leaves: the walk gives up rather than scanning the file.
        let picture = read(&with_junk(&[0x20; 100]), MediaType::Jpeg);
        assert_eq!(picture.size, None);
        assert_eq!(picture.taken, day("2017-03-01"));
    }

    #[test]
    fn png_without_ihdr_first_has_no_size() {
        let png = samples::png(64, 48, 1);
        let mut broken = png.clone();
        broken[12..16].copy_from_slice(b"tEXt");
        assert_eq!(read(&broken, MediaType::Png).size, None);
        assert_eq!(read(&png, MediaType::Png).size, Some((64, 48)));
    }

    #[test]
    fn png_size_and_exif_chunk() {
        assert_eq!(
            read(&samples::png(300, 200, 1), MediaType::Png).size,
            Some((300, 200))
        );
        let png = samples::png(64, 48, 1);
        // An eXIf chunk (length, type, data, CRC) before the image data, where writers put it.
        let idat = png.windows(4).position(|w| w == b"IDAT").expect("IDAT") - 4;
        let mut with = png[..idat].to_vec();
        with.extend(chunk(
            b"eXIf",
            &tiff(0x9003, b"2026:11:20 08:00:00\0"),
            true,
        ));
        with.extend_from_slice(&[0; 4]);
        with.extend_from_slice(&png[idat..]);
        let picture = read(&with, MediaType::Png);
        assert_eq!(picture.size, Some((64, 48)));
        assert_eq!(picture.taken, day("2026-11-20"));
    }

    fn riff(chunks: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = chunks.concat();
        let mut riff = b"RIFF".to_vec();
        riff.extend_from_slice(&((body.len() + 4) as u32).to_le_bytes());
        riff.extend_from_slice(b"WEBP");
        riff.extend(body);
        riff
    }

    #[test]
    fn webp_lossy_lossless_extended_and_exif() {
        let mut vp8 = vec![0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A];
        vp8.extend_from_slice(&640u16.to_le_bytes());
        vp8.extend_from_slice(&480u16.to_le_bytes());
        assert_eq!(
            read(&riff(&[chunk(b"VP8 ", &vp8, false)]), MediaType::Webp).size,
            Some((640, 480))
        );
        let bits: u32 = 799 | (599 << 14);
        let mut vp8l = vec![0x2F];
        vp8l.extend_from_slice(&bits.to_le_bytes());
        assert_eq!(
            read(&riff(&[chunk(b"VP8L", &vp8l, false)]), MediaType::Webp).size,
            Some((800, 600))
        );
        let mut vp8x = vec![0x08, 0, 0, 0];
        vp8x.extend_from_slice(&[0x9F, 0x0F, 0x00, 0xB7, 0x0B, 0x00]); // 4000 × 3000, each stored minus one
        let mut exif = b"Exif\0\0".to_vec();
        exif.extend(tiff(0x9003, b"2026:10:01 12:00:00\0"));
        // An odd-length chunk is padded: the EXIF chunk behind it must still be found.
        let odd = chunk(b"ICCP", &[1, 2, 3], false);
        let picture = read(
            &riff(&[
                chunk(b"VP8X", &vp8x, false),
                odd,
                vec![0],
                chunk(b"EXIF", &exif, false),
            ]),
            MediaType::Webp,
        );
        assert_eq!(picture.size, Some((4000, 3000)));
        assert_eq!(picture.taken, day("2026-10-01"));
    }

    fn mp4_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(body);
        b
    }

    fn full(version: u8, body: &[u8]) -> Vec<u8> {
        let mut b = vec![version, 0, 0, 0];
        b.extend_from_slice(body);
        b
    }

    /// How a test HEIC is laid out.
    struct Heic {
        iloc_version: u8,
        /// Tile items before the `Exif` item, each in `iinf`, `iloc` and `ipma`, as a
        /// phone stores a large photo.
        tiles: u16,
        /// Whether `ipma` uses 2-byte property indexes (flag 1) and 4-byte item ids (v1).
        wide_ipma: bool,
    }

    /// A HEIC whose primary item (1) is 4032×3024, beside a 320×240 thumbnail and a larger
    /// 4032×4032 item that is not the picture (an uncropped original, a depth map), with an
    /// `Exif` item stored after `meta`.
    fn heic(spec: &Heic) -> Vec<u8> {
        let ispe = |w: u32, h: u32| {
            let mut b = w.to_be_bytes().to_vec();
            b.extend_from_slice(&h.to_be_bytes());
            mp4_box(b"ispe", &full(0, &b))
        };
        let ipco = mp4_box(
            b"ipco",
            &[ispe(320, 240), ispe(4032, 4032), ispe(4032, 3024)].concat(),
        );
        let exif_id = 2 + spec.tiles;
        // Item 1 has properties 3 (its size) and 1 (marked essential); the tiles have 2.
        let mut items: Vec<(u16, Vec<u16>)> = vec![(1, vec![3, 0x8001])];
        items.extend((2..exif_id).map(|id| (id, vec![2])));
        let mut ipma_body = (items.len() as u32).to_be_bytes().to_vec();
        for (id, indexes) in &items {
            if spec.wide_ipma {
                ipma_body.extend_from_slice(&u32::from(*id).to_be_bytes());
            } else {
                ipma_body.extend_from_slice(&id.to_be_bytes());
            }
            ipma_body.push(indexes.len() as u8);
            for index in indexes {
                if spec.wide_ipma {
                    ipma_body.extend_from_slice(&index.to_be_bytes());
                } else {
                    ipma_body.push((index & 0x7F) as u8 | ((index >> 8) as u8 & 0x80));
                }
            }
        }
        let mut ipma = vec![u8::from(spec.wide_ipma), 0, 0, u8::from(spec.wide_ipma)];
        ipma.extend(ipma_body);
        let iprp = mp4_box(b"iprp", &[ipco, mp4_box(b"ipma", &ipma)].concat());
        let pitm = mp4_box(b"pitm", &full(0, &1u16.to_be_bytes()));
        let infe = |id: u16, kind: &[u8; 4]| {
            let mut b = id.to_be_bytes().to_vec();
            b.extend_from_slice(&[0, 0]);
            b.extend_from_slice(kind);
            b.push(0);
            mp4_box(b"infe", &full(2, &b))
        };
        let mut iinf_body = (exif_id).to_be_bytes().to_vec();
        for id in 1..exif_id {
            iinf_body.extend(infe(id, b"hvc1"));
        }
        iinf_body.extend(infe(exif_id, b"Exif"));
        let iinf = mp4_box(b"iinf", &full(0, &iinf_body));
        // The Exif item: 4-byte offset to the TIFF header (here 6, past "Exif\0\0").
        let mut item = 6u32.to_be_bytes().to_vec();
        item.extend_from_slice(b"Exif\0\0");
        item.extend(tiff(0x9003, b"2026:11:22 07:15:00\0"));
        let build = |exif_offset: u32| {
            let mut body = vec![0x44, 0x00]; // 4-byte offsets and lengths, no base offset
            let number = |body: &mut Vec<u8>, n: u16| {
                if spec.iloc_version == 2 {
                    body.extend_from_slice(&u32::from(n).to_be_bytes());
                } else {
                    body.extend_from_slice(&n.to_be_bytes());
                }
            };
            number(&mut body, exif_id);
            for id in 2..=exif_id {
                number(&mut body, id);
                if spec.iloc_version >= 1 {
                    body.extend_from_slice(&[0, 0]);
                }
                body.extend_from_slice(&[0, 0, 0, 1]);
                let (offset, length) = if id == exif_id {
                    (exif_offset, item.len() as u32)
                } else {
                    (0, 16)
                };
                body.extend_from_slice(&offset.to_be_bytes());
                body.extend_from_slice(&length.to_be_bytes());
            }
            let iloc = mp4_box(b"iloc", &full(spec.iloc_version, &body));
            let meta = mp4_box(
                b"meta",
                &full(
                    0,
                    &[pitm.clone(), iprp.clone(), iinf.clone(), iloc].concat(),
                ),
            );
            let mut file = mp4_box(b"ftyp", b"heic\0\0\0\0mif1heic");
            file.extend(meta);
            file
        };
        let start = build(0).len() as u32 + 8;
        let mut file = build(start);
        file.extend(mp4_box(b"mdat", &item));
        file
    }

    #[test]
    fn heic_size_of_the_primary_picture_and_its_exif_item() {
        for iloc_version in [0, 1, 2] {
            for wide_ipma in [false, true] {
                let spec = Heic {
                    iloc_version,
                    tiles: 0,
                    wide_ipma,
                };
                let picture = read(&heic(&spec), MediaType::Heic);
                let case = format!("iloc v{iloc_version}, wide ipma {wide_ipma}");
                // Not the larger 4032×4032 item: an edited iPhone photo (iPhone XS) has one.
                assert_eq!(picture.size, Some((4032, 3024)), "{case}");
                assert_eq!(picture.taken, day("2026-11-22"), "{case}");
            }
        }
        let plain = Heic {
            iloc_version: 0,
            tiles: 0,
            wide_ipma: false,
        };
        let truncated = &heic(&plain)[..60];
        assert_eq!(read(truncated, MediaType::Heic).taken, None);
        // A 64-bit box size at the top of u64 must end the walk, not overflow.
        let mut huge = mp4_box(b"ftyp", b"heicmif1");
        huge.extend_from_slice(b"\0\0\0\x01free");
        huge.extend_from_slice(&u64::MAX.to_be_bytes());
        assert_eq!(read(&huge, MediaType::Heic), Picture::default());
    }

    /// A Samsung Galaxy S24 Ultra's 200 MP HEIC has 822 items, its Exif item the 820th: the
    /// item tables are walked past 512 entries, but not without end.
    #[test]
    fn heic_exif_item_after_hundreds_of_tiles() {
        for iloc_version in [1, 2] {
            let spec = Heic {
                iloc_version,
                tiles: 820,
                wide_ipma: true,
            };
            let picture = read(&heic(&spec), MediaType::Heic);
            assert_eq!(picture.size, Some((4032, 3024)), "iloc v{iloc_version}");
            assert_eq!(picture.taken, day("2026-11-22"), "iloc v{iloc_version}");
        }
        let beyond = Heic {
            iloc_version: 1,
            tiles: MAX_ITEMS as u16,
            wide_ipma: true,
        };
        let picture = read(&heic(&beyond), MediaType::Heic);
        assert_eq!(
            picture.taken, None,
            "an Exif item past MAX_ITEMS is not looked for"
        );
        assert_eq!(
            picture.size,
            Some((4032, 3024)),
            "the primary item comes first"
        );
    }

    /// Without `pitm` and `ipma` nothing says which item is the picture: no size, rather than
    /// a guess.
    #[test]
    fn heic_without_a_primary_item_has_no_size() {
        let file = heic(&Heic {
            iloc_version: 0,
            tiles: 0,
            wide_ipma: false,
        });
        let at = file.windows(4).position(|w| w == b"pitm").expect("pitm") - 4;
        let mut renamed = file.clone();
        renamed[at + 4..at + 8].copy_from_slice(b"free");
        let picture = read(&renamed, MediaType::Heic);
        assert_eq!(picture.size, None);
        assert_eq!(picture.taken, day("2026-11-22"));
    }
}
