//! The tests' own servers written in Python (`crates/server/tools/`: an SMTP catcher, a
//! webhook receiver), each run by the Python of a venv `cargo xtask tools` makes and
//! `cargo xtask test` names in an environment variable. Without it a test fails, saying so:
//! nothing is "tested" by skipping.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A script of `crates/server/tools/` and the venv that runs it.
pub struct PythonTool {
    /// The environment variable naming the venv's Python.
    pub env: &'static str,
    /// What the venv has installed for it, as pip names it (`aiosmtpd`).
    pub package: &'static str,
    /// The version `cargo xtask tools` installs.
    pub version: &'static str,
    /// Where `cargo xtask tools` makes the venv (`target/aiosmtpd-venv`).
    pub venv: &'static str,
    /// Why the tests need it, for the message when it is missing.
    pub needed_for: &'static str,
    /// The script, in `crates/server/tools/`.
    pub script: &'static str,
}

impl PythonTool {
    /// The venv's Python; a panic saying how to get it when it is not there.
    pub fn python(&self) -> PathBuf {
        let Self {
            env,
            package,
            version,
            venv,
            needed_for,
            ..
        } = self;
        match std::env::var_os(env) {
            Some(path) if Path::new(&path).is_file() => PathBuf::from(path),
            Some(path) => panic!(
                "${env} is {path:?}, which is not a file: run `cargo xtask test` (or `cargo xtask tools`), which installs {package} in {venv} and sets it"
            ),
            None => panic!(
                "${env} is not set: {needed_for}. Run them through `cargo xtask test`, or set it to the Python of a venv with {package} {version} (`cargo xtask tools` makes {venv})"
            ),
        }
    }

    /// Runs the script with `--port PORT` and `args`, and waits (20 s at most) until it
    /// listens on that loopback port.
    pub async fn start(&self, port: u16, args: &[&OsStr]) -> Running {
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tools")
            .join(self.script);
        let mut child = Command::new(self.python())
            .arg(&script)
            .args(["--port", &port.to_string()])
            .args(args)
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", self.script));
        let deadline = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "{} exited at start ({status}): is {} installed in ${}'s venv?",
                    self.script, self.package, self.env
                );
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{} did not listen on port {port} within 20 s", self.script);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Running(Some(child))
    }
}

/// A tool's process while it runs; stopped (killed and waited for) when dropped.
#[derive(Default)]
pub struct Running(Option<Child>);

impl Running {
    pub fn is_running(&self) -> bool {
        self.0.is_some()
    }

    /// Kills it: connections to its port are refused until it is started again.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}
