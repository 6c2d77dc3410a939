//! The server on loopback: the Help Center server (built with `--profile server`) beside an
//! empty axum app built the same way (`crates/server/examples/baseline.rs`), each started
//! afresh for every scenario so its peak memory is that scenario's:
//! - read a ticket, and create one (with its finished upload), under wrk at fixed concurrency,
//!   against an empty handler under the same load;
//! - the agents' inbox's first page with 100,000 tickets in the database, beside reading one
//!   ticket in the console on the same database under the same load, with the server's own
//!   time (its `Server-Timing`) one request at a time;
//! - one event fanned out to 1,000 open event streams, against the same fan-out by a bare
//!   axum SSE handler;
//! - a 200 MB tus upload, against writing the same bytes to a file on the same disk;
//! - the same on PostgreSQL and an S3 bucket, with one instance and with two behind nginx
//!   ([`scale`]).

mod scale;

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use base64::Engine;
use serde_json::json;

use super::http::{self, call};
use super::report::{Figure, Report, Row};
use super::wrk::{self, CONNECTIONS, THREADS, Target};
use crate::browser_server::ServerProcess;
use crate::cmd::{Ctx, Scratch};
use crate::mail_catcher::MailCatcher;
use crate::tools;

const SECTION: &str = "server";
const INBOX_SECTION: &str = "inbox";
const OURS: &str = "127.0.0.1:18180";
const FLOOR: &str = "127.0.0.1:18190";
/// aiosmtpd, catching the mail of the "mail on" figure.
const SMTP: std::net::SocketAddr =
    std::net::SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 18195);
const ADMIN_KEY: &str = "bench-admin-key";
/// The demo store's key, so the demo storefront embeds the bench's server as it is.
pub const SITE: &str = "demo";
/// The storefront's address for the browser figures, which the site allows.
pub const STORE: &str = "127.0.0.1:8765";
/// wrk runs per figure, alternating ours and the baseline.
const RUNS: usize = 3;
const SECONDS: u32 = 4;

/// `HELPCENTER_BENCH_QUICK=1`: a check that the rows of reading, creating and the scale
/// section are made (one run each), not figures to quote.
fn quick() -> bool {
    std::env::var("HELPCENTER_BENCH_QUICK").is_ok_and(|v| v == "1")
}

/// How many runs those figures take.
fn runs() -> usize {
    if quick() { 1 } else { RUNS }
}
/// Uploads made ahead for each creation run, and how long it lasts: more than it files.
const UPLOADS_PER_RUN: usize = 14_000;
const CREATE_SECONDS: u32 = 2;
/// After a creation run with mail on, how long the outbox is watched draining into aiosmtpd.
const DRAIN_SECONDS: u64 = 5;
/// The bench's `[smtp] concurrency` (the server's default).
const MAIL_CONCURRENCY: u32 = 4;
const STREAMS: usize = 1000;
const FIRES: usize = 5;
const BIG_UPLOAD: usize = 200_000_000;
/// Tickets in the database for the inbox figure.
const INBOX_TICKETS: usize = 100_000;
/// The agent signed in for the inbox figure.
const AGENT_EMAIL: &str = "bench@shop.example";
const AGENT_PASSWORD: &str = "bench-agent-password";
/// Requests sent one at a time whose `Server-Timing` gives the server's own time.
const TIMED: usize = 300;

/// The `inbox` section: the agents' inbox at 100,000 tickets (its own section, as seeding
/// and measuring it takes a while).
pub fn measure_inbox(ctx: &Ctx, report: &mut Report) -> Result<()> {
    tools::ensure_wrk(ctx)?;
    Bench::new(ctx)?.inbox(report)
}

pub fn measure(ctx: &Ctx, report: &mut Report) -> Result<()> {
    tools::ensure_wrk(ctx)?;
    let bench = Bench::new(ctx)?;
    bench.reading(report)?;
    bench.creating(report)?;
    bench.creating_with_mail(report)?;
    bench.fan_out(report)?;
    bench.upload(report)?;
    bench.at_scale(report)
}

/// The `tickets` section: only the rows of reading and creating a ticket on SQLite (beside the
/// empty handler and plain sqlx), the figures issue 21 holds the service to.
pub fn measure_tickets(ctx: &Ctx, report: &mut Report) -> Result<()> {
    tools::ensure_wrk(ctx)?;
    let bench = Bench::new(ctx)?;
    bench.reading(report)?;
    bench.creating(report)
}

/// The `scale` section: only the rows on PostgreSQL and the bucket (they are `server`'s too).
pub fn measure_scale(ctx: &Ctx, report: &mut Report) -> Result<()> {
    tools::ensure_wrk(ctx)?;
    Bench::new(ctx)?.at_scale(report)
}

/// The servers under test, built with `--profile server`, and the bench site's config.
pub struct Bench<'a> {
    ctx: &'a Ctx,
    server: PathBuf,
    baseline: PathBuf,
    /// One plain `object_store` put (`examples/put_object.rs`).
    put_object: PathBuf,
    work: Scratch,
}

/// A server under test; stopped when dropped.
pub struct Running {
    process: ServerProcess,
    pub addr: &'static str,
}

/// One wrk run against a server, and the server's peak memory by its end.
struct Run {
    load: wrk::Load,
    peak_mb: f64,
}

/// How fast the outbox drained after a creation run with mail on.
struct Drain {
    mails_per_second: f64,
}

/// One figure read off a run.
type Reading = fn(&Run) -> f64;

impl Running {
    fn peak_mb(&self) -> f64 {
        self.process.peak_memory_kib().unwrap_or(0) as f64 / 1024.0
    }
}

impl<'a> Bench<'a> {
    pub fn new(ctx: &'a Ctx) -> Result<Self> {
        // Another build's directory (its `helpcenter-server` and `examples/baseline`), to set
        // an earlier version's figures beside this one's: HELPCENTER_BENCH_SERVER_DIR.
        let target = match std::env::var_os("HELPCENTER_BENCH_SERVER_DIR") {
            Some(dir) => {
                println!("bench: the servers in {}", Path::new(&dir).display());
                PathBuf::from(dir)
            }
            None => {
                ctx.cmd("cargo")
                    .args(["build", "--profile", "server", "-p", "helpcenter-server"])
                    .args(["--bin", "helpcenter-server", "--example", "baseline"])
                    .args(["--example", "put_object"])
                    .run()?;
                std::env::var_os("CARGO_TARGET_DIR")
                    .map_or_else(|| ctx.root.join("target"), PathBuf::from)
                    .join("server")
            }
        };
        let bench = Bench {
            ctx,
            server: target.join("helpcenter-server"),
            baseline: target.join("examples").join("baseline"),
            put_object: target.join("examples").join("put_object"),
            work: Scratch::new("bench-server")?,
        };
        bench.configure()?;
        Ok(bench)
    }

    fn config(&self) -> PathBuf {
        self.work.path().join("config.toml")
    }

    fn mail_config(&self) -> PathBuf {
        self.work.path().join("config-mail.toml")
    }

    /// Mail on, delivered one mail at a time (`[smtp] concurrency = 1`), as before mail went
    /// out per ticket.
    fn serial_mail_config(&self) -> PathBuf {
        self.work.path().join("config-mail-serial.toml")
    }

    /// The bench site: the built-in policy, with room for a 200 MB file on "something else"
    /// (the browser figures check a 100 MB video there).
    fn configure(&self) -> Result<()> {
        let policy = self
            .ctx
            .cmd(&self.server)
            .args(["policy", "show", "--toml"])
            .read()
            .context("helpcenter-server policy show --toml failed")?;
        let anchor = "id = \"other_inquiry\"";
        let at = policy
            .find(anchor)
            .context("the built-in policy has no other_inquiry")?;
        let media = policy[at..]
            .find("[outcomes.evidence.media]\n")
            .map(|i| at + i + "[outcomes.evidence.media]\n".len())
            .context("other_inquiry has no media rule")?;
        let big = (BIG_UPLOAD + 1_000_000).to_string();
        let policy = format!(
            "{}max_file_bytes = {big}\nmax_total_bytes = {big}\n{}",
            &policy[..media],
            &policy[media..]
        );
        std::fs::write(self.work.path().join("policy.toml"), policy)?;
        let hash = self
            .ctx
            .cmd(&self.server)
            .env("HELPCENTER_ADMIN_KEY", ADMIN_KEY)
            .args(["admin", "hash-key"])
            .read()
            .context("helpcenter-server admin hash-key failed")?;
        let site = format!(
            r#"[[sites]]
key = "{SITE}"
display_name = "Bench store"
allowed_origins = ["http://{STORE}"]
time_zone = "UTC"
admin_key_sha256 = "{}"
policy_file = "policy.toml"
"#,
            hash.trim()
        );
        // The same, mailing: every claim writes its receipt and the store's alert to the
        // outbox in its transaction, and the worker delivers them to aiosmtpd meanwhile.
        let mailing = |concurrency: u32| {
            format!(
                "# Written by `cargo xtask bench`: the bench site with mail on.\n\
                 [server.rate_limits]\nper_ip_per_second = 1000000\nper_ip_burst = 1000000\n\
                 per_site_per_second = 1000000\nper_site_burst = 1000000\n\n\
                 [server.storage]\nopen_uploads_per_client = 1000000\n\n\
                 [smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nconcurrency = {concurrency}\n\n{site}\n\
                 [sites.mail]\nfrom_name = \"Bench store\"\nfrom_address = \"help@bench.example\"\n\
                 support_address = \"support@bench.example\"\n",
                SMTP.port()
            )
        };
        std::fs::write(self.mail_config(), mailing(MAIL_CONCURRENCY))?;
        std::fs::write(self.serial_mail_config(), mailing(1))?;
        std::fs::write(
            self.config(),
            format!(
                r#"# Written by `cargo xtask bench`: no rate limit gets in the way of the load.
[server.rate_limits]
per_ip_per_second = 1000000
per_ip_burst = 1000000
per_site_per_second = 1000000
per_site_burst = 1000000

# The bench makes thousands of uploads ahead of a creation run, all from one address.
[server.storage]
open_uploads_per_client = 1000000

[[sites]]
key = "{SITE}"
display_name = "Bench store"
allowed_origins = ["http://{STORE}"]
time_zone = "UTC"
admin_key_sha256 = "{}"
policy_file = "policy.toml"
"#,
                hash.trim()
            ),
        )?;
        Ok(())
    }

    /// A fresh Help Center server on an empty database, serving the widget built in `dist/`.
    pub fn ours(&self) -> Result<Running> {
        self.ours_with(&self.config())
    }

    fn ours_with(&self, config: &Path) -> Result<Running> {
        let _ = std::fs::remove_dir_all(self.data());
        self.ours_on_kept_data(config)
    }

    fn data(&self) -> PathBuf {
        self.work.path().join("data")
    }

    /// A Help Center server on the database already in the data directory.
    fn ours_on_kept_data(&self, config: &Path) -> Result<Running> {
        let data = self.data();
        let mut process = ServerProcess::new(&self.server, OURS.parse()?)
            .env("RUST_LOG", "warn")
            .arg("serve")
            .arg("--config")
            .arg(config)
            .args(["--bind", OURS])
            .arg("--data-dir")
            .arg(&data)
            .arg("--widget-dir")
            .arg(self.ctx.root.join("dist"));
        process.start()?;
        Ok(Running {
            process,
            addr: OURS,
        })
    }

    fn floor(&self) -> Result<Running> {
        let mut process = ServerProcess::new(&self.baseline, FLOOR.parse()?).arg(FLOOR);
        process.start()?;
        Ok(Running {
            process,
            addr: FLOOR,
        })
    }

    /// Runs ours and the baseline `runs()` times each, alternating, and adds their rows.
    fn compare(
        &self,
        report: &mut Report,
        what: &str,
        mut ours: impl FnMut() -> Result<Run>,
        mut floor: impl FnMut() -> Result<Run>,
    ) -> Result<()> {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for _ in 0..runs() {
            a.push(ours()?);
            b.push(floor()?);
        }
        Self::beside_the_floor(report, what, &a, &b)
    }

    /// The rows of `ours` beside the empty handler's runs `floor`.
    fn beside_the_floor(report: &mut Report, what: &str, a: &[Run], b: &[Run]) -> Result<()> {
        let figure = |runs: &[Run], f: Reading| {
            Figure::of(&runs.iter().map(f).collect::<Vec<_>>()).context("no runs")
        };
        let floor_is = "empty axum handler, same load";
        let rows: [(&str, &'static str, Reading); 4] = [
            ("throughput", "req/s", |r| r.load.requests_per_second),
            ("p50 latency", "ms", |r| r.load.p50_ms),
            ("p99 latency", "ms", |r| r.load.p99_ms),
            ("peak memory", "MB", |r| r.peak_mb),
        ];
        for (name, unit, f) in rows {
            report.add(Row {
                section: SECTION,
                what: format!("{what}, {name} ({THREADS} threads, {CONNECTIONS} connections)"),
                unit,
                ours: figure(a, f)?,
                baseline_is: floor_is.to_owned(),
                baseline: figure(b, f)?,
            });
        }
        Ok(())
    }

    fn reading(&self, report: &mut Report) -> Result<()> {
        // The same GET with a bearer token, against either server.
        let get = |server: &Running, path: &str, token: &str| -> Result<Run> {
            let load = wrk::run(
                self.ctx,
                &Target {
                    url: format!("http://{}{path}", server.addr),
                    headers: vec![format!("Authorization: Bearer {token}")],
                    script: None,
                    script_env: Vec::new(),
                    seconds: SECONDS,
                },
            )?;
            Ok(Run {
                load,
                peak_mb: server.peak_mb(),
            })
        };
        self.compare(
            report,
            "read a ticket",
            || {
                let server = self.ours()?;
                let uploads = make_uploads(server.addr, 1, 1024)?;
                let (id, token) = file_ticket(server.addr, &uploads[0], "read", "")?;
                get(&server, &format!("/v1/tickets/{id}"), &token)
            },
            || get(&self.floor()?, "/empty", "x"),
        )
    }

    /// The inbox's first page at 100,000 tickets, beside reading one ticket in the console on
    /// the same database: wrk's p50 and p99, then the server's own time one request at a time.
    fn inbox(&self, report: &mut Report) -> Result<()> {
        let id = self.seed_inbox()?;
        // As the console first opens it: open tickets, the most urgent answer first, one page.
        let first_page =
            "/v1/console/tickets?status=submitted,in_review,needs_info,escalated&sort=respond_by";
        let one_ticket = format!("/v1/console/tickets/{id}");
        let (mut page_runs, mut ticket_runs) = (Vec::new(), Vec::new());
        let (mut page_times, mut ticket_times) = (Vec::new(), Vec::new());
        for _ in 0..RUNS {
            let server = self.ours_on_kept_data(&self.config())?;
            let cookie = sign_in(server.addr)?;
            let page = call(server.addr, "GET", first_page, &[("Cookie", &cookie)], &[])?
                .expect(200, "the inbox's first page")?
                .json()?;
            let total: u64 = [
                "submitted",
                "in_review",
                "needs_info",
                "resolved",
                "escalated",
                "closed",
            ]
            .iter()
            .filter_map(|s| page["counts"][s].as_u64())
            .sum();
            if total != INBOX_TICKETS as u64 {
                bail!("the inbox counts {total} tickets, not the {INBOX_TICKETS} seeded: {page}");
            }
            let load = |path: &str| -> Result<Run> {
                let load = wrk::run(
                    self.ctx,
                    &Target {
                        url: format!("http://{}{path}", server.addr),
                        headers: vec![format!("Cookie: {cookie}")],
                        script: None,
                        script_env: Vec::new(),
                        seconds: SECONDS,
                    },
                )?;
                Ok(Run {
                    load,
                    peak_mb: server.peak_mb(),
                })
            };
            page_runs.push(load(first_page)?);
            ticket_runs.push(load(&one_ticket)?);
            page_times.push(server_times(server.addr, first_page, &cookie)?);
            ticket_times.push(server_times(server.addr, &one_ticket, &cookie)?);
        }
        let figure = |runs: &[Run], f: Reading| {
            Figure::of(&runs.iter().map(f).collect::<Vec<_>>()).context("no runs")
        };
        let what = format!("the inbox's first page (50 of {INBOX_TICKETS} tickets)");
        let beside = "read one ticket in the console, same database and load";
        let rows: [(&str, Reading); 2] = [
            ("p50 latency", |r| r.load.p50_ms),
            ("p99 latency", |r| r.load.p99_ms),
        ];
        for (name, f) in rows {
            report.add(Row {
                section: INBOX_SECTION,
                what: format!("{what}, {name} ({THREADS} threads, {CONNECTIONS} connections)"),
                unit: "ms",
                ours: figure(&page_runs, f)?,
                baseline_is: beside.to_owned(),
                baseline: figure(&ticket_runs, f)?,
            });
        }
        let times = |runs: &[(f64, f64)], p99: bool| {
            let pick = |t: &(f64, f64)| if p99 { t.1 } else { t.0 };
            Figure::of(&runs.iter().map(pick).collect::<Vec<_>>()).context("no runs")
        };
        for (name, f) in [("p50", false), ("p99", true)] {
            report.add(Row {
                section: INBOX_SECTION,
                what: format!(
                    "{what}, server time {name} (Server-Timing, {TIMED} requests one at a time)"
                ),
                unit: "ms",
                ours: times(&page_times, f)?,
                baseline_is: "read one ticket in the console, same database".to_owned(),
                baseline: times(&ticket_times, f)?,
            });
        }
        Ok(())
    }

    /// A database of `INBOX_TICKETS` tickets with an agent to sign in: one claim filed over
    /// HTTP (with its photo), copied in one SQL statement into the rest, spread over a year
    /// of changes and deadlines and over every status. Returns the filed claim's id.
    fn seed_inbox(&self) -> Result<String> {
        let started = Instant::now();
        let id = {
            let server = self.ours()?;
            let uploads = make_uploads(server.addr, 1, 1024)?;
            file_ticket(server.addr, &uploads[0], "inbox", "")?.0
        };
        let db = self.data().join("helpcenter.db");
        let columns = self
            .ctx
            .cmd("sqlite3")
            .arg(&db)
            .arg("SELECT name FROM pragma_table_info('tickets') ORDER BY cid")
            .capture()
            .context("sqlite3 (Debian's sqlite3) seeds the inbox's tickets: is it installed?")?;
        let columns: Vec<&str> = columns
            .lines()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        let minutes = |column: &str, sign: &str| {
            format!(
                "strftime('%Y-%m-%dT%H:%M:%S', t.{column}, '{sign}' || (n.i * 7 % 525600) || ' minutes') || '.000000Z'"
            )
        };
        let values: Vec<String> = columns
            .iter()
            .map(|&column| match column {
                // HC- and six of the ids' letters: ZZ, then n in base 31.
                "id" => {
                    "'HC-ZZ' || substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', n.i / 29791 % 31 + 1, 1) \
                    || substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', n.i / 961 % 31 + 1, 1) \
                    || substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', n.i / 31 % 31 + 1, 1) \
                    || substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', n.i % 31 + 1, 1)"
                        .to_owned()
                }
                "status" => "CASE n.i % 6 WHEN 0 THEN 'submitted' WHEN 1 THEN 'in_review' \
                    WHEN 2 THEN 'needs_info' WHEN 3 THEN 'resolved' WHEN 4 THEN 'escalated' \
                    ELSE 'closed' END"
                    .to_owned(),
                "order_number" => "printf('%08d', 20000000 + n.i)".to_owned(),
                "email" => "'shopper' || n.i || '@example.com'".to_owned(),
                "created_at" | "updated_at" => minutes(column, "-"),
                "respond_by" => minutes(column, "+"),
                other => format!("t.{other}"),
            })
            .collect();
        let sql = format!(
            "BEGIN;\n\
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {})\n\
             INSERT INTO tickets ({}) SELECT {} FROM n CROSS JOIN (SELECT * FROM tickets WHERE id = '{id}') AS t;\n\
             COMMIT;\n\
             SELECT COUNT(*) FROM tickets;",
            INBOX_TICKETS - 1,
            columns.join(", "),
            values.join(", ")
        );
        let count = self.ctx.cmd("sqlite3").arg(&db).arg(&sql).capture()?;
        if count.trim() != INBOX_TICKETS.to_string() {
            bail!(
                "seeding the inbox left {} tickets, not {INBOX_TICKETS}",
                count.trim()
            );
        }
        self.ctx
            .cmd(&self.server)
            .env("HELPCENTER_AGENT_PASSWORD", AGENT_PASSWORD)
            .args(["admin", "--config"])
            .arg(self.config())
            .arg("--data-dir")
            .arg(self.data())
            .args(["--site", SITE, "agents", "add", "--email", AGENT_EMAIL])
            .args(["--name", "Bench", "--role", "agent"])
            .read()
            .context("helpcenter-server admin agents add failed")?;
        println!(
            "bench: {INBOX_TICKETS} tickets in the database in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        Ok(id)
    }

    fn creating(&self, report: &mut Report) -> Result<()> {
        let script = self.work.path().join("create-ticket.lua");
        std::fs::write(&script, include_str!("create-ticket.lua"))?;
        let ids = self.work.path().join("uploads.txt");
        let run = |addr: &str, path: &str| {
            wrk::run(
                self.ctx,
                &Target {
                    url: format!("http://{addr}{path}"),
                    headers: Vec::new(),
                    script: Some(&script),
                    script_env: vec![
                        ("HC_UPLOADS", ids.display().to_string()),
                        ("HC_PATH", path.to_owned()),
                        ("HC_THREADS", THREADS.to_string()),
                    ],
                    seconds: CREATE_SECONDS,
                },
            )
        };
        let what = "create a ticket (one photo)";
        let (mut ours, mut floor, mut raw) = (Vec::new(), Vec::new(), Vec::new());
        for n in 0..runs() {
            let server = self.ours()?;
            let started = Instant::now();
            let uploads = make_uploads(server.addr, UPLOADS_PER_RUN, 1024)?;
            println!(
                "bench: {} uploads made in {:.1} s",
                uploads.len(),
                started.elapsed().as_secs_f64()
            );
            std::fs::write(&ids, uploads.join("\n") + "\n")?;
            let load = run(server.addr, &format!("/v1/sites/{SITE}/tickets"))?;
            if load.requests as usize >= uploads.len() {
                bail!("the run filed as many claims as it had uploads: make more");
            }
            ours.push(Run {
                load,
                peak_mb: server.peak_mb(),
            });
            drop(server);
            let server = self.floor()?;
            floor.push(Run {
                load: run(server.addr, "/empty")?,
                peak_mb: server.peak_mb(),
            });
            drop(server);
            // The same bodies and uploads, the same rows, written by plain sqlx.
            let server = self.raw_claims(&self.work.path().join(format!("raw-{n}")), &ids)?;
            // wrk refuses a run with error answers: every claim's rows were written.
            let load = run(server.addr, "/raw-claim")?;
            if load.requests as usize >= UPLOADS_PER_RUN {
                bail!("plain sqlx filed as many claims as it had uploads: make more");
            }
            raw.push(Run {
                load,
                peak_mb: server.peak_mb(),
            });
        }
        Self::beside_the_floor(report, what, &ours, &floor)?;
        let figure = |runs: &[Run], f: Reading| {
            Figure::of(&runs.iter().map(f).collect::<Vec<_>>()).context("no runs")
        };
        report.add(Row {
            section: SECTION,
            what: format!("{what}, throughput beside plain sqlx ({THREADS} threads, {CONNECTIONS} connections)"),
            unit: "req/s",
            ours: figure(&ours, |r| r.load.requests_per_second)?,
            baseline_is: "the same rows by plain sqlx, one transaction each".to_owned(),
            baseline: figure(&raw, |r| r.load.requests_per_second)?,
        });
        Ok(())
    }

    /// The baseline server with `POST /raw-claim` on a fresh database in `dir`, its uploads
    /// the ids in `uploads`.
    fn raw_claims(&self, dir: &Path, uploads: &Path) -> Result<Running> {
        let _ = std::fs::remove_dir_all(dir);
        let mut process = ServerProcess::new(&self.baseline, FLOOR.parse()?)
            .arg(FLOOR)
            .arg(dir)
            .arg(uploads);
        process.start()?;
        Ok(Running {
            process,
            addr: FLOOR,
        })
    }

    /// Filing claims with mail on (the receipt and the store's alert written in each claim's
    /// transaction, delivered to aiosmtpd as the load runs) beside the same with mail off; and
    /// how fast the backlog a run leaves goes out, several mails at once beside one at a time.
    fn creating_with_mail(&self, report: &mut Report) -> Result<()> {
        let script = self.work.path().join("create-ticket.lua");
        std::fs::write(&script, include_str!("create-ticket.lua"))?;
        let ids = self.work.path().join("uploads.txt");
        let catcher = MailCatcher::start(self.ctx, SMTP, &self.work.path().join("caught-mail"))?;
        let path = format!("/v1/sites/{SITE}/tickets");
        // Files claims for a while; with `drain`, then watches the backlog of mail the run
        // left go out for DRAIN_SECONDS, the server still up.
        let create = |config: &Path, drain: bool| -> Result<(Run, Option<Drain>)> {
            let server = self.ours_with(config)?;
            let uploads = make_uploads(server.addr, UPLOADS_PER_RUN, 1024)?;
            std::fs::write(&ids, uploads.join("\n") + "\n")?;
            let load = wrk::run(
                self.ctx,
                &Target {
                    url: format!("http://{}{path}", server.addr),
                    headers: Vec::new(),
                    script: Some(&script),
                    script_env: vec![
                        ("HC_UPLOADS", ids.display().to_string()),
                        ("HC_PATH", path.clone()),
                        ("HC_THREADS", THREADS.to_string()),
                    ],
                    seconds: CREATE_SECONDS,
                },
            )?;
            if load.requests as usize >= uploads.len() {
                bail!("the run filed as many claims as it had uploads: make more");
            }
            let drained = if drain {
                let before = catcher.caught();
                std::thread::sleep(Duration::from_secs(DRAIN_SECONDS));
                let delivered = catcher.caught().saturating_sub(before);
                if delivered as f64 >= load.requests as f64 * 2.0 {
                    bail!("the backlog was gone before the drain ended: file for longer");
                }
                Some(Drain {
                    mails_per_second: delivered as f64 / DRAIN_SECONDS as f64,
                })
            } else {
                None
            };
            Ok((
                Run {
                    load,
                    peak_mb: server.peak_mb(),
                },
                drained,
            ))
        };
        let (mut on, mut off) = (Vec::new(), Vec::new());
        let (mut concurrent, mut serial) = (Vec::new(), Vec::new());
        for _ in 0..RUNS {
            let (run, drain) = create(&self.mail_config(), true)?;
            on.push(run);
            concurrent.extend(drain.map(|d| d.mails_per_second));
            off.push(create(&self.config(), false)?.0);
            serial.extend(
                create(&self.serial_mail_config(), true)?
                    .1
                    .map(|d| d.mails_per_second),
            );
        }
        println!("bench: aiosmtpd caught {} mails", catcher.caught());
        if catcher.caught() == 0 {
            bail!("mail was on, yet aiosmtpd caught no mail");
        }
        report.add(Row {
            section: SECTION,
            what: format!(
                "mail delivered to aiosmtpd from the backlog a creation run left, {MAIL_CONCURRENCY} at once"
            ),
            unit: "mails/s",
            ours: Figure::of(&concurrent).context("no drains")?,
            baseline_is: "the same, one at a time (concurrency = 1)".to_owned(),
            baseline: Figure::of(&serial).context("no drains")?,
        });
        let figure = |runs: &[Run], f: Reading| {
            Figure::of(&runs.iter().map(f).collect::<Vec<_>>()).context("no runs")
        };
        let rows: [(&str, &'static str, Reading); 2] = [
            ("throughput", "req/s", |r| r.load.requests_per_second),
            ("p99 latency", "ms", |r| r.load.p99_ms),
        ];
        for (name, unit, f) in rows {
            report.add(Row {
                section: SECTION,
                what: format!(
                    "create a ticket (one photo), mail on, {name} ({THREADS} threads, {CONNECTIONS} connections)"
                ),
                unit,
                ours: figure(&on, f)?,
                baseline_is: "the same, mail off".to_owned(),
                baseline: figure(&off, f)?,
            });
        }
        Ok(())
    }

    fn fan_out(&self, report: &mut Report) -> Result<()> {
        let (mut ours_all, mut ours_p50, mut floor_all, mut floor_p50) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let ours = self.ours()?;
        let uploads = make_uploads(ours.addr, 1, 1024)?;
        let (id, token) = file_ticket(ours.addr, &uploads[0], "fan-out", "")?;
        let auth = format!("Bearer {token}");
        let admin = format!("Bearer {ADMIN_KEY}");
        let streams = Streams::open(ours.addr, &format!("/v1/tickets/{id}/events"), &auth)?;
        for n in 0..FIRES {
            let marker = format!("bench-fire-{n}");
            let body = json!({ "body": marker, "internal": false }).to_string();
            let (all, p50) = streams.fire(&marker, || {
                call(
                    ours.addr,
                    "POST",
                    &format!("/v1/admin/tickets/{id}/messages"),
                    &[
                        ("Authorization", &admin),
                        ("Content-Type", "application/json"),
                    ],
                    body.as_bytes(),
                )?
                .expect(200, "an agent's message")
                .map(drop)
            })?;
            ours_all.push(all);
            ours_p50.push(p50);
        }
        let ours_peak = ours.peak_mb();
        drop(streams);
        drop(ours);
        let floor = self.floor()?;
        let streams = Streams::open(floor.addr, "/events", "Bearer x")?;
        for n in 0..FIRES {
            let (all, p50) = streams.fire(&format!("\"n\":{}", n + 1), || {
                call(floor.addr, "POST", "/fire", &[], b"")?
                    .expect(200, "fire")
                    .map(drop)
            })?;
            floor_all.push(all);
            floor_p50.push(p50);
        }
        let floor_peak = floor.peak_mb();
        let floor_is = "bare axum SSE + tokio broadcast";
        let what = |s: &str| format!("one event to {STREAMS} open streams, {s}");
        for (name, ours, floor) in [
            ("until the last has it", &ours_all, &floor_all),
            ("until half have it", &ours_p50, &floor_p50),
        ] {
            report.add(Row {
                section: SECTION,
                what: what(name),
                unit: "ms",
                ours: Figure::of(ours).context("no fires")?,
                baseline_is: floor_is.to_owned(),
                baseline: Figure::of(floor).context("no fires")?,
            });
        }
        report.add(Row {
            section: SECTION,
            what: what("peak memory"),
            unit: "MB",
            ours: Figure::once(ours_peak),
            baseline_is: floor_is.to_owned(),
            baseline: Figure::once(floor_peak),
        });
        Ok(())
    }

    fn upload(&self, report: &mut Report) -> Result<()> {
        let bytes = big_upload();
        let mb = bytes.len() as f64 / 1e6;
        let (mut ours, mut floor, mut peaks) = (Vec::new(), Vec::new(), Vec::new());
        for run in 0..RUNS {
            let server = self.ours()?;
            let started = Instant::now();
            let location = create_upload(server.addr, bytes.len(), &format!("big-{run}.mp4"))?;
            call(server.addr, "PATCH", &location, &patch_headers(), &bytes)?
                .expect(204, "the 200 MB PATCH")?;
            ours.push(started.elapsed().as_secs_f64());
            peaks.push(server.peak_mb());
            drop(server);
            let file = self.work.path().join("data-copy.bin");
            let started = Instant::now();
            write_synced(&file, &bytes)?;
            floor.push(started.elapsed().as_secs_f64());
            std::fs::remove_file(&file)?;
        }
        let throughput = |seconds: &[f64]| {
            Figure::of(&seconds.iter().map(|s| mb / s).collect::<Vec<_>>()).context("no runs")
        };
        let floor_is = "the same bytes written to a file and synced";
        report.add(Row {
            section: SECTION,
            what: format!("a {mb:.0} MB tus upload, throughput"),
            unit: "MB/s",
            ours: throughput(&ours)?,
            baseline_is: floor_is.to_owned(),
            baseline: throughput(&floor)?,
        });
        report.add(Row {
            section: SECTION,
            what: format!("a {mb:.0} MB tus upload, server's peak memory"),
            unit: "MB",
            ours: Figure::of(&peaks).context("no runs")?,
            baseline_is: "the upload's size".to_owned(),
            baseline: Figure::once(mb),
        });
        Ok(())
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut file = std::fs::File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}

fn patch_headers() -> Vec<(&'static str, &'static str)> {
    vec![
        ("Tus-Resumable", "1.0.0"),
        ("Upload-Offset", "0"),
        ("Content-Type", "application/offset+octet-stream"),
    ]
}

/// [`BIG_UPLOAD`] bytes of a 40-second video: its header, then its frames' bytes (zeros). A
/// photo padded to that size before its frame header is refused (the server looks for the
/// header within the first 4 MiB), as a phone's never is.
fn big_upload() -> Vec<u8> {
    let mut video = helpcenter_media::samples::mp4_header(40);
    video.resize(BIG_UPLOAD, 0);
    video
}

fn create_upload(addr: &str, length: usize, filename: &str) -> Result<String> {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let metadata = format!(
        "site {},filename {},outcome {}",
        b64(SITE),
        b64(filename),
        b64("other_inquiry")
    );
    let created = call(
        addr,
        "POST",
        "/v1/uploads",
        &[
            ("Tus-Resumable", "1.0.0"),
            ("Upload-Length", &length.to_string()),
            ("Upload-Metadata", &metadata),
        ],
        b"",
    )?
    .expect(201, "creating an upload")?;
    Ok(created
        .header("location")
        .context("a created upload without a Location")?
        .to_owned())
}

/// `count` finished uploads of a small photo, made over several connections at once.
fn make_uploads(addr: &'static str, count: usize, padding: usize) -> Result<Vec<String>> {
    let workers = 8.min(count.max(1));
    let (send, receive) = mpsc::channel();
    std::thread::scope(|scope| {
        for worker in 0..workers {
            let send = send.clone();
            scope.spawn(move || {
                for n in (worker..count).step_by(workers) {
                    let _ = send.send(upload_one(addr, n, padding));
                }
            });
        }
    });
    drop(send);
    receive.into_iter().collect()
}

pub(crate) fn upload_one(addr: &str, n: usize, padding: usize) -> Result<String> {
    let photo = helpcenter_media::samples::jpeg(&helpcenter_media::samples::Jpeg {
        width: 640,
        height: 480,
        taken: None,
        padding: padding + n % 251,
        seed: (n % 256) as u8,
    });
    let location = create_upload(addr, photo.len(), &format!("IMG_{n:05}.JPG"))?;
    call(addr, "PATCH", &location, &patch_headers(), &photo)?.expect(204, "an upload's bytes")?;
    Ok(location
        .rsplit('/')
        .next()
        .context("an upload URL without an id")?
        .to_owned())
}

/// Signs the bench's agent in: the session cookie (`name=value`).
fn sign_in(addr: &str) -> Result<String> {
    let body = json!({ "site": SITE, "email": AGENT_EMAIL, "password": AGENT_PASSWORD });
    let origin = format!("http://{addr}");
    let answer = call(
        addr,
        "POST",
        "/v1/console/session",
        &[("Content-Type", "application/json"), ("Origin", &origin)],
        body.to_string().as_bytes(),
    )?
    .expect(200, "signing the bench's agent in")?;
    let cookie = answer
        .header("set-cookie")
        .context("signing in set no cookie")?;
    Ok(cookie.split(';').next().unwrap_or(cookie).to_owned())
}

/// The server's own time for `path` (its `Server-Timing: app;dur=…`), `TIMED` requests one
/// at a time: (p50, p99) in milliseconds.
fn server_times(addr: &str, path: &str, cookie: &str) -> Result<(f64, f64)> {
    let mut times = Vec::with_capacity(TIMED);
    for _ in 0..TIMED {
        let answer = call(addr, "GET", path, &[("Cookie", cookie)], &[])?.expect(200, path)?;
        let timing = answer
            .header("server-timing")
            .context("the server sent no Server-Timing")?;
        let ms: f64 = timing
            .split(';')
            .find_map(|part| part.trim().strip_prefix("dur="))
            .and_then(|d| d.parse().ok())
            .with_context(|| format!("a Server-Timing without dur: {timing}"))?;
        times.push(ms);
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    Ok((at(0.5), at(0.99)))
}

/// Files a claim with `upload`: its id and access token. With `identity`, as the shopper the
/// store's identity token signs in.
pub(crate) fn file_ticket(
    addr: &str,
    upload: &str,
    key: &str,
    identity: &str,
) -> Result<(String, String)> {
    let claim = json!({
        "category": "other", "answers": [], "order_number": "10023456",
        "description": "The lid hinge squeaks loudly since the first week of use.",
        "email": "wei@example.com", "locale": "en", "uploads": [upload],
    });
    let mut claim = claim;
    if !identity.is_empty() {
        claim["identity_token"] = json!(identity);
    }
    let filed = call(
        addr,
        "POST",
        &format!("/v1/sites/{SITE}/tickets"),
        &[
            ("Content-Type", "application/json"),
            ("Idempotency-Key", key),
        ],
        claim.to_string().as_bytes(),
    )?
    .expect(201, "filing a claim")?
    .json()?;
    let text = |name: &str| {
        filed[name]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("the filed claim has no {name}"))
    };
    Ok((text("ticket_id")?, text("access_token")?))
}

/// `STREAMS` event streams held open by as many threads; each reports when a line with the
/// current marker reaches it.
struct Streams {
    markers: Vec<mpsc::Sender<String>>,
    arrivals: mpsc::Receiver<Instant>,
}

impl Streams {
    fn open(addr: &'static str, path: &str, auth: &str) -> Result<Streams> {
        let ready = Arc::new(Barrier::new(STREAMS + 1));
        let (arrived, arrivals) = mpsc::channel();
        let mut markers = Vec::new();
        for _ in 0..STREAMS {
            let (mark, marker) = mpsc::channel::<String>();
            markers.push(mark);
            let stream = http::open(
                addr,
                "GET",
                path,
                &[("Authorization", auth), ("Accept", "text/event-stream")],
                b"",
            )?;
            let ready = ready.clone();
            let arrived = arrived.clone();
            std::thread::Builder::new()
                .stack_size(64 * 1024)
                .spawn(move || listen(stream, &ready, &marker, &arrived))?;
        }
        ready.wait();
        // Let the streams' replay of what happened before they opened pass.
        std::thread::sleep(Duration::from_millis(500));
        Ok(Streams { markers, arrivals })
    }

    /// Fires with `fire` and waits for `marker` on every stream: (ms until the last has it,
    /// ms until half have it).
    fn fire(&self, marker: &str, fire: impl FnOnce() -> Result<()>) -> Result<(f64, f64)> {
        for mark in &self.markers {
            mark.send(marker.to_owned())?;
        }
        let started = Instant::now();
        fire()?;
        let mut took = Vec::with_capacity(STREAMS);
        for _ in 0..STREAMS {
            let at = self
                .arrivals
                .recv_timeout(Duration::from_secs(30))
                .context("an event stream never got the event")?;
            took.push(at.saturating_duration_since(started).as_secs_f64() * 1000.0);
        }
        took.sort_by(f64::total_cmp);
        Ok((took[STREAMS - 1], took[STREAMS / 2]))
    }
}

fn listen(
    stream: std::net::TcpStream,
    ready: &Barrier,
    marker: &mpsc::Receiver<String>,
    arrived: &mpsc::Sender<Instant>,
) {
    use std::io::BufRead;
    let mut lines = std::io::BufReader::new(stream);
    let mut line = String::new();
    // The answer's head first: once it is read, the stream is open on the server.
    while lines.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
    ready.wait();
    let mut wanted = None::<String>;
    loop {
        line.clear();
        match lines.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        while let Ok(next) = marker.try_recv() {
            wanted = Some(next);
        }
        if wanted.as_deref().is_some_and(|m| line.contains(m)) {
            wanted = None;
            if arrived.send(Instant::now()).is_err() {
                return;
            }
        }
    }
}
