//! Assembling what students and teachers see from stored rows, on the server only: an
//! attempt's view (questions without their key, a correction only once due), the score of a
//! finished attempt, and an assignment's results. The scoring itself is `domain::quiz::score`.

use super::db::{AnswerRow, AssignmentRow, AttemptRow, Finished, ManualGrade};
use super::{
    AssignmentResults, AttemptQuestion, AttemptResult, AttemptView, Correction, GradingSheet, OpenAnswer, OpenQuestion,
    QuestionStat, StudentResult,
};
use crate::classes::api::PersonLine;
use domain::quiz::assignment::{FeedbackPolicy, QuizResult, ResultStatus, right_answers};
use domain::quiz::distribution::{Given, distribution};
use domain::quiz::{Outcome, Question, QuestionKind, Response, Score, Shuffle, score};
use domain::{QuizQuestionId, UserId};
use std::collections::HashMap;

fn hundredths(points: f64) -> i64 {
    (points * 100.0).round() as i64
}

/// An answer given against the order the attempt showed, in the authoring order.
fn authoring(a: &AssignmentRow, attempt: &AttemptRow, id: QuizQuestionId, q: &Question, r: &Response) -> Response {
    a.settings.option_shuffle(attempt.seed, id.0).to_authoring(q, r.clone())
}

/// Scores one answer given against the order the attempt showed.
pub fn outcome(
    a: &AssignmentRow,
    attempt: &AttemptRow,
    id: QuizQuestionId,
    q: &Question,
    r: Option<&Response>,
) -> Outcome {
    shown_outcome(a.settings.option_shuffle(attempt.seed, id.0), q, r)
}

/// Scores one answer given against the options in the order `shuffle` showed them (the
/// teacher's preview shows them as written).
pub fn shown_outcome(shuffle: Shuffle, q: &Question, r: Option<&Response>) -> Outcome {
    let authoring = r.map(|r| shuffle.to_authoring(q, r.clone()));
    if matches!(q.kind, QuestionKind::Open) && authoring.is_none() {
        // An open question left blank earns nothing; only a written answer waits for the teacher.
        return Outcome::Scored(Score {
            earned: 0.0,
            out_of: q.points.value(),
            fraction: 0.0,
            correct: false,
            feedback: q.general_feedback.iter().cloned().collect(),
        });
    }
    score(q, authoring.as_ref())
}

/// The correction of one answer.
pub fn correction(outcome: Outcome, q: &Question) -> Correction {
    let right_answers = right_answers(q);
    match outcome {
        Outcome::Scored(s) => Correction {
            earned: Some(s.earned),
            out_of: s.out_of,
            correct: s.correct,
            feedback: s.feedback,
            right_answers,
            teacher_comment: None,
        },
        Outcome::NeedsManualGrading => Correction {
            earned: None,
            out_of: q.points.value(),
            correct: false,
            feedback: q.general_feedback.iter().cloned().collect(),
            right_answers,
            teacher_comment: None,
        },
    }
}

/// The correction of a saved answer (or of none): as scored, and for an open answer the
/// teacher graded, their points and comment.
fn saved_correction(
    a: &AssignmentRow,
    attempt: &AttemptRow,
    id: QuizQuestionId,
    q: &Question,
    saved: Option<&AnswerRow>,
) -> Correction {
    let mut c = correction(outcome(a, attempt, id, q, saved.map(|r| &r.response)), q);
    if let Some(graded) = saved.filter(|_| matches!(q.kind, QuestionKind::Open)).and_then(|r| r.earned_hundredths) {
        c.earned = Some(graded as f64 / 100.0);
        c.correct = graded >= hundredths(q.points.value());
        c.teacher_comment = saved.and_then(|r| r.comment.clone());
    }
    c
}

/// A submitted attempt's score and the open answers still waiting once the teacher's
/// `grades` replace what those answers earned. The score moves by the difference, so that
/// the rounding of the automatic part stays as it was at submission.
pub fn regraded(a: &AssignmentRow, attempt: &AttemptRow, answers: &[AnswerRow], grades: &[ManualGrade]) -> (i64, u32) {
    let mut score = attempt.score_hundredths.unwrap_or(0);
    for g in grades {
        let before = answers.iter().find(|r| r.question == g.question).and_then(|r| r.earned_hundredths);
        score += g.earned_hundredths - before.unwrap_or(0);
    }
    let waiting = answers
        .iter()
        .filter(|r| a.question(r.question).is_some_and(|q| matches!(q.kind, QuestionKind::Open)))
        .filter(|r| r.earned_hundredths.is_none() && !grades.iter().any(|g| g.question == r.question))
        .count();
    (score, u32::try_from(waiting).unwrap_or(u32::MAX))
}

/// Points earned by an outcome, in hundredths; `None` when the teacher grades it.
pub fn earned_hundredths(outcome: &Outcome) -> Option<i64> {
    match outcome {
        Outcome::Scored(s) => Some(hundredths(s.earned)),
        Outcome::NeedsManualGrading => None,
    }
}

/// The score of an attempt closed at `submitted_at` with these answers.
pub fn finish(
    a: &AssignmentRow,
    attempt: &AttemptRow,
    answers: &[AnswerRow],
    submitted_at: i64,
    auto: bool,
) -> Finished {
    let by_question: HashMap<QuizQuestionId, &AnswerRow> = answers.iter().map(|r| (r.question, r)).collect();
    let mut total = 0.0;
    let mut pending_manual = 0;
    let mut earned = Vec::new();
    for (id, q) in &a.questions {
        let given = by_question.get(id).map(|r| &r.response);
        let outcome = outcome(a, attempt, *id, q, given);
        match &outcome {
            Outcome::Scored(s) => total += s.earned,
            Outcome::NeedsManualGrading => pending_manual += 1,
        }
        if given.is_some() {
            earned.push((*id, earned_hundredths(&outcome)));
        }
    }
    Finished { submitted_at, auto_submitted: auto, score_hundredths: hundredths(total), pending_manual, earned }
}

/// The attempt as its student may see it at `now`.
pub fn attempt_view(a: &AssignmentRow, attempt: &AttemptRow, answers: &[AnswerRow], now: i64) -> AttemptView {
    let submitted = attempt.submitted_at.is_some();
    let due = a.settings.feedback_due(submitted, now);
    let by_question: HashMap<QuizQuestionId, &AnswerRow> = answers.iter().map(|r| (r.question, r)).collect();
    let order = a.settings.question_order(attempt.seed, a.questions.len());
    let questions = order
        .iter()
        .filter_map(|&i| a.questions.get(i))
        .map(|(id, q)| {
            let saved = by_question.get(id);
            let locked = saved.is_some_and(|r| r.locked);
            let shows = due || (locked && a.settings.feedback == FeedbackPolicy::Immediate);
            AttemptQuestion {
                id: *id,
                question: q.student_view(a.settings.option_shuffle(attempt.seed, id.0)),
                answer: saved.map(|r| r.response.clone()),
                locked,
                correction: shows.then(|| saved_correction(a, attempt, *id, q, saved.copied())),
            }
        })
        .collect();
    AttemptView {
        attempt: attempt.id,
        assignment: a.id,
        title: a.title.clone(),
        number: attempt.number,
        max_attempts: a.settings.max_attempts,
        started_at: attempt.started_at,
        deadline_at: a.settings.deadline(attempt.started_at),
        submitted,
        feedback: a.settings.feedback,
        questions,
        score: if due { attempt.score_hundredths.map(|h| h as f64 / 100.0) } else { None },
        out_of: a.out_of(),
    }
}

/// A submitted attempt's result as its student may see it at `now`.
pub fn attempt_result(a: &AssignmentRow, attempt: &AttemptRow, now: i64) -> AttemptResult {
    let submitted_at = attempt.submitted_at.unwrap_or(now);
    let due = a.settings.feedback_due(true, now);
    AttemptResult {
        attempt: attempt.id,
        submitted_at,
        auto_submitted: attempt.auto_submitted,
        score: if due { attempt.score_hundredths.map(|h| h as f64 / 100.0) } else { None },
        out_of: a.out_of(),
        pending_grading: attempt.pending_manual > 0,
        feedback_from: (!due).then_some(a.settings.closes_at),
    }
}

/// The attempt that counts for a student: their best submitted one (the first of equals).
fn counted<'a>(attempts: &[&'a AttemptRow]) -> Option<&'a AttemptRow> {
    let mut best: Option<&AttemptRow> = None;
    for a in attempts.iter().filter(|a| a.submitted_at.is_some()) {
        if best.is_none_or(|b| a.score_hundredths.unwrap_or(0) > b.score_hundredths.unwrap_or(0)) {
            best = Some(a);
        }
    }
    best
}

/// Per student (every one of `roster`) and per question results of an assignment, its
/// expired attempts already closed.
pub fn results(
    a: &AssignmentRow,
    roster: &[PersonLine],
    attempts: &[AttemptRow],
    answers: &[AnswerRow],
) -> AssignmentResults {
    let out_of = a.out_of();
    let mut by_student: HashMap<UserId, Vec<&AttemptRow>> = HashMap::new();
    for attempt in attempts {
        by_student.entry(attempt.student).or_default().push(attempt);
    }
    let mut counted_attempts: Vec<&AttemptRow> = Vec::new();
    let students = roster
        .iter()
        .map(|p| {
            let mine = by_student.get(&p.id).map(Vec::as_slice).unwrap_or_default();
            let best = counted(mine);
            counted_attempts.extend(best);
            let status = match &best {
                Some(b) if b.pending_manual > 0 => ResultStatus::PendingGrading,
                Some(_) => ResultStatus::Submitted,
                None if mine.is_empty() => ResultStatus::NotStarted,
                None => ResultStatus::InProgress,
            };
            let score = best.and_then(|b| b.score_hundredths).map(|h| h as f64 / 100.0);
            StudentResult {
                name: format!("{} {}", p.last_name, p.first_name),
                attempts: u32::try_from(mine.len()).unwrap_or(u32::MAX),
                result: QuizResult { student: p.id, score, out_of, status },
            }
        })
        .collect();
    let questions = a
        .questions
        .iter()
        .map(|(id, q)| {
            // Each counted answer with its attempt, mapped back to the authoring order.
            let given: Vec<(&AnswerRow, Response)> = answers
                .iter()
                .filter(|r| r.question == *id)
                .filter_map(|r| {
                    let attempt = counted_attempts.iter().find(|t| t.id == r.attempt)?;
                    Some((r, authoring(a, attempt, *id, q, &r.response)))
                })
                .collect();
            let open = matches!(q.kind, QuestionKind::Open);
            let earned: f64 = given.iter().filter_map(|(r, _)| r.earned_hundredths).map(|h| h as f64 / 100.0).sum();
            let success_rate = (!open && !counted_attempts.is_empty())
                .then(|| earned / (q.points.value() * counted_attempts.len() as f64));
            let counted_given: Vec<Given<'_>> = given
                .iter()
                .map(|(r, response)| Given { response, earned: r.earned_hundredths.map(|h| h as f64 / 100.0) })
                .collect();
            let attempts = u32::try_from(counted_attempts.len()).unwrap_or(u32::MAX);
            QuestionStat {
                question: *id,
                title: q.title.clone(),
                answered: u32::try_from(given.len()).unwrap_or(u32::MAX),
                success_rate,
                distribution: distribution(q, attempts, &counted_given),
            }
        })
        .collect();
    AssignmentResults { assignment: a.id, title: a.title.clone(), out_of, students, questions }
}

/// The written answers to every open question of an assignment, in every submitted attempt of
/// a student of `roster` (by name, then attempt number), with what the teacher gave them.
pub fn grading_sheet(
    a: &AssignmentRow,
    roster: &[PersonLine],
    attempts: &[AttemptRow],
    answers: &[AnswerRow],
) -> GradingSheet {
    let mut handed_in: Vec<(&PersonLine, &AttemptRow)> = roster
        .iter()
        .flat_map(|p| {
            attempts.iter().filter(move |t| t.student == p.id && t.submitted_at.is_some()).map(move |t| (p, t))
        })
        .collect();
    // The roster comes sorted by name; keep that, then each student's attempts in order.
    handed_in.sort_by_key(|(p, t)| (roster.iter().position(|r| r.id == p.id), t.number));
    let questions = a
        .questions
        .iter()
        .enumerate()
        .filter(|(_, (_, q))| matches!(q.kind, QuestionKind::Open))
        .map(|(n, (id, q))| OpenQuestion {
            question: *id,
            number: u32::try_from(n + 1).unwrap_or(u32::MAX),
            title: q.title.clone(),
            text: q.text.clone(),
            points: q.points.value(),
            answers: handed_in
                .iter()
                .filter_map(|(p, t)| {
                    let r = answers.iter().find(|r| r.attempt == t.id && r.question == *id)?;
                    let Response::Essay(text) = &r.response else { return None };
                    Some(OpenAnswer {
                        attempt: t.id,
                        student_name: format!("{} {}", p.last_name, p.first_name),
                        attempt_number: t.number,
                        text: text.clone(),
                        earned: r.earned_hundredths.map(|h| h as f64 / 100.0),
                        comment: r.comment.clone(),
                    })
                })
                .collect(),
        })
        .collect();
    GradingSheet { assignment: a.id, title: a.title.clone(), questions, may_grade: false }
}
