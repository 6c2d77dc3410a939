//! The demo storefront `cargo xtask dev` serves next door to the widget's server (port + 1,
//! an origin of its own, which the demo site allows): `public/demo/`, embedding the widget
//! exactly as a merchant's page does. The end-to-end tests serve it too, with their own pages
//! (`tests/e2e/pages/`) beside it. `{{WIDGET_ORIGIN}}` in its pages becomes the server's
//! origin.

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
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(30)));
                let _ = answer(stream, &roots, &widget_origin);
            });
        }
    });
    Ok(Storefront { addr, stop })
}

fn answer(stream: TcpStream, roots: &[PathBuf], widget_origin: &str) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let path = request.split_whitespace().nth(1).unwrap_or("/");
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
