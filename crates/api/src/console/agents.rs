//! Signing in to the console, and the agents of a site: their roles, and how a colleague
//! sees them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// `POST /v1/console/session`: sign in. A wrong email and a wrong password get the same answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// The site's key, e.g. `demo`.
    pub site: String,
    /// Compared without regard to case.
    pub email: String,
    pub password: String,
}

/// What an agent may do beyond working tickets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AgentRole {
    /// Works tickets and uses saved replies.
    #[default]
    Agent,
    /// Also manages the site's saved replies.
    Owner,
}

impl AgentRole {
    pub const ALL: [AgentRole; 2] = [AgentRole::Agent, AgentRole::Owner];

    pub fn as_str(self) -> &'static str {
        match self {
            AgentRole::Agent => "agent",
            AgentRole::Owner => "owner",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

impl fmt::Display for AgentRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `GET /v1/console/session`: the signed-in agent (also the answer to signing in).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedInAgent {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: AgentRole,
    /// The site's key.
    pub site: String,
    /// The store's name, for the console's header.
    pub site_display_name: String,
    /// RFC 3339, UTC: the session ends then, whatever the agent does.
    pub session_expires_at: String,
}

/// An agent as a colleague sees them: on the timeline, as an assignee, in `GET /v1/console/agents`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentRef {
    pub id: String,
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for role in AgentRole::ALL {
            assert_eq!(AgentRole::parse(role.as_str()), Some(role));
            assert_eq!(serde_json::to_value(role).ok(), Some(role.as_str().into()));
        }
        assert_eq!(AgentRole::parse("admin"), None);
    }
}
