//! [`NewTicket`] as it travels: one flat object, the claim's six fields beside the request's
//! own, in the order they always had. serde's `flatten` would say the same with less, but it
//! cannot refuse unknown fields (`deny_unknown_fields` is not supported beside it) and it
//! turns the OpenAPI schema into an `allOf`; so the request is read and written through this
//! flat twin, which carries both. The widget does not use serde for it (`json.rs`).

use helpcenter_core::{Claim, ClaimedItem};
use serde::{Deserialize, Serialize};

use crate::NewTicket;

/// `POST /v1/sites/{site}/tickets`, with an `Idempotency-Key` header: the shopper's claim as
/// entered, plus the ids of the finished uploads that carry its evidence.
#[derive(Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = NewTicket))]
#[serde(default, deny_unknown_fields)]
pub(crate) struct NewTicketWire {
    category: String,
    answers: Vec<String>,
    order_number: String,
    description: String,
    email: String,
    /// `YYYY-MM-DD`, or empty.
    delivered_on: String,
    /// tus upload ids, in the order the shopper attached them.
    uploads: Vec<String>,
    /// The language the shopper filed in, for the store's replies.
    locale: String,
    /// A merchant-signed identity token when the shopper is signed in to the store.
    #[serde(skip_serializing_if = "Option::is_none")]
    identity_token: Option<String>,
    /// On a site that checks orders: the items of the order the claim is about.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    items: Vec<ClaimedItem>,
}

impl From<NewTicketWire> for NewTicket {
    fn from(wire: NewTicketWire) -> Self {
        let NewTicketWire {
            category,
            answers,
            order_number,
            description,
            email,
            delivered_on,
            uploads,
            locale,
            identity_token,
            items,
        } = wire;
        NewTicket {
            claim: Claim {
                category,
                answers,
                order_number,
                description,
                email,
                delivered_on,
            },
            uploads,
            locale,
            identity_token,
            items,
        }
    }
}

impl From<NewTicket> for NewTicketWire {
    fn from(ticket: NewTicket) -> Self {
        let NewTicket {
            claim:
                Claim {
                    category,
                    answers,
                    order_number,
                    description,
                    email,
                    delivered_on,
                },
            uploads,
            locale,
            identity_token,
            items,
        } = ticket;
        NewTicketWire {
            category,
            answers,
            order_number,
            description,
            email,
            delivered_on,
            uploads,
            locale,
            identity_token,
            items,
        }
    }
}

/// The request's schema is its wire form's (named `NewTicket`).
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for NewTicket {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <NewTicketWire as utoipa::PartialSchema>::schema()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for NewTicket {
    fn name() -> std::borrow::Cow<'static, str> {
        <NewTicketWire as utoipa::ToSchema>::name()
    }

    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <NewTicketWire as utoipa::ToSchema>::schemas(schemas);
    }
}
