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

use super::live_db::{self, LiveAnswerRow, LiveRow, SeatRow};
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
}

/// The running hubs, by session.
#[derive(Clone, Default)]
pub struct LiveHubs {
    hubs: Arc<Mutex<HashMap<LiveSessionId, mpsc::Sender<HubInput>>>>,
    next_client: Arc<AtomicU64>,
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

    /// Tells a running hub its session ended.
    pub async fn end(&self, session: LiveSessionId) {
        let hub = self.lock().get(&session).cloned();
        if let Some(hub) = hub {
            let _ = hub.send(HubInput::End).await;
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
    match Hub::load(db, session).await {
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
                        hub.tick().await;
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
    row: LiveRow,
    clients: HashMap<u64, Client>,
    seats: Vec<Seat>,
    by_user: HashMap<UserId, usize>,
    by_token: HashMap<String, usize>,
    /// Histogram of the question on screen.
    tally: Tally,
    /// Answers arrived since the teacher's histogram was last sent.
    dirty: bool,
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
    async fn load(db: Db, session: LiveSessionId) -> Result<Option<Hub>, crate::error::AppError> {
        let Some(row) = live_db::session(&db, session).await? else { return Ok(None) };
        if row.ended_at.is_some() {
            return Ok(None);
        }
        let mut hub = Hub {
            db,
            clients: HashMap::new(),
            seats: Vec::new(),
            by_user: HashMap::new(),
            by_token: HashMap::new(),
            tally: Tally::default(),
            dirty: false,
            row,
        };
        for s in live_db::seats(&hub.db, session).await? {
            hub.add_seat(s);
        }
        let on_screen = hub.row.session.phase.index();
        if let Some(q) = on_screen.and_then(|i| hub.row.questions.get(i)) {
            hub.tally = Tally::new(q);
        }
        for a in live_db::answers(&hub.db, session).await? {
            if let Some(k) = hub.seats.iter().position(|s| s.id == a.seat) {
                hub.seats[k].points += a.points;
                hub.seats[k].answered.insert(a.question);
            }
            if Some(a.question) == on_screen {
                hub.tally.add(&a.response, a.correct);
            }
        }
        Ok(Some(hub))
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
                    ClientMessage::Answer { question, response } if !host => {
                        self.answer(id, question, response).await;
                        Flow::Go
                    }
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
        if let Err(e) = live_db::insert_seat(&self.db, self.row.id, &row, now_ms()).await {
            tracing::error!(session = %self.row.id, error = %e, "could not store a seat");
            self.send(id, &refused(INTERNAL));
            return None;
        }
        let k = self.add_seat(row);
        let count = ServerMessage::Seats { count: self.seat_count() };
        self.broadcast(true, &count);
        Some(k)
    }

    async fn answer(&mut self, id: u64, index: usize, response: domain::quiz::Response) {
        let Some(seat) = self.clients.get(&id).and_then(|c| c.seat) else {
            return self.send(id, &refused("Rejoignez d'abord la session."));
        };
        let now = now_ms();
        if let Some(e) = self.row.session.answer_refusal(index, now) {
            return self.send(id, &refused(e.reason));
        }
        if self.seats[seat].answered.contains(&index) {
            return self
                .send(id, &refused("Vous avez déjà répondu à cette question : seule la première réponse compte."));
        }
        if let Err(e) = check_response(&response) {
            return self.send(id, &refused(e.reason));
        }
        let (Some(q), Phase::Open { opened_at, deadline, .. }) =
            (self.row.questions.get(index), self.row.session.phase)
        else {
            return;
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
            Ok(true) => {}
            Ok(false) => {
                self.seats[seat].answered.insert(index);
                return self
                    .send(id, &refused("Vous avez déjà répondu à cette question : seule la première réponse compte."));
            }
            Err(e) => {
                tracing::error!(session = %self.row.id, error = %e, "could not store a live answer");
                return self.send(id, &refused(INTERNAL));
            }
        }
        let s = &mut self.seats[seat];
        s.answered.insert(index);
        s.points += points;
        self.tally.add(&row.response, correct);
        self.dirty = true;
        self.send(id, &ServerMessage::Accepted { question: index });
    }

    /// Stores the new phase; on failure puts the old one back and tells the teacher.
    async fn save(&mut self, id: u64, before: domain::quiz::live::LiveSession) -> bool {
        match live_db::save_phase(&self.db, self.row.id, &self.row.session, now_ms()).await {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(session = %self.row.id, error = %e, "could not store a live session's phase");
                self.row.session = before;
                self.send(id, &refused(INTERNAL));
                false
            }
        }
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
        if !self.save(id, before).await {
            return Flow::Go;
        }
        match self.row.session.phase {
            Phase::Open { index, .. } => {
                self.tally = self.row.questions.get(index).map(Tally::new).unwrap_or_default();
                self.dirty = false;
                if let Some(q) = self.question_message(None, now) {
                    self.broadcast(false, &q);
                    self.broadcast(true, &q);
                }
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

    /// Every tick: the teacher's histogram if answers arrived, and the timer.
    async fn tick(&mut self) {
        self.flush_tally();
        let before = self.row.session;
        if self.row.session.close_if_due(now_ms()) {
            if let Err(e) = live_db::save_phase(&self.db, self.row.id, &self.row.session, now_ms()).await {
                tracing::error!(session = %self.row.id, error = %e, "could not store a live session's phase");
                self.row.session = before;
                return;
            }
            if let Phase::Closed { index, .. } = self.row.session.phase {
                self.closed(index);
            }
        }
    }
}
