//! Saved replies: the site's texts an agent sends again and again, in both languages.

use serde::{Deserialize, Serialize};

/// A saved reply of the site, in both languages; `{ticket_id}`, `{order_number}` and
/// `{respond_by}` are filled in for the ticket it is used on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SavedReply {
    pub id: String,
    pub title: String,
    pub body_en: String,
    pub body_zh: String,
    /// RFC 3339, UTC.
    pub updated_at: String,
}

/// `POST /v1/console/saved-replies` and `PUT …/{id}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SavedReplyInput {
    pub title: String,
    pub body_en: String,
    pub body_zh: String,
}
