//! Server-side sessions: a 128-bit random token in an HttpOnly cookie, only its SHA-256
//! stored, idle and absolute timeouts, and the per-request `CurrentUser` with the
//! permission `Viewer` built from the database.

use super::db::{Db, now_ms, random_token, sha256_hex};
use super::{AppState, AuthConfig};
use crate::auth::{EstablishmentInfo, Me};
use crate::error::AppError;
use domain::{ClassId, EstablishmentId, GroupId, Membership, Role, Service, SubjectId, TeachingUnit, UserId, Viewer};
use sqlx::Row;
use std::collections::HashSet;
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

/// `last_seen_at` is written at most once per this long per session, by requests and by
/// socket traffic alike: a session is refreshed to the minute, and reads stay cheap.
pub const REFRESH_EVERY_MS: i64 = 60_000;

/// Removes sessions past their idle or absolute timeout and returns their token hashes, so
/// that their open sockets are closed too ([`end_closed_sessions`]). They are already refused
/// at each request; this keeps the table to the sessions still open.
pub async fn purge_expired(db: &Db, config: &AuthConfig) -> Result<Vec<String>, sqlx::Error> {
    let now = now_ms();
    sqlx::query_scalar("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2 RETURNING token_hash")
        .bind(now - config.idle_timeout_ms)
        .bind(now - config.absolute_timeout_ms)
        .fetch_all(db)
        .await
}

/// Of these sessions, the ones still open: present, within both timeouts, their person
/// active. Asked in batches (a node may hold thousands of sockets).
pub async fn still_open(db: &Db, config: &AuthConfig, token_hashes: &[String]) -> Result<HashSet<String>, sqlx::Error> {
    let now = now_ms();
    let mut open = HashSet::new();
    for batch in token_hashes.chunks(500) {
        let list: Vec<String> = (0..batch.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!(
            "SELECT s.token_hash FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.last_seen_at >= $1 AND s.created_at >= $2 AND u.active = 1 AND s.token_hash IN ({})",
            list.join(", ")
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql)
            .bind(now - config.idle_timeout_ms)
            .bind(now - config.absolute_timeout_ms);
        for h in batch {
            q = q.bind(h);
        }
        open.extend(q.fetch_all(db).await?);
    }
    Ok(open)
}

/// Ends the sessions that expired, and closes the sockets of every session that is no longer
/// open, whatever ended it (expiry, a deletion whose announcement was lost, a deactivation on
/// another node): run by the housekeeping loop and after the node bus listens again.
/// Returns how many sessions were purged and how many with open sockets were found closed.
pub async fn end_closed_sessions(state: &AppState) -> Result<(usize, usize), sqlx::Error> {
    let purged = purge_expired(&state.db, &state.auth).await?;
    state.realtime.end_sessions(purged.iter());
    let watched = state.realtime.open_session_hashes();
    let open = still_open(&state.db, &state.auth, &watched).await?;
    let closed: Vec<String> = watched.into_iter().filter(|h| !open.contains(h)).collect();
    state.realtime.end_sessions(closed.iter());
    Ok((purged.len(), closed.len()))
}

/// Socket traffic the person made (typing in a pad, answering a quiz) keeps their session
/// alive as a request would: `last_seen_at` is written in the background, at most once per
/// [`REFRESH_EVERY_MS`] per session in this process. An expired session is not revived (the
/// housekeeping loop closes its sockets).
pub fn socket_activity(state: &AppState, token_hash: &str) {
    let now = now_ms();
    if !state.realtime.touch_due(token_hash, now, REFRESH_EVERY_MS) {
        return;
    }
    let (db, hash, idle) = (state.db.clone(), token_hash.to_string(), state.auth.idle_timeout_ms);
    tokio::spawn(async move {
        let done = sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2 AND last_seen_at >= $3")
            .bind(now)
            .bind(&hash)
            .bind(now - idle)
            .execute(&db)
            .await;
        if let Err(e) = done {
            tracing::warn!(error = %e, "could not refresh a session from its socket's traffic");
        }
    });
}

/// Ends every session of a user (deactivation, password change).
pub async fn delete_all_for(db: &Db, user: UserId) -> Result<Vec<String>, AppError> {
    let hashes: Vec<String> =
        sqlx::query_scalar("SELECT token_hash FROM sessions WHERE user_id = $1").bind(user.0).fetch_all(db).await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.0).execute(db).await?;
    Ok(hashes)
}

/// Every `Set-Cookie` value Préau writes: the whole site, out of scripts' reach (`HttpOnly`),
/// `Secure` when served over https; `same_site` is `Lax` or `Strict`.
pub fn set_cookie(config: &AuthConfig, name: &str, value: &str, same_site: &str, max_age_secs: i64) -> String {
    let secure = if config.secure_cookies { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite={same_site}; Max-Age={max_age_secs}{secure}")
}

/// `Set-Cookie` value for a new session.
pub fn cookie_for(config: &AuthConfig, token: &str) -> String {
    set_cookie(config, config.cookie_name(), token, "Lax", config.absolute_timeout_ms / 1000)
}

/// `Set-Cookie` value that removes the session cookie.
pub fn clearing_cookie(config: &AuthConfig) -> String {
    set_cookie(config, config.cookie_name(), "", "Lax", 0)
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| pair.trim().strip_prefix(name)?.strip_prefix('='))
}

/// Reads the session token out of a `Cookie` header.
pub fn token_from_cookie_header(config: &AuthConfig, header: &str) -> Option<String> {
    let value = cookie_value(header, config.cookie_name())?;
    (value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit())).then(|| value.to_string())
}

/// Resolves a cookie token into the current user, ending expired sessions. The session and
/// the person behind it are read in one query (it runs on every request); `last_seen_at` is
/// refreshed at most once a minute to keep reads cheap.
pub async fn load(state: &AppState, token: &str) -> Result<Option<CurrentUser>, AppError> {
    let db = &state.db;
    let token_hash = sha256_hex(token);
    let rows = sqlx::query(PERSON_FACTS_BY_SESSION).bind(&token_hash).fetch_all(db).await?;
    let mut session = None;
    for r in &rows {
        if r.try_get::<String, _>("kind")? == "session" {
            let user = UserId(r.try_get("a")?);
            let created: Option<i64> = r.try_get("b")?;
            let last_seen: Option<i64> = r.try_get("c")?;
            let active: Option<i64> = r.try_get("d")?;
            session = Some((user, created.unwrap_or(0), last_seen.unwrap_or(0), active.unwrap_or(0)));
        }
    }
    let Some((user, created, last_seen, active)) = session else { return Ok(None) };
    let now = now_ms();
    let expired =
        now - last_seen > state.auth.idle_timeout_ms || now - created > state.auth.absolute_timeout_ms || active == 0;
    if expired {
        delete(db, &token_hash).await?;
        // Its sockets too, on every node (they may not have made a request since).
        state.realtime.end_sessions([&token_hash]);
        return Ok(None);
    }
    if now - last_seen > REFRESH_EVERY_MS {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(&token_hash)
            .execute(db)
            .await?;
    }
    let (me, viewer) = person_from_facts(user, &rows)?;
    Ok(Some(CurrentUser { me, viewer, token_hash }))
}

/// Everything about a person that pages and permission checks need, read in one round trip:
/// one row per fact, tagged by `kind`, for the person in the CTE `me` that each caller puts
/// in front. NULLs are cast so that PostgreSQL types the union's columns the same in every
/// branch.
macro_rules! person_facts {
    ($me:literal) => {
        concat!(
            $me,
            "
    SELECT 'user' AS kind, u.region_admin AS a, CAST(NULL AS BIGINT) AS b, CAST(NULL AS BIGINT) AS c,
           CAST(NULL AS BIGINT) AS d, u.username AS s1, u.first_name AS s2, u.last_name AS s3
      FROM me JOIN users u ON u.id = me.user_id
    UNION ALL
    SELECT 'session', me.user_id, me.created_at, me.last_seen_at, u.active, NULL, NULL, NULL
      FROM me JOIN users u ON u.id = me.user_id WHERE me.created_at IS NOT NULL
    UNION ALL
    SELECT 'member', m.establishment_id, NULL, NULL, NULL, m.role, e.name, e.uai
      FROM memberships m JOIN establishments e ON e.id = m.establishment_id
     WHERE m.user_id = (SELECT user_id FROM me)
    UNION ALL
    SELECT 'child', student_id, NULL, NULL, NULL, NULL, NULL, NULL
      FROM guardianships WHERE guardian_id = (SELECT user_id FROM me)
    UNION ALL
    SELECT 'teaches', establishment_id, class_id, group_id, subject_id, NULL, NULL, NULL
      FROM assignments WHERE teacher_id = (SELECT user_id FROM me)
    UNION ALL
    SELECT 'enrolled', c.establishment_id, c.id, NULL, NULL, NULL, NULL, NULL
      FROM class_students cs JOIN classes c ON c.id = cs.class_id WHERE cs.student_id = (SELECT user_id FROM me)
    UNION ALL
    SELECT 'enrolled', g.establishment_id, NULL, g.id, NULL, NULL, NULL, NULL
      FROM group_students gs JOIN student_groups g ON g.id = gs.group_id WHERE gs.student_id = (SELECT user_id FROM me)
    UNION ALL
    SELECT 'heads', establishment_id, id, NULL, NULL, NULL, NULL, NULL
      FROM classes WHERE head_teacher_id = (SELECT user_id FROM me)"
        )
    };
}

/// The facts of the person whose id is `$1`.
const PERSON_FACTS: &str = person_facts!(
    "WITH me AS (SELECT id AS user_id, CAST(NULL AS BIGINT) AS created_at, CAST(NULL AS BIGINT) AS last_seen_at
                  FROM users WHERE id = $1)"
);

/// The facts of the person behind the session whose token hash is `$1`, plus a `session` row
/// (user id, creation, last use, whether the account is active) when the session exists.
const PERSON_FACTS_BY_SESSION: &str =
    person_facts!("WITH me AS (SELECT user_id, created_at, last_seen_at FROM sessions WHERE token_hash = $1)");

pub async fn load_person(db: &Db, user: UserId) -> Result<(Me, Viewer), AppError> {
    let rows = sqlx::query(PERSON_FACTS).bind(user.0).fetch_all(db).await?;
    person_from_facts(user, &rows)
}

fn person_from_facts(user: UserId, rows: &[sqlx::any::AnyRow]) -> Result<(Me, Viewer), AppError> {
    let mut viewer = Viewer {
        user,
        region_admin: false,
        memberships: Vec::new(),
        children: Vec::new(),
        teaches: Vec::new(),
        enrolled_in: Vec::new(),
        heads: Vec::new(),
    };
    let mut names: Option<(String, String, String)> = None;
    let mut establishments: Vec<EstablishmentInfo> = Vec::new();
    for r in rows {
        let a: i64 = r.try_get("a")?;
        let b: Option<i64> = r.try_get("b")?;
        let c: Option<i64> = r.try_get("c")?;
        let unit = match (b, c) {
            (Some(class), _) => Some(TeachingUnit::Class(ClassId(class))),
            (None, Some(group)) => Some(TeachingUnit::Group(GroupId(group))),
            (None, None) => None,
        };
        let est = EstablishmentId(a);
        match r.try_get::<String, _>("kind")?.as_str() {
            "user" => {
                viewer.region_admin = a != 0;
                names = Some((r.try_get("s1")?, r.try_get("s2")?, r.try_get("s3")?));
            }
            "member" => {
                // A role this version does not know grants nothing.
                if let Some(role) = Role::from_code(&r.try_get::<String, _>("s1")?) {
                    viewer.memberships.push(Membership { establishment: est, role });
                }
                if !establishments.iter().any(|e| e.id == est) {
                    establishments.push(EstablishmentInfo { id: est, name: r.try_get("s2")?, uai: r.try_get("s3")? });
                }
            }
            "child" => viewer.children.push(UserId(a)),
            "teaches" => {
                if let (Some(unit), Some(subject)) = (unit, r.try_get::<Option<i64>, _>("d")?) {
                    viewer.teaches.push(Service { establishment: est, unit, subject: SubjectId(subject) });
                }
            }
            "enrolled" => viewer.enrolled_in.extend(unit.map(|u| (est, u))),
            "heads" => viewer.heads.extend(b.map(|class| (est, ClassId(class)))),
            _ => {}
        }
    }
    let Some((username, first_name, last_name)) = names else {
        return Err(AppError::NotFound);
    };
    viewer.memberships.sort_by_key(|m| m.establishment);
    // The establishment the person acts in: the first of theirs.
    establishments.sort_by_key(|e| e.id);
    let establishment = establishments.into_iter().next();
    let roles = establishment.as_ref().map(|e| viewer.roles_in(e.id)).unwrap_or_default();
    let me = Me { id: user, username, first_name, last_name, region_admin: viewer.region_admin, establishment, roles };
    Ok((me, viewer))
}
