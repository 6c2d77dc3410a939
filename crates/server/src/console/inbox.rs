//! The inbox: one page of the site's tickets, filtered, searched and sorted, with a cursor to
//! the next page that only this server's pages give.

use helpcenter_api::ErrorCode;
use helpcenter_api::console::{AssigneeFilter, DueFilter, InboxPage, InboxQuery};
use helpcenter_core::limits::MAX_TICKET_ID_BYTES;

use super::days::end_of_today;
use crate::sites::Site;
use crate::store::agents::AgentRecord;
use crate::store::console::{AssigneeIs, InboxCursor, InboxFilter};
use crate::store::timestamp;
use crate::{AppError, AppState};

/// Rows of an inbox page when the query names none, and at most.
pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 200;
/// Characters of a search.
const MAX_SEARCH_CHARS: usize = 254;

/// The cursor of a page's last row, opaque to clients: the sort it belongs to, the row's
/// sort key and its id, base64url.
fn encode_cursor(sort: helpcenter_api::console::InboxSort, cursor: &InboxCursor) -> String {
    use base64::Engine;
    let tag = match sort {
        helpcenter_api::console::InboxSort::Updated => "u",
        helpcenter_api::console::InboxSort::RespondBy => "r",
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("{tag}\n{}\n{}", cursor.key, cursor.id))
}

fn decode_cursor(
    sort: helpcenter_api::console::InboxSort,
    text: &str,
) -> Result<InboxCursor, AppError> {
    use base64::Engine;
    let invalid = || {
        AppError::BadInput(
            ErrorCode::CursorInvalid,
            "`after` is not a cursor this server gave for this order; start from the first page"
                .into(),
        )
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.trim())
        .map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let mut parts = text.split('\n');
    let (Some(tag), Some(key), Some(id), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    let expected = match sort {
        helpcenter_api::console::InboxSort::Updated => "u",
        helpcenter_api::console::InboxSort::RespondBy => "r",
    };
    if tag != expected || key.len() > 64 || id.len() > MAX_TICKET_ID_BYTES {
        return Err(invalid());
    }
    Ok(InboxCursor {
        key: key.to_owned(),
        id: id.to_owned(),
    })
}

/// One page of the inbox.
pub async fn inbox(
    state: &AppState,
    site: &Site,
    agent: &AgentRecord,
    query: InboxQuery,
) -> Result<InboxPage, AppError> {
    let sort = query.sort.unwrap_or_default();
    let limit = crate::routes::extract::page_limit(query.limit, DEFAULT_PAGE, MAX_PAGE)?;
    let after = query
        .after
        .as_deref()
        .map(|a| decode_cursor(sort, a))
        .transpose()?;
    let now = timestamp(jiff::Timestamp::now());
    let search = query
        .q
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(|q| {
            let q: String = q.chars().take(MAX_SEARCH_CHARS).collect();
            (
                q.to_uppercase(),
                site.policy.order_number.normalize(&q),
                q.to_lowercase(),
            )
        });
    let filter = InboxFilter {
        statuses: query.status.map(|s| s.0).unwrap_or_default(),
        category: query.category.filter(|c| !c.is_empty()),
        outcome: query.outcome.filter(|o| !o.is_empty()),
        assignee: query.assignee.map(|a| match a {
            AssigneeFilter::Me => AssigneeIs::Agent(agent.id.clone()),
            AssigneeFilter::Unassigned => AssigneeIs::Nobody,
            AssigneeFilter::Agent(id) => AssigneeIs::Agent(id),
        }),
        due_before: query.due.map(|due| match due {
            DueFilter::Overdue => now.clone(),
            DueFilter::Today => end_of_today(site),
        }),
        search,
    };
    let (items, more, counts) = state
        .store
        .inbox(&site.key, &filter, sort, after.as_ref(), limit)
        .await?;
    let next = match (more, items.last()) {
        (true, Some(last)) => Some(encode_cursor(
            sort,
            &InboxCursor {
                key: match sort {
                    helpcenter_api::console::InboxSort::Updated => last.updated_at.clone(),
                    helpcenter_api::console::InboxSort::RespondBy => last.respond_by.clone(),
                },
                id: last.id.clone(),
            },
        )),
        _ => None,
    };
    Ok(InboxPage {
        items,
        counts,
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use helpcenter_api::console::InboxSort;

    #[test]
    fn a_cursor_reads_back_for_its_own_order_only() {
        let cursor = InboxCursor {
            key: "2026-12-03T07:00:00.000000Z".into(),
            id: "HC-7F3K9Q".into(),
        };
        let text = encode_cursor(InboxSort::Updated, &cursor);
        assert_eq!(decode_cursor(InboxSort::Updated, &text).ok(), Some(cursor));
        assert!(decode_cursor(InboxSort::RespondBy, &text).is_err());
        for junk in ["", "!!", "dQ", &text[..text.len() - 3]] {
            assert!(decode_cursor(InboxSort::Updated, junk).is_err(), "{junk}");
        }
    }
}
