//! SQL for the agents' console: the inbox (filters, search, keyset pages, counts per status),
//! a ticket's whole timeline with who acted, its evidence with what the bytes are,
//! assignment, the site-wide event feed, and the rows insights are counted from.
//!
//! The timeline and the event feed are in `events`, the insights' rows in `insights`.

mod events;
mod insights;

use helpcenter_api::console::{AgentRef, InboxItem, InboxSort, StatusCounts};
use helpcenter_core::{CivilDate, MediaType, TicketStatus};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::names::{corrupt, from_name};
use super::tickets::{EventRow, TicketRecord, event_row};
use super::webhooks::{NewWebhook, webhook_writes};
use super::writes::Writes;
use super::{SqlBuilder, Store, StoreError};

pub use events::ConsoleEventRow;
pub use insights::InsightRow;

/// Statuses in which the store owes the shopper an answer: what "overdue" counts.
pub const WAITING_FOR_STORE: [TicketStatus; 3] = [
    TicketStatus::Submitted,
    TicketStatus::InReview,
    TicketStatus::Escalated,
];

/// Whose tickets, resolved to ids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AssigneeIs {
    Agent(String),
    Nobody,
}

/// The inbox's filters, checked and resolved (the agent's own id for `me`, the site's day).
#[derive(Clone, Debug, Default)]
pub struct InboxFilter {
    pub statuses: Vec<TicketStatus>,
    pub category: Option<String>,
    pub outcome: Option<String>,
    pub assignee: Option<AssigneeIs>,
    /// Waiting for the store with `respond_by` before this (RFC 3339 UTC).
    pub due_before: Option<String>,
    /// `(ticket id prefix, order number prefix, lower-case email prefix)`.
    pub search: Option<(String, String, String)>,
}

/// Where the previous page ended, in the page's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboxCursor {
    /// `updated_at` or `respond_by` of the last row.
    pub key: String,
    pub id: String,
}

/// A file of a ticket with what its bytes are.
#[derive(Clone, Debug, PartialEq)]
pub struct EvidenceRow {
    pub id: String,
    pub filename: String,
    pub media_type: MediaType,
    pub bytes: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub duration_seconds: Option<f64>,
    pub captured_on: Option<CivilDate>,
    pub location_removed: bool,
    pub event_seq: Option<u32>,
}

const ITEM_COLUMNS: &str = "t.id, t.status, t.resolution, t.category, t.outcome, t.order_number, \
     t.email, t.created_at, t.respond_by, t.updated_at, t.assignee, a.name AS assignee_name";

fn item_from_row(row: &AnyRow) -> Result<InboxItem, StoreError> {
    let status: String = row.try_get("status")?;
    let assignee: Option<String> = row.try_get("assignee")?;
    let assignee_name: Option<String> = row.try_get("assignee_name")?;
    Ok(InboxItem {
        id: row.try_get("id")?,
        status: TicketStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?,
        resolution: row
            .try_get::<Option<String>, _>("resolution")?
            .map(|r| from_name(&r, "resolution"))
            .transpose()?,
        category: row.try_get("category")?,
        outcome: row.try_get("outcome")?,
        order_number: row.try_get("order_number")?,
        email: row.try_get("email")?,
        created_at: row.try_get("created_at")?,
        respond_by: row.try_get("respond_by")?,
        updated_at: row.try_get("updated_at")?,
        assignee: assignee.map(|id| AgentRef {
            name: assignee_name.unwrap_or_else(|| id.clone()),
            id,
        }),
    })
}

/// The range of text that starts with `prefix`: `[prefix, prefix + the last character)`.
fn prefix_range(prefix: &str) -> (String, String) {
    (prefix.to_owned(), format!("{prefix}\u{10FFFF}"))
}

/// The filters but `status`, as `AND …` clauses on `t`.
fn push_filters(query: &mut SqlBuilder<'_>, site: &str, filter: &InboxFilter) {
    // With a search, each of its alternatives names the site itself (below), so that each
    // reads an index of its own; otherwise the site is the first condition.
    if filter.search.is_none() {
        query.push(" WHERE t.site = ");
        query.push_bind(site.to_owned());
    } else {
        query.push(" WHERE 1 = 1");
    }
    if let Some(category) = &filter.category {
        query.push(" AND t.category = ").push_bind(category.clone());
    }
    if let Some(outcome) = &filter.outcome {
        query.push(" AND t.outcome = ").push_bind(outcome.clone());
    }
    match &filter.assignee {
        None => {}
        Some(AssigneeIs::Nobody) => {
            query.push(" AND t.assignee IS NULL");
        }
        Some(AssigneeIs::Agent(id)) => {
            query.push(" AND t.assignee = ").push_bind(id.clone());
        }
    }
    if let Some(before) = &filter.due_before {
        query
            .push(" AND t.status IN (")
            .push_bind_list(WAITING_FOR_STORE.map(TicketStatus::as_str))
            .push(") AND t.respond_by < ")
            .push_bind(before.clone());
    }
    if let Some((id, order, email)) = &filter.search {
        // Each alternative is a range on an index of its own (the ticket id, the site's
        // order numbers, the site's lower-cased emails), so a search reads the matches, not
        // the site's every ticket.
        query.push(" AND (");
        for (i, (column, prefix)) in [
            ("t.id", id),
            ("t.order_number", order),
            ("lower(t.email)", email),
        ]
        .into_iter()
        .enumerate()
        {
            if i > 0 {
                query.push(" OR ");
            }
            let (from, until) = prefix_range(prefix);
            query
                .push("(t.site = ")
                .push_bind(site.to_owned())
                .push(format!(" AND {column} >= "))
                .push_bind(from)
                .push(format!(" AND {column} < "))
                .push_bind(until)
                .push(")");
        }
        query.push(")");
    }
}

fn push_statuses(query: &mut SqlBuilder<'_>, statuses: &[TicketStatus]) {
    if statuses.is_empty() {
        return;
    }
    query
        .push(" AND t.status IN (")
        .push_bind_list(statuses.iter().map(|s| s.as_str()))
        .push(")");
}

impl Store {
    /// One page of the inbox (`limit` rows, and whether more follow) and the counts per
    /// status of every ticket matching the filters but `status`.
    pub async fn inbox(
        &self,
        site: &str,
        filter: &InboxFilter,
        sort: InboxSort,
        after: Option<&InboxCursor>,
        limit: u32,
    ) -> Result<(Vec<InboxItem>, bool, StatusCounts), StoreError> {
        let mut query = SqlBuilder::new(format!(
            "SELECT {ITEM_COLUMNS} FROM tickets t LEFT JOIN agents a ON a.id = t.assignee"
        ));
        push_filters(&mut query, site, filter);
        push_statuses(&mut query, &filter.statuses);
        let (column, before, order) = match sort {
            InboxSort::Updated => ("t.updated_at", "<", "DESC"),
            InboxSort::RespondBy => ("t.respond_by", ">", "ASC"),
        };
        if let Some(cursor) = after {
            query
                .push(format!(" AND ({column} {before} "))
                .push_bind(cursor.key.clone())
                .push(format!(" OR ({column} = "))
                .push_bind(cursor.key.clone())
                .push(format!(" AND t.id {before} "))
                .push_bind(cursor.id.clone())
                .push("))");
        }
        query.push(format!(" ORDER BY {column} {order}, t.id {order} LIMIT "));
        query.push_bind(i64::from(limit) + 1);
        let (sql, args) = query.finish();
        let rows = sqlx::query_with(&sql, args).fetch_all(&self.pool).await?;
        let mut items = rows
            .iter()
            .map(item_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let more = items.len() > limit as usize;
        items.truncate(limit as usize);

        let mut counting = SqlBuilder::new("SELECT t.status, COUNT(*) FROM tickets t");
        push_filters(&mut counting, site, filter);
        counting.push(" GROUP BY t.status");
        let mut counts = StatusCounts::default();
        let (sql, args) = counting.finish();
        for row in sqlx::query_with(&sql, args).fetch_all(&self.pool).await? {
            let status: String = row.try_get(0)?;
            let count: i64 = row.try_get(1)?;
            let status = TicketStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?;
            counts.set(status, u32::try_from(count).unwrap_or(u32::MAX));
        }
        Ok((items, more, counts))
    }

    /// Inbox rows of some tickets of `site` (another site's are not found).
    pub async fn inbox_items(
        &self,
        site: &str,
        ids: &[String],
    ) -> Result<Vec<InboxItem>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut query = SqlBuilder::new(format!(
            "SELECT {ITEM_COLUMNS} FROM tickets t LEFT JOIN agents a ON a.id = t.assignee WHERE t.site = "
        ));
        query
            .push_bind(site)
            .push(" AND t.id IN (")
            .push_bind_list(ids.iter().take(500).map(String::as_str))
            .push(")");
        let (sql, args) = query.finish();
        let rows = sqlx::query_with(&sql, args).fetch_all(&self.pool).await?;
        rows.iter().map(item_from_row).collect()
    }

    /// A ticket of `site`, or `None` for another site's or none: the console's every
    /// ticket request is scoped by this, in SQL.
    pub async fn site_ticket(
        &self,
        site: &str,
        id: &str,
    ) -> Result<Option<super::tickets::TicketRecord>, StoreError> {
        Ok(
            sqlx::query_as("SELECT * FROM tickets WHERE id = $1 AND site = $2")
                .bind(id)
                .bind(site)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// A ticket's files with what inspection found in them.
    pub async fn evidence_facts(&self, ticket_id: &str) -> Result<Vec<EvidenceRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, filename, media_type, length, width, height, duration_seconds, captured_on, location_removed, event_seq \
             FROM uploads WHERE ticket_id = $1 AND media_type IS NOT NULL ORDER BY event_seq, created_at",
        )
        .bind(ticket_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let media_type: String = r.try_get("media_type")?;
                let captured_on: Option<String> = r.try_get("captured_on")?;
                let number = |name: &str| -> Result<Option<u32>, StoreError> {
                    Ok(r.try_get::<Option<i64>, _>(name)?
                        .and_then(|n| u32::try_from(n).ok()))
                };
                Ok(EvidenceRow {
                    id: r.try_get("id")?,
                    filename: r.try_get("filename")?,
                    media_type: from_name(&media_type, "media type")?,
                    bytes: u64::try_from(r.try_get::<i64, _>("length")?)
                        .map_err(|_| corrupt("length", "negative"))?,
                    width: number("width")?,
                    height: number("height")?,
                    duration_seconds: r.try_get("duration_seconds")?,
                    captured_on: captured_on.and_then(|d| d.parse().ok()),
                    location_removed: r.try_get::<i64, _>("location_removed")? != 0,
                    event_seq: number("event_seq")?,
                })
            })
            .collect()
    }

    /// Gives a ticket of `site` to an agent (or nobody) if it is still `expected`, with an
    /// agents-only `assigned` event and the webhooks it causes (`webhooks` gets the ticket as
    /// it then stands and the event's number); `None` when it changed meanwhile.
    pub async fn assign(
        &self,
        ticket_id: &str,
        expected: TicketStatus,
        assignee: Option<&str>,
        by: &str,
        at: &str,
        webhooks: impl Fn(&TicketRecord, u32) -> Vec<NewWebhook> + Send,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.begin_write().await?;
        let updated = sqlx::query(
            "UPDATE tickets SET assignee = $1, updated_at = $2 WHERE id = $3 AND status = $4",
        )
        .bind(assignee)
        .bind(at)
        .bind(ticket_id)
        .bind(expected.as_str())
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Ok(None);
        }
        let seq: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM ticket_events WHERE ticket_id = $1",
        )
        .bind(ticket_id)
        .fetch_one(&mut *tx)
        .await?;
        let seq = u32::try_from(seq).map_err(|_| corrupt("event number", &seq.to_string()))?;
        let ticket: TicketRecord = sqlx::query_as("SELECT * FROM tickets WHERE id = $1")
            .bind(ticket_id)
            .fetch_one(&mut *tx)
            .await?;
        let webhooks = webhooks(&ticket, seq);
        let mut writes = Writes::new();
        event_row(
            &mut writes,
            ticket_id,
            seq,
            EventRow {
                kind: "assigned".into(),
                actor: "agent".into(),
                status: expected,
                resolution: None,
                body: assignee,
                public: false,
                agent: Some(by),
                at,
            },
        );
        webhook_writes(&mut writes, ticket_id, seq, &webhooks);
        writes.run_all(&mut tx).await?;
        tx.commit().await?;
        Ok(Some(i64::from(seq)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_range_holds_exactly_the_texts_that_start_with_it() {
        let (from, until) = prefix_range("HC-7F");
        for inside in ["HC-7F", "HC-7F3K9Q", "HC-7F\u{FFFF}"] {
            assert!(
                from.as_str() <= inside && inside < until.as_str(),
                "{inside}"
            );
        }
        for outside in ["HC-7E", "HC-7G", "HC-7", "hc-7f3"] {
            assert!(
                !(from.as_str() <= outside && outside < until.as_str()),
                "{outside}"
            );
        }
    }
}
