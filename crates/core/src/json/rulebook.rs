//! The rulebook's types read (and the few the widget sends, written) field by field, with
//! serde's names and defaults: the policy, evidence facts, statuses, problems, orders.

use super::value::{FromJson, Json, ToJson};
use super::write::{ObjectWriter, ToJsonMembers, write_str};
use crate::claim::Claim;
use crate::date::CivilDate;
use crate::evidence::{
    DescriptionRule, EvidenceFile, EvidenceRule, MediaRule, MediaType, OrderNumberNeed,
};
use crate::policy::{
    Answer, Category, Dispute, ForceMajeure, Notice, OrderNumberCharset, OrderNumberFormat,
    Outcome, Policy, Question, Remedy, Service,
};
use crate::problem::{Field, Problem, ProblemCode};
use crate::ticket::{ResolutionKind, TicketStatus};
use crate::window::ClaimWindow;

impl FromJson for CivilDate {
    fn from_json(json: &Json) -> Option<Self> {
        json.as_str()?.parse().ok()
    }
}

impl ToJson for CivilDate {
    fn write_json(&self, out: &mut String) {
        write_str(out, &self.to_string());
    }
}

impl FromJson for MediaType {
    fn from_json(json: &Json) -> Option<Self> {
        MediaType::ALL
            .into_iter()
            .find(|t| Some(t.name()) == json.as_str())
    }
}

impl ToJson for MediaType {
    fn write_json(&self, out: &mut String) {
        write_str(out, self.name());
    }
}

impl FromJson for Remedy {
    fn from_json(json: &Json) -> Option<Self> {
        Remedy::ALL
            .into_iter()
            .find(|r| Some(r.name()) == json.as_str())
    }
}

impl FromJson for OrderNumberCharset {
    fn from_json(json: &Json) -> Option<Self> {
        match json.as_str()? {
            "digits" => Some(OrderNumberCharset::Digits),
            "alphanumeric" => Some(OrderNumberCharset::Alphanumeric),
            _ => None,
        }
    }
}

impl FromJson for Policy {
    fn from_json(json: &Json) -> Option<Self> {
        Some(Policy {
            default_locale: json.field("default_locale")?,
            service: json.field("service")?,
            order_number: json.field("order_number")?,
            categories: json.field("categories")?,
            questions: json.field("questions")?,
            outcomes: json.field("outcomes")?,
            dispute: json.field("dispute")?,
            force_majeure: json.field("force_majeure")?,
            messages: json.field("messages")?,
        })
    }
}

impl FromJson for Service {
    fn from_json(json: &Json) -> Option<Self> {
        Some(Service {
            first_response_hours: json.field("first_response_hours")?,
        })
    }
}

impl FromJson for OrderNumberFormat {
    fn from_json(json: &Json) -> Option<Self> {
        Some(OrderNumberFormat {
            prefix: json.or("prefix", String::new())?,
            min_len: json.field("min_len")?,
            max_len: json.field("max_len")?,
            charset: json.field("charset")?,
            example: json.field("example")?,
        })
    }
}

impl FromJson for Category {
    fn from_json(json: &Json) -> Option<Self> {
        Some(Category {
            id: json.field("id")?,
            title: json.field("title")?,
            start: json.field("start")?,
            no_order: json.or("no_order", false)?,
        })
    }
}

impl FromJson for Question {
    fn from_json(json: &Json) -> Option<Self> {
        Some(Question {
            id: json.field("id")?,
            text: json.field("text")?,
            answers: json.field("answers")?,
        })
    }
}

impl FromJson for Answer {
    fn from_json(json: &Json) -> Option<Self> {
        Some(Answer {
            id: json.field("id")?,
            label: json.field("label")?,
            next: json.field("next")?,
            no_order: json.or("no_order", false)?,
        })
    }
}

impl FromJson for Outcome {
    fn from_json(json: &Json) -> Option<Self> {
        Some(Outcome {
            id: json.field("id")?,
            remedy: json.field("remedy")?,
            message: json.field("message")?,
            evidence: json.field("evidence")?,
            claim_window: json.optional("claim_window")?,
        })
    }
}

impl FromJson for ClaimWindow {
    fn from_json(json: &Json) -> Option<Self> {
        Some(ClaimWindow {
            days_after_delivery: json.field("days_after_delivery")?,
            late_outcome: json.optional("late_outcome")?,
        })
    }
}

impl FromJson for EvidenceRule {
    fn from_json(json: &Json) -> Option<Self> {
        Some(EvidenceRule {
            description: json.or("description", DescriptionRule::default())?,
            media: json.or("media", MediaRule::default())?,
            hint: json.field("hint")?,
            order_number: json.or("order_number", OrderNumberNeed::Required)?,
        })
    }
}

impl FromJson for OrderNumberNeed {
    fn from_json(json: &Json) -> Option<Self> {
        match json.as_str()? {
            "required" => Some(OrderNumberNeed::Required),
            "optional" => Some(OrderNumberNeed::Optional),
            _ => None,
        }
    }
}

impl FromJson for DescriptionRule {
    fn from_json(json: &Json) -> Option<Self> {
        Some(DescriptionRule {
            min_chars: json.field("min_chars")?,
            max_chars: json.field("max_chars")?,
        })
    }
}

impl FromJson for MediaRule {
    fn from_json(json: &Json) -> Option<Self> {
        let d = MediaRule::default();
        Some(MediaRule {
            min_count: json.or("min_count", d.min_count)?,
            max_count: json.or("max_count", d.max_count)?,
            min_photos: json.or("min_photos", d.min_photos)?,
            accepted: json.or("accepted", d.accepted)?,
            max_file_bytes: json.or("max_file_bytes", d.max_file_bytes)?,
            max_total_bytes: json.or("max_total_bytes", d.max_total_bytes)?,
            min_image_width: json.or("min_image_width", d.min_image_width)?,
            min_image_height: json.or("min_image_height", d.min_image_height)?,
            max_image_pixels: json.or("max_image_pixels", d.max_image_pixels)?,
            max_video_seconds: json.or("max_video_seconds", d.max_video_seconds)?,
            taken_after_delivery: json.or("taken_after_delivery", d.taken_after_delivery)?,
        })
    }
}

impl FromJson for Dispute {
    fn from_json(json: &Json) -> Option<Self> {
        Some(Dispute {
            negotiation: json.field("negotiation")?,
            legal_recourse: json.field("legal_recourse")?,
        })
    }
}

impl FromJson for ForceMajeure {
    fn from_json(json: &Json) -> Option<Self> {
        Some(ForceMajeure {
            message: json.field("message")?,
            notices: json.or("notices", Vec::new())?,
        })
    }
}

impl FromJson for Notice {
    fn from_json(json: &Json) -> Option<Self> {
        Some(Notice {
            id: json.field("id")?,
            message: json.field("message")?,
            starts_on: json.field("starts_on")?,
            ends_on: json.optional("ends_on")?,
            categories: json.or("categories", Vec::new())?,
        })
    }
}

impl FromJson for EvidenceFile {
    fn from_json(json: &Json) -> Option<Self> {
        Some(EvidenceFile {
            name: json.field("name")?,
            bytes: json.field("bytes")?,
            media_type: json.optional("media_type")?,
            width: json.optional("width")?,
            height: json.optional("height")?,
            duration_seconds: json.optional("duration_seconds")?,
            content_hash: json.field("content_hash")?,
            captured_on: json.optional("captured_on")?,
        })
    }
}

impl ToJson for EvidenceFile {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out)
            .member("name", &self.name)
            .member("bytes", &self.bytes)
            .member("media_type", &self.media_type)
            .member("width", &self.width)
            .member("height", &self.height)
            .member("duration_seconds", &self.duration_seconds)
            .member("content_hash", &self.content_hash)
            .member("captured_on", &self.captured_on)
            .end();
    }
}

/// A claim read from the object that holds its fields, alone or beside others' (the widget's
/// draft, `NewTicket`): serde's defaults, `null` as missing.
impl FromJson for Claim {
    fn from_json(json: &Json) -> Option<Self> {
        Some(Claim {
            category: json.or("category", String::new())?,
            answers: json.or("answers", Vec::new())?,
            order_number: json.or("order_number", String::new())?,
            description: json.or("description", String::new())?,
            email: json.or("email", String::new())?,
            delivered_on: json.or("delivered_on", String::new())?,
        })
    }
}

/// A claim's fields, written in their order among the members of the object that holds it.
impl ToJsonMembers for Claim {
    fn write_members(&self, object: &mut ObjectWriter<'_>) {
        object
            .member("category", &self.category)
            .member("answers", &self.answers)
            .member("order_number", &self.order_number)
            .member("description", &self.description)
            .member("email", &self.email)
            .member("delivered_on", &self.delivered_on);
    }
}

impl FromJson for TicketStatus {
    fn from_json(json: &Json) -> Option<Self> {
        TicketStatus::parse(json.as_str()?)
    }
}

impl FromJson for ResolutionKind {
    fn from_json(json: &Json) -> Option<Self> {
        ResolutionKind::ALL
            .into_iter()
            .find(|r| Some(r.as_str()) == json.as_str())
    }
}

impl FromJson for ProblemCode {
    fn from_json(json: &Json) -> Option<Self> {
        ProblemCode::ALL
            .iter()
            .copied()
            .find(|c| Some(c.as_str()) == json.as_str())
    }
}

impl FromJson for Field {
    fn from_json(json: &Json) -> Option<Self> {
        json.as_str()?.parse().ok()
    }
}

impl FromJson for Problem {
    fn from_json(json: &Json) -> Option<Self> {
        Some(Problem {
            field: json.field("field")?,
            code: json.field("code")?,
        })
    }
}

/// The order as the store described it (the server's lookup answers with it): read by the
/// widget's order step, in the chunk.
impl FromJson for crate::order::StoreOrder {
    fn from_json(json: &Json) -> Option<Self> {
        Some(crate::order::StoreOrder {
            order_number: json.field("order_number")?,
            placed_on: json.optional("placed_on")?,
            delivered_on: json.optional("delivered_on")?,
            carrier: json.optional("carrier")?,
            tracking_number: json.optional("tracking_number")?,
            items: json.or("items", Vec::new())?,
        })
    }
}

impl FromJson for crate::order::OrderItem {
    fn from_json(json: &Json) -> Option<Self> {
        Some(crate::order::OrderItem {
            id: json.field("id")?,
            name: json.field("name")?,
            quantity: json.field("quantity")?,
            image_url: json.optional("image_url")?,
        })
    }
}

impl FromJson for crate::order::DeliverySource {
    fn from_json(json: &Json) -> Option<Self> {
        match json.as_str()? {
            "store" => Some(crate::order::DeliverySource::Store),
            "shopper" => Some(crate::order::DeliverySource::Shopper),
            _ => None,
        }
    }
}

impl FromJson for crate::order::ClaimedItem {
    fn from_json(json: &Json) -> Option<Self> {
        Some(crate::order::ClaimedItem {
            id: json.field("id")?,
            quantity: json.field("quantity")?,
        })
    }
}

impl ToJson for crate::order::ClaimedItem {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out)
            .member("id", &self.id)
            .member("quantity", &self.quantity)
            .end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Json {
        Json::parse(text).unwrap_or_else(|| panic!("{text} is JSON"))
    }

    #[cfg(feature = "builtin-policy")]
    #[test]
    fn the_built_in_policy_reads_back_as_serde_reads_it() {
        let policy = Policy::builtin();
        let text = serde_json::to_string(&policy).expect("json");
        assert_eq!(Policy::from_json(&parse(&text)), Some(policy.clone()));
        // With every default left out, as a merchant's policy file may.
        let mut value: serde_json::Value = serde_json::from_str(&text).expect("json");
        for outcome in value["outcomes"].as_array_mut().expect("outcomes") {
            outcome["evidence"]
                .as_object_mut()
                .expect("evidence")
                .retain(|k, _| k == "hint");
        }
        value["order_number"]
            .as_object_mut()
            .expect("format")
            .remove("prefix");
        value["force_majeure"]
            .as_object_mut()
            .expect("force majeure")
            .remove("notices");
        let text = value.to_string();
        let by_serde: Policy = serde_json::from_str(&text).expect("serde reads it");
        assert_eq!(Policy::from_json(&parse(&text)), Some(by_serde));
    }

    #[test]
    fn every_media_type_and_remedy_reads_by_its_serde_name() {
        for t in MediaType::ALL {
            let text = serde_json::to_string(&t).expect("json");
            assert_eq!(MediaType::from_json(&parse(&text)), Some(t));
            assert_eq!(t.to_json(), text);
        }
        for r in Remedy::ALL {
            let text = serde_json::to_string(&r).expect("json");
            assert_eq!(Remedy::from_json(&parse(&text)), Some(r));
        }
        for c in [OrderNumberCharset::Digits, OrderNumberCharset::Alphanumeric] {
            let text = serde_json::to_string(&c).expect("json");
            assert_eq!(OrderNumberCharset::from_json(&parse(&text)), Some(c));
        }
    }

    #[test]
    fn statuses_resolutions_and_problems_read_by_their_serde_names() {
        for s in TicketStatus::ALL {
            let text = serde_json::to_string(&s).expect("json");
            assert_eq!(TicketStatus::from_json(&parse(&text)), Some(s));
        }
        for r in ResolutionKind::ALL {
            let text = serde_json::to_string(&r).expect("json");
            assert_eq!(ResolutionKind::from_json(&parse(&text)), Some(r));
        }
        for &code in ProblemCode::ALL {
            for field in [Field::Email, Field::EvidenceFile(3), Field::Message] {
                let problem = Problem::new(field, code);
                let text = serde_json::to_string(&problem).expect("json");
                assert_eq!(Problem::from_json(&parse(&text)), Some(problem));
            }
        }
        assert_eq!(TicketStatus::from_json(&parse("\"lost\"")), None);
        assert_eq!(
            Problem::from_json(&parse(r#"{"field":"evidence[x]","code":"file.empty"}"#)),
            None
        );
    }

    #[cfg(feature = "builtin-policy")]
    #[test]
    fn a_policy_missing_a_required_field_or_of_the_wrong_type_is_not_read() {
        let policy = Policy::builtin();
        let text = serde_json::to_string(&policy).expect("json");
        let mut value: serde_json::Value = serde_json::from_str(&text).expect("json");
        value.as_object_mut().expect("policy").remove("dispute");
        assert_eq!(Policy::from_json(&parse(&value.to_string())), None);
        let mut value: serde_json::Value = serde_json::from_str(&text).expect("json");
        value["service"]["first_response_hours"] = serde_json::json!("soon");
        assert_eq!(Policy::from_json(&parse(&value.to_string())), None);
    }

    #[test]
    fn evidence_facts_round_trip_and_read_what_serde_wrote() {
        let facts = EvidenceFile {
            name: "box \"1\".jpg".into(),
            bytes: 123_456,
            media_type: Some(MediaType::Mp4),
            width: Some(1920),
            height: None,
            duration_seconds: Some(6.0419),
            content_hash: "ab12".into(),
            captured_on: "2026-11-20".parse().ok(),
        };
        assert_eq!(
            EvidenceFile::from_json(&parse(&facts.to_json())),
            Some(facts.clone())
        );
        assert_eq!(
            serde_json::from_str::<EvidenceFile>(&facts.to_json()).ok(),
            Some(facts.clone())
        );
        let by_serde = serde_json::to_string(&facts).expect("json");
        assert_eq!(EvidenceFile::from_json(&parse(&by_serde)), Some(facts));
    }

    #[test]
    fn a_store_order_reads_as_serde_reads_it() {
        use crate::order::{ClaimedItem, DeliverySource, OrderItem, StoreOrder};
        let order = StoreOrder {
            order_number: "10023456".into(),
            placed_on: "2026-11-18".parse().ok(),
            delivered_on: "2026-11-24".parse().ok(),
            carrier: Some("SF Express".into()),
            tracking_number: Some("SF1234567890".into()),
            items: vec![
                OrderItem {
                    id: "kettle-12".into(),
                    name: "Stainless kettle 1.7 l".into(),
                    quantity: 1,
                    image_url: Some("https://shop.example/k.jpg".into()),
                },
                OrderItem {
                    id: "mug-3".into(),
                    name: "Stoneware mug".into(),
                    quantity: 4,
                    image_url: None,
                },
            ],
        };
        let text = serde_json::to_string(&order).expect("json");
        assert_eq!(StoreOrder::from_json(&parse(&text)), Some(order));
        // What a store leaves out (no days, no carrier, no items) reads as serde reads it.
        let bare = r#"{"order_number": "7", "delivered_on": null}"#;
        let by_serde: StoreOrder = serde_json::from_str(bare).expect("serde");
        assert_eq!(StoreOrder::from_json(&parse(bare)), Some(by_serde));
        for wrong in [
            r#"{"order_number": "7", "delivered_on": "24 Nov"}"#,
            r#"{"order_number": "7", "items": [{"id": "k", "name": "K", "quantity": -1}]}"#,
            r#"{"items": []}"#,
        ] {
            assert_eq!(StoreOrder::from_json(&parse(wrong)), None, "{wrong}");
        }
        for source in [DeliverySource::Store, DeliverySource::Shopper] {
            let text = serde_json::to_string(&source).expect("json");
            assert_eq!(DeliverySource::from_json(&parse(&text)), Some(source));
        }
        let claimed = vec![ClaimedItem {
            id: "mug-3".into(),
            quantity: 2,
        }];
        let back: Vec<ClaimedItem> = serde_json::from_str(&claimed.to_json()).expect("serde");
        assert_eq!(back, claimed);
    }

    /// A claim's fields among others', as serde's `flatten` writes and reads them: the
    /// submission with its evidence is one flat object.
    #[test]
    fn a_claim_is_written_and_read_among_its_holders_members() {
        use crate::submission::Submission;
        let sent = Submission {
            claim: Claim {
                category: "logistics_delivery".into(),
                answers: vec!["damaged".into()],
                order_number: "10023456".into(),
                description: "Crushed \"box\"\n".into(),
                email: "a@example.com".into(),
                delivered_on: "2026-11-20".into(),
            },
            evidence: Vec::new(),
        };
        let mut ours = String::new();
        ObjectWriter::new(&mut ours)
            .members(&sent.claim)
            .member("evidence", &sent.evidence)
            .end();
        assert_eq!(ours, serde_json::to_string(&sent).expect("json"));
        assert_eq!(Claim::from_json(&parse(&ours)), Some(sent.claim));
        // Missing and null fields read as empty, as serde's defaults (and the widget's
        // `"category": null` for a category not picked yet).
        assert_eq!(
            Claim::from_json(&parse(r#"{"category":null,"email":"a@example.com"}"#)),
            Some(Claim {
                email: "a@example.com".into(),
                ..Claim::default()
            })
        );
        assert_eq!(Claim::from_json(&parse(r#"{"answers":"no"}"#)), None);
    }
}
