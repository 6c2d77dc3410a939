//! The draft as kept on the device, read and written by hand (`helpcenter_core::json`): the
//! first load reads and keeps it, and serde_json's decoders for it would cost the first open
//! more than all of this; so are the answer in writing and the tickets kept, which the later
//! screens read. The same JSON serde writes and reads, so what earlier versions kept reads
//! back.

use helpcenter_core::Claim;
use helpcenter_core::json::{FromJson, Json, ObjectWriter, ToJson};

use super::saved::FiledTicket;
use super::{Draft, DraftFile, ReplyDraft, Stage};

impl FromJson for Stage {
    fn from_json(json: &Json) -> Option<Self> {
        Stage::ALL
            .into_iter()
            .find(|s| Some(s.name()) == json.as_str())
    }
}

impl ToJson for Stage {
    fn write_json(&self, out: &mut String) {
        self.name().write_json(out);
    }
}

impl FromJson for Draft {
    fn from_json(json: &Json) -> Option<Self> {
        Some(Draft {
            // The claim's fields stand beside the draft's own; a category not picked yet was
            // kept as `null` before the claim was one type, and reads as empty.
            claim: Claim::from_json(json)?,
            ahead: json.or("ahead", Vec::new())?,
            stage: json.or("stage", Stage::Problem)?,
            idempotency_key: json.or("idempotency_key", String::new())?,
            pending: json.optional("pending")?,
            // Where the order step stood is not kept: after a reload the order is looked
            // up again (the store may answer now); the items picked are kept.
            order_found: false,
            order_unchecked: false,
            items: json.or("items", Vec::new())?,
        })
    }
}

impl ToJson for Draft {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out)
            .members(&self.claim)
            .member("ahead", &self.ahead)
            .member("stage", &self.stage)
            .member("idempotency_key", &self.idempotency_key)
            .member("pending", &self.pending)
            .member("items", &self.items)
            .end();
    }
}

impl FromJson for DraftFile {
    fn from_json(json: &Json) -> Option<Self> {
        Some(DraftFile {
            key: json.field("key")?,
            name: json.field("name")?,
            bytes: json.field("bytes")?,
            facts: json.optional("facts")?,
            upload_url: json.optional("upload_url")?,
            uploaded: json.or("uploaded", false)?,
            location_removed: json.or("location_removed", false)?,
        })
    }
}

impl FromJson for ReplyDraft {
    fn from_json(json: &Json) -> Option<Self> {
        Some(ReplyDraft {
            message: json.or("message", String::new())?,
            files: json.or("files", Vec::new())?,
        })
    }
}

impl ToJson for ReplyDraft {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out)
            .member("message", &self.message)
            .member("files", &self.files)
            .end();
    }
}

impl FromJson for FiledTicket {
    fn from_json(json: &Json) -> Option<Self> {
        Some(FiledTicket {
            id: json.field("id")?,
            access_token: json.field("access_token")?,
            seen: json.or("seen", 0)?,
        })
    }
}

impl ToJson for FiledTicket {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out)
            .member("id", &self.id)
            .member("access_token", &self.access_token)
            .member("seen", &self.seen)
            .end();
    }
}

impl ToJson for DraftFile {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out)
            .member("key", &self.key)
            .member("name", &self.name)
            .member("bytes", &self.bytes)
            .member("facts", &self.facts)
            .member("upload_url", &self.upload_url)
            .member("uploaded", &self.uploaded)
            .member("location_removed", &self.location_removed)
            .end();
    }
}

impl Stage {
    /// Its name as kept (serde's).
    fn name(self) -> &'static str {
        match self {
            Stage::Problem => "problem",
            Stage::Details => "details",
            Stage::Evidence => "evidence",
            Stage::Review => "review",
        }
    }
}
