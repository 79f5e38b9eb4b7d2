//! The rules of a self-paced assignment, pure: its settings and their limits, when an attempt
//! may start, until when it takes answers, when correct answers and feedback are due, the
//! display order of questions, and the result handed to the gradebook.
//!
//! Times are Unix milliseconds. An attempt's deadline is the earlier of the closing time and
//! its start plus the time limit; it is computed, not stored, so moving the closing time
//! moves the deadline of attempts under way.

use super::{BlankResponse, NumberTarget, OPTIONS_MAX, Question, QuestionKind, Response, Segment, Shuffle};
use crate::grades::{Mark, Scale};
use crate::{DomainError, UserId};
use serde::{Deserialize, Serialize};

/// Most attempts a teacher may allow per student.
pub const ATTEMPTS_MAX: u32 = 10;
/// Longest time limit, in minutes (a half-day).
pub const TIME_LIMIT_MAX_MINUTES: u32 = 240;
/// Most characters a student's answer may hold (all its texts together).
pub const ANSWER_MAX_CHARS: usize = 10_000;

const MINUTE_MS: i64 = 60_000;

/// When a student sees correct answers and feedback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FeedbackPolicy {
    /// Question by question: when the student checks an answer (which is then final).
    Immediate,
    /// Once the attempt is submitted.
    AtSubmission,
    /// Once the assignment has closed.
    AfterClosing,
}

impl FeedbackPolicy {
    /// The stable code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            FeedbackPolicy::Immediate => "immediate",
            FeedbackPolicy::AtSubmission => "submission",
            FeedbackPolicy::AfterClosing => "after_closing",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [FeedbackPolicy::Immediate, FeedbackPolicy::AtSubmission, FeedbackPolicy::AfterClosing]
            .into_iter()
            .find(|p| p.code() == code)
    }
}

/// What a teacher sets when giving a quiz to a class or group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentSettings {
    pub opens_at: i64,
    pub closes_at: i64,
    /// Minutes per attempt, from its start; `None`: until closing.
    pub time_limit_minutes: Option<u32>,
    pub max_attempts: u32,
    pub shuffle_questions: bool,
    pub shuffle_options: bool,
    pub feedback: FeedbackPolicy,
}

impl AssignmentSettings {
    /// Refuses what cannot run: closing before opening or already past, no attempt, more than
    /// [`ATTEMPTS_MAX`], a time limit of 0 or over [`TIME_LIMIT_MAX_MINUTES`].
    pub fn check(&self, now: i64) -> Result<(), DomainError> {
        if self.closes_at <= self.opens_at {
            return Err(DomainError::new("fermeture", "La fermeture doit venir après l'ouverture."));
        }
        if self.closes_at <= now {
            return Err(DomainError::new(
                "fermeture",
                "La date de fermeture est déjà passée : choisissez-en une à venir.",
            ));
        }
        if !(1..=ATTEMPTS_MAX).contains(&self.max_attempts) {
            return Err(DomainError::new("tentatives", format!("Le nombre de tentatives va de 1 à {ATTEMPTS_MAX}.")));
        }
        if let Some(minutes) = self.time_limit_minutes
            && !(1..=TIME_LIMIT_MAX_MINUTES).contains(&minutes)
        {
            return Err(DomainError::new(
                "duree",
                format!("La durée d'une tentative va de 1 à {TIME_LIMIT_MAX_MINUTES} minutes (ou sans limite)."),
            ));
        }
        Ok(())
    }

    /// Why a student may not start a new attempt now, having used `attempts_used`; `None`
    /// when they may.
    pub fn start_refusal(&self, now: i64, attempts_used: u32) -> Option<DomainError> {
        if now < self.opens_at {
            Some(DomainError::new("ouverture", "Ce quiz n'est pas encore ouvert : revenez à la date d'ouverture."))
        } else if now >= self.closes_at {
            Some(DomainError::new("fermeture", "Ce quiz est fermé : il ne prend plus de réponses."))
        } else if attempts_used >= self.max_attempts {
            Some(DomainError::new(
                "tentatives",
                format!(
                    "Vous avez utilisé {} : il n'en reste plus.",
                    plural(self.max_attempts, "tentative", "tentatives")
                ),
            ))
        } else {
            None
        }
    }

    /// Until when an attempt started at `started_at` takes answers (exclusive).
    pub fn deadline(&self, started_at: i64) -> i64 {
        match self.time_limit_minutes {
            Some(minutes) => self.closes_at.min(started_at.saturating_add(i64::from(minutes) * MINUTE_MS)),
            None => self.closes_at,
        }
    }

    /// Why an answer or a submission to an attempt started at `started_at` is refused at
    /// `now`; `None` while it is on time.
    pub fn late_refusal(&self, started_at: i64, now: i64) -> Option<DomainError> {
        if now < self.deadline(started_at) {
            None
        } else if now >= self.closes_at {
            Some(DomainError::new(
                "fermeture",
                "Ce quiz est fermé : votre réponse n'a pas été enregistrée. Vos réponses enregistrées avant la \
                 fermeture sont prises en compte.",
            ))
        } else {
            Some(DomainError::new(
                "duree",
                "Le temps de cette tentative est écoulé : votre réponse n'a pas été enregistrée. Vos réponses \
                 enregistrées à temps sont prises en compte.",
            ))
        }
    }

    /// May the student see correct answers, feedback and their score now? `submitted`: the
    /// attempt is over (submitted, or its deadline passed). Under [`FeedbackPolicy::Immediate`]
    /// this is about the whole attempt; each checked question shows its own at once.
    pub fn feedback_due(&self, submitted: bool, now: i64) -> bool {
        match self.feedback {
            FeedbackPolicy::Immediate | FeedbackPolicy::AtSubmission => submitted,
            FeedbackPolicy::AfterClosing => submitted && now >= self.closes_at,
        }
    }

    /// The display order of an attempt's `n` questions: `order[k]` is the index (in the
    /// quiz) of the question shown at position `k`.
    pub fn question_order(&self, seed: u64, n: usize) -> Vec<usize> {
        if self.shuffle_questions { Shuffle::new(seed).permutation(n) } else { (0..n).collect() }
    }

    /// The option order of one question in an attempt, different for each question.
    pub fn option_shuffle(&self, seed: u64, question_key: i64) -> Shuffle {
        if self.shuffle_options {
            Shuffle::new(seed ^ (question_key as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
        } else {
            Shuffle::none()
        }
    }
}

fn plural(n: u32, one: &str, many: &str) -> String {
    if n > 1 { format!("vos {n} {many}") } else { format!("votre {one}") }
}

/// Refuses an answer too big to be one: more than [`ANSWER_MAX_CHARS`] characters of text,
/// or more than [`super::OPTIONS_MAX`] items.
pub fn check_response(response: &Response) -> Result<(), DomainError> {
    let (chars, items): (usize, usize) = match response {
        Response::Choice(_) | Response::Bool(_) | Response::Number(_) => (0, 0),
        Response::Choices(c) => (0, c.len()),
        Response::Text(t) | Response::Essay(t) => (t.chars().count(), 0),
        Response::Matching(m) => (m.iter().flatten().map(|t| t.chars().count()).sum(), m.len()),
        Response::Ordering(o) => (o.iter().map(|t| t.chars().count()).sum(), o.len()),
        Response::Blanks(b) => (
            b.iter()
                .map(|r| match r {
                    BlankResponse::Text(t) => t.chars().count(),
                    _ => 0,
                })
                .sum(),
            b.len(),
        ),
    };
    if chars > ANSWER_MAX_CHARS {
        return Err(DomainError::new(
            "reponse",
            format!("Une réponse fait au plus {ANSWER_MAX_CHARS} caractères : raccourcissez-la."),
        ));
    }
    if items > OPTIONS_MAX {
        return Err(DomainError::new("reponse", format!("Une réponse a au plus {OPTIONS_MAX} éléments.")));
    }
    Ok(())
}

/// A number the French way, to six decimals: "9,81", "1000".
pub(crate) fn number_fr(value: f64) -> String {
    let text = format!("{}", (value * 1e6).round() / 1e6);
    text.replace('.', ",")
}

/// The right answer to a question, in words, shown with the correction once it is due: the
/// right options, the accepted texts and numbers, the pairs, the order, each blank's answer.
/// Empty for an open question (the teacher grades it).
pub fn right_answers(question: &Question) -> Vec<String> {
    let best_text = |answers: &[super::AcceptedText]| {
        answers.iter().filter(|a| a.weight >= 100.0 - 1e-9).map(|a| a.text.clone()).collect::<Vec<_>>()
    };
    let best_number = |answers: &[super::AcceptedNumber]| {
        answers
            .iter()
            .filter(|a| a.weight >= 100.0 - 1e-9)
            .map(|a| match a.target {
                NumberTarget::Exact(v) => number_fr(v),
                NumberTarget::Tolerance { value, tolerance } => {
                    format!("{} ± {}", number_fr(value), number_fr(tolerance))
                }
                NumberTarget::Range { min, max } => format!("de {} à {}", number_fr(min), number_fr(max)),
            })
            .collect::<Vec<_>>()
    };
    let right_choices = |choices: &[super::Choice], positive: bool| {
        choices
            .iter()
            .filter(|c| if positive { c.weight > 0.0 } else { c.weight >= 100.0 - 1e-9 })
            .map(|c| c.text.clone())
            .collect::<Vec<_>>()
    };
    match &question.kind {
        QuestionKind::SingleChoice { choices } => right_choices(choices, false),
        QuestionKind::MultipleChoice { choices, .. } => right_choices(choices, true),
        QuestionKind::TrueFalse { answer, .. } => vec![if *answer { "Vrai" } else { "Faux" }.to_string()],
        QuestionKind::ShortAnswer { answers, .. } => best_text(answers),
        QuestionKind::Numerical { answers } => best_number(answers),
        QuestionKind::Matching { pairs } => pairs.iter().map(|(l, r)| format!("{l} → {r}")).collect(),
        QuestionKind::Ordering { items } => vec![items.join(" → ")],
        QuestionKind::Cloze { segments } => segments
            .iter()
            .filter_map(|s| match s {
                Segment::Blank(super::Blank::Text { answers, .. }) => Some(best_text(answers).join(" / ")),
                Segment::Blank(super::Blank::Number { answers }) => Some(best_number(answers).join(" / ")),
                Segment::Blank(super::Blank::Choice { choices }) => Some(right_choices(choices, false).join(" / ")),
                Segment::Text(_) => None,
            })
            .collect(),
        QuestionKind::Open => Vec::new(),
    }
}

/// Longest comment a teacher may write on a graded open answer, in characters.
pub const GRADING_COMMENT_MAX_CHARS: usize = 2_000;

/// Reads the points a teacher gives an open answer worth `out_of`: "1,5" or "1.5", from 0 to
/// `out_of`, two decimals at most. Returns hundredths of points.
pub fn manual_points(raw: &str, out_of: f64) -> Result<i64, DomainError> {
    let max = number_fr(out_of);
    let range = || DomainError::new("points", format!("Les points vont de 0 à {max}, avec deux décimales au plus."));
    let cleaned = raw.trim();
    if cleaned.is_empty() {
        return Err(DomainError::new("points", format!("Indiquez les points obtenus, de 0 à {max}.")));
    }
    let value: f64 = cleaned.replace(',', ".").parse().map_err(|_| {
        DomainError::new("points", format!("Les points s'écrivent en chiffres, par exemple 1,5 (de 0 à {max})."))
    })?;
    let hundredths = value * 100.0;
    if !value.is_finite() || value < 0.0 || (hundredths - hundredths.round()).abs() > 1e-6 {
        return Err(range());
    }
    let hundredths = hundredths.round() as i64;
    if hundredths > (out_of * 100.0).round() as i64 {
        return Err(range());
    }
    Ok(hundredths)
}

/// A teacher's comment on a graded answer, tidied: `None` when blank; refused beyond
/// [`GRADING_COMMENT_MAX_CHARS`].
pub fn grading_comment(raw: &str) -> Result<Option<String>, DomainError> {
    let comment = raw.trim();
    if comment.chars().count() > GRADING_COMMENT_MAX_CHARS {
        return Err(DomainError::new(
            "commentaire",
            format!("Un commentaire fait au plus {GRADING_COMMENT_MAX_CHARS} caractères : raccourcissez-le."),
        ));
    }
    Ok((!comment.is_empty()).then(|| comment.to_string()))
}

/// Where a student stands on an assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResultStatus {
    /// No attempt started: absent, not zero.
    NotStarted,
    /// An attempt under way, none submitted.
    InProgress,
    /// Submitted (or its time ran out), every answer scored.
    Submitted,
    /// Submitted, with open answers the teacher has not graded yet: the score is partial.
    PendingGrading,
}

/// A student's result on an assignment, as the gradebook will take it: a score out of N, with
/// "did not submit" kept apart from 0. The best submitted attempt counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuizResult {
    pub student: UserId,
    /// Points earned; `None` when nothing was submitted. Partial under `PendingGrading`.
    pub score: Option<f64>,
    pub out_of: f64,
    pub status: ResultStatus,
}

impl QuizResult {
    /// Only a `Submitted` result is final and may become a grade.
    pub fn is_final(&self) -> bool {
        self.status == ResultStatus::Submitted && self.score.is_some()
    }

    /// The grade a final result becomes in an evaluation on `scale`: score / out of × scale,
    /// rounded to the hundredth (half up), never above the scale. `None` for a result that is
    /// not final: it must stay an empty cell, never a 0.
    pub fn mark_on(&self, scale: Scale) -> Option<Mark> {
        let score = self.score.filter(|_| self.is_final())?;
        // In hundredths of points, as scores are stored, so the rounding is exact.
        let score_h = (score * 100.0).round().max(0.0) as u64;
        let out_of_h = (self.out_of * 100.0).round() as u64;
        if out_of_h == 0 {
            return None;
        }
        let most = u64::from(scale.get()) * 100;
        let on_scale = (score_h * most * 2 + out_of_h) / (out_of_h * 2);
        Some(Mark::Points(u32::try_from(on_scale.min(most)).ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quiz::{AcceptedNumber, Choice, Points};

    const NOW: i64 = 1_800_000_000_000;
    const HOUR: i64 = 3_600_000;

    fn settings() -> AssignmentSettings {
        AssignmentSettings {
            opens_at: NOW - HOUR,
            closes_at: NOW + HOUR,
            time_limit_minutes: Some(20),
            max_attempts: 2,
            shuffle_questions: true,
            shuffle_options: true,
            feedback: FeedbackPolicy::AtSubmission,
        }
    }

    #[test]
    fn settings_limits_are_enforced_at_their_edge() {
        let mut s = settings();
        assert_eq!(s.check(NOW), Ok(()));
        s.max_attempts = ATTEMPTS_MAX;
        assert_eq!(s.check(NOW), Ok(()));
        s.max_attempts = ATTEMPTS_MAX + 1;
        assert!(s.check(NOW).is_err());
        s.max_attempts = 0;
        assert!(s.check(NOW).is_err());
        s = settings();
        s.time_limit_minutes = Some(TIME_LIMIT_MAX_MINUTES);
        assert_eq!(s.check(NOW), Ok(()));
        s.time_limit_minutes = Some(TIME_LIMIT_MAX_MINUTES + 1);
        assert!(s.check(NOW).is_err());
        s.time_limit_minutes = Some(0);
        assert!(s.check(NOW).is_err());
        s.time_limit_minutes = None;
        assert_eq!(s.check(NOW), Ok(()));
    }

    #[test]
    fn an_assignment_closing_before_it_opens_or_in_the_past_is_refused() {
        let mut s = settings();
        s.closes_at = s.opens_at;
        assert!(s.check(NOW).is_err_and(|e| e.reason.contains("après l'ouverture")));
        let s = settings();
        assert!(s.check(s.closes_at).is_err_and(|e| e.reason.contains("déjà passée")));
    }

    #[test]
    fn an_attempt_starts_only_while_open_and_within_the_attempts_allowed() {
        let s = settings();
        assert!(s.start_refusal(s.opens_at - 1, 0).is_some_and(|e| e.reason.contains("pas encore ouvert")));
        assert_eq!(s.start_refusal(s.opens_at, 0), None);
        assert_eq!(s.start_refusal(NOW, 1), None);
        assert!(
            s.start_refusal(NOW, 2)
                .is_some_and(|e| e.reason == "Vous avez utilisé vos 2 tentatives : il n'en reste plus.")
        );
        assert!(s.start_refusal(s.closes_at, 0).is_some_and(|e| e.reason.contains("fermé")));
    }

    #[test]
    fn the_deadline_is_the_time_limit_or_the_closing_whichever_comes_first() {
        let s = settings();
        assert_eq!(s.deadline(NOW), NOW + 20 * 60_000);
        assert_eq!(s.deadline(s.closes_at - 60_000), s.closes_at);
        assert_eq!(s.late_refusal(NOW, NOW + 20 * 60_000 - 1), None);
        assert!(s.late_refusal(NOW, NOW + 20 * 60_000).is_some_and(|e| e.reason.contains("temps")));
        assert!(s.late_refusal(NOW, s.closes_at).is_some_and(|e| e.reason.contains("fermé")));
        let untimed = AssignmentSettings { time_limit_minutes: None, ..s };
        assert_eq!(untimed.deadline(NOW), s.closes_at);
    }

    #[test]
    fn feedback_comes_when_the_teacher_chose() {
        let mut s = settings();
        assert!(!s.feedback_due(false, NOW));
        assert!(s.feedback_due(true, NOW));
        s.feedback = FeedbackPolicy::AfterClosing;
        assert!(!s.feedback_due(true, NOW));
        assert!(!s.feedback_due(false, s.closes_at));
        assert!(s.feedback_due(true, s.closes_at));
        s.feedback = FeedbackPolicy::Immediate;
        assert!(!s.feedback_due(false, NOW));
    }

    #[test]
    fn feedback_policy_codes_round_trip() {
        for p in [FeedbackPolicy::Immediate, FeedbackPolicy::AtSubmission, FeedbackPolicy::AfterClosing] {
            assert_eq!(FeedbackPolicy::from_code(p.code()), Some(p));
        }
        assert_eq!(FeedbackPolicy::from_code("jamais"), None);
    }

    #[test]
    fn questions_keep_their_order_unless_shuffled() {
        let mut s = settings();
        let mut order = s.question_order(42, 5);
        order.sort_unstable();
        assert_eq!(order, [0, 1, 2, 3, 4]);
        s.shuffle_questions = false;
        assert_eq!(s.question_order(42, 5), [0, 1, 2, 3, 4]);
        s.shuffle_options = false;
        assert_eq!(s.option_shuffle(42, 7), Shuffle::none());
    }

    #[test]
    fn an_answer_is_limited_in_size_at_the_edge() {
        assert_eq!(check_response(&Response::Essay("é".repeat(ANSWER_MAX_CHARS))), Ok(()));
        assert!(check_response(&Response::Essay("é".repeat(ANSWER_MAX_CHARS + 1))).is_err());
        assert_eq!(check_response(&Response::Choices((0..OPTIONS_MAX).collect())), Ok(()));
        assert!(check_response(&Response::Choices((0..=OPTIONS_MAX).collect())).is_err());
    }

    #[test]
    fn manual_points_are_read_the_french_way_within_the_question_points() {
        assert_eq!(manual_points("1,5", 2.0), Ok(150));
        assert_eq!(manual_points(" 2 ", 2.0), Ok(200));
        assert_eq!(manual_points("0", 2.0), Ok(0));
        assert_eq!(manual_points("0.25", 2.0), Ok(25));
        assert_eq!(manual_points("1,99", 1.99), Ok(199));
        assert!(
            manual_points("2,01", 2.0)
                .is_err_and(|e| e.reason == "Les points vont de 0 à 2, avec deux décimales au plus.")
        );
        assert!(manual_points("-1", 2.0).is_err());
        assert!(manual_points("1,555", 2.0).is_err());
        assert!(manual_points("deux", 2.0).is_err_and(|e| e.reason.contains("en chiffres")));
        assert!(manual_points("", 2.0).is_err());
        assert!(manual_points("NaN", 2.0).is_err());
        assert!(manual_points("inf", 2.0).is_err());
    }

    #[test]
    fn a_grading_comment_is_tidied_and_limited_at_the_edge() {
        assert_eq!(grading_comment("  "), Ok(None));
        assert_eq!(grading_comment(" Bien vu. "), Ok(Some("Bien vu.".into())));
        assert!(grading_comment(&"é".repeat(GRADING_COMMENT_MAX_CHARS)).is_ok());
        assert!(grading_comment(&"é".repeat(GRADING_COMMENT_MAX_CHARS + 1)).is_err());
    }

    #[test]
    fn the_right_answer_is_said_in_words() {
        let q = |kind| Question {
            title: "t".into(),
            category: None,
            text: "?".into(),
            points: Points::ONE,
            kind,
            general_feedback: None,
            image: None,
        };
        let choice = |text: &str, weight| Choice { text: text.into(), weight, feedback: None };
        let single = q(QuestionKind::SingleChoice { choices: vec![choice("Lyon", 0.0), choice("Paris", 100.0)] });
        assert_eq!(right_answers(&single), ["Paris"]);
        let number = q(QuestionKind::Numerical {
            answers: vec![AcceptedNumber {
                target: NumberTarget::Tolerance { value: 9.81, tolerance: 0.01 },
                weight: 100.0,
                feedback: None,
            }],
        });
        assert_eq!(right_answers(&number), ["9,81 ± 0,01"]);
        assert_eq!(
            right_answers(&q(QuestionKind::TrueFalse { answer: false, feedback_true: None, feedback_false: None })),
            ["Faux"]
        );
        assert!(right_answers(&q(QuestionKind::Open)).is_empty());
    }

    #[test]
    fn only_a_submitted_result_is_final() {
        let r = |score, status| QuizResult { student: UserId(1), score, out_of: 10.0, status };
        assert!(r(Some(0.0), ResultStatus::Submitted).is_final());
        assert!(!r(None, ResultStatus::NotStarted).is_final());
        assert!(!r(Some(4.0), ResultStatus::PendingGrading).is_final());
    }

    #[test]
    #[expect(clippy::expect_used, reason = "a failed step fails the test, with its message")]
    fn a_final_result_becomes_points_on_the_scale_rounded_to_the_hundredth() {
        let r = |score, out_of, status| QuizResult { student: UserId(1), score, out_of, status };
        let on = |n| Scale::new(n).expect("a scale");
        // 4.5 / 7 × 20 = 12.857… → 12.86; 5 / 7 × 20 = 14.2857… → 14.29; 1 / 8 × 10 = 1.25.
        assert_eq!(r(Some(4.5), 7.0, ResultStatus::Submitted).mark_on(on(20)), Some(Mark::Points(1286)));
        assert_eq!(r(Some(5.0), 7.0, ResultStatus::Submitted).mark_on(on(20)), Some(Mark::Points(1429)));
        assert_eq!(r(Some(1.0), 8.0, ResultStatus::Submitted).mark_on(on(10)), Some(Mark::Points(125)));
        // Half a hundredth rounds up: 1 / 800 × 100 points = 0.125 → 0.13.
        assert_eq!(r(Some(0.01), 8.0, ResultStatus::Submitted).mark_on(on(100)), Some(Mark::Points(13)));
        assert_eq!(r(Some(0.0), 7.0, ResultStatus::Submitted).mark_on(on(20)), Some(Mark::Points(0)));
        assert_eq!(r(Some(7.0), 7.0, ResultStatus::Submitted).mark_on(on(20)), Some(Mark::Points(2000)));
        assert_eq!(r(Some(7.0), 7.0, ResultStatus::Submitted).mark_on(on(1)), Some(Mark::Points(100)));
        // Not final: no mark at all, never 0.
        assert_eq!(r(None, 7.0, ResultStatus::NotStarted).mark_on(on(20)), None);
        assert_eq!(r(None, 7.0, ResultStatus::InProgress).mark_on(on(20)), None);
        assert_eq!(r(Some(3.0), 7.0, ResultStatus::PendingGrading).mark_on(on(20)), None);
    }
}
