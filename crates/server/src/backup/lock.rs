//! The lock `serve` holds on its data directory for its whole run, so that a restore (or a
//! second server) cannot take the directory from under it.

use std::path::Path;

use super::manifest::{BackupError, io};

/// Held by `serve` for as long as it runs; a restore refuses a directory a server holds.
pub const SERVE_LOCK: &str = "serve.lock";

/// Whether a running `serve` holds `data_dir`'s lock.
pub(super) fn server_holds(data_dir: &Path) -> Result<bool, BackupError> {
    let path = data_dir.join(SERVE_LOCK);
    if !path.exists() {
        return Ok(false);
    }
    let file = std::fs::File::open(&path).map_err(io(&path))?;
    match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(false),
        Err(rustix::io::Errno::WOULDBLOCK) => Ok(true),
        Err(e) => Err(io(&path)(e.into())),
    }
}

/// Held by `serve` for its whole run, so a restore (or a second server) cannot take the same
/// data directory from under it. Released by the system when the process ends, however.
pub fn lock_for_serving(data_dir: &Path) -> Result<std::fs::File, String> {
    let path = data_dir.join(SERVE_LOCK);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(file),
        Err(rustix::io::Errno::WOULDBLOCK) => Err(format!(
            "another helpcenter-server is serving {}: one server per data directory",
            data_dir.display()
        )),
        Err(e) => Err(format!("cannot lock {}: {e}", path.display())),
    }
}
