//! Debian's nginx as the load balancer in front of several `helpcenter-server serve`
//! instances, as the README's "Running at scale" has it: round robin with one worker (so
//! requests alternate strictly between the instances that are up), no sticky sessions, event
//! streams unbuffered and kept open, and `proxy_next_upstream error timeout` (a request an
//! instance refused goes to the next). Every answer carries `X-Helpcenter-Upstream`, nginx's
//! `$upstream_addr` (the instance that served it; after a refused try, each one tried), so
//! the end-to-end tests and the bench see which instance answered what.
//!
//! Runs in the foreground in a directory of its own under the temp dir (its config, logs and
//! temp files), stopped with SIGTERM when dropped, so its master stops its workers (SIGKILL
//! would leave them running, holding the port), and the directory removed.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::cmd::{Ctx, Scratch};
use crate::tools;

/// The header naming the instance that answered.
pub const UPSTREAM_HEADER: &str = "X-Helpcenter-Upstream";

/// nginx's path: Debian's, installed by [`tools::ensure_proxies`] when missing.
pub fn nginx(ctx: &Ctx) -> Result<PathBuf> {
    tools::ensure_proxies(ctx)?;
    ctx.cmd("sh")
        .args(["-c", "command -v nginx"])
        .read()
        .map(|path| PathBuf::from(path.trim()))
        .filter(|path| path.is_file())
        .context("nginx is installed but not on PATH")
}

/// A running nginx; stopped and its directory removed when dropped.
pub struct Balancer {
    addr: SocketAddr,
    child: Option<Child>,
    // Dropped after the process has stopped (fields drop in order).
    dir: Scratch,
}

impl Balancer {
    /// nginx on `addr` in front of `upstreams`, answering when this returns. `name` names its
    /// directory (`helpcenter-NAME-PID` under the temp dir).
    pub fn start(
        ctx: &Ctx,
        name: &str,
        addr: SocketAddr,
        upstreams: &[SocketAddr],
    ) -> Result<Balancer> {
        let nginx = nginx(ctx)?;
        if TcpStream::connect(addr).is_ok() {
            bail!("{addr} is in use: the load balancer needs it (stop what listens there)");
        }
        let dir = Scratch::new(name)?;
        let root = ctx.cmd("id").arg("-u").read().as_deref().map(str::trim) == Some("0");
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, config(dir.path(), addr, upstreams, root))
            .with_context(|| format!("cannot write {}", conf.display()))?;
        println!(
            "$ {} -p {} -c {} -g 'daemon off;' &",
            nginx.display(),
            dir.path().display(),
            conf.display()
        );
        let child = Command::new(&nginx)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf)
            .args(["-g", "daemon off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("could not start {}", nginx.display()))?;
        let mut balancer = Balancer {
            addr,
            child: Some(child),
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Some(Ok(Some(status))) = balancer.child.as_mut().map(Child::try_wait) {
                bail!(
                    "nginx exited at start ({status}); its error log:\n{}",
                    balancer.error_log()
                );
            }
            if Instant::now() > deadline {
                bail!(
                    "nginx did not listen on {addr} within 10 s; its error log:\n{}",
                    balancer.error_log()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        println!(
            "balancer: nginx on {addr}, round robin over {}",
            upstreams
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
        Ok(balancer)
    }

    /// Where shoppers and agents reach the instances, e.g. `http://127.0.0.1:18080`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// One line a request: its status, its request line and the instances that served it
    /// (`$upstream_addr`: after a refused try, each one tried, the last answered).
    pub fn access_log(&self) -> PathBuf {
        self.dir.path().join("access.log")
    }

    /// What nginx logged as errors (for a failure's message).
    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

impl Drop for Balancer {
    /// SIGTERM to the master, which stops its workers and exits; SIGKILL only if it has not
    /// exited within five seconds.
    fn drop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        for _ in 0..100 {
            if matches!(child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// The whole nginx.conf: everything nginx writes stays in `dir`.
fn config(dir: &Path, addr: SocketAddr, upstreams: &[SocketAddr], root: bool) -> String {
    let d = dir.display();
    let servers: String = upstreams
        .iter()
        .map(|u| format!("    server {u} max_fails=1 fail_timeout=10s;\n"))
        .collect();
    format!(
        "# Written by cargo xtask: the README's \"Running at scale\" on one machine.\n\
         {user}worker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
         events {{ worker_connections 1024; }}\n\
         http {{\n\
         \x20 log_format upstream '$status \"$request\" $upstream_addr';\n\
         \x20 access_log {d}/access.log upstream;\n\
         \x20 client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
         \x20 fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
         \x20 # Round robin, no sticky sessions.\n\
         \x20 upstream helpcenter {{\n{servers}  }}\n\
         \x20 server {{\n\
         \x20   listen {addr};\n\
         \x20   client_max_body_size 0;\n\
         \x20   location / {{\n\
         \x20     proxy_pass http://helpcenter;\n\
         \x20     proxy_http_version 1.1;\n\
         \x20     proxy_set_header Connection \"\";\n\
         \x20     proxy_set_header Host $host;\n\
         \x20     proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n\
         \x20     proxy_request_buffering off;\n\
         \x20     proxy_buffering off;\n\
         \x20     proxy_read_timeout 1h;\n\
         \x20     proxy_next_upstream error timeout;\n\
         \x20     add_header {UPSTREAM_HEADER} $upstream_addr always;\n\
         \x20   }}\n\
         \x20 }}\n\
         }}\n",
        user = if root { "user root;\n" } else { "" },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_balances_round_robin_over_every_instance_and_names_who_answered() {
        let a: SocketAddr = "127.0.0.1:4001".parse().expect("an address");
        let b: SocketAddr = "127.0.0.1:4002".parse().expect("an address");
        let conf = config(
            Path::new("/tmp/lb"),
            "127.0.0.1:18080".parse().expect("an address"),
            &[a, b],
            false,
        );
        assert!(conf.contains("server 127.0.0.1:4001 max_fails=1"), "{conf}");
        assert!(conf.contains("server 127.0.0.1:4002 max_fails=1"), "{conf}");
        assert!(conf.contains("worker_processes 1;"), "{conf}");
        // No directive pins a client to an instance.
        let pinning = conf
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .any(|l| l.contains("hash") || l.contains("sticky"));
        assert!(!pinning, "{conf}");
        assert!(conf.contains("proxy_buffering off;"), "{conf}");
        assert!(conf.contains("add_header X-Helpcenter-Upstream $upstream_addr always;"));
        assert!(conf.contains("listen 127.0.0.1:18080;"));
        assert!(!conf.contains("user root"));
        // Everything nginx writes stays in its directory.
        for line in conf
            .lines()
            .filter(|l| l.contains("_path ") || l.contains("pid "))
        {
            assert!(line.contains("/tmp/lb/"), "{line}");
        }
    }
}
