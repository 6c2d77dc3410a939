//! SQL for data-subject requests and retention: everything kept about a shopper, found by
//! their email, and erasing a ticket's personal data while keeping its number for the store's
//! books. Plain portable SQL (`lower()` is in both engines).

use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::{Column, Row, TypeInfo};

use super::{Store, StoreError, timestamp};

/// The tables that hold something of a ticket's shopper, and the column naming the ticket.
/// Token and link hashes are left out of exports: they are secrets' hashes, not data about
/// the shopper.
const EXPORTED: [(&str, &str); 4] = [
    (
        "ticket_events",
        "SELECT kind, actor, status, resolution, body, public, created_at FROM ticket_events WHERE ticket_id = $1 ORDER BY seq",
    ),
    (
        "uploads",
        "SELECT id, filename, media_type, length, width, height, duration_seconds, content_sha256, captured_on, location_removed, created_at, completed_at FROM uploads WHERE ticket_id = $1 ORDER BY created_at",
    ),
    (
        "ticket_orders",
        "SELECT verification, unverified_reason, delivered_on_source, store_order, items, checked_at FROM ticket_orders WHERE ticket_id = $1",
    ),
    (
        "mail_outbox",
        "SELECT kind, recipient, locale, state, created_at, sent_at FROM mail_outbox WHERE ticket_id = $1 ORDER BY created_at",
    ),
];

impl Store {
    /// The site's tickets filed with `email` (any case) whose personal data is still kept.
    pub async fn tickets_of_shopper(
        &self,
        site: &str,
        email: &str,
    ) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM tickets WHERE site = $1 AND lower(email) = lower($2) \
             AND erased_at IS NULL ORDER BY created_at",
        )
        .bind(site)
        .bind(email.trim())
        .fetch_all(&self.pool)
        .await?)
    }

    /// Closed tickets of `site` last changed before `cutoff` (RFC 3339) and not erased yet,
    /// oldest first, at most `limit`.
    pub async fn closed_before(
        &self,
        site: &str,
        cutoff: jiff::Timestamp,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM tickets WHERE site = $1 AND status = 'closed' AND updated_at < $2 \
             AND erased_at IS NULL ORDER BY updated_at LIMIT $3",
        )
        .bind(site)
        .bind(timestamp(cutoff))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    /// The uploads a ticket holds (whose bytes are its evidence).
    pub async fn evidence_ids(&self, ticket_id: &str) -> Result<Vec<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT id FROM uploads WHERE ticket_id = $1")
                .bind(ticket_id)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Everything kept of one ticket, as JSON: the ticket, its timeline (internal notes
    /// included), its files' facts and the mails sent about it.
    pub async fn ticket_export(&self, ticket_id: &str) -> Result<Value, StoreError> {
        let ticket = sqlx::query(
            "SELECT id, site, status, resolution, category, answers, outcome, order_number, \
             email, description, delivered_on, locale, customer_id, created_at, updated_at \
             FROM tickets WHERE id = $1",
        )
        .bind(ticket_id)
        .fetch_one(&self.pool)
        .await?;
        let mut out = row_json(&ticket);
        for (name, sql) in EXPORTED {
            let rows = sqlx::query(sql)
                .bind(ticket_id)
                .fetch_all(&self.pool)
                .await?;
            out.insert(
                name.into(),
                rows.iter().map(|r| Value::Object(row_json(r))).collect(),
            );
        }
        Ok(Value::Object(out))
    }

    /// Removes a ticket's personal data in one transaction: its contact details, order and
    /// customer, description, the text of every message, its files' rows, mails, links and
    /// access tokens, webhook deliveries, what the store's order system said of its order. The ticket number, site, category, outcome, status, resolution and
    /// dates stay. The evidence bytes are deleted by the caller first.
    pub async fn erase_ticket(
        &self,
        ticket_id: &str,
        now: jiff::Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for sql in [
            "DELETE FROM ticket_links WHERE ticket_id = $1",
            "DELETE FROM mail_outbox WHERE ticket_id = $1",
            // A webhook's payload carries the shopper's email and order number.
            "DELETE FROM webhook_attempts WHERE delivery_id IN \
             (SELECT id FROM webhook_outbox WHERE ticket_id = $1)",
            "DELETE FROM webhook_outbox WHERE ticket_id = $1",
            "DELETE FROM ticket_access WHERE ticket_id = $1",
            // The store's order: its items, carrier and tracking number.
            "DELETE FROM ticket_orders WHERE ticket_id = $1",
            "DELETE FROM uploads WHERE ticket_id = $1",
            "UPDATE ticket_events SET body = NULL WHERE ticket_id = $1",
        ] {
            sqlx::query(sql).bind(ticket_id).execute(&mut *tx).await?;
        }
        sqlx::query(
            "UPDATE tickets SET email = '', order_number = '', description = '', \
             delivered_on = NULL, customer_id = NULL, erased_at = $1 WHERE id = $2",
        )
        .bind(timestamp(now))
        .bind(ticket_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A row as a JSON object, by its columns' types.
fn row_json(row: &AnyRow) -> Map<String, Value> {
    row.columns()
        .iter()
        .map(|column| {
            let i = column.ordinal();
            let integer = || {
                row.try_get::<Option<i64>, _>(i)
                    .ok()
                    .flatten()
                    .map(Value::from)
            };
            let real = || {
                row.try_get::<Option<f64>, _>(i)
                    .ok()
                    .flatten()
                    .map(Value::from)
            };
            let text = || {
                row.try_get::<Option<String>, _>(i)
                    .ok()
                    .flatten()
                    .map(Value::from)
            };
            let value = match column.type_info().name() {
                "SMALLINT" | "INTEGER" | "BIGINT" => integer().or_else(text),
                "REAL" | "DOUBLE" => real().or_else(integer),
                _ => text().or_else(integer).or_else(real),
            };
            (column.name().to_owned(), value.unwrap_or(Value::Null))
        })
        .collect()
}
