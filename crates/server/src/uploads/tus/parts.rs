//! The offset's bookkeeping: a PATCH's bytes are held until a part's worth arrived, stored as a
//! part, and only then recorded with the new offset, in one transaction with the part, while
//! the request still holds the upload. A part stored but never recorded is never counted.

use super::progress::find;
use crate::AppState;
use crate::store::upload_parts::UploadPart;
use crate::uploads::blobs::part_name;
use crate::uploads::error::UploadError;
use crate::uploads::lease::UploadLease;

/// A PATCH's bytes on their way into the store: held until a part's worth arrived, then
/// stored as a part and (without a checksum to verify first) recorded with the offset.
pub(super) struct PartWriter<'a> {
    state: &'a AppState,
    id: &'a str,
    lease: &'a UploadLease,
    buffer: Vec<bytes::Bytes>,
    pub(super) buffered: u64,
    /// When the oldest byte held arrived.
    pub(super) held_since: Option<tokio::time::Instant>,
    /// Bytes stored, recorded or not.
    pub(super) written: u64,
    /// The offset as recorded.
    recorded: u64,
    /// Parts stored but not yet recorded: a body with a checksum is recorded whole or not
    /// at all.
    unrecorded: Vec<UploadPart>,
    record_each: bool,
}

impl<'a> PartWriter<'a> {
    /// A writer for the bytes after `recorded`; `record_each` records each part as it is
    /// stored (without a checksum to verify the whole body against first).
    pub(super) fn new(
        state: &'a AppState,
        id: &'a str,
        lease: &'a UploadLease,
        recorded: u64,
        record_each: bool,
    ) -> Self {
        PartWriter {
            state,
            id,
            lease,
            buffer: Vec::new(),
            buffered: 0,
            held_since: None,
            written: recorded,
            recorded,
            unrecorded: Vec::new(),
            record_each,
        }
    }

    pub(super) fn push(&mut self, chunk: bytes::Bytes) {
        if self.buffer.is_empty() {
            self.held_since = Some(tokio::time::Instant::now());
        }
        self.buffered += chunk.len() as u64;
        self.buffer.push(chunk);
    }

    /// Stores the held bytes as a part, and records it unless a checksum is pending.
    pub(super) async fn flush(&mut self) -> Result<(), UploadError> {
        if self.buffered == 0 {
            return Ok(());
        }
        let part = UploadPart {
            first_byte: self.written,
            length: self.buffered,
            name: part_name(self.written),
        };
        let chunks = std::mem::take(&mut self.buffer);
        self.buffered = 0;
        self.held_since = None;
        self.state
            .evidence
            .put_part(self.id, &part.name, chunks)
            .await?;
        self.written += part.length;
        self.unrecorded.push(part);
        if self.record_each {
            self.record().await?;
        }
        Ok(())
    }

    /// Records the stored parts and moves the offset to their end, if this request still
    /// holds the upload; otherwise deletes them (they were never counted).
    pub(super) async fn record(&mut self) -> Result<(), UploadError> {
        if self.unrecorded.is_empty() {
            return Ok(());
        }
        let recorded = self
            .state
            .store
            .record_upload_parts(
                self.id,
                self.lease.holder(),
                self.recorded,
                &self.unrecorded,
                self.lease.until(),
            )
            .await;
        match recorded {
            Ok(true) => {
                self.recorded = self.written;
                self.unrecorded.clear();
                Ok(())
            }
            Ok(false) => {
                self.discard().await?;
                // Gone (removed, expired) or taken by another request after this one's
                // lease lapsed.
                find(self.state, self.id).await?;
                Err(UploadError::Busy)
            }
            Err(e) => {
                self.discard().await?;
                Err(e.into())
            }
        }
    }

    /// Deletes the parts stored but not recorded: the offset stays where it was recorded.
    pub(super) async fn discard(&mut self) -> Result<(), UploadError> {
        let names: Vec<String> = self.unrecorded.drain(..).map(|p| p.name).collect();
        self.written = self.recorded;
        self.state
            .evidence
            .delete_parts(self.id, names.iter().map(String::as_str))
            .await?;
        Ok(())
    }
}
