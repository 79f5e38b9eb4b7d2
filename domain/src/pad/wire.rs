//! The messages of a pad's WebSocket, one per binary frame: the Yjs sync and awareness
//! messages of y-protocols (so any Yjs peer can join), plus two of Préau's own so a browser
//! knows which of its updates are stored for good.
//!
//! ```text
//! sync step 1   varUint(0) varUint(0) varByteArray(state vector)
//! sync step 2   varUint(0) varUint(1) varByteArray(update)
//! update        varUint(0) varUint(2) varByteArray(update)
//! awareness     varUint(1) varByteArray(awareness update)
//! tracked       varUint(101) varUint(seq) varByteArray(update)   Préau: an update to acknowledge
//! ack           varUint(100) varUint(seq)                        Préau: stored durably
//! ```
//! y-protocols uses 0 (sync), 1 (awareness), 2 (auth) and 3 (query awareness); Préau's numbers
//! stay clear of them. A plain Yjs update is accepted too, without acknowledgement.

use super::PadError;

/// Largest frame accepted, in bytes.
pub const MAX_FRAME_BYTES: usize = 1024 * 1024;
/// Largest awareness update (a caret, a selection, a name and a colour), in bytes.
pub const MAX_AWARENESS_BYTES: usize = 16 * 1024;

const SYNC: u64 = 0;
const AWARENESS: u64 = 1;
const STEP1: u64 = 0;
const STEP2: u64 = 1;
const UPDATE: u64 = 2;
const ACK: u64 = 100;
const TRACKED: u64 = 101;

/// One message of a pad's WebSocket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    SyncStep1(Vec<u8>),
    SyncStep2(Vec<u8>),
    Update(Vec<u8>),
    Awareness(Vec<u8>),
    /// An update the sender wants acknowledged with `seq` once it is stored.
    Tracked {
        seq: u64,
        update: Vec<u8>,
    },
    /// The update sent with `seq` (and every one before it) is stored.
    Ack {
        seq: u64,
    },
}

pub(crate) fn write_var(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

pub(crate) fn write_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    write_var(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

pub(crate) struct Reader<'a> {
    pub(crate) bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn var(&mut self) -> Result<u64, PadError> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let (&b, rest) = self.bytes.split_first().ok_or(PadError::BadMessage)?;
            self.bytes = rest;
            n |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(n);
            }
        }
        Err(PadError::BadMessage)
    }

    pub(crate) fn bytes(&mut self) -> Result<&'a [u8], PadError> {
        let len = usize::try_from(self.var()?).map_err(|_| PadError::BadMessage)?;
        if len > self.bytes.len() {
            return Err(PadError::BadMessage);
        }
        let (head, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        Ok(head)
    }

    pub(crate) fn end(self) -> Result<(), PadError> {
        if self.bytes.is_empty() { Ok(()) } else { Err(PadError::BadMessage) }
    }
}

impl Message {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            Message::SyncStep1(sv) => {
                write_var(&mut out, SYNC);
                write_var(&mut out, STEP1);
                write_bytes(&mut out, sv);
            }
            Message::SyncStep2(u) | Message::Update(u) => {
                write_var(&mut out, SYNC);
                write_var(&mut out, if matches!(self, Message::SyncStep2(_)) { STEP2 } else { UPDATE });
                write_bytes(&mut out, u);
            }
            Message::Awareness(a) => {
                write_var(&mut out, AWARENESS);
                write_bytes(&mut out, a);
            }
            Message::Tracked { seq, update } => {
                write_var(&mut out, TRACKED);
                write_var(&mut out, *seq);
                write_bytes(&mut out, update);
            }
            Message::Ack { seq } => {
                write_var(&mut out, ACK);
                write_var(&mut out, *seq);
            }
        }
        out
    }

    /// Reads one frame. Oversize frames, unknown types, truncated or trailing bytes are refused
    /// (the payload of an update is checked by [`super::PadDoc::apply_update`]).
    pub fn decode(frame: &[u8]) -> Result<Message, PadError> {
        if frame.len() > MAX_FRAME_BYTES {
            return Err(PadError::TooLarge);
        }
        let mut r = Reader { bytes: frame };
        let message = match r.var()? {
            SYNC => match r.var()? {
                STEP1 => Message::SyncStep1(r.bytes()?.to_vec()),
                STEP2 => Message::SyncStep2(r.bytes()?.to_vec()),
                UPDATE => Message::Update(r.bytes()?.to_vec()),
                _ => return Err(PadError::BadMessage),
            },
            AWARENESS => {
                let a = r.bytes()?;
                if a.len() > MAX_AWARENESS_BYTES {
                    return Err(PadError::TooLarge);
                }
                Message::Awareness(a.to_vec())
            }
            TRACKED => {
                let seq = r.var()?;
                Message::Tracked { seq, update: r.bytes()?.to_vec() }
            }
            ACK => Message::Ack { seq: r.var()? },
            _ => return Err(PadError::BadMessage),
        };
        r.end()?;
        Ok(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_sync_step_1_is_what_yjs_writes() {
        // y-protocols: [messageSync, messageYjsSyncStep1, length, ...state vector]
        assert_eq!(Message::SyncStep1(vec![0]).encode(), vec![0, 0, 1, 0]);
        assert_eq!(Message::Ack { seq: 300 }.encode(), vec![100, 0xac, 0x02]);
    }

    #[test]
    fn truncated_unknown_and_trailing_frames_are_refused() {
        for bad in [vec![], vec![0], vec![0, 0, 5, 1], vec![7, 0], vec![0, 9, 0], vec![100, 1, 0], vec![0x80]] {
            assert_eq!(Message::decode(&bad), Err(PadError::BadMessage), "{bad:?}");
        }
        let overlong = vec![0xff; 11];
        assert_eq!(Message::decode(&overlong), Err(PadError::BadMessage));
    }

    #[test]
    fn frame_and_awareness_limits_hold_at_their_edge() {
        let frame_at = |size: usize| {
            // Header: type, subtype, and a 3-byte length for payloads up to 2 MiB.
            let payload = vec![0u8; size - 5];
            Message::Update(payload).encode()
        };
        assert_eq!(frame_at(MAX_FRAME_BYTES).len(), MAX_FRAME_BYTES);
        assert!(Message::decode(&frame_at(MAX_FRAME_BYTES)).is_ok());
        assert_eq!(Message::decode(&frame_at(MAX_FRAME_BYTES + 1)), Err(PadError::TooLarge));
        let awareness = |n: usize| Message::Awareness(vec![1; n]).encode();
        assert!(Message::decode(&awareness(MAX_AWARENESS_BYTES)).is_ok());
        assert_eq!(Message::decode(&awareness(MAX_AWARENESS_BYTES + 1)), Err(PadError::TooLarge));
    }

    fn message() -> impl Strategy<Value = Message> {
        let bytes = || proptest::collection::vec(any::<u8>(), 0..64);
        prop_oneof![
            bytes().prop_map(Message::SyncStep1),
            bytes().prop_map(Message::SyncStep2),
            bytes().prop_map(Message::Update),
            bytes().prop_map(Message::Awareness),
            (any::<u64>(), bytes()).prop_map(|(seq, update)| Message::Tracked { seq, update }),
            any::<u64>().prop_map(|seq| Message::Ack { seq }),
        ]
    }

    proptest! {
        #[test]
        fn every_message_reads_back_as_written(m in message()) {
            prop_assert_eq!(Message::decode(&m.encode()), Ok(m));
        }

        #[test]
        fn arbitrary_bytes_never_panic(frame in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = Message::decode(&frame);
        }
    }
}
