//! The JSON the widget and the server exchange, defined once so the two cannot drift apart.
//! Rules live in `helpcenter-core`; this crate is only the shape of the messages.

mod brand;
pub mod console;
mod json;
mod mail;
mod new_ticket;
mod problem;
mod webhooks;

use helpcenter_core::{CivilDate, Claim, ClaimedItem, DeliverySource, Policy, StoreOrder};
use serde::{Deserialize, Serialize};

pub use brand::{MIN_CONTRAST, contrast_ratio};
pub use mail::{LinkExchange, LinkRequest, MailKind, MailState, OutboxMail};
pub use problem::{ErrorCode, ProblemDetails};
pub use webhooks::{
    DeliveryAttempt, DeliveryState, RotatedSecret, SecretRotation, WebhookData, WebhookDelivery,
    WebhookDeliveryLog, WebhookEndpoint, WebhookEvent, WebhookEventType, WebhookPayload,
    WebhookSecretInfo, WebhookTicket,
};

/// `GET /v1/sites/{site}/widget-config`: everything the widget needs to start.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WidgetConfig {
    pub site: String,
    pub display_name: String,
    pub policy: Policy,
    pub brand: Brand,
    /// The site's Return and Exchange Policy (§II), linked from outcomes that follow it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_policy_url: Option<String>,
    /// Today in the site's time zone: claim windows count the site's days, and the browser
    /// should not need a time-zone database to know which day that is.
    pub today: CivilDate,
    /// The store's logo for the widget's header (an absolute `https` address), beside
    /// `display_name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    /// The mails this site sends the shopper: the widget promises only these.
    #[serde(default)]
    pub shopper_mail: Vec<MailKind>,
    /// Whether the site checks orders with the store (order number + email asked first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_lookup: Option<OrderLookupMode>,
}

impl WidgetConfig {
    /// Whether the site mails the shopper `kind`.
    pub fn mails(&self, kind: MailKind) -> bool {
        self.shopper_mail.contains(&kind)
    }
}

/// `[sites.order_lookup] mode`: what happens when the store's order system cannot answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderLookupMode {
    /// No claim is filed without a checked order.
    Required,
    /// The claim is filed unchecked, marked unverified, with the day the shopper states.
    #[default]
    Optional,
}

/// `POST /v1/sites/{site}/orders/lookup`, and the body the server signs and sends to the store's
/// order endpoint: which order, and the email it must have been placed with.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OrderLookup {
    pub order_number: String,
    pub email: String,
}

/// What the store's order endpoint answers (200, `application/json`): `{"found": false}` when
/// no order has this number **and** this email (the same answer for both), otherwise
/// `{"found": true, "order": {…}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "found": true,
    "order": {
        "order_number": "10023456",
        "placed_on": "2026-11-18",
        "delivered_on": "2026-11-24",
        "carrier": "SF Express",
        "tracking_number": "SF1234567890",
        "items": [
            {"id": "kettle-12", "name": "Stainless kettle 1.7 l", "quantity": 1,
             "image_url": "https://shop.example/img/kettle-12.jpg"},
            {"id": "mug-3", "name": "Stoneware mug", "quantity": 4}
        ]
    }
})))]
pub struct StoreOrderAnswer {
    pub found: bool,
    /// With `found`: the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<StoreOrder>,
}

/// Whether the store vouched for a ticket's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderVerification {
    /// The store's order system found the order with this email at filing.
    Verified,
    /// The store's order system could not be asked (slow, down, nonsense) and the site lets
    /// claims through unchecked: every fact on the ticket is the shopper's.
    Unverified,
}

/// On a ticket of a site that checks orders: what the store said, apart from what the
/// shopper stated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketOrder {
    pub verification: OrderVerification,
    /// With `unverified`: why the store could not vouch, in English for the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unverified_reason: Option<String>,
    /// Whether the ticket's `delivered_on` is the store's or the shopper's.
    pub delivered_on_source: DeliverySource,
    /// With `verified`: the order as the store described it at filing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_order: Option<StoreOrder>,
    /// The items the claim is about (ids of `store_order.items`).
    #[serde(default)]
    pub items: Vec<ClaimedItem>,
    /// When the store was asked (RFC 3339).
    pub checked_at: String,
}

/// The merchant's look, applied to the widget's CSS custom properties.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Brand {
    /// Buttons, links and focus rings; a `#rrggbb` colour.
    pub primary_color: String,
    /// Text on `primary_color`; a `#rrggbb` colour.
    pub on_primary_color: String,
    /// Corner radius of cards and buttons, in CSS pixels.
    pub radius_px: u8,
}

impl Default for Brand {
    fn default() -> Self {
        Self {
            primary_color: "#1f5fbf".into(),
            on_primary_color: "#ffffff".into(),
            radius_px: 10,
        }
    }
}

/// `POST /v1/sites/{site}/tickets`, with an `Idempotency-Key` header: the shopper's claim as
/// entered, plus the ids of the finished uploads that carry its evidence.
///
/// On the wire one flat object, the claim's fields beside the request's own, unknown fields
/// refused: it travels as the private `NewTicketWire` (`new_ticket.rs`), which also gives the
/// OpenAPI document its schema. The server hashes this JSON for idempotency, so its text must
/// not change (a test pins it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "new_ticket::NewTicketWire", into = "new_ticket::NewTicketWire")]
pub struct NewTicket {
    /// The claim as the shopper entered it.
    pub claim: Claim,
    /// tus upload ids, in the order the shopper attached them.
    pub uploads: Vec<String>,
    /// The language the shopper filed in, for the store's replies.
    pub locale: String,
    /// A merchant-signed identity token when the shopper is signed in to the store.
    pub identity_token: Option<String>,
    /// On a site that checks orders: the items of the order the claim is about.
    pub items: Vec<ClaimedItem>,
}

/// The answer to a create: keep `access_token`, it is the only way back to the ticket
/// (besides ticket id + order number + email).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketCreated {
    pub ticket_id: String,
    pub access_token: String,
    pub ticket: TicketView,
}

/// Who acted on a ticket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventActor {
    Shopper,
    Agent,
    System,
}

/// What happened on the timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Created,
    StatusChanged,
    /// The agent asked for more information (the ticket is now `needs_info`).
    InfoRequested,
    /// A message from the store to the shopper.
    Message,
    /// The shopper answered, possibly with more evidence.
    ShopperReply,
    /// Only agents see these.
    InternalNote,
}

/// One entry of a ticket's timeline; `seq` is also its Server-Sent Events id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketEvent {
    pub seq: u32,
    /// RFC 3339, UTC.
    pub at: String,
    pub kind: EventKind,
    pub actor: EventActor,
    /// The ticket's status after this event.
    pub status: helpcenter_core::TicketStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<helpcenter_core::ResolutionKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Upload ids that came with this event.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

/// A file the shopper sent, as listed on the ticket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvidenceItem {
    pub id: String,
    pub filename: String,
    pub media_type: helpcenter_core::MediaType,
    pub bytes: u64,
    /// Where to download it: in the shopper's view, `/v1/tickets/{id}/evidence/{upload}` with
    /// the ticket's access token; in the admin API's, `/v1/admin/tickets/{id}/evidence/{upload}`
    /// with the admin key.
    pub url: String,
}

/// `GET /v1/tickets/{id}`: a ticket as its shopper sees it (no internal notes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketView {
    pub id: String,
    pub site: String,
    pub status: helpcenter_core::TicketStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<helpcenter_core::ResolutionKind>,
    pub category: String,
    pub outcome: String,
    pub remedy: helpcenter_core::Remedy,
    pub order_number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivered_on: Option<CivilDate>,
    /// What the shopper wrote when filing, as they wrote it: their claim reads back to them.
    pub description: String,
    /// The answers the shopper picked in the decision tree, by id, in order (the widget
    /// words them from the policy it already has).
    pub answers: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    /// When the store promised a first answer by (§II preliminary verification).
    pub respond_by: String,
    /// Where the shopper can go from here themselves (answer, dispute).
    pub shopper_can: Vec<helpcenter_core::TicketStatus>,
    pub timeline: Vec<TicketEvent>,
    pub evidence: Vec<EvidenceItem>,
    /// On a site that checks orders: what the store said about the order, and whether
    /// `delivered_on` is the store's or the shopper's. (Boxed: most tickets have none.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<Box<TicketOrder>>,
}

/// `GET /v1/sites/{site}/identity`: who the store's identity token signs in, so the widget
/// can say "Signed in as …" from the server's word rather than from the token's own text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedIn {
    /// The customer's id in the store.
    pub customer_id: String,
    pub email: String,
}

/// A row of "my requests".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketSummary {
    pub id: String,
    pub category: String,
    pub outcome: String,
    pub status: helpcenter_core::TicketStatus,
    pub updated_at: String,
    /// The `seq` of the newest event the shopper can see: above the one they last saw means
    /// there is news for them.
    pub latest_event: u32,
}

/// `POST /v1/tickets/{id}/replies`: the shopper writes to the store while the ticket is open
/// (an answer to a request for information, or more words and files of their own).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Reply {
    pub message: String,
    pub uploads: Vec<String>,
}

/// `POST /v1/tickets/{id}/escalate`: the shopper disputes how the ticket is handled (§IV).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Escalation {
    /// Why the shopper disagrees (may be empty).
    pub message: String,
}

/// `POST /v1/sites/{site}/tickets/recover`: a ticket found again without its token.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RecoverTicket {
    pub ticket_id: String,
    pub order_number: String,
    pub email: String,
}

/// `POST /v1/admin/tickets/{id}/transition`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Transition {
    pub to: helpcenter_core::TicketStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<helpcenter_core::ResolutionKind>,
    /// Shown to the shopper with the change (required when asking for information).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `POST /v1/admin/tickets/{id}/messages`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AgentMessage {
    pub body: String,
    /// An internal note, never shown to the shopper.
    #[serde(default)]
    pub internal: bool,
}

/// A ticket as an agent sees it: everything the shopper sees plus contact details and
/// internal notes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminTicketView {
    #[serde(flatten)]
    pub ticket: TicketView,
    pub email: String,
    pub locale: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// Where an agent can move it from here.
    pub agent_can: Vec<helpcenter_core::TicketStatus>,
    /// Who did each agent event of `timeline`: an agent of the console by name, or
    /// `admin key` for the admin API and the CLI.
    #[serde(default)]
    pub acted_by: Vec<ActedBy>,
}

/// Who did one event of a ticket's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActedBy {
    /// The event's `seq`.
    pub seq: u32,
    /// The agent's name, or `admin key`.
    pub by: String,
    /// The agent's id; absent for the admin key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
}

/// The tus 1.0 resumable-upload protocol as this API speaks it (core, creation, termination,
/// expiration and checksum): the names the server answers to and the widget sends, kept in
/// one place so neither side can spell one differently.
pub mod tus {
    /// The protocol version both sides speak, the value of `Tus-Resumable` and `Tus-Version`.
    pub const VERSION: &str = "1.0.0";

    // Header names, in lower case: HTTP names are case-insensitive, and the server's
    // `HeaderName::from_static` accepts only lower case.
    pub const TUS_RESUMABLE: &str = "tus-resumable";
    pub const TUS_VERSION: &str = "tus-version";
    pub const TUS_EXTENSION: &str = "tus-extension";
    pub const TUS_MAX_SIZE: &str = "tus-max-size";
    pub const TUS_CHECKSUM_ALGORITHM: &str = "tus-checksum-algorithm";
    pub const UPLOAD_LENGTH: &str = "upload-length";
    pub const UPLOAD_OFFSET: &str = "upload-offset";
    pub const UPLOAD_METADATA: &str = "upload-metadata";
    pub const UPLOAD_EXPIRES: &str = "upload-expires";
    pub const UPLOAD_DEFER_LENGTH: &str = "upload-defer-length";
    pub const UPLOAD_CHECKSUM: &str = "upload-checksum";

    /// The content type of a PATCH's body.
    pub const OFFSET_STREAM: &str = "application/offset+octet-stream";

    /// Keys of `Upload-Metadata`.
    pub mod metadata {
        /// The site's key: required.
        pub const SITE: &str = "site";
        /// The file's name on the shopper's device: required.
        pub const FILENAME: &str = "filename";
        /// The outcome the claim reached, when known: its size and type limits apply instead
        /// of the largest of the site's.
        pub const OUTCOME: &str = "outcome";
        /// `true`: the client took the photo's location out before sending it (the widget
        /// does, on the shopper's device), so the ticket says "location removed" of a file
        /// that arrives without one. `false` or absent: it did not.
        pub const LOCATION_REMOVED: &str = "location_removed";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim() -> NewTicket {
        NewTicket {
            claim: Claim {
                category: "product_quality".into(),
                answers: vec!["fault".into()],
                order_number: "10023456".into(),
                description: "The kettle stopped heating after two days.".into(),
                email: "wei@example.com".into(),
                delivered_on: "2026-11-20".into(),
            },
            uploads: vec!["u1".into()],
            locale: "en".into(),
            identity_token: None,
            items: Vec::new(),
        }
    }

    /// The claim's fields in the order they always had: the server's idempotency check hashes
    /// this text, so a retry after an upgrade still matches.
    #[test]
    fn a_new_ticket_is_one_flat_object_as_before() {
        let text = serde_json::to_string(&claim()).expect("json");
        assert_eq!(
            text,
            r#"{"category":"product_quality","answers":["fault"],"order_number":"10023456","description":"The kettle stopped heating after two days.","email":"wei@example.com","delivered_on":"2026-11-20","uploads":["u1"],"locale":"en"}"#
        );
        assert_eq!(serde_json::from_str::<NewTicket>(&text).ok(), Some(claim()));
        // With a signed-in shopper and a verified order: their fields after the rest.
        let signed_in = NewTicket {
            identity_token: Some("signed".into()),
            items: vec![ClaimedItem {
                id: "kettle".into(),
                quantity: 1,
            }],
            ..claim()
        };
        let text = serde_json::to_string(&signed_in).expect("json");
        assert_eq!(
            text,
            r#"{"category":"product_quality","answers":["fault"],"order_number":"10023456","description":"The kettle stopped heating after two days.","email":"wei@example.com","delivered_on":"2026-11-20","uploads":["u1"],"locale":"en","identity_token":"signed","items":[{"id":"kettle","quantity":1}]}"#
        );
        assert_eq!(
            serde_json::from_str::<NewTicket>(&text).ok(),
            Some(signed_in)
        );
    }

    #[test]
    fn a_new_ticket_refuses_unknown_fields_and_defaults_missing_ones() {
        let unknown = r#"{"category":"product_quality","colour":"red"}"#;
        let refused = serde_json::from_str::<NewTicket>(unknown).expect_err("unknown field");
        assert!(
            refused.to_string().contains("unknown field `colour`"),
            "{refused}"
        );
        // The claim is not a member of its own: its fields stand beside the request's.
        let nested = r#"{"claim":{"category":"product_quality"}}"#;
        assert!(serde_json::from_str::<NewTicket>(nested).is_err());
        let partial: NewTicket =
            serde_json::from_str(r#"{"email":"wei@example.com"}"#).expect("partial");
        assert_eq!(partial.claim.email, "wei@example.com");
        assert_eq!(partial.claim.category, "");
        assert!(partial.uploads.is_empty());
    }
}
