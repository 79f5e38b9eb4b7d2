//! Server functions of grades: a teacher's grade books (evaluations and the grid of marks)
//! and a student's grades with averages and the calculation behind each. Every function
//! loads the resource's establishment, asks `domain::permissions`, then touches data.
// The evaluation form posts its fields as they are named in the HTML form, one argument each;
// `#[server]` does not carry an item-level allow into its browser-side stub.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
use domain::{EvaluationId, PeriodId, SubjectId, UserId};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Longest evaluation title.
pub const TITLE_MAX_CHARS: usize = 80;
/// Most evaluations in one grade book (one subject, one class or group, one period).
pub const EVALUATIONS_PER_BOOK_MAX: usize = 60;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodChoice {
    pub id: PeriodId,
    pub label: String,
    pub starts_on: String,
    pub ends_on: String,
    /// Closed by direction: grades frozen, bulletins published.
    pub closed: bool,
}

/// One subject a teacher teaches to one class or group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceLine {
    pub unit_key: String,
    pub unit_name: String,
    pub subject: SubjectId,
    pub subject_name: String,
    pub students: i64,
    pub evaluations: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeBook {
    pub unit_key: String,
    pub unit_name: String,
    pub subject: SubjectId,
    pub subject_name: String,
    pub periods: Vec<PeriodChoice>,
    pub period: PeriodChoice,
    pub evaluations: Vec<EvaluationColumn>,
    pub rows: Vec<GradeRow>,
    pub class_average: Option<String>,
    /// When new grades reach students and families, in words.
    pub publication: String,
    pub not_returned_counts_zero: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationColumn {
    pub id: EvaluationId,
    pub title: String,
    pub held_on: String,
    pub scale: u32,
    pub coefficient: String,
    /// "Bonus" or "Hors moyenne", when it does not count normally.
    pub counting: Option<String>,
    pub published: bool,
    pub publish_label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeRow {
    pub student: UserId,
    pub name: String,
    /// What each evaluation's cell shows ("12,5", "Abs", "" when empty), in column order.
    pub cells: Vec<String>,
    pub average: Option<String>,
}

/// What a saved cell now holds, and the student's new average in that grade book.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedGrade {
    pub display: String,
    pub average: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudentGrades {
    pub student: UserId,
    pub student_name: String,
    pub class_name: Option<String>,
    /// The viewer's children, when the viewer is a guardian (to switch between them).
    pub children: Vec<(UserId, String)>,
    pub periods: Vec<PeriodChoice>,
    pub period: Option<PeriodChoice>,
    pub subjects: Vec<SubjectGrades>,
    pub general_average: Option<String>,
    pub general_calculation: Vec<String>,
    /// "3 notes seront visibles le 23/11/2026 à 18:00." for students and families.
    pub pending: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubjectGrades {
    pub name: String,
    pub teachers: String,
    pub coefficient: String,
    pub grades: Vec<GradeLine>,
    pub average: Option<String>,
    pub class_average: Option<String>,
    pub class_min: Option<String>,
    pub class_max: Option<String>,
    pub calculation: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeLine {
    pub evaluation: EvaluationId,
    pub title: String,
    pub held_on: String,
    /// "12,5/20" or "Abs".
    pub mark: String,
    pub coefficient: String,
    pub note: Option<String>,
    pub class_average: Option<String>,
    /// Every change to this mark, oldest first ("23/11/2026 à 12:10 · Claire Fontaine : 15,5 →
    /// Abs"), for direction only; empty for everyone else.
    pub history: Vec<String>,
}

#[server(prefix = "/api", endpoint = "notes/services")]
pub async fn load_services() -> Result<Vec<ServiceLine>, AppError> {
    crate::server::respond(ssr::services().await)
}

#[server(prefix = "/api", endpoint = "notes/carnet")]
pub async fn load_grade_book(
    unite: String,
    matiere: SubjectId,
    periode: Option<PeriodId>,
) -> Result<GradeBook, AppError> {
    crate::server::respond(ssr::grade_book(unite, matiere, periode).await)
}

#[server(prefix = "/api", endpoint = "notes/evaluation/creer")]
pub async fn create_evaluation(
    unite: String,
    matiere: SubjectId,
    periode: PeriodId,
    titre: String,
    date: String,
    bareme: String,
    coefficient: String,
    prise_en_compte: String,
) -> Result<EvaluationId, AppError> {
    let form = ssr::EvaluationForm { titre, date, bareme, coefficient, prise_en_compte };
    crate::server::respond(ssr::create_evaluation(unite, matiere, periode, form).await)
}

/// Saves one cell: a mark, a status, or nothing (an empty cell clears the mark).
#[server(prefix = "/api", endpoint = "notes/saisir")]
pub async fn save_grade(evaluation: EvaluationId, eleve: UserId, note: String) -> Result<SavedGrade, AppError> {
    crate::server::respond(ssr::save_grade(evaluation, eleve, note).await)
}

/// Saves a whole column at once (the grid's form without JavaScript): `notes` maps each
/// student id to what was typed. Any invalid cell refuses the whole column.
#[server(prefix = "/api", endpoint = "notes/colonne")]
pub async fn save_column(evaluation: EvaluationId, notes: BTreeMap<String, String>) -> Result<usize, AppError> {
    crate::server::respond(ssr::save_column(evaluation, notes).await)
}

/// Imports one evaluation's marks from CSV text (`Nom;Prénom;Note`, or a range pasted from a
/// spreadsheet). Any problem refuses the whole file, listing each line.
#[server(prefix = "/api", endpoint = "notes/import")]
pub async fn import_grades(evaluation: EvaluationId, contenu: String) -> Result<usize, AppError> {
    crate::server::respond(ssr::import_grades(evaluation, contenu).await)
}

#[server(prefix = "/api", endpoint = "notes/eleve")]
pub async fn load_student_grades(eleve: Option<UserId>, periode: Option<PeriodId>) -> Result<StudentGrades, AppError> {
    crate::server::respond(ssr::student_grades(eleve, periode).await)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::grades::db::{self, EvaluationRow};
    use crate::server::{AppState, CurrentUser, audit, db::now_ms, require_user, state};
    use domain::grades::{Coefficient, Counting, Mark, Scale};
    use domain::permissions::{can_grade, can_view_student_grades};
    use domain::{Role, Service, TeachingUnit, paris};

    /// The evaluation form's fields, as typed.
    pub struct EvaluationForm {
        pub titre: String,
        pub date: String,
        pub bareme: String,
        pub coefficient: String,
        pub prise_en_compte: String,
    }

    fn invalid(field: &str, reason: impl Into<String>) -> AppError {
        AppError::Invalid { field: field.into(), reason: reason.into() }
    }

    /// The service behind a grade book, after checking the viewer may grade it.
    pub(crate) async fn graded_service(
        st: &AppState,
        user: &CurrentUser,
        unit: TeachingUnit,
        subject: SubjectId,
    ) -> Result<Service, AppError> {
        let Some(establishment) = crate::classes::db::unit_establishment(&st.db, unit).await? else {
            return Err(AppError::NotFound);
        };
        let service = Service { establishment, unit, subject };
        if !can_grade(&user.viewer, &service) {
            audit::refused(&st.db, user, &format!("carnet de notes {} matière {subject}", unit.key())).await;
            return Err(AppError::Forbidden);
        }
        Ok(service)
    }

    pub(crate) fn parse_unit(unite: &str) -> Result<TeachingUnit, AppError> {
        TeachingUnit::from_key(unite).ok_or(AppError::NotFound)
    }

    pub async fn services() -> Result<Vec<ServiceLine>, AppError> {
        let user = require_user()?;
        let st = state()?;
        let Some(est) = user.establishment().filter(|e| user.viewer.has_role(*e, Role::Teacher)) else {
            return Err(AppError::Forbidden);
        };
        let period = db::periods(&st.db, est).await?;
        let current = db::current_period(&period, &paris::today_iso(now_ms())).map(|p| p.id);
        db::services(&st.db, est, user.me.id, current).await
    }

    pub async fn grade_book(
        unite: String,
        matiere: SubjectId,
        periode: Option<PeriodId>,
    ) -> Result<GradeBook, AppError> {
        let user = require_user()?;
        let st = state()?;
        grade_book_for(&st, &user, unite, matiere, periode).await
    }

    /// The grade book for `user`, outside a Leptos context too (the CSV export).
    pub async fn grade_book_for(
        st: &AppState,
        user: &CurrentUser,
        unite: String,
        matiere: SubjectId,
        periode: Option<PeriodId>,
    ) -> Result<GradeBook, AppError> {
        let service = graded_service(st, user, parse_unit(&unite)?, matiere).await?;
        let periods = db::periods(&st.db, service.establishment).await?;
        let period = match periode {
            Some(id) => periods.iter().find(|p| p.id == id).cloned().ok_or(AppError::NotFound)?,
            None => db::current_period(&periods, &paris::today_iso(now_ms())).ok_or(AppError::NotFound)?,
        };
        db::grade_book(&st.db, &service, periods, period, now_ms()).await
    }

    pub async fn create_evaluation(
        unite: String,
        matiere: SubjectId,
        periode: PeriodId,
        form: EvaluationForm,
    ) -> Result<EvaluationId, AppError> {
        let user = require_user()?;
        let st = state()?;
        let service = graded_service(&st, &user, parse_unit(&unite)?, matiere).await?;
        let now = now_ms();
        let row = new_evaluation(&st, service, periode, &form, now).await?;
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        db::insert_evaluation(&mut tx, &row, user.me.id, now, EVALUATIONS_PER_BOOK_MAX).await?;
        tx.commit().await?;
        Ok(row.id)
    }

    /// A new evaluation of `service` in `periode` from the form's fields, checked (title,
    /// date within the period, scale, coefficient, counting) and with its publication time;
    /// not yet stored. Shared by the evaluation form and the quiz hand-off.
    pub(crate) async fn new_evaluation(
        st: &AppState,
        service: Service,
        periode: PeriodId,
        form: &EvaluationForm,
        now: i64,
    ) -> Result<EvaluationRow, AppError> {
        let title = form.titre.split_whitespace().collect::<Vec<_>>().join(" ");
        if title.is_empty() {
            return Err(invalid("titre", "Donnez un titre à l'évaluation, par exemple « Contrôle chapitre 3 »."));
        }
        if title.chars().count() > TITLE_MAX_CHARS {
            return Err(invalid("titre", format!("Le titre fait au plus {TITLE_MAX_CHARS} caractères.")));
        }
        let held_on = paris::iso(paris::parse_date(&form.date)?);
        let scale = Scale::parse(&form.bareme)?;
        let coefficient = Coefficient::parse(&form.coefficient)?;
        let counting = Counting::from_code(form.prise_en_compte.trim())
            .ok_or_else(|| invalid("prise_en_compte", "Choisissez comment l'évaluation compte dans la moyenne."))?;
        let periods = db::periods(&st.db, service.establishment).await?;
        let period = periods.iter().find(|p| p.id == periode).ok_or(AppError::NotFound)?;
        if held_on < period.starts_on || held_on > period.ends_on {
            return Err(invalid(
                "date",
                format!(
                    "La date doit être dans la période « {} » (du {} au {}).",
                    period.label,
                    paris::format_date(&period.starts_on),
                    paris::format_date(&period.ends_on)
                ),
            ));
        }
        let publish_at = match db::publication_hour(&st.db, service.establishment).await? {
            Some(hour) => paris::next_daily(now, hour),
            None => now,
        };
        Ok(EvaluationRow {
            id: EvaluationId(crate::server::db::new_id()),
            service,
            period: periode,
            title,
            held_on,
            scale,
            coefficient,
            counting,
            publish_at,
        })
    }

    /// The evaluation and its service, after checking the viewer may grade it.
    async fn graded_evaluation(user: &CurrentUser, evaluation: EvaluationId) -> Result<EvaluationRow, AppError> {
        let st = state()?;
        let Some(row) = db::evaluation(&st.db, evaluation).await? else {
            return Err(AppError::NotFound);
        };
        if !can_grade(&user.viewer, &row.service) {
            audit::refused(&st.db, user, &format!("évaluation {evaluation}")).await;
            return Err(AppError::Forbidden);
        }
        Ok(row)
    }

    /// What a typed cell means: `None` clears the mark.
    fn read_cell(raw: &str, scale: Scale) -> Result<Option<Mark>, domain::DomainError> {
        if raw.trim().is_empty() { Ok(None) } else { Mark::parse(raw, scale).map(Some) }
    }

    pub async fn save_grade(evaluation: EvaluationId, student: UserId, raw: String) -> Result<SavedGrade, AppError> {
        let user = require_user()?;
        let st = state()?;
        let row = graded_evaluation(&user, evaluation).await?;
        let mark = read_cell(&raw, row.scale)?;
        if !db::is_enrolled(&st.db, row.service.unit, student).await? {
            return Err(AppError::NotFound);
        }
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        db::write_mark(&mut tx, &row, student, mark, user.me.id, now_ms()).await?;
        tx.commit().await?;
        let policy = db::not_returned_policy(&st.db, row.service.establishment).await?;
        let average = db::student_book_average(&st.db, &row, student, policy).await?;
        Ok(SavedGrade {
            display: mark.map(Mark::display).unwrap_or_default(),
            average: average.map(domain::grades::format_fr),
        })
    }

    pub async fn save_column(evaluation: EvaluationId, notes: BTreeMap<String, String>) -> Result<usize, AppError> {
        let user = require_user()?;
        let st = state()?;
        let row = graded_evaluation(&user, evaluation).await?;
        let roster = db::roster(&st.db, row.service.unit).await?;
        // Read every cell first: one mistake refuses the column, naming each faulty line.
        let mut marks = Vec::with_capacity(notes.len());
        let mut problems = Vec::new();
        for (key, raw) in &notes {
            let Some(student) = key.parse::<i64>().ok().map(UserId) else {
                return Err(AppError::NotFound);
            };
            let Some(person) = roster.iter().find(|p| p.id == student) else {
                return Err(AppError::NotFound);
            };
            match read_cell(raw, row.scale) {
                Ok(mark) => marks.push((student, mark)),
                Err(e) => {
                    problems.push(format!("{} {} : {}", person.last_name.to_uppercase(), person.first_name, e.reason))
                }
            }
        }
        if !problems.is_empty() {
            return Err(invalid("notes", format!("Rien n'a été enregistré. À corriger : {}", problems.join(" ; "))));
        }
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        let mut changed = 0;
        for (student, mark) in marks {
            if db::write_mark(&mut tx, &row, student, mark, user.me.id, now_ms()).await? {
                changed += 1;
            }
        }
        tx.commit().await?;
        Ok(changed)
    }

    pub async fn import_grades(evaluation: EvaluationId, text: String) -> Result<usize, AppError> {
        use domain::grade_csv::{RosterEntry, parse_evaluation_import};
        let user = require_user()?;
        let st = state()?;
        let row = graded_evaluation(&user, evaluation).await?;
        let roster = db::roster(&st.db, row.service.unit).await?;
        let entries: Vec<RosterEntry<'_>> = roster
            .iter()
            .map(|p| RosterEntry { id: p.id, last_name: &p.last_name, first_name: &p.first_name })
            .collect();
        let marks = parse_evaluation_import(&text, &entries, row.scale).map_err(|problems| {
            let lines: Vec<String> = problems
                .iter()
                .take(20)
                .map(|p| match p.line {
                    0 => p.message.clone(),
                    n => format!("ligne {n} : {}", p.message),
                })
                .collect();
            let more = problems.len().saturating_sub(20);
            invalid(
                "contenu",
                format!(
                    "Rien n'a été importé. À corriger : {}{}",
                    lines.join(" ; "),
                    if more > 0 { format!(" ; et {more} autre(s)") } else { String::new() }
                ),
            )
        })?;
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        let mut changed = 0;
        for (student, mark) in marks {
            if db::write_mark(&mut tx, &row, student, Some(mark), user.me.id, now_ms()).await? {
                changed += 1;
            }
        }
        tx.commit().await?;
        Ok(changed)
    }

    pub async fn student_grades(eleve: Option<UserId>, periode: Option<PeriodId>) -> Result<StudentGrades, AppError> {
        let user = require_user()?;
        let st = state()?;
        let Some(est) = user.establishment() else {
            return Err(AppError::Forbidden);
        };
        let children = if user.viewer.has_role(est, Role::Guardian) {
            db::children_names(&st.db, est, user.me.id).await?
        } else {
            Vec::new()
        };
        let target = match eleve {
            Some(id) => id,
            None if user.viewer.has_role(est, Role::Student) => user.me.id,
            None => children.first().map(|(id, _)| *id).ok_or(AppError::NotFound)?,
        };
        let Some(student) = crate::classes::db::student_ref(&st.db, target).await? else {
            return Err(AppError::NotFound);
        };
        if !can_view_student_grades(&user.viewer, &student) {
            audit::refused(&st.db, &user, &format!("notes de l'élève {target}")).await;
            return Err(AppError::Forbidden);
        }
        let periods = db::periods(&st.db, student.establishment).await?;
        let period = match periode {
            Some(id) => Some(periods.iter().find(|p| p.id == id).cloned().ok_or(AppError::NotFound)?),
            None => db::current_period(&periods, &paris::today_iso(now_ms())),
        };
        // Staff who follow the student see grades before publication; the student and the
        // family see them when the establishment publishes them.
        let sees_unpublished = user.viewer.has_role(student.establishment, Role::Direction)
            || user.viewer.has_role(student.establishment, Role::SchoolLife)
            || domain::permissions::is_head_of_class(&user.viewer, &student);
        let policy = db::not_returned_policy(&st.db, student.establishment).await?;
        let mut page =
            db::student_grades(&st.db, &student, period.as_ref(), sees_unpublished, policy, now_ms()).await?;
        if user.viewer.has_role(student.establishment, Role::Direction) {
            db::attach_history(&st.db, student.id, &mut page).await?;
        }
        page.children = children;
        page.periods = periods;
        page.period = period;
        Ok(page)
    }
}
