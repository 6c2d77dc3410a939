//! The real binary, killed with SIGKILL and started again on the same data directory:
//! nothing filed is lost, an interrupted upload resumes, and a reconnecting event stream
//! gets what it missed.

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::{StreamExt, stream};
use helpcenter_api::{NewTicket, TicketCreated};
use helpcenter_media::samples::png;

/// A `helpcenter-server serve` process, killed when dropped (also when a test fails).
struct Server {
    child: Child,
    base: String,
}

impl Server {
    async fn start(data_dir: &Path, widget_dir: &Path, port: u16) -> Server {
        let child = Command::new(env!("CARGO_BIN_EXE_helpcenter-server"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(data_dir)
            .envs(support::database_env(data_dir))
            .arg("--widget-dir")
            .arg(widget_dir)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("start helpcenter-server");
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..200 {
            if reqwest::get(format!("{}/healthz", server.base))
                .await
                .is_ok_and(|r| r.status() == 200)
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not come up on port {port}");
    }

    /// SIGKILL: no shutdown handler runs, nothing is flushed on the way out.
    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn b64(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

async fn create_upload(http: &reqwest::Client, base: &str, name: &str, length: usize) -> String {
    let response = http
        .post(format!("{base}/v1/uploads"))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", length.to_string())
        .header(
            "Upload-Metadata",
            format!("site {},filename {}", b64("demo"), b64(name)),
        )
        .send()
        .await
        .expect("create upload");
    assert_eq!(response.status(), 201);
    response.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned()
}

async fn patch(
    http: &reqwest::Client,
    base: &str,
    location: &str,
    offset: usize,
    body: reqwest::Body,
) -> reqwest::Result<reqwest::Response> {
    http.patch(format!("{base}{location}"))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", offset.to_string())
        .header("Content-Type", "application/offset+octet-stream")
        .body(body)
        .send()
        .await
}

async fn offset(http: &reqwest::Client, base: &str, location: &str) -> usize {
    let head = http
        .head(format!("{base}{location}"))
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .expect("HEAD");
    assert_eq!(head.status(), 200);
    head.headers()["upload-offset"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("a number")
}

fn claim(uploads: Vec<String>) -> NewTicket {
    NewTicket {
        category: "product_quality".into(),
        answers: vec!["fault".into(), "as_instructed".into()],
        order_number: "10023456".into(),
        description: "The blender stopped working after two days; the motor hums but the blade does not turn.".into(),
        email: "wei@example.com".into(),
        uploads,
        locale: "en".into(),
        ..NewTicket::default()
    }
}

async fn file(
    http: &reqwest::Client,
    base: &str,
    key: &str,
    uploads: Vec<String>,
) -> TicketCreated {
    let response = http
        .post(format!("{base}/v1/sites/demo/tickets"))
        .header("Idempotency-Key", key)
        .json(&claim(uploads))
        .send()
        .await
        .expect("create ticket");
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
    response.json().await.expect("ticket")
}

#[tokio::test]
async fn a_killed_server_loses_nothing_and_resumes_the_upload() {
    let data = tempfile::tempdir().expect("temp dir");
    let widget = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let http = reqwest::Client::new();
    let server = Server::start(data.path(), widget.path(), port).await;
    let base = server.base.clone();
    let admin_key = std::fs::read_to_string(data.path().join("demo-admin-key")).expect("admin key");

    // A ticket filed before the crash, with a stream open on it.
    let small = png(800, 600, 1);
    let location = create_upload(&http, &base, "first.png", small.len()).await;
    assert_eq!(
        patch(&http, &base, &location, 0, small.into())
            .await
            .expect("patch")
            .status(),
        204
    );
    let filed = file(
        &http,
        &base,
        "before-crash",
        vec![location.rsplit('/').next().unwrap_or("").to_owned()],
    )
    .await;

    // A 3 MB photo, half sent, then the connection hangs and the server is killed.
    let photo = png(2000, 12_000, 2);
    let location = create_upload(&http, &base, "big.png", photo.len()).await;
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

    let server = Server::start(data.path(), widget.path(), port).await;
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
    let big = location.rsplit('/').next().unwrap_or("").to_owned();

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
    let mut server = Server::start(data.path(), widget.path(), free_port()).await;
    let base = server.base.clone();
    let photo = png(800, 600, 3);
    let location = create_upload(&http, &base, "p.png", photo.len()).await;
    assert_eq!(
        patch(&http, &base, &location, 0, photo.into())
            .await
            .expect("patch")
            .status(),
        204
    );
    let filed = file(
        &http,
        &base,
        "k",
        vec![location.rsplit('/').next().unwrap_or("").to_owned()],
    )
    .await;
    let mut stream = http
        .get(format!("{base}/v1/tickets/{}/events", filed.ticket_id))
        .bearer_auth(&filed.access_token)
        .send()
        .await
        .expect("stream")
        .bytes_stream();
    assert!(stream.next().await.is_some(), "the stream is open");

    let term = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(term.success());
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
    let mut exited = None;
    for _ in 0..100 {
        if let Some(status) = server.child.try_wait().expect("wait") {
            exited = Some(status);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let status = exited.expect("the server exits within 5 s of ending its streams");
    assert!(status.success(), "{status}");
}
