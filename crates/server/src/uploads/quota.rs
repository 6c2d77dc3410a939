//! What uploads no ticket holds yet may take, so that nobody can fill the disk the database
//! writes to: a few requests of 20 MiB each, inside the rate limit, once could.
//!
//! A new upload is admitted only if its client has fewer than a handful open, its site's
//! unfiled bytes stay under the site's share, and the data directory keeps a reserve of free
//! space; a finished upload that no ticket takes expires like an unfinished one. The checks run
//! when the upload is created, from its declared length, so a refusal costs the shopper no
//! bytes; two creations racing may both pass, which the reserve absorbs.

use std::path::Path;

use jiff::SignedDuration;
use serde::Deserialize;

use super::error::UploadError;
use crate::store::Store;

/// `[server.storage]`: bounds on evidence that no ticket holds yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageLimits {
    /// Hours a finished upload waits for its ticket before it is deleted. A draft that waits
    /// longer uploads its files again from the shopper's device.
    pub unfiled_upload_hours: u32,
    /// Uploads one client (an IPv4 address, an IPv6 /64) may hold that no ticket holds yet.
    /// A claim or a reply has at most 10 files, but many phones share one IPv4 address behind
    /// a carrier's NAT, and abandoned drafts count until they expire: enough for those, too
    /// few for one script to take the site's whole share.
    pub open_uploads_per_client: u32,
    /// Bytes of uploads no ticket holds yet, per site, in MiB.
    pub unfiled_mib_per_site: u64,
    /// Free space kept on the data directory's disk, in MiB: uploads that would eat into it
    /// are refused, so the database always has room to write.
    pub free_disk_reserve_mib: u64,
    /// Seconds a request's hold on an upload lasts unless renewed (it is renewed every third
    /// of it while the request works): how long an upload waits after the server sending it
    /// was killed mid-PATCH before another instance, or this one restarted, takes it on.
    /// At least 1.
    pub upload_lease_seconds: u32,
}

impl Default for StorageLimits {
    fn default() -> Self {
        Self {
            unfiled_upload_hours: 72,
            open_uploads_per_client: 100,
            unfiled_mib_per_site: 4096,
            free_disk_reserve_mib: 512,
            upload_lease_seconds: 30,
        }
    }
}

const MIB: u64 = 1024 * 1024;

impl StorageLimits {
    /// How long a finished upload waits for its ticket.
    pub fn unfiled_lifetime(&self) -> SignedDuration {
        SignedDuration::from_hours(i64::from(self.unfiled_upload_hours))
    }

    /// How long a request's hold on an upload lasts unless renewed.
    pub fn upload_lease(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.upload_lease_seconds.max(1)))
    }

    /// A setting no server can run with, said plainly.
    pub fn check(&self) -> Result<(), String> {
        if self.upload_lease_seconds == 0 {
            return Err(
                "[server.storage] upload_lease_seconds = 0: a request's hold on an upload \
                 must last at least 1 second (30 by default)"
                    .to_owned(),
            );
        }
        Ok(())
    }
}

/// Whether a new upload of `length` bytes for `site`, from `client`, may be created, with
/// the database and evidence in `data_dir`.
pub async fn admit(
    limits: &StorageLimits,
    store: &Store,
    data_dir: &Path,
    site: &str,
    client: Option<&str>,
    length: u64,
) -> Result<(), UploadError> {
    if let Some(client) = client {
        let open = store.open_uploads_of_client(client).await?;
        if open >= u64::from(limits.open_uploads_per_client) {
            return Err(UploadError::TooManyOpen {
                limit: limits.open_uploads_per_client,
            });
        }
    }
    let unfiled = store.unfiled_bytes_of_site(site).await?;
    if unfiled.saturating_add(length) > limits.unfiled_mib_per_site.saturating_mul(MIB) {
        return Err(UploadError::QuotaExceeded);
    }
    let free = free_bytes(data_dir)?;
    if free.saturating_sub(length) < limits.free_disk_reserve_mib.saturating_mul(MIB) {
        tracing::warn!(
            free_mib = free / MIB,
            reserve_mib = limits.free_disk_reserve_mib,
            "refusing an upload: the data directory's disk is nearly full"
        );
        return Err(UploadError::DiskFull);
    }
    Ok(())
}

/// Bytes an unprivileged writer may still write on the file system holding `path`.
pub fn free_bytes(path: &Path) -> std::io::Result<u64> {
    let stats = rustix::fs::statvfs(path)?;
    Ok(stats.f_bavail.saturating_mul(stats.f_frsize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_space_is_read_from_the_file_system() {
        let dir = tempfile::tempdir().expect("temp dir");
        let free = free_bytes(dir.path()).expect("statvfs");
        assert!(free > 0);
        assert!(free_bytes(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn settings_left_out_keep_their_defaults() {
        let limits: StorageLimits = toml::from_str("open_uploads_per_client = 5").expect("toml");
        assert_eq!(limits.open_uploads_per_client, 5);
        assert_eq!(limits.unfiled_upload_hours, 72);
        assert_eq!(limits.unfiled_lifetime(), SignedDuration::from_hours(72));
        let error = toml::from_str::<StorageLimits>("quota = 5").expect_err("unknown");
        assert!(
            error.to_string().contains("unknown field `quota`"),
            "{error}"
        );
    }
}
