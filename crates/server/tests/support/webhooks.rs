//! The store's webhook receiver for tests: a real HTTP server (Python's, `crates/server/tools/webhook_receiver.py`)
//! verifying every delivery with the Standard Webhooks library from PyPI (`standardwebhooks`,
//! in the venv `cargo xtask test` names in `HELPCENTER_TEST_STANDARDWEBHOOKS`), never with the
//! server's own code. Used by `tests/webhooks.rs` and the two-instance tests.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use helpcenter_api::WebhookPayload;
use serde::Deserialize;
use serde_json::Value;

use super::free_port;
use super::python::{PythonTool, Running};

/// standardwebhooks in its venv, running `webhook_receiver.py`.
pub const RECEIVER: PythonTool = PythonTool {
    env: "HELPCENTER_TEST_STANDARDWEBHOOKS",
    package: "standardwebhooks",
    version: "1.1.0",
    venv: "target/webhooks-venv",
    needed_for: "these tests verify every delivery with the Standard Webhooks library",
    script: "webhook_receiver.py",
};

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
    process: Running,
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
            process: Running::default(),
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
        assert!(!self.process.is_running(), "the receiver runs already");
        let args = [
            OsStr::new("--secrets"),
            self.secrets.as_os_str(),
            OsStr::new("--log"),
            self.log.as_os_str(),
            OsStr::new("--hold"),
            self.hold.as_os_str(),
        ];
        self.process = RECEIVER.start(self.port, &args).await;
    }

    pub fn stop(&mut self) {
        self.process.stop();
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
