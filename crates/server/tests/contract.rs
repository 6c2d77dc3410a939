//! One contract, no exceptions: a request refused before any handler runs (a body that is not
//! JSON, not JSON's content type, too large or of the wrong shape; a bad query string; an
//! address not served, or not with this method) is answered as every other refusal is, as
//! problem details with a stable code, over real HTTP.

mod support;

use support::TestServer;

/// The answer's status, its content type, and its problem's `code` and `detail`.
async fn problem(response: reqwest::Response) -> (u16, String, String, String) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body: serde_json::Value = response.json().await.expect("a JSON body");
    assert_eq!(body["status"], status, "{body}");
    assert_eq!(body["type"], "about:blank", "{body}");
    let text = |key: &str| body[key].as_str().unwrap_or_default().to_owned();
    (status, content_type, text("code"), text("detail"))
}

fn new_ticket(server: &TestServer) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(server.url("/v1/sites/demo/tickets"))
        .header("idempotency-key", "contract-test")
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_400_problem() {
    let server = TestServer::start().await;
    let response = new_ticket(&server)
        .header("content-type", "application/json")
        .body(r#"{"order_number": "1001", "#)
        .send()
        .await
        .expect("request");
    let (status, content_type, code, _) = problem(response).await;
    assert_eq!(
        (status, content_type.as_str(), code.as_str()),
        (400, "application/problem+json", "request.json_syntax")
    );
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_a_422_problem_naming_the_field() {
    let server = TestServer::start().await;
    let response = new_ticket(&server)
        .header("content-type", "application/json")
        .body(r#"{"order_number": 1001}"#)
        .send()
        .await
        .expect("request");
    let (status, content_type, code, detail) = problem(response).await;
    assert_eq!(
        (status, content_type.as_str(), code.as_str()),
        (422, "application/problem+json", "request.json_invalid")
    );
    assert!(detail.contains("order_number"), "{detail}");
}

#[tokio::test]
async fn a_body_sent_as_another_content_type_is_a_415_problem() {
    let server = TestServer::start().await;
    let response = new_ticket(&server)
        .header("content-type", "text/plain")
        .body(r#"{"order_number": "1001"}"#)
        .send()
        .await
        .expect("request");
    let (status, content_type, code, _) = problem(response).await;
    assert_eq!(
        (status, content_type.as_str(), code.as_str()),
        (415, "application/problem+json", "request.content_type")
    );
}

#[tokio::test]
async fn a_body_over_64_kib_is_a_413_problem() {
    let server = TestServer::start().await;
    let long = "x".repeat(70 * 1024);
    let response = new_ticket(&server)
        .header("content-type", "application/json")
        .body(format!(r#"{{"order_number": "{long}"}}"#))
        .send()
        .await
        .expect("request");
    let (status, content_type, code, _) = problem(response).await;
    assert_eq!(
        (status, content_type.as_str(), code.as_str()),
        (413, "application/problem+json", "request.too_large")
    );
}

#[tokio::test]
async fn a_bad_query_string_is_a_400_problem_naming_the_parameter() {
    let server = TestServer::start().await;
    let response = server
        .admin(reqwest::Client::new().get(server.url("/v1/admin/tickets?status=lost-in-the-post")))
        .send()
        .await
        .expect("request");
    let (status, content_type, code, detail) = problem(response).await;
    assert_eq!(
        (status, content_type.as_str(), code.as_str()),
        (400, "application/problem+json", "request.query_invalid")
    );
    assert!(detail.contains("lost-in-the-post"), "{detail}");
}

#[tokio::test]
async fn an_address_not_served_is_a_404_problem_and_a_wrong_method_a_405_with_allow() {
    let server = TestServer::start().await;
    let client = reqwest::Client::new();
    let response = client
        .get(server.url("/v1/no-such-thing"))
        .send()
        .await
        .expect("request");
    let (status, content_type, code, _) = problem(response).await;
    assert_eq!(
        (status, content_type.as_str(), code.as_str()),
        (404, "application/problem+json", "not_found")
    );
    let response = client
        .put(server.url("/v1/sites/demo/tickets"))
        .send()
        .await
        .expect("request");
    let allow = response
        .headers()
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let (status, content_type, code, _) = problem(response).await;
    assert_eq!(
        (status, content_type.as_str(), code.as_str()),
        (405, "application/problem+json", "method_not_allowed")
    );
    assert!(allow.contains("POST") && allow.contains("GET"), "{allow}");
}

/// A path segment that is not UTF-8 once percent-decoded cannot name anything.
#[tokio::test]
async fn an_address_segment_that_cannot_be_read_is_a_400_problem() {
    let server = TestServer::start().await;
    let response = reqwest::Client::new()
        .get(server.url("/v1/sites/%FF%FE/widget-config"))
        .send()
        .await
        .expect("request");
    let (status, content_type, code, _) = problem(response).await;
    assert_eq!(
        (status, content_type.as_str(), code.as_str()),
        (400, "application/problem+json", "request.path_invalid")
    );
}
