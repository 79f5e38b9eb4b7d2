//! Who is in a pad and where their caret is: the awareness states of y-protocols, as Préau
//! writes them, and the colour each person gets.
//!
//! An awareness update is `varUint(count)` then, per entry, `varUint(clientID)
//! varUint(clock) varString(JSON state)`, the state being `null` when the client left. A
//! Préau state is `{"user":{"name":…,"color":…},"cursor":{"anchor":…,"head":…}}` with UTF-16
//! positions in the text (Yjs editors use the same `user` field, so names show in any peer).
//!
//! The server stamps every state a connection sends with that connection's real name and
//! colour ([`stamp`]): a student cannot appear under a teacher's name.

use super::PadError;
use super::wire::MAX_AWARENESS_BYTES;
use crate::UserId;
use serde::{Deserialize, Serialize};

/// Most entries read from one awareness update (a browser sends one: its own).
pub const MAX_ENTRIES: usize = 64;
/// Longest name carried in a state, in characters.
pub const MAX_NAME_CHARS: usize = 80;

/// The colour of a person in the live editor: their authorship colour
/// ([`super::authors::colour_of`]), the same in every pad and on every device.
pub fn colour_for(user: UserId) -> &'static str {
    super::authors::colour_of(user).hex
}

/// The person behind an awareness state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub name: String,
    #[serde(rename = "color")]
    pub colour: String,
}

/// A selection in the text: `anchor` where it started, `head` where the caret is (equal for a
/// bare caret), in UTF-16 units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub anchor: u32,
    pub head: u32,
}

/// What one participant shows the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub user: Person,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<Cursor>,
}

/// One entry of an awareness update: a client's state at its clock, `None` once it left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub client: u64,
    pub clock: u64,
    pub state: Option<State>,
}

fn write_var(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn read_var(bytes: &mut &[u8]) -> Result<u64, PadError> {
    let mut n: u64 = 0;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = bytes.split_first().ok_or(PadError::BadMessage)?;
        *bytes = rest;
        n |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Ok(n);
        }
    }
    Err(PadError::BadMessage)
}

/// Writes an awareness update.
pub fn encode(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    write_var(&mut out, entries.len() as u64);
    for e in entries {
        write_var(&mut out, e.client);
        write_var(&mut out, e.clock);
        let json = match &e.state {
            Some(state) => serde_json::to_string(state).unwrap_or_else(|_| "null".into()),
            None => "null".into(),
        };
        write_var(&mut out, json.len() as u64);
        out.extend_from_slice(json.as_bytes());
    }
    out
}

/// Reads an awareness update. A state that is not Préau's shape (another Yjs editor's fields)
/// reads as a person without a cursor when it has a `user`, and is refused otherwise; too
/// many entries, truncated or trailing bytes are refused.
pub fn decode(update: &[u8]) -> Result<Vec<Entry>, PadError> {
    if update.len() > MAX_AWARENESS_BYTES {
        return Err(PadError::TooLarge);
    }
    let mut bytes = update;
    let count = usize::try_from(read_var(&mut bytes)?).map_err(|_| PadError::BadMessage)?;
    if count > MAX_ENTRIES {
        return Err(PadError::BadMessage);
    }
    let mut entries = Vec::with_capacity(count);
    for _ in 0..count {
        let client = read_var(&mut bytes)?;
        let clock = read_var(&mut bytes)?;
        let len = usize::try_from(read_var(&mut bytes)?).map_err(|_| PadError::BadMessage)?;
        if len > bytes.len() {
            return Err(PadError::BadMessage);
        }
        let (json, rest) = bytes.split_at(len);
        bytes = rest;
        let state = if json == b"null" {
            None
        } else {
            Some(serde_json::from_slice::<State>(json).map_err(|_| PadError::BadMessage)?)
        };
        entries.push(Entry { client, clock, state });
    }
    if !bytes.is_empty() {
        return Err(PadError::BadMessage);
    }
    Ok(entries)
}

/// The update re-written with `person` as the user of every state: what the server relays,
/// whatever name the sender put in.
pub fn stamp(update: &[u8], person: &Person) -> Result<Vec<u8>, PadError> {
    let mut entries = decode(update)?;
    let name: String = person.name.chars().take(MAX_NAME_CHARS).collect();
    for e in &mut entries {
        if let Some(state) = &mut e.state {
            state.user = Person { name: name.clone(), colour: person.colour.clone() };
        }
    }
    Ok(encode(&entries))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> Person {
        Person { name: "Alice Martin".into(), colour: colour_for(UserId(42)).into() }
    }

    #[test]
    fn an_update_reads_back_as_written() -> Result<(), PadError> {
        let entries = vec![
            Entry { client: 9_007_199_254_740_991, clock: 3, state: Some(State { user: alice(), cursor: None }) },
            Entry { client: 12, clock: 300, state: None },
            Entry {
                client: 5,
                clock: 1,
                state: Some(State { user: alice(), cursor: Some(Cursor { anchor: 2, head: 7 }) }),
            },
        ];
        assert_eq!(decode(&encode(&entries))?, entries);
        Ok(())
    }

    #[test]
    fn a_yjs_editor_state_with_a_user_reads_without_cursor() -> Result<(), PadError> {
        let json = br##"{"user":{"name":"Bob","color":"#30bced","colorLight":"#30bced33"},"cursor":null}"##;
        let mut update = vec![1, 7, 1, json.len() as u8];
        update.extend_from_slice(json);
        let entries = decode(&update)?;
        assert_eq!(entries[0].state.as_ref().map(|s| s.user.name.as_str()), Some("Bob"));
        assert_eq!(entries[0].state.as_ref().and_then(|s| s.cursor), None);
        Ok(())
    }

    #[test]
    fn malformed_oversize_and_crowded_updates_are_refused() {
        assert_eq!(decode(&[]), Err(PadError::BadMessage));
        assert_eq!(decode(&[1, 7, 1, 10, b'{']), Err(PadError::BadMessage));
        assert_eq!(decode(&[1, 7, 1, 2, b'{', b'}']), Err(PadError::BadMessage), "a state without user");
        assert_eq!(decode(&[0, 0]), Err(PadError::BadMessage), "trailing bytes");
        assert_eq!(decode(&[65]), Err(PadError::BadMessage), "more than 64 entries");
        assert_eq!(decode(&vec![0; MAX_AWARENESS_BYTES + 1]), Err(PadError::TooLarge));
    }

    #[test]
    fn the_server_stamps_the_real_name_over_the_claimed_one() -> Result<(), PadError> {
        let claimed = Person { name: "Mme la Principale".into(), colour: "#000000".into() };
        let sent = encode(&[Entry {
            client: 4,
            clock: 2,
            state: Some(State { user: claimed, cursor: Some(Cursor { anchor: 1, head: 1 }) }),
        }]);
        let relayed = decode(&stamp(&sent, &alice())?)?;
        let state = relayed[0].state.as_ref().ok_or(PadError::BadMessage)?;
        assert_eq!(state.user, alice());
        assert_eq!(state.cursor, Some(Cursor { anchor: 1, head: 1 }));
        Ok(())
    }
}
