//! Outbound HTTP for webhooks (reqwest over rustls), bounded so a site's endpoint can neither
//! hold the worker nor flood it, nor reach into the server's own network: a connect timeout
//! and a timeout for the whole attempt, at most [`RESPONSE_CAP`] bytes of an answer read, no
//! redirects followed, no proxy from the environment, and only public addresses connected to
//! (checked on the addresses a name resolves to, the ones then connected to, so a name cannot
//! change its answer between the check and the connection) unless `allow_private_targets`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};

use super::config::WebhookSettings;

/// How much of an endpoint's answer is read (and kept in the delivery log).
pub const RESPONSE_CAP: usize = 1024;

/// Why a target was not connected to: every address it stands for is one webhooks may not
/// reach.
#[derive(Debug, thiserror::Error)]
#[error(
    "{host} is {addresses}: a loopback, private, link-local or otherwise non-public address, which webhooks do not reach (set [server.webhooks] allow_private_targets = true for development)"
)]
pub struct RefusedTarget {
    pub host: String,
    pub addresses: String,
}

/// Whether an address is on the public internet: not loopback, private (RFC 1918, unique
/// local), link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, unspecified,
/// multicast, broadcast, documentation or reserved, nor an IPv6 form of one of these.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            let embedded =
                Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
            let compatible = s[..6].iter().all(|&x| x == 0);
            let nat64 = s[0] == 0x64 && s[1] == 0xff9b && s[2..6].iter().all(|&x| x == 0);
            if (compatible && !v6.is_loopback() && !v6.is_unspecified()) || nat64 {
                return is_public_v4(embedded);
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] & 0xffc0) == 0xfec0
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                || compatible)
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64)
        || (o[0] == 192 && o[1] == 0 && o[2] == 0)
        || (o[0] == 198 && (o[1] & 0xfe) == 18)
        || o[0] >= 240)
}

/// Resolves names as the system does, then keeps only the addresses webhooks may reach.
struct GuardedResolver {
    allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(resolve_guarded(
            name.as_str().to_owned(),
            self.allow_private,
        ))
    }
}

async fn resolve_guarded(
    host: String,
    allow_private: bool,
) -> Result<reqwest::dns::Addrs, Box<dyn std::error::Error + Send + Sync>> {
    let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
    let allowed: Vec<SocketAddr> = found
        .iter()
        .copied()
        .filter(|a| allow_private || is_public(a.ip()))
        .collect();
    if allowed.is_empty() && !found.is_empty() {
        let unique: std::collections::BTreeSet<IpAddr> = found.iter().map(|a| a.ip()).collect();
        let addresses = unique
            .iter()
            .map(IpAddr::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        return Err(Box::new(RefusedTarget { host, addresses }));
    }
    Ok(Box::new(allowed.into_iter()))
}

/// What one attempt came to.
#[derive(Debug)]
pub enum Outcome {
    /// The endpoint answered 2xx.
    Delivered { status: u16, response: String },
    /// Worth another attempt later: no answer, or not a 2xx.
    Later {
        status: Option<u16>,
        error: String,
        response: Option<String>,
    },
    /// Never worth another attempt as configured (a target webhooks do not reach).
    Refused(String),
}

/// One attempt's outcome and how long it took.
#[derive(Debug)]
pub struct Attempt {
    pub outcome: Outcome,
    pub duration_ms: u64,
}

/// The HTTP client every delivery goes through.
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    allow_private: bool,
}

impl Sender {
    pub fn new(settings: &WebhookSettings) -> Result<Sender, reqwest::Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout())
            .timeout(settings.timeout())
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver {
                allow_private: settings.allow_private_targets,
            }))
            .user_agent(concat!("helpcenter-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Sender {
            client,
            allow_private: settings.allow_private_targets,
        })
    }

    /// Refuses an address webhooks may not use, before any connection: plain http and IP
    /// literals outside the public internet (names are checked as they resolve).
    pub fn check_target(&self, url: &reqwest::Url) -> Result<(), String> {
        if self.allow_private {
            return Ok(());
        }
        if url.scheme() != "https" {
            return Err(format!(
                "{url} is not https: deliveries carry shoppers' details, so they go over TLS only (set [server.webhooks] allow_private_targets = true for development)"
            ));
        }
        let ip = url.host_str().and_then(|host| {
            host.trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
                .ok()
        });
        if let Some(ip) = ip.filter(|ip| !is_public(*ip)) {
            return Err(RefusedTarget {
                host: url.host_str().unwrap_or_default().to_owned(),
                addresses: ip.to_string(),
            }
            .to_string());
        }
        Ok(())
    }

    /// POSTs `body` with the Standard Webhooks headers.
    pub async fn post(
        &self,
        url: &reqwest::Url,
        id: &str,
        timestamp: i64,
        signature: &str,
        body: &str,
    ) -> Attempt {
        let started = Instant::now();
        let outcome = self.attempt(url, id, timestamp, signature, body).await;
        Attempt {
            outcome,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        }
    }

    async fn attempt(
        &self,
        url: &reqwest::Url,
        id: &str,
        timestamp: i64,
        signature: &str,
        body: &str,
    ) -> Outcome {
        if let Err(reason) = self.check_target(url) {
            return Outcome::Refused(reason);
        }
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("helpcenter-webhooks/", env!("CARGO_PKG_VERSION"))),
        );
        for (name, value) in super::sign::headers(id, timestamp, signature.to_owned()) {
            match HeaderValue::from_str(&value) {
                Ok(value) => {
                    headers.insert(name, value);
                }
                Err(_) => {
                    return Outcome::Refused(format!("{name} {value:?} is not a header value"));
                }
            }
        }
        let sent = self
            .client
            .post(url.clone())
            .headers(headers)
            .body(body.to_owned())
            .send()
            .await;
        let mut response = match sent {
            Ok(response) => response,
            Err(e) => {
                if let Some(refused) = find::<RefusedTarget>(&e) {
                    return Outcome::Refused(refused.to_string());
                }
                return Outcome::Later {
                    status: None,
                    error: describe(&e),
                    response: None,
                };
            }
        };
        let status = response.status();
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .map(str::to_owned);
        // The start of the answer, for the log; the rest is never read.
        let mut kept = Vec::new();
        while kept.len() < RESPONSE_CAP {
            match response.chunk().await {
                Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
                Ok(None) | Err(_) => break,
            }
        }
        kept.truncate(RESPONSE_CAP);
        drop(response);
        let text = String::from_utf8_lossy(&kept).into_owned();
        if status.is_success() {
            return Outcome::Delivered {
                status: status.as_u16(),
                response: text,
            };
        }
        let error = match location {
            Some(to) if status.is_redirection() => format!(
                "answered {status}, redirecting to {to}: webhooks do not follow redirects; configure the final address"
            ),
            _ => format!("answered {status}"),
        };
        Outcome::Later {
            status: Some(status.as_u16()),
            error,
            response: (!text.is_empty()).then_some(text),
        }
    }
}

/// An error of type `T` anywhere in `e`'s chain of causes.
fn find<'e, T: std::error::Error + 'static>(
    e: &'e (dyn std::error::Error + 'static),
) -> Option<&'e T> {
    let mut current = Some(e);
    while let Some(error) = current {
        if let Some(found) = error.downcast_ref::<T>() {
            return Some(found);
        }
        current = error.source();
    }
    None
}

/// What went wrong, down to the cause ("connection refused", "timed out").
fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "could not connect".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_reached() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "2001:db8::1",
        ] {
            let ip: IpAddr = private.parse().expect("an address");
            assert!(!is_public(ip), "{private}");
        }
        for public in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            let ip: IpAddr = public.parse().expect("an address");
            assert!(is_public(ip), "{public}");
        }
    }

    #[test]
    fn plain_http_and_private_literals_are_refused_before_connecting() {
        let sender = Sender::new(&WebhookSettings::default()).expect("client");
        let refused = |url: &str| sender.check_target(&url.parse().expect("url")).is_err();
        assert!(refused("http://erp.example/hooks"));
        assert!(refused("https://127.0.0.1/hooks"));
        assert!(refused("https://[::1]:8443/hooks"));
        assert!(refused("https://169.254.169.254/latest/meta-data"));
        assert!(!refused("https://erp.example/hooks"));
        let dev = Sender::new(&WebhookSettings {
            allow_private_targets: true,
            ..WebhookSettings::default()
        })
        .expect("client");
        assert!(
            dev.check_target(&"http://127.0.0.1:9/".parse().expect("url"))
                .is_ok()
        );
    }
}
