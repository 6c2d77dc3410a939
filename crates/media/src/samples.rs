//! Real media files built byte by byte, for tests: the browser decodes them, the server reads
//! their headers, and both meet the formats themselves rather than a description of them.

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
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
    !crc
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in bytes {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A valid black-and-white PNG of `width`×`height`; `seed` varies the pixels so two files
/// of the same size differ (and hash differently).
pub fn png(width: u32, height: u32, seed: u8) -> Vec<u8> {
    let row = 1 + width.div_ceil(8) as usize;
    let mut raw = vec![0u8; row * height as usize];
    if let Some(first) = raw.get_mut(1) {
        *first = seed;
    }
    // zlib with stored (uncompressed) deflate blocks of at most 65,535 bytes.
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[1, 0, 0, 0, 0]); // 1-bit greyscale, deflate, no filter, no interlace
    png_chunk(&mut png, b"IHDR", &ihdr);
    png_chunk(&mut png, b"IDAT", &zlib);
    png_chunk(&mut png, b"IEND", &[]);
    png
}

/// A decompression bomb: a complete, valid black PNG of `width`×`height` whose pixel data is
/// deflated to about 1/1000 of its size (fixed-Huffman runs of 258 zero bytes). A 40000×40000
/// one is about 1.3 MB on disk and 200 MB of data, 6.4 GB once decoded to RGBA.
pub fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    let row = 1 + u64::from(width.div_ceil(8));
    let raw_len = row * u64::from(height);
    let mut bits = BitWriter::default();
    // One final block with the fixed Huffman codes.
    bits.push(1, 1);
    bits.push(1, 2);
    // A literal 0 (code 0x30, 8 bits), then copies of 258 bytes at distance 1 (length symbol
    // 285: code 0xC5, 8 bits; distance symbol 0: 5 zero bits), then literals for the rest.
    let literal_zero = |bits: &mut BitWriter| bits.push_code(0x30, 8);
    literal_zero(&mut bits);
    let copies = (raw_len - 1) / 258;
    for _ in 0..copies {
        bits.push_code(0xC5, 8);
        bits.push_code(0, 5);
    }
    for _ in 0..(raw_len - 1 - copies * 258) {
        literal_zero(&mut bits);
    }
    bits.push_code(0, 7); // end of block
    let mut zlib = vec![0x78, 0x01];
    zlib.extend(bits.finish());
    // Adler-32 of `raw_len` zero bytes: a stays 1, b adds it once per byte.
    let adler = ((raw_len % 65_521) as u32) << 16 | 1;
    zlib.extend_from_slice(&adler.to_be_bytes());

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[1, 0, 0, 0, 0]);
    png_chunk(&mut png, b"IHDR", &ihdr);
    for part in zlib.chunks(1 << 20) {
        png_chunk(&mut png, b"IDAT", part);
    }
    png_chunk(&mut png, b"IEND", &[]);
    png
}

/// Deflate's bit order: values least significant bit first, Huffman codes most significant
/// bit first.
#[derive(Default)]
struct BitWriter {
    out: Vec<u8>,
    acc: u32,
    used: u32,
}

impl BitWriter {
    fn push(&mut self, value: u32, n: u32) {
        for i in 0..n {
            self.acc |= ((value >> i) & 1) << self.used;
            self.used += 1;
            if self.used == 8 {
                self.out.push(self.acc as u8);
                self.acc = 0;
                self.used = 0;
            }
        }
    }

    fn push_code(&mut self, code: u32, n: u32) {
        for i in (0..n).rev() {
            self.push((code >> i) & 1, 1);
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.used > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// What goes into [`jpeg`].
#[derive(Clone, Debug, Default)]
pub struct Jpeg<'a> {
    pub width: u16,
    pub height: u16,
    /// EXIF DateTimeOriginal as cameras write it, `"2026:11:21 18:05:09"`.
    pub taken: Option<&'a str>,
    /// Bytes of comment, so files can be made large or sent in pieces.
    pub padding: usize,
    /// Varies the comment so two files of the same size hash differently.
    pub seed: u8,
}

fn segment(out: &mut Vec<u8>, marker: u8, body: &[u8]) {
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(body);
}

/// EXIF DateTimeOriginal.
pub const DATE_TIME_ORIGINAL: u16 = 0x9003;

/// A little-endian TIFF structure (what EXIF blocks hold) whose Exif directory has one ASCII
/// entry, `tag` = `date` as written (cameras write `"2026:11:21 18:05:09\0"`).
pub fn exif_tiff(tag: u16, date: &[u8]) -> Vec<u8> {
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    // IFD0 at 8: one entry, the pointer to the Exif IFD at 26.
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&0x8769u16.to_le_bytes());
    tiff.extend_from_slice(&4u16.to_le_bytes());
    tiff.extend_from_slice(&1u32.to_le_bytes());
    tiff.extend_from_slice(&26u32.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    // Exif IFD at 26: the entry, its ASCII value at 44.
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&tag.to_le_bytes());
    tiff.extend_from_slice(&2u16.to_le_bytes());
    tiff.extend_from_slice(&(date.len() as u32).to_le_bytes());
    tiff.extend_from_slice(&44u32.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(date);
    tiff
}

/// An APP1 segment's body holding a TIFF structure.
fn exif_app1(tiff: Vec<u8>) -> Vec<u8> {
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    app1
}

/// One directory entry: tag, type, count, value bytes (little-endian).
type Entry = (u16, u16, u32, Vec<u8>);

/// A little-endian TIFF structure as a phone writes it: IFD0 pointing at an Exif directory
/// (DateTimeOriginal, BodySerialNumber) and a GPS directory (latitude, longitude and their
/// references as degrees, minutes, seconds).
pub fn exif_with_location(
    taken: Option<&str>,
    gps: Option<(f64, f64)>,
    serial: Option<&str>,
) -> Vec<u8> {
    let ascii = |text: &str| {
        let mut b = text.as_bytes().to_vec();
        b.push(0);
        b
    };
    let mut exif: Vec<Entry> = Vec::new();
    if let Some(taken) = taken {
        let mut date = taken.as_bytes().to_vec();
        date.resize(19, b' ');
        date.push(0);
        exif.push((DATE_TIME_ORIGINAL, 2, 20, date));
    }
    if let Some(serial) = serial {
        let value = ascii(serial);
        exif.push((0xA431, 2, value.len() as u32, value));
    }
    let mut gps_entries: Vec<Entry> = Vec::new();
    if let Some((lat, lon)) = gps {
        let dms = |degrees: f64| {
            let d = degrees.abs();
            let whole = d.trunc() as u32;
            let minutes = ((d - f64::from(whole)) * 60.0).trunc() as u32;
            let seconds = ((d - f64::from(whole) - f64::from(minutes) / 60.0) * 3600.0 * 100.0)
                .round() as u32;
            let mut b = Vec::new();
            for (n, den) in [(whole, 1u32), (minutes, 1), (seconds, 100)] {
                b.extend_from_slice(&n.to_le_bytes());
                b.extend_from_slice(&den.to_le_bytes());
            }
            b
        };
        gps_entries = vec![
            (0x0000, 1, 4, vec![2, 3, 0, 0]),
            (0x0001, 2, 2, ascii(if lat >= 0.0 { "N" } else { "S" })),
            (0x0002, 5, 3, dms(lat)),
            (0x0003, 2, 2, ascii(if lon >= 0.0 { "E" } else { "W" })),
            (0x0004, 5, 3, dms(lon)),
        ];
    }
    let dir_len = |entries: usize| 2 + 12 * entries + 4;
    let ifd0_entries = 1 + usize::from(gps.is_some());
    let exif_at = 8 + dir_len(ifd0_entries);
    let gps_at = exif_at + dir_len(exif.len());
    let mut data_at = gps_at
        + if gps.is_some() {
            dir_len(gps_entries.len())
        } else {
            0
        };
    let mut ifd0: Vec<Entry> = vec![(0x8769, 4, 1, (exif_at as u32).to_le_bytes().to_vec())];
    if gps.is_some() {
        ifd0.push((0x8825, 4, 1, (gps_at as u32).to_le_bytes().to_vec()));
    }
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    let mut data = Vec::new();
    let directories: Vec<&[Entry]> = if gps.is_some() {
        vec![&ifd0, &exif, &gps_entries]
    } else {
        vec![&ifd0, &exif]
    };
    for entries in directories {
        tiff.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for (tag, kind, count, value) in entries {
            tiff.extend_from_slice(&tag.to_le_bytes());
            tiff.extend_from_slice(&kind.to_le_bytes());
            tiff.extend_from_slice(&count.to_le_bytes());
            if value.len() <= 4 {
                let mut inline = value.clone();
                inline.resize(4, 0);
                tiff.extend_from_slice(&inline);
            } else {
                tiff.extend_from_slice(&(data_at as u32).to_le_bytes());
                data.extend_from_slice(value);
                data_at += value.len();
            }
        }
        tiff.extend_from_slice(&0u32.to_le_bytes());
    }
    tiff.extend(data);
    tiff
}

/// A baseline greyscale JPEG that decoders really decode (a flat mid-grey picture), with an
/// EXIF capture date when `taken` is given.
///
/// The Huffman tables hold one code each (difference 0, end of block), so every 8×8 block is
/// two zero bits: small enough to build by hand, complete enough for any decoder.
pub fn jpeg(spec: &Jpeg<'_>) -> Vec<u8> {
    jpeg_with_exif(
        spec,
        spec.taken.map(|t| exif_with_location(Some(t), None, None)),
    )
}

/// A JPEG as [`jpeg`] makes it, whose EXIF also says where it was taken (latitude,
/// longitude, in degrees, in a GPS directory as phones write it) and the camera's serial
/// number (BodySerialNumber): what the server must remove before keeping it.
pub fn jpeg_with_location(spec: &Jpeg<'_>, position: (f64, f64), serial: &str) -> Vec<u8> {
    jpeg_with_exif(
        spec,
        Some(exif_with_location(spec.taken, Some(position), Some(serial))),
    )
}

fn jpeg_with_exif(spec: &Jpeg<'_>, tiff: Option<Vec<u8>>) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    if let Some(tiff) = tiff {
        segment(&mut out, 0xE1, &exif_app1(tiff));
    }
    segment(&mut out, 0xFE, &[b'a'.wrapping_add(spec.seed % 26); 8]);
    for piece in vec![b'x'; spec.padding].chunks(60_000) {
        segment(&mut out, 0xFE, piece);
    }
    // Quantisation table 0: all ones.
    let mut dqt = vec![0x00];
    dqt.extend_from_slice(&[1; 64]);
    segment(&mut out, 0xDB, &dqt);
    // Frame: 8-bit samples, one component (id 1, no subsampling, table 0).
    let mut sof = vec![0x08];
    sof.extend_from_slice(&spec.height.to_be_bytes());
    sof.extend_from_slice(&spec.width.to_be_bytes());
    sof.extend_from_slice(&[0x01, 0x01, 0x11, 0x00]);
    segment(&mut out, 0xC0, &sof);
    // DC table 0 and AC table 0: one code of length 1 each, for symbol 0.
    for class in [0x00, 0x10] {
        let mut dht = vec![class, 1];
        dht.extend_from_slice(&[0; 15]);
        dht.push(0x00);
        segment(&mut out, 0xC4, &dht);
    }
    segment(&mut out, 0xDA, &[0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    let blocks = usize::from(spec.width.div_ceil(8)) * usize::from(spec.height.div_ceil(8));
    let bits = blocks * 2;
    let mut data = vec![0u8; bits.div_ceil(8)];
    if bits % 8 != 0
        && let Some(last) = data.last_mut()
    {
        // Pad the last byte with one bits, as the standard asks.
        *last = 0xFF >> (bits % 8);
    }
    out.extend(data);
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

/// An MP4 with only the boxes that carry its duration (`ftyp`, `moov/mvhd`): enough for
/// header readers, not for playback.
pub fn mp4_header(seconds: u32) -> Vec<u8> {
    fn mp4_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(body);
        b
    }
    let timescale = 1000u32;
    let mut mvhd = vec![0, 0, 0, 0];
    mvhd.extend_from_slice(&[0; 8]);
    mvhd.extend_from_slice(&timescale.to_be_bytes());
    mvhd.extend_from_slice(&(seconds * timescale).to_be_bytes());
    mvhd.extend_from_slice(&[0; 80]);
    let mut file = mp4_box(b"ftyp", b"isom\0\0\0\0isommp41");
    file.extend(mp4_box(b"moov", &mp4_box(b"mvhd", &mvhd)));
    file
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use helpcenter_core::{CivilDate, MediaType};

    use super::*;

    #[test]
    fn the_samples_read_back_as_what_they_were_built_as() {
        let bytes = jpeg(&Jpeg {
            width: 640,
            height: 480,
            taken: Some("2026:11:21 18:05:09"),
            ..Jpeg::default()
        });
        let found = crate::inspect(&mut Cursor::new(&bytes), bytes.len() as u64).expect("read");
        assert_eq!(found.media_type, Some(MediaType::Jpeg));
        assert_eq!((found.width, found.height), (Some(640), Some(480)));
        assert_eq!(found.captured_on, CivilDate::from_ymd(2026, 11, 21));

        let bytes = png(300, 200, 1);
        let found = crate::inspect(&mut Cursor::new(&bytes), bytes.len() as u64).expect("read");
        assert_eq!((found.width, found.height), (Some(300), Some(200)));
        assert_ne!(png(300, 200, 1), png(300, 200, 2));

        let bytes = mp4_header(42);
        let found = crate::inspect(&mut Cursor::new(&bytes), bytes.len() as u64).expect("read");
        assert_eq!(found.duration_seconds, Some(42.0));
    }

    #[test]
    fn the_jpeg_entropy_data_ends_on_whole_bytes() {
        // 3×1 blocks: 6 bits, padded with two one bits.
        let bytes = jpeg(&Jpeg {
            width: 24,
            height: 8,
            ..Jpeg::default()
        });
        assert_eq!(&bytes[bytes.len() - 3..], [0x03, 0xFF, 0xD9]);
    }
}
