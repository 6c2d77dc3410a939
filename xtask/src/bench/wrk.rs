//! wrk (Debian's), at a fixed concurrency: throughput and latency percentiles of one URL.

use anyhow::{Context, Result, bail};

use crate::cmd::Ctx;

/// Two threads, as the machine has two cores; eight connections each.
pub const THREADS: u32 = 2;
pub const CONNECTIONS: u32 = 16;

/// One wrk run's figures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Load {
    pub requests_per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub requests: u64,
}

/// What to load: a URL, its headers, and a Lua script with its variables if requests differ.
pub struct Target<'a> {
    pub url: String,
    pub headers: Vec<String>,
    pub script: Option<&'a std::path::Path>,
    pub script_env: Vec<(&'static str, String)>,
    pub seconds: u32,
}

pub fn run(ctx: &Ctx, target: &Target<'_>) -> Result<Load> {
    let mut cmd = ctx
        .cmd(crate::tools::WRK)
        .arg(format!("-t{THREADS}"))
        .arg(format!("-c{CONNECTIONS}"))
        .arg(format!("-d{}s", target.seconds))
        .arg("--latency");
    for header in &target.headers {
        cmd = cmd.arg("-H").arg(header);
    }
    if let Some(script) = target.script {
        cmd = cmd.arg("-s").arg(script);
    }
    for (key, value) in &target.script_env {
        cmd = cmd.env(key, value);
    }
    let out = cmd.arg(&target.url).capture()?;
    print!("{out}");
    parse(&out).with_context(|| format!("reading wrk's report on {}", target.url))
}

fn parse(out: &str) -> Result<Load> {
    let field = |prefix: &str| {
        out.lines()
            .map(str::trim)
            .find_map(|line| line.strip_prefix(prefix))
            .map(str::trim)
    };
    if let Some(errors) = field("Non-2xx or 3xx responses:") {
        bail!("{errors} answers were errors: the figures would not be of the real work");
    }
    let requests_per_second = field("Requests/sec:")
        .and_then(|v| v.parse().ok())
        .context("no Requests/sec")?;
    let requests = out
        .lines()
        .find_map(|line| line.trim().split_once(" requests in "))
        .and_then(|(n, _)| n.trim().parse().ok())
        .context("no request count")?;
    Ok(Load {
        requests_per_second,
        p50_ms: field("50%")
            .and_then(millis)
            .context("no 50th percentile")?,
        p99_ms: field("99%")
            .and_then(millis)
            .context("no 99th percentile")?,
        requests,
    })
}

/// wrk's durations: `812.00us`, `1.27ms`, `2.01s`.
fn millis(text: &str) -> Option<f64> {
    let (number, scale) = if let Some(n) = text.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return None;
    };
    number.trim().parse::<f64>().ok().map(|n| n * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "Running 4s test @ http://127.0.0.1:18190/empty
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   160.32us  101.10us   5.00ms   90.00%
    Req/Sec    48.10k     2.00k   55.00k    70.00%
  Latency Distribution
     50%  131.00us
     75%  160.00us
     90%  200.00us
     99%    1.27ms
  384612 requests in 4.00s, 30.00MB read
Requests/sec:  96153.00
Transfer/sec:      7.50MB
";

    #[test]
    fn reads_throughput_and_percentiles() -> Result<()> {
        let load = parse(REPORT)?;
        assert_eq!(load.requests, 384_612);
        assert!((load.requests_per_second - 96_153.0).abs() < 1e-9);
        assert!((load.p50_ms - 0.131).abs() < 1e-9);
        assert!((load.p99_ms - 1.27).abs() < 1e-9);
        Ok(())
    }

    #[test]
    fn a_run_with_errors_is_refused() {
        let failed = REPORT.replace(
            "Requests/sec:",
            "  Non-2xx or 3xx responses: 12\nRequests/sec:",
        );
        assert!(parse(&failed).is_err());
    }
}
