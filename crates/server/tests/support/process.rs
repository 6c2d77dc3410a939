//! `helpcenter-server serve` as a process of its own, on a config file and a data directory:
//! what a test needs to kill the server mid-work (SIGKILL, nothing runs on the way out) and
//! start it again on the same data.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// `helpcenter-server serve` as a process, killed when dropped.
pub struct ServerProcess(Child);

impl ServerProcess {
    pub async fn start(data_dir: &Path, config: &Path, port: u16) -> ServerProcess {
        Self::start_logging(data_dir, config, port, None).await
    }

    /// … with its log (standard output and error, `info`) appended to `log`, when given.
    pub async fn start_logging(
        data_dir: &Path,
        config: &Path,
        port: u16,
        log: Option<&Path>,
    ) -> ServerProcess {
        Self::start_sharing(data_dir, config, port, log, data_dir).await
    }

    /// Another instance of the server on `shared`'s database and evidence store (as the
    /// servers on `shared` use them), with a data directory of its own: one of several
    /// instances behind a load balancer.
    pub async fn start_sharing(
        data_dir: &Path,
        config: &Path,
        port: u16,
        log: Option<&Path>,
        shared: &Path,
    ) -> ServerProcess {
        let output = || match log {
            None => Stdio::null(),
            Some(path) => std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_or_else(|_| Stdio::null(), Stdio::from),
        };
        let child = Command::new(env!("CARGO_BIN_EXE_helpcenter-server"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .arg("--config")
            .arg(config)
            .arg("--data-dir")
            .arg(data_dir)
            .envs(super::database_env(shared))
            .env("RUST_LOG", if log.is_some() { "info" } else { "warn" })
            .stdout(output())
            .stderr(output())
            .spawn()
            .expect("start helpcenter-server");
        // Dropped (killed and waited for) on every way out, a failed start included.
        let server = ServerProcess(child);
        for _ in 0..200 {
            if reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
                .await
                .is_ok_and(|r| r.status() == 200)
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not come up on port {port}");
    }

    /// SIGKILL: nothing runs on the way out.
    pub fn kill(mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
