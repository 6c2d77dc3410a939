//! The extractors every handler reads its request with: axum's `Json`, `Query` and `Path`,
//! whose refusals are answered as the API's problem details (`application/problem+json` with a
//! stable `code`) instead of axum's plain text, so a client reads a bad body or query string
//! like any other refusal. (crates.io's backend wraps axum's extractors the same way.)

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use helpcenter_api::ErrorCode;
use serde::de::DeserializeOwned;

use crate::AppError;

/// A JSON request body (`Content-Type: application/json`, at most the route's body limit).
/// Refused as `request.content_type` (415), `request.too_large` (413), `request.json_syntax`
/// (400: not JSON), `request.json_invalid` (422: JSON, but a field is missing or of the wrong
/// type; `detail` names it) or `request.body_unreadable` (400).
pub struct JsonBody<T>(pub T);

impl<T, S> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => Err(json_refusal(&rejection)),
        }
    }
}

fn json_refusal(rejection: &JsonRejection) -> AppError {
    let (code, status) = match rejection {
        JsonRejection::JsonDataError(_) => (
            ErrorCode::RequestJsonInvalid,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        JsonRejection::JsonSyntaxError(_) => {
            (ErrorCode::RequestJsonSyntax, StatusCode::BAD_REQUEST)
        }
        JsonRejection::MissingJsonContentType(_) => (
            ErrorCode::RequestContentType,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            (ErrorCode::RequestTooLarge, StatusCode::PAYLOAD_TOO_LARGE)
        }
        _ => (ErrorCode::RequestBodyUnreadable, StatusCode::BAD_REQUEST),
    };
    let detail = match code {
        ErrorCode::RequestContentType => {
            "the body must be JSON, sent with Content-Type: application/json".to_owned()
        }
        ErrorCode::RequestTooLarge => {
            "the body is larger than this operation takes (64 KiB of JSON)".to_owned()
        }
        _ => rejection.body_text(),
    };
    AppError::Request {
        code,
        status,
        detail,
    }
}

/// The query string, read into `T`. Refused as `request.query_invalid` (400; `detail` names
/// the parameter and why).
pub struct QueryParams<T>(pub T);

impl<T, S> FromRequestParts<S> for QueryParams<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(QueryParams(value)),
            Err(rejection) => Err(query_refusal(&rejection)),
        }
    }
}

fn query_refusal(rejection: &QueryRejection) -> AppError {
    AppError::Request {
        code: ErrorCode::RequestQueryInvalid,
        status: StatusCode::BAD_REQUEST,
        detail: rejection.body_text(),
    }
}

/// The address's `{…}` segments, read into `T`. Refused as `request.path_invalid` (400) when a
/// segment cannot be read (e.g. percent-encoded bytes that are not UTF-8).
pub struct PathParams<T>(pub T);

impl<T, S> FromRequestParts<S> for PathParams<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(PathParams(value)),
            Err(rejection) => Err(path_refusal(&rejection)),
        }
    }
}

fn path_refusal(rejection: &PathRejection) -> AppError {
    if rejection.status().is_server_error() {
        // A route whose `{…}` segments do not fit its handler: the server's fault.
        tracing::error!(error = %rejection.body_text(), "path parameters do not fit the handler");
        return AppError::Request {
            code: ErrorCode::Internal,
            status: StatusCode::INTERNAL_SERVER_ERROR,
            detail: "internal error".to_owned(),
        };
    }
    AppError::Request {
        code: ErrorCode::RequestPathInvalid,
        status: StatusCode::BAD_REQUEST,
        detail: rejection.body_text(),
    }
}

/// A list's `limit`: `default` when not given, refused as `request.query_invalid` outside
/// 1 to `max` (as the document says), rather than quietly answering another number of rows.
pub fn page_limit(limit: Option<u32>, default: u32, max: u32) -> Result<u32, AppError> {
    match limit {
        None => Ok(default),
        Some(limit) if (1..=max).contains(&limit) => Ok(limit),
        Some(limit) => Err(AppError::Request {
            code: ErrorCode::RequestQueryInvalid,
            status: StatusCode::BAD_REQUEST,
            detail: format!("limit must be 1 to {max}, not {limit}"),
        }),
    }
}

/// What an address that is served, but not with the request's method, answers: 405 with
/// `method_not_allowed`, keeping the `Allow` axum lists. A response mapper over the whole
/// router rather than a method-not-allowed fallback, which would replace the routes' own
/// (CORS-layered) fallbacks and so refuse browsers' preflights.
pub async fn method_not_allowed(response: Response) -> Response {
    let problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == b"application/problem+json");
    if response.status() != StatusCode::METHOD_NOT_ALLOWED || problem {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut refusal = AppError::Request {
        code: ErrorCode::MethodNotAllowed,
        status: StatusCode::METHOD_NOT_ALLOWED,
        detail: "this address is not served with this method; Allow lists those it is".to_owned(),
    }
    .into_response();
    if let Some(allow) = allow {
        refusal.headers_mut().insert(header::ALLOW, allow);
    }
    refusal
}

/// What a request that outlived the server's time for one request (tower-http's timeout,
/// which answers an empty 408) is answered with: `request.timeout` as problem details.
pub async fn request_timeout(response: Response) -> Response {
    let problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == b"application/problem+json");
    if response.status() != StatusCode::REQUEST_TIMEOUT || problem {
        return response;
    }
    AppError::Request {
        code: ErrorCode::RequestTimeout,
        status: StatusCode::REQUEST_TIMEOUT,
        detail: "the server did not answer in time; retry".to_owned(),
    }
    .into_response()
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    struct Claim {
        #[allow(dead_code)]
        order_number: String,
    }

    async fn refusal(content_type: &str, body: &str) -> AppError {
        let request = axum::http::Request::builder()
            .method("POST")
            .header("content-type", content_type)
            .body(Body::from(body.to_owned()))
            .expect("request");
        match JsonBody::<Claim>::from_request(request, &()).await {
            Ok(_) => panic!("{body:?} was accepted"),
            Err(e) => e,
        }
    }

    /// Each way a body is refused has its own code and status; a missing field is named.
    #[tokio::test]
    async fn each_json_refusal_has_its_code_and_status() {
        let syntax = refusal("application/json", "{\"order_number\":").await;
        assert_eq!(
            (syntax.code(), syntax.status()),
            (ErrorCode::RequestJsonSyntax, StatusCode::BAD_REQUEST)
        );
        let data = refusal("application/json", "{}").await;
        assert_eq!(
            (data.code(), data.status()),
            (
                ErrorCode::RequestJsonInvalid,
                StatusCode::UNPROCESSABLE_ENTITY
            )
        );
        assert!(data.to_string().contains("order_number"), "{data}");
        let kind = refusal("text/plain", "{\"order_number\":\"1\"}").await;
        assert_eq!(
            (kind.code(), kind.status()),
            (
                ErrorCode::RequestContentType,
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            )
        );
    }

    /// tower-http's timeout answers an empty 408: clients get problem details instead.
    #[tokio::test]
    async fn a_timed_out_request_is_answered_as_a_problem() {
        let bare = StatusCode::REQUEST_TIMEOUT.into_response();
        let answer = request_timeout(bare).await;
        assert_eq!(answer.status(), StatusCode::REQUEST_TIMEOUT);
        assert_eq!(
            answer.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        let body = axum::body::to_bytes(answer.into_body(), 4096)
            .await
            .expect("body");
        let problem: helpcenter_api::ProblemDetails =
            serde_json::from_slice(&body).expect("problem details");
        assert_eq!(problem.code, ErrorCode::RequestTimeout);
        // Anything else passes through.
        let ok = request_timeout(StatusCode::OK.into_response()).await;
        assert_eq!(ok.status(), StatusCode::OK);
    }
}
