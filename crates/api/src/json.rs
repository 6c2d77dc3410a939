//! The types the widget's first load reads and keeps, read and written by hand with
//! [`helpcenter_core::json`] rather than serde_json (see there why): the site's configuration,
//! and a claim waiting to be sent again.

use helpcenter_core::json::{FromJson, Json, ObjectWriter, ToJson};

use crate::{Brand, MailKind, NewTicket, WidgetConfig};

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
            category: json.or("category", String::new())?,
            answers: json.or("answers", Vec::new())?,
            order_number: json.or("order_number", String::new())?,
            description: json.or("description", String::new())?,
            email: json.or("email", String::new())?,
            delivered_on: json.or("delivered_on", String::new())?,
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
            .member("category", &self.category)
            .member("answers", &self.answers)
            .member("order_number", &self.order_number)
            .member("description", &self.description)
            .member("email", &self.email)
            .member("delivered_on", &self.delivered_on)
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

    #[test]
    fn a_claim_round_trips_and_reads_what_serde_wrote() {
        let mut ticket = NewTicket {
            category: "logistics_delivery".into(),
            answers: vec!["damaged".into(), "box".into()],
            order_number: "10023456".into(),
            description: "The box arrived crushed,\n\"badly\".".into(),
            email: "a@example.com".into(),
            delivered_on: "2026-11-20".into(),
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
