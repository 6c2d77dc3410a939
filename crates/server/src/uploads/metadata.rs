//! tus `Upload-Metadata` (`key base64value` pairs, comma-separated) and the file name in it.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};

/// The whole header; ours needs a few hundred bytes.
pub const MAX_METADATA_BYTES: usize = 4096;
const MAX_PAIRS: usize = 32;
const MAX_KEY_BYTES: usize = 64;
/// A file name is only shown back to people: long enough for any real one.
pub const MAX_FILENAME_CHARS: usize = 120;

/// Standard alphabet; clients differ on padding, so either is accepted.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why an `Upload-Metadata` header is refused; the text goes into the problem's `detail`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    #[error("longer than {MAX_METADATA_BYTES} bytes")]
    TooLong,
    #[error("more than {MAX_PAIRS} keys")]
    TooManyKeys,
    #[error("a key is empty, too long or not printable ASCII")]
    BadKey,
    #[error("a key appears twice")]
    DuplicateKey,
    #[error("a value is not base64")]
    BadValue,
    #[error("a value is not UTF-8 text of a sensible length")]
    BadText,
    #[error("the header is not ASCII text")]
    NotAscii,
    #[error("a yes-or-no value is neither `true` nor `false`")]
    BadFlag,
}

/// Decoded metadata: key → raw value bytes (a key without a value maps to empty bytes).
pub fn parse(header: &str) -> Result<BTreeMap<String, Vec<u8>>, MetadataError> {
    if header.len() > MAX_METADATA_BYTES {
        return Err(MetadataError::TooLong);
    }
    let mut pairs = BTreeMap::new();
    for pair in header.split(',') {
        let pair = pair.trim_matches(|c| c == ' ' || c == '\t');
        if pair.is_empty() {
            continue;
        }
        if pairs.len() == MAX_PAIRS {
            return Err(MetadataError::TooManyKeys);
        }
        let (key, value) = match pair.split_once(' ') {
            Some((key, value)) => (key, value.trim()),
            None => (pair, ""),
        };
        let key_ok = !key.is_empty()
            && key.len() <= MAX_KEY_BYTES
            && key.bytes().all(|b| b.is_ascii_graphic() && b != b',');
        if !key_ok {
            return Err(MetadataError::BadKey);
        }
        let value = BASE64.decode(value).map_err(|_| MetadataError::BadValue)?;
        if pairs.insert(key.to_owned(), value).is_some() {
            return Err(MetadataError::DuplicateKey);
        }
    }
    Ok(pairs)
}

/// The text of `key`, if present; at most `max_bytes` bytes of UTF-8, surrounding spaces
/// removed; an empty value counts as absent.
pub fn text(
    pairs: &BTreeMap<String, Vec<u8>>,
    key: &str,
    max_bytes: usize,
) -> Result<Option<String>, MetadataError> {
    let Some(raw) = pairs.get(key) else {
        return Ok(None);
    };
    if raw.len() > max_bytes {
        return Err(MetadataError::BadText);
    }
    let text = std::str::from_utf8(raw).map_err(|_| MetadataError::BadText)?;
    let text = text.trim();
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

/// A yes-or-no value of `key`: `true` or `false`; absent or empty is no.
pub fn flag(pairs: &BTreeMap<String, Vec<u8>>, key: &str) -> Result<bool, MetadataError> {
    match text(pairs, key, 8)?.as_deref() {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(MetadataError::BadFlag),
    }
}

/// Metadata as a tus client reads it back from HEAD.
pub fn encode<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    pairs
        .into_iter()
        .map(|(key, value)| format!("{key} {}", general_purpose::STANDARD.encode(value)))
        .collect::<Vec<_>>()
        .join(",")
}

/// A file name safe to show: the last path component only, without control or bidirectional
/// formatting characters (which can disguise `gpj.exe` as `exe.jpg`), trimmed and bounded.
/// Never used as a path.
pub fn sanitize_filename(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_invisible_format(*c))
        .take(MAX_FILENAME_CHARS)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() {
        "evidence".to_owned()
    } else {
        cleaned.to_owned()
    }
}

fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tus_metadata() {
        // What tus-js-client sends: `key base64`, comma-separated; a key may have no value.
        let pairs = parse("filename cGhvdG8uanBn,site ZGVtbw==,is_confidential").expect("valid");
        assert_eq!(pairs["filename"], b"photo.jpg");
        assert_eq!(pairs["site"], b"demo");
        assert_eq!(pairs["is_confidential"], b"");
        // Unpadded base64 and spaces after commas are tolerated.
        let pairs = parse("site ZGVtbw, outcome cXVhbGl0eV9kZWZlY3Q").expect("valid");
        assert_eq!(pairs["outcome"], b"quality_defect");
        assert_eq!(parse("").expect("empty"), BTreeMap::new());
    }

    #[test]
    fn text_values_are_bounded_utf8() {
        let pairs = parse("site ZGVtbw==,blank IA==,bin /w==").expect("valid");
        assert_eq!(text(&pairs, "site", 64), Ok(Some("demo".to_owned())));
        assert_eq!(text(&pairs, "missing", 64), Ok(None));
        assert_eq!(text(&pairs, "blank", 64), Ok(None));
        assert_eq!(text(&pairs, "bin", 64), Err(MetadataError::BadText));
        assert_eq!(text(&pairs, "site", 3), Err(MetadataError::BadText));
    }

    #[test]
    fn yes_or_no_values_are_true_or_false() {
        // location_removed true, kept false, blank, odd "yes"
        let pairs = parse("location_removed dHJ1ZQ==,kept ZmFsc2U=,blank,odd eWVz").expect("valid");
        assert_eq!(flag(&pairs, "location_removed"), Ok(true));
        assert_eq!(flag(&pairs, "kept"), Ok(false));
        assert_eq!(flag(&pairs, "blank"), Ok(false));
        assert_eq!(flag(&pairs, "missing"), Ok(false));
        assert_eq!(flag(&pairs, "odd"), Err(MetadataError::BadFlag));
    }

    #[test]
    fn refuses_malformed_metadata() {
        assert_eq!(parse("site ***"), Err(MetadataError::BadValue));
        assert_eq!(
            parse("site ZGVtbw==,site ZGVtbw=="),
            Err(MetadataError::DuplicateKey)
        );
        assert_eq!(parse("k\u{e9}y ZGVtbw=="), Err(MetadataError::BadKey));
        let long_key = "k".repeat(MAX_KEY_BYTES + 1);
        assert_eq!(parse(&long_key), Err(MetadataError::BadKey));
        let many = (0..=MAX_PAIRS)
            .map(|i| format!("k{i} YQ"))
            .collect::<Vec<_>>();
        assert_eq!(parse(&many.join(",")), Err(MetadataError::TooManyKeys));
        let huge = format!("filename {}", "QUFB".repeat(MAX_METADATA_BYTES / 4));
        assert_eq!(parse(&huge), Err(MetadataError::TooLong));
    }

    #[test]
    fn encodes_what_it_parses() {
        let text = encode([("filename", "box photo.jpg"), ("site", "demo")]);
        let pairs = parse(&text).expect("round trip");
        assert_eq!(pairs["filename"], b"box photo.jpg");
        assert_eq!(pairs["site"], b"demo");
    }

    #[test]
    fn filenames_are_made_harmless() {
        assert_eq!(sanitize_filename("IMG_0042.JPG"), "IMG_0042.JPG");
        assert_eq!(sanitize_filename("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_filename("C:\\Users\\wei\\box.png"), "box.png");
        assert_eq!(sanitize_filename("photo\u{202E}gpj.exe"), "photogpj.exe");
        assert_eq!(sanitize_filename("a\nb\0c.jpg"), "abc.jpg");
        assert_eq!(sanitize_filename("  .hidden  "), "hidden");
        assert_eq!(sanitize_filename(".."), "evidence");
        assert_eq!(sanitize_filename("dir/"), "evidence");
        assert_eq!(sanitize_filename("包裹照片.jpg"), "包裹照片.jpg");
        assert_eq!(
            sanitize_filename(&"x".repeat(1000)).chars().count(),
            MAX_FILENAME_CHARS
        );
    }
}
