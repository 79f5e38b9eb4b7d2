//! GIFT corpus: valid files with the questions they must give, invalid ones with the exact
//! problems and lines, and export then import as a property.

use super::*;
use proptest::prelude::*;

fn one(input: &str) -> Question {
    match parse_gift(input) {
        Ok(mut qs) if qs.len() == 1 => qs.remove(0),
        other => panic!("one question expected from {input:?}, got {other:?}"),
    }
}

fn choice(text: &str, weight: f64, feedback: Option<&str>) -> Choice {
    Choice { text: text.into(), weight, feedback: feedback.map(Into::into) }
}

fn text(t: &str, weight: f64) -> AcceptedText {
    AcceptedText { text: t.into(), weight, feedback: None }
}

#[test]
fn a_single_choice_question_with_title_and_feedback() {
    let q = one("::Capitale::Quelle est la capitale de la France ? {=Paris#Bravo ~Lyon#Non, c'est Paris. ~Marseille}");
    assert_eq!(q.title, "Capitale");
    assert_eq!(q.text, "Quelle est la capitale de la France ?");
    assert_eq!(q.points, Points::ONE);
    assert_eq!(
        q.kind,
        QuestionKind::SingleChoice {
            choices: vec![
                choice("Paris", 100.0, Some("Bravo")),
                choice("Lyon", 0.0, Some("Non, c'est Paris.")),
                choice("Marseille", 0.0, None)
            ]
        }
    );
}

#[test]
fn a_question_without_title_is_named_after_its_text() {
    assert_eq!(one("Qui a écrit Les Misérables ? {=Hugo ~Zola}").title, "Qui a écrit Les Misérables ?");
}

#[test]
fn weights_make_a_multiple_choice_question_with_negative_marks() {
    let q = one("Quels nombres sont pairs ? {\n~%50%2\n~%50%4\n~%-100%3\n}");
    assert_eq!(
        q.kind,
        QuestionKind::MultipleChoice {
            choices: vec![choice("2", 50.0, None), choice("4", 50.0, None), choice("3", -100.0, None)],
            negative_marks: true
        }
    );
}

#[test]
fn a_partial_weight_on_a_wrong_answer_stays_single_choice() {
    let q = one("Où est Strasbourg ? {=Alsace ~%50%Grand Est ~Bretagne}");
    assert!(matches!(q.kind, QuestionKind::SingleChoice { ref choices } if choices[1].weight == 50.0));
}

#[test]
fn true_false_in_every_spelling_with_feedback_for_wrong_then_right() {
    for (input, answer) in [("{T}", true), ("{TRUE}", true), ("{F}", false), ("{FALSE}", false), ("{t}", true)] {
        let q = one(&format!("La Terre est ronde. {input}"));
        assert_eq!(q.kind, QuestionKind::TrueFalse { answer, feedback_true: None, feedback_false: None });
    }
    let q = one("Le soleil tourne autour de la Terre. {FALSE#Non : c'est l'inverse.#Exact.}");
    assert_eq!(
        q.kind,
        QuestionKind::TrueFalse {
            answer: false,
            feedback_true: Some("Non : c'est l'inverse.".into()),
            feedback_false: Some("Exact.".into())
        }
    );
}

#[test]
fn only_right_answers_make_a_short_answer_question() {
    let q = one("Capitale de l'Alsace ? {=Strasbourg =%50%Strasburg#Presque}");
    assert_eq!(
        q.kind,
        QuestionKind::ShortAnswer {
            answers: vec![
                text("Strasbourg", 100.0),
                AcceptedText { text: "Strasburg".into(), weight: 50.0, feedback: Some("Presque".into()) }
            ],
            exact: false
        }
    );
}

#[test]
fn arrows_make_a_matching_question() {
    let q = one("Associez. {\n=Chat -> Cat\n=Chien -> Dog\n=Oiseau -> Bird\n}");
    assert_eq!(
        q.kind,
        QuestionKind::Matching {
            pairs: vec![
                ("Chat".into(), "Cat".into()),
                ("Chien".into(), "Dog".into()),
                ("Oiseau".into(), "Bird".into())
            ]
        }
    );
}

#[test]
fn numerical_answers_exact_tolerance_range_and_several() {
    let kind = |input: &str| one(&format!("Combien ? {input}")).kind;
    let single =
        |target| QuestionKind::Numerical { answers: vec![AcceptedNumber { target, weight: 100.0, feedback: None }] };
    assert_eq!(kind("{#42}"), single(NumberTarget::Exact(42.0)));
    assert_eq!(kind("{#9.81:0.01}"), single(NumberTarget::Tolerance { value: 9.81, tolerance: 0.01 }));
    assert_eq!(kind("{#1..5}"), single(NumberTarget::Range { min: 1.0, max: 5.0 }));
    assert_eq!(kind("{#-5..-1}"), single(NumberTarget::Range { min: -5.0, max: -1.0 }));
    assert_eq!(
        kind("{#\n=%100%9.81:0#Exact\n=%50%9.8:0.1#Arrondi\n}"),
        QuestionKind::Numerical {
            answers: vec![
                AcceptedNumber {
                    target: NumberTarget::Tolerance { value: 9.81, tolerance: 0.0 },
                    weight: 100.0,
                    feedback: Some("Exact".into())
                },
                AcceptedNumber {
                    target: NumberTarget::Tolerance { value: 9.8, tolerance: 0.1 },
                    weight: 50.0,
                    feedback: Some("Arrondi".into())
                },
            ]
        }
    );
}

#[test]
fn empty_braces_make_an_open_question() {
    assert_eq!(one("Racontez vos vacances. {}").kind, QuestionKind::Open);
}

#[test]
fn an_answer_block_inside_the_text_is_a_missing_word() {
    let q = one("Le {~Rhône =Rhin ~Danube} passe à Strasbourg.");
    assert_eq!(q.text, "");
    assert_eq!(q.title, "Le _____ passe à Strasbourg.");
    assert_eq!(
        q.kind,
        QuestionKind::Cloze {
            segments: vec![
                Segment::Text("Le".into()),
                Segment::Blank(Blank::Choice {
                    choices: vec![choice("Rhône", 0.0, None), choice("Rhin", 100.0, None), choice("Danube", 0.0, None)]
                }),
                Segment::Text("passe à Strasbourg.".into()),
            ]
        }
    );
}

#[test]
fn general_feedback_follows_four_hashes() {
    let q = one("2 + 2 ? {=4 ~5 ####Revoir les additions.}");
    assert_eq!(q.general_feedback.as_deref(), Some("Revoir les additions."));
}

#[test]
fn escapes_keep_special_characters_in_the_text() {
    let q = one("::Maths\\: égalité::Que vaut 1 \\= 1 \\~ \\#1 \\{x\\} \\\\ ?\\nDeux lignes. {=vrai\\=oui ~non}");
    assert_eq!(q.title, "Maths: égalité");
    assert_eq!(q.text, "Que vaut 1 = 1 ~ #1 {x} \\ ?\nDeux lignes.");
    assert!(matches!(q.kind, QuestionKind::SingleChoice { ref choices } if choices[0].text == "vrai=oui"));
}

#[test]
fn comments_categories_formats_and_several_lines() {
    let input = "// Une banque de questions\n$CATEGORY: 4e/Histoire\n\n::Q1::[html]Qui ?\nSur deux lignes.\n{=Clovis ~Pépin}\n\n\n// fin\n::Q2::[markdown]**Quand ?** {#496}\n\n$CATEGORY:\n\nSans catégorie {T}\n";
    let qs = match parse_gift(input) {
        Ok(qs) => qs,
        Err(p) => panic!("{p:?}"),
    };
    assert_eq!(qs.len(), 3);
    assert_eq!(qs[0].category.as_deref(), Some("4e/Histoire"));
    assert_eq!(qs[0].text, "Qui ?\nSur deux lignes.");
    assert_eq!(qs[1].text, "**Quand ?**");
    assert_eq!(qs[1].category.as_deref(), Some("4e/Histoire"));
    assert_eq!(qs[2].category, None);
}

#[test]
fn a_windows_file_with_a_byte_order_mark_reads_the_same() {
    let qs = parse_gift("\u{feff}Q1 {T}\r\n\r\nQ2 {F}\r\n");
    assert!(matches!(qs, Ok(ref qs) if qs.len() == 2 && qs[1].text == "Q2"));
}

fn problems(input: &str) -> Vec<(usize, String)> {
    match parse_gift(input) {
        Err(p) => p.into_iter().map(|p| (p.line, p.message)).collect(),
        Ok(q) => panic!("problems expected from {input:?}, got {q:?}"),
    }
}

#[test]
fn every_problem_is_reported_with_its_line_and_nothing_is_imported() {
    let input = "Bonne question {=oui ~non}\n\nSans accolade fermante {=oui ~non\n\nUne description seule.\n\n::Titre sans fin\n{T}\n\nRéponses sans signe {oui non}\n\nPoids {~%abc%oui =non}\n\nNombre {#douze}\n\nDeux blocs {T} puis {F}\n\nPas de bonne réponse {~a ~b}\n";
    let got = problems(input);
    let lines: Vec<usize> = got.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, vec![3, 5, 7, 10, 12, 14, 16, 18], "{got:?}");
    assert!(got[0].1.contains("non fermée"));
    assert!(got[1].1.contains("descriptions"));
    assert!(got[2].1.contains("Titre non fermé"));
    assert!(got[3].1.contains("commence par ="));
    assert!(got[4].1.contains("« abc »"));
    assert!(got[5].1.contains("« douze »"));
    assert!(got[6].1.contains("qu'un bloc"));
    assert!(got[7].1.contains("bonne proposition"));
}

#[test]
fn a_problem_deep_in_a_multi_line_question_points_at_its_line() {
    let got = problems("Question\nsur plusieurs lignes {\n=a\n~%200%b\n}");
    assert_eq!(got[0].0, 4, "{got:?}");
}

#[test]
fn matching_needs_arrows_everywhere_and_a_stray_brace_is_flagged() {
    assert!(problems("Associez {=a -> b ~c}")[0].1.contains("association"));
    assert!(problems("Texte } bizarre {T}")[0].1.contains("Accolade }"));
    assert!(problems("Vrai ? {T} et }")[0].1.contains("Accolade }"));
}

#[test]
fn only_choices_short_answers_and_numbers_go_inside_the_text() {
    assert!(problems("Le {T} est vrai.")[0].1.contains("mot manquant"));
}

#[test]
fn limits_on_size_and_question_count() {
    let at_limit = "Q {T}\n\n".repeat(GIFT_MAX_QUESTIONS);
    assert!(matches!(parse_gift(&at_limit), Ok(ref q) if q.len() == GIFT_MAX_QUESTIONS));
    let over = "Q {T}\n\n".repeat(GIFT_MAX_QUESTIONS + 1);
    assert!(problems(&over)[0].1.contains(&GIFT_MAX_QUESTIONS.to_string()));
    let big = format!("Q {{T}}\n\n// {}", "x".repeat(GIFT_MAX_BYTES));
    assert!(problems(&big)[0].1.contains("Kio"));
}

#[test]
fn export_leaves_out_what_gift_cannot_say_and_names_it() {
    let base = one("::Ordre::Remettez dans l'ordre. {}");
    let ordering = Question { kind: QuestionKind::Ordering { items: vec!["a".into(), "b".into()] }, ..base.clone() };
    let exact = Question {
        title: "Exact".into(),
        kind: QuestionKind::ShortAnswer { answers: vec![text("H2O", 100.0)], exact: true },
        ..base.clone()
    };
    let out = to_gift(&[ordering, exact, base]);
    assert_eq!(out.skipped.len(), 2);
    assert!(out.skipped[0].contains("« Ordre »"));
    assert!(out.skipped[1].contains("texte exact"));
    assert_eq!(out.text, "::Ordre::Remettez dans l'ordre. {}\n\n");
}

// ---- export then import ----

/// Text GIFT can carry: the special characters included, trimmed, never empty, no "->" and
/// no leading format tag (see the module doc).
fn gift_text() -> impl Strategy<Value = String> {
    "[a-zA-Zéèàçœ0-9 ~=#{}:\\\\%\n'?.,-]{1,20}"
        .prop_map(|s| s.trim().to_string())
        .prop_filter("non-empty, no arrow", |s| !s.is_empty() && !s.contains("->") && !s.starts_with('['))
}

fn feedback() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(gift_text())
}

fn distinct(texts: Vec<String>) -> bool {
    texts.iter().enumerate().all(|(i, t)| !texts[..i].contains(t))
}

fn weights_summing_to_100(n: usize) -> impl Strategy<Value = Vec<f64>> {
    proptest::collection::vec(1u32..10, n).prop_map(|parts| {
        let total: u32 = parts.iter().sum();
        // Whole percents that add up to 100 exactly: the remainder goes to the first.
        let mut w: Vec<u32> = parts.iter().map(|p| p * 100 / total).collect();
        w[0] += 100 - w.iter().sum::<u32>();
        w.into_iter().map(f64::from).collect()
    })
}

fn number_target() -> impl Strategy<Value = NumberTarget> {
    let n = || (-100_000i32..100_000).prop_map(|v| f64::from(v) / 100.0);
    prop_oneof![
        n().prop_map(NumberTarget::Exact),
        (n(), 0u32..1000).prop_map(|(value, t)| NumberTarget::Tolerance { value, tolerance: f64::from(t) / 100.0 }),
        (n(), n()).prop_map(|(a, b)| NumberTarget::Range { min: a.min(b), max: a.max(b) }),
    ]
}

fn choices(n: std::ops::Range<usize>) -> impl Strategy<Value = Vec<Choice>> {
    proptest::collection::vec((gift_text(), feedback()), n)
        .prop_filter("distinct", |c| distinct(c.iter().map(|x| x.0.clone()).collect()))
        .prop_map(|list| {
            list.into_iter()
                .enumerate()
                .map(|(i, (text, feedback))| Choice { text, weight: if i == 0 { 100.0 } else { 0.0 }, feedback })
                .collect()
        })
}

fn accepted_texts() -> impl Strategy<Value = Vec<AcceptedText>> {
    proptest::collection::vec((gift_text(), feedback(), prop_oneof![Just(100.0), Just(50.0), Just(25.0)]), 1..4)
        .prop_map(|list| {
            list.into_iter()
                .enumerate()
                .map(|(i, (text, feedback, w))| AcceptedText { text, weight: if i == 0 { 100.0 } else { w }, feedback })
                .collect()
        })
}

fn accepted_numbers() -> impl Strategy<Value = Vec<AcceptedNumber>> {
    proptest::collection::vec((number_target(), feedback()), 1..4).prop_map(|list| {
        list.into_iter()
            .enumerate()
            .map(|(i, (target, feedback))| AcceptedNumber {
                target,
                weight: if i == 0 { 100.0 } else { 50.0 },
                feedback,
            })
            .collect()
    })
}

fn kind() -> impl Strategy<Value = QuestionKind> {
    prop_oneof![
        choices(2..5).prop_map(|choices| QuestionKind::SingleChoice { choices }),
        (2usize..5, 0usize..3).prop_flat_map(|(right, wrong)| {
            (
                proptest::collection::vec((gift_text(), feedback()), right + wrong),
                weights_summing_to_100(right),
                proptest::collection::vec(-100i32..0, wrong),
            )
                .prop_filter("distinct", |(c, _, _)| distinct(c.iter().map(|x| x.0.clone()).collect()))
                .prop_map(|(list, positive, negative)| {
                    let weights: Vec<f64> = positive.into_iter().chain(negative.into_iter().map(f64::from)).collect();
                    let negative_marks = weights.iter().any(|w| *w < 0.0);
                    let choices = list
                        .into_iter()
                        .zip(weights)
                        .map(|((text, feedback), weight)| Choice { text, weight, feedback })
                        .collect();
                    QuestionKind::MultipleChoice { choices, negative_marks }
                })
        }),
        (any::<bool>(), feedback(), feedback()).prop_map(|(answer, feedback_true, feedback_false)| {
            QuestionKind::TrueFalse { answer, feedback_true, feedback_false }
        }),
        accepted_texts().prop_map(|answers| QuestionKind::ShortAnswer { answers, exact: false }),
        accepted_numbers().prop_map(|answers| QuestionKind::Numerical { answers }),
        proptest::collection::vec((gift_text(), gift_text()), 2..5).prop_map(|pairs| QuestionKind::Matching { pairs }),
        Just(QuestionKind::Open),
        (
            gift_text(),
            gift_text(),
            prop_oneof![
                choices(2..4).prop_map(|choices| Blank::Choice { choices }),
                accepted_texts().prop_map(|answers| Blank::Text { answers, exact: false }),
                accepted_numbers().prop_map(|answers| Blank::Number { answers }),
            ]
        )
            .prop_map(|(before, after, blank)| QuestionKind::Cloze {
                segments: vec![Segment::Text(before), Segment::Blank(blank), Segment::Text(after)]
            }),
    ]
}

fn question() -> impl Strategy<Value = Question> {
    (gift_text(), proptest::option::of("[A-Za-z0-9é/ ]{1,12}"), gift_text(), kind(), feedback()).prop_map(
        |(title, category, text, kind, general_feedback)| {
            let category = category.map(|c| c.trim().to_string()).filter(|c| !c.is_empty());
            // A cloze question imported from GIFT has the words around its blank as its text.
            let text = if matches!(kind, QuestionKind::Cloze { .. }) { String::new() } else { text };
            Question { title, category, text, points: Points::ONE, kind, general_feedback, image: None }
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn export_then_import_gives_the_same_questions(questions in proptest::collection::vec(question(), 1..6)) {
        let out = to_gift(&questions);
        prop_assert!(out.skipped.is_empty(), "{:?}", out.skipped);
        let back = parse_gift(&out.text);
        prop_assert_eq!(back.as_ref(), Ok(&questions), "GIFT was:\n{}", out.text);
    }
}
