//! Grades through the real API: a teacher creates an evaluation and enters marks, every
//! change is audited, families see marks only once published, with the calculation; and
//! nobody grades or reads outside what they teach or are linked to.

use crate::helpers::{Session, TestApp, demo_day, spawn_app};
use crate::permissions::second_establishment;
use app::error::AppError;
use app::grades::api::{GradeBook, SavedGrade, StudentGrades};
use reqwest::{StatusCode, header};

/// Ids the tests need from the demo school.
struct Demo {
    class_4c: String,
    class_6a: String,
    french: String,
    maths: String,
    term1: String,
    term2: String,
    eleve: String,
    classmate: String,
    student_6a: String,
}

async fn demo(app: &TestApp) -> Demo {
    app.reopen_demo_periods().await;
    let subject = |name: &'static str| format!("SELECT id FROM subjects WHERE name = '{name}'");
    let period = |label: &'static str| format!("SELECT id FROM periods WHERE label = '{label}'");
    let in_class = |class: &'static str| {
        format!(
            "SELECT MIN(u.id) FROM users u JOIN class_students cs ON cs.student_id = u.id JOIN classes c ON c.id = cs.class_id \
             WHERE c.name = '{class}' AND u.username <> 'demo.eleve'"
        )
    };
    Demo {
        class_4c: format!("c:{}", app.unit_id("classes", "0671234A", "4e C").await),
        class_6a: format!("c:{}", app.unit_id("classes", "0671234A", "6e A").await),
        french: app.count(&subject("Français")).await.to_string(),
        maths: app.count(&subject("Mathématiques")).await.to_string(),
        term1: app.count(&period("Trimestre 1")).await.to_string(),
        term2: app.count(&period("Trimestre 2")).await.to_string(),
        eleve: app.user_id("demo.eleve").await.to_string(),
        classmate: app.count(&in_class("4e C")).await.to_string(),
        student_6a: app.count(&in_class("6e A")).await.to_string(),
    }
}

async fn create(
    s: &Session,
    unit: &str,
    subject: &str,
    period: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, Result<i64, AppError>) {
    let day = demo_day(0, "11-20");
    let mut form = vec![("unite", unit), ("matiere", subject), ("periode", period)];
    let defaults = [
        ("titre", "Dictée"),
        ("date", day.as_str()),
        ("bareme", "20"),
        ("coefficient", "2"),
        ("prise_en_compte", "normal"),
    ];
    for (k, v) in defaults {
        form.push((k, fields.iter().find(|(f, _)| *f == k).map(|(_, v)| *v).unwrap_or(v)));
    }
    s.call::<i64>("/api/notes/evaluation/creer", &form).await
}

async fn save(s: &Session, evaluation: i64, student: &str, note: &str) -> (StatusCode, Result<SavedGrade, AppError>) {
    s.call("/api/notes/saisir", &[("evaluation", &evaluation.to_string()), ("eleve", student), ("note", note)]).await
}

async fn grades_of(s: &Session, student: &str, period: &str) -> (StatusCode, Result<StudentGrades, AppError>) {
    s.call("/api/notes/eleve", &[("eleve", student), ("periode", period)]).await
}

fn reason(result: Result<impl std::fmt::Debug, AppError>) -> String {
    match result {
        Err(AppError::Invalid { reason, .. }) => reason,
        other => panic!("expected a refusal with a reason, got {other:?}"),
    }
}

#[tokio::test]
async fn a_teacher_enters_grades_and_the_family_sees_them_once_published_with_the_calculation() {
    let app = spawn_app().await;
    let d = demo(&app).await;
    let prof = app.login_as("demo.prof").await;
    let (status, evaluation) = create(&prof, &d.class_4c, &d.french, &d.term1, &[]).await;
    assert_eq!(status, StatusCode::OK, "{evaluation:?}");
    let evaluation = evaluation.expect("evaluation id");

    // A mark is read as typed, and normalised.
    let (status, saved) = save(&prof, evaluation, &d.eleve, "15.50").await;
    assert_eq!(status, StatusCode::OK);
    let saved = saved.expect("saved");
    assert_eq!(saved.display, "15,5");
    assert!(saved.average.is_some());

    // Refused entries say why, in French, and change nothing.
    let (status, r) = save(&prof, evaluation, &d.eleve, "25").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reason(r), "La note dépasse le barème : 20 au plus.");
    let (_, r) = save(&prof, evaluation, &d.eleve, "quinze").await;
    assert!(reason(r).contains("n'est pas une note"));
    let stored = format!("SELECT points FROM grades WHERE evaluation_id = {evaluation} AND student_id = {}", d.eleve);
    assert_eq!(app.count(&stored).await, 1550);

    // Every change is audited with the value before and after; an unchanged save is not.
    save(&prof, evaluation, &d.eleve, "Abs").await.1.expect("status saved");
    save(&prof, evaluation, &d.eleve, "abs").await.1.expect("same status again");
    save(&prof, evaluation, &d.eleve, "16").await.1.expect("saved");
    let history: Vec<(String, String)> =
        sqlx::query_as("SELECT old_value, new_value FROM grade_changes WHERE evaluation_id = $1 ORDER BY at, id")
            .bind(evaluation)
            .fetch_all(&app.db)
            .await
            .expect("history");
    let history: Vec<(&str, &str)> = history.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(history, [("", "15,5"), ("15,5", "Abs"), ("Abs", "16")]);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'grade'").await, 3);

    // Direction reads that history on the student's grades page; nobody else gets it.
    let direction = app.login_as("demo.direction").await;
    let page = grades_of(&direction, &d.eleve, &d.term1).await.1.expect("direction's view");
    let line = page.subjects.iter().flat_map(|s| &s.grades).find(|g| g.title == "Dictée").expect("the line");
    assert_eq!(line.history.len(), 3);
    assert!(line.history[0].ends_with("Claire Fontaine : vide → 15,5"), "{:?}", line.history);
    assert!(line.history[2].ends_with(": Abs → 16"), "{:?}", line.history);
    let mine = grades_of(&prof, &d.eleve, &d.term1).await.1.expect("the professeur principal's view");
    assert!(mine.subjects.iter().flat_map(|s| &s.grades).all(|g| g.history.is_empty()));

    // The grade book shows the cell and the student's average.
    let (_, book) = prof
        .call::<GradeBook>(
            "/api/notes/carnet",
            &[("unite", &d.class_4c), ("matiere", &d.french), ("periode", &d.term1)],
        )
        .await;
    let book = book.expect("grade book");
    let col = book.evaluations.iter().position(|e| e.id.0 == evaluation).expect("column");
    let row = book.rows.iter().find(|r| r.student.to_string() == d.eleve).expect("row");
    assert_eq!(row.cells[col], "16");
    assert!(!book.evaluations[col].published, "published at the next 18:00, not at once");

    // Before publication the family sees neither the mark nor its effect, only when it comes.
    let parent = app.login_as("demo.parent").await;
    let (status, page) = grades_of(&parent, &d.eleve, &d.term1).await;
    assert_eq!(status, StatusCode::OK);
    let page = page.expect("grades");
    let french = page.subjects.iter().find(|s| s.name == "Français").expect("French, from the demo");
    assert!(french.grades.iter().all(|g| g.title != "Dictée"));
    assert!(page.pending.as_deref().is_some_and(|p| p.starts_with("1 note saisie")), "{:?}", page.pending);

    // Once published, it is there, and the calculation says how it counts.
    sqlx::query("UPDATE evaluations SET publish_at = 0 WHERE id = $1")
        .bind(evaluation)
        .execute(&app.db)
        .await
        .expect("publish");
    for viewer in [&parent, &app.login_as("demo.eleve").await] {
        let page = grades_of(viewer, &d.eleve, &d.term1).await.1.expect("grades");
        let french = page.subjects.iter().find(|s| s.name == "Français").expect("French");
        let line = french.grades.iter().find(|g| g.title == "Dictée").expect("the new mark");
        assert_eq!(line.mark, "16/20");
        assert!(
            french.calculation.contains(&"Dictée : 16/20 × coefficient 2 = 32 points.".to_string()),
            "{:?}",
            french.calculation
        );
        assert!(french.calculation.last().is_some_and(|l| l.starts_with("Moyenne = (")));
        assert!(page.general_average.is_some() && page.pending.is_none());
        assert!(page.general_calculation.last().is_some_and(|l| l.starts_with("Moyenne générale = ")));
    }

    // Another period has its own grade book.
    let (_, book) = prof
        .call::<GradeBook>(
            "/api/notes/carnet",
            &[("unite", &d.class_4c), ("matiere", &d.french), ("periode", &d.term2)],
        )
        .await;
    let term2 = book.expect("term 2");
    let ids: Vec<i64> = term2.evaluations.iter().map(|e| e.id.0).collect();
    let in_term2 = format!(
        "SELECT COUNT(*) FROM evaluations WHERE period_id = {} AND class_id = {} AND subject_id = {}",
        d.term2,
        d.class_4c.trim_start_matches("c:"),
        d.french
    );
    assert_eq!(ids.len() as i64, app.count(&in_term2).await, "the second trimester's own evaluations");
    assert!(!ids.contains(&evaluation), "the first trimester's evaluation is not in the second's book");
}

#[tokio::test]
async fn publication_follows_the_establishment_setting() {
    let app = spawn_app().await;
    let d = demo(&app).await;
    sqlx::query("UPDATE establishments SET grade_publication_hour = NULL").execute(&app.db).await.expect("setting");
    let prof = app.login_as("demo.prof").await;
    let evaluation = create(&prof, &d.class_4c, &d.french, &d.term1, &[("titre", "Oral")]).await.1.expect("created");
    save(&prof, evaluation, &d.eleve, "12").await.1.expect("saved");
    let page = grades_of(&app.login_as("demo.eleve").await, &d.eleve, &d.term1).await.1.expect("grades");
    let french = page.subjects.iter().find(|s| s.name == "Français").expect("French");
    assert!(french.grades.iter().any(|g| g.title == "Oral" && g.mark == "12/20"));
}

#[tokio::test]
async fn an_evaluation_is_refused_with_a_reason_for_each_bad_field_and_has_a_limit() {
    let app = spawn_app().await;
    let d = demo(&app).await;
    let prof = app.login_as("demo.prof").await;
    let long = "x".repeat(81);
    let january = demo_day(1, "01-15");
    let cases: [(&str, &str, &str); 7] = [
        ("titre", "   ", "Donnez un titre"),
        ("titre", &long, "au plus 80 caractères"),
        ("date", january.as_str(), "doit être dans la période « Trimestre 1 »"),
        ("date", "31/02/2026", "un jour du calendrier"),
        ("bareme", "0", "Le barème va de 1 à 100"),
        ("coefficient", "100", "Le coefficient va de 0 à 99"),
        ("prise_en_compte", "double", "Choisissez comment"),
    ];
    for (field, value, expected) in cases {
        let (status, r) = create(&prof, &d.class_4c, &d.french, &d.term1, &[(field, value)]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}={value}");
        let reason = reason(r);
        assert!(reason.contains(expected), "{field}={value}: {reason}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM evaluations WHERE title = 'Dictée'").await, 0);

    // At most 60 evaluations per grade book and period (3 come from the demo).
    for n in 3..app::grades::api::EVALUATIONS_PER_BOOK_MAX {
        let title = format!("Interrogation {n}");
        create(&prof, &d.class_4c, &d.french, &d.term1, &[("titre", &title)]).await.1.expect("under the limit");
    }
    let (status, r) = create(&prof, &d.class_4c, &d.french, &d.term1, &[("titre", "Une de trop")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reason(r).contains("déjà 60 évaluations"));
}

#[tokio::test]
async fn a_column_is_saved_whole_or_not_at_all_with_or_without_javascript() {
    let app = spawn_app().await;
    let d = demo(&app).await;
    let prof = app.login_as("demo.prof").await;
    let evaluation = create(&prof, &d.class_4c, &d.french, &d.term1, &[]).await.1.expect("created");
    let id = evaluation.to_string();
    let (eleve_key, classmate_key) = (format!("notes[{}]", d.eleve), format!("notes[{}]", d.classmate));

    let (status, r) = prof
        .call::<usize>("/api/notes/colonne", &[("evaluation", &id), (&eleve_key, "12"), (&classmate_key, "21")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let reason = reason(r);
    assert!(reason.starts_with("Rien n'a été enregistré.") && reason.contains("20 au plus"), "{reason}");
    let saved = format!("SELECT COUNT(*) FROM grades WHERE evaluation_id = {evaluation}");
    assert_eq!(app.count(&saved).await, 0);

    let (status, r) = prof
        .call::<usize>("/api/notes/colonne", &[("evaluation", &id), (&eleve_key, "12"), (&classmate_key, "NR")])
        .await;
    assert_eq!((status, r.ok()), (StatusCode::OK, Some(2)));
    assert_eq!(app.count(&saved).await, 2);

    // The grid's form without JavaScript: a plain post, answered by a redirect back.
    let res = prof
        .http
        .post(app.url("/api/notes/colonne"))
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, app.url("/carnet-de-notes/saisie"))
        .form(&[("evaluation", id.as_str()), (eleve_key.as_str(), "13,5"), (classmate_key.as_str(), "")])
        .send()
        .await
        .expect("posted");
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(app.count(&saved).await, 1, "an emptied cell clears its mark");
    let points = format!("SELECT points FROM grades WHERE evaluation_id = {evaluation} AND student_id = {}", d.eleve);
    assert_eq!(app.count(&points).await, 1350);

    // A student of another class cannot be slipped into the column.
    let outsider = format!("notes[{}]", d.student_6a);
    let (status, _) = prof.call::<usize>("/api/notes/colonne", &[("evaluation", &id), (&outsider, "10")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_the_teacher_of_the_subject_grades_and_grades_are_read_on_a_need_to_know_basis() {
    let app = spawn_app().await;
    let d = demo(&app).await;
    let prof = app.login_as("demo.prof").await;

    // French in 6e A is Julien Roth's; demo.prof does not teach maths.
    assert_eq!(create(&prof, &d.class_6a, &d.french, &d.term1, &[]).await.0, StatusCode::FORBIDDEN);
    assert_eq!(create(&prof, &d.class_4c, &d.maths, &d.term1, &[]).await.0, StatusCode::FORBIDDEN);
    let maths_eval = app
        .count(&format!(
            "SELECT MIN(id) FROM evaluations WHERE subject_id = {} AND class_id = {}",
            d.maths,
            &d.class_4c[2..]
        ))
        .await;
    assert_eq!(save(&prof, maths_eval, &d.eleve, "20").await.0, StatusCode::FORBIDDEN);
    let (status, _) = prof
        .call::<GradeBook>("/api/notes/carnet", &[("unite", &d.class_4c), ("matiere", &d.maths), ("periode", &d.term1)])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Their own evaluation accepts only their own students.
    let evaluation = create(&prof, &d.class_4c, &d.french, &d.term1, &[]).await.1.expect("created");
    assert_eq!(save(&prof, evaluation, &d.student_6a, "10").await.0, StatusCode::NOT_FOUND);

    // Reading grades: the student, their guardians, direction, vie scolaire, and the professeur
    // principal of the class (demo.prof heads 4e C; 6e A is not theirs).
    let expectations = [
        ("demo.eleve", &d.eleve, 200),
        ("demo.eleve", &d.classmate, 403),
        ("demo.parent", &d.eleve, 200),
        ("demo.parent", &d.classmate, 403),
        ("demo.prof", &d.eleve, 200),
        ("demo.prof", &d.student_6a, 403),
        ("demo.viesco", &d.eleve, 200),
        ("demo.direction", &d.classmate, 200),
        ("demo.admin", &d.eleve, 403),
    ];
    for (who, student, expected) in expectations {
        let s = app.login_as(who).await;
        let (status, page) = grades_of(&s, student, &d.term1).await;
        assert_eq!(status.as_u16(), expected, "{who} reading {student}");
        assert_eq!(page.is_ok(), expected == 200, "an error carries no data");
    }

    // Another establishment's staff get nothing, whichever ids they try.
    let (admin2, _, other_student) = second_establishment(&app).await;
    assert_eq!(grades_of(&admin2, &d.eleve, &d.term1).await.0, StatusCode::FORBIDDEN);
    assert_eq!(save(&admin2, evaluation, &d.eleve, "0").await.0, StatusCode::FORBIDDEN);
    let (status, _) = admin2
        .call::<GradeBook>(
            "/api/notes/carnet",
            &[("unite", &d.class_4c), ("matiere", &d.french), ("periode", &d.term1)],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = grades_of(&prof, &other_student.to_string(), &d.term1).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let stored = format!("SELECT COUNT(*) FROM grades WHERE evaluation_id = {evaluation}");
    assert_eq!(app.count(&stored).await, 0);
}

#[tokio::test]
async fn a_grade_book_exports_to_csv_and_an_evaluation_imports_from_one_whole_or_not_at_all() {
    let app = spawn_app().await;
    let d = demo(&app).await;
    let prof = app.login_as("demo.prof").await;
    let evaluation = create(&prof, &d.class_4c, &d.french, &d.term1, &[("titre", "Exposé")]).await.1.expect("created");
    let id = evaluation.to_string();
    let saved = format!("SELECT COUNT(*) FROM grades WHERE evaluation_id = {evaluation}");

    // Every problem is named with its line, and nothing is applied.
    let bad = "Nom;Prénom;Note\nGARNIER;Leo;25\nInconnu;Personne;12\n";
    let (status, r) = prof.call::<usize>("/api/notes/import", &[("evaluation", id.as_str()), ("contenu", bad)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let reason = reason(r);
    assert!(
        reason.starts_with("Rien n'a été importé.") && reason.contains("ligne 2") && reason.contains("ligne 3"),
        "{reason}"
    );
    assert_eq!(app.count(&saved).await, 0);

    // A clean file (case and accents ignored) is applied in one go, audited like typed marks.
    let good = "Nom;Prénom;Note\nGARNIER;Leo;14,5\n";
    let (status, r) = prof.call::<usize>("/api/notes/import", &[("evaluation", id.as_str()), ("contenu", good)]).await;
    assert_eq!((status, r.ok()), (StatusCode::OK, Some(1)));
    let points = format!("SELECT points FROM grades WHERE evaluation_id = {evaluation} AND student_id = {}", d.eleve);
    assert_eq!(app.count(&points).await, 1450);
    assert_eq!(app.count("SELECT COUNT(*) FROM grade_changes WHERE new_value = '14,5'").await, 1);

    // The export, for the teacher of the grade book only.
    let path = format!("/carnet-de-notes/export.csv?unite={}&matiere={}&periode={}", d.class_4c, d.french, d.term1);
    let res = prof.get(&path).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store", "no cache keeps a class's grades");
    let body = res.text().await.expect("csv");
    assert!(body.starts_with("\u{feff}Nom;Prénom;"), "{body}");
    let day = demo_day(0, "11-20");
    assert!(body.contains(&format!("Exposé (20/11/{}, /20, coef. 2)", &day[..4])), "{body}");
    assert!(body.lines().any(|l| l.starts_with("Garnier;Léo;") && l.contains(";14,5;")), "{body}");
    assert_eq!(body.lines().count(), 26, "a header and 25 students");
    let parent = app.login_as("demo.parent").await;
    assert_eq!(parent.get(&path).await.status(), StatusCode::FORBIDDEN);
    let maths = format!("/carnet-de-notes/export.csv?unite={}&matiere={}&periode={}", d.class_4c, d.maths, d.term1);
    assert_eq!(prof.get(&maths).await.status(), StatusCode::FORBIDDEN);
}
