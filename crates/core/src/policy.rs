//! A site's Help Center policy as data: the categories of §I, the decision tree that leads a
//! shopper to an outcome under the liability principles of §III, the evidence each outcome needs
//! (§II), claim windows, force-majeure notices (§V) and dispute text (§IV), with its wording in
//! every language the site offers.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::date::CivilDate;
use crate::evidence::{EvidenceRule, MediaType};
use crate::problem::{Field, Problem, ProblemCode};
use crate::ticket::ResolutionKind;
use crate::window::{ClaimWindow, WindowStatus};

/// Key of a text in `Policy::messages`; the site's wording lives there, once per language.
pub type MessageKey = String;

#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Language used when the shopper's has no text for a key.
    pub default_locale: String,
    pub service: Service,
    pub order_number: OrderNumberFormat,
    pub categories: Vec<Category>,
    pub questions: Vec<Question>,
    pub outcomes: Vec<Outcome>,
    pub dispute: Dispute,
    pub force_majeure: ForceMajeure,
    /// locale → key → text.
    pub messages: BTreeMap<String, BTreeMap<MessageKey, String>>,
}

/// Promises about handling time (§II: preliminary verification "within a reasonable timeframe").
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// The shopper is told they will hear back within this many hours of filing.
    pub first_response_hours: u32,
}

/// §I: what the shopper picks first, "What went wrong with your order?".
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub title: MessageKey,
    /// The first question or outcome (by id).
    pub start: String,
    /// A shopper here may have no order at all (feedback on the website, say): every outcome
    /// this category leads to must take a claim without an order number.
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_order: bool,
}

fn is_false(b: &bool) -> bool {
    !b
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub text: MessageKey,
    pub answers: Vec<Answer>,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// Unique within its question.
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub label: MessageKey,
    /// The next question or the outcome (by id).
    pub next: String,
    /// This answer says there may be no order ("I was charged, but I have no order"): every
    /// outcome it leads to must take a claim without an order number.
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_order: bool,
}

/// Where the tree ends: what the store will do, told to the shopper before they file.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    pub id: String,
    pub remedy: Remedy,
    /// What the shopper is told before writing anything: covered or not, and what happens.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub message: MessageKey,
    pub evidence: EvidenceRule,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_window: Option<ClaimWindow>,
}

/// The remedy an outcome leads to, each from a clause of the policy.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Remedy {
    /// §III: a verified inherent quality defect — return, exchange or repair.
    ReturnExchangeRepair,
    /// §III: damage in transit — the store pursues the logistics provider with the evidence.
    CarrierClaim,
    /// §III: improper operation, unauthorised modification or not following the instructions —
    /// not covered; paid technical support or guidance may be offered.
    PaidSupport,
    /// Payment anomalies: verified, then refunded or investigated.
    RefundOrInvestigation,
    /// Delivery and order errors: re-shipped or investigated (§II replacement shipments).
    ReshipmentOrInvestigation,
    /// §I: verified and addressed "based on the specific circumstances".
    Review,
}

/// Who bears the cost, as §III determines it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Liability {
    /// The store, once the problem is verified.
    Store,
    /// The logistics provider, pursued by the store.
    Carrier,
    /// Nobody: the store is not liable (paid help may be offered).
    NotCovered,
    /// Decided after verification.
    ToBeVerified,
}

impl Remedy {
    pub const ALL: [Remedy; 6] = [
        Remedy::ReturnExchangeRepair,
        Remedy::CarrierClaim,
        Remedy::PaidSupport,
        Remedy::RefundOrInvestigation,
        Remedy::ReshipmentOrInvestigation,
        Remedy::Review,
    ];

    /// Its name on the wire and in policy files (serde's).
    pub fn name(self) -> &'static str {
        match self {
            Remedy::ReturnExchangeRepair => "return_exchange_repair",
            Remedy::CarrierClaim => "carrier_claim",
            Remedy::PaidSupport => "paid_support",
            Remedy::RefundOrInvestigation => "refund_or_investigation",
            Remedy::ReshipmentOrInvestigation => "reshipment_or_investigation",
            Remedy::Review => "review",
        }
    }

    pub fn liability(self) -> Liability {
        match self {
            Remedy::ReturnExchangeRepair => Liability::Store,
            Remedy::CarrierClaim => Liability::Carrier,
            Remedy::PaidSupport => Liability::NotCovered,
            Remedy::RefundOrInvestigation | Remedy::ReshipmentOrInvestigation | Remedy::Review => {
                Liability::ToBeVerified
            }
        }
    }

    /// §II: returns, exchanges and replacement shipments follow the Return and Exchange Policy.
    pub fn follows_return_policy(self) -> bool {
        matches!(
            self,
            Remedy::ReturnExchangeRepair | Remedy::ReshipmentOrInvestigation
        )
    }

    /// The resolutions an agent would normally choose for this remedy (any may be chosen).
    pub fn usual_resolutions(self) -> &'static [ResolutionKind] {
        use ResolutionKind::*;
        match self {
            Remedy::ReturnExchangeRepair => &[Return, Exchange, Repair, Declined],
            Remedy::CarrierClaim => &[CarrierClaim, Replacement, Refund, Declined],
            Remedy::PaidSupport => &[PaidSupport, Declined],
            Remedy::RefundOrInvestigation => &[Refund, Declined],
            Remedy::ReshipmentOrInvestigation => &[Replacement, Refund, Exchange, Declined],
            Remedy::Review => &[Refund, Replacement, Declined],
        }
    }

    /// Plain English for logs and the CLI; shoppers see the outcome's message instead.
    pub fn describe(self) -> &'static str {
        match self {
            Remedy::ReturnExchangeRepair => {
                "return, exchange or repair (store liable once the defect is verified)"
            }
            Remedy::CarrierClaim => {
                "claim against the logistics provider (evidence within the window after receipt)"
            }
            Remedy::PaidSupport => {
                "not covered: improper operation, unauthorised modification or not following instructions; paid technical support offered"
            }
            Remedy::RefundOrInvestigation => "refund or investigation of the payment",
            Remedy::ReshipmentOrInvestigation => "re-shipment or investigation",
            Remedy::Review => "verified and addressed case by case",
        }
    }
}

/// §IV: negotiation first, then the courts.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Dispute {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub negotiation: MessageKey,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub legal_recourse: MessageKey,
}

/// §V: delays the store is not liable for, and the notices it publishes about them.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ForceMajeure {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub message: MessageKey,
    #[serde(default)]
    pub notices: Vec<Notice>,
}

/// A banner such as "Typhoon: deliveries to the south coast are delayed".
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Notice {
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub message: MessageKey,
    pub starts_on: CivilDate,
    /// Last day shown; open-ended without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_on: Option<CivilDate>,
    /// Categories it concerns; all when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
}

impl Notice {
    pub fn is_active(&self, today: CivilDate) -> bool {
        self.starts_on <= today && self.ends_on.is_none_or(|end| today <= end)
    }
}

/// What an order number looks like at this store, so typos are caught while typing.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OrderNumberFormat {
    /// Required start, e.g. "SO-"; empty for none.
    #[serde(default)]
    pub prefix: String,
    /// Length after normalising, prefix included.
    pub min_len: u8,
    pub max_len: u8,
    pub charset: OrderNumberCharset,
    /// Shown as the field's placeholder; must itself be valid.
    pub example: String,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderNumberCharset {
    Digits,
    /// Letters, digits and dashes.
    Alphanumeric,
}

impl OrderNumberFormat {
    /// As stored: trimmed, without a leading `#`, upper case.
    pub fn normalize(&self, raw: &str) -> String {
        let trimmed = raw.trim();
        trimmed
            .strip_prefix('#')
            .unwrap_or(trimmed)
            .trim()
            .to_ascii_uppercase()
    }

    pub fn check(&self, raw: &str) -> Option<ProblemCode> {
        let number = self.normalize(raw);
        if number.is_empty() {
            return Some(ProblemCode::OrderNumberMissing);
        }
        let len = number.chars().count();
        let charset_ok = |c: char| match self.charset {
            OrderNumberCharset::Digits => c.is_ascii_digit(),
            OrderNumberCharset::Alphanumeric => c.is_ascii_alphanumeric() || c == '-',
        };
        let body_ok = number
            .strip_prefix(&self.prefix.to_ascii_uppercase())
            .is_some_and(|body| body.chars().all(charset_ok));
        let ok = body_ok && (usize::from(self.min_len)..=usize::from(self.max_len)).contains(&len);
        (!ok).then_some(ProblemCode::OrderNumberFormat)
    }
}

/// A node of the decision tree.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Node<'p> {
    Question(&'p Question),
    Outcome(&'p Outcome),
}

/// The outcome a claim is filed under, and where its claim window stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Decision<'p> {
    pub outcome: &'p Outcome,
    /// For the outcome reached in the tree; `Closed` when `outcome` is its late route.
    pub window: Option<WindowStatus>,
}

impl Policy {
    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    pub fn outcome(&self, id: &str) -> Option<&Outcome> {
        self.outcomes.iter().find(|o| o.id == id)
    }

    /// Questions and outcomes share one namespace, so `next = "transit_damage"` needs no type.
    pub fn node(&self, id: &str) -> Option<Node<'_>> {
        self.question(id)
            .map(Node::Question)
            .or_else(|| self.outcome(id).map(Node::Outcome))
    }

    /// The largest file an upload may be: `outcome`'s limit when the widget named one, else
    /// the largest any outcome of this policy accepts (an upload starts before the claim is
    /// complete; filing checks the file against its outcome's exact rule).
    pub fn upload_max_file_bytes(&self, outcome: Option<&Outcome>) -> u64 {
        match outcome {
            Some(outcome) => outcome.evidence.media.max_file_bytes,
            None => self
                .outcomes
                .iter()
                .map(|o| o.evidence.media.max_file_bytes)
                .max()
                .unwrap_or(0),
        }
    }

    /// The most pixels a photo uploaded for `outcome` may have (for no outcome, the largest any
    /// outcome accepts): a photo claiming more is refused before it is decoded.
    pub fn upload_max_image_pixels(&self, outcome: Option<&Outcome>) -> u64 {
        match outcome {
            Some(outcome) => outcome.evidence.media.max_image_pixels,
            None => self
                .outcomes
                .iter()
                .map(|o| o.evidence.media.max_image_pixels)
                .max()
                .unwrap_or(0),
        }
    }

    /// The types an upload may have: `outcome`'s list when the widget named one, else any
    /// type some outcome of this policy accepts; sorted, each once.
    pub fn upload_accepted_types(&self, outcome: Option<&Outcome>) -> Vec<MediaType> {
        let mut types: Vec<MediaType> = match outcome {
            Some(outcome) => outcome.evidence.media.accepted.clone(),
            None => self
                .outcomes
                .iter()
                .flat_map(|o| o.evidence.media.accepted.iter().copied())
                .collect(),
        };
        types.sort();
        types.dedup();
        types
    }

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

    /// The site's text for `key` in `locale`, else in the default locale, else the key itself
    /// (which a checked policy never needs).
    pub fn text<'p>(&'p self, locale: &str, key: &'p str) -> &'p str {
        [locale, self.default_locale.as_str()]
            .into_iter()
            .find_map(|l| self.messages.get(l)?.get(key))
            .map_or(key, String::as_str)
    }

    /// The length of the claim window an outcome's wording speaks of: its own, or, for a late
    /// route, the window it is the late route of.
    pub fn window_days(&self, outcome: &Outcome) -> Option<u16> {
        let window = outcome.claim_window.as_ref().or_else(|| {
            self.outcomes
                .iter()
                .filter_map(|o| o.claim_window.as_ref())
                .find(|w| w.late_outcome.as_deref() == Some(outcome.id.as_str()))
        })?;
        Some(window.days_after_delivery)
    }

    /// What the shopper is told about `outcome` before filing, with `{days}` filled in.
    pub fn outcome_message(&self, locale: &str, outcome: &Outcome) -> String {
        let text = self.text(locale, &outcome.message);
        match self.window_days(outcome) {
            Some(days) => text.replace("{days}", &days.to_string()),
            None => text.to_owned(),
        }
    }

    /// The whole tree as indented text, for `helpcenter-server policy show` and reviews.
    pub fn outline(&self, locale: &str) -> String {
        let t = |key: &str| self.text(locale, key).to_owned();
        let mut out = String::new();
        let _ = writeln!(out, "Help Center policy ({locale})");
        let _ = writeln!(
            out,
            "Preliminary verification (§II): first response within {} hours",
            self.service.first_response_hours
        );
        let _ = writeln!(out, "\nCategories (§I):");
        for category in &self.categories {
            let _ = writeln!(out, "\n● {} [{}]", t(&category.title), category.id);
            self.outline_node(&mut out, locale, &category.start, 1, &mut Vec::new());
        }
        let _ = writeln!(
            out,
            "\nForce majeure (§V): {}",
            t(&self.force_majeure.message)
        );
        for notice in &self.force_majeure.notices {
            let until = notice
                .ends_on
                .map_or(String::from("further notice"), |d| d.to_string());
            let _ = writeln!(
                out,
                "  notice [{}] {} to {}: {}",
                notice.id,
                notice.starts_on,
                until,
                t(&notice.message)
            );
        }
        let _ = writeln!(out, "\nDisputes (§IV):");
        let _ = writeln!(out, "  1. {}", t(&self.dispute.negotiation));
        let _ = writeln!(out, "  2. {}", t(&self.dispute.legal_recourse));
        out
    }

    fn outline_node(
        &self,
        out: &mut String,
        locale: &str,
        id: &str,
        depth: usize,
        path: &mut Vec<String>,
    ) {
        let pad = "    ".repeat(depth);
        if path.iter().any(|seen| seen == id) {
            let _ = writeln!(
                out,
                "{pad}↺ back to [{id}] (a cycle: the policy check refuses this)"
            );
            return;
        }
        match self.node(id) {
            None => {
                let _ = writeln!(out, "{pad}✗ [{id}] does not exist");
            }
            Some(Node::Question(q)) => {
                let _ = writeln!(out, "{pad}? {} [{}]", self.text(locale, &q.text), q.id);
                path.push(id.to_owned());
                for answer in &q.answers {
                    let _ = writeln!(out, "{pad}  - {}", self.text(locale, &answer.label));
                    self.outline_node(out, locale, &answer.next, depth + 1, path);
                }
                path.pop();
            }
            Some(Node::Outcome(o)) => {
                let _ = writeln!(out, "{pad}→ outcome [{}]: {}", o.id, o.remedy.describe());
                let _ = writeln!(
                    out,
                    "{pad}  told first: {}",
                    self.outcome_message(locale, o)
                );
                let media = &o.evidence.media;
                let _ = writeln!(
                    out,
                    "{pad}  evidence: description {}–{} chars; {}–{} photos/videos{}",
                    o.evidence.description.min_chars,
                    o.evidence.description.max_chars,
                    media.min_count,
                    media.max_count,
                    if media.min_photos > 0 {
                        format!(", at least {} photos", media.min_photos)
                    } else {
                        String::new()
                    }
                );
                if let Some(window) = &o.claim_window {
                    let late = window
                        .late_outcome
                        .as_deref()
                        .map_or(String::from("cannot be filed"), |l| {
                            format!("goes to [{l}]")
                        });
                    let _ = writeln!(
                        out,
                        "{pad}  claim window: {} days after receipt; later it {late}",
                        window.days_after_delivery
                    );
                }
            }
        }
    }
}

#[cfg(all(test, feature = "builtin-policy"))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(s: &str) -> CivilDate {
        s.parse().expect("test date")
    }

    #[test]
    fn uploads_meet_their_outcomes_limits_or_the_largest_of_the_site() {
        let mut policy = Policy::builtin();
        policy.outcomes.truncate(2);
        policy.outcomes[0].evidence.media.max_file_bytes = 5_000_000;
        policy.outcomes[0].evidence.media.accepted = vec![MediaType::Png, MediaType::Jpeg];
        policy.outcomes[1].evidence.media.max_file_bytes = 9_000_000;
        policy.outcomes[1].evidence.media.accepted = vec![MediaType::Mp4, MediaType::Jpeg];
        let first = &policy.outcomes[0];
        assert_eq!(policy.upload_max_file_bytes(Some(first)), 5_000_000);
        assert_eq!(policy.upload_max_file_bytes(None), 9_000_000);
        assert_eq!(
            policy.upload_accepted_types(Some(first)),
            [MediaType::Jpeg, MediaType::Png]
        );
        assert_eq!(
            policy.upload_accepted_types(None),
            [MediaType::Jpeg, MediaType::Png, MediaType::Mp4]
        );
    }

    fn answers(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_default_covers_every_category_of_section_one() {
        let policy = Policy::builtin();
        let ids: Vec<&str> = policy.categories.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "product_quality",
                "logistics_delivery",
                "order_error",
                "payment_anomaly",
                "user_experience",
                "other"
            ]
        );
    }

    #[test]
    fn the_outline_states_every_principle_of_the_policy() {
        let outline = Policy::builtin().outline("en");
        for needle in [
            // §I scope
            "Product quality",
            "Delivery",
            "Order error",
            "Payment",
            "Using our website or service",
            "Something else",
            // §II preliminary verification and the Return and Exchange Policy
            "first response within 48 hours",
            "Return and Exchange Policy",
            // §III liability
            "return, exchange or repair (store liable once the defect is verified)",
            "improper operation, unauthorised modification or not following instructions; paid technical support offered",
            "claim against the logistics provider",
            "claim window: 7 days after receipt",
            // §IV and §V
            "friendly negotiation",
            "People's Court",
            "Force majeure (§V)",
            "not liable for indirect losses",
        ] {
            assert!(
                outline.contains(needle),
                "outline lacks {needle:?}:\n{outline}"
            );
        }
        assert!(!outline.contains("does not exist") && !outline.contains("cycle"));
        let chinese = Policy::builtin().outline("zh-CN");
        assert!(chinese.contains("人民法院") && chinese.contains("不可抗力"));
    }

    #[test]
    fn misuse_is_not_covered_and_said_so_before_filing() {
        let policy = Policy::builtin();
        let outcome = policy
            .walk("product_quality", &answers(&["fault", "modified"]))
            .expect("an outcome");
        assert_eq!(outcome.remedy, Remedy::PaidSupport);
        assert_eq!(outcome.remedy.liability(), Liability::NotCovered);
        // Said in words: the screen's badge says "Not covered by the store" above it.
        assert!(
            policy
                .text("en", &outcome.message)
                .contains("are not the store's liability")
        );
    }

    #[test]
    fn outcome_messages_name_the_window_length() {
        let policy = Policy::builtin();
        let message = |id: &str, locale: &str| {
            policy.outcome_message(locale, policy.outcome(id).expect("outcome"))
        };
        assert!(message("transit_damage", "en").contains("within 7 days of receiving"));
        assert!(message("transit_damage_late", "en").starts_with("It's more than 7 days"));
        assert!(message("transit_damage", "zh-CN").contains("收货后 7 天内"));
        assert!(!message("quality_defect", "en").contains('{'));
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
    fn texts_fall_back_to_the_default_locale() {
        let mut policy = Policy::builtin();
        assert_eq!(policy.text("zh-CN", "category.other"), "其他问题");
        assert_eq!(policy.text("fr", "category.other"), "Something else");
        if let Some(zh) = policy.messages.get_mut("zh-CN") {
            zh.remove("category.other");
        }
        assert_eq!(policy.text("zh-CN", "category.other"), "Something else");
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

    #[test]
    fn order_numbers_are_normalised_then_checked() {
        let mut format = Policy::builtin().order_number;
        assert_eq!(format.normalize("  #ab-1234 "), "AB-1234");
        assert_eq!(format.check("#10023456"), None);
        assert_eq!(format.check("   "), Some(ProblemCode::OrderNumberMissing));
        assert_eq!(format.check("12"), Some(ProblemCode::OrderNumberFormat));
        assert_eq!(
            format.check("1002 3456"),
            Some(ProblemCode::OrderNumberFormat)
        );
        format.prefix = "SO-".into();
        format.charset = OrderNumberCharset::Digits;
        assert_eq!(format.check("so-12345"), None);
        assert_eq!(format.check("12345"), Some(ProblemCode::OrderNumberFormat));
        assert_eq!(
            format.check("SO-12A45"),
            Some(ProblemCode::OrderNumberFormat)
        );
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
