//! Reading a policy from TOML: the built-in default and a merchant's override file. Every
//! problem is said where the merchant finds it: the line, the items on the way by their ids,
//! and for a value of the wrong type, the type the setting takes.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::check::{
    PolicyErrors, PolicyProblem, PolicyProblemCode, Segment, name_position, segments,
};
use crate::limits;
use crate::policy::Policy;

/// The built-in default: help-center-policy.txt as a decision tree. Also the documented
/// starting point for a merchant's own file.
pub const DEFAULT_POLICY_TOML: &str = include_str!("../policy/default.toml");

impl Policy {
    /// Parses and checks a policy file, reporting every problem found.
    pub fn from_toml(text: &str) -> Result<Policy, PolicyErrors> {
        Policy::read_toml(text).map(|(policy, _warnings)| policy)
    }

    /// Parses and checks a merchant's policy file: the policy and what the merchant should
    /// still look at (see [`Policy::warnings`]), or every problem, each with its line.
    pub fn read_toml(text: &str) -> Result<(Policy, Vec<PolicyProblem>), PolicyErrors> {
        let (tree, _) = DeTable::parse_recoverable(text);
        let tree = Spanned::new(tree.span(), DeValue::Table(tree.into_inner()));
        let policy: Policy =
            toml::from_str(text).map_err(|e| PolicyErrors(vec![read_error(text, &tree, &e)]))?;
        // In the file's order, as the merchant goes through it.
        let with_lines = |mut problems: Vec<PolicyProblem>| {
            for problem in &mut problems {
                problem.line = line_of(text, &tree, &segments(&problem.position));
            }
            problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
            problems
        };
        policy.check().map_err(|e| PolicyErrors(with_lines(e.0)))?;
        let warnings = with_lines(policy.warnings());
        Ok((policy, warnings))
    }

    /// The built-in default policy.
    pub fn builtin() -> Policy {
        // The tests check this file; a broken one never ships.
        Policy::from_toml(DEFAULT_POLICY_TOML).expect("the built-in policy is valid")
    }

    /// What a merchant's own policy keeps from the built-in one but should not: the legal
    /// recourse of §IV, written for a store in mainland China (a lawsuit at the People's Court
    /// where the website is located), which may not be the store's jurisdiction.
    pub fn warnings(&self) -> Vec<PolicyProblem> {
        // Read without checking: `builtin` checks, and checking warns.
        let Ok(builtin) = toml::from_str::<Policy>(DEFAULT_POLICY_TOML) else {
            return Vec::new();
        };
        let default_texts: Vec<&str> = builtin
            .messages
            .values()
            .filter_map(|texts| texts.get(&builtin.dispute.legal_recourse))
            .map(String::as_str)
            .collect();
        let key = &self.dispute.legal_recourse;
        self.messages
            .iter()
            .filter(|(_, texts)| {
                texts
                    .get(key)
                    .is_some_and(|text| default_texts.contains(&text.trim()))
            })
            .map(|(locale, _)| {
                PolicyProblem::at(
                    self,
                    format!("messages.{locale}.{key}"),
                    PolicyProblemCode::DefaultText,
                    "the built-in legal-recourse text (a lawsuit at the People's Court where the \
                     website is located, as in mainland China): write where and how your \
                     store's shoppers can take a dispute"
                        .into(),
                )
            })
            .collect()
    }
}

/// The 1-based line of byte `offset` in `text`.
fn line_at(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map_or(0, |before| before.matches('\n').count())
        + 1
}

/// The line of the setting at `position`, or of the nearest item or table holding it when
/// the setting itself is not in the file (a default, a missing key).
fn line_of(text: &str, tree: &Spanned<DeValue<'_>>, position: &[Segment]) -> Option<usize> {
    let mut node = tree;
    let mut found = None;
    for segment in position {
        let next = match segment {
            Segment::Key(key) => node.get_ref().get(key.as_str()),
            Segment::Index(i) => node.get_ref().get(*i),
        };
        let Some(next) = next else { break };
        node = next;
        found = Some(line_at(text, node.span().start));
    }
    found
}

/// The tables and items that hold byte `offset` of the file, outermost first. An item of
/// `[[outcomes]]` spans only its header, so the one holding `offset` is the last that starts
/// before it; so is a table's.
fn holders(tree: &Spanned<DeValue<'_>>, offset: usize) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut node = tree;
    loop {
        let next = match node.get_ref() {
            DeValue::Table(table) => table
                .iter()
                .filter(|(key, value)| {
                    matches!(value.get_ref(), DeValue::Table(_) | DeValue::Array(_))
                        && key.span().start.min(value.span().start) <= offset
                })
                .max_by_key(|(key, value)| key.span().start.min(value.span().start))
                .map(|(key, value)| (Segment::Key(key.get_ref().to_string()), value)),
            DeValue::Array(items) => items
                .iter()
                .enumerate()
                .filter(|(_, item)| {
                    matches!(item.get_ref(), DeValue::Table(_)) && item.span().start <= offset
                })
                .max_by_key(|(_, item)| item.span().start)
                .map(|(i, item)| (Segment::Index(i), item)),
            _ => None,
        };
        let Some((segment, value)) = next else {
            return out;
        };
        out.push(segment);
        node = value;
    }
}

/// The id the item at `position` has in the file, if any.
fn id_in_file(tree: &Spanned<DeValue<'_>>, position: &[Segment]) -> Option<String> {
    let mut node = tree;
    for segment in position {
        node = match segment {
            Segment::Key(key) => node.get_ref().get(key.as_str())?,
            Segment::Index(i) => node.get_ref().get(*i)?,
        };
    }
    match node.get_ref().get("id")?.get_ref() {
        DeValue::String(id) => Some(id.to_string()),
        _ => None,
    }
}

/// A file that does not read as a policy: where, and, for a value of the wrong type, the
/// type its setting takes (`min_count = three`: "expected a whole number, found three", not
/// TOML's "invalid boolean").
fn read_error(text: &str, tree: &Spanned<DeValue<'_>>, error: &toml::de::Error) -> PolicyProblem {
    let message = error.message().trim().to_owned();
    let Some(span) = error.span() else {
        return PolicyProblem {
            path: String::new(),
            line: None,
            position: String::new(),
            code: PolicyProblemCode::Syntax,
            detail: message,
        };
    };
    let line_number = line_at(text, span.start);
    let line_start = text[..span.start.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("");
    let mut position = holders(tree, span.start);
    // `key = value` with the error in the value: name the setting and the type it takes.
    let setting = line.split_once('=').and_then(|(key, value)| {
        let key = key.trim().trim_matches('"');
        let in_value = span.start > line_start + line.find('=')?;
        let plain = !key.is_empty() && !key.contains(['[', ' ', '.']);
        (in_value && plain).then(|| (key.to_owned(), value.trim()))
    });
    let detail = match &setting {
        Some((key, value)) => {
            position.push(Segment::Key(key.clone()));
            let keys: Vec<&str> = position
                .iter()
                .filter_map(|s| match s {
                    Segment::Key(k) => Some(k.as_str()),
                    Segment::Index(_) => None,
                })
                .collect();
            type_error(&keys, &message, value).unwrap_or(message)
        }
        None => message,
    };
    let path = name_position(&position, |items| id_in_file(tree, items));
    let position = position
        .iter()
        .map(|s| match s {
            Segment::Key(k) => format!(".{k}"),
            Segment::Index(i) => format!("[{i}]"),
        })
        .collect::<String>()
        .trim_start_matches('.')
        .to_owned();
    PolicyProblem {
        path,
        line: Some(line_number),
        position,
        code: PolicyProblemCode::Syntax,
        detail,
    }
}

/// What a setting takes, by where it is (`keys`, array items left out).
fn expected(keys: &[&str]) -> Option<String> {
    let whole = |what: &str, max: u64| format!("a whole number of {what} from 1 to {max}");
    Some(match keys {
        ["messages", ..] => "text in quotes".into(),
        [.., "days_after_delivery"] => whole("days", u64::from(limits::MAX_WINDOW_DAYS)),
        [.., "first_response_hours"] => whole("hours", u64::from(limits::MAX_FIRST_RESPONSE_HOURS)),
        [.., "max_video_seconds"] => whole("seconds", u64::from(limits::MAX_VIDEO_SECONDS)),
        [
            ..,
            "min_len" | "max_len" | "min_chars" | "max_chars" | "min_count" | "max_count"
            | "min_photos" | "max_file_bytes" | "max_total_bytes" | "min_image_width"
            | "min_image_height" | "max_image_pixels",
        ] => "a whole number".into(),
        [.., "starts_on" | "ends_on"] => "a date such as 2026-09-10".into(),
        [.., "accepted"] => "a list of file types such as [\"jpeg\", \"png\", \"mp4\"]".into(),
        ["force_majeure", "notices", "categories"] => {
            "a list of category ids such as [\"logistics_delivery\"]".into()
        }
        [
            ..,
            "id" | "title" | "start" | "text" | "label" | "next" | "message" | "hint" | "remedy"
            | "prefix" | "charset" | "example" | "default_locale" | "late_outcome" | "negotiation"
            | "legal_recourse",
        ] => "text in quotes".into(),
        _ => return None,
    })
}

/// `message` (serde's or TOML's) about `value` at `keys`, in the merchant's words.
fn type_error(keys: &[&str], message: &str, value: &str) -> Option<String> {
    // serde: "invalid type: string \"three\", expected u32", "invalid value: integer `-3`,
    // expected u16"; else TOML could not read the value at all (`three`, not a value).
    let serde = ["invalid type: ", "invalid value: "]
        .iter()
        .find_map(|p| message.strip_prefix(p))
        .and_then(|rest| rest.split_once(", expected "));
    let wanted = expected(keys).or_else(|| {
        let (_, serde_wants) = serde?;
        Some(match serde_wants {
            "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number".into(),
            "a string" => "text in quotes".into(),
            "a sequence" => "a list in brackets".into(),
            "a boolean" => "true or false".into(),
            other => other.to_owned(),
        })
    })?;
    let found = match serde {
        Some((found, _)) => {
            let (kind, shown) = found.split_once(' ').unwrap_or((found, ""));
            let shown = shown.trim_matches('`');
            match kind {
                "string" => format!("the text {shown}"),
                "integer" if shown.starts_with('-') => format!("{shown}, below zero"),
                "integer" | "floating" => shown
                    .trim_start_matches("point ")
                    .trim_matches('`')
                    .to_owned(),
                _ => found.to_owned(),
            }
        }
        None if value.is_empty() => "nothing".into(),
        None => format!("{value} (text goes in quotes; a number is digits only)"),
    };
    Some(format!("expected {wanted}, found {found}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default policy with `from` replaced by `to` (which must occur exactly once).
    fn edited(from: &str, to: &str) -> String {
        assert_eq!(
            DEFAULT_POLICY_TOML.matches(from).count(),
            1,
            "{from:?} must be unique"
        );
        DEFAULT_POLICY_TOML.replace(from, to)
    }

    fn line_of_text(text: &str, needle: &str) -> usize {
        text.lines()
            .position(|l| l.trim_start().starts_with(needle))
            .expect("in the file")
            + 1
    }

    fn only_problem(text: &str) -> String {
        let errors = Policy::from_toml(text).expect_err("refused");
        assert_eq!(errors.0.len(), 1, "{errors}");
        errors.0[0].to_string()
    }

    #[test]
    fn a_word_where_a_number_goes_says_a_number_is_expected() {
        let text = edited("min_count = 2\n", "min_count = three\n");
        let line = line_of_text(&text, "min_count = three");
        assert_eq!(
            only_problem(&text),
            format!(
                "line {line}, outcome \"transit_damage\", evidence.media.min_count: expected a \
                 whole number, found three (text goes in quotes; a number is digits only)"
            )
        );
        let quoted = edited("min_count = 2\n", "min_count = \"three\"\n");
        assert_eq!(
            only_problem(&quoted),
            format!(
                "line {line}, outcome \"transit_damage\", evidence.media.min_count: expected a \
                 whole number, found the text \"three\""
            )
        );
    }

    #[test]
    fn a_negative_window_says_what_a_window_may_be() {
        let text = edited("days_after_delivery = 7", "days_after_delivery = -3");
        let line = line_of_text(&text, "days_after_delivery = -3");
        assert_eq!(
            only_problem(&text),
            format!(
                "line {line}, outcome \"transit_damage\", claim_window.days_after_delivery: \
                 expected a whole number of days from 1 to 365, found -3, below zero"
            )
        );
    }

    #[test]
    fn text_where_a_number_goes_in_a_top_level_table() {
        let text = edited(
            "first_response_hours = 48",
            "first_response_hours = \"48h\"",
        );
        let line = line_of_text(&text, "first_response_hours");
        assert_eq!(
            only_problem(&text),
            format!(
                "line {line}, service.first_response_hours: expected a whole number of hours \
                 from 1 to 720, found the text \"48h\""
            )
        );
    }

    #[test]
    fn problems_of_the_check_carry_their_line() {
        let text = edited("next = \"delivery_lost\"", "next = \"delivery_gone\"");
        let errors = Policy::from_toml(&text).expect_err("refused");
        let shown: Vec<String> = errors.0.iter().map(ToString::to_string).collect();
        let next = line_of_text(&text, "next = \"delivery_gone\"");
        let lost = line_of_text(&text, "id = \"delivery_lost\"");
        assert_eq!(
            shown,
            [
                format!(
                    "line {next}, question \"delivery_what\", answer \"lost\", next: no question \
                     or outcome is named \"delivery_gone\""
                ),
                // An item is found at its [[outcomes]] header, the line before its id.
                format!(
                    "line {}, outcome \"delivery_lost\": no category leads to \"delivery_lost\"",
                    lost - 1
                ),
            ]
        );
    }

    #[test]
    fn a_custom_policy_keeping_the_default_legal_recourse_is_warned() {
        let (_, warnings) = Policy::read_toml(DEFAULT_POLICY_TOML).expect("valid");
        let shown: Vec<String> = warnings.iter().map(ToString::to_string).collect();
        let en = line_of_text(DEFAULT_POLICY_TOML, "\"dispute.legal_recourse\" = \"If");
        assert_eq!(shown.len(), 2, "{shown:#?}");
        assert!(
            shown[0].starts_with(&format!(
                "line {en}, messages.en.\"dispute.legal_recourse\": the built-in legal-recourse text"
            )),
            "{shown:#?}"
        );
        assert_eq!(warnings[1].code, PolicyProblemCode::DefaultText);
        // Their own text, in both languages: nothing to warn of.
        let own = DEFAULT_POLICY_TOML
            .replace(
                "file a lawsuit with the People's Court that has jurisdiction over the location of this website.",
                "take the dispute to the county court of Acme's registered office.",
            )
            .replace("向本网站所在地有管辖权的人民法院提起诉讼。", "向本店注册地法院起诉。");
        let (_, warnings) = Policy::read_toml(&own).expect("valid");
        assert_eq!(warnings, []);
    }
}
