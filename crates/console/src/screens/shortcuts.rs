//! `?`: the list of keyboard shortcuts, as a dialog that takes focus, keeps Tab inside and
//! gives focus back when it closes.

use leptos::prelude::*;

use crate::app::use_console;
use crate::i18n::Text;

const KEYS: [(&str, Text); 8] = [
    ("j", Text::KeyNext),
    ("k", Text::KeyPrevious),
    ("Enter", Text::KeyOpen),
    ("r", Text::KeyReply),
    ("n", Text::KeyNote),
    ("/", Text::KeySearch),
    ("?", Text::KeyHelp),
    ("Esc", Text::KeyClose),
];

#[component]
pub fn ShortcutsDialog() -> impl IntoView {
    let console = use_console();
    let open = console.shortcuts_open;
    let close_ref = NodeRef::<leptos::html::Button>::new();
    // Where focus was, to give it back.
    let before = StoredValue::new_local(None::<web_sys::HtmlElement>);
    Effect::new(move |_| {
        if open.get() {
            use wasm_bindgen::JsCast;
            before.set_value(
                document()
                    .active_element()
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()),
            );
            if let Some(button) = close_ref.get() {
                let _ = button.focus();
            }
        } else if let Some(element) = before.get_value() {
            let _ = element.focus();
            before.set_value(None);
        }
    });
    view! {
        <div class="backdrop" hidden=move || !open.get() on:click=move |_| open.set(false)></div>
        <div
            class="dialog shortcuts"
            role="dialog"
            aria-modal="true"
            aria-labelledby="shortcuts-heading"
            hidden=move || !open.get()
            on:keydown=move |e| {
                if e.key() == "Escape" {
                    open.try_set(false);
                }
                crate::keys::trap_tab(&e);
            }
        >
            <h2 id="shortcuts-heading">{console.tu(Text::ShortcutsHeading)}</h2>
            <dl>
                {KEYS
                    .into_iter()
                    .map(|(key, text)| {
                        view! {
                            <div>
                                <dt><kbd>{key}</kbd></dt>
                                <dd>{move || console.t(text)}</dd>
                            </div>
                        }
                    })
                    .collect_view()}
            </dl>
            <button type="button" node_ref=close_ref on:click=move |_| open.set(false)>
                {console.tu(Text::CloseViewer)}
            </button>
        </div>
    }
}
