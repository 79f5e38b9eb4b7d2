//! The audit log page: logins, failures, refused accesses and admin actions of the
//! establishment, newest first. Readable by direction and administrators.

use crate::components::Async;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Entries shown per page.
pub const AUDIT_PAGE_SIZE: i64 = 200;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditLine {
    pub at_ms: i64,
    pub actor: String,
    pub action: String,
    pub detail: String,
    pub ip: String,
    /// How many events this line stands for (throttled logins of one address within a
    /// minute share one line).
    pub count: i64,
}

/// French label of an audit action code.
pub fn action_label(code: &str) -> &'static str {
    match code {
        "login" => "Connexion",
        "login_failed" => "Échec de connexion",
        "password_changed" => "Mot de passe changé",
        "password_change_failed" => "Changement de mot de passe refusé (mot de passe actuel incorrect)",
        "other_sessions_ended" => "Autres sessions fermées",
        "login_throttled" => "Connexion ralentie (trop d'échecs)",
        "logout" => "Déconnexion",
        "activation" => "Activation du compte",
        "activation_failed" => "Échec d'activation",
        "access_refused" => "Accès refusé",
        "admin" => "Administration",
        "grade" => "Note modifiée",
        "appreciation" => "Appréciations",
        "period_closed" => "Période clôturée",
        "period_reopened" => "Période rouverte",
        _ => "Autre",
    }
}

#[server(prefix = "/api", endpoint = "journal")]
pub async fn audit_log() -> Result<Vec<AuditLine>, AppError> {
    crate::server::respond(ssr::audit_log().await)
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::server::{audit, require_user, state};
    use domain::permissions::can_view_audit_log;
    use sqlx::Row;

    pub async fn audit_log() -> Result<Vec<AuditLine>, AppError> {
        let user = require_user()?;
        let st = state()?;
        let Some(est) = user.establishment().filter(|e| can_view_audit_log(&user.viewer, *e)) else {
            audit::refused(&st.db, &user, "journal").await;
            return Err(AppError::Forbidden);
        };
        // Failed logins name no establishment (the account may not exist); they are shown
        // when the name tried is an account of this establishment.
        let rows = sqlx::query(
            "SELECT at, actor_name, action, detail, ip, repeat_count FROM audit_log
             WHERE establishment_id = $1
                OR (establishment_id IS NULL AND actor_name IN (
                    SELECT u.username FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.establishment_id = $1))
             ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(est.0)
        .bind(AUDIT_PAGE_SIZE)
        .fetch_all(&st.db)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(AuditLine {
                    at_ms: r.try_get("at")?,
                    actor: r.try_get("actor_name")?,
                    action: r.try_get("action")?,
                    detail: r.try_get("detail")?,
                    ip: r.try_get("ip")?,
                    count: r.try_get("repeat_count")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(AppError::from)
    }
}

/// "2026-11-23 08:02:11 UTC" from milliseconds (no time-zone database in the browser bundle).
pub fn format_utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| audit_log());
    view! {
        <header class="page-head">
            <h1>"Journal des accès"</h1>
            <p class="muted">"Connexions, échecs, accès refusés et actions d'administration, du plus récent au plus ancien (" {AUDIT_PAGE_SIZE} " au plus)."</p>
        </header>
        <Async resource=data ok={|lines: Vec<AuditLine>| view! {
            <div class="table-wrap" tabindex="0">
                <table class="table">
                    <thead><tr><th scope="col">"Date"</th><th scope="col">"Compte"</th><th scope="col">"Événement"</th><th scope="col">"Détail"</th><th scope="col">"Adresse"</th></tr></thead>
                    <tbody>
                        {lines.into_iter().map(|l| view! {
                            <tr>
                                <td>{format_utc(l.at_ms)}</td>
                                <td>{l.actor}</td>
                                <td>{action_label(&l.action)}</td>
                                <td>{l.detail}{(l.count > 1).then(|| format!(" ({} fois en une minute)", l.count))}</td>
                                <td>{l.ip}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        }}/>
    }
}

#[cfg(test)]
mod tests {
    use super::format_utc;

    #[test]
    fn a_timestamp_is_shown_as_a_utc_date() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_utc(1_795_420_931_000), "2026-11-23 08:02:11 UTC");
    }
}
