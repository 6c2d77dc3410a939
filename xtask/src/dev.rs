//! `cargo xtask dev`: build the widget (Trunk, then the split) and the agents' console, then
//! serve both with helpcenter-server, and the demo storefront that embeds the widget next door.

use anyhow::Result;

use crate::cmd::Ctx;
use crate::mail_catcher::MailCatcher;
use crate::{budgets, console, embed, split, tools};

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

pub fn run(ctx: &Ctx, bind: &str) -> Result<()> {
    tools::ensure_build(ctx)?;
    build_widget(ctx)?;
    build_console(ctx)?;
    // Build before printing the URL so it shows up next to the server's own output, not above
    // a screen of compiler lines.
    ctx.cmd("cargo")
        .args(["build", "-p", "helpcenter-server"])
        .run()?;
    let addr: std::net::SocketAddr = bind
        .parse()
        .map_err(|e| anyhow::anyhow!("--bind {bind}: {e}"))?;
    let storefront = std::net::SocketAddr::new(addr.ip(), addr.port() + 1);
    // The demo store's order system answers on the storefront's origin, signed with a secret
    // made for this run.
    let orders_secret = crate::demo_orders::new_secret();
    let _storefront = crate::storefront::serve_with_orders(
        vec![ctx.root.join("public").join("demo")],
        storefront,
        format!("http://{bind}"),
        Some(orders_secret.clone()),
    )?;
    let mail = catch_mail(ctx, addr, storefront)?;
    println!("Widget: http://{bind}/widget/?site=demo");
    println!("Demo storefront (embeds it as a store does): http://{storefront}/");
    println!(
        "Agents' console: http://{bind}/console/ (the server prints the demo agent's sign-in below; \
         the password is kept in data/demo-agent-password)"
    );
    println!(
        "Mail: every mail the server sends is caught by aiosmtpd on {} into {}/new (one file a mail; `mutt -f {}` reads them; any address at refused.invalid is refused)",
        mail.catcher.addr,
        mail.catcher.maildir.display(),
        mail.catcher.maildir.display()
    );
    ctx.cmd("cargo")
        .args([
            "run",
            "-p",
            "helpcenter-server",
            "--",
            "serve",
            "--bind",
            bind,
        ])
        .args(["--widget-dir", "dist"])
        .arg("--config")
        .arg(&mail.config)
        .arg("--console-dir")
        .arg(console::dist(ctx))
        .env(DEMO_ORDERS_SECRET_ENV, orders_secret)
        .run()
}

/// The variable the dev server finds the demo store's order secret in.
const DEMO_ORDERS_SECRET_ENV: &str = "HELPCENTER_DEMO_ORDERS_SECRET";

/// Starts aiosmtpd on the port after the storefront's (8082 next to 8080) and writes the
/// config that sends the dev server's mail there, and has the demo site look its orders up
/// at the storefront.
fn catch_mail(
    ctx: &Ctx,
    server: std::net::SocketAddr,
    storefront: std::net::SocketAddr,
) -> Result<DevMail> {
    let addr = std::net::SocketAddr::new(server.ip(), server.port() + 2);
    let catcher = MailCatcher::start(ctx, addr, &ctx.root.join("data").join("caught-mail"))?;
    let config = ctx.root.join("target").join("dev-helpcenter.toml");
    let text = format!(
        "# Written by `cargo xtask dev`: the demo site, its mail caught by aiosmtpd.\n\
         [server]\npublic_url = \"http://{server}\"\n\n\
         # The demo storefront answers order lookups on this machine: loopback, for development.\n\
         [server.demo_order_lookup]\nurl = \"http://{storefront}/orders/lookup\"\n\
         secret_env = \"{DEMO_ORDERS_SECRET_ENV}\"\nmode = \"optional\"\nallow_private_targets = true\n\n{}",
        catcher.smtp_table()
    );
    std::fs::write(&config, text)?;
    Ok(DevMail { catcher, config })
}

/// The dev server's SMTP and the config that points it there.
struct DevMail {
    catcher: MailCatcher,
    config: std::path::PathBuf,
}

/// Release-builds the widget into `dist/`, split into a first load and the chunk ([`split`]),
/// and minifies embed.js beside it ([`embed`]); then prints what it costs ([`budgets`]).
/// Trunk.toml makes Trunk offline (it passes `--offline` to cargo), so dependencies are
/// fetched first.
pub fn build_widget(ctx: &Ctx) -> Result<()> {
    split::build(ctx, &split::WIDGET)?;
    embed::build(ctx)?;
    budgets::print(&budgets::BuildSizes::of(&ctx.root.join("dist"))?);
    Ok(())
}

/// Release-builds the agents' console into `crates/console/dist/` ([`console`]) and prints
/// what its first load costs.
pub fn build_console(ctx: &Ctx) -> Result<()> {
    console::build(ctx)?;
    budgets::print_console(&budgets::ConsoleSizes::of(&console::dist(ctx))?);
    Ok(())
}
