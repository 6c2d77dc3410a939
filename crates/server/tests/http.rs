//! The server over real HTTP on a loopback port.

mod support;

use support::TestServer;

#[tokio::test]
async fn health_is_reported() {
    let server = TestServer::start().await;
    let response = reqwest::get(format!("{}/healthz", server.base))
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: serde_json::Value = response.json().await.expect("json");
    // The running build's version, so a deploy can be checked for what it runs.
    assert_eq!(
        body,
        serde_json::json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")})
    );
    // Liveness is the server serving: once it is told to stop, /healthz no longer answers
    // and a load balancer takes it out.
    server.shutdown.cancel();
    let mut gone = false;
    for _ in 0..100 {
        let fresh = reqwest::Client::new();
        if fresh.get(server.url("/healthz")).send().await.is_err() {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        gone,
        "/healthz still answers 2 s after the server was told to stop"
    );
}

#[tokio::test]
async fn every_answer_says_how_long_the_server_took() {
    let server = TestServer::start().await;
    for path in ["/healthz", "/v1/sites/demo/widget-config", "/v1/nowhere"] {
        let response = reqwest::get(server.url(path)).await.expect("request");
        let timing = response.headers()["server-timing"]
            .to_str()
            .expect("text")
            .to_owned();
        let ms: f64 = timing
            .strip_prefix("app;dur=")
            .and_then(|d| d.parse().ok())
            .unwrap_or_else(|| panic!("{path}: Server-Timing {timing:?}"));
        assert!((0.0..10_000.0).contains(&ms), "{path}: {ms} ms");
    }
}

#[tokio::test]
async fn the_widget_page_and_its_wasm_are_served() {
    let server = TestServer::start().await;
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

/// Today in the demo site's time zone, as the widget's config should give it.
fn shanghai_today() -> String {
    let zone = jiff::tz::TimeZone::get("Asia/Shanghai").expect("the time zone database");
    jiff::Timestamp::now().to_zoned(zone).date().to_string()
}

#[tokio::test]
async fn the_demo_site_config_carries_its_policy() {
    let server = TestServer::start().await;
    let before = shanghai_today();
    let response = reqwest::get(format!("{}/v1/sites/demo/widget-config", server.base))
        .await
        .expect("request");
    let after = shanghai_today();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("json");
    // The demo site as documented, and the built-in policy read here from its file on its
    // own, compared as the JSON the widget receives.
    let builtin = helpcenter_core::Policy::from_toml(helpcenter_core::load::DEFAULT_POLICY_TOML)
        .expect("the built-in policy");
    assert_eq!(
        body["policy"],
        serde_json::to_value(&builtin).expect("policy as JSON")
    );
    assert_eq!(body["site"], "demo");
    assert_eq!(body["display_name"], "Demo Store");
    // The demo storefront's own page (next door), not a path on the widget's server.
    let storefront_port = server
        .base
        .rsplit(':')
        .next()
        .and_then(|port| port.parse::<u16>().ok())
        .expect("port")
        + 1;
    assert_eq!(
        body["return_policy_url"],
        format!("http://127.0.0.1:{storefront_port}/returns.html")
    );
    assert_eq!(
        body["brand"],
        serde_json::json!({"primary_color": "#1f5fbf", "on_primary_color": "#ffffff", "radius_px": 10})
    );
    let today = body["today"].as_str().unwrap_or_default();
    assert!(today == before || today == after, "{today} is not {before}");
    let config: helpcenter_api::WidgetConfig =
        serde_json::from_value(body).expect("a configuration the widget can read");
    assert_eq!(config.policy, builtin);

    // A site with a policy of its own gets its own, not the built-in one.
    let own = helpcenter_core::Policy::from_toml(
        &helpcenter_core::load::DEFAULT_POLICY_TOML
            .replace("first_response_hours = 48", "first_response_hours = 24"),
    )
    .expect("an edited policy");
    let custom = TestServer::start_customized(support::UNLIMITED, |site| {
        site.policy = own.clone();
    })
    .await;
    let body: serde_json::Value = custom
        .http
        .get(custom.url("/v1/sites/demo/widget-config"))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(body["policy"]["service"]["first_response_hours"], 24);
    assert_eq!(
        body["policy"],
        serde_json::to_value(&own).expect("policy as JSON")
    );
}

#[tokio::test]
async fn unknown_sites_and_paths_are_problem_details() {
    let server = TestServer::start().await;
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

#[tokio::test]
async fn only_the_sites_own_origins_get_a_cors_grant() {
    let server = TestServer::start().await;
    let config = server.url("/v1/sites/demo/widget-config");
    let allowed = server
        .http
        .get(&config)
        .header("Origin", server.origin())
        .send()
        .await
        .expect("request");
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        server.origin().as_str()
    );
    for origin in [
        "https://evil.example",
        "http://localhost.evil.example:1",
        "null",
    ] {
        let refused = server
            .http
            .get(&config)
            .header("Origin", origin)
            .send()
            .await
            .expect("request");
        assert!(
            refused
                .headers()
                .get("access-control-allow-origin")
                .is_none(),
            "{origin}"
        );
    }
    let preflight = server
        .http
        .request(
            reqwest::Method::OPTIONS,
            server.url("/v1/sites/demo/tickets"),
        )
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .expect("request");
    assert!(
        preflight
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    let admin = server
        .http
        .get(server.url("/v1/admin/tickets"))
        .header("Origin", server.origin())
        .send()
        .await
        .expect("request");
    assert!(
        admin.headers().get("access-control-allow-origin").is_none(),
        "the admin API is never granted to browsers"
    );
}

/// A fresh request id: a hyphenated UUID (8-4-4-4-12 hex digits).
fn is_uuid(id: &str) -> bool {
    let groups: Vec<&str> = id.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    use reqwest::Method;
    let server = TestServer::start().await;
    let origin = server.origin();
    // Answers from every layer: handlers, the fallback, refusals of each kind, the static
    // files, the tus discovery and CORS preflights answered before any handler.
    let requests = [
        (Method::GET, "/healthz", None, 200),
        (Method::GET, "/", None, 307),
        (Method::GET, "/v1/sites/demo/widget-config", None, 200),
        (Method::GET, "/v1/nothing-here", None, 404),
        (Method::GET, "/v1/sites/nope/widget-config", None, 404),
        (Method::GET, "/v1/sites/demo/tickets", None, 401),
        (Method::GET, "/v1/admin/tickets", None, 401),
        (Method::POST, "/v1/sites/demo/tickets", Some("{"), 400),
        (Method::GET, "/v1/tickets/HC-AAAAAA", None, 401),
        (Method::GET, &format!("/widget/{}", support::CSS), None, 200),
        (Method::GET, "/widget/missing.js", None, 404),
        (Method::GET, "/embed.js", None, 200),
        (Method::OPTIONS, "/v1/uploads", None, 204),
    ];
    // Redirects not followed: the redirect's own answer is the one to look at.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let mut seen = std::collections::HashSet::new();
    for (method, path, body, status) in &requests {
        let mut request = http.request(method.clone(), server.url(path));
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(*body);
        }
        let response = request.send().await.expect("request");
        assert_eq!(response.status(), *status, "{method} {path}");
        let id = header(&response, "x-request-id");
        assert!(is_uuid(&id), "{method} {path}: {id:?}");
        assert!(seen.insert(id.clone()), "{method} {path}: {id} given twice");
    }
    let preflight = server
        .http
        .request(Method::OPTIONS, server.url("/v1/sites/demo/tickets"))
        .header("Origin", &origin)
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .expect("request");
    assert_eq!(preflight.status(), 200);
    let id = header(&preflight, "x-request-id");
    assert!(is_uuid(&id) && seen.insert(id.clone()), "preflight: {id:?}");

    // A rate-limited answer too, from a server that allows one request.
    let limited = TestServer::start_with(helpcenter_server::rate_limit::RateLimits {
        per_ip_per_second: 1,
        per_ip_burst: 1,
        per_site_per_second: 1000,
        per_site_burst: 1000,
    })
    .await;
    let config = limited.url("/v1/sites/demo/widget-config");
    assert_eq!(
        limited
            .http
            .get(&config)
            .send()
            .await
            .expect("request")
            .status(),
        200
    );
    let refused = limited.http.get(&config).send().await.expect("request");
    assert_eq!(refused.status(), 429);
    let id = header(&refused, "x-request-id");
    assert!(is_uuid(&id) && seen.insert(id.clone()), "429: {id:?}");

    // An id the caller brings (a proxy in front, say) is kept and answered back, so one id
    // follows the request through both logs.
    for (method, path) in [
        (Method::GET, "/healthz"),
        (Method::GET, "/v1/nothing-here"),
        (Method::OPTIONS, "/v1/uploads"),
    ] {
        let response = server
            .http
            .request(method.clone(), server.url(path))
            .header("X-Request-Id", "from-the-proxy-42")
            .send()
            .await
            .expect("request");
        assert_eq!(
            header(&response, "x-request-id"),
            "from-the-proxy-42",
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn a_client_over_its_rate_limit_is_told_when_to_come_back() {
    let limits = helpcenter_server::rate_limit::RateLimits {
        per_ip_per_second: 1,
        per_ip_burst: 3,
        per_site_per_second: 1000,
        per_site_burst: 1000,
    };
    let server = TestServer::start_with(limits).await;
    let config = server.url("/v1/sites/demo/widget-config");
    for _ in 0..3 {
        assert_eq!(
            server
                .http
                .get(&config)
                .send()
                .await
                .expect("request")
                .status(),
            200
        );
    }
    let refused = server.http.get(&config).send().await.expect("request");
    assert_eq!(refused.status(), 429);
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=2).contains(&wait), "{wait}");
    let body: serde_json::Value = refused.json().await.expect("problem details");
    assert_eq!(body["code"], "rate_limited");
    // Health checks and the widget's files are not limited.
    assert_eq!(
        server
            .http
            .get(server.url("/healthz"))
            .send()
            .await
            .expect("request")
            .status(),
        200
    );
}

#[tokio::test]
async fn readiness_says_whether_claims_can_be_taken_and_why_not() {
    let server = TestServer::start().await;
    let response = server
        .http
        .get(server.url("/readyz"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(
        body,
        serde_json::json!({"status": "ready", "checks": {"database": "ok", "disk": "ok", "evidence": "ok"}})
    );

    // A data disk under its reserve: not ready, and the reason with the figures.
    let setup = support::Setup {
        storage: helpcenter_server::uploads::quota::StorageLimits {
            free_disk_reserve_mib: u64::MAX / (1 << 21),
            ..Default::default()
        },
        ..support::Setup::default()
    };
    let full = TestServer::start_set_up(setup, |_| {}).await;
    let response = full
        .http
        .get(full.url("/readyz"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 503);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["code"], "service.not_ready");
    // Only the disk failed, and the detail says by how much.
    let detail = body["detail"].as_str().unwrap_or_default();
    assert!(
        detail.starts_with("not ready: disk: ")
            && detail.contains("MiB free, under the")
            && detail.ends_with("MiB kept in reserve"),
        "{detail}"
    );
}

/// Limits tight enough to meet in a test: two requests per client, sites unlimited.
const TWO_PER_CLIENT: helpcenter_server::rate_limit::RateLimits =
    helpcenter_server::rate_limit::RateLimits {
        per_ip_per_second: 1,
        per_ip_burst: 2,
        per_site_per_second: 1000,
        per_site_burst: 1000,
    };

/// The statuses of `count` widget-config requests sent as if forwarded for `client`.
async fn statuses_forwarded_for(server: &TestServer, client: &str, count: usize) -> Vec<u16> {
    let mut statuses = Vec::new();
    for _ in 0..count {
        let response = server
            .http
            .get(server.url("/v1/sites/demo/widget-config"))
            .header("x-forwarded-for", client)
            .send()
            .await
            .expect("request");
        statuses.push(response.status().as_u16());
    }
    statuses
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_shopper_has_their_own_limit() {
    let proxies =
        helpcenter_server::client_ip::TrustedProxies::new(vec!["127.0.0.1".parse().expect("net")]);
    let setup = support::Setup {
        rate_limits: TWO_PER_CLIENT,
        trusted_proxies: proxies,
        ..support::Setup::default()
    };
    let server = TestServer::start_set_up(setup, |_| {}).await;
    // The proxy appends the address it saw; what the client wrote to its left is not trusted.
    assert_eq!(
        statuses_forwarded_for(&server, "203.0.113.9", 3).await,
        [200, 200, 429]
    );
    assert_eq!(
        statuses_forwarded_for(&server, "198.51.100.7, 203.0.113.9", 1).await,
        [429],
        "a client cannot escape its limit by writing another address first"
    );
    assert_eq!(
        statuses_forwarded_for(&server, "203.0.113.9, 198.51.100.7", 2).await,
        [200, 200],
        "another shopper behind the same proxy is not slowed by the first"
    );
    // One IPv6 subscriber's /64 is one client, whichever address it uses.
    assert_eq!(
        statuses_forwarded_for(&server, "2001:db8:1:2::1", 2).await,
        [200, 200]
    );
    assert_eq!(
        statuses_forwarded_for(&server, "2001:db8:1:2::ffff", 1).await,
        [429]
    );
}

#[tokio::test]
async fn without_trusted_proxies_a_forwarded_address_changes_nothing() {
    let server = TestServer::start_with(TWO_PER_CLIENT).await;
    assert_eq!(
        statuses_forwarded_for(&server, "203.0.113.1", 2).await,
        [200, 200]
    );
    assert_eq!(
        statuses_forwarded_for(&server, "203.0.113.2", 1).await,
        [429],
        "the TCP peer is the client when no proxy is trusted"
    );
}

#[tokio::test]
async fn tus_discovery_is_answered_through_the_whole_app_and_preflights_still_get_cors() {
    let server = TestServer::start().await;
    let discovery = server
        .http
        .request(reqwest::Method::OPTIONS, server.url("/v1/uploads"))
        .send()
        .await
        .expect("request");
    assert_eq!(discovery.status(), 204);
    assert_eq!(discovery.headers()["tus-version"], "1.0.0");
    assert!(
        discovery.headers()["tus-extension"]
            .to_str()
            .unwrap_or("")
            .contains("creation")
    );
    let preflight = server
        .http
        .request(reqwest::Method::OPTIONS, server.url("/v1/uploads"))
        .header("Origin", server.origin())
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .expect("request");
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        server.origin().as_str()
    );
    assert!(preflight.headers().get("tus-version").is_none());
}

/// A merchant's own page may open a signed-in shopper's ticket and resume its event stream,
/// both of which send headers that need a preflight.
#[tokio::test]
async fn a_sites_page_may_open_a_ticket_by_identity_and_resume_its_stream() {
    let server = TestServer::start().await;
    for (path, method, headers) in [
        (
            "/v1/sites/demo/tickets/HC-2222222/access",
            "POST",
            "authorization",
        ),
        ("/v1/tickets/HC-2222222/events", "GET", "last-event-id"),
    ] {
        let preflight = server
            .http
            .request(reqwest::Method::OPTIONS, server.url(path))
            .header("Origin", server.origin())
            .header("Access-Control-Request-Method", method)
            .header("Access-Control-Request-Headers", headers)
            .send()
            .await
            .expect("preflight");
        assert!(preflight.status().is_success(), "{path}");
        let granted = |name: &str| {
            preflight
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_ascii_lowercase()
        };
        assert_eq!(granted("access-control-allow-origin"), server.origin());
        assert!(
            granted("access-control-allow-methods").contains(&method.to_ascii_lowercase()),
            "{path}: {}",
            granted("access-control-allow-methods")
        );
        assert!(
            granted("access-control-allow-headers").contains(headers),
            "{path}: {}",
            granted("access-control-allow-headers")
        );
    }
    let refused = server
        .http
        .post(server.url("/v1/sites/demo/tickets/HC-2222222/access"))
        .header("Origin", server.origin())
        .bearer_auth("v1.forged")
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), 401);
    assert_eq!(
        refused.headers()["access-control-allow-origin"],
        server.origin().as_str(),
        "the page can read why it was refused"
    );
}

/// The value of a header, or "" when it is missing.
/// A file the server does not have: a 404 problem (`not_found`) that no cache keeps.
async fn assert_uncached_miss(missing: reqwest::Response) {
    assert_eq!(missing.status(), 404);
    assert_eq!(
        header(&missing, "cache-control"),
        "",
        "a miss is not cached"
    );
    let body: serde_json::Value = missing.json().await.expect("problem details");
    assert_eq!(body["code"], "not_found");
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

#[tokio::test]
async fn embed_js_loads_on_any_storefront_and_is_cached_briefly() {
    let server = TestServer::start().await;
    let response = server
        .http
        .get(server.url("/embed.js"))
        .header("Origin", "https://any-shop.example")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "content-type"),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(header(&response, "access-control-allow-origin"), "*");
    assert_eq!(
        header(&response, "cross-origin-resource-policy"),
        "cross-origin"
    );
    assert_eq!(header(&response, "timing-allow-origin"), "*");
    assert_eq!(header(&response, "x-content-type-options"), "nosniff");
    assert_eq!(header(&response, "cache-control"), "public, max-age=300");
    let etag = header(&response, "etag");
    assert!(
        etag.starts_with('"'),
        "revalidation needs an ETag, got {etag:?}"
    );
    assert_eq!(response.text().await.expect("body"), support::EMBED_JS);

    let revalidated = server
        .http
        .get(server.url("/embed.js"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("request");
    assert_eq!(revalidated.status(), 304, "unchanged: nothing to download");
    assert_eq!(header(&revalidated, "cache-control"), "public, max-age=300");
    assert_eq!(revalidated.bytes().await.expect("body").len(), 0);
}

/// The tag `embed.js?site=KEY` gets the launcher in that site's colours; any other address
/// gets the default look, and each look revalidates as its own.
#[tokio::test]
async fn the_launcher_comes_in_the_site_brand_colours() {
    let server = TestServer::start_customized(support::UNLIMITED, |site| {
        site.brand.primary_color = "#0b6e4f".into();
        site.brand.on_primary_color = "#ffffff".into();
    })
    .await;
    let real = include_str!("../../../public/embed.js");
    std::fs::write(server.public_dir.join("embed.js"), real).expect("write the real embed.js");
    let fetch = |path: &'static str| server.http.get(server.url(path)).send();

    let branded = fetch("/embed.js?site=demo").await.expect("request");
    assert_eq!(branded.status(), 200);
    let branded_tag = header(&branded, "etag");
    let text = branded.text().await.expect("body");
    assert!(text.contains("background:#0b6e4f;color:#ffffff;"), "{text}");
    assert!(!text.contains("#1f5fbf"), "no trace of the default blue");

    for plain in ["/embed.js", "/embed.js?site=nobody", "/embed.js?site=%ZZ&x"] {
        let response = fetch(plain).await.expect("request");
        assert_eq!(response.status(), 200, "{plain}");
        assert_ne!(header(&response, "etag"), branded_tag, "{plain}");
        assert_eq!(response.text().await.expect("body"), real, "{plain}");
    }

    let revalidated = server
        .http
        .get(server.url("/embed.js?site=demo"))
        .header("If-None-Match", &branded_tag)
        .send()
        .await
        .expect("request");
    assert_eq!(revalidated.status(), 304);
}

#[tokio::test]
async fn embed_js_is_compressed_for_browsers_that_accept_it() {
    let server = TestServer::start().await;
    let fetch = |encoding: Option<&'static str>| {
        let mut request = server.http.get(server.url("/embed.js"));
        if let Some(encoding) = encoding {
            request = request.header("Accept-Encoding", encoding);
        }
        request.send()
    };
    let br = fetch(Some("br")).await.expect("request");
    assert_eq!(header(&br, "content-encoding"), "br");
    assert!(header(&br, "vary").contains("accept-encoding"));
    assert_eq!(header(&br, "access-control-allow-origin"), "*");
    let bytes = br.bytes().await.expect("body");
    assert_eq!(support::unbrotli(&bytes), support::EMBED_JS.as_bytes());

    let gzip = fetch(Some("gzip")).await.expect("request");
    assert_eq!(header(&gzip, "content-encoding"), "gzip");
    let bytes = gzip.bytes().await.expect("body");
    assert_eq!(support::gunzip(&bytes), support::EMBED_JS.as_bytes());

    let plain = fetch(None).await.expect("request");
    assert_eq!(header(&plain, "content-encoding"), "");
    assert_eq!(plain.text().await.expect("body"), support::EMBED_JS);
}

#[tokio::test]
async fn nothing_but_embed_js_is_served_from_the_public_dir() {
    let server = TestServer::start().await;
    std::fs::write(server.public_dir.join("notes.txt"), "not for shoppers").expect("write");
    for path in ["/notes.txt", "/public/notes.txt", "/embed.js/notes.txt"] {
        let response = server
            .http
            .get(server.url(path))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(
            header(&response, "content-type"),
            "application/problem+json"
        );
        let body: serde_json::Value = response.json().await.expect("problem details");
        assert_eq!(body["code"], "not_found", "{path}");
    }
    // A server deployed without embed.js says so, rather than sending an empty script.
    std::fs::remove_file(server.public_dir.join("embed.js")).expect("remove");
    let missing = server
        .http
        .get(server.url("/embed.js"))
        .send()
        .await
        .expect("request");
    assert_uncached_miss(missing).await;
}

/// The CSP of the widget page, but for whom may frame it: its own scripts, and the worker it
/// hashes evidence in, started from a `blob:` address it made.
const WIDGET_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; worker-src blob:; \
    connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors ";

#[tokio::test]
async fn only_the_sites_own_pages_may_frame_the_widget() {
    let server = TestServer::start().await;
    let port: u16 = server
        .base
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port");
    // The demo site: the server's own pages and the demo storefront's next door.
    let store = port + 1;
    let framed_by_demo = format!(
        "{WIDGET_CSP}http://127.0.0.1:{port} http://127.0.0.1:{store} http://localhost:{port} http://localhost:{store}"
    );
    let framed_by_none = format!("{WIDGET_CSP}'none'");
    for (path, csp) in [
        ("/widget/?site=demo&locale=en", &framed_by_demo),
        ("/widget/index.html?site=demo", &framed_by_demo),
        ("/widget/?locale=en&site=demo", &framed_by_demo),
        ("/widget/?site=nope", &framed_by_none),
        ("/widget/", &framed_by_none),
        ("/widget/?site=demo&site=nope", &framed_by_none),
    ] {
        let response = server
            .http
            .get(server.url(path))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(header(&response, "content-security-policy"), *csp, "{path}");
        assert_eq!(header(&response, "cache-control"), "no-cache", "{path}");
        assert_eq!(
            header(&response, "x-content-type-options"),
            "nosniff",
            "{path}"
        );
        assert_eq!(
            header(&response, "referrer-policy"),
            "no-referrer",
            "{path}"
        );
        assert!(
            response
                .text()
                .await
                .expect("body")
                .contains("<title>Help Center</title>"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn hashed_widget_files_are_cached_for_a_year_and_the_rest_revalidated() {
    let server = TestServer::start().await;
    for (name, cache) in [
        (support::GLUE_JS, "public, max-age=31536000, immutable"),
        (support::WASM, "public, max-age=31536000, immutable"),
        (support::CHUNK_WASM, "public, max-age=31536000, immutable"),
        (support::CSS, "public, max-age=31536000, immutable"),
        (support::BOOT_JS, "public, max-age=31536000, immutable"),
        (support::UNHASHED_WASM, "no-cache"),
        ("", "no-cache"),
        ("index.html", "no-cache"),
    ] {
        let response = server
            .http
            .get(server.url(&format!("/widget/{name}")))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "{name}");
        assert_eq!(header(&response, "cache-control"), cache, "{name}");
        assert_eq!(
            header(&response, "x-content-type-options"),
            "nosniff",
            "{name}"
        );
    }
    let missing = server
        .http
        .get(server.url("/widget/helpcenter-widget-fedcba9876543210.js"))
        .send()
        .await
        .expect("request");
    assert_uncached_miss(missing).await;
}

#[tokio::test]
async fn the_widget_comes_precompressed_to_browsers_that_accept_it() {
    let server = TestServer::start().await;
    let wasm = format!("/widget/{}", support::WASM);
    let fetch = |encoding: Option<&'static str>| {
        let mut request = server.http.get(server.url(&wasm));
        if let Some(encoding) = encoding {
            request = request.header("Accept-Encoding", encoding);
        }
        request.send()
    };
    let br = fetch(Some("gzip, deflate, br")).await.expect("request");
    assert_eq!(br.status(), 200);
    assert_eq!(header(&br, "content-encoding"), "br");
    assert_eq!(header(&br, "content-type"), "application/wasm");
    assert!(header(&br, "vary").contains("accept-encoding"));
    assert_eq!(
        header(&br, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    let bytes = br.bytes().await.expect("body");
    assert_eq!(support::unbrotli(&bytes), support::fake_wasm());

    let gzip = fetch(Some("gzip")).await.expect("request");
    assert_eq!(header(&gzip, "content-encoding"), "gzip");
    assert_eq!(header(&gzip, "content-type"), "application/wasm");
    let bytes = gzip.bytes().await.expect("body");
    assert_eq!(support::gunzip(&bytes), support::fake_wasm());

    let plain = fetch(None).await.expect("request");
    assert_eq!(header(&plain, "content-encoding"), "");
    assert_eq!(header(&plain, "content-type"), "application/wasm");
    assert!(header(&plain, "vary").contains("accept-encoding"));
    assert_eq!(plain.bytes().await.expect("body"), support::fake_wasm());

    let page = server
        .http
        .get(server.url("/widget/?site=demo"))
        .header("Accept-Encoding", "br")
        .send()
        .await
        .expect("request");
    assert_eq!(header(&page, "content-encoding"), "br");
    assert!(header(&page, "content-type").starts_with("text/html"));
    assert!(header(&page, "content-security-policy").contains("frame-ancestors http://"));
    let bytes = page.bytes().await.expect("body");
    let html = String::from_utf8(support::unbrotli(&bytes)).expect("utf-8");
    assert!(html.contains(support::BOOT_JS), "{html}");
}

#[tokio::test]
async fn a_file_removed_from_the_build_is_gone_for_every_browser() {
    let server = TestServer::start().await;
    // The compressed copies stay behind, as after a careless deploy.
    std::fs::remove_file(server.widget_dir.join(support::CHUNK_WASM)).expect("remove");
    for encoding in ["br", "gzip", "identity"] {
        let response = server
            .http
            .get(server.url(&format!("/widget/{}", support::CHUNK_WASM)))
            .header("Accept-Encoding", encoding)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 404, "{encoding}");
        let body: serde_json::Value = response.json().await.expect("problem details");
        assert_eq!(body["code"], "not_found", "{encoding}");
    }
}

#[tokio::test]
async fn the_widget_config_is_compressed_for_browsers_that_accept_it() {
    let server = TestServer::start().await;
    let url = server.url("/v1/sites/demo/widget-config");
    let plain = server.http.get(&url).send().await.expect("request");
    assert_eq!(plain.status(), 200);
    assert_eq!(header(&plain, "content-encoding"), "");
    let plain = plain.bytes().await.expect("body");

    let br = server
        .http
        .get(&url)
        .header("Accept-Encoding", "br, gzip")
        .send()
        .await
        .expect("request");
    assert_eq!(header(&br, "content-encoding"), "br");
    assert!(header(&br, "vary").contains("accept-encoding"));
    let squeezed = br.bytes().await.expect("body");
    assert_eq!(support::unbrotli(&squeezed), plain);
    assert!(
        squeezed.len() * 3 < plain.len(),
        "{} bytes compressed from {}: the policy's text should shrink far more",
        squeezed.len(),
        plain.len()
    );
}

/// A store's own allowance: 12 requests in a burst, then one a second; clients unlimited.
const TWELVE_PER_SITE: helpcenter_server::rate_limit::RateLimits =
    helpcenter_server::rate_limit::RateLimits {
        per_ip_per_second: 100_000,
        per_ip_burst: 100_000,
        per_site_per_second: 1,
        per_site_burst: 12,
    };

/// Sends `request` until it is refused (at most `tries` times); answers how many went through.
async fn until_limited(request: impl Fn() -> reqwest::RequestBuilder, tries: usize) -> usize {
    for sent in 0..tries {
        let status = request().send().await.expect("request").status();
        if status == 429 {
            return sent;
        }
        assert!(status.is_success(), "{status}");
    }
    panic!("still not limited after {tries} requests")
}

#[tokio::test]
async fn a_flood_of_one_stores_tickets_and_uploads_counts_against_that_store_not_the_others() {
    for flooded in ["ticket", "upload"] {
        let server = TestServer::start_full(
            support::Setup {
                rate_limits: TWELVE_PER_SITE,
                ..support::Setup::default()
            },
            |_| {},
            |demo| {
                let mut corner = demo.clone();
                corner.key = "corner".into();
                vec![corner]
            },
        )
        .await;
        // A shopper of the demo store files a claim (an upload of two requests, the claim).
        let photo = server
            .upload("crack.png", &helpcenter_media::samples::png(800, 600, 3))
            .await;
        let claim = serde_json::json!({
            "category": "product_quality",
            "answers": ["fault", "as_instructed"],
            "order_number": "#10023456",
            "description": "The blender stopped working after two days; the motor hums but the blade does not turn.",
            "email": "wei@example.com",
            "uploads": [photo],
            "locale": "en",
        });
        let created = server
            .http
            .post(server.url("/v1/sites/demo/tickets"))
            .header("Idempotency-Key", "flood-1")
            .json(&claim)
            .send()
            .await
            .expect("create");
        assert_eq!(created.status(), 201);
        let created: helpcenter_api::TicketCreated = created.json().await.expect("created");
        // Then the store's addresses without its key in the path are hammered: the ticket's
        // page, or the upload's tus HEAD.
        let passed = match flooded {
            "ticket" => {
                let url = server.url(&format!("/v1/tickets/{}", created.ticket_id));
                until_limited(
                    || server.http.get(&url).bearer_auth(&created.access_token),
                    50,
                )
                .await
            }
            _ => {
                let url = server.url(&format!("/v1/uploads/{photo}"));
                until_limited(
                    || server.http.head(&url).header("Tus-Resumable", "1.0.0"),
                    50,
                )
                .await
            }
        };
        assert!(passed <= 12, "{flooded}: {passed} went through");
        let config = |site: &str| {
            server
                .http
                .get(server.url(&format!("/v1/sites/{site}/widget-config")))
                .send()
        };
        assert_eq!(
            config("demo").await.expect("request").status(),
            429,
            "{flooded}: the flood counted against the demo store's allowance"
        );
        assert_eq!(
            config("corner").await.expect("request").status(),
            200,
            "{flooded}: another store on the same server is served as before"
        );
        // A new upload for the demo store counts against it as well, by its metadata.
        let create_upload = server
            .http
            .post(server.url("/v1/uploads"))
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Length", "10")
            .header("Upload-Metadata", "site ZGVtbw==,filename YS5wbmc=")
            .send()
            .await
            .expect("request");
        assert_eq!(create_upload.status(), 429, "{flooded}");
    }
}
