//! tus 1.0 handlers (core, creation, termination, expiration, checksum with sha1).
//!
//! The offset a client can resume from is what the database records, and it is recorded only
//! after the bytes up to it are stored as parts in the evidence store (synced, on a local
//! disk), in the same transaction as the parts themselves; a part stored but not recorded (a
//! crash between the two) is never counted. So a server killed mid-PATCH resumes from what
//! HEAD reports, on any instance sharing the database and the store, and the finished file is
//! byte-identical to what the client sent. One request works on an upload at a time, across
//! instances (`lease`): a second PATCH meanwhile gets 423.
//!
//! One module per concern, as tusd splits its handler: the protocol's names and headers
//! (`protocol`), discovery and the version check every request passes (`discovery`), one
//! module per method (`create`, `resume` for HEAD, `patch`, `terminate`), and beneath them the
//! bookkeeping they share: where an upload stands and the hold a request takes on it
//! (`progress`), a PATCH's bytes on their way into stored parts (`parts`), and judging and
//! finishing the file (`finish`).

pub(super) mod create;
pub(super) mod discovery;
mod finish;
mod parts;
pub(super) mod patch;
mod progress;
pub(super) mod protocol;
pub(super) mod resume;
pub(super) mod terminate;
