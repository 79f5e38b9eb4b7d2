//! Changing, closing and withdrawing an assignment, for the teacher who gave it, on the
//! assignment's results page; and the assignment form's fields (`AssignmentFields`), shared by
//! "Donner à une classe" and "Modifier le devoir".
//!
//! Rules that protect what students did:
//! - dates, time limit, attempts and feedback policy may change (`AssignmentSettings::check`
//!   as when giving it: the closing still to come, 1 to 10 attempts, 1 to 240 minutes);
//! - attempts already used stay valid: lowering the attempts below what a student used only
//!   stops new attempts; an attempt under way may be finished;
//! - a closing moved earlier or a shorter time limit cancels no answer: deadlines are computed
//!   from the settings, answers saved before the change were accepted in time, and an attempt
//!   whose new deadline has passed is closed with everything it saved;
//! - once a student has started, the opening cannot move after now (it would hide an attempt
//!   under way) and the shuffling cannot change (saved answers refer to the order shown);
//! - the class or group never changes;
//! - withdrawing deletes the assignment only if no student has started; otherwise "Clore
//!   maintenant" sets its closing to now and keeps every attempt and result.

use super::api::AssignForm;
use super::authoring::datetime_local;
use crate::components::{Async, FormError, query_param};
use crate::error::AppError;
use domain::quiz::assignment::{AssignmentSettings, FeedbackPolicy};
use domain::{QuizAssignmentId, QuizId, TeachingUnit};
use leptos::form::ActionForm;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The management panel's data, for the teacher who gave the assignment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManageScreen {
    pub assignment: QuizAssignmentId,
    pub quiz: QuizId,
    /// The current settings, as the form shows them.
    pub form: AssignForm,
    pub closes_at: i64,
    /// Students who started at least one attempt.
    pub started: u32,
    pub closed: bool,
}

/// The "Modifier le devoir" panel of an assignment; `None` for anyone but the teacher who gave it.
#[server(prefix = "/api", endpoint = "quiz/devoir/reglages")]
pub async fn load_assignment_settings(devoir: QuizAssignmentId) -> Result<Option<ManageScreen>, AppError> {
    crate::server::respond(ssr::screen(devoir).await)
}

/// Changes an assignment's dates, time limit, attempts and feedback policy (the assignment
/// form's fields, `reglages[...]`; the class or group and, once a student started, the
/// shuffling stay as they were).
#[server(prefix = "/api", endpoint = "quiz/formulaire/devoir/modifier")]
pub async fn update_assignment_form(devoir: QuizAssignmentId, reglages: AssignForm) -> Result<(), AppError> {
    crate::server::respond(ssr::update(devoir, reglages).await)
}

/// "Clore maintenant": the assignment closes at once; every attempt and result is kept.
#[server(prefix = "/api", endpoint = "quiz/formulaire/devoir/clore")]
pub async fn close_assignment_form(devoir: QuizAssignmentId) -> Result<(), AppError> {
    crate::server::respond(ssr::close(devoir).await)
}

/// Deletes an assignment no student has started, then goes back to its quiz. Refused once a
/// student has started (close it instead).
#[server(prefix = "/api", endpoint = "quiz/formulaire/devoir/supprimer")]
pub async fn delete_assignment_form(devoir: QuizAssignmentId) -> Result<(), AppError> {
    crate::server::respond(ssr::delete(devoir).await)
}

/// The assignment form's values for these settings (what `assignment_from_form` reads back).
pub fn assign_form_of(unit: TeachingUnit, s: &AssignmentSettings) -> AssignForm {
    AssignForm {
        unite: unit.key(),
        ouverture: datetime_local(s.opens_at),
        fermeture: datetime_local(s.closes_at),
        duree: s.time_limit_minutes.map(|m| m.to_string()).unwrap_or_default(),
        tentatives: s.max_attempts.to_string(),
        melanger_questions: s.shuffle_questions.then(|| "1".into()),
        melanger_options: s.shuffle_options.then(|| "1".into()),
        retour: s.feedback.code().into(),
    }
}

pub fn feedback_label(policy: FeedbackPolicy) -> &'static str {
    match policy {
        FeedbackPolicy::Immediate => "Immédiatement (question par question)",
        FeedbackPolicy::AtSubmission => "À la remise",
        FeedbackPolicy::AfterClosing => "Après la clôture",
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::quizzes::api::ssr::refuse;
    use crate::quizzes::authoring::assignment_from_form;
    use crate::quizzes::db::{self, AssignmentRow};
    use crate::server::db::now_ms;
    use crate::server::{AppState, CurrentUser, require_user, state};
    use domain::quiz::access::can_manage_assignment;

    type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

    fn invalid(field: &str, reason: impl Into<String>) -> AppError {
        AppError::Invalid { field: field.into(), reason: reason.into() }
    }

    /// Holds the assignment's row until the transaction ends, so that a change, a closing, a
    /// deletion or a hand-off to the grade book of one assignment run one at a time.
    pub async fn lock_assignment(tx: &mut Tx<'_>, id: QuizAssignmentId) -> Result<(), AppError> {
        let found = sqlx::query("UPDATE quiz_assignments SET created_at = created_at WHERE id = $1")
            .bind(id.0)
            .execute(&mut **tx)
            .await?
            .rows_affected();
        if found == 0 {
            return Err(AppError::NotFound);
        }
        Ok(())
    }

    /// Students who started at least one attempt.
    async fn started(conn: &mut sqlx::AnyConnection, id: QuizAssignmentId) -> Result<u32, AppError> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(DISTINCT student_id) FROM quiz_attempts WHERE assignment_id = $1")
                .bind(id.0)
                .fetch_one(conn)
                .await?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// The assignment, if the person gave it (403 and audited otherwise, 404 elsewhere).
    async fn managed(st: &AppState, user: &CurrentUser, id: QuizAssignmentId) -> Result<AssignmentRow, AppError> {
        let Some(a) = db::assignment(&st.db, id).await? else {
            return Err(AppError::NotFound);
        };
        if !can_manage_assignment(&user.viewer, &a.access()) {
            return Err(refuse(st, user, a.establishment, &format!("modification du devoir quiz {id}")).await);
        }
        Ok(a)
    }

    /// For a panel of the results page that only the teacher who gave the assignment sees
    /// (this one, and the grade-book hand-off): the assignment, `None` for someone else of the
    /// establishment (the panel is simply not theirs), 404 for another establishment's (it does
    /// not exist for them).
    pub async fn panel_assignment(
        st: &AppState,
        user: &CurrentUser,
        id: QuizAssignmentId,
    ) -> Result<Option<AssignmentRow>, AppError> {
        let Some(a) = db::assignment(&st.db, id).await? else {
            return Err(AppError::NotFound);
        };
        if can_manage_assignment(&user.viewer, &a.access()) {
            return Ok(Some(a));
        }
        if !domain::is_member_of(&user.viewer, a.establishment) {
            return Err(AppError::NotFound);
        }
        Ok(None)
    }

    pub async fn screen(id: QuizAssignmentId) -> Result<Option<ManageScreen>, AppError> {
        let user = require_user()?;
        let st = state()?;
        let Some(a) = panel_assignment(&st, &user, id).await? else {
            return Ok(None);
        };
        let mut conn = st.db.acquire().await?;
        Ok(Some(ManageScreen {
            assignment: id,
            quiz: a.quiz,
            form: assign_form_of(a.unit, &a.settings),
            closes_at: a.settings.closes_at,
            started: started(&mut conn, id).await?,
            closed: now_ms() >= a.settings.closes_at,
        }))
    }

    /// Why `new` may not replace `old` now, once `started` students have begun.
    pub fn change_refusal(
        old: &AssignmentSettings,
        new: &AssignmentSettings,
        started: u32,
        now: i64,
    ) -> Option<AppError> {
        if started == 0 {
            return None;
        }
        if new.opens_at > now && new.opens_at != old.opens_at {
            return Some(invalid(
                "ouverture",
                "Des élèves ont déjà commencé : l'ouverture ne peut plus être repoussée après maintenant.",
            ));
        }
        if new.shuffle_questions != old.shuffle_questions || new.shuffle_options != old.shuffle_options {
            return Some(invalid(
                "melanger",
                "Des élèves ont déjà commencé : l'ordre des questions et des propositions ne peut plus changer, \
                 leurs réponses s'y rapportent.",
            ));
        }
        None
    }

    pub async fn update(id: QuizAssignmentId, form: AssignForm) -> Result<(), AppError> {
        let user = require_user()?;
        let st = state()?;
        let a = managed(&st, &user, id).await?;
        let (unit, settings) = assignment_from_form(&form)?;
        if unit != a.unit {
            return Err(invalid(
                "unite",
                "Un devoir garde sa classe ou son groupe : pour une autre classe, donnez-lui le quiz.",
            ));
        }
        let now = now_ms();
        settings.check(now)?;
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        lock_assignment(&mut tx, id).await?;
        // Read after taking the row: no other change of this assignment can come in between.
        let Some(current) = db::assignment(&st.db, id).await? else {
            return Err(AppError::NotFound);
        };
        if let Some(refusal) = change_refusal(&current.settings, &settings, started(&mut tx, id).await?, now) {
            return Err(refusal);
        }
        sqlx::query(
            "UPDATE quiz_assignments SET opens_at = $1, closes_at = $2, time_limit_minutes = $3, max_attempts = $4,
                 shuffle_questions = $5, shuffle_options = $6, feedback = $7 WHERE id = $8",
        )
        .bind(settings.opens_at)
        .bind(settings.closes_at)
        .bind(settings.time_limit_minutes.map(i64::from))
        .bind(i64::from(settings.max_attempts))
        .bind(i64::from(settings.shuffle_questions))
        .bind(i64::from(settings.shuffle_options))
        .bind(settings.feedback.code())
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn close(id: QuizAssignmentId) -> Result<(), AppError> {
        let user = require_user()?;
        let st = state()?;
        managed(&st, &user, id).await?;
        let now = now_ms();
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        lock_assignment(&mut tx, id).await?;
        // Attempts under way reach their deadline now: the next reading closes each with the
        // answers it saved, as when time runs out.
        let closed = sqlx::query(
            "UPDATE quiz_assignments SET closes_at = $1, opens_at = CASE WHEN opens_at > $1 THEN $1 ELSE opens_at END
             WHERE id = $2 AND closes_at > $1",
        )
        .bind(now)
        .bind(id.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if closed == 0 {
            return Err(AppError::Conflict("Ce devoir est déjà clos.".into()));
        }
        tx.commit().await?;
        leptos_axum::redirect(&format!("/quiz/resultats/{id}"));
        Ok(())
    }

    pub async fn delete(id: QuizAssignmentId) -> Result<(), AppError> {
        let user = require_user()?;
        let st = state()?;
        let a = managed(&st, &user, id).await?;
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        lock_assignment(&mut tx, id).await?;
        let n = started(&mut tx, id).await?;
        if n > 0 {
            return Err(AppError::Conflict(format!(
                "{n} élève{s} {a} déjà commencé ce devoir : le supprimer effacerait {leurs} réponses. Utilisez « Clore \
                 maintenant », qui garde tentatives et résultats.",
                s = if n > 1 { "s" } else { "" },
                a = if n > 1 { "ont" } else { "a" },
                leurs = if n > 1 { "leurs" } else { "ses" },
            )));
        }
        sqlx::query("DELETE FROM quiz_assignments WHERE id = $1").bind(id.0).execute(&mut *tx).await?;
        tx.commit().await?;
        leptos_axum::redirect(&format!("/quiz/{}#devoirs", a.quiz));
        Ok(())
    }
}

/// The assignment form's fields (`reglages[...]`) after `children` (the class or group), with
/// `values` filled in. `lock_shuffle`: the shuffling is shown, posted as it is, and not editable
/// (students have started).
#[component]
pub fn AssignmentFields(
    values: AssignForm,
    #[prop(optional)] lock_shuffle: bool,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let shuffle_q = values.melanger_questions.is_some();
    let shuffle_o = values.melanger_options.is_some();
    let shuffle = if lock_shuffle {
        let words = match (shuffle_q, shuffle_o) {
            (true, true) => "Questions et propositions mélangées",
            (true, false) => "Questions mélangées, propositions dans l'ordre",
            (false, true) => "Questions dans l'ordre, propositions mélangées",
            (false, false) => "Questions et propositions dans l'ordre",
        };
        view! {
            {shuffle_q.then(|| view! { <input type="hidden" name="reglages[melanger_questions]" value="1"/> })}
            {shuffle_o.then(|| view! { <input type="hidden" name="reglages[melanger_options]" value="1"/> })}
            <p class="muted small">{words} " — des élèves ont commencé : l'ordre ne change plus."</p>
        }
        .into_any()
    } else {
        view! {
            <label class="check"><input type="checkbox" name="reglages[melanger_questions]" value="1" checked=shuffle_q/>" Mélanger l'ordre des questions"</label>
            <label class="check"><input type="checkbox" name="reglages[melanger_options]" value="1" checked=shuffle_o/>" Mélanger les propositions"</label>
        }
        .into_any()
    };
    let retour = values.retour.clone();
    view! {
        <div class="form-grid">
            {children.map(|c| c())}
            <label>"Ouverture" <input type="datetime-local" name="reglages[ouverture]" required value=values.ouverture/></label>
            <label>"Fermeture" <input type="datetime-local" name="reglages[fermeture]" required value=values.fermeture/></label>
            <label>"Durée (minutes, vide : sans limite)" <input name="reglages[duree]" inputmode="numeric" size="4" value=values.duree/></label>
            <label>"Tentatives permises" <input name="reglages[tentatives]" inputmode="numeric" value=values.tentatives size="3"/></label>
            <label>"Correction visible"
                <select name="reglages[retour]">
                    {[FeedbackPolicy::AtSubmission, FeedbackPolicy::Immediate, FeedbackPolicy::AfterClosing].into_iter().map(|p| view! {
                        <option value=p.code() selected={p.code() == retour}>{feedback_label(p)}</option>
                    }).collect_view()}
                </select>
            </label>
        </div>
        {shuffle}
    }
}

/// "Modifier le devoir" and "Retirer le devoir" on an assignment's results page, for the
/// teacher who gave it; nothing for the others. Withdrawing asks first (`?retirer=1`, rendered
/// on the server).
#[component]
pub fn AssignmentManagement(assignment: QuizAssignmentId) -> impl IntoView {
    let update = ServerAction::<UpdateAssignmentForm>::new();
    let close = ServerAction::<CloseAssignmentForm>::new();
    let delete = ServerAction::<DeleteAssignmentForm>::new();
    let withdrawing = query_param::<String>("retirer");
    let data = Resource::new(
        move || (update.version().get(), close.version().get()),
        move |_| load_assignment_settings(assignment),
    );
    view! {
        <Async resource=data ok={move |screen: Option<ManageScreen>| {
            screen.map(|m| view! { <ManagePanel m update close delete confirm=withdrawing().is_some()/> })
        }}/>
    }
}

#[component]
fn ManagePanel(
    m: ManageScreen,
    update: ServerAction<UpdateAssignmentForm>,
    close: ServerAction<CloseAssignmentForm>,
    delete: ServerAction<DeleteAssignmentForm>,
    confirm: bool,
) -> impl IntoView {
    let id = m.assignment.to_string();
    let saved = move || {
        update.value().get().and_then(|r| r.ok()).map(|_| {
            view! { <p class="notice" role="status">"Devoir modifié : les élèves voient les nouveaux réglages."</p> }
        })
    };
    let state = if m.closed {
        format!(
            "Clos depuis le {}. Pour le rouvrir, choisissez une fermeture à venir.",
            domain::paris::format_datetime(m.closes_at)
        )
    } else {
        format!("Ouvert jusqu'au {}.", domain::paris::format_datetime(m.closes_at))
    };
    let started = match m.started {
        0 => "Aucun élève n'a commencé.".to_string(),
        1 => "1 élève a commencé.".to_string(),
        n => format!("{n} élèves ont commencé."),
    };
    // Withdrawing has something left to do unless the assignment is closed with work in it.
    let can_withdraw = m.started == 0 || !m.closed;
    let withdraw = if !can_withdraw {
        ().into_any()
    } else if !confirm {
        let id = id.clone();
        view! {
            <p><a href=format!("/quiz/resultats/{id}?retirer=1#retirer")>"Retirer le devoir"</a></p>
        }
        .into_any()
    } else if m.started == 0 {
        let id = id.clone();
        view! {
            <div class="confirm" role="alertdialog" aria-labelledby="retirer-titre">
                <p id="retirer-titre"><strong>"Supprimer ce devoir ?"</strong>" Aucun élève ne l'a commencé : il disparaît de leur liste."</p>
                <ActionForm action=delete>
                    <input type="hidden" name="devoir" value=id.clone()/>
                    <button type="submit" class="danger">"Supprimer le devoir"</button>
                    " " <a href=format!("/quiz/resultats/{id}")>"Annuler"</a>
                </ActionForm>
                <FormError action=delete/>
            </div>
        }
        .into_any()
    } else {
        let id = id.clone();
        view! {
            <div class="confirm" role="alertdialog" aria-labelledby="retirer-titre">
                <p id="retirer-titre"><strong>"Clore ce devoir maintenant ?"</strong>
                    " Des élèves l'ont commencé : il ne peut plus être supprimé. Clos, il ne prend plus de réponses ; \
                      chaque tentative et chaque résultat sont gardés, et une tentative en cours est rendue avec ses réponses enregistrées."</p>
                <ActionForm action=close>
                    <input type="hidden" name="devoir" value=id.clone()/>
                    <button type="submit" class="danger">"Clore maintenant"</button>
                    " " <a href=format!("/quiz/resultats/{id}")>"Annuler"</a>
                </ActionForm>
                <FormError action=close/>
            </div>
        }
        .into_any()
    };
    view! {
        <section class="panel" id="retirer" aria-labelledby="devoir-titre">
            <h2 id="devoir-titre">"Modifier le devoir"</h2>
            <p class="small">{state} " " {started}</p>
            <ActionForm action=update>
                <input type="hidden" name="devoir" value=id.clone()/>
                <input type="hidden" name="reglages[unite]" value=m.form.unite.clone()/>
                <AssignmentFields values=m.form.clone() lock_shuffle={m.started > 0}/>
                <p class="muted small">"Heures de Paris. Les tentatives déjà faites restent valables : baisser leur nombre empêche seulement d'en commencer de nouvelles. Avancer la fermeture ou raccourcir la durée n'efface aucune réponse enregistrée."</p>
                <button type="submit">"Enregistrer les changements"</button>
            </ActionForm>
            <FormError action=update/>
            {saved}
            {withdraw}
        </section>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::ssr::change_refusal;
    use super::*;
    use crate::quizzes::authoring::assignment_from_form;

    const NOW: i64 = 1_800_000_000_000;
    const HOUR: i64 = 3_600_000;

    fn settings() -> AssignmentSettings {
        AssignmentSettings {
            opens_at: NOW - HOUR,
            closes_at: NOW + 48 * HOUR,
            time_limit_minutes: Some(20),
            max_attempts: 3,
            shuffle_questions: true,
            shuffle_options: false,
            feedback: FeedbackPolicy::AfterClosing,
        }
    }

    #[test]
    fn the_form_of_an_assignment_reads_back_as_the_same_settings() {
        let unit = TeachingUnit::Class(domain::ClassId(12));
        let s = settings();
        assert_eq!(assignment_from_form(&assign_form_of(unit, &s)).ok(), Some((unit, s)));
    }

    #[test]
    fn once_students_started_the_opening_stays_and_the_order_never_changes() {
        let old = settings();
        let later = AssignmentSettings { opens_at: NOW + HOUR, ..old };
        let reshuffled = AssignmentSettings { shuffle_options: true, ..old };
        let fewer = AssignmentSettings { max_attempts: 1, closes_at: NOW + HOUR, time_limit_minutes: Some(5), ..old };
        assert!(change_refusal(&old, &later, 0, NOW).is_none(), "nobody started: anything goes");
        assert!(change_refusal(&old, &reshuffled, 0, NOW).is_none());
        assert!(
            matches!(change_refusal(&old, &later, 1, NOW), Some(AppError::Invalid { field, .. }) if field == "ouverture")
        );
        assert!(
            matches!(change_refusal(&old, &reshuffled, 1, NOW), Some(AppError::Invalid { field, .. }) if field == "melanger")
        );
        assert!(change_refusal(&old, &fewer, 3, NOW).is_none(), "fewer attempts, earlier closing, shorter time");
    }
}
