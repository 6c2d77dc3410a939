//! The split release builds of the widget and the agents' console: what the first screen
//! needs loads first, the rest comes in chunks the browser fetches after it shows (the widget's
//! filing screens, `src/chunk.rs`; the console's ticket, settings and insights screens,
//! `crates/console/src/chunk.rs`). One pipeline for both, described by an [`App`].
//!
//! Trunk still does what it does well: the Cargo build (with the `lazy` feature, whose
//! build.rs keeps the relocations wasm-split needs), the CSS, the hashed names and
//! `index.html`. Its wasm-bindgen output of the unsplit module does not run (the split
//! points import `__wasm_split_placeholder__`), so this module then splits the raw wasm Cargo
//! linked, runs wasm-bindgen and wasm-opt on the pieces itself, puts them in `dist/` under
//! Trunk's names and fixes the `integrity` hashes Trunk wrote for the files it replaced.
//! Last, it moves Trunk's inline boot script into a file (neither app's CSP allows inline
//! script) and writes a `.br` and a `.gz` beside every file the server sends compressed.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine;
use sha2::Digest;

use crate::cmd::Ctx;
use crate::short_imports;

/// What helpcenter-server serves precompressed when the browser accepts it.
const PRECOMPRESSED: [&str; 4] = ["js", "wasm", "css", "html"];

/// One app built by Trunk and split by wasm-split.
pub struct App {
    /// The binary's package, as Trunk names its glue (`<crate>-<hash>.js`).
    pub crate_name: &'static str,
    /// The directory of its Trunk.toml, from the workspace's root ("" for the root).
    pub dir: &'static str,
    /// Trunk.toml's `public_url`: the path index.html names the build's files by.
    pub public_url: &'static str,
    /// A target directory of its own under `target/`, for a build with other `RUSTFLAGS`
    /// (so the other app's dependencies are not rebuilt each time); `None`: the usual one.
    pub target_subdir: Option<&'static str>,
    /// `RUSTFLAGS` for its build, if any.
    pub rustflags: Option<&'static str>,
    /// Whether the imports from the glue get short names ([`short_imports`]).
    pub short_imports: bool,
}

/// Both apps' release builds: Leptos's `erase_components` draws each component behind one
/// erased view type instead of monomorphising every view tree. One target directory for both,
/// so their dependencies are built once with that flag.
const ERASED: &str = "erased";

/// The widget: `dist/`, served under `/widget/`. Erased components (issue 21): the chunk
/// 240.6 → 211.1 KB gzip, the journey 359.7 → 332.2 KB, for 2.1 KB more of first open (119.0 →
/// 121.1 KB: the first open's few components each behind an erased view).
pub const WIDGET: App = App {
    crate_name: "helpcenter-widget",
    dir: "",
    public_url: "/widget/",
    target_subdir: Some(ERASED),
    rustflags: Some("--cfg erase_components"),
    short_imports: true,
};

/// The agents' console: `crates/console/dist/`, served under `/console/`. Erased components:
/// 382 → 342 KB gzip of wasm before the split.
pub const CONSOLE: App = App {
    crate_name: "helpcenter-console",
    dir: "crates/console",
    public_url: "/console/",
    target_subdir: Some(ERASED),
    rustflags: Some("--cfg erase_components"),
    // Not yet: the console's end-to-end tests have not run on it.
    short_imports: false,
};

impl App {
    fn root(&self, ctx: &Ctx) -> PathBuf {
        if self.dir.is_empty() {
            ctx.root.clone()
        } else {
            ctx.root.join(self.dir)
        }
    }

    /// Where the build lands (Trunk.toml's `dist`).
    pub fn dist(&self, ctx: &Ctx) -> PathBuf {
        self.root(ctx).join("dist")
    }

    fn target_dir(&self, ctx: &Ctx) -> PathBuf {
        match self.target_subdir {
            Some(sub) => ctx.root.join("target").join(sub),
            None => std::env::var_os("CARGO_TARGET_DIR")
                .map_or_else(|| ctx.root.join("target"), PathBuf::from),
        }
    }
}

/// Trunk's release build of `app` with the `lazy` feature, then the split.
pub fn build(ctx: &Ctx, app: &App) -> Result<()> {
    ctx.cmd("cargo").arg("fetch").run()?;
    let mut trunk = ctx
        .cmd("trunk")
        .args(["build", "--release", "--features", "lazy"])
        .env("TRUNK_SKIP_VERSION_CHECK", "true");
    if !app.dir.is_empty() {
        trunk = trunk.current_dir(&app.root(ctx));
    }
    if let Some(flags) = app.rustflags {
        trunk = trunk.env("RUSTFLAGS", flags);
    }
    if app.target_subdir.is_some() {
        trunk = trunk.env("CARGO_TARGET_DIR", app.target_dir(ctx));
    }
    trunk.run()?;
    split_dist(ctx, app)
}

/// Replaces Trunk's unsplit wasm and JS in the app's `dist/` with the split build.
pub fn split_dist(ctx: &Ctx, app: &App) -> Result<()> {
    let crate_name = app.crate_name;
    let dist = app.dist(ctx);
    // Trunk names the glue `<crate>-<hash>.js` and the wasm `…<hash>_bg.wasm`.
    let stem = only_file(&dist, |name| {
        name.strip_prefix(&format!("{crate_name}-"))
            .and_then(|rest| rest.strip_suffix(".js"))
            .is_some_and(|hash| !hash.is_empty() && hash.chars().all(|c| c.is_ascii_hexdigit()))
    })?
    .trim_end_matches(".js")
    .to_owned();
    let hash = stem
        .trim_start_matches(&format!("{crate_name}-"))
        .to_owned();

    let target = app.target_dir(ctx);
    let raw_path = target
        .join("wasm32-unknown-unknown")
        .join("release")
        .join(format!("{crate_name}.wasm"));
    let raw = fs::read(&raw_path).with_context(|| format!("reading {}", raw_path.display()))?;
    // One per app: both apps build in the same target directory.
    let work = target.join("wasm-split").join(crate_name);
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
    if app.short_imports {
        let renamed = short_imports::shorten(
            &bindgen.join(&bg),
            &bindgen.join(format!("{stem}.js")),
            &stem,
        )?;
        println!("short import names: {renamed} imports from the glue renamed");
    }
    wasm_opt(ctx, &bindgen.join(&bg), &dist.join(&bg))?;
    minify_module(
        ctx,
        &bindgen.join(format!("{stem}.js")),
        &dist.join(format!("{stem}.js")),
    )?;

    // Chunks get the build's hash in their names as well; the link module names them.
    let mut link_js = fs::read_to_string(work.join(&link))
        .with_context(|| format!("wasm-split wrote no {link}"))?;
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
    }
    let link_source = work.join(format!("linked-{link}"));
    fs::write(&link_source, link_js)?;
    minify_module(ctx, &link_source, &dist.join(&link))?;

    // The stylesheet without its comments and indentation: the first open downloads it.
    let css = only_file(&dist, |name| name.ends_with(".css"))?;
    let css_path = dist.join(&css);
    let text =
        fs::read_to_string(&css_path).with_context(|| format!("reading {}", css_path.display()))?;
    fs::write(&css_path, strip_css(&text))?;

    let index = dist.join("index.html");
    fix_integrity(&index, &dist, &[&format!("{stem}.js"), &bg, &css])?;
    move_boot_scripts(&index, &dist, &stem, app.public_url)?;
    precompress(&dist)
}

/// `css` without `/* … */` comments and without the whitespace its rules do not need (around
/// `{`, `}`, `;`, `,`, `>` and after `:`, and a rule's last `;`); strings are kept as written
/// (no string in the widget's or the console's CSS holds `/*`). 0.2 KB of the first open.
fn strip_css(css: &str) -> String {
    let mut bare = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        bare.push_str(&rest[..start]);
        rest = rest[start + 2..]
            .find("*/")
            .map_or("", |end| &rest[start + 2 + end + 2..]);
    }
    bare.push_str(rest);
    const TIGHT_BEFORE: &str = "{};,>";
    const TIGHT_AFTER: &str = "{};,>:";
    let mut out = String::with_capacity(bare.len());
    let mut quote: Option<char> = None;
    let mut space = false;
    for c in bare.chars() {
        if let Some(q) = quote {
            out.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        if c.is_whitespace() {
            space = true;
            continue;
        }
        let after_tight = out.chars().last().is_none_or(|p| TIGHT_AFTER.contains(p));
        if space && !after_tight && !TIGHT_BEFORE.contains(c) {
            out.push(' ');
        }
        space = false;
        if c == '}' && out.ends_with(';') {
            out.pop();
        }
        if c == '"' || c == '\'' {
            quote = Some(c);
        }
        out.push(c);
    }
    out
}

/// wasm-bindgen's glue and the split's link module, minified like embed.js: the first open
/// downloads all of them. As ES modules, so their exports keep their names (the link module
/// imports the glue's).
fn minify_module(ctx: &Ctx, input: &Path, output: &Path) -> Result<()> {
    let terser = crate::cmd::node_bin(&ctx.terser_dir()).join("terser");
    ctx.cmd(&terser)
        .arg(input)
        .args([
            "--module",
            "--compress",
            "passes=2",
            "--mangle",
            "--comments",
            "false",
            "--output",
        ])
        .arg(output)
        .run()
        .with_context(|| format!("minifying {}", input.display()))
}

fn wasm_opt(ctx: &Ctx, input: &Path, output: &Path) -> Result<()> {
    ctx.cmd("wasm-opt")
        .arg("-Oz")
        // wasm-split leaves the names section in the chunks; browsers need none of it.
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
        let sri = sri(&fs::read(dist.join(file))?);
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

/// The `integrity` value of `bytes`.
fn sri(bytes: &[u8]) -> String {
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha384::digest(bytes))
    )
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

/// Moves Trunk's inline module script(s) out of `index.html` into `boot-<hash>.js` files, so
/// the page's CSP needs no `'unsafe-inline'`; then refuses a page that still has inline code.
/// Returns the names of the files written.
pub fn move_boot_scripts(
    index: &Path,
    dist: &Path,
    stem: &str,
    public_url: &str,
) -> Result<Vec<String>> {
    let html = fs::read_to_string(index).with_context(|| format!("reading {}", index.display()))?;
    if !html.contains(&format!("\"{public_url}{stem}.js\"")) {
        bail!(
            "index.html does not load {public_url}{stem}.js: did Trunk.toml's public_url change?"
        );
    }
    let (html, scripts) = externalize_module_scripts(&html, public_url)?;
    if scripts.is_empty() {
        bail!("index.html has no inline module script to start the app with");
    }
    let inline = inline_code(&html)?;
    if !inline.is_empty() {
        bail!("index.html still has inline code the page's CSP would block: {inline:?}");
    }
    for (name, body) in &scripts {
        fs::write(dist.join(name), body)?;
    }
    fs::write(index, html)?;
    Ok(scripts.into_iter().map(|(name, _)| name).collect())
}

/// `html` with each `<script type="module">…</script>` without a `src` replaced by one
/// loading `boot-<hash>.js` with its `integrity`, and the (name, content) of those files.
fn externalize_module_scripts(
    html: &str,
    public_url: &str,
) -> Result<(String, Vec<(String, String)>)> {
    const CLOSE: &str = "</script>";
    let mut out = String::with_capacity(html.len());
    let mut scripts = Vec::new();
    let mut rest = html;
    while let Some(start) = find_tag(rest, "script") {
        let open_end = rest[start..]
            .find('>')
            .map(|e| start + e + 1)
            .context("index.html has an unclosed <script> tag")?;
        let close = rest[open_end..]
            .find(CLOSE)
            .map(|e| open_end + e)
            .context("index.html has a <script> without </script>")?;
        let tag = &rest[start..open_end];
        out.push_str(&rest[..start]);
        if tag.contains("type=\"module\"") && !has_attribute(tag, "src") {
            let body = format!("{}\n", rest[open_end..close].trim());
            let name = format!("boot-{}.js", short_hash(body.as_bytes()));
            out.push_str(&format!(
                "<script type=\"module\" src=\"{public_url}{name}\" integrity=\"{}\"></script>",
                sri(body.as_bytes())
            ));
            scripts.push((name, body));
        } else {
            out.push_str(&rest[start..close + CLOSE.len()]);
        }
        rest = &rest[close + CLOSE.len()..];
    }
    out.push_str(rest);
    Ok((out, scripts))
}

/// What in `html` a CSP without `'unsafe-inline'` would block: script bodies, `<style>`
/// elements, `style` and `on…` attributes and `javascript:` URLs.
fn inline_code(html: &str) -> Result<Vec<String>> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let end = rest[start..]
            .find('>')
            .map(|e| start + e + 1)
            .context("index.html has an unclosed tag")?;
        let tag = &rest[start..end];
        let lower = tag.to_ascii_lowercase();
        let inline_script = find_tag(&lower, "script") == Some(0) && !has_attribute(&lower, "src");
        let inline_attribute = lower.split_ascii_whitespace().skip(1).any(|attribute| {
            attribute.starts_with("style=")
                || (attribute.starts_with("on") && attribute.contains('='))
        });
        if inline_script
            || find_tag(&lower, "style") == Some(0)
            || inline_attribute
            || lower.contains("javascript:")
        {
            found.push(tag.to_owned());
        }
        rest = &rest[end..];
    }
    Ok(found)
}

/// Where the first `<name` tag (not `<name…` of a longer name) starts in `html`.
fn find_tag(html: &str, name: &str) -> Option<usize> {
    let open = format!("<{name}");
    let mut from = 0;
    while let Some(at) = html[from..].find(&open).map(|at| from + at) {
        let next = html[at + open.len()..].chars().next();
        if next.is_some_and(|c| c.is_ascii_whitespace() || c == '>' || c == '/') {
            return Some(at);
        }
        from = at + open.len();
    }
    None
}

fn has_attribute(tag: &str, name: &str) -> bool {
    tag.split_ascii_whitespace()
        .skip(1)
        .any(|attribute| attribute.starts_with(&format!("{name}=")))
}

/// 16 hex digits of SHA-256, like the hashes in Trunk's names.
fn short_hash(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes `NAME.br` (brotli 11) and `NAME.gz` (gzip -9) beside every file of `dist` the
/// server sends compressed, so it never compresses the apps per request.
pub fn precompress(dist: &Path) -> Result<()> {
    let mut dirs = vec![dist.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let wanted = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| PRECOMPRESSED.contains(&e));
            if !wanted {
                continue;
            }
            let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            let mut name = path.clone().into_os_string();
            name.push(".br");
            fs::write(&name, brotli(&bytes)?)?;
            let mut name = path.into_os_string();
            name.push(".gz");
            fs::write(&name, gzip(&bytes)?)?;
        }
    }
    Ok(())
}

pub fn brotli(bytes: &[u8]) -> Result<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        // The largest window without the non-standard "large window" mode browsers lack.
        lgwin: 24,
        ..Default::default()
    };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)?;
    Ok(out)
}

pub fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `dist/index.html` as Trunk 0.21 writes it for this crate.
    const TRUNK_INDEX: &str = r#"<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Help Center</title>
    
<script type="module">
import init, * as bindings from '/widget/helpcenter-widget-9a9b79c31e727133.js';
const wasm = await init({ module_or_path: '/widget/helpcenter-widget-9a9b79c31e727133_bg.wasm' });


window.wasmBindings = bindings;


dispatchEvent(new CustomEvent("TrunkApplicationStarted", {detail: {wasm}}));

</script>
    <link rel="stylesheet" href="/widget/widget-a1a1c9b70be7f77b.css" integrity="sha384-+QlFPQtZ714No0wDiLL9WYaCRTB1fWaLp7gqafYZ94S0j7NPv8S8pktuNHhP7AZ+"/>
  <link rel="modulepreload" href="/widget/helpcenter-widget-9a9b79c31e727133.js" crossorigin="anonymous" integrity="sha384-nljQHFPHWzPVhndAlXrYKquwfUTurhrFJqJP2k+LxeEtMInDa+paHxCCvQ0gVLOg"><link rel="preload" href="/widget/helpcenter-widget-9a9b79c31e727133_bg.wasm" crossorigin="anonymous" integrity="sha384-btcSgOEB1AdZWYSRHNHC2/bpNvN9/yj+npkD9ysI/8PAmnrqJNdo/KCtteATOD5E" as="fetch" type="application/wasm"></head>
  <body></body>
</html>
"#;
    const STEM: &str = "helpcenter-widget-9a9b79c31e727133";
    const PUBLIC_URL: &str = WIDGET.public_url;

    /// A fresh directory under the system's temp dir, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let dir = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).expect("temp dir");
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn trunks_boot_script_moves_to_a_hashed_file_the_page_loads_with_its_integrity() {
        let dir = TempDir::new("boot");
        let index = dir.0.join("index.html");
        fs::write(&index, TRUNK_INDEX).expect("write");
        let written = move_boot_scripts(&index, &dir.0, STEM, PUBLIC_URL).expect("rewrite");

        let [name] = written.as_slice() else {
            panic!("one boot script, not {written:?}");
        };
        let hash = name
            .strip_prefix("boot-")
            .and_then(|n| n.strip_suffix(".js"))
            .expect("boot-<hash>.js");
        assert!(hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()));
        let boot = fs::read(dir.0.join(name)).expect("the boot script");
        let text = String::from_utf8_lossy(&boot);
        assert!(text.starts_with("import init, * as bindings from '/widget/"));
        assert!(text.contains("TrunkApplicationStarted"));
        assert_eq!(hash, short_hash(&boot), "the name changes with the content");

        let html = fs::read_to_string(&index).expect("index.html");
        let tag = format!(
            "<script type=\"module\" src=\"/widget/{name}\" integrity=\"{}\"></script>",
            sri(&boot)
        );
        assert!(html.contains(&tag), "{html}");
        assert!(!html.contains("import init"), "{html}");
        assert_eq!(inline_code(&html).expect("html"), Vec::<String>::new());
        // Everything else stays as Trunk wrote it.
        let after_script = TRUNK_INDEX
            .split("</script>")
            .nth(1)
            .expect("Trunk's links");
        assert!(html.ends_with(after_script), "{html}");
    }

    #[test]
    fn the_stylesheet_goes_out_without_comments_or_the_whitespace_it_does_not_need() {
        let css = "/* The look.\n   Two lines. */\n:root {\n  --a: #fff; /* white */\n}\n\n.b > .c, a:hover { color: red; font: 16px/1.5\n    var(--f), \"Segoe UI\"; margin: calc(1px + 2%); }\n.d::after { content: \"a ; b\"; }\n";
        assert_eq!(
            super::strip_css(css),
            ":root{--a:#fff}.b>.c,a:hover{color:red;font:16px/1.5 var(--f),\"Segoe UI\";margin:calc(1px + 2%)}.d::after{content:\"a ; b\"}"
        );
    }

    #[test]
    fn a_page_not_under_the_public_url_is_refused_rather_than_broken() {
        let dir = TempDir::new("public-url");
        let index = dir.0.join("index.html");
        fs::write(&index, TRUNK_INDEX.replace("/widget/", "/")).expect("write");
        assert!(move_boot_scripts(&index, &dir.0, STEM, PUBLIC_URL).is_err());
        assert!(
            fs::read_to_string(&index)
                .expect("index.html")
                .contains("import init"),
            "left as it was"
        );
    }

    #[test]
    fn only_inline_module_scripts_move_and_other_inline_code_is_caught() {
        let html = "<head><script type=\"module\" src=\"/widget/a.js\"></script>\
            <script type=\"module\">one()</script><script type=\"module\">two()</script></head>";
        let (out, scripts) = externalize_module_scripts(html, PUBLIC_URL).expect("rewrite");
        let bodies: Vec<&str> = scripts.iter().map(|(_, body)| body.as_str()).collect();
        assert_eq!(bodies, ["one()\n", "two()\n"]);
        assert_ne!(scripts[0].0, scripts[1].0);
        assert!(out.starts_with("<head><script type=\"module\" src=\"/widget/a.js\"></script>"));
        assert_eq!(out.matches("<script").count(), 3);
        assert!(inline_code(&out).expect("html").is_empty(), "{out}");

        for inline in [
            "<script>alert(1)</script>",
            "<style>body{}</style>",
            "<div style=\"color:red\"></div>",
            "<body onload=\"go()\"></body>",
            "<a href=\"javascript:go()\">go</a>",
        ] {
            assert_eq!(inline_code(inline).expect("html").len(), 1, "{inline}");
        }
        for fine in [
            "<script src=\"/widget/a.js\"></script>",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />",
            "<link rel=\"stylesheet\" href=\"/widget/w.css\"/>",
            "<scripts></scripts>",
        ] {
            assert!(inline_code(fine).expect("html").is_empty(), "{fine}");
        }
    }

    #[test]
    fn every_served_text_and_wasm_file_gets_a_br_and_a_gz_of_the_same_bytes() {
        use std::io::Read;
        let dir = TempDir::new("precompress");
        let wasm = [b"\0asm\x01\0\0\0".as_slice(), &[7u8; 5000]].concat();
        fs::write(dir.0.join("a-0123456789abcdef_bg.wasm"), &wasm).expect("write");
        fs::write(dir.0.join("index.html"), TRUNK_INDEX).expect("write");
        fs::write(dir.0.join("notes.txt"), "not served").expect("write");
        precompress(&dir.0).expect("precompress");

        for (name, original) in [
            ("a-0123456789abcdef_bg.wasm", wasm.clone()),
            ("index.html", TRUNK_INDEX.as_bytes().to_vec()),
        ] {
            let br = fs::read(dir.0.join(format!("{name}.br"))).expect(".br");
            let mut unbr = Vec::new();
            brotli::Decompressor::new(br.as_slice(), 4096)
                .read_to_end(&mut unbr)
                .expect("brotli");
            assert_eq!(unbr, original, "{name}.br");
            assert!(br.len() < original.len(), "{name}.br is smaller");
            let gz = fs::read(dir.0.join(format!("{name}.gz"))).expect(".gz");
            let mut ungz = Vec::new();
            flate2::read::GzDecoder::new(gz.as_slice())
                .read_to_end(&mut ungz)
                .expect("gzip");
            assert_eq!(ungz, original, "{name}.gz");
        }
        assert!(!dir.0.join("notes.txt.br").exists());
    }
}
