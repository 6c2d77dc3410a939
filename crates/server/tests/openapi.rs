//! The OpenAPI document over real HTTP: served at `/v1/openapi.json`, OpenAPI 3.1, every route
//! of the router in it with its method, the three security schemes and the problem details, and
//! its schemas describing what the server really answers (checked on real answers).

mod support;

use std::collections::BTreeSet;

use futures_util::StreamExt;
use helpcenter_media::samples::png;
use serde_json::{Value, json};
use support::TestServer;
use support::problem as problem_json;

async fn document(server: &TestServer) -> Value {
    let response = server
        .http
        .get(server.url("/v1/openapi.json"))
        .send()
        .await
        .expect("fetch the document");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    response.json().await.expect("json")
}

const METHODS: [&str; 8] = [
    "get", "post", "put", "patch", "delete", "head", "options", "trace",
];

fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut all = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                all.push((path.clone(), method.to_owned(), operation));
            }
        }
    }
    all
}

fn schema_named<'d>(doc: &'d Value, name: &str) -> &'d Value {
    let schema = &doc["components"]["schemas"][name];
    assert!(schema.is_object(), "no schema {name}");
    schema
}

/// The schema the document gives for an answer of `method path` with `status`.
fn response_schema<'d>(
    doc: &'d Value,
    path: &str,
    method: &str,
    status: u16,
    content_type: &str,
) -> &'d Value {
    let schema = &doc["paths"][path][method]["responses"][status.to_string()]["content"]
        [content_type]["schema"];
    assert!(
        schema.is_object(),
        "no {content_type} schema for {method} {path} {status}"
    );
    schema
}

/// A small JSON Schema check, enough for what utoipa writes: `$ref`, `allOf`, `oneOf`, `type`
/// (one or several), `enum`, `format: date`, `minimum`/`maximum`, `required`, `properties`,
/// `additionalProperties` and `items`.
fn check(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .ok_or_else(|| format!("{at}: unexpected $ref {reference}"))?;
        return check(doc, schema_named(doc, name), value, at);
    }
    if let Some(all) = schema["allOf"].as_array() {
        for part in all {
            check(doc, part, value, at)?;
        }
    }
    if let Some(one) = schema["oneOf"].as_array() {
        let passing = one
            .iter()
            .filter(|s| check(doc, s, value, at).is_ok())
            .count();
        if passing != 1 {
            return Err(format!("{at}: {value} matches {passing} of oneOf {one:?}"));
        }
    }
    if let Some(types) = match &schema["type"] {
        Value::String(t) => Some(vec![t.as_str()]),
        Value::Array(ts) => Some(ts.iter().filter_map(Value::as_str).collect()),
        _ => None,
    } {
        let kind_ok = |t: &str| match t {
            "null" => value.is_null(),
            "boolean" => value.is_boolean(),
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            _ => false,
        };
        if !types.iter().any(|t| kind_ok(t)) {
            return Err(format!("{at}: {value} is not of type {types:?}"));
        }
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        return Err(format!("{at}: {value} is not one of {allowed:?}"));
    }
    if schema["format"] == "date"
        && let Some(text) = value.as_str()
    {
        let b = text.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' || !digits(0..4) || !digits(5..7) {
            return Err(format!("{at}: {text:?} is not a YYYY-MM-DD date"));
        }
    }
    if let Some(n) = value.as_f64() {
        if schema["minimum"].as_f64().is_some_and(|min| n < min) {
            return Err(format!("{at}: {n} is below the minimum"));
        }
        if schema["maximum"].as_f64().is_some_and(|max| n > max) {
            return Err(format!("{at}: {n} is above the maximum"));
        }
    }
    if let Some(object) = value.as_object() {
        for name in schema["required"].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap_or_default();
            if !object.contains_key(name) {
                return Err(format!("{at}: required property {name} is missing"));
            }
        }
        let properties = schema["properties"].as_object();
        for (key, item) in object {
            match properties.and_then(|p| p.get(key)) {
                Some(property) => check(doc, property, item, &format!("{at}.{key}"))?,
                None => match &schema["additionalProperties"] {
                    Value::Bool(false) => {
                        return Err(format!("{at}: property {key} is not in the schema"));
                    }
                    extra @ Value::Object(_) => check(doc, extra, item, &format!("{at}.{key}"))?,
                    _ => {}
                },
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            check(doc, items, item, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

fn assert_matches(doc: &Value, schema: &Value, value: &Value, what: &str) {
    if let Err(mismatch) = check(doc, schema, value, what) {
        panic!("{mismatch}\nin {value:#}");
    }
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_covers_every_route_of_the_router() {
    let server = TestServer::start().await;
    let doc = document(&server).await;
    let version = doc["openapi"].as_str().expect("openapi");
    assert!(version.starts_with("3.1"), "openapi {version}");

    let documented: BTreeSet<(String, String)> = operations(&doc)
        .into_iter()
        .map(|(path, method, _)| (path, method))
        .collect();
    // Routing an endpoint documents it (`utoipa_axum::routes!` in app.rs); these are the groups
    // of the router, each of which must be there.
    for (path, method) in [
        ("/healthz", "get"),
        ("/v1/openapi.json", "get"),
        ("/v1/sites/{site}/widget-config", "get"),
        ("/v1/sites/{site}/tickets", "post"),
        ("/v1/tickets/{id}/events", "get"),
        ("/v1/uploads", "post"),
        ("/v1/uploads/{id}", "patch"),
        ("/v1/admin/tickets/{id}/transition", "post"),
    ] {
        assert!(
            documented.contains(&(path.to_owned(), method.to_owned())),
            "{method} {path}"
        );
    }

    // Every documented route answers: no 404 from the fallback (nor 405) for any of them.
    for (path, method) in &documented {
        let url = server.url(
            &path
                .replace("{site}", "demo")
                .replace("{id}", "HC-2222222")
                .replace("{upload}", "nothing"),
        );
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
        let response = server
            .http
            .request(method.clone(), &url)
            .send()
            .await
            .expect("send");
        assert_ne!(response.status(), 405, "{method} {url}");
        if method == reqwest::Method::HEAD {
            // No body to tell a fallback 404 from a handler's: this one answers 412 first.
            assert_ne!(response.status(), 404, "{method} {url}");
        }
        if response.status() == 404 {
            let body: Value = response.json().await.unwrap_or_default();
            assert_ne!(body["code"], "not_found", "{method} {url} is not routed");
        }
    }
}

#[tokio::test]
async fn security_schemes_problem_details_and_protocol_headers_are_described() {
    let server = TestServer::start().await;
    let doc = document(&server).await;
    let schemes = &doc["components"]["securitySchemes"];
    for name in ["ticket_token", "admin_key", "identity_token"] {
        assert_eq!(schemes[name]["type"], "http", "{name}");
        assert_eq!(schemes[name]["scheme"], "bearer", "{name}");
    }
    assert_eq!(
        (
            &schemes["agent_session"]["type"],
            &schemes["agent_session"]["in"],
            &schemes["agent_session"]["name"]
        ),
        (&json!("apiKey"), &json!("cookie"), &json!("hc_console"))
    );
    let security = |path: &str, method: &str| doc["paths"][path][method]["security"].clone();
    for (path, method, _) in operations(&doc) {
        let expected = if path.starts_with("/v1/admin/") {
            json!([{"admin_key": []}])
        } else if path == "/v1/console/session" && method == "delete" {
            // Signing out is never refused for want of a session.
            json!([{}, {"agent_session": []}])
        } else if path == "/v1/tickets/{id}/link" {
            // The link's secret from a mail is what opens it: it hands out the token.
            Value::Null
        } else if path.starts_with("/v1/console/")
            && !(path == "/v1/console/session" && method == "post")
        {
            json!([{"agent_session": []}])
        } else if path == "/v1/tickets/{id}/events" {
            // Either way: EventSource can only send the token in the address.
            json!([{"ticket_token": []}, {"ticket_token_query": []}])
        } else if path.starts_with("/v1/tickets/") {
            json!([{"ticket_token": []}])
        } else if matches!(
            (path.as_str(), method.as_str()),
            ("/v1/sites/{site}/tickets", "get")
                | ("/v1/sites/{site}/identity", "get")
                | ("/v1/sites/{site}/tickets/{id}/access", "post")
        ) {
            json!([{"identity_token": []}])
        } else {
            Value::Null
        };
        assert_eq!(security(&path, &method), expected, "{method} {path}");
    }

    let problem = schema_named(&doc, "ProblemDetails");
    let properties: BTreeSet<&str> = problem["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        properties,
        BTreeSet::from([
            "type", "title", "status", "detail", "code", "problems", "allowed"
        ])
    );
    assert_eq!(
        problem["required"],
        json!(["type", "title", "status", "detail", "code"])
    );
    assert_eq!(
        problem["properties"]["problems"]["items"]["$ref"],
        "#/components/schemas/Problem"
    );
    let transition = &doc["paths"]["/v1/admin/tickets/{id}/transition"]["post"]["responses"];
    assert_eq!(
        transition["409"]["content"]["application/problem+json"]["schema"]["$ref"],
        "#/components/schemas/ProblemDetails"
    );
    assert_eq!(schema_named(&doc, "CivilDate")["type"], "string");
    assert_eq!(schema_named(&doc, "CivilDate")["format"], "date");
    assert_eq!(schema_named(&doc, "Field")["type"], "string");

    let parameter = |path: &str, method: &str, name: &str| -> Value {
        doc["paths"][path][method]["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{method} {path} has no parameter {name}"))
    };
    let key = parameter("/v1/sites/{site}/tickets", "post", "Idempotency-Key");
    assert_eq!(
        (&key["in"], &key["required"]),
        (&json!("header"), &json!(true))
    );
    assert_eq!(
        parameter("/v1/tickets/{id}/events", "get", "Last-Event-ID")["in"],
        "header"
    );
    assert_eq!(
        parameter("/v1/tickets/{id}/events", "get", "access_token")["in"],
        "query"
    );
    let resume = parameter("/v1/tickets/{id}/events", "get", "last_event_id");
    assert_eq!(resume["in"], "query");
    // An event number's whole range, stated: `int32` alone would say 2147483647 at most.
    assert_eq!(resume["schema"]["format"], "int64", "{resume}");
    assert_eq!(resume["schema"]["maximum"], 4294967295_u64, "{resume}");
    assert!(
        doc["paths"]["/v1/tickets/{id}/events"]["get"]["responses"]["200"]["content"]
            ["text/event-stream"]
            .is_object()
    );
    for (path, method, name) in [
        ("/v1/uploads", "post", "Tus-Resumable"),
        ("/v1/uploads", "post", "Upload-Length"),
        ("/v1/uploads", "post", "Upload-Metadata"),
        ("/v1/uploads/{id}", "head", "Tus-Resumable"),
        ("/v1/uploads/{id}", "patch", "Upload-Offset"),
        ("/v1/uploads/{id}", "patch", "Upload-Checksum"),
        ("/v1/uploads/{id}", "delete", "Tus-Resumable"),
    ] {
        assert_eq!(parameter(path, method, name)["in"], "header");
    }
    let headers = |path: &str, method: &str, status: &str| -> BTreeSet<String> {
        doc["paths"][path][method]["responses"][status]["headers"]
            .as_object()
            .map(|h| h.keys().cloned().collect())
            .unwrap_or_default()
    };
    for (path, method, status, expected) in [
        (
            "/v1/uploads",
            "post",
            "201",
            &["Location", "Upload-Expires", "Tus-Resumable"][..],
        ),
        (
            "/v1/uploads/{id}",
            "head",
            "200",
            &[
                "Upload-Offset",
                "Upload-Length",
                "Upload-Metadata",
                "Upload-Expires",
            ],
        ),
        (
            "/v1/uploads/{id}",
            "patch",
            "204",
            &["Upload-Offset", "Upload-Expires"],
        ),
        (
            "/v1/uploads",
            "options",
            "204",
            &["Tus-Version", "Tus-Extension", "Tus-Max-Size"],
        ),
    ] {
        let documented = headers(path, method, status);
        for header in expected {
            assert!(
                documented.contains(*header),
                "{method} {path} {status}: {header}"
            );
        }
    }
}

#[tokio::test]
async fn real_answers_match_the_documented_schemas() {
    let server = TestServer::start().await;
    let doc = document(&server).await;

    // The widget's start: the top-level names of WidgetConfig are the real answer's keys.
    let config: Value = server
        .http
        .get(server.url("/v1/sites/demo/widget-config"))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    let schema = schema_named(&doc, "WidgetConfig");
    let keys: BTreeSet<&str> = config
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    let properties: BTreeSet<&str> = schema["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .map(String::as_str)
        .collect();
    let required: BTreeSet<&str> = schema["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(required.is_subset(&keys), "{required:?} ⊄ {keys:?}");
    assert!(keys.is_subset(&properties), "{keys:?} ⊄ {properties:?}");
    assert_eq!(
        schema, &doc["components"]["schemas"]["WidgetConfig"],
        "the widget-config answer is documented as WidgetConfig"
    );
    assert_matches(
        &doc,
        response_schema(
            &doc,
            "/v1/sites/{site}/widget-config",
            "get",
            200,
            "application/json",
        ),
        &config,
        "widget-config",
    );

    let health: Value = server
        .http
        .get(server.url("/healthz"))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_matches(
        &doc,
        response_schema(&doc, "/healthz", "get", 200, "application/json"),
        &health,
        "healthz",
    );

    // Errors, from the API and from tus, are the documented problem details.
    let problem = schema_named(&doc, "ProblemDetails");
    let (status, body) = problem_json(
        server
            .http
            .get(server.url("/v1/sites/nowhere/widget-config"))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, 404);
    assert_matches(&doc, problem, &body, "site.not_found");
    let (status, body) = problem_json(
        server
            .http
            .post(server.url("/v1/uploads"))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, 412);
    assert_matches(&doc, problem, &body, "upload.tus_version");

    // tus: the documented headers are on the real answers.
    let created = server
        .http
        .post(server.url("/v1/uploads"))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", "10")
        .header("Upload-Metadata", "site ZGVtbw==,filename YS5wbmc=")
        .send()
        .await
        .expect("create upload");
    assert_eq!(created.status(), 201);
    for header in ["location", "upload-expires", "tus-resumable"] {
        assert!(created.headers().contains_key(header), "{header}");
    }
    let location = created.headers()["location"].to_str().expect("location");
    let head = server
        .http
        .head(server.url(location))
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .expect("head");
    assert_eq!(head.status(), 200);
    for header in [
        "upload-offset",
        "upload-length",
        "upload-metadata",
        "upload-expires",
    ] {
        assert!(head.headers().contains_key(header), "{header}");
    }

    // A claim, as filed and as answered.
    let photo = server.upload("blender.png", &png(800, 600, 3)).await;
    let claim = support::claims::broken_blender(vec![photo]);
    let request = serde_json::to_value(&claim).expect("json");
    let body_schema = &doc["paths"]["/v1/sites/{site}/tickets"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"];
    assert_matches(&doc, body_schema, &request, "NewTicket");
    let create = |claim: Value| {
        server
            .http
            .post(server.url("/v1/sites/demo/tickets"))
            .header("Idempotency-Key", "openapi-1")
            .json(&claim)
            .send()
    };
    let response = create(request.clone()).await.expect("create");
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.expect("json");
    assert_matches(
        &doc,
        response_schema(
            &doc,
            "/v1/sites/{site}/tickets",
            "post",
            201,
            "application/json",
        ),
        &created,
        "TicketCreated",
    );
    let id = created["ticket_id"].as_str().expect("id").to_owned();
    let token = created["access_token"].as_str().expect("token").to_owned();

    let ticket: Value = server
        .http
        .get(server.url(&format!("/v1/tickets/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_matches(
        &doc,
        response_schema(&doc, "/v1/tickets/{id}", "get", 200, "application/json"),
        &ticket,
        "TicketView",
    );

    // The live stream's events: each an event whose `data` is a TicketEvent as JSON.
    let stream = server
        .http
        .get(server.url(&format!("/v1/tickets/{id}/events?access_token={token}")))
        .send()
        .await
        .expect("open stream");
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let mut bytes = stream.bytes_stream();
    let mut text = String::new();
    let event = loop {
        if let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            let field = |name: &str| {
                block
                    .lines()
                    .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
                    .map(|v| Value::String(v.trim().to_owned()))
            };
            match (field("event"), field("id"), field("data")) {
                (Some(event), Some(id), Some(data)) => {
                    break serde_json::json!({ "event": event, "id": id, "data": data });
                }
                _ => continue,
            }
        }
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(2), bytes.next())
            .await
            .expect("an event")
            .expect("open")
            .expect("bytes");
        text.push_str(&String::from_utf8_lossy(&chunk));
    };
    let schema = response_schema(
        &doc,
        "/v1/tickets/{id}/events",
        "get",
        200,
        "text/event-stream",
    );
    assert_matches(&doc, schema, &event, "a stream event");
    let data: Value = serde_json::from_str(event["data"].as_str().expect("data")).expect("json");
    assert_matches(
        &doc,
        &schema["properties"]["data"]["contentSchema"],
        &data,
        "TicketEvent",
    );

    // The agents' views.
    let admin_ticket: Value = server.admin_view(&id).await;
    assert_matches(
        &doc,
        response_schema(
            &doc,
            "/v1/admin/tickets/{id}",
            "get",
            200,
            "application/json",
        ),
        &admin_ticket,
        "AdminTicketView",
    );
    let list: Value = server
        .admin(server.http.get(server.url("/v1/admin/tickets?limit=5")))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_matches(
        &doc,
        response_schema(&doc, "/v1/admin/tickets", "get", 200, "application/json"),
        &list,
        "[TicketSummary]",
    );

    // Refusals with their extras: `allowed` on a transition, `problems` on a claim.
    let (status, body) = problem_json(
        server
            .admin(
                server
                    .http
                    .post(server.url(&format!("/v1/admin/tickets/{id}/transition"))),
            )
            .json(&json!({"to": "closed"}))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("ticket.transition_not_allowed"))
    );
    assert!(body["allowed"].is_array());
    assert_matches(&doc, problem, &body, "ticket.transition_not_allowed");

    let mut invalid = request.clone();
    invalid["uploads"] = json!(["no-such-upload"]);
    invalid["delivered_on"] = json!("yesterday");
    let (status, body) = problem_json(
        server
            .http
            .post(server.url("/v1/sites/demo/tickets"))
            .header("Idempotency-Key", "openapi-2")
            .json(&invalid)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("submission.invalid"))
    );
    assert!(
        body["problems"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["field"] == "evidence[0]")),
        "{body}"
    );
    assert_matches(&doc, problem, &body, "submission.invalid");
}

/// The schema check above refuses what does not fit, so its passes mean something.
#[tokio::test]
async fn the_schema_check_refuses_answers_that_do_not_fit() {
    let server = TestServer::start().await;
    let doc = document(&server).await;
    let config: Value = server
        .http
        .get(server.url("/v1/sites/demo/widget-config"))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    let schema = schema_named(&doc, "WidgetConfig");
    assert!(check(&doc, schema, &config, "ok").is_ok());
    let spoilt = |change: &dyn Fn(&mut Value)| {
        let mut value = config.clone();
        change(&mut value);
        check(&doc, schema, &value, "spoilt")
    };
    let refusals = [
        spoilt(&|v| {
            v.as_object_mut().map(|o| o.remove("today"));
        }),
        spoilt(&|v| v["today"] = json!("24/11/2026")),
        spoilt(&|v| v["brand"]["shade"] = json!("#000000")),
        spoilt(&|v| v["brand"]["radius_px"] = json!("10")),
        spoilt(&|v| v["policy"]["outcomes"][0]["remedy"] = json!("money_back")),
        spoilt(&|v| v["policy"]["outcomes"][0]["claim_window"] = json!(7)),
        spoilt(&|v| v["policy"]["messages"]["en"]["category.other"] = json!(1)),
    ];
    for refusal in refusals {
        assert!(refusal.is_err());
    }
}

/// The committed document: any change to what `/v1/openapi.json` says shows in review as a
/// change to this file.
const SNAPSHOT: &str = "tests/snapshots/openapi.json";

/// `value` with every object's keys sorted, pretty-printed, so the file's text only changes when
/// the document does.
fn stable_json(value: &Value) -> String {
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.clone(), sorted(v)))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    let mut text = serde_json::to_string_pretty(&sorted(value)).expect("json");
    text.push('\n');
    text
}

/// The lines that differ between `old` and `new`, with three lines of context around each run:
/// a line diff (longest common subsequence) over the part between their common start and end.
fn line_diff(old: &str, new: &str) -> String {
    let old: Vec<&str> = old.lines().collect();
    let new: Vec<&str> = new.lines().collect();
    let start = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let end = old[start..]
        .iter()
        .rev()
        .zip(new[start..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let (a, b) = (&old[start..old.len() - end], &new[start..new.len() - end]);
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut lines: Vec<(char, &str)> = old[start.saturating_sub(3)..start]
        .iter()
        .map(|l| (' ', *l))
        .collect();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            lines.push((' ', a[i]));
            (i, j) = (i + 1, j + 1);
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            lines.push(('-', a[i]));
            i += 1;
        } else {
            lines.push(('+', b[j]));
            j += 1;
        }
    }
    let tail = old.len() - end;
    lines.extend(
        old[tail..(tail + 3).min(old.len())]
            .iter()
            .map(|l| (' ', *l)),
    );
    // Long runs of unchanged lines between changes are cut to their first and last three.
    let changed: Vec<usize> = (0..lines.len()).filter(|&k| lines[k].0 != ' ').collect();
    let near = |k: usize| changed.iter().any(|&c| c.abs_diff(k) <= 3);
    let mut out = String::new();
    let mut skipping = false;
    for (k, (mark, line)) in lines.iter().enumerate() {
        if near(k) {
            out.push_str(&format!("{mark} {line}\n"));
            skipping = false;
        } else if !skipping {
            out.push_str("  …\n");
            skipping = true;
        }
    }
    out
}

#[test]
fn the_line_diff_shows_what_changed_in_context() {
    let old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\no\n";
    let new = "a\nb\nc\nd\nE\nf\ng\nh\ni\nj\nk\nl\nm\nn\no\np\n";
    assert_eq!(
        line_diff(old, new),
        "  b\n  c\n  d\n- e\n+ E\n  f\n  g\n  h\n  …\n  m\n  n\n  o\n+ p\n"
    );
}

/// The document served is the committed one, key for key. When a change to it is meant, rewrite
/// the file with `UPDATE_SNAPSHOTS=1 cargo test -p helpcenter-server --test openapi` and commit it
/// with the change, so review sees what the API's description became.
#[tokio::test]
async fn the_document_matches_its_snapshot() {
    let server = TestServer::start().await;
    let served = stable_json(&document(&server).await);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SNAPSHOT);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &served).expect("write the snapshot");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{SNAPSHOT}: {e}; write it with \
             `UPDATE_SNAPSHOTS=1 cargo test -p helpcenter-server --test openapi`"
        )
    });
    assert!(
        served == committed,
        "/v1/openapi.json is not {SNAPSHOT} (- committed, + served):\n{}\n\
         If this change is meant, update the snapshot with \
         `UPDATE_SNAPSHOTS=1 cargo test -p helpcenter-server --test openapi` and commit it.",
        line_diff(&committed, &served)
    );
}
