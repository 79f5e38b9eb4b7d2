//! Who wrote what in a pad (Etherpad's authorship colours): the text as runs of the Yjs
//! client that inserted each character, and one colour per person.
//!
//! Yjs knows clients, not people: the server records which person uses which client id
//! (`pad_authors`), and refuses a client id that someone else already used in the pad, so a
//! client id names one person. [`runs`] gives the client of each run of text; the page turns
//! clients into names with that table. [`colour_of`] gives each person a colour of
//! [`PALETTE`], the same on every page and in the live editor (carets, presence list).

use crate::UserId;
use yrs::types::text::{Diff, YChange};
use yrs::updates::decoder::Decode;
use yrs::{Doc, GetString, Out, ReadTxn, Snapshot, Text, Transact, Update};

/// A run of text inserted by one Yjs client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorRun {
    /// The Yjs client id of its insertions.
    pub client: u64,
    pub text: String,
}

/// The visible text of an encoded pad state (`PadDoc::full_state`) as runs of the client that
/// inserted it, in order, adjacent runs of one client merged. Deleted text is not in it. The
/// state is applied to a throwaway document: reading the runs splits its items, which must
/// not touch a live one. An unreadable state gives no runs.
pub fn runs(state: &[u8]) -> Vec<AuthorRun> {
    let doc = Doc::new();
    let text = doc.get_or_insert_text("content");
    let Ok(update) = Update::decode_v1(state) else { return Vec::new() };
    let mut txn = doc.transact_mut();
    if txn.apply_update(update).is_err() {
        return Vec::new();
    }
    let now = txn.snapshot();
    let chunks: Vec<Diff<YChange>> =
        text.diff_range(&mut txn, Some(&now), Some(&Snapshot::default()), YChange::identity);
    let mut out: Vec<AuthorRun> = Vec::new();
    for chunk in chunks {
        let (Out::Any(yrs::Any::String(s)), Some(change)) = (&chunk.insert, &chunk.ychange) else { continue };
        let client = change.id.client.get();
        match out.last_mut() {
            Some(last) if last.client == client => last.text.push_str(s),
            _ => out.push(AuthorRun { client, text: s.to_string() }),
        }
    }
    debug_assert_eq!(out.iter().map(|r| r.text.as_str()).collect::<String>(), text.get_string(&txn));
    out
}

/// A colour of the authorship palette: its French name (for the legend's screen-reader
/// text, not shown alone) and its hex value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthorColour {
    pub name: &'static str,
    pub hex: &'static str,
}

/// Twelve pastel backgrounds, each with a contrast of at least 7:1 (WCAG AAA) behind the
/// pages' dark text ([`TEXT_COLOUR`]), and told apart by their hue. The stylesheet has one
/// class per entry, `pad-author-0` to `pad-author-11` (the pages' Content-Security-Policy
/// refuses inline styles), with the same values (checked by a test in `app`).
pub const PALETTE: [AuthorColour; 12] = [
    AuthorColour { name: "rose", hex: "#ffd6d6" },
    AuthorColour { name: "abricot", hex: "#ffe2c2" },
    AuthorColour { name: "jaune", hex: "#fff2a8" },
    AuthorColour { name: "anis", hex: "#e2f5b5" },
    AuthorColour { name: "menthe", hex: "#c6efd0" },
    AuthorColour { name: "lagon", hex: "#bfece6" },
    AuthorColour { name: "ciel", hex: "#cfe6ff" },
    AuthorColour { name: "pervenche", hex: "#dadcff" },
    AuthorColour { name: "lavande", hex: "#eadaff" },
    AuthorColour { name: "orchidée", hex: "#f8d5f1" },
    AuthorColour { name: "sable", hex: "#eee3c9" },
    AuthorColour { name: "ardoise", hex: "#dfe4ea" },
];

/// The pages' text colour (`--ink` in the stylesheet).
pub const TEXT_COLOUR: &str = "#1b1f24";

/// The palette index of a person: derived from the user id alone (a 64-bit mix, so that
/// consecutive ids spread over the palette), the same for everyone and on every page.
pub fn colour_index(user: UserId) -> usize {
    // splitmix64's finaliser.
    let mut z = (user.0 as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z % PALETTE.len() as u64) as usize
}

/// A person's colour ([`colour_index`] in [`PALETTE`]).
pub fn colour_of(user: UserId) -> AuthorColour {
    PALETTE[colour_index(user)]
}

/// The CSS class of a person's colour ("pad-author-3").
pub fn colour_class(user: UserId) -> String {
    format!("pad-author-{}", colour_index(user))
}

/// WCAG 2 contrast ratio between two `#rrggbb` colours (1 to 21); `None` if unreadable.
pub fn contrast_ratio(a: &str, b: &str) -> Option<f64> {
    fn luminance(hex: &str) -> Option<f64> {
        let hex = hex.strip_prefix('#')?;
        if hex.len() != 6 {
            return None;
        }
        let channel = |i: usize| -> Option<f64> {
            let c = f64::from(u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()?) / 255.0;
            Some(if c <= 0.03928 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) })
        };
        Some(0.2126 * channel(0)? + 0.7152 * channel(2)? + 0.0722 * channel(4)?)
    }
    let (la, lb) = (luminance(a)?, luminance(b)?);
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    Some((hi + 0.05) / (lo + 0.05))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pad::{PadDoc, merge_updates};

    fn runs_of(pad: &PadDoc) -> Vec<(u64, String)> {
        runs(&pad.full_state()).into_iter().map(|r| (r.client, r.text)).collect()
    }

    #[test]
    fn two_authors_interleaved_give_their_runs_in_text_order() -> Result<(), crate::pad::PadError> {
        let mut a = PadDoc::new(11);
        let mut b = PadDoc::new(22);
        let u1 = a.insert(0, "Bonjour ");
        b.apply_update(&u1)?;
        let u2 = b.insert(8, "la classe");
        a.apply_update(&u2)?;
        let u3 = a.insert(17, " !");
        b.apply_update(&u3)?;
        assert_eq!(runs_of(&a), vec![(11, "Bonjour ".into()), (22, "la classe".into()), (11, " !".into())]);
        assert_eq!(runs_of(&a), runs_of(&b));
        Ok(())
    }

    #[test]
    fn deleted_text_is_left_out_and_an_author_typing_twice_is_one_run() -> Result<(), crate::pad::PadError> {
        let mut a = PadDoc::new(11);
        let mut b = PadDoc::new(22);
        let first = a.insert(0, "abc");
        let second = a.insert(3, "déf");
        b.apply_update(&merge_updates(&[first, second])?)?;
        // "abc" and "déf" are two insertions of client 11, side by side: one run.
        assert_eq!(runs_of(&b), vec![(11, "abcdéf".into())]);
        let cut = b.delete(2, 2);
        a.apply_update(&cut)?;
        let mid = b.insert(2, "🎒");
        a.apply_update(&mid)?;
        assert_eq!(a.text(), "ab🎒éf");
        assert_eq!(runs_of(&a), vec![(11, "ab".into()), (22, "🎒".into()), (11, "éf".into())]);
        // Deleting what b wrote merges a's two runs back into one.
        let gone = a.delete(2, 2);
        b.apply_update(&gone)?;
        assert_eq!(runs_of(&b), vec![(11, "abéf".into())]);
        Ok(())
    }

    #[test]
    fn an_empty_or_unreadable_state_has_no_runs() {
        assert_eq!(runs(&PadDoc::new(1).full_state()), vec![]);
        assert_eq!(runs(&[0xff, 0xff]), vec![]);
    }

    #[test]
    fn every_palette_colour_keeps_dark_text_readable_and_the_colours_differ() {
        for c in PALETTE {
            let ratio = contrast_ratio(c.hex, TEXT_COLOUR).unwrap_or(0.0);
            assert!(ratio >= 7.0, "{} {}: {ratio:.2}", c.name, c.hex);
        }
        let mut hexes: Vec<&str> = PALETTE.iter().map(|c| c.hex).collect();
        hexes.sort_unstable();
        hexes.dedup();
        assert_eq!(hexes.len(), PALETTE.len());
    }

    #[test]
    fn a_person_always_gets_the_same_colour_and_people_spread_over_the_palette() {
        assert_eq!(colour_index(UserId(42)), colour_index(UserId(42)));
        assert_eq!(colour_class(UserId(42)), format!("pad-author-{}", colour_index(UserId(42))));
        let mut used = [0usize; 12];
        for id in 1..=1200 {
            used[colour_index(UserId(id))] += 1;
        }
        // 1,200 consecutive ids: every colour is used, none by more than twice its share.
        assert!(used.iter().all(|n| (1..=200).contains(n)), "{used:?}");
    }
}
