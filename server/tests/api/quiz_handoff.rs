//! Quiz results sent to the grade book, and an assignment changed, closed or withdrawn, through
//! the url-encoded forms of the results page: marks written exactly (scaled, rounded), results
//! not final left empty, a second send updating the same evaluation and keeping what the
//! teacher typed, closed periods and other people refused with nothing written; then the
//! rules that protect students' attempts when the teacher edits or withdraws an assignment.

use crate::helpers::{Session, TestApp, spawn_app};
use crate::permissions::second_establishment;
use crate::quiz_authoring::{assign_form, capital_form, create, detail, hours_from_now, ok, refused};
use app::error::AppError;
use app::grades::api::GradeBook;
use app::quizzes::handoff::{HandoffReport, HandoffScreen};
use app::quizzes::manage::ManageScreen;
use app::quizzes::{AttemptView, MyQuiz, MyQuizState};
use domain::quiz::assignment::ResultStatus;
use reqwest::StatusCode;
use serde_json::json;

/// A quiz of two questions (2 points, then 1: out of 3) given to 4e C; returns its id, the
/// assignment's and the two questions'.
async fn given_quiz(app: &TestApp, prof: &Session, attempts: &str) -> (i64, i64, [i64; 2]) {
    let quiz = create(prof, "Bilan conjugaison").await;
    let q = quiz.to_string();
    ok::<i64>("save", prof.call("/api/quiz/formulaire/question", &capital_form(&q, "1")).await);
    let one_point: Vec<(&str, &str)> =
        capital_form(&q, "1").into_iter().map(|(k, v)| if k == "champs[points]" { (k, "1") } else { (k, v) }).collect();
    ok::<i64>("save", prof.call("/api/quiz/formulaire/question", &one_point).await);
    let d = detail(prof, quiz).await;
    let class_4c = format!("c:{}", app.unit_id("classes", "0671234A", "4e C").await);
    let (opens, closes) = (hours_from_now(-1), hours_from_now(48));
    let mut form = assign_form(&q, &class_4c, &opens, &closes);
    for field in form.iter_mut().filter(|(k, _)| *k == "reglages[tentatives]") {
        field.1 = attempts;
    }
    let given: i64 = ok("assign", prof.call("/api/quiz/formulaire/donner", &form).await);
    (quiz, given, [d.questions[0].id.0, d.questions[1].id.0])
}

/// The usernames of 4e C's students other than demo.eleve, first ones first, ready to log in.
async fn classmates(app: &TestApp, n: i64) -> Vec<String> {
    let class = app.unit_id("classes", "0671234A", "4e C").await;
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT u.username FROM users u JOIN class_students cs ON cs.student_id = u.id
         WHERE cs.class_id = $1 AND u.username <> 'demo.eleve' ORDER BY u.id LIMIT $2",
    )
    .bind(class)
    .bind(n)
    .fetch_all(&app.db)
    .await
    .expect("classmates");
    for name in &names {
        app.give_password(name).await;
    }
    names
}

async fn start(s: &Session, given: i64) -> i64 {
    ok::<AttemptView>("start", s.call_json("/api/quiz/tentative/commencer", &json!({ "assignment": given })).await)
        .attempt
        .0
}

async fn answer(s: &Session, attempt: i64, question: i64, choice: usize) {
    ok::<app::quizzes::SavedAnswer>(
        "answer",
        s.call_json(
            "/api/quiz/tentative/repondre",
            &json!({ "attempt": attempt, "question": question, "response": { "Choice": choice }, "check": false }),
        )
        .await,
    );
}

async fn submit(s: &Session, attempt: i64) {
    ok::<app::quizzes::AttemptResult>(
        "submit",
        s.call_json("/api/quiz/tentative/rendre", &json!({ "attempt": attempt })).await,
    );
}

async fn screen(s: &Session, given: i64) -> Option<HandoffScreen> {
    ok("screen", s.call("/api/quiz/carnet/ecran", &[("devoir", &given.to_string())]).await)
}

async fn send(s: &Session, given: i64, fields: &[(&str, &str)]) -> (StatusCode, Result<HandoffReport, AppError>) {
    let devoir = given.to_string();
    let mut form = vec![("devoir", devoir.as_str())];
    form.extend_from_slice(fields);
    s.call("/api/quiz/carnet/reporter", &form).await
}

/// What the grade book holds for a student: (status, points in hundredths).
async fn mark(app: &TestApp, evaluation: i64, username: &str) -> Option<(String, Option<i64>)> {
    sqlx::query_as(
        "SELECT g.status, g.points FROM grades g JOIN users u ON u.id = g.student_id
         WHERE g.evaluation_id = $1 AND u.username = $2",
    )
    .bind(evaluation)
    .bind(username)
    .fetch_optional(&app.db)
    .await
    .expect("a mark")
}

#[tokio::test]
async fn results_go_to_one_evaluation_scaled_and_rounded_and_not_final_ones_stay_empty() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let (_, given, [q1, q2]) = given_quiz(&app, &prof, "1").await;
    let others = classmates(&app, 4).await;
    // demo.eleve: 2 / 3 → 13,33 / 20. others[0]: 3 / 3 → 20. others[1]: hands in nothing,
    // 0 / 3 → a real 0. others[2]: in progress → empty. others[3] and the rest: not started.
    let eleve = app.login_as("demo.eleve").await;
    let a = start(&eleve, given).await;
    answer(&eleve, a, q1, 1).await;
    answer(&eleve, a, q2, 0).await;
    submit(&eleve, a).await;
    let full = app.login_as(&others[0]).await;
    let a = start(&full, given).await;
    answer(&full, a, q1, 1).await;
    answer(&full, a, q2, 1).await;
    submit(&full, a).await;
    let blank = app.login_as(&others[1]).await;
    let a = start(&blank, given).await;
    submit(&blank, a).await;
    let late = app.login_as(&others[2]).await;
    let late_attempt = start(&late, given).await;
    answer(&late, late_attempt, q1, 1).await;

    let s = screen(&prof, given).await.expect("the teacher who gave it sees the panel");
    let french = app.count("SELECT id FROM subjects WHERE name = 'Français'").await;
    assert_eq!(s.subjects.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>(), ["Français"]);
    assert_eq!(s.title, "Bilan conjugaison");
    assert_eq!(s.finals, 3);
    let students = app
        .count("SELECT COUNT(*) FROM class_students cs JOIN classes c ON c.id = cs.class_id WHERE c.name = '4e C'")
        .await;
    assert_eq!(s.not_final, vec![(ResultStatus::NotStarted, students as u32 - 4), (ResultStatus::InProgress, 1)]);
    let period = s.period.expect("the current period is preselected").0;
    assert!(s.periods.iter().all(|p| !p.closed));
    assert!(s.sent.is_none());

    let (french, period) = (french.to_string(), period.to_string());
    let first = ok(
        "send",
        send(
            &prof,
            given,
            &[("matiere", &french), ("periode", &period), ("titre", ""), ("bareme", ""), ("coefficient", "")],
        )
        .await,
    );
    assert!(first.created);
    assert_eq!((first.marks, first.changed, first.kept), (3, 3, 0));
    assert_eq!(first.not_final, s.not_final);
    let evaluation = first.evaluation.0;
    let row: (String, i64, i64) =
        sqlx::query_as("SELECT title, scale, coefficient_hundredths FROM evaluations WHERE id = $1")
            .bind(evaluation)
            .fetch_one(&app.db)
            .await
            .expect("the evaluation");
    assert_eq!(row, ("Bilan conjugaison".to_string(), 20, 100), "defaults: the quiz's title, /20, coefficient 1");
    assert_eq!(mark(&app, evaluation, "demo.eleve").await, Some(("points".into(), Some(1333))));
    assert_eq!(mark(&app, evaluation, &others[0]).await, Some(("points".into(), Some(2000))));
    assert_eq!(mark(&app, evaluation, &others[1]).await, Some(("points".into(), Some(0))));
    assert_eq!(mark(&app, evaluation, &others[2]).await, None, "in progress: empty, never 0");
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM grades WHERE evaluation_id = {evaluation}")).await, 3);

    // The grade book shows it.
    let class_4c = format!("c:{}", app.unit_id("classes", "0671234A", "4e C").await);
    let book: GradeBook = ok(
        "grade book",
        prof.call("/api/notes/carnet", &[("unite", &class_4c), ("matiere", &french), ("periode", &period)]).await,
    );
    let column = book.evaluations.iter().position(|e| e.id.0 == evaluation).expect("the evaluation's column");
    assert_eq!(book.evaluations[column].title, "Bilan conjugaison");
    let eleve_id = app.user_id("demo.eleve").await;
    let late_id = app.user_id(&others[2]).await;
    let cell = |student: i64| book.rows.iter().find(|r| r.student.0 == student).expect("a row").cells[column].clone();
    assert_eq!(cell(eleve_id), "13,33");
    assert_eq!(cell(late_id), "");

    // The teacher types "Abs" for a student who never started, and the late one hands in.
    let absent = app.user_id(&others[3]).await.to_string();
    let saved: app::grades::api::SavedGrade = ok(
        "Abs",
        prof.call("/api/notes/saisir", &[("evaluation", &evaluation.to_string()), ("eleve", &absent), ("note", "Abs")])
            .await,
    );
    assert_eq!(saved.display, "Abs");
    submit(&late, late_attempt).await;

    // Sending again updates the same evaluation (the fields of a first send are ignored),
    // writes the new final result and keeps the typed "Abs".
    let again = ok(
        "send again",
        send(&prof, given, &[("matiere", &french), ("periode", &period), ("titre", "Autre"), ("bareme", "10")]).await,
    );
    assert!(!again.created);
    assert_eq!(again.evaluation.0, evaluation);
    assert_eq!((again.marks, again.changed, again.kept), (4, 1, 1));
    assert_eq!(again.not_final, vec![(ResultStatus::NotStarted, students as u32 - 4)]);
    assert_eq!(app.count("SELECT COUNT(*) FROM quiz_gradebook_links").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM evaluations WHERE title IN ('Bilan conjugaison', 'Autre')").await,
        1,
        "no duplicate"
    );
    assert_eq!(mark(&app, evaluation, &others[2]).await, Some(("points".into(), Some(1333))));
    assert_eq!(mark(&app, evaluation, &others[3]).await, Some(("abs".into(), None)));
    assert_eq!(mark(&app, evaluation, "demo.eleve").await, Some(("points".into(), Some(1333))));
    let sent = screen(&prof, given).await.and_then(|s| s.sent).expect("sent");
    assert_eq!((sent.title.as_str(), sent.scale, sent.subject_name.as_str()), ("Bilan conjugaison", 20, "Français"));

    // Once the period is closed, sending again is refused and writes nothing.
    let changes = app.count("SELECT COUNT(*) FROM grade_changes").await;
    app.exec(&format!("UPDATE periods SET closed_at = 1 WHERE id = {period}")).await;
    let (status, result) = send(&prof, given, &[]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{result:?}");
    assert!(matches!(result, Err(AppError::Conflict(m)) if m.contains("est close")));
    assert_eq!(app.count("SELECT COUNT(*) FROM grade_changes").await, changes);
}

#[tokio::test]
async fn a_send_is_refused_in_french_to_anyone_else_and_for_a_wrong_choice_with_nothing_written() {
    let app = spawn_app().await;
    let (other_admin, _, _) = second_establishment(&app).await;
    let prof = app.login_as("demo.prof").await;
    let (_, given, [q1, _]) = given_quiz(&app, &prof, "1").await;
    let eleve = app.login_as("demo.eleve").await;
    let a = start(&eleve, given).await;
    answer(&eleve, a, q1, 1).await;
    submit(&eleve, a).await;
    let french = app.count("SELECT id FROM subjects WHERE name = 'Français'").await.to_string();
    let maths = app.count("SELECT id FROM subjects WHERE name = 'Mathématiques'").await.to_string();
    let period = screen(&prof, given).await.and_then(|s| s.period).expect("a period").0.to_string();
    let valid = [("matiere", french.as_str()), ("periode", period.as_str()), ("bareme", "20"), ("coefficient", "1")];
    let nothing_written = async || {
        assert_eq!(app.count("SELECT COUNT(*) FROM evaluations WHERE title = 'Bilan conjugaison'").await, 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM quiz_gradebook_links").await, 0);
    };

    // A colleague who teaches 4e C but did not give it, a student, another establishment.
    app.give_password("marc.lemoine").await;
    let colleague = app.login_as("marc.lemoine").await;
    assert_eq!(send(&colleague, given, &valid).await.0, StatusCode::FORBIDDEN);
    assert!(screen(&colleague, given).await.is_none(), "no panel for a colleague");
    assert_eq!(send(&eleve, given, &valid).await.0, StatusCode::FORBIDDEN);
    assert_eq!(send(&other_admin, given, &valid).await.0, StatusCode::NOT_FOUND);
    let (status, _) =
        other_admin.call::<Option<HandoffScreen>>("/api/quiz/carnet/ecran", &[("devoir", &given.to_string())]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another establishment's assignment does not exist for them");
    assert_eq!(send(&prof, 987_654_321, &valid).await.0, StatusCode::NOT_FOUND);
    let refusals = app.count("SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%report au carnet%'").await;
    assert_eq!(refusals, 2, "the two refusals inside the establishment are audited");

    // A subject demo.prof does not teach in 4e C, a scale or coefficient out of range, no subject.
    let reason = refused("maths", send(&prof, given, &[("matiere", &maths), ("periode", &period)]).await);
    assert!(reason.contains("Vous n'enseignez pas cette matière en 4e C"), "{reason}");
    for (bareme, coefficient, words) in [
        ("150", "1", "barème va de 1 à 100"),
        ("0", "1", "barème va de 1 à 100"),
        ("20", "100", "coefficient va de 0 à 99"),
    ] {
        let reason = refused(
            bareme,
            send(
                &prof,
                given,
                &[("matiere", &french), ("periode", &period), ("bareme", bareme), ("coefficient", coefficient)],
            )
            .await,
        );
        assert!(reason.contains(words), "{reason}");
    }
    let reason = refused("no subject", send(&prof, given, &[("periode", &period)]).await);
    assert!(reason.contains("Choisissez la matière"), "{reason}");
    nothing_written().await;

    // A closed period is refused, and is not offered.
    app.exec(&format!("UPDATE periods SET closed_at = 1 WHERE id = {period}")).await;
    let (status, result) = send(&prof, given, &valid).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(matches!(&result, Err(AppError::Conflict(m)) if m.contains("est close")), "{result:?}");
    assert!(screen(&prof, given).await.expect("panel").periods.iter().all(|p| p.id.0.to_string() != period));
    nothing_written().await;
}

async fn settings(s: &Session, given: i64) -> (StatusCode, Result<Option<ManageScreen>, AppError>) {
    s.call("/api/quiz/devoir/reglages", &[("devoir", &given.to_string())]).await
}

/// The assignment form of the results page, with these fields changed.
async fn edit(s: &Session, m: &ManageScreen, changes: &[(&str, &str)]) -> (StatusCode, Result<(), AppError>) {
    let devoir = m.assignment.to_string();
    let f = &m.form;
    let mut form: Vec<(&str, &str)> = vec![
        ("devoir", &devoir),
        ("reglages[unite]", &f.unite),
        ("reglages[ouverture]", &f.ouverture),
        ("reglages[fermeture]", &f.fermeture),
        ("reglages[duree]", &f.duree),
        ("reglages[tentatives]", &f.tentatives),
        ("reglages[retour]", &f.retour),
    ];
    if f.melanger_questions.is_some() {
        form.push(("reglages[melanger_questions]", "1"));
    }
    if f.melanger_options.is_some() {
        form.push(("reglages[melanger_options]", "1"));
    }
    for (k, v) in changes {
        match form.iter_mut().find(|(name, _)| name == k) {
            Some(field) => field.1 = v,
            None => form.push((k, v)),
        }
    }
    s.call("/api/quiz/formulaire/devoir/modifier", &form).await
}

async fn my_quiz(s: &Session, given: i64) -> MyQuiz {
    let mine: Vec<MyQuiz> = ok("mine", s.call("/api/quiz/mes-quiz", &[]).await);
    mine.into_iter().find(|q| q.assignment.0 == given).expect("the assignment in the student's list")
}

#[tokio::test]
async fn an_assignment_is_changed_without_taking_anything_from_students_and_withdrawn_by_closing() {
    let app = spawn_app().await;
    let (other_admin, _, _) = second_establishment(&app).await;
    let prof = app.login_as("demo.prof").await;
    let (_, given, [q1, _]) = given_quiz(&app, &prof, "3").await;
    let others = classmates(&app, 1).await;
    // demo.eleve uses two attempts; a classmate has one under way with a right answer saved.
    let eleve = app.login_as("demo.eleve").await;
    for _ in 0..2 {
        let a = start(&eleve, given).await;
        submit(&eleve, a).await;
    }
    let busy = app.login_as(&others[0]).await;
    let under_way = start(&busy, given).await;
    answer(&busy, under_way, q1, 1).await;
    let m = ok("settings", settings(&prof, given).await).expect("the teacher who gave it manages it");
    assert_eq!((m.started, m.closed, m.form.tentatives.as_str()), (2, false, "3"));

    // Refused, in French, with nothing changed: a closing already past, 0 or 11 attempts, a
    // time limit of 0, another class, a later opening or another order once students started.
    let latin = format!("g:{}", app.unit_id("student_groups", "0671234A", "Latin").await);
    let (earlier, past, later) = (hours_from_now(-3), hours_from_now(-1), hours_from_now(2));
    for (changes, field_words) in [
        (vec![("reglages[ouverture]", earlier.as_str()), ("reglages[fermeture]", past.as_str())], "déjà passée"),
        (vec![("reglages[tentatives]", "0")], "de 1 à 10"),
        (vec![("reglages[tentatives]", "11")], "de 1 à 10"),
        (vec![("reglages[duree]", "0")], "de 1 à 240 minutes"),
        (vec![("reglages[unite]", latin.as_str())], "garde sa classe"),
        (vec![("reglages[ouverture]", later.as_str())], "ne peut plus être repoussée"),
        (vec![("reglages[melanger_options]", "1")], "ne peut plus changer"),
    ] {
        let reason = refused(field_words, edit(&prof, &m, &changes).await);
        assert!(reason.contains(field_words), "{reason}");
    }
    assert_eq!(ok("unchanged", settings(&prof, given).await).expect("screen").form, m.form);

    // Others may not: a colleague teaching 4e C, a student (403), another establishment (404).
    app.give_password("marc.lemoine").await;
    let colleague = app.login_as("marc.lemoine").await;
    assert_eq!(edit(&colleague, &m, &[]).await.0, StatusCode::FORBIDDEN);
    assert!(ok("colleague", settings(&colleague, given).await).is_none());
    assert_eq!(settings(&other_admin, given).await.0, StatusCode::NOT_FOUND);
    assert_eq!(edit(&eleve, &m, &[]).await.0, StatusCode::FORBIDDEN);
    assert_eq!(edit(&other_admin, &m, &[]).await.0, StatusCode::NOT_FOUND);
    let devoir = given.to_string();
    for path in ["/api/quiz/formulaire/devoir/clore", "/api/quiz/formulaire/devoir/supprimer"] {
        assert_eq!(colleague.call::<()>(path, &[("devoir", &devoir)]).await.0, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(other_admin.call::<()>(path, &[("devoir", &devoir)]).await.0, StatusCode::NOT_FOUND, "{path}");
    }

    // One attempt only, now: demo.eleve's two attempts stay and no new one starts; the attempt
    // under way goes on. The feedback policy changes too.
    ok("fewer attempts", edit(&prof, &m, &[("reglages[tentatives]", "1"), ("reglages[retour]", "immediate")]).await);
    let (status, _) =
        eleve.call_json::<AttemptView>("/api/quiz/tentative/commencer", &json!({ "assignment": given })).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM quiz_attempts WHERE assignment_id = {given}")).await, 3);
    assert_eq!(my_quiz(&eleve, given).await.submitted, 2);
    assert_eq!(start(&busy, given).await, under_way, "the attempt under way is resumed");

    // A time limit that the attempt under way has already used up closes it with its saved
    // answer: nothing saved is lost.
    app.exec(&format!("UPDATE quiz_attempts SET started_at = started_at - 1800000 WHERE id = {under_way}")).await;
    let m = ok("settings", settings(&prof, given).await).expect("screen");
    ok("shorter", edit(&prof, &m, &[("reglages[duree]", "10")]).await);
    let results: app::quizzes::AssignmentResults =
        ok("results", prof.call_json("/api/quiz/resultats", &json!({ "assignment": given })).await);
    let busy_id = app.user_id(&others[0]).await;
    let r = results.students.iter().find(|s| s.result.student.0 == busy_id).expect("a result");
    assert_eq!((r.result.status, r.result.score), (ResultStatus::Submitted, Some(2.0)));

    // Withdrawing once students started: deleting is refused and deletes nothing; closing
    // keeps every attempt and result, and students see it closed.
    let (status, result) = prof.call::<()>("/api/quiz/formulaire/devoir/supprimer", &[("devoir", &devoir)]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(matches!(&result, Err(AppError::Conflict(m)) if m.contains("Clore maintenant")), "{result:?}");
    let (status, result) = prof.call::<()>("/api/quiz/formulaire/devoir/clore", &[("devoir", &devoir)]).await;
    assert_eq!((status, result), (StatusCode::OK, Ok(())));
    let m = ok("settings", settings(&prof, given).await).expect("screen");
    assert!(m.closed);
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM quiz_attempts WHERE assignment_id = {given}")).await, 3);
    assert_eq!(my_quiz(&eleve, given).await.state, MyQuizState::Closed);
    let (status, _) =
        busy.call_json::<AttemptView>("/api/quiz/tentative/commencer", &json!({ "assignment": given })).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, result) = prof.call::<()>("/api/quiz/formulaire/devoir/clore", &[("devoir", &devoir)]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{result:?}");

    // An assignment nobody started is deleted.
    let (_, unstarted, _) = given_quiz(&app, &prof, "1").await;
    let (status, result) =
        prof.call::<()>("/api/quiz/formulaire/devoir/supprimer", &[("devoir", &unstarted.to_string())]).await;
    assert_eq!((status, result), (StatusCode::OK, Ok(())));
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM quiz_assignments WHERE id = {unstarted}")).await, 0);
}
