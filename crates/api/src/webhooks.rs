//! Webhooks to the store's own systems (its ERP, Slack, its own mail): what each delivery
//! carries, signed the Standard Webhooks way (<https://www.standardwebhooks.com>), and the
//! delivery log the admin API shows.

use helpcenter_core::{CivilDate, ResolutionKind, TicketStatus};
use serde::{Deserialize, Serialize};

use crate::EventActor;

/// What happened to a ticket: the `type` of a delivery, and what an endpoint subscribes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WebhookEventType {
    /// A shopper filed a claim.
    #[serde(rename = "ticket.created")]
    Created,
    /// The store moved the ticket (under review, resolved with a resolution, closed, …).
    #[serde(rename = "ticket.status_changed")]
    StatusChanged,
    /// The shopper answered, possibly with more evidence.
    #[serde(rename = "ticket.shopper_replied")]
    ShopperReplied,
    /// The shopper disputes the handling (§IV): the ticket is `escalated`.
    #[serde(rename = "ticket.escalated")]
    Escalated,
    /// An agent asked the shopper for information: the ticket is `needs_info`.
    #[serde(rename = "ticket.info_requested")]
    InfoRequested,
    /// An agent (or the store's automation) wrote to the shopper.
    #[serde(rename = "ticket.agent_replied")]
    AgentReplied,
    /// An agent left an internal note, which the shopper never sees.
    #[serde(rename = "ticket.note_added")]
    NoteAdded,
    /// The ticket was given to an agent, or to nobody.
    #[serde(rename = "ticket.assigned")]
    Assigned,
}

impl WebhookEventType {
    pub const ALL: [WebhookEventType; 8] = [
        WebhookEventType::Created,
        WebhookEventType::StatusChanged,
        WebhookEventType::ShopperReplied,
        WebhookEventType::Escalated,
        WebhookEventType::InfoRequested,
        WebhookEventType::AgentReplied,
        WebhookEventType::NoteAdded,
        WebhookEventType::Assigned,
    ];

    /// The name on the wire, in the config file and in the database.
    pub const fn as_str(self) -> &'static str {
        match self {
            WebhookEventType::Created => "ticket.created",
            WebhookEventType::StatusChanged => "ticket.status_changed",
            WebhookEventType::ShopperReplied => "ticket.shopper_replied",
            WebhookEventType::Escalated => "ticket.escalated",
            WebhookEventType::InfoRequested => "ticket.info_requested",
            WebhookEventType::AgentReplied => "ticket.agent_replied",
            WebhookEventType::NoteAdded => "ticket.note_added",
            WebhookEventType::Assigned => "ticket.assigned",
        }
    }

    pub fn parse(name: &str) -> Option<WebhookEventType> {
        WebhookEventType::ALL
            .into_iter()
            .find(|t| t.as_str() == name)
    }
}

/// The body of every delivery (Standard Webhooks' `type`, `timestamp`, `data`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookPayload {
    #[serde(rename = "type")]
    pub event_type: WebhookEventType,
    /// When the event happened (RFC 3339, UTC); the same on every attempt.
    pub timestamp: String,
    pub data: WebhookData,
}

/// The ticket as it stood right after the event, and the event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookData {
    pub ticket: WebhookTicket,
    pub event: WebhookEvent,
}

/// The ticket's summary: enough for an ERP or a Slack message without calling back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookTicket {
    /// `HC-7F3K9Q`: the ticket in `GET /v1/admin/tickets/{id}`.
    pub id: String,
    /// The site's key (`data-site` of the embed tag).
    pub site: String,
    pub status: TicketStatus,
    pub resolution: Option<ResolutionKind>,
    /// The policy's category and outcome ids.
    pub category: String,
    pub outcome: String,
    /// As the policy normalises it (no `#`, upper case).
    pub order_number: String,
    /// The shopper's address.
    pub email: String,
    /// The language the shopper filed in.
    pub locale: String,
    /// The store's customer id, when the shopper was signed in.
    pub customer_id: Option<String>,
    /// The delivery day the claim window counts from, when the claim has one.
    pub delivered_on: Option<CivilDate>,
    pub created_at: String,
    pub updated_at: String,
    /// When the store promised its first answer.
    pub respond_by: String,
    /// The id of the agent working it, if any.
    pub assignee: Option<String>,
}

/// The timeline entry the delivery tells of.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEvent {
    /// Its number on the ticket's timeline: deliveries of one ticket to one endpoint arrive
    /// in this order.
    pub seq: u32,
    pub at: String,
    pub actor: EventActor,
    /// What was written: the shopper's reply, the agent's message or note, the agent's words
    /// with a status change.
    pub message: Option<String>,
}

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not delivered yet: waiting for its turn or for a retry.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Given up on (after 24 hours of retries, or a target refused); `last_error` says why.
    Failed,
}

impl DeliveryState {
    pub const fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    pub fn parse(name: &str) -> Option<DeliveryState> {
        [
            DeliveryState::Pending,
            DeliveryState::Delivered,
            DeliveryState::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }
}

/// `GET /v1/admin/webhooks/deliveries`: one event for one endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    /// `msg_…`: the `webhook-id` header, the same on every attempt, so a receiver drops a
    /// copy it has seen.
    pub id: String,
    /// The endpoint's name in the config.
    pub endpoint: String,
    pub ticket_id: String,
    pub event_seq: u32,
    pub event_type: WebhookEventType,
    pub state: DeliveryState,
    pub attempts: u32,
    /// When a pending delivery is tried next (RFC 3339).
    pub next_attempt_at: String,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// The HTTP status the endpoint last answered, if it answered.
    pub last_status: Option<u16>,
    pub created_at: String,
    pub delivered_at: Option<String>,
}

/// `GET /v1/admin/webhooks/deliveries/{id}`: a delivery with its body and every attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDeliveryLog {
    pub delivery: WebhookDelivery,
    /// The body as sent (a [`WebhookPayload`]), byte for byte.
    pub body: String,
    pub attempts: Vec<DeliveryAttempt>,
}

/// One attempt at a delivery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryAttempt {
    pub attempt: u32,
    pub at: String,
    /// The HTTP status, when the endpoint answered.
    pub status: Option<u16>,
    /// What went wrong, when it did.
    pub error: Option<String>,
    pub duration_ms: u64,
    /// The start of the endpoint's answer (at most 1 KiB), for debugging.
    pub response: Option<String>,
}

/// `GET /v1/admin/webhooks`: an endpoint of the site, as configured.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpoint {
    pub name: String,
    pub url: String,
    pub events: Vec<WebhookEventType>,
    /// The signing secrets in use, by fingerprint; empty until one is made.
    pub secrets: Vec<WebhookSecretInfo>,
}

/// A signing secret, never shown again after it is made: its fingerprint (the first 12 hex
/// digits of its SHA-256) and until when deliveries are signed with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookSecretInfo {
    pub fingerprint: String,
    pub created_at: String,
    /// When it stops being used; none for the current secret.
    pub retires_at: Option<String>,
}

/// `POST /v1/admin/webhooks/{endpoint}/rotate-secret`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SecretRotation {
    /// How long deliveries are still signed with the secrets in use too (both signatures in
    /// `webhook-signature`), so the receiver can move to the new one: 0 to 2,592,000 (30
    /// days); 86,400 (24 hours) when not given.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 2592000))]
    #[serde(default, deserialize_with = "whole_number")]
    pub overlap_seconds: Option<u64>,
}

/// A whole number, also when written with a fraction of zero (`3600.0`), as JSON Schema's
/// `integer` allows; a negative or fractional number is refused.
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    struct Whole;
    impl<'de> serde::de::Visitor<'de> for Whole {
        type Value = Option<u64>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a whole number of seconds")
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D2: serde::Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(Whole)
        }

        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }

        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
            u64::try_from(v)
                .map(Some)
                .map_err(|_| E::custom("a number of seconds is not negative"))
        }

        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
            if v.fract() == 0.0 && (0.0..=9.0e15).contains(&v) {
                Ok(Some(v as u64))
            } else {
                Err(E::custom("a number of seconds is whole and not negative"))
            }
        }
    }
    d.deserialize_option(Whole)
}

/// The new secret, shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RotatedSecret {
    pub endpoint: String,
    /// `whsec_` + base64 of 32 random bytes, as the Standard Webhooks libraries take it.
    pub secret: String,
    pub fingerprint: String,
    /// Until when deliveries are also signed with the secrets used until now.
    pub previous_until: String,
}

#[cfg(test)]
mod tests {
    use super::SecretRotation;

    #[test]
    fn an_overlap_is_read_as_a_whole_number_of_seconds() {
        let read =
            |text: &str| serde_json::from_str::<SecretRotation>(text).map(|r| r.overlap_seconds);
        assert_eq!(read("{}").ok(), Some(None));
        assert_eq!(read(r#"{"overlap_seconds": null}"#).ok(), Some(None));
        assert_eq!(read(r#"{"overlap_seconds": 3600}"#).ok(), Some(Some(3600)));
        assert_eq!(read(r#"{"overlap_seconds": 461.0}"#).ok(), Some(Some(461)));
        assert!(read(r#"{"overlap_seconds": 1.5}"#).is_err());
        assert!(read(r#"{"overlap_seconds": -1}"#).is_err());
        assert!(read(r#"{"overlap_seconds": "1h"}"#).is_err());
        assert!(read(r#"{"overlap": 1}"#).is_err());
    }
}
