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

/// Records an entry that an unauthenticated client can cause at will (a throttled login):
/// the entries of one `key` (e.g. the client's address) within a minute share one row whose
/// `repeat_count` grows, so a flood writes one row a minute instead of one per request.
pub async fn record_coalesced(db: &Db, entry: Entry<'_>, key: &str) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let coalesce_key = format!("{}|{key}|{}", entry.action, now.div_euclid(COALESCE_WINDOW_MS));
    sqlx::query(
        "INSERT INTO audit_log (id, establishment_id, actor_id, actor_name, action, detail, ip, at, repeat_count, coalesce_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9)
         ON CONFLICT (coalesce_key) DO UPDATE SET repeat_count = audit_log.repeat_count + 1, at = excluded.at",
    )
    .bind(new_id())
    .bind(entry.establishment.map(|e| e.0))
    .bind(entry.actor.map(|a| a.0))
    .bind(entry.actor_name)
    .bind(entry.action)
    .bind(entry.detail)
    .bind(entry.ip)
    .bind(now)
    .bind(coalesce_key)
    .execute(db)
    .await?;
    Ok(())
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
