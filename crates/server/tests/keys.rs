//! Rotating the admin API key on a running server: the old and the new key both open the
//! admin API during the rollover window, then only the new one.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

mod support;

const ONE_SHOP: &str = r#"
[server]
data_dir = "data"

[[sites]]
key = "acme"
display_name = "ACME Kitchen"
allowed_origins = ["https://shop.acme.example"]
admin_key_sha256 = "1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0"
"#;

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
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

struct Serving(std::process::Child, String);

impl Serving {
    async fn start(config: &Path) -> Serving {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let child = Command::new(env!("CARGO_BIN_EXE_helpcenter-server"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--config"])
            .arg(config)
            .args(["--widget-dir", "/nonexistent"])
            .env_remove("HELPCENTER_DATA_DIR")
            .envs(support::database_env(&config.with_file_name("data")))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve");
        let serving = Serving(child, format!("http://127.0.0.1:{port}"));
        for _ in 0..200 {
            if reqwest::get(format!("{}/healthz", serving.1))
                .await
                .is_ok_and(|r| r.status() == 200)
            {
                return serving;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not come up");
    }

    async fn admin_status(&self, key: &str) -> u16 {
        reqwest::Client::new()
            .get(format!("{}/v1/admin/tickets", self.1))
            .bearer_auth(key)
            .send()
            .await
            .expect("admin request")
            .status()
            .as_u16()
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn a_rotated_key_works_at_once_and_the_old_one_only_until_the_window_ends() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("helpcenter-server.toml");
    std::fs::write(&config, ONE_SHOP).expect("write the config");
    let server = Serving::start(&config).await;
    assert_eq!(server.admin_status("s3cret").await, 200);

    let (ok, out, err) = keys(&config, &["rotate", "--overlap", "3s"]);
    assert!(ok, "{err}");
    let new_key = out.strip_suffix('\n').expect("one line").to_owned();
    assert_eq!(new_key.len(), 43, "only the key on stdout: {out:?}");
    assert!(err.contains("keep working until"), "{err}");
    let rotated_at = std::time::Instant::now();
    // Both work during the window, on the server that was already running.
    assert_eq!(server.admin_status(&new_key).await, 200);
    assert_eq!(server.admin_status("s3cret").await, 200);
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
    assert_eq!(server.admin_status("s3cret").await, 401);
    assert_eq!(server.admin_status(&new_key).await, 200);
    let (_, out, _) = keys(&config, &["list"]);
    assert!(
        out.lines().next().is_some_and(|l| l.contains("retired")),
        "{out}"
    );

    // A rotation with no window ends the previous key at once; a restart changes nothing.
    let (ok, newest, err) = keys(&config, &["rotate", "--overlap", "0s"]);
    assert!(ok, "{err}");
    let newest = newest.trim().to_owned();
    assert_eq!(server.admin_status(&new_key).await, 401);
    assert_eq!(server.admin_status(&newest).await, 200);
    drop(server);
    let server = Serving::start(&config).await;
    assert_eq!(server.admin_status(&newest).await, 200);
    assert_eq!(server.admin_status(&new_key).await, 401);
    assert_eq!(server.admin_status("s3cret").await, 401);

    let (ok, _, err) = keys(&config, &["rotate", "--overlap", "31d"]);
    assert!(!ok);
    assert!(
        err.contains("the rollover window is from 0s to 30d"),
        "{err}"
    );
}
