use helpcenter_core::submission::check_email;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{FieldProblems, ScreenHeading, local_time};
use crate::api::{RecoverTicket, SubmitError};
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
                &[("when", &local_time(&row.updated_at, lang))],
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

/// Finds a request again by its number, the order number and the email it was filed with:
/// for another device, or after the browser's storage was cleared.
#[component]
fn FindRequest() -> impl IntoView {
    let requests = expect_context::<Following>().requests();
    let place = expect_context::<RwSignal<Place>>();
    let shop = requests.shop;
    let locale = shop.locale;
    let ticket_id = RwSignal::new(String::new());
    let order_number = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let tried = RwSignal::new(false);
    let finding = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    // The rulebook's own checks of an order number and an email; a request number only has
    // to be there (the server knows what it looks like).
    let problems = move || -> Vec<(FindField, String)> {
        let mut problems = Vec::new();
        if ticket_id.with(|t| t.trim().is_empty()) {
            problems.push((
                FindField::Number,
                locale.text(Text::RequestNumberMissing).to_owned(),
            ));
        }
        let order = order_number.get();
        let example = shop.with_policy(|p| p.order_number.example.clone());
        if let Some(code) = shop.with_policy(|p| p.order_number.check(&order)) {
            problems.push((
                FindField::OrderNumber,
                crate::i18n::fill(locale.problem(code), &[("example", &example)]),
            ));
        }
        if let Some(code) = check_email(&email.get()) {
            problems.push((FindField::Email, locale.problem(code).to_owned()));
        }
        problems
    };
    let messages = move |field: FindField| {
        Signal::derive(move || {
            if !tried.get() {
                return Vec::new();
            }
            problems()
                .into_iter()
                .filter(|(f, _)| *f == field)
                .map(|(_, m)| m)
                .collect()
        })
    };
    let find = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        tried.set(true);
        failure.set(None);
        if finding.get_untracked() {
            return;
        }
        if !problems().is_empty() {
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
                    locale.text(if finding.get() { Text::Finding } else { Text::Find })
                }}
            </button>
        </form>
    }
}
