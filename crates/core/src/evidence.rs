//! What a shopper must attach, and the checks of each file against it.
//!
//! The browser inspects a file (type from its leading bytes, dimensions, duration, hash, EXIF
//! date) before uploading it; the server inspects the stored bytes again. Both hand the facts to
//! the same functions here, so a file is judged the same way in both places.

use serde::{Deserialize, Serialize};

use crate::date::CivilDate;
use crate::problem::{Field, Problem, ProblemCode};

/// The kinds of media a shopper can attach. Anything else (HTML, SVG, scripts, archives, …) is
/// refused whatever its name says.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum MediaType {
    Jpeg,
    Png,
    Webp,
    Heic,
    Mp4,
    Mov,
    Webm,
}

impl MediaType {
    pub const ALL: [MediaType; 7] = [
        MediaType::Jpeg,
        MediaType::Png,
        MediaType::Webp,
        MediaType::Heic,
        MediaType::Mp4,
        MediaType::Mov,
        MediaType::Webm,
    ];

    pub fn is_video(self) -> bool {
        matches!(self, MediaType::Mp4 | MediaType::Mov | MediaType::Webm)
    }

    /// Its name on the wire and in policy files (serde's).
    pub fn name(self) -> &'static str {
        match self {
            MediaType::Jpeg => "jpeg",
            MediaType::Png => "png",
            MediaType::Webp => "webp",
            MediaType::Heic => "heic",
            MediaType::Mp4 => "mp4",
            MediaType::Mov => "mov",
            MediaType::Webm => "webm",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
            MediaType::Webp => "image/webp",
            MediaType::Heic => "image/heic",
            MediaType::Mp4 => "video/mp4",
            MediaType::Mov => "video/quicktime",
            MediaType::Webm => "video/webm",
        }
    }

    /// The type a file really has, from its first bytes (16 are enough); `None` for anything
    /// that is not one of the accepted kinds.
    pub fn sniff(head: &[u8]) -> Option<MediaType> {
        if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            return Some(MediaType::Jpeg);
        }
        if head.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Some(MediaType::Png);
        }
        if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WEBP" {
            return Some(MediaType::Webp);
        }
        if head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
            return Some(MediaType::Webm);
        }
        // ISO base media (MP4, QuickTime, HEIC): a box of type `ftyp` whose brand names the kind.
        if head.len() >= 12 && &head[4..8] == b"ftyp" {
            return match &head[8..12] {
                b"heic" | b"heix" | b"hevc" | b"heim" | b"heis" | b"mif1" | b"msf1" => {
                    Some(MediaType::Heic)
                }
                b"qt  " => Some(MediaType::Mov),
                b"isom" | b"iso2" | b"iso4" | b"iso5" | b"iso6" | b"mp41" | b"mp42" | b"avc1"
                | b"M4V " | b"dash" | b"3gp4" | b"3gp5" => Some(MediaType::Mp4),
                _ => None,
            };
        }
        None
    }
}

/// Length of the shopper's description, in characters after trimming.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DescriptionRule {
    pub min_chars: u32,
    pub max_chars: u32,
}

impl Default for DescriptionRule {
    fn default() -> Self {
        Self {
            min_chars: 30,
            max_chars: 4000,
        }
    }
}

impl DescriptionRule {
    /// Characters as the shopper sees them counted (the widget's live counter shows this).
    pub fn count(text: &str) -> usize {
        text.trim().chars().count()
    }

    pub fn check(&self, text: &str) -> Option<ProblemCode> {
        let n = Self::count(text);
        if n == 0 {
            Some(ProblemCode::DescriptionMissing)
        } else if n < self.min_chars as usize {
            Some(ProblemCode::DescriptionTooShort)
        } else if n > self.max_chars as usize {
            Some(ProblemCode::DescriptionTooLong)
        } else {
            None
        }
    }
}

/// The photos and videos an outcome needs. Limits not written in a policy file take these
/// defaults, so a merchant only writes what differs.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct MediaRule {
    pub min_count: u32,
    pub max_count: u32,
    /// Of `min_count`, how many must be photos (a video alone cannot show a label, say).
    pub min_photos: u32,
    pub accepted: Vec<MediaType>,
    pub max_file_bytes: u64,
    pub max_total_bytes: u64,
    pub min_image_width: u32,
    pub min_image_height: u32,
    /// Pixels (width × height, from the header) a photo may have at most: a file claiming more
    /// is refused before anything decodes it (a 40000×40000 PNG is a few hundred kilobytes
    /// that would take 6.4 GB decoded).
    pub max_image_pixels: u64,
    pub max_video_seconds: u32,
    /// Photos must have been taken on or after the delivery day (transit damage): an EXIF capture
    /// date before it cannot show this parcel's damage.
    pub taken_after_delivery: bool,
}

impl Default for MediaRule {
    fn default() -> Self {
        Self {
            min_count: 1,
            max_count: 6,
            min_photos: 0,
            accepted: MediaType::ALL.to_vec(),
            max_file_bytes: 20 * MB,
            max_total_bytes: 200 * MB,
            min_image_width: 320,
            min_image_height: 240,
            max_image_pixels: 50_000_000,
            max_video_seconds: 120,
            taken_after_delivery: false,
        }
    }
}

const MB: u64 = 1024 * 1024;

/// Everything a shopper must provide for one outcome (§II: order number, a detailed description
/// and supporting evidence such as photos or videos).
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EvidenceRule {
    #[serde(default)]
    pub description: DescriptionRule,
    #[serde(default)]
    pub media: MediaRule,
    /// Message telling the shopper what the photos should show ("the box and the item").
    pub hint: String,
    /// Whether the claim needs an order number (§II), or may come without one.
    #[serde(default, skip_serializing_if = "OrderNumberNeed::is_required")]
    pub order_number: OrderNumberNeed,
}

/// Whether an outcome's claims carry an order number: §II asks for one, but a shopper charged
/// without an order, or writing about the website, may have none.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderNumberNeed {
    #[default]
    Required,
    /// Checked when given, never demanded.
    Optional,
}

impl OrderNumberNeed {
    pub fn is_required(&self) -> bool {
        *self == OrderNumberNeed::Required
    }
}

/// What inspecting one file found out. Facts the inspector could not establish stay `None`.
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
pub struct EvidenceFile {
    /// Shown back to the shopper only; never trusted.
    pub name: String,
    pub bytes: u64,
    /// From the leading bytes; `None` when they are no accepted kind of media.
    pub media_type: Option<MediaType>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub duration_seconds: Option<f64>,
    /// Hex digest of the content, to spot the same file attached twice.
    pub content_hash: String,
    /// EXIF capture day, when the photo carries one.
    pub captured_on: Option<CivilDate>,
}

impl MediaRule {
    /// Problems of one file on its own, in the order a shopper would fix them.
    pub fn check_file(
        &self,
        file: &EvidenceFile,
        delivered_on: Option<CivilDate>,
    ) -> Vec<ProblemCode> {
        let mut problems = Vec::new();
        if file.bytes == 0 {
            problems.push(ProblemCode::FileEmpty);
            return problems;
        }
        let Some(kind) = file.media_type else {
            problems.push(ProblemCode::FileTypeNotAccepted);
            return problems;
        };
        if !self.accepted.contains(&kind) {
            problems.push(ProblemCode::FileTypeNotAccepted);
            return problems;
        }
        if file.bytes > self.max_file_bytes {
            problems.push(ProblemCode::FileTooLarge);
        }
        if kind.is_video() {
            match file.duration_seconds {
                None => problems.push(ProblemCode::VideoDurationUnknown),
                Some(s) if !(s.is_finite() && s >= 0.0) => {
                    problems.push(ProblemCode::VideoDurationUnknown)
                }
                Some(s) if s > f64::from(self.max_video_seconds) => {
                    problems.push(ProblemCode::VideoTooLong)
                }
                Some(_) => {}
            }
        } else {
            match (file.width, file.height) {
                (Some(w), Some(h)) => {
                    if w < self.min_image_width || h < self.min_image_height {
                        problems.push(ProblemCode::ImageTooSmall);
                    }
                    if self.too_many_pixels(w, h) {
                        problems.push(ProblemCode::ImageTooManyPixels);
                    }
                }
                _ => problems.push(ProblemCode::ImageUnreadable),
            }
            if self.taken_after_delivery
                && let (Some(taken), Some(delivered)) = (file.captured_on, delivered_on)
                && taken < delivered
            {
                problems.push(ProblemCode::PhotoTakenBeforeDelivery);
            }
        }
        problems
    }

    /// Whether a photo of `width`×`height` has more pixels than this rule accepts.
    pub fn too_many_pixels(&self, width: u32, height: u32) -> bool {
        u64::from(width) * u64::from(height) > self.max_image_pixels
    }

    /// Every problem of a set of files: each file's own, duplicates, and the set's count and size.
    pub fn check_files(
        &self,
        files: &[EvidenceFile],
        delivered_on: Option<CivilDate>,
    ) -> Vec<Problem> {
        let mut problems = Vec::new();
        for (i, file) in files.iter().enumerate() {
            for code in self.check_file(file, delivered_on) {
                problems.push(Problem::new(Field::EvidenceFile(i), code));
            }
            let is_repeat = !file.content_hash.is_empty()
                && files[..i]
                    .iter()
                    .any(|earlier| earlier.content_hash == file.content_hash);
            if is_repeat {
                problems.push(Problem::new(
                    Field::EvidenceFile(i),
                    ProblemCode::FileDuplicate,
                ));
            }
        }
        let count = files.len() as u64;
        let photos = files
            .iter()
            .filter(|f| f.media_type.is_some_and(|t| !t.is_video()))
            .count() as u64;
        let too_few_photos = photos < u64::from(self.min_photos);
        // Adding the photos asked for also reaches the count when the rule asks for at least
        // as many photos as files: the shopper is told once, by the photos.
        if count < u64::from(self.min_count)
            && !(too_few_photos && self.min_photos >= self.min_count)
        {
            problems.push(Problem::new(Field::Evidence, ProblemCode::EvidenceTooFew));
        }
        if count > u64::from(self.max_count) {
            problems.push(Problem::new(Field::Evidence, ProblemCode::EvidenceTooMany));
        }
        if too_few_photos {
            problems.push(Problem::new(
                Field::Evidence,
                ProblemCode::EvidenceTooFewPhotos,
            ));
        }
        let total = files
            .iter()
            .fold(0u64, |sum, f| sum.saturating_add(f.bytes));
        if total > self.max_total_bytes {
            problems.push(Problem::new(Field::Evidence, ProblemCode::EvidenceTooLarge));
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo(hash: &str) -> EvidenceFile {
        EvidenceFile {
            name: format!("{hash}.jpg"),
            bytes: 200_000,
            media_type: Some(MediaType::Jpeg),
            width: Some(1200),
            height: Some(900),
            content_hash: hash.into(),
            ..EvidenceFile::default()
        }
    }

    fn video(seconds: f64) -> EvidenceFile {
        EvidenceFile {
            name: "clip.mp4".into(),
            bytes: 5_000_000,
            media_type: Some(MediaType::Mp4),
            duration_seconds: Some(seconds),
            content_hash: "v".into(),
            ..EvidenceFile::default()
        }
    }

    fn codes(problems: &[Problem]) -> Vec<(Field, ProblemCode)> {
        problems.iter().map(|p| (p.field, p.code)).collect()
    }

    #[test]
    fn sniffs_real_types_not_names() {
        assert_eq!(
            MediaType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
            Some(MediaType::Jpeg)
        );
        assert_eq!(
            MediaType::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(MediaType::Png)
        );
        assert_eq!(
            MediaType::sniff(b"RIFF\0\0\0\0WEBPVP8 "),
            Some(MediaType::Webp)
        );
        assert_eq!(
            MediaType::sniff(b"\0\0\0\x18ftypmp42\0\0\0\0"),
            Some(MediaType::Mp4)
        );
        assert_eq!(
            MediaType::sniff(b"\0\0\0\x14ftypqt  \0\0\0\0"),
            Some(MediaType::Mov)
        );
        assert_eq!(
            MediaType::sniff(b"\0\0\0\x18ftypheic\0\0\0\0"),
            Some(MediaType::Heic)
        );
        assert_eq!(
            MediaType::sniff(&[0x1A, 0x45, 0xDF, 0xA3, 1]),
            Some(MediaType::Webm)
        );
        for hostile in [
            &b"<!doctype html><script>alert(1)</script>"[..],
            b"<svg xmlns=\"http://www.w3.org/2000/svg\">",
            b"PK\x03\x04zip",
            b"GIF89a",
            b"%PDF-1.7",
            b"\0\0\0\x18ftypXXXX",
            b"",
        ] {
            assert_eq!(MediaType::sniff(hostile), None, "{hostile:?}");
        }
    }

    #[test]
    fn a_valid_set_passes() {
        let rule = MediaRule::default();
        assert!(
            rule.check_files(&[photo("a"), photo("b"), video(30.0)], None)
                .is_empty()
        );
    }

    #[test]
    fn unrecognised_or_refused_types_are_named() {
        let rule = MediaRule {
            accepted: vec![MediaType::Jpeg],
            ..MediaRule::default()
        };
        let html = EvidenceFile {
            media_type: None,
            ..photo("h")
        };
        assert_eq!(
            rule.check_file(&html, None),
            [ProblemCode::FileTypeNotAccepted]
        );
        assert_eq!(
            rule.check_file(&video(5.0), None),
            [ProblemCode::FileTypeNotAccepted]
        );
        let empty = EvidenceFile {
            bytes: 0,
            ..photo("e")
        };
        assert_eq!(rule.check_file(&empty, None), [ProblemCode::FileEmpty]);
    }

    #[test]
    fn size_dimensions_and_duration_limits() {
        let rule = MediaRule::default();
        let big = EvidenceFile {
            bytes: rule.max_file_bytes + 1,
            ..photo("big")
        };
        assert_eq!(rule.check_file(&big, None), [ProblemCode::FileTooLarge]);
        let at_limit = EvidenceFile {
            bytes: rule.max_file_bytes,
            width: Some(rule.min_image_width),
            height: Some(rule.min_image_height),
            ..photo("edge")
        };
        assert!(rule.check_file(&at_limit, None).is_empty());
        let small = EvidenceFile {
            width: Some(rule.min_image_width - 1),
            ..photo("s")
        };
        assert_eq!(rule.check_file(&small, None), [ProblemCode::ImageTooSmall]);
        let unreadable = EvidenceFile {
            width: None,
            ..photo("u")
        };
        assert_eq!(
            rule.check_file(&unreadable, None),
            [ProblemCode::ImageUnreadable]
        );
        let max = f64::from(rule.max_video_seconds);
        assert!(rule.check_file(&video(max), None).is_empty());
        assert_eq!(
            rule.check_file(&video(max + 0.5), None),
            [ProblemCode::VideoTooLong]
        );
        assert_eq!(
            rule.check_file(&video(f64::NAN), None),
            [ProblemCode::VideoDurationUnknown]
        );
    }

    #[test]
    fn photo_taken_before_delivery_is_flagged_only_where_it_matters() {
        let delivered: CivilDate = "2026-11-20".parse().expect("date");
        let old = EvidenceFile {
            captured_on: "2026-11-19".parse().ok(),
            ..photo("old")
        };
        let same_day = EvidenceFile {
            captured_on: Some(delivered),
            ..photo("new")
        };
        let transit = MediaRule {
            taken_after_delivery: true,
            ..MediaRule::default()
        };
        assert_eq!(
            transit.check_file(&old, Some(delivered)),
            [ProblemCode::PhotoTakenBeforeDelivery]
        );
        assert!(transit.check_file(&same_day, Some(delivered)).is_empty());
        assert!(
            MediaRule::default()
                .check_file(&old, Some(delivered))
                .is_empty()
        );
    }

    #[test]
    fn set_rules_count_duplicates_and_total() {
        let rule = MediaRule {
            min_count: 2,
            max_count: 3,
            min_photos: 2,
            max_total_bytes: 500_000,
            ..MediaRule::default()
        };
        // Two photos make both counts: said once, by the photos.
        assert_eq!(
            codes(&rule.check_files(&[photo("a")], None)),
            [(Field::Evidence, ProblemCode::EvidenceTooFewPhotos)]
        );
        assert_eq!(
            codes(&rule.check_files(&[], None)),
            [(Field::Evidence, ProblemCode::EvidenceTooFewPhotos)]
        );
        // Three files of which one a photo: two things to add, each said.
        let wider = MediaRule {
            min_count: 3,
            min_photos: 1,
            ..rule.clone()
        };
        assert_eq!(
            codes(&wider.check_files(&[], None)),
            [
                (Field::Evidence, ProblemCode::EvidenceTooFew),
                (Field::Evidence, ProblemCode::EvidenceTooFewPhotos)
            ]
        );
        assert_eq!(
            codes(&rule.check_files(&[photo("a"), photo("a")], None)),
            [(Field::EvidenceFile(1), ProblemCode::FileDuplicate)]
        );
        let four = [photo("a"), photo("b"), photo("c"), photo("d")];
        assert_eq!(
            codes(&rule.check_files(&four, None)),
            [
                (Field::Evidence, ProblemCode::EvidenceTooMany),
                (Field::Evidence, ProblemCode::EvidenceTooLarge)
            ]
        );
    }

    #[test]
    fn description_counts_characters_not_bytes() {
        let rule = DescriptionRule {
            min_chars: 10,
            max_chars: 12,
        };
        assert_eq!(rule.check("   "), Some(ProblemCode::DescriptionMissing));
        assert_eq!(
            rule.check("too short"),
            Some(ProblemCode::DescriptionTooShort)
        );
        assert_eq!(rule.check("包裹到的时候盒子被压坏了"), None);
        assert_eq!(rule.check("  exactly ten  "), None);
        assert_eq!(
            rule.check("thirteen char"),
            Some(ProblemCode::DescriptionTooLong)
        );
    }
}
