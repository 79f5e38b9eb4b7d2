//! SQL of quizzes: quizzes and their questions (JSON of `domain::quiz::Question`),
//! assignments with the snapshot of their questions, attempts and answers. Small named
//! queries; the rules are in `domain::quiz`, the checks in `api.rs`. Writes that change
//! several rows take a transaction from the caller and start by locking their parent row
//! (`lock_quiz`, `lock_open_attempt`), so two requests never interleave their changes.

use super::{QuestionLine, QuizLine};
use crate::error::AppError;
use crate::server::Db;
use anyhow::Context;
use domain::quiz::access::{AssignmentRef, QuizRef};
use domain::quiz::assignment::{AssignmentSettings, FeedbackPolicy};
use domain::quiz::{Question, Response};
use domain::{
    AttemptId, ClassId, EstablishmentId, GroupId, QuizAssignmentId, QuizId, QuizQuestionId, TeachingUnit, UserId,
};
use sqlx::Row;
use sqlx::any::AnyRow;

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

/// A quiz as stored.
#[derive(Debug, Clone)]
pub struct QuizRow {
    pub id: QuizId,
    pub establishment: EstablishmentId,
    pub owner: UserId,
    pub owner_name: String,
    pub title: String,
    pub description: String,
    pub shared: bool,
}

impl QuizRow {
    pub fn access(&self) -> QuizRef {
        QuizRef { establishment: self.establishment, owner: self.owner, shared: self.shared }
    }
}

pub async fn insert_quiz(db: &Db, row: &QuizRow, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO quizzes (id, establishment_id, owner_id, title, description, shared, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(row.id.0)
    .bind(row.establishment.0)
    .bind(row.owner.0)
    .bind(&row.title)
    .bind(&row.description)
    .bind(i64::from(row.shared))
    .bind(now)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn quiz(db: &Db, id: QuizId) -> Result<Option<QuizRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT q.id, q.establishment_id, q.owner_id, q.title, q.description, q.shared, u.first_name, u.last_name
         FROM quizzes q JOIN users u ON u.id = q.owner_id WHERE q.id = $1",
    )
    .bind(id.0)
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        Ok(QuizRow {
            id: QuizId(r.try_get("id")?),
            establishment: EstablishmentId(r.try_get("establishment_id")?),
            owner: UserId(r.try_get("owner_id")?),
            owner_name: full_name(&r)?,
            title: r.try_get("title")?,
            description: r.try_get("description")?,
            shared: r.try_get::<i64, _>("shared")? != 0,
        })
    })
    .transpose()
}

fn full_name(r: &AnyRow) -> Result<String, sqlx::Error> {
    Ok(format!("{} {}", r.try_get::<String, _>("first_name")?, r.try_get::<String, _>("last_name")?))
}

pub async fn update_quiz(db: &Db, row: &QuizRow, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE quizzes SET title = $1, description = $2, shared = $3, updated_at = $4 WHERE id = $5")
        .bind(&row.title)
        .bind(&row.description)
        .bind(i64::from(row.shared))
        .bind(now)
        .bind(row.id.0)
        .execute(db)
        .await?;
    Ok(())
}

/// The quizzes `user` wrote in `establishment`, and those their colleagues share, latest
/// changed first.
pub async fn list_quizzes(db: &Db, establishment: EstablishmentId, user: UserId) -> Result<Vec<QuizLine>, sqlx::Error> {
    sqlx::query(
        "SELECT q.id, q.title, q.owner_id, q.shared, q.updated_at, u.first_name, u.last_name,
                (SELECT COUNT(*) FROM quiz_questions x WHERE x.quiz_id = q.id) AS questions
         FROM quizzes q JOIN users u ON u.id = q.owner_id
         WHERE q.establishment_id = $1 AND (q.owner_id = $2 OR q.shared = 1)
         ORDER BY q.updated_at DESC, q.id DESC",
    )
    .bind(establishment.0)
    .bind(user.0)
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| {
        Ok(QuizLine {
            id: QuizId(r.try_get("id")?),
            title: r.try_get("title")?,
            owner_name: full_name(&r)?,
            mine: r.try_get::<i64, _>("owner_id")? == user.0,
            shared: r.try_get::<i64, _>("shared")? != 0,
            questions: u32::try_from(r.try_get::<i64, _>("questions")?).unwrap_or(u32::MAX),
            updated_at: r.try_get("updated_at")?,
        })
    })
    .collect()
}

/// Takes the quiz's row for the rest of the transaction (and marks it changed): question
/// counts and positions read after this stay true until commit.
pub async fn lock_quiz(tx: &mut Tx<'_>, quiz: QuizId, now: i64) -> Result<(), AppError> {
    let done = sqlx::query("UPDATE quizzes SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(quiz.0)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if done == 0 { Err(AppError::NotFound) } else { Ok(()) }
}

fn question_of(r: &AnyRow) -> Result<QuestionLine, AppError> {
    let body: String = r.try_get("body")?;
    let id = QuizQuestionId(r.try_get("id")?);
    let question = serde_json::from_str(&body).with_context(|| format!("reading question {id}"))?;
    Ok(QuestionLine { id, position: u32::try_from(r.try_get::<i64, _>("position")?).unwrap_or(u32::MAX), question })
}

/// A quiz's questions, in order.
pub async fn questions<'e, E>(executor: E, quiz: QuizId) -> Result<Vec<QuestionLine>, AppError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query("SELECT id, position, body FROM quiz_questions WHERE quiz_id = $1 ORDER BY position, id")
        .bind(quiz.0)
        .fetch_all(executor)
        .await?
        .iter()
        .map(question_of)
        .collect()
}

/// One question, with its quiz.
pub async fn question(db: &Db, id: QuizQuestionId) -> Result<Option<(QuizId, QuestionLine)>, AppError> {
    let row = sqlx::query("SELECT id, quiz_id, position, body FROM quiz_questions WHERE id = $1")
        .bind(id.0)
        .fetch_optional(db)
        .await?;
    row.map(|r| Ok((QuizId(r.try_get("quiz_id")?), question_of(&r)?))).transpose()
}

fn json(question: &Question) -> Result<String, AppError> {
    Ok(serde_json::to_string(question).context("writing a question as JSON")?)
}

pub async fn count_questions(tx: &mut Tx<'_>, quiz: QuizId) -> Result<usize, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM quiz_questions WHERE quiz_id = $1")
        .bind(quiz.0)
        .fetch_one(&mut **tx)
        .await?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

pub async fn insert_question(
    tx: &mut Tx<'_>,
    quiz: QuizId,
    id: QuizQuestionId,
    position: usize,
    question: &Question,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query("INSERT INTO quiz_questions (id, quiz_id, position, body, updated_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id.0)
        .bind(quiz.0)
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(json(question)?)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Replaces a question of `quiz`; `false` when it is not one of its questions.
pub async fn update_question(
    tx: &mut Tx<'_>,
    quiz: QuizId,
    id: QuizQuestionId,
    question: &Question,
    now: i64,
) -> Result<bool, AppError> {
    let done = sqlx::query("UPDATE quiz_questions SET body = $1, updated_at = $2 WHERE id = $3 AND quiz_id = $4")
        .bind(json(question)?)
        .bind(now)
        .bind(id.0)
        .bind(quiz.0)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok(done > 0)
}

/// Removes a question and closes the gap it leaves in the positions.
pub async fn delete_question(tx: &mut Tx<'_>, quiz: QuizId, id: QuizQuestionId) -> Result<bool, sqlx::Error> {
    let position: Option<i64> =
        sqlx::query_scalar("SELECT position FROM quiz_questions WHERE id = $1 AND quiz_id = $2")
            .bind(id.0)
            .bind(quiz.0)
            .fetch_optional(&mut **tx)
            .await?;
    let Some(position) = position else { return Ok(false) };
    sqlx::query("DELETE FROM quiz_questions WHERE id = $1").bind(id.0).execute(&mut **tx).await?;
    sqlx::query("UPDATE quiz_questions SET position = position - 1 WHERE quiz_id = $1 AND position > $2")
        .bind(quiz.0)
        .bind(position)
        .execute(&mut **tx)
        .await?;
    Ok(true)
}

/// Makes room at `position` by moving it and every later question one place down.
pub async fn make_room(tx: &mut Tx<'_>, quiz: QuizId, position: u32) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE quiz_questions SET position = position + 1 WHERE quiz_id = $1 AND position >= $2")
        .bind(quiz.0)
        .bind(i64::from(position))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn set_position(tx: &mut Tx<'_>, id: QuizQuestionId, position: usize) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE quiz_questions SET position = $1 WHERE id = $2")
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(id.0)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// An assignment as stored, with the questions it was given with.
#[derive(Debug, Clone)]
pub struct AssignmentRow {
    pub id: QuizAssignmentId,
    pub establishment: EstablishmentId,
    pub quiz: QuizId,
    pub assigned_by: UserId,
    pub unit: TeachingUnit,
    pub title: String,
    pub questions: Vec<(QuizQuestionId, Question)>,
    pub settings: AssignmentSettings,
}

impl AssignmentRow {
    pub fn access(&self) -> AssignmentRef {
        AssignmentRef { establishment: self.establishment, unit: self.unit, assigned_by: self.assigned_by }
    }

    /// Points of the whole quiz.
    pub fn out_of(&self) -> f64 {
        self.questions.iter().map(|(_, q)| q.points.value()).sum()
    }

    pub fn question(&self, id: QuizQuestionId) -> Option<&Question> {
        self.questions.iter().find(|(q, _)| *q == id).map(|(_, q)| q)
    }
}

pub async fn insert_assignment(db: &Db, row: &AssignmentRow, now: i64) -> Result<(), AppError> {
    let (class, group) = match row.unit {
        TeachingUnit::Class(c) => (Some(c.0), None),
        TeachingUnit::Group(g) => (None, Some(g.0)),
    };
    let s = &row.settings;
    let questions = serde_json::to_string(&row.questions).context("writing an assignment's questions as JSON")?;
    sqlx::query(
        "INSERT INTO quiz_assignments (id, establishment_id, quiz_id, assigned_by, class_id, group_id, title, questions,
             opens_at, closes_at, time_limit_minutes, max_attempts, shuffle_questions, shuffle_options, feedback, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(row.id.0)
    .bind(row.establishment.0)
    .bind(row.quiz.0)
    .bind(row.assigned_by.0)
    .bind(class)
    .bind(group)
    .bind(&row.title)
    .bind(questions)
    .bind(s.opens_at)
    .bind(s.closes_at)
    .bind(s.time_limit_minutes.map(i64::from))
    .bind(i64::from(s.max_attempts))
    .bind(i64::from(s.shuffle_questions))
    .bind(i64::from(s.shuffle_options))
    .bind(s.feedback.code())
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

const ASSIGNMENT_COLUMNS: &str = "a.id, a.establishment_id, a.quiz_id, a.assigned_by, a.class_id, a.group_id, a.title, \
     a.questions, a.opens_at, a.closes_at, a.time_limit_minutes, a.max_attempts, a.shuffle_questions, \
     a.shuffle_options, a.feedback";

pub async fn assignment(db: &Db, id: QuizAssignmentId) -> Result<Option<AssignmentRow>, AppError> {
    let Some(r) = sqlx::query(&format!("SELECT {ASSIGNMENT_COLUMNS} FROM quiz_assignments a WHERE a.id = $1"))
        .bind(id.0)
        .fetch_optional(db)
        .await?
    else {
        return Ok(None);
    };
    assignment_of(&r).map(Some)
}

/// Most assignments a student's list shows (the latest first beyond that).
pub const MY_ASSIGNMENTS_MAX: i64 = 200;

/// An assignment as a student's list shows it: the row, the class or group's name and the
/// teacher's.
pub struct ListedAssignment {
    pub row: AssignmentRow,
    pub unit_name: String,
    pub teacher_name: String,
}

/// The assignments given to any of these classes and groups of one establishment, latest
/// closing first, at most [`MY_ASSIGNMENTS_MAX`].
pub async fn assignments_for_units(
    db: &Db,
    establishment: EstablishmentId,
    units: &[TeachingUnit],
) -> Result<Vec<ListedAssignment>, AppError> {
    let classes: Vec<i64> =
        units.iter().filter_map(|u| if let TeachingUnit::Class(c) = u { Some(c.0) } else { None }).collect();
    let groups: Vec<i64> =
        units.iter().filter_map(|u| if let TeachingUnit::Group(g) = u { Some(g.0) } else { None }).collect();
    if classes.is_empty() && groups.is_empty() {
        return Ok(Vec::new());
    }
    // Ids are numbers made by Préau, bound one by one: `$2, $3, ...` for classes then groups.
    let placeholders = |from: usize, n: usize| (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    let mut wanted = Vec::new();
    if !classes.is_empty() {
        wanted.push(format!("a.class_id IN ({})", placeholders(2, classes.len())));
    }
    if !groups.is_empty() {
        wanted.push(format!("a.group_id IN ({})", placeholders(2 + classes.len(), groups.len())));
    }
    let sql = format!(
        "SELECT {ASSIGNMENT_COLUMNS}, COALESCE(c.name, g.name) AS unit_name,
                u.first_name AS teacher_first, u.last_name AS teacher_last
         FROM quiz_assignments a
         JOIN users u ON u.id = a.assigned_by
         LEFT JOIN classes c ON c.id = a.class_id
         LEFT JOIN student_groups g ON g.id = a.group_id
         WHERE a.establishment_id = $1 AND ({})
         ORDER BY a.closes_at DESC, a.id DESC
         LIMIT {MY_ASSIGNMENTS_MAX}",
        wanted.join(" OR ")
    );
    let mut query = sqlx::query(&sql).bind(establishment.0);
    for id in classes.iter().chain(&groups) {
        query = query.bind(*id);
    }
    let mut listed = Vec::new();
    for r in query.fetch_all(db).await? {
        let first: String = r.try_get("teacher_first")?;
        let last: String = r.try_get("teacher_last")?;
        listed.push(ListedAssignment {
            row: assignment_of(&r)?,
            unit_name: r.try_get::<Option<String>, _>("unit_name")?.unwrap_or_default(),
            teacher_name: format!("{first} {last}"),
        });
    }
    Ok(listed)
}

/// An assignment open now that a student has not handed in yet.
#[derive(Debug, Clone, PartialEq)]
pub struct DueAssignment {
    pub id: QuizAssignmentId,
    pub title: String,
    pub unit_name: String,
    pub closes_at: i64,
    /// An attempt is under way.
    pub started: bool,
}

/// The assignments of the student's class and groups that are open at `now` and that the
/// student has not handed in (no attempt submitted, none whose time ran out), closing
/// soonest first, at most `limit`. Read from the enrolments, so it answers for a guardian
/// asking about a child as for the student.
pub async fn due_for_student(
    db: &Db,
    establishment: EstablishmentId,
    student: UserId,
    now: i64,
    limit: i64,
) -> Result<Vec<DueAssignment>, sqlx::Error> {
    sqlx::query(
        "SELECT a.id, a.title, a.closes_at, COALESCE(c.name, g.name) AS unit_name,
                CASE WHEN EXISTS (SELECT 1 FROM quiz_attempts t WHERE t.assignment_id = a.id AND t.student_id = $2)
                     THEN 1 ELSE 0 END AS started
         FROM quiz_assignments a
         LEFT JOIN classes c ON c.id = a.class_id
         LEFT JOIN student_groups g ON g.id = a.group_id
         WHERE a.establishment_id = $1
           AND (a.class_id IN (SELECT class_id FROM class_students WHERE student_id = $2)
                OR a.group_id IN (SELECT group_id FROM group_students WHERE student_id = $2))
           AND a.opens_at <= $3 AND a.closes_at > $3
           AND NOT EXISTS (SELECT 1 FROM quiz_attempts t WHERE t.assignment_id = a.id AND t.student_id = $2
                 AND (t.submitted_at IS NOT NULL
                      OR (a.time_limit_minutes IS NOT NULL AND t.started_at + a.time_limit_minutes * 60000 <= $3)))
         ORDER BY a.closes_at, a.id
         LIMIT $4",
    )
    .bind(establishment.0)
    .bind(student.0)
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await?
    .iter()
    .map(|r| {
        Ok(DueAssignment {
            id: QuizAssignmentId(r.try_get("id")?),
            title: r.try_get("title")?,
            unit_name: r.try_get::<Option<String>, _>("unit_name")?.unwrap_or_default(),
            closes_at: r.try_get("closes_at")?,
            started: r.try_get::<i64, _>("started")? != 0,
        })
    })
    .collect()
}

/// Every attempt of one student at these assignments.
pub async fn attempts_of_student(
    db: &Db,
    student: UserId,
    assignments: &[QuizAssignmentId],
) -> Result<Vec<AttemptRow>, sqlx::Error> {
    if assignments.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders = (2..2 + assignments.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT {ATTEMPT_COLUMNS} FROM quiz_attempts WHERE student_id = $1 AND assignment_id IN ({placeholders})
         ORDER BY assignment_id, number"
    );
    let mut query = sqlx::query(&sql).bind(student.0);
    for a in assignments {
        query = query.bind(a.0);
    }
    query.fetch_all(db).await?.iter().map(attempt_of).collect()
}

fn assignment_of(r: &AnyRow) -> Result<AssignmentRow, AppError> {
    let id = QuizAssignmentId(r.try_get("id")?);
    let corrupt = |what: &str| AppError::from(anyhow::anyhow!("assignment {id} with an invalid {what}"));
    let unit = match (r.try_get::<Option<i64>, _>("class_id")?, r.try_get::<Option<i64>, _>("group_id")?) {
        (Some(c), _) => TeachingUnit::Class(ClassId(c)),
        (None, Some(g)) => TeachingUnit::Group(GroupId(g)),
        (None, None) => return Err(corrupt("unit")),
    };
    let questions: String = r.try_get("questions")?;
    let settings = AssignmentSettings {
        opens_at: r.try_get("opens_at")?,
        closes_at: r.try_get("closes_at")?,
        time_limit_minutes: r
            .try_get::<Option<i64>, _>("time_limit_minutes")?
            .map(u32::try_from)
            .transpose()
            .map_err(|_| corrupt("time limit"))?,
        max_attempts: u32::try_from(r.try_get::<i64, _>("max_attempts")?).map_err(|_| corrupt("attempt count"))?,
        shuffle_questions: r.try_get::<i64, _>("shuffle_questions")? != 0,
        shuffle_options: r.try_get::<i64, _>("shuffle_options")? != 0,
        feedback: FeedbackPolicy::from_code(&r.try_get::<String, _>("feedback")?).ok_or_else(|| corrupt("feedback"))?,
    };
    Ok(AssignmentRow {
        id,
        establishment: EstablishmentId(r.try_get("establishment_id")?),
        quiz: QuizId(r.try_get("quiz_id")?),
        assigned_by: UserId(r.try_get("assigned_by")?),
        unit,
        title: r.try_get("title")?,
        questions: serde_json::from_str(&questions).with_context(|| format!("reading assignment {id}'s questions"))?,
        settings,
    })
}

/// An attempt as stored.
#[derive(Debug, Clone)]
pub struct AttemptRow {
    pub id: AttemptId,
    pub assignment: QuizAssignmentId,
    pub student: UserId,
    pub number: u32,
    pub seed: u64,
    pub started_at: i64,
    pub submitted_at: Option<i64>,
    pub auto_submitted: bool,
    pub score_hundredths: Option<i64>,
    pub pending_manual: u32,
}

const ATTEMPT_COLUMNS: &str = "id, assignment_id, student_id, number, seed, started_at, submitted_at, auto_submitted, \
     score_hundredths, pending_manual";

fn attempt_of(r: &AnyRow) -> Result<AttemptRow, sqlx::Error> {
    Ok(AttemptRow {
        id: AttemptId(r.try_get("id")?),
        assignment: QuizAssignmentId(r.try_get("assignment_id")?),
        student: UserId(r.try_get("student_id")?),
        number: u32::try_from(r.try_get::<i64, _>("number")?).unwrap_or(u32::MAX),
        seed: r.try_get::<i64, _>("seed")? as u64,
        started_at: r.try_get("started_at")?,
        submitted_at: r.try_get("submitted_at")?,
        auto_submitted: r.try_get::<i64, _>("auto_submitted")? != 0,
        score_hundredths: r.try_get("score_hundredths")?,
        pending_manual: u32::try_from(r.try_get::<i64, _>("pending_manual")?).unwrap_or(u32::MAX),
    })
}

pub async fn attempt<'e, E>(executor: E, id: AttemptId) -> Result<Option<AttemptRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(&format!("SELECT {ATTEMPT_COLUMNS} FROM quiz_attempts WHERE id = $1"))
        .bind(id.0)
        .fetch_optional(executor)
        .await?
        .map(|r| attempt_of(&r))
        .transpose()
}

/// A student's attempts at an assignment, in order.
pub async fn attempts_of(
    db: &Db,
    assignment: QuizAssignmentId,
    student: UserId,
) -> Result<Vec<AttemptRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {ATTEMPT_COLUMNS} FROM quiz_attempts WHERE assignment_id = $1 AND student_id = $2 ORDER BY number"
    ))
    .bind(assignment.0)
    .bind(student.0)
    .fetch_all(db)
    .await?
    .iter()
    .map(attempt_of)
    .collect()
}

/// Every attempt at an assignment.
pub async fn attempts_at(db: &Db, assignment: QuizAssignmentId) -> Result<Vec<AttemptRow>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {ATTEMPT_COLUMNS} FROM quiz_attempts WHERE assignment_id = $1 ORDER BY student_id, number"
    ))
    .bind(assignment.0)
    .fetch_all(db)
    .await?
    .iter()
    .map(attempt_of)
    .collect()
}

/// Records a new attempt. Another one numbered the same (started at the same instant) makes
/// this one a conflict.
pub async fn insert_attempt(db: &Db, row: &AttemptRow) -> Result<(), AppError> {
    let done = sqlx::query(
        "INSERT INTO quiz_attempts (id, assignment_id, student_id, number, seed, started_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(row.id.0)
    .bind(row.assignment.0)
    .bind(row.student.0)
    .bind(i64::from(row.number))
    .bind(row.seed as i64)
    .bind(row.started_at)
    .execute(db)
    .await;
    match done {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(AppError::Conflict(
            "Une tentative vient d'être commencée depuis un autre onglet : rechargez la page.".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Takes an attempt's row for the rest of the transaction if it is still open (not
/// submitted); `false` when it is already submitted.
pub async fn lock_open_attempt(tx: &mut Tx<'_>, attempt: AttemptId) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE quiz_attempts SET started_at = started_at WHERE id = $1 AND submitted_at IS NULL")
        .bind(attempt.0)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok(done > 0)
}

/// The latest answer to one question of an attempt.
#[derive(Debug, Clone)]
pub struct AnswerRow {
    pub attempt: AttemptId,
    pub question: QuizQuestionId,
    pub response: Response,
    pub locked: bool,
    pub earned_hundredths: Option<i64>,
    /// The teacher's comment on an open answer graded by hand.
    pub comment: Option<String>,
}

fn answer_of(r: &AnyRow) -> Result<AnswerRow, AppError> {
    let response: String = r.try_get("response")?;
    let question = QuizQuestionId(r.try_get("question_id")?);
    Ok(AnswerRow {
        attempt: AttemptId(r.try_get("attempt_id")?),
        question,
        response: serde_json::from_str(&response)
            .with_context(|| format!("reading an answer to question {question}"))?,
        locked: r.try_get::<i64, _>("locked")? != 0,
        earned_hundredths: r.try_get("earned_hundredths")?,
        comment: r.try_get("teacher_comment")?,
    })
}

const ANSWER_COLUMNS: &str = "attempt_id, question_id, response, locked, earned_hundredths, teacher_comment";

pub async fn answers<'e, E>(executor: E, attempt: AttemptId) -> Result<Vec<AnswerRow>, AppError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(&format!("SELECT {ANSWER_COLUMNS} FROM quiz_answers WHERE attempt_id = $1"))
        .bind(attempt.0)
        .fetch_all(executor)
        .await?
        .iter()
        .map(answer_of)
        .collect()
}

/// Every answer of every attempt at an assignment.
pub async fn answers_at(db: &Db, assignment: QuizAssignmentId) -> Result<Vec<AnswerRow>, AppError> {
    sqlx::query(&format!(
        "SELECT {ANSWER_COLUMNS} FROM quiz_answers WHERE attempt_id IN (SELECT id FROM quiz_attempts WHERE assignment_id = $1)"
    ))
    .bind(assignment.0)
    .fetch_all(db)
    .await?
    .iter()
    .map(answer_of)
    .collect()
}

/// Saves (or replaces) the answer to one question; saving the same answer twice leaves the
/// same row.
pub async fn save_answer(tx: &mut Tx<'_>, answer: &AnswerRow, now: i64) -> Result<(), AppError> {
    let response = serde_json::to_string(&answer.response).context("writing an answer as JSON")?;
    sqlx::query(
        "INSERT INTO quiz_answers (attempt_id, question_id, response, locked, earned_hundredths, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (attempt_id, question_id) DO UPDATE
         SET response = excluded.response, locked = excluded.locked, earned_hundredths = excluded.earned_hundredths,
             updated_at = excluded.updated_at",
    )
    .bind(answer.attempt.0)
    .bind(answer.question.0)
    .bind(response)
    .bind(i64::from(answer.locked))
    .bind(answer.earned_hundredths)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Clears the answer to one question (the student emptied it).
pub async fn delete_answer(tx: &mut Tx<'_>, attempt: AttemptId, question: QuizQuestionId) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM quiz_answers WHERE attempt_id = $1 AND question_id = $2")
        .bind(attempt.0)
        .bind(question.0)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The score of a finished attempt: in total and per answered question.
pub struct Finished {
    pub submitted_at: i64,
    pub auto_submitted: bool,
    pub score_hundredths: i64,
    pub pending_manual: u32,
    pub earned: Vec<(QuizQuestionId, Option<i64>)>,
}

/// Closes an attempt with its score, inside the transaction that locked it.
pub async fn finish_attempt(tx: &mut Tx<'_>, attempt: AttemptId, done: &Finished) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE quiz_attempts SET submitted_at = $1, auto_submitted = $2, score_hundredths = $3, pending_manual = $4
         WHERE id = $5",
    )
    .bind(done.submitted_at)
    .bind(i64::from(done.auto_submitted))
    .bind(done.score_hundredths)
    .bind(i64::from(done.pending_manual))
    .bind(attempt.0)
    .execute(&mut **tx)
    .await?;
    for (question, earned) in &done.earned {
        sqlx::query("UPDATE quiz_answers SET earned_hundredths = $1 WHERE attempt_id = $2 AND question_id = $3")
            .bind(*earned)
            .bind(attempt.0)
            .bind(question.0)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Takes a submitted attempt's row for the rest of the transaction; `false` when it is not
/// submitted (or does not exist).
pub async fn lock_submitted_attempt(tx: &mut Tx<'_>, attempt: AttemptId) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE quiz_attempts SET started_at = started_at WHERE id = $1 AND submitted_at IS NOT NULL")
            .bind(attempt.0)
            .execute(&mut **tx)
            .await?
            .rows_affected();
    Ok(done > 0)
}

/// Points (and a comment) a teacher gave one open answer.
pub struct ManualGrade {
    pub question: QuizQuestionId,
    pub earned_hundredths: i64,
    pub comment: Option<String>,
}

/// Writes the teacher's grades of one submitted attempt's open answers and its new score,
/// inside the transaction that locked it.
pub async fn grade_attempt(
    tx: &mut Tx<'_>,
    attempt: AttemptId,
    grades: &[ManualGrade],
    score_hundredths: i64,
    pending_manual: u32,
    by: UserId,
    now: i64,
) -> Result<(), sqlx::Error> {
    for g in grades {
        sqlx::query(
            "UPDATE quiz_answers SET earned_hundredths = $1, teacher_comment = $2, graded_by = $3, graded_at = $4
             WHERE attempt_id = $5 AND question_id = $6",
        )
        .bind(g.earned_hundredths)
        .bind(g.comment.clone())
        .bind(by.0)
        .bind(now)
        .bind(attempt.0)
        .bind(g.question.0)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query("UPDATE quiz_attempts SET score_hundredths = $1, pending_manual = $2 WHERE id = $3")
        .bind(score_hundredths)
        .bind(i64::from(pending_manual))
        .bind(attempt.0)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// One assignment of a quiz as its list on the quiz page shows it.
#[derive(Debug, Clone)]
pub struct GivenRow {
    pub access: AssignmentRef,
    pub id: QuizAssignmentId,
    pub unit_name: String,
    pub opens_at: i64,
    pub closes_at: i64,
    /// Students of the class or group now.
    pub students: u32,
    /// Of them, those with a submitted attempt.
    pub submitted: u32,
}

/// The assignments of a quiz, latest given first, with how many of the unit's students
/// handed something in.
pub async fn quiz_assignments(db: &Db, quiz: QuizId) -> Result<Vec<GivenRow>, AppError> {
    let rows = sqlx::query(
        "SELECT a.id, a.establishment_id, a.assigned_by, a.class_id, a.group_id, a.opens_at, a.closes_at,
                COALESCE(c.name, g.name) AS unit_name,
                CASE WHEN a.class_id IS NOT NULL
                     THEN (SELECT COUNT(*) FROM class_students cs WHERE cs.class_id = a.class_id)
                     ELSE (SELECT COUNT(*) FROM group_students gs WHERE gs.group_id = a.group_id) END AS students,
                (SELECT COUNT(DISTINCT t.student_id) FROM quiz_attempts t
                  WHERE t.assignment_id = a.id AND t.submitted_at IS NOT NULL) AS submitted
         FROM quiz_assignments a
         LEFT JOIN classes c ON c.id = a.class_id LEFT JOIN student_groups g ON g.id = a.group_id
         WHERE a.quiz_id = $1
         ORDER BY a.created_at DESC, a.id DESC",
    )
    .bind(quiz.0)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|r| {
            let id = QuizAssignmentId(r.try_get("id")?);
            let unit = match (r.try_get::<Option<i64>, _>("class_id")?, r.try_get::<Option<i64>, _>("group_id")?) {
                (Some(c), _) => TeachingUnit::Class(ClassId(c)),
                (None, Some(g)) => TeachingUnit::Group(GroupId(g)),
                (None, None) => return Err(anyhow::anyhow!("assignment {id} without a unit").into()),
            };
            let count = |name: &str| -> Result<u32, AppError> {
                Ok(u32::try_from(r.try_get::<i64, _>(name)?).unwrap_or(u32::MAX))
            };
            Ok(GivenRow {
                access: AssignmentRef {
                    establishment: EstablishmentId(r.try_get("establishment_id")?),
                    unit,
                    assigned_by: UserId(r.try_get("assigned_by")?),
                },
                id,
                unit_name: r.try_get("unit_name")?,
                opens_at: r.try_get("opens_at")?,
                closes_at: r.try_get("closes_at")?,
                students: count("students")?,
                submitted: count("submitted")?,
            })
        })
        .collect()
}
