//! On a site that looks orders up, the claim starts with the order: its number and the email
//! it was placed with, checked by the store's order system through the server; then the items
//! the claim is about. The claim window counts from the store's delivery day, so the date is
//! only asked for when the store does not know it. Its words live here, with the screen, so
//! they travel in the chunk and not in the first load.

use helpcenter_api::{ErrorCode, OrderLookup, OrderLookupMode};
use helpcenter_core::submission::check_email;
use helpcenter_core::{ClaimedItem, Field, StoreOrder};
use leptos::prelude::*;

use super::details::TextField;
use super::{FieldProblems, Nav, ScreenHeading, StageBar};
use crate::api::SubmitError;
use crate::draft::Stage;
use crate::flow::Flow;
use crate::i18n::{Locale, Text, fill};

/// The order screen's words.
#[derive(Clone, Copy)]
pub enum Words {
    Heading,
    Intro,
    OrderNumber,
    Email,
    EmailHint,
    Find,
    Finding,
    NotFound,
    UnavailableOptional,
    UnavailableRequired,
    TooMany,
    Offline,
    ContinueUnchecked,
    DeliveredSummary,
    PlacedSummary,
    Tracking,
    PickItems,
    PickAtLeastOne,
    Quantity,
    Another,
    DeliveredByStore,
    StoreHasNoDay,
    Unchecked,
}

pub fn words(locale: Locale, w: Words) -> &'static str {
    use Words::*;
    match locale {
        Locale::En => match w {
            Heading => "Which order is it about?",
            Intro => {
                "We'll look it up with the store, so you don't have to type what it already knows."
            }
            OrderNumber => "Order number",
            Email => "The email address you ordered with",
            EmailHint => "The store checks it against the order; we answer you there too.",
            Find => "Find my order",
            Finding => "Looking up your order…",
            NotFound => {
                "We couldn't find an order with this number and this email address. Check both against your order confirmation."
            }
            UnavailableOptional => {
                "The store's order system isn't answering right now. Try again, or continue and tell us the delivery day yourself."
            }
            UnavailableRequired => {
                "The store's order system isn't answering right now, so we can't take the request yet. Please try again in a few minutes: nothing you entered is lost."
            }
            TooMany => "Too many tries for this order. Please wait a minute and try again.",
            Offline => "We couldn't reach the help center. Check your connection and try again.",
            ContinueUnchecked => "Continue without checking",
            DeliveredSummary => "Order {number}, delivered on {date}",
            PlacedSummary => "Order {number}, placed on {date}: the store has no delivery day yet",
            Tracking => "{carrier}, tracking number {tracking}",
            PickItems => "Which items is this about?",
            PickAtLeastOne => "Choose at least one item.",
            Quantity => "How many",
            Another => "Not this order? Look up another",
            DeliveredByStore => "Delivered on {date}, as the store recorded it.",
            StoreHasNoDay => {
                "The store has no delivery day for this order yet: tell us the day it arrived."
            }
            Unchecked => "We couldn't check your order with the store; it will be checked by hand.",
        },
        Locale::ZhCn => match w {
            Heading => "是哪一笔订单？",
            Intro => "我们会向商家查询订单，您无需再填写商家已有的信息。",
            OrderNumber => "订单号",
            Email => "下单时使用的邮箱",
            EmailHint => "商家会用它核对订单，我们也会通过它回复您。",
            Find => "查找我的订单",
            Finding => "正在查询您的订单…",
            NotFound => "没有找到与此订单号和邮箱相符的订单。请对照订单确认信息检查两者。",
            UnavailableOptional => "商家的订单系统暂时没有响应。请重试，或继续并自行填写收货日期。",
            UnavailableRequired => {
                "商家的订单系统暂时没有响应，暂时无法提交申请。请几分钟后重试，您填写的内容不会丢失。"
            }
            TooMany => "此订单的查询次数过多。请等待一分钟后再试。",
            Offline => "无法连接帮助中心。请检查网络后重试。",
            ContinueUnchecked => "不查询，继续",
            DeliveredSummary => "订单 {number}，{date} 送达",
            PlacedSummary => "订单 {number}，{date} 下单：商家尚无送达日期",
            Tracking => "{carrier}，运单号 {tracking}",
            PickItems => "是哪些商品出了问题？",
            PickAtLeastOne => "请至少选择一件商品。",
            Quantity => "数量",
            Another => "不是这笔订单？查询其他订单",
            DeliveredByStore => "商家记录的送达日期：{date}。",
            StoreHasNoDay => "商家尚无此订单的送达日期，请填写您收到包裹的日期。",
            Unchecked => "我们无法向商家核对您的订单，将由人工核对。",
        },
    }
}

/// "Order 10023456, delivered on 24 November 2026" (or placed on, while the store has no day):
/// the day written as the widget writes every day.
pub fn summary(locale: Locale, order: &StoreOrder) -> String {
    match (order.delivered_on, order.placed_on) {
        (Some(day), _) => fill(
            words(locale, Words::DeliveredSummary),
            &[("number", &order.order_number), ("date", &locale.date(day))],
        ),
        (None, Some(day)) => fill(
            words(locale, Words::PlacedSummary),
            &[("number", &order.order_number), ("date", &locale.date(day))],
        ),
        (None, None) => order.order_number.clone(),
    }
}

/// Where the lookup stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Asking {
    Idle,
    Busy,
    NotFound,
    Unavailable,
    TooMany,
    Offline,
}

/// The order step: the lookup form, then the order found and its items to pick.
#[component]
pub fn OrderScreen() -> impl IntoView {
    let flow = expect_context::<Flow>();
    view! {
        <section class="hc-screen hc-order">
            <StageBar current=Stage::Problem />
            {move || order_step(flow.order().get())}
        </section>
    }
}

/// The form or the order found. Kept out of line: the screen's first render and each change
/// call it, rather than each carrying a copy of both views (a few KB of the chunk).
#[inline(never)]
fn order_step(order: Option<StoreOrder>) -> AnyView {
    match order {
        None => view! { <LookupForm /> }.into_any(),
        Some(order) => view! { <FoundOrder order /> }.into_any(),
    }
}

#[component]
fn LookupForm() -> impl IntoView {
    let flow = expect_context::<Flow>();
    let locale = flow.locale;
    let w = move |x| words(locale, x);
    let asking = RwSignal::new(Asking::Idle);
    let tried = RwSignal::new(false);
    let optional = flow.order_lookup() == Some(OrderLookupMode::Optional);
    let example = flow.with_policy(|p| p.order_number.example.clone());
    let number_example = example.clone();
    let number_messages = Signal::derive(move || {
        if !tried.get() {
            return Vec::new();
        }
        let number = flow.draft.with(|d| d.claim.order_number.clone());
        flow.with_policy(|p| p.order_number.check(&number))
            .map(|code| fill(locale.problem(code), &[("example", &number_example)]))
            .into_iter()
            .collect()
    });
    let email_messages = Signal::derive(move || {
        if !tried.get() {
            return Vec::new();
        }
        // The store's "no such order with this email" belongs to the email the shopper
        // checks against the confirmation (the number may be the one that is wrong: the
        // message says to check both).
        if asking.get() == Asking::NotFound {
            return vec![w(Words::NotFound).to_owned()];
        }
        flow.draft
            .with(|d| check_email(&d.claim.email))
            .map(|code| locale.problem(code).to_owned())
            .into_iter()
            .collect()
    });
    let find = move || {
        tried.set(true);
        if asking.get_untracked() == Asking::NotFound {
            asking.set(Asking::Idle);
        }
        if !number_messages.get_untracked().is_empty() || !email_messages.get_untracked().is_empty()
        {
            super::focus_first_invalid();
            return;
        }
        if asking.get_untracked() == Asking::Busy {
            return;
        }
        asking.set(Asking::Busy);
        let ask = flow.draft.with_untracked(|d| OrderLookup {
            order_number: d.claim.order_number.trim().to_owned(),
            email: d.claim.email.trim().to_owned(),
        });
        let (api, site) = (flow.api.get_value(), flow.site.get_value());
        leptos::task::spawn_local(async move {
            let result = api.look_up_order(&site, &ask).await;
            asking.set(match &result {
                Ok(_) => Asking::Idle,
                Err(SubmitError::Refused {
                    code: ErrorCode::OrderNotFound,
                    ..
                }) => Asking::NotFound,
                Err(SubmitError::Server(429)) => Asking::TooMany,
                Err(SubmitError::Server(_)) => Asking::Unavailable,
                Err(SubmitError::Network) => Asking::Offline,
                Err(SubmitError::Refused { .. }) => Asking::NotFound,
            });
            match result {
                Ok(order) => flow.order().set(Some(order)),
                // The message is beside the email: the shopper goes there to check it.
                Err(_) if asking.get_untracked() == Asking::NotFound => {
                    super::focus_first("#hc-lookup-email")
                }
                Err(_) => {}
            }
        });
    };
    let message = move || {
        let text = match asking.get() {
            Asking::Idle => return None,
            Asking::Busy => w(Words::Finding),
            // Said next to the email field.
            Asking::NotFound => return None,
            Asking::Unavailable if optional => w(Words::UnavailableOptional),
            Asking::Unavailable => w(Words::UnavailableRequired),
            Asking::TooMany => w(Words::TooMany),
            Asking::Offline => w(Words::Offline),
        };
        let role = if asking.get() == Asking::Busy {
            "status"
        } else {
            "alert"
        };
        Some(view! { <p class="hc-order-message" role=role>{text}</p> })
    };
    let unchecked = move || {
        (optional && asking.get() == Asking::Unavailable).then(|| {
            view! {
                <button
                    type="button"
                    class="hc-link hc-order-unchecked"
                    on:click=move |_| {
                        flow.draft.update(|d| {
                            d.order_unchecked = true;
                            d.order_found = false;
                        })
                    }
                >
                    {w(Words::ContinueUnchecked)}
                </button>
            }
        })
    };
    let back = Callback::new(move |()| flow.draft.update(|d| d.back()));
    view! {
        <ScreenHeading>{w(Words::Heading)}</ScreenHeading>
        <p class="hc-intro">{w(Words::Intro)}</p>
        <form
            class="hc-order-form"
            novalidate
            on:submit=move |ev| {
                ev.prevent_default();
                find();
            }
        >
            <TextField
                id="hc-lookup-order-number"
                field=Field::OrderNumber
                label=w(Words::OrderNumber)
                hint=locale.fill(Text::OrderNumberHint, &[("example", &example)])
                kind="text"
                autocomplete="off"
                get=|d| d.claim.order_number.clone()
                set=|d, v| d.claim.order_number = v
                problems=number_messages
            />
            <TextField
                id="hc-lookup-email"
                field=Field::Email
                label=w(Words::Email)
                hint=w(Words::EmailHint).to_owned()
                kind="email"
                autocomplete="email"
                get=|d| d.claim.email.clone()
                set=|d, v| d.claim.email = v
                problems=email_messages
            />
            <button
                type="submit"
                class="hc-next hc-find-order"
                disabled=move || asking.get() == Asking::Busy
            >
                {w(Words::Find)}
            </button>
        </form>
        <div aria-live="polite">{message}</div>
        {unchecked}
        <Nav on_back=back />
    }
}

#[component]
fn FoundOrder(order: StoreOrder) -> impl IntoView {
    let flow = expect_context::<Flow>();
    let locale = flow.locale;
    let w = move |x| words(locale, x);
    let tried = RwSignal::new(false);
    // Items chosen before (a reload, Back) stay chosen if the order still has them.
    flow.draft.update(|d| {
        d.items
            .retain(|c| order.item(&c.id).is_some_and(|i| c.quantity <= i.quantity))
    });
    let has_items = !order.items.is_empty();
    let none_chosen = move || has_items && flow.draft.with(|d| d.items.is_empty());
    let pick_messages = Signal::derive(move || {
        if tried.get() && none_chosen() {
            vec![w(Words::PickAtLeastOne).to_owned()]
        } else {
            Vec::new()
        }
    });
    let tracking = match (&order.carrier, &order.tracking_number) {
        (Some(carrier), Some(tracking)) => Some(fill(
            w(Words::Tracking),
            &[("carrier", carrier), ("tracking", tracking)],
        )),
        (Some(carrier), None) => Some(carrier.clone()),
        _ => None,
    };
    let delivered = order.delivered_on;
    let items = order.items.clone().into_iter().map(|item| {
        let id = item.id.clone();
        let (id_check, id_qty, id_sel) = (id.clone(), id.clone(), id.clone());
        let chosen = Signal::derive(move || {
            flow.draft
                .with(|d| d.items.iter().any(|c| c.id == id_check))
        });
        let quantity = move || {
            flow.draft
                .with(|d| d.items.iter().find(|c| c.id == id_qty).map_or(1, |c| c.quantity))
        };
        let box_id = format!("hc-item-{}", item.id);
        let ordered = item.quantity;
        let toggle = move |on: bool| {
            let id = id.clone();
            flow.draft.update(|d| {
                d.items.retain(|c| c.id != id);
                if on {
                    d.items.push(ClaimedItem { id, quantity: 1 });
                }
            })
        };
        let how_many = (ordered > 1).then(|| {
            let set = move |n: u32| {
                let id = id_sel.clone();
                flow.draft.update(|d| {
                    if let Some(c) = d.items.iter_mut().find(|c| c.id == id) {
                        c.quantity = n;
                    }
                })
            };
            // A number field rather than a list of every count: one kind of input for any
            // quantity, kept within 1 and the number ordered.
            view! {
                <label class="hc-item-quantity">
                    {w(Words::Quantity)} " "
                    <input
                        type="number"
                        min="1"
                        max=ordered.to_string()
                        inputmode="numeric"
                        disabled=move || !chosen.get()
                        prop:value=move || quantity().to_string()
                        on:change=move |ev| {
                            set(
                                event_target_value(&ev)
                                    .trim()
                                    .parse::<u32>()
                                    .map_or(1, |n| n.clamp(1, ordered)),
                            )
                        }
                    />
                </label>
            }
        });
        view! {
            <li class="hc-item" data-item=item.id.clone()>
                <input
                    type="checkbox"
                    id=box_id.clone()
                    prop:checked=chosen
                    on:change=move |ev| toggle(event_target_checked(&ev))
                />
                {item.image_url.clone().map(|src| view! { <img class="hc-item-image" src=src alt="" width="48" height="48" /> })}
                <label for=box_id>{item.name.clone()} " × " {ordered}</label>
                {how_many}
            </li>
        }
    });
    let next = Callback::new(move |()| {
        tried.set(true);
        if none_chosen() {
            super::focus_first("[data-item] input");
            return;
        }
        flow.draft.update(|d| {
            // The review shows the day the claim counts from; the server uses its own.
            if let Some(day) = delivered {
                d.claim.delivered_on = day.to_string();
            }
            d.order_found = true;
            d.order_unchecked = false;
        });
    });
    let another = move |_| {
        flow.order().set(None);
        flow.draft.update(|d| {
            d.order_found = false;
            d.items.clear();
        });
    };
    let back = Callback::new(move |()| flow.draft.update(|d| d.back()));
    view! {
        <ScreenHeading>{summary(locale, &order)}</ScreenHeading>
        {tracking.map(|t| view! { <p class="hc-order-tracking">{t}</p> })}
        {delivered.is_none().then(|| view! { <p class="hc-hint">{w(Words::StoreHasNoDay)}</p> })}
        {has_items
            .then(|| {
                view! {
                    <fieldset class="hc-items" aria-describedby="hc-items-problems">
                        <legend>{w(Words::PickItems)}</legend>
                        <ul>{items.collect_view()}</ul>
                        <FieldProblems id="hc-items-problems" messages=pick_messages />
                    </fieldset>
                }
            })}
        <button type="button" class="hc-link hc-order-another" on:click=another>
            {w(Words::Another)}
        </button>
        <Nav on_back=back next=(crate::i18n::Locale::text(locale, crate::i18n::Text::Continue), next) />
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use helpcenter_core::CivilDate;

    #[test]
    fn the_order_reads_as_the_shopper_knows_it() {
        let day = |s: &str| s.parse::<CivilDate>().ok();
        let mut order = StoreOrder {
            order_number: "10023456".into(),
            placed_on: day("2026-11-18"),
            delivered_on: day("2026-11-24"),
            ..StoreOrder::default()
        };
        assert_eq!(
            summary(Locale::En, &order),
            "Order 10023456, delivered on 24 November 2026"
        );
        assert_eq!(
            summary(Locale::ZhCn, &order),
            "订单 10023456，2026年11月24日 送达"
        );
        order.delivered_on = None;
        assert_eq!(
            summary(Locale::En, &order),
            "Order 10023456, placed on 18 November 2026: the store has no delivery day yet"
        );
    }

    #[test]
    fn every_word_of_the_order_screen_is_translated_with_the_same_placeholders() {
        use Words::*;
        let placeholders = |text: &str| {
            let mut names: Vec<String> = text
                .split('{')
                .skip(1)
                .filter_map(|rest| rest.split_once('}').map(|(n, _)| n.to_owned()))
                .collect();
            names.sort();
            names
        };
        for w in [
            Heading,
            Intro,
            OrderNumber,
            Email,
            EmailHint,
            Find,
            Finding,
            NotFound,
            UnavailableOptional,
            UnavailableRequired,
            TooMany,
            Offline,
            ContinueUnchecked,
            DeliveredSummary,
            PlacedSummary,
            Tracking,
            PickItems,
            PickAtLeastOne,
            Quantity,
            Another,
            DeliveredByStore,
            StoreHasNoDay,
            Unchecked,
        ] {
            let (en, zh) = (words(Locale::En, w), words(Locale::ZhCn, w));
            assert_ne!(en, zh);
            assert_eq!(placeholders(en), placeholders(zh), "{en}");
        }
    }
}
