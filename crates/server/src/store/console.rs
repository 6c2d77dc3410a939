//! SQL for the agents' console: the inbox (filters, search, keyset pages, counts per status),
//! a ticket's whole timeline with who acted, its evidence with what the bytes are,
//! assignment, the site-wide event feed, and the rows insights are counted from.

use helpcenter_api::EventActor;
use helpcenter_api::console::{AgentRef, ConsoleEventKind, InboxItem, InboxSort, StatusCounts};
use helpcenter_core::{CivilDate, MediaType, ResolutionKind, TicketStatus};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::names::{corrupt, from_name};
use super::tickets::{EventRow, TicketRecord, insert_event_row};
use super::webhooks::{NewWebhook, insert_webhooks};
use super::{SqlBuilder, Store, StoreError};

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

/// One event of a timeline as the console shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsoleEventRow {
    pub ticket_id: String,
    pub event_no: i64,
    pub seq: u32,
    pub at: String,
    pub kind: ConsoleEventKind,
    pub actor: EventActor,
    pub status: TicketStatus,
    pub resolution: Option<ResolutionKind>,
    pub body: Option<String>,
    pub public: bool,
    pub agent: Option<AgentRef>,
    /// The agent id an `assigned` event names, and their name.
    pub assigned_to: Option<AgentRef>,
    pub evidence: Vec<String>,
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

/// A ticket filed in a period, with what insights count about it.
#[derive(Clone, Debug, PartialEq)]
pub struct InsightRow {
    pub category: String,
    pub outcome: String,
    pub status: TicketStatus,
    pub resolution: Option<ResolutionKind>,
    pub created_at: String,
    pub respond_by: String,
    /// The first public event by an agent (message, request or change of status).
    pub first_answer_at: Option<String>,
    /// Escalated at some point.
    pub disputed: bool,
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

    /// A ticket's whole timeline, internal events included, with who acted.
    pub async fn console_events(
        &self,
        ticket_id: &str,
    ) -> Result<Vec<ConsoleEventRow>, StoreError> {
        let rows = sqlx::query(EVENT_SELECT_BY_TICKET)
            .bind(ticket_id)
            .fetch_all(&self.pool)
            .await?;
        let attached = self.attached(&[ticket_id.to_owned()]).await?;
        rows.iter()
            .map(|row| event_from_row(row, &attached))
            .collect()
    }

    /// Events of `site`'s tickets after the site-wide number `after`, oldest first, at most
    /// `limit`.
    pub async fn site_events_after(
        &self,
        site: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<ConsoleEventRow>, StoreError> {
        let rows = sqlx::query(EVENT_SELECT_BY_SITE)
            .bind(site)
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        let mut tickets: Vec<String> = rows
            .iter()
            .filter_map(|r| r.try_get::<String, _>("ticket_id").ok())
            .collect();
        tickets.sort();
        tickets.dedup();
        let attached = self.attached(&tickets).await?;
        rows.iter()
            .map(|row| event_from_row(row, &attached))
            .collect()
    }

    /// The newest site-wide event number of `site` (0 when none).
    pub async fn site_last_event(&self, site: &str) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COALESCE(MAX(e.event_no), 0) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.site = $1",
        )
        .bind(site)
        .fetch_one(&self.pool)
        .await?)
    }

    /// `(ticket id, event seq, upload id)` of the files attached to these tickets.
    async fn attached(&self, tickets: &[String]) -> Result<Vec<(String, i64, String)>, StoreError> {
        let mut all = Vec::new();
        for chunk in tickets.chunks(200) {
            let mut query = SqlBuilder::new(
                "SELECT ticket_id, event_seq, id FROM uploads WHERE event_seq IS NOT NULL AND ticket_id IN (",
            );
            query
                .push_bind_list(chunk.iter().map(String::as_str))
                .push(") ORDER BY created_at");
            let (sql, args) = query.finish();
            for row in sqlx::query_with(&sql, args).fetch_all(&self.pool).await? {
                all.push((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?));
            }
        }
        Ok(all)
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
        insert_event_row(
            &mut tx,
            ticket_id,
            seq,
            &EventRow {
                kind: "assigned",
                actor: "agent",
                status: expected,
                resolution: None,
                body: assignee,
                public: false,
                agent: Some(by),
                at,
            },
        )
        .await?;
        let ticket: TicketRecord = sqlx::query_as("SELECT * FROM tickets WHERE id = $1")
            .bind(ticket_id)
            .fetch_one(&mut *tx)
            .await?;
        insert_webhooks(&mut tx, ticket_id, seq, &webhooks(&ticket, seq)).await?;
        tx.commit().await?;
        Ok(Some(i64::from(seq)))
    }

    /// The claims of `site` filed in `[from, until)` (RFC 3339 UTC), with their first
    /// answer and whether they were disputed.
    pub async fn insight_rows(
        &self,
        site: &str,
        from: &str,
        until: &str,
    ) -> Result<Vec<InsightRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT t.category, t.outcome, t.status, t.resolution, t.created_at, t.respond_by, \
             (SELECT MIN(e.created_at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.actor = 'agent' AND e.public = 1) AS first_answer_at, \
             (SELECT COUNT(*) FROM ticket_events e WHERE e.ticket_id = t.id AND e.status = 'escalated') AS escalations \
             FROM tickets t WHERE t.site = $1 AND t.created_at >= $2 AND t.created_at < $3",
        )
        .bind(site)
        .bind(from)
        .bind(until)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get("status")?;
                Ok(InsightRow {
                    category: r.try_get("category")?,
                    outcome: r.try_get("outcome")?,
                    status: TicketStatus::parse(&status)
                        .ok_or_else(|| corrupt("status", &status))?,
                    resolution: r
                        .try_get::<Option<String>, _>("resolution")?
                        .map(|x| from_name(&x, "resolution"))
                        .transpose()?,
                    created_at: r.try_get("created_at")?,
                    respond_by: r.try_get("respond_by")?,
                    first_answer_at: r.try_get("first_answer_at")?,
                    disputed: r.try_get::<i64, _>("escalations")? > 0,
                })
            })
            .collect()
    }

    /// `(overdue now, escalated now)` of `site`, whenever filed.
    pub async fn open_figures(&self, site: &str, now: &str) -> Result<(u32, u32), StoreError> {
        let row = sqlx::query(
            "SELECT \
             COALESCE(SUM(CASE WHEN status IN ('submitted', 'in_review', 'escalated') AND respond_by < $1 THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN status = 'escalated' THEN 1 ELSE 0 END), 0) \
             FROM tickets WHERE site = $2",
        )
        .bind(now)
        .bind(site)
        .fetch_one(&self.pool)
        .await?;
        let count = |i: usize| -> Result<u32, StoreError> {
            Ok(u32::try_from(row.try_get::<i64, _>(i)?).unwrap_or(u32::MAX))
        };
        Ok((count(0)?, count(1)?))
    }
}

#[cfg(test)]
/// What both event statements below read, in this order (checked by a test).
const EVENT_COLUMNS: &str = "e.ticket_id, e.event_no, e.seq, e.kind, e.actor, e.status, e.resolution, \
     e.body, e.public, e.created_at, e.agent_id, a.name AS agent_name, b.name AS assigned_name";

const EVENT_SELECT_BY_TICKET: &str = "SELECT e.ticket_id, e.event_no, e.seq, e.kind, e.actor, e.status, e.resolution, \
     e.body, e.public, e.created_at, e.agent_id, a.name AS agent_name, b.name AS assigned_name \
     FROM ticket_events e LEFT JOIN agents a ON a.id = e.agent_id \
     LEFT JOIN agents b ON e.kind = 'assigned' AND b.id = e.body \
     WHERE e.ticket_id = $1 ORDER BY e.seq";

const EVENT_SELECT_BY_SITE: &str = "SELECT e.ticket_id, e.event_no, e.seq, e.kind, e.actor, e.status, e.resolution, \
     e.body, e.public, e.created_at, e.agent_id, a.name AS agent_name, b.name AS assigned_name \
     FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id \
     LEFT JOIN agents a ON a.id = e.agent_id \
     LEFT JOIN agents b ON e.kind = 'assigned' AND b.id = e.body \
     WHERE t.site = $1 AND e.event_no > $2 ORDER BY e.event_no LIMIT $3";

fn event_from_row(
    row: &AnyRow,
    attached: &[(String, i64, String)],
) -> Result<ConsoleEventRow, StoreError> {
    let ticket_id: String = row.try_get("ticket_id")?;
    let seq: i64 = row.try_get("seq")?;
    let kind: String = row.try_get("kind")?;
    let status: String = row.try_get("status")?;
    let agent_id: Option<String> = row.try_get("agent_id")?;
    let agent_name: Option<String> = row.try_get("agent_name")?;
    let body: Option<String> = row.try_get("body")?;
    let kind: ConsoleEventKind = from_name(&kind, "event kind")?;
    let assigned_to = match kind {
        ConsoleEventKind::Assigned => body.clone().map(|id| AgentRef {
            name: row
                .try_get::<Option<String>, _>("assigned_name")
                .ok()
                .flatten()
                .unwrap_or_else(|| id.clone()),
            id,
        }),
        _ => None,
    };
    Ok(ConsoleEventRow {
        evidence: attached
            .iter()
            .filter(|(t, s, _)| t == &ticket_id && *s == seq)
            .map(|(_, _, id)| id.clone())
            .collect(),
        event_no: row.try_get::<Option<i64>, _>("event_no")?.unwrap_or(0),
        seq: u32::try_from(seq).map_err(|_| corrupt("event number", &seq.to_string()))?,
        at: row.try_get("created_at")?,
        kind,
        actor: from_name(&row.try_get::<String, _>("actor")?, "actor")?,
        status: TicketStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?,
        resolution: row
            .try_get::<Option<String>, _>("resolution")?
            .map(|r| from_name(&r, "resolution"))
            .transpose()?,
        body: if kind == ConsoleEventKind::Assigned {
            None
        } else {
            body
        },
        public: row.try_get::<i64, _>("public")? == 1,
        agent: agent_id.map(|id| AgentRef {
            name: agent_name.unwrap_or_else(|| id.clone()),
            id,
        }),
        assigned_to,
        ticket_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_event_statements_read_the_same_columns() {
        for statement in [EVENT_SELECT_BY_TICKET, EVENT_SELECT_BY_SITE] {
            assert!(
                statement.starts_with(&format!("SELECT {EVENT_COLUMNS}")),
                "{statement}"
            );
        }
    }

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
