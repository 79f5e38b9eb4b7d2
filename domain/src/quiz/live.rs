//! Live quiz sessions, pure: the join code, the pseudonym of an anonymous seat, the state
//! machine a teacher drives (lobby → question open, with an optional timer → closed →
//! revealed → next … → ended), when an answer is refused, the histogram of answers, points
//! with an optional speed bonus, the leaderboard, who may host or join, and the messages the
//! hub and its clients exchange (JSON in WebSocket text frames).
//!
//! Rules, stated once:
//! - a join code is 6 characters from an alphabet without 0/O and 1/I (32^6 ≈ 10^9 codes);
//!   it is typed case-insensitively and with spaces ignored;
//! - every student of the session sees the same question with options in the written order
//!   (the teacher's screen shows the same letters); matching and ordering items are always
//!   shuffled by the student view itself, since their written order is the answer;
//! - an answer is accepted only while its question is open and before its timer; a seat's
//!   first accepted answer to a question is final: a second one is refused (as in the
//!   classroom tools students know, and so the histogram never moves backwards);
//! - points are the question's points times the answer's fraction, plus, when the teacher
//!   turned the speed bonus on and the question has a timer, up to half as much again for a
//!   right answer given at once, falling linearly to nothing at the timer's end.

use super::access::{QuizRef, can_view_quiz};
use super::{Question, QuestionKind, Response, StudentQuestion};
use crate::{DomainError, EstablishmentId, Role, SeatId, UserId, Viewer};
use serde::{Deserialize, Serialize};

/// Characters of a join code: no 0/O, no 1/I, so a code read off a projector is typed right.
pub const JOIN_CODE_ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// Length of a join code.
pub const JOIN_CODE_LEN: usize = 6;
/// Shortest and longest pseudonym, in characters.
pub const PSEUDONYM_MIN_CHARS: usize = 2;
pub const PSEUDONYM_MAX_CHARS: usize = 24;
/// Longest timer a teacher may set on a question, in seconds.
pub const TIMER_MAX_SECS: u32 = 600;
/// Most seats in one session.
pub const SEATS_MAX: usize = 5_000;
/// Lines of the leaderboard shown after each question.
pub const LEADERBOARD_LINES: usize = 10;

/// The code students type to join a session.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct JoinCode(String);

impl JoinCode {
    /// A code drawn from 30 random bits (the server passes fresh randomness).
    pub fn from_random(mut bits: u64) -> Self {
        let mut code = String::with_capacity(JOIN_CODE_LEN);
        for _ in 0..JOIN_CODE_LEN {
            code.push(char::from(JOIN_CODE_ALPHABET[(bits % 32) as usize]));
            bits /= 32;
        }
        JoinCode(code)
    }

    /// Reads a code as typed: case and spaces do not matter.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let code: String = raw.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_uppercase).collect();
        if code.chars().count() == JOIN_CODE_LEN && code.bytes().all(|b| JOIN_CODE_ALPHABET.contains(&b)) {
            Ok(JoinCode(code))
        } else {
            Err(DomainError::new(
                "code",
                format!("Un code de session a {JOIN_CODE_LEN} caractères (lettres et chiffres), par exemple K7QW2M."),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for JoinCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The name an anonymous seat shows: spaces collapsed, 2 to 24 characters, no control
/// characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pseudonym(String);

impl Pseudonym {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        if raw.chars().any(char::is_control) {
            return Err(DomainError::new("pseudo", "Le pseudo ne peut contenir que des lettres, chiffres et signes."));
        }
        let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        let len = name.chars().count();
        if !(PSEUDONYM_MIN_CHARS..=PSEUDONYM_MAX_CHARS).contains(&len) {
            return Err(DomainError::new(
                "pseudo",
                format!("Choisissez un pseudo de {PSEUDONYM_MIN_CHARS} à {PSEUDONYM_MAX_CHARS} caractères."),
            ));
        }
        Ok(Pseudonym(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a session stands. Times are milliseconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "etat", rename_all = "snake_case")]
pub enum Phase {
    /// Students join; no question yet.
    Lobby,
    /// Question `index` takes answers until `deadline` (if any).
    Open {
        index: usize,
        opened_at: i64,
        deadline: Option<i64>,
    },
    /// Question `index` takes no more answers; its answer is not shown yet.
    Closed {
        index: usize,
        opened_at: i64,
        deadline: Option<i64>,
    },
    /// Question `index`'s answer is shown.
    Revealed {
        index: usize,
    },
    Ended,
}

impl Phase {
    /// The stored name of the phase.
    pub fn code(self) -> &'static str {
        match self {
            Phase::Lobby => "lobby",
            Phase::Open { .. } => "open",
            Phase::Closed { .. } => "closed",
            Phase::Revealed { .. } => "revealed",
            Phase::Ended => "ended",
        }
    }

    /// The phase back from what [`Phase::code`] and its fields stored.
    pub fn from_parts(code: &str, index: usize, opened_at: i64, deadline: Option<i64>) -> Option<Phase> {
        Some(match code {
            "lobby" => Phase::Lobby,
            "open" => Phase::Open { index, opened_at, deadline },
            "closed" => Phase::Closed { index, opened_at, deadline },
            "revealed" => Phase::Revealed { index },
            "ended" => Phase::Ended,
            _ => return None,
        })
    }

    /// The question on screen, if any.
    pub fn index(self) -> Option<usize> {
        match self {
            Phase::Open { index, .. } | Phase::Closed { index, .. } | Phase::Revealed { index } => Some(index),
            Phase::Lobby | Phase::Ended => None,
        }
    }
}

/// A live session's progress through its questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveSession {
    pub question_count: usize,
    pub phase: Phase,
}

fn refusal(reason: &str) -> DomainError {
    DomainError::new("session", reason)
}

impl LiveSession {
    pub fn new(question_count: usize) -> Self {
        LiveSession { question_count, phase: Phase::Lobby }
    }

    /// Opens the next question (the first from the lobby), with a timer of `timer_secs`.
    pub fn open_next(&mut self, now: i64, timer_secs: Option<u32>) -> Result<usize, DomainError> {
        let index = match self.phase {
            Phase::Lobby => 0,
            Phase::Closed { index, .. } | Phase::Revealed { index } => index + 1,
            Phase::Open { .. } => return Err(refusal("Fermez d'abord la question en cours.")),
            Phase::Ended => return Err(refusal("La session est terminée.")),
        };
        if index >= self.question_count {
            return Err(refusal("C'était la dernière question : terminez la session."));
        }
        let deadline = match timer_secs {
            Some(0) | None => None,
            Some(s) if s <= TIMER_MAX_SECS => Some(now + i64::from(s) * 1000),
            Some(_) => {
                return Err(DomainError::new("minuteur", format!("Le minuteur va de 1 à {TIMER_MAX_SECS} secondes.")));
            }
        };
        self.phase = Phase::Open { index, opened_at: now, deadline };
        Ok(index)
    }

    /// Stops taking answers to the open question.
    pub fn close(&mut self) -> Result<usize, DomainError> {
        match self.phase {
            Phase::Open { index, opened_at, deadline } => {
                self.phase = Phase::Closed { index, opened_at, deadline };
                Ok(index)
            }
            _ => Err(refusal("Aucune question n'est ouverte.")),
        }
    }

    /// Closes the open question when its timer has run out; says whether it did.
    pub fn close_if_due(&mut self, now: i64) -> bool {
        match self.phase {
            Phase::Open { deadline: Some(d), .. } if now >= d => self.close().is_ok(),
            _ => false,
        }
    }

    /// Shows the answer of the question on screen (closing it first if it is open).
    pub fn reveal(&mut self) -> Result<usize, DomainError> {
        if matches!(self.phase, Phase::Open { .. }) {
            self.close()?;
        }
        match self.phase {
            Phase::Closed { index, .. } => {
                self.phase = Phase::Revealed { index };
                Ok(index)
            }
            Phase::Revealed { .. } => Err(refusal("La réponse est déjà affichée.")),
            _ => Err(refusal("Aucune question à corriger.")),
        }
    }

    /// Ends the session; nothing more is accepted.
    pub fn end(&mut self) -> Result<(), DomainError> {
        if self.phase == Phase::Ended {
            return Err(refusal("La session est déjà terminée."));
        }
        self.phase = Phase::Ended;
        Ok(())
    }

    /// Why an answer to question `index` at `now` is refused, or `None` when it is accepted
    /// (one answer per seat is checked by the caller, who knows the seats).
    pub fn answer_refusal(&self, index: usize, now: i64) -> Option<DomainError> {
        match self.phase {
            Phase::Open { index: open, deadline, .. } if open == index => match deadline {
                Some(d) if now >= d => Some(refusal("Temps écoulé : votre réponse n'a pas été prise en compte.")),
                _ => None,
            },
            Phase::Ended => Some(refusal("La session est terminée.")),
            _ => Some(refusal("Cette question est fermée : votre réponse n'a pas été prise en compte.")),
        }
    }
}

/// How many bars the histogram of a question has: one per option of a choice question, two
/// for true/false (true, false), none for other types (only answered/right counts).
pub fn tally_buckets(question: &Question) -> usize {
    match &question.kind {
        QuestionKind::SingleChoice { choices } | QuestionKind::MultipleChoice { choices, .. } => choices.len(),
        QuestionKind::TrueFalse { .. } => 2,
        _ => 0,
    }
}

/// The histogram of a question's answers, options in the written order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Answers choosing each option (a multiple-choice answer counts in each option chosen).
    pub options: Vec<u32>,
    /// Seats that answered.
    pub answers: u32,
    /// Answers that earned every point.
    pub correct: u32,
}

impl Tally {
    pub fn new(question: &Question) -> Self {
        Tally { options: vec![0; tally_buckets(question)], answers: 0, correct: 0 }
    }

    /// Counts one answer (against the written order) and whether it was right.
    pub fn add(&mut self, response: &Response, correct: bool) {
        self.answers += 1;
        self.correct += u32::from(correct);
        let mut bump = |i: usize| {
            if let Some(n) = self.options.get_mut(i) {
                *n += 1;
            }
        };
        match response {
            Response::Choice(i) => bump(*i),
            Response::Choices(chosen) => {
                let mut seen: Vec<usize> = chosen.clone();
                seen.sort_unstable();
                seen.dedup();
                seen.into_iter().for_each(bump);
            }
            Response::Bool(b) => bump(if *b { 0 } else { 1 }),
            _ => {}
        }
    }

    /// Share of the answers that were right, within `0..=1` (0 with no answer).
    pub fn success_rate(&self) -> f64 {
        if self.answers == 0 { 0.0 } else { f64::from(self.correct) / f64::from(self.answers) }
    }
}

/// Points an answer earns, in hundredths: `points × fraction`, plus the speed bonus (up to
/// half as much again, for an answer given at once to a timed question) when it is on.
pub fn live_points(points: f64, fraction: f64, speed_bonus: bool, elapsed_ms: i64, timer_ms: Option<i64>) -> i64 {
    let fraction = if fraction.is_finite() { fraction.clamp(0.0, 1.0) } else { 0.0 };
    let base = points * fraction;
    let bonus = match timer_ms {
        Some(t) if speed_bonus && t > 0 && fraction > 0.0 => {
            let left = (t - elapsed_ms.clamp(0, t)) as f64 / t as f64;
            base * 0.5 * left
        }
        _ => 0.0,
    };
    ((base + bonus) * 100.0).round() as i64
}

/// One line of the leaderboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaderLine {
    /// 1 for the best; equal points share a rank.
    pub rank: u32,
    pub name: String,
    /// Points in hundredths.
    pub points: i64,
}

/// The `top` best seats, best first, equal points sharing a rank and ordered by name.
pub fn leaderboard(seats: &[(String, i64)], top: usize) -> Vec<LeaderLine> {
    let mut sorted: Vec<&(String, i64)> = seats.iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut lines: Vec<LeaderLine> = Vec::new();
    for (k, (name, points)) in sorted.into_iter().enumerate().take(top) {
        let rank = match lines.last() {
            Some(last) if last.points == *points => last.rank,
            _ => u32::try_from(k + 1).unwrap_or(u32::MAX),
        };
        lines.push(LeaderLine { rank, name: name.clone(), points: *points });
    }
    lines
}

/// A live session, as far as permissions are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveRef {
    pub establishment: EstablishmentId,
    pub teacher: UserId,
    pub anonymous: bool,
}

/// May `viewer` run a live session of this quiz? A teacher who may read it.
pub fn can_host_live(viewer: &Viewer, quiz: &QuizRef) -> bool {
    can_view_quiz(viewer, quiz)
}

/// Is `viewer` the teacher running this session?
pub fn is_live_host(viewer: &Viewer, session: &LiveRef) -> bool {
    viewer.user == session.teacher && viewer.has_role(session.establishment, Role::Teacher)
}

/// May `viewer` take a seat? A student of the establishment; in anonymous mode any member of
/// it (never someone from elsewhere: the session is not open to the internet).
pub fn can_join_live(viewer: &Viewer, session: &LiveRef) -> bool {
    if session.anonymous {
        !viewer.roles_in(session.establishment).is_empty()
    } else {
        viewer.has_role(session.establishment, Role::Student)
    }
}

/// What a client sends over the session's WebSocket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// A student takes (or takes back) a seat: `pseudonym` in anonymous mode, `seat_token`
    /// to come back to the seat a previous connection got.
    Join {
        pseudonym: Option<String>,
        seat_token: Option<String>,
    },
    /// A student answers question `question`, options referring to what they were shown.
    Answer {
        question: usize,
        response: Response,
    },
    /// The teacher opens the next question, with an optional timer.
    Open {
        timer_secs: Option<u32>,
    },
    Close,
    Reveal,
    End,
    Ping,
}

/// What the hub sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// To the teacher on connecting: the session and where it stands.
    Hosting {
        code: String,
        question_count: usize,
        seats: u32,
        phase: Phase,
    },
    /// To a student who took a seat. `seat_token` is given in anonymous mode: keep it to come
    /// back to the same seat.
    Joined {
        seat: SeatId,
        name: String,
        seat_token: Option<String>,
        points: i64,
    },
    /// A question is open (or still open, on reconnecting), without its answer key.
    Question {
        index: usize,
        count: usize,
        question: StudentQuestion,
        remaining_ms: Option<i64>,
        answered: bool,
    },
    /// The answer to `question` is counted.
    Accepted {
        question: usize,
    },
    /// A request was refused; `message` is French and says why.
    Refused {
        message: String,
    },
    /// Question `question` takes no more answers.
    Closed {
        question: usize,
    },
    /// The answer of `question`: the right answers, the histogram, the seat's points so far
    /// (students) and the leaderboard when the teacher shows one.
    Revealed {
        question: usize,
        right_answers: Vec<String>,
        tally: Tally,
        points: Option<i64>,
        leaderboard: Vec<LeaderLine>,
    },
    /// To the teacher, at most every tick while answers arrive.
    Tally {
        question: usize,
        tally: Tally,
    },
    /// To the teacher: seats taken.
    Seats {
        count: u32,
    },
    /// The session is over: a student's final points (every answer counted, revealed or not)
    /// and the leaderboard when the teacher shows one.
    Ended {
        points: Option<i64>,
        leaderboard: Vec<LeaderLine>,
    },
    Pong,
}

#[cfg(test)]
#[expect(clippy::expect_used, reason = "a failed step fails the test, with its message")]
mod tests {
    use super::*;
    use crate::quiz::{Choice, Points};
    use crate::{Membership, UserId};
    use proptest::prelude::*;

    fn capital() -> Question {
        let c = |t: &str, w: f64| Choice { text: t.into(), weight: w, feedback: None };
        Question {
            title: "capitale".into(),
            category: None,
            text: "Capitale de la France ?".into(),
            points: Points::ONE,
            kind: QuestionKind::SingleChoice { choices: vec![c("Paris", 100.0), c("Lyon", 0.0), c("Nice", 0.0)] },
            general_feedback: None,
            image: None,
        }
    }

    #[test]
    fn a_join_code_has_six_unambiguous_characters() {
        for bits in [0, 1, u64::MAX, 0x1234_5678, 987_654_321] {
            let code = JoinCode::from_random(bits);
            assert_eq!(code.as_str().len(), JOIN_CODE_LEN);
            assert!(!code.as_str().contains(['0', 'O', '1', 'I']), "{code}");
            assert_eq!(JoinCode::parse(code.as_str()), Ok(code));
        }
    }

    #[test]
    fn a_join_code_is_read_ignoring_case_and_spaces_and_nothing_else() {
        assert_eq!(JoinCode::parse(" k7q w2m ").map(|c| c.to_string()), Ok("K7QW2M".into()));
        for bad in ["", "K7QW2", "K7QW2MM", "K7QW2O", "K7QW21", "K7QW2-", "K7QW2É"] {
            assert!(JoinCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_pseudonym_is_trimmed_and_refused_too_short_too_long_or_with_control_characters() {
        assert_eq!(Pseudonym::parse("  Super   Zoé ").map(|p| p.as_str().to_string()), Ok("Super Zoé".into()));
        assert!(Pseudonym::parse("Zo").is_ok());
        assert!(Pseudonym::parse("Z").is_err());
        assert!(Pseudonym::parse(&"x".repeat(PSEUDONYM_MAX_CHARS + 1)).is_err());
        assert!(Pseudonym::parse(&"é".repeat(PSEUDONYM_MAX_CHARS)).is_ok());
        assert!(Pseudonym::parse("Zoé\u{0}").is_err());
        assert!(Pseudonym::parse("Zo\u{1b}[31m").is_err());
        assert!(Pseudonym::parse("a\nb").is_err());
    }

    #[test]
    fn a_session_goes_from_the_lobby_through_each_question_to_its_end() {
        let mut s = LiveSession::new(2);
        assert!(s.close().is_err());
        assert!(s.reveal().is_err());
        assert_eq!(s.open_next(1_000, Some(20)), Ok(0));
        assert_eq!(s.phase, Phase::Open { index: 0, opened_at: 1_000, deadline: Some(21_000) });
        assert!(s.open_next(2_000, None).is_err(), "one question open at a time");
        assert_eq!(s.close(), Ok(0));
        assert_eq!(s.reveal(), Ok(0));
        assert!(s.reveal().is_err());
        assert_eq!(s.open_next(30_000, None), Ok(1));
        assert_eq!(s.reveal(), Ok(1), "revealing closes the open question");
        assert!(s.open_next(40_000, None).is_err(), "no third question");
        assert_eq!(s.end(), Ok(()));
        assert!(s.end().is_err());
        assert!(s.open_next(50_000, None).is_err());
    }

    #[test]
    fn a_timer_is_at_most_ten_minutes_and_zero_means_none() {
        let mut s = LiveSession::new(1);
        assert!(s.open_next(0, Some(TIMER_MAX_SECS + 1)).is_err());
        assert_eq!(s.phase, Phase::Lobby);
        assert_eq!(s.open_next(0, Some(0)), Ok(0));
        assert_eq!(s.phase, Phase::Open { index: 0, opened_at: 0, deadline: None });
    }

    #[test]
    fn answers_are_refused_after_the_timer_for_a_closed_question_and_once_ended() {
        let mut s = LiveSession::new(2);
        assert!(s.answer_refusal(0, 0).is_some(), "not open in the lobby");
        s.open_next(0, Some(10)).expect("open");
        assert!(s.answer_refusal(0, 9_999).is_none());
        assert!(s.answer_refusal(0, 10_000).is_some(), "the timer's end is too late");
        assert!(s.answer_refusal(1, 5_000).is_some(), "another question");
        assert!(!s.close_if_due(9_999));
        assert!(s.close_if_due(10_000));
        assert_eq!(s.phase, Phase::Closed { index: 0, opened_at: 0, deadline: Some(10_000) });
        assert!(s.answer_refusal(0, 5_000).is_some());
        s.end().expect("end");
        assert!(s.answer_refusal(0, 5_000).is_some());
    }

    #[test]
    fn a_phase_round_trips_through_its_stored_parts() {
        for p in [
            Phase::Lobby,
            Phase::Open { index: 3, opened_at: 7, deadline: Some(9) },
            Phase::Closed { index: 1, opened_at: 7, deadline: None },
            Phase::Revealed { index: 2 },
            Phase::Ended,
        ] {
            let (index, opened_at, deadline) = match p {
                Phase::Open { index, opened_at, deadline } | Phase::Closed { index, opened_at, deadline } => {
                    (index, opened_at, deadline)
                }
                Phase::Revealed { index } => (index, 0, None),
                _ => (0, 0, None),
            };
            assert_eq!(Phase::from_parts(p.code(), index, opened_at, deadline), Some(p));
        }
        assert_eq!(Phase::from_parts("nope", 0, 0, None), None);
    }

    #[test]
    fn the_histogram_counts_each_option_once_per_answer() {
        let q = capital();
        let mut t = Tally::new(&q);
        t.add(&Response::Choice(0), true);
        t.add(&Response::Choice(2), false);
        t.add(&Response::Choice(0), true);
        t.add(&Response::Choice(99), false);
        assert_eq!(t, Tally { options: vec![2, 0, 1], answers: 4, correct: 2 });
        assert_eq!(t.success_rate(), 0.5);
        let mut m = Tally { options: vec![0; 3], answers: 0, correct: 0 };
        m.add(&Response::Choices(vec![2, 0, 2]), false);
        assert_eq!(m.options, vec![1, 0, 1]);
        assert_eq!(Tally::default().success_rate(), 0.0);
    }

    #[test]
    fn the_speed_bonus_rewards_a_quick_right_answer_only_when_on_and_timed() {
        assert_eq!(live_points(2.0, 1.0, false, 0, Some(10_000)), 200);
        assert_eq!(live_points(2.0, 1.0, true, 0, Some(10_000)), 300);
        assert_eq!(live_points(2.0, 1.0, true, 5_000, Some(10_000)), 250);
        assert_eq!(live_points(2.0, 1.0, true, 10_000, Some(10_000)), 200);
        assert_eq!(live_points(2.0, 1.0, true, 0, None), 200);
        assert_eq!(live_points(2.0, 0.0, true, 0, Some(10_000)), 0);
    }

    #[test]
    fn the_leaderboard_ranks_ties_together_and_keeps_the_top() {
        let seats = vec![("Zoé".to_string(), 300), ("Adam".to_string(), 300), ("Léa".into(), 500), ("Max".into(), 100)];
        let board = leaderboard(&seats, 3);
        let got: Vec<(u32, &str)> = board.iter().map(|l| (l.rank, l.name.as_str())).collect();
        assert_eq!(got, vec![(1, "Léa"), (2, "Adam"), (2, "Zoé")]);
        assert!(leaderboard(&[], 10).is_empty());
    }

    #[test]
    fn only_the_establishments_students_join_and_members_in_anonymous_mode() {
        let est = EstablishmentId(1);
        let other = EstablishmentId(2);
        let person = |role: Role, e: EstablishmentId| Viewer {
            user: UserId(10),
            memberships: vec![Membership { establishment: e, role }],
            ..Viewer::default()
        };
        let named = LiveRef { establishment: est, teacher: UserId(99), anonymous: false };
        let anonymous = LiveRef { anonymous: true, ..named };
        assert!(can_join_live(&person(Role::Student, est), &named));
        assert!(!can_join_live(&person(Role::Student, other), &named));
        assert!(!can_join_live(&person(Role::Teacher, est), &named));
        assert!(can_join_live(&person(Role::Teacher, est), &anonymous));
        assert!(!can_join_live(&person(Role::Student, other), &anonymous));
        let host = Viewer { user: UserId(99), ..person(Role::Teacher, est) };
        assert!(is_live_host(&host, &named));
        assert!(!is_live_host(&person(Role::Teacher, est), &named));
        assert!(!is_live_host(&Viewer { user: UserId(99), ..person(Role::Teacher, other) }, &named));
    }

    #[test]
    fn wire_messages_are_tagged_json() {
        let m: ClientMessage =
            serde_json::from_str(r#"{"type":"answer","question":0,"response":{"Choice":1}}"#).expect("json");
        assert_eq!(m, ClientMessage::Answer { question: 0, response: Response::Choice(1) });
        let out = serde_json::to_string(&ServerMessage::Accepted { question: 2 }).expect("json");
        assert_eq!(out, r#"{"type":"accepted","question":2}"#);
    }

    proptest! {
        #[test]
        fn points_stay_within_one_and_a_half_times_the_question(
            points in 0.01f64..100.0, fraction in -1.0f64..2.0, elapsed in -10_000i64..100_000, timer in 1i64..60_000,
        ) {
            let p = live_points(points, fraction, true, elapsed, Some(timer));
            prop_assert!(p >= 0);
            prop_assert!(p as f64 <= (points * 150.0).round() + 1.0);
        }

        #[test]
        fn every_random_code_parses(bits in any::<u64>()) {
            let code = JoinCode::from_random(bits);
            prop_assert_eq!(JoinCode::parse(code.as_str()), Ok(code));
        }
    }
}
