//! The agents' console's release build (`crates/console`): Trunk with its own Trunk.toml
//! (`public_url = "/console/"`) and the `lazy` feature, then the split shared with the widget
//! ([`split`]): sign-in and the inbox load first; the ticket with its evidence viewer, the
//! settings and the insights come in chunks fetched once the first screen shows.

use std::path::PathBuf;

use anyhow::Result;

use crate::cmd::Ctx;
use crate::split;

/// Where the build lands; `helpcenter-server serve` looks there by default.
pub fn dist(ctx: &Ctx) -> PathBuf {
    split::CONSOLE.dist(ctx)
}

pub fn build(ctx: &Ctx) -> Result<()> {
    split::build(ctx, &split::CONSOLE)
}
