//! The end-to-end tests (`tests/e2e/`): Playwright drives Debian's Chromium through the real
//! embed on real storefront pages, against a real helpcenter-server serving the release build
//! in `dist/`. This sets the stage and runs them:
//! - the server, with its admin key known to the tests ([`browser_server`]);
//! - the storefront on the origin the test site allows, serving the demo store
//!   (`public/demo/`) and the tests' own pages (`tests/e2e/pages/`), and answering the
//!   `orders` site's order lookups as the demo store's order system;
//! - the same pages on an origin the site does not allow;
//! - the evidence a shopper picks, made as real files ([`helpcenter_media::samples`]).
//!
//! Failures leave a screenshot, a trace and the page's console log under `target/e2e/`.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use helpcenter_core::CivilDate;
use helpcenter_media::samples::{Jpeg, jpeg, jpeg_with_location, png};

use crate::browser_server::{self, ADMIN_KEY, AGENTS};
use crate::cmd::{Ctx, Scratch};
use crate::tally::{self, Tally};
use crate::{storefront, tools};

/// An origin the test site does not list: its pages must not be able to frame the widget.
const STRANGER: &str = "127.0.0.1:8766";

/// `args` go to `playwright test` (e.g. a file name or `--grep keyboard`); what ran is counted
/// per spec file from Playwright's JSON report.
pub fn run(ctx: &Ctx, args: &[String], tally: &mut Tally) -> Result<()> {
    let suite = ctx.root.join("tests").join("e2e");
    let dist = builds(ctx)?;
    let server = browser_server::start_serving(ctx, &dist)?;
    let pages = store_pages(ctx);
    // The test page's origin is also the demo store's order system (the `orders` site's).
    let _store = storefront::serve_with_orders(
        pages.clone(),
        server.page().parse()?,
        server.origin(),
        Some(browser_server::ORDERS_SECRET.to_owned()),
    )?;
    let _stranger = storefront::serve(pages, STRANGER.parse()?, server.origin())?;
    let stage = [
        ("HELPCENTER_E2E_WIDGET", server.origin()),
        ("HELPCENTER_E2E_STORE", format!("http://{}", server.page())),
        ("HELPCENTER_E2E_STRANGER", format!("http://{STRANGER}")),
        ("HELPCENTER_E2E_ADMIN_KEY", ADMIN_KEY.to_owned()),
        (
            "HELPCENTER_E2E_ORDERS_ADMIN_KEY",
            browser_server::site_admin_key("orders"),
        ),
        (
            "HELPCENTER_E2E_ORDERS_DOWN_ADMIN_KEY",
            browser_server::site_admin_key("orders-down"),
        ),
        (
            "HELPCENTER_E2E_MAILDIR",
            server.maildir().display().to_string(),
        ),
        ("HELPCENTER_E2E_AGENT_EMAIL", AGENTS[0].0.to_owned()),
        ("HELPCENTER_E2E_AGENT_PASSWORD", AGENTS[0].3.to_owned()),
        ("HELPCENTER_E2E_COLLEAGUE_EMAIL", AGENTS[1].0.to_owned()),
        ("HELPCENTER_E2E_COLLEAGUE_PASSWORD", AGENTS[1].3.to_owned()),
    ];
    let ran = playwright(
        ctx,
        &suite.join("playwright.config.js"),
        "e2e",
        args,
        &stage,
        tally,
    );
    server.ensure_running()?;
    ran
}

/// The widget's release build in `dist/` (returned) and the console's, which the end-to-end
/// tests serve as they are: built by `cargo xtask build-widget` and `build-console`.
pub fn builds(ctx: &Ctx) -> Result<PathBuf> {
    let dist = ctx.root.join("dist");
    if !crate::console::dist(ctx).join("index.html").is_file() {
        anyhow::bail!(
            "{} has no console build: run `cargo xtask build-console`",
            crate::console::dist(ctx).display()
        );
    }
    if !dist.join("embed.js").is_file() {
        anyhow::bail!(
            "{} has no embed.js: build the widget first (`cargo xtask build-widget`)",
            dist.display()
        );
    }
    Ok(dist)
}

/// The storefront's pages: the demo store and the tests' own.
pub fn store_pages(ctx: &Ctx) -> Vec<PathBuf> {
    vec![
        ctx.root.join("public").join("demo"),
        ctx.root.join("tests").join("e2e").join("pages"),
    ]
}

/// Runs `playwright test` with `config` and `args`, the stage's addresses in `stage`, the
/// evidence files made afresh, and Chromium's profiles in a directory removed afterwards;
/// counts what ran per spec file into `tally`. Failures leave their screenshots, traces and
/// console logs under `target/NAME/`, the JSON report at `target/NAME-report.json`.
pub fn playwright(
    ctx: &Ctx,
    config: &Path,
    name: &str,
    args: &[String],
    stage: &[(&str, String)],
    tally: &mut Tally,
) -> Result<()> {
    let suite = ctx.root.join("tests").join("e2e");
    install_packages(ctx, &suite)?;
    let files = Scratch::new(&format!("{name}-files"))?;
    write_evidence(files.path())?;
    // Playwright makes each browser's profile under TMPDIR.
    let profiles = Scratch::new(&format!("{name}-profiles"))?;
    let results = ctx.root.join("target").join(name);
    let _ = std::fs::remove_dir_all(&results);
    // Outside `results`, which Playwright empties when it starts.
    let report = ctx.root.join("target").join(format!("{name}-report.json"));
    let _ = std::fs::remove_file(&report);
    let mut command = ctx
        .cmd(suite.join("node_modules").join(".bin").join("playwright"))
        .arg("test")
        .arg("--config")
        .arg(config)
        .args(args);
    for (key, value) in stage {
        command = command.env(key, value);
    }
    let ran = command
        .env("HELPCENTER_E2E_FILES", files.path())
        .env("HELPCENTER_E2E_RESULTS", &results)
        .env("HELPCENTER_E2E_CHROMIUM", tools::CHROMIUM)
        .env(
            "HELPCENTER_E2E_CHROMIUM_FLAGS",
            tools::CHROMIUM_FLAGS.join(" "),
        )
        .env("HELPCENTER_E2E_REPORT", &report)
        .env("TMPDIR", profiles.path())
        .run();
    let counted = std::fs::read(&report)
        .with_context(|| format!("Playwright wrote no report at {}", report.display()))
        .and_then(|json| Ok(serde_json::from_slice(&json)?))
        .and_then(|json| tally::playwright(&json, tally));
    ran.with_context(|| {
        format!(
            "the end-to-end tests failed: screenshots, traces and console logs are in {}",
            results.display()
        )
    })?;
    counted
}

/// `npm ci` from the committed lock, when what is installed is not that lock.
pub fn install_packages(ctx: &Ctx, suite: &Path) -> Result<()> {
    let lock =
        std::fs::read(suite.join("package-lock.json")).context("tests/e2e/package-lock.json")?;
    let installed = suite.join("node_modules").join(".helpcenter-lock.json");
    if std::fs::read(&installed).is_ok_and(|have| have == lock) {
        println!("tools: end-to-end packages: ok");
        return Ok(());
    }
    println!("tools: end-to-end packages: installing from tests/e2e/package-lock.json");
    ctx.cmd("npm")
        .args(["ci", "--no-audit", "--no-fund", "--prefix"])
        .arg(suite)
        .run()?;
    std::fs::write(&installed, lock)?;
    Ok(())
}

/// The files the tests pick, named as a phone names them. The photos were taken today, after
/// the demo order's delivery (two days ago), so the transit-damage rule accepts them.
fn write_evidence(dir: &Path) -> Result<()> {
    let taken = format!("{} 12:00:00", today()?.to_string().replace('-', ":"));
    let photo = |seed: u8, padding: usize| {
        jpeg(&Jpeg {
            width: 1600,
            height: 1200,
            taken: Some(&taken),
            padding,
            seed,
        })
    };
    let files: [(&str, Vec<u8>); 7] = [
        ("IMG_2041.JPG", photo(1, 0)),
        ("IMG_2042.JPG", photo(2, 0)),
        // Six 1 MiB chunks: slow enough on a throttled line to reload in the middle.
        ("IMG_2043.JPG", photo(3, 6 * 1024 * 1024)),
        // Too small to show anything: the browser refuses it before uploading.
        ("thumbnail.png", png(120, 90, 4)),
        // Taken before the parcel arrived: it cannot show damage in transit.
        (
            "IMG_1999.JPG",
            jpeg(&Jpeg {
                width: 1600,
                height: 1200,
                taken: Some("2020:01:05 09:30:00"),
                padding: 0,
                seed: 5,
            }),
        ),
        // A phone's photo with where it was taken and the camera's serial number in its EXIF:
        // the widget takes both out before uploading it (privacy.spec.js).
        (
            "IMG_2050.JPG",
            jpeg_with_location(
                &Jpeg {
                    width: 1600,
                    height: 1200,
                    taken: Some(&taken),
                    padding: 0,
                    seed: 6,
                },
                (48.858_37, 2.294_48),
                "SN-4417-2291",
            ),
        ),
        // A document renamed to look like a photo.
        ("receipt.jpg", b"%PDF-1.4\n% not a photo\n".to_vec()),
    ];
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes)?;
    }
    Ok(())
}

fn today() -> Result<CivilDate> {
    let days = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() / 86_400;
    CivilDate::from_ymd(1970, 1, 1)
        .and_then(|epoch| epoch.add_days(i32::try_from(days).ok()?))
        .context("today's date is out of range")
}
