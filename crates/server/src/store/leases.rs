//! SQL for what several server instances on one database share beyond tickets: the leases
//! of periodic passes ([`crate::background`]) and, on PostgreSQL, the server secret.

use sqlx::Row;

use super::{Store, StoreError, timestamp};

impl Store {
    /// Takes the lease `name` for `holder` until `until`, if nobody holds it at `now` (or
    /// `holder` already does): one conditional upsert, so of several instances asking at
    /// once exactly one gets it.
    pub async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: jiff::Timestamp,
        until: jiff::Timestamp,
    ) -> Result<bool, StoreError> {
        let taken = sqlx::query(
            "INSERT INTO background_leases (name, holder, held_until) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, held_until = excluded.held_until \
             WHERE background_leases.held_until <= $4 OR background_leases.holder = $5",
        )
        .bind(name)
        .bind(holder)
        .bind(timestamp(until))
        .bind(timestamp(now))
        .bind(holder)
        .execute(&self.writer)
        .await?;
        Ok(taken.rows_affected() == 1)
    }

    /// Who holds lease `name` and until when, if anyone ever took it.
    pub async fn lease(&self, name: &str) -> Result<Option<(String, String)>, StoreError> {
        let row = sqlx::query("SELECT holder, held_until FROM background_leases WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((r.try_get("holder")?, r.try_get("held_until")?)))
            .transpose()
    }

    /// The server secret every instance on this database uses: the one stored, or
    /// `candidate` stored now when there is none (the first instance to start wins; the
    /// others read its secret).
    pub async fn shared_server_secret(&self, candidate: &str) -> Result<String, StoreError> {
        sqlx::query(
            "INSERT INTO server_secret (id, secret, created_at) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(candidate)
        .bind(timestamp(jiff::Timestamp::now()))
        .execute(&self.writer)
        .await?;
        Ok(
            sqlx::query_scalar("SELECT secret FROM server_secret WHERE id = 1")
                .fetch_one(&self.writer)
                .await?,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Database;

    #[tokio::test]
    async fn one_holder_at_a_time_until_the_lease_ends() {
        let data = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&Database::in_data_dir(data.path()))
            .await
            .expect("open");
        let at = |s: &str| -> jiff::Timestamp { s.parse().expect("time") };
        let (t0, t1, t2) = (
            at("2026-12-03T10:00:00Z"),
            at("2026-12-03T10:05:00Z"),
            at("2026-12-03T10:10:00Z"),
        );
        assert!(
            store
                .take_lease("retention", "a", t0, t2)
                .await
                .expect("take")
        );
        assert!(
            !store
                .take_lease("retention", "b", t1, t2)
                .await
                .expect("held by a")
        );
        assert!(
            store
                .take_lease("upload expiry", "b", t1, t2)
                .await
                .expect("another pass")
        );
        assert!(
            store
                .take_lease("retention", "a", t1, t2)
                .await
                .expect("a again")
        );
        assert!(
            store
                .take_lease("retention", "b", t2, at("2026-12-03T11:00:00Z"))
                .await
                .expect("ended")
        );
        assert_eq!(
            store.lease("retention").await.expect("read"),
            Some(("b".to_owned(), "2026-12-03T11:00:00.000000Z".to_owned()))
        );
        let secret = store.shared_server_secret("first").await.expect("store");
        assert_eq!(secret, "first");
        assert_eq!(
            store.shared_server_secret("second").await.expect("read"),
            "first"
        );
    }
}
