//! `POST /pads/{id}/restaurer` (form field `version`, the version's number): restores a saved version of a pad as
//! a NEW edit. The pad's task computes the smallest change from the current text to the
//! version's, applies it as an edit of the person who asked, stores it as a row like any
//! update, sends it to the open connections, and saves a version of the result. Nothing is
//! erased: every version stays in the history, and the restore is one more.
//!
//! A plain form post (it works without JavaScript, after a confirmation step on the history
//! page): the answer is a redirect back to the history page saying what happened. A pad of
//! another establishment answers 404, a member who may not edit 403 (and an audit entry).

use super::{Close, Command, PadHub};
use app::server::audit;
use app::server::session::{CurrentUser, SessionSlot};
use app::server::{AppState, ClientIp};
use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::permissions::{can_edit_pad, can_read_pad, is_member_of};
use domain::{PadAccess, PadId};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::oneshot;

fn text(code: StatusCode, message: &str) -> Response {
    app::server::download::text_response(code.as_u16(), message.to_string())
}

pub async fn restore(
    State(state): State<AppState>,
    Extension(hub): Extension<PadHub>,
    Extension(slot): Extension<SessionSlot>,
    ip: Option<Extension<ClientIp>>,
    Path(raw): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let Some(user) = slot.0 else {
        return Redirect::to(&format!("/connexion?suivant=/pads/{}/historique", raw.trim())).into_response();
    };
    let not_found = || text(StatusCode::NOT_FOUND, "Ce pad ou cette version n'existe pas ou plus.");
    let (Ok(pad), Ok(version)) = (raw.parse::<PadId>(), form.get("version").map_or("", |v| v.trim()).parse::<i64>())
    else {
        return not_found();
    };
    let access = match app::pads::db::access(&state.db, pad).await {
        Ok(Some(a)) => a,
        Ok(None) => return not_found(),
        Err(e) => {
            return text(StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), &e.message());
        }
    };
    if !is_member_of(&user.viewer, access.establishment) {
        return not_found();
    }
    if !can_edit_pad(&user.viewer, &access) {
        let why = if can_read_pad(&user.viewer, &access) { "restauration" } else { "accès" };
        let detail = format!("{why} refusée au pad {pad}");
        let ip = ip.as_ref().map_or("", |Extension(ip)| ip.0.as_str());
        audit::refused_from(&state.db, &user, &detail, ip).await;
        return text(
            StatusCode::FORBIDDEN,
            "Vous ne pouvez pas modifier ce pad (lecture seule ou verrouillé) : la restauration est refusée.",
        );
    }
    let version_text = match app::pads::history_db::version_text(&state.db, pad, version).await {
        Ok(Some(t)) => t,
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::error!(pad = %pad, error = format!("{e:#}"), "could not read a pad version");
            return text(StatusCode::INTERNAL_SERVER_ERROR, "La version n'a pas pu être lue : réessayez.");
        }
    };
    let back = format!("/pads/{pad}/historique");
    match hub.restore(pad, access, user, version_text).await {
        Ok(true) => Redirect::to(&format!("{back}?restauree={version}")).into_response(),
        Ok(false) => Redirect::to(&format!("{back}?identique={version}")).into_response(),
        Err(c) if c == Close::READ_ONLY => text(
            StatusCode::FORBIDDEN,
            "Ce pad vient d'être verrouillé ou mis en lecture seule : rien n'a été restauré.",
        ),
        Err(c) if c == Close::PAD_FULL => text(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Le pad serait trop volumineux avec cette version (960 Kio au plus) : rien n'a été restauré.",
        ),
        Err(_) => text(StatusCode::SERVICE_UNAVAILABLE, "Le pad est indisponible pour l'instant : réessayez."),
    }
}

impl PadHub {
    /// Asks the pad's task (started if needed) to make the text `text` again, as `user`'s
    /// edit; answers once it is durable and sent (true), or at once when nothing changes.
    async fn restore(
        &self,
        pad: PadId,
        access: PadAccess,
        user: Arc<CurrentUser>,
        text: String,
    ) -> Result<bool, Close> {
        // A task that is just ending drops the command unanswered: start a new one and retry
        // (the change is computed against the text as it is then, so a retry never doubles it).
        for _ in 0..3 {
            let handle = self.handle(pad, access.clone());
            let (reply, reply_rx) = oneshot::channel();
            let command = Command::Restore { user: user.clone(), text: text.clone(), reply };
            if handle.commands.send(command).await.is_err() {
                continue;
            }
            if let Ok(result) = reply_rx.await {
                return result;
            }
        }
        Err(Close::SERVER_ERROR)
    }
}
