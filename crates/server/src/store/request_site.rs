//! Which site a ticket or an upload belongs to, for the per-site rate limit: one indexed
//! look-up by primary key before the request's own work.

use super::{Store, StoreError};

impl Store {
    pub async fn site_of_ticket(&self, id: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT site FROM tickets WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn site_of_upload(&self, id: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT site FROM uploads WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }
}
