//! Saved replies: a site's stock answers, with placeholders filled in for the ticket they are
//! used on. The console previews a reply with [`expand_reply`] as the agent picks it; the
//! server fills in the same values, so what the agent saw is what the shopper reads.

use serde::{Deserialize, Serialize};

/// What a saved reply's placeholders stand for on one ticket.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplyPlaceholders {
    /// `{ticket_id}`, e.g. `HC-7F3K9Q`.
    pub ticket_id: String,
    /// `{order_number}`, as normalised on the ticket.
    pub order_number: String,
    /// `{respond_by}`: when the store promised its first answer, in the site's time zone
    /// (`2026-12-04 14:00 (Asia/Shanghai)`).
    pub respond_by: String,
}

/// The placeholders a saved reply may use, as written in it.
pub const PLACEHOLDERS: [&str; 3] = ["{ticket_id}", "{order_number}", "{respond_by}"];

/// `template` with each known placeholder replaced by its value; any other text in braces is
/// left as written, so a reply that speaks of `{something}` is not silently emptied.
pub fn expand_reply(template: &str, values: &ReplyPlaceholders) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let value = [
            ("{ticket_id}", values.ticket_id.as_str()),
            ("{order_number}", values.order_number.as_str()),
            ("{respond_by}", values.respond_by.as_str()),
        ]
        .into_iter()
        .find(|(name, _)| tail.starts_with(name));
        match value {
            Some((name, value)) => {
                out.push_str(value);
                rest = &tail[name.len()..];
            }
            None => {
                out.push('{');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The placeholders a template uses that this rulebook does not know (`{order}` for
/// `{order_number}`), so a merchant hears of a typo when saving, not from a shopper.
pub fn unknown_placeholders(template: &str) -> Vec<String> {
    let mut unknown = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let tail = &rest[start..];
        let Some(end) = tail.find('}') else { break };
        let candidate = &tail[..=end];
        let inner = &candidate[1..candidate.len() - 1];
        let looks_like_one =
            !inner.is_empty() && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if looks_like_one
            && !PLACEHOLDERS.contains(&candidate)
            && !unknown.iter().any(|u| u == candidate)
        {
            unknown.push(candidate.to_owned());
        }
        rest = &tail[1..];
    }
    unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> ReplyPlaceholders {
        ReplyPlaceholders {
            ticket_id: "HC-7F3K9Q".into(),
            order_number: "10023456".into(),
            respond_by: "2026-12-04 14:00 (Asia/Shanghai)".into(),
        }
    }

    #[test]
    fn every_placeholder_is_filled_in_each_time_it_appears() {
        let text = expand_reply(
            "Ticket {ticket_id} for order {order_number}: we answer by {respond_by}. ({ticket_id})",
            &values(),
        );
        assert_eq!(
            text,
            "Ticket HC-7F3K9Q for order 10023456: we answer by 2026-12-04 14:00 (Asia/Shanghai). (HC-7F3K9Q)"
        );
        assert_eq!(
            expand_reply("您的订单 {order_number} 已收到", &values()),
            "您的订单 10023456 已收到"
        );
    }

    #[test]
    fn other_braces_stay_as_written_and_values_are_not_expanded_again() {
        let sneaky = ReplyPlaceholders {
            ticket_id: "{order_number}".into(),
            ..values()
        };
        assert_eq!(
            expand_reply("{ticket_id} {unknown} { {", &sneaky),
            "{order_number} {unknown} { {"
        );
        assert_eq!(expand_reply("", &values()), "");
        assert_eq!(
            expand_reply("no placeholders", &values()),
            "no placeholders"
        );
    }

    #[test]
    fn unknown_placeholders_are_named_once() {
        assert_eq!(
            unknown_placeholders("{order} and {order} but {order_number}, {a b}, {}"),
            ["{order}"]
        );
        assert!(unknown_placeholders("Order {order_number} by {respond_by}").is_empty());
    }
}
