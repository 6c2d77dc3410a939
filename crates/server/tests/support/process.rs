//! `helpcenter-server` as a process of its own, as a merchant runs it: `serve` on a config
//! file and a data directory (what a test needs to kill the server mid-work, SIGKILL with
//! nothing run on the way out, or end it with SIGTERM, and start it again on the same data),
//! and the admin commands, whose success and output a test reads.

use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::Duration;

/// `helpcenter-server serve` as a process, killed when dropped.
pub struct ServerProcess {
    child: Child,
    port: u16,
}

/// `helpcenter-server serve --bind 127.0.0.1:PORT`, its standard output dropped and its log
/// at `warn`: a test adds its flags and environment, then [`ServerProcess::spawn`]s it.
pub fn serve_command(port: u16) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_helpcenter-server"));
    command
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null());
    command
}

/// [`serve_command`] on the config file `config` and the data directory `data_dir`.
pub fn serve_config_command(port: u16, config: &Path, data_dir: &Path) -> Command {
    let mut command = serve_command(port);
    command
        .arg("--config")
        .arg(config)
        .arg("--data-dir")
        .arg(data_dir);
    command
}

/// Whether `url` answers 200 within ten seconds (asked every 50 ms).
pub async fn answers_within_ten_seconds(url: &str) -> bool {
    for _ in 0..200 {
        if reqwest::get(url).await.is_ok_and(|r| r.status() == 200) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// What a finished command said: whether it succeeded, its standard output and its error.
pub fn said(output: Output) -> (bool, String, String) {
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

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
        let mut command = serve_config_command(port, config, data_dir);
        command
            .envs(super::database_env(shared))
            .env("RUST_LOG", if log.is_some() { "info" } else { "warn" })
            .stdout(output())
            .stderr(output());
        Self::spawn(&mut command, port).await
    }

    /// Starts `command` (see [`serve_command`]) and waits until it answers `GET /healthz`
    /// on `port`.
    pub async fn spawn(command: &mut Command, port: u16) -> ServerProcess {
        Self::spawn_until(command, port, "/healthz").await
    }

    /// … until it answers `GET ready` (`/readyz`: its database is up to date and open).
    pub async fn spawn_until(command: &mut Command, port: u16, ready: &str) -> ServerProcess {
        let child = command.spawn().expect("start helpcenter-server");
        // Dropped (killed and waited for) on every way out, a failed start included.
        let server = ServerProcess { child, port };
        if !answers_within_ten_seconds(&server.url(ready)).await {
            panic!("the server did not come up on port {port}");
        }
        server
    }

    /// Where it answers: `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    /// The process itself (to read the pipes a test gave it, say).
    pub fn child(&mut self) -> &mut Child {
        &mut self.child
    }

    /// SIGTERM, as a service manager stops it: the server ends its work and exits.
    pub fn terminate(&self) {
        let term = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(term.success());
    }

    /// How it exited, once it has (within five seconds), or `None`.
    pub async fn exit_within_five_seconds(&mut self) -> Option<ExitStatus> {
        for _ in 0..100 {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }

    /// SIGKILL: nothing runs on the way out.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
