//! Server functions of quizzes. Each is thin: who is asking, may they (a pure function of
//! `domain::quiz::access`), then `db.rs`. They take and return JSON (`input = Json`): a
//! question or an answer is a nested value that a flat form cannot carry.
//!
//! An id of another establishment answers 404, like an id that does not exist; a refusal in
//! one's own establishment answers 403 and is audited. A student only ever reaches their own
//! attempts, and gets the answer key and feedback only once the teacher's feedback policy
//! allows (`grading::attempt_view`).

use super::{
    AnswersSaved, AssignmentResults, AttemptResult, AttemptScreen, AttemptView, GiftImport, MyQuiz, QuizDetail,
    QuizLine, SavedAnswer,
};
use crate::error::AppError;
use domain::quiz::assignment::AssignmentSettings;
use domain::quiz::gift::GiftExport;
use domain::quiz::{Question, Response};
use domain::{AttemptId, QuizAssignmentId, QuizId, QuizQuestionId, TeachingUnit};
use leptos::prelude::*;
use server_fn::codec::Json;
use std::collections::BTreeMap;

/// Creates an empty, private quiz.
#[server(prefix = "/api", endpoint = "quiz/creer", input = Json)]
pub async fn create_quiz(title: String, description: String) -> Result<QuizId, AppError> {
    crate::server::respond(ssr::create_quiz(title, description).await)
}

/// Renames a quiz, changes its description, shares it with colleagues or stops sharing it.
#[server(prefix = "/api", endpoint = "quiz/modifier", input = Json)]
pub async fn update_quiz(quiz: QuizId, title: String, description: String, shared: bool) -> Result<(), AppError> {
    crate::server::respond(ssr::update_quiz(quiz, title, description, shared).await)
}

/// The teacher's quizzes and those colleagues share.
#[server(prefix = "/api", endpoint = "quiz/liste", input = Json)]
pub async fn list_quizzes() -> Result<Vec<QuizLine>, AppError> {
    crate::server::respond(ssr::list_quizzes().await)
}

/// A quiz with its questions and answer key, for its author or a colleague it is shared with.
#[server(prefix = "/api", endpoint = "quiz/lire", input = Json)]
pub async fn get_quiz(quiz: QuizId) -> Result<QuizDetail, AppError> {
    crate::server::respond(ssr::get_quiz(quiz).await)
}

/// Adds a question at the end (`id` empty) or replaces one.
#[server(prefix = "/api", endpoint = "quiz/question/enregistrer", input = Json)]
pub async fn save_question(
    quiz: QuizId,
    id: Option<QuizQuestionId>,
    question: Question,
) -> Result<QuizQuestionId, AppError> {
    crate::server::respond(ssr::save_question(quiz, id, question).await)
}

#[server(prefix = "/api", endpoint = "quiz/question/supprimer", input = Json)]
pub async fn delete_question(question: QuizQuestionId) -> Result<(), AppError> {
    crate::server::respond(ssr::delete_question(question).await)
}

/// Puts the quiz's questions in this order (every question once).
#[server(prefix = "/api", endpoint = "quiz/question/ordre", input = Json)]
pub async fn reorder_questions(quiz: QuizId, order: Vec<QuizQuestionId>) -> Result<(), AppError> {
    crate::server::respond(ssr::reorder_questions(quiz, order).await)
}

/// Copies a question just after itself; returns the copy's id.
#[server(prefix = "/api", endpoint = "quiz/question/dupliquer", input = Json)]
pub async fn duplicate_question(question: QuizQuestionId) -> Result<QuizQuestionId, AppError> {
    crate::server::respond(ssr::duplicate_question(question).await)
}

/// Adds the questions of a GIFT file at the end: all of them, or none and every problem.
#[server(prefix = "/api", endpoint = "quiz/gift/importer", input = Json)]
pub async fn import_gift(quiz: QuizId, text: String) -> Result<GiftImport, AppError> {
    crate::server::respond(ssr::import_gift(quiz, text).await)
}

#[server(prefix = "/api", endpoint = "quiz/gift/exporter", input = Json)]
pub async fn export_gift(quiz: QuizId) -> Result<GiftExport, AppError> {
    crate::server::respond(ssr::export_gift(quiz).await)
}

/// Gives a quiz to a class or group the teacher teaches, with its dates and rules.
#[server(prefix = "/api", endpoint = "quiz/donner", input = Json)]
pub async fn assign_quiz(
    quiz: QuizId,
    unit: TeachingUnit,
    settings: AssignmentSettings,
) -> Result<QuizAssignmentId, AppError> {
    crate::server::respond(ssr::assign_quiz(quiz, unit, settings).await)
}

/// Starts an attempt, or resumes the one under way.
#[server(prefix = "/api", endpoint = "quiz/tentative/commencer", input = Json)]
pub async fn start_attempt(assignment: QuizAssignmentId) -> Result<AttemptView, AppError> {
    crate::server::respond(ssr::start_attempt(assignment).await)
}

#[server(prefix = "/api", endpoint = "quiz/tentative/lire", input = Json)]
pub async fn get_attempt(attempt: AttemptId) -> Result<AttemptView, AppError> {
    crate::server::respond(ssr::get_attempt(attempt).await)
}

/// Saves one answer as the student goes (given against the order shown). `check`: under
/// immediate feedback, show its correction now, which makes it final.
#[server(prefix = "/api", endpoint = "quiz/tentative/repondre", input = Json)]
pub async fn save_answer(
    attempt: AttemptId,
    question: QuizQuestionId,
    response: Response,
    check: bool,
) -> Result<SavedAnswer, AppError> {
    crate::server::respond(ssr::save_answer(attempt, question, response, check).await)
}

/// Hands the attempt in; it is scored on the server.
#[server(prefix = "/api", endpoint = "quiz/tentative/rendre", input = Json)]
pub async fn submit_attempt(attempt: AttemptId) -> Result<AttemptResult, AppError> {
    crate::server::respond(ssr::submit_attempt(attempt).await)
}

#[server(prefix = "/api", endpoint = "quiz/tentative/resultat", input = Json)]
pub async fn get_result(attempt: AttemptId) -> Result<AttemptResult, AppError> {
    crate::server::respond(ssr::get_result(attempt).await)
}

/// Every student's result on an assignment and how each question went.
#[server(prefix = "/api", endpoint = "quiz/resultats", input = Json)]
pub async fn get_assignment_results(assignment: QuizAssignmentId) -> Result<AssignmentResults, AppError> {
    crate::server::respond(ssr::get_assignment_results(assignment).await)
}

/// The quizzes given to the student's class and groups, with where their attempts stand.
#[server(prefix = "/api", endpoint = "quiz/mes-quiz")]
pub async fn my_quizzes() -> Result<Vec<MyQuiz>, AppError> {
    crate::server::respond(ssr::my_quizzes().await)
}

/// Starts an attempt (or resumes the one under way) and opens it: the form behind
/// "Commencer" and "Reprendre".
#[server(prefix = "/api", endpoint = "quiz/tentative/ouvrir")]
pub async fn open_attempt(devoir: QuizAssignmentId) -> Result<(), AppError> {
    let view = crate::server::respond(ssr::start_attempt(devoir).await)?;
    leptos_axum::redirect(&format!("/mes-quiz/tentative/{}", view.attempt));
    Ok(())
}

/// The attempt page: the attempt, and its result once handed in.
#[server(prefix = "/api", endpoint = "quiz/tentative/ecran")]
pub async fn load_attempt_screen(tentative: AttemptId) -> Result<AttemptScreen, AppError> {
    crate::server::respond(ssr::attempt_screen(tentative).await)
}

/// The attempt form: saves the answers posted (`reponses`, read by
/// `taking::read_answer`), all or none; `verifier` checks one question under immediate
/// feedback; `rendre` hands the attempt in after saving. Each question's hidden `v<id>` field
/// says it is in the post, so a question left blank clears its saved answer while one not
/// posted keeps it. Autosave posts one question at a time through it.
#[server(prefix = "/api", endpoint = "quiz/tentative/enregistrer")]
pub async fn answer_attempt(
    tentative: AttemptId,
    reponses: Option<BTreeMap<String, String>>,
    verifier: Option<QuizQuestionId>,
    rendre: Option<String>,
) -> Result<AnswersSaved, AppError> {
    crate::server::respond(
        ssr::answer_attempt(tentative, reponses.unwrap_or_default(), verifier, rendre.is_some()).await,
    )
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::quizzes::db::{self, AnswerRow, AssignmentRow, AttemptRow, QuizRow};
    use crate::quizzes::{QUESTIONS_PER_QUIZ_MAX, QUIZ_DESCRIPTION_MAX_CHARS, QUIZ_TITLE_MAX_CHARS, grading};
    use crate::server::db::{new_id, now_ms};
    use crate::server::{AppState, CurrentUser, audit, require_user, state};
    use domain::quiz::access::{
        can_assign_quiz, can_author_quizzes, can_edit_quiz, can_take_assignment, can_view_assignment_results,
        can_view_quiz,
    };
    use domain::quiz::assignment::{FeedbackPolicy, check_response};
    use domain::quiz::gift::{parse_gift, to_gift};
    use domain::quiz::{Outcome, Points};
    use domain::{EstablishmentId, UnitRef, is_member_of};

    fn invalid(field: &str, reason: impl Into<String>) -> AppError {
        AppError::Invalid { field: field.into(), reason: reason.into() }
    }

    /// The answer to a refused access: 404 outside the person's establishments (nothing is
    /// said about what exists there), 403 and an audit entry inside.
    pub(crate) async fn refuse(
        st: &AppState,
        user: &CurrentUser,
        establishment: EstablishmentId,
        what: &str,
    ) -> AppError {
        if !is_member_of(&user.viewer, establishment) {
            return AppError::NotFound;
        }
        audit::refused(&st.db, user, what).await;
        AppError::Forbidden
    }

    fn clean_title(raw: &str) -> Result<String, AppError> {
        let title = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if title.is_empty() {
            return Err(invalid("titre", "Donnez un titre au quiz, par exemple « Révisions chapitre 3 »."));
        }
        if title.chars().count() > QUIZ_TITLE_MAX_CHARS {
            return Err(invalid("titre", format!("Le titre fait au plus {QUIZ_TITLE_MAX_CHARS} caractères.")));
        }
        Ok(title)
    }

    fn clean_description(raw: &str) -> Result<String, AppError> {
        let description = raw.trim().to_string();
        if description.chars().count() > QUIZ_DESCRIPTION_MAX_CHARS {
            return Err(invalid(
                "description",
                format!("La description fait au plus {QUIZ_DESCRIPTION_MAX_CHARS} caractères : raccourcissez-la."),
            ));
        }
        Ok(description)
    }

    fn too_many(now: usize, adding: usize) -> AppError {
        invalid(
            "questions",
            format!(
                "Un quiz a au plus {QUESTIONS_PER_QUIZ_MAX} questions ; celui-ci en a {now}, en ajouter {adding} \
                 dépasserait la limite. Répartissez les questions entre deux quiz."
            ),
        )
    }

    /// The quiz, if the person may read it (`edit`: and change it).
    pub(crate) async fn quiz_for(
        st: &AppState,
        user: &CurrentUser,
        quiz: QuizId,
        edit: bool,
    ) -> Result<QuizRow, AppError> {
        let Some(row) = db::quiz(&st.db, quiz).await? else {
            return Err(AppError::NotFound);
        };
        let allowed =
            if edit { can_edit_quiz(&user.viewer, &row.access()) } else { can_view_quiz(&user.viewer, &row.access()) };
        if !allowed {
            return Err(refuse(st, user, row.establishment, &format!("quiz {quiz}")).await);
        }
        Ok(row)
    }

    /// A question and its quiz, if the person may change that quiz.
    async fn editable_question(
        st: &AppState,
        user: &CurrentUser,
        question: QuizQuestionId,
    ) -> Result<(QuizRow, crate::quizzes::QuestionLine), AppError> {
        let Some((quiz, line)) = db::question(&st.db, question).await? else {
            return Err(AppError::NotFound);
        };
        Ok((quiz_for(st, user, quiz, true).await?, line))
    }

    /// A question as the teacher sent it, checked: what the types cannot say, and the points
    /// (which JSON could set to anything).
    pub(crate) fn checked(mut question: Question) -> Result<Question, AppError> {
        question.points = Points::new(question.points.value())?;
        question.check()?;
        Ok(question)
    }

    pub async fn create_quiz(title: String, description: String) -> Result<QuizId, AppError> {
        let user = require_user()?;
        let st = state()?;
        let Some(establishment) = user.establishment().filter(|e| can_author_quizzes(&user.viewer, *e)) else {
            return Err(AppError::Forbidden);
        };
        let row = QuizRow {
            id: QuizId(new_id()),
            establishment,
            owner: user.me.id,
            owner_name: String::new(),
            title: clean_title(&title)?,
            description: clean_description(&description)?,
            shared: false,
        };
        db::insert_quiz(&st.db, &row, now_ms()).await?;
        Ok(row.id)
    }

    pub async fn update_quiz(quiz: QuizId, title: String, description: String, shared: bool) -> Result<(), AppError> {
        let user = require_user()?;
        let st = state()?;
        let mut row = quiz_for(&st, &user, quiz, true).await?;
        row.title = clean_title(&title)?;
        row.description = clean_description(&description)?;
        row.shared = shared;
        db::update_quiz(&st.db, &row, now_ms()).await?;
        Ok(())
    }

    pub async fn list_quizzes() -> Result<Vec<QuizLine>, AppError> {
        let user = require_user()?;
        let st = state()?;
        let Some(establishment) = user.establishment().filter(|e| can_author_quizzes(&user.viewer, *e)) else {
            return Err(AppError::Forbidden);
        };
        Ok(db::list_quizzes(&st.db, establishment, user.me.id).await?)
    }

    pub async fn get_quiz(quiz: QuizId) -> Result<QuizDetail, AppError> {
        let user = require_user()?;
        let st = state()?;
        let row = quiz_for(&st, &user, quiz, false).await?;
        Ok(QuizDetail {
            id: row.id,
            mine: row.owner == user.me.id,
            questions: db::questions(&st.db, quiz).await?,
            title: row.title,
            description: row.description,
            shared: row.shared,
            owner_name: row.owner_name,
        })
    }

    pub async fn save_question(
        quiz: QuizId,
        id: Option<QuizQuestionId>,
        question: Question,
    ) -> Result<QuizQuestionId, AppError> {
        let user = require_user()?;
        let st = state()?;
        quiz_for(&st, &user, quiz, true).await?;
        let question = checked(question)?;
        let now = now_ms();
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        db::lock_quiz(&mut tx, quiz, now).await?;
        let id = match id {
            Some(id) => {
                if !db::update_question(&mut tx, quiz, id, &question, now).await? {
                    return Err(AppError::NotFound);
                }
                id
            }
            None => {
                let count = db::count_questions(&mut tx, quiz).await?;
                if count >= QUESTIONS_PER_QUIZ_MAX {
                    return Err(too_many(count, 1));
                }
                let id = QuizQuestionId(new_id());
                db::insert_question(&mut tx, quiz, id, count, &question, now).await?;
                id
            }
        };
        tx.commit().await?;
        Ok(id)
    }

    pub async fn delete_question(question: QuizQuestionId) -> Result<(), AppError> {
        let user = require_user()?;
        let st = state()?;
        let (quiz, _) = editable_question(&st, &user, question).await?;
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        db::lock_quiz(&mut tx, quiz.id, now_ms()).await?;
        if !db::delete_question(&mut tx, quiz.id, question).await? {
            return Err(AppError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn reorder_questions(quiz: QuizId, order: Vec<QuizQuestionId>) -> Result<(), AppError> {
        let user = require_user()?;
        let st = state()?;
        quiz_for(&st, &user, quiz, true).await?;
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        db::lock_quiz(&mut tx, quiz, now_ms()).await?;
        let mut current: Vec<QuizQuestionId> = db::questions(&mut *tx, quiz).await?.iter().map(|q| q.id).collect();
        let mut wanted = order.clone();
        current.sort_unstable();
        wanted.sort_unstable();
        if current != wanted {
            return Err(invalid(
                "ordre",
                "L'ordre envoyé ne reprend pas exactement les questions du quiz (une autre fenêtre l'a peut-être \
                 modifié) : rechargez la page et recommencez.",
            ));
        }
        for (position, id) in order.into_iter().enumerate() {
            db::set_position(&mut tx, id, position).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn duplicate_question(question: QuizQuestionId) -> Result<QuizQuestionId, AppError> {
        let user = require_user()?;
        let st = state()?;
        let (quiz, line) = editable_question(&st, &user, question).await?;
        let now = now_ms();
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        db::lock_quiz(&mut tx, quiz.id, now).await?;
        let count = db::count_questions(&mut tx, quiz.id).await?;
        if count >= QUESTIONS_PER_QUIZ_MAX {
            return Err(too_many(count, 1));
        }
        let mut copy = line.question;
        copy.title = format!("{} (copie)", copy.title);
        let id = QuizQuestionId(new_id());
        db::make_room(&mut tx, quiz.id, line.position + 1).await?;
        db::insert_question(&mut tx, quiz.id, id, line.position as usize + 1, &copy, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn import_gift(quiz: QuizId, text: String) -> Result<GiftImport, AppError> {
        let user = require_user()?;
        let st = state()?;
        quiz_for(&st, &user, quiz, true).await?;
        let questions = match parse_gift(&text) {
            Ok(questions) => questions,
            Err(problems) => return Ok(GiftImport::Refused { problems }),
        };
        let now = now_ms();
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        db::lock_quiz(&mut tx, quiz, now).await?;
        let count = db::count_questions(&mut tx, quiz).await?;
        if count + questions.len() > QUESTIONS_PER_QUIZ_MAX {
            return Err(too_many(count, questions.len()));
        }
        for (k, question) in questions.iter().enumerate() {
            db::insert_question(&mut tx, quiz, QuizQuestionId(new_id()), count + k, question, now).await?;
        }
        tx.commit().await?;
        Ok(GiftImport::Imported { count: questions.len() })
    }

    pub async fn export_gift(quiz: QuizId) -> Result<GiftExport, AppError> {
        let user = require_user()?;
        let st = state()?;
        gift_for(&st, &user, quiz).await.map(|(_, export)| export)
    }

    /// The quiz as GIFT for `user`, outside a Leptos context too (the download route).
    pub(crate) async fn gift_for(
        st: &AppState,
        user: &CurrentUser,
        quiz: QuizId,
    ) -> Result<(QuizRow, GiftExport), AppError> {
        let row = quiz_for(st, user, quiz, false).await?;
        let questions: Vec<Question> = db::questions(&st.db, quiz).await?.into_iter().map(|q| q.question).collect();
        Ok((row, to_gift(&questions)))
    }

    pub async fn assign_quiz(
        quiz: QuizId,
        unit: TeachingUnit,
        settings: AssignmentSettings,
    ) -> Result<QuizAssignmentId, AppError> {
        let user = require_user()?;
        let st = state()?;
        let row = quiz_for(&st, &user, quiz, false).await?;
        let Some(establishment) = crate::classes::db::unit_establishment(&st.db, unit).await? else {
            return Err(AppError::NotFound);
        };
        if !can_assign_quiz(&user.viewer, &row.access(), &UnitRef { unit, establishment }) {
            return Err(refuse(&st, &user, establishment, &format!("quiz {quiz} donné à {}", unit.key())).await);
        }
        let now = now_ms();
        settings.check(now)?;
        let questions: Vec<_> = db::questions(&st.db, quiz).await?.into_iter().map(|q| (q.id, q.question)).collect();
        if questions.is_empty() {
            return Err(invalid("questions", "Ce quiz n'a pas encore de question : ajoutez-en avant de le donner."));
        }
        let assignment = AssignmentRow {
            id: QuizAssignmentId(new_id()),
            establishment,
            quiz,
            assigned_by: user.me.id,
            unit,
            title: row.title,
            questions,
            settings,
        };
        db::insert_assignment(&st.db, &assignment, now).await?;
        Ok(assignment.id)
    }

    /// The assignment, if the person is one of its students.
    async fn assignment_to_take(
        st: &AppState,
        user: &CurrentUser,
        id: QuizAssignmentId,
    ) -> Result<AssignmentRow, AppError> {
        let Some(a) = db::assignment(&st.db, id).await? else {
            return Err(AppError::NotFound);
        };
        if !can_take_assignment(&user.viewer, &a.access()) {
            return Err(refuse(st, user, a.establishment, &format!("devoir quiz {id}")).await);
        }
        Ok(a)
    }

    /// The person's own attempt and its assignment. Someone else's attempt does not exist
    /// for them (404).
    async fn own_attempt(
        st: &AppState,
        user: &CurrentUser,
        id: AttemptId,
    ) -> Result<(AssignmentRow, AttemptRow), AppError> {
        let Some(attempt) = db::attempt(&st.db, id).await?.filter(|a| a.student == user.me.id) else {
            return Err(AppError::NotFound);
        };
        let a = assignment_to_take(st, user, attempt.assignment).await?;
        Ok((a, attempt))
    }

    /// Closes an attempt whose time ran out, scoring what was saved in time. Returns the
    /// attempt as it now stands.
    pub(crate) async fn settle(
        st: &AppState,
        a: &AssignmentRow,
        attempt: AttemptRow,
        now: i64,
    ) -> Result<AttemptRow, AppError> {
        let deadline = a.settings.deadline(attempt.started_at);
        if attempt.submitted_at.is_some() || now < deadline {
            return Ok(attempt);
        }
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        if db::lock_open_attempt(&mut tx, attempt.id).await? {
            let answers = db::answers(&mut *tx, attempt.id).await?;
            let finished = grading::finish(a, &attempt, &answers, deadline, true);
            db::finish_attempt(&mut tx, attempt.id, &finished).await?;
        }
        tx.commit().await?;
        db::attempt(&st.db, attempt.id).await?.ok_or(AppError::NotFound)
    }

    async fn view(st: &AppState, a: &AssignmentRow, attempt: &AttemptRow, now: i64) -> Result<AttemptView, AppError> {
        let answers = db::answers(&st.db, attempt.id).await?;
        Ok(grading::attempt_view(a, attempt, &answers, now))
    }

    fn random_seed() -> Result<u64, AppError> {
        let mut b = [0u8; 8];
        getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("no randomness for a quiz seed: {e}"))?;
        // Kept below 2^63 so it is stored as a positive BIGINT.
        Ok(u64::from_le_bytes(b) >> 1)
    }

    pub async fn start_attempt(assignment: QuizAssignmentId) -> Result<AttemptView, AppError> {
        let user = require_user()?;
        let st = state()?;
        let a = assignment_to_take(&st, &user, assignment).await?;
        let now = now_ms();
        let mut used = 0;
        for attempt in db::attempts_of(&st.db, assignment, user.me.id).await? {
            let attempt = settle(&st, &a, attempt, now).await?;
            if attempt.submitted_at.is_none() {
                return view(&st, &a, &attempt, now).await;
            }
            used += 1;
        }
        if let Some(refusal) = a.settings.start_refusal(now, used) {
            return Err(AppError::Conflict(refusal.reason));
        }
        let attempt = AttemptRow {
            id: AttemptId(new_id()),
            assignment,
            student: user.me.id,
            number: used + 1,
            seed: random_seed()?,
            started_at: now,
            submitted_at: None,
            auto_submitted: false,
            score_hundredths: None,
            pending_manual: 0,
        };
        db::insert_attempt(&st.db, &attempt).await?;
        view(&st, &a, &attempt, now).await
    }

    pub async fn get_attempt(attempt: AttemptId) -> Result<AttemptView, AppError> {
        let user = require_user()?;
        let st = state()?;
        let (a, attempt) = own_attempt(&st, &user, attempt).await?;
        let now = now_ms();
        let attempt = settle(&st, &a, attempt, now).await?;
        view(&st, &a, &attempt, now).await
    }

    pub async fn save_answer(
        attempt: AttemptId,
        question: QuizQuestionId,
        response: Response,
        check: bool,
    ) -> Result<SavedAnswer, AppError> {
        let user = require_user()?;
        let st = state()?;
        let (a, attempt) = own_attempt(&st, &user, attempt).await?;
        if a.question(question).is_none() {
            return Err(AppError::NotFound);
        }
        let stored =
            store_answers(&st, &a, attempt, vec![(question, Some(response))], check.then_some(question), true).await?;
        Ok(SavedAnswer { saved_at: stored.saved_at, correction: stored.correction })
    }

    struct Stored {
        saved_at: i64,
        changed: usize,
        correction: Option<crate::quizzes::Correction>,
    }

    /// Writes answers of one attempt in one transaction: each `Some` replaces the saved
    /// answer, each `None` clears it; unchanged answers are left alone. `check` shows the
    /// correction of that question now, under immediate feedback, which makes it final.
    /// An answer already checked is refused when `strict` (a single save says so), skipped
    /// otherwise (the whole form comes back with it).
    async fn store_answers(
        st: &AppState,
        a: &AssignmentRow,
        attempt: AttemptRow,
        changes: Vec<(QuizQuestionId, Option<Response>)>,
        check: Option<QuizQuestionId>,
        strict: bool,
    ) -> Result<Stored, AppError> {
        for (_, response) in &changes {
            if let Some(r) = response {
                check_response(r)?;
            }
        }
        if check.is_some() && a.settings.feedback != FeedbackPolicy::Immediate {
            return Err(invalid(
                "verifier",
                "La correction de ce quiz n'est pas donnée question par question : elle viendra après la remise.",
            ));
        }
        let now = now_ms();
        if let Some(late) = a.settings.late_refusal(attempt.started_at, now) {
            settle(st, a, attempt, now).await?;
            return Err(AppError::Conflict(late.reason));
        }
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        if !db::lock_open_attempt(&mut tx, attempt.id).await? {
            return Err(AppError::Conflict(
                "Cette tentative est déjà rendue : votre réponse n'a pas été enregistrée.".into(),
            ));
        }
        let saved = db::answers(&mut *tx, attempt.id).await?;
        let mut changed = 0;
        let mut correction = None;
        for (question, response) in changes {
            let Some(q) = a.question(question) else {
                return Err(AppError::NotFound);
            };
            let before = saved.iter().find(|r| r.question == question);
            if before.is_some_and(|r| r.locked) {
                if strict {
                    return Err(AppError::Conflict(
                        "Vous avez déjà vérifié cette réponse : elle est définitive et ne peut plus changer.".into(),
                    ));
                }
                continue;
            }
            let checking = check == Some(question);
            let Some(response) = response else {
                if checking {
                    return Err(invalid("verifier", "Répondez à la question avant de la vérifier."));
                }
                if before.is_some() {
                    db::delete_answer(&mut tx, attempt.id, question).await?;
                    changed += 1;
                }
                continue;
            };
            if !checking && before.is_some_and(|r| r.response == response) {
                continue;
            }
            let outcome: Option<Outcome> =
                checking.then(|| grading::outcome(a, &attempt, question, q, Some(&response)));
            let answer = AnswerRow {
                attempt: attempt.id,
                question,
                response,
                locked: checking,
                earned_hundredths: outcome.as_ref().and_then(grading::earned_hundredths),
                comment: None,
            };
            db::save_answer(&mut tx, &answer, now).await?;
            changed += 1;
            correction = outcome.map(|o| grading::correction(o, q));
        }
        tx.commit().await?;
        Ok(Stored { saved_at: now, changed, correction })
    }

    pub async fn submit_attempt(attempt: AttemptId) -> Result<AttemptResult, AppError> {
        let user = require_user()?;
        let st = state()?;
        let (a, attempt) = own_attempt(&st, &user, attempt).await?;
        let now = now_ms();
        if attempt.submitted_at.is_some() && !attempt.auto_submitted {
            // Handing in twice (a double click, a retry) answers the same result.
            return Ok(grading::attempt_result(&a, &attempt, now));
        }
        // Late (even if the attempt was already closed at its deadline): refused, saying
        // that what was saved in time counts.
        if let Some(late) = a.settings.late_refusal(attempt.started_at, now) {
            settle(&st, &a, attempt, now).await?;
            return Err(AppError::Conflict(late.reason));
        }
        let mut tx = crate::server::db::begin_write(&st.db).await?;
        if db::lock_open_attempt(&mut tx, attempt.id).await? {
            let answers = db::answers(&mut *tx, attempt.id).await?;
            let finished = grading::finish(&a, &attempt, &answers, now, false);
            db::finish_attempt(&mut tx, attempt.id, &finished).await?;
        }
        tx.commit().await?;
        let attempt = db::attempt(&st.db, attempt.id).await?.ok_or(AppError::NotFound)?;
        Ok(grading::attempt_result(&a, &attempt, now))
    }

    pub async fn get_result(attempt: AttemptId) -> Result<AttemptResult, AppError> {
        let user = require_user()?;
        let st = state()?;
        let (a, attempt) = own_attempt(&st, &user, attempt).await?;
        let now = now_ms();
        let attempt = settle(&st, &a, attempt, now).await?;
        if attempt.submitted_at.is_none() {
            return Err(AppError::Conflict(
                "Cette tentative n'est pas encore rendue : terminez-la pour voir votre résultat.".into(),
            ));
        }
        Ok(grading::attempt_result(&a, &attempt, now))
    }

    pub async fn get_assignment_results(assignment: QuizAssignmentId) -> Result<AssignmentResults, AppError> {
        let user = require_user()?;
        let st = state()?;
        results_for(&st, &user, assignment).await
    }

    /// An assignment's results for `user`, outside a Leptos context too (the CSV export).
    pub(crate) async fn results_for(
        st: &AppState,
        user: &CurrentUser,
        assignment: QuizAssignmentId,
    ) -> Result<AssignmentResults, AppError> {
        let Some(a) = db::assignment(&st.db, assignment).await? else {
            return Err(AppError::NotFound);
        };
        if !can_view_assignment_results(&user.viewer, &a.access()) {
            return Err(refuse(st, user, a.establishment, &format!("résultats du devoir quiz {assignment}")).await);
        }
        let now = now_ms();
        let mut attempts = Vec::new();
        for attempt in db::attempts_at(&st.db, assignment).await? {
            attempts.push(settle(st, &a, attempt, now).await?);
        }
        let roster = crate::grades::db::roster(&st.db, a.unit).await?;
        let answers = db::answers_at(&st.db, assignment).await?;
        Ok(grading::results(&a, &roster, &attempts, &answers))
    }

    pub async fn my_quizzes() -> Result<Vec<MyQuiz>, AppError> {
        use crate::quizzes::MyQuizState;
        let user = require_user()?;
        let st = state()?;
        let Some(establishment) = user.me.establishment.as_ref().map(|e| e.id) else {
            return Ok(Vec::new());
        };
        if !user.viewer.has_role(establishment, domain::Role::Student) {
            return Err(AppError::Forbidden);
        }
        let units: Vec<TeachingUnit> =
            user.viewer.enrolled_in.iter().filter(|(e, _)| *e == establishment).map(|(_, u)| *u).collect();
        let listed = db::assignments_for_units(&st.db, establishment, &units).await?;
        let ids: Vec<QuizAssignmentId> = listed.iter().map(|l| l.row.id).collect();
        let attempts = db::attempts_of_student(&st.db, user.me.id, &ids).await?;
        let now = now_ms();
        let mut mine = Vec::with_capacity(listed.len());
        for l in listed {
            let a = &l.row;
            let mut submitted = 0;
            let mut in_progress = None;
            let mut latest_submitted = None;
            let mut best_score: Option<f64> = None;
            for attempt in attempts.iter().filter(|t| t.assignment == a.id) {
                // An attempt whose time ran out is closed here, as anywhere it is read.
                let attempt = settle(&st, a, attempt.clone(), now).await?;
                if attempt.submitted_at.is_none() {
                    in_progress = Some(attempt.id);
                    continue;
                }
                submitted += 1;
                latest_submitted = Some(attempt.id);
                if let Some(score) = grading::attempt_result(a, &attempt, now).score {
                    best_score = Some(best_score.map_or(score, |b| b.max(score)));
                }
            }
            let s = &a.settings;
            let state = if now < s.opens_at {
                MyQuizState::Upcoming
            } else if now < s.closes_at {
                MyQuizState::Open
            } else {
                MyQuizState::Closed
            };
            mine.push(MyQuiz {
                assignment: a.id,
                title: a.title.clone(),
                unit_name: l.unit_name,
                teacher_name: l.teacher_name,
                opens_at: s.opens_at,
                closes_at: s.closes_at,
                time_limit_minutes: s.time_limit_minutes,
                questions: u32::try_from(a.questions.len()).unwrap_or(u32::MAX),
                out_of: a.out_of(),
                max_attempts: s.max_attempts,
                submitted,
                in_progress,
                latest_submitted,
                best_score,
                state,
            });
        }
        // Open first (the one closing soonest on top), then those to come, then the closed
        // ones, latest first.
        mine.sort_by_key(|q| match q.state {
            MyQuizState::Open => (0, q.closes_at),
            MyQuizState::Upcoming => (1, q.opens_at),
            MyQuizState::Closed => (2, -q.closes_at),
        });
        Ok(mine)
    }

    pub async fn attempt_screen(tentative: AttemptId) -> Result<AttemptScreen, AppError> {
        let user = require_user()?;
        let st = state()?;
        let (a, attempt) = own_attempt(&st, &user, tentative).await?;
        let now = now_ms();
        let attempt = settle(&st, &a, attempt, now).await?;
        let view = view(&st, &a, &attempt, now).await?;
        let result = attempt.submitted_at.is_some().then(|| grading::attempt_result(&a, &attempt, now));
        let can_retry = result.is_some()
            && now >= a.settings.opens_at
            && now < a.settings.closes_at
            && attempt.number < a.settings.max_attempts
            && db::attempts_of(&st.db, a.id, user.me.id).await?.len() < a.settings.max_attempts as usize;
        Ok(AttemptScreen { view, result, can_retry, now })
    }

    pub async fn answer_attempt(
        tentative: AttemptId,
        fields: BTreeMap<String, String>,
        verifier: Option<QuizQuestionId>,
        hand_in: bool,
    ) -> Result<AnswersSaved, AppError> {
        let user = require_user()?;
        let st = state()?;
        let (a, attempt) = own_attempt(&st, &user, tentative).await?;
        let now = now_ms();
        if attempt.submitted_at.is_some() {
            return Err(AppError::Conflict(
                "Cette tentative est déjà rendue : vos réponses n'ont pas été enregistrées.".into(),
            ));
        }
        // The questions as this attempt shows them, to read the posted fields against.
        let shown = view(&st, &a, &attempt, now).await?;
        let mut changes = Vec::new();
        let mut problems = Vec::new();
        for (n, q) in shown.questions.iter().enumerate() {
            if q.locked || !fields.contains_key(&crate::quizzes::taking::marker(q.id)) {
                continue;
            }
            match crate::quizzes::taking::read_answer(q.id, &q.question.kind, &fields) {
                Ok(response) => changes.push((q.id, response)),
                Err(why) => problems.push(format!("Question {} : {why}", n + 1)),
            }
        }
        if !problems.is_empty() {
            return Err(invalid("reponses", format!("{} Rien n'a été enregistré.", problems.join(" "))));
        }
        let stored = store_answers(&st, &a, attempt, changes, verifier, false).await?;
        if hand_in {
            submit_attempt(tentative).await?;
        }
        Ok(AnswersSaved { saved_at: stored.saved_at, changed: stored.changed, submitted: hand_in })
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn a_title_is_tidied_and_limited_at_the_edge() {
            assert_eq!(clean_title("  Révisions   chapitre 3 ").ok().as_deref(), Some("Révisions chapitre 3"));
            assert!(clean_title("   ").is_err());
            assert!(clean_title(&"é".repeat(QUIZ_TITLE_MAX_CHARS)).is_ok());
            assert!(clean_title(&"é".repeat(QUIZ_TITLE_MAX_CHARS + 1)).is_err());
            assert!(clean_description(&"x".repeat(QUIZ_DESCRIPTION_MAX_CHARS)).is_ok());
            assert!(clean_description(&"x".repeat(QUIZ_DESCRIPTION_MAX_CHARS + 1)).is_err());
        }

        #[test]
        #[expect(clippy::expect_used, reason = "a failed step fails the test, with its message")]
        fn points_sent_as_json_are_checked() {
            let q: Question = serde_json::from_value(serde_json::json!({
                "title": "t", "category": null, "text": "?", "points": -3.0,
                "kind": "Open", "general_feedback": null, "image": null
            }))
            .expect("a question");
            assert!(checked(q).is_err());
        }
    }
}

// The authoring pages (`authoring.rs`): url-encoded wrappers of the functions above, so that
// every form posts without JavaScript. Each parses the form's fields with the domain types,
// then does what its JSON twin does; a success that changes the page's address redirects.

/// The assignments of a quiz that the person may follow (they gave them, or teach the class
/// or group), latest first.
#[server(prefix = "/api", endpoint = "quiz/devoirs")]
pub async fn list_quiz_assignments(quiz: QuizId) -> Result<Vec<super::AssignmentLine>, AppError> {
    crate::server::respond(authoring_ssr::list_quiz_assignments(quiz).await)
}

/// "Nouveau quiz": creates it and goes to its page.
#[server(prefix = "/api", endpoint = "quiz/formulaire/creer")]
pub async fn create_quiz_form(titre: String, description: String) -> Result<QuizId, AppError> {
    crate::server::respond(authoring_ssr::create_quiz_form(titre, description).await)
}

/// The quiz's title, description and sharing (`partage` present: shared).
#[server(prefix = "/api", endpoint = "quiz/formulaire/modifier")]
pub async fn update_quiz_form(
    quiz: QuizId,
    titre: String,
    description: String,
    partage: Option<String>,
) -> Result<(), AppError> {
    crate::server::respond(ssr::update_quiz(quiz, titre, description, partage.is_some()).await)
}

/// Adds a question at the end (no `question`) or replaces one, from the question form's
/// fields (`champs[enonce]`, `champs[texte_0]`...: see `authoring::question_from_form`).
#[server(prefix = "/api", endpoint = "quiz/formulaire/question")]
pub async fn save_question_form(
    quiz: QuizId,
    question: Option<QuizQuestionId>,
    champs: std::collections::BTreeMap<String, String>,
) -> Result<QuizQuestionId, AppError> {
    crate::server::respond(authoring_ssr::save_question_form(quiz, question, champs).await)
}

/// Deletes a question once its deletion was confirmed, and goes back to the quiz.
#[server(prefix = "/api", endpoint = "quiz/formulaire/supprimer")]
pub async fn delete_question_form(question: QuizQuestionId) -> Result<(), AppError> {
    crate::server::respond(authoring_ssr::delete_question_form(question).await)
}

#[server(prefix = "/api", endpoint = "quiz/formulaire/dupliquer")]
pub async fn duplicate_question_form(question: QuizQuestionId) -> Result<QuizQuestionId, AppError> {
    crate::server::respond(ssr::duplicate_question(question).await)
}

/// Moves a question one place up (`sens` = "haut") or down ("bas").
#[server(prefix = "/api", endpoint = "quiz/formulaire/deplacer")]
pub async fn move_question_form(question: QuizQuestionId, sens: String) -> Result<(), AppError> {
    crate::server::respond(authoring_ssr::move_question_form(question, sens).await)
}

/// Imports pasted GIFT text. A refused file is an error listing every problem with its line
/// (one per line of the message), so that it reaches a page posted without JavaScript too.
#[server(prefix = "/api", endpoint = "quiz/formulaire/gift")]
pub async fn import_gift_form(quiz: QuizId, texte: String) -> Result<usize, AppError> {
    crate::server::respond(authoring_ssr::import_gift_form(quiz, texte).await)
}

/// "Donner à une classe": the assignment form's fields, as typed (`reglages[ouverture]`...).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AssignForm {
    /// "c:12" or "g:7".
    pub unite: String,
    /// Paris wall-clock times as a `datetime-local` field sends them ("2026-12-01T08:00").
    pub ouverture: String,
    pub fermeture: String,
    /// Minutes, or empty for no limit.
    pub duree: String,
    pub tentatives: String,
    pub melanger_questions: Option<String>,
    pub melanger_options: Option<String>,
    /// A `FeedbackPolicy` code.
    pub retour: String,
}

#[server(prefix = "/api", endpoint = "quiz/formulaire/donner")]
pub async fn assign_quiz_form(quiz: QuizId, reglages: AssignForm) -> Result<QuizAssignmentId, AppError> {
    crate::server::respond(authoring_ssr::assign_quiz_form(quiz, reglages).await)
}

/// "Aperçu élève": the quiz's questions as a student sees them, with the answers typed so far
/// (`reponses`, named as on the attempt page: see `taking::read_answer`) and the correction
/// of `verifier` as a student would get it. Nothing is stored.
#[server(prefix = "/api", endpoint = "quiz/apercu", input = Json)]
pub async fn load_quiz_preview(
    quiz: QuizId,
    reponses: BTreeMap<String, String>,
    verifier: Option<QuizQuestionId>,
) -> Result<super::QuizPreview, AppError> {
    crate::server::respond(authoring_ssr::quiz_preview(quiz, reponses, verifier).await)
}

/// The preview's "Vérifier ma réponse": checks the answer to `verifier` and goes to the
/// preview showing its correction, the answers typed carried in the address (nothing is
/// stored). Answers the correction.
#[server(prefix = "/api", endpoint = "quiz/apercu/verifier")]
pub async fn check_preview_form(
    quiz: QuizId,
    reponses: Option<BTreeMap<String, String>>,
    verifier: QuizQuestionId,
) -> Result<super::Correction, AppError> {
    crate::server::respond(authoring_ssr::check_preview_form(quiz, reponses.unwrap_or_default(), verifier).await)
}

#[cfg(feature = "ssr")]
pub mod authoring_ssr {
    use super::ssr::{self, checked, quiz_for};
    use super::*;
    use crate::quizzes::authoring::{assignment_from_form, question_from_form};
    use crate::quizzes::taking::read_answer;
    use crate::quizzes::{AssignmentLine, AttemptQuestion, Correction, QuizPreview, db, grading};
    use crate::server::{require_user, state};
    use domain::quiz::Shuffle;
    use domain::quiz::access::can_view_assignment_results;
    use domain::quiz::assignment::check_response;
    use std::collections::BTreeMap;

    pub async fn list_quiz_assignments(quiz: QuizId) -> Result<Vec<AssignmentLine>, AppError> {
        let user = require_user()?;
        let st = state()?;
        quiz_for(&st, &user, quiz, false).await?;
        Ok(db::quiz_assignments(&st.db, quiz)
            .await?
            .into_iter()
            .filter(|a| can_view_assignment_results(&user.viewer, &a.access))
            .map(|a| AssignmentLine {
                id: a.id,
                unit_name: a.unit_name,
                opens_at: a.opens_at,
                closes_at: a.closes_at,
                students: a.students,
                submitted: a.submitted,
            })
            .collect())
    }

    pub async fn create_quiz_form(titre: String, description: String) -> Result<QuizId, AppError> {
        let id = ssr::create_quiz(titre, description).await?;
        leptos_axum::redirect(&format!("/quiz/{id}"));
        Ok(id)
    }

    pub async fn save_question_form(
        quiz: QuizId,
        id: Option<QuizQuestionId>,
        champs: BTreeMap<String, String>,
    ) -> Result<QuizQuestionId, AppError> {
        let user = require_user()?;
        let st = state()?;
        // Who may edit first, so that a stranger learns nothing from the form's errors.
        quiz_for(&st, &user, quiz, true).await?;
        let question = checked(question_from_form(&champs)?)?;
        let saved = ssr::save_question(quiz, id, question).await?;
        leptos_axum::redirect(&format!("/quiz/{quiz}#q-{saved}"));
        Ok(saved)
    }

    pub async fn delete_question_form(question: QuizQuestionId) -> Result<(), AppError> {
        let st = state()?;
        let quiz = db::question(&st.db, question).await?.map(|(quiz, _)| quiz);
        ssr::delete_question(question).await?;
        if let Some(quiz) = quiz {
            leptos_axum::redirect(&format!("/quiz/{quiz}#questions"));
        }
        Ok(())
    }

    pub async fn move_question_form(question: QuizQuestionId, sens: String) -> Result<(), AppError> {
        let user = require_user()?;
        let st = state()?;
        let Some((quiz, _)) = db::question(&st.db, question).await? else {
            return Err(AppError::NotFound);
        };
        quiz_for(&st, &user, quiz, true).await?;
        let mut order: Vec<QuizQuestionId> = db::questions(&st.db, quiz).await?.iter().map(|q| q.id).collect();
        let Some(at) = order.iter().position(|q| *q == question) else {
            return Err(AppError::NotFound);
        };
        let to = match sens.as_str() {
            "haut" => at.checked_sub(1),
            "bas" => Some(at + 1).filter(|to| *to < order.len()),
            _ => {
                return Err(AppError::Invalid {
                    field: "sens".into(),
                    reason: "Choisissez de monter ou de descendre la question.".into(),
                });
            }
        };
        // Already first (or last): nothing to do, which is what was asked.
        let Some(to) = to else { return Ok(()) };
        order.swap(at, to);
        ssr::reorder_questions(quiz, order).await
    }

    pub async fn import_gift_form(quiz: QuizId, texte: String) -> Result<usize, AppError> {
        match ssr::import_gift(quiz, texte).await? {
            GiftImport::Imported { count } => {
                leptos_axum::redirect(&format!("/quiz/{quiz}?importees={count}#questions"));
                Ok(count)
            }
            GiftImport::Refused { problems } => {
                let mut reason = String::from(
                    "Rien n'a été importé. Corrigez ces lignes du texte GIFT, puis importez-le de nouveau :",
                );
                for p in &problems {
                    reason.push_str(&format!("\nLigne {} : {}", p.line, p.message));
                }
                Err(AppError::Invalid { field: "gift".into(), reason })
            }
        }
    }

    pub async fn quiz_preview(
        quiz: QuizId,
        fields: BTreeMap<String, String>,
        verifier: Option<QuizQuestionId>,
    ) -> Result<QuizPreview, AppError> {
        let user = require_user()?;
        let st = state()?;
        let row = quiz_for(&st, &user, quiz, false).await?;
        let lines = db::questions(&st.db, quiz).await?;
        if let Some(id) = verifier
            && !lines.iter().any(|l| l.id == id)
        {
            return Err(AppError::NotFound);
        }
        // As a student sees them when the teacher does not shuffle: options as written.
        let shuffle = Shuffle::none();
        let mut questions = Vec::with_capacity(lines.len());
        let mut problems = Vec::new();
        for (n, line) in lines.into_iter().enumerate() {
            let shown = line.question.student_view(shuffle);
            let answer = match read_answer(line.id, &shown.kind, &fields) {
                Ok(answer) => answer,
                Err(why) => {
                    problems.push(format!("Question {} : {why}", n + 1));
                    None
                }
            };
            if let Some(r) = &answer {
                check_response(r)?;
            }
            let id = line.id;
            questions.push((line, AttemptQuestion { id, question: shown, answer, locked: false, correction: None }));
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid {
                field: "reponses".into(),
                reason: format!("{} Rien n'a été vérifié.", problems.join(" ")),
            });
        }
        if let Some(id) = verifier
            && let Some(n) = questions.iter().position(|(line, _)| line.id == id)
        {
            let (line, shown) = &mut questions[n];
            let Some(answer) = &shown.answer else {
                return Err(AppError::Invalid {
                    field: "verifier".into(),
                    reason: format!("Répondez à la question {} avant de la vérifier.", n + 1),
                });
            };
            let outcome = grading::shown_outcome(shuffle, &line.question, Some(answer));
            shown.correction = Some(grading::correction(outcome, &line.question));
        }
        let questions = questions.into_iter().map(|(_, shown)| shown).collect();
        Ok(QuizPreview { quiz, title: row.title, questions })
    }

    pub async fn check_preview_form(
        quiz: QuizId,
        fields: BTreeMap<String, String>,
        verifier: QuizQuestionId,
    ) -> Result<Correction, AppError> {
        let preview = quiz_preview(quiz, fields.clone(), Some(verifier)).await?;
        let correction = preview.questions.into_iter().find_map(|q| q.correction).ok_or(AppError::NotFound)?;
        // The answers typed travel in the address of the preview that shows the correction.
        let mut query: leptos_router::params::ParamsMap = fields
            .into_iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| (format!("reponses[{k}]"), v))
            .collect();
        query.insert("verifier", verifier.to_string());
        leptos_axum::redirect(&format!("/quiz/{quiz}/apercu{}#q-{verifier}", query.to_query_string()));
        Ok(correction)
    }

    pub async fn assign_quiz_form(quiz: QuizId, form: AssignForm) -> Result<QuizAssignmentId, AppError> {
        let (unit, settings) = assignment_from_form(&form)?;
        ssr::assign_quiz(quiz, unit, settings).await
    }
}
