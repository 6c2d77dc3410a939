//! The screens after the first: a ticket with its evidence viewer, the settings and the
//! insights. Sign-in and the inbox are in the first load; with the `lazy` feature (the release
//! build, `cargo xtask build-console`) each of these screens is a wasm chunk of its own (what
//! they share, a chunk beside them), fetched once an agent is signed in and the inbox shows, or
//! at once when a link opens the screen directly (`/console/tickets/HC-…`). Without the feature
//! they are plain routes, so `cargo test` and the wasm tests run the same code unsplit.
//! A chunk that cannot be fetched shows a notice with a way to try again, never a dead page.

use leptos::prelude::*;
use leptos_router::LazyRoute;

use crate::app::use_console;
use crate::i18n::Text;
use crate::screens::{InsightsScreen, SettingsScreen, TicketScreen};

/// A screen's chunk could not be fetched or instantiated (offline, a deploy in between).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a screen of the console could not be loaded")]
pub struct ChunkError;

#[cfg(feature = "lazy")]
impl From<leptos::wasm_split::SplitLoaderError> for ChunkError {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        ChunkError
    }
}

/// A route whose screen lives in chunk `$module`: with `lazy` a split point, without it the
/// screen drawn at once. `$preload` fetches the chunk without drawing anything.
macro_rules! lazy_screen {
    ($(#[$doc:meta])* $route:ident, $module:ident, $draw:ident, $preload:ident, $screen:ident) => {
        #[cfg(feature = "lazy")]
        #[leptos::wasm_split::wasm_split(
            $module,
            wasm_split_path = ::leptos::wasm_split,
            fallible,
            preload($preload)
        )]
        fn $draw() -> Result<AnyView, ChunkError> {
            Ok(view! { <$screen /> }.into_any())
        }

        #[cfg(not(feature = "lazy"))]
        async fn $draw() -> Result<AnyView, ChunkError> {
            Ok(view! { <$screen /> }.into_any())
        }

        #[cfg(not(feature = "lazy"))]
        async fn $preload() -> Result<(), ChunkError> {
            Ok(())
        }

        $(#[$doc])*
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_: Self) -> AnyView {
                $draw().await.unwrap_or_else(|ChunkError| not_loaded())
            }

            async fn preload() {
                let _ = $preload().await;
            }
        }
    };
}

lazy_screen!(
    /// `/console/tickets/:id`: one ticket, its evidence viewer and its actions.
    TicketRoute,
    ticket,
    draw_ticket,
    preload_ticket,
    TicketScreen
);
lazy_screen!(
    /// `/console/settings`: the site's saved replies.
    SettingsRoute,
    settings,
    draw_settings,
    preload_settings,
    SettingsScreen
);
lazy_screen!(
    /// `/console/insights`: the charts of the promises kept.
    InsightsRoute,
    insights,
    draw_insights,
    preload_insights,
    InsightsScreen
);

/// Fetches every screen's chunk, one after the other (the inbox's own calls go first), so
/// opening a ticket later waits for nothing. A failed fetch is tried again on the way to the
/// screen.
pub async fn preload_all() {
    let _ = preload_ticket().await;
    let _ = preload_settings().await;
    let _ = preload_insights().await;
}

/// What a screen whose chunk could not be fetched shows: the reason, and a reload that
/// fetches it again (the agent's drafts are kept in the first load, see `app::Console`).
fn not_loaded() -> AnyView {
    let console = use_console();
    view! {
        <div class="notice" role="alert">
            <p>{console.tu(Text::ScreenNotLoaded)}</p>
            <button type="button" on:click=|_| {
                let _ = window().location().reload();
            }>{console.tu(Text::TryAgain)}</button>
        </div>
    }
    .into_any()
}
