//! Live ticket events for open Server-Sent Events streams, on every server instance.
//!
//! The database is the record: a stream sends the events after its cursor (the shopper's
//! ticket `seq`, the agents' site-wide `event_no`), in order, never one twice. This hub tells
//! the streams what was committed: per ticket ([`EventHub::watch_ticket`]) the events
//! themselves when this instance wrote them ([`TicketNews::Events`], the in-memory path, all
//! SQLite needs), or only how far the ticket's timeline now goes when another instance did
//! ([`TicketNews::Upto`]: the stream then reads from the database); per site
//! ([`EventHub::watch_site`]) a counter the agents' streams wait on before reading theirs.
//!
//! On PostgreSQL each event row is written with a `pg_notify` in its transaction (delivered
//! on commit only, so never before the row can be read) and every instance listens on a
//! connection of its own ([`EventHub::listen`]). When that connection drops, the instance
//! reconnects and, once listening again, has every stream read what it missed. Streams also
//! read again every [`RECHECK`], whatever happens, so an event written by a command shows
//! within that.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use helpcenter_api::TicketEvent;
use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;

/// The PostgreSQL channel events are announced on; the payload is `site ticket_id seq`.
pub const CHANNEL: &str = "helpcenter_events";

/// News a slow stream may fall behind by before it reads from the database instead.
const BUFFER: usize = 64;

/// How often an idle stream reads again without being told to.
pub const RECHECK: Duration = Duration::from_secs(15);

/// Open event streams one client address (its /64 for IPv6) may hold: a shopper has a few tabs.
pub const MAX_STREAMS_PER_CLIENT: usize = 8;
/// Open event streams of one ticket: its shopper's devices and a few agents'.
pub const MAX_STREAMS_PER_TICKET: usize = 16;

#[derive(Debug, Default)]
pub struct EventHub {
    /// Per ticket, what was committed on it.
    tickets: Mutex<HashMap<String, broadcast::Sender<TicketNews>>>,
    /// Open shopper streams, per client address and per ticket (on this instance).
    open: Arc<Mutex<OpenStreams>>,
    /// Per site, a counter bumped on every event of its tickets.
    sites: Mutex<HashMap<String, watch::Sender<u64>>>,
}

/// What a ticket's streams are told.
#[derive(Clone, Debug)]
pub enum TicketNews {
    /// This instance committed events `first..=last` of the timeline (in one transaction);
    /// `public` are those the shopper sees.
    Events {
        first: u32,
        last: u32,
        public: Arc<[TicketEvent]>,
    },
    /// The timeline now goes at least to this `seq` (written elsewhere): read what is new.
    Upto(u32),
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

    /// What is committed on `ticket_id` from now on.
    pub fn watch_ticket(&self, ticket_id: &str) -> broadcast::Receiver<TicketNews> {
        let mut tickets = self.tickets.lock().unwrap_or_else(|e| e.into_inner());
        tickets
            .entry(ticket_id.to_owned())
            .or_insert_with(|| broadcast::channel(BUFFER).0)
            .subscribe()
    }

    /// A receiver that wakes when any ticket of `site` gets an event.
    pub fn watch_site(&self, site: &str) -> watch::Receiver<u64> {
        let mut sites = self.sites.lock().unwrap_or_else(|e| e.into_inner());
        sites
            .entry(site.to_owned())
            .or_insert_with(|| watch::channel(0).0)
            .subscribe()
    }

    /// Tells the site's agents' streams, and with `news` the ticket's streams, that this
    /// instance committed events on `ticket_id`.
    pub fn committed(&self, site: &str, ticket_id: &str, news: Option<TicketNews>) {
        if let Some(news) = news {
            self.tell(ticket_id, news);
        }
        ring(&self.sites, site);
    }

    /// Tells the streams that another instance committed event `seq` of `ticket_id`.
    fn committed_elsewhere(&self, site: &str, ticket_id: &str, seq: u32) {
        self.tell(ticket_id, TicketNews::Upto(seq));
        ring(&self.sites, site);
    }

    fn tell(&self, ticket_id: &str, news: TicketNews) {
        let mut tickets = self.tickets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sender) = tickets.get(ticket_id)
            && sender.send(news).is_err()
        {
            tickets.remove(ticket_id);
        }
    }

    /// Has every stream read from the database: after notifications may have been lost.
    fn wake_all(&self) {
        {
            let mut tickets = self.tickets.lock().unwrap_or_else(|e| e.into_inner());
            tickets.retain(|_, sender| sender.send(TicketNews::Upto(u32::MAX)).is_ok());
        }
        let mut sites = self.sites.lock().unwrap_or_else(|e| e.into_inner());
        sites.retain(|_, sender| sender.receiver_count() > 0);
        for sender in sites.values() {
            sender.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    /// Listens on PostgreSQL at `url` for events any instance commits, until `shutdown`,
    /// reconnecting (with back-off up to 5 s) whenever the connection drops.
    pub fn listen(self: &Arc<Self>, url: String, shutdown: CancellationToken) {
        let hub = Arc::clone(self);
        tokio::spawn(async move {
            let mut wait = Duration::from_millis(100);
            let mut lost = false;
            loop {
                let connected = tokio::select! {
                    connected = connect(&url) => connected,
                    () = shutdown.cancelled() => return,
                };
                let mut listener = match connected {
                    Ok(listener) => listener,
                    Err(e) => {
                        tracing::warn!(error = %e, retry_in = ?wait, "events: cannot listen on PostgreSQL; streams read every 15 s meanwhile");
                        tokio::select! {
                            () = tokio::time::sleep(wait) => {}
                            () = shutdown.cancelled() => return,
                        }
                        wait = (wait * 2).min(Duration::from_secs(5));
                        lost = true;
                        continue;
                    }
                };
                wait = Duration::from_millis(100);
                if lost {
                    tracing::info!("events: listening on PostgreSQL again");
                }
                // Listening now: whatever was committed before is in the database, so every
                // stream reads after its cursor.
                hub.wake_all();
                loop {
                    let received = tokio::select! {
                        received = listener.try_recv() => received,
                        () = shutdown.cancelled() => return,
                    };
                    match received {
                        Ok(Some(notification)) => {
                            let mut parts = notification.payload().split(' ');
                            if let (Some(site), Some(ticket), Some(Ok(seq))) =
                                (parts.next(), parts.next(), parts.next().map(str::parse))
                            {
                                hub.committed_elsewhere(site, ticket, seq);
                            }
                        }
                        Ok(None) => {
                            tracing::warn!(
                                "events: the PostgreSQL connection dropped; reconnecting"
                            );
                            break;
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "events: listening on PostgreSQL failed; reconnecting");
                            break;
                        }
                    }
                }
                lost = true;
            }
        });
    }
}

/// A connection of its own, listening on [`CHANNEL`], named so an operator sees it in
/// `pg_stat_activity`.
async fn connect(url: &str) -> Result<sqlx::postgres::PgListener, sqlx::Error> {
    use std::str::FromStr;
    let options = sqlx::postgres::PgConnectOptions::from_str(url)?
        .application_name("helpcenter-server events");
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await?;
    let mut listener = sqlx::postgres::PgListener::connect_with(&pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

fn ring(map: &Mutex<HashMap<String, watch::Sender<u64>>>, key: &str) {
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(sender) = map.get(key) {
        if sender.receiver_count() == 0 {
            map.remove(key);
        } else {
            sender.send_modify(|n| *n = n.wrapping_add(1));
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

    #[tokio::test]
    async fn a_commit_tells_the_tickets_and_the_sites_streams_and_no_other() {
        let hub = EventHub::default();
        let mut ticket = hub.watch_ticket("HC-1");
        let mut other = hub.watch_ticket("HC-2");
        let site = hub.watch_site("demo");
        hub.committed(
            "demo",
            "HC-1",
            Some(TicketNews::Events {
                first: 2,
                last: 2,
                public: Arc::from(Vec::new()),
            }),
        );
        assert!(matches!(
            ticket.try_recv(),
            Ok(TicketNews::Events { first: 2, .. })
        ));
        assert!(site.has_changed().expect("open"));
        assert!(other.try_recv().is_err());
        hub.committed_elsewhere("demo", "HC-1", 3);
        assert!(matches!(ticket.try_recv(), Ok(TicketNews::Upto(3))));
        hub.wake_all();
        assert!(matches!(ticket.try_recv(), Ok(TicketNews::Upto(u32::MAX))));
        assert!(matches!(other.try_recv(), Ok(TicketNews::Upto(u32::MAX))));
        drop((ticket, other, site));
        hub.committed_elsewhere("demo", "HC-1", 4);
        assert!(
            !hub.tickets.lock().expect("lock").contains_key("HC-1"),
            "unwatched tickets are forgotten"
        );
    }
}
