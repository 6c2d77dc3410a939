//! SQL shared by the two outboxes (mail, webhooks): both are queues per ticket and recipient
//! (an address, or a site's endpoint) delivered in the order written, and both are worked by
//! every server instance at once ([`crate::outbox`]). One copy of each statement, for the
//! table a [`QueueTable`] names.
//!
//! **Claims.** A worker takes a queue's head before delivering it with a conditional UPDATE
//! ([`Store::claim_head`]) that sets `claimed_until`, a lease: only one instance's UPDATE
//! matches, on SQLite and PostgreSQL alike, and no row lock or transaction is held while
//! the SMTP server or the endpoint answers. Recording the attempt clears the claim. An
//! instance killed mid-delivery leaves the claim to run out: the head is tried again after
//! [`CLAIM_LEASE`], as after any crash (at least once; the `Message-ID` and `webhook-id` let
//! the receiver drop the copy). While an attempt lasts, its worker renews the claim
//! ([`Store::renew_claim`]).

use std::time::Duration;

use sqlx::any::AnyRow;

use super::{Store, StoreError, parse_timestamp, timestamp};

/// How long a claim holds unless renewed: the worker renews it every [`CLAIM_RENEW`] while
/// its attempt lasts, so an instance killed mid-attempt holds the row at most this long.
pub const CLAIM_LEASE: Duration = Duration::from_secs(15);
/// How often a worker renews the claim of the attempt it is making.
pub const CLAIM_RENEW: Duration = Duration::from_secs(5);

/// An outbox table and what makes one of its queues.
#[derive(Clone, Copy, Debug)]
pub struct QueueTable {
    pub table: &'static str,
    /// The columns beside `ticket_id` that name a queue.
    pub queue: &'static [&'static str],
}

pub const MAIL_QUEUES: QueueTable = QueueTable {
    table: "mail_outbox",
    queue: &["recipient"],
};

pub const WEBHOOK_QUEUES: QueueTable = QueueTable {
    table: "webhook_outbox",
    queue: &["site", "endpoint"],
};

/// Heads read by [`Store::queue_heads`]: rows due now, and when the first one waiting is due.
#[derive(Default)]
pub struct HeadRows {
    pub due: Vec<AnyRow>,
    pub next_due: Option<jiff::Timestamp>,
}

/// When a row may go: its next attempt, or the end of a claim on it if later.
const DUE: &str = "CASE WHEN claimed_until IS NOT NULL AND claimed_until > next_attempt_at \
                   THEN claimed_until ELSE next_attempt_at END";

impl QueueTable {
    /// `e` is another pending row of the same queue as `outer`, written before it.
    fn earlier_in_queue(&self, outer: &str) -> String {
        let table = self.table;
        let mut same = format!("e.ticket_id = {outer}.ticket_id");
        for column in self.queue {
            same.push_str(&format!(" AND e.{column} = {outer}.{column}"));
        }
        format!(
            "EXISTS (SELECT 1 FROM {table} e WHERE {same} AND e.state = 'pending' \
             AND (e.created_at < {outer}.created_at OR (e.created_at = {outer}.created_at AND e.id < {outer}.id)))"
        )
    }
}

impl Store {
    /// The row each queue of `table` would deliver next (its oldest pending one), with
    /// `columns`, the longest-waiting first: a head in back-off or claimed by a worker holds
    /// only its own queue. At most `limit` heads, those due by `now` before those waiting.
    pub async fn queue_heads(
        &self,
        table: QueueTable,
        columns: &str,
        now: jiff::Timestamp,
        limit: u32,
    ) -> Result<HeadRows, StoreError> {
        let name = table.table;
        let sql = format!(
            "SELECT {columns}, {DUE} AS due_at FROM {name} WHERE state = 'pending' AND NOT {earlier} \
             ORDER BY CASE WHEN {DUE} <= $1 THEN 0 ELSE 1 END, \
                 CASE WHEN {DUE} <= $2 THEN created_at ELSE {DUE} END, id \
             LIMIT $3",
            earlier = table.earlier_in_queue(name),
        );
        let now_text = timestamp(now);
        let rows = sqlx::query(&sql)
            .bind(&now_text)
            .bind(&now_text)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        let mut heads = HeadRows::default();
        for row in rows {
            let due: String = sqlx::Row::try_get(&row, "due_at")?;
            match parse_timestamp(&due) {
                Ok(at) if at > now => heads.next_due = heads.next_due.or(Some(at)),
                _ => heads.due.push(row),
            }
        }
        Ok(heads)
    }

    /// Takes row `id` of `table` for one delivery attempt by this instance, if it is still a
    /// due, unclaimed head: `false` when another worker (here or on another instance) has
    /// it, or it changed since it was read.
    pub async fn claim_head(
        &self,
        table: QueueTable,
        id: &str,
        now: jiff::Timestamp,
    ) -> Result<bool, StoreError> {
        let name = table.table;
        let until = now
            .checked_add(jiff::SignedDuration::try_from(CLAIM_LEASE).unwrap_or_default())
            .unwrap_or(now);
        let now_text = timestamp(now);
        let claimed = sqlx::query(&format!(
            "UPDATE {name} SET claimed_until = $1 WHERE id = $2 AND state = 'pending' \
             AND next_attempt_at <= $3 AND (claimed_until IS NULL OR claimed_until <= $4) \
             AND NOT {earlier}",
            earlier = table.earlier_in_queue(name),
        ))
        .bind(timestamp(until))
        .bind(id)
        .bind(&now_text)
        .bind(&now_text)
        .execute(&self.writer)
        .await?;
        Ok(claimed.rows_affected() == 1)
    }

    /// Extends this instance's claim on row `id` of `table` by [`CLAIM_LEASE`] from `now`
    /// (an attempt still under way).
    pub async fn renew_claim(
        &self,
        table: QueueTable,
        id: &str,
        now: jiff::Timestamp,
    ) -> Result<(), StoreError> {
        let until = now
            .checked_add(jiff::SignedDuration::try_from(CLAIM_LEASE).unwrap_or_default())
            .unwrap_or(now);
        sqlx::query(&format!(
            "UPDATE {} SET claimed_until = $1 WHERE id = $2 AND claimed_until IS NOT NULL",
            table.table
        ))
        .bind(timestamp(until))
        .bind(id)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Puts row `id` of `site` back in line to go at `at`, whatever became of it before
    /// (`extra` sets more columns, with no values bound); `false` when the site has no such
    /// row. A claim on it stays: an attempt under way finishes first.
    pub(crate) async fn put_back_in_line(
        &self,
        table: QueueTable,
        site: &str,
        id: &str,
        at: jiff::Timestamp,
        extra: &str,
    ) -> Result<bool, StoreError> {
        let updated = sqlx::query(&format!(
            "UPDATE {} SET state = 'pending', next_attempt_at = $1{extra} WHERE id = $2 AND site = $3",
            table.table
        ))
        .bind(timestamp(at))
        .bind(id)
        .bind(site)
        .execute(&self.writer)
        .await?;
        Ok(updated.rows_affected() > 0)
    }
}
