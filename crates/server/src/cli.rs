//! The command line: `serve`, and `policy show | check` for merchants writing their own policy.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use helpcenter_core::Policy;
use tracing_subscriber::EnvFilter;

use crate::app::{AppState, ServeOptions, router, serve};
use crate::sites::{Site, Sites};

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
    Serve {
        #[arg(long, env = "HELPCENTER_BIND", default_value = "127.0.0.1:8080")]
        bind: SocketAddr,
        /// The built widget (Trunk's output).
        #[arg(long, env = "HELPCENTER_WIDGET_DIR", default_value = "dist")]
        widget_dir: PathBuf,
    },
    /// Inspect a Help Center policy.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
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
            Command::Serve { bind, widget_dir } => run_serve(bind, widget_dir),
            Command::Policy { command } => run_policy(command),
        }
    }
}

fn run_serve(bind: SocketAddr, widget_dir: PathBuf) -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info")),
        )
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };
    runtime.block_on(async {
        let listener = match tokio::net::TcpListener::bind(bind).await {
            Ok(listener) => listener,
            Err(e) => return fail(&format!("cannot listen on {bind}: {e}")),
        };
        let addr = listener.local_addr().unwrap_or(bind);
        if !widget_dir.join("index.html").is_file() {
            tracing::warn!(dir = %widget_dir.display(), "no built widget here; run `cargo xtask dev`");
        }
        let state = AppState {
            sites: Arc::new(Sites::new(vec![Site::demo()])),
        };
        let app = router(state, &ServeOptions { widget_dir });
        println!("Help Center server listening on http://{addr}/");
        println!("Widget (demo site): http://{addr}/widget/?site=demo");
        match serve(listener, app).await {
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

fn load(path: &std::path::Path) -> Result<Policy, ExitCode> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| fail(&format!("cannot read {}: {e}", path.display())))?;
    Policy::from_toml(&text).map_err(|errors| fail(&format!("{}: {errors}", path.display())))
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}
