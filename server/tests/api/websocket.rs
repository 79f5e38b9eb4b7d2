//! The `/ws` endpoint: Origin and session checked at the upgrade, closed when the session ends.

use crate::helpers::{Session, TestApp, spawn_app};
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error, Message};

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(app: &TestApp, session: Option<&Session>, origin: &str) -> Result<Socket, Error> {
    let mut req = app.url("/ws").replace("http://", "ws://").into_client_request()?;
    req.headers_mut().insert("origin", origin.parse().expect("origin"));
    if let Some(cookie) = session.and_then(Session::cookie_header) {
        req.headers_mut().insert("cookie", cookie.parse().expect("cookie"));
    }
    tokio_tungstenite::connect_async(req).await.map(|(socket, _)| socket)
}

async fn next_text(socket: &mut Socket) -> String {
    match tokio::time::timeout(Duration::from_secs(10), socket.next()).await {
        Ok(Some(Ok(Message::Text(t)))) => t.to_string(),
        other => panic!("expected a text message, got {other:?}"),
    }
}

fn refused_with(result: Result<Socket, Error>, status: u16) {
    match result {
        Err(Error::Http(res)) => assert_eq!(res.status().as_u16(), status),
        Err(e) => panic!("expected HTTP {status}, got {e}"),
        Ok(_) => panic!("expected HTTP {status}, got an open socket"),
    }
}

#[tokio::test]
async fn the_upgrade_needs_our_origin_and_a_session() {
    let app = spawn_app().await;
    refused_with(connect(&app, None, &app.base).await, 401);
    let s = app.login_as("demo.eleve").await;
    refused_with(connect(&app, Some(&s), "https://evil.example").await, 403);

    let mut socket = connect(&app, Some(&s), &app.base).await.expect("upgrade");
    assert!(next_text(&mut socket).await.contains("Léo Garnier"));
    socket.send(Message::Text("ping".into())).await.expect("sent");
    assert_eq!(next_text(&mut socket).await, "pong");
}

#[tokio::test]
async fn logging_out_closes_the_sessions_websockets() {
    let app = spawn_app().await;
    let s = app.login_as("demo.prof").await;
    let other = app.login_as("demo.prof").await;
    let mut socket = connect(&app, Some(&s), &app.base).await.expect("upgrade");
    let mut unrelated = connect(&app, Some(&other), &app.base).await.expect("upgrade");
    next_text(&mut socket).await;
    next_text(&mut unrelated).await;

    let (status, result) = s.call::<()>("/api/deconnexion", &[]).await;
    assert_eq!((status, result), (reqwest::StatusCode::OK, Ok(())));
    match tokio::time::timeout(Duration::from_secs(10), socket.next()).await {
        Ok(Some(Ok(Message::Close(Some(frame))))) => assert_eq!(u16::from(frame.code), server::ws::CLOSE_SESSION_ENDED),
        other => panic!("expected a close frame, got {other:?}"),
    }
    // The same person's other session (another device) stays open.
    unrelated.send(Message::Text("ping".into())).await.expect("sent");
    assert_eq!(next_text(&mut unrelated).await, "pong");
}

#[tokio::test]
async fn a_message_over_the_limit_closes_the_connection() {
    let app = spawn_app().await;
    let s = app.login_as("demo.eleve").await;
    let mut socket = connect(&app, Some(&s), &app.base).await.expect("upgrade");
    next_text(&mut socket).await;
    let big = "x".repeat(server::ws::MAX_MESSAGE_BYTES + 1);
    let _ = socket.send(Message::Text(big.into())).await;
    // A close frame with its code and reason, not a dropped connection.
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Close(Some(frame)))) => return (u16::from(frame.code), frame.reason.to_string()),
                Some(Ok(Message::Text(_))) | Some(Ok(Message::Ping(_))) => {}
                other => panic!("expected a close frame, got {other:?}"),
            }
        }
    })
    .await;
    assert_eq!(closed, Ok((server::ws::CLOSE_TOO_BIG, "message trop volumineux".to_string())));
}

/// Issue 14, item 12: a socket being opened is registered with its session before the
/// upgrade, and the session is read again after registering. Whichever side of the
/// registration a logout lands on, the socket cannot outlive the session: before it, the
/// upgrade is refused (401); after it, the registration hears the end (the socket closes 4001
/// as soon as it runs).
#[tokio::test]
async fn a_logout_landing_while_a_socket_is_being_opened_never_leaves_it_open() {
    use app::server::session;
    use reqwest::StatusCode;
    let app = spawn_app().await;
    // The session layer has checked the session, as it does before the upgrade.
    let checked = async |s: &Session| {
        let token = session::token_from_cookie_header(&app.state.auth, &s.cookie_header().expect("a cookie"))
            .expect("a session token");
        session::load(&app.state, &token).await.expect("loading the session").expect("an open session")
    };

    // The logout lands between that check and the registration: the upgrade is refused.
    let s = app.login_as("demo.prof").await;
    let user = checked(&s).await;
    let (status, result) = s.call::<()>("/api/deconnexion", &[]).await;
    assert_eq!((status, result), (StatusCode::OK, Ok(())));
    let refused = server::ws::watch_session(&app.state, &user).await.expect_err("a closed session is refused");
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);

    // The logout lands after the registration, before the upgrade: the registration hears it.
    let s = app.login_as("demo.prof").await;
    let user = checked(&s).await;
    let mut ended = server::ws::watch_session(&app.state, &user).await.expect("an open session is accepted");
    assert!(!*ended.borrow(), "nothing ended yet");
    let (status, result) = s.call::<()>("/api/deconnexion", &[]).await;
    assert_eq!((status, result), (StatusCode::OK, Ok(())));
    tokio::time::timeout(Duration::from_secs(5), ended.changed()).await.expect("told in time").expect("told");
    assert!(*ended.borrow(), "the socket is told to close");
}
