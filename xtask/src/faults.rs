//! A proxy in front of the test server that passes everything through, except that a test can
//! ask it to lose the answer to the next ticket creation: the server files the ticket, the
//! browser gets a 502 instead of the answer. That is the failure an idempotency key exists
//! for, produced for real rather than imitated inside the widget.
//!
//! `POST /__faults/lose-next-create` arms it. The admin API, which grants no CORS on purpose,
//! is opened to the test page here, so browser tests can act as an agent and count what the
//! server stored. One request per connection, forwarded with `Connection: close`, so request
//! and response boundaries are the connection's.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result};

/// Largest request the proxy reads (the browser tests send JSON and upload chunks).
const MAX_BODY: usize = 64 * 1024 * 1024;

pub struct FaultProxy {
    stop: Arc<AtomicBool>,
    addr: SocketAddr,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees `stop`.
        let _ = TcpStream::connect(self.addr);
    }
}

impl FaultProxy {
    pub fn start(addr: SocketAddr, upstream: SocketAddr) -> Result<FaultProxy> {
        let listener =
            TcpListener::bind(addr).with_context(|| format!("fault proxy: cannot bind {addr}"))?;
        let stop = Arc::new(AtomicBool::new(false));
        let armed = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let armed = armed.clone();
                std::thread::spawn(move || {
                    if let Err(e) = serve(client, upstream, &armed) {
                        eprintln!("fault proxy: {e:#}");
                    }
                });
            }
        });
        Ok(FaultProxy { stop, addr })
    }
}

fn serve(client: TcpStream, upstream: SocketAddr, armed: &AtomicBool) -> Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut reader = BufReader::new(client.try_clone()?);
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let end = line == "\r\n";
        head.push(line);
        if end {
            break;
        }
    }
    let request_line = head.first().cloned().unwrap_or_default();
    let length = head
        .iter()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    if length > MAX_BODY {
        anyhow::bail!("request body of {length} bytes is more than the proxy forwards");
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let mut client = client;

    if request_line.starts_with("POST /__faults/lose-next-create ") {
        armed.store(true, Ordering::SeqCst);
        client.write_all(
            b"HTTP/1.1 204 No Content\r\naccess-control-allow-origin: *\r\nconnection: close\r\n\r\n",
        )?;
        return Ok(());
    }

    let path = request_line.split_whitespace().nth(1).unwrap_or_default();
    let is_admin = path.starts_with("/v1/admin/");
    if is_admin && request_line.starts_with("OPTIONS ") {
        client.write_all(
            b"HTTP/1.1 204 No Content\r\naccess-control-allow-origin: *\r\naccess-control-allow-headers: authorization, content-type\r\naccess-control-allow-methods: GET, POST\r\nconnection: close\r\n\r\n",
        )?;
        return Ok(());
    }

    let mut server = TcpStream::connect(upstream)?;
    for line in &head {
        let is_connection = line
            .split_once(':')
            .is_some_and(|(name, _)| name.eq_ignore_ascii_case("connection"));
        if line == "\r\n" {
            server.write_all(b"connection: close\r\n\r\n")?;
        } else if !is_connection {
            server.write_all(line.as_bytes())?;
        }
    }
    server.write_all(&body)?;
    let mut answer = Vec::new();
    server.read_to_end(&mut answer)?;

    let is_create = request_line.starts_with("POST /v1/sites/")
        && request_line
            .split_whitespace()
            .nth(1)
            .is_some_and(|path| path.ends_with("/tickets"));
    if is_create && armed.swap(false, Ordering::SeqCst) {
        // The ticket exists now; the browser hears only that the gateway failed. The CORS
        // headers are kept so the page can read the status, as it could from a real proxy.
        let text = String::from_utf8_lossy(&answer);
        let cors: String = text
            .split("\r\n\r\n")
            .next()
            .unwrap_or_default()
            .lines()
            .filter(|l| l.to_ascii_lowercase().starts_with("access-control-"))
            .map(|l| format!("{l}\r\n"))
            .collect();
        let lost = format!(
            "HTTP/1.1 502 Bad Gateway\r\n{cors}content-type: text/plain\r\ncontent-length: 11\r\nconnection: close\r\n\r\nBad Gateway"
        );
        client.write_all(lost.as_bytes())?;
        return Ok(());
    }
    if is_admin && let Some(end) = answer.windows(2).position(|w| w == b"\r\n") {
        answer.splice(
            end + 2..end + 2,
            b"access-control-allow-origin: *\r\n".iter().copied(),
        );
    }
    client.write_all(&answer)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An upstream that answers every request with its own request line.
    fn echo_server() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut first = String::new();
                let _ = reader.read_line(&mut first);
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                // Every request of the test carries a two-byte body.
                let mut body = [0u8; 2];
                let _ = reader.read_exact(&mut body);
                let body = first.trim().to_owned();
                let mut stream = stream;
                let _ = write!(
                    stream,
                    "HTTP/1.1 201 Created\r\naccess-control-allow-origin: http://page\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        addr
    }

    fn request(proxy: SocketAddr, line: &str) -> String {
        let mut stream = TcpStream::connect(proxy).expect("connect");
        write!(stream, "{line}\r\nhost: x\r\ncontent-length: 2\r\n\r\n{{}}").expect("write");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read");
        answer
    }

    #[test]
    fn passes_through_until_armed_then_loses_one_create_answer() {
        let upstream = echo_server();
        let probe = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = probe.local_addr().expect("addr");
        drop(probe);
        let _proxy = FaultProxy::start(addr, upstream).expect("proxy");
        let create = "POST /v1/sites/demo/tickets HTTP/1.1";
        assert!(request(addr, create).starts_with("HTTP/1.1 201"));
        assert!(
            request(addr, "POST /__faults/lose-next-create HTTP/1.1").starts_with("HTTP/1.1 204")
        );
        let lost = request(addr, create);
        assert!(lost.starts_with("HTTP/1.1 502"), "{lost}");
        assert!(lost.contains("access-control-allow-origin: http://page"));
        assert!(
            request(addr, create).starts_with("HTTP/1.1 201"),
            "only one is lost"
        );
        let admin = request(addr, "GET /v1/admin/tickets HTTP/1.1");
        assert!(
            admin.contains("\r\naccess-control-allow-origin: *\r\n"),
            "{admin}"
        );
    }
}
