//! What an agent does to a ticket, whoever asks: the console (a signed-in agent), the admin
//! API and the CLI (the admin key). Each action is checked by the rulebook
//! (`helpcenter-core`) and recorded on the timeline with who did it.

use helpcenter_api::{AgentMessage, ErrorCode, EventActor, EventKind, Transition};
use helpcenter_core::{Actor, Field, Problem, TicketStatus, check_message, request_info_steps};

use crate::store::tickets::{NewEvent, TicketRecord};
use crate::tickets::append_all;
use crate::{AppError, AppState};

/// Who acts: a console agent by id, or the admin key (`None`).
pub type ActingAgent<'a> = Option<&'a str>;

/// Moves a ticket through the core state machine; asking for information needs a message,
/// since it is what the shopper must answer, and goes through review first when the ticket
/// is new (see [`request_info`]).
pub async fn transition(
    state: &AppState,
    ticket: &TicketRecord,
    change: Transition,
    by: ActingAgent<'_>,
) -> Result<(), AppError> {
    if change.to == TicketStatus::NeedsInfo && change.resolution.is_none() {
        return request_info(state, ticket, change.message.as_deref().unwrap_or(""), by).await;
    }
    let from = ticket.status()?;
    helpcenter_core::transition(from, change.to, change.resolution, Actor::Agent)?;
    let message = change
        .message
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty());
    check_agent_message(message)?;
    let event = NewEvent {
        kind: EventKind::StatusChanged,
        actor: EventActor::Agent,
        status: change.to,
        resolution: change.resolution,
        message,
        public: true,
        uploads: &[],
        at: jiff::Timestamp::now(),
        agent: by,
    };
    append_all(state, &ticket.id, from, std::slice::from_ref(&event)).await?;
    Ok(())
}

/// Asks the shopper for information: the ticket becomes `needs_info` with the question on
/// its timeline. From a new (or disputed) ticket it is reviewed first, in the same
/// transaction (`helpcenter_core::request_info_steps`), so the agent need not do it by hand.
pub async fn request_info(
    state: &AppState,
    ticket: &TicketRecord,
    question: &str,
    by: ActingAgent<'_>,
) -> Result<(), AppError> {
    let from = ticket.status()?;
    let steps = request_info_steps(from)?;
    let question = question.trim();
    if question.is_empty() {
        return Err(AppError::BadInput(
            ErrorCode::MessageRequired,
            "asking the shopper for information needs a message saying what is needed".into(),
        ));
    }
    check_agent_message(Some(question))?;
    let at = jiff::Timestamp::now();
    let events: Vec<NewEvent<'_>> = steps
        .iter()
        .map(|&status| {
            let asking = status == TicketStatus::NeedsInfo;
            NewEvent {
                kind: if asking {
                    EventKind::InfoRequested
                } else {
                    EventKind::StatusChanged
                },
                actor: EventActor::Agent,
                status,
                resolution: None,
                message: asking.then_some(question),
                public: true,
                uploads: &[],
                at,
                agent: by,
            }
        })
        .collect();
    append_all(state, &ticket.id, from, &events).await?;
    Ok(())
}

/// A message to the shopper, or an internal note; the status does not change.
pub async fn message(
    state: &AppState,
    ticket: &TicketRecord,
    message: &AgentMessage,
    by: ActingAgent<'_>,
) -> Result<(), AppError> {
    let status = ticket.status()?;
    let body = message.body.trim();
    if body.is_empty() {
        return Err(AppError::BadInput(
            ErrorCode::MessageEmpty,
            "a message needs some text".into(),
        ));
    }
    check_agent_message(Some(body))?;
    let event = NewEvent {
        kind: if message.internal {
            EventKind::InternalNote
        } else {
            EventKind::Message
        },
        actor: EventActor::Agent,
        status,
        resolution: None,
        message: Some(body),
        public: !message.internal,
        uploads: &[],
        at: jiff::Timestamp::now(),
        agent: by,
    };
    append_all(state, &ticket.id, status, std::slice::from_ref(&event)).await?;
    Ok(())
}

/// An agent's message meets the same rule as the shopper's, and is refused the same way.
fn check_agent_message(message: Option<&str>) -> Result<(), AppError> {
    match message.and_then(check_message) {
        Some(code) => Err(AppError::Invalid(vec![Problem::new(Field::Message, code)])),
        None => Ok(()),
    }
}
