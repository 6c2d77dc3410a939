//! The shopper's side of tickets: file one, read it, follow it live, answer the agent,
//! dispute it, list and open one's own, and find one again. One module per resource, each with
//! its handlers; the work is in the ticket services (`ticket_filing`, `shopper_actions`,
//! `tickets`, `ticket_stream`).

use axum::http::HeaderMap;

use super::access::bearer;
use crate::auth;
use crate::sites::Site;
use crate::{AppError, AppState};

pub mod escalate;
pub mod events;
pub mod filing;
pub mod mine;
pub mod recover;
pub mod reply;
pub mod view;

/// The customer the store's identity token (`Authorization: Bearer`) vouches for on `site`.
fn signed_in(site: &Site, headers: &HeaderMap) -> Result<auth::Customer, AppError> {
    if site.identity_secret.is_none() {
        return Err(AppError::IdentityNotConfigured);
    }
    site.identify(bearer(headers).ok_or(AppError::TokenRequired)?)
}

fn site<'s>(state: &'s AppState, key: &str) -> Result<&'s Site, AppError> {
    state
        .sites
        .get(key)
        .ok_or_else(|| AppError::SiteNotFound(key.to_owned()))
}
