//! An assignment's results through the real API: the distribution of the answers counted
//! (each student's best submitted attempt, mapped back from the shuffled order) with exact
//! counts, and grading open answers by hand (all or nothing, the result final with the exact
//! score, the student's correction with the points and comment, regrading), refused to a
//! student, a colleague who does not teach the class and another establishment's teacher.

use crate::helpers::{Session, TestApp, spawn_app};
use crate::permissions::second_establishment;
use app::admin::api::ImportOutcome;
use app::error::AppError;
use app::quizzes::{AssignmentResults, AttemptResult, AttemptView, GradingSheet};
use domain::quiz::assignment::{FeedbackPolicy, ResultStatus};
use domain::quiz::distribution::{Distribution, FrequentAnswer, OptionCount, PartRate};
use domain::quiz::{
    AcceptedNumber, AcceptedText, Choice, NumberTarget, Points, Question, QuestionKind, Response, StudentKind,
};
use reqwest::{StatusCode, header};
use serde_json::{Value, json};

fn question(title: &str, points: f64, kind: QuestionKind) -> Question {
    Question {
        title: title.into(),
        category: None,
        text: format!("{title} ?"),
        points: Points::new(points).expect("points"),
        kind,
        general_feedback: None,
        image: None,
    }
}

fn choice(text: &str, weight: f64) -> Choice {
    Choice { text: text.into(), weight, feedback: None }
}

/// Eight questions of every kind, 9 points: the essay (the last) is worth 2.
fn questions() -> Vec<Question> {
    vec![
        question(
            "Capitale",
            1.0,
            QuestionKind::SingleChoice {
                choices: vec![choice("Paris", 100.0), choice("Lyon", 0.0), choice("Marseille", 0.0)],
            },
        ),
        question(
            "Premiers",
            1.0,
            QuestionKind::MultipleChoice {
                choices: vec![choice("2", 50.0), choice("3", 50.0), choice("4", -100.0)],
                negative_marks: true,
            },
        ),
        question("Rhin", 1.0, QuestionKind::TrueFalse { answer: true, feedback_true: None, feedback_false: None }),
        question(
            "Auteur",
            1.0,
            QuestionKind::ShortAnswer {
                answers: vec![AcceptedText { text: "Hugo".into(), weight: 100.0, feedback: None }],
                exact: false,
            },
        ),
        question(
            "Produit",
            1.0,
            QuestionKind::Numerical {
                answers: vec![AcceptedNumber { target: NumberTarget::Exact(42.0), weight: 100.0, feedback: None }],
            },
        ),
        question(
            "Pays",
            1.0,
            QuestionKind::Matching { pairs: vec![("Paris".into(), "France".into()), ("Rome".into(), "Italie".into())] },
        ),
        question("Ordre", 1.0, QuestionKind::Ordering { items: vec!["un".into(), "deux".into(), "trois".into()] }),
        question("Rédaction", 2.0, QuestionKind::Open),
    ]
}

/// What one student answers, by question title, in words (options by their text).
#[derive(Default, Clone)]
struct Answers {
    capital: Option<&'static str>,
    primes: Option<Vec<&'static str>>,
    rhine: Option<bool>,
    author: Option<&'static str>,
    product: Option<f64>,
    countries: Option<Vec<Option<&'static str>>>,
    order: Option<Vec<&'static str>>,
    essay: Option<&'static str>,
}

fn ok<T: std::fmt::Debug>(what: &str, (status, result): (StatusCode, Result<T, AppError>)) -> T {
    assert_eq!(status, StatusCode::OK, "{what}: {result:?}");
    result.expect("a successful answer")
}

async fn call<T: serde::de::DeserializeOwned>(
    s: &Session,
    endpoint: &str,
    body: Value,
) -> (StatusCode, Result<T, AppError>) {
    s.call_json(&format!("/api/quiz/{endpoint}"), &body).await
}

/// Takes one attempt with these answers, given against the order the attempt shows.
async fn take(s: &Session, assignment: i64, a: &Answers) -> i64 {
    let view: AttemptView = ok("start", call(s, "tentative/commencer", json!({ "assignment": assignment })).await);
    let pos = |shown: &[String], text: &str| shown.iter().position(|c| c == text).expect("an option shown");
    for q in &view.questions {
        let response = match (&q.question.kind, q.question.text.trim_end_matches(" ?")) {
            (StudentKind::SingleChoice { choices }, _) => a.capital.map(|c| Response::Choice(pos(choices, c))),
            (StudentKind::MultipleChoice { choices }, _) => {
                a.primes.as_ref().map(|p| Response::Choices(p.iter().map(|c| pos(choices, c)).collect()))
            }
            (StudentKind::TrueFalse, _) => a.rhine.map(Response::Bool),
            (StudentKind::ShortAnswer, _) => a.author.map(|t| Response::Text(t.into())),
            (StudentKind::Numerical, _) => a.product.map(Response::Number),
            (StudentKind::Matching { .. }, _) => {
                a.countries.as_ref().map(|c| Response::Matching(c.iter().map(|x| x.map(String::from)).collect()))
            }
            (StudentKind::Ordering { .. }, _) => {
                a.order.as_ref().map(|o| Response::Ordering(o.iter().map(|x| x.to_string()).collect()))
            }
            (StudentKind::Open, _) => a.essay.map(|t| Response::Essay(t.into())),
            (other, _) => panic!("unexpected question {other:?}"),
        };
        if let Some(response) = response {
            let body = json!({ "attempt": view.attempt, "question": q.id, "response": response, "check": false });
            let (status, _, saved) =
                s.call_json_raw::<app::quizzes::SavedAnswer>("/api/quiz/tentative/repondre", &body).await;
            assert_eq!(status, StatusCode::OK, "{saved:?}");
        }
    }
    let result: AttemptResult = ok("submit", call(s, "tentative/rendre", json!({ "attempt": view.attempt })).await);
    assert!(result.score.is_some());
    view.attempt.0
}

/// A quiz of every kind given to 4e C (options shuffled, two attempts), taken by demo.eleve
/// (all right), demo.eleve2 (partly) and demo.eleve3 (a first attempt worth 0, then a better
/// one, which counts). Returns the assignment and each student's counted attempt.
pub(crate) struct Taken {
    pub assignment: i64,
    pub essay: i64,
    pub eleve: i64,
    pub eleve2: i64,
}

pub(crate) async fn taken(app: &TestApp, prof: &Session) -> Taken {
    let quiz: i64 = ok("create", call(prof, "creer", json!({"title": "Bilan", "description": ""})).await);
    let mut ids = Vec::new();
    for q in questions() {
        ids.push(ok::<i64>(
            "save",
            call(prof, "question/enregistrer", json!({"quiz": quiz, "id": null, "question": q})).await,
        ));
    }
    let now = app::server::db::now_ms();
    let settings = json!({
        "opens_at": now - 60_000, "closes_at": now + 3_600_000, "time_limit_minutes": null, "max_attempts": 2,
        "shuffle_questions": true, "shuffle_options": true, "feedback": FeedbackPolicy::AtSubmission,
    });
    let unit = json!({ "Class": app.unit_id("classes", "0671234A", "4e C").await });
    let assignment: i64 =
        ok("assign", call(prof, "donner", json!({ "quiz": quiz, "unit": unit, "settings": settings })).await);
    let all_right = Answers {
        capital: Some("Paris"),
        primes: Some(vec!["2", "3"]),
        rhine: Some(true),
        author: Some("Hugo"),
        product: Some(42.0),
        countries: Some(vec![Some("France"), Some("Italie")]),
        order: Some(vec!["un", "deux", "trois"]),
        essay: Some("Le passé simple raconte."),
    };
    let partly = Answers {
        capital: Some("Lyon"),
        primes: Some(vec!["2", "4"]),
        rhine: Some(false),
        author: Some("  hugo "),
        product: Some(41.0),
        countries: Some(vec![Some("France"), None]),
        order: Some(vec!["deux", "un", "trois"]),
        essay: Some("Je ne sais pas."),
    };
    let first_try = Answers { capital: Some("Marseille"), ..Answers::default() };
    let second_try = Answers {
        capital: Some("Paris"),
        primes: Some(vec!["3"]),
        rhine: Some(true),
        author: Some("Zola"),
        product: Some(42.0),
        countries: Some(vec![Some("Italie"), Some("France")]),
        ..Answers::default()
    };
    let eleve = take(&app.login_as("demo.eleve").await, assignment, &all_right).await;
    let eleve2 = take(&app.login_as("demo.eleve2").await, assignment, &partly).await;
    let eleve3 = app.login_as("demo.eleve3").await;
    take(&eleve3, assignment, &first_try).await;
    take(&eleve3, assignment, &second_try).await;
    Taken { assignment, essay: ids[7], eleve, eleve2 }
}

async fn results(s: &Session, assignment: i64) -> AssignmentResults {
    ok("results", call(s, "resultats", json!({ "assignment": assignment })).await)
}

async fn result_of(app: &TestApp, r: &AssignmentResults, username: &str) -> (Option<f64>, ResultStatus, bool) {
    let id = app.user_id(username).await;
    let line = r.students.iter().find(|s| s.result.student.0 == id).expect("a line per student");
    (line.result.score, line.result.status, line.result.is_final())
}

fn option(text: &str, count: u32, right: bool) -> OptionCount {
    OptionCount { text: text.into(), count, right }
}

fn frequent(answer: &str, count: u32, earns: f64) -> FrequentAnswer {
    FrequentAnswer { answer: answer.into(), count, earns }
}

#[tokio::test]
async fn the_distribution_counts_the_answers_of_each_students_counted_attempt() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let t = taken(&app, &prof).await;
    let r = results(&prof, t.assignment).await;
    assert_eq!(result_of(&app, &r, "demo.eleve").await, (Some(7.0), ResultStatus::PendingGrading, false));
    // Capital 0, primes 50 - 100 → 0, Rhine 0, author 1, product 0, countries 1/2, order 1/3.
    assert_eq!(result_of(&app, &r, "demo.eleve2").await, (Some(1.83), ResultStatus::PendingGrading, false));
    assert_eq!(result_of(&app, &r, "demo.eleve3").await, (Some(3.5), ResultStatus::Submitted, true));

    let by_title = |title: &str| {
        let q = r.questions.iter().find(|q| q.title == title).expect("the question");
        (q.distribution.attempts, q.distribution.answered, q.distribution.detail.clone())
    };
    // demo.eleve3's first attempt (Marseille) is not counted: the second one is.
    assert_eq!(
        by_title("Capitale"),
        (
            3,
            3,
            Distribution::Options(vec![
                option("Paris", 2, true),
                option("Lyon", 1, false),
                option("Marseille", 0, false)
            ])
        )
    );
    assert_eq!(
        by_title("Premiers"),
        (3, 3, Distribution::Options(vec![option("2", 2, true), option("3", 2, true), option("4", 1, false)]))
    );
    assert_eq!(
        by_title("Rhin"),
        (3, 3, Distribution::Options(vec![option("Vrai", 2, true), option("Faux", 1, false)]))
    );
    assert_eq!(
        by_title("Auteur"),
        (3, 3, Distribution::Frequent { answers: vec![frequent("hugo", 2, 1.0), frequent("zola", 1, 0.0)], others: 0 })
    );
    assert_eq!(
        by_title("Produit"),
        (3, 3, Distribution::Frequent { answers: vec![frequent("42", 2, 1.0), frequent("41", 1, 0.0)], others: 0 })
    );
    let (attempts, answered, Distribution::Parts(pairs)) = by_title("Pays") else { panic!("parts") };
    assert_eq!((attempts, answered), (3, 3));
    assert_eq!(
        pairs.iter().map(|p| (p.label.as_str(), p.right, (p.rate * 1000.0).round())).collect::<Vec<_>>(),
        [("Paris → France", 2, 667.0), ("Rome → Italie", 1, 333.0)]
    );
    let (_, answered, Distribution::Parts(items)) = by_title("Ordre") else { panic!("parts") };
    assert_eq!(answered, 2);
    assert_eq!(
        items.iter().map(|p| (p.label.as_str(), p.right)).collect::<Vec<_>>(),
        [("1. un", 1), ("2. deux", 1), ("3. trois", 2)]
    );
    assert_eq!(by_title("Rédaction"), (3, 2, Distribution::Open { graded: 0, waiting: 2 }));
    assert!(matches!(items.first(), Some(PartRate { rate, .. }) if (*rate - 1.0 / 3.0).abs() < 1e-9));

    // The page, rendered on the server: counts and percentages in words beside each bar.
    let html = prof.get(&format!("/quiz/resultats/{}", t.assignment)).await.text().await.expect("the page");
    assert!(html.contains("2 sur 3 (67 %)") && html.contains("bonne réponse"), "{html}");
    assert!(html.contains("<rect x=\"0\" y=\"0\" height=\"10\" width=\"67\">"), "{html}");
    assert!(html.contains("0 corrigée(s), 2 en attente de correction"), "{html}");
    assert!(!html.contains("style="), "no inline style: the policy forbids them");
}

/// The grading form's fields for these answers: (attempt, points, comment).
pub(crate) fn grading_form(assignment: i64, essay: i64, grades: &[(i64, &str, &str)]) -> Vec<(String, String)> {
    let mut fields = vec![("devoir".to_string(), assignment.to_string())];
    for (attempt, points, comment) in grades {
        fields.push((format!("notes[t{attempt}q{essay}]"), points.to_string()));
        fields.push((format!("commentaires[t{attempt}q{essay}]"), comment.to_string()));
    }
    fields
}

pub(crate) async fn grade(s: &Session, fields: &[(String, String)]) -> (StatusCode, Result<usize, AppError>) {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    s.call("/api/quiz/resultats/corriger", &pairs).await
}

fn refusal((status, result): (StatusCode, Result<usize, AppError>)) -> String {
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{result:?}");
    match result {
        Err(AppError::Invalid { reason, .. }) => reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn graded_count(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM quiz_answers WHERE graded_at IS NOT NULL").await
}

#[tokio::test]
async fn grading_an_open_answer_makes_the_result_final_with_the_exact_score() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let t = taken(&app, &prof).await;
    let sheet: GradingSheet =
        ok("sheet", prof.call("/api/quiz/resultats/copies", &[("devoir", &t.assignment.to_string())]).await);
    let essays = &sheet.questions.iter().find(|q| q.question.0 == t.essay).expect("the essay").answers;
    assert_eq!(essays.iter().map(|a| (a.attempt.0, a.text.as_str(), a.earned)).collect::<Vec<_>>(), {
        let mut expected = vec![(t.eleve, "Le passé simple raconte.", None), (t.eleve2, "Je ne sais pas.", None)];
        // By name, as the roster sorts them.
        expected.sort_by_key(|(id, _, _)| essays.iter().position(|a| a.attempt.0 == *id));
        expected
    });
    let name = |attempt: i64| essays.iter().find(|a| a.attempt.0 == attempt).expect("an essay").student_name.clone();

    // Out of range and malformed: both named, nothing saved.
    let why = refusal(
        grade(&prof, &grading_form(t.assignment, t.essay, &[(t.eleve, "2,01", ""), (t.eleve2, "beaucoup", "")])).await,
    );
    assert!(
        why.contains(&format!(
            "{}, question 8 : Les points vont de 0 à 2, avec deux décimales au plus.",
            name(t.eleve)
        )),
        "{why}"
    );
    assert!(why.contains(&format!("{}, question 8 : Les points s'écrivent en chiffres", name(t.eleve2))), "{why}");
    assert!(why.ends_with("Rien n'a été enregistré."), "{why}");
    let why = refusal(
        grade(&prof, &grading_form(t.assignment, t.essay, &[(t.eleve, "1,5", ""), (t.eleve2, "-1", "")])).await,
    );
    assert!(why.contains(&name(t.eleve2)) && !why.contains(&name(t.eleve)), "{why}");
    let why = refusal(grade(&prof, &grading_form(t.assignment, t.essay, &[(t.eleve, "1,555", "")])).await);
    assert!(why.contains("deux décimales"), "{why}");
    let why = refusal(grade(&prof, &grading_form(t.assignment, t.essay, &[(t.eleve2, "", "Bien.")])).await);
    assert!(why.contains("indiquez les points avec le commentaire"), "{why}");
    assert_eq!(graded_count(&app).await, 0);
    assert_eq!(
        result_of(&app, &results(&prof, t.assignment).await, "demo.eleve").await.1,
        ResultStatus::PendingGrading
    );

    // Graded: demo.eleve's only open answer, so the result is final: 7 + 1,5.
    let saved = ok(
        "grade",
        grade(&prof, &grading_form(t.assignment, t.essay, &[(t.eleve, "1,5", "Bien argumenté."), (t.eleve2, "", "")]))
            .await,
    );
    assert_eq!(saved, 1);
    let r = results(&prof, t.assignment).await;
    assert_eq!(result_of(&app, &r, "demo.eleve").await, (Some(8.5), ResultStatus::Submitted, true));
    assert_eq!(result_of(&app, &r, "demo.eleve2").await, (Some(1.83), ResultStatus::PendingGrading, false));
    let essay = r.questions.iter().find(|q| q.question.0 == t.essay).expect("the essay");
    assert_eq!(essay.distribution.detail, Distribution::Open { graded: 1, waiting: 1 });

    // The student sees the final score, the points and the comment with the correction.
    let eleve = app.login_as("demo.eleve").await;
    let result: AttemptResult = ok("result", call(&eleve, "tentative/resultat", json!({ "attempt": t.eleve })).await);
    assert_eq!((result.score, result.pending_grading), (Some(8.5), false));
    let view: AttemptView = ok("attempt", call(&eleve, "tentative/lire", json!({ "attempt": t.eleve })).await);
    let correction =
        view.questions.iter().find(|q| q.id.0 == t.essay).and_then(|q| q.correction.clone()).expect("a correction");
    assert_eq!(
        (correction.earned, correction.out_of, correction.teacher_comment.as_deref()),
        (Some(1.5), 2.0, Some("Bien argumenté."))
    );
    let html = eleve.get(&format!("/mes-quiz/tentative/{}", t.eleve)).await.text().await.expect("the page");
    assert!(
        html.contains("Commentaire de votre professeur : Bien argumenté.") && html.contains("Score : 8,5 / 9"),
        "{html}"
    );
    assert!(!html.contains("provisoire"), "{html}");

    // Regrading changes the score; the same grade posted again changes nothing.
    let saved = ok(
        "regrade",
        grade(&prof, &grading_form(t.assignment, t.essay, &[(t.eleve, "2", ""), (t.eleve2, "0,25", "")])).await,
    );
    assert_eq!(saved, 2);
    let again = ok(
        "same again",
        grade(&prof, &grading_form(t.assignment, t.essay, &[(t.eleve, "2", ""), (t.eleve2, "0,25", "")])).await,
    );
    assert_eq!(again, 0);
    let r = results(&prof, t.assignment).await;
    assert_eq!(result_of(&app, &r, "demo.eleve").await, (Some(9.0), ResultStatus::Submitted, true));
    assert_eq!(result_of(&app, &r, "demo.eleve2").await, (Some(2.08), ResultStatus::Submitted, true));
    let view: AttemptView = ok("attempt", call(&eleve, "tentative/lire", json!({ "attempt": t.eleve })).await);
    let correction =
        view.questions.iter().find(|q| q.id.0 == t.essay).and_then(|q| q.correction.clone()).expect("a correction");
    assert_eq!((correction.earned, correction.correct, correction.teacher_comment), (Some(2.0), true, None));

    // Without JavaScript the form comes back to its page, with the error or the count saved.
    let page = app.url(&format!("/quiz/resultats/{}/corriger", t.assignment));
    let post = |points: &'static str| {
        prof.http
            .post(app.url("/api/quiz/resultats/corriger"))
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, &page)
            .form(&grading_form(t.assignment, t.essay, &[(t.eleve, points, "")]))
            .send()
    };
    let refused = post("trois").await.expect("posted");
    let back = refused.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert_eq!(refused.status(), reqwest::StatusCode::FOUND);
    assert!(back.starts_with(&page) && back.len() > page.len(), "{back}");
    let saved = post("1").await.expect("posted");
    let back = saved.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert_eq!(back, format!("/quiz/resultats/{}/corriger?enregistrees=1", t.assignment));
    let html = prof.get(&format!("/quiz/resultats/{}/corriger", t.assignment)).await.text().await.expect("the page");
    assert!(html.contains("Le passé simple raconte.") && html.contains("Enregistrer les notes"), "{html}");
}

#[tokio::test]
async fn only_the_teachers_of_the_class_see_and_grade_open_answers() {
    let app = spawn_app().await;
    // marc.lemoine teaches in the school, but no longer in 4e C.
    let class = app.unit_id("classes", "0671234A", "4e C").await;
    let marc = app.user_id("marc.lemoine").await;
    app.exec(&format!("DELETE FROM assignments WHERE teacher_id = {marc} AND class_id = {class}")).await;
    app.give_password("marc.lemoine").await;
    let (admin, _, _) = second_establishment(&app).await;
    let csv = "nom;prenom;matiere;classe\nZimmerlin;Jean;Mathématiques;2nde 1\n";
    let (status, outcome) = admin
        .call::<ImportOutcome>(
            "/api/admin/import",
            &[("type_fichier", "enseignants"), ("contenu", csv), ("appliquer", "true")],
        )
        .await;
    assert!(matches!(outcome, Ok(ImportOutcome::Applied(_))), "{status} {outcome:?}");
    let username: String = sqlx::query_scalar(
        "SELECT u.username FROM users u JOIN memberships m ON m.user_id = u.id JOIN establishments e ON e.id = m.establishment_id
         WHERE u.last_name = 'Zimmerlin' AND e.uai = '0681111B' AND m.role = 'enseignant'",
    )
        .fetch_one(&app.db)
        .await
        .expect("the other establishment's teacher");
    app.give_password(&username).await;

    let prof = app.login_as("demo.prof").await;
    let t = taken(&app, &prof).await;
    let fields = grading_form(t.assignment, t.essay, &[(t.eleve, "2", "")]);
    let id = t.assignment.to_string();
    let student = app.login_as("demo.eleve").await;
    let colleague = app.login_as("marc.lemoine").await;
    let stranger = app.login_as(&username).await;
    for (who, s, status) in [
        ("a student", &student, StatusCode::FORBIDDEN),
        ("a colleague who does not teach 4e C", &colleague, StatusCode::FORBIDDEN),
        ("another establishment's teacher", &stranger, StatusCode::NOT_FOUND),
    ] {
        let read = s.call::<GradingSheet>("/api/quiz/resultats/copies", &[("devoir", id.as_str())]).await;
        assert_eq!(read.0, status, "{who} reads the answers");
        assert_eq!(grade(s, &fields).await.0, status, "{who} grades");
    }
    assert_eq!(graded_count(&app).await, 0);
    assert_eq!(
        result_of(&app, &results(&prof, t.assignment).await, "demo.eleve").await.1,
        ResultStatus::PendingGrading
    );
}

/// Issue 14, item 11: a second teacher of 4e C reads the written answers of demo.prof's
/// assignment but may not grade them (the points would flow into demo.prof's grade book);
/// direction may.
#[tokio::test]
async fn a_second_teacher_of_the_class_may_not_grade_another_teachers_assignment() {
    let app = spawn_app().await;
    let class = app.unit_id("classes", "0671234A", "4e C").await;
    let marc = app.user_id("marc.lemoine").await;
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM assignments WHERE teacher_id = {marc} AND class_id = {class}")).await,
        1,
        "marc.lemoine teaches 4e C in the demo"
    );
    app.give_password("marc.lemoine").await;
    let prof = app.login_as("demo.prof").await;
    let t = taken(&app, &prof).await;
    let id = t.assignment.to_string();
    let colleague = app.login_as("marc.lemoine").await;

    let sheet: GradingSheet =
        ok("sheet", colleague.call("/api/quiz/resultats/copies", &[("devoir", id.as_str())]).await);
    assert!(!sheet.may_grade);
    let html = colleague.get(&format!("/quiz/resultats/{id}/corriger")).await.text().await.expect("the page");
    assert!(html.contains("Seul le professeur qui a donné ce devoir, ou la direction, peut corriger"), "{html}");
    let refused = grade(&colleague, &grading_form(t.assignment, t.essay, &[(t.eleve, "0", "Hors sujet.")])).await;
    assert_eq!(refused.0, StatusCode::FORBIDDEN);
    assert_eq!(refused.1, Err(AppError::Forbidden));
    assert_eq!(graded_count(&app).await, 0, "nothing graded");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE actor_id = {marc} AND detail = 'correction du devoir quiz {id}'"
        ))
        .await,
        1,
        "the refusal is audited"
    );
    assert_eq!(
        result_of(&app, &results(&prof, t.assignment).await, "demo.eleve").await.1,
        ResultStatus::PendingGrading
    );

    let mine: GradingSheet = ok("sheet", prof.call("/api/quiz/resultats/copies", &[("devoir", id.as_str())]).await);
    assert!(mine.may_grade);
    let direction = app.login_as("demo.direction").await;
    let theirs: GradingSheet =
        ok("sheet", direction.call("/api/quiz/resultats/copies", &[("devoir", id.as_str())]).await);
    assert!(theirs.may_grade);
    let saved = ok("grade", grade(&direction, &grading_form(t.assignment, t.essay, &[(t.eleve, "1,5", "")])).await);
    assert_eq!(saved, 1);
    let by = app.user_id("demo.direction").await;
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM quiz_answers WHERE graded_by = {by}")).await, 1);
}
