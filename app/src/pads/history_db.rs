//! SQL of pads' history and authorship: saved versions (`pad_versions`, with who edited
//! since the previous one in `pad_version_editors`) and which person writes with which Yjs
//! client id (`pad_authors`). Migration `20261201061500_pad_history.sql`.
//!
//! The hub writes versions in the background ([`save_version`], which also thins old ones
//! in the same transaction) and records authors with the row that first holds their
//! insertions (`db::append`). The pages read them here.

use crate::server::Db;
use anyhow::Context;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use domain::{PadId, UserId};
use sqlx::Row;

/// Most versions kept per pad. Saving one more removes one older version (never the first
/// nor the newest): the one saved closest in time after its predecessor, whose editors are
/// added to the version that follows it. A pad edited for months keeps versions spread
/// over its whole life, denser where they were far apart.
pub const MAX_VERSIONS_PER_PAD: usize = 100;

/// A version to save: the pad's whole state and its text at `created_at`, and who edited
/// since the previous version.
pub struct NewVersion<'a> {
    pub created_at: i64,
    pub state: &'a [u8],
    pub text: &'a str,
    pub editors: &'a [UserId],
}

/// One saved version, as the history lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionRow {
    pub version: i64,
    pub created_at: i64,
    /// Who edited since the previous version: (id, "Prénom Nom"), by name.
    pub editors: Vec<(UserId, String)>,
}

fn full_name(r: &sqlx::any::AnyRow) -> Result<String, sqlx::Error> {
    Ok(format!("{} {}", r.try_get::<String, _>("first_name")?, r.try_get::<String, _>("last_name")?))
}

/// Inserts `(client, user)` pairs of a pad that are not there yet, inside the caller's
/// transaction (the row that holds their first insertions).
pub async fn add_authors(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    pad: PadId,
    authors: &[(u64, UserId)],
) -> anyhow::Result<()> {
    for (client, user) in authors {
        sqlx::query(
            "INSERT INTO pad_authors (pad_id, client_id, user_id) VALUES ($1, $2, $3)
             ON CONFLICT (pad_id, client_id) DO NOTHING",
        )
        .bind(pad.0)
        .bind(*client as i64)
        .bind(user.0)
        .execute(&mut **tx)
        .await
        .with_context(|| format!("recording the author of client {client} in pad {pad}"))?;
    }
    Ok(())
}

/// Who writes with which client id in a pad: (client, person).
pub async fn authors(db: &Db, pad: PadId) -> anyhow::Result<Vec<(u64, UserId)>> {
    let rows = sqlx::query("SELECT client_id, user_id FROM pad_authors WHERE pad_id = $1")
        .bind(pad.0)
        .fetch_all(db)
        .await
        .with_context(|| format!("reading the authors of pad {pad}"))?;
    rows.iter()
        .map(|r| Ok((r.try_get::<i64, _>("client_id")? as u64, UserId(r.try_get("user_id")?))))
        .collect::<Result<_, sqlx::Error>>()
        .context("reading an author row")
}

/// The pad's authors with their names: (client, person, "Prénom Nom").
pub async fn author_names(db: &Db, pad: PadId) -> anyhow::Result<Vec<(u64, UserId, String)>> {
    let rows = sqlx::query(
        "SELECT a.client_id, a.user_id, u.first_name, u.last_name FROM pad_authors a
         JOIN users u ON u.id = a.user_id WHERE a.pad_id = $1",
    )
    .bind(pad.0)
    .fetch_all(db)
    .await
    .with_context(|| format!("reading the authors of pad {pad}"))?;
    rows.iter()
        .map(|r| Ok((r.try_get::<i64, _>("client_id")? as u64, UserId(r.try_get("user_id")?), full_name(r)?)))
        .collect::<Result<_, sqlx::Error>>()
        .context("reading an author row")
}

/// The text of the pad's newest version, if it has one (the hub saves a version only when
/// the text changed since).
pub async fn last_version_text(db: &Db, pad: PadId) -> anyhow::Result<Option<String>> {
    sqlx::query_scalar("SELECT text FROM pad_versions WHERE pad_id = $1 ORDER BY version DESC LIMIT 1")
        .bind(pad.0)
        .fetch_optional(db)
        .await
        .with_context(|| format!("reading the last version of pad {pad}"))
}

/// Saves a version in one transaction, then, beyond [`MAX_VERSIONS_PER_PAD`], removes the
/// older version closest in time to its predecessor (see the constant) and gives its editors
/// to the next one. Returns the new version's number.
pub async fn save_version(db: &Db, pad: PadId, v: &NewVersion<'_>) -> anyhow::Result<i64> {
    let mut tx = crate::server::db::begin_write(db).await.context("opening a transaction")?;
    let version = insert_version(&mut tx, pad, v).await?;
    thin(&mut tx, pad).await?;
    tx.commit().await.with_context(|| format!("committing version {version} of pad {pad}"))?;
    Ok(version)
}

/// Inserts a version inside the caller's transaction; returns its number.
pub async fn insert_version(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    pad: PadId,
    v: &NewVersion<'_>,
) -> anyhow::Result<i64> {
    let last: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM pad_versions WHERE pad_id = $1")
        .bind(pad.0)
        .fetch_one(&mut **tx)
        .await
        .with_context(|| format!("numbering a version of pad {pad}"))?;
    let version = last.unwrap_or(0) + 1;
    sqlx::query("INSERT INTO pad_versions (pad_id, version, created_at, data, text) VALUES ($1, $2, $3, $4, $5)")
        .bind(pad.0)
        .bind(version)
        .bind(v.created_at)
        .bind(BASE64.encode(v.state))
        .bind(v.text)
        .execute(&mut **tx)
        .await
        .with_context(|| format!("writing version {version} of pad {pad}"))?;
    let mut editors = v.editors.to_vec();
    editors.sort();
    editors.dedup();
    for user in editors {
        sqlx::query("INSERT INTO pad_version_editors (pad_id, version, user_id) VALUES ($1, $2, $3)")
            .bind(pad.0)
            .bind(version)
            .bind(user.0)
            .execute(&mut **tx)
            .await
            .with_context(|| format!("writing the editors of version {version} of pad {pad}"))?;
    }
    Ok(version)
}

/// Which version to remove from versions saved at these times (in order) to keep `max`:
/// none while there are at most `max`; else the index (never the first nor the last) of
/// the one closest in time after its predecessor, the earliest among equals.
pub fn version_to_thin(times: &[i64], max: usize) -> Option<usize> {
    if times.len() <= max || times.len() < 3 {
        return None;
    }
    (1..times.len() - 1).min_by_key(|&i| (times[i] - times[i - 1], i))
}

async fn thin(tx: &mut sqlx::Transaction<'_, sqlx::Any>, pad: PadId) -> anyhow::Result<()> {
    loop {
        let rows = sqlx::query("SELECT version, created_at FROM pad_versions WHERE pad_id = $1 ORDER BY version")
            .bind(pad.0)
            .fetch_all(&mut **tx)
            .await
            .with_context(|| format!("listing the versions of pad {pad}"))?;
        let mut versions = Vec::with_capacity(rows.len());
        for r in &rows {
            versions.push((r.try_get::<i64, _>("version")?, r.try_get::<i64, _>("created_at")?));
        }
        let times: Vec<i64> = versions.iter().map(|v| v.1).collect();
        let Some(i) = version_to_thin(&times, MAX_VERSIONS_PER_PAD) else { return Ok(()) };
        let (gone, next) = (versions[i].0, versions[i + 1].0);
        // Its editors now count for the next version (those not there already).
        sqlx::query(
            "INSERT INTO pad_version_editors (pad_id, version, user_id)
             SELECT pad_id, $1, user_id FROM pad_version_editors e WHERE e.pad_id = $2 AND e.version = $3
             AND NOT EXISTS (SELECT 1 FROM pad_version_editors n WHERE n.pad_id = $2 AND n.version = $1 AND n.user_id = e.user_id)",
        )
        .bind(next)
        .bind(pad.0)
        .bind(gone)
        .execute(&mut **tx)
        .await
        .with_context(|| format!("moving the editors of version {gone} of pad {pad}"))?;
        sqlx::query("DELETE FROM pad_version_editors WHERE pad_id = $1 AND version = $2")
            .bind(pad.0)
            .bind(gone)
            .execute(&mut **tx)
            .await?;
        sqlx::query("DELETE FROM pad_versions WHERE pad_id = $1 AND version = $2")
            .bind(pad.0)
            .bind(gone)
            .execute(&mut **tx)
            .await
            .with_context(|| format!("thinning version {gone} of pad {pad}"))?;
    }
}

/// A pad's versions, oldest first, with who edited in each.
pub async fn versions(db: &Db, pad: PadId) -> anyhow::Result<Vec<VersionRow>> {
    let rows = sqlx::query("SELECT version, created_at FROM pad_versions WHERE pad_id = $1 ORDER BY version")
        .bind(pad.0)
        .fetch_all(db)
        .await
        .with_context(|| format!("listing the versions of pad {pad}"))?;
    let editors = sqlx::query(
        "SELECT e.version, e.user_id, u.first_name, u.last_name FROM pad_version_editors e
         JOIN users u ON u.id = e.user_id WHERE e.pad_id = $1 ORDER BY u.last_name, u.first_name",
    )
    .bind(pad.0)
    .fetch_all(db)
    .await
    .with_context(|| format!("listing the editors of pad {pad}'s versions"))?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(VersionRow {
            version: r.try_get("version")?,
            created_at: r.try_get("created_at")?,
            editors: Vec::new(),
        });
    }
    for e in &editors {
        let version: i64 = e.try_get("version")?;
        if let Some(v) = out.iter_mut().find(|v| v.version == version) {
            v.editors.push((UserId(e.try_get("user_id")?), full_name(e)?));
        }
    }
    Ok(out)
}

/// The numbers of a pad's versions, oldest first.
pub async fn version_numbers(db: &Db, pad: PadId) -> anyhow::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT version FROM pad_versions WHERE pad_id = $1 ORDER BY version")
        .bind(pad.0)
        .fetch_all(db)
        .await
        .with_context(|| format!("listing the versions of pad {pad}"))
}

/// The text of one version; `None` when the pad has no such version.
pub async fn version_text(db: &Db, pad: PadId, version: i64) -> anyhow::Result<Option<String>> {
    sqlx::query_scalar("SELECT text FROM pad_versions WHERE pad_id = $1 AND version = $2")
        .bind(pad.0)
        .bind(version)
        .fetch_optional(db)
        .await
        .with_context(|| format!("reading version {version} of pad {pad}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_removes_the_version_closest_to_its_predecessor_never_the_first_or_last() {
        assert_eq!(version_to_thin(&[0, 10, 20], 3), None);
        assert_eq!(version_to_thin(&[0, 10, 12, 30], 3), Some(2));
        // Equal gaps: the earliest goes.
        assert_eq!(version_to_thin(&[0, 5, 10, 15], 3), Some(1));
        // Only the first and the last are close: the last one stays, the middle one goes.
        assert_eq!(version_to_thin(&[0, 100, 101], 2), Some(1));
        assert_eq!(version_to_thin(&[0, 1], 1), None);
    }
}
