//! What a shopper sends after filing: an answer to the store's request for information (with
//! more evidence, §II) or the reason for a dispute (§IV). The widget checks it while the
//! shopper writes, the server again when it arrives.

use crate::date::CivilDate;
use crate::evidence::{EvidenceFile, MediaRule};
use crate::limits::{MAX_FILES, MAX_SHOPPER_MESSAGE_CHARS};
use crate::problem::{Field, Problem, ProblemCode};

/// An answer to a request for information, as the shopper wrote and attached it.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct ReplySubmission {
    pub message: String,
    pub evidence: Vec<EvidenceFile>,
}

/// The problem with a message on its own (a reply's text, a dispute's reason, an agent's
/// message): every message to or from the store is bounded, whatever the policy.
pub fn check_message(text: &str) -> Option<ProblemCode> {
    (text.trim().chars().count() > MAX_SHOPPER_MESSAGE_CHARS).then_some(ProblemCode::MessageTooLong)
}

/// Every problem with a reply. Its files meet the ticket's outcome's rule file by file, and
/// together stay within its total size; their count is not the outcome's, because an agent
/// who asks for more may ask for more than filing needed (up to the global file limit).
pub fn validate_reply(
    rule: &MediaRule,
    reply: &ReplySubmission,
    delivered_on: Option<CivilDate>,
) -> Result<(), Vec<Problem>> {
    let mut problems = Vec::new();
    if let Some(code) = check_message(&reply.message) {
        problems.push(Problem::new(Field::Message, code));
    }
    if reply.message.trim().is_empty() && reply.evidence.is_empty() {
        problems.push(Problem::new(Field::Message, ProblemCode::ReplyEmpty));
    }
    let any_count = MediaRule {
        min_count: 0,
        max_count: MAX_FILES,
        min_photos: 0,
        ..rule.clone()
    };
    problems.extend(any_count.check_files(&reply.evidence, delivered_on));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::MediaType;

    fn photo(hash: &str, width: u32) -> EvidenceFile {
        EvidenceFile {
            name: format!("{hash}.jpg"),
            bytes: 100_000,
            media_type: Some(MediaType::Jpeg),
            width: Some(width),
            height: Some(900),
            content_hash: hash.into(),
            ..EvidenceFile::default()
        }
    }

    fn codes(result: Result<(), Vec<Problem>>) -> Vec<(Field, ProblemCode)> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|p| (p.field, p.code))
            .collect()
    }

    #[test]
    fn a_reply_needs_words_or_a_file() {
        let rule = MediaRule::default();
        let blank = ReplySubmission {
            message: "  \n".into(),
            evidence: vec![],
        };
        assert_eq!(
            codes(validate_reply(&rule, &blank, None)),
            [(Field::Message, ProblemCode::ReplyEmpty)]
        );
        let words = ReplySubmission {
            message: "The label is on the box's underside.".into(),
            evidence: vec![],
        };
        assert_eq!(validate_reply(&rule, &words, None), Ok(()));
        let photo_only = ReplySubmission {
            message: String::new(),
            evidence: vec![photo("a", 1200)],
        };
        assert_eq!(validate_reply(&rule, &photo_only, None), Ok(()));
    }

    #[test]
    fn messages_are_bounded_in_characters_not_bytes() {
        let at_limit = "你".repeat(MAX_SHOPPER_MESSAGE_CHARS);
        assert_eq!(check_message(&at_limit), None);
        assert_eq!(
            check_message(&format!("{at_limit}x")),
            Some(ProblemCode::MessageTooLong)
        );
    }

    #[test]
    fn files_meet_the_outcomes_rule_but_not_its_count() {
        let rule = MediaRule {
            min_count: 2,
            max_count: 2,
            ..MediaRule::default()
        };
        let three = ReplySubmission {
            message: String::new(),
            evidence: vec![photo("a", 1200), photo("b", 1200), photo("c", 1200)],
        };
        assert_eq!(validate_reply(&rule, &three, None), Ok(()), "count is free");
        let bad = ReplySubmission {
            message: "here".into(),
            evidence: vec![photo("a", 100), photo("a", 1200)],
        };
        assert_eq!(
            codes(validate_reply(&rule, &bad, None)),
            [
                (Field::EvidenceFile(0), ProblemCode::ImageTooSmall),
                (Field::EvidenceFile(1), ProblemCode::FileDuplicate),
            ]
        );
        let too_many = ReplySubmission {
            message: String::new(),
            evidence: (0..=MAX_FILES)
                .map(|i| photo(&i.to_string(), 1200))
                .collect(),
        };
        assert_eq!(
            codes(validate_reply(&rule, &too_many, None)),
            [(Field::Evidence, ProblemCode::EvidenceTooMany)]
        );
    }
}
