//! The real helpcenter-server the browser tests talk to: its own data directory and config,
//! the test page's origin allowed, a known admin key so tests can act as an agent, a signed-in
//! customer's identity token, and a gateway in front of it that can fail a request on purpose
//! or restart the server ([`crate::faults`]).

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::cmd::Ctx;
use crate::faults::FaultProxy;
use crate::mail_catcher::MailCatcher;

/// Where wasm-bindgen-test-runner serves the test page unless `WASM_BINDGEN_TEST_ADDRESS`
/// says otherwise; the server's CORS grant names it.
pub const TEST_PAGE: &str = "127.0.0.1:8765";
/// Where the widget's server answers (the browser tests' lock holds it).
pub const SERVER: &str = "127.0.0.1:18080";
/// The gateway in front of it ([`FaultProxy`]).
pub const PROXY: &str = "127.0.0.1:18090";
/// aiosmtpd, catching the test site's mail (the e2e suite opens the links in it).
pub const SMTP: &str = "127.0.0.1:18095";
/// Known to the tests only; the server keeps its hash.
pub const ADMIN_KEY: &str = "browser-tests-admin-key";
/// The demo site's agents in the console's end-to-end tests: an owner (who keeps the saved
/// replies) and a colleague to assign tickets to. Test-only passwords.
pub const AGENTS: [(&str, &str, &str, &str); 2] = [
    (
        "wei@shop.example",
        "Wei",
        "owner",
        "browser-tests-wei-password",
    ),
    (
        "anna@shop.example",
        "Anna",
        "agent",
        "browser-tests-anna-password",
    ),
];
/// The variable the test site's config names for its identity secret; the server and the
/// `sign-identity` command both read the secret from it.
const IDENTITY_SECRET_ENV: &str = "HELPCENTER_TEST_IDENTITY_SECRET";
/// A fixed secret: the server wants at least 16 characters, and nothing here is private.
const IDENTITY_SECRET: &str = "browser-tests-identity-secret";
/// The variable the order-lookup sites' config names for their secret.
const ORDERS_SECRET_ENV: &str = "HELPCENTER_TEST_ORDERS_SECRET";
/// The secret the storefront's demo order system ([`crate::demo_orders`]) checks the server's
/// signature with, on the sites that look orders up (`orders`, `orders-down`,
/// `orders-required-down`). Test-only.
pub const ORDERS_SECRET: &str = "whsec_YnJvd3Nlci10ZXN0cy1vcmRlci1sb29rdXAta2V5ISE=";
/// The admin key of a site other than `demo` (each site's own: a key names its site).
/// Test-only.
pub fn site_admin_key(site: &str) -> String {
    format!("browser-tests-{site}-admin-key")
}

fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
/// Where nothing listens: the order system of the sites whose store is down.
const NOBODY: &str = "127.0.0.1:9";
/// How long a (re)started server may take to answer `/healthz`, port reuse included.
const HEALTHY_WITHIN: Duration = Duration::from_secs(30);
/// The server's last log lines shown when it exits when no one asked it to.
const LOG_TAIL_LINES: usize = 40;

/// A running server; stopped (and its data removed) when dropped.
pub struct BrowserServer {
    page: String,
    server: SharedServer,
    data: PathBuf,
    identity_token: String,
    _proxy: FaultProxy,
    mail: MailCatcher,
}

impl BrowserServer {
    /// Where the server answers, e.g. `http://127.0.0.1:18080`.
    pub fn origin(&self) -> String {
        format!("http://{SERVER}")
    }

    /// The test page's address (`127.0.0.1:8765`): the origin the demo site allows besides
    /// the server's own.
    pub fn page(&self) -> &str {
        &self.page
    }

    /// Where the test site's mail is caught, one file a mail under `new/`.
    pub fn maildir(&self) -> &Path {
        &self.mail.maildir
    }

    /// Fails, with the server's last log lines, when the server is no longer running: it
    /// crashed during the tests (a restart a test asked for leaves it running).
    pub fn ensure_running(&self) -> Result<()> {
        lock(&self.server).ensure_running()
    }

    /// The variables the browser tests are compiled with.
    pub fn test_env(&self) -> [(&'static str, String); 5] {
        [
            ("HELPCENTER_TEST_API", format!("http://{SERVER}")),
            ("HELPCENTER_TEST_FLAKY_API", format!("http://{PROXY}")),
            ("HELPCENTER_TEST_ADMIN_KEY", ADMIN_KEY.to_owned()),
            (
                "HELPCENTER_TEST_IDENTITY_TOKEN",
                self.identity_token.clone(),
            ),
            ("WASM_BINDGEN_TEST_ADDRESS", self.page.clone()),
        ]
    }
}

impl Drop for BrowserServer {
    fn drop(&mut self) {
        // The gateway holds the process too; `stop` also keeps a late restart from starting it.
        lock(&self.server).stop();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

/// The server process, shared by [`BrowserServer`] (which stops it) and the gateway (which
/// restarts it when a test asks), so both act on the one child.
pub type SharedServer = Arc<Mutex<ServerProcess>>;

/// Locks the server process; a panic elsewhere while it was held does not make it unusable
/// (the process must still be stopped).
pub fn lock(server: &SharedServer) -> MutexGuard<'_, ServerProcess> {
    server.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A server process that can be killed and started again with the very same command line,
/// environment and port, so a test can restart the server for real.
pub struct ServerProcess {
    program: PathBuf,
    args: Vec<OsString>,
    envs: Vec<(String, OsString)>,
    dir: Option<PathBuf>,
    /// Where its stdout and stderr go (appended across restarts), so a crash can show them;
    /// inherited when `None`.
    log: Option<PathBuf>,
    /// Where it answers `/healthz` once it is up.
    addr: SocketAddr,
    child: Option<Child>,
    /// Set for good by [`ServerProcess::stop`], so nothing starts it again afterwards.
    stopped: bool,
}

impl ServerProcess {
    pub fn new(program: impl Into<PathBuf>, addr: SocketAddr) -> Self {
        ServerProcess {
            program: program.into(),
            args: Vec::new(),
            envs: Vec::new(),
            dir: None,
            log: None,
            addr,
            child: None,
            stopped: false,
        }
    }

    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: Into<OsString>>(self, args: I) -> Self {
        args.into_iter().fold(self, Self::arg)
    }

    pub fn env(mut self, key: &str, value: impl Into<OsString>) -> Self {
        self.envs.push((key.to_owned(), value.into()));
        self
    }

    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    pub fn log_to(mut self, file: impl Into<PathBuf>) -> Self {
        self.log = Some(file.into());
        self
    }

    /// Starts the process and waits until it answers `/healthz`. After a restart the port may
    /// not be free yet: it waits for that first. A process that exits before answering is a
    /// failure, shown with its last log lines: never started again behind the test's back.
    pub fn start(&mut self) -> Result<()> {
        if self.stopped {
            bail!("the server was stopped for good");
        }
        if self.child.is_some() {
            bail!("the server is already running");
        }
        let deadline = Instant::now() + HEALTHY_WITHIN;
        wait_port_free(self.addr, deadline)?;
        println!("$ {} &", self.command_line());
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .envs(self.envs.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null());
        if let Some(dir) = &self.dir {
            command.current_dir(dir);
        }
        if let Some(log) = &self.log {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .with_context(|| format!("cannot open the server's log {}", log.display()))?;
            command.stdout(file.try_clone()?).stderr(file);
        }
        let mut child = command
            .spawn()
            .with_context(|| format!("could not start {}", self.program.display()))?;
        match wait_healthy(self.addr, &mut child, deadline) {
            Ok(()) => {
                self.child = Some(child);
                Ok(())
            }
            Err(Unhealthy::Exited(status)) => bail!(
                "the server exited ({status}) before answering /healthz{}",
                self.log_tail()
            ),
            Err(Unhealthy::Late) => {
                let _ = child.kill();
                let _ = child.wait();
                bail!(
                    "the server did not answer /healthz on {} within {} s{}",
                    self.addr,
                    HEALTHY_WITHIN.as_secs(),
                    self.log_tail()
                )
            }
        }
    }

    /// Fails, with the last log lines, when the process has exited on its own.
    pub fn ensure_running(&mut self) -> Result<()> {
        let Some(child) = self.child.as_mut() else {
            bail!("the server is not running{}", self.log_tail());
        };
        match child.try_wait()? {
            None => Ok(()),
            Some(status) => {
                self.child = None;
                bail!(
                    "the server exited ({status}) while the tests ran: it crashed{}",
                    self.log_tail()
                )
            }
        }
    }

    /// Whether [`ServerProcess::stop`] or [`ServerProcess::terminate`] stopped it for good.
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// The end of the server's log, for an error message.
    pub fn log_tail(&self) -> String {
        let Some(log) = &self.log else {
            return String::new();
        };
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = &lines[lines.len().saturating_sub(LOG_TAIL_LINES)..];
        format!(
            "; the last lines of its log ({}):\n{}",
            log.display(),
            tail.join("\n")
        )
    }

    /// The most memory the running process has held so far (its peak resident set), in KiB.
    pub fn peak_memory_kib(&self) -> Option<u64> {
        let pid = self.child.as_ref()?.id();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
    }

    /// Kills the process, waits for it, and starts it again the same way.
    pub fn restart(&mut self) -> Result<()> {
        self.kill();
        self.start()
    }

    /// Stops the process as a service manager does (SIGTERM, SIGKILL if it has not exited
    /// within ten seconds), for good; answers how it exited.
    pub fn terminate(&mut self) -> Result<ExitStatus> {
        self.stopped = true;
        let Some(mut child) = self.child.take() else {
            bail!("the server is not running{}", self.log_tail());
        };
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .context("cannot run kill")?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Some(status) = child.try_wait()? {
                return Ok(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        bail!(
            "the server did not stop within 10 s of SIGTERM (killed){}",
            self.log_tail()
        )
    }

    /// The process's id while it runs.
    pub fn id(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Kills the process for good: a restart asked for afterwards fails instead of leaving a
    /// server running behind the tests.
    pub fn stop(&mut self) {
        self.stopped = true;
        self.kill();
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn command_line(&self) -> String {
        let envs = self
            .envs
            .iter()
            .map(|(k, v)| format!("{k}={}", v.to_string_lossy()));
        let words = std::iter::once(self.program.display().to_string())
            .chain(self.args.iter().map(|a| a.to_string_lossy().into_owned()));
        envs.chain(words).collect::<Vec<_>>().join(" ")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The server for the wasm browser tests, which mount the widget themselves.
pub fn start(ctx: &Ctx) -> Result<BrowserServer> {
    start_with_widget(ctx, None)
}

/// The server serving the widget built in `widget_dir` under `/widget/`.
pub fn start_serving(ctx: &Ctx, widget_dir: &Path) -> Result<BrowserServer> {
    start_with_widget(ctx, Some(widget_dir))
}

fn start_with_widget(ctx: &Ctx, widget_dir: Option<&Path>) -> Result<BrowserServer> {
    let page = std::env::var("WASM_BINDGEN_TEST_ADDRESS").unwrap_or_else(|_| TEST_PAGE.into());
    let binary = build(ctx)?;
    let hash = admin_key_hash(ctx, &binary)?;
    let data =
        std::env::temp_dir().join(format!("helpcenter-browser-tests-{}", std::process::id()));
    std::fs::create_dir_all(&data)?;
    launch(ctx, &binary, &page, widget_dir, &hash, &data).inspect_err(|_| {
        let _ = std::fs::remove_dir_all(&data);
    })
}

/// The debug server (`cargo build -p helpcenter-server`): its binary's path.
pub fn build(ctx: &Ctx) -> Result<PathBuf> {
    ctx.cmd("cargo")
        .args(["build", "-p", "helpcenter-server"])
        .run()?;
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| ctx.root.join("target"), PathBuf::from);
    Ok(target.join("debug").join("helpcenter-server"))
}

/// The SHA-256 of [`ADMIN_KEY`], as the server's own `admin hash-key` writes it.
pub fn admin_key_hash(ctx: &Ctx, binary: &Path) -> Result<String> {
    let hash = ctx
        .cmd(binary)
        .env("HELPCENTER_ADMIN_KEY", ADMIN_KEY)
        .args(["admin", "hash-key"])
        .read()
        .context("helpcenter-server admin hash-key failed")?;
    Ok(hash.trim().to_owned())
}

/// The config every browser test's server runs with: served at `public_url`, the sites
/// allowing the test page `page`, mail to `mail`; `storage` adds lines to
/// `[server.storage]`.
pub fn write_config(
    config: &Path,
    public_url: &str,
    page: &str,
    mail: &MailCatcher,
    admin_key_hash: &str,
    storage: &str,
) -> Result<()> {
    std::fs::write(
        config,
        format!(
            r##"# Written by `cargo xtask test` for the browser tests.
[server]
public_url = "{public_url}"

[server.rate_limits]
per_ip_per_second = 10000
per_ip_burst = 10000
per_site_per_second = 10000
per_site_burst = 10000

# Every test's browser is one client: it files few of the files it uploads.
[server.storage]
open_uploads_per_client = 100000
{storage}
{smtp}
[[sites]]
key = "demo"
display_name = "Browser test store"
allowed_origins = ["http://{page}"]
time_zone = "UTC"
return_policy_url = "https://shop.example/returns"
admin_key_sha256 = "{admin_key_hash}"
identity_secret_env = "{IDENTITY_SECRET_ENV}"

# Not the default blue: the e2e tests see the launcher and the widget wear the site's brand.
[sites.brand]
primary_color = "#0b6e4f"
on_primary_color = "#ffffff"
radius_px = 10

[sites.mail]
from_name = "Browser test store"
from_address = "help@shop.example"
support_address = "support@shop.example"

# The order-first journey (tests/e2e/orders.spec.js): the demo store's order system, served
# by the storefront on the test page's origin; the same store down, optional and required.
[[sites]]
key = "orders"
display_name = "Copper Kettle"
allowed_origins = ["http://{page}"]
time_zone = "UTC"
admin_key_sha256 = "{orders_key_hash}"

[sites.order_lookup]
url = "http://{page}/orders/lookup"
secret_env = "{ORDERS_SECRET_ENV}"
mode = "optional"
allow_private_targets = true

[[sites]]
key = "orders-down"
display_name = "Copper Kettle"
allowed_origins = ["http://{page}"]
time_zone = "UTC"
admin_key_sha256 = "{orders_down_key_hash}"

[sites.order_lookup]
url = "http://{NOBODY}/orders/lookup"
secret_env = "{ORDERS_SECRET_ENV}"
mode = "optional"
allow_private_targets = true
timeout_ms = 1000

[[sites]]
key = "orders-required-down"
display_name = "Copper Kettle"
allowed_origins = ["http://{page}"]
time_zone = "UTC"
admin_key_sha256 = "{orders_required_down_key_hash}"

[sites.order_lookup]
url = "http://{NOBODY}/orders/lookup"
secret_env = "{ORDERS_SECRET_ENV}"
mode = "required"
allow_private_targets = true
timeout_ms = 1000
"##,
            smtp = mail.smtp_table(),
            orders_key_hash = sha256_hex(&site_admin_key("orders")),
            orders_down_key_hash = sha256_hex(&site_admin_key("orders-down")),
            orders_required_down_key_hash = sha256_hex(&site_admin_key("orders-required-down")),
        ),
    )
    .with_context(|| format!("cannot write {}", config.display()))
}

/// `helpcenter-server serve` on `config` and `data_dir` at `addr`, with the secrets the
/// config names, serving the widget in `widget_dir` and the console's build; not started.
pub fn serve(
    ctx: &Ctx,
    binary: &Path,
    config: &Path,
    addr: SocketAddr,
    data_dir: &Path,
    widget_dir: &Path,
) -> ServerProcess {
    ServerProcess::new(binary, addr)
        .current_dir(&ctx.root)
        .env(IDENTITY_SECRET_ENV, IDENTITY_SECRET)
        .env(ORDERS_SECRET_ENV, ORDERS_SECRET)
        .arg("serve")
        .arg("--config")
        .arg(config)
        .arg("--bind")
        .arg(addr.to_string())
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--widget-dir")
        .arg(widget_dir)
        .arg("--console-dir")
        .arg(crate::console::dist(ctx))
}

/// Writes the config, signs the test identity and starts the server and its gateway; the
/// caller removes `data` if this fails.
fn launch(
    ctx: &Ctx,
    binary: &Path,
    page: &str,
    widget_dir: Option<&Path>,
    admin_key_hash: &str,
    data: &Path,
) -> Result<BrowserServer> {
    let mail = MailCatcher::start(ctx, SMTP.parse()?, &data.join("caught-mail"))?;
    let config = data.join("config.toml");
    write_config(
        &config,
        &format!("http://{SERVER}"),
        page,
        &mail,
        admin_key_hash,
        "",
    )?;
    let identity_token = ctx
        .cmd(binary)
        .env(IDENTITY_SECRET_ENV, IDENTITY_SECRET)
        .env(ORDERS_SECRET_ENV, ORDERS_SECRET)
        .args(["admin", "sign-identity", "--config"])
        .arg(&config)
        .args(["--site", "demo", "--customer-id", "browser-test-customer"])
        .args(["--email", "wei@example.com", "--valid-hours", "24"])
        .read()
        .context("helpcenter-server admin sign-identity failed")?
        .trim()
        .to_owned();
    if identity_token.is_empty() {
        bail!("helpcenter-server admin sign-identity printed no token");
    }
    for (email, name, role, password) in AGENTS {
        ctx.cmd(binary)
            .env(IDENTITY_SECRET_ENV, IDENTITY_SECRET)
            .env(ORDERS_SECRET_ENV, ORDERS_SECRET)
            .env("HELPCENTER_AGENT_PASSWORD", password)
            .args(["admin", "--config"])
            .arg(&config)
            .arg("--data-dir")
            .arg(data.join("data"))
            .args([
                "--site", "demo", "agents", "add", "--email", email, "--name", name,
            ])
            .args(["--role", role])
            .read()
            .with_context(|| format!("helpcenter-server admin agents add {email} failed"))?;
    }
    for addr in [SERVER, PROXY, page] {
        if TcpStream::connect(addr).is_ok() {
            bail!("{addr} is in use: the browser tests need it (stop what listens there)");
        }
    }
    let mut process = serve(
        ctx,
        binary,
        &config,
        SERVER.parse()?,
        &data.join("data"),
        &widget_dir.map_or_else(|| data.join("no-widget"), Path::to_path_buf),
    )
    .log_to(log_file(data));
    process.start()?;
    let server = Arc::new(Mutex::new(process));
    let proxy = FaultProxy::start(PROXY.parse()?, SERVER.parse()?, Some(server.clone()))?;
    Ok(BrowserServer {
        page: page.to_owned(),
        server,
        data: data.to_owned(),
        identity_token,
        _proxy: proxy,
        mail,
    })
}

/// Where the test server's output goes: beside the data, kept only while the tests run (the
/// tail is shown when it crashes).
fn log_file(data: &Path) -> PathBuf {
    data.join("server.log")
}

/// Why a started server is not serving.
enum Unhealthy {
    /// It exited: a bad config, a crash.
    Exited(ExitStatus),
    /// It did not answer `/healthz` with 200 in time.
    Late,
}

/// Waits until `addr` can be bound: a std listener sets `SO_REUSEADDR` as tokio's does, so
/// this sees what the server will.
fn wait_port_free(addr: SocketAddr, deadline: Instant) -> Result<()> {
    loop {
        match TcpListener::bind(addr) {
            Ok(_) => return Ok(()),
            Err(e) if Instant::now() >= deadline => {
                return Err(e).with_context(|| format!("{addr} did not become free"));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

fn wait_healthy(addr: SocketAddr, child: &mut Child, deadline: Instant) -> Result<(), Unhealthy> {
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(Unhealthy::Exited(status));
        }
        if let Ok(mut stream) = TcpStream::connect(addr) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let _ =
                stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.1 200") {
                return Ok(());
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(Unhealthy::Late)
}
