//! Server functions of pads: create a pad for a class or group, list a unit's pads with
//! their last edit time, and change who may edit a pad or lock it. Each loads the resource's
//! establishment, asks `domain::permissions`, then touches data. A change of access reaches
//! the pad's open connections at once (`Realtime::pad_access_changed`).

use super::{PadLine, PadView, UnitPads};
use crate::error::AppError;
use domain::{PadId, UserId};
use leptos::prelude::*;
use std::collections::BTreeMap;

/// Creates a pad for a class or group (`unite`: "c:12" or "g:7"). `modification` is who
/// edits: "class", "teacher" or "named" (then nobody but staff until students are named).
#[server(prefix = "/api", endpoint = "pads/creer")]
pub async fn create_pad(unite: String, titre: String, modification: String) -> Result<PadId, AppError> {
    crate::server::respond(ssr::create_pad(unite, titre, modification).await)
}

/// The pads of a class or group, most recently edited first.
#[server(prefix = "/api", endpoint = "pads/liste")]
pub async fn list_pads(unite: String) -> Result<Vec<PadLine>, AppError> {
    crate::server::respond(ssr::list_pads(unite).await)
}

/// Sets who may edit a pad and whether it is locked; `editeurs` (students of the unit) is
/// used when `modification` is "named". Open connections follow at once.
#[server(prefix = "/api", endpoint = "pads/acces")]
pub async fn set_pad_access(
    pad: PadId,
    modification: String,
    editeurs: Option<Vec<UserId>>,
    verrouille: bool,
) -> Result<PadLine, AppError> {
    crate::server::respond(ssr::set_pad_access(pad, modification, editeurs.unwrap_or_default(), verrouille).await)
}

/// Everything the pad page needs: the pad, its text now, what the viewer may do.
#[server(prefix = "/api", endpoint = "pads/ouvrir")]
pub async fn open_pad(pad: PadId) -> Result<PadView, AppError> {
    crate::server::respond(ssr::open_pad(pad).await)
}

/// The pads of every class and group the viewer may read, in their establishment.
#[server(prefix = "/api", endpoint = "pads/mes-pads")]
pub async fn my_pads() -> Result<Vec<UnitPads>, AppError> {
    crate::server::respond(ssr::my_pads().await)
}

/// "Créer le pad" (the list page's form): creates it and opens it.
#[server(prefix = "/api", endpoint = "pads/formulaire/creer")]
pub async fn create_pad_form(unite: String, titre: String, modification: String) -> Result<PadId, AppError> {
    let result = ssr::create_pad(unite, titre, modification).await;
    if let Ok(id) = &result {
        leptos_axum::redirect(&format!("/pads/{id}"));
    }
    crate::server::respond(result)
}

/// The pad page's "Accès" form: who edits (`eleves[ID]` checked for named students) and the
/// lock (`verrouille` present: locked). Goes back to the pad.
#[server(prefix = "/api", endpoint = "pads/formulaire/acces")]
pub async fn set_pad_access_form(
    pad: PadId,
    modification: String,
    eleves: Option<BTreeMap<String, String>>,
    verrouille: Option<String>,
) -> Result<PadLine, AppError> {
    let editors = eleves
        .unwrap_or_default()
        .keys()
        .map(|k| {
            k.parse::<i64>().map(UserId).map_err(|_| AppError::Invalid {
                field: "eleves".into(),
                reason: "Cochez des élèves de la liste de la classe.".into(),
            })
        })
        .collect::<Result<Vec<_>, _>>();
    let result = match editors {
        Ok(editors) => ssr::set_pad_access(pad, modification, editors, verrouille.is_some()).await,
        Err(e) => Err(e),
    };
    if result.is_ok() {
        leptos_axum::redirect(&format!("/pads/{pad}"));
    }
    crate::server::respond(result)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::pads::{PADS_PER_UNIT_MAX, TITLE_MAX_CHARS, db};
    use crate::server::{audit, db::new_id, db::now_ms, require_user, state};
    use domain::pad::{PadDoc, presence};
    use domain::permissions::{can_create_pad, can_edit_pad, can_manage_pad, can_read_pad};
    use domain::{PadAccess, PadEditPolicy, TeachingUnit, UnitRef};

    fn invalid(field: &str, reason: impl Into<String>) -> AppError {
        AppError::Invalid { field: field.into(), reason: reason.into() }
    }

    fn parse_policy(code: &str) -> Result<PadEditPolicy, AppError> {
        PadEditPolicy::from_code(code.trim()).ok_or_else(|| {
            invalid(
                "modification",
                "Choisissez qui modifie le pad : toute la classe, l'enseignant seul ou des élèves nommés.",
            )
        })
    }

    /// The unit, after checking it exists (in some establishment).
    async fn unit_ref(st: &crate::server::AppState, unite: &str) -> Result<UnitRef, AppError> {
        let unit = TeachingUnit::from_key(unite).ok_or(AppError::NotFound)?;
        let establishment = crate::classes::db::unit_establishment(&st.db, unit).await?.ok_or(AppError::NotFound)?;
        Ok(UnitRef { unit, establishment })
    }

    pub async fn create_pad(unite: String, titre: String, modification: String) -> Result<PadId, AppError> {
        let user = require_user()?;
        let st = state()?;
        let new = new_pad(&st, &user, &unite, &titre, &modification).await?;
        db::create(&st.db, &new, PADS_PER_UNIT_MAX).await?;
        Ok(new.id)
    }

    /// The pad `user` asks to create, checked (unit, permission, title, policy); creating an
    /// empty pad and importing one share it.
    pub async fn new_pad(
        st: &crate::server::AppState,
        user: &crate::server::CurrentUser,
        unite: &str,
        titre: &str,
        modification: &str,
    ) -> Result<db::NewPad, AppError> {
        let unit = unit_ref(st, unite).await?;
        if !domain::permissions::is_member_of(&user.viewer, unit.establishment) {
            return Err(AppError::NotFound);
        }
        if !can_create_pad(&user.viewer, &unit) {
            audit::refused(&st.db, user, &format!("création de pad {}", unit.unit.key())).await;
            return Err(AppError::Forbidden);
        }
        let title = titre.split_whitespace().collect::<Vec<_>>().join(" ");
        if title.is_empty() {
            return Err(invalid("titre", "Donnez un titre au pad, par exemple « Compte rendu de la sortie »."));
        }
        if title.chars().count() > TITLE_MAX_CHARS {
            return Err(invalid("titre", format!("Le titre fait au plus {TITLE_MAX_CHARS} caractères.")));
        }
        let policy = parse_policy(modification)?;
        Ok(db::NewPad { id: PadId(new_id()), unit, title, policy, created_by: user.me.id, created_at: now_ms() })
    }

    pub async fn list_pads(unite: String) -> Result<Vec<PadLine>, AppError> {
        let user = require_user()?;
        let st = state()?;
        let unit = unit_ref(&st, &unite).await?;
        if !domain::permissions::is_member_of(&user.viewer, unit.establishment) {
            return Err(AppError::NotFound);
        }
        let probe = PadAccess {
            establishment: unit.establishment,
            unit: unit.unit,
            policy: PadEditPolicy::Teacher,
            editors: vec![],
            locked: false,
        };
        if !can_read_pad(&user.viewer, &probe) {
            audit::refused(&st.db, &user, &format!("pads de {}", unit.unit.key())).await;
            return Err(AppError::Forbidden);
        }
        let can_manage = can_manage_pad(&user.viewer, &probe);
        db::list(&st.db, unit.unit, can_manage).await
    }

    pub async fn set_pad_access(
        pad: PadId,
        modification: String,
        editeurs: Vec<UserId>,
        verrouille: bool,
    ) -> Result<PadLine, AppError> {
        let user = require_user()?;
        let st = state()?;
        let current = db::access(&st.db, pad).await?.ok_or(AppError::NotFound)?;
        if !domain::permissions::is_member_of(&user.viewer, current.establishment) {
            return Err(AppError::NotFound);
        }
        if !can_manage_pad(&user.viewer, &current) {
            audit::refused(&st.db, &user, &format!("accès au pad {pad}")).await;
            return Err(AppError::Forbidden);
        }
        let policy = parse_policy(&modification)?;
        let mut editors = if policy == PadEditPolicy::Named { editeurs } else { Vec::new() };
        editors.sort();
        editors.dedup();
        for student in &editors {
            if !crate::grades::db::is_enrolled(&st.db, current.unit, *student).await? {
                return Err(invalid("editeurs", "Choisissez des élèves de la classe ou du groupe du pad."));
            }
        }
        let access = PadAccess { policy, editors, locked: verrouille, ..current };
        db::set_access(&st.db, pad, &access).await?;
        // After the commit, before answering: an edit sent once this answer is read is judged
        // by the new access.
        st.realtime.pad_access_changed(pad, access);
        db::line(&st.db, pad, true).await?.ok_or(AppError::NotFound)
    }

    /// The access of a pad the viewer may read (404 for another establishment or none, 403
    /// and an audit entry for a non-member).
    async fn readable(
        st: &crate::server::AppState,
        user: &crate::server::CurrentUser,
        pad: PadId,
    ) -> Result<PadAccess, AppError> {
        let access = db::access(&st.db, pad).await?.ok_or(AppError::NotFound)?;
        if !domain::permissions::is_member_of(&user.viewer, access.establishment) {
            return Err(AppError::NotFound);
        }
        if !can_read_pad(&user.viewer, &access) {
            audit::refused(&st.db, user, &format!("pad {pad}")).await;
            return Err(AppError::Forbidden);
        }
        Ok(access)
    }

    pub async fn open_pad(pad: PadId) -> Result<PadView, AppError> {
        let user = require_user()?;
        let st = state()?;
        let access = readable(&st, &user, pad).await?;
        let can_manage = can_manage_pad(&user.viewer, &access);
        let mut line = db::line(&st.db, pad, can_manage).await?.ok_or(AppError::NotFound)?;
        line.editing = st.realtime.in_pad(pad);
        let (_, unit_name) = db::title_and_unit(&st.db, pad).await?.ok_or(AppError::NotFound)?;
        // What is stored is what every connection has been sent: the hub writes before it
        // forwards.
        let stored = db::load(&st.db, pad).await?;
        let doc = PadDoc::from_updates(1, &stored.updates)
            .map_err(|e| AppError::from(anyhow::anyhow!("pad {pad} does not load: {e}")))?;
        let students = if can_manage { crate::grades::db::roster(&st.db, access.unit).await? } else { Vec::new() };
        Ok(PadView {
            line,
            unit: access.unit.key(),
            unit_name,
            text: doc.text(),
            can_edit: can_edit_pad(&user.viewer, &access),
            me: presence::Person { name: user.me.display_name(), colour: presence::colour_for(user.me.id).to_string() },
            me_id: user.me.id,
            students,
        })
    }

    pub async fn my_pads() -> Result<Vec<UnitPads>, AppError> {
        let user = require_user()?;
        let st = state()?;
        let Some(establishment) = user.establishment() else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        for (unit, name) in db::units(&st.db, establishment).await? {
            let probe =
                PadAccess { establishment, unit, policy: PadEditPolicy::Teacher, editors: vec![], locked: false };
            if !can_read_pad(&user.viewer, &probe) {
                continue;
            }
            let can_manage = can_manage_pad(&user.viewer, &probe);
            let mut pads = db::list(&st.db, unit, can_manage).await?;
            for p in &mut pads {
                p.editing = st.realtime.in_pad(p.id);
            }
            // Direction reads every class and group: those with pads are listed, and the
            // ones the person teaches or attends even while empty.
            let own = user.viewer.teaches.iter().any(|s| s.establishment == establishment && s.unit == unit)
                || user.viewer.enrolled_in.contains(&(establishment, unit));
            if pads.is_empty() && !own {
                continue;
            }
            out.push(UnitPads { unit: unit.key(), name, can_create: can_manage, pads });
        }
        Ok(out)
    }
}
