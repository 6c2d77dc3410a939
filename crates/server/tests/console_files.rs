//! The agents' console as the server sends it: one page for every address of the app (so a
//! ticket's link pasted to a colleague opens), its files cached like the widget's, and a CSP
//! that no other site can frame it under.

mod support;

use support::{CONSOLE_CSS, CONSOLE_WASM, TestServer};

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn every_page_of_the_console_is_its_index_with_its_csp() {
    let server = TestServer::start().await;
    for path in [
        "/console/",
        "/console/tickets",
        "/console/tickets/HC-7F3K9Q",
        "/console/settings",
        "/console/insights",
        "/console/sign-in?next=%2Fconsole%2Fsettings",
    ] {
        let response = server.http.get(server.url(path)).send().await.expect("get");
        assert_eq!(response.status(), 200, "{path}");
        assert!(
            header(&response, "content-type").starts_with("text/html"),
            "{path}"
        );
        assert_eq!(header(&response, "cache-control"), "no-cache", "{path}");
        let csp = header(&response, "content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
            "{path}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        let page = response.text().await.expect("body");
        assert!(page.contains("Help Center console"), "{path}");
    }
    // Without the slash, it goes to the slash.
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let response = plain.get(server.url("/console")).send().await.expect("get");
    assert_eq!(response.status(), 308);
    assert_eq!(header(&response, "location"), "/console/");
}

#[tokio::test]
async fn console_files_are_cached_for_good_and_a_missing_one_is_not_the_page() {
    let server = TestServer::start().await;
    for name in [CONSOLE_WASM, CONSOLE_CSS] {
        let response = server
            .http
            .get(server.url(&format!("/console/{name}")))
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), 200, "{name}");
        assert_eq!(
            header(&response, "cache-control"),
            "public, max-age=31536000, immutable",
            "{name}"
        );
        assert_eq!(header(&response, "x-content-type-options"), "nosniff");
    }
    let missing = server
        .http
        .get(server.url("/console/helpcenter-console-ffffffffffffffff.js"))
        .send()
        .await
        .expect("get");
    assert_eq!(missing.status(), 404);
    assert_eq!(header(&missing, "content-type"), "application/problem+json");
}
