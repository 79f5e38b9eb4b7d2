//! Logging in and out, sessions, throttling, activation.

use crate::helpers::{PASSWORD, spawn_app};
use app::error::AppError;
use reqwest::{StatusCode, header};

#[tokio::test]
async fn login_sets_an_http_only_cookie_and_logout_ends_the_session() {
    let app = spawn_app().await;
    let s = app.session();
    assert_eq!(s.whoami().await, None);

    let res = s
        .http
        .post(app.url("/api/connexion"))
        .form(&[("identifiant", "demo.eleve"), ("mot_de_passe", PASSWORD)])
        .send()
        .await
        .expect("login sent");
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers().get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert!(cookie.starts_with("preau_session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} missing from {cookie}");
    }
    let token = cookie["preau_session=".len()..].split(';').next().unwrap_or_default();
    assert_eq!(token.len(), 32, "a 128-bit token, hex");
    let stored: i64 = app.count("SELECT COUNT(*) FROM sessions").await;
    assert_eq!(stored, 1);
    let in_clear = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sessions WHERE token_hash = $1")
        .bind(token)
        .fetch_one(&app.db)
        .await
        .expect("query");
    assert_eq!(in_clear, 0, "the token is stored hashed, never as is");

    let me = s.whoami().await.expect("logged in");
    assert_eq!(me.username, "demo.eleve");
    assert_eq!(me.roles, vec![domain::Role::Student]);

    let (status, result) = s.call::<()>("/api/deconnexion", &[]).await;
    assert_eq!((status, result), (StatusCode::OK, Ok(())));
    assert_eq!(s.whoami().await, None);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

#[tokio::test]
async fn each_login_gets_a_new_token_and_the_old_one_stops_working() {
    let app = spawn_app().await;
    let s = app.login_as("demo.prof").await;
    let first = s.cookie_header().expect("cookie");
    let (status, result) = s.login("demo.prof", PASSWORD).await;
    assert_eq!((status, result), (StatusCode::OK, Ok(())));
    let second = s.cookie_header().expect("cookie");
    assert_ne!(first, second);

    let old = app.session();
    let res = old.http.post(app.url("/api/moi")).header(header::COOKIE, first).send().await.expect("sent");
    assert_eq!(res.text().await.expect("body"), "null", "the previous session has ended");
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1);
}

/// `suivant` values an attacker would try: off-site, stripped or rewritten by browsers before
/// resolving (tab, newline, backslash), percent-encoded, or an encoded scheme.
const HOSTILE_NEXT: &[&str] = &[
    "//evil.example/x",
    "https://evil.example",
    "/\t/evil.example/",
    "/\n/evil.example/",
    "/\r\n/evil.example/",
    "/%09/evil.example/",
    "/%0A/evil.example/",
    "/%0d%0aSet-Cookie:%20x=1",
    "/\\evil.example",
    "/\\\\evil.example",
    "/%5Cevil.example",
    "/%2Fevil.example",
    "/%2F%2Fevil.example",
    "%6Aavascript:alert(1)",
    "javascript:alert(1)",
    "/javascript%3Aalert(1)",
];

#[tokio::test]
async fn a_plain_form_login_redirects_to_a_local_page_only() {
    let app = spawn_app().await;
    let cases = [("/classes/12", "/classes/12"), ("/carnet-de-notes?classe=3", "/carnet-de-notes?classe=3")]
        .into_iter()
        .chain(HOSTILE_NEXT.iter().map(|next| (*next, "/")));
    for (next, expected) in cases {
        // Without JavaScript: a form post, answered with a real redirect.
        let s = app.session();
        let res = s
            .http
            .post(app.url("/api/connexion"))
            .header(header::ACCEPT, "text/html")
            .form(&[("identifiant", "demo.parent"), ("mot_de_passe", PASSWORD), ("suivant", next)])
            .send()
            .await
            .unwrap_or_else(|e| panic!("suivant={next:?}: no answer ({e})"));
        assert_eq!(res.status(), StatusCode::FOUND, "suivant={next:?}");
        assert_eq!(res.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()), Some(expected), "{next:?}");
        assert!(s.whoami().await.is_some(), "logged in, suivant={next:?}");
        // With JavaScript: the server function's client reads the same Location.
        let s = app.session();
        let res = s
            .http
            .post(app.url("/api/connexion"))
            .form(&[("identifiant", "demo.parent"), ("mot_de_passe", PASSWORD), ("suivant", next)])
            .send()
            .await
            .unwrap_or_else(|e| panic!("suivant={next:?}: no answer ({e})"));
        assert_eq!(res.status(), StatusCode::OK, "suivant={next:?}");
        assert_eq!(res.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()), Some(expected), "{next:?}");
        assert!(res.headers().contains_key("serverfnredirect"), "{next:?}");
    }
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_account_get_the_same_french_answer() {
    let app = spawn_app().await;
    let s = app.session();
    let (status_wrong, wrong) = s.login("demo.eleve", "pas-le-bon-mot-de-passe").await;
    let (status_unknown, unknown) = s.login("personne.inconnue", "pas-le-bon-mot-de-passe").await;
    assert_eq!(status_wrong, StatusCode::UNAUTHORIZED);
    assert_eq!(status_unknown, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong, Err(AppError::BadCredentials));
    assert_eq!(unknown, Err(AppError::BadCredentials));
    assert!(AppError::BadCredentials.message().starts_with("Identifiant ou mot de passe incorrect"));
    assert_eq!(s.whoami().await, None);

    let (status, empty) = s.login("", "x").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{empty:?}");
}

#[tokio::test]
async fn repeated_failures_slow_the_account_down_without_locking_it_for_good() {
    let app = spawn_app().await;
    let s = app.session();
    let free = domain::throttle::ACCOUNT_POLICY.free_failures;
    for _ in 0..free {
        assert_eq!(s.login("demo.eleve", "mauvais-mot-de-passe").await.1, Err(AppError::BadCredentials));
    }
    let (status, result) = s.login("demo.eleve", "mauvais-mot-de-passe").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the failure past the free ones is still answered");
    assert_eq!(result, Err(AppError::BadCredentials));
    // Now the account must wait, even with the right password.
    let (status, result) = s.login("demo.eleve", PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let Err(AppError::Throttled(secs)) = result else { panic!("expected a delay, got {result:?}") };
    assert!((1..=60).contains(&secs), "{secs}");
    assert!(AppError::Throttled(secs).message().starts_with("Trop de tentatives incorrectes. Patientez"));
    // Another account from the same address is not held up by this one.
    let (status, result) = s.login("demo.parent", PASSWORD).await;
    assert_eq!((status, result), (StatusCode::OK, Ok(())));
    // Once the delay has passed (simulated by ageing the counter), the right password works.
    sqlx::query("UPDATE login_throttle SET last_failure_at = last_failure_at - 120000")
        .execute(&app.db)
        .await
        .expect("ageing the counter");
    let (status, result) = s.login("demo.eleve", PASSWORD).await;
    assert_eq!((status, result), (StatusCode::OK, Ok(())));
}

#[tokio::test]
async fn a_school_behind_one_address_never_loses_a_correct_password_to_others_typos() {
    let app = spawn_app().await;
    let s = app.session();
    // 70 mistyped usernames from one address (127.0.0.1), past the address's free failures.
    for n in 0..70 {
        let (status, result) = s.login(&format!("eleve.inconnu{n}"), "mauvais-mot-de-passe").await;
        assert_eq!((status, result), (StatusCode::UNAUTHORIZED, Err(AppError::BadCredentials)), "typo {n}");
    }
    assert_eq!(app.count("SELECT failures FROM login_throttle WHERE throttle_key = 'ip:127.0.0.1'").await, 70);
    // Another person's correct password goes through at once, from the same address.
    let (status, result) = s.login("demo.prof", PASSWORD).await;
    assert_eq!((status, result), (StatusCode::OK, Ok(())));
    // And a wrong one is still only a wrong one: the address slows down, never refuses.
    let other = app.session();
    let (status, result) = other.login("demo.eleve", "mauvais-mot-de-passe").await;
    assert_eq!((status, result), (StatusCode::UNAUTHORIZED, Err(AppError::BadCredentials)));
    assert_eq!(app.count("SELECT failures FROM login_throttle WHERE throttle_key = 'ip:127.0.0.1'").await, 71);
}

#[tokio::test]
async fn fifty_concurrent_guesses_get_only_the_free_attempts_checked() {
    let app = spawn_app().await;
    let allowed = domain::throttle::ACCOUNT_POLICY.free_failures as usize + 1;
    let guesses = (0..50).map(|n| {
        let s = app.session();
        async move { s.login("demo.eleve", &format!("devinette-{n}")).await }
    });
    let answers = futures_util::future::join_all(guesses).await;
    let checked = answers.iter().filter(|a| **a == (StatusCode::UNAUTHORIZED, Err(AppError::BadCredentials))).count();
    let refused = answers
        .iter()
        .filter(|(status, result)| {
            *status == StatusCode::TOO_MANY_REQUESTS && matches!(result, Err(AppError::Throttled(_)))
        })
        .count();
    assert_eq!((checked, refused), (allowed, 50 - allowed), "{answers:?}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'login_failed'").await,
        allowed as i64,
        "one audit entry per checked guess"
    );
}

#[tokio::test]
async fn fifty_concurrent_activation_codes_get_only_the_free_attempts_checked() {
    let app = spawn_app().await;
    let username = domain::Username::parse("b.durand").expect("username");
    let first = domain::PersonName::parse("prenom", "Bruno").expect("name");
    let last = domain::PersonName::parse("nom", "Durand").expect("name");
    let uai = domain::Uai::parse("0671234A").expect("uai");
    let code =
        server::cli::create_admin(&app.db, &username, &first, &last, &server::cli::AdminScope::Establishment(uai))
            .await
            .expect("admin created");
    let allowed = domain::throttle::ACCOUNT_POLICY.free_failures as usize + 1;
    let wrong = AppError::Invalid {
        field: "code".into(),
        reason:
            "Identifiant ou code d'activation incorrect, ou code expiré. Vérifiez la lettre remise par l'établissement."
                .into(),
    };
    let guesses = (0..50).map(|n| {
        let s = app.session();
        async move {
            let guess = format!("AAAA-BBBB-{n:02}");
            s.call::<()>(
                "/api/activation",
                &[
                    ("identifiant", "b.durand"),
                    ("code", guess.as_str()),
                    ("mot_de_passe", "un-tres-long-mot-de-passe"),
                    ("confirmation", "un-tres-long-mot-de-passe"),
                ],
            )
            .await
        }
    });
    let answers = futures_util::future::join_all(guesses).await;
    let checked = answers.iter().filter(|a| **a == (StatusCode::UNPROCESSABLE_ENTITY, Err(wrong.clone()))).count();
    let refused = answers
        .iter()
        .filter(|(status, result)| {
            *status == StatusCode::TOO_MANY_REQUESTS && matches!(result, Err(AppError::Throttled(_)))
        })
        .count();
    assert_eq!((checked, refused), (allowed, 50 - allowed), "{answers:?}");
    // The right code still waits out the delay, then works.
    let (status, result) = app
        .session()
        .call::<()>(
            "/api/activation",
            &[
                ("identifiant", "b.durand"),
                ("code", code.as_str()),
                ("mot_de_passe", "un-tres-long-mot-de-passe"),
                ("confirmation", "un-tres-long-mot-de-passe"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{result:?}");
    app.exec("UPDATE login_throttle SET last_failure_at = last_failure_at - 120000").await;
    app.activate("b.durand", &code, "un-tres-long-mot-de-passe").await;
}

#[tokio::test]
async fn an_idle_session_ends_and_its_cookie_is_cleared() {
    let app = spawn_app().await;
    let s = app.login_as("demo.viesco").await;
    assert!(s.whoami().await.is_some());
    let idle = app.state.auth.idle_timeout_ms + 1_000;
    sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - $1")
        .bind(idle)
        .execute(&app.db)
        .await
        .expect("ageing the session");
    let res = s.http.post(app.url("/api/moi")).send().await.expect("sent");
    let cleared = res.headers().get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert_eq!(res.text().await.expect("body"), "null");
}

#[tokio::test]
async fn a_session_ends_after_the_absolute_timeout_even_when_used() {
    let app = spawn_app().await;
    let s = app.login_as("demo.viesco").await;
    sqlx::query("UPDATE sessions SET created_at = created_at - $1")
        .bind(app.state.auth.absolute_timeout_ms + 1_000)
        .execute(&app.db)
        .await
        .expect("ageing the session");
    assert_eq!(s.whoami().await, None);
}

#[tokio::test]
async fn an_administrator_made_on_the_command_line_activates_with_the_code_once() {
    let app = spawn_app().await;
    let username = domain::Username::parse("a.martin").expect("username");
    let first = domain::PersonName::parse("prenom", "Alice").expect("name");
    let last = domain::PersonName::parse("nom", "Martin").expect("name");
    let uai = domain::Uai::parse("0671234A").expect("uai");
    let code =
        server::cli::create_admin(&app.db, &username, &first, &last, &server::cli::AdminScope::Establishment(uai))
            .await
            .expect("admin created");

    let s = app.session();
    let (status, login) = s.login("a.martin", "nimporte-quoi-du-tout").await;
    assert_eq!(
        (status, login),
        (StatusCode::UNAUTHORIZED, Err(AppError::BadCredentials)),
        "no password before activation"
    );

    let activate = |password: &'static str, code: String| {
        let s = app.session();
        async move {
            s.call::<()>(
                "/api/activation",
                &[("identifiant", "a.martin"), ("code", &code), ("mot_de_passe", password), ("confirmation", password)],
            )
            .await
        }
    };
    for weak in ["court", "motdepasse123", "a.martin1234567"] {
        let (status, result) = activate(weak, code.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{weak}: {result:?}");
    }
    let (status, result) = activate("un-tres-long-mot-de-passe", "AAAA-BBBB-CC".into()).await;
    assert_eq!((status, result), (
        StatusCode::UNPROCESSABLE_ENTITY,
        Err(AppError::Invalid {
            field: "code".into(),
            reason: "Identifiant ou code d'activation incorrect, ou code expiré. Vérifiez la lettre remise par l'établissement.".into()
        })
    ), "a wrong code");

    let typed = code.to_lowercase().replace('-', " ");
    let s = app.activate("a.martin", &typed, "un-tres-long-mot-de-passe").await;
    let me = s.whoami().await.expect("logged in after activation");
    assert_eq!(me.roles, vec![domain::Role::Admin]);
    let (status, again) = activate("un-autre-long-mot-de-passe", code).await;
    assert_eq!((status, again), (
        StatusCode::UNPROCESSABLE_ENTITY,
        Err(AppError::Invalid {
            field: "code".into(),
            reason: "Identifiant ou code d'activation incorrect, ou code expiré. Vérifiez la lettre remise par l'établissement.".into()
        })
    ), "a code works once");
    app.login_with("a.martin", "un-tres-long-mot-de-passe").await;
}

#[tokio::test]
async fn a_deactivated_account_is_logged_out_and_cannot_log_in() {
    let app = spawn_app().await;
    let student = app.login_as("demo.eleve").await;
    let admin = app.login_as("demo.admin").await;
    let id = app.user_id("demo.eleve").await.to_string();
    let (status, result) = admin.call::<Option<String>>("/api/admin/activer", &[("id", &id), ("actif", "false")]).await;
    assert_eq!((status, result), (StatusCode::OK, Ok(None)));
    assert_eq!(student.whoami().await, None);
    let (status, result) = app.session().login("demo.eleve", PASSWORD).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        result,
        Err(AppError::Conflict(
            "Ce compte est désactivé. Contactez le référent numérique de votre établissement.".into()
        ))
    );

    // Reactivated, the account waits for its new activation code (account::a_reactivated_…).
    let (status, result) = admin.call::<Option<String>>("/api/admin/activer", &[("id", &id), ("actif", "true")]).await;
    assert_eq!(status, StatusCode::OK);
    let code = result.expect("reactivated").expect("a new code");
    app.activate("demo.eleve", &code, "une phrase de passe toute neuve").await;
}

#[tokio::test]
async fn without_javascript_a_refused_login_comes_back_to_the_form_with_the_message() {
    let app = spawn_app().await;
    let s = app.session();
    let res = s
        .http
        .post(app.url("/api/connexion"))
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, app.url("/connexion"))
        .form(&[("identifiant", "demo.eleve"), ("mot_de_passe", "pas-le-bon")])
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), StatusCode::FOUND);
    let location = res.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert!(location.contains("/connexion?") && location.contains("__err="), "{location}");
    let page = s.http.get(location).send().await.expect("sent").text().await.expect("body");
    assert!(page.contains("Identifiant ou mot de passe incorrect"), "the error is shown on the form");
}
