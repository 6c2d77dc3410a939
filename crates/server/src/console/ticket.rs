//! A ticket as an agent works it (the shopper's way through the tree in words, the claim
//! window, the timeline with who did what, the evidence, the order), and giving it to a
//! colleague.

use helpcenter_api::EventActor;
use helpcenter_api::console::{
    AgentRef, ClaimWindowFacts, ConsoleEvent, ConsoleEvidence, ConsoleTicket, DecisionStep,
    ReplyPlaceholders,
};
use helpcenter_core::Policy;
use helpcenter_core::limits::MAX_TICKET_ID_BYTES;

use super::days::site_day;
use crate::agents::ADMIN_KEY_ACTOR;
use crate::sites::Site;
use crate::store::agents::AgentRecord;
use crate::store::console::ConsoleEventRow;
use crate::store::tickets::TicketRecord;
use crate::store::timestamp;
use crate::{AppError, AppState};

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

#[cfg(test)]
mod tests {
    use super::*;

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
