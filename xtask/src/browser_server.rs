//! The real helpcenter-server the browser tests talk to: its own data directory and config,
//! the test page's origin allowed, a known admin key so tests can act as an agent, a signed-in
//! customer's identity token, and a proxy in front of it that can fail a request on purpose
//! ([`crate::faults`]).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::cmd::Ctx;
use crate::faults::FaultProxy;

/// Where wasm-bindgen-test-runner serves the test page unless `WASM_BINDGEN_TEST_ADDRESS`
/// says otherwise; the server's CORS grant names it.
const TEST_PAGE: &str = "127.0.0.1:8765";
const SERVER: &str = "127.0.0.1:18080";
const PROXY: &str = "127.0.0.1:18090";
/// Known to the tests only; the server keeps its hash.
pub const ADMIN_KEY: &str = "browser-tests-admin-key";
/// The variable the test site's config names for its identity secret; the server and the
/// `sign-identity` command both read the secret from it.
const IDENTITY_SECRET_ENV: &str = "HELPCENTER_TEST_IDENTITY_SECRET";
/// A fixed secret: the server wants at least 16 characters, and nothing here is private.
const IDENTITY_SECRET: &str = "browser-tests-identity-secret";

/// A running server; stopped (and its data removed) when dropped.
pub struct BrowserServer {
    page: String,
    child: Child,
    data: PathBuf,
    identity_token: String,
    _proxy: FaultProxy,
}

impl BrowserServer {
    /// Where the server answers, e.g. `http://127.0.0.1:18080`.
    pub fn origin(&self) -> String {
        format!("http://{SERVER}")
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
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data);
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
    ctx.cmd("cargo")
        .args(["build", "-p", "helpcenter-server"])
        .run()?;
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| ctx.root.join("target"), PathBuf::from);
    let binary = target.join("debug").join("helpcenter-server");
    let hash = ctx
        .cmd(&binary)
        .args(["admin", "hash-key", ADMIN_KEY])
        .read()
        .context("helpcenter-server admin hash-key failed")?;
    let data =
        std::env::temp_dir().join(format!("helpcenter-browser-tests-{}", std::process::id()));
    std::fs::create_dir_all(&data)?;
    let config = data.join("config.toml");
    std::fs::write(
        &config,
        format!(
            r#"# Written by `cargo xtask test` for the browser tests.
[server.rate_limits]
per_ip_per_second = 10000
per_ip_burst = 10000
per_site_per_second = 10000
per_site_burst = 10000

[[sites]]
key = "demo"
display_name = "Browser test store"
allowed_origins = ["http://{page}"]
time_zone = "UTC"
return_policy_url = "https://shop.example/returns"
admin_key_sha256 = "{}"
identity_secret_env = "{IDENTITY_SECRET_ENV}"
"#,
            hash.trim()
        ),
    )?;
    let identity_token = ctx
        .cmd(&binary)
        .env(IDENTITY_SECRET_ENV, IDENTITY_SECRET)
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
    for addr in [SERVER, PROXY, page.as_str()] {
        if TcpStream::connect(addr).is_ok() {
            bail!("{addr} is in use: the browser tests need it (stop what listens there)");
        }
    }
    let child = ctx
        .cmd(&binary)
        .env(IDENTITY_SECRET_ENV, IDENTITY_SECRET)
        .arg("serve")
        .arg("--config")
        .arg(&config)
        .args(["--bind", SERVER])
        .arg("--data-dir")
        .arg(data.join("data"))
        .arg("--widget-dir")
        .arg(widget_dir.map_or_else(|| data.join("no-widget"), Path::to_path_buf))
        .spawn()?;
    let proxy = FaultProxy::start(PROXY.parse()?, SERVER.parse()?)?;
    let server = BrowserServer {
        page,
        child,
        data,
        identity_token,
        _proxy: proxy,
    };
    wait_healthy(SERVER.parse()?)?;
    Ok(server)
}

fn wait_healthy(addr: SocketAddr) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(mut stream) = TcpStream::connect(addr) {
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
    bail!("helpcenter-server did not answer /healthz on {addr} within 30 s")
}
