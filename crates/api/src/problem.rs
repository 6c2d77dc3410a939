//! Why the server refused a request: RFC 9457 problem details with a stable [`ErrorCode`], the
//! body of every error answer (`application/problem+json`). The server writes it; the widget
//! reads it and matches on the code, never on the English `detail`.

use helpcenter_core::{Problem, TicketStatus};
use serde::{Deserialize, Serialize};

/// RFC 9457 problem details: the body of every error of this API, as
/// `application/problem+json`. The shape of what `AppError` and `UploadError` write.
//
// Read leniently (only `code` is needed), so a client still understands a refusal whose other
// members a proxy or an older server left out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "type": "about:blank",
    "title": "Unprocessable Entity",
    "status": 422,
    "detail": "the submission has 1 problem(s)",
    "code": "submission.invalid",
    "problems": [{"field": "evidence[0]", "code": "file.not_uploaded"}]
})))]
pub struct ProblemDetails {
    /// Always `about:blank`: `code` says what went wrong.
    #[serde(rename = "type", default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub kind: String,
    /// The HTTP status's reason phrase.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub title: String,
    /// The HTTP status code, as on the response.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub status: u16,
    /// What went wrong, in English, for people; may change. Never match on it.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub detail: String,
    /// What went wrong, as a stable code to match on, e.g. `ticket.not_found`,
    /// `submission.invalid`, `upload.offset_mismatch`, `file.too_large`, `rate_limited`.
    pub code: ErrorCode,
    /// With `submission.invalid`: every problem of the claim or its files, each at its field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub problems: Option<Vec<Problem>>,
    /// With `ticket.transition_not_allowed`: the statuses the ticket can go to from where it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub allowed: Option<Vec<TicketStatus>>,
}

/// What went wrong, as the stable `code` of a `ProblemDetails`: what clients match on. On the
/// wire, the dotted names (`ticket.not_found`, `file.too_large`, …); the file codes are the
/// same as `helpcenter_core::ProblemCode`'s, so a file refused by the server reads like one
/// refused by the browser.
//
// Read by hand (below) rather than derived: a lookup in `ALL` is a fraction of the wasm of
// serde's generated matcher, and the widget reads every refusal through it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ErrorCode {
    /// The site key names no site this server serves.
    #[serde(rename = "site.not_found")]
    SiteNotFound,
    /// Nothing is served at this address, or the ticket has no such file.
    #[serde(rename = "not_found")]
    NotFound,
    /// No such ticket, or the token does not open it.
    #[serde(rename = "ticket.not_found")]
    TicketNotFound,
    /// The request needs the ticket's access token or an identity token.
    #[serde(rename = "auth.token_required")]
    TokenRequired,
    /// The request needs the site's admin key.
    #[serde(rename = "auth.admin_key_required")]
    AdminKeyRequired,
    /// Creating a ticket needs an Idempotency-Key header.
    #[serde(rename = "idempotency.key_missing")]
    IdempotencyKeyMissing,
    /// The Idempotency-Key was used for a different request.
    #[serde(rename = "idempotency.key_reused")]
    IdempotencyKeyReused,
    /// The claim or reply breaks the rules; `problems` says where.
    #[serde(rename = "submission.invalid")]
    SubmissionInvalid,
    /// The ticket cannot go to that status from where it is; `allowed` says where it can.
    #[serde(rename = "ticket.transition_not_allowed")]
    TicketTransitionNotAllowed,
    /// Resolving a ticket needs a resolution.
    #[serde(rename = "ticket.resolution_missing")]
    TicketResolutionMissing,
    /// Only resolving a ticket takes a resolution.
    #[serde(rename = "ticket.resolution_unexpected")]
    TicketResolutionUnexpected,
    /// The ticket changed while the request was handled.
    #[serde(rename = "ticket.changed")]
    TicketChanged,
    /// The identity token is not one.
    #[serde(rename = "identity.malformed")]
    IdentityMalformed,
    /// The identity token is forged or another site's.
    #[serde(rename = "identity.bad_signature")]
    IdentityBadSignature,
    /// The identity token expired.
    #[serde(rename = "identity.expired")]
    IdentityExpired,
    /// The identity token is valid for longer than the site accepts (a long-lived token that
    /// leaked would sign the shopper in for too long).
    #[serde(rename = "identity.lifetime_too_long")]
    IdentityLifetimeTooLong,
    /// The site signs no identity tokens.
    #[serde(rename = "identity.not_configured")]
    IdentityNotConfigured,
    /// Asking for information needs a message.
    #[serde(rename = "message.required")]
    MessageRequired,
    /// The message has no text.
    #[serde(rename = "message.empty")]
    MessageEmpty,
    /// The message is too long.
    #[serde(rename = "message.too_long")]
    MessageTooLong,
    /// Too many requests; `Retry-After` says when to try again.
    #[serde(rename = "rate_limited")]
    RateLimited,
    /// The request does not speak tus 1.0.0.
    #[serde(rename = "upload.tus_version")]
    UploadTusVersion,
    /// No Upload-Length.
    #[serde(rename = "upload.length_missing")]
    UploadLengthMissing,
    /// Upload-Length is not a number of bytes.
    #[serde(rename = "upload.length_invalid")]
    UploadLengthInvalid,
    /// Deferred lengths are not supported.
    #[serde(rename = "upload.defer_length_unsupported")]
    UploadDeferLengthUnsupported,
    /// No Upload-Metadata.
    #[serde(rename = "upload.metadata_missing")]
    UploadMetadataMissing,
    /// Upload-Metadata cannot be read.
    #[serde(rename = "upload.metadata_invalid")]
    UploadMetadataInvalid,
    /// Upload-Metadata names no site.
    #[serde(rename = "upload.site_missing")]
    UploadSiteMissing,
    /// Upload-Metadata names no file.
    #[serde(rename = "upload.filename_missing")]
    UploadFilenameMissing,
    /// The site has no such outcome.
    #[serde(rename = "upload.outcome_not_found")]
    UploadOutcomeNotFound,
    /// The file is empty.
    #[serde(rename = "file.empty")]
    FileEmpty,
    /// The file is larger than the site accepts.
    #[serde(rename = "file.too_large")]
    FileTooLarge,
    /// The file is not an accepted kind of photo or video.
    #[serde(rename = "file.type_not_accepted")]
    FileTypeNotAccepted,
    /// The photo does not decode (cut short, or not the picture its header describes); the
    /// upload is removed.
    #[serde(rename = "file.image_unreadable")]
    FileImageUnreadable,
    /// The photo's header claims more pixels than the site accepts; it was never decoded, and
    /// the upload is removed.
    #[serde(rename = "file.image_too_many_pixels")]
    FileImageTooManyPixels,
    /// No such upload.
    #[serde(rename = "upload.not_found")]
    UploadNotFound,
    /// The upload expired before it was finished.
    #[serde(rename = "upload.expired")]
    UploadExpired,
    /// Another request is working on the upload.
    #[serde(rename = "upload.busy")]
    UploadBusy,
    /// A PATCH body must be application/offset+octet-stream.
    #[serde(rename = "upload.content_type")]
    UploadContentType,
    /// Upload-Offset is not a number of bytes.
    #[serde(rename = "upload.offset_invalid")]
    UploadOffsetInvalid,
    /// Upload-Offset is not where the upload stands.
    #[serde(rename = "upload.offset_mismatch")]
    UploadOffsetMismatch,
    /// More bytes than Upload-Length leaves room for.
    #[serde(rename = "upload.exceeds_length")]
    UploadExceedsLength,
    /// Upload-Checksum names an algorithm other than sha1.
    #[serde(rename = "upload.checksum_algorithm")]
    UploadChecksumAlgorithm,
    /// Upload-Checksum cannot be read.
    #[serde(rename = "upload.checksum_invalid")]
    UploadChecksumInvalid,
    /// The bytes do not match Upload-Checksum.
    #[serde(rename = "upload.checksum_mismatch")]
    UploadChecksumMismatch,
    /// The upload belongs to a ticket and stays with it.
    #[serde(rename = "upload.attached")]
    UploadAttached,
    /// The request body ended early.
    #[serde(rename = "upload.body_interrupted")]
    UploadBodyInterrupted,
    /// The request body stalled.
    #[serde(rename = "upload.body_stalled")]
    UploadBodyStalled,
    /// The link from a mail is forged, expired, already used or another ticket's.
    #[serde(rename = "link.invalid")]
    LinkInvalid,
    /// The client holds too many uploads that no ticket holds yet.
    #[serde(rename = "upload.too_many_open")]
    UploadTooManyOpen,
    /// The site's room for files not yet sent with a request is full; retry later.
    #[serde(rename = "storage.quota_exceeded")]
    StorageQuotaExceeded,
    /// The server's disk is (nearly) full; retry later.
    #[serde(rename = "storage.full")]
    StorageFull,
    /// The email or the password is wrong (the same answer for both, so accounts cannot be probed).
    #[serde(rename = "console.sign_in_failed")]
    SignInFailed,
    /// The request needs a signed-in agent (the console's session cookie); signed out or never signed in.
    #[serde(rename = "console.session_required")]
    SessionRequired,
    /// The agent's session expired; sign in again.
    #[serde(rename = "console.session_expired")]
    SessionExpired,
    /// The agent's account was disabled; their sessions ended with it.
    #[serde(rename = "console.agent_disabled")]
    AgentDisabled,
    /// A console request that changes something came from another origin (or without an `Origin`): nothing was changed.
    #[serde(rename = "console.origin_refused")]
    OriginRefused,
    /// The site has no such agent (or they are disabled).
    #[serde(rename = "console.agent_not_found")]
    AgentNotFound,
    /// The site has no such saved reply.
    #[serde(rename = "saved_reply.not_found")]
    SavedReplyNotFound,
    /// A saved reply needs a title and a text in each language, within their lengths, and only known placeholders.
    #[serde(rename = "saved_reply.invalid")]
    SavedReplyInvalid,
    /// The inbox's `after` is not one this server gave for this order.
    #[serde(rename = "console.cursor_invalid")]
    CursorInvalid,
    /// The insights' period is not a range of days (`from` after `to`, or longer than two years).
    #[serde(rename = "console.period_invalid")]
    PeriodInvalid,
    /// Only the site's owners may do this (manage saved replies).
    #[serde(rename = "console.owner_only")]
    OwnerOnly,
    /// The request body is not JSON (a syntax error, or cut short).
    #[serde(rename = "request.json_syntax")]
    RequestJsonSyntax,
    /// The request body is JSON but not what the operation takes; `detail` names the field.
    #[serde(rename = "request.json_invalid")]
    RequestJsonInvalid,
    /// The request body is not `application/json` (or whatever the operation takes).
    #[serde(rename = "request.content_type")]
    RequestContentType,
    /// The request body is larger than the operation takes.
    #[serde(rename = "request.too_large")]
    RequestTooLarge,
    /// The request body could not be read.
    #[serde(rename = "request.body_unreadable")]
    RequestBodyUnreadable,
    /// The query string does not fit the operation's parameters; `detail` names the one.
    #[serde(rename = "request.query_invalid")]
    RequestQueryInvalid,
    /// A segment of the address cannot be read (e.g. not UTF-8 once decoded).
    #[serde(rename = "request.path_invalid")]
    RequestPathInvalid,
    /// This address (or the ticket) already has as many event streams open as allowed.
    #[serde(rename = "stream.too_many")]
    StreamTooMany,
    /// The server did not answer within its time for one request (30 s); retry.
    #[serde(rename = "request.timeout")]
    RequestTimeout,
    /// The address is served, but not with this method; `Allow` lists those it is.
    #[serde(rename = "method_not_allowed")]
    MethodNotAllowed,
    /// This instance cannot take claims now (`GET /readyz`); `detail` names the failed checks.
    #[serde(rename = "service.not_ready")]
    ServiceNotReady,
    /// No order with this number was placed with this email, says the store (the same answer
    /// for both, so order numbers cannot be probed).
    #[serde(rename = "order.not_found")]
    OrderNotFound,
    /// The store's order system did not answer in time, or answered something unusable; the
    /// site requires a checked order, so nothing was filed. Retry later.
    #[serde(rename = "order.lookup_unavailable")]
    OrderLookupUnavailable,
    /// The site does not look orders up.
    #[serde(rename = "order.lookup_not_configured")]
    OrderLookupNotConfigured,
    /// The server failed; retry later.
    #[serde(rename = "internal")]
    Internal,
    /// A code this build does not know (a newer server's): read as a refusal all the same.
    #[serde(skip_serializing)]
    Unknown,
}

impl ErrorCode {
    /// Every code the server answers with.
    pub const ALL: [ErrorCode; 78] = [
        ErrorCode::SiteNotFound,
        ErrorCode::NotFound,
        ErrorCode::TicketNotFound,
        ErrorCode::TokenRequired,
        ErrorCode::AdminKeyRequired,
        ErrorCode::IdempotencyKeyMissing,
        ErrorCode::IdempotencyKeyReused,
        ErrorCode::SubmissionInvalid,
        ErrorCode::TicketTransitionNotAllowed,
        ErrorCode::TicketResolutionMissing,
        ErrorCode::TicketResolutionUnexpected,
        ErrorCode::TicketChanged,
        ErrorCode::IdentityMalformed,
        ErrorCode::IdentityBadSignature,
        ErrorCode::IdentityExpired,
        ErrorCode::IdentityLifetimeTooLong,
        ErrorCode::IdentityNotConfigured,
        ErrorCode::MessageRequired,
        ErrorCode::MessageEmpty,
        ErrorCode::MessageTooLong,
        ErrorCode::RateLimited,
        ErrorCode::UploadTusVersion,
        ErrorCode::UploadLengthMissing,
        ErrorCode::UploadLengthInvalid,
        ErrorCode::UploadDeferLengthUnsupported,
        ErrorCode::UploadMetadataMissing,
        ErrorCode::UploadMetadataInvalid,
        ErrorCode::UploadSiteMissing,
        ErrorCode::UploadFilenameMissing,
        ErrorCode::UploadOutcomeNotFound,
        ErrorCode::FileEmpty,
        ErrorCode::FileTooLarge,
        ErrorCode::FileTypeNotAccepted,
        ErrorCode::FileImageUnreadable,
        ErrorCode::FileImageTooManyPixels,
        ErrorCode::UploadNotFound,
        ErrorCode::UploadExpired,
        ErrorCode::UploadBusy,
        ErrorCode::UploadContentType,
        ErrorCode::UploadOffsetInvalid,
        ErrorCode::UploadOffsetMismatch,
        ErrorCode::UploadExceedsLength,
        ErrorCode::UploadChecksumAlgorithm,
        ErrorCode::UploadChecksumInvalid,
        ErrorCode::UploadChecksumMismatch,
        ErrorCode::UploadAttached,
        ErrorCode::UploadBodyInterrupted,
        ErrorCode::UploadBodyStalled,
        ErrorCode::LinkInvalid,
        ErrorCode::UploadTooManyOpen,
        ErrorCode::StorageQuotaExceeded,
        ErrorCode::StorageFull,
        ErrorCode::SignInFailed,
        ErrorCode::SessionRequired,
        ErrorCode::SessionExpired,
        ErrorCode::AgentDisabled,
        ErrorCode::OriginRefused,
        ErrorCode::AgentNotFound,
        ErrorCode::SavedReplyNotFound,
        ErrorCode::SavedReplyInvalid,
        ErrorCode::CursorInvalid,
        ErrorCode::PeriodInvalid,
        ErrorCode::OwnerOnly,
        ErrorCode::RequestJsonSyntax,
        ErrorCode::RequestJsonInvalid,
        ErrorCode::RequestContentType,
        ErrorCode::RequestTooLarge,
        ErrorCode::RequestBodyUnreadable,
        ErrorCode::RequestQueryInvalid,
        ErrorCode::RequestPathInvalid,
        ErrorCode::RequestTimeout,
        ErrorCode::StreamTooMany,
        ErrorCode::MethodNotAllowed,
        ErrorCode::ServiceNotReady,
        ErrorCode::OrderNotFound,
        ErrorCode::OrderLookupUnavailable,
        ErrorCode::OrderLookupNotConfigured,
        ErrorCode::Internal,
    ];

    /// The code as on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::SiteNotFound => "site.not_found",
            ErrorCode::NotFound => "not_found",
            ErrorCode::TicketNotFound => "ticket.not_found",
            ErrorCode::TokenRequired => "auth.token_required",
            ErrorCode::AdminKeyRequired => "auth.admin_key_required",
            ErrorCode::IdempotencyKeyMissing => "idempotency.key_missing",
            ErrorCode::IdempotencyKeyReused => "idempotency.key_reused",
            ErrorCode::SubmissionInvalid => "submission.invalid",
            ErrorCode::TicketTransitionNotAllowed => "ticket.transition_not_allowed",
            ErrorCode::TicketResolutionMissing => "ticket.resolution_missing",
            ErrorCode::TicketResolutionUnexpected => "ticket.resolution_unexpected",
            ErrorCode::TicketChanged => "ticket.changed",
            ErrorCode::IdentityMalformed => "identity.malformed",
            ErrorCode::IdentityBadSignature => "identity.bad_signature",
            ErrorCode::IdentityExpired => "identity.expired",
            ErrorCode::IdentityLifetimeTooLong => "identity.lifetime_too_long",
            ErrorCode::IdentityNotConfigured => "identity.not_configured",
            ErrorCode::MessageRequired => "message.required",
            ErrorCode::MessageEmpty => "message.empty",
            ErrorCode::MessageTooLong => "message.too_long",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::UploadTusVersion => "upload.tus_version",
            ErrorCode::UploadLengthMissing => "upload.length_missing",
            ErrorCode::UploadLengthInvalid => "upload.length_invalid",
            ErrorCode::UploadDeferLengthUnsupported => "upload.defer_length_unsupported",
            ErrorCode::UploadMetadataMissing => "upload.metadata_missing",
            ErrorCode::UploadMetadataInvalid => "upload.metadata_invalid",
            ErrorCode::UploadSiteMissing => "upload.site_missing",
            ErrorCode::UploadFilenameMissing => "upload.filename_missing",
            ErrorCode::UploadOutcomeNotFound => "upload.outcome_not_found",
            ErrorCode::FileEmpty => "file.empty",
            ErrorCode::FileTooLarge => "file.too_large",
            ErrorCode::FileTypeNotAccepted => "file.type_not_accepted",
            ErrorCode::FileImageUnreadable => "file.image_unreadable",
            ErrorCode::FileImageTooManyPixels => "file.image_too_many_pixels",
            ErrorCode::UploadNotFound => "upload.not_found",
            ErrorCode::UploadExpired => "upload.expired",
            ErrorCode::UploadBusy => "upload.busy",
            ErrorCode::UploadContentType => "upload.content_type",
            ErrorCode::UploadOffsetInvalid => "upload.offset_invalid",
            ErrorCode::UploadOffsetMismatch => "upload.offset_mismatch",
            ErrorCode::UploadExceedsLength => "upload.exceeds_length",
            ErrorCode::UploadChecksumAlgorithm => "upload.checksum_algorithm",
            ErrorCode::UploadChecksumInvalid => "upload.checksum_invalid",
            ErrorCode::UploadChecksumMismatch => "upload.checksum_mismatch",
            ErrorCode::UploadAttached => "upload.attached",
            ErrorCode::UploadBodyInterrupted => "upload.body_interrupted",
            ErrorCode::UploadBodyStalled => "upload.body_stalled",
            ErrorCode::LinkInvalid => "link.invalid",
            ErrorCode::UploadTooManyOpen => "upload.too_many_open",
            ErrorCode::StorageQuotaExceeded => "storage.quota_exceeded",
            ErrorCode::StorageFull => "storage.full",
            ErrorCode::SignInFailed => "console.sign_in_failed",
            ErrorCode::SessionRequired => "console.session_required",
            ErrorCode::SessionExpired => "console.session_expired",
            ErrorCode::AgentDisabled => "console.agent_disabled",
            ErrorCode::OriginRefused => "console.origin_refused",
            ErrorCode::AgentNotFound => "console.agent_not_found",
            ErrorCode::SavedReplyNotFound => "saved_reply.not_found",
            ErrorCode::SavedReplyInvalid => "saved_reply.invalid",
            ErrorCode::CursorInvalid => "console.cursor_invalid",
            ErrorCode::PeriodInvalid => "console.period_invalid",
            ErrorCode::OwnerOnly => "console.owner_only",
            ErrorCode::RequestJsonSyntax => "request.json_syntax",
            ErrorCode::RequestJsonInvalid => "request.json_invalid",
            ErrorCode::RequestContentType => "request.content_type",
            ErrorCode::RequestTooLarge => "request.too_large",
            ErrorCode::RequestBodyUnreadable => "request.body_unreadable",
            ErrorCode::RequestQueryInvalid => "request.query_invalid",
            ErrorCode::RequestPathInvalid => "request.path_invalid",
            ErrorCode::RequestTimeout => "request.timeout",
            ErrorCode::StreamTooMany => "stream.too_many",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::ServiceNotReady => "service.not_ready",
            ErrorCode::OrderNotFound => "order.not_found",
            ErrorCode::OrderLookupUnavailable => "order.lookup_unavailable",
            ErrorCode::OrderLookupNotConfigured => "order.lookup_not_configured",
            ErrorCode::Internal => "internal",
            ErrorCode::Unknown => "unknown",
        }
    }

    /// The server refused the store's identity token (malformed, forged, expired, or the site
    /// signs none).
    pub fn is_identity(self) -> bool {
        matches!(
            self,
            ErrorCode::IdentityMalformed
                | ErrorCode::IdentityBadSignature
                | ErrorCode::IdentityExpired
                | ErrorCode::IdentityLifetimeTooLong
                | ErrorCode::IdentityNotConfigured
        )
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(ErrorCode::ALL
            .into_iter()
            .find(|code| code.as_str() == name)
            .unwrap_or(ErrorCode::Unknown))
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_written_and_read_as_its_name() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).expect("json");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(
                serde_json::from_str::<ErrorCode>(&json).expect("read"),
                code
            );
        }
        let names: std::collections::BTreeSet<_> =
            ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), ErrorCode::ALL.len(), "two codes share a name");
    }

    /// A file the server refuses reads like one the browser refused: the same names.
    #[test]
    fn the_file_codes_are_the_rulebooks() {
        use helpcenter_core::ProblemCode;
        for (code, rule) in [
            (ErrorCode::FileEmpty, ProblemCode::FileEmpty),
            (ErrorCode::FileTooLarge, ProblemCode::FileTooLarge),
            (
                ErrorCode::FileTypeNotAccepted,
                ProblemCode::FileTypeNotAccepted,
            ),
            (ErrorCode::FileImageUnreadable, ProblemCode::ImageUnreadable),
            (
                ErrorCode::FileImageTooManyPixels,
                ProblemCode::ImageTooManyPixels,
            ),
            (ErrorCode::MessageTooLong, ProblemCode::MessageTooLong),
        ] {
            assert_eq!(code.as_str(), rule.as_str());
        }
    }

    #[test]
    fn a_problem_with_a_code_this_build_does_not_know_is_still_a_refusal() {
        let body = r#"{"type":"about:blank","title":"Teapot","status":418,"detail":"","code":"brew.refused"}"#;
        let problem: ProblemDetails = serde_json::from_str(body).expect("read");
        assert_eq!((problem.status, problem.code), (418, ErrorCode::Unknown));
        let partial: ProblemDetails =
            serde_json::from_str(r#"{"code":"identity.expired"}"#).expect("read");
        assert!(partial.code.is_identity());
        assert_eq!(partial.problems, None);
    }
}
