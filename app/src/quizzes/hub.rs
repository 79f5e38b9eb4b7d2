//! The hub of live quiz sessions: one task per session, started when its first client
//! connects, that owns the session's state (`domain::quiz::live::LiveSession`), its seats and
//! the histogram of the question on screen. WebSocket connections (served by the server
//! crate at `/ws/quiz/{code}`) only pass frames to and from it.
//!
//! - every accepted answer is committed to the database before the student is told it
//!   counts; the hub awaits each write in turn, so two answers of a seat can never both land;
//! - the teacher's histogram is sent at most once per [`TALLY_TICK`], however many answers
//!   arrive in between;
//! - each client has a bounded queue ([`CLIENT_QUEUE`] messages); a client too slow to empty
//!   it is dropped (its page reconnects and gets its seat back) rather than holding the hub;
//! - a hub with no client for [`IDLE_EXIT`] stops; the next connection starts one again
//!   from the database (seats, points, answers, the question on screen).
//!
//! Several nodes (server processes on one PostgreSQL database) each run a hub for a session
//! that has clients on them: the teacher's on one node, students on others, no sticky
//! routing. The database is the truth: an answer is stored only while its question is open
//! there (`live_db::insert_answer`), a phase is saved only over the one the hub last saw
//! (`live_db::save_phase`). Each hub tells the others what changed through the node bus
//! ([`LiveChange`], sent by `server::bus` over PostgreSQL's LISTEN/NOTIFY): a new phase at
//! once (the others reload the session and tell their clients: question, closed, revealed
//! with each seat's points, ended), new seats and answers at most once per [`TALLY_TICK`]
//! (the others reload the seats, or the histogram of the question on screen). On SQLite
//! there is one node and nothing is sent.

use super::live_db::{self, AnswerStored, LiveAnswerRow, LiveRow, SeatRow};
use crate::server::Db;
use crate::server::db::{new_id, now_ms, random_token, sha256_hex};
use domain::quiz::assignment::{check_response, right_answers};
use domain::quiz::live::{
    ClientMessage, LEADERBOARD_LINES, LeaderLine, Phase, Pseudonym, SEATS_MAX, ServerMessage, Tally, leaderboard,
    live_points,
};
use domain::quiz::{Outcome, Shuffle, score};
use domain::{LiveSessionId, SeatId, UserId};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// Messages waiting for one client before it is dropped as too slow.
pub const CLIENT_QUEUE: usize = 64;
/// Inputs waiting for a hub; a full inbox makes connections wait (backpressure).
pub const HUB_INBOX: usize = 4_096;
/// How often the teacher's histogram is sent while answers arrive, and timers are checked.
pub const TALLY_TICK: Duration = Duration::from_millis(50);
/// A hub with no client for this long stops.
pub const IDLE_EXIT: Duration = Duration::from_secs(600);

/// Where a hub sends one client's frames (JSON text, serialised once per broadcast).
pub type Outbox = mpsc::Sender<Arc<str>>;

/// Who a connection is, decided by the WebSocket endpoint from the session cookie.
#[derive(Debug, Clone)]
pub struct ClientInfo {
    pub user: UserId,
    /// The person's name, for a seat in a named session.
    pub name: String,
    /// The teacher running the session.
    pub host: bool,
}

/// What a hub receives.
pub enum HubInput {
    Attach {
        id: u64,
        info: ClientInfo,
        out: Outbox,
    },
    Message {
        id: u64,
        msg: ClientMessage,
    },
    Detach {
        id: u64,
    },
    /// The session was ended by a server function (already stored).
    End,
    /// Another node changed the session (already stored).
    Remote(LiveChange),
}

/// What one node's hub changed in a live session, for the hubs of that session on the other
/// nodes, which read it back from the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveChange {
    /// The phase (a question opened, closed, revealed, the session ended).
    Phase,
    /// Answers were stored (the histogram of the question on screen changed).
    Answers,
    /// Seats were taken.
    Seats,
}

impl LiveChange {
    /// Its one-letter code on the node bus.
    pub fn code(self) -> char {
        match self {
            LiveChange::Phase => 'p',
            LiveChange::Answers => 'a',
            LiveChange::Seats => 's',
        }
    }

    pub fn from_code(code: &str) -> Option<LiveChange> {
        match code {
            "p" => Some(LiveChange::Phase),
            "a" => Some(LiveChange::Answers),
            "s" => Some(LiveChange::Seats),
            _ => None,
        }
    }
}

/// Where the changes of this node's hubs go (the node bus), when there are other nodes.
type ChangeOutbox = mpsc::UnboundedSender<(LiveSessionId, LiveChange)>;

/// The running hubs, by session.
#[derive(Clone, Default)]
pub struct LiveHubs {
    hubs: Arc<Mutex<HashMap<LiveSessionId, mpsc::Sender<HubInput>>>>,
    next_client: Arc<AtomicU64>,
    changes: Arc<Mutex<Option<ChangeOutbox>>>,
}

impl LiveHubs {
    /// Attaches a connection to its session's hub, starting the hub if none runs. Returns the
    /// connection's id and the hub's inbox, or `None` if the hub could not take it.
    pub async fn attach(
        &self,
        db: &Db,
        session: LiveSessionId,
        info: ClientInfo,
        out: Outbox,
    ) -> Option<(u64, mpsc::Sender<HubInput>)> {
        let id = self.next_client.fetch_add(1, Ordering::Relaxed);
        // A hub may stop between the look-up and the send; the second try starts a new one.
        for _ in 0..2 {
            let hub = self.hub(db, session);
            if hub.send(HubInput::Attach { id, info: info.clone(), out: out.clone() }).await.is_ok() {
                return Some((id, hub));
            }
            self.forget(session);
        }
        None
    }

    /// Tells a running hub its session ended, and the other nodes.
    pub async fn end(&self, session: LiveSessionId) {
        self.announce(session, LiveChange::Phase);
        let hub = self.lock().get(&session).cloned();
        if let Some(hub) = hub {
            let _ = hub.send(HubInput::End).await;
        }
    }

    /// Sends this node's changes to `outbox` (the node bus, on PostgreSQL).
    pub fn forward_to(&self, outbox: ChangeOutbox) {
        *self.changes.lock().unwrap_or_else(|e| e.into_inner()) = Some(outbox);
    }

    /// Tells the other nodes, if any, that `session` changed.
    pub fn announce(&self, session: LiveSessionId, change: LiveChange) {
        if let Some(outbox) = self.changes.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            let _ = outbox.send((session, change));
        }
    }

    /// Another node changed `session`: its hub here, if one runs, reads it back.
    pub fn remote(&self, session: LiveSessionId, change: LiveChange) {
        let hub = self.lock().get(&session).cloned();
        if let Some(hub) = hub {
            // Not awaited by the bus's listener; the order does not matter (each reads the
            // database as it stands).
            tokio::spawn(async move {
                let _ = hub.send(HubInput::Remote(change)).await;
            });
        }
    }

    /// The node bus listens again and may have missed changes: every hub reads its session back.
    pub fn resync_all(&self) {
        let sessions: Vec<LiveSessionId> = self.lock().keys().copied().collect();
        for session in sessions {
            self.remote(session, LiveChange::Phase);
        }
    }

    /// Number of hubs running.
    pub fn running(&self) -> usize {
        self.lock().values().filter(|h| !h.is_closed()).count()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<LiveSessionId, mpsc::Sender<HubInput>>> {
        self.hubs.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn hub(&self, db: &Db, session: LiveSessionId) -> mpsc::Sender<HubInput> {
        let mut hubs = self.lock();
        if let Some(hub) = hubs.get(&session).filter(|h| !h.is_closed()) {
            return hub.clone();
        }
        let (tx, rx) = mpsc::channel(HUB_INBOX);
        hubs.insert(session, tx.clone());
        tokio::spawn(run(db.clone(), session, rx, self.clone()));
        tx
    }

    /// Forgets a session's hub once it stopped.
    fn forget(&self, session: LiveSessionId) {
        let mut hubs = self.lock();
        if hubs.get(&session).is_some_and(mpsc::Sender::is_closed) {
            hubs.remove(&session);
        }
    }
}

async fn run(db: Db, session: LiveSessionId, mut inbox: mpsc::Receiver<HubInput>, hubs: LiveHubs) {
    match Hub::load(db, session, hubs.clone()).await {
        Ok(Some(mut hub)) => {
            let mut tick = tokio::time::interval(TALLY_TICK);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut idle_since = tokio::time::Instant::now();
            loop {
                tokio::select! {
                    input = inbox.recv() => {
                        let Some(input) = input else { break };
                        if hub.handle(input).await == Flow::Stop {
                            break;
                        }
                    }
                    _ = tick.tick() => {
                        if hub.tick().await == Flow::Stop {
                            break;
                        }
                        if !hub.clients.is_empty() {
                            idle_since = tokio::time::Instant::now();
                        } else if idle_since.elapsed() >= IDLE_EXIT {
                            break;
                        }
                    }
                }
            }
        }
        Ok(None) => {}
        Err(e) => tracing::error!(session = %session, error = %e, "could not load a live session"),
    }
    // Refuse what is queued (those connections close and reconnect to a new hub), then go.
    inbox.close();
    hubs.forget(session);
}

#[derive(Debug, PartialEq, Eq)]
enum Flow {
    Go,
    Stop,
}

struct Client {
    info: ClientInfo,
    out: Outbox,
    seat: Option<usize>,
}

struct Seat {
    id: SeatId,
    name: String,
    points: i64,
    answered: HashSet<usize>,
}

struct Hub {
    db: Db,
    hubs: LiveHubs,
    row: LiveRow,
    clients: HashMap<u64, Client>,
    seats: Vec<Seat>,
    by_user: HashMap<UserId, usize>,
    by_token: HashMap<String, usize>,
    /// Histogram of the question on screen.
    tally: Tally,
    /// Answers arrived since the teacher's histogram was last sent.
    dirty: bool,
    /// Another node stored answers: read the histogram back at the next tick.
    stale_tally: bool,
    /// Answers or seats stored here since the other nodes were last told.
    announce_answers: bool,
    announce_seats: bool,
}

fn encode(msg: &ServerMessage) -> Arc<str> {
    // Serialising these types cannot fail (no maps with non-string keys, no custom code).
    serde_json::to_string(msg).unwrap_or_default().into()
}

fn refused(message: impl Into<String>) -> ServerMessage {
    ServerMessage::Refused { message: message.into() }
}

const INTERNAL: &str = "Une erreur est survenue de notre côté : réessayez dans un instant.";

impl Hub {
    /// The session as stored, with its seats and answers; `None` once it ended.
    async fn load(db: Db, session: LiveSessionId, hubs: LiveHubs) -> Result<Option<Hub>, crate::error::AppError> {
        let Some(row) = live_db::session(&db, session).await? else { return Ok(None) };
        if row.ended_at.is_some() {
            return Ok(None);
        }
        let mut hub = Hub {
            db,
            hubs,
            clients: HashMap::new(),
            seats: Vec::new(),
            by_user: HashMap::new(),
            by_token: HashMap::new(),
            tally: Tally::default(),
            dirty: false,
            stale_tally: false,
            announce_answers: false,
            announce_seats: false,
            row,
        };
        hub.reload_seats().await?;
        hub.recount().await?;
        hub.dirty = false;
        Ok(Some(hub))
    }

    /// Reads the session back from the database (another node changed it): its phase, seats,
    /// points and the histogram of the question on screen.
    async fn reload(&mut self) -> Result<(), crate::error::AppError> {
        match live_db::session(&self.db, self.row.id).await? {
            Some(row) => {
                let ended = row.ended_at.is_some();
                self.row = row;
                if ended {
                    self.row.session.phase = Phase::Ended;
                }
            }
            None => self.row.session.phase = Phase::Ended,
        }
        self.reload_seats().await?;
        self.recount().await
    }

    /// Reads the seats back (some may have been taken through other nodes), keeping each
    /// client on its seat, and the seats of anonymous people known to this hub.
    async fn reload_seats(&mut self) -> Result<(), crate::error::AppError> {
        let rows = live_db::seats(&self.db, self.row.id).await?;
        let old_ids: Vec<SeatId> = self.seats.iter().map(|s| s.id).collect();
        let remembered: Vec<(UserId, SeatId)> =
            self.by_user.iter().filter_map(|(u, &k)| old_ids.get(k).map(|id| (*u, *id))).collect();
        let mut kept: HashMap<SeatId, (i64, HashSet<usize>)> =
            self.seats.drain(..).map(|s| (s.id, (s.points, s.answered))).collect();
        self.by_user.clear();
        self.by_token.clear();
        for row in rows {
            self.add_seat(row);
        }
        for seat in &mut self.seats {
            if let Some((points, answered)) = kept.remove(&seat.id) {
                seat.points = points;
                seat.answered = answered;
            }
        }
        let index_of: HashMap<SeatId, usize> = self.seats.iter().enumerate().map(|(k, s)| (s.id, k)).collect();
        for (user, seat) in remembered {
            if let Some(&k) = index_of.get(&seat) {
                self.by_user.entry(user).or_insert(k);
            }
        }
        for client in self.clients.values_mut() {
            client.seat = client.seat.and_then(|k| old_ids.get(k)).and_then(|id| index_of.get(id).copied());
        }
        Ok(())
    }

    /// Every seat's points and answered questions, and the histogram of the question on
    /// screen, from the answers stored (by every node).
    async fn recount(&mut self) -> Result<(), crate::error::AppError> {
        let answers = live_db::answers(&self.db, self.row.id).await?;
        let on_screen = self.row.session.phase.index();
        self.tally = on_screen.and_then(|i| self.row.questions.get(i)).map(Tally::new).unwrap_or_default();
        for seat in &mut self.seats {
            seat.points = 0;
            seat.answered.clear();
        }
        let index_of: HashMap<SeatId, usize> = self.seats.iter().enumerate().map(|(k, s)| (s.id, k)).collect();
        for a in answers {
            if let Some(&k) = index_of.get(&a.seat) {
                self.seats[k].points += a.points;
                self.seats[k].answered.insert(a.question);
            }
            if Some(a.question) == on_screen {
                self.tally.add(&a.response, a.correct);
            }
        }
        self.dirty = on_screen.is_some();
        Ok(())
    }

    /// The histogram of the question on screen, read back (answers stored by other nodes).
    async fn reload_tally(&mut self) -> Result<(), crate::error::AppError> {
        let Some(index) = self.row.session.phase.index() else { return Ok(()) };
        let Some(q) = self.row.questions.get(index) else { return Ok(()) };
        let mut tally = Tally::new(q);
        for a in live_db::answers_to(&self.db, self.row.id, index).await? {
            tally.add(&a.response, a.correct);
        }
        if tally != self.tally {
            self.tally = tally;
            self.dirty = true;
        }
        Ok(())
    }

    fn add_seat(&mut self, s: SeatRow) -> usize {
        let k = self.seats.len();
        if let Some(u) = s.user {
            self.by_user.insert(u, k);
        }
        if let Some(t) = s.token_hash {
            self.by_token.insert(t, k);
        }
        self.seats.push(Seat { id: s.id, name: s.name, points: 0, answered: HashSet::new() });
        k
    }

    /// Queues a frame for one client; a client whose queue is full is dropped.
    fn send_frame(&mut self, id: u64, frame: Arc<str>) {
        let ok = self.clients.get(&id).is_some_and(|c| c.out.try_send(frame).is_ok());
        if !ok {
            self.clients.remove(&id);
        }
    }

    fn send(&mut self, id: u64, msg: &ServerMessage) {
        self.send_frame(id, encode(msg));
    }

    /// Sends one frame to the teacher's connections (`hosts`) or to the students'.
    fn broadcast(&mut self, hosts: bool, msg: &ServerMessage) {
        let frame = encode(msg);
        let ids: Vec<u64> = self.clients.iter().filter(|(_, c)| c.info.host == hosts).map(|(id, _)| *id).collect();
        for id in ids {
            self.send_frame(id, frame.clone());
        }
    }

    fn question_message(&self, seat: Option<usize>, now: i64) -> Option<ServerMessage> {
        let (index, deadline, open) = match self.row.session.phase {
            Phase::Open { index, deadline, .. } => (index, deadline, true),
            Phase::Closed { index, deadline, .. } => (index, deadline, false),
            _ => return None,
        };
        let q = self.row.questions.get(index)?;
        Some(ServerMessage::Question {
            index,
            count: self.row.questions.len(),
            question: q.student_view(Shuffle::none()),
            remaining_ms: if open { deadline.map(|d| (d - now).max(0)) } else { Some(0) },
            answered: seat.and_then(|k| self.seats.get(k)).is_some_and(|s| s.answered.contains(&index)),
        })
    }

    async fn handle(&mut self, input: HubInput) -> Flow {
        match input {
            HubInput::Attach { id, info, out } => {
                let host = info.host;
                self.clients.insert(id, Client { info, out, seat: None });
                if host {
                    let hello = ServerMessage::Hosting {
                        code: self.row.code.to_string(),
                        question_count: self.row.questions.len(),
                        seats: self.seat_count(),
                        phase: self.row.session.phase,
                    };
                    self.send(id, &hello);
                    if let Some(index) = self.row.session.phase.index() {
                        let tally = ServerMessage::Tally { question: index, tally: self.tally.clone() };
                        self.send(id, &tally);
                    }
                }
                Flow::Go
            }
            HubInput::Detach { id } => {
                self.clients.remove(&id);
                Flow::Go
            }
            HubInput::End => {
                self.row.session.phase = Phase::Ended;
                self.ended();
                Flow::Stop
            }
            HubInput::Remote(LiveChange::Phase) => self.resync().await,
            HubInput::Remote(LiveChange::Seats) => {
                match self.reload_seats().await {
                    Ok(()) => {
                        let count = ServerMessage::Seats { count: self.seat_count() };
                        self.broadcast(true, &count);
                    }
                    Err(e) => {
                        tracing::error!(session = %self.row.id, error = %e, "could not read a live session's seats")
                    }
                }
                Flow::Go
            }
            HubInput::Remote(LiveChange::Answers) => {
                self.stale_tally = true;
                Flow::Go
            }
            HubInput::Message { id, msg } => {
                let Some(host) = self.clients.get(&id).map(|c| c.info.host) else { return Flow::Go };
                match msg {
                    ClientMessage::Ping => {
                        self.send(id, &ServerMessage::Pong);
                        Flow::Go
                    }
                    ClientMessage::Join { pseudonym, seat_token } if !host => {
                        self.join(id, pseudonym, seat_token).await;
                        Flow::Go
                    }
                    ClientMessage::Answer { question, response } if !host => self.answer(id, question, response).await,
                    ClientMessage::Join { .. } | ClientMessage::Answer { .. } => {
                        self.send(id, &refused("Vous animez cette session : vous ne pouvez pas y répondre."));
                        Flow::Go
                    }
                    command if host => self.command(id, command).await,
                    _ => {
                        self.send(id, &refused("Seul l'enseignant qui anime la session peut faire cela."));
                        Flow::Go
                    }
                }
            }
        }
    }

    fn seat_count(&self) -> u32 {
        u32::try_from(self.seats.len()).unwrap_or(u32::MAX)
    }

    async fn join(&mut self, id: u64, pseudonym: Option<String>, seat_token: Option<String>) {
        let Some(client) = self.clients.get(&id) else { return };
        let (user, name, already) = (client.info.user, client.info.name.clone(), client.seat);
        let mut token_out = None;
        let seat = if let Some(k) = already {
            k
        } else if let Some(&k) = self.by_user.get(&user) {
            // A logged-in person keeps one seat (in anonymous mode for as long as the hub
            // runs, since no user id is stored there).
            k
        } else if self.row.options.anonymous {
            if let Some(token) = seat_token {
                let Some(&k) = self.by_token.get(&sha256_hex(&token)) else {
                    let msg =
                        refused("Votre place dans cette session n'a pas été retrouvée : rejoignez-la avec un pseudo.");
                    return self.send(id, &msg);
                };
                token_out = Some(token);
                k
            } else {
                let pseudonym = match Pseudonym::parse(pseudonym.as_deref().unwrap_or("")) {
                    Ok(p) => p,
                    Err(e) => return self.send(id, &refused(e.reason)),
                };
                let taken = self.seats.iter().any(|s| s.name.to_lowercase() == pseudonym.as_str().to_lowercase());
                if taken {
                    return self
                        .send(id, &refused("Ce pseudo est déjà pris dans cette session : choisissez-en un autre."));
                }
                let Ok(token) = random_token() else { return self.send(id, &refused(INTERNAL)) };
                let row = SeatRow {
                    id: SeatId(new_id()),
                    user: None,
                    token_hash: Some(sha256_hex(&token)),
                    name: pseudonym.as_str().to_string(),
                };
                let Some(k) = self.new_seat(id, row).await else { return };
                token_out = Some(token);
                k
            }
        } else {
            let row = SeatRow { id: SeatId(new_id()), user: Some(user), token_hash: None, name };
            let Some(k) = self.new_seat(id, row).await else { return };
            k
        };
        if self.row.options.anonymous {
            self.by_user.insert(user, seat);
        }
        if let Some(c) = self.clients.get_mut(&id) {
            c.seat = Some(seat);
        }
        let s = &self.seats[seat];
        let joined =
            ServerMessage::Joined { seat: s.id, name: s.name.clone(), seat_token: token_out, points: s.points };
        self.send(id, &joined);
        if let Some(q) = self.question_message(Some(seat), now_ms()) {
            self.send(id, &q);
        }
    }

    /// Stores a new seat and tells the teacher; `None` (the client told why) when refused.
    async fn new_seat(&mut self, id: u64, row: SeatRow) -> Option<usize> {
        if self.seats.len() >= SEATS_MAX {
            self.send(id, &refused(format!("Cette session est complète ({SEATS_MAX} places).")));
            return None;
        }
        match live_db::insert_seat(&self.db, self.row.id, &row, now_ms()).await {
            Ok(true) => {}
            Ok(false) => {
                // This person took a seat through another node's hub: that one is theirs.
                let found = match self.reload_seats().await {
                    Ok(()) => row.user.and_then(|u| self.by_user.get(&u).copied()),
                    Err(e) => {
                        tracing::error!(session = %self.row.id, error = %e, "could not read a live session's seats");
                        None
                    }
                };
                if found.is_none() {
                    self.send(id, &refused(INTERNAL));
                }
                return found;
            }
            Err(e) => {
                tracing::error!(session = %self.row.id, error = %e, "could not store a seat");
                self.send(id, &refused(INTERNAL));
                return None;
            }
        }
        let k = self.add_seat(row);
        self.announce_seats = true;
        let count = ServerMessage::Seats { count: self.seat_count() };
        self.broadcast(true, &count);
        Some(k)
    }

    async fn answer(&mut self, id: u64, index: usize, response: domain::quiz::Response) -> Flow {
        const ALREADY: &str = "Vous avez déjà répondu à cette question : seule la première réponse compte.";
        let Some(seat) = self.clients.get(&id).and_then(|c| c.seat) else {
            self.send(id, &refused("Rejoignez d'abord la session."));
            return Flow::Go;
        };
        let now = now_ms();
        if let Some(e) = self.row.session.answer_refusal(index, now) {
            self.send(id, &refused(e.reason));
            return Flow::Go;
        }
        if self.seats[seat].answered.contains(&index) {
            self.send(id, &refused(ALREADY));
            return Flow::Go;
        }
        if let Err(e) = check_response(&response) {
            self.send(id, &refused(e.reason));
            return Flow::Go;
        }
        let (Some(q), Phase::Open { opened_at, deadline, .. }) =
            (self.row.questions.get(index), self.row.session.phase)
        else {
            return Flow::Go;
        };
        let response = Shuffle::none().to_authoring(q, response);
        // An open answer has no automatic score: it earns nothing live (the teacher sees it
        // in the report's histogram count only).
        let (fraction, correct) = match score(q, Some(&response)) {
            Outcome::Scored(s) => (s.fraction, s.correct),
            Outcome::NeedsManualGrading => (0.0, false),
        };
        let points = live_points(
            q.points.value(),
            fraction,
            self.row.options.speed_bonus,
            now - opened_at,
            deadline.map(|d| d - opened_at),
        );
        let row =
            LiveAnswerRow { seat: self.seats[seat].id, question: index, response, correct, points, answered_at: now };
        match live_db::insert_answer(&self.db, self.row.id, &row).await {
            Ok(AnswerStored::Stored) => {}
            Ok(AnswerStored::AlreadyAnswered) => {
                self.seats[seat].answered.insert(index);
                self.send(id, &refused(ALREADY));
                return Flow::Go;
            }
            Ok(AnswerStored::NotOpen) => {
                // Closed or ended on another node, whose news has not reached this hub yet:
                // read where the session stands, say why, and tell everyone here.
                let before = self.row.session.phase;
                if let Err(e) = self.reload().await {
                    tracing::error!(session = %self.row.id, error = %e, "could not read a live session back");
                }
                let why = self.row.session.answer_refusal(index, now).map(|e| e.reason).unwrap_or_else(|| {
                    "Cette question est fermée : votre réponse n'a pas été prise en compte.".to_string()
                });
                self.send(id, &refused(why));
                return self.show_phase(before, now);
            }
            Err(e) => {
                tracing::error!(session = %self.row.id, error = %e, "could not store a live answer");
                self.send(id, &refused(INTERNAL));
                return Flow::Go;
            }
        }
        let s = &mut self.seats[seat];
        s.answered.insert(index);
        s.points += points;
        self.tally.add(&row.response, correct);
        self.dirty = true;
        self.announce_answers = true;
        self.send(id, &ServerMessage::Accepted { question: index });
        Flow::Go
    }

    /// Reads the session back and tells the clients here what changed (another node's news,
    /// or a refusal by the database that showed this hub was behind).
    async fn resync(&mut self) -> Flow {
        let before = self.row.session.phase;
        if let Err(e) = self.reload().await {
            tracing::error!(session = %self.row.id, error = %e, "could not read a live session back");
            return Flow::Go;
        }
        let count = ServerMessage::Seats { count: self.seat_count() };
        self.broadcast(true, &count);
        self.show_phase(before, now_ms())
    }

    /// Tells the clients the phase now on (if it is not `before` any more): the question to
    /// everyone and its histogram to the teacher, closed, revealed with each seat's points,
    /// ended. `Stop` once ended.
    fn show_phase(&mut self, before: Phase, now: i64) -> Flow {
        let phase = self.row.session.phase;
        if phase == before {
            return Flow::Go;
        }
        match phase {
            Phase::Open { index, .. } => {
                if let Some(q) = self.question_message(None, now) {
                    self.broadcast(false, &q);
                    self.broadcast(true, &q);
                }
                self.dirty = false;
                let tally = ServerMessage::Tally { question: index, tally: self.tally.clone() };
                self.broadcast(true, &tally);
            }
            Phase::Closed { index, .. } => self.closed(index),
            Phase::Revealed { index } => self.revealed(index),
            Phase::Ended => {
                self.ended();
                return Flow::Stop;
            }
            Phase::Lobby => {}
        }
        Flow::Go
    }

    async fn command(&mut self, id: u64, command: ClientMessage) -> Flow {
        let before = self.row.session;
        let now = now_ms();
        let done = match command {
            ClientMessage::Open { timer_secs } => self.row.session.open_next(now, timer_secs).map(|_| ()),
            ClientMessage::Close => self.row.session.close().map(|_| ()),
            ClientMessage::Reveal => self.row.session.reveal().map(|_| ()),
            ClientMessage::End => self.row.session.end(),
            _ => Ok(()),
        };
        if let Err(e) = done {
            self.send(id, &refused(e.reason));
            return Flow::Go;
        }
        match live_db::save_phase(&self.db, self.row.id, before.phase, &self.row.session, now).await {
            Ok(true) => {}
            Ok(false) => {
                // Another screen or node moved the session on first: show where it stands.
                self.row.session = before;
                self.send(
                    id,
                    &refused("La session a avancé depuis un autre écran : voici où elle en est, réessayez si besoin."),
                );
                return self.resync().await;
            }
            Err(e) => {
                tracing::error!(session = %self.row.id, error = %e, "could not store a live session's phase");
                self.row.session = before;
                self.send(id, &refused(INTERNAL));
                return Flow::Go;
            }
        }
        self.hubs.announce(self.row.id, LiveChange::Phase);
        if let Phase::Open { index, .. } = self.row.session.phase {
            self.tally = self.row.questions.get(index).map(Tally::new).unwrap_or_default();
        }
        self.show_phase(before.phase, now)
    }

    fn flush_tally(&mut self) {
        if let (true, Some(index)) = (self.dirty, self.row.session.phase.index()) {
            self.dirty = false;
            let tally = ServerMessage::Tally { question: index, tally: self.tally.clone() };
            self.broadcast(true, &tally);
        }
    }

    fn closed(&mut self, index: usize) {
        self.flush_tally();
        self.broadcast(true, &ServerMessage::Closed { question: index });
        self.broadcast(false, &ServerMessage::Closed { question: index });
    }

    /// The leaderboard when the teacher shows one, otherwise nothing.
    fn board(&self) -> Vec<LeaderLine> {
        if !self.row.options.leaderboard {
            return Vec::new();
        }
        let scores: Vec<(String, i64)> = self.seats.iter().map(|s| (s.name.clone(), s.points)).collect();
        leaderboard(&scores, LEADERBOARD_LINES)
    }

    /// Sends `message(None)` to the teachers and `message(points)` to each student, with the
    /// points of their seat.
    fn send_with_points(&mut self, message: impl Fn(Option<i64>) -> ServerMessage) {
        self.broadcast(true, &message(None));
        let students: Vec<(u64, Option<i64>)> = self
            .clients
            .iter()
            .filter(|(_, c)| !c.info.host)
            .map(|(id, c)| (*id, c.seat.and_then(|k| self.seats.get(k)).map(|s| s.points)))
            .collect();
        for (id, points) in students {
            self.send(id, &message(points));
        }
    }

    fn revealed(&mut self, index: usize) {
        self.flush_tally();
        let right = self.row.questions.get(index).map(right_answers).unwrap_or_default();
        let board = self.board();
        let tally = self.tally.clone();
        self.send_with_points(|points| ServerMessage::Revealed {
            question: index,
            right_answers: right.clone(),
            tally: tally.clone(),
            points,
            leaderboard: board.clone(),
        });
    }

    /// The end of the session, with each student's final points.
    fn ended(&mut self) {
        self.flush_tally();
        let board = self.board();
        self.send_with_points(|points| ServerMessage::Ended { points, leaderboard: board.clone() });
    }

    /// Every tick: the histogram read back if other nodes stored answers, the teacher's
    /// histogram if answers arrived, news for the other nodes, and the timer.
    async fn tick(&mut self) -> Flow {
        if self.stale_tally {
            self.stale_tally = false;
            if let Err(e) = self.reload_tally().await {
                tracing::error!(session = %self.row.id, error = %e, "could not read a live session's answers");
            }
        }
        self.flush_tally();
        if std::mem::take(&mut self.announce_answers) {
            self.hubs.announce(self.row.id, LiveChange::Answers);
        }
        if std::mem::take(&mut self.announce_seats) {
            self.hubs.announce(self.row.id, LiveChange::Seats);
        }
        let before = self.row.session;
        let now = now_ms();
        if self.row.session.close_if_due(now) {
            match live_db::save_phase(&self.db, self.row.id, before.phase, &self.row.session, now).await {
                Ok(true) => {
                    self.hubs.announce(self.row.id, LiveChange::Phase);
                    return self.show_phase(before.phase, now);
                }
                // Another node's hub closed it first (or moved on): read it back.
                Ok(false) => {
                    self.row.session = before;
                    return self.resync().await;
                }
                Err(e) => {
                    tracing::error!(session = %self.row.id, error = %e, "could not store a live session's phase");
                    self.row.session = before;
                }
            }
        }
        Flow::Go
    }
}
