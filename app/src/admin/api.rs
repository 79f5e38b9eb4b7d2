//! Server functions of administration (the référent numérique's screens): structure,
//! accounts, CSV import with preview, activation letters. Every one checks
//! `can_administer` and that each id it is given belongs to the same establishment; every
//! write and its audit entry commit in one transaction.

use crate::error::AppError;
use domain::import::ImportProblem;
use domain::{AssignmentId, ClassId, GroupId, SubjectId, UserId};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminData {
    pub establishment: String,
    pub classes: Vec<ClassRow>,
    pub groups: Vec<GroupRow>,
    pub subjects: Vec<(SubjectId, String)>,
    pub assignments: Vec<AssignmentRow>,
    pub staff: Vec<UserRow>,
    /// The activation code of an account this administrator just reactivated without
    /// JavaScript, to show on the page the form returned to (see `HANDED_CODE_COOKIE`).
    pub handed_code: Option<HandedCode>,
}

/// A new activation code and the person to give it to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandedCode {
    pub name: String,
    pub code: String,
}

/// The cookie that carries a new activation code from a reactivation posted without
/// JavaScript (answered by a redirect back) to the administration page, which shows it: the
/// code is never put in a URL, where history and logs would keep it. `HttpOnly`,
/// `SameSite=Strict`, and shown only while the account still waits for that very code.
pub const HANDED_CODE_COOKIE: &str = "preau_code_remis";

/// How long that cookie lives, in seconds.
pub const HANDED_CODE_SECS: i64 = 300;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassRow {
    pub id: ClassId,
    pub name: String,
    pub level: String,
    pub students: i64,
    /// Students and guardians of the class who have not chosen a password yet.
    pub pending: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRow {
    pub id: GroupId,
    pub name: String,
    pub class: Option<String>,
    pub students: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssignmentRow {
    pub id: AssignmentId,
    pub teacher: String,
    pub subject: String,
    pub unit: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: UserId,
    pub name: String,
    pub username: String,
    pub roles: String,
    pub active: bool,
    pub activated: bool,
    pub is_teacher: bool,
}

/// What an import will create, shown before it is applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ImportPlan {
    pub accounts: Vec<PlannedAccount>,
    pub new_classes: Vec<String>,
    pub new_subjects: Vec<String>,
    pub links: usize,
    pub assignments: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedAccount {
    pub lines: Vec<usize>,
    pub name: String,
    pub username: String,
    pub detail: String,
}

/// Either the plan, or every problem with its line and column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ImportOutcome {
    Preview(ImportPlan),
    Applied(ImportPlan),
    Problems(Vec<ImportProblem>),
}

/// Why an establishment's administrator may not rename, deactivate or reactivate an account
/// (`domain::permissions::can_administer_account`), naming who can: `others` are the other
/// establishments the person belongs to.
pub fn shared_account_refusal(region_admin: bool, others: &[String]) -> String {
    if region_admin {
        return "Ce compte est celui d'un administrateur de la région : seul un administrateur de la région peut le renommer, le désactiver ou le réactiver.".into();
    }
    let places = match others {
        [] => "un autre établissement".to_string(),
        [one] => format!("l'établissement « {one} »"),
        [first @ .., last] => format!(
            "les établissements {} et « {last} »",
            first.iter().map(|n| format!("« {n} »")).collect::<Vec<_>>().join(", ")
        ),
    };
    format!(
        "Ce compte appartient aussi à {places} : seul l'administrateur de la région (ou un administrateur de chacun de ses établissements) peut le renommer, le désactiver ou le réactiver."
    )
}

/// One activation letter: shown once, printed, handed out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Letter {
    pub name: String,
    pub username: String,
    pub code: String,
    pub role: String,
    pub about: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Letters {
    pub establishment: String,
    pub class: String,
    pub letters: Vec<Letter>,
    pub valid_days: i64,
}

#[server(prefix = "/api", endpoint = "admin/donnees")]
pub async fn load_admin_data() -> Result<AdminData, AppError> {
    crate::server::respond(ssr::admin_data().await)
}

#[server(prefix = "/api", endpoint = "admin/classe")]
pub async fn create_class(nom: String, niveau: String) -> Result<(), AppError> {
    crate::server::respond(ssr::create_class(nom, niveau).await)
}

#[server(prefix = "/api", endpoint = "admin/groupe")]
pub async fn create_group(nom: String, classe: String, eleves: String) -> Result<(), AppError> {
    crate::server::respond(ssr::create_group(nom, classe, eleves).await)
}

#[server(prefix = "/api", endpoint = "admin/matiere")]
pub async fn create_subject(nom: String) -> Result<(), AppError> {
    crate::server::respond(ssr::create_subject(nom).await)
}

#[server(prefix = "/api", endpoint = "admin/affectation")]
pub async fn create_assignment(enseignant: String, matiere: String, unite: String) -> Result<(), AppError> {
    crate::server::respond(ssr::create_assignment(enseignant, matiere, unite).await)
}

#[server(prefix = "/api", endpoint = "admin/utilisateur")]
pub async fn create_user(
    nom: String,
    prenom: String,
    role: String,
    classe: String,
    identifiant: String,
) -> Result<String, AppError> {
    crate::server::respond(ssr::create_user(nom, prenom, role, classe, identifiant).await)
}

#[server(prefix = "/api", endpoint = "admin/activer")]
pub async fn set_user_active(id: UserId, actif: bool) -> Result<Option<String>, AppError> {
    crate::server::respond(ssr::set_user_active(id, actif).await)
}

/// Checks a CSV file and returns what it would create (`appliquer` false), or creates it
/// all in one transaction (`appliquer` true). Any problem: nothing is created.
#[server(prefix = "/api", endpoint = "admin/import")]
pub async fn import_csv(type_fichier: String, contenu: String, appliquer: bool) -> Result<ImportOutcome, AppError> {
    crate::server::respond(ssr::import_csv(type_fichier, contenu, appliquer).await)
}

/// New activation codes for every not-yet-activated student and guardian of a class (codes
/// printed earlier stop working), as letters to print.
#[server(prefix = "/api", endpoint = "admin/lettres")]
pub async fn generate_letters(classe: ClassId) -> Result<Letters, AppError> {
    crate::server::respond(ssr::generate_letters(classe).await)
}

/// Renames a class and sets its level.
#[server(prefix = "/api", endpoint = "admin/classe/modifier")]
pub async fn rename_class(id: ClassId, nom: String, niveau: String) -> Result<(), AppError> {
    crate::server::respond(ssr::rename_class(id, nom, niveau).await)
}

#[server(prefix = "/api", endpoint = "admin/groupe/modifier")]
pub async fn rename_group(id: GroupId, nom: String) -> Result<(), AppError> {
    crate::server::respond(ssr::rename_group(id, nom).await)
}

#[server(prefix = "/api", endpoint = "admin/matiere/modifier")]
pub async fn rename_subject(id: SubjectId, nom: String) -> Result<(), AppError> {
    crate::server::respond(ssr::rename_subject(id, nom).await)
}

#[server(prefix = "/api", endpoint = "admin/affectation/retirer")]
pub async fn remove_assignment(id: AssignmentId) -> Result<(), AppError> {
    crate::server::respond(ssr::remove_assignment(id).await)
}

/// Corrects an account's names and, for a student, moves them to another class.
#[server(prefix = "/api", endpoint = "admin/utilisateur/modifier")]
pub async fn edit_user(identifiant: String, nom: String, prenom: String, classe: String) -> Result<(), AppError> {
    crate::server::respond(ssr::edit_user(identifiant, nom, prenom, classe).await)
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::admin::db;
    use crate::server::{CurrentUser, audit, require_user, session, state};
    use domain::import::{ImportKind, parse_import};
    use domain::permissions::{AccountRef, can_administer, can_administer_account};
    use domain::{EstablishmentId, Label, PersonName, Role, Username};
    use std::sync::Arc;

    /// The administered establishment, or `Forbidden` (recorded in the audit log).
    async fn admin() -> Result<(Arc<CurrentUser>, crate::server::AppState, EstablishmentId), AppError> {
        let user = require_user()?;
        let st = state()?;
        match user.establishment().filter(|e| can_administer(&user.viewer, *e)) {
            Some(e) => Ok((user, st, e)),
            None => {
                audit::refused(&st.db, &user, "administration").await;
                Err(AppError::Forbidden)
            }
        }
    }

    /// Why `user` may not rename or (de)activate `target` (it belongs to another establishment
    /// too, or is a region administrator's, and `user` does not administer all of it), naming
    /// who can; `None` when they may.
    async fn shared_account(
        tx: &mut db::Tx<'_>,
        user: &CurrentUser,
        est: EstablishmentId,
        target: UserId,
    ) -> Result<Option<String>, AppError> {
        let (region_admin, establishments) = db::account_scope(tx, target).await?;
        let account = AccountRef { region_admin, establishments: establishments.iter().map(|(e, _)| *e).collect() };
        if can_administer_account(&user.viewer, &account) {
            return Ok(None);
        }
        let others: Vec<String> = establishments.into_iter().filter(|(e, _)| *e != est).map(|(_, n)| n).collect();
        Ok(Some(shared_account_refusal(region_admin, &others)))
    }

    /// Ends the transaction (before writing the audit log, which SQLite's write lock would
    /// otherwise block) and answers 409 with `why`.
    async fn refuse_shared(
        tx: db::Tx<'_>,
        st: &crate::server::AppState,
        user: &CurrentUser,
        target: UserId,
        why: String,
    ) -> AppError {
        if let Err(e) = tx.rollback().await {
            return e.into();
        }
        audit::refused(&st.db, user, &format!("compte {target} d'autres établissements")).await;
        AppError::Conflict(why)
    }

    fn parse_id<T: std::str::FromStr>(field: &str, raw: &str, what: &str) -> Result<T, AppError> {
        raw.trim()
            .parse()
            .map_err(|_| AppError::Invalid { field: field.into(), reason: format!("Choisissez {what} dans la liste.") })
    }

    /// Runs one `UPDATE` scoped to the establishment; no row touched means "not found here".
    async fn update_one(
        tx: &mut db::Tx<'_>,
        sql: &str,
        text: &str,
        extra: Option<&str>,
        id: i64,
        est: EstablishmentId,
    ) -> Result<(), AppError> {
        let mut q = sqlx::query(sql).bind(text.to_string());
        if let Some(e) = extra {
            q = q.bind(e.to_string());
        }
        let done = q.bind(id).bind(est.0).execute(&mut **tx).await?;
        if done.rows_affected() == 0 {
            return Err(AppError::NotFound);
        }
        Ok(())
    }

    pub async fn rename_class(id: ClassId, nom: String, niveau: String) -> Result<(), AppError> {
        let (user, st, est) = admin().await?;
        let name = Label::parse("nom", &nom)?;
        let level = if niveau.trim().is_empty() {
            String::new()
        } else {
            Label::parse("niveau", &niveau)?.as_str().to_string()
        };
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        if db::class_by_name(&mut tx, est, name.as_str()).await?.is_some_and(|other| other != id) {
            return Err(AppError::Conflict(format!("La classe « {} » existe déjà.", name.as_str())));
        }
        update_one(
            &mut tx,
            "UPDATE classes SET name = $1, level = $2 WHERE id = $3 AND establishment_id = $4",
            name.as_str(),
            Some(&level),
            id.0,
            est,
        )
        .await?;
        audit::record_by(
            &mut *tx,
            &user,
            est,
            audit::action::ADMIN,
            &format!("classe {id} renommée : {}", name.as_str()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn rename_group(id: GroupId, nom: String) -> Result<(), AppError> {
        let (user, st, est) = admin().await?;
        let name = Label::parse("nom", &nom)?;
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        if db::group_by_name(&mut tx, est, name.as_str()).await?.is_some_and(|other| other != id) {
            return Err(AppError::Conflict(format!("Le groupe « {} » existe déjà.", name.as_str())));
        }
        update_one(
            &mut tx,
            "UPDATE student_groups SET name = $1 WHERE id = $2 AND establishment_id = $3",
            name.as_str(),
            None,
            id.0,
            est,
        )
        .await?;
        audit::record_by(
            &mut *tx,
            &user,
            est,
            audit::action::ADMIN,
            &format!("groupe {id} renommé : {}", name.as_str()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn rename_subject(id: SubjectId, nom: String) -> Result<(), AppError> {
        let (user, st, est) = admin().await?;
        let name = Label::parse("nom", &nom)?;
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        if db::subject_by_name(&mut tx, est, name.as_str()).await?.is_some_and(|other| other != id) {
            return Err(AppError::Conflict(format!("La matière « {} » existe déjà.", name.as_str())));
        }
        update_one(
            &mut tx,
            "UPDATE subjects SET name = $1 WHERE id = $2 AND establishment_id = $3",
            name.as_str(),
            None,
            id.0,
            est,
        )
        .await?;
        audit::record_by(
            &mut *tx,
            &user,
            est,
            audit::action::ADMIN,
            &format!("matière {id} renommée : {}", name.as_str()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn remove_assignment(id: AssignmentId) -> Result<(), AppError> {
        let (user, st, est) = admin().await?;
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        let teacher: Option<i64> =
            sqlx::query_scalar("SELECT teacher_id FROM assignments WHERE id = $1 AND establishment_id = $2")
                .bind(id.0)
                .bind(est.0)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(teacher) = teacher.map(UserId) else {
            return Err(AppError::NotFound);
        };
        sqlx::query("DELETE FROM assignments WHERE id = $1").bind(id.0).execute(&mut *tx).await?;
        audit::record_by(&mut *tx, &user, est, audit::action::ADMIN, &format!("affectation {id} retirée")).await?;
        tx.commit().await?;
        // The teacher's open connections (pads of that class) check their rights again.
        st.realtime.rights_changed([teacher]);
        Ok(())
    }

    pub async fn edit_user(identifiant: String, nom: String, prenom: String, classe: String) -> Result<(), AppError> {
        let (user, st, est) = admin().await?;
        let username = Username::parse(&identifiant)?;
        let last = PersonName::parse("nom", &nom)?;
        let first = PersonName::parse("prenom", &prenom)?;
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        let target: Option<i64> = sqlx::query_scalar(
            "SELECT u.id FROM users u WHERE u.username = $1 AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.establishment_id = $2)",
        )
        .bind(username.as_str())
        .bind(est.0)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(target) = target.map(UserId) else {
            return Err(AppError::Invalid {
                field: "identifiant".into(),
                reason: format!("Aucun compte « {username} » dans l'établissement. Vérifiez l'identifiant."),
            });
        };
        let (was_first, was_last): (String, String) =
            sqlx::query_as("SELECT first_name, last_name FROM users WHERE id = $1")
                .bind(target.0)
                .fetch_one(&mut *tx)
                .await?;
        if (was_first.as_str(), was_last.as_str()) != (first.as_str(), last.as_str()) {
            // The name is the person's in every establishment: only someone who administers
            // all of them changes it (moving a student between classes stays local).
            if let Some(why) = shared_account(&mut tx, &user, est, target).await? {
                return Err(refuse_shared(tx, &st, &user, target, why).await);
            }
        }
        sqlx::query("UPDATE users SET first_name = $1, last_name = $2 WHERE id = $3")
            .bind(first.as_str())
            .bind(last.as_str())
            .bind(target.0)
            .execute(&mut *tx)
            .await?;
        let mut detail = format!("compte {username} modifié : {} {}", first.as_str(), last.as_str());
        if !classe.trim().is_empty() {
            let class: ClassId = parse_id("classe", &classe, "une classe")?;
            if db::class_establishment(&mut tx, class).await? != Some(est) {
                return Err(AppError::NotFound);
            }
            if !db::has_role(&mut tx, est, target, Role::Student).await? {
                return Err(AppError::Invalid {
                    field: "classe".into(),
                    reason: "Seul un élève change de classe : laissez « — » pour ce compte.".into(),
                });
            }
            sqlx::query("DELETE FROM class_students WHERE student_id = $1 AND class_id IN (SELECT id FROM classes WHERE establishment_id = $2)")
                .bind(target.0)
                .bind(est.0)
                .execute(&mut *tx)
                .await?;
            db::enrol(&mut tx, class, target).await?;
            detail.push_str(&format!(", classe {class}"));
        }
        audit::record_by(&mut *tx, &user, est, audit::action::ADMIN, &detail).await?;
        tx.commit().await?;
        if !classe.trim().is_empty() {
            // A student moved out of a class loses its pads on open connections at once.
            st.realtime.rights_changed([target]);
        }
        Ok(())
    }

    pub async fn admin_data() -> Result<AdminData, AppError> {
        let (_, st, est) = admin().await?;
        let mut data = db::admin_data(&st.db, est).await?;
        if let Some((id, code)) = handed_code_from_cookie() {
            let hash = crate::server::db::sha256_hex(&crate::auth::normalise_code(&code));
            let holder = db::waiting_for_code(&st.db, est, id, &hash, crate::server::db::now_ms()).await?;
            data.handed_code = holder.map(|name| HandedCode { name, code });
        }
        Ok(data)
    }

    /// The account and code of the request's `HANDED_CODE_COOKIE`, if it has one.
    fn handed_code_from_cookie() -> Option<(UserId, String)> {
        let parts = use_context::<axum::http::request::Parts>()?;
        parts.headers.get_all(axum::http::header::COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|header| {
            let (id, code) = session::cookie_value(header, HANDED_CODE_COOKIE)?.split_once('.')?;
            Some((UserId(id.parse().ok()?), code.to_string()))
        })
    }

    /// Hands `code` for account `id` to the page a plain form post returns to.
    fn hand_code_over(st: &crate::server::AppState, id: UserId, code: &str) {
        let cookie =
            session::set_cookie(&st.auth, HANDED_CODE_COOKIE, &format!("{}.{code}", id.0), "Strict", HANDED_CODE_SECS);
        if let Some(opts) = use_context::<leptos_axum::ResponseOptions>()
            && let Ok(v) = axum::http::HeaderValue::from_str(&cookie)
        {
            opts.append_header(axum::http::header::SET_COOKIE, v);
        }
    }

    pub async fn create_class(nom: String, niveau: String) -> Result<(), AppError> {
        let (user, st, est) = admin().await?;
        let name = Label::parse("nom", &nom)?;
        let level = if niveau.trim().is_empty() {
            String::new()
        } else {
            Label::parse("niveau", &niveau)?.as_str().to_string()
        };
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        if db::class_by_name(&mut tx, est, name.as_str()).await?.is_some() {
            return Err(AppError::Conflict(format!("La classe « {} » existe déjà.", name.as_str())));
        }
        db::insert_class(&mut tx, est, name.as_str(), &level).await?;
        audit::record_by(&mut *tx, &user, est, audit::action::ADMIN, &format!("classe créée : {}", name.as_str()))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn create_group(nom: String, classe: String, eleves: String) -> Result<(), AppError> {
        let (user, st, est) = admin().await?;
        let name = Label::parse("nom", &nom)?;
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        let class = match classe.trim() {
            "" => None,
            raw => {
                let id: ClassId = parse_id("classe", raw, "une classe")?;
                if db::class_establishment(&mut tx, id).await? != Some(est) {
                    return Err(AppError::NotFound);
                }
                Some(id)
            }
        };
        if db::group_by_name(&mut tx, est, name.as_str()).await?.is_some() {
            return Err(AppError::Conflict(format!("Le groupe « {} » existe déjà.", name.as_str())));
        }
        let mut members = Vec::new();
        for (i, raw) in eleves.split([',', '\n', ';']).map(str::trim).filter(|s| !s.is_empty()).enumerate() {
            let username = Username::parse(raw).map_err(|e| AppError::Invalid {
                field: "eleves".into(),
                reason: format!("Élève n° {} : {}", i + 1, e.reason),
            })?;
            match db::student_in(&mut tx, est, username.as_str()).await? {
                Some(id) => members.push(id),
                None => {
                    return Err(AppError::Invalid {
                        field: "eleves".into(),
                        reason: format!("« {username} » n'est pas un élève de l'établissement."),
                    });
                }
            }
        }
        let id = db::insert_group(&mut tx, est, name.as_str(), class).await?;
        for m in &members {
            db::add_group_member(&mut tx, id, *m).await?;
        }
        audit::record_by(
            &mut *tx,
            &user,
            est,
            audit::action::ADMIN,
            &format!("groupe créé : {} ({} élèves)", name.as_str(), members.len()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn create_subject(nom: String) -> Result<(), AppError> {
        let (user, st, est) = admin().await?;
        let name = Label::parse("nom", &nom)?;
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        if db::subject_by_name(&mut tx, est, name.as_str()).await?.is_some() {
            return Err(AppError::Conflict(format!("La matière « {} » existe déjà.", name.as_str())));
        }
        db::insert_subject(&mut tx, est, name.as_str()).await?;
        audit::record_by(&mut *tx, &user, est, audit::action::ADMIN, &format!("matière créée : {}", name.as_str()))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn create_assignment(enseignant: String, matiere: String, unite: String) -> Result<(), AppError> {
        let (user, st, est) = admin().await?;
        let teacher: UserId = parse_id("enseignant", &enseignant, "un enseignant")?;
        let subject: SubjectId = parse_id("matiere", &matiere, "une matière")?;
        let unit = domain::TeachingUnit::from_key(&unite).ok_or_else(|| AppError::Invalid {
            field: "unite".into(),
            reason: "Choisissez une classe ou un groupe dans la liste.".into(),
        })?;
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        // Every id must belong to this establishment: an id from elsewhere is "not found".
        let ok = db::has_role(&mut tx, est, teacher, Role::Teacher).await?
            && db::subject_establishment(&mut tx, subject).await? == Some(est)
            && db::unit_establishment(&mut tx, unit).await? == Some(est);
        if !ok {
            return Err(AppError::NotFound);
        }
        if !db::insert_assignment(&mut tx, est, teacher, subject, unit).await? {
            return Err(AppError::Conflict("Cette affectation existe déjà.".into()));
        }
        audit::record_by(
            &mut *tx,
            &user,
            est,
            audit::action::ADMIN,
            &format!("affectation : enseignant {teacher}, matière {subject}, {unit:?}"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn create_user(
        nom: String,
        prenom: String,
        role: String,
        classe: String,
        identifiant: String,
    ) -> Result<String, AppError> {
        let (user, st, est) = admin().await?;
        let last = PersonName::parse("nom", &nom)?;
        let first = PersonName::parse("prenom", &prenom)?;
        let role = Role::from_code(role.trim()).ok_or_else(|| AppError::Invalid {
            field: "role".into(),
            reason: "Choisissez un rôle dans la liste.".into(),
        })?;
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        let class = match (role, classe.trim()) {
            (Role::Student, "") => {
                return Err(AppError::Invalid {
                    field: "classe".into(),
                    reason: "Choisissez la classe de l'élève.".into(),
                });
            }
            (Role::Student, raw) => {
                let id: ClassId = parse_id("classe", raw, "une classe")?;
                if db::class_establishment(&mut tx, id).await? != Some(est) {
                    return Err(AppError::NotFound);
                }
                Some(id)
            }
            _ => None,
        };
        let username = match identifiant.trim() {
            "" => db::free_username(&mut tx, est, &domain::suggest_username(&first, &last)).await?,
            raw => {
                let u = Username::parse(raw)?;
                if db::username_taken(&mut tx, u.as_str()).await? {
                    return Err(AppError::Conflict(format!("L'identifiant « {u} » est déjà pris.")));
                }
                u.as_str().to_string()
            }
        };
        let id = db::insert_user(&mut tx, &username, &first, &last).await?;
        db::add_membership(&mut tx, id, est, role).await?;
        if let Some(c) = class {
            db::enrol(&mut tx, c, id).await?;
        }
        audit::record_by(
            &mut *tx,
            &user,
            est,
            audit::action::ADMIN,
            &format!("compte créé : {username} ({})", role.label()),
        )
        .await?;
        tx.commit().await?;
        Ok(username)
    }

    /// Deactivation ends the account's sessions. Reactivation clears its password and issues
    /// a new activation code (returned, to give to the person): whoever held the account
    /// before it was deactivated (a stolen password, a former pupil) cannot log in again.
    pub async fn set_user_active(id: UserId, actif: bool) -> Result<Option<String>, AppError> {
        let (user, st, est) = admin().await?;
        if id == user.me.id && !actif {
            return Err(AppError::Conflict("Vous ne pouvez pas désactiver votre propre compte.".into()));
        }
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        if !db::is_member(&mut tx, est, id).await? {
            return Err(AppError::NotFound);
        }
        if let Some(why) = shared_account(&mut tx, &user, est, id).await? {
            return Err(refuse_shared(tx, &st, &user, id, why).await);
        }
        db::set_active(&mut tx, id, actif).await?;
        let code = if actif {
            let code = crate::auth::new_activation_code()?;
            let expires = crate::server::db::now_ms() + crate::auth::CODE_VALID_DAYS * 86_400_000;
            let hash = crate::server::db::sha256_hex(&crate::auth::normalise_code(&code));
            db::reset_for_activation(&mut tx, id, &hash, expires).await?;
            Some(code)
        } else {
            None
        };
        let detail = format!(
            "compte {id} {}",
            if actif { "réactivé (mot de passe effacé, nouveau code d'activation)" } else { "désactivé" }
        );
        audit::record_by(&mut *tx, &user, est, audit::action::ADMIN, &detail).await?;
        tx.commit().await?;
        if !actif {
            let ended = session::delete_all_for(&st.db, id).await?;
            st.realtime.end_sessions(ended.iter());
        }
        // Without JavaScript the answer is a redirect back, which cannot carry the code.
        if let Some(code) = &code
            && crate::server::is_plain_form_post()
        {
            hand_code_over(&st, id, code);
        }
        Ok(code)
    }

    pub async fn import_csv(kind: String, content: String, apply: bool) -> Result<ImportOutcome, AppError> {
        let (user, st, est) = admin().await?;
        let kind = ImportKind::from_code(kind.trim()).ok_or_else(|| AppError::Invalid {
            field: "type_fichier".into(),
            reason: "Choisissez le type de fichier.".into(),
        })?;
        let rows = match parse_import(kind, &content) {
            Ok(rows) => rows,
            Err(problems) => return Ok(ImportOutcome::Problems(problems)),
        };
        if !apply {
            // A preview only reads: a plain (deferred) transaction reads one snapshot without
            // taking SQLite's write lock, so forms and pads keep writing meanwhile.
            let mut tx = st.db.begin().await?;
            let plan = db::plan_import(&mut tx, est, &rows).await?;
            tx.rollback().await?;
            return Ok(match plan {
                Ok(plan) => ImportOutcome::Preview(plan.summary),
                Err(problems) => ImportOutcome::Problems(problems),
            });
        }
        // Applying plans again under the write lock (nothing changes between the check and
        // the writes): the plan's reads are a bounded number of queries, so the lock is short.
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        let plan = match db::plan_import(&mut tx, est, &rows).await? {
            Ok(plan) => plan,
            Err(problems) => return Ok(ImportOutcome::Problems(problems)),
        };
        db::apply_import(&mut tx, est, &plan).await?;
        let detail = format!("import {} : {} comptes créés", kind.label(), plan.summary.accounts.len());
        audit::record_by(&mut *tx, &user, est, audit::action::ADMIN, &detail).await?;
        tx.commit().await?;
        Ok(ImportOutcome::Applied(plan.summary))
    }

    pub async fn generate_letters(class: ClassId) -> Result<Letters, AppError> {
        let (user, st, est) = admin().await?;
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        if db::class_establishment(&mut tx, class).await? != Some(est) {
            return Err(AppError::NotFound);
        }
        let letters = db::generate_letters(&mut tx, est, class).await?;
        let detail = format!("lettres d'activation : classe {}, {} codes", letters.class, letters.letters.len());
        audit::record_by(&mut *tx, &user, est, audit::action::ADMIN, &detail).await?;
        tx.commit().await?;
        Ok(letters)
    }
}
