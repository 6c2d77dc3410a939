//! The README's admin CLI examples run as written: every `cargo run -p helpcenter-server --
//! admin …` line of its `sh` blocks, in order, against a fresh demo data directory and a
//! fresh store config, with only the README's placeholders filled in (`FILE`, the config;
//! `HC-7F3K9Q`, a ticket filed for it) and `cargo run` replaced by the binary it runs.

use std::process::Command;

use support::process::{ServerProcess, serve_command};

mod support;

const README: &str = include_str!("../../../README.md");
const CARGO_RUN: &str = "cargo run -p helpcenter-server --";

/// The README's `FILE`: a store with the sites its examples name.
const CONFIG: &str = r#"
[server]
data_dir = "store-data"

[[sites]]
key = "acme"
display_name = "ACME Kitchen"
allowed_origins = ["https://shop.acme.example"]
admin_key_sha256 = "0000000000000000000000000000000000000000000000000000000000000000"

[[sites]]
key = "demo"
display_name = "Demo Store"
allowed_origins = ["https://shop.demo.example"]
admin_key_sha256 = "0000000000000000000000000000000000000000000000000000000000000000"
identity_secret_env = "DEMO_IDENTITY_SECRET"
"#;

/// The lines of the README's `sh` blocks that run an admin command with cargo.
fn admin_examples() -> Vec<String> {
    let mut examples = Vec::new();
    let mut in_sh = false;
    for line in README.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            in_sh = !in_sh && trimmed == "```sh";
            continue;
        }
        if in_sh && trimmed.contains(&format!("{CARGO_RUN} admin")) {
            // A comment after the command is the README's, not the shell's business.
            let command = trimmed.split("   #").next().unwrap_or(trimmed).trim_end();
            examples.push(command.to_owned());
        } else if !in_sh {
            // … and the ones in the prose, as `inline code`.
            let mut rest = line;
            while let Some(start) = rest.find(&format!("`{CARGO_RUN} admin")) {
                let after = &rest[start + 1..];
                let Some(end) = after.find('`') else { break };
                examples.push(after[..end].to_owned());
                rest = &after[end + 1..];
            }
        }
    }
    examples
}

#[tokio::test]
async fn the_readmes_admin_examples_run_as_written_on_a_fresh_data_directory() {
    let examples = admin_examples();
    assert!(
        examples.len() >= 12,
        "the README's admin examples were found: {examples:#?}"
    );
    let work = tempfile::tempdir().expect("temp dir");
    let binary = env!("CARGO_BIN_EXE_helpcenter-server");
    std::fs::write(work.path().join("FILE.toml"), CONFIG).expect("the config");
    std::fs::write(
        work.path().join("password.txt"),
        "another long passphrase\n",
    )
    .expect("the password file");

    // The demo's data directory, as `cargo xtask dev` leaves it (`serve` without a config in
    // the working directory), with one claim filed by a shopper.
    let port = support::free_port();
    let mut command = serve_command(port);
    command
        .args([
            "--widget-dir",
            "/nonexistent",
            "--public-dir",
            "/nonexistent",
        ])
        .current_dir(work.path())
        .env_remove("HELPCENTER_DATA_DIR")
        .env_remove("HELPCENTER_CONFIG")
        .stderr(std::process::Stdio::null());
    let serve = ServerProcess::spawn_until(&mut command, port, "/readyz").await;
    let base = serve.base();
    let http = reqwest::Client::new();
    let ticket = file_claim(&http, &base).await;
    serve.kill();

    let mut failures = Vec::new();
    for example in &examples {
        let line = example
            .replace(CARGO_RUN, binary)
            .replace(" FILE ", " FILE.toml ")
            .replace("HC-7F3K9Q", &ticket);
        let output = Command::new("sh")
            .args(["-c", &line])
            .current_dir(work.path())
            .env_remove("HELPCENTER_DATA_DIR")
            .env_remove("HELPCENTER_CONFIG")
            .env_remove("HELPCENTER_AGENT_PASSWORD")
            .env("DEMO_IDENTITY_SECRET", "the-demo-identity-secret")
            .output()
            .expect("sh");
        if !output.status.success() {
            failures.push(format!(
                "{example}\n  {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "README examples that fail as written:\n{}",
        failures.join("\n")
    );
}

/// A claim on the demo site, as its widget files one: the ticket's id.
async fn file_claim(http: &reqwest::Client, base: &str) -> String {
    let photo = helpcenter_media::samples::png(800, 600, 1);
    let upload = support::upload_at(http, base, "demo", "label.png", &photo).await;
    let claim = support::claims::missing_gift_card(vec![upload]);
    support::claims::file_at(http, base, "demo", "readme", &claim)
        .await
        .ticket_id
}

const TABLE_START: &str = "<!-- lifecycle table: made by helpcenter_core::ticket::lifecycle_table, checked by tests/readme.rs -->\n";
const TABLE_END: &str = "<!-- end of lifecycle table -->";

/// The README's lifecycle table and the OpenAPI document's are `helpcenter-core`'s rule.
/// `UPDATE_SNAPSHOTS=1` writes the README's anew.
#[test]
fn the_lifecycle_table_in_the_readme_and_the_openapi_document_is_the_rule() {
    let table = helpcenter_core::ticket::lifecycle_table();
    let start = README.find(TABLE_START).expect("the README's table start") + TABLE_START.len();
    let end = start
        + README[start..]
            .find(TABLE_END)
            .expect("the README's table end");
    let expected = format!("\n{table}\n");
    if README[start..end] != expected {
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
            let updated = format!("{}{expected}{}", &README[..start], &README[end..]);
            std::fs::write(path, updated).expect("write the README");
        } else {
            panic!(
                "the README's lifecycle table is not helpcenter-core's (UPDATE_SNAPSHOTS=1 \
                 writes it):\n{expected}"
            );
        }
    }
    let document = serde_json::to_value(helpcenter_server::app::document()).expect("json");
    for path in [
        "/v1/admin/tickets/{id}/transition",
        "/v1/console/tickets/{id}/transition",
    ] {
        let description = document["paths"][path]["post"]["description"]
            .as_str()
            .unwrap_or_default();
        assert!(description.ends_with(&table), "{path}: {description}");
    }
    let status = document["components"]["schemas"]["TicketStatus"]["description"]
        .as_str()
        .unwrap_or_default();
    assert!(status.ends_with(&table), "{status}");
}
