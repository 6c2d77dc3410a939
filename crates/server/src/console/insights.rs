//! Insights over a period of the site's days: tickets filed and resolved, how they were
//! resolved, and how soon the first answer came, week by week.

use helpcenter_api::ErrorCode;
use helpcenter_api::console::{
    Count, FirstAnswers, Insights, InsightsQuery, ResolutionCount, WeekCounts,
};
use helpcenter_core::{CivilDate, TicketStatus};

use super::days::{jiff_date, site_day};
use crate::sites::Site;
use crate::store::timestamp;
use crate::{AppError, AppState};

/// The longest period insights are counted over.
pub const MAX_INSIGHT_DAYS: i32 = 731;

/// Insights over a period of the site's days.
pub async fn insights(
    state: &AppState,
    site: &Site,
    query: InsightsQuery,
) -> Result<Insights, AppError> {
    let today = site.today();
    let to = query.to.unwrap_or(today);
    let from = query.from.unwrap_or_else(|| to.add_days(-83).unwrap_or(to));
    let span = from.days_until(to);
    if !(0..MAX_INSIGHT_DAYS).contains(&span) {
        return Err(AppError::BadInput(
            ErrorCode::PeriodInvalid,
            format!(
                "the period must run forward from `from` to `to`, at most {MAX_INSIGHT_DAYS} days"
            ),
        ));
    }
    let start_of = |day: CivilDate| -> Option<String> {
        let zoned = jiff_date(day)?.to_zoned(site.time_zone.clone()).ok()?;
        Some(timestamp(zoned.timestamp()))
    };
    let (Some(since), Some(until)) = (start_of(from), to.add_days(1).and_then(start_of)) else {
        return Err(AppError::BadInput(
            ErrorCode::PeriodInvalid,
            "the period is out of the calendar's range".into(),
        ));
    };
    let rows = state.store.insight_rows(&site.key, &since, &until).await?;
    let now = timestamp(jiff::Timestamp::now());

    let monday = |day: CivilDate| -> CivilDate {
        let offset = jiff_date(day).map_or(0, |d| d.weekday().to_monday_zero_offset());
        day.add_days(-i32::from(offset)).unwrap_or(day)
    };
    let mut weeks: Vec<WeekCounts> = Vec::new();
    let mut week = monday(from);
    while week <= to {
        weeks.push(WeekCounts {
            week_of: week,
            total: 0,
            by_category: Vec::new(),
            by_outcome: Vec::new(),
        });
        match week.add_days(7) {
            Some(next) => week = next,
            None => break,
        }
    }
    let bump = |counts: &mut Vec<Count>, key: &str| match counts.iter_mut().find(|c| c.key == key) {
        Some(count) => count.count += 1,
        None => counts.push(Count {
            key: key.to_owned(),
            count: 1,
        }),
    };
    let mut answered = 0u32;
    let mut on_time = 0u32;
    let mut unanswered_late = 0u32;
    let mut hours = Vec::new();
    let mut resolutions: Vec<ResolutionCount> = Vec::new();
    let mut disputes = 0u32;
    for row in &rows {
        if let Some(day) = site_day(site, &row.created_at) {
            let of = monday(day);
            if let Some(week) = weeks.iter_mut().find(|w| w.week_of == of) {
                week.total += 1;
                bump(&mut week.by_category, &row.category);
                bump(&mut week.by_outcome, &row.outcome);
            }
        }
        match &row.first_answer_at {
            Some(first) => {
                answered += 1;
                if first <= &row.respond_by {
                    on_time += 1;
                }
                if let (Ok(filed), Ok(first)) = (
                    row.created_at.parse::<jiff::Timestamp>(),
                    first.parse::<jiff::Timestamp>(),
                ) {
                    hours.push(first.duration_since(filed).as_secs_f64() / 3600.0);
                }
            }
            None if row.respond_by < now => unanswered_late += 1,
            None => {}
        }
        if let Some(resolution) = row.resolution
            && matches!(row.status, TicketStatus::Resolved | TicketStatus::Closed)
        {
            match resolutions.iter_mut().find(|r| r.resolution == resolution) {
                Some(r) => r.count += 1,
                None => resolutions.push(ResolutionCount {
                    resolution,
                    count: 1,
                }),
            }
        }
        if row.disputed {
            disputes += 1;
        }
    }
    for week in &mut weeks {
        week.by_category
            .sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
        week.by_outcome
            .sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
    }
    resolutions.sort_by_key(|r| std::cmp::Reverse(r.count));
    let (overdue_now, disputes_open) = state.store.open_figures(&site.key, &now).await?;
    let counted = answered + unanswered_late;
    Ok(Insights {
        from,
        to,
        weeks,
        first_answers: FirstAnswers {
            answered,
            on_time,
            unanswered_late,
            share_on_time: (counted > 0).then(|| f64::from(on_time) / f64::from(counted)),
            median_hours: median(&mut hours),
        },
        overdue_now,
        resolutions,
        disputes,
        disputes_open,
    })
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }
}
