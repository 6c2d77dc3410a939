//! The shopper's way through the decision tree: the next question, the questions answered so
//! far, the outcome the answers lead to, and what a claim is filed under once the claim window
//! is reckoned; and the notices to show on the way.

use super::{Answer, Decision, Node, Notice, Outcome, Policy, Question};
use crate::date::CivilDate;
use crate::problem::{Field, Problem, ProblemCode};
use crate::window::WindowStatus;

impl Policy {
    /// Where the shopper is after `answers` in `category`: the next question, or the outcome.
    pub fn step(&self, category: &str, answers: &[String]) -> Result<Node<'_>, Problem> {
        let category = self
            .category(category)
            .ok_or(Problem::new(Field::Category, ProblemCode::CategoryUnknown))?;
        let dangling = Problem::new(Field::Category, ProblemCode::CategoryUnknown);
        let mut node = self.node(&category.start).ok_or(dangling)?;
        for answer in answers {
            let Node::Question(question) = node else {
                return Err(Problem::new(Field::Answers, ProblemCode::AnswersTooMany));
            };
            let next = question
                .answers
                .iter()
                .find(|a| &a.id == answer)
                .and_then(|a| self.node(&a.next))
                .ok_or(Problem::new(Field::Answers, ProblemCode::AnswerUnknown))?;
            node = next;
        }
        Ok(node)
    }

    /// The questions the shopper answered in `category`, each with the answer picked, in order;
    /// as far as `answers` still fit the tree (a policy changed since keeps the part that does).
    /// The agent's console and the shopper's request both show the claim's way through the tree.
    pub fn answered(&self, category: &str, answers: &[String]) -> Vec<(&Question, &Answer)> {
        let mut path = Vec::new();
        let mut node = self.category(category).and_then(|c| self.node(&c.start));
        for answer in answers {
            let Some(Node::Question(question)) = node else {
                break;
            };
            let Some(picked) = question.answers.iter().find(|a| &a.id == answer) else {
                break;
            };
            path.push((question, picked));
            node = self.node(&picked.next);
        }
        path
    }

    /// The outcome `answers` lead to in `category`.
    pub fn walk(&self, category: &str, answers: &[String]) -> Result<&Outcome, Problem> {
        match self.step(category, answers)? {
            Node::Outcome(outcome) => Ok(outcome),
            Node::Question(_) => Err(Problem::new(Field::Answers, ProblemCode::AnswersIncomplete)),
        }
    }

    /// What a claim that reached `reached` is filed under, given when the parcel arrived.
    /// `None` when its window has closed (or the date is in the future) and there is no late
    /// route: it cannot be filed under this outcome.
    pub fn decide<'p>(
        &'p self,
        reached: &'p Outcome,
        delivered_on: Option<CivilDate>,
        today: CivilDate,
    ) -> Option<Decision<'p>> {
        let Some(window) = &reached.claim_window else {
            return Some(Decision {
                outcome: reached,
                window: None,
            });
        };
        let status = window.status(delivered_on?, today);
        match status {
            WindowStatus::Open { .. } => Some(Decision {
                outcome: reached,
                window: Some(status),
            }),
            WindowStatus::Closed { .. } => {
                let late = self.outcome(window.late_outcome.as_deref()?)?;
                Some(Decision {
                    outcome: late,
                    window: Some(status),
                })
            }
            WindowStatus::DeliveryInFuture => None,
        }
    }

    /// Notices to show today, for a category or (with `None`) on the start screen.
    pub fn active_notices<'p>(
        &'p self,
        today: CivilDate,
        category: Option<&'p str>,
    ) -> impl Iterator<Item = &'p Notice> + 'p {
        self.force_majeure.notices.iter().filter(move |n| {
            n.is_active(today)
                && match category {
                    None => true,
                    Some(c) => n.categories.is_empty() || n.categories.iter().any(|x| x == c),
                }
        })
    }
}

#[cfg(all(test, feature = "builtin-policy"))]
mod tests {
    use super::*;
    use crate::policy::Remedy;
    use proptest::prelude::*;

    fn date(s: &str) -> CivilDate {
        s.parse().expect("test date")
    }

    fn answers(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn two_routes_lead_to_transit_damage() {
        let policy = Policy::builtin();
        let a = policy.walk("product_quality", &answers(&["arrived_damaged"]));
        let b = policy.walk("logistics_delivery", &answers(&["damaged"]));
        assert_eq!(a.map(|o| &o.id), b.map(|o| &o.id));
        assert_eq!(a.map(|o| o.remedy), Ok(Remedy::CarrierClaim));
    }

    #[test]
    fn walking_reports_where_the_answers_go_wrong() {
        let policy = Policy::builtin();
        let code = |c: &str, a: &[&str]| policy.walk(c, &answers(a)).map_err(|p| p.code);
        assert_eq!(code("returns", &[]), Err(ProblemCode::CategoryUnknown));
        assert_eq!(
            code("product_quality", &[]),
            Err(ProblemCode::AnswersIncomplete)
        );
        assert_eq!(
            code("product_quality", &["exploded"]),
            Err(ProblemCode::AnswerUnknown)
        );
        assert_eq!(
            code("product_quality", &["arrived_damaged", "more"]),
            Err(ProblemCode::AnswersTooMany)
        );
        assert!(matches!(
            policy.step("product_quality", &answers(&["fault"])),
            Ok(Node::Question(q)) if q.id == "quality_use"
        ));
    }

    #[test]
    fn the_answered_questions_come_in_order_as_far_as_they_fit() {
        let policy = Policy::builtin();
        let ids = |a: &[&str]| -> Vec<(String, String)> {
            policy
                .answered("product_quality", &answers(a))
                .into_iter()
                .map(|(q, a)| (q.id.clone(), a.id.clone()))
                .collect()
        };
        let first = ids(&["fault"]);
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].1, "fault");
        assert!(ids(&["exploded"]).is_empty(), "an answer the tree lacks");
        assert_eq!(
            ids(&["fault", "no_such_answer"]),
            first,
            "kept up to where it fits"
        );
        assert!(policy.answered("returns", &answers(&["fault"])).is_empty());
    }

    #[test]
    fn a_closed_window_takes_the_late_route_or_refuses() {
        let mut policy = Policy::builtin();
        let delivered = date("2026-11-10");
        let transit = policy.outcome("transit_damage").expect("outcome").clone();
        let on_time = policy.decide(&transit, Some(delivered), date("2026-11-17"));
        assert_eq!(
            on_time.map(|d| d.outcome.id.as_str()),
            Some("transit_damage")
        );
        let late = policy.decide(&transit, Some(delivered), date("2026-11-18"));
        assert_eq!(
            late.map(|d| d.outcome.id.as_str()),
            Some("transit_damage_late")
        );
        assert_eq!(policy.decide(&transit, None, date("2026-11-18")), None);

        for o in &mut policy.outcomes {
            if let Some(w) = &mut o.claim_window {
                w.late_outcome = None;
            }
        }
        let strict = policy.outcome("transit_damage").expect("outcome");
        assert_eq!(
            policy.decide(strict, Some(delivered), date("2026-11-18")),
            None
        );
    }

    #[test]
    fn notices_show_in_their_dates_and_categories() {
        let mut policy = Policy::builtin();
        policy.force_majeure.notices.push(Notice {
            id: "typhoon".into(),
            message: "force_majeure.message".into(),
            starts_on: date("2026-09-10"),
            ends_on: Some(date("2026-09-20")),
            categories: vec!["logistics_delivery".into()],
        });
        let ids = |today: &str, category| {
            policy
                .active_notices(date(today), category)
                .map(|n| n.id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids("2026-09-09", None), Vec::<String>::new());
        assert_eq!(ids("2026-09-10", None), ["typhoon"]);
        assert_eq!(ids("2026-09-20", Some("logistics_delivery")), ["typhoon"]);
        assert_eq!(
            ids("2026-09-15", Some("payment_anomaly")),
            Vec::<String>::new()
        );
        assert_eq!(ids("2026-09-21", None), Vec::<String>::new());
    }

    proptest! {
        /// Any sequence of choices through the default tree reaches an outcome, in at most
        /// as many steps as there are questions.
        #[test]
        fn every_path_through_the_default_tree_ends_in_an_outcome(
            category in 0usize..6,
            picks in proptest::collection::vec(0usize..8, 0..12),
        ) {
            let policy = Policy::builtin();
            let category = &policy.categories[category].id;
            let mut path = Vec::new();
            let mut picks = picks.into_iter().cycle().chain(std::iter::repeat(0));
            loop {
                match policy.step(category, &path) {
                    Ok(Node::Outcome(_)) => break,
                    Ok(Node::Question(q)) => {
                        prop_assert!(path.len() < policy.questions.len(), "a path longer than the tree");
                        let pick = picks.next().unwrap_or(0) % q.answers.len();
                        path.push(q.answers[pick].id.clone());
                    }
                    Err(problem) => prop_assert!(false, "{problem:?} after {path:?}"),
                }
            }
            prop_assert!(policy.walk(category, &path).is_ok());
        }
    }
}
