//! The command line: `serve`; `admin …` for agents, and for merchants trying out identity
//! tokens; `migrate`; and `policy show | check` for merchants writing their own policy.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use helpcenter_core::Policy;
use tracing_subscriber::EnvFilter;

use crate::AppState;
use crate::app::{ServeOptions, router};
use crate::config::ServerConfig;
use crate::listen::serve_with;
use crate::routes::admin;
use crate::sites::{IdentitySecret, Site, Sites};

#[derive(Parser, Debug)]
#[command(
    name = "helpcenter-server",
    version,
    about = "The Help Center ticket service"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the widget and its API.
    Serve(ServeArgs),
    /// Inspect a Help Center policy.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Work tickets from the command line, on the data directory (what the admin API does).
    Admin(AdminArgs),
    /// Create or bring the database schema up to date, then exit (serve does this too).
    Migrate {
        #[arg(long, env = "HELPCENTER_DATA_DIR", default_value = "data")]
        data_dir: PathBuf,
        /// `sqlite://PATH` or `postgres://USER@HOST/DATABASE`; SQLite in the data directory
        /// without it.
        #[arg(long, env = "HELPCENTER_DATABASE_URL")]
        database_url: Option<String>,
    },
    /// Copy a one-machine deployment (SQLite and evidence files) into PostgreSQL and an S3 bucket, verified.
    MigrateStore(crate::migrate_store::MigrateStoreArgs),
}

/// Global, so they may also follow the subcommand (`admin sign-identity --config … --site …`).
#[derive(clap::Args, Debug)]
struct AdminArgs {
    /// The config `serve` runs with; without it, the demo site of the data directory.
    #[arg(long, env = "HELPCENTER_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// The server's data directory; without it, the config's `data_dir`, or `data`.
    #[arg(long, env = "HELPCENTER_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// The server's database; without it, the config's `database_url`, or SQLite in the data
    /// directory.
    #[arg(long, env = "HELPCENTER_DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// Where the server keeps evidence (`file://PATH` or `s3://BUCKET/PREFIX`); without it,
    /// the config's `evidence_store`, or `uploads/evidence` in the data directory.
    #[arg(long, env = "HELPCENTER_EVIDENCE_STORE", global = true)]
    evidence_store: Option<String>,
    /// The site whose tickets to work on, or to sign for; may be left out when the config has
    /// one site.
    #[arg(long, global = true)]
    site: Option<String>,
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Print the SHA-256 of an admin key, for a site's `admin_key_sha256`. The key is read
    /// from HELPCENTER_ADMIN_KEY, else from the first line of standard input (never from the
    /// command line, where other users and the shell's history would see it).
    HashKey,
    /// Copy the data directory into a new directory while the server runs: the database as
    /// one consistent snapshot, the evidence files its tickets hold, the server's secrets, and
    /// manifest.json with every file's SHA-256. SQLite only: back up PostgreSQL with pg_dump.
    Backup {
        /// A new (or empty) directory for this backup.
        #[arg(long)]
        to: PathBuf,
    },
    /// Check a backup against its manifest, then restore it into the data directory (of
    /// --config, or --data-dir). Refuses a directory that holds anything, unless --force.
    Restore {
        /// The backup's directory (with its manifest.json).
        #[arg(long)]
        from: PathBuf,
        /// Restore into a data directory that holds something: what it holds is moved aside
        /// into before-restore-… inside it, never deleted.
        #[arg(long)]
        force: bool,
    },
    /// Print an identity token for a customer, signed as the store's backend signs it, to try
    /// "my requests" without a store: with the site's secret, read as `serve` reads it.
    SignIdentity(SignIdentityArgs),
    #[command(subcommand)]
    Tickets(TicketCommand),
    /// The site's mail to shoppers and alerts: what is pending or failed and why.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// The site's agents, who sign in to the console at /console/.
    #[command(subcommand)]
    Agents(AgentCommand),
    /// The site's admin API keys: rotate to a new one, list them.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// The site's webhooks: endpoints, the delivery log, sending again, signing secrets.
    #[command(subcommand)]
    Webhooks(WebhooksCommand),
    /// A shopper's request about their data: see everything kept, or erase it.
    #[command(subcommand)]
    Shopper(ShopperCommand),
}

#[derive(Subcommand, Debug)]
enum ShopperCommand {
    /// Print, as JSON, everything kept about the shopper who filed with this email on the
    /// site: their tickets, messages (internal notes included), files' facts and mails.
    Export {
        #[arg(long)]
        email: String,
    },
    /// Erase the shopper's personal data and evidence on the site: contact details, order
    /// numbers, descriptions, message texts, files, mails. The ticket numbers stay, with
    /// category, outcome, status and dates, for the store's books. Asks first on a terminal;
    /// elsewhere needs --yes.
    Erase {
        #[arg(long)]
        email: String,
        /// Erase without asking.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand, Debug)]
enum WebhooksCommand {
    /// The site's endpoints with their events and signing secrets (by fingerprint).
    List,
    /// The delivery log, newest first.
    Deliveries {
        /// Only deliveries to this endpoint.
        #[arg(long)]
        endpoint: Option<String>,
        /// pending, delivered or failed.
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        ticket: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// One delivery: its body as sent and every attempt.
    Show { id: String },
    /// Put a delivery back in line to be made now (a running server makes it within seconds).
    Resend { id: String },
    /// Make a new signing secret for an endpoint (its first one too), printed once on standard
    /// output, alone, for a script to take. The secrets in use keep signing for the overlap.
    RotateSecret {
        /// The endpoint's name in the config.
        endpoint: String,
        /// How long the secrets in use keep signing too: 24h, 90m, 2d, … up to 30d; 0s ends
        /// them now.
        #[arg(long, default_value = "24h", value_parser = crate::admin_keys::parse_overlap)]
        overlap: jiff::SignedDuration,
    },
}

#[derive(Subcommand, Debug)]
enum KeysCommand {
    /// Make a new admin key, printed once on standard output (alone, for a script to take).
    /// The keys in use keep working for the rollover window, then only the new one does; a
    /// running server sees the change at once.
    Rotate {
        /// How long the keys in use keep working: 24h, 90m, 2d, … up to 30d; 0s ends them now.
        #[arg(long, default_value = "24h", value_parser = crate::admin_keys::parse_overlap)]
        overlap: jiff::SignedDuration,
    },
    /// The site's keys by fingerprint, and until when each is accepted.
    List,
}

#[derive(Subcommand, Debug)]
enum AgentCommand {
    /// Add an agent. The password is read from HELPCENTER_AGENT_PASSWORD, else from the first
    /// line of standard input (never from the command line, where other users and the shell's
    /// history would see it).
    Add {
        #[arg(long)]
        email: String,
        /// Shown to colleagues on the timeline ("by Wei").
        #[arg(long)]
        name: String,
        /// `agent` works tickets; `owner` also runs the site's console settings.
        #[arg(long, default_value = "agent")]
        role: String,
    },
    /// The site's agents, disabled ones marked.
    List,
    /// Disable an agent: no more sign-ins, and their open sessions end at once.
    Disable {
        #[arg(long)]
        email: String,
    },
    /// Set a new password (read as for `add`); the agent's open sessions end.
    SetPassword {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand, Debug)]
enum OutboxCommand {
    /// The site's mail, newest first.
    List {
        /// pending, sent or failed.
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        ticket: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Put a mail back in line to be sent now (a running server sends it within seconds).
    Retry { id: String },
}

#[derive(clap::Args, Debug)]
struct SignIdentityArgs {
    /// The customer's id in the store: their tickets are found by it.
    #[arg(long)]
    customer_id: String,
    #[arg(long)]
    email: String,
    /// How long the token is accepted, in hours.
    #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..=8760))]
    valid_hours: u32,
}

#[derive(Subcommand, Debug)]
enum TicketCommand {
    /// The site's tickets, most recently updated first.
    List {
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        order_number: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// One ticket with its timeline, evidence and internal notes, as JSON.
    Show { id: String },
    /// Move a ticket, e.g. `transition HC-7F3K9Q resolved --resolution exchange`.
    Transition {
        id: String,
        to: String,
        #[arg(long)]
        resolution: Option<String>,
        /// Shown to the shopper (required for needs_info).
        #[arg(long)]
        message: Option<String>,
    },
    /// Write to the shopper, or `--internal` for a note only agents see.
    Message {
        id: String,
        body: String,
        #[arg(long)]
        internal: bool,
    },
}

/// Command-line settings win over the config file's `[server]` table.
#[derive(clap::Args, Debug)]
struct ServeArgs {
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

#[derive(Subcommand, Debug)]
enum PolicyCommand {
    /// Print the decision tree, outcomes and wording of a policy (the built-in one by default).
    Show {
        /// A policy file in the format of the built-in one.
        #[arg(long)]
        file: Option<PathBuf>,
        #[arg(long, default_value = "en")]
        locale: String,
        /// Print the built-in policy's TOML, the starting point for a site's own file.
        #[arg(long, conflicts_with = "file")]
        toml: bool,
    },
    /// Check a policy file and list every problem in it.
    Check { file: PathBuf },
}

impl Cli {
    pub fn run(self) -> ExitCode {
        match self.command {
            Command::Serve(args) => run_serve(args),
            Command::Policy { command } => run_policy(command),
            Command::Admin(args) => run_admin(args),
            Command::Migrate {
                data_dir,
                database_url,
            } => run_migrate(&data_dir, database_url.as_deref()),
            Command::MigrateStore(args) => crate::migrate_store::run(args),
        }
    }
}

fn run_serve(args: ServeArgs) -> ExitCode {
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

fn run_policy(command: PolicyCommand) -> ExitCode {
    match command {
        PolicyCommand::Show { toml: true, .. } => {
            print!("{}", helpcenter_core::load::DEFAULT_POLICY_TOML);
            ExitCode::SUCCESS
        }
        PolicyCommand::Show { file, locale, .. } => {
            let policy = match file {
                None => Policy::builtin(),
                Some(path) => match load(&path) {
                    Ok(policy) => policy,
                    Err(code) => return code,
                },
            };
            print!("{}", policy.outline(&locale));
            ExitCode::SUCCESS
        }
        PolicyCommand::Check { file } => match load(&file) {
            Ok(policy) => {
                println!(
                    "{}: ok ({} categories, {} questions, {} outcomes, locales: {})",
                    file.display(),
                    policy.categories.len(),
                    policy.questions.len(),
                    policy.outcomes.len(),
                    policy
                        .messages
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                ExitCode::SUCCESS
            }
            Err(code) => code,
        },
    }
}

fn run_migrate(data_dir: &std::path::Path, database_url: Option<&str>) -> ExitCode {
    if let Err(e) = std::fs::create_dir_all(data_dir) {
        return fail(&format!("cannot create {}: {e}", data_dir.display()));
    }
    let database = match database_of(database_url, None, data_dir) {
        Ok(database) => database,
        Err(message) => return fail(&message),
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };
    match runtime.block_on(crate::store::Store::open(&database)) {
        Ok(_) => {
            println!("{database}: database schema up to date");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e.to_string()),
    }
}

/// Where a command finds evidence: the flag (or `HELPCENTER_EVIDENCE_STORE`; a relative
/// path counts from the working directory), else the config's `evidence_store`, else
/// `uploads/evidence` in the data directory.
fn evidence_of(
    flag: Option<&str>,
    config: Option<&ServerConfig>,
    data_dir: &std::path::Path,
) -> Result<crate::uploads::EvidenceLocation, String> {
    if let Some(url) = flag {
        return crate::uploads::EvidenceLocation::parse(url, std::path::Path::new(""));
    }
    if let Some(evidence) = config.and_then(|c| c.server.evidence.clone()) {
        return Ok(evidence);
    }
    Ok(crate::uploads::EvidenceLocation::in_data_dir(data_dir))
}

/// The database a command works on: the flag (or `HELPCENTER_DATABASE_URL`; a relative
/// SQLite path counts from the working directory), else the config's `database_url`, else
/// `helpcenter.db` in the data directory.
fn database_of(
    flag: Option<&str>,
    config: Option<&ServerConfig>,
    data_dir: &std::path::Path,
) -> Result<crate::store::Database, String> {
    if let Some(url) = flag {
        return crate::store::Database::parse(url, std::path::Path::new(""));
    }
    if let Some(database) = config.and_then(|c| c.server.database.clone()) {
        return Ok(database);
    }
    Ok(crate::store::Database::in_data_dir(data_dir))
}

fn run_admin(args: AdminArgs) -> ExitCode {
    match &args.command {
        AdminCommand::HashKey => {
            return match secret_input("HELPCENTER_ADMIN_KEY", "the admin key") {
                Ok(key) => {
                    println!("{}", crate::auth::sha256_hex(&key));
                    ExitCode::SUCCESS
                }
                Err(message) => fail(&message),
            };
        }
        AdminCommand::Backup { to } => return run_backup(&args, to),
        AdminCommand::Restore { from, force } => return run_restore(&args, from, *force),
        _ => {}
    }
    let AdminTarget {
        sites,
        site_key,
        data_dir,
        database,
        evidence,
    } = match admin_sites(&args) {
        Ok(found) => found,
        Err(message) => return fail(&message),
    };
    if let Err(e) = std::fs::create_dir_all(&data_dir) {
        return fail(&format!("cannot create {}: {e}", data_dir.display()));
    }
    let command = match args.command {
        // Answered above: they need no site.
        AdminCommand::HashKey | AdminCommand::Backup { .. } | AdminCommand::Restore { .. } => {
            return ExitCode::SUCCESS;
        }
        AdminCommand::SignIdentity(sign) => return sign_identity(&sites, &site_key, &sign),
        AdminCommand::Tickets(command) => AdminWork::Tickets(command),
        AdminCommand::Outbox(command) => AdminWork::Outbox(command),
        AdminCommand::Keys(command) => AdminWork::Keys(command),
        AdminCommand::Webhooks(command) => AdminWork::Webhooks(command),
        AdminCommand::Shopper(command) => AdminWork::Shopper(command),
        AdminCommand::Agents(command) => {
            return run_agents(sites, &data_dir, &database, &site_key, command);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };
    runtime.block_on(async {
        let state = match AppState::open(Sites::new(sites), &data_dir, &database, &evidence).await {
            Ok(state) => state,
            Err(e) => return fail(&format!("{e:#}")),
        };
        let Some(site) = state.sites.get(&site_key) else {
            return fail(&format!("there is no site {site_key:?}"));
        };
        let command = match command {
            AdminWork::Tickets(command) => command,
            AdminWork::Outbox(command) => {
                return match run_outbox(&state, site, command).await {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(message) => fail(&message),
                };
            }
            AdminWork::Keys(command) => {
                return match run_keys(&state, site, command).await {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => fail(&e.to_string()),
                };
            }
            AdminWork::Webhooks(command) => {
                return match run_webhooks(&state, site, command).await {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(message) => fail(&message),
                };
            }
            AdminWork::Shopper(command) => {
                return match run_shopper(&state, site, command).await {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(message) => fail(&message),
                };
            }
        };
        let printed = match command {
            TicketCommand::List {
                status,
                order_number,
                limit,
            } => {
                let status = match status
                    .as_deref()
                    .map(|s| helpcenter_core::TicketStatus::parse(s).ok_or(s))
                {
                    Some(Err(s)) => return fail(&format!("unknown status {s:?}")),
                    Some(Ok(s)) => Some(s),
                    None => None,
                };
                let query = admin::ListQuery {
                    status,
                    order_number,
                    customer_id: None,
                    limit: Some(limit),
                };
                admin::list_tickets(&state, site, query)
                    .await
                    .map(|tickets| {
                        for t in &tickets {
                            println!(
                                "{}  {:<10}  {:<20}  {:<22}  {}",
                                t.id, t.status, t.category, t.outcome, t.updated_at
                            );
                        }
                        println!("{} ticket(s)", tickets.len());
                    })
            }
            TicketCommand::Show { id } => {
                admin::show_ticket(&state, site, &id).await.map(print_json)
            }
            TicketCommand::Transition {
                id,
                to,
                resolution,
                message,
            } => {
                let change =
                    serde_json::json!({ "to": to, "resolution": resolution, "message": message });
                match serde_json::from_value::<helpcenter_api::Transition>(change) {
                    Err(e) => return fail(&format!("{e}")),
                    Ok(change) => admin::transition_ticket(&state, site, &id, change)
                        .await
                        .map(print_json),
                }
            }
            TicketCommand::Message { id, body, internal } => {
                let message = helpcenter_api::AgentMessage { body, internal };
                admin::add_message(&state, site, &id, message)
                    .await
                    .map(print_json)
            }
        };
        match printed {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&format!("{} ({})", e, e.code())),
        }
    })
}

/// `admin shopper export|erase`.
async fn run_shopper(state: &AppState, site: &Site, command: ShopperCommand) -> Result<(), String> {
    use std::io::{BufRead, IsTerminal, Write};
    match command {
        ShopperCommand::Export { email } => {
            let export = crate::retention::export_shopper(state, site, &email)
                .await
                .map_err(|e| e.to_string())?;
            print_json(export);
            Ok(())
        }
        ShopperCommand::Erase { email, yes } => {
            let tickets = state
                .store
                .tickets_of_shopper(&site.key, &email)
                .await
                .map_err(|e| e.to_string())?;
            if tickets.is_empty() {
                println!("nothing kept about {} on site {:?}", email.trim(), site.key);
                return Ok(());
            }
            if !yes {
                if !std::io::stdin().is_terminal() {
                    return Err(format!(
                        "this erases {} ticket(s) of {}: pass --yes to erase without a terminal to ask on",
                        tickets.len(),
                        email.trim()
                    ));
                }
                print!(
                    "Erase the personal data and evidence of {} on site {:?} ({})? The ticket numbers stay. Type \"erase\" to go on: ",
                    email.trim(),
                    site.key,
                    tickets.join(", ")
                );
                let _ = std::io::stdout().flush();
                let mut answer = String::new();
                let _ = std::io::stdin().lock().read_line(&mut answer);
                if answer.trim() != "erase" {
                    return Err("nothing was erased".into());
                }
            }
            let now = jiff::Timestamp::now();
            for id in &tickets {
                crate::retention::erase_ticket(state, id, now)
                    .await
                    .map_err(|e| format!("{id}: {e}"))?;
            }
            println!(
                "erased the personal data and evidence of {} ticket(s): {}",
                tickets.len(),
                tickets.join(", ")
            );
            Ok(())
        }
    }
}

/// What an `admin` command works on, once the data directory is open.
enum AdminWork {
    Tickets(TicketCommand),
    Outbox(OutboxCommand),
    Keys(KeysCommand),
    Webhooks(WebhooksCommand),
    Shopper(ShopperCommand),
}

/// What `admin webhooks` prints: a new secret alone on standard output, what it means on
/// standard error.
async fn run_webhooks(
    state: &AppState,
    site: &Site,
    command: WebhooksCommand,
) -> Result<(), String> {
    use crate::webhooks::admin;
    let failed = |e: crate::AppError| format!("{} ({})", e, e.code());
    match command {
        WebhooksCommand::List => {
            let endpoints = admin::endpoints(state, site).await.map_err(failed)?;
            for e in &endpoints {
                let events: Vec<&str> = e.events.iter().map(|t| t.as_str()).collect();
                println!("{}  {}\n    events: {}", e.name, e.url, events.join(", "));
                if e.secrets.is_empty() {
                    println!(
                        "    no signing secret yet: deliveries wait for `admin webhooks rotate-secret {}`",
                        e.name
                    );
                }
                for s in &e.secrets {
                    match &s.retires_at {
                        None => println!(
                            "    secret {}  current, since {}",
                            s.fingerprint, s.created_at
                        ),
                        Some(end) => println!("    secret {}  signing until {end}", s.fingerprint),
                    }
                }
            }
            println!("{} endpoint(s)", endpoints.len());
        }
        WebhooksCommand::Deliveries {
            endpoint,
            state: wanted,
            ticket,
            limit,
        } => {
            let wanted = match wanted.as_deref() {
                None => None,
                Some(name) => {
                    Some(helpcenter_api::DeliveryState::parse(name).ok_or_else(|| {
                        format!("unknown delivery state {name:?}: pending, delivered or failed")
                    })?)
                }
            };
            let query = admin::DeliveryQuery {
                endpoint,
                state: wanted,
                ticket,
                limit: Some(limit),
            };
            let deliveries = admin::deliveries(state, site, query)
                .await
                .map_err(failed)?;
            for d in &deliveries {
                println!(
                    "{}  {:<9}  {}  {:<22}  {:<12}  attempts {}  {}{}",
                    d.id,
                    d.state.as_str(),
                    d.ticket_id,
                    d.event_type.as_str(),
                    d.endpoint,
                    d.attempts,
                    d.delivered_at.as_deref().unwrap_or(&d.created_at),
                    d.last_error
                        .as_deref()
                        .map(|e| format!("\n    last error: {e}"))
                        .unwrap_or_default(),
                );
            }
            println!("{} deliveries", deliveries.len());
        }
        WebhooksCommand::Show { id } => {
            let log = admin::log(state, site, &id).await.map_err(failed)?;
            print_json(log);
        }
        WebhooksCommand::Resend { id } => {
            let d = admin::resend(state, site, &id).await.map_err(failed)?;
            println!(
                "{}: pending again, {} of {} to {}",
                d.id,
                d.event_type.as_str(),
                d.ticket_id,
                d.endpoint
            );
        }
        WebhooksCommand::RotateSecret { endpoint, overlap } => {
            let rotated = admin::rotate(state, site, &endpoint, overlap)
                .await
                .map_err(failed)?;
            println!("{}", rotated.secret);
            eprintln!(
                "New signing secret for webhook {:?} of site {:?} above (fingerprint {}), shown \
                 this once: give it to the receiver (a Standard Webhooks library takes it as it is).",
                rotated.endpoint, site.key, rotated.fingerprint
            );
            eprintln!(
                "Deliveries are also signed with the secrets used until now until {}.",
                rotated.previous_until
            );
        }
    }
    Ok(())
}

/// The new key alone on standard output; what it means on standard error.
async fn run_keys(
    state: &AppState,
    site: &Site,
    command: KeysCommand,
) -> Result<(), crate::store::StoreError> {
    match command {
        KeysCommand::Rotate { overlap } => {
            let rotated = crate::admin_keys::rotate(&state.store, site, overlap).await?;
            println!("{}", rotated.key);
            eprintln!(
                "New admin key for site {:?} above, shown this once: keep it where your \
                 automation reads secrets. Its SHA-256 (for admin_key_sha256, if you keep the \
                 config in step): {}",
                site.key, rotated.key_sha256
            );
            eprintln!(
                "The keys used until now keep working until {}, then only the new one does.",
                crate::admin_keys::seconds(rotated.previous_until)
            );
        }
        KeysCommand::List => {
            for key in crate::admin_keys::list(&state.store, site).await? {
                println!("{}  {:<7}  {}", key.fingerprint, key.source, key.state);
            }
        }
    }
    Ok(())
}

async fn run_outbox(state: &AppState, site: &Site, command: OutboxCommand) -> Result<(), String> {
    let failed = |e: crate::AppError| format!("{} ({})", e, e.code());
    match command {
        OutboxCommand::List {
            state: wanted,
            ticket,
            limit,
        } => {
            let wanted = match wanted.as_deref() {
                None => None,
                Some(name) => Some(helpcenter_api::MailState::parse(name).ok_or_else(|| {
                    format!("unknown mail state {name:?}: pending, sent or failed")
                })?),
            };
            let query = crate::mail::outbox::OutboxQuery {
                state: wanted,
                ticket,
                limit: Some(limit),
            };
            let mails = crate::mail::outbox::list(state, site, query)
                .await
                .map_err(failed)?;
            for m in &mails {
                println!(
                    "{}  {:<7}  {}  {:<19}  {:<30}  attempts {}  {}{}",
                    m.id,
                    m.state.as_str(),
                    m.ticket_id,
                    m.kind.as_str(),
                    m.recipient,
                    m.attempts,
                    m.sent_at.as_deref().unwrap_or(&m.created_at),
                    m.last_error
                        .as_deref()
                        .map(|e| format!("\n    last error: {e}"))
                        .unwrap_or_default(),
                );
            }
            println!("{} mail(s)", mails.len());
        }
        OutboxCommand::Retry { id } => {
            let mail = crate::mail::outbox::retry(state, site, &id)
                .await
                .map_err(failed)?;
            println!(
                "{}: pending again, to {} ({})",
                mail.id,
                mail.recipient,
                mail.kind.as_str()
            );
        }
    }
    Ok(())
}

/// The password for `admin agents add | set-password`: from the environment, else the first
/// line of standard input.
fn agent_password() -> Result<String, String> {
    secret_input("HELPCENTER_AGENT_PASSWORD", "the password")
}

/// A secret the CLI needs (a password, an admin key): from the environment variable `var`,
/// else the first line of standard input. Never an argument: other users see a process's
/// arguments, and the shell keeps them in its history.
fn secret_input(var: &str, what: &str) -> Result<String, String> {
    if let Ok(secret) = std::env::var(var) {
        return Ok(secret);
    }
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        eprint!("{what} (shown as you type): ");
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read {what} from standard input: {e}"))?;
    let secret = line.trim_end_matches(['\r', '\n']).to_owned();
    if secret.is_empty() {
        let short = what.trim_start_matches("the ");
        return Err(format!(
            "no {short}: set {var} or write it on standard input"
        ));
    }
    Ok(secret)
}

/// The data directory an admin command works on without opening it as a server: the flag,
/// else the config's `data_dir` (as `serve` reads it), else `data` when `default` allows.
fn admin_data_dir(args: &AdminArgs, default: bool) -> Result<PathBuf, String> {
    if let Some(dir) = &args.data_dir {
        return Ok(dir.clone());
    }
    if let Some(config_path) = &args.config {
        let config = ServerConfig::load(config_path).map_err(|e| e.to_string())?;
        return Ok(config.server.data_dir.unwrap_or_else(|| "data".into()));
    }
    if default {
        return Ok("data".into());
    }
    Err("name the data directory: --config FILE (its data_dir) or --data-dir DIR".into())
}

/// The database an admin command without a site works on (backup, restore): the flag, else
/// the config's, else SQLite in `data_dir`.
fn admin_database(
    args: &AdminArgs,
    data_dir: &std::path::Path,
) -> Result<crate::store::Database, String> {
    let config = match (&args.database_url, &args.config) {
        (None, Some(path)) => Some(ServerConfig::load(path).map_err(|e| e.to_string())?),
        _ => None,
    };
    database_of(args.database_url.as_deref(), config.as_ref(), data_dir)
}

/// Backups copy and restores write the data directory's own evidence directory: refused,
/// saying so, when the server keeps evidence elsewhere.
fn evidence_in_data_dir(
    args: &AdminArgs,
    data_dir: &std::path::Path,
    database: &crate::store::Database,
) -> Result<(), String> {
    if matches!(database, crate::store::Database::Postgres(_)) {
        // Refused with its own message.
        return Ok(());
    }
    let config = match (&args.evidence_store, &args.config) {
        (None, Some(path)) => Some(ServerConfig::load(path).map_err(|e| e.to_string())?),
        _ => None,
    };
    let evidence = evidence_of(args.evidence_store.as_deref(), config.as_ref(), data_dir)?;
    if evidence.is_in_data_dir(data_dir) {
        return Ok(());
    }
    Err(format!(
        "evidence_store is {evidence}, outside the data directory: `admin backup` and `admin \
         restore` copy {} only. Back up the evidence with the store's own tools (a bucket's \
         versioning or replication, a copy of the directory) beside a copy of the database",
        data_dir
            .join(crate::uploads::location::DEFAULT_DIR)
            .display()
    ))
}

fn run_backup(args: &AdminArgs, to: &std::path::Path) -> ExitCode {
    let data_dir = match admin_data_dir(args, true) {
        Ok(dir) => dir,
        Err(message) => return fail(&message),
    };
    let database = match admin_database(args, &data_dir) {
        Ok(database) => database,
        Err(message) => return fail(&message),
    };
    if let Err(message) = evidence_in_data_dir(args, &data_dir, &database) {
        return fail(&message);
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };
    match runtime.block_on(crate::backup::backup(&data_dir, &database, to)) {
        Ok(manifest) => {
            println!(
                "Backed up {} into {}: {} ticket(s), {} event(s), {} evidence file(s), \
                 schema {}, taken at {}",
                data_dir.display(),
                to.display(),
                manifest.tickets,
                manifest.events,
                manifest.evidence_files,
                manifest.schema_version,
                manifest.taken_at
            );
            for left in &manifest.left_out {
                println!("  left out upload {left}");
            }
            println!(
                "{} files listed with their SHA-256 in {}",
                manifest.files.len(),
                to.join(crate::backup::MANIFEST).display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(&format!("backup failed: {e}")),
    }
}

fn run_restore(args: &AdminArgs, from: &std::path::Path, force: bool) -> ExitCode {
    let data_dir = match admin_data_dir(args, false) {
        Ok(dir) => dir,
        Err(message) => return fail(&message),
    };
    let database = match admin_database(args, &data_dir) {
        Ok(database) => database,
        Err(message) => return fail(&message),
    };
    if let Err(message) = evidence_in_data_dir(args, &data_dir, &database) {
        return fail(&message);
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };
    match runtime.block_on(crate::backup::restore(from, &data_dir, &database, force)) {
        Ok(restored) => {
            let m = &restored.manifest;
            println!(
                "Checked {} files against {}; restored {} ticket(s), {} event(s), {} evidence \
                 file(s) taken at {} by {} into {}",
                m.files.len(),
                from.join(crate::backup::MANIFEST).display(),
                m.tickets,
                m.events,
                m.evidence_files,
                m.taken_at,
                m.made_by,
                data_dir.display()
            );
            if let Some(aside) = &restored.moved_aside {
                println!(
                    "What {} held before is kept in {}: delete it once the restored server \
                     checks out",
                    data_dir.display(),
                    aside.display()
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(&format!("restore refused: {e}")),
    }
}

fn run_agents(
    sites: Vec<Site>,
    data_dir: &std::path::Path,
    database: &crate::store::Database,
    site_key: &str,
    command: AgentCommand,
) -> ExitCode {
    if !sites.iter().any(|s| s.key == site_key) {
        return fail(&format!("there is no site {site_key:?}"));
    }
    let password = match &command {
        AgentCommand::Add { .. } | AgentCommand::SetPassword { .. } => match agent_password() {
            Ok(password) => Some(password),
            Err(message) => return fail(&message),
        },
        _ => None,
    };
    if let Err(e) = std::fs::create_dir_all(data_dir) {
        return fail(&format!("cannot create {}: {e}", data_dir.display()));
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };
    runtime.block_on(async {
        let store = match crate::store::Store::open(database).await {
            Ok(store) => store,
            Err(e) => return fail(&e.to_string()),
        };
        let password = password.unwrap_or_default();
        let done = match command {
            AgentCommand::Add { email, name, role } => {
                let Some(role) = helpcenter_api::console::AgentRole::parse(&role) else {
                    return fail(&format!("unknown role {role:?}: agent or owner"));
                };
                crate::agents::add_agent(&store, site_key, &email, &name, role, &password)
                    .await
                    .map(|agent| {
                        println!(
                            "Added {} <{}> ({}) to site {site_key:?}: id {}",
                            agent.name, agent.email, agent.role, agent.id
                        );
                    })
            }
            AgentCommand::List => store
                .agents(site_key)
                .await
                .map_err(Into::into)
                .map(|agents| {
                    for a in &agents {
                        let state = match &a.disabled_at {
                            Some(at) => format!("disabled {at}"),
                            None => "active".into(),
                        };
                        println!(
                            "{}  {:<30}  {:<20}  {:<6}  {state}",
                            a.id, a.email, a.name, a.role
                        );
                    }
                    println!("{} agent(s)", agents.len());
                }),
            AgentCommand::Disable { email } => {
                crate::agents::disable_agent(&store, site_key, &email)
                    .await
                    .map(|newly| {
                        if newly {
                            println!(
                                "Disabled {email} on site {site_key:?}; their sessions have ended"
                            );
                        } else {
                            println!("{email} on site {site_key:?} was disabled already");
                        }
                    })
            }
            AgentCommand::SetPassword { email } => {
                crate::agents::set_password(&store, site_key, &email, &password)
                    .await
                    .map(|()| println!("New password set for {email}; their sessions have ended"))
            }
        };
        match done {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&e.to_string()),
        }
    })
}

/// The sites as `serve` loads them from the same config and data directory (the identity
/// secrets only to sign a token).
/// The sites an admin command works on, and the key of the one it names. Without `--config`
/// only a demo data directory (one `serve` made without a config) is worked on, so a
/// forgotten flag never writes demo secrets into a merchant's real data directory; with one,
/// `--site` may be left out when the config has a single site.
fn admin_sites(args: &AdminArgs) -> Result<AdminTarget, String> {
    // Only signing a token needs a site's identity secret.
    let secrets = match args.command {
        AdminCommand::SignIdentity(_) => IdentitySecret::Required,
        _ => IdentitySecret::NotNeeded,
    };
    let Some(config_path) = args.config.as_deref() else {
        let data_dir = args.data_dir.clone().unwrap_or_else(|| "data".into());
        if !data_dir.join(crate::sites::DEMO_ADMIN_KEY_FILE).is_file() {
            return Err(format!(
                "no --config: name the config file the server runs with (--config FILE or \
                 HELPCENTER_CONFIG). Without one, only the demo's data directory can be worked \
                 on, and {} is not one (`serve` without --config makes it)",
                data_dir.display()
            ));
        }
        let (sites, _) = sites_of(&ServerConfig::default(), None, &data_dir, 8080, secrets)?;
        let site_key = args.site.clone().unwrap_or_else(|| "demo".to_owned());
        let database = database_of(args.database_url.as_deref(), None, &data_dir)?;
        let evidence = evidence_of(args.evidence_store.as_deref(), None, &data_dir)?;
        return Ok(AdminTarget {
            sites,
            site_key,
            data_dir,
            database,
            evidence,
        });
    };
    let config = ServerConfig::load(config_path).map_err(|e| e.to_string())?;
    // The data directory the server runs on: the flag, or the config's as `serve` reads it.
    let data_dir = args
        .data_dir
        .clone()
        .or(config.server.data_dir.clone())
        .unwrap_or_else(|| "data".into());
    let (sites, _) = sites_of(&config, Some(config_path), &data_dir, 8080, secrets)?;
    let site = match (&args.site, sites.as_slice()) {
        (Some(site), _) => site.clone(),
        (None, [only]) => only.key.clone(),
        (None, _) => {
            let keys: Vec<&str> = sites.iter().map(|s| s.key.as_str()).collect();
            return Err(format!(
                "{} has {} sites ({}): name one with --site",
                config_path.display(),
                keys.len(),
                keys.join(", ")
            ));
        }
    };
    let database = database_of(args.database_url.as_deref(), Some(&config), &data_dir)?;
    let evidence = evidence_of(args.evidence_store.as_deref(), Some(&config), &data_dir)?;
    Ok(AdminTarget {
        sites,
        site_key: site,
        data_dir,
        database,
        evidence,
    })
}

/// What an admin command works on.
struct AdminTarget {
    sites: Vec<Site>,
    site_key: String,
    data_dir: PathBuf,
    database: crate::store::Database,
    evidence: crate::uploads::EvidenceLocation,
}

/// Prints nothing but the token, so a script can take it as it is.
fn sign_identity(sites: &[Site], site_key: &str, args: &SignIdentityArgs) -> ExitCode {
    let Some(site) = sites.iter().find(|s| s.key == site_key) else {
        return fail(&format!("there is no site {site_key:?}"));
    };
    let Some(secret) = &site.identity_secret else {
        return fail(&format!(
            "site {site_key:?} signs no identity tokens: name the environment variable holding \
             its secret in its identity_secret_env"
        ));
    };
    // The server refuses a token whose id or email is empty or longer than this.
    let max = helpcenter_core::limits::MAX_IDENTITY_FIELD_BYTES;
    for (option, value) in [
        ("--customer-id", &args.customer_id),
        ("--email", &args.email),
    ] {
        if value.is_empty() || value.len() > max {
            return fail(&format!("{option} must be 1 to {max} bytes long"));
        }
    }
    let customer = crate::auth::Customer {
        id: args.customer_id.clone(),
        email: args.email.clone(),
    };
    let valid_for = i64::from(args.valid_hours) * 3600;
    if valid_for > site.identity_max_lifetime {
        return fail(&format!(
            "--valid-hours {} is longer than site {site_key:?} accepts ({} h: its identity_max_lifetime_hours)",
            args.valid_hours,
            site.identity_max_lifetime / 3600
        ));
    }
    let expires = jiff::Timestamp::now().as_second() + valid_for;
    println!(
        "{}",
        crate::auth::sign_identity(secret, &site.key, &customer, expires)
    );
    ExitCode::SUCCESS
}

fn print_json(value: impl serde::Serialize) {
    match serde_json::to_string_pretty(&value) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("error: {e}"),
    }
}

/// The sites of a config file, or the demo site (and its admin key) when it lists none.
fn sites_of(
    config: &ServerConfig,
    config_path: Option<&std::path::Path>,
    data_dir: &std::path::Path,
    port: u16,
    secrets: IdentitySecret,
) -> Result<(Vec<Site>, Option<String>), String> {
    if config.sites.is_empty() {
        let (site, admin_key) = Site::demo(data_dir, port).map_err(|e| e.to_string())?;
        return Ok((vec![site], Some(admin_key)));
    }
    let dir = config_path
        .and_then(std::path::Path::parent)
        .unwrap_or(std::path::Path::new("."));
    let sites = config
        .sites
        .iter()
        .map(|s| Site::from_config(s, dir, secrets))
        .collect::<Result<_, _>>();
    Ok((sites.map_err(|e| e.to_string())?, None))
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

/// A merchant's policy file, checked; what it should still look at is said on standard
/// error (the policy is used all the same).
fn load(path: &std::path::Path) -> Result<Policy, ExitCode> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| fail(&format!("cannot read {}: {e}", path.display())))?;
    let (policy, warnings) = Policy::read_toml(&text)
        .map_err(|errors| fail(&format!("{}: {errors}", path.display())))?;
    for warning in warnings {
        eprintln!("warning: {}: {warning}", path.display());
    }
    Ok(policy)
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
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

    /// Keys, passwords, tokens and secrets come from the environment or standard input:
    /// other users see a process's arguments, and shells keep them in their history.
    #[test]
    fn no_command_takes_a_secret_as_an_argument() {
        use clap::CommandFactory;
        fn walk(command: &clap::Command, path: &str, found: &mut Vec<String>) {
            for arg in command.get_arguments() {
                let name = arg.get_id().as_str().to_ascii_lowercase();
                if ["password", "secret", "token", "key", "passphrase"]
                    .iter()
                    .any(|word| name.contains(word))
                {
                    found.push(format!("{path} {name}"));
                }
            }
            for sub in command.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), found);
            }
        }
        let mut found = Vec::new();
        walk(&Cli::command(), "helpcenter-server", &mut found);
        assert_eq!(found, Vec::<String>::new(), "secrets taken as arguments");
        // The walk reaches every command (it would find a secret where there is one).
        let mut all = Vec::new();
        fn count(command: &clap::Command, all: &mut Vec<String>) {
            all.push(command.get_name().to_owned());
            for sub in command.get_subcommands() {
                count(sub, all);
            }
        }
        count(&Cli::command(), &mut all);
        for name in ["hash-key", "sign-identity", "rotate", "add", "set-password"] {
            assert!(all.iter().any(|n| n == name), "{name} in {all:?}");
        }
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
