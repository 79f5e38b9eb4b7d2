//! Administration: CSV imports (all or nothing), activation letters, accounts.

use crate::helpers::spawn_app;
use app::admin::api::{ImportOutcome, Letters};
use app::error::AppError;
use reqwest::StatusCode;

#[tokio::test]
async fn a_clean_student_file_is_previewed_then_applied_in_one_go() {
    let app = spawn_app().await;
    let admin = app.login_as("demo.admin").await;
    let before = app.count("SELECT COUNT(*) FROM users").await;
    let csv = "Nom,Prénom,Classe\n\"Zimmer\",\"Anaïs\",3e D\nZimmer,Bastien,3e D\nHoffmann,Chloé,4e C\n";

    let form = |apply: &'static str| [("type_fichier", "eleves"), ("contenu", csv), ("appliquer", apply)];
    let (status, preview) = admin.call::<ImportOutcome>("/api/admin/import", &form("false")).await;
    assert_eq!(status, StatusCode::OK);
    let Ok(ImportOutcome::Preview(plan)) = preview else { panic!("expected a preview, got {preview:?}") };
    assert_eq!(plan.accounts.len(), 3);
    assert_eq!(plan.new_classes, vec!["3e D".to_string()]);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, before, "a preview writes nothing");

    let (_, applied) = admin.call::<ImportOutcome>("/api/admin/import", &form("true")).await;
    assert!(matches!(applied, Ok(ImportOutcome::Applied(ref p)) if p.accounts.len() == 3), "{applied:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, before + 3);
    let class = app.unit_id("classes", "0671234A", "3e D").await;
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM class_students WHERE class_id = {class}")).await, 2);
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE last_name = 'Zimmer' AND password_hash IS NULL").await, 2);
    assert!(app.count("SELECT COUNT(*) FROM audit_log WHERE detail LIKE 'import %'").await >= 1);
}

#[tokio::test]
async fn a_file_with_problems_reports_each_line_and_imports_nothing() {
    let app = spawn_app().await;
    let admin = app.login_as("demo.admin").await;
    let before = (app.count("SELECT COUNT(*) FROM users").await, app.count("SELECT COUNT(*) FROM classes").await);
    let csv = "nom;prenom;classe\nValide;Victor;3e E\n;Sans-Nom;3e E\nSans;Classe;\nBon;Jour;3e E;en trop\n";
    let (status, outcome) = admin
        .call::<ImportOutcome>(
            "/api/admin/import",
            &[("type_fichier", "eleves"), ("contenu", csv), ("appliquer", "true")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let Ok(ImportOutcome::Problems(problems)) = outcome else { panic!("expected problems, got {outcome:?}") };
    let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, vec![3, 4, 5], "every problem, with its line: {problems:?}");
    assert!(problems.iter().all(|p| !p.message.is_empty()));
    assert_eq!(
        (app.count("SELECT COUNT(*) FROM users").await, app.count("SELECT COUNT(*) FROM classes").await),
        before
    );

    // A broken quote stops the reading at its line.
    let csv = "nom;prenom;classe\nTrop;\"Guillemet;3e E\n";
    let (_, outcome) = admin
        .call::<ImportOutcome>(
            "/api/admin/import",
            &[("type_fichier", "eleves"), ("contenu", csv), ("appliquer", "true")],
        )
        .await;
    let Ok(ImportOutcome::Problems(problems)) = outcome else { panic!("expected problems, got {outcome:?}") };
    assert_eq!(problems.iter().map(|p| p.line).collect::<Vec<_>>(), vec![2], "{problems:?}");

    // A guardian file naming an unknown student: refused with its line, nothing written.
    let csv = "nom;prenom;identifiant_eleve\nGarnier;Sandrine;demo.eleve\nDurand;Paul;eleve.inconnu\n";
    let (_, outcome) = admin
        .call::<ImportOutcome>(
            "/api/admin/import",
            &[("type_fichier", "responsables"), ("contenu", csv), ("appliquer", "true")],
        )
        .await;
    let Ok(ImportOutcome::Problems(problems)) = outcome else { panic!("expected problems, got {outcome:?}") };
    assert_eq!(problems.iter().map(|p| p.line).collect::<Vec<_>>(), vec![3], "{problems:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, before.0);
}

#[tokio::test]
async fn import_limits_are_enforced_with_a_french_message() {
    let app = spawn_app().await;
    let admin = app.login_as("demo.admin").await;
    let mut csv = String::from("nom;prenom;classe\n");
    for i in 0..=domain::import::IMPORT_MAX_ROWS {
        csv.push_str(&format!("Nom{i};Prénom;3e F\n"));
    }
    let (_, outcome) = admin
        .call::<ImportOutcome>(
            "/api/admin/import",
            &[("type_fichier", "eleves"), ("contenu", &csv), ("appliquer", "true")],
        )
        .await;
    let Ok(ImportOutcome::Problems(problems)) = outcome else { panic!("expected problems, got {outcome:?}") };
    assert!(problems[0].message.contains("5000 au plus"), "{problems:?}");

    let big = format!("nom;prenom;classe\n{}", "Dupont;Léa;3e F\n".repeat(domain::import::IMPORT_MAX_BYTES / 16 + 10));
    let (_, outcome) = admin
        .call::<ImportOutcome>(
            "/api/admin/import",
            &[("type_fichier", "eleves"), ("contenu", &big), ("appliquer", "true")],
        )
        .await;
    let Ok(ImportOutcome::Problems(problems)) = outcome else { panic!("expected problems, got {outcome:?}") };
    assert!(problems[0].message.starts_with("Le fichier dépasse"), "{problems:?}");

    let (status, outcome) = admin
        .call::<ImportOutcome>(
            "/api/admin/import",
            &[("type_fichier", "inconnu"), ("contenu", "x"), ("appliquer", "true")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(matches!(outcome, Err(AppError::Invalid { ref field, .. }) if field == "type_fichier"));
    assert_eq!(app.count("SELECT COUNT(*) FROM classes WHERE name = '3e F'").await, 0);
}

#[tokio::test]
async fn activation_letters_give_codes_that_work_once() {
    let app = spawn_app().await;
    let admin = app.login_as("demo.admin").await;
    let class = app.unit_id("classes", "0671234A", "6e A").await.to_string();
    let (status, letters) = admin.call::<Letters>("/api/admin/lettres", &[("classe", &class)]).await;
    assert_eq!(status, StatusCode::OK);
    let letters = letters.expect("letters");
    assert_eq!(letters.class, "6e A");
    assert!(letters.letters.len() >= 20, "every student not yet activated gets a letter");
    let first = &letters.letters[0];
    let s = app.activate(&first.username, &first.code, "mon-cartable-est-bleu").await;
    assert_eq!(s.whoami().await.map(|m| m.username), Some(first.username.clone()));

    // Letters printed again replace the old codes.
    let (_, again) = admin.call::<Letters>("/api/admin/lettres", &[("classe", &class)]).await;
    let again = again.expect("letters");
    assert!(again.letters.iter().all(|l| l.username != first.username), "an activated account gets no letter");
    let old = &letters.letters[1];
    let (status, _) = app
        .session()
        .call::<()>(
            "/api/activation",
            &[
                ("identifiant", &old.username),
                ("code", &old.code),
                ("mot_de_passe", "mon-cartable-est-vert"),
                ("confirmation", "mon-cartable-est-vert"),
            ],
        )
        .await;
    assert!(!status.is_success(), "a replaced code no longer works");
}

#[tokio::test]
async fn accounts_classes_and_assignments_are_created_with_clear_errors() {
    let app = spawn_app().await;
    let admin = app.login_as("demo.admin").await;
    let (status, _) = admin.call::<()>("/api/admin/classe", &[("nom", "3e G"), ("niveau", "3e")]).await;
    assert!(status.is_success());
    let (status, dup) = admin.call::<()>("/api/admin/classe", &[("nom", "3e G"), ("niveau", "3e")]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{dup:?}");
    let (status, empty) = admin.call::<()>("/api/admin/classe", &[("nom", "  "), ("niveau", "")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(matches!(empty, Err(AppError::Invalid { ref reason, .. }) if !reason.is_empty()));

    let (status, username) = admin
        .call::<String>(
            "/api/admin/utilisateur",
            &[("nom", "Weiss"), ("prenom", "Éloïse"), ("role", "enseignant"), ("classe", ""), ("identifiant", "")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(username.expect("username"), "eloise.weiss");
    let (status, _) = admin
        .call::<String>(
            "/api/admin/utilisateur",
            &[
                ("nom", "Weiss"),
                ("prenom", "Éloïse"),
                ("role", "enseignant"),
                ("classe", ""),
                ("identifiant", "eloise.weiss"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = admin
        .call::<String>(
            "/api/admin/utilisateur",
            &[("nom", "X"), ("prenom", "Y"), ("role", "pirate"), ("classe", ""), ("identifiant", "")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let teacher = app.user_id("eloise.weiss").await.to_string();
    let subject = app.count("SELECT MIN(id) FROM subjects WHERE name = 'Latin'").await.to_string();
    let class = app.unit_id("classes", "0671234A", "3e G").await;
    let unit = format!("c:{class}");
    let form = [("enseignant", teacher.as_str()), ("matiere", subject.as_str()), ("unite", unit.as_str())];
    let (status, _) = admin.call::<()>("/api/admin/affectation", &form).await;
    assert!(status.is_success());
    let (status, _) = admin.call::<()>("/api/admin/affectation", &form).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn classes_groups_subjects_and_accounts_are_edited_in_place() {
    let app = spawn_app().await;
    let admin = app.login_as("demo.admin").await;
    let class = app.unit_id("classes", "0671234A", "6e A").await.to_string();
    let (status, _) =
        admin.call::<()>("/api/admin/classe/modifier", &[("id", &class), ("nom", "6e Alpha"), ("niveau", "6e")]).await;
    assert!(status.is_success());
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM classes WHERE id = {class} AND name = '6e Alpha'")).await, 1);
    let (status, taken) =
        admin.call::<()>("/api/admin/classe/modifier", &[("id", &class), ("nom", "4e C"), ("niveau", "")]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{taken:?}");

    let group = app.unit_id("student_groups", "0671234A", "Latin").await.to_string();
    let (status, _) =
        admin.call::<()>("/api/admin/groupe/modifier", &[("id", &group), ("nom", "Latin (option)")]).await;
    assert!(status.is_success());
    let subject = app.count("SELECT MIN(id) FROM subjects WHERE name = 'SVT'").await.to_string();
    let (status, _) = admin
        .call::<()>("/api/admin/matiere/modifier", &[("id", &subject), ("nom", "Sciences de la vie et de la Terre")])
        .await;
    assert!(status.is_success());
    let (status, empty) = admin.call::<()>("/api/admin/matiere/modifier", &[("id", &subject), ("nom", "")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{empty:?}");

    // A student moves class; their names are corrected.
    let target = app.unit_id("classes", "0671234A", "5e B").await.to_string();
    let form =
        [("identifiant", "lina.garnier"), ("nom", "Garnier-Weiss"), ("prenom", "Lina"), ("classe", target.as_str())];
    let (status, result) = admin.call::<()>("/api/admin/utilisateur/modifier", &form).await;
    assert!(status.is_success(), "{result:?}");
    let lina = app.user_id("lina.garnier").await;
    assert_eq!(
        app.count(&format!("SELECT class_id FROM class_students WHERE student_id = {lina}")).await.to_string(),
        target
    );
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM class_students WHERE student_id = {lina}")).await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE last_name = 'Garnier-Weiss'").await, 1);
    // Only students change class; unknown accounts are named in the error.
    let form = [("identifiant", "demo.prof"), ("nom", "Fontaine"), ("prenom", "Claire"), ("classe", target.as_str())];
    let (status, _) = admin.call::<()>("/api/admin/utilisateur/modifier", &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let form = [("identifiant", "personne.inconnue"), ("nom", "X"), ("prenom", "Y"), ("classe", "")];
    let (_, unknown) = admin.call::<()>("/api/admin/utilisateur/modifier", &form).await;
    assert!(matches!(unknown, Err(AppError::Invalid { ref reason, .. }) if reason.contains("personne.inconnue")));

    // An assignment is removed, once.
    let assignment = app.count("SELECT MIN(id) FROM assignments").await.to_string();
    let before = app.count("SELECT COUNT(*) FROM assignments").await;
    let (status, _) = admin.call::<()>("/api/admin/affectation/retirer", &[("id", &assignment)]).await;
    assert!(status.is_success());
    assert_eq!(app.count("SELECT COUNT(*) FROM assignments").await, before - 1);
    let (status, _) = admin.call::<()>("/api/admin/affectation/retirer", &[("id", &assignment)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(app.count("SELECT COUNT(*) FROM audit_log WHERE detail LIKE 'affectation % retirée'").await == 1);
}
