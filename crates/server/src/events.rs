//! Live ticket events for open Server-Sent Events streams. Fan-out is in memory on this
//! instance (the database is the record; a reconnect replays from it by `Last-Event-ID`).
//! To scale out, this becomes PostgreSQL LISTEN/NOTIFY behind the same two methods.

use std::collections::HashMap;
use std::sync::Mutex;

use helpcenter_api::TicketEvent;
use tokio::sync::broadcast;

/// Events a slow stream may fall behind by before it is told to reconnect (and replay).
const BUFFER: usize = 64;

#[derive(Debug, Default)]
pub struct EventHub {
    channels: Mutex<HashMap<String, broadcast::Sender<TicketEvent>>>,
}

impl EventHub {
    /// Events of `ticket_id` from now on.
    pub fn subscribe(&self, ticket_id: &str) -> broadcast::Receiver<TicketEvent> {
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        channels
            .entry(ticket_id.to_owned())
            .or_insert_with(|| broadcast::channel(BUFFER).0)
            .subscribe()
    }

    /// Sends a committed event to the ticket's open streams; forgets tickets nobody watches.
    pub fn publish(&self, ticket_id: &str, event: TicketEvent) {
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sender) = channels.get(ticket_id)
            && sender.send(event).is_err()
        {
            channels.remove(ticket_id);
        }
    }
}
