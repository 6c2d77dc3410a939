//! The demo storefront `cargo xtask dev` serves next door to the widget's server (port + 1,
//! an origin of its own, which the demo site allows): `public/demo/`, embedding the widget
//! exactly as a merchant's page does. The end-to-end tests serve it too, with their own pages
//! (`tests/e2e/pages/`) beside it. `{{WIDGET_ORIGIN}}` in its pages becomes the server's
//! origin. It is also the demo store's order system: `POST /orders/lookup` answers the
//! server's signed order lookups for the demo orders ([`crate::demo_orders`]).

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
    serve_with_orders(roots, addr, widget_origin, None)
}

/// [`serve`], answering order lookups signed with `orders_secret` (a `whsec_…` secret).
pub fn serve_with_orders(
    roots: Vec<PathBuf>,
    addr: SocketAddr,
    widget_origin: String,
    orders_secret: Option<String>,
) -> Result<Storefront> {
    let orders_secret = Arc::new(orders_secret);
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
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(30)));
                let _ = answer(stream, &roots, &widget_origin, orders_secret.as_deref());
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
    match page {
        Some(page) => {
            let body = if name.ends_with(".html") {
                String::from_utf8_lossy(&page)
                    .replace("{{WIDGET_ORIGIN}}", widget_origin)
                    .into_bytes()
            } else {
                page
            };
            write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: {kind}\r\ncontent-length: {}\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n",
                body.len()
            )?;
            stream.write_all(&body)
        }
        None => stream.write_all(
            b"HTTP/1.1 404 Not Found\r\ncontent-length: 9\r\nconnection: close\r\n\r\nnot found",
        ),
    }
}
