//! Server functions of accounts: who am I, log in, log out, activate an imported account.
//! Thin: parse the input, check, call the SQL in `db.rs`, record the audit entry.

use crate::auth::Me;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::auth::db,
    crate::server::{audit, respond, session, state},
    domain::throttle::{ACCOUNT_POLICY, ADDRESS_POLICY},
    domain::{NewPassword, Username},
};

/// The logged-in person, or `None`.
#[server(prefix = "/api", endpoint = "moi")]
pub async fn whoami() -> Result<Option<Me>, AppError> {
    Ok(crate::server::current_user().map(|u| u.me.clone()))
}

/// Logs in with username and password; on success sets a fresh session cookie and
/// redirects to `suivant` (a local path) or the dashboard.
#[server(prefix = "/api", endpoint = "connexion")]
pub async fn login(identifiant: String, mot_de_passe: String, suivant: Option<String>) -> Result<(), AppError> {
    respond(login_inner(identifiant, mot_de_passe, suivant).await)
}

#[cfg(feature = "ssr")]
async fn login_inner(identifiant: String, mot_de_passe: String, suivant: Option<String>) -> Result<(), AppError> {
    let st = state()?;
    let ip = session::client_ip();
    let username = Username::parse(&identifiant)?;
    if mot_de_passe.is_empty() {
        return Err(AppError::Invalid { field: "mot_de_passe".into(), reason: "Saisissez votre mot de passe.".into() });
    }
    if mot_de_passe.chars().count() > domain::PASSWORD_MAX_CHARS {
        return Err(AppError::BadCredentials);
    }
    let account_key = format!("u:{username}");
    let ip_key = format!("ip:{ip}");
    let wait = db::throttle_wait(&st.db, &account_key, &ACCOUNT_POLICY)
        .await?
        .max(db::throttle_wait(&st.db, &ip_key, &ADDRESS_POLICY).await?);
    if wait > 0 {
        audit::record(
            &st.db,
            audit::Entry {
                establishment: None,
                actor: None,
                actor_name: username.as_str(),
                action: audit::action::LOGIN_THROTTLED,
                detail: "",
                ip: &ip,
            },
        )
        .await?;
        return Err(AppError::Throttled(wait));
    }

    let creds = db::credentials(&st.db, username.as_str()).await?;
    let stored = creds.as_ref().and_then(|c| c.password_hash.clone());
    let ok = st.hasher.verify(mot_de_passe, stored).await?;
    let Some(creds) = creds.filter(|_| ok) else {
        db::throttle_fail(&st.db, &account_key, &ACCOUNT_POLICY).await?;
        db::throttle_fail(&st.db, &ip_key, &ADDRESS_POLICY).await?;
        audit::record(
            &st.db,
            audit::Entry {
                establishment: None,
                actor: None,
                actor_name: username.as_str(),
                action: audit::action::LOGIN_FAILED,
                detail: "",
                ip: &ip,
            },
        )
        .await?;
        return Err(AppError::BadCredentials);
    };
    if !creds.active {
        return Err(AppError::Conflict(
            "Ce compte est désactivé. Contactez le référent numérique de votre établissement.".into(),
        ));
    }
    db::throttle_reset(&st.db, &account_key).await?;
    start_session(&st, creds.id, &ip, audit::action::LOGIN).await?;
    leptos_axum::redirect(&safe_next(suivant.as_deref()));
    Ok(())
}

/// Opens a session: ends the one the browser may already hold (a new token at each
/// login), sets the cookie, records the audit entry.
#[cfg(feature = "ssr")]
async fn start_session(
    st: &crate::server::AppState,
    user: domain::UserId,
    ip: &str,
    action: &str,
) -> Result<(), AppError> {
    if let Some(previous) = crate::server::current_user() {
        session::delete(&st.db, &previous.token_hash).await?;
        st.realtime.end_sessions([&previous.token_hash]);
    }
    let token = session::create(&st.db, user, ip).await?;
    let (me, _) = session::load_person(&st.db, user).await?;
    audit::record(
        &st.db,
        audit::Entry {
            establishment: me.establishment.as_ref().map(|e| e.id),
            actor: Some(user),
            actor_name: &me.username,
            action,
            detail: "",
            ip,
        },
    )
    .await?;
    if let Some(opts) = use_context::<leptos_axum::ResponseOptions>()
        && let Ok(v) = http::HeaderValue::from_str(&session::cookie_for(&st.auth, &token))
    {
        opts.append_header(http::header::SET_COOKIE, v);
    }
    Ok(())
}

/// Only local paths are followed after login (no open redirect).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') && !p.starts_with("/api/") => {
            p.to_string()
        }
        _ => "/".to_string(),
    }
}

/// Ends the session (and its WebSockets) and goes back to the login page.
#[server(prefix = "/api", endpoint = "deconnexion")]
pub async fn logout() -> Result<(), AppError> {
    respond(logout_inner().await)
}

#[cfg(feature = "ssr")]
async fn logout_inner() -> Result<(), AppError> {
    let st = state()?;
    if let Some(user) = crate::server::current_user() {
        session::delete(&st.db, &user.token_hash).await?;
        st.realtime.end_sessions([&user.token_hash]);
        audit::record(
            &st.db,
            audit::Entry {
                establishment: user.establishment(),
                actor: Some(user.me.id),
                actor_name: &user.me.username,
                action: audit::action::LOGOUT,
                detail: "",
                ip: &session::client_ip(),
            },
        )
        .await?;
    }
    if let Some(opts) = use_context::<leptos_axum::ResponseOptions>()
        && let Ok(v) = http::HeaderValue::from_str(&session::clearing_cookie(&st.auth))
    {
        opts.append_header(http::header::SET_COOKIE, v);
    }
    leptos_axum::redirect("/connexion");
    Ok(())
}

/// First login of an imported account: the one-time code, then a password of one's own.
#[server(prefix = "/api", endpoint = "activation")]
pub async fn activate(
    identifiant: String,
    code: String,
    mot_de_passe: String,
    confirmation: String,
) -> Result<(), AppError> {
    respond(activate_inner(identifiant, code, mot_de_passe, confirmation).await)
}

#[cfg(feature = "ssr")]
async fn activate_inner(
    identifiant: String,
    code: String,
    mot_de_passe: String,
    confirmation: String,
) -> Result<(), AppError> {
    let st = state()?;
    let ip = session::client_ip();
    let username = Username::parse(&identifiant)?;
    let key = format!("act:{username}");
    let ip_key = format!("ip:{ip}");
    let wait = db::throttle_wait(&st.db, &key, &ACCOUNT_POLICY)
        .await?
        .max(db::throttle_wait(&st.db, &ip_key, &ADDRESS_POLICY).await?);
    if wait > 0 {
        return Err(AppError::Throttled(wait));
    }
    let code = crate::auth::normalise_code(&code);
    let account = db::activation(&st.db, username.as_str()).await?;
    let valid = account.as_ref().is_some_and(|a| {
        a.active
            && a.code_hash.as_deref() == Some(crate::server::db::sha256_hex(&code).as_str())
            && a.expires_at.is_some_and(|t| t > crate::server::db::now_ms())
    });
    let Some(account) = account.filter(|_| valid) else {
        db::throttle_fail(&st.db, &key, &ACCOUNT_POLICY).await?;
        db::throttle_fail(&st.db, &ip_key, &ADDRESS_POLICY).await?;
        audit::record(
            &st.db,
            audit::Entry {
                establishment: None,
                actor: None,
                actor_name: username.as_str(),
                action: audit::action::ACTIVATION_FAILED,
                detail: "",
                ip: &ip,
            },
        )
        .await?;
        return Err(AppError::Invalid {
            field: "code".into(),
            reason: "Identifiant ou code d'activation incorrect, ou code expiré. Vérifiez la lettre remise par l'établissement.".into(),
        });
    };
    let password = NewPassword::parse(&mot_de_passe, &username)?;
    if mot_de_passe != confirmation {
        return Err(AppError::Invalid {
            field: "confirmation".into(),
            reason: "Les deux mots de passe ne sont pas identiques.".into(),
        });
    }
    let phc = st.hasher.hash(password.expose().to_string()).await?;
    if !db::complete_activation(&st.db, account.id, &phc).await? {
        return Err(AppError::Conflict("Ce compte est déjà activé. Connectez-vous avec votre mot de passe.".into()));
    }
    db::throttle_reset(&st.db, &key).await?;
    start_session(&st, account.id, &ip, audit::action::ACTIVATION).await?;
    leptos_axum::redirect("/");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(safe_next(Some("/classes/12")), "/classes/12");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
