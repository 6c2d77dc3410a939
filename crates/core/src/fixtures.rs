//! What the rulebook's unit tests build their claims from, written once.

use crate::date::CivilDate;
use crate::evidence::{EvidenceFile, MediaType};

/// A day written `YYYY-MM-DD`.
pub fn date(s: &str) -> CivilDate {
    s.parse().expect("test date")
}

/// A 1600×1200 JPEG photo named by its content hash, taken on `taken` (`YYYY-MM-DD`).
pub fn photo(hash: &str, taken: &str) -> EvidenceFile {
    EvidenceFile {
        name: format!("{hash}.jpg"),
        bytes: 300_000,
        media_type: Some(MediaType::Jpeg),
        width: Some(1600),
        height: Some(1200),
        content_hash: hash.into(),
        captured_on: taken.parse().ok(),
        ..EvidenceFile::default()
    }
}
