//! Keyboard shortcuts: `j`/`k` through the inbox, Enter opens, `r` reply, `n` note, `?` lists
//! them. None fires while the agent types in a field or holds a modifier.

use wasm_bindgen::JsCast;
use web_sys::KeyboardEvent;

/// The agent is typing: the key belongs to the field.
pub fn typing(event: &KeyboardEvent) -> bool {
    let Some(target) = event.target() else {
        return false;
    };
    let Ok(element) = target.dyn_into::<web_sys::Element>() else {
        return false;
    };
    let tag = element.tag_name().to_ascii_lowercase();
    matches!(tag.as_str(), "input" | "textarea" | "select")
        || element.get_attribute("contenteditable").is_some()
}

/// Ctrl, Alt or Meta held: the browser's or the system's shortcut, not ours.
pub fn modified(event: &KeyboardEvent) -> bool {
    event.ctrl_key() || event.alt_key() || event.meta_key()
}

/// One value of a query string (`?next=%2Fconsole%2Ftickets`), decoded.
pub fn query_param(search: &str, name: &str) -> Option<String> {
    search
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .and_then(|(_, value)| percent_decode(value))
}

fn percent_decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = value.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Moves focus to the element with `id` (a field the shortcut opens), scrolling it into view.
pub fn focus(id: &str) -> bool {
    let Some(element) = leptos::prelude::document().get_element_by_id(id) else {
        return false;
    };
    element.scroll_into_view();
    element
        .dyn_into::<web_sys::HtmlElement>()
        .map(|e| e.focus().is_ok())
        .unwrap_or(false)
}

/// Gives focus back to the element with `id` without scrolling (after a redraw).
pub fn focus_quietly(id: &str) {
    if let Some(element) = leptos::prelude::document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = element.focus();
    }
}

/// What Tab can reach inside a dialog.
const FOCUSABLE: &str = "a[href], button:not([disabled]), input:not([disabled]), \
    select:not([disabled]), textarea:not([disabled]), video[controls], \
    [tabindex]:not([tabindex='-1'])";

/// Keeps Tab and Shift+Tab inside an open modal dialog (the `keydown` event's current
/// target): from its last control Tab goes to the first, from its first (or the dialog
/// itself) Shift+Tab to the last, so focus never wanders behind the backdrop.
pub fn trap_tab(event: &KeyboardEvent) {
    if event.key() != "Tab" {
        return;
    }
    let Some(dialog) = event
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    let Ok(found) = dialog.query_selector_all(FOCUSABLE) else {
        return;
    };
    let reachable: Vec<web_sys::HtmlElement> = (0..found.length())
        .filter_map(|i| found.item(i))
        .filter_map(|node| node.dyn_into::<web_sys::HtmlElement>().ok())
        // Hidden ones (`hidden`, or inside something hidden) have no layout box.
        .filter(|element| element.get_client_rects().length() > 0)
        .collect();
    let (Some(first), Some(last)) = (reachable.first(), reachable.last()) else {
        // Nothing to reach: focus stays on the dialog.
        event.prevent_default();
        return;
    };
    let active = leptos::prelude::document().active_element();
    let on = |element: &web_sys::HtmlElement| {
        active
            .as_ref()
            .is_some_and(|a| a == element.unchecked_ref::<web_sys::Element>())
    };
    let inside = active.as_ref().is_some_and(|a| dialog.contains(Some(a)));
    let on_dialog = active.as_ref() == Some(&dialog);
    let next = if event.shift_key() {
        (on(first) || on_dialog || !inside).then_some(last)
    } else {
        (on(last) || !inside).then_some(first)
    };
    if let Some(next) = next {
        event.prevent_default();
        let _ = next.focus();
    }
}

#[cfg(test)]
mod tests {
    use super::query_param;

    #[test]
    fn the_page_to_return_to_is_read_from_the_address() {
        let search = "?x=1&next=%2Fconsole%2Ftickets%2FHC-7F3K9Q%3Fq%3Dwei";
        assert_eq!(
            query_param(search, "next").as_deref(),
            Some("/console/tickets/HC-7F3K9Q?q=wei")
        );
        assert_eq!(query_param(search, "nope"), None);
        assert_eq!(query_param("?next=%zz", "next"), None);
    }
}
