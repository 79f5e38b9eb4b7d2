//! How the answers to one question were distributed, for the teacher's results page: what
//! each option drew, the most frequent short or numerical answers, how each pair, item or
//! blank went, how many open answers are graded. A pure function of the question and the
//! answers counted (one per student, mapped back to the authoring order), so that the page
//! and its tests see the same numbers.

use super::assignment::{number_fr, right_answers};
use super::live::Tally;
use super::{Outcome, Question, QuestionKind, Response, compared_text, part_fractions, score};
use serde::{Deserialize, Serialize};

/// How many different short or numerical answers are listed, most frequent first; the
/// others are summed in [`Distribution::Frequent::others`].
pub const FREQUENT_ANSWERS_SHOWN: usize = 5;

/// One counted answer: the response against the authoring order, and the points it earned
/// (`None`: an open answer the teacher has not graded yet).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Given<'a> {
    pub response: &'a Response,
    pub earned: Option<f64>,
}

/// A question's answers over the counted attempts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerDistribution {
    /// Counted attempts (one per student who handed something in): every share is of these.
    pub attempts: u32,
    /// Of them, those that answered the question.
    pub answered: u32,
    pub detail: Distribution,
}

/// What the distribution holds, by question type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Distribution {
    /// Single choice, multiple choice, true/false: each option in the written order.
    Options(Vec<OptionCount>),
    /// Short answer, numerical: the most frequent answers (as scoring compares them), at most
    /// [`FREQUENT_ANSWERS_SHOWN`], and how many answers were something else.
    Frequent { answers: Vec<FrequentAnswer>, others: u32 },
    /// Matching (each pair), ordering (each item in its place), cloze (each blank).
    Parts(Vec<PartRate>),
    /// Open answers: graded by the teacher, or waiting.
    Open { graded: u32, waiting: u32 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionCount {
    pub text: String,
    /// Counted attempts that chose it.
    pub count: u32,
    /// A right option (single choice and true/false: the one worth 100 %; multiple choice:
    /// one with a positive weight).
    pub right: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrequentAnswer {
    /// The answer as scoring compares it (a short answer without case, accents or extra
    /// spaces unless exact; a number the French way).
    pub answer: String,
    pub count: u32,
    /// The share of the points it earns, within `0..=1`.
    pub earns: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartRate {
    /// "Paris → France", "2. Le Moyen Âge", or a blank's expected answer.
    pub label: String,
    /// Counted attempts that got this part entirely right.
    pub right: u32,
    /// Mean share earned on it over the counted attempts (unanswered counts 0), `0..=1`.
    pub rate: f64,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The distribution of `given` (the counted attempts that answered, against the authoring
/// order) over `attempts` counted attempts.
pub fn distribution(question: &Question, attempts: u32, given: &[Given<'_>]) -> AnswerDistribution {
    let detail = match &question.kind {
        QuestionKind::SingleChoice { choices } | QuestionKind::MultipleChoice { choices, .. } => {
            let multiple = matches!(question.kind, QuestionKind::MultipleChoice { .. });
            let tally = tally(question, given);
            let options = choices
                .iter()
                .zip(&tally.options)
                .map(|(c, n)| OptionCount {
                    text: c.text.clone(),
                    count: *n,
                    right: if multiple { c.weight > 0.0 } else { c.weight >= 100.0 - 1e-9 },
                })
                .collect();
            Distribution::Options(options)
        }
        QuestionKind::TrueFalse { answer, .. } => {
            let tally = tally(question, given);
            let options = [(true, "Vrai"), (false, "Faux")]
                .into_iter()
                .zip(&tally.options)
                .map(|((value, text), n)| OptionCount { text: text.into(), count: *n, right: value == *answer })
                .collect();
            Distribution::Options(options)
        }
        QuestionKind::ShortAnswer { exact, .. } => frequent(question, given, |r| match r {
            Response::Text(t) => Some(compared_text(t, *exact)),
            _ => None,
        }),
        QuestionKind::Numerical { .. } => frequent(question, given, |r| match r {
            Response::Number(n) => Some(number_fr(*n)),
            _ => None,
        }),
        QuestionKind::Matching { .. } | QuestionKind::Ordering { .. } | QuestionKind::Cloze { .. } => {
            let labels = match &question.kind {
                QuestionKind::Ordering { items } => {
                    items.iter().enumerate().map(|(i, item)| format!("{}. {item}", i + 1)).collect()
                }
                QuestionKind::Cloze { .. } => right_answers(question)
                    .into_iter()
                    .enumerate()
                    .map(|(i, expected)| format!("Trou {} : {expected}", i + 1))
                    .collect(),
                _ => right_answers(question),
            };
            let mut right = vec![0u32; labels.len()];
            let mut earned = vec![0.0f64; labels.len()];
            for g in given {
                for (i, part) in part_fractions(question, g.response).into_iter().enumerate().take(labels.len()) {
                    earned[i] += part;
                    right[i] += u32::from(part >= 1.0 - 1e-9);
                }
            }
            let parts = labels
                .into_iter()
                .enumerate()
                .map(|(i, label)| PartRate {
                    label,
                    right: right[i],
                    rate: if attempts == 0 { 0.0 } else { earned[i] / f64::from(attempts) },
                })
                .collect();
            Distribution::Parts(parts)
        }
        QuestionKind::Open => {
            let graded = count(given.iter().filter(|g| g.earned.is_some()).count());
            Distribution::Open { graded, waiting: count(given.len()) - graded }
        }
    };
    AnswerDistribution { attempts, answered: count(given.len()), detail }
}

/// The live histogram's counts, reused: each option chosen, a multiple-choice answer counting
/// in each option it ticks.
fn tally(question: &Question, given: &[Given<'_>]) -> Tally {
    let mut tally = Tally::new(question);
    for g in given {
        tally.add(g.response, false);
    }
    tally
}

fn frequent(question: &Question, given: &[Given<'_>], key: impl Fn(&Response) -> Option<String>) -> Distribution {
    // (key, count, a response with that key, to score it once).
    let mut seen: Vec<(String, u32, &Response)> = Vec::new();
    for g in given {
        let Some(k) = key(g.response) else { continue };
        match seen.iter_mut().find(|(s, _, _)| *s == k) {
            Some(entry) => entry.1 += 1,
            None => seen.push((k, 1, g.response)),
        }
    }
    seen.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let others = seen.iter().skip(FREQUENT_ANSWERS_SHOWN).map(|(_, n, _)| *n).sum();
    let answers = seen
        .into_iter()
        .take(FREQUENT_ANSWERS_SHOWN)
        .map(|(answer, count, response)| FrequentAnswer {
            answer,
            count,
            earns: match score(question, Some(response)) {
                Outcome::Scored(s) => s.fraction,
                Outcome::NeedsManualGrading => 0.0,
            },
        })
        .collect();
    Distribution::Frequent { answers, others }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quiz::{AcceptedNumber, AcceptedText, Blank, Choice, NumberTarget, Points, Segment};

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

    fn choice(text: &str, weight: f64) -> Choice {
        Choice { text: text.into(), weight, feedback: None }
    }

    fn given(responses: &[Response]) -> Vec<Given<'_>> {
        responses.iter().map(|r| Given { response: r, earned: Some(0.0) }).collect()
    }

    #[test]
    fn choice_options_count_each_counted_attempt_and_mark_the_right_ones() {
        let q = question(QuestionKind::MultipleChoice {
            choices: vec![choice("2", 50.0), choice("3", 50.0), choice("4", -100.0)],
            negative_marks: true,
        });
        let answers = [Response::Choices(vec![0, 1]), Response::Choices(vec![0, 2, 2]), Response::Choices(vec![1])];
        let d = distribution(&q, 4, &given(&answers));
        assert_eq!((d.attempts, d.answered), (4, 3));
        assert_eq!(
            d.detail,
            Distribution::Options(vec![
                OptionCount { text: "2".into(), count: 2, right: true },
                OptionCount { text: "3".into(), count: 2, right: true },
                OptionCount { text: "4".into(), count: 1, right: false },
            ])
        );
        let single = question(QuestionKind::SingleChoice {
            choices: vec![choice("Lyon", 0.0), choice("Paris", 100.0), choice("Près de Paris", 50.0)],
        });
        let answers = [Response::Choice(1), Response::Choice(2), Response::Choice(1)];
        let Distribution::Options(options) = distribution(&single, 3, &given(&answers)).detail else {
            panic!("options")
        };
        assert_eq!(options.iter().map(|o| (o.count, o.right)).collect::<Vec<_>>(), [(0, false), (2, true), (1, false)]);
    }

    #[test]
    fn true_false_counts_true_then_false() {
        let q = question(QuestionKind::TrueFalse { answer: false, feedback_true: None, feedback_false: None });
        let answers = [Response::Bool(false), Response::Bool(false), Response::Bool(true)];
        assert_eq!(
            distribution(&q, 3, &given(&answers)).detail,
            Distribution::Options(vec![
                OptionCount { text: "Vrai".into(), count: 1, right: false },
                OptionCount { text: "Faux".into(), count: 2, right: true },
            ])
        );
    }

    #[test]
    fn short_answers_are_grouped_as_scoring_compares_them_and_the_rest_summed() {
        let q = question(QuestionKind::ShortAnswer {
            answers: vec![
                AcceptedText { text: "Orléans".into(), weight: 100.0, feedback: None },
                AcceptedText { text: "Orleans-la-Source".into(), weight: 50.0, feedback: None },
            ],
            exact: false,
        });
        let texts = [
            "Orléans",
            " orleans ",
            "ORLÉANS",
            "Orleans-la-Source",
            "Tours",
            "Tours",
            "Blois",
            "Paris",
            "Nantes",
            "Lyon",
        ];
        let answers: Vec<Response> = texts.iter().map(|t| Response::Text((*t).into())).collect();
        let Distribution::Frequent { answers: top, others } = distribution(&q, 11, &given(&answers)).detail else {
            panic!("frequent")
        };
        assert_eq!(
            top.iter().map(|a| (a.answer.as_str(), a.count, a.earns)).collect::<Vec<_>>(),
            [("orleans", 3, 1.0), ("tours", 2, 0.0), ("blois", 1, 0.0), ("lyon", 1, 0.0), ("nantes", 1, 0.0)]
        );
        assert_eq!(top.len(), FREQUENT_ANSWERS_SHOWN);
        // "orleans-la-source" and "paris" are beyond the five shown.
        assert_eq!(others, 2);
        let exact = question(QuestionKind::ShortAnswer {
            answers: vec![AcceptedText { text: "H2O".into(), weight: 100.0, feedback: None }],
            exact: true,
        });
        let answers = [Response::Text("H2O ".into()), Response::Text("h2o".into())];
        let Distribution::Frequent { answers: top, others: 0 } = distribution(&exact, 2, &given(&answers)).detail
        else {
            panic!("frequent")
        };
        assert_eq!(top.iter().map(|a| (a.answer.as_str(), a.earns)).collect::<Vec<_>>(), [("H2O", 1.0), ("h2o", 0.0)]);
    }

    #[test]
    fn numbers_are_grouped_by_value_and_written_the_french_way() {
        let q = question(QuestionKind::Numerical {
            answers: vec![AcceptedNumber {
                target: NumberTarget::Tolerance { value: 9.81, tolerance: 0.01 },
                weight: 100.0,
                feedback: None,
            }],
        });
        let answers = [Response::Number(9.81), Response::Number(9.8), Response::Number(9.810), Response::Number(10.0)];
        let Distribution::Frequent { answers: top, others: 0 } = distribution(&q, 4, &given(&answers)).detail else {
            panic!("frequent")
        };
        assert_eq!(
            top.iter().map(|a| (a.answer.as_str(), a.count, a.earns)).collect::<Vec<_>>(),
            [("9,81", 2, 1.0), ("10", 1, 0.0), ("9,8", 1, 1.0)]
        );
    }

    #[test]
    fn pairs_items_and_blanks_get_their_own_success_rate() {
        let matching = question(QuestionKind::Matching {
            pairs: vec![("Paris".into(), "France".into()), ("Rome".into(), "Italie".into())],
        });
        let answers = [
            Response::Matching(vec![Some("France".into()), Some("Italie".into())]),
            Response::Matching(vec![Some("France".into()), None]),
        ];
        assert_eq!(
            distribution(&matching, 4, &given(&answers)).detail,
            Distribution::Parts(vec![
                PartRate { label: "Paris → France".into(), right: 2, rate: 0.5 },
                PartRate { label: "Rome → Italie".into(), right: 1, rate: 0.25 },
            ])
        );
        let ordering = question(QuestionKind::Ordering { items: vec!["a".into(), "b".into(), "c".into()] });
        let answers = [
            Response::Ordering(vec!["a".into(), "c".into(), "b".into()]),
            // Not every item: nothing is in its place.
            Response::Ordering(vec!["a".into(), "b".into()]),
        ];
        let Distribution::Parts(parts) = distribution(&ordering, 2, &given(&answers)).detail else { panic!("parts") };
        assert_eq!(
            parts.iter().map(|p| (p.label.as_str(), p.right)).collect::<Vec<_>>(),
            [("1. a", 1), ("2. b", 0), ("3. c", 0)]
        );
        let cloze = question(QuestionKind::Cloze {
            segments: vec![
                Segment::Text("Il ".into()),
                Segment::Blank(Blank::Text {
                    answers: vec![
                        AcceptedText { text: "fut".into(), weight: 100.0, feedback: None },
                        AcceptedText { text: "était".into(), weight: 50.0, feedback: None },
                    ],
                    exact: false,
                }),
                Segment::Blank(Blank::Choice { choices: vec![choice("roi", 100.0), choice("reine", 0.0)] }),
            ],
        });
        let answers = [
            Response::Blanks(vec![
                crate::quiz::BlankResponse::Text("était".into()),
                crate::quiz::BlankResponse::Choice(0),
            ]),
            Response::Blanks(vec![
                crate::quiz::BlankResponse::Text("fut".into()),
                crate::quiz::BlankResponse::Choice(1),
            ]),
        ];
        assert_eq!(
            distribution(&cloze, 2, &given(&answers)).detail,
            Distribution::Parts(vec![
                PartRate { label: "Trou 1 : fut".into(), right: 1, rate: 0.75 },
                PartRate { label: "Trou 2 : roi".into(), right: 1, rate: 0.5 },
            ])
        );
    }

    #[test]
    fn open_answers_are_graded_or_waiting_and_nothing_counted_is_all_zero() {
        let q = question(QuestionKind::Open);
        let essays = [Response::Essay("a".into()), Response::Essay("b".into()), Response::Essay("c".into())];
        let answers = [
            Given { response: &essays[0], earned: Some(1.0) },
            Given { response: &essays[1], earned: None },
            Given { response: &essays[2], earned: Some(0.0) },
        ];
        let d = distribution(&q, 5, &answers);
        assert_eq!((d.answered, d.detail), (3, Distribution::Open { graded: 2, waiting: 1 }));
        let matching = question(QuestionKind::Matching { pairs: vec![("a".into(), "b".into())] });
        let d = distribution(&matching, 0, &[]);
        assert_eq!(d.detail, Distribution::Parts(vec![PartRate { label: "a → b".into(), right: 0, rate: 0.0 }]));
    }
}
