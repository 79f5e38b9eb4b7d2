//! Pads through the real server: created and listed with their server functions, co-edited
//! over `/ws/pads/{id}` by clients that keep a `domain::pad::PadDoc` replica each, as the
//! browser will. Checks convergence, durability before the acknowledgement, refusals at the
//! upgrade and on messages, the limits, and that a pad still loads after a bad client.

use crate::helpers::{Session, TestApp, spawn_app};
use crate::permissions::second_establishment;
use app::pads::PadLine;
use domain::PadId;
use domain::pad::wire::Message as PadMessage;
use domain::pad::{PadDoc, presence};
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use server::pads::close;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error, Message};

pub(crate) type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const WAIT: Duration = Duration::from_secs(15);

async fn open(app: &TestApp, session: Option<&Session>, pad: &str) -> Result<Socket, Error> {
    open_at(&app.base, session, pad).await
}

/// Opens a pad's WebSocket on the server at `base`, with the session's cookie if any.
pub(crate) async fn open_at(base: &str, session: Option<&Session>, pad: &str) -> Result<Socket, Error> {
    let mut req = format!("{base}/ws/pads/{pad}").replace("http://", "ws://").into_client_request()?;
    req.headers_mut().insert("origin", base.parse().expect("origin"));
    if let Some(cookie) = session.and_then(Session::cookie_header) {
        req.headers_mut().insert("cookie", cookie.parse().expect("cookie"));
    }
    tokio_tungstenite::connect_async(req).await.map(|(socket, _)| socket)
}

pub(crate) fn refused_with(result: Result<Socket, Error>, status: u16) {
    match result {
        Err(Error::Http(res)) => assert_eq!(res.status().as_u16(), status),
        Err(e) => panic!("expected HTTP {status}, got {e}"),
        Ok(_) => panic!("expected HTTP {status}, got an open socket"),
    }
}

/// A client: its socket and its replica of the pad, as a browser tab has.
pub(crate) struct Client {
    pub(crate) socket: Socket,
    pub(crate) doc: PadDoc,
    next_seq: u64,
    acked: u64,
}

impl Client {
    /// Connects and waits for the whole document (sync step 2).
    pub(crate) async fn join(app: &TestApp, session: &Session, pad: PadId, client_id: u64) -> Client {
        let socket = open(app, Some(session), &pad.to_string()).await.expect("upgrade");
        Client::resume(socket, PadDoc::new(client_id)).await
    }

    pub(crate) async fn resume(socket: Socket, doc: PadDoc) -> Client {
        let mut c = Client { socket, doc, next_seq: 1, acked: 0 };
        loop {
            if let PadMessage::SyncStep2(_) = c.next().await {
                return c;
            }
        }
    }

    /// The next pad message, applied to the replica when it carries an update.
    pub(crate) async fn next(&mut self) -> PadMessage {
        loop {
            let frame = tokio::time::timeout(WAIT, self.socket.next()).await.expect("a message in time");
            match frame {
                Some(Ok(Message::Binary(b))) => {
                    let m = PadMessage::decode(&b).expect("a pad message");
                    match &m {
                        PadMessage::SyncStep2(u) | PadMessage::Update(u) => {
                            self.doc.apply_update(u).expect("the server's update applies");
                        }
                        PadMessage::Ack { seq } => self.acked = self.acked.max(*seq),
                        _ => {}
                    }
                    return m;
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                other => panic!("expected a pad message, got {other:?}"),
            }
        }
    }

    /// Reads until an awareness message arrives, decoded.
    async fn awareness(&mut self) -> Vec<presence::Entry> {
        loop {
            if let PadMessage::Awareness(update) = self.next().await {
                return presence::decode(&update).expect("the server relays readable awareness");
            }
        }
    }

    pub(crate) async fn send(&mut self, m: &PadMessage) {
        self.socket.send(Message::Binary(m.encode().into())).await.expect("sent");
    }

    /// Types `text` at `index` and sends it as a tracked update; returns its update and seq.
    pub(crate) async fn type_at(&mut self, index: u32, text: &str) -> (Vec<u8>, u64) {
        let update = self.doc.insert(index, text);
        let seq = self.next_seq;
        self.next_seq += 1;
        self.send(&PadMessage::Tracked { seq, update: update.clone() }).await;
        (update, seq)
    }

    pub(crate) async fn wait_ack(&mut self, seq: u64) {
        while self.acked < seq {
            self.next().await;
        }
    }

    /// Reads until the replica shows `text` and every update it sent is acknowledged.
    pub(crate) async fn wait_for(&mut self, text: &str) {
        while self.doc.text() != text || self.acked + 1 < self.next_seq {
            self.next().await;
        }
    }

    /// Reads until the server closes, returning the close code and reason.
    pub(crate) async fn closed(&mut self) -> (u16, String) {
        loop {
            match tokio::time::timeout(WAIT, self.socket.next()).await.expect("closed in time") {
                Some(Ok(Message::Close(Some(f)))) => return (u16::from(f.code), f.reason.as_str().to_string()),
                Some(Ok(_)) => {}
                other => panic!("expected a close frame, got {other:?}"),
            }
        }
    }
}

pub(crate) async fn create_pad(s: &Session, unit: &str, policy: &str) -> PadId {
    let (status, id) = s
        .call::<PadId>("/api/pads/creer", &[("unite", unit), ("titre", "Compte rendu"), ("modification", policy)])
        .await;
    assert_eq!(status, StatusCode::OK, "{id:?}");
    id.expect("a pad id")
}

pub(crate) async fn class_4c(app: &TestApp) -> String {
    format!("c:{}", app.unit_id("classes", "0671234A", "4e C").await)
}

/// The pad's text as the database holds it (snapshot and rows), read by a fresh replica.
pub(crate) async fn stored_text(app: &TestApp, pad: PadId) -> String {
    let stored = app::pads::db::load(&app.db, pad).await.expect("loading the pad");
    PadDoc::from_updates(999, &stored.updates).expect("stored updates apply").text()
}

pub(crate) async fn set_access(
    s: &Session,
    pad: PadId,
    extra: &[(&str, &str)],
) -> (StatusCode, Result<PadLine, app::error::AppError>) {
    let id = pad.to_string();
    let mut form = vec![("pad", id.as_str())];
    form.extend_from_slice(extra);
    s.call::<PadLine>("/api/pads/acces", &form).await
}

#[tokio::test]
async fn a_teacher_creates_and_lists_pads_and_others_may_not() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let unit = class_4c(&app).await;
    let pad = create_pad(&prof, &unit, "class").await;

    let (status, lines) = prof.call::<Vec<PadLine>>("/api/pads/liste", &[("unite", &unit)]).await;
    assert_eq!(status, StatusCode::OK);
    let lines = lines.expect("pads");
    // The new pad, then the demo school's own pad of 4e C.
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1].title, app::server::demo::DEMO_PAD_TITLE);
    assert_eq!((lines[0].id, lines[0].title.as_str(), lines[0].last_edit_at), (pad, "Compte rendu", None));
    assert!(lines[0].can_manage);

    let (status, _) =
        prof.call::<PadId>("/api/pads/creer", &[("unite", &unit), ("titre", "  "), ("modification", "class")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) =
        prof.call::<PadId>("/api/pads/creer", &[("unite", &unit), ("titre", "x"), ("modification", "all")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // 6e A is not demo.prof's class.
    let six_a = format!("c:{}", app.unit_id("classes", "0671234A", "6e A").await);
    let (status, _) =
        prof.call::<PadId>("/api/pads/creer", &[("unite", &six_a), ("titre", "x"), ("modification", "class")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let eleve = app.login_as("demo.eleve").await;
    let (status, _) =
        eleve.call::<PadId>("/api/pads/creer", &[("unite", &unit), ("titre", "x"), ("modification", "class")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, lines) = eleve.call::<Vec<PadLine>>("/api/pads/liste", &[("unite", &unit)]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!lines.expect("pads")[0].can_manage);
    let (status, _) = set_access(&eleve, pad, &[("modification", "class"), ("verrouille", "true")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (other_admin, _, _) = second_establishment(&app).await;
    let (status, _) = other_admin.call::<Vec<PadLine>>("/api/pads/liste", &[("unite", &unit)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = set_access(&other_admin, pad, &[("modification", "class"), ("verrouille", "true")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn two_clients_co_edit_and_converge_and_the_list_shows_the_edit_time() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let eleve = app.login_as("demo.eleve").await;
    let unit = class_4c(&app).await;
    let pad = create_pad(&prof, &unit, "class").await;
    let mut a = Client::join(&app, &prof, pad, 11).await;
    let mut b = Client::join(&app, &eleve, pad, 22).await;

    let (u1, _) = a.type_at(0, "Sortie au Vaisseau. ").await;
    let (u2, _) = b.type_at(0, "Élèves présents : 24. ").await;
    let (u3, _) = a.type_at(5, "(mardi) ").await;
    let want = PadDoc::from_updates(99, &[u1, u2, u3]).expect("updates apply").text();
    a.wait_for(&want).await;
    b.wait_for(&want).await;
    assert_eq!(stored_text(&app, pad).await, want);

    // Awareness (carets, names) is relayed to the others, not stored, under the sender's
    // real name whatever it claimed.
    let claimed = presence::Person { name: "La principale".into(), colour: "#000000".into() };
    let caret = Some(presence::Cursor { anchor: 3, head: 5 });
    let state = presence::State { user: claimed, cursor: caret };
    a.send(&PadMessage::Awareness(presence::encode(&[presence::Entry { client: 11, clock: 1, state: Some(state) }])))
        .await;
    let heard = b.awareness().await;
    assert_eq!(heard.len(), 1);
    let relayed = heard[0].state.clone().expect("a state");
    assert_eq!(relayed.user.name, "Claire Fontaine");
    assert_eq!(relayed.cursor, caret);
    // Who is in the pad, on the list.
    let (_, lines) = eleve.call::<Vec<PadLine>>("/api/pads/liste", &[("unite", &unit)]).await;
    assert_eq!(lines.expect("pads")[0].editing, Vec::<String>::new(), "the list function itself does not fill it");
    let (_, mine) = eleve.call::<Vec<app::pads::UnitPads>>("/api/pads/mes-pads", &[]).await;
    let unit_pads = mine.expect("pads").into_iter().find(|u| u.unit == unit).expect("4e C listed");
    assert_eq!(unit_pads.pads[0].editing, vec!["Claire Fontaine".to_string(), "Léo Garnier".to_string()]);
    // When a's connection ends, b hears that its caret is gone.
    drop(a);
    let gone = b.awareness().await;
    assert_eq!((gone[0].client, gone[0].state.clone()), (11, None));

    let (_, lines) = eleve.call::<Vec<PadLine>>("/api/pads/liste", &[("unite", &unit)]).await;
    let line = lines.expect("pads").remove(0);
    assert!(line.last_edit_at.is_some() && line.last_edit.is_some(), "{line:?}");
}

#[tokio::test]
async fn a_connection_speaks_only_for_its_own_carets_and_for_a_few_of_them() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let eleve = app.login_as("demo.eleve").await;
    let pad = create_pad(&prof, &class_4c(&app).await, "class").await;
    let mut teacher = Client::join(&app, &prof, pad, 11).await;
    let mut student = Client::join(&app, &eleve, pad, 22).await;
    let mut watcher = Client::join(&app, &app.login_as("demo.prof").await, pad, 33).await;
    let state = |name: &str| {
        Some(presence::State {
            user: presence::Person { name: name.into(), colour: "#000000".into() },
            cursor: Some(presence::Cursor { anchor: 0, head: 0 }),
        })
    };
    teacher
        .send(&PadMessage::Awareness(presence::encode(&[presence::Entry { client: 11, clock: 1, state: state("") }])))
        .await;
    let heard = watcher.awareness().await;
    assert_eq!(heard.iter().map(|e| (e.client, e.state.is_some())).collect::<Vec<_>>(), vec![(11, true)]);

    // The student clears the teacher's caret (id 11, a later clock) beside its own: only its
    // own is relayed.
    student
        .send(&PadMessage::Awareness(presence::encode(&[
            presence::Entry { client: 11, clock: 2, state: None },
            presence::Entry { client: 22, clock: 1, state: state("") },
        ])))
        .await;
    let heard = watcher.awareness().await;
    assert_eq!(heard.iter().map(|e| (e.client, e.state.is_some())).collect::<Vec<_>>(), vec![(22, true)]);

    // Twenty ids at once: the first few up to the cap are relayed, the rest dropped.
    let many: Vec<presence::Entry> =
        (22..42).map(|client| presence::Entry { client, clock: 2, state: state("") }).collect();
    student.send(&PadMessage::Awareness(presence::encode(&many))).await;
    let mut heard: Vec<u64> = watcher.awareness().await.iter().map(|e| e.client).collect();
    heard.sort();
    let cap = domain::pad::awareness::MAX_IDS_PER_CONNECTION as u64;
    assert_eq!(heard, (22..22 + cap).collect::<Vec<_>>());
    let _ = &mut teacher;
}

#[tokio::test]
async fn ten_clients_co_edit_and_converge() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let eleve = app.login_as("demo.eleve").await;
    let pad = create_pad(&prof, &class_4c(&app).await, "class").await;
    let mut clients = Vec::new();
    for i in 0..10u64 {
        clients.push(Client::join(&app, if i % 2 == 0 { &prof } else { &eleve }, pad, 100 + i).await);
    }
    let mut updates = Vec::new();
    for round in 0..5u32 {
        for (i, c) in clients.iter_mut().enumerate() {
            let at = (round * 7 + i as u32 * 3) % (c.doc.len_utf16() + 1);
            updates.push(c.type_at(at, &format!("[{i}.{round}]")).await.0);
        }
    }
    let want = PadDoc::from_updates(99, &updates).expect("updates apply").text();
    for c in &mut clients {
        c.wait_for(&want).await;
    }
    assert_eq!(want.matches('[').count(), 50);
    assert_eq!(stored_text(&app, pad).await, want);
}

#[tokio::test]
async fn an_ack_comes_after_the_update_is_in_the_database_and_a_resend_duplicates_nothing() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let pad = create_pad(&prof, &class_4c(&app).await, "class").await;
    let mut a = Client::join(&app, &prof, pad, 7).await;
    let (update, seq) = a.type_at(0, "Bonjour").await;
    a.wait_ack(seq).await;
    assert_eq!(stored_text(&app, pad).await, "Bonjour");
    let rows = app.count(&format!("SELECT COUNT(*) FROM pad_updates WHERE pad_id = {pad}")).await;

    // The connection drops; the client is not sure the ack reached it and sends again.
    let Client { socket, doc, .. } = a;
    drop(socket);
    let socket = open(&app, Some(&prof), &pad.to_string()).await.expect("upgrade");
    let mut a = Client::resume(socket, doc).await;
    a.send(&PadMessage::Tracked { seq: 1, update }).await;
    a.next_seq = 2;
    a.wait_ack(1).await;
    assert_eq!(a.doc.text(), "Bonjour");
    assert_eq!(stored_text(&app, pad).await, "Bonjour");
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM pad_updates WHERE pad_id = {pad}")).await, rows);
    let fresh = Client::join(&app, &prof, pad, 8).await;
    assert_eq!(fresh.doc.text(), "Bonjour");
}

#[tokio::test]
async fn the_upgrade_refuses_strangers_and_other_establishments() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let pad = create_pad(&prof, &class_4c(&app).await, "class").await;
    let id = pad.to_string();
    refused_with(open(&app, None, &id).await, 401);
    let parent = app.login_as("demo.parent").await;
    refused_with(open(&app, Some(&parent), &id).await, 403);
    let viesco = app.login_as("demo.viesco").await;
    refused_with(open(&app, Some(&viesco), &id).await, 403);
    let (other_admin, _, _) = second_establishment(&app).await;
    refused_with(open(&app, Some(&other_admin), &id).await, 404);
    refused_with(open(&app, Some(&prof), "12345").await, 404);
    refused_with(open(&app, Some(&prof), "abc").await, 404);
}

#[tokio::test]
async fn a_read_only_member_syncs_but_its_update_is_refused() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let eleve = app.login_as("demo.eleve").await;
    let pad = create_pad(&prof, &class_4c(&app).await, "teacher").await;
    let mut a = Client::join(&app, &prof, pad, 1).await;
    let (_, seq) = a.type_at(0, "Consigne : ").await;
    a.wait_ack(seq).await;

    let mut b = Client::join(&app, &eleve, pad, 2).await;
    assert_eq!(b.doc.text(), "Consigne : ");
    b.type_at(0, "hack").await;
    assert_eq!(b.closed().await.0, close::FORBIDDEN);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(stored_text(&app, pad).await, "Consigne : ");
}

#[tokio::test]
async fn naming_editors_and_locking_take_effect_on_open_connections() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let eleve = app.login_as("demo.eleve").await;
    let eleve_id = app.user_id("demo.eleve").await.to_string();
    let pad = create_pad(&prof, &class_4c(&app).await, "named").await;
    let mut b = Client::join(&app, &eleve, pad, 2).await;

    let (status, line) =
        set_access(&prof, pad, &[("modification", "named"), ("editeurs[0]", &eleve_id), ("verrouille", "false")]).await;
    assert_eq!(status, StatusCode::OK, "{line:?}");
    assert_eq!(line.expect("line").editors, vec![domain::UserId(eleve_id.parse().expect("id"))]);
    let (_, seq) = b.type_at(0, "Je suis nommé. ").await;
    b.wait_ack(seq).await;

    let (status, line) = set_access(&prof, pad, &[("modification", "named"), ("verrouille", "true")]).await;
    assert_eq!(status, StatusCode::OK, "{line:?}");
    assert!(line.expect("line").locked);
    b.type_at(0, "Trop tard. ").await;
    assert_eq!(b.closed().await.0, close::FORBIDDEN);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(stored_text(&app, pad).await, "Je suis nommé. ");

    // A locked pad still opens for reading, for the teacher too, who may not write either.
    let mut a = Client::join(&app, &prof, pad, 1).await;
    assert_eq!(a.doc.text(), "Je suis nommé. ");
    a.type_at(0, "x").await;
    assert_eq!(a.closed().await.0, close::FORBIDDEN);
}

async fn pad_with_text(app: &TestApp, prof: &Session, text: &str) -> PadId {
    let pad = create_pad(prof, &class_4c(app).await, "class").await;
    let mut a = Client::join(app, prof, pad, 1).await;
    let (_, seq) = a.type_at(0, text).await;
    a.wait_ack(seq).await;
    pad
}

#[tokio::test]
async fn an_oversize_frame_closes_the_connection_and_the_pad_still_loads() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let pad = pad_with_text(&app, &prof, "Texte sauvé").await;
    let mut b = Client::join(&app, &prof, pad, 2).await;
    b.socket.send(Message::Binary(vec![0u8; server::pads::MAX_FRAME_BYTES + 1].into())).await.expect("sent");
    assert_eq!(b.closed().await.0, close::TOO_BIG);
    let c = Client::join(&app, &prof, pad, 3).await;
    assert_eq!(c.doc.text(), "Texte sauvé");
}

#[tokio::test]
async fn a_malformed_update_or_message_closes_the_connection_and_the_pad_still_loads() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let pad = pad_with_text(&app, &prof, "Texte sauvé").await;
    let mut b = Client::join(&app, &prof, pad, 2).await;
    b.send(&PadMessage::Tracked { seq: 1, update: vec![0xff, 0xff, 0xff, 0xff] }).await;
    assert_eq!(b.closed().await.0, close::MALFORMED);

    let mut c = Client::join(&app, &prof, pad, 3).await;
    assert_eq!(c.doc.text(), "Texte sauvé");
    c.socket.send(Message::Binary(vec![7, 0, 0].into())).await.expect("sent");
    assert_eq!(c.closed().await.0, close::MALFORMED);

    // An awareness message that is not y-protocols' (the server stamps the name in it).
    let mut e = Client::join(&app, &prof, pad, 5).await;
    e.send(&PadMessage::Awareness(vec![1, 2, 3])).await;
    assert_eq!(e.closed().await.0, close::MALFORMED);

    let d = Client::join(&app, &prof, pad, 4).await;
    assert_eq!(d.doc.text(), "Texte sauvé");
    assert_eq!(stored_text(&app, pad).await, "Texte sauvé");
}

#[tokio::test]
async fn a_connection_over_the_message_rate_is_closed() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let pad = create_pad(&prof, &class_4c(&app).await, "class").await;
    let mut a = Client::join(&app, &prof, pad, 1).await;
    let burst = server::pads::MESSAGE_BURST as usize;
    for i in 0..burst * 2 {
        let update = a.doc.insert(0, "x");
        let frame = PadMessage::Tracked { seq: i as u64 + 1, update }.encode();
        if a.socket.send(Message::Binary(frame.into())).await.is_err() {
            break;
        }
    }
    assert_eq!(a.closed().await, (close::RATE_LIMITED, server::pads::Close::RATE_LIMITED.reason.to_string()));
    // What was accepted before the limit is stored; the pad opens again.
    let b = Client::join(&app, &prof, pad, 2).await;
    let kept = b.doc.text().len();
    assert!(kept >= burst && kept < burst * 2, "{kept} updates kept");
}

#[tokio::test]
async fn a_pad_over_its_size_limit_refuses_the_update() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let pad = create_pad(&prof, &class_4c(&app).await, "class").await;
    let mut a = Client::join(&app, &prof, pad, 1).await;
    // Two chunks fit, a third goes over.
    let chunk = "a".repeat(server::pads::MAX_PAD_BYTES / 3 + 1000);
    for _ in 0..2 {
        let (_, seq) = a.type_at(0, &chunk).await;
        a.wait_ack(seq).await;
    }
    a.type_at(0, &chunk).await;
    assert_eq!(a.closed().await.0, close::PAD_FULL);
    let b = Client::join(&app, &prof, pad, 2).await;
    assert_eq!(b.doc.text().len(), 2 * chunk.len());
}

#[tokio::test]
async fn a_pad_takes_at_most_its_participant_limit() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let pad = create_pad(&prof, &class_4c(&app).await, "class").await;
    let mut sockets = Vec::new();
    for i in 0..server::pads::MAX_PARTICIPANTS {
        sockets.push(Client::join(&app, &prof, pad, i as u64 + 1).await);
    }
    refused_with(open(&app, Some(&prof), &pad.to_string()).await, 503);
    drop(sockets);
}

#[tokio::test]
async fn many_updates_are_compacted_into_a_snapshot_without_losing_text() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let pad = create_pad(&prof, &class_4c(&app).await, "class").await;
    let mut a = Client::join(&app, &prof, pad, 1).await;
    let rows = server::pads::COMPACT_AFTER_ROWS + 5;
    for i in 0..rows {
        // One at a time, so that each is its own row.
        let (_, seq) = a.type_at(a.doc.len_utf16(), &format!("{i} ")).await;
        a.wait_ack(seq).await;
    }
    let want = a.doc.text();
    let snapshots = async {
        loop {
            if app.count(&format!("SELECT COUNT(*) FROM pad_snapshots WHERE pad_id = {pad}")).await == 1 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(WAIT, snapshots).await.expect("a snapshot is written");
    assert!(app.count(&format!("SELECT COUNT(*) FROM pad_updates WHERE pad_id = {pad}")).await < rows as i64);
    assert_eq!(stored_text(&app, pad).await, want);
}

#[tokio::test]
async fn logging_out_closes_the_sessions_pad_connections() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let pad = create_pad(&prof, &class_4c(&app).await, "class").await;
    let mut a = Client::join(&app, &prof, pad, 1).await;
    let (status, result) = prof.call::<()>("/api/deconnexion", &[]).await;
    assert_eq!((status, result), (StatusCode::OK, Ok(())));
    assert_eq!(a.closed().await.0, close::SESSION_ENDED);
}

#[tokio::test]
async fn a_student_moved_out_of_the_class_loses_its_pad_at_once() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let admin = app.login_as("demo.admin").await;
    let eleve = app.login_as("demo.eleve").await;
    let pad = pad_with_text(&app, &prof, "Consigne").await;
    let mut b = Client::join(&app, &eleve, pad, 2).await;
    let mut c = Client::join(&app, &prof, pad, 3).await;

    let other = app.unit_id("classes", "0671234A", "5e B").await.to_string();
    let (status, done) = admin
        .call::<()>(
            "/api/admin/utilisateur/modifier",
            &[("identifiant", "demo.eleve"), ("nom", "Garnier"), ("prenom", "Léo"), ("classe", &other)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{done:?}");
    assert_eq!(b.closed().await.0, close::FORBIDDEN);
    // The teacher, whose rights did not change, keeps editing; the student cannot come back.
    let (_, seq) = c.type_at(0, "Toujours là. ").await;
    c.wait_ack(seq).await;
    refused_with(open(&app, Some(&eleve), &pad.to_string()).await, 403);
}

async fn open_as(s: &Session, pad: &str) -> (StatusCode, Result<app::pads::PadView, app::error::AppError>) {
    s.call::<app::pads::PadView>("/api/pads/ouvrir", &[("pad", pad)]).await
}

#[tokio::test]
async fn the_pad_page_gets_the_stored_text_and_what_each_viewer_may_do() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let pad = pad_with_text(&app, &prof, "Consigne : une phrase chacun.").await;
    let id = pad.to_string();
    let (status, view) = open_as(&prof, &id).await;
    assert_eq!(status, StatusCode::OK);
    let view = view.expect("the pad");
    assert_eq!(view.text, "Consigne : une phrase chacun.");
    assert!(view.can_edit && view.line.can_manage);
    assert_eq!(view.me.name, "Claire Fontaine");
    assert_eq!(view.students.len(), 25, "the roster, for naming editors");

    let eleve = app.login_as("demo.eleve").await;
    let (_, view) = open_as(&eleve, &id).await;
    let view = view.expect("the pad");
    assert!(view.can_edit && !view.line.can_manage);
    // The demo school's pad opens with its text, on the page and over the socket.
    let demo = app
        .count(&format!(
            "SELECT id FROM pads WHERE title = '{}'",
            app::server::demo::DEMO_PAD_TITLE.replace('\'', "''")
        ))
        .await;
    let (_, demo_view) = open_as(&eleve, &demo.to_string()).await;
    assert!(demo_view.expect("the demo pad").text.starts_with("# Sortie au musée"));
    let c = Client::join(&app, &eleve, PadId(demo), 77).await;
    assert!(c.doc.text().starts_with("# Sortie au musée"), "{:?}", c.doc.text());
    assert!(view.students.is_empty(), "a student does not get the class roster");
    // Locked: everyone reads, nobody edits.
    let (status, _) = set_access(&prof, pad, &[("modification", "class"), ("verrouille", "true")]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!open_as(&eleve, &id).await.1.expect("the pad").can_edit);
    assert!(!open_as(&prof, &id).await.1.expect("the pad").can_edit);

    // Strangers: a parent (403, audited), another establishment (404).
    let parent = app.login_as("demo.parent").await;
    assert_eq!(open_as(&parent, &id).await.0, StatusCode::FORBIDDEN);
    let (other_admin, _, _) = second_establishment(&app).await;
    assert_eq!(open_as(&other_admin, &id).await.0, StatusCode::NOT_FOUND);
    let (_, mine) = parent.call::<Vec<app::pads::UnitPads>>("/api/pads/mes-pads", &[]).await;
    assert_eq!(mine.expect("a list"), vec![], "a parent has no pads");
}

#[tokio::test]
async fn the_access_form_names_the_ticked_students_and_refuses_others() {
    let app = spawn_app().await;
    let prof = app.login_as("demo.prof").await;
    let pad = create_pad(&prof, &class_4c(&app).await, "class").await;
    let leo = app.user_id("demo.eleve").await.to_string();
    let ticked = format!("eleves[{leo}]");
    let id = pad.to_string();
    let form = [("pad", id.as_str()), ("modification", "named"), (ticked.as_str(), "on")];
    let (status, line) = prof.call::<PadLine>("/api/pads/formulaire/acces", &form).await;
    assert_eq!(status, StatusCode::OK, "{line:?}");
    assert_eq!(line.expect("the line").editors.iter().map(|u| u.0.to_string()).collect::<Vec<_>>(), vec![leo]);
    let form = [("pad", id.as_str()), ("modification", "named"), ("eleves[abc]", "on")];
    let (status, _) = prof.call::<PadLine>("/api/pads/formulaire/acces", &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}
