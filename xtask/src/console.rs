//! The agents' console's release build (`crates/console`): Trunk with its own Trunk.toml
//! (`public_url = "/console/"`, wasm-opt -Oz by Trunk), then the same finishing as the
//! widget's: Trunk's inline boot script moved into a file (the console's CSP allows no inline
//! script) and a `.br` and a `.gz` beside every file the server sends compressed.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::cmd::Ctx;
use crate::split;

const CRATE: &str = "helpcenter-console";
/// crates/console/Trunk.toml's `public_url`.
const PUBLIC_URL: &str = "/console/";

/// Where the build lands; `helpcenter-server serve` looks there by default.
pub fn dist(ctx: &Ctx) -> PathBuf {
    ctx.root.join("crates").join("console").join("dist")
}

pub fn build(ctx: &Ctx) -> Result<()> {
    ctx.cmd("cargo").arg("fetch").run()?;
    let dir = ctx.root.join("crates").join("console");
    // Leptos's `erase_components` draws each component behind one erased view type instead of
    // monomorphising every view tree: 382 → 342 KB gzip of wasm. It is a `--cfg`, so it gets a
    // target directory of its own, not to rebuild the widget's dependencies each time.
    ctx.cmd("trunk")
        .current_dir(&dir)
        .args(["build", "--release"])
        .env("TRUNK_SKIP_VERSION_CHECK", "true")
        .env("RUSTFLAGS", "--cfg erase_components")
        .env(
            "CARGO_TARGET_DIR",
            ctx.root.join("target").join("console-erased"),
        )
        .run()?;
    let dist = dist(ctx);
    let index = dist.join("index.html");
    let html = std::fs::read_to_string(&index)
        .with_context(|| format!("Trunk wrote no {}", index.display()))?;
    let stem = glue_stem(&html)
        .with_context(|| format!("{} does not load a {CRATE}-<hash>.js", index.display()))?;
    split::move_boot_scripts(&index, &dist, &stem, PUBLIC_URL)?;
    split::precompress(&dist)
}

/// `helpcenter-console-<hash>` of the glue script `index.html` loads.
fn glue_stem(html: &str) -> Option<String> {
    let start = html.find(&format!("{PUBLIC_URL}{CRATE}-"))? + PUBLIC_URL.len();
    let end = start + html[start..].find(".js")?;
    let stem = &html[start..end];
    let hash = stem.strip_prefix(&format!("{CRATE}-"))?;
    (!hash.is_empty() && hash.chars().all(|c| c.is_ascii_hexdigit())).then(|| stem.to_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_glue_is_found_by_its_hashed_name() {
        let html = "<script type=\"module\">import init from '/console/helpcenter-console-0123456789abcdef.js';</script>";
        assert_eq!(
            super::glue_stem(html).as_deref(),
            Some("helpcenter-console-0123456789abcdef")
        );
        assert_eq!(super::glue_stem("<p>no script</p>"), None);
        assert_eq!(
            super::glue_stem("'/console/helpcenter-console-xyz.js'"),
            None
        );
    }
}
