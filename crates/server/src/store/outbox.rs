//! SQL for the mail outbox and the links mails carry.

use helpcenter_api::{MailKind, MailState, OutboxMail};
use sqlx::Row;

use super::queues::MAIL_QUEUES;
use super::writes::Writes;
use super::{Store, StoreError, microseconds_apart, timestamp};

/// A mail to write with the event that causes it.
#[derive(Clone, Debug)]
pub struct NewMail {
    pub id: String,
    pub site: String,
    pub kind: MailKind,
    pub recipient: String,
    pub locale: String,
    pub message_id: String,
    /// The link to the ticket the mail carries (shoppers' mails), by the hash of its secret.
    pub link: Option<NewLink>,
}

#[derive(Clone, Debug)]
pub struct NewLink {
    pub secret_sha256: String,
    pub expires_at: jiff::Timestamp,
}

/// Filters for the outbox as agents see it.
#[derive(Clone, Debug, Default)]
pub struct OutboxFilter {
    pub state: Option<MailState>,
    pub ticket_id: Option<String>,
    pub limit: u32,
}

/// The outbox's queues as the worker sees them (see [`Store::mail_queue_heads`]).
#[derive(Debug, Default)]
pub struct QueueHeads {
    /// Heads whose time has come, the longest-waiting first.
    pub due: Vec<OutboxMail>,
    /// When the first head still in back-off is due, if one was read.
    pub next_due: Option<jiff::Timestamp>,
}

/// What became of a link's secret.
#[derive(Debug, PartialEq, Eq)]
pub enum LinkUse {
    /// Exchanged now: the new access token (by its hash) is stored.
    Exchanged,
    /// Unknown, another ticket's, expired or used before: all refused alike.
    Refused,
}

const COLUMNS: &str = "id, ticket_id, event_seq, kind, recipient, locale, message_id, state, \
                       attempts, next_attempt_at, last_error, created_at, sent_at";

fn mail_of(row: &sqlx::any::AnyRow) -> Result<OutboxMail, StoreError> {
    let kind: String = row.try_get("kind")?;
    let state: String = row.try_get("state")?;
    let corrupt = |what: &str, value: &str| StoreError::Corrupt(format!("mail {what} {value:?}"));
    Ok(OutboxMail {
        id: row.try_get("id")?,
        ticket_id: row.try_get("ticket_id")?,
        event_seq: row
            .try_get::<Option<i64>, _>("event_seq")?
            .map(|s| u32::try_from(s).map_err(|_| corrupt("event", &s.to_string())))
            .transpose()?,
        kind: MailKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        recipient: row.try_get("recipient")?,
        locale: row.try_get("locale")?,
        message_id: row.try_get("message_id")?,
        state: MailState::parse(&state).ok_or_else(|| corrupt("state", &state))?,
        attempts: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
        next_attempt_at: row.try_get("next_attempt_at")?,
        last_error: row.try_get("last_error")?,
        created_at: row.try_get("created_at")?,
        sent_at: row.try_get("sent_at")?,
    })
}

/// `mails` about event `seq` of `ticket_id`, all in one statement and their links in another.
/// Their time is taken here, as the write is put together: a new ticket's just before its
/// transaction (`store::group`), a later event's under the writer. One ticket's mails keep
/// their order, the queue the outbox delivers in.
pub(crate) fn mail_writes<'q>(
    writes: &mut Writes<'q>,
    ticket_id: &'q str,
    seq: Option<u32>,
    mails: &'q [NewMail],
) {
    let at = microseconds_apart(mails.len());
    writes.push_rows(
        "INSERT INTO mail_outbox (id, site, ticket_id, event_seq, kind, recipient, locale, message_id, \
         state, attempts, next_attempt_at, last_error, created_at, sent_at) VALUES ",
        "($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9, NULL, $9, NULL)",
        mails.iter().zip(&at).map(|(mail, at)| {
            vec![
                mail.id.as_str().into(),
                mail.site.as_str().into(),
                ticket_id.into(),
                seq.map(i64::from).into(),
                mail.kind.as_str().into(),
                mail.recipient.as_str().into(),
                mail.locale.as_str().into(),
                mail.message_id.as_str().into(),
                at.clone().into(),
            ]
        }),
    );
    writes.push_rows(
        "INSERT INTO ticket_links (secret_sha256, ticket_id, mail_id, created_at, expires_at, used_at) \
         VALUES ",
        "($1, $2, $3, $4, $5, NULL)",
        mails.iter().zip(&at).filter_map(|(mail, at)| {
            let link = mail.link.as_ref()?;
            Some(vec![
                link.secret_sha256.as_str().into(),
                ticket_id.into(),
                mail.id.as_str().into(),
                at.clone().into(),
                timestamp(link.expires_at).into(),
            ])
        }),
    );
}

impl Store {
    /// Mail that no event causes (a fresh link asked for), in its own transaction.
    pub async fn enqueue_mails(
        &self,
        ticket_id: &str,
        mails: &[NewMail],
    ) -> Result<(), StoreError> {
        let mut writes = Writes::new();
        mail_writes(&mut writes, ticket_id, None, mails);
        let mut tx = self.begin_write().await?;
        writes.run_all(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The mail each queue would deliver next, the longest-waiting first: a queue is one
    /// ticket's mail to one address, delivered in the order it was written, so only its
    /// oldest pending mail (its head) may go, and a head in back-off (or being delivered by
    /// a worker) holds only its own queue. At most `limit` heads, those due by `now` first.
    pub async fn mail_queue_heads(
        &self,
        now: jiff::Timestamp,
        limit: u32,
    ) -> Result<QueueHeads, StoreError> {
        let rows = self.queue_heads(MAIL_QUEUES, COLUMNS, now, limit).await?;
        Ok(QueueHeads {
            due: rows.due.iter().map(mail_of).collect::<Result<_, _>>()?,
            next_due: rows.next_due,
        })
    }

    pub async fn mail(&self, id: &str) -> Result<Option<OutboxMail>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM mail_outbox WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(mail_of).transpose()
    }

    pub async fn mail_sent(&self, id: &str, at: jiff::Timestamp) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE mail_outbox SET state = 'sent', attempts = attempts + 1, sent_at = $1, last_error = NULL, \
             claimed_until = NULL WHERE id = $2",
        )
        .bind(timestamp(at))
        .bind(id)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// A failed attempt: tried again at `next`, or, with `None`, given up on.
    pub async fn mail_failed(
        &self,
        id: &str,
        error: &str,
        next: Option<jiff::Timestamp>,
    ) -> Result<(), StoreError> {
        let (state, next) = match next {
            Some(at) => ("pending", Some(timestamp(at))),
            None => ("failed", None),
        };
        sqlx::query(
            "UPDATE mail_outbox SET state = $1, attempts = attempts + 1, last_error = $2, \
             next_attempt_at = COALESCE($3, next_attempt_at), claimed_until = NULL WHERE id = $4",
        )
        .bind(state)
        .bind(error)
        .bind(next)
        .bind(id)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Puts a mail of `site` back in line to be sent now; `None` when the site has no such mail.
    pub async fn retry_mail(
        &self,
        site: &str,
        id: &str,
        at: jiff::Timestamp,
    ) -> Result<Option<OutboxMail>, StoreError> {
        if !self
            .put_back_in_line(MAIL_QUEUES, site, id, at, ", sent_at = NULL")
            .await?
        {
            return Ok(None);
        }
        self.mail(id).await
    }

    /// The site's outbox, newest first.
    pub async fn list_mail(
        &self,
        site: &str,
        filter: &OutboxFilter,
    ) -> Result<Vec<OutboxMail>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM mail_outbox WHERE site = $1 AND ($2 IS NULL OR state = $3) \
             AND ($4 IS NULL OR ticket_id = $5) ORDER BY created_at DESC, id DESC LIMIT $6"
        ))
        .bind(site)
        .bind(filter.state.map(MailState::as_str))
        .bind(filter.state.map(MailState::as_str))
        .bind(&filter.ticket_id)
        .bind(&filter.ticket_id)
        .bind(i64::from(filter.limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(mail_of).collect()
    }

    /// When a mail of `kind` about this ticket was last written, to keep "send me a link"
    /// from filling a stranger's mailbox.
    pub async fn last_mail_of_kind(
        &self,
        ticket_id: &str,
        kind: MailKind,
    ) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT MAX(created_at) FROM mail_outbox WHERE ticket_id = $1 AND kind = $2",
        )
        .bind(ticket_id)
        .bind(kind.as_str())
        .fetch_one(&self.pool)
        .await?)
    }

    /// Uses a link's secret (by its hash) for `ticket_id` once: the new access token is stored
    /// in the same transaction that marks the link used.
    pub async fn use_link(
        &self,
        ticket_id: &str,
        secret_sha256: &str,
        token_sha256: &str,
        at: jiff::Timestamp,
    ) -> Result<LinkUse, StoreError> {
        let now = timestamp(at);
        let mut tx = self.begin_write().await?;
        let used = sqlx::query(
            "UPDATE ticket_links SET used_at = $1 WHERE secret_sha256 = $2 AND ticket_id = $3 \
             AND used_at IS NULL AND expires_at > $4",
        )
        .bind(&now)
        .bind(secret_sha256)
        .bind(ticket_id)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        if used.rows_affected() == 0 {
            return Ok(LinkUse::Refused);
        }
        sqlx::query(
            "INSERT INTO ticket_access (token_sha256, ticket_id, created_at) VALUES ($1, $2, $3)",
        )
        .bind(token_sha256)
        .bind(ticket_id)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(LinkUse::Exchanged)
    }
}
