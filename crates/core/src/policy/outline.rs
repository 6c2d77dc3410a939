//! The whole tree as indented text, for `helpcenter-server policy show` and reviews.

use std::fmt::Write as _;

use super::{Node, Policy};

impl Policy {
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
}
