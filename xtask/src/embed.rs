//! embed.js for the store's page: `public/embed.js` (written by hand, readable) minified by
//! terser into `dist/embed.js`, which the server serves. The store's shoppers download it on
//! every page, so its size is a budget the build enforces, not a figure it reports.

use anyhow::{Context, Result, bail};

use crate::cmd::{Ctx, node_bin};
use crate::split::gzip_size;

/// DESIGN.md: embed.js ≤ 2 KB gzip.
pub const BUDGET_GZIP_BYTES: u64 = 2048;

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
        .context("minifying public/embed.js")?;
    let size = gzip_size(&out)?;
    println!("embed.js: {size} bytes gzip (budget {BUDGET_GZIP_BYTES})");
    if size > BUDGET_GZIP_BYTES {
        bail!(
            "dist/embed.js is {size} bytes gzip, over the {BUDGET_GZIP_BYTES}-byte budget: \
             every store page pays for it"
        );
    }
    Ok(())
}
