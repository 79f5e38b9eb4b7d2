//! The `preau` command line, run as the real binary: help that succeeds, mistakes refused
//! with exit code 2 and a French message naming the option at fault, nothing written then.

use crate::helpers::fresh_database_url;
use std::process::{Command, Output};

fn preau(args: &[&str], database: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_preau"))
        .args(args)
        .env("DATABASE_URL", database)
        .env("RUST_LOG", "warn")
        .output()
        .expect("running preau")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn city_of(database: &str, uai: &str) -> Option<String> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(database).await.expect("connecting to the test database");
    let city = sqlx::query_scalar::<_, String>("SELECT city FROM establishments WHERE uai = $1")
        .bind(uai)
        .fetch_optional(&pool)
        .await
        .expect("reading the establishment");
    pool.close().await;
    city
}

#[tokio::test]
async fn help_is_printed_and_succeeds() {
    let out = preau(&["--help"], "sqlite::memory:");
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let help = text(&out.stdout);
    assert!(help.contains("Usage : preau"), "{help}");
    assert!(help.contains("etablissement") && help.contains("admin") && help.contains("migrate"), "{help}");

    let out = preau(&["admin", "create", "--help"], "sqlite::memory:");
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("--region"), "{}", text(&out.stdout));
}

#[tokio::test]
async fn a_misspelt_option_is_refused_and_nothing_is_created() {
    let database = fresh_database_url().await;
    let out = preau(&["migrate"], &database);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));

    let out = preau(
        &["etablissement", "create", "--uai", "0679999Z", "--nom", "Lycée Kléber", "--vile", "Strasbourg"],
        &database,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.starts_with("Erreur : option inconnue « --vile »"), "{err}");
    assert_eq!(city_of(&database, "0679999Z").await, None);

    let out = preau(
        &["etablissement", "create", "--uai", "0679999Z", "--nom", "Lycée Kléber", "--ville", "Strasbourg"],
        &database,
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert_eq!(city_of(&database, "0679999Z").await.as_deref(), Some("Strasbourg"));
}

#[tokio::test]
async fn unknown_commands_and_missing_or_conflicting_options_are_explained() {
    let out = preau(&["etablisement", "create"], "sqlite::memory:");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("Erreur : commande inconnue « etablisement »"), "{}", text(&out.stderr));

    let out = preau(&["etablissement", "create", "--uai", "0679999Z"], "sqlite::memory:");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("Erreur : option obligatoire manquante : --nom"), "{}", text(&out.stderr));

    let out = preau(
        &[
            "admin",
            "create",
            "--identifiant",
            "j.dupont",
            "--prenom",
            "Jean",
            "--nom",
            "Dupont",
            "--uai",
            "0671234A",
            "--region",
        ],
        "sqlite::memory:",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("Erreur : options incompatibles"), "{}", text(&out.stderr));

    let out = preau(
        &["admin", "create", "--identifiant", "j.dupont", "--prenom", "Jean", "--nom", "Dupont"],
        "sqlite::memory:",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("Erreur : option obligatoire manquante"), "{}", text(&out.stderr));
}
