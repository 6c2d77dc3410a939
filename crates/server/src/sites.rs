//! The merchants this server works for, as the handlers use them: policy checked and loaded,
//! time zone resolved, secrets in place.

use std::path::Path;
use std::sync::Arc;

use helpcenter_api::Brand;
use helpcenter_core::{CivilDate, Policy};
use jiff::tz::TimeZone;

use crate::auth;
use crate::config::{ConfigError, SiteConfig};

/// In a data directory, the demo site's admin key: the mark of a directory `serve` made
/// without a config.
pub const DEMO_ADMIN_KEY_FILE: &str = "demo-admin-key";

/// Whether a command reads the sites' identity secrets (`identity_secret_env`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum IdentitySecret {
    /// `serve` checks identity tokens, `admin sign-identity` signs one: a site's secret must
    /// be in its environment variable.
    Required,
    /// Every other admin command: tickets, agents, keys, the outbox.
    NotNeeded,
}

/// How long an identity token may be valid for unless the site says otherwise: a day.
pub const DEFAULT_IDENTITY_MAX_LIFETIME: i64 = 24 * 3600;

/// A merchant's storefront, known by the key in its embed tag (`data-site="demo"`).
#[derive(Clone, Debug)]
pub struct Site {
    pub key: String,
    pub display_name: String,
    pub allowed_origins: Vec<String>,
    pub brand: Brand,
    pub policy: Policy,
    pub return_policy_url: Option<String>,
    pub logo_url: Option<String>,
    pub time_zone: TimeZone,
    pub admin_key_sha256: String,
    pub identity_secret: Option<String>,
    /// The longest an identity token may be valid for, in seconds.
    pub identity_max_lifetime: i64,
    /// Days after a ticket closes when its personal data and evidence are erased.
    pub retention_days: Option<u32>,
    /// Who the site's mail comes from and which events mail; no mail without it.
    pub mail: Option<crate::mail::SiteMail>,
    /// The store's systems told of ticket events (`[[sites.webhooks]]`).
    pub webhooks: Vec<crate::webhooks::config::Endpoint>,
    /// The store's order system; claims are not checked against orders without it.
    pub order_lookup: Option<crate::orders::OrderSource>,
}

impl Site {
    /// Today in the site's time zone: the day claim windows and notices count from.
    pub fn today(&self) -> CivilDate {
        let date = jiff::Timestamp::now()
            .to_zoned(self.time_zone.clone())
            .date();
        // jiff dates are years -9999..=9999; "now" is always inside CivilDate's range.
        CivilDate::from_ymd(i32::from(date.year()), date.month() as u8, date.day() as u8)
            .expect("the current date is a valid calendar day")
    }

    /// The customer a store-signed identity token names, checked now.
    pub fn identify(&self, token: &str) -> Result<auth::Customer, crate::AppError> {
        let secret = self
            .identity_secret
            .as_deref()
            .ok_or(crate::AppError::IdentityNotConfigured)?;
        Ok(auth::IdentityCheck {
            secret,
            site: &self.key,
            now: jiff::Timestamp::now().as_second(),
            max_lifetime: self.identity_max_lifetime,
        }
        .verify(token)?)
    }

    /// Exact match on scheme, host and port: `https://shop.example` does not allow
    /// `https://shop.example.evil.com`.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allowed_origins.iter().any(|allowed| allowed == origin)
    }

    /// The site `config` describes; its identity secret read from the environment when
    /// `secrets` asks for it (serving, signing a token), left out otherwise: no other admin
    /// command needs it, so none fails for want of it.
    pub fn from_config(
        config: &SiteConfig,
        config_dir: &Path,
        secrets: IdentitySecret,
    ) -> Result<Site, ConfigError> {
        let problem =
            |message: String| ConfigError::Site(format!("site {:?}: {message}", config.key));
        let mut policy = match &config.policy_file {
            None => Policy::builtin(),
            Some(file) => {
                let path = config_dir.join(file);
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| problem(format!("cannot read {}: {e}", path.display())))?;
                let (policy, warnings) = Policy::read_toml(&text)
                    .map_err(|e| problem(format!("{}: {e}", path.display())))?;
                for warning in warnings {
                    tracing::warn!(site = %config.key, "{}: {warning}", path.display());
                }
                policy
            }
        };
        policy
            .force_majeure
            .notices
            .extend(config.notices.iter().cloned());
        policy
            .check()
            .map_err(|e| problem(format!("notices: {e}")))?;
        let time_zone = TimeZone::get(&config.time_zone)
            .map_err(|e| problem(format!("unknown time zone {:?}: {e}", config.time_zone)))?;
        if config.admin_key_sha256.len() != 64 || hex::decode(&config.admin_key_sha256).is_err() {
            return Err(problem(
                "admin_key_sha256 must be 64 hex digits (see `admin hash-key`)".into(),
            ));
        }
        let identity_secret = match &config.identity_secret_env {
            None => None,
            Some(_) if secrets == IdentitySecret::NotNeeded => None,
            Some(var) => Some(
                std::env::var(var)
                    .ok()
                    .filter(|s| s.len() >= 16)
                    .ok_or_else(|| {
                        problem(format!(
                            "${var} must hold an identity secret of at least 16 characters"
                        ))
                    })?,
            ),
        };
        let identity_max_lifetime = match config.identity_max_lifetime_hours {
            None => DEFAULT_IDENTITY_MAX_LIFETIME,
            Some(0) => {
                return Err(problem(
                    "identity_max_lifetime_hours must be at least 1".into(),
                ));
            }
            Some(hours) => i64::from(hours) * 3600,
        };
        let retention_days = match config.retention_days {
            Some(0) => return Err(problem("retention_days must be at least 1".into())),
            days => days,
        };
        config.brand.check().map_err(problem)?;
        let return_policy_url = config
            .return_policy_url
            .as_deref()
            .map(|url| absolute_page(url).map_err(problem))
            .transpose()?;
        let logo_url = config
            .logo_url
            .as_deref()
            .map(|url| {
                absolute_page(url)
                    .map_err(|_| problem(format!("logo_url {url:?} must be a whole address such as \"https://shop.example/logo.svg\"")))
            })
            .transpose()?;
        let allowed_origins = config
            .allowed_origins
            .iter()
            .map(|o| o.trim_end_matches('/').to_owned())
            .collect();
        let mail = config
            .mail
            .as_ref()
            .map(crate::mail::SiteMail::from_config)
            .transpose()
            .map_err(|e| problem(format!("mail: {e}")))?;
        let webhooks = crate::webhooks::config::endpoints(&config.webhooks)
            .map_err(|e| problem(format!("webhooks: {e}")))?;
        let order_lookup = config
            .order_lookup
            .as_ref()
            .map(crate::orders::OrderSource::from_config)
            .transpose()
            .map_err(problem)?;
        Ok(Site {
            mail,
            webhooks,
            order_lookup,
            key: config.key.clone(),
            display_name: config.display_name.clone(),
            allowed_origins,
            brand: config.brand.clone(),
            policy,
            return_policy_url,
            logo_url,
            time_zone,
            admin_key_sha256: config.admin_key_sha256.to_ascii_lowercase(),
            identity_secret,
            identity_max_lifetime,
            retention_days,
        })
    }

    /// The site a server runs without a config file: the built-in policy, the server's own
    /// origin and the demo storefront's next door (port + 1, see `cargo xtask dev`) allowed,
    /// and keys generated once and kept in the data directory.
    pub fn demo(data_dir: &Path, port: u16) -> Result<(Site, String), ConfigError> {
        let admin_key = kept_secret(&data_dir.join(DEMO_ADMIN_KEY_FILE))?;
        let identity_secret = kept_secret(&data_dir.join("demo-identity-secret"))?;
        let storefront = port.saturating_add(1);
        let allowed_origins = ["127.0.0.1", "localhost"]
            .iter()
            .flat_map(|host| {
                [
                    format!("http://{host}:{port}"),
                    format!("http://{host}:{storefront}"),
                ]
            })
            .collect();
        let site = Site {
            key: "demo".into(),
            display_name: "Demo Store".into(),
            allowed_origins,
            brand: Brand::default(),
            policy: Policy::builtin(),
            // The storefront's own page, as a store links its own.
            return_policy_url: Some(format!("http://127.0.0.1:{storefront}/returns.html")),
            logo_url: None,
            time_zone: TimeZone::get("Asia/Shanghai").unwrap_or(TimeZone::UTC),
            admin_key_sha256: auth::sha256_hex(&admin_key),
            identity_secret: Some(identity_secret),
            identity_max_lifetime: DEFAULT_IDENTITY_MAX_LIFETIME,
            retention_days: None,
            mail: Some(crate::mail::SiteMail::demo()),
            webhooks: Vec::new(),
            order_lookup: None,
        };
        Ok((site, admin_key))
    }
}

/// `url` if it is an absolute http(s) address. The widget opens it from its own origin, not
/// the store's: a relative path would lead to the widget's server, which has no such page.
fn absolute_page(url: &str) -> Result<String, String> {
    let parsed: Option<axum::http::Uri> = url.parse().ok();
    let absolute = parsed.is_some_and(|uri| {
        matches!(uri.scheme_str(), Some("https" | "http"))
            && uri.host().is_some_and(|host| !host.is_empty())
    });
    if absolute {
        Ok(url.to_owned())
    } else {
        Err(format!(
            "return_policy_url {url:?} must be a whole address such as \
             \"https://shop.example/returns\": the widget opens it from its own origin, not \
             the store's"
        ))
    }
}

fn kept_secret(path: &Path) -> Result<String, ConfigError> {
    auth::kept_secret(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })
}

/// All sites of this server.
#[derive(Clone, Debug)]
pub struct Sites(Vec<Site>);

impl Sites {
    pub fn new(sites: Vec<Site>) -> Self {
        Self(sites)
    }

    pub fn get(&self, key: &str) -> Option<&Site> {
        self.0.iter().find(|s| s.key == key)
    }

    /// The site an admin key belongs to.
    pub fn by_admin_key(&self, key: &str) -> Option<&Site> {
        self.0
            .iter()
            .find(|s| auth::matches_hash(key, &s.admin_key_sha256))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Site> {
        self.0.iter()
    }

    /// The site of `key`, owned: what an extractor hands a handler.
    pub fn shared(self: &Arc<Self>, key: &str) -> Option<SharedSite> {
        let index = self.0.iter().position(|s| s.key == key)?;
        Some(SharedSite {
            sites: Arc::clone(self),
            index,
        })
    }

    /// The site an admin key belongs to, owned: what an extractor hands a handler.
    pub fn shared_by_admin_key(self: &Arc<Self>, key: &str) -> Option<SharedSite> {
        let index = self
            .0
            .iter()
            .position(|s| auth::matches_hash(key, &s.admin_key_sha256))?;
        Some(SharedSite {
            sites: Arc::clone(self),
            index,
        })
    }
}

/// One site of the server's shared list, held without borrowing the state.
#[derive(Clone)]
pub struct SharedSite {
    sites: Arc<Sites>,
    /// A position in `sites`, which never changes once the server runs.
    index: usize,
}

impl std::ops::Deref for SharedSite {
    type Target = Site;

    fn deref(&self) -> &Site {
        &self.sites.0[self.index]
    }
}
