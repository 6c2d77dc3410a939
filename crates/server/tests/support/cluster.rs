//! Two `helpcenter-server serve` instances on one PostgreSQL database behind Debian's nginx,
//! round-robin, no sticky sessions: the "Running at scale" picture of the README on one
//! machine, for tests over real HTTP through the balancer (and, later, a browser's).
//!
//! Each instance has a data directory of its own, as on two machines; their `uploads/` is
//! one shared directory (a volume both mount) until evidence goes to the bucket. nginx adds
//! `X-Helpcenter-Upstream` (the instance's address) to every answer, so a test knows which
//! instance served what. PostgreSQL only: [`Cluster::start`] answers `None` on SQLite,
//! saying why. nginx is `HELPCENTER_TEST_NGINX` or `/usr/sbin/nginx`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::free_port;
use super::mail::MailCatcher;
use super::process::ServerProcess;

/// The site every instance serves, and its admin key.
pub const SITE: &str = "acme";
pub const ADMIN_KEY: &str = "acme-admin-key-for-the-cluster-tests";
/// The header nginx adds: which instance answered.
pub const UPSTREAM: &str = "x-helpcenter-upstream";

pub struct Cluster {
    /// The balancer's address: what shoppers and agents use.
    pub base: String,
    /// The instances' ports, in order.
    pub ports: Vec<u16>,
    pub http: reqwest::Client,
    pub mail: MailCatcher,
    instances: Vec<Option<ServerProcess>>,
    dirs: Vec<PathBuf>,
    config: PathBuf,
    database_url: String,
    nginx: Nginx,
    root: tempfile::TempDir,
}

/// nginx in the foreground, stopped when dropped (a failed start included).
struct Nginx(Child);

impl Drop for Nginx {
    /// SIGTERM to the master, which stops its workers and exits. SIGKILL (`Child::kill`) left
    /// the workers running as orphans after the tests, holding the listening port and every
    /// descriptor they inherited (among them `cargo xtask`'s browser lock). SIGKILL only if
    /// the master has not exited within five seconds.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        for _ in 0..100 {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What the instances' config adds.
#[derive(Default)]
pub struct ClusterOptions {
    /// TOML tables before the site (`[server.webhooks]`, …).
    pub server_config: String,
    /// TOML tables of the site, after its `[sites.mail]` (`[[sites.webhooks]]`, …).
    pub site_config: String,
}

impl Cluster {
    /// The balancer and two instances, or `None` (with a line saying why) on SQLite.
    pub async fn start(test: &str, options: ClusterOptions) -> Option<Cluster> {
        if !super::on_postgres() {
            println!(
                "{test}: skipped on SQLite: several instances share a PostgreSQL database \
                 (`cargo xtask test-postgres --test scale` runs it)"
            );
            return None;
        }
        let root = tempfile::tempdir().expect("temp dir");
        let shared_uploads = root.path().join("shared-uploads");
        std::fs::create_dir_all(&shared_uploads).expect("shared uploads");
        let mail = MailCatcher::start().await;
        let dirs: Vec<PathBuf> = (0..2)
            .map(|i| {
                let dir = root.path().join(format!("instance-{i}"));
                std::fs::create_dir_all(&dir).expect("data dir");
                std::os::unix::fs::symlink(&shared_uploads, dir.join("uploads"))
                    .expect("link the shared uploads");
                dir
            })
            .collect();
        // One database and one evidence store for both (named after this directory).
        let shared = root.path().join("database");
        let database_url = super::database_url(&shared).expect("postgres");
        let balancer = free_port();
        let config = root.path().join("helpcenter.toml");
        std::fs::write(
            &config,
            format!(
                "[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nretry_first_seconds = 0.2\nretry_max_seconds = 1.0\n\n\
                 {}\n\n\
                 [[sites]]\nkey = \"{SITE}\"\ndisplay_name = \"ACME Kitchen\"\nallowed_origins = [\"http://127.0.0.1:{balancer}\"]\n\
                 admin_key_sha256 = \"{}\"\n\n[sites.mail]\nfrom_name = \"ACME Kitchen\"\nfrom_address = \"help@acme.example\"\n\n{}",
                mail.port,
                options.server_config,
                helpcenter_server::auth::sha256_hex(ADMIN_KEY),
                options.site_config,
            ),
        )
        .expect("write the config");
        let ports: Vec<u16> = (0..2).map(|_| free_port()).collect();
        let mut instances = Vec::new();
        for (dir, port) in dirs.iter().zip(&ports) {
            instances.push(Some(start_instance(dir, &config, *port, &shared).await));
        }
        let nginx = start_nginx(&root.path().join("nginx"), balancer, &ports);
        let base = format!("http://127.0.0.1:{balancer}");
        for _ in 0..200 {
            if reqwest::get(format!("{base}/healthz"))
                .await
                .is_ok_and(|r| r.status() == 200)
            {
                return Some(Cluster {
                    base,
                    ports,
                    http: reqwest::Client::new(),
                    mail,
                    instances,
                    dirs,
                    config,
                    database_url,
                    nginx,
                    root,
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "nginx did not answer on {base}: {}",
            std::fs::read_to_string(root.path().join("nginx/error.log")).unwrap_or_default()
        );
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Instance `i`'s own address, bypassing the balancer.
    pub fn instance_url(&self, i: usize, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.ports[i])
    }

    /// Which instance answered `response` (by its index), from nginx's header.
    pub fn served_by(&self, response: &reqwest::Response) -> usize {
        let upstream = response
            .headers()
            .get(UPSTREAM)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        // After a failed try nginx lists each upstream it tried: the last one answered.
        let last = upstream.rsplit(", ").next().unwrap_or_default();
        self.ports
            .iter()
            .position(|p| last == format!("127.0.0.1:{p}"))
            .unwrap_or_else(|| panic!("answered by {upstream:?}, not an instance"))
    }

    /// A cheap request through the balancer; answers the instance that served it. Round
    /// robin with one nginx worker: the next request goes to the other one.
    pub async fn touch(&self) -> usize {
        let response = self
            .http
            .get(self.url("/healthz"))
            .send()
            .await
            .expect("healthz");
        self.served_by(&response)
    }

    /// Makes the balancer's next request go to instance `i` (when both are up).
    pub async fn next_to(&self, i: usize) {
        for _ in 0..4 {
            if self.touch().await != i {
                return;
            }
        }
        panic!("the balancer does not alternate between the instances");
    }

    /// SIGKILL for instance `i`: nothing runs on the way out.
    pub fn kill(&mut self, i: usize) {
        if let Some(server) = self.instances[i].take() {
            server.kill();
        }
    }

    /// A connection to the instances' database.
    pub async fn db(&self) -> sqlx::PgPool {
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(2)
            .connect(&self.database_url)
            .await
            .expect("connect to the cluster's database")
    }

    pub fn admin(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request.bearer_auth(ADMIN_KEY)
    }

    /// Instance `i`'s log so far.
    pub fn log(&self, i: usize) -> String {
        std::fs::read_to_string(self.dirs[i].join("server.log")).unwrap_or_default()
    }
}

async fn start_instance(dir: &Path, config: &Path, port: u16, shared: &Path) -> ServerProcess {
    ServerProcess::start_sharing(dir, config, port, Some(&dir.join("server.log")), shared).await
}

fn start_nginx(dir: &Path, port: u16, upstreams: &[u16]) -> Nginx {
    std::fs::create_dir_all(dir).expect("nginx dir");
    let nginx = std::env::var("HELPCENTER_TEST_NGINX").unwrap_or_else(|_| "/usr/sbin/nginx".into());
    assert!(
        Path::new(&nginx).is_file(),
        "{nginx} is missing: the cluster tests put Debian's nginx in front (apt-get install nginx)"
    );
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let d = dir.display();
    let servers: String = upstreams
        .iter()
        .map(|p| format!("    server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;\n"))
        .collect();
    let conf = format!(
        "{user}worker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
         events {{ worker_connections 512; }}\n\
         http {{\n  access_log {d}/access.log;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
         # Round robin, no sticky sessions.\n  upstream helpcenter {{\n{servers}  }}\n\
         server {{\n    listen 127.0.0.1:{port};\n    client_max_body_size 0;\n\
         location / {{\n      proxy_pass http://helpcenter;\n      proxy_http_version 1.1;\n\
         proxy_set_header Connection \"\";\n      proxy_set_header Host $host;\n\
         proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n\
         proxy_request_buffering off;\n      proxy_buffering off;\n      proxy_read_timeout 1h;\n\
         proxy_next_upstream error timeout;\n\
         add_header X-Helpcenter-Upstream $upstream_addr always;\n    }}\n  }}\n}}\n",
        user = if root { "user root;\n" } else { "" },
    );
    let path = dir.join("nginx.conf");
    std::fs::write(&path, conf).expect("nginx.conf");
    Nginx(
        Command::new(&nginx)
            .args(["-p", &d.to_string(), "-c"])
            .arg(&path)
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx"),
    )
}
