//! `helpcenter-server`: one binary for the ticket service and its tools.
use clap::Parser;

fn main() -> std::process::ExitCode {
    helpcenter_server::cli::Cli::parse().run()
}
