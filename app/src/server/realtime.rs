//! Open WebSocket connections, by session, so that logout and deactivation close them at
//! once. Features built on the `/ws` endpoint (pads, live quizzes) register here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// Registry of open realtime connections. Each connection holds a receiver that flips to
/// `true` when its session ends.
#[derive(Clone, Default)]
pub struct Realtime {
    sessions: Arc<Mutex<HashMap<String, watch::Sender<bool>>>>,
}

impl Realtime {
    /// Registers a connection for a session; the receiver turns `true` when it must close.
    pub fn subscribe(&self, token_hash: &str) -> watch::Receiver<bool> {
        let mut map = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(token_hash.to_string()).or_insert_with(|| watch::channel(false).0).subscribe()
    }

    /// Ends every connection of these sessions.
    pub fn end_sessions<'a>(&self, token_hashes: impl IntoIterator<Item = &'a String>) {
        let mut map = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        for h in token_hashes {
            if let Some(tx) = map.remove(h) {
                let _ = tx.send(true);
            }
        }
    }

    /// Drops entries whose connections have all closed.
    pub fn prune(&self) {
        let mut map = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, tx| tx.receiver_count() > 0);
    }

    /// Number of sessions with at least one open connection.
    pub fn open_sessions(&self) -> usize {
        let map = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        map.values().filter(|tx| tx.receiver_count() > 0).count()
    }
}
