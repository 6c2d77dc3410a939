//! Live ticket events for open Server-Sent Events streams. Fan-out is in memory on this
//! instance (the database is the record; a reconnect replays from it by `Last-Event-ID`).
//! To scale out, this becomes PostgreSQL LISTEN/NOTIFY behind the same methods.
//!
//! Agents follow a whole site: their streams are told only *that* the site changed
//! ([`EventHub::site_changed`]) and read what is new from the database after their cursor,
//! so live and replayed events come the same way, in the order of the site-wide `event_no`.

use std::collections::HashMap;
use std::sync::Mutex;

use helpcenter_api::TicketEvent;
use tokio::sync::{broadcast, watch};

/// Events a slow stream may fall behind by before it is told to reconnect (and replay).
const BUFFER: usize = 64;

#[derive(Debug, Default)]
pub struct EventHub {
    channels: Mutex<HashMap<String, broadcast::Sender<TicketEvent>>>,
    /// Per site, a counter bumped on every event of its tickets.
    sites: Mutex<HashMap<String, watch::Sender<u64>>>,
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

    /// A receiver that wakes when any ticket of `site` gets an event (never missing one that
    /// happens between two waits).
    pub fn watch_site(&self, site: &str) -> watch::Receiver<u64> {
        let mut sites = self.sites.lock().unwrap_or_else(|e| e.into_inner());
        sites
            .entry(site.to_owned())
            .or_insert_with(|| watch::channel(0).0)
            .subscribe()
    }

    /// Tells the site's agent streams that something was committed on one of its tickets.
    pub fn site_changed(&self, site: &str) {
        let mut sites = self.sites.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sender) = sites.get(site) {
            if sender.receiver_count() == 0 {
                sites.remove(site);
            } else {
                sender.send_modify(|n| *n = n.wrapping_add(1));
            }
        }
    }
}
