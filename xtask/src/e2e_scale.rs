//! The end-to-end tests at scale (`tests/e2e/scale/`): the README's "Running at scale" and
//! "Moving up from one machine" on one machine, driven in Chromium through the real embed on
//! the storefront's pages. Two stages, a Playwright run each, on one PostgreSQL and one S3
//! server (s3s-fs) started for both ([`Postgres`], [`S3Server`]):
//! - `balancer.spec.js`: two `helpcenter-server serve` instances, A and B, each on a data
//!   directory of its own, sharing nothing but a PostgreSQL database and a bucket prefix,
//!   behind nginx (round robin, no sticky sessions: [`Balancer`]); the storefront's widget
//!   comes through the balancer. `POST /kill-a` on the control address ([`StageControl`])
//!   kills instance A with SIGKILL.
//! - `move-up.spec.js`: one server on SQLite and files in its data directory, as every store
//!   starts. `POST /move-up` stops it as systemd does (SIGTERM), runs `helpcenter-server
//!   migrate-store` into a database and a bucket prefix of their own, and starts a server on
//!   those, on a fresh data directory, at the same address.
//!
//! Every process started here is stopped and every directory removed when the run ends, also
//! when it fails (each is dropped: nginx with SIGTERM, so its workers stop with it).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, bail};

use crate::balancer::Balancer;
use crate::browser_server::{
    self, ADMIN_KEY, PROXY, SERVER, SMTP, ServerProcess, SharedServer, TEST_PAGE, lock,
};
use crate::cmd::{Ctx, Scratch};
use crate::mail_catcher::MailCatcher;
use crate::postgres::{self, Postgres};
use crate::s3::{BUCKET, S3Server};
use crate::stage_control::{Action, StageControl};
use crate::tally::Tally;
use crate::{e2e, storefront};

/// The stages, by their spec file's name (`NAME.spec.js`).
const STAGES: [&str; 2] = ["balancer", "move-up"];
/// How long an instance killed mid-PATCH keeps its hold on the upload (the server's default
/// is 30 s): the kill test waits it out once, and CI's minutes are counted.
const UPLOAD_LEASE_SECONDS: u32 = 5;

/// What both stages run on.
struct Stage<'a> {
    ctx: &'a Ctx,
    binary: PathBuf,
    admin_key_hash: String,
    dist: PathBuf,
    postgres: &'a Postgres,
    s3: &'a S3Server,
}

/// `args` go to `playwright test`; a word naming a stage (`balancer`, `move-up.spec.js`)
/// runs only the stages named.
pub fn run(ctx: &Ctx, args: &[String], tally: &mut Tally) -> Result<()> {
    let dist = e2e::builds(ctx)?;
    let named =
        |arg: &String, stage: &str| arg == stage || arg.strip_suffix(".spec.js") == Some(stage);
    let chosen: Vec<&str> = match STAGES
        .into_iter()
        .filter(|stage| args.iter().any(|a| named(a, stage)))
        .collect::<Vec<_>>()
    {
        none if none.is_empty() => STAGES.to_vec(),
        some => some,
    };
    let mut rest: Vec<String> = args
        .iter()
        .filter(|a| !STAGES.iter().any(|stage| named(a, stage)))
        .cloned()
        .collect();
    // `--grep` may pick no test of a stage: that stage then passes with none.
    if !rest.is_empty() {
        rest.push("--pass-with-no-tests".to_owned());
    }
    let binary = browser_server::build(ctx)?;
    let admin_key_hash = browser_server::admin_key_hash(ctx, &binary)?;
    let postgres = Postgres::start(ctx)?;
    let s3 = S3Server::start(ctx)?;
    let stage = Stage {
        ctx,
        binary,
        admin_key_hash,
        dist,
        postgres: &postgres,
        s3: &s3,
    };
    for name in chosen {
        println!("\ne2e at scale: {name}.spec.js");
        let ran = match name {
            "balancer" => stage.balancer(&rest, tally),
            _ => stage.move_up(&rest, tally),
        };
        if ran.is_err() {
            let log = s3.log();
            if !log.trim().is_empty() {
                println!("s3: what s3s-fs logged:\n{log}");
            }
        }
        ran.with_context(|| format!("the end-to-end tests at scale: {name}.spec.js"))?;
    }
    Ok(())
}

impl Stage<'_> {
    /// Two instances behind nginx; the spec may kill A.
    fn balancer(&self, args: &[String], tally: &mut Tally) -> Result<()> {
        let dir = Scratch::new("e2e-scale-balancer")?;
        let mail = MailCatcher::start(self.ctx, SMTP.parse()?, &dir.path().join("caught-mail"))?;
        let config = dir.path().join("config.toml");
        browser_server::write_config(
            &config,
            &format!("http://{SERVER}"),
            TEST_PAGE,
            &mail,
            &self.admin_key_hash,
            &format!("upload_lease_seconds = {UPLOAD_LEASE_SECONDS}"),
        )?;
        let database = self.postgres.create_database("hc_e2e_balancer")?;
        let evidence = format!("s3://{BUCKET}/e2e-balancer");
        let mut instances: Vec<(&str, SocketAddr, SharedServer)> = Vec::new();
        // One after the other: the first brings the new database's schema up.
        for name in ["a", "b"] {
            let addr = SocketAddr::from(([127, 0, 0, 1], postgres::free_port()?));
            let mut process = self
                .server(&config, addr, &dir.path().join(format!("instance-{name}")))
                .log_to(dir.path().join(format!("instance-{name}.log")));
            process = self.on_shared_stores(process, &database, &evidence);
            process.start()?;
            instances.push((name, addr, Arc::new(Mutex::new(process))));
        }
        let upstreams: Vec<SocketAddr> = instances.iter().map(|(_, addr, _)| *addr).collect();
        let balancer = Balancer::start(self.ctx, "e2e-scale-nginx", SERVER.parse()?, &upstreams)?;
        let _store = storefront::serve(
            e2e::store_pages(self.ctx),
            TEST_PAGE.parse()?,
            balancer.origin(),
        )?;
        let a = instances[0].2.clone();
        let kill_a: Action = Box::new(move || {
            let mut a = lock(&a);
            let pid = a.id().context("instance A is not running")?;
            a.stop();
            Ok(format!("instance A (pid {pid}) killed with SIGKILL\n"))
        });
        let control = StageControl::start(PROXY.parse()?, vec![("kill-a", kill_a)])?;
        let addresses = instances
            .iter()
            .map(|(name, addr, _)| format!("{name}={addr}"))
            .collect::<Vec<_>>()
            .join(",");
        let stage = [
            ("HELPCENTER_E2E_WIDGET", balancer.origin()),
            ("HELPCENTER_E2E_STORE", format!("http://{TEST_PAGE}")),
            ("HELPCENTER_E2E_ADMIN_KEY", ADMIN_KEY.to_owned()),
            ("HELPCENTER_E2E_MAILDIR", mail.maildir.display().to_string()),
            ("HELPCENTER_E2E_INSTANCES", addresses),
            ("HELPCENTER_E2E_CONTROL", control.origin()),
        ];
        let ran = self.playwright("balancer", "e2e-scale-balancer", args, &stage, tally);
        served_by(&balancer, &instances);
        // Whatever happened to A, the instances the test left running must be running.
        let mut running = Ok(());
        for (name, _, process) in &instances {
            let mut process = lock(process);
            if !process.stopped()
                && let Err(e) = process.ensure_running()
            {
                running = Err(e.context(format!("instance {}", name.to_uppercase())));
            }
        }
        if ran.is_err() || running.is_err() {
            for (name, _, process) in &instances {
                println!(
                    "instance {}: {}",
                    name.to_uppercase(),
                    lock(process).log_tail()
                );
            }
            println!("balancer: nginx's error log:\n{}", balancer.error_log());
        }
        running.and(ran)
    }

    /// One server on SQLite and files, moved up to PostgreSQL and the bucket when the spec
    /// asks.
    fn move_up(&self, args: &[String], tally: &mut Tally) -> Result<()> {
        let dir = Scratch::new("e2e-scale-move-up")?;
        let mail = MailCatcher::start(self.ctx, SMTP.parse()?, &dir.path().join("caught-mail"))?;
        let config = dir.path().join("config.toml");
        browser_server::write_config(
            &config,
            &format!("http://{SERVER}"),
            TEST_PAGE,
            &mail,
            &self.admin_key_hash,
            "",
        )?;
        let one_machine = dir.path().join("one-machine");
        let mut before = self
            .server(&config, SERVER.parse()?, &one_machine)
            .log_to(dir.path().join("one-machine.log"));
        before.start()?;
        let before = Arc::new(Mutex::new(before));
        let database = self.postgres.create_database("hc_e2e_moved")?;
        let evidence = format!("s3://{BUCKET}/e2e-moved");
        let after = self
            .server(&config, SERVER.parse()?, &dir.path().join("moved"))
            .log_to(dir.path().join("moved.log"));
        let after = Arc::new(Mutex::new(
            self.on_shared_stores(after, &database, &evidence),
        ));
        let move_up: Action = {
            let (before, after) = (before.clone(), after.clone());
            let migrate = self.migrate_store(&one_machine, &database, &evidence);
            Box::new(move || {
                let stopped = lock(&before).terminate()?;
                let moved = migrate()?;
                lock(&after).start()?;
                Ok(format!(
                    "the one-machine server stopped ({stopped}); migrate-store:\n{moved}\
                     the server on PostgreSQL + S3 started at http://{SERVER}\n"
                ))
            })
        };
        let _store = storefront::serve(
            e2e::store_pages(self.ctx),
            TEST_PAGE.parse()?,
            format!("http://{SERVER}"),
        )?;
        let control = StageControl::start(PROXY.parse()?, vec![("move-up", move_up)])?;
        let stage = [
            ("HELPCENTER_E2E_WIDGET", format!("http://{SERVER}")),
            ("HELPCENTER_E2E_STORE", format!("http://{TEST_PAGE}")),
            ("HELPCENTER_E2E_ADMIN_KEY", ADMIN_KEY.to_owned()),
            ("HELPCENTER_E2E_MAILDIR", mail.maildir.display().to_string()),
            ("HELPCENTER_E2E_CONTROL", control.origin()),
        ];
        let ran = self.playwright("move-up", "e2e-scale-move-up", args, &stage, tally);
        // The server serving now: the moved one once the spec moved up, else the first.
        let serving = if lock(&before).stopped() {
            &after
        } else {
            &before
        };
        let running = lock(serving).ensure_running();
        if ran.is_err() || running.is_err() {
            for (name, process) in [("one machine", &before), ("moved", &after)] {
                println!("{name}: {}", lock(process).log_tail());
            }
        }
        running.and(ran)
    }

    /// `helpcenter-server serve` as the end-to-end tests run it, on `data_dir` at `addr`.
    fn server(&self, config: &Path, addr: SocketAddr, data_dir: &Path) -> ServerProcess {
        browser_server::serve(self.ctx, &self.binary, config, addr, data_dir, &self.dist)
    }

    /// `process` with its tickets in `database` and its evidence in `evidence` (a prefix of
    /// the bucket), reached with the S3 server's `AWS_*` variables.
    fn on_shared_stores(
        &self,
        process: ServerProcess,
        database: &str,
        evidence: &str,
    ) -> ServerProcess {
        let process = process
            .env("HELPCENTER_DATABASE_URL", database)
            .env("HELPCENTER_EVIDENCE_STORE", evidence);
        self.s3
            .aws_env()
            .into_iter()
            .fold(process, |p, (key, value)| p.env(key, value))
    }

    /// The README's `migrate-store` of `data_dir` into `database` and `evidence`, as a
    /// function the control address runs: what it printed, or why it failed.
    fn migrate_store(
        &self,
        data_dir: &Path,
        database: &str,
        evidence: &str,
    ) -> impl Fn() -> Result<String> + Send + 'static {
        let binary = self.binary.clone();
        let data_dir = data_dir.to_owned();
        let (database, evidence) = (database.to_owned(), evidence.to_owned());
        let aws = self.s3.aws_env();
        move || {
            println!(
                "$ {} migrate-store --data-dir {} --to {database} --to-evidence {evidence}",
                binary.display(),
                data_dir.display()
            );
            let output = Command::new(&binary)
                .arg("migrate-store")
                .arg("--data-dir")
                .arg(&data_dir)
                .args(["--to", &database, "--to-evidence", &evidence])
                .envs(aws.clone())
                // Only what the command line says: none of the run's own settings.
                .env_remove("HELPCENTER_DATABASE_URL")
                .env_remove("HELPCENTER_EVIDENCE_STORE")
                .env_remove("HELPCENTER_DATA_DIR")
                .stdin(Stdio::null())
                .output()
                .context("could not run migrate-store")?;
            let printed = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            print!("{printed}");
            if !output.status.success() {
                bail!("migrate-store failed ({}):\n{printed}", output.status);
            }
            Ok(printed)
        }
    }

    fn playwright(
        &self,
        spec: &str,
        results: &str,
        args: &[String],
        stage: &[(&str, String)],
        tally: &mut Tally,
    ) -> Result<()> {
        let config = self.ctx.root.join("tests/e2e/scale/playwright.config.js");
        let mut args = args.to_vec();
        args.insert(0, format!("{spec}.spec.js"));
        e2e::playwright(self.ctx, &config, results, &args, stage, tally)
    }
}

/// How many of the requests through the balancer each instance served, from nginx's access
/// log (a request an instance refused and the other served counts for the other).
fn served_by(balancer: &Balancer, instances: &[(&str, SocketAddr, SharedServer)]) {
    let log = std::fs::read_to_string(balancer.access_log()).unwrap_or_default();
    let counts: Vec<String> = instances
        .iter()
        .map(|(name, addr, _)| {
            // `STATUS "REQUEST" UPSTREAMS`, the one that answered last.
            let served = log
                .lines()
                .filter_map(|line| line.rsplit("\" ").next()?.rsplit(", ").next())
                .filter(|upstream| *upstream == addr.to_string())
                .count();
            format!("{} {served}", name.to_uppercase())
        })
        .collect();
    println!(
        "balancer: {} requests, served by instance {}",
        log.lines().count(),
        counts.join(", instance ")
    );
}
