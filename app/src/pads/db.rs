//! SQL of pads: the pads and who may edit them, and their text as durable Yjs updates.
//!
//! A pad's text is its snapshot (`pad_snapshots`, the whole state up to `upto_seq`) plus the
//! updates appended since (`pad_updates`, in `seq` order), each stored as base64 TEXT: the
//! one column type that reads back the same through sqlx's `Any` driver on SQLite and
//! PostgreSQL. The hub appends a row and commits it before acknowledging it
//! ([`append`], the database numbering it, so several server processes may write one pad);
//! [`compact`] folds rows into a new snapshot and deletes them in one transaction, and a
//! reader ([`load_after`]) reads rows before snapshot, so it sees each row or a snapshot
//! that holds it.

use super::PadLine;
use crate::error::AppError;
use crate::server::Db;
use anyhow::Context;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use domain::{ClassId, EstablishmentId, GroupId, PadAccess, PadEditPolicy, PadId, TeachingUnit, UnitRef, UserId};
use sqlx::Row;

/// A pad to create.
pub struct NewPad {
    pub id: PadId,
    pub unit: UnitRef,
    pub title: String,
    pub policy: PadEditPolicy,
    pub created_by: UserId,
    pub created_at: i64,
}

fn unit_columns(unit: TeachingUnit) -> (Option<i64>, Option<i64>) {
    match unit {
        TeachingUnit::Class(c) => (Some(c.0), None),
        TeachingUnit::Group(g) => (None, Some(g.0)),
    }
}

fn unit_of(r: &sqlx::any::AnyRow) -> Result<TeachingUnit, AppError> {
    let class: Option<i64> = r.try_get("class_id")?;
    let group: Option<i64> = r.try_get("group_id")?;
    match (class, group) {
        (Some(c), _) => Ok(TeachingUnit::Class(ClassId(c))),
        (None, Some(g)) => Ok(TeachingUnit::Group(GroupId(g))),
        (None, None) => Err(anyhow::anyhow!("pad without a class or group").into()),
    }
}

fn policy_of(r: &sqlx::any::AnyRow) -> Result<PadEditPolicy, AppError> {
    let code: String = r.try_get("edit_policy")?;
    PadEditPolicy::from_code(&code).ok_or_else(|| anyhow::anyhow!("pad with an unknown edit policy {code}").into())
}

/// Records a new pad, refusing one more than `max` in its class or group.
pub async fn create(db: &Db, pad: &NewPad, max: usize) -> Result<(), AppError> {
    let mut tx = crate::server::db::begin_write(db).await?;
    create_in(&mut tx, pad, max).await?;
    tx.commit().await?;
    Ok(())
}

/// The same inside the caller's transaction (an imported pad and its text commit together).
pub async fn create_in(tx: &mut sqlx::Transaction<'_, sqlx::Any>, pad: &NewPad, max: usize) -> Result<(), AppError> {
    let (class, group) = unit_columns(pad.unit.unit);
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pads WHERE class_id = $1 OR group_id = $2")
        .bind(class)
        .bind(group)
        .fetch_one(&mut **tx)
        .await?;
    if count >= max as i64 {
        return Err(AppError::Invalid {
            field: "titre".into(),
            reason: format!("Cette classe compte déjà {max} pads, le maximum. Supprimez-en avant d'en créer."),
        });
    }
    sqlx::query(
        "INSERT INTO pads (id, establishment_id, class_id, group_id, title, edit_policy, locked, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8)",
    )
    .bind(pad.id.0)
    .bind(pad.unit.establishment.0)
    .bind(class)
    .bind(group)
    .bind(&pad.title)
    .bind(pad.policy.code())
    .bind(pad.created_by.0)
    .bind(pad.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn editors(db: &Db, pad: PadId) -> Result<Vec<UserId>, sqlx::Error> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT user_id FROM pad_editors WHERE pad_id = $1 ORDER BY user_id")
        .bind(pad.0)
        .fetch_all(db)
        .await?;
    Ok(ids.into_iter().map(UserId).collect())
}

/// Who may read and edit a pad; `None` when it does not exist.
pub async fn access(db: &Db, pad: PadId) -> Result<Option<PadAccess>, AppError> {
    let Some(r) =
        sqlx::query("SELECT establishment_id, class_id, group_id, edit_policy, locked FROM pads WHERE id = $1")
            .bind(pad.0)
            .fetch_optional(db)
            .await?
    else {
        return Ok(None);
    };
    Ok(Some(PadAccess {
        establishment: EstablishmentId(r.try_get("establishment_id")?),
        unit: unit_of(&r)?,
        policy: policy_of(&r)?,
        editors: editors(db, pad).await?,
        locked: r.try_get::<i64, _>("locked")? != 0,
    }))
}

/// Stores a pad's new access (policy, named editors, lock) in one transaction.
pub async fn set_access(db: &Db, pad: PadId, access: &PadAccess) -> Result<(), AppError> {
    let mut tx = crate::server::db::begin_write(db).await?;
    sqlx::query("UPDATE pads SET edit_policy = $1, locked = $2 WHERE id = $3")
        .bind(access.policy.code())
        .bind(i64::from(access.locked))
        .bind(pad.0)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM pad_editors WHERE pad_id = $1").bind(pad.0).execute(&mut *tx).await?;
    for user in &access.editors {
        sqlx::query("INSERT INTO pad_editors (pad_id, user_id) VALUES ($1, $2)")
            .bind(pad.0)
            .bind(user.0)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

const LINE_COLUMNS: &str = "id, title, edit_policy, locked, last_edit_at";

async fn pad_line(db: &Db, r: &sqlx::any::AnyRow, can_manage: bool) -> Result<PadLine, AppError> {
    let id = PadId(r.try_get("id")?);
    let last_edit_at: Option<i64> = r.try_get("last_edit_at")?;
    Ok(PadLine {
        id,
        title: r.try_get("title")?,
        policy: policy_of(r)?,
        editors: editors(db, id).await?,
        locked: r.try_get::<i64, _>("locked")? != 0,
        last_edit_at,
        last_edit: last_edit_at.map(domain::paris::format_datetime),
        can_manage,
        editing: Vec::new(),
    })
}

/// One pad as the list shows it.
pub async fn line(db: &Db, pad: PadId, can_manage: bool) -> Result<Option<PadLine>, AppError> {
    match sqlx::query(&format!("SELECT {LINE_COLUMNS} FROM pads WHERE id = $1")).bind(pad.0).fetch_optional(db).await? {
        Some(r) => Ok(Some(pad_line(db, &r, can_manage).await?)),
        None => Ok(None),
    }
}

/// A class's or group's pads, most recently edited first (never edited: newest first).
pub async fn list(db: &Db, unit: TeachingUnit, can_manage: bool) -> Result<Vec<PadLine>, AppError> {
    let (class, group) = unit_columns(unit);
    let rows = sqlx::query(&format!(
        "SELECT {LINE_COLUMNS} FROM pads WHERE class_id = $1 OR group_id = $2
         ORDER BY COALESCE(last_edit_at, created_at) DESC, id DESC"
    ))
    .bind(class)
    .bind(group)
    .fetch_all(db)
    .await?;
    let mut lines = Vec::with_capacity(rows.len());
    for r in &rows {
        lines.push(pad_line(db, r, can_manage).await?);
    }
    Ok(lines)
}

/// Every class and group of an establishment with its name, classes first, by name.
pub async fn units(db: &Db, establishment: EstablishmentId) -> Result<Vec<(TeachingUnit, String)>, AppError> {
    let rows = sqlx::query(
        "SELECT id, NULL AS group_id, name, 0 AS kind FROM classes WHERE establishment_id = $1
         UNION ALL
         SELECT NULL AS id, id AS group_id, name, 1 AS kind FROM student_groups WHERE establishment_id = $1
         ORDER BY kind, name",
    )
    .bind(establishment.0)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            let class: Option<i64> = r.try_get("id")?;
            let group: Option<i64> = r.try_get("group_id")?;
            let unit = match (class, group) {
                (Some(c), _) => TeachingUnit::Class(ClassId(c)),
                (None, Some(g)) => TeachingUnit::Group(GroupId(g)),
                (None, None) => return Err(anyhow::anyhow!("a unit without id").into()),
            };
            Ok((unit, r.try_get("name")?))
        })
        .collect()
}

/// A pad's title and the name of its class or group.
pub async fn title_and_unit(db: &Db, pad: PadId) -> Result<Option<(String, String)>, AppError> {
    let row = sqlx::query(
        "SELECT p.title, COALESCE(c.name, g.name) AS unit_name FROM pads p
         LEFT JOIN classes c ON c.id = p.class_id LEFT JOIN student_groups g ON g.id = p.group_id
         WHERE p.id = $1",
    )
    .bind(pad.0)
    .fetch_optional(db)
    .await?;
    match row {
        Some(r) => Ok(Some((r.try_get("title")?, r.try_get::<Option<String>, _>("unit_name")?.unwrap_or_default()))),
        None => Ok(None),
    }
}

/// A pad's text as stored: its snapshot (if any) then the updates appended since, in order.
#[derive(Debug, Default)]
pub struct StoredPad {
    /// Yjs v1 updates to apply in this order: the snapshot first when there is one (see
    /// [`StoredPad::snapshot_upto`]), then one per row.
    pub updates: Vec<Vec<u8>>,
    /// `Some(upto_seq)` when `updates` starts with the snapshot, which holds every row up to it.
    pub snapshot_upto: Option<i64>,
    /// The `seq` of each row after the snapshot, in the order of `updates`.
    pub seqs: Vec<i64>,
    /// The `seq` of the last row (or of the snapshot): every row up to it is in `updates`.
    pub last_seq: i64,
    /// Rows appended since the snapshot.
    pub rows_since_snapshot: usize,
}

fn decode(data: &str, pad: PadId) -> anyhow::Result<Vec<u8>> {
    BASE64.decode(data).with_context(|| format!("decoding a stored update of pad {pad}"))
}

/// Reads a pad's whole text: its snapshot and the rows after it.
pub async fn load(db: &Db, pad: PadId) -> anyhow::Result<StoredPad> {
    load_after(db, pad, 0).await
}

/// Reads what a replica holding every row up to `after` lacks: the rows after it, preceded by
/// the snapshot when one was written past `after` (another node compacted the rows it needs).
///
/// The rows are read before the snapshot, and that order makes it safe without isolation
/// (PostgreSQL's READ COMMITTED gives each statement its own view): a compaction that commits
/// between the two reads leaves rows already read that the newer snapshot holds too, and
/// applying both changes nothing. The other order could read an old snapshot, then miss the
/// rows the compaction deleted meanwhile. Snapshots only move forward ([`compact`]).
pub async fn load_after(db: &Db, pad: PadId, after: i64) -> anyhow::Result<StoredPad> {
    let rows = sqlx::query("SELECT seq, data FROM pad_updates WHERE pad_id = $1 AND seq > $2 ORDER BY seq")
        .bind(pad.0)
        .bind(after)
        .fetch_all(db)
        .await
        .with_context(|| format!("reading the updates of pad {pad}"))?;
    let snapshot = sqlx::query("SELECT upto_seq, data FROM pad_snapshots WHERE pad_id = $1 AND upto_seq > $2")
        .bind(pad.0)
        .bind(after)
        .fetch_optional(db)
        .await
        .with_context(|| format!("reading the snapshot of pad {pad}"))?;
    let mut stored = StoredPad { last_seq: after, ..StoredPad::default() };
    if let Some(r) = snapshot {
        let upto: i64 = r.try_get("upto_seq")?;
        stored.updates.push(decode(&r.try_get::<String, _>("data")?, pad)?);
        stored.snapshot_upto = Some(upto);
        stored.last_seq = upto;
    }
    for r in rows {
        let seq: i64 = r.try_get("seq")?;
        if seq <= stored.last_seq {
            continue;
        }
        stored.last_seq = seq;
        stored.seqs.push(seq);
        stored.updates.push(decode(&r.try_get::<String, _>("data")?, pad)?);
        stored.rows_since_snapshot += 1;
    }
    Ok(stored)
}

/// The channel on which PostgreSQL announces each committed row to every node (payload
/// `u:<pad>:<seq>`, see `server::bus`).
pub const NODES_CHANNEL: &str = "preau_nodes";

/// Appends one update as the pad's next row, records the edit time and the `(client id,
/// person)` pairs of clients that write in the pad for the first time (`pad_authors`),
/// committed before returning its `seq`: only then may the hub acknowledge it. The database
/// numbers the row (`pads.update_seq`), under the lock of the pad's row, so that several
/// server processes writing to one pad take turns and their rows commit in `seq` order. With
/// `announce` (on PostgreSQL, when other nodes may hold the pad) the same transaction notifies
/// [`NODES_CHANNEL`]: PostgreSQL delivers it at the commit, so no node hears of a row before
/// it is durable.
///
/// `None`, with nothing written, when the pad is locked: the lock is read under the same row
/// lock that `set_access` takes, so once a lock is committed no edit is stored, whichever
/// process received it and whether or not that process has heard of the lock yet.
pub async fn append(
    db: &Db,
    pad: PadId,
    update: &[u8],
    now: i64,
    announce: bool,
    authors: &[(u64, UserId)],
) -> anyhow::Result<Option<i64>> {
    let mut tx = crate::server::db::begin_write(db).await.context("opening a transaction")?;
    let row = sqlx::query(
        "UPDATE pads SET last_edit_at = $1, update_seq = update_seq + 1 WHERE id = $2 RETURNING update_seq, locked",
    )
    .bind(now)
    .bind(pad.0)
    .fetch_one(&mut *tx)
    .await
    .with_context(|| format!("numbering the next update of pad {pad}"))?;
    if row.try_get::<i64, _>("locked")? != 0 {
        tx.rollback().await.context("giving up an update of a locked pad")?;
        return Ok(None);
    }
    let seq: i64 = row.try_get("update_seq")?;
    super::history_db::add_authors(&mut tx, pad, authors).await?;
    sqlx::query("INSERT INTO pad_updates (pad_id, seq, data, created_at) VALUES ($1, $2, $3, $4)")
        .bind(pad.0)
        .bind(seq)
        .bind(BASE64.encode(update))
        .bind(now)
        .execute(&mut *tx)
        .await
        .with_context(|| format!("appending update {seq} of pad {pad}"))?;
    if announce {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(NODES_CHANNEL)
            .bind(format!("u:{pad}:{seq}"))
            .execute(&mut *tx)
            .await
            .with_context(|| format!("announcing update {seq} of pad {pad}"))?;
    }
    tx.commit().await.with_context(|| format!("committing update {seq} of pad {pad}"))?;
    Ok(Some(seq))
}

/// Replaces the snapshot by `state` (the whole pad up to row `upto_seq`) and deletes the
/// rows it folds, in one transaction. A snapshot never goes back: when another node has
/// written one past `upto_seq` meanwhile, this one is dropped (its rows are gone already).
pub async fn compact(db: &Db, pad: PadId, upto_seq: i64, state: &[u8], now: i64) -> anyhow::Result<()> {
    let mut tx = crate::server::db::begin_write(db).await.context("opening a transaction")?;
    sqlx::query(
        "INSERT INTO pad_snapshots (pad_id, upto_seq, data, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (pad_id) DO UPDATE SET upto_seq = excluded.upto_seq, data = excluded.data, created_at = excluded.created_at
         WHERE pad_snapshots.upto_seq < excluded.upto_seq",
    )
    .bind(pad.0)
    .bind(upto_seq)
    .bind(BASE64.encode(state))
    .bind(now)
    .execute(&mut *tx)
    .await
    .with_context(|| format!("writing the snapshot of pad {pad}"))?;
    sqlx::query("DELETE FROM pad_updates WHERE pad_id = $1 AND seq <= $2")
        .bind(pad.0)
        .bind(upto_seq)
        .execute(&mut *tx)
        .await
        .with_context(|| format!("deleting the updates folded into the snapshot of pad {pad}"))?;
    tx.commit().await.with_context(|| format!("committing the snapshot of pad {pad}"))
}

/// An imported pad's first content: its whole Yjs state (one insertion by `client`), and the
/// text it shows.
pub struct FirstContent<'a> {
    pub state: &'a [u8],
    pub text: &'a str,
    pub client: u64,
}

/// Creates a pad holding a text from its first moment, in ONE transaction: the pad, its
/// state as row 1, its importer as the author of `client`, and version 1 of its history.
/// Nothing is left of it when any step fails.
pub async fn create_with_text(db: &Db, pad: &NewPad, max: usize, first: &FirstContent<'_>) -> Result<(), AppError> {
    let mut tx = crate::server::db::begin_write(db).await?;
    create_in(&mut tx, pad, max).await?;
    sqlx::query("INSERT INTO pad_updates (pad_id, seq, data, created_at) VALUES ($1, 1, $2, $3)")
        .bind(pad.id.0)
        .bind(BASE64.encode(first.state))
        .bind(pad.created_at)
        .execute(&mut *tx)
        .await?;
    // Row 1 is taken: the hub's next append numbers from here (`update_seq`).
    sqlx::query("UPDATE pads SET last_edit_at = $1, update_seq = 1 WHERE id = $2")
        .bind(pad.created_at)
        .bind(pad.id.0)
        .execute(&mut *tx)
        .await?;
    super::history_db::add_authors(&mut tx, pad.id, &[(first.client, pad.created_by)]).await?;
    let version = super::history_db::NewVersion {
        created_at: pad.created_at,
        state: first.state,
        text: first.text,
        editors: &[pad.created_by],
    };
    super::history_db::insert_version(&mut tx, pad.id, &version).await?;
    tx.commit().await?;
    Ok(())
}

/// A fresh Yjs client id for an edit the server makes on someone's behalf (an import, a
/// restore): random, 53 bits as Yjs uses, never 0.
pub fn random_client_id() -> anyhow::Result<u64> {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok((u64::from_le_bytes(b) & domain::pad::MAX_CLIENT_ID).max(1))
}
