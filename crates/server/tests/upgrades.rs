//! Upgrades as a merchant meets them: `serve` (and `migrate`) bring an older database up to
//! date and keep what it holds; a database a newer version has migrated is refused with a
//! clear message, by every command, and left as it was. On SQLite and on PostgreSQL
//! (`tests/support`).

use std::path::Path;
use std::process::Command;

use helpcenter_server::store::{Database, Engine};

mod support;

use support::process::{ServerProcess, serve_config_command};

/// `helpcenter-server ARGS` on the database of `data` (see `support::database`).
fn server(data: &Path, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_helpcenter-server"))
        .args(args)
        .env_remove("HELPCENTER_CONFIG")
        .env_remove("HELPCENTER_DATA_DIR")
        .envs(support::database_env(data))
        .output()
        .expect("run helpcenter-server");
    support::process::said(output)
}

/// The database of `data`, as a test looks into it.
async fn open(data: &Path) -> (sqlx::AnyPool, Engine) {
    sqlx::any::install_default_drivers();
    let database = support::database(data);
    let url = match &database {
        Database::Postgres(url) => url.clone(),
        Database::Sqlite(path) => format!("sqlite://{}?mode=rwc", path.display()),
    };
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .expect("open the database");
    (pool, database.engine())
}

/// What a test can compare to see that nothing was written: the SQLite file's bytes, or
/// PostgreSQL's count of rows changed in the database.
async fn fingerprint(data: &Path) -> Vec<u8> {
    match support::database(data) {
        Database::Sqlite(path) => std::fs::read(path).expect("the database"),
        Database::Postgres(_) => {
            let (pool, _) = open(data).await;
            let changes: i64 = sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0) AS BIGINT) \
                 FROM pg_stat_user_tables",
            )
            .fetch_one(&pool)
            .await
            .expect("row counts");
            pool.close().await;
            changes.to_string().into_bytes()
        }
    }
}

const ONE_SHOP: &str = support::ACME_CONFIG;

#[tokio::test]
async fn a_database_from_a_newer_version_is_refused_by_every_command_and_left_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let data_arg = data.to_str().expect("utf-8 path");
    let (ok, _, err) = server(&data, &["migrate", "--data-dir", data_arg]);
    assert!(ok, "{err}");
    // What a later release's migration leaves behind.
    {
        let (pool, _) = open(&data).await;
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, installed_on, success, \
             checksum, execution_time) VALUES (9001, 'ticket tags', '2027-01-01 00:00:00', $1, \
             $2, 0)",
        )
        .bind(true)
        .bind(vec![0u8])
        .execute(&pool)
        .await
        .expect("a future migration");
        pool.close().await;
    }
    // PostgreSQL counts rows written a moment after the writing transaction ends.
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let before = fingerprint(&data).await;
    let config = dir.path().join("helpcenter-server.toml");
    std::fs::write(&config, ONE_SHOP).expect("write the config");
    let config_arg = config.to_str().expect("utf-8 path");

    let serve = Command::new(env!("CARGO_BIN_EXE_helpcenter-server"))
        .args(["serve", "--bind", "127.0.0.1:0", "--config", config_arg])
        .args(["--data-dir", data_arg])
        .envs(support::database_env(&data))
        .output()
        .expect("serve");
    assert!(!serve.status.success(), "serve refuses to start");
    let serve_err = String::from_utf8_lossy(&serve.stderr);
    let (ok, _, migrate_err) = server(&data, &["migrate", "--data-dir", data_arg]);
    assert!(!ok);
    let (ok, _, admin_err) = server(
        &data,
        &[
            "admin",
            "--config",
            config_arg,
            "--data-dir",
            data_arg,
            "tickets",
            "list",
        ],
    );
    assert!(!ok);
    for err in [serve_err.as_ref(), &migrate_err, &admin_err] {
        assert!(
            err.contains("was written by a newer helpcenter-server"),
            "{err}"
        );
        assert!(err.contains("migration 9001 (ticket tags)"), "{err}");
        let latest = helpcenter_server::store::migrations(support::database(&data).engine())
            .iter()
            .map(|m| m.version)
            .max()
            .expect("migrations");
        assert!(
            err.contains(&format!("it knows migrations up to {latest}")),
            "{err}"
        );
        assert!(
            err.contains("restore a backup taken before the upgrade"),
            "{err}"
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(
        fingerprint(&data).await,
        before,
        "nothing written to the newer database"
    );
}

/// An older release's database (the first migration only, with a claim in it) is brought up
/// to date by `serve`, and the claim is still there.
#[tokio::test]
async fn serve_brings_an_older_database_up_to_date_and_keeps_its_tickets() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("mkdir");
    {
        let (pool, engine) = open(&data).await;
        let first_only = sqlx::migrate::Migrator {
            migrations: helpcenter_server::store::migrations(engine)
                .iter()
                .filter(|m| m.version == 1)
                .cloned()
                .collect::<Vec<_>>()
                .into(),
            ..sqlx::migrate::Migrator::DEFAULT
        };
        first_only.run(&pool).await.expect("the first release");
        sqlx::query(
            "INSERT INTO tickets (id, site, status, category, answers, outcome, order_number, \
             email, description, locale, created_at, updated_at, respond_by) VALUES \
             ('HC-OLD111', 'acme', 'submitted', 'other', '[]', 'other_issue', '10023456', \
             'wei@example.com', 'Filed before the upgrade.', 'en', '2026-01-01T00:00:00Z', \
             '2026-01-01T00:00:00Z', '2026-01-03T00:00:00Z')",
        )
        .execute(&pool)
        .await
        .expect("an old ticket");
        pool.close().await;
    }
    let config = dir.path().join("helpcenter-server.toml");
    std::fs::write(&config, ONE_SHOP).expect("write the config");
    let port = support::free_port();
    let mut command = serve_config_command(port, &config, &data);
    command
        .envs(support::database_env(&data))
        .stderr(std::process::Stdio::null());
    let server = ServerProcess::spawn_until(&mut command, port, "/readyz").await;
    let ticket = reqwest::Client::new()
        .get(server.url("/v1/admin/tickets"))
        .bearer_auth("s3cret")
        .send()
        .await;
    server.kill();
    let listed: serde_json::Value = ticket.expect("the tickets").json().await.expect("json");
    assert_eq!(listed[0]["id"], "HC-OLD111", "{listed}");
    let (pool, engine) = open(&data).await;
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&pool)
            .await
            .expect("versions");
    let latest: Vec<i64> = helpcenter_server::store::migrations(engine)
        .iter()
        .map(|m| m.version)
        .collect();
    assert_eq!(versions, latest, "every migration applied by serve");
}
