//! Why a tus request is refused, as RFC 9457 problem details with a stable `code` (the same
//! shape as `crate::AppError`). File problems use `helpcenter_core`'s codes, so the widget shows
//! the same message whether the browser or the server caught it.

use axum::Json;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use helpcenter_api::{ErrorCode, ProblemDetails};

use super::blobs::EvidenceError;
use super::metadata::MetadataError;
use crate::store::StoreError;
use helpcenter_api::tus;

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("this endpoint speaks tus 1.0.0: send `Tus-Resumable: 1.0.0`")]
    TusVersion,
    #[error("Upload-Length is missing")]
    LengthMissing,
    #[error("Upload-Length must be a whole number of bytes")]
    LengthInvalid,
    #[error("deferred lengths are not supported: send Upload-Length")]
    DeferLength,
    #[error("Upload-Metadata is missing")]
    MetadataMissing,
    #[error("Upload-Metadata: {0}")]
    MetadataInvalid(#[from] MetadataError),
    #[error("Upload-Metadata has no `site`")]
    SiteMissing,
    #[error("Upload-Metadata has no `filename`")]
    FilenameMissing,
    #[error("there is no site with the key {0:?}")]
    SiteNotFound(String),
    #[error("the site has no outcome {0:?}")]
    OutcomeNotFound(String),
    #[error("the file is empty")]
    FileEmpty,
    #[error("the file is larger than the {limit} bytes allowed")]
    FileTooLarge { limit: u64 },
    #[error("the file is not an accepted kind of photo or video")]
    TypeNotAccepted,
    #[error("the picture does not open: {0}; it was not kept")]
    ImageUnreadable(String),
    #[error(
        "the picture has {width}×{height} pixels, more than the {limit} accepted; it was not kept"
    )]
    ImageTooManyPixels { width: u32, height: u32, limit: u64 },
    #[error("there is no such upload")]
    NotFound,
    #[error("the upload expired before it was finished")]
    Expired,
    #[error("another request is working on this upload; retry shortly")]
    Busy,
    #[error("PATCH bodies must be sent as application/offset+octet-stream")]
    ContentType,
    #[error("Upload-Offset must be a whole number of bytes")]
    OffsetInvalid,
    #[error("the upload is at offset {current}, not the Upload-Offset sent")]
    OffsetMismatch { current: u64 },
    #[error("the request carries more bytes than Upload-Length leaves room for")]
    ExceedsLength,
    #[error("Upload-Checksum: only sha1 is supported")]
    ChecksumAlgorithm,
    #[error("Upload-Checksum must be `sha1 <base64 digest>`")]
    ChecksumInvalid,
    #[error("the bytes do not match Upload-Checksum; they were not stored")]
    ChecksumMismatch,
    #[error("the upload belongs to a ticket now and stays with it")]
    Attached,
    #[error("the request body ended before it was complete")]
    BodyInterrupted,
    #[error("the request body stalled; resume from the offset HEAD reports")]
    BodyStalled,
    #[error(
        "you have {limit} uploads that no request holds yet: send your request, or remove some"
    )]
    TooManyOpen { limit: u32 },
    #[error("this store has no room for more unsent files right now; try again later")]
    QuotaExceeded,
    #[error("the server has no room for more files right now; try again later")]
    DiskFull,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
    #[error("storage: {0}")]
    Io(#[from] std::io::Error),
    #[error("task: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// tus's status for a checksum mismatch (not in the HTTP registry).
const CHECKSUM_MISMATCH: u16 = 460;

impl UploadError {
    /// A write that failed because the disk is full: the client is told so (507), and may
    /// resume once there is room, from the offset HEAD reports.
    fn is_disk_full(&self) -> bool {
        match self {
            UploadError::Io(e) | UploadError::Evidence(EvidenceError::Io(e)) => {
                e.kind() == std::io::ErrorKind::StorageFull
            }
            UploadError::Store(e) => e.is_disk_full(),
            _ => false,
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            UploadError::TusVersion => ErrorCode::UploadTusVersion,
            UploadError::LengthMissing => ErrorCode::UploadLengthMissing,
            UploadError::LengthInvalid => ErrorCode::UploadLengthInvalid,
            UploadError::DeferLength => ErrorCode::UploadDeferLengthUnsupported,
            UploadError::MetadataMissing => ErrorCode::UploadMetadataMissing,
            UploadError::MetadataInvalid(_) => ErrorCode::UploadMetadataInvalid,
            UploadError::SiteMissing => ErrorCode::UploadSiteMissing,
            UploadError::FilenameMissing => ErrorCode::UploadFilenameMissing,
            UploadError::SiteNotFound(_) => ErrorCode::SiteNotFound,
            UploadError::OutcomeNotFound(_) => ErrorCode::UploadOutcomeNotFound,
            UploadError::FileEmpty => ErrorCode::FileEmpty,
            UploadError::FileTooLarge { .. } => ErrorCode::FileTooLarge,
            UploadError::TypeNotAccepted => ErrorCode::FileTypeNotAccepted,
            UploadError::ImageUnreadable(_) => ErrorCode::FileImageUnreadable,
            UploadError::ImageTooManyPixels { .. } => ErrorCode::FileImageTooManyPixels,
            UploadError::NotFound => ErrorCode::UploadNotFound,
            UploadError::Expired => ErrorCode::UploadExpired,
            UploadError::Busy => ErrorCode::UploadBusy,
            UploadError::ContentType => ErrorCode::UploadContentType,
            UploadError::OffsetInvalid => ErrorCode::UploadOffsetInvalid,
            UploadError::OffsetMismatch { .. } => ErrorCode::UploadOffsetMismatch,
            UploadError::ExceedsLength => ErrorCode::UploadExceedsLength,
            UploadError::ChecksumAlgorithm => ErrorCode::UploadChecksumAlgorithm,
            UploadError::ChecksumInvalid => ErrorCode::UploadChecksumInvalid,
            UploadError::ChecksumMismatch => ErrorCode::UploadChecksumMismatch,
            UploadError::Attached => ErrorCode::UploadAttached,
            UploadError::BodyInterrupted => ErrorCode::UploadBodyInterrupted,
            UploadError::BodyStalled => ErrorCode::UploadBodyStalled,
            UploadError::TooManyOpen { .. } => ErrorCode::UploadTooManyOpen,
            UploadError::QuotaExceeded => ErrorCode::StorageQuotaExceeded,
            UploadError::DiskFull => ErrorCode::StorageFull,
            _ if self.is_disk_full() => ErrorCode::StorageFull,
            UploadError::Store(_)
            | UploadError::Evidence(_)
            | UploadError::Io(_)
            | UploadError::Task(_) => ErrorCode::Internal,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            UploadError::TusVersion => StatusCode::PRECONDITION_FAILED,
            UploadError::LengthMissing
            | UploadError::LengthInvalid
            | UploadError::DeferLength
            | UploadError::MetadataMissing
            | UploadError::MetadataInvalid(_)
            | UploadError::SiteMissing
            | UploadError::FilenameMissing
            | UploadError::OutcomeNotFound(_)
            | UploadError::FileEmpty
            | UploadError::OffsetInvalid
            | UploadError::ChecksumAlgorithm
            | UploadError::ChecksumInvalid
            | UploadError::BodyInterrupted => StatusCode::BAD_REQUEST,
            UploadError::SiteNotFound(_) | UploadError::NotFound => StatusCode::NOT_FOUND,
            UploadError::FileTooLarge { .. } | UploadError::ExceedsLength => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            UploadError::TypeNotAccepted | UploadError::ContentType => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            UploadError::ImageUnreadable(_) | UploadError::ImageTooManyPixels { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            UploadError::Expired => StatusCode::GONE,
            UploadError::BodyStalled => StatusCode::REQUEST_TIMEOUT,
            UploadError::TooManyOpen { .. } => StatusCode::TOO_MANY_REQUESTS,
            UploadError::QuotaExceeded | UploadError::DiskFull => StatusCode::INSUFFICIENT_STORAGE,
            _ if self.is_disk_full() => StatusCode::INSUFFICIENT_STORAGE,
            UploadError::Busy => StatusCode::LOCKED,
            UploadError::OffsetMismatch { .. } | UploadError::Attached => StatusCode::CONFLICT,
            UploadError::ChecksumMismatch => {
                StatusCode::from_u16(CHECKSUM_MISMATCH).unwrap_or(StatusCode::BAD_REQUEST)
            }
            UploadError::Store(_)
            | UploadError::Evidence(_)
            | UploadError::Io(_)
            | UploadError::Task(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for UploadError {
    fn into_response(self) -> Response {
        let status = self.status();
        let detail = if status.is_server_error() && status != StatusCode::INSUFFICIENT_STORAGE {
            // The cause is for the log, not for the client.
            tracing::error!(error = %self, "upload request failed");
            "the upload could not be processed; retry later".to_owned()
        } else {
            self.to_string()
        };
        let body = ProblemDetails {
            kind: "about:blank".to_owned(),
            title: status
                .canonical_reason()
                .unwrap_or("Checksum Mismatch")
                .to_owned(),
            status: status.as_u16(),
            detail,
            code: self.code(),
            problems: None,
            allowed: None,
        };
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            Json(body),
        )
            .into_response();
        if matches!(self, UploadError::TusVersion) {
            response.headers_mut().insert(
                HeaderName::from_static(tus::TUS_VERSION),
                HeaderValue::from_static(tus::VERSION),
            );
        }
        response
    }
}
