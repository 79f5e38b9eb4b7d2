//! The collaborative pad's document, shared by the browser and the server: one text on yrs
//! (the Rust port of Yjs), so any Yjs peer speaks the same updates. Positions count UTF-16
//! code units, as a browser's `textarea.selectionStart` does.
//!
//! Nothing here does I/O: the server stores and forwards the updates these functions check and
//! produce, and the browser applies them to what the person sees. Wire messages are in
//! [`wire`]; who wrote what and the authors' colours in [`authors`]; the Markdown subset
//! of exports and previews in [`markdown`].

pub mod authors;
pub mod awareness;
pub mod markdown;
pub mod presence;
pub mod wire;

use yrs::updates::decoder::Decode;
use yrs::{ClientID, Doc, GetString, OffsetKind, Options, ReadTxn, StateVector, Text, TextRef, Transact, Update};

/// Largest update (or state) accepted in one piece, in bytes: a WebSocket frame's limit.
pub const MAX_UPDATE_BYTES: usize = wire::MAX_FRAME_BYTES;

/// Largest pad, as its encoded Yjs state: an update that would make it larger is refused.
/// Below [`MAX_UPDATE_BYTES`] so that a whole pad (a new peer's sync step 2) and any merged
/// update always fit in one frame, which the browser's decoder also limits to 1 MiB.
/// 960 KiB is some 500 pages of text.
pub const MAX_PAD_BYTES: usize = MAX_UPDATE_BYTES - 64 * 1024;

/// Largest client id Yjs uses (53 bits, a JavaScript safe integer).
pub const MAX_CLIENT_ID: u64 = (1 << 53) - 1;

/// Why an update was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PadError {
    #[error("La modification est trop volumineuse (plus de {MAX_UPDATE_BYTES} octets).")]
    TooLarge,
    #[error("La modification est illisible : rechargez la page.")]
    Malformed,
    #[error("Le message est illisible : rechargez la page.")]
    BadMessage,
}

/// A pad's text and its editing history, as a CRDT.
pub struct PadDoc {
    doc: Doc,
    text: TextRef,
}

impl std::fmt::Debug for PadDoc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PadDoc").field("text", &self.text()).finish()
    }
}

fn decode(update: &[u8]) -> Result<Update, PadError> {
    if update.len() > MAX_UPDATE_BYTES {
        return Err(PadError::TooLarge);
    }
    untrusted(|| Update::decode_v1(update)).and_then(|decoded| decoded.map_err(|_| PadError::Malformed))
}

/// Runs yrs's decoding of bytes from outside: yrs asserts on some malformed input (seen by
/// `domain/tests/fuzz.rs`: `DecoderV1::read_id` panics on an out-of-range id), and a panic
/// must cost the sender its frame, not the pad task every participant shares. Only decoding
/// runs here: it touches no document, so nothing is left half-changed.
fn untrusted<T>(decode: impl FnOnce() -> T) -> Result<T, PadError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(decode)).map_err(|_| PadError::Malformed)
}

impl PadDoc {
    /// An empty pad edited by `client_id` (taken modulo 2^53, and never 0).
    pub fn new(client_id: u64) -> Self {
        let id = (client_id & MAX_CLIENT_ID).max(1);
        let options = Options { offset_kind: OffsetKind::Utf16, ..Options::with_client_id(ClientID::new(id)) };
        let doc = Doc::with_options(options);
        let text = doc.get_or_insert_text("content");
        PadDoc { doc, text }
    }

    /// A pad rebuilt from stored updates (a snapshot, then what came after it).
    pub fn from_updates<B: AsRef<[u8]>>(client_id: u64, updates: &[B]) -> Result<Self, PadError> {
        let mut pad = PadDoc::new(client_id);
        for u in updates {
            pad.apply_update(u.as_ref())?;
        }
        Ok(pad)
    }

    /// The current text.
    pub fn text(&self) -> String {
        self.text.get_string(&self.doc.transact())
    }

    /// Length of the text in UTF-16 code units.
    pub fn len_utf16(&self) -> u32 {
        self.text.len(&self.doc.transact())
    }

    /// This replica's state vector, encoded (sync step 1).
    pub fn state_vector(&self) -> Vec<u8> {
        use yrs::updates::encoder::Encode;
        self.doc.transact().state_vector().encode_v1()
    }

    /// How many items this replica has integrated from `client_id` (its clock in the state
    /// vector): an agent may keep its id only while it has seen all of its own edits.
    pub fn clock(&self, client_id: u64) -> u32 {
        let id = ClientID::new((client_id & MAX_CLIENT_ID).max(1));
        self.doc.transact().state_vector().get(&id)
    }

    /// What a replica with the encoded state vector `remote` is missing (sync step 2).
    pub fn diff_since(&self, remote: &[u8]) -> Result<Vec<u8>, PadError> {
        if remote.len() > MAX_UPDATE_BYTES {
            return Err(PadError::TooLarge);
        }
        let sv = untrusted(|| StateVector::decode_v1(remote))?.map_err(|_| PadError::Malformed)?;
        Ok(self.doc.transact().encode_state_as_update_v1(&sv))
    }

    /// The whole pad as one update: its compacted snapshot.
    pub fn full_state(&self) -> Vec<u8> {
        self.doc.transact().encode_state_as_update_v1(&StateVector::default())
    }

    /// Applies an update from another replica (updates are idempotent and commute). Returns
    /// whether it may have brought something new, which the server must then store before
    /// it acknowledges it: false only for an update whose insertions were all seen and that
    /// deletes nothing. An update that deletes counts as new even when seen before: telling a
    /// resent deletion apart would cost a comparison of delete sets that grows with the pad,
    /// and storing it twice is harmless. So does an update that yrs keeps aside because it
    /// depends on one not received yet (its text appears once that one arrives): the state
    /// vector does not move, but the update is something the document holds and a restart
    /// must find again (issue 14, item 5).
    pub fn apply_update(&mut self, update: &[u8]) -> Result<bool, PadError> {
        let decoded = decode(update)?;
        let deletes = !decoded.delete_set().is_empty();
        let mut txn = self.doc.transact_mut();
        let before = txn.state_vector();
        txn.apply_update(decoded).map_err(|_| PadError::Malformed)?;
        Ok(deletes || txn.state_vector() != before || txn.has_missing_updates())
    }

    /// Inserts `chunk` at `index` (UTF-16 units, clamped to the text) and returns the update
    /// to send.
    pub fn insert(&mut self, index: u32, chunk: &str) -> Vec<u8> {
        let mut txn = self.doc.transact_mut();
        let index = index.min(self.text.len(&txn));
        self.text.insert(&mut txn, index, chunk);
        txn.encode_update_v1()
    }

    /// Makes the text `new` by the smallest change from the current text (one common prefix
    /// and suffix kept, the middle replaced) and returns the update to send, or `None` when
    /// nothing changed. An editor calls it with its textarea's value after each input.
    pub fn replace_text(&mut self, new: &str) -> Option<Vec<u8>> {
        let change = TextChange::between(&self.text(), new)?;
        let mut txn = self.doc.transact_mut();
        if change.deleted > 0 {
            self.text.remove_range(&mut txn, change.index, change.deleted);
        }
        if !change.inserted.is_empty() {
            self.text.insert(&mut txn, change.index, &change.inserted);
        }
        Some(txn.encode_update_v1())
    }

    /// Deletes `len` UTF-16 units from `index` (clamped to the text) and returns the update
    /// to send.
    pub fn delete(&mut self, index: u32, len: u32) -> Vec<u8> {
        let mut txn = self.doc.transact_mut();
        let total = self.text.len(&txn);
        let index = index.min(total);
        let len = len.min(total - index);
        if len > 0 {
            self.text.remove_range(&mut txn, index, len);
        }
        txn.encode_update_v1()
    }

    /// The text as runs of (Yjs client id, text): who inserted each visible character
    /// ([`authors::runs`]).
    pub fn authorship(&self) -> Vec<authors::AuthorRun> {
        authors::runs(&self.full_state())
    }
}

/// The one change between two texts: at `index` (UTF-16 units), `deleted` units replaced by
/// `inserted`. Found by the common prefix and suffix, counted in whole characters so that an
/// emoji's surrogate pair is never split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextChange {
    pub index: u32,
    pub deleted: u32,
    pub inserted: String,
}

fn utf16_len(s: &str) -> u32 {
    u32::try_from(s.encode_utf16().count()).unwrap_or(u32::MAX)
}

impl TextChange {
    /// The change from `old` to `new`, or `None` when they are equal.
    pub fn between(old: &str, new: &str) -> Option<TextChange> {
        if old == new {
            return None;
        }
        let prefix: usize = old.chars().zip(new.chars()).take_while(|(a, b)| a == b).map(|(a, _)| a.len_utf8()).sum();
        let (old_rest, new_rest) = (&old[prefix..], &new[prefix..]);
        let suffix: usize = old_rest
            .chars()
            .rev()
            .zip(new_rest.chars().rev())
            .take_while(|(a, b)| a == b)
            .map(|(a, _)| a.len_utf8())
            .sum();
        let suffix = suffix.min(old_rest.len()).min(new_rest.len());
        Some(TextChange {
            index: utf16_len(&old[..prefix]),
            deleted: utf16_len(&old_rest[..old_rest.len() - suffix]),
            inserted: new_rest[..new_rest.len() - suffix].to_string(),
        })
    }

    /// Where a position (a caret) in the old text lands in the new one: before the change it
    /// stays, after it it moves by the difference, inside what was replaced it goes to the
    /// end of the insertion.
    pub fn map(&self, position: u32) -> u32 {
        let end = self.index.saturating_add(self.deleted);
        if position <= self.index {
            position
        } else if position >= end {
            position - self.deleted + utf16_len(&self.inserted)
        } else {
            self.index + utf16_len(&self.inserted)
        }
    }
}

/// For each client whose insertions an update holds, the clock just past the last of them
/// (the update's upper state vector), sorted by client: what a receiver has seen of each
/// author once it holds the update (the load benchmark times deliveries with it).
pub fn update_clocks(update: &[u8]) -> Result<Vec<(u64, u32)>, PadError> {
    let insertions = decode(update)?.insertions(true);
    let mut clocks: Vec<(u64, u32)> = insertions
        .iter()
        .filter_map(|(client, ranges)| ranges.iter().map(|r| r.end).max().map(|end| (client.get(), end)))
        .collect();
    clocks.sort_unstable();
    Ok(clocks)
}

/// Merges updates into one (a pad's updates of one tick, to store and send once).
pub fn merge_updates<B: AsRef<[u8]>>(updates: &[B]) -> Result<Vec<u8>, PadError> {
    for u in updates {
        decode(u.as_ref())?;
    }
    yrs::merge_updates_v1(updates.iter().map(AsRef::as_ref)).map_err(|_| PadError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn an_update_waiting_for_its_dependency_counts_as_new_and_replays_in_any_order() -> Result<(), PadError> {
        let mut author = PadDoc::new(11);
        let first = author.insert(0, "Bonjour");
        let second = author.insert(7, " le monde");
        let mut server = PadDoc::new(1);
        // The second alone cannot be integrated yet: it must still be stored.
        assert!(server.apply_update(&second)?);
        assert_eq!(server.text(), "");
        // A snapshot (compaction) keeps it, and it counts in the pad's size.
        let snapshot = server.full_state();
        assert!(snapshot.len() > PadDoc::new(3).full_state().len() + " le monde".len());
        let mut from_snapshot = PadDoc::new(3);
        from_snapshot.apply_update(&snapshot)?;
        from_snapshot.apply_update(&first)?;
        assert_eq!(from_snapshot.text(), "Bonjour le monde");
        assert!(server.apply_update(&first)?);
        assert_eq!(server.text(), "Bonjour le monde");
        // What was stored, in the order it was stored, rebuilds the text after a restart.
        let mut restarted = PadDoc::new(2);
        restarted.apply_update(&second)?;
        restarted.apply_update(&first)?;
        assert_eq!(restarted.text(), "Bonjour le monde");
        Ok(())
    }

    #[test]
    fn update_clocks_name_each_author_and_how_far_the_update_goes() -> Result<(), PadError> {
        let mut a = PadDoc::new(7);
        let mut b = PadDoc::new(3);
        let first = a.insert(0, "ab");
        let second = a.insert(2, "c");
        let other = b.insert(0, "xyz");
        assert_eq!(update_clocks(&second), Ok(vec![(7, 3)]));
        let merged = merge_updates(&[first, second, other])?;
        assert_eq!(update_clocks(&merged), Ok(vec![(3, 3), (7, 3)]));
        assert_eq!(update_clocks(&[0xff, 0xff]), Err(PadError::Malformed));
        Ok(())
    }

    #[test]
    fn the_minimal_change_keeps_the_common_prefix_and_suffix_in_utf16_units() {
        let change = |a: &str, b: &str| TextChange::between(a, b).map(|c| (c.index, c.deleted, c.inserted));
        assert_eq!(change("abc", "abc"), None);
        assert_eq!(change("Le chat dort.", "Le chien dort."), Some((5, 2, "ien".into())));
        assert_eq!(change("", "tout"), Some((0, 0, "tout".into())));
        assert_eq!(change("tout", ""), Some((0, 4, String::new())));
        // "🎒" is two UTF-16 units, and a pair is never split even when two emoji share a
        // first unit: 😀 (D83D DE00) and 😁 (D83D DE01).
        assert_eq!(change("🎒a😀", "🎒a😁"), Some((3, 2, "😁".into())));
        // Repeated letters: prefix and suffix do not overlap.
        assert_eq!(change("aaa", "aa"), Some((2, 1, String::new())));
        assert_eq!(change("aa", "aaa"), Some((2, 0, "a".into())));
    }

    #[test]
    fn replacing_the_text_is_one_update_that_another_replica_applies() -> Result<(), PadError> {
        let mut a = PadDoc::new(1);
        let first = a.insert(0, "Élève 🎒 : le Rhin.");
        let mut b = PadDoc::from_updates(2, &[first])?;
        let update = b.replace_text("Élève 🎒 : la Loire.").ok_or(PadError::Malformed)?;
        assert_eq!(b.text(), "Élève 🎒 : la Loire.");
        a.apply_update(&update)?;
        assert_eq!(a.text(), "Élève 🎒 : la Loire.");
        assert_eq!(b.replace_text("Élève 🎒 : la Loire."), None);
        Ok(())
    }

    #[test]
    fn positions_count_utf16_units_like_a_browser() {
        let mut pad = PadDoc::new(1);
        pad.insert(0, "Élève 🎒 !");
        // "🎒" is two UTF-16 units: index 8 is after it.
        pad.insert(8, "x");
        assert_eq!(pad.text(), "Élève 🎒x !");
        assert_eq!(pad.len_utf16(), 11);
        pad.delete(6, 2);
        assert_eq!(pad.text(), "Élève x !");
    }

    #[test]
    fn a_caret_follows_the_change_before_and_after_it() -> Result<(), &'static str> {
        let c = TextChange::between("Bonjour la classe", "Bonjour toute la classe").ok_or("a change")?;
        assert_eq!(c.map(3), 3);
        assert_eq!(c.map(8), 8);
        assert_eq!(c.map(10), 16);
        let d = TextChange::between("abcdef", "af").ok_or("a change")?;
        assert_eq!(d.map(3), 1);
        assert_eq!(d.map(6), 2);
        Ok(())
    }

    #[test]
    fn replacing_the_text_sends_only_the_change() -> Result<(), PadError> {
        let mut a = PadDoc::new(1);
        let mut b = PadDoc::new(2);
        b.apply_update(&a.replace_text("Le Rhin passe à Strasbourg.").ok_or(PadError::Malformed)?)?;
        // Meanwhile b writes at the start; a's change in the middle merges with it.
        let from_b = b.insert(0, "Note : ");
        let from_a = a.replace_text("Le Rhin passe par Strasbourg.").ok_or(PadError::Malformed)?;
        assert_eq!(a.replace_text("Le Rhin passe par Strasbourg."), None);
        a.apply_update(&from_b)?;
        b.apply_update(&from_a)?;
        assert_eq!(a.text(), "Note : Le Rhin passe par Strasbourg.");
        assert_eq!(b.text(), a.text());
        Ok(())
    }

    #[test]
    fn positions_past_the_end_are_clamped_instead_of_panicking() {
        let mut pad = PadDoc::new(1);
        pad.insert(50, "abc");
        pad.delete(2, 99);
        pad.delete(99, 1);
        assert_eq!(pad.text(), "ab");
    }

    #[test]
    fn a_replayed_update_changes_nothing_the_second_time() -> Result<(), PadError> {
        let mut a = PadDoc::new(1);
        let mut b = PadDoc::new(2);
        let u = a.insert(0, "Bonjour");
        assert!(b.apply_update(&u)?);
        assert!(!b.apply_update(&u)?);
        let d = a.delete(0, 3);
        assert!(b.apply_update(&d)?);
        // A deletion seen before still counts as possibly new (see `apply_update`), and
        // applying it again changes nothing.
        assert!(b.apply_update(&d)?);
        assert_eq!(b.text(), "jour");
        Ok(())
    }

    #[test]
    fn garbage_and_oversize_updates_are_refused() {
        let mut pad = PadDoc::new(1);
        assert_eq!(pad.apply_update(&[0xff, 0xff, 0xff]), Err(PadError::Malformed));
        assert_eq!(pad.apply_update(&vec![0; MAX_UPDATE_BYTES + 1]), Err(PadError::TooLarge));
        assert_eq!(pad.diff_since(&[0xff]), Err(PadError::Malformed));
        assert_eq!(pad.text(), "");
    }

    #[test]
    fn sync_steps_bring_a_late_replica_up_to_date() -> Result<(), PadError> {
        let mut a = PadDoc::new(1);
        a.insert(0, "Le Rhin passe à Strasbourg.");
        let mut b = PadDoc::new(2);
        b.insert(0, "Titre\n");
        let to_b = a.diff_since(&b.state_vector())?;
        let to_a = b.diff_since(&a.state_vector())?;
        b.apply_update(&to_b)?;
        a.apply_update(&to_a)?;
        assert_eq!(a.text(), b.text());
        Ok(())
    }

    #[test]
    fn merged_updates_and_snapshots_equal_applying_each() -> Result<(), PadError> {
        let mut a = PadDoc::new(1);
        let updates = vec![a.insert(0, "abc"), a.insert(3, "déf"), a.delete(1, 2), a.insert(0, "€")];
        let merged = merge_updates(&updates)?;
        let from_merged = PadDoc::from_updates(9, &[merged])?;
        let from_each = PadDoc::from_updates(9, &updates)?;
        let from_snapshot = PadDoc::from_updates(9, &[a.full_state()])?;
        assert_eq!(from_merged.text(), a.text());
        assert_eq!(from_each.text(), a.text());
        assert_eq!(from_snapshot.text(), a.text());
        assert_eq!(merge_updates(&[vec![1u8, 2, 3]]), Err(PadError::Malformed));
        Ok(())
    }

    #[derive(Debug, Clone)]
    enum Edit {
        Insert(u32, String),
        Delete(u32, u32),
    }

    fn edit() -> impl Strategy<Value = Edit> {
        prop_oneof![
            (0u32..40, "[a-zé🎒 ]{1,4}").prop_map(|(i, s)| Edit::Insert(i, s)),
            (0u32..40, 1u32..5).prop_map(|(i, n)| Edit::Delete(i, n)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// 2 to 5 replicas edit concurrently; each then receives every update in its own order,
        /// with duplicates. All converge to one text.
        #[test]
        fn concurrent_edits_converge_in_any_order_with_duplicates(
            edits in proptest::collection::vec(proptest::collection::vec(edit(), 1..8), 2..=5),
            orders in proptest::collection::vec(proptest::collection::vec(any::<prop::sample::Index>(), 0..60), 5),
        ) {
            let mut replicas: Vec<PadDoc> = (0..edits.len()).map(|i| PadDoc::new(i as u64 + 1)).collect();
            let mut updates = Vec::new();
            for (pad, list) in replicas.iter_mut().zip(&edits) {
                for e in list {
                    updates.push(match e {
                        Edit::Insert(i, s) => pad.insert(*i, s),
                        Edit::Delete(i, n) => pad.delete(*i, *n),
                    });
                }
            }
            for (pad, order) in replicas.iter_mut().zip(&orders) {
                // Random picks (duplicates included), then everything, in reverse, so each
                // replica ends with all updates whatever the order.
                for pick in order {
                    prop_assert!(pad.apply_update(&updates[pick.index(updates.len())]).is_ok());
                }
                for u in updates.iter().rev() {
                    prop_assert!(pad.apply_update(u).is_ok());
                }
            }
            let reference = PadDoc::from_updates(99, &[merge_updates(&updates).map_err(|e| TestCaseError::fail(e.to_string()))?])
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            for pad in &replicas {
                prop_assert_eq!(pad.text(), reference.text());
            }
        }
    }
}
