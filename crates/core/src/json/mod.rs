//! A small JSON reader and writer for what the widget's first load reads and keeps: the site's
//! configuration with its policy, and the shopper's draft. serde_json's derived decoders for
//! those types cost the widget's first open about 28 KB of gzip (one copy of the parser per
//! type); this reads any JSON into one [`Json`] tree, and each type takes its fields from it by
//! hand ([`FromJson`]), with serde's defaults. The server and everything else keep serde.
//!
//! Numbers are kept as their text and read as integers; a fraction (a video's duration) is
//! read and written without float formatting, to the microsecond.
//!
//! The tree and the two traits (`value`), reading text into a tree (`read`), writing
//! (`write`), the standard library's types (`basic`) and the rulebook's (`rulebook`).

mod basic;
mod read;
mod rulebook;
mod value;
mod write;

pub use value::{FromJson, Json, ToJson};
pub use write::{ObjectWriter, ToJsonMembers, write_str};
