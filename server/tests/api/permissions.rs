//! Who may see what, through the real API: every demo role against every kind of resource,
//! in its own establishment and in another one, including ids swapped between establishments.

use crate::helpers::{Session, TestApp, spawn_app};
use app::admin::api::{ImportOutcome, Letters};
use reqwest::StatusCode;

const OK: u16 = 200;
const NO: u16 = 403;

/// Ids of the resources the table is about.
struct Resources {
    class_4c: i64,
    class_6a: i64,
    latin: i64,
    english_4c: i64,
    own: i64,
    sibling: i64,
    classmate: i64,
    stranger: i64,
    other_class: i64,
    other_student: i64,
}

/// A second establishment, built the way a real one is: created on the command line, its
/// administrator activated with the code, its students imported from CSV.
pub async fn second_establishment(app: &TestApp) -> (Session, i64, i64) {
    let uai = domain::Uai::parse("0681111B").expect("uai");
    let name = domain::Label::parse("nom", "Lycée Bartholdi").expect("name");
    server::cli::create_establishment(&app.db, &uai, &name, "Colmar").await.expect("establishment");
    let code = server::cli::create_admin(
        &app.db,
        &domain::Username::parse("admin.bartholdi").expect("username"),
        &domain::PersonName::parse("prenom", "Marie").expect("name"),
        &domain::PersonName::parse("nom", "Schmitt").expect("name"),
        &server::cli::AdminScope::Establishment(uai),
    )
    .await
    .expect("admin");
    let admin = app.activate("admin.bartholdi", &code, "colmar-lycee-bartholdi").await;
    let csv = "nom;prenom;classe\nMeyer;Paul;2nde 1\nKlein;Emma;2nde 1\n";
    let (status, outcome) = admin
        .call::<ImportOutcome>(
            "/api/admin/import",
            &[("type_fichier", "eleves"), ("contenu", csv), ("appliquer", "true")],
        )
        .await;
    assert!(matches!(outcome, Ok(ImportOutcome::Applied(_))), "{status} {outcome:?}");
    let class = app.unit_id("classes", "0681111B", "2nde 1").await;
    let student = app.count("SELECT id FROM users WHERE last_name = 'Klein' AND first_name = 'Emma'").await;
    (admin, class, student)
}

async fn resources(app: &TestApp, other_class: i64, other_student: i64) -> Resources {
    let in_class = |class: &'static str, extra: &'static str| {
        format!(
            "SELECT MIN(u.id) FROM users u JOIN class_students cs ON cs.student_id = u.id JOIN classes c ON c.id = cs.class_id \
             WHERE c.name = '{class}' AND u.username NOT IN ('demo.eleve', 'lina.garnier') {extra}"
        )
    };
    Resources {
        class_4c: app.unit_id("classes", "0671234A", "4e C").await,
        class_6a: app.unit_id("classes", "0671234A", "6e A").await,
        latin: app.unit_id("student_groups", "0671234A", "Latin").await,
        english_4c: app.unit_id("student_groups", "0671234A", "Anglais 4e C groupe 1").await,
        own: app.user_id("demo.eleve").await,
        sibling: app.user_id("lina.garnier").await,
        classmate: app.count(&in_class("4e C", "")).await,
        stranger: app
            .count(&in_class("6e A", "AND NOT EXISTS (SELECT 1 FROM group_students g WHERE g.student_id = u.id)"))
            .await,
        other_class,
        other_student,
    }
}

async fn status_of(s: &Session, path: &str, id: i64) -> u16 {
    let (status, result) = s.call::<serde_json::Value>(path, &[("id", &id.to_string())]).await;
    if status == StatusCode::OK {
        assert!(result.is_ok());
    } else {
        assert!(result.is_err(), "{path} {id}: an error status carries no data");
    }
    status.as_u16()
}

#[tokio::test]
async fn every_role_sees_exactly_what_it_needs_in_its_establishment_and_nothing_elsewhere() {
    let app = spawn_app().await;
    let (_, other_class, other_student) = second_establishment(&app).await;
    let r = resources(&app, other_class, other_student).await;

    // role: 4e C, 6e A, Latin, English 4e C | own child/self, sibling, classmate, stranger
    let table: [(&str, [u16; 4], [u16; 4]); 6] = [
        ("demo.eleve", [OK, NO, NO, OK], [OK, NO, NO, NO]),
        ("demo.parent", [NO, NO, NO, NO], [OK, OK, NO, NO]),
        ("demo.prof", [OK, NO, OK, NO], [OK, OK, OK, NO]),
        ("demo.viesco", [OK; 4], [OK; 4]),
        ("demo.direction", [OK; 4], [OK; 4]),
        ("demo.admin", [OK; 4], [OK; 4]),
    ];
    for (username, units, students) in table {
        let s = app.login_as(username).await;
        let got_units = [
            status_of(&s, "/api/classe", r.class_4c).await,
            status_of(&s, "/api/classe", r.class_6a).await,
            status_of(&s, "/api/groupe", r.latin).await,
            status_of(&s, "/api/groupe", r.english_4c).await,
        ];
        assert_eq!(got_units, units, "{username}: classes and groups");
        let got_students = [
            status_of(&s, "/api/eleve", r.own).await,
            status_of(&s, "/api/eleve", r.sibling).await,
            status_of(&s, "/api/eleve", r.classmate).await,
            status_of(&s, "/api/eleve", r.stranger).await,
        ];
        assert_eq!(got_students, students, "{username}: students");
        // Another establishment's class and student: refused whoever asks.
        assert!([403, 404].contains(&status_of(&s, "/api/classe", r.other_class).await), "{username}");
        assert!([403, 404].contains(&status_of(&s, "/api/eleve", r.other_student).await), "{username}");
        // A class id used as a group id and the reverse find nothing.
        assert_eq!(status_of(&s, "/api/groupe", r.class_4c).await, 404, "{username}");
        assert_eq!(status_of(&s, "/api/classe", r.latin).await, 404, "{username}");
        assert_eq!(status_of(&s, "/api/eleve", r.class_4c).await, 404, "{username}");
    }
    let refused = app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'access_refused'").await;
    assert!(refused >= 20, "refusals are audited ({refused})");
}

#[tokio::test]
async fn administration_is_for_the_establishments_administrator_only() {
    let app = spawn_app().await;
    for username in ["demo.eleve", "demo.parent", "demo.prof", "demo.viesco", "demo.direction"] {
        let s = app.login_as(username).await;
        let (status, _) = s.call::<serde_json::Value>("/api/admin/donnees", &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{username}");
        let (status, _) = s.call::<()>("/api/admin/classe", &[("nom", "3e Z"), ("niveau", "3e")]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{username}");
        let (status, _) = s.call::<serde_json::Value>("/api/journal", &[]).await;
        let expected = if username == "demo.direction" { StatusCode::OK } else { StatusCode::FORBIDDEN };
        assert_eq!(status, expected, "{username}: audit log");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM classes WHERE name = '3e Z'").await, 0);
    let nobody = app.session();
    let (status, _) = nobody.call::<serde_json::Value>("/api/admin/donnees", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_administrator_cannot_reach_another_establishment_through_swapped_ids() {
    let app = spawn_app().await;
    let (admin2, _, _) = second_establishment(&app).await;
    let class_4c = app.unit_id("classes", "0671234A", "4e C").await.to_string();
    let student = app.user_id("demo.eleve").await.to_string();
    let teacher = app.user_id("demo.prof").await.to_string();

    let (status, letters) = admin2.call::<Letters>("/api/admin/lettres", &[("classe", &class_4c)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{letters:?}");
    let (status, _) = admin2.call::<()>("/api/admin/activer", &[("id", &student), ("actif", "false")]).await;
    assert!([403, 404].contains(&status.as_u16()), "{status}");
    let (status, _) = admin2
        .call::<String>(
            "/api/admin/utilisateur",
            &[("nom", "Intrus"), ("prenom", "Ian"), ("role", "eleve"), ("classe", &class_4c), ("identifiant", "")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let subject = app.count("SELECT s.id FROM subjects s JOIN establishments e ON e.id = s.establishment_id WHERE e.uai = '0671234A' AND s.name = 'Latin'").await;
    let (status, _) = admin2
        .call::<()>(
            "/api/admin/affectation",
            &[("enseignant", &teacher), ("matiere", &subject.to_string()), ("unite", &format!("c:{class_4c}"))],
        )
        .await;
    assert!([403, 404].contains(&status.as_u16()), "{status}");
    // Edits with ids of the first establishment touch nothing there.
    let latin = app.unit_id("student_groups", "0671234A", "Latin").await.to_string();
    let assignment = app.count("SELECT MIN(id) FROM assignments").await.to_string();
    for (path, form) in [
        ("/api/admin/classe/modifier", vec![("id", class_4c.as_str()), ("nom", "Piratée"), ("niveau", "")]),
        ("/api/admin/groupe/modifier", vec![("id", latin.as_str()), ("nom", "Piraté")]),
        ("/api/admin/matiere/modifier", vec![("id", &subject.to_string()), ("nom", "Piratée")]),
        ("/api/admin/affectation/retirer", vec![("id", assignment.as_str())]),
        (
            "/api/admin/utilisateur/modifier",
            vec![("identifiant", "demo.eleve"), ("nom", "Pirate"), ("prenom", "Léo"), ("classe", "")],
        ),
    ] {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, *v)).collect();
        let (status, _) = admin2.call::<()>(path, &form).await;
        assert!([403, 404, 422].contains(&status.as_u16()), "{path}: {status}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM classes WHERE name LIKE 'Piraté%'").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM student_groups WHERE name LIKE 'Piraté%'").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM subjects WHERE name LIKE 'Piraté%'").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE last_name = 'Pirate'").await, 0);
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM assignments WHERE id = {assignment}")).await, 1);

    let (status, data) = admin2.call::<app::admin::api::AdminData>("/api/admin/donnees", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let data = data.expect("admin data");
    assert_eq!(data.establishment, "Lycée Bartholdi");
    assert!(data.staff.iter().all(|u| u.username == "admin.bartholdi"), "{:?}", data.staff);
    assert!(data.classes.iter().all(|c| c.name == "2nde 1"));

    // Nothing of the first establishment changed.
    assert_eq!(app.count("SELECT active FROM users WHERE username = 'demo.eleve'").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE last_name = 'Intrus'").await, 0);
}

#[tokio::test]
async fn a_region_administrator_sees_every_establishment_but_no_pupils_record() {
    let app = spawn_app().await;
    second_establishment(&app).await;
    let code = server::cli::create_admin(
        &app.db,
        &domain::Username::parse("region.numerique").expect("username"),
        &domain::PersonName::parse("prenom", "Paul").expect("name"),
        &domain::PersonName::parse("nom", "Heitz").expect("name"),
        &server::cli::AdminScope::Region,
    )
    .await
    .expect("region admin");
    let s = app.activate("region.numerique", &code, "grand-est-region-2026").await;
    let (status, dashboard) = s.call::<app::dashboard::model::Dashboard>("/api/tableau_de_bord", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let region = dashboard.expect("dashboard").region.expect("the region panel");
    let summary: Vec<(&str, i64)> = region.iter().map(|e| (e.uai.as_str(), e.students)).collect();
    assert_eq!(summary, vec![("0671234A", 75), ("0681111B", 2)]);

    let student = app.user_id("demo.eleve").await;
    let class = app.unit_id("classes", "0671234A", "4e C").await;
    assert_eq!(status_of(&s, "/api/eleve", student).await, 403);
    assert_eq!(status_of(&s, "/api/classe", class).await, 403);
    // Others get no region panel.
    let admin = app.login_as("demo.admin").await;
    let (_, d) = admin.call::<app::dashboard::model::Dashboard>("/api/tableau_de_bord", &[]).await;
    assert_eq!(d.expect("dashboard").region, None);
}
