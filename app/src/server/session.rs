//! Server-side sessions: a 128-bit random token in an HttpOnly cookie, only its SHA-256
//! stored, idle and absolute timeouts, and the per-request `CurrentUser` with the
//! permission `Viewer` built from the database.

use super::db::{Db, now_ms, random_token, sha256_hex};
use super::{AppState, AuthConfig};
use crate::auth::{EstablishmentInfo, Me};
use crate::error::AppError;
use domain::{ClassId, EstablishmentId, GroupId, Membership, Role, Service, SubjectId, TeachingUnit, UserId, Viewer};
use sqlx::Row;
use std::sync::Arc;

/// The logged-in person behind a request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub me: Me,
    pub viewer: Viewer,
    pub token_hash: String,
}

impl CurrentUser {
    /// The establishment the person acts in (their first one; region admins may have none).
    pub fn establishment(&self) -> Option<EstablishmentId> {
        self.me.establishment.as_ref().map(|e| e.id)
    }
}

/// Request extension set by the server's session layer.
#[derive(Debug, Clone, Default)]
pub struct SessionSlot(pub Option<Arc<CurrentUser>>);

/// The current user, if the request carries a live session.
pub fn current_user() -> Option<Arc<CurrentUser>> {
    let parts = leptos::prelude::use_context::<http::request::Parts>()?;
    parts.extensions.get::<SessionSlot>().and_then(|s| s.0.clone())
}

/// The current user, or `Unauthenticated`.
pub fn require_user() -> Result<Arc<CurrentUser>, AppError> {
    current_user().ok_or(AppError::Unauthenticated)
}

/// The client address of the current request.
pub fn client_ip() -> String {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<super::ClientIp>().map(|ip| ip.0.clone()))
        .unwrap_or_default()
}

/// Creates a session for `user`, returning the cookie token (shown once, never stored).
pub async fn create(db: &Db, user: UserId, ip: &str) -> Result<String, AppError> {
    let token = random_token()?;
    let now = now_ms();
    sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, ip) VALUES ($1, $2, $3, $4, $5)")
        .bind(sha256_hex(&token))
        .bind(user.0)
        .bind(now)
        .bind(now)
        .bind(ip)
        .execute(db)
        .await?;
    Ok(token)
}

pub async fn delete(db: &Db, token_hash: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(db).await?;
    Ok(())
}

/// Removes sessions past their idle or absolute timeout; returns how many. They are already
/// refused at each request; this keeps the table to the sessions still open.
pub async fn purge_expired(db: &Db, config: &AuthConfig) -> Result<u64, sqlx::Error> {
    let now = now_ms();
    let done = sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
        .bind(now - config.idle_timeout_ms)
        .bind(now - config.absolute_timeout_ms)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// Ends every session of a user (deactivation, password change).
pub async fn delete_all_for(db: &Db, user: UserId) -> Result<Vec<String>, AppError> {
    let hashes: Vec<String> =
        sqlx::query_scalar("SELECT token_hash FROM sessions WHERE user_id = $1").bind(user.0).fetch_all(db).await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.0).execute(db).await?;
    Ok(hashes)
}

/// `Set-Cookie` value for a new session.
pub fn cookie_for(config: &AuthConfig, token: &str) -> String {
    let secure = if config.secure_cookies { "; Secure" } else { "" };
    format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        config.cookie_name(),
        config.absolute_timeout_ms / 1000
    )
}

/// `Set-Cookie` value that removes the session cookie.
pub fn clearing_cookie(config: &AuthConfig) -> String {
    let secure = if config.secure_cookies { "; Secure" } else { "" };
    format!("{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}", config.cookie_name())
}

/// Reads the session token out of a `Cookie` header.
pub fn token_from_cookie_header(config: &AuthConfig, header: &str) -> Option<String> {
    header.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == config.cookie_name() && value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| value.to_string())
    })
}

/// Resolves a cookie token into the current user, ending expired sessions. Refreshes
/// `last_seen_at` at most once a minute to keep reads cheap.
pub async fn load(state: &AppState, token: &str) -> Result<Option<CurrentUser>, AppError> {
    let db = &state.db;
    let token_hash = sha256_hex(token);
    let row = sqlx::query(
        "SELECT s.user_id, s.created_at, s.last_seen_at, u.active FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
    )
    .bind(&token_hash)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let user = UserId(row.try_get("user_id")?);
    let created: i64 = row.try_get("created_at")?;
    let last_seen: i64 = row.try_get("last_seen_at")?;
    let active: i64 = row.try_get("active")?;
    let now = now_ms();
    let expired =
        now - last_seen > state.auth.idle_timeout_ms || now - created > state.auth.absolute_timeout_ms || active == 0;
    if expired {
        delete(db, &token_hash).await?;
        return Ok(None);
    }
    if now - last_seen > 60_000 {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(&token_hash)
            .execute(db)
            .await?;
    }
    let (me, viewer) = load_person(db, user).await?;
    Ok(Some(CurrentUser { me, viewer, token_hash }))
}

/// Everything about a person that pages and permission checks need.
pub async fn load_person(db: &Db, user: UserId) -> Result<(Me, Viewer), AppError> {
    let u = sqlx::query("SELECT username, first_name, last_name, region_admin FROM users WHERE id = $1")
        .bind(user.0)
        .fetch_one(db)
        .await?;
    let memberships: Vec<Membership> =
        sqlx::query("SELECT establishment_id, role FROM memberships WHERE user_id = $1 ORDER BY establishment_id")
            .bind(user.0)
            .fetch_all(db)
            .await?
            .into_iter()
            .filter_map(|r| {
                let est: i64 = r.try_get("establishment_id").ok()?;
                let role: String = r.try_get("role").ok()?;
                Some(Membership { establishment: EstablishmentId(est), role: Role::from_code(&role)? })
            })
            .collect();
    let children: Vec<UserId> =
        sqlx::query_scalar::<_, i64>("SELECT student_id FROM guardianships WHERE guardian_id = $1")
            .bind(user.0)
            .fetch_all(db)
            .await?
            .into_iter()
            .map(UserId)
            .collect();
    let teaches: Vec<Service> =
        sqlx::query("SELECT establishment_id, class_id, group_id, subject_id FROM assignments WHERE teacher_id = $1")
            .bind(user.0)
            .fetch_all(db)
            .await?
            .into_iter()
            .filter_map(|r| {
                let (establishment, unit) = unit_of(&r)?;
                Some(Service { establishment, unit, subject: SubjectId(r.try_get("subject_id").ok()?) })
            })
            .collect();
    let enrolled_in: Vec<(EstablishmentId, TeachingUnit)> = sqlx::query(
        "SELECT c.establishment_id, c.id AS class_id, NULL AS group_id FROM class_students cs JOIN classes c ON c.id = cs.class_id WHERE cs.student_id = $1
         UNION ALL
         SELECT g.establishment_id, NULL AS class_id, g.id AS group_id FROM group_students gs JOIN student_groups g ON g.id = gs.group_id WHERE gs.student_id = $1",
    )
    .bind(user.0)
    .fetch_all(db)
    .await?
    .into_iter()
    .filter_map(|r| unit_of(&r))
    .collect();

    let heads: Vec<(EstablishmentId, ClassId)> =
        sqlx::query("SELECT establishment_id, id FROM classes WHERE head_teacher_id = $1")
            .bind(user.0)
            .fetch_all(db)
            .await?
            .into_iter()
            .map(|r| Ok((EstablishmentId(r.try_get("establishment_id")?), ClassId(r.try_get("id")?))))
            .collect::<Result<_, sqlx::Error>>()?;

    let viewer = Viewer {
        user,
        region_admin: u.try_get::<i64, _>("region_admin")? != 0,
        memberships,
        children,
        teaches,
        enrolled_in,
        heads,
    };
    let establishment = match viewer.establishments().first() {
        Some(id) => {
            let e = sqlx::query("SELECT name, uai FROM establishments WHERE id = $1").bind(id.0).fetch_one(db).await?;
            Some(EstablishmentInfo { id: *id, name: e.try_get("name")?, uai: e.try_get("uai")? })
        }
        None => None,
    };
    let roles = establishment.as_ref().map(|e| viewer.roles_in(e.id)).unwrap_or_default();
    let me = Me {
        id: user,
        username: u.try_get("username")?,
        first_name: u.try_get("first_name")?,
        last_name: u.try_get("last_name")?,
        region_admin: viewer.region_admin,
        establishment,
        roles,
    };
    Ok((me, viewer))
}

fn unit_of(r: &sqlx::any::AnyRow) -> Option<(EstablishmentId, TeachingUnit)> {
    let est: i64 = r.try_get("establishment_id").ok()?;
    let class: Option<i64> = r.try_get("class_id").ok()?;
    let group: Option<i64> = r.try_get("group_id").ok()?;
    let unit = match (class, group) {
        (Some(c), _) => TeachingUnit::Class(ClassId(c)),
        (None, Some(g)) => TeachingUnit::Group(GroupId(g)),
        (None, None) => return None,
    };
    Some((EstablishmentId(est), unit))
}
