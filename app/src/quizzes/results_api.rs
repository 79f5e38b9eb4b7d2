//! Server functions of grading open answers by hand: the written answers waiting or graded
//! (`load_grading_sheet`, for whoever may read the assignment's results or grade it,
//! `domain::quiz::access::can_view_grading_sheet`), and the grading form
//! (`grade_open_answers`, url-encoded so that it posts without JavaScript), which saves every
//! grade posted in one transaction or none, only for the teacher who gave the assignment or
//! direction (`can_grade_assignment`: the points flow into that teacher's grade book).

use super::GradingSheet;
use crate::error::AppError;
use domain::QuizAssignmentId;
use leptos::prelude::*;
use std::collections::BTreeMap;

/// Every open question of an assignment with each submitted written answer.
#[server(prefix = "/api", endpoint = "quiz/resultats/copies")]
pub async fn load_grading_sheet(devoir: QuizAssignmentId) -> Result<GradingSheet, AppError> {
    crate::server::respond(ssr::grading_sheet(devoir).await)
}

/// The grading form: `notes[tATTEMPTqQUESTION]` the points ("1,5"; blank: left as it is) and
/// `commentaires[tATTEMPTqQUESTION]` an optional comment, for any number of answers. Returns
/// how many answers changed, then goes back to the form.
#[server(prefix = "/api", endpoint = "quiz/resultats/corriger")]
pub async fn grade_open_answers(
    devoir: QuizAssignmentId,
    notes: Option<BTreeMap<String, String>>,
    commentaires: Option<BTreeMap<String, String>>,
) -> Result<usize, AppError> {
    let saved =
        crate::server::respond(ssr::grade(devoir, notes.unwrap_or_default(), commentaires.unwrap_or_default()).await)?;
    leptos_axum::redirect(&format!("/quiz/resultats/{devoir}/corriger?enregistrees={saved}"));
    Ok(saved)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::quizzes::api::ssr::{refuse, settle};
    use crate::quizzes::db::{self, AssignmentRow, AttemptRow, ManualGrade};
    use crate::quizzes::{OpenAnswer, OpenQuestion, grading};
    use crate::server::db::now_ms;
    use crate::server::{AppState, CurrentUser, require_user, state};
    use domain::AttemptId;
    use domain::quiz::access::{AssignmentRef, can_grade_assignment, can_view_grading_sheet};
    use domain::quiz::assignment::{grading_comment, manual_points};
    use std::collections::BTreeSet;

    /// The assignment and its attempts (those whose time ran out closed), if `may(user, it)`;
    /// `what` names the refused action in the audit log.
    async fn gradable(
        st: &AppState,
        user: &CurrentUser,
        id: QuizAssignmentId,
        may: fn(&domain::Viewer, &AssignmentRef) -> bool,
        what: &str,
    ) -> Result<(AssignmentRow, Vec<AttemptRow>), AppError> {
        let Some(a) = db::assignment(&st.db, id).await? else {
            return Err(AppError::NotFound);
        };
        if !may(&user.viewer, &a.access()) {
            return Err(refuse(st, user, a.establishment, &format!("{what} du devoir quiz {id}")).await);
        }
        let now = now_ms();
        let mut attempts = Vec::new();
        for attempt in db::attempts_at(&st.db, id).await? {
            attempts.push(settle(st, &a, attempt, now).await?);
        }
        Ok((a, attempts))
    }

    async fn sheet(st: &AppState, a: &AssignmentRow, attempts: &[AttemptRow]) -> Result<GradingSheet, AppError> {
        let roster = crate::grades::db::roster(&st.db, a.unit).await?;
        let answers = db::answers_at(&st.db, a.id).await?;
        Ok(grading::grading_sheet(a, &roster, attempts, &answers))
    }

    pub async fn grading_sheet(id: QuizAssignmentId) -> Result<GradingSheet, AppError> {
        let user = require_user()?;
        let st = state()?;
        let (a, attempts) = gradable(&st, &user, id, can_view_grading_sheet, "copies").await?;
        let mut sheet = sheet(&st, &a, &attempts).await?;
        sheet.may_grade = can_grade_assignment(&user.viewer, &a.access());
        Ok(sheet)
    }

    /// The grades a form asks for, by attempt, or every problem named by student and
    /// question. An answer whose points and comment are as saved is left out.
    pub fn read_grades(
        sheet: &GradingSheet,
        notes: &BTreeMap<String, String>,
        comments: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<AttemptId, Vec<ManualGrade>>, Vec<String>> {
        let mut grades: BTreeMap<AttemptId, Vec<ManualGrade>> = BTreeMap::new();
        let mut problems = Vec::new();
        let find = |key: &str| -> Option<(&OpenQuestion, &OpenAnswer)> {
            sheet.questions.iter().find_map(|q| q.answers.iter().find(|a| a.key(q.question) == key).map(|a| (q, a)))
        };
        let keys: BTreeSet<&String> = notes.keys().chain(comments.keys()).collect();
        for key in keys {
            let Some((q, answer)) = find(key) else {
                problems.push(
                    "Une réponse envoyée ne fait pas partie des copies de ce devoir : rechargez la page.".to_string(),
                );
                continue;
            };
            let who = format!("{}, question {}", answer.student_name, q.number);
            let raw = notes.get(key).map(|v| v.trim()).unwrap_or("");
            let comment = match grading_comment(comments.get(key).map(String::as_str).unwrap_or("")) {
                Ok(c) => c,
                Err(e) => {
                    problems.push(format!("{who} : {}", e.reason));
                    continue;
                }
            };
            if raw.is_empty() {
                if comment.is_some() && comment != answer.comment {
                    problems.push(format!("{who} : indiquez les points avec le commentaire."));
                }
                continue;
            }
            match manual_points(raw, q.points) {
                Ok(earned) => {
                    let before = answer.earned.map(|e| (e * 100.0).round() as i64);
                    if before == Some(earned) && comment == answer.comment {
                        continue;
                    }
                    grades.entry(answer.attempt).or_default().push(ManualGrade {
                        question: q.question,
                        earned_hundredths: earned,
                        comment,
                    });
                }
                Err(e) => problems.push(format!("{who} : {}", e.reason)),
            }
        }
        if problems.is_empty() { Ok(grades) } else { Err(problems) }
    }

    pub async fn grade(
        id: QuizAssignmentId,
        notes: BTreeMap<String, String>,
        comments: BTreeMap<String, String>,
    ) -> Result<usize, AppError> {
        let user = require_user()?;
        let st = state()?;
        let (a, attempts) = gradable(&st, &user, id, can_grade_assignment, "correction").await?;
        let sheet = sheet(&st, &a, &attempts).await?;
        let grades = read_grades(&sheet, &notes, &comments).map_err(|problems| AppError::Invalid {
            field: "notes".into(),
            reason: format!("{} Rien n'a été enregistré.", problems.join(" ")),
        })?;
        let now = now_ms();
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        let mut saved = 0;
        for (attempt, grades) in &grades {
            if !db::lock_submitted_attempt(&mut tx, *attempt).await? {
                return Err(AppError::NotFound);
            }
            let Some(row) = db::attempt(&mut *tx, *attempt).await? else {
                return Err(AppError::NotFound);
            };
            let answers = db::answers(&mut *tx, *attempt).await?;
            let (score, waiting) = grading::regraded(&a, &row, &answers, grades);
            db::grade_attempt(&mut tx, *attempt, grades, score, waiting, user.me.id, now).await?;
            saved += grades.len();
        }
        tx.commit().await?;
        Ok(saved)
    }
}
