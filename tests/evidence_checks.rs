//! The browser's checks of evidence, in real headless Chromium, with real files built in the
//! test: each problem is caught before a byte is uploaded and explained next to its file,
//! and a valid set goes through to the real server.
#![cfg(target_arch = "wasm32")]

mod support;

use helpcenter_core::{CivilDate, Claim, MediaRule, Policy};
use helpcenter_media::samples;
use helpcenter_widget::Widget;
use helpcenter_widget::api::{Api, WidgetConfig};
use helpcenter_widget::draft::{Draft, Stage, saved};
use helpcenter_widget::i18n::Locale;
use leptos::prelude::*;
use support::{
    api_base, attach, clear_device, click, container, file, photo, query, settle, text, texts,
    wait_for,
};
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

const TODAY: &str = "2026-11-24";
const DELIVERED: &str = "2026-11-22";
const PICKER: &str = ".hc-pickers input[type=file]";

/// The demo site with the transit-damage outcome's media rule changed by `tweak`, and a draft
/// that has reached the photos of a transit-damage claim.
fn at_the_photos(tweak: impl FnOnce(&mut MediaRule)) -> WidgetConfig {
    clear_device("demo");
    let mut policy = Policy::builtin();
    if let Some(outcome) = policy
        .outcomes
        .iter_mut()
        .find(|o| o.id == "transit_damage")
    {
        tweak(&mut outcome.evidence.media);
    }
    saved::store(
        "demo",
        &Draft {
            claim: Claim {
                category: "logistics_delivery".into(),
                answers: vec!["damaged".into()],
                delivered_on: DELIVERED.into(),
                order_number: "10023456".into(),
                description: "The box was crushed on one corner and the kettle is dented.".into(),
                email: "wei@example.com".into(),
            },
            stage: Stage::Evidence,
            ..Draft::start()
        },
        &[],
    );
    WidgetConfig {
        policy,
        today: TODAY.parse().expect("date"),
        ..support::demo_config()
    }
}

fn mount(config: WidgetConfig, locale: Locale) -> (HtmlElement, impl Drop) {
    let root = container();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        view! { <Widget config locale api=Api::new(api_base()) /> }
    });
    (root, handle)
}

/// The problems shown next to the `n`-th file (1-based), once its check is done.
async fn problems_of(root: &HtmlElement, n: usize) -> String {
    let row = format!(".hc-file:nth-child({n})");
    wait_for(&format!("file {n} to be checked"), 10_000, || {
        query(root, &row).is_some_and(|r| {
            let status = r
                .query_selector(".hc-file-status")
                .ok()
                .flatten()
                .and_then(|s| s.text_content())
                .unwrap_or_default();
            !status.is_empty() && status != "Checking…" && status != "正在检查…"
        })
    })
    .await;
    texts(root, &format!("{row} .hc-problem")).join(" ")
}

/// Nothing of a refused file reached the server: the kept draft names no upload for it.
/// The file is found by name, so a draft written by anything else fails here by name.
fn never_uploaded(name: &str) {
    let (_, files) = saved::load("demo").expect("draft kept");
    let kept = files
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("the draft keeps no file named {name}: {files:?}"));
    assert_eq!(kept.upload_url, None, "{name} was uploaded");
}

/// Waits until no file is being checked or uploaded. A test whose valid files upload ends
/// with this, so that no upload of its widget finishes (and saves its draft) during the
/// next test.
async fn until_uploads_end(root: &HtmlElement) {
    wait_for("the uploads to end", 20_000, || {
        texts(root, ".hc-file-status")
            .iter()
            .all(|s| s == "Uploaded" || s == "Not sent")
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_png_below_the_minimum_size_is_refused_before_upload() {
    let (root, _app) = mount(at_the_photos(|_| {}), Locale::En);
    settle().await;
    assert_eq!(text(&root, "h2"), "Photos and videos");
    let small = file(&samples::png(200, 150, 1), "box.png", "image/png");
    attach(&root, PICKER, &[small]);
    let problems = problems_of(&root, 1).await;
    assert_eq!(
        problems,
        "This picture is too small (200×150) to see the details. Use one of at least 320×240 pixels."
    );
    assert_eq!(text(&root, ".hc-file-status"), "Not sent");
    never_uploaded("box.png");
}

#[wasm_bindgen_test]
async fn a_png_below_the_minimum_size_is_explained_in_chinese() {
    let (root, _app) = mount(at_the_photos(|_| {}), Locale::ZhCn);
    settle().await;
    let small = file(&samples::png(200, 150, 2), "box.png", "image/png");
    attach(&root, PICKER, &[small]);
    assert_eq!(
        problems_of(&root, 1).await,
        "这张图片太小（200×150），看不清细节。请使用至少 320×240 像素的图片。"
    );
    assert_eq!(text(&root, ".hc-file-status"), "未上传");
}

#[wasm_bindgen_test]
async fn html_named_jpg_is_refused_whatever_its_name_says() {
    let (root, _app) = mount(at_the_photos(|_| {}), Locale::En);
    settle().await;
    let page = file(
        b"<!doctype html><html><script>alert(1)</script></html>",
        "photo.jpg",
        "image/jpeg",
    );
    attach(&root, PICKER, &[page]);
    assert!(
        problems_of(&root, 1)
            .await
            .starts_with("This isn't a photo or video we can accept, whatever its name says.")
    );
    never_uploaded("photo.jpg");
}

/// A photo's row shows a small copy made from the check's own decode, not the photo itself (a
/// 12 MP picture decoded whole again to fill a 64-pixel square, and held so). This one's frame
/// header lies behind 700 KB of comments, past what the check reads first: its size still
/// comes from its header, and it passes.
#[wasm_bindgen_test]
async fn a_photo_is_shown_by_a_thumbnail_of_its_check_not_by_the_photo_itself() {
    let (root, _app) = mount(at_the_photos(|_| {}), Locale::En);
    settle().await;
    let bytes = samples::jpeg(&samples::Jpeg {
        width: 4000,
        height: 3000,
        taken: Some("2026:11:23 09:00:00"),
        padding: 700_000,
        seed: 7,
    });
    attach(&root, PICKER, &[file(&bytes, "IMG_0007.JPG", "image/jpeg")]);
    assert_eq!(problems_of(&root, 1).await, "");
    let img: web_sys::HtmlImageElement = wasm_bindgen::JsCast::dyn_into(
        query(&root, ".hc-file .hc-thumb img").expect("a thumbnail"),
    )
    .expect("an img");
    wait_for("the thumbnail to load", 5_000, || {
        img.complete() && img.natural_width() > 0
    })
    .await;
    let (w, h) = (img.natural_width(), img.natural_height());
    assert!(w < 4000 && h < 3000, "the photo itself is shown: {w}×{h}");
    assert!(
        h >= 192,
        "sharp on a phone's screen (3 pixels a point): {w}×{h}"
    );
    assert!(w.abs_diff(h * 4 / 3) <= 1, "the photo's shape: {w}×{h}");
    until_uploads_end(&root).await;
}

/// A photo cut off after its header does not open: the browser says so before a byte is
/// uploaded, as the server's decoder would refuse it (its header's size is not taken on trust).
#[wasm_bindgen_test]
async fn a_photo_cut_off_after_its_header_is_refused_as_unreadable() {
    let (root, _app) = mount(at_the_photos(|_| {}), Locale::En);
    settle().await;
    let bytes = samples::jpeg(&samples::Jpeg {
        width: 640,
        height: 480,
        taken: Some("2026:11:23 09:00:00"),
        padding: 0,
        seed: 8,
    });
    // Up to the end of the scan's header (FF DA, its length): no picture data, no end.
    let sos = bytes
        .windows(2)
        .position(|w| w == [0xFF, 0xDA])
        .expect("a scan");
    let cut = sos + 2 + usize::from(u16::from_be_bytes([bytes[sos + 2], bytes[sos + 3]]));
    attach(
        &root,
        PICKER,
        &[file(&bytes[..cut], "IMG_0008.JPG", "image/jpeg")],
    );
    assert_eq!(
        problems_of(&root, 1).await,
        "We can't open this picture. It may be damaged: take or choose another."
    );
    never_uploaded("IMG_0008.JPG");
}

#[wasm_bindgen_test]
async fn a_jpeg_taken_before_the_delivery_day_is_flagged() {
    let (root, _app) = mount(at_the_photos(|_| {}), Locale::En);
    settle().await;
    attach(&root, PICKER, &[photo("2026-11-20", 3)]);
    assert_eq!(
        problems_of(&root, 1).await,
        "This photo was taken on 20 November 2026, before the parcel arrived on 22 November 2026. Please send photos taken after delivery."
    );
    never_uploaded("IMG_0003.JPG");
}

#[wasm_bindgen_test]
async fn the_same_photo_twice_is_caught_as_a_duplicate() {
    let (root, _app) = mount(at_the_photos(|_| {}), Locale::En);
    settle().await;
    let bytes = samples::jpeg(&samples::Jpeg {
        width: 800,
        height: 600,
        taken: Some("2026:11:23 10:00:00"),
        padding: 0,
        seed: 4,
    });
    // The same bytes under two names: the hash, not the name, finds it.
    let first = file(&bytes, "IMG_0001.JPG", "image/jpeg");
    let again = file(&bytes, "copy of IMG_0001.JPG", "image/jpeg");
    attach(&root, PICKER, &[first, again]);
    assert_eq!(problems_of(&root, 1).await, "");
    assert_eq!(
        problems_of(&root, 2).await,
        "You've already added this same file. Remove it or pick another."
    );
    never_uploaded("copy of IMG_0001.JPG");
    until_uploads_end(&root).await;
}

#[wasm_bindgen_test]
async fn one_file_too_many_is_caught_and_not_uploaded() {
    let (root, _app) = mount(at_the_photos(|rule| rule.max_count = 2), Locale::En);
    settle().await;
    attach(
        &root,
        PICKER,
        &[
            photo("2026-11-22", 5),
            photo("2026-11-23", 6),
            photo("2026-11-23", 7),
        ],
    );
    problems_of(&root, 3).await;
    wait_for("the set's problem", 5_000, || {
        texts(&root, "#hc-evidence-problems .hc-problem")
            == ["You can send at most 2 files: remove one."]
    })
    .await;
    assert_eq!(texts(&root, ".hc-file-status")[2], "Not sent");
    click(&root, ".hc-next");
    settle().await;
    assert_eq!(
        text(&root, "h2"),
        "Photos and videos",
        "cannot go on with 3"
    );
    never_uploaded("IMG_0007.JPG");
    until_uploads_end(&root).await;
}

#[wasm_bindgen_test]
async fn an_empty_photo_step_says_what_to_add_once() {
    let (root, _app) = mount(
        at_the_photos(|rule| {
            rule.min_count = 2;
            rule.min_photos = 2;
        }),
        Locale::En,
    );
    settle().await;
    click(&root, ".hc-next");
    settle().await;
    assert_eq!(text(&root, "h2"), "Photos and videos");
    assert_eq!(
        texts(&root, "#hc-evidence-problems .hc-problem"),
        ["Add at least 2 photos (videos don't count for this)."],
        "two photos are what is missing, said once"
    );
}

#[wasm_bindgen_test]
async fn a_file_over_the_size_limit_is_refused_with_both_sizes() {
    let (root, _app) = mount(
        at_the_photos(|rule| rule.max_file_bytes = 100 * 1024),
        Locale::En,
    );
    settle().await;
    let big = samples::jpeg(&samples::Jpeg {
        width: 800,
        height: 600,
        taken: Some("2026:11:23 10:00:00"),
        padding: 150_000,
        seed: 8,
    });
    let size = Locale::En.bytes(big.len() as u64);
    attach(&root, PICKER, &[file(&big, "big.jpg", "image/jpeg")]);
    assert_eq!(
        problems_of(&root, 1).await,
        format!(
            "This file is {size}; the limit is 100 KB. Send a smaller photo or a shorter video."
        )
    );
    never_uploaded("big.jpg");
}

#[wasm_bindgen_test]
async fn a_valid_set_passes_uploads_and_goes_on_to_review() {
    let (root, _app) = mount(at_the_photos(|_| {}), Locale::En);
    settle().await;
    attach(
        &root,
        PICKER,
        &[photo(DELIVERED, 9), photo("2026-11-23", 10)],
    );
    assert_eq!(problems_of(&root, 1).await, "");
    assert_eq!(problems_of(&root, 2).await, "");
    wait_for("both uploads to finish", 20_000, || {
        texts(&root, ".hc-file-status") == ["Uploaded", "Uploaded"]
    })
    .await;
    assert!(texts(&root, "#hc-evidence-problems .hc-problem").is_empty());
    let (_, files) = saved::load("demo").expect("draft kept");
    assert!(files.iter().all(|f| f.uploaded && f.upload_url.is_some()));
    assert!(
        query(&root, ".hc-thumb img").is_some(),
        "a thumbnail shows the photo"
    );
    click(&root, ".hc-next");
    settle().await;
    assert_eq!(text(&root, "h2"), "Check and send");
}

/// Issue 13's dead end: a refused file still listed beside two good photos. Continue says
/// what to do and takes the shopper to the file's Remove; removing it lets them on.
#[wasm_bindgen_test]
async fn continue_with_a_refused_file_listed_says_what_to_do_and_focuses_it() {
    let (root, _app) = mount(at_the_photos(|_| {}), Locale::En);
    settle().await;
    let small = file(&samples::png(200, 150, 11), "box.png", "image/png");
    attach(
        &root,
        PICKER,
        &[small, photo(DELIVERED, 12), photo("2026-11-23", 13)],
    );
    assert!(!problems_of(&root, 1).await.is_empty());
    assert_eq!(problems_of(&root, 2).await, "");
    assert_eq!(problems_of(&root, 3).await, "");
    click(&root, ".hc-next");
    settle().await;
    assert_eq!(text(&root, "h2"), "Photos and videos", "box.png cannot go");
    assert_eq!(
        text(&root, ".hc-held"),
        "A file above can't be sent. Remove it or replace it, then continue."
    );
    let focused = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
        .and_then(|e| e.get_attribute("aria-label"));
    assert_eq!(focused.as_deref(), Some("Remove: box.png"));
    click(&root, ".hc-file:nth-child(1) .hc-remove");
    settle().await;
    assert!(
        query(&root, ".hc-held").is_none(),
        "the message goes with the file"
    );
    until_uploads_end(&root).await;
    click(&root, ".hc-next");
    settle().await;
    assert_eq!(text(&root, "h2"), "Check and send");
}

#[wasm_bindgen_test]
async fn the_delivery_day_decides_the_window_before_anything_is_written() {
    clear_device("demo");
    let config = at_the_photos(|_| {});
    clear_device("demo");
    let today: CivilDate = TODAY.parse().expect("date");
    let (root, _app) = mount(config, Locale::En);
    settle().await;
    click(&root, "[data-category=logistics_delivery]");
    settle().await;
    click(&root, "[data-answer=damaged]");
    settle().await;
    // Under "What we'll do" comes what the store will do; the day it depends on is asked next.
    assert!(
        query(&root, ".hc-outcome h2 + div > .hc-coverage").is_some(),
        "what the store will do comes right under the heading"
    );
    let coverage = query(&root, ".hc-coverage").expect("coverage");
    let date = query(&root, "#hc-delivered-on").expect("the day asked");
    assert!(
        coverage.compare_document_position(&date) & web_sys::Node::DOCUMENT_POSITION_FOLLOWING != 0,
        "the date question comes after what we'll do"
    );
    let day = |n: i32| today.add_days(-n).expect("day").to_string();
    support::type_into(&root, "#hc-delivered-on", &day(2));
    settle().await;
    assert_eq!(
        text(&root, ".hc-window"),
        "You have 5 more days to report it: until 29 November 2026."
    );
    support::type_into(&root, "#hc-delivered-on", &day(30));
    settle().await;
    assert_eq!(text(&root, ".hc-coverage"), "Decided after we check");
    assert!(text(&root, ".hc-outcome-message").starts_with("It's more than 7 days"));
    assert_eq!(
        text(&root, ".hc-window"),
        "The 7 days to report damage to the delivery company ended on 1 November 2026."
    );
    support::type_into(&root, "#hc-delivered-on", "2026-11-25");
    settle().await;
    assert_eq!(
        text(&root, "#hc-delivered-on-problems"),
        "This day hasn't happened yet: enter the day the parcel arrived."
    );
    click(&root, ".hc-next");
    settle().await;
    assert_eq!(
        text(&root, "h2"),
        "What we'll do",
        "a future day cannot go on"
    );
}

#[wasm_bindgen_test]
async fn a_video_over_the_time_limit_is_refused_with_its_length() {
    let (root, _app) = mount(at_the_photos(|_| {}), Locale::En);
    settle().await;
    let video = file(&samples::mp4_header(200), "unboxing.mp4", "video/mp4");
    attach(&root, PICKER, &[video]);
    assert_eq!(
        problems_of(&root, 1).await,
        "This video is 200 s long; the limit is 120 s. Trim it or send a shorter one."
    );
    never_uploaded("unboxing.mp4");
}

/// Three seconds of a changing canvas recorded by this browser's own MediaRecorder, as a
/// shopper's recorder page would save it: a live WebM, with no duration in its header.
async fn recording() -> web_sys::File {
    let recorded = js_sys::eval(
        "(async () => {
            const canvas = document.createElement('canvas');
            canvas.width = 320; canvas.height = 240;
            document.body.appendChild(canvas);
            const paint = canvas.getContext('2d');
            let frame = 0;
            const timer = setInterval(() => {
                paint.fillStyle = `hsl(${(frame++ * 7) % 360}, 80%, 50%)`;
                paint.fillRect(0, 0, 320, 240);
            }, 33);
            const recorder = new MediaRecorder(canvas.captureStream(30),
                { mimeType: 'video/webm;codecs=vp8' });
            const chunks = [];
            recorder.ondataavailable = (e) => chunks.push(e.data);
            const stopped = new Promise((resolve) => (recorder.onstop = resolve));
            recorder.start(500);
            await new Promise((resolve) => setTimeout(resolve, 3000));
            recorder.stop();
            await stopped;
            clearInterval(timer);
            canvas.remove();
            return new File(chunks, 'recording.webm', { type: 'video/webm' });
        })()",
    )
    .expect("record");
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(recorded))
        .await
        .expect("recorded")
        .into()
}

/// A browser's recorder writes no duration (the browser itself reports an infinite one), and
/// such a video was refused as unreadable, whatever its length: its length is read from its
/// last cluster, in the widget and again on the server, which takes it.
#[wasm_bindgen_test]
async fn a_video_recorded_in_a_browser_is_measured_and_sent() {
    let video = recording().await;
    let (root, app) = mount(at_the_photos(|rule| rule.max_video_seconds = 1), Locale::En);
    settle().await;
    attach(&root, PICKER, std::slice::from_ref(&video));
    assert_eq!(
        problems_of(&root, 1).await,
        "This video is 3 s long; the limit is 1 s. Trim it or send a shorter one."
    );
    never_uploaded("recording.webm");
    drop(app);
    let (root, _app) = mount(at_the_photos(|_| {}), Locale::En);
    settle().await;
    attach(&root, PICKER, &[video]);
    assert_eq!(problems_of(&root, 1).await, "");
    until_uploads_end(&root).await;
    assert_eq!(texts(&root, ".hc-file-status"), ["Uploaded"]);
}

/// The duplicate check and the server's record rest on this hash being the file's SHA-256:
/// the browser's own (`crypto.subtle`, in a worker) where it can start one, SHA-256 in wasm
/// where it cannot, the same hex either way. Nine megabytes: more than two of the slices the
/// worker gathers and many of those hashed in wasm.
#[wasm_bindgen_test]
async fn the_content_hash_is_the_files_sha256_in_a_worker_or_in_wasm() {
    use sha2::{Digest, Sha256};
    let bytes = patterned(0, 9_000_000);
    let expected = hex(&Sha256::digest(&bytes));
    let clip = file(&bytes, "clip.bin", "application/octet-stream");
    let rule = MediaRule {
        max_file_bytes: 20 * 1024 * 1024,
        ..MediaRule::default()
    };
    let percents = std::cell::RefCell::new(Vec::new());
    let in_worker =
        helpcenter_widget::evidence::inspect(&clip, &rule, &|p| percents.borrow_mut().push(p))
            .await;
    // As a browser without workers sees it (or a page whose CSP refuses them).
    js_sys::eval("window.__Worker = window.Worker; window.Worker = undefined;")
        .expect("hide Worker");
    let without = helpcenter_widget::evidence::inspect(&clip, &rule, &|_| {}).await;
    js_sys::eval("window.Worker = window.__Worker;").expect("put Worker back");
    assert_eq!(in_worker.facts.content_hash, expected, "in a worker");
    assert_eq!(without.facts.content_hash, expected, "hashed in wasm");
    let percents = percents.into_inner();
    assert!(percents.is_sorted(), "{percents:?}");
    assert_eq!(percents.last(), Some(&100), "{percents:?}");
    assert!(
        percents.len() > 2,
        "the share read is told as it grows: {percents:?}"
    );
}

/// Hashing a large video never holds the page's thread for 50 ms (a "long task", which makes
/// a tap wait): the browser digests in a worker. On the page's thread, Chromium's own SHA-256
/// of 60 MB took 80 ms.
#[wasm_bindgen_test]
async fn checking_a_large_file_never_holds_the_page_for_50_ms() {
    let bytes = vec![7u8; 60_000_000];
    let clip = file(&bytes, "clip.bin", "application/octet-stream");
    drop(bytes);
    let rule = MediaRule {
        max_file_bytes: 100 * 1024 * 1024,
        ..MediaRule::default()
    };
    // Making the file above was a long task of the test's own: watch from the next one.
    gloo_timers::future::TimeoutFuture::new(50).await;
    js_sys::eval(
        "window.__long = []; window.__watch = new PerformanceObserver((l) => \
           l.getEntries().forEach((e) => window.__long.push(Math.round(e.duration)))); \
         window.__watch.observe({ type: 'longtask' });",
    )
    .expect("watch long tasks");
    let checked = helpcenter_widget::evidence::inspect(&clip, &rule, &|_| {}).await;
    assert_eq!(checked.facts.content_hash.len(), 64, "hashed");
    // Long tasks are told after they end.
    gloo_timers::future::TimeoutFuture::new(200).await;
    let long = js_sys::eval("window.__watch.disconnect(); JSON.stringify(window.__long)")
        .expect("long tasks")
        .as_string()
        .unwrap_or_default();
    assert_eq!(
        long, "[]",
        "main-thread tasks over 50 ms while checking, in ms"
    );
}

/// Files picked together are checked a few at a time, on workers used again: on a two-core
/// phone eleven workers at once took the cores from each other and the longest file finished
/// last. Of the files waiting, the largest goes first; a check given up while it waits (its
/// file taken off) passes its turn on; each file still gets its own SHA-256, and once nothing
/// is checked no worker is left running.
#[wasm_bindgen_test]
async fn files_picked_together_are_checked_a_few_at_a_time_the_largest_first() {
    use helpcenter_widget::file_worker;
    use sha2::{Digest, Sha256};
    use std::cell::RefCell;
    use std::rc::Rc;

    js_sys::eval(
        "window.__Worker = window.Worker; window.__handed = []; \
         window.__alive = 0; window.__most = 0; window.__started = 0; \
         window.Worker = function (url, options) { \
           const w = new window.__Worker(url, options), post = w.postMessage, end = w.terminate; \
           __alive++; __started++; __most = Math.max(__most, __alive); \
           w.postMessage = (m) => { __handed.push(m[0].name); return post.call(w, m); }; \
           w.terminate = () => { if (!w.ended) { w.ended = true; __alive--; } return end.call(w); }; \
           return w; };",
    )
    .expect("watch the workers");
    let limit = file_worker::workers_at_most();
    // Every worker taken by a file of 8 MB; then, in line, four files in no order of size.
    let busy: Vec<(String, usize)> = (0..limit)
        .map(|i| (format!("busy-{i}.bin"), 8_000_000))
        .collect();
    let waiting = [
        ("1.0MB.bin", 1_000_000),
        ("2.5MB.bin", 2_500_000),
        ("0.5MB.bin", 500_000),
        ("1.5MB.bin", 1_500_000),
    ];
    let checked: Rc<RefCell<Vec<(String, String)>>> = Rc::default();
    let mut expected = Vec::new();
    let start = |name: &str, bytes: Vec<u8>| {
        let file = file(&bytes, name, "application/octet-stream");
        let checked = checked.clone();
        let name = name.to_owned();
        wasm_bindgen_futures::spawn_local(async move {
            let hash = file_worker::check(&file, None, &|_| {})
                .await
                .map(|c| c.sha256);
            checked.borrow_mut().push((name, hash.unwrap_or_default()));
        });
    };
    for (seed, (name, len)) in busy.iter().enumerate() {
        let bytes = patterned(seed as u32, *len);
        expected.push((name.clone(), hex(&Sha256::digest(&bytes))));
        start(name, bytes);
    }
    // Their checks under way: each has its worker.
    settle().await;
    // The largest of all, in line first: its check is given up once its turn has come.
    let given_up = file(
        &patterned(99, 4_000_000),
        "given-up.bin",
        "application/octet-stream",
    );
    let mut given_up_check = Box::pin(file_worker::check(&given_up, None, &|_| {}));
    let pending = given_up_check
        .as_mut()
        .poll(&mut std::task::Context::from_waker(std::task::Waker::noop()));
    assert!(
        pending.is_pending(),
        "every worker is taken: the check waits"
    );
    for (seed, (name, len)) in waiting.iter().enumerate() {
        let bytes = patterned(10 + seed as u32, *len);
        expected.push(((*name).to_owned(), hex(&Sha256::digest(&bytes))));
        start(name, bytes);
    }
    wait_for("a first file checked", 10_000, || {
        !checked.borrow().is_empty()
    })
    .await;
    drop(given_up_check);
    wait_for("every file checked", 20_000, || {
        checked.borrow().len() == expected.len()
    })
    .await;
    settle().await;
    let js = |expression: &str| js_sys::eval(expression).expect(expression);
    let handed: Vec<String> = serde_json::from_str(
        &js("JSON.stringify(__handed)")
            .as_string()
            .unwrap_or_default(),
    )
    .unwrap_or_default();
    let (most, started, alive) = (
        js("__most").as_f64(),
        js("__started").as_f64(),
        js("__alive").as_f64(),
    );
    js("window.Worker = window.__Worker");

    let mut checked = checked.borrow().clone();
    checked.sort();
    expected.sort();
    assert_eq!(checked, expected, "each file its own SHA-256");
    assert_eq!(
        handed[limit..],
        ["2.5MB.bin", "1.5MB.bin", "1.0MB.bin", "0.5MB.bin"],
        "those waiting go largest first, the given-up file not at all: {handed:?}"
    );
    assert!(
        most <= Some(limit as f64),
        "at most {limit} workers at once: {most:?}"
    );
    assert!(
        started <= Some(limit as f64),
        "workers are used again: {started:?} started"
    );
    assert_eq!(alive, Some(0.0), "no worker left once nothing is checked");
}

/// A worker that takes its file and never answers (a decoder that hangs) is given up once it
/// has been silent too long, so the file is checked on the page instead, and its place among
/// the few workers passes on: a file waiting behind it is still checked.
#[wasm_bindgen_test]
async fn a_worker_that_falls_silent_is_given_up_and_the_next_file_is_checked() {
    use helpcenter_widget::file_worker;
    use sha2::{Digest, Sha256};
    use std::cell::RefCell;
    use std::rc::Rc;

    let limit = file_worker::workers_at_most();
    // Workers that take their file and say nothing.
    js_sys::eval(
        "window.__Worker = window.Worker; \
         window.Worker = function (url) { const w = new window.__Worker(url); \
           w.postMessage = () => {}; return w; };",
    )
    .expect("silent workers");
    let given_up: Rc<RefCell<Vec<bool>>> = Rc::default();
    for i in 0..limit {
        let file = file(
            &[i as u8; 4096],
            &format!("silent-{i}.bin"),
            "application/octet-stream",
        );
        let given_up = given_up.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let checked = file_worker::check_within(&file, None, &|_| {}, 300).await;
            given_up.borrow_mut().push(checked.is_none());
        });
    }
    // Every place taken by a silent worker; the next file waits in line, for a real one.
    settle().await;
    js_sys::eval("window.Worker = window.__Worker;").expect("workers back");
    let bytes = vec![42u8; 100_000];
    let expected = hex(&Sha256::digest(&bytes));
    let next = file(&bytes, "next.bin", "application/octet-stream");
    let hashed: Rc<RefCell<Option<String>>> = Rc::default();
    wasm_bindgen_futures::spawn_local({
        let hashed = hashed.clone();
        async move {
            let checked = file_worker::check(&next, None, &|_| {}).await;
            *hashed.borrow_mut() = Some(checked.map(|c| c.sha256).unwrap_or_default());
        }
    });
    wait_for("the silent workers given up", 5_000, || {
        given_up.borrow().len() == limit
    })
    .await;
    assert!(
        given_up.borrow().iter().all(|&g| g),
        "each silent check gave up"
    );
    wait_for("the next file checked", 5_000, || hashed.borrow().is_some()).await;
    assert_eq!(hashed.borrow().as_deref(), Some(expected.as_str()));
}

/// `len` bytes that hash differently for each `seed`, and that no file type's sniffing claims.
fn patterned(seed: u32, len: usize) -> Vec<u8> {
    (0..len as u32)
        .map(|i| (i.wrapping_add(seed).wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect()
}

/// A digest in lower-case hex, as the widget and the server write content hashes.
fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
