//! Open WebSocket connections, by session, so that logout and deactivation close them at
//! once; by person, so that a change of their rights (a student moved to another class, a
//! teacher's service withdrawn) reaches their open connections at once; and the access of
//! each open pad, so that locking a pad or changing who edits it reaches its open connections
//! at once. Features built on WebSockets (pads, live quizzes) register here.
//!
//! With several server processes on one database, each change is also handed to
//! [`Realtime::forward_to`]'s channel, which the server's node bus (`server::bus`) sends to
//! the other processes; they apply it with [`Realtime::apply_remote`], which does not forward.

use domain::{PadAccess, PadId, UserId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::{mpsc, watch};

/// A change that the other server processes must apply to their own connections too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RealtimeEvent {
    /// These sessions ended (by their token hash).
    SessionsEnded(Vec<String>),
    /// These people's rights changed.
    RightsChanged(Vec<UserId>),
    /// This pad's access changed (the receiver reads it again from the database).
    PadAccessChanged(PadId),
}

/// Registry of open realtime connections. Each connection holds a receiver that flips to
/// `true` when its session ends.
#[derive(Clone, Default)]
pub struct Realtime {
    sessions: Arc<Mutex<HashMap<String, watch::Sender<bool>>>>,
    people: Arc<Mutex<HashMap<UserId, watch::Sender<u64>>>>,
    pads: Arc<Mutex<HashMap<PadId, watch::Sender<Arc<PadAccess>>>>>,
    presence: Presence,
    /// When socket traffic last refreshed each session's `last_seen_at` (ms).
    touched: Arc<Mutex<HashMap<String, i64>>>,
    /// Where the changes made here go for the other processes (none on a single node).
    forward: Arc<OnceLock<mpsc::UnboundedSender<RealtimeEvent>>>,
}

/// Who has each pad open: one (person, name) per connection.
type Presence = Arc<Mutex<HashMap<PadId, Vec<(UserId, String)>>>>;

/// A person's place in a pad's presence list, held by their open connection; dropping it
/// (the connection ends) takes them off the list.
pub struct PadPresence {
    presence: Presence,
    pad: PadId,
    user: UserId,
}

impl Drop for PadPresence {
    fn drop(&mut self) {
        let mut map = self.presence.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(list) = map.get_mut(&self.pad) {
            if let Some(i) = list.iter().position(|(u, _)| *u == self.user) {
                list.swap_remove(i);
            }
            if list.is_empty() {
                map.remove(&self.pad);
            }
        }
    }
}

impl Realtime {
    /// Registers a connection for a session; the receiver turns `true` when it must close.
    pub fn subscribe(&self, token_hash: &str) -> watch::Receiver<bool> {
        let mut map = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(token_hash.to_string()).or_insert_with(|| watch::channel(false).0).subscribe()
    }

    /// Sends the changes made in this process to `tx` too, for the other processes (once).
    pub fn forward_to(&self, tx: mpsc::UnboundedSender<RealtimeEvent>) {
        let _ = self.forward.set(tx);
    }

    fn forward(&self, event: RealtimeEvent) {
        if let Some(tx) = self.forward.get() {
            let _ = tx.send(event);
        }
    }

    /// Applies a change another process made, here only. A pad's access comes read again
    /// from the database.
    pub fn apply_remote(&self, event: RealtimeEvent, pad_access: Option<PadAccess>) {
        match event {
            RealtimeEvent::SessionsEnded(hashes) => self.end_sessions_here(hashes.iter()),
            RealtimeEvent::RightsChanged(users) => self.rights_changed_here(users),
            RealtimeEvent::PadAccessChanged(pad) => {
                if let Some(access) = pad_access {
                    self.pad_access_changed_here(pad, access);
                }
            }
        }
    }

    /// Ends every connection of these sessions, in every process.
    pub fn end_sessions<'a>(&self, token_hashes: impl IntoIterator<Item = &'a String>) {
        let hashes: Vec<String> = token_hashes.into_iter().cloned().collect();
        self.end_sessions_here(hashes.iter());
        if !hashes.is_empty() {
            self.forward(RealtimeEvent::SessionsEnded(hashes));
        }
    }

    fn end_sessions_here<'a>(&self, token_hashes: impl IntoIterator<Item = &'a String>) {
        let mut map = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        for h in token_hashes {
            if let Some(tx) = map.remove(h) {
                let _ = tx.send(true);
            }
        }
    }

    /// Registers a connection of a person; the receiver changes each time their rights do
    /// (the connection reloads them and checks again).
    pub fn watch_rights(&self, user: UserId) -> watch::Receiver<u64> {
        let mut map = self.people.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(user).or_insert_with(|| watch::channel(0).0).subscribe()
    }

    /// Tells these people's open connections, in every process, that their rights changed,
    /// once committed.
    pub fn rights_changed(&self, users: impl IntoIterator<Item = UserId>) {
        let users: Vec<UserId> = users.into_iter().collect();
        self.rights_changed_here(users.iter().copied());
        if !users.is_empty() {
            self.forward(RealtimeEvent::RightsChanged(users));
        }
    }

    fn rights_changed_here(&self, users: impl IntoIterator<Item = UserId>) {
        let map = self.people.lock().unwrap_or_else(|e| e.into_inner());
        for user in users {
            if let Some(tx) = map.get(&user) {
                tx.send_modify(|generation| *generation += 1);
            }
        }
    }

    /// The sessions with at least one open connection here (token hashes).
    pub fn open_session_hashes(&self) -> Vec<String> {
        let map = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        map.iter().filter(|(_, tx)| tx.receiver_count() > 0).map(|(h, _)| h.clone()).collect()
    }

    /// Whether a session's socket traffic should refresh its `last_seen_at` now (`now`, in
    /// ms): true at most once per `every` per session; the caller then writes it.
    pub fn touch_due(&self, token_hash: &str, now: i64, every: i64) -> bool {
        let mut map = self.touched.lock().unwrap_or_else(|e| e.into_inner());
        match map.get_mut(token_hash) {
            Some(last) if now - *last < every => false,
            Some(last) => {
                *last = now;
                true
            }
            None => {
                map.insert(token_hash.to_string(), now);
                true
            }
        }
    }

    /// Drops entries whose connections have all closed.
    pub fn prune(&self) {
        let mut map = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, tx| tx.receiver_count() > 0);
        let mut touched = self.touched.lock().unwrap_or_else(|e| e.into_inner());
        touched.retain(|h, _| map.contains_key(h));
        drop(touched);
        drop(map);
        let mut people = self.people.lock().unwrap_or_else(|e| e.into_inner());
        people.retain(|_, tx| tx.receiver_count() > 0);
        drop(people);
        let mut pads = self.pads.lock().unwrap_or_else(|e| e.into_inner());
        pads.retain(|_, tx| tx.receiver_count() > 0);
    }

    /// The access of an open pad, as it changes. `loaded` is what the caller read from the
    /// database; when an entry exists already its value is kept: it was set by
    /// [`Realtime::pad_access_changed`] after a commit, so it is at least as recent.
    pub fn watch_pad(&self, pad: PadId, loaded: PadAccess) -> watch::Receiver<Arc<PadAccess>> {
        let mut map = self.pads.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(pad).or_insert_with(|| watch::channel(Arc::new(loaded)).0).subscribe()
    }

    /// Publishes a pad's new access, once committed, in every process. The entry is made even
    /// when nobody has the pad open, so a pad being opened meanwhile cannot start from the
    /// older access.
    pub fn pad_access_changed(&self, pad: PadId, access: PadAccess) {
        self.pad_access_changed_here(pad, access);
        self.forward(RealtimeEvent::PadAccessChanged(pad));
    }

    fn pad_access_changed_here(&self, pad: PadId, access: PadAccess) {
        let mut map = self.pads.lock().unwrap_or_else(|e| e.into_inner());
        let access = Arc::new(access);
        match map.get(&pad) {
            Some(tx) => {
                tx.send_replace(access);
            }
            None => {
                map.insert(pad, watch::channel(access).0);
            }
        }
    }

    /// Puts a person on a pad's presence list for as long as the returned guard lives.
    pub fn enter_pad(&self, pad: PadId, user: UserId, name: String) -> PadPresence {
        let mut map = self.presence.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(pad).or_default().push((user, name));
        PadPresence { presence: self.presence.clone(), pad, user }
    }

    /// The names of the people with a pad open in this process, each once, sorted.
    pub fn in_pad(&self, pad: PadId) -> Vec<String> {
        let map = self.presence.lock().unwrap_or_else(|e| e.into_inner());
        let mut names: Vec<String> =
            map.get(&pad).map(|l| l.iter().map(|(_, n)| n.clone()).collect()).unwrap_or_default();
        names.sort();
        names.dedup();
        names
    }

    /// Tells every connection of this process to reload its person's rights and check them
    /// again: after the node bus missed announcements, any of them may be stale.
    pub fn recheck_all_rights(&self) {
        let map = self.people.lock().unwrap_or_else(|e| e.into_inner());
        for tx in map.values() {
            tx.send_modify(|generation| *generation += 1);
        }
    }

    /// The pads open in this process (with at least one connection watching their access).
    pub fn open_pads(&self) -> Vec<PadId> {
        let map = self.pads.lock().unwrap_or_else(|e| e.into_inner());
        map.iter().filter(|(_, tx)| tx.receiver_count() > 0).map(|(pad, _)| *pad).collect()
    }

    /// Number of sessions with at least one open connection.
    pub fn open_sessions(&self) -> usize {
        let map = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        map.values().filter(|tx| tx.receiver_count() > 0).count()
    }
}
