//! The site's events, live: one Server-Sent Events stream (`/v1/console/events`) for the whole
//! console, with the session cookie. The browser reconnects by itself after a dropped
//! connection, sending the last event's id, so the server replays what was missed. When the
//! browser gives up (an HTTP error: the server restarting, or the session gone), this module
//! asks who is signed in: still signed in, it opens a new stream after the last cursor it
//! has; signed out, the shell sends the agent to sign in.

use std::cell::{Cell, RefCell};

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{EventSource, MessageEvent};

use crate::app::Console;
use crate::wire::LiveChange;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveState {
    Off,
    Connecting,
    Live,
    Reconnecting,
}

impl LiveState {
    /// For tests and whoever inspects the page (`data-live`).
    pub fn as_str(self) -> &'static str {
        match self {
            LiveState::Off => "off",
            LiveState::Connecting => "connecting",
            LiveState::Live => "live",
            LiveState::Reconnecting => "reconnecting",
        }
    }
}

struct Stream {
    source: EventSource,
    _open: Closure<dyn FnMut(web_sys::Event)>,
    _ticket: Closure<dyn FnMut(MessageEvent)>,
    _error: Closure<dyn FnMut(web_sys::Event)>,
}

thread_local! {
    static STREAM: RefCell<Option<Stream>> = const { RefCell::new(None) };
    static CURSOR: Cell<Option<u64>> = const { Cell::new(None) };
    static GENERATION: Cell<u32> = const { Cell::new(0) };
}

/// Opens the stream (again), after the last event seen.
pub fn start(console: Console) {
    stop();
    let generation = GENERATION.with(|g| {
        g.set(g.get().wrapping_add(1));
        g.get()
    });
    let url = match CURSOR.with(Cell::get) {
        Some(cursor) => format!("{}?last_event_id={cursor}", crate::api::EVENTS_URL),
        None => crate::api::EVENTS_URL.to_owned(),
    };
    let Ok(source) = EventSource::new(&url) else {
        console.live_state.set(LiveState::Reconnecting);
        return;
    };
    console.live_state.set(LiveState::Connecting);
    let open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        console.live_state.set(LiveState::Live);
    });
    let ticket = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let Some(text) = event.data().as_string() else {
            return;
        };
        let Ok(change) = serde_json::from_str::<LiveChange>(&text) else {
            return;
        };
        // Replays can repeat what was seen; each event counts once.
        if CURSOR.with(Cell::get).is_some_and(|c| change.cursor <= c) {
            return;
        }
        CURSOR.with(|c| c.set(Some(change.cursor)));
        console.live.set(Some(change));
    });
    let error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        let closed = STREAM.with(|s| {
            s.borrow()
                .as_ref()
                .is_some_and(|s| s.source.ready_state() == EventSource::CLOSED)
        });
        console.live_state.set(LiveState::Reconnecting);
        if closed {
            // The browser gave up: find out why, then open a new stream or sign out.
            leptos::task::spawn_local(async move {
                gloo_timers::future::TimeoutFuture::new(2_000).await;
                if GENERATION.with(Cell::get) != generation {
                    return;
                }
                match crate::api::whoami().await {
                    Ok(_) => start(console),
                    Err(crate::api::ApiError::SignedOut) => console.signed_out(),
                    Err(_) => start(console),
                }
            });
        }
    });
    source.set_onopen(Some(open.as_ref().unchecked_ref()));
    let _ = source.add_event_listener_with_callback("ticket", ticket.as_ref().unchecked_ref());
    source.set_onerror(Some(error.as_ref().unchecked_ref()));
    STREAM.with(|s| {
        *s.borrow_mut() = Some(Stream {
            source,
            _open: open,
            _ticket: ticket,
            _error: error,
        })
    });
}

/// Closes the stream (signing out, or before opening a new one).
pub fn stop() {
    GENERATION.with(|g| g.set(g.get().wrapping_add(1)));
    STREAM.with(|s| {
        if let Some(stream) = s.borrow_mut().take() {
            stream.source.close();
        }
    });
}
