//! The agents' console service, between its handlers (`routes::console`) and the store: the
//! inbox, a ticket as an agent works it, the actions on it, saved replies and insights. Every
//! call is given the signed-in agent's site; tickets are looked up within it, in SQL, so
//! another site's ticket is not found.

use helpcenter_api::console::{
    AgentRef, AssigneeFilter, ClaimWindowFacts, ConsoleEvent, ConsoleEvidence, ConsoleTicket,
    Count, DecisionStep, DueFilter, FirstAnswers, InboxPage, InboxQuery, Insights, InsightsQuery,
    ReplyPlaceholders, ResolutionCount, SavedReply, SavedReplyInput, WeekCounts,
};
use helpcenter_api::{ErrorCode, EventActor};
use helpcenter_core::limits::{MAX_SHOPPER_MESSAGE_CHARS, MAX_TICKET_ID_BYTES};
use helpcenter_core::{CivilDate, Policy, TicketStatus, unknown_placeholders};

use crate::agents::ADMIN_KEY_ACTOR;
use crate::auth::new_secret;
use crate::sites::Site;
use crate::store::agents::{AgentRecord, SavedReplyRecord};
use crate::store::console::{AssigneeIs, ConsoleEventRow, InboxCursor, InboxFilter};
use crate::store::tickets::TicketRecord;
use crate::store::timestamp;
use crate::{AppError, AppState};

/// Rows of an inbox page when the query names none, and at most.
pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 200;
/// Characters of a saved reply's title.
pub const MAX_REPLY_TITLE_CHARS: usize = 100;
/// Characters of a search.
const MAX_SEARCH_CHARS: usize = 254;

/// A ticket of the agent's site; another site's, or none, is `ticket.not_found`.
pub async fn site_ticket(
    state: &AppState,
    site: &Site,
    id: &str,
) -> Result<TicketRecord, AppError> {
    let not_found = || AppError::TicketNotFound(id.to_owned());
    if id.len() > MAX_TICKET_ID_BYTES {
        return Err(not_found());
    }
    state
        .store
        .site_ticket(&site.key, id)
        .await?
        .ok_or_else(not_found)
}

/// The cursor of a page's last row, opaque to clients: the sort it belongs to, the row's
/// sort key and its id, base64url.
fn encode_cursor(sort: helpcenter_api::console::InboxSort, cursor: &InboxCursor) -> String {
    use base64::Engine;
    let tag = match sort {
        helpcenter_api::console::InboxSort::Updated => "u",
        helpcenter_api::console::InboxSort::RespondBy => "r",
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("{tag}\n{}\n{}", cursor.key, cursor.id))
}

fn decode_cursor(
    sort: helpcenter_api::console::InboxSort,
    text: &str,
) -> Result<InboxCursor, AppError> {
    use base64::Engine;
    let invalid = || {
        AppError::BadInput(
            ErrorCode::CursorInvalid,
            "`after` is not a cursor this server gave for this order; start from the first page"
                .into(),
        )
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.trim())
        .map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let mut parts = text.split('\n');
    let (Some(tag), Some(key), Some(id), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    let expected = match sort {
        helpcenter_api::console::InboxSort::Updated => "u",
        helpcenter_api::console::InboxSort::RespondBy => "r",
    };
    if tag != expected || key.len() > 64 || id.len() > MAX_TICKET_ID_BYTES {
        return Err(invalid());
    }
    Ok(InboxCursor {
        key: key.to_owned(),
        id: id.to_owned(),
    })
}

/// The end of today in the site's time zone, as a stored timestamp.
fn end_of_today(site: &Site) -> String {
    let now = jiff::Timestamp::now().to_zoned(site.time_zone.clone());
    let tomorrow = now
        .date()
        .tomorrow()
        .ok()
        .and_then(|d| d.to_zoned(site.time_zone.clone()).ok())
        .map(|z| z.timestamp())
        .unwrap_or_else(jiff::Timestamp::now);
    timestamp(tomorrow)
}

/// One page of the inbox.
pub async fn inbox(
    state: &AppState,
    site: &Site,
    agent: &AgentRecord,
    query: InboxQuery,
) -> Result<InboxPage, AppError> {
    let sort = query.sort.unwrap_or_default();
    let limit = crate::routes::extract::page_limit(query.limit, DEFAULT_PAGE, MAX_PAGE)?;
    let after = query
        .after
        .as_deref()
        .map(|a| decode_cursor(sort, a))
        .transpose()?;
    let now = timestamp(jiff::Timestamp::now());
    let search = query
        .q
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(|q| {
            let q: String = q.chars().take(MAX_SEARCH_CHARS).collect();
            (
                q.to_uppercase(),
                site.policy.order_number.normalize(&q),
                q.to_lowercase(),
            )
        });
    let filter = InboxFilter {
        statuses: query.status.map(|s| s.0).unwrap_or_default(),
        category: query.category.filter(|c| !c.is_empty()),
        outcome: query.outcome.filter(|o| !o.is_empty()),
        assignee: query.assignee.map(|a| match a {
            AssigneeFilter::Me => AssigneeIs::Agent(agent.id.clone()),
            AssigneeFilter::Unassigned => AssigneeIs::Nobody,
            AssigneeFilter::Agent(id) => AssigneeIs::Agent(id),
        }),
        due_before: query.due.map(|due| match due {
            DueFilter::Overdue => now.clone(),
            DueFilter::Today => end_of_today(site),
        }),
        search,
    };
    let (items, more, counts) = state
        .store
        .inbox(&site.key, &filter, sort, after.as_ref(), limit)
        .await?;
    let next = match (more, items.last()) {
        (true, Some(last)) => Some(encode_cursor(
            sort,
            &InboxCursor {
                key: match sort {
                    helpcenter_api::console::InboxSort::Updated => last.updated_at.clone(),
                    helpcenter_api::console::InboxSort::RespondBy => last.respond_by.clone(),
                },
                id: last.id.clone(),
            },
        )),
        _ => None,
    };
    Ok(InboxPage {
        items,
        counts,
        next,
    })
}

/// The shopper's way through the tree, in words of `locale`.
fn decision_path(
    policy: &Policy,
    category: &str,
    answers: &[String],
    locale: &str,
) -> Vec<DecisionStep> {
    policy
        .answered(category, answers)
        .into_iter()
        .map(|(question, picked)| DecisionStep {
            question_id: question.id.clone(),
            question: policy.text(locale, &question.text).to_owned(),
            answer_id: picked.id.clone(),
            answer: policy.text(locale, &picked.label).to_owned(),
        })
        .collect()
}

fn civil(date: jiff::civil::Date) -> Option<CivilDate> {
    CivilDate::from_ymd(
        i32::from(date.year()),
        u8::try_from(date.month()).ok()?,
        u8::try_from(date.day()).ok()?,
    )
}

fn jiff_date(date: CivilDate) -> Option<jiff::civil::Date> {
    let (y, m, d) = date.ymd();
    jiff::civil::Date::new(
        i16::try_from(y).ok()?,
        i8::try_from(m).ok()?,
        i8::try_from(d).ok()?,
    )
    .ok()
}

/// The site's day a stored timestamp falls on.
fn site_day(site: &Site, at: &str) -> Option<CivilDate> {
    let at: jiff::Timestamp = at.parse().ok()?;
    civil(at.to_zoned(site.time_zone.clone()).date())
}

/// The claim window of the ticket's outcome (or of the window it is the late route of) as
/// it stood on the day the shopper filed.
fn claim_window(site: &Site, ticket: &TicketRecord) -> Option<ClaimWindowFacts> {
    let delivered_on = ticket.delivered_on().ok()??;
    let outcome = site.policy.outcome(&ticket.outcome)?;
    let window = outcome.claim_window.as_ref().or_else(|| {
        site.policy
            .outcomes
            .iter()
            .filter_map(|o| o.claim_window.as_ref())
            .find(|w| w.late_outcome.as_deref() == Some(outcome.id.as_str()))
    })?;
    let last_day = window.last_day(delivered_on)?;
    let filed = site_day(site, &ticket.created_at)?;
    Some(ClaimWindowFacts {
        days_after_delivery: window.days_after_delivery,
        last_day,
        days_left_when_filed: filed.days_until(last_day),
    })
}

/// What `{respond_by}` says: the promise in the site's time zone.
fn respond_by_words(site: &Site, respond_by: &str) -> String {
    match respond_by.parse::<jiff::Timestamp>() {
        Ok(at) => {
            let local = at.to_zoned(site.time_zone.clone());
            let zone = site.time_zone.iana_name().unwrap_or("UTC");
            format!("{} ({zone})", local.strftime("%Y-%m-%d %H:%M"))
        }
        Err(_) => respond_by.to_owned(),
    }
}

pub fn placeholders(site: &Site, ticket: &TicketRecord) -> ReplyPlaceholders {
    ReplyPlaceholders {
        ticket_id: ticket.id.clone(),
        order_number: ticket.order_number.clone(),
        respond_by: respond_by_words(site, &ticket.respond_by),
    }
}

pub(crate) fn console_event(row: ConsoleEventRow) -> ConsoleEvent {
    let by = match (&row.actor, &row.agent) {
        (EventActor::Agent, Some(agent)) => Some(agent.name.clone()),
        (EventActor::Agent, None) => Some(ADMIN_KEY_ACTOR.to_owned()),
        _ => None,
    };
    ConsoleEvent {
        seq: row.seq,
        at: row.at,
        kind: row.kind,
        actor: row.actor,
        by,
        agent_id: row.agent.map(|a| a.id),
        status: row.status,
        resolution: row.resolution,
        message: row.body,
        internal: !row.public,
        assigned_to: row.assigned_to,
        evidence: row.evidence,
    }
}

/// A ticket as the agent works it, its texts in `locale` (`en` or `zh-CN`).
pub async fn ticket(
    state: &AppState,
    site: &Site,
    id: &str,
    locale: &str,
) -> Result<ConsoleTicket, AppError> {
    let ticket = site_ticket(state, site, id).await?;
    let status = ticket.status()?;
    let policy = &site.policy;
    let answers = ticket.answers()?;
    let timeline = state
        .store
        .console_events(&ticket.id)
        .await?
        .into_iter()
        .map(console_event)
        .collect();
    let evidence = state
        .store
        .evidence_facts(&ticket.id)
        .await?
        .into_iter()
        .map(|e| ConsoleEvidence {
            url: format!("/v1/console/tickets/{}/evidence/{}", ticket.id, e.id),
            id: e.id,
            filename: e.filename,
            media_type: e.media_type,
            bytes: e.bytes,
            width: e.width,
            height: e.height,
            duration_seconds: e.duration_seconds,
            captured_on: e.captured_on,
            location_removed: e.location_removed,
            event_seq: e.event_seq,
        })
        .collect();
    let assignee = match &ticket.assignee {
        None => None,
        Some(agent_id) => Some(match state.store.site_agent(&site.key, agent_id).await? {
            Some(agent) => AgentRef {
                id: agent.id,
                name: agent.name,
            },
            None => AgentRef {
                id: agent_id.clone(),
                name: agent_id.clone(),
            },
        }),
    };
    let outcome = policy.outcome(&ticket.outcome);
    Ok(ConsoleTicket {
        id: ticket.id.clone(),
        site: ticket.site.clone(),
        status,
        resolution: ticket.resolution()?,
        category_title: policy.category(&ticket.category).map_or_else(
            || ticket.category.clone(),
            |c| policy.text(locale, &c.title).to_owned(),
        ),
        decision: decision_path(policy, &ticket.category, &answers, locale),
        category: ticket.category.clone(),
        answers,
        remedy: outcome.map_or(helpcenter_core::Remedy::Review, |o| o.remedy),
        outcome_message: outcome
            .map(|o| policy.outcome_message(locale, o))
            .unwrap_or_default(),
        outcome: ticket.outcome.clone(),
        description: ticket.description.clone(),
        order_number: ticket.order_number.clone(),
        email: ticket.email.clone(),
        locale: ticket.locale.clone(),
        customer_id: ticket.customer_id.clone(),
        delivered_on: ticket.delivered_on()?,
        claim_window: claim_window(site, &ticket),
        created_at: ticket.created_at.clone(),
        updated_at: ticket.updated_at.clone(),
        respond_by: ticket.respond_by.clone(),
        assignee,
        agent_can: status.next().to_vec(),
        can_request_info: helpcenter_core::request_info_steps(status).is_ok(),
        placeholders: placeholders(site, &ticket),
        timeline,
        evidence,
        order: state.store.ticket_order(&ticket.id).await?,
    })
}

/// Gives a ticket to an active agent of the site, or to nobody.
pub async fn assign(
    state: &AppState,
    site: &Site,
    id: &str,
    agent_id: Option<&str>,
    by: &AgentRecord,
) -> Result<(), AppError> {
    let ticket = site_ticket(state, site, id).await?;
    if let Some(agent_id) = agent_id {
        let active = state
            .store
            .site_agent(&site.key, agent_id)
            .await?
            .is_some_and(|a| a.disabled_at.is_none());
        if !active {
            return Err(AppError::AgentNotFound(agent_id.to_owned()));
        }
    }
    if ticket.assignee.as_deref() == agent_id {
        return Ok(());
    }
    let at = timestamp(jiff::Timestamp::now());
    match state
        .store
        .assign(
            &ticket.id,
            ticket.status()?,
            agent_id,
            &by.id,
            &at,
            |ticket, seq| crate::webhooks::plan_assigned(site, ticket, seq, &at),
        )
        .await?
    {
        Some(_) => {
            state.outbox.wake();
            // The assignment is not the shopper's to see: their streams need not know.
            state.events.committed(&site.key, &ticket.id, None);
            Ok(())
        }
        None => Err(AppError::TicketChanged),
    }
}

/// The site's active agents, for assigning.
pub async fn colleagues(state: &AppState, site: &Site) -> Result<Vec<AgentRef>, AppError> {
    Ok(state
        .store
        .agents(&site.key)
        .await?
        .into_iter()
        .filter(|a| a.disabled_at.is_none())
        .map(|a| AgentRef {
            id: a.id,
            name: a.name,
        })
        .collect())
}

fn saved_reply(record: SavedReplyRecord) -> SavedReply {
    SavedReply {
        id: record.id,
        title: record.title,
        body_en: record.body_en,
        body_zh: record.body_zh,
        updated_at: record.updated_at,
    }
}

/// The site's saved replies, by title.
pub async fn saved_replies(state: &AppState, site: &Site) -> Result<Vec<SavedReply>, AppError> {
    Ok(state
        .store
        .saved_replies(&site.key)
        .await?
        .into_iter()
        .map(saved_reply)
        .collect())
}

/// The site's saved replies with their placeholders filled in for one ticket: what the
/// shopper will read.
pub async fn saved_replies_for(
    state: &AppState,
    site: &Site,
    id: &str,
) -> Result<Vec<SavedReply>, AppError> {
    let ticket = site_ticket(state, site, id).await?;
    let values = placeholders(site, &ticket);
    Ok(saved_replies(state, site)
        .await?
        .into_iter()
        .map(|reply| SavedReply {
            body_en: helpcenter_core::expand_reply(&reply.body_en, &values),
            body_zh: helpcenter_core::expand_reply(&reply.body_zh, &values),
            ..reply
        })
        .collect())
}

fn check_reply(input: &SavedReplyInput) -> Result<SavedReplyInput, AppError> {
    let invalid = |detail: String| AppError::BadInput(ErrorCode::SavedReplyInvalid, detail);
    let title = input.title.trim();
    if title.is_empty() || title.chars().count() > MAX_REPLY_TITLE_CHARS {
        return Err(invalid(format!(
            "a saved reply needs a title of 1 to {MAX_REPLY_TITLE_CHARS} characters"
        )));
    }
    for (language, body) in [("English", &input.body_en), ("Chinese", &input.body_zh)] {
        let body = body.trim();
        if body.is_empty() || body.chars().count() > MAX_SHOPPER_MESSAGE_CHARS {
            return Err(invalid(format!(
                "the {language} text must be 1 to {MAX_SHOPPER_MESSAGE_CHARS} characters"
            )));
        }
        let unknown = unknown_placeholders(body);
        if !unknown.is_empty() {
            return Err(invalid(format!(
                "the {language} text uses {}; the placeholders are {{ticket_id}}, {{order_number}} and {{respond_by}}",
                unknown.join(", ")
            )));
        }
    }
    Ok(SavedReplyInput {
        title: title.to_owned(),
        body_en: input.body_en.trim().to_owned(),
        body_zh: input.body_zh.trim().to_owned(),
    })
}

fn owner_only(agent: &AgentRecord) -> Result<(), AppError> {
    if agent.role == helpcenter_api::console::AgentRole::Owner.as_str() {
        Ok(())
    } else {
        Err(AppError::OwnerOnly)
    }
}

pub async fn create_saved_reply(
    state: &AppState,
    site: &Site,
    agent: &AgentRecord,
    input: &SavedReplyInput,
) -> Result<SavedReply, AppError> {
    owner_only(agent)?;
    let input = check_reply(input)?;
    let now = timestamp(jiff::Timestamp::now());
    let record = SavedReplyRecord {
        id: format!("sr_{}", &new_secret()[..12]),
        site: site.key.clone(),
        title: input.title,
        body_en: input.body_en,
        body_zh: input.body_zh,
        created_by: Some(agent.id.clone()),
        created_at: now.clone(),
        updated_at: now,
    };
    state.store.insert_saved_reply(&record).await?;
    Ok(saved_reply(record))
}

pub async fn update_saved_reply(
    state: &AppState,
    site: &Site,
    agent: &AgentRecord,
    id: &str,
    input: &SavedReplyInput,
) -> Result<SavedReply, AppError> {
    owner_only(agent)?;
    let input = check_reply(input)?;
    let mut record = state
        .store
        .saved_reply(&site.key, id)
        .await?
        .ok_or_else(|| AppError::SavedReplyNotFound(id.to_owned()))?;
    record.title = input.title;
    record.body_en = input.body_en;
    record.body_zh = input.body_zh;
    record.updated_at = timestamp(jiff::Timestamp::now());
    if !state.store.update_saved_reply(&record).await? {
        return Err(AppError::SavedReplyNotFound(id.to_owned()));
    }
    Ok(saved_reply(record))
}

pub async fn delete_saved_reply(
    state: &AppState,
    site: &Site,
    agent: &AgentRecord,
    id: &str,
) -> Result<(), AppError> {
    owner_only(agent)?;
    if state.store.delete_saved_reply(&site.key, id).await? {
        Ok(())
    } else {
        Err(AppError::SavedReplyNotFound(id.to_owned()))
    }
}

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
    use helpcenter_api::console::InboxSort;

    #[test]
    fn a_cursor_reads_back_for_its_own_order_only() {
        let cursor = InboxCursor {
            key: "2026-12-03T07:00:00.000000Z".into(),
            id: "HC-7F3K9Q".into(),
        };
        let text = encode_cursor(InboxSort::Updated, &cursor);
        assert_eq!(decode_cursor(InboxSort::Updated, &text).ok(), Some(cursor));
        assert!(decode_cursor(InboxSort::RespondBy, &text).is_err());
        for junk in ["", "!!", "dQ", &text[..text.len() - 3]] {
            assert!(decode_cursor(InboxSort::Updated, junk).is_err(), "{junk}");
        }
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }

    #[test]
    fn the_decision_path_is_told_in_words() {
        let policy = Policy::builtin();
        let category = &policy.categories[0];
        let Some(helpcenter_core::Node::Question(first)) = policy.node(&category.start) else {
            panic!("the first category starts with a question");
        };
        let answer = &first.answers[0];
        let steps = decision_path(
            &policy,
            &category.id,
            std::slice::from_ref(&answer.id),
            "en",
        );
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].question, policy.text("en", &first.text));
        assert_eq!(steps[0].answer, policy.text("en", &answer.label));
        assert!(decision_path(&policy, "no_such_category", &[], "en").is_empty());
    }
}
