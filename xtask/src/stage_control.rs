//! What an end-to-end test asks of its stage that a browser cannot do: `POST /NAME` on a
//! loopback address runs the action xtask registered under NAME (kill a server instance,
//! move the store to other engines) and answers `200` with what it did, or `500` with why it
//! failed. One request at a time: a test waits for its action to end before it goes on.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context, Result};

/// An action: what it did, for the test's report, or why it could not.
pub type Action = Box<dyn FnMut() -> Result<String> + Send>;

/// The listening control address; it stops when dropped.
pub struct StageControl {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl Drop for StageControl {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees `stop`.
        let _ = TcpStream::connect(self.addr);
    }
}

impl StageControl {
    pub fn start(addr: SocketAddr, actions: Vec<(&'static str, Action)>) -> Result<StageControl> {
        let listener = TcpListener::bind(addr)
            .with_context(|| format!("stage control: cannot bind {addr}"))?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let actions = Arc::new(Mutex::new(actions));
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let actions = actions.clone();
                std::thread::spawn(move || {
                    if let Err(e) = serve(client, &actions) {
                        eprintln!("stage control: {e:#}");
                    }
                });
            }
        });
        Ok(StageControl { addr, stop })
    }

    /// e.g. `http://127.0.0.1:18090`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }
}

fn serve(client: TcpStream, actions: &Mutex<Vec<(&'static str, Action)>>) -> Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(client.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    // The rest of the head (no body is read: actions take none).
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
    }
    let mut words = request.split_whitespace();
    let method = words.next().unwrap_or_default();
    let name = words
        .next()
        .unwrap_or_default()
        .trim_start_matches('/')
        .to_owned();
    let (status, text) = if method != "POST" {
        ("405 Method Not Allowed", "POST /ACTION\n".to_owned())
    } else {
        // Held while the action runs, so two actions never interleave.
        let mut actions = actions.lock().unwrap_or_else(PoisonError::into_inner);
        match actions.iter_mut().find(|(n, _)| *n == name) {
            None => (
                "404 Not Found",
                format!(
                    "no action {name:?}; there are: {}\n",
                    actions
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            Some((_, action)) => {
                println!("stage control: {name}");
                match action() {
                    Ok(done) => ("200 OK", done),
                    Err(e) => (
                        "500 Internal Server Error",
                        format!("{name} failed: {e:#}\n"),
                    ),
                }
            }
        }
    };
    let mut client = client;
    write!(
        client,
        "HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
        text.len()
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn post(addr: SocketAddr, path: &str) -> String {
        let mut stream = TcpStream::connect(addr).expect("connect");
        write!(stream, "POST {path} HTTP/1.1\r\nhost: x\r\n\r\n").expect("send");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read");
        answer
    }

    #[test]
    fn runs_the_action_asked_for_and_says_what_it_did_or_why_not() {
        let addr: SocketAddr = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port");
        let mut count = 0;
        let control = StageControl::start(
            addr,
            vec![
                (
                    "count",
                    Box::new(move || {
                        count += 1;
                        Ok(format!("counted {count}\n"))
                    }) as Action,
                ),
                ("fail", Box::new(|| anyhow::bail!("on purpose")) as Action),
            ],
        )
        .expect("start");
        assert!(post(addr, "/count").ends_with("\r\n\r\ncounted 1\n"));
        let again = post(addr, "/count");
        assert!(again.starts_with("HTTP/1.1 200 OK\r\n"), "{again}");
        assert!(again.ends_with("counted 2\n"), "{again}");
        let failed = post(addr, "/fail");
        assert!(failed.starts_with("HTTP/1.1 500"), "{failed}");
        assert!(failed.ends_with("fail failed: on purpose\n"), "{failed}");
        let unknown = post(addr, "/nothing");
        assert!(unknown.starts_with("HTTP/1.1 404"), "{unknown}");
        assert!(unknown.contains("there are: count, fail"), "{unknown}");
        drop(control);
    }
}
