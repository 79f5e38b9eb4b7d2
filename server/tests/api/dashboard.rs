//! The dashboard shows each role what matters today, through the real API: a family sees each
//! child's latest published marks, latest bulletin and work due; a student the same for
//! themselves; a teacher the evaluations with marks still to enter and the copies to correct.

use crate::helpers::{Session, TestApp, spawn_app};
use crate::quiz_results::{grade, grading_form, taken};
use app::dashboard::model::{ChildCard, Dashboard, FollowUp, RECENT_GRADES_SHOWN, TODO_SHOWN, TeacherTodo};
use app::grades::api::StudentGrades;
use app::quizzes::{AttemptResult, AttemptView, MyQuiz};
use reqwest::StatusCode;
use serde_json::json;

const DAY_MS: i64 = 24 * 3600 * 1000;

async fn dashboard(s: &Session) -> Dashboard {
    let (status, d) = s.call::<Dashboard>("/api/tableau_de_bord", &[]).await;
    assert_eq!(status, StatusCode::OK, "{d:?}");
    d.expect("the dashboard")
}

async fn child_follow_up(app: &TestApp, parent: &Session, username: &str) -> FollowUp {
    let id = app.user_id(username).await;
    let children = dashboard(parent).await.children.expect("a family's children");
    let card: &ChildCard = children.iter().find(|c| c.id.0 == id).expect("the child's card");
    card.follow.clone().expect("the child's day")
}

/// "23/11/2026" → "2026-11-23", to compare dates.
fn iso(fr: &str) -> String {
    fr.split('/').rev().collect::<Vec<_>>().join("-")
}

#[tokio::test]
async fn a_family_sees_each_childs_latest_published_marks_bulletin_and_work_due() {
    let app = spawn_app().await;
    let now = app::server::db::now_ms();
    let parent = app.login_as("demo.parent").await;
    let eleve = app.user_id("demo.eleve").await.to_string();
    let grades: StudentGrades =
        parent.call("/api/notes/eleve", &[("eleve", eleve.as_str())]).await.1.expect("grades page");
    let follow = child_follow_up(&app, &parent, "demo.eleve").await;

    // The five latest marks of the period under way, each as the grades page shows it.
    let current = grades.period.clone().expect("a period under way");
    assert_eq!(follow.period.as_deref(), Some(current.label.as_str()));
    assert_eq!(follow.recent_grades.len(), RECENT_GRADES_SHOWN, "{follow:?}");
    for g in &follow.recent_grades {
        let subject = grades.subjects.iter().find(|s| s.name == g.subject).expect("a subject of the page");
        assert!(
            subject.grades.iter().any(|l| l.title == g.title && l.mark == g.mark && l.held_on == g.held_on),
            "{g:?} is not on the grades page: {subject:?}"
        );
    }
    let dates: Vec<String> = follow.recent_grades.iter().map(|g| iso(&g.held_on)).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "latest first: {dates:?}");
    let latest_on_page = grades.subjects.iter().flat_map(|s| &s.grades).map(|l| iso(&l.held_on)).max();
    assert_eq!(Some(dates[0].clone()), latest_on_page);

    // A mark not yet published leaves the list; the next one takes its place.
    let hidden = follow.recent_grades[0].clone();
    app.exec(&format!(
        "UPDATE evaluations SET publish_at = {} WHERE period_id = {} AND title = '{}' AND held_on = '{}'
         AND subject_id = (SELECT id FROM subjects WHERE name = '{}')",
        now + DAY_MS,
        current.id.0,
        hidden.title.replace('\'', "''"),
        iso(&hidden.held_on),
        hidden.subject.replace('\'', "''"),
    ))
    .await;
    let after = child_follow_up(&app, &parent, "demo.eleve").await;
    assert_eq!(after.recent_grades.len(), RECENT_GRADES_SHOWN);
    assert!(!after.recent_grades.contains(&hidden), "{hidden:?} is not published yet: {after:?}");

    // The latest bulletin issued: the trimester before the one under way, if any.
    let position = grades.periods.iter().position(|p| p.id == current.id).expect("listed");
    let expected = position.checked_sub(1).map(|i| (grades.periods[i].id, grades.periods[i].label.clone()));
    assert_eq!(follow.latest_bulletin.as_ref().map(|b| (b.period, b.label.clone())), expected);

    // The demo's revision quiz is due, with its closing time; started, it stays due (marked
    // so); handed in, it is no longer due.
    let student = app.login_as("demo.eleve").await;
    let quizzes: Vec<MyQuiz> = student.call("/api/quiz/mes-quiz", &[]).await.1.expect("my quizzes");
    let quiz = quizzes.iter().find(|q| q.title == app::server::demo::DEMO_QUIZ_TITLE).expect("the demo quiz");
    let due = follow.due.iter().find(|d| d.assignment == quiz.assignment).expect("the quiz is due");
    assert_eq!(due.due, domain::paris::format_datetime(quiz.closes_at));
    assert!(!due.started);
    let (status, view) = student
        .call_json::<AttemptView>("/api/quiz/tentative/commencer", &json!({ "assignment": quiz.assignment }))
        .await;
    assert_eq!(status, StatusCode::OK, "{view:?}");
    let follow = child_follow_up(&app, &parent, "demo.eleve").await;
    assert!(follow.due.iter().any(|d| d.assignment == quiz.assignment && d.started), "{follow:?}");
    let attempt = view.expect("an attempt").attempt;
    let (status, result) =
        student.call_json::<AttemptResult>("/api/quiz/tentative/rendre", &json!({ "attempt": attempt })).await;
    assert_eq!(status, StatusCode::OK, "{result:?}");
    let follow = child_follow_up(&app, &parent, "demo.eleve").await;
    assert!(follow.due.iter().all(|d| d.assignment != quiz.assignment), "handed in: {follow:?}");

    // The student's own dashboard shows the same day.
    let own = dashboard(&student).await.student.expect("the student's section").follow.expect("their day");
    assert_eq!(own, follow);
    // A teacher's dashboard holds no student's day.
    let prof = dashboard(&app.login_as("demo.prof").await).await;
    assert_eq!((prof.student, prof.children), (None, None));
}

#[tokio::test]
async fn a_teacher_sees_the_marks_to_enter_and_the_copies_to_correct() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let todo = |d: Dashboard| -> TeacherTodo { d.todo.expect("a teacher's work waiting") };
    let before = todo(dashboard(&prof).await);
    assert_eq!((before.to_enter.len(), before.more_to_enter), (0, 0), "the demo's marks are all entered: {before:?}");
    assert_eq!(before.to_correct, Vec::new());

    // An evaluation held today in 4e C: every student of the class is missing a mark, then
    // one fewer once a mark is entered. One held tomorrow is not waiting yet.
    let now = app::server::db::now_ms();
    let period: (i64, String) = sqlx::query_as(&format!(
        "SELECT id, starts_on FROM periods WHERE starts_on <= '{today}' AND ends_on >= '{today}'",
        today = domain::paris::today_iso(now)
    ))
    .fetch_one(&app.db)
    .await
    .expect("the period under way");
    let class = app.unit_id("classes", "0671234A", "4e C").await;
    let french = app.count("SELECT id FROM subjects WHERE name = 'Français'").await;
    let create = |title: &'static str, day: String| {
        let (class, french, period) = (format!("c:{class}"), french.to_string(), period.0.to_string());
        let prof = &prof;
        async move {
            let form = [
                ("unite", class.as_str()),
                ("matiere", french.as_str()),
                ("periode", period.as_str()),
                ("titre", title),
                ("date", day.as_str()),
                ("bareme", "20"),
                ("coefficient", "1"),
                ("prise_en_compte", "normal"),
            ];
            let (status, id) = prof.call::<i64>("/api/notes/evaluation/creer", &form).await;
            assert_eq!(status, StatusCode::OK, "{id:?}");
            id.expect("an evaluation")
        }
    };
    let today = domain::paris::today_iso(now).max(period.1.clone());
    let held = create("Dictée", today.clone()).await;
    create("Rédaction", domain::paris::today_iso(now + DAY_MS).max(period.1.clone())).await;
    let roster = app.count(&format!("SELECT COUNT(*) FROM class_students WHERE class_id = {class}")).await;
    let waiting = todo(dashboard(&prof).await).to_enter;
    let titles: Vec<&str> = waiting.iter().map(|e| e.title.as_str()).collect();
    let expected_titles =
        if today == domain::paris::today_iso(now) { vec!["Dictée"] } else { vec!["Dictée", "Rédaction"] };
    assert_eq!(titles, expected_titles, "{waiting:?}");
    let line = &waiting[0];
    assert_eq!((line.unit.as_str(), line.subject.as_str(), line.missing), ("4e C", "Français", roster));
    assert_eq!(line.held_on, domain::paris::format_date(&today));
    assert_eq!(line.href, format!("/carnet-de-notes/saisie?unite=c:{class}&matiere={french}&periode={}", period.0));
    let eleve = app.user_id("demo.eleve").await.to_string();
    let (status, saved) = prof
        .call::<app::grades::api::SavedGrade>(
            "/api/notes/saisir",
            &[("evaluation", held.to_string().as_str()), ("eleve", eleve.as_str()), ("note", "15")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved:?}");
    assert_eq!(todo(dashboard(&prof).await).to_enter[0].missing, roster - 1);
    // Beyond TODO_SHOWN evaluations, the rest is counted.
    for _ in 0..TODO_SHOWN {
        create("Dictée", today.clone()).await;
    }
    let more = todo(dashboard(&prof).await);
    let total = expected_titles.len() + TODO_SHOWN;
    assert_eq!((more.to_enter.len(), more.more_to_enter), (TODO_SHOWN, total - TODO_SHOWN));
    // A colleague who teaches 4e C another subject does not see it.
    app.give_password("marc.lemoine").await;
    let other = app.login_as("marc.lemoine").await;
    let theirs = todo(dashboard(&other).await);
    assert!(theirs.to_enter.iter().all(|e| e.title != "Dictée"), "{theirs:?}");

    // A quiz with an open question, handed in by three students, two of whom wrote an answer:
    // two copies to correct, none once both are graded.
    let t = taken(&app, &prof).await;
    let waiting = todo(dashboard(&prof).await).to_correct;
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(
        (waiting[0].assignment.0, waiting[0].title.as_str(), waiting[0].unit.as_str()),
        (t.assignment, "Bilan", "4e C")
    );
    assert_eq!(waiting[0].copies, 2);
    let (status, graded) =
        grade(&prof, &grading_form(t.assignment, t.essay, &[(t.eleve, "2", ""), (t.eleve2, "0,5", "")])).await;
    assert_eq!(status, StatusCode::OK, "{graded:?}");
    assert_eq!(todo(dashboard(&prof).await).to_correct, Vec::new());
}
