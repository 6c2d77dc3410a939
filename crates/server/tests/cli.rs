//! The `helpcenter-server` binary as a merchant runs it.

use std::process::Command;

fn server(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_helpcenter-server"))
        .args(args)
        .output()
        .expect("run helpcenter-server");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
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
    assert!(
        err.contains("questions[2].answers[1].next: no question or outcome is named \"nowhere\""),
        "{err}"
    );
    assert!(
        err.contains("outcomes[2].claim_window.days_after_delivery: at most 365 days"),
        "{err}"
    );
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
            .args(args);
        match secret {
            Some(secret) => command.env("ACME_HELPCENTER_IDENTITY_SECRET", secret),
            None => command.env_remove("ACME_HELPCENTER_IDENTITY_SECRET"),
        };
        let output = command.output().expect("run");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (ok, out, err) = run(
        &["--site", "acme", "tickets", "list"],
        Some("a-secret-of-16-chars-or-more"),
    );
    assert!(ok, "{err}");
    assert!(out.contains("0 ticket(s)"), "{out}");
    let (ok, _, err) = run(&["--site", "acme", "tickets", "list"], None);
    assert!(!ok);
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
    let (ok, out, _) = server(&["admin", "hash-key", "s3cret"]);
    assert!(ok);
    assert_eq!(
        out.trim(),
        "1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0"
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
