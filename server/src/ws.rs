//! The `/ws` endpoint: authenticated by the session cookie, Origin-checked at the upgrade,
//! closed at once when its session ends (logout, deactivation). Pads and live quizzes will
//! speak their protocols over it; today it greets, answers `ping` and keeps the peer alive.

use crate::layers::origin_allowed;
use app::server::AppState;
use app::server::session::{CurrentUser, SessionSlot};
use axum::Extension;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;

/// Largest message accepted from a client.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// A peer that answers no ping for this long is dropped.
pub const PING_EVERY: Duration = Duration::from_secs(20);
/// Close code sent when the session ends.
pub const CLOSE_SESSION_ENDED: u16 = 4001;

/// What every WebSocket upgrade checks first: the page opening it is Préau's own (Origin),
/// and someone is logged in. `login_hint` is the French sentence a visitor without a session
/// reads.
pub fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    slot: SessionSlot,
    login_hint: &'static str,
) -> Result<Arc<CurrentUser>, (StatusCode, &'static str)> {
    if !origin_allowed(headers, &state.auth) {
        return Err((StatusCode::FORBIDDEN, "Origine refusée."));
    }
    slot.0.ok_or((StatusCode::UNAUTHORIZED, login_hint))
}

/// The frame that closes a connection whose browser session ended (logout, deactivation).
pub fn session_ended() -> Message {
    Message::Close(Some(CloseFrame { code: CLOSE_SESSION_ENDED, reason: "session terminée".into() }))
}

/// Resolves once the browser session behind a connection has ended (or its watch is gone).
/// Cancel-safe, for a `select!` branch.
pub async fn session_over(ended: &mut tokio::sync::watch::Receiver<bool>) {
    while !*ended.borrow_and_update() {
        if ended.changed().await.is_err() {
            return;
        }
    }
}

/// Drops dead peers: a ping every `PING_EVERY`; a peer that has not answered the previous
/// one by the next is dead. Every endpoint's loop has a branch on `due` and calls `pong`.
pub struct Heartbeat {
    ping: tokio::time::Interval,
    awaiting_pong: bool,
}

impl Heartbeat {
    /// The first ping goes `PING_EVERY` after now.
    pub fn new() -> Self {
        let start = tokio::time::Instant::now() + PING_EVERY;
        Heartbeat { ping: tokio::time::interval_at(start, PING_EVERY), awaiting_pong: false }
    }

    /// Waits for the next ping: the frame to send, or `None` when the peer is dead.
    /// Cancel-safe.
    pub async fn due(&mut self) -> Option<Message> {
        self.ping.tick().await;
        if self.awaiting_pong {
            return None;
        }
        self.awaiting_pong = true;
        Some(Message::Ping(Default::default()))
    }

    /// The peer answered.
    pub fn pong(&mut self) {
        self.awaiting_pong = false;
    }
}

impl Default for Heartbeat {
    fn default() -> Self {
        Self::new()
    }
}

pub async fn upgrade(
    State(state): State<AppState>,
    Extension(slot): Extension<SessionSlot>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let user = match authenticate(&state, &headers, slot, "Connectez-vous pour ouvrir cette connexion.") {
        Ok(user) => user,
        Err(refused) => return refused.into_response(),
    };
    ws.max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .read_buffer_size(4096)
        .write_buffer_size(4096)
        .on_upgrade(move |socket| run(socket, state, user))
}

async fn run(mut socket: WebSocket, state: AppState, user: Arc<CurrentUser>) {
    let mut ended = state.realtime.subscribe(&user.token_hash);
    let hello = serde_json::json!({ "type": "bonjour", "utilisateur": user.me.display_name() }).to_string();
    if socket.send(Message::Text(hello.into())).await.is_err() {
        return;
    }
    let mut heartbeat = Heartbeat::new();
    loop {
        tokio::select! {
            () = session_over(&mut ended) => {
                let _ = socket.send(session_ended()).await;
                break;
            }
            msg = socket.recv() => match msg {
                Some(Ok(Message::Text(t))) if t.as_str() == "ping" => {
                    if socket.send(Message::Text("pong".into())).await.is_err() { break; }
                }
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
}
