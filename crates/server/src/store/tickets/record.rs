//! A ticket as stored: its row, and what its columns say in the rulebook's words.

use helpcenter_core::{CivilDate, ResolutionKind, TicketStatus};

use crate::store::StoreError;
use crate::store::names::{corrupt, from_name};

/// A ticket as stored.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct TicketRecord {
    pub id: String,
    pub site: String,
    pub status: String,
    pub resolution: Option<String>,
    pub category: String,
    pub answers: String,
    pub outcome: String,
    pub order_number: String,
    pub email: String,
    pub description: String,
    pub delivered_on: Option<String>,
    pub locale: String,
    pub customer_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub respond_by: String,
    /// The agent working it, if any.
    #[sqlx(default)]
    pub assignee: Option<String>,
}

impl TicketRecord {
    pub fn status(&self) -> Result<TicketStatus, StoreError> {
        TicketStatus::parse(&self.status).ok_or_else(|| corrupt("status", &self.status))
    }

    pub fn resolution(&self) -> Result<Option<ResolutionKind>, StoreError> {
        self.resolution
            .as_deref()
            .map(|r| from_name(r, "resolution"))
            .transpose()
    }

    pub fn answers(&self) -> Result<Vec<String>, StoreError> {
        serde_json::from_str(&self.answers).map_err(|_| corrupt("answers", &self.answers))
    }

    pub fn delivered_on(&self) -> Result<Option<CivilDate>, StoreError> {
        self.delivered_on
            .as_deref()
            .map(|d| d.parse().map_err(|_| corrupt("delivered_on", d)))
            .transpose()
    }
}
