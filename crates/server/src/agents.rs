//! Agent accounts and their console sessions: passwords hashed with argon2id (PHC strings),
//! sign-in that answers a wrong email and a wrong password alike, and sessions kept in the
//! database by the SHA-256 of their token, read on every request so that signing out or
//! disabling the agent ends them at once.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use helpcenter_api::console::{AgentRole, SignedInAgent};
use helpcenter_core::limits::MAX_EMAIL_CHARS;

use crate::auth::{new_secret, sha256_hex};
use crate::sites::Site;
use crate::store::agents::{AgentRecord, SessionState};
use crate::store::{Store, StoreError, timestamp};
use crate::{AppError, AppState};

/// How the timeline names events done with the admin key (admin API, CLI).
pub const ADMIN_KEY_ACTOR: &str = "admin key";
/// The console's session cookie.
pub const SESSION_COOKIE: &str = "hc_console";
/// A session ends this long after sign-in, however busy the agent is: a laptop left open
/// overnight is signed out by morning.
pub const SESSION_HOURS: i64 = 12;
/// A password shorter than this is refused when an account is made.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Bytes of a password: argon2 takes any length, the server does not.
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Characters of an agent's name.
pub const MAX_NAME_CHARS: usize = 100;

/// Why an account could not be made or changed.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error("{0:?} is not an email address")]
    EmailInvalid(String),
    #[error("the name must be 1 to {MAX_NAME_CHARS} characters")]
    NameInvalid,
    #[error("the password must be at least {MIN_PASSWORD_CHARS} characters")]
    PasswordTooShort,
    #[error("the password must be at most {MAX_PASSWORD_BYTES} bytes")]
    PasswordTooLong,
    #[error("site {site:?} has an agent with the email {email:?} already")]
    EmailTaken { site: String, email: String },
    #[error("site {site:?} has no agent with the email {email:?}")]
    NotFound { site: String, email: String },
    #[error("hashing the password failed: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn check_password(password: &str) -> Result<(), AgentError> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(AgentError::PasswordTooLong);
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AgentError::PasswordTooShort);
    }
    Ok(())
}

/// argon2id with the crate's default cost (19 MiB, 2 passes), as a PHC string.
pub fn hash_password(password: &str) -> Result<String, AgentError> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AgentError::Hash(e.to_string()))
}

/// Whether `password` is the one `phc` was made from.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// Checked against when the email names no agent, so that a wrong email takes as long as a
/// wrong password.
static NOBODY: LazyLock<String> =
    LazyLock::new(|| hash_password(&new_secret()).unwrap_or_default());

fn looks_like_email(email: &str) -> bool {
    let email = email.trim();
    email.chars().count() <= MAX_EMAIL_CHARS
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !email.chars().any(char::is_whitespace)
}

/// Makes an agent account on `site`.
pub async fn add_agent(
    store: &Store,
    site: &str,
    email: &str,
    name: &str,
    role: AgentRole,
    password: &str,
) -> Result<AgentRecord, AgentError> {
    let email = email.trim();
    if !looks_like_email(email) {
        return Err(AgentError::EmailInvalid(email.to_owned()));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(AgentError::NameInvalid);
    }
    check_password(password)?;
    let password = password.to_owned();
    let password_hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AgentError::Hash(e.to_string()))??;
    let agent = AgentRecord {
        id: format!("ag_{}", &new_secret()[..16]),
        site: site.to_owned(),
        email: email.to_owned(),
        name: name.to_owned(),
        role: role.as_str().to_owned(),
        password_hash,
        disabled_at: None,
        created_at: timestamp(jiff::Timestamp::now()),
    };
    if store.insert_agent(&agent).await? {
        Ok(agent)
    } else {
        Err(AgentError::EmailTaken {
            site: site.to_owned(),
            email: email.to_owned(),
        })
    }
}

/// Disables an agent: no more sign-ins, and their sessions end now. `Ok(false)` when they
/// were disabled already.
pub async fn disable_agent(store: &Store, site: &str, email: &str) -> Result<bool, AgentError> {
    store
        .disable_agent(site, email, &timestamp(jiff::Timestamp::now()))
        .await?
        .ok_or_else(|| AgentError::NotFound {
            site: site.to_owned(),
            email: email.trim().to_owned(),
        })
}

/// Sets a new password and ends the agent's sessions.
pub async fn set_password(
    store: &Store,
    site: &str,
    email: &str,
    password: &str,
) -> Result<(), AgentError> {
    check_password(password)?;
    let password = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AgentError::Hash(e.to_string()))??;
    if store
        .set_agent_password(site, email, &hash, &timestamp(jiff::Timestamp::now()))
        .await?
    {
        Ok(())
    } else {
        Err(AgentError::NotFound {
            site: site.to_owned(),
            email: email.trim().to_owned(),
        })
    }
}

/// A new session: its token (for the cookie only; the database keeps its hash) and when it
/// ends.
pub struct NewSession {
    pub token: String,
    pub agent: SignedInAgent,
}

/// The signed-in agent as the console shows them.
pub fn signed_in(agent: &AgentRecord, site: &Site, expires_at: &str) -> SignedInAgent {
    SignedInAgent {
        id: agent.id.clone(),
        name: agent.name.clone(),
        email: agent.email.clone(),
        role: AgentRole::parse(&agent.role).unwrap_or_default(),
        site: site.key.clone(),
        site_display_name: site.display_name.clone(),
        session_expires_at: expires_at.to_owned(),
    }
}

/// Signs an agent in by site, email and password. Unknown sites and emails, wrong passwords
/// and disabled accounts are all `SignInFailed`, after the same work, so nothing tells
/// which; rate limits are the caller's, before this.
pub async fn sign_in(
    state: &AppState,
    site_key: &str,
    email: &str,
    password: &str,
) -> Result<NewSession, AppError> {
    let site = state.sites.get(site_key);
    let agent = match site {
        Some(site) if looks_like_email(email) => {
            state.store.agent_by_email(&site.key, email).await?
        }
        _ => None,
    };
    let phc = agent
        .as_ref()
        .map_or_else(|| NOBODY.clone(), |a| a.password_hash.clone());
    let password = password.to_owned();
    let right = password.len() <= MAX_PASSWORD_BYTES
        && tokio::task::spawn_blocking(move || verify_password(&password, &phc))
            .await
            .unwrap_or(false);
    let (Some(site), Some(agent)) = (site, agent) else {
        return Err(AppError::SignInFailed);
    };
    if !right || agent.disabled_at.is_some() {
        return Err(AppError::SignInFailed);
    }
    let token = new_secret();
    let now = jiff::Timestamp::now();
    let expires = now
        .checked_add(jiff::SignedDuration::from_hours(SESSION_HOURS))
        .unwrap_or(now);
    let expires_at = timestamp(expires);
    state
        .store
        .insert_session(&sha256_hex(&token), &agent.id, &timestamp(now), &expires_at)
        .await?;
    tracing::info!(agent = %agent.id, site = %site.key, "agent signed in");
    Ok(NewSession {
        token,
        agent: signed_in(&agent, site, &expires_at),
    })
}

/// The agent a session token opens the console for, now; refused as required (none,
/// unknown, signed out), expired, or disabled.
pub async fn session_agent(
    state: &AppState,
    token: Option<&str>,
) -> Result<(AgentRecord, String), AppError> {
    let token = token.ok_or(AppError::SessionRequired)?;
    match state
        .store
        .session(&sha256_hex(token), &timestamp(jiff::Timestamp::now()))
        .await?
    {
        SessionState::Active(agent, expires_at) => Ok((*agent, expires_at)),
        SessionState::Expired => Err(AppError::SessionExpired),
        SessionState::AgentDisabled => Err(AppError::AgentDisabled),
        SessionState::Unknown => Err(AppError::SessionRequired),
    }
}

/// Ends a session at once.
pub async fn sign_out(state: &AppState, token: &str) -> Result<(), AppError> {
    Ok(state
        .store
        .revoke_session(&sha256_hex(token), &timestamp(jiff::Timestamp::now()))
        .await?)
}

/// The demo site's agent, for trying the console without a config: made once, its password
/// generated and kept in the data directory (like the demo admin key), and put back if
/// someone changed it. Two saved replies come with it, to try them on a claim.
pub const DEMO_AGENT_EMAIL: &str = "demo@example.com";

pub async fn ensure_demo_agent(
    store: &Store,
    data_dir: &std::path::Path,
) -> Result<(String, String), AgentError> {
    let path = data_dir.join("demo-agent-password");
    let password = crate::auth::kept_secret(&path).map_err(|e| {
        AgentError::Hash(format!(
            "cannot keep the demo agent's password in {}: {e}",
            path.display()
        ))
    })?;
    match store.agent_by_email("demo", DEMO_AGENT_EMAIL).await? {
        None => {
            let agent = add_agent(
                store,
                "demo",
                DEMO_AGENT_EMAIL,
                "Demo Agent",
                AgentRole::Owner,
                &password,
            )
            .await?;
            seed_demo_replies(store, &agent.id).await?;
        }
        Some(agent) => {
            let (hash, given) = (agent.password_hash.clone(), password.clone());
            let same = tokio::task::spawn_blocking(move || verify_password(&given, &hash))
                .await
                .unwrap_or(false);
            if !same {
                set_password(store, "demo", DEMO_AGENT_EMAIL, &password).await?;
            }
        }
    }
    Ok((DEMO_AGENT_EMAIL.to_owned(), password))
}

async fn seed_demo_replies(store: &Store, agent_id: &str) -> Result<(), StoreError> {
    if !store.saved_replies("demo").await?.is_empty() {
        return Ok(());
    }
    let now = timestamp(jiff::Timestamp::now());
    let replies = [
        (
            "Photo of the shipping label",
            "Thank you for your request {ticket_id} about order {order_number}. Please send a \
             photo of the shipping label on the parcel, so we can pursue the carrier.",
            "感谢您就订单 {order_number} 提交的申请 {ticket_id}。请发送包裹上快递面单的照片，\
             以便我们向承运方索赔。",
        ),
        (
            "We are looking into it",
            "We have your request {ticket_id} and are checking order {order_number}. You will \
             hear from us by {respond_by}.",
            "我们已收到您的申请 {ticket_id}，正在核查订单 {order_number}。我们会在 {respond_by} \
             之前答复您。",
        ),
    ];
    for (title, en, zh) in replies {
        store
            .insert_saved_reply(&crate::store::agents::SavedReplyRecord {
                id: format!("sr_{}", &new_secret()[..12]),
                site: "demo".into(),
                title: title.into(),
                body_en: en.into(),
                body_zh: zh.into(),
                created_by: Some(agent_id.to_owned()),
                created_at: now.clone(),
                updated_at: now.clone(),
            })
            .await?;
    }
    Ok(())
}

/// How long an ended session (expired or signed out) is kept before it is forgotten: long
/// enough to tell an agent their session expired rather than that they never signed in.
pub const ENDED_SESSIONS_KEPT_HOURS: i64 = 7 * 24;

/// Forgets ended sessions once an hour, so the table holds about a week of sign-ins.
pub fn spawn_session_cleanup(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let now = jiff::Timestamp::now();
            let before = now
                .checked_sub(jiff::SignedDuration::from_hours(ENDED_SESSIONS_KEPT_HOURS))
                .unwrap_or(now);
            match state.store.delete_old_sessions(&timestamp(before)).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(sessions = n, "forgot ended console sessions"),
                Err(e) => tracing::warn!(error = %e, "console session cleanup failed"),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_matches_its_own_hash_only() {
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password(
            "correct horse battery",
            "not a phc string"
        ));
        let again = hash_password("correct horse battery").expect("hash");
        assert_ne!(hash, again, "salted");
    }

    #[test]
    fn passwords_and_emails_are_checked_before_anything_is_stored() {
        assert!(matches!(
            check_password("short"),
            Err(AgentError::PasswordTooShort)
        ));
        assert!(matches!(
            check_password(&"x".repeat(MAX_PASSWORD_BYTES + 1)),
            Err(AgentError::PasswordTooLong)
        ));
        assert!(check_password("long enough pass").is_ok());
        assert!(looks_like_email("wei@example.com"));
        for bad in ["wei", "@example.com", "wei@example", "wei @example.com"] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }
}
