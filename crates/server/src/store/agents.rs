//! SQL for agents, their console sessions and their site's saved replies.

use sqlx::Row;

use super::{Store, StoreError};

/// An agent as stored.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct AgentRecord {
    pub id: String,
    pub site: String,
    pub email: String,
    pub name: String,
    /// `agent` | `owner`.
    pub role: String,
    /// argon2id, PHC string.
    pub password_hash: String,
    pub disabled_at: Option<String>,
    pub created_at: String,
}

const AGENT_COLUMNS: &str =
    "a.id, a.site, a.email, a.name, a.role, a.password_hash, a.disabled_at, a.created_at";

/// How a session token stands, for the console's answer to it.
#[derive(Clone, Debug, PartialEq)]
pub enum SessionState {
    Active(Box<AgentRecord>, String),
    /// Past its fixed expiry.
    Expired,
    /// Its agent was disabled.
    AgentDisabled,
    /// No such session, or signed out.
    Unknown,
}

/// A site's saved reply as stored.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct SavedReplyRecord {
    pub id: String,
    pub site: String,
    pub title: String,
    pub body_en: String,
    pub body_zh: String,
    pub created_by: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// The case-insensitive form an email is unique in, per site.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

impl Store {
    /// Adds an agent; `false` when the site has an agent with this email already.
    pub async fn insert_agent(&self, agent: &AgentRecord) -> Result<bool, StoreError> {
        let inserted = sqlx::query(
            "INSERT INTO agents (id, site, email, email_key, name, role, password_hash, disabled_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (site, email_key) DO NOTHING",
        )
        .bind(&agent.id)
        .bind(&agent.site)
        .bind(&agent.email)
        .bind(email_key(&agent.email))
        .bind(&agent.name)
        .bind(&agent.role)
        .bind(&agent.password_hash)
        .bind(&agent.disabled_at)
        .bind(&agent.created_at)
        .execute(&self.writer)
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    /// The site's agents, disabled ones included, by name.
    pub async fn agents(&self, site: &str) -> Result<Vec<AgentRecord>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {AGENT_COLUMNS} FROM agents a WHERE a.site = $1 ORDER BY a.name, a.email_key"
        ))
        .bind(site)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn agent_by_email(
        &self,
        site: &str,
        email: &str,
    ) -> Result<Option<AgentRecord>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {AGENT_COLUMNS} FROM agents a WHERE a.site = $1 AND a.email_key = $2"
        ))
        .bind(site)
        .bind(email_key(email))
        .fetch_optional(&self.pool)
        .await?)
    }

    /// An agent of `site` by id (another site's agents are not found).
    pub async fn site_agent(
        &self,
        site: &str,
        id: &str,
    ) -> Result<Option<AgentRecord>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {AGENT_COLUMNS} FROM agents a WHERE a.site = $1 AND a.id = $2"
        ))
        .bind(site)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Disables an agent and ends their sessions; `None` when the site has no such agent,
    /// `Some(false)` when they were disabled already.
    pub async fn disable_agent(
        &self,
        site: &str,
        email: &str,
        at: &str,
    ) -> Result<Option<bool>, StoreError> {
        let mut tx = self.begin_write().await?;
        let found: Option<(String, Option<String>)> =
            sqlx::query_as("SELECT id, disabled_at FROM agents WHERE site = $1 AND email_key = $2")
                .bind(site)
                .bind(email_key(email))
                .fetch_optional(&mut *tx)
                .await?;
        let Some((id, disabled_at)) = found else {
            return Ok(None);
        };
        if disabled_at.is_some() {
            return Ok(Some(false));
        }
        sqlx::query("UPDATE agents SET disabled_at = $1 WHERE id = $2")
            .bind(at)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE agent_sessions SET revoked_at = $1 WHERE agent_id = $2 AND revoked_at IS NULL",
        )
        .bind(at)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(true))
    }

    /// Sets a new password hash and ends the agent's sessions; `false` with no such agent.
    pub async fn set_agent_password(
        &self,
        site: &str,
        email: &str,
        password_hash: &str,
        at: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let id: Option<String> = sqlx::query_scalar(
            "UPDATE agents SET password_hash = $1 WHERE site = $2 AND email_key = $3 RETURNING id",
        )
        .bind(password_hash)
        .bind(site)
        .bind(email_key(email))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else { return Ok(false) };
        sqlx::query(
            "UPDATE agent_sessions SET revoked_at = $1 WHERE agent_id = $2 AND revoked_at IS NULL",
        )
        .bind(at)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn insert_session(
        &self,
        token_sha256: &str,
        agent_id: &str,
        created_at: &str,
        expires_at: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO agent_sessions (token_sha256, agent_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_sha256)
        .bind(agent_id)
        .bind(created_at)
        .bind(expires_at)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// The session of a token (by its hash) at `now`, with its agent when it still opens
    /// the console: read on every request, so signing out or disabling the agent ends it at once.
    pub async fn session(&self, token_sha256: &str, now: &str) -> Result<SessionState, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT s.expires_at, s.revoked_at, {AGENT_COLUMNS} FROM agent_sessions s \
             JOIN agents a ON a.id = s.agent_id WHERE s.token_sha256 = $1"
        ))
        .bind(token_sha256)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(SessionState::Unknown);
        };
        let expires_at: String = row.try_get("expires_at")?;
        let revoked_at: Option<String> = row.try_get("revoked_at")?;
        let agent = AgentRecord {
            id: row.try_get("id")?,
            site: row.try_get("site")?,
            email: row.try_get("email")?,
            name: row.try_get("name")?,
            role: row.try_get("role")?,
            password_hash: row.try_get("password_hash")?,
            disabled_at: row.try_get("disabled_at")?,
            created_at: row.try_get("created_at")?,
        };
        Ok(if agent.disabled_at.is_some() {
            SessionState::AgentDisabled
        } else if revoked_at.is_some() {
            SessionState::Unknown
        } else if expires_at.as_str() <= now {
            SessionState::Expired
        } else {
            SessionState::Active(Box::new(agent), expires_at)
        })
    }

    /// Signs a session out; signing out twice is not an error.
    pub async fn revoke_session(&self, token_sha256: &str, at: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE agent_sessions SET revoked_at = $1 WHERE token_sha256 = $2 AND revoked_at IS NULL",
        )
        .bind(at)
        .bind(token_sha256)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Forgets sessions that ended before `before` (expired or signed out).
    pub async fn delete_old_sessions(&self, before: &str) -> Result<u64, StoreError> {
        let deleted = sqlx::query(
            "DELETE FROM agent_sessions WHERE expires_at < $1 OR (revoked_at IS NOT NULL AND revoked_at < $2)",
        )
        .bind(before)
        .bind(before)
        .execute(&self.writer)
        .await?;
        Ok(deleted.rows_affected())
    }

    /// Who did the agent events of a ticket: `(seq, agent id, agent name)`; no agent for the
    /// admin key.
    pub async fn event_agents(
        &self,
        ticket_id: &str,
    ) -> Result<Vec<(u32, Option<String>, Option<String>)>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.seq, e.agent_id, a.name FROM ticket_events e LEFT JOIN agents a ON a.id = e.agent_id \
             WHERE e.ticket_id = $1 AND e.actor = 'agent' ORDER BY e.seq",
        )
        .bind(ticket_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let seq: i64 = r.try_get(0)?;
                Ok((
                    u32::try_from(seq)
                        .map_err(|_| StoreError::Corrupt(format!("event number {seq}")))?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                ))
            })
            .collect()
    }

    pub async fn saved_replies(&self, site: &str) -> Result<Vec<SavedReplyRecord>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, site, title, body_en, body_zh, created_by, created_at, updated_at \
             FROM saved_replies WHERE site = $1 ORDER BY title, id",
        )
        .bind(site)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn saved_reply(
        &self,
        site: &str,
        id: &str,
    ) -> Result<Option<SavedReplyRecord>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, site, title, body_en, body_zh, created_by, created_at, updated_at \
             FROM saved_replies WHERE site = $1 AND id = $2",
        )
        .bind(site)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn insert_saved_reply(&self, reply: &SavedReplyRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO saved_replies (id, site, title, body_en, body_zh, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&reply.id)
        .bind(&reply.site)
        .bind(&reply.title)
        .bind(&reply.body_en)
        .bind(&reply.body_zh)
        .bind(&reply.created_by)
        .bind(&reply.created_at)
        .bind(&reply.updated_at)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// `false` when the site has no such reply.
    pub async fn update_saved_reply(&self, reply: &SavedReplyRecord) -> Result<bool, StoreError> {
        let updated = sqlx::query(
            "UPDATE saved_replies SET title = $1, body_en = $2, body_zh = $3, updated_at = $4 WHERE site = $5 AND id = $6",
        )
        .bind(&reply.title)
        .bind(&reply.body_en)
        .bind(&reply.body_zh)
        .bind(&reply.updated_at)
        .bind(&reply.site)
        .bind(&reply.id)
        .execute(&self.writer)
        .await?;
        Ok(updated.rows_affected() == 1)
    }

    /// `false` when the site has no such reply.
    pub async fn delete_saved_reply(&self, site: &str, id: &str) -> Result<bool, StoreError> {
        let deleted = sqlx::query("DELETE FROM saved_replies WHERE site = $1 AND id = $2")
            .bind(site)
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(deleted.rows_affected() == 1)
    }
}
