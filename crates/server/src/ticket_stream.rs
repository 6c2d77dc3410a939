//! The shopper's live stream of one ticket (`GET /v1/tickets/{id}/events`): its public
//! events in `seq` order (the SSE `id`), read from the database after a cursor, as the
//! agents' stream reads the site's ([`crate::agent_stream`]).
//!
//! The stream first sends what is after `Last-Event-ID` (all of it for a new stream), read
//! from the database, then follows what the hub tells it ([`crate::events::TicketNews`]).
//! Events this instance committed come with the news and are sent as they are (the
//! in-memory path) when they follow on from what the stream has seen; otherwise (written by
//! another instance, or news that came out of order or was missed) the stream reads what is
//! new from the database. It keeps two marks: `after`, the last public event it sent, and
//! `seen`, how far the timeline is known to go (internal events included). An event is sent
//! only when its `seq` is past `after`, so however often it is told (the writer's instance
//! and the NOTIFY both tell it, a reconnected listener tells everyone) no event goes twice
//! down one stream, and none is skipped.

use std::collections::VecDeque;

use futures_util::Stream;
use helpcenter_api::TicketEvent;
use tokio::sync::broadcast::{self, error::RecvError};

use crate::AppState;
use crate::events::{RECHECK, TicketNews};

struct Cursor {
    state: AppState,
    ticket_id: String,
    /// The last public event sent.
    after: u32,
    /// How far the timeline is known to be covered.
    seen: u32,
    /// The database must be read before waiting again.
    read: bool,
    pending: VecDeque<TicketEvent>,
    news: broadcast::Receiver<TicketNews>,
}

impl Cursor {
    fn push(&mut self, events: impl IntoIterator<Item = TicketEvent>) {
        for event in events {
            if event.seq > self.after {
                self.after = event.seq;
                self.seen = self.seen.max(event.seq);
                self.pending.push_back(event);
            }
        }
    }

    /// What is new in the database: how far the timeline goes read first, so an event
    /// committed between the two reads is only read twice (and sent once), never skipped.
    async fn read(&mut self) -> Result<(), crate::store::StoreError> {
        let store = &self.state.store;
        let upto = store.last_event_seq(&self.ticket_id).await?;
        let events = store.events(&self.ticket_id, self.after, false).await?;
        self.seen = self.seen.max(upto);
        self.push(events);
        Ok(())
    }

    fn hear(&mut self, news: TicketNews) {
        match news {
            TicketNews::Events {
                first,
                last,
                public,
            } => {
                if last <= self.seen {
                    // Read from the database already.
                } else if first == self.seen.saturating_add(1) {
                    self.push(public.iter().cloned());
                    self.seen = last;
                } else {
                    self.read = true;
                }
            }
            TicketNews::Upto(seq) => self.read |= seq > self.seen,
        }
    }
}

/// The public events of `ticket_id` after `after`, live, until the server shuts down.
pub fn follow(state: AppState, ticket_id: String, after: u32) -> impl Stream<Item = TicketEvent> {
    // Listened to before the first read, so nothing committed between the two is missed.
    let news = state.events.watch_ticket(&ticket_id);
    let cursor = Cursor {
        state,
        ticket_id,
        after,
        seen: 0,
        read: true,
        pending: VecDeque::new(),
        news,
    };
    futures_util::stream::unfold(cursor, |mut cursor| async move {
        loop {
            if let Some(event) = cursor.pending.pop_front() {
                return Some((event, cursor));
            }
            if cursor.read {
                cursor.read = false;
                if let Err(e) = cursor.read().await {
                    // The client reconnects with Last-Event-ID and replays from there.
                    tracing::warn!(ticket = %cursor.ticket_id, error = %e, "ticket stream cannot read events");
                    return None;
                }
                continue;
            }
            let shutdown = cursor.state.shutdown.clone();
            tokio::select! {
                news = cursor.news.recv() => match news {
                    Ok(news) => cursor.hear(news),
                    // Fell behind: what it missed is in the database.
                    Err(RecvError::Lagged(_)) => cursor.read = true,
                    Err(RecvError::Closed) => {
                        cursor.news = cursor.state.events.watch_ticket(&cursor.ticket_id);
                        cursor.read = true;
                    }
                },
                () = tokio::time::sleep(RECHECK) => cursor.read = true,
                () = shutdown.cancelled() => return None,
            }
        }
    })
}
