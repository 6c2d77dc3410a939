//! `cargo xtask test`: every check CI runs, in order, stopping at the first failure.

use anyhow::{Context, Result};

use crate::cmd::{Ctx, Scratch};
use crate::{browser_server, budgets, dev, e2e, split_check, tools};

type Step = (&'static str, fn(&Ctx) -> Result<()>);

/// Cheap checks first, so a formatting slip fails in seconds rather than after the wasm builds.
const STEPS: [Step; 9] = [
    ("rustfmt", |ctx| {
        ctx.cmd("cargo").args(["fmt", "--all", "--check"]).run()
    }),
    ("clippy (native)", |ctx| {
        ctx.cmd("cargo")
            .args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ])
            .run()
    }),
    // The widget with its browser tests, and the rulebook as the widget links it (without
    // its native-only property tests).
    ("clippy (wasm32)", |ctx| {
        let wasm = ["--target", "wasm32-unknown-unknown"];
        let deny = ["--", "-D", "warnings"];
        ctx.cmd("cargo")
            .args(["clippy", "-p", "helpcenter-widget", "--all-targets"])
            .args(wasm)
            .args(deny)
            .run()?;
        // … and as the release build compiles it, with the split points.
        ctx.cmd("cargo")
            .args([
                "clippy",
                "-p",
                "helpcenter-widget",
                "--bin",
                "helpcenter-widget",
            ])
            .args(["--features", "lazy"])
            .args(wasm)
            .args(deny)
            .run()?;
        ctx.cmd("cargo")
            .args([
                "clippy",
                "-p",
                "helpcenter-core",
                "--lib",
                "--no-default-features",
            ])
            .args(wasm)
            .args(deny)
            .run()
    }),
    ("native tests", |ctx| {
        ctx.cmd("cargo").args(["test", "--workspace"]).run()
    }),
    // The release wasm build (opt-level z, LTO, wasm-opt), split into a first load and the
    // filing chunk, then that build in Chromium: the browser tests below run unsplit code.
    ("widget build (trunk + split)", dev::build_widget),
    ("size budgets (DESIGN.md)", budgets::check),
    ("split widget in chromium", split_check::run),
    ("end-to-end on storefront pages", |ctx| e2e::run(ctx, &[])),
    ("wasm browser tests", |ctx| browser_tests(ctx, &[])),
];

/// The widget's tests in real headless Chromium, against a real helpcenter-server started for
/// them; `args` go to `cargo test` (e.g. `--test evidence_checks`).
pub fn browser_tests(ctx: &Ctx, args: &[String]) -> Result<()> {
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
    test.args(args).run()
}

pub fn run(ctx: &Ctx) -> Result<()> {
    let total = STEPS.len();
    if let Err(err) = tools::ensure_build(ctx).and_then(|()| tools::ensure_browser(ctx)) {
        println!("\nxtask test: 0 passed, 0 failed, {total} not run");
        return Err(err.context("xtask test: setting up the tools failed"));
    }
    for (index, (name, step)) in STEPS.iter().enumerate() {
        let number = index + 1;
        println!("\n==> xtask test [{number}/{total}]: {name}");
        if let Err(err) = step(ctx) {
            println!(
                "\nxtask test: {index} passed, 1 failed, {} not run",
                total - number
            );
            return Err(err).context(format!("xtask test: step {number}/{total} `{name}` failed"));
        }
    }
    println!("\nxtask test: {total} passed, 0 failed");
    Ok(())
}
