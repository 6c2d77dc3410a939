//! Whether a photo really is the picture its header describes: image-rs's decoders (zune-jpeg,
//! png, image-webp) decode it whole, under a pixel cap checked from the header before anything
//! is decoded and an allocation limit. A JPEG cut off after its header, a PNG whose data ends
//! early, a WebP of garbage all fail here; the browser fails them the same way.
//!
//! HEIC is not decoded (no well-kept pure-Rust HEVC decoder): its header's size is held to the
//! same pixel cap, and the browser, where it can decode it (Safari), decodes it.

use std::io::{BufRead, Read, Seek, SeekFrom};

use helpcenter_core::MediaType;
use image::{ImageDecoder, ImageFormat, ImageReader, Limits};

/// Bytes a decoder may allocate per pixel: 16-bit RGBA, the widest image-rs decodes to.
const MAX_BYTES_PER_PIXEL: u64 = 8;

/// Why a photo is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeRefusal {
    /// The header claims more than `max_pixels` pixels: not decoded.
    #[error("the picture claims {width}×{height} pixels, more than accepted")]
    TooManyPixels { width: u32, height: u32 },
    /// The decoder gave up: cut short, corrupt, or not what the header says.
    #[error("the picture does not decode: {0}")]
    Unreadable(String),
}

/// Decodes the photo of `kind` in `reader` whole, if its header claims at most `max_pixels`;
/// returns its decoded size. Videos and HEIC are not decoded (`Ok(None)`).
pub fn check_decodes<R: BufRead + Seek>(
    mut reader: R,
    kind: MediaType,
    max_pixels: u64,
) -> Result<Option<(u32, u32)>, DecodeRefusal> {
    let format = match kind {
        MediaType::Jpeg => ImageFormat::Jpeg,
        MediaType::Png => ImageFormat::Png,
        MediaType::Webp => ImageFormat::WebP,
        MediaType::Heic | MediaType::Mp4 | MediaType::Mov | MediaType::Webm => return Ok(None),
    };
    let unreadable = |e: image::ImageError| DecodeRefusal::Unreadable(e.to_string());
    if kind == MediaType::Jpeg && !jpeg_scans_end(&mut reader) {
        // zune-jpeg, like libjpeg, paints what is missing grey; browsers refuse such a file.
        return Err(DecodeRefusal::Unreadable(
            "the image data stops before its end marker".to_owned(),
        ));
    }
    let mut reader = ImageReader::with_format(reader, format);
    let mut limits = Limits::default();
    limits.max_alloc = Some(max_pixels.saturating_mul(MAX_BYTES_PER_PIXEL));
    reader.limits(limits);
    let decoder = reader.into_decoder().map_err(|e| match e {
        image::ImageError::Limits(_) => DecodeRefusal::Unreadable(e.to_string()),
        e => unreadable(e),
    })?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(DecodeRefusal::TooManyPixels { width, height });
    }
    if width == 0 || height == 0 {
        return Err(DecodeRefusal::Unreadable("no pixels".to_owned()));
    }
    let picture = image::DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    Ok(Some((picture.width(), picture.height())))
}

/// Whether an end-of-image marker (FF D9) follows the first start-of-scan (FF DA): a JPEG cut
/// anywhere in its scans has none (in entropy-coded data every FF byte is followed by 00 or a
/// restart marker, so FF D9 there is the real end). One pass over the bytes; leaves the reader
/// at the start.
fn jpeg_scans_end<R: Read + Seek>(reader: &mut R) -> bool {
    let mut scanning = false;
    let mut after_ff = false;
    let mut chunk = [0u8; 64 * 1024];
    let found = loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) | Err(_) => break false,
            Ok(n) => n,
        };
        let mut hit = false;
        for &byte in &chunk[..n] {
            if after_ff {
                match byte {
                    0xDA => scanning = true,
                    0xD9 if scanning => {
                        hit = true;
                        break;
                    }
                    _ => {}
                }
            }
            after_ff = byte == 0xFF;
        }
        if hit {
            break true;
        }
    };
    reader.seek(SeekFrom::Start(0)).is_ok() && found
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::samples;

    fn check(bytes: &[u8], kind: MediaType) -> Result<Option<(u32, u32)>, DecodeRefusal> {
        check_decodes(Cursor::new(bytes), kind, 50_000_000)
    }

    #[test]
    fn real_photos_decode_at_their_size() {
        let jpeg = samples::jpeg(&samples::Jpeg {
            width: 640,
            height: 480,
            taken: Some("2026:11:21 10:30:00"),
            ..samples::Jpeg::default()
        });
        assert_eq!(check(&jpeg, MediaType::Jpeg), Ok(Some((640, 480))));
        assert_eq!(
            check(&samples::png(300, 200, 1), MediaType::Png),
            Ok(Some((300, 200)))
        );
    }

    #[test]
    fn a_jpeg_cut_after_its_header_does_not_decode() {
        let jpeg = samples::jpeg(&samples::Jpeg {
            width: 640,
            height: 480,
            ..samples::Jpeg::default()
        });
        let scan = jpeg
            .windows(2)
            .position(|w| w == [0xFF, 0xDA])
            .expect("SOS");
        for cut in [scan, scan + 14, jpeg.len() / 2 + scan / 2] {
            assert!(
                matches!(
                    check(&jpeg[..cut], MediaType::Jpeg),
                    Err(DecodeRefusal::Unreadable(_))
                ),
                "cut at {cut} of {}",
                jpeg.len()
            );
        }
    }

    #[test]
    fn a_png_claiming_40000_by_40000_is_refused_before_decoding() {
        let bomb = samples::png_bomb(40_000, 40_000);
        assert!(bomb.len() < 2 * 1024 * 1024, "{} bytes", bomb.len());
        assert_eq!(
            check(&bomb, MediaType::Png),
            Err(DecodeRefusal::TooManyPixels {
                width: 40_000,
                height: 40_000
            })
        );
        let png = samples::png(300, 200, 1);
        assert!(matches!(
            check(&png[..png.len() - 40], MediaType::Png),
            Err(DecodeRefusal::Unreadable(_))
        ));
    }
}
