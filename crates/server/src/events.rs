//! Live ticket events for open Server-Sent Events streams. Fan-out is in memory on this
//! instance (the database is the record; a reconnect replays from it by `Last-Event-ID`).
//! To scale out, this becomes PostgreSQL LISTEN/NOTIFY behind the same methods.
//!
//! Agents follow a whole site: their streams are told only *that* the site changed
//! ([`EventHub::site_changed`]) and read what is new from the database after their cursor,
//! so live and replayed events come the same way, in the order of the site-wide `event_no`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use helpcenter_api::TicketEvent;
use tokio::sync::{broadcast, watch};

/// Events a slow stream may fall behind by before it is told to reconnect (and replay).
const BUFFER: usize = 64;

/// Open event streams one client address (its /64 for IPv6) may hold: a shopper has a few tabs.
pub const MAX_STREAMS_PER_CLIENT: usize = 8;
/// Open event streams of one ticket: its shopper's devices and a few agents'.
pub const MAX_STREAMS_PER_TICKET: usize = 16;

#[derive(Debug, Default)]
pub struct EventHub {
    channels: Mutex<HashMap<String, broadcast::Sender<TicketEvent>>>,
    /// Open shopper streams, per client address and per ticket.
    open: Arc<Mutex<OpenStreams>>,
    /// Per site, a counter bumped on every event of its tickets.
    sites: Mutex<HashMap<String, watch::Sender<u64>>>,
}

#[derive(Debug, Default)]
struct OpenStreams {
    per_client: HashMap<String, usize>,
    per_ticket: HashMap<String, usize>,
}

/// Held by an open stream; gives its place back when the stream ends.
#[derive(Debug)]
pub struct StreamSlot {
    open: Arc<Mutex<OpenStreams>>,
    client: Option<String>,
    ticket: String,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let release = |counts: &mut HashMap<String, usize>, key: &str| {
            if let Some(n) = counts.get_mut(key) {
                *n -= 1;
                if *n == 0 {
                    counts.remove(key);
                }
            }
        };
        if let Some(client) = &self.client {
            release(&mut open.per_client, client);
        }
        release(&mut open.per_ticket, &self.ticket);
    }
}

impl EventHub {
    /// A place for one more stream of `ticket_id` for `client`, or `None` when either already
    /// has as many open as allowed.
    pub fn open_stream(&self, ticket_id: &str, client: Option<&str>) -> Option<StreamSlot> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let of_client = client.map_or(0, |c| open.per_client.get(c).copied().unwrap_or(0));
        let of_ticket = open.per_ticket.get(ticket_id).copied().unwrap_or(0);
        if of_client >= MAX_STREAMS_PER_CLIENT || of_ticket >= MAX_STREAMS_PER_TICKET {
            return None;
        }
        if let Some(client) = client {
            *open.per_client.entry(client.to_owned()).or_default() += 1;
        }
        *open.per_ticket.entry(ticket_id.to_owned()).or_default() += 1;
        Some(StreamSlot {
            open: Arc::clone(&self.open),
            client: client.map(str::to_owned),
            ticket: ticket_id.to_owned(),
        })
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_capped_per_client_and_per_ticket_and_given_back() {
        let hub = EventHub::default();
        let mine: Vec<_> = (0..MAX_STREAMS_PER_CLIENT)
            .map(|_| hub.open_stream("HC-1", Some("192.0.2.1")).expect("a place"))
            .collect();
        assert!(hub.open_stream("HC-2", Some("192.0.2.1")).is_none());
        // Others still get in, up to the ticket's cap.
        let others: Vec<_> = (0..MAX_STREAMS_PER_TICKET - MAX_STREAMS_PER_CLIENT)
            .map(|i| {
                hub.open_stream("HC-1", Some(&format!("198.51.100.{i}")))
                    .expect("a place")
            })
            .collect();
        assert!(hub.open_stream("HC-1", Some("203.0.113.9")).is_none());
        assert!(hub.open_stream("HC-3", Some("203.0.113.9")).is_some());
        drop(mine);
        drop(others);
        assert!(hub.open_stream("HC-1", Some("192.0.2.1")).is_some());
        let open = hub.open.lock().expect("lock");
        assert!(open.per_client.is_empty() && open.per_ticket.is_empty());
    }
}
