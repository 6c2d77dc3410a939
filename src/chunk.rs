//! Every screen after the first: the questions and the outcome, then the details, evidence,
//! review and filed screens; "my requests" and a ticket followed live; and what only they need
//! (the rulebook's verdicts in words, file checks, uploads, IndexedDB, event streams).
//!
//! With the `lazy` feature (the release build, see `cargo xtask dev`) these functions are
//! split off into a wasm chunk of their own, which the start screen fetches while the shopper
//! reads it, so the first load carries only the start screen. Without it they are
//! plain async functions, so `cargo test` and the browser tests run the same code unsplit.
//! A chunk that cannot be fetched is a [`ChunkError`], never a dead page: the draft lives in
//! the main module and on the device, and the next call fetches the chunk again.

use leptos::prelude::*;

use crate::bridge::FromHost;
use crate::draft::DraftFile;
use crate::flow::Flow;
use crate::requests::Following;
use crate::screens::{
    DetailsScreen, EvidenceScreen, FiledScreen, JourneyScreen, RequestsScreen, ReviewScreen,
    TicketScreen,
};

/// A screen that lives in the chunk: every screen after the start screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Screen {
    /// The next question of the decision tree, or the outcome it led to.
    Journey,
    Details,
    Evidence,
    Review,
    Filed,
    /// The shopper's requests, and finding one again.
    Requests,
    /// One request, followed live.
    Ticket(String),
}

/// The chunk could not be fetched or instantiated (offline, a deploy in between).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the screens after the first could not be loaded")]
pub struct ChunkError;

#[cfg(feature = "lazy")]
impl From<leptos::wasm_split::SplitLoaderError> for ChunkError {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        ChunkError
    }
}

/// Declares a function of the chunk: with `lazy` a split point (the body runs once the
/// chunk is there), without it an async function that runs the body at once. Either way it
/// is `async fn(..) -> Result<T, ChunkError>`.
macro_rules! in_chunk {
    ($(#[$doc:meta])* pub fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty $body:block) => {
        $(#[$doc])*
        #[cfg(feature = "lazy")]
        #[leptos::wasm_split::wasm_split(screens, wasm_split_path = ::leptos::wasm_split, fallible)]
        pub fn $name($($arg: $ty),*) -> Result<$ret, ChunkError> {
            Ok($body)
        }

        $(#[$doc])*
        #[cfg(not(feature = "lazy"))]
        pub async fn $name($($arg: $ty),*) -> Result<$ret, ChunkError> {
            Ok($body)
        }
    };
}

/// One screen, built in the chunk, under the line that says who is signed in. Also brings
/// back a kept draft's files, if the mount's attempt could not fetch the chunk.
fn build_screen(flow: Flow, which: Screen) -> AnyView {
    flow.attachments().restore();
    let screen = match which {
        Screen::Journey => journey(flow),
        Screen::Details => view! { <DetailsScreen /> }.into_any(),
        Screen::Evidence => view! { <EvidenceScreen /> }.into_any(),
        Screen::Review => view! { <ReviewScreen /> }.into_any(),
        Screen::Filed => view! { <FiledScreen /> }.into_any(),
        Screen::Requests => view! { <RequestsScreen /> }.into_any(),
        Screen::Ticket(id) => view! { <TicketScreen id /> }.into_any(),
    };
    view! { <SignedIn locale=flow.locale /> {screen} }.into_any()
}

/// "Signed in as …", with the email the server confirmed, once it has. On the chunk's screens
/// only, not on the start screen: its words (filled in from the whole table of texts) would
/// cost the first open 7.6 KB.
#[component]
fn SignedIn(locale: crate::i18n::Locale) -> impl IntoView {
    let following = expect_context::<Following>();
    move || {
        following.signed_in.with(|email| {
            (!email.is_empty()).then(|| {
                view! {
                    <p class="hc-signed-in">
                        {locale.fill(crate::i18n::Text::SignedInAs, &[("email", email)])}
                    </p>
                }
            })
        })
    }
}

/// The order first, on a site that looks orders up; then the questions and the outcome.
fn journey(flow: Flow) -> AnyView {
    let have_order = flow.order().with_untracked(Option::is_some);
    let (category, order_found, order_unchecked) = flow.draft.with_untracked(|d| {
        (
            d.category().map(str::to_owned),
            d.order_found,
            d.order_unchecked,
        )
    });
    let order_done = (order_found && have_order) || order_unchecked;
    // A site that looks orders up asks for the order first, unless the shopper's case may
    // have none (feedback on the website, say).
    let may_have_no_order = category
        .as_deref()
        .is_some_and(|id| flow.with_policy(|p| p.category(id).is_some_and(|c| c.no_order)));
    if flow.order_lookup().is_some() && !order_done && !may_have_no_order {
        if order_found {
            // Found before a reload: the order is asked again (it is not kept on the
            // device), and found anew once the shopper continues. After this render, so the
            // step's change is navigation again.
            leptos::task::spawn_local(async move {
                flow.draft.update(|d| d.order_found = false);
            });
        }
        return view! { <crate::screens::OrderScreen /> }.into_any();
    }
    view! { <JourneyScreen /> }.into_any()
}

#[cfg(feature = "lazy")]
#[leptos::wasm_split::wasm_split(
    screens,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    preload(preload_screen)
)]
fn split_screen(flow: Flow, which: Screen) -> Result<AnyView, ChunkError> {
    Ok(build_screen(flow, which))
}

thread_local! {
    static LOADED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Fetches the chunk with the screens, if this page has not yet.
pub async fn load() -> Result<(), ChunkError> {
    #[cfg(feature = "lazy")]
    preload_screen().await?;
    LOADED.set(true);
    Ok(())
}

/// Whether [`load`] has succeeded on this page; always, without the `lazy` feature.
pub fn is_loaded() -> bool {
    cfg!(not(feature = "lazy")) || LOADED.get()
}

/// The screen, built at once inside the caller's reactive context (so it is owned and
/// disposed like any other view), once [`load`] has succeeded; `None` before.
pub fn screen(flow: Flow, which: Screen) -> Option<AnyView> {
    if !is_loaded() {
        return None;
    }
    #[cfg(feature = "lazy")]
    {
        use std::future::Future;
        use std::task::{Context, Poll, Waker};
        // Loaded: the split function's loader is ready, so its first poll finishes.
        let mut call = std::pin::pin!(split_screen(flow, which));
        match call.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(Ok(view)) => Some(view),
            Poll::Ready(Err(ChunkError)) | Poll::Pending => None,
        }
    }
    #[cfg(not(feature = "lazy"))]
    Some(build_screen(flow, which))
}

in_chunk! {
    /// Brings back the files of a kept draft from IndexedDB and resumes their uploads.
    pub fn restore_files(flow: Flow) -> () {
        flow.attachments().restore()
    }
}

in_chunk! {
    /// Stops what a discarded draft's files were doing and deletes what they left, on this
    /// device and on the server.
    pub fn clean_up(flow: Flow, files: Vec<DraftFile>) -> () {
        leptos::task::spawn_local(flow.clean_up(files))
    }
}

in_chunk! {
    /// Listens to the store's page at `host` and tells it the widget is ready.
    pub fn connect_bridge(flow: Flow, following: Following, host: Option<String>) -> () {
        following.confirm_identity();
        crate::bridge::connect(host, move |message| match message {
            FromHost::Prefill(prefill) => flow.draft.update(|d| d.prefill(&prefill)),
            FromHost::Identify(token) => {
                flow.identify(token.clone());
                following.identify(token);
            }
            FromHost::Focus => crate::screens::focus_first("h2"),
        })
    }
}

in_chunk! {
    /// Asks the server where each of the shopper's requests stands (for the start screen's
    /// news marker).
    pub fn refresh_requests(following: Following) -> () {
        let requests = following.requests();
        requests.reload_kept();
        if requests.any() {
            leptos::task::spawn_local(requests.refresh())
        }
    }
}

in_chunk! {
    /// The page a mail's link opens (`/t/{ticket}#k=…`): all of it, from here.
    pub fn open_link(link: crate::app::TicketLink) -> () {
        leptos::mount::mount_to_body(move || view! { <crate::screens::LinkScreen link /> })
    }
}
