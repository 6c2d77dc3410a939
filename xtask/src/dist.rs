//! `cargo xtask dist`: one archive a store installs from (README, "Running it for a store").
//!
//! ```text
//! helpcenter-server-VERSION-x86_64-linux/
//!   bin/helpcenter-server          built for speed (cargo's `server` profile)
//!   share/widget/                  the split release widget and embed.js (`build-widget`)
//!   share/console/                 the agents' console (`build-console`)
//!   etc/helpcenter-server.toml     the sample config, its paths set for this layout
//!   etc/helpcenter-server.service  the systemd unit; etc/nginx.conf and etc/Caddyfile
//!   THIRD-PARTY-NOTICES.txt        every crate built into the server, widget and console,
//!                                  with its licence and the licence texts it ships
//!   SHA256SUMS                     every file above (`sha256sum -c SHA256SUMS`)
//! ```
//!
//! It makes release builds, so it is not a step of `cargo xtask test`; the logic that makes
//! the layout, the config and the notices is unit-tested below.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

use crate::cmd::Ctx;
use crate::{console, dev, tools};

/// Where the archive's files are installed; the unit, the config and the README agree.
pub const INSTALL_ROOT: &str = "/opt/helpcenter-server/current";
/// The unit's StateDirectory.
pub const DATA_DIR: &str = "/var/lib/helpcenter-server";
const TARGET: &str = "x86_64-unknown-linux-gnu";

/// The sample config's path settings and what each becomes in the archive's config.
fn installed_paths() -> [(&'static str, &'static str, String); 4] {
    [
        ("data_dir", "\"./data\"", format!("\"{DATA_DIR}\"")),
        (
            "widget_dir",
            "\"./dist\"",
            format!("\"{INSTALL_ROOT}/share/widget\""),
        ),
        (
            "console_dir",
            "\"./crates/console/dist\"",
            format!("\"{INSTALL_ROOT}/share/console\""),
        ),
        (
            "public_dir",
            "\"./dist\"",
            format!("\"{INSTALL_ROOT}/share/widget\""),
        ),
    ]
}

pub fn run(ctx: &Ctx) -> Result<()> {
    tools::ensure_build(ctx)?;
    dev::build_widget(ctx)?;
    dev::build_console(ctx)?;
    ctx.cmd("cargo")
        .args(["build", "--locked", "--profile", "server", "-p"])
        .arg("helpcenter-server")
        .run()?;
    let archive = package(
        ctx,
        &ctx.root.join("target/server/helpcenter-server"),
        &ctx.root.join("target").join("dist"),
    )?;
    let bytes = std::fs::read(&archive)?;
    println!(
        "{}: {:.1} MB, SHA-256 {}",
        archive.display(),
        bytes.len() as f64 / 1e6,
        hex(&Sha256::digest(&bytes))
    );
    Ok(())
}

/// The archive in `out`, with `server` as its binary and the widget and console as last
/// built (`dist/`, `crates/console/dist/`); its path. `cargo xtask install-test` packs the
/// debug binary the tests built the same way.
pub fn package(ctx: &Ctx, server: &Path, out: &Path) -> Result<PathBuf> {
    let version = server_version(ctx)?;
    let name = format!("helpcenter-server-{version}-x86_64-linux");
    let out = out.to_owned();
    let stage = out.join(&name);
    if stage.exists() {
        std::fs::remove_dir_all(&stage)
            .with_context(|| format!("cannot clear {}", stage.display()))?;
    }
    let server_dir = ctx.root.join("crates").join("server");
    let deploy = server_dir.join("deploy");
    copy_file(server, &stage.join("bin/helpcenter-server"))?;
    copy_tree(&ctx.root.join("dist"), &stage.join("share/widget"))?;
    copy_tree(&console::dist(ctx), &stage.join("share/console"))?;
    let sample = std::fs::read_to_string(server_dir.join("helpcenter-server.sample.toml"))?;
    write(
        &stage.join("etc/helpcenter-server.toml"),
        installed_config(&sample)?.as_bytes(),
    )?;
    for file in ["helpcenter-server.service", "nginx.conf", "Caddyfile"] {
        copy_file(&deploy.join(file), &stage.join("etc").join(file))?;
    }
    let mut notices = String::new();
    for (platform, roots) in [
        (TARGET, &["helpcenter-server"][..]),
        (
            "wasm32-unknown-unknown",
            &["helpcenter-widget", "helpcenter-console"][..],
        ),
    ] {
        let metadata = ctx
            .cmd("cargo")
            .args(["metadata", "--format-version", "1", "--locked"])
            .args(["--filter-platform", platform])
            .capture()?;
        let metadata: serde_json::Value = serde_json::from_str(&metadata)?;
        let shipped = shipped_packages(&metadata, roots)?;
        notices.push_str(&notices_text(
            &format!("{} ({platform})", roots.join(", ")),
            &shipped,
        )?);
    }
    write(&stage.join("THIRD-PARTY-NOTICES.txt"), notices.as_bytes())?;
    let sums = sha256sums(&stage)?;
    write(&stage.join("SHA256SUMS"), sums.as_bytes())?;
    let archive = out.join(format!("{name}.tar.gz"));
    ctx.cmd("tar")
        .args(["--sort=name", "--owner=0", "--group=0", "--numeric-owner"])
        .args(["-czf"])
        .arg(&archive)
        .arg("-C")
        .arg(&out)
        .arg(&name)
        .run()?;
    Ok(archive)
}

fn server_version(ctx: &Ctx) -> Result<String> {
    let manifest = std::fs::read_to_string(ctx.root.join("crates/server/Cargo.toml"))?;
    manifest
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|rest| rest.strip_suffix('"'))
        .map(str::to_owned)
        .context("crates/server/Cargo.toml has no version")
}

/// The sample config with its paths set for the archive's layout; every path setting must be
/// found exactly once, as the sample writes it, so a sample that changes fails here.
pub fn installed_config(sample: &str) -> Result<String> {
    let mut text = format!(
        "# From helpcenter-server.sample.toml, with the paths of the installed archive \
         ({INSTALL_ROOT}, {DATA_DIR}).\n{sample}"
    );
    for (key, from, to) in installed_paths() {
        let line = format!("\n{key} = {from}\n");
        let found = text.matches(&line).count();
        if found != 1 {
            bail!("the sample config has `{key} = {from}` {found} times, not once");
        }
        text = text.replace(&line, &format!("\n{key} = {to}\n"));
    }
    Ok(text)
}

/// One crate built into what the archive ships.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shipped {
    pub name: String,
    pub version: String,
    /// The SPDX expression of its Cargo.toml (`license`), or its `license-file`'s name.
    pub license: String,
    pub repository: Option<String>,
    /// Its source directory, where its licence texts are.
    pub dir: PathBuf,
}

/// The packages `roots` are built from: their normal dependencies, transitively, on the
/// platform the metadata was filtered for; the workspace's own crates left out.
pub fn shipped_packages(metadata: &serde_json::Value, roots: &[&str]) -> Result<Vec<Shipped>> {
    let packages = metadata["packages"]
        .as_array()
        .context("cargo metadata: no packages")?;
    let by_id: HashMap<&str, &serde_json::Value> = packages
        .iter()
        .filter_map(|p| Some((p["id"].as_str()?, p)))
        .collect();
    let members: BTreeSet<&str> = metadata["workspace_members"]
        .as_array()
        .context("cargo metadata: no workspace_members")?
        .iter()
        .filter_map(|m| m.as_str())
        .collect();
    let nodes: HashMap<&str, &serde_json::Value> = metadata["resolve"]["nodes"]
        .as_array()
        .context("cargo metadata: no resolve graph")?
        .iter()
        .filter_map(|n| Some((n["id"].as_str()?, n)))
        .collect();
    let mut todo: Vec<&str> = Vec::new();
    for root in roots {
        let id = packages
            .iter()
            .find(|p| p["name"] == *root && members.contains(p["id"].as_str().unwrap_or("")))
            .and_then(|p| p["id"].as_str())
            .with_context(|| format!("cargo metadata: no workspace crate {root}"))?;
        todo.push(id);
    }
    let mut seen = BTreeSet::new();
    while let Some(id) = todo.pop() {
        if !seen.insert(id) {
            continue;
        }
        let Some(node) = nodes.get(id) else { continue };
        for dep in node["deps"].as_array().into_iter().flatten() {
            // Built into the binary: a normal dependency (kind null), not dev or build.
            let normal = dep["dep_kinds"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|k| k["kind"].is_null());
            if normal && let Some(pkg) = dep["pkg"].as_str() {
                todo.push(pkg);
            }
        }
    }
    let mut shipped = Vec::new();
    for id in seen {
        if members.contains(id) {
            continue;
        }
        let package = by_id
            .get(id)
            .with_context(|| format!("cargo metadata: no package {id}"))?;
        let text = |field: &str| package[field].as_str().map(str::to_owned);
        let name = text("name").unwrap_or_default();
        let license = text("license")
            .or_else(|| text("license_file").map(|f| format!("see {f}")))
            .with_context(|| format!("{name} declares no licence: it cannot be shipped"))?;
        let manifest = text("manifest_path").unwrap_or_default();
        shipped.push(Shipped {
            version: text("version").unwrap_or_default(),
            license,
            repository: text("repository"),
            dir: Path::new(&manifest)
                .parent()
                .unwrap_or(Path::new(""))
                .to_owned(),
            name,
        });
    }
    shipped.sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
    Ok(shipped)
}

/// The notices for `what`: a table of every crate and its licence, then each licence text
/// its crates ship (each distinct text once, with the crates that ship it).
pub fn notices_text(what: &str, shipped: &[Shipped]) -> Result<String> {
    let mut out = format!(
        "Third-party crates built into {what}: {} crates.\n\
         helpcenter-server itself is MIT OR Apache-2.0.\n\n",
        shipped.len()
    );
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for crate_ in shipped {
        *counts.entry(crate_.license.as_str()).or_default() += 1;
        out.push_str(&format!(
            "{} {}  {}  {}\n",
            crate_.name,
            crate_.version,
            crate_.license,
            crate_.repository.as_deref().unwrap_or("")
        ));
    }
    out.push_str("\nBy licence:\n");
    for (license, n) in &counts {
        out.push_str(&format!("  {n:>4}  {license}\n"));
    }
    let mut texts: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for crate_ in shipped {
        for file in licence_files(&crate_.dir)? {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            if text.trim().is_empty() {
                continue;
            }
            texts.entry(text).or_default().push(format!(
                "{} {} ({})",
                crate_.name,
                crate_.version,
                file.file_name().unwrap_or_default().to_string_lossy()
            ));
        }
    }
    for (text, crates) in texts {
        out.push_str(&format!(
            "\n{}\nShipped by: {}\n{}\n{}\n",
            "=".repeat(78),
            crates.join(", "),
            "-".repeat(78),
            text.trim_end()
        ));
    }
    Ok(out)
}

/// A crate's licence and notice files: LICENSE*, LICENCE*, COPYING*, NOTICE*, COPYRIGHT*.
fn licence_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| {
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_ascii_uppercase();
            ["LICENSE", "LICENCE", "COPYING", "NOTICE", "COPYRIGHT"]
                .iter()
                .any(|prefix| name.starts_with(prefix))
        })
        .collect();
    found.sort();
    Ok(found)
}

/// `sha256sum`'s format, every file under `dir` by its path from there.
pub fn sha256sums(dir: &Path) -> Result<String> {
    let mut files = Vec::new();
    walk(dir, &mut files)?;
    files.sort();
    let mut out = String::new();
    for file in files {
        let bytes = std::fs::read(&file)?;
        let relative = file.strip_prefix(dir).unwrap_or(&file);
        out.push_str(&format!(
            "{}  {}\n",
            hex(&Sha256::digest(&bytes)),
            relative.display()
        ));
    }
    Ok(out)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

fn copy_file(from: &Path, to: &Path) -> Result<()> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::copy(from, to)
        .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    if !from.join("index.html").is_file() {
        bail!("{} holds no build (no index.html)", from.display());
    }
    let mut files = Vec::new();
    walk(from, &mut files)?;
    for file in files {
        copy_file(&file, &to.join(file.strip_prefix(from).unwrap_or(&file)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("the workspace")
            .to_owned()
    }

    #[test]
    fn the_installed_config_points_every_path_at_the_archive_layout() {
        let sample =
            std::fs::read_to_string(root().join("crates/server/helpcenter-server.sample.toml"))
                .expect("the sample");
        let config = installed_config(&sample).expect("every path found");
        for line in [
            "data_dir = \"/var/lib/helpcenter-server\"",
            "widget_dir = \"/opt/helpcenter-server/current/share/widget\"",
            "console_dir = \"/opt/helpcenter-server/current/share/console\"",
            "public_dir = \"/opt/helpcenter-server/current/share/widget\"",
        ] {
            assert!(config.contains(&format!("\n{line}\n")), "{line}");
        }
        assert!(
            !config.contains("\"./"),
            "no path left relative to the repository"
        );
        assert!(
            installed_config("[server]\n").is_err(),
            "a sample without the paths fails"
        );
    }

    #[test]
    fn the_unit_runs_the_installed_binary_with_the_installed_config() {
        let unit =
            std::fs::read_to_string(root().join("crates/server/deploy/helpcenter-server.service"))
                .expect("the unit");
        assert!(unit.contains(&format!(
            "ExecStart={INSTALL_ROOT}/bin/helpcenter-server serve --config /etc/helpcenter-server/helpcenter-server.toml"
        )));
        assert!(
            unit.contains("StateDirectory=helpcenter-server"),
            "{DATA_DIR}"
        );
        for hardening in [
            "User=helpcenter",
            "NoNewPrivileges=yes",
            "ProtectSystem=strict",
        ] {
            assert!(unit.contains(hardening), "{hardening}");
        }
    }

    /// The README's "Running it for a store" shows the unit and the proxies' examples as the
    /// archive ships them.
    #[test]
    fn the_readme_shows_the_deploy_files_as_the_archive_ships_them() {
        let readme = std::fs::read_to_string(root().join("README.md")).expect("the README");
        for (file, fence) in [
            ("helpcenter-server.service", "```ini"),
            ("nginx.conf", "```nginx"),
            ("Caddyfile", "```caddy"),
        ] {
            let text = std::fs::read_to_string(root().join("crates/server/deploy").join(file))
                .expect("a deploy file");
            assert!(
                readme.contains(&format!("{fence}\n{text}```\n")),
                "the README's {fence} block is not crates/server/deploy/{file}"
            );
        }
    }

    /// root → a (normal) → c (normal); root → b (dev only); a → d (build only); the workspace's
    /// other crate left out.
    fn metadata(dir: &Path) -> serde_json::Value {
        let package = |name: &str, license: Option<&str>| {
            let crate_dir = dir.join(name);
            std::fs::create_dir_all(&crate_dir).expect("mkdir");
            serde_json::json!({
                "id": format!("{name} 1.0.0"),
                "name": name,
                "version": "1.0.0",
                "license": license,
                "license_file": null,
                "repository": format!("https://example.com/{name}"),
                "manifest_path": crate_dir.join("Cargo.toml"),
            })
        };
        let dep = |name: &str, kind: Option<&str>| serde_json::json!({"pkg": format!("{name} 1.0.0"), "dep_kinds": [{"kind": kind}]});
        serde_json::json!({
            "packages": [
                package("root", Some("MIT OR Apache-2.0")),
                package("ours", Some("MIT OR Apache-2.0")),
                package("a", Some("MIT")),
                package("b", Some("GPL-3.0")),
                package("c", Some("Apache-2.0")),
                package("d", Some("BSD-3-Clause")),
            ],
            "workspace_members": ["root 1.0.0", "ours 1.0.0"],
            "resolve": {"nodes": [
                {"id": "root 1.0.0", "deps": [dep("a", None), dep("b", Some("dev")), dep("ours", None)]},
                {"id": "ours 1.0.0", "deps": []},
                {"id": "a 1.0.0", "deps": [dep("c", None), dep("d", Some("build"))]},
                {"id": "b 1.0.0", "deps": []},
                {"id": "c 1.0.0", "deps": []},
                {"id": "d 1.0.0", "deps": []},
            ]},
        })
    }

    #[test]
    fn the_notices_list_what_is_built_in_with_each_licence_text_once() {
        let dir = std::env::temp_dir().join(format!("xtask-dist-test-{}", std::process::id()));
        let metadata = metadata(&dir);
        let mit = "Permission is hereby granted, free of charge...\n";
        std::fs::write(dir.join("a/LICENSE-MIT"), mit).expect("write");
        std::fs::write(dir.join("c/LICENSE-MIT"), mit).expect("write");
        std::fs::write(dir.join("c/NOTICE"), "c was made by C's authors\n").expect("write");
        let shipped = shipped_packages(&metadata, &["root"]).expect("shipped");
        let names: Vec<&str> = shipped.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            ["a", "c"],
            "normal dependencies only, not our own crates"
        );
        let text = notices_text("root", &shipped).expect("notices");
        assert!(
            text.contains("a 1.0.0  MIT  https://example.com/a"),
            "{text}"
        );
        assert!(text.contains("c 1.0.0  Apache-2.0"), "{text}");
        assert_eq!(
            text.matches("Permission is hereby granted").count(),
            1,
            "{text}"
        );
        assert!(
            text.contains("Shipped by: a 1.0.0 (LICENSE-MIT), c 1.0.0 (LICENSE-MIT)"),
            "{text}"
        );
        assert!(text.contains("c was made by C's authors"));
        assert!(!text.contains("GPL"), "a dev-dependency is not shipped");

        let mut unlicensed = metadata.clone();
        unlicensed["packages"][2]["license"] = serde_json::Value::Null;
        let refused = shipped_packages(&unlicensed, &["root"]).expect_err("refused");
        assert!(refused.to_string().contains("a declares no licence"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_checksums_list_every_file_as_sha256sum_reads_them() {
        let dir = std::env::temp_dir().join(format!("xtask-dist-sums-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("bin")).expect("mkdir");
        std::fs::write(dir.join("bin/tool"), b"abc").expect("write");
        std::fs::write(dir.join("README"), b"").expect("write");
        let sums = sha256sums(&dir).expect("sums");
        assert_eq!(
            sums,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  README\n\
             ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  bin/tool\n"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
