//! Rotating the admin API key on a running server: the old and the new key both open the
//! admin API during the rollover window, then only the new one.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

mod support;

use support::process::{ServerProcess, serve_command};

fn keys(config: &Path, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_helpcenter-server"))
        .args(["admin", "--config"])
        .arg(config)
        .arg("keys")
        .args(args)
        .env_remove("HELPCENTER_DATA_DIR")
        .envs(support::database_env(&config.with_file_name("data")))
        .output()
        .expect("run");
    support::process::said(output)
}

/// `serve --config …` on a free port, killed when dropped.
async fn serving(config: &Path) -> ServerProcess {
    let port = support::free_port();
    let mut command = serve_command(port);
    command
        .arg("--config")
        .arg(config)
        .args(["--widget-dir", "/nonexistent"])
        .env_remove("HELPCENTER_DATA_DIR")
        .envs(support::database_env(&config.with_file_name("data")))
        .stderr(Stdio::null());
    ServerProcess::spawn(&mut command, port).await
}

/// What the admin API answers `key`.
async fn admin_status(server: &ServerProcess, key: &str) -> u16 {
    reqwest::Client::new()
        .get(server.url("/v1/admin/tickets"))
        .bearer_auth(key)
        .send()
        .await
        .expect("admin request")
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_rotated_key_works_at_once_and_the_old_one_only_until_the_window_ends() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("helpcenter-server.toml");
    std::fs::write(
        &config,
        format!("[server]\ndata_dir = \"data\"\n{}", support::ACME_CONFIG),
    )
    .expect("write the config");
    let server = serving(&config).await;
    assert_eq!(admin_status(&server, "s3cret").await, 200);

    let (ok, out, err) = keys(&config, &["rotate", "--overlap", "3s"]);
    assert!(ok, "{err}");
    let new_key = out.strip_suffix('\n').expect("one line").to_owned();
    assert_eq!(new_key.len(), 43, "only the key on stdout: {out:?}");
    assert!(err.contains("keep working until"), "{err}");
    let rotated_at = std::time::Instant::now();
    // Both work during the window, on the server that was already running.
    assert_eq!(admin_status(&server, &new_key).await, 200);
    assert_eq!(admin_status(&server, "s3cret").await, 200);
    let (ok, out, _) = keys(&config, &["list"]);
    assert!(ok);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("1ec1c26b50d5  config   accepted until"),
        "{out}"
    );
    assert!(lines[1].contains("rotated  current"), "{out}");
    assert!(
        !out.contains(&new_key),
        "no key is listed, only fingerprints"
    );

    // After the window, only the new key.
    let wait = Duration::from_millis(3300).saturating_sub(rotated_at.elapsed());
    tokio::time::sleep(wait).await;
    assert_eq!(admin_status(&server, "s3cret").await, 401);
    assert_eq!(admin_status(&server, &new_key).await, 200);
    let (_, out, _) = keys(&config, &["list"]);
    assert!(
        out.lines().next().is_some_and(|l| l.contains("retired")),
        "{out}"
    );

    // A rotation with no window ends the previous key at once; a restart changes nothing.
    let (ok, newest, err) = keys(&config, &["rotate", "--overlap", "0s"]);
    assert!(ok, "{err}");
    let newest = newest.trim().to_owned();
    assert_eq!(admin_status(&server, &new_key).await, 401);
    assert_eq!(admin_status(&server, &newest).await, 200);
    drop(server);
    let server = serving(&config).await;
    assert_eq!(admin_status(&server, &newest).await, 200);
    assert_eq!(admin_status(&server, &new_key).await, 401);
    assert_eq!(admin_status(&server, "s3cret").await, 401);

    let (ok, _, err) = keys(&config, &["rotate", "--overlap", "31d"]);
    assert!(!ok);
    assert!(
        err.contains("the rollover window is from 0s to 30d"),
        "{err}"
    );
}
