//! Bulletins through the real API: appréciations, closing a period (grades and appréciations
//! frozen, bulletins issued and published to families, PDF), reopening it, and who may read
//! or write what.

use crate::helpers::{Session, TestApp, demo_day, spawn_app};
use crate::permissions::second_establishment;
use app::bulletins::api::{AppreciationSheet, BulletinPage};
use app::error::AppError;
use app::grades::api::{SavedGrade, StudentGrades};
use reqwest::{StatusCode, header};

struct Demo {
    class_4c: String,
    class_6a: String,
    french: String,
    maths: String,
    term1: String,
    eleve: String,
    student_6a: String,
}

async fn demo(app: &TestApp) -> Demo {
    app.reopen_demo_periods().await;
    let id = |sql: String| async move { app.count(&sql).await.to_string() };
    Demo {
        class_4c: format!("c:{}", app.unit_id("classes", "0671234A", "4e C").await),
        class_6a: format!("c:{}", app.unit_id("classes", "0671234A", "6e A").await),
        french: id("SELECT id FROM subjects WHERE name = 'Français'".into()).await,
        maths: id("SELECT id FROM subjects WHERE name = 'Mathématiques'".into()).await,
        term1: id("SELECT id FROM periods WHERE label = 'Trimestre 1'".into()).await,
        eleve: app.user_id("demo.eleve").await.to_string(),
        student_6a: id("SELECT MIN(cs.student_id) FROM class_students cs JOIN classes c ON c.id = cs.class_id \
                        WHERE c.name = '6e A'"
            .into())
        .await,
    }
}

/// A French evaluation in 4e C, first trimester, dated 20 November, /20, coefficient 1.
async fn french_evaluation(prof: &Session, d: &Demo, title: &str) -> i64 {
    let day = demo_day(0, "11-20");
    let form = [
        ("unite", d.class_4c.as_str()),
        ("matiere", &d.french),
        ("periode", &d.term1),
        ("titre", title),
        ("date", day.as_str()),
        ("bareme", "20"),
        ("coefficient", "1"),
        ("prise_en_compte", "normal"),
    ];
    prof.call("/api/notes/evaluation/creer", &form).await.1.expect("evaluation")
}

async fn bulletin(s: &Session, student: &str, period: &str) -> (StatusCode, Result<BulletinPage, AppError>) {
    s.call("/api/bulletins/eleve", &[("eleve", student), ("periode", period)]).await
}

async fn set_closed(s: &Session, period: &str, close: bool) -> (StatusCode, Result<usize, AppError>) {
    s.call("/api/bulletins/periode", &[("periode", period), ("cloturer", if close { "1" } else { "0" })]).await
}

async fn save_appreciations(
    s: &Session,
    unit: &str,
    subject: &str,
    period: &str,
    texts: &[(&str, &str)],
) -> (StatusCode, Result<usize, AppError>) {
    let keys: Vec<String> = texts.iter().map(|(student, _)| format!("appreciations[{student}]")).collect();
    let mut form = vec![("unite", unit), ("matiere", subject), ("periode", period)];
    for (key, (_, text)) in keys.iter().zip(texts) {
        form.push((key, text));
    }
    s.call("/api/bulletins/appreciations/enregistrer", &form).await
}

async fn pdf(s: &Session, app: &TestApp, student: &str, period: &str) -> reqwest::Response {
    s.http.get(app.url(&format!("/bulletin.pdf?eleve={student}&periode={period}"))).send().await.expect("pdf answered")
}

#[tokio::test]
async fn closing_a_period_freezes_grades_and_publishes_the_bulletins_to_families() {
    let app = spawn_app().await;
    let d = demo(&app).await;
    let prof = app.login_as("demo.prof").await;
    let parent = app.login_as("demo.parent").await;
    let direction = app.login_as("demo.direction").await;

    // Before closing: the family is told when, staff read a provisional bulletin.
    let page = bulletin(&parent, &d.eleve, &d.term1).await.1.expect("page");
    assert!(page.bulletin.is_none());
    assert!(page.absent_reason.as_deref().is_some_and(|r| r.contains("après le conseil de classe")), "{page:?}");
    let provisional = bulletin(&direction, &d.eleve, &d.term1).await.1.expect("page").bulletin.expect("provisional");
    assert_eq!(provisional.issued_on, None);
    assert_eq!(provisional.class_name, "4e C");
    assert_eq!(provisional.head_teacher.as_deref(), Some("Claire Fontaine"));
    let french = provisional.subjects.iter().find(|s| s.name == "Français").expect("French line");
    assert!(french.appreciation.is_some() && french.average.is_some() && french.class_min.is_some());

    // The professeur principal writes the general appréciation; too long refuses it all.
    let long = "a".repeat(app::bulletins::api::APPRECIATION_MAX_CHARS + 1);
    let (status, r) =
        save_appreciations(&prof, &d.class_4c, "0", &d.term1, &[(&d.eleve, "Bien."), (&d.student_6a, "x")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a student outside the class: {r:?}");
    let (status, r) = save_appreciations(&prof, &d.class_4c, "0", &d.term1, &[(&d.eleve, &long)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(matches!(r, Err(AppError::Invalid { reason, .. }) if reason.contains("601 caractères, 600 au plus")));
    let general = "Trimestre sérieux, le conseil encourage Léo à poursuivre.";
    assert_eq!(save_appreciations(&prof, &d.class_4c, "0", &d.term1, &[(&d.eleve, general)]).await.1.ok(), Some(1));

    // A grade entered today, not yet published at 18:00, goes into the bulletin at closing.
    let evaluation = french_evaluation(&prof, &d, "Rédaction").await;
    let save = |note: &'static str| {
        let (prof, eleve) = (&prof, d.eleve.clone());
        async move {
            prof.call::<SavedGrade>(
                "/api/notes/saisir",
                &[("evaluation", evaluation.to_string().as_str()), ("eleve", &eleve), ("note", note)],
            )
            .await
        }
    };
    assert_eq!(save("19").await.0, StatusCode::OK);

    // Only direction closes.
    assert_eq!(set_closed(&prof, &d.term1, true).await.0, StatusCode::FORBIDDEN);
    assert_eq!(set_closed(&parent, &d.term1, true).await.0, StatusCode::FORBIDDEN);
    let (status, issued) = set_closed(&direction, &d.term1, true).await;
    assert_eq!((status, issued.ok()), (StatusCode::OK, Some(75)));
    assert_eq!(set_closed(&direction, &d.term1, true).await.0, StatusCode::CONFLICT);

    // Frozen: marks, evaluations and appréciations of the period are refused, and nothing moves.
    let (status, r) = save("5").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(r.err().is_some_and(|e| e.message().contains("est close")));
    let points = format!("SELECT points FROM grades WHERE evaluation_id = {evaluation} AND student_id = {}", d.eleve);
    assert_eq!(app.count(&points).await, 1900);
    let (status, _) = save_appreciations(&prof, &d.class_4c, &d.french, &d.term1, &[(&d.eleve, "Changé")]).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The family now reads the issued bulletin, consistent with the grades page.
    let page = bulletin(&parent, &d.eleve, &d.term1).await.1.expect("page");
    let issued = page.bulletin.expect("published bulletin");
    assert!(issued.issued_on.is_some());
    assert_eq!(issued.general_appreciation.as_deref(), Some(general));
    let grades: StudentGrades =
        parent.call("/api/notes/eleve", &[("eleve", d.eleve.as_str()), ("periode", &d.term1)]).await.1.expect("grades");
    assert!(grades.pending.is_none(), "closing publishes every grade of the period");
    assert_eq!(issued.general_average, grades.general_average);
    assert_eq!(page.chart_periods, ["Trimestre 1"]);
    assert!(page.chart.iter().any(|(name, values)| name == "Français" && values[0].is_some()));

    // Without a period asked, a family lands on the bulletin just published, even once the
    // next trimester has begun; staff land on the current period.
    let landing: BulletinPage =
        parent.call("/api/bulletins/eleve", &[("eleve", d.eleve.as_str())]).await.1.expect("page");
    assert_eq!(landing.period.map(|p| p.label).as_deref(), Some("Trimestre 1"));
    assert!(landing.bulletin.is_some_and(|b| b.issued_on.is_some()));
    let staff: BulletinPage =
        direction.call("/api/bulletins/eleve", &[("eleve", d.eleve.as_str())]).await.1.expect("page");
    let today = domain::paris::today_iso(app::server::db::now_ms());
    let current = app::grades::db::current_period(&staff.periods, &today).map(|p| p.label);
    assert_eq!(staff.period.map(|p| p.label), current);

    // The PDF, to the family only for their own child.
    let res = pdf(&parent, &app, &d.eleve, &d.term1).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store", "no cache keeps a child's bulletin");
    assert!(
        res.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap_or("")
            .contains("bulletin-trimestre-1-leo-garnier.pdf")
    );
    assert!(res.bytes().await.expect("body").starts_with(b"%PDF-"));
    let eleve = app.login_as("demo.eleve").await;
    assert_eq!(pdf(&eleve, &app, &d.student_6a, &d.term1).await.status(), StatusCode::FORBIDDEN);
    let anonymous = app.session();
    let res = anonymous.http.get(app.url(&format!("/bulletin.pdf?eleve={}", d.eleve))).send().await.expect("answer");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to_login = res.headers()[reqwest::header::LOCATION].to_str().expect("location").to_string();
    assert_eq!(to_login, "/connexion?suivant=/bulletin", "back to the bulletin page after login");

    // Reopening withdraws the bulletins and unfreezes the period, both audited.
    assert_eq!(set_closed(&direction, &d.term1, false).await.1.ok(), Some(75));
    assert!(bulletin(&parent, &d.eleve, &d.term1).await.1.expect("page").bulletin.is_none());
    assert_eq!(save("18").await.0, StatusCode::OK);
    for action in ["period_closed", "period_reopened"] {
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}'")).await, 1);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'appreciation'").await, 1);
}

#[tokio::test]
async fn bulletins_and_appreciations_are_read_and_written_on_a_need_to_know_basis() {
    let app = spawn_app().await;
    let d = demo(&app).await;
    let prof = app.login_as("demo.prof").await;

    // Appréciation sheets: the teacher's own subject, the general one of the class they head.
    let sheet = |unit: &str, subject: &str| {
        let form = [
            ("unite".to_string(), unit.to_string()),
            ("matiere".into(), subject.to_string()),
            ("periode".into(), d.term1.clone()),
        ];
        let prof = &prof;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            prof.call::<AppreciationSheet>("/api/bulletins/appreciations", &form).await
        }
    };
    let (status, own) = sheet(&d.class_4c, &d.french).await;
    assert_eq!(status, StatusCode::OK);
    let own = own.expect("sheet");
    assert_eq!(own.rows.len(), 25);
    assert!(own.rows.iter().all(|r| !r.text.is_empty()), "the demo's French appréciations");
    assert_eq!(sheet(&d.class_4c, "0").await.0, StatusCode::OK);
    assert_eq!(sheet(&d.class_4c, &d.maths).await.0, StatusCode::FORBIDDEN);
    assert_eq!(sheet(&d.class_6a, "0").await.0, StatusCode::FORBIDDEN, "not their class as principal");
    let (status, _) = save_appreciations(&prof, &d.class_6a, "0", &d.term1, &[(&d.student_6a, "Bien")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Reading a bulletin before publication: staff following the student only.
    let expectations = [
        ("demo.prof", &d.eleve, 200, true),
        ("demo.prof", &d.student_6a, 403, false),
        ("demo.viesco", &d.student_6a, 200, true),
        ("demo.eleve", &d.eleve, 200, false),
        ("demo.eleve", &d.student_6a, 403, false),
        ("demo.parent", &d.eleve, 200, false),
        ("demo.admin", &d.eleve, 403, false),
    ];
    for (who, student, code, sees_bulletin) in expectations {
        let s = app.login_as(who).await;
        let (status, page) = bulletin(&s, student, &d.term1).await;
        assert_eq!(status.as_u16(), code, "{who} reading {student}");
        assert_eq!(page.ok().and_then(|p| p.bulletin).is_some(), sees_bulletin, "{who} reading {student}");
    }

    // Another establishment gets nothing, whatever ids it tries.
    let (admin2, _, other_student) = second_establishment(&app).await;
    assert_eq!(bulletin(&admin2, &d.eleve, &d.term1).await.0, StatusCode::FORBIDDEN);
    assert_eq!(set_closed(&admin2, &d.term1, true).await.0, StatusCode::FORBIDDEN);
    assert_eq!(pdf(&admin2, &app, &d.eleve, &d.term1).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(bulletin(&prof, &other_student.to_string(), &d.term1).await.0, StatusCode::FORBIDDEN);
    let direction = app.login_as("demo.direction").await;
    assert_eq!(bulletin(&direction, &other_student.to_string(), &d.term1).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT COUNT(*) FROM periods WHERE closed_at IS NOT NULL").await, 0);
}

#[tokio::test]
async fn no_grade_reaches_families_while_the_class_council_sits() {
    let app = spawn_app().await;
    let d = demo(&app).await;
    let direction = app.login_as("demo.direction").await;
    let prof = app.login_as("demo.prof").await;
    let parent = app.login_as("demo.parent").await;
    let class_4c = &d.class_4c[2..];
    let (date, start, end) = (format!("date[{class_4c}]"), format!("debut[{class_4c}]"), format!("fin[{class_4c}]"));
    let schedule = |s: &'static str, e: &'static str| {
        let form = [
            ("periode".to_string(), d.term1.clone()),
            (date.clone(), demo_day(0, "12-01")),
            (start.clone(), s.to_string()),
            (end.clone(), e.to_string()),
        ];
        let direction = &direction;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            direction.call::<usize>("/api/bulletins/conseils/enregistrer", &form).await
        }
    };

    // Direction schedules councils; mistakes are named by class and nothing is saved.
    for (s, e, expected) in [
        ("19:00", "17:30", "4e C : la fin doit suivre le début"),
        ("13:00", "18:30", "au plus 4 heures"),
        ("17:30", "", "indiquez la date"),
        ("25:00", "26:00", "L'heure s'écrit"),
    ] {
        let (status, r) = schedule(s, e).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{s}-{e}");
        assert!(matches!(&r, Err(AppError::Invalid { reason, .. }) if reason.contains(expected)), "{s}-{e}: {r:?}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM class_councils").await, 0);
    assert_eq!(schedule("17:30", "19:00").await.1.ok(), Some(1));
    let sheet: app::bulletins::api::CouncilSheet =
        direction.call("/api/bulletins/conseils", &[("periode", d.term1.as_str())]).await.1.expect("sheet");
    let row = sheet.rows.iter().find(|r| r.class_name == "4e C").expect("4e C");
    let (first, second) = (demo_day(0, "12-01"), demo_day(0, "12-02"));
    assert_eq!((row.date.as_str(), row.start.as_str(), row.end.as_str()), (first.as_str(), "17:30", "19:00"));
    let form = [("periode", d.term1.as_str()), (&date, second.as_str()), (&start, "17:00"), (&end, "18:00")];
    let (status, _) = prof.call::<usize>("/api/bulletins/conseils/enregistrer", &form).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The council sits now: a grade published immediately waits for its end.
    sqlx::query("UPDATE establishments SET grade_publication_hour = NULL").execute(&app.db).await.expect("immediate");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis() as i64;
    let council_end = now + 3_600_000;
    sqlx::query("UPDATE class_councils SET starts_at = $1, ends_at = $2")
        .bind(now - 3_600_000)
        .bind(council_end)
        .execute(&app.db)
        .await
        .expect("council now");
    let evaluation = french_evaluation(&prof, &d, "Récitation").await;
    let (status, _) = prof
        .call::<SavedGrade>(
            "/api/notes/saisir",
            &[("evaluation", evaluation.to_string().as_str()), ("eleve", &d.eleve), ("note", "17")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let seen = |page: &StudentGrades| page.subjects.iter().flat_map(|s| &s.grades).any(|g| g.title == "Récitation");
    let page: StudentGrades =
        parent.call("/api/notes/eleve", &[("eleve", d.eleve.as_str()), ("periode", &d.term1)]).await.1.expect("grades");
    assert!(!seen(&page));
    let pending = page.pending.expect("announced");
    assert!(pending.contains(&domain::paris::format_datetime(council_end)), "{pending}");

    // Once the council has ended, it is there.
    sqlx::query("UPDATE class_councils SET starts_at = $1, ends_at = $2")
        .bind(now - 7_200_000)
        .bind(now - 3_600_000)
        .execute(&app.db)
        .await
        .expect("council over");
    let page: StudentGrades =
        parent.call("/api/notes/eleve", &[("eleve", d.eleve.as_str()), ("periode", &d.term1)]).await.1.expect("grades");
    assert!(seen(&page) && page.pending.is_none());
}

#[tokio::test]
async fn a_page_fetches_and_embeds_its_data_once() {
    // On the server a Suspense walks its children several times; a page built inside the
    // frame's Suspense used to load its data, and serialise it into the HTML, once per walk.
    let app = spawn_app().await;
    let parent = app.login_as("demo.parent").await;
    let res = parent.get("/bulletin").await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.expect("page");
    assert!(html.contains("Garnier"), "the page renders the child's bulletin page");
    // `absent_reason` is a field of the page's data alone (an issued bulletin, which the
    // family may land on, names the student too).
    assert_eq!(html.matches("absent_reason").count(), 1, "the bulletin page's data, once");
    assert_eq!(html.matches("__RESOLVED_RESOURCES[").count(), 2, "who is logged in, and the page's data");
}
