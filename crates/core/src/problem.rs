//! The vocabulary of what can be wrong with what a shopper sends: the [`Field`] it belongs to
//! and the [`ProblemCode`] that says what is wrong, as stable names the API returns and the UI
//! translates. Every check of the rulebook speaks it; it depends on nothing else here.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The input a problem belongs to, so the UI can show it next to that field.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Field {
    Category,
    Answers,
    OrderNumber,
    Description,
    Email,
    DeliveredOn,
    /// The set of files as a whole (count, total size).
    Evidence,
    /// One file, by its position in `Submission::evidence`.
    EvidenceFile(usize),
    /// What the shopper writes to the store after filing: a reply or a dispute.
    Message,
    /// The items a claim is about, as a whole.
    Items,
    /// One claimed item, by its position in the claim's `items`.
    Item(usize),
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Category => f.write_str("category"),
            Field::Answers => f.write_str("answers"),
            Field::OrderNumber => f.write_str("order_number"),
            Field::Description => f.write_str("description"),
            Field::Email => f.write_str("email"),
            Field::DeliveredOn => f.write_str("delivered_on"),
            Field::Evidence => f.write_str("evidence"),
            Field::EvidenceFile(i) => write!(f, "evidence[{i}]"),
            Field::Message => f.write_str("message"),
            Field::Items => f.write_str("items"),
            Field::Item(i) => write!(f, "items[{i}]"),
        }
    }
}

impl FromStr for Field {
    type Err = UnknownField;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "category" => Field::Category,
            "answers" => Field::Answers,
            "order_number" => Field::OrderNumber,
            "description" => Field::Description,
            "email" => Field::Email,
            "delivered_on" => Field::DeliveredOn,
            "evidence" => Field::Evidence,
            "message" => Field::Message,
            "items" => Field::Items,
            _ => {
                let indexed = |prefix: &str| {
                    s.strip_prefix(prefix)
                        .and_then(|rest| rest.strip_suffix(']'))
                        .and_then(|n| n.parse().ok())
                };
                match (indexed("evidence["), indexed("items[")) {
                    (Some(i), _) => Field::EvidenceFile(i),
                    (_, Some(i)) => Field::Item(i),
                    _ => return Err(UnknownField),
                }
            }
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[error("unknown field name")]
pub struct UnknownField;

impl Serialize for Field {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// On the wire a string (see the serde impls above): a field name, or `evidence[N]` for one file.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Field {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(
                r"^(category|answers|order_number|description|email|delivered_on|evidence|evidence\[[0-9]+\]|message|items|items\[[0-9]+\])$",
            ))
            .description(Some(
                "The input a problem belongs to: a field of the claim, or `evidence[N]` for the \
                 N-th file (0-based, in the order the uploads were sent).",
            ))
            .examples(["evidence[3]"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Field {}

macro_rules! problem_codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal,)*) => {
        /// What is wrong, as a stable code: the API returns it, the UI translates it, tests
        /// match on it. Never reuse or rename a code.
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
        pub enum ProblemCode {
            $($(#[$doc])* #[serde(rename = $code)] $variant,)*
        }

        impl ProblemCode {
            pub const ALL: &'static [ProblemCode] = &[$(ProblemCode::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(ProblemCode::$variant => $code,)*
                }
            }
        }
    };
}

problem_codes! {
    CategoryUnknown = "category.unknown",
    /// An answer id that the question on the path does not offer.
    AnswerUnknown = "answers.unknown",
    /// The answers stop before reaching an outcome.
    AnswersIncomplete = "answers.incomplete",
    /// More answers than questions on the path.
    AnswersTooMany = "answers.too_many",
    OrderNumberMissing = "order_number.missing",
    OrderNumberFormat = "order_number.format",
    DescriptionMissing = "description.missing",
    DescriptionTooShort = "description.too_short",
    DescriptionTooLong = "description.too_long",
    EmailMissing = "email.missing",
    EmailFormat = "email.format",
    DeliveredOnMissing = "delivered_on.missing",
    DeliveredOnFormat = "delivered_on.format",
    DeliveredOnInFuture = "delivered_on.in_future",
    /// Too late to report under this outcome, and the policy offers no late route.
    ClaimWindowClosed = "delivered_on.window_closed",
    EvidenceTooFew = "evidence.too_few",
    EvidenceTooFewPhotos = "evidence.too_few_photos",
    EvidenceTooMany = "evidence.too_many",
    EvidenceTooLarge = "evidence.total_too_large",
    FileEmpty = "file.empty",
    FileTypeNotAccepted = "file.type_not_accepted",
    FileTooLarge = "file.too_large",
    FileDuplicate = "file.duplicate",
    ImageTooSmall = "file.image_too_small",
    /// The photo does not decode (cut short, or not the picture its header describes).
    ImageUnreadable = "file.image_unreadable",
    /// The photo's header claims more pixels than the policy's `max_image_pixels`.
    ImageTooManyPixels = "file.image_too_many_pixels",
    VideoTooLong = "file.video_too_long",
    VideoDurationUnknown = "file.video_duration_unknown",
    PhotoTakenBeforeDelivery = "file.taken_before_delivery",
    /// The server has no finished upload of this site with this id.
    FileNotUploaded = "file.not_uploaded",
    /// The upload already belongs to a ticket.
    FileAlreadyAttached = "file.already_attached",
    /// A reply or dispute longer than [`crate::limits::MAX_SHOPPER_MESSAGE_CHARS`].
    MessageTooLong = "message.too_long",
    /// A reply with neither words nor files.
    ReplyEmpty = "reply.empty",
    /// A claimed item that the store's order does not have (it may have changed since).
    ItemNotInOrder = "items.not_in_order",
    /// A quantity of 0, or more than the order has of the item.
    ItemQuantity = "items.quantity",
    /// The same item named twice.
    ItemDuplicate = "items.duplicate",
    /// More items than [`crate::order::MAX_ORDER_ITEMS`].
    ItemsTooMany = "items.too_many",
    /// Items named on a claim to a site that does not look orders up.
    ItemsWithoutOrder = "items.without_order",
}

impl fmt::Display for ProblemCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The codes as serialised (`category.unknown`, …): a derive would see the variant names, since
/// the serde renames come from the macro above.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for ProblemCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(ProblemCode::ALL.iter().map(|code| code.as_str())))
            .description(Some(
                "What is wrong, as a stable code: the API returns it, the UI translates it, \
                 tests match on it. Never reused or renamed.",
            ))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for ProblemCode {}

/// One thing the shopper has to fix.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    pub field: Field,
    pub code: ProblemCode,
}

impl Problem {
    pub fn new(field: Field, code: ProblemCode) -> Self {
        Self { field, code }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_codes_have_stable_names() {
        for field in [
            Field::Category,
            Field::Evidence,
            Field::EvidenceFile(12),
            Field::DeliveredOn,
        ] {
            assert_eq!(field.to_string().parse::<Field>(), Ok(field));
        }
        assert_eq!("evidence[x]".parse::<Field>(), Err(UnknownField));
        let names: std::collections::BTreeSet<_> =
            ProblemCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), ProblemCode::ALL.len(), "codes must be unique");
        for code in ProblemCode::ALL {
            assert_eq!(serde_json::to_value(code).ok(), Some(code.as_str().into()));
        }
    }
}
