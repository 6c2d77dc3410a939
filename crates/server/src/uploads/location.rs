//! Where evidence is kept: `evidence_store` in `[server]`, `--evidence-store`,
//! `HELPCENTER_EVIDENCE_STORE`. A directory on this machine (`file://PATH`, the default:
//! `uploads/evidence` in the data directory) or an S3-compatible bucket (`s3://BUCKET/PREFIX`,
//! reached with the standard `AWS_*` environment variables), which every server instance of a
//! deployment shares.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use object_store::ObjectStore;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::prefix::PrefixStore;

/// The directory under the data directory that holds evidence by default.
pub const DEFAULT_DIR: &str = "uploads/evidence";

/// Where evidence is kept, as `evidence_store` names it.
#[derive(Clone, PartialEq, Eq)]
pub enum EvidenceLocation {
    /// A directory on this machine (made if missing).
    Local(PathBuf),
    /// A bucket of an S3-compatible object store, and the key prefix under it ("" for none).
    S3 { bucket: String, prefix: String },
}

/// An opened [`EvidenceLocation`].
pub(crate) struct Opened {
    pub objects: Arc<dyn ObjectStore>,
    /// The directory a local store keeps its objects in.
    pub local_root: Option<PathBuf>,
}

/// What the AWS_* variables for an S3 store may be: the same names the AWS CLI and SDKs read.
const S3_ENV_HELP: &str = "AWS_ENDPOINT_URL (for a store other than Amazon's), AWS_REGION, \
     AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";

impl EvidenceLocation {
    /// The default: `uploads/evidence` in the data directory.
    pub fn in_data_dir(data_dir: &Path) -> EvidenceLocation {
        EvidenceLocation::Local(data_dir.join(DEFAULT_DIR))
    }

    /// `file://PATH` or `file:PATH` (a relative path counts from `base`), or
    /// `s3://BUCKET[/PREFIX]`.
    pub fn parse(url: &str, base: &Path) -> Result<EvidenceLocation, String> {
        let url = url.trim();
        if let Some(path) = url
            .strip_prefix("file://")
            .or_else(|| url.strip_prefix("file:"))
        {
            if path.is_empty() || path.contains(['?', '#']) {
                return Err(format!(
                    "evidence_store {url:?}: name the directory, e.g. \
                     file:///var/lib/helpcenter-server/uploads/evidence"
                ));
            }
            let path = Path::new(path);
            return Ok(EvidenceLocation::Local(if path.is_relative() {
                base.join(path)
            } else {
                path.to_owned()
            }));
        }
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if let Err(why) = check_bucket_name(bucket) {
                return Err(format!(
                    "evidence_store {url:?}: {why} (s3://BUCKET or s3://BUCKET/PREFIX)"
                ));
            }
            let prefix = prefix.trim_matches('/');
            if prefix.contains(['?', '#', '\\']) {
                return Err(format!(
                    "evidence_store {url:?}: the prefix after the bucket is a plain key prefix, \
                     without ?, # or \\"
                ));
            }
            if !prefix.is_empty() && object_store::path::Path::parse(prefix).is_err() {
                return Err(format!(
                    "evidence_store {url:?}: the prefix {prefix:?} is not a plain key prefix \
                     (no empty, `.` or `..` segments)"
                ));
            }
            return Ok(EvidenceLocation::S3 {
                bucket: bucket.to_owned(),
                prefix: prefix.to_owned(),
            });
        }
        Err(format!(
            "evidence_store {url:?}: the server keeps evidence in a directory (file://PATH, by \
             default uploads/evidence in the data directory) or an S3-compatible bucket \
             (s3://BUCKET/PREFIX, with {S3_ENV_HELP} in the environment)"
        ))
    }

    /// Whether this is the data directory's own `uploads/evidence` (what `admin backup` copies).
    pub fn is_in_data_dir(&self, data_dir: &Path) -> bool {
        match self {
            EvidenceLocation::Local(dir) => {
                let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_owned());
                absolute(dir) == absolute(&data_dir.join(DEFAULT_DIR))
            }
            EvidenceLocation::S3 { .. } => false,
        }
    }

    /// The object store, from the environment's `AWS_*` settings for a bucket. Checks what can
    /// be checked without a request; [`crate::uploads::EvidenceStore::reachable`] asks the
    /// store itself.
    pub(crate) fn open(&self) -> Result<Opened, String> {
        match self {
            EvidenceLocation::Local(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    format!(
                        "evidence_store {self}: cannot create the directory {}: {e}",
                        dir.display()
                    )
                })?;
                // No automatic clean-up of empty directories: it removed `partial/` itself
                // when the last upload in progress finished, under another shopper's PATCH
                // that was creating its directory there (500, "Unable to create dir"). An
                // upload's own directory of parts goes with its parts (`remove_parts`).
                let objects = LocalFileSystem::new_with_prefix(dir)
                    .map_err(|e| format!("evidence_store {self}: {e}"))?;
                let root = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone());
                Ok(Opened {
                    objects: Arc::new(objects),
                    local_root: Some(root),
                })
            }
            EvidenceLocation::S3 { bucket, prefix } => {
                let builder = s3_builder(self, bucket, std::env::vars())?;
                let store = builder
                    .build()
                    .map_err(|e| format!("evidence_store {self}: {e}"))?;
                let objects: Arc<dyn ObjectStore> = if prefix.is_empty() {
                    Arc::new(store)
                } else {
                    Arc::new(PrefixStore::new(
                        store,
                        object_store::path::Path::from(prefix.as_str()),
                    ))
                };
                Ok(Opened {
                    objects,
                    local_root: None,
                })
            }
        }
    }
}

/// The S3 client for `bucket` from `env` (the process's environment): endpoint, region and
/// credentials as the AWS tools read them; plain HTTP only to this machine, or where
/// `AWS_ALLOW_HTTP=true` says so.
fn s3_builder(
    location: &EvidenceLocation,
    bucket: &str,
    env: impl Iterator<Item = (String, String)>,
) -> Result<AmazonS3Builder, String> {
    let mut builder = AmazonS3Builder::new();
    let mut allow_http = false;
    let mut key_id = false;
    let mut secret = false;
    for (key, value) in env {
        if !key.starts_with("AWS_") {
            continue;
        }
        match key.as_str() {
            "AWS_ALLOW_HTTP" => allow_http = value.eq_ignore_ascii_case("true"),
            "AWS_ACCESS_KEY_ID" => key_id = !value.is_empty(),
            "AWS_SECRET_ACCESS_KEY" => secret = !value.is_empty(),
            _ => {}
        }
        if let Ok(config_key) = key.to_ascii_lowercase().parse::<AmazonS3ConfigKey>() {
            builder = builder.with_config(config_key, value);
        }
    }
    if key_id != secret {
        return Err(format!(
            "evidence_store {location}: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together \
             (only {} is set)",
            if key_id {
                "AWS_ACCESS_KEY_ID"
            } else {
                "AWS_SECRET_ACCESS_KEY"
            }
        ));
    }
    if let Some(endpoint) = builder.get_config_value(&AmazonS3ConfigKey::Endpoint) {
        let Some((scheme, rest)) = endpoint.split_once("://") else {
            return Err(format!(
                "evidence_store {location}: AWS_ENDPOINT_URL {endpoint:?} is not a URL \
                 (https://HOST[:PORT])"
            ));
        };
        match scheme {
            "https" => {}
            "http" if allow_http || is_loopback_host(rest) => allow_http = true,
            "http" => {
                return Err(format!(
                    "evidence_store {location}: AWS_ENDPOINT_URL {endpoint} is plain HTTP to \
                     another machine, so shoppers' photos would cross the network unencrypted: \
                     use https://, or set AWS_ALLOW_HTTP=true for a private network"
                ));
            }
            _ => {
                return Err(format!(
                    "evidence_store {location}: AWS_ENDPOINT_URL {endpoint:?} is neither \
                     https:// nor http://"
                ));
            }
        }
    }
    let retry = object_store::RetryConfig {
        // A store that does not answer fails the request within this, rather than after
        // object_store's default three minutes (a shopper's upload, or start-up, waits).
        retry_timeout: Duration::from_secs(30),
        max_retries: 5,
        ..Default::default()
    };
    Ok(builder
        .with_bucket_name(bucket)
        .with_allow_http(allow_http)
        .with_retry(retry))
}

/// `127.0.0.1:9000/…`, `[::1]:9000`, `localhost`: plain HTTP to a store on this machine
/// never crosses a network.
fn is_loopback_host(rest: &str) -> bool {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(bracketed) = host.strip_prefix('[') {
        bracketed.split(']').next().unwrap_or("")
    } else {
        host.split(':').next().unwrap_or("")
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// S3's bucket naming rules: 3–63 lowercase letters, digits, dots and hyphens, starting and
/// ending with a letter or digit.
fn check_bucket_name(bucket: &str) -> Result<(), String> {
    if bucket.is_empty() {
        return Err("no bucket named".to_owned());
    }
    let valid = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && bucket
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && bucket
            .bytes()
            .last()
            .is_some_and(|b| b.is_ascii_alphanumeric());
    if valid {
        Ok(())
    } else {
        Err(format!(
            "{bucket:?} is not a bucket name (3 to 63 lowercase letters, digits, dots and \
             hyphens, starting and ending with a letter or digit)"
        ))
    }
}

impl fmt::Display for EvidenceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvidenceLocation::Local(dir) => write!(f, "{}", dir.display()),
            EvidenceLocation::S3 { bucket, prefix } if prefix.is_empty() => {
                write!(f, "s3://{bucket}")
            }
            EvidenceLocation::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

impl fmt::Debug for EvidenceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EvidenceLocation({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_store_urls() {
        let base = Path::new("/etc/helpcenter-server");
        assert_eq!(
            EvidenceLocation::parse("file:///srv/evidence", base),
            Ok(EvidenceLocation::Local("/srv/evidence".into()))
        );
        assert_eq!(
            EvidenceLocation::parse("file://evidence", base),
            Ok(EvidenceLocation::Local(
                "/etc/helpcenter-server/evidence".into()
            ))
        );
        assert_eq!(
            EvidenceLocation::parse(" s3://help-center/acme/evidence/ ", base),
            Ok(EvidenceLocation::S3 {
                bucket: "help-center".into(),
                prefix: "acme/evidence".into()
            })
        );
        assert_eq!(
            EvidenceLocation::parse("s3://help-center", base),
            Ok(EvidenceLocation::S3 {
                bucket: "help-center".into(),
                prefix: String::new()
            })
        );
        for (bad, says) in [
            ("file://", "name the directory"),
            ("file:///srv/x?mode=1", "name the directory"),
            ("s3://", "no bucket named"),
            ("s3:///prefix", "no bucket named"),
            ("s3://Help_Center/x", "is not a bucket name"),
            ("s3://ab", "is not a bucket name"),
            ("s3://bucket/a//b", "not a plain key prefix"),
            ("s3://bucket/a/../b", "not a plain key prefix"),
            ("s3://bucket/a?versionId=1", "without ?"),
            ("gs://bucket/x", "an S3-compatible bucket"),
            ("/srv/evidence", "file://PATH"),
        ] {
            let error = EvidenceLocation::parse(bad, base).expect_err(bad);
            assert!(error.contains(says), "{bad}: {error}");
        }
    }

    #[test]
    fn plain_http_only_to_this_machine_unless_allowed() {
        let location = EvidenceLocation::S3 {
            bucket: "evidence".into(),
            prefix: String::new(),
        };
        let env = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        let keys = [
            ("AWS_ACCESS_KEY_ID", "key"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_REGION", "us-east-1"),
        ];
        for endpoint in [
            "http://127.0.0.1:9000",
            "http://localhost:9000/",
            "http://[::1]:9000",
            "https://s3.example.net",
        ] {
            let mut vars = env(&keys);
            vars.push(("AWS_ENDPOINT_URL".into(), endpoint.into()));
            let builder = s3_builder(&location, "evidence", vars.into_iter()).expect(endpoint);
            assert!(builder.build().is_ok(), "{endpoint}");
        }
        let mut vars = env(&keys);
        vars.push(("AWS_ENDPOINT_URL".into(), "http://10.0.0.5:9000".into()));
        let error = s3_builder(&location, "evidence", vars.clone().into_iter())
            .expect_err("plain http elsewhere");
        assert!(error.contains("AWS_ALLOW_HTTP=true"), "{error}");
        vars.push(("AWS_ALLOW_HTTP".into(), "true".into()));
        assert!(s3_builder(&location, "evidence", vars.into_iter()).is_ok());

        let half = env(&[("AWS_ACCESS_KEY_ID", "key")]);
        let error = s3_builder(&location, "evidence", half.into_iter())
            .expect_err("a key without its secret");
        assert!(error.contains("only AWS_ACCESS_KEY_ID is set"), "{error}");
        let mut vars = env(&keys);
        vars.push(("AWS_ENDPOINT_URL".into(), "s3.example.net".into()));
        let error = s3_builder(&location, "evidence", vars.into_iter())
            .expect_err("an endpoint without a scheme");
        assert!(error.contains("is not a URL"), "{error}");
    }

    #[test]
    fn loopback_hosts() {
        for host in [
            "127.0.0.1:9000",
            "127.1.2.3",
            "localhost",
            "LOCALHOST:1/x",
            "[::1]:9000",
            "u:p@127.0.0.1:9",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "10.0.0.1:9000",
            "example.com",
            "[::2]:1",
            "localhost.evil.net",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }
}
