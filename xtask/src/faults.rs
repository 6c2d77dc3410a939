//! A gateway in front of the test server that passes everything through, streaming, except
//! where a test asks it to fail the way real networks fail:
//!
//! - `POST /__faults/lose-next-create`: the server files the next ticket, the browser gets a
//!   502 instead of the answer. That is the failure an idempotency key exists for, produced
//!   for real rather than imitated inside the widget.
//! - `POST /__faults/block-streams` / `allow-streams`: event streams are refused with a 503
//!   and the open ones cut, as by a corporate proxy or antivirus that breaks streaming; the
//!   widget has to fall back to polling.
//! - `POST /__faults/restart-server`: the server process is killed and started again, so a
//!   reconnecting event stream has to replay what it missed.
//!
//! Each answers 204 with CORS open, so the test page can call it. The admin API, which grants
//! no CORS on purpose, is opened to the test page here, so browser tests can act as an agent
//! and count what the server stored. One request per connection, forwarded with
//! `Connection: close`, so request and response boundaries are the connection's.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context, Result, anyhow};

use crate::browser_server::{self, SharedServer};

/// Largest request the proxy reads (the browser tests send JSON and upload chunks).
const MAX_BODY: usize = 64 * 1024 * 1024;

const NO_CONTENT: &[u8] =
    b"HTTP/1.1 204 No Content\r\naccess-control-allow-origin: *\r\nconnection: close\r\n\r\n";

/// What a blocked event stream gets; with CORS, so the page can see that it failed.
const STREAM_BLOCKED: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\naccess-control-allow-origin: *\r\ncontent-type: text/plain\r\ncontent-length: 26\r\nconnection: close\r\n\r\nevent streams are blocked\n";

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

/// What the connections share.
struct Gateway {
    upstream: SocketAddr,
    lose_next_create: AtomicBool,
    streams: Mutex<Streams>,
    /// The process behind `upstream`, for `restart-server`; tests of the other faults go
    /// without one.
    server: Option<SharedServer>,
}

/// Event streams: whether they are blocked, and the client side of each open one, so blocking
/// can cut them. One lock for both, so no stream opens between the check and the cut.
#[derive(Default)]
struct Streams {
    blocked: bool,
    next: u64,
    open: HashMap<u64, TcpStream>,
}

/// An open event stream's entry in [`Streams`], removed when the stream ends.
struct OpenStream<'a> {
    gateway: &'a Gateway,
    id: u64,
}

impl Drop for OpenStream<'_> {
    fn drop(&mut self) {
        self.gateway.streams().open.remove(&self.id);
    }
}

impl Gateway {
    fn streams(&self) -> std::sync::MutexGuard<'_, Streams> {
        self.streams.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers `client` as an open event stream, or `None` while streams are blocked.
    fn open_stream(&self, client: &TcpStream) -> Result<Option<OpenStream<'_>>> {
        let mut streams = self.streams();
        if streams.blocked {
            return Ok(None);
        }
        let id = streams.next;
        streams.next += 1;
        streams.open.insert(id, client.try_clone()?);
        Ok(Some(OpenStream { gateway: self, id }))
    }

    /// Blocks event streams and cuts the open ones: shutting the client's socket down ends its
    /// copy (see [`pass_through`]) and tells the browser the stream is gone.
    fn block_streams(&self) {
        let mut streams = self.streams();
        streams.blocked = true;
        for (_, client) in streams.open.drain() {
            let _ = client.shutdown(Shutdown::Both);
        }
    }

    fn allow_streams(&self) {
        self.streams().blocked = false;
    }

    fn restart_server(&self) -> Result<()> {
        let server = self
            .server
            .as_ref()
            .ok_or_else(|| anyhow!("this gateway has no server process to restart"))?;
        // Held throughout, so two restarts cannot interleave their kills and starts.
        browser_server::lock(server).restart()
    }
}

impl FaultProxy {
    pub fn start(
        addr: SocketAddr,
        upstream: SocketAddr,
        server: Option<SharedServer>,
    ) -> Result<FaultProxy> {
        let listener =
            TcpListener::bind(addr).with_context(|| format!("fault proxy: cannot bind {addr}"))?;
        let stop = Arc::new(AtomicBool::new(false));
        let gateway = Arc::new(Gateway {
            upstream,
            lose_next_create: AtomicBool::new(false),
            streams: Mutex::default(),
            server,
        });
        let stopping = stop.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let gateway = gateway.clone();
                std::thread::spawn(move || {
                    if let Err(e) = serve(client, &gateway) {
                        eprintln!("fault proxy: {e:#}");
                    }
                });
            }
        });
        Ok(FaultProxy { stop, addr })
    }
}

/// `/v1/tickets/<id>/events`, with or without a query: a ticket's event stream.
fn is_event_stream(target: &str) -> bool {
    let path = target.split('?').next().unwrap_or_default();
    path.strip_prefix("/v1/tickets/")
        .and_then(|rest| rest.strip_suffix("/events"))
        .is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

fn serve(client: TcpStream, gateway: &Gateway) -> Result<()> {
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

    let mut words = request_line.split_whitespace();
    let method = words.next().unwrap_or_default();
    let path = words.next().unwrap_or_default();
    if method == "POST" {
        match path {
            "/__faults/lose-next-create" => {
                gateway.lose_next_create.store(true, Ordering::SeqCst);
                client.write_all(NO_CONTENT)?;
                return Ok(());
            }
            "/__faults/block-streams" => {
                gateway.block_streams();
                client.write_all(NO_CONTENT)?;
                return Ok(());
            }
            "/__faults/allow-streams" => {
                gateway.allow_streams();
                client.write_all(NO_CONTENT)?;
                return Ok(());
            }
            "/__faults/restart-server" => {
                match gateway.restart_server() {
                    Ok(()) => client.write_all(NO_CONTENT)?,
                    Err(e) => {
                        let text = format!("restart failed: {e:#}\n");
                        write!(
                            client,
                            "HTTP/1.1 500 Internal Server Error\r\naccess-control-allow-origin: *\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                            text.len()
                        )?;
                    }
                }
                return Ok(());
            }
            _ => {}
        }
    }

    let is_admin = path.starts_with("/v1/admin/");
    if is_admin && method == "OPTIONS" {
        client.write_all(
            b"HTTP/1.1 204 No Content\r\naccess-control-allow-origin: *\r\naccess-control-allow-headers: authorization, content-type\r\naccess-control-allow-methods: GET, POST\r\nconnection: close\r\n\r\n",
        )?;
        return Ok(());
    }
    let _open_stream = if is_event_stream(path) {
        let Some(open) = gateway.open_stream(&client)? else {
            client.write_all(STREAM_BLOCKED)?;
            return Ok(());
        };
        Some(open)
    } else {
        None
    };

    let mut server = TcpStream::connect(gateway.upstream)?;
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

    let is_create =
        method == "POST" && path.starts_with("/v1/sites/") && path.ends_with("/tickets");
    if !is_create && !is_admin {
        return pass_through(client, server);
    }
    // The two answers the gateway rewrites are short JSON: read whole, then changed.
    let mut answer = Vec::new();
    server.read_to_end(&mut answer)?;
    if is_create && gateway.lose_next_create.swap(false, Ordering::SeqCst) {
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

/// Copies the answer to the client as it arrives, so an event stream's events are not held
/// back. Ends when either side closes: the upstream's end ends the copy, and a watcher closes
/// the upstream connection when the client leaves (an idle event stream would otherwise keep
/// both open until its next keep-alive comment).
fn pass_through(mut client: TcpStream, mut server: TcpStream) -> Result<()> {
    // The request is read; from here on the client only speaks to leave.
    client.set_read_timeout(None)?;
    let mut watched = client.try_clone()?;
    let upstream = server.try_clone()?;
    let watcher = std::thread::spawn(move || {
        let mut sink = [0; 512];
        while watched.read(&mut sink).is_ok_and(|n| n > 0) {}
        let _ = upstream.shutdown(Shutdown::Both);
    });
    let copied = std::io::copy(&mut server, &mut client);
    let _ = client.shutdown(Shutdown::Both);
    let _ = watcher.join();
    copied?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Instant;

    use super::*;
    use crate::browser_server::ServerProcess;

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

    /// A port nothing listens on (yet).
    fn free_addr() -> SocketAddr {
        let probe = TcpListener::bind("127.0.0.1:0").expect("bind");
        probe.local_addr().expect("addr")
    }

    fn start_proxy(upstream: SocketAddr) -> (FaultProxy, SocketAddr) {
        let addr = free_addr();
        (
            FaultProxy::start(addr, upstream, None).expect("proxy"),
            addr,
        )
    }

    /// An upstream that hands each connection, its request line read and its head skipped, to
    /// `handle`.
    fn upstream(handle: impl Fn(String, TcpStream) + Send + Sync + 'static) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let handle = Arc::new(handle);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let handle = handle.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                    let mut first = String::new();
                    let _ = reader.read_line(&mut first);
                    let mut line = String::new();
                    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                        line.clear();
                    }
                    handle(first, stream);
                });
            }
        });
        addr
    }

    /// A request without a body, on a connection that gives up reading after five seconds (so
    /// an answer that does not come fails the test instead of hanging it).
    fn send(proxy: SocketAddr, line: &str) -> TcpStream {
        let mut stream = TcpStream::connect(proxy).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        write!(stream, "{line}\r\nhost: x\r\n\r\n").expect("write");
        stream
    }

    /// Reads until `text` has arrived, and returns all read so far.
    fn read_until(stream: &mut TcpStream, text: &str) -> String {
        let mut seen = Vec::new();
        let mut chunk = [0; 256];
        while !String::from_utf8_lossy(&seen).contains(text) {
            match stream.read(&mut chunk) {
                Ok(0) => panic!("closed before {text:?}: {}", String::from_utf8_lossy(&seen)),
                Ok(n) => seen.extend_from_slice(&chunk[..n]),
                Err(e) => panic!("no {text:?} ({e}): {}", String::from_utf8_lossy(&seen)),
            }
        }
        String::from_utf8_lossy(&seen).into_owned()
    }

    fn read_all(mut stream: TcpStream) -> String {
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read to the end");
        answer
    }

    const EVENTS_HEAD: &[u8] =
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";

    /// An upstream whose event streams send one event and stay open until the client leaves,
    /// reporting each that closed on the channel; anything else is a short JSON answer.
    fn events_server() -> (SocketAddr, mpsc::Receiver<()>) {
        let (closed, closes) = mpsc::channel();
        let addr = upstream(move |first, mut stream| {
            if first.contains("/events") {
                let _ = stream.write_all(EVENTS_HEAD);
                let _ = stream.write_all(b"id: 1\nevent: ticket\ndata: {}\n\n");
                let mut sink = [0; 64];
                while stream.read(&mut sink).is_ok_and(|n| n > 0) {}
                let _ = closed.send(());
            } else {
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 8\r\nconnection: close\r\n\r\n{\"id\":1}",
                );
            }
        });
        (addr, closes)
    }

    #[test]
    fn passes_an_answer_on_before_the_upstream_has_sent_all_of_it() {
        let (rest, send_rest) = mpsc::channel::<()>();
        let send_rest = Mutex::new(send_rest);
        let upstream = upstream(move |_, mut stream| {
            let _ = stream.write_all(EVENTS_HEAD);
            let _ = stream.write_all(b"data: first\n\n");
            let _ = send_rest
                .lock()
                .expect("lock")
                .recv_timeout(Duration::from_secs(10));
            let _ = stream.write_all(b"data: second\n\n");
        });
        let (_proxy, addr) = start_proxy(upstream);
        let mut stream = send(addr, "GET /v1/tickets/HC-1/events?access_token=t HTTP/1.1");
        let start = read_until(&mut stream, "data: first\n\n");
        assert!(start.starts_with("HTTP/1.1 200 OK\r\n"), "{start}");
        assert!(!start.contains("second"));
        rest.send(()).expect("upstream waits");
        let end = read_all(stream);
        assert!(end.ends_with("data: second\n\n"), "{end}");
    }

    #[test]
    fn a_stream_ends_upstream_when_the_client_leaves() {
        let (upstream, closes) = events_server();
        let (_proxy, addr) = start_proxy(upstream);
        let mut stream = send(addr, "GET /v1/tickets/HC-1/events HTTP/1.1");
        read_until(&mut stream, "data: {}");
        drop(stream);
        closes
            .recv_timeout(Duration::from_secs(5))
            .expect("the upstream connection is closed");
    }

    #[test]
    fn blocking_refuses_and_cuts_event_streams_only_until_allowed() {
        let (upstream, closes) = events_server();
        let (_proxy, addr) = start_proxy(upstream);
        let mut open = send(addr, "GET /v1/tickets/HC-1/events?access_token=t HTTP/1.1");
        read_until(&mut open, "data: {}");

        let blocked = request(addr, "POST /__faults/block-streams HTTP/1.1");
        assert!(blocked.starts_with("HTTP/1.1 204"), "{blocked}");
        assert!(blocked.contains("\r\naccess-control-allow-origin: *\r\n"));
        // Cut: the client reads to the end instead of timing out, the upstream sees it go.
        read_all(open);
        closes
            .recv_timeout(Duration::from_secs(5))
            .expect("the upstream connection is closed");

        let refused = read_all(send(
            addr,
            "GET /v1/tickets/HC-1/events?access_token=t&last_event_id=1 HTTP/1.1",
        ));
        assert!(refused.starts_with("HTTP/1.1 503 "), "{refused}");
        assert!(refused.contains("\r\naccess-control-allow-origin: *\r\n"));
        let ticket = read_all(send(addr, "GET /v1/tickets/HC-1?access_token=t HTTP/1.1"));
        assert!(ticket.starts_with("HTTP/1.1 200 "), "{ticket}");
        assert!(ticket.ends_with("{\"id\":1}"));

        let allowed = request(addr, "POST /__faults/allow-streams HTTP/1.1");
        assert!(allowed.starts_with("HTTP/1.1 204"), "{allowed}");
        assert!(allowed.contains("\r\naccess-control-allow-origin: *\r\n"));
        let mut again = send(addr, "GET /v1/tickets/HC-1/events HTTP/1.1");
        read_until(&mut again, "data: {}");
    }

    #[test]
    fn only_a_tickets_events_path_is_an_event_stream() {
        assert!(is_event_stream("/v1/tickets/HC-7F3K9Q/events"));
        assert!(is_event_stream(
            "/v1/tickets/HC-7F3K9Q/events?access_token=a&last_event_id=3"
        ));
        assert!(!is_event_stream("/v1/tickets/HC-7F3K9Q"));
        assert!(!is_event_stream("/v1/tickets//events"));
        assert!(!is_event_stream("/v1/tickets/HC-1/replies/events"));
        assert!(!is_event_stream("/v1/admin/tickets/HC-1/events"));
    }

    /// Not a test: the stand-in server process of `restarts_the_server_process`, which runs
    /// the test binary itself with this one selected. Answers every request with its pid and
    /// `STAND_IN_WORD`; does nothing when run without `STAND_IN_ADDR`.
    #[test]
    #[ignore = "run as a child process by restarts_the_server_process"]
    fn stand_in_server() {
        let Ok(addr) = std::env::var("STAND_IN_ADDR") else {
            return;
        };
        let word = std::env::var("STAND_IN_WORD").unwrap_or_default();
        let listener = TcpListener::bind(addr).expect("bind");
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let body = format!("{} {word}", std::process::id());
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    }

    /// The stand-in's body: its pid and the word it was started with.
    fn whoami(proxy: SocketAddr) -> (u32, String) {
        let answer = read_all(send(proxy, "GET /whoami HTTP/1.1"));
        let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
        let (pid, word) = body.split_once(' ').unwrap_or_default();
        (pid.parse().unwrap_or_default(), word.to_owned())
    }

    #[test]
    fn restarts_the_server_process() {
        let upstream = free_addr();
        let exe = std::env::current_exe().expect("test binary");
        let mut process = ServerProcess::new(exe, upstream)
            .args(["--exact", "faults::tests::stand_in_server", "--ignored"])
            .args(["--nocapture", "--quiet"])
            .env("STAND_IN_ADDR", upstream.to_string())
            .env("STAND_IN_WORD", "same");
        process.start().expect("stand-in starts");
        let server = Arc::new(Mutex::new(process));
        let addr = free_addr();
        let _proxy = FaultProxy::start(addr, upstream, Some(server.clone())).expect("proxy");

        let (before, word) = whoami(addr);
        assert_eq!(word, "same");
        let restarted = request(addr, "POST /__faults/restart-server HTTP/1.1");
        assert!(restarted.starts_with("HTTP/1.1 204"), "{restarted}");
        assert!(restarted.contains("\r\naccess-control-allow-origin: *\r\n"));
        let (after, word) = whoami(addr);
        assert_ne!(after, before, "a new process answers");
        assert_eq!(word, "same", "started with the same environment");
        #[cfg(target_os = "linux")]
        assert!(
            !std::path::Path::new(&format!("/proc/{before}")).exists(),
            "the old process is gone (killed and reaped)"
        );

        browser_server::lock(&server).stop();
        let late = request(addr, "POST /__faults/restart-server HTTP/1.1");
        assert!(late.starts_with("HTTP/1.1 500"), "{late}");
        let deadline = Instant::now() + Duration::from_secs(5);
        while TcpStream::connect(upstream).is_ok() {
            assert!(Instant::now() < deadline, "nothing runs after stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    #[test]
    fn passes_through_until_armed_then_loses_one_create_answer() {
        let upstream = echo_server();
        let (_proxy, addr) = start_proxy(upstream);
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
