//! SQL of `ticket_orders`: what the store's order system said about a ticket's order.

use helpcenter_api::{OrderVerification, TicketOrder};
use helpcenter_core::DeliverySource;
use sqlx::{Row, Sqlite, Transaction};

use super::{Store, StoreError};

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

/// Records `order` for `ticket_id`, inside the transaction that creates the ticket.
pub async fn insert(
    tx: &mut Transaction<'_, Sqlite>,
    ticket_id: &str,
    order: &TicketOrder,
) -> Result<(), StoreError> {
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("ticket order: {e}"));
    let store_order = order
        .store_order
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(corrupt)?;
    let items = serde_json::to_string(&order.items).map_err(corrupt)?;
    sqlx::query(
        "INSERT INTO ticket_orders (ticket_id, verification, unverified_reason, delivered_on_source, \
         store_order, items, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(ticket_id)
    .bind(verification_text(order.verification))
    .bind(&order.unverified_reason)
    .bind(source_text(order.delivered_on_source))
    .bind(store_order)
    .bind(items)
    .bind(&order.checked_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// What the store said about `ticket_id`'s order; `None` on a site that does not look
    /// orders up.
    pub async fn ticket_order(&self, ticket_id: &str) -> Result<Option<TicketOrder>, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT verification, unverified_reason, delivered_on_source, store_order, items, \
             checked_at FROM ticket_orders WHERE ticket_id = ?",
        )
        .bind(ticket_id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let corrupt =
            |what: &str| StoreError::Corrupt(format!("ticket_orders.{what} of {ticket_id}"));
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
}
