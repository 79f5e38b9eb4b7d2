//! Issue 14, item 7: a socket ends with its session (4001), whatever ends it: idle or
//! absolute expiry found by the housekeeping loop, not only a logout; and the person's own
//! socket traffic keeps the session alive as requests do.

use crate::helpers::spawn_app_with;
use crate::pads::{Client, class_4c, create_pad};
use app::server::db::now_ms;
use server::pads::close;
use std::time::Duration;

#[tokio::test]
async fn an_idle_or_too_old_session_closes_its_sockets() {
    let app = spawn_app_with(&[("PREAU_SESSION_IDLE_MINUTES", "1"), ("PREAU_SESSION_MAX_HOURS", "1")]).await;
    let prof = app.login_as("demo.prof").await;
    let student = app.login_as("demo.eleve").await;
    let pad = create_pad(&prof, &class_4c(&app).await, "class").await;
    let mut idle = Client::join(&app, &prof, pad, 1).await;
    let mut old = Client::join(&app, &student, pad, 2).await;

    let prof_id = app.user_id("demo.prof").await;
    let student_id = app.user_id("demo.eleve").await;
    app.exec(&format!("UPDATE sessions SET last_seen_at = {} WHERE user_id = {prof_id}", now_ms() - 2 * 60_000)).await;
    app.exec(&format!("UPDATE sessions SET created_at = {} WHERE user_id = {student_id}", now_ms() - 2 * 3_600_000))
        .await;
    server::housekeeping(&app.state).await;

    assert_eq!(idle.closed().await.0, close::SESSION_ENDED);
    assert_eq!(old.closed().await.0, close::SESSION_ENDED);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

#[tokio::test]
async fn typing_in_a_pad_keeps_the_session_alive() {
    let app = spawn_app_with(&[("PREAU_SESSION_IDLE_MINUTES", "1")]).await;
    let prof = app.login_as("demo.prof").await;
    let pad = create_pad(&prof, &class_4c(&app).await, "class").await;
    let mut writer = Client::join(&app, &prof, pad, 3).await;
    let stale = now_ms() - 50_000;
    app.exec(&format!("UPDATE sessions SET last_seen_at = {stale}")).await;

    let (_, seq) = writer.type_at(0, "Bonjour").await;
    writer.wait_ack(seq).await;
    let mut refreshed = false;
    for _ in 0..100 {
        if app.count(&format!("SELECT COUNT(*) FROM sessions WHERE last_seen_at > {stale}")).await == 1 {
            refreshed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(refreshed, "the edit refreshed the session");
    server::housekeeping(&app.state).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1, "still open");
    assert!(prof.whoami().await.is_some());
}
