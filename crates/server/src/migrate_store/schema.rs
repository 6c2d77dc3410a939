//! The two schemas before anything is copied: the source's must be exactly this version's
//! migrations, and both must have exactly the tables `tables::TABLES` knows how to carry,
//! with the same columns and keys.

use super::error::MigrateStoreError;
use super::tables::{Carry, TABLES};
use crate::store::copy::{self, TableShape};
use crate::store::{Engine, Store};

/// A schema's version as messages name it: its latest migration.
pub(super) fn latest(versions: &[i64]) -> String {
    match versions.iter().max() {
        Some(v) => format!("migration {v:04}"),
        None => "no migration".into(),
    }
}

/// The source's schema must be exactly this version's; returns its latest migration.
pub(super) async fn check_source_schema(
    source: &sqlx::AnyPool,
    location: &str,
) -> Result<i64, MigrateStoreError> {
    let applied = crate::store::applied_migrations(source, Engine::Sqlite)
        .await
        .map_err(|e| MigrateStoreError::SourceDatabase {
            location: location.to_owned(),
            source: e,
        })?;
    let ours = crate::store::migrations(Engine::Sqlite);
    let ours_versions: Vec<i64> = ours.iter().map(|m| m.version).collect();
    let theirs: Vec<i64> = applied.iter().map(|(v, _, _)| *v).collect();
    let fail = |advice| MigrateStoreError::SourceSchema {
        location: location.to_owned(),
        found: latest(&theirs),
        ours: latest(&ours_versions),
        advice,
    };
    if theirs.iter().any(|v| !ours_versions.contains(v)) {
        return Err(fail(
            "a newer helpcenter-server wrote it; run migrate-store with that version",
        ));
    }
    if theirs != ours_versions {
        return Err(fail(
            "bring it up to date first with this version (`helpcenter-server migrate \
             --data-dir DIR`, or start its server once), then run migrate-store again",
        ));
    }
    for (version, _, checksum) in &applied {
        if ours
            .iter()
            .any(|m| m.version == *version && *m.checksum != checksum[..])
        {
            return Err(fail(
                "a migration was applied from another text: the database and this \
                 helpcenter-server are not of the same release line",
            ));
        }
    }
    Ok(ours_versions.last().copied().unwrap_or_default())
}

/// The source's tables, each one [`TABLES`] knows (checked before the target is touched).
pub(super) async fn known_tables(
    source: &sqlx::AnyPool,
    location: &str,
) -> Result<Vec<String>, MigrateStoreError> {
    let in_source = copy::tables(source, Engine::Sqlite).await.map_err(|e| {
        MigrateStoreError::SourceDatabase {
            location: location.to_owned(),
            source: e,
        }
    })?;
    if let Some(unknown) = in_source
        .iter()
        .find(|t| !TABLES.iter().any(|(known, _)| known == t))
    {
        return Err(MigrateStoreError::UnknownTable {
            table: unknown.clone(),
        });
    }
    Ok(in_source)
}

/// The shapes of the tables whose rows are carried, in copy order, after checking that both
/// schemas have exactly the tables [`TABLES`] knows, with the same columns.
pub(super) async fn table_shapes(
    source: &sqlx::AnyPool,
    source_location: &str,
    in_source: &[String],
    target: &Store,
    target_location: &str,
) -> Result<Vec<TableShape>, MigrateStoreError> {
    let source_error = |e| MigrateStoreError::SourceDatabase {
        location: source_location.to_owned(),
        source: e,
    };
    let target_error = |e| MigrateStoreError::TargetDatabase {
        location: target_location.to_owned(),
        source: e,
    };
    let in_target = copy::tables(&target.pool, target.engine())
        .await
        .map_err(target_error)?;
    let mut shapes = Vec::new();
    for (table, carry) in TABLES {
        for (side, list) in [("source", in_source), ("target", &in_target[..])] {
            if !list.iter().any(|t| t == table) {
                return Err(MigrateStoreError::SchemaDiffers {
                    table: table.to_string(),
                    detail: format!("the {side}'s schema does not have it"),
                });
            }
        }
        if *carry != Carry::Rows {
            continue;
        }
        let ours = copy::shape(source, Engine::Sqlite, table)
            .await
            .map_err(source_error)?;
        let theirs = copy::shape(&target.pool, target.engine(), table)
            .await
            .map_err(target_error)?;
        let mut a = ours.columns.clone();
        let mut b = theirs.columns.clone();
        a.sort_by(|x, y| x.name.cmp(&y.name));
        b.sort_by(|x, y| x.name.cmp(&y.name));
        if a != b || ours.key != theirs.key {
            let names = |columns: &[copy::Column]| {
                columns
                    .iter()
                    .map(|c| format!("{} {:?}", c.name, c.kind))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(MigrateStoreError::SchemaDiffers {
                table: table.to_string(),
                detail: format!(
                    "the source has columns ({}) keyed by {}, the target ({}) keyed by {}",
                    names(&a),
                    ours.key.join("+"),
                    names(&b),
                    theirs.key.join("+")
                ),
            });
        }
        shapes.push(ours);
    }
    Ok(shapes)
}
