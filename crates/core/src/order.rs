//! What the store's order system says about an order, and the rules a claim on a verified
//! order follows: the claim window counts from the store's delivery day (a day the shopper
//! typed cannot move it), and the items a claim is about must be items of the order, in at
//! most the quantity ordered. The widget and the server run the same [`validate_claim`].

use serde::{Deserialize, Serialize};

use crate::date::CivilDate;
use crate::policy::Policy;
use crate::problem::{Field, Problem, ProblemCode};
use crate::submission::{Accepted, Submission, validate_submission};

/// Most items a claim can name, and most an order answer is read with.
pub const MAX_ORDER_ITEMS: usize = 100;
/// Longest item id, name, carrier or tracking number kept, in characters.
pub const MAX_ORDER_TEXT_CHARS: usize = 200;

/// An order as the store's order system describes it (found by number + email).
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoreOrder {
    /// The order number as the store writes it, e.g. `10023456`.
    pub order_number: String,
    /// The day the order was placed, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub placed_on: Option<CivilDate>,
    /// The day the parcel was delivered, `YYYY-MM-DD`; absent while the store does not know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub delivered_on: Option<CivilDate>,
    /// Who carried the parcel, e.g. `SF Express`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<String>,
    /// What was ordered.
    #[serde(default)]
    pub items: Vec<OrderItem>,
}

/// One line of an order.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderItem {
    /// The store's id of the line (SKU or line id), unique within the order.
    pub id: String,
    pub name: String,
    /// How many were ordered; at least 1.
    pub quantity: u32,
    /// An `https://` picture of the item, shown beside its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
}

/// An item a claim is about, and how many of it.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimedItem {
    /// An [`OrderItem::id`] of the order.
    pub id: String,
    /// From 1 to the quantity ordered.
    pub quantity: u32,
}

/// Where a ticket's delivery day came from: what the agent weighs it by.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliverySource {
    /// The store's order system said so.
    Store,
    /// The shopper typed it ("delivery day stated by the shopper").
    Shopper,
}

impl StoreOrder {
    /// The order's problems as an answer from a store: what makes it unusable rather than
    /// just odd. `None` when it can be used.
    pub fn defect(&self) -> Option<&'static str> {
        let too_long = |s: &str| s.chars().count() > MAX_ORDER_TEXT_CHARS;
        if self.items.len() > MAX_ORDER_ITEMS {
            return Some("more than 100 items");
        }
        if [&self.carrier, &self.tracking_number]
            .into_iter()
            .flatten()
            .any(|s| too_long(s))
        {
            return Some("carrier or tracking number longer than 200 characters");
        }
        for (i, item) in self.items.iter().enumerate() {
            if item.id.trim().is_empty() || too_long(&item.id) || too_long(&item.name) {
                return Some("an item without an id, or with an id or name over 200 characters");
            }
            if item.quantity == 0 {
                return Some("an item with quantity 0");
            }
            if self.items[..i].iter().any(|other| other.id == item.id) {
                return Some("two items with the same id");
            }
            if item
                .image_url
                .as_deref()
                .is_some_and(|url| !url.starts_with("https://") || too_long(url))
            {
                return Some("an image_url that is not an https:// address");
            }
        }
        match (self.placed_on, self.delivered_on) {
            (Some(placed), Some(delivered)) if delivered < placed => {
                Some("delivered_on before placed_on")
            }
            _ => None,
        }
    }

    pub fn item(&self, id: &str) -> Option<&OrderItem> {
        self.items.iter().find(|item| item.id == id)
    }
}

/// Every problem with the `items` a claim names on `order`: each must be an item of the
/// order, named once, in a quantity from 1 to the quantity ordered.
pub fn check_items(order: &StoreOrder, items: &[ClaimedItem]) -> Vec<Problem> {
    if items.len() > MAX_ORDER_ITEMS {
        return vec![Problem::new(Field::Items, ProblemCode::ItemsTooMany)];
    }
    let mut problems = Vec::new();
    for (i, claimed) in items.iter().enumerate() {
        let code = match order.item(&claimed.id) {
            None => Some(ProblemCode::ItemNotInOrder),
            Some(_) if items[..i].iter().any(|other| other.id == claimed.id) => {
                Some(ProblemCode::ItemDuplicate)
            }
            Some(ordered) if claimed.quantity == 0 || claimed.quantity > ordered.quantity => {
                Some(ProblemCode::ItemQuantity)
            }
            Some(_) => None,
        };
        if let Some(code) = code {
            problems.push(Problem::new(Field::Item(i), code));
        }
    }
    problems
}

/// [`validate_submission`] for a claim on a verified `order` (none: the store could not be
/// asked, and the claim stands as stated): the window counts from the store's delivery day when it knows one,
/// whatever day the shopper typed, and the claimed `items` must be the order's.
pub fn validate_claim<'p>(
    policy: &'p Policy,
    submission: &Submission,
    order: Option<&StoreOrder>,
    items: &[ClaimedItem],
    today: CivilDate,
) -> Result<(Accepted<'p>, DeliverySource), Vec<Problem>> {
    let (result, item_problems) = match order {
        Some(order) => {
            let result = match order.delivered_on {
                Some(day) => {
                    let mut from_store = submission.clone();
                    from_store.claim.delivered_on = day.to_string();
                    validate_submission(policy, &from_store, today)
                }
                None => validate_submission(policy, submission, today),
            };
            (result, check_items(order, items))
        }
        // The store could not be asked: the items stand as the shopper chose them (from an
        // earlier answer), as every other fact of an unverified claim does.
        None if items.len() > MAX_ORDER_ITEMS => (
            validate_submission(policy, submission, today),
            vec![Problem::new(Field::Items, ProblemCode::ItemsTooMany)],
        ),
        None => (validate_submission(policy, submission, today), Vec::new()),
    };
    let source = match order.and_then(|o| o.delivered_on) {
        Some(_) => DeliverySource::Store,
        None => DeliverySource::Shopper,
    };
    match result {
        Ok(accepted) if item_problems.is_empty() => Ok((accepted, source)),
        Ok(_) => Err(item_problems),
        Err(mut problems) => {
            problems.extend(item_problems);
            Err(problems)
        }
    }
}

#[cfg(all(test, feature = "builtin-policy"))]
mod tests {
    use super::*;
    use crate::claim::Claim;
    use crate::fixtures::{date, photo};
    use crate::window::WindowStatus;

    fn order(delivered: Option<&str>) -> StoreOrder {
        StoreOrder {
            order_number: "10023456".into(),
            placed_on: Some(date("2026-11-10")),
            delivered_on: delivered.map(date),
            carrier: Some("SF Express".into()),
            tracking_number: Some("SF1234567890".into()),
            items: vec![
                OrderItem {
                    id: "kettle".into(),
                    name: "Kettle".into(),
                    quantity: 1,
                    image_url: None,
                },
                OrderItem {
                    id: "mug".into(),
                    name: "Mug".into(),
                    quantity: 4,
                    image_url: None,
                },
            ],
        }
    }

    fn claim(typed_day: &str) -> Submission {
        Submission {
            claim: Claim {
                category: "logistics_delivery".into(),
                answers: vec!["damaged".into()],
                order_number: "10023456".into(),
                description:
                    "The box arrived crushed on one corner and the kettle inside is dented.".into(),
                email: "wei@example.com".into(),
                delivered_on: typed_day.into(),
            },
            evidence: vec![photo("box", "2026-11-23"), photo("kettle", "2026-11-23")],
        }
    }

    fn kettle() -> Vec<ClaimedItem> {
        vec![ClaimedItem {
            id: "kettle".into(),
            quantity: 1,
        }]
    }

    #[test]
    fn the_window_counts_from_the_stores_day_not_the_typed_one() {
        let policy = Policy::builtin();
        let today = date("2026-11-24");
        // The store delivered on the 1st; the shopper typed yesterday.
        let got = validate_claim(
            &policy,
            &claim("2026-11-23"),
            Some(&order(Some("2026-11-01"))),
            &kettle(),
            today,
        );
        let codes: Vec<_> = match &got {
            Ok((accepted, _)) => vec![format!("{:?}", accepted.decision.window)],
            Err(problems) => problems
                .iter()
                .map(|p| p.code.as_str().to_owned())
                .collect(),
        };
        assert!(
            !matches!(got, Ok((ref a, _)) if matches!(a.decision.window, Some(WindowStatus::Open { .. }))),
            "a typed day must not open a closed window: {codes:?}"
        );
        let (accepted, source) = validate_claim(
            &policy,
            &claim(""),
            Some(&order(Some("2026-11-22"))),
            &kettle(),
            today,
        )
        .expect("inside the store's window");
        assert_eq!(accepted.delivered_on, Some(date("2026-11-22")));
        assert_eq!(source, DeliverySource::Store);
    }

    #[test]
    fn without_the_stores_day_the_shoppers_day_counts_and_says_so() {
        let policy = Policy::builtin();
        let (accepted, source) = validate_claim(
            &policy,
            &claim("2026-11-22"),
            Some(&order(None)),
            &kettle(),
            date("2026-11-24"),
        )
        .expect("valid");
        assert_eq!(accepted.delivered_on, Some(date("2026-11-22")));
        assert_eq!(source, DeliverySource::Shopper);
    }

    #[test]
    fn items_must_be_the_orders_once_each_within_the_quantity_ordered() {
        let o = order(Some("2026-11-22"));
        let item = |id: &str, quantity| ClaimedItem {
            id: id.into(),
            quantity,
        };
        let codes = |items: &[ClaimedItem]| -> Vec<String> {
            check_items(&o, items)
                .iter()
                .map(|p| format!("{} {}", p.field, p.code))
                .collect()
        };
        assert!(codes(&[item("kettle", 1), item("mug", 4)]).is_empty());
        assert_eq!(
            codes(&[
                item("toaster", 1),
                item("mug", 5),
                item("kettle", 0),
                item("mug", 1)
            ]),
            [
                "items[0] items.not_in_order",
                "items[1] items.quantity",
                "items[2] items.quantity",
                "items[3] items.duplicate",
            ]
        );
        let policy = Policy::builtin();
        let unverified = validate_claim(
            &policy,
            &claim("2026-11-22"),
            None,
            &[item("kettle", 1)],
            date("2026-11-24"),
        );
        assert!(unverified.is_ok(), "kept as stated: {unverified:?}");
    }

    #[test]
    fn a_store_answer_that_makes_no_sense_is_named() {
        let mut o = order(Some("2026-11-01"));
        assert_eq!(o.defect(), Some("delivered_on before placed_on"));
        o.delivered_on = Some(date("2026-11-20"));
        assert_eq!(o.defect(), None);
        o.items[1].id = "kettle".into();
        assert_eq!(o.defect(), Some("two items with the same id"));
        o.items[1].id = "mug".into();
        o.items[0].image_url = Some("javascript:alert(1)".into());
        assert!(o.defect().is_some());
    }
}
