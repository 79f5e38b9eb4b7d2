//! SQL of live quiz sessions: the session with the snapshot of its questions and its phase,
//! its seats and its answers. Every answer the hub accepts goes through [`insert_answer`]
//! before the student hears it is counted, so the report read back here is exact. The
//! database is the truth when several nodes run hubs of one session: an answer is stored
//! only while its question is open there, and a phase is saved only over the one its hub
//! last saw.

use super::live::LiveOptions;
use crate::error::AppError;
use crate::server::Db;
use anyhow::Context;
use domain::quiz::live::{JoinCode, LiveRef, LiveSession, Phase};
use domain::quiz::{Question, Response};
use domain::{EstablishmentId, LiveSessionId, QuizId, SeatId, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A session as stored.
#[derive(Debug, Clone)]
pub struct LiveRow {
    pub id: LiveSessionId,
    pub establishment: EstablishmentId,
    pub quiz: QuizId,
    pub teacher: UserId,
    pub code: JoinCode,
    pub title: String,
    pub questions: Vec<Question>,
    pub options: LiveOptions,
    pub session: LiveSession,
    pub started_at: i64,
    pub ended_at: Option<i64>,
}

impl LiveRow {
    pub fn access(&self) -> LiveRef {
        LiveRef { establishment: self.establishment, teacher: self.teacher, anonymous: self.options.anonymous }
    }
}

/// Inserts a new session; `false` when its code is already used by a session not ended.
pub async fn insert_session(db: &Db, row: &LiveRow) -> Result<bool, AppError> {
    let questions = serde_json::to_string(&row.questions).context("writing a live session's questions as JSON")?;
    let done = sqlx::query(
        "INSERT INTO quiz_live_sessions (id, establishment_id, quiz_id, teacher_id, code, title, questions, anonymous,
             speed_bonus, leaderboard, state, started_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(row.id.0)
    .bind(row.establishment.0)
    .bind(row.quiz.0)
    .bind(row.teacher.0)
    .bind(row.code.as_str())
    .bind(&row.title)
    .bind(questions)
    .bind(i64::from(row.options.anonymous))
    .bind(i64::from(row.options.speed_bonus))
    .bind(i64::from(row.options.leaderboard))
    .bind(row.session.phase.code())
    .bind(row.started_at)
    .execute(db)
    .await;
    match done {
        Ok(_) => Ok(true),
        // The code is in use by a session not ended: the unique index refused it.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e.into()),
    }
}

const SESSION_COLUMNS: &str =
    "id, establishment_id, quiz_id, teacher_id, code, title, questions, anonymous, speed_bonus,
     leaderboard, state, current_index, opened_at, deadline, started_at, ended_at";

fn session_of(r: &AnyRow) -> Result<LiveRow, AppError> {
    let id = LiveSessionId(r.try_get("id")?);
    let corrupt = |what: &str| AppError::from(anyhow::anyhow!("live session {id} with an invalid {what}"));
    let questions: Vec<Question> = serde_json::from_str(&r.try_get::<String, _>("questions")?)
        .with_context(|| format!("reading live session {id}'s questions"))?;
    let index = usize::try_from(r.try_get::<i64, _>("current_index")?).map_err(|_| corrupt("index"))?;
    let phase = Phase::from_parts(
        &r.try_get::<String, _>("state")?,
        index,
        r.try_get("opened_at")?,
        r.try_get::<Option<i64>, _>("deadline")?,
    )
    .ok_or_else(|| corrupt("state"))?;
    Ok(LiveRow {
        id,
        establishment: EstablishmentId(r.try_get("establishment_id")?),
        quiz: QuizId(r.try_get("quiz_id")?),
        teacher: UserId(r.try_get("teacher_id")?),
        code: JoinCode::parse(&r.try_get::<String, _>("code")?).map_err(|_| corrupt("code"))?,
        title: r.try_get("title")?,
        session: LiveSession { question_count: questions.len(), phase },
        questions,
        options: LiveOptions {
            anonymous: r.try_get::<i64, _>("anonymous")? != 0,
            speed_bonus: r.try_get::<i64, _>("speed_bonus")? != 0,
            leaderboard: r.try_get::<i64, _>("leaderboard")? != 0,
        },
        started_at: r.try_get("started_at")?,
        ended_at: r.try_get("ended_at")?,
    })
}

pub async fn session(db: &Db, id: LiveSessionId) -> Result<Option<LiveRow>, AppError> {
    sqlx::query(&format!("SELECT {SESSION_COLUMNS} FROM quiz_live_sessions WHERE id = $1"))
        .bind(id.0)
        .fetch_optional(db)
        .await?
        .as_ref()
        .map(session_of)
        .transpose()
}

/// The session not ended that uses this code.
pub async fn live_by_code(db: &Db, code: &JoinCode) -> Result<Option<LiveRow>, AppError> {
    sqlx::query(&format!("SELECT {SESSION_COLUMNS} FROM quiz_live_sessions WHERE code = $1 AND ended_at IS NULL"))
        .bind(code.as_str())
        .fetch_optional(db)
        .await?
        .as_ref()
        .map(session_of)
        .transpose()
}

/// The latest session this teacher started with this code, ended or not (a code is free
/// again once its session ended, so the teacher's own latest one is the one they mean).
pub async fn hosted_by_code(db: &Db, teacher: UserId, code: &JoinCode) -> Result<Option<LiveRow>, AppError> {
    sqlx::query(&format!(
        "SELECT {SESSION_COLUMNS} FROM quiz_live_sessions WHERE code = $1 AND teacher_id = $2
         ORDER BY started_at DESC, id DESC LIMIT 1"
    ))
    .bind(code.as_str())
    .bind(teacher.0)
    .fetch_optional(db)
    .await?
    .as_ref()
    .map(session_of)
    .transpose()
}

/// What [`Phase`] stores in `current_index`, `opened_at` and `deadline`.
fn stored_parts(phase: Phase) -> (i64, i64, Option<i64>) {
    let (index, opened_at, deadline) = match phase {
        Phase::Open { index, opened_at, deadline } | Phase::Closed { index, opened_at, deadline } => {
            (index, opened_at, deadline)
        }
        Phase::Revealed { index } => (index, 0, None),
        Phase::Lobby | Phase::Ended => (0, 0, None),
    };
    (i64::try_from(index).unwrap_or(i64::MAX), opened_at, deadline)
}

/// Stores where the session stands (`ended_at` set when it ended), if it still stands where
/// `before` says: several nodes may run a hub of one session (a teacher's two screens, a
/// timer closing a question on every node), and a hub that lags behind must neither reopen
/// an ended session nor step back over another node's command. `false` when the stored
/// phase was not `before` (nothing written: the hub reloads).
pub async fn save_phase(
    db: &Db,
    id: LiveSessionId,
    before: Phase,
    s: &LiveSession,
    now: i64,
) -> Result<bool, AppError> {
    let (index, opened_at, deadline) = stored_parts(s.phase);
    let (before_index, _, _) = stored_parts(before);
    let ended_at = (s.phase == Phase::Ended).then_some(now);
    let done = sqlx::query(
        "UPDATE quiz_live_sessions SET state = $1, current_index = $2, opened_at = $3, deadline = $4, ended_at = $5
         WHERE id = $6 AND ended_at IS NULL AND state = $7 AND current_index = $8",
    )
    .bind(s.phase.code())
    .bind(index)
    .bind(opened_at)
    .bind(deadline)
    .bind(ended_at)
    .bind(id.0)
    .bind(before.code())
    .bind(before_index)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends a session wherever it stands (the teacher's "Terminer"); `false` if it had ended.
pub async fn end_session(db: &Db, id: LiveSessionId, now: i64) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE quiz_live_sessions SET state = 'ended', current_index = 0, opened_at = 0, deadline = NULL,
             ended_at = $1 WHERE id = $2 AND ended_at IS NULL",
    )
    .bind(now)
    .bind(id.0)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A seat as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatRow {
    pub id: SeatId,
    pub user: Option<UserId>,
    pub token_hash: Option<String>,
    pub name: String,
}

/// Stores a seat; `false` when this person already has one in the session (taken through
/// another node's hub).
pub async fn insert_seat(db: &Db, session: LiveSessionId, seat: &SeatRow, now: i64) -> Result<bool, AppError> {
    let done = sqlx::query(
        "INSERT INTO quiz_live_seats (id, session_id, user_id, token_hash, name, joined_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(seat.id.0)
    .bind(session.0)
    .bind(seat.user.map(|u| u.0))
    .bind(seat.token_hash.as_deref())
    .bind(&seat.name)
    .bind(now)
    .execute(db)
    .await;
    match done {
        Ok(_) => Ok(true),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// A session's seats, in the order they were taken.
pub async fn seats(db: &Db, session: LiveSessionId) -> Result<Vec<SeatRow>, AppError> {
    let rows = sqlx::query(
        "SELECT id, user_id, token_hash, name FROM quiz_live_seats WHERE session_id = $1 ORDER BY joined_at, id",
    )
    .bind(session.0)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SeatRow {
                id: SeatId(r.try_get("id")?),
                user: r.try_get::<Option<i64>, _>("user_id")?.map(UserId),
                token_hash: r.try_get("token_hash")?,
                name: r.try_get("name")?,
            })
        })
        .collect()
}

/// An accepted answer.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveAnswerRow {
    pub seat: SeatId,
    pub question: usize,
    /// Against the written order.
    pub response: Response,
    pub correct: bool,
    /// Hundredths, speed bonus included.
    pub points: i64,
    pub answered_at: i64,
}

/// What became of an answer handed to [`insert_answer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerStored {
    Stored,
    /// The seat had answered this question already: the first answer counts.
    AlreadyAnswered,
    /// The question is not open any more in the database (closed, timer run out, another
    /// question on screen) or the session ended: nothing was stored.
    NotOpen,
}

/// Commits one answer, only while its question is the one open in the database, before its
/// deadline, in a session not ended: the condition is in the statement itself, so a hub that
/// has not yet heard of a close or an end (on another node) cannot store a late answer.
pub async fn insert_answer(db: &Db, session: LiveSessionId, a: &LiveAnswerRow) -> Result<AnswerStored, AppError> {
    let response = serde_json::to_string(&a.response).context("writing a live answer as JSON")?;
    let done = sqlx::query(
        "INSERT INTO quiz_live_answers (session_id, seat_id, question_index, response, correct, points, answered_at)
         SELECT id, $2, $3, $4, $5, $6, $7 FROM quiz_live_sessions
          WHERE id = $1 AND ended_at IS NULL AND state = 'open' AND current_index = $3
            AND (deadline IS NULL OR deadline > $7)",
    )
    .bind(session.0)
    .bind(a.seat.0)
    .bind(i64::try_from(a.question).unwrap_or(i64::MAX))
    .bind(response)
    .bind(i64::from(a.correct))
    .bind(a.points)
    .bind(a.answered_at)
    .execute(db)
    .await;
    match done {
        Ok(done) if done.rows_affected() == 1 => Ok(AnswerStored::Stored),
        Ok(_) => Ok(AnswerStored::NotOpen),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(AnswerStored::AlreadyAnswered),
        Err(e) => Err(e.into()),
    }
}

/// The answers to one question of a session (the histogram of the question on screen).
pub async fn answers_to(db: &Db, session: LiveSessionId, question: usize) -> Result<Vec<LiveAnswerRow>, AppError> {
    let rows = sqlx::query(
        "SELECT seat_id, question_index, response, correct, points, answered_at FROM quiz_live_answers
         WHERE session_id = $1 AND question_index = $2",
    )
    .bind(session.0)
    .bind(i64::try_from(question).unwrap_or(i64::MAX))
    .fetch_all(db)
    .await?;
    rows.iter().map(answer_of).collect()
}

fn answer_of(r: &AnyRow) -> Result<LiveAnswerRow, AppError> {
    let response: String = r.try_get("response")?;
    Ok(LiveAnswerRow {
        seat: SeatId(r.try_get("seat_id")?),
        question: usize::try_from(r.try_get::<i64, _>("question_index")?).unwrap_or(usize::MAX),
        response: serde_json::from_str(&response).context("reading a live answer")?,
        correct: r.try_get::<i64, _>("correct")? != 0,
        points: r.try_get("points")?,
        answered_at: r.try_get("answered_at")?,
    })
}

/// A session's answers, question by question.
pub async fn answers(db: &Db, session: LiveSessionId) -> Result<Vec<LiveAnswerRow>, AppError> {
    let rows = sqlx::query(
        "SELECT seat_id, question_index, response, correct, points, answered_at FROM quiz_live_answers
         WHERE session_id = $1 ORDER BY question_index, answered_at",
    )
    .bind(session.0)
    .fetch_all(db)
    .await?;
    rows.iter().map(answer_of).collect()
}
