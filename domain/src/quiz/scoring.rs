//! Scoring an answer: a pure function of the question and the response (module doc of
//! `quiz` states the rules), run on the server only, property-tested below.

use super::{
    AcceptedNumber, AcceptedText, Blank, BlankResponse, Choice, Question, QuestionKind, Response, Segment,
    normalise_answer,
};
use serde::{Deserialize, Serialize};

/// The score of an automatically graded answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// Points earned, within `0..=out_of`.
    pub earned: f64,
    pub out_of: f64,
    /// `earned / out_of`, within `0..=1`.
    pub fraction: f64,
    /// Whether the answer earned every point.
    pub correct: bool,
    /// The feedback of what the student chose, then the general feedback.
    pub feedback: Vec<String>,
}

/// What scoring an answer gives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Outcome {
    Scored(Score),
    /// An open answer: the teacher grades it.
    NeedsManualGrading,
}

/// Scores `response` (`None`: not answered) to `question`. An answer of the wrong shape for the
/// question (a number to a choice question) earns 0, like no answer.
pub fn score(question: &Question, response: Option<&Response>) -> Outcome {
    let mut feedback = Vec::new();
    let fraction = match (&question.kind, response) {
        (QuestionKind::Open, _) => return Outcome::NeedsManualGrading,
        (QuestionKind::SingleChoice { choices }, Some(Response::Choice(i))) => single(choices, *i, &mut feedback),
        (QuestionKind::MultipleChoice { choices, negative_marks }, Some(Response::Choices(chosen))) => {
            multiple(choices, chosen, *negative_marks, &mut feedback)
        }
        (QuestionKind::TrueFalse { answer, feedback_true, feedback_false }, Some(Response::Bool(b))) => {
            feedback.extend(if *b { feedback_true.clone() } else { feedback_false.clone() });
            if b == answer { 1.0 } else { 0.0 }
        }
        (QuestionKind::ShortAnswer { answers, exact }, Some(Response::Text(t))) => {
            text(answers, *exact, t, &mut feedback)
        }
        (QuestionKind::Numerical { answers }, Some(Response::Number(n))) => number(answers, *n, &mut feedback),
        (QuestionKind::Matching { pairs }, Some(r @ Response::Matching(_))) => {
            mean(&parts(&question.kind, r, &mut feedback), pairs.len())
        }
        (QuestionKind::Ordering { items }, Some(r @ Response::Ordering(_))) => {
            mean(&parts(&question.kind, r, &mut feedback), items.len())
        }
        (QuestionKind::Cloze { .. }, Some(r @ Response::Blanks(_))) => {
            let parts = parts(&question.kind, r, &mut feedback);
            mean(&parts, parts.len())
        }
        _ => 0.0,
    };
    let fraction = fraction.clamp(0.0, 1.0);
    let out_of = question.points.value();
    feedback.extend(question.general_feedback.clone());
    Outcome::Scored(Score { earned: out_of * fraction, out_of, fraction, correct: fraction >= 1.0 - 1e-9, feedback })
}

fn mean(parts: &[f64], of: usize) -> f64 {
    if of == 0 { 0.0 } else { parts.iter().sum::<f64>() / of as f64 }
}

/// What each part of an answer earns, within `0..=1`, for the question types scored by
/// parts: a matching question's pairs (1 when the right item was chosen), an ordering
/// question's items (1 when in its place; all 0 when the answer does not hold every item
/// once), a cloze question's blanks (the share its answer earns). Empty for other types or an
/// answer of the wrong shape. The score of such a question is the mean of its parts.
pub fn part_fractions(question: &Question, response: &Response) -> Vec<f64> {
    parts(&question.kind, response, &mut Vec::new())
}

fn parts(kind: &QuestionKind, response: &Response, feedback: &mut Vec<String>) -> Vec<f64> {
    let hit = |right: bool| if right { 1.0 } else { 0.0 };
    match (kind, response) {
        (QuestionKind::Matching { pairs }, Response::Matching(chosen)) => pairs
            .iter()
            .enumerate()
            .map(|(i, (_, want))| hit(chosen.get(i).and_then(|c| c.as_deref()) == Some(want.as_str())))
            .collect(),
        (QuestionKind::Ordering { items }, Response::Ordering(order)) => {
            let complete = order.len() == items.len();
            items.iter().enumerate().map(|(i, want)| hit(complete && order.get(i) == Some(want))).collect()
        }
        (QuestionKind::Cloze { segments }, Response::Blanks(given)) => cloze(segments, given, feedback),
        _ => Vec::new(),
    }
}

fn single(choices: &[Choice], chosen: usize, feedback: &mut Vec<String>) -> f64 {
    let Some(c) = choices.get(chosen) else { return 0.0 };
    feedback.extend(c.feedback.clone());
    c.weight / 100.0
}

fn multiple(choices: &[Choice], chosen: &[usize], negative_marks: bool, feedback: &mut Vec<String>) -> f64 {
    let mut total = 0.0;
    // Each option counts once, whatever the response repeats.
    for (_, c) in choices.iter().enumerate().filter(|(i, _)| chosen.contains(i)) {
        feedback.extend(c.feedback.clone());
        total += if negative_marks { c.weight } else { c.weight.max(0.0) };
    }
    total / 100.0
}

/// A short answer as scoring compares it: trimmed when the teacher asks for the exact text,
/// otherwise [`normalise_answer`]. Two answers with the same form earn the same.
pub fn compared_text(raw: &str, exact: bool) -> String {
    if exact { raw.trim().to_string() } else { normalise_answer(raw) }
}

fn text(answers: &[AcceptedText], exact: bool, given: &str, feedback: &mut Vec<String>) -> f64 {
    let given = compared_text(given, exact);
    let best =
        answers.iter().filter(|a| compared_text(&a.text, exact) == given).max_by(|a, b| a.weight.total_cmp(&b.weight));
    let Some(a) = best else { return 0.0 };
    feedback.extend(a.feedback.clone());
    a.weight / 100.0
}

fn number(answers: &[AcceptedNumber], given: f64, feedback: &mut Vec<String>) -> f64 {
    let best = answers.iter().filter(|a| a.target.accepts(given)).max_by(|a, b| a.weight.total_cmp(&b.weight));
    let Some(a) = best else { return 0.0 };
    feedback.extend(a.feedback.clone());
    a.weight / 100.0
}

/// What each blank of a cloze answer earns, within `0..=1`.
fn cloze(segments: &[Segment], given: &[BlankResponse], feedback: &mut Vec<String>) -> Vec<f64> {
    let blanks: Vec<&Blank> = segments
        .iter()
        .filter_map(|s| match s {
            Segment::Blank(b) => Some(b),
            Segment::Text(_) => None,
        })
        .collect();
    blanks
        .iter()
        .enumerate()
        .map(|(i, blank)| {
            let part = match (blank, given.get(i)) {
                (Blank::Text { answers, exact }, Some(BlankResponse::Text(t))) => text(answers, *exact, t, feedback),
                (Blank::Number { answers }, Some(BlankResponse::Number(n))) => number(answers, *n, feedback),
                (Blank::Choice { choices }, Some(BlankResponse::Choice(c))) => single(choices, *c, feedback),
                _ => 0.0,
            };
            part.clamp(0.0, 1.0)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::{NumberTarget, Points};
    use super::*;
    use proptest::prelude::*;

    fn choice(text: &str, weight: f64) -> Choice {
        Choice { text: text.into(), weight, feedback: Some(format!("retour {text}")) }
    }

    fn question(points: f64, kind: QuestionKind) -> Question {
        Question {
            title: "Q".into(),
            category: None,
            text: "?".into(),
            points: Points::new(points).unwrap_or(Points::ONE),
            kind,
            general_feedback: Some("Revoir le chapitre 2.".into()),
            image: None,
        }
    }

    fn earned(q: &Question, r: Option<Response>) -> Option<f64> {
        match score(q, r.as_ref()) {
            Outcome::Scored(s) => Some(s.earned),
            Outcome::NeedsManualGrading => None,
        }
    }

    fn accepted(text: &str, weight: f64) -> AcceptedText {
        AcceptedText { text: text.into(), weight, feedback: None }
    }

    #[test]
    fn each_type_scores_its_worked_examples() {
        let single = question(
            2.0,
            QuestionKind::SingleChoice {
                choices: vec![choice("Paris", 100.0), choice("Lyon", 0.0), choice("Près de Paris", 50.0)],
            },
        );
        let multi = question(
            4.0,
            QuestionKind::MultipleChoice {
                choices: vec![choice("2", 50.0), choice("3", 50.0), choice("4", -100.0)],
                negative_marks: true,
            },
        );
        let multi_soft = question(
            4.0,
            QuestionKind::MultipleChoice {
                choices: vec![choice("2", 50.0), choice("3", 50.0), choice("4", -100.0)],
                negative_marks: false,
            },
        );
        let tf = question(1.0, QuestionKind::TrueFalse { answer: false, feedback_true: None, feedback_false: None });
        let short = question(
            1.0,
            QuestionKind::ShortAnswer {
                answers: vec![accepted("Orléans", 100.0), accepted("Orleans-la-Source", 50.0)],
                exact: false,
            },
        );
        let short_exact =
            question(1.0, QuestionKind::ShortAnswer { answers: vec![accepted("H2O", 100.0)], exact: true });
        let num = question(
            2.0,
            QuestionKind::Numerical {
                answers: vec![
                    AcceptedNumber {
                        target: NumberTarget::Tolerance { value: 9.81, tolerance: 0.01 },
                        weight: 100.0,
                        feedback: None,
                    },
                    AcceptedNumber {
                        target: NumberTarget::Range { min: 9.5, max: 10.0 },
                        weight: 50.0,
                        feedback: None,
                    },
                ],
            },
        );
        let matching = question(
            3.0,
            QuestionKind::Matching {
                pairs: vec![
                    ("Chat".into(), "Cat".into()),
                    ("Chien".into(), "Dog".into()),
                    ("Oiseau".into(), "Bird".into()),
                ],
            },
        );
        let ordering = question(
            4.0,
            QuestionKind::Ordering {
                items: vec!["Mérovingiens".into(), "Carolingiens".into(), "Capétiens".into(), "Valois".into()],
            },
        );
        let cloze = question(
            2.0,
            QuestionKind::Cloze {
                segments: vec![
                    Segment::Text("Le ".into()),
                    Segment::Blank(Blank::Text { answers: vec![accepted("Rhin", 100.0)], exact: false }),
                    Segment::Text(" passe à Strasbourg, qui compte ".into()),
                    Segment::Blank(Blank::Number {
                        answers: vec![AcceptedNumber {
                            target: NumberTarget::Range { min: 280_000.0, max: 300_000.0 },
                            weight: 100.0,
                            feedback: None,
                        }],
                    }),
                    Segment::Text(" habitants.".into()),
                ],
            },
        );
        let s = |x: &str| Some(x.to_string());
        let cases: Vec<(&Question, Option<Response>, Option<f64>)> = vec![
            (&single, Some(Response::Choice(0)), Some(2.0)),
            (&single, Some(Response::Choice(1)), Some(0.0)),
            (&single, Some(Response::Choice(2)), Some(1.0)),
            (&single, Some(Response::Choice(9)), Some(0.0)),
            (&single, None, Some(0.0)),
            (&single, Some(Response::Text("Paris".into())), Some(0.0)),
            (&multi, Some(Response::Choices(vec![0, 1])), Some(4.0)),
            (&multi, Some(Response::Choices(vec![0])), Some(2.0)),
            (&multi, Some(Response::Choices(vec![0, 0, 0])), Some(2.0)),
            (&multi, Some(Response::Choices(vec![0, 2])), Some(0.0)),
            (&multi, Some(Response::Choices(vec![0, 1, 2])), Some(0.0)),
            (&multi_soft, Some(Response::Choices(vec![0, 1, 2])), Some(4.0)),
            (&multi, Some(Response::Choices(vec![])), Some(0.0)),
            (&tf, Some(Response::Bool(false)), Some(1.0)),
            (&tf, Some(Response::Bool(true)), Some(0.0)),
            (&short, Some(Response::Text("  orleans ".into())), Some(1.0)),
            (&short, Some(Response::Text("ORLÉANS-LA-SOURCE".into())), Some(0.5)),
            (&short, Some(Response::Text("Tours".into())), Some(0.0)),
            (&short_exact, Some(Response::Text("h2o".into())), Some(0.0)),
            (&short_exact, Some(Response::Text(" H2O".into())), Some(1.0)),
            (&num, Some(Response::Number(9.815)), Some(2.0)),
            (&num, Some(Response::Number(9.9)), Some(1.0)),
            (&num, Some(Response::Number(9.0)), Some(0.0)),
            (&matching, Some(Response::Matching(vec![s("Cat"), s("Dog"), s("Bird")])), Some(3.0)),
            (&matching, Some(Response::Matching(vec![s("Cat"), s("Bird"), None])), Some(1.0)),
            (
                &ordering,
                Some(Response::Ordering(vec![
                    "Mérovingiens".into(),
                    "Carolingiens".into(),
                    "Valois".into(),
                    "Capétiens".into(),
                ])),
                Some(2.0),
            ),
            (&ordering, Some(Response::Ordering(vec!["Mérovingiens".into()])), Some(0.0)),
            (
                &cloze,
                Some(Response::Blanks(vec![BlankResponse::Text("rhin".into()), BlankResponse::Number(290_000.0)])),
                Some(2.0),
            ),
            (
                &cloze,
                Some(Response::Blanks(vec![BlankResponse::Text("Rhône".into()), BlankResponse::Number(290_000.0)])),
                Some(1.0),
            ),
            (&cloze, Some(Response::Blanks(vec![BlankResponse::Empty])), Some(0.0)),
        ];
        for (i, (q, r, want)) in cases.into_iter().enumerate() {
            let got = earned(q, r);
            assert!(
                matches!((got, want), (Some(g), Some(w)) if (g - w).abs() < 1e-9),
                "case {i}: got {got:?}, want {want:?}"
            );
        }
    }

    #[test]
    fn an_open_answer_waits_for_the_teacher() {
        let q = question(5.0, QuestionKind::Open);
        assert_eq!(score(&q, Some(&Response::Essay("Mon texte".into()))), Outcome::NeedsManualGrading);
    }

    #[test]
    fn the_chosen_options_feedback_comes_before_the_general_one() {
        let q =
            question(1.0, QuestionKind::SingleChoice { choices: vec![choice("Paris", 100.0), choice("Lyon", 0.0)] });
        let Outcome::Scored(s) = score(&q, Some(&Response::Choice(1))) else { panic!("scored") };
        assert_eq!(s.feedback, vec!["retour Lyon".to_string(), "Revoir le chapitre 2.".to_string()]);
        assert!(!s.correct);
    }

    /// Weights in whole percents for multiple choice: `right` options share 100 %, the others
    /// get negative weights.
    fn multiple_choice() -> impl Strategy<Value = (Vec<Choice>, bool)> {
        (1usize..5, 0usize..5, any::<bool>()).prop_filter("two options at least", |(r, w, _)| r + w >= 2).prop_flat_map(
            |(right, wrong, negative)| {
                (proptest::collection::vec(1u32..100, right), proptest::collection::vec(-100i32..=0, wrong)).prop_map(
                    move |(shares, penalties)| {
                        let total: u32 = shares.iter().sum();
                        let mut weights: Vec<f64> =
                            shares.iter().map(|s| f64::from(*s) * 100.0 / f64::from(total)).collect();
                        weights.extend(penalties.iter().map(|p| f64::from(*p)));
                        let choices = weights.iter().enumerate().map(|(i, w)| choice(&format!("c{i}"), *w)).collect();
                        (choices, negative)
                    },
                )
            },
        )
    }

    proptest! {
        #[test]
        fn a_score_stays_within_the_points((choices, negative) in multiple_choice(), chosen in proptest::collection::vec(0usize..10, 0..10), points in 1u32..=100) {
            let q = question(f64::from(points), QuestionKind::MultipleChoice { choices, negative_marks: negative });
            prop_assert_eq!(q.check(), Ok(()));
            let Outcome::Scored(s) = score(&q, Some(&Response::Choices(chosen))) else { panic!("scored") };
            prop_assert!(s.earned >= 0.0 && s.earned <= s.out_of + 1e-9);
        }

        #[test]
        fn permuting_options_does_not_change_the_score((choices, negative) in multiple_choice(), chosen in proptest::collection::vec(0usize..10, 0..10), seed in any::<u64>()) {
            let q = question(3.0, QuestionKind::MultipleChoice { choices: choices.clone(), negative_marks: negative });
            let order = super::super::Shuffle::new(seed).permutation(choices.len());
            // Option `order[k]` of the original is option `k` of the permuted question.
            let permuted_choices = order.iter().map(|&i| choices[i].clone()).collect();
            let p = question(3.0, QuestionKind::MultipleChoice { choices: permuted_choices, negative_marks: negative });
            let permuted_chosen = chosen.iter().filter_map(|c| order.iter().position(|&i| i == *c)).collect();
            let a = earned(&q, Some(Response::Choices(chosen)));
            let b = earned(&p, Some(Response::Choices(permuted_chosen)));
            prop_assert!(matches!((a, b), (Some(a), Some(b)) if (a - b).abs() < 1e-9));
        }

        #[test]
        fn partial_credit_adds_up_to_the_whole((choices, _) in multiple_choice()) {
            let q = question(5.0, QuestionKind::MultipleChoice { choices: choices.clone(), negative_marks: true });
            let right: Vec<usize> = (0..choices.len()).filter(|&i| choices[i].weight > 0.0).collect();
            let parts: f64 = right.iter().filter_map(|&i| earned(&q, Some(Response::Choices(vec![i])))).sum();
            let whole = earned(&q, Some(Response::Choices(right)));
            prop_assert!(matches!(whole, Some(w) if (w - 5.0).abs() < 1e-9 && (parts - w).abs() < 1e-9));
        }

        #[test]
        fn matching_and_ordering_scores_stay_within_the_points(n in 2usize..8, answer in proptest::collection::vec(0usize..8, 0..10)) {
            let items: Vec<String> = (0..n).map(|i| format!("i{i}")).collect();
            let pairs = items.iter().map(|i| (i.clone(), format!("r{i}"))).collect();
            let ordering = question(2.0, QuestionKind::Ordering { items: items.clone() });
            let matching = question(2.0, QuestionKind::Matching { pairs });
            let order = answer.iter().map(|i| format!("i{i}")).collect();
            let matched = answer.iter().map(|i| Some(format!("ri{i}"))).collect();
            for got in [earned(&ordering, Some(Response::Ordering(order))), earned(&matching, Some(Response::Matching(matched)))] {
                prop_assert!(matches!(got, Some(g) if (0.0..=2.0).contains(&g)));
            }
        }
    }
}
