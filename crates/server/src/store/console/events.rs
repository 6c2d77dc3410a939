//! A ticket's whole timeline as an agent reads it, with who acted, and the site's event feed.

use helpcenter_api::EventActor;
use helpcenter_api::console::{AgentRef, ConsoleEventKind};
use helpcenter_core::{ResolutionKind, TicketStatus};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::store::names::{corrupt, from_name};
use crate::store::{SqlBuilder, Store, StoreError};

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

impl Store {
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
}
