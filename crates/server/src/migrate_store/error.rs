//! What can stop `migrate-store`, or be wrong after it, each with a stable code (printed as
//! `error[migrate_store.CODE]: …`, one line each) that scripts and the README can name.

use std::path::PathBuf;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum MigrateStoreError {
    /// Flags that name no deployment, or name it twice.
    #[error("{0}")]
    Usage(String),
    #[error(
        "--from {0}: migrate-store moves a one-machine deployment, whose tickets are in SQLite \
         (sqlite://PATH); a PostgreSQL database is moved with pg_dump and pg_restore"
    )]
    SourceNotSqlite(String),
    #[error(
        "{path}: no database there; name the data directory the server ran on (--data-dir) \
         or its database (--from sqlite://PATH)"
    )]
    SourceMissing { path: PathBuf },
    #[error(
        "a helpcenter-server is serving {data_dir}: stop it first (systemctl stop \
         helpcenter-server); claims filed during the copy would be left behind"
    )]
    SourceInUse { data_dir: PathBuf },
    #[error("the source and the target are the same {what} ({location}): name another with --to")]
    SameStore {
        what: &'static str,
        location: String,
    },
    #[error("{location}: its schema is at {found}, this helpcenter-server's at {ours}: {advice}")]
    SourceSchema {
        location: String,
        found: String,
        ours: String,
        advice: &'static str,
    },
    #[error("{location}: {source}")]
    TargetSchema {
        location: String,
        source: StoreError,
    },
    #[error(
        "the source's schema has a table {table} that this helpcenter-server does not know how \
         to carry over: upgrade helpcenter-server (the copy must know every table, so none is \
         left behind)"
    )]
    UnknownTable { table: String },
    #[error("table {table}: {detail}")]
    SchemaDiffers { table: String, detail: String },
    #[error(
        "{location} already holds rows that are not the source's ({detail}): migrate-store \
         copies into an empty database or completes its own earlier copy, and never \
         overwrites; name an empty database with --to"
    )]
    TargetNotEmpty { location: String, detail: String },
    #[error(
        "{data_dir}/server-secret is missing: retried claims and the links in mails that are \
         still to go out depend on it; name the data directory the server ran on (--data-dir)"
    )]
    SecretMissing { data_dir: PathBuf },
    #[error(
        "{location} already has a server secret of its own, not {data_dir}/server-secret (a \
         server was started on it before the copy?): shoppers' retried claims and mailed links \
         would stop working; if no shopper has used the new deployment yet, remove it \
         ({remedy}) and run migrate-store again"
    )]
    SecretDiffers {
        location: String,
        data_dir: PathBuf,
        remedy: String,
    },
    #[error("cannot read or write {path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("source database {location}: {source}")]
    SourceDatabase {
        location: String,
        source: StoreError,
    },
    #[error("target database {location}: {source}")]
    TargetDatabase {
        location: String,
        source: StoreError,
    },
    #[error("{0}")]
    Evidence(String),
    #[error("evidence {key} ({of}): {side} store: {source}")]
    EvidenceStore {
        key: String,
        of: String,
        side: &'static str,
        source: Box<object_store::Error>,
    },
    // What verification found: each one line, all reported, then a failing exit.
    #[error(
        "table {table}: the target's rows differ from the source's ({source_rows} rows in the \
         source, {target_rows} in the target; {missing} missing, {extra} the source does not \
         have, {differing} with other values)"
    )]
    RowsDiffer {
        table: String,
        source_rows: u64,
        target_rows: u64,
        missing: u64,
        extra: u64,
        differing: u64,
    },
    #[error(
        "evidence {key} ({of}) is missing from the source's store {location}: the database \
         names a file the store has lost; it was not copied"
    )]
    ObjectMissing {
        key: String,
        of: String,
        location: String,
    },
    #[error(
        "evidence {key} ({of}) in the source's store is not what was uploaded: {found}, where \
         the database recorded {recorded}; copied as it is"
    )]
    ObjectCorrupt {
        key: String,
        of: String,
        found: String,
        recorded: String,
    },
    #[error(
        "evidence {key} ({of}) in the target's store differs from the source's: {target}, the \
         source's {source_has}; migrate-store never overwrites: delete it from the target and \
         run migrate-store again, which copies it anew"
    )]
    ObjectDiffers {
        key: String,
        of: String,
        target: String,
        source_has: String,
    },
    #[error(
        "evidence {key} ({of}) is not in the target's store after the copy: run migrate-store \
         again"
    )]
    ObjectNotCopied { key: String, of: String },
    #[error("the target's server secret is not the source's after the copy")]
    SecretNotCopied,
}

impl MigrateStoreError {
    /// The stable code a script or the README names.
    pub fn code(&self) -> &'static str {
        match self {
            MigrateStoreError::Usage(_) => "migrate_store.usage",
            MigrateStoreError::SourceNotSqlite(_) => "migrate_store.source_not_sqlite",
            MigrateStoreError::SourceMissing { .. } => "migrate_store.source_missing",
            MigrateStoreError::SourceInUse { .. } => "migrate_store.source_in_use",
            MigrateStoreError::SameStore { .. } => "migrate_store.same_store",
            MigrateStoreError::SourceSchema { .. } => "migrate_store.source_schema",
            MigrateStoreError::TargetSchema { .. } => "migrate_store.target_schema",
            MigrateStoreError::UnknownTable { .. } => "migrate_store.unknown_table",
            MigrateStoreError::SchemaDiffers { .. } => "migrate_store.schema_differs",
            MigrateStoreError::TargetNotEmpty { .. } => "migrate_store.target_not_empty",
            MigrateStoreError::SecretMissing { .. } => "migrate_store.secret_missing",
            MigrateStoreError::SecretDiffers { .. } => "migrate_store.secret_differs",
            MigrateStoreError::File { .. } => "migrate_store.file",
            MigrateStoreError::SourceDatabase { .. } => "migrate_store.source_database",
            MigrateStoreError::TargetDatabase { .. } => "migrate_store.target_database",
            MigrateStoreError::Evidence(_) => "migrate_store.evidence_store",
            MigrateStoreError::EvidenceStore { .. } => "migrate_store.evidence_store",
            MigrateStoreError::RowsDiffer { .. } => "migrate_store.rows_differ",
            MigrateStoreError::ObjectMissing { .. } => "migrate_store.object_missing",
            MigrateStoreError::ObjectCorrupt { .. } => "migrate_store.object_corrupt",
            MigrateStoreError::ObjectDiffers { .. } => "migrate_store.object_differs",
            MigrateStoreError::ObjectNotCopied { .. } => "migrate_store.object_not_copied",
            MigrateStoreError::SecretNotCopied => "migrate_store.secret_not_copied",
        }
    }

    /// The line printed for it: `error[CODE]: message`, on one line whatever the message
    /// holds.
    pub fn line(&self) -> String {
        let message = self.to_string().replace(['\n', '\r'], " ");
        format!("error[{}]: {message}", self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_is_one_line_with_its_code() {
        let error = MigrateStoreError::TargetSchema {
            location: "postgres://hc:***@db/hc".into(),
            source: StoreError::Corrupt("two\nlines".into()),
        };
        let line = error.line();
        assert!(
            line.starts_with("error[migrate_store.target_schema]: postgres://"),
            "{line}"
        );
        assert!(!line.contains('\n'), "{line}");
    }
}
