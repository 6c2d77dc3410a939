//! A PostgreSQL of the tests' own: Debian's server (`postgresql`, installed by
//! [`ensure`] when missing), `initdb` into a temporary directory and the server on a free
//! loopback port, no system service. Both run as the `postgres` user when xtask runs as root
//! (they refuse root). Stopped and deleted when dropped (a failed step included); a run
//! killed by Ctrl-C stops the server with it (it is in the same process group and SIGINT is
//! its fast shutdown), and the next start deletes what such a run left behind.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::cmd::{Cmd, Ctx};
use crate::tools;

/// Where Debian's packages put the server's binaries, one directory per major version.
const LIB: &str = "/usr/lib/postgresql";
/// The temporary clusters' directories: `helpcenter-postgres-<xtask's pid>` under the temp dir.
const PREFIX: &str = "helpcenter-postgres-";

/// The newest installed server's `bin/` (with `initdb` and `postgres`), installing Debian's
/// `postgresql` when there is none.
pub fn ensure(ctx: &Ctx) -> Result<PathBuf> {
    if let Some(bin) = installed() {
        println!("tools: postgresql: ok ({})", bin.display());
        return Ok(bin);
    }
    if ctx.cmd("id").arg("-u").read().as_deref().map(str::trim) != Some("0") {
        bail!(
            "PostgreSQL is missing (the server's tests run on it too): install it with \
             `sudo apt-get install -y postgresql`"
        );
    }
    println!("tools: postgresql: missing, installing with apt-get");
    tools::apt_install(ctx, &["postgresql"])?;
    installed().context("apt-get installed postgresql but no /usr/lib/postgresql/*/bin/initdb")
}

fn installed() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(LIB)
        .ok()?
        .flatten()
        .filter_map(|e| {
            let major = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("postgres").is_file()).then_some((major, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// A running cluster, stopped and deleted when dropped.
pub struct Postgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    /// Run as `postgres` (xtask is root) or as xtask's own user.
    as_postgres: bool,
    server: Option<Child>,
}

impl Postgres {
    /// initdb + the server, accepting connections when this returns.
    pub fn start(ctx: &Ctx) -> Result<Postgres> {
        let bin = ensure(ctx)?;
        remove_abandoned();
        let as_postgres = ctx.cmd("id").arg("-u").read().as_deref().map(str::trim) == Some("0");
        let dir = std::env::temp_dir().join(format!("{PREFIX}{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("cannot remove {}", dir.display()))?;
        }
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        if as_postgres {
            let ids = |flag: &str| -> Result<u32> {
                ctx.cmd("id")
                    .args([flag, "postgres"])
                    .read()
                    .and_then(|id| id.trim().parse().ok())
                    .context("there is no `postgres` user (Debian's postgresql package makes it)")
            };
            std::os::unix::fs::chown(&dir, Some(ids("-u")?), Some(ids("-g")?))
                .with_context(|| format!("cannot give {} to postgres", dir.display()))?;
        }
        let port = free_port()?;
        let mut cluster = Postgres {
            bin,
            dir,
            port,
            as_postgres,
            server: None,
        };
        // An ICU collation of a real language as the default, as production clusters often
        // have: the schema must sort text as bytes whatever the database's locale says.
        cluster
            .tool("initdb")
            .arg("--pgdata")
            .arg(cluster.data())
            .args([
                "--username",
                "postgres",
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
            ])
            .args([
                "--locale",
                "C.UTF-8",
                "--locale-provider",
                "icu",
                "--icu-locale",
                "en-US",
            ])
            .arg("--no-sync")
            .capture()
            .map(drop)?;
        // Durability settings off: the cluster lives for one test run (never do this with
        // data you keep). Connections: every test's server holds a pool of its own.
        let server = cluster
            .tool("postgres")
            .arg("-D")
            .arg(cluster.data())
            .args(["-p", &port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1"])
            .arg("-c")
            .arg(format!("unix_socket_directories={}", cluster.dir.display()))
            .args(["-c", "max_connections=400", "-c", "fsync=off"])
            .args(["-c", "synchronous_commit=off", "-c", "full_page_writes=off"])
            // Its log beside its data (a client hanging up is worth a line there, not in
            // the tests' output).
            .args([
                "-c",
                "logging_collector=on",
                "-c",
                "log_filename=postgres.log",
            ])
            .arg("-c")
            .arg(format!(
                "log_directory={}",
                cluster.dir.join("log").display()
            ))
            .spawn()?;
        cluster.server = Some(server);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ready = cluster
                .tool("pg_isready")
                .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "postgres"])
                .read()
                .is_some();
            if ready {
                break;
            }
            if let Some(Ok(Some(status))) = cluster.server.as_mut().map(Child::try_wait) {
                bail!(
                    "PostgreSQL exited at start ({status}); is port {port} free? Its log:\n{}",
                    cluster.log()
                );
            }
            if Instant::now() > deadline {
                bail!("PostgreSQL did not accept connections on 127.0.0.1:{port} within 60 s");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        println!(
            "postgres: PostgreSQL on 127.0.0.1:{port}, data in {}",
            cluster.dir.display()
        );
        Ok(cluster)
    }

    /// The superuser's URL: the tests make a database of their own each with it.
    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// A new, empty database `name` (`createdb`), and its URL.
    pub fn create_database(&self, name: &str) -> Result<String> {
        self.tool("createdb")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", "postgres", name])
            .capture()
            .with_context(|| format!("cannot create the database {name}"))?;
        Ok(format!(
            "postgres://postgres@127.0.0.1:{}/{name}",
            self.port
        ))
    }

    /// What the server logged (for a failure's message).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log").join("postgres.log")).unwrap_or_default()
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// One of the server's programs, as the user it runs as.
    fn tool(&self, name: &str) -> Cmd {
        let program = self.bin.join(name);
        let cmd = if self.as_postgres {
            Cmd::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(program)
        } else {
            Cmd::new(program)
        };
        cmd.current_dir(&self.dir)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Some(mut server) = self.server.take() {
            let _ = self
                .tool("pg_ctl")
                .arg("stop")
                .arg("-D")
                .arg(self.data())
                .args(["-m", "immediate", "-w"])
                .read();
            let _ = server.kill();
            let _ = server.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A loopback port nothing listens on now (for the servers the test steps start).
pub(crate) fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot find a free port")?;
    Ok(listener.local_addr()?.port())
}

/// Clusters left by runs that ended without dropping theirs (Ctrl-C, SIGKILL): their xtask
/// is gone, and their server stopped with it.
fn remove_abandoned() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix(PREFIX) else {
            continue;
        };
        let alive = Path::new("/proc").join(pid).exists();
        let server_pid = entry.path().join("data").join("postmaster.pid");
        let server_alive = std::fs::read_to_string(&server_pid)
            .ok()
            .and_then(|text| text.lines().next().map(str::to_owned))
            .is_some_and(|pid| Path::new("/proc").join(pid.trim()).exists());
        if !alive && !server_alive {
            println!(
                "postgres: removing {}, left by an earlier run",
                entry.path().display()
            );
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}
