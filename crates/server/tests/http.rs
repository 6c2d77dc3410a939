//! The server over real HTTP on a loopback port.

use std::sync::Arc;

use helpcenter_server::app::ServeOptions;
use helpcenter_server::sites::{Site, Sites};
use helpcenter_server::{AppState, router};

struct Running {
    base: String,
    _widget_dir: tempfile::TempDir,
}

/// Starts a server on a free port, serving a fake Trunk output with a page and a wasm file.
async fn start() -> Running {
    let widget_dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        widget_dir.path().join("index.html"),
        "<!doctype html><title>Help Center</title>",
    )
    .expect("write page");
    std::fs::write(
        widget_dir.path().join("helpcenter-widget_bg.wasm"),
        b"\0asm\x01\0\0\0",
    )
    .expect("write wasm");
    let state = AppState {
        sites: Arc::new(Sites::new(vec![Site::demo()])),
    };
    let app = router(
        state,
        &ServeOptions {
            widget_dir: widget_dir.path().to_owned(),
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(helpcenter_server::serve(listener, app));
    Running {
        base,
        _widget_dir: widget_dir,
    }
}

#[tokio::test]
async fn health_is_reported() {
    let server = start().await;
    let response = reqwest::get(format!("{}/healthz", server.base))
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn the_widget_page_and_its_wasm_are_served() {
    let server = start().await;
    let root = reqwest::get(format!("{}/", server.base))
        .await
        .expect("request");
    assert_eq!(
        root.url().path(),
        "/widget/",
        "the root leads to the widget"
    );
    assert!(
        root.text()
            .await
            .expect("body")
            .contains("<title>Help Center</title>")
    );

    let wasm = reqwest::get(format!("{}/widget/helpcenter-widget_bg.wasm", server.base))
        .await
        .expect("request");
    assert_eq!(wasm.status(), 200);
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
    assert!(wasm.bytes().await.expect("body").starts_with(b"\0asm"));
}

#[tokio::test]
async fn the_demo_site_config_carries_its_policy() {
    let server = start().await;
    let response = reqwest::get(format!("{}/v1/sites/demo/widget-config", server.base))
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["site"], "demo");
    let policy: helpcenter_core::Policy =
        serde_json::from_value(body["policy"].clone()).expect("a policy the widget can read");
    assert_eq!(policy, helpcenter_core::Policy::builtin());
}

#[tokio::test]
async fn unknown_sites_and_paths_are_problem_details() {
    let server = start().await;
    for (path, code) in [
        ("/v1/sites/nope/widget-config", "site.not_found"),
        ("/v1/nothing-here", "not_found"),
    ] {
        let response = reqwest::get(format!("{}{path}", server.base))
            .await
            .expect("request");
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let body: serde_json::Value = response.json().await.expect("json");
        assert_eq!(body["code"], code, "{path}");
        assert_eq!(body["status"], 404);
    }
}
