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

    let (status, applied) = admin.call::<ImportOutcome>("/api/admin/import", &form("true")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(matches!(applied, Ok(ImportOutcome::Applied(ref p)) if p.accounts == plan.accounts), "{applied:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, before + 3);
    let class = app.unit_id("classes", "0671234A", "3e D").await;
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM class_students WHERE class_id = {class}")).await, 2);
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE last_name = 'Zimmer' AND password_hash IS NULL").await, 2);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE detail LIKE 'import %'").await, 1);
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
    assert_eq!(
        outcome,
        Err(AppError::Invalid { field: "type_fichier".into(), reason: "Choisissez le type de fichier.".into() })
    );
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
    let (status, refused) = app
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
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a replaced code no longer works");
    assert_eq!(
        refused,
        Err(AppError::Invalid {
            field: "code".into(),
            reason: "Identifiant ou code d'activation incorrect, ou code expiré. Vérifiez la lettre remise par l'établissement."
                .into(),
        })
    );
}

#[tokio::test]
async fn accounts_classes_and_assignments_are_created_with_clear_errors() {
    let app = spawn_app().await;
    let admin = app.login_as("demo.admin").await;
    let created = admin.call::<()>("/api/admin/classe", &[("nom", "3e G"), ("niveau", "3e")]).await;
    assert_eq!(created, (StatusCode::OK, Ok(())));
    let dup = admin.call::<()>("/api/admin/classe", &[("nom", "3e G"), ("niveau", "3e")]).await;
    assert_eq!(dup, (StatusCode::CONFLICT, Err(AppError::Conflict("La classe « 3e G » existe déjà.".into()))));
    let empty = admin.call::<()>("/api/admin/classe", &[("nom", "  "), ("niveau", "")]).await;
    assert_eq!(
        empty,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Err(AppError::Invalid { field: "nom".into(), reason: "Ce champ est obligatoire.".into() })
        )
    );

    let (status, username) = admin
        .call::<String>(
            "/api/admin/utilisateur",
            &[("nom", "Weiss"), ("prenom", "Éloïse"), ("role", "enseignant"), ("classe", ""), ("identifiant", "")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(username.expect("username"), "eloise.weiss");
    let taken = admin
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
    assert_eq!(
        taken,
        (StatusCode::CONFLICT, Err(AppError::Conflict("L'identifiant « eloise.weiss » est déjà pris.".into())))
    );
    let (status, pirate) = admin
        .call::<String>(
            "/api/admin/utilisateur",
            &[("nom", "X"), ("prenom", "Y"), ("role", "pirate"), ("classe", ""), ("identifiant", "")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        matches!(pirate, Err(AppError::Invalid { ref reason, .. }) if reason == "Choisissez un rôle dans la liste."),
        "{pirate:?}"
    );

    let teacher = app.user_id("eloise.weiss").await.to_string();
    let subject = app.count("SELECT MIN(id) FROM subjects WHERE name = 'Latin'").await.to_string();
    let class = app.unit_id("classes", "0671234A", "3e G").await;
    let unit = format!("c:{class}");
    let form = [("enseignant", teacher.as_str()), ("matiere", subject.as_str()), ("unite", unit.as_str())];
    assert_eq!(admin.call::<()>("/api/admin/affectation", &form).await, (StatusCode::OK, Ok(())));
    assert_eq!(
        admin.call::<()>("/api/admin/affectation", &form).await,
        (StatusCode::CONFLICT, Err(AppError::Conflict("Cette affectation existe déjà.".into())))
    );
}

#[tokio::test]
async fn classes_groups_subjects_and_accounts_are_edited_in_place() {
    let app = spawn_app().await;
    let admin = app.login_as("demo.admin").await;
    let class = app.unit_id("classes", "0671234A", "6e A").await.to_string();
    let renamed =
        admin.call::<()>("/api/admin/classe/modifier", &[("id", &class), ("nom", "6e Alpha"), ("niveau", "6e")]).await;
    assert_eq!(renamed, (StatusCode::OK, Ok(())));
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM classes WHERE id = {class} AND name = '6e Alpha'")).await, 1);
    let (status, taken) =
        admin.call::<()>("/api/admin/classe/modifier", &[("id", &class), ("nom", "4e C"), ("niveau", "")]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(taken, Err(AppError::Conflict("La classe « 4e C » existe déjà.".into())));

    let group = app.unit_id("student_groups", "0671234A", "Latin").await.to_string();
    let renamed = admin.call::<()>("/api/admin/groupe/modifier", &[("id", &group), ("nom", "Latin (option)")]).await;
    assert_eq!(renamed, (StatusCode::OK, Ok(())));
    let subject = app.count("SELECT MIN(id) FROM subjects WHERE name = 'SVT'").await.to_string();
    let renamed = admin
        .call::<()>("/api/admin/matiere/modifier", &[("id", &subject), ("nom", "Sciences de la vie et de la Terre")])
        .await;
    assert_eq!(renamed, (StatusCode::OK, Ok(())));
    let empty = admin.call::<()>("/api/admin/matiere/modifier", &[("id", &subject), ("nom", "")]).await;
    assert_eq!(
        empty,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Err(AppError::Invalid { field: "nom".into(), reason: "Ce champ est obligatoire.".into() })
        )
    );

    // A student moves class; their names are corrected.
    let target = app.unit_id("classes", "0671234A", "5e B").await.to_string();
    let form =
        [("identifiant", "lina.garnier"), ("nom", "Garnier-Weiss"), ("prenom", "Lina"), ("classe", target.as_str())];
    assert_eq!(admin.call::<()>("/api/admin/utilisateur/modifier", &form).await, (StatusCode::OK, Ok(())));
    let lina = app.user_id("lina.garnier").await;
    assert_eq!(
        app.count(&format!("SELECT class_id FROM class_students WHERE student_id = {lina}")).await.to_string(),
        target
    );
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM class_students WHERE student_id = {lina}")).await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE last_name = 'Garnier-Weiss'").await, 1);
    // Only students change class; unknown accounts are named in the error.
    let form = [("identifiant", "demo.prof"), ("nom", "Fontaine"), ("prenom", "Claire"), ("classe", target.as_str())];
    assert_eq!(
        admin.call::<()>("/api/admin/utilisateur/modifier", &form).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Err(AppError::Invalid {
                field: "classe".into(),
                reason: "Seul un élève change de classe : laissez « — » pour ce compte.".into()
            })
        )
    );
    let form = [("identifiant", "personne.inconnue"), ("nom", "X"), ("prenom", "Y"), ("classe", "")];
    assert_eq!(
        admin.call::<()>("/api/admin/utilisateur/modifier", &form).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Err(AppError::Invalid {
                field: "identifiant".into(),
                reason: "Aucun compte « personne.inconnue » dans l'établissement. Vérifiez l'identifiant.".into()
            })
        )
    );

    // An assignment is removed, once.
    let assignment = app.count("SELECT MIN(id) FROM assignments").await.to_string();
    let before = app.count("SELECT COUNT(*) FROM assignments").await;
    let removed = admin.call::<()>("/api/admin/affectation/retirer", &[("id", &assignment)]).await;
    assert_eq!(removed, (StatusCode::OK, Ok(())));
    assert_eq!(app.count("SELECT COUNT(*) FROM assignments").await, before - 1);
    let again = admin.call::<()>("/api/admin/affectation/retirer", &[("id", &assignment)]).await;
    assert_eq!(again, (StatusCode::NOT_FOUND, Err(AppError::NotFound)));
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE detail LIKE 'affectation % retirée'").await, 1);
}

/// Issue 14, item 10: an account is one row for every establishment it belongs to, so an
/// establishment's administrator neither deactivates nor renames a teacher who also works in
/// another school, nor a region administrator; the refusal names who can, and nothing changes.
#[tokio::test]
async fn an_account_shared_with_another_establishment_is_left_to_whoever_administers_both() {
    let app = spawn_app().await;
    let (bartholdi_admin, _, _) = crate::permissions::second_establishment(&app).await;
    let bartholdi = app.count("SELECT id FROM establishments WHERE uai = '0681111B'").await;
    let prof = app.user_id("demo.prof").await;
    app.exec(&format!(
        "INSERT INTO memberships (user_id, establishment_id, role) VALUES ({prof}, {bartholdi}, 'enseignant')"
    ))
    .await;
    let prof_session = app.login_as("demo.prof").await;
    let admin = app.login_as("demo.admin").await;
    let id = prof.to_string();
    let shared = "Ce compte appartient aussi à l'établissement « Lycée Bartholdi » : seul l'administrateur de la région (ou un administrateur de chacun de ses établissements) peut le renommer, le désactiver ou le réactiver.";
    let refused_before = app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'access_refused'").await;

    let (status, result) = admin.call::<()>("/api/admin/activer", &[("id", id.as_str()), ("actif", "false")]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(result, Err(AppError::Conflict(shared.into())));
    let rename = [("identifiant", "demo.prof"), ("nom", "Autre"), ("prenom", "Nom"), ("classe", "")];
    let (status, result) = admin.call::<()>("/api/admin/utilisateur/modifier", &rename).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(result, Err(AppError::Conflict(shared.into())));
    // The other establishment's administrator is refused the same way.
    let (status, result) =
        bartholdi_admin.call::<()>("/api/admin/activer", &[("id", id.as_str()), ("actif", "false")]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(result, Err(AppError::Conflict(shared.replace("« Lycée Bartholdi »", "« Collège Jean Moulin »"))));
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM users WHERE id = {prof} AND active = 1 AND last_name <> 'Autre'"))
            .await,
        1,
        "nothing changed"
    );
    assert!(prof_session.whoami().await.is_some(), "the teacher's session lives on");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'access_refused'").await,
        refused_before + 3,
        "each refusal is audited"
    );

    // A region administrator's account is the region's.
    let direction = app.user_id("demo.direction").await;
    app.exec(&format!("UPDATE users SET region_admin = 1 WHERE id = {direction}")).await;
    let (status, result) =
        admin.call::<()>("/api/admin/activer", &[("id", direction.to_string().as_str()), ("actif", "false")]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        result,
        Err(AppError::Conflict(
            "Ce compte est celui d'un administrateur de la région : seul un administrateur de la région peut le renommer, le désactiver ou le réactiver.".into()
        ))
    );

    // Reactivating is refused as well.
    let (status, result) = admin.call::<()>("/api/admin/activer", &[("id", id.as_str()), ("actif", "true")]).await;
    assert_eq!((status, result), (StatusCode::CONFLICT, Err(AppError::Conflict(shared.into()))));

    // Someone who administers both establishments may.
    let admin_id = app.user_id("demo.admin").await;
    app.exec(&format!(
        "INSERT INTO memberships (user_id, establishment_id, role) VALUES ({admin_id}, {bartholdi}, 'administrateur')"
    ))
    .await;
    let admin = app.login_as("demo.admin").await;
    let (status, result) = admin.call::<()>("/api/admin/activer", &[("id", id.as_str()), ("actif", "false")]).await;
    assert_eq!((status, result), (StatusCode::OK, Ok(())));
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM users WHERE id = {prof} AND active = 0")).await, 1);
    assert!(prof_session.whoami().await.is_none(), "the deactivated teacher's sessions end");
}

/// Issue 14, item 13: a preview only reads. It runs while another connection holds SQLite's
/// write lock (it used to take that lock itself, waiting behind every writer and making them
/// wait behind its O(n²) username queries), and it reads the database in a bounded number of
/// queries however long the file and however many homonyms.
#[tokio::test]
async fn an_import_preview_reads_without_the_write_lock_in_a_bounded_number_of_queries() {
    let app = spawn_app().await;
    let admin = app.login_as("demo.admin").await;
    // 1,000 lines: 500 homonyms of lina.garnier (who exists), 500 different people.
    let mut csv = String::from("nom;prenom;classe\n");
    for i in 0..1000 {
        if i % 2 == 0 {
            csv.push_str("Garnier;Lina;3e H\n");
        } else {
            // Names hold no digits: the line number in letters.
            let letters: String =
                [i / 676, (i / 26) % 26, i % 26].iter().map(|&d| char::from(b'a' + d as u8)).collect();
            csv.push_str(&format!("Nom{letters};Prénom;3e H\n"));
        }
    }
    let users = app.count("SELECT COUNT(*) FROM users").await;

    // Another connection writes and holds the write lock for the whole preview.
    let mut writer = app::server::db::begin_write(&app.db).await.expect("a write transaction");
    sqlx::query("UPDATE establishments SET city = city WHERE uai = '0671234A'")
        .execute(&mut *writer)
        .await
        .expect("a write");
    let form = [("type_fichier", "eleves"), ("contenu", csv.as_str()), ("appliquer", "false")];
    let (status, preview) = admin.call::<ImportOutcome>("/api/admin/import", &form).await;
    assert_eq!(status, StatusCode::OK, "{preview:?}");
    let Ok(ImportOutcome::Preview(plan)) = preview else { panic!("expected a preview, got {preview:?}") };
    writer.commit().await.expect("the writer commits");
    assert_eq!(plan.accounts.len(), 1000);
    let garnier: Vec<&str> =
        plan.accounts.iter().map(|a| a.username.as_str()).filter(|u| u.starts_with("lina.garnier")).collect();
    let expected: Vec<String> = (2..=501).map(|n| format!("lina.garnier{n}")).collect();
    assert_eq!(garnier, expected, "homonyms numbered after the existing lina.garnier");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, users, "a preview writes nothing");

    // The plan's reads: classes, subjects, then the 501 distinct username prefixes, 200 a query.
    let rows = domain::import::parse_import(domain::import::ImportKind::Students, &csv).expect("a clean file");
    let est = domain::EstablishmentId(app.count("SELECT id FROM establishments WHERE uai = '0671234A'").await);
    let mut tx = app.db.begin().await.expect("a read transaction");
    let plan = app::admin::db::plan_import(&mut tx, est, &rows).await.expect("read").expect("a plan");
    assert_eq!(plan.reads, 2 + 501usize.div_ceil(app::admin::db::USERNAME_PREFIXES_PER_QUERY));
    tx.rollback().await.expect("read only");

    // Applied: all at once, with the same names.
    let form = [("type_fichier", "eleves"), ("contenu", csv.as_str()), ("appliquer", "true")];
    let (status, applied) = admin.call::<ImportOutcome>("/api/admin/import", &form).await;
    assert_eq!(status, StatusCode::OK);
    assert!(matches!(applied, Ok(ImportOutcome::Applied(ref p)) if p.accounts == plan.summary.accounts), "{applied:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, users + 1000);
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE username = 'lina.garnier501'").await, 1);
}

/// A unique constraint refusing a write becomes a 409 with a French message, in one place
/// (`From<sqlx::Error> for AppError`), on SQLite and PostgreSQL alike: the answer to a
/// duplicate that a feature's own check could not see yet (two people creating the same class
/// in the same instant). It used to be an internal error, answered 500.
#[tokio::test]
async fn a_unique_constraint_refusing_a_write_is_a_conflict_in_french() {
    let app = spawn_app().await;
    let est = app.count("SELECT id FROM establishments WHERE uai = '0671234A'").await;
    let duplicate =
        sqlx::query("INSERT INTO classes (id, establishment_id, name, level) VALUES ($1, $2, '4e C', '4e')")
            .bind(app::server::db::new_id())
            .bind(est)
            .execute(&app.db)
            .await
            .expect_err("the class 4e C exists in the demo school");
    let error = AppError::from(duplicate);
    assert_eq!(error, AppError::Conflict(app::error::ALREADY_EXISTS.into()));
    assert_eq!(error.status(), 409);
    // Any other database error stays internal.
    let other = sqlx::query("SELECT * FROM no_such_table").execute(&app.db).await.expect_err("no such table");
    assert_eq!(AppError::from(other), AppError::Internal);
}
