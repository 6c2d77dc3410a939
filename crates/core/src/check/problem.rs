//! A problem of a policy: its code, the setting at fault (by the ids of the items on the way
//! and by position) and, when read from a file, its line; all of a policy's problems at once.

use std::fmt;

use serde::Serialize;

use super::position::{name_position, segments};
use crate::policy::Policy;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyProblemCode {
    /// Not valid TOML, or a setting of the wrong type or name.
    Syntax,
    Empty,
    DuplicateId,
    BadId,
    DanglingReference,
    Cycle,
    /// A question without answers: every leaf must be an outcome.
    DeadEnd,
    Unreachable,
    MissingMessage,
    /// A number outside what the policy allows, or two that contradict each other.
    Limit,
    /// A warning, not a problem: a text kept from the built-in policy that a store should
    /// write for itself (the legal recourse, written for one jurisdiction).
    DefaultText,
    /// An outcome demands an order number on a branch marked `no_order`, where the shopper
    /// may have none: they could never file.
    OrderDemandedWithoutOrder,
}

/// One thing wrong with a policy. `path` names the items on the way by their ids
/// (`question "quality_use", answer "modified", next`), as the merchant wrote them, not by
/// their position in the file's arrays; `line` is where it is in the file, when there is one.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct PolicyProblem {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The same place by position (`questions[4].answers[0].next`), as a program counts.
    pub position: String,
    pub code: PolicyProblemCode,
    pub detail: String,
}

impl PolicyProblem {
    /// A problem at `position`, named by the ids `policy` gives the items on the way.
    pub fn at(
        policy: &Policy,
        position: String,
        code: PolicyProblemCode,
        detail: String,
    ) -> PolicyProblem {
        PolicyProblem {
            path: name_position(&segments(&position), |items| policy.id_at(items)),
            line: None,
            position,
            code,
            detail,
        }
    }
}

impl fmt::Display for PolicyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.path.is_empty()) {
            (Some(line), true) => write!(f, "line {line}: {}", self.detail),
            (Some(line), false) => write!(f, "line {line}, {}: {}", self.path, self.detail),
            (None, _) => write!(f, "{}: {}", self.path, self.detail),
        }
    }
}

/// All problems of a policy, for the merchant to fix at once.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[error("the policy has {} problem(s):\n{}", .0.len(), lines(.0))]
pub struct PolicyErrors(pub Vec<PolicyProblem>);

fn lines(problems: &[PolicyProblem]) -> String {
    problems.iter().map(|p| format!("  - {p}\n")).collect()
}
