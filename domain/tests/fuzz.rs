//! Hostile input: arbitrary bytes and text, and arbitrary but valid pad updates in any order,
//! fed to every parser of what comes from outside (GIFT files, both CSV importers, pad import
//! and its Markdown, the pad's wire frames, awareness and presence, `PadDoc::apply_update`).
//! Nothing may panic; what a parser accepts must respect its documented limits; pad updates
//! converge whatever their order.
//!
//! `cargo test` runs each target for `PREAU_FUZZ_CASES` cases (default 256, a few seconds in
//! all); `scripts/fuzz.sh` runs them long in release (docs/benchmarks.md, "Hostile input").

use domain::UserId;
use domain::grade_csv::{RosterEntry, parse_evaluation_import};
use domain::grades::Scale;
use domain::import::{ImportKind, decode_spreadsheet_text, parse_import};
use domain::pad::{PadDoc, awareness, markdown, presence, wire};
use domain::quiz::gift::{GIFT_MAX_QUESTIONS, parse_gift};
use proptest::prelude::*;
use proptest::test_runner::Config;

/// Cases per target: `PREAU_FUZZ_CASES`, or 256. yrs panics on some malformed updates (caught
/// by `PadDoc`, by design): the default hook would print each one, with a backtrace under
/// `RUST_BACKTRACE`, which is most of the run's time. Silenced: a panic that escapes still
/// fails its case, and proptest reports its message.
fn config() -> Config {
    std::panic::set_hook(Box::new(|_| {}));
    let cases = std::env::var("PREAU_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256);
    Config { cases, failure_persistence: None, ..Config::default() }
}

/// Text made mostly of the characters that mean something to the parser, so that the cases
/// reach past the first check.
fn text_of(alphabet: &'static str, max_len: usize) -> impl Strategy<Value = String> {
    let chars: Vec<char> = alphabet.chars().collect();
    prop_oneof![
        4 => proptest::collection::vec(proptest::sample::select(chars), 0..max_len)
            .prop_map(|c| c.into_iter().collect::<String>()),
        1 => any::<String>(),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn gift_files(text in text_of("::{}=~#%-> \n\t\\:abcÉé1.5TF[]/MC", 400)) {
        if let Ok(questions) = parse_gift(&text) {
            prop_assert!(questions.len() <= GIFT_MAX_QUESTIONS);
        }
    }

    #[test]
    fn people_imports(bytes in proptest::collection::vec(any::<u8>(), 0..600), kind in 0..3u8) {
        let kind = [ImportKind::Students, ImportKind::Guardians, ImportKind::Teachers][kind as usize];
        let text = decode_spreadsheet_text(&bytes);
        let _ = parse_import(kind, &text);
    }

    #[test]
    fn people_imports_as_typed(text in text_of("nom;prenom;classe;identifiant;matiere\"\n\r,\t ÉlèveA3b-'", 600), kind in 0..3u8) {
        let kind = [ImportKind::Students, ImportKind::Guardians, ImportKind::Teachers][kind as usize];
        let _ = parse_import(kind, &text);
    }

    #[test]
    fn grade_imports(text in text_of("Nom;Prénom;Note\t,\"\n\r 0123456789.,abs ELMartinDupont", 600), scale in 1u32..=100) {
        let roster = [
            RosterEntry { id: UserId(1), last_name: "Martin", first_name: "Léa" },
            RosterEntry { id: UserId(2), last_name: "Dupont", first_name: "Noé" },
        ];
        let scale = Scale::new(scale).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        if let Ok(marks) = parse_evaluation_import(&text, &roster, scale) {
            prop_assert!(marks.iter().all(|(id, _)| *id == UserId(1) || *id == UserId(2)));
        }
    }

    #[test]
    fn pad_import_and_markdown(text in text_of("#*_`>-1. \n[]()!~\\éœ🙂", 500)) {
        let mut doc = PadDoc::new(1);
        let _ = doc.replace_text(&text);
        prop_assert_eq!(doc.text(), text.clone());
        let _ = markdown::parse(&text);
    }

    #[test]
    fn wire_awareness_and_presence_frames(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = wire::Message::decode(&bytes);
        let _ = awareness::decode(&bytes);
        let _ = presence::decode(&bytes);
    }

    #[test]
    fn arbitrary_bytes_as_a_pad_update(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut doc = PadDoc::new(1);
        doc.insert(0, "Bonjour la classe");
        let before = doc.text();
        let _ = doc.diff_since(&bytes);
        if doc.apply_update(&bytes).is_err() {
            prop_assert_eq!(doc.text(), before, "a refused update changes nothing");
        }
    }

    #[test]
    fn valid_updates_in_any_order_converge(
        edits in proptest::collection::vec((0..3usize, any::<bool>(), 0..40u32, "[a-zé ]{1,6}"), 1..25),
        keys in proptest::collection::vec(any::<u8>(), 25),
    ) {
        // Three writers edit in turn, each seeing what the others sent; every update is kept.
        let mut writers: Vec<PadDoc> = (1..=3).map(PadDoc::new).collect();
        let mut updates = Vec::new();
        let mut authors = Vec::new();
        for (who, insert, at, chunk) in edits {
            let update = if insert || writers[who].len_utf16() == 0 {
                writers[who].insert(at, &chunk)
            } else {
                let len = writers[who].len_utf16();
                let at = at % len;
                writers[who].delete(at, (len - at).min(3))
            };
            for (other, doc) in writers.iter_mut().enumerate() {
                if other != who {
                    doc.apply_update(&update).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
                }
            }
            updates.push(update);
            authors.push(who);
        }
        // A server receiving them interleaved otherwise ends with the writers' text. Each
        // writer's own updates keep their order (they travel on one connection, in order),
        // but those of different writers arrive in any order, a dependency on another
        // writer's update included (pads spread over several servers).
        let mut order: Vec<usize> = (0..updates.len()).collect();
        order.sort_by_key(|i| keys[*i]);
        let mut next_of: Vec<std::collections::VecDeque<usize>> = vec![Default::default(); 3];
        for (i, who) in authors.iter().enumerate() {
            next_of[*who].push_back(i);
        }
        let shuffled: Vec<&Vec<u8>> = order
            .iter()
            .filter_map(|i| next_of[authors[*i]].pop_front())
            .map(|i| &updates[i])
            .collect();
        prop_assert_eq!(shuffled.len(), updates.len());
        let mut server = PadDoc::new(99);
        for update in shuffled {
            server.apply_update(update).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        }
        prop_assert_eq!(server.text(), writers[0].text());
        prop_assert_eq!(writers[1].text(), writers[0].text());
    }
}
