//! JSON written by hand: strings escaped as serde_json escapes them, objects member by member.

use std::fmt::Write as _;

use super::value::ToJson;

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

    /// Writes `value`'s members into this object, beside the others (serde's `flatten`).
    pub fn members(&mut self, value: &impl ToJsonMembers) -> &mut Self {
        value.write_members(self);
        self
    }

    pub fn end(&mut self) {
        self.out.push('}');
    }
}

/// A type written as members of the object that holds it, beside that object's own (serde's
/// `#[serde(flatten)]`): [`ObjectWriter::members`]. Read back with its [`FromJson`] from the
/// same object.
///
/// [`FromJson`]: super::FromJson
pub trait ToJsonMembers {
    fn write_members(&self, object: &mut ObjectWriter<'_>);
}
