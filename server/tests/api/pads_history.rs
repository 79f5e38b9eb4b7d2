//! A pad's history, authorship, exports and import through the real server: versions saved
//! at each session's end and listed, a restore that reaches an open connection and is
//! durable (and erases nothing), the refusals, the downloads and their sanitising, an import
//! made in one transaction, and who writes with which Yjs client id.

use crate::helpers::{Session, TestApp, spawn_app};
use crate::pads::{Client, class_4c, create_pad, stored_text};
use crate::permissions::second_establishment;
use app::pads::{PadAuthorship, PadHistory, PadLine, VersionText};
use domain::PadId;
use futures_util::SinkExt;
use reqwest::{StatusCode, header};
use server::pads::close;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

async fn history(s: &Session, pad: PadId) -> (StatusCode, Result<PadHistory, app::error::AppError>) {
    s.call::<PadHistory>("/api/pads/historique", &[("pad", &pad.to_string())]).await
}

async fn version_at(s: &Session, pad: PadId, position: Option<usize>) -> VersionText {
    let pad = pad.to_string();
    let position = position.map(|p| p.to_string());
    let mut form = vec![("pad", pad.as_str())];
    if let Some(p) = &position {
        form.push(("position", p.as_str()));
    }
    let (status, v) = s.call::<Option<VersionText>>("/api/pads/version", &form).await;
    assert_eq!(status, StatusCode::OK, "{v:?}");
    v.expect("a version").expect("the pad has versions")
}

/// Waits until the pad's history lists `n` versions (they are written in the background).
async fn wait_versions(s: &Session, pad: PadId, n: usize) -> PadHistory {
    for _ in 0..200 {
        let (status, h) = history(s, pad).await;
        assert_eq!(status, StatusCode::OK, "{h:?}");
        let h = h.expect("a history");
        if h.versions.len() >= n {
            assert_eq!(h.versions.len(), n, "{h:?}");
            return h;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the pad never had {n} versions");
}

async fn leave(mut c: Client) {
    let _ = c.socket.send(Message::Close(None)).await;
    drop(c);
}

/// Posts the restore form as a browser without JavaScript does.
async fn restore(s: &Session, pad: PadId, version: &str) -> reqwest::Response {
    s.http
        .post(format!("{}/pads/{pad}/restaurer", s.base))
        .header(header::ACCEPT, "text/html")
        .form(&[("version", version)])
        .send()
        .await
        .expect("request sent")
}

fn location(res: &reqwest::Response) -> String {
    res.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

async fn refusals(app: &TestApp, pad: PadId) -> i64 {
    app.count(&format!("SELECT COUNT(*) FROM audit_log WHERE action = 'access_refused' AND detail LIKE '%{pad}%'"))
        .await
}

#[tokio::test]
async fn each_session_end_saves_a_version_that_the_history_lists_with_its_editors() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let pad = create_pad(&prof, &class_4c(&app).await, "class").await;
    let (status, h) = history(&prof, pad).await;
    assert_eq!((status, h.map(|h| h.versions.len())), (StatusCode::OK, Ok(0)));

    let eleve = app.login_as("demo.eleve").await;
    let mut a = Client::join(&app, &eleve, pad, 101).await;
    a.type_at(0, "Bonjour").await;
    a.wait_for("Bonjour").await;
    leave(a).await;
    let h = wait_versions(&prof, pad, 1).await;
    assert_eq!(h.versions[0].editors, ["Léo Garnier"]);
    assert!(h.versions[0].when.contains(" à "), "{}", h.versions[0].when);
    assert!(h.can_edit);
    assert_eq!(version_at(&prof, pad, None).await.text, "Bonjour");

    // A second session, by a classmate: a second version, the first unchanged.
    app.give_password("demo.eleve2").await;
    let eleve2 = app.login_as("demo.eleve2").await;
    let mut b = Client::join(&app, &eleve2, pad, 202).await;
    b.type_at(7, " à tous").await;
    b.wait_for("Bonjour à tous").await;
    leave(b).await;
    let h = wait_versions(&prof, pad, 2).await;
    assert_eq!(h.versions[1].editors.len(), 1);
    assert_ne!(h.versions[1].editors, ["Léo Garnier"]);
    assert_eq!(version_at(&prof, pad, Some(1)).await.text, "Bonjour");
    let latest = version_at(&prof, pad, Some(99)).await;
    assert_eq!((latest.position, latest.text.as_str()), (2, "Bonjour à tous"));

    // The page, server-rendered (what a browser without JavaScript gets): the slider's GET
    // form, the chosen version's text, and the restore link for someone who may edit.
    let res = eleve.get(&format!("/pads/{pad}/historique?version=1")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.expect("page");
    assert!(html.contains(r#"type="range""#) && html.contains(r#"name="version""#), "{html}");
    assert!(html.contains("Voir"));
    assert!(html.contains("Bonjour") && !html.contains("Bonjour à tous</div>"));
    assert!(html.contains(&format!("/pads/{pad}/historique?version=1&amp;restaurer=1")), "{html}");
    assert!(html.contains(&format!("/pads/{pad}/auteurs")));
    let res = eleve.get(&format!("/pads/{pad}/historique?version=1&restaurer=1")).await;
    let html = res.text().await.expect("page");
    assert!(html.contains(&format!(r#"action="/pads/{pad}/restaurer""#)), "{html}");
    assert!(html.contains("Confirmer la restauration"));
}

#[tokio::test]
async fn a_restore_reaches_an_open_connection_is_durable_and_erases_nothing() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let pad = create_pad(&prof, &class_4c(&app).await, "class").await;
    let eleve = app.login_as("demo.eleve").await;
    let mut a = Client::join(&app, &eleve, pad, 101).await;
    a.type_at(0, "Premier jet").await;
    a.wait_for("Premier jet").await;
    leave(a).await;
    let first = wait_versions(&prof, pad, 1).await.versions[0].number;

    // Someone keeps writing, and stays connected while the teacher restores version 1.
    let mut b = Client::join(&app, &eleve, pad, 102).await;
    b.type_at(11, " puis la suite").await;
    b.wait_for("Premier jet puis la suite").await;
    let res = restore(&prof, pad, &first.to_string()).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("/pads/{pad}/historique?restauree={first}"));
    // The open connection receives it as an update, and it is in the database.
    b.wait_for("Premier jet").await;
    assert_eq!(stored_text(&app, pad).await, "Premier jet");

    // Nothing erased: the replaced text got its version, and the restore is one more.
    let h = wait_versions(&prof, pad, 3).await;
    assert_eq!(version_at(&prof, pad, Some(2)).await.text, "Premier jet puis la suite");
    assert_eq!(version_at(&prof, pad, Some(3)).await.text, "Premier jet");
    assert_eq!(h.versions[2].editors, ["Claire Fontaine"]);
    // The restore is an edit like any: the connection goes on writing after it.
    b.type_at(0, "— ").await;
    b.wait_for("— Premier jet").await;
    assert_eq!(stored_text(&app, pad).await, "— Premier jet");

    // Restoring the text the pad has changes nothing and says so.
    leave(b).await;
    let h = wait_versions(&prof, pad, 4).await;
    let res = restore(&prof, pad, &h.versions[3].number.to_string()).await;
    assert_eq!(location(&res), format!("/pads/{pad}/historique?identique={}", h.versions[3].number));
    // An unknown version answers 404.
    assert_eq!(restore(&prof, pad, "999").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(restore(&prof, pad, "deux").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn history_and_restores_are_refused_to_other_establishments_strangers_and_read_only_members() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let pad = create_pad(&prof, &class_4c(&app).await, "teacher").await;
    let mut c = Client::join(&app, &prof, pad, 7).await;
    c.type_at(0, "Consigne").await;
    c.wait_for("Consigne").await;
    leave(c).await;
    let number = wait_versions(&prof, pad, 1).await.versions[0].number.to_string();

    // A student of the class reads the history, may not restore: 403 and an audit entry.
    let eleve = app.login_as("demo.eleve").await;
    let (status, h) = history(&eleve, pad).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!h.expect("history").can_edit);
    let html = eleve.get(&format!("/pads/{pad}/historique")).await.text().await.expect("page");
    assert!(html.contains("Consigne") && !html.contains("Restaurer cette version"), "{html}");
    let before = refusals(&app, pad).await;
    assert_eq!(restore(&eleve, pad, &number).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(refusals(&app, pad).await, before + 1);

    // A parent of the establishment is no member of the class: 403 and an audit entry.
    let parent = app.login_as("demo.parent").await;
    let (status, _) = history(&parent, pad).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(refusals(&app, pad).await, before + 2);
    assert_eq!(restore(&parent, pad, &number).await.status(), StatusCode::FORBIDDEN);
    let (status, _) = parent.call::<PadAuthorship>("/api/pads/auteurs", &[("pad", &pad.to_string())]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Another establishment: as if the pad did not exist.
    let (other, _, _) = second_establishment(&app).await;
    let (status, _) = history(&other, pad).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = other.call::<Option<VersionText>>("/api/pads/version", &[("pad", &pad.to_string())]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(restore(&other, pad, &number).await.status(), StatusCode::NOT_FOUND);

    // Without a session: to the login page, nothing restored.
    let res = restore(&app.session(), pad, &number).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/connexion"));
    assert_eq!(wait_versions(&prof, pad, 1).await.versions.len(), 1);
}

#[tokio::test]
async fn exports_give_the_text_and_a_sanitised_html_document() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let pad = create_pad(&prof, &class_4c(&app).await, "class").await;
    let text =
        "# Sortie <script>alert(1)</script>\n\n**Musée** et *parc*\n<img src=x \"onerror=alert(1)\">\n\n- un\n- deux";
    let mut c = Client::join(&app, &prof, pad, 7).await;
    c.type_at(0, text).await;
    c.wait_for(text).await;

    let eleve = app.login_as("demo.eleve").await;
    for (ext, content_type) in [("txt", "text/plain; charset=utf-8"), ("md", "text/markdown; charset=utf-8")] {
        let res = eleve.get(&format!("/pads/{pad}/export.{ext}")).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[header::CONTENT_TYPE], content_type);
        assert_eq!(
            res.headers()[header::CONTENT_DISPOSITION],
            format!("attachment; filename=\"compte-rendu.{ext}\"").as_str()
        );
        assert_eq!(res.text().await.expect("body"), text);
    }
    let res = eleve.get(&format!("/pads/{pad}/export.html")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "text/html; charset=utf-8");
    let html = res.text().await.expect("body");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<title>Compte rendu</title>"));
    assert!(html.contains("<h1>Sortie &lt;script&gt;alert(1)&lt;/script&gt;</h1>"), "{html}");
    assert!(html.contains("<strong>Musée</strong> et <em>parc</em>"));
    assert!(html.contains("&lt;img src=x &quot;onerror=alert(1)&quot;&gt;"));
    assert!(html.contains("<ul>\n<li>un</li>\n<li>deux</li>\n</ul>"));
    assert!(!html.contains("<script") && !html.contains("<img"));

    let parent = app.login_as("demo.parent").await;
    assert_eq!(parent.get(&format!("/pads/{pad}/export.txt")).await.status(), StatusCode::FORBIDDEN);
    let (other, _, _) = second_establishment(&app).await;
    assert_eq!(other.get(&format!("/pads/{pad}/export.html")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(eleve.get("/pads/abc/export.txt").await.status(), StatusCode::NOT_FOUND);
    let res = app.session().get(&format!("/pads/{pad}/export.md")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

async fn import(s: &Session, unit: &str, title: &str, text: &str) -> (StatusCode, Result<PadId, app::error::AppError>) {
    s.call::<PadId>(
        "/api/pads/importer",
        &[("unite", unit), ("titre", title), ("modification", "class"), ("texte", text)],
    )
    .await
}

#[tokio::test]
async fn an_import_creates_the_pad_with_its_text_in_one_transaction_and_refuses_bad_input() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let unit = class_4c(&app).await;
    let (status, pad) = import(&prof, &unit, "Le Corbeau et le Renard", "Maître Corbeau,\r\nsur un arbre perché").await;
    assert_eq!(status, StatusCode::OK, "{pad:?}");
    let pad = pad.expect("a pad");
    assert_eq!(stored_text(&app, pad).await, "Maître Corbeau,\nsur un arbre perché");
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM pad_updates WHERE pad_id = {pad}")).await, 1);
    let prof_id = app.user_id("demo.prof").await;
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM pad_authors WHERE pad_id = {pad} AND user_id = {prof_id}")).await,
        1
    );
    // Its history starts with the imported text; the list shows it with an edit time.
    let h = wait_versions(&prof, pad, 1).await;
    assert_eq!(h.versions[0].editors, ["Claire Fontaine"]);
    let (_, lines) = prof.call::<Vec<PadLine>>("/api/pads/liste", &[("unite", &unit)]).await;
    let line = lines.expect("pads").into_iter().find(|l| l.id == pad).expect("the imported pad");
    assert!(line.last_edit_at.is_some());
    // A live client gets the text and writes after it.
    let eleve = app.login_as("demo.eleve").await;
    let mut c = Client::join(&app, &eleve, pad, 55).await;
    assert_eq!(c.doc.text(), "Maître Corbeau,\nsur un arbre perché");
    c.type_at(0, "« ").await;
    c.wait_for("« Maître Corbeau,\nsur un arbre perché").await;

    // A plain form post (no JavaScript) is sent to the new pad.
    let res = prof
        .http
        .post(app.url("/api/pads/importer"))
        .header(header::ACCEPT, "text/html")
        .form(&[("unite", unit.as_str()), ("titre", "Notes"), ("modification", "teacher"), ("texte", "# Notes")])
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), StatusCode::FOUND);
    assert!(location(&res).starts_with("/pads/"), "{}", location(&res));

    // Refused, and nothing created: empty, too long, too large once encoded, or by someone
    // who may not create pads here.
    let pads = app.count("SELECT COUNT(*) FROM pads").await;
    let refused = |r: (StatusCode, Result<PadId, app::error::AppError>)| match r {
        (StatusCode::UNPROCESSABLE_ENTITY, Err(app::error::AppError::Invalid { reason, .. })) => reason,
        other => panic!("expected a refusal, got {other:?}"),
    };
    assert!(refused(import(&prof, &unit, "Vide", " \n ").await).contains("vide"));
    assert!(refused(import(&prof, &unit, "Long", &"a".repeat(500_001)).await).contains("500000 au plus"));
    // 330,000 CJK characters: under the character limit, over the pad's 960 Kio.
    assert!(refused(import(&prof, &unit, "Lourd", &"日".repeat(330_000)).await).contains("Kio"));
    assert!(refused(import(&prof, &unit, "", "texte").await).contains("titre"));
    let eleve_import = import(&eleve, &unit, "Élève", "texte").await;
    assert_eq!(eleve_import.0, StatusCode::FORBIDDEN);
    let (other, _, _) = second_establishment(&app).await;
    assert_eq!(import(&other, &unit, "Ailleurs", "texte").await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.count("SELECT COUNT(*) FROM pads").await, pads);
}

#[tokio::test]
async fn authorship_is_recorded_per_client_and_a_borrowed_client_id_is_refused() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let pad = create_pad(&prof, &class_4c(&app).await, "class").await;
    let eleve = app.login_as("demo.eleve").await;
    app.give_password("demo.eleve2").await;
    let eleve2 = app.login_as("demo.eleve2").await;
    let mut a = Client::join(&app, &eleve, pad, 111).await;
    a.type_at(0, "Bonjour ").await;
    a.wait_for("Bonjour ").await;
    let mut b = Client::join(&app, &eleve2, pad, 222).await;
    b.wait_for("Bonjour ").await;
    b.type_at(8, "la classe").await;
    b.wait_for("Bonjour la classe").await;
    let (eleve_id, eleve2_id) = (app.user_id("demo.eleve").await, app.user_id("demo.eleve2").await);
    let owner = |client: i64| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT user_id FROM pad_authors WHERE pad_id = $1 AND client_id = $2")
                .bind(pad.0)
                .bind(client)
                .fetch_optional(&db)
                .await
                .expect("query")
        }
    };
    assert_eq!(owner(111).await, Some(eleve_id));
    assert_eq!(owner(222).await, Some(eleve2_id));

    // Someone else writing with client 111: refused with 4003, nothing stored.
    app.give_password("demo.eleve3").await;
    let eleve3 = app.login_as("demo.eleve3").await;
    let mut thief = Client::join(&app, &eleve3, pad, 111).await;
    thief.type_at(0, "Faux ").await;
    let (code, reason) = thief.closed().await;
    assert_eq!(code, close::FORBIDDEN);
    assert!(reason.contains("autre personne"), "{reason}");
    assert_eq!(stored_text(&app, pad).await, "Bonjour la classe");
    // The same person in another tab with their own id goes on.
    let mut again = Client::join(&app, &eleve, pad, 111).await;
    again.type_at(17, " !").await;
    again.wait_for("Bonjour la classe !").await;

    // Who wrote what, as data and as the server-rendered page.
    let (status, view) = prof.call::<PadAuthorship>("/api/pads/auteurs", &[("pad", &pad.to_string())]).await;
    assert_eq!(status, StatusCode::OK);
    let view = view.expect("authorship");
    let runs: Vec<(String, Option<String>)> =
        view.runs.iter().map(|r| (r.text.clone(), r.author.map(|k| view.authors[k].name.clone()))).collect();
    assert_eq!(runs[0], ("Bonjour ".to_string(), Some("Léo Garnier".to_string())));
    assert_eq!(runs[1].0, "la classe");
    assert_eq!(runs[2], (" !".to_string(), Some("Léo Garnier".to_string())));
    assert_eq!(view.authors.iter().map(|l| l.chars).collect::<Vec<_>>(), [10, 9]);
    let html = eleve.get(&format!("/pads/{pad}/auteurs")).await.text().await.expect("page");
    assert!(html.contains(r#"title="Léo Garnier""#), "{html}");
    assert!(html.contains("Léo Garnier a écrit 10 caractères."));
    assert!(html.contains(&format!("swatch {}", domain::pad::authors::colour_class(domain::UserId(eleve_id)))));
    assert!(html.contains(&format!("/pads/{pad}/historique")));
}
