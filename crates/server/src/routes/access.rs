//! Who may touch a ticket, as extractors: a handler that takes [`TicketAccess`] or
//! [`AdminSite`] runs only for a request that proved it, and the refusal is the same
//! problem details everywhere.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

use crate::auth::sha256_hex;
use crate::sites::SharedSite;
use crate::store::tickets::TicketRecord;
use crate::{AppError, AppState};
use helpcenter_core::limits;

/// A bearer token from `Authorization`.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 256)
}

/// The ticket, if `token` opens it; the same answer for "no such ticket" and "wrong token".
pub async fn open_ticket(
    state: &AppState,
    id: &str,
    token: Option<&str>,
) -> Result<TicketRecord, AppError> {
    let token = token.ok_or(AppError::TokenRequired)?;
    let not_found = || AppError::TicketNotFound(id.to_owned());
    if id.len() > limits::MAX_TICKET_ID_BYTES
        || !state.store.token_opens(id, &sha256_hex(token)).await?
    {
        return Err(not_found());
    }
    state.store.ticket(id).await?.ok_or_else(not_found)
}

/// The ticket of the path's `{id}`, opened by the shopper's access token
/// (`Authorization: Bearer`); refused as `auth.token_required` without one and as
/// `ticket.not_found` when the token does not open it.
pub struct TicketAccess(pub TicketRecord);

impl FromRequestParts<AppState> for TicketAccess {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        let id = params
            .iter()
            .find_map(|(name, value)| (name == "id").then_some(value))
            .ok_or(AppError::NotFound)?;
        open_ticket(state, id, bearer(&parts.headers))
            .await
            .map(TicketAccess)
    }
}

/// The site whose admin key the request presents (`Authorization: Bearer`); refused as
/// `auth.admin_key_required` without one or with one no site has.
pub struct AdminSite(pub SharedSite);

impl FromRequestParts<AppState> for AdminSite {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let key = bearer(&parts.headers).ok_or(AppError::AdminKeyRequired)?;
        state
            .sites
            .shared_by_admin_key(key)
            .map(AdminSite)
            .ok_or(AppError::AdminKeyRequired)
    }
}
