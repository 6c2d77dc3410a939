//! What a photo says about the shopper, removed before it is stored: where it was taken (the
//! EXIF GPS directory), the camera's and lens's serial numbers, the owner's name, and the maker
//! note (each maker's own format, where Canon, Nikon, Sony and others keep serial numbers too).
//!
//! Lossless and in place: the picture's bytes are not touched, nor the file's length; an entry
//! is taken out of its directory and its value overwritten with zeros, the other offsets stay
//! valid. The capture date (DateTimeOriginal, DateTimeDigitized) the rules need is kept, as is
//! everything else (orientation, exposure). A PNG's `eXIf` chunk gets its CRC again.
//!
//! HEIC: every `Exif` item (a phone may give a second picture or a thumbnail its own).
//!
//! A JPEG's XMP packet (where Lightroom, Photoshop or a drone copy the position): the values of
//! every `…:GPS…` property are overwritten with spaces, the XML staying well-formed.
//!
//! Not reached (said so rather than pretended): extended XMP, XMP in the other formats, and the
//! second picture of an MPO.

use std::io::{self, Read, Seek, SeekFrom, Write};

use helpcenter_core::MediaType;

use crate::picture::{ExifBlock, read_picture};

/// Bytes of an EXIF block edited at most: a camera's is a few dozen kilobytes (64 KiB in a
/// JPEG at most); a larger block is edited in its first megabyte.
const MAX_EDIT_BYTES: u64 = 1024 * 1024;
/// Entries of one directory looked at: real ones have a few dozen.
const MAX_ENTRIES: usize = 512;

const GPS_IFD: u16 = 0x8825;
const EXIF_IFD: u16 = 0x8769;
/// Tags that name the device or its owner: CameraOwnerName, BodySerialNumber,
/// LensSerialNumber, MakerNote (Exif directory); CameraSerialNumber (DNG, first directory).
const DEVICE_TAGS: [u16; 5] = [0xA430, 0xA431, 0xA435, 0x927C, 0xC62F];

/// What was removed from a photo.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Removed {
    /// The GPS directory (where the photo was taken).
    pub location: bool,
    /// Serial numbers, the owner's name or the maker note.
    pub device: bool,
}

/// Removes the location and the device's identity from the photo of `kind` in the `len` bytes
/// of `file`, in place. Videos and photos without EXIF are left as they are.
pub fn remove_private<F: Read + Write + Seek>(
    file: &mut F,
    len: u64,
    kind: MediaType,
) -> io::Result<Removed> {
    if kind.is_video() {
        return Ok(Removed::default());
    }
    let blocks = if kind == MediaType::Heic {
        let mut budget = crate::Budget::new(file);
        crate::picture::heif_exif_blocks(&mut budget, len)
    } else {
        let mut budget = crate::Budget::new(file);
        read_picture(&mut budget, len, kind)
            .exif
            .into_iter()
            .collect()
    };
    let mut removed = Removed::default();
    if kind == MediaType::Jpeg {
        removed.location |= strip_jpeg_xmp(file, len)?;
    }
    for block in blocks {
        let found = strip_block(file, len, block)?;
        removed.location |= found.location;
        removed.device |= found.device;
    }
    Ok(removed)
}

/// XMP's signature at the start of an APP1 segment.
const XMP_SIGNATURE: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
/// JPEG segments looked at for XMP before the image data.
const MAX_SEGMENTS: usize = 512;

/// Blanks the GPS properties of every XMP packet among a JPEG's segments; whether any was.
fn strip_jpeg_xmp<F: Read + Write + Seek>(file: &mut F, len: u64) -> io::Result<bool> {
    let mut any = false;
    let mut at = 2u64;
    for _ in 0..MAX_SEGMENTS {
        if at + 4 > len {
            break;
        }
        let mut head = [0u8; 4];
        file.seek(SeekFrom::Start(at))?;
        file.read_exact(&mut head)?;
        if head[0] != 0xFF || matches!(head[1], 0xDA | 0xD9) {
            break;
        }
        if head[1] == 0xFF || matches!(head[1], 0x01 | 0xD0..=0xD7) {
            at += if head[1] == 0xFF { 1 } else { 2 };
            continue;
        }
        let body_len = u64::from(u16::from_be_bytes([head[2], head[3]])).saturating_sub(2);
        let body_at = at + 4;
        if head[1] == 0xE1 && body_at + body_len <= len {
            let mut body = vec![0u8; body_len as usize];
            file.read_exact(&mut body)?;
            if let Some(xml) = body.strip_prefix(XMP_SIGNATURE)
                && xml_has_gps(xml)
            {
                let start = XMP_SIGNATURE.len();
                if blank_xmp_gps(&mut body[start..]) {
                    file.seek(SeekFrom::Start(body_at))?;
                    file.write_all(&body)?;
                    any = true;
                }
            }
        }
        at = body_at + body_len;
    }
    Ok(any)
}

fn xml_has_gps(xml: &[u8]) -> bool {
    xml.windows(4)
        .any(|w| w[0] == b':' && w[1..].eq_ignore_ascii_case(b"gps"))
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// Overwrites with spaces the value of every attribute or element whose local name starts
/// with `GPS` (`exif:GPSLatitude="…"`, `<exif:GPSLongitude>…</exif:GPSLongitude>`,
/// `drone-dji:GpsLatitude="…"`): the XML keeps its shape, the position is gone.
pub fn blank_xmp_gps(xml: &mut [u8]) -> bool {
    let mut changed = false;
    let mut i = 0;
    while i + 4 <= xml.len() {
        if !(xml[i] == b':' && xml[i + 1..i + 4].eq_ignore_ascii_case(b"gps")) {
            i += 1;
            continue;
        }
        let mut prefix = i;
        while prefix > 0 && is_name_byte(xml[prefix - 1]) {
            prefix -= 1;
        }
        let mut j = i + 4;
        while j < xml.len() && is_name_byte(xml[j]) {
            j += 1;
        }
        let element = prefix > 0 && xml[prefix - 1] == b'<';
        let value = if element {
            // Content up to the next tag.
            let open = xml[j..].iter().position(|b| *b == b'>').map(|p| j + p + 1);
            open.and_then(|start| {
                let end = start + xml[start..].iter().position(|b| *b == b'<')?;
                Some((start, end))
            })
        } else {
            let mut k = j;
            while k < xml.len() && xml[k].is_ascii_whitespace() {
                k += 1;
            }
            if xml.get(k) == Some(&b'=') {
                k += 1;
                while k < xml.len() && xml[k].is_ascii_whitespace() {
                    k += 1;
                }
                match xml.get(k) {
                    Some(&quote @ (b'"' | b'\'')) => xml[k + 1..]
                        .iter()
                        .position(|b| *b == quote)
                        .map(|p| (k + 1, k + 1 + p)),
                    _ => None,
                }
            } else {
                None
            }
        };
        if let Some((start, end)) = value {
            if xml[start..end].iter().any(|b| !b.is_ascii_whitespace()) {
                xml[start..end].fill(b' ');
                changed = true;
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    changed
}

/// Strips one EXIF block in place.
fn strip_block<F: Read + Write + Seek>(
    file: &mut F,
    len: u64,
    ExifBlock {
        at,
        len: block_len,
        png_chunk,
    }: ExifBlock,
) -> io::Result<Removed> {
    let edit_len = block_len.min(MAX_EDIT_BYTES).min(len.saturating_sub(at));
    let mut tiff = vec![0u8; usize::try_from(edit_len).map_err(io::Error::other)?];
    file.seek(SeekFrom::Start(at))?;
    file.read_exact(&mut tiff)?;
    let removed = strip_tiff(&mut tiff);
    if removed == Removed::default() {
        return Ok(removed);
    }
    file.seek(SeekFrom::Start(at))?;
    file.write_all(&tiff)?;
    if let Some(chunk) = png_chunk
        && block_len == edit_len
    {
        let mut crc = Crc32::default();
        crc.update(b"eXIf");
        crc.update(&tiff);
        file.seek(SeekFrom::Start(chunk + 4 + block_len))?;
        file.write_all(&crc.finish().to_be_bytes())?;
    }
    file.flush()?;
    Ok(removed)
}

/// Takes the location and the device's identity out of a TIFF structure (an EXIF block).
pub fn strip_tiff(tiff: &mut [u8]) -> Removed {
    let mut removed = Removed::default();
    let Some(mut t) = Tiff::new(tiff) else {
        return removed;
    };
    let Some(ifd0) = t.u32(4) else {
        return removed;
    };
    // The first directory and the thumbnail's behind it.
    let ifd1 = t.next_ifd(ifd0);
    for ifd in [Some(ifd0), ifd1].into_iter().flatten() {
        if let Some(gps) = t.value_of(ifd, GPS_IFD) {
            t.clear_directory(gps);
            removed.location |= t.remove(ifd, &[GPS_IFD]);
        }
        removed.device |= t.remove(ifd, &DEVICE_TAGS);
    }
    if let Some(exif) = t.value_of(ifd0, EXIF_IFD) {
        removed.device |= t.remove(exif, &DEVICE_TAGS);
        // A GPS pointer does not belong here, but some writers put it there.
        if let Some(gps) = t.value_of(exif, GPS_IFD) {
            t.clear_directory(gps);
            removed.location |= t.remove(exif, &[GPS_IFD]);
        }
    }
    removed
}

struct Tiff<'a> {
    b: &'a mut [u8],
    little: bool,
}

impl<'a> Tiff<'a> {
    fn new(b: &'a mut [u8]) -> Option<Self> {
        let little = match b.get(0..2)? {
            b"II" => true,
            b"MM" => false,
            _ => return None,
        };
        let t = Tiff { b, little };
        (t.u16(2)? == 42).then_some(t)
    }

    fn u16(&self, at: usize) -> Option<u16> {
        let x: [u8; 2] = self.b.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if self.little {
            u16::from_le_bytes(x)
        } else {
            u16::from_be_bytes(x)
        })
    }

    fn u32(&self, at: usize) -> Option<usize> {
        let x: [u8; 4] = self.b.get(at..at.checked_add(4)?)?.try_into().ok()?;
        usize::try_from(if self.little {
            u32::from_le_bytes(x)
        } else {
            u32::from_be_bytes(x)
        })
        .ok()
    }

    fn set_u16(&mut self, at: usize, value: u16) {
        let bytes = if self.little {
            value.to_le_bytes()
        } else {
            value.to_be_bytes()
        };
        if let Some(slot) = self.b.get_mut(at..at + 2) {
            slot.copy_from_slice(&bytes);
        }
    }

    fn zero(&mut self, start: usize, len: usize) {
        let end = start.saturating_add(len).min(self.b.len());
        if let Some(range) = self.b.get_mut(start.min(end)..end) {
            range.fill(0);
        }
    }

    /// The number of entries of the directory at `ifd`, if its entries lie in the block.
    fn count(&self, ifd: usize) -> Option<usize> {
        let count = usize::from(self.u16(ifd)?).min(MAX_ENTRIES);
        let end = ifd.checked_add(2 + 12 * count)?;
        (end <= self.b.len()).then_some(count)
    }

    fn entry(ifd: usize, i: usize) -> usize {
        ifd + 2 + 12 * i
    }

    /// The offset after the directory at `ifd`: the next directory's, if any.
    fn next_ifd(&self, ifd: usize) -> Option<usize> {
        let count = self.count(ifd)?;
        let next = self.u32(Self::entry(ifd, count))?;
        (next != 0 && next != ifd).then_some(next)
    }

    /// The LONG value (an offset) of `tag` in the directory at `ifd`.
    fn value_of(&self, ifd: usize, tag: u16) -> Option<usize> {
        let count = self.count(ifd)?;
        (0..count).find_map(|i| {
            let at = Self::entry(ifd, i);
            (self.u16(at)? == tag).then(|| self.u32(at + 8))?
        })
    }

    /// Bytes of an entry's value, and where they are when they do not fit in the entry.
    fn value_span(&self, at: usize) -> Option<(usize, usize)> {
        let unit = match self.u16(at + 2)? {
            1 | 2 | 6 | 7 => 1,
            3 | 8 => 2,
            4 | 9 | 11 | 13 => 4,
            5 | 10 | 12 => 8,
            _ => return None,
        };
        let bytes = self.u32(at + 4)?.checked_mul(unit)?;
        if bytes <= 4 {
            return None;
        }
        Some((self.u32(at + 8)?, bytes))
    }

    /// Zeros every value of the directory at `ifd` and the directory itself.
    fn clear_directory(&mut self, ifd: usize) {
        let Some(count) = self.count(ifd) else { return };
        for i in 0..count {
            if let Some((start, len)) = self.value_span(Self::entry(ifd, i)) {
                self.zero(start, len);
            }
        }
        self.zero(ifd, 2 + 12 * count + 4);
    }

    /// Takes the entries whose tag is in `tags` out of the directory at `ifd`: their values are
    /// zeroed, the entries after them move up, the next-directory offset with them.
    fn remove(&mut self, ifd: usize, tags: &[u16]) -> bool {
        let Some(count) = self.count(ifd) else {
            return false;
        };
        let mut kept = Vec::with_capacity(count);
        let mut any = false;
        for i in 0..count {
            let at = Self::entry(ifd, i);
            let tag = self.u16(at).unwrap_or(0);
            if tags.contains(&tag) {
                if let Some((start, len)) = self.value_span(at) {
                    self.zero(start, len);
                }
                any = true;
            } else {
                kept.extend_from_slice(&self.b[at..at + 12]);
            }
        }
        if !any {
            return false;
        }
        let end = Self::entry(ifd, count);
        let next = self.b.get(end..end + 4).map(<[u8]>::to_vec);
        let start = Self::entry(ifd, 0);
        self.b[start..start + kept.len()].copy_from_slice(&kept);
        let after = start + kept.len();
        self.zero(after, end + 4 - after);
        if let Some(next) = next
            && let Some(slot) = self.b.get_mut(after..after + 4)
        {
            slot.copy_from_slice(&next);
        }
        self.set_u16(ifd, (kept.len() / 12) as u16);
        true
    }
}

/// CRC-32 (ISO-HDLC), as PNG chunks carry it.
#[derive(Default)]
pub(crate) struct Crc32(u32);

impl Crc32 {
    pub(crate) fn update(&mut self, bytes: &[u8]) {
        let mut crc = !self.0;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        self.0 = !crc;
    }

    pub(crate) fn finish(&self) -> u32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::samples;

    fn gps_jpeg() -> Vec<u8> {
        samples::jpeg_with_location(
            &samples::Jpeg {
                width: 640,
                height: 480,
                taken: Some("2026:11:21 10:30:00"),
                ..samples::Jpeg::default()
            },
            (48.858_37, 2.294_48),
            "SN-4417-2291",
        )
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn the_position_and_serial_go_the_capture_day_and_picture_stay() {
        let original = gps_jpeg();
        let app1 = original
            .windows(6)
            .position(|w| w == b"Exif\0\0")
            .expect("exif")
            + 6;
        let mut file = Cursor::new(original.clone());
        let removed =
            remove_private(&mut file, original.len() as u64, MediaType::Jpeg).expect("strip");
        assert_eq!(
            removed,
            Removed {
                location: true,
                device: true
            }
        );
        let stripped = file.into_inner();
        assert_eq!(stripped.len(), original.len(), "lossless, in place");
        assert!(!contains(&stripped, b"SN-4417-2291"));
        let tiff = &stripped[app1..];
        // No GPS pointer left in IFD0, and the 48° 51' of the latitude are gone.
        assert!(
            !contains(&stripped, &0x8825u16.to_le_bytes()[..]) || {
                let count = u16::from_le_bytes([tiff[8], tiff[9]]);
                (0..count).all(|i| {
                    let at = 10 + 12 * usize::from(i);
                    u16::from_le_bytes([tiff[at], tiff[at + 1]]) != 0x8825
                })
            }
        );
        assert!(!contains(
            &stripped,
            &[48, 0, 0, 0, 1, 0, 0, 0, 51, 0, 0, 0]
        ));
        let found = crate::inspect_bytes(&stripped);
        assert_eq!(found.captured_on, "2026-11-21".parse().ok());
        assert_eq!((found.width, found.height), (Some(640), Some(480)));
        // The picture itself: every byte from the frame header on is the same.
        let frame = original
            .windows(2)
            .position(|w| w == [0xFF, 0xDB])
            .expect("DQT");
        assert_eq!(stripped[frame..], original[frame..]);
        // A second pass finds nothing more.
        let mut again = Cursor::new(stripped.clone());
        let removed =
            remove_private(&mut again, stripped.len() as u64, MediaType::Jpeg).expect("strip");
        assert_eq!(removed, Removed::default());
        assert_eq!(again.into_inner(), stripped);
    }

    #[test]
    fn a_png_exif_chunk_keeps_a_valid_crc() {
        let png = samples::png(64, 48, 1);
        let idat = png.windows(4).position(|w| w == b"IDAT").expect("IDAT") - 4;
        let tiff = samples::exif_with_location(
            Some("2026:11:20 08:00:00"),
            Some((-33.856_8, 151.215_3)),
            None,
        );
        let mut chunk = (tiff.len() as u32).to_be_bytes().to_vec();
        chunk.extend_from_slice(b"eXIf");
        chunk.extend_from_slice(&tiff);
        let mut crc = Crc32::default();
        crc.update(&chunk[4..]);
        chunk.extend_from_slice(&crc.finish().to_be_bytes());
        let mut file = png[..idat].to_vec();
        file.extend(&chunk);
        file.extend_from_slice(&png[idat..]);
        let mut cursor = Cursor::new(file.clone());
        let removed =
            remove_private(&mut cursor, file.len() as u64, MediaType::Png).expect("strip");
        assert!(removed.location);
        let stripped = cursor.into_inner();
        let body = &stripped[idat + 4..idat + 8 + tiff.len()];
        let mut crc = Crc32::default();
        crc.update(body);
        let stored = &stripped[idat + 8 + tiff.len()..idat + 12 + tiff.len()];
        assert_eq!(stored, crc.finish().to_be_bytes());
        assert_eq!(
            crate::inspect_bytes(&stripped).captured_on,
            "2026-11-20".parse().ok()
        );
    }

    #[test]
    fn xmp_positions_are_blanked_and_the_rest_kept() {
        let mut xml = br#"<rdf:Description exif:GPSLatitude="48,51.5N" exif:GPSLongitude = '2,17.6E' xmp:CreateDate="2026-11-21T10:30:00" drone-dji:GpsAltitude="+35.2"><exif:GPSAltitude>3520/100</exif:GPSAltitude><photoshop:City>Paris</photoshop:City></rdf:Description>"#.to_vec();
        assert!(blank_xmp_gps(&mut xml));
        let text = String::from_utf8(xml.clone()).expect("utf-8");
        for gone in ["48,51.5N", "2,17.6E", "+35.2", "3520/100"] {
            assert!(!text.contains(gone), "{gone} in {text}");
        }
        assert!(text.contains(r#"xmp:CreateDate="2026-11-21T10:30:00""#));
        assert!(text.contains("<exif:GPSAltitude>"));
        assert!(text.contains("</exif:GPSAltitude>"));
        assert!(!blank_xmp_gps(&mut xml), "nothing left to blank");

        // In a JPEG's APP1 XMP segment, in place.
        let jpeg = samples::jpeg(&samples::Jpeg {
            width: 64,
            height: 48,
            ..samples::Jpeg::default()
        });
        let mut body = XMP_SIGNATURE.to_vec();
        body.extend_from_slice(
            br#"<x:xmpmeta><rdf:Description exif:GPSLatitude="48,51.5N"/></x:xmpmeta>"#,
        );
        let mut file = jpeg[..2].to_vec();
        file.extend_from_slice(&[0xFF, 0xE1]);
        file.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
        file.extend(&body);
        file.extend_from_slice(&jpeg[2..]);
        let mut cursor = Cursor::new(file.clone());
        let removed =
            remove_private(&mut cursor, file.len() as u64, MediaType::Jpeg).expect("strip");
        assert!(removed.location);
        let stripped = cursor.into_inner();
        assert_eq!(stripped.len(), file.len());
        assert!(!contains(&stripped, b"48,51.5N"));
        assert_eq!(crate::inspect_bytes(&stripped).width, Some(64));
    }

    #[test]
    fn photos_without_exif_or_broken_exif_are_left_alone() {
        for bytes in [
            samples::png(64, 48, 1),
            b"\xFF\xD8\xFF\xE1\x00\x10Exif\0\0II*\0\xFF\xFF\xFF\xFF\xFF\xD9".to_vec(),
        ] {
            let mut cursor = Cursor::new(bytes.clone());
            let kind = MediaType::sniff(&bytes).expect("kind");
            let removed = remove_private(&mut cursor, bytes.len() as u64, kind).expect("strip");
            assert_eq!(removed, Removed::default());
            assert_eq!(cursor.into_inner(), bytes);
        }
    }
}
