//! A real SMTP server for the tests: `crates/server/tools/catch_mail.py` on aiosmtpd, run by
//! the Python that `cargo xtask test` installs it in and names in `HELPCENTER_TEST_AIOSMTPD`
//! (`support::python`). Without it the test fails, saying so: mail is never "tested" by
//! skipping.

use std::ffi::OsStr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::free_port;
use super::python::{PythonTool, Running};
use helpcenter_server::mail::{SmtpConfig, TlsMode};

/// aiosmtpd in its venv, running `catch_mail.py`.
pub const CATCHER: PythonTool = PythonTool {
    env: "HELPCENTER_TEST_AIOSMTPD",
    package: "aiosmtpd",
    version: "1.4.6",
    venv: "target/aiosmtpd-venv",
    needed_for: "these tests need a real SMTP server (aiosmtpd)",
    script: "catch_mail.py",
};

/// The catcher's process and the Maildir it writes; stopped when dropped.
pub struct MailCatcher {
    process: Running,
    pub port: u16,
    pub maildir: PathBuf,
    _dir: tempfile::TempDir,
}

impl MailCatcher {
    /// A catcher on a free loopback port, listening when this returns.
    pub async fn start() -> MailCatcher {
        let mut catcher = MailCatcher::stopped();
        catcher.start_again().await;
        catcher
    }

    /// A catcher that is not running yet: SMTP is down until [`MailCatcher::start_again`].
    pub fn stopped() -> MailCatcher {
        let dir = tempfile::tempdir().expect("temp dir");
        MailCatcher {
            process: Running::default(),
            port: free_port(),
            maildir: dir.path().join("Maildir"),
            _dir: dir,
        }
    }

    /// Starts it (again) on the same port and Maildir.
    pub async fn start_again(&mut self) {
        assert!(!self.process.is_running(), "the catcher is running already");
        let args = [OsStr::new("--maildir"), self.maildir.as_os_str()];
        self.process = CATCHER.start(self.port, &args).await;
    }

    /// SMTP goes down: connections are refused until it is started again.
    pub fn stop(&mut self) {
        self.process.stop();
    }

    /// `[smtp]` for a server delivering here: plain SMTP on loopback, quick retries.
    pub fn smtp(&self) -> SmtpConfig {
        SmtpConfig {
            host: "127.0.0.1".into(),
            port: Some(self.port),
            tls: TlsMode::None,
            username: None,
            retry_first_seconds: Some(0.2),
            retry_max_seconds: Some(1.0),
            give_up_hours: None,
            concurrency: None,
        }
    }

    /// Every mail caught so far, in the order it arrived, as the bytes on the wire.
    pub fn caught(&self) -> Vec<Vec<u8>> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        let mut names: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        names.sort();
        names
            .iter()
            .map(|p| std::fs::read(p).expect("read a caught mail"))
            .collect()
    }

    /// The caught mail to `recipient`, waiting until there are at least `count` of them.
    pub async fn wait_for(&self, recipient: &str, count: usize) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let to_them: Vec<Vec<u8>> = self
                .caught()
                .into_iter()
                .filter(|m| envelope_to(m).iter().any(|r| r == recipient))
                .collect();
            if to_them.len() >= count {
                return to_them;
            }
            assert!(
                Instant::now() < deadline,
                "{} mail(s) to {recipient} after 20 s, expected {count}",
                to_them.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The envelope's recipients, as the catcher recorded them.
pub fn envelope_to(raw: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(raw);
    text.lines()
        .next()
        .and_then(|l| l.strip_prefix("X-Caught-Rcpt-To: "))
        .map(|l| l.split(", ").map(str::to_owned).collect())
        .unwrap_or_default()
}
