//! The formative quiz engine, pure and shared by the browser and the server: the question
//! types a teacher authors, what a student answers, how an answer is scored, and the view of a
//! question a student may see before feedback is due.
//!
//! Rules, stated once:
//! - a question is worth `points` (more than 0, at most [`POINTS_MAX`], two decimals at most);
//!   an answer earns a fraction of them, always within `0..=points`;
//! - options carry weights in percent, as in Moodle and GIFT: a single-choice option's weight
//!   is the fraction it earns; for multiple choice the chosen options' weights add up, the
//!   positive ones of a question add up to 100, and the total never goes below 0 (negative
//!   weights only count when the teacher turns negative marks on);
//! - short answers compare ignoring case, accents and extra spaces unless the teacher asks for
//!   the exact text; the best matching accepted answer counts;
//! - matching and ordering earn the share of pairs matched or items placed right; a cloze
//!   question the mean of its blanks;
//! - an open answer is graded by the teacher: scoring says so instead of inventing a score;
//! - no answer earns 0.
//!
//! Choices, matching answers and ordering items are shown to a student in an order drawn from
//! a seed (`Shuffle`), and the student's answer refers to what they saw; `Shuffle` maps it back
//! before scoring, so shuffling never changes a score and the student view never reveals which
//! option the teacher wrote first (often the right one).

pub mod access;
pub mod assignment;
pub mod distribution;
pub mod gift;
pub mod live;
mod scoring;
mod view;

pub use scoring::{Outcome, Score, compared_text, part_fractions, score};
pub use view::{Shuffle, StudentBlank, StudentKind, StudentQuestion, StudentSegment};

use crate::DomainError;
use serde::{Deserialize, Serialize};

/// Most points one question may be worth.
pub const POINTS_MAX: f64 = 100.0;
/// Most options (choices, accepted answers, pairs, items or blanks) in one question.
pub const OPTIONS_MAX: usize = 100;
/// Longest text of a question, an option or a feedback, in characters.
pub const TEXT_MAX_CHARS: usize = 10_000;

/// What a question is worth.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct Points(f64);

impl Points {
    pub const ONE: Points = Points(1.0);

    pub fn new(value: f64) -> Result<Self, DomainError> {
        let hundredths = value * 100.0;
        if value.is_finite() && value > 0.0 && value <= POINTS_MAX && (hundredths - hundredths.round()).abs() < 1e-6 {
            Ok(Points(hundredths.round() / 100.0))
        } else {
            Err(DomainError::new(
                "points",
                format!("Une question vaut plus de 0 et au plus {POINTS_MAX} points, avec deux décimales au plus."),
            ))
        }
    }

    /// Reads "1", "2,5" or "0.25".
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let value: f64 = raw.trim().replace(',', ".").parse().map_err(|_| {
            DomainError::new("points", "Indiquez le nombre de points de la question, par exemple 1 ou 2,5.")
        })?;
        Self::new(value)
    }

    pub fn value(self) -> f64 {
        self.0
    }
}

/// An option of a choice question, with its weight in percent (-100 to 100).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub text: String,
    pub weight: f64,
    pub feedback: Option<String>,
}

/// An accepted text for a short answer or a text blank, with the share it earns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcceptedText {
    pub text: String,
    pub weight: f64,
    pub feedback: Option<String>,
}

/// What a numerical answer must be.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum NumberTarget {
    /// Exactly this value.
    Exact(f64),
    /// This value, give or take `tolerance`.
    Tolerance { value: f64, tolerance: f64 },
    /// Anything from `min` to `max`, both included.
    Range { min: f64, max: f64 },
}

impl NumberTarget {
    pub fn accepts(self, answer: f64) -> bool {
        // Half a millionth of slack so that 0.1 + 0.2 typed as 0.3 is still 0.3.
        const EPSILON: f64 = 5e-7;
        match self {
            NumberTarget::Exact(v) => (answer - v).abs() <= EPSILON * v.abs().max(1.0),
            NumberTarget::Tolerance { value, tolerance } => (answer - value).abs() <= tolerance.abs() + EPSILON,
            NumberTarget::Range { min, max } => answer >= min - EPSILON && answer <= max + EPSILON,
        }
    }
}

/// An accepted number, with the share it earns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcceptedNumber {
    pub target: NumberTarget,
    pub weight: f64,
    pub feedback: Option<String>,
}

/// One blank of a cloze question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Blank {
    Text { answers: Vec<AcceptedText>, exact: bool },
    Number { answers: Vec<AcceptedNumber> },
    Choice { choices: Vec<Choice> },
}

/// A cloze question's text: runs of text and blanks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Segment {
    Text(String),
    Blank(Blank),
}

/// A question's type and its answer key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum QuestionKind {
    SingleChoice {
        choices: Vec<Choice>,
    },
    MultipleChoice {
        choices: Vec<Choice>,
        negative_marks: bool,
    },
    TrueFalse {
        answer: bool,
        feedback_true: Option<String>,
        feedback_false: Option<String>,
    },
    ShortAnswer {
        answers: Vec<AcceptedText>,
        exact: bool,
    },
    Numerical {
        answers: Vec<AcceptedNumber>,
    },
    /// Left items to match with right ones; the key is the pairs as written.
    Matching {
        pairs: Vec<(String, String)>,
    },
    /// Items in the right order.
    Ordering {
        items: Vec<String>,
    },
    Cloze {
        segments: Vec<Segment>,
    },
    /// Written answer the teacher grades.
    Open,
}

/// A question as the teacher wrote it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    pub title: String,
    pub category: Option<String>,
    pub text: String,
    pub points: Points,
    pub kind: QuestionKind,
    pub general_feedback: Option<String>,
    /// Address of an image shown with the question.
    pub image: Option<String>,
}

/// What a student answered, referring to the authoring order of options (see [`Shuffle`] for
/// answers given against a shuffled display).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Response {
    /// The chosen option of a single-choice question.
    Choice(usize),
    /// The chosen options of a multiple-choice question.
    Choices(Vec<usize>),
    Bool(bool),
    Text(String),
    Number(f64),
    /// For each left item, the right item chosen (its text), if any.
    Matching(Vec<Option<String>>),
    /// The items, in the order the student put them.
    Ordering(Vec<String>),
    Blanks(Vec<BlankResponse>),
    /// The written answer to an open question.
    Essay(String),
}

/// What a student put in one blank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum BlankResponse {
    Empty,
    Text(String),
    Number(f64),
    Choice(usize),
}

/// Reads a number as a French student types it: "3,14", "-2", "1 000,5", "1e3".
pub fn parse_number(raw: &str) -> Option<f64> {
    let cleaned: String = raw.trim().chars().filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}')).collect();
    let value: f64 = cleaned.replace(',', ".").parse().ok()?;
    value.is_finite().then_some(value)
}

/// A short answer as it is compared when the teacher does not ask for the exact text:
/// lower case, no accents, spaces collapsed, apostrophes unified.
pub fn normalise_answer(raw: &str) -> String {
    let folded: String = raw
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => 'a',
            'ç' => 'c',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' | 'ì' => 'i',
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ÿ' | 'ý' => 'y',
            'ñ' => 'n',
            '’' | '‘' | '`' => '\'',
            c => c,
        })
        .collect();
    folded.replace('œ', "oe").replace('æ', "ae").split_whitespace().collect::<Vec<_>>().join(" ")
}

fn check_text(field: &str, text: &str) -> Result<(), DomainError> {
    if text.chars().count() > TEXT_MAX_CHARS {
        return Err(DomainError::new(
            field,
            format!("Ce texte dépasse {TEXT_MAX_CHARS} caractères : raccourcissez-le."),
        ));
    }
    Ok(())
}

fn check_count(len: usize, min: usize, what: &str) -> Result<(), DomainError> {
    if len < min {
        return Err(DomainError::new("reponses", format!("Il faut au moins {min} {what}.")));
    }
    if len > OPTIONS_MAX {
        return Err(DomainError::new("reponses", format!("Une question a au plus {OPTIONS_MAX} {what}.")));
    }
    Ok(())
}

fn check_weight(weight: f64) -> Result<(), DomainError> {
    if weight.is_finite() && (-100.0..=100.0).contains(&weight) {
        Ok(())
    } else {
        Err(DomainError::new("poids", "Le poids d'une réponse va de -100 % à 100 %."))
    }
}

fn check_choices(choices: &[Choice], multiple: bool) -> Result<(), DomainError> {
    check_count(choices.len(), 2, "propositions")?;
    for c in choices {
        check_text("proposition", &c.text)?;
        check_weight(c.weight)?;
    }
    if multiple {
        let positive: f64 = choices.iter().map(|c| c.weight.max(0.0)).sum();
        if (positive - 100.0).abs() > 0.01 {
            return Err(DomainError::new(
                "poids",
                format!("Les bonnes propositions doivent totaliser 100 % (elles font {positive:.2} %)."),
            ));
        }
    } else if !choices.iter().any(|c| (c.weight - 100.0).abs() < 1e-9) {
        return Err(DomainError::new("reponses", "Indiquez la bonne proposition (celle qui vaut 100 %)."));
    }
    Ok(())
}

fn check_accepted_texts(answers: &[AcceptedText]) -> Result<(), DomainError> {
    check_count(answers.len(), 1, "réponse acceptée")?;
    for a in answers {
        check_text("reponse", &a.text)?;
        check_weight(a.weight)?;
        if normalise_answer(&a.text).is_empty() {
            return Err(DomainError::new("reponse", "Une réponse acceptée ne peut pas être vide."));
        }
    }
    if !answers.iter().any(|a| (a.weight - 100.0).abs() < 1e-9) {
        return Err(DomainError::new("reponses", "Au moins une réponse acceptée doit valoir 100 %."));
    }
    Ok(())
}

fn check_accepted_numbers(answers: &[AcceptedNumber]) -> Result<(), DomainError> {
    check_count(answers.len(), 1, "réponse acceptée")?;
    for a in answers {
        check_weight(a.weight)?;
        let ok = match a.target {
            NumberTarget::Exact(v) => v.is_finite(),
            NumberTarget::Tolerance { value, tolerance } => {
                value.is_finite() && tolerance.is_finite() && tolerance >= 0.0
            }
            NumberTarget::Range { min, max } => min.is_finite() && max.is_finite() && min <= max,
        };
        if !ok {
            return Err(DomainError::new("reponse", "Une valeur numérique est invalide (intervalle à l'envers ?)."));
        }
    }
    if !answers.iter().any(|a| (a.weight - 100.0).abs() < 1e-9) {
        return Err(DomainError::new("reponses", "Au moins une réponse acceptée doit valoir 100 %."));
    }
    Ok(())
}

impl Question {
    /// Checks what the types cannot: counts, weights, lengths, a right answer to every part.
    pub fn check(&self) -> Result<(), DomainError> {
        check_text("titre", &self.title)?;
        check_text("enonce", &self.text)?;
        for feedback in [&self.general_feedback, &self.image].into_iter().flatten() {
            check_text("retour", feedback)?;
        }
        match &self.kind {
            QuestionKind::SingleChoice { choices } => check_choices(choices, false),
            QuestionKind::MultipleChoice { choices, .. } => check_choices(choices, true),
            QuestionKind::TrueFalse { .. } | QuestionKind::Open => Ok(()),
            QuestionKind::ShortAnswer { answers, .. } => check_accepted_texts(answers),
            QuestionKind::Numerical { answers } => check_accepted_numbers(answers),
            QuestionKind::Matching { pairs } => {
                check_count(pairs.len(), 2, "paires")?;
                for (left, right) in pairs {
                    check_text("paire", left)?;
                    check_text("paire", right)?;
                    if left.trim().is_empty() || right.trim().is_empty() {
                        return Err(DomainError::new("paire", "Chaque paire a deux côtés non vides."));
                    }
                }
                Ok(())
            }
            QuestionKind::Ordering { items } => {
                check_count(items.len(), 2, "éléments à ordonner")?;
                for (i, item) in items.iter().enumerate() {
                    check_text("element", item)?;
                    if items[..i].contains(item) {
                        return Err(DomainError::new(
                            "element",
                            format!("« {item} » apparaît deux fois dans la liste."),
                        ));
                    }
                }
                Ok(())
            }
            QuestionKind::Cloze { segments } => {
                let blanks = segments.iter().filter(|s| matches!(s, Segment::Blank(_))).count();
                check_count(blanks, 1, "trous")?;
                for segment in segments {
                    match segment {
                        Segment::Text(t) => check_text("enonce", t)?,
                        Segment::Blank(Blank::Text { answers, .. }) => check_accepted_texts(answers)?,
                        Segment::Blank(Blank::Number { answers }) => check_accepted_numbers(answers)?,
                        Segment::Blank(Blank::Choice { choices }) => check_choices(choices, false)?,
                    }
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_take_a_comma_and_two_decimals_at_most() {
        assert_eq!(Points::parse("2,5").map(Points::value), Ok(2.5));
        assert_eq!(Points::parse("0.25").map(Points::value), Ok(0.25));
        assert!(Points::parse("0").is_err());
        assert!(Points::parse("1,234").is_err());
        assert!(Points::parse("100.01").is_err());
        assert_eq!(Points::parse("100").map(Points::value), Ok(100.0));
        assert!(Points::parse("deux").is_err());
    }

    #[test]
    fn a_short_answer_ignores_case_accents_and_extra_spaces() {
        assert_eq!(normalise_answer("  Élève   d’Orléans "), "eleve d'orleans");
        assert_eq!(normalise_answer("ŒUVRE"), "oeuvre");
    }

    #[test]
    fn numbers_read_the_french_way() {
        assert_eq!(parse_number("9,81"), Some(9.81));
        assert_eq!(parse_number("1 000,5"), Some(1000.5));
        assert_eq!(parse_number("-2"), Some(-2.0));
        assert_eq!(parse_number("trois"), None);
        assert_eq!(parse_number("inf"), None);
    }

    fn choice(text: &str, weight: f64) -> Choice {
        Choice { text: text.into(), weight, feedback: None }
    }

    fn question(kind: QuestionKind) -> Question {
        Question {
            title: "Q".into(),
            category: None,
            text: "?".into(),
            points: Points::ONE,
            kind,
            general_feedback: None,
            image: None,
        }
    }

    #[test]
    fn a_multiple_choice_question_needs_right_options_worth_100_percent() {
        let q = question(QuestionKind::MultipleChoice {
            choices: vec![choice("a", 50.0), choice("b", 40.0), choice("c", -100.0)],
            negative_marks: true,
        });
        assert!(q.check().is_err_and(|e| e.reason.contains("90.00 %")));
        let q = question(QuestionKind::MultipleChoice {
            choices: vec![choice("a", 50.0), choice("b", 50.0), choice("c", -100.0)],
            negative_marks: true,
        });
        assert_eq!(q.check(), Ok(()));
    }

    #[test]
    fn a_single_choice_question_needs_a_right_option_and_two_options() {
        let q = question(QuestionKind::SingleChoice { choices: vec![choice("a", 0.0), choice("b", 50.0)] });
        assert!(q.check().is_err());
        let q = question(QuestionKind::SingleChoice { choices: vec![choice("a", 100.0)] });
        assert!(q.check().is_err());
    }

    #[test]
    fn limits_on_options_and_text_are_enforced_at_the_edge() {
        let many = |n: usize| {
            let mut choices: Vec<Choice> = (0..n).map(|i| choice(&format!("c{i}"), 0.0)).collect();
            choices[0].weight = 100.0;
            question(QuestionKind::SingleChoice { choices })
        };
        assert_eq!(many(OPTIONS_MAX).check(), Ok(()));
        assert!(many(OPTIONS_MAX + 1).check().is_err());
        let mut q = many(2);
        q.text = "é".repeat(TEXT_MAX_CHARS);
        assert_eq!(q.check(), Ok(()));
        q.text.push('x');
        assert!(q.check().is_err());
    }

    #[test]
    fn an_ordering_question_refuses_the_same_item_twice() {
        let q = question(QuestionKind::Ordering { items: vec!["a".into(), "b".into(), "a".into()] });
        assert!(q.check().is_err_and(|e| e.reason.contains("deux fois")));
    }

    #[test]
    fn a_numeric_range_must_not_be_upside_down() {
        let q = question(QuestionKind::Numerical {
            answers: vec![AcceptedNumber {
                target: NumberTarget::Range { min: 5.0, max: 1.0 },
                weight: 100.0,
                feedback: None,
            }],
        });
        assert!(q.check().is_err());
    }

    #[test]
    fn a_cloze_question_needs_a_blank() {
        let q = question(QuestionKind::Cloze { segments: vec![Segment::Text("Rien à compléter".into())] });
        assert!(q.check().is_err());
    }
}
