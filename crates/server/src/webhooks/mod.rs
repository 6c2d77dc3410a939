//! Webhooks to the store's own systems: which deliveries a ticket event causes ([`plan`]),
//! written to the webhook outbox in the event's own transaction as mail is; [`worker`]
//! delivers them in order per ticket and endpoint, signed the Standard Webhooks way
//! ([`sign`]), over bounded HTTP that reaches only public addresses ([`http`]), retrying
//! with back-off for up to a day. [`admin`] is the delivery log, re-sending and secret
//! rotation that the admin API and the CLI share.

pub mod admin;
pub mod config;
pub mod http;
pub mod sign;
pub mod worker;

use helpcenter_api::{
    EventActor, EventKind, WebhookData, WebhookEvent, WebhookEventType, WebhookPayload,
    WebhookTicket,
};
use helpcenter_core::{ResolutionKind, TicketStatus};

pub use config::{Endpoint, SiteWebhookConfig, WebhookSettings};

use crate::sites::Site;
use crate::store::tickets::{NewEvent, TicketRecord};
use crate::store::webhooks::NewWebhook;

/// The one type of delivery a timeline event is.
pub fn event_type(event: &NewEvent<'_>) -> WebhookEventType {
    match (event.kind, event.status) {
        (EventKind::Created, _) => WebhookEventType::Created,
        (EventKind::StatusChanged, TicketStatus::Escalated) => WebhookEventType::Escalated,
        (EventKind::StatusChanged, _) => WebhookEventType::StatusChanged,
        (EventKind::InfoRequested, _) => WebhookEventType::InfoRequested,
        (EventKind::Message, _) => WebhookEventType::AgentReplied,
        (EventKind::ShopperReply, _) => WebhookEventType::ShopperReplied,
        (EventKind::InternalNote, _) => WebhookEventType::NoteAdded,
    }
}

/// The deliveries event `seq` of `ticket` causes on its site, ready to be written with it.
pub fn plan(site: &Site, ticket: &TicketRecord, seq: u32, event: &NewEvent<'_>) -> Vec<NewWebhook> {
    let event_type = event_type(event);
    deliveries(site, event_type, || WebhookPayload {
        event_type,
        timestamp: crate::store::timestamp(event.at),
        data: WebhookData {
            ticket: summary(ticket, event.status, event.resolution),
            event: WebhookEvent {
                seq,
                at: crate::store::timestamp(event.at),
                actor: event.actor,
                message: event.message.map(str::to_owned),
            },
        },
    })
}

/// The deliveries of `ticket.assigned` (event `seq`, made at `at`).
pub fn plan_assigned(site: &Site, ticket: &TicketRecord, seq: u32, at: &str) -> Vec<NewWebhook> {
    let status = ticket.status().unwrap_or(TicketStatus::Submitted);
    deliveries(site, WebhookEventType::Assigned, || WebhookPayload {
        event_type: WebhookEventType::Assigned,
        timestamp: at.to_owned(),
        data: WebhookData {
            ticket: summary(ticket, status, None),
            event: WebhookEvent {
                seq,
                at: at.to_owned(),
                actor: EventActor::Agent,
                message: None,
            },
        },
    })
}

/// One delivery per endpoint of `site` subscribed to `event_type`, all with the same body.
fn deliveries(
    site: &Site,
    event_type: WebhookEventType,
    payload: impl FnOnce() -> WebhookPayload,
) -> Vec<NewWebhook> {
    let endpoints: Vec<&Endpoint> = site
        .webhooks
        .iter()
        .filter(|e| e.wants(event_type))
        .collect();
    if endpoints.is_empty() {
        return Vec::new();
    }
    let Ok(body) = serde_json::to_string(&payload()) else {
        return Vec::new();
    };
    endpoints
        .into_iter()
        .map(|endpoint| NewWebhook {
            id: new_delivery_id(),
            site: site.key.clone(),
            endpoint: endpoint.name.clone(),
            event_type,
            body: body.clone(),
        })
        .collect()
}

/// The ticket as it stands right after the event (`status` and `resolution` the event's,
/// when one transaction records several).
fn summary(
    ticket: &TicketRecord,
    status: TicketStatus,
    resolution: Option<ResolutionKind>,
) -> WebhookTicket {
    WebhookTicket {
        id: ticket.id.clone(),
        site: ticket.site.clone(),
        status,
        resolution: resolution.or(ticket.resolution().ok().flatten()),
        category: ticket.category.clone(),
        outcome: ticket.outcome.clone(),
        order_number: ticket.order_number.clone(),
        email: ticket.email.clone(),
        locale: ticket.locale.clone(),
        customer_id: ticket.customer_id.clone(),
        delivered_on: ticket.delivered_on().ok().flatten(),
        created_at: ticket.created_at.clone(),
        updated_at: ticket.updated_at.clone(),
        respond_by: ticket.respond_by.clone(),
        assignee: ticket.assignee.clone(),
    }
}

/// A delivery's id: its `webhook-id` ([`sign::new_message_id`]).
fn new_delivery_id() -> String {
    sign::new_message_id()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: EventKind, actor: EventActor, status: TicketStatus) -> NewEvent<'static> {
        NewEvent {
            kind,
            actor,
            status,
            resolution: None,
            message: None,
            public: true,
            uploads: &[],
            at: jiff::Timestamp::UNIX_EPOCH,
            agent: None,
        }
    }

    #[test]
    fn each_timeline_event_is_one_type_of_delivery() {
        use EventActor::*;
        use EventKind::*;
        use TicketStatus::*;
        let cases = [
            (
                event(Created, Shopper, Submitted),
                WebhookEventType::Created,
            ),
            (
                event(StatusChanged, Agent, InReview),
                WebhookEventType::StatusChanged,
            ),
            (
                event(StatusChanged, Agent, Resolved),
                WebhookEventType::StatusChanged,
            ),
            (
                event(StatusChanged, Shopper, Escalated),
                WebhookEventType::Escalated,
            ),
            (
                event(ShopperReply, Shopper, InReview),
                WebhookEventType::ShopperReplied,
            ),
            (
                event(InfoRequested, Agent, NeedsInfo),
                WebhookEventType::InfoRequested,
            ),
            (
                event(Message, Agent, InReview),
                WebhookEventType::AgentReplied,
            ),
            (
                event(InternalNote, Agent, InReview),
                WebhookEventType::NoteAdded,
            ),
        ];
        for (event, wanted) in cases {
            assert_eq!(event_type(&event), wanted, "{:?}", event.kind);
        }
    }

    #[test]
    fn event_types_read_back_from_their_names() {
        for t in WebhookEventType::ALL {
            assert_eq!(WebhookEventType::parse(t.as_str()), Some(t));
            assert_eq!(
                serde_json::to_value(t).expect("json"),
                serde_json::Value::String(t.as_str().to_owned())
            );
        }
    }
}
