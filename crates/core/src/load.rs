//! Reading a policy from TOML: the built-in default and a merchant's override file.

use crate::check::{PolicyErrors, PolicyProblem, PolicyProblemCode};
use crate::policy::Policy;

/// The built-in default: help-center-policy.txt as a decision tree. Also the documented
/// starting point for a merchant's own file.
pub const DEFAULT_POLICY_TOML: &str = include_str!("../policy/default.toml");

impl Policy {
    /// Parses and checks a policy file, reporting every problem found.
    pub fn from_toml(text: &str) -> Result<Policy, PolicyErrors> {
        let policy: Policy = toml::from_str(text).map_err(|e| {
            let path = match e.span() {
                Some(span) => {
                    let before = &text[..span.start.min(text.len())];
                    let line = before.matches('\n').count() + 1;
                    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                    format!("line {line}, column {column}")
                }
                None => "(file)".to_owned(),
            };
            PolicyErrors(vec![PolicyProblem {
                path,
                code: PolicyProblemCode::Syntax,
                detail: e.message().trim().to_owned(),
            }])
        })?;
        policy.check()?;
        Ok(policy)
    }

    /// The built-in default policy.
    pub fn builtin() -> Policy {
        // The tests check this file; a broken one never ships.
        Policy::from_toml(DEFAULT_POLICY_TOML).expect("the built-in policy is valid")
    }
}
