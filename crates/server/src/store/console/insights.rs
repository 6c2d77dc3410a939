//! The rows insights count: the claims a period filed, and those overdue or escalated now.

use helpcenter_core::{ResolutionKind, TicketStatus};
use sqlx::Row;

use crate::store::names::{corrupt, from_name};
use crate::store::{Store, StoreError};

/// A ticket filed in a period, with what insights count about it.
#[derive(Clone, Debug, PartialEq)]
pub struct InsightRow {
    pub category: String,
    pub outcome: String,
    pub status: TicketStatus,
    pub resolution: Option<ResolutionKind>,
    pub created_at: String,
    pub respond_by: String,
    /// The first public event by an agent (message, request or change of status).
    pub first_answer_at: Option<String>,
    /// Escalated at some point.
    pub disputed: bool,
}

impl Store {
    /// The claims of `site` filed in `[from, until)` (RFC 3339 UTC), with their first
    /// answer and whether they were disputed.
    pub async fn insight_rows(
        &self,
        site: &str,
        from: &str,
        until: &str,
    ) -> Result<Vec<InsightRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT t.category, t.outcome, t.status, t.resolution, t.created_at, t.respond_by, \
             (SELECT MIN(e.created_at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.actor = 'agent' AND e.public = 1) AS first_answer_at, \
             (SELECT COUNT(*) FROM ticket_events e WHERE e.ticket_id = t.id AND e.status = 'escalated') AS escalations \
             FROM tickets t WHERE t.site = $1 AND t.created_at >= $2 AND t.created_at < $3",
        )
        .bind(site)
        .bind(from)
        .bind(until)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get("status")?;
                Ok(InsightRow {
                    category: r.try_get("category")?,
                    outcome: r.try_get("outcome")?,
                    status: TicketStatus::parse(&status)
                        .ok_or_else(|| corrupt("status", &status))?,
                    resolution: r
                        .try_get::<Option<String>, _>("resolution")?
                        .map(|x| from_name(&x, "resolution"))
                        .transpose()?,
                    created_at: r.try_get("created_at")?,
                    respond_by: r.try_get("respond_by")?,
                    first_answer_at: r.try_get("first_answer_at")?,
                    disputed: r.try_get::<i64, _>("escalations")? > 0,
                })
            })
            .collect()
    }

    /// `(overdue now, escalated now)` of `site`, whenever filed.
    pub async fn open_figures(&self, site: &str, now: &str) -> Result<(u32, u32), StoreError> {
        let row = sqlx::query(
            "SELECT \
             COALESCE(SUM(CASE WHEN status IN ('submitted', 'in_review', 'escalated') AND respond_by < $1 THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN status = 'escalated' THEN 1 ELSE 0 END), 0) \
             FROM tickets WHERE site = $2",
        )
        .bind(now)
        .bind(site)
        .fetch_one(&self.pool)
        .await?;
        let count = |i: usize| -> Result<u32, StoreError> {
            Ok(u32::try_from(row.try_get::<i64, _>(i)?).unwrap_or(u32::MAX))
        };
        Ok((count(0)?, count(1)?))
    }
}
