//! Server functions of pads: create a pad for a class or group, list a unit's pads with
//! their last edit time, and change who may edit a pad or lock it. Each loads the resource's
//! establishment, asks `domain::permissions`, then touches data. A change of access reaches
//! the pad's open connections at once (`Realtime::pad_access_changed`).

use super::PadLine;
use crate::error::AppError;
use domain::{PadId, UserId};
use leptos::prelude::*;

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

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::pads::{PADS_PER_UNIT_MAX, TITLE_MAX_CHARS, db};
    use crate::server::{audit, db::new_id, db::now_ms, require_user, state};
    use domain::permissions::{can_create_pad, can_manage_pad, can_read_pad};
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
}
