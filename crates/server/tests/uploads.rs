//! Evidence uploads over tus 1.0, over real HTTP against a real SQLite file and real disk:
//! resuming, refusing what must never be stored, termination, expiry and crash recovery.

mod support;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures_util::StreamExt as _;
use helpcenter_core::MediaType;
use helpcenter_media::samples::{self, png};
use helpcenter_server::AppState;
use helpcenter_server::sites::{Site, Sites};
use helpcenter_server::uploads::quota::StorageLimits;
use helpcenter_server::uploads::{self, expire_uploads};
use reqwest::{Response, StatusCode};
use sha1::Digest as _;
use support::TestServer;
use support::tus::{b64, patch_request};

const MB: u64 = 1024 * 1024;

/// `POST /v1/uploads` as a tus client sends it.
async fn create(server: &TestServer, metadata: &str, length: u64) -> Response {
    server
        .http
        .post(server.url("/v1/uploads"))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", length.to_string())
        .header("Upload-Metadata", metadata)
        .send()
        .await
        .expect("POST")
}

/// Creates an upload for the demo site; returns its location and id.
async fn start_upload(server: &TestServer, filename: &str, length: usize) -> (String, String) {
    let metadata = format!("site {},filename {}", b64("demo"), b64(filename));
    let created = create(server, &metadata, length as u64).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(created.headers()["tus-resumable"], "1.0.0");
    assert!(created.headers().contains_key("upload-expires"));
    let location = created.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(location.starts_with("/v1/uploads/"), "{location}");
    let id = location.trim_start_matches("/v1/uploads/").to_owned();
    (location, id)
}

async fn patch(server: &TestServer, location: &str, offset: usize, bytes: &[u8]) -> Response {
    patch_request(&server.http, &server.base, location, offset)
        .body(bytes.to_vec())
        .send()
        .await
        .expect("PATCH")
}

async fn head(server: &TestServer, location: &str) -> Response {
    server
        .http
        .head(server.url(location))
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .expect("HEAD")
}

fn offset_of(response: &Response) -> u64 {
    response.headers()["upload-offset"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("a number")
}

/// The problem's status and stable code, after checking it is RFC 9457 JSON.
async fn problem(response: Response) -> (StatusCode, String) {
    let status = response.status();
    assert_eq!(response.headers()["tus-resumable"], "1.0.0");
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: serde_json::Value = response.json().await.expect("problem JSON");
    assert_eq!(body["status"], status.as_u16());
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

/// Uploads `bytes` in two PATCHes, checking the offset in between.
async fn upload_in_halves(server: &TestServer, filename: &str, bytes: &[u8]) -> String {
    let (location, id) = start_upload(server, filename, bytes.len()).await;
    let half = bytes.len() / 2;
    let first = patch(server, &location, 0, &bytes[..half]).await;
    assert_eq!(first.status(), StatusCode::NO_CONTENT);
    assert_eq!(offset_of(&first), half as u64);
    let second = patch(server, &location, half, &bytes[half..]).await;
    assert_eq!(second.status(), StatusCode::NO_CONTENT);
    assert_eq!(offset_of(&second), bytes.len() as u64);
    id
}

async fn sql_count(server: &TestServer, sql: &str) -> i64 {
    let pool = server.db().await;
    let count: (i64,) = sqlx::query_as(sql).fetch_one(&pool).await.expect("count");
    pool.close().await;
    count.0
}

async fn sql_exec(server: &TestServer, sql: &str) {
    let pool = server.db().await;
    sqlx::query(sql).execute(&pool).await.expect("exec");
    pool.close().await;
}

/// The objects stored for an upload in progress (its parts).
async fn parts_stored(server: &TestServer, id: &str) -> usize {
    let prefix = format!("partial/{id}/");
    server
        .stored_objects()
        .await
        .iter()
        .filter(|name| name.starts_with(&prefix))
        .count()
}

/// A request's hold on an upload, as the server's default.
const LEASE: std::time::Duration = std::time::Duration::from_secs(30);

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

/// A JPEG taken on `date` (EXIF), `width`×`height`, padded with `padding` bytes of comment so
/// it can be sent in pieces.
fn jpeg_with_exif(date: &str, width: u16, height: u16, padding: usize) -> Vec<u8> {
    samples::jpeg(&samples::Jpeg {
        width,
        height,
        taken: Some(date),
        padding,
        seed: 0,
    })
}

fn mp4_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    b.extend_from_slice(kind);
    b.extend_from_slice(body);
    b
}

/// An MP4: `ftyp`, a media payload, then `moov/mvhd` (as phones write it, index last).
fn mp4(timescale: u32, duration: u32, payload: usize) -> Vec<u8> {
    let mut file = mp4_box(b"ftyp", b"isom\0\0\x02\0isomiso2avc1mp41");
    file.extend(mp4_box(b"mdat", &vec![0x5A; payload]));
    let mut mvhd = vec![0, 0, 0, 0];
    mvhd.extend_from_slice(&[0; 8]);
    mvhd.extend_from_slice(&timescale.to_be_bytes());
    mvhd.extend_from_slice(&duration.to_be_bytes());
    mvhd.extend_from_slice(&[0; 80]);
    file.extend(mp4_box(b"moov", &mp4_box(b"mvhd", &mvhd)));
    file
}

/// tus discovery. Through the whole app an OPTIONS request is answered by the CORS layer as a
/// preflight, so the tus routes are served here on their own, over real HTTP all the same.
#[tokio::test]
async fn options_says_what_the_server_speaks() {
    let data = tempfile::tempdir().expect("temp dir");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (site, _) = Site::demo(data.path(), addr.port()).expect("demo site");
    let state = AppState::open(
        Sites::new(vec![site]),
        data.path(),
        &support::database(data.path()),
        &support::evidence_location(data.path()),
    )
    .await
    .expect("state");
    // The tus routes carry their full paths (`/v1/uploads…`), as documented.
    let app = axum::Router::from(uploads::routes()).with_state(state);
    tokio::spawn(async move { axum::serve(listener, app).await });
    let response = reqwest::Client::new()
        .request(
            reqwest::Method::OPTIONS,
            format!("http://{addr}/v1/uploads"),
        )
        .send()
        .await
        .expect("OPTIONS");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let headers = response.headers();
    assert_eq!(headers["tus-resumable"], "1.0.0");
    assert_eq!(headers["tus-version"], "1.0.0");
    let extensions = headers["tus-extension"].to_str().expect("ascii");
    for extension in ["creation", "termination", "expiration", "checksum"] {
        assert!(
            extensions.split(',').any(|e| e == extension),
            "{extensions}"
        );
    }
    assert_eq!(headers["tus-max-size"], (20 * MB).to_string().as_str());
    assert_eq!(headers["tus-checksum-algorithm"], "sha1");
}

#[tokio::test]
async fn an_upload_interrupted_half_way_resumes_from_head_byte_identical() {
    let server = TestServer::start().await;
    let bytes = png(800, 600, 7);
    let (location, id) = start_upload(&server, "../../box photo.png", bytes.len()).await;
    let half = bytes.len() / 2;

    let first = patch(&server, &location, 0, &bytes[..half]).await;
    assert_eq!(first.status(), StatusCode::NO_CONTENT);
    assert_eq!(offset_of(&first), half as u64);
    assert!(first.headers().contains_key("upload-expires"));

    // The connection dropped here; the client asks where to go on from.
    let resume = head(&server, &location).await;
    assert_eq!(resume.status(), StatusCode::OK);
    assert_eq!(offset_of(&resume), half as u64);
    assert_eq!(
        resume.headers()["upload-length"],
        bytes.len().to_string().as_str()
    );
    assert_eq!(resume.headers()["cache-control"], "no-store");
    assert_eq!(resume.headers()["tus-resumable"], "1.0.0");

    let rest = patch(&server, &location, half, &bytes[half..]).await;
    assert_eq!(rest.status(), StatusCode::NO_CONTENT);
    assert_eq!(offset_of(&rest), bytes.len() as u64);
    let done = head(&server, &location).await;
    assert_eq!(offset_of(&done), bytes.len() as u64);

    let evidence = server.evidence_store();
    let stored = evidence.read_all(&id).await.expect("stored bytes");
    assert_eq!(&stored[..], &bytes[..], "byte-identical");
    let (_, length) = evidence.read(&id).await.expect("stream");
    assert_eq!(length, bytes.len() as u64);

    let store = server.store().await;
    let upload = store.upload(&id).await.expect("query").expect("the upload");
    assert!(upload.completed);
    assert_eq!(upload.site, "demo");
    assert_eq!(upload.ticket_id, None);
    let facts = upload.facts;
    assert_eq!(facts.name, "box photo.png", "only the last path component");
    assert_eq!(facts.bytes, bytes.len() as u64);
    assert_eq!(facts.media_type, Some(MediaType::Png));
    assert_eq!((facts.width, facts.height), (Some(800), Some(600)));
    assert_eq!(facts.content_hash, sha256_hex(&bytes));
    assert_eq!(facts.captured_on, None);
    assert_eq!(facts.duration_seconds, None);

    // What the ticket code asks for: complete, this site's, in the order asked.
    let other = upload_in_halves(&server, "second.png", &png(640, 480, 9)).await;
    let asked = [other.clone(), "unknown".to_owned(), id.clone()];
    let found = store
        .completed_uploads("demo", &asked)
        .await
        .expect("query");
    let ids: Vec<&str> = found.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, [other.as_str(), id.as_str()]);
    assert!(
        store
            .completed_uploads("shop2", &asked)
            .await
            .expect("query")
            .is_empty()
    );
    // No part is left once an upload is finished: only the two finished files.
    let mut finished = vec![id.clone(), other.clone()];
    finished.sort();
    assert_eq!(server.stored_objects().await, finished);
    assert_eq!(
        sql_count(&server, "SELECT COUNT(*) FROM upload_parts").await,
        0
    );
}

#[tokio::test]
async fn photos_and_videos_are_inspected_on_completion() {
    let server = TestServer::start().await;
    let store = server.store().await;

    let jpeg = jpeg_with_exif("2026:11:21 18:05:09", 1024, 768, 100_000);
    let id = upload_in_halves(&server, "IMG_0042.JPG", &jpeg).await;
    let facts = store.upload(&id).await.expect("query").expect("jpeg").facts;
    assert_eq!(facts.media_type, Some(MediaType::Jpeg));
    assert_eq!((facts.width, facts.height), (Some(1024), Some(768)));
    assert_eq!(facts.captured_on, "2026-11-21".parse().ok());
    assert_eq!(facts.content_hash, sha256_hex(&jpeg));

    let video = mp4(1000, 12_500, 300_000);
    let id = upload_in_halves(&server, "unboxing.mp4", &video).await;
    let facts = store.upload(&id).await.expect("query").expect("mp4").facts;
    assert_eq!(facts.media_type, Some(MediaType::Mp4));
    assert_eq!(facts.duration_seconds, Some(12.5));
    assert_eq!((facts.width, facts.height), (None, None));
    assert_eq!(facts.bytes, video.len() as u64);
    let stored = server.evidence_store().read_all(&id).await.expect("bytes");
    assert_eq!(&stored[..], &video[..]);

    // A file smaller than the sniffing window, sent a few bytes at a time, is still judged on
    // its real bytes.
    let tiny = png(1, 1, 0);
    let (location, id) = start_upload(&server, "dot.png", tiny.len()).await;
    let mut offset = 0;
    for piece in tiny.chunks(5) {
        let response = patch(&server, &location, offset, piece).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        offset += piece.len();
        assert_eq!(offset_of(&response), offset as u64);
    }
    let facts = store.upload(&id).await.expect("query").expect("png").facts;
    assert_eq!(facts.media_type, Some(MediaType::Png));
    assert_eq!((facts.width, facts.height), (Some(1), Some(1)));
}

#[tokio::test]
async fn html_named_photo_jpg_is_refused_and_nothing_is_kept() {
    let server = TestServer::start().await;
    let html = b"<!doctype html><html><script>fetch('/steal?c='+document.cookie)</script></html>";
    let (location, id) = start_upload(&server, "photo.jpg", html.len()).await;
    let (status, code) = problem(patch(&server, &location, 0, html).await).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(code, "file.type_not_accepted");
    assert_eq!(
        head(&server, &location).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(server.stored_objects().await, Vec::<String>::new());
    assert_eq!(sql_count(&server, "SELECT COUNT(*) FROM uploads").await, 0);
    let store = server.store().await;
    assert_eq!(store.upload(&id).await.expect("query"), None);

    // SVG and a ZIP, sent a few bytes at a time: judged as soon as 16 bytes are known.
    for (name, bytes) in [
        (
            "scan.png",
            &b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>"[..],
        ),
        ("clip.mp4", &b"PK\x03\x04\x14\0\0\0\x08\0evidence.exe"[..]),
    ] {
        let (location, _) = start_upload(&server, name, bytes.len()).await;
        let first = patch(&server, &location, 0, &bytes[..10]).await;
        assert_eq!(first.status(), StatusCode::NO_CONTENT);
        let (status, code) = problem(patch(&server, &location, 10, &bytes[10..]).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "file.type_not_accepted")
        );
        assert_eq!(
            head(&server, &location).await.status(),
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(server.stored_objects().await, Vec::<String>::new());
    assert_eq!(sql_count(&server, "SELECT COUNT(*) FROM uploads").await, 0);
}

#[tokio::test]
async fn an_outcome_must_be_the_sites_and_is_kept() {
    let server = TestServer::start().await;
    let metadata = format!(
        "site {},filename {},outcome {}",
        b64("demo"),
        b64("a.jpg"),
        b64("no_such_outcome")
    );
    let (status, code) = problem(create(&server, &metadata, 1000).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "upload.outcome_not_found")
    );
    let metadata = format!(
        "site {},filename {},outcome {}",
        b64("demo"),
        b64("a.jpg"),
        b64("transit_damage")
    );
    let created = create(&server, &metadata, 1000).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let location = created.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let metadata = head(&server, &location).await.headers()["upload-metadata"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        metadata.contains(&format!("outcome {}", b64("transit_damage"))),
        "{metadata}"
    );
}

#[tokio::test]
async fn too_large_is_refused_before_a_byte_is_sent() {
    let server = TestServer::start().await;
    let demo = |extra: &str| format!("site {},filename {}{extra}", b64("demo"), b64("big.mp4"));
    let (status, code) = problem(create(&server, &demo(""), 20 * MB + 1).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "file.too_large")
    );
    let with_outcome = demo(&format!(",outcome {}", b64("quality_defect")));
    let (status, code) = problem(create(&server, &with_outcome, 20 * MB + 1).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "file.too_large")
    );
    // Exactly at the limit is fine.
    assert_eq!(
        create(&server, &demo(""), 20 * MB).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(sql_count(&server, "SELECT COUNT(*) FROM uploads").await, 1);
    assert_eq!(server.stored_objects().await, Vec::<String>::new());

    // A body longer than Upload-Length is refused too, and nothing past the length is kept.
    let bytes = png(320, 240, 1);
    let (location, _) = start_upload(&server, "a.png", bytes.len() - 10).await;
    let (status, code) = problem(patch(&server, &location, 0, &bytes).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "upload.exceeds_length")
    );
    assert_eq!(offset_of(&head(&server, &location).await), 0);
}

#[tokio::test]
async fn bad_creation_requests_get_specific_codes() {
    let server = TestServer::start().await;
    let good = format!("site {},filename {}", b64("demo"), b64("a.png"));
    type Headers = Vec<(&'static str, String)>;
    let cases: Vec<(Headers, StatusCode, &str)> = vec![
        (
            vec![("upload-metadata", good.clone())],
            StatusCode::BAD_REQUEST,
            "upload.length_missing",
        ),
        (
            vec![
                ("upload-length", "12abc".into()),
                ("upload-metadata", good.clone()),
            ],
            StatusCode::BAD_REQUEST,
            "upload.length_invalid",
        ),
        (
            vec![
                ("upload-length", "-1".into()),
                ("upload-metadata", good.clone()),
            ],
            StatusCode::BAD_REQUEST,
            "upload.length_invalid",
        ),
        (
            vec![
                ("upload-defer-length", "1".into()),
                ("upload-metadata", good.clone()),
            ],
            StatusCode::BAD_REQUEST,
            "upload.defer_length_unsupported",
        ),
        (
            vec![("upload-length", "10".into())],
            StatusCode::BAD_REQUEST,
            "upload.metadata_missing",
        ),
        (
            vec![
                ("upload-length", "10".into()),
                ("upload-metadata", "site !!!".into()),
            ],
            StatusCode::BAD_REQUEST,
            "upload.metadata_invalid",
        ),
        (
            vec![
                ("upload-length", "10".into()),
                ("upload-metadata", format!("filename {}", b64("a.png"))),
            ],
            StatusCode::BAD_REQUEST,
            "upload.site_missing",
        ),
        (
            vec![
                ("upload-length", "10".into()),
                ("upload-metadata", format!("site {}", b64("demo"))),
            ],
            StatusCode::BAD_REQUEST,
            "upload.filename_missing",
        ),
        (
            vec![
                ("upload-length", "10".into()),
                (
                    "upload-metadata",
                    format!("site {},filename {}", b64("nope"), b64("a.png")),
                ),
            ],
            StatusCode::NOT_FOUND,
            "site.not_found",
        ),
        (
            vec![
                ("upload-length", "0".into()),
                ("upload-metadata", good.clone()),
            ],
            StatusCode::BAD_REQUEST,
            "file.empty",
        ),
        (
            vec![
                ("upload-length", "10".into()),
                (
                    "upload-metadata",
                    format!("site {},filename {}", b64("demo"), "QUFB".repeat(2000)),
                ),
            ],
            StatusCode::BAD_REQUEST,
            "upload.metadata_invalid",
        ),
    ];
    for (headers, status, code) in cases {
        let mut request = server
            .http
            .post(server.url("/v1/uploads"))
            .header("Tus-Resumable", "1.0.0");
        for (name, value) in &headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.expect("POST");
        assert_eq!(
            problem(response).await,
            (status, code.to_owned()),
            "{headers:?}"
        );
    }
    assert_eq!(sql_count(&server, "SELECT COUNT(*) FROM uploads").await, 0);
}

#[tokio::test]
async fn protocol_errors() {
    let server = TestServer::start().await;
    let bytes = png(320, 240, 2);
    let (location, _) = start_upload(&server, "a.png", bytes.len()).await;

    // No Tus-Resumable: 412, with the versions this server speaks.
    let response = server
        .http
        .head(server.url(&location))
        .send()
        .await
        .expect("HEAD");
    assert_eq!(response.status(), StatusCode::PRECONDITION_FAILED);
    assert_eq!(response.headers()["tus-version"], "1.0.0");
    let response = server
        .http
        .post(server.url("/v1/uploads"))
        .header("Upload-Length", "10")
        .send()
        .await
        .expect("POST");
    let (status, code) = problem(response).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::PRECONDITION_FAILED, "upload.tus_version")
    );

    // Wrong offset: 409, nothing stored.
    let (status, code) = problem(patch(&server, &location, 5, &bytes[5..]).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::CONFLICT, "upload.offset_mismatch")
    );
    assert_eq!(offset_of(&head(&server, &location).await), 0);

    // Wrong content type: 415.
    let response = server
        .http
        .patch(server.url(&location))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", "0")
        .header("Content-Type", "image/png")
        .body(bytes.clone())
        .send()
        .await
        .expect("PATCH");
    let (status, code) = problem(response).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "upload.content_type")
    );

    // Unknown uploads, including ids that are no ids at all.
    for unknown in [
        "/v1/uploads/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "/v1/uploads/..%2F..%2Fhelpcenter.db",
    ] {
        assert_eq!(head(&server, unknown).await.status(), StatusCode::NOT_FOUND);
        let (status, code) = problem(patch(&server, unknown, 0, b"x").await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::NOT_FOUND, "upload.not_found")
        );
    }

    // Checksums: a wrong one is refused with 460 and the bytes are not kept.
    let half = bytes.len() / 2;
    let with_checksum = |digest: Vec<u8>, offset: usize, body: Vec<u8>| {
        server
            .http
            .patch(server.url(&location))
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Offset", offset.to_string())
            .header("Content-Type", "application/offset+octet-stream")
            .header(
                "Upload-Checksum",
                format!("sha1 {}", STANDARD.encode(digest)),
            )
            .body(body)
            .send()
    };
    let wrong = sha1::Sha1::digest(b"something else").to_vec();
    let response = with_checksum(wrong, 0, bytes[..half].to_vec())
        .await
        .expect("PATCH");
    assert_eq!(response.status().as_u16(), 460);
    assert_eq!(problem(response).await.1, "upload.checksum_mismatch");
    assert_eq!(offset_of(&head(&server, &location).await), 0);
    let right = sha1::Sha1::digest(&bytes[..half]).to_vec();
    let response = with_checksum(right, 0, bytes[..half].to_vec())
        .await
        .expect("PATCH");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(offset_of(&response), half as u64);
}

#[tokio::test]
async fn termination_removes_the_upload() {
    let server = TestServer::start().await;
    let delete = |location: String| {
        server
            .http
            .delete(server.url(&location))
            .header("Tus-Resumable", "1.0.0")
            .send()
    };
    // Unfinished.
    let bytes = png(320, 240, 3);
    let (location, unfinished) = start_upload(&server, "a.png", bytes.len()).await;
    let part = patch(&server, &location, 0, &bytes[..1000]).await;
    assert_eq!(part.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        offset_of(&part),
        1000,
        "part of it is stored before it is removed"
    );
    let evidence = server.evidence_store();
    assert_eq!(parts_stored(&server, &unfinished).await, 1);
    let response = delete(location.clone()).await.expect("DELETE");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(response.headers()["tus-resumable"], "1.0.0");
    assert_eq!(
        parts_stored(&server, &unfinished).await,
        0,
        "its stored part goes with it"
    );
    assert_eq!(
        head(&server, &location).await.status(),
        StatusCode::NOT_FOUND
    );
    let (status, code) = problem(delete(location).await.expect("DELETE")).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "upload.not_found")
    );

    // Finished: the stored bytes go too.
    let id = upload_in_halves(&server, "b.png", &bytes).await;
    assert!(evidence.read_all(&id).await.is_ok());
    let response = delete(format!("/v1/uploads/{id}")).await.expect("DELETE");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(evidence.read_all(&id).await.is_err());
    assert_eq!(server.stored_objects().await, Vec::<String>::new());
    assert_eq!(sql_count(&server, "SELECT COUNT(*) FROM uploads").await, 0);
}

#[tokio::test]
async fn unfinished_uploads_expire() {
    let server = TestServer::start().await;
    let bytes = png(320, 240, 4);
    let (unfinished, unfinished_id) = start_upload(&server, "a.png", bytes.len()).await;
    let part = patch(&server, &unfinished, 0, &bytes[..1000]).await;
    assert_eq!(part.status(), StatusCode::NO_CONTENT);
    assert_eq!(offset_of(&part), 1000);
    let finished = upload_in_halves(&server, "b.png", &bytes).await;

    let store = server.store().await;
    let evidence = server.evidence_store();
    // Nothing is due yet.
    let report = expire_uploads(&store, &evidence, LEASE, jiff::Timestamp::now())
        .await
        .expect("pass");
    assert_eq!(report.expired, 0);
    assert_eq!(offset_of(&head(&server, &unfinished).await), 1000);

    let tomorrow = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(25);
    let report = expire_uploads(&store, &evidence, LEASE, tomorrow)
        .await
        .expect("pass");
    assert_eq!(report.expired, 1);
    assert_eq!(
        head(&server, &unfinished).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(store.upload(&unfinished_id).await.expect("query"), None);
    assert_eq!(parts_stored(&server, &unfinished_id).await, 0);
    // A finished upload is evidence waiting for its ticket: kept for three days.
    assert!(store.upload(&finished).await.expect("query").is_some());
    assert!(evidence.read_all(&finished).await.is_ok());
    // Then, unless a ticket took it, it goes too; a filed one stays with its ticket.
    let filed = upload_in_halves(&server, "filed.png", &png(800, 600, 9)).await;
    let claim = support::claims::broken_blender(vec![filed.clone()]);
    let created = server
        .http
        .post(server.url("/v1/sites/demo/tickets"))
        .header("Idempotency-Key", "expiry-filed")
        .json(&claim)
        .send()
        .await
        .expect("create ticket");
    assert_eq!(created.status(), StatusCode::CREATED);
    let in_four_days = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(4 * 24);
    let report = expire_uploads(&store, &evidence, LEASE, in_four_days)
        .await
        .expect("pass");
    assert_eq!(report.expired, 1, "the unfiled finished upload, only");
    assert_eq!(store.upload(&finished).await.expect("query"), None);
    assert!(evidence.read_all(&finished).await.is_err());
    assert!(store.upload(&filed).await.expect("query").is_some());
    assert!(evidence.read_all(&filed).await.is_ok());

    // Past its expiry but not yet swept: HEAD and PATCH say it is gone.
    let (location, _) = start_upload(&server, "c.png", bytes.len()).await;
    sql_exec(
        &server,
        "UPDATE uploads SET expires_at = '2000-01-01T00:00:00.000000Z' WHERE completed_at IS NULL",
    )
    .await;
    let (status, code) = problem(head_with_body(&server, &location).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::GONE, "upload.expired")
    );
    let (status, code) = problem(patch(&server, &location, 0, &bytes).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::GONE, "upload.expired")
    );
}

/// HEAD answers carry no body, so the code of an expired upload is read from a zero-length
/// PATCH, after checking HEAD's status.
async fn head_with_body(server: &TestServer, location: &str) -> Response {
    let response = head(server, location).await;
    assert_eq!(response.status(), StatusCode::GONE);
    patch(server, location, 0, b"").await
}

#[tokio::test]
async fn a_crash_after_writing_but_before_recording_resumes_from_the_recorded_offset() {
    let server = TestServer::start().await;
    let evidence = server.evidence_store();
    let objects = evidence.objects().clone();
    let bytes = jpeg_with_exif("2026:11:20 09:00:00", 1200, 900, 200_000);
    let half = bytes.len() / 2;
    let put = |name: String, data: Vec<u8>| {
        let objects = objects.clone();
        async move {
            objects
                .put(&object_store::path::Path::from(name), data.into())
                .await
                .expect("put an object");
        }
    };

    // Killed after storing a part but before recording it: the store holds more than the
    // database says, and the part is never counted.
    let (location, id) = start_upload(&server, "crash.jpg", bytes.len()).await;
    assert_eq!(
        patch(&server, &location, 0, &bytes[..half]).await.status(),
        StatusCode::NO_CONTENT
    );
    put(
        format!("partial/{id}/{half:020}-killedrequest"),
        vec![0xEE; 7777],
    )
    .await;
    assert_eq!(offset_of(&head(&server, &location).await), half as u64);
    let rest = patch(&server, &location, half, &bytes[half..]).await;
    assert_eq!(rest.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        &evidence.read_all(&id).await.expect("bytes")[..],
        &bytes[..]
    );
    // Finishing deletes the recorded parts by name (no listing of the bucket); the stray
    // one is the sweep's.
    assert_eq!(
        parts_stored(&server, &id).await,
        1,
        "the recorded part is gone, the stray one waits for the sweep"
    );
    let report = expire_uploads(
        &server.store().await,
        &evidence,
        LEASE,
        jiff::Timestamp::now(),
    )
    .await
    .expect("sweep");
    assert_eq!(report.orphans, 1);
    assert_eq!(
        parts_stored(&server, &id).await,
        0,
        "the stray part is gone too"
    );
    assert_eq!(
        &evidence.read_all(&id).await.expect("bytes")[..],
        &bytes[..],
        "the finished file stays"
    );

    // The other way round: a recorded part lost its tail (a local disk after a power cut):
    // the upload is cut back to what is intact when its last byte arrives, and the client
    // sends the rest again from there.
    let (location, id) = start_upload(&server, "lost.jpg", bytes.len()).await;
    let quarter = half / 2;
    assert_eq!(
        patch(&server, &location, 0, &bytes[..quarter])
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        patch(&server, &location, quarter, &bytes[quarter..half])
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let pool = server.db().await;
    let second: String =
        sqlx::query_scalar("SELECT name FROM upload_parts WHERE upload_id = $1 AND first_byte > 0")
            .bind(&id)
            .fetch_one(&pool)
            .await
            .expect("the second part");
    pool.close().await;
    put(
        format!("partial/{id}/{second}"),
        bytes[quarter..quarter + 100].to_vec(),
    )
    .await;
    assert_eq!(offset_of(&head(&server, &location).await), half as u64);
    let (status, _) = problem(patch(&server, &location, half, &bytes[half..]).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(offset_of(&head(&server, &location).await), quarter as u64);
    let rest = patch(&server, &location, quarter, &bytes[quarter..]).await;
    assert_eq!(rest.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        &evidence.read_all(&id).await.expect("bytes")[..],
        &bytes[..]
    );

    // Killed after the last byte was recorded, before the upload was finished: the next HEAD
    // finishes it, so a client that sees a full offset has a complete upload.
    let (location, id) = start_upload(&server, "last.jpg", bytes.len()).await;
    put(format!("partial/{id}/whole"), bytes.clone()).await;
    sql_exec(
        &server,
        &format!(
            "INSERT INTO upload_parts (upload_id, first_byte, length, name) \
             VALUES ('{id}', 0, {}, 'whole')",
            bytes.len()
        ),
    )
    .await;
    sql_exec(
        &server,
        &format!("UPDATE uploads SET received = length WHERE id = '{id}'"),
    )
    .await;
    assert_eq!(
        offset_of(&head(&server, &location).await),
        bytes.len() as u64
    );
    let store = server.store().await;
    let upload = store.upload(&id).await.expect("query").expect("upload");
    assert!(upload.completed);
    assert_eq!(upload.facts.captured_on, "2026-11-20".parse().ok());
    assert_eq!(
        (upload.facts.width, upload.facts.height),
        (Some(1200), Some(900))
    );
    assert_eq!(
        &evidence.read_all(&id).await.expect("bytes")[..],
        &bytes[..]
    );
    assert_eq!(parts_stored(&server, &id).await, 0);
}

/// A PATCH that trickles its bytes (under the idle timeout) past the upload's expiry is cut
/// when the upload expires (410), keeping what arrived until then, instead of holding the
/// upload and its lock for as long as the client likes.
#[tokio::test]
async fn a_patch_that_outlives_its_upload_is_cut() {
    let server = TestServer::start().await;
    let photo = png(800, 600, 3);
    let (location, id) = start_upload(&server, "slow.png", photo.len()).await;
    sql_exec(
        &server,
        &format!(
            "UPDATE uploads SET expires_at = '{}' WHERE id = '{id}'",
            (jiff::Timestamp::now() + jiff::SignedDuration::from_secs(2))
                .strftime("%Y-%m-%dT%H:%M:%S%.6fZ")
        ),
    )
    .await;
    let first = bytes::Bytes::copy_from_slice(&photo[..1024]);
    let trickle = futures_util::stream::once(async move { Ok::<_, std::io::Error>(first) })
        .chain(futures_util::stream::pending());
    let started = std::time::Instant::now();
    let response = server
        .http
        .patch(server.url(&location))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", "0")
        .header("Content-Type", "application/offset+octet-stream")
        .header("Content-Length", photo.len().to_string())
        .body(reqwest::Body::wrap_stream(trickle))
        .timeout(std::time::Duration::from_secs(30))
        .send()
        .await
        .expect("an answer, not a hang");
    let took = started.elapsed();
    assert_eq!(
        problem(response).await,
        (StatusCode::GONE, "upload.expired".to_owned())
    );
    assert!(took < std::time::Duration::from_secs(10), "{took:?}");
}

/// A body cut off mid-stream (the phone lost its connection): the bytes that arrived are kept,
/// HEAD says how many, and a resumed PATCH completes the file byte-identically. The upload is
/// large enough for several sync-and-record steps.
#[tokio::test]
async fn a_body_cut_off_mid_stream_keeps_what_arrived() {
    let server = TestServer::start().await;
    let video = mp4(600, 27_000, 3 * MB as usize);
    let (location, id) = start_upload(&server, "long.mp4", video.len()).await;
    let cut = video.len() * 3 / 5;
    let pieces: Vec<Result<bytes::Bytes, std::io::Error>> = video[..cut]
        .chunks(64 * 1024)
        .map(|c| Ok(bytes::Bytes::copy_from_slice(c)))
        .chain(std::iter::once(Err(std::io::Error::other(
            "connection lost",
        ))))
        .collect();
    let interrupted = server
        .http
        .patch(server.url(&location))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", "0")
        .header("Content-Type", "application/offset+octet-stream")
        .header("Content-Length", video.len().to_string())
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            pieces,
        )))
        .send()
        .await;
    assert!(interrupted.is_err(), "the request never completed");

    // The client knows the request failed as soon as its bytes are written, maybe before the
    // server has begun the request (on a busy machine a PATCH sent now could take the upload
    // first, from byte 0): wait until the server shows it kept some of them.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    while offset_of(&head(&server, &location).await) == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "none of the {cut} bytes that arrived was kept"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // As a tus client does: HEAD, PATCH from there; the server may still be settling the cut
    // request (423) or have recorded more since the HEAD (409): ask again.
    let mut resumed_from = None;
    for _ in 0..50 {
        let offset = offset_of(&head(&server, &location).await) as usize;
        let response = patch(&server, &location, offset, &video[offset..]).await;
        match response.status() {
            StatusCode::NO_CONTENT => {
                resumed_from = Some(offset);
                break;
            }
            StatusCode::LOCKED | StatusCode::CONFLICT => {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            other => panic!("unexpected {other}"),
        }
    }
    let resumed_from = resumed_from.expect("resumed");
    assert!(
        resumed_from > 0 && resumed_from <= cut,
        "{resumed_from} of {cut}"
    );
    let evidence = server.evidence_store();
    assert_eq!(
        &evidence.read_all(&id).await.expect("bytes")[..],
        &video[..]
    );
    let store = server.store().await;
    let facts = store
        .upload(&id)
        .await
        .expect("query")
        .expect("upload")
        .facts;
    assert_eq!(facts.duration_seconds, Some(45.0));
    assert_eq!(facts.content_hash, sha256_hex(&video));
}

/// `[server.storage]` with `change` applied to the defaults.
async fn server_with_storage(change: impl FnOnce(&mut StorageLimits)) -> TestServer {
    let mut storage = StorageLimits::default();
    change(&mut storage);
    let setup = support::Setup {
        storage,
        ..support::Setup::default()
    };
    TestServer::start_set_up(setup, |_| {}).await
}

fn demo_metadata(filename: &str) -> String {
    format!("site {},filename {}", b64("demo"), b64(filename))
}

#[tokio::test]
async fn a_client_holding_too_many_open_uploads_is_told_to_send_or_remove_some() {
    let server = server_with_storage(|s| s.open_uploads_per_client = 2).await;
    let (first, _) = start_upload(&server, "a.png", 1000).await;
    start_upload(&server, "b.png", 1000).await;
    let (status, code) = problem(create(&server, &demo_metadata("c.png"), 1000).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "upload.too_many_open")
    );
    assert_eq!(sql_count(&server, "SELECT COUNT(*) FROM uploads").await, 2);
    // Removing one makes room again.
    let removed = server
        .http
        .delete(server.url(&first))
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .expect("DELETE");
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    start_upload(&server, "c.png", 1000).await;
}

#[tokio::test]
async fn a_sites_room_for_unsent_files_is_bounded_and_nothing_is_stored_past_it() {
    let server = server_with_storage(|s| s.unfiled_mib_per_site = 1).await;
    start_upload(&server, "a.png", 600 * 1024).await;
    let response = create(&server, &demo_metadata("b.png"), 600 * 1024).await;
    let (status, code) = problem(response).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::INSUFFICIENT_STORAGE, "storage.quota_exceeded")
    );
    assert_eq!(sql_count(&server, "SELECT COUNT(*) FROM uploads").await, 1);
    // A smaller file still fits in what is left.
    start_upload(&server, "c.png", 300 * 1024).await;
}

#[tokio::test]
async fn a_nearly_full_disk_refuses_new_uploads_before_a_byte_is_written() {
    // A reserve larger than any disk: the data directory's disk is "nearly full".
    let server = server_with_storage(|s| s.free_disk_reserve_mib = u64::MAX / (1 << 21)).await;
    let response = create(&server, &demo_metadata("a.png"), 1000).await;
    let (status, code) = problem(response).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::INSUFFICIENT_STORAGE, "storage.full")
    );
    assert_eq!(sql_count(&server, "SELECT COUNT(*) FROM uploads").await, 0);
}
