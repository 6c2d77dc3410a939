//! Insights: whether the team keeps the policy's promises, at a glance, for a chosen period.
//! Charts are SVG drawn here (no chart library): claims per week by category and by outcome,
//! first answers on time against `respond_by`, tickets overdue now, the mix of resolutions and
//! disputes. Each chart has a text equivalent for screen readers.

use helpcenter_core::CivilDate;
use leptos::ev;
use leptos::prelude::*;

use crate::api;
use crate::app::use_console;
use crate::i18n::{Locale, Text};
use crate::present::{self, arc_path, humanize, nice_ceiling, series_keys, stack};
use crate::wire::{Insights, InsightsQuery, WeekCounts};

/// Colours told apart also by people with the common colour-vision deficiencies (Okabe–Ito).
const PALETTE: [&str; 8] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
];

fn colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

#[component]
pub fn InsightsScreen() -> impl IntoView {
    let console = use_console();
    let today = console
        .config
        .get_untracked()
        .map(|c| c.today)
        .or_else(|| CivilDate::from_ymd(2026, 1, 1));
    let weeks_back = move |weeks: i32| today.and_then(|t| t.add_days(-7 * weeks + 1));
    let from = RwSignal::new(weeks_back(12).map(|d| d.to_string()).unwrap_or_default());
    let to = RwSignal::new(today.map(|d| d.to_string()).unwrap_or_default());
    let data = RwSignal::new(None::<Insights>);
    let error = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);

    let load = move || {
        let query = InsightsQuery {
            from: from.get_untracked().parse().ok(),
            to: to.get_untracked().parse().ok(),
        };
        loading.try_set(true);
        leptos::task::spawn_local(async move {
            let answer = api::insights(&query).await;
            loading.try_set(false);
            match answer {
                Ok(found) => {
                    error.try_set(None);
                    data.try_set(Some(found));
                }
                Err(e) => error.set(Some(console.error_text(&e))),
            }
        });
    };
    load();

    let preset = move |weeks: i32| {
        if let Some(start) = weeks_back(weeks) {
            from.try_set(start.to_string());
        }
        if let Some(t) = today {
            to.try_set(t.to_string());
        }
        load();
    };

    view! {
        <section class="insights" aria-labelledby="insights-heading" aria-busy=move || loading.get().to_string()>
            <h1 id="insights-heading">{console.tu(Text::InsightsHeading)}</h1>
            <form class="period" on:submit=move |e: ev::SubmitEvent| { e.prevent_default(); load(); }>
                <fieldset>
                    <legend>{console.tu(Text::Period)}</legend>
                    <button type="button" on:click=move |_| preset(4)>"4 w"</button>
                    <button type="button" on:click=move |_| preset(12)>"12 w"</button>
                    <button type="button" on:click=move |_| preset(26)>"26 w"</button>
                    <label for="period-from">{console.tu(Text::From)}</label>
                    <input id="period-from" type="date" prop:value=move || from.get() on:input=move |e| from.set(event_target_value(&e)) />
                    <label for="period-to">{console.tu(Text::To)}</label>
                    <input id="period-to" type="date" prop:value=move || to.get() on:input=move |e| to.set(event_target_value(&e)) />
                    <button type="submit" class="primary">{console.tu(Text::Show)}</button>
                </fieldset>
            </form>
            <p class="problem" role="alert" hidden=move || error.get().is_none()>{move || error.get()}</p>
            {move || {
                let locale = console.locale.get();
                let policy = console.config.get().map(|c| c.policy);
                data.get().map(|d| {
                    let category_name = {
                        let policy = policy.clone();
                        move |key: &str| present::category_title(policy.as_ref(), locale.tag(), key)
                    };
                    view! {
                        <div class="figures">
                            <Figure label=locale.text(Text::OverdueNow) value=d.overdue_now.to_string() key="overdue" />
                            <Figure
                                label=locale.text(Text::OnTimeLabel)
                                value=d.first_answers.share_on_time.map(|s| locale.fill(Text::ShareOnTime, &[("percent", &present::percent(s))])).unwrap_or_else(|| "—".into())
                                key="on-time"
                            />
                            <Figure
                                label=locale.text(Text::MedianLabel)
                                value=d.first_answers.median_hours.map(|h| locale.fill(Text::MedianHours, &[("hours", &format!("{h:.1}"))])).unwrap_or_else(|| "—".into())
                                key="median"
                            />
                            <Figure label=locale.text(Text::Disputes) value=d.disputes.to_string() key="disputes" />
                            <Figure label=locale.text(Text::DisputesOpen) value=d.disputes_open.to_string() key="disputes-open" />
                        </div>
                        <div class="charts">
                            <WeeklyChart
                                id="by-category"
                                title=locale.text(Text::ClaimsPerWeekCategory)
                                weeks=d.weeks.clone()
                                pick=|w: &WeekCounts| w.by_category.iter().map(|c| (c.key.clone(), c.count)).collect()
                                name=category_name
                                locale=locale
                            />
                            <WeeklyChart
                                id="by-outcome"
                                title=locale.text(Text::ClaimsPerWeekOutcome)
                                weeks=d.weeks.clone()
                                pick=|w: &WeekCounts| w.by_outcome.iter().map(|c| (c.key.clone(), c.count)).collect()
                                name=|key: &str| humanize(key)
                                locale=locale
                            />
                            <OnTimeChart insights=d.clone() locale=locale />
                            <ResolutionPie insights=d.clone() locale=locale />
                        </div>
                    }
                })
            }}
        </section>
    }
}

#[component]
fn Figure(label: &'static str, value: String, key: &'static str) -> impl IntoView {
    view! {
        <div class="card figure" data-figure=key>
            <p class="value">{value}</p>
            <p class="label">{label}</p>
        </div>
    }
}

const W: f64 = 560.0;
const H: f64 = 220.0;
const LEFT: f64 = 36.0;
const BOTTOM: f64 = 28.0;

/// Claims per week as stacked bars, one colour per series, with a legend and a text summary.
#[component]
fn WeeklyChart(
    id: &'static str,
    title: &'static str,
    weeks: Vec<WeekCounts>,
    pick: fn(&WeekCounts) -> Vec<(String, u32)>,
    name: impl Fn(&str) -> String + 'static,
    locale: Locale,
) -> impl IntoView {
    let groups: Vec<Vec<(String, u32)>> = weeks.iter().map(pick).collect();
    let keys = series_keys(groups.iter().map(Vec::as_slice));
    let top = nice_ceiling(weeks.iter().map(|w| w.total).max().unwrap_or(0));
    let total: u32 = weeks.iter().map(|w| w.total).sum();
    let n = weeks.len().max(1) as f64;
    let slot = (W - LEFT) / n;
    let bar = (slot * 0.7).max(2.0);
    let y = move |count: u32| (H - BOTTOM) - (count as f64 / top as f64) * (H - BOTTOM - 8.0);
    let summary = format!(
        "{title}: {total} {}. {}",
        locale.text(Text::Claims),
        keys.iter()
            .map(|k| {
                let sum: u32 = groups
                    .iter()
                    .flatten()
                    .filter(|(key, _)| key == k)
                    .map(|(_, c)| c)
                    .sum();
                format!("{} {sum}", name(k))
            })
            .collect::<Vec<_>>()
            .join(", ")
    );
    let label_every = (weeks.len() / 6).max(1);
    view! {
        <figure class="card chart" data-chart=id>
            <figcaption>{title}</figcaption>
            {if total == 0 {
                view! { <p class="muted">{locale.text(Text::NoData)}</p> }.into_any()
            } else {
                view! {
                    <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=summary.clone()>
                        <line x1=LEFT y1=H - BOTTOM x2=W y2=H - BOTTOM class="axis" />
                        <text x=LEFT - 6.0 y=y(top) + 4.0 class="tick" text-anchor="end">{top.to_string()}</text>
                        <text x=LEFT - 6.0 y=H - BOTTOM + 4.0 class="tick" text-anchor="end">"0"</text>
                        <line x1=LEFT y1=y(top) x2=W y2=y(top) class="grid" />
                        {weeks
                            .iter()
                            .zip(&groups)
                            .enumerate()
                            .map(|(i, (week, counts))| {
                                let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
                                let segments = stack(&keys, counts);
                                view! {
                                    <g data-week=week.week_of.to_string()>
                                        <title>{format!("{}: {}", locale.fill(Text::WeekOf, &[("day", &week.week_of.to_string())]), week.total)}</title>
                                        {segments
                                            .into_iter()
                                            .map(|s| {
                                                let c = colour(keys.iter().position(|k| *k == s.key).unwrap_or(0));
                                                view! { <rect x=x y=y(s.to) width=bar height=(y(s.from) - y(s.to)).max(0.0) fill=c /> }
                                            })
                                            .collect_view()}
                                        {(i % label_every == 0).then(|| {
                                            let (_, m, d) = week.week_of.ymd();
                                            view! { <text x=x + bar / 2.0 y=H - 10.0 class="tick" text-anchor="middle">{format!("{m}/{d}")}</text> }
                                        })}
                                    </g>
                                }
                            })
                            .collect_view()}
                    </svg>
                    <ul class="legend">
                        {keys
                            .iter()
                            .enumerate()
                            .map(|(i, k)| view! { <li><span class="swatch" style:background=colour(i)></span>{name(k)}</li> })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </figure>
    }
}

/// First answers: on time, late, and still unanswered past due, as one bar of three parts.
#[component]
fn OnTimeChart(insights: Insights, locale: Locale) -> impl IntoView {
    let f = &insights.first_answers;
    let late = f.answered.saturating_sub(f.on_time);
    let parts = [
        (Text::OnTime, f.on_time, "#009E73"),
        (Text::Late, late, "#D55E00"),
        (Text::Unanswered, f.unanswered_late, "#CC79A7"),
    ];
    let total: u32 = parts.iter().map(|p| p.1).sum();
    let summary = parts
        .iter()
        .map(|(t, n, _)| format!("{} {n}", locale.text(*t)))
        .collect::<Vec<_>>()
        .join(", ");
    let mut x = 0.0;
    view! {
        <figure class="card chart" data-chart="first-answers">
            <figcaption>{locale.text(Text::FirstAnswers)}</figcaption>
            {if total == 0 {
                view! { <p class="muted">{locale.text(Text::NoData)}</p> }.into_any()
            } else {
                view! {
                    <svg viewBox="0 0 560 48" role="img" aria-label=summary>
                        {parts
                            .iter()
                            .map(|(text, n, c)| {
                                let w = *n as f64 / total as f64 * 560.0;
                                let at = x;
                                x += w;
                                view! { <rect x=at y=8 width=w height=32 fill=*c><title>{format!("{} {n}", locale.text(*text))}</title></rect> }
                            })
                            .collect_view()}
                    </svg>
                    <ul class="legend">
                        {parts.iter().map(|(t, n, c)| view! {
                            <li><span class="swatch" style:background=*c></span>{format!("{} {n}", locale.text(*t))}</li>
                        }).collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </figure>
    }
}

/// The resolutions of the period's claims as a pie.
#[component]
fn ResolutionPie(insights: Insights, locale: Locale) -> impl IntoView {
    let mut slices = insights.resolutions.clone();
    slices.sort_by_key(|s| std::cmp::Reverse(s.count));
    let total: u32 = slices.iter().map(|s| s.count).sum();
    let summary = slices
        .iter()
        .map(|s| format!("{} {}", locale.resolution(s.resolution), s.count))
        .collect::<Vec<_>>()
        .join(", ");
    let mut start = 0.0;
    view! {
        <figure class="card chart" data-chart="resolutions">
            <figcaption>{locale.text(Text::ResolutionMix)}</figcaption>
            {if total == 0 {
                view! { <p class="muted">{locale.text(Text::NoData)}</p> }.into_any()
            } else {
                view! {
                    <svg viewBox="0 0 200 200" class="pie" role="img" aria-label=summary>
                        {slices
                            .iter()
                            .enumerate()
                            .map(|(i, s)| {
                                let end = start + s.count as f64 / total as f64;
                                let d = arc_path(100.0, 100.0, 90.0, start, end);
                                start = end;
                                view! { <path d=d fill=colour(i)><title>{format!("{} {}", locale.resolution(s.resolution), s.count)}</title></path> }
                            })
                            .collect_view()}
                    </svg>
                    <ul class="legend">
                        {slices.iter().enumerate().map(|(i, s)| view! {
                            <li><span class="swatch" style:background=colour(i)></span>
                                {format!("{} {}", locale.resolution(s.resolution), s.count)}</li>
                        }).collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </figure>
    }
}
