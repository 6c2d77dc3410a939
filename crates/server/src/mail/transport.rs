//! SMTP: lettre over tokio, TLS by rustls (no OpenSSL), as `[smtp]` says.

use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use lettre::transport::smtp::PoolConfig;

use super::config::{MAX_CONCURRENCY, SMTP_PASSWORD_ENV, SmtpConfig, TlsMode};

/// What became of one attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// Refused for good (a 5xx about this mail or its address): retrying will not help.
    Refused(String),
    /// Not now (server down, a 4xx, a login refused): tried again later.
    Later(String),
}

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("[smtp] username is set but ${SMTP_PASSWORD_ENV} is empty or unset")]
    PasswordMissing,
    #[error("[smtp] concurrency must be 1 to {MAX_CONCURRENCY}, not {0}")]
    Concurrency(u32),
    #[error("[smtp] host {0:?}: {1}")]
    Host(String, lettre::transport::smtp::Error),
}

pub struct Transport(AsyncSmtpTransport<Tokio1Executor>);

impl Transport {
    /// One pool of connections, as many as mails go out at once: each is reused from one
    /// mail to the next while it stays open.
    pub fn new(config: &SmtpConfig) -> Result<Transport, TransportError> {
        if let Some(n) = config.concurrency
            && !(1..=MAX_CONCURRENCY).contains(&n)
        {
            return Err(TransportError::Concurrency(n));
        }
        let host = config.host.as_str();
        let builder = match config.tls {
            TlsMode::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            TlsMode::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|e| TransportError::Host(host.to_owned(), e))?,
            TlsMode::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                .map_err(|e| TransportError::Host(host.to_owned(), e))?,
        };
        let mut builder = builder
            .port(config.port())
            .timeout(Some(Duration::from_secs(30)))
            .pool_config(PoolConfig::new().max_size(config.concurrency() as u32));
        if let Some(username) = &config.username {
            let password = std::env::var(SMTP_PASSWORD_ENV)
                .ok()
                .filter(|p| !p.is_empty())
                .ok_or(TransportError::PasswordMissing)?;
            builder = builder.credentials(Credentials::new(username.clone(), password));
        }
        Ok(Transport(builder.build()))
    }

    pub async fn send(&self, message: Message) -> Delivery {
        match self.0.send(message).await {
            Ok(_) => Delivery::Sent,
            Err(e) => classify(&e),
        }
    }
}

/// A 5xx refuses the mail, except a refused login: that is the server's configuration, not
/// this mail's fault, and every mail would fail alike until it is fixed.
fn classify(error: &lettre::transport::smtp::Error) -> Delivery {
    let code = error.status().map(|c| c.to_string());
    let login = code
        .as_deref()
        .is_some_and(|c| ["530", "534", "535", "538"].contains(&c));
    let text = error.to_string();
    if error.is_permanent() && !login {
        Delivery::Refused(text)
    } else {
        Delivery::Later(text)
    }
}
