//! Which site a public API request is about, for the per-site rate limit
//! ([`crate::rate_limit`]): found before the limit, from the path, the ticket or upload it
//! names, or a new upload's metadata.

use crate::rate_limit::RequestSite;
use crate::routes::access::OpenedTicket;

/// The site a request is about: `/v1/sites/{site}/…` by its key, `/v1/tickets/{id}/…` by the
/// ticket's site, `POST /v1/uploads` by the `site` in its `Upload-Metadata`, `/v1/uploads/{id}`
/// by the upload's site. Only sites this server serves get a bucket of their own; anything
/// else (an unknown ticket, a made-up site) shares one, so a flood of guesses cannot grow the
/// table or eat a real store's allowance.
pub async fn find_site(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    // The request itself (its body is not Sync) is not held across the look-up.
    let path = request.uri().path().to_owned();
    let metadata = request
        .headers()
        .get("upload-metadata")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let token = crate::routes::access::bearer(request.headers()).map(str::to_owned);
    // A ticket's address with its access token: opening the ticket gives its site, and the
    // handler takes the opened ticket (`OpenedTicket`) instead of reading it again.
    let opened = match (ticket_in(&path), token) {
        (Some(id), Some(token)) => OpenedTicket::open(&state, id, &token).await.ok().flatten(),
        _ => None,
    };
    let site = match &opened {
        Some(opened) => Some(opened.site().to_owned()),
        None => site_of(&state, &path, metadata.as_deref()).await,
    };
    let served = site.filter(|key| state.sites.get(key).is_some());
    request
        .extensions_mut()
        .insert(RequestSite(served.unwrap_or_default()));
    if let Some(opened) = opened {
        request.extensions_mut().insert(opened);
    }
    next.run(request).await
}

/// The ticket id of a `/v1/tickets/{id}/…` address.
fn ticket_in(path: &str) -> Option<&str> {
    segment(path, "/v1/tickets/")
}

/// The segment of `path` right after `prefix`, if not empty.
fn segment<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    path.strip_prefix(prefix)
        .and_then(|rest| rest.split('/').next())
        .filter(|segment| !segment.is_empty())
}

/// The site `path` (or a new upload's metadata) names, served here or not: [`find_site`]
/// keeps only the served ones.
async fn site_of(
    state: &crate::AppState,
    path: &str,
    upload_metadata: Option<&str>,
) -> Option<String> {
    use helpcenter_core::limits::{MAX_SITE_KEY_BYTES, MAX_TICKET_ID_BYTES};
    if let Some(key) = segment(path, "/v1/sites/") {
        Some(key.to_owned()).filter(|key| key.len() <= MAX_SITE_KEY_BYTES)
    } else if let Some(id) = ticket_in(path) {
        if id.len() > MAX_TICKET_ID_BYTES {
            return None;
        }
        state.store.site_of_ticket(id).await.ok().flatten()
    } else if let Some(id) = segment(path, "/v1/uploads/") {
        if !crate::uploads::is_upload_id(id) {
            return None;
        }
        state.store.site_of_upload(id).await.ok().flatten()
    } else if path == "/v1/uploads" {
        let metadata = crate::uploads::metadata::parse(upload_metadata?).ok()?;
        String::from_utf8(metadata.get("site")?.clone()).ok()
    } else {
        None
    }
}
