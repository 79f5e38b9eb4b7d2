//! The audit log: logins (success and failure), refused accesses and admin actions, with
//! who, what, when and from where. Never a password or a token.

use super::db::{Db, new_id, now_ms};
use domain::{EstablishmentId, UserId};

/// Audit action codes (stable, shown translated in the UI).
pub mod action {
    pub const LOGIN: &str = "login";
    pub const LOGIN_FAILED: &str = "login_failed";
    pub const LOGIN_THROTTLED: &str = "login_throttled";
    pub const LOGOUT: &str = "logout";
    pub const PASSWORD_CHANGED: &str = "password_changed";
    pub const PASSWORD_CHANGE_FAILED: &str = "password_change_failed";
    pub const OTHER_SESSIONS_ENDED: &str = "other_sessions_ended";
    pub const ACTIVATION: &str = "activation";
    pub const ACTIVATION_FAILED: &str = "activation_failed";
    pub const ACCESS_REFUSED: &str = "access_refused";
    pub const ADMIN: &str = "admin";
    pub const GRADE: &str = "grade";
    pub const APPRECIATION: &str = "appreciation";
    pub const PERIOD_CLOSED: &str = "period_closed";
    pub const PERIOD_REOPENED: &str = "period_reopened";
}

/// One entry to record.
pub struct Entry<'a> {
    pub establishment: Option<EstablishmentId>,
    pub actor: Option<UserId>,
    pub actor_name: &'a str,
    pub action: &'a str,
    pub detail: &'a str,
    pub ip: &'a str,
}

/// Records an entry. Works on the pool or inside a transaction (an admin action and its
/// audit entry commit together).
pub async fn record<'e, E>(executor: E, entry: Entry<'_>) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO audit_log (id, establishment_id, actor_id, actor_name, action, detail, ip, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new_id())
    .bind(entry.establishment.map(|e| e.0))
    .bind(entry.actor.map(|a| a.0))
    .bind(entry.actor_name)
    .bind(entry.action)
    .bind(entry.detail)
    .bind(entry.ip)
    .bind(now_ms())
    .execute(executor)
    .await?;
    Ok(())
}

/// Minutes over which repeated unauthenticated events of one key share one row.
pub const COALESCE_WINDOW_MS: i64 = 60_000;

/// How often the entries counted in memory by [`Coalesced`] are written.
pub const COALESCE_FLUSH_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Most distinct keys [`Coalesced`] holds between two writes; past it, an entry is written at
/// once (a client spraying from many addresses cannot grow the server's memory).
pub const COALESCE_MAX_KEYS: usize = 10_000;

/// Entries that an unauthenticated client can cause at will (a throttled login), counted in
/// memory and written every [`COALESCE_FLUSH_EVERY`]: the entries of one key (e.g. the
/// client's address) within a minute share one row whose `repeat_count` grows. A flood thus
/// costs the database one write per key every few seconds, not one per request, and does not
/// queue in front of the pads' writes on SQLite's single writer. A process killed outright
/// loses at most the last few seconds of these counts; a graceful stop writes them.
#[derive(Default)]
pub struct Coalesced {
    pending: std::sync::Mutex<std::collections::HashMap<String, Pending>>,
}

/// One row to add to, and how many times.
struct Pending {
    establishment: Option<i64>,
    actor: Option<i64>,
    actor_name: String,
    action: String,
    detail: String,
    ip: String,
    at: i64,
    count: i64,
}

impl Pending {
    /// `entry`, seen once at `now`.
    fn once(entry: &Entry<'_>, now: i64) -> Self {
        Pending {
            establishment: entry.establishment.map(|e| e.0),
            actor: entry.actor.map(|a| a.0),
            actor_name: entry.actor_name.to_string(),
            action: entry.action.to_string(),
            detail: entry.detail.to_string(),
            ip: entry.ip.to_string(),
            at: now,
            count: 1,
        }
    }
}

impl Coalesced {
    /// Counts `entry` under `key` for the next write; `false` when [`COALESCE_MAX_KEYS`] keys
    /// are already waiting and this one is new (the caller writes it itself).
    fn count(&self, entry: &Entry<'_>, coalesce_key: String, now: i64) -> bool {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let full = pending.len() >= COALESCE_MAX_KEYS;
        match pending.entry(coalesce_key) {
            std::collections::hash_map::Entry::Occupied(mut o) => {
                let p = o.get_mut();
                p.count += 1;
                p.at = now;
                true
            }
            std::collections::hash_map::Entry::Vacant(_) if full => false,
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(Pending::once(entry, now));
                true
            }
        }
    }

    /// Writes what was counted since the last call, in one transaction; how many rows it
    /// touched. On failure the counts are kept for the next call.
    pub async fn flush(&self, db: &Db) -> Result<usize, sqlx::Error> {
        let batch: Vec<(String, Pending)> =
            std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner())).into_iter().collect();
        if batch.is_empty() {
            return Ok(0);
        }
        let written = async {
            let mut tx = super::db::begin_write(db).await?;
            for (key, p) in &batch {
                add(&mut *tx, key, p).await?;
            }
            tx.commit().await
        }
        .await;
        if let Err(e) = written {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            for (key, p) in batch {
                match pending.entry(key) {
                    std::collections::hash_map::Entry::Occupied(mut o) => o.get_mut().count += p.count,
                    std::collections::hash_map::Entry::Vacant(v) => {
                        v.insert(p);
                    }
                }
            }
            return Err(e);
        }
        Ok(batch.len())
    }
}

/// Adds `p.count` to the row of `coalesce_key`, making it if needed.
async fn add<'e, E>(executor: E, coalesce_key: &str, p: &Pending) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO audit_log (id, establishment_id, actor_id, actor_name, action, detail, ip, at, repeat_count, coalesce_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (coalesce_key) DO UPDATE SET repeat_count = audit_log.repeat_count + excluded.repeat_count, at = excluded.at",
    )
    .bind(new_id())
    .bind(p.establishment)
    .bind(p.actor)
    .bind(&p.actor_name)
    .bind(&p.action)
    .bind(&p.detail)
    .bind(&p.ip)
    .bind(p.at)
    .bind(p.count)
    .bind(coalesce_key)
    .execute(executor)
    .await?;
    Ok(())
}

/// Records an entry that an unauthenticated client can cause at will (a throttled login),
/// coalesced by `key` and minute in `pending` (see [`Coalesced`]).
pub async fn record_coalesced(db: &Db, pending: &Coalesced, entry: Entry<'_>, key: &str) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let coalesce_key = format!("{}|{key}|{}", entry.action, now.div_euclid(COALESCE_WINDOW_MS));
    if pending.count(&entry, coalesce_key.clone(), now) {
        return Ok(());
    }
    add(db, &coalesce_key, &Pending::once(&entry, now)).await
}

/// Removes the entries older than `retention_ms` (PREAU_AUDIT_RETENTION_DAYS): access logs
/// are kept as long as the CNIL recommends, not for ever. Returns how many were removed.
pub async fn purge_older_than(db: &Db, retention_ms: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM audit_log WHERE at < $1").bind(now_ms() - retention_ms).execute(db).await?;
    Ok(done.rows_affected())
}

/// Records an action of the current user in `establishment`, on the pool or inside the
/// transaction the action commits with.
pub async fn record_by<'e, E>(
    executor: E,
    user: &super::CurrentUser,
    establishment: EstablishmentId,
    action: &str,
    detail: &str,
) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let entry = Entry {
        establishment: Some(establishment),
        actor: Some(user.me.id),
        actor_name: &user.me.username,
        action,
        detail,
        ip: &super::session::client_ip(),
    };
    record(executor, entry).await
}

/// Records a refused access by the current user (best effort: a failed audit write is
/// logged, the refusal stands).
pub async fn refused(db: &Db, user: &super::CurrentUser, what: &str) {
    refused_from(db, user, what, &super::session::client_ip()).await;
}

/// [`refused`] for handlers outside a server function (WebSocket upgrades, plain axum
/// routes), which know the client's address themselves.
pub async fn refused_from(db: &Db, user: &super::CurrentUser, what: &str, ip: &str) {
    let entry = Entry {
        establishment: user.establishment(),
        actor: Some(user.me.id),
        actor_name: &user.me.username,
        action: action::ACCESS_REFUSED,
        detail: what,
        ip,
    };
    if let Err(e) = record(db, entry).await {
        tracing::error!(error = %e, "could not write the audit log");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttled(ip: &str) -> Entry<'_> {
        Entry { establishment: None, actor: None, actor_name: "x", action: action::LOGIN_THROTTLED, detail: "", ip }
    }

    /// A flood from one address is one count; keys beyond `COALESCE_MAX_KEYS` are handed back
    /// to be written at once, while the keys held go on counting.
    #[test]
    fn counts_coalesce_by_key_and_hold_at_most_the_maximum_of_keys() {
        let pending = Coalesced::default();
        for _ in 0..1000 {
            assert!(pending.count(&throttled("10.0.0.1"), "k|10.0.0.1|1".into(), 1));
        }
        for i in 1..COALESCE_MAX_KEYS {
            assert!(pending.count(&throttled("x"), format!("k|{i}|1"), 2));
        }
        assert!(!pending.count(&throttled("10.9.9.9"), "k|10.9.9.9|1".into(), 3), "one key too many");
        assert!(pending.count(&throttled("10.0.0.1"), "k|10.0.0.1|1".into(), 4), "a held key still counts");
        let held = pending.pending.lock().unwrap_or_else(|e| e.into_inner());
        assert_eq!(held.len(), COALESCE_MAX_KEYS);
        assert_eq!(held.get("k|10.0.0.1|1").map(|p| (p.count, p.at)), Some((1001, 4)));
    }
}
