//! A claim's six fields as the shopper entered them, declared once: the widget's draft, the
//! request that files it (`helpcenter_api::NewTicket`) and the [`Submission`] the rulebook
//! judges each embed one. On the wire and on the device its fields stand beside theirs (one
//! flat object), as they did before they were one type: see `helpcenter_api::NewTicket` and
//! the hand-written JSON in [`crate::json`].
//!
//! [`Submission`]: crate::submission::Submission

use serde::{Deserialize, Serialize};

/// What the shopper told us about their problem: raw text, so that every format problem is
/// reported by the rulebook rather than lost in parsing.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Claim {
    /// A category id of the site's policy; empty until one is picked.
    pub category: String,
    /// Answer ids, one per question on the way through the decision tree.
    pub answers: Vec<String>,
    pub order_number: String,
    pub description: String,
    pub email: String,
    /// `YYYY-MM-DD`, or empty.
    pub delivered_on: String,
}
