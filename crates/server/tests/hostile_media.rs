//! Hostile files through tus and filing, over real HTTP against a real server, SQLite and disk:
//! crafted containers, decompression bombs, truncations, polyglots, wrong content under photo
//! names, GPS photos, path and CRLF names. Each refusal has its stable problem code, and nothing
//! of a refused file stays on disk or in the database.

mod support;

use std::time::{Duration, Instant};

use helpcenter_media::samples;
use reqwest::{Response, StatusCode};
use serde_json::Value;
use support::TestServer;
use support::tus::{b64, patch_request};

/// Creates an upload of the demo site named `filename`; returns its location, or the refusal.
async fn create(server: &TestServer, filename: &str, length: usize) -> Result<String, Response> {
    let created = server
        .http
        .post(server.url("/v1/uploads"))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", length.to_string())
        .header(
            "Upload-Metadata",
            format!("site {},filename {}", b64("demo"), b64(filename)),
        )
        .send()
        .await
        .expect("POST");
    if created.status() != StatusCode::CREATED {
        return Err(created);
    }
    Ok(created.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned())
}

/// Sends the whole file in one PATCH; the answer of that PATCH.
async fn send(server: &TestServer, filename: &str, bytes: &[u8]) -> (String, Response) {
    let location = create(server, filename, bytes.len())
        .await
        .expect("upload created");
    let response = patch_request(&server.http, &server.base, &location, 0)
        .body(bytes.to_vec())
        .send()
        .await
        .expect("PATCH");
    (location, response)
}

async fn problem(response: Response) -> (StatusCode, String) {
    let status = response.status();
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json",
        "{status}"
    );
    let body: Value = response.json().await.expect("problem JSON");
    assert_eq!(body["status"], status.as_u16());
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

async fn sql_count(server: &TestServer, sql: &str) -> i64 {
    let pool = server.db().await;
    let count: (i64,) = sqlx::query_as(sql).fetch_one(&pool).await.expect("count");
    pool.close().await;
    count.0
}

/// Sends `bytes` as `filename`, expects the refusal (`status`, `code`), and that nothing of
/// it is kept; then a claim naming the upload is refused as naming no file.
async fn assert_refused(
    server: &TestServer,
    filename: &str,
    bytes: &[u8],
    status: StatusCode,
    code: &str,
) {
    let started = Instant::now();
    let (location, response) = send(server, filename, bytes).await;
    let took = started.elapsed();
    assert_eq!(
        problem(response).await,
        (status, code.to_owned()),
        "{filename}"
    );
    assert!(took < Duration::from_secs(10), "{filename}: {took:?}");
    assert_eq!(
        sql_count(server, "SELECT COUNT(*) FROM uploads").await,
        0,
        "{filename}: no row"
    );
    assert!(
        server.stored_objects().await.is_empty(),
        "{filename}: no bytes"
    );
    let id = location.trim_start_matches("/v1/uploads/").to_owned();
    let (status, body) = file_claim(server, vec![id]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{filename}");
    assert_eq!(
        body["problems"][0]["code"], "file.not_uploaded",
        "{filename}"
    );
}

async fn file_claim(server: &TestServer, uploads: Vec<String>) -> (StatusCode, Value) {
    let claim = support::claims::broken_blender(uploads);
    let response = server
        .http
        .post(server.url("/v1/sites/demo/tickets"))
        .header("Idempotency-Key", format!("hostile-{}", rand_suffix()))
        .json(&claim)
        .send()
        .await
        .expect("create ticket");
    let status = response.status();
    (status, response.json().await.expect("json"))
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

fn photo(width: u16, height: u16) -> Vec<u8> {
    samples::jpeg(&samples::Jpeg {
        width,
        height,
        taken: Some("2026:11:21 10:30:00"),
        ..samples::Jpeg::default()
    })
}

/// A PNG claiming 40000×40000 (1.6 GP, 6.4 GB decoded): refused from its header, never
/// decoded, before and after its 1.3 MB arrive. (Before: accepted, filed and served.)
#[tokio::test]
async fn decompression_bombs_are_refused_from_their_header() {
    let server = TestServer::start().await;
    let bomb = samples::png_bomb(40_000, 40_000);
    assert_refused(
        &server,
        "bomb.png",
        &bomb,
        StatusCode::UNPROCESSABLE_ENTITY,
        "file.image_too_many_pixels",
    )
    .await;
    // 9000×6000 is 54 MP: over the default 50 MP, though each side is a real camera's.
    assert_refused(
        &server,
        "wide.jpg",
        &photo(9000, 6000),
        StatusCode::UNPROCESSABLE_ENTITY,
        "file.image_too_many_pixels",
    )
    .await;
}

/// Cut short or lying about themselves: the header reads, the picture does not decode.
#[tokio::test]
async fn truncated_and_corrupt_photos_are_refused() {
    let server = TestServer::start().await;
    let jpeg = photo(800, 600);
    let scan = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xDA])
        .expect("SOS");
    for (name, bytes) in [
        // Cut right after its header: accepted before this change.
        ("cut-after-header.jpg", jpeg[..scan + 14].to_vec()),
        ("cut-in-scan.jpg", jpeg[..jpeg.len() - 3].to_vec()),
        ("cut.png", {
            let png = samples::png(800, 600, 1);
            png[..png.len() / 2].to_vec()
        }),
        // A WebP whose VP8 header says 640×480 and whose data is noise.
        ("noise.webp", {
            let mut vp8 = vec![0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A];
            vp8.extend_from_slice(&640u16.to_le_bytes());
            vp8.extend_from_slice(&480u16.to_le_bytes());
            vp8.extend((0..4000u32).map(|i| (i * 7919 % 251) as u8));
            let mut chunk = b"VP8 ".to_vec();
            chunk.extend_from_slice(&(vp8.len() as u32).to_le_bytes());
            chunk.extend(vp8);
            let mut riff = b"RIFF".to_vec();
            riff.extend_from_slice(&((chunk.len() + 4) as u32).to_le_bytes());
            riff.extend_from_slice(b"WEBP");
            riff.extend(chunk);
            riff
        }),
        // A JPEG header with no size at all.
        (
            "no-frame.jpg",
            b"\xFF\xD8\xFF\xFE\x00\x04hi\xFF\xD9".to_vec(),
        ),
    ] {
        assert_refused(
            &server,
            name,
            &bytes,
            StatusCode::UNPROCESSABLE_ENTITY,
            "file.image_unreadable",
        )
        .await;
    }
}

/// Whatever the name says, the bytes decide: HTML, SVG, a ZIP, a script, a GIF under photo
/// names, and polyglots whose first bytes are no photo's.
#[tokio::test]
async fn wrong_content_under_photo_names_is_refused() {
    let server = TestServer::start().await;
    let mut zip_then_jpeg = b"PK\x03\x04".to_vec();
    zip_then_jpeg.extend(photo(640, 480));
    for (name, bytes) in [
        (
            "photo.jpg",
            b"<!doctype html><script>alert(1)</script>".to_vec(),
        ),
        (
            "photo.png",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".to_vec(),
        ),
        ("photo.heic", b"#!/bin/sh\nrm -rf /\n".to_vec()),
        (
            "photo.webp",
            b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec(),
        ),
        ("photo.jpeg", zip_then_jpeg),
    ] {
        assert_refused(
            &server,
            name,
            &bytes,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "file.type_not_accepted",
        )
        .await;
    }
}

/// A JPEG with a script after its end marker decodes as the JPEG it is and is served as
/// `image/jpeg` with `nosniff`: a browser never runs it. A JPEG whose tail is an HTML page
/// is a photo to every reader.
#[tokio::test]
async fn a_photo_with_a_page_behind_it_is_a_photo() {
    let server = TestServer::start().await;
    let mut polyglot = photo(640, 480);
    polyglot.extend_from_slice(b"<html><script>alert(document.cookie)</script></html>");
    let (_, response) = send(&server, "polyglot.jpg", &polyglot).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        sql_count(
            &server,
            "SELECT COUNT(*) FROM uploads WHERE media_type = 'jpeg'"
        )
        .await,
        1
    );
}

/// Crafted containers whose walks would run long: answered in the time of an honest file.
#[tokio::test]
async fn crafted_videos_cost_what_honest_ones_do() {
    let server = TestServer::start().await;
    let size = 8 * 1024 * 1024;
    let mut webm = vec![0x1A, 0x45, 0xDF, 0xA3, 0x80];
    while webm.len() < size {
        webm.extend_from_slice(&[0xEC, 0x80]);
    }
    let started = Instant::now();
    let (_, response) = send(&server, "clip.webm", &webm).await;
    // Kept as a WebM with no duration: the claim is refused for it when filed.
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "{took:?}");
    let id: String = {
        let pool = server.db().await;
        let row: (String,) = sqlx::query_as("SELECT id FROM uploads")
            .fetch_one(&pool)
            .await
            .expect("id");
        pool.close().await;
        row.0
    };
    let (status, body) = file_claim(&server, vec![id]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["problems"][0]["code"], "file.video_duration_unknown");
}

/// A phone's photo with its GPS position and serial number: kept without them, the capture
/// date and the picture intact, and the agents' console says "location removed".
#[tokio::test]
async fn a_gps_photo_is_kept_without_its_location() {
    let server = TestServer::start().await;
    let original = samples::jpeg_with_location(
        &samples::Jpeg {
            width: 800,
            height: 600,
            taken: Some("2026:11:21 10:30:00"),
            ..samples::Jpeg::default()
        },
        (48.858_37, 2.294_48),
        "SN-4417-2291",
    );
    let id = server.upload("IMG_0042.JPG", &original).await;
    let stored = server
        .evidence_store()
        .read_all(&id)
        .await
        .expect("the kept bytes");
    assert_eq!(stored.len(), original.len());
    assert_ne!(stored, original);
    let contains = |needle: &[u8]| stored.windows(needle.len()).any(|w| w == needle);
    assert!(!contains(b"SN-4417-2291"));
    // 48°, 51', from the latitude's rationals.
    assert!(!contains(&[
        48, 0, 0, 0, 1, 0, 0, 0, 51, 0, 0, 0, 1, 0, 0, 0
    ]));
    let found = helpcenter_media::inspect_bytes(&stored);
    assert_eq!(found.captured_on, "2026-11-21".parse().ok());
    assert_eq!((found.width, found.height), (Some(800), Some(600)));
    assert_eq!(
        sql_count(
            &server,
            "SELECT COUNT(*) FROM uploads WHERE location_removed = 1 AND captured_on = '2026-11-21'"
        )
        .await,
        1
    );
    // Filed, the ticket keeps it: the claim passes the rules with the date it still has.
    let (status, _) = file_claim(&server, vec![id]).await;
    assert_eq!(status, StatusCode::CREATED);
    // A photo without a position is not said to have lost one.
    server.upload("plain.jpg", &photo(640, 480)).await;
    assert_eq!(
        sql_count(
            &server,
            "SELECT COUNT(*) FROM uploads WHERE location_removed = 0"
        )
        .await,
        1
    );
}

/// The widget takes a photo's location out on the shopper's phone and says so
/// (`location_removed` in the tus metadata): the bytes arrive without it, are kept as sent
/// (nothing left to remove, so the widget's hash is the server's), and the ticket still says
/// "location removed". A value other than true or false is refused before a byte is sent.
#[tokio::test]
async fn a_photo_stripped_on_the_phone_still_says_location_removed() {
    let server = TestServer::start().await;
    let mut sent = samples::jpeg_with_location(
        &samples::Jpeg {
            width: 800,
            height: 600,
            taken: Some("2026:11:21 10:30:00"),
            ..samples::Jpeg::default()
        },
        (48.858_37, 2.294_48),
        "SN-4417-2291",
    );
    let len = sent.len() as u64;
    let removed = helpcenter_media::privacy::remove_private(
        &mut std::io::Cursor::new(&mut sent),
        len,
        helpcenter_core::MediaType::Jpeg,
    )
    .expect("stripped as the widget strips");
    assert!(removed.location);
    let create = |flag: &str| {
        server
            .http
            .post(server.url("/v1/uploads"))
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Length", sent.len().to_string())
            .header(
                "Upload-Metadata",
                format!(
                    "site {},filename {},location_removed {}",
                    b64("demo"),
                    b64("IMG_0042.JPG"),
                    b64(flag)
                ),
            )
            .send()
    };
    let refused = create("yes").await.expect("POST");
    assert_eq!(
        problem(refused).await,
        (
            StatusCode::BAD_REQUEST,
            "upload.metadata_invalid".to_owned()
        )
    );
    let created = create("true").await.expect("POST");
    assert_eq!(created.status(), StatusCode::CREATED);
    let location = created.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let patched = patch_request(&server.http, &server.base, &location, 0)
        .body(sent.clone())
        .send()
        .await
        .expect("PATCH");
    assert_eq!(patched.status(), StatusCode::NO_CONTENT);
    let id = location.trim_start_matches("/v1/uploads/").to_owned();
    let stored = server
        .evidence_store()
        .read_all(&id)
        .await
        .expect("the kept bytes");
    assert_eq!(stored, sent, "kept as the phone sent it");
    assert_eq!(
        sql_count(
            &server,
            "SELECT COUNT(*) FROM uploads WHERE location_removed = 1 AND captured_on = '2026-11-21'"
        )
        .await,
        1
    );
    // Filed with the claim (the console reads location_removed from this row: e2e
    // privacy.spec.js sees its "location removed").
    let (status, _) = file_claim(&server, vec![id]).await;
    assert_eq!(status, StatusCode::CREATED);
}

/// Names with paths, CRLF and NULs are kept as text for the shopper, never as a path or a
/// header: the bytes are stored under the upload's id.
#[tokio::test]
async fn path_and_crlf_names_never_become_paths_or_headers() {
    let server = TestServer::start().await;
    for name in [
        "../../../../etc/passwd.jpg",
        "..\\..\\windows\\win.ini.jpg",
        "photo.jpg\r\nSet-Cookie: stolen=1",
        "photo\0.jpg",
        "/absolute/photo.jpg",
    ] {
        let id = server.upload(name, &photo(640, 480)).await;
        assert!(
            server.stored_objects().await.contains(&id),
            "{name:?}: kept under its id"
        );
    }
    assert!(!server.data_dir.join("etc").exists());
    for name in server.stored_objects().await {
        assert!(helpcenter_server::uploads::is_upload_id(&name), "{name:?}");
    }
    let pool = server.db().await;
    let stored_names: Vec<String> = sqlx::query_scalar("SELECT filename FROM uploads")
        .fetch_all(&pool)
        .await
        .expect("names");
    pool.close().await;
    for name in &stored_names {
        assert!(
            !name.contains(['/', '\\', '\r', '\n']),
            "names are stored without paths or control characters: {name:?}"
        );
    }
}
