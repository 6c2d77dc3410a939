//! `serve`: the widget, its API and the agents' console on one address, with the workers
//! (mail, webhooks, expiry, retention) beside them, until SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use tracing_subscriber::EnvFilter;

use super::target::{database_of, evidence_of, sites_of};
use super::terminal::fail;
use crate::AppState;
use crate::app::{ServeOptions, router};
use crate::config::ServerConfig;
use crate::listen::serve_with;
use crate::sites::{IdentitySecret, Sites};

/// Command-line settings win over the config file's `[server]` table.
#[derive(clap::Args, Debug)]
pub(super) struct ServeArgs {
    /// Sites and settings (see helpcenter-server.sample.toml); without it, the demo site.
    #[arg(long, env = "HELPCENTER_CONFIG")]
    config: Option<PathBuf>,
    #[arg(long, env = "HELPCENTER_BIND")]
    bind: Option<SocketAddr>,
    /// The built widget (Trunk's output).
    #[arg(long, env = "HELPCENTER_WIDGET_DIR")]
    widget_dir: Option<PathBuf>,
    /// The built agents' console (Trunk's output in crates/console), served at /console/.
    #[arg(long, env = "HELPCENTER_CONSOLE_DIR")]
    console_dir: Option<PathBuf>,
    /// Where `embed.js` is: `dist/`, where `cargo xtask build-widget` puts it minified (its
    /// source is the repository's `public/embed.js`); only that file of it is served.
    #[arg(long, env = "HELPCENTER_PUBLIC_DIR")]
    public_dir: Option<PathBuf>,
    /// The evidence files, the server's secret, and the SQLite database unless
    /// --database-url says otherwise.
    #[arg(long, env = "HELPCENTER_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Where tickets are kept: `sqlite://PATH` or `postgres://USER@HOST/DATABASE`; the
    /// config's `database_url`, else `helpcenter.db` in the data directory.
    #[arg(long, env = "HELPCENTER_DATABASE_URL")]
    database_url: Option<String>,
    /// Where evidence is kept: `file://PATH`, or `s3://BUCKET/PREFIX` with AWS_ENDPOINT_URL,
    /// AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment; the
    /// config's `evidence_store`, else `uploads/evidence` in the data directory.
    #[arg(long, env = "HELPCENTER_EVIDENCE_STORE")]
    evidence_store: Option<String>,
    /// `plain` lines (coloured only on a terminal, never in a file or a pipe; NO_COLOR turns
    /// colour off there too) or `json`, one object a line, start-up lines included.
    #[arg(long, env = "HELPCENTER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Plain)]
    log_format: LogFormat,
}

/// How `serve` writes its log (to standard output, as systemd's journal reads it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Plain,
    Json,
}

impl LogFormat {
    /// Sets up the log; RUST_LOG chooses what is logged (`info` by default).
    fn init(self) {
        use std::io::IsTerminal;
        let filter = EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info"));
        match self {
            LogFormat::Plain => tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_ansi(colour_wanted(
                    std::io::stdout().is_terminal(),
                    std::env::var_os("NO_COLOR"),
                ))
                .init(),
            LogFormat::Json => tracing_subscriber::fmt()
                .json()
                .with_env_filter(filter)
                .with_ansi(false)
                .with_current_span(true)
                .with_span_list(false)
                .init(),
        }
    }

    /// A line for the operator at start-up (the addresses to open): printed as it is in plain
    /// logs, a log event in JSON ones so every line parses.
    fn announce(self, line: &str) {
        match self {
            LogFormat::Plain => println!("{line}"),
            LogFormat::Json => tracing::info!("{line}"),
        }
    }
}

/// Colour codes only for a person at a terminal who has not asked for none
/// (<https://no-color.org>): in a file or a journal they are noise.
fn colour_wanted(terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

pub(super) fn run(args: ServeArgs) -> ExitCode {
    let log = args.log_format;
    log.init();
    let config = match &args.config {
        Some(path) => match ServerConfig::load(path) {
            Ok(config) => config,
            Err(e) => return fail(&e.to_string()),
        },
        None => ServerConfig::default(),
    };
    let bind = args
        .bind
        .or(config.server.bind)
        .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8080)));
    let data_dir = args
        .data_dir
        .or(config.server.data_dir.clone())
        .unwrap_or_else(|| "data".into());
    let widget_dir = args
        .widget_dir
        .or(config.server.widget_dir.clone())
        .unwrap_or_else(|| "dist".into());
    let console_dir = args
        .console_dir
        .or(config.server.console_dir.clone())
        .unwrap_or_else(|| "crates/console/dist".into());
    let public_dir = args
        .public_dir
        .or(config.server.public_dir.clone())
        .unwrap_or_else(|| "dist".into());
    if let Err(e) = std::fs::create_dir_all(&data_dir) {
        return fail(&format!(
            "cannot create the data directory {}: {e}",
            data_dir.display()
        ));
    }
    let database = match database_of(args.database_url.as_deref(), Some(&config), &data_dir) {
        Ok(database) => database,
        Err(message) => return fail(&message),
    };
    let evidence = match evidence_of(args.evidence_store.as_deref(), Some(&config), &data_dir) {
        Ok(evidence) => evidence,
        Err(message) => return fail(&message),
    };
    let storage = config.server.storage.unwrap_or_default();
    if let Err(message) = storage.check() {
        return fail(&message);
    }
    // Held until the process ends: one server per data directory, and no restore under it.
    let _lock = match crate::backup::lock_for_serving(&data_dir) {
        Ok(lock) => lock,
        Err(message) => return fail(&message),
    };
    let (sites, demo_admin_key) = match sites_of(
        &config,
        args.config.as_deref(),
        &data_dir,
        bind.port(),
        IdentitySecret::Required,
    ) {
        Ok(sites) => sites,
        Err(message) => return fail(&message),
    };
    let demo = demo_admin_key.is_some();
    if let Some(admin_key) = demo_admin_key {
        log.announce(&demo_notice(args.config.as_deref(), &admin_key, &data_dir));
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };
    runtime.block_on(async {
        let mut state =
            match AppState::open(Sites::new(sites), &data_dir, &database, &evidence).await {
                Ok(state) => state,
                Err(e) => return fail(&format!("{e:#}")),
            };
        tracing::info!(database = %database, "tickets are kept in {database}");
        tracing::info!(evidence = %evidence, "evidence is kept in {evidence}");
        state.storage = storage;
        state.orders = std::sync::Arc::new(crate::orders::OrderDesk::new(
            config.server.order_lookups.unwrap_or_default(),
        ));
        // The only server on this data directory (its lock is held): no request of the
        // leases it held when it stopped is running any more.
        match crate::uploads::release_leases_of_this_instance(&state.store, &state.evidence).await
        {
            Ok(0) => {}
            Ok(released) => tracing::info!(released, "let go of uploads held when the server stopped"),
            Err(e) => return fail(&format!("cannot let go of this server's uploads: {e}")),
        }
        let demo_agent = if demo {
            match crate::agents::ensure_demo_agent(&state.store, &data_dir).await {
                Ok(credentials) => Some(credentials),
                Err(e) => return fail(&format!("cannot make the demo agent: {e}")),
            }
        } else {
            None
        };
        let listener = match tokio::net::TcpListener::bind(bind).await {
            Ok(listener) => listener,
            Err(e) => return fail(&format!("cannot listen on {bind}: {e}")),
        };
        let addr = listener.local_addr().unwrap_or(bind);
        if !widget_dir.join("index.html").is_file() {
            tracing::warn!(dir = %widget_dir.display(), "no built widget here; run `cargo xtask dev`");
        }
        if !console_dir.join("index.html").is_file() {
            tracing::warn!(dir = %console_dir.display(), "no built console here; run `cargo xtask dev`");
        }
        if !public_dir.join("embed.js").is_file() {
            tracing::warn!(dir = %public_dir.display(), "no embed.js here: storefronts cannot load the widget");
        }
        let _expiry = crate::uploads::spawn_expiry(state.clone());
        let _retention = crate::retention::spawn_retention(state.clone());
        // Where shoppers' browsers reach this server: the proxy's address when there is one.
        let public_url = config
            .server
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"));
        let mail = crate::mail::MailSettings {
            smtp: config.smtp.clone(),
            public_url: public_url.clone(),
        };
        let _mail = match crate::mail::worker::spawn(state.clone(), mail) {
            Ok(worker) => worker,
            Err(e) => return fail(&e.to_string()),
        };
        let _webhooks = match crate::webhooks::worker::spawn(
            state.clone(),
            config.server.webhooks.clone(),
        ) {
            Ok(worker) => worker,
            Err(e) => return fail(&e.to_string()),
        };
        let _sessions = crate::agents::spawn_session_cleanup(state.clone());
        let rate_limits = config.server.rate_limits.unwrap_or_default();
        let shutdown = state.shutdown.clone();
        let console = config.server.console.clone().unwrap_or_default();
        let options = ServeOptions {
            widget_dir,
            console_dir,
            public_dir,
            rate_limits,
            trusted_proxies: config.server.trusted_proxies.clone(),
            console: crate::app::ConsoleOptions {
                public_origin: console.public_origin,
                sign_in: console.sign_in.unwrap_or_default(),
            },
        };
        let sites: Vec<(String, String)> = state
            .sites
            .iter()
            .map(|site| (site.key.clone(), site.display_name.clone()))
            .collect();
        let app = router(state, &options);
        log.announce(&format!("Help Center server listening on http://{addr}/"));
        for (key, name) in &sites {
            log.announce(&format!(
                "Widget of {name} ({key}): http://{addr}/widget/?site={key}"
            ));
            log.announce(&format!(
                "  its tag for the store's pages: <script src=\"{}/embed.js?site={key}\" async></script>",
                public_url.trim_end_matches('/')
            ));
        }
        log.announce(&format!("Agents' console: http://{addr}/console/"));
        if let Some((email, password)) = &demo_agent {
            log.announce(&format!(
                "  sign in at http://{addr}/console/sign-in?site=demo (store \"demo\") as {email}, password {password} (kept in {})",
                data_dir.join("demo-agent-password").display()
            ));
        }
        let connections = config.server.connections.unwrap_or_default();
        match serve_with(listener, app, shutdown, connections).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&format!("server stopped: {e}")),
        }
    })
}

/// What `serve` says when it serves the demo site: with no config at all, or with one that
/// names no site (as `cargo xtask dev`'s, which only sets mail and the public address).
fn demo_notice(
    config: Option<&std::path::Path>,
    admin_key: &str,
    data_dir: &std::path::Path,
) -> String {
    let why = match config {
        None => "No --config".to_owned(),
        Some(path) => format!("{} names no [[sites]]", path.display()),
    };
    format!(
        "{why}: serving the demo site \"demo\" (admin key: {admin_key}, kept in {})",
        data_dir.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_on_a_terminal_and_never_under_no_color() {
        assert!(colour_wanted(true, None));
        assert!(
            colour_wanted(true, Some("".into())),
            "NO_COLOR empty is unset"
        );
        assert!(!colour_wanted(true, Some("1".into())));
        assert!(!colour_wanted(false, None), "a file, a pipe, the journal");
    }

    #[test]
    fn the_demo_notice_says_why_the_demo_is_served() {
        let data = std::path::Path::new("data");
        assert_eq!(
            demo_notice(None, "k-1", data),
            "No --config: serving the demo site \"demo\" (admin key: k-1, kept in data)"
        );
        let dev = demo_notice(
            Some(std::path::Path::new("target/dev-helpcenter.toml")),
            "k-1",
            data,
        );
        assert_eq!(
            dev,
            "target/dev-helpcenter.toml names no [[sites]]: serving the demo site \"demo\" (admin key: k-1, kept in data)"
        );
        assert!(!dev.contains("No --config"));
    }
}
