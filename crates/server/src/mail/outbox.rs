//! The outbox as agents see it: what is pending or failed and why, and sending a mail again.
//! The admin API (`routes::outbox`) and the CLI (`admin outbox …`) share these.

use helpcenter_api::{MailState, OutboxMail};
use serde::Deserialize;

use crate::sites::Site;
use crate::store::outbox::OutboxFilter;
use crate::{AppError, AppState};

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default, deny_unknown_fields)]
pub struct OutboxQuery {
    /// Only mail in this state: `pending`, `sent` or `failed`.
    #[param(inline)]
    pub state: Option<MailState>,
    /// Only mail about this ticket.
    pub ticket: Option<String>,
    /// At most this many (1 to 500; 50 when not given).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// The site's outbox, newest first.
pub async fn list(
    state: &AppState,
    site: &Site,
    query: OutboxQuery,
) -> Result<Vec<OutboxMail>, AppError> {
    let filter = OutboxFilter {
        state: query.state,
        ticket_id: query.ticket.map(|t| t.trim().to_ascii_uppercase()),
        limit: query.limit.unwrap_or(50).clamp(1, 500),
    };
    Ok(state.store.list_mail(&site.key, &filter).await?)
}

/// Puts a mail back in line to be sent now, whatever became of it before (a failed one after
/// its address was fixed, or a sent one the shopper says never came).
pub async fn retry(state: &AppState, site: &Site, id: &str) -> Result<OutboxMail, AppError> {
    let mail = state
        .store
        .retry_mail(&site.key, id.trim(), jiff::Timestamp::now())
        .await?
        .ok_or(AppError::NotFound)?;
    state.outbox.wake();
    Ok(mail)
}
