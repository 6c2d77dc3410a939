//! The tree any JSON text reads into, and the two traits a type implements to be read from it
//! and written as JSON.

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

impl Json {
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
