//! Developer commands for the Help Center workspace: `cargo xtask dev | test | tools`.
//!
//! Plain Rust instead of shell scripts so the same steps run on every machine and in CI, and
//! so tool versions are checked in one place.

mod balancer;
mod bench;
mod browser_server;
mod budgets;
mod cmd;
mod console;
mod contract;
mod demo_orders;
mod dev;
mod device_files;
mod dist;
mod e2e;
mod e2e_scale;
mod embed;
mod faults;
mod fuzz;
mod install_test;
mod mail_catcher;
mod postgres;
mod s3;
mod short_imports;
mod split;
mod split_check;
mod stage_control;
mod storefront;
mod tally;
mod test;
mod tools;

use std::process::ExitCode;

use anyhow::{Result, bail};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  dev [--bind ADDR]  build the widget and the console with Trunk and serve them with helpcenter-server
                     (default ADDR: 127.0.0.1:8080; the widget is at /widget/, the console at /console/)
  test               everything CI checks: fmt, clippy (native + wasm32), native tests,
                     the API contract (schemathesis),
                     the Trunk release build and the wasm browser tests
  browser-test [ARGS]  only the widget's browser tests, against a fresh server; ARGS go to
                     `cargo test` (e.g. `--test evidence_checks -- a_valid_set`)
  build-widget       only the split release build of the widget into dist/, with its sizes
  build-console      only the release build of the agents' console into crates/console/dist/
  e2e [ARGS]         only the end-to-end tests (tests/e2e/) against the build in dist/;
                     ARGS go to `playwright test` (e.g. `hostile` or `--grep keyboard`)
  e2e-scale [ARGS]   only the end-to-end tests at scale (tests/e2e/scale/) against the build in
                     dist/: two instances on PostgreSQL + S3 (s3s-fs) behind nginx, and a store
                     moved up from SQLite by migrate-store; ARGS go to `playwright test`, a stage's
                     name (`balancer`, `move-up`) runs that stage only
  bench [SECTION..]  what the widget costs, each figure beside a baseline measured in the
                     same run: a table, also in target/bench/bench.{md,json}; SECTION is
                     bytes, browser, server, inbox (all by default), scale (server's rows on
                     PostgreSQL + S3 alone; HELPCENTER_BENCH_QUICK=1 checks they are made) or
                     tickets (server's rows of reading and creating a ticket alone)
  contract           only the OpenAPI document and the server checked against each other by
                     schemathesis (PyPI, installed under target/), on a fresh server
  budgets            only DESIGN.md's size budgets, on the build in dist/
  split-check        only the split build in dist/ in Chromium: Continue past the outcome
                     loads the filing chunk
  fuzz [SECONDS]     every parser of helpcenter-media on mutated files, SECONDS each (60):
                     executions, crashes, slowest input per MB (stable; not in `test`)
  device-files       helpcenter-media on real cameras' and phones' photos and videos that
                     PyPI, npm and Debian packages ship, checked against exiftool (README)
  dist               the archive a store installs from (target/dist/): the server built for
                     speed, the widget, the console, the config, the systemd unit, nginx and
                     Caddy examples, licence notices and SHA256SUMS (release builds: slow)
  install-test       the README's \"Running it for a store\" from that archive (debug server):
                     installed under a scratch root, run with the unit's ExecStart behind
                     nginx with TLS, a claim filed, backed up and restored (a step of `test`)
  tools              only install or check the pinned tools (Trunk, wasm-bindgen, wasm-opt,
                     Chromium, aiosmtpd, PostgreSQL, s3s-fs)
  test-postgres [ARGS]  only the server's integration tests on a PostgreSQL and an S3 server
                     (s3s-fs) started for them (as `test` runs them); ARGS go to `cargo test` (e.g. `--test tickets`)";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<()> {
    let Some((command, rest)) = args.split_first() else {
        bail!("no command given\n\n{USAGE}");
    };
    if matches!(command.as_str(), "help" | "-h" | "--help") {
        println!("{USAGE}");
        return Ok(());
    }
    let ctx = cmd::Ctx::new()?;
    match command.as_str() {
        "dev" => dev::run(&ctx, &parse_bind(rest)?),
        "test" => no_args(command, rest).and_then(|()| test::run(&ctx)),
        "browser-test" => tools::ensure_build(&ctx)
            .and_then(|()| tools::ensure_browser(&ctx))
            .and_then(|()| {
                counted(|tally| {
                    test::browser_tests(&ctx, rest, tally)?;
                    whole_suite_floors(rest, tally, test::BROWSER_FLOORS)
                })
            }),
        "build-widget" => no_args(command, rest)
            .and_then(|()| tools::ensure_build(&ctx))
            .and_then(|()| dev::build_widget(&ctx)),
        "build-console" => no_args(command, rest)
            .and_then(|()| tools::ensure_build(&ctx))
            .and_then(|()| dev::build_console(&ctx)),
        "e2e" => tools::ensure_browser(&ctx).and_then(|()| {
            counted(|tally| {
                e2e::run(&ctx, rest, tally)?;
                whole_suite_floors(rest, tally, test::E2E_FLOORS)
            })
        }),
        "e2e-scale" => tools::ensure_browser(&ctx).and_then(|()| {
            counted(|tally| {
                e2e_scale::run(&ctx, rest, tally)?;
                whole_suite_floors(rest, tally, test::E2E_SCALE_FLOORS)
            })
        }),
        "bench" => bench::run(&ctx, rest),
        "contract" => {
            no_args(command, rest).and_then(|()| counted(|tally| contract::run(&ctx, tally)))
        }
        "budgets" => {
            no_args(command, rest).and_then(|()| counted(|tally| budgets::check(&ctx, tally)))
        }
        "split-check" => no_args(command, rest)
            .and_then(|()| tools::ensure_browser(&ctx))
            .and_then(|()| counted(|tally| split_check::run(&ctx, tally))),
        "device-files" => {
            no_args(command, rest).and_then(|()| counted(|tally| device_files::run(&ctx, tally)))
        }
        "fuzz" => fuzz::run(&ctx, rest),
        "test-postgres" => counted(|tally| test::postgres_tests(&ctx, rest, tally)),
        "dist" => no_args(command, rest).and_then(|()| dist::run(&ctx)),
        "install-test" => no_args(command, rest).and_then(|()| {
            let mut tally = tally::Tally::default();
            install_test::run(&ctx, &mut tally)?;
            tally.check_floors(&[(install_test::SUITE, 9)])
        }),
        "tools" => no_args(command, rest)
            .and_then(|()| tools::ensure_build(&ctx))
            .and_then(|()| tools::ensure_browser(&ctx))
            .and_then(|()| tools::ensure_aiosmtpd(&ctx).map(|_| ()))
            .and_then(|()| tools::ensure_standardwebhooks(&ctx).map(|_| ()))
            .and_then(|()| postgres::ensure(&ctx).map(|_| ()))
            .and_then(|()| s3::ensure(&ctx).map(|_| ())),
        other => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}

/// Runs one suite on its own and prints what it ran, suite by suite.
fn counted(run: impl FnOnce(&mut tally::Tally) -> Result<()>) -> Result<()> {
    let mut tally = tally::Tally::default();
    let result = run(&mut tally);
    for (suite, count) in tally.suites() {
        println!("  {suite}: {count}");
    }
    println!("{}", tally.total());
    result
}

/// A whole suite run on its own (no arguments picking tests) is held to the floors
/// `cargo xtask test` holds it to: a spec file or test binary that lost its tests fails here too.
fn whole_suite_floors(args: &[String], tally: &tally::Tally, floors: &[(&str, u32)]) -> Result<()> {
    if args.is_empty() {
        tally.check_floors(floors)
    } else {
        Ok(())
    }
}

/// `dev`'s only option: `--bind ADDR` or `--bind=ADDR`, passed through to the server.
fn parse_bind(args: &[String]) -> Result<String> {
    let mut bind = dev::DEFAULT_BIND.to_owned();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.strip_prefix("--bind=") {
            Some(value) => value.clone_into(&mut bind),
            None if arg == "--bind" => match args.next() {
                Some(value) => value.clone_into(&mut bind),
                None => bail!("--bind needs an address, e.g. --bind 0.0.0.0:8080"),
            },
            None => bail!("unknown option `{arg}` for dev\n\n{USAGE}"),
        }
    }
    Ok(bind)
}

fn no_args(command: &str, args: &[String]) -> Result<()> {
    match args.first() {
        Some(arg) => bail!("`{command}` takes no arguments, got `{arg}`\n\n{USAGE}"),
        None => Ok(()),
    }
}
