//! What a command works on: the config, the data directory, the database, the evidence
//! store and the sites, from the flags (or their environment variables), else the config,
//! else the defaults `serve` uses.

use std::path::{Path, PathBuf};

use crate::config::ServerConfig;
use crate::sites::{IdentitySecret, Site};
use crate::store::Database;
use crate::uploads::EvidenceLocation;

// The options of every `admin` command. Global, so they may also follow the subcommand
// (`admin sign-identity --config … --site …`).
#[derive(clap::Args, Debug)]
pub(super) struct TargetArgs {
    /// The config `serve` runs with; without it, the demo site of the data directory.
    #[arg(long, env = "HELPCENTER_CONFIG", global = true)]
    pub(super) config: Option<PathBuf>,
    /// The server's data directory; without it, the config's `data_dir`, or `data`.
    #[arg(long, env = "HELPCENTER_DATA_DIR", global = true)]
    pub(super) data_dir: Option<PathBuf>,
    /// The server's database; without it, the config's `database_url`, or SQLite in the data
    /// directory.
    #[arg(long, env = "HELPCENTER_DATABASE_URL", global = true)]
    pub(super) database_url: Option<String>,
    /// Where the server keeps evidence (`file://PATH` or `s3://BUCKET/PREFIX`); without it,
    /// the config's `evidence_store`, or `uploads/evidence` in the data directory.
    #[arg(long, env = "HELPCENTER_EVIDENCE_STORE", global = true)]
    pub(super) evidence_store: Option<String>,
    /// The site whose tickets to work on, or to sign for; may be left out when the config has
    /// one site.
    #[arg(long, global = true)]
    pub(super) site: Option<String>,
}

/// What an admin command works on.
pub(super) struct AdminTarget {
    pub(super) sites: Vec<Site>,
    pub(super) site_key: String,
    pub(super) data_dir: PathBuf,
    pub(super) database: Database,
    pub(super) evidence: EvidenceLocation,
}

impl TargetArgs {
    /// The sites an admin command works on (as `serve` loads them from the same config and
    /// data directory; the identity secrets only when `secrets` asks for them), and the key
    /// of the one it names. Without `--config` only a demo data directory (one `serve` made
    /// without a config) is worked on, so a forgotten flag never writes demo secrets into a
    /// merchant's real data directory; with one, `--site` may be left out when the config has
    /// a single site.
    pub(super) fn resolve(&self, secrets: IdentitySecret) -> Result<AdminTarget, String> {
        let Some(config_path) = self.config.as_deref() else {
            let data_dir = self.data_dir.clone().unwrap_or_else(|| "data".into());
            if !data_dir.join(crate::sites::DEMO_ADMIN_KEY_FILE).is_file() {
                return Err(format!(
                    "no --config: name the config file the server runs with (--config FILE or \
                     HELPCENTER_CONFIG). Without one, only the demo's data directory can be \
                     worked on, and {} is not one (`serve` without --config makes it)",
                    data_dir.display()
                ));
            }
            let (sites, _) = sites_of(&ServerConfig::default(), None, &data_dir, 8080, secrets)?;
            let site_key = self.site.clone().unwrap_or_else(|| "demo".to_owned());
            let database = database_of(self.database_url.as_deref(), None, &data_dir)?;
            let evidence = evidence_of(self.evidence_store.as_deref(), None, &data_dir)?;
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
        let data_dir = self
            .data_dir
            .clone()
            .or(config.server.data_dir.clone())
            .unwrap_or_else(|| "data".into());
        let (sites, _) = sites_of(&config, Some(config_path), &data_dir, 8080, secrets)?;
        let site = match (&self.site, sites.as_slice()) {
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
        let database = database_of(self.database_url.as_deref(), Some(&config), &data_dir)?;
        let evidence = evidence_of(self.evidence_store.as_deref(), Some(&config), &data_dir)?;
        Ok(AdminTarget {
            sites,
            site_key: site,
            data_dir,
            database,
            evidence,
        })
    }
}

/// Where a command finds evidence: the flag (or `HELPCENTER_EVIDENCE_STORE`; a relative
/// path counts from the working directory), else the config's `evidence_store`, else
/// `uploads/evidence` in the data directory.
pub(super) fn evidence_of(
    flag: Option<&str>,
    config: Option<&ServerConfig>,
    data_dir: &Path,
) -> Result<EvidenceLocation, String> {
    if let Some(url) = flag {
        return EvidenceLocation::parse(url, Path::new(""));
    }
    if let Some(evidence) = config.and_then(|c| c.server.evidence.clone()) {
        return Ok(evidence);
    }
    Ok(EvidenceLocation::in_data_dir(data_dir))
}

/// The database a command works on: the flag (or `HELPCENTER_DATABASE_URL`; a relative
/// SQLite path counts from the working directory), else the config's `database_url`, else
/// `helpcenter.db` in the data directory.
pub(super) fn database_of(
    flag: Option<&str>,
    config: Option<&ServerConfig>,
    data_dir: &Path,
) -> Result<Database, String> {
    if let Some(url) = flag {
        return Database::parse(url, Path::new(""));
    }
    if let Some(database) = config.and_then(|c| c.server.database.clone()) {
        return Ok(database);
    }
    Ok(Database::in_data_dir(data_dir))
}

/// The sites of a config file, or the demo site (and its admin key) when it lists none.
pub(super) fn sites_of(
    config: &ServerConfig,
    config_path: Option<&Path>,
    data_dir: &Path,
    port: u16,
    secrets: IdentitySecret,
) -> Result<(Vec<Site>, Option<String>), String> {
    if config.sites.is_empty() {
        let (mut site, admin_key) = Site::demo(data_dir, port).map_err(|e| e.to_string())?;
        if let Some(lookup) = &config.server.demo_order_lookup {
            site.order_lookup = Some(
                crate::orders::OrderSource::from_config(lookup)
                    .map_err(|e| format!("[server.demo_order_lookup]: {e}"))?,
            );
        }
        return Ok((vec![site], Some(admin_key)));
    }
    let dir = config_path.and_then(Path::parent).unwrap_or(Path::new("."));
    let sites = config
        .sites
        .iter()
        .map(|s| Site::from_config(s, dir, secrets))
        .collect::<Result<_, _>>();
    Ok((sites.map_err(|e| e.to_string())?, None))
}
