//! HEIF (a phone's HEIC): the picture's size and its `Exif` items, from the item tables of the
//! `meta` box.

use std::io::{Read, Seek};

use super::facts::{ExifBlock, Picture};
use super::source::{MAX_EXIF_BYTES, MAX_STEPS, Source, be16, be32, size};
use super::tiff::tiff_capture_day;

/// HEIC keeps its item tables in one `meta` box: a few kilobytes in practice.
const MAX_META_BYTES: u64 = 1024 * 1024;
/// Entries of a HEIF item table (`iinf`, `iloc`, `ipma`, `ipco`) looked at before giving up. A
/// phone's HEIC stores each 512-pixel tile as an item: a Samsung Galaxy S24 Ultra's 200 MP
/// photo has 822, its Exif item among the last. The tables lie in the `meta` box already
/// read (at most [`MAX_META_BYTES`]), so a walk costs no reads, only these steps.
const MAX_ITEMS: usize = 4096;

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
pub(super) fn heif<R: Read + Seek>(file: &mut Source<'_, R>) -> Picture {
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

#[cfg(test)]
mod tests {
    use helpcenter_core::MediaType;

    use super::*;
    use crate::picture::tests::{day, read, tiff};

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
