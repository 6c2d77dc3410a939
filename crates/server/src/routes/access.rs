//! Who may touch a ticket, as extractors: a handler that takes [`TicketAccess`] or
//! [`AdminSite`] runs only for a request that proved it, and the refusal is the same
//! problem details everywhere.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

use crate::agents::SESSION_COOKIE;
use crate::auth::sha256_hex;
use crate::sites::SharedSite;
use crate::store::agents::AgentRecord;
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
    OpenedTicket::open(state, id, token)
        .await?
        .map(|opened| opened.ticket)
        .ok_or_else(|| AppError::TicketNotFound(id.to_owned()))
}

/// A ticket a request's access token opened before the handler ran: the per-site rate limit
/// needs the ticket's site first ([`crate::request_site::find_site`]), and the statement
/// that opens the ticket gives it, so [`TicketAccess`] takes the ticket from here rather than
/// read it again (one statement fewer on every shopper's read).
#[derive(Clone, Debug)]
pub struct OpenedTicket {
    /// The request's own bearer token: the handler's is compared with it as it is, so the
    /// token is hashed once a request.
    token: String,
    ticket: TicketRecord,
}

impl OpenedTicket {
    /// The ticket `id`, if the request's bearer token opens it.
    pub async fn open(
        state: &AppState,
        id: &str,
        token: &str,
    ) -> Result<Option<OpenedTicket>, AppError> {
        if id.len() > limits::MAX_TICKET_ID_BYTES {
            return Ok(None);
        }
        let token_sha256 = sha256_hex(token);
        let read = state.store.ticket_opened_by(id, &token_sha256);
        Ok(state
            .unchanged_reads
            .opened(id, &token_sha256, read)
            .await?
            .map(|ticket| OpenedTicket {
                token: token.to_owned(),
                ticket,
            }))
    }

    pub fn site(&self) -> &str {
        &self.ticket.site
    }

    /// The ticket, if it is `id` and `token` is the one that opened it.
    fn opened_by(self, id: &str, token: &str) -> Option<TicketRecord> {
        (self.ticket.id == id && self.token == token).then_some(self.ticket)
    }
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
        let token = bearer(&parts.headers);
        let opened = parts.extensions.remove::<OpenedTicket>();
        if let Some(ticket) = opened.zip(token).and_then(|(o, t)| o.opened_by(id, t)) {
            return Ok(TicketAccess(ticket));
        }
        open_ticket(state, id, token).await.map(TicketAccess)
    }
}

/// The site whose admin key the request presents (`Authorization: Bearer`); refused as
/// `auth.admin_key_required` without one or with one no site has.
pub struct AdminSite(pub SharedSite);

impl FromRequestParts<AppState> for AdminSite {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let key = bearer(&parts.headers).ok_or(AppError::AdminKeyRequired)?;
        crate::admin_keys::site_for_key(state, key)
            .await?
            .map(AdminSite)
            .ok_or(AppError::AdminKeyRequired)
    }
}

/// The console's session token from the `Cookie` header(s).
pub(crate) fn session_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|v| !v.is_empty() && v.len() <= 256)
}

/// Whether the request came over https: to the server itself, or to a proxy in front of it
/// that says so, or to the configured public origin.
pub(crate) fn over_https(state: &AppState, headers: &HeaderMap) -> bool {
    let forwarded = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|o| o.starts_with("https://"));
    let public = state
        .public_origin
        .as_deref()
        .is_some_and(|o| o.starts_with("https://"));
    forwarded || origin || public
}

/// CSRF: a console request that changes something must come from the console's own origin,
/// the server's (`Origin` naming the `Host` it was sent to) or the configured public one. A
/// page elsewhere that makes the agent's browser send the cookie is refused, and so is a
/// request without `Origin` (browsers send it with every such request).
pub fn check_origin(state: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(|o| o.trim_end_matches('/'))
        .ok_or(AppError::OriginRefused)?;
    if state.public_origin.as_deref() == Some(origin) {
        return Ok(());
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .ok_or(AppError::OriginRefused)?;
    let same = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .is_some_and(|rest| rest.eq_ignore_ascii_case(host));
    if same {
        Ok(())
    } else {
        Err(AppError::OriginRefused)
    }
}

/// A signed-in agent of the console: the session cookie opens it now (not expired, not
/// signed out, the agent not disabled: read from the database on every request), and for a
/// request that changes something the `Origin` is the console's ([`check_origin`], checked
/// first). Everything the handler does is within `site`, the agent's.
pub struct AgentSession {
    pub agent: AgentRecord,
    pub site: SharedSite,
    pub expires_at: String,
    /// The session's token, for signing out.
    pub token: String,
}

impl FromRequestParts<AppState> for AgentSession {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if !parts.method.is_safe() {
            check_origin(state, &parts.headers)?;
        }
        let token = session_token(&parts.headers);
        let (agent, expires_at) = crate::agents::session_agent(state, token).await?;
        let site = state
            .sites
            .shared(&agent.site)
            .ok_or(AppError::SessionRequired)?;
        Ok(AgentSession {
            agent,
            site,
            expires_at,
            token: token.unwrap_or_default().to_owned(),
        })
    }
}
