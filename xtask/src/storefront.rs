//! The demo storefront `cargo xtask dev` serves next door to the widget's server (port + 1,
//! an origin of its own, which the demo site allows): `public/demo/`, embedding the widget
//! exactly as a merchant's page does. The end-to-end tests serve it too, with their own pages
//! (`tests/e2e/pages/`) beside it. `{{WIDGET_ORIGIN}}` in its pages becomes the server's
//! origin. It is also the demo store's order system: `POST /orders/lookup` answers the
//! server's signed order lookups for the demo orders ([`crate::demo_orders`]).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};

/// The storefront being served; it stops (and frees its port) when dropped.
pub struct Storefront {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl Drop for Storefront {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees `stop`.
        let _ = TcpStream::connect(self.addr);
    }
}

/// Serves the pages in `roots` (the first that has a name wins) on `addr` from a thread,
/// until the answer is dropped.
pub fn serve(roots: Vec<PathBuf>, addr: SocketAddr, widget_origin: String) -> Result<Storefront> {
    serve_on(roots, addr, widget_origin, None, None)
}

/// [`serve`], each page sent as brotli or gzip when the browser takes it, compressed as the
/// widget's files are (`split::brotli`, `split::gzip`) before the first request: what the
/// bench's baselines are served with, so a page or the hello-world floor is fetched as the
/// widget is and the browser rows compare like with like.
pub fn serve_compressed(
    roots: Vec<PathBuf>,
    addr: SocketAddr,
    widget_origin: String,
) -> Result<Storefront> {
    let compressed = Compressed::of(&roots, &widget_origin)?;
    serve_on(roots, addr, widget_origin, None, Some(compressed))
}

/// Every file of the roots in brotli and gzip, by name (the first root that has a name wins,
/// as when serving).
#[derive(Default)]
struct Compressed(HashMap<String, [Vec<u8>; 2]>);

impl Compressed {
    fn of(roots: &[PathBuf], widget_origin: &str) -> Result<Compressed> {
        let mut files = HashMap::new();
        for root in roots {
            let entries = std::fs::read_dir(root)
                .with_context(|| format!("storefront: reading {}", root.display()))?;
            for entry in entries {
                let path = entry?.path();
                let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                if !path.is_file() || files.contains_key(name) {
                    continue;
                }
                let body = page_body(name, std::fs::read(&path)?, widget_origin);
                let encoded = [crate::split::brotli(&body)?, crate::split::gzip(&body)?];
                files.insert(name.to_owned(), encoded);
            }
        }
        Ok(Compressed(files))
    }

    /// The encoding to send `name` in and its bytes, by the request's `Accept-Encoding`.
    fn pick(&self, name: &str, accept_encoding: &str) -> Option<(&'static str, &[u8])> {
        let [br, gz] = self.0.get(name)?;
        let accepts = |coding: &str| {
            accept_encoding
                .split(',')
                .any(|offer| offer.split(';').next().map(str::trim) == Some(coding))
        };
        if accepts("br") {
            Some(("br", br))
        } else if accepts("gzip") {
            Some(("gzip", gz))
        } else {
            None
        }
    }
}

/// A page's bytes as sent: HTML pages name the widget's server.
fn page_body(name: &str, page: Vec<u8>, widget_origin: &str) -> Vec<u8> {
    if name.ends_with(".html") {
        String::from_utf8_lossy(&page)
            .replace("{{WIDGET_ORIGIN}}", widget_origin)
            .into_bytes()
    } else {
        page
    }
}

/// [`serve`], answering order lookups signed with `orders_secret` (a `whsec_…` secret).
pub fn serve_with_orders(
    roots: Vec<PathBuf>,
    addr: SocketAddr,
    widget_origin: String,
    orders_secret: Option<String>,
) -> Result<Storefront> {
    serve_on(roots, addr, widget_origin, orders_secret, None)
}

fn serve_on(
    roots: Vec<PathBuf>,
    addr: SocketAddr,
    widget_origin: String,
    orders_secret: Option<String>,
    compressed: Option<Compressed>,
) -> Result<Storefront> {
    let orders_secret = Arc::new(orders_secret);
    let compressed = Arc::new(compressed.unwrap_or_default());
    let listener =
        TcpListener::bind(addr).with_context(|| format!("demo storefront: cannot bind {addr}"))?;
    let stop = Arc::new(AtomicBool::new(false));
    let stopping = stop.clone();
    let roots = Arc::new(roots);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            if stopping.load(Ordering::SeqCst) {
                break;
            }
            // A thread each: a browser opens connections ahead and may send nothing on them,
            // which must not hold up the next page.
            let roots = roots.clone();
            let widget_origin = widget_origin.clone();
            let orders_secret = orders_secret.clone();
            let compressed = compressed.clone();
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(30)));
                let _ = answer(
                    stream,
                    &roots,
                    &widget_origin,
                    orders_secret.as_deref(),
                    &compressed,
                );
            });
        }
    });
    Ok(Storefront { addr, stop })
}

fn answer(
    stream: TcpStream,
    roots: &[PathBuf],
    widget_origin: &str,
    orders_secret: Option<&str>,
    compressed: &Compressed,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    let mut line = String::new();
    let mut headers = Vec::new();
    while reader.read_line(&mut line)? > 2 {
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
        line.clear();
    }
    let path = request.split_whitespace().nth(1).unwrap_or("/");
    if let (Some("POST"), "/orders/lookup", Some(secret)) =
        (request.split_whitespace().next(), path, orders_secret)
    {
        let length: usize = headers
            .iter()
            .find(|(name, _)| name == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0)
            .min(64 * 1024);
        let mut body = vec![0; length];
        std::io::Read::read_exact(&mut reader, &mut body)?;
        let (status, json) = crate::demo_orders::answer(secret, &headers, &body);
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            json.len()
        )?;
        return stream.write_all(json.as_bytes());
    }
    let path = path.split('?').next().unwrap_or("/");
    let name = match path.trim_start_matches('/') {
        "" => "index.html",
        // Flat: no directories, so nothing outside the roots can be asked for.
        other
            if other
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) =>
        {
            other
        }
        _ => "",
    };
    let mut stream = stream;
    let page = roots
        .iter()
        .filter(|_| !name.is_empty())
        .find_map(|root| std::fs::read(root.join(name)).ok());
    let kind = match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css",
        _ => "text/plain; charset=utf-8",
    };
    let accept_encoding = headers
        .iter()
        .find(|(name, _)| name == "accept-encoding")
        .map_or("", |(_, value)| value.as_str());
    match page {
        Some(page) => {
            let plain;
            let (encoding, body) = match compressed.pick(name, accept_encoding) {
                Some((coding, bytes)) => (
                    format!("content-encoding: {coding}\r\nvary: accept-encoding\r\n"),
                    bytes,
                ),
                None => {
                    plain = page_body(name, page, widget_origin);
                    (String::new(), &plain[..])
                }
            };
            write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: {kind}\r\ncontent-length: {}\r\n{encoding}cache-control: no-cache\r\nconnection: close\r\n\r\n",
                body.len()
            )?;
            stream.write_all(body)
        }
        None => stream.write_all(
            b"HTTP/1.1 404 Not Found\r\ncontent-length: 9\r\nconnection: close\r\n\r\nnot found",
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    /// Asks `addr` for `path` with `accept_encoding`; the answer's head and body.
    fn fetch(addr: SocketAddr, path: &str, accept_encoding: &str) -> (String, Vec<u8>) {
        let mut stream = TcpStream::connect(addr).expect("connect");
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nhost: {addr}\r\naccept-encoding: {accept_encoding}\r\n\r\n"
        )
        .expect("request");
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).expect("answer");
        let end = answer
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a head");
        let head = String::from_utf8_lossy(&answer[..end]).to_ascii_lowercase();
        (head, answer[end + 4..].to_vec())
    }

    /// The bench's floor is fetched as the widget is: brotli where the browser takes it, else
    /// gzip, else plain; each decodes to the page as `serve` sends it.
    #[test]
    fn compressed_pages_decode_to_what_the_plain_storefront_sends() {
        let root = std::env::temp_dir().join(format!("storefront-test-{}", std::process::id()));
        std::fs::create_dir_all(&root).expect("temp dir");
        let script = "console.log('the floor');\n".repeat(200);
        std::fs::write(root.join("app.js"), &script).expect("app.js");
        std::fs::write(
            root.join("index.html"),
            "<script src=\"{{WIDGET_ORIGIN}}/e.js\"></script>",
        )
        .expect("index.html");
        let addr: SocketAddr = format!("127.0.0.1:{}", crate::postgres::free_port().expect("port"))
            .parse()
            .expect("addr");
        /// Removes the pages however the test ends.
        struct Pages(PathBuf);
        impl Drop for Pages {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
        let _pages = Pages(root.clone());
        let _served =
            serve_compressed(vec![root], addr, "http://widget.test".into()).expect("serving");

        let (head, body) = fetch(addr, "/app.js", "gzip, deflate, br, zstd");
        assert!(head.contains("content-encoding: br"), "{head}");
        assert!(body.len() < script.len() / 10, "{} bytes", body.len());
        let mut plain = String::new();
        brotli::Decompressor::new(&body[..], 4096)
            .read_to_string(&mut plain)
            .expect("brotli");
        assert_eq!(plain, script);

        let (head, body) = fetch(addr, "/", "gzip;q=1.0");
        assert!(head.contains("content-encoding: gzip"), "{head}");
        let mut plain = String::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_string(&mut plain)
            .expect("gzip");
        assert_eq!(plain, "<script src=\"http://widget.test/e.js\"></script>");

        let (head, body) = fetch(addr, "/app.js", "identity");
        assert!(!head.contains("content-encoding"), "{head}");
        assert_eq!(body, script.as_bytes());
    }
}
