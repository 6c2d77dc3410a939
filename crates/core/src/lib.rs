//! The Help Center rulebook, as data plus pure functions.
//!
//! A site's [`Policy`] (the built-in default encodes help-center-policy.txt) holds the decision
//! tree from issue category to [`Outcome`], the [`EvidenceRule`] and [`ClaimWindow`] of each
//! outcome, force-majeure notices and dispute text. The widget runs [`validate_submission`]
//! while the shopper types; the server runs it again on what arrives. Tickets then move
//! through [`TicketStatus`] by [`transition`]; the shopper's answers to the store are checked by
//! [`validate_reply`]. No I/O here: it compiles for wasm32 and native.

pub mod check;
pub mod claim;
pub mod date;
pub mod evidence;
#[cfg(all(test, feature = "builtin-policy"))]
mod fixtures;
pub mod json;
pub mod limits;
#[cfg(feature = "builtin-policy")]
pub mod load;
pub mod order;
pub mod policy;
pub mod problem;
pub mod reply;
pub mod saved_reply;
pub mod submission;
pub mod ticket;
pub mod window;

pub use check::{PolicyErrors, PolicyProblem, PolicyProblemCode};
pub use claim::Claim;
pub use date::CivilDate;
pub use evidence::{
    DescriptionRule, EvidenceFile, EvidenceRule, MediaRule, MediaType, OrderNumberNeed,
};
pub use order::{ClaimedItem, DeliverySource, OrderItem, StoreOrder, check_items, validate_claim};
pub use policy::{
    Answer, Category, Decision, Liability, Node, Notice, OrderNumberFormat, Outcome, Policy,
    Question, Remedy,
};
pub use problem::{Field, Problem, ProblemCode};
pub use reply::{ReplySubmission, check_message, validate_reply};
pub use saved_reply::{ReplyPlaceholders, expand_reply, unknown_placeholders};
pub use submission::{Accepted, Submission, validate_submission};
pub use ticket::{
    Actor, ResolutionKind, TicketStatus, TransitionError, request_info_steps, transition,
};
pub use window::{ClaimWindow, WindowStatus};
