//! « Mon compte »: changing one's password (the current one required) and ending one's other
//! sessions; both end every other session and its sockets. An administrator's reactivation
//! of an account clears its password and issues a new activation code.

use crate::helpers::{PASSWORD, spawn_app};
use crate::pads::{Client, class_4c, create_pad};
use app::error::AppError;
use reqwest::StatusCode;
use server::pads::close;

const NEW_PASSWORD: &str = "une phrase de passe toute neuve";

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_ends_the_other_sessions() {
    let app = spawn_app().await;
    let here = app.login_as("demo.prof").await;
    let phone = app.login_as("demo.prof").await;
    let pad = create_pad(&here, &class_4c(&app).await, "class").await;
    let mut phone_pad = Client::join(&app, &phone, pad, 7).await;

    let wrong = [("actuel", "pas le bon"), ("nouveau", NEW_PASSWORD), ("confirmation", NEW_PASSWORD)];
    let (status, result) = here.call::<()>("/api/compte/mot-de-passe", &wrong).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        result,
        Err(AppError::Invalid { field: "actuel".into(), reason: "Le mot de passe actuel est incorrect.".into() })
    );
    let mismatch = [("actuel", PASSWORD), ("nouveau", NEW_PASSWORD), ("confirmation", "autre chose encore ici")];
    let (status, result) = here.call::<()>("/api/compte/mot-de-passe", &mismatch).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        result,
        Err(AppError::Invalid {
            field: "confirmation".into(),
            reason: "Les deux nouveaux mots de passe ne sont pas identiques.".into()
        })
    );
    assert!(phone.whoami().await.is_some(), "nothing changed yet");

    let good = [("actuel", PASSWORD), ("nouveau", NEW_PASSWORD), ("confirmation", NEW_PASSWORD)];
    let (status, result) = here.call::<()>("/api/compte/mot-de-passe", &good).await;
    assert_eq!((status, result), (StatusCode::OK, Ok(())));
    assert!(here.whoami().await.is_some(), "this session goes on");
    assert!(phone.whoami().await.is_none(), "the other session ended");
    assert_eq!(phone_pad.closed().await.0, close::SESSION_ENDED);

    let (status, result) = app.session().login("demo.prof", PASSWORD).await;
    assert_eq!((status, result), (StatusCode::UNAUTHORIZED, Err(AppError::BadCredentials)));
    let (status, _) = app.session().login("demo.prof", NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'password_changed'").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'password_change_failed'").await, 1);
}

#[tokio::test]
async fn logging_out_the_other_sessions_keeps_this_one() {
    let app = spawn_app().await;
    let here = app.login_as("demo.eleve").await;
    let tablet = app.login_as("demo.eleve").await;
    let laptop = app.login_as("demo.eleve").await;
    let classmate = app.login_as("demo.eleve2").await;
    let info = here.call::<app::auth::account::AccountOverview>("/api/compte", &[]).await;
    assert_eq!(info, (StatusCode::OK, Ok(app::auth::account::AccountOverview { other_sessions: 2 })));

    let (status, result) = here.call::<()>("/api/compte/autres-sessions", &[]).await;
    assert_eq!((status, result), (StatusCode::OK, Ok(())));
    assert!(here.whoami().await.is_some());
    assert!(tablet.whoami().await.is_none());
    assert!(laptop.whoami().await.is_none());
    assert!(classmate.whoami().await.is_some(), "someone else's session is not touched");
    let info = here.call::<app::auth::account::AccountOverview>("/api/compte", &[]).await;
    assert_eq!(info, (StatusCode::OK, Ok(app::auth::account::AccountOverview { other_sessions: 0 })));
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'other_sessions_ended'").await, 1);

    let (status, result) = app.session().call::<()>("/api/compte/autres-sessions", &[]).await;
    assert_eq!((status, result), (StatusCode::UNAUTHORIZED, Err(AppError::Unauthenticated)));
}

#[tokio::test]
async fn a_reactivated_account_loses_its_password_and_gets_a_new_code() {
    let app = spawn_app().await;
    let admin = app.login_as("demo.admin").await;
    let id = app.user_id("demo.eleve").await.to_string();
    let (status, result) = admin.call::<Option<String>>("/api/admin/activer", &[("id", &id), ("actif", "false")]).await;
    assert_eq!((status, result), (StatusCode::OK, Ok(None)));
    let (status, result) = admin.call::<Option<String>>("/api/admin/activer", &[("id", &id), ("actif", "true")]).await;
    assert_eq!(status, StatusCode::OK);
    let code = result.expect("reactivated").expect("a new activation code");

    let (status, result) = app.session().login("demo.eleve", PASSWORD).await;
    assert_eq!((status, result), (StatusCode::UNAUTHORIZED, Err(AppError::BadCredentials)), "the old password is gone");
    let s = app.activate("demo.eleve", &code, NEW_PASSWORD).await;
    assert_eq!(s.whoami().await.map(|me| me.username), Some("demo.eleve".to_string()));
}

/// Without JavaScript the reactivation form is answered by a redirect back to the
/// administration page, which shows the new code and whom to give it to (it used to be shown
/// only once hydrated: a plain post lost it). The code is never in a URL.
#[tokio::test]
async fn a_reactivation_posted_without_javascript_shows_the_new_code_on_the_page_it_returns_to() {
    use reqwest::header::{ACCEPT, LOCATION, REFERER, SET_COOKIE};
    let app = spawn_app().await;
    let admin = app.login_as("demo.admin").await;
    let id = app.user_id("demo.prof").await.to_string();
    let (status, result) = admin.call::<Option<String>>("/api/admin/activer", &[("id", &id), ("actif", "false")]).await;
    assert_eq!((status, result), (StatusCode::OK, Ok(None)));

    let res = admin
        .http
        .post(app.url("/api/admin/activer"))
        .header(ACCEPT, "text/html")
        .header(REFERER, app.url("/admin"))
        .form(&[("id", id.as_str()), ("actif", "true")])
        .send()
        .await
        .expect("posted");
    assert_eq!(res.status(), StatusCode::FOUND);
    let back = res.headers()[LOCATION].to_str().expect("a Location").to_string();
    assert_eq!(back.trim_end_matches('?'), app.url("/admin"), "back to the page, nothing in the URL");
    let cookie = res.headers()[SET_COOKIE].to_str().expect("a cookie").to_string();
    assert!(
        cookie.starts_with(&format!("{}={id}.", app::admin::api::HANDED_CODE_COOKIE))
            && cookie.ends_with(&format!(
                "; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
                app::admin::api::HANDED_CODE_SECS
            )),
        "« {cookie} »"
    );

    let page = admin.get("/admin").await.text().await.expect("the page");
    let notice = page.split("Compte réactivé.").nth(1).expect("the reactivation notice on the page");
    let (whom, rest) = notice.split_once("<strong>").expect("the code in bold");
    let code = rest.split_once("</strong>").expect("its end").0;
    let name: String = sqlx::query_scalar("SELECT first_name FROM users WHERE username = 'demo.prof'")
        .fetch_one(&app.db)
        .await
        .expect("the teacher's name");
    assert!(whom.contains(&name), "the notice names whom to give the code to: « {whom} »");
    assert_eq!(app::auth::normalise_code(code).len(), app::auth::CODE_LEN, "a whole code: « {code} »");

    // It is the account's code; once used, the page no longer shows it.
    let s = app.activate("demo.prof", code, NEW_PASSWORD).await;
    assert_eq!(s.whoami().await.map(|me| me.username), Some("demo.prof".to_string()));
    let page = admin.get("/admin").await.text().await.expect("the page");
    assert!(!page.contains("Compte réactivé."), "a used code is not shown again");
}
