use helpcenter_core::submission::check_email;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{FieldProblems, ScreenHeading, local_time};
use crate::api::{LinkAsk, RecoverTicket, SubmitError};
use crate::app::Place;
use crate::i18n::Text;
use crate::requests::{Following, RequestRow};

/// "My requests": each with its number, category, status in words and last update, marked
/// when something happened since the shopper last looked; and finding one again.
#[component]
pub fn RequestsScreen() -> impl IntoView {
    let requests = expect_context::<Following>().requests();
    let place = expect_context::<RwSignal<Place>>();
    let locale = requests.shop.locale;
    requests.reload_kept();
    let refresh = move || spawn_local(requests.refresh());
    refresh();
    let list = move || {
        let Some(rows) = requests.rows.get() else {
            return view! {
                <p class="hc-status" role="status">{locale.text(Text::RequestsLoading)}</p>
            }
            .into_any();
        };
        if requests.failed.get() {
            return view! {
                <div class="hc-error" role="alert">
                    <p>{locale.text(Text::RequestsFailed)}</p>
                    <button type="button" class="hc-retry" on:click=move |_| refresh()>
                        {locale.text(Text::TryAgain)}
                    </button>
                </div>
            }
            .into_any();
        }
        if rows.is_empty() {
            return view! { <p class="hc-hint hc-requests-empty">{locale.text(Text::RequestsEmpty)}</p> }
                .into_any();
        }
        view! {
            <ul class="hc-request-list">
                {rows.into_iter().map(|row| view! { <RequestLine row /> }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <section class="hc-screen hc-requests">
            <ScreenHeading>{locale.text(Text::RequestsHeading)}</ScreenHeading>
            {list}
            <FindRequest />
            <div class="hc-nav">
                <button type="button" class="hc-back" on:click=move |_| place.set(Place::Filing)>
                    {locale.text(Text::NewRequest)}
                </button>
            </div>
        </section>
    }
}

#[component]
fn RequestLine(row: RequestRow) -> impl IntoView {
    let requests = expect_context::<Following>().requests();
    let place = expect_context::<RwSignal<Place>>();
    let shop = requests.shop;
    let locale = shop.locale;
    let lang = locale.tag();
    let news = {
        let row = row.clone();
        move || requests.is_news(&row)
    };
    let category = shop.with_policy(|p| {
        p.category(&row.category)
            .map(|c| p.text(lang, &c.title).to_owned())
            .unwrap_or_default()
    });
    let (status, updated) = match row.status {
        Some(status) => (
            locale.status(status).to_owned(),
            locale.fill(
                Text::RequestUpdated,
                &[("when", &local_time(&row.updated_at, locale))],
            ),
        ),
        None => (
            locale.text(Text::RequestCannotOpen).to_owned(),
            String::new(),
        ),
    };
    let id = row.id.clone();
    view! {
        <li>
            <button
                type="button"
                class="hc-request"
                data-ticket=row.id.clone()
                on:click=move |_| place.set(Place::Ticket(id.clone()))
            >
                <span class="hc-request-top">
                    <span class="hc-request-id">{row.id.clone()}</span>
                    <Show when=news.clone()>
                        <span class="hc-news">{locale.text(Text::RequestNews)}</span>
                    </Show>
                </span>
                <span class="hc-request-category">{category}</span>
                <span class="hc-request-status">{status}</span>
                <span class="hc-request-updated">{updated}</span>
            </button>
        </li>
    }
}

/// The fields of the form that finds a request.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FindField {
    Number,
    OrderNumber,
    Email,
}

/// What the shopper last asked of the form: to open the request here (number, order number
/// and email), or to have a link to it mailed (number and email: no order number at hand).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Asked {
    Open,
    MailLink,
}

/// What asking for a link by mail says. Kept here, in the chunk, out of the first load's text
/// table.
#[derive(Clone, Copy)]
struct LinkWords {
    intro: &'static str,
    button: &'static str,
    sending: &'static str,
    /// The same whether or not the address is the request's: `{id}` and `{email}`.
    sent: &'static str,
    /// `{seconds}`, when the server said.
    too_many: &'static str,
    too_many_later: &'static str,
}

fn link_words(locale: crate::i18n::Locale) -> LinkWords {
    match locale {
        crate::i18n::Locale::En => LinkWords {
            intro: "No order number at hand? Enter the request number and your email, and we'll e-mail you a link that opens the request.",
            button: "E-mail me a link",
            sending: "Sending…",
            sent: "If request {id} was filed with {email}, a link that opens it is on its way there. Nothing after a few minutes? Check your spam folder, or ask again in 5 minutes.",
            too_many: "Too many tries from this device. Please try again in {seconds} seconds.",
            too_many_later: "Too many tries from this device. Please try again in a minute.",
        },
        crate::i18n::Locale::ZhCn => LinkWords {
            intro: "手边没有订单号？请输入申请编号和您的邮箱，我们会通过邮件发送一个可打开该申请的链接。",
            button: "通过邮件发送链接",
            sending: "正在发送…",
            sent: "如果申请 {id} 是用 {email} 提交的，可打开该申请的链接已发往该邮箱。几分钟后仍未收到？请查看垃圾邮件文件夹，或 5 分钟后再次申请。",
            too_many: "此设备尝试次数过多，请在 {seconds} 秒后重试。",
            too_many_later: "此设备尝试次数过多，请稍后再试。",
        },
    }
}

/// Finds a request again by its number, the order number and the email it was filed with:
/// for another device, or after the browser's storage was cleared. Without the order number,
/// a link to it can be mailed to the address it was filed with.
#[component]
fn FindRequest() -> impl IntoView {
    let requests = expect_context::<Following>().requests();
    let place = expect_context::<RwSignal<Place>>();
    let shop = requests.shop;
    let locale = shop.locale;
    let words = link_words(locale);
    let ticket_id = RwSignal::new(String::new());
    let order_number = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let asked = RwSignal::new(None::<Asked>);
    let finding = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    // What became of asking for a link: said beside the email it goes to.
    let link_sent = RwSignal::new(None::<String>);
    let link_refused = RwSignal::new(None::<String>);
    // The rulebook's own checks of an order number and an email; a request number only has
    // to be there (the server knows what it looks like).
    let problems = move |asked: Asked| -> Vec<(FindField, String)> {
        let mut problems = Vec::new();
        if ticket_id.with(|t| t.trim().is_empty()) {
            problems.push((
                FindField::Number,
                locale.text(Text::RequestNumberMissing).to_owned(),
            ));
        }
        if asked == Asked::Open {
            let order = order_number.get();
            let example = shop.with_policy(|p| p.order_number.example.clone());
            // A claim that may have been filed without an order is found without one.
            let may_lack = shop.with_policy(|p| {
                p.outcomes
                    .iter()
                    .any(|o| !o.evidence.order_number.is_required())
            });
            let code = shop
                .with_policy(|p| p.order_number.check(&order))
                .filter(|c| !(may_lack && *c == helpcenter_core::ProblemCode::OrderNumberMissing));
            if let Some(code) = code {
                problems.push((
                    FindField::OrderNumber,
                    crate::i18n::fill(locale.problem(code), &[("example", &example)]),
                ));
            }
        }
        if let Some(code) = check_email(&email.get()) {
            problems.push((FindField::Email, locale.problem(code).to_owned()));
        }
        problems
    };
    let messages = move |field: FindField| {
        Signal::derive(move || {
            let Some(asked) = asked.get() else {
                return Vec::new();
            };
            let mut messages: Vec<String> = problems(asked)
                .into_iter()
                .filter(|(f, _)| *f == field)
                .map(|(_, m)| m)
                .collect();
            if field == FindField::Email {
                messages.extend(link_refused.get());
            }
            messages
        })
    };
    let find = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        asked.set(Some(Asked::Open));
        failure.set(None);
        link_refused.set(None);
        link_sent.set(None);
        if finding.get_untracked() {
            return;
        }
        if !problems(Asked::Open).is_empty() {
            super::focus_first_invalid();
            return;
        }
        finding.set(true);
        let request = RecoverTicket {
            ticket_id: ticket_id.get_untracked().trim().to_owned(),
            order_number: order_number.get_untracked(),
            email: email.get_untracked(),
        };
        spawn_local(async move {
            match requests.recover(request).await {
                Ok(id) => {
                    place.set(Place::Ticket(id));
                }
                Err(SubmitError::Refused { .. }) => {
                    failure.try_set(Some(locale.text(Text::FindNotFound).to_owned()));
                }
                Err(_) => {
                    failure.try_set(Some(locale.text(Text::SendFailed).to_owned()));
                }
            }
            finding.try_set(false);
        });
    };
    let mail_link = move |_| {
        asked.set(Some(Asked::MailLink));
        failure.set(None);
        link_refused.set(None);
        link_sent.set(None);
        if finding.get_untracked() {
            return;
        }
        if !problems(Asked::MailLink).is_empty() {
            super::focus_first_invalid();
            return;
        }
        finding.set(true);
        let id = ticket_id.get_untracked().trim().to_owned();
        let address = email.get_untracked().trim().to_owned();
        let api = shop.api.get_value();
        let site = shop.site.get_value();
        spawn_local(async move {
            match api.send_link(&site, &id, &address).await {
                Ok(()) => {
                    link_sent.try_set(Some(crate::i18n::fill(
                        words.sent,
                        &[("id", &id.to_ascii_uppercase()), ("email", &address)],
                    )));
                }
                Err(LinkAsk::TooMany(Some(seconds))) => {
                    link_refused.try_set(Some(crate::i18n::fill(
                        words.too_many,
                        &[("seconds", &seconds.max(1).to_string())],
                    )));
                }
                Err(LinkAsk::TooMany(None)) => {
                    link_refused.try_set(Some(words.too_many_later.to_owned()));
                }
                Err(LinkAsk::Failed) => {
                    link_refused.try_set(Some(locale.text(Text::SendFailed).to_owned()));
                }
            }
            finding.try_set(false);
        });
    };
    let field = move |id: &'static str,
                      label: Text,
                      kind: &'static str,
                      autocomplete: &'static str,
                      value: RwSignal<String>,
                      problem_field: FindField| {
        let problems_id = format!("{id}-problems");
        let messages = messages(problem_field);
        view! {
            <div class="hc-field">
                <label for=id>{locale.text(label)}</label>
                <input
                    id=id
                    type=kind
                    autocomplete=autocomplete
                    aria-describedby=problems_id.clone()
                    aria-invalid=move || (!messages.get().is_empty()).to_string()
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
                <FieldProblems id=problems_id messages />
            </div>
        }
    };
    let failed = Signal::derive(move || failure.get().into_iter().collect::<Vec<_>>());
    view! {
        <form class="hc-find" on:submit=find novalidate>
            <h3>{locale.text(Text::FindHeading)}</h3>
            <p class="hc-hint">{locale.text(Text::FindIntro)}</p>
            {field("hc-find-id", Text::RequestNumberLabel, "text", "off", ticket_id, FindField::Number)}
            {field("hc-find-order", Text::OrderNumberLabel, "text", "off", order_number, FindField::OrderNumber)}
            {field("hc-find-email", Text::EmailLabel, "email", "email", email, FindField::Email)}
            <FieldProblems id="hc-find-problems" messages=failed />
            <button type="submit" class="hc-next hc-find-submit" disabled=move || finding.get()>
                {move || {
                    let opening = finding.get() && asked.get() == Some(Asked::Open);
                    locale.text(if opening { Text::Finding } else { Text::Find })
                }}
            </button>
            <p class="hc-hint">{words.intro}</p>
            <button
                type="button"
                class="hc-find-link"
                aria-describedby="hc-find-email-problems"
                disabled=move || finding.get()
                on:click=mail_link
            >
                {move || {
                    if finding.get() && asked.get() == Some(Asked::MailLink) {
                        words.sending
                    } else {
                        words.button
                    }
                }}
            </button>
            <p class="hc-hint hc-find-sent" role="status">{move || link_sent.get()}</p>
        </form>
    }
}
