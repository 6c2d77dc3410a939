//! The EXIF (TIFF) structure a photo carries: the day it was taken.

use helpcenter_core::CivilDate;

use super::source::MAX_STEPS;

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
