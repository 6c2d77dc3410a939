//! A shopper's claim becomes a ticket: checked again with the same rulebook as the widget (the
//! order asked of the store again, the uploads as the server found them), filed under a
//! human-friendly id, once per idempotency key: a retry is answered with the ticket and token
//! the first attempt made. The handler (`routes::tickets::filing`) only reads the request.

use helpcenter_api::{EventActor, EventKind, NewTicket, OrderVerification, TicketCreated};
use helpcenter_core::{
    EvidenceFile, Field, Problem, ProblemCode, Submission, TicketStatus, limits, validate_claim,
};

use crate::auth::sha256_hex;
use crate::sites::Site;
use crate::store::tickets::{Created, NewEvent, NewTicketRecord, Outgoing, TicketRecord};
use crate::store::timestamp;
use crate::tickets::view;
use crate::{AppError, AppState};

/// A claim filed: a new ticket, or (a retry of a create already answered, with the same
/// idempotency key and body) the one filed before.
pub enum Filed {
    New(TicketCreated),
    Again(TicketCreated),
}

/// Human-friendly ticket ids: no 0/O, 1/I/L, so they survive being read over the phone.
fn new_ticket_id() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let mut rng = rand::rng();
    let code: String = (0..6)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    format!("HC-{code}")
}

/// The shopper's token for the ticket made under an idempotency key: derived, not stored, so
/// a retried create can hand back the same token the first attempt made.
fn access_token(state: &AppState, site: &str, idempotency_key: &str) -> String {
    state
        .secret
        .derive(&format!("ticket-access\n{site}\n{idempotency_key}"))
}

/// Files `new` on `site` under the idempotency key `key`; `ip` is the client's address (its
/// bucket), for the order lookup's rate limit.
pub async fn file(
    state: &AppState,
    site: &Site,
    key: &str,
    new: &NewTicket,
    ip: Option<std::net::IpAddr>,
) -> Result<Filed, AppError> {
    if new.claim.answers.len() > limits::MAX_ANSWERS {
        return Err(AppError::Invalid(vec![Problem::new(
            Field::Answers,
            ProblemCode::AnswersTooMany,
        )]));
    }
    if new.uploads.len() > limits::MAX_FILES as usize {
        return Err(AppError::Invalid(vec![Problem::new(
            Field::Evidence,
            ProblemCode::EvidenceTooMany,
        )]));
    }
    let customer = new
        .identity_token
        .as_deref()
        .map(|token| site.identify(token))
        .transpose()?;
    let request_sha256 = sha256_hex(&serde_json::to_string(new).unwrap_or_default());
    let token = access_token(state, &site.key, key);

    // A retry of a request that already made its ticket is answered before re-validating:
    // its uploads are attached by now, and the answer must be the same ticket.
    if let Some(earlier) = state.store.idempotent_ticket(&site.key, key).await? {
        return replay(state, earlier, &request_sha256, token).await;
    }

    let accepted = match check_claim(state, site, new, ip).await {
        Ok(accepted) => accepted,
        // A concurrent duplicate may have committed meanwhile (attaching "our" uploads):
        // then the answer is its ticket, not a refusal.
        Err(refusal) => match state.store.idempotent_ticket(&site.key, key).await? {
            Some(earlier) => return replay(state, earlier, &request_sha256, token).await,
            None => return Err(refusal),
        },
    };
    let now = jiff::Timestamp::now();
    let respond_by = now
        .checked_add(jiff::SignedDuration::from_hours(i64::from(
            site.policy.service.first_response_hours,
        )))
        .unwrap_or(now);
    let locale = match new.locale.as_str() {
        l if site.policy.messages.contains_key(l) => l.to_owned(),
        _ => site.policy.default_locale.clone(),
    };
    let first = NewEvent {
        kind: EventKind::Created,
        actor: EventActor::Shopper,
        status: TicketStatus::Submitted,
        resolution: None,
        message: None,
        public: true,
        uploads: &new.uploads,
        at: now,
        agent: None,
    };
    for _ in 0..5 {
        let record = NewTicketRecord {
            ticket: TicketRecord {
                id: new_ticket_id(),
                site: site.key.clone(),
                status: TicketStatus::Submitted.as_str().into(),
                resolution: None,
                category: new.claim.category.clone(),
                answers: serde_json::to_string(&new.claim.answers).unwrap_or_else(|_| "[]".into()),
                outcome: accepted.outcome.clone(),
                order_number: accepted.order_number.clone(),
                email: new.claim.email.trim().to_owned(),
                description: new.claim.description.trim().to_owned(),
                delivered_on: accepted.delivered_on.map(|d| d.to_string()),
                locale: locale.clone(),
                customer_id: customer.as_ref().map(|c| c.id.clone()),
                created_at: timestamp(now),
                updated_at: timestamp(now),
                respond_by: timestamp(respond_by),
                assignee: None,
            },
            access_token_sha256: sha256_hex(&token),
            idempotency: (key, request_sha256.clone()),
            uploads: &new.uploads,
            order: accepted.order.as_ref(),
        };
        let outgoing = Outgoing {
            mails: crate::mail::plan(&state.secret, site, &record.ticket, 1, &first),
            webhooks: crate::webhooks::plan(site, &record.ticket, 1, &first),
        };
        match state
            .store
            .create_ticket(&record, &first, &outgoing)
            .await?
        {
            Created::IdTaken => continue,
            Created::Created => {
                state.outbox.wake();
                state.events.committed(&site.key, &record.ticket.id, None);
                let ticket = view(state, &record.ticket, false).await?;
                tracing::info!(ticket = %ticket.id, site = %site.key, outcome = %ticket.outcome, "ticket created");
                return Ok(Filed::New(TicketCreated {
                    ticket_id: ticket.id.clone(),
                    access_token: token,
                    ticket,
                }));
            }
            Created::Replayed(id) => {
                return replay(state, (id, request_sha256.clone()), &request_sha256, token).await;
            }
            Created::KeyReused => return Err(AppError::IdempotencyKeyReused),
            Created::UploadUnavailable(upload) => {
                let i = new.uploads.iter().position(|u| u == &upload).unwrap_or(0);
                return Err(AppError::Invalid(vec![Problem::new(
                    Field::EvidenceFile(i),
                    ProblemCode::FileAlreadyAttached,
                )]));
            }
        }
    }
    Err(AppError::Store(crate::store::StoreError::Corrupt(
        "no free ticket id after 5 tries".into(),
    )))
}

/// What a checked claim is filed under.
struct CheckedClaim {
    outcome: String,
    order_number: String,
    delivered_on: Option<helpcenter_core::CivilDate>,
    /// On a site that looks orders up: what the store said.
    order: Option<helpcenter_api::TicketOrder>,
}

/// What the server found in the uploads `ids` names, when each is finished, this site's and
/// not attached elsewhere; otherwise a problem at each one that is not.
pub async fn evidence_facts(
    state: &AppState,
    site: &Site,
    ids: &[String],
) -> Result<Vec<EvidenceFile>, AppError> {
    let stored = state.store.completed_uploads(&site.key, ids).await?;
    let mut problems = Vec::new();
    let mut facts = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        match stored.iter().find(|u| &u.id == id) {
            None => problems.push(Problem::new(
                Field::EvidenceFile(i),
                ProblemCode::FileNotUploaded,
            )),
            Some(u) if u.ticket_id.is_some() => problems.push(Problem::new(
                Field::EvidenceFile(i),
                ProblemCode::FileAlreadyAttached,
            )),
            Some(u) => facts.push(u.facts.clone()),
        }
    }
    if problems.is_empty() {
        Ok(facts)
    } else {
        Err(AppError::Invalid(problems))
    }
}

/// The rulebook's verdict on a claim, with the facts of its uploads as the server found them
/// (finished, this site's, not attached elsewhere).
async fn check_claim(
    state: &AppState,
    site: &Site,
    new: &NewTicket,
    ip: Option<std::net::IpAddr>,
) -> Result<CheckedClaim, AppError> {
    let evidence = evidence_facts(state, site, &new.uploads).await?;
    if site.order_lookup.is_none() && !new.items.is_empty() {
        return Err(AppError::Invalid(vec![Problem::new(
            Field::Items,
            ProblemCode::ItemsWithoutOrder,
        )]));
    }
    // The store is asked again (or its answer of a moment ago reused): the order may have
    // changed since the widget showed it, and nothing from the browser is trusted. A
    // malformed number or email is not sent; the rulebook reports it below.
    let claim = &new.claim;
    let well_formed = site
        .policy
        .order_number
        .check(&claim.order_number)
        .is_none()
        && helpcenter_core::submission::check_email(&claim.email).is_none();
    let order = match well_formed {
        true => crate::orders::check(state, site, &claim.order_number, &claim.email, ip).await?,
        false => None,
    };
    let verified = match &order {
        Some(crate::orders::OrderCheck::Verified(order)) => Some(order),
        _ => None,
    };
    let submission = Submission {
        claim: claim.clone(),
        evidence,
    };
    let (accepted, delivered_on_source) = validate_claim(
        &site.policy,
        &submission,
        verified,
        &new.items,
        site.today(),
    )
    .map_err(AppError::Invalid)?;
    let order = order.map(|check| {
        let (verification, unverified_reason, store_order) = match check {
            crate::orders::OrderCheck::Verified(order) => {
                (OrderVerification::Verified, None, Some(order))
            }
            crate::orders::OrderCheck::Unverified(failure) => (
                OrderVerification::Unverified,
                Some(failure.to_string()),
                None,
            ),
        };
        helpcenter_api::TicketOrder {
            verification,
            unverified_reason,
            delivered_on_source,
            store_order,
            items: new.items.clone(),
            checked_at: timestamp(jiff::Timestamp::now()),
        }
    });
    Ok(CheckedClaim {
        outcome: accepted.decision.outcome.id.clone(),
        order_number: accepted.order_number,
        delivered_on: accepted.delivered_on,
        order,
    })
}

/// The ticket filed before under the same idempotency key, if the request is the same one.
async fn replay(
    state: &AppState,
    (ticket_id, earlier_sha256): (String, String),
    request_sha256: &str,
    token: String,
) -> Result<Filed, AppError> {
    if earlier_sha256 != request_sha256 {
        return Err(AppError::IdempotencyKeyReused);
    }
    let record = state
        .store
        .ticket(&ticket_id)
        .await?
        .ok_or_else(|| AppError::TicketNotFound(ticket_id.clone()))?;
    let ticket = view(state, &record, false).await?;
    Ok(Filed::Again(TicketCreated {
        ticket_id,
        access_token: token,
        ticket,
    }))
}
