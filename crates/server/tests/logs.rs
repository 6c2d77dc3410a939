//! The server's log as a service manager or a log file receives it: plain text without
//! colour codes when it is not written to a terminal, or one JSON object a line.

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::Duration;

mod support;

use support::process::{ServerProcess, serve_command};

/// Everything `serve --log-format FORMAT` writes (stdout and stderr, not a terminal) from its
/// start until a request has been logged.
async fn served_output(format: &str) -> (Vec<String>, Vec<String>) {
    let data = tempfile::tempdir().expect("temp dir");
    let port = support::free_port();
    let mut command = serve_command(port);
    command
        .args(["--log-format", format, "--data-dir"])
        .arg(data.path())
        .envs(support::database_env(data.path()))
        // Nothing built there: the start-up warns, and warnings are what colour most.
        .args([
            "--widget-dir",
            "/nonexistent",
            "--public-dir",
            "/nonexistent",
        ])
        .env("RUST_LOG", "info,tower_http=debug")
        .env_remove("NO_COLOR")
        .env_remove("HELPCENTER_LOG_FORMAT")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut server = ServerProcess::spawn(&mut command, port).await;
    let read = |stream: Box<dyn std::io::Read + Send>| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        rx
    };
    let stdout = read(Box::new(server.child().stdout.take().expect("stdout")));
    let stderr = read(Box::new(server.child().stderr.take().expect("stderr")));
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.kill();
    (stdout.try_iter().collect(), stderr.try_iter().collect())
}

#[tokio::test]
async fn plain_logs_carry_no_colour_codes_when_not_written_to_a_terminal() {
    let (out, err) = served_output("plain").await;
    let all: Vec<&String> = out.iter().chain(&err).collect();
    assert!(
        all.iter().any(|l| l.contains("no built widget here")),
        "the start-up warning is logged: {all:#?}"
    );
    assert!(
        all.iter().any(|l| l.contains("/healthz")),
        "the request is logged: {all:#?}"
    );
    assert!(
        out.iter()
            .any(|l| l.contains("Help Center server listening on http://")),
        "{out:#?}"
    );
    for line in &all {
        assert!(!line.contains('\u{1b}'), "a colour code in {line:?}");
    }
}

#[tokio::test]
async fn json_logs_are_one_object_a_line_start_up_included() {
    let (out, err) = served_output("json").await;
    assert!(err.is_empty(), "nothing outside the log: {err:#?}");
    let events: Vec<serde_json::Value> = out
        .iter()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"))
        })
        .collect();
    for event in &events {
        assert!(event["timestamp"].is_string(), "{event}");
        assert!(event["level"].is_string(), "{event}");
    }
    let message = |event: &serde_json::Value| {
        event["fields"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        events
            .iter()
            .any(|e| message(e).starts_with("Help Center server listening on http://")),
        "{events:#?}"
    );
    assert!(
        events
            .iter()
            .any(|e| message(e).starts_with("Widget of Demo Store (demo): http://")),
        "{events:#?}"
    );
    // The tag a merchant copies names the site, so the launcher comes in its colours.
    assert!(
        events.iter().any(|e| {
            let m = message(e);
            m.contains("<script src=\"http://")
                && m.contains("/embed.js?site=demo\" async></script>")
        }),
        "{events:#?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e["level"] == "WARN" && message(e).contains("no built widget here")),
        "{events:#?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e["span"]["path"] == "/healthz" || e.to_string().contains("/healthz")),
        "the request is logged with its path: {events:#?}"
    );
}

#[test]
fn an_unknown_log_format_is_refused_naming_the_choices() {
    let output = Command::new(env!("CARGO_BIN_EXE_helpcenter-server"))
        .args(["serve", "--log-format", "xml"])
        .output()
        .expect("serve");
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("possible values: plain, json"), "{err}");
}
