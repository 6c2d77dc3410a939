//! SQL for tickets, their timelines, access tokens and idempotency keys: filing a ticket, the
//! tickets a link opens and an agent's list here, the timeline in `events`.

mod events;
mod record;

use helpcenter_api::TicketSummary;
use helpcenter_core::TicketStatus;
use sqlx::Row;

use super::group::Grouped;
use super::names::corrupt;
use super::outbox::mail_writes;
use super::webhooks::webhook_writes;
use super::writes::Writes;
use super::{Store, StoreError, timestamp};

pub use events::{Appended, AttachedFile, NewEvent, Outgoing, TicketDetails};
pub(crate) use events::{EventRow, event_row};
use events::{event_writes, unattached};
pub use record::TicketRecord;

/// A new ticket, everything checked.
pub struct NewTicketRecord<'a> {
    pub ticket: TicketRecord,
    pub access_token_sha256: String,
    /// `(Idempotency-Key, SHA-256 of the request)`.
    pub idempotency: (&'a str, String),
    pub uploads: &'a [String],
    /// What the store's order system said, on a site that looks orders up.
    pub order: Option<&'a helpcenter_api::TicketOrder>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Created {
    Created,
    /// The key was used before for the same request: that ticket.
    Replayed(String),
    /// The key was used before for a different request.
    KeyReused,
    /// The generated id exists already; try another.
    IdTaken,
    /// An upload is unknown, unfinished, of another site or attached elsewhere.
    UploadUnavailable(String),
}

/// Filters for an agent's list.
#[derive(Clone, Debug, Default)]
pub struct TicketFilter {
    pub status: Option<TicketStatus>,
    pub order_number: Option<String>,
    pub customer_id: Option<String>,
    pub limit: u32,
}

impl Store {
    /// Creates a ticket with its first event, its access token and its evidence, or finds
    /// the ticket an earlier request with the same idempotency key made. In a transaction
    /// taken for writing at once (shared with the claims filed at the same moment), so
    /// concurrent duplicates queue rather than race.
    /// The mails and webhooks filing it causes (the receipt, the store's alert,
    /// `ticket.created`) are written in the same transaction.
    pub async fn create_ticket(
        &self,
        new: &NewTicketRecord<'_>,
        first: &NewEvent<'_>,
        outgoing: &Outgoing,
    ) -> Result<Created, StoreError> {
        let t = &new.ticket;
        let (key, request_sha256) = &new.idempotency;
        let mut writes = Writes::new();
        let ticket_row = writes.push_checked(
            "INSERT INTO tickets (id, site, status, resolution, category, answers, outcome, order_number, email, \
             description, delivered_on, locale, customer_id, created_at, updated_at, respond_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) ON CONFLICT (id) DO NOTHING",
            [
                (&t.id).into(),
                (&t.site).into(),
                (&t.status).into(),
                (&t.resolution).into(),
                (&t.category).into(),
                (&t.answers).into(),
                (&t.outcome).into(),
                (&t.order_number).into(),
                (&t.email).into(),
                (&t.description).into(),
                (&t.delivered_on).into(),
                (&t.locale).into(),
                (&t.customer_id).into(),
                (&t.created_at).into(),
                (&t.updated_at).into(),
                (&t.respond_by).into(),
            ],
        );
        // The key is claimed before anything else is written (so a retry is answered with
        // its ticket, not with its uploads found attached), and claiming it is the check:
        // one statement fewer on every claim than asking first (writers run one at a time).
        let key_claimed = writes.push_checked(
            "INSERT INTO idempotency_keys (site, key, request_sha256, ticket_id, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (site, key) DO NOTHING",
            [
                (&t.site).into(),
                (*key).into(),
                request_sha256.into(),
                (&t.id).into(),
                (&t.created_at).into(),
            ],
        );
        writes.push(
            "INSERT INTO ticket_access (token_sha256, ticket_id, created_at) VALUES ($1, $2, $3)",
            [
                (&new.access_token_sha256).into(),
                (&t.id).into(),
                (&t.created_at).into(),
            ],
        );
        let at = timestamp(first.at);
        let attached = event_writes(&mut writes, &t.id, 1, first, &at);
        if let Some(order) = new.order {
            super::orders::order_writes(&mut writes, &t.id, order)?;
        }
        mail_writes(&mut writes, &t.id, Some(1), &outgoing.mails);
        webhook_writes(&mut writes, &t.id, 1, &outgoing.webhooks);

        // Written with the other claims of the moment (`store::group`); alone, when any of
        // them found a row taken, in a transaction that says what happened.
        if self.write_grouped(writes.clone().into_owned()).await == Grouped::Written {
            return Ok(Created::Created);
        }
        let mut tx = self.begin_write().await?;
        match writes.run(&mut tx).await? {
            Ok(()) => {}
            // Dropping `tx` rolls back whatever was written.
            Err(stopped) if stopped == ticket_row => return Ok(Created::IdTaken),
            Err(stopped) if stopped == key_claimed => {
                let row = sqlx::query(
                    "SELECT request_sha256, ticket_id FROM idempotency_keys WHERE site = $1 AND key = $2",
                )
                .bind(&t.site)
                .bind(*key)
                .fetch_one(&mut *tx)
                .await?;
                let (sha, ticket_id): (String, String) = (row.try_get(0)?, row.try_get(1)?);
                return Ok(if &sha == request_sha256 {
                    Created::Replayed(ticket_id)
                } else {
                    Created::KeyReused
                });
            }
            Err(stopped) => {
                return Ok(Created::UploadUnavailable(unattached(
                    first, &attached, stopped,
                )));
            }
        }
        tx.commit().await?;
        Ok(Created::Created)
    }

    /// The ticket an idempotency key made, with the hash of the request that made it.
    pub async fn idempotent_ticket(
        &self,
        site: &str,
        key: &str,
    ) -> Result<Option<(String, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT ticket_id, request_sha256 FROM idempotency_keys WHERE site = $1 AND key = $2",
        )
        .bind(site)
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }

    pub async fn ticket(&self, id: &str) -> Result<Option<TicketRecord>, StoreError> {
        Ok(sqlx::query_as("SELECT * FROM tickets WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// The ticket, if this token (by its hash) opens it: one statement, as every shopper's
    /// read starts here.
    pub async fn ticket_opened_by(
        &self,
        id: &str,
        token_sha256: &str,
    ) -> Result<Option<TicketRecord>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT t.* FROM ticket_access a JOIN tickets t ON t.id = a.ticket_id \
             WHERE a.token_sha256 = $1 AND a.ticket_id = $2",
        )
        .bind(token_sha256)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn add_access_token(
        &self,
        ticket_id: &str,
        token_sha256: &str,
        at: jiff::Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO ticket_access (token_sha256, ticket_id, created_at) VALUES ($1, $2, $3)",
        )
        .bind(token_sha256)
        .bind(ticket_id)
        .bind(timestamp(at))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    pub async fn list_tickets(
        &self,
        site: &str,
        filter: &TicketFilter,
    ) -> Result<Vec<TicketSummary>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, category, outcome, status, updated_at, \
             (SELECT COALESCE(MAX(seq), 0) FROM ticket_events e WHERE e.ticket_id = tickets.id AND e.public = 1) \
             FROM tickets WHERE site = $1 \
             AND ($2 IS NULL OR status = $3) AND ($4 IS NULL OR order_number = $5) AND ($6 IS NULL OR customer_id = $7) \
             ORDER BY updated_at DESC LIMIT $8",
        )
        .bind(site)
        .bind(filter.status.map(TicketStatus::as_str))
        .bind(filter.status.map(TicketStatus::as_str))
        .bind(&filter.order_number)
        .bind(&filter.order_number)
        .bind(&filter.customer_id)
        .bind(&filter.customer_id)
        .bind(i64::from(filter.limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get(3)?;
                Ok(TicketSummary {
                    id: r.try_get(0)?,
                    category: r.try_get(1)?,
                    outcome: r.try_get(2)?,
                    status: TicketStatus::parse(&status)
                        .ok_or_else(|| corrupt("status", &status))?,
                    updated_at: r.try_get(4)?,
                    latest_event: u32::try_from(r.try_get::<i64, _>(5)?)
                        .map_err(|_| corrupt("latest event", "out of range"))?,
                })
            })
            .collect()
    }
}
