//! SQL of accounts and login throttling.

use crate::server::db::{Db, now_ms};
use domain::UserId;
use domain::throttle::ThrottlePolicy;
use sqlx::Row;

pub struct Credentials {
    pub id: UserId,
    pub password_hash: Option<String>,
    pub active: bool,
}

pub async fn credentials(db: &Db, username: &str) -> Result<Option<Credentials>, sqlx::Error> {
    let row = sqlx::query("SELECT id, password_hash, active FROM users WHERE username = $1")
        .bind(username)
        .fetch_optional(db)
        .await?;
    row.map(|r| {
        Ok(Credentials {
            id: UserId(r.try_get("id")?),
            password_hash: r.try_get("password_hash")?,
            active: r.try_get::<i64, _>("active")? != 0,
        })
    })
    .transpose()
}

pub struct Activation {
    pub id: UserId,
    pub code_hash: Option<String>,
    pub expires_at: Option<i64>,
    pub active: bool,
}

pub async fn activation(db: &Db, username: &str) -> Result<Option<Activation>, sqlx::Error> {
    let row = sqlx::query("SELECT id, activation_hash, activation_expires_at, active FROM users WHERE username = $1")
        .bind(username)
        .fetch_optional(db)
        .await?;
    row.map(|r| {
        Ok(Activation {
            id: UserId(r.try_get("id")?),
            code_hash: r.try_get("activation_hash")?,
            expires_at: r.try_get("activation_expires_at")?,
            active: r.try_get::<i64, _>("active")? != 0,
        })
    })
    .transpose()
}

/// Sets the password and consumes the activation code, in one statement.
pub async fn complete_activation(db: &Db, user: UserId, phc: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET password_hash = $1, activation_hash = NULL, activation_expires_at = NULL WHERE id = $2 AND activation_hash IS NOT NULL",
    )
    .bind(phc)
    .bind(user.0)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Seconds to wait before `key` may try again (0: go ahead).
pub async fn throttle_wait(db: &Db, key: &str, policy: &ThrottlePolicy) -> Result<u64, sqlx::Error> {
    let row = sqlx::query("SELECT failures, last_failure_at FROM login_throttle WHERE throttle_key = $1")
        .bind(key)
        .fetch_optional(db)
        .await?;
    Ok(match row {
        Some(r) => {
            let failures: i64 = r.try_get("failures")?;
            let last: i64 = r.try_get("last_failure_at")?;
            policy.wait_secs(failures.clamp(0, u32::MAX as i64) as u32, last, now_ms())
        }
        None => 0,
    })
}

/// Counts one more failure for `key` in one statement (an old counter starts again from one).
pub async fn throttle_fail(db: &Db, key: &str, policy: &ThrottlePolicy) -> Result<(), sqlx::Error> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO login_throttle (throttle_key, failures, last_failure_at) VALUES ($1, 1, $2)
         ON CONFLICT (throttle_key) DO UPDATE SET
           failures = CASE WHEN $2 - login_throttle.last_failure_at >= $3 THEN 1 ELSE login_throttle.failures + 1 END,
           last_failure_at = $2",
    )
    .bind(key)
    .bind(now)
    .bind((policy.forget_after_secs * 1000) as i64)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn throttle_reset(db: &Db, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_throttle WHERE throttle_key = $1").bind(key).execute(db).await?;
    Ok(())
}

/// Removes the counters whose window has passed (they would count as zero anyway): the keys
/// are chosen by clients (names tried, addresses), so they must not pile up.
pub async fn purge_throttle(db: &Db) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM login_throttle WHERE last_failure_at < $1")
        .bind(now_ms() - domain::throttle::LONGEST_WINDOW_SECS as i64 * 1000)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// Sessions of `user` other than `token_hash`.
pub async fn other_session_count(db: &Db, user: UserId, token_hash: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user.0)
        .bind(token_hash)
        .fetch_one(db)
        .await
}

/// Removes every session of `user` but `token_hash`; returns the removed ones' hashes (their
/// sockets are then closed).
pub async fn delete_other_sessions(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user: UserId,
    token_hash: &str,
) -> Result<Vec<String>, sqlx::Error> {
    let hashes: Vec<String> =
        sqlx::query_scalar("SELECT token_hash FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user.0)
            .bind(token_hash)
            .fetch_all(&mut **tx)
            .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user.0)
        .bind(token_hash)
        .execute(&mut **tx)
        .await?;
    Ok(hashes)
}

/// Replaces the password of an active account.
pub async fn set_password(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user: UserId,
    phc: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(phc).bind(user.0).execute(&mut **tx).await?;
    Ok(())
}
