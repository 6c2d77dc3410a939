//! Outbound HTTP for webhooks (reqwest over rustls), bounded so a site's endpoint can neither
//! hold the worker nor flood it, nor reach into the server's own network: a connect timeout
//! and a timeout for the whole attempt, at most [`RESPONSE_CAP`] bytes of an answer read, no
//! redirects followed, no proxy from the environment, and only public addresses connected to
//! (checked on the addresses a name resolves to, the ones then connected to, so a name cannot
//! change its answer between the check and the connection) unless `allow_private_targets`.

use std::sync::Arc;
use std::time::Instant;

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};

use super::config::WebhookSettings;
use crate::outbound::{Caller, GuardedResolver, find};
pub use crate::outbound::{RefusedTarget, is_public};

/// How much of an endpoint's answer is read (and kept in the delivery log).
pub const RESPONSE_CAP: usize = 1024;

/// Said in a refusal: who was refused, and the switch that would allow it.
pub const CALLER: Caller = Caller {
    who: "webhooks",
    switch: "[server.webhooks] allow_private_targets",
};

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
                caller: CALLER,
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
        match crate::outbound::refused_literal(url, CALLER) {
            Some(refused) => Err(refused.to_string()),
            None => Ok(()),
        }
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
