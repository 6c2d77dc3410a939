//! The tus client against the real helpcenter-server, in a real browser: real files, real
//! chunks, real cancellations.
#![cfg(target_arch = "wasm32")]

mod support;

use std::cell::RefCell;
use std::rc::Rc;

use helpcenter_media::samples;
use helpcenter_widget::upload::{
    self, CHUNK_BYTES, Cancel, UploadError, UploadHooks, UploadTarget,
};
use js_sys::{Array, Date, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{File, FilePropertyBag, Headers, RequestInit, Response};

wasm_bindgen_test_configure!(run_in_browser);

fn target() -> UploadTarget<'static> {
    UploadTarget {
        api_base: support::api_base(),
        site: "demo",
        outcome: Some("transit_damage"),
        location_removed: false,
    }
}

fn file(bytes: &[u8], name: &str, kind: &str) -> File {
    let parts = Array::of1(&Uint8Array::from(bytes));
    let options = FilePropertyBag::new();
    options.set_type(kind);
    File::new_with_u8_array_sequence_and_options(&parts, name, &options).expect("file")
}

/// A real JPEG of about `bytes` bytes; `seed` keeps files of the same size apart.
fn photo(bytes: usize, seed: u8) -> File {
    let jpeg = samples::jpeg(&samples::Jpeg {
        width: 64,
        height: 48,
        taken: Some("2026:11:21 18:05:09"),
        padding: bytes,
        seed,
    });
    file(&jpeg, "wheel.jpg", "image/jpeg")
}

/// Everything `send` reported, and an optional point at which to pull the plug.
#[derive(Default)]
struct Record {
    created: RefCell<Vec<String>>,
    progress: RefCell<Vec<(u64, u64)>>,
    retries: RefCell<Vec<(u32, u32)>>,
    cancel_at_sent: Option<(u64, Cancel)>,
    cancel_at_retry: Option<(u32, Cancel)>,
}

impl UploadHooks for Record {
    fn created(&self, url: &str) {
        self.created.borrow_mut().push(url.to_owned());
    }

    fn progress(&self, sent: u64, total: u64) {
        self.progress.borrow_mut().push((sent, total));
        if let Some((at, cancel)) = &self.cancel_at_sent
            && sent >= *at
        {
            cancel.cancel();
        }
    }

    fn retrying(&self, attempt: u32, delay_ms: u32) {
        self.retries.borrow_mut().push((attempt, delay_ms));
        if let Some((at, cancel)) = &self.cancel_at_retry
            && attempt >= *at
        {
            cancel.cancel();
        }
    }
}

/// What the server says about an upload, asked directly rather than through the client.
async fn server_head(url: &str) -> (u16, Option<u64>) {
    let headers = Headers::new().expect("headers");
    headers.append("Tus-Resumable", "1.0.0").expect("header");
    let init = RequestInit::new();
    init.set_method("HEAD");
    init.set_headers(&headers);
    let window = web_sys::window().expect("window");
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .expect("HEAD reaches the server")
        .unchecked_into();
    let offset = response
        .headers()
        .get("Upload-Offset")
        .expect("read header")
        .map(|v| v.parse().expect("Upload-Offset is a number"));
    (response.status(), offset)
}

#[wasm_bindgen_test]
async fn a_large_photo_goes_up_chunk_by_chunk_with_progress() {
    let photo = photo(3_000_000, 1);
    let total = photo.size() as u64;
    assert!(
        total > 2 * CHUNK_BYTES,
        "the photo must take several chunks"
    );
    let record = Record::default();

    let url = upload::send(
        &target(),
        &photo,
        "wheel.jpg",
        None,
        &record,
        &Cancel::new(),
    )
    .await
    .expect("uploaded");

    assert_eq!(*record.created.borrow(), std::slice::from_ref(&url));
    assert!(upload::upload_id(&url).is_some_and(|id| !id.is_empty()));
    let progress = record.progress.borrow().clone();
    assert!(progress.iter().all(|&(_, t)| t == total));
    assert!(
        progress.windows(2).all(|w| w[0].0 <= w[1].0),
        "progress went back: {progress:?}"
    );
    assert_eq!(progress.last(), Some(&(total, total)));
    // One PATCH per chunk: the server confirms each chunk boundary on the way.
    let mut boundary = CHUNK_BYTES;
    while boundary < total {
        assert!(
            progress.iter().any(|&(sent, _)| sent == boundary),
            "no stop at {boundary}: {progress:?}"
        );
        boundary += CHUNK_BYTES;
    }
    assert!(record.retries.borrow().is_empty());
    assert_eq!(server_head(&url).await, (200, Some(total)));
}

#[wasm_bindgen_test]
async fn a_cancelled_upload_resumes_from_the_servers_offset() {
    let photo = photo(3_000_000, 2);
    let total = photo.size() as u64;
    let cancel = Cancel::new();
    let first = Record {
        cancel_at_sent: Some((CHUNK_BYTES + CHUNK_BYTES / 2, cancel.clone())),
        ..Record::default()
    };
    let started = Date::now();
    let outcome = upload::send(&target(), &photo, "wheel.jpg", None, &first, &cancel).await;
    assert_eq!(outcome, Err(UploadError::Cancelled));
    assert_eq!(outcome.expect_err("cancelled").code(), "upload.cancelled");
    assert!(
        Date::now() - started < 20_000.0,
        "cancel did not stop the request at once"
    );
    let url = first.created.borrow().first().cloned().expect("created");
    let (status, kept) = server_head(&url).await;
    assert_eq!(status, 200);
    let kept = kept.expect("offset");
    assert!(
        (CHUNK_BYTES..total).contains(&kept),
        "the server kept {kept} of {total}"
    );

    let second = Record::default();
    let resumed = upload::send(
        &target(),
        &photo,
        "wheel.jpg",
        Some(&url),
        &second,
        &Cancel::new(),
    )
    .await
    .expect("resumed");

    assert_eq!(resumed, url);
    assert!(second.created.borrow().is_empty(), "a new upload was made");
    let progress = second.progress.borrow().clone();
    let (resumed_at, _) = *progress.first().expect("progress");
    assert!(
        resumed_at >= kept,
        "resumed at {resumed_at}, server had {kept}"
    );
    let sent_again = total - resumed_at;
    assert!(sent_again < total, "sent {sent_again} of {total} again");
    assert_eq!(progress.last(), Some(&(total, total)));
    assert_eq!(server_head(&url).await, (200, Some(total)));
}

#[wasm_bindgen_test]
async fn html_named_like_a_photo_is_refused_at_once() {
    let page = b"<!DOCTYPE html><html><head><title>x</title></head><body>not a photo</body></html>";
    let fake = file(page, "photo.jpg", "image/jpeg");
    let record = Record::default();

    let outcome = upload::send(&target(), &fake, "photo.jpg", None, &record, &Cancel::new()).await;

    assert_eq!(
        outcome,
        Err(UploadError::Refused {
            status: 415,
            code: "file.type_not_accepted".to_owned()
        })
    );
    assert!(record.retries.borrow().is_empty(), "a refusal was retried");
    let url = record.created.borrow().first().cloned().expect("created");
    assert_eq!(
        server_head(&url).await.0,
        404,
        "the refused upload was kept"
    );
}

#[wasm_bindgen_test]
async fn terminate_removes_an_unfinished_upload() {
    let photo = photo(2_500_000, 3);
    let cancel = Cancel::new();
    let record = Record {
        cancel_at_sent: Some((CHUNK_BYTES / 2, cancel.clone())),
        ..Record::default()
    };
    let outcome = upload::send(&target(), &photo, "wheel.jpg", None, &record, &cancel).await;
    assert_eq!(outcome, Err(UploadError::Cancelled));
    let url = record.created.borrow().first().cloned().expect("created");
    assert_eq!(server_head(&url).await.0, 200);

    upload::terminate(support::api_base(), &url)
        .await
        .expect("terminated");

    assert_eq!(server_head(&url).await.0, 404);
    // Gone is what the caller wanted: asking again is not an error.
    upload::terminate(support::api_base(), &url)
        .await
        .expect("terminated twice");
}

#[wasm_bindgen_test]
async fn a_file_over_the_outcomes_limit_is_refused_before_any_byte() {
    let too_big = Uint8Array::new_with_length(20 * 1024 * 1024 + 1);
    let options = FilePropertyBag::new();
    options.set_type("image/jpeg");
    let huge =
        File::new_with_u8_array_sequence_and_options(&Array::of1(&too_big), "huge.jpg", &options)
            .expect("file");
    let record = Record::default();

    let outcome = upload::send(&target(), &huge, "huge.jpg", None, &record, &Cancel::new()).await;

    let error = outcome.expect_err("refused");
    assert_eq!(error.code(), "file.too_large");
    assert!(matches!(error, UploadError::Refused { status: 413, .. }));
    assert!(record.created.borrow().is_empty());
    assert!(record.progress.borrow().is_empty());
}

#[wasm_bindgen_test]
async fn an_unknown_site_is_refused_with_the_servers_code() {
    let record = Record::default();
    let target = UploadTarget {
        site: "no-such-store",
        outcome: None,
        ..target()
    };
    let png = file(&samples::png(8, 8, 1), "a.png", "image/png");

    let outcome = upload::send(&target, &png, "a.png", None, &record, &Cancel::new()).await;

    assert_eq!(outcome.expect_err("refused").code(), "site.not_found");
    assert!(record.retries.borrow().is_empty());
}

#[wasm_bindgen_test]
async fn a_kept_url_the_server_no_longer_has_starts_a_new_upload() {
    let png = file(&samples::png(32, 32, 4), "scratch.png", "image/png");
    let gone = format!(
        "{}/v1/uploads/{}",
        support::api_base(),
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    );
    let record = Record::default();

    let url = upload::send(
        &target(),
        &png,
        "scratch.png",
        Some(&gone),
        &record,
        &Cancel::new(),
    )
    .await
    .expect("uploaded anew");

    assert_ne!(url, gone);
    assert_eq!(*record.created.borrow(), std::slice::from_ref(&url));
    assert_eq!(server_head(&url).await, (200, Some(png.size() as u64)));
}

#[wasm_bindgen_test]
async fn an_unreachable_server_is_retried_with_growing_waits_until_cancelled() {
    // Nothing listens on the discard port: every request fails as a network error.
    let target = UploadTarget {
        api_base: "http://127.0.0.1:9",
        ..target()
    };
    let png = file(&samples::png(8, 8, 5), "a.png", "image/png");
    let cancel = Cancel::new();
    let record = Rc::new(Record::default());
    let stop = cancel.clone();
    let watched = Rc::clone(&record);
    // Cancelled from outside while `send` sleeps between its second and third try.
    wasm_bindgen_futures::spawn_local(async move {
        support::wait_for("two failed tries", 10_000, || {
            watched.retries.borrow().len() >= 2
        })
        .await;
        stop.cancel();
    });
    let started = Date::now();

    let outcome = upload::send(&target, &png, "a.png", None, &*record, &cancel).await;

    assert_eq!(outcome, Err(UploadError::Cancelled));
    let retries = record.retries.borrow().clone();
    assert_eq!(retries.len(), 2, "{retries:?}");
    assert_eq!(retries[0].0, 1);
    assert!((500..=1_000).contains(&retries[0].1), "{retries:?}");
    assert_eq!(retries[1].0, 2);
    assert!((1_000..=2_000).contains(&retries[1].1), "{retries:?}");
    // The second wait was cut short: far less than both waits in full.
    let elapsed = Date::now() - started;
    assert!(
        elapsed < f64::from(retries[0].1 + retries[1].1),
        "cancel waited out the back-off: {elapsed} ms"
    );
}
