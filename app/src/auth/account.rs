//! « Mon compte »: a person changes their password (the current one required) and ends
//! their other sessions (a phone left logged in at a friend's, a shared computer). Both end
//! every other session and its sockets, on every node, and are recorded in the audit log.
//! Plain form posts, so both work without JavaScript.

use crate::components::{Async, FormError};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};
use server_fn::ServerFn;

#[cfg(feature = "ssr")]
use {
    crate::auth::db,
    crate::server::{audit, require_user, respond, session, state},
    domain::throttle::ACCOUNT_POLICY,
    domain::{NewPassword, Username},
};

/// What the account page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountOverview {
    /// Sessions of this person open elsewhere (other browsers or devices).
    pub other_sessions: i64,
}

#[server(prefix = "/api", endpoint = "compte")]
pub async fn account_info() -> Result<AccountOverview, AppError> {
    respond(
        async {
            let user = require_user()?;
            let st = state()?;
            let other_sessions = db::other_session_count(&st.db, user.me.id, &user.token_hash).await?;
            Ok(AccountOverview { other_sessions })
        }
        .await,
    )
}

/// Changes the password: the current one is required (and wrong guesses are throttled like
/// logins), the new one follows the activation rules; every other session ends.
#[server(prefix = "/api", endpoint = "compte/mot-de-passe")]
pub async fn change_password(actuel: String, nouveau: String, confirmation: String) -> Result<(), AppError> {
    respond(change_password_inner(actuel, nouveau, confirmation).await)
}

#[cfg(feature = "ssr")]
async fn change_password_inner(current: String, new: String, confirmation: String) -> Result<(), AppError> {
    let user = require_user()?;
    let st = state()?;
    let ip = session::client_ip();
    let key = format!("pw:{}", user.me.id.0);
    let wait = db::throttle_take(&st.db, &key, &ACCOUNT_POLICY).await?;
    if wait > 0 {
        return Err(AppError::Throttled(wait));
    }
    if current.chars().count() > domain::PASSWORD_MAX_CHARS {
        return Err(wrong_current_password());
    }
    let stored = db::credentials(&st.db, &user.me.username).await?.and_then(|c| c.password_hash);
    if !st.hasher.verify(current, stored).await? {
        let entry = audit::Entry {
            establishment: user.establishment(),
            actor: Some(user.me.id),
            actor_name: &user.me.username,
            action: audit::action::PASSWORD_CHANGE_FAILED,
            detail: "",
            ip: &ip,
        };
        audit::record(&st.db, entry).await?;
        return Err(wrong_current_password());
    }
    // The right current password: the attempts counted so far are forgiven.
    db::throttle_reset(&st.db, &key).await?;
    let username = Username::parse(&user.me.username)?;
    let password = NewPassword::parse(&new, &username)?;
    if new != confirmation {
        return Err(AppError::Invalid {
            field: "confirmation".into(),
            reason: "Les deux nouveaux mots de passe ne sont pas identiques.".into(),
        });
    }
    let phc = st.hasher.hash(password.expose().to_string()).await?;
    let mut tx = crate::server::db::begin_write(&st.db).await?;
    db::set_password(&mut tx, user.me.id, &phc).await?;
    let ended = db::delete_other_sessions(&mut tx, user.me.id, &user.token_hash).await?;
    let entry = audit::Entry {
        establishment: user.establishment(),
        actor: Some(user.me.id),
        actor_name: &user.me.username,
        action: audit::action::PASSWORD_CHANGED,
        detail: &format!("{} autre(s) session(s) fermée(s)", ended.len()),
        ip: &ip,
    };
    audit::record(&mut *tx, entry).await?;
    tx.commit().await?;
    st.realtime.end_sessions(ended.iter());
    leptos_axum::redirect("/compte?fait=mot-de-passe");
    Ok(())
}

#[cfg(feature = "ssr")]
fn wrong_current_password() -> AppError {
    AppError::Invalid { field: "actuel".into(), reason: "Le mot de passe actuel est incorrect.".into() }
}

/// Ends every session of the person but this one, and their sockets.
#[server(prefix = "/api", endpoint = "compte/autres-sessions")]
pub async fn end_other_sessions() -> Result<(), AppError> {
    respond(
        async {
            let user = require_user()?;
            let st = state()?;
            let mut tx = crate::server::db::begin_write(&st.db).await?;
            let ended = db::delete_other_sessions(&mut tx, user.me.id, &user.token_hash).await?;
            let entry = audit::Entry {
                establishment: user.establishment(),
                actor: Some(user.me.id),
                actor_name: &user.me.username,
                action: audit::action::OTHER_SESSIONS_ENDED,
                detail: &format!("{} session(s) fermée(s)", ended.len()),
                ip: &session::client_ip(),
            };
            audit::record(&mut *tx, entry).await?;
            tx.commit().await?;
            st.realtime.end_sessions(ended.iter());
            leptos_axum::redirect("/compte?fait=sessions");
            Ok(())
        }
        .await,
    )
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let end_others = ServerAction::<EndOtherSessions>::new();
    let data = Resource::new(move || (change.version().get(), end_others.version().get()), |_| account_info());
    let query = use_query_map();
    let done = move || {
        query.with(|q| match q.get("fait").as_deref() {
            Some("mot-de-passe") => Some("Votre mot de passe a été changé. Vos autres sessions ont été fermées."),
            Some("sessions") => Some("Vos autres sessions ont été fermées."),
            _ => None,
        })
    };
    view! {
        <header class="page-head">
            <h1>"Mon compte"</h1>
        </header>
        {move || done().map(|t| view! { <p class="notice" role="status">{t}</p> })}
        <Async resource=data ok=move |info: AccountOverview| view! {
            <section aria-labelledby="titre-mdp">
                <h2 id="titre-mdp">"Changer de mot de passe"</h2>
                <FormError action=change/>
                <form method="post" action={<ChangePassword as ServerFn>::PATH} class="stack narrow">
                    <label for="actuel">"Mot de passe actuel"</label>
                    <input id="actuel" type="password" name="actuel" autocomplete="current-password" required/>
                    <label for="nouveau">"Nouveau mot de passe"</label>
                    <input id="nouveau" type="password" name="nouveau" autocomplete="new-password" minlength="12" aria-describedby="aide-nouveau" required/>
                    <p id="aide-nouveau" class="small muted">
                        "Au moins 12 caractères, ni votre identifiant ni un mot de passe courant. Vos autres sessions seront fermées."
                    </p>
                    <label for="confirmation">"Confirmez le nouveau mot de passe"</label>
                    <input id="confirmation" type="password" name="confirmation" autocomplete="new-password" required/>
                    <button type="submit" class="primary">"Changer le mot de passe"</button>
                </form>
            </section>
            <section aria-labelledby="titre-sessions">
                <h2 id="titre-sessions">"Mes sessions"</h2>
                <p>{match info.other_sessions {
                    0 => "Vous n'êtes connecté nulle part ailleurs.".to_string(),
                    1 => "Vous êtes aussi connecté sur un autre appareil ou navigateur.".to_string(),
                    n => format!("Vous êtes aussi connecté sur {n} autres appareils ou navigateurs."),
                }}</p>
                <FormError action=end_others/>
                <form method="post" action={<EndOtherSessions as ServerFn>::PATH}>
                    <button type="submit" disabled=info.other_sessions == 0>"Se déconnecter de mes autres sessions"</button>
                </form>
            </section>
        }/>
    }
}
