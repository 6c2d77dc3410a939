//! The server on PostgreSQL and an S3 bucket beside SQLite and files (the README's "Running
//! at scale"), under the same wrk loads as the rows above, on a PostgreSQL and an s3s-fs
//! started for these rows ([`Postgres`], [`S3Server`]) and stopped after:
//! - read a ticket, and create one (with its finished upload): one instance on PostgreSQL +
//!   S3 beside one on SQLite + files; and two instances behind nginx beside one behind the
//!   same nginx ([`Balancer`]): their ratio is the scaling figure. On a machine of two cores
//!   the instances, nginx, PostgreSQL and s3s-fs share them, and wrk too;
//! - a 200 MB tus upload into the bucket, beside the same bytes put by one plain
//!   `object_store` call (`crates/server/examples/put_object.rs`).
//!
//! Each deployment starts on a database and a bucket prefix of its own, as `ours` starts on
//! an empty data directory. `cargo xtask bench scale` makes these rows alone;
//! `HELPCENTER_BENCH_QUICK=1` checks that they are made (one run each). The creation rows
//! take one run always: the uploads they file are made first, slowly on PostgreSQL + S3.

use std::cell::Cell;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use super::super::report::{Figure, Report, Row};
use super::super::wrk::{self, CONNECTIONS, THREADS, Target};
use super::{
    Bench, CREATE_SECONDS, Reading, Run, SECONDS, SECTION, UPLOADS_PER_RUN, big_upload,
    create_upload, file_ticket, make_uploads, patch_headers, runs,
};
use crate::balancer::Balancer;
use crate::bench::http::call;
use crate::browser_server::ServerProcess;
use crate::postgres::Postgres;
use crate::s3::{BUCKET, S3Server};

/// The instances' addresses, and the balancer's in front of them.
const INSTANCES: [&str; 2] = ["127.0.0.1:18181", "127.0.0.1:18182"];
const BALANCED: &str = "127.0.0.1:18183";
/// Uploads made ahead of a creation run on PostgreSQL + S3: twice what the fastest of those
/// deployments files in its [`CREATE_SECONDS`] (850 claims a second on 2 cores). Making them
/// is the slow part of these rows (30 uploads a second through s3s-fs), so not the
/// [`UPLOADS_PER_RUN`] made for SQLite.
const UPLOADS_ON_POSTGRES: usize = 3500;

#[derive(Clone, Copy)]
enum Engine {
    /// SQLite and evidence files in the data directory (the default).
    Sqlite,
    /// A PostgreSQL database and a prefix of the bucket of the deployment's own.
    Postgres,
}

/// Instances under load, with nginx in front when asked; stopped, and their data
/// directories removed, when dropped.
struct Deployment {
    /// Where the load goes: the balancer, or the one instance.
    addr: &'static str,
    engine: Engine,
    balancer: Option<Balancer>,
    instances: Vec<ServerProcess>,
    dirs: Vec<PathBuf>,
}

impl Deployment {
    /// The instances' peak memory, summed.
    fn peak_mb(&self) -> f64 {
        self.instances
            .iter()
            .map(|p| p.peak_memory_kib().unwrap_or(0) as f64 / 1024.0)
            .sum()
    }
}

impl Drop for Deployment {
    fn drop(&mut self) {
        self.balancer.take();
        self.instances.clear();
        for dir in &self.dirs {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// What the rows run on.
struct Scale<'a, 'b> {
    bench: &'a Bench<'b>,
    postgres: Postgres,
    s3: S3Server,
    /// Deployments made so far: each one's database and prefix are named by its number.
    made: Cell<usize>,
}

impl Bench<'_> {
    /// The rows on PostgreSQL and the bucket.
    pub(super) fn at_scale(&self, report: &mut Report) -> Result<()> {
        let scale = Scale {
            bench: self,
            postgres: Postgres::start(self.ctx)?,
            s3: S3Server::start(self.ctx)?,
            made: Cell::new(0),
        };
        scale.reading(report)?;
        scale.creating(report)?;
        scale.upload(report)
    }
}

impl Scale<'_, '_> {
    fn deploy(&self, engine: Engine, instances: usize, balanced: bool) -> Result<Deployment> {
        let n = self.made.get();
        self.made.set(n + 1);
        let stores = match engine {
            Engine::Sqlite => None,
            Engine::Postgres => Some((
                self.postgres.create_database(&format!("hc_bench_{n}"))?,
                format!("s3://{BUCKET}/bench-{n}"),
            )),
        };
        let mut deployment = Deployment {
            addr: if balanced { BALANCED } else { INSTANCES[0] },
            engine,
            balancer: None,
            instances: Vec::new(),
            dirs: Vec::new(),
        };
        // One after the other: the first brings a new database's schema up.
        for (i, addr) in INSTANCES.iter().take(instances).enumerate() {
            let data = self.bench.work.path().join(format!("scale-{n}-{i}"));
            deployment.dirs.push(data.clone());
            let mut process = ServerProcess::new(&self.bench.server, addr.parse()?)
                .env("RUST_LOG", "warn")
                .arg("serve")
                .arg("--config")
                .arg(self.bench.config())
                .args(["--bind", addr])
                .arg("--data-dir")
                .arg(&data)
                .arg("--widget-dir")
                .arg(self.bench.ctx.root.join("dist"));
            if let Some((database, evidence)) = &stores {
                process = process
                    .env("HELPCENTER_DATABASE_URL", database)
                    .env("HELPCENTER_EVIDENCE_STORE", evidence);
                for (key, value) in self.s3.aws_env() {
                    process = process.env(key, value);
                }
            }
            process.start()?;
            deployment.instances.push(process);
        }
        if balanced {
            let upstreams = INSTANCES[..instances]
                .iter()
                .map(|a| a.parse())
                .collect::<Result<Vec<_>, _>>()?;
            deployment.balancer = Some(Balancer::start(
                self.bench.ctx,
                "bench-nginx",
                BALANCED.parse()?,
                &upstreams,
            )?);
        }
        Ok(deployment)
    }

    /// `measure` on the four deployments, `runs` times, alternating; the rows of PostgreSQL
    /// beside SQLite and of two instances beside one.
    fn four_ways(
        &self,
        report: &mut Report,
        what: &str,
        runs: usize,
        measure: impl Fn(&Deployment) -> Result<Run>,
    ) -> Result<()> {
        let (mut sqlite, mut postgres, mut one, mut two) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs {
            sqlite.push(measure(&self.deploy(Engine::Sqlite, 1, false)?)?);
            postgres.push(measure(&self.deploy(Engine::Postgres, 1, false)?)?);
            one.push(measure(&self.deploy(Engine::Postgres, 1, true)?)?);
            two.push(measure(&self.deploy(Engine::Postgres, 2, true)?)?);
        }
        let figure = |runs: &[Run], f: Reading| {
            Figure::of(&runs.iter().map(f).collect::<Vec<_>>()).context("no runs")
        };
        let load = format!("{THREADS} threads, {CONNECTIONS} connections");
        let rows: [(&str, &'static str, Reading); 2] = [
            ("throughput", "req/s", |r| r.load.requests_per_second),
            ("p99 latency", "ms", |r| r.load.p99_ms),
        ];
        for (name, unit, f) in rows {
            report.add(Row {
                section: SECTION,
                what: format!("{what} on PostgreSQL + S3, one instance, {name} ({load})"),
                unit,
                ours: figure(&postgres, f)?,
                baseline_is: "one instance on SQLite + files".to_owned(),
                baseline: figure(&sqlite, f)?,
            });
            report.add(Row {
                section: SECTION,
                what: format!(
                    "{what} on PostgreSQL + S3, two instances behind nginx, {name} ({load})"
                ),
                unit,
                ours: figure(&two, f)?,
                baseline_is: "one instance behind the same nginx".to_owned(),
                baseline: figure(&one, f)?,
            });
        }
        Ok(())
    }

    fn reading(&self, report: &mut Report) -> Result<()> {
        self.four_ways(report, "read a ticket", runs(), |d| {
            let uploads = make_uploads(d.addr, 1, 1024)?;
            let (id, token) = file_ticket(d.addr, &uploads[0], "read", "")?;
            let load = wrk::run(
                self.bench.ctx,
                &Target {
                    url: format!("http://{}/v1/tickets/{id}", d.addr),
                    headers: vec![format!("Authorization: Bearer {token}")],
                    script: None,
                    script_env: Vec::new(),
                    seconds: SECONDS,
                },
            )?;
            Ok(Run {
                load,
                peak_mb: d.peak_mb(),
            })
        })
    }

    fn creating(&self, report: &mut Report) -> Result<()> {
        let script = self.bench.work.path().join("create-ticket.lua");
        std::fs::write(&script, include_str!("../create-ticket.lua"))?;
        let ids = self.bench.work.path().join("scale-uploads.txt");
        // One run: the uploads each run makes first take some 20 minutes on the three
        // deployments on PostgreSQL + S3.
        self.four_ways(report, "create a ticket (one photo)", 1, |d| {
            let started = Instant::now();
            let count = match d.engine {
                Engine::Sqlite => UPLOADS_PER_RUN,
                Engine::Postgres => UPLOADS_ON_POSTGRES,
            };
            let uploads = make_uploads(d.addr, count, 1024)?;
            println!(
                "bench: {} uploads made in {:.1} s",
                uploads.len(),
                started.elapsed().as_secs_f64()
            );
            std::fs::write(&ids, uploads.join("\n") + "\n")?;
            let path = format!("/v1/sites/{}/tickets", super::SITE);
            let load = wrk::run(
                self.bench.ctx,
                &Target {
                    url: format!("http://{}{path}", d.addr),
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
            Ok(Run {
                load,
                peak_mb: d.peak_mb(),
            })
        })
    }

    /// A 200 MB tus upload (one PATCH) into the bucket, beside one `object_store` put of the
    /// same bytes.
    fn upload(&self, report: &mut Report) -> Result<()> {
        let bytes = big_upload();
        let mb = bytes.len() as f64 / 1e6;
        let file = self.bench.work.path().join("scale-big.mp4");
        std::fs::write(&file, &bytes)?;
        let (mut ours, mut plain) = (Vec::new(), Vec::new());
        for run in 0..runs() {
            let server = self.deploy(Engine::Postgres, 1, false)?;
            let started = Instant::now();
            let location = create_upload(server.addr, bytes.len(), &format!("big-{run}.mp4"))?;
            call(server.addr, "PATCH", &location, &patch_headers(), &bytes)?
                .expect(204, "the 200 MB PATCH into the bucket")?;
            ours.push(started.elapsed().as_secs_f64());
            drop(server);
            let put = self
                .bench
                .ctx
                .cmd(&self.bench.put_object)
                .arg(&file)
                .arg(format!("s3://{BUCKET}/plain-{run}/big.mp4"));
            let put = self
                .s3
                .aws_env()
                .into_iter()
                .fold(put, |cmd, (key, value)| cmd.env(key, value))
                .capture()?;
            plain.push(
                put.trim()
                    .parse::<f64>()
                    .with_context(|| format!("put_object printed {put:?}, not seconds"))?,
            );
        }
        let _ = std::fs::remove_file(&file);
        let throughput = |seconds: &[f64]| {
            Figure::of(&seconds.iter().map(|s| mb / s).collect::<Vec<_>>()).context("no runs")
        };
        report.add(Row {
            section: SECTION,
            what: format!("a {mb:.0} MB tus upload into an S3 bucket (s3s-fs), throughput"),
            unit: "MB/s",
            ours: throughput(&ours)?,
            baseline_is: "the same bytes put by one object_store call".to_owned(),
            baseline: throughput(&plain)?,
        });
        Ok(())
    }
}
