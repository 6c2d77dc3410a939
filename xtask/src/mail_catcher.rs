//! aiosmtpd catching every mail on loopback (`crates/server/tools/catch_mail.py`), for
//! `cargo xtask dev` and the bench: a real SMTP server, from PyPI ([`tools::ensure_aiosmtpd`]).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use anyhow::{Result, bail, ensure};

use crate::cmd::Ctx;
use crate::tools;

/// The catcher's process, stopped when dropped; its mail stays in `maildir`.
pub struct MailCatcher {
    child: Child,
    pub addr: SocketAddr,
    pub maildir: PathBuf,
}

impl Drop for MailCatcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl MailCatcher {
    /// Listening on `addr` when this returns, writing each mail to `maildir/new`.
    pub fn start(ctx: &Ctx, addr: SocketAddr, maildir: &Path) -> Result<MailCatcher> {
        let python = tools::ensure_aiosmtpd(ctx)?;
        let child = ctx
            .cmd(&python)
            .arg(ctx.root.join("crates/server/tools/catch_mail.py"))
            .args(["--host", &addr.ip().to_string()])
            .args(["--port", &addr.port().to_string()])
            .arg("--maildir")
            .arg(maildir)
            .spawn()?;
        let mut catcher = MailCatcher {
            child,
            addr,
            maildir: maildir.to_owned(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(addr).is_err() {
            if let Ok(Some(status)) = catcher.child.try_wait() {
                bail!(
                    "aiosmtpd (catch_mail.py) exited at start: {status}; is port {} free?",
                    addr.port()
                );
            }
            ensure!(
                Instant::now() < deadline,
                "aiosmtpd did not listen on {addr} within 20 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(catcher)
    }

    /// The server config's `[smtp]` table that delivers here.
    pub fn smtp_table(&self) -> String {
        format!(
            "[smtp]\nhost = \"{}\"\nport = {}\ntls = \"none\"\nretry_first_seconds = 1.0\nretry_max_seconds = 30.0\n",
            self.addr.ip(),
            self.addr.port()
        )
    }

    /// How many mails it caught.
    pub fn caught(&self) -> usize {
        std::fs::read_dir(self.maildir.join("new")).map_or(0, |d| d.count())
    }
}
