//! HTTP calls to helpcenter-server's console API (`/v1/console/…`). The console is served by
//! the server itself, so every call goes to the page's own origin with the agent's session
//! cookie (`credentials: same-origin`; the cookie is HttpOnly, so no script can read it, and
//! this module sends no secret of its own). The browser adds `Origin` to every POST, which
//! the server checks against CSRF.

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use web_sys::RequestCredentials;

use crate::wire::{
    AgentMessage, AgentRef, Assign, ConsoleTicket, InboxPage, InboxQuery, Insights, InsightsQuery,
    RequestInfo, SavedReply, SavedReplyInput, SignIn, SignedInAgent, Transition,
};

/// Why a call did not work, as the agent should hear it.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// No answer at all: offline, or the server is down.
    #[error("the server could not be reached")]
    Network,
    /// The session is gone (expired, signed out elsewhere, agent disabled): sign in again.
    #[error("not signed in")]
    SignedOut,
    /// Too many attempts; try again after this many seconds.
    #[error("rate limited for {0} s")]
    RateLimited(u32),
    /// Not there, or not this site's (the server does not say which).
    #[error("not found")]
    NotFound,
    /// A definite no with the server's stable code (e.g. `ticket.transition_not_allowed`,
    /// `session.invalid_credentials`).
    #[error("refused: {code}")]
    Refused { status: u16, code: String },
    /// The server failed, or answered something this console cannot read.
    #[error("the server answered {0}")]
    Server(u16),
}

impl ApiError {
    /// Someone else changed the ticket first: read it again.
    pub fn is_conflict(&self) -> bool {
        matches!(self, ApiError::Refused { status: 409, .. })
    }
}

/// The part of a problem document the console needs: its stable code.
#[derive(Deserialize)]
struct Problem {
    #[serde(default)]
    code: String,
}

fn url(path: &str) -> String {
    path.to_owned()
}

fn same_origin(request: RequestBuilder) -> RequestBuilder {
    request.credentials(RequestCredentials::SameOrigin)
}

/// The signed-in agent, or [`ApiError::SignedOut`].
pub async fn whoami() -> Result<SignedInAgent, ApiError> {
    read(Request::get(&url("/v1/console/session"))).await
}

pub async fn sign_in(form: &SignIn) -> Result<SignedInAgent, ApiError> {
    send(Request::post(&url("/v1/console/session")), form).await
}

pub async fn sign_out() -> Result<(), ApiError> {
    let response = same_origin(Request::delete(&url("/v1/console/session")))
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    if response.ok() || response.status() == 401 {
        Ok(())
    } else {
        Err(refusal(response).await)
    }
}

/// The site's policy words (from the document the widget starts from).
pub async fn widget_config(site: &str) -> Result<crate::words::SiteWords, ApiError> {
    read(Request::get(&format!(
        "/v1/sites/{}/widget-config",
        encode(site)
    )))
    .await
}

pub async fn inbox(query: &InboxQuery) -> Result<InboxPage, ApiError> {
    read(Request::get(&format!(
        "/v1/console/tickets{}",
        query_string(query)
    )))
    .await
}

/// A ticket, its words (decision path, category, outcome) in the agent's `locale`.
pub async fn ticket(id: &str, locale: &str) -> Result<ConsoleTicket, ApiError> {
    read(Request::get(&format!(
        "/v1/console/tickets/{}?locale={}",
        encode(id),
        encode_query(locale)
    )))
    .await
}

pub async fn transition(
    id: &str,
    locale: &str,
    body: &Transition,
) -> Result<ConsoleTicket, ApiError> {
    send(
        Request::post(&format!(
            "/v1/console/tickets/{}/transition?locale={}",
            encode(id),
            encode_query(locale)
        )),
        body,
    )
    .await
}

pub async fn request_info(
    id: &str,
    locale: &str,
    body: &RequestInfo,
) -> Result<ConsoleTicket, ApiError> {
    send(
        Request::post(&format!(
            "/v1/console/tickets/{}/request-info?locale={}",
            encode(id),
            encode_query(locale)
        )),
        body,
    )
    .await
}

pub async fn message(
    id: &str,
    locale: &str,
    body: &AgentMessage,
) -> Result<ConsoleTicket, ApiError> {
    send(
        Request::post(&format!(
            "/v1/console/tickets/{}/messages?locale={}",
            encode(id),
            encode_query(locale)
        )),
        body,
    )
    .await
}

pub async fn assign(id: &str, locale: &str, body: &Assign) -> Result<ConsoleTicket, ApiError> {
    send(
        Request::post(&format!(
            "/v1/console/tickets/{}/assign?locale={}",
            encode(id),
            encode_query(locale)
        )),
        body,
    )
    .await
}

/// The site's agents, for "assign to a colleague".
pub async fn agents() -> Result<Vec<AgentRef>, ApiError> {
    read(Request::get("/v1/console/agents")).await
}

pub async fn saved_replies() -> Result<Vec<SavedReply>, ApiError> {
    read(Request::get("/v1/console/saved-replies")).await
}

pub async fn create_saved_reply(body: &SavedReplyInput) -> Result<SavedReply, ApiError> {
    send(Request::post("/v1/console/saved-replies"), body).await
}

pub async fn update_saved_reply(id: &str, body: &SavedReplyInput) -> Result<SavedReply, ApiError> {
    send(
        Request::put(&format!("/v1/console/saved-replies/{}", encode(id))),
        body,
    )
    .await
}

pub async fn delete_saved_reply(id: &str) -> Result<(), ApiError> {
    let response = same_origin(Request::delete(&format!(
        "/v1/console/saved-replies/{}",
        encode(id)
    )))
    .send()
    .await
    .map_err(|_| ApiError::Network)?;
    if response.ok() {
        Ok(())
    } else {
        Err(refusal(response).await)
    }
}

pub async fn insights(query: &InsightsQuery) -> Result<Insights, ApiError> {
    let mut pairs = Vec::new();
    if let Some(from) = query.from {
        pairs.push(("from", from.to_string()));
    }
    if let Some(to) = query.to {
        pairs.push(("to", to.to_string()));
    }
    read(Request::get(&format!(
        "/v1/console/insights{}",
        join_query(&pairs)
    )))
    .await
}

/// Where the site's events stream from (Server-Sent Events, with the session cookie).
pub const EVENTS_URL: &str = "/v1/console/events";

async fn read<T: DeserializeOwned>(request: RequestBuilder) -> Result<T, ApiError> {
    let response = same_origin(request)
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    answer(response).await
}

async fn send<T: DeserializeOwned>(
    request: RequestBuilder,
    body: &impl serde::Serialize,
) -> Result<T, ApiError> {
    let request = same_origin(request)
        .json(body)
        .map_err(|_| ApiError::Network)?;
    let response = request.send().await.map_err(|_| ApiError::Network)?;
    answer(response).await
}

async fn answer<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    if response.ok() {
        let status = response.status();
        return response.json().await.map_err(|_| ApiError::Server(status));
    }
    Err(refusal(response).await)
}

async fn refusal(response: Response) -> ApiError {
    let status = response.status();
    match status {
        401 => return ApiError::SignedOut,
        404 => return ApiError::NotFound,
        429 => {
            let seconds = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(60);
            return ApiError::RateLimited(seconds);
        }
        _ => {}
    }
    if status >= 500 {
        return ApiError::Server(status);
    }
    match response.json::<Problem>().await {
        Ok(problem) => ApiError::Refused {
            status,
            code: problem.code,
        },
        Err(_) => ApiError::Server(status),
    }
}

/// The inbox's filters as a query string (`?status=submitted,in_review&q=…`), empty for none.
pub fn query_string(query: &InboxQuery) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if let Some(status) = query.status.as_ref().filter(|s| !s.0.is_empty()) {
        pairs.push(("status", status.to_string()));
    }
    if let Some(category) = &query.category {
        pairs.push(("category", category.clone()));
    }
    if let Some(outcome) = &query.outcome {
        pairs.push(("outcome", outcome.clone()));
    }
    if let Some(assignee) = &query.assignee {
        pairs.push(("assignee", assignee.as_str().to_owned()));
    }
    if let Some(due) = query.due {
        let due = match due {
            crate::wire::DueFilter::Overdue => "overdue",
            crate::wire::DueFilter::Today => "today",
        };
        pairs.push(("due", due.to_owned()));
    }
    if let Some(q) = query.q.as_ref().filter(|q| !q.trim().is_empty()) {
        pairs.push(("q", q.trim().to_owned()));
    }
    if let Some(sort) = query.sort {
        let sort = match sort {
            crate::wire::InboxSort::RespondBy => "respond_by",
            crate::wire::InboxSort::Updated => "updated",
        };
        pairs.push(("sort", sort.to_owned()));
    }
    if let Some(after) = &query.after {
        pairs.push(("after", after.clone()));
    }
    if let Some(limit) = query.limit {
        pairs.push(("limit", limit.to_string()));
    }
    join_query(&pairs)
}

fn join_query(pairs: &[(&str, String)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode_query(v)))
        .collect();
    format!("?{}", parts.join("&"))
}

/// Percent-encodes a path segment: a ticket id from the address bar cannot leave its segment.
pub fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Percent-encodes a query value; commas stay readable (`status=submitted,in_review`).
fn encode_query(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b',' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{AssigneeFilter, DueFilter, InboxSort, StatusList};
    use helpcenter_core::TicketStatus;

    #[test]
    fn no_filters_is_no_query_string() {
        assert_eq!(query_string(&InboxQuery::default()), "");
    }

    #[test]
    fn filters_become_the_query_string_the_server_reads() {
        let query = InboxQuery {
            status: Some(StatusList(vec![
                TicketStatus::Submitted,
                TicketStatus::InReview,
            ])),
            category: Some("product_quality".into()),
            outcome: None,
            assignee: Some(AssigneeFilter::Me),
            due: Some(DueFilter::Overdue),
            q: Some(" wei+shop@example.com ".into()),
            sort: Some(InboxSort::RespondBy),
            after: Some("abc=".into()),
            limit: Some(50),
        };
        assert_eq!(
            query_string(&query),
            "?status=submitted,in_review&category=product_quality&assignee=me&due=overdue\
             &q=wei%2Bshop%40example.com&sort=respond_by&after=abc%3D&limit=50"
        );
    }

    #[test]
    fn a_ticket_id_cannot_escape_its_path_segment() {
        assert_eq!(encode("HC-7F3K9Q"), "HC-7F3K9Q");
        assert_eq!(encode("../session?x"), "..%2Fsession%3Fx");
    }
}
