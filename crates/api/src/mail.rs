//! Mail to shoppers and the store's alerts, as the admin API shows its outbox, and the link
//! in each mail that opens the ticket on any device.

use serde::{Deserialize, Serialize};

/// What a mail tells, and so to whom it goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MailKind {
    /// To the shopper: the claim is filed (ticket id, what the store will do, by when).
    Receipt,
    /// To the shopper: the store asks for information.
    InfoRequest,
    /// To the shopper: a message from the store.
    Message,
    /// To the shopper: the decision, with what it means for them.
    Decision,
    /// To the shopper: the ticket is closed.
    Closed,
    /// To the shopper: a fresh link to their ticket, asked for from "Find a request".
    Link,
    /// To the store's support address: a new claim.
    NewClaimAlert,
    /// To the store's support address: the shopper answered.
    ShopperReplyAlert,
    /// To the store's support address: the shopper disputes the handling.
    DisputeAlert,
}

impl MailKind {
    pub const ALL: [MailKind; 9] = [
        MailKind::Receipt,
        MailKind::InfoRequest,
        MailKind::Message,
        MailKind::Decision,
        MailKind::Closed,
        MailKind::Link,
        MailKind::NewClaimAlert,
        MailKind::ShopperReplyAlert,
        MailKind::DisputeAlert,
    ];

    /// The name on the wire, in the database and in Message-IDs.
    pub const fn as_str(self) -> &'static str {
        match self {
            MailKind::Receipt => "receipt",
            MailKind::InfoRequest => "info_request",
            MailKind::Message => "message",
            MailKind::Decision => "decision",
            MailKind::Closed => "closed",
            MailKind::Link => "link",
            MailKind::NewClaimAlert => "new_claim_alert",
            MailKind::ShopperReplyAlert => "shopper_reply_alert",
            MailKind::DisputeAlert => "dispute_alert",
        }
    }

    pub fn parse(name: &str) -> Option<MailKind> {
        MailKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Mail to the store's support address rather than to the shopper.
    pub const fn is_alert(self) -> bool {
        matches!(
            self,
            MailKind::NewClaimAlert | MailKind::ShopperReplyAlert | MailKind::DisputeAlert
        )
    }
}

/// Where a mail stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MailState {
    /// Not delivered yet: waiting for its turn, for SMTP to be configured, or for a retry.
    Pending,
    /// The SMTP server accepted it.
    Sent,
    /// Refused for good (or given up on); `last_error` says why.
    Failed,
}

impl MailState {
    pub const fn as_str(self) -> &'static str {
        match self {
            MailState::Pending => "pending",
            MailState::Sent => "sent",
            MailState::Failed => "failed",
        }
    }

    pub fn parse(name: &str) -> Option<MailState> {
        [MailState::Pending, MailState::Sent, MailState::Failed]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

/// `GET /v1/admin/outbox`: one mail of the site's outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxMail {
    pub id: String,
    pub ticket_id: String,
    /// The timeline event the mail tells of; none for a fresh link.
    pub event_seq: Option<u32>,
    pub kind: MailKind,
    pub recipient: String,
    pub locale: String,
    /// Stable per event, so a mail delivered twice after a crash is one message to clients.
    pub message_id: String,
    pub state: MailState,
    pub attempts: u32,
    /// When a pending mail is tried next (RFC 3339).
    pub next_attempt_at: String,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

/// `POST /v1/tickets/{id}/link`: the secret from the link in a mail (after `#k=`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LinkExchange {
    pub secret: String,
}

/// `POST /v1/sites/{site}/tickets/recover/link`: mail a fresh link to the ticket's address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    pub ticket_id: String,
    /// The address the ticket was filed with (case does not matter).
    pub email: String,
}
