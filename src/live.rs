//! Following a ticket as it changes. Server-Sent Events while they get through: the browser
//! reconnects by itself after a dropped connection (sending the last event's id), and this
//! module reconnects when the browser gives up (an HTTP error, e.g. while the server
//! restarts), asking for the events after the last one it has, so nothing is missed. Where
//! streams never get through at all (a proxy that buffers or blocks them), it polls instead.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{EventSource, MessageEvent};

use crate::api::{Api, TicketEvent, TicketView};
use crate::upload::backoff_ms;

/// Streams in a row that fail without ever opening before polling takes over.
const FAILURES_BEFORE_POLLING: u32 = 3;
/// How often a ticket is read again when streams do not get through.
pub const POLL_MS: u32 = 4_000;

/// What the follower tells its page.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// A new event, in order, each once.
    Event(TicketEvent),
    /// The whole ticket, read again (polling). Boxed: a ticket is many times an event.
    Snapshot(Box<TicketView>),
    Connection(Connection),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connection {
    /// The first stream is being opened; until it is, changes show when it opens (it asks
    /// for the events after the ticket as read).
    Opening,
    /// Events arrive the moment they happen.
    Live,
    /// The stream broke; it is being opened again.
    Reconnecting,
    /// Streams do not get through here: the ticket is read every few seconds.
    Polling,
}

impl Connection {
    /// As the ticket screen's `data-connection` shows it, for tests and for whoever inspects
    /// a shopper's page.
    pub fn as_str(self) -> &'static str {
        match self {
            Connection::Opening => "opening",
            Connection::Live => "live",
            Connection::Reconnecting => "reconnecting",
            Connection::Polling => "polling",
        }
    }
}

/// Follows one ticket until dropped.
pub struct Follower {
    inner: Rc<Inner>,
}

struct Inner {
    api: Api,
    id: String,
    token: String,
    /// The newest event seen: a reconnect asks for the ones after it.
    last: Cell<u32>,
    failures: Cell<u32>,
    opened_once: Cell<bool>,
    stopped: Cell<bool>,
    stream: RefCell<Option<Stream>>,
    on: Box<dyn Fn(Change)>,
}

/// An open `EventSource` and the handlers it calls, which must live as long as it does.
struct Stream {
    source: EventSource,
    _on_ticket: Closure<dyn FnMut(MessageEvent)>,
    _on_open: Closure<dyn FnMut()>,
    _on_error: Closure<dyn FnMut()>,
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.source.close();
    }
}

impl Follower {
    /// Starts following ticket `id` from the event after `after`.
    pub fn start(
        api: Api,
        id: String,
        token: String,
        after: u32,
        on: impl Fn(Change) + 'static,
    ) -> Follower {
        let inner = Rc::new(Inner {
            api,
            id,
            token,
            last: Cell::new(after),
            failures: Cell::new(0),
            opened_once: Cell::new(false),
            stopped: Cell::new(false),
            stream: RefCell::new(None),
            on: Box::new(on),
        });
        connect(&inner);
        Follower { inner }
    }

    /// Notes an event the page learnt of otherwise (its own reply's answer), so it is not
    /// announced twice and a reconnect starts after it.
    pub fn seen(&self, seq: u32) {
        if seq > self.inner.last.get() {
            self.inner.last.set(seq);
        }
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.inner.stopped.set(true);
        self.inner.stream.borrow_mut().take();
    }
}

fn connect(inner: &Rc<Inner>) {
    if inner.stopped.get() {
        return;
    }
    let url = inner
        .api
        .events_url(&inner.id, &inner.token, inner.last.get());
    let Ok(source) = EventSource::new(&url) else {
        poll(Rc::downgrade(inner));
        return;
    };
    let weak = Rc::downgrade(inner);
    let on_ticket = Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
        let Some(inner) = weak.upgrade() else { return };
        let event = message
            .data()
            .as_string()
            .and_then(|text| helpcenter_core::json::Json::parse(&text))
            .and_then(|json| <TicketEvent as helpcenter_core::json::FromJson>::from_json(&json));
        if let Some(event) = event
            && event.seq > inner.last.get()
        {
            inner.last.set(event.seq);
            (inner.on)(Change::Event(event));
        }
    });
    let weak = Rc::downgrade(inner);
    let on_open = Closure::<dyn FnMut()>::new(move || {
        let Some(inner) = weak.upgrade() else { return };
        inner.failures.set(0);
        inner.opened_once.set(true);
        (inner.on)(Change::Connection(Connection::Live));
    });
    let weak = Rc::downgrade(inner);
    let on_error = Closure::<dyn FnMut()>::new(move || {
        let Some(inner) = weak.upgrade() else { return };
        let closed = inner
            .stream
            .borrow()
            .as_ref()
            .is_some_and(|s| s.source.ready_state() == EventSource::CLOSED);
        if !closed {
            // The browser reconnects by itself, sending the last event's id.
            (inner.on)(Change::Connection(Connection::Reconnecting));
            return;
        }
        // The browser gave up on this stream (an HTTP error): a new one, after a pause.
        inner.stream.borrow_mut().take();
        let failures = inner.failures.get() + 1;
        inner.failures.set(failures);
        if !inner.opened_once.get() && failures >= FAILURES_BEFORE_POLLING {
            (inner.on)(Change::Connection(Connection::Polling));
            poll(Rc::downgrade(&inner));
            return;
        }
        (inner.on)(Change::Connection(Connection::Reconnecting));
        let weak = Rc::downgrade(&inner);
        let wait = backoff_ms(failures, js_sys::Math::random());
        gloo_timers::callback::Timeout::new(wait, move || {
            if let Some(inner) = weak.upgrade() {
                connect(&inner);
            }
        })
        .forget();
    });
    let _ = source.add_event_listener_with_callback("ticket", on_ticket.as_ref().unchecked_ref());
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    *inner.stream.borrow_mut() = Some(Stream {
        source,
        _on_ticket: on_ticket,
        _on_open: on_open,
        _on_error: on_error,
    });
}

/// Reads the ticket every [`POLL_MS`] for as long as it is followed.
fn poll(weak: Weak<Inner>) {
    wasm_bindgen_futures::spawn_local(async move {
        loop {
            gloo_timers::future::TimeoutFuture::new(POLL_MS).await;
            let Some(inner) = weak.upgrade() else { return };
            if inner.stopped.get() {
                return;
            }
            let (api, id, token) = (inner.api.clone(), inner.id.clone(), inner.token.clone());
            // Not held across the request: the page may be left meanwhile.
            drop(inner);
            let Ok(ticket) = api.ticket(&id, &token).await else {
                continue;
            };
            let Some(inner) = weak.upgrade() else { return };
            if let Some(newest) = ticket.timeline.last() {
                inner.last.set(inner.last.get().max(newest.seq));
            }
            (inner.on)(Change::Snapshot(Box::new(ticket)));
        }
    });
}
