//! Where a setting is, said as the merchant wrote it: `questions[2].answers[1].next` becomes
//! `question "quality_use", answer "modified", next`.

use crate::policy::Policy;

/// One step of a position: a setting's key, or an item of an array.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// `questions[2].answers[1].next` as its steps. A text's key may hold dots
/// (`messages.zh-CN.hint.screenshot`): under `messages`, the third step is the rest.
pub fn segments(position: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut rest = position;
    while !rest.is_empty() {
        if out.len() == 2 && out.first() == Some(&Segment::Key("messages".into())) {
            out.push(Segment::Key(rest.to_owned()));
            break;
        }
        let end = rest.find('.').unwrap_or(rest.len());
        let (piece, after) = rest.split_at(end);
        rest = after.strip_prefix('.').unwrap_or(after);
        let mut parts = piece.split('[');
        if let Some(key) = parts.next().filter(|k| !k.is_empty()) {
            out.push(Segment::Key(key.to_owned()));
        }
        for index in parts {
            match index.trim_end_matches(']').parse() {
                Ok(n) => out.push(Segment::Index(n)),
                Err(_) => out.push(Segment::Key(index.to_owned())),
            }
        }
    }
    out
}

/// What an item of the array at `keys` (indices left out) is called, for the arrays whose
/// items have ids.
fn item_kind(keys: &[&str]) -> Option<&'static str> {
    match keys {
        ["categories"] => Some("category"),
        ["questions"] => Some("question"),
        ["questions", "answers"] => Some("answer"),
        ["outcomes"] => Some("outcome"),
        ["force_majeure", "notices"] => Some("notice"),
        _ => None,
    }
}

/// A position in the merchant's words: each item with an id named by it
/// (`outcome "transit_damage", claim_window.days_after_delivery`); `id_at` gives the id of the
/// item a prefix of `segments` ends at.
pub fn name_position(segments: &[Segment], id_at: impl Fn(&[Segment]) -> Option<String>) -> String {
    let mut parts: Vec<String> = Vec::new();
    // Keys since the last named item, and every key so far (for which array this is).
    let mut keys: Vec<String> = Vec::new();
    let mut all_keys: Vec<&str> = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        match segment {
            Segment::Key(key) => {
                all_keys.push(key);
                keys.push(
                    if key
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                    {
                        key.clone()
                    } else {
                        format!("{key:?}")
                    },
                );
            }
            Segment::Index(n) => match item_kind(&all_keys) {
                Some(kind) => {
                    keys.clear();
                    parts.push(match id_at(&segments[..=i]).filter(|id| !id.is_empty()) {
                        Some(id) => format!("{kind} {id:?}"),
                        None => format!("{kind} #{}", n + 1),
                    });
                }
                None => match keys.last_mut() {
                    Some(last) => last.push_str(&format!("[{n}]")),
                    None => keys.push(format!("[{n}]")),
                },
            },
        }
    }
    if !keys.is_empty() {
        parts.push(keys.join("."));
    }
    parts.join(", ")
}

impl Policy {
    /// The id of the item `segments` ends at (a category, question, answer, outcome or notice).
    pub(super) fn id_at(&self, segments: &[Segment]) -> Option<String> {
        use Segment::{Index, Key};
        let key = |s: &Segment, name: &str| matches!(s, Key(k) if k == name);
        match segments {
            [c, Index(i)] if key(c, "categories") => Some(self.categories.get(*i)?.id.clone()),
            [q, Index(i)] if key(q, "questions") => Some(self.questions.get(*i)?.id.clone()),
            [q, Index(i), a, Index(j)] if key(q, "questions") && key(a, "answers") => {
                Some(self.questions.get(*i)?.answers.get(*j)?.id.clone())
            }
            [o, Index(i)] if key(o, "outcomes") => Some(self.outcomes.get(*i)?.id.clone()),
            [f, n, Index(i)] if key(f, "force_majeure") && key(n, "notices") => {
                Some(self.force_majeure.notices.get(*i)?.id.clone())
            }
            _ => None,
        }
    }
}
