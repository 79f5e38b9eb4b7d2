//! Awareness updates (carets, selections, names) as y-protocols writes them, read and merged
//! so that the server can send a pad's awareness of one tick as ONE frame per recipient
//! instead of relaying each message to everyone (with N people typing, N² frames).
//!
//! ```text
//! awareness update   varUint(count) then count × { varUint(clientID) varUint(clock) varString(state JSON) }
//! ```
//! The state is JSON text, `null` when the client left. Of two entries for one client, the one
//! with the higher clock wins; at equal clocks a `null` wins (y-protocols'
//! `applyAwarenessUpdate`), so merging keeps exactly what a Yjs peer would keep, and a peer
//! that receives an entry it already has (its own, echoed) ignores it.

use super::wire::{Reader, write_bytes, write_var};
use super::{MAX_CLIENT_ID, PadError};
use std::collections::BTreeMap;

/// Most entries in one awareness update (one per participant: a Yjs client may send the
/// states it knows of the others too).
pub const MAX_AWARENESS_ENTRIES: usize = 512;

/// Most awareness client ids one connection may speak for. A Yjs editor uses one per document
/// (a new one after a reconnection, which is a new connection); a few more leave room for a
/// client that opens the document twice in one page. Entries for more ids, or for ids another
/// connection holds, are dropped by the pad task.
pub const MAX_IDS_PER_CONNECTION: usize = 8;

/// One client's awareness state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwarenessEntry {
    pub client: u64,
    pub clock: u64,
    /// JSON text; `null` when the client left.
    pub state: String,
}

impl AwarenessEntry {
    fn removed(&self) -> bool {
        self.state == "null"
    }

    /// Whether this entry replaces `other` for the same client (y-protocols' rule).
    fn supersedes(&self, other: &AwarenessEntry) -> bool {
        self.clock > other.clock || (self.clock == other.clock && self.removed() && !other.removed())
    }
}

/// Reads an awareness update. Truncated input, trailing bytes, more than
/// [`MAX_AWARENESS_ENTRIES`] entries, ids or clocks beyond 2^53 (not JavaScript integers) and
/// states that are not UTF-8 are refused. The size limit is the message's
/// (`wire::MAX_AWARENESS_BYTES`, checked when the frame is decoded).
pub fn decode(update: &[u8]) -> Result<Vec<AwarenessEntry>, PadError> {
    let mut r = Reader { bytes: update };
    let count = usize::try_from(r.var()?).map_err(|_| PadError::BadMessage)?;
    if count > MAX_AWARENESS_ENTRIES {
        return Err(PadError::BadMessage);
    }
    let mut entries = Vec::with_capacity(count);
    for _ in 0..count {
        let client = r.var()?;
        let clock = r.var()?;
        if client > MAX_CLIENT_ID || clock > MAX_CLIENT_ID {
            return Err(PadError::BadMessage);
        }
        let state = std::str::from_utf8(r.bytes()?).map_err(|_| PadError::BadMessage)?.to_string();
        entries.push(AwarenessEntry { client, clock, state });
    }
    r.end()?;
    Ok(entries)
}

fn encoded_len(e: &AwarenessEntry) -> usize {
    let var = |n: u64| (64 - n.max(1).leading_zeros() as usize).div_ceil(7);
    var(e.client) + var(e.clock) + var(e.state.len() as u64) + e.state.len()
}

/// Writes entries as one awareness update.
pub fn encode(entries: &[AwarenessEntry]) -> Vec<u8> {
    let mut out = Vec::with_capacity(3 + entries.iter().map(encoded_len).sum::<usize>());
    write_var(&mut out, entries.len() as u64);
    for e in entries {
        write_var(&mut out, e.client);
        write_var(&mut out, e.clock);
        write_bytes(&mut out, e.state.as_bytes());
    }
    out
}

/// Writes entries as as few awareness updates as fit in `max_bytes` each (and
/// [`MAX_AWARENESS_ENTRIES`] entries), so that every one passes a receiver's limits. An
/// entry alone larger than `max_bytes` (it cannot come from a message within the limit) is
/// dropped.
pub fn encode_chunks(entries: &[AwarenessEntry], max_bytes: usize) -> Vec<Vec<u8>> {
    // The count takes at most 2 bytes for up to MAX_AWARENESS_ENTRIES.
    const COUNT: usize = 2;
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut size = COUNT;
    for (i, e) in entries.iter().enumerate() {
        let len = encoded_len(e);
        if i > start && (size + len > max_bytes || i - start >= MAX_AWARENESS_ENTRIES) {
            chunks.push(encode(&entries[start..i]));
            start = i;
            size = COUNT;
        }
        if COUNT + len > max_bytes {
            start = i + 1;
            continue;
        }
        size += len;
    }
    if start < entries.len() {
        chunks.push(encode(&entries[start..]));
    }
    chunks
}

/// The awareness entries of one tick, the latest per client.
#[derive(Debug, Default)]
pub struct AwarenessMerge {
    latest: BTreeMap<u64, AwarenessEntry>,
}

impl AwarenessMerge {
    /// Keeps each entry that supersedes what is held for its client.
    pub fn add(&mut self, entries: Vec<AwarenessEntry>) {
        for e in entries {
            match self.latest.get(&e.client) {
                Some(held) if !e.supersedes(held) => {}
                _ => {
                    self.latest.insert(e.client, e);
                }
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.latest.is_empty()
    }

    /// The entries held, by client id, and empties the merge.
    pub fn take(&mut self) -> Vec<AwarenessEntry> {
        std::mem::take(&mut self.latest).into_values().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pad::wire::MAX_AWARENESS_BYTES;
    use proptest::prelude::*;

    fn entry(client: u64, clock: u64, state: &str) -> AwarenessEntry {
        AwarenessEntry { client, clock, state: state.into() }
    }

    #[test]
    fn an_update_is_what_y_protocols_writes() {
        // encodeAwarenessUpdate: [count, clientID, clock, len, ...json]
        let e = entry(300, 2, r#"{"a":1}"#);
        let bytes = encode(std::slice::from_ref(&e));
        assert_eq!(&bytes[..5], &[1, 0xac, 0x02, 2, 7]);
        assert_eq!(decode(&bytes), Ok(vec![e]));
    }

    #[test]
    fn malformed_updates_are_refused() {
        let mut too_many = vec![];
        write_var(&mut too_many, MAX_AWARENESS_ENTRIES as u64 + 1);
        let mut big_id = vec![1];
        write_var(&mut big_id, MAX_CLIENT_ID + 1);
        big_id.extend_from_slice(&[0, 0]);
        for bad in [
            vec![],
            vec![1],
            vec![1, 5, 1],
            vec![1, 5, 1, 3, b'{', b'}'],
            vec![1, 5, 1, 2, 0xff, 0xfe],
            vec![0, 9],
            too_many,
            big_id,
        ] {
            assert_eq!(decode(&bad), Err(PadError::BadMessage), "{bad:?}");
        }
        assert_eq!(decode(&[0]), Ok(vec![]));
    }

    #[test]
    fn the_merge_keeps_the_latest_state_of_each_client_and_a_removal_at_equal_clock() {
        let mut m = AwarenessMerge::default();
        m.add(vec![entry(1, 3, "\"c\""), entry(2, 1, "\"x\"")]);
        m.add(vec![entry(1, 2, "\"old\""), entry(2, 1, "null")]);
        m.add(vec![entry(1, 4, "\"d\""), entry(2, 1, "\"back\"")]);
        assert_eq!(m.take(), vec![entry(1, 4, "\"d\""), entry(2, 1, "null")]);
        assert!(m.is_empty());
    }

    #[test]
    fn chunks_stay_within_the_limit_and_hold_every_entry() -> Result<(), PadError> {
        let state = format!("\"{}\"", "x".repeat(100));
        let entries: Vec<AwarenessEntry> = (1..=600).map(|c| entry(c, 1, &state)).collect();
        let chunks = encode_chunks(&entries, MAX_AWARENESS_BYTES);
        assert!(chunks.len() > 1);
        assert!(chunks.iter().all(|c| c.len() <= MAX_AWARENESS_BYTES));
        let mut back: Vec<AwarenessEntry> = Vec::new();
        for c in &chunks {
            back.extend(decode(c)?);
        }
        assert_eq!(back, entries);
        // An entry that could not come from a message within the limit is dropped, not sent.
        let huge = entry(7, 1, &"y".repeat(MAX_AWARENESS_BYTES));
        let chunks = encode_chunks(&[entry(1, 1, "1"), huge, entry(2, 1, "2")], MAX_AWARENESS_BYTES);
        let mut back: Vec<u64> = Vec::new();
        for c in &chunks {
            back.extend(decode(c)?.into_iter().map(|e| e.client));
        }
        assert_eq!(back, vec![1, 2]);
        Ok(())
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode(&bytes);
        }

        #[test]
        fn entries_read_back_as_written(raw in proptest::collection::vec((0..MAX_CLIENT_ID, 0..1000u64, "[a-z\"{}:é]{0,20}"), 0..20)) {
            let entries: Vec<AwarenessEntry> = raw.into_iter().map(|(c, k, s)| entry(c, k, &s)).collect();
            prop_assert_eq!(decode(&encode(&entries)), Ok(entries));
        }
    }
}
