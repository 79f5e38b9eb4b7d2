//! Live quiz sessions: the server functions a teacher calls around a session (start it from a
//! quiz and get its join code, end it, read its report) and the types they return. What
//! happens during the session goes through the WebSocket hub (`hub.rs`, served at
//! `/ws/quiz/{code}` by the server crate); its rules are `domain::quiz::live`. The pages
//! around them (`/quiz/direct`, `/rejoindre`) are `live_pages.rs`; the url-encoded functions
//! here (`launch_live_session`, `join_live_code`) are what their forms post without
//! JavaScript.

use crate::error::AppError;
use domain::quiz::live::{Phase, Tally};
use domain::{LiveSessionId, QuizId, UserId};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::Json;

/// A session just started: students join with `code`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveStarted {
    pub session: LiveSessionId,
    pub code: String,
}

/// How the teacher runs the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveOptions {
    /// Students join with a pseudonym; the report names no one.
    pub anonymous: bool,
    /// Quick right answers to timed questions earn up to half their points again.
    pub speed_bonus: bool,
    /// Students see the leaderboard after each answer is revealed.
    pub leaderboard: bool,
}

/// How one question of a session went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveQuestionReport {
    pub index: usize,
    pub text: String,
    /// Options of a choice question, in the written order (the histogram's bars).
    pub options: Vec<String>,
    pub tally: Tally,
    /// Share of the answers that earned every point, within `0..=1`.
    pub success_rate: f64,
    /// The answers that earn every point, as the students are shown them at the reveal.
    pub right_answers: Vec<String>,
}

/// One seat's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveSeatReport {
    /// The student, in a named session; `None` in anonymous mode.
    pub student: Option<UserId>,
    /// The student's name, or the pseudonym.
    pub name: String,
    /// Points in hundredths, speed bonus included.
    pub points: i64,
    pub answered: u32,
    pub correct: u32,
}

/// The end report of a session: per question and per seat (best first). Exact: every answer
/// was committed before it was acknowledged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveReport {
    pub session: LiveSessionId,
    pub title: String,
    pub code: String,
    pub anonymous: bool,
    pub ended: bool,
    pub questions: Vec<LiveQuestionReport>,
    pub seats: Vec<LiveSeatReport>,
}

/// Starts a live session of a quiz the teacher may read (its questions as they are now).
#[server(prefix = "/api", endpoint = "quiz/direct/demarrer", input = Json)]
pub async fn start_live_session(quiz: QuizId, options: LiveOptions) -> Result<LiveStarted, AppError> {
    crate::server::respond(ssr::start(quiz, options).await)
}

/// Ends a session (its students are told at once) and returns its report.
#[server(prefix = "/api", endpoint = "quiz/direct/terminer", input = Json)]
pub async fn end_live_session(session: LiveSessionId) -> Result<LiveReport, AppError> {
    crate::server::respond(ssr::end(session).await)
}

/// The report of a session, during or after it, for the teacher who ran it.
#[server(prefix = "/api", endpoint = "quiz/direct/rapport", input = Json)]
pub async fn get_live_report(session: LiveSessionId) -> Result<LiveReport, AppError> {
    crate::server::respond(ssr::report(session).await)
}

/// What the teacher's projector screen starts from: the session's report so far (its
/// questions, seats and answers), how it runs, and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveHost {
    pub report: LiveReport,
    pub options: LiveOptions,
    pub phase: Phase,
    /// Where students join, as read off the projector (`ent.college.fr/rejoindre`).
    pub join_address: String,
    /// The server's clock when this was read, in milliseconds: the page places a running
    /// timer's deadline on the browser's clock with it.
    pub server_now: i64,
}

/// A session as a student about to join it sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveJoin {
    pub code: String,
    pub title: String,
    /// Students join with a pseudonym.
    pub anonymous: bool,
    pub leaderboard: bool,
}

/// The "Lancer en direct" form: starts a session of `quiz` and goes to its projector screen.
/// The options are checkboxes (present when ticked), so that the form posts without JavaScript.
#[server(prefix = "/api", endpoint = "quiz/direct/lancer")]
pub async fn launch_live_session(
    quiz: String,
    anonyme: Option<String>,
    bonus: Option<String>,
    classement: Option<String>,
) -> Result<LiveStarted, AppError> {
    let options =
        LiveOptions { anonymous: anonyme.is_some(), speed_bonus: bonus.is_some(), leaderboard: classement.is_some() };
    // Read here rather than by the framework, whose refusal of a malformed field is a 500
    // with no French sentence.
    let started = match quiz.trim().parse::<i64>() {
        Ok(id) => ssr::start(QuizId(id), options).await,
        Err(_) => Err(AppError::Invalid {
            field: "quiz".into(),
            reason: "Ce quiz est introuvable : rechargez la liste des quiz et réessayez.".into(),
        }),
    };
    if let Ok(s) = &started {
        leptos_axum::redirect(&format!("/quiz/direct/{}", s.code));
    }
    crate::server::respond(started)
}

/// The projector screen's data, for the teacher who started the session with this code
/// (their latest one, ended or not).
#[server(prefix = "/api", endpoint = "quiz/direct/animer")]
pub async fn load_live_host(code: String) -> Result<LiveHost, AppError> {
    crate::server::respond(ssr::host(code).await)
}

/// A session a student may join, by its code. A wrong code counts against the address as
/// at the WebSocket's upgrade, so guessing through this function is throttled alike.
#[server(prefix = "/api", endpoint = "quiz/direct/trouver")]
pub async fn find_live_session(code: String) -> Result<LiveJoin, AppError> {
    crate::server::respond(ssr::find(&code).await.map(|(join, _)| join))
}

/// The "Rejoindre" form: checks the code and goes to the session's page (the teacher who
/// runs it goes to the projector screen instead).
#[server(prefix = "/api", endpoint = "quiz/direct/rejoindre")]
pub async fn join_live_code(code: String) -> Result<LiveJoin, AppError> {
    let found = ssr::find(&code).await;
    if let Ok((join, host)) = &found {
        let page = if *host { "/quiz/direct" } else { "/rejoindre" };
        leptos_axum::redirect(&format!("{page}/{}", join.code));
    }
    crate::server::respond(found.map(|(join, _)| join))
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::quizzes::live_db::{self, LiveRow};
    use crate::server::db::{new_id, now_ms};
    use crate::server::{AppState, CurrentUser, require_user, state};
    use domain::quiz::QuestionKind;
    use domain::quiz::live::{JoinCode, LiveSession, can_host_live, can_join_live, is_live_host};
    use domain::throttle::JOIN_CODE_POLICY;

    /// What a code that leads nowhere gets (the WebSocket's upgrade says the same).
    pub const NO_SESSION: &str = "Aucune session en cours avec ce code. Vérifiez le code affiché par votre enseignant.";

    /// Attempts at drawing a code not in use before giving up (with 2^30 codes and a few
    /// hundred live sessions, a second draw is already rare).
    const CODE_DRAWS: usize = 8;

    fn random_code() -> Result<JoinCode, AppError> {
        let mut b = [0u8; 8];
        getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        Ok(JoinCode::from_random(u64::from_le_bytes(b)))
    }

    pub async fn start(quiz: QuizId, options: LiveOptions) -> Result<LiveStarted, AppError> {
        let st = state()?;
        let user = require_user()?;
        let row = crate::quizzes::api::ssr::quiz_for(&st, &user, quiz, false).await?;
        if !can_host_live(&user.viewer, &row.access()) {
            return Err(AppError::Forbidden);
        }
        let questions: Vec<_> =
            crate::quizzes::db::questions(&st.db, quiz).await?.into_iter().map(|l| l.question).collect();
        if questions.is_empty() {
            return Err(AppError::Invalid {
                field: "questions".into(),
                reason: "Ce quiz n'a pas encore de question : ajoutez-en avant de lancer une session.".into(),
            });
        }
        let now = now_ms();
        for _ in 0..CODE_DRAWS {
            let code = random_code()?;
            let live = LiveRow {
                id: LiveSessionId(new_id()),
                establishment: row.establishment,
                quiz,
                teacher: user.me.id,
                code: code.clone(),
                title: row.title.clone(),
                questions: questions.clone(),
                options,
                session: LiveSession::new(questions.len()),
                started_at: now,
                ended_at: None,
            };
            if live_db::insert_session(&st.db, &live).await? {
                return Ok(LiveStarted { session: live.id, code: code.to_string() });
            }
        }
        Err(AppError::from(anyhow::anyhow!("no free join code after {CODE_DRAWS} draws")))
    }

    async fn hosted(st: &AppState, user: &CurrentUser, session: LiveSessionId) -> Result<LiveRow, AppError> {
        match live_db::session(&st.db, session).await? {
            Some(row) if is_live_host(&user.viewer, &row.access()) => Ok(row),
            _ => Err(AppError::NotFound),
        }
    }

    pub async fn end(session: LiveSessionId) -> Result<LiveReport, AppError> {
        let st = state()?;
        let user = require_user()?;
        let row = hosted(&st, &user, session).await?;
        if row.ended_at.is_none() && live_db::end_session(&st.db, session, now_ms()).await? {
            // The hub of this node, if any, and those of the other nodes tell their clients.
            st.live.end(session).await;
        }
        report_of(&st, session).await
    }

    pub async fn report(session: LiveSessionId) -> Result<LiveReport, AppError> {
        let st = state()?;
        let user = require_user()?;
        hosted(&st, &user, session).await?;
        report_of(&st, session).await
    }

    pub async fn host(code: String) -> Result<LiveHost, AppError> {
        let st = state()?;
        let user = require_user()?;
        let code = JoinCode::parse(&code)?;
        let row = match live_db::hosted_by_code(&st.db, user.me.id, &code).await? {
            Some(row) if is_live_host(&user.viewer, &row.access()) => row,
            _ => return Err(AppError::NotFound),
        };
        let report = report_of(&st, row.id).await?;
        Ok(LiveHost {
            report,
            options: row.options,
            phase: row.session.phase,
            join_address: join_address(&st),
            server_now: now_ms(),
        })
    }

    /// `host/rejoindre` as students type it: the public origin without its scheme, or the
    /// Host the teacher's browser used.
    fn join_address(st: &AppState) -> String {
        let host = st.auth.public_origin.clone().or_else(|| {
            use_context::<http::request::Parts>()
                .and_then(|p| p.headers.get(http::header::HOST).and_then(|h| h.to_str().ok()).map(String::from))
        });
        let host = host.unwrap_or_default();
        let host = host.trim_start_matches("https://").trim_start_matches("http://");
        format!("{host}/rejoindre")
    }

    /// The throttle key of the codes a person tries (`JOIN_CODE_POLICY`): per person, never per
    /// address, so a class behind one address never waits for one pupil's typos.
    pub fn join_throttle_key(user: domain::UserId) -> String {
        format!("quiz-code-user:{}", user.0)
    }

    /// The session a code leads to for this person, and whether they run it. Checked as the
    /// WebSocket's upgrade checks: a malformed code is only explained; otherwise the attempt is
    /// counted against the person first (refused while their delay runs), then the code (a
    /// right one gives its attempt back), then who may join.
    pub async fn find(raw: &str) -> Result<(LiveJoin, bool), AppError> {
        let st = state()?;
        let user = require_user()?;
        let code = JoinCode::parse(raw)?;
        let key = join_throttle_key(user.me.id);
        let wait = crate::auth::db::throttle_take(&st.db, &key, &JOIN_CODE_POLICY).await?;
        if wait > 0 {
            return Err(AppError::Throttled(wait));
        }
        let found =
            live_db::live_by_code(&st.db, &code).await?.filter(|s| !user.viewer.roles_in(s.establishment).is_empty());
        let Some(row) = found else {
            return Err(AppError::Invalid { field: "code".into(), reason: NO_SESSION.into() });
        };
        // A code that leads somewhere costs nothing: only wrong ones accumulate.
        crate::auth::db::throttle_refund(&st.db, &key).await?;
        let host = is_live_host(&user.viewer, &row.access());
        if !host && !can_join_live(&user.viewer, &row.access()) {
            return Err(AppError::Invalid {
                field: "code".into(),
                reason: "Cette session est réservée aux élèves de l'établissement : connectez-vous avec votre \
                         compte élève."
                    .into(),
            });
        }
        let join = LiveJoin {
            code: row.code.to_string(),
            title: row.title,
            anonymous: row.options.anonymous,
            leaderboard: row.options.leaderboard,
        };
        Ok((join, host))
    }

    async fn report_of(st: &AppState, session: LiveSessionId) -> Result<LiveReport, AppError> {
        let row = live_db::session(&st.db, session).await?.ok_or(AppError::NotFound)?;
        let seats = live_db::seats(&st.db, session).await?;
        let answers = live_db::answers(&st.db, session).await?;
        let mut tallies: Vec<Tally> = row.questions.iter().map(Tally::new).collect();
        let mut per_seat: Vec<LiveSeatReport> = seats
            .iter()
            .map(|s| LiveSeatReport { student: s.user, name: s.name.clone(), points: 0, answered: 0, correct: 0 })
            .collect();
        for a in &answers {
            if let Some(t) = tallies.get_mut(a.question) {
                t.add(&a.response, a.correct);
            }
            if let Some(s) = seats.iter().position(|s| s.id == a.seat).and_then(|k| per_seat.get_mut(k)) {
                s.points += a.points;
                s.answered += 1;
                s.correct += u32::from(a.correct);
            }
        }
        per_seat.sort_by(|a, b| b.points.cmp(&a.points).then_with(|| a.name.cmp(&b.name)));
        let questions = row
            .questions
            .iter()
            .zip(tallies)
            .enumerate()
            .map(|(index, (q, tally))| LiveQuestionReport {
                index,
                text: q.text.clone(),
                options: match &q.kind {
                    QuestionKind::SingleChoice { choices } | QuestionKind::MultipleChoice { choices, .. } => {
                        choices.iter().map(|c| c.text.clone()).collect()
                    }
                    QuestionKind::TrueFalse { .. } => vec!["Vrai".into(), "Faux".into()],
                    _ => Vec::new(),
                },
                success_rate: tally.success_rate(),
                right_answers: domain::quiz::assignment::right_answers(q),
                tally,
            })
            .collect();
        Ok(LiveReport {
            session,
            title: row.title,
            code: row.code.to_string(),
            anonymous: row.options.anonymous,
            ended: row.ended_at.is_some(),
            questions,
            seats: per_seat,
        })
    }
}
