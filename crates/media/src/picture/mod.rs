//! What a photo says about itself in its headers: its size and the day it was taken, for the
//! four kinds a shopper may attach (JPEG, PNG, WebP, HEIC).
//!
//! Written here rather than taken from `imagesize` and `kamadak-exif`: those read two dozen
//! formats and every EXIF tag, which cost the widget 18 KB of gzipped wasm for the two facts
//! the rules need. Every walk is bounded in steps and bytes, so a hostile header costs a few
//! reads; a fact that cannot be read stays `None`.
//!
//! The facts a walk reports (`facts`), the bounded reads the walks share (`source`), JPEG,
//! PNG and WebP here, HEIF's item tables (`heif`), and the EXIF (TIFF) structure all four
//! carry the capture day in (`tiff`).

mod facts;
mod heif;
mod source;
mod tiff;

use std::io::{Read, Seek};

use helpcenter_core::MediaType;

pub use facts::{ExifBlock, Picture};
pub(crate) use heif::heif_exif_blocks;
pub use tiff::tiff_capture_day;

use heif::heif;
use source::{MAX_EXIF_BYTES, MAX_STEPS, Source, be16, be32, le24, le32, size};

/// Stray bytes looked past between two JPEG segments: Photoshop leaves 1 to 16 after an APP13
/// or APP14 whose length is off, and decoders skip them to the next marker.
const MAX_JPEG_JUNK: u64 = 64;

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

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use helpcenter_core::CivilDate;

    use super::*;
    use crate::samples;

    pub(super) fn read(bytes: &[u8], kind: MediaType) -> Picture {
        read_picture(&mut Cursor::new(bytes), bytes.len() as u64, kind)
    }

    pub(super) fn day(text: &str) -> Option<CivilDate> {
        text.parse().ok()
    }

    pub(super) fn tiff(tag: u16, date: &[u8]) -> Vec<u8> {
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
}
