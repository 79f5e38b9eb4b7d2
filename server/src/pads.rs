//! The pad hub: `GET /ws/pads/{id}`, live co-editing of one pad over binary WebSocket frames
//! in the Yjs sync protocol plus Préau's `tracked`/`ack` (see `domain::pad::wire` and
//! docs/pads.md).
//!
//! One task per open pad holds its `PadDoc` in memory and is this process's only writer of its
//! rows.
//! Each connection has a task of its own that reads frames, checks their size and rate, and
//! hands them to the pad task; the pad task sends back through a bounded queue per
//! connection (a reader whose queue is full is disconnected, so a slow one never grows the
//! server's memory). Updates arriving within one [`TICK`] are coalesced: applied to the
//! document as they come (which validates them), then merged into ONE row committed to the
//! database, and only then acknowledged to each sender and sent to the others as ONE merged
//! update frame each. Nothing reaches another client, and no sync answer includes anything,
//! before it is durable. Awareness (carets) is merged per tick too: the latest state of each
//! client goes out once per tick, in one frame per recipient.
//!
//! Several server processes may serve one pad on PostgreSQL: the database numbers the rows,
//! and each pad task also catches up on the rows other nodes commit, when the node bus
//! (`crate::bus`) announces them, and sends them to its connections (see [`PadTask::catch_up`]).
//!
//! Permissions are checked at the upgrade (401 without a session, 404 for an unknown pad or
//! one of another establishment, 403 for a non-member) and on every update, against the
//! pad's access as `set_pad_access` last published it (`Realtime::watch_pad`): locking a pad
//! takes effect on open connections at once, and a member who loses read access is closed.
//!
//! Each pad task also records who writes with which Yjs client id (`pad_authors`, refusing
//! an update that writes with someone else's), saves versions of the pad (`versions`), and
//! applies restores of old versions as new edits (`restore`, `POST /pads/{id}/restaurer`).

mod restore;
mod versions;

pub use restore::restore;
pub use versions::VERSION_EVERY;

use app::server::audit;
use app::server::db::now_ms;
use app::server::session::{CurrentUser, SessionSlot};
use app::server::{AppState, ClientIp};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::pad::awareness::{self, AwarenessMerge};
use domain::pad::wire::Message;
use domain::pad::{PadDoc, merge_updates, presence, update_clocks};
use domain::permissions::{can_edit_pad, can_read_pad, is_member_of};
use domain::{PadAccess, PadId, UserId};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

/// Largest frame a client may send (a Yjs message with its header).
pub const MAX_FRAME_BYTES: usize = domain::pad::wire::MAX_FRAME_BYTES;
/// Largest pad, as its encoded Yjs state: an update that would make it larger is refused.
/// Below [`MAX_FRAME_BYTES`] so that a whole pad (a new peer's sync step 2) and any tick's
/// merged update always fit in one frame, which the browser's decoder also limits to 1 MiB.
/// 960 KiB is some 500 pages of text. (In `domain`, so that an import checks it too.)
pub const MAX_PAD_BYTES: usize = domain::pad::MAX_PAD_BYTES;
/// Most connections open on one pad at once, by default (`PREAU_PAD_MAX_PARTICIPANTS`).
pub const MAX_PARTICIPANTS: usize = 200;
/// Messages a connection may send per second, on average ...
pub const MESSAGES_PER_SECOND: f64 = 30.0;
/// ... and in one burst (an editor flushing what it kept offline sends many at once).
pub const MESSAGE_BURST: f64 = 60.0;
/// Frames queued for one connection; a reader this far behind is disconnected.
pub const SEND_QUEUE_FRAMES: usize = 64;
/// How long the pad task gathers updates before writing them as one row.
pub const TICK: Duration = Duration::from_millis(15);
/// Rows appended since the snapshot after which the pad is compacted into a new snapshot.
pub const COMPACT_AFTER_ROWS: usize = 100;
/// How long a pad stays in memory after its last connection leaves (a reload comes back).
pub const LINGER: Duration = Duration::from_secs(10);
/// A send to a peer that takes longer than this drops the peer (its TCP window stays shut).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Commands waiting for one pad task; a reader awaits room, which slows its sender down.
const COMMAND_QUEUE: usize = 1024;

/// Close codes, with a reason each (short: a close reason is at most 123 bytes).
pub mod close {
    /// The session ended (logout, deactivation), as on `/ws`.
    pub const SESSION_ENDED: u16 = crate::ws::CLOSE_SESSION_ENDED;
    /// An update from someone who may not edit now (read-only, pad locked), or access lost.
    pub const FORBIDDEN: u16 = 4003;
    /// The reader fell too far behind (its send queue was full): reload to resync.
    pub const TOO_SLOW: u16 = 4008;
    /// The pad reached [`super::MAX_PAD_BYTES`].
    pub const PAD_FULL: u16 = 4013;
    /// More than [`super::MESSAGES_PER_SECOND`] messages per second (beyond the burst).
    pub const RATE_LIMITED: u16 = 4029;
    /// A frame or update that does not decode (RFC 6455: invalid payload data).
    pub const MALFORMED: u16 = 1007;
    /// A frame over [`super::MAX_FRAME_BYTES`] (RFC 6455: message too big).
    pub const TOO_BIG: u16 = 1009;
    /// The pad could not be loaded or stored (RFC 6455: internal error).
    pub const SERVER_ERROR: u16 = 1011;
    /// The pad has its maximum of connections (RFC 6455: try again later).
    pub const CROWDED: u16 = 1013;
}

/// Why a connection is closed: a code and a French reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Close {
    pub code: u16,
    pub reason: &'static str,
}

impl Close {
    pub const SESSION_ENDED: Close = Close { code: close::SESSION_ENDED, reason: "session terminée" };
    pub const READ_ONLY: Close =
        Close { code: close::FORBIDDEN, reason: "modification refusée : pad en lecture seule ou verrouillé" };
    pub const NO_ACCESS: Close = Close { code: close::FORBIDDEN, reason: "vous n'avez plus accès à ce pad" };
    /// An update writing with a Yjs client id that another person already wrote with in this
    /// pad: authorship would lie. A browser picks a fresh id per person and tab.
    pub const BORROWED_CLIENT: Close = Close {
        code: close::FORBIDDEN,
        reason: "modification refusée : cet identifiant d'éditeur est celui d'une autre personne",
    };
    pub const TOO_SLOW: Close = Close { code: close::TOO_SLOW, reason: "connexion trop lente : rechargez la page" };
    pub const PAD_FULL: Close = Close { code: close::PAD_FULL, reason: "pad plein (960 Kio) : créez-en un autre" };
    pub const RATE_LIMITED: Close = Close { code: close::RATE_LIMITED, reason: "trop de messages par seconde" };
    pub const MALFORMED: Close = Close { code: close::MALFORMED, reason: "message illisible : rechargez la page" };
    pub const TEXT_FRAME: Close = Close { code: close::MALFORMED, reason: "messages binaires seulement" };
    pub const TOO_BIG: Close = Close { code: close::TOO_BIG, reason: "message trop volumineux (1 Mio au plus)" };
    pub const SERVER_ERROR: Close = Close { code: close::SERVER_ERROR, reason: "pad indisponible : réessayez" };
    pub const CROWDED: Close = Close { code: close::CROWDED, reason: "pad complet : réessayez plus tard" };

    fn frame(&self) -> WsMessage {
        WsMessage::Close(Some(CloseFrame { code: self.code, reason: self.reason.into() }))
    }
}

/// A token bucket: `rate` messages per second on average, `burst` at once.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    tokens: f64,
    last: Instant,
    rate: f64,
    burst: f64,
}

impl TokenBucket {
    pub fn new(rate: f64, burst: f64, now: Instant) -> Self {
        TokenBucket { tokens: burst, last: now, rate, burst }
    }

    /// Takes one token; false when the bucket is empty.
    pub fn take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

type ConnId = u64;

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

enum Command {
    Join {
        conn: ConnId,
        user: Arc<CurrentUser>,
        peer: PeerLink,
        reply: oneshot::Sender<Result<(), Close>>,
    },
    Leave {
        conn: ConnId,
    },
    Message {
        conn: ConnId,
        message: Message,
    },
    /// The person's rights changed: `user` holds them as they are now.
    Rights {
        conn: ConnId,
        user: Arc<CurrentUser>,
    },
    /// Make the text `text` again, as a new edit by `user` (restoring a version); answered
    /// once that edit is durable and sent to the connections (true), at once when the text
    /// is `text` already (false).
    Restore {
        user: Arc<CurrentUser>,
        text: String,
        reply: RestoreReply,
    },
}

/// Where a restore hears how it went (see [`Command::Restore`]).
type RestoreReply = oneshot::Sender<Result<bool, Close>>;

/// How the pad task reaches one connection.
struct PeerLink {
    out: mpsc::Sender<Bytes>,
    close: oneshot::Sender<Close>,
}

#[derive(Clone)]
struct PadHandle {
    commands: mpsc::Sender<Command>,
    participants: Arc<AtomicUsize>,
    /// What the node bus announced of the pad's rows committed on other nodes.
    remote: Arc<watch::Sender<Remote>>,
    /// Tells this pad task from a later one of the same pad.
    generation: u64,
}

static NEXT_GENERATION: AtomicU64 = AtomicU64::new(1);

/// What the node bus told a pad task: the highest row announced, and how many times it must
/// catch up whatever was announced (after the bus's listener (re)connected).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Remote {
    seq: i64,
    resyncs: u64,
}

/// The open pads of this process.
#[derive(Clone)]
pub struct PadHub {
    state: AppState,
    pads: Arc<Mutex<HashMap<PadId, PadHandle>>>,
    /// Whether other nodes may hold the same pads (PostgreSQL): each row committed is then
    /// announced to them (`crate::bus`).
    announce: bool,
}

impl PadHub {
    pub fn new(state: AppState) -> Self {
        let announce = state.engine == app::server::Engine::Postgres;
        PadHub { state, pads: Arc::default(), announce }
    }

    /// Row `seq` of `pad` was committed (on any node): the pad's task, if it is open here,
    /// reads the rows it lacks.
    pub fn announced(&self, pad: PadId, seq: i64) {
        let pads = self.pads.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(h) = pads.get(&pad) {
            h.remote.send_if_modified(|r| {
                let newer = seq > r.seq;
                r.seq = r.seq.max(seq);
                newer
            });
        }
    }

    /// Every open pad reads the rows it lacks (announcements may have been missed).
    pub fn resync_all(&self) {
        let pads = self.pads.lock().unwrap_or_else(|e| e.into_inner());
        for h in pads.values() {
            h.remote.send_modify(|r| r.resyncs += 1);
        }
    }

    /// Connections open on a pad now (0 when it is not open).
    pub fn participants(&self, pad: PadId) -> usize {
        let pads = self.pads.lock().unwrap_or_else(|e| e.into_inner());
        pads.get(&pad).map_or(0, |h| h.participants.load(Ordering::Relaxed))
    }

    /// The pad's task, started when the pad is not open yet.
    fn handle(&self, pad: PadId, access: PadAccess) -> PadHandle {
        let mut pads = self.pads.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(h) = pads.get(&pad)
            && !h.commands.is_closed()
        {
            return h.clone();
        }
        let (tx, rx) = mpsc::channel(COMMAND_QUEUE);
        let generation = NEXT_GENERATION.fetch_add(1, Ordering::Relaxed);
        let (remote, remote_rx) = watch::channel(Remote::default());
        let handle = PadHandle { commands: tx, participants: Arc::default(), remote: Arc::new(remote), generation };
        pads.insert(pad, handle.clone());
        let task = PadTask {
            id: pad,
            generation,
            hub: self.clone(),
            access: self.state.realtime.watch_pad(pad, access),
            participants: handle.participants.clone(),
            doc: PadDoc::new(0),
            authors: HashMap::new(),
            new_authors: Vec::new(),
            versions: versions::Keeper::new(None),
            restores: Vec::new(),
            queued_restores: Vec::new(),
            last_seq: 0,
            own_rows: BTreeSet::new(),
            remote: remote_rx,
            resyncs: 0,
            rows_since_snapshot: 0,
            stored_bytes: 0,
            peers: HashMap::new(),
            pending: Vec::new(),
            deferred_syncs: Vec::new(),
            awareness: AwarenessMerge::default(),
            awareness_from: HashSet::new(),
            awareness_owner: HashMap::new(),
            awareness_ids: HashMap::new(),
            compacting: Arc::default(),
        };
        tokio::spawn(task.run(rx));
        handle
    }

    /// Forgets an idle pad task, unless a command reached it meanwhile (then it goes on).
    /// Returns whether the task may end. A connection that took the handle just before
    /// sees its join dropped and starts a new task (see [`join`]).
    fn retire(&self, pad: PadId, generation: u64, commands: &mpsc::Receiver<Command>) -> bool {
        let mut pads = self.pads.lock().unwrap_or_else(|e| e.into_inner());
        if !commands.is_empty() {
            return false;
        }
        if pads.get(&pad).is_some_and(|h| h.generation == generation) {
            pads.remove(&pad);
        }
        true
    }

    /// Forgets a failed pad task whatever it has queued.
    fn remove(&self, pad: PadId, generation: u64) {
        let mut pads = self.pads.lock().unwrap_or_else(|e| e.into_inner());
        if pads.get(&pad).is_some_and(|h| h.generation == generation) {
            pads.remove(&pad);
        }
    }
}

/// `GET /ws/pads/{id}`: checks origin, session and read access, then upgrades with small
/// buffers (an idle connection costs a few KiB).
pub async fn upgrade(
    State(state): State<AppState>,
    Extension(hub): Extension<PadHub>,
    Extension(slot): Extension<SessionSlot>,
    ip: Option<Extension<ClientIp>>,
    Path(raw): Path<String>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let user = match crate::ws::authenticate(&state, &headers, slot, "Connectez-vous pour ouvrir ce pad.") {
        Ok(user) => user,
        Err(refused) => return refused.into_response(),
    };
    let not_found = || (StatusCode::NOT_FOUND, "Ce pad n'existe pas ou plus.").into_response();
    let Ok(pad) = raw.parse::<PadId>() else {
        return not_found();
    };
    let access = match app::pads::db::access(&state.db, pad).await {
        Ok(Some(a)) => a,
        Ok(None) => return not_found(),
        Err(e) => return e.into_response(),
    };
    if !is_member_of(&user.viewer, access.establishment) {
        return not_found();
    }
    if !can_read_pad(&user.viewer, &access) {
        let detail = format!("pad {pad}");
        let ip = ip.as_ref().map_or("", |Extension(ip)| ip.0.as_str());
        audit::refused_from(&state.db, &user, &detail, ip).await;
        return (StatusCode::FORBIDDEN, "Ce pad est réservé aux membres de sa classe.").into_response();
    }
    if hub.participants(pad) >= state.pad_max_participants {
        let full = format!("Ce pad accueille déjà {} participants. Réessayez plus tard.", state.pad_max_participants);
        return (StatusCode::SERVICE_UNAVAILABLE, full).into_response();
    }
    let ended = match crate::ws::watch_session(&state, &user).await {
        Ok(ended) => ended,
        Err(refused) => return refused,
    };
    // The limit tungstenite enforces sits a little above ours, so that a frame just over
    // MAX_FRAME_BYTES gets our clear close frame rather than a read error.
    ws.max_message_size(MAX_FRAME_BYTES + 64 * 1024)
        .max_frame_size(MAX_FRAME_BYTES + 64 * 1024)
        .read_buffer_size(4096)
        .write_buffer_size(4096)
        .max_write_buffer_size(MAX_FRAME_BYTES + 64 * 1024)
        .on_upgrade(move |socket| {
            let open = state.metrics.socket_opened(app::server::metrics::SocketKind::Pad);
            async move {
                connection(socket, state, hub, user, ended, pad, access).await;
                drop(open);
            }
        })
}

/// One connection: joins the pad task, then relays frames both ways until either side ends.
async fn connection(
    mut socket: WebSocket,
    state: AppState,
    hub: PadHub,
    user: Arc<CurrentUser>,
    mut ended: watch::Receiver<bool>,
    pad: PadId,
    access: PadAccess,
) {
    let user_id = user.me.id;
    let mut rights = state.realtime.watch_rights(user_id);
    let token_hash = user.token_hash.clone();
    let conn = NEXT_CONN.fetch_add(1, Ordering::Relaxed);
    let person = presence::Person { name: user.me.display_name(), colour: presence::colour_for(user_id).to_string() };
    let Joined { commands, mut out_rx, mut close_rx } = match join(&hub, pad, access, conn, user).await {
        Ok(joined) => joined,
        Err(reason) => return close_cleanly(socket, reason).await,
    };
    // On the pad list's "who is in the pad" while this connection lives.
    let _present = state.realtime.enter_pad(pad, user_id, person.name.clone());
    // The awareness client ids this connection spoke for: said gone when it ends.
    let mut announced: Vec<(u64, u64)> = Vec::new();
    let mut bucket = TokenBucket::new(MESSAGES_PER_SECOND, MESSAGE_BURST, Instant::now());
    let mut heartbeat = crate::ws::Heartbeat::new();
    let mut activity = crate::ws::Activity::new();
    let closing: Option<Close> = loop {
        tokio::select! {
            () = crate::ws::session_over(&mut ended) => break Some(Close::SESSION_ENDED),
            changed = rights.changed() => {
                if changed.is_err() { break Some(Close::SERVER_ERROR); }
                // Read again from the database (committed), then checked by the pad task.
                let Ok((me, viewer)) = app::server::session::load_person(&state.db, user_id).await else {
                    break Some(Close::SERVER_ERROR);
                };
                let user = Arc::new(CurrentUser { me, viewer, token_hash: token_hash.clone() });
                if commands.send(Command::Rights { conn, user }).await.is_err() {
                    break Some(Close::SERVER_ERROR);
                }
            }
            reason = &mut close_rx => break Some(reason.unwrap_or(Close::SERVER_ERROR)),
            frame = out_rx.recv() => match frame {
                Some(bytes) => {
                    let sent = tokio::time::timeout(SEND_TIMEOUT, socket.send(WsMessage::Binary(bytes))).await;
                    if !matches!(sent, Ok(Ok(()))) { break None; }
                }
                // The pad task let go of this peer: it says why first, unless it failed.
                None => break Some(close_rx.try_recv().unwrap_or(Close::SERVER_ERROR)),
            },
            msg = socket.recv() => match msg {
                Some(Ok(WsMessage::Binary(data))) => {
                    if data.len() > MAX_FRAME_BYTES {
                        break Some(Close::TOO_BIG);
                    }
                    if !bucket.take(Instant::now()) {
                        break Some(Close::RATE_LIMITED);
                    }
                    let Ok(mut message) = Message::decode(&data) else {
                        break Some(Close::MALFORMED);
                    };
                    // Typing and moving the caret keep the session alive; a sync (sent by
                    // the editor itself on each reconnect) does not.
                    if !matches!(message, Message::SyncStep1(_)) {
                        activity.seen(&state, &token_hash);
                    }
                    if let Message::Awareness(update) = &message {
                        // Relayed under the person's real name, whatever the sender wrote.
                        let Ok(stamped) = presence::stamp(update, &person) else {
                            break Some(Close::MALFORMED);
                        };
                        if let Ok(entries) = presence::decode(&stamped) {
                            for e in entries {
                                let known = announced.iter().any(|(client, _)| *client == e.client);
                                // Bounded as the pad task bounds what it relays.
                                if !known && announced.len() >= awareness::MAX_IDS_PER_CONNECTION {
                                    continue;
                                }
                                announced.retain(|(client, _)| *client != e.client);
                                if e.state.is_some() {
                                    announced.push((e.client, e.clock));
                                }
                            }
                        }
                        message = Message::Awareness(stamped);
                    }
                    if commands.send(Command::Message { conn, message }).await.is_err() {
                        break Some(Close::SERVER_ERROR);
                    }
                }
                Some(Ok(WsMessage::Text(_))) => break Some(Close::TEXT_FRAME),
                Some(Ok(WsMessage::Pong(_))) => heartbeat.pong(),
                Some(Ok(WsMessage::Ping(_))) => {}
                // A read error (among them a frame far over the limit, refused by tungstenite
                // itself) drops the connection.
                Some(Err(_)) | Some(Ok(WsMessage::Close(_))) | None => break None,
            },
            ping = heartbeat.due() => match ping {
                Some(ping) => if socket.send(ping).await.is_err() { break None; },
                None => break None,
            }
        }
    };
    if !announced.is_empty() {
        // The others drop this person's caret now rather than when their own timeout
        // would (y-protocols: a null state at the next clock means "gone").
        let gone: Vec<presence::Entry> = announced
            .iter()
            .map(|&(client, clock)| presence::Entry { client, clock: clock + 1, state: None })
            .collect();
        let message = Message::Awareness(presence::encode(&gone));
        let _ = commands.send(Command::Message { conn, message }).await;
    }
    let _ = commands.send(Command::Leave { conn }).await;
    if let Some(reason) = closing {
        close_cleanly(socket, reason).await;
    }
}

/// How long a closing connection waits for the peer to answer its close frame.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// Sends the close frame, then reads (and drops) what the peer still sends until it answers
/// with its own close: dropping a socket with unread data would reset the TCP connection,
/// and the peer could lose the close frame and its reason.
async fn close_cleanly(mut socket: WebSocket, reason: Close) {
    let drained = async {
        if socket.send(reason.frame()).await.is_err() {
            return;
        }
        while let Some(Ok(m)) = socket.recv().await {
            if matches!(m, WsMessage::Close(_)) {
                return;
            }
        }
    };
    let _ = tokio::time::timeout(CLOSE_GRACE, drained).await;
}

/// A connection's side of its link with the pad task.
struct Joined {
    commands: mpsc::Sender<Command>,
    out_rx: mpsc::Receiver<Bytes>,
    close_rx: oneshot::Receiver<Close>,
}

/// Joins the pad's task, starting it if needed.
async fn join(
    hub: &PadHub,
    pad: PadId,
    access: PadAccess,
    conn: ConnId,
    user: Arc<CurrentUser>,
) -> Result<Joined, Close> {
    // A pad task that is just ending drops the join unanswered: start a new one and retry.
    for _ in 0..3 {
        let handle = hub.handle(pad, access.clone());
        let (out, out_rx) = mpsc::channel::<Bytes>(SEND_QUEUE_FRAMES);
        let (close, close_rx) = oneshot::channel::<Close>();
        let (reply, reply_rx) = oneshot::channel();
        let command = Command::Join { conn, user: user.clone(), peer: PeerLink { out, close }, reply };
        if handle.commands.send(command).await.is_err() {
            continue;
        }
        match reply_rx.await {
            Ok(Ok(())) => return Ok(Joined { commands: handle.commands, out_rx, close_rx }),
            Ok(Err(close)) => return Err(close),
            Err(_) => continue,
        }
    }
    Err(Close::SERVER_ERROR)
}

/// An update received and applied to the document, waiting for the tick's durable write.
struct Pending {
    conn: ConnId,
    /// Who sent it (a restore: who asked for it).
    user: UserId,
    /// The sender's sequence number, when it asked for an acknowledgement.
    seq: Option<u64>,
    /// The update, when it brought something new (a replay is acknowledged, not stored).
    update: Option<Vec<u8>>,
}

struct Peer {
    user: Arc<CurrentUser>,
    out: mpsc::Sender<Bytes>,
    close: Option<oneshot::Sender<Close>>,
}

struct PadTask {
    id: PadId,
    generation: u64,
    hub: PadHub,
    access: watch::Receiver<Arc<PadAccess>>,
    participants: Arc<AtomicUsize>,
    /// Everything durable, plus the pending updates of the current tick.
    doc: PadDoc,
    /// Who writes with which Yjs client id in this pad (durable, or pending in this tick).
    authors: HashMap<u64, UserId>,
    /// The pairs first seen in this tick, stored with its row.
    new_authors: Vec<(u64, UserId)>,
    versions: versions::Keeper,
    /// Restores applied, waiting for this tick's write (then for their version).
    restores: Vec<RestoreReply>,
    /// Restores asked while updates were pending: applied once those are durable, so that
    /// the text they replace gets its version first.
    queued_restores: Vec<(Arc<CurrentUser>, String, RestoreReply)>,
    /// Every row up to this one is in `doc`.
    last_seq: i64,
    /// Rows this task wrote after `last_seq` (other nodes wrote the ones between): in `doc`
    /// already, skipped when catching up.
    own_rows: BTreeSet<i64>,
    /// Rows committed by other nodes, as the node bus announces them.
    remote: watch::Receiver<Remote>,
    /// The bus's resyncs done.
    resyncs: u64,
    rows_since_snapshot: usize,
    /// An upper bound of the encoded state's size: the snapshot plus every update since.
    stored_bytes: usize,
    peers: HashMap<ConnId, Peer>,
    pending: Vec<Pending>,
    /// Sync answers held until the pending updates are durable (state vectors to answer;
    /// `None`: a new peer's whole document).
    deferred_syncs: Vec<(ConnId, Option<Vec<u8>>)>,
    /// The awareness received during the tick, the latest per client, and who sent it.
    awareness: AwarenessMerge,
    awareness_from: HashSet<ConnId>,
    /// Who speaks for each awareness client id (the first connection to announce it, while it
    /// is here), and how many ids each connection holds: none may clear another's caret, nor
    /// announce more than `awareness::MAX_IDS_PER_CONNECTION`.
    awareness_owner: HashMap<u64, ConnId>,
    awareness_ids: HashMap<ConnId, usize>,
    compacting: Arc<std::sync::atomic::AtomicBool>,
}

impl PadTask {
    async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        if let Err(e) = self.load().await {
            tracing::error!(pad = %self.id, error = format!("{e:#}"), "could not load a pad");
            self.fail(&mut commands);
            return;
        }
        let mut tick_at: Option<Instant> = None;
        let mut idle_since = Some(Instant::now());
        loop {
            let linger_until = idle_since.map(|t| t + LINGER);
            tokio::select! {
                command = commands.recv() => match command {
                    Some(c) => {
                        self.handle(c);
                        if self.peers.is_empty() && self.pending.is_empty() {
                            // The session ended: its version.
                            self.maybe_version(true, Vec::new());
                        }
                        if (!self.pending.is_empty() || !self.awareness.is_empty()) && tick_at.is_none() {
                            tick_at = Some(Instant::now() + TICK);
                        }
                    }
                    None => break,
                },
                changed = self.access.changed() => {
                    if changed.is_err() { break; }
                    self.recheck_readers();
                }
                changed = self.remote.changed() => {
                    if changed.is_err() { break; }
                    let remote = *self.remote.borrow_and_update();
                    if remote.seq > self.last_seq || remote.resyncs != self.resyncs {
                        self.resyncs = remote.resyncs;
                        if let Err(e) = self.catch_up().await {
                            tracing::error!(pad = %self.id, error = format!("{e:#}"), "could not read another node's pad updates");
                            self.fail(&mut commands);
                            return;
                        }
                    }
                }
                _ = tokio::time::sleep_until(tick_at.unwrap_or_else(Instant::now)), if tick_at.is_some() => {
                    tick_at = None;
                    if let Err(e) = self.flush().await {
                        tracing::error!(pad = %self.id, error = format!("{e:#}"), "could not store pad updates");
                        self.fail(&mut commands);
                        return;
                    }
                    self.flush_awareness();
                    // A restore queued during the tick is the next tick's update.
                    if !self.pending.is_empty() {
                        tick_at = Some(Instant::now() + TICK);
                    }
                }
                _ = tokio::time::sleep_until(linger_until.unwrap_or_else(Instant::now)), if linger_until.is_some() => {
                    if self.hub.retire(self.id, self.generation, &commands) {
                        return;
                    }
                }
            }
            idle_since = match (self.peers.is_empty() && self.pending.is_empty(), idle_since) {
                (true, None) => Some(Instant::now()),
                (true, since) => since,
                (false, _) => None,
            };
            self.participants.store(self.peers.len(), Ordering::Relaxed);
        }
    }

    /// Ends the task after a storage failure: every peer is closed (their unacknowledged
    /// updates stay in their browsers and are sent again on reconnect), and the next
    /// connection reloads the pad from the database.
    fn fail(&mut self, commands: &mut mpsc::Receiver<Command>) {
        for (_, peer) in self.peers.drain() {
            if let Some(close) = peer.close {
                let _ = close.send(Close::SERVER_ERROR);
            }
        }
        commands.close();
        while let Ok(c) = commands.try_recv() {
            if let Command::Join { reply, .. } = c {
                let _ = reply.send(Err(Close::SERVER_ERROR));
            }
        }
        self.participants.store(0, Ordering::Relaxed);
        self.hub.remove(self.id, self.generation);
    }

    async fn load(&mut self) -> anyhow::Result<()> {
        let stored = app::pads::db::load(&self.hub.state.db, self.id).await?;
        self.doc = PadDoc::from_updates(0, &stored.updates)
            .map_err(|e| anyhow::anyhow!("a stored update of pad {} does not apply: {e}", self.id))?;
        self.last_seq = stored.last_seq;
        self.rows_since_snapshot = stored.rows_since_snapshot;
        self.stored_bytes = stored.updates.iter().map(Vec::len).sum();
        let db = &self.hub.state.db;
        self.authors = app::pads::history_db::authors(db, self.id).await?.into_iter().collect();
        self.versions = versions::Keeper::new(app::pads::history_db::last_version_text(db, self.id).await?.as_deref());
        Ok(())
    }

    /// Reads the rows other nodes committed since `last_seq` (or the snapshot one of them
    /// wrote past it), applies them, and sends what they bring to every connection here as
    /// one merged update. They are durable: they were read from the database. Rows this task
    /// wrote itself are skipped (they are in the document and were sent already).
    async fn catch_up(&mut self) -> anyhow::Result<()> {
        let stored = app::pads::db::load_after(&self.hub.state.db, self.id, self.last_seq).await?;
        let mut fresh: Vec<Vec<u8>> = Vec::new();
        let rows = stored.seqs.iter().map(Some);
        let sources = stored.snapshot_upto.map(|_| None).into_iter().chain(rows);
        for (seq, update) in sources.zip(stored.updates) {
            if seq.is_some_and(|seq| self.own_rows.contains(seq)) {
                continue;
            }
            let new = self
                .doc
                .apply_update(&update)
                .map_err(|e| anyhow::anyhow!("an update of pad {} from another node does not apply: {e}", self.id))?;
            self.stored_bytes += update.len();
            if new {
                fresh.push(update);
            }
        }
        match stored.snapshot_upto {
            Some(_) => self.rows_since_snapshot = stored.rows_since_snapshot,
            None => self.rows_since_snapshot += stored.rows_since_snapshot,
        }
        self.last_seq = stored.last_seq.max(self.last_seq);
        self.own_rows = self.own_rows.split_off(&(self.last_seq + 1));
        let merged = match fresh.len() {
            0 => return Ok(()),
            1 => fresh.remove(0),
            _ => merge_updates(&fresh).map_err(|e| anyhow::anyhow!("merging another node's updates: {e}"))?,
        };
        let frame = Bytes::from(Message::Update(merged).encode());
        let everyone: Vec<ConnId> = self.peers.keys().copied().collect();
        for conn in everyone {
            self.send(conn, frame.clone());
        }
        Ok(())
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Join { conn, user, peer, reply } => {
                if self.peers.len() >= self.hub.state.pad_max_participants {
                    let _ = reply.send(Err(Close::CROWDED));
                    return;
                }
                if reply.send(Ok(())).is_err() {
                    return;
                }
                self.peers.insert(conn, Peer { user, out: peer.out, close: Some(peer.close) });
                self.participants.store(self.peers.len(), Ordering::Relaxed);
                self.sync(conn, None);
            }
            Command::Leave { conn } => {
                self.peers.remove(&conn);
                self.awareness_owner.retain(|_, owner| *owner != conn);
                self.awareness_ids.remove(&conn);
            }
            Command::Message { conn, message } => self.message(conn, message),
            Command::Rights { conn, user } => {
                let Some(peer) = self.peers.get_mut(&conn) else { return };
                peer.user = user;
                if !can_read_pad(&peer.user.viewer, &self.access.borrow()) {
                    self.close(conn, Close::NO_ACCESS);
                }
            }
            Command::Restore { user, text, reply } => {
                if self.pending.is_empty() {
                    self.restore(&user, &text, reply);
                } else {
                    self.queued_restores.push((user, text, reply));
                }
            }
        }
    }

    fn message(&mut self, conn: ConnId, message: Message) {
        if !self.peers.contains_key(&conn) {
            return;
        }
        match message {
            Message::SyncStep1(sv) => self.sync(conn, Some(sv)),
            Message::Tracked { seq, update } => self.update(conn, Some(seq), update),
            Message::Update(update) => self.update(conn, None, update),
            // A peer's answer to our step 1: what it has that we lack. From a peer who may not
            // edit, it is dropped (it may sync, not write).
            Message::SyncStep2(update) => {
                if self.may_edit(conn) {
                    self.update(conn, None, update);
                }
            }
            // Kept for the tick: the latest state of each client goes out once (see
            // `flush_awareness`).
            // Only entries for ids this connection holds (or may still claim) are kept.
            Message::Awareness(update) => match awareness::decode(&update) {
                Ok(entries) => {
                    let entries: Vec<_> = entries.into_iter().filter(|e| self.speaks_for(conn, e.client)).collect();
                    if !entries.is_empty() {
                        self.awareness.add(entries);
                        self.awareness_from.insert(conn);
                    }
                }
                Err(_) => self.close(conn, Close::MALFORMED),
            },
            // Only the server acknowledges.
            Message::Ack { .. } => self.close(conn, Close::MALFORMED),
        }
    }

    /// Whether `conn` may speak for the awareness id `client`: it holds it, or nobody here
    /// does and it holds fewer than `awareness::MAX_IDS_PER_CONNECTION` (then it claims it).
    fn speaks_for(&mut self, conn: ConnId, client: u64) -> bool {
        match self.awareness_owner.get(&client) {
            Some(owner) if *owner == conn => return true,
            Some(owner) if self.peers.contains_key(owner) => return false,
            Some(gone) => {
                let gone = *gone;
                if let Some(n) = self.awareness_ids.get_mut(&gone) {
                    *n = n.saturating_sub(1);
                }
            }
            None => {}
        }
        let held = self.awareness_ids.entry(conn).or_default();
        if *held >= awareness::MAX_IDS_PER_CONNECTION {
            return false;
        }
        *held += 1;
        self.awareness_owner.insert(client, conn);
        true
    }

    fn may_edit(&self, conn: ConnId) -> bool {
        self.peers.get(&conn).is_some_and(|p| can_edit_pad(&p.user.viewer, &self.access.borrow()))
    }

    /// Sends what a peer lacks (sync step 2), and our state vector (sync step 1) so that it
    /// answers with what we lack; held back while updates are waiting to be stored.
    fn sync(&mut self, conn: ConnId, remote: Option<Vec<u8>>) {
        if !self.pending.is_empty() {
            self.deferred_syncs.push((conn, remote));
            return;
        }
        let diff = match &remote {
            Some(sv) => match self.doc.diff_since(sv) {
                Ok(d) => d,
                Err(_) => return self.close(conn, Close::MALFORMED),
            },
            None => self.doc.full_state(),
        };
        if remote.is_none() {
            self.send(conn, Bytes::from(Message::SyncStep1(self.doc.state_vector()).encode()));
        }
        self.send(conn, Bytes::from(Message::SyncStep2(diff).encode()));
    }

    fn update(&mut self, conn: ConnId, seq: Option<u64>, update: Vec<u8>) {
        let Some(user) = self.peers.get(&conn).map(|p| p.user.me.id) else { return };
        if !self.may_edit(conn) {
            return self.close(conn, Close::READ_ONLY);
        }
        // Who writes with which client id: an update bringing insertions of a client id that
        // someone else writes with is refused; a new one becomes this person's.
        let Ok(clocks) = update_clocks(&update) else { return self.close(conn, Close::MALFORMED) };
        let mut fresh = Vec::new();
        for (client, end) in clocks {
            if end <= self.doc.clock(client) {
                continue; // nothing new of this client
            }
            match self.authors.get(&client) {
                Some(owner) if *owner != user => return self.close(conn, Close::BORROWED_CLIENT),
                Some(_) => {}
                None => fresh.push(client),
            }
        }
        if self.stored_bytes + update.len() > MAX_PAD_BYTES {
            // The bound went over: measure the real state (it shrinks when text is deleted).
            self.stored_bytes = self.doc.full_state().len();
            if self.stored_bytes + update.len() > MAX_PAD_BYTES {
                return self.close(conn, Close::PAD_FULL);
            }
        }
        match self.doc.apply_update(&update) {
            Ok(new) => {
                if new {
                    self.stored_bytes += update.len();
                }
                for client in fresh {
                    self.authors.insert(client, user);
                    self.new_authors.push((client, user));
                }
                self.pending.push(Pending { conn, user, seq, update: new.then_some(update) });
            }
            Err(_) => self.close(conn, Close::MALFORMED),
        }
    }

    /// Restores a version's text (with nothing pending: the document is what is durable).
    /// First the current text gets its version if edits wait for one, then the restore is
    /// queued for this tick's write like any update; `reply` hears after that write and the
    /// restore's own version, or at once when it is refused or changes nothing.
    fn restore(&mut self, user: &CurrentUser, text: &str, reply: RestoreReply) {
        if can_edit_pad(&user.viewer, &self.access.borrow()) {
            self.maybe_version(true, Vec::new());
        }
        match self.restore_edit(user, text) {
            Ok(true) => self.restores.push(reply),
            other => {
                let _ = reply.send(other);
            }
        }
    }

    /// Makes the text `text` by the smallest edit, written by a fresh client id that
    /// becomes `user`'s, and adds it to this tick's updates. Ok(false) when the text is
    /// `text` already.
    fn restore_edit(&mut self, user: &CurrentUser, text: &str) -> Result<bool, Close> {
        if !can_edit_pad(&user.viewer, &self.access.borrow()) {
            return Err(Close::READ_ONLY);
        }
        let mut client = 0;
        for _ in 0..8 {
            let candidate = app::pads::db::random_client_id().map_err(|_| Close::SERVER_ERROR)?;
            if !self.authors.contains_key(&candidate) && self.doc.clock(candidate) == 0 {
                client = candidate;
                break;
            }
        }
        if client == 0 {
            return Err(Close::SERVER_ERROR);
        }
        let mut scratch = PadDoc::from_updates(client, &[self.doc.full_state()]).map_err(|_| Close::SERVER_ERROR)?;
        let Some(update) = scratch.replace_text(text) else { return Ok(false) };
        if self.stored_bytes + update.len() > MAX_PAD_BYTES {
            self.stored_bytes = self.doc.full_state().len();
            if self.stored_bytes + update.len() > MAX_PAD_BYTES {
                return Err(Close::PAD_FULL);
            }
        }
        self.doc.apply_update(&update).map_err(|_| Close::SERVER_ERROR)?;
        self.stored_bytes += update.len();
        let me = user.me.id;
        self.authors.insert(client, me);
        self.new_authors.push((client, me));
        // Connection 0 is nobody's: every peer gets the restore.
        self.pending.push(Pending { conn: 0, user: me, seq: None, update: Some(update) });
        Ok(true)
    }

    /// Saves a version in the background when one is due (`forced`: the session ended, or a
    /// restore asks for one), from the document as it is durable: never with updates pending.
    /// `done` hear once it is written (or failed, or not needed).
    fn maybe_version(&mut self, forced: bool, done: Vec<oneshot::Sender<()>>) {
        let now = now_ms();
        if !self.pending.is_empty() || !self.versions.due(now, forced) {
            done.into_iter().for_each(|d| {
                let _ = d.send(());
            });
            return;
        }
        let (state, text) = (self.doc.full_state(), self.doc.text());
        self.versions.save(&self.hub.state.db, self.id, state, text, now, done);
    }

    /// Stores the tick's updates as one row, then acknowledges each sender and sends each
    /// other peer one merged frame.
    async fn flush(&mut self) -> anyhow::Result<()> {
        let pending = std::mem::take(&mut self.pending);
        let updates: Vec<&[u8]> = pending.iter().filter_map(|p| p.update.as_deref()).collect();
        let mut contributors: HashSet<ConnId> = HashSet::new();
        let merged = match updates.len() {
            0 => None,
            1 => Some(updates[0].to_vec()),
            _ => Some(merge_updates(&updates).map_err(|e| anyhow::anyhow!("merging a tick's updates: {e}"))?),
        };
        let mut gap = false;
        if let Some(merged) = &merged {
            let now = now_ms();
            let authors = std::mem::take(&mut self.new_authors);
            let appended =
                app::pads::db::append(&self.hub.state.db, self.id, merged, now, self.hub.announce, &authors).await?;
            let Some(seq) = appended else {
                return self.refuse_locked_tick(&pending).await;
            };
            if seq == self.last_seq + 1 {
                self.last_seq = seq;
            } else {
                // Other nodes wrote the rows between: read them below, once this tick is out.
                self.own_rows.insert(seq);
                gap = true;
            }
            self.rows_since_snapshot += 1;
            contributors.extend(pending.iter().filter(|p| p.update.is_some()).map(|p| p.conn));
            self.versions.edited(pending.iter().filter(|p| p.update.is_some()).map(|p| p.user), now);
        }
        let mut acks: HashMap<ConnId, u64> = HashMap::new();
        for p in &pending {
            if let Some(seq) = p.seq {
                let top = acks.entry(p.conn).or_insert(seq);
                *top = (*top).max(seq);
            }
        }
        for (conn, seq) in acks {
            self.send(conn, Bytes::from(Message::Ack { seq }.encode()));
        }
        if let Some(merged) = merged {
            // A lone contributor has its update already; with several, each gets the merge
            // of all (applying one's own update again changes nothing) rather than one merge
            // per contributor.
            let frame = Bytes::from(Message::Update(merged).encode());
            let lone = (contributors.len() == 1).then(|| contributors.iter().next().copied()).flatten();
            let recipients: Vec<ConnId> = self.peers.keys().copied().filter(|c| Some(*c) != lone).collect();
            for conn in recipients {
                self.send(conn, frame.clone());
            }
        }
        if gap {
            self.catch_up().await?;
        }
        for (conn, remote) in std::mem::take(&mut self.deferred_syncs) {
            if self.peers.contains_key(&conn) {
                self.sync(conn, remote);
            }
        }
        self.maybe_compact();
        // A restore is answered once its edit is durable and sent, and its version saved.
        let restores = std::mem::take(&mut self.restores);
        let forced = !restores.is_empty() || self.peers.is_empty();
        let mut done = Vec::new();
        for reply in restores {
            let (tx, rx) = oneshot::channel::<()>();
            done.push(tx);
            tokio::spawn(async move {
                let _ = rx.await;
                let _ = reply.send(Ok(true));
            });
        }
        self.maybe_version(forced, done);
        // Restores asked during the tick, now that the document is durable again.
        for (user, text, reply) in std::mem::take(&mut self.queued_restores) {
            self.restore(&user, &text, reply);
        }
        Ok(())
    }

    /// The pad was locked before the tick's row could be stored (on another node, or just
    /// before the lock reached this task): nothing of the tick is stored. Its senders are
    /// closed as an update on a locked pad is, and the document, which holds their updates,
    /// is read again from the database. Nobody received any of them (nothing is sent before
    /// it is durable). The others get the whole reloaded pad as an update (what they hold
    /// already changes nothing): it may hold rows of other nodes this task had not sent yet.
    async fn refuse_locked_tick(&mut self, pending: &[Pending]) -> anyhow::Result<()> {
        for p in pending {
            self.close(p.conn, Close::READ_ONLY);
        }
        self.load().await?;
        self.own_rows.clear();
        let frame = Bytes::from(Message::Update(self.doc.full_state()).encode());
        let everyone: Vec<ConnId> = self.peers.keys().copied().collect();
        for conn in everyone {
            self.send(conn, frame.clone());
        }
        for (conn, remote) in std::mem::take(&mut self.deferred_syncs) {
            if self.peers.contains_key(&conn) {
                self.sync(conn, remote);
            }
        }
        Ok(())
    }

    /// Sends the tick's awareness, the latest state of each client, as one frame (or a few,
    /// each within the awareness limit) to every connection but a lone sender: each of
    /// several senders gets its own entry back too, which a Yjs peer ignores (same clock),
    /// rather than one encoding per recipient.
    fn flush_awareness(&mut self) {
        if self.awareness.is_empty() {
            return;
        }
        let entries = self.awareness.take();
        let senders = std::mem::take(&mut self.awareness_from);
        let lone = (senders.len() == 1).then(|| senders.iter().next().copied()).flatten();
        let frames: Vec<Bytes> = awareness::encode_chunks(&entries, domain::pad::wire::MAX_AWARENESS_BYTES)
            .into_iter()
            .map(|chunk| Bytes::from(Message::Awareness(chunk).encode()))
            .collect();
        let recipients: Vec<ConnId> = self.peers.keys().copied().filter(|c| Some(*c) != lone).collect();
        for conn in recipients {
            for frame in &frames {
                self.send(conn, frame.clone());
            }
        }
    }

    /// Folds the rows into a new snapshot in the background once there are enough of them.
    /// The document holds exactly what is durable here (right after a flush): every row up
    /// to `last_seq` (and maybe some of its own after it, which the snapshot then holds too:
    /// a reader applies them twice, which changes nothing), so its state is a snapshot of
    /// every row up to `last_seq`.
    fn maybe_compact(&mut self) {
        if self.rows_since_snapshot < COMPACT_AFTER_ROWS || self.compacting.swap(true, Ordering::AcqRel) {
            return;
        }
        let state = self.doc.full_state();
        self.stored_bytes = state.len();
        self.rows_since_snapshot = 0;
        let (db, pad, upto, flag) = (self.hub.state.db.clone(), self.id, self.last_seq, self.compacting.clone());
        tokio::spawn(async move {
            if let Err(e) = app::pads::db::compact(&db, pad, upto, &state, now_ms()).await {
                // The rows stay; the next compaction folds them.
                tracing::warn!(pad = %pad, error = format!("{e:#}"), "could not compact a pad");
            }
            flag.store(false, Ordering::Release);
        });
    }

    /// After an access change: closes the peers who may no longer read the pad. Those who
    /// may no longer edit stay, and their next update is refused.
    fn recheck_readers(&mut self) {
        let access = self.access.borrow_and_update().clone();
        let gone: Vec<ConnId> =
            self.peers.iter().filter(|(_, p)| !can_read_pad(&p.user.viewer, &access)).map(|(c, _)| *c).collect();
        for conn in gone {
            self.close(conn, Close::NO_ACCESS);
        }
    }

    /// Queues a frame for a peer; a peer whose queue is full is disconnected.
    fn send(&mut self, conn: ConnId, frame: Bytes) {
        let Some(peer) = self.peers.get(&conn) else { return };
        match peer.out.try_send(frame) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => self.close(conn, Close::TOO_SLOW),
            Err(mpsc::error::TrySendError::Closed(_)) => {
                self.peers.remove(&conn);
            }
        }
    }

    fn close(&mut self, conn: ConnId, reason: Close) {
        if let Some(mut peer) = self.peers.remove(&conn)
            && let Some(close) = peer.close.take()
        {
            let _ = close.send(reason);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_allows_a_burst_then_the_rate() {
        let start = Instant::now();
        let mut b = TokenBucket::new(MESSAGES_PER_SECOND, MESSAGE_BURST, start);
        assert!((0..MESSAGE_BURST as usize).all(|_| b.take(start)));
        assert!(!b.take(start));
        let later = start + Duration::from_millis(100);
        assert!((0..3).all(|_| b.take(later)), "30/s gives 3 messages in 100 ms");
        assert!(!b.take(later));
        let much_later = later + Duration::from_secs(60);
        assert!((0..MESSAGE_BURST as usize).all(|_| b.take(much_later)));
        assert!(!b.take(much_later), "the bucket holds no more than the burst");
    }

    #[test]
    fn every_close_reason_fits_in_a_close_frame() {
        for c in [
            Close::SESSION_ENDED,
            Close::READ_ONLY,
            Close::NO_ACCESS,
            Close::BORROWED_CLIENT,
            Close::TOO_SLOW,
            Close::PAD_FULL,
            Close::RATE_LIMITED,
            Close::MALFORMED,
            Close::TEXT_FRAME,
            Close::TOO_BIG,
            Close::SERVER_ERROR,
            Close::CROWDED,
        ] {
            assert!(c.reason.len() <= 123, "{c:?}");
        }
    }
}
