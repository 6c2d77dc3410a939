//! SQL of `ticket_orders`, what the store's order system said about a ticket's order, and of
//! `order_lookups`, the store's recent answers (migration 0013).

use helpcenter_api::{OrderVerification, TicketOrder};
use helpcenter_core::{DeliverySource, StoreOrder};
use sqlx::{AnyConnection, Row};

use super::writes::Writes;
use super::{Store, StoreError, timestamp};

/// How long an answer is kept at most, whatever a site's `cache_seconds`.
pub const LOOKUP_KEPT_FOR: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);

/// How a shopper's email is found among cached lookups without keeping it in clear.
pub fn email_key(email: &str) -> String {
    crate::auth::sha256_hex(&email.trim().to_lowercase())
}

fn verification_text(v: OrderVerification) -> &'static str {
    match v {
        OrderVerification::Verified => "verified",
        OrderVerification::Unverified => "unverified",
    }
}

fn source_text(s: DeliverySource) -> &'static str {
    match s {
        DeliverySource::Store => "store",
        DeliverySource::Shopper => "shopper",
    }
}

/// The row of what the store said about `ticket_id`'s order, written with the ticket.
pub(crate) fn order_writes<'q>(
    writes: &mut Writes<'q>,
    ticket_id: &'q str,
    order: &'q TicketOrder,
) -> Result<(), StoreError> {
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("ticket order: {e}"));
    let store_order = order
        .store_order
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(corrupt)?;
    let items = serde_json::to_string(&order.items).map_err(corrupt)?;
    writes.push(
        "INSERT INTO ticket_orders (ticket_id, verification, unverified_reason, delivered_on_source, \
         store_order, items, checked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [
            ticket_id.into(),
            verification_text(order.verification).into(),
            (&order.unverified_reason).into(),
            source_text(order.delivered_on_source).into(),
            store_order.into(),
            items.into(),
            order.checked_at.as_str().into(),
        ],
    );
    Ok(())
}

/// What the store said about `ticket_id`'s order, on a connection already checked out; `None`
/// on a site that does not look orders up.
pub(crate) async fn order_of(
    conn: &mut AnyConnection,
    ticket_id: &str,
) -> Result<Option<TicketOrder>, StoreError> {
    let Some(row) = sqlx::query(
        "SELECT verification, unverified_reason, delivered_on_source, store_order, items, \
         checked_at FROM ticket_orders WHERE ticket_id = $1",
    )
    .bind(ticket_id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let corrupt = |what: &str| StoreError::Corrupt(format!("ticket_orders.{what} of {ticket_id}"));
    let verification = match row.try_get::<String, _>(0)?.as_str() {
        "verified" => OrderVerification::Verified,
        "unverified" => OrderVerification::Unverified,
        _ => return Err(corrupt("verification")),
    };
    let delivered_on_source = match row.try_get::<String, _>(2)?.as_str() {
        "store" => DeliverySource::Store,
        "shopper" => DeliverySource::Shopper,
        _ => return Err(corrupt("delivered_on_source")),
    };
    let store_order = row
        .try_get::<Option<String>, _>(3)?
        .map(|json| serde_json::from_str(&json))
        .transpose()
        .map_err(|_| corrupt("store_order"))?;
    let items =
        serde_json::from_str(&row.try_get::<String, _>(4)?).map_err(|_| corrupt("items"))?;
    Ok(Some(TicketOrder {
        verification,
        unverified_reason: row.try_get(1)?,
        delivered_on_source,
        store_order,
        items,
        checked_at: row.try_get(5)?,
    }))
}

impl Store {
    /// What the store said about `ticket_id`'s order; `None` on a site that does not look
    /// orders up.
    pub async fn ticket_order(&self, ticket_id: &str) -> Result<Option<TicketOrder>, StoreError> {
        order_of(&mut *self.pool.acquire().await?, ticket_id).await
    }

    /// The store's answer about `order_number` and `email` on `site` given since `since`:
    /// `Some(Some(order))` found, `Some(None)` not found, `None` when not asked since.
    pub async fn recent_order_lookup(
        &self,
        site: &str,
        order_number: &str,
        email: &str,
        since: jiff::Timestamp,
    ) -> Result<Option<Option<StoreOrder>>, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT answer FROM order_lookups WHERE site = $1 AND order_number = $2 \
             AND email_sha256 = $3 AND asked_at >= $4",
        )
        .bind(site)
        .bind(order_number)
        .bind(email_key(email))
        .bind(timestamp(since))
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let answer = row
            .try_get::<Option<String>, _>(0)?
            .map(|json| serde_json::from_str(&json))
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("order_lookups.answer: {e}")))?;
        Ok(Some(answer))
    }

    /// Keeps the store's answer (`None`: not found) for the next look, and forgets answers
    /// older than [`LOOKUP_KEPT_FOR`].
    pub async fn keep_order_lookup(
        &self,
        site: &str,
        order_number: &str,
        email: &str,
        answer: Option<&StoreOrder>,
        now: jiff::Timestamp,
    ) -> Result<(), StoreError> {
        let answer = answer
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("order lookup: {e}")))?;
        sqlx::query(
            "INSERT INTO order_lookups (site, order_number, email_sha256, answer, asked_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (site, order_number, email_sha256) \
             DO UPDATE SET answer = excluded.answer, asked_at = excluded.asked_at",
        )
        .bind(site)
        .bind(order_number)
        .bind(email_key(email))
        .bind(answer)
        .bind(timestamp(now))
        .execute(&self.writer)
        .await?;
        let stale = now.checked_sub(LOOKUP_KEPT_FOR).unwrap_or(now);
        sqlx::query("DELETE FROM order_lookups WHERE asked_at < $1")
            .bind(timestamp(stale))
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// The store's answers kept about the shopper with `email` on `site` (for `admin shopper
    /// export`): the order number, the order (null when not found), when asked.
    pub async fn order_lookups_of_shopper(
        &self,
        site: &str,
        email: &str,
    ) -> Result<Vec<serde_json::Value>, StoreError> {
        let rows = sqlx::query(
            "SELECT order_number, answer, asked_at FROM order_lookups \
             WHERE site = $1 AND email_sha256 = $2 ORDER BY asked_at",
        )
        .bind(site)
        .bind(email_key(email))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let answer: Option<String> = row.try_get(1)?;
                let order = answer
                    .map(|json| serde_json::from_str(&json))
                    .transpose()
                    .map_err(|e| StoreError::Corrupt(format!("order_lookups.answer: {e}")))?
                    .unwrap_or(serde_json::Value::Null);
                Ok(serde_json::json!({
                    "order_number": row.try_get::<String, _>(0)?,
                    "order": order,
                    "asked_at": row.try_get::<String, _>(2)?,
                }))
            })
            .collect()
    }

    /// Forgets the store's answers about the shopper with `email` on `site` (`admin shopper
    /// erase`); how many there were.
    pub async fn erase_order_lookups(&self, site: &str, email: &str) -> Result<u64, StoreError> {
        Ok(
            sqlx::query("DELETE FROM order_lookups WHERE site = $1 AND email_sha256 = $2")
                .bind(site)
                .bind(email_key(email))
                .execute(&self.writer)
                .await?
                .rows_affected(),
        )
    }
}
