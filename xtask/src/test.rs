//! `cargo xtask test`: every check CI runs, in order, stopping at the first failure.
//!
//! Each step that runs tests counts them from the runners' own reports ([`crate::tally`]) and
//! is held to its floors below: a step that ran nothing, a suite that lost tests, disappeared,
//! or appeared without a floor fails it. The run ends with one line counting tests, not steps.

use anyhow::Result;

use crate::cmd::{Ctx, Scratch};
use crate::tally::{LibtestReader, Tally};
use crate::{
    balancer, browser_server, budgets, contract, dev, device_files, e2e, e2e_scale, install_test,
    postgres, s3, split_check, tools,
};

struct Step {
    name: &'static str,
    run: fn(&Ctx, &mut Tally) -> Result<()>,
    /// The fewest tests each suite of the step may run (raise them as tests are added), or
    /// `None` for a check that runs no tests (formatting, lints, a build).
    floors: Option<&'static [(&'static str, u32)]>,
}

/// Cheap checks first, so a formatting slip fails in seconds rather than after the wasm builds.
const STEPS: [Step; 15] = [
    Step {
        name: "rustfmt",
        run: |ctx, _| ctx.cmd("cargo").args(["fmt", "--all", "--check"]).run(),
        floors: None,
    },
    Step {
        name: "clippy (native)",
        run: |ctx, _| {
            ctx.cmd("cargo")
                .args(["clippy", "--workspace", "--all-targets"])
                .args(["--", "-D", "warnings"])
                .run()
        },
        floors: None,
    },
    // The widget with its browser tests, and the rulebook as the widget links it (without
    // its native-only property tests).
    Step {
        name: "clippy (wasm32)",
        run: |ctx, _| clippy_wasm32(ctx),
        floors: None,
    },
    Step {
        name: "native tests",
        run: native_tests,
        floors: Some(NATIVE_FLOORS),
    },
    // The server's integration tests again, each test's server on a PostgreSQL database of
    // its own (the store's second engine) and its evidence in an S3 bucket (the object
    // store's second engine), on a PostgreSQL and an S3 server started for the step.
    Step {
        name: "server tests on PostgreSQL + S3",
        run: |ctx, tally| postgres_tests(ctx, &[], tally),
        floors: Some(POSTGRES_FLOORS),
    },
    // The OpenAPI document and the server, checked against each other on a real server.
    Step {
        name: "API contract (schemathesis)",
        run: contract::run,
        floors: Some(&[(contract::SUITE, 52)]),
    },
    // Real cameras' and phones' files, read by helpcenter-media and by exiftool.
    Step {
        name: "device files (media vs exiftool)",
        run: device_files::run,
        floors: Some(&[
            ("pillow", 13),
            ("pillow-heif", 8),
            ("pymediainfo", 1),
            ("exif-parser", 1),
            ("ebml", 1),
            ("golang-github-rwcarlsen-goexif-dev", 3),
            ("chromium-mediarecorder", 2),
        ]),
    },
    // The release wasm build (opt-level z, LTO, wasm-opt), split into a first load and the
    // filing chunk, then that build in Chromium: the browser tests below run unsplit code.
    Step {
        name: "widget build (trunk + split)",
        run: |ctx, _| dev::build_widget(ctx),
        floors: None,
    },
    // The agents' console: Trunk's release build (wasm-opt -Oz) into crates/console/dist.
    Step {
        name: "console build (trunk)",
        run: |ctx, _| dev::build_console(ctx),
        floors: None,
    },
    // The README's "Running it for a store" from the archive (with the debug server the
    // native tests built): installed, behind nginx with TLS, backed up and restored.
    Step {
        name: "install from the archive (nginx, TLS)",
        run: install_test::run,
        floors: Some(&[(install_test::SUITE, 9)]),
    },
    Step {
        name: "size budgets (DESIGN.md)",
        run: budgets::check,
        floors: Some(&[("size budgets", 4)]),
    },
    Step {
        name: "split widget in chromium",
        run: split_check::run,
        floors: Some(&[("split build in chromium", 2)]),
    },
    Step {
        name: "end-to-end on storefront pages",
        run: |ctx, tally| e2e::run(ctx, &[], tally),
        floors: Some(E2E_FLOORS),
    },
    // The README's "Running at scale" in Chromium: two instances on PostgreSQL + S3 behind
    // nginx, one killed mid-upload; and a store moved up from SQLite by migrate-store.
    Step {
        name: "end-to-end at scale (PostgreSQL, S3)",
        run: |ctx, tally| e2e_scale::run(ctx, &[], tally),
        floors: Some(E2E_SCALE_FLOORS),
    },
    Step {
        name: "wasm browser tests",
        run: |ctx, tally| browser_tests(ctx, &[], tally),
        floors: Some(BROWSER_FLOORS),
    },
];

/// Test binaries of the workspace's native tests, by the name cargo gives them.
const NATIVE_FLOORS: &[(&str, u32)] = &[
    ("helpcenter_api (unit)", 19),
    ("helpcenter_console (unit)", 18),
    ("helpcenter_core (unit)", 89),
    ("helpcenter_media (unit)", 22),
    // crates/media/tests/: each container's crafted walk against reading and hashing it
    ("cost", 7),
    ("helpcenter_server (unit)", 112),
    ("helpcenter_widget (unit)", 34),
    ("xtask (unit, src/main.rs)", 46),
    // crates/server/tests/
    ("backup", 3),
    ("cli", 18),
    ("console", 14),
    ("console_files", 2),
    ("contract", 7),
    ("hostile_media", 8),
    ("http", 22),
    // two instances on one database and bucket: skipped, saying so, on SQLite and files
    ("instances", 3),
    ("keys", 1),
    ("logs", 3),
    ("readme", 2),
    ("mail", 14),
    // a one-machine deployment moved up: into SQLite + files here, PostgreSQL + S3 below
    ("migrate_store", 3),
    // crates/core/tests/ (2) and crates/server/tests/ (1): the import graphs without cycles
    ("module_graph", 3),
    ("openapi", 6),
    // a real order endpoint started by the tests: found, not found, mismatch, slow, nonsense
    ("orders", 13),
    ("restart", 2),
    // two instances behind nginx: skipped (saying so) on SQLite, run on PostgreSQL
    ("scale", 2),
    ("slow_clients", 3),
    ("tickets", 22),
    ("upgrades", 2),
    ("uploads", 16),
    ("webhooks", 7),
];

/// The server's integration test binaries on PostgreSQL ([`postgres_tests`]): as on SQLite,
/// less the tests [`SQLITE_ONLY`] names.
const POSTGRES_FLOORS: &[(&str, u32)] = &[
    ("backup", 1),
    ("cli", 18),
    ("console", 14),
    ("console_files", 2),
    ("contract", 7),
    ("hostile_media", 8),
    ("http", 22),
    ("instances", 3),
    ("keys", 1),
    ("logs", 3),
    ("readme", 2),
    ("mail", 14),
    ("migrate_store", 3),
    ("module_graph", 1),
    ("openapi", 6),
    ("orders", 13),
    ("restart", 2),
    // two instances behind nginx: skipped (saying so) on SQLite, run on PostgreSQL
    ("scale", 2),
    ("slow_clients", 3),
    ("tickets", 22),
    ("upgrades", 2),
    ("uploads", 16),
    ("webhooks", 7),
];

/// Tests about SQLite's own files, left out of the PostgreSQL run (by name, as `cargo test
/// -- --skip` takes them): backups and restores copy a SQLite snapshot, which PostgreSQL
/// servers refuse (a test of its own says so on both engines).
const SQLITE_ONLY: &[&str] = &[
    "a_backup_taken_while_claims_are_filed_restores_to_a_server_with_every_ticket_and_file",
    "a_restore_checks_the_manifest_first_and_never_overwrites_a_data_directory_unasked",
];

/// The end-to-end suite's spec files.
pub const E2E_FLOORS: &[(&str, u32)] = &[
    ("a11y.spec.js", 2),
    ("agent.spec.js", 1),
    ("console.spec.js", 6),
    ("embed.spec.js", 2),
    ("framing.spec.js", 1),
    ("hostile.spec.js", 1),
    ("journey.spec.js", 1),
    ("keyboard.spec.js", 1),
    ("locale.spec.js", 4),
    ("mail-link.spec.js", 2),
    // the order-first journey: found and filed verified, the store down (optional, required)
    ("orders.spec.js", 3),
    ("phone.spec.js", 3),
    // a GPS photo: what leaves the browser and what the server keeps carry no position
    ("privacy.spec.js", 1),
    ("resume.spec.js", 1),
];

/// The end-to-end tests at scale (`tests/e2e/scale/`), by spec file.
pub const E2E_SCALE_FLOORS: &[(&str, u32)] = &[
    // the journey through the balancer, alternating; instance A killed mid-upload
    ("balancer.spec.js", 2),
    // filed on SQLite + files, moved up by migrate-store, opened from PostgreSQL + S3
    ("move-up.spec.js", 1),
];

/// The widget's wasm test binaries in Chromium.
pub const BROWSER_FLOORS: &[(&str, u32)] = &[
    ("blobs", 3),
    ("bridge", 1),
    ("evidence_checks", 19),
    ("filing", 6),
    ("following", 14),
    ("upload", 8),
    ("widget", 8),
];

fn clippy_wasm32(ctx: &Ctx) -> Result<()> {
    let clippy = |args: &[&str]| {
        ctx.cmd("cargo")
            .arg("clippy")
            .args(args)
            .args(["--target", "wasm32-unknown-unknown", "--", "-D", "warnings"])
            .run()
    };
    clippy(&["-p", "helpcenter-widget", "--all-targets"])?;
    // … and as the release build compiles it, with the split points.
    clippy(&[
        "-p",
        "helpcenter-widget",
        "--bin",
        "helpcenter-widget",
        "--features",
        "lazy",
    ])?;
    // The agents' console, as Trunk builds it.
    clippy(&["-p", "helpcenter-console", "--all-targets"])?;
    clippy(&["-p", "helpcenter-core", "--lib", "--no-default-features"])
}

/// Every native test of the workspace. The widget's integration tests (`tests/*.rs`) are
/// wasm-only and would run as empty binaries here: they run in Chromium below. The bench's
/// hello-world app is a baseline, with nothing to test.
fn native_tests(ctx: &Ctx, tally: &mut Tally) -> Result<()> {
    // The server's mail tests deliver to a real SMTP server, run by this Python; its webhook
    // tests to a receiver that verifies with the Standard Webhooks library, run by that one.
    let aiosmtpd = tools::ensure_aiosmtpd(ctx)?;
    let standardwebhooks = tools::ensure_standardwebhooks(ctx)?;
    let mut reader = LibtestReader::default();
    ctx.cmd("cargo")
        .env("HELPCENTER_TEST_AIOSMTPD", &aiosmtpd)
        .env("HELPCENTER_TEST_STANDARDWEBHOOKS", &standardwebhooks)
        .args(["test", "--workspace", "--exclude", "helpcenter-widget"])
        .args(["--exclude", "helpcenter-bench-hello"])
        .args(["--lib", "--bins", "--tests"])
        .run_reading(|line| reader.line(line, tally))?;
    ctx.cmd("cargo")
        .args(["test", "-p", "helpcenter-widget", "--lib"])
        .run_reading(|line| reader.line(line, tally))
}

/// The server's integration tests (`crates/server/tests/`) on a PostgreSQL and an S3 server
/// (s3s-fs) started for them, each test's server on a database of its own and a prefix of the
/// bucket of its own (`tests/support`); `args` go to `cargo test` (e.g. `--test tickets`).
/// Two test threads: CI's machine has two cores, and each test's server shares them with
/// PostgreSQL and s3s-fs. Both are stopped and their directories deleted when the step ends,
/// also when it fails.
pub fn postgres_tests(ctx: &Ctx, args: &[String], tally: &mut Tally) -> Result<()> {
    let aiosmtpd = tools::ensure_aiosmtpd(ctx)?;
    let standardwebhooks = tools::ensure_standardwebhooks(ctx)?;
    // The two-instance tests (crates/server/tests/scale.rs) put Debian's nginx in front.
    let nginx = balancer::nginx(ctx)?;
    let cluster = postgres::Postgres::start(ctx)?;
    let bucket = s3::S3Server::start(ctx)?;
    let started = std::time::Instant::now();
    let mut reader = LibtestReader::default();
    let (cargo_args, test_args) = match args.iter().position(|a| a == "--") {
        Some(at) => (&args[..at], &args[at + 1..]),
        None => (args, &[][..]),
    };
    let mut test = ctx
        .cmd("cargo")
        .env("HELPCENTER_TEST_AIOSMTPD", &aiosmtpd)
        .env("HELPCENTER_TEST_STANDARDWEBHOOKS", &standardwebhooks)
        .env("HELPCENTER_TEST_POSTGRES", cluster.admin_url())
        .env("HELPCENTER_TEST_NGINX", &nginx);
    for (key, value) in bucket.test_env() {
        test = test.env(key, &value);
    }
    test = test.args(["test", "-p", "helpcenter-server"]);
    test = if cargo_args.iter().any(|a| a == "--test") {
        test.args(cargo_args)
    } else {
        test.args(["--test", "*"]).args(cargo_args)
    };
    test = test.args(["--", "--test-threads", "2"]);
    for name in SQLITE_ONLY {
        test = test.args(["--skip", name]);
    }
    let ran = test
        .args(test_args)
        .run_reading(|line| reader.line(line, tally));
    println!(
        "postgres: the server's tests on PostgreSQL + S3 took {:.0} s",
        started.elapsed().as_secs_f64()
    );
    if ran.is_err() {
        let log = bucket.log();
        if !log.trim().is_empty() {
            println!("s3: what s3s-fs logged:\n{log}");
        }
    }
    drop(bucket);
    drop(cluster);
    ran
}

/// The widget's tests in real headless Chromium, against a real helpcenter-server started for
/// them; `args` go to `cargo test` (e.g. `--test evidence_checks`).
pub fn browser_tests(ctx: &Ctx, args: &[String], tally: &mut Tally) -> Result<()> {
    let server = browser_server::start(ctx)?;
    // ChromeDriver makes each session's profile under TMPDIR.
    let profiles = Scratch::new("chromium-profiles")?;
    let mut test = ctx
        .cmd("cargo")
        .args([
            "test",
            "-p",
            "helpcenter-widget",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .env("CHROMEDRIVER", tools::CHROMEDRIVER)
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            "wasm-bindgen-test-runner",
        )
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120")
        .env("TMPDIR", profiles.path());
    for (key, value) in server.test_env() {
        test = test.env(key, value);
    }
    let mut reader = LibtestReader::default();
    let ran = test.args(args).run_reading(|line| reader.line(line, tally));
    // A crash the tests did not notice is still a failure.
    server.ensure_running().and(ran)
}

pub fn run(ctx: &Ctx) -> Result<()> {
    let total = STEPS.len();
    if let Err(err) = tools::ensure_build(ctx).and_then(|()| tools::ensure_browser(ctx)) {
        println!("\nxtask test: 0 passed, 0 failed (the tools could not be set up)");
        return Err(err.context("xtask test: setting up the tools failed"));
    }
    let mut done = Vec::new();
    let mut failure = None;
    for (index, step) in STEPS.iter().enumerate() {
        let number = index + 1;
        println!("\n==> xtask test [{number}/{total}]: {}", step.name);
        let mut tally = Tally::default();
        let started = std::time::Instant::now();
        let result = (step.run)(ctx, &mut tally).and_then(|()| match step.floors {
            Some(floors) => tally.check_floors(floors),
            None => Ok(()),
        });
        done.push((step, tally, started.elapsed()));
        if let Err(err) = result {
            failure = Some(err.context(format!(
                "xtask test: step {number}/{total} `{}` failed",
                step.name
            )));
            break;
        }
    }
    summary(&done, total);
    failure.map_or(Ok(()), Err)
}

/// The steps with what each ran and how long it took (CI's budget is 45 minutes: the slow
/// steps are the ones to look at), then one plain line counting tests.
fn summary(done: &[(&Step, Tally, std::time::Duration)], total: usize) {
    println!("\nxtask test: steps");
    let mut tests = crate::tally::Count::default();
    for (index, (step, tally, took)) in done.iter().enumerate() {
        let count = tally.total();
        tests.passed += count.passed;
        tests.failed += count.failed;
        let shown = match step.floors {
            Some(_) => format!("{count} in {} suites", tally.suites().count()),
            None => "checked".to_owned(),
        };
        println!(
            "  [{}/{total}] {:<38} {:>5} s  {shown}",
            index + 1,
            step.name,
            took.as_secs()
        );
    }
    for (index, step) in STEPS.iter().enumerate().skip(done.len()) {
        println!("  [{}/{total}] {:<32} not run", index + 1, step.name);
    }
    println!(
        "xtask test: {} passed, {} failed",
        tests.passed, tests.failed
    );
}
