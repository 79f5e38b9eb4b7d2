//! Quizzes through the real API: a teacher authors a quiz (questions, order, copies, GIFT in
//! and out), gives it to a class; a student takes it (autosave, resume, submission scored on
//! the server, late answers and extra attempts refused); no answer key or feedback reaches
//! the student before it is due; nobody reaches a quiz outside their class or establishment.

use crate::helpers::{Session, TestApp, spawn_app};
use crate::permissions::second_establishment;
use app::error::AppError;
use app::quizzes::{
    AssignmentResults, AttemptResult, AttemptView, GiftImport, QUESTIONS_PER_QUIZ_MAX, QuizDetail, QuizLine,
    SavedAnswer,
};
use domain::quiz::assignment::{FeedbackPolicy, ResultStatus};
use domain::quiz::gift::GiftExport;
use domain::quiz::{
    AcceptedNumber, AcceptedText, Choice, NumberTarget, Points, Question, QuestionKind, Response, StudentKind,
};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Every answer key and feedback of the quiz below: none may reach a student before it is due.
const SECRETS: [&str; 6] = ["SECRET", "Hugo-Accepté-Secret", "weight", "feedback_true", "accepted", "tolerance"];

fn question(title: &str, text: &str, points: f64, kind: QuestionKind) -> Question {
    Question {
        title: title.into(),
        category: None,
        text: text.into(),
        points: Points::new(points).expect("points"),
        kind,
        general_feedback: Some(format!("SECRET-GENERAL {title}")),
        image: None,
    }
}

fn capital() -> Question {
    let choice =
        |text: &str, weight: f64| Choice { text: text.into(), weight, feedback: Some(format!("SECRET-FB-{text}")) };
    question(
        "SECRET-TITRE capitale",
        "Quelle est la capitale de la France ?",
        1.0,
        QuestionKind::SingleChoice {
            choices: vec![choice("Paris", 100.0), choice("Lyon", 0.0), choice("Marseille", 0.0)],
        },
    )
}

fn author() -> Question {
    question(
        "SECRET-TITRE auteur",
        "Qui a écrit Les Misérables ?",
        1.0,
        QuestionKind::ShortAnswer {
            answers: vec![AcceptedText { text: "Hugo-Accepté-Secret".into(), weight: 100.0, feedback: None }],
            exact: false,
        },
    )
}

fn product() -> Question {
    question(
        "SECRET-TITRE produit",
        "Combien font six fois sept ?",
        2.0,
        QuestionKind::Numerical {
            answers: vec![AcceptedNumber {
                target: NumberTarget::Exact(42.0),
                weight: 100.0,
                feedback: Some("SECRET-FB-42".into()),
            }],
        },
    )
}

async fn call<T: DeserializeOwned>(s: &Session, endpoint: &str, body: Value) -> (StatusCode, Result<T, AppError>) {
    s.call_json(&format!("/api/quiz/{endpoint}"), &body).await
}

fn ok<T: std::fmt::Debug>(what: &str, (status, result): (StatusCode, Result<T, AppError>)) -> T {
    assert_eq!(status, StatusCode::OK, "{what}: {result:?}");
    result.expect("a successful answer")
}

fn reason<T: std::fmt::Debug>((status, result): (StatusCode, Result<T, AppError>)) -> (u16, String) {
    match result {
        Err(AppError::Invalid { reason, .. }) | Err(AppError::Conflict(reason)) => (status.as_u16(), reason),
        other => panic!("expected a refusal with a reason, got {status} {other:?}"),
    }
}

async fn new_quiz(s: &Session, title: &str, questions: &[Question]) -> (i64, Vec<i64>) {
    let quiz: i64 = ok("create", call(s, "creer", json!({"title": title, "description": "Révisions"})).await);
    let mut ids = Vec::new();
    for q in questions {
        ids.push(ok("save", call(s, "question/enregistrer", json!({"quiz": quiz, "id": null, "question": q})).await));
    }
    (quiz, ids)
}

async fn detail(s: &Session, quiz: i64) -> QuizDetail {
    ok("get_quiz", call(s, "lire", json!({ "quiz": quiz })).await)
}

fn now_ms() -> i64 {
    app::server::db::now_ms()
}

fn settings(feedback: FeedbackPolicy, max_attempts: u32, time_limit: Option<u32>) -> Value {
    json!({
        "opens_at": now_ms() - 60_000,
        "closes_at": now_ms() + 3_600_000,
        "time_limit_minutes": time_limit,
        "max_attempts": max_attempts,
        "shuffle_questions": true,
        "shuffle_options": true,
        "feedback": feedback,
    })
}

async fn class_4c(app: &TestApp) -> Value {
    json!({ "Class": app.unit_id("classes", "0671234A", "4e C").await })
}

async fn assign(s: &Session, quiz: i64, unit: &Value, settings: Value) -> (StatusCode, Result<i64, AppError>) {
    call(s, "donner", json!({ "quiz": quiz, "unit": unit, "settings": settings })).await
}

/// A quiz of three questions (capital, author, product: 4 points) given to 4e C.
async fn given_quiz(app: &TestApp, prof: &Session, settings: Value) -> i64 {
    let (quiz, _) = new_quiz(prof, "Culture générale", &[capital(), author(), product()]).await;
    ok("assign", assign(prof, quiz, &class_4c(app).await, settings).await)
}

fn assert_no_key(what: &str, body: &str) {
    for secret in SECRETS {
        assert!(!body.contains(secret), "{what} carries « {secret} » before it is due: {body}");
    }
}

async fn start(s: &Session, assignment: i64) -> (StatusCode, String, Result<AttemptView, AppError>) {
    s.call_json_raw("/api/quiz/tentative/commencer", &json!({ "assignment": assignment })).await
}

async fn answer(
    s: &Session,
    attempt: i64,
    question: i64,
    response: Response,
    check: bool,
) -> (StatusCode, String, Result<SavedAnswer, AppError>) {
    s.call_json_raw(
        "/api/quiz/tentative/repondre",
        &json!({ "attempt": attempt, "question": question, "response": response, "check": check }),
    )
    .await
}

async fn attempt_view(s: &Session, attempt: i64) -> (StatusCode, String, Result<AttemptView, AppError>) {
    s.call_json_raw("/api/quiz/tentative/lire", &json!({ "attempt": attempt })).await
}

async fn submit(s: &Session, attempt: i64) -> (StatusCode, Result<AttemptResult, AppError>) {
    call(s, "tentative/rendre", json!({ "attempt": attempt })).await
}

/// The right answers to the capital and author questions and a wrong one to the product, as
/// the student sees them (the capital's options are shuffled).
fn responses(view: &AttemptView) -> Vec<(i64, Response)> {
    view.questions
        .iter()
        .map(|q| {
            let response = match &q.question.kind {
                StudentKind::SingleChoice { choices } => {
                    Response::Choice(choices.iter().position(|c| c == "Paris").expect("Paris is shown"))
                }
                StudentKind::ShortAnswer => Response::Text("  hugo-accepte-secret ".into()),
                StudentKind::Numerical => Response::Number(41.0),
                other => panic!("unexpected question {other:?}"),
            };
            (q.id.0, response)
        })
        .collect()
}

#[tokio::test]
async fn a_teacher_authors_a_quiz_orders_copies_and_deletes_questions() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let (quiz, ids) = new_quiz(&prof, "  Culture   générale ", &[capital(), author(), product()]).await;

    let d = detail(&prof, quiz).await;
    assert_eq!(d.title, "Culture générale");
    assert!(d.mine && !d.shared);
    assert_eq!(d.questions.iter().map(|q| q.id.0).collect::<Vec<_>>(), ids);
    assert_eq!(d.questions[0].question, capital(), "the key is kept for the author");

    // A question the engine refuses is refused in French, saying what to fix; nothing changes.
    let mut wrong = capital();
    wrong.kind = QuestionKind::SingleChoice {
        choices: vec![
            Choice { text: "a".into(), weight: 0.0, feedback: None },
            Choice { text: "b".into(), weight: 0.0, feedback: None },
        ],
    };
    let refused =
        call::<i64>(&prof, "question/enregistrer", json!({"quiz": quiz, "id": null, "question": wrong})).await;
    assert_eq!(reason(refused), (422, "Indiquez la bonne proposition (celle qui vaut 100 %).".into()));
    let mut bad_points = serde_json::to_value(capital()).expect("json");
    bad_points["points"] = json!(0);
    let refused =
        call::<i64>(&prof, "question/enregistrer", json!({"quiz": quiz, "id": null, "question": bad_points})).await;
    assert!(reason(refused).1.contains("plus de 0"));
    assert_eq!(detail(&prof, quiz).await.questions.len(), 3);

    // Edit in place, rename and share.
    let mut edited = author();
    edited.text = "Qui a écrit Notre-Dame de Paris ?".into();
    let same: i64 =
        ok("edit", call(&prof, "question/enregistrer", json!({"quiz": quiz, "id": ids[1], "question": edited})).await);
    assert_eq!(same, ids[1]);
    ok::<()>(
        "update",
        call(&prof, "modifier", json!({"quiz": quiz, "title": "Culture", "description": "", "shared": true})).await,
    );

    // Reorder: every question once, or nothing changes.
    let order = [ids[2], ids[0], ids[1]];
    ok::<()>("reorder", call(&prof, "question/ordre", json!({"quiz": quiz, "order": order})).await);
    let refused = call::<()>(&prof, "question/ordre", json!({"quiz": quiz, "order": [ids[2], ids[0]]})).await;
    assert_eq!(reason(refused).0, 422);
    let d = detail(&prof, quiz).await;
    assert_eq!(d.questions.iter().map(|q| q.id.0).collect::<Vec<_>>(), order);
    assert_eq!(d.questions.iter().map(|q| q.position).collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(d.questions[2].question.text, "Qui a écrit Notre-Dame de Paris ?");
    assert!(d.shared);
    assert_eq!(d.title, "Culture");

    // A copy lands just after its original; deleting closes the gap.
    let copy: i64 = ok("duplicate", call(&prof, "question/dupliquer", json!({ "question": ids[0] })).await);
    let d = detail(&prof, quiz).await;
    assert_eq!(d.questions.iter().map(|q| q.id.0).collect::<Vec<_>>(), [ids[2], ids[0], copy, ids[1]]);
    assert_eq!(d.questions[2].question.title, "SECRET-TITRE capitale (copie)");
    ok::<()>("delete", call(&prof, "question/supprimer", json!({ "question": ids[2] })).await);
    let d = detail(&prof, quiz).await;
    assert_eq!(d.questions.iter().map(|q| q.id.0).collect::<Vec<_>>(), [ids[0], copy, ids[1]]);
    assert_eq!(d.questions.iter().map(|q| q.position).collect::<Vec<_>>(), [0, 1, 2]);

    // Beside the demo's own quiz.
    let list: Vec<QuizLine> = ok("list", call(&prof, "liste", json!({})).await);
    assert_eq!(list.len(), 2);
    let line = list.iter().find(|l| l.id.0 == quiz).expect("the new quiz in the list");
    assert_eq!((line.questions, line.mine), (3, true));
}

const GOOD_GIFT: &str = "// Révisions
$CATEGORY: Géographie

::Capitale:: Quelle est la capitale de la France ? {=Paris#Bien ~Lyon#Non}

::Fleuve:: Le Rhin passe à Strasbourg. {T}

::Pi:: Une valeur de pi à 0,01 près ? {#3.14:0.01}
";

#[tokio::test]
async fn a_gift_file_imports_whole_or_not_at_all_and_exports_back_to_the_same_quiz() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let (quiz, _) = new_quiz(&prof, "Import", &[]).await;

    // A bad file: every problem with its line, and not one question imported.
    let bad = "::Bon:: Une question correcte ? {=oui ~non}\n\n::Cassée:: Pas d'accolade fermante {=a ~b\n\n::Autre:: Sans bonne réponse {~a ~b}\n";
    let expected: Vec<usize> =
        domain::quiz::gift::parse_gift(bad).expect_err("a bad file").iter().map(|p| p.line).collect();
    assert_eq!(expected, [3, 5], "the engine's own reading of the file");
    let outcome: GiftImport = ok("import", call(&prof, "gift/importer", json!({"quiz": quiz, "text": bad})).await);
    let GiftImport::Refused { problems } = outcome else { panic!("refused: {outcome:?}") };
    assert_eq!(problems.iter().map(|p| p.line).collect::<Vec<_>>(), expected);
    assert!(problems.iter().all(|p| !p.message.is_empty()));
    assert!(detail(&prof, quiz).await.questions.is_empty(), "nothing imported");

    let outcome: GiftImport =
        ok("import", call(&prof, "gift/importer", json!({"quiz": quiz, "text": GOOD_GIFT})).await);
    assert_eq!(outcome, GiftImport::Imported { count: 3 });
    let first = detail(&prof, quiz).await;
    assert_eq!(first.questions[0].question.category.as_deref(), Some("Géographie"));

    // Export, then import into a new quiz: the same questions.
    let export: GiftExport = ok("export", call(&prof, "gift/exporter", json!({ "quiz": quiz })).await);
    assert!(export.skipped.is_empty(), "{:?}", export.skipped);
    let (copy, _) = new_quiz(&prof, "Copie", &[]).await;
    let outcome: GiftImport =
        ok("import", call(&prof, "gift/importer", json!({"quiz": copy, "text": export.text})).await);
    assert_eq!(outcome, GiftImport::Imported { count: 3 });
    let second = detail(&prof, copy).await;
    let questions = |d: &QuizDetail| d.questions.iter().map(|q| q.question.clone()).collect::<Vec<_>>();
    assert_eq!(questions(&second), questions(&first));
}

#[tokio::test]
async fn a_quiz_holds_at_most_its_limit_of_questions() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let (quiz, _) = new_quiz(&prof, "Limite", &[]).await;
    let one = |k: usize| format!("::Q{k}:: Question {k} ? {{T}}\n\n");
    let full: String = (0..QUESTIONS_PER_QUIZ_MAX).map(one).collect();
    let outcome: GiftImport = ok("import", call(&prof, "gift/importer", json!({"quiz": quiz, "text": full})).await);
    assert_eq!(outcome, GiftImport::Imported { count: QUESTIONS_PER_QUIZ_MAX });
    let refused =
        call::<i64>(&prof, "question/enregistrer", json!({"quiz": quiz, "id": null, "question": capital()})).await;
    let (status, why) = reason(refused);
    assert_eq!(status, 422);
    assert!(why.contains(&format!("au plus {QUESTIONS_PER_QUIZ_MAX} questions")), "{why}");
    let first = detail(&prof, quiz).await.questions[0].id.0;
    assert_eq!(reason(call::<i64>(&prof, "question/dupliquer", json!({ "question": first })).await).0, 422);
    let refused = call::<GiftImport>(&prof, "gift/importer", json!({"quiz": quiz, "text": one(0)})).await;
    assert_eq!(reason(refused).0, 422);
    assert_eq!(detail(&prof, quiz).await.questions.len(), QUESTIONS_PER_QUIZ_MAX);
}

#[tokio::test]
async fn a_student_takes_an_assignment_that_autosaves_resumes_and_is_scored_on_the_server() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let assignment = given_quiz(&app, &prof, settings(FeedbackPolicy::AtSubmission, 2, Some(30))).await;
    let eleve = app.login_as("demo.eleve").await;

    let (status, body, view) = start(&eleve, assignment).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_no_key("start_attempt", &body);
    let view = view.expect("attempt");
    assert_eq!((view.number, view.max_attempts, view.out_of, view.submitted), (1, 2, 4.0, false));
    assert_eq!(view.questions.len(), 3);
    assert!(view.deadline_at <= view.started_at + 30 * 60_000);
    let attempt = view.attempt.0;

    // Autosave: each answer on its own, saved twice the same stays one answer.
    let answers = responses(&view);
    for (question, response) in &answers {
        let (status, body, saved) = answer(&eleve, attempt, *question, response.clone(), false).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_no_key("save_answer", &body);
        assert_eq!(saved.expect("saved").correction, None);
    }
    answer(&eleve, attempt, answers[0].0, answers[0].1.clone(), false).await.2.expect("saved again");
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM quiz_answers WHERE attempt_id = {attempt}")).await, 3);
    // Checking an answer is for immediate feedback only.
    let (status, _, refused) = answer(&eleve, attempt, answers[0].0, answers[0].1.clone(), true).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused:?}");

    // Resume: a reload (or starting again) shows the same attempt, same order, answers kept.
    let (_, body, again) = attempt_view(&eleve, attempt).await;
    assert_no_key("get_attempt", &body);
    let again = again.expect("attempt");
    assert_eq!(
        again.questions.iter().map(|q| q.id).collect::<Vec<_>>(),
        view.questions.iter().map(|q| q.id).collect::<Vec<_>>()
    );
    for (q, (id, response)) in again.questions.iter().zip(&answers) {
        assert_eq!((q.id.0, q.answer.as_ref()), (*id, Some(response)));
    }
    let (_, body, resumed) = start(&eleve, assignment).await;
    assert_no_key("start_attempt (resume)", &body);
    assert_eq!(resumed.expect("resumed").attempt.0, attempt);

    // Submission: scored on the server (capital 1 + author 1 + product 0 out of 4).
    let result = ok("submit", submit(&eleve, attempt).await);
    assert_eq!(
        (result.score, result.out_of, result.auto_submitted, result.pending_grading),
        (Some(2.0), 4.0, false, false)
    );
    assert_eq!(ok("submit twice", submit(&eleve, attempt).await), result);
    let (_, body, done) = attempt_view(&eleve, attempt).await;
    let done = done.expect("attempt");
    assert!(done.submitted && done.score == Some(2.0));
    assert!(body.contains("SECRET-FB-Paris"), "feedback is due at submission: {body}");
    let capital_correction = done
        .questions
        .iter()
        .find_map(|q| q.correction.as_ref().filter(|c| c.right_answers == ["Paris"]))
        .expect("correction");
    assert!(capital_correction.correct);
    let (status, _, late) = answer(&eleve, attempt, answers[0].0, answers[0].1.clone(), false).await;
    assert_eq!(status, StatusCode::CONFLICT, "{late:?}");

    // A second attempt, then no third.
    let second = start(&eleve, assignment).await.2.expect("second attempt");
    assert_eq!(second.number, 2);
    assert_ne!(second.attempt.0, attempt);
    assert_eq!(ok("submit", submit(&eleve, second.attempt.0).await).score, Some(0.0));
    let (status, _, third) = start(&eleve, assignment).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        matches!(third, Err(AppError::Conflict(ref m)) if m == "Vous avez utilisé vos 2 tentatives : il n'en reste plus.")
    );

    // The teacher's results: the best attempt counts; not started is not zero.
    let results: AssignmentResults = ok("results", call(&prof, "resultats", json!({ "assignment": assignment })).await);
    assert_eq!(results.out_of, 4.0);
    assert_eq!(results.students.len(), 25);
    let me = app.user_id("demo.eleve").await;
    let mine = results.students.iter().find(|s| s.result.student.0 == me).expect("demo.eleve's line");
    assert_eq!((mine.result.score, mine.result.status, mine.attempts), (Some(2.0), ResultStatus::Submitted, 2));
    assert!(mine.result.is_final());
    let absent = results.students.iter().filter(|s| s.result.student.0 != me).collect::<Vec<_>>();
    assert!(absent.iter().all(|s| s.result.score.is_none() && s.result.status == ResultStatus::NotStarted));
    let rates: Vec<(String, Option<f64>, u32)> =
        results.questions.iter().map(|q| (q.title.clone(), q.success_rate, q.answered)).collect();
    assert_eq!(
        rates,
        [
            ("SECRET-TITRE capitale".to_string(), Some(1.0), 1),
            ("SECRET-TITRE auteur".to_string(), Some(1.0), 1),
            ("SECRET-TITRE produit".to_string(), Some(0.0), 1),
        ]
    );

    // Editing the quiz afterwards changes nothing of what was given.
    let quiz = app.count(&format!("SELECT quiz_id FROM quiz_assignments WHERE id = {assignment}")).await;
    let first_question = detail(&prof, quiz).await.questions[0].id.0;
    ok::<()>("delete", call(&prof, "question/supprimer", json!({ "question": first_question })).await);
    let after: AssignmentResults = ok("results", call(&prof, "resultats", json!({ "assignment": assignment })).await);
    assert_eq!(after.questions.len(), 3);
}

#[tokio::test]
async fn late_answers_and_submissions_are_refused_and_what_was_saved_in_time_counts() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let eleve = app.login_as("demo.eleve").await;

    // Before opening.
    let mut later = settings(FeedbackPolicy::AtSubmission, 1, None);
    later["opens_at"] = json!(now_ms() + 3_600_000);
    later["closes_at"] = json!(now_ms() + 7_200_000);
    let assignment = given_quiz(&app, &prof, later).await;
    let (status, _, refused) = start(&eleve, assignment).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(matches!(refused, Err(AppError::Conflict(m)) if m.contains("pas encore ouvert")));

    // Past the time limit: refused, and the answer saved in time is scored.
    let assignment = given_quiz(&app, &prof, settings(FeedbackPolicy::AtSubmission, 1, Some(10))).await;
    let view = start(&eleve, assignment).await.2.expect("attempt");
    let attempt = view.attempt.0;
    let answers = responses(&view);
    let capital = answers.iter().find(|(_, r)| matches!(r, Response::Choice(_))).expect("capital").clone();
    answer(&eleve, attempt, capital.0, capital.1.clone(), false).await.2.expect("saved in time");
    app.exec(&format!("UPDATE quiz_attempts SET started_at = started_at - 660000 WHERE id = {attempt}")).await;
    let (status, _, late) = answer(&eleve, attempt, answers[1].0, answers[1].1.clone(), false).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(matches!(late, Err(AppError::Conflict(ref m)) if m.starts_with("Le temps de cette tentative est écoulé")));
    let (status, late) = submit(&eleve, attempt).await;
    assert_eq!(status, StatusCode::CONFLICT, "{late:?}");
    let result: AttemptResult = ok("result", call(&eleve, "tentative/resultat", json!({ "attempt": attempt })).await);
    assert_eq!((result.auto_submitted, result.score), (true, Some(1.0)));
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM quiz_answers WHERE attempt_id = {attempt}")).await, 1);

    // After closing: refused, whatever the time limit.
    let assignment = given_quiz(&app, &prof, settings(FeedbackPolicy::AtSubmission, 1, None)).await;
    let view = start(&eleve, assignment).await.2.expect("attempt");
    app.exec(&format!("UPDATE quiz_assignments SET closes_at = {} WHERE id = {assignment}", now_ms() - 1000)).await;
    let (id, response) = responses(&view).remove(0);
    let (status, _, late) = answer(&eleve, view.attempt.0, id, response, false).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(matches!(late, Err(AppError::Conflict(ref m)) if m.starts_with("Ce quiz est fermé")));
    let results: AssignmentResults = ok("results", call(&prof, "resultats", json!({ "assignment": assignment })).await);
    let me = app.user_id("demo.eleve").await;
    let mine = results.students.iter().find(|s| s.result.student.0 == me).expect("line");
    assert_eq!(
        (mine.result.score, mine.result.status),
        (Some(0.0), ResultStatus::Submitted),
        "handed in empty at closing"
    );
}

#[tokio::test]
async fn feedback_reaches_the_student_only_when_the_teacher_chose() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let eleve = app.login_as("demo.eleve").await;

    // After closing: nothing at submission, everything once closed.
    let assignment = given_quiz(&app, &prof, settings(FeedbackPolicy::AfterClosing, 1, None)).await;
    let view = start(&eleve, assignment).await.2.expect("attempt");
    for (id, response) in responses(&view) {
        answer(&eleve, view.attempt.0, id, response, false).await.2.expect("saved");
    }
    let (status, result) = submit(&eleve, view.attempt.0).await;
    assert_eq!(status, StatusCode::OK);
    let result = result.expect("submitted");
    assert_eq!(result.score, None, "the score is feedback too");
    assert!(result.feedback_from.is_some());
    let (_, body, _) = attempt_view(&eleve, view.attempt.0).await;
    assert_no_key("get_attempt after submission, before closing", &body);
    app.exec(&format!("UPDATE quiz_assignments SET closes_at = {} WHERE id = {assignment}", now_ms() - 1000)).await;
    let (_, body, closed) = attempt_view(&eleve, view.attempt.0).await;
    assert!(body.contains("SECRET-FB-Paris") && body.contains("Hugo-Accepté-Secret"), "{body}");
    assert_eq!(closed.expect("attempt").score, Some(2.0));

    // Immediately: a checked answer shows its correction and becomes final; the others stay
    // without a key.
    let assignment = given_quiz(&app, &prof, settings(FeedbackPolicy::Immediate, 1, None)).await;
    let (_, body, view) = start(&eleve, assignment).await;
    assert_no_key("start_attempt, immediate feedback", &body);
    let view = view.expect("attempt");
    let answers = responses(&view);
    let product = answers.iter().find(|(_, r)| matches!(r, Response::Number(_))).expect("product").clone();
    let (_, _, saved) = answer(&eleve, view.attempt.0, product.0, product.1.clone(), true).await;
    let correction = saved.expect("checked").correction.expect("a correction");
    assert_eq!((correction.earned, correction.out_of, correction.correct), (Some(0.0), 2.0, false));
    assert_eq!(correction.right_answers, ["42"]);
    let (status, _, again) = answer(&eleve, view.attempt.0, product.0, Response::Number(42.0), false).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again:?}");
    let (_, body, now) = attempt_view(&eleve, view.attempt.0).await;
    assert!(body.contains("SECRET-GENERAL SECRET-TITRE produit"), "{body}");
    assert!(!body.contains("SECRET-FB-Paris") && !body.contains("Hugo-Accepté-Secret"), "{body}");
    let now = now.expect("attempt");
    assert_eq!(now.questions.iter().filter(|q| q.correction.is_some()).count(), 1);
}

#[tokio::test]
async fn an_answer_is_limited_in_size() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let eleve = app.login_as("demo.eleve").await;
    let assignment = given_quiz(&app, &prof, settings(FeedbackPolicy::AtSubmission, 1, None)).await;
    let view = start(&eleve, assignment).await.2.expect("attempt");
    let author = view.questions.iter().find(|q| q.question.kind == StudentKind::ShortAnswer).expect("author").id.0;
    let max = domain::quiz::assignment::ANSWER_MAX_CHARS;
    answer(&eleve, view.attempt.0, author, Response::Text("é".repeat(max)), false).await.2.expect("at the limit");
    let (status, _, refused) = answer(&eleve, view.attempt.0, author, Response::Text("é".repeat(max + 1)), false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused:?}");
}

#[tokio::test]
async fn nobody_reaches_a_quiz_outside_their_class_their_colleagues_or_their_establishment() {
    let app = spawn_app().await;
    let (other_admin, other_class, other_student) = second_establishment(&app).await;
    let prof = app.login_as("demo.prof").await;
    let (quiz, ids) = new_quiz(&prof, "Privé", &[capital()]).await;
    let assignment =
        ok("assign", assign(&prof, quiz, &class_4c(&app).await, settings(FeedbackPolicy::AtSubmission, 1, None)).await);
    let eleve = app.login_as("demo.eleve").await;
    let attempt = start(&eleve, assignment).await.2.expect("attempt").attempt.0;

    // A colleague: a private quiz is the author's; shared, colleagues read and assign it, but
    // only its author edits it.
    app.give_password("marc.lemoine").await;
    let colleague = app.login_as("marc.lemoine").await;
    assert_eq!(call::<QuizDetail>(&colleague, "lire", json!({ "quiz": quiz })).await.0, StatusCode::FORBIDDEN);
    let list: Vec<QuizLine> = ok("list", call(&colleague, "liste", json!({})).await);
    assert!(list.is_empty());
    ok::<()>(
        "share",
        call(&prof, "modifier", json!({"quiz": quiz, "title": "Partagé", "description": "", "shared": true})).await,
    );
    assert_eq!(detail(&colleague, quiz).await.questions.len(), 1);
    let edit =
        call::<()>(&colleague, "modifier", json!({"quiz": quiz, "title": "À moi", "description": "", "shared": false}))
            .await;
    assert_eq!(edit.0, StatusCode::FORBIDDEN);
    let edit = call::<i64>(&colleague, "question/dupliquer", json!({ "question": ids[0] })).await;
    assert_eq!(edit.0, StatusCode::FORBIDDEN);
    let results = call::<AssignmentResults>(&colleague, "resultats", json!({ "assignment": assignment })).await;
    assert_eq!(results.0, StatusCode::OK, "marc.lemoine teaches 4e C too");

    // A teacher gives a quiz only to a class or group they teach.
    let class_6a = json!({ "Class": app.unit_id("classes", "0671234A", "6e A").await });
    assert_eq!(
        assign(&prof, quiz, &class_6a, settings(FeedbackPolicy::AtSubmission, 1, None)).await.0,
        StatusCode::FORBIDDEN
    );
    let latin = json!({ "Group": app.unit_id("student_groups", "0671234A", "Latin").await });
    assert_eq!(assign(&prof, quiz, &latin, settings(FeedbackPolicy::AtSubmission, 1, None)).await.0, StatusCode::OK);

    // A student of another class opens neither the assignment nor a classmate's attempt.
    app.give_password("lina.garnier").await;
    let lina = app.login_as("lina.garnier").await;
    let (status, _, refused) = start(&lina, assignment).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused:?}");
    assert_eq!(attempt_view(&lina, attempt).await.0, StatusCode::NOT_FOUND);
    assert_eq!(submit(&lina, attempt).await.0, StatusCode::NOT_FOUND);
    assert_eq!(call::<QuizDetail>(&lina, "lire", json!({ "quiz": quiz })).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        call::<i64>(&lina, "creer", json!({"title": "Triche", "description": ""})).await.0,
        StatusCode::FORBIDDEN
    );
    // Students never read results, even their class's.
    assert_eq!(
        call::<AssignmentResults>(&eleve, "resultats", json!({ "assignment": assignment })).await.0,
        StatusCode::FORBIDDEN
    );

    // Another establishment: its ids are refused as if they did not exist, both ways.
    let other_unit = json!({ "Class": other_class });
    assert_eq!(
        assign(&prof, quiz, &other_unit, settings(FeedbackPolicy::AtSubmission, 1, None)).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(call::<QuizDetail>(&other_admin, "lire", json!({ "quiz": quiz })).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        call::<GiftExport>(&other_admin, "gift/exporter", json!({ "quiz": quiz })).await.0,
        StatusCode::NOT_FOUND
    );
    let username: String = sqlx::query_scalar("SELECT username FROM users WHERE id = $1")
        .bind(other_student)
        .fetch_one(&app.db)
        .await
        .expect("the other establishment's student");
    app.give_password(&username).await;
    let stranger = app.login_as(&username).await;
    assert_eq!(start(&stranger, assignment).await.0, StatusCode::NOT_FOUND);
    assert_eq!(attempt_view(&stranger, attempt).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        call::<AssignmentResults>(&other_admin, "resultats", json!({ "assignment": assignment })).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM quiz_attempts").await, 1);
}

#[tokio::test]
async fn an_open_answer_waits_for_the_teacher_and_its_result_is_not_final() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let essay = question("Rédaction", "Racontez votre été en trois phrases.", 3.0, QuestionKind::Open);
    let (quiz, _) = new_quiz(&prof, "Rédaction", &[capital(), essay]).await;
    let assignment =
        ok("assign", assign(&prof, quiz, &class_4c(&app).await, settings(FeedbackPolicy::AtSubmission, 1, None)).await);
    let eleve = app.login_as("demo.eleve").await;
    let view = start(&eleve, assignment).await.2.expect("attempt");
    for q in &view.questions {
        let response = match &q.question.kind {
            StudentKind::SingleChoice { choices } => {
                Response::Choice(choices.iter().position(|c| c == "Paris").expect("Paris"))
            }
            StudentKind::Open => Response::Essay("J'ai lu au bord du Rhin.".into()),
            other => panic!("unexpected question {other:?}"),
        };
        answer(&eleve, view.attempt.0, q.id.0, response, false).await.2.expect("saved");
    }
    let result = ok("submit", submit(&eleve, view.attempt.0).await);
    assert_eq!((result.score, result.out_of, result.pending_grading), (Some(1.0), 4.0, true));

    let results: AssignmentResults = ok("results", call(&prof, "resultats", json!({ "assignment": assignment })).await);
    let me = app.user_id("demo.eleve").await;
    let mine = results.students.iter().find(|s| s.result.student.0 == me).expect("line");
    assert_eq!((mine.result.score, mine.result.status), (Some(1.0), ResultStatus::PendingGrading));
    assert!(!mine.result.is_final(), "a partial score never becomes a grade");
    let open = results.questions.iter().find(|q| q.title == "Rédaction").expect("the open question");
    assert_eq!((open.answered, open.success_rate), (1, None));

    // Once closed, nobody starts it any more, whatever attempts they have left.
    app.exec(&format!("UPDATE quiz_assignments SET closes_at = {} WHERE id = {assignment}", now_ms() - 1000)).await;
    app.exec(&format!("DELETE FROM quiz_attempts WHERE assignment_id = {assignment}")).await;
    let (status, _, refused) = start(&eleve, assignment).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(matches!(refused, Err(AppError::Conflict(m)) if m == "Ce quiz est fermé : il ne prend plus de réponses."));
}

// The student's pages: their list, the attempt form (all answers or none, blank clears,
// checking one question, handing in) and the same form posted without JavaScript.

/// The form fields of the attempt page for these answers (as `taking::read_answer` reads them).
fn form_fields(view: &AttemptView, product: &str) -> Vec<(String, String)> {
    let mut fields = vec![("tentative".to_string(), view.attempt.to_string())];
    for q in &view.questions {
        fields.push((format!("reponses[v{}]", q.id), "1".into()));
        let value = match &q.question.kind {
            StudentKind::SingleChoice { choices } => {
                choices.iter().position(|c| c == "Paris").expect("Paris is shown").to_string()
            }
            StudentKind::ShortAnswer => "Hugo-Accepté-Secret".into(),
            StudentKind::Numerical => product.into(),
            other => panic!("unexpected question {other:?}"),
        };
        fields.push((format!("reponses[q{}]", q.id), value));
    }
    fields
}

async fn post_form<T: DeserializeOwned>(
    s: &Session,
    path: &str,
    fields: &[(String, String)],
) -> (StatusCode, Result<T, AppError>) {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    s.call(path, &pairs).await
}

async fn shown(s: &Session, attempt: i64) -> AttemptView {
    let (status, _, view) = attempt_view(s, attempt).await;
    ok("the attempt", (status, view))
}

async fn my_list(s: &Session) -> (StatusCode, Result<Vec<app::quizzes::MyQuiz>, AppError>) {
    s.call("/api/quiz/mes-quiz", &[]).await
}

/// Opens an attempt the way the "Commencer" button does; returns the attempt the redirect
/// goes to.
async fn open_by_form(s: &Session, assignment: i64) -> i64 {
    let res = s
        .http
        .post(format!("{}/api/quiz/tentative/ouvrir", s.base))
        .form(&[("devoir", assignment.to_string())])
        .send()
        .await
        .expect("request sent");
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let id = location
        .strip_prefix("/mes-quiz/tentative/")
        .unwrap_or_else(|| panic!("redirect to the attempt, got « {location} » ({})", res.status()));
    id.parse().expect("an attempt id")
}

#[tokio::test]
async fn a_student_lists_the_quizzes_of_their_class_only() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let assignment = given_quiz(&app, &prof, settings(FeedbackPolicy::AtSubmission, 2, Some(20))).await;
    let eleve = app.login_as("demo.eleve").await;

    let list = ok("my quizzes", my_list(&eleve).await);
    let titles: Vec<&str> = list.iter().map(|q| q.title.as_str()).collect();
    assert_eq!(titles, ["Culture générale", app::server::demo::DEMO_QUIZ_TITLE], "open, closing soonest first");
    let given = &list[0];
    assert_eq!((given.questions, given.out_of, given.max_attempts, given.submitted), (3, 4.0, 2, 0));
    assert_eq!((given.unit_name.as_str(), given.teacher_name.as_str()), ("4e C", "Claire Fontaine"));
    assert!(given.can_start() && given.in_progress.is_none());

    let attempt = open_by_form(&eleve, assignment).await;
    let list = ok("my quizzes", my_list(&eleve).await);
    assert_eq!(list[0].in_progress.map(|a| a.0), Some(attempt));
    assert_eq!(open_by_form(&eleve, assignment).await, attempt, "« Reprendre » resumes the same attempt");
    ok::<AttemptResult>("submit", submit(&eleve, attempt).await);
    let list = ok("my quizzes", my_list(&eleve).await);
    assert_eq!(
        (list[0].submitted, list[0].in_progress, list[0].latest_submitted.map(|a| a.0)),
        (1, None, Some(attempt))
    );
    assert_eq!(list[0].best_score, Some(0.0), "handed in blank, the correction is due at submission");

    // A student of another class sees neither; a teacher has no such list.
    app.give_password("lina.garnier").await;
    let lina = app.login_as("lina.garnier").await;
    assert!(ok("lina's quizzes", my_list(&lina).await).is_empty());
    assert_eq!(my_list(&prof).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_attempt_form_saves_every_answer_or_none_and_hands_in() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let assignment = given_quiz(&app, &prof, settings(FeedbackPolicy::AtSubmission, 1, None)).await;
    let eleve = app.login_as("demo.eleve").await;
    let attempt = open_by_form(&eleve, assignment).await;
    let view = shown(&eleve, attempt).await;
    let save = "/api/quiz/tentative/enregistrer";

    // A number written in words: refused with the question and the text, nothing saved.
    let (status, refused) =
        post_form::<app::quizzes::AnswersSaved>(&eleve, save, &form_fields(&view, "quarante-deux")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = refused.expect_err("refused").message();
    assert!(
        message.contains("« quarante-deux » n'est pas un nombre") && message.contains("Rien n'a été enregistré"),
        "{message}"
    );
    let product_position =
        view.questions.iter().position(|q| q.question.kind == StudentKind::Numerical).expect("product");
    assert!(message.contains(&format!("Question {} :", product_position + 1)), "{message}");
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM quiz_answers WHERE attempt_id = {attempt}")).await, 0);

    // Written the French way, everything is saved at once; the same post again changes nothing.
    let saved: app::quizzes::AnswersSaved = ok("save", post_form(&eleve, save, &form_fields(&view, "42,0")).await);
    assert_eq!((saved.changed, saved.submitted), (3, false));
    let again: app::quizzes::AnswersSaved = ok("save again", post_form(&eleve, save, &form_fields(&view, "42")).await);
    assert_eq!(again.changed, 0);

    // A question posted blank clears its answer; one not posted keeps it.
    let author = view.questions.iter().find(|q| q.question.kind == StudentKind::ShortAnswer).expect("author").id;
    let cleared: app::quizzes::AnswersSaved = ok(
        "clear",
        post_form(
            &eleve,
            save,
            &[("tentative".into(), attempt.to_string()), (format!("reponses[v{author}]"), "1".into())],
        )
        .await,
    );
    assert_eq!(cleared.changed, 1);
    let view = shown(&eleve, attempt).await;
    assert_eq!(view.questions.iter().filter(|q| q.answer.is_some()).count(), 2);
    let screen = eleve
        .http
        .post(format!("{}/api/quiz/tentative/ecran", eleve.base))
        .form(&[("tentative", attempt.to_string())])
        .send()
        .await
        .expect("request sent");
    assert_no_key("the attempt page's data", &screen.text().await.expect("its body"));

    // Checking one question is only for immediate feedback.
    let mut check = form_fields(&view, "42");
    check.push(("verifier".into(), author.to_string()));
    assert_eq!(reason(post_form::<app::quizzes::AnswersSaved>(&eleve, save, &check).await).0, 422);

    // « Rendre »: saved and scored on the server (Paris 1 + Hugo 1 + 42 for 2 points).
    let mut hand_in = form_fields(&view, "42");
    hand_in.push(("rendre".into(), "1".into()));
    let done: app::quizzes::AnswersSaved = ok("hand in", post_form(&eleve, save, &hand_in).await);
    assert!(done.submitted);
    let result = ok("result", submit(&eleve, attempt).await);
    assert_eq!(result.score, Some(4.0));
    let (status, after) = post_form::<app::quizzes::AnswersSaved>(&eleve, save, &form_fields(&view, "41")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{after:?}");
    let screen: app::quizzes::AttemptScreen =
        ok("screen", eleve.call("/api/quiz/tentative/ecran", &[("tentative", &attempt.to_string())]).await);
    assert!(screen.view.submitted && !screen.can_retry, "one attempt allowed");
    assert_eq!(screen.result.and_then(|r| r.score), Some(4.0));

    // Someone else's attempt does not exist for them.
    app.give_password("lina.garnier").await;
    let lina = app.login_as("lina.garnier").await;
    assert_eq!(
        post_form::<app::quizzes::AnswersSaved>(&lina, save, &form_fields(&view, "42")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        lina.call::<app::quizzes::AttemptScreen>("/api/quiz/tentative/ecran", &[("tentative", &attempt.to_string())])
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn checking_an_answer_shows_its_correction_and_makes_it_final() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let assignment = given_quiz(&app, &prof, settings(FeedbackPolicy::Immediate, 1, None)).await;
    let eleve = app.login_as("demo.eleve").await;
    let attempt = open_by_form(&eleve, assignment).await;
    let view = shown(&eleve, attempt).await;
    let product = view.questions.iter().find(|q| q.question.kind == StudentKind::Numerical).expect("product").id;
    let save = "/api/quiz/tentative/enregistrer";

    let mut check = form_fields(&view, "41");
    check.push(("verifier".into(), product.to_string()));
    ok::<app::quizzes::AnswersSaved>("check", post_form(&eleve, save, &check).await);
    let view = shown(&eleve, attempt).await;
    let q = view.questions.iter().find(|q| q.id == product).expect("product");
    assert!(q.locked);
    let correction = q.correction.as_ref().expect("its correction, now");
    assert_eq!((correction.earned, correction.correct), (Some(0.0), false));
    assert!(view.questions.iter().filter(|q| q.id != product).all(|q| q.correction.is_none()), "only that one");

    // The whole form posted again: the checked answer is left as it was, the rest saved.
    let saved: app::quizzes::AnswersSaved = ok("save", post_form(&eleve, save, &form_fields(&view, "42")).await);
    assert_eq!(saved.changed, 0, "the others were already saved, the checked one is final");
    let view = shown(&eleve, attempt).await;
    let q = view.questions.iter().find(|q| q.id == product).expect("product");
    assert_eq!(q.answer, Some(Response::Number(41.0)));
}

#[tokio::test]
async fn without_javascript_the_attempt_form_comes_back_to_the_page() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let assignment = given_quiz(&app, &prof, settings(FeedbackPolicy::AtSubmission, 1, None)).await;
    let eleve = app.login_as("demo.eleve").await;
    let attempt = open_by_form(&eleve, assignment).await;
    let view = shown(&eleve, attempt).await;
    let page = format!("{}/mes-quiz/tentative/{attempt}", eleve.base);
    let post = |product: &'static str| {
        eleve
            .http
            .post(format!("{}/api/quiz/tentative/enregistrer", eleve.base))
            .header("accept", "text/html")
            .header("referer", &page)
            .form(&form_fields(&view, product))
            .send()
    };
    // A plain form post goes back to the page, with the error to show when there is one.
    let refused = post("beaucoup").await.expect("posted");
    assert_eq!(refused.status(), reqwest::StatusCode::FOUND);
    let back = refused.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert!(back.starts_with(&page) && back.len() > page.len(), "back to the page with the error: {back}");
    let saved = post("42").await.expect("posted");
    assert_eq!(saved.status(), reqwest::StatusCode::FOUND);
    // (leptos strips the earlier error from the address, leaving its `?`.)
    let back = saved.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert_eq!(back.trim_end_matches('?'), page);
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM quiz_answers WHERE attempt_id = {attempt}")).await, 3);

    // The page itself is rendered on the server with the saved answers in its fields.
    let html = eleve.get(&format!("/mes-quiz/tentative/{attempt}")).await.text().await.expect("the page");
    assert!(html.contains("Rendre le quiz") && html.contains("value=\"Hugo-Accepté-Secret\""), "{html}");
    assert_no_key("the attempt page", &html.replace("Hugo-Accepté-Secret", ""));
}
