//! An S3-compatible server of the tests' own, beside their PostgreSQL: `s3s-fs` (the s3s
//! project's S3 server over a directory) from crates.io at a pinned version, installed by
//! `cargo install` into `target/s3s-fs` when missing, started on a free loopback port with
//! fixed test credentials and its data in a temporary directory. Stopped and its directory
//! deleted when dropped (a failed step included); the next start deletes what a run killed
//! before dropping it left behind.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::cmd::{Cmd, Ctx};

/// s3s-fs from crates.io: `cargo install s3s-fs --version … --features binary`.
pub const S3S_FS_VERSION: &str = "0.14.1";
/// The bucket the server's tests keep evidence in (each test under a prefix of its own).
pub const BUCKET: &str = "helpcenter-test";
/// The credentials s3s-fs checks every request's signature against.
const ACCESS_KEY: &str = "helpcenter-test-key";
const SECRET_KEY: &str = "helpcenter-test-secret";
/// The temporary directories: `helpcenter-s3-<xtask's pid>` under the temp dir.
const PREFIX: &str = "helpcenter-s3-";

/// `target/s3s-fs/bin/s3s-fs` at [`S3S_FS_VERSION`], installed by cargo unless it is there.
pub fn ensure(ctx: &Ctx) -> Result<PathBuf> {
    let root = ctx.root.join("target").join("s3s-fs");
    let binary = root.join("bin").join("s3s-fs");
    let installed = || {
        Cmd::new(&binary)
            .arg("--version")
            .read()
            .map(|v| v.trim().to_owned())
    };
    let want = format!("s3s-fs {S3S_FS_VERSION}");
    if installed().as_deref() == Some(want.as_str()) {
        println!("tools: s3s-fs: ok ({S3S_FS_VERSION}, {})", binary.display());
        return Ok(binary);
    }
    println!(
        "tools: s3s-fs: missing, installing {S3S_FS_VERSION} from crates.io (about 2 minutes)"
    );
    ctx.cmd("cargo")
        .args(["install", "s3s-fs", "--version", S3S_FS_VERSION])
        .args(["--features", "binary", "--locked", "--root"])
        .arg(&root)
        .run()?;
    match installed() {
        Some(found) if found == want => Ok(binary),
        other => bail!(
            "cargo installed s3s-fs {S3S_FS_VERSION} but `{} --version` says {other:?}",
            binary.display()
        ),
    }
}

/// A running s3s-fs, stopped and its data deleted when dropped.
pub struct S3Server {
    dir: PathBuf,
    port: u16,
    server: Option<Child>,
}

impl S3Server {
    /// The server, with [`BUCKET`] made, accepting connections when this returns.
    pub fn start(ctx: &Ctx) -> Result<S3Server> {
        let binary = ensure(ctx)?;
        remove_abandoned();
        let dir = std::env::temp_dir().join(format!("{PREFIX}{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("cannot remove {}", dir.display()))?;
        }
        // A bucket is a directory of s3s-fs's root.
        let data = dir.join("data");
        std::fs::create_dir_all(data.join(BUCKET))
            .with_context(|| format!("cannot create {}", data.display()))?;
        let port = crate::postgres::free_port()?;
        let log = std::fs::File::create(dir.join("s3s-fs.log"))
            .with_context(|| format!("cannot create a log in {}", dir.display()))?;
        println!(
            "$ {} --host 127.0.0.1 --port {port} --access-key {ACCESS_KEY} --secret-key … {} &",
            binary.display(),
            data.display()
        );
        let child = std::process::Command::new(&binary)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(&data)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("could not start {}", binary.display()))?;
        let mut s3 = S3Server {
            dir,
            port,
            server: Some(child),
        };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Some(Ok(Some(status))) = s3.server.as_mut().map(Child::try_wait) {
                bail!(
                    "s3s-fs exited at start ({status}); is port {port} free? Its log:\n{}",
                    s3.log()
                );
            }
            if Instant::now() > deadline {
                bail!("s3s-fs did not accept connections on {addr} within 30 s");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        println!(
            "s3: s3s-fs {S3S_FS_VERSION} on {addr}, bucket {BUCKET}, data in {}",
            s3.dir.display()
        );
        Ok(s3)
    }

    /// What the server's tests need to keep their evidence in the bucket: the bucket's URL
    /// for `tests/support`, and the standard `AWS_*` variables the server reads.
    pub fn test_env(&self) -> Vec<(&'static str, String)> {
        let mut env = vec![("HELPCENTER_TEST_S3", format!("s3://{BUCKET}"))];
        env.extend(self.aws_env());
        env
    }

    /// The standard `AWS_*` variables a server (or `migrate-store`) reaches this S3 server
    /// with, for `evidence_store = "s3://BUCKET/…"`.
    pub fn aws_env(&self) -> [(&'static str, String); 4] {
        [
            (
                "AWS_ENDPOINT_URL",
                format!("http://127.0.0.1:{}", self.port),
            ),
            ("AWS_REGION", "us-east-1".to_owned()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_owned()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_owned()),
        ]
    }

    /// What the server logged (for a failure's message).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("s3s-fs.log")).unwrap_or_default()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        if let Some(mut server) = self.server.take() {
            let _ = server.kill();
            let _ = server.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Directories left by runs that ended without dropping theirs (Ctrl-C, SIGKILL): their xtask
/// is gone (s3s-fs, in its process group, stopped with it).
fn remove_abandoned() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix(PREFIX) else {
            continue;
        };
        if !Path::new("/proc").join(pid).exists() {
            println!(
                "s3: removing {}, left by an earlier run",
                entry.path().display()
            );
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}
