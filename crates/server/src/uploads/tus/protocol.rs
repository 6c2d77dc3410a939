//! The protocol's names (version, extensions, headers) and the strict reading of what a client
//! sends in them: numbers, checksums; and the HTTP date `Upload-Expires` is written in.

use crate::uploads::error::UploadError;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use helpcenter_api::tus;
use jiff::Timestamp;

pub const TUS_VERSION: &str = tus::VERSION;
pub const TUS_RESUMABLE: HeaderName = HeaderName::from_static(tus::TUS_RESUMABLE);
pub const TUS_VERSION_HEADER: HeaderName = HeaderName::from_static(tus::TUS_VERSION);
pub(super) const TUS_EXTENSION: HeaderName = HeaderName::from_static(tus::TUS_EXTENSION);
pub(super) const TUS_MAX_SIZE: HeaderName = HeaderName::from_static(tus::TUS_MAX_SIZE);
pub(super) const TUS_CHECKSUM_ALGORITHM: HeaderName =
    HeaderName::from_static(tus::TUS_CHECKSUM_ALGORITHM);
pub(super) const UPLOAD_LENGTH: HeaderName = HeaderName::from_static(tus::UPLOAD_LENGTH);
pub(super) const UPLOAD_OFFSET: HeaderName = HeaderName::from_static(tus::UPLOAD_OFFSET);
pub(super) const UPLOAD_METADATA: HeaderName = HeaderName::from_static(tus::UPLOAD_METADATA);
pub(super) const UPLOAD_EXPIRES: HeaderName = HeaderName::from_static(tus::UPLOAD_EXPIRES);
pub(super) const UPLOAD_DEFER_LENGTH: HeaderName =
    HeaderName::from_static(tus::UPLOAD_DEFER_LENGTH);
pub(super) const UPLOAD_CHECKSUM: HeaderName = HeaderName::from_static(tus::UPLOAD_CHECKSUM);

pub(super) const EXTENSIONS: &str = "creation,termination,expiration,checksum";

/// Bounds on what a client sends in headers.
const MAX_CHECKSUM_HEADER_BYTES: usize = 128;
/// u64::MAX has 20 digits; lengths this server accepts have far fewer.
const MAX_NUMBER_DIGITS: usize = 19;

pub(super) struct BadNumber;

/// A non-negative decimal header; absent is `Ok(None)`.
pub(super) fn number_header(
    headers: &HeaderMap,
    name: &HeaderName,
) -> Result<Option<u64>, BadNumber> {
    let Some(value) = headers.get(name) else {
        return Ok(None);
    };
    let digits = value.as_bytes();
    if digits.is_empty()
        || digits.len() > MAX_NUMBER_DIGITS
        || !digits.iter().all(u8::is_ascii_digit)
    {
        return Err(BadNumber);
    }
    std::str::from_utf8(digits)
        .ok()
        .and_then(|text| text.parse().ok())
        .map(Some)
        .ok_or(BadNumber)
}

/// `Upload-Checksum: sha1 <base64 digest>`.
pub(super) fn checksum_header(headers: &HeaderMap) -> Result<Option<[u8; 20]>, UploadError> {
    let Some(value) = headers.get(&UPLOAD_CHECKSUM) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .ok()
        .filter(|t| t.len() <= MAX_CHECKSUM_HEADER_BYTES)
        .ok_or(UploadError::ChecksumInvalid)?;
    let (algorithm, digest) = text
        .trim()
        .split_once(' ')
        .ok_or(UploadError::ChecksumInvalid)?;
    if !algorithm.eq_ignore_ascii_case("sha1") {
        return Err(UploadError::ChecksumAlgorithm);
    }
    let digest = STANDARD
        .decode(digest.trim())
        .map_err(|_| UploadError::ChecksumInvalid)?;
    <[u8; 20]>::try_from(digest.as_slice())
        .map(Some)
        .map_err(|_| UploadError::ChecksumInvalid)
}

pub(super) fn header_value(text: &str) -> Result<HeaderValue, UploadError> {
    HeaderValue::from_str(text).map_err(|e| UploadError::Io(std::io::Error::other(e)))
}

/// RFC 7231 IMF-fixdate, as `Upload-Expires` is written.
pub fn http_date(at: Timestamp) -> String {
    at.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha1::{Digest, Sha1};

    #[test]
    fn upload_expires_is_an_http_date() {
        let at: Timestamp = "1994-11-06T08:49:37Z".parse().expect("ts");
        assert_eq!(http_date(at), "Sun, 06 Nov 1994 08:49:37 GMT");
    }

    #[test]
    fn numbers_and_checksums_are_strict() {
        let mut headers = HeaderMap::new();
        assert!(matches!(number_header(&headers, &UPLOAD_LENGTH), Ok(None)));
        for (text, ok) in [
            ("0", Some(0)),
            ("1048576", Some(1_048_576)),
            ("-1", None),
            ("+5", None),
            ("1e6", None),
            (" 5", None),
            ("99999999999999999999", None),
        ] {
            headers.insert(UPLOAD_LENGTH, HeaderValue::from_static(text));
            assert_eq!(
                number_header(&headers, &UPLOAD_LENGTH).ok().flatten(),
                ok,
                "{text}"
            );
        }
        let sha1_of_abc = "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=";
        headers.insert(
            UPLOAD_CHECKSUM,
            header_value(&format!("sha1 {sha1_of_abc}")).expect("value"),
        );
        let digest = checksum_header(&headers).expect("valid").expect("present");
        assert_eq!(digest[..], Sha1::digest(b"abc")[..]);
        headers.insert(UPLOAD_CHECKSUM, HeaderValue::from_static("md5 AAAA"));
        assert!(matches!(
            checksum_header(&headers),
            Err(UploadError::ChecksumAlgorithm)
        ));
        headers.insert(UPLOAD_CHECKSUM, HeaderValue::from_static("sha1 AAAA"));
        assert!(matches!(
            checksum_header(&headers),
            Err(UploadError::ChecksumInvalid)
        ));
    }
}
