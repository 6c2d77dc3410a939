//! A small JSON reader and writer for what the widget's first load reads and keeps: the site's
//! configuration with its policy, and the shopper's draft. serde_json's derived decoders for
//! those types cost the widget's first open about 28 KB of gzip (one copy of the parser per
//! type); this reads any JSON into one [`Json`] tree, and each type takes its fields from it by
//! hand ([`FromJson`]), with serde's defaults. The server and everything else keep serde.
//!
//! Numbers are kept as their text and read as integers; a fraction (a video's duration) is
//! read and written without float formatting, to the microsecond.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::date::CivilDate;
use crate::evidence::{
    DescriptionRule, EvidenceFile, EvidenceRule, MediaRule, MediaType, OrderNumberNeed,
};
use crate::policy::{
    Answer, Category, Dispute, ForceMajeure, Notice, OrderNumberCharset, OrderNumberFormat,
    Outcome, Policy, Question, Remedy, Service,
};
use crate::problem::{Field, Problem, ProblemCode};
use crate::ticket::{ResolutionKind, TicketStatus};
use crate::window::ClaimWindow;

/// A JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// As written, e.g. `12`, `-3`, `6.0419`.
    Number(String),
    String(String),
    Array(Vec<Json>),
    /// Members in the order written.
    Object(Vec<(String, Json)>),
}

/// Nesting deeper than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 64;

impl Json {
    /// The value `text` holds, or `None` when it is not JSON (or has anything after it).
    pub fn parse(text: &str) -> Option<Json> {
        let mut reader = Reader {
            bytes: text.as_bytes(),
            at: 0,
        };
        let value = reader.value(0)?;
        reader.space();
        (reader.at == reader.bytes.len()).then_some(value)
    }

    /// The member `key` of an object; `None` for a missing one and for `null`, as serde reads
    /// an `Option` field.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v)
                .filter(|v| **v != Json::Null),
            _ => None,
        }
    }

    /// The member `key` decoded; `None` when missing or not of that type.
    pub fn field<T: FromJson>(&self, key: &str) -> Option<T> {
        T::from_json(self.get(key)?)
    }

    /// The member `key` decoded, `Some(None)` when missing or `null`, `None` when present
    /// but not of that type.
    pub fn optional<T: FromJson>(&self, key: &str) -> Option<Option<T>> {
        match self.get(key) {
            None => Some(None),
            Some(value) => T::from_json(value).map(Some),
        }
    }

    /// The member `key` decoded, `default` when missing or `null`, `None` when present but
    /// not of that type (serde's `#[serde(default)]`).
    pub fn or<T: FromJson>(&self, key: &str, default: T) -> Option<T> {
        Some(self.optional(key)?.unwrap_or(default))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }
}

/// A type read from a [`Json`] tree with serde's rules for its fields; `None` when the tree
/// does not hold one.
pub trait FromJson: Sized {
    fn from_json(json: &Json) -> Option<Self>;
}

/// A type written as JSON, as serde_json would write it (without its float formatting).
pub trait ToJson {
    fn write_json(&self, out: &mut String);

    fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn space(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.space();
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.at += 1;
        }
        found
    }

    fn word(&mut self, word: &str, value: Json) -> Option<Json> {
        let end = self.at + word.len();
        (self.bytes.get(self.at..end)? == word.as_bytes()).then(|| {
            self.at = end;
            value
        })
    }

    fn value(&mut self, depth: usize) -> Option<Json> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'n' => self.word("null", Json::Null),
            b't' => self.word("true", Json::Bool(true)),
            b'f' => self.word("false", Json::Bool(false)),
            b'"' => self.string().map(Json::String),
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                if self.eat(b']') {
                    return Some(Json::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    if self.eat(b']') {
                        return Some(Json::Array(items));
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            b'{' => {
                self.at += 1;
                let mut members = Vec::new();
                if self.eat(b'}') {
                    return Some(Json::Object(members));
                }
                loop {
                    if self.peek()? != b'"' {
                        return None;
                    }
                    let key = self.string()?;
                    if !self.eat(b':') {
                        return None;
                    }
                    members.push((key, self.value(depth + 1)?));
                    if self.eat(b'}') {
                        return Some(Json::Object(members));
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn number(&mut self) -> Option<Json> {
        let start = self.at;
        let digits = |r: &mut Self| {
            let from = r.at;
            while r.bytes.get(r.at).is_some_and(u8::is_ascii_digit) {
                r.at += 1;
            }
            r.at > from
        };
        if self.bytes.get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        if !digits(self) {
            return None;
        }
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            if !digits(self) {
                return None;
            }
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.at) {
            self.at += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.at) {
                self.at += 1;
            }
            if !digits(self) {
                return None;
            }
        }
        let text = std::str::from_utf8(&self.bytes[start..self.at]).ok()?;
        Some(Json::Number(text.to_owned()))
    }

    /// A string, the reader at its opening quote.
    fn string(&mut self) -> Option<String> {
        self.at += 1;
        let mut out = Vec::new();
        loop {
            let byte = *self.bytes.get(self.at)?;
            self.at += 1;
            match byte {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => {
                    let escape = *self.bytes.get(self.at)?;
                    self.at += 1;
                    let c = match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode()?,
                        _ => return None,
                    };
                    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                }
                0..0x20 => return None,
                _ => out.push(byte),
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let text = std::str::from_utf8(self.bytes.get(self.at..self.at + 4)?).ok()?;
        self.at += 4;
        u32::from_str_radix(text, 16).ok()
    }

    /// The character of a `\u` escape (a surrogate pair takes two).
    fn unicode(&mut self) -> Option<char> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first) {
            if self.bytes.get(self.at..self.at + 2)? != b"\\u" {
                return None;
            }
            self.at += 2;
            let second = self.hex4()?;
            if !(0xDC00..0xE000).contains(&second) {
                return None;
            }
            return char::from_u32(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00));
        }
        char::from_u32(first)
    }
}

/// Writes `text` as a JSON string.
pub fn write_str(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Writes an object's members one by one: `{"a":1,"b":"x"}`.
pub struct ObjectWriter<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> ObjectWriter<'a> {
    pub fn new(out: &'a mut String) -> Self {
        out.push('{');
        ObjectWriter { out, first: true }
    }

    pub fn member(&mut self, key: &str, value: &(impl ToJson + ?Sized)) -> &mut Self {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        write_str(self.out, key);
        self.out.push(':');
        value.write_json(self.out);
        self
    }

    pub fn end(&mut self) {
        self.out.push('}');
    }
}

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
    fn from_json(json: &Json) -> Option<Self> {
        match json {
            Json::Object(members) => members
                .iter()
                .map(|(k, v)| Some((k.clone(), T::from_json(v)?)))
                .collect(),
            _ => None,
        }
    }
}

impl FromJson for CivilDate {
    fn from_json(json: &Json) -> Option<Self> {
        json.as_str()?.parse().ok()
    }
}

impl ToJson for CivilDate {
    fn write_json(&self, out: &mut String) {
        write_str(out, &self.to_string());
    }
}

impl FromJson for MediaType {
    fn from_json(json: &Json) -> Option<Self> {
        MediaType::ALL
            .into_iter()
            .find(|t| Some(t.name()) == json.as_str())
    }
}

impl ToJson for MediaType {
    fn write_json(&self, out: &mut String) {
        write_str(out, self.name());
    }
}

impl FromJson for Remedy {
    fn from_json(json: &Json) -> Option<Self> {
        Remedy::ALL
            .into_iter()
            .find(|r| Some(r.name()) == json.as_str())
    }
}

impl FromJson for OrderNumberCharset {
    fn from_json(json: &Json) -> Option<Self> {
        match json.as_str()? {
            "digits" => Some(OrderNumberCharset::Digits),
            "alphanumeric" => Some(OrderNumberCharset::Alphanumeric),
            _ => None,
        }
    }
}

impl FromJson for Policy {
    fn from_json(json: &Json) -> Option<Self> {
        Some(Policy {
            default_locale: json.field("default_locale")?,
            service: json.field("service")?,
            order_number: json.field("order_number")?,
            categories: json.field("categories")?,
            questions: json.field("questions")?,
            outcomes: json.field("outcomes")?,
            dispute: json.field("dispute")?,
            force_majeure: json.field("force_majeure")?,
            messages: json.field("messages")?,
        })
    }
}

impl FromJson for Service {
    fn from_json(json: &Json) -> Option<Self> {
        Some(Service {
            first_response_hours: json.field("first_response_hours")?,
        })
    }
}

impl FromJson for OrderNumberFormat {
    fn from_json(json: &Json) -> Option<Self> {
        Some(OrderNumberFormat {
            prefix: json.or("prefix", String::new())?,
            min_len: json.field("min_len")?,
            max_len: json.field("max_len")?,
            charset: json.field("charset")?,
            example: json.field("example")?,
        })
    }
}

impl FromJson for Category {
    fn from_json(json: &Json) -> Option<Self> {
        Some(Category {
            id: json.field("id")?,
            title: json.field("title")?,
            start: json.field("start")?,
            no_order: json.or("no_order", false)?,
        })
    }
}

impl FromJson for Question {
    fn from_json(json: &Json) -> Option<Self> {
        Some(Question {
            id: json.field("id")?,
            text: json.field("text")?,
            answers: json.field("answers")?,
        })
    }
}

impl FromJson for Answer {
    fn from_json(json: &Json) -> Option<Self> {
        Some(Answer {
            id: json.field("id")?,
            label: json.field("label")?,
            next: json.field("next")?,
            no_order: json.or("no_order", false)?,
        })
    }
}

impl FromJson for Outcome {
    fn from_json(json: &Json) -> Option<Self> {
        Some(Outcome {
            id: json.field("id")?,
            remedy: json.field("remedy")?,
            message: json.field("message")?,
            evidence: json.field("evidence")?,
            claim_window: json.optional("claim_window")?,
        })
    }
}

impl FromJson for ClaimWindow {
    fn from_json(json: &Json) -> Option<Self> {
        Some(ClaimWindow {
            days_after_delivery: json.field("days_after_delivery")?,
            late_outcome: json.optional("late_outcome")?,
        })
    }
}

impl FromJson for EvidenceRule {
    fn from_json(json: &Json) -> Option<Self> {
        Some(EvidenceRule {
            description: json.or("description", DescriptionRule::default())?,
            media: json.or("media", MediaRule::default())?,
            hint: json.field("hint")?,
            order_number: json.or("order_number", OrderNumberNeed::Required)?,
        })
    }
}

impl FromJson for OrderNumberNeed {
    fn from_json(json: &Json) -> Option<Self> {
        match json.as_str()? {
            "required" => Some(OrderNumberNeed::Required),
            "optional" => Some(OrderNumberNeed::Optional),
            _ => None,
        }
    }
}

impl FromJson for DescriptionRule {
    fn from_json(json: &Json) -> Option<Self> {
        Some(DescriptionRule {
            min_chars: json.field("min_chars")?,
            max_chars: json.field("max_chars")?,
        })
    }
}

impl FromJson for MediaRule {
    fn from_json(json: &Json) -> Option<Self> {
        let d = MediaRule::default();
        Some(MediaRule {
            min_count: json.or("min_count", d.min_count)?,
            max_count: json.or("max_count", d.max_count)?,
            min_photos: json.or("min_photos", d.min_photos)?,
            accepted: json.or("accepted", d.accepted)?,
            max_file_bytes: json.or("max_file_bytes", d.max_file_bytes)?,
            max_total_bytes: json.or("max_total_bytes", d.max_total_bytes)?,
            min_image_width: json.or("min_image_width", d.min_image_width)?,
            min_image_height: json.or("min_image_height", d.min_image_height)?,
            max_image_pixels: json.or("max_image_pixels", d.max_image_pixels)?,
            max_video_seconds: json.or("max_video_seconds", d.max_video_seconds)?,
            taken_after_delivery: json.or("taken_after_delivery", d.taken_after_delivery)?,
        })
    }
}

impl FromJson for Dispute {
    fn from_json(json: &Json) -> Option<Self> {
        Some(Dispute {
            negotiation: json.field("negotiation")?,
            legal_recourse: json.field("legal_recourse")?,
        })
    }
}

impl FromJson for ForceMajeure {
    fn from_json(json: &Json) -> Option<Self> {
        Some(ForceMajeure {
            message: json.field("message")?,
            notices: json.or("notices", Vec::new())?,
        })
    }
}

impl FromJson for Notice {
    fn from_json(json: &Json) -> Option<Self> {
        Some(Notice {
            id: json.field("id")?,
            message: json.field("message")?,
            starts_on: json.field("starts_on")?,
            ends_on: json.optional("ends_on")?,
            categories: json.or("categories", Vec::new())?,
        })
    }
}

impl FromJson for EvidenceFile {
    fn from_json(json: &Json) -> Option<Self> {
        Some(EvidenceFile {
            name: json.field("name")?,
            bytes: json.field("bytes")?,
            media_type: json.optional("media_type")?,
            width: json.optional("width")?,
            height: json.optional("height")?,
            duration_seconds: json.optional("duration_seconds")?,
            content_hash: json.field("content_hash")?,
            captured_on: json.optional("captured_on")?,
        })
    }
}

impl ToJson for EvidenceFile {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out)
            .member("name", &self.name)
            .member("bytes", &self.bytes)
            .member("media_type", &self.media_type)
            .member("width", &self.width)
            .member("height", &self.height)
            .member("duration_seconds", &self.duration_seconds)
            .member("content_hash", &self.content_hash)
            .member("captured_on", &self.captured_on)
            .end();
    }
}

impl FromJson for TicketStatus {
    fn from_json(json: &Json) -> Option<Self> {
        TicketStatus::parse(json.as_str()?)
    }
}

impl FromJson for ResolutionKind {
    fn from_json(json: &Json) -> Option<Self> {
        ResolutionKind::ALL
            .into_iter()
            .find(|r| Some(r.as_str()) == json.as_str())
    }
}

impl FromJson for ProblemCode {
    fn from_json(json: &Json) -> Option<Self> {
        ProblemCode::ALL
            .iter()
            .copied()
            .find(|c| Some(c.as_str()) == json.as_str())
    }
}

impl FromJson for Field {
    fn from_json(json: &Json) -> Option<Self> {
        json.as_str()?.parse().ok()
    }
}

impl FromJson for Problem {
    fn from_json(json: &Json) -> Option<Self> {
        Some(Problem {
            field: json.field("field")?,
            code: json.field("code")?,
        })
    }
}

/// The order as the store described it (the server's lookup answers with it): read by the
/// widget's order step, in the chunk.
impl FromJson for crate::order::StoreOrder {
    fn from_json(json: &Json) -> Option<Self> {
        Some(crate::order::StoreOrder {
            order_number: json.field("order_number")?,
            placed_on: json.optional("placed_on")?,
            delivered_on: json.optional("delivered_on")?,
            carrier: json.optional("carrier")?,
            tracking_number: json.optional("tracking_number")?,
            items: json.or("items", Vec::new())?,
        })
    }
}

impl FromJson for crate::order::OrderItem {
    fn from_json(json: &Json) -> Option<Self> {
        Some(crate::order::OrderItem {
            id: json.field("id")?,
            name: json.field("name")?,
            quantity: json.field("quantity")?,
            image_url: json.optional("image_url")?,
        })
    }
}

impl FromJson for crate::order::DeliverySource {
    fn from_json(json: &Json) -> Option<Self> {
        match json.as_str()? {
            "store" => Some(crate::order::DeliverySource::Store),
            "shopper" => Some(crate::order::DeliverySource::Shopper),
            _ => None,
        }
    }
}

impl FromJson for crate::order::ClaimedItem {
    fn from_json(json: &Json) -> Option<Self> {
        Some(crate::order::ClaimedItem {
            id: json.field("id")?,
            quantity: json.field("quantity")?,
        })
    }
}

impl ToJson for crate::order::ClaimedItem {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out)
            .member("id", &self.id)
            .member("quantity", &self.quantity)
            .end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Json {
        Json::parse(text).unwrap_or_else(|| panic!("{text} is JSON"))
    }

    #[test]
    fn reads_what_serde_json_reads() {
        let text = r#" {"a": [1, -2, 3.5e1, true, false, null], "b": {"c": "d\"\\\/\n\u00e9\ud83d\ude00"}, "e": {}} "#;
        let json = parse(text);
        let Json::Array(items) = json.get("a").expect("a") else {
            panic!("an array")
        };
        assert_eq!(items.len(), 6);
        assert_eq!(f64::from_json(&items[2]), Some(35.0));
        assert_eq!(u32::from_json(&items[1]), None, "no negative u32");
        assert_eq!(items[5], Json::Null);
        let c = json.get("b").and_then(|b| b.get("c"));
        assert_eq!(c.and_then(Json::as_str), Some("d\"\\/\né😀"));
        let reference: serde_json::Value = serde_json::from_str(text).expect("json");
        assert_eq!(reference["b"]["c"].as_str(), c.and_then(Json::as_str));
    }

    #[test]
    fn refuses_what_is_not_json() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\" 1}",
            "{\"a\":1,}",
            "01x",
            "\"open",
            "\"\\x\"",
            "\"\\ud83d\"",
            "tru",
            "1 2",
            "-",
            "1.",
            "\"a\nb\"",
        ] {
            assert_eq!(Json::parse(bad), None, "{bad:?}");
        }
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert_eq!(Json::parse(&deep), None, "too deep");
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

    #[cfg(feature = "builtin-policy")]
    #[test]
    fn the_built_in_policy_reads_back_as_serde_reads_it() {
        let policy = Policy::builtin();
        let text = serde_json::to_string(&policy).expect("json");
        assert_eq!(Policy::from_json(&parse(&text)), Some(policy.clone()));
        // With every default left out, as a merchant's policy file may.
        let mut value: serde_json::Value = serde_json::from_str(&text).expect("json");
        for outcome in value["outcomes"].as_array_mut().expect("outcomes") {
            outcome["evidence"]
                .as_object_mut()
                .expect("evidence")
                .retain(|k, _| k == "hint");
        }
        value["order_number"]
            .as_object_mut()
            .expect("format")
            .remove("prefix");
        value["force_majeure"]
            .as_object_mut()
            .expect("force majeure")
            .remove("notices");
        let text = value.to_string();
        let by_serde: Policy = serde_json::from_str(&text).expect("serde reads it");
        assert_eq!(Policy::from_json(&parse(&text)), Some(by_serde));
    }

    #[test]
    fn every_media_type_and_remedy_reads_by_its_serde_name() {
        for t in MediaType::ALL {
            let text = serde_json::to_string(&t).expect("json");
            assert_eq!(MediaType::from_json(&parse(&text)), Some(t));
            assert_eq!(t.to_json(), text);
        }
        for r in Remedy::ALL {
            let text = serde_json::to_string(&r).expect("json");
            assert_eq!(Remedy::from_json(&parse(&text)), Some(r));
        }
        for c in [OrderNumberCharset::Digits, OrderNumberCharset::Alphanumeric] {
            let text = serde_json::to_string(&c).expect("json");
            assert_eq!(OrderNumberCharset::from_json(&parse(&text)), Some(c));
        }
    }

    #[test]
    fn statuses_resolutions_and_problems_read_by_their_serde_names() {
        for s in TicketStatus::ALL {
            let text = serde_json::to_string(&s).expect("json");
            assert_eq!(TicketStatus::from_json(&parse(&text)), Some(s));
        }
        for r in ResolutionKind::ALL {
            let text = serde_json::to_string(&r).expect("json");
            assert_eq!(ResolutionKind::from_json(&parse(&text)), Some(r));
        }
        for &code in ProblemCode::ALL {
            for field in [Field::Email, Field::EvidenceFile(3), Field::Message] {
                let problem = Problem::new(field, code);
                let text = serde_json::to_string(&problem).expect("json");
                assert_eq!(Problem::from_json(&parse(&text)), Some(problem));
            }
        }
        assert_eq!(TicketStatus::from_json(&parse("\"lost\"")), None);
        assert_eq!(
            Problem::from_json(&parse(r#"{"field":"evidence[x]","code":"file.empty"}"#)),
            None
        );
    }

    #[cfg(feature = "builtin-policy")]
    #[test]
    fn a_policy_missing_a_required_field_or_of_the_wrong_type_is_not_read() {
        let policy = Policy::builtin();
        let text = serde_json::to_string(&policy).expect("json");
        let mut value: serde_json::Value = serde_json::from_str(&text).expect("json");
        value.as_object_mut().expect("policy").remove("dispute");
        assert_eq!(Policy::from_json(&parse(&value.to_string())), None);
        let mut value: serde_json::Value = serde_json::from_str(&text).expect("json");
        value["service"]["first_response_hours"] = serde_json::json!("soon");
        assert_eq!(Policy::from_json(&parse(&value.to_string())), None);
    }

    #[test]
    fn evidence_facts_round_trip_and_read_what_serde_wrote() {
        let facts = EvidenceFile {
            name: "box \"1\".jpg".into(),
            bytes: 123_456,
            media_type: Some(MediaType::Mp4),
            width: Some(1920),
            height: None,
            duration_seconds: Some(6.0419),
            content_hash: "ab12".into(),
            captured_on: "2026-11-20".parse().ok(),
        };
        assert_eq!(
            EvidenceFile::from_json(&parse(&facts.to_json())),
            Some(facts.clone())
        );
        assert_eq!(
            serde_json::from_str::<EvidenceFile>(&facts.to_json()).ok(),
            Some(facts.clone())
        );
        let by_serde = serde_json::to_string(&facts).expect("json");
        assert_eq!(EvidenceFile::from_json(&parse(&by_serde)), Some(facts));
    }

    #[test]
    fn a_store_order_reads_as_serde_reads_it() {
        use crate::order::{ClaimedItem, DeliverySource, OrderItem, StoreOrder};
        let order = StoreOrder {
            order_number: "10023456".into(),
            placed_on: "2026-11-18".parse().ok(),
            delivered_on: "2026-11-24".parse().ok(),
            carrier: Some("SF Express".into()),
            tracking_number: Some("SF1234567890".into()),
            items: vec![
                OrderItem {
                    id: "kettle-12".into(),
                    name: "Stainless kettle 1.7 l".into(),
                    quantity: 1,
                    image_url: Some("https://shop.example/k.jpg".into()),
                },
                OrderItem {
                    id: "mug-3".into(),
                    name: "Stoneware mug".into(),
                    quantity: 4,
                    image_url: None,
                },
            ],
        };
        let text = serde_json::to_string(&order).expect("json");
        assert_eq!(StoreOrder::from_json(&parse(&text)), Some(order));
        // What a store leaves out (no days, no carrier, no items) reads as serde reads it.
        let bare = r#"{"order_number": "7", "delivered_on": null}"#;
        let by_serde: StoreOrder = serde_json::from_str(bare).expect("serde");
        assert_eq!(StoreOrder::from_json(&parse(bare)), Some(by_serde));
        for wrong in [
            r#"{"order_number": "7", "delivered_on": "24 Nov"}"#,
            r#"{"order_number": "7", "items": [{"id": "k", "name": "K", "quantity": -1}]}"#,
            r#"{"items": []}"#,
        ] {
            assert_eq!(StoreOrder::from_json(&parse(wrong)), None, "{wrong}");
        }
        for source in [DeliverySource::Store, DeliverySource::Shopper] {
            let text = serde_json::to_string(&source).expect("json");
            assert_eq!(DeliverySource::from_json(&parse(&text)), Some(source));
        }
        let claimed = vec![ClaimedItem {
            id: "mug-3".into(),
            quantity: 2,
        }];
        let back: Vec<ClaimedItem> = serde_json::from_str(&claimed.to_json()).expect("serde");
        assert_eq!(back, claimed);
    }
}
