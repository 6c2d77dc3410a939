//! Bytes: embed.js beside its budget, and the widget's first open beside the floor, a
//! hello-world Leptos CSR app (`bench/hello/`) built in the same run with the widget's
//! Trunk.toml, profile and tools.

use anyhow::Result;

use super::report::{Figure, Report, Row};
use crate::budgets::{
    BuildSizes, Compressed, EMBED_GZIP_BYTES, JOURNEY_TARGET_GZIP_BYTES, shipped,
};
use crate::cmd::Ctx;

const SECTION: &str = "bytes";

pub fn measure(ctx: &Ctx, report: &mut Report) -> Result<()> {
    let widget = BuildSizes::of(&ctx.root.join("dist"))?;
    let source = Compressed::of(&ctx.root.join("public").join("embed.js"))?;
    let embed = &widget.embed;
    let kb = |bytes: u64| Figure::once(bytes as f64 / 1000.0);
    let row = |what: &str, ours: u64, baseline_is: &str, baseline: u64| Row {
        section: SECTION,
        what: what.to_owned(),
        unit: "KB",
        ours: kb(ours),
        baseline_is: baseline_is.to_owned(),
        baseline: kb(baseline),
    };
    report.add(row(
        "embed.js, raw",
        embed.raw,
        "its readable source",
        source.raw,
    ));
    report.add(row(
        "embed.js, gzip",
        embed.gzip,
        "DESIGN.md's budget",
        EMBED_GZIP_BYTES,
    ));
    report.add(row(
        "embed.js, brotli",
        embed.brotli,
        "DESIGN.md's budget (gzip)",
        EMBED_GZIP_BYTES,
    ));

    let floor = hello_world(&hello_world_dist(ctx)?)?;
    let first = widget.first_load_total();
    let floor_is = "hello-world Leptos CSR (floor)";
    report.add(row(
        "first open (wasm+js+css), raw",
        first.raw,
        floor_is,
        floor.raw,
    ));
    report.add(row(
        "first open (wasm+js+css), gzip",
        first.gzip,
        floor_is,
        floor.gzip,
    ));
    report.add(row(
        "first open (wasm+js+css), brotli",
        first.brotli,
        floor_is,
        floor.brotli,
    ));
    let chunk = Compressed::total("chunk", &widget.chunks);
    report.add(row(
        "the chunk the start screen prefetches, gzip",
        chunk.gzip,
        "the first open (gzip)",
        first.gzip,
    ));
    report.add(row(
        "whole filing journey (first open + chunks), gzip",
        widget.journey_total().gzip,
        "issue 21's target",
        JOURNEY_TARGET_GZIP_BYTES,
    ));
    Ok(())
}

/// Builds `bench/hello/` as the widget is built (served from `/`, not `/widget/`).
pub fn hello_world_dist(ctx: &Ctx) -> Result<std::path::PathBuf> {
    let dist = ctx.root.join("target").join("bench").join("hello-dist");
    ctx.cmd("trunk")
        .args([
            "build",
            "bench/hello/index.html",
            "--public-url",
            "/",
            "--dist",
        ])
        .arg(&dist)
        .env("TRUNK_SKIP_VERSION_CHECK", "true")
        .run()?;
    Ok(dist)
}

/// What the hello-world page loads.
fn hello_world(dist: &std::path::Path) -> Result<Compressed> {
    let files = shipped(dist)?
        .iter()
        .map(|path| Compressed::of(path))
        .collect::<Result<Vec<_>>>()?;
    anyhow::ensure!(
        !files.is_empty(),
        "the hello-world build in {} is empty",
        dist.display()
    );
    Ok(Compressed::total("hello world", &files))
}
