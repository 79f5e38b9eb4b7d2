//! `GET /ws/quiz/{code}`: the WebSocket of a live quiz session, for its teacher and its
//! students. Checked at the upgrade, in this order: Origin, session cookie, the join-code
//! throttle of the client's address, the code (a wrong one counts as a failure), then who may
//! be there (`domain::quiz::live`). Someone outside the session's establishment hears the
//! same as for a wrong code. After the upgrade, frames go to and from the session's hub
//! (`app::quizzes::hub`) through a bounded queue; the connection closes when the browser
//! session ends, the peer stops answering pings, or the hub drops it.

use crate::ws::{Heartbeat, authenticate, session_ended, session_over};
use app::auth::db::{throttle_refund, throttle_take};
use app::quizzes::hub::{CLIENT_QUEUE, ClientInfo, HubInput};
use app::quizzes::live_db;
use app::server::AppState;
use app::server::session::{CurrentUser, SessionSlot};
use axum::Extension;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::quiz::live::{ClientMessage, JoinCode, ServerMessage, can_join_live, is_live_host};
use domain::throttle::JOIN_CODE_POLICY;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Largest frame accepted from a client (an answer is at most a few KiB).
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024;

const NO_SESSION: &str = "Aucune session en cours avec ce code. Vérifiez le code affiché par votre enseignant.";

fn text(status: StatusCode, message: impl Into<String>) -> Response {
    (status, message.into()).into_response()
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "opening a live quiz connection");
    text(StatusCode::INTERNAL_SERVER_ERROR, "Une erreur est survenue de notre côté. Réessayez dans un instant.")
}

pub async fn upgrade(
    State(state): State<AppState>,
    Extension(slot): Extension<SessionSlot>,
    Path(code): Path<String>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let user = match authenticate(&state, &headers, slot, "Connectez-vous pour rejoindre une session de quiz.") {
        Ok(user) => user,
        Err(refused) => return refused.into_response(),
    };
    // Counted before the code is looked up, against the person (never the address: a class
    // shares one); a code that leads somewhere gives its attempt back.
    let key = app::quizzes::live::ssr::join_throttle_key(user.me.id);
    match throttle_take(&state.db, &key, &JOIN_CODE_POLICY).await {
        Ok(0) => {}
        Ok(wait) => {
            return text(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "Trop de codes de session erronés depuis cette connexion. Patientez {wait} seconde{} puis \
                     saisissez le code affiché par votre enseignant.",
                    if wait > 1 { "s" } else { "" }
                ),
            );
        }
        Err(e) => return internal(e),
    }
    let found = match JoinCode::parse(&code) {
        Ok(code) => match live_db::live_by_code(&state.db, &code).await {
            Ok(found) => found,
            Err(e) => return internal(e),
        },
        Err(_) => None,
    };
    let Some(session) = found.filter(|s| !user.viewer.roles_in(s.establishment).is_empty()) else {
        return text(StatusCode::NOT_FOUND, NO_SESSION);
    };
    if let Err(e) = throttle_refund(&state.db, &key).await {
        return internal(e);
    }
    let host = is_live_host(&user.viewer, &session.access());
    if !host && !can_join_live(&user.viewer, &session.access()) {
        return text(StatusCode::FORBIDDEN, "Cette session est réservée aux élèves de l'établissement.");
    }
    let info = ClientInfo { user: user.me.id, name: user.me.display_name(), host };
    let id = session.id;
    let ended = match crate::ws::watch_session(&state, &user).await {
        Ok(ended) => ended,
        Err(refused) => return refused,
    };
    // A lecture hall holds thousands of these sockets, each reading a few small frames: a
    // 4 KiB read buffer (it grows for a larger frame) instead of tungstenite's 128 KiB.
    ws.max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .read_buffer_size(4096)
        .write_buffer_size(4096)
        .on_upgrade(move |socket| {
            let open = state.metrics.socket_opened(app::server::metrics::SocketKind::Quiz);
            async move {
                run(socket, state, user, ended, id, info).await;
                drop(open);
            }
        })
}

async fn run(
    mut socket: WebSocket,
    state: AppState,
    user: Arc<CurrentUser>,
    mut ended: tokio::sync::watch::Receiver<bool>,
    session: domain::LiveSessionId,
    info: ClientInfo,
) {
    let mut activity = crate::ws::Activity::new();
    let (out, mut frames) = mpsc::channel::<Arc<str>>(CLIENT_QUEUE);
    let Some((id, hub)) = state.live.attach(&state.db, session, info, out).await else {
        let _ = socket.send(Message::Close(None)).await;
        return;
    };
    let mut heartbeat = Heartbeat::new();
    loop {
        tokio::select! {
            () = session_over(&mut ended) => {
                let _ = socket.send(session_ended()).await;
                break;
            }
            frame = frames.recv() => match frame {
                Some(frame) => {
                    if socket.send(Message::Text(frame.as_ref().into())).await.is_err() { break; }
                }
                // The hub stopped or dropped this connection.
                None => {
                    let _ = socket.send(Message::Close(None)).await;
                    break;
                }
            },
            msg = socket.recv() => match msg {
                Some(Ok(Message::Text(t))) => match serde_json::from_str::<ClientMessage>(t.as_str()) {
                    Ok(msg) => {
                        activity.seen(&state, &user.token_hash);
                        if hub.send(HubInput::Message { id, msg }).await.is_err() { break; }
                    }
                    Err(_) => {
                        let refused = ServerMessage::Refused {
                            message: "Message incompréhensible : rechargez la page.".into(),
                        };
                        let frame = serde_json::to_string(&refused).unwrap_or_default();
                        if socket.send(Message::Text(frame.into())).await.is_err() { break; }
                    }
                },
                Some(Ok(Message::Pong(_))) => heartbeat.pong(),
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            ping = heartbeat.due() => match ping {
                Some(ping) => if socket.send(ping).await.is_err() { break; },
                None => break,
            }
        }
    }
    let _ = hub.send(HubInput::Detach { id }).await;
}
