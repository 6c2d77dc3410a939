//! The store's webhook receiver for tests: a real HTTP server (Python's, `crates/server/tools/webhook_receiver.py`)
//! verifying every delivery with the Standard Webhooks library from PyPI (`standardwebhooks`,
//! in the venv `cargo xtask test` names in `HELPCENTER_TEST_STANDARDWEBHOOKS`), never with the
//! server's own code. Used by `tests/webhooks.rs` and the two-instance tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use helpcenter_api::WebhookPayload;
use serde::Deserialize;
use serde_json::Value;

use super::mail::free_port;

pub const PYTHON_ENV: &str = "HELPCENTER_TEST_STANDARDWEBHOOKS";

pub fn python() -> PathBuf {
    match std::env::var_os(PYTHON_ENV) {
        Some(path) if Path::new(&path).is_file() => PathBuf::from(path),
        Some(path) => panic!(
            "${PYTHON_ENV} is {path:?}, which is not a file: run `cargo xtask test` (or `cargo xtask tools`), which installs standardwebhooks in target/webhooks-venv and sets it"
        ),
        None => panic!(
            "${PYTHON_ENV} is not set: these tests verify every delivery with the Standard Webhooks library. Run them through `cargo xtask test`, or set it to the Python of a venv with standardwebhooks 1.1.0 (`cargo xtask tools` makes target/webhooks-venv)"
        ),
    }
}

/// One delivery as the receiver saw it, with the library's verdict per secret.
#[derive(Clone, Debug, Deserialize)]
pub struct Received {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub content_type: Option<String>,
    pub body: String,
    pub verified_by: Vec<String>,
    pub errors: serde_json::Map<String, Value>,
    pub held: bool,
    pub answered: u16,
}

impl Received {
    pub fn payload(&self) -> WebhookPayload {
        serde_json::from_str(&self.body).expect("a WebhookPayload")
    }
}

/// The store's receiver: a real HTTP server (Python's) verifying with `standardwebhooks`.
pub struct Receiver {
    pub child: Option<Child>,
    pub port: u16,
    pub secrets: PathBuf,
    pub log: PathBuf,
    pub hold: PathBuf,
    _dir: tempfile::TempDir,
}

impl Receiver {
    /// A receiver that is not running yet: connections are refused until [`Receiver::start`].
    pub fn stopped() -> Receiver {
        let dir = tempfile::tempdir().expect("temp dir");
        Receiver {
            child: None,
            port: free_port(),
            secrets: dir.path().join("secrets"),
            log: dir.path().join("received.jsonl"),
            hold: dir.path().join("hold"),
            _dir: dir,
        }
    }

    pub async fn started() -> Receiver {
        let mut receiver = Receiver::stopped();
        receiver.start().await;
        receiver
    }

    pub async fn start(&mut self) {
        assert!(self.child.is_none(), "the receiver runs already");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/webhook_receiver.py");
        let child = Command::new(python())
            .arg(&script)
            .args(["--port", &self.port.to_string()])
            .arg("--secrets")
            .arg(&self.secrets)
            .arg("--log")
            .arg(&self.log)
            .arg("--hold")
            .arg(&self.hold)
            .stdout(Stdio::null())
            .spawn()
            .expect("start webhook_receiver.py");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .is_err()
        {
            if let Some(child) = &mut self.child
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!(
                    "webhook_receiver.py exited at start ({status}): is standardwebhooks installed in ${PYTHON_ENV}'s venv?"
                );
            }
            assert!(Instant::now() < deadline, "the receiver did not listen");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks", self.port)
    }

    /// The secrets the receiver verifies with, by name.
    pub fn trust(&self, secrets: &[(&str, &str)]) {
        let lines: String = secrets
            .iter()
            .map(|(name, secret)| format!("{name}={secret}\n"))
            .collect();
        std::fs::write(&self.secrets, lines).expect("write the receiver's secrets");
    }

    pub fn received(&self) -> Vec<Received> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("a receiver record"))
            .collect()
    }

    /// Waits until `done` holds for what was received.
    pub async fn wait_until(
        &self,
        what: &str,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let received = self.received();
            if done(&received) {
                return received;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: not within 30 s; received {received:#?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.hold);
        self.stop();
    }
}
