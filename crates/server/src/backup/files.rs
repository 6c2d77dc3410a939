//! Files as a backup handles them: only plain paths inside the backup, private to the
//! server's user (shoppers' personal data and the server's secrets), synced and hashed.

use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use super::manifest::{BackupError, io};

pub(super) fn safe_relative(path: &str) -> bool {
    let path = Path::new(path);
    !path.as_os_str().is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)))
}

pub(super) fn is_empty_dir(dir: &Path) -> Result<bool, BackupError> {
    Ok(dir.is_dir() && entries(dir)?.is_empty())
}

pub(super) fn entries(dir: &Path) -> Result<Vec<PathBuf>, BackupError> {
    std::fs::read_dir(dir)
        .map_err(io(dir))?
        .map(|e| e.map(|e| e.path()).map_err(io(dir)))
        .collect()
}

/// Every file under `dir`, as '/'-separated paths relative to `root`.
pub(super) fn files_under(root: &Path, dir: &Path) -> Result<Vec<String>, BackupError> {
    let mut found = Vec::new();
    for entry in entries(dir)? {
        if entry.is_dir() {
            found.extend(files_under(root, &entry)?);
        } else {
            let relative = entry.strip_prefix(root).unwrap_or(&entry);
            let parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            found.push(parts.join("/"));
        }
    }
    Ok(found)
}

pub(super) fn make_private_dir(dir: &Path) -> Result<(), BackupError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io(dir))?;
    }
    Ok(())
}

/// Each directory of the '/'-separated `relative` under `base`, private.
pub(super) fn make_private_dirs(base: &Path, relative: &str) -> Result<(), BackupError> {
    let mut dir = base.to_owned();
    for part in relative.split('/') {
        dir.push(part);
        make_private_dir(&dir)?;
    }
    Ok(())
}

/// Shoppers' personal data and the server's secrets: readable by their owner only.
pub(super) fn create_private(path: &Path) -> Result<std::fs::File, BackupError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(io(path))
}

pub(super) fn write_private(path: &Path, bytes: &[u8]) -> Result<(), BackupError> {
    let mut file = create_private(path)?;
    file.write_all(bytes).map_err(io(path))?;
    file.sync_all().map_err(io(path))
}

/// Copies `from` to a new file `to`, synced, returning its length and SHA-256.
pub(super) fn copy_hashed(from: &Path, to: &Path) -> Result<(u64, String), BackupError> {
    let mut source = std::fs::File::open(from).map_err(io(from))?;
    let mut target = create_private(to)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let mut bytes = 0u64;
    loop {
        let n = source.read(&mut buffer).map_err(io(from))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        target.write_all(&buffer[..n]).map_err(io(to))?;
        bytes += n as u64;
    }
    target.sync_all().map_err(io(to))?;
    Ok((bytes, hex::encode(hasher.finalize())))
}

pub(super) fn hash_file(path: &Path) -> Result<(u64, String), BackupError> {
    let mut file = std::fs::File::open(path).map_err(io(path))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buffer).map_err(io(path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        bytes += n as u64;
    }
    Ok((bytes, hex::encode(hasher.finalize())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_inside_a_backup() {
        for ok in ["helpcenter.db", "uploads/evidence/abc", "server-secret"] {
            assert!(safe_relative(ok), "{ok}");
        }
        for bad in ["", "/etc/passwd", "../outside", "uploads/../../x", "./x"] {
            assert!(!safe_relative(bad), "{bad}");
        }
    }
}
