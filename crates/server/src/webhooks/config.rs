//! Webhook settings: the server's `[server.webhooks]` (how deliveries are made) and each
//! site's `[[sites.webhooks]]` (where they go and for which events).

use std::time::Duration;

use helpcenter_api::WebhookEventType;
use serde::Deserialize;

/// The most deliveries `[server.webhooks] concurrency` may make at once.
pub const MAX_CONCURRENCY: u32 = 32;

/// `[server.webhooks]`: how deliveries are made, for every site.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    /// Lets endpoints be on loopback, private and link-local addresses, and on plain http:
    /// for development and tests only. Without it a site's URL cannot reach the server's own
    /// network.
    #[serde(default)]
    pub allow_private_targets: bool,
    /// The wait after the first failed attempt, doubled after each (5 s when not given).
    pub retry_first_seconds: Option<f64>,
    /// The longest wait between attempts (1 h when not given).
    pub retry_max_seconds: Option<f64>,
    /// A delivery still not accepted this long after its event is given up (24 h).
    pub give_up_hours: Option<u32>,
    /// How many deliveries are made at once (4 when not given, 1 to 32). One ticket's
    /// deliveries to one endpoint always go one at a time, in order.
    pub concurrency: Option<u32>,
    /// The longest wait for a connection (5 s when not given).
    pub connect_timeout_seconds: Option<f64>,
    /// The longest a whole attempt may take, the answer included (15 s when not given).
    pub timeout_seconds: Option<f64>,
}

impl WebhookSettings {
    /// The wait before attempt `attempts + 1`, after `attempts` failed ones.
    pub fn backoff(&self, attempts: u32) -> Duration {
        self.retry().backoff(attempts)
    }

    /// Back-off and giving up, for the outbox's scheduler.
    pub fn retry(&self) -> crate::retry::RetryPolicy {
        let first = self.retry_first_seconds.unwrap_or(5.0).max(0.01);
        crate::retry::RetryPolicy {
            first: Duration::from_secs_f64(first),
            max: Duration::from_secs_f64(self.retry_max_seconds.unwrap_or(3600.0).max(first)),
            give_up_after: self.give_up_after(),
        }
    }

    pub fn concurrency(&self) -> usize {
        self.concurrency.unwrap_or(4).clamp(1, MAX_CONCURRENCY) as usize
    }

    pub fn give_up_after(&self) -> Duration {
        Duration::from_secs(u64::from(self.give_up_hours.unwrap_or(24)) * 3600)
    }

    pub fn connect_timeout(&self) -> Duration {
        seconds(self.connect_timeout_seconds, 5.0)
    }

    pub fn timeout(&self) -> Duration {
        seconds(self.timeout_seconds, 15.0)
    }
}

fn seconds(value: Option<f64>, default: f64) -> Duration {
    Duration::try_from_secs_f64(value.unwrap_or(default).clamp(0.1, 300.0))
        .unwrap_or(Duration::from_secs(5))
}

/// `[[sites.webhooks]]` as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteWebhookConfig {
    /// How the admin API and the CLI name the endpoint (`erp`, `slack`): letters, digits,
    /// `-` and `_`, unique in the site. Its deliveries and secrets are kept under it.
    pub name: String,
    /// Where deliveries are POSTed: https (http only with `allow_private_targets`).
    pub url: String,
    /// Which events are delivered (every one when not given).
    pub events: Option<Vec<WebhookEventType>>,
}

/// A site's endpoint, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub name: String,
    pub url: reqwest::Url,
    pub events: Vec<WebhookEventType>,
}

impl Endpoint {
    pub fn wants(&self, event: WebhookEventType) -> bool {
        self.events.contains(&event)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookConfigError {
    #[error("name {0:?} must be 1 to 40 letters, digits, '-' or '_'")]
    Name(String),
    #[error("two endpoints are named {0:?}")]
    Duplicate(String),
    #[error("{name}: url {url:?} is not a whole http(s) address without user or password")]
    Url { name: String, url: String },
    #[error("{name}: events is empty: leave it out to deliver every event")]
    NoEvents { name: String },
}

/// A site's `[[sites.webhooks]]`, checked: names unique and plain, addresses absolute.
pub fn endpoints(configs: &[SiteWebhookConfig]) -> Result<Vec<Endpoint>, WebhookConfigError> {
    let mut endpoints: Vec<Endpoint> = Vec::with_capacity(configs.len());
    for config in configs {
        let name = config.name.trim();
        let plain = !name.is_empty()
            && name.len() <= 40
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !plain {
            return Err(WebhookConfigError::Name(config.name.clone()));
        }
        if endpoints.iter().any(|e| e.name == name) {
            return Err(WebhookConfigError::Duplicate(name.to_owned()));
        }
        let bad_url = || WebhookConfigError::Url {
            name: name.to_owned(),
            url: config.url.clone(),
        };
        let url = reqwest::Url::parse(config.url.trim()).map_err(|_| bad_url())?;
        if !matches!(url.scheme(), "http" | "https")
            || url.host_str().is_none_or(str::is_empty)
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return Err(bad_url());
        }
        let events = match &config.events {
            None => WebhookEventType::ALL.to_vec(),
            Some(events) if events.is_empty() => {
                return Err(WebhookConfigError::NoEvents {
                    name: name.to_owned(),
                });
            }
            Some(events) => {
                let mut unique: Vec<WebhookEventType> = Vec::new();
                for e in events {
                    if !unique.contains(e) {
                        unique.push(*e);
                    }
                }
                unique
            }
        };
        endpoints.push(Endpoint {
            name: name.to_owned(),
            url,
            events,
        });
    }
    Ok(endpoints)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(name: &str, url: &str, events: Option<Vec<WebhookEventType>>) -> SiteWebhookConfig {
        SiteWebhookConfig {
            name: name.into(),
            url: url.into(),
            events,
        }
    }

    #[test]
    fn endpoints_are_checked_and_every_event_is_the_default() {
        let found = endpoints(&[config("erp", "https://erp.example/hooks", None)]).expect("ok");
        assert_eq!(found[0].events, WebhookEventType::ALL.to_vec());
        for (bad, wanted) in [
            (config("e r p", "https://erp.example", None), "name"),
            (config("erp", "ftp://erp.example", None), "url"),
            (config("erp", "https://user:pw@erp.example", None), "url"),
            (config("erp", "/hooks", None), "url"),
            (config("erp", "https://erp.example", Some(vec![])), "events"),
        ] {
            let error = endpoints(&[bad]).expect_err("refused").to_string();
            assert!(error.contains(wanted), "{error}");
        }
        let twice = [
            config("erp", "https://a.example", None),
            config("erp", "https://b.example", None),
        ];
        assert!(matches!(
            endpoints(&twice),
            Err(WebhookConfigError::Duplicate(_))
        ));
    }

    #[test]
    fn back_off_doubles_up_to_the_longest_wait() {
        let settings = WebhookSettings::default();
        assert_eq!(settings.backoff(1), Duration::from_secs(5));
        assert_eq!(settings.backoff(2), Duration::from_secs(10));
        assert_eq!(settings.backoff(40), Duration::from_secs(3600));
        assert_eq!(settings.give_up_after(), Duration::from_secs(24 * 3600));
    }
}
