//! `cargo xtask bench`: what the widget costs a store and its shoppers, each figure beside a
//! baseline measured in the same run on the same machine (these machines are noisy, so the
//! ratio is the figure to read). Prints a table and writes it to `target/bench/` as
//! `bench.json` and `bench.md`. Timings are reported, never asserted; the sizes' budgets are
//! asserted by `cargo xtask test` ([`crate::budgets`]).

mod browser;
mod bytes;
mod http;
mod report;
mod server;
mod wrk;

use anyhow::{Result, bail};

use crate::cmd::Ctx;
use crate::{dev, tools};
use report::Report;
pub(crate) use server::{file_ticket, upload_one};

type Section = (&'static str, fn(&Ctx, &mut Report) -> Result<()>);

const SECTIONS: [Section; 6] = [
    ("bytes", bytes::measure),
    ("browser", browser::measure),
    ("server", server::measure),
    ("inbox", server::measure_inbox),
    // `server`'s rows on PostgreSQL and the bucket, alone.
    ("scale", server::measure_scale),
    // `server`'s rows of reading and creating a ticket (with plain sqlx's), alone.
    ("tickets", server::measure_tickets),
];

/// Every section, or only those named in `only`.
pub fn run(ctx: &Ctx, only: &[String]) -> Result<()> {
    if let Some(unknown) = only
        .iter()
        .find(|o| !SECTIONS.iter().any(|(name, _)| name == o))
    {
        bail!(
            "no bench section `{unknown}`: the sections are {}",
            SECTIONS.map(|(name, _)| name).join(", ")
        );
    }
    // `scale` and `tickets` are parts of `server`: by default they run there.
    let wanted = |name: &str| {
        (only.is_empty() && !["scale", "tickets"].contains(&name)) || only.iter().any(|o| o == name)
    };
    if wanted("bytes") || wanted("browser") {
        tools::ensure_build(ctx)?;
        tools::ensure_browser(ctx)?;
        dev::build_widget(ctx)?;
    }
    let mut report = Report::new();
    for (name, measure) in SECTIONS {
        if wanted(name) {
            println!("\n==> xtask bench: {name}");
            measure(ctx, &mut report)?;
        }
    }
    report.write(&ctx.root.join("target").join("bench"))
}
