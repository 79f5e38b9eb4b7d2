//! Formative quizzes on the server: a teacher's quizzes and their questions, GIFT import and
//! export, assignments to a class or group, students' attempts (autosaved, resumed, scored on
//! the server) and the results per student and per question. The engine (question types,
//! scoring, the key-free student view, GIFT) is `domain::quiz`; the rules of access and of
//! assignments are `domain::quiz::access` and `domain::quiz::assignment`.
//!
//! Pages: a student's quizzes and attempts (`taking.rs`, under `/mes-quiz`), the teacher's
//! (`authoring.rs`) and their preview as a student (`preview.rs`). The types below
//! are what the server functions in `api.rs` take and return. A type that reaches a student (`AttemptView`, `SavedAnswer`, `AttemptResult`) carries the answer
//! key and feedback only inside a `Correction`, and only once it is due.

pub mod api;
pub mod authoring;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
mod grading;
pub mod handoff;
#[cfg(feature = "ssr")]
pub mod hub;
pub mod live;
#[cfg(feature = "ssr")]
pub mod live_db;
pub mod manage;
pub mod results;
pub mod results_api;
pub mod taking;

pub use taking::{AttemptPage, MyQuizzesPage};
pub mod live_pages;
pub mod preview;

use domain::quiz::assignment::{FeedbackPolicy, QuizResult};
use domain::quiz::distribution::AnswerDistribution;
use domain::quiz::gift::GiftProblem;
use domain::quiz::{Question, Response, StudentQuestion};
use domain::{AttemptId, QuizAssignmentId, QuizId, QuizQuestionId};
use serde::{Deserialize, Serialize};

/// Longest quiz title, in characters.
pub const QUIZ_TITLE_MAX_CHARS: usize = 120;
/// Longest quiz description, in characters.
pub const QUIZ_DESCRIPTION_MAX_CHARS: usize = 2_000;
/// Most questions in one quiz (as many as one GIFT import brings).
pub const QUESTIONS_PER_QUIZ_MAX: usize = domain::quiz::gift::GIFT_MAX_QUESTIONS;

/// A quiz in a teacher's list: their own, and those colleagues share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuizLine {
    pub id: QuizId,
    pub title: String,
    pub owner_name: String,
    /// Written by the person asking (who may edit it).
    pub mine: bool,
    pub shared: bool,
    pub questions: u32,
    pub updated_at: i64,
}

/// A quiz as its author (or a colleague it is shared with) reads it: answer key included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuizDetail {
    pub id: QuizId,
    pub title: String,
    pub description: String,
    pub shared: bool,
    pub owner_name: String,
    pub mine: bool,
    pub questions: Vec<QuestionLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionLine {
    pub id: QuizQuestionId,
    /// From 0, without gaps.
    pub position: u32,
    pub question: Question,
}

/// What a GIFT import did: every question added, or nothing and every problem with its line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum GiftImport {
    Imported { count: usize },
    Refused { problems: Vec<GiftProblem> },
}

/// An attempt as the student sees it: the questions without their key, in the attempt's
/// order, with the answers saved so far (a reload resumes here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptView {
    pub attempt: AttemptId,
    pub assignment: QuizAssignmentId,
    pub title: String,
    /// This attempt's number, from 1, and how many are allowed.
    pub number: u32,
    pub max_attempts: u32,
    pub started_at: i64,
    /// Answers are taken until this instant (exclusive).
    pub deadline_at: i64,
    /// Submitted, or its time ran out.
    pub submitted: bool,
    pub feedback: FeedbackPolicy,
    pub questions: Vec<AttemptQuestion>,
    /// Points earned, once feedback is due.
    pub score: Option<f64>,
    pub out_of: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptQuestion {
    pub id: QuizQuestionId,
    pub question: StudentQuestion,
    /// The saved answer, against the order shown.
    pub answer: Option<Response>,
    /// Checked under immediate feedback: the answer is final.
    pub locked: bool,
    pub correction: Option<Correction>,
}

/// The correction of one answer, present only once the teacher's feedback policy allows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Correction {
    /// `None` for an open answer the teacher grades.
    pub earned: Option<f64>,
    pub out_of: f64,
    pub correct: bool,
    pub feedback: Vec<String>,
    pub right_answers: Vec<String>,
    /// What the teacher wrote on an open answer they graded.
    pub teacher_comment: Option<String>,
}

/// What autosaving an answer answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedAnswer {
    pub saved_at: i64,
    /// Under immediate feedback, when the student asked to check the answer.
    pub correction: Option<Correction>,
}

/// A submitted attempt, as its student sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptResult {
    pub attempt: AttemptId,
    pub submitted_at: i64,
    /// Its time ran out: the answers saved in time were scored.
    pub auto_submitted: bool,
    /// Once feedback is due; partial while open answers wait for the teacher.
    pub score: Option<f64>,
    pub out_of: f64,
    pub pending_grading: bool,
    /// When the score and corrections become visible, if not yet.
    pub feedback_from: Option<i64>,
}

/// An assignment's results for its teacher.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssignmentResults {
    pub assignment: QuizAssignmentId,
    pub title: String,
    pub out_of: f64,
    /// Every student of the class or group, by name, whether they took it or not.
    pub students: Vec<StudentResult>,
    pub questions: Vec<QuestionStat>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudentResult {
    pub name: String,
    pub attempts: u32,
    pub result: QuizResult,
}

/// How one question went, over each student's counted attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionStat {
    pub question: QuizQuestionId,
    pub title: String,
    /// Counted attempts that answered it.
    pub answered: u32,
    /// Mean share of its points earned over the counted attempts (unanswered count 0);
    /// `None` with no counted attempt, or for an open question.
    pub success_rate: Option<f64>,
    /// What the counted attempts answered: options chosen, frequent answers, parts right,
    /// open answers graded.
    pub distribution: AnswerDistribution,
}

/// The open answers of an assignment, for its teachers to grade by hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradingSheet {
    pub assignment: QuizAssignmentId,
    pub title: String,
    /// Every open question, in the quiz's order.
    pub questions: Vec<OpenQuestion>,
    /// Whether the reader may grade (the teacher who gave the assignment, or direction); the
    /// other teachers of the class only read.
    pub may_grade: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenQuestion {
    pub question: QuizQuestionId,
    /// Its number in the quiz, from 1.
    pub number: u32,
    pub title: String,
    pub text: String,
    pub points: f64,
    /// The written answers of every submitted attempt, by student then attempt.
    pub answers: Vec<OpenAnswer>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenAnswer {
    pub attempt: AttemptId,
    pub student_name: String,
    pub attempt_number: u32,
    pub text: String,
    /// Points given; `None` while it waits.
    pub earned: Option<f64>,
    pub comment: Option<String>,
}

impl OpenAnswer {
    /// The name of its fields in the grading form: `notes[KEY]`, `commentaires[KEY]`, KEY being
    /// `t<attempt>q<question>` (a key of digits only would be read as a list index).
    pub fn key(&self, question: QuizQuestionId) -> String {
        format!("t{}q{question}", self.attempt)
    }
}

/// Where an assignment stands for a student, now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MyQuizState {
    /// Not open yet.
    Upcoming,
    Open,
    Closed,
}

/// An assignment in a student's list, with where their attempts stand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyQuiz {
    pub assignment: QuizAssignmentId,
    pub title: String,
    /// The class or group it was given to.
    pub unit_name: String,
    pub teacher_name: String,
    pub opens_at: i64,
    pub closes_at: i64,
    pub time_limit_minutes: Option<u32>,
    pub questions: u32,
    pub out_of: f64,
    pub max_attempts: u32,
    /// Attempts handed in (or closed when their time ran out).
    pub submitted: u32,
    /// The attempt under way, to resume.
    pub in_progress: Option<AttemptId>,
    /// The latest attempt handed in, to read its result.
    pub latest_submitted: Option<AttemptId>,
    /// The best score handed in, once feedback is due.
    pub best_score: Option<f64>,
    pub state: MyQuizState,
}

impl MyQuiz {
    /// May the student start (or resume) an attempt now?
    pub fn can_start(&self) -> bool {
        self.state == MyQuizState::Open && (self.in_progress.is_some() || self.submitted < self.max_attempts)
    }
}

/// What the attempt page shows: the attempt, and once handed in its result and whether
/// another attempt may start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptScreen {
    pub view: AttemptView,
    pub result: Option<AttemptResult>,
    pub can_retry: bool,
    /// The server's clock when the page was made, for the countdown.
    pub now: i64,
}

/// What saving answers from the attempt form did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswersSaved {
    pub saved_at: i64,
    /// Answers written or cleared.
    pub changed: usize,
    pub submitted: bool,
}

/// A quiz as a student would see it, for the teachers who may read it ("Aperçu élève"): the
/// key-free questions with the answers typed so far, and the correction of the one checked.
/// Nothing of it is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuizPreview {
    pub quiz: QuizId,
    pub title: String,
    /// Options in the order written (`Shuffle::none`), never locked.
    pub questions: Vec<AttemptQuestion>,
}

/// An assignment of a quiz, as the quiz page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssignmentLine {
    pub id: QuizAssignmentId,
    /// The class or group it was given to.
    pub unit_name: String,
    pub opens_at: i64,
    pub closes_at: i64,
    /// Students of the class or group, and how many of them handed in an attempt.
    pub students: u32,
    pub submitted: u32,
}
