//! A screen after the start screen, once the chunk holding it is there: until then a status line.

use leptos::prelude::*;

use super::place::Place;
use crate::chunk::{self, Screen};
use crate::draft::Stage;
use crate::flow::Flow;
use crate::i18n::Text;

/// Whether the chunk is there for [`InChunk`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Chunk {
    Loading,
    Failed,
    Ready,
}

/// A screen after the start screen, once the chunk that holds it is there (at once when it
/// already is: the start screen fetches it). While it is fetched a status line; if it cannot
/// be, a message with Try again and Back: the draft is in the main module and on the device,
/// so nothing the shopper typed is lost.
#[component]
pub(super) fn InChunk(which: Screen) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let place = expect_context::<RwSignal<Place>>();
    let locale = flow.locale;
    let loaded = RwSignal::new(if chunk::is_loaded() {
        Chunk::Ready
    } else {
        Chunk::Loading
    });
    let fetch = move || {
        loaded.set(Chunk::Loading);
        leptos::task::spawn_local(async move {
            let state = match chunk::load().await {
                Ok(()) => Chunk::Ready,
                Err(_) => Chunk::Failed,
            };
            // The shopper may have gone back meanwhile.
            loaded.try_set(state);
        });
    };
    if loaded.get_untracked() == Chunk::Loading {
        fetch();
    }
    let back = {
        let which = which.clone();
        move || match which {
            Screen::Journey => flow.draft.update(|d| d.back()),
            Screen::Requests | Screen::Ticket(_) => place.set(Place::Filing),
            _ => flow.go(Stage::Problem),
        }
    };
    let failed = {
        let which = which.clone();
        move || {
            let back = back.clone();
            view! {
                <div class="hc-error" role="alert">
                    <p>{locale.text(Text::StepLoadFailed)}</p>
                    <button type="button" class="hc-retry" on:click=move |_| fetch()>
                        {locale.text(Text::TryAgain)}
                    </button>
                    {(which != Screen::Filed)
                        .then(|| {
                            view! {
                                <button type="button" class="hc-back" on:click=move |_| back()>
                                    {locale.text(Text::Back)}
                                </button>
                            }
                        })}
                </div>
            }
            .into_any()
        }
    };
    move || match loaded.get() {
        Chunk::Loading => {
            view! { <p class="hc-status" role="status">{locale.text(Text::StepLoading)}</p> }
                .into_any()
        }
        Chunk::Failed => failed(),
        Chunk::Ready => chunk::screen(flow, which.clone()).unwrap_or_else(failed.clone()),
    }
}
