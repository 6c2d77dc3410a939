//! The files served besides the API: `embed.js`, which merchants' pages load from any origin,
//! the built widget, which those pages frame, and the agents' console, a page of this origin
//! that nobody frames. Each gets the headers that keep it safe and cheap to fetch again.

use std::convert::Infallible;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;

use crate::AppError;
use crate::AppState;
use crate::sites::{Site, Sites};

/// Everything but the `frame-ancestors` sources: the widget runs only its own files. Its wasm
/// needs `'wasm-unsafe-eval'`, never `'unsafe-eval'`; its boot script is a file, so no
/// `'unsafe-inline'` either (xtask moves Trunk's inline one out). Its workers hash evidence
/// and decode photos from a `blob:` script the widget itself made (`src/file_worker.rs`); the
/// thumbnails they draw are `blob:` images.
macro_rules! widget_csp {
    () => {
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' blob: data:; media-src 'self' blob:; worker-src blob:; \
         connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; \
         frame-ancestors "
    };
}

/// The console: the same rules as the widget's, but it is never framed (it holds an agent's
/// session) and its forms post only here.
const CONSOLE_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; connect-src 'self'; \
     font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// A year: the name changes whenever the content does.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Its name carries no hash, so merchants' shoppers pick up a new one within minutes.
const EMBED_CACHE: &str = "public, max-age=300";

/// `GET /embed.js` from `public_dir`, the widget under `/widget/` from `widget_dir`, and the
/// console under `/console/` from `console_dir`. Nothing else of `public_dir` is served.
pub fn routes(
    public_dir: &Path,
    widget_dir: &Path,
    console_dir: &Path,
    sites: Arc<Sites>,
) -> Router<AppState> {
    // Not built by xtask, so not precompressed: compressed per request (it is about 2 KB).
    let embed = Router::new()
        .route("/embed.js", axum::routing::get(embed_script))
        .with_state(EmbedScript {
            path: public_dir.join("embed.js"),
            sites: sites.clone(),
        })
        .layer(
            CompressionLayer::new()
                .br(true)
                .gzip(true)
                .quality(CompressionLevel::Best),
        )
        .layer(middleware::from_fn(embed_headers));
    let files = WidgetFiles::new(widget_dir);
    let page = files.clone();
    let widget = Router::new()
        .nest_service(
            "/widget",
            tower::service_fn(move |request: Request| {
                let files = files.clone();
                async move { Ok::<_, Infallible>(files.serve(request).await) }
            }),
        )
        // The link in a shopper's mail: the widget's own page, standalone, which opens the
        // ticket named in the path with the secret in the fragment.
        .route_service(
            "/t/{ticket}",
            tower::service_fn(move |mut request: Request| {
                let files = page.clone();
                async move {
                    *request.uri_mut() = axum::http::Uri::from_static("/index.html");
                    Ok::<_, Infallible>(files.serve(request).await)
                }
            }),
        )
        .layer(middleware::from_fn_with_state(sites, widget_headers));
    let files = WidgetFiles::new(console_dir);
    let console = Router::new()
        .route(
            "/console",
            axum::routing::get(|| async { axum::response::Redirect::permanent("/console/") }),
        )
        .nest_service(
            "/console/",
            tower::service_fn(move |request: Request| {
                let files = files.clone();
                async move { Ok::<_, Infallible>(files.serve(console_page(request)).await) }
            }),
        )
        .layer(middleware::from_fn(console_headers));
    embed.merge(widget).merge(console)
}

/// Every address of the console that is not one of its files is one of its pages
/// (`/console/tickets/HC-7F3K9Q`, a link an agent pastes to a colleague): the app routes it
/// in the browser, so the server answers with its `index.html`. A missing file (a name with
/// an extension) stays a 404.
fn console_page(mut request: Request) -> Request {
    if is_console_page(request.uri().path()) {
        *request.uri_mut() = axum::http::Uri::from_static("/index.html");
    }
    request
}

fn is_console_page(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or_default();
    !last.contains('.')
}

/// The console's page carries its CSP and is revalidated each time; hashed files are cached
/// for good.
async fn console_headers(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    if response.status() == StatusCode::NOT_FOUND {
        return AppError::NotFound.into_response();
    }
    if !served(response.status()) {
        return response;
    }
    let document = is_document(is_console_page(&path), &path, &response);
    let headers = response.headers_mut();
    mark_static(headers);
    if document {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONSOLE_CSP),
        );
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    } else if is_hashed(&path) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    } else {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    response
}

/// The build's files, sent as the `.br` or `.gz` xtask writes beside each when the browser
/// accepts one; but only while the file itself is there, so a file removed from the build is
/// gone for every browser, not only for those that take it uncompressed.
#[derive(Clone)]
struct WidgetFiles {
    plain: ServeDir,
    precompressed: ServeDir,
}

impl WidgetFiles {
    fn new(dir: &Path) -> Self {
        let plain = ServeDir::new(dir).append_index_html_on_directories(true);
        let precompressed = plain.clone().precompressed_br().precompressed_gzip();
        Self {
            plain,
            precompressed,
        }
    }

    async fn serve(self, request: Request) -> Response {
        // ServeDir's own path rules, asked for the uncompressed file only: a stat, no read.
        let mut probe = Request::new(Body::empty());
        *probe.method_mut() = Method::HEAD;
        *probe.uri_mut() = request.uri().clone();
        let Ok(found) = self.plain.oneshot(probe).await;
        if found.status() == StatusCode::NOT_FOUND {
            return AppError::NotFound.into_response();
        }
        let Ok(response) = self.precompressed.oneshot(request).await;
        response.into_response()
    }
}

/// The launcher's look as `public/embed.js` draws it: the default brand's colours. The server
/// swaps in a site's own when the tag names the site in its address (`embed.js?site=KEY`), so
/// the launcher wears the brand before the shopper opens anything, with no request of its own.
const DEFAULT_LAUNCHER_COLOURS: &str = "background:#1f5fbf;color:#fff;";

#[derive(Clone)]
struct EmbedScript {
    path: std::path::PathBuf,
    sites: Arc<Sites>,
}

#[derive(Deserialize)]
struct EmbedQuery {
    site: Option<String>,
}

/// `GET /embed.js[?site=KEY]`: the script, in that site's colours when it names a known site
/// (any other query gets the default look: the script still works from `data-site`). Read per
/// request, as a static file would be: a deploy that replaces it is served at once.
async fn embed_script(State(embed): State<EmbedScript>, request: Request) -> Response {
    let Ok(script) = tokio::fs::read_to_string(&embed.path).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let site_key = Query::<EmbedQuery>::try_from_uri(request.uri())
        .ok()
        .and_then(|Query(query)| query.site);
    let script = match site_key.as_deref().and_then(|key| embed.sites.get(key)) {
        Some(site) => in_brand_colours(&script, &site.brand),
        None => script,
    };
    let etag = format!(
        "\"{}\"",
        &hex::encode(Sha256::digest(script.as_bytes()))[..32]
    );
    let unchanged = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    let etag = HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\""));
    if unchanged {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    ([(header::ETAG, etag)], script).into_response()
}

/// `script` with the launcher in `brand`'s colours. Brand colours are checked as `#rrggbb`
/// when the config is read, so nothing but a colour reaches the script.
fn in_brand_colours(script: &str, brand: &helpcenter_api::Brand) -> String {
    script.replacen(
        DEFAULT_LAUNCHER_COLOURS,
        &format!(
            "background:{};color:{};",
            brand.primary_color, brand.on_primary_color
        ),
        1,
    )
}

/// Loaded by `<script src>` on storefronts of any origin.
async fn embed_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if response.status() == StatusCode::NOT_FOUND {
        return AppError::NotFound.into_response();
    }
    let status = response.status();
    if !served(status) {
        return response;
    }
    let headers = response.headers_mut();
    if status != StatusCode::NOT_MODIFIED {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/javascript; charset=utf-8"),
        );
    }
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("cross-origin"),
    );
    // The store's own performance tools may see what the script costs its page.
    headers.insert(
        header::HeaderName::from_static("timing-allow-origin"),
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(EMBED_CACHE));
    response
}

#[derive(Deserialize)]
struct WidgetQuery {
    site: Option<String>,
}

/// The document gets its own CSP, framed only by its site's pages; hashed assets are cached
/// for good, everything else is revalidated.
async fn widget_headers(State(sites): State<Arc<Sites>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    // A malformed query frames like an unknown site: by no one.
    let site_key = Query::<WidgetQuery>::try_from_uri(request.uri())
        .ok()
        .and_then(|Query(query)| query.site);
    let mut response = next.run(request).await;
    if response.status() == StatusCode::NOT_FOUND {
        return AppError::NotFound.into_response();
    }
    if !served(response.status()) {
        return response;
    }
    let document = is_document(path.ends_with('/'), &path, &response);
    let headers = response.headers_mut();
    mark_static(headers);
    if document {
        let site = site_key.as_deref().and_then(|key| sites.get(key));
        headers.insert(header::CONTENT_SECURITY_POLICY, widget_csp(site));
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    } else if is_hashed(&path) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    } else {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    response
}

/// A file, a part of one, or "not modified": the responses cache headers belong on.
fn served(status: StatusCode) -> bool {
    status.is_success() || status == StatusCode::NOT_MODIFIED
}

/// The widget's CSP, framed by the site's allowed origins, or by no one for an unknown site.
fn widget_csp(site: Option<&Site>) -> HeaderValue {
    let ancestors: Vec<&str> = site
        .map(|site| {
            site.allowed_origins
                .iter()
                .map(String::as_str)
                .filter(|origin| is_plain_origin(origin))
                .collect()
        })
        .unwrap_or_default();
    let ancestors = if ancestors.is_empty() {
        "'none'".to_owned()
    } else {
        ancestors.join(" ")
    };
    HeaderValue::from_str(&format!("{}{ancestors}", widget_csp!()))
        .unwrap_or_else(|_| HeaderValue::from_static(concat!(widget_csp!(), "'none'")))
}

/// `scheme://host[:port]` characters only: an origin from a config file must not be able to
/// add a CSP source list (`*`), a keyword (`'…'`) or a directive (`;`).
fn is_plain_origin(origin: &str) -> bool {
    origin.contains("://")
        && origin
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:/[]".contains(&b))
}

/// Trunk's and xtask's names: `-<16 hex>` before the extension, or before `_bg.wasm`.
fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let stem = match name.strip_suffix("_bg.wasm") {
        Some(stem) => stem,
        None => match name.rsplit_once('.') {
            Some((stem, _extension)) => stem,
            None => return false,
        },
    };
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Whether a served file is a page (its own CSP and referrer rules apply): the app's page
/// addresses, `.html`, or whatever the file server answered as HTML.
fn is_document(page_address: bool, path: &str, response: &Response) -> bool {
    page_address
        || path.ends_with(".html")
        || response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"))
}

/// What every served file carries: no type sniffing, and `Vary: accept-encoding` since the
/// same address answers with br, gzip or plain bytes.
fn mark_static(headers: &mut axum::http::HeaderMap) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if !headers
        .get_all(header::VARY)
        .iter()
        .any(|v| v.to_str().is_ok_and(|v| v.contains("accept-encoding")))
    {
        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The launcher's colours are swapped by text: if `public/embed.js` stops drawing them
    /// exactly so, every store's launcher would silently fall back to the default blue.
    #[test]
    fn the_launcher_wears_the_site_brand() {
        let script = include_str!("../../../public/embed.js");
        assert_eq!(script.matches(DEFAULT_LAUNCHER_COLOURS).count(), 1);
        let brand = helpcenter_api::Brand {
            primary_color: "#0b6e4f".into(),
            on_primary_color: "#000000".into(),
            ..Default::default()
        };
        let branded = in_brand_colours(script, &brand);
        assert!(branded.contains("background:#0b6e4f;color:#000000;"));
        assert!(!branded.contains(DEFAULT_LAUNCHER_COLOURS));
    }

    #[test]
    fn only_names_with_a_build_hash_count_as_hashed() {
        for hashed in [
            "/widget/helpcenter-widget-0123456789abcdef.js",
            "/widget/helpcenter-widget-0123456789abcdef_bg.wasm",
            "/widget/__wasm_split-0123456789abcdef.js",
            "/widget/split_screens-0123456789abcdef.wasm",
            "/widget/widget-0123456789ABCDEF.css",
            "/widget/boot-0123456789abcdef.js",
        ] {
            assert!(is_hashed(hashed), "{hashed}");
        }
        for plain in [
            "/widget/",
            "/widget/index.html",
            "/widget/helpcenter-widget_bg.wasm",
            "/widget/helpcenter-widget-0123456789abcde.js",
            "/widget/helpcenter-widget-0123456789abcdeg.js",
            "/widget/0123456789abcdef",
        ] {
            assert!(!is_hashed(plain), "{plain}");
        }
    }

    #[test]
    fn the_consoles_pages_are_its_index_and_its_files_are_files() {
        for page in [
            "/",
            "/tickets",
            "/tickets/HC-7F3K9Q",
            "/settings",
            "/sign-in",
        ] {
            assert!(is_console_page(page), "{page}");
        }
        for file in [
            "/index.html",
            "/helpcenter-console-0123456789abcdef_bg.wasm",
            "/console-0123456789abcdef.css",
            "/missing.js",
        ] {
            assert!(!is_console_page(file), "{file}");
        }
    }

    #[test]
    fn an_origin_cannot_smuggle_sources_or_directives_into_the_csp() {
        assert!(is_plain_origin("https://shop.example"));
        assert!(is_plain_origin("http://[::1]:8080"));
        for bad in [
            "*",
            "https://*.example",
            "https://shop.example; script-src *",
            "'unsafe-inline'",
            "https://shop.example https://evil.example",
        ] {
            assert!(!is_plain_origin(bad), "{bad}");
        }
    }
}
