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
use tokio::sync::watch;

/// Largest message accepted from a client.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// A peer that answers no ping for this long is dropped.
pub const PING_EVERY: Duration = Duration::from_secs(20);
/// Close code sent when the session ends.
pub const CLOSE_SESSION_ENDED: u16 = 4001;
/// Close code of a message over [`MAX_MESSAGE_BYTES`] (RFC 6455's "message too big").
pub const CLOSE_TOO_BIG: u16 = 1009;

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

/// Registers a connection being opened with its session, BEFORE the upgrade, then checks
/// the session is still open: a logout that ends the session between the session layer's
/// check and this subscription found no connection to close, and is seen here (401); one
/// after it finds the subscription and closes the socket (4001). Call it last before
/// `on_upgrade`, after any other check that may wait on the database.
pub async fn watch_session(state: &AppState, user: &CurrentUser) -> Result<watch::Receiver<bool>, Response> {
    let ended = state.realtime.subscribe(&user.token_hash);
    match app::server::session::still_open(&state.db, &state.auth, std::slice::from_ref(&user.token_hash)).await {
        Ok(open) if open.contains(&user.token_hash) => Ok(ended),
        Ok(_) => Err((StatusCode::UNAUTHORIZED, "Votre session est terminée : reconnectez-vous.").into_response()),
        Err(e) => {
            tracing::error!(error = %e, "checking a session at a WebSocket upgrade");
            Err((StatusCode::SERVICE_UNAVAILABLE, "Préau est momentanément indisponible. Réessayez dans un instant.")
                .into_response())
        }
    }
}

/// Refreshes the session from the person's own socket traffic (see
/// `app::server::session::socket_activity`), consulting the shared registry at most once
/// per [`app::server::session::REFRESH_EVERY_MS`] per connection.
pub struct Activity {
    next: tokio::time::Instant,
}

impl Activity {
    pub fn new() -> Self {
        Activity { next: tokio::time::Instant::now() }
    }

    /// The person did something on this connection.
    pub fn seen(&mut self, state: &AppState, token_hash: &str) {
        let now = tokio::time::Instant::now();
        if now >= self.next {
            self.next = now + Duration::from_millis(app::server::session::REFRESH_EVERY_MS.unsigned_abs());
            app::server::session::socket_activity(state, token_hash);
        }
    }
}

impl Default for Activity {
    fn default() -> Self {
        Self::new()
    }
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
    let ended = match watch_session(&state, &user).await {
        Ok(ended) => ended,
        Err(refused) => return refused,
    };
    // Read up to 64 KiB past the limit so that a message just over it gets our clear close
    // frame rather than a read error.
    ws.max_message_size(MAX_MESSAGE_BYTES + 64 * 1024)
        .max_frame_size(MAX_MESSAGE_BYTES + 64 * 1024)
        .read_buffer_size(4096)
        .write_buffer_size(4096)
        .on_upgrade(move |socket| {
            let open = state.metrics.socket_opened(app::server::metrics::SocketKind::Session);
            async move {
                run(socket, user, ended).await;
                drop(open);
            }
        })
}

/// Its traffic (a keep-alive `ping`) does not refresh the session: it says the tab is
/// open, not that someone uses it.
fn too_big() -> Message {
    Message::Close(Some(CloseFrame { code: CLOSE_TOO_BIG, reason: "message trop volumineux".into() }))
}

async fn run(mut socket: WebSocket, user: Arc<CurrentUser>, mut ended: watch::Receiver<bool>) {
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
                Some(Ok(Message::Text(t))) if t.len() > MAX_MESSAGE_BYTES => {
                    let _ = socket.send(too_big()).await;
                    break;
                }
                Some(Ok(Message::Binary(b))) if b.len() > MAX_MESSAGE_BYTES => {
                    let _ = socket.send(too_big()).await;
                    break;
                }
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
