//! Typed ids shared by browser and server. Ids are 63-bit integers made by the application
//! (time-ordered, see `server::ids`), so the same schema works on SQLite and PostgreSQL.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

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
mod tests {
    use super::*;

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
