//! The edges of the server: Origin checks, headers, limits, health, redirects to login.

use crate::helpers::{PASSWORD, spawn_app};
use reqwest::{StatusCode, header};

#[tokio::test]
async fn health_answers_once_the_database_does() {
    let app = spawn_app().await;
    let res = reqwest::get(app.url("/healthz")).await.expect("sent");
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_post_from_another_site_or_without_origin_is_refused() {
    let app = spawn_app().await;
    let raw = reqwest::Client::new();
    let form = [("identifiant", "demo.eleve"), ("mot_de_passe", PASSWORD)];
    for origin in [Some("https://evil.example"), Some("null"), None] {
        let mut req = raw.post(app.url("/api/connexion")).form(&form);
        if let Some(o) = origin {
            req = req.header(header::ORIGIN, o);
        }
        let res = req.send().await.expect("sent");
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "origin {origin:?}");
        assert!(res.text().await.expect("body").contains("ne provient pas d'une page de Préau"));
    }
    let res = raw
        .post(app.url("/api/connexion"))
        .header("sec-fetch-site", "same-origin")
        .form(&form)
        .send()
        .await
        .expect("sent");
    // Same-origin fetch metadata is enough: logged in (a script's call, so 200 and the
    // redirect for it to follow).
    assert_eq!(res.status(), StatusCode::OK, "{:?}", res.headers());
    assert_eq!(res.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()), Some("/"));
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1);
}

#[tokio::test]
async fn server_functions_refuse_get() {
    let app = spawn_app().await;
    let s = app.login_as("demo.admin").await;
    let res = s.get("/api/admin/donnees").await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1, "nothing but the login happened");
}

#[tokio::test]
async fn pages_carry_a_nonce_policy_and_are_never_cached() {
    let app = spawn_app().await;
    let res = reqwest::get(app.url("/connexion")).await.expect("sent");
    assert_eq!(res.status(), StatusCode::OK);
    let headers = res.headers().clone();
    let csp =
        headers.get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let nonce = csp.split("'nonce-").nth(1).and_then(|r| r.split('\'').next()).unwrap_or_default().to_string();
    assert!(nonce.len() >= 16, "{csp}");
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("object-src 'none'"), "{csp}");
    assert_eq!(headers.get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()), Some("no-store"));
    assert_eq!(headers.get(header::X_FRAME_OPTIONS).and_then(|v| v.to_str().ok()), Some("DENY"));
    assert_eq!(headers.get(header::X_CONTENT_TYPE_OPTIONS).and_then(|v| v.to_str().ok()), Some("nosniff"));
    let html = res.text().await.expect("body");
    assert!(html.contains("<html lang=\"fr\""), "the page says it is French");
    for label in ["Identifiant", "Mot de passe", "Se connecter"] {
        assert!(html.contains(label), "{label} missing from the login page");
    }
    let scripts = html.matches("<script").count();
    let with_nonce = html.matches(&format!("nonce=\"{nonce}\"")).count();
    assert!(scripts > 0 && with_nonce >= scripts, "{scripts} scripts, {with_nonce} with the nonce");
    let other = reqwest::get(app.url("/connexion")).await.expect("sent");
    let csp2 = other
        .headers()
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert_ne!(csp, csp2, "a new nonce per response");
}

#[tokio::test]
async fn a_private_page_sends_the_anonymous_visitor_to_login_and_back() {
    let app = spawn_app().await;
    let s = app.session();
    let res = s.http.get(app.url("/classes/42")).header(header::ACCEPT, "text/html").send().await.expect("sent");
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(
        res.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()),
        Some("/connexion?suivant=/classes/42"),
    );
}

#[tokio::test]
async fn a_logged_in_page_renders_on_the_server_with_the_persons_name() {
    let app = spawn_app().await;
    let s = app.login_as("demo.parent").await;
    let res = s.get("/").await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.expect("body");
    assert!(html.contains("Sandrine Garnier"), "the dashboard is rendered without JavaScript");
    assert!(html.contains("Léo") && html.contains("Lina"), "both children are listed");
    assert!(html.contains("Se déconnecter"));
    let res = s.get("/page-qui-nexiste-pas").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.text().await.expect("body").contains("Page introuvable"));
}

#[tokio::test]
async fn an_oversized_body_is_refused_in_french() {
    let app = spawn_app().await;
    let s = app.login_as("demo.admin").await;
    let content = "x".repeat(server::MAX_BODY_BYTES + 1);
    let res = s
        .http
        .post(app.url("/api/admin/import"))
        .form(&[("type_fichier", "eleves"), ("contenu", content.as_str()), ("appliquer", "true")])
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(res.text().await.expect("body").starts_with("Envoi trop volumineux"));
}

#[tokio::test]
async fn a_field_that_cannot_be_read_is_a_400_in_french() {
    let app = spawn_app().await;
    let s = app.login_as("demo.prof").await;
    // A typed argument that does not parse, then a missing one: refused before any Préau code
    // runs, with the status and the French message of `AppError::Malformed`.
    for form in [&[("evaluation", "douze"), ("eleve", "1"), ("note", "12")][..], &[("note", "12")][..]] {
        let (status, answer) = s.call::<serde_json::Value>("/api/notes/saisir", form).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{form:?}");
        let e = answer.expect_err("refused");
        assert!(matches!(e, app::error::AppError::Malformed(_)), "{e:?}");
        assert!(e.message().starts_with("La demande est incomplète ou illisible"), "{}", e.message());
    }
    // An error of Préau's own keeps its status.
    let (status, _) = s
        .call::<serde_json::Value>("/api/notes/saisir", &[("evaluation", "999999"), ("eleve", "1"), ("note", "12")])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Issue 14, item 14: PREAU_PUBLIC_URL written with capitals and an explicit `:443` is the
/// origin browsers send in lower case without the port: POSTs are accepted, and over https
/// every answer carries HSTS.
#[tokio::test]
async fn the_public_url_is_compared_as_an_origin_and_https_turns_on_hsts() {
    let app = crate::helpers::spawn_app_with(&[("PREAU_PUBLIC_URL", "HTTPS://ENT.College-Exemple.fr:443/")]).await;
    let res = reqwest::Client::new()
        .post(app.url("/api/connexion"))
        .header(header::ORIGIN, "https://ent.college-exemple.fr")
        .form(&[("identifiant", "demo.eleve"), ("mot_de_passe", PASSWORD)])
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()), Some("/"));
    assert_eq!(
        res.headers().get(header::STRICT_TRANSPORT_SECURITY).and_then(|v| v.to_str().ok()),
        Some("max-age=31536000; includeSubDomains")
    );
    let res = reqwest::Client::new()
        .post(app.url("/api/connexion"))
        .header(header::ORIGIN, "https://ent.college-exemple.fr.evil.example")
        .form(&[("identifiant", "demo.eleve"), ("mot_de_passe", PASSWORD)])
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Served over plain http (no public URL), no HSTS.
    let plain = spawn_app().await;
    let res = reqwest::get(plain.url("/connexion")).await.expect("sent");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers().get(header::STRICT_TRANSPORT_SECURITY), None);
}
