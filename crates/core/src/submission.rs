//! A shopper's claim as filed, and `validate_submission`: the one check both the browser and the
//! server run, returning every problem at once as stable codes that the UI localises.

use serde::{Deserialize, Serialize};

use crate::claim::Claim;
use crate::date::CivilDate;
use crate::evidence::EvidenceFile;
use crate::limits;
use crate::policy::{Decision, Policy};
use crate::problem::{Field, Problem, ProblemCode};

/// A claim with the facts of its files: what [`validate_submission`] judges. As JSON, one flat
/// object: the claim's fields beside `evidence`.
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Submission {
    #[serde(flatten)]
    pub claim: Claim,
    pub evidence: Vec<EvidenceFile>,
}

/// A submission that passed: what the server stores alongside it.
#[derive(Clone, PartialEq, Debug)]
pub struct Accepted<'p> {
    pub decision: Decision<'p>,
    pub order_number: String,
    pub delivered_on: Option<CivilDate>,
}

/// Every problem with `submission` under `policy` on the site's `today`; when there are none,
/// the outcome it is filed under (which may be a claim window's late route).
pub fn validate_submission<'p>(
    policy: &'p Policy,
    submission: &Submission,
    today: CivilDate,
) -> Result<Accepted<'p>, Vec<Problem>> {
    let claim = &submission.claim;
    let mut problems = Vec::new();

    let order_number = policy.order_number.normalize(&claim.order_number);
    // An outcome that may have no order takes a claim without one; one given is still checked.
    let may_have_no_order = policy
        .walk(&claim.category, &claim.answers)
        .is_ok_and(|reached| !reached.evidence.order_number.is_required());
    match policy.order_number.check(&claim.order_number) {
        Some(ProblemCode::OrderNumberMissing) if may_have_no_order => {}
        Some(code) => problems.push(Problem::new(Field::OrderNumber, code)),
        None => {}
    }
    if let Some(code) = check_email(&claim.email) {
        problems.push(Problem::new(Field::Email, code));
    }

    let delivered_on = match claim.delivered_on.trim() {
        "" => None,
        text => match text.parse::<CivilDate>() {
            Ok(day) if day > today => {
                problems.push(Problem::new(
                    Field::DeliveredOn,
                    ProblemCode::DeliveredOnInFuture,
                ));
                None
            }
            Ok(day) => Some(day),
            Err(_) => {
                problems.push(Problem::new(
                    Field::DeliveredOn,
                    ProblemCode::DeliveredOnFormat,
                ));
                None
            }
        },
    };

    let decision = match policy.walk(&claim.category, &claim.answers) {
        Err(problem) => {
            problems.push(problem);
            None
        }
        Ok(reached) if reached.claim_window.is_some() && delivered_on.is_none() => {
            // A date that was given but is unusable has been reported above already.
            if claim.delivered_on.trim().is_empty() {
                problems.push(Problem::new(
                    Field::DeliveredOn,
                    ProblemCode::DeliveredOnMissing,
                ));
            }
            None
        }
        Ok(reached) => {
            let decision = policy.decide(reached, delivered_on, today);
            if decision.is_none() {
                problems.push(Problem::new(
                    Field::DeliveredOn,
                    ProblemCode::ClaimWindowClosed,
                ));
            }
            decision
        }
    };

    match &decision {
        Some(decision) => {
            let rule = &decision.outcome.evidence;
            if let Some(code) = rule.description.check(&claim.description) {
                problems.push(Problem::new(Field::Description, code));
            }
            problems.extend(rule.media.check_files(&submission.evidence, delivered_on));
        }
        // Without an outcome the length rule is unknown, but blank is wrong under any.
        None if claim.description.trim().is_empty() => {
            problems.push(Problem::new(
                Field::Description,
                ProblemCode::DescriptionMissing,
            ));
        }
        None => {}
    }

    match decision {
        Some(decision) if problems.is_empty() => Ok(Accepted {
            decision,
            order_number,
            delivered_on,
        }),
        _ => Err(problems),
    }
}

/// A plausible address: one `@`, a dotted domain, no spaces. Deliverability is the mail
/// server's business; this catches typos while the shopper can still fix them.
pub fn check_email(raw: &str) -> Option<ProblemCode> {
    let email = raw.trim();
    if email.is_empty() {
        return Some(ProblemCode::EmailMissing);
    }
    let well_formed = email.chars().count() <= limits::MAX_EMAIL_CHARS
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.split('.').count() >= 2
                && domain.split('.').all(|label| !label.is_empty())
        });
    (!well_formed).then_some(ProblemCode::EmailFormat)
}

#[cfg(all(test, feature = "builtin-policy"))]
mod tests {
    use super::*;
    use crate::evidence::MediaType;
    use crate::fixtures::{date, photo};
    use crate::window::WindowStatus;
    use proptest::prelude::*;

    fn transit_claim() -> Submission {
        Submission {
            claim: Claim {
                category: "logistics_delivery".into(),
                answers: vec!["damaged".into()],
                order_number: "#10023456".into(),
                description:
                    "The box arrived crushed on one corner and the kettle inside is dented.".into(),
                email: "wei@example.com".into(),
                delivered_on: "2026-11-20".into(),
            },
            evidence: vec![photo("box", "2026-11-20"), photo("kettle", "2026-11-21")],
        }
    }

    fn codes(result: Result<Accepted<'_>, Vec<Problem>>) -> Vec<(String, &'static str)> {
        match result {
            Ok(_) => Vec::new(),
            Err(problems) => problems
                .iter()
                .map(|p| (p.field.to_string(), p.code.as_str()))
                .collect(),
        }
    }

    #[test]
    fn a_complete_transit_claim_is_accepted_under_the_carrier_claim() {
        let policy = Policy::builtin();
        let accepted = validate_submission(&policy, &transit_claim(), date("2026-11-24"))
            .expect("valid claim");
        assert_eq!(accepted.decision.outcome.id, "transit_damage");
        assert_eq!(accepted.order_number, "10023456");
        assert_eq!(accepted.delivered_on, Some(date("2026-11-20")));
        assert!(matches!(
            accepted.decision.window,
            Some(WindowStatus::Open { days_left: 3, .. })
        ));
    }

    /// Issue 13: a shopper charged without an order, or writing about the website, has no
    /// order number (and feedback no photo) to give; where there is an order, it is asked for.
    #[test]
    fn claims_that_may_have_no_order_are_filed_without_one() {
        let policy = Policy::builtin();
        let claim = |category: &str, answers: &[&str], evidence: Vec<EvidenceFile>| Submission {
            claim: Claim {
                category: category.into(),
                answers: answers.iter().map(|&a| a.to_owned()).collect(),
                order_number: String::new(),
                description: "Your checkout page shows the wrong total on my phone.".into(),
                email: "wei@example.com".into(),
                delivered_on: String::new(),
            },
            evidence,
        };
        let today = date("2026-11-24");
        let statement = || vec![photo("statement", "2026-11-23")];
        for (category, answers, evidence, outcome) in [
            (
                "payment_anomaly",
                &["charged_no_order"][..],
                statement(),
                "payment_no_order",
            ),
            (
                "user_experience",
                &[][..],
                Vec::new(),
                "experience_feedback",
            ),
            ("other", &[][..], Vec::new(), "other_inquiry"),
        ] {
            let accepted = validate_submission(&policy, &claim(category, answers, evidence), today)
                .unwrap_or_else(|p| panic!("{category}: {p:?}"));
            assert_eq!(accepted.decision.outcome.id, outcome);
            assert_eq!(accepted.order_number, "");
        }
        // Charged twice, or a refund that has not come: there is an order to name.
        for answer in ["double_charge", "refund_missing"] {
            assert_eq!(
                codes(validate_submission(
                    &policy,
                    &claim("payment_anomaly", &[answer], statement()),
                    today
                )),
                [("order_number".into(), "order_number.missing")]
            );
        }
        // One given is still checked.
        let mut typo = claim("user_experience", &[], Vec::new());
        typo.claim.order_number = "12".into();
        assert_eq!(
            codes(validate_submission(&policy, &typo, today)),
            [("order_number".into(), "order_number.format")]
        );
    }

    #[test]
    fn an_empty_submission_gets_every_problem_at_once() {
        let policy = Policy::builtin();
        let got = codes(validate_submission(
            &policy,
            &Submission::default(),
            date("2026-11-24"),
        ));
        assert_eq!(
            got,
            [
                ("order_number".into(), "order_number.missing"),
                ("email".into(), "email.missing"),
                ("category".into(), "category.unknown"),
                ("description".into(), "description.missing"),
            ]
        );
    }

    #[test]
    fn field_problems_and_evidence_problems_come_together() {
        let policy = Policy::builtin();
        let mut sent = transit_claim();
        sent.claim.order_number = "12".into();
        sent.claim.email = "wei@example".into();
        sent.claim.description = "broken".into();
        sent.evidence = vec![photo("box", "2026-11-19")];
        assert_eq!(
            codes(validate_submission(&policy, &sent, date("2026-11-24"))),
            [
                ("order_number".into(), "order_number.format"),
                ("email".into(), "email.format"),
                ("description".into(), "description.too_short"),
                ("evidence[0]".into(), "file.taken_before_delivery"),
                // Two photos make the count too: said once.
                ("evidence".into(), "evidence.too_few_photos"),
            ]
        );
    }

    #[test]
    fn the_delivery_date_is_required_checked_and_not_in_the_future() {
        let policy = Policy::builtin();
        let today = date("2026-11-24");
        let mut sent = transit_claim();
        sent.claim.delivered_on = String::new();
        assert_eq!(
            codes(validate_submission(&policy, &sent, today)),
            [("delivered_on".into(), "delivered_on.missing")]
        );
        sent.claim.delivered_on = "20/11/2026".into();
        assert_eq!(
            codes(validate_submission(&policy, &sent, today)),
            [("delivered_on".into(), "delivered_on.format")]
        );
        sent.claim.delivered_on = "2026-11-25".into();
        assert_eq!(
            codes(validate_submission(&policy, &sent, today)),
            [("delivered_on".into(), "delivered_on.in_future")]
        );
    }

    #[test]
    fn a_late_transit_claim_is_filed_for_review_not_against_the_carrier() {
        let mut policy = Policy::builtin();
        let mut sent = transit_claim();
        sent.claim.delivered_on = "2026-11-16".into();
        let accepted = validate_submission(&policy, &sent, date("2026-11-24")).expect("late route");
        assert_eq!(accepted.decision.outcome.id, "transit_damage_late");
        assert_eq!(accepted.decision.outcome.remedy, crate::Remedy::Review);

        for o in &mut policy.outcomes {
            if let Some(w) = &mut o.claim_window {
                w.late_outcome = None;
            }
        }
        assert_eq!(
            codes(validate_submission(&policy, &sent, date("2026-11-24"))),
            [("delivered_on".into(), "delivered_on.window_closed")]
        );
    }

    #[test]
    fn emails() {
        for ok in [
            "a@b.co",
            " wei.zhang+shop@mail.example.cn ",
            "用户@例子.中国",
        ] {
            assert_eq!(check_email(ok), None, "{ok}");
        }
        for bad in [
            "a", "a@b", "@b.co", "a@@b.co", "a b@c.co", "a@b..co", "a@.co",
        ] {
            assert_eq!(check_email(bad), Some(ProblemCode::EmailFormat), "{bad}");
        }
        let long = format!("{}@example.com", "x".repeat(250));
        assert_eq!(check_email(&long), Some(ProblemCode::EmailFormat));
    }

    fn any_file() -> impl Strategy<Value = EvidenceFile> {
        (
            any::<u64>(),
            proptest::option::of(proptest::sample::select(MediaType::ALL.to_vec())),
            proptest::option::of(any::<u32>()),
            proptest::option::of(any::<u32>()),
            proptest::option::of(any::<f64>()),
            "[a-c]{0,2}",
            proptest::option::of((1i32..=9999, 1u8..=12, 1u8..=28)),
        )
            .prop_map(
                |(bytes, media_type, width, height, duration, hash, taken)| EvidenceFile {
                    name: "f".into(),
                    bytes,
                    media_type,
                    width,
                    height,
                    duration_seconds: duration,
                    content_hash: hash,
                    captured_on: taken.and_then(|(y, m, d)| CivilDate::from_ymd(y, m, d)),
                },
            )
    }

    proptest! {
        #[test]
        fn validation_never_panics(
            category in prop_oneof![Just("logistics_delivery".to_owned()), Just("product_quality".to_owned()), "\\PC{0,20}"],
            answers in proptest::collection::vec(prop_oneof![Just("damaged".to_owned()), Just("fault".to_owned()), Just("modified".to_owned()), "\\PC{0,10}"], 0..6),
            order_number in "\\PC{0,80}",
            description in "\\PC{0,300}",
            email in "\\PC{0,60}",
            delivered_on in prop_oneof![Just("2026-11-20".to_owned()), "[0-9-]{0,12}", "\\PC{0,12}"],
            evidence in proptest::collection::vec(any_file(), 0..30),
            today in (1i32..=9999, 1u8..=12, 1u8..=28),
        ) {
            let policy = Policy::builtin();
            let today = CivilDate::from_ymd(today.0, today.1, today.2).expect("valid day");
            let claim = Claim { category, answers, order_number, description, email, delivered_on };
            let submission = Submission { claim, evidence };
            match validate_submission(&policy, &submission, today) {
                Ok(accepted) => prop_assert!(policy.outcome(&accepted.decision.outcome.id).is_some()),
                Err(problems) => prop_assert!(!problems.is_empty()),
            }
        }
    }
}
