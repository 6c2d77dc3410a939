//! The router and the server loop.

use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::response::Redirect;
use axum::routing::get;
use axum::{Json, Router};
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{And, DefaultPredicate, NotForContentType, Predicate};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppError;
use crate::client_ip::{self, TrustedProxies};
use crate::rate_limit::{self, RateLimits};
use crate::routes::{
    admin, console, health, links, orders, outbox, tickets, webhooks, widget_config,
};
use crate::sites::Sites;
use crate::state::AppState;
use crate::static_files;
use crate::uploads;

#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// The built widget (Trunk's `dist/`).
    pub widget_dir: PathBuf,
    /// The built agents' console (Trunk's `crates/console/dist/`), served at `/console/`.
    pub console_dir: PathBuf,
    /// Where `embed.js` is, the one file of it served.
    pub public_dir: PathBuf,
    pub rate_limits: RateLimits,
    /// Whose `X-Forwarded-For` names the client (rate limits count per client).
    pub trusted_proxies: TrustedProxies,
    /// The agents' console.
    pub console: ConsoleOptions,
}

/// How the agents' console is reached and guarded.
#[derive(Clone, Debug, Default)]
pub struct ConsoleOptions {
    /// The origin agents open the console at when a proxy stands in front (TLS ending at
    /// it, another host name); the server's own origin is always accepted.
    pub public_origin: Option<String>,
    pub sign_in: crate::rate_limit::SignInLimits,
}

/// JSON bodies are small: a claim's text and upload ids. Evidence goes through tus.
const JSON_BODY_LIMIT: usize = 64 * 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// JSON answers compressed for browsers that accept it: the widget's config (the whole
/// policy, in every language) is on the first open's path. Pictures are compressed already;
/// videos are too, and too big to compress per request.
fn compressed() -> CompressionLayer<And<DefaultPredicate, NotForContentType>> {
    CompressionLayer::new()
        .br(true)
        .gzip(true)
        .compress_when(DefaultPredicate::new().and(NotForContentType::const_new("video/")))
}

/// Every endpoint of the API, routed and documented in one go: `routes!` registers a handler at
/// the path of its `#[utoipa::path]` and puts that description in the document, so no endpoint
/// can be routed undocumented. `public_layers` wraps the endpoints browsers call (rate limits,
/// CORS, tus discovery); layers change no route, so the document is the same with or without.
pub fn api(
    public_layers: impl FnOnce(OpenApiRouter<AppState>) -> OpenApiRouter<AppState>,
) -> OpenApiRouter<AppState> {
    let bounded = || {
        ServiceBuilder::new()
            .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
            // Outside the timeout, so its empty 408 becomes problem details.
            .layer(axum::middleware::map_response(
                crate::routes::extract::request_timeout,
            ))
            .layer(TimeoutLayer::with_status_code(
                axum::http::StatusCode::REQUEST_TIMEOUT,
                REQUEST_TIMEOUT,
            ))
    };
    // Called by the widget (same origin) and, where a merchant wants, by their own pages.
    let public = OpenApiRouter::new()
        .routes(routes!(widget_config::show))
        .routes(routes!(tickets::filing::create, tickets::mine::list_mine))
        .routes(routes!(tickets::recover::recover))
        .routes(routes!(tickets::mine::open_mine))
        .routes(routes!(tickets::mine::identity))
        .routes(routes!(tickets::view::show))
        .routes(routes!(tickets::reply::reply))
        .routes(routes!(tickets::escalate::escalate))
        .routes(routes!(tickets::view::evidence))
        .routes(routes!(links::exchange))
        .routes(routes!(orders::look_up))
        .routes(routes!(links::send))
        .layer(compressed())
        .layer(bounded())
        // Long-lived or streamed: no overall timeout.
        .routes(routes!(tickets::events::events))
        .merge(uploads::routes());
    // Agents only, by admin key; never called from a browser, so no CORS grant.
    let admin = OpenApiRouter::new()
        .routes(routes!(admin::list))
        .routes(routes!(admin::show))
        .routes(routes!(admin::transition))
        .routes(routes!(admin::request_info))
        .routes(routes!(admin::message))
        .routes(routes!(admin::evidence))
        .routes(routes!(outbox::list))
        .routes(routes!(outbox::retry))
        .routes(routes!(webhooks::endpoints))
        .routes(routes!(webhooks::rotate_secret))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(webhooks::delivery))
        .routes(routes!(webhooks::resend))
        .layer(bounded());
    // The agents' console, from its own origin only (cookie session, Origin checks): no CORS
    // grant either.
    let console = OpenApiRouter::new()
        .routes(routes!(
            console::sign_in,
            console::whoami,
            console::sign_out
        ))
        .routes(routes!(console::agents))
        .routes(routes!(console::tickets::inbox))
        .routes(routes!(console::tickets::show))
        .routes(routes!(console::tickets::transition))
        .routes(routes!(console::tickets::request_info))
        .routes(routes!(console::tickets::message))
        .routes(routes!(console::tickets::assign))
        .routes(routes!(console::tickets::evidence))
        .routes(routes!(console::tickets::saved_replies))
        .routes(routes!(console::replies::list, console::replies::create))
        .routes(routes!(console::replies::update, console::replies::delete))
        .routes(routes!(console::insights::show))
        .layer(compressed())
        .layer(bounded())
        // Shoppers' contact details and internal notes: never kept by a browser or a proxy.
        .layer(SetResponseHeaderLayer::if_not_present(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("private, no-store"),
        ))
        // Long-lived: no overall timeout.
        .routes(routes!(console::tickets::events));
    OpenApiRouter::with_openapi(crate::openapi::ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(serve_document))
        .merge(public_layers(public))
        .merge(admin)
        .merge(console)
}

/// The whole server: the API of [`api`], the widget's files, and the layers every answer gets.
pub fn router(mut state: AppState, options: &ServeOptions) -> Router {
    state.sign_in = Arc::new(crate::rate_limit::SignInLimiter::new(
        options.console.sign_in,
    ));
    state.public_origin = options
        .console
        .public_origin
        .as_deref()
        .map(|o| Arc::from(o.trim_end_matches('/')));
    let api = api(|public| {
        rate_limit::limit(public, options.rate_limits, |router| {
            router.layer(axum::middleware::from_fn_with_state(
                state.clone(),
                crate::request_site::find_site,
            ))
        })
        .layer(cors(state.sites.clone()))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            uploads::answer_discovery,
        ))
    });
    let files = static_files::routes(
        &options.public_dir,
        &options.widget_dir,
        &options.console_dir,
        state.sites.clone(),
    );
    Router::from(api)
        // Not API, so not in the document: the widget's pages.
        .route("/", get(|| async { Redirect::temporary("/widget/") }))
        .merge(files)
        // Problem details for every refusal, the router's own too: an address not served at
        // all (404), and one served with other methods (405, with `Allow`, below).
        .fallback(|| async { AppError::NotFound })
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
                    let id = request
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    // The path only: query strings may carry an SSE access token.
                    tracing::info_span!("request", id, method = %request.method(), path = %request.uri().path())
                }))
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(axum::middleware::from_fn(server_timing))
                .layer(axum::middleware::map_response(
                    crate::routes::extract::method_not_allowed,
                ))
                .layer(axum::middleware::from_fn_with_state(
                    Arc::new(options.trusted_proxies.clone()),
                    client_ip::find_client,
                )),
        )
        .with_state(state)
}

/// `Server-Timing: app;dur=…`: how long the server took to answer (to its headers, for a
/// stream), in milliseconds, so a browser's developer tools and `cargo xtask bench` can tell
/// the server's own time from the network's and the queue's.
async fn server_timing(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let started = std::time::Instant::now();
    let mut response = next.run(request).await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Ok(value) = axum::http::HeaderValue::from_str(&format!("app;dur={ms:.3}")) {
        response.headers_mut().insert("server-timing", value);
    }
    response
}

/// CORS grants only for the pages of the sites this server serves (exact origin match).
fn cors(sites: Arc<Sites>) -> CorsLayer {
    use axum::http::{HeaderName, Method, header};
    let tus = [
        "tus-resumable",
        "upload-length",
        "upload-offset",
        "upload-metadata",
        "upload-checksum",
        "upload-expires",
    ];
    let mut allow_headers = vec![
        header::CONTENT_TYPE,
        header::AUTHORIZATION,
        HeaderName::from_static("idempotency-key"),
        HeaderName::from_static("last-event-id"),
    ];
    allow_headers.extend(tus.iter().map(|h| HeaderName::from_static(h)));
    let mut expose = vec![header::LOCATION, header::RETRY_AFTER];
    expose.extend(tus.iter().map(|h| HeaderName::from_static(h)));
    let discovery = [
        "tus-version",
        "tus-extension",
        "tus-max-size",
        "tus-checksum-algorithm",
    ];
    expose.extend(discovery.iter().map(|h| HeaderName::from_static(h)));
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin, _| {
            origin
                .to_str()
                .is_ok_and(|origin| sites.iter().any(|site| site.allows_origin(origin)))
        }))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PATCH,
            Method::HEAD,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers(allow_headers)
        .expose_headers(expose)
        .max_age(Duration::from_secs(600))
}

/// The whole document: [`ApiDoc`](crate::openapi::ApiDoc) with the path of every route of [`api`].
pub fn document() -> utoipa::openapi::OpenApi {
    let mut document = api(|public| public).into_openapi();
    crate::openapi::responses::add_request_refusals(&mut document);
    crate::openapi::describe_lifecycle(&mut document);
    crate::openapi::describe_event_streams(&mut document);
    document
}

/// The document, built once.
static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(document);

/// This document
///
/// The OpenAPI 3.1 description of every endpoint of this server.
#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    operation_id = "openapi_document",
    tag = "service",
    responses(
        (status = 200, description = "The OpenAPI document.", content_type = "application/json"),
    ),
)]
pub async fn serve_document() -> Json<&'static utoipa::openapi::OpenApi> {
    Json(&DOCUMENT)
}
