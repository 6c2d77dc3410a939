//! A tus client as the widget speaks it (creation, PATCH at an offset, HEAD for the offset),
//! for tests that drive uploads step by step against a server they hold by its address.

/// Base64, as tus's `Upload-Metadata` carries each value.
pub fn b64(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// Begins an upload of `length` bytes named `filename` for `site`'s widget on the server at
/// `base`; answers its address (`/v1/uploads/ID`).
pub async fn create_upload(
    http: &reqwest::Client,
    base: &str,
    site: &str,
    filename: &str,
    length: usize,
) -> String {
    let created = http
        .post(format!("{base}/v1/uploads"))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", length.to_string())
        .header(
            "Upload-Metadata",
            format!("site {},filename {}", b64(site), b64(filename)),
        )
        .send()
        .await
        .expect("create upload");
    assert_eq!(
        created.status(),
        201,
        "create upload: {:?}",
        created.text().await
    );
    created.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned()
}

/// A PATCH of the upload at `location` from `offset`, for the test to give its body.
pub fn patch_request(
    http: &reqwest::Client,
    base: &str,
    location: &str,
    offset: usize,
) -> reqwest::RequestBuilder {
    http.patch(format!("{base}{location}"))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", offset.to_string())
        .header("Content-Type", "application/offset+octet-stream")
}

/// How many bytes of the upload at `location` the server holds (its `HEAD`).
pub async fn upload_offset(http: &reqwest::Client, base: &str, location: &str) -> usize {
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

/// The upload's id, as a claim names it: the last part of its address.
pub fn upload_id(location: &str) -> String {
    location.rsplit('/').next().expect("upload id").to_owned()
}
