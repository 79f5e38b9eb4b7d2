//! When a pad task saves a version of its pad (docs/pads.md, "History"): at most once per
//! [`VERSION_EVERY`] of activity, after a write, and at the end of each editing session
//! (when the last connection leaves), each time only if the text changed since the last
//! version. A restore saves one at once (it becomes a version itself).
//!
//! Like compaction, the write runs in the background and never delays an acknowledgement:
//! the edits are durable in `pad_updates` already. A failed write is logged and tried again
//! with the next write or session end, with the same editors. Before a restore, edits not
//! in a version yet get one, so the text being replaced stays in the history.

use app::pads::history_db::{self, NewVersion};
use app::server::Db;
use domain::{PadId, UserId};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Least time between two versions saved during a session (the session's end saves one
/// whatever the time).
pub const VERSION_EVERY: Duration = Duration::from_secs(60);

/// A stable 64-bit hash of a text (FNV-1a), to tell whether it changed since the last version
/// without keeping that text in memory.
fn text_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// What the keeper knows, without I/O (tested below).
#[derive(Debug, Default)]
pub(super) struct State {
    /// When the oldest edit not in a version yet was stored (Unix ms); `None`: none.
    dirty_since: Option<i64>,
    /// Who made those edits.
    editors: BTreeSet<UserId>,
    /// The hash of the last version's text (the last one queued for writing).
    last_text: Option<u64>,
}

impl State {
    pub(super) fn new(last_text: Option<&str>) -> Self {
        State { last_text: last_text.map(text_hash), ..State::default() }
    }

    /// Edits by `editors` were stored at `now`.
    pub(super) fn edited(&mut self, editors: impl IntoIterator<Item = UserId>, now: i64) {
        self.dirty_since.get_or_insert(now);
        self.editors.extend(editors);
    }

    /// Whether to save a version now: edits wait for one, and the session ended or a
    /// restore asks for one (`forced`), or the oldest waiting edit is a minute old.
    pub(super) fn due(&self, now: i64, forced: bool) -> bool {
        let Some(since) = self.dirty_since else { return false };
        forced || now - since >= VERSION_EVERY.as_millis() as i64
    }

    /// Starts saving `text`: the editors to record, or `None` when the text is the last
    /// version's (the waiting edits are then forgotten as a version; their editors wait for
    /// the next one).
    pub(super) fn start(&mut self, text: &str) -> Option<(Vec<UserId>, u64)> {
        let hash = text_hash(text);
        self.dirty_since = None;
        if self.last_text == Some(hash) {
            return None;
        }
        self.last_text = Some(hash);
        Some((std::mem::take(&mut self.editors).into_iter().collect(), hash))
    }

    /// The write failed: its edits wait again, from `since`, with their editors, and the
    /// next version is written whatever its text.
    pub(super) fn failed(&mut self, editors: Vec<UserId>, since: i64) {
        self.editors.extend(editors);
        self.dirty_since = Some(self.dirty_since.map_or(since, |d| d.min(since)));
        self.last_text = None;
    }
}

/// A version to write, then who to tell.
struct Job {
    state: Vec<u8>,
    text: String,
    editors: Vec<UserId>,
    created_at: i64,
    done: Vec<oneshot::Sender<()>>,
}

/// A pad task's version keeper. Versions are written in the background by one writer task
/// per pad, in the order they were taken (a restore's "before" and "after" versions keep
/// their order); its state is shared with that writer.
pub(super) struct Keeper {
    state: Arc<Mutex<State>>,
    writer: Option<mpsc::UnboundedSender<Job>>,
}

impl Keeper {
    pub(super) fn new(last_text: Option<&str>) -> Self {
        Keeper { state: Arc::new(Mutex::new(State::new(last_text))), writer: None }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn edited(&self, editors: impl IntoIterator<Item = UserId>, now: i64) {
        self.lock().edited(editors, now);
    }

    pub(super) fn due(&self, now: i64, forced: bool) -> bool {
        self.lock().due(now, forced)
    }

    /// Queues a version of `state` (the pad's whole durable state, showing `text`) for the
    /// background writer, which tells each of `done` once it is written or failed. When the
    /// text is the last version's, tells them at once.
    pub(super) fn save(
        &mut self,
        db: &Db,
        pad: PadId,
        state: Vec<u8>,
        text: String,
        now: i64,
        done: Vec<oneshot::Sender<()>>,
    ) {
        let Some((editors, _)) = self.lock().start(&text) else {
            tell(done);
            return;
        };
        let writer = self.writer.get_or_insert_with(|| spawn_writer(db.clone(), pad, self.state.clone()));
        if let Err(mpsc::error::SendError(job)) = writer.send(Job { state, text, editors, created_at: now, done }) {
            // The writer is gone (it cannot be while this keeper lives): the version waits.
            self.lock().failed(job.editors, now);
            tell(job.done);
        }
    }
}

fn tell(done: Vec<oneshot::Sender<()>>) {
    for d in done {
        let _ = d.send(());
    }
}

/// The pad's version writer: ends when its keeper is dropped and its queue is written.
fn spawn_writer(db: Db, pad: PadId, shared: Arc<Mutex<State>>) -> mpsc::UnboundedSender<Job> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Job>();
    tokio::spawn(async move {
        while let Some(job) = rx.recv().await {
            let version =
                NewVersion { created_at: job.created_at, state: &job.state, text: &job.text, editors: &job.editors };
            if let Err(e) = history_db::save_version(&db, pad, &version).await {
                tracing::warn!(pad = %pad, error = format!("{e:#}"), "could not save a pad version");
                shared.lock().unwrap_or_else(|e| e.into_inner()).failed(job.editors, job.created_at);
            }
            tell(job.done);
        }
    });
    tx
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    #[test]
    fn a_version_is_due_a_minute_after_the_first_waiting_edit_or_at_the_sessions_end() {
        let mut s = State::new(None);
        assert!(!s.due(0, true), "nothing edited, nothing to save");
        s.edited([UserId(1)], 1_000);
        s.edited([UserId(2)], 30_000);
        assert!(!s.due(1_000 + MINUTE - 1, false));
        assert!(s.due(1_000 + MINUTE, false));
        assert!(s.due(2_000, true), "the session's end saves whatever the time");
        assert_eq!(s.start("texte"), Some((vec![UserId(1), UserId(2)], text_hash("texte"))));
        assert!(!s.due(10 * MINUTE, true), "no edit since");
        s.edited([UserId(3)], 11 * MINUTE);
        assert_eq!(s.start("texte"), None, "the same text as the last version");
    }

    #[test]
    fn an_unchanged_text_makes_no_version_and_its_editors_wait_for_the_next() {
        let mut s = State::new(Some("texte"));
        s.edited([UserId(1)], 0);
        assert_eq!(s.start("texte"), None);
        assert!(!s.due(10 * MINUTE, true));
        s.edited([UserId(2)], 5 * MINUTE);
        assert_eq!(s.start("texte modifié").map(|(e, _)| e), Some(vec![UserId(1), UserId(2)]));
    }

    #[test]
    fn a_failed_write_keeps_its_edits_and_editors_waiting() {
        let mut s = State::new(None);
        s.edited([UserId(1)], 0);
        let Some((editors, _)) = s.start("a") else { panic!("a version to save") };
        s.edited([UserId(2)], 2 * MINUTE);
        s.failed(editors, 0);
        assert!(s.due(MINUTE, false), "due again from the first edit's time");
        // Written again even with the same text: the failed one is not in the database.
        assert_eq!(s.start("a").map(|(e, _)| e), Some(vec![UserId(1), UserId(2)]));
    }
}
