//! A real server for integration tests: a real SQLite file in a temporary data directory,
//! on a loopback port, spoken to over HTTP. With `HELPCENTER_TEST_POSTGRES` set (a
//! PostgreSQL superuser's URL: `cargo xtask test` starts a PostgreSQL and sets it), every
//! test's server keeps its tickets in a fresh PostgreSQL database of its own instead
//! ([`database_url`]), so the whole suite runs on both engines. With `HELPCENTER_TEST_S3`
//! set (`s3://BUCKET` of an S3 server xtask starts beside PostgreSQL, with the `AWS_*`
//! variables to reach it), every test's server keeps its evidence under a prefix of its own
//! in that bucket ([`evidence_url`]) rather than in its data directory.
#![allow(dead_code)] // each test binary uses its own part of this

pub mod claims;
pub mod cluster;
pub mod mail;
pub mod process;
pub mod python;
pub mod tus;
pub mod webhooks;

use helpcenter_server::app::ServeOptions;
use helpcenter_server::client_ip::TrustedProxies;
use helpcenter_server::listen::{ConnectionLimits, serve_with};
use helpcenter_server::rate_limit::RateLimits;
use helpcenter_server::sites::{Site, Sites};
use helpcenter_server::store::{Database, Store};
use helpcenter_server::uploads::quota::StorageLimits;
use helpcenter_server::uploads::{EvidenceLocation, EvidenceStore};
use helpcenter_server::{AppState, router};
use std::path::PathBuf;

/// A merchant's config naming one store, ACME Kitchen (`acme`), whose admin key is `s3cret`.
pub const ACME_CONFIG: &str = r#"
[[sites]]
key = "acme"
display_name = "ACME Kitchen"
allowed_origins = ["https://shop.acme.example"]
admin_key_sha256 = "1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0"
"#;

pub const UNLIMITED: RateLimits = RateLimits {
    per_ip_per_second: 100_000,
    per_ip_burst: 100_000,
    per_site_per_second: 100_000,
    per_site_burst: 100_000,
};

/// A loopback port nothing listens on (for a process the test starts to take).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The PostgreSQL superuser URL the suite runs against, when it runs on PostgreSQL.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("HELPCENTER_TEST_POSTGRES")
        .ok()
        .filter(|url| !url.is_empty())
}

/// Whether this run keeps tickets in PostgreSQL (see the module's notes).
pub fn on_postgres() -> bool {
    postgres_admin_url().is_some()
}

/// The database URL of the server on `data_dir` when the suite runs on PostgreSQL: a
/// database of that data directory's own, made empty on first use (so a test's servers and
/// commands on one data directory share it, as they share its SQLite file); `None` on
/// SQLite, where the server's default (`helpcenter.db` in the data directory) is the one.
pub fn database_url(data_dir: &std::path::Path) -> Option<String> {
    let admin = postgres_admin_url()?;
    let name = format!("hc_test_{}", data_dir_key(data_dir));
    let (server, _) = admin
        .rsplit_once('/')
        .expect("HELPCENTER_TEST_POSTGRES is postgres://USER@HOST:PORT/DATABASE");
    let url = format!("{server}/{name}");
    // Its own thread and runtime: callable from a test's runtime and from plain #[test]s.
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            use sqlx::Connection;
            let mut admin = sqlx::PgConnection::connect(&admin)
                .await
                .expect("connect to HELPCENTER_TEST_POSTGRES");
            match sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .await
            {
                Ok(_) => {}
                // Made by an earlier command of the same test.
                Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => {}
                Err(e) => panic!("CREATE DATABASE {name}: {e}"),
            }
            let _ = admin.close().await;
        });
    })
    .join()
    .expect("make the test's database");
    Some(url)
}

/// A name of `data_dir`'s own (24 hex digits of its absolute path's SHA-256): its database's
/// on PostgreSQL, its prefix in the bucket on S3.
fn data_dir_key(data_dir: &std::path::Path) -> String {
    use sha2::Digest;
    let absolute = std::path::absolute(data_dir).unwrap_or_else(|_| data_dir.to_owned());
    let digest = sha2::Sha256::digest(absolute.as_os_str().as_encoded_bytes());
    hex::encode(digest)[..24].to_owned()
}

/// The bucket the suite keeps evidence in (`s3://BUCKET`), when it runs on an S3 server.
pub fn s3_bucket_url() -> Option<String> {
    std::env::var("HELPCENTER_TEST_S3")
        .ok()
        .filter(|url| !url.is_empty())
}

/// Whether this run keeps evidence in an S3 bucket (see the module's notes).
pub fn on_s3() -> bool {
    s3_bucket_url().is_some()
}

/// Where the server on `data_dir` keeps evidence when the suite runs on S3: a prefix of that
/// data directory's own in the suite's bucket (so a test's servers and commands on one data
/// directory share it, as they share its `uploads/evidence`); `None` otherwise.
pub fn evidence_url(data_dir: &std::path::Path) -> Option<String> {
    let bucket = s3_bucket_url()?;
    Some(format!(
        "{}/test-{}",
        bucket.trim_end_matches('/'),
        data_dir_key(data_dir)
    ))
}

/// Where the server on `data_dir` keeps evidence (see [`evidence_url`]).
pub fn evidence_location(data_dir: &std::path::Path) -> EvidenceLocation {
    match evidence_url(data_dir) {
        Some(url) => {
            EvidenceLocation::parse(&url, data_dir).expect("HELPCENTER_TEST_S3 is s3://BUCKET")
        }
        None => EvidenceLocation::in_data_dir(data_dir),
    }
}

/// The names of the objects the server on `data_dir` keeps (finished evidence by upload id,
/// uploads in progress as `partial/ID/PART`): what it kept of the uploads it was sent.
pub async fn stored_objects(data_dir: &std::path::Path) -> Vec<String> {
    use futures_util::TryStreamExt;
    let evidence =
        EvidenceStore::open(&evidence_location(data_dir), data_dir).expect("the evidence store");
    let mut names: Vec<String> = evidence
        .objects()
        .list(None)
        .map_ok(|meta| meta.location.to_string())
        .try_collect()
        .await
        .expect("list the evidence store");
    names.sort();
    names
}

/// The database of the server on `data_dir` (see [`database_url`]).
pub fn database(data_dir: &std::path::Path) -> Database {
    match database_url(data_dir) {
        Some(url) => Database::Postgres(url),
        None => Database::in_data_dir(data_dir),
    }
}

/// What a `helpcenter-server` command run by a test on `data_dir` needs in its environment
/// to use that data directory's database and evidence: nothing on SQLite and local files
/// (the `AWS_*` variables the S3 server needs it inherits from the test).
pub fn database_env(data_dir: &std::path::Path) -> Vec<(&'static str, String)> {
    let mut env = Vec::new();
    if let Some(url) = database_url(data_dir) {
        env.push(("HELPCENTER_DATABASE_URL", url));
    }
    if let Some(url) = evidence_url(data_dir) {
        env.push(("HELPCENTER_EVIDENCE_STORE", url));
    }
    env
}

pub struct TestServer {
    pub base: String,
    /// The demo site's admin key.
    pub admin_key: String,
    pub data_dir: PathBuf,
    /// Where its tickets are (see [`database`]).
    pub database: Database,
    /// Where its evidence is (see [`evidence_location`]).
    pub evidence: EvidenceLocation,
    /// The fake Trunk output served under `/widget/` (see [`write_widget`]).
    pub widget_dir: PathBuf,
    /// Holds [`EMBED_JS`].
    pub public_dir: PathBuf,
    /// The fake Trunk output served under `/console/` (see [`write_console`]).
    pub console_dir: PathBuf,
    pub http: reqwest::Client,
    /// Tells the server to stop, as SIGTERM does.
    pub shutdown: tokio_util::sync::CancellationToken,
    _dirs: (
        tempfile::TempDir,
        tempfile::TempDir,
        tempfile::TempDir,
        tempfile::TempDir,
    ),
}

/// The console's hashed names, as Trunk leaves them in `crates/console/dist/`.
pub const CONSOLE_WASM: &str = "helpcenter-console-0123456789abcdef_bg.wasm";
pub const CONSOLE_CSS: &str = "console-0123456789abcdef.css";

/// A fake console build: its page and two hashed assets, with a `.gz` beside the wasm.
pub fn write_console(dir: &std::path::Path) {
    let page = format!(
        "<!doctype html><html><head><title>Help Center console</title>\
         <link rel=\"stylesheet\" href=\"/console/{CONSOLE_CSS}\"></head><body></body></html>"
    );
    std::fs::write(dir.join("index.html"), page).expect("write the console page");
    std::fs::write(dir.join(CONSOLE_WASM), fake_wasm()).expect("write the console wasm");
    std::fs::write(dir.join(CONSOLE_CSS), b".bar { color: white; }\n").expect("write css");
}

/// The hashed names of a split build, as xtask leaves them in `dist/`.
pub const GLUE_JS: &str = "helpcenter-widget-0123456789abcdef.js";
pub const WASM: &str = "helpcenter-widget-0123456789abcdef_bg.wasm";
pub const CHUNK_WASM: &str = "split_screens-0123456789abcdef.wasm";
pub const CSS: &str = "widget-0123456789abcdef.css";
pub const BOOT_JS: &str = "boot-0123456789abcdef.js";
/// An asset whose name carries no hash.
pub const UNHASHED_WASM: &str = "helpcenter-widget_bg.wasm";

pub const EMBED_JS: &str = "(function () {\n  // the merchant's one script tag: a launcher, then the widget's iframe\n  var site = document.currentScript.dataset.site;\n  window.HelpCenter = window.HelpCenter || function () {};\n})();\n";

/// A wasm module's header, then enough of a body to be worth compressing.
pub fn fake_wasm() -> Vec<u8> {
    let mut bytes = b"\0asm\x01\0\0\0".to_vec();
    bytes.extend((0..4096u32).map(|i| (i % 7) as u8));
    bytes
}

/// A fake Trunk output after xtask: the page, hashed assets, and a `.br` and a `.gz` beside
/// each of them but the unhashed wasm.
pub fn write_widget(dir: &std::path::Path) {
    let page = format!(
        "<!doctype html><html><head><title>Help Center</title>\
         <link rel=\"stylesheet\" href=\"/widget/{CSS}\">\
         <script type=\"module\" src=\"/widget/{BOOT_JS}\"></script></head><body></body></html>"
    );
    let files: [(&str, Vec<u8>); 6] = [
        ("index.html", page.into_bytes()),
        (
            GLUE_JS,
            b"export default async function init() {}\n".repeat(20),
        ),
        (WASM, fake_wasm()),
        (CHUNK_WASM, fake_wasm()),
        (CSS, b".hc-root { color: black; }\n".repeat(20)),
        (
            BOOT_JS,
            format!("import init from '/widget/{GLUE_JS}';\nawait init();\n").into_bytes(),
        ),
    ];
    for (name, bytes) in &files {
        std::fs::write(dir.join(name), bytes).expect("write a widget file");
        std::fs::write(dir.join(format!("{name}.br")), brotli(bytes)).expect("write .br");
        std::fs::write(dir.join(format!("{name}.gz")), gzip(bytes)).expect("write .gz");
    }
    std::fs::write(dir.join(UNHASHED_WASM), fake_wasm()).expect("write wasm");
}

pub fn brotli(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut out = Vec::new();
    {
        let mut writer = ::brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        writer.write_all(bytes).expect("brotli");
    }
    out
}

pub fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    ::brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .expect("a brotli stream");
    out
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

pub fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("a gzip stream");
    out
}

/// The server-wide settings a test server runs with: `..Setup::default()` for the rest.
#[derive(Clone, Debug)]
pub struct Setup {
    pub rate_limits: RateLimits,
    pub connections: ConnectionLimits,
    pub trusted_proxies: TrustedProxies,
    pub storage: StorageLimits,
    /// Where the mail worker delivers; `None` keeps every mail in the outbox.
    pub smtp: Option<helpcenter_server::mail::SmtpConfig>,
    /// Order lookups per order number and per client.
    pub order_lookups: helpcenter_server::orders::LookupLimits,
}

impl Default for Setup {
    /// The server's defaults, but rate limits tests never meet.
    fn default() -> Self {
        Self {
            rate_limits: UNLIMITED,
            connections: ConnectionLimits::default(),
            trusted_proxies: TrustedProxies::default(),
            storage: StorageLimits::default(),
            smtp: None,
            order_lookups: Default::default(),
        }
    }
}

impl TestServer {
    /// The server's database, opened as the server opens it (the admin CLI's view).
    pub async fn store(&self) -> Store {
        Store::open(&self.database).await.expect("open the store")
    }

    /// A connection pool to the server's database, for a test to look at or change rows
    /// directly (`$1` placeholders, which both engines read).
    pub async fn db(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        let url = match &self.database {
            Database::Postgres(url) => url.clone(),
            Database::Sqlite(path) => format!("sqlite://{}", path.display()),
        };
        sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect(&url)
            .await
            .expect("connect to the server's database")
    }

    /// The objects in its evidence store (see [`stored_objects`]).
    pub async fn stored_objects(&self) -> Vec<String> {
        stored_objects(&self.data_dir).await
    }

    /// Its evidence store, opened as the server opens it.
    pub fn evidence_store(&self) -> EvidenceStore {
        EvidenceStore::open(&self.evidence, &self.data_dir).expect("the evidence store")
    }

    /// The demo site on the built-in policy, with a fake Trunk output to serve; rate limits
    /// high enough that tests never meet them.
    pub async fn start() -> TestServer {
        Self::start_with(UNLIMITED).await
    }

    pub async fn start_with(rate_limits: RateLimits) -> TestServer {
        Self::start_customized(rate_limits, |_| {}).await
    }

    /// The demo site as `customize` changes it (its policy, say).
    pub async fn start_customized(
        rate_limits: RateLimits,
        customize: impl FnOnce(&mut Site),
    ) -> TestServer {
        Self::start_limited(rate_limits, ConnectionLimits::default(), customize).await
    }

    /// … with other bounds on slow and idle connections.
    pub async fn start_limited(
        rate_limits: RateLimits,
        connections: ConnectionLimits,
        customize: impl FnOnce(&mut Site),
    ) -> TestServer {
        let setup = Setup {
            rate_limits,
            connections,
            ..Setup::default()
        };
        Self::start_set_up(setup, customize).await
    }

    /// The demo site, delivering its mail to `smtp` (a [`mail::MailCatcher`]'s, say).
    pub async fn start_mailing(
        smtp: helpcenter_server::mail::SmtpConfig,
        customize: impl FnOnce(&mut Site),
    ) -> TestServer {
        let setup = Setup {
            smtp: Some(smtp),
            ..Setup::default()
        };
        Self::start_set_up(setup, customize).await
    }

    /// The demo site and the sites `others` makes from it (another merchant on the same
    /// server, say).
    pub async fn start_with_sites(others: impl FnOnce(&Site) -> Vec<Site>) -> TestServer {
        Self::start_full(Setup::default(), |_| {}, others).await
    }

    /// The demo site as `customize` changes it, on a server set up as `setup` says.
    pub async fn start_set_up(setup: Setup, customize: impl FnOnce(&mut Site)) -> TestServer {
        Self::start_full(setup, customize, |_| Vec::new()).await
    }

    pub async fn start_full(
        setup: Setup,
        customize: impl FnOnce(&mut Site),
        others: impl FnOnce(&Site) -> Vec<Site>,
    ) -> TestServer {
        let Setup {
            rate_limits,
            connections,
            trusted_proxies,
            storage,
            smtp,
            order_lookups,
        } = setup;
        let data = tempfile::tempdir().expect("temp dir");
        let widget = tempfile::tempdir().expect("temp dir");
        write_widget(widget.path());
        let public = tempfile::tempdir().expect("temp dir");
        let console = tempfile::tempdir().expect("temp dir");
        write_console(console.path());
        std::fs::write(public.path().join("embed.js"), EMBED_JS).expect("write embed.js");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (mut site, admin_key) = Site::demo(data.path(), addr.port()).expect("demo site");
        customize(&mut site);
        let mut sites = vec![site];
        sites.extend(others(&sites[0]));
        let database = database(data.path());
        let evidence = evidence_location(data.path());
        let mut state = AppState::open(Sites::new(sites), data.path(), &database, &evidence)
            .await
            .expect("open the data directory");
        state.storage = storage;
        state.orders =
            std::sync::Arc::new(helpcenter_server::orders::OrderDesk::new(order_lookups));
        let shutdown = state.shutdown.clone();
        let mail = helpcenter_server::mail::MailSettings {
            smtp,
            public_url: format!("http://{addr}"),
        };
        helpcenter_server::mail::worker::spawn(state.clone(), mail).expect("start the mail worker");
        let app = router(
            state,
            &ServeOptions {
                widget_dir: widget.path().to_owned(),
                console_dir: console.path().to_owned(),
                public_dir: public.path().to_owned(),
                rate_limits,
                trusted_proxies,
                console: Default::default(),
            },
        );
        tokio::spawn(serve_with(listener, app, shutdown.clone(), connections));
        TestServer {
            base: format!("http://{addr}"),
            admin_key,
            data_dir: data.path().to_owned(),
            database,
            evidence,
            widget_dir: widget.path().to_owned(),
            public_dir: public.path().to_owned(),
            console_dir: console.path().to_owned(),
            http: reqwest::Client::new(),
            shutdown,
            _dirs: (data, widget, public, console),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The Origin header a page of the demo site sends.
    pub fn origin(&self) -> String {
        self.base.replace("127.0.0.1", "localhost")
    }
}

impl TestServer {
    /// Uploads `bytes` over tus as a shopper's browser would, returning the upload id.
    pub async fn upload(&self, filename: &str, bytes: &[u8]) -> String {
        self.upload_to("demo", filename, bytes).await
    }

    /// Uploads `bytes` for `site`'s widget.
    pub async fn upload_to(&self, site: &str, filename: &str, bytes: &[u8]) -> String {
        upload_at(&self.http, &self.base, site, filename, bytes).await
    }

    pub fn admin(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request.bearer_auth(&self.admin_key)
    }

    /// What an agent sees of ticket `id` now, through the admin API.
    pub async fn admin_view(&self, id: &str) -> serde_json::Value {
        self.admin(self.http.get(self.url(&format!("/v1/admin/tickets/{id}"))))
            .send()
            .await
            .expect("admin show")
            .json()
            .await
            .expect("json")
    }
}

/// Uploads `bytes` over tus for `site`'s widget on the server at `base` (one the test does
/// not hold as a [`TestServer`], say), returning the upload id.
pub async fn upload_at(
    http: &reqwest::Client,
    base: &str,
    site: &str,
    filename: &str,
    bytes: &[u8],
) -> String {
    let location = tus::create_upload(http, base, site, filename, bytes.len()).await;
    let patched = tus::patch_request(http, base, &location, 0)
        .body(bytes.to_vec())
        .send()
        .await
        .expect("send upload");
    assert_eq!(
        patched.status(),
        204,
        "patch upload: {:?}",
        patched.text().await
    );
    tus::upload_id(&location)
}

/// A problem answer (RFC 9457): its status and body, after checking it says it is one.
pub async fn problem(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    (status, response.json().await.expect("problem details"))
}

/// An open Server-Sent Events stream of a ticket, read event by event.
pub struct EventStream {
    body: std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buffer: String,
}

impl EventStream {
    pub async fn open(
        server: &TestServer,
        ticket: &str,
        token: &str,
        last_event_id: Option<u32>,
    ) -> EventStream {
        let mut request = server
            .http
            .get(server.url(&format!("/v1/tickets/{ticket}/events")))
            .bearer_auth(token);
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id.to_string());
        }
        Self::connect(request).await
    }

    /// The stream `request` opens, however it names the ticket's token and where to resume.
    pub async fn connect(request: reqwest::RequestBuilder) -> EventStream {
        let response = request.send().await.expect("open stream");
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        EventStream {
            body: Box::pin(response.bytes_stream()),
            buffer: String::new(),
        }
    }

    /// The stream of an answer already received (to read its headers first).
    pub fn from_response(response: reqwest::Response) -> EventStream {
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        EventStream {
            body: Box::pin(response.bytes_stream()),
            buffer: String::new(),
        }
    }

    /// The next ticket event within `wait`, or `None` when none comes (or the stream ends).
    pub async fn next_within(
        &mut self,
        wait: std::time::Duration,
    ) -> Option<helpcenter_api::TicketEvent> {
        use futures_util::StreamExt;
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                if let Some(data) = block.lines().find_map(|l| l.strip_prefix("data:")) {
                    return Some(serde_json::from_str(data.trim()).expect("a ticket event"));
                }
                continue;
            }
            match tokio::time::timeout_at(deadline, self.body.next()).await {
                Ok(Some(Ok(chunk))) => self.buffer.push_str(&String::from_utf8_lossy(&chunk)),
                _ => return None,
            }
        }
    }

    /// The next message's `id` and `data`, waiting at most a second.
    pub async fn next_message(&mut self) -> (Option<String>, String) {
        use futures_util::StreamExt;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let id = block
                    .lines()
                    .find_map(|l| l.strip_prefix("id:"))
                    .map(|id| id.trim().to_owned());
                if let Some(data) = block.lines().find_map(|l| l.strip_prefix("data:")) {
                    return (id, data.trim().to_owned());
                }
                continue;
            }
            let chunk = tokio::time::timeout(std::time::Duration::from_secs(1), self.body.next())
                .await
                .expect("an event within a second")
                .expect("the stream stays open")
                .expect("stream bytes");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Whether the stream ends (the server closed it) within `seconds`.
    pub async fn ends_within(&mut self, seconds: u64) -> bool {
        use futures_util::StreamExt;
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(seconds);
        loop {
            match tokio::time::timeout_at(deadline, self.body.next()).await {
                Err(_) => return false,
                Ok(None) | Ok(Some(Err(_))) => return true,
                Ok(Some(Ok(chunk))) => self.buffer.push_str(&String::from_utf8_lossy(&chunk)),
            }
        }
    }

    /// The next ticket event, waiting at most a second: "live" means now, not eventually.
    pub async fn next(&mut self) -> helpcenter_api::TicketEvent {
        use futures_util::StreamExt;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                if let Some(data) = block.lines().find_map(|l| l.strip_prefix("data:")) {
                    return serde_json::from_str(data.trim()).expect("a ticket event");
                }
                continue;
            }
            let chunk = tokio::time::timeout(std::time::Duration::from_secs(1), self.body.next())
                .await
                .expect("an event within a second")
                .expect("the stream stays open")
                .expect("stream bytes");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}
