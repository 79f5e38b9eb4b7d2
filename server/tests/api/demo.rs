//! The demo school is alive on the day it is created: a family's first screens show recent
//! grades, the bulletins of the trimesters already over, and a quiz due this week.

use crate::helpers::spawn_app;
use app::bulletins::api::BulletinPage;
use app::grades::api::StudentGrades;
use app::quizzes::MyQuiz;

const DAY_MS: i64 = 24 * 3600 * 1000;

#[tokio::test]
async fn the_demo_school_follows_the_day_it_is_created() {
    let app = spawn_app().await;
    let now = app::server::db::now_ms();
    let today = domain::paris::today_iso(now);
    let parent = app.login_as("demo.parent").await;
    let eleve = app.user_id("demo.eleve").await.to_string();

    // The grades page opens on the trimester under way, which holds grades of the last three
    // weeks (none dated after today).
    let grades: StudentGrades =
        parent.call("/api/notes/eleve", &[("eleve", eleve.as_str())]).await.1.expect("grades page");
    let current = grades.period.clone().expect("a period is shown");
    assert_eq!(app::grades::db::current_period(&grades.periods, &today).map(|p| p.id), Some(current.id));
    let marks: usize = grades.subjects.iter().map(|s| s.grades.len()).sum();
    assert_eq!(marks, 24, "3 evaluations in each of 8 subjects: {grades:?}");
    assert!(grades.general_average.is_some());
    let (first, last): (String, String) = sqlx::query_as(
        "SELECT MIN(held_on), MAX(held_on) FROM evaluations e JOIN classes c ON c.id = e.class_id
         WHERE e.period_id = $1 AND c.name = '4e C'",
    )
    .bind(current.id.0)
    .fetch_one(&app.db)
    .await
    .expect("dates");
    let three_weeks_ago = domain::paris::today_iso(now - 21 * DAY_MS);
    assert!(first >= three_weeks_ago.max(current.starts_on.clone()), "{first} is not recent");
    assert!(last <= today.clone().max(current.starts_on.clone()), "{last} is after {today}");

    // Every trimester before it is closed, with its 75 bulletins issued; the family lands on
    // the latest one. The trimester under way and those after it are open.
    let position = grades.periods.iter().position(|p| p.id == current.id).expect("listed");
    for (n, period) in grades.periods.iter().enumerate() {
        let closed = format!("SELECT COUNT(*) FROM periods WHERE id = {} AND closed_at IS NOT NULL", period.id.0);
        let bulletins = format!("SELECT COUNT(*) FROM bulletins WHERE period_id = {}", period.id.0);
        let over = n < position;
        assert_eq!(app.count(&closed).await, i64::from(over), "{}", period.label);
        assert_eq!(app.count(&bulletins).await, if over { 75 } else { 0 }, "{}", period.label);
    }
    let landing: BulletinPage =
        parent.call("/api/bulletins/eleve", &[("eleve", eleve.as_str())]).await.1.expect("bulletin page");
    if position > 0 {
        assert_eq!(landing.period.map(|p| p.id), Some(grades.periods[position - 1].id));
        let bulletin = landing.bulletin.expect("the last issued bulletin");
        assert!(bulletin.issued_on.is_some() && bulletin.general_appreciation.is_some(), "{bulletin:?}");
    }

    // The revision quiz is due on a Friday at 18:00, two to nine days from now.
    let student = app.login_as("demo.eleve").await;
    let quizzes: Vec<MyQuiz> = student.call("/api/quiz/mes-quiz", &[]).await.1.expect("my quizzes");
    let quiz = quizzes.iter().find(|q| q.title == app::server::demo::DEMO_QUIZ_TITLE).expect("the demo quiz");
    assert!(quiz.opens_at <= now && quiz.closes_at > now + 2 * DAY_MS && quiz.closes_at < now + 9 * DAY_MS);
    assert_eq!(domain::paris::format_time(quiz.closes_at), "18:00");
}
