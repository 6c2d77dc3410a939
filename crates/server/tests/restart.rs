//! The real binary, killed with SIGKILL and started again on the same data directory:
//! nothing filed is lost, an interrupted upload resumes, and a reconnecting event stream
//! gets what it missed.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use futures_util::{StreamExt, stream};
use helpcenter_api::TicketCreated;
use helpcenter_media::samples::png;
use support::claims::{broken_blender, file_at};
use support::free_port;
use support::process::{ServerProcess, serve_command};
use support::tus::{create_upload, patch_request, upload_id, upload_offset as offset};

/// `serve` on the demo site of `data_dir` (no config), as a process killed when dropped.
async fn start(data_dir: &Path, widget_dir: &Path, port: u16) -> ServerProcess {
    let mut command = serve_command(port);
    command
        .arg("--data-dir")
        .arg(data_dir)
        .envs(support::database_env(data_dir))
        .arg("--widget-dir")
        .arg(widget_dir);
    ServerProcess::spawn(&mut command, port).await
}

async fn patch(
    http: &reqwest::Client,
    base: &str,
    location: &str,
    offset: usize,
    body: reqwest::Body,
) -> reqwest::Result<reqwest::Response> {
    patch_request(http, base, location, offset)
        .body(body)
        .send()
        .await
}

async fn file(
    http: &reqwest::Client,
    base: &str,
    key: &str,
    uploads: Vec<String>,
) -> TicketCreated {
    file_at(http, base, "demo", key, &broken_blender(uploads)).await
}

#[tokio::test]
async fn a_killed_server_loses_nothing_and_resumes_the_upload() {
    let data = tempfile::tempdir().expect("temp dir");
    let widget = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let http = reqwest::Client::new();
    let server = start(data.path(), widget.path(), port).await;
    let base = server.base();
    let admin_key = std::fs::read_to_string(data.path().join("demo-admin-key")).expect("admin key");

    // A ticket filed before the crash, with a stream open on it.
    let small = png(800, 600, 1);
    let location = create_upload(&http, &base, "demo", "first.png", small.len()).await;
    assert_eq!(
        patch(&http, &base, &location, 0, small.into())
            .await
            .expect("patch")
            .status(),
        204
    );
    let filed = file(&http, &base, "before-crash", vec![upload_id(&location)]).await;

    // A 3 MB photo, half sent, then the connection hangs and the server is killed.
    let photo = png(2000, 12_000, 2);
    let location = create_upload(&http, &base, "demo", "big.png", photo.len()).await;
    let half: Vec<Result<Vec<u8>, std::io::Error>> = photo[..photo.len() / 2]
        .chunks(64 * 1024)
        .map(|c| Ok(c.to_vec()))
        .collect();
    let hanging = reqwest::Body::wrap_stream(stream::iter(half).chain(stream::pending()));
    let sending = tokio::spawn({
        let (http, base, location) = (http.clone(), base.clone(), location.clone());
        async move { patch(&http, &base, &location, 0, hanging).await }
    });
    // Kill it once some bytes are safely stored (the server records progress every MiB).
    for _ in 0..200 {
        if offset(&http, &base, &location).await > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.kill();
    let _ = sending.await;

    // Agents keep working from the CLI while the server is down.
    let cli = Command::new(env!("CARGO_BIN_EXE_helpcenter-server"))
        .args(["admin", "--data-dir"])
        .arg(data.path())
        .envs(support::database_env(data.path()))
        .args(["tickets", "transition", &filed.ticket_id, "in_review"])
        .output()
        .expect("admin CLI");
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );

    let server = start(data.path(), widget.path(), port).await;
    let resumed_from = offset(&http, &base, &location).await;
    assert!(
        resumed_from > 0 && resumed_from <= photo.len() / 2,
        "resumes from what was safely stored: {resumed_from}"
    );
    let rest = patch(
        &http,
        &base,
        &location,
        resumed_from,
        photo[resumed_from..].to_vec().into(),
    )
    .await
    .expect("patch");
    assert_eq!(rest.status(), 204);
    assert_eq!(offset(&http, &base, &location).await, photo.len());
    let big = upload_id(&location);

    // The ticket from before the crash is there, with its history.
    let seen = http
        .get(format!("{base}/v1/tickets/{}", filed.ticket_id))
        .bearer_auth(&filed.access_token)
        .send()
        .await
        .expect("show");
    assert_eq!(seen.status(), 200);
    let seen: helpcenter_api::TicketView = seen.json().await.expect("ticket");
    assert_eq!(seen.status, helpcenter_core::TicketStatus::InReview);

    // A stream that reconnects with the last id it saw gets what happened meanwhile.
    let mut events = http
        .get(format!("{base}/v1/tickets/{}/events", filed.ticket_id))
        .bearer_auth(&filed.access_token)
        .header("Last-Event-ID", "1")
        .send()
        .await
        .expect("stream")
        .bytes_stream();
    let first = tokio::time::timeout(Duration::from_secs(1), events.next())
        .await
        .expect("replayed at once");
    let text = String::from_utf8_lossy(&first.expect("open").expect("bytes")).into_owned();
    assert!(
        text.contains("id: 2") && text.contains("\"in_review\""),
        "{text}"
    );

    // The resumed photo is byte-identical once attached to a new ticket.
    let second = file(&http, &base, "after-crash", vec![big.clone()]).await;
    let download = http
        .get(format!(
            "{base}/v1/tickets/{}/evidence/{big}",
            second.ticket_id
        ))
        .bearer_auth(&second.access_token)
        .send()
        .await
        .expect("download");
    assert_eq!(download.status(), 200);
    assert!(
        download.bytes().await.expect("bytes").as_ref() == photo.as_slice(),
        "byte-identical after resume"
    );
    let listed = http
        .get(format!("{base}/v1/admin/tickets"))
        .bearer_auth(admin_key.trim())
        .send()
        .await
        .expect("list");
    let listed: Vec<serde_json::Value> = listed.json().await.expect("json");
    assert_eq!(listed.len(), 2);
    drop(server);
}

#[tokio::test]
async fn sigterm_ends_open_event_streams_and_exits_cleanly() {
    let data = tempfile::tempdir().expect("temp dir");
    let widget = tempfile::tempdir().expect("temp dir");
    let http = reqwest::Client::new();
    let mut server = start(data.path(), widget.path(), free_port()).await;
    let base = server.base();
    let photo = png(800, 600, 3);
    let location = create_upload(&http, &base, "demo", "p.png", photo.len()).await;
    assert_eq!(
        patch(&http, &base, &location, 0, photo.into())
            .await
            .expect("patch")
            .status(),
        204
    );
    let filed = file(&http, &base, "k", vec![upload_id(&location)]).await;
    let mut stream = http
        .get(format!("{base}/v1/tickets/{}/events", filed.ticket_id))
        .bearer_auth(&filed.access_token)
        .send()
        .await
        .expect("stream")
        .bytes_stream();
    assert!(stream.next().await.is_some(), "the stream is open");

    server.terminate();
    // The server ends the stream itself, before it exits: the body comes to its proper end
    // (the last chunk of a chunked answer). A process that died with the stream open would
    // leave it cut off instead, which reads as an error here.
    let ending = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match stream.next().await {
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            }
        }
    })
    .await
    .expect("the server ends the open stream within 5 s of SIGTERM");
    if let Err(e) = ending {
        panic!("the stream was cut off rather than ended by the server: {e:?}");
    }
    let status = server
        .exit_within_five_seconds()
        .await
        .expect("the server exits within 5 s of ending its streams");
    assert!(status.success(), "{status}");
}
