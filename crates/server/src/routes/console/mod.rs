//! The agents' console API (`/v1/console/…`): sign-in and the session here, tickets, saved
//! replies, insights and the live stream in their own modules. Authorised by the session
//! cookie ([`AgentSession`]); everything is the agent's site's only.

pub mod insights;
pub mod replies;
pub mod tickets;

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use helpcenter_api::ProblemDetails;
use helpcenter_api::console::{AgentRef, SignIn, SignedInAgent};

use super::access::{AgentSession, check_origin, over_https, session_token};
use crate::agents::{SESSION_COOKIE, SESSION_HOURS};
use crate::client_ip::{ClientIp, bucket};
use crate::store::agents::email_key;
use crate::{AppError, AppState};

/// The cookie that carries a session: only for this server's requests, never for scripts,
/// never sent from another site's page.
fn session_cookie(token: &str, max_age_seconds: i64, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_seconds}{secure}"
    ))
    .ok()
}

/// Sign in
///
/// With the site, the agent's email and password. A wrong email and a wrong password get the
/// same answer. Attempts are limited per account and per address.
#[utoipa::path(
    post,
    path = "/v1/console/session",
    operation_id = "console_sign_in",
    tag = "console",
    request_body(content = SignIn, description = "The site's key, the agent's email (any case) and password."),
    responses(
        (status = 200, description = "Signed in: the session cookie is set.", body = SignedInAgent,
            headers(("Set-Cookie" = String, description = "`hc_console=…; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200`, and `Secure` over https."))),
        (status = 401, description = "`console.sign_in_failed`: the email or the password is not right (or the account is disabled, or there is no such site: the same answer).", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::OriginRefused,
        (status = 429, description = "`rate_limited`: too many attempts for this account or from this address.", body = ProblemDetails, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait before trying again."))),
        crate::openapi::responses::Internal,
    ),
)]
pub async fn sign_in(
    State(state): State<AppState>,
    client: Option<Extension<ClientIp>>,
    headers: HeaderMap,
    Json(request): Json<SignIn>,
) -> Result<Response, AppError> {
    // A page elsewhere must not sign the agent's browser in to an account of its choosing.
    check_origin(&state, &headers)?;
    let account = format!("{}\n{}", request.site.trim(), email_key(&request.email));
    state
        .sign_in
        .attempt(&account, client.map(|Extension(ClientIp(ip))| bucket(ip)))
        .map_err(AppError::SignInRateLimited)?;
    let session = crate::agents::sign_in(
        &state,
        request.site.trim(),
        &request.email,
        &request.password,
    )
    .await?;
    let mut response = Json(session.agent).into_response();
    if let Some(cookie) = session_cookie(
        &session.token,
        SESSION_HOURS * 3600,
        over_https(&state, &headers),
    ) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Who is signed in
#[utoipa::path(
    get,
    path = "/v1/console/session",
    operation_id = "console_session",
    tag = "console",
    responses(
        (status = 200, description = "The signed-in agent and their site.", body = SignedInAgent),
        crate::openapi::responses::SessionRefused,
        crate::openapi::responses::Internal,
    ),
    security(("agent_session" = [])),
)]
pub async fn whoami(session: AgentSession) -> Json<SignedInAgent> {
    Json(crate::agents::signed_in(
        &session.agent,
        &session.site,
        &session.expires_at,
    ))
}

/// Sign out
///
/// Ends the session at once (it is refused from the next request on) and clears the cookie.
/// Signing out without a session, or twice, is not an error.
#[utoipa::path(
    delete,
    path = "/v1/console/session",
    operation_id = "console_sign_out",
    tag = "console",
    responses(
        (status = 204, description = "Signed out; the cookie is cleared.",
            headers(("Set-Cookie" = String, description = "`hc_console=; Max-Age=0`, clearing it."))),
        crate::openapi::responses::OriginRefused,
        crate::openapi::responses::Internal,
    ),
    security(("agent_session" = [])),
)]
pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    check_origin(&state, &headers)?;
    if let Some(token) = session_token(&headers) {
        crate::agents::sign_out(&state, token).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Some(cookie) = session_cookie("", 0, over_https(&state, &headers)) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

/// The site's agents
///
/// The active agents of the signed-in agent's site, by name: whom a ticket can be assigned to.
#[utoipa::path(
    get,
    path = "/v1/console/agents",
    operation_id = "console_agents",
    tag = "console",
    responses(
        (status = 200, description = "The site's active agents.", body = [AgentRef]),
        crate::openapi::responses::SessionRefused,
        crate::openapi::responses::Internal,
    ),
    security(("agent_session" = [])),
)]
pub async fn agents(
    State(state): State<AppState>,
    session: AgentSession,
) -> Result<Json<Vec<AgentRef>>, AppError> {
    Ok(Json(
        crate::console::colleagues(&state, &session.site).await?,
    ))
}
