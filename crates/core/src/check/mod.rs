//! Checking a policy before a site uses it: a merchant's file is refused with every problem it
//! has, each with the path of the setting at fault, rather than one error at a time.
//!
//! What a problem is (`problem`), where it is, in the merchant's words (`position`), and the
//! rules a policy must keep (`rules`).

mod position;
mod problem;
mod rules;

pub use position::{Segment, name_position, segments};
pub use problem::{PolicyErrors, PolicyProblem, PolicyProblemCode};

#[cfg(all(test, feature = "builtin-policy"))]
mod tests {
    use super::*;
    use crate::load::DEFAULT_POLICY_TOML;
    use crate::policy::Policy;

    /// The default policy with `from` replaced by `to` (which must occur exactly once).
    fn edited(from: &str, to: &str) -> String {
        assert_eq!(
            DEFAULT_POLICY_TOML.matches(from).count(),
            1,
            "{from:?} must be unique"
        );
        DEFAULT_POLICY_TOML.replace(from, to)
    }

    fn problems(text: &str) -> Vec<(String, PolicyProblemCode)> {
        match Policy::from_toml(text) {
            Ok(_) => Vec::new(),
            Err(PolicyErrors(problems)) => {
                problems.into_iter().map(|p| (p.position, p.code)).collect()
            }
        }
    }

    #[test]
    fn the_default_policy_passes() {
        assert_eq!(problems(DEFAULT_POLICY_TOML), []);
    }

    #[test]
    fn an_order_number_demanded_on_an_order_less_branch_is_refused() {
        let text = edited(
            "id = \"payment_no_order\"\nremedy = \"refund_or_investigation\"\nmessage = \"outcome.payment_no_order\"\n\n[outcomes.evidence]\nhint = \"hint.payment_anomaly\"\norder_number = \"optional\"\n",
            "id = \"payment_no_order\"\nremedy = \"refund_or_investigation\"\nmessage = \"outcome.payment_no_order\"\n\n[outcomes.evidence]\nhint = \"hint.payment_anomaly\"\n",
        );
        let Err(PolicyErrors(found)) = Policy::from_toml(&text) else {
            panic!("an order number demanded of a shopper with no order passed");
        };
        assert_eq!(
            found.iter().map(ToString::to_string).collect::<Vec<_>>(),
            [
                "line 305, outcome \"payment_no_order\", evidence.order_number: outcome \"payment_no_order\" requires an order number, but question \"payment_what\", answer \"charged_no_order\", is marked no_order: set order_number = \"optional\""
            ]
        );
        assert_eq!(found[0].code, PolicyProblemCode::OrderDemandedWithoutOrder);
    }

    #[test]
    fn an_order_less_category_reaches_only_outcomes_without_an_order_number() {
        let mut policy = Policy::builtin();
        let at = policy
            .categories
            .iter()
            .position(|c| c.id == "product_quality");
        policy.categories[at.unwrap_or(0)].no_order = true;
        let found = policy.check().err().map(|e| e.0).unwrap_or_default();
        let mut paths: Vec<&str> = found.iter().map(|p| p.position.as_str()).collect();
        paths.sort_unstable();
        // quality_defect, not_covered and (by "arrived damaged") transit damage and its late route.
        assert_eq!(
            paths,
            [
                "outcomes[0].evidence.order_number",
                "outcomes[1].evidence.order_number",
                "outcomes[2].evidence.order_number",
                "outcomes[3].evidence.order_number",
            ]
        );
    }

    #[test]
    fn a_dangling_reference_is_reported_with_its_path() {
        let text = edited("next = \"delivery_lost\"", "next = \"delivery_gone\"");
        assert_eq!(
            problems(&text),
            [
                (
                    "questions[2].answers[1].next".into(),
                    PolicyProblemCode::DanglingReference
                ),
                ("outcomes[5]".into(), PolicyProblemCode::Unreachable),
            ]
        );
    }

    #[test]
    fn a_cycle_is_refused() {
        let text = edited(
            "next = \"quality_defect\"\n\n[[questions.answers]]\nid = \"modified\"",
            "next = \"quality_what\"\n\n[[questions.answers]]\nid = \"modified\"",
        );
        assert_eq!(
            problems(&text),
            [(
                "questions[1].answers[0].next".into(),
                PolicyProblemCode::Cycle
            )]
        );
    }

    #[test]
    fn a_question_without_answers_is_a_dead_end() {
        let mut policy = Policy::builtin();
        policy.questions[3].answers.clear();
        let found: Vec<_> = policy.check().err().map(|e| e.0).unwrap_or_default();
        assert!(
            found
                .iter()
                .any(|p| p.code == PolicyProblemCode::DeadEnd
                    && p.position == "questions[3].answers")
        );
        assert!(
            found
                .iter()
                .any(|p| p.code == PolicyProblemCode::Unreachable && p.position == "outcomes[6]")
        );
        assert!(
            found
                .iter()
                .any(|p| p.code == PolicyProblemCode::Unreachable && p.position == "outcomes[7]")
        );
    }

    #[test]
    fn a_claim_window_of_no_days_is_refused() {
        let text = edited("days_after_delivery = 7", "days_after_delivery = 0");
        let Err(PolicyErrors(found)) = Policy::from_toml(&text) else {
            panic!("a window of 0 days passed");
        };
        let line = text
            .lines()
            .position(|l| l == "days_after_delivery = 0")
            .expect("in the file")
            + 1;
        assert_eq!(
            found.iter().map(ToString::to_string).collect::<Vec<_>>(),
            [format!(
                "line {line}, outcome \"transit_damage\", claim_window.days_after_delivery: from 1 to 365 days"
            )]
        );
        assert_eq!(
            found[0].position,
            "outcomes[2].claim_window.days_after_delivery"
        );
    }

    #[test]
    fn every_problem_is_reported_not_just_the_first() {
        let mut text = edited("first_response_hours = 48", "first_response_hours = 0");
        text = text.replace("days_after_delivery = 7", "days_after_delivery = 4000");
        text = text.replace("min_count = 2\n", "min_count = 30\n");
        text = text.replace("id = \"not_covered\"", "id = \"quality_defect\"");
        text = text.replace(
            "\"hint.screenshot\" = \"如有，请附上能说明问题的截图或照片。\"\n",
            "",
        );
        let found = problems(&text);
        for expected in [
            ("outcomes[1].id", PolicyProblemCode::DuplicateId),
            (
                "outcomes[2].claim_window.days_after_delivery",
                PolicyProblemCode::Limit,
            ),
            (
                "outcomes[2].evidence.media.max_count",
                PolicyProblemCode::Limit,
            ),
            (
                "outcomes[9].evidence.hint",
                PolicyProblemCode::MissingMessage,
            ),
            (
                "outcomes[10].evidence.hint",
                PolicyProblemCode::MissingMessage,
            ),
            ("service.first_response_hours", PolicyProblemCode::Limit),
        ] {
            assert!(
                found.contains(&(expected.0.to_owned(), expected.1)),
                "missing {expected:?} in {found:#?}"
            );
        }
    }

    #[test]
    fn limits_that_contradict_each_other_are_refused() {
        let mut policy = Policy::builtin();
        let media = &mut policy.outcomes[0].evidence.media;
        media.max_file_bytes = 50 * 1024 * 1024;
        media.max_total_bytes = 10 * 1024 * 1024;
        policy.outcomes[0].evidence.description.min_chars = 0;
        policy.order_number.example = "1".into();
        let paths: Vec<String> = policy
            .check()
            .err()
            .map(|e| e.0)
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.position)
            .collect();
        assert_eq!(
            paths,
            [
                "outcomes[0].evidence.description",
                "outcomes[0].evidence.media.max_total_bytes",
                "order_number.example"
            ]
        );
    }

    #[test]
    fn syntax_errors_and_unknown_settings_point_at_the_line() {
        let typo = edited("first_response_hours = 48", "first_response_hour = 48");
        let found = Policy::from_toml(&typo).expect_err("unknown setting");
        assert_eq!(found.0.len(), 1);
        assert_eq!(found.0[0].code, PolicyProblemCode::Syntax);
        // The typo's own line, counted here from the text rather than taken on trust.
        let typo_line = typo
            .lines()
            .position(|l| l.starts_with("first_response_hour ="))
            .expect("the typo is in the file")
            + 1;
        assert!(typo_line >= 10, "a line that `starts_with` could confuse");
        assert_eq!(found.0[0].line, Some(typo_line), "{}", found.0[0]);
        assert_eq!(found.0[0].path, "service", "{}", found.0[0]);
        assert!(
            found.0[0].detail.contains("first_response_hour"),
            "{}",
            found.0[0]
        );

        let broken =
            Policy::from_toml("default_locale = \"en\"\n[service\n").expect_err("bad toml");
        assert_eq!(broken.0.len(), 1);
        assert_eq!(broken.0[0].code, PolicyProblemCode::Syntax);
        assert_eq!(broken.0[0].line, Some(2), "{}", broken.0[0]);
    }

    /// Items are named by their ids, as the merchant wrote them, not by position.
    #[test]
    fn problems_name_items_by_id() {
        let mut policy = Policy::builtin();
        let question = policy.questions[2].id.clone();
        let answer = policy.questions[2].answers[1].id.clone();
        policy.questions[2].answers[1].next = "nowhere".into();
        policy.outcomes[0].evidence.media.max_count = 99;
        let found = policy.check().expect_err("refused").0;
        let shown: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert!(
            shown.contains(&format!(
                "question {question:?}, answer {answer:?}, next: no question or outcome is named \"nowhere\""
            )),
            "{shown:#?}"
        );
        assert!(
            shown.contains(&format!(
                "outcome {:?}, evidence.media.max_count: need min_count ≤ max_count ≤ 20",
                policy.outcomes[0].id
            )),
            "{shown:#?}"
        );
        assert!(shown.iter().all(|s| !s.contains('[')), "{shown:#?}");
    }

    #[test]
    fn a_notice_published_twice_is_refused() {
        let mut policy = Policy::builtin();
        let notice = crate::policy::Notice {
            id: "typhoon".into(),
            message: "force_majeure.message".into(),
            starts_on: "2026-09-10".parse().expect("date"),
            ends_on: None,
            categories: Vec::new(),
        };
        policy.force_majeure.notices = vec![notice.clone(), notice];
        let shown: Vec<String> = policy
            .check()
            .expect_err("refused")
            .0
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            shown,
            [
                "notice \"typhoon\", id: notice \"typhoon\" is published twice (in the policy or the config)"
            ]
        );
    }

    #[test]
    fn positions_read_back_into_steps() {
        use Segment::{Index, Key};
        assert_eq!(
            segments("questions[2].answers[1].next"),
            [
                Key("questions".into()),
                Index(2),
                Key("answers".into()),
                Index(1),
                Key("next".into())
            ]
        );
        assert_eq!(
            segments("messages.zh-CN.hint.screenshot"),
            [
                Key("messages".into()),
                Key("zh-CN".into()),
                Key("hint.screenshot".into())
            ]
        );
        let policy = Policy::builtin();
        assert_eq!(
            name_position(&segments("messages.zh-CN.hint.screenshot"), |_| None),
            "messages.zh-CN.\"hint.screenshot\""
        );
        assert_eq!(
            name_position(&segments("outcomes[40].id"), |s| policy.id_at(s)),
            "outcome #41, id"
        );
    }
}
