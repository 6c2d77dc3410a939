//! `cargo xtask contract` (and a step of `cargo xtask test`): the OpenAPI document and the
//! server checked against each other by schemathesis (PyPI), on a real helpcenter-server with
//! its own data directory on a free loopback port.
//!
//! Every check schemathesis has (statuses, content types, headers and bodies as documented,
//! no 5xx, bad input refused, …), through its phases: the document's examples, coverage of
//! each parameter's edges, random fuzzing, and a stateful phase that follows the document's
//! links (create a ticket, then read and answer it; create an upload, then HEAD/PATCH/DELETE
//! it) so it reaches real tickets and uploads. Admin endpoints are called with the site's
//! admin key, console endpoints with a signed-in agent's session (schemathesis signs in).
//! The number of cases is bounded so the run fits in a few minutes on 2 cores; each
//! operation counts as one test in the tally, from schemathesis's JUnit report.

use std::net::TcpListener;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::browser_server::ServerProcess;
use crate::cmd::{Ctx, Scratch};
use crate::tally::{Count, Tally};

/// schemathesis, pinned: a new release brings new checks, taken on deliberately.
const SCHEMATHESIS: &str = "4.32.5";
/// Known to this run only; the server keeps its hash.
const ADMIN_KEY: &str = "contract-admin-key";
const AGENT_EMAIL: &str = "contract-agent@example.com";
const AGENT_PASSWORD: &str = "contract-agent-password";
/// The variable the site's config names for its identity secret (at least 16 characters), so
/// "my requests" answer as for a store that signs its customers in.
const IDENTITY_SECRET_ENV: &str = "HELPCENTER_CONTRACT_IDENTITY_SECRET";
const IDENTITY_SECRET: &str = "contract-identity-secret";
/// Cases per operation and phase: 52 operations, ~2,100 cases, in about three minutes on 2
/// busy cores.
const MAX_EXAMPLES: &str = "15";
/// Fixed, so a failure seen once is seen again.
const SEED: &str = "20261203";

/// Checks another build of the server instead of this tree's (e.g. an older one, to see what
/// a change fixed): the path of its binary.
const SERVER_ENV: &str = "HELPCENTER_CONTRACT_SERVER";

/// The suite's name in the tally.
pub const SUITE: &str = "schemathesis";

/// Runs schemathesis against a fresh server; each operation is a test in `tally`.
pub fn run(ctx: &Ctx, tally: &mut Tally) -> Result<()> {
    let schemathesis = ensure_schemathesis(ctx)?;
    let binary = match std::env::var_os(SERVER_ENV) {
        Some(binary) => PathBuf::from(binary),
        None => {
            ctx.cmd("cargo")
                .args(["build", "-p", "helpcenter-server"])
                .run()?;
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map_or_else(|| ctx.root.join("target"), PathBuf::from);
            target.join("debug").join("helpcenter-server")
        }
    };
    let scratch = Scratch::new("contract")?;
    let data = scratch.path();
    let config = write_config(ctx, &binary, data)?;
    ctx.cmd(&binary)
        .args(["admin", "--config"])
        .arg(&config)
        .arg("--data-dir")
        .arg(data.join("data"))
        .args(["agents", "add", "--email", AGENT_EMAIL])
        .args(["--name", "Contract", "--role", "owner"])
        .env("HELPCENTER_AGENT_PASSWORD", AGENT_PASSWORD)
        .env(IDENTITY_SECRET_ENV, IDENTITY_SECRET)
        .run()
        .context("helpcenter-server admin agents add failed")?;
    let addr = free_port()?;
    let origin = format!("http://{addr}");
    let mut server = ServerProcess::new(&binary, addr.parse()?)
        .current_dir(&ctx.root)
        .env(IDENTITY_SECRET_ENV, IDENTITY_SECRET)
        .arg("serve")
        .arg("--config")
        .arg(&config)
        .args(["--bind", &addr])
        .arg("--data-dir")
        .arg(data.join("data"))
        .arg("--widget-dir")
        .arg(data.join("no-widget"))
        .log_to(data.join("server.log"));
    server.start()?;
    // Real data for the operations on one ticket: a claim with a photo, filed by a signed-in
    // shopper as the widget files it. Its id and photo are the path parameters of every
    // operation on a ticket (but its event stream, which would stay open), its access token
    // and the shopper's identity token are sent by the hooks, so those operations reach a
    // real ticket instead of stopping at 401/404.
    let identity = ctx
        .cmd(&binary)
        .env(IDENTITY_SECRET_ENV, IDENTITY_SECRET)
        .args(["admin", "sign-identity", "--config"])
        .arg(&config)
        .args(["--site", "demo", "--customer-id", "contract-customer"])
        .args(["--email", "wei@example.com", "--valid-hours", "24"])
        .read()
        .context("helpcenter-server admin sign-identity failed")?
        .trim()
        .to_owned();
    let photo = crate::bench::upload_one(&addr, 0, 1024)?;
    let (ticket, token) = crate::bench::file_ticket(&addr, &photo, "contract-ticket", &identity)?;
    let hooks = data.join("hooks.py");
    std::fs::write(&hooks, HOOKS)?;
    let settings = data.join("schemathesis.toml");
    std::fs::write(&settings, settings_toml(&hooks, &ticket, &photo))?;
    let junit = data.join("junit.xml");
    let ran = ctx
        .cmd(&schemathesis)
        .arg("--config-file")
        .arg(&settings)
        .arg("run")
        .arg(format!("{origin}/v1/openapi.json"))
        // Every check runs by default; naming them here (`--checks all`) would override the
        // per-operation settings in the config file.
        .args(["--max-examples", MAX_EXAMPLES])
        // One worker: with two, Hypothesis describes its filters by parsing their source
        // from two threads at once, and CPython 3.11's parser can then fail with
        // "SystemError: AST constructor recursion depth mismatch" (CPython gh-106905; seen on
        // GET /v1/admin/tickets): an error of the tool that fails the step.
        .args(["--seed", SEED, "--workers", "1"])
        .args(["--report", "junit", "--report-junit-path"])
        .arg(&junit)
        // The console's changes need its own Origin (a CSRF guard); harmless elsewhere.
        .args(["--header", &format!("Origin: {origin}")])
        .current_dir(data)
        .env("HELPCENTER_CONTRACT_ORIGIN", &origin)
        .env("HELPCENTER_CONTRACT_ADMIN_KEY", ADMIN_KEY)
        .env("HELPCENTER_CONTRACT_AGENT_EMAIL", AGENT_EMAIL)
        .env("HELPCENTER_CONTRACT_AGENT_PASSWORD", AGENT_PASSWORD)
        .env("HELPCENTER_CONTRACT_TICKET", &ticket)
        .env("HELPCENTER_CONTRACT_TICKET_TOKEN", &token)
        .env("HELPCENTER_CONTRACT_IDENTITY", &identity)
        .env("SCHEMATHESIS_TELEMETRY", "false")
        .env("NO_COLOR", "1")
        .run();
    let counted = std::fs::read_to_string(&junit)
        .with_context(|| format!("schemathesis wrote no report at {}", junit.display()))
        .and_then(|xml| junit_count(&xml));
    let alive = server.ensure_running();
    server.stop();
    let count = counted?;
    println!("contract: schemathesis: {count} (operations)");
    if let Ok(xml) = std::fs::read_to_string(&junit) {
        // The step's time goes where the server is slow to answer: say where.
        for (name, seconds) in slowest(&xml, 5) {
            println!("contract: slowest: {seconds:>6.1} s  {name}");
        }
    }
    tally.add(SUITE, &count);
    ran.and(alive)
        .context("schemathesis found the server and its OpenAPI document disagree")
}

/// schemathesis in a virtual environment under `target/`, installed once per pinned version.
fn ensure_schemathesis(ctx: &Ctx) -> Result<PathBuf> {
    let venv = ctx
        .root
        .join("target")
        .join(format!("schemathesis-{SCHEMATHESIS}"));
    let program = venv.join("bin").join("schemathesis");
    let installed = ctx
        .cmd(&program)
        .arg("--version")
        .read()
        .is_some_and(|out| out.contains(SCHEMATHESIS));
    if installed {
        return Ok(program);
    }
    ctx.cmd("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .run()
        .context("python3 -m venv failed (is Python 3.10+ with venv installed?)")?;
    ctx.cmd(venv.join("bin").join("python"))
        .args(["-m", "pip", "install", "--quiet"])
        .arg(format!("schemathesis=={SCHEMATHESIS}"))
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .run()?;
    Ok(program)
}

/// A loopback port nothing listens on now.
fn free_port() -> Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").context("no free loopback port")?;
    Ok(listener.local_addr()?.to_string())
}

/// The server's config: the demo site with a known admin key, and limits high enough that
/// schemathesis's pace is not refused as abuse (the limits have tests of their own).
fn write_config(ctx: &Ctx, binary: &Path, data: &Path) -> Result<PathBuf> {
    let hash = ctx
        .cmd(binary)
        .env("HELPCENTER_ADMIN_KEY", ADMIN_KEY)
        .args(["admin", "hash-key"])
        .read()
        .context("helpcenter-server admin hash-key failed")?;
    let config = data.join("config.toml");
    std::fs::write(
        &config,
        format!(
            r#"# Written by `cargo xtask contract`.
[server.rate_limits]
per_ip_per_second = 100000
per_ip_burst = 100000
per_site_per_second = 100000
per_site_burst = 100000

[server.storage]
open_uploads_per_client = 1000000

# schemathesis's own sign-ins, between the wrong ones it tries.
[server.console.sign_in]
per_account_burst = 100000
per_account_refill_seconds = 1
per_ip_burst = 100000
per_ip_refill_seconds = 1

[[sites]]
key = "demo"
display_name = "Contract test store"
allowed_origins = []
time_zone = "UTC"
return_policy_url = "https://shop.example/returns"
admin_key_sha256 = "{}"
identity_secret_env = "{IDENTITY_SECRET_ENV}"
"#,
            hash.trim()
        ),
    )?;
    Ok(config)
}

/// schemathesis's settings: its hooks, the site every `{site}` names, and its phases. tus
/// answers a missing `Tus-Resumable` with 412, as the protocol says (not 400).
fn settings_toml(hooks: &Path, ticket: &str, photo: &str) -> String {
    format!(
        r#"# Written by `cargo xtask contract`.
hooks = "{}"

[parameters]
"path.site" = "demo"

[phases.stateful]
max-steps = 20

# The first entry that matches an operation is its settings. tus answers a missing or other
# `Tus-Resumable` with 412, as the protocol says. Rules no schema can say are refused with
# their documented codes: `Upload-Metadata` must name the site and the file; a claim meets the
# site's policy (its categories, outcomes and windows); an inbox cursor is one the server
# gave; an insights period runs forwards and spans two years at most; a saved reply uses
# known placeholders only.
[[operations]]
include-operation-id = "tus_create_upload"
checks.missing_required_header.expected-statuses = [400, 401, 403, 406, 412, 415, 422]
checks.negative_data_rejection.expected-statuses = [400, 401, 403, 404, 405, 406, 409, 412, 413, 415, 422, 428, 429]
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", 400, 401, 403, 404, 409, 413, 429]

# schemathesis's coverage phase sends header values that break their `pattern` as valid ones
# (`Upload-Checksum: 0`); tus refuses a checksum it cannot read with 400.
[[operations]]
include-operation-id = "tus_send_bytes"
checks.missing_required_header.expected-statuses = [400, 401, 403, 406, 412, 415, 422]
checks.negative_data_rejection.expected-statuses = [400, 401, 403, 404, 405, 406, 409, 412, 413, 415, 422, 428, 429]
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", 400, 401, 403, 404, 409, 429]

[[operations]]
include-path-regex = "^/v1/uploads"
checks.missing_required_header.expected-statuses = [400, 401, 403, 406, 412, 415, 422]
checks.negative_data_rejection.expected-statuses = [400, 401, 403, 404, 405, 406, 409, 412, 413, 415, 422, 428, 429]

[[operations]]
include-operation-id = ["create_ticket", "recover_ticket"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", 401, 403, 404, 409, 422, 429]

# The real ticket and its photo (a ticket's state changes as the run goes: a valid answer may
# come too late for its status, 409, or fail the site's rules, 422). A shopper's token that
# does not open the ticket gets 404, the answer for a ticket that does not exist, on purpose
# (documented): a 401 would tell a prober that the id is a real ticket.
[[operations]]
include-operation-id = ["reply_to_ticket", "escalate_ticket", "show_ticket", "open_ticket_link"]
parameters = {{ "path.id" = "{ticket}" }}
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", 401, 403, 404, 409, 422, 429]
checks.ignored_auth.enabled = false

[[operations]]
include-operation-id = "open_my_ticket"
parameters = {{ "path.id" = "{ticket}" }}
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", 401, 403, 404, 409, 422, 429]

[[operations]]
include-operation-id = "download_evidence"
parameters = {{ "path.id" = "{ticket}", "path.upload" = "{photo}" }}
checks.ignored_auth.enabled = false

[[operations]]
include-operation-id = ["admin_download_evidence", "console_evidence"]
parameters = {{ "path.id" = "{ticket}", "path.upload" = "{photo}" }}

# Its stream reaches the real ticket only through the links of the stateful phase; the same
# 404 for a token that does not open it.
#
# An event stream that opens stays open (until its 30-minute lifetime): schemathesis reads each
# for its request timeout, 10 s by default, which made the two streams 440 of the run's 470 s.
# Two seconds read every event a stream sends on opening (a ticket's history, a replay after
# Last-Event-ID) on loopback.
[[operations]]
include-operation-id = "ticket_events"
checks.ignored_auth.enabled = false
request-timeout = 2

[[operations]]
include-operation-id = "console_events"
request-timeout = 2

[[operations]]
include-operation-id = ["admin_show_ticket", "admin_add_message", "admin_request_info", "admin_transition_ticket"]
parameters = {{ "path.id" = "{ticket}" }}
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", 400, 401, 403, 404, 409, 422, 429]

[[operations]]
include-operation-id = ["console_ticket", "console_assign", "console_message", "console_request_info", "console_ticket_saved_replies", "console_transition"]
parameters = {{ "path.id" = "{ticket}" }}
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", 400, 401, 403, 404, 409, 422, 429]

[[operations]]
include-path-regex = "^/v1/console/(tickets|insights|saved-replies)"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", 400, 401, 403, 404, 409, 422, 429]
"#,
        hooks.display()
    )
}

/// schemathesis's hooks: tus's PATCH body sent as the bytes it is, the admin key for the
/// admin API, and a signed-in agent's session for the console (signed in as the console does,
/// from its own origin; not sent when signing out, so the session lasts the run).
const HOOKS: &str = r#"# Written by `cargo xtask contract`.
import json
import os

import requests
import schemathesis
from schemathesis.transport.requests import REQUESTS_TRANSPORT, binary_serializer

ORIGIN = os.environ["HELPCENTER_CONTRACT_ORIGIN"]

REQUESTS_TRANSPORT.serializer("application/offset+octet-stream")(binary_serializer)


@schemathesis.auth(refresh_interval=None).apply_to(path_regex="^/v1/admin/")
class AdminKey:
    def get(self, case, ctx):
        return os.environ["HELPCENTER_CONTRACT_ADMIN_KEY"]

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


@schemathesis.auth(refresh_interval=30).apply_to(path_regex="^/v1/console/").skip_for(
    method="DELETE", path="/v1/console/session"
)
class AgentSession:
    def get(self, case, ctx):
        answer = requests.post(
            f"{ORIGIN}/v1/console/session",
            json={
                "site": "demo",
                "email": os.environ["HELPCENTER_CONTRACT_AGENT_EMAIL"],
                "password": os.environ["HELPCENTER_CONTRACT_AGENT_PASSWORD"],
            },
            headers={"Origin": ORIGIN},
            timeout=10,
        )
        answer.raise_for_status()
        return answer.cookies["hc_console"]

    def set(self, case, data, ctx):
        case.cookies = case.cookies or {}
        case.cookies["hc_console"] = data


# The access token of every ticket the run filed, by ticket id (the real one filed before the
# run, then those the run files): a shopper's requests on such a ticket carry its own token,
# so they reach the ticket instead of stopping at 401. Any other ticket id keeps what
# schemathesis generated.
TICKET_TOKENS = {
    os.environ["HELPCENTER_CONTRACT_TICKET"]: os.environ["HELPCENTER_CONTRACT_TICKET_TOKEN"]
}


@schemathesis.hook
def after_call(ctx, case, response):
    if (
        case.operation.method.upper() == "POST"
        and case.operation.path == "/v1/sites/{site}/tickets"
        and response.status_code == 201
    ):
        body = json.loads(response.content)
        TICKET_TOKENS[body["id"]] = body["access_token"]


@schemathesis.auth(refresh_interval=None).apply_to(path_regex="^/v1/tickets/")
class TicketToken:
    def get(self, case, ctx):
        return TICKET_TOKENS

    def set(self, case, data, ctx):
        token = data.get((case.path_parameters or {}).get("id"))
        if token:
            case.headers = case.headers or {}
            case.headers["Authorization"] = f"Bearer {token}"


# The signed-in shopper's identity token, for who they are and their requests.
@schemathesis.auth(refresh_interval=None).apply_to(
    path_regex="^/v1/sites/[^/]+/(identity|tickets/[^/]+/access)$"
).apply_to(method="GET", path_regex="^/v1/sites/[^/]+/tickets$")
class ShopperIdentity:
    def get(self, case, ctx):
        return os.environ["HELPCENTER_CONTRACT_IDENTITY"]

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"
"#;

/// Counts schemathesis's JUnit report: each `<testcase>` is an operation; one with a
/// `<failure>` or `<error>` failed, one `<skipped>` is ignored.
fn junit_count(xml: &str) -> Result<Count> {
    let mut count = Count::default();
    for case in xml.split("<testcase").skip(1) {
        let body = case.split("</testcase>").next().unwrap_or(case);
        let body_end = body.find("/>").filter(|at| !body[..*at].contains('>'));
        if body_end.is_some() {
            count.passed += 1;
        } else if body.contains("<failure") || body.contains("<error") {
            count.failed += 1;
        } else if body.contains("<skipped") {
            count.ignored += 1;
        } else {
            count.passed += 1;
        }
    }
    if count.ran() == 0 {
        bail!("schemathesis's report lists no operation");
    }
    Ok(count)
}

/// The `n` operations schemathesis spent longest on, by the report's `time` attributes.
fn slowest(xml: &str, n: usize) -> Vec<(String, f64)> {
    let attribute = |case: &str, name: &str| -> Option<String> {
        let start = case.find(&format!(" {name}=\""))? + name.len() + 3;
        let len = case[start..].find('"')?;
        Some(case[start..start + len].to_owned())
    };
    let mut cases: Vec<(String, f64)> = xml
        .split("<testcase")
        .skip(1)
        .filter_map(|case| {
            let head = &case[..case.find('>').unwrap_or(case.len())];
            let time = attribute(head, "time")?.parse().ok()?;
            Some((attribute(head, "name")?, time))
        })
        .collect();
    cases.sort_by(|a, b| b.1.total_cmp(&a.1));
    cases.truncate(n);
    cases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slowest_operations_come_first() {
        let xml = r#"<testsuite><testcase name="GET /a" time="0.5"/>
<testcase name="POST /b" time="12.25"><failure message="x">y</failure></testcase>
<testcase name="GET /c" time="3"/></testsuite>"#;
        assert_eq!(
            slowest(xml, 2),
            vec![("POST /b".to_owned(), 12.25), ("GET /c".to_owned(), 3.0)]
        );
    }

    #[test]
    fn a_junit_report_counts_operations_by_outcome() {
        let xml = r#"<?xml version="1.0" ?><testsuites><testsuite name="schemathesis">
<testcase name="GET /healthz" time="0.1"/>
<testcase name="POST /v1/sites/{site}/tickets" time="2"><failure type="failure" message="Undocumented HTTP status code">x</failure></testcase>
<testcase name="GET /v1/tickets/{id}" time="1"></testcase>
<testcase name="GET /v1/x" time="0"><skipped message="no"/></testcase>
<testcase name="GET /v1/y" time="0"><error type="error" message="boom">y</error></testcase>
</testsuite></testsuites>"#;
        let count = junit_count(xml).expect("count");
        assert_eq!((count.passed, count.failed, count.ignored), (2, 2, 1));
        assert!(junit_count("<testsuites></testsuites>").is_err());
    }
}
