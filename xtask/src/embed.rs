//! embed.js for the store's page: `public/embed.js` (written by hand, readable) minified by
//! terser into `dist/embed.js`, which the server serves. The store's shoppers download it on
//! every page, so its size has a budget ([`crate::budgets`]), which `cargo xtask test` checks.

use anyhow::{Context, Result};

use crate::cmd::{Ctx, node_bin};

pub fn build(ctx: &Ctx) -> Result<()> {
    let source = ctx.root.join("public").join("embed.js");
    let out = ctx.root.join("dist").join("embed.js");
    let terser = node_bin(&ctx.terser_dir()).join("terser");
    ctx.cmd(&terser)
        .arg(&source)
        .args([
            "--compress",
            "passes=3",
            "--mangle",
            "--comments",
            "false",
            "--output",
        ])
        .arg(&out)
        .run()
        .context("minifying public/embed.js")
}
