//! The node bus: several server processes ("nodes") serving the same pads and sessions on one
//! PostgreSQL database, through PostgreSQL's LISTEN/NOTIFY (docs/pads.md, "Several server
//! processes"; why not NATS: docs/architecture.md). On SQLite there is one node and nothing
//! here runs.
//!
//! Every node listens on one channel ([`app::pads::db::NODES_CHANNEL`]). What goes through it
//! is small and bounded, never a pad's content:
//! - `u:<pad>:<seq>`: row `seq` of a pad is committed. The notification is sent inside the
//!   appending transaction, so PostgreSQL delivers it only at the commit: no node hears of a
//!   row before it is durable. A node holding the pad reads the rows after the last one it
//!   has from the database ([`app::pads::db::load_after`]) and sends them to its clients.
//! - `a:<node>:<pad>`, `r:<node>:<user>,...`, `s:<node>:<token hash>,...`: a pad's access,
//!   people's rights, sessions changed on `<node>` (after their commit): the others apply it
//!   to their own connections ([`Realtime::apply_remote`]), the access read again from the
//!   database.
//! - `p:<node>:<n>`: a node's own heartbeat, which proves its listener still hears.
//! - `q:<node>:<session>:<change>`: a live quiz session changed on `<node>` (`p` its phase,
//!   `a` its answers, `s` its seats; [`app::quizzes::hub::LiveChange`]), already stored: the
//!   hub of that session on each other node, if one runs, reads it back from the database
//!   and tells its clients ([`app::quizzes::hub::LiveHubs::remote`]). So a live quiz works
//!   with its teacher and students on different nodes, without sticky routing.
//!
//! Notifications are not stored: one that arrives while the listening connection is down is
//! lost. So each time the listener (re)connects, every pad open on this node catches up from
//! the database ([`PadHub::resync_all`]), and so does every live quiz hub; rows are never lost (they are in the database) nor
//! applied twice (each pad task knows the last `seq` it holds); and every open socket's session,
//! rights and pad access are checked again against the database ([`recheck`]), so a logout, a
//! class change or a lock announced meanwhile still takes effect. A listener that stops hearing
//! its own heartbeat for [`SILENCE`] (a connection that died without a reset) is replaced.

use crate::pads::PadHub;
use app::pads::db::NODES_CHANNEL;
use app::quizzes::hub::LiveChange;
use app::server::realtime::RealtimeEvent;
use app::server::{AppState, Db, Engine};
use domain::{LiveSessionId, PadId, UserId};
use sqlx::postgres::PgListener;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// How often a node sends itself a heartbeat through the channel.
pub const HEARTBEAT: Duration = Duration::from_secs(5);
/// A listener that has not heard its node's heartbeat for this long is replaced.
pub const SILENCE: Duration = Duration::from_secs(16);
/// Wait before connecting the listener again after a failure (doubling up to [`RETRY_MAX`]).
pub const RETRY_MIN: Duration = Duration::from_millis(200);
pub const RETRY_MAX: Duration = Duration::from_secs(10);
/// Largest payload sent: PostgreSQL refuses more than 8,000 bytes.
pub const MAX_PAYLOAD: usize = 7900;

/// What a notification says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// Row `seq` of `pad` is committed.
    Row { pad: PadId, seq: i64 },
    /// A change made on `node`.
    Change { node: String, event: RealtimeEvent },
    /// The heartbeat of `node`.
    Heartbeat { node: String },
    /// A live quiz session changed on `node`.
    Live { node: String, session: LiveSessionId, change: LiveChange },
}

/// Reads a payload; `None` for anything else (ignored: a newer node may say more).
pub fn parse(payload: &str) -> Option<Note> {
    let (kind, rest) = payload.split_once(':')?;
    if kind == "u" {
        let (pad, seq) = rest.split_once(':')?;
        return Some(Note::Row { pad: PadId(pad.parse().ok()?), seq: seq.parse().ok()? });
    }
    let (node, body) = rest.split_once(':')?;
    let node = node.to_string();
    let list = || body.split(',').filter(|s| !s.is_empty());
    let event = match kind {
        "p" => return Some(Note::Heartbeat { node }),
        "q" => {
            let (session, change) = body.split_once(':')?;
            let session = LiveSessionId(session.parse().ok()?);
            return Some(Note::Live { node, session, change: LiveChange::from_code(change)? });
        }
        "a" => RealtimeEvent::PadAccessChanged(PadId(body.parse().ok()?)),
        "r" => RealtimeEvent::RightsChanged(list().map(|u| u.parse().map(UserId)).collect::<Result<_, _>>().ok()?),
        "s" => RealtimeEvent::SessionsEnded(list().map(String::from).collect()),
        _ => return None,
    };
    Some(Note::Change { node, event })
}

/// The payloads announcing a change made on `node`, each at most [`MAX_PAYLOAD`] bytes.
pub fn payloads(node: &str, event: &RealtimeEvent) -> Vec<String> {
    let (kind, items): (&str, Vec<String>) = match event {
        RealtimeEvent::PadAccessChanged(pad) => return vec![format!("a:{node}:{pad}")],
        RealtimeEvent::RightsChanged(users) => ("r", users.iter().map(|u| u.0.to_string()).collect()),
        RealtimeEvent::SessionsEnded(hashes) => ("s", hashes.clone()),
    };
    let mut out = Vec::new();
    let mut current = String::new();
    for item in items {
        let head = kind.len() + node.len() + 2;
        if !current.is_empty() && head + current.len() + 1 + item.len() > MAX_PAYLOAD {
            out.push(format!("{kind}:{node}:{current}"));
            current.clear();
        }
        if !current.is_empty() {
            current.push(',');
        }
        current.push_str(&item);
    }
    if !current.is_empty() {
        out.push(format!("{kind}:{node}:{current}"));
    }
    out
}

/// The payload announcing that a live quiz session changed on `node`.
pub fn live_payload(node: &str, session: LiveSessionId, change: LiveChange) -> String {
    format!("q:{node}:{session}:{}", change.code())
}

/// Starts the bus when the database is PostgreSQL (does nothing on SQLite).
pub fn start(state: &AppState, hub: PadHub) {
    if state.engine != Engine::Postgres {
        return;
    }
    let node = match app::server::db::random_token() {
        Ok(t) => t[..12].to_string(),
        Err(e) => {
            tracing::error!(error = %e, "no node id: this node will not hear the others");
            return;
        }
    };
    let url = state.db.connect_options().database_url.to_string();
    let (tx, rx) = mpsc::unbounded_channel();
    state.realtime.forward_to(tx);
    tokio::spawn(publish(state.db.clone(), node.clone(), rx));
    let (live_tx, live_rx) = mpsc::unbounded_channel();
    state.live.forward_to(live_tx);
    tokio::spawn(publish_live(state.db.clone(), node.clone(), live_rx));
    let (access_tx, access_rx) = mpsc::unbounded_channel();
    tokio::spawn(reload_access(state.clone(), access_rx));
    tokio::spawn(listen(state.clone(), hub, url, node, access_tx));
}

async fn notify(db: &Db, payload: &str) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, $2)").bind(NODES_CHANNEL).bind(payload).execute(db).await.map(|_| ())
}

/// Sends the changes made on this node to the others.
async fn publish(db: Db, node: String, mut events: mpsc::UnboundedReceiver<RealtimeEvent>) {
    while let Some(event) = events.recv().await {
        for payload in payloads(&node, &event) {
            if let Err(e) = notify(&db, &payload).await {
                tracing::error!(error = %e, ?event, "could not tell the other nodes of a change");
            }
        }
    }
}

/// Sends the changes of this node's live quiz hubs to the others.
async fn publish_live(db: Db, node: String, mut changes: mpsc::UnboundedReceiver<(LiveSessionId, LiveChange)>) {
    while let Some((session, change)) = changes.recv().await {
        if let Err(e) = notify(&db, &live_payload(&node, session, change)).await {
            tracing::error!(error = %e, %session, ?change, "could not tell the other nodes of a live quiz change");
        }
    }
}

/// Reads again, in the order announced, the access of pads changed on other nodes, and
/// publishes it here (in order, so a later change is never overwritten by an earlier one).
async fn reload_access(state: AppState, mut pads: mpsc::UnboundedReceiver<PadId>) {
    while let Some(pad) = pads.recv().await {
        match app::pads::db::access(&state.db, pad).await {
            Ok(Some(access)) => state.realtime.apply_remote(RealtimeEvent::PadAccessChanged(pad), Some(access)),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, %pad, "could not read a pad's new access"),
        }
    }
}

/// After listening again: logouts, rights and access changes announced while this node was
/// not listening are lost, so every open socket's session is checked against the database
/// (closed 4001 when it ended), every connection reloads its person's rights, and every open
/// pad's access is read again.
async fn recheck(state: AppState, access: mpsc::UnboundedSender<PadId>) {
    if let Err(e) = app::server::session::end_closed_sessions(&state).await {
        tracing::error!(error = %e, "could not check the open sessions after listening again");
    }
    state.realtime.recheck_all_rights();
    for pad in state.realtime.open_pads() {
        let _ = access.send(pad);
    }
}

/// What the listening task hears.
enum Heard {
    /// Listening (again): what was announced before may have been missed.
    Listening,
    Payload(String),
}

/// Keeps a listener on the channel, replaces it when it fails or goes silent, and hands what
/// it hears to the pads and the realtime registry of this node.
async fn listen(state: AppState, hub: PadHub, url: String, node: String, access: mpsc::UnboundedSender<PadId>) {
    let mut retry = RETRY_MIN;
    let mut beat: u64 = 0;
    loop {
        let (tx, mut heard) = mpsc::channel(1024);
        let listener = tokio::spawn(hear(url.clone(), tx));
        let mut heartbeat = tokio::time::interval(HEARTBEAT);
        let mut last_heard_self: Option<Instant> = None;
        loop {
            tokio::select! {
                got = heard.recv() => match got {
                    Some(Heard::Listening) => {
                        retry = RETRY_MIN;
                        last_heard_self = Some(Instant::now());
                        hub.resync_all();
                        state.live.resync_all();
                        tokio::spawn(recheck(state.clone(), access.clone()));
                    }
                    Some(Heard::Payload(p)) => match parse(&p) {
                        Some(Note::Row { pad, seq }) => hub.announced(pad, seq),
                        Some(Note::Heartbeat { node: from }) => {
                            if from == node {
                                last_heard_self = Some(Instant::now());
                            }
                        }
                        Some(Note::Change { node: from, event }) if from != node => match event {
                            RealtimeEvent::PadAccessChanged(pad) => {
                                let _ = access.send(pad);
                            }
                            other => state.realtime.apply_remote(other, None),
                        },
                        Some(Note::Change { .. }) => {}
                        Some(Note::Live { node: from, session, change }) => {
                            if from != node {
                                state.live.remote(session, change);
                            }
                        }
                        None => tracing::debug!(payload = %p, "unknown node notification"),
                    },
                    None => break,
                },
                _ = heartbeat.tick() => {
                    if last_heard_self.is_some_and(|t| t.elapsed() > SILENCE) {
                        tracing::warn!("the node listener went silent: reconnecting");
                        break;
                    }
                    beat += 1;
                    if let Err(e) = notify(&state.db, &format!("p:{node}:{beat}")).await {
                        tracing::warn!(error = %e, "could not send the node heartbeat");
                    }
                }
            }
        }
        listener.abort();
        tokio::time::sleep(retry).await;
        retry = (retry * 2).min(RETRY_MAX);
    }
}

/// One listening connection: reports when it listens (again, after sqlx reconnected it) and
/// each payload; ends on an error it cannot recover from.
async fn hear(url: String, tx: mpsc::Sender<Heard>) {
    let mut listener = match PgListener::connect(&url).await {
        Ok(l) => l,
        Err(e) => return tracing::warn!(error = %e, "could not connect the node listener"),
    };
    if let Err(e) = listener.listen(NODES_CHANNEL).await {
        return tracing::warn!(error = %e, "could not listen for the other nodes");
    }
    if tx.send(Heard::Listening).await.is_err() {
        return;
    }
    loop {
        let heard = match listener.try_recv().await {
            Ok(Some(n)) => Heard::Payload(n.payload().to_string()),
            // The connection dropped and sqlx opened a new one, listening again: what was
            // announced meanwhile is lost, and the pads catch up from the database.
            Ok(None) => Heard::Listening,
            Err(e) => return tracing::warn!(error = %e, "the node listener failed"),
        };
        if tx.send(heard).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_note_reads_back_as_written() {
        assert_eq!(parse("u:42:7"), Some(Note::Row { pad: PadId(42), seq: 7 }));
        assert_eq!(parse("p:abc:3"), Some(Note::Heartbeat { node: "abc".into() }));
        for change in [LiveChange::Phase, LiveChange::Answers, LiveChange::Seats] {
            let session = LiveSessionId(77);
            assert_eq!(
                parse(&live_payload("n1", session, change)),
                Some(Note::Live { node: "n1".into(), session, change })
            );
        }
        for event in [
            RealtimeEvent::PadAccessChanged(PadId(9)),
            RealtimeEvent::RightsChanged(vec![UserId(1), UserId(22)]),
            RealtimeEvent::SessionsEnded(vec!["ab".into(), "cd".into()]),
        ] {
            let p = payloads("n1", &event);
            assert_eq!(p.len(), 1);
            assert_eq!(parse(&p[0]), Some(Note::Change { node: "n1".into(), event }));
        }
    }

    #[test]
    fn unknown_or_broken_payloads_are_ignored() {
        for bad in
            ["", "u", "u:1", "u:x:1", "u:1:y", "a:n1:x", "r:n1:1,x", "z:n1:1", "a", "q:n1:1", "q:n1:x:p", "q:n1:1:z"]
        {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_long_list_is_split_into_payloads_postgresql_accepts() {
        let hashes: Vec<String> = (0..500).map(|i| format!("{i:064x}")).collect();
        let p = payloads("node", &RealtimeEvent::SessionsEnded(hashes.clone()));
        assert!(p.len() > 1);
        assert!(p.iter().all(|p| p.len() <= MAX_PAYLOAD));
        let back: Vec<String> = p
            .iter()
            .flat_map(|p| match parse(p) {
                Some(Note::Change { event: RealtimeEvent::SessionsEnded(h), .. }) => h,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(back, hashes);
    }
}
