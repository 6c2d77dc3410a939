//! A site's Help Center policy as data: the categories of §I, the decision tree that leads a
//! shopper to an outcome under the liability principles of §III, the evidence each outcome needs
//! (§II), claim windows, force-majeure notices (§V) and dispute text (§IV), with its wording in
//! every language the site offers.
//!
//! This module holds the policy's types and the look-ups by id and by text; what an upload may
//! be (`uploads`), the shopper's way through the tree to a decision (`walk`) and the tree
//! written out for review (`outline`) are modules of their own.

mod outline;
mod uploads;
mod walk;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::date::CivilDate;
use crate::evidence::EvidenceRule;
use crate::problem::ProblemCode;
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
}

#[cfg(all(test, feature = "builtin-policy"))]
mod tests {
    use super::*;

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
}
