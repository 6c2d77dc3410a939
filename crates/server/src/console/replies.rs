//! Saved replies: the site's texts an agent sends again and again, in both languages, with
//! placeholders filled in for the ticket at hand. Only an owner changes them.

use helpcenter_api::ErrorCode;
use helpcenter_api::console::{SavedReply, SavedReplyInput};
use helpcenter_core::limits::MAX_SHOPPER_MESSAGE_CHARS;
use helpcenter_core::unknown_placeholders;

use super::ticket::{placeholders, site_ticket};
use crate::auth::new_secret;
use crate::sites::Site;
use crate::store::agents::{AgentRecord, SavedReplyRecord};
use crate::store::timestamp;
use crate::{AppError, AppState};

/// Characters of a saved reply's title.
pub const MAX_REPLY_TITLE_CHARS: usize = 100;

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
