//! The server's configuration file: where it keeps data, and the merchants (sites) it serves.
//! `helpcenter-server.sample.toml` at the crate root documents every setting.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use helpcenter_api::Brand;
use helpcenter_core::Notice;
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    #[serde(default)]
    pub server: ServerSettings,
    #[serde(default)]
    pub sites: Vec<SiteConfig>,
    /// Where mail goes out; without it mail is kept in the outbox.
    pub smtp: Option<crate::mail::SmtpConfig>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub bind: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    /// Where tickets are kept: `sqlite://PATH` (a relative path counts from this file) or
    /// `postgres://USER@HOST/DATABASE`; `helpcenter.db` in `data_dir` without it.
    pub database_url: Option<String>,
    /// `database_url` as read, once the file is loaded.
    #[serde(skip)]
    pub database: Option<crate::store::Database>,
    /// Where evidence (shoppers' photos and videos, and uploads in progress) is kept:
    /// `file://PATH` (a relative path counts from this file) or `s3://BUCKET/PREFIX` with the
    /// standard `AWS_*` environment variables; `uploads/evidence` in `data_dir` without it.
    pub evidence_store: Option<String>,
    /// `evidence_store` as read, once the file is loaded.
    #[serde(skip)]
    pub evidence: Option<crate::uploads::EvidenceLocation>,
    pub widget_dir: Option<PathBuf>,
    /// The built agents' console, served at `/console/`.
    pub console_dir: Option<PathBuf>,
    pub public_dir: Option<PathBuf>,
    /// Limits on the public API; see `RateLimits::default`.
    pub rate_limits: Option<crate::rate_limit::RateLimits>,
    /// Order lookups per order number and per client; see `LookupLimits::default`.
    pub order_lookups: Option<crate::orders::LookupLimits>,
    /// The demo site's order system, when the config names no `[[sites]]` (`cargo xtask dev`
    /// points it at the demo storefront's).
    pub demo_order_lookup: Option<crate::orders::OrderLookupConfig>,
    /// Bounds on slow and idle connections; see `ConnectionLimits::default`.
    pub connections: Option<crate::listen::ConnectionLimits>,
    /// The address shoppers reach this server at (`https://help.example`), for the links in
    /// mails; `http://` + the bind address without it.
    pub public_url: Option<String>,
    /// The reverse proxies in front of this server, whose `X-Forwarded-For` names the client.
    #[serde(default)]
    pub trusted_proxies: crate::client_ip::TrustedProxies,
    /// Bounds on evidence no ticket holds yet; see `StorageLimits::default`.
    pub storage: Option<crate::uploads::quota::StorageLimits>,
    /// The agents' console.
    pub console: Option<ConsoleSettings>,
    /// How webhooks are delivered, for every site (`[server.webhooks]`).
    #[serde(default)]
    pub webhooks: crate::webhooks::config::WebhookSettings,
}

/// `[server.console]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleSettings {
    /// `scheme://host[:port]` agents open the console at, when a proxy stands in front.
    pub public_origin: Option<String>,
    /// See `SignInLimits::default`.
    pub sign_in: Option<crate::rate_limit::SignInLimits>,
}

/// One merchant's storefront.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// The key in the embed tag (`embed.js?site=…`).
    pub key: String,
    pub display_name: String,
    /// Origins (scheme://host[:port]) whose pages may embed the widget and call the API.
    pub allowed_origins: Vec<String>,
    #[serde(default)]
    pub brand: Brand,
    /// The site's own policy (same format as `helpcenter-server policy show --toml`), relative
    /// to this file; the built-in policy without one.
    pub policy_file: Option<PathBuf>,
    pub return_policy_url: Option<String>,
    /// The store's logo in the widget's header, beside `display_name`: a whole `https://`
    /// address (an SVG or a small PNG; shown 28 px high).
    pub logo_url: Option<String>,
    /// Force-majeure notices (§V) added to the policy's own.
    #[serde(default)]
    pub notices: Vec<Notice>,
    /// IANA time zone that claim windows count days in, e.g. "Asia/Shanghai".
    #[serde(default = "utc")]
    pub time_zone: String,
    /// SHA-256 (hex) of the admin API key: `helpcenter-server admin hash-key` prints it.
    pub admin_key_sha256: String,
    /// Name of the environment variable holding the secret the merchant signs identity tokens
    /// with; without one, "my requests" works by ticket id + order number + email only.
    pub identity_secret_env: Option<String>,
    /// The longest an identity token may be valid for, in hours (24 by default): a token
    /// expiring later is refused (`identity.lifetime_too_long`), so a leaked one soon stops
    /// working.
    pub identity_max_lifetime_hours: Option<u32>,
    /// Days after a ticket closes when its personal data and evidence are erased (the
    /// ticket number, category, outcome and dates stay); kept until erased by hand without it.
    pub retention_days: Option<u32>,
    /// Mail to shoppers and the store's alerts; none without it.
    pub mail: Option<crate::mail::SiteMailConfig>,
    /// The store's systems told of ticket events, signed the Standard Webhooks way.
    #[serde(default)]
    pub webhooks: Vec<crate::webhooks::config::SiteWebhookConfig>,
    /// The store's order system, asked to verify an order and its delivery day.
    pub order_lookup: Option<crate::orders::OrderLookupConfig>,
}

fn utc() -> String {
    "UTC".into()
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{0}")]
    Site(String),
}

impl ServerConfig {
    pub fn load(path: &Path) -> Result<ServerConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut config: ServerConfig = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        // Paths in the file count from the file, as `policy_file` does, whatever directory the
        // server is started from. (Paths given as flags count from the working directory.)
        let base = path.parent().unwrap_or(Path::new(""));
        let server = &mut config.server;
        if let Some(url) = &server.database_url {
            server.database =
                Some(crate::store::Database::parse(url, base).map_err(|message| {
                    ConfigError::Parse {
                        path: path.to_owned(),
                        message,
                    }
                })?);
        }
        if let Some(url) = &server.evidence_store {
            server.evidence = Some(crate::uploads::EvidenceLocation::parse(url, base).map_err(
                |message| ConfigError::Parse {
                    path: path.to_owned(),
                    message,
                },
            )?);
        }
        for dir in [
            &mut server.data_dir,
            &mut server.widget_dir,
            &mut server.public_dir,
        ]
        .into_iter()
        .flatten()
        {
            if dir.is_relative() {
                *dir = base.join(&*dir);
            }
        }
        Ok(config)
    }
}
