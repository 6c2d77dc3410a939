//! `helpcenter-server`: one binary for the ticket service and its tools.
use clap::Parser;

/// jemalloc rather than glibc's allocator: under load the server's threads (tokio's workers
/// and SQLite's) took turns on glibc's arena locks, a sixth of a ticket read's CPU in `perf`;
/// reads went from 36,000 to 42,000 a second (issue 21). mimalloc was as fast but its
/// per-thread heaps took a burst of claims from 47 to 169 MB at peak; jemalloc's 50 MB. The
/// bench's floor (`examples/baseline.rs`) is built with it too.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    helpcenter_server::cli::Cli::parse().run()
}
