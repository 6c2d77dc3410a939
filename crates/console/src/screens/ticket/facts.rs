//! The claim's facts beside what the shopper said: the store's order, and the claim window.

use leptos::prelude::*;

use crate::i18n::{Locale, Text};
use crate::wire::ConsoleTicket;

/// What the store's order system said about the order, apart from what the shopper stated:
/// verified or not, whose delivery day the window counted from, and the items claimed.
#[component]
pub(super) fn StoreOrderFacts(order: helpcenter_api::TicketOrder, locale: Locale) -> impl IntoView {
    use helpcenter_api::OrderVerification;
    use helpcenter_core::DeliverySource;
    let verdict = match order.verification {
        OrderVerification::Verified => locale.text(Text::OrderVerified).to_owned(),
        OrderVerification::Unverified => locale.fill(
            Text::OrderUnverified,
            &[("reason", order.unverified_reason.as_deref().unwrap_or("-"))],
        ),
    };
    let source = match order.delivered_on_source {
        DeliverySource::Store => Text::DeliveredPerStore,
        DeliverySource::Shopper => Text::DeliveredPerShopper,
    };
    let store = order.store_order.clone();
    let facts = store.clone().map(|o| {
        let carrier = match (o.carrier, o.tracking_number) {
            (Some(c), Some(t)) => Some(format!("{c} · {t}")),
            (c, t) => c.or(t),
        };
        view! {
            <dl class="pairs">
                {o.placed_on.map(|d| view! { <div><dt>{locale.text(Text::PlacedOn)}</dt><dd>{d.to_string()}</dd></div> })}
                {o.delivered_on.map(|d| view! { <div><dt>{locale.text(Text::DeliveredOn)}</dt><dd data-fact="store-delivered">{d.to_string()}</dd></div> })}
                {carrier.map(|c| view! { <div><dt>{locale.text(Text::Carrier)}</dt><dd>{c}</dd></div> })}
            </dl>
        }
    });
    let items = order
        .items
        .iter()
        .map(|claimed| {
            let name = store
                .as_ref()
                .and_then(|o| o.item(&claimed.id))
                .map_or_else(|| claimed.id.clone(), |i| i.name.clone());
            view! { <li data-item=claimed.id.clone()>{name} " × " {claimed.quantity}</li> }
        })
        .collect_view();
    let verified = matches!(order.verification, OrderVerification::Verified);
    view! {
        <section class="card store-order" aria-labelledby="store-order-heading" data-verification=if verified { "verified" } else { "unverified" }>
            <h2 id="store-order-heading">{locale.text(Text::StoreOrderHeading)}</h2>
            <p class=if verified { "verified" } else { "unverified" }>{verdict}</p>
            <p class="delivered-source" data-source=if matches!(order.delivered_on_source, DeliverySource::Store) { "store" } else { "shopper" }>
                {locale.text(source)}
            </p>
            {facts}
            {(!order.items.is_empty()).then(|| view! {
                <h3>{locale.text(Text::ClaimedItems)}</h3>
                <ul class="claimed-items">{items}</ul>
            })}
        </section>
    }
}

#[component]
pub(super) fn WindowFacts(ticket: ConsoleTicket, locale: Locale) -> impl IntoView {
    let delivered = ticket.delivered_on.map(|d| d.to_string());
    match ticket.claim_window {
        None => view! {
            <dl class="pairs window">
                {delivered.map(|d| view! { <div><dt>{locale.text(Text::DeliveredOn)}</dt><dd>{d}</dd></div> })}
            </dl>
            <p class="muted">{locale.text(Text::NoWindow)}</p>
        }
            .into_any(),
        Some(w) => {
            let left = if w.days_left_when_filed >= 0 {
                w.days_left_when_filed.to_string()
            } else {
                locale.fill(
                    Text::FiledLate,
                    &[("days", &(-w.days_left_when_filed).to_string())],
                )
            };
            view! {
                <dl class="pairs window">
                    {delivered.map(|d| view! { <div><dt>{locale.text(Text::DeliveredOn)}</dt><dd data-fact="delivered">{d}</dd></div> })}
                    <div><dt>{locale.text(Text::ClaimWindow)}</dt><dd>{locale.fill(Text::WindowDays, &[("days", &w.days_after_delivery.to_string())])}</dd></div>
                    <div><dt>{locale.text(Text::LastDay)}</dt><dd>{w.last_day.to_string()}</dd></div>
                    <div><dt>{locale.text(Text::DaysLeftWhenFiled)}</dt><dd data-fact="days-left">{left}</dd></div>
                </dl>
            }
                .into_any()
        }
    }
}
