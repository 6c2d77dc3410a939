//! The agents' live stream (`GET /v1/console/events`): every event on any ticket of the
//! site, internal notes and assignments included, in the order of the site-wide `event_no`
//! (its SSE `id`).
//!
//! Replay follows the shopper's stream: `Last-Event-ID` (or `?last_event_id=`) names the last
//! event received and everything after it is sent first, from the database. A stream opened
//! without one starts at the site's newest event (the inbox page the console just read is the
//! state so far; the whole history is not replayed). Live events come the same way: the
//! stream is woken when the site changes ([`crate::events::EventHub::watch_site`]) and reads
//! what is new after its cursor, so nothing is skipped or sent twice, whatever the timing.
//! Every 15 s, and before each batch, the session is checked again: a signed-out or disabled
//! agent's stream ends.

use std::collections::VecDeque;
use std::time::Duration;

use futures_util::Stream;
use helpcenter_api::console::{ConsoleStreamEvent, InboxItem};

use crate::console::console_event;
use crate::{AppError, AppState};

/// Events read from the database at a time.
const BATCH: u32 = 200;
/// How often an idle stream checks that its session still holds.
const RECHECK: Duration = Duration::from_secs(15);

struct Cursor {
    state: AppState,
    site: String,
    token: String,
    after: i64,
    pending: VecDeque<ConsoleStreamEvent>,
    changes: tokio::sync::watch::Receiver<u64>,
}

/// Where a new stream starts: after `last_event_id`, or at the site's newest event.
pub async fn start_after(
    state: &AppState,
    site: &str,
    last_event_id: Option<u64>,
) -> Result<i64, AppError> {
    Ok(match last_event_id {
        Some(id) => i64::try_from(id).unwrap_or(i64::MAX),
        None => state.store.site_last_event(site).await?,
    })
}

/// The stream of `site`'s events after `after`, for as long as the session of `token` holds.
pub fn follow(
    state: AppState,
    site: String,
    token: String,
    after: i64,
) -> impl Stream<Item = ConsoleStreamEvent> {
    // Subscribed before the first read, so nothing falls between the two.
    let changes = state.events.watch_site(&site);
    let cursor = Cursor {
        state,
        site,
        token,
        after,
        pending: VecDeque::new(),
        changes,
    };
    futures_util::stream::unfold(cursor, |mut cursor| async move {
        loop {
            if let Some(event) = cursor.pending.pop_front() {
                return Some((event, cursor));
            }
            if crate::agents::session_agent(&cursor.state, Some(&cursor.token))
                .await
                .is_err()
            {
                return None;
            }
            match read_after(&cursor).await {
                Ok(batch) if !batch.is_empty() => {
                    if let Some(last) = batch.last() {
                        cursor.after = i64::try_from(last.cursor).unwrap_or(i64::MAX);
                    }
                    cursor.pending.extend(batch);
                    continue;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "agents' stream cannot read events");
                    return None;
                }
            }
            let shutdown = cursor.state.shutdown.clone();
            tokio::select! {
                changed = cursor.changes.changed() => {
                    if changed.is_err() {
                        // The hub forgot the site (no receivers left): watch again.
                        cursor.changes = cursor.state.events.watch_site(&cursor.site);
                    }
                }
                () = tokio::time::sleep(RECHECK) => {}
                () = shutdown.cancelled() => return None,
            }
        }
    })
}

async fn read_after(cursor: &Cursor) -> Result<Vec<ConsoleStreamEvent>, AppError> {
    let store = &cursor.state.store;
    let rows = store
        .site_events_after(&cursor.site, cursor.after, BATCH)
        .await?;
    let mut ids: Vec<String> = rows.iter().map(|r| r.ticket_id.clone()).collect();
    ids.sort();
    ids.dedup();
    let items: Vec<InboxItem> = store.inbox_items(&cursor.site, &ids).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let ticket = items.iter().find(|i| i.id == row.ticket_id)?.clone();
            Some(ConsoleStreamEvent {
                cursor: u64::try_from(row.event_no).ok()?,
                ticket_id: row.ticket_id.clone(),
                event: console_event(row),
                ticket,
            })
        })
        .collect())
}
