//! Sending an assignment's results to the grade book ("Reporter dans le carnet de notes"): the
//! teacher who gave the assignment picks one of the subjects they teach to its class or group,
//! an open period, a title, a scale and a coefficient; one evaluation is created in that grade
//! book and every final result becomes a mark, in one transaction.
//!
//! The rule for each student's cell, every time the results are sent:
//! - a final result (`QuizResult::is_final`) writes `score / out of × scale`, rounded to the
//!   hundredth (`QuizResult::mark_on`): the quiz is the source of those marks, and sending
//!   again brings them up to date (a change typed over one is replaced, and stays in the
//!   mark's history);
//! - a result that is not final (not started, in progress, open answers to grade) never
//!   touches the cell: an empty cell stays empty (never 0), and whatever the teacher typed
//!   there by hand ("Abs", "NR", a mark) is kept.
//!
//! The link assignment → evaluation (`quiz_gradebook_links`) makes a second send update the
//! same evaluation; its subject, period, title, scale and coefficient stay as first sent.
//! Evaluations, marks, the period lock, their history and audit are the grades module's
//! (`grades::api::ssr::new_evaluation`, `grades::db::insert_evaluation`, `write_mark`).

use crate::components::{Async, FormError};
use crate::error::AppError;
use crate::grades::api::PeriodChoice;
use domain::quiz::assignment::ResultStatus;
use domain::{EvaluationId, PeriodId, QuizAssignmentId, SubjectId};
use leptos::form::ActionForm;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The hand-off panel's data, for the teacher who gave the assignment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandoffScreen {
    pub assignment: QuizAssignmentId,
    /// The class or group's name.
    pub unit_name: String,
    /// The quiz's title: the evaluation's default title.
    pub title: String,
    /// The subjects the teacher teaches to that class or group.
    pub subjects: Vec<(SubjectId, String)>,
    /// The establishment's open periods, and the one to preselect (the one containing today).
    pub periods: Vec<PeriodChoice>,
    pub period: Option<PeriodId>,
    /// Where the results went, once sent.
    pub sent: Option<SentEvaluation>,
    /// Results as they stand now: how many are final, and the others by status.
    pub finals: u32,
    pub not_final: Vec<(ResultStatus, u32)>,
}

/// The evaluation an assignment's results were sent to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentEvaluation {
    pub evaluation: EvaluationId,
    pub title: String,
    pub subject_name: String,
    pub period_label: String,
    pub period_closed: bool,
    pub scale: u32,
    pub coefficient: String,
    pub sent_at: i64,
    /// The grade book page showing it.
    pub grade_book: String,
}

/// What one send did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandoffReport {
    pub evaluation: EvaluationId,
    /// A new evaluation (first send) or the same one updated.
    pub created: bool,
    /// Final results written as marks, and how many of those cells changed.
    pub marks: u32,
    pub changed: u32,
    /// Results not final, by status: their cells were left as they were.
    pub not_final: Vec<(ResultStatus, u32)>,
    /// Of those, cells holding something typed in the grade book, kept.
    pub kept: u32,
    pub grade_book: String,
}

/// The hand-off panel of an assignment's results page; `None` for anyone but the teacher who
/// gave it (the others following the results see no panel).
#[server(prefix = "/api", endpoint = "quiz/carnet/ecran")]
pub async fn load_handoff(devoir: QuizAssignmentId) -> Result<Option<HandoffScreen>, AppError> {
    crate::server::respond(ssr::handoff_screen(devoir).await)
}

/// "Reporter dans le carnet de notes": the first time, `matiere`, `periode`, `titre` (empty:
/// the quiz's title), `bareme` (empty: 20) and `coefficient` (empty: 1) say which evaluation
/// to create; once sent, they are ignored and the same evaluation is updated.
#[server(prefix = "/api", endpoint = "quiz/carnet/reporter")]
pub async fn send_to_gradebook(
    devoir: QuizAssignmentId,
    matiere: Option<SubjectId>,
    periode: Option<PeriodId>,
    titre: Option<String>,
    bareme: Option<String>,
    coefficient: Option<String>,
) -> Result<HandoffReport, AppError> {
    let choice = ssr::Choice {
        subject: matiere,
        period: periode,
        title: titre.unwrap_or_default(),
        scale: bareme.unwrap_or_default(),
        coefficient: coefficient.unwrap_or_default(),
    };
    crate::server::respond(ssr::send(devoir, choice).await)
}

/// "2 non commencés, 1 en cours" for the results not final.
pub fn not_final_words(counts: &[(ResultStatus, u32)]) -> String {
    counts
        .iter()
        .map(|(status, n)| {
            let s = if *n > 1 { "s" } else { "" };
            match status {
                ResultStatus::NotStarted => format!("{n} non commencé{s}"),
                ResultStatus::InProgress => format!("{n} en cours"),
                ResultStatus::PendingGrading => format!("{n} à corriger"),
                ResultStatus::Submitted => format!("{n} rendu{s}"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::grades::api::EVALUATIONS_PER_BOOK_MAX;
    use crate::grades::api::ssr::{EvaluationForm, new_evaluation};
    use crate::grades::db::{self as grades_db, EvaluationRow};
    use crate::quizzes::AssignmentResults;
    use crate::quizzes::api::ssr::{refuse, results_for};
    use crate::quizzes::db::{self, AssignmentRow};
    use crate::server::db::now_ms;
    use crate::server::{AppState, CurrentUser, require_user, state};
    use domain::quiz::access::{can_manage_assignment, can_send_to_gradebook};
    use domain::{Service, paris};
    use sqlx::Row;

    /// What the teacher chose in the form (the first send only).
    pub struct Choice {
        pub subject: Option<SubjectId>,
        pub period: Option<PeriodId>,
        pub title: String,
        pub scale: String,
        pub coefficient: String,
    }

    fn invalid(field: &str, reason: impl Into<String>) -> AppError {
        AppError::Invalid { field: field.into(), reason: reason.into() }
    }

    /// The assignment, if the person gave it.
    async fn managed(st: &AppState, user: &CurrentUser, id: QuizAssignmentId) -> Result<AssignmentRow, AppError> {
        let Some(a) = db::assignment(&st.db, id).await? else {
            return Err(AppError::NotFound);
        };
        if !can_manage_assignment(&user.viewer, &a.access()) {
            return Err(refuse(st, user, a.establishment, &format!("report au carnet du devoir quiz {id}")).await);
        }
        Ok(a)
    }

    fn counts(r: &AssignmentResults) -> (u32, Vec<(ResultStatus, u32)>) {
        let finals = r.students.iter().filter(|s| s.result.is_final()).count() as u32;
        let not_final = [ResultStatus::NotStarted, ResultStatus::InProgress, ResultStatus::PendingGrading]
            .into_iter()
            .map(|status| {
                (status, r.students.iter().filter(|s| !s.result.is_final() && s.result.status == status).count() as u32)
            })
            .filter(|(_, n)| *n > 0)
            .collect();
        (finals, not_final)
    }

    fn grade_book_url(e: &EvaluationRow) -> String {
        crate::grades::grade_book_href(e.service.unit, e.service.subject, e.period)
    }

    /// The evaluation an assignment's results went to, if any (read on `conn`).
    async fn linked(
        conn: &mut sqlx::AnyConnection,
        assignment: QuizAssignmentId,
    ) -> Result<Option<(EvaluationId, i64)>, sqlx::Error> {
        sqlx::query("SELECT evaluation_id, sent_at FROM quiz_gradebook_links WHERE assignment_id = $1")
            .bind(assignment.0)
            .fetch_optional(conn)
            .await?
            .map(|r| Ok((EvaluationId(r.try_get("evaluation_id")?), r.try_get("sent_at")?)))
            .transpose()
    }

    pub async fn handoff_screen(id: QuizAssignmentId) -> Result<Option<HandoffScreen>, AppError> {
        let user = require_user()?;
        let st = state()?;
        let Some(a) = crate::quizzes::manage::ssr::panel_assignment(&st, &user, id).await? else {
            return Ok(None);
        };
        let results = results_for(&st, &user, id).await?;
        let (finals, not_final) = counts(&results);
        let unit_key = a.unit.key();
        let subjects = grades_db::services(&st.db, a.establishment, user.me.id, None)
            .await?
            .into_iter()
            .filter(|s| s.unit_key == unit_key)
            .map(|s| (s.subject, s.subject_name))
            .collect();
        let all_periods = grades_db::periods(&st.db, a.establishment).await?;
        let today = paris::today_iso(now_ms());
        let current = grades_db::current_period(&all_periods, &today).filter(|p| !p.closed);
        let periods: Vec<PeriodChoice> = all_periods.iter().filter(|p| !p.closed).cloned().collect();
        let period = current.map(|p| p.id).or_else(|| periods.first().map(|p| p.id));
        let mut conn = st.db.acquire().await?;
        let sent = match linked(&mut conn, id).await? {
            Some((evaluation, sent_at)) => match grades_db::evaluation(&st.db, evaluation).await? {
                Some(e) => {
                    let subject_name: String = sqlx::query_scalar("SELECT name FROM subjects WHERE id = $1")
                        .bind(e.service.subject.0)
                        .fetch_one(&mut *conn)
                        .await?;
                    let period = all_periods.iter().find(|p| p.id == e.period);
                    Some(SentEvaluation {
                        evaluation,
                        title: e.title.clone(),
                        subject_name,
                        period_label: period.map(|p| p.label.clone()).unwrap_or_default(),
                        period_closed: period.is_some_and(|p| p.closed),
                        scale: e.scale.get(),
                        coefficient: domain::grades::format_short(e.coefficient.value()),
                        sent_at,
                        grade_book: grade_book_url(&e),
                    })
                }
                None => None,
            },
            None => None,
        };
        let unit_name = grades_db::unit_name(&st.db, a.unit).await?.unwrap_or_default();
        Ok(Some(HandoffScreen {
            assignment: id,
            unit_name,
            title: a.title,
            subjects,
            periods,
            period,
            sent,
            finals,
            not_final,
        }))
    }

    /// The day an evaluation sent today is dated: today, within the period chosen.
    fn held_on(period: &PeriodChoice, today: &str) -> String {
        if today < period.starts_on.as_str() {
            period.starts_on.clone()
        } else if today > period.ends_on.as_str() {
            period.ends_on.clone()
        } else {
            today.to_string()
        }
    }

    /// The new evaluation the first send creates, from the teacher's choice, checked.
    async fn new_from_choice(
        st: &AppState,
        user: &CurrentUser,
        a: &AssignmentRow,
        choice: Choice,
        now: i64,
    ) -> Result<EvaluationRow, AppError> {
        let unit_name = grades_db::unit_name(&st.db, a.unit).await?.unwrap_or_default();
        let Some(subject) = choice.subject else {
            return Err(invalid("matiere", "Choisissez la matière dont le carnet recevra les notes."));
        };
        let service = Service { establishment: a.establishment, unit: a.unit, subject };
        if !can_send_to_gradebook(&user.viewer, &a.access(), &service) {
            return Err(invalid(
                "matiere",
                format!(
                    "Vous n'enseignez pas cette matière en {unit_name} : choisissez une des matières que vous y \
                     enseignez."
                ),
            ));
        }
        let Some(period) = choice.period else {
            return Err(invalid("periode", "Choisissez la période de l'évaluation."));
        };
        let periods = grades_db::periods(&st.db, a.establishment).await?;
        let Some(period) = periods.iter().find(|p| p.id == period) else {
            return Err(AppError::NotFound);
        };
        if period.closed {
            return Err(AppError::Conflict(format!(
                "La période « {} » est close : choisissez une période ouverte. Rien n'a été reporté.",
                period.label
            )));
        }
        let title = if choice.title.trim().is_empty() { a.title.clone() } else { choice.title };
        let form = EvaluationForm {
            titre: title,
            date: held_on(period, &paris::today_iso(now)),
            bareme: choice.scale,
            coefficient: choice.coefficient,
            prise_en_compte: domain::grades::Counting::Normal.code().into(),
        };
        new_evaluation(st, service, period.id, &form, now).await
    }

    pub async fn send(id: QuizAssignmentId, choice: Choice) -> Result<HandoffReport, AppError> {
        let user = require_user()?;
        let st = state()?;
        let a = managed(&st, &user, id).await?;
        // Attempts whose time ran out are closed first, so the results are those of now.
        let results = results_for(&st, &user, id).await?;
        let now = now_ms();
        // The evaluation already linked, and may this teacher still grade it: checked before the
        // transaction, so that a refusal's audit entry is not written while it holds the lock.
        let before = {
            let mut conn = st.db.acquire().await?;
            linked(&mut conn, id).await?.map(|(e, _)| e)
        };
        let existing = match before {
            Some(e) => grades_db::evaluation(&st.db, e).await?,
            None => None,
        };
        if let Some(e) = &existing
            && !can_send_to_gradebook(&user.viewer, &a.access(), &e.service)
        {
            return Err(refuse(&st, &user, a.establishment, &format!("carnet de l'évaluation {}", e.id)).await);
        }
        let fresh = match &existing {
            Some(_) => None,
            None => Some(new_from_choice(&st, &user, &a, choice, now).await?),
        };
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        // One send of an assignment at a time: a second one waits, then finds the link as the
        // first left it.
        crate::quizzes::manage::ssr::lock_assignment(&mut tx, id).await?;
        if linked(&mut tx, id).await?.map(|(e, _)| e) != before {
            return Err(AppError::Conflict(
                "Ces résultats viennent d'être reportés depuis une autre fenêtre : rechargez la page.".into(),
            ));
        }
        let (evaluation, created) = match (existing, fresh) {
            (Some(e), _) => {
                grades_db::lock_open_period(&mut tx, e.period).await?;
                sqlx::query("UPDATE quiz_gradebook_links SET sent_by = $1, sent_at = $2 WHERE assignment_id = $3")
                    .bind(user.me.id.0)
                    .bind(now)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
                (e, false)
            }
            (None, Some(e)) => {
                grades_db::insert_evaluation(&mut tx, &e, user.me.id, now, EVALUATIONS_PER_BOOK_MAX).await?;
                // A link to an evaluation deleted since is replaced.
                sqlx::query("DELETE FROM quiz_gradebook_links WHERE assignment_id = $1")
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO quiz_gradebook_links (assignment_id, evaluation_id, sent_by, sent_at)
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(id.0)
                .bind(e.id.0)
                .bind(user.me.id.0)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                (e, true)
            }
            (None, None) => return Err(AppError::NotFound),
        };
        let typed: Vec<i64> = sqlx::query_scalar("SELECT student_id FROM grades WHERE evaluation_id = $1")
            .bind(evaluation.id.0)
            .fetch_all(&mut *tx)
            .await?;
        let (mut marks, mut changed, mut kept) = (0, 0, 0);
        for s in &results.students {
            match s.result.mark_on(evaluation.scale) {
                Some(mark) => {
                    marks += 1;
                    if grades_db::write_mark(&mut tx, &evaluation, s.result.student, Some(mark), user.me.id, now)
                        .await?
                    {
                        changed += 1;
                    }
                }
                None if typed.contains(&s.result.student.0) => kept += 1,
                None => {}
            }
        }
        tx.commit().await?;
        let (_, not_final) = counts(&results);
        Ok(HandoffReport {
            evaluation: evaluation.id,
            created,
            marks,
            changed,
            not_final,
            kept,
            grade_book: grade_book_url(&evaluation),
        })
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn an_evaluation_sent_today_is_dated_within_its_period() {
            let p = PeriodChoice {
                id: PeriodId(1),
                label: "Trimestre 2".into(),
                starts_on: "2026-12-01".into(),
                ends_on: "2027-03-07".into(),
                closed: false,
            };
            assert_eq!(held_on(&p, "2026-12-15"), "2026-12-15");
            assert_eq!(held_on(&p, "2026-11-30"), "2026-12-01");
            assert_eq!(held_on(&p, "2027-03-08"), "2027-03-07");
        }
    }
}

/// "Reporter dans le carnet de notes", on an assignment's results page: for the teacher who
/// gave it, nothing for the others.
#[component]
pub fn GradebookHandoff(assignment: QuizAssignmentId) -> impl IntoView {
    let action = ServerAction::<SendToGradebook>::new();
    let data = Resource::new(move || action.version().get(), move |_| load_handoff(assignment));
    view! {
        <Async resource=data ok={move |screen: Option<HandoffScreen>| {
            screen.map(|s| view! { <HandoffPanel s action/> })
        }}/>
    }
}

#[component]
fn HandoffPanel(s: HandoffScreen, action: ServerAction<SendToGradebook>) -> impl IntoView {
    let now_words = if s.not_final.is_empty() {
        format!("{} résultat(s) définitif(s) : chaque élève aura sa note.", s.finals)
    } else {
        format!(
            "{} résultat(s) définitif(s) deviennent des notes ; les cases des autres élèves ({}) restent vides, \
             jamais 0 (ou gardent ce que vous y avez saisi : Abs, NR…).",
            s.finals,
            not_final_words(&s.not_final)
        )
    };
    let done = move || {
        action.value().get().and_then(|r| r.ok()).map(|r| {
            let empty = if r.not_final.is_empty() {
                String::new()
            } else {
                format!(
                    " {} case(s) laissée(s) telle(s) quelle(s), faute de résultat définitif ({}){}.",
                    r.not_final.iter().map(|(_, n)| n).sum::<u32>(),
                    not_final_words(&r.not_final),
                    if r.kept > 0 {
                        format!(", dont {} avec une saisie du carnet gardée", r.kept)
                    } else {
                        String::new()
                    }
                )
            };
            view! {
                <p class="notice" role="status">
                    {format!(
                        "{} : {} note(s) reportée(s), {} modifiée(s).{empty} ",
                        if r.created { "Évaluation créée" } else { "Évaluation mise à jour" },
                        r.marks,
                        r.changed
                    )}
                    <a href=r.grade_book>"Ouvrir le carnet de notes"</a>
                </p>
            }
        })
    };
    let form = match s.sent.clone() {
        Some(sent) => view! {
            <p>{format!(
                "Reporté le {} dans le carnet de {} · {} : « {} », sur {}, coefficient {}.",
                domain::paris::format_datetime(sent.sent_at),
                sent.subject_name,
                sent.period_label,
                sent.title,
                sent.scale,
                sent.coefficient
            )} " " <a href=sent.grade_book.clone()>"Voir dans le carnet de notes"</a></p>
            {if sent.period_closed {
                view! { <p class="muted small">"La période est close : les notes de cette évaluation ne peuvent plus changer."</p> }.into_any()
            } else {
                view! {
                    <ActionForm action>
                        <input type="hidden" name="devoir" value=s.assignment.to_string()/>
                        <p class="muted small">"Renvoyer met à jour les notes de la même évaluation, sans en créer une autre."</p>
                        <button type="submit">"Mettre à jour le carnet de notes"</button>
                    </ActionForm>
                }.into_any()
            }}
        }
        .into_any(),
        None if s.subjects.is_empty() => view! {
            <p class="muted">{format!(
                "Vous n'enseignez aucune matière en {} : ces résultats ne peuvent aller dans aucun de vos carnets de notes.",
                s.unit_name
            )}</p>
        }
        .into_any(),
        None if s.periods.is_empty() => view! {
            <p class="muted">"Toutes les périodes sont closes : aucune évaluation ne peut plus y être ajoutée."</p>
        }
        .into_any(),
        None => view! {
            <ActionForm action>
                <input type="hidden" name="devoir" value=s.assignment.to_string()/>
                <div class="form-grid">
                    <label>"Matière"
                        <select name="matiere">
                            {s.subjects.iter().map(|(id, name)| view! { <option value=id.to_string()>{name.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>"Période"
                        <select name="periode">
                            {s.periods.iter().map(|p| view! {
                                <option value=p.id.to_string() selected={Some(p.id) == s.period}>{p.label.clone()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label>"Titre de l'évaluation" <input name="titre" value=s.title.clone() maxlength="80"/></label>
                    <label>"Barème (sur)" <input name="bareme" inputmode="numeric" value="20" size="3"/></label>
                    <label>"Coefficient" <input name="coefficient" inputmode="decimal" value="1" size="3"/></label>
                </div>
                <button type="submit">"Reporter dans le carnet de notes"</button>
            </ActionForm>
        }
        .into_any(),
    };
    view! {
        <section class="panel" id="carnet" aria-labelledby="carnet-titre">
            <h2 id="carnet-titre">"Reporter dans le carnet de notes"</h2>
            <p class="small">{now_words}</p>
            {form}
            <FormError action/>
            {done}
        </section>
    }
}
