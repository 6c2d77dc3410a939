//! A ticket's timeline: events added with the mails and webhooks they cause, and read back.

use std::borrow::Cow;

use helpcenter_api::{EventActor, EventKind, TicketEvent};
use helpcenter_core::{ResolutionKind, TicketStatus};
use sqlx::{Any, AnyConnection, Row, Transaction};

use super::record::TicketRecord;
use crate::store::names::{corrupt, from_name, name};
use crate::store::outbox::{NewMail, mail_writes};
use crate::store::webhooks::{NewWebhook, webhook_writes};
use crate::store::writes::{Value, Writes};
use crate::store::{Store, StoreError, timestamp};

/// What an event causes outside the ticket service, written to the outboxes in the event's
/// own transaction: a mail or a delivery exists exactly when its event does.
#[derive(Clone, Debug, Default)]
pub struct Outgoing {
    pub mails: Vec<NewMail>,
    pub webhooks: Vec<NewWebhook>,
}

/// A change to a ticket's timeline.
pub struct NewEvent<'a> {
    pub kind: EventKind,
    pub actor: EventActor,
    pub status: TicketStatus,
    pub resolution: Option<ResolutionKind>,
    pub message: Option<&'a str>,
    pub public: bool,
    pub uploads: &'a [String],
    pub at: jiff::Timestamp,
    /// The console agent who acted; `None` for the shopper, the system and the admin key.
    pub agent: Option<&'a str>,
}

#[derive(Debug, PartialEq)]
pub enum Appended {
    /// Recorded, in order; `site` is the ticket's, for the agents' site-wide stream.
    Appended {
        events: Vec<TicketEvent>,
        site: String,
    },
    /// The ticket was not in the expected status any more (someone acted meanwhile).
    StatusChanged,
    UploadUnavailable(String),
}

impl Store {
    /// Adds events in one transaction if the ticket is still `expected`, moving it through
    /// each event's status in turn (a request for information from a new ticket is review,
    /// then the request): all are recorded or none. The mails and webhooks the events cause
    /// are written to the outboxes in the same transaction: `outgoing` gets the ticket as it
    /// then stands, each event's number and the event, so a mail or a delivery exists exactly
    /// when its event does.
    pub async fn append_events(
        &self,
        ticket_id: &str,
        expected: TicketStatus,
        events: &[NewEvent<'_>],
        outgoing: impl Fn(&TicketRecord, u32, &NewEvent<'_>) -> Outgoing + Send,
    ) -> Result<Appended, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut stored = Vec::with_capacity(events.len());
        let mut site = String::new();
        let mut from = expected;
        for event in events {
            let updated: Option<String> = sqlx::query_scalar(
                "UPDATE tickets SET status = $1, resolution = COALESCE($2, resolution), updated_at = $3 \
                 WHERE id = $4 AND status = $5 RETURNING site",
            )
            .bind(event.status.as_str())
            .bind(event.resolution.map(name))
            .bind(timestamp(event.at))
            .bind(ticket_id)
            .bind(from.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            let Some(ticket_site) = updated else {
                return Ok(Appended::StatusChanged);
            };
            site = ticket_site;
            from = event.status;
            let seq: i64 = sqlx::query_scalar(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM ticket_events WHERE ticket_id = $1",
            )
            .bind(ticket_id)
            .fetch_one(&mut *tx)
            .await?;
            let seq = u32::try_from(seq)
                .map_err(|_| StoreError::Corrupt(format!("event number {seq}")))?;
            match insert_event(&mut tx, ticket_id, seq, event).await? {
                Err(upload) => return Ok(Appended::UploadUnavailable(upload)),
                Ok(event) => stored.push(event),
            }
        }
        let ticket: TicketRecord = sqlx::query_as("SELECT * FROM tickets WHERE id = $1")
            .bind(ticket_id)
            .fetch_one(&mut *tx)
            .await?;
        let planned: Vec<Outgoing> = events
            .iter()
            .zip(&stored)
            .map(|(event, written)| outgoing(&ticket, written.seq, event))
            .collect();
        let mut writes = Writes::new();
        for (planned, written) in planned.iter().zip(&stored) {
            mail_writes(&mut writes, ticket_id, Some(written.seq), &planned.mails);
            webhook_writes(&mut writes, ticket_id, written.seq, &planned.webhooks);
        }
        writes.run_all(&mut tx).await?;
        tx.commit().await?;
        Ok(Appended::Appended {
            events: stored,
            site,
        })
    }

    /// The timeline after event `after` (0 for all); internal notes only when asked for.
    /// The last `seq` of the ticket's timeline (0 for none), internal events included.
    pub async fn last_event_seq(&self, ticket_id: &str) -> Result<u32, StoreError> {
        let last: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(seq), 0) FROM ticket_events WHERE ticket_id = $1",
        )
        .bind(ticket_id)
        .fetch_one(&self.pool)
        .await?;
        u32::try_from(last).map_err(|_| StoreError::Corrupt(format!("event number {last}")))
    }

    pub async fn events(
        &self,
        ticket_id: &str,
        after: u32,
        internal: bool,
    ) -> Result<Vec<TicketEvent>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let attached = attached_files(&mut conn, ticket_id).await?;
        events_with(&mut conn, ticket_id, after, internal, &attached).await
    }

    /// The whole timeline, the files shown with it and what the store said about the order:
    /// what a ticket's view reads, in three statements on one connection (the attached files
    /// read once serve both; each checkout of a SQLite connection costs a round trip to its
    /// thread when it goes back to the pool, more than a statement as small as these).
    pub async fn ticket_details(
        &self,
        ticket_id: &str,
        internal: bool,
    ) -> Result<TicketDetails, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let attached = attached_files(&mut conn, ticket_id).await?;
        let timeline = events_with(&mut conn, ticket_id, 0, internal, &attached).await?;
        let order = crate::store::orders::order_of(&mut conn, ticket_id).await?;
        Ok(TicketDetails {
            timeline,
            evidence: evidence_of(attached),
            order,
        })
    }
}

/// What a ticket's view shows beside the ticket's own row ([`Store::ticket_details`]).
#[derive(Clone, Debug)]
pub struct TicketDetails {
    pub timeline: Vec<TicketEvent>,
    /// The files shown as its evidence.
    pub evidence: Vec<AttachedFile>,
    /// What the store's order system said, on a site that looks orders up.
    pub order: Option<helpcenter_api::TicketOrder>,
}

/// Every file attached to the ticket, in the order they came.
async fn attached_files(
    conn: &mut AnyConnection,
    ticket_id: &str,
) -> Result<Vec<AttachedFile>, StoreError> {
    let rows = sqlx::query(
        "SELECT event_seq, id, filename, media_type, length FROM uploads WHERE ticket_id = $1 \
         ORDER BY created_at",
    )
    .bind(ticket_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AttachedFile {
                event_seq: r.try_get(0)?,
                id: r.try_get(1)?,
                filename: r.try_get(2)?,
                media_type: r.try_get(3)?,
                bytes: r.try_get(4)?,
            })
        })
        .collect()
}

async fn events_with(
    conn: &mut AnyConnection,
    ticket_id: &str,
    after: u32,
    internal: bool,
    attached: &[AttachedFile],
) -> Result<Vec<TicketEvent>, StoreError> {
    let rows = sqlx::query(
        "SELECT seq, kind, actor, status, resolution, body, created_at FROM ticket_events \
         WHERE ticket_id = $1 AND seq > $2 AND (public = 1 OR $3 = 1) AND kind <> 'assigned' \
         ORDER BY seq",
    )
    .bind(ticket_id)
    .bind(i64::from(after))
    .bind(i64::from(internal))
    .fetch_all(&mut *conn)
    .await?;
    let mut events = Vec::with_capacity(rows.len());
    for row in rows {
        let seq: i64 = row.try_get("seq")?;
        let evidence = attached
            .iter()
            .filter(|u| u.event_seq == Some(seq))
            .map(|u| u.id.clone())
            .collect();
        events.push(TicketEvent {
            seq: u32::try_from(seq)
                .map_err(|_| StoreError::Corrupt(format!("event number {seq}")))?,
            at: row.try_get("created_at")?,
            kind: from_name(&row.try_get::<String, _>("kind")?, "event kind")?,
            actor: from_name(&row.try_get::<String, _>("actor")?, "actor")?,
            status: {
                let status: String = row.try_get("status")?;
                TicketStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?
            },
            resolution: row
                .try_get::<Option<String>, _>("resolution")?
                .map(|r| from_name(&r, "resolution"))
                .transpose()?,
            message: row.try_get("body")?,
            evidence,
        });
    }
    Ok(events)
}

/// Writes one event and attaches its uploads; `Err(upload id)` when an upload cannot be
/// attached (the caller drops the transaction, undoing everything).
pub(super) async fn insert_event(
    tx: &mut Transaction<'_, Any>,
    ticket_id: &str,
    seq: u32,
    event: &NewEvent<'_>,
) -> Result<Result<TicketEvent, String>, StoreError> {
    let at = timestamp(event.at);
    let mut writes = Writes::new();
    let attached = event_writes(&mut writes, ticket_id, seq, event, &at);
    Ok(match writes.run(tx).await? {
        Ok(()) => Ok(TicketEvent {
            seq,
            at,
            kind: event.kind,
            actor: event.actor,
            status: event.status,
            resolution: event.resolution,
            message: event.message.map(str::to_owned),
            evidence: event.uploads.to_vec(),
        }),
        Err(stopped) => Err(unattached(event, &attached, stopped)),
    })
}

/// The writes of event `seq` (written `at`): its row, then each upload it brings attached
/// (each must still be free: the indexes of those statements, in the uploads' order).
pub(super) fn event_writes<'q>(
    writes: &mut Writes<'q>,
    ticket_id: &'q str,
    seq: u32,
    event: &NewEvent<'q>,
    at: &'q str,
) -> Vec<usize> {
    event_row(
        writes,
        ticket_id,
        seq,
        EventRow {
            kind: name(event.kind).into(),
            actor: name(event.actor).into(),
            status: event.status,
            resolution: event.resolution,
            body: event.message,
            public: event.public,
            agent: event.agent,
            at,
        },
    );
    event
        .uploads
        .iter()
        .map(|upload| {
            writes.push_checked(
                "UPDATE uploads SET ticket_id = $1, event_seq = $2 WHERE id = $3 \
                 AND site = (SELECT site FROM tickets WHERE id = $1) AND ticket_id IS NULL AND completed_at IS NOT NULL",
                [ticket_id.into(), i64::from(seq).into(), upload.into()],
            )
        })
        .collect()
}

/// The upload whose statement (of [`event_writes`]' `attached`) stopped the write.
pub(super) fn unattached(event: &NewEvent<'_>, attached: &[usize], stopped: usize) -> String {
    let i = attached.iter().position(|&a| a == stopped).unwrap_or(0);
    event.uploads.get(i).cloned().unwrap_or_default()
}

/// A file attached to a ticket, with the timeline event it came with.
#[derive(Clone, Debug)]
pub struct AttachedFile {
    pub event_seq: Option<i64>,
    pub id: String,
    pub filename: String,
    /// None for a file whose type was never known (it is not shown as evidence).
    pub media_type: Option<String>,
    pub bytes: i64,
}

/// The files shown as the ticket's evidence: those of a known type, event by event, each
/// event's in the order they came (`attached` is in that order).
fn evidence_of(attached: Vec<AttachedFile>) -> Vec<AttachedFile> {
    let mut evidence: Vec<AttachedFile> = attached
        .into_iter()
        .filter(|f| f.media_type.is_some())
        .collect();
    evidence.sort_by_key(|f| f.event_seq);
    evidence
}

/// One row of `ticket_events` as written, whatever its kind.
pub(crate) struct EventRow<'a> {
    pub kind: Cow<'a, str>,
    pub actor: Cow<'a, str>,
    pub status: TicketStatus,
    pub resolution: Option<ResolutionKind>,
    pub body: Option<&'a str>,
    pub public: bool,
    pub agent: Option<&'a str>,
    pub at: &'a str,
}

/// A timeline row with the next site-wide `event_no` (the agents' stream cursor): taken
/// inside the writer's transaction, so numbers follow commit order.
pub(crate) fn event_row<'q>(
    writes: &mut Writes<'q>,
    ticket_id: &'q str,
    seq: u32,
    row: EventRow<'q>,
) {
    writes.push(
        "INSERT INTO ticket_events (ticket_id, seq, kind, actor, status, resolution, body, public, \
         created_at, agent_id, event_no) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, (SELECT COALESCE(MAX(event_no), 0) + 1 FROM ticket_events))",
        [
            ticket_id.into(),
            i64::from(seq).into(),
            Value::Text(Some(row.kind)),
            Value::Text(Some(row.actor)),
            row.status.as_str().into(),
            row.resolution.map(name).into(),
            row.body.into(),
            i64::from(row.public).into(),
            row.at.into(),
            row.agent.into(),
        ],
    );
    // Every instance's streams hear of it on commit (src/events.rs); PostgreSQL only, where
    // several instances share the database.
    writes.push_on_postgres(
        "SELECT pg_notify($1, site || ' ' || id || ' ' || $2) FROM tickets WHERE id = $3",
        [
            crate::events::CHANNEL.into(),
            seq.to_string().into(),
            ticket_id.into(),
        ],
    );
}
