//! Order lookup: asking the store's order system whether an order with this number was placed
//! with this email, and what it knows of it (delivery day, carrier, items). A site opts in with
//! `[sites.order_lookup]`; the request is a signed POST (see [`crate::webhooks::sign`], the
//! webhooks' signer) of `{order_number, email}`, the answer a [`StoreOrderAnswer`]. Bounded: a
//! timeout for the whole exchange (2 s by default), no redirects followed, no proxy, at most
//! [`MAX_ANSWER_BYTES`] read, and only public addresses reached (see [`crate::outbound`])
//! unless the site sets `allow_private_targets` for development. Answers (found or not) are kept
//! briefly in the database (`order_lookups`), so the widget's lookup and the filing a minute
//! later ask the store once, whichever instance takes each, and erasing a shopper erases them.

use std::time::Duration;

use helpcenter_api::{OrderLookupMode, StoreOrderAnswer};
use helpcenter_core::StoreOrder;
use serde::Deserialize;

pub mod failure;

pub use failure::LookupFailure;

use crate::outbound::{Caller, GuardedResolver, RefusedTarget};
use crate::rate_limit::AttemptLimiter;
use crate::webhooks::sign::{self, ConfiguredSecret};

/// Said in a refusal: who was refused, and the switch that would allow it.
pub const CALLER: Caller = Caller {
    who: "order lookups",
    switch: "[sites.order_lookup] allow_private_targets",
};

/// The most of a store's answer read; a larger one is refused as nonsense.
pub const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// `[sites.order_lookup]` in the server's configuration.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderLookupConfig {
    /// The store's order endpoint: `https://…` on a public address (`http://` and private
    /// addresses only with `allow_private_targets`).
    pub url: String,
    /// Name of the environment variable holding the `whsec_…` secret requests are signed with.
    pub secret_env: String,
    /// How long the store has to answer, in milliseconds (2000 by default).
    #[serde(default = "two_seconds")]
    pub timeout_ms: u64,
    /// `required`: no claim without a checked order; `optional` (the default): when the store
    /// cannot answer, the claim is filed marked unverified.
    #[serde(default)]
    pub mode: OrderLookupMode,
    /// How long an answer is reused, in seconds (30 by default; 0 asks every time).
    #[serde(default = "half_a_minute")]
    pub cache_seconds: u64,
    /// Lets `url` be plain `http://` and a loopback, private or link-local address: for
    /// development and tests only (the demo store's order system runs on loopback). Off by
    /// default, so a site's configuration cannot make the server probe its own network.
    #[serde(default)]
    pub allow_private_targets: bool,
}

fn two_seconds() -> u64 {
    2000
}

fn half_a_minute() -> u64 {
    30
}

/// A site's order source, checked and with its secret in place.
#[derive(Clone, Debug)]
pub struct OrderSource {
    pub url: reqwest::Url,
    pub secret: ConfiguredSecret,
    pub timeout: Duration,
    pub mode: OrderLookupMode,
    pub cache_for: Duration,
    /// `[sites.order_lookup] allow_private_targets`: development only.
    pub allow_private_targets: bool,
}

impl OrderSource {
    pub fn from_config(config: &OrderLookupConfig) -> Result<OrderSource, String> {
        let url = reqwest::Url::parse(&config.url)
            .map_err(|e| format!("order_lookup url {:?}: {e}", config.url))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(format!(
                "order_lookup url {:?} must be an https:// address",
                config.url
            ));
        }
        if !config.allow_private_targets {
            if url.scheme() != "https" {
                return Err(format!(
                    "order_lookup url {:?} must be https:// (the request carries shoppers' emails; \
                     plain http:// only with allow_private_targets = true, for development)",
                    config.url
                ));
            }
            if let Some(refused) = crate::outbound::refused_literal(&url, CALLER) {
                return Err(format!("order_lookup url {:?}: {refused}", config.url));
            }
        }
        let secret = std::env::var(&config.secret_env)
            .ok()
            .and_then(|text| ConfiguredSecret::parse(&text).ok())
            .ok_or_else(|| {
                format!(
                    "order_lookup: ${} must hold a whsec_… secret (base64 of 24 to 64 random bytes)",
                    config.secret_env
                )
            })?;
        if !(100..=30_000).contains(&config.timeout_ms) {
            return Err("order_lookup timeout_ms must be from 100 to 30000".into());
        }
        Ok(OrderSource {
            url,
            secret,
            timeout: Duration::from_millis(config.timeout_ms),
            mode: config.mode,
            cache_for: Duration::from_secs(config.cache_seconds.min(3600)),
            allow_private_targets: config.allow_private_targets,
        })
    }
}

/// What the store said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    Found(StoreOrder),
    /// No order with this number and this email.
    NotFound,
}

/// Lookups per order number and per client: order numbers and emails are weak secrets.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LookupLimits {
    pub per_order_burst: u32,
    pub per_order_refill_seconds: u32,
    pub per_ip_burst: u32,
    pub per_ip_refill_seconds: u32,
}

impl Default for LookupLimits {
    /// A shopper looks an order up a few times and files once; a script trying emails for
    /// one order gets ten tries then one a minute, and one address twenty orders, then one
    /// every 6 s.
    fn default() -> Self {
        Self {
            per_order_burst: 10,
            per_order_refill_seconds: 60,
            per_ip_burst: 20,
            per_ip_refill_seconds: 6,
        }
    }
}

/// The server's side of order lookups: the HTTP clients and the limits (the recent answers are
/// in the store).
pub struct OrderDesk {
    /// Connects to public addresses only: every site's, unless it allows private targets.
    public_only: reqwest::Client,
    /// Connects anywhere: the sites that set `allow_private_targets` (development).
    anywhere: reqwest::Client,
    per_order: AttemptLimiter,
    per_ip: AttemptLimiter,
}

impl Default for OrderDesk {
    fn default() -> Self {
        Self::new(LookupLimits::default())
    }
}

impl OrderDesk {
    pub fn new(limits: LookupLimits) -> OrderDesk {
        let client = |allow_private: bool| {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                // The proxy would resolve the name, out of the resolver's sight.
                .no_proxy()
                .connect_timeout(Duration::from_secs(2))
                .dns_resolver(std::sync::Arc::new(GuardedResolver {
                    allow_private,
                    caller: CALLER,
                }))
                .user_agent(concat!("helpcenter-server/", env!("CARGO_PKG_VERSION")))
                .build()
                // Building fails only when TLS cannot initialise: then nothing outbound works
                // (and the default client is refused below for a site without the switch).
                .unwrap_or_default()
        };
        OrderDesk {
            public_only: client(false),
            anywhere: client(true),
            per_order: AttemptLimiter::new(limits.per_order_burst, limits.per_order_refill_seconds),
            per_ip: AttemptLimiter::new(limits.per_ip_burst, limits.per_ip_refill_seconds),
        }
    }

    /// Takes one lookup of `order_number` on `site` from `ip`, or says how many seconds to wait.
    pub fn attempt(
        &self,
        site: &str,
        order_number: &str,
        ip: Option<std::net::IpAddr>,
    ) -> Result<(), u64> {
        if let Some(ip) = ip {
            self.per_ip.attempt(&format!("{site}\n{ip}"))?;
        }
        self.per_order.attempt(&format!("{site}\n{order_number}"))
    }

    /// What `source` says about `order_number` (normalised) placed with `email`: a recent
    /// answer when there is one, otherwise asks (and keeps the answer).
    pub async fn look_up(
        &self,
        store: &crate::store::Store,
        site: &str,
        source: &OrderSource,
        order_number: &str,
        email: &str,
    ) -> Result<Lookup, LookupFailure> {
        let now = jiff::Timestamp::now();
        let cache_for = jiff::SignedDuration::try_from(source.cache_for).unwrap_or_default();
        if !cache_for.is_zero() {
            let since = now.checked_sub(cache_for).unwrap_or(now);
            match store
                .recent_order_lookup(site, order_number, email, since)
                .await
            {
                Ok(Some(Some(order))) => return Ok(Lookup::Found(order)),
                Ok(Some(None)) => return Ok(Lookup::NotFound),
                Ok(None) => {}
                // The store is asked instead: a lookup never fails for want of its cache.
                Err(e) => tracing::warn!(site, error = %e, "order lookup: reading recent answers"),
            }
        }
        let answer = self.ask(source, order_number, email.trim()).await;
        match &answer {
            Ok(lookup) if !cache_for.is_zero() => {
                let order = match lookup {
                    Lookup::Found(order) => Some(order),
                    Lookup::NotFound => None,
                };
                if let Err(e) = store
                    .keep_order_lookup(site, order_number, email, order, now)
                    .await
                {
                    tracing::warn!(site, error = %e, "order lookup: keeping the answer");
                }
            }
            Ok(_) => {}
            Err(failure) => {
                tracing::warn!(site, error = %failure, "order lookup failed");
            }
        }
        answer
    }

    async fn ask(
        &self,
        source: &OrderSource,
        order_number: &str,
        email: &str,
    ) -> Result<Lookup, LookupFailure> {
        let body = serde_json::to_string(&helpcenter_api::OrderLookup {
            order_number: order_number.to_owned(),
            email: email.to_owned(),
        })
        .map_err(|e| LookupFailure::Nonsense(e.to_string()))?;
        let client = if source.allow_private_targets {
            &self.anywhere
        } else {
            // An address literal is connected to without resolving: checked here (the
            // configuration was checked too, but a source may be made in code).
            if let Some(refused) = crate::outbound::refused_literal(&source.url, CALLER) {
                return Err(refused_target(source, &refused));
            }
            &self.public_only
        };
        let id = sign::new_message_id();
        let mut request = client
            .post(source.url.clone())
            .timeout(source.timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::ACCEPT, "application/json");
        let timestamp = jiff::Timestamp::now().as_second();
        let signature = sign::signature(source.secret.key(), &id, timestamp, &body);
        for (name, value) in sign::headers(&id, timestamp, signature) {
            request = request.header(name, value);
        }
        let timeout = || LookupFailure::Timeout(source.timeout.as_millis());
        // The whole exchange, body included, within the timeout: reqwest's covers it, this
        // is the belt to its braces.
        let exchange = async {
            let mut response = request.body(body).send().await.map_err(|e| {
                if let Some(refused) = crate::outbound::find::<RefusedTarget>(&e) {
                    refused_target(source, refused)
                } else if e.is_timeout() {
                    timeout()
                } else {
                    LookupFailure::Unreachable
                }
            })?;
            let status = response.status();
            if status.is_redirection() {
                // Not followed: the next address would be one nobody configured.
                return Err(LookupFailure::Redirected(status.as_u16()));
            }
            if !status.is_success() {
                return Err(LookupFailure::Status(status.as_u16()));
            }
            let mut bytes = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| {
                if e.is_timeout() {
                    timeout()
                } else {
                    LookupFailure::Unreachable
                }
            })? {
                if bytes.len() + chunk.len() > MAX_ANSWER_BYTES {
                    return Err(LookupFailure::Nonsense(format!(
                        "an answer over {MAX_ANSWER_BYTES} bytes"
                    )));
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(bytes)
        };
        let bytes = tokio::time::timeout(source.timeout, exchange)
            .await
            .map_err(|_| timeout())??;
        read_answer(&bytes)
    }
}

/// A site's order endpoint is an address order lookups do not reach: said in full in the log
/// (for the operator), by its host to the shopper and the agent.
fn refused_target(source: &OrderSource, refused: &RefusedTarget) -> LookupFailure {
    tracing::error!(url = %source.url, "order lookup refused: {refused}");
    LookupFailure::Refused(refused.host.clone())
}

/// A store's answer, read strictly: JSON of the documented shape, and an order that makes sense.
pub fn read_answer(bytes: &[u8]) -> Result<Lookup, LookupFailure> {
    let answer: StoreOrderAnswer = serde_json::from_slice(bytes)
        .map_err(|e| LookupFailure::Nonsense(format!("not the documented JSON ({e})")))?;
    match (answer.found, answer.order) {
        (false, _) => Ok(Lookup::NotFound),
        (true, None) => Err(LookupFailure::Nonsense("found without an order".into())),
        (true, Some(order)) => match order.defect() {
            Some(defect) => Err(LookupFailure::Nonsense(defect.into())),
            None => Ok(Lookup::Found(order)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str, allow_private_targets: bool) -> OrderLookupConfig {
        OrderLookupConfig {
            url: url.into(),
            secret_env: "HELPCENTER_TEST_NO_SUCH_SECRET".into(),
            timeout_ms: 2000,
            mode: OrderLookupMode::Optional,
            cache_seconds: 30,
            allow_private_targets,
        }
    }

    #[test]
    fn private_and_plain_http_endpoints_are_refused_unless_allowed_for_development() {
        for url in [
            "https://127.0.0.1:8443/orders",
            "https://10.0.0.7/orders",
            "https://169.254.169.254/latest/meta-data/",
            "https://[::1]/orders",
            "https://[::ffff:192.168.1.10]/orders",
            "http://erp.shop.example/orders",
            "ftp://erp.shop.example/orders",
        ] {
            let refused = OrderSource::from_config(&config(url, false))
                .expect_err(url)
                .to_string();
            assert!(
                refused.contains(url) && refused.contains("https://"),
                "{url}: {refused}"
            );
            if url.starts_with("https://") {
                assert!(refused.contains("allow_private_targets"), "{refused}");
            }
        }
        // Past the address check, the secret is the next thing missing.
        for (url, allowed) in [
            ("https://erp.shop.example/orders", false),
            ("http://127.0.0.1:18090/orders/lookup", true),
            ("https://10.0.0.7/orders", true),
        ] {
            let said = OrderSource::from_config(&config(url, allowed))
                .expect_err("no secret")
                .to_string();
            assert!(
                said.contains("HELPCENTER_TEST_NO_SUCH_SECRET"),
                "{url}: {said}"
            );
        }
    }

    #[test]
    fn answers_are_read_strictly() {
        assert_eq!(read_answer(br#"{"found": false}"#), Ok(Lookup::NotFound));
        let found = read_answer(
            br#"{"found": true, "order": {"order_number": "10023456", "delivered_on": "2026-11-24",
                 "items": [{"id": "k", "name": "Kettle", "quantity": 1}]}}"#,
        );
        assert!(
            matches!(found, Ok(Lookup::Found(ref o)) if o.items.len() == 1),
            "{found:?}"
        );
        for nonsense in [
            &b"<html>502</html>"[..],
            br#"{"found": true}"#,
            br#"{"found": "yes"}"#,
            br#"{"found": true, "order": {"order_number": "1", "delivered_on": "24 Nov"}}"#,
            br#"{"found": true, "order": {"order_number": "1", "items": [{"id": "k", "name": "K", "quantity": 0}]}}"#,
        ] {
            assert!(
                matches!(read_answer(nonsense), Err(LookupFailure::Nonsense(_))),
                "{}",
                String::from_utf8_lossy(nonsense)
            );
        }
    }
}

/// What a claim or a lookup learnt of its order.
#[derive(Debug)]
pub enum OrderCheck {
    /// The store found the order with this email.
    Verified(StoreOrder),
    /// The store could not say, and the site lets claims through unchecked.
    Unverified(LookupFailure),
}

/// Asks `site`'s order system about `order_number` (as the shopper typed it) and `email`, for
/// the shopper at `ip`: the order number and email are checked first (the rulebook's codes),
/// the lookup is counted against the limits, and the store's refusal or failure becomes the
/// answer the shopper gets. `None` when the site does not look orders up.
pub async fn check(
    state: &crate::AppState,
    site: &crate::sites::Site,
    order_number: &str,
    email: &str,
    ip: Option<std::net::IpAddr>,
) -> Result<Option<OrderCheck>, crate::AppError> {
    use helpcenter_core::submission::check_email;
    use helpcenter_core::{Field, Problem};
    let Some(source) = &site.order_lookup else {
        return Ok(None);
    };
    let mut problems = Vec::new();
    if let Some(code) = site.policy.order_number.check(order_number) {
        problems.push(Problem::new(Field::OrderNumber, code));
    }
    if let Some(code) = check_email(email) {
        problems.push(Problem::new(Field::Email, code));
    }
    if !problems.is_empty() {
        return Err(crate::AppError::Invalid(problems));
    }
    let order_number = site.policy.order_number.normalize(order_number);
    state
        .orders
        .attempt(&site.key, &order_number, ip)
        .map_err(crate::AppError::RateLimited)?;
    match state
        .orders
        .look_up(&state.store, &site.key, source, &order_number, email)
        .await
    {
        Ok(Lookup::Found(order)) => Ok(Some(OrderCheck::Verified(order))),
        Ok(Lookup::NotFound) => Err(crate::AppError::OrderNotFound),
        Err(failure) => match source.mode {
            OrderLookupMode::Required => Err(crate::AppError::OrderLookupUnavailable(failure)),
            OrderLookupMode::Optional => Ok(Some(OrderCheck::Unverified(failure))),
        },
    }
}
