//! Rate limits on the public API: per client (its IPv4 address or IPv6 /64, behind trusted
//! proxies: see [`crate::client_ip`]), and per site so one storefront's flood cannot starve
//! the others. Over the limit: 429 problem details with Retry-After.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, Response};
use axum::response::IntoResponse;
use serde::Deserialize;
use tower_governor::GovernorLayer;
use tower_governor::errors::GovernorError;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::KeyExtractor;
use utoipa_axum::router::OpenApiRouter;

use crate::AppError;
use crate::client_ip::{self, ClientIp};

/// Requests per second (sustained) and burst, per client IP and per site.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimits {
    pub per_ip_per_second: u32,
    pub per_ip_burst: u32,
    pub per_site_per_second: u32,
    pub per_site_burst: u32,
}

impl Default for RateLimits {
    /// Generous for a shopper (a claim is a handful of requests plus upload chunks), tight
    /// enough that a script hammering one endpoint is slowed within seconds.
    fn default() -> Self {
        Self {
            per_ip_per_second: 20,
            per_ip_burst: 100,
            per_site_per_second: 500,
            per_site_burst: 2000,
        }
    }
}

/// The client a request counts for: the [`ClientIp`] found behind trusted proxies (the TCP
/// peer when there are none), grouped as [`client_ip::bucket`] says.
#[derive(Clone, Copy, Debug)]
pub struct ClientKeyExtractor;

impl KeyExtractor for ClientKeyExtractor {
    type Key = std::net::IpAddr;

    fn extract<T>(&self, request: &Request<T>) -> Result<Self::Key, GovernorError> {
        let extensions = request.extensions();
        extensions
            .get::<ClientIp>()
            .map(|ClientIp(ip)| *ip)
            .or_else(|| {
                extensions
                    .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                    .map(|info| info.0.ip())
            })
            .map(client_ip::bucket)
            .ok_or(GovernorError::UnableToExtractKey)
    }
}

/// The site a request counts for in the per-site limit, found by
/// [`crate::request_site::find_site`] before the limit is applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestSite(pub String);

/// The per-site bucket: the [`RequestSite`] found for the request.
#[derive(Clone, Copy, Debug)]
pub struct SiteKeyExtractor;

impl KeyExtractor for SiteKeyExtractor {
    type Key = String;

    fn extract<T>(&self, request: &Request<T>) -> Result<Self::Key, GovernorError> {
        Ok(request
            .extensions()
            .get::<RequestSite>()
            .map(|RequestSite(site)| site.clone())
            .unwrap_or_default())
    }
}

fn too_many(error: GovernorError) -> Response<Body> {
    match error {
        GovernorError::TooManyRequests { wait_time, .. } => {
            let mut response = AppError::RateLimited(wait_time.max(1)).into_response();
            if let Ok(value) = wait_time.max(1).to_string().parse() {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, value);
            }
            response
        }
        other => Response::from(other),
    }
}

fn period(per_second: u32) -> Duration {
    Duration::from_nanos(1_000_000_000 / u64::from(per_second.max(1)))
}

/// `router` behind both limits: per client first, then per site. `find_site` wraps the router
/// between the two, so only requests within the client's allowance cost its look-up of the
/// [`RequestSite`].
pub fn limit<S: Clone + Send + Sync + 'static>(
    router: OpenApiRouter<S>,
    limits: RateLimits,
    find_site: impl FnOnce(OpenApiRouter<S>) -> OpenApiRouter<S>,
) -> OpenApiRouter<S> {
    let per_ip = GovernorConfigBuilder::default()
        .period(period(limits.per_ip_per_second))
        .burst_size(limits.per_ip_burst.max(1))
        .key_extractor(ClientKeyExtractor)
        .finish();
    let per_site = GovernorConfigBuilder::default()
        .period(period(limits.per_site_per_second))
        .burst_size(limits.per_site_burst.max(1))
        .key_extractor(SiteKeyExtractor)
        .finish();
    // `finish` fails only for a zero period or burst, which `max(1)` rules out.
    let (Some(per_ip), Some(per_site)) = (per_ip, per_site) else {
        return router;
    };
    // Forget idle clients now and then, so the tables do not grow with every IP ever seen.
    let (ip_table, site_table) = (per_ip.limiter().clone(), per_site.limiter().clone());
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                every.tick().await;
                ip_table.retain_recent();
                site_table.retain_recent();
            }
        });
    }
    find_site(router.layer(GovernorLayer::new(per_site).error_handler(too_many)))
        .layer(GovernorLayer::new(per_ip).error_handler(too_many))
}

/// Sign-in attempts allowed to the agents' console: per account (site and email) and per
/// client address, each a bucket of `burst` attempts that refills one every
/// `refill_seconds`. Every attempt counts, right or wrong, so guessing is slow whether or
/// not the account exists.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SignInLimits {
    pub per_account_burst: u32,
    pub per_account_refill_seconds: u32,
    pub per_ip_burst: u32,
    pub per_ip_refill_seconds: u32,
}

impl Default for SignInLimits {
    /// An agent who mistypes a few times gets in; a script guessing one account's password
    /// gets one try a minute, and one address twenty accounts' tries, then one every 10 s.
    fn default() -> Self {
        Self {
            per_account_burst: 5,
            per_account_refill_seconds: 60,
            per_ip_burst: 20,
            per_ip_refill_seconds: 10,
        }
    }
}

/// Token buckets by key, in memory on this instance (like the public limits).
#[derive(Debug)]
pub struct AttemptLimiter {
    burst: f64,
    refill: Duration,
    buckets: std::sync::Mutex<std::collections::HashMap<String, (f64, std::time::Instant)>>,
}

impl AttemptLimiter {
    pub fn new(burst: u32, refill_seconds: u32) -> Self {
        Self {
            burst: f64::from(burst.max(1)),
            refill: Duration::from_secs(u64::from(refill_seconds.max(1))),
            buckets: std::sync::Mutex::new(std::collections::HashMap::new()),
        }
    }

    /// Takes one attempt for `key`, or says in how many seconds the next one is allowed.
    pub fn attempt(&self, key: &str) -> Result<(), u64> {
        let now = std::time::Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > 100_000 {
            // Forget buckets that are full again: they hold nothing worth remembering.
            let (burst, refill) = (self.burst, self.refill.as_secs_f64());
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() / refill < burst
            });
        }
        let (tokens, at) = buckets.entry(key.to_owned()).or_insert((self.burst, now));
        let refilled = *tokens + now.duration_since(*at).as_secs_f64() / self.refill.as_secs_f64();
        *tokens = refilled.min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - *tokens) * self.refill.as_secs_f64();
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

/// The console's two sign-in limiters.
#[derive(Debug)]
pub struct SignInLimiter {
    per_account: AttemptLimiter,
    per_ip: AttemptLimiter,
}

impl SignInLimiter {
    pub fn new(limits: SignInLimits) -> Self {
        Self {
            per_account: AttemptLimiter::new(
                limits.per_account_burst,
                limits.per_account_refill_seconds,
            ),
            per_ip: AttemptLimiter::new(limits.per_ip_burst, limits.per_ip_refill_seconds),
        }
    }

    /// One attempt at `account` from `ip`; `Err(seconds)` to wait when over either limit.
    pub fn attempt(&self, account: &str, ip: Option<std::net::IpAddr>) -> Result<(), u64> {
        if let Some(ip) = ip {
            self.per_ip.attempt(&ip.to_string())?;
        }
        self.per_account.attempt(account)
    }
}

impl Default for SignInLimiter {
    fn default() -> Self {
        Self::new(SignInLimits::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_says_how_long_to_wait() {
        let limiter = AttemptLimiter::new(3, 60);
        for _ in 0..3 {
            assert_eq!(limiter.attempt("demo\nwei@example.com"), Ok(()));
        }
        let wait = limiter.attempt("demo\nwei@example.com").expect_err("over");
        assert!((59..=60).contains(&wait), "{wait}");
        assert_eq!(limiter.attempt("demo\nli@example.com"), Ok(()), "per key");
    }
}
