//! The inbox: the site's tickets with counts per status, filters, search, two orders, "show
//! more" by the server's keyset cursor, and live changes from the site's event stream without
//! a reload. `j`/`k` move through the list, Enter opens, `/` searches.

use std::collections::HashSet;

use helpcenter_core::TicketStatus;
use leptos::ev;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::api;
use crate::app::use_console;
use crate::i18n::Text;
use crate::present::{self, category_title, humanize};
use crate::time;
use crate::wire::{
    AgentRef, AssigneeFilter, DueFilter, InboxItem, InboxQuery, InboxSort, StatusCounts, StatusList,
};

/// Statuses still being worked: what an agent opens the inbox for.
const OPEN: [TicketStatus; 4] = [
    TicketStatus::Submitted,
    TicketStatus::InReview,
    TicketStatus::NeedsInfo,
    TicketStatus::Escalated,
];

/// The inbox as it first opens: open tickets, the most urgent answer first.
pub fn default_inbox() -> InboxQuery {
    InboxQuery {
        status: Some(StatusList(OPEN.to_vec())),
        sort: Some(InboxSort::RespondBy),
        ..InboxQuery::default()
    }
}

/// The tabs over the list: open, each status, everything.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tab {
    Open,
    One(TicketStatus),
    All,
}

impl Tab {
    fn of(query: &InboxQuery) -> Tab {
        match query.status.as_ref().map(|s| s.0.as_slice()) {
            None | Some([]) => Tab::All,
            Some([one]) => Tab::One(*one),
            Some(_) => Tab::Open,
        }
    }

    fn statuses(self) -> Option<StatusList> {
        match self {
            Tab::Open => Some(StatusList(OPEN.to_vec())),
            Tab::One(status) => Some(StatusList(vec![status])),
            Tab::All => None,
        }
    }

    fn count(self, counts: &StatusCounts) -> u32 {
        match self {
            Tab::Open => OPEN.iter().map(|s| counts.get(*s)).sum(),
            Tab::One(status) => counts.get(status),
            Tab::All => TicketStatus::ALL.iter().map(|s| counts.get(*s)).sum(),
        }
    }

    fn id(self) -> &'static str {
        match self {
            Tab::Open => "open",
            Tab::One(status) => status.as_str(),
            Tab::All => "all",
        }
    }
}

const PAGE: u32 = 50;

#[component]
pub fn InboxScreen() -> impl IntoView {
    let console = use_console();
    let query = console.inbox;
    let rows = RwSignal::new(Vec::<InboxItem>::new());
    let counts = RwSignal::new(StatusCounts::default());
    let next = RwSignal::new(None::<String>);
    let loading = RwSignal::new(true);
    let error = RwSignal::new(None::<String>);
    let selected = RwSignal::new(None::<usize>);
    // Rows that arrived or changed live, marked until the agent opens them.
    let fresh = RwSignal::new(HashSet::<String>::new());
    let colleagues = RwSignal::new(Vec::<AgentRef>::new());
    let search = RwSignal::new(query.get_untracked().q.unwrap_or_default());
    // Only the newest request's answer counts.
    let generation = StoredValue::new(0u32);

    leptos::task::spawn_local(async move {
        if let Ok(agents) = api::agents().await {
            colleagues.try_set(agents);
        }
    });

    let load = move |page: InboxQuery, append: bool| {
        generation.try_update_value(|g| *g += 1);
        let mine = generation.try_get_value().unwrap_or_default();
        loading.try_set(true);
        leptos::task::spawn_local(async move {
            let answer = api::inbox(&page).await;
            if generation.try_get_value() != Some(mine) {
                return;
            }
            loading.try_set(false);
            match answer {
                Ok(found) => {
                    error.try_set(None);
                    counts.try_set(found.counts);
                    next.try_set(found.next);
                    if append {
                        rows.try_update(|r| {
                            for item in found.items {
                                if !r.iter().any(|x| x.id == item.id) {
                                    r.push(item);
                                }
                            }
                        });
                    } else {
                        rows.try_set(found.items);
                        selected.try_set(None);
                    }
                }
                Err(e) => error.set(Some(console.error_text(&e))),
            }
        });
    };

    // The first page whenever the filters change.
    Effect::new(move |_| {
        let mut page = query.get();
        page.after = None;
        page.limit = Some(PAGE);
        load(page, false);
    });

    // Live: each change of the site lands in the list where it belongs, and the counts are
    // read again (one row's worth of a page, for its counts). Changes from before the list was
    // read are in it already.
    let seen = console.live.get_untracked().map(|c| c.cursor);
    Effect::new(move |_| {
        let Some(change) = console.live.get() else {
            return;
        };
        if seen.is_some_and(|seen| change.cursor <= seen) {
            return;
        }
        let current = query.get_untracked();
        let me = console.agent().map(|a| a.id).unwrap_or_default();
        let item = change.ticket;
        let due_ok = match current.due {
            None => true,
            Some(DueFilter::Overdue) => {
                present::waits_on_store(item.status) && time::is_past(&item.respond_by)
            }
            Some(DueFilter::Today) => {
                present::waits_on_store(item.status) && due_by_tonight(&item.respond_by)
            }
        };
        let belongs = due_ok && present::matches(&current, &item, &me);
        let id = item.id.clone();
        let was_there = rows.with_untracked(|r| r.iter().any(|x| x.id == id));
        let sort = current.sort.unwrap_or_default();
        rows.try_update(|r| *r = present::apply_change(r, item.clone(), belongs, sort));
        if belongs {
            fresh.try_update(|f| {
                f.insert(id.clone());
            });
        }
        if belongs || was_there {
            let locale = console.locale.get_untracked();
            console.announce.try_set(locale.fill(
                Text::LiveChanged,
                &[("id", &id), ("status", locale.status(item.status))],
            ));
        }
        let mut for_counts = current;
        for_counts.after = None;
        for_counts.limit = Some(1);
        leptos::task::spawn_local(async move {
            if let Ok(page) = api::inbox(&for_counts).await {
                counts.try_set(page.counts);
            }
        });
    });

    // j / k / Enter / "/" while the inbox shows.
    let navigate = use_navigate();
    let keys = window_event_listener(ev::keydown, move |event| {
        if crate::keys::typing(&event)
            || crate::keys::modified(&event)
            || console.shortcuts_open.get_untracked()
        {
            return;
        }
        let len = rows.with_untracked(Vec::len);
        match event.key().as_str() {
            "j" | "k" => {
                event.prevent_default();
                let delta = if event.key() == "j" { 1 } else { -1 };
                let to = present::step_selection(selected.get_untracked(), len, delta);
                selected.try_set(to);
                if let Some(i) = to {
                    crate::keys::focus(&format!("row-{i}"));
                }
            }
            "Enter" => {
                let active_is_link = document()
                    .active_element()
                    .is_some_and(|e| e.tag_name().eq_ignore_ascii_case("a"));
                if let (Some(i), false) = (selected.get_untracked(), active_is_link)
                    && let Some(id) = rows.with_untracked(|r| r.get(i).map(|x| x.id.clone()))
                {
                    event.prevent_default();
                    navigate(&format!("/console/tickets/{id}"), Default::default());
                }
            }
            "/" => {
                event.prevent_default();
                crate::keys::focus("inbox-search");
            }
            _ => {}
        }
    });
    on_cleanup(move || keys.remove());

    let set_query = move |change: &dyn Fn(&mut InboxQuery)| {
        query.try_update(|q| {
            change(q);
            q.after = None;
        });
    };

    let policy = move || console.config.get().map(|c| c.policy);
    let tag = move || console.locale.get().tag();

    let tabs = move || {
        let mut tabs = vec![Tab::Open];
        tabs.extend(TicketStatus::ALL.into_iter().map(Tab::One));
        tabs.push(Tab::All);
        tabs
    };

    view! {
        <section class="inbox" aria-labelledby="inbox-heading" data-live=move || console.live_state.get().as_str()>
            <div class="inbox-head">
                <h1 id="inbox-heading">{console.tu(Text::InboxHeading)}</h1>
                <p class="live" class:off=move || console.live_state.get() != crate::live::LiveState::Live>
                    {move || {
                        if console.live_state.get() == crate::live::LiveState::Live {
                            console.t(Text::LiveConnected)
                        } else {
                            console.t(Text::LiveReconnecting)
                        }
                    }}
                </p>
            </div>
            <div class="tabs" role="group" aria-label=console.tu(Text::Status)>
                {move || {
                    let current = Tab::of(&query.get());
                    let c = counts.get();
                    let locale = console.locale.get();
                    tabs()
                        .into_iter()
                        .map(|tab| {
                            let label = match tab {
                                Tab::Open => locale.text(Text::OpenTickets),
                                Tab::One(status) => locale.status(status),
                                Tab::All => locale.text(Text::AllStatuses),
                            };
                            view! {
                                <button
                                    type="button"
                                    class="tab"
                                    data-tab=tab.id()
                                    aria-pressed=(current == tab).to_string()
                                    on:click=move |_| set_query(&|q| q.status = tab.statuses())
                                >
                                    {label}
                                    " "
                                    <span class="count" data-count=tab.id()>{tab.count(&c)}</span>
                                </button>
                            }
                        })
                        .collect_view()
                }}
            </div>
            <form class="filters" role="search" on:submit=move |e: ev::SubmitEvent| {
                e.prevent_default();
                let text = search.get_untracked();
                set_query(&|q| q.q = Some(text.trim().to_owned()).filter(|t| !t.is_empty()));
            }>
                <div class="field search">
                    <label for="inbox-search">{console.tu(Text::Search)}</label>
                    <input
                        id="inbox-search"
                        type="search"
                        aria-keyshortcuts="/"
                        placeholder=console.tu(Text::SearchHint)
                        prop:value=move || search.get()
                        on:input=move |e| search.set(event_target_value(&e))
                        on:search=move |_: web_sys::Event| {
                            let text = search.get_untracked();
                            set_query(&|q| q.q = Some(text.trim().to_owned()).filter(|t| !t.is_empty()));
                        }
                    />
                    <button type="submit">{console.tu(Text::Search)}</button>
                </div>
                <div class="field">
                    <label for="filter-category">{console.tu(Text::Category)}</label>
                    <select id="filter-category" on:change=move |e| {
                        let v = event_target_value(&e);
                        set_query(&|q| q.category = Some(v.clone()).filter(|v| !v.is_empty()));
                    }>
                        <option value="" selected=move || query.get().category.is_none()>
                            {console.tu(Text::AnyCategory)}
                        </option>
                        {move || {
                            let locale = tag();
                            policy()
                                .map(|p| {
                                    p.categories
                                        .iter()
                                        .map(|c| {
                                            let id = c.id.clone();
                                            let title = category_title(Some(&p), locale, &c.id);
                                            let chosen = id.clone();
                                            view! {
                                                <option value=id selected=move || query.get().category.as_deref() == Some(chosen.as_str())>
                                                    {title}
                                                </option>
                                            }
                                        })
                                        .collect_view()
                                })
                        }}
                    </select>
                </div>
                <div class="field">
                    <label for="filter-outcome">{console.tu(Text::Outcome)}</label>
                    <select id="filter-outcome" on:change=move |e| {
                        let v = event_target_value(&e);
                        set_query(&|q| q.outcome = Some(v.clone()).filter(|v| !v.is_empty()));
                    }>
                        <option value="" selected=move || query.get().outcome.is_none()>
                            {console.tu(Text::AnyOutcome)}
                        </option>
                        {move || {
                            policy()
                                .map(|p| {
                                    p.outcomes
                                        .iter()
                                        .map(|o| {
                                            let id = o.id.clone();
                                            let chosen = id.clone();
                                            view! {
                                                <option value=id selected=move || query.get().outcome.as_deref() == Some(chosen.as_str())>
                                                    {humanize(&o.id)}
                                                </option>
                                            }
                                        })
                                        .collect_view()
                                })
                        }}
                    </select>
                </div>
                <div class="field">
                    <label for="filter-assignee">{console.tu(Text::Assignee)}</label>
                    <select id="filter-assignee" on:change=move |e| {
                        let v = event_target_value(&e);
                        set_query(&|q| {
                            q.assignee = match v.as_str() {
                                "" => None,
                                "me" => Some(AssigneeFilter::Me),
                                "unassigned" => Some(AssigneeFilter::Unassigned),
                                id => Some(AssigneeFilter::Agent(id.to_owned())),
                            }
                        });
                    }>
                        <option value="" selected=move || query.get().assignee.is_none()>
                            {console.tu(Text::Anyone)}
                        </option>
                        <option value="me" selected=move || query.get().assignee == Some(AssigneeFilter::Me)>
                            {console.tu(Text::Me)}
                        </option>
                        <option value="unassigned" selected=move || query.get().assignee == Some(AssigneeFilter::Unassigned)>
                            {console.tu(Text::Unassigned)}
                        </option>
                        {move || {
                            colleagues
                                .get()
                                .into_iter()
                                .map(|a| {
                                    let id = a.id.clone();
                                    let chosen = AssigneeFilter::Agent(a.id.clone());
                                    view! {
                                        <option value=id selected=move || query.get().assignee.as_ref() == Some(&chosen)>
                                            {a.name}
                                        </option>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                </div>
                <div class="field">
                    <label for="filter-due">{console.tu(Text::Due)}</label>
                    <select id="filter-due" on:change=move |e| {
                        let v = event_target_value(&e);
                        set_query(&|q| {
                            q.due = match v.as_str() {
                                "overdue" => Some(DueFilter::Overdue),
                                "today" => Some(DueFilter::Today),
                                _ => None,
                            }
                        });
                    }>
                        <option value="" selected=move || query.get().due.is_none()>{console.tu(Text::AnyTime)}</option>
                        <option value="overdue" selected=move || query.get().due == Some(DueFilter::Overdue)>
                            {console.tu(Text::Overdue)}
                        </option>
                        <option value="today" selected=move || query.get().due == Some(DueFilter::Today)>
                            {console.tu(Text::DueToday)}
                        </option>
                    </select>
                </div>
                <div class="field">
                    <label for="filter-sort">{console.tu(Text::Sort)}</label>
                    <select id="filter-sort" on:change=move |e| {
                        let v = event_target_value(&e);
                        set_query(&|q| {
                            q.sort = Some(if v == "updated" { InboxSort::Updated } else { InboxSort::RespondBy })
                        });
                    }>
                        <option value="respond_by" selected=move || query.get().sort != Some(InboxSort::Updated)>
                            {console.tu(Text::SortRespondBy)}
                        </option>
                        <option value="updated" selected=move || query.get().sort == Some(InboxSort::Updated)>
                            {console.tu(Text::SortUpdated)}
                        </option>
                    </select>
                </div>
            </form>
            <p class="problem" role="alert" hidden=move || error.get().is_none()>{move || error.get()}</p>
            <div class="table-wrap">
                <table class="tickets" aria-busy=move || loading.get().to_string()>
                    <caption class="sr-only">{console.tu(Text::InboxHeading)}</caption>
                    <thead>
                        <tr>
                            <th scope="col">{console.tu(Text::Ticket)}</th>
                            <th scope="col">{console.tu(Text::Status)}</th>
                            <th scope="col" class="wide">{console.tu(Text::Category)}</th>
                            <th scope="col">{console.tu(Text::Order)}</th>
                            <th scope="col" class="wide">{console.tu(Text::Customer)}</th>
                            <th scope="col">{console.tu(Text::RespondBy)}</th>
                            <th scope="col" class="wide">{console.tu(Text::Updated)}</th>
                            <th scope="col">{console.tu(Text::Assignee)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || {
                            let locale = console.locale.get();
                            let p = policy();
                            rows.get()
                                .into_iter()
                                .enumerate()
                                .map(|(i, row)| {
                                    let id = row.id.clone();
                                    let href = format!("/console/tickets/{}", row.id);
                                    let overdue = present::waits_on_store(row.status)
                                        && time::is_past(&row.respond_by);
                                    let is_fresh = fresh.with(|f| f.contains(&row.id));
                                    let opened = id.clone();
                                    view! {
                                        <tr
                                            data-ticket=id
                                            class:selected=move || selected.get() == Some(i)
                                            class:fresh=is_fresh
                                            class:overdue=overdue
                                        >
                                            <th scope="row">
                                                <A
                                                    href=href
                                                    attr:id=format!("row-{i}")
                                                    on:focus=move |_| selected.set(Some(i))
                                                    on:click=move |_| fresh.update(|f| { f.remove(&opened); })
                                                >
                                                    {row.id.clone()}
                                                </A>
                                            </th>
                                            <td>
                                                <span class=format!("status status-{}", row.status.as_str())>
                                                    {locale.status(row.status)}
                                                </span>
                                            </td>
                                            <td class="wide">{category_title(p.as_ref(), locale.tag(), &row.category)}</td>
                                            <td>{row.order_number.clone()}</td>
                                            <td class="wide">{row.email.clone()}</td>
                                            <td>
                                                {time::short(&row.respond_by, locale)}
                                                {overdue.then(|| view! { " " <span class="badge late">{locale.text(Text::OverdueBadge)}</span> })}
                                            </td>
                                            <td class="wide">{time::short(&row.updated_at, locale)}</td>
                                            <td>
                                                {row.assignee.map(|a| a.name).unwrap_or_else(|| locale.text(Text::Nobody).to_owned())}
                                            </td>
                                        </tr>
                                    }
                                })
                                .collect_view()
                        }}
                    </tbody>
                </table>
            </div>
            <p class="empty" hidden=move || loading.get() || !rows.with(Vec::is_empty)>
                {console.tu(Text::NoTickets)}
            </p>
            <p class="loading" hidden=move || !loading.get()>{console.tu(Text::Loading)}</p>
            <Show when=move || next.get().is_some()>
                <button type="button" class="more" disabled=move || loading.get() on:click=move |_| {
                    let mut page = query.get_untracked();
                    page.after = next.get_untracked();
                    page.limit = Some(PAGE);
                    load(page, true);
                }>{console.tu(Text::More)}</button>
            </Show>
        </section>
    }
}

/// Due by the end of the agent's day (the server judges by the site's; close enough for a
/// live row, and the next page read corrects it).
fn due_by_tonight(respond_by: &str) -> bool {
    let Some(ms) = time::millis(respond_by) else {
        return false;
    };
    let tonight = js_sys::Date::new_0();
    tonight.set_hours(23);
    tonight.set_minutes(59);
    tonight.set_seconds(59);
    ms <= tonight.get_time()
}
