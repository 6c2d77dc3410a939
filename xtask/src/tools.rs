//! Installs the exact tool versions the build needs (see shared/TOOLCHAIN.md for why these and
//! how). Idempotent: each tool's version is checked first and only a missing or wrong one is
//! installed. Nothing here prompts, so it runs unattended in CI.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::cmd::{Ctx, node_bin};

const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// 0.22 needs a newer rustc than rust-toolchain.toml pins.
const TRUNK_VERSION: &str = "0.21.14";
/// npm's binaryen: Debian's binaryen 108 emits wasm that crashes in Chromium.
const BINARYEN_VERSION: &str = "132.0.0";
/// What `wasm-opt --version` reports for [`BINARYEN_VERSION`].
const WASM_OPT_VERSION: &str = "132";
/// npm's terser minifies embed.js, the one script a store's page loads.
const TERSER_VERSION: &str = "5.51.4";
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const WRK: &str = "/usr/bin/wrk";
/// How Chromium runs headless here, as root, on a machine without the outside network
/// (shared/TOOLCHAIN.md): for ChromeDriver sessions, the end-to-end suite and the bench.
pub const CHROMIUM_FLAGS: [&str; 6] = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// Everything `trunk build` needs: the wasm target, wasm-bindgen, wasm-opt and Trunk itself.
pub fn ensure_build(ctx: &Ctx) -> Result<()> {
    wasm_target(ctx)?;
    wasm_bindgen(ctx)?;
    wasm_opt(ctx)?;
    terser(ctx)?;
    trunk(ctx)
}

/// Chromium and its driver, for the wasm-bindgen browser tests.
pub fn ensure_browser(ctx: &Ctx) -> Result<()> {
    let present = || Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if present() {
        println!("tools: chromium: ok ({CHROMIUM}, {CHROMEDRIVER})");
        return Ok(());
    }
    let packages = ["chromium", "chromium-driver"];
    if ctx.cmd("id").arg("-u").read().as_deref().map(str::trim) != Some("0") {
        bail!(
            "Chromium is missing ({CHROMIUM} and {CHROMEDRIVER} are needed by the browser tests): \
             install it with `sudo apt-get install -y {}`",
            packages.join(" ")
        );
    }
    println!("tools: chromium: missing, installing with apt-get");
    apt_install(ctx, &packages)?;
    if !present() {
        bail!(
            "apt-get installed {} but {CHROMIUM} or {CHROMEDRIVER} is still missing",
            packages.join(" ")
        );
    }
    Ok(())
}

/// wrk, the load generator `cargo xtask bench` drives the servers with, from Debian.
pub fn ensure_wrk(ctx: &Ctx) -> Result<()> {
    if Path::new(WRK).exists() {
        println!("tools: wrk: ok");
        return Ok(());
    }
    if ctx.cmd("id").arg("-u").read().as_deref().map(str::trim) != Some("0") {
        bail!(
            "wrk is missing (the server benchmarks need it): install it with `sudo apt-get install -y wrk`"
        );
    }
    println!("tools: wrk: missing, installing with apt-get");
    apt_install(ctx, &["wrk"])
}

/// nginx and Caddy, the proxies `cargo xtask install-test` puts in front of the server as the
/// README's examples do, and openssl for its certificate, from Debian.
pub fn ensure_proxies(ctx: &Ctx) -> Result<()> {
    let missing: Vec<&str> = ["nginx", "caddy", "openssl"]
        .into_iter()
        .filter(|tool| {
            ctx.cmd("sh")
                .args(["-c", &format!("command -v {tool}")])
                .read()
                .is_none()
        })
        .collect();
    if missing.is_empty() {
        println!("tools: nginx, caddy, openssl: ok");
        return Ok(());
    }
    if ctx.cmd("id").arg("-u").read().as_deref().map(str::trim) != Some("0") {
        bail!(
            "{} missing (the install test puts them in front of the server): install with \
             `sudo apt-get install -y {}`",
            missing.join(", "),
            missing.join(" ")
        );
    }
    println!(
        "tools: {}: missing, installing with apt-get",
        missing.join(", ")
    );
    apt_install(ctx, &missing)
}

/// exiftool, the independent reader `cargo xtask device-files` compares `helpcenter-media`
/// with, from Debian.
pub fn ensure_exiftool(ctx: &Ctx) -> Result<()> {
    if let Some(version) = ctx.cmd("exiftool").arg("-ver").read() {
        println!("tools: exiftool: ok ({})", version.trim());
        return Ok(());
    }
    if ctx.cmd("id").arg("-u").read().as_deref().map(str::trim) != Some("0") {
        bail!(
            "exiftool is missing (the device-file check compares with it): install it with \
             `sudo apt-get install -y libimage-exiftool-perl`"
        );
    }
    println!("tools: exiftool: missing, installing with apt-get");
    apt_install(ctx, &["libimage-exiftool-perl"])?;
    if ctx.cmd("exiftool").arg("-ver").read().is_none() {
        bail!("apt-get installed libimage-exiftool-perl but `exiftool -ver` still fails");
    }
    Ok(())
}

/// aiosmtpd from PyPI: the real SMTP server that catches the mail of `cargo xtask dev` and of
/// the server's mail tests (`crates/server/tools/catch_mail.py`).
const AIOSMTPD_VERSION: &str = "1.4.6";
/// PyJWT from PyPI, in the same venv: the stock JWT library the server's identity tests sign
/// tokens with, as a store's backend would (`crates/server/tests/tickets.rs`).
const PYJWT_VERSION: &str = "2.10.1";

/// standardwebhooks from PyPI: the Standard Webhooks library a store's receiver verifies our
/// webhooks with, run by the server's webhook tests (`crates/server/tools/webhook_receiver.py`).
const STANDARDWEBHOOKS_VERSION: &str = "1.1.0";

/// aiosmtpd at [`AIOSMTPD_VERSION`] and PyJWT at [`PYJWT_VERSION`] in a venv under `target/`
/// (`target/aiosmtpd-venv`),
/// installed by pip unless it is there already; answers the venv's Python, what
/// `$HELPCENTER_TEST_AIOSMTPD` names.
pub fn ensure_aiosmtpd(ctx: &Ctx) -> Result<std::path::PathBuf> {
    ensure_venv_packages(
        ctx,
        "aiosmtpd-venv",
        &[("aiosmtpd", AIOSMTPD_VERSION), ("PyJWT", PYJWT_VERSION)],
        "import aiosmtpd, jwt; print(aiosmtpd.__version__, jwt.__version__)",
    )
}

/// standardwebhooks at [`STANDARDWEBHOOKS_VERSION`] in its own venv under `target/`
/// (`target/webhooks-venv`), installed by pip unless it is there already; answers the venv's
/// Python, what `$HELPCENTER_TEST_STANDARDWEBHOOKS` names.
pub fn ensure_standardwebhooks(ctx: &Ctx) -> Result<std::path::PathBuf> {
    ensure_venv_packages(
        ctx,
        "webhooks-venv",
        &[("standardwebhooks", STANDARDWEBHOOKS_VERSION)],
        "from importlib.metadata import version; import standardwebhooks; print(version('standardwebhooks'))",
    )
}

/// `packages` (name, version) in the venv `target/{venv_name}`, made and filled by pip unless
/// `probe` (Python printing the installed versions, space-separated, in the same order) says
/// they are there already.
fn ensure_venv_packages(
    ctx: &Ctx,
    venv_name: &str,
    packages: &[(&str, &str)],
    probe: &str,
) -> Result<std::path::PathBuf> {
    let venv = ctx.root.join("target").join(venv_name);
    let python = venv.join("bin/python");
    let names: Vec<&str> = packages.iter().map(|(name, _)| *name).collect();
    let names = names.join(", ");
    let want: Vec<&str> = packages.iter().map(|(_, version)| *version).collect();
    let want = want.join(" ");
    let installed = || {
        ctx.cmd(&python)
            .args(["-c", probe])
            .read()
            .map(|v| v.trim().to_owned())
    };
    if installed().as_deref() == Some(want.as_str()) {
        println!("tools: {names}: ok ({want}, {})", python.display());
        return Ok(python);
    }
    println!("tools: {names}: missing, installing {want} from PyPI into a venv");
    let make_venv = || {
        ctx.cmd("python3")
            .args(["-m", "venv", "--clear"])
            .arg(&venv)
            .run()
    };
    if make_venv().is_err() {
        // Debian's python3 makes venvs only with python3-venv.
        if ctx.cmd("id").arg("-u").read().as_deref().map(str::trim) != Some("0") {
            bail!(
                "`python3 -m venv` failed: install python3-venv (`sudo apt-get install -y python3-venv`)"
            );
        }
        apt_install(ctx, &["python3-venv"])?;
        make_venv()?;
    }
    ctx.cmd(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(
            packages
                .iter()
                .map(|(name, version)| format!("{name}=={version}")),
        )
        .run()?;
    match installed() {
        Some(found) if found == want => Ok(python),
        other => bail!(
            "pip installed {names} ({want}) but {} reports {other:?}",
            python.display()
        ),
    }
}

/// rust-toolchain.toml lists the target, but a toolchain installed before that line was added
/// lacks it, so check the sysroot itself.
fn wasm_target(ctx: &Ctx) -> Result<()> {
    let sysroot = ctx
        .cmd("rustc")
        .args(["--print", "sysroot"])
        .read()
        .context("`rustc --print sysroot` failed: is Rust installed?")?;
    let target_lib = Path::new(sysroot.trim())
        .join("lib/rustlib")
        .join(WASM_TARGET)
        .join("lib");
    if target_lib.is_dir() {
        println!("tools: {WASM_TARGET} target: ok");
        return Ok(());
    }
    println!("tools: {WASM_TARGET} target: missing, adding it");
    ctx.cmd("rustup").args(["target", "add", WASM_TARGET]).run()
}

/// wasm-bindgen-cli must match the `wasm-bindgen` crate in Cargo.lock exactly. Installed without
/// `--locked`: its own lockfile pins a webpki-roots version crates.io no longer has.
fn wasm_bindgen(ctx: &Ctx) -> Result<()> {
    let lock = fs::read_to_string(ctx.root.join("Cargo.lock"))
        .context("reading Cargo.lock (run `cargo generate-lockfile` to create it)")?;
    let want = lock_version(&lock, "wasm-bindgen")?;
    check_trunk_toml(ctx, &want)?;
    let reported = |out: &str| out.split_whitespace().nth(1) == Some(want.as_str());
    ensure_version(ctx, "wasm-bindgen", &want, &reported, || {
        ctx.cmd("cargo")
            .args(["install", "wasm-bindgen-cli", "--version", &want])
            .run()
    })
}

/// Trunk.toml pins wasm-bindgen too, and Trunk (offline) fails on a mismatch with a less clear
/// message: catch it here and say which file to fix.
fn check_trunk_toml(ctx: &Ctx, lock_version: &str) -> Result<()> {
    let trunk_toml =
        fs::read_to_string(ctx.root.join("Trunk.toml")).context("reading Trunk.toml")?;
    match toml_string(&trunk_toml, "tools", "wasm_bindgen") {
        Some(pinned) if pinned != lock_version => bail!(
            "Trunk.toml pins wasm_bindgen = \"{pinned}\" but Cargo.lock has wasm-bindgen {lock_version}: \
             update `[tools] wasm_bindgen` in Trunk.toml to \"{lock_version}\""
        ),
        _ => Ok(()),
    }
}

/// wasm-opt comes from npm into the shared tools dir; [`Ctx`] puts it first on PATH, where
/// Trunk looks for it.
fn wasm_opt(ctx: &Ctx) -> Result<()> {
    let prefix = ctx.binaryen_dir();
    let wasm_opt = node_bin(&prefix).join("wasm-opt");
    // "wasm-opt version 132 (version_132)"
    let reported = |out: &str| out.split_whitespace().nth(2) == Some(WASM_OPT_VERSION);
    let have = ctx.cmd(&wasm_opt).arg("--version").read();
    if have.as_deref().is_some_and(reported) {
        println!(
            "tools: wasm-opt: ok (version {WASM_OPT_VERSION}, {})",
            wasm_opt.display()
        );
        return Ok(());
    }
    println!(
        "tools: wasm-opt: {}, installing binaryen@{BINARYEN_VERSION} from npm",
        found(have.as_deref())
    );
    fs::create_dir_all(&prefix).with_context(|| format!("creating {}", prefix.display()))?;
    ctx.cmd("npm")
        .args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(&prefix)
        .arg(format!("binaryen@{BINARYEN_VERSION}"))
        .env("npm_config_update_notifier", "false")
        .run()?;
    let have = ctx.cmd(&wasm_opt).arg("--version").read();
    if !have.as_deref().is_some_and(reported) {
        bail!(
            "installed binaryen@{BINARYEN_VERSION} but `{} --version` says {}",
            wasm_opt.display(),
            found(have.as_deref())
        );
    }
    Ok(())
}

/// terser from npm into the shared tools dir, next to binaryen.
fn terser(ctx: &Ctx) -> Result<()> {
    let prefix = ctx.terser_dir();
    let terser = node_bin(&prefix).join("terser");
    // "terser 5.46.0"
    let reported = |out: &str| out.split_whitespace().nth(1) == Some(TERSER_VERSION);
    let have = ctx.cmd(&terser).arg("--version").read();
    if have.as_deref().is_some_and(reported) {
        println!("tools: terser: ok ({TERSER_VERSION})");
        return Ok(());
    }
    println!(
        "tools: terser: {}, installing terser@{TERSER_VERSION} from npm",
        found(have.as_deref())
    );
    fs::create_dir_all(&prefix).with_context(|| format!("creating {}", prefix.display()))?;
    ctx.cmd("npm")
        .args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(&prefix)
        .arg(format!("terser@{TERSER_VERSION}"))
        .env("npm_config_update_notifier", "false")
        .run()?;
    let have = ctx.cmd(&terser).arg("--version").read();
    if !have.as_deref().is_some_and(reported) {
        bail!(
            "installed terser@{TERSER_VERSION} but `{} --version` says {}",
            terser.display(),
            found(have.as_deref())
        );
    }
    Ok(())
}

/// `--locked`: Trunk's own lockfile is what its release was tested with.
fn trunk(ctx: &Ctx) -> Result<()> {
    let reported = |out: &str| out.split_whitespace().nth(1) == Some(TRUNK_VERSION);
    ensure_version(ctx, "trunk", TRUNK_VERSION, &reported, || {
        println!("tools: building Trunk takes ~13 minutes and ~2 GB of RAM on a fresh machine");
        ctx.cmd("cargo")
            .args(["install", "--locked", "trunk", "--version", TRUNK_VERSION])
            .run()
    })
}

/// Runs `program --version`; installs when it is missing or `reported` rejects the output, then
/// checks again so a stale copy earlier on PATH is reported instead of silently used.
fn ensure_version(
    ctx: &Ctx,
    program: &str,
    want: &str,
    reported: &dyn Fn(&str) -> bool,
    install: impl FnOnce() -> Result<()>,
) -> Result<()> {
    let have = ctx.cmd(program).arg("--version").read();
    if have.as_deref().is_some_and(reported) {
        println!("tools: {program}: ok ({want})");
        return Ok(());
    }
    println!(
        "tools: {program}: {}, installing {want}",
        found(have.as_deref())
    );
    install()?;
    let have = ctx.cmd(program).arg("--version").read();
    if !have.as_deref().is_some_and(reported) {
        bail!(
            "installed {program} {want} into {} but `{program} --version` says {}: \
             is another {program} earlier on PATH?",
            ctx.cargo_bin.display(),
            found(have.as_deref())
        );
    }
    Ok(())
}

/// Describes a `--version` output for messages.
fn found(version_output: Option<&str>) -> String {
    match version_output.map(str::trim) {
        None => "not found".to_owned(),
        Some(out) => format!("found `{out}`"),
    }
}

/// The version of `name` in Cargo.lock; an error if absent or locked at several versions.
fn lock_version(lock: &str, name: &str) -> Result<String> {
    let name_line = format!("name = \"{name}\"");
    let mut versions: Vec<String> = lock
        .split("[[package]]")
        .filter(|package| package.lines().any(|line| line.trim() == name_line))
        .filter_map(|package| {
            package
                .lines()
                .find_map(|line| line.trim().strip_prefix("version = "))
                .map(unquote)
        })
        .collect();
    versions.sort();
    versions.dedup();
    match versions.as_slice() {
        [version] => Ok(version.clone()),
        [] => bail!("Cargo.lock has no `{name}` package"),
        _ => bail!(
            "Cargo.lock has several `{name}` versions ({}): expected one",
            versions.join(", ")
        ),
    }
}

/// A string value `key = "..."` in `[section]` of a simple TOML file (enough for Trunk.toml).
fn toml_string(toml: &str, section: &str, key: &str) -> Option<String> {
    let header = format!("[{section}]");
    let mut in_section = false;
    for line in toml.lines().map(str::trim) {
        if line.starts_with('[') {
            in_section = line.split('#').next().map(str::trim) == Some(header.as_str());
        } else if in_section && !line.starts_with('#') {
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            if k.trim() == key {
                return Some(unquote(v.split('#').next().unwrap_or_default()));
            }
        }
    }
    None
}

fn unquote(value: &str) -> String {
    value.trim().trim_matches('"').to_owned()
}

/// Installs Debian packages, refreshing the package lists first only if the install fails (a
/// fresh machine has none).
pub fn apt_install(ctx: &Ctx, packages: &[&str]) -> Result<()> {
    let apt = |args: &[&str]| {
        ctx.cmd("apt-get")
            .args(args)
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .run()
    };
    if apt(&["install", "-y"]).is_ok() {
        return Ok(());
    }
    println!("tools: apt-get install failed, updating the package lists and retrying");
    ctx.cmd("apt-get")
        .arg("update")
        .env("DEBIAN_FRONTEND", "noninteractive")
        .run()?;
    apt(&["install", "-y"])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_locked_version() -> Result<()> {
        let lock = "[[package]]\nname = \"wasm-bindgen-macro\"\nversion = \"9.9.9\"\n\n\
                    [[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\nsource = \"x\"\n";
        assert_eq!(lock_version(lock, "wasm-bindgen")?, "0.2.130");
        assert!(lock_version(lock, "trunk").is_err());
        Ok(())
    }

    #[test]
    fn reads_a_trunk_toml_value() {
        let toml = "[build]\nwasm_bindgen = \"no\"\n[tools] # pinned\n# wasm_bindgen = \"old\"\n\
                    wasm_bindgen = \"0.2.130\" # comment\nwasm_opt = \"version_132\"\n";
        assert_eq!(
            toml_string(toml, "tools", "wasm_bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(toml_string(toml, "tools", "missing"), None);
    }
}
