//! The teacher's quiz pages: "Mes quiz" (`/quiz`), a quiz with its questions, GIFT import
//! and export and its assignments (`/quiz/:id`), and the GIFT download (`/quiz/{id}/export.gift`).
//! An assignment's results are `results.rs`.
//!
//! Every form is an `ActionForm` posting url-encoded fields to the wrappers at the end of
//! `api.rs`, so the pages work with JavaScript off; steps that need a second screen (editing a
//! question, confirming a deletion, choosing the type of a new question) are plain links with
//! a query parameter, rendered on the server. The form fields are read here, by pure functions
//! (`question_from_form`, `assignment_from_form`) that the server calls and the tests check.

use super::api::*;
use super::{AssignmentLine, QuestionLine, QuizDetail, QuizLine};
use crate::components::{Async, FilePicker, FormError, query_param};
use crate::error::AppError;
use domain::quiz::assignment::{AssignmentSettings, FeedbackPolicy};
use domain::quiz::{
    AcceptedNumber, AcceptedText, Blank, Choice, NumberTarget, OPTIONS_MAX, Points, Question, QuestionKind, Segment,
    parse_number,
};
use domain::{DomainError, QuizId, QuizQuestionId, TeachingUnit, paris};
use leptos::form::ActionForm;
use leptos::prelude::*;
use std::collections::BTreeMap;

/// The question types the form writes: every type. A cloze question the form cannot write
/// back exactly (see [`EditKind::of`]) is shown but not edited here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditKind {
    Single,
    Multiple,
    TrueFalse,
    Short,
    Numerical,
    Matching,
    Ordering,
    Cloze,
    Open,
}

impl EditKind {
    pub const ALL: [EditKind; 9] = [
        EditKind::Single,
        EditKind::Multiple,
        EditKind::TrueFalse,
        EditKind::Short,
        EditKind::Numerical,
        EditKind::Matching,
        EditKind::Ordering,
        EditKind::Cloze,
        EditKind::Open,
    ];

    /// The value in forms and addresses (`?ajouter=unique`).
    pub fn code(self) -> &'static str {
        match self {
            EditKind::Single => "unique",
            EditKind::Multiple => "multiple",
            EditKind::TrueFalse => "vrai-faux",
            EditKind::Short => "courte",
            EditKind::Numerical => "numerique",
            EditKind::Matching => "appariement",
            EditKind::Ordering => "ordre",
            EditKind::Cloze => "trous",
            EditKind::Open => "ouverte",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            EditKind::Single => "Choix unique",
            EditKind::Multiple => "Choix multiples",
            EditKind::TrueFalse => "Vrai ou faux",
            EditKind::Short => "Réponse courte",
            EditKind::Numerical => "Numérique",
            EditKind::Matching => "Appariement",
            EditKind::Ordering => "Remise en ordre",
            EditKind::Cloze => "Texte à trous",
            EditKind::Open => "Réponse rédigée",
        }
    }

    /// The type of an existing question.
    pub fn of_kind(kind: &QuestionKind) -> Self {
        match kind {
            QuestionKind::SingleChoice { .. } => EditKind::Single,
            QuestionKind::MultipleChoice { .. } => EditKind::Multiple,
            QuestionKind::TrueFalse { .. } => EditKind::TrueFalse,
            QuestionKind::ShortAnswer { .. } => EditKind::Short,
            QuestionKind::Numerical { .. } => EditKind::Numerical,
            QuestionKind::Matching { .. } => EditKind::Matching,
            QuestionKind::Ordering { .. } => EditKind::Ordering,
            QuestionKind::Cloze { .. } => EditKind::Cloze,
            QuestionKind::Open => EditKind::Open,
        }
    }

    /// The form's type for an existing question, if the form can edit it: a cloze question
    /// only when its form, read back, gives the same blanks (some imported from GIFT carry
    /// a feedback per wrong answer, or a `;` in an answer, which its one line per blank
    /// cannot write).
    pub fn of(kind: &QuestionKind) -> Option<Self> {
        match kind {
            QuestionKind::Cloze { segments } => {
                let (text, rows) = cloze_form(segments);
                let back = cloze_from_form(&cloze_fields(&text, &rows));
                (back.as_ref() == Ok(segments)).then_some(EditKind::Cloze)
            }
            other => Some(Self::of_kind(other)),
        }
    }
}

/// The French name of any question type.
pub fn kind_label(kind: &QuestionKind) -> &'static str {
    EditKind::of_kind(kind).label()
}

/// "2,5": a number the French way, two decimals at most.
pub fn fr_number(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    format!("{rounded}").replace('.', ",")
}

fn points_label(points: f64) -> String {
    format!("{} pt{}", fr_number(points), if points > 1.0 { "s" } else { "" })
}

fn field<'a>(champs: &'a BTreeMap<String, String>, name: &str) -> &'a str {
    champs.get(name).map(|v| v.trim()).unwrap_or("")
}

fn optional(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// A weight typed in percent ("50", "33,33", "-25", "50 %"); `empty` when left blank.
fn weight(raw: &str, row: usize, empty: f64) -> Result<f64, DomainError> {
    let cleaned = raw.trim().trim_end_matches('%');
    if cleaned.trim().is_empty() {
        return Ok(empty);
    }
    parse_number(cleaned).ok_or_else(|| {
        DomainError::new("poids", format!("Ligne {} : le pourcentage s'écrit comme 50 ou 33,33.", row + 1))
    })
}

fn number(raw: &str, row: usize, what: &str) -> Result<f64, DomainError> {
    parse_number(raw).ok_or_else(|| {
        DomainError::new("valeur", format!("Ligne {} : indiquez {what} en chiffres, par exemple 3,14.", row + 1))
    })
}

/// Reads the question form (`champs[...]` of `save_question_form`) into a checked question.
///
/// Fields: `type` (an [`EditKind`] code), `enonce` (optional for a cloze question, where it
/// is an instruction), `points`, `titre` (optional: the start of the text), `retour_general`;
/// per row `i` of options or accepted answers `texte_i`, `poids_i` (percent), `retour_i`;
/// `bonne` (the right row of a single choice); `negatif` (multiple choice); `vrai_faux`,
/// `retour_vrai`, `retour_faux`; `exact` (short answer); `mode_i` (`exacte`, `tolerance`,
/// `intervalle`), `valeur_i`, `ecart_i`, `min_i`, `max_i` (numerical); `gauche_i`,
/// `droite_i` (matching); `element_i` (ordering, in the right order); and for a cloze
/// question the fields read by [`cloze_from_form`]. Blank rows are left out.
pub fn question_from_form(champs: &BTreeMap<String, String>) -> Result<Question, DomainError> {
    let kind = EditKind::from_code(field(champs, "type"))
        .ok_or_else(|| DomainError::new("type", "Choisissez le type de la question."))?;
    let text = field(champs, "enonce").to_string();
    if text.is_empty() && kind != EditKind::Cloze {
        return Err(DomainError::new("enonce", "Écrivez l'énoncé de la question."));
    }
    let points = Points::parse(field(champs, "points"))?;
    let title = optional(field(champs, "titre")).unwrap_or_else(|| {
        // A cloze question without an instruction is named after its text, blanks as "…".
        let source = if text.is_empty() { words_of_cloze(field(champs, "texte_trous")) } else { text.clone() };
        let start: String = source.chars().take(60).collect();
        if start.chars().count() < source.chars().count() { format!("{start}…") } else { start }
    });
    let row = |name: &str, i: usize| field(champs, &format!("{name}_{i}"));
    let filled = |i: usize, names: &[&str]| names.iter().any(|n| !row(n, i).is_empty());
    let kind = match kind {
        EditKind::Single | EditKind::Multiple => {
            let right: Option<usize> = field(champs, "bonne").parse().ok();
            let mut choices = Vec::new();
            for i in (0..OPTIONS_MAX).filter(|i| filled(*i, &["texte"])) {
                let weight = if kind == EditKind::Single {
                    if right == Some(i) { 100.0 } else { 0.0 }
                } else {
                    weight(row("poids", i), i, 0.0)?
                };
                choices.push(Choice {
                    text: row("texte", i).to_string(),
                    weight,
                    feedback: optional(row("retour", i)),
                });
            }
            if kind == EditKind::Single {
                if let Some(r) = right
                    && !filled(r, &["texte"])
                {
                    return Err(DomainError::new("bonne", "La bonne réponse cochée n'a pas de texte : écrivez-le."));
                }
                QuestionKind::SingleChoice { choices }
            } else {
                QuestionKind::MultipleChoice { choices, negative_marks: champs.contains_key("negatif") }
            }
        }
        EditKind::TrueFalse => {
            let answer = match field(champs, "vrai_faux") {
                "vrai" => true,
                "faux" => false,
                _ => return Err(DomainError::new("vrai_faux", "Indiquez si l'affirmation est vraie ou fausse.")),
            };
            QuestionKind::TrueFalse {
                answer,
                feedback_true: optional(field(champs, "retour_vrai")),
                feedback_false: optional(field(champs, "retour_faux")),
            }
        }
        EditKind::Short => {
            let mut answers = Vec::new();
            for i in (0..OPTIONS_MAX).filter(|i| filled(*i, &["texte"])) {
                answers.push(AcceptedText {
                    text: row("texte", i).to_string(),
                    weight: weight(row("poids", i), i, 100.0)?,
                    feedback: optional(row("retour", i)),
                });
            }
            QuestionKind::ShortAnswer { answers, exact: champs.contains_key("exact") }
        }
        EditKind::Numerical => {
            let mut answers = Vec::new();
            for i in (0..OPTIONS_MAX).filter(|i| filled(*i, &["valeur", "min", "max"])) {
                let target = match row("mode", i) {
                    "tolerance" => NumberTarget::Tolerance {
                        value: number(row("valeur", i), i, "la valeur attendue")?,
                        tolerance: number(row("ecart", i), i, "l'écart accepté")?,
                    },
                    "intervalle" => NumberTarget::Range {
                        min: number(row("min", i), i, "le minimum")?,
                        max: number(row("max", i), i, "le maximum")?,
                    },
                    _ => NumberTarget::Exact(number(row("valeur", i), i, "la valeur attendue")?),
                };
                answers.push(AcceptedNumber {
                    target,
                    weight: weight(row("poids", i), i, 100.0)?,
                    feedback: optional(row("retour", i)),
                });
            }
            QuestionKind::Numerical { answers }
        }
        EditKind::Matching => {
            let mut pairs = Vec::new();
            for i in (0..OPTIONS_MAX).filter(|i| filled(*i, &["gauche", "droite"])) {
                let (left, right) = (row("gauche", i), row("droite", i));
                if left.is_empty() || right.is_empty() {
                    return Err(DomainError::new(
                        "paire",
                        format!("Paire {} : écrivez ses deux côtés, ou videz la ligne.", i + 1),
                    ));
                }
                pairs.push((left.to_string(), right.to_string()));
            }
            QuestionKind::Matching { pairs }
        }
        EditKind::Ordering => QuestionKind::Ordering {
            items: (0..OPTIONS_MAX)
                .filter(|i| filled(*i, &["element"]))
                .map(|i| row("element", i).to_string())
                .collect(),
        },
        EditKind::Cloze => QuestionKind::Cloze { segments: cloze_from_form(champs)? },
        EditKind::Open => QuestionKind::Open,
    };
    let question = Question {
        title,
        category: None,
        text,
        points,
        kind,
        general_feedback: optional(field(champs, "retour_general")),
        image: None,
    };
    question.check()?;
    Ok(question)
}

/// A piece of a cloze text as the teacher types it: words, or a marker `[n]` where blank `n`
/// goes (`[` digits `]`; any other bracket is words).
#[derive(Debug, PartialEq)]
enum Piece<'a> {
    Words(&'a str),
    /// The digits between the brackets.
    Marker(&'a str),
}

fn pieces(text: &str) -> Vec<Piece<'_>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut run) = (0, 0);
    while i < bytes.len() {
        if bytes[i] == b'[' {
            let digits = bytes[i + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
            if digits > 0 && bytes.get(i + 1 + digits) == Some(&b']') {
                if run < i {
                    out.push(Piece::Words(&text[run..i]));
                }
                out.push(Piece::Marker(&text[i + 1..i + 1 + digits]));
                i += digits + 2;
                run = i;
                continue;
            }
        }
        i += 1;
    }
    if run < text.len() {
        out.push(Piece::Words(&text[run..]));
    }
    out
}

/// The cloze text with each marker as "…", to name a question that has no instruction.
fn words_of_cloze(text: &str) -> String {
    pieces(text)
        .into_iter()
        .map(|p| match p {
            Piece::Words(w) => w,
            Piece::Marker(_) => "…",
        })
        .collect()
}

/// "Rhin ; le Rhin" → ["Rhin", "le Rhin"].
fn split_list(raw: &str) -> Vec<String> {
    raw.split(';').map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect()
}

fn is_full(weight: f64) -> bool {
    (weight - 100.0).abs() < 1e-9
}

/// "Hugo (50 %)" → ("Hugo", 50); "Hugo" → ("Hugo", 100).
fn with_weight(raw: &str, blank: &str) -> Result<(String, f64), DomainError> {
    let Some(inner) = raw.strip_suffix(')').and_then(|r| r.trim_end().strip_suffix('%')) else {
        return Ok((raw.to_string(), 100.0));
    };
    let Some(open) = inner.rfind('(') else { return Ok((raw.to_string(), 100.0)) };
    let at = |reason: String| DomainError::new("trous", format!("Trou [{blank}] : {reason}"));
    let weight = parse_number(&inner[open + 1..])
        .ok_or_else(|| at(format!("le pourcentage de « {raw} » s'écrit comme (50 %).")))?;
    let text = inner[..open].trim();
    if text.is_empty() {
        return Err(at(format!("« {raw} » : écrivez la réponse avant son pourcentage.")));
    }
    Ok((text.to_string(), weight))
}

/// "Hugo" at 100 %, "Hugo (50 %)" otherwise: what [`with_weight`] reads.
fn weighted(text: String, weight: f64) -> String {
    if is_full(weight) { text } else { format!("{text} ({} %)", fr_number_exact(weight)) }
}

/// "3,14", "3,14 ± 0,01" (or `+-`, `+/-`), "de 3 à 4".
fn number_target(raw: &str) -> Option<NumberTarget> {
    let lower = raw.trim().to_lowercase();
    if let Some((min, max)) = lower.strip_prefix("de ").unwrap_or(&lower).split_once(" à ") {
        return Some(NumberTarget::Range { min: parse_number(min)?, max: parse_number(max)? });
    }
    for sign in ["±", "+/-", "+-"] {
        if let Some((value, tolerance)) = lower.split_once(sign) {
            return Some(NumberTarget::Tolerance { value: parse_number(value)?, tolerance: parse_number(tolerance)? });
        }
    }
    parse_number(&lower).map(NumberTarget::Exact)
}

fn target_text(target: NumberTarget) -> String {
    match target {
        NumberTarget::Exact(v) => fr_number_exact(v),
        NumberTarget::Tolerance { value, tolerance } => {
            format!("{} ± {}", fr_number_exact(value), fr_number_exact(tolerance))
        }
        NumberTarget::Range { min, max } => format!("de {} à {}", fr_number_exact(min), fr_number_exact(max)),
    }
}

/// Is the line of blank `n` filled in (its kind alone is not)?
fn blank_row_filled(champs: &BTreeMap<String, String>, n: usize) -> bool {
    ["bonnes", "liste", "retour"].iter().any(|name| !field(champs, &format!("{name}_{n}")).is_empty())
}

/// Reads the line of blank `n`: `genre_n` (`courte`, `nombre` or `liste`), `bonnes_n` (the
/// right answers, separated by `;`, each "(50 %)" if partly right), `liste_n` (a list's
/// proposals in the order shown, right ones included), `exact_n` (a short answer's exact
/// text), `retour_n` (the feedback of a right answer).
fn blank_from_form(champs: &BTreeMap<String, String>, n: &str) -> Result<Blank, DomainError> {
    let get = |name: &str| field(champs, &format!("{name}_{n}"));
    let at = |reason: String| DomainError::new("trous", format!("Trou [{n}] : {reason}"));
    let rights = split_list(get("bonnes"))
        .iter()
        .map(|r| with_weight(r, n))
        .collect::<Result<Vec<(String, f64)>, DomainError>>()?;
    if rights.is_empty() {
        return Err(DomainError::new(
            "trous",
            format!(
                "Le trou [{n}] n'a pas de bonne réponse : écrivez-la sur la ligne du trou [{n}], ou retirez [{n}] du texte."
            ),
        ));
    }
    let list = split_list(get("liste"));
    let feedback = optional(get("retour"));
    let feedback_of = |weight: f64| if is_full(weight) { feedback.clone() } else { None };
    let blank = match get("genre") {
        "liste" => {
            if list.is_empty() {
                return Err(at("écrivez la liste proposée à l'élève, bonne réponse comprise, séparée par « ; » \
                     (par exemple « rouge ; vert ; bleu »)."
                    .into()));
            }
            if let Some((missing, _)) = rights.iter().find(|(r, _)| !list.contains(r)) {
                return Err(at(format!(
                    "la bonne réponse « {missing} » n'est pas dans la liste proposée : ajoutez-la à la liste."
                )));
            }
            let choices = list
                .into_iter()
                .map(|text| {
                    let weight = rights.iter().find(|(r, _)| *r == text).map_or(0.0, |(_, w)| *w);
                    Choice { text, weight, feedback: feedback_of(weight) }
                })
                .collect();
            Blank::Choice { choices }
        }
        kind @ ("courte" | "nombre") => {
            if !list.is_empty() {
                return Err(at(
                    "la liste proposée ne sert qu'à une liste de choix : videz-la, ou choisissez « Liste de choix »."
                        .into(),
                ));
            }
            if kind == "nombre" {
                let mut answers = Vec::new();
                for (text, weight) in rights {
                    let target = number_target(&text).ok_or_else(|| {
                        at(format!(
                            "« {text} » n'est pas un nombre : écrivez par exemple 3,14, 3,14 ± 0,01 ou de 3 à 4."
                        ))
                    })?;
                    answers.push(AcceptedNumber { target, weight, feedback: feedback_of(weight) });
                }
                Blank::Number { answers }
            } else {
                let answers = rights
                    .into_iter()
                    .map(|(text, weight)| AcceptedText { text, weight, feedback: feedback_of(weight) })
                    .collect();
                Blank::Text { answers, exact: champs.contains_key(&format!("exact_{n}")) }
            }
        }
        _ => return Err(at("choisissez son genre : réponse courte, nombre ou liste de choix.".into())),
    };
    // What the domain checks of one blank (counts, weights, a right answer), said of this one.
    let alone = Question {
        title: String::new(),
        category: None,
        text: String::new(),
        points: Points::ONE,
        kind: QuestionKind::Cloze { segments: vec![Segment::Blank(blank.clone())] },
        general_feedback: None,
        image: None,
    };
    alone.check().map_err(|e| {
        let mut reason = e.reason.chars();
        let first = reason.next().map(|c| c.to_lowercase().collect::<String>()).unwrap_or_default();
        at(format!("{first}{}", reason.as_str()))
    })?;
    Ok(blank)
}

/// Reads a cloze question's blanks: `texte_trous`, the text with a marker `[1]`, `[2]`… where
/// each blank goes, and one line per blank (see [`blank_from_form`]). Every marker needs its
/// filled line and every filled line its marker; each number appears once.
pub fn cloze_from_form(champs: &BTreeMap<String, String>) -> Result<Vec<Segment>, DomainError> {
    let text = field(champs, "texte_trous");
    let no_blank = || {
        DomainError::new(
            "texte_trous",
            "Écrivez le texte à trous, avec [1] à la place du premier mot à trouver, [2] à la place du deuxième…",
        )
    };
    let mut used: Vec<usize> = Vec::new();
    let mut segments = Vec::new();
    for piece in pieces(text) {
        match piece {
            Piece::Words(words) => segments.push(Segment::Text(words.to_string())),
            Piece::Marker(digits) => {
                let n = digits.parse::<usize>().ok().filter(|n| (1..=OPTIONS_MAX).contains(n)).ok_or_else(|| {
                    DomainError::new(
                        "texte_trous",
                        format!(
                            "[{digits}] n'est pas un numéro de trou : numérotez les trous de [1] à [{OPTIONS_MAX}]."
                        ),
                    )
                })?;
                if used.contains(&n) {
                    return Err(DomainError::new(
                        "texte_trous",
                        format!("[{n}] apparaît deux fois dans le texte : donnez à chaque trou son propre numéro."),
                    ));
                }
                used.push(n);
                segments.push(Segment::Blank(blank_from_form(champs, &n.to_string())?));
            }
        }
    }
    if used.is_empty() {
        return Err(no_blank());
    }
    if let Some(n) = (1..=OPTIONS_MAX).find(|n| !used.contains(n) && blank_row_filled(champs, *n)) {
        return Err(DomainError::new(
            "texte_trous",
            format!(
                "La ligne du trou [{n}] est remplie, mais [{n}] n'est pas dans le texte : placez [{n}] à l'endroit \
                 du trou, ou videz la ligne."
            ),
        ));
    }
    Ok(segments)
}

/// One blank's line of the form, as [`blank_from_form`] reads it.
#[derive(Debug, Clone, PartialEq)]
struct BlankRow {
    kind: &'static str,
    right: String,
    list: String,
    exact: bool,
    feedback: String,
}

impl Default for BlankRow {
    fn default() -> Self {
        BlankRow { kind: "courte", right: String::new(), list: String::new(), exact: false, feedback: String::new() }
    }
}

/// A cloze question's form: its text with markers, and one line per blank.
fn cloze_form(segments: &[Segment]) -> (String, Vec<BlankRow>) {
    let mut text = String::new();
    let mut rows = Vec::new();
    for segment in segments {
        match segment {
            Segment::Text(words) => text.push_str(words),
            Segment::Blank(blank) => {
                rows.push(blank_row(blank));
                text.push_str(&format!("[{}]", rows.len()));
            }
        }
    }
    (text, rows)
}

fn blank_row(blank: &Blank) -> BlankRow {
    let join = |parts: Vec<String>| parts.join(" ; ");
    // The feedback of the right answers (the form keeps one per blank).
    let feedback = |all: Vec<(f64, &Option<String>)>| {
        all.into_iter().find(|(w, _)| is_full(*w)).and_then(|(_, f)| f.clone()).unwrap_or_default()
    };
    match blank {
        Blank::Text { answers, exact } => BlankRow {
            kind: "courte",
            right: join(answers.iter().map(|a| weighted(a.text.clone(), a.weight)).collect()),
            list: String::new(),
            exact: *exact,
            feedback: feedback(answers.iter().map(|a| (a.weight, &a.feedback)).collect()),
        },
        Blank::Number { answers } => BlankRow {
            kind: "nombre",
            right: join(answers.iter().map(|a| weighted(target_text(a.target), a.weight)).collect()),
            list: String::new(),
            exact: false,
            feedback: feedback(answers.iter().map(|a| (a.weight, &a.feedback)).collect()),
        },
        Blank::Choice { choices } => BlankRow {
            kind: "liste",
            right: join(
                choices.iter().filter(|c| c.weight != 0.0).map(|c| weighted(c.text.clone(), c.weight)).collect(),
            ),
            list: join(choices.iter().map(|c| c.text.clone()).collect()),
            exact: false,
            feedback: feedback(choices.iter().map(|c| (c.weight, &c.feedback)).collect()),
        },
    }
}

/// The fields the cloze form posts for this text and these lines.
fn cloze_fields(text: &str, rows: &[BlankRow]) -> BTreeMap<String, String> {
    let mut fields = BTreeMap::from([("texte_trous".to_string(), text.to_string())]);
    for (k, row) in rows.iter().enumerate() {
        let n = k + 1;
        fields.insert(format!("genre_{n}"), row.kind.to_string());
        fields.insert(format!("bonnes_{n}"), row.right.clone());
        fields.insert(format!("liste_{n}"), row.list.clone());
        fields.insert(format!("retour_{n}"), row.feedback.clone());
        if row.exact {
            fields.insert(format!("exact_{n}"), "1".into());
        }
    }
    fields
}

/// "2026-12-01T08:00" (a `datetime-local` field, Paris time) → the instant.
pub fn parse_datetime_local(raw: &str, what: &str) -> Result<i64, DomainError> {
    let bad = || DomainError::new(what, format!("Indiquez la date et l'heure d'{what}, par exemple 01/12/2026 08:00."));
    let (date, time) = raw.trim().split_once(['T', ' ']).ok_or_else(bad)?;
    let date = paris::parse_date(date).map_err(|_| bad())?;
    let (hour, minute) = paris::parse_time(time).map_err(|_| bad())?;
    Ok(paris::instant_at(date, hour, minute))
}

/// The instant as a `datetime-local` field shows it, Paris time.
pub fn datetime_local(utc_ms: i64) -> String {
    let (y, m, d, h, min) = paris::local_parts(utc_ms);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}")
}

/// Reads the assignment form into the class or group and its checked-by-the-server settings.
pub fn assignment_from_form(form: &AssignForm) -> Result<(TeachingUnit, AssignmentSettings), DomainError> {
    let unit = TeachingUnit::from_key(&form.unite)
        .ok_or_else(|| DomainError::new("unite", "Choisissez la classe ou le groupe."))?;
    let opens_at = parse_datetime_local(&form.ouverture, "ouverture")?;
    let closes_at = parse_datetime_local(&form.fermeture, "fermeture")?;
    let time_limit_minutes = match form.duree.trim() {
        "" => None,
        raw => Some(raw.parse::<u32>().map_err(|_| {
            DomainError::new("duree", "La durée s'écrit en minutes, par exemple 20, ou reste vide pour ne pas limiter.")
        })?),
    };
    let max_attempts = form
        .tentatives
        .trim()
        .parse::<u32>()
        .map_err(|_| DomainError::new("tentatives", "Indiquez le nombre de tentatives permises, par exemple 1."))?;
    let feedback = FeedbackPolicy::from_code(form.retour.trim())
        .ok_or_else(|| DomainError::new("retour", "Choisissez quand les élèves voient la correction."))?;
    Ok((
        unit,
        AssignmentSettings {
            opens_at,
            closes_at,
            time_limit_minutes,
            max_attempts,
            shuffle_questions: form.melanger_questions.is_some(),
            shuffle_options: form.melanger_options.is_some(),
            feedback,
        },
    ))
}

/// Now, in milliseconds: the browser's clock once hydrated, the server's while rendering.
fn now_ms() -> i64 {
    #[cfg(feature = "ssr")]
    {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
    }
    #[cfg(not(feature = "ssr"))]
    {
        leptos::web_sys::js_sys::Date::now() as i64
    }
}

/// Shows a failed action whose French message holds one problem per line (a refused GIFT
/// import) as a list; a one-line message as a paragraph.
#[component]
fn ProblemsError<S>(action: ServerAction<S>) -> impl IntoView
where
    S: server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    move || {
        action.value().get().and_then(|r| r.err()).map(|e| {
            let message = e.message();
            let mut lines = message.lines();
            let head = lines.next().unwrap_or_default().to_string();
            let rest: Vec<String> = lines.map(str::to_string).collect();
            view! {
                <div class="alert" role="alert">
                    <p>{head}</p>
                    {(!rest.is_empty()).then(|| view! {
                        <ul class="problems">{rest.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul>
                    })}
                </div>
            }
        })
    }
}

// ---------------------------------------------------------------------------------------
// /quiz

/// `/quiz`: the teacher's quizzes and those colleagues share, and "Nouveau quiz".
#[component]
pub fn QuizListPage() -> impl IntoView {
    let create = ServerAction::<CreateQuizForm>::new();
    let data = Resource::new(move || create.version().get(), |_| list_quizzes());
    view! {
        <header class="page-head">
            <h1>"Mes quiz"</h1>
            <p class="muted">"Vos quiz et ceux que vos collègues partagent. Ouvrez-en un pour l'éditer ou le donner à une classe."</p>
        </header>
        <Async resource=data ok={move |quizzes: Vec<QuizLine>| view! { <QuizList quizzes create/> }}/>
    }
}

#[component]
fn QuizList(quizzes: Vec<QuizLine>, create: ServerAction<CreateQuizForm>) -> impl IntoView {
    let list = if quizzes.is_empty() {
        view! { <p class="panel muted">"Aucun quiz pour l'instant : créez le premier ci-dessous."</p> }.into_any()
    } else {
        view! {
            <ul class="cards quiz-cards">
                {quizzes.into_iter().map(|q| {
                    let author = if q.mine { "vous".to_string() } else { q.owner_name.clone() };
                    let sharing = if q.mine && q.shared { " · partagé" } else { "" };
                    view! {
                        <li class="card">
                            <a class="card-title" href=format!("/quiz/{}", q.id)>{q.title.clone()}</a>
                            <p class="muted small">
                                {format!("{} question{}", q.questions, if q.questions > 1 { "s" } else { "" })}
                                " · modifié le " {paris::format_datetime(q.updated_at)}
                            </p>
                            <p class="muted small">"Auteur : " {author} {sharing}</p>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        {list}
        <section class="panel" aria-labelledby="nouveau-quiz">
            <h2 id="nouveau-quiz">"Nouveau quiz"</h2>
            <ActionForm action=create>
                <div class="form-grid">
                    <label>"Titre" <input name="titre" required maxlength=super::QUIZ_TITLE_MAX_CHARS.to_string()
                        placeholder="Révisions chapitre 3"/></label>
                </div>
                <label class="block">"Description (facultative)"
                    <textarea name="description" rows="2" maxlength=super::QUIZ_DESCRIPTION_MAX_CHARS.to_string()></textarea>
                </label>
                <button type="submit">"Créer le quiz"</button>
            </ActionForm>
            <FormError action=create/>
        </section>
    }
}

// ---------------------------------------------------------------------------------------
// /quiz/:id

/// Every action of the quiz page: the page reloads its data after any of them.
#[derive(Clone, Copy)]
struct QuizActions {
    update: ServerAction<UpdateQuizForm>,
    save: ServerAction<SaveQuestionForm>,
    delete: ServerAction<DeleteQuestionForm>,
    duplicate: ServerAction<DuplicateQuestionForm>,
    moves: ServerAction<MoveQuestionForm>,
    import: ServerAction<ImportGiftForm>,
    assign: ServerAction<AssignQuizForm>,
}

impl QuizActions {
    fn versions(&self) -> [usize; 7] {
        [
            self.update.version().get(),
            self.save.version().get(),
            self.delete.version().get(),
            self.duplicate.version().get(),
            self.moves.version().get(),
            self.import.version().get(),
            self.assign.version().get(),
        ]
    }
}

/// The page's query: which question is being edited or deleted, which type is being added.
#[derive(Clone, Copy)]
struct Mode {
    edit: Option<QuizQuestionId>,
    delete: Option<QuizQuestionId>,
    add: Option<EditKind>,
}

/// `/quiz/:id`: the quiz for its author (colleagues it is shared with read, export and assign).
#[component]
pub fn QuizPage() -> impl IntoView {
    let params = leptos_router::hooks::use_params_map();
    let id = move || params.read().get("id").and_then(|v| v.parse::<QuizId>().ok());
    let edit = query_param::<QuizQuestionId>("modifier");
    let delete = query_param::<QuizQuestionId>("supprimer");
    let add = query_param::<String>("ajouter");
    let imported = query_param::<usize>("importees");
    let actions = QuizActions {
        update: ServerAction::new(),
        save: ServerAction::new(),
        delete: ServerAction::new(),
        duplicate: ServerAction::new(),
        moves: ServerAction::new(),
        import: ServerAction::new(),
        assign: ServerAction::new(),
    };
    let data = Resource::new(
        move || (id(), actions.versions()),
        |(id, _)| async move {
            match id {
                Some(id) => {
                    let quiz = get_quiz(id).await?;
                    let gift = export_gift(id).await?;
                    let given = list_quiz_assignments(id).await?;
                    // A colleague who teaches nothing here still reads the quiz.
                    let units = crate::grades::api::load_services().await.unwrap_or_default();
                    Ok(QuizPageData { quiz, skipped: gift.skipped, given, units: own_units(units) })
                }
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Async resource=data ok={move |d: QuizPageData| {
            let mode = Mode { edit: edit(), delete: delete(), add: add().as_deref().and_then(EditKind::from_code) };
            view! { <QuizView d mode actions imported=imported()/> }
        }}/>
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct QuizPageData {
    quiz: QuizDetail,
    /// Questions GIFT cannot express, with the reason.
    skipped: Vec<String>,
    given: Vec<AssignmentLine>,
    /// The classes and groups the person teaches: (key, name).
    units: Vec<(String, String)>,
}

/// One entry per class or group (a teacher may teach two subjects to one class).
fn own_units(services: Vec<crate::grades::api::ServiceLine>) -> Vec<(String, String)> {
    let mut units: Vec<(String, String)> = Vec::new();
    for s in services {
        if !units.iter().any(|(key, _)| *key == s.unit_key) {
            units.push((s.unit_key, s.unit_name));
        }
    }
    units
}

#[component]
fn QuizView(d: QuizPageData, mode: Mode, actions: QuizActions, imported: Option<usize>) -> impl IntoView {
    let q = d.quiz.clone();
    let quiz = q.id;
    let mine = q.mine;
    let count = q.questions.len();
    let questions = q
        .questions
        .clone()
        .into_iter()
        .enumerate()
        .map(|(n, line)| {
            view! { <QuestionItem quiz line n count mine mode actions/> }
        })
        .collect_view();
    let owner = if mine {
        "Vous êtes l'auteur de ce quiz.".to_string()
    } else {
        format!("Quiz de {}, partagé avec vous.", q.owner_name)
    };
    view! {
        <header class="page-head">
            <p class="muted"><a href="/quiz">"Mes quiz"</a></p>
            <h1>{q.title.clone()}</h1>
            <p class="muted small">{owner}
                {(mine && q.shared).then_some(" Vos collègues le voient, peuvent l'exporter et le donner à leurs classes.")}</p>
            {(!q.description.is_empty()).then(|| view! { <p>{q.description.clone()}</p> })}
            {(count > 0).then(|| view! {
                <p><a class="button secondary" href=format!("/quiz/{quiz}/apercu")>"Aperçu élève"</a>
                    <span class="muted small">" — répondre comme un élève et vérifier la correction, sans rien enregistrer."</span></p>
            })}
        </header>
        {imported.map(|n| view! {
            <p class="notice" role="status">{format!("Import terminé : {n} question{} ajoutée{}.", if n > 1 { "s" } else { "" }, if n > 1 { "s" } else { "" })}</p>
        })}
        {mine.then(|| view! { <QuizSettings q=q.clone() action=actions.update/> })}
        <section class="panel" id="questions" aria-labelledby="questions-titre">
            <h2 id="questions-titre">{format!("Questions ({count})")}</h2>
            {(count == 0).then(|| view! {
                <p class="muted">"Ce quiz n'a pas encore de question : ajoutez-en une ou importez un texte GIFT."</p>
            })}
            <ol class="question-list">{questions}</ol>
            <FormError action=actions.duplicate/>
            <FormError action=actions.moves/>
        </section>
        {(mine && mode.edit.is_none()).then(|| view! { <AddQuestion quiz add=mode.add action=actions.save/> })}
        {mine.then(|| view! { <GiftImportPanel quiz action=actions.import/> })}
        <GiftExportPanel quiz skipped=d.skipped.clone() empty=count == 0/>
        <AssignPanel quiz units=d.units.clone() action=actions.assign empty=count == 0/>
        <GivenPanel given=d.given.clone()/>
    }
}

#[component]
fn QuizSettings(q: QuizDetail, action: ServerAction<UpdateQuizForm>) -> impl IntoView {
    view! {
        <details class="panel">
            <summary>"Titre, description et partage"</summary>
            <ActionForm action>
                <input type="hidden" name="quiz" value=q.id.to_string()/>
                <div class="form-grid">
                    <label>"Titre" <input name="titre" required value=q.title.clone()
                        maxlength=super::QUIZ_TITLE_MAX_CHARS.to_string()/></label>
                </div>
                <label class="block">"Description"
                    <textarea name="description" rows="2" maxlength=super::QUIZ_DESCRIPTION_MAX_CHARS.to_string()>{q.description.clone()}</textarea>
                </label>
                <label class="check"><input type="checkbox" name="partage" value="1" checked=q.shared/>
                    " Partagé avec mes collègues (ils le lisent, l'exportent et le donnent, sans le modifier)"</label>
                <button type="submit">"Enregistrer"</button>
            </ActionForm>
            <FormError action/>
        </details>
    }
}

#[component]
fn QuestionItem(
    quiz: QuizId,
    line: QuestionLine,
    n: usize,
    count: usize,
    mine: bool,
    mode: Mode,
    actions: QuizActions,
) -> impl IntoView {
    let id = line.id;
    let editing = mine && mode.edit == Some(id);
    let deleting = mine && mode.delete == Some(id);
    let number = n + 1;
    let base = format!("/quiz/{quiz}");
    let q = line.question.clone();
    let editable = EditKind::of(&q.kind).is_some();
    if editing && let Some(kind) = EditKind::of(&q.kind) {
        return view! {
            <li class="quiz-item editing" id=format!("q-{id}")>
                <h3>{format!("Modifier la question {number}")}</h3>
                <QuestionForm quiz kind existing=Some(line.clone()) action=actions.save/>
                <p><a href=base.clone()>"Annuler"</a></p>
            </li>
        }
        .into_any();
    }
    let tools = mine.then(|| {
        let id_s = id.to_string();
        let (up_id, down_id) = (id_s.clone(), id_s.clone());
        view! {
            <div class="question-tools">
                {editable.then(|| view! {
                    <a class="small-button" href=format!("{base}?modifier={id}#q-{id}")
                        aria-label=format!("Modifier la question {number}")>"Modifier"</a>
                })}
                <ActionForm action=actions.duplicate>
                    <input type="hidden" name="question" value=id_s/>
                    <button type="submit" class="small-button" aria-label=format!("Dupliquer la question {number}")>"Dupliquer"</button>
                </ActionForm>
                {(n > 0).then(|| view! {
                    <ActionForm action=actions.moves>
                        <input type="hidden" name="question" value=up_id/>
                        <input type="hidden" name="sens" value="haut"/>
                        <button type="submit" class="small-button" aria-label=format!("Monter la question {number}")>"Monter"</button>
                    </ActionForm>
                })}
                {(n + 1 < count).then(|| view! {
                    <ActionForm action=actions.moves>
                        <input type="hidden" name="question" value=down_id/>
                        <input type="hidden" name="sens" value="bas"/>
                        <button type="submit" class="small-button" aria-label=format!("Descendre la question {number}")>"Descendre"</button>
                    </ActionForm>
                })}
                <a class="small-button danger" href=format!("{base}?supprimer={id}#q-{id}")
                    aria-label=format!("Supprimer la question {number}")>"Supprimer"</a>
            </div>
        }
    });
    let confirm = deleting.then(|| {
        view! {
            <div class="confirm" role="alertdialog" aria-labelledby=format!("conf-{id}")>
                <p id=format!("conf-{id}")><strong>{format!("Supprimer la question {number} ?")}</strong>
                    " Elle disparaît du quiz ; les devoirs déjà donnés gardent leurs questions."</p>
                <ActionForm action=actions.delete>
                    <input type="hidden" name="question" value=id.to_string()/>
                    <button type="submit" class="danger">"Confirmer la suppression"</button>
                    " " <a href=base.clone()>"Annuler"</a>
                </ActionForm>
                <FormError action=actions.delete/>
            </div>
        }
    });
    view! {
        <li class="quiz-item" id=format!("q-{id}")>
            <div class="question-head">
                <h3>{format!("Question {number}")}</h3>
                <span class="tag">{kind_label(&q.kind)}</span>
                <span class="muted small">{points_label(q.points.value())}</span>
            </div>
            {(q.title != q.text && !q.text.starts_with(q.title.trim_end_matches('…'))).then(|| view! {
                <p class="muted small">"Titre : " {q.title.clone()}</p>
            })}
            <p class="quiz-item-text">{q.text.clone()}</p>
            <Answers kind=q.kind.clone()/>
            {(mine && !editable).then(|| view! {
                <p class="muted small">"Ce texte à trous ne peut pas être modifié sur la page : il porte des retours ou des réponses (avec « ; ») qu'une ligne par trou ne sait pas écrire. Modifiez-le dans son fichier GIFT, puis importez-le de nouveau."</p>
            })}
            {q.general_feedback.clone().map(|f| view! { <p class="small feedback">"Retour général : " {f}</p> })}
            {confirm}
            {tools}
        </li>
    }
    .into_any()
}

fn target_label(target: NumberTarget) -> String {
    match target {
        NumberTarget::Exact(v) => fr_number(v),
        NumberTarget::Tolerance { value, tolerance } => format!("{} ± {}", fr_number(value), fr_number(tolerance)),
        NumberTarget::Range { min, max } => format!("de {} à {}", fr_number(min), fr_number(max)),
    }
}

/// One option or accepted answer: right ones marked in words, not only by colour.
fn answer_row(text: String, weight: f64, show_weight: bool, feedback: Option<String>) -> impl IntoView {
    let right = weight >= 100.0 - 1e-9 || (show_weight && weight > 0.0);
    let class = if right { "answer right" } else { "answer" };
    view! {
        <li class=class>
            {right.then(|| view! { <span class="mark" aria-hidden="true">"✓ "</span> })}
            {text}
            {right.then(|| view! { <span class="visually-hidden">" (bonne réponse)"</span> })}
            {show_weight.then(|| view! { <span class="muted small">{format!(" · {} %", fr_number(weight))}</span> })}
            {feedback.map(|f| view! { <span class="muted small feedback">" — retour : " {f}</span> })}
        </li>
    }
}

#[component]
fn Answers(kind: QuestionKind) -> impl IntoView {
    match kind {
        QuestionKind::SingleChoice { choices } => view! {
            <ul class="answers">{choices.into_iter().map(|c| answer_row(c.text, c.weight, false, c.feedback)).collect_view()}</ul>
        }
        .into_any(),
        QuestionKind::MultipleChoice { choices, negative_marks } => view! {
            <ul class="answers">{choices.into_iter().map(|c| answer_row(c.text, c.weight, true, c.feedback)).collect_view()}</ul>
            {negative_marks.then(|| view! { <p class="muted small">"Points négatifs comptés."</p> })}
        }
        .into_any(),
        QuestionKind::TrueFalse { answer, feedback_true, feedback_false } => view! {
            <ul class="answers">
                {answer_row("Vrai".into(), if answer { 100.0 } else { 0.0 }, false, feedback_true)}
                {answer_row("Faux".into(), if answer { 0.0 } else { 100.0 }, false, feedback_false)}
            </ul>
        }
        .into_any(),
        QuestionKind::ShortAnswer { answers, exact } => view! {
            <p class="muted small">"Réponses acceptées"
                {if exact { " (texte exact exigé)" } else { " (majuscules, accents et espaces ignorés)" }}</p>
            <ul class="answers">{answers.into_iter().map(|a| answer_row(a.text, a.weight, a.weight < 100.0, a.feedback)).collect_view()}</ul>
        }
        .into_any(),
        QuestionKind::Numerical { answers } => view! {
            <p class="muted small">"Valeurs acceptées"</p>
            <ul class="answers">{answers.into_iter().map(|a| answer_row(target_label(a.target), a.weight, a.weight < 100.0, a.feedback)).collect_view()}</ul>
        }
        .into_any(),
        QuestionKind::Matching { pairs } => view! {
            <ul class="answers">{pairs.into_iter().map(|(l, r)| view! { <li>{l} " → " {r}</li> }).collect_view()}</ul>
        }
        .into_any(),
        QuestionKind::Ordering { items } => view! {
            <p class="muted small">"Dans le bon ordre :"</p>
            <ol class="answers">{items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ol>
        }
        .into_any(),
        QuestionKind::Cloze { segments } => {
            let mut blank = 0;
            let text: String = segments
                .iter()
                .map(|s| match s {
                    Segment::Text(t) => t.clone(),
                    Segment::Blank(_) => {
                        blank += 1;
                        format!("[trou {blank}]")
                    }
                })
                .collect();
            let keys: Vec<String> = segments
                .iter()
                .filter_map(|s| match s {
                    Segment::Blank(Blank::Text { answers, .. }) => Some(
                        answers.iter().filter(|a| a.weight >= 100.0 - 1e-9).map(|a| a.text.clone()).collect::<Vec<_>>().join(" / "),
                    ),
                    Segment::Blank(Blank::Number { answers }) => Some(
                        answers.iter().filter(|a| a.weight >= 100.0 - 1e-9).map(|a| target_label(a.target)).collect::<Vec<_>>().join(" / "),
                    ),
                    Segment::Blank(Blank::Choice { choices }) => Some(
                        choices.iter().filter(|c| c.weight >= 100.0 - 1e-9).map(|c| c.text.clone()).collect::<Vec<_>>().join(" / "),
                    ),
                    Segment::Text(_) => None,
                })
                .collect();
            view! {
                <p class="small">{text}</p>
                <ol class="answers">{keys.into_iter().map(|k| view! { <li class="answer right">{k}</li> }).collect_view()}</ol>
            }
            .into_any()
        }
        QuestionKind::Open => view! { <p class="muted small">"Réponse rédigée, corrigée par l'enseignant."</p> }.into_any(),
    }
}

#[component]
fn AddQuestion(quiz: QuizId, add: Option<EditKind>, action: ServerAction<SaveQuestionForm>) -> impl IntoView {
    let base = format!("/quiz/{quiz}");
    view! {
        <section class="panel" id="ajout" aria-labelledby="ajout-titre">
            <h2 id="ajout-titre">"Ajouter une question"</h2>
            <nav aria-label="Type de la nouvelle question" class="tabs">
                {EditKind::ALL.into_iter().map(|k| view! {
                    <a href=format!("{base}?ajouter={}#ajout", k.code()) aria-current=(add == Some(k)).then_some("page")>{k.label()}</a>
                }).collect_view()}
            </nav>
            {match add {
                Some(kind) => view! {
                    <h3>{format!("Nouvelle question : {}", kind.label())}</h3>
                    <QuestionForm quiz kind existing=None action/>
                }.into_any(),
                None => view! { <p class="muted small">"Choisissez le type de la question à écrire."</p> }.into_any(),
            }}
        </section>
    }
}

/// The values of one row of the form (an option, an accepted text or number).
#[derive(Clone, Default)]
struct RowValues {
    text: String,
    weight: String,
    feedback: String,
    right: bool,
    mode: &'static str,
    value: String,
    margin: String,
    min: String,
    max: String,
    /// The right-hand side of a matching pair.
    matched: String,
}

fn rows_of(kind: &QuestionKind) -> Vec<RowValues> {
    let weight = |w: f64| fr_number(w);
    match kind {
        QuestionKind::SingleChoice { choices } | QuestionKind::MultipleChoice { choices, .. } => choices
            .iter()
            .map(|c| RowValues {
                text: c.text.clone(),
                weight: weight(c.weight),
                feedback: c.feedback.clone().unwrap_or_default(),
                right: c.weight >= 100.0 - 1e-9,
                ..Default::default()
            })
            .collect(),
        QuestionKind::ShortAnswer { answers, .. } => answers
            .iter()
            .map(|a| RowValues {
                text: a.text.clone(),
                weight: weight(a.weight),
                feedback: a.feedback.clone().unwrap_or_default(),
                ..Default::default()
            })
            .collect(),
        QuestionKind::Numerical { answers } => answers
            .iter()
            .map(|a| {
                let mut row = RowValues {
                    weight: weight(a.weight),
                    feedback: a.feedback.clone().unwrap_or_default(),
                    ..Default::default()
                };
                match a.target {
                    NumberTarget::Exact(v) => {
                        row.mode = "exacte";
                        row.value = fr_number_exact(v);
                    }
                    NumberTarget::Tolerance { value, tolerance } => {
                        row.mode = "tolerance";
                        row.value = fr_number_exact(value);
                        row.margin = fr_number_exact(tolerance);
                    }
                    NumberTarget::Range { min, max } => {
                        row.mode = "intervalle";
                        row.min = fr_number_exact(min);
                        row.max = fr_number_exact(max);
                    }
                }
                row
            })
            .collect(),
        QuestionKind::Matching { pairs } => pairs
            .iter()
            .map(|(left, right)| RowValues { text: left.clone(), matched: right.clone(), ..Default::default() })
            .collect(),
        QuestionKind::Ordering { items } => {
            items.iter().map(|item| RowValues { text: item.clone(), ..Default::default() }).collect()
        }
        QuestionKind::TrueFalse { .. } | QuestionKind::Cloze { .. } | QuestionKind::Open => Vec::new(),
    }
}

/// A number as typed back into a form: every decimal kept.
fn fr_number_exact(value: f64) -> String {
    format!("{value}").replace('.', ",")
}

/// The question form, for a new question of `kind` or to edit `existing`. Offers two blank
/// rows more than the question has (four at least), since without JavaScript rows cannot be
/// added on the page.
#[component]
fn QuestionForm(
    quiz: QuizId,
    kind: EditKind,
    existing: Option<QuestionLine>,
    action: ServerAction<SaveQuestionForm>,
) -> impl IntoView {
    let question = existing.as_ref().map(|l| l.question.clone());
    let text = question.as_ref().map(|q| q.text.clone()).unwrap_or_default();
    let title = question.as_ref().filter(|q| q.title != q.text).map(|q| q.title.clone()).unwrap_or_default();
    let points = question.as_ref().map(|q| fr_number(q.points.value())).unwrap_or_else(|| "1".into());
    let general = question.as_ref().and_then(|q| q.general_feedback.clone()).unwrap_or_default();
    let mut rows = question.as_ref().map(|q| rows_of(&q.kind)).unwrap_or_default();
    let wanted = (rows.len() + 2).clamp(4, OPTIONS_MAX);
    rows.resize_with(wanted, || RowValues { mode: "exacte", ..Default::default() });
    let prefix = existing.as_ref().map(|l| format!("q{}", l.id)).unwrap_or_else(|| "nq".into());
    let fid = move |name: &str| format!("{prefix}-{name}");
    let body = match kind {
        EditKind::Single => view! {
            <fieldset>
                <legend>"Propositions (cochez la bonne réponse ; les lignes vides sont ignorées)"</legend>
                {rows.iter().enumerate().map(|(i, r)| view! {
                    <div class="option-row">
                        <label class="check"><input type="radio" name="champs[bonne]" value=i.to_string() checked=r.right/>
                            <span class="visually-hidden">{format!("Bonne réponse : proposition {}", i + 1)}</span></label>
                        <label>{format!("Proposition {}", i + 1)} <input name=format!("champs[texte_{i}]") value=r.text.clone()/></label>
                        <label>"Retour" <input name=format!("champs[retour_{i}]") value=r.feedback.clone()/></label>
                    </div>
                }).collect_view()}
            </fieldset>
        }
        .into_any(),
        EditKind::Multiple => {
            let negative = matches!(question.as_ref().map(|q| &q.kind), Some(QuestionKind::MultipleChoice { negative_marks: true, .. }));
            view! {
                <fieldset>
                    <legend>"Propositions et leur poids en % (les bonnes totalisent 100 %, les autres 0 ou un poids négatif)"</legend>
                    {rows.iter().enumerate().map(|(i, r)| view! {
                        <div class="option-row">
                            <label>{format!("Proposition {}", i + 1)} <input name=format!("champs[texte_{i}]") value=r.text.clone()/></label>
                            <label>"Poids (%)" <input name=format!("champs[poids_{i}]") value=r.weight.clone() inputmode="decimal" size="6"/></label>
                            <label>"Retour" <input name=format!("champs[retour_{i}]") value=r.feedback.clone()/></label>
                        </div>
                    }).collect_view()}
                    <label class="check"><input type="checkbox" name="champs[negatif]" value="1" checked=negative/>
                        " Compter les poids négatifs (une mauvaise réponse fait perdre des points, jamais sous 0)"</label>
                </fieldset>
            }
            .into_any()
        }
        EditKind::TrueFalse => {
            let (answer, ft, ff) = match question.as_ref().map(|q| q.kind.clone()) {
                Some(QuestionKind::TrueFalse { answer, feedback_true, feedback_false }) => {
                    (Some(answer), feedback_true.unwrap_or_default(), feedback_false.unwrap_or_default())
                }
                _ => (None, String::new(), String::new()),
            };
            view! {
                <fieldset>
                    <legend>"L'affirmation est"</legend>
                    <label class="check"><input type="radio" name="champs[vrai_faux]" value="vrai" checked=answer == Some(true)/>" Vraie"</label>
                    <label class="check"><input type="radio" name="champs[vrai_faux]" value="faux" checked=answer == Some(false)/>" Fausse"</label>
                </fieldset>
                <div class="form-grid">
                    <label>"Retour si l'élève répond Vrai" <input name="champs[retour_vrai]" value=ft/></label>
                    <label>"Retour si l'élève répond Faux" <input name="champs[retour_faux]" value=ff/></label>
                </div>
            }
            .into_any()
        }
        EditKind::Short => {
            let exact = matches!(question.as_ref().map(|q| &q.kind), Some(QuestionKind::ShortAnswer { exact: true, .. }));
            view! {
                <fieldset>
                    <legend>"Réponses acceptées (poids 100 % si vide)"</legend>
                    {rows.iter().enumerate().map(|(i, r)| view! {
                        <div class="option-row">
                            <label>{format!("Réponse {}", i + 1)} <input name=format!("champs[texte_{i}]") value=r.text.clone()/></label>
                            <label>"Poids (%)" <input name=format!("champs[poids_{i}]") value=r.weight.clone() inputmode="decimal" size="6"/></label>
                            <label>"Retour" <input name=format!("champs[retour_{i}]") value=r.feedback.clone()/></label>
                        </div>
                    }).collect_view()}
                    <label class="check"><input type="checkbox" name="champs[exact]" value="1" checked=exact/>
                        " Exiger le texte exact (sinon majuscules, accents et espaces sont ignorés)"</label>
                </fieldset>
            }
            .into_any()
        }
        EditKind::Numerical => view! {
            <fieldset>
                <legend>"Valeurs acceptées (virgule décimale ; poids 100 % si vide)"</legend>
                {rows.iter().enumerate().map(|(i, r)| {
                    let mode = r.mode;
                    view! {
                        <div class="option-row">
                            <label>{format!("Réponse {}", i + 1)}
                                <select name=format!("champs[mode_{i}]")>
                                    <option value="exacte" selected=mode == "exacte">"Valeur exacte"</option>
                                    <option value="tolerance" selected=mode == "tolerance">"Valeur ± écart"</option>
                                    <option value="intervalle" selected=mode == "intervalle">"Intervalle"</option>
                                </select>
                            </label>
                            <label>"Valeur" <input name=format!("champs[valeur_{i}]") value=r.value.clone() inputmode="decimal" size="8"/></label>
                            <label>"Écart" <input name=format!("champs[ecart_{i}]") value=r.margin.clone() inputmode="decimal" size="6"/></label>
                            <label>"De" <input name=format!("champs[min_{i}]") value=r.min.clone() inputmode="decimal" size="6"/></label>
                            <label>"à" <input name=format!("champs[max_{i}]") value=r.max.clone() inputmode="decimal" size="6"/></label>
                            <label>"Poids (%)" <input name=format!("champs[poids_{i}]") value=r.weight.clone() inputmode="decimal" size="6"/></label>
                            <label>"Retour" <input name=format!("champs[retour_{i}]") value=r.feedback.clone()/></label>
                        </div>
                    }
                }).collect_view()}
            </fieldset>
        }
        .into_any(),
        EditKind::Matching => view! {
            <fieldset>
                <legend>"Paires à associer (l'élève choisit, pour chaque élément, ce qui lui correspond ; les lignes vides sont ignorées)"</legend>
                {rows.iter().enumerate().map(|(i, r)| view! {
                    <div class="option-row">
                        <label>{format!("Élément {}", i + 1)} <input name=format!("champs[gauche_{i}]") value=r.text.clone()/></label>
                        <label>"correspond à"<span class="visually-hidden">{format!(" (paire {})", i + 1)}</span>
                            <input name=format!("champs[droite_{i}]") value=r.matched.clone()/></label>
                    </div>
                }).collect_view()}
            </fieldset>
        }
        .into_any(),
        EditKind::Ordering => view! {
            <fieldset>
                <legend>"Éléments dans le bon ordre (l'élève les reçoit mélangés ; les lignes vides sont ignorées)"</legend>
                {rows.iter().enumerate().map(|(i, r)| view! {
                    <div class="option-row">
                        <label>{format!("Élément {}", i + 1)} <input name=format!("champs[element_{i}]") value=r.text.clone()/></label>
                    </div>
                }).collect_view()}
            </fieldset>
        }
        .into_any(),
        EditKind::Cloze => {
            let (cloze_text, mut blanks) = match question.as_ref().map(|q| &q.kind) {
                Some(QuestionKind::Cloze { segments }) => cloze_form(segments),
                _ => (String::new(), Vec::new()),
            };
            let wanted = (blanks.len() + 2).clamp(4, OPTIONS_MAX);
            blanks.resize_with(wanted, BlankRow::default);
            view! {
                <label class="block" for=fid("trous")>"Texte à trous : écrivez [1] à la place du premier mot à trouver, [2] à la place du deuxième…"</label>
                <textarea id=fid("trous") name="champs[texte_trous]" rows="4" required
                    placeholder="Le [1] se jette dans la mer du Nord après [2] km.">{cloze_text}</textarea>
                <fieldset>
                    <legend>"Les trous : une ligne par numéro (séparez plusieurs réponses par « ; »)"</legend>
                    <p class="muted small">"Réponse courte : « Rhin ; le Rhin ». Nombre : « 1233 », « 9,81 ± 0,1 » ou « de 9 à 10 ». "
                        "Liste de choix : la bonne réponse, et la liste que l'élève verra, bonne réponse comprise : « rouge ; vert ; bleu ». "
                        "Une réponse en partie juste : « Hugo (50 %) ». Les lignes vides sont ignorées."</p>
                    {blanks.into_iter().enumerate().map(|(k, b)| {
                        let n = k + 1;
                        let kind = b.kind;
                        let of = format!(" du trou [{n}]");
                        view! {
                            <div class="option-row blank-row">
                                <label>{format!("Trou [{n}]")}
                                    <select name=format!("champs[genre_{n}]")>
                                        <option value="courte" selected=kind == "courte">"Réponse courte"</option>
                                        <option value="nombre" selected=kind == "nombre">"Nombre"</option>
                                        <option value="liste" selected=kind == "liste">"Liste de choix"</option>
                                    </select>
                                </label>
                                <label>"Bonne(s) réponse(s)"<span class="visually-hidden">{of.clone()}</span>
                                    <input name=format!("champs[bonnes_{n}]") value=b.right/></label>
                                <label>"Liste proposée (liste de choix)"<span class="visually-hidden">{of.clone()}</span>
                                    <input name=format!("champs[liste_{n}]") value=b.list/></label>
                                <label class="check"><input type="checkbox" name=format!("champs[exact_{n}]") value="1" checked=b.exact/>
                                    " Texte exact"<span class="visually-hidden">{of.clone()}</span></label>
                                <label>"Retour si juste"<span class="visually-hidden">{of}</span>
                                    <input name=format!("champs[retour_{n}]") value=b.feedback/></label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
            }
            .into_any()
        }
        EditKind::Open => view! {
            <p class="muted small">"L'élève rédige sa réponse ; vous la corrigez ensuite."</p>
        }
        .into_any(),
    };
    let (text_label, text_required) = if kind == EditKind::Cloze {
        ("Consigne (facultative, par exemple « Complétez avec les mots qui conviennent. »)", false)
    } else {
        ("Énoncé", true)
    };
    view! {
        <ActionForm action attr:class="question-form">
            <input type="hidden" name="quiz" value=quiz.to_string()/>
            {existing.as_ref().map(|l| view! { <input type="hidden" name="question" value=l.id.to_string()/> })}
            <input type="hidden" name="champs[type]" value=kind.code()/>
            <label class="block" for=fid("enonce")>{text_label}</label>
            <textarea id=fid("enonce") name="champs[enonce]" rows="3" required=text_required>{text}</textarea>
            <div class="form-grid">
                <label>"Points" <input name="champs[points]" value=points inputmode="decimal" size="5"/></label>
                <label>"Titre (facultatif, pour vous retrouver)" <input name="champs[titre]" value=title/></label>
            </div>
            {body}
            <label class="block">"Retour général (montré avec la correction)"
                <textarea name="champs[retour_general]" rows="2">{general}</textarea>
            </label>
            <button type="submit">"Enregistrer la question"</button>
        </ActionForm>
        <FormError action/>
    }
}

#[component]
fn GiftImportPanel(quiz: QuizId, action: ServerAction<ImportGiftForm>) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="gift-import">
            <h2 id="gift-import">"Importer du GIFT"</h2>
            <ActionForm action>
                <input type="hidden" name="quiz" value=quiz.to_string()/>
                <label class="block" for="gift_texte">"Collez des questions au format GIFT (Moodle) ; elles s'ajoutent à la fin du quiz :"</label>
                <textarea id="gift_texte" name="texte" rows="6" required placeholder="::Capitale:: Quelle est la capitale de la France ? {=Paris ~Lyon ~Marseille}"></textarea>
                <FilePicker target="gift_texte" max_bytes=domain::quiz::gift::GIFT_MAX_BYTES
                    label="Ou choisissez un fichier GIFT (il remplit la zone ci-dessus) : " accept=".gift,.txt,text/plain"
                    too_big="Partagez les questions entre plusieurs fichiers."/>
                <p class="muted small">"Au moindre problème, rien n'est importé et chaque ligne à corriger est indiquée. Chaque question importée vaut 1 point."</p>
                <button type="submit">"Importer"</button>
            </ActionForm>
            <ProblemsError action/>
        </section>
    }
}

#[component]
fn GiftExportPanel(quiz: QuizId, skipped: Vec<String>, empty: bool) -> impl IntoView {
    (!empty).then(|| {
        view! {
            <section class="panel" aria-labelledby="gift-export">
                <h2 id="gift-export">"Exporter en GIFT"</h2>
                <p><a href=format!("/quiz/{quiz}/export.gift") download rel="external">"Télécharger le quiz (GIFT)"</a>
                    <span class="muted small">" — pour Moodle ou un autre quiz de Préau."</span></p>
                {(!skipped.is_empty()).then(|| view! {
                    <p class="notice">"Ces questions ne sont pas dans le fichier, car GIFT ne sait pas les écrire :"</p>
                    <ul class="problems">{skipped.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}</ul>
                })}
            </section>
        }
    })
}

#[component]
fn AssignPanel(
    quiz: QuizId,
    units: Vec<(String, String)>,
    action: ServerAction<AssignQuizForm>,
    empty: bool,
) -> impl IntoView {
    if empty || units.is_empty() {
        // Nothing to give yet, or nobody to give it to: no form that can only fail.
        return ().into_any();
    }
    let now = now_ms();
    // From the start of the current hour (open at once), for a week.
    let opens = now - now.rem_euclid(3_600_000);
    let closes = opens + 7 * 24 * 3_600_000;
    let done = move || {
        action.value().get().and_then(|r| r.ok()).map(|_| {
            view! { <p class="notice" role="status">"Quiz donné : il apparaît dans la liste des devoirs ci-dessous."</p> }
        })
    };
    view! {
        <section class="panel" id="donner" aria-labelledby="donner-titre">
            <h2 id="donner-titre">"Donner à une classe"</h2>
            <ActionForm action>
                <input type="hidden" name="quiz" value=quiz.to_string()/>
                <super::manage::AssignmentFields values=AssignForm {
                    unite: String::new(),
                    ouverture: datetime_local(opens),
                    fermeture: datetime_local(closes),
                    duree: String::new(),
                    tentatives: "1".into(),
                    melanger_questions: None,
                    melanger_options: None,
                    retour: FeedbackPolicy::AtSubmission.code().into(),
                }>
                    <label>"Classe ou groupe"
                        <select name="reglages[unite]">
                            {units.into_iter().map(|(key, name)| view! { <option value=key>{name}</option> }).collect_view()}
                        </select>
                    </label>
                </super::manage::AssignmentFields>
                <p class="muted small">"Heures de Paris. Les élèves répondent à une copie du quiz tel qu'il est maintenant."</p>
                <button type="submit">"Donner le quiz"</button>
            </ActionForm>
            <FormError action/>
            {done}
        </section>
    }
    .into_any()
}

#[component]
fn GivenPanel(given: Vec<AssignmentLine>) -> impl IntoView {
    (!given.is_empty()).then(|| {
        view! {
            <section class="panel" id="devoirs" aria-labelledby="devoirs-titre">
                <h2 id="devoirs-titre">"Devoirs donnés"</h2>
                <ul class="given">
                    {given.into_iter().map(|a| view! {
                        <li>
                            <strong>{a.unit_name.clone()}</strong>
                            <span class="muted small">" · du " {paris::format_datetime(a.opens_at)} " au " {paris::format_datetime(a.closes_at)}</span>
                            <span class="small">{format!(" · {} rendu{} sur {} élève{}", a.submitted, if a.submitted > 1 { "s" } else { "" }, a.students, if a.students > 1 { "s" } else { "" })}</span>
                            " · " <a href=format!("/quiz/resultats/{}", a.id)>"Résultats"<span class="visually-hidden">{format!(" de {}", a.unit_name)}</span></a>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        }
    })
}

/// "Révisions chapitre 3" → "revisions-chapitre-3".
#[cfg(feature = "ssr")]
pub(super) fn file_slug(title: &str) -> String {
    let slug = crate::grades::slug(title);
    if slug.is_empty() { "quiz".into() } else { slug }
}

#[cfg(feature = "ssr")]
pub(super) use crate::server::download::{attachment, text_response};

/// `/quiz/{id}/export.gift`: the quiz as GIFT, for whoever may read it.
#[cfg(feature = "ssr")]
pub async fn gift_export(
    axum::extract::State(state): axum::extract::State<crate::server::AppState>,
    axum::Extension(slot): axum::Extension<crate::server::session::SessionSlot>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> axum::response::Response {
    let Some(user) = slot.0 else { return crate::server::download::to_login("/quiz") };
    let Ok(quiz) = id.parse::<QuizId>() else {
        return text_response(404, AppError::NotFound.message());
    };
    match super::api::ssr::gift_for(&state, &user, quiz).await {
        Ok((row, export)) => {
            attachment("text/plain; charset=utf-8", format!("{}.gift", file_slug(&row.title)), export.text)
        }
        Err(e) => text_response(e.status(), e.message()),
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    fn form(fields: &[(&str, &str)]) -> BTreeMap<String, String> {
        fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_single_choice_form_becomes_a_question_with_its_right_option_and_blank_rows_left_out() {
        let q = question_from_form(&form(&[
            ("type", "unique"),
            ("enonce", "Quelle est la capitale de la France ?"),
            ("points", "2,5"),
            ("texte_0", "Lyon"),
            ("texte_1", ""),
            ("texte_2", "Paris"),
            ("retour_2", "Bravo"),
            ("bonne", "2"),
        ]))
        .map_err(|e| e.reason);
        let Ok(q) = q else { panic!("{q:?}") };
        assert_eq!(q.points.value(), 2.5);
        assert_eq!(q.title, "Quelle est la capitale de la France ?");
        let QuestionKind::SingleChoice { choices } = q.kind else { panic!("single choice") };
        assert_eq!(
            choices.iter().map(|c| (c.text.as_str(), c.weight)).collect::<Vec<_>>(),
            [("Lyon", 0.0), ("Paris", 100.0)]
        );
        assert_eq!(choices[1].feedback.as_deref(), Some("Bravo"));
    }

    #[test]
    fn a_form_without_a_right_answer_or_with_bad_points_is_refused_in_french() {
        let no_right = question_from_form(&form(&[
            ("type", "unique"),
            ("enonce", "?"),
            ("points", "1"),
            ("texte_0", "a"),
            ("texte_1", "b"),
        ]));
        assert_eq!(
            no_right.map_err(|e| e.reason).err().as_deref(),
            Some("Indiquez la bonne proposition (celle qui vaut 100 %).")
        );
        let points = question_from_form(&form(&[("type", "ouverte"), ("enonce", "?"), ("points", "0")]));
        assert!(points.is_err());
        let weights = question_from_form(&form(&[
            ("type", "multiple"),
            ("enonce", "?"),
            ("points", "1"),
            ("texte_0", "a"),
            ("poids_0", "50"),
            ("texte_1", "b"),
            ("poids_1", "40"),
        ]));
        assert!(weights.map_err(|e| e.reason).err().is_some_and(|r| r.contains("100 %")));
        assert!(question_from_form(&form(&[("type", "vrai-faux"), ("enonce", "?"), ("points", "1")])).is_err());
        assert!(question_from_form(&form(&[("type", "appariement"), ("enonce", "?"), ("points", "1")])).is_err());
    }

    #[test]
    fn numerical_rows_read_exact_values_tolerances_and_ranges_the_french_way() {
        let q = question_from_form(&form(&[
            ("type", "numerique"),
            ("enonce", "g ?"),
            ("points", "1"),
            ("mode_0", "tolerance"),
            ("valeur_0", "9,81"),
            ("ecart_0", "0,1"),
            ("mode_1", "intervalle"),
            ("min_1", "9"),
            ("max_1", "10"),
            ("poids_1", "50"),
            ("mode_2", "exacte"),
            ("valeur_2", ""),
        ]))
        .map_err(|e| e.reason);
        let Ok(Question { kind: QuestionKind::Numerical { answers }, .. }) = q else { panic!("{q:?}") };
        assert_eq!(answers.len(), 2);
        assert_eq!(answers[0].target, NumberTarget::Tolerance { value: 9.81, tolerance: 0.1 });
        assert_eq!((answers[1].target, answers[1].weight), (NumberTarget::Range { min: 9.0, max: 10.0 }, 50.0));
        let upside_down = question_from_form(&form(&[
            ("type", "numerique"),
            ("enonce", "?"),
            ("points", "1"),
            ("mode_0", "intervalle"),
            ("min_0", "10"),
            ("max_0", "9"),
        ]));
        assert!(upside_down.is_err());
    }

    #[test]
    fn an_edited_question_comes_back_through_its_form_unchanged() {
        let original = question_from_form(&form(&[
            ("type", "courte"),
            ("enonce", "Qui a écrit Les Misérables ?"),
            ("points", "1"),
            ("texte_0", "Victor Hugo"),
            ("texte_1", "Hugo"),
            ("poids_1", "50"),
            ("exact", "1"),
        ]));
        let Ok(original) = original else { panic!("{original:?}") };
        let mut fields = form(&[("type", "courte"), ("enonce", "Qui a écrit Les Misérables ?"), ("points", "1")]);
        for (i, r) in rows_of(&original.kind).iter().enumerate() {
            fields.insert(format!("texte_{i}"), r.text.clone());
            fields.insert(format!("poids_{i}"), r.weight.clone());
        }
        fields.insert("exact".into(), "1".into());
        assert_eq!(question_from_form(&fields).ok(), Some(original));
    }

    fn reason(fields: &[(&str, &str)]) -> String {
        match question_from_form(&form(fields)) {
            Ok(q) => panic!("expected a refusal, got {q:?}"),
            Err(e) => e.reason,
        }
    }

    #[test]
    fn a_matching_form_reads_its_pairs_and_leaves_blank_rows_out() {
        let q = question_from_form(&form(&[
            ("type", "appariement"),
            ("enonce", "Associez chaque pays à sa capitale."),
            ("points", "2"),
            ("gauche_0", "France"),
            ("droite_0", "Paris"),
            ("gauche_1", ""),
            ("droite_1", ""),
            ("gauche_2", "Italie"),
            ("droite_2", "Rome"),
            ("retour_general", "Révisez la carte de l'Europe."),
        ]));
        let Ok(q) = q else { panic!("{q:?}") };
        assert_eq!(
            q.kind,
            QuestionKind::Matching { pairs: vec![("France".into(), "Paris".into()), ("Italie".into(), "Rome".into())] }
        );
        assert_eq!(q.general_feedback.as_deref(), Some("Révisez la carte de l'Europe."));
        assert_eq!(q.points.value(), 2.0);
    }

    #[test]
    fn a_matching_form_refuses_half_a_pair_and_a_single_pair() {
        let base =
            [("type", "appariement"), ("enonce", "?"), ("points", "1"), ("gauche_0", "France"), ("droite_0", "Paris")];
        let mut half = base.to_vec();
        half.extend([("gauche_1", "Italie"), ("droite_1", " ")]);
        assert_eq!(reason(&half), "Paire 2 : écrivez ses deux côtés, ou videz la ligne.");
        assert_eq!(reason(&base), "Il faut au moins 2 paires.");
    }

    #[test]
    fn an_ordering_form_keeps_the_order_written_and_refuses_an_item_twice_or_alone() {
        let q = question_from_form(&form(&[
            ("type", "ordre"),
            ("enonce", "Rangez du plus ancien au plus récent."),
            ("points", "1"),
            ("element_0", "Antiquité"),
            ("element_1", ""),
            ("element_2", "Moyen Âge"),
            ("element_3", "Renaissance"),
        ]));
        let Ok(q) = q else { panic!("{q:?}") };
        assert_eq!(
            q.kind,
            QuestionKind::Ordering { items: vec!["Antiquité".into(), "Moyen Âge".into(), "Renaissance".into()] }
        );
        let twice = [("type", "ordre"), ("enonce", "?"), ("points", "1"), ("element_0", "a"), ("element_1", "a")];
        assert_eq!(reason(&twice), "« a » apparaît deux fois dans la liste.");
        let alone = [("type", "ordre"), ("enonce", "?"), ("points", "1"), ("element_0", "a")];
        assert_eq!(reason(&alone), "Il faut au moins 2 éléments à ordonner.");
    }

    fn cloze(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        let mut fields = vec![("type", "trous"), ("enonce", ""), ("points", "3")];
        fields.extend_from_slice(extra);
        fields
    }

    #[test]
    fn a_cloze_form_reads_each_blank_by_its_kind_in_the_order_of_the_text() {
        let q = question_from_form(&form(&cloze(&[
            ("texte_trous", "Le [1] mesure [3] km et coule vers [2]."),
            ("genre_1", "courte"),
            ("bonnes_1", "Rhin ; le Rhin ; Rhein (50 %)"),
            ("retour_1", "Bien vu"),
            ("exact_1", "1"),
            ("genre_2", "liste"),
            ("bonnes_2", "le nord"),
            ("liste_2", "le sud ; le nord ; l'est"),
            ("genre_3", "nombre"),
            ("bonnes_3", "1 233 ± 10 ; de 1 000 à 1 500 (25 %)"),
            ("genre_4", "courte"),
            ("bonnes_4", ""),
        ])));
        let Ok(q) = q else { panic!("{q:?}") };
        // No instruction: the title is the text, blanks as "…".
        assert_eq!((q.text.as_str(), q.title.as_str()), ("", "Le … mesure … km et coule vers …."));
        let text = |t: &str, weight: f64, feedback: Option<&str>| AcceptedText {
            text: t.into(),
            weight,
            feedback: feedback.map(str::to_string),
        };
        let choice = |t: &str, weight: f64| Choice { text: t.into(), weight, feedback: None };
        assert_eq!(
            q.kind,
            QuestionKind::Cloze {
                segments: vec![
                    Segment::Text("Le ".into()),
                    Segment::Blank(Blank::Text {
                        answers: vec![
                            text("Rhin", 100.0, Some("Bien vu")),
                            text("le Rhin", 100.0, Some("Bien vu")),
                            text("Rhein", 50.0, None),
                        ],
                        exact: true,
                    }),
                    Segment::Text(" mesure ".into()),
                    Segment::Blank(Blank::Number {
                        answers: vec![
                            AcceptedNumber {
                                target: NumberTarget::Tolerance { value: 1233.0, tolerance: 10.0 },
                                weight: 100.0,
                                feedback: None,
                            },
                            AcceptedNumber {
                                target: NumberTarget::Range { min: 1000.0, max: 1500.0 },
                                weight: 25.0,
                                feedback: None,
                            },
                        ],
                    }),
                    Segment::Text(" km et coule vers ".into()),
                    Segment::Blank(Blank::Choice {
                        choices: vec![choice("le sud", 0.0), choice("le nord", 100.0), choice("l'est", 0.0)]
                    }),
                    Segment::Text(".".into()),
                ],
            }
        );
    }

    #[test]
    fn a_cloze_form_says_exactly_what_to_fix() {
        let cases: [(&[(&'static str, &'static str)], &str); 12] = [
            (
                &[],
                "Écrivez le texte à trous, avec [1] à la place du premier mot à trouver, [2] à la place du deuxième…",
            ),
            (
                &[("texte_trous", "Rien à [compléter]."), ("bonnes_1", "x")],
                "Écrivez le texte à trous, avec [1] à la place du premier mot à trouver, [2] à la place du deuxième…",
            ),
            (
                &[
                    ("texte_trous", "Le [1] et le [2]."),
                    ("genre_1", "courte"),
                    ("bonnes_1", "Rhin"),
                    ("genre_2", "courte"),
                ],
                "Le trou [2] n'a pas de bonne réponse : écrivez-la sur la ligne du trou [2], ou retirez [2] du texte.",
            ),
            (
                &[("texte_trous", "Le [1]."), ("genre_1", "courte"), ("bonnes_1", "Rhin"), ("bonnes_3", "Rhône")],
                "La ligne du trou [3] est remplie, mais [3] n'est pas dans le texte : placez [3] à l'endroit du trou, ou videz la ligne.",
            ),
            (
                &[("texte_trous", "Le [1] et le [1]."), ("genre_1", "courte"), ("bonnes_1", "Rhin")],
                "[1] apparaît deux fois dans le texte : donnez à chaque trou son propre numéro.",
            ),
            (
                &[("texte_trous", "Le [0]."), ("genre_1", "courte"), ("bonnes_1", "Rhin")],
                "[0] n'est pas un numéro de trou : numérotez les trous de [1] à [100].",
            ),
            (
                &[("texte_trous", "Il y a [1] jours."), ("genre_1", "nombre"), ("bonnes_1", "beaucoup")],
                "Trou [1] : « beaucoup » n'est pas un nombre : écrivez par exemple 3,14, 3,14 ± 0,01 ou de 3 à 4.",
            ),
            (
                &[("texte_trous", "En [1]."), ("genre_1", "liste"), ("bonnes_1", "été")],
                "Trou [1] : écrivez la liste proposée à l'élève, bonne réponse comprise, séparée par « ; » (par exemple « rouge ; vert ; bleu »).",
            ),
            (
                &[
                    ("texte_trous", "En [1]."),
                    ("genre_1", "liste"),
                    ("bonnes_1", "été"),
                    ("liste_1", "hiver ; automne"),
                ],
                "Trou [1] : la bonne réponse « été » n'est pas dans la liste proposée : ajoutez-la à la liste.",
            ),
            (
                &[("texte_trous", "En [1]."), ("genre_1", "liste"), ("bonnes_1", "été"), ("liste_1", "été")],
                "Trou [1] : il faut au moins 2 propositions.",
            ),
            (
                &[("texte_trous", "Le [1]."), ("genre_1", "courte"), ("bonnes_1", "Rhin"), ("liste_1", "Rhin ; Rhône")],
                "Trou [1] : la liste proposée ne sert qu'à une liste de choix : videz-la, ou choisissez « Liste de choix ».",
            ),
            (
                &[("texte_trous", "Le [1]."), ("genre_1", "courte"), ("bonnes_1", "Rhein (50 %)")],
                "Trou [1] : au moins une réponse acceptée doit valoir 100 %.",
            ),
        ];
        for (fields, expected) in cases {
            assert_eq!(reason(&cloze(fields)), expected, "{fields:?}");
        }
        let bad_weight =
            reason(&cloze(&[("texte_trous", "Le [1]."), ("genre_1", "courte"), ("bonnes_1", "Rhin (beaucoup %)")]));
        assert_eq!(bad_weight, "Trou [1] : le pourcentage de « Rhin (beaucoup %) » s'écrit comme (50 %).");
        let no_kind = reason(&cloze(&[("texte_trous", "Le [1]."), ("genre_1", "dessin"), ("bonnes_1", "Rhin")]));
        assert_eq!(no_kind, "Trou [1] : choisissez son genre : réponse courte, nombre ou liste de choix.");
    }

    #[test]
    fn new_matching_ordering_and_cloze_questions_come_back_through_their_forms_unchanged() {
        let matching = question_from_form(&form(&[
            ("type", "appariement"),
            ("enonce", "?"),
            ("points", "1"),
            ("gauche_0", "chat"),
            ("droite_0", "miaule"),
            ("gauche_1", "chien"),
            ("droite_1", "aboie"),
        ]));
        let Ok(matching) = matching else { panic!("{matching:?}") };
        let mut fields = form(&[("type", "appariement"), ("enonce", "?"), ("points", "1")]);
        for (i, r) in rows_of(&matching.kind).iter().enumerate() {
            fields.insert(format!("gauche_{i}"), r.text.clone());
            fields.insert(format!("droite_{i}"), r.matched.clone());
        }
        assert_eq!(question_from_form(&fields).ok(), Some(matching));

        let ordering = question_from_form(&form(&[
            ("type", "ordre"),
            ("enonce", "?"),
            ("points", "1"),
            ("element_0", "un"),
            ("element_1", "deux"),
        ]));
        let Ok(ordering) = ordering else { panic!("{ordering:?}") };
        let mut fields = form(&[("type", "ordre"), ("enonce", "?"), ("points", "1")]);
        for (i, r) in rows_of(&ordering.kind).iter().enumerate() {
            fields.insert(format!("element_{i}"), r.text.clone());
        }
        assert_eq!(question_from_form(&fields).ok(), Some(ordering));

        let written = cloze(&[
            ("enonce", "Complétez."),
            ("texte_trous", "[2] vaut [1], à peu près."),
            ("genre_1", "nombre"),
            ("bonnes_1", "3,14 ± 0,01 ; -3,5 (10 %)"),
            ("retour_1", "Oui"),
            ("genre_2", "liste"),
            ("bonnes_2", "Pi ; π (50 %)"),
            ("liste_2", "Tau ; Pi ; π"),
        ]);
        let Ok(q) = question_from_form(&form(&written)) else { panic!("a valid cloze form") };
        let QuestionKind::Cloze { segments } = &q.kind else { panic!("cloze") };
        assert_eq!(EditKind::of(&q.kind), Some(EditKind::Cloze));
        let (text, rows) = cloze_form(segments);
        // Renumbered in the order of the text.
        assert_eq!(text, "[1] vaut [2], à peu près.");
        assert_eq!(rows[1].right, "3,14 ± 0,01 ; -3,5 (10 %)");
        let mut fields = cloze_fields(&text, &rows);
        fields.extend(form(&[("type", "trous"), ("enonce", "Complétez."), ("points", "3")]));
        assert_eq!(question_from_form(&fields).ok(), Some(q));
    }

    #[test]
    fn a_cloze_question_the_form_cannot_write_back_is_not_offered_for_editing() {
        // Imported from GIFT: a feedback on a wrong choice, which one line per blank cannot hold.
        let kind = QuestionKind::Cloze {
            segments: vec![
                Segment::Text("En ".into()),
                Segment::Blank(Blank::Choice {
                    choices: vec![
                        Choice { text: "été".into(), weight: 100.0, feedback: None },
                        Choice { text: "hiver".into(), weight: 0.0, feedback: Some("Il fait froid.".into()) },
                    ],
                }),
            ],
        };
        assert_eq!(EditKind::of(&kind), None);
        assert_eq!(kind_label(&kind), "Texte à trous");
    }

    #[test]
    fn every_type_is_offered_once_with_its_own_code() {
        for kind in EditKind::ALL {
            assert_eq!(EditKind::from_code(kind.code()), Some(kind));
        }
    }

    #[test]
    fn assignment_dates_are_paris_wall_clock_times() {
        let f = AssignForm {
            unite: "c:12".into(),
            ouverture: "2026-12-01T08:00".into(),
            fermeture: "2026-12-08T18:30".into(),
            duree: "".into(),
            tentatives: "2".into(),
            melanger_questions: Some("1".into()),
            melanger_options: None,
            retour: "after_closing".into(),
        };
        let Ok((unit, s)) = assignment_from_form(&f) else { panic!("a valid form") };
        assert_eq!(unit, TeachingUnit::Class(domain::ClassId(12)));
        assert_eq!(s.opens_at, paris::instant_at((2026, 12, 1), 8, 0));
        assert_eq!(datetime_local(s.closes_at), "2026-12-08T18:30");
        assert_eq!(
            (s.time_limit_minutes, s.max_attempts, s.shuffle_questions, s.shuffle_options),
            (None, 2, true, false)
        );
        assert_eq!(s.feedback, FeedbackPolicy::AfterClosing);
        for bad in [
            AssignForm { ouverture: "demain".into(), ..f.clone() },
            AssignForm { duree: "vingt".into(), ..f.clone() },
            AssignForm { unite: "x".into(), ..f.clone() },
            AssignForm { retour: "jamais".into(), ..f.clone() },
        ] {
            assert!(assignment_from_form(&bad).is_err(), "{bad:?}");
        }
    }
}
