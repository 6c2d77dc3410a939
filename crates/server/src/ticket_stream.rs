//! The shopper's live stream of one ticket (`GET /v1/tickets/{id}/events`): its public
//! events in `seq` order (the SSE `id`), read from the database after a cursor, as the
//! agents' stream reads the site's ([`crate::agent_stream`]).
//!
//! The stream first sends what is after `Last-Event-ID` (all of it for a new stream), then
//! waits to be told that the ticket changed ([`crate::events::EventHub::watch_ticket`]: by
//! this instance, or by another through PostgreSQL's NOTIFY) and reads again after the last
//! event it sent. An event is sent only when its `seq` is past that cursor, so however often
//! it is woken (the writer's instance and the NOTIFY both ring, a reconnected listener wakes
//! everyone) no event goes twice down one stream, and none is skipped.

use std::collections::VecDeque;

use futures_util::Stream;
use helpcenter_api::TicketEvent;

use crate::AppState;
use crate::events::RECHECK;

struct Cursor {
    state: AppState,
    ticket_id: String,
    after: u32,
    pending: VecDeque<TicketEvent>,
    changes: tokio::sync::watch::Receiver<u64>,
}

/// The public events of `ticket_id` after `after`, live, until the server shuts down.
pub fn follow(state: AppState, ticket_id: String, after: u32) -> impl Stream<Item = TicketEvent> {
    // Watched before the first read, so nothing committed between the two is missed.
    let changes = state.events.watch_ticket(&ticket_id);
    let cursor = Cursor {
        state,
        ticket_id,
        after,
        pending: VecDeque::new(),
        changes,
    };
    futures_util::stream::unfold(cursor, |mut cursor| async move {
        loop {
            if let Some(event) = cursor.pending.pop_front() {
                return Some((event, cursor));
            }
            match cursor
                .state
                .store
                .events(&cursor.ticket_id, cursor.after, false)
                .await
            {
                Ok(events) => {
                    for event in events {
                        if event.seq > cursor.after {
                            cursor.after = event.seq;
                            cursor.pending.push_back(event);
                        }
                    }
                    if !cursor.pending.is_empty() {
                        continue;
                    }
                }
                Err(e) => {
                    // The client reconnects with Last-Event-ID and replays from there.
                    tracing::warn!(ticket = %cursor.ticket_id, error = %e, "ticket stream cannot read events");
                    return None;
                }
            }
            let shutdown = cursor.state.shutdown.clone();
            tokio::select! {
                changed = cursor.changes.changed() => {
                    if changed.is_err() {
                        cursor.changes = cursor.state.events.watch_ticket(&cursor.ticket_id);
                    }
                }
                () = tokio::time::sleep(RECHECK) => {}
                () = shutdown.cancelled() => return None,
            }
        }
    })
}
