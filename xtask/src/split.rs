//! The widget's release build, split in two: the journey to the outcome loads first, the
//! filing screens (`src/filing.rs`) come in a chunk the browser fetches on first use.
//!
//! Trunk still does what it does well: the Cargo build (with the `lazy` feature, whose
//! build.rs keeps the relocations wasm-split needs), the CSS, the hashed names and
//! `index.html`. Its wasm-bindgen output of the unsplit module does not run (the split
//! points import `__wasm_split_placeholder__`), so this module then splits the raw wasm Cargo
//! linked, runs wasm-bindgen and wasm-opt on the pieces itself, puts them in `dist/` under
//! Trunk's names and fixes the `integrity` hashes Trunk wrote for the files it replaced.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine;
use sha2::Digest;

use crate::cmd::Ctx;

const DIST: &str = "dist";
const CRATE: &str = "helpcenter-widget";

/// The files of a split build in `dist/`, for the size report.
pub struct SplitBuild {
    /// What every first visit fetches: the JS glue, its wasm, the link module, the CSS.
    pub first_load: Vec<PathBuf>,
    /// Fetched when the shopper first continues past the outcome.
    pub chunks: Vec<PathBuf>,
}

/// Trunk's release build with the `lazy` feature, then the split; prints the sizes.
pub fn build_widget(ctx: &Ctx) -> Result<()> {
    ctx.cmd("cargo").arg("fetch").run()?;
    ctx.cmd("trunk")
        .args(["build", "--release", "--features", "lazy"])
        .env("TRUNK_SKIP_VERSION_CHECK", "true")
        .run()?;
    let build = split_dist(ctx)?;
    print_sizes(&build)
}

fn target_dir(ctx: &Ctx) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| ctx.root.join("target"), PathBuf::from)
}

/// Replaces Trunk's unsplit wasm and JS in `dist/` with the split build.
pub fn split_dist(ctx: &Ctx) -> Result<SplitBuild> {
    let dist = ctx.root.join(DIST);
    // Trunk names the glue `helpcenter-widget-<hash>.js` and the wasm `…<hash>_bg.wasm`.
    let stem = only_file(&dist, |name| {
        name.strip_prefix(&format!("{CRATE}-"))
            .and_then(|rest| rest.strip_suffix(".js"))
            .is_some_and(|hash| !hash.is_empty() && hash.chars().all(|c| c.is_ascii_hexdigit()))
    })?
    .trim_end_matches(".js")
    .to_owned();
    let hash = stem.trim_start_matches(&format!("{CRATE}-")).to_owned();
    let css = only_file(&dist, |name| name.ends_with(".css"))?;

    let raw_path = target_dir(ctx)
        .join("wasm32-unknown-unknown")
        .join("release")
        .join(format!("{CRATE}.wasm"));
    let raw = fs::read(&raw_path).with_context(|| format!("reading {}", raw_path.display()))?;
    let work = target_dir(ctx).join("wasm-split");
    if work.exists() {
        fs::remove_dir_all(&work).with_context(|| format!("clearing {}", work.display()))?;
    }
    fs::create_dir_all(&work)?;

    // The link module carries the build's hash too, so a cached one never pairs with another
    // build's glue.
    let link = format!("__wasm_split-{hash}.js");
    let main_wasm = work.join("main.wasm");
    let main_module = format!("./{stem}.js");
    let link_name = format!("./{link}");
    println!("$ wasm-split {} -> {}", raw_path.display(), work.display());
    let split = {
        let mut options = wasm_split_cli_support::Options::new(&raw);
        options.output_dir = &work;
        options.main_out_path = &main_wasm;
        options.main_module = &main_module;
        options.link_name = &link_name;
        wasm_split_cli_support::transform(options).map_err(|e| anyhow!("wasm-split: {e:?}"))?
    };
    if split.split_modules.is_empty() {
        bail!(
            "wasm-split found no split point in {}: was it built with `--features lazy`?",
            raw_path.display()
        );
    }

    let bindgen = work.join("bindgen");
    ctx.cmd("wasm-bindgen")
        .arg(&main_wasm)
        .arg("--out-dir")
        .arg(&bindgen)
        .args(["--out-name", &stem, "--target", "web", "--no-typescript"])
        // wasm-split's chunks import the main module's functions through these exports.
        .arg("--keep-lld-exports")
        .run()?;
    let bg = format!("{stem}_bg.wasm");
    wasm_opt(ctx, &bindgen.join(&bg), &dist.join(&bg))?;
    fs::copy(
        bindgen.join(format!("{stem}.js")),
        dist.join(format!("{stem}.js")),
    )?;

    // Chunks get the build's hash in their names as well; the link module names them.
    let mut link_js = fs::read_to_string(work.join(&link))
        .with_context(|| format!("wasm-split wrote no {link}"))?;
    let mut chunks = Vec::new();
    for module in &split.split_modules {
        let name = module
            .file_name()
            .and_then(|n| n.to_str())
            .context("wasm-split wrote a chunk without a UTF-8 name")?;
        let hashed = format!("{}-{hash}.wasm", name.trim_end_matches(".wasm"));
        let quoted = format!("\"./{name}\"");
        if !link_js.contains(&quoted) {
            bail!("{link} does not load {name} the way this build expects");
        }
        link_js = link_js.replace(&quoted, &format!("\"./{hashed}\""));
        wasm_opt(ctx, module, &dist.join(&hashed))?;
        chunks.push(dist.join(hashed));
    }
    fs::write(dist.join(&link), link_js)?;

    fix_integrity(
        &dist.join("index.html"),
        &dist,
        &[&format!("{stem}.js"), &bg],
    )?;
    Ok(SplitBuild {
        first_load: [format!("{stem}.js"), bg, link, css]
            .into_iter()
            .map(|name| dist.join(name))
            .collect(),
        chunks,
    })
}

fn wasm_opt(ctx: &Ctx, input: &Path, output: &Path) -> Result<()> {
    ctx.cmd("wasm-opt")
        .arg("-Oz")
        // wasm-split leaves the names section in the chunks; shoppers need none of it.
        .args(["--strip-debug", "--strip-producers"])
        .arg(input)
        .arg("-o")
        .arg(output)
        .run()
}

/// The one file in `dir` whose name passes `wanted`.
fn only_file(dir: &Path, wanted: impl Fn(&str) -> bool) -> Result<String> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let name = entry?.file_name();
        if let Some(name) = name.to_str().filter(|n| wanted(n)) {
            found.push(name.to_owned());
        }
    }
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => bail!("Trunk's output in {} lacks an expected file", dir.display()),
        many => bail!("{} holds several candidates: {many:?}", dir.display()),
    }
}

/// Rewrites the `integrity="sha384-…"` of each tag in `index.html` that names one of
/// `files`, to the hash of the file now in `dist`.
fn fix_integrity(index: &Path, dist: &Path, files: &[&str]) -> Result<()> {
    let mut html =
        fs::read_to_string(index).with_context(|| format!("reading {}", index.display()))?;
    for file in files {
        let bytes = fs::read(dist.join(file))?;
        let sri = format!(
            "sha384-{}",
            base64::engine::general_purpose::STANDARD.encode(sha2::Sha384::digest(&bytes))
        );
        let mut fixed = 0;
        let mut out = String::with_capacity(html.len());
        let mut rest = html.as_str();
        while let Some(start) = rest.find('<') {
            let end = rest[start..]
                .find('>')
                .map(|e| start + e + 1)
                .context("index.html has an unclosed tag")?;
            out.push_str(&rest[..start]);
            let tag = &rest[start..end];
            if tag.contains(&format!("/{file}\"")) && tag.contains("integrity=\"") {
                out.push_str(&replace_integrity(tag, &sri)?);
                fixed += 1;
            } else {
                out.push_str(tag);
            }
            rest = &rest[end..];
        }
        out.push_str(rest);
        if fixed == 0 {
            bail!("index.html has no integrity attribute for {file}");
        }
        html = out;
    }
    fs::write(index, html)?;
    Ok(())
}

fn replace_integrity(tag: &str, sri: &str) -> Result<String> {
    let key = "integrity=\"";
    let start = tag.find(key).context("no integrity attribute")? + key.len();
    let end = tag[start..]
        .find('"')
        .map(|e| start + e)
        .context("unterminated integrity attribute")?;
    Ok(format!("{}{sri}{}", &tag[..start], &tag[end..]))
}

/// Bytes after `gzip -9`, what a shopper's phone downloads.
pub fn gzip_size(path: &Path) -> Result<u64> {
    let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&bytes)?;
    Ok(encoder.finish()?.len() as u64)
}

fn print_sizes(build: &SplitBuild) -> Result<()> {
    let kb = |bytes: u64| bytes as f64 / 1000.0;
    let mut total = 0;
    println!("\nwidget sizes (gzip -9):");
    for file in &build.first_load {
        let size = gzip_size(file)?;
        total += size;
        println!("  first load  {:>8.1} KB  {}", kb(size), shown(file));
    }
    println!("  first load  {:>8.1} KB  total", kb(total));
    for file in &build.chunks {
        println!(
            "  on demand   {:>8.1} KB  {}",
            kb(gzip_size(file)?),
            shown(file)
        );
    }
    Ok(())
}

fn shown(path: &Path) -> String {
    path.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}
