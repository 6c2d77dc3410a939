//! Numbers, strings, booleans and the standard containers, read and written as serde_json
//! does (a fraction to the microsecond, without float formatting).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::value::{FromJson, Json, ToJson};
use super::write::write_str;

impl ToJson for str {
    fn write_json(&self, out: &mut String) {
        write_str(out, self);
    }
}

impl ToJson for String {
    fn write_json(&self, out: &mut String) {
        write_str(out, self);
    }
}

impl ToJson for bool {
    fn write_json(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

macro_rules! integers {
    ($($ty:ty),*) => {$(
        impl ToJson for $ty {
            fn write_json(&self, out: &mut String) {
                let _ = write!(out, "{self}");
            }
        }

        impl FromJson for $ty {
            fn from_json(json: &Json) -> Option<Self> {
                match json {
                    Json::Number(text) => text.parse().ok(),
                    _ => None,
                }
            }
        }
    )*};
}

integers!(u8, u16, u32, u64);

/// Written to the microsecond (`6.041900`): a duration needs no more, and the widget no float
/// formatting. Not a finite number (or negative): `null`, as serde_json writes NaN.
impl ToJson for f64 {
    fn write_json(&self, out: &mut String) {
        if !self.is_finite() || *self < 0.0 || *self >= 1e12 {
            out.push_str("null");
            return;
        }
        let micros = (*self * 1e6).round() as u64;
        let _ = write!(out, "{}.{:06}", micros / 1_000_000, micros % 1_000_000);
    }
}

/// Read from its digits: exact for up to 15 significant digits and exponents within ±22,
/// close enough beyond (a duration or a size, never money).
impl FromJson for f64 {
    fn from_json(json: &Json) -> Option<Self> {
        let Json::Number(text) = json else {
            return None;
        };
        let (negative, text) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.as_str()),
        };
        let (mantissa, exponent) = match text.find(['e', 'E']) {
            Some(at) => (&text[..at], text[at + 1..].parse::<i32>().ok()?),
            None => (text, 0),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let mut digits: u64 = 0;
        let mut scale = exponent;
        let mut significant = 0;
        for (i, c) in whole.bytes().chain(fraction.bytes()).enumerate() {
            let in_fraction = i >= whole.len();
            if significant < 19 {
                digits = digits * 10 + u64::from(c - b'0');
                if digits != 0 {
                    significant += 1;
                }
                if in_fraction {
                    scale -= 1;
                }
            } else if !in_fraction {
                scale += 1;
            }
        }
        let value = digits as f64;
        let value = match scale {
            0 => value,
            1..=22 => value * 10f64.powi(scale),
            -22..=-1 => value / 10f64.powi(-scale),
            _ => value * 10f64.powi(scale),
        };
        Some(if negative { -value } else { value })
    }
}

impl FromJson for bool {
    fn from_json(json: &Json) -> Option<Self> {
        match json {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

impl FromJson for String {
    fn from_json(json: &Json) -> Option<Self> {
        json.as_str().map(str::to_owned)
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(json: &Json) -> Option<Self> {
        match json {
            Json::Array(items) => items.iter().map(T::from_json).collect(),
            _ => None,
        }
    }
}

impl<T: ToJson> ToJson for [T] {
    fn write_json(&self, out: &mut String) {
        out.push('[');
        for (i, item) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            item.write_json(out);
        }
        out.push(']');
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn write_json(&self, out: &mut String) {
        self.as_slice().write_json(out);
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn write_json(&self, out: &mut String) {
        match self {
            Some(value) => value.write_json(out),
            None => out.push_str("null"),
        }
    }
}

impl<T: FromJson> FromJson for BTreeMap<String, T> {
    /// Member by member (a later one of the same name wins, as `collect` would have it):
    /// `collect` sorts the members first, and that sort was 3 KB of the widget's first load
    /// for each map type (the policy's languages and their messages).
    fn from_json(json: &Json) -> Option<Self> {
        let Json::Object(members) = json else {
            return None;
        };
        let mut map = BTreeMap::new();
        for (name, value) in members {
            map.insert(name.clone(), T::from_json(value)?);
        }
        Some(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Json {
        Json::parse(text).unwrap_or_else(|| panic!("{text} is JSON"))
    }

    #[test]
    fn a_map_is_read_member_by_member_the_last_of_a_name_winning_as_serde_json_does() {
        let text = r#"{"zh-CN": "b", "en": "a", "zh-CN": "c"}"#;
        let ours = BTreeMap::<String, String>::from_json(&parse(text));
        let theirs: BTreeMap<String, String> = serde_json::from_str(text).expect("json");
        assert_eq!(ours, Some(theirs));
        assert_eq!(
            ours.map(|m| m.into_iter().collect::<Vec<_>>()),
            Some(vec![
                ("en".into(), "a".into()),
                ("zh-CN".into(), "c".into())
            ])
        );
        assert_eq!(
            BTreeMap::<String, String>::from_json(&parse(r#"["en"]"#)),
            None
        );
        assert_eq!(
            BTreeMap::<String, String>::from_json(&parse(r#"{"en": 1}"#)),
            None,
            "a member of the wrong kind"
        );
    }

    #[test]
    fn strings_written_read_back_as_serde_json_reads_them() {
        let text = "a\"b\\c\nd\u{1}é😀\t\r";
        let mut out = String::new();
        write_str(&mut out, text);
        assert_eq!(
            serde_json::from_str::<String>(&out).expect("json"),
            text,
            "{out}"
        );
        assert_eq!(parse(&out).as_str(), Some(text));
    }

    #[test]
    fn durations_keep_their_microseconds() {
        for seconds in [0.0, 6.0419, 12.5, 45.0, 120.000001, 3600.25] {
            let text = seconds.to_json();
            assert_eq!(f64::from_json(&parse(&text)), Some(seconds), "{text}");
            assert_eq!(serde_json::from_str::<f64>(&text).ok(), Some(seconds));
        }
        assert_eq!(f64::NAN.to_json(), "null");
        // As serde_json wrote them before.
        for (text, seconds) in [("6.0419", 6.0419), ("1e3", 1000.0), ("2.5E-1", 0.25)] {
            assert_eq!(f64::from_json(&parse(text)), Some(seconds), "{text}");
        }
    }
}
