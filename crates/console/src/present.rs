//! Pure functions behind the screens: how sizes, durations and days read, where the selection
//! goes on `j`/`k`, how a live change lands in the inbox, how a saved reply reads for a
//! ticket, and the arithmetic of the charts. No DOM here, so all of it is unit-tested natively.

use helpcenter_core::{CivilDate, TicketStatus};

use crate::wire::{AssigneeFilter, InboxItem, InboxQuery, InboxSort, ReplyPlaceholders};
use crate::words::PolicyWords;

/// `1.4 MB`, `820 KB`, `512 B`: decimal units, as file managers show them.
pub fn file_size(bytes: u64) -> String {
    if bytes >= 1_000_000 {
        format!("{:.1} MB", bytes as f64 / 1_000_000.0)
    } else if bytes >= 1_000 {
        format!("{} KB", (bytes + 500) / 1_000)
    } else {
        format!("{bytes} B")
    }
}

/// `0:07`, `1:05`, `1:02:03`.
pub fn duration(seconds: f64) -> String {
    let total = seconds.max(0.0).round() as u64;
    let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// `transit_damage_late` → `Transit damage late`: an outcome's id as words, for policies
/// whose outcomes carry no title of their own.
pub fn humanize(id: &str) -> String {
    let words = id.replace(['_', '-'], " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A category's title in `locale`, or its id as words when the policy does not know it (any
/// more).
pub fn category_title(policy: Option<&PolicyWords>, locale: &str, id: &str) -> String {
    policy
        .and_then(|p| {
            p.categories
                .iter()
                .find(|c| c.id == id)
                .map(|c| p.text(locale, &c.title).to_owned())
        })
        .unwrap_or_else(|| humanize(id))
}

/// A saved reply as the shopper will read it: `{ticket_id}`, `{order_number}` and
/// `{respond_by}` filled in (helpcenter-core's rule, the server's too).
pub fn expand_reply(template: &str, values: &ReplyPlaceholders) -> String {
    helpcenter_core::expand_reply(template, values)
}

/// The saved reply's text in the shopper's language (`zh…` → Chinese), falling back to the
/// other language when that one is empty.
pub fn reply_in<'r>(body_en: &'r str, body_zh: &'r str, shopper_locale: &str) -> &'r str {
    let chinese = shopper_locale.to_ascii_lowercase().starts_with("zh");
    match (
        chinese,
        body_en.trim().is_empty(),
        body_zh.trim().is_empty(),
    ) {
        (true, _, false) | (false, true, false) => body_zh,
        _ => body_en,
    }
}

/// Where the inbox's selection goes on `j` (`+1`) or `k` (`-1`): the first row when nothing
/// is selected yet, and it stays on the ends rather than wrapping.
pub fn step_selection(current: Option<usize>, len: usize, delta: i32) -> Option<usize> {
    if len == 0 {
        return None;
    }
    Some(match current {
        None if delta < 0 => len - 1,
        None => 0,
        Some(i) => {
            let i = i.min(len - 1) as i64 + i64::from(delta);
            i.clamp(0, len as i64 - 1) as usize
        }
    })
}

/// Whether a ticket belongs in an inbox showing `query`, judged from its row: every filter
/// but the due ones (which need the site's clock; the server's next page judges those).
pub fn matches(query: &InboxQuery, item: &InboxItem, me: &str) -> bool {
    if let Some(statuses) = query.status.as_ref().filter(|s| !s.0.is_empty())
        && !statuses.0.contains(&item.status)
    {
        return false;
    }
    if query.category.as_ref().is_some_and(|c| c != &item.category) {
        return false;
    }
    if query.outcome.as_ref().is_some_and(|o| o != &item.outcome) {
        return false;
    }
    let assignee = item.assignee.as_ref().map(|a| a.id.as_str());
    match &query.assignee {
        Some(AssigneeFilter::Me) if assignee != Some(me) => return false,
        Some(AssigneeFilter::Unassigned) if assignee.is_some() => return false,
        Some(AssigneeFilter::Agent(id)) if assignee != Some(id.as_str()) => return false,
        _ => {}
    }
    if let Some(q) = query.q.as_ref().map(|q| q.trim().to_lowercase())
        && !q.is_empty()
        && ![&item.id, &item.order_number, &item.email]
            .iter()
            .any(|field| field.to_lowercase().starts_with(&q))
    {
        return false;
    }
    true
}

/// The inbox after a live change to `item`: replaced where it is, dropped if it no longer
/// matches, or put where the order puts it if it is new to the list. Rows already loaded
/// stay; nothing is re-read.
pub fn apply_change(
    rows: &[InboxItem],
    item: InboxItem,
    belongs: bool,
    sort: InboxSort,
) -> Vec<InboxItem> {
    let mut rows: Vec<InboxItem> = rows.iter().filter(|r| r.id != item.id).cloned().collect();
    if !belongs {
        return rows;
    }
    let position = match sort {
        // The change just happened: it is the newest.
        InboxSort::Updated => 0,
        // RFC 3339 UTC times of one format order as text.
        InboxSort::RespondBy => rows
            .iter()
            .position(|r| r.respond_by > item.respond_by)
            .unwrap_or(rows.len()),
    };
    rows.insert(position, item);
    rows
}

/// Statuses still waiting on the store: these can be overdue.
pub fn waits_on_store(status: TicketStatus) -> bool {
    matches!(
        status,
        TicketStatus::Submitted | TicketStatus::InReview | TicketStatus::Escalated
    )
}

/// A photo whose capture day is before the parcel arrived cannot show what arrived.
pub fn taken_before_delivery(captured: Option<CivilDate>, delivered: Option<CivilDate>) -> bool {
    matches!((captured, delivered), (Some(c), Some(d)) if c < d)
}

/// A round top for a chart's axis: 1, 2, 5 × 10ⁿ at or above `max` (at least 1).
pub fn nice_ceiling(max: u32) -> u32 {
    let max = max.max(1);
    let mut step = 1u32;
    loop {
        for m in [1, 2, 5] {
            let candidate = step.saturating_mul(m);
            if candidate >= max {
                return candidate;
            }
        }
        step = step.saturating_mul(10);
    }
}

/// One segment of a stacked bar: which series, and where it starts and ends in counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub key: String,
    pub from: u32,
    pub to: u32,
}

/// Stacks one bar's counts in the order of `keys` (the legend's), skipping empty ones.
pub fn stack(keys: &[String], counts: &[(String, u32)]) -> Vec<Segment> {
    let mut base = 0;
    let mut out = Vec::new();
    for key in keys {
        let count = counts
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, c)| *c)
            .sum::<u32>();
        if count > 0 {
            out.push(Segment {
                key: key.clone(),
                from: base,
                to: base + count,
            });
            base += count;
        }
    }
    out
}

/// The series of a chart, largest first, each once, so the legend and the colours agree.
pub fn series_keys<'a>(groups: impl IntoIterator<Item = &'a [(String, u32)]>) -> Vec<String> {
    let mut totals: Vec<(String, u32)> = Vec::new();
    for group in groups {
        for (key, count) in group {
            match totals.iter_mut().find(|(k, _)| k == key) {
                Some((_, total)) => *total += count,
                None => totals.push((key.clone(), *count)),
            }
        }
    }
    totals.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    totals.into_iter().map(|(k, _)| k).collect()
}

/// A pie's slice as an SVG path on a circle of radius `r` around (`cx`, `cy`), from `start`
/// to `end`, fractions of a turn measured clockwise from 12 o'clock.
pub fn arc_path(cx: f64, cy: f64, r: f64, start: f64, end: f64) -> String {
    use std::f64::consts::TAU;
    if end - start >= 0.999_999 {
        // A whole circle: two half arcs (one arc cannot start and end at the same point).
        return format!(
            "M {cx} {} A {r} {r} 0 1 1 {cx} {} A {r} {r} 0 1 1 {cx} {} Z",
            cy - r,
            cy + r,
            cy - r
        );
    }
    let point = |f: f64| {
        let angle = f * TAU;
        (cx + r * angle.sin(), cy - r * angle.cos())
    };
    let (x0, y0) = point(start);
    let (x1, y1) = point(end);
    let large = if end - start > 0.5 { 1 } else { 0 };
    format!("M {cx} {cy} L {x0:.2} {y0:.2} A {r} {r} 0 {large} 1 {x1:.2} {y1:.2} Z")
}

/// `0.857` → `86`.
pub fn percent(share: f64) -> String {
    format!("{:.0}", (share * 100.0).clamp(0.0, 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{AgentRef, StatusList};

    fn item(id: &str, status: TicketStatus, respond_by: &str) -> InboxItem {
        InboxItem {
            id: id.into(),
            status,
            resolution: None,
            category: "product_quality".into(),
            outcome: "transit_damage".into(),
            order_number: "10023456".into(),
            email: "Wei@Example.com".into(),
            created_at: "2026-12-01T08:00:00Z".into(),
            respond_by: respond_by.into(),
            updated_at: "2026-12-01T08:00:00Z".into(),
            assignee: None,
        }
    }

    #[test]
    fn a_message_of_the_sites_stream_is_read_without_its_event() {
        let row = item("HC-7F3K9Q", TicketStatus::InReview, "2026-12-04T14:00:00Z");
        let message = serde_json::json!({
            "cursor": 42,
            "ticket_id": "HC-7F3K9Q",
            "event": {"anything": ["the server", "sends"], "seq": 3},
            "ticket": serde_json::to_value(&row).expect("a row"),
        });
        let change: crate::wire::LiveChange =
            serde_json::from_value(message).expect("the stream's message");
        assert_eq!(change.cursor, 42);
        assert_eq!(change.ticket_id, "HC-7F3K9Q");
        assert_eq!(change.ticket, row);
    }

    #[test]
    fn sizes_and_durations_read_as_people_write_them() {
        assert_eq!(file_size(512), "512 B");
        assert_eq!(file_size(820_400), "820 KB");
        assert_eq!(file_size(1_432_000), "1.4 MB");
        assert_eq!(duration(7.4), "0:07");
        assert_eq!(duration(65.0), "1:05");
        assert_eq!(duration(3723.0), "1:02:03");
        assert_eq!(humanize("transit_damage_late"), "Transit damage late");
    }

    #[test]
    fn j_and_k_walk_the_list_and_stop_at_its_ends() {
        assert_eq!(step_selection(None, 0, 1), None);
        assert_eq!(step_selection(None, 3, 1), Some(0));
        assert_eq!(step_selection(None, 3, -1), Some(2));
        assert_eq!(step_selection(Some(0), 3, 1), Some(1));
        assert_eq!(step_selection(Some(2), 3, 1), Some(2));
        assert_eq!(step_selection(Some(0), 3, -1), Some(0));
        // The list shrank under the selection (a live change took a row away).
        assert_eq!(step_selection(Some(7), 3, -1), Some(1));
    }

    #[test]
    fn a_saved_reply_is_filled_in_for_the_ticket_in_the_shoppers_language() {
        let values = ReplyPlaceholders {
            ticket_id: "HC-7F3K9Q".into(),
            order_number: "10023456".into(),
            respond_by: "4 Dec 2026, 14:00".into(),
        };
        assert_eq!(
            expand_reply(
                "About {ticket_id} (order {order_number}): by {respond_by}. {unknown}",
                &values
            ),
            "About HC-7F3K9Q (order 10023456): by 4 Dec 2026, 14:00. {unknown}"
        );
        assert_eq!(reply_in("Hello", "你好", "zh-CN"), "你好");
        assert_eq!(reply_in("Hello", "你好", "en"), "Hello");
        assert_eq!(reply_in("Hello", " ", "zh-CN"), "Hello");
        assert_eq!(reply_in("", "你好", "en"), "你好");
    }

    #[test]
    fn a_live_change_lands_where_the_order_puts_it_and_leaves_when_filtered_out() {
        let rows = vec![
            item("HC-A", TicketStatus::Submitted, "2026-12-02T10:00:00Z"),
            item("HC-B", TicketStatus::Submitted, "2026-12-03T10:00:00Z"),
        ];
        let new = item("HC-C", TicketStatus::Submitted, "2026-12-02T12:00:00Z");
        let by_due = apply_change(&rows, new.clone(), true, InboxSort::RespondBy);
        let ids: Vec<&str> = by_due.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["HC-A", "HC-C", "HC-B"]);
        let by_change = apply_change(&rows, new, true, InboxSort::Updated);
        assert_eq!(by_change[0].id, "HC-C");
        let moved = item("HC-A", TicketStatus::InReview, "2026-12-02T10:00:00Z");
        let gone = apply_change(&rows, moved, false, InboxSort::Updated);
        let ids: Vec<&str> = gone.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["HC-B"]);
    }

    #[test]
    fn the_inbox_filters_are_judged_from_a_row() {
        let mut row = item("HC-7F3K9Q", TicketStatus::Submitted, "2026-12-02T10:00:00Z");
        let open = InboxQuery {
            status: Some(StatusList(vec![TicketStatus::Submitted])),
            ..InboxQuery::default()
        };
        assert!(matches(&open, &row, "ag_1"));
        let mine = InboxQuery {
            assignee: Some(AssigneeFilter::Me),
            ..InboxQuery::default()
        };
        assert!(!matches(&mine, &row, "ag_1"));
        row.assignee = Some(AgentRef {
            id: "ag_1".into(),
            name: "Wei".into(),
        });
        assert!(matches(&mine, &row, "ag_1"));
        assert!(!matches(&mine, &row, "ag_2"));
        for q in ["hc-7f", "1002", "wei@example"] {
            let search = InboxQuery {
                q: Some(q.into()),
                ..InboxQuery::default()
            };
            assert!(matches(&search, &row, "ag_1"), "{q}");
        }
        let other = InboxQuery {
            q: Some("anna".into()),
            category: Some("product_quality".into()),
            ..InboxQuery::default()
        };
        assert!(!matches(&other, &row, "ag_1"));
        row.status = TicketStatus::Closed;
        assert!(!matches(&open, &row, "ag_1"));
    }

    #[test]
    fn chart_axes_end_on_round_numbers_and_bars_stack_in_legend_order() {
        assert_eq!(nice_ceiling(0), 1);
        assert_eq!(nice_ceiling(3), 5);
        assert_eq!(nice_ceiling(7), 10);
        assert_eq!(nice_ceiling(11), 20);
        assert_eq!(nice_ceiling(240), 500);
        let week1 = vec![("a".to_owned(), 2), ("b".to_owned(), 5)];
        let week2 = vec![("b".to_owned(), 1), ("c".to_owned(), 4)];
        let keys = series_keys([week1.as_slice(), week2.as_slice()]);
        assert_eq!(keys, ["b", "c", "a"]);
        assert_eq!(
            stack(&keys, &week1),
            [
                Segment {
                    key: "b".into(),
                    from: 0,
                    to: 5
                },
                Segment {
                    key: "a".into(),
                    from: 5,
                    to: 7
                }
            ]
        );
    }

    #[test]
    fn pie_slices_start_at_twelve_and_a_whole_pie_is_a_circle() {
        assert_eq!(
            arc_path(50.0, 50.0, 40.0, 0.0, 0.25),
            "M 50 50 L 50.00 10.00 A 40 40 0 0 1 90.00 50.00 Z"
        );
        assert!(arc_path(50.0, 50.0, 40.0, 0.0, 0.75).contains(" 0 1 1 "));
        assert!(arc_path(50.0, 50.0, 40.0, 0.0, 1.0).starts_with("M 50 10 A"));
        assert_eq!(percent(0.857), "86");
    }

    #[test]
    fn a_photo_taken_before_the_delivery_is_flagged() {
        let day = |s: &str| s.parse::<CivilDate>().ok();
        assert!(taken_before_delivery(day("2026-11-01"), day("2026-11-20")));
        assert!(!taken_before_delivery(day("2026-11-20"), day("2026-11-20")));
        assert!(!taken_before_delivery(None, day("2026-11-20")));
    }

    #[test]
    fn categories_read_in_the_agents_language_from_the_sites_policy() {
        let json = serde_json::to_string(&helpcenter_core::Policy::builtin()).expect("json");
        let words: PolicyWords = serde_json::from_str(&json).expect("the policy's words");
        assert_eq!(
            category_title(Some(&words), "en", "product_quality"),
            "Product quality: it's faulty, broken or not working"
        );
        assert_eq!(
            category_title(Some(&words), "zh-CN", "product_quality"),
            "商品质量：有故障、损坏或无法使用"
        );
        assert!(words.outcomes.iter().any(|o| o.id == "transit_damage"));
        assert_eq!(category_title(None, "en", "old_category"), "Old category");
    }
}
