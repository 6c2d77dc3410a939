//! Several server instances on one database and one evidence bucket, each with a data
//! directory of its own, as behind a load balancer without sticky sessions: a tus upload
//! begun on one continues on another, two PATCHes racing on one upload never mix their bytes,
//! and an instance killed mid-PATCH lets go of the upload by itself.
//!
//! These need what several machines share: PostgreSQL and an S3-compatible bucket, which
//! `cargo xtask test-postgres` starts. On SQLite and local files (one machine's engines) each
//! test says so and passes without running.

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use helpcenter_media::samples;
use reqwest::StatusCode;
use sha2::Digest;
use support::free_port;
use support::process::ServerProcess;
use support::tus::{create_upload, patch_request, upload_offset as offset};

const ADMIN_KEY: &str = "instances-admin-key";
/// A PATCH's bytes are stored in parts of this size (the server's `PART_BYTES`).
const PART: usize = 4 * 1024 * 1024;

/// Whether the engines several instances share are here; says why not when they are not.
fn shared_engines() -> bool {
    if support::on_postgres() && support::on_s3() {
        return true;
    }
    println!(
        "skipped: several instances share a PostgreSQL database and an S3 bucket, and this run \
         is on {} and {} (`cargo xtask test-postgres` runs it on both)",
        if support::on_postgres() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        if support::on_s3() {
            "S3"
        } else {
            "local files"
        }
    );
    false
}

/// Two instances: data directories of their own (with the same server secret, as a
/// deployment's instances have), one config, one database and one bucket.
struct Pool {
    a: ServerProcess,
    b: ServerProcess,
    base_a: String,
    base_b: String,
    http: reqwest::Client,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

impl Pool {
    /// `storage` is the config's `[server.storage]` body.
    async fn start(storage: &str) -> Pool {
        let one = tempfile::tempdir().expect("temp dir");
        let two = tempfile::tempdir().expect("temp dir");
        let config = write_config(one.path(), storage);
        let (port_a, port_b) = (free_port(), free_port());
        let a = ServerProcess::start_sharing(
            one.path(),
            &config,
            port_a,
            Some(&one.path().join("server.log")),
            one.path(),
        )
        .await;
        // On PostgreSQL the server secret is the database's (both instances read it there);
        // a data directory's own file, where there is one, goes to the other too.
        let secret = one.path().join("server-secret");
        if secret.exists() {
            std::fs::copy(&secret, two.path().join("server-secret"))
                .expect("the same secret on both");
        }
        let b = ServerProcess::start_sharing(
            two.path(),
            &config,
            port_b,
            Some(&two.path().join("server.log")),
            one.path(),
        )
        .await;
        Pool {
            a,
            b,
            base_a: format!("http://127.0.0.1:{port_a}"),
            base_b: format!("http://127.0.0.1:{port_b}"),
            http: reqwest::Client::new(),
            _dirs: (one, two),
        }
    }
}

fn write_config(dir: &Path, storage: &str) -> PathBuf {
    let config = dir.join("helpcenter.toml");
    std::fs::write(
        &config,
        format!(
            "[server.rate_limits]\nper_ip_per_second = 100000\nper_ip_burst = 100000\n\
             per_site_per_second = 100000\nper_site_burst = 100000\n\n\
             [server.storage]\n{storage}\n\n[[sites]]\nkey = \"demo\"\n\
             display_name = \"Demo Store\"\nallowed_origins = [\"http://localhost\"]\n\
             admin_key_sha256 = \"{}\"\n",
            helpcenter_server::auth::sha256_hex(ADMIN_KEY)
        ),
    )
    .expect("write the config");
    config
}

async fn patch(
    http: &reqwest::Client,
    base: &str,
    location: &str,
    offset: usize,
    bytes: &[u8],
) -> reqwest::Response {
    patch_request(http, base, location, offset)
        .body(bytes.to_vec())
        .send()
        .await
        .expect("PATCH")
}

/// A photo of `size` bytes or so, whose comment bytes are all `fill`: two clients' files of
/// one size differ in every part of them.
fn photo(padding: usize, fill: u8) -> Vec<u8> {
    let mut bytes = samples::jpeg(&samples::Jpeg {
        width: 640,
        height: 480,
        taken: Some("2026:11:30 10:00:00"),
        padding,
        seed: fill,
    });
    // The padding is runs of `x` in comment segments: only long runs are padding.
    let mut at = 0;
    while at < bytes.len() {
        let run = bytes[at..].iter().take_while(|&&b| b == b'x').count();
        if run >= 1000 {
            bytes[at..at + run].fill(fill);
        }
        at += run.max(1);
    }
    bytes
}

/// Files a claim with `upload` through `base`; answers the ticket's id.
async fn file_claim(http: &reqwest::Client, base: &str, upload: &str) -> String {
    let claim = support::claims::broken_blender(vec![upload.to_owned()]);
    let key = format!("instances-{upload}");
    support::claims::file_at(http, base, "demo", &key, &claim)
        .await
        .ticket_id
}

/// The ticket's first file as an agent's admin view links it, fetched through `base`.
async fn evidence_via(http: &reqwest::Client, base: &str, ticket: &str) -> Vec<u8> {
    let view: serde_json::Value = http
        .get(format!("{base}/v1/admin/tickets/{ticket}"))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .expect("admin view")
        .json()
        .await
        .expect("json");
    let url = view["evidence"][0]["url"].as_str().expect("a file's link");
    let file = http
        .get(format!("{base}{url}"))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .expect("the file");
    assert_eq!(file.status(), StatusCode::OK);
    file.bytes().await.expect("bytes").to_vec()
}

#[tokio::test]
async fn an_upload_begun_on_one_instance_is_finished_on_another_and_served_by_either() {
    if !shared_engines() {
        return;
    }
    let pool = Pool::start("").await;
    let http = &pool.http;
    let bytes = photo(9 * 1024 * 1024, b'w');
    let half = bytes.len() / 2;
    assert!(half > PART, "the first half fills more than one part");

    let location = create_upload(http, &pool.base_a, "demo", "IMG_2041.JPG", bytes.len()).await;
    let first = patch(http, &pool.base_a, &location, 0, &bytes[..half]).await;
    assert_eq!(first.status(), StatusCode::NO_CONTENT);
    // The next request lands on the other instance, which knows where the upload stands.
    assert_eq!(offset(http, &pool.base_b, &location).await, half);
    let rest = patch(http, &pool.base_b, &location, half, &bytes[half..]).await;
    assert_eq!(rest.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        rest.headers()["upload-offset"],
        bytes.len().to_string().as_str()
    );
    assert_eq!(offset(http, &pool.base_a, &location).await, bytes.len());

    let upload = location.rsplit('/').next().expect("id");
    let ticket = file_claim(http, &pool.base_a, upload).await;
    for base in [&pool.base_a, &pool.base_b] {
        let served = evidence_via(http, base, &ticket).await;
        assert_eq!(served.len(), bytes.len(), "through {base}");
        assert_eq!(
            hex::encode(sha2::Sha256::digest(&served)),
            hex::encode(sha2::Sha256::digest(&bytes)),
            "the shopper's exact bytes, through {base}"
        );
    }
}

#[tokio::test]
async fn two_patches_racing_on_one_upload_never_mix_their_bytes() {
    if !shared_engines() {
        return;
    }
    let pool = Pool::start("").await;
    let http = &pool.http;
    let mine = photo(6 * 1024 * 1024, b'm');
    let theirs = photo(6 * 1024 * 1024, b't');
    assert_eq!(mine.len(), theirs.len());

    // One PATCH on A holds the upload mid-body; another on B meanwhile is told it is locked
    // and stores nothing.
    let location = create_upload(http, &pool.base_a, "demo", "race.jpg", mine.len()).await;
    let (more, wait) = tokio::sync::oneshot::channel::<()>();
    let first_piece = bytes::Bytes::copy_from_slice(&mine[..PART + 1000]);
    let rest = bytes::Bytes::copy_from_slice(&mine[PART + 1000..]);
    let body = futures_util::stream::once(async move { Ok::<_, std::io::Error>(first_piece) })
        .chain(futures_util::stream::once(async move {
            let _ = wait.await;
            Ok::<_, std::io::Error>(rest)
        }));
    let holding = tokio::spawn(
        patch_request(http, &pool.base_a, &location, 0)
            .header("Content-Length", mine.len().to_string())
            .body(reqwest::Body::wrap_stream(body))
            .send(),
    );
    // A's first part is stored and recorded: A holds the upload.
    let deadline = Instant::now() + Duration::from_secs(10);
    while offset(http, &pool.base_b, &location).await < PART {
        assert!(Instant::now() < deadline, "A recorded its first part");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // (Bodies a socket buffer holds: a refusal that comes before the body is read would
    // otherwise race the client's writing.)
    let at = offset(http, &pool.base_b, &location).await;
    let racing = patch(
        http,
        &pool.base_b,
        &location,
        at,
        &theirs[at..at + 64 * 1024],
    )
    .await;
    assert_eq!(
        racing.status(),
        StatusCode::LOCKED,
        "B is told it is locked"
    );
    let racing = patch(http, &pool.base_b, &location, 0, &theirs[..64 * 1024]).await;
    assert_eq!(racing.status(), StatusCode::LOCKED);
    let _ = more.send(());
    let held = holding.await.expect("task").expect("A's answer");
    assert_eq!(held.status(), StatusCode::NO_CONTENT);
    let upload = location.rsplit('/').next().expect("id").to_owned();
    let ticket = file_claim(http, &pool.base_b, &upload).await;
    assert!(
        evidence_via(http, &pool.base_b, &ticket).await == mine,
        "exactly the first client's bytes"
    );

    // Both at once, from the start, on the two instances: one wins and the other is told
    // to wait (423) or that the upload has moved on (409); the file is one client's whole.
    let mine = photo(200 * 1024, b'm');
    let theirs = photo(200 * 1024, b't');
    for round in 0..3 {
        let location = create_upload(http, &pool.base_a, "demo", "again.jpg", mine.len()).await;
        let (one, two) = tokio::join!(
            patch(http, &pool.base_a, &location, 0, &mine),
            patch(http, &pool.base_b, &location, 0, &theirs),
        );
        let statuses = [one.status(), two.status()];
        let won: Vec<&Vec<u8>> = statuses
            .iter()
            .zip([&mine, &theirs])
            .filter(|(s, _)| **s == StatusCode::NO_CONTENT)
            .map(|(_, bytes)| bytes)
            .collect();
        assert_eq!(won.len(), 1, "round {round}: one wins: {statuses:?}");
        assert!(
            statuses
                .iter()
                .any(|s| [StatusCode::LOCKED, StatusCode::CONFLICT].contains(s)),
            "round {round}: the other is told why: {statuses:?}"
        );
        let upload = location.rsplit('/').next().expect("id").to_owned();
        let ticket = file_claim(http, &pool.base_a, &upload).await;
        assert!(
            evidence_via(http, &pool.base_a, &ticket).await == *won[0],
            "round {round}: the winner's bytes, whole"
        );
    }
}

#[tokio::test]
async fn an_instance_killed_mid_patch_lets_go_and_the_upload_resumes_on_the_other() {
    if !shared_engines() {
        return;
    }
    let lease = 2;
    let pool = Pool::start(&format!("upload_lease_seconds = {lease}")).await;
    let http = &pool.http;
    let bytes = photo(12 * 1024 * 1024, b'k');

    let location = create_upload(http, &pool.base_a, "demo", "IMG_2042.JPG", bytes.len()).await;
    let (_never, wait) = tokio::sync::oneshot::channel::<()>();
    // Two parts' worth and more (the bytes past a part boundary arrive in chunks of their own).
    let sent = 2 * PART + 1024 * 1024;
    let first_piece = bytes::Bytes::copy_from_slice(&bytes[..sent]);
    let body = futures_util::stream::once(async move { Ok::<_, std::io::Error>(first_piece) })
        .chain(futures_util::stream::once(async move {
            let _ = wait.await;
            Err::<bytes::Bytes, _>(std::io::Error::other("never sent"))
        }));
    let dying = tokio::spawn(
        patch_request(http, &pool.base_a, &location, 0)
            .header("Content-Length", bytes.len().to_string())
            .body(reqwest::Body::wrap_stream(body))
            .send(),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while offset(http, &pool.base_b, &location).await < 2 * PART {
        assert!(Instant::now() < deadline, "A recorded two parts");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // SIGKILL: A never lets go of the upload, nor records the bytes it holds unsent.
    pool.a.kill();
    let killed_at = Instant::now();
    assert!(dying.await.expect("task").is_err(), "A's answer never came");

    // Nothing recorded is lost: B says where to resume.
    let resume_at = offset(http, &pool.base_b, &location).await;
    assert!(
        (2 * PART..=sent).contains(&resume_at),
        "both parts A recorded: {resume_at}"
    );
    // Until A's lease lapses, B says the upload is busy; then it takes it on.
    let first_try = patch(
        http,
        &pool.base_b,
        &location,
        resume_at,
        &bytes[resume_at..resume_at + 64 * 1024],
    )
    .await;
    assert_eq!(first_try.status(), StatusCode::LOCKED);
    let finished = loop {
        assert!(
            killed_at.elapsed() < Duration::from_secs(lease * 5),
            "the lease lapsed within {lease} s or so"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
        let at = offset(http, &pool.base_b, &location).await;
        let response = patch(http, &pool.base_b, &location, at, &bytes[at..]).await;
        match response.status() {
            StatusCode::NO_CONTENT => break killed_at.elapsed(),
            StatusCode::LOCKED => continue,
            other => panic!("unexpected {other}"),
        }
    };
    assert!(
        finished >= Duration::from_millis(500),
        "B waited for the lease: {finished:?}"
    );
    let upload = location.rsplit('/').next().expect("id").to_owned();
    let ticket = file_claim(http, &pool.base_b, &upload).await;
    assert!(
        evidence_via(http, &pool.base_b, &ticket).await == bytes,
        "the file is whole, byte for byte"
    );
    drop(pool.b);
}
