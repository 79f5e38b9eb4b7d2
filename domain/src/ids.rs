//! Typed ids shared by browser and server. Ids are 63-bit integers made by the application
//! (time-ordered, see `app::server::db::new_id`), so the same schema works on SQLite and
//! PostgreSQL.
//!
//! In JSON an id is written as an integer, and read from an integer or from its digits in a
//! string: a JavaScript client (a test script, another school tool) reads numbers as doubles,
//! exact only up to 2^53, so it must keep ids as the text the server wrote (see
//! end2end/tests/quiz-live.spec.ts) and may send them back as strings.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Reads an id from a decimal string or an integer.
fn deserialize_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    struct IdVisitor;
    impl serde::de::Visitor<'_> for IdVisitor {
        type Value = i64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an id: an integer, or its digits in a string")
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<i64, E> {
            i64::try_from(v).map_err(|_| E::custom("id out of range"))
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<i64, E> {
            v.trim().parse().map_err(|_| E::custom("an id is made of digits"))
        }
    }
    deserializer.deserialize_any(IdVisitor)
}

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_i64(self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserialize_id(deserializer).map($name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse::<i64>().map($name)
            }
        }
    )*};
}

id_type!(
    /// An establishment (collège or lycée).
    EstablishmentId,
    /// A person with an account.
    UserId,
    /// A class (division), e.g. "4e B".
    ClassId,
    /// A group: a sub-group of a class or a cross-class group.
    GroupId,
    /// A subject, e.g. "Mathématiques".
    SubjectId,
    /// A school year in one establishment.
    SchoolYearId,
    /// A period (trimester or semester) of a school year.
    PeriodId,
    /// A teaching assignment: teacher × class or group × subject.
    AssignmentId,
    /// An evaluation (devoir, contrôle) whose grades a teacher enters.
    EvaluationId,
    /// A quiz a teacher authors.
    QuizId,
    /// A question of a quiz.
    QuizQuestionId,
    /// A quiz given to a class or group, with its dates and rules.
    QuizAssignmentId,
    /// One student's attempt at an assigned quiz.
    AttemptId,
    /// A live quiz session a teacher runs, joined with a code.
    LiveSessionId,
    /// A seat in a live session: one student, or one pseudonym in anonymous mode.
    SeatId,
    /// A collaborative pad: one text co-edited by a class or a group.
    PadId,
);

/// Where something is taught: a whole class or a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TeachingUnit {
    Class(ClassId),
    Group(GroupId),
}

impl TeachingUnit {
    /// The unit as a URL or form value: "c:12" for a class, "g:7" for a group.
    pub fn key(self) -> String {
        match self {
            TeachingUnit::Class(c) => format!("c:{c}"),
            TeachingUnit::Group(g) => format!("g:{g}"),
        }
    }

    /// Reads what `key` wrote; `None` for anything else.
    pub fn from_key(raw: &str) -> Option<TeachingUnit> {
        match raw.trim().split_once(':')? {
            ("c", id) => id.parse().ok().map(TeachingUnit::Class),
            ("g", id) => id.parse().ok().map(TeachingUnit::Group),
            _ => None,
        }
    }
}

#[cfg(test)]
#[expect(clippy::expect_used, reason = "a failed step fails the test, with its message")]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_an_integer_in_json_and_reads_from_a_string_too() {
        let big = UserId(7_421_185_234_567_890_123);
        assert_eq!(serde_json::to_string(&big).expect("json"), "7421185234567890123");
        for json in ["\"7421185234567890123\"", "7421185234567890123"] {
            assert_eq!(serde_json::from_str::<UserId>(json).expect(json), big);
        }
        // As a map key too, and inside a unit.
        let map: std::collections::BTreeMap<UserId, u8> = [(big, 1)].into();
        let json = serde_json::to_string(&map).expect("json");
        assert_eq!(serde_json::from_str::<std::collections::BTreeMap<UserId, u8>>(&json).expect("map"), map);
        let unit = TeachingUnit::Class(ClassId(12));
        assert_eq!(
            serde_json::from_str::<TeachingUnit>(&serde_json::to_string(&unit).expect("json")).expect("unit"),
            unit
        );
        for bad in ["\"12a\"", "-", "1.5", "18446744073709551615", "null"] {
            assert!(serde_json::from_str::<UserId>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_unit_key_round_trips_and_refuses_anything_else() {
        for u in [TeachingUnit::Class(ClassId(12)), TeachingUnit::Group(GroupId(7))] {
            assert_eq!(TeachingUnit::from_key(&u.key()), Some(u));
        }
        for bad in ["", "c", "c:", "x:1", "c:abc", "12"] {
            assert_eq!(TeachingUnit::from_key(bad), None, "{bad}");
        }
    }
}
