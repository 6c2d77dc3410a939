//! The `helpcenter-server` binary as a merchant runs it.

use std::process::Command;

use support::process::{ServerProcess, serve_command, serve_config_command};

mod support;

fn server(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_helpcenter-server"))
        .args(args)
        .output()
        .expect("run helpcenter-server");
    support::process::said(output)
}

#[test]
fn policy_show_prints_the_default_tree_with_every_category_and_principle() {
    let (ok, out, _) = server(&["policy", "show"]);
    assert!(ok);
    for needle in [
        "Product quality",
        "Delivery: late, lost or damaged in transit",
        "Order error",
        "Payment",
        "Using our website or service",
        "Something else",
        "store liable once the defect is verified",
        "not covered: improper operation, unauthorised modification or not following instructions",
        "claim against the logistics provider",
        "friendly negotiation",
        "People's Court",
        "Force majeure",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in:\n{out}");
    }
    let (ok, out, _) = server(&["policy", "show", "--locale", "zh-CN"]);
    assert!(ok && out.contains("商品质量"));
}

#[test]
fn policy_check_lists_every_problem_of_a_merchant_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (ok, default_toml, _) = server(&["policy", "show", "--toml"]);
    assert!(ok);
    let good = dir.path().join("good.toml");
    std::fs::write(&good, &default_toml).expect("write");
    let (ok, out, _) = server(&["policy", "check", good.to_str().expect("utf-8 path")]);
    assert!(ok, "{out}");
    assert!(out.contains("ok (6 categories"), "{out}");

    let bad = dir.path().join("bad.toml");
    let broken = default_toml
        .replace("next = \"delivery_lost\"", "next = \"nowhere\"")
        .replace("days_after_delivery = 7", "days_after_delivery = 9000");
    std::fs::write(&bad, broken).expect("write");
    let (ok, _, err) = server(&["policy", "check", bad.to_str().expect("utf-8 path")]);
    assert!(!ok);
    let line = |text: &str, needle: &str| {
        let at = text.find(needle).expect("in the file");
        text[..at].matches('\n').count() + 1
    };
    let broken = std::fs::read_to_string(&bad).expect("read");
    let next = line(&broken, "next = \"nowhere\"");
    let window = line(&broken, "days_after_delivery = 9000");
    // Items by their ids and lines, not by their place in the file's arrays.
    assert!(
        err.contains(&format!(
            "line {next}, question \"delivery_what\", answer \"lost\", next: no question or outcome is named \"nowhere\""
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "line {window}, outcome \"transit_damage\", claim_window.days_after_delivery: from 1 to 365 days"
        )),
        "{err}"
    );
    assert!(!err.contains("questions["), "{err}");

    // A value of the wrong type says the type the setting takes.
    let typo = dir.path().join("typo.toml");
    let typed = default_toml.replacen("min_count = 2\n", "min_count = three\n", 1);
    std::fs::write(&typo, &typed).expect("write");
    let (ok, _, err) = server(&["policy", "check", typo.to_str().expect("utf-8 path")]);
    assert!(!ok);
    assert!(
        err.contains(&format!(
            "line {}, outcome \"transit_damage\", evidence.media.min_count: expected a whole number, found three",
            line(&typed, "min_count = three")
        )),
        "{err}"
    );
}

#[test]
fn a_custom_policy_keeping_the_default_legal_recourse_is_warned_of() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (ok, default_toml, _) = server(&["policy", "show", "--toml"]);
    assert!(ok);
    let file = dir.path().join("acme-policy.toml");
    std::fs::write(
        &file,
        default_toml.replace("first_response_hours = 48", "first_response_hours = 24"),
    )
    .expect("write");
    let path = file.to_str().expect("utf-8 path");
    let (ok, out, err) = server(&["policy", "check", path]);
    assert!(ok, "a warning does not refuse the policy: {err}");
    assert!(out.contains(": ok ("), "{out}");
    assert!(
        err.contains("warning: ")
            && err.contains(
                "messages.en.\"dispute.legal_recourse\": the built-in legal-recourse text"
            ),
        "{err}"
    );
    assert!(
        err.contains("messages.zh-CN.\"dispute.legal_recourse\""),
        "{err}"
    );
    // policy show --file prints the merchant's tree (24 hours), with the same warning.
    let (ok, out, err) = server(&["policy", "show", "--file", path]);
    assert!(ok, "{err}");
    assert!(out.contains("first response within 24 hours"), "{out}");
    assert!(err.contains("the built-in legal-recourse text"), "{err}");
}

#[test]
fn the_sample_config_loads_and_the_admin_cli_works_on_its_data_dir() {
    let data = tempfile::tempdir().expect("temp dir");
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/helpcenter-server.sample.toml");
    let run = |args: &[&str], secret: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_helpcenter-server"));
        command
            .args(["admin", "--config", sample, "--data-dir"])
            .arg(data.path())
            .envs(support::database_env(data.path()))
            .args(args);
        match secret {
            Some(secret) => command.env("ACME_HELPCENTER_IDENTITY_SECRET", secret),
            None => command.env_remove("ACME_HELPCENTER_IDENTITY_SECRET"),
        };
        let output = command.output().expect("run");
        support::process::said(output)
    };
    let (ok, out, err) = run(
        &["--site", "acme", "tickets", "list"],
        Some("a-secret-of-16-chars-or-more"),
    );
    assert!(ok, "{err}");
    assert!(out.contains("0 ticket(s)"), "{out}");
    // Only signing an identity token needs the site's identity secret: every other admin
    // command works without it in the environment (keys, agents, tickets, the outbox).
    for command in [
        &["tickets", "list"][..],
        &["keys", "list"],
        &["agents", "list"],
        &["outbox", "list"],
    ] {
        let (ok, out, err) = run(&[&["--site", "acme"][..], command].concat(), None);
        assert!(ok, "{command:?} without the identity secret: {err}");
        assert!(out.contains("(s)") || !out.is_empty(), "{command:?}: {out}");
    }
    let (ok, out, err) = run(
        &[
            "--site",
            "acme",
            "sign-identity",
            "--customer-id",
            "c-1",
            "--email",
            "wei@example.com",
        ],
        None,
    );
    assert!(!ok, "{out}");
    assert!(
        err.contains("$ACME_HELPCENTER_IDENTITY_SECRET must hold an identity secret"),
        "{err}"
    );
    let (ok, _, err) = run(
        &["--site", "acme", "tickets", "show", "HC-NOPE42"],
        Some("a-secret-of-16-chars-or-more"),
    );
    assert!(!ok);
    assert!(err.contains("ticket.not_found"), "{err}");
    // The key comes from the environment or standard input, never the command line.
    let hashed = |env: Option<&str>, stdin: &str| {
        use std::io::Write;
        let mut command = Command::new(env!("CARGO_BIN_EXE_helpcenter-server"));
        command
            .args(["admin", "hash-key"])
            .env_remove("HELPCENTER_ADMIN_KEY")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        if let Some(key) = env {
            command.env("HELPCENTER_ADMIN_KEY", key);
        }
        let mut child = command.spawn().expect("run");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write");
        let output = child.wait_with_output().expect("wait");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).trim().to_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let s3cret = "1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0";
    assert_eq!(hashed(Some("s3cret"), "").1, s3cret);
    assert_eq!(hashed(None, "s3cret\n").1, s3cret);
    let (ok, _, err) = hashed(None, "");
    assert!(!ok);
    assert!(
        err.contains("no admin key: set HELPCENTER_ADMIN_KEY"),
        "{err}"
    );
    let (ok, _, err) = server(&["admin", "hash-key", "s3cret"]);
    assert!(!ok, "a key on the command line is refused");
    assert!(err.contains("unexpected argument 's3cret'"), "{err}");
}

#[test]
fn a_return_policy_link_that_is_not_a_whole_address_is_refused_at_start() {
    let err = sample_refused(|s| {
        s.replace(
            "return_policy_url = \"https://shop.acme.example/pages/returns\"",
            "return_policy_url = \"/pages/returns\"",
        )
    });
    assert!(
        err.contains(
            "site \"acme\": return_policy_url \"/pages/returns\" must be a whole address such as \"https://shop.example/returns\""
        ),
        "{err}"
    );
}

/// What `admin tickets list` on the sample config changed by `edit` says on stderr.
fn sample_refused(edit: impl FnOnce(&str) -> String) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let sample = include_str!("../helpcenter-server.sample.toml");
    let edited = edit(sample);
    assert_ne!(edited, sample, "the edit changed the sample");
    let config = dir.path().join("edited.toml");
    std::fs::write(&config, edited).expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_helpcenter-server"))
        .args(["admin", "--config"])
        .arg(&config)
        .arg("--data-dir")
        .arg(dir.path())
        .envs(support::database_env(dir.path()))
        .args(["--site", "acme", "tickets", "list"])
        .env(
            "ACME_HELPCENTER_IDENTITY_SECRET",
            "a-secret-of-16-chars-or-more",
        )
        .output()
        .expect("run helpcenter-server");
    assert!(!output.status.success());
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_brand_that_is_not_a_colour_or_cannot_be_read_is_refused_at_start() {
    let err =
        sample_refused(|s| s.replace("primary_color = \"#", "primary_color = \"not a colour #"));
    assert!(
        err.contains("site \"acme\": brand: primary_color \"not a colour #"),
        "{err}"
    );
    let err = sample_refused(|s| {
        let brand = s.find("[sites.brand]").expect("the sample has a brand");
        let (head, tail) = s.split_at(brand);
        format!(
            "{head}{}",
            tail.replacen(
                "on_primary_color = \"#ffffff\"",
                "on_primary_color = \"#d04040\"",
                1
            )
        )
    });
    assert!(err.contains("has a contrast of"), "{err}");
    assert!(err.contains("at least 4.5:1"), "{err}");
}

#[test]
fn a_forgotten_config_or_site_is_refused_and_writes_nothing() {
    let data = tempfile::tempdir().expect("temp dir");
    // Without --config, a merchant's data directory is not taken for the demo's.
    let (ok, _, err) = server(&[
        "admin",
        "--data-dir",
        data.path().to_str().expect("utf-8 path"),
        "tickets",
        "list",
    ]);
    assert!(!ok);
    assert!(
        err.contains("no --config: name the config file the server runs with"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(data.path()).expect("read dir").count(),
        0,
        "no demo secret, no database written"
    );
    // A config with several sites needs --site, and says which there are.
    let config = data.path().join("two.toml");
    let two = format!(
        "{ONE_SHOP}{}",
        ONE_SHOP.replace("key = \"demo\"", "key = \"acme\"")
    );
    std::fs::write(&config, two).expect("write");
    let (ok, _, err) = server(&[
        "admin",
        "--config",
        config.to_str().expect("utf-8 path"),
        "--data-dir",
        data.path().to_str().expect("utf-8 path"),
        "tickets",
        "list",
    ]);
    assert!(!ok);
    assert!(
        err.contains("has 2 sites (demo, acme): name one with --site"),
        "{err}"
    );
}

#[test]
fn paths_in_the_config_count_from_the_config_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("helpcenter.toml");
    std::fs::write(
        &config,
        format!("[server]\ndata_dir = \"store-data\"\n{ONE_SHOP}"),
    )
    .expect("write");
    // Started from another directory (the test's), with no --data-dir: the config's own.
    let (ok, out, err) = server(&[
        "admin",
        "--config",
        config.to_str().expect("utf-8 path"),
        "tickets",
        "list",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("0 ticket(s)"), "{out}");
    assert!(dir.path().join("store-data/helpcenter.db").is_file());
    assert!(
        !std::path::Path::new("store-data").exists(),
        "nothing written where the command was started"
    );
}

#[test]
fn migrate_creates_the_database_and_is_idempotent() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path().join("fresh");
    let dir = dir.to_str().expect("utf-8 path");
    for _ in 0..2 {
        let (ok, out, err) = server(&["migrate", "--data-dir", dir]);
        assert!(ok, "{err}");
        assert!(out.contains("database schema up to date"), "{out}");
    }
    assert!(data.path().join("fresh/helpcenter.db").is_file());
}

/// Two merchants: one whose backend signs identity tokens (secret in `$SIGNING_SHOP_SECRET`),
/// one that does not.
const TWO_SHOPS: &str = r#"
[[sites]]
key = "acme"
display_name = "ACME Kitchen"
allowed_origins = []
admin_key_sha256 = "0000000000000000000000000000000000000000000000000000000000000000"
identity_secret_env = "SIGNING_SHOP_SECRET"

[[sites]]
key = "corner"
display_name = "Corner Shop"
allowed_origins = []
admin_key_sha256 = "0000000000000000000000000000000000000000000000000000000000000000"
"#;

const SECRET: &str = "the-acme-identity-secret";

/// `admin sign-identity` on `config`, with `secret` as the store's identity secret.
fn sign_identity(config: &std::path::Path, secret: &str, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_helpcenter-server"))
        .args(["admin", "sign-identity", "--config"])
        .arg(config)
        .args(args)
        .env("SIGNING_SHOP_SECRET", secret)
        .output()
        .expect("run sign-identity");
    support::process::said(output)
}

/// `helpcenter-server serve --config …` on a free port, killed when dropped.
async fn serving(config: &std::path::Path, data: &std::path::Path) -> ServerProcess {
    let port = support::free_port();
    let mut command = serve_config_command(port, config, data);
    command
        .envs(support::database_env(data))
        .arg("--widget-dir")
        .arg(data)
        .env("SIGNING_SHOP_SECRET", SECRET);
    ServerProcess::spawn(&mut command, port).await
}

#[tokio::test]
async fn a_signed_identity_opens_my_requests_on_a_server_with_the_same_config() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("helpcenter-server.toml");
    std::fs::write(&config, TWO_SHOPS).expect("write config");
    let (ok, token, err) = sign_identity(
        &config,
        SECRET,
        &[
            "--site",
            "acme",
            "--customer-id",
            "cust-7",
            "--email",
            "wei@example.com",
        ],
    );
    assert!(ok, "{err}");
    let token = token.strip_suffix('\n').expect("one line");
    assert!(
        token.starts_with("v1.") && !token.contains(char::is_whitespace),
        "only the token on stdout: {token:?}"
    );
    let server = serving(&config, &dir.path().join("data")).await;
    let http = reqwest::Client::new();

    // The shopper files a claim signed in with it, and finds it under "my requests".
    let photo = helpcenter_media::samples::png(800, 600, 1);
    let upload = support::upload_at(&http, &server.base(), "acme", "screen.png", &photo).await;
    let claim = helpcenter_api::NewTicket {
        identity_token: Some(token.to_owned()),
        ..support::claims::missing_gift_card(vec![upload])
    };
    let filed = support::claims::file_at(&http, &server.base(), "acme", "cli-signed", &claim).await;

    let mine = |token: String| {
        http.get(format!("{}/v1/sites/acme/tickets", server.base()))
            .bearer_auth(token)
            .send()
    };
    let listed = mine(token.to_owned()).await.expect("list mine");
    assert_eq!(listed.status(), 200);
    let listed: Vec<serde_json::Value> = listed.json().await.expect("json");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], filed.ticket_id.as_str());

    // Signed with another secret than the server's, the token is refused.
    let (ok, forged, _) = sign_identity(
        &config,
        "not-the-secret-the-server-has",
        &[
            "--site",
            "acme",
            "--customer-id",
            "cust-7",
            "--email",
            "wei@example.com",
        ],
    );
    assert!(ok);
    let refused = mine(forged.trim().to_owned()).await.expect("list mine");
    assert_eq!(refused.status(), 401);
}

#[tokio::test]
async fn sign_identity_refuses_a_site_that_signs_none() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("helpcenter-server.toml");
    std::fs::write(&config, TWO_SHOPS).expect("write config");
    let (ok, out, err) = sign_identity(
        &config,
        SECRET,
        &[
            "--site",
            "corner",
            "--customer-id",
            "cust-7",
            "--email",
            "wei@example.com",
        ],
    );
    assert!(!ok);
    assert_eq!(out, "", "no token");
    assert!(
        err.contains("site \"corner\" signs no identity tokens"),
        "{err}"
    );
    let (ok, _, err) = sign_identity(
        &config,
        "short",
        &[
            "--site",
            "acme",
            "--customer-id",
            "cust-7",
            "--email",
            "wei@example.com",
        ],
    );
    assert!(!ok);
    assert!(
        err.contains("$SIGNING_SHOP_SECRET must hold an identity secret"),
        "{err}"
    );
}

/// One store, "demo", as a merchant's config names it.
const ONE_SHOP: &str = r#"
[[sites]]
key = "demo"
display_name = "Kettle & Co."
allowed_origins = ["https://kettle.example"]
admin_key_sha256 = "1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0"
"#;

/// `admin agents …` on a data directory and its one-site config (no `--site` needed), with
/// the password on standard input or in the environment, never on the command line.
fn agents(data: &std::path::Path, args: &[&str], password: Password) -> (bool, String, String) {
    use std::io::Write;
    let config = data.join("config.toml");
    if !config.is_file() {
        std::fs::write(&config, ONE_SHOP).expect("write the config");
    }
    let mut command = Command::new(env!("CARGO_BIN_EXE_helpcenter-server"));
    command
        .args(["admin", "--config"])
        .arg(&config)
        .arg("--data-dir")
        .arg(data)
        .envs(support::database_env(data))
        .args(["agents"])
        .args(args)
        .env_remove("HELPCENTER_AGENT_PASSWORD")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    if let Password::Env(password) = password {
        command.env("HELPCENTER_AGENT_PASSWORD", password);
    }
    let mut child = command.spawn().expect("run");
    let mut stdin = child.stdin.take().expect("stdin");
    if let Password::Stdin(password) = password {
        stdin
            .write_all(format!("{password}\n").as_bytes())
            .expect("write the password");
    }
    drop(stdin);
    let output = child.wait_with_output().expect("wait");
    support::process::said(output)
}

#[derive(Clone, Copy)]
enum Password<'a> {
    Stdin(&'a str),
    Env(&'a str),
    None,
}

#[test]
fn agents_are_added_listed_and_disabled_with_the_password_never_on_the_command_line() {
    let data = tempfile::tempdir().expect("temp dir");
    let data = data.path();
    let (ok, out, err) = agents(
        data,
        &[
            "add",
            "--email",
            "Wei@Example.com",
            "--name",
            "Wei",
            "--role",
            "owner",
        ],
        Password::Stdin("a long enough password"),
    );
    assert!(ok, "{err}");
    assert!(
        out.contains("Added Wei <Wei@Example.com> (owner) to site \"demo\""),
        "{out}"
    );
    let (ok, out, err) = agents(
        data,
        &["add", "--email", "li@example.com", "--name", "Li Na"],
        Password::Env("another long password"),
    );
    assert!(ok, "{err}");
    assert!(out.contains("(agent)"), "the default role: {out}");

    // The same email in other case is the same agent.
    let (ok, _, err) = agents(
        data,
        &["add", "--email", "wei@example.COM", "--name", "Wei Two"],
        Password::Stdin("a long enough password"),
    );
    assert!(!ok);
    assert!(err.contains("has an agent with the email"), "{err}");
    let (ok, _, err) = agents(
        data,
        &["add", "--email", "zhang@example.com", "--name", "Zhang"],
        Password::Stdin("short"),
    );
    assert!(!ok);
    assert!(err.contains("at least 10 characters"), "{err}");
    let (ok, _, err) = agents(
        data,
        &["add", "--email", "zhang@example.com", "--name", "Zhang"],
        Password::None,
    );
    assert!(!ok);
    assert!(err.contains("no password"), "{err}");
    let (ok, _, err) = agents(
        data,
        &[
            "add",
            "--email",
            "zhang@example.com",
            "--name",
            "Zhang",
            "--password",
            "on the line",
        ],
        Password::None,
    );
    assert!(!ok, "a --password argument is refused");
    assert!(err.contains("--password"), "{err}");
    let (ok, _, err) = agents(
        data,
        &[
            "add",
            "--email",
            "zhang@example.com",
            "--name",
            "Zhang",
            "--role",
            "boss",
        ],
        Password::Env("a long enough password"),
    );
    assert!(!ok);
    assert!(err.contains("unknown role \"boss\""), "{err}");

    let (ok, out, _) = agents(data, &["list"], Password::None);
    assert!(ok);
    assert!(out.contains("2 agent(s)"), "{out}");
    assert!(
        out.contains("Wei@Example.com") && out.contains("Li Na"),
        "{out}"
    );
    assert!(!out.contains("argon2"), "no hash is printed: {out}");

    let (ok, out, err) = agents(
        data,
        &["disable", "--email", "LI@example.com"],
        Password::None,
    );
    assert!(ok, "{err}");
    assert!(out.contains("Disabled LI@example.com"), "{out}");
    let (ok, out, _) = agents(
        data,
        &["disable", "--email", "li@example.com"],
        Password::None,
    );
    assert!(ok);
    assert!(out.contains("was disabled already"), "{out}");
    let (ok, _, err) = agents(
        data,
        &["disable", "--email", "nobody@example.com"],
        Password::None,
    );
    assert!(!ok);
    assert!(err.contains("has no agent with the email"), "{err}");
    let (_, out, _) = agents(data, &["list"], Password::None);
    let li = out
        .lines()
        .find(|l| l.contains("Li Na"))
        .expect("Li's line");
    assert!(li.contains("disabled"), "{li}");

    let (ok, _, err) = server(&[
        "admin",
        "--config",
        data.join("config.toml").to_str().expect("utf-8"),
        "--data-dir",
        data.to_str().expect("utf-8"),
        "--site",
        "elsewhere",
        "agents",
        "list",
    ]);
    assert!(!ok);
    assert!(err.contains("there is no site \"elsewhere\""), "{err}");
}

/// `serve` without a config runs the demo site with a demo agent who can sign in to the
/// console, made once: a restart prints (and accepts) the same password.
#[tokio::test]
async fn the_demo_site_comes_with_an_agent_who_signs_in_to_the_console() {
    use std::io::BufRead;
    let data = tempfile::tempdir().expect("temp dir");
    let serve = || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_helpcenter-server"))
            .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
            .arg(data.path())
            .envs(support::database_env(data.path()))
            .args([
                "--widget-dir",
                "/nonexistent",
                "--public-dir",
                "/nonexistent",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("serve");
        let stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        let (mut base, mut credentials) = (None, None);
        for line in stdout.lines() {
            let line = line.expect("a line");
            if let Some(rest) = line.strip_prefix("Help Center server listening on ") {
                base = Some(rest.trim_end_matches('/').to_owned());
            }
            if let Some(rest) = line.trim().strip_prefix("sign in at ") {
                // The sign-in page with the demo store filled in, then the credentials.
                let (url, rest) = rest
                    .split_once(" (store \"demo\") as ")
                    .expect("the sign-in page, then the store");
                assert!(
                    url.starts_with("http://127.0.0.1:")
                        && url.ends_with("/console/sign-in?site=demo"),
                    "{line}"
                );
                let (email, rest) = rest.split_once(", password ").expect("email, password");
                let password = rest.split_whitespace().next().expect("password");
                credentials = Some((email.to_owned(), password.to_owned()));
            }
            if line.contains("Agents' console: http://") {
                assert!(line.ends_with("/console/"), "{line}");
            }
            if base.is_some() && credentials.is_some() {
                break;
            }
        }
        (
            child,
            base.expect("the address"),
            credentials.expect("the demo agent"),
        )
    };
    let (mut first, base, (email, password)) = serve();
    assert_eq!(email, "demo@example.com");
    let http = reqwest::Client::new();
    let sign_in = http
        .post(format!("{base}/v1/console/session"))
        .header("Origin", &base)
        .json(&serde_json::json!({"site": "demo", "email": email, "password": password}))
        .send()
        .await
        .expect("sign in");
    assert_eq!(sign_in.status(), 200);
    let cookie = sign_in.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("cookie")
        .to_owned();
    let replies: serde_json::Value = http
        .get(format!("{base}/v1/console/saved-replies"))
        .header("Cookie", cookie)
        .send()
        .await
        .expect("saved replies")
        .json()
        .await
        .expect("json");
    assert_eq!(replies.as_array().map(Vec::len), Some(2), "{replies}");
    let _ = first.kill();
    let _ = first.wait();

    let (mut second, _, (_, again)) = serve();
    assert_eq!(again, password, "the same agent, the same password");
    let _ = second.kill();
    let _ = second.wait();
    let listed = Command::new(env!("CARGO_BIN_EXE_helpcenter-server"))
        .args(["admin", "--data-dir"])
        .arg(data.path())
        .envs(support::database_env(data.path()))
        .args(["agents", "list"])
        .env_remove("HELPCENTER_CONFIG")
        .output()
        .expect("agents list");
    assert!(listed.status.success());
    let out = String::from_utf8_lossy(&listed.stdout);
    assert!(out.contains("1 agent(s)"), "made once: {out}");
}

/// A claim with a photo filed by `email` on the demo server, then worked to `closed` when
/// `close` says so; answers the ticket and its shopper's token.
async fn claim_of(
    server: &support::TestServer,
    email: &str,
    key: &str,
    close: bool,
) -> helpcenter_api::TicketCreated {
    let photo = server
        .upload(
            "crack.png",
            &helpcenter_media::samples::png(800, 600, key.len() as u8),
        )
        .await;
    let claim = serde_json::json!({
        "category": "product_quality",
        "answers": ["fault", "as_instructed"],
        "order_number": "#10023456",
        "description": "The blender stopped working after two days; the motor hums but the blade does not turn.",
        "email": email,
        "uploads": [photo],
        "locale": "en",
    });
    let created = server
        .http
        .post(server.url("/v1/sites/demo/tickets"))
        .header("Idempotency-Key", key)
        .json(&claim)
        .send()
        .await
        .expect("create");
    assert_eq!(created.status(), 201);
    let created: helpcenter_api::TicketCreated = created.json().await.expect("created");
    if close {
        for change in [
            serde_json::json!({"to": "in_review"}),
            serde_json::json!({"to": "resolved", "resolution": "exchange", "message": "A new one ships on Monday."}),
            serde_json::json!({"to": "closed"}),
        ] {
            let moved = server
                .admin(server.http.post(server.url(&format!(
                    "/v1/admin/tickets/{}/transition",
                    created.ticket_id
                ))))
                .json(&change)
                .send()
                .await
                .expect("transition");
            assert_eq!(moved.status(), 200, "{change}");
        }
    }
    created
}

/// `admin shopper …` on the test server's data directory (the demo site's, as `serve`
/// without a config makes it), with `stdin` as standard input (not a terminal).
fn shopper(server: &support::TestServer, args: &[&str]) -> (bool, String, String) {
    admin(server, &[&["shopper"], args].concat())
}

/// `admin …` on the test server's data directory: another process writing to its database.
fn admin(server: &support::TestServer, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_helpcenter-server"))
        .args(["admin", "--data-dir"])
        .arg(&server.data_dir)
        .envs(support::database_env(&server.data_dir))
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run helpcenter-server");
    support::process::said(output)
}

/// The server keeps what a shopper's read found while the database is unchanged
/// (`store::unchanged`); a message written with the CLI, another process, is in the very next
/// read.
#[tokio::test]
async fn a_message_written_with_the_cli_is_in_the_shoppers_next_read() {
    let server = support::TestServer::start().await;
    let claim = claim_of(&server, "wei@example.com", "wei-read", false).await;
    let read = || async {
        let response = server
            .http
            .get(server.url(&format!("/v1/tickets/{}", claim.ticket_id)))
            .bearer_auth(&claim.access_token)
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "application/json",
            "sent as JSON"
        );
        response.json::<serde_json::Value>().await.expect("JSON")
    };
    let first = read().await;
    assert_eq!(read().await, first, "the same ticket, read again");
    let said = "Your replacement ships tomorrow.";
    let (ok, _, err) = admin(
        &server,
        &["tickets", "message", claim.ticket_id.as_str(), said],
    );
    assert!(ok, "{err}");
    let after = read().await;
    let timeline = after["timeline"].as_array().expect("timeline");
    assert!(
        timeline.iter().any(|e| e["message"] == said),
        "the CLI's message is in the next read: {after}"
    );
    assert_eq!(
        timeline.len(),
        first["timeline"].as_array().expect("timeline").len() + 1
    );
}

#[tokio::test]
async fn a_shopper_gets_everything_kept_about_them_then_has_it_erased_but_the_ticket_numbers_stay()
{
    let server = support::TestServer::start().await;
    let mine = claim_of(&server, "Wei@Example.com", "wei-1", true).await;
    let open = claim_of(&server, "wei@example.com", "wei-2", false).await;
    let theirs = claim_of(&server, "lin@example.com", "lin-1", false).await;
    let files_before = server.stored_objects().await.len();
    assert_eq!(files_before, 3);

    let (ok, out, err) = shopper(&server, &["export", "--email", "wei@example.com"]);
    assert!(ok, "{err}");
    let export: serde_json::Value = serde_json::from_str(&out).expect("JSON on stdout");
    let tickets = export["tickets"].as_array().expect("tickets");
    let mut ids: Vec<&str> = tickets
        .iter()
        .map(|t| t["id"].as_str().unwrap_or_default())
        .collect();
    ids.sort_unstable();
    let mut hers = [mine.ticket_id.as_str(), open.ticket_id.as_str()];
    hers.sort_unstable();
    assert_eq!(ids, hers, "both of hers, whatever the case, not Lin's");
    let first = tickets
        .iter()
        .find(|t| t["id"] == mine.ticket_id.as_str())
        .expect("the closed one");
    assert_eq!(first["email"], "Wei@Example.com");
    assert_eq!(first["order_number"], "10023456");
    assert_eq!(first["uploads"][0]["filename"], "crack.png");
    assert_eq!(first["uploads"][0]["width"], 800);
    assert!(
        first["ticket_events"]
            .as_array()
            .expect("events")
            .iter()
            .any(|e| e["body"] == "A new one ships on Monday."),
        "the agent's message to her is in it"
    );

    // Her link opens her open ticket, and the server keeps what it read while nothing
    // changes (`store::unchanged`): the erasure below is another process's write.
    let read = || async {
        server
            .http
            .get(server.url(&format!("/v1/tickets/{}", open.ticket_id)))
            .bearer_auth(&open.access_token)
            .send()
            .await
            .expect("send")
    };
    for _ in 0..2 {
        assert_eq!(read().await.status(), 200, "before the erasure");
    }

    // Without a terminal to ask on, nothing is erased until --yes says so.
    let (ok, _, err) = shopper(&server, &["erase", "--email", "wei@example.com"]);
    assert!(!ok);
    assert!(err.contains("pass --yes"), "{err}");
    assert_eq!(server.stored_objects().await.len(), 3);
    let (ok, out, err) = shopper(&server, &["erase", "--email", "wei@example.com", "--yes"]);
    assert!(ok, "{err}");
    assert!(out.contains("2 ticket(s)"), "{out}");

    // Her files are gone from the disk, her details from the tickets; the numbers stay.
    assert_eq!(
        server.stored_objects().await.len(),
        1,
        "only Lin's photo is left"
    );
    let kept = server.admin_view(&mine.ticket_id).await;
    assert_eq!(kept["id"], mine.ticket_id.as_str());
    assert_eq!(kept["status"], "closed");
    assert_eq!(kept["category"], "product_quality");
    for field in ["email", "order_number", "description"] {
        assert_eq!(kept[field], "", "{field}: {kept}");
    }
    let text = kept.to_string();
    assert!(
        !text.contains("Wei@Example.com") && !text.contains("ships on Monday"),
        "{text}"
    );
    // Her link to the ticket no longer opens it; Lin's ticket is as it was.
    assert_eq!(read().await.status(), 404);
    let lins = server.admin_view(&theirs.ticket_id).await;
    assert_eq!(lins["email"], "lin@example.com");
    let (ok, out, _) = shopper(&server, &["export", "--email", "wei@example.com"]);
    assert!(ok);
    let export: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(
        export["tickets"],
        serde_json::json!([]),
        "nothing is kept about her now"
    );
}

#[tokio::test]
async fn a_sites_retention_erases_tickets_the_given_days_after_they_close_and_survives_a_restart() {
    let server = support::TestServer::start_customized(support::UNLIMITED, |site| {
        site.retention_days = Some(30);
    })
    .await;
    let closed = claim_of(&server, "wei@example.com", "old-1", true).await;
    let open = claim_of(&server, "wei@example.com", "open-1", false).await;
    // The server's background pass, as a second process would run it on the same data
    // directory after a restart: nothing in memory carries over.
    let pass = |days_later: i64| {
        let data_dir = server.data_dir.clone();
        async move {
            let (mut site, _) =
                helpcenter_server::sites::Site::demo(&data_dir, 8080).expect("demo site");
            site.retention_days = Some(30);
            let state = helpcenter_server::AppState::open(
                helpcenter_server::sites::Sites::new(vec![site]),
                &data_dir,
                &support::database(&data_dir),
                &support::evidence_location(&data_dir),
            )
            .await
            .expect("open");
            let at = jiff::Timestamp::now()
                .checked_add(jiff::SignedDuration::from_hours(days_later * 24))
                .expect("time");
            helpcenter_server::retention::apply_retention(&state, at)
                .await
                .expect("pass")
        }
    };
    assert_eq!(pass(29).await, 0, "29 days after closing: kept");
    assert_eq!(
        server.admin_view(&closed.ticket_id).await["email"],
        "wei@example.com"
    );
    assert_eq!(pass(31).await, 1, "31 days after: erased");
    assert_eq!(pass(31).await, 0, "and once only");
    let erased = server.admin_view(&closed.ticket_id).await;
    assert_eq!(
        (erased["email"].as_str(), erased["status"].as_str()),
        (Some(""), Some("closed"))
    );
    assert_eq!(
        server.stored_objects().await.len(),
        1,
        "the closed ticket's photo is deleted"
    );
    // A ticket that never closed is kept, however old.
    assert_eq!(pass(3650).await, 0);
    assert_eq!(
        server.admin_view(&open.ticket_id).await["email"],
        "wei@example.com"
    );
}

/// `serve` with an evidence store it cannot use stops at once, saying which setting is wrong
/// and how, before it listens: a shopper never meets it at their first upload.
#[test]
fn an_evidence_store_that_cannot_be_used_is_refused_at_start_saying_why() {
    let dir = tempfile::tempdir().expect("temp dir");
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let serve = |store: &str, env: &[(&str, String)]| {
        let started = std::time::Instant::now();
        let output = Command::new(env!("CARGO_BIN_EXE_helpcenter-server"))
            .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path())
            .args(["--evidence-store", store])
            .envs(
                support::database_env(dir.path())
                    .into_iter()
                    .filter(|(key, _)| *key != "HELPCENTER_EVIDENCE_STORE"),
            )
            // Only the variables given here (the PostgreSQL + S3 run sets its own).
            .env_remove("AWS_ALLOW_HTTP")
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("AWS_REGION")
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .output()
            .expect("run helpcenter-server");
        assert!(!output.status.success(), "{store}: refused");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{store}: at once"
        );
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let keys = |endpoint: String| {
        vec![
            ("AWS_ENDPOINT_URL", endpoint),
            ("AWS_REGION", "us-east-1".to_owned()),
            ("AWS_ACCESS_KEY_ID", "key".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "secret".to_owned()),
        ]
    };
    let err = serve("gs://acme-evidence", &[]);
    assert!(
        err.contains("evidence_store \"gs://acme-evidence\"") && err.contains("s3://BUCKET/PREFIX"),
        "{err}"
    );
    let err = serve("s3://Acme_Evidence/claims", &[]);
    assert!(err.contains("is not a bucket name"), "{err}");
    let err = serve("s3://acme-evidence", &keys("http://192.0.2.10:9000".into()));
    assert!(
        err.contains("plain HTTP to another machine") && err.contains("AWS_ALLOW_HTTP=true"),
        "{err}"
    );
    let mut half = keys(format!("http://127.0.0.1:{closed_port}"));
    half.retain(|(key, _)| *key != "AWS_SECRET_ACCESS_KEY");
    let err = serve("s3://acme-evidence", &half);
    assert!(err.contains("AWS_SECRET_ACCESS_KEY"), "{err}");
    // Well formed, but nothing answers there.
    let err = serve(
        "s3://acme-evidence/claims",
        &keys(format!("http://127.0.0.1:{closed_port}")),
    );
    assert!(
        err.contains("evidence_store s3://acme-evidence/claims: cannot store evidence there"),
        "{err}"
    );
    // In the config file: the file's name and the setting.
    let config = dir.path().join("helpcenter.toml");
    std::fs::write(
        &config,
        "[server]\nevidence_store = \"ftp://files/evidence\"\n",
    )
    .expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_helpcenter-server"))
        .args(["serve", "--bind", "127.0.0.1:0", "--config"])
        .arg(&config)
        .arg("--data-dir")
        .arg(dir.path())
        .env_remove("HELPCENTER_EVIDENCE_STORE")
        .output()
        .expect("run helpcenter-server");
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("helpcenter.toml") && err.contains("evidence_store \"ftp://files/evidence\""),
        "{err}"
    );
}

/// `--evidence-store file://DIR`: the evidence goes there, and backups, which copy the data
/// directory's own evidence, refuse rather than leave it out.
#[tokio::test]
async fn evidence_kept_in_another_directory_is_kept_there_and_backups_say_they_cannot_copy_it() {
    if support::on_postgres() {
        println!("skipped: backups are SQLite's (PostgreSQL's refusal has its own test)");
        return;
    }
    let data = tempfile::tempdir().expect("temp dir");
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let store = format!("file://{}", elsewhere.path().display());
    let port = support::free_port();
    let mut command = serve_command(port);
    command
        .arg("--data-dir")
        .arg(data.path())
        .args(["--evidence-store", &store])
        .env_remove("HELPCENTER_DATABASE_URL")
        .stderr(std::process::Stdio::null());
    let server = ServerProcess::spawn(&mut command, port).await;
    let photo = helpcenter_media::samples::png(640, 480, 3);
    let id = support::upload_at(
        &reqwest::Client::new(),
        &server.base(),
        "demo",
        "crack.png",
        &photo,
    )
    .await;
    server.kill();
    assert_eq!(
        std::fs::read(elsewhere.path().join(&id)).expect("kept in the named directory"),
        photo
    );
    assert!(!data.path().join("uploads/evidence").join(&id).exists());
    let backup = data.path().join("backup");
    let output = Command::new(env!("CARGO_BIN_EXE_helpcenter-server"))
        .args(["admin", "--data-dir"])
        .arg(data.path())
        .args(["--evidence-store", &store, "backup", "--to"])
        .arg(&backup)
        .env_remove("HELPCENTER_DATABASE_URL")
        .output()
        .expect("backup");
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("outside the data directory") && err.contains("store's own tools"),
        "{err}"
    );
    assert!(!backup.exists(), "nothing written");
}
