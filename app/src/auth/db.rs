//! SQL of accounts and login throttling.

use crate::server::db::{Db, now_ms};
use domain::UserId;
use domain::throttle::{AddressPolicy, ThrottlePolicy};
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

/// Counts one attempt for `key` *before* it is checked, in one statement that also refuses
/// it while the policy's delay runs (the delay is evaluated by the database from
/// `ThrottlePolicy::delay_steps`), so concurrent attempts cannot all read "no wait" before the
/// first failure is counted. Answers 0 when the attempt may go ahead (it is counted), or the
/// seconds to wait (nothing is counted). A success then resets (`throttle_reset`) or refunds
/// (`throttle_refund`) its attempt.
pub async fn throttle_take(db: &Db, key: &str, policy: &ThrottlePolicy) -> Result<u64, sqlx::Error> {
    let now = now_ms();
    // Already waiting: refused by a read, so a flood of refused attempts writes nothing (on
    // SQLite it would queue in front of every other write). The count below stays the one
    // authority on what goes ahead: a stale read can only refuse an attempt that a refund
    // made in the same instant would have let through.
    if let Some(wait) = current_wait(db, key, policy, now).await?
        && wait > 0
    {
        return Ok(wait);
    }
    let forget_ms = (policy.forget_after_secs * 1000) as i64;
    // The steps are the policy's own constants, never input: safe to write into the SQL.
    let mut delay_ms = String::from("CASE");
    for (failures, secs) in policy.delay_steps() {
        delay_ms.push_str(&format!(" WHEN login_throttle.failures <= {failures} THEN {}", secs * 1000));
    }
    delay_ms.push_str(&format!(" ELSE {} END", policy.max_delay_secs * 1000));
    let sql = format!(
        "INSERT INTO login_throttle (throttle_key, failures, last_failure_at) VALUES ($1, 1, $2)
         ON CONFLICT (throttle_key) DO UPDATE SET
           failures = CASE WHEN $2 - login_throttle.last_failure_at >= $3 THEN 1 ELSE login_throttle.failures + 1 END,
           last_failure_at = $2
         WHERE $2 - login_throttle.last_failure_at >= $3 OR $2 - login_throttle.last_failure_at >= {delay_ms}
         RETURNING failures"
    );
    let counted = sqlx::query(&sql).bind(key).bind(now).bind(forget_ms).fetch_optional(db).await?;
    if counted.is_some() {
        return Ok(0);
    }
    let wait = current_wait(db, key, policy, now).await?.unwrap_or(0);
    // Refused a moment ago: the delay may have ended since, but this attempt waits at least 1 s.
    Ok(wait.max(1))
}

/// The seconds key `key` must still wait at `now`, if it has a counter.
async fn current_wait(db: &Db, key: &str, policy: &ThrottlePolicy, now: i64) -> Result<Option<u64>, sqlx::Error> {
    let row = sqlx::query("SELECT failures, last_failure_at FROM login_throttle WHERE throttle_key = $1")
        .bind(key)
        .fetch_optional(db)
        .await?;
    row.map(|r| {
        let failures: i64 = r.try_get("failures")?;
        let last: i64 = r.try_get("last_failure_at")?;
        Ok(policy.wait_secs(failures.clamp(0, u32::MAX as i64) as u32, last, now))
    })
    .transpose()
}

/// Gives back the attempt `throttle_take` counted, when it turned out right (a live-quiz code
/// that leads to a session): only failures accumulate.
pub async fn throttle_refund(db: &Db, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE login_throttle SET failures = failures - 1 WHERE throttle_key = $1 AND failures > 0")
        .bind(key)
        .execute(db)
        .await?;
    Ok(())
}

/// Whether failures from the address `key` slow its password checks down (`AddressPolicy`).
pub async fn address_slowed(db: &Db, key: &str, policy: &AddressPolicy) -> Result<bool, sqlx::Error> {
    let row = sqlx::query("SELECT failures, last_failure_at FROM login_throttle WHERE throttle_key = $1")
        .bind(key)
        .fetch_optional(db)
        .await?;
    Ok(match row {
        Some(r) => {
            let failures: i64 = r.try_get("failures")?;
            let last: i64 = r.try_get("last_failure_at")?;
            policy.is_slowed(failures.clamp(0, u32::MAX as i64) as u32, last, now_ms())
        }
        None => false,
    })
}

/// Counts one more failure of the address `key` in one statement (a counter older than
/// `forget_after_secs` starts again from one).
pub async fn address_fail(db: &Db, key: &str, policy: &AddressPolicy) -> Result<(), sqlx::Error> {
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
