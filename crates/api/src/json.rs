//! The types the widget reads and writes, read and written by hand with
//! [`helpcenter_core::json`] rather than serde_json (see there why): the site's configuration
//! and a claim waiting to be sent again (the first load), and what the later screens exchange
//! with the server (tickets, their events, refusals, replies). serde_json's decoders for these
//! cost the widget's filing journey tens of kilobytes; the server keeps serde.

use helpcenter_core::Claim;
use helpcenter_core::json::{FromJson, Json, ObjectWriter, ToJson};

use crate::{
    Brand, ErrorCode, Escalation, EventActor, EventKind, EvidenceItem, LinkExchange, LinkRequest,
    MailKind, NewTicket, OrderLookup, OrderVerification, ProblemDetails, RecoverTicket, Reply,
    SignedIn, TicketEvent, TicketOrder, TicketSummary, TicketView, WidgetConfig,
};

impl FromJson for WidgetConfig {
    fn from_json(json: &Json) -> Option<Self> {
        Some(WidgetConfig {
            site: json.field("site")?,
            display_name: json.field("display_name")?,
            policy: json.field("policy")?,
            brand: json.field("brand")?,
            return_policy_url: json.optional("return_policy_url")?,
            today: json.field("today")?,
            logo_url: json.optional("logo_url")?,
            shopper_mail: json.or("shopper_mail", Vec::new())?,
            order_lookup: match json.optional::<String>("order_lookup")?.as_deref() {
                None => None,
                Some("required") => Some(crate::OrderLookupMode::Required),
                Some(_) => Some(crate::OrderLookupMode::Optional),
            },
        })
    }
}

impl FromJson for MailKind {
    fn from_json(json: &Json) -> Option<Self> {
        MailKind::parse(json.as_str()?)
    }
}

impl FromJson for Brand {
    fn from_json(json: &Json) -> Option<Self> {
        Some(Brand {
            primary_color: json.field("primary_color")?,
            on_primary_color: json.field("on_primary_color")?,
            radius_px: json.field("radius_px")?,
        })
    }
}

impl FromJson for NewTicket {
    fn from_json(json: &Json) -> Option<Self> {
        Some(NewTicket {
            claim: Claim::from_json(json)?,
            uploads: json.or("uploads", Vec::new())?,
            locale: json.or("locale", String::new())?,
            identity_token: json.optional("identity_token")?,
            items: json.or("items", Vec::new())?,
        })
    }
}

impl ToJson for NewTicket {
    fn write_json(&self, out: &mut String) {
        let mut object = ObjectWriter::new(out);
        object
            .members(&self.claim)
            .member("uploads", &self.uploads)
            .member("locale", &self.locale);
        if let Some(token) = &self.identity_token {
            object.member("identity_token", token);
        }
        if !self.items.is_empty() {
            object.member("items", &self.items);
        }
        object.end();
    }
}

impl FromJson for EventActor {
    fn from_json(json: &Json) -> Option<Self> {
        match json.as_str()? {
            "shopper" => Some(EventActor::Shopper),
            "agent" => Some(EventActor::Agent),
            "system" => Some(EventActor::System),
            _ => None,
        }
    }
}

impl FromJson for EventKind {
    fn from_json(json: &Json) -> Option<Self> {
        match json.as_str()? {
            "created" => Some(EventKind::Created),
            "status_changed" => Some(EventKind::StatusChanged),
            "info_requested" => Some(EventKind::InfoRequested),
            "message" => Some(EventKind::Message),
            "shopper_reply" => Some(EventKind::ShopperReply),
            "internal_note" => Some(EventKind::InternalNote),
            _ => None,
        }
    }
}

impl FromJson for TicketEvent {
    fn from_json(json: &Json) -> Option<Self> {
        Some(TicketEvent {
            seq: json.field("seq")?,
            at: json.field("at")?,
            kind: json.field("kind")?,
            actor: json.field("actor")?,
            status: json.field("status")?,
            resolution: json.optional("resolution")?,
            message: json.optional("message")?,
            evidence: json.or("evidence", Vec::new())?,
        })
    }
}

impl FromJson for EvidenceItem {
    fn from_json(json: &Json) -> Option<Self> {
        Some(EvidenceItem {
            id: json.field("id")?,
            filename: json.field("filename")?,
            media_type: json.field("media_type")?,
            bytes: json.field("bytes")?,
            url: json.field("url")?,
        })
    }
}

impl FromJson for TicketView {
    fn from_json(json: &Json) -> Option<Self> {
        Some(TicketView {
            id: json.field("id")?,
            site: json.field("site")?,
            status: json.field("status")?,
            resolution: json.optional("resolution")?,
            category: json.field("category")?,
            outcome: json.field("outcome")?,
            remedy: json.field("remedy")?,
            order_number: json.field("order_number")?,
            delivered_on: json.optional("delivered_on")?,
            description: json.field("description")?,
            answers: json.field("answers")?,
            created_at: json.field("created_at")?,
            updated_at: json.field("updated_at")?,
            respond_by: json.field("respond_by")?,
            shopper_can: json.field("shopper_can")?,
            timeline: json.field("timeline")?,
            evidence: json.field("evidence")?,
            order: json.optional::<TicketOrder>("order")?.map(Box::new),
        })
    }
}

impl FromJson for TicketOrder {
    fn from_json(json: &Json) -> Option<Self> {
        Some(TicketOrder {
            verification: match json.field::<String>("verification")?.as_str() {
                "verified" => OrderVerification::Verified,
                "unverified" => OrderVerification::Unverified,
                _ => return None,
            },
            unverified_reason: json.optional("unverified_reason")?,
            delivered_on_source: json.field("delivered_on_source")?,
            store_order: json.optional("store_order")?,
            items: json.or("items", Vec::new())?,
            checked_at: json.field("checked_at")?,
        })
    }
}

/// What the widget's order step asks the server (the store's order number and email).
impl ToJson for OrderLookup {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out)
            .member("order_number", &self.order_number)
            .member("email", &self.email)
            .end();
    }
}

impl FromJson for SignedIn {
    fn from_json(json: &Json) -> Option<Self> {
        Some(SignedIn {
            customer_id: json.field("customer_id")?,
            email: json.field("email")?,
        })
    }
}

impl FromJson for TicketSummary {
    fn from_json(json: &Json) -> Option<Self> {
        Some(TicketSummary {
            id: json.field("id")?,
            category: json.field("category")?,
            outcome: json.field("outcome")?,
            status: json.field("status")?,
            updated_at: json.field("updated_at")?,
            latest_event: json.field("latest_event")?,
        })
    }
}

/// A code this build does not know reads as [`ErrorCode::Unknown`], as serde reads it.
impl FromJson for ErrorCode {
    fn from_json(json: &Json) -> Option<Self> {
        let name = json.as_str()?;
        Some(
            ErrorCode::ALL
                .into_iter()
                .find(|code| code.as_str() == name)
                .unwrap_or(ErrorCode::Unknown),
        )
    }
}

impl FromJson for ProblemDetails {
    fn from_json(json: &Json) -> Option<Self> {
        Some(ProblemDetails {
            kind: json.or("type", String::new())?,
            title: json.or("title", String::new())?,
            status: json.or("status", 0)?,
            detail: json.or("detail", String::new())?,
            code: json.field("code")?,
            problems: json.optional("problems")?,
            allowed: json.optional("allowed")?,
        })
    }
}

impl ToJson for Reply {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out)
            .member("message", &self.message)
            .member("uploads", &self.uploads)
            .end();
    }
}

impl ToJson for Escalation {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out)
            .member("message", &self.message)
            .end();
    }
}

impl ToJson for RecoverTicket {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out)
            .member("ticket_id", &self.ticket_id)
            .member("order_number", &self.order_number)
            .member("email", &self.email)
            .end();
    }
}

impl ToJson for LinkRequest {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out)
            .member("ticket_id", &self.ticket_id)
            .member("email", &self.email)
            .end();
    }
}

impl ToJson for LinkExchange {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out).member("secret", &self.secret).end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Json {
        Json::parse(text).unwrap_or_else(|| panic!("{text} is JSON"))
    }

    #[test]
    fn a_widget_config_reads_as_serde_reads_it() {
        let config = WidgetConfig {
            site: "demo".into(),
            display_name: "Demo \"Store\"".into(),
            policy: helpcenter_core::Policy::builtin(),
            brand: Brand::default(),
            return_policy_url: Some("https://shop.example/returns".into()),
            today: "2026-12-03".parse().expect("date"),
            logo_url: Some("https://shop.example/logo.svg".into()),
            shopper_mail: vec![MailKind::Receipt, MailKind::Decision],
            order_lookup: Some(crate::OrderLookupMode::Required),
        };
        let text = serde_json::to_string(&config).expect("json");
        assert_eq!(WidgetConfig::from_json(&parse(&text)), Some(config.clone()));
        let without_url = WidgetConfig {
            return_policy_url: None,
            logo_url: None,
            shopper_mail: Vec::new(),
            order_lookup: None,
            ..config
        };
        let text = serde_json::to_string(&without_url).expect("json");
        assert!(!text.contains("return_policy_url") && !text.contains("logo_url"));
        assert!(!text.contains("order_lookup"));
        assert_eq!(WidgetConfig::from_json(&parse(&text)), Some(without_url));
        assert_eq!(WidgetConfig::from_json(&parse("{\"site\":\"demo\"}")), None);
    }

    /// A ticket as the server writes it: every optional member present in one event and
    /// absent in the other.
    fn ticket() -> TicketView {
        use helpcenter_core::{MediaType, Remedy, ResolutionKind, TicketStatus};
        TicketView {
            id: "HC-2345AB".into(),
            site: "demo".into(),
            status: TicketStatus::Resolved,
            resolution: Some(ResolutionKind::Exchange),
            category: "product_quality".into(),
            outcome: "quality_defect".into(),
            remedy: Remedy::ReturnExchangeRepair,
            order_number: "10023456".into(),
            delivered_on: "2026-11-20".parse().ok(),
            description: "The kettle stopped heating \"after\" a week.\nIt clicks.".into(),
            answers: vec!["fault".into(), "normal_use".into()],
            created_at: "2026-11-24T09:00:00Z".into(),
            updated_at: "2026-11-25T10:30:00Z".into(),
            respond_by: "2026-11-25T09:00:00Z".into(),
            shopper_can: vec![TicketStatus::Escalated],
            timeline: vec![
                TicketEvent {
                    seq: 1,
                    at: "2026-11-24T09:00:00Z".into(),
                    kind: EventKind::Created,
                    actor: EventActor::Shopper,
                    status: TicketStatus::Submitted,
                    resolution: None,
                    message: None,
                    evidence: vec!["up1".into()],
                },
                TicketEvent {
                    seq: 2,
                    at: "2026-11-25T10:30:00Z".into(),
                    kind: EventKind::StatusChanged,
                    actor: EventActor::Agent,
                    status: TicketStatus::Resolved,
                    resolution: Some(ResolutionKind::Exchange),
                    message: Some("A new one is on its way.\n\u{1F4E6}".into()),
                    evidence: Vec::new(),
                },
            ],
            evidence: vec![EvidenceItem {
                id: "up1".into(),
                filename: "box.jpg".into(),
                media_type: MediaType::Jpeg,
                bytes: 123_456,
                url: "/v1/tickets/HC-2345AB/evidence/up1".into(),
            }],
            order: Some(Box::new(TicketOrder {
                verification: OrderVerification::Verified,
                unverified_reason: None,
                delivered_on_source: helpcenter_core::DeliverySource::Store,
                store_order: Some(helpcenter_core::StoreOrder {
                    order_number: "10023456".into(),
                    delivered_on: "2026-11-20".parse().ok(),
                    items: vec![helpcenter_core::OrderItem {
                        id: "kettle-12".into(),
                        name: "Kettle".into(),
                        quantity: 2,
                        image_url: None,
                    }],
                    ..Default::default()
                }),
                items: vec![helpcenter_core::ClaimedItem {
                    id: "kettle-12".into(),
                    quantity: 1,
                }],
                checked_at: "2026-11-24T09:00:00Z".into(),
            })),
        }
    }

    #[test]
    fn tickets_and_their_events_read_as_serde_reads_them() {
        let mut ticket = ticket();
        for _ in 0..2 {
            let text = serde_json::to_string(&ticket).expect("json");
            assert_eq!(TicketView::from_json(&parse(&text)), Some(ticket.clone()));
            for event in &ticket.timeline {
                let text = serde_json::to_string(event).expect("json");
                assert_eq!(TicketEvent::from_json(&parse(&text)), Some(event.clone()));
            }
            ticket.resolution = None;
            ticket.delivered_on = None;
            ticket.status = helpcenter_core::TicketStatus::InReview;
            // The store could not be asked: the shopper's facts alone.
            ticket.order = Some(Box::new(TicketOrder {
                verification: OrderVerification::Unverified,
                unverified_reason: Some("the store's order system could not be reached".into()),
                delivered_on_source: helpcenter_core::DeliverySource::Shopper,
                store_order: None,
                items: Vec::new(),
                checked_at: "2026-11-24T09:00:00Z".into(),
            }));
        }
        for kind in [
            EventKind::Created,
            EventKind::StatusChanged,
            EventKind::InfoRequested,
            EventKind::Message,
            EventKind::ShopperReply,
            EventKind::InternalNote,
        ] {
            let text = serde_json::to_string(&kind).expect("json");
            assert_eq!(EventKind::from_json(&parse(&text)), Some(kind));
        }
        for actor in [EventActor::Shopper, EventActor::Agent, EventActor::System] {
            let text = serde_json::to_string(&actor).expect("json");
            assert_eq!(EventActor::from_json(&parse(&text)), Some(actor));
        }
        let summary = TicketSummary {
            id: "HC-2345AB".into(),
            category: "other".into(),
            outcome: "other".into(),
            status: helpcenter_core::TicketStatus::NeedsInfo,
            updated_at: "2026-11-25T10:30:00Z".into(),
            latest_event: 7,
        };
        let text = serde_json::to_string(&vec![summary.clone()]).expect("json");
        assert_eq!(
            Vec::<TicketSummary>::from_json(&parse(&text)),
            Some(vec![summary])
        );
        let who = SignedIn {
            customer_id: "c-1".into(),
            email: "wei@example.com".into(),
        };
        let text = serde_json::to_string(&who).expect("json");
        assert_eq!(SignedIn::from_json(&parse(&text)), Some(who));
        // What serde would refuse is refused: a member missing, or of another type.
        let text = serde_json::to_string(&ticket).expect("json");
        let mut value: serde_json::Value = serde_json::from_str(&text).expect("json");
        value.as_object_mut().expect("ticket").remove("respond_by");
        assert_eq!(TicketView::from_json(&parse(&value.to_string())), None);
        let mut value: serde_json::Value = serde_json::from_str(&text).expect("json");
        value["timeline"][0]["seq"] = serde_json::json!("one");
        assert_eq!(TicketView::from_json(&parse(&value.to_string())), None);
    }

    #[test]
    fn refusals_read_as_serde_reads_them_unknown_codes_included() {
        use helpcenter_core::{Field, Problem, ProblemCode, TicketStatus};
        let details = ProblemDetails {
            kind: "about:blank".into(),
            title: "Unprocessable Entity".into(),
            status: 422,
            detail: "the submission has 1 problem(s)".into(),
            code: ErrorCode::SubmissionInvalid,
            problems: Some(vec![Problem::new(
                Field::EvidenceFile(0),
                ProblemCode::FileNotUploaded,
            )]),
            allowed: Some(vec![TicketStatus::Escalated]),
        };
        let text = serde_json::to_string(&details).expect("json");
        assert_eq!(ProblemDetails::from_json(&parse(&text)), Some(details));
        for code in ErrorCode::ALL {
            let text = serde_json::to_string(&code).expect("json");
            assert_eq!(ErrorCode::from_json(&parse(&text)), Some(code));
        }
        for lenient in [
            r#"{"code":"rate_limited"}"#,
            r#"{"code":"from.a_newer_server","status":409,"extra":[1]}"#,
        ] {
            let by_serde: ProblemDetails = serde_json::from_str(lenient).expect("serde");
            assert_eq!(ProblemDetails::from_json(&parse(lenient)), Some(by_serde));
        }
        assert_eq!(ProblemDetails::from_json(&parse(r#"{"status":500}"#)), None);
    }

    #[test]
    fn what_the_widget_sends_is_what_serde_writes() {
        let reply = Reply {
            message: "Here is the \"other\" photo".into(),
            uploads: vec!["a".into(), "b".into()],
        };
        assert_eq!(
            reply.to_json(),
            serde_json::to_string(&reply).expect("json")
        );
        let escalation = Escalation {
            message: String::new(),
        };
        assert_eq!(
            escalation.to_json(),
            serde_json::to_string(&escalation).expect("json")
        );
        let recover = RecoverTicket {
            ticket_id: "HC-2345AB".into(),
            order_number: "10023456".into(),
            email: "wei@example.com".into(),
        };
        assert_eq!(
            recover.to_json(),
            serde_json::to_string(&recover).expect("json")
        );
        let link = LinkRequest {
            ticket_id: "HC-2345AB".into(),
            email: "wei@example.com".into(),
        };
        assert_eq!(link.to_json(), serde_json::to_string(&link).expect("json"));
        let lookup = OrderLookup {
            order_number: "10023456".into(),
            email: "wei@example.com".into(),
        };
        assert_eq!(
            lookup.to_json(),
            serde_json::to_string(&lookup).expect("json")
        );
        let exchange = LinkExchange {
            secret: "s3cr\u{e9}t".into(),
        };
        assert_eq!(
            exchange.to_json(),
            serde_json::to_string(&exchange).expect("json")
        );
    }

    #[test]
    fn a_claim_round_trips_and_reads_what_serde_wrote() {
        let mut ticket = NewTicket {
            claim: Claim {
                category: "logistics_delivery".into(),
                answers: vec!["damaged".into(), "box".into()],
                order_number: "10023456".into(),
                description: "The box arrived crushed,\n\"badly\".".into(),
                email: "a@example.com".into(),
                delivered_on: "2026-11-20".into(),
            },
            uploads: vec!["abc".into()],
            locale: "zh-CN".into(),
            identity_token: None,
            items: Vec::new(),
        };
        for _ in 0..2 {
            let ours = ticket.to_json();
            assert_eq!(ours, serde_json::to_string(&ticket).expect("json"));
            assert_eq!(NewTicket::from_json(&parse(&ours)), Some(ticket.clone()));
            ticket.identity_token = Some("signed".into());
        }
        assert_eq!(
            NewTicket::from_json(&parse("{\"email\":\"a@example.com\"}")),
            serde_json::from_str("{\"email\":\"a@example.com\"}").ok()
        );
    }
}
