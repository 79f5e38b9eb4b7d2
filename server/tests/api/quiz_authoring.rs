//! The teacher's quiz pages through the real server: the url-encoded form wrappers (valid
//! and invalid input, nothing saved on error), the list of a quiz's assignments and who sees
//! it, the GIFT download and the results CSV with who may fetch them.

use crate::helpers::{Session, TestApp, spawn_app};
use crate::permissions::second_establishment;
use app::error::AppError;
use app::quizzes::authoring::datetime_local;
use app::quizzes::{AssignmentLine, QuizDetail};
use domain::quiz::QuestionKind;
use reqwest::{StatusCode, header};
use serde_json::json;

pub(crate) fn ok<T: std::fmt::Debug>(what: &str, (status, result): (StatusCode, Result<T, AppError>)) -> T {
    assert_eq!(status, StatusCode::OK, "{what}: {result:?}");
    result.expect("a successful answer")
}

/// The French reason of a refused form (422).
pub(crate) fn refused<T: std::fmt::Debug>(what: &str, (status, result): (StatusCode, Result<T, AppError>)) -> String {
    match result {
        Err(AppError::Invalid { reason, .. }) if status == StatusCode::UNPROCESSABLE_ENTITY => reason,
        other => panic!("{what}: expected a refusal, got {status} {other:?}"),
    }
}

pub(crate) async fn detail(s: &Session, quiz: i64) -> QuizDetail {
    ok("get_quiz", s.call_json("/api/quiz/lire", &json!({ "quiz": quiz })).await)
}

pub(crate) async fn create(s: &Session, title: &str) -> i64 {
    ok("create", s.call("/api/quiz/formulaire/creer", &[("titre", title), ("description", "Révisions")]).await)
}

/// A single-choice question as the form posts it: Paris (the right one) among three, 2 points.
pub(crate) fn capital_form<'a>(quiz: &'a str, right: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("quiz", quiz),
        ("champs[type]", "unique"),
        ("champs[enonce]", "Quelle est la capitale de la France ?"),
        ("champs[points]", "2"),
        ("champs[titre]", ""),
        ("champs[texte_0]", "Lyon"),
        ("champs[retour_0]", ""),
        ("champs[texte_1]", "Paris"),
        ("champs[retour_1]", "Bravo"),
        ("champs[texte_2]", "Marseille"),
        ("champs[retour_2]", ""),
        ("champs[texte_3]", ""),
        ("champs[retour_3]", ""),
        ("champs[bonne]", right),
        ("champs[retour_general]", ""),
    ]
}

pub(crate) fn assign_form<'a>(
    quiz: &'a str,
    unit: &'a str,
    opens: &'a str,
    closes: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("quiz", quiz),
        ("reglages[unite]", unit),
        ("reglages[ouverture]", opens),
        ("reglages[fermeture]", closes),
        ("reglages[duree]", ""),
        ("reglages[tentatives]", "1"),
        ("reglages[retour]", "submission"),
    ]
}

pub(crate) fn hours_from_now(hours: i64) -> String {
    datetime_local(app::server::db::now_ms() + hours * 3_600_000)
}

async fn questions_of(app: &TestApp, quiz: i64) -> i64 {
    app.count(&format!("SELECT COUNT(*) FROM quiz_questions WHERE quiz_id = {quiz}")).await
}

#[tokio::test]
async fn the_quiz_forms_save_what_is_valid_and_nothing_of_what_is_not() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;

    // Creating: a title is needed; the page then goes to the new quiz.
    let before = app.count("SELECT COUNT(*) FROM quizzes").await;
    let reason = refused(
        "untitled",
        prof.call::<i64>("/api/quiz/formulaire/creer", &[("titre", "  "), ("description", "")]).await,
    );
    assert!(reason.contains("Donnez un titre"), "{reason}");
    assert_eq!(app.count("SELECT COUNT(*) FROM quizzes").await, before);
    let res = prof
        .http
        .post(app.url("/api/quiz/formulaire/creer"))
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, app.url("/quiz"))
        .form(&[("titre", "Géographie"), ("description", "")])
        .send()
        .await
        .expect("posted");
    assert_eq!(res.status(), StatusCode::FOUND);
    let location = res.headers()[header::LOCATION].to_str().expect("location").to_string();
    let created: i64 = app.count("SELECT MAX(id) FROM quizzes").await;
    assert_eq!(location, format!("/quiz/{created}"));

    let quiz = create(&prof, "Capitales").await;
    let q = quiz.to_string();

    // A question from the form, with its right answer and its feedback.
    let first: i64 = ok("save", prof.call("/api/quiz/formulaire/question", &capital_form(&q, "1")).await);
    let d = detail(&prof, quiz).await;
    assert_eq!(d.questions.len(), 1);
    let QuestionKind::SingleChoice { choices } = &d.questions[0].question.kind else { panic!("single choice") };
    assert_eq!(
        choices.iter().map(|c| (c.text.as_str(), c.weight)).collect::<Vec<_>>(),
        [("Lyon", 0.0), ("Paris", 100.0), ("Marseille", 0.0)]
    );
    assert_eq!(choices[1].feedback.as_deref(), Some("Bravo"));
    assert_eq!(d.questions[0].question.points.value(), 2.0);

    // Refused: no right answer, a right answer without text, bad points, weights that do not
    // add up. Nothing is saved.
    let mut no_right = capital_form(&q, "");
    no_right.retain(|(k, _)| *k != "champs[bonne]");
    let reason = refused("no right answer", prof.call::<i64>("/api/quiz/formulaire/question", &no_right).await);
    assert_eq!(reason, "Indiquez la bonne proposition (celle qui vaut 100 %).");
    let reason =
        refused("blank right", prof.call::<i64>("/api/quiz/formulaire/question", &capital_form(&q, "3")).await);
    assert!(reason.contains("n'a pas de texte"), "{reason}");
    let mut zero = capital_form(&q, "1");
    zero[3] = ("champs[points]", "0");
    let reason = refused("points", prof.call::<i64>("/api/quiz/formulaire/question", &zero).await);
    assert!(reason.contains("plus de 0"), "{reason}");
    let multiple = [
        ("quiz", q.as_str()),
        ("champs[type]", "multiple"),
        ("champs[enonce]", "Villes de France ?"),
        ("champs[points]", "1"),
        ("champs[texte_0]", "Lille"),
        ("champs[poids_0]", "50"),
        ("champs[texte_1]", "Nantes"),
        ("champs[poids_1]", "40"),
    ];
    let reason = refused("weights", prof.call::<i64>("/api/quiz/formulaire/question", &multiple).await);
    assert!(reason.contains("100 %"), "{reason}");
    assert_eq!(questions_of(&app, quiz).await, 1);

    // Editing replaces the question in place.
    let mut edit = capital_form(&q, "1");
    let first_s = first.to_string();
    edit.push(("question", &first_s));
    edit[2] = ("champs[enonce]", "Capitale de la France ?");
    let edited: i64 = ok("edit", prof.call("/api/quiz/formulaire/question", &edit).await);
    assert_eq!(edited, first);
    assert_eq!(detail(&prof, quiz).await.questions[0].question.text, "Capitale de la France ?");

    // Duplicate, move, delete.
    let copy: i64 = ok("duplicate", prof.call("/api/quiz/formulaire/dupliquer", &[("question", &first_s)]).await);
    let order = |d: QuizDetail| d.questions.iter().map(|l| l.id.0).collect::<Vec<_>>();
    assert_eq!(order(detail(&prof, quiz).await), [first, copy]);
    ok::<()>("down", prof.call("/api/quiz/formulaire/deplacer", &[("question", &first_s), ("sens", "bas")]).await);
    assert_eq!(order(detail(&prof, quiz).await), [copy, first]);
    ok::<()>(
        "last stays",
        prof.call("/api/quiz/formulaire/deplacer", &[("question", &first_s), ("sens", "bas")]).await,
    );
    assert_eq!(order(detail(&prof, quiz).await), [copy, first]);
    ok::<()>("up", prof.call("/api/quiz/formulaire/deplacer", &[("question", &first_s), ("sens", "haut")]).await);
    assert_eq!(order(detail(&prof, quiz).await), [first, copy]);
    refused(
        "sideways",
        prof.call::<()>("/api/quiz/formulaire/deplacer", &[("question", &first_s), ("sens", "gauche")]).await,
    );
    let copy_s = copy.to_string();
    ok::<()>("delete", prof.call("/api/quiz/formulaire/supprimer", &[("question", &copy_s)]).await);
    assert_eq!(order(detail(&prof, quiz).await), [first]);

    // GIFT: a refused text lists every problem with its line and imports nothing.
    let bad = "::Un:: Deux et deux ? {=4 ~5}\n\n::Deux:: Trois et trois ? {=6 ~7\n";
    let reason =
        refused("bad gift", prof.call::<usize>("/api/quiz/formulaire/gift", &[("quiz", &q), ("texte", bad)]).await);
    assert!(reason.starts_with("Rien n'a été importé."), "{reason}");
    assert!(reason.lines().skip(1).any(|l| l.starts_with("Ligne 3 : ")), "{reason}");
    assert_eq!(questions_of(&app, quiz).await, 1);
    let good = "::Un:: Deux et deux ? {=4 ~5}\n\n::Deux:: La Terre est ronde. {T}\n";
    let n: usize = ok("good gift", prof.call("/api/quiz/formulaire/gift", &[("quiz", &q), ("texte", good)]).await);
    assert_eq!(n, 2);
    assert_eq!(questions_of(&app, quiz).await, 3);

    // Title and sharing: a checkbox present shares, absent stops sharing.
    let shared = [("quiz", q.as_str()), ("titre", "Capitales d'Europe"), ("description", ""), ("partage", "1")];
    ok::<()>("share", prof.call("/api/quiz/formulaire/modifier", &shared).await);
    assert!(detail(&prof, quiz).await.shared);
    ok::<()>("unshare", prof.call("/api/quiz/formulaire/modifier", &shared[..3]).await);
    let d = detail(&prof, quiz).await;
    assert_eq!((d.title.as_str(), d.shared), ("Capitales d'Europe", false));
    refused(
        "no title",
        prof.call::<()>("/api/quiz/formulaire/modifier", &[("quiz", q.as_str()), ("titre", ""), ("description", "")])
            .await,
    );
    assert_eq!(detail(&prof, quiz).await.title, "Capitales d'Europe");

    // Giving it: times are read as Paris wall-clock times; refused settings give nothing.
    let class_4c = format!("c:{}", app.unit_id("classes", "0671234A", "4e C").await);
    let (opens, closes) = (hours_from_now(-1), hours_from_now(48));
    let given: i64 =
        ok("assign", prof.call("/api/quiz/formulaire/donner", &assign_form(&q, &class_4c, &opens, &closes)).await);
    let opens_at = app.count(&format!("SELECT opens_at FROM quiz_assignments WHERE id = {given}")).await;
    assert_eq!(datetime_local(opens_at), opens);
    let reason = refused(
        "upside down",
        prof.call::<i64>("/api/quiz/formulaire/donner", &assign_form(&q, &class_4c, &closes, &opens)).await,
    );
    assert_eq!(reason, "La fermeture doit venir après l'ouverture.");
    let reason = refused(
        "not a date",
        prof.call::<i64>("/api/quiz/formulaire/donner", &assign_form(&q, &class_4c, "demain", &closes)).await,
    );
    assert!(reason.contains("ouverture"), "{reason}");
    let mut too_long = assign_form(&q, &class_4c, &opens, &closes);
    too_long[4] = ("reglages[duree]", "500");
    let reason = refused("time limit", prof.call::<i64>("/api/quiz/formulaire/donner", &too_long).await);
    assert!(reason.contains("240 minutes"), "{reason}");
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM quiz_assignments WHERE quiz_id = {quiz}")).await, 1);

    // A colleague changes nothing of a quiz that is not theirs, even with a valid form.
    app.give_password("marc.lemoine").await;
    let colleague = app.login_as("marc.lemoine").await;
    let (status, _) = colleague.call::<i64>("/api/quiz/formulaire/question", &capital_form(&q, "1")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = colleague.call::<usize>("/api/quiz/formulaire/gift", &[("quiz", &q), ("texte", good)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = colleague.call::<()>("/api/quiz/formulaire/supprimer", &[("question", &first_s)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(questions_of(&app, quiz).await, 3);
}

#[tokio::test]
async fn a_quiz_lists_its_assignments_to_those_who_may_follow_them() {
    let app = spawn_app().await;
    let (other_admin, _, _) = second_establishment(&app).await;
    let prof = app.login_as("demo.prof").await;
    let quiz = create(&prof, "Suivi").await;
    let q = quiz.to_string();
    ok::<i64>("save", prof.call("/api/quiz/formulaire/question", &capital_form(&q, "1")).await);
    let list = async |s: &Session| s.call::<Vec<AssignmentLine>>("/api/quiz/devoirs", &[("quiz", &q)]).await;
    assert!(ok("empty", list(&prof).await).is_empty());

    let class_4c = format!("c:{}", app.unit_id("classes", "0671234A", "4e C").await);
    let latin = format!("g:{}", app.unit_id("student_groups", "0671234A", "Latin").await);
    let (opens, closes) = (hours_from_now(-1), hours_from_now(48));
    let to_4c: i64 =
        ok("4e C", prof.call("/api/quiz/formulaire/donner", &assign_form(&q, &class_4c, &opens, &closes)).await);
    let to_latin: i64 =
        ok("Latin", prof.call("/api/quiz/formulaire/donner", &assign_form(&q, &latin, &opens, &closes)).await);

    // A student hands in: the list counts them.
    let eleve = app.login_as("demo.eleve").await;
    let view: app::quizzes::AttemptView =
        ok("start", eleve.call_json("/api/quiz/tentative/commencer", &json!({ "assignment": to_4c })).await);
    ok::<app::quizzes::AttemptResult>(
        "submit",
        eleve.call_json("/api/quiz/tentative/rendre", &json!({ "attempt": view.attempt })).await,
    );
    let lines = ok("list", list(&prof).await);
    assert_eq!(
        lines.iter().map(|l| (l.id.0, l.unit_name.as_str())).collect::<Vec<_>>(),
        [(to_latin, "Latin"), (to_4c, "4e C")]
    );
    let students_4c =
        app.count(&format!("SELECT COUNT(*) FROM class_students WHERE class_id = {}", &class_4c[2..])).await;
    assert_eq!((lines[1].submitted, i64::from(lines[1].students)), (1, students_4c));
    assert_eq!(lines[0].submitted, 0);

    // A colleague: refused while the quiz is private; once shared, they see the assignment
    // to the class they teach too, not the group they do not.
    app.give_password("marc.lemoine").await;
    let colleague = app.login_as("marc.lemoine").await;
    assert_eq!(list(&colleague).await.0, StatusCode::FORBIDDEN);
    ok::<()>(
        "share",
        prof.call(
            "/api/quiz/formulaire/modifier",
            &[("quiz", &q), ("titre", "Suivi"), ("description", ""), ("partage", "1")],
        )
        .await,
    );
    let seen = ok("colleague", list(&colleague).await);
    assert_eq!(seen.iter().map(|l| l.id.0).collect::<Vec<_>>(), [to_4c]);

    // A student, and another establishment (as if the quiz did not exist).
    assert_eq!(list(&eleve).await.0, StatusCode::FORBIDDEN);
    assert_eq!(list(&other_admin).await.0, StatusCode::NOT_FOUND);
    let (status, _) = other_admin.call::<Vec<AssignmentLine>>("/api/quiz/devoirs", &[("quiz", "987654321")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_gift_download_is_the_quiz_for_those_who_may_read_it() {
    let app = spawn_app().await;
    let (other_admin, _, _) = second_establishment(&app).await;
    let prof = app.login_as("demo.prof").await;
    let quiz = create(&prof, "Révisions chapitre 3").await;
    let q = quiz.to_string();
    ok::<i64>("save", prof.call("/api/quiz/formulaire/question", &capital_form(&q, "1")).await);
    let path = format!("/quiz/{quiz}/export.gift");

    let res = prof.get(&path).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "text/plain; charset=utf-8");
    assert_eq!(res.headers()[header::CONTENT_DISPOSITION], "attachment; filename=\"revisions-chapitre-3.gift\"");
    let body = res.text().await.expect("gift");
    assert!(body.contains("Quelle est la capitale de la France ?"), "{body}");
    assert!(body.contains("=Paris#Bravo") && body.contains("~Lyon"), "{body}");
    // What was downloaded imports back.
    assert!(domain::quiz::gift::parse_gift(&body).is_ok_and(|qs| qs.len() == 1), "{body}");

    let eleve = app.login_as("demo.eleve").await;
    assert_eq!(eleve.get(&path).await.status(), StatusCode::FORBIDDEN);
    app.give_password("marc.lemoine").await;
    let colleague = app.login_as("marc.lemoine").await;
    assert_eq!(colleague.get(&path).await.status(), StatusCode::FORBIDDEN, "not shared");
    assert_eq!(other_admin.get(&path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(prof.get("/quiz/999999999/export.gift").await.status(), StatusCode::NOT_FOUND);
    let anonymous = app.session().get(&path).await;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    let to_login = anonymous.headers()[header::LOCATION].to_str().expect("location").to_string();
    assert_eq!(to_login, "/connexion?suivant=/quiz", "back to the quiz list after login");
}

#[tokio::test]
async fn the_results_csv_says_who_did_what_and_leaves_not_submitted_empty() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let quiz = create(&prof, "Bilan").await;
    let q = quiz.to_string();
    ok::<i64>("save", prof.call("/api/quiz/formulaire/question", &capital_form(&q, "1")).await);
    let d = detail(&prof, quiz).await;
    let question = d.questions[0].id.0;
    let class_4c = format!("c:{}", app.unit_id("classes", "0671234A", "4e C").await);
    let (opens, closes) = (hours_from_now(-1), hours_from_now(48));
    let given: i64 =
        ok("assign", prof.call("/api/quiz/formulaire/donner", &assign_form(&q, &class_4c, &opens, &closes)).await);

    // Léo answers right and hands in (2 / 2); a classmate hands in nothing (0 / 2); another
    // starts and stops (in progress); the others never open it.
    let classmates: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT u.username, u.last_name, u.first_name FROM users u JOIN class_students cs ON cs.student_id = u.id
         WHERE cs.class_id = $1 AND u.username <> 'demo.eleve' ORDER BY u.id LIMIT 2",
    )
    .bind(class_4c[2..].parse::<i64>().expect("class id"))
    .fetch_all(&app.db)
    .await
    .expect("classmates");
    let start = async |s: &Session| {
        ok::<app::quizzes::AttemptView>(
            "start",
            s.call_json("/api/quiz/tentative/commencer", &json!({ "assignment": given })).await,
        )
        .attempt
        .0
    };
    let eleve = app.login_as("demo.eleve").await;
    let attempt = start(&eleve).await;
    ok::<app::quizzes::SavedAnswer>(
        "answer",
        eleve
            .call_json(
                "/api/quiz/tentative/repondre",
                &json!({ "attempt": attempt, "question": question, "response": { "Choice": 1 }, "check": false }),
            )
            .await,
    );
    let submit = async |s: &Session, attempt: i64| {
        ok::<app::quizzes::AttemptResult>(
            "submit",
            s.call_json("/api/quiz/tentative/rendre", &json!({ "attempt": attempt })).await,
        )
    };
    submit(&eleve, attempt).await;
    app.give_password(&classmates[0].0).await;
    let zero = app.login_as(&classmates[0].0).await;
    let attempt = start(&zero).await;
    submit(&zero, attempt).await;
    app.give_password(&classmates[1].0).await;
    let started = app.login_as(&classmates[1].0).await;
    start(&started).await;

    let path = format!("/quiz/resultats/{given}/export.csv");
    let res = prof.get(&path).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert_eq!(res.headers()[header::CONTENT_DISPOSITION], "attachment; filename=\"resultats-bilan.csv\"");
    let body = res.text().await.expect("csv");
    assert!(body.starts_with("\u{feff}Nom;Statut;Score;Sur\r\n"), "{body}");
    let line = |last: &str, first: &str| {
        body.lines().find(|l| l.starts_with(&format!("{last} {first};"))).unwrap_or_else(|| panic!("{last} in {body}"))
    };
    assert_eq!(line("Garnier", "Léo"), "Garnier Léo;Rendu;2;2");
    assert_eq!(line(&classmates[0].1, &classmates[0].2), format!("{} {};Rendu;0;2", classmates[0].1, classmates[0].2));
    assert_eq!(
        line(&classmates[1].1, &classmates[1].2),
        format!("{} {};En cours;;2", classmates[1].1, classmates[1].2)
    );
    let students = app.count(&format!("SELECT COUNT(*) FROM class_students WHERE class_id = {}", &class_4c[2..])).await;
    assert_eq!(body.lines().count() as i64, students + 1, "a header and every student");
    assert_eq!(body.lines().filter(|l| l.ends_with(";Non commencé;;2")).count() as i64, students - 3);

    // Refused for a student, and for a teacher who teaches neither the group nor gave it.
    let eleve_get = eleve.get(&path).await;
    assert_eq!(eleve_get.status(), StatusCode::FORBIDDEN);
    let latin = format!("g:{}", app.unit_id("student_groups", "0671234A", "Latin").await);
    let to_latin: i64 =
        ok("Latin", prof.call("/api/quiz/formulaire/donner", &assign_form(&q, &latin, &opens, &closes)).await);
    app.give_password("marc.lemoine").await;
    let colleague = app.login_as("marc.lemoine").await;
    let latin_path = format!("/quiz/resultats/{to_latin}/export.csv");
    assert_eq!(colleague.get(&latin_path).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(prof.get(&latin_path).await.status(), StatusCode::OK);
    assert_eq!(colleague.get(&path).await.status(), StatusCode::OK, "marc.lemoine teaches 4e C");
    assert_eq!(prof.get("/quiz/resultats/123456789/export.csv").await.status(), StatusCode::NOT_FOUND);
}

/// The fields of a cloze question's form: the Rhine's length and where it flows.
fn rhine_form<'a>(quiz: &'a str, text: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("quiz", quiz),
        ("champs[type]", "trous"),
        ("champs[enonce]", "Complétez."),
        ("champs[points]", "2"),
        ("champs[texte_trous]", text),
        ("champs[genre_1]", "courte"),
        ("champs[bonnes_1]", "Rhin ; le Rhin"),
        ("champs[liste_1]", ""),
        ("champs[retour_1]", "Oui, le Rhin."),
        ("champs[genre_2]", "nombre"),
        ("champs[bonnes_2]", "1 233 ± 10"),
        ("champs[liste_2]", ""),
        ("champs[retour_2]", ""),
        ("champs[genre_3]", "liste"),
        ("champs[bonnes_3]", "mer du Nord"),
        ("champs[liste_3]", "Méditerranée ; mer du Nord ; Manche"),
        ("champs[retour_3]", ""),
        ("champs[genre_4]", "courte"),
        ("champs[bonnes_4]", ""),
        ("champs[liste_4]", ""),
        ("champs[retour_4]", ""),
    ]
}

#[tokio::test]
async fn the_question_form_writes_matching_ordering_and_cloze_questions_and_saves_nothing_refused() {
    use domain::quiz::{Blank, Segment};
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let quiz = create(&prof, "Trois types").await;
    let q = quiz.to_string();
    let save = "/api/quiz/formulaire/question";

    let matching = [
        ("quiz", q.as_str()),
        ("champs[type]", "appariement"),
        ("champs[enonce]", "Associez chaque pays à sa capitale."),
        ("champs[points]", "3"),
        ("champs[gauche_0]", "France"),
        ("champs[droite_0]", "Paris"),
        ("champs[gauche_1]", "Italie"),
        ("champs[droite_1]", "Rome"),
        ("champs[gauche_2]", ""),
        ("champs[droite_2]", ""),
        ("champs[retour_general]", "Revoyez la carte."),
    ];
    ok::<i64>("matching", prof.call(save, &matching).await);
    let ordering = [
        ("quiz", q.as_str()),
        ("champs[type]", "ordre"),
        ("champs[enonce]", "Du plus ancien au plus récent."),
        ("champs[points]", "1"),
        ("champs[element_0]", "Antiquité"),
        ("champs[element_1]", "Moyen Âge"),
        ("champs[element_2]", ""),
    ];
    ok::<i64>("ordering", prof.call(save, &ordering).await);
    let cloze: i64 =
        ok("cloze", prof.call(save, &rhine_form(&q, "Le [1] mesure [2] km et se jette dans la [3].")).await);

    let d = detail(&prof, quiz).await;
    assert_eq!(d.questions.len(), 3);
    assert_eq!(
        d.questions[0].question.kind,
        QuestionKind::Matching { pairs: vec![("France".into(), "Paris".into()), ("Italie".into(), "Rome".into())] }
    );
    assert_eq!(d.questions[0].question.general_feedback.as_deref(), Some("Revoyez la carte."));
    assert_eq!(
        d.questions[1].question.kind,
        QuestionKind::Ordering { items: vec!["Antiquité".into(), "Moyen Âge".into()] }
    );
    let QuestionKind::Cloze { segments } = &d.questions[2].question.kind else { panic!("cloze") };
    let blanks: Vec<&Blank> = segments
        .iter()
        .filter_map(|s| match s {
            Segment::Blank(b) => Some(b),
            Segment::Text(_) => None,
        })
        .collect();
    assert!(matches!(blanks[..], [Blank::Text { .. }, Blank::Number { .. }, Blank::Choice { .. }]), "{blanks:?}");
    assert_eq!(d.questions[2].question.points.value(), 2.0);

    // Refused, each with what to fix; nothing saved.
    let mut half = matching.to_vec();
    half[7] = ("champs[droite_1]", "");
    let reason = refused("half a pair", prof.call::<i64>(save, &half).await);
    assert_eq!(reason, "Paire 2 : écrivez ses deux côtés, ou videz la ligne.");
    let reason = refused("marker without its line", prof.call::<i64>(save, &rhine_form(&q, "Le [1] et le [4].")).await);
    assert!(reason.starts_with("Le trou [4] n'a pas de bonne réponse"), "{reason}");
    let reason =
        refused("line without its marker", prof.call::<i64>(save, &rhine_form(&q, "Le [1] mesure [2] km.")).await);
    assert!(reason.starts_with("La ligne du trou [3] est remplie, mais [3] n'est pas dans le texte"), "{reason}");
    let mut not_a_number = rhine_form(&q, "Le [1] mesure [2] km et se jette dans la [3].");
    not_a_number[10] = ("champs[bonnes_2]", "beaucoup");
    let reason = refused("not a number", prof.call::<i64>(save, &not_a_number).await);
    assert!(reason.starts_with("Trou [2] : « beaucoup » n'est pas un nombre"), "{reason}");
    assert_eq!(questions_of(&app, quiz).await, 3);

    // Editing a cloze question replaces it in place; a refused edit leaves it as it was.
    let cloze_s = cloze.to_string();
    let mut edit = rhine_form(&q, "Le fleuve [1] mesure [2] km et se jette dans la [3].");
    edit.push(("question", &cloze_s));
    assert_eq!(ok::<i64>("edit", prof.call(save, &edit).await), cloze);
    let mut bad_edit = rhine_form(&q, "Le [1] et le [1].");
    bad_edit.push(("question", &cloze_s));
    let reason = refused("marker twice", prof.call::<i64>(save, &bad_edit).await);
    assert_eq!(reason, "[1] apparaît deux fois dans le texte : donnez à chaque trou son propre numéro.");
    let d = detail(&prof, quiz).await;
    let QuestionKind::Cloze { segments } = &d.questions[2].question.kind else { panic!("cloze") };
    assert_eq!(segments[0], Segment::Text("Le fleuve ".into()));
    assert_eq!(questions_of(&app, quiz).await, 3);
}

#[tokio::test]
async fn the_student_preview_checks_answers_stores_nothing_and_is_only_for_those_who_may_read_the_quiz() {
    use app::quizzes::{Correction, QuizPreview};
    let app = spawn_app().await;
    second_establishment(&app).await;
    let prof = app.login_as("demo.prof").await;
    let quiz = create(&prof, "Aperçu").await;
    let q = quiz.to_string();
    let capital: i64 = ok("capital", prof.call("/api/quiz/formulaire/question", &capital_form(&q, "1")).await);
    let cloze: i64 = ok(
        "cloze",
        prof.call("/api/quiz/formulaire/question", &rhine_form(&q, "Le [1] mesure [2] km et se jette dans la [3]."))
            .await,
    );
    // Given to 4e C, so that a result could be counted if the preview wrote anything.
    let class_4c = format!("c:{}", app.unit_id("classes", "0671234A", "4e C").await);
    ok::<i64>(
        "assign",
        prof.call("/api/quiz/formulaire/donner", &assign_form(&q, &class_4c, &hours_from_now(-1), &hours_from_now(48)))
            .await,
    );
    let written = async || {
        (app.count("SELECT COUNT(*) FROM quiz_attempts").await, app.count("SELECT COUNT(*) FROM quiz_answers").await)
    };
    assert_eq!(written().await, (0, 0));

    // The preview is the key-free student view: options as written, no feedback, no key.
    let (status, raw, preview) = prof
        .call_json_raw::<QuizPreview>("/api/quiz/apercu", &json!({ "quiz": quiz, "reponses": {}, "verifier": null }))
        .await;
    assert_eq!(status, StatusCode::OK, "{raw}");
    let preview = preview.expect("a preview");
    assert_eq!(preview.questions.iter().map(|p| p.id.0).collect::<Vec<_>>(), [capital, cloze]);
    assert!(preview.questions.iter().all(|p| p.correction.is_none() && !p.locked));
    for secret in ["Bravo", "Oui, le Rhin.", "1233", "weight"] {
        assert!(!raw.contains(secret), "{secret} in {raw}");
    }

    // Checking an answer as the hydrated page does: the correction a student would get.
    let capital_field = format!("reponses[q{capital}]");
    let capital_s = capital.to_string();
    let check = async |s: &Session, fields: &[(&str, &str)]| {
        let mut form = vec![("quiz", q.as_str())];
        form.extend_from_slice(fields);
        s.call::<Correction>("/api/quiz/apercu/verifier", &form).await
    };
    let right = ok("right", check(&prof, &[(&capital_field, "1"), ("verifier", &capital_s)]).await);
    assert_eq!((right.earned, right.correct), (Some(2.0), true));
    assert_eq!(right.feedback, ["Bravo"]);
    let wrong = ok("wrong", check(&prof, &[(&capital_field, "0"), ("verifier", &capital_s)]).await);
    assert_eq!(
        (wrong.earned, wrong.correct, wrong.right_answers.clone()),
        (Some(0.0), false, vec!["Paris".to_string()])
    );
    let cloze_s = cloze.to_string();
    let blanks = [format!("reponses[q{cloze}_0]"), format!("reponses[q{cloze}_1]"), format!("reponses[q{cloze}_2]")];
    let partly = ok(
        "cloze",
        check(&prof, &[(&blanks[0], "rhin"), (&blanks[1], "1 240"), (&blanks[2], "0"), ("verifier", &cloze_s)]).await,
    );
    assert_eq!((partly.correct, partly.earned.map(|e| (e * 100.0).round())), (false, Some(133.0)));
    let reason = refused("nothing to check", check(&prof, &[("verifier", &capital_s)]).await);
    assert_eq!(reason, "Répondez à la question 1 avant de la vérifier.");
    let reason = refused("not a number", check(&prof, &[(&blanks[1], "beaucoup"), ("verifier", &cloze_s)]).await);
    assert!(reason.starts_with("Question 2 : le trou 2 attend un nombre"), "{reason}");

    // Without JavaScript: the post goes to the preview with the answers in its address, and
    // the page rendered on the server shows the correction and what was typed.
    let res = prof
        .http
        .post(app.url("/api/quiz/apercu/verifier"))
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, app.url(&format!("/quiz/{quiz}/apercu")))
        .form(&[
            ("quiz", q.as_str()),
            (&blanks[0], "Rhin"),
            (&blanks[1], "1233"),
            (&blanks[2], "1"),
            ("verifier", &cloze_s),
        ])
        .send()
        .await
        .expect("posted");
    assert_eq!(res.status(), StatusCode::FOUND);
    let location = res.headers()[header::LOCATION].to_str().expect("location").to_string();
    assert!(location.starts_with(&format!("/quiz/{quiz}/apercu?")), "{location}");
    assert!(location.ends_with(&format!("#q-{cloze}")), "{location}");
    let page = prof.get(location.split('#').next().expect("path")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("page");
    assert!(html.contains("Bonne réponse"), "{html}");
    assert!(html.contains("Oui, le Rhin."), "the feedback of the blank");
    assert!(html.contains(r#"value="Rhin""#), "what was typed stays in its field");
    assert_eq!(written().await, (0, 0), "a preview writes no attempt and no answer");

    // A colleague reads (and previews) a quiz only once it is shared; a student never; another
    // establishment's teacher is told it does not exist.
    let load = async |s: &Session| {
        s.call_json::<QuizPreview>("/api/quiz/apercu", &json!({ "quiz": quiz, "reponses": {}, "verifier": null }))
            .await
            .0
    };
    app.give_password("marc.lemoine").await;
    let colleague = app.login_as("marc.lemoine").await;
    assert_eq!(load(&colleague).await, StatusCode::FORBIDDEN);
    ok::<()>(
        "share",
        prof.call(
            "/api/quiz/formulaire/modifier",
            &[("quiz", &q), ("titre", "Aperçu"), ("description", ""), ("partage", "1")],
        )
        .await,
    );
    assert_eq!(load(&colleague).await, StatusCode::OK);
    ok::<Correction>("colleague checks", check(&colleague, &[(&capital_field, "1"), ("verifier", &capital_s)]).await);
    let eleve = app.login_as("demo.eleve").await;
    assert_eq!(load(&eleve).await, StatusCode::FORBIDDEN);
    assert_eq!(check(&eleve, &[(&capital_field, "1"), ("verifier", &capital_s)]).await.0, StatusCode::FORBIDDEN);
    app.exec(
        "INSERT INTO memberships (user_id, establishment_id, role) SELECT u.id, e.id, 'enseignant' FROM users u, \
         establishments e WHERE u.username = 'admin.bartholdi' AND e.uai = '0681111B'",
    )
    .await;
    let stranger = app.login_with("admin.bartholdi", "colmar-lycee-bartholdi").await;
    assert_eq!(load(&stranger).await, StatusCode::NOT_FOUND);
    assert_eq!(check(&stranger, &[(&capital_field, "1"), ("verifier", &capital_s)]).await.0, StatusCode::NOT_FOUND);
    assert_eq!(prof.get(&format!("/quiz/{quiz}/apercu")).await.status(), StatusCode::OK);
    assert_eq!(written().await, (0, 0));
}
