//! Mail settings: the server's `[smtp]` table and each site's `[sites.mail]`
//! (`helpcenter-server.sample.toml` shows both).

use std::time::Duration;

use helpcenter_api::MailKind;
use lettre::Address;
use lettre::message::Mailbox;
use serde::Deserialize;

/// Read from the environment, never from the config file.
pub const SMTP_PASSWORD_ENV: &str = "HELPCENTER_SMTP_PASSWORD";

/// The most mails `[smtp] concurrency` may deliver at once.
pub const MAX_CONCURRENCY: u32 = 32;

/// How the connection to the SMTP server is secured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain text: only for a server on this machine (a local relay, the dev catcher).
    None,
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// `[smtp]`: where mail goes out.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    /// 25 for `none`, 587 for `starttls`, 465 for `tls` when not given.
    pub port: Option<u16>,
    #[serde(default)]
    pub tls: TlsMode,
    /// Logs in when given, with the password in `$HELPCENTER_SMTP_PASSWORD`.
    pub username: Option<String>,
    /// The wait after the first failed attempt, doubled after each (30 s when not given).
    pub retry_first_seconds: Option<f64>,
    /// The longest wait between attempts (30 min when not given).
    pub retry_max_seconds: Option<f64>,
    /// A mail still not accepted this long after it was written is given up (48 h).
    pub give_up_hours: Option<u32>,
    /// How many mails are delivered at once, each over its own reused connection (4 when
    /// not given, 1 to 32). One ticket's mail to one address always goes one at a time, in
    /// order.
    pub concurrency: Option<u32>,
}

impl SmtpConfig {
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            TlsMode::None => 25,
            TlsMode::Starttls => 587,
            TlsMode::Tls => 465,
        })
    }

    /// The wait before attempt `attempts + 1`, after `attempts` failed ones.
    pub fn backoff(&self, attempts: u32) -> Duration {
        self.retry().backoff(attempts)
    }

    /// Back-off and giving up, for the outbox's scheduler.
    pub fn retry(&self) -> crate::retry::RetryPolicy {
        let first = self.retry_first_seconds.unwrap_or(30.0).max(0.01);
        crate::retry::RetryPolicy {
            first: Duration::from_secs_f64(first),
            max: Duration::from_secs_f64(self.retry_max_seconds.unwrap_or(1800.0).max(first)),
            give_up_after: self.give_up_after(),
        }
    }

    pub fn concurrency(&self) -> usize {
        self.concurrency.unwrap_or(4).clamp(1, MAX_CONCURRENCY) as usize
    }

    pub fn give_up_after(&self) -> Duration {
        Duration::from_secs(u64::from(self.give_up_hours.unwrap_or(48)) * 3600)
    }
}

/// What the server needs to deliver mail, beside each site's own settings.
#[derive(Clone, Debug, Default)]
pub struct MailSettings {
    /// None: mail waits in the outbox.
    pub smtp: Option<SmtpConfig>,
    /// Where shoppers reach this server, for the links in mails (`http://127.0.0.1:8080`).
    pub public_url: String,
}

/// `[sites.mail]` as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteMailConfig {
    /// The name shoppers see the mail come from, e.g. "Demo Store Help Center".
    pub from_name: String,
    pub from_address: String,
    pub reply_to: Option<String>,
    /// The store's own alerts (new claim, shopper's answer, dispute) go here; none without it.
    pub support_address: Option<String>,
    /// Which mails are sent (every one when not given): `receipt`, `info_request`,
    /// `message`, `decision`, `closed`, `link`, `new_claim_alert`, `shopper_reply_alert`,
    /// `dispute_alert`.
    pub events: Option<Vec<MailKind>>,
    /// How many days the link in a mail opens the ticket (30 when not given).
    pub link_days: Option<u32>,
    /// The store's own page that opens the widget on a ticket, e.g.
    /// `https://shop.example/help?ticket={ticket}#k={secret}` (`{locale}`, the language the
    /// shopper filed in, may be placed too); the server's standalone ticket page
    /// (`/t/{ticket}#k={secret}&lang={locale}`) without it.
    pub ticket_url: Option<String>,
}

/// A site's mail settings, checked.
#[derive(Clone, Debug)]
pub struct SiteMail {
    pub from: Mailbox,
    pub reply_to: Option<Mailbox>,
    pub support: Option<Mailbox>,
    pub events: Vec<MailKind>,
    pub link_days: u32,
    pub ticket_url: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum MailConfigError {
    #[error("{field}: {value:?} is not an e-mail address ({reason})")]
    Address {
        field: &'static str,
        value: String,
        reason: String,
    },
    #[error("ticket_url must contain {{ticket}} and {{secret}}: {0:?}")]
    TicketUrl(String),
    #[error("from_name must be one line without control characters: {0:?}")]
    FromName(String),
    #[error("link_days must be 1 to 365")]
    LinkDays,
}

fn address(field: &'static str, value: &str) -> Result<Address, MailConfigError> {
    value.trim().parse().map_err(
        |e: lettre::address::AddressError| MailConfigError::Address {
            field,
            value: value.to_owned(),
            reason: e.to_string(),
        },
    )
}

impl SiteMail {
    pub fn from_config(config: &SiteMailConfig) -> Result<SiteMail, MailConfigError> {
        let from = Mailbox::new(
            Some(config.from_name.clone()),
            address("from_address", &config.from_address)?,
        );
        let reply_to = config
            .reply_to
            .as_deref()
            .map(|a| address("reply_to", a).map(|a| Mailbox::new(None, a)))
            .transpose()?;
        let support = config
            .support_address
            .as_deref()
            .map(|a| address("support_address", a).map(|a| Mailbox::new(None, a)))
            .transpose()?;
        if config.from_name.chars().any(char::is_control) {
            return Err(MailConfigError::FromName(config.from_name.clone()));
        }
        let link_days = config.link_days.unwrap_or(30);
        if !(1..=365).contains(&link_days) {
            return Err(MailConfigError::LinkDays);
        }
        if let Some(url) = &config.ticket_url
            && !(url.contains("{ticket}") && url.contains("{secret}"))
        {
            return Err(MailConfigError::TicketUrl(url.clone()));
        }
        Ok(SiteMail {
            from,
            reply_to,
            support,
            events: config
                .events
                .clone()
                .unwrap_or_else(|| MailKind::ALL.to_vec()),
            link_days,
            ticket_url: config.ticket_url.clone(),
        })
    }

    /// The demo site's: every mail, alerts to the demo store's support address.
    pub fn demo() -> SiteMail {
        let address = |a: &str| a.parse::<Address>().expect("a valid demo address");
        SiteMail {
            from: Mailbox::new(
                Some("Demo Store Help Center".into()),
                address("help@demo-store.example"),
            ),
            reply_to: None,
            support: Some(Mailbox::new(None, address("support@demo-store.example"))),
            events: MailKind::ALL.to_vec(),
            link_days: 30,
            ticket_url: None,
        }
    }

    /// Whether this site sends mail of `kind` (alerts only with a support address).
    pub fn sends(&self, kind: MailKind) -> bool {
        self.events.contains(&kind) && (!kind.is_alert() || self.support.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> SiteMailConfig {
        SiteMailConfig {
            from_name: "Shop".into(),
            from_address: "help@shop.example".into(),
            reply_to: None,
            support_address: None,
            events: None,
            link_days: None,
            ticket_url: None,
        }
    }

    #[test]
    fn a_bad_address_or_template_is_refused_by_name() {
        let bad = SiteMailConfig {
            from_address: "help@shop.example\r\nBcc: x@evil.example".into(),
            ..config()
        };
        let error = SiteMail::from_config(&bad)
            .expect_err("refused")
            .to_string();
        assert!(error.starts_with("from_address:"), "{error}");
        let name = SiteMailConfig {
            from_name: "Shop\r\nBcc: x@evil.example".into(),
            ..config()
        };
        assert!(matches!(
            SiteMail::from_config(&name),
            Err(MailConfigError::FromName(_))
        ));
        let template = SiteMailConfig {
            ticket_url: Some("https://shop.example/help?t={ticket}".into()),
            ..config()
        };
        assert!(matches!(
            SiteMail::from_config(&template),
            Err(MailConfigError::TicketUrl(_))
        ));
    }

    #[test]
    fn alerts_need_a_support_address() {
        let mail = SiteMail::from_config(&config()).expect("valid");
        assert!(mail.sends(MailKind::Receipt));
        assert!(!mail.sends(MailKind::NewClaimAlert));
    }

    #[test]
    fn backoff_doubles_up_to_its_bound() {
        let smtp = SmtpConfig {
            host: "localhost".into(),
            port: None,
            tls: TlsMode::Starttls,
            username: None,
            retry_first_seconds: Some(2.0),
            retry_max_seconds: Some(10.0),
            give_up_hours: None,
            concurrency: None,
        };
        let waits: Vec<u64> = (1..=5).map(|a| smtp.backoff(a).as_secs()).collect();
        assert_eq!(waits, [2, 4, 8, 10, 10]);
        assert_eq!(smtp.port(), 587);
    }
}
