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
    // Counted before the password is checked (concurrent guesses cannot slip past the count);
    // a success resets it.
    let account_key = format!("u:{username}");
    let wait = db::throttle_take(&st.db, &account_key, &ACCOUNT_POLICY).await?;
    if wait > 0 {
        // No password is hashed for a throttled attempt, so a flood of them is cheap to send:
        // one audit row per address and minute, with a count, written every few seconds.
        audit::record_coalesced(
            &st.db,
            &st.audit_pending,
            audit::Entry {
                establishment: None,
                actor: None,
                actor_name: username.as_str(),
                action: audit::action::LOGIN_THROTTLED,
                detail: "",
                ip: &ip,
            },
            &ip,
        )
        .await?;
        return Err(AppError::Throttled(wait));
    }

    // The address never refuses a correct password (a school shares one at 8:00): its
    // failures only make its checks take turns.
    let ip_key = format!("ip:{ip}");
    let creds = db::credentials(&st.db, username.as_str()).await?;
    let stored = creds.as_ref().and_then(|c| c.password_hash.clone());
    let ok = if db::address_slowed(&st.db, &ip_key, &ADDRESS_POLICY).await? {
        st.hasher.verify_in_lane(&ip, &ADDRESS_POLICY, mot_de_passe, stored).await?
    } else {
        st.hasher.verify(mot_de_passe, stored).await?
    };
    let Some(creds) = creds.filter(|_| ok) else {
        db::address_fail(&st.db, &ip_key, &ADDRESS_POLICY).await?;
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

/// Where a login lands when `suivant` is missing or refused: the dashboard.
pub const DEFAULT_NEXT: &str = "/";

/// Longest `suivant` target followed after login, in bytes (a page's path and query are far
/// shorter; a longer one is refused, not truncated).
pub const NEXT_MAX_BYTES: usize = 2048;

/// The page a login goes on to: `next` only when it is a path of Préau itself, otherwise the
/// dashboard (no open redirect). The target is resolved as a URL against Préau's origin, as a
/// browser would, and kept only when it stays same-origin; anything a browser would strip or
/// rewrite before resolving (control characters, whitespace, backslashes), raw or
/// percent-encoded, and any encoded slash or scheme is refused outright rather than cleaned,
/// so the `Location` sent back is always a valid header value and means the same to every
/// browser.
#[cfg(feature = "ssr")]
pub fn safe_next(next: Option<&str>) -> String {
    next.and_then(local_target).unwrap_or_else(|| DEFAULT_NEXT.to_string())
}

#[cfg(feature = "ssr")]
fn local_target(raw: &str) -> Option<String> {
    let suspicious = |c: char| c.is_control() || c.is_whitespace() || c == '\\';
    if raw.len() > NEXT_MAX_BYTES || !raw.starts_with('/') || raw.starts_with("//") || raw.chars().any(suspicious) {
        return None;
    }
    // What the target says once percent-decoded: no encoded slash, backslash, dot, percent,
    // colon (an encoded scheme), control character or whitespace may hide there.
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let byte = raw.get(i + 1..i + 3).and_then(|hex| u8::from_str_radix(hex, 16).ok())?;
            if byte.is_ascii() && (byte < 0x21 || byte == 0x7f || matches!(byte, b'/' | b'\\' | b':' | b'%' | b'.')) {
                return None;
            }
            decoded.push(byte);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    if String::from_utf8_lossy(&decoded).chars().any(suspicious) {
        return None;
    }
    // Resolved against an origin of our own, it must stay on it.
    let base = url::Url::parse("https://preau.invalid/").ok()?;
    let resolved = base.join(raw).ok()?;
    if resolved.origin() != base.origin() || !resolved.username().is_empty() || resolved.password().is_some() {
        return None;
    }
    let local = &resolved[url::Position::BeforePath..];
    if !local.starts_with('/') || local.starts_with("//") || local.starts_with("/api/") {
        return None;
    }
    Some(local.to_string())
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
    // Per account only, counted before the code is checked: a code has 31^10 values, and an
    // address counter would stop a whole school activating its accounts on the first morning.
    let key = format!("act:{username}");
    let wait = db::throttle_take(&st.db, &key, &ACCOUNT_POLICY).await?;
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
    // The right code: the attempts counted so far are forgiven (a weak new password is not a guess).
    db::throttle_reset(&st.db, &key).await?;
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
    start_session(&st, account.id, &ip, audit::action::ACTIVATION).await?;
    leptos_axum::redirect("/");
    Ok(())
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::{DEFAULT_NEXT, NEXT_MAX_BYTES, safe_next};

    #[test]
    fn only_paths_of_preau_itself_are_followed_after_login() {
        let table: &[(&str, &str)] = &[
            // Kept, as the browser would resolve them.
            ("/classes/12", "/classes/12"),
            ("/", "/"),
            ("/carnet-de-notes?classe=3#eleve-4", "/carnet-de-notes?classe=3#eleve-4"),
            ("/pads/7/historique", "/pads/7/historique"),
            ("/quiz/../classes", "/classes"),
            ("/%C3%A9l%C3%A8ves", "/%C3%A9l%C3%A8ves"),
            // Off-site, or not a path.
            ("//evil.example", DEFAULT_NEXT),
            ("//evil.example/x", DEFAULT_NEXT),
            ("https://evil.example", DEFAULT_NEXT),
            ("evil.example", DEFAULT_NEXT),
            ("javascript:alert(1)", DEFAULT_NEXT),
            ("%6Aavascript:alert(1)", DEFAULT_NEXT),
            ("/%6Aavascript:alert(1)", "/%6Aavascript:alert(1)"),
            ("/javascript%3Aalert(1)", DEFAULT_NEXT),
            ("", DEFAULT_NEXT),
            // What browsers strip or rewrite before resolving.
            ("/\tevil.example/", DEFAULT_NEXT),
            ("/\t/evil.example/", DEFAULT_NEXT),
            ("/\n/evil.example/", DEFAULT_NEXT),
            ("/\r\n/evil.example/", DEFAULT_NEXT),
            ("/ /evil.example/", DEFAULT_NEXT),
            ("/\u{a0}/evil.example/", DEFAULT_NEXT),
            ("/%09/evil.example/", DEFAULT_NEXT),
            ("/%0A/evil.example/", DEFAULT_NEXT),
            ("/%0d%0aSet-Cookie:x=1", DEFAULT_NEXT),
            ("/%20/evil.example/", DEFAULT_NEXT),
            ("/%00", DEFAULT_NEXT),
            ("/\\evil.example", DEFAULT_NEXT),
            ("/\\\\evil.example", DEFAULT_NEXT),
            ("\\\\evil.example", DEFAULT_NEXT),
            ("/%5Cevil.example", DEFAULT_NEXT),
            ("/%2Fevil.example", DEFAULT_NEXT),
            ("/%2F%2Fevil.example", DEFAULT_NEXT),
            ("/%2e%2e/%2e%2e//evil.example", DEFAULT_NEXT),
            ("/%zz", DEFAULT_NEXT),
            ("/%4", DEFAULT_NEXT),
            // The API is not a page.
            ("/api/deconnexion", DEFAULT_NEXT),
        ];
        for (next, expected) in table {
            assert_eq!(safe_next(Some(next)), *expected, "suivant={next:?}");
            assert!(http::HeaderValue::from_str(&safe_next(Some(next))).is_ok(), "{next:?}");
        }
        assert_eq!(safe_next(None), DEFAULT_NEXT);
        let long = format!("/{}", "a".repeat(NEXT_MAX_BYTES));
        assert_eq!(safe_next(Some(&long)), DEFAULT_NEXT);
    }
}
