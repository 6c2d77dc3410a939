//! The text of tus requests and answers: metadata, addresses, offsets. Pure, tested natively.

use helpcenter_api::{ErrorCode, ProblemDetails};

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding, as tus metadata values are written. Hand-written: a base64
/// crate would add wasm for twenty lines' worth of work.
pub fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let b = [
            group[0],
            group.get(1).copied().unwrap_or(0),
            group.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= group.len() {
                out.push(char::from(BASE64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `Upload-Metadata`: `key base64(value)` pairs, comma-separated.
pub fn metadata(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(key, value)| format!("{key} {}", base64(value.as_bytes())))
        .collect::<Vec<_>>()
        .join(",")
}

/// Where an address the server gave (`Location: /v1/uploads/{id}`) points, seen from a page
/// that calls the server at `api_base` (`""` when the widget is served by the server itself).
pub fn resolve(api_base: &str, location: &str) -> String {
    let location = location.trim();
    if has_scheme(location) {
        return location.to_owned();
    }
    let base = api_base.trim().trim_end_matches('/');
    if let Some(rest) = location.strip_prefix("//") {
        let scheme = base.split_once("://").map_or("https", |(scheme, _)| scheme);
        return format!("{scheme}://{rest}");
    }
    if location.starts_with('/') {
        return format!("{}{location}", origin(base));
    }
    if base.is_empty() {
        location.to_owned()
    } else {
        format!("{base}/{location}")
    }
}

/// `scheme://authority` of `url`, or `""` for a relative base (the page's own origin).
fn origin(url: &str) -> &str {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let authority = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            &url[..scheme.len() + 3 + authority]
        }
        None => "",
    }
}

fn has_scheme(url: &str) -> bool {
    url.split_once("://").is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// The upload id a ticket names: the last path segment of an upload's URL.
pub fn upload_id(url: &str) -> Option<&str> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let id = path.rsplit('/').next()?;
    (!id.is_empty()).then_some(id)
}

/// A byte count header (`Upload-Offset`, `Upload-Length`): digits only, as the server writes.
pub fn number(header: Option<&str>) -> Option<u64> {
    let text = header?.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// The `code` of an RFC 9457 problem body, if the body is one with a code this build knows.
pub fn problem_code(body: Option<&str>) -> Option<ErrorCode> {
    use helpcenter_core::json::{FromJson, Json};
    let problem = ProblemDetails::from_json(&Json::parse(body?)?)?;
    Some(problem.code).filter(|code| *code != ErrorCode::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        let vectors = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in vectors {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain}");
        }
        assert_eq!(base64(&[0xFF, 0xFE, 0xFD]), "//79");
    }

    #[test]
    fn metadata_carries_any_file_name() {
        assert_eq!(
            metadata(&[("site", "demo"), ("filename", "колесо.jpg")]),
            "site ZGVtbw==,filename 0LrQvtC70LXRgdC+LmpwZw=="
        );
    }

    #[test]
    fn locations_resolve_against_the_api_base() {
        let cases = [
            (
                "http://127.0.0.1:18081",
                "/v1/uploads/abc",
                "http://127.0.0.1:18081/v1/uploads/abc",
            ),
            (
                "https://help.example.com/",
                "/v1/uploads/abc",
                "https://help.example.com/v1/uploads/abc",
            ),
            (
                "https://help.example.com/base/path",
                "/v1/uploads/abc",
                "https://help.example.com/v1/uploads/abc",
            ),
            ("", "/v1/uploads/abc", "/v1/uploads/abc"),
            (
                "https://a.example",
                "https://b.example/v1/uploads/x",
                "https://b.example/v1/uploads/x",
            ),
            (
                "https://a.example",
                "//b.example/v1/uploads/x",
                "https://b.example/v1/uploads/x",
            ),
            (
                "https://a.example/v1/uploads",
                "abc",
                "https://a.example/v1/uploads/abc",
            ),
        ];
        for (base, location, expected) in cases {
            assert_eq!(resolve(base, location), expected, "{base} + {location}");
        }
    }

    #[test]
    fn the_upload_id_is_the_last_segment() {
        assert_eq!(upload_id("http://h:1/v1/uploads/abc123"), Some("abc123"));
        assert_eq!(upload_id("/v1/uploads/abc123?x=1#y"), Some("abc123"));
        assert_eq!(upload_id("/v1/uploads/"), None);
        assert_eq!(upload_id(""), None);
        assert_eq!(upload_id("https://"), None);
    }

    #[test]
    fn numbers_are_plain_digits() {
        assert_eq!(number(Some("1048576")), Some(1_048_576));
        assert_eq!(number(Some(" 7 ")), Some(7));
        for bad in ["", "-1", "+1", "1e3", "0x10", "99999999999999999999"] {
            assert_eq!(number(Some(bad)), None, "{bad}");
        }
        assert_eq!(number(None), None);
    }

    #[test]
    fn problem_codes_come_from_problem_bodies_only() {
        let body = r#"{"type":"about:blank","status":415,"code":"file.type_not_accepted"}"#;
        assert_eq!(
            problem_code(Some(body)),
            Some(ErrorCode::FileTypeNotAccepted)
        );
        assert_eq!(problem_code(Some("<html>502</html>")), None);
        assert_eq!(problem_code(Some(r#"{"code":""}"#)), None);
        assert_eq!(problem_code(None), None);
    }
}
