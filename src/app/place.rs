//! Where the shopper is: filing a request or following theirs, kept across a reload of the tab.

use leptos::prelude::*;

/// Where the shopper is: filing a request (its stage is in the draft), or following theirs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    Filing,
    Requests,
    Ticket(String),
}

impl Place {
    /// Kept for the tab's life, so a reload comes back to the same request.
    fn key(site: &str) -> String {
        format!("helpcenter.place.v1.{site}")
    }

    pub(super) fn load(site: &str) -> Place {
        let text = window()
            .session_storage()
            .ok()
            .flatten()
            .and_then(|s| s.get_item(&Place::key(site)).ok().flatten())
            .unwrap_or_default();
        match text.split_once(':') {
            Some(("ticket", id)) if !id.is_empty() => Place::Ticket(id.to_owned()),
            _ if text == "requests" => Place::Requests,
            _ => Place::Filing,
        }
    }

    pub(crate) fn store(&self, site: &str) {
        let text = match self {
            Place::Filing => String::new(),
            Place::Requests => "requests".to_owned(),
            Place::Ticket(id) => format!("ticket:{id}"),
        };
        if let Some(storage) = window().session_storage().ok().flatten() {
            let _ = storage.set_item(&Place::key(site), &text);
        }
    }
}
