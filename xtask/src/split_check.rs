//! The split release build in real Chromium. The wasm browser tests run the unsplit code
//! (`cargo test` builds without the `lazy` feature), so this drives the build in `dist/`
//! through ChromeDriver: the first screens load without the chunk, and Continue on the
//! outcome fetches it and shows the details screen, whose heading lives in the chunk. The
//! same build embedded on storefront pages is driven by the end-to-end tests ([`crate::e2e`]).
//!
//! WebDriver is JSON over plain HTTP; one request per connection with std::net is enough.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::browser_server;
use crate::cmd::{Ctx, Scratch};
use crate::tally::Tally;
use crate::{budgets, tools};

const PAGE: &str = "/widget/?site=demo&locale=en";
/// The details screen's heading, rendered by the filing chunk.
const DETAILS_HEADING: &str = "Tell us about it";
const WAIT: Duration = Duration::from_secs(30);
/// WebDriver's key for an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The suite the two checks count in.
const SUITE: &str = "split build in chromium";

pub fn run(ctx: &Ctx, tally: &mut Tally) -> Result<()> {
    let dist = ctx.root.join("dist");
    let chunks = chunk_files(&dist)?;
    let server = browser_server::start_serving(ctx, &dist)?;
    let url = format!("{}{PAGE}", server.origin());
    let profile = Scratch::new("split-check")?;
    let port = free_port()?;
    let driver = Driver {
        child: ctx
            .cmd(tools::CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .spawn()?,
        addr: format!("127.0.0.1:{port}"),
    };
    wait_until(|| Ok(driver.call("GET", "/status", None)?["value"]["ready"] == json!(true)))
        .context("ChromeDriver did not become ready")?;
    let session = Session::start(&driver, profile.path())?;
    let result = check(&session, &url)
        .inspect(|()| tally.pass(SUITE))
        .and_then(|()| check_failed_fetch(&session, &url, &chunks))
        .inspect(|()| tally.pass(SUITE))
        .inspect_err(|_| tally.fail(SUITE));
    if result.is_err()
        && let Ok(source) = session.call("GET", "/source", None)
    {
        let page = source["value"].as_str().unwrap_or_default();
        let shown: String = page.chars().take(4000).collect();
        eprintln!("split check: the page was:\n{shown}");
    }
    session.end();
    server.ensure_running().and(result)
}

fn check(session: &Session, url: &str) -> Result<()> {
    println!("split check: opening {url}");
    session.call("POST", "/url", Some(json!({ "url": url })))?;
    let other = wait_until(|| session.find("[data-category=other]"))
        .context("the start screen's categories never appeared")?;
    session.call("POST", &format!("/element/{other}/click"), Some(json!({})))?;
    let next = wait_until(|| session.find(".hc-next"))
        .context("the outcome screen's Continue (.hc-next) never appeared")?;
    session.call("POST", &format!("/element/{next}/click"), Some(json!({})))?;
    wait_until(|| session.heading_is(DETAILS_HEADING)).with_context(|| {
        format!("after Continue, the heading \"{DETAILS_HEADING}\" never appeared")
    })?;
    if !session.fetched_chunk()? {
        bail!("the outcome and details showed without the chunk being fetched: not split");
    }
    println!("split check: ok: the outcome and the details came from the chunk");
    Ok(())
}

/// The first load alone (the chunk gone from the server, a device with no draft) still shows
/// the start screen; choosing shows the load-failed message instead of a dead page, and Try
/// again loads the chunk once it is back.
fn check_failed_fetch(session: &Session, url: &str, chunks: &[PathBuf]) -> Result<()> {
    println!("split check: the same with the chunk missing");
    session.call(
        "POST",
        "/execute/sync",
        Some(json!({ "script": "localStorage.clear()", "args": [] })),
    )?;
    let hidden = Hidden::new(chunks)?;
    // The chunk fetched above is in the browser's HTTP cache (cached for a year: its name
    // carries the build's hash): without clearing it the "missing" chunk would load from there.
    session.call(
        "POST",
        "/goog/cdp/execute",
        Some(json!({ "cmd": "Network.clearBrowserCache", "params": {} })),
    )?;
    // A fresh page: the chunk loaded above is in this page's memory.
    session.call("POST", "/url", Some(json!({ "url": "about:blank" })))?;
    session.call("POST", "/url", Some(json!({ "url": url })))?;
    let other = wait_until(|| session.find("[data-category=other]"))
        .context("without the chunk, the start screen did not show: the first load needs it")?;
    session.call("POST", &format!("/element/{other}/click"), Some(json!({})))?;
    let retry = wait_until(|| session.find(".hc-error .hc-retry"))
        .context("with the chunk missing, a choice did not show the load-failed message")?;
    drop(hidden);
    session.call("POST", &format!("/element/{retry}/click"), Some(json!({})))?;
    wait_until(|| session.find(".hc-next"))
        .context("Try again, with the chunk back, did not show the outcome")?;
    println!(
        "split check: ok: the start screen needs no chunk; Try again loads it when it is back"
    );
    Ok(())
}

/// The filing chunks in `dist/`.
fn chunk_files(dist: &Path) -> Result<Vec<PathBuf>> {
    let chunks: Vec<PathBuf> = budgets::shipped(dist)?
        .into_iter()
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(budgets::is_chunk)
        })
        .collect();
    if chunks.is_empty() {
        bail!(
            "{} holds no split_*.wasm: build it with `cargo xtask build-widget`",
            dist.display()
        );
    }
    Ok(chunks)
}

/// Chunks moved aside while it lives, so the server answers 404 for them; put back on drop,
/// whatever happened.
struct Hidden(Vec<(PathBuf, PathBuf)>);

impl Hidden {
    fn new(chunks: &[PathBuf]) -> Result<Hidden> {
        let mut hidden = Hidden(Vec::new());
        for chunk in chunks {
            let aside = chunk.with_extension("wasm.hidden");
            std::fs::rename(chunk, &aside)
                .with_context(|| format!("moving {} aside", chunk.display()))?;
            hidden.0.push((chunk.clone(), aside));
        }
        Ok(hidden)
    }
}

impl Drop for Hidden {
    fn drop(&mut self) {
        for (chunk, aside) in &self.0 {
            if let Err(err) = std::fs::rename(aside, chunk) {
                eprintln!("split check: could not put {} back: {err}", chunk.display());
            }
        }
    }
}

/// Polls `probe` until it says yes (`true` or `Some`), for up to [`WAIT`].
fn wait_until<T: Found>(mut probe: impl FnMut() -> Result<T>) -> Result<T::Out> {
    let deadline = Instant::now() + WAIT;
    loop {
        let last = probe();
        if let Ok(found) = &last
            && let Some(out) = found.found()
        {
            return Ok(out);
        }
        if Instant::now() > deadline {
            return match last {
                Err(err) => Err(err.context(format!("still failing after {WAIT:?}"))),
                Ok(_) => bail!("not there after {WAIT:?}"),
            };
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

trait Found {
    type Out;
    fn found(&self) -> Option<Self::Out>;
}

impl Found for bool {
    type Out = ();
    fn found(&self) -> Option<()> {
        self.then_some(())
    }
}

impl Found for Option<String> {
    type Out = String;
    fn found(&self) -> Option<String> {
        self.clone()
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

struct Driver {
    child: Child,
    addr: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    /// One WebDriver command; an answer with an `error` is an error naming it.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value> {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut stream = TcpStream::connect(&self.addr)
            .with_context(|| format!("connecting to ChromeDriver at {}", self.addr))?;
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.addr,
            body.len()
        )?;
        // ChromeDriver keeps the connection open whatever the request says: read the
        // header, then exactly the body it announces.
        let mut reader = BufReader::new(stream);
        let mut length = None;
        let mut chunked = false;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                bail!("{method} {path}: ChromeDriver closed the connection mid-answer");
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                let name = name.trim().to_ascii_lowercase();
                if name == "content-length" {
                    length = value.trim().parse::<usize>().ok();
                } else if name == "transfer-encoding" && value.contains("chunked") {
                    chunked = true;
                }
            }
        }
        let text = match (length, chunked) {
            (Some(length), false) => {
                let mut body = vec![0; length];
                reader.read_exact(&mut body)?;
                String::from_utf8_lossy(&body).into_owned()
            }
            (_, true) => read_chunked(&mut reader)?,
            (None, false) => {
                let mut body = String::new();
                reader.read_to_string(&mut body)?;
                body
            }
        };
        let value: Value = serde_json::from_str(&text)
            .with_context(|| format!("{method} {path}: not JSON: {text}"))?;
        if let Some(error) = value["value"]["error"].as_str() {
            let message = value["value"]["message"].as_str().unwrap_or_default();
            bail!("{method} {path}: {error}: {message}");
        }
        Ok(value)
    }
}

fn read_chunked(reader: &mut impl BufRead) -> Result<String> {
    let mut out = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size)?;
        let size = usize::from_str_radix(size.trim(), 16).context("bad chunk size")?;
        let mut chunk = vec![0; size + 2];
        reader.read_exact(&mut chunk)?;
        if size == 0 {
            return Ok(String::from_utf8_lossy(&out).into_owned());
        }
        out.extend_from_slice(&chunk[..size]);
    }
}

struct Session<'a> {
    driver: &'a Driver,
    id: String,
}

impl<'a> Session<'a> {
    fn start(driver: &'a Driver, profile: &Path) -> Result<Session<'a>> {
        let args = ["--headless", "--no-first-run"]
            .into_iter()
            .chain(tools::CHROMIUM_FLAGS)
            .map(str::to_owned)
            .chain([format!("--user-data-dir={}", profile.display())])
            .collect::<Vec<_>>();
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": tools::CHROMIUM, "args": args },
        } } });
        let answer = driver
            .call("POST", "/session", Some(capabilities))
            .context("ChromeDriver could not start Chromium")?;
        let id = answer["value"]["sessionId"]
            .as_str()
            .context("ChromeDriver's new session has no id")?
            .to_owned();
        Ok(Session { driver, id })
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value> {
        self.driver
            .call(method, &format!("/session/{}{path}", self.id), body)
    }

    /// The first element matching `css`, if there is one yet.
    fn find(&self, css: &str) -> Result<Option<String>> {
        let found = self.call(
            "POST",
            "/elements",
            Some(json!({ "using": "css selector", "value": css })),
        )?;
        Ok(found["value"]
            .as_array()
            .and_then(|all| all.first())
            .and_then(|e| e[ELEMENT].as_str())
            .map(str::to_owned))
    }

    /// Whether the screen's heading says `text`.
    fn heading_is(&self, text: &str) -> Result<bool> {
        let Some(heading) = self.find("h2.hc-heading")? else {
            return Ok(false);
        };
        let shown = self.call("GET", &format!("/element/{heading}/text"), None)?;
        Ok(shown["value"].as_str() == Some(text))
    }

    /// Whether the page has fetched a `split_*.wasm` chunk.
    fn fetched_chunk(&self) -> Result<bool> {
        let script = "return performance.getEntriesByType('resource')\
                      .some(e => /\\/split_[^/]*\\.wasm$/.test(new URL(e.name).pathname));";
        let answer = self.call(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )?;
        answer["value"]
            .as_bool()
            .context("the page's resource list did not answer")
    }

    fn end(&self) {
        let _ = self
            .driver
            .call("DELETE", &format!("/session/{}", self.id), None);
    }
}
