//! The claim as the shopper filed it, and what the store's decision means for them.

use leptos::prelude::*;

use crate::following::TicketPage;
use crate::i18n::Text;

/// The claim as the shopper filed it, at the top of the conversation: what it is about and
/// the order it names.
#[component]
pub(super) fn Claim() -> impl IntoView {
    let page = expect_context::<TicketPage>();
    let shop = page.shop;
    let locale = shop.locale;
    let lang = locale.tag();
    let Some((category, outcome, order, delivered, description, answers)) =
        page.ticket.with_untracked(|t| {
            t.as_ref().map(|t| {
                (
                    t.category.clone(),
                    t.outcome.clone(),
                    t.order_number.clone(),
                    t.delivered_on,
                    t.description.clone(),
                    t.answers.clone(),
                )
            })
        })
    else {
        return ().into_any();
    };
    // The claim as the shopper made it: each question with the answer they picked, worded
    // from the policy the widget already has.
    let (title, outcome, answered) = shop.with_policy(|p| {
        (
            p.category(&category)
                .map(|c| p.text(lang, &c.title).to_owned())
                .unwrap_or_default(),
            p.outcome(&outcome)
                .map(|o| p.outcome_message(lang, o))
                .unwrap_or_default(),
            p.answered(&category, &answers)
                .into_iter()
                .map(|(q, a)| {
                    (
                        p.text(lang, &q.text).to_owned(),
                        p.text(lang, &a.label).to_owned(),
                    )
                })
                .collect::<Vec<_>>(),
        )
    });
    view! {
        <section class="hc-claim">
            <h3>{locale.text(Text::YourClaim)}</h3>
            <dl>
                <dt>{locale.text(Text::ReviewProblem)}</dt>
                <dd>{title}</dd>
                {answered
                    .into_iter()
                    .map(|(question, answer)| {
                        view! {
                            <dt>{question}</dt>
                            <dd class="hc-claim-answer">{answer}</dd>
                        }
                    })
                    .collect_view()}
                {(!order.is_empty())
                    .then(|| {
                        view! {
                            <dt>{locale.text(Text::OrderNumberLabel)}</dt>
                            <dd class="hc-claim-order">{order}</dd>
                        }
                    })}
                {delivered
                    .map(|day| {
                        view! {
                            <dt>{locale.text(Text::DeliveredOnLabel)}</dt>
                            <dd>{locale.date(day)}</dd>
                        }
                    })}
                {(!description.is_empty())
                    .then(|| {
                        view! {
                            <dt>{locale.text(Text::DescriptionLabel)}</dt>
                            <dd class="hc-pre hc-claim-description">{description}</dd>
                        }
                    })}
                <dt>{locale.text(Text::ReviewWhatHappens)}</dt>
                <dd>{outcome}</dd>
            </dl>
        </section>
    }
    .into_any()
}

/// What the decision means for the shopper, with the Return and Exchange Policy where it
/// applies (§II).
#[component]
pub(super) fn Resolution() -> impl IntoView {
    let page = expect_context::<TicketPage>();
    let locale = page.shop.locale;
    let policy_url = page.shop.config.with_value(|c| c.return_policy_url.clone());
    move || {
        let kind = page
            .ticket
            .with(|t| t.as_ref().and_then(|t| t.resolution))?;
        let link = kind
            .follows_return_policy()
            .then(|| policy_url.clone())
            .flatten()
            .map(|url| {
                view! {
                    <a href=url target="_blank" rel="noopener">
                        {locale.text(Text::ReturnPolicyLink)}
                    </a>
                }
            });
        Some(view! {
            <section class="hc-resolution" data-resolution=format!("{kind:?}")>
                <h3>{locale.text(Text::WhatItMeans)}</h3>
                <p>{locale.resolution_meaning(kind)}</p>
                {link}
            </section>
        })
    }
}
