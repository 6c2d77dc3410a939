//! Admin API keys: each site's key in the config (`admin_key_sha256`) and the keys
//! `admin keys rotate` makes. Rotating starts a rollover window: the keys in use keep working
//! until it ends, so automation can move to the new key without a moment refused, and from
//! then on only the new key opens the admin API. Only hashes are stored.

use jiff::{SignedDuration, Timestamp};

use crate::auth::{new_secret, sha256_hex};
use crate::sites::{SharedSite, Site};
use crate::state::AppState;
use crate::store::admin_keys::AdminKeyRecord;
use crate::store::{Store, StoreError};

/// The longest rollover window: long enough for a monthly deploy, short enough that a
/// rotated-out key does not linger.
pub const MAX_OVERLAP: SignedDuration = SignedDuration::from_hours(30 * 24);

/// Whether a recorded key is accepted at `now`.
fn accepted(record: &AdminKeyRecord, now: Timestamp) -> bool {
    record.retires_at.is_none_or(|end| end > now)
}

/// The site `key` opens now: a rotated key still accepted, or the config's key unless it
/// has been rotated out.
pub async fn site_for_key(state: &AppState, key: &str) -> Result<Option<SharedSite>, StoreError> {
    let now = Timestamp::now();
    let records = state.store.admin_keys_by_hash(&sha256_hex(key)).await?;
    if let Some(site) = records
        .iter()
        .filter(|r| accepted(r, now))
        .find_map(|r| state.sites.shared(&r.site))
    {
        return Ok(Some(site));
    }
    Ok(state.sites.shared_by_admin_key(key).filter(|site| {
        !records
            .iter()
            .any(|r| r.site == site.key && !accepted(r, now))
    }))
}

/// A new key, shown once.
#[derive(Debug)]
pub struct Rotated {
    pub key: String,
    pub key_sha256: String,
    /// When the keys used until now stop working.
    pub previous_until: Timestamp,
}

/// Makes a new admin key for `site`; the keys in use keep working for `overlap`.
pub async fn rotate(
    store: &Store,
    site: &Site,
    overlap: SignedDuration,
) -> Result<Rotated, StoreError> {
    let now = Timestamp::now();
    let previous_until = now.saturating_add(overlap).unwrap_or(now);
    let key = new_secret();
    let key_sha256 = sha256_hex(&key);
    store
        .rotate_admin_key(
            &site.key,
            &site.admin_key_sha256,
            &key_sha256,
            now,
            previous_until,
        )
        .await?;
    Ok(Rotated {
        key,
        key_sha256,
        previous_until,
    })
}

/// One of a site's keys as `admin keys list` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyListing {
    /// The first 12 hex digits of its SHA-256: enough to tell keys apart, useless to a thief.
    pub fingerprint: String,
    /// `config` for the config's admin_key_sha256, `rotated` for one `rotate` made.
    pub source: &'static str,
    /// `current`, `until …` (in its rollover window) or `retired …`.
    pub state: String,
}

/// A site's keys: the config's first, then the rotated ones, newest first.
pub async fn list(store: &Store, site: &Site) -> Result<Vec<KeyListing>, StoreError> {
    let now = Timestamp::now();
    let records = store.admin_keys(&site.key).await?;
    let state_of = |record: Option<&AdminKeyRecord>| match record.and_then(|r| r.retires_at) {
        None => "current".to_owned(),
        Some(end) if end > now => format!("accepted until {}", seconds(end)),
        Some(end) => format!("retired {}", seconds(end)),
    };
    let config = records
        .iter()
        .find(|r| r.key_sha256 == site.admin_key_sha256);
    let mut listed = vec![KeyListing {
        fingerprint: site.admin_key_sha256.chars().take(12).collect(),
        source: "config",
        state: state_of(config),
    }];
    listed.extend(
        records
            .iter()
            .filter(|r| r.key_sha256 != site.admin_key_sha256)
            .map(|r| KeyListing {
                fingerprint: r.key_sha256.chars().take(12).collect(),
                source: "rotated",
                state: state_of(Some(r)),
            }),
    );
    Ok(listed)
}

/// A moment as people read it, to the second: `2026-12-04T12:00:00Z`.
pub fn seconds(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `--overlap`: a duration such as `24h`, `90m`, `2d` or `0s`, at most [`MAX_OVERLAP`].
pub fn parse_overlap(text: &str) -> Result<SignedDuration, String> {
    let span: jiff::Span = text
        .parse()
        .map_err(|e| format!("{text:?} is not a duration such as 24h, 90m or 2d: {e}"))?;
    let overlap = span
        .to_duration(jiff::SpanRelativeTo::days_are_24_hours())
        .map_err(|e| format!("{text:?}: {e}"))?;
    if overlap.is_negative() || overlap > MAX_OVERLAP {
        return Err(format!("{text:?}: the rollover window is from 0s to 30d"));
    }
    Ok(overlap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlaps_read_as_people_write_them_and_are_bounded() {
        assert_eq!(parse_overlap("24h"), Ok(SignedDuration::from_hours(24)));
        assert_eq!(parse_overlap("2d"), Ok(SignedDuration::from_hours(48)));
        assert_eq!(parse_overlap("90m"), Ok(SignedDuration::from_mins(90)));
        assert_eq!(parse_overlap("0s"), Ok(SignedDuration::ZERO));
        assert!(parse_overlap("31d").is_err_and(|e| e.contains("from 0s to 30d")));
        assert!(parse_overlap("-1h").is_err());
        assert!(parse_overlap("soon").is_err_and(|e| e.contains("such as 24h")));
    }
}
