//! What a student may see of a question before feedback is due, and the display order of
//! options. The student view is a separate type so the answer key is absent by construction:
//! no weights, no accepted answers, no feedback, no right order.

use super::{Blank, BlankResponse, Question, QuestionKind, Response, Segment};
use serde::{Deserialize, Serialize};

/// The display order of a question's options for one attempt, drawn from a seed the server
/// keeps with the attempt (`None`: the teacher turned shuffling off, options show as written).
/// Ordering items and matching answers are always shuffled, since their written order is the
/// answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shuffle {
    seed: Option<u64>,
}

/// Seed used for what must be shuffled when the teacher turned shuffling off.
const ALWAYS_SHUFFLED_SEED: u64 = 0x5052_4541_5551_495a;

/// splitmix64: small, fast, and the same on every platform (the browser and the server must
/// agree on an order).
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn permute(seed: u64, n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut state = seed;
    for i in (1..n).rev() {
        // The modulo bias is below 2^-50 for the sizes a question has.
        let j = (next(&mut state) % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    order
}

impl Shuffle {
    pub fn new(seed: u64) -> Self {
        Shuffle { seed: Some(seed) }
    }

    /// Options in the order they were written.
    pub fn none() -> Self {
        Shuffle { seed: None }
    }

    /// `order[k]` is the authoring index of the option shown at position `k`.
    pub fn permutation(self, n: usize) -> Vec<usize> {
        match self.seed {
            Some(seed) => permute(seed, n),
            None => (0..n).collect(),
        }
    }

    /// The permutation for the `part`-th list of a question (a cloze question's blanks each
    /// get their own).
    fn part(self, part: usize) -> Shuffle {
        Shuffle { seed: self.seed.map(|s| s ^ (part as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)) }
    }

    /// An order that differs from the written one whenever there are two items or more.
    fn always(self, n: usize) -> Vec<usize> {
        let mut order = permute(self.seed.unwrap_or(ALWAYS_SHUFFLED_SEED), n);
        if n >= 2 && order.iter().enumerate().all(|(k, &i)| k == i) {
            order.rotate_left(1);
        }
        order
    }

    /// Turns an answer given against the displayed order into one against the written order,
    /// which is what [`super::score`] reads. A position that was not shown is dropped.
    pub fn to_authoring(self, question: &Question, response: Response) -> Response {
        let back = |order: &[usize], shown: usize| order.get(shown).copied().unwrap_or(usize::MAX);
        match (&question.kind, response) {
            (QuestionKind::SingleChoice { choices }, Response::Choice(k)) => {
                Response::Choice(back(&self.permutation(choices.len()), k))
            }
            (QuestionKind::MultipleChoice { choices, .. }, Response::Choices(ks)) => {
                let order = self.permutation(choices.len());
                Response::Choices(ks.into_iter().filter_map(|k| order.get(k).copied()).collect())
            }
            (QuestionKind::Cloze { segments }, Response::Blanks(given)) => {
                let blanks = segments.iter().filter_map(|s| match s {
                    Segment::Blank(b) => Some(b),
                    Segment::Text(_) => None,
                });
                Response::Blanks(
                    blanks
                        .zip(given)
                        .enumerate()
                        .map(|(part, (blank, given))| match (blank, given) {
                            (Blank::Choice { choices }, BlankResponse::Choice(k)) => {
                                BlankResponse::Choice(back(&self.part(part).permutation(choices.len()), k))
                            }
                            (_, given) => given,
                        })
                        .collect(),
                )
            }
            (_, response) => response,
        }
    }
}

/// A blank as the student sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum StudentBlank {
    Text,
    Number,
    Choice { choices: Vec<String> },
}

/// A run of a cloze question as the student sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum StudentSegment {
    Text(String),
    Blank(StudentBlank),
}

/// What the student answers, without the key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum StudentKind {
    /// Options in display order; the answer is a display position.
    SingleChoice {
        choices: Vec<String>,
    },
    MultipleChoice {
        choices: Vec<String>,
    },
    TrueFalse,
    ShortAnswer,
    Numerical,
    /// Left items as written; the distinct right items in a shuffled order.
    Matching {
        left: Vec<String>,
        right: Vec<String>,
    },
    /// Items in an order that is not the answer.
    Ordering {
        items: Vec<String>,
    },
    Cloze {
        segments: Vec<StudentSegment>,
    },
    Open,
}

/// A question as a student sees it while answering. The title is the teacher's label and is
/// left out (it may name the answer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudentQuestion {
    pub text: String,
    pub points: f64,
    pub image: Option<String>,
    pub kind: StudentKind,
}

fn in_order<T: Clone>(items: &[T], order: &[usize]) -> Vec<T> {
    order.iter().filter_map(|&i| items.get(i).cloned()).collect()
}

impl Question {
    /// The question without its answer key, options in the order `shuffle` draws.
    pub fn student_view(&self, shuffle: Shuffle) -> StudentQuestion {
        let texts = |choices: &[super::Choice], shuffle: Shuffle| {
            let texts: Vec<String> = choices.iter().map(|c| c.text.clone()).collect();
            in_order(&texts, &shuffle.permutation(texts.len()))
        };
        let kind = match &self.kind {
            QuestionKind::SingleChoice { choices } => StudentKind::SingleChoice { choices: texts(choices, shuffle) },
            QuestionKind::MultipleChoice { choices, .. } => {
                StudentKind::MultipleChoice { choices: texts(choices, shuffle) }
            }
            QuestionKind::TrueFalse { .. } => StudentKind::TrueFalse,
            QuestionKind::ShortAnswer { .. } => StudentKind::ShortAnswer,
            QuestionKind::Numerical { .. } => StudentKind::Numerical,
            QuestionKind::Matching { pairs } => {
                let mut right: Vec<String> = Vec::new();
                for (_, r) in pairs {
                    if !right.contains(r) {
                        right.push(r.clone());
                    }
                }
                let order = shuffle.always(right.len());
                StudentKind::Matching {
                    left: pairs.iter().map(|(l, _)| l.clone()).collect(),
                    right: in_order(&right, &order),
                }
            }
            QuestionKind::Ordering { items } => {
                StudentKind::Ordering { items: in_order(items, &shuffle.always(items.len())) }
            }
            QuestionKind::Cloze { segments } => {
                let mut part = 0;
                StudentKind::Cloze {
                    segments: segments
                        .iter()
                        .map(|s| match s {
                            Segment::Text(t) => StudentSegment::Text(t.clone()),
                            Segment::Blank(b) => {
                                let blank = match b {
                                    Blank::Text { .. } => StudentBlank::Text,
                                    Blank::Number { .. } => StudentBlank::Number,
                                    Blank::Choice { choices } => {
                                        StudentBlank::Choice { choices: texts(choices, shuffle.part(part)) }
                                    }
                                };
                                part += 1;
                                StudentSegment::Blank(blank)
                            }
                        })
                        .collect(),
                }
            }
            QuestionKind::Open => StudentKind::Open,
        };
        StudentQuestion { text: self.text.clone(), points: self.points.value(), image: self.image.clone(), kind }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{AcceptedText, Choice, Outcome, Points, score};
    use super::*;
    use proptest::prelude::*;

    fn question(kind: QuestionKind) -> Question {
        Question {
            title: "La capitale : Paris".into(),
            category: None,
            text: "Quelle est la capitale de la France ?".into(),
            points: Points::ONE,
            kind,
            general_feedback: Some("SECRET-RETOUR".into()),
            image: None,
        }
    }

    fn choices() -> Vec<Choice> {
        ["Paris", "Lyon", "Marseille", "Lille"]
            .iter()
            .enumerate()
            .map(|(i, t)| Choice {
                text: (*t).into(),
                weight: if i == 0 { 100.0 } else { 0.0 },
                feedback: Some("SECRET-RETOUR".into()),
            })
            .collect()
    }

    #[test]
    fn the_student_view_carries_no_key_no_feedback_and_no_title() {
        let questions = [
            question(QuestionKind::SingleChoice { choices: choices() }),
            question(QuestionKind::ShortAnswer {
                answers: vec![AcceptedText { text: "SECRET-REPONSE".into(), weight: 100.0, feedback: None }],
                exact: false,
            }),
            question(QuestionKind::Cloze {
                segments: vec![
                    Segment::Text("La capitale est ".into()),
                    Segment::Blank(Blank::Text {
                        answers: vec![AcceptedText { text: "SECRET-REPONSE".into(), weight: 100.0, feedback: None }],
                        exact: false,
                    }),
                ],
            }),
        ];
        for q in questions {
            let shown = format!("{:?}", q.student_view(Shuffle::new(7)));
            for secret in ["SECRET", "100", "weight", "La capitale : Paris"] {
                assert!(!shown.contains(secret), "{secret} leaked in {shown}");
            }
        }
    }

    #[test]
    fn ordering_items_are_never_shown_in_the_right_order() {
        let items: Vec<String> = ["a", "b"].iter().map(|s| (*s).to_string()).collect();
        let q = question(QuestionKind::Ordering { items: items.clone() });
        for shuffle in [Shuffle::none(), Shuffle::new(0), Shuffle::new(1), Shuffle::new(2)] {
            let StudentKind::Ordering { items: shown } = q.student_view(shuffle).kind else { panic!("ordering") };
            assert_ne!(shown, items);
        }
    }

    #[test]
    fn without_shuffling_options_show_as_written() {
        let q = question(QuestionKind::SingleChoice { choices: choices() });
        let StudentKind::SingleChoice { choices: shown } = q.student_view(Shuffle::none()).kind else {
            panic!("choice")
        };
        assert_eq!(shown, ["Paris", "Lyon", "Marseille", "Lille"]);
    }

    proptest! {
        #[test]
        fn a_permutation_holds_every_index_once(seed in any::<u64>(), n in 0usize..60) {
            let mut order = Shuffle::new(seed).permutation(n);
            order.sort_unstable();
            prop_assert_eq!(order, (0..n).collect::<Vec<_>>());
        }

        #[test]
        fn choosing_what_is_shown_scores_what_was_meant(seed in any::<u64>(), shown in 0usize..4) {
            let q = question(QuestionKind::SingleChoice { choices: choices() });
            let shuffle = Shuffle::new(seed);
            let StudentKind::SingleChoice { choices: display } = q.student_view(shuffle).kind else { panic!("choice") };
            let answer = shuffle.to_authoring(&q, Response::Choice(shown));
            let Outcome::Scored(s) = score(&q, Some(&answer)) else { panic!("scored") };
            prop_assert_eq!(s.correct, display[shown] == "Paris");
        }
    }
}
