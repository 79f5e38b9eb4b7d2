//! Moodle's GIFT text format, read and written, so teachers bring their quizzes from Moodle and
//! take them back (https://docs.moodle.org/en/GIFT_format).
//!
//! Read: `//` comment lines, `$CATEGORY:` lines (an empty path resets the category), `::title::`,
//! a `[html]`/`[moodle]`/`[plain]`/`[markdown]` format tag (dropped, the text is kept as
//! written), questions separated by blank lines and spread over several lines, escapes
//! `\~ \= \# \{ \} \: \\ \n`, and answer blocks:
//! `{=right ~wrong}` single choice, `{~%50%a ~%50%b ~%-100%c}` multiple choice (no `=` answer
//! and two options worth points or more), `{T}` `{FALSE#if wrong#if right}` true/false,
//! `{=a =%50%b}` short answer, `{=a -> b =c -> d}` matching, `{#9.81:0.01}` `{#1..5}`
//! `{#=%100%9.81:0 =%50%9.8:0.1}` numerical, `{}` open answer, an answer block inside the
//! text (missing word) as a one-blank cloze question, `#feedback` after an answer and
//! `####feedback` for the general feedback, `%weight%` in percent.
//!
//! GIFT has no syntax for points (imported questions are worth 1), images, exact-text short
//! answers (imported as ignoring case and accents), ordering questions and cloze questions
//! with several blanks: [`to_gift`] leaves those out and says which. A text holding `->`
//! cannot be written unambiguously either. A missing-word question is imported as a cloze
//! question whose text is empty (the words around the blank are the question); a cloze
//! question's own instruction, if any, is written before the words around its blank.
//!
//! A file with any problem imports nothing: [`parse_gift`] reports every problem with its line.

use super::{AcceptedNumber, AcceptedText, Blank, Choice, NumberTarget, Points, Question, QuestionKind, Segment};
use serde::{Deserialize, Serialize};

/// Largest GIFT file read, in bytes.
pub const GIFT_MAX_BYTES: usize = 1024 * 1024;
/// Most questions one import creates.
pub const GIFT_MAX_QUESTIONS: usize = 200;

/// What is wrong in a GIFT file, and where (1-based line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiftProblem {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for GiftProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ligne {} : {}", self.line, self.message)
    }
}

/// A character of a question block, `escaped` when it came from a backslash escape (and so
/// never has its GIFT meaning), with the line it is on.
#[derive(Debug, Clone, Copy)]
struct C {
    ch: char,
    escaped: bool,
    line: usize,
}

fn unescape(lines: &[(usize, &str)]) -> Vec<C> {
    let mut out = Vec::new();
    for (k, (line, text)) in lines.iter().enumerate() {
        if k > 0 {
            out.push(C { ch: '\n', escaped: false, line: *line });
        }
        let mut chars = text.chars().peekable();
        while let Some(ch) = chars.next() {
            if ch == '\\' {
                match chars.peek().copied() {
                    Some(next @ ('~' | '=' | '#' | '{' | '}' | ':' | '\\')) => {
                        chars.next();
                        out.push(C { ch: next, escaped: true, line: *line });
                    }
                    Some('n') => {
                        chars.next();
                        out.push(C { ch: '\n', escaped: true, line: *line });
                    }
                    _ => out.push(C { ch, escaped: true, line: *line }),
                }
            } else {
                out.push(C { ch, escaped: false, line: *line });
            }
        }
    }
    out
}

fn text_of(cs: &[C]) -> String {
    cs.iter().map(|c| c.ch).collect::<String>().trim().to_string()
}

fn is(c: &C, ch: char) -> bool {
    c.ch == ch && !c.escaped
}

fn find(cs: &[C], ch: char) -> Option<usize> {
    cs.iter().position(|c| is(c, ch))
}

fn find_seq(cs: &[C], seq: &str) -> Option<usize> {
    let seq: Vec<char> = seq.chars().collect();
    (0..cs.len()).find(|&i| cs.len() >= i + seq.len() && seq.iter().enumerate().all(|(k, ch)| is(&cs[i + k], *ch)))
}

fn trim(cs: &[C]) -> &[C] {
    let start = cs.iter().position(|c| !c.ch.is_whitespace() || c.escaped).unwrap_or(cs.len());
    let end = cs.iter().rposition(|c| !c.ch.is_whitespace() || c.escaped).map_or(start, |e| e + 1);
    &cs[start..end.max(start)]
}

fn line_of(cs: &[C], fallback: usize) -> usize {
    cs.first().map_or(fallback, |c| c.line)
}

type Parsed<T> = Result<T, GiftProblem>;

fn problem(line: usize, message: impl Into<String>) -> GiftProblem {
    GiftProblem { line, message: message.into() }
}

/// `%50%` at the start of an answer: the weight and the rest.
fn weight(cs: &[C], default: f64) -> Parsed<(f64, &[C])> {
    let cs = trim(cs);
    if !cs.first().is_some_and(|c| is(c, '%')) {
        return Ok((default, cs));
    }
    let line = line_of(cs, 0);
    let Some(end) = cs[1..].iter().position(|c| is(c, '%')).map(|e| e + 1) else {
        return Err(problem(line, "Poids non fermé : écrivez-le entre deux %, par exemple ~%50%réponse."));
    };
    let raw = text_of(&cs[1..end]);
    match raw.parse::<f64>() {
        Ok(w) if w.is_finite() && (-100.0..=100.0).contains(&w) => Ok((w, &cs[end + 1..])),
        _ => Err(problem(line, format!("Poids « {raw} » invalide : un pourcentage de -100 à 100 est attendu."))),
    }
}

/// Splits `text#feedback` at the first unescaped `#`.
fn with_feedback(cs: &[C]) -> (String, Option<String>) {
    match find(cs, '#') {
        Some(i) => {
            let feedback = text_of(&cs[i + 1..]);
            (text_of(&cs[..i]), (!feedback.is_empty()).then_some(feedback))
        }
        None => (text_of(cs), None),
    }
}

/// One `=` or `~` answer of a block.
struct Answer<'a> {
    right: bool,
    body: &'a [C],
}

fn answers(cs: &[C]) -> Parsed<Vec<Answer<'_>>> {
    let cs = trim(cs);
    let starts: Vec<usize> = (0..cs.len()).filter(|&i| is(&cs[i], '=') || is(&cs[i], '~')).collect();
    match starts.first() {
        Some(&0) => {}
        _ => {
            return Err(problem(
                line_of(cs, 0),
                "Chaque réponse commence par = (bonne réponse) ou ~ (mauvaise réponse) : ajoutez-le ou échappez le signe avec \\.",
            ));
        }
    }
    let mut out = Vec::new();
    for (k, &start) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(cs.len());
        out.push(Answer { right: is(&cs[start], '='), body: &cs[start + 1..end] });
    }
    Ok(out)
}

fn number_target(cs: &[C]) -> Parsed<NumberTarget> {
    let raw = text_of(cs);
    let line = line_of(cs, 0);
    let num = |s: &str| {
        s.trim().parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| {
            problem(line, format!("« {} » n'est pas un nombre (le séparateur décimal est le point).", s.trim()))
        })
    };
    if let Some((min, max)) = raw.split_once("..") {
        Ok(NumberTarget::Range { min: num(min)?, max: num(max)? })
    } else if let Some((value, tolerance)) = raw.split_once(':') {
        Ok(NumberTarget::Tolerance { value: num(value)?, tolerance: num(tolerance)? })
    } else {
        Ok(NumberTarget::Exact(num(&raw)?))
    }
}

fn numerical(cs: &[C]) -> Parsed<Vec<AcceptedNumber>> {
    if find(cs, '=').is_none() {
        let (target, feedback) = match find(cs, '#') {
            Some(i) => (number_target(&cs[..i])?, with_feedback(cs).1),
            None => (number_target(cs)?, None),
        };
        return Ok(vec![AcceptedNumber { target, weight: 100.0, feedback }]);
    }
    let mut out = Vec::new();
    for a in answers(cs)? {
        if !a.right {
            return Err(problem(line_of(a.body, 0), "Une réponse numérique commence par =, pas par ~."));
        }
        let (weight, rest) = weight(a.body, 100.0)?;
        let (target, feedback) = match find(rest, '#') {
            Some(i) => (number_target(&rest[..i])?, with_feedback(rest).1),
            None => (number_target(rest)?, None),
        };
        out.push(AcceptedNumber { target, weight, feedback });
    }
    Ok(out)
}

/// The answer block, between the braces (general feedback already taken off).
fn kind_of(block: &[C], line: usize) -> Parsed<QuestionKind> {
    let block = trim(block);
    if block.is_empty() {
        return Ok(QuestionKind::Open);
    }
    if is(&block[0], '#') {
        return Ok(QuestionKind::Numerical { answers: numerical(&block[1..])? });
    }
    let head: String = block.iter().take_while(|c| !is(c, '#')).map(|c| c.ch).collect();
    let truth = match head.trim().to_uppercase().as_str() {
        "T" | "TRUE" => Some(true),
        "F" | "FALSE" => Some(false),
        _ => None,
    };
    if let Some(answer) = truth {
        let parts: Vec<&[C]> = block.split(|c| is(c, '#')).collect();
        let feedback = |k: usize| parts.get(k).map(|p| text_of(p)).filter(|t| !t.is_empty());
        // GIFT: the first feedback is for a wrong answer, the second for a right one.
        let (if_wrong, if_right) = (feedback(1), feedback(2));
        let (feedback_true, feedback_false) = if answer { (if_right, if_wrong) } else { (if_wrong, if_right) };
        return Ok(QuestionKind::TrueFalse { answer, feedback_true, feedback_false });
    }
    let list = answers(block)?;
    if list.iter().any(|a| a.right && find_seq(a.body, "->").is_some()) {
        let mut pairs = Vec::new();
        for a in &list {
            let arrow = find_seq(a.body, "->").filter(|_| a.right).ok_or_else(|| {
                problem(
                    line_of(a.body, line),
                    "Dans une question d'association, chaque réponse s'écrit =gauche -> droite.",
                )
            })?;
            pairs.push((text_of(&a.body[..arrow]), text_of(&a.body[arrow + 2..])));
        }
        return Ok(QuestionKind::Matching { pairs });
    }
    if list.iter().all(|a| a.right) {
        let mut accepted = Vec::new();
        for a in &list {
            let (weight, rest) = weight(a.body, 100.0)?;
            let (text, feedback) = with_feedback(rest);
            accepted.push(AcceptedText { text, weight, feedback });
        }
        return Ok(QuestionKind::ShortAnswer { answers: accepted, exact: false });
    }
    let mut choices = Vec::new();
    for a in &list {
        let (weight, rest) = weight(a.body, if a.right { 100.0 } else { 0.0 })?;
        let (text, feedback) = with_feedback(rest);
        choices.push(Choice { text, weight, feedback });
    }
    let several = !list.iter().any(|a| a.right) && choices.iter().filter(|c| c.weight > 0.0).count() >= 2;
    Ok(if several {
        let negative_marks = choices.iter().any(|c| c.weight < 0.0);
        QuestionKind::MultipleChoice { choices, negative_marks }
    } else {
        QuestionKind::SingleChoice { choices }
    })
}

fn question(cs: &[C], category: &Option<String>, start: usize) -> Parsed<Question> {
    let mut rest = trim(cs);
    let mut title = None;
    if rest.len() >= 2 && is(&rest[0], ':') && is(&rest[1], ':') {
        let Some(end) = find_seq(&rest[2..], "::").map(|e| e + 2) else {
            return Err(problem(start, "Titre non fermé : écrivez-le entre :: et ::."));
        };
        title = Some(text_of(&rest[2..end]));
        rest = trim(&rest[end + 2..]);
    }
    for tag in ["[html]", "[moodle]", "[plain]", "[markdown]"] {
        let n = tag.chars().count();
        if rest.len() >= n && rest[..n].iter().zip(tag.chars()).all(|(c, t)| is(c, t)) {
            rest = trim(&rest[n..]);
            break;
        }
    }
    let Some(open) = find(rest, '{') else {
        return Err(problem(
            start,
            "Pas de réponses entre { } : les descriptions seules ne sont pas importées (ajoutez les réponses ou retirez ce bloc).",
        ));
    };
    let Some(close) = find(&rest[open..], '}').map(|c| c + open) else {
        return Err(problem(line_of(&rest[open..], start), "Accolade { non fermée : ajoutez } après les réponses."));
    };
    let before = text_of(&rest[..open]);
    let after_cs = &rest[close + 1..];
    if let Some(extra) = find(after_cs, '{') {
        return Err(problem(
            after_cs[extra].line,
            "Une question n'a qu'un bloc de réponses { } : séparez les questions par une ligne vide.",
        ));
    }
    if let Some(stray) =
        find(&rest[..open], '}').map(|i| rest[i].line).or_else(|| find(after_cs, '}').map(|i| after_cs[i].line))
    {
        return Err(problem(stray, "Accolade } sans { : échappez-la avec \\} si elle fait partie du texte."));
    }
    let after = text_of(after_cs);
    let mut block = &rest[open + 1..close];
    let mut general_feedback = None;
    if let Some(i) = find_seq(block, "####") {
        let text = text_of(&block[i + 4..]);
        general_feedback = (!text.is_empty()).then_some(text);
        block = &block[..i];
    }
    let line = rest[open].line;
    let mut kind = kind_of(block, line)?;
    let text = if after.is_empty() {
        before.clone()
    } else {
        let blank = match kind {
            QuestionKind::SingleChoice { choices } => Blank::Choice { choices },
            QuestionKind::ShortAnswer { answers, exact } => Blank::Text { answers, exact },
            QuestionKind::Numerical { answers } => Blank::Number { answers },
            _ => {
                return Err(problem(
                    line,
                    "Au milieu du texte (mot manquant), seules une réponse à choisir, une réponse courte ou un nombre sont possibles.",
                ));
            }
        };
        let mut segments = Vec::new();
        if !before.is_empty() {
            segments.push(Segment::Text(before.clone()));
        }
        segments.push(Segment::Blank(blank));
        segments.push(Segment::Text(after.clone()));
        kind = QuestionKind::Cloze { segments };
        // The text around the blank is the question; a cloze question has no separate
        // instruction in GIFT.
        String::new()
    };
    let title = match title.filter(|t| !t.is_empty()) {
        Some(t) => t,
        None => {
            let shown = if text.is_empty() { format!("{before} _____ {after}") } else { text.clone() };
            shown.trim().chars().take(80).collect()
        }
    };
    let q =
        Question { title, category: category.clone(), text, points: Points::ONE, kind, general_feedback, image: None };
    q.check().map_err(|e| problem(start, e.reason))?;
    Ok(q)
}

/// Reads a GIFT file. Every problem is reported with its line, and then nothing is imported.
pub fn parse_gift(input: &str) -> Result<Vec<Question>, Vec<GiftProblem>> {
    if input.len() > GIFT_MAX_BYTES {
        return Err(vec![problem(
            1,
            format!("Le fichier dépasse {} Kio : découpez-le en plusieurs imports.", GIFT_MAX_BYTES / 1024),
        )]);
    }
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let mut questions = Vec::new();
    let mut problems = Vec::new();
    let mut category: Option<String> = None;
    let mut block: Vec<(usize, &str)> = Vec::new();
    let mut flush = |block: &mut Vec<(usize, &str)>, category: &Option<String>| {
        if block.is_empty() {
            return;
        }
        let start = block[0].0;
        match question(&unescape(block), category, start) {
            Ok(q) => questions.push(q),
            Err(p) => problems.push(p),
        }
        block.clear();
    };
    for (i, line) in input.lines().enumerate() {
        let number = i + 1;
        let trimmed = line.trim();
        if trimmed.starts_with("//") {
            continue;
        }
        if trimmed.is_empty() {
            flush(&mut block, &category);
        } else if let Some(path) = trimmed.strip_prefix("$CATEGORY:") {
            flush(&mut block, &category);
            let path = path.trim();
            category = (!path.is_empty()).then(|| path.to_string());
        } else {
            block.push((number, line));
        }
    }
    flush(&mut block, &category);
    if questions.len() + problems.len() > GIFT_MAX_QUESTIONS {
        problems.insert(
            0,
            problem(
                1,
                format!(
                    "Le fichier contient plus de {GIFT_MAX_QUESTIONS} questions : découpez-le en plusieurs imports."
                ),
            ),
        );
    }
    if problems.is_empty() { Ok(questions) } else { Err(problems) }
}

/// The GIFT text of some questions, and the French reasons for those left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiftExport {
    pub text: String,
    pub skipped: Vec<String>,
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '~' | '=' | '#' | '{' | '}' | ':' | '\\' => {
                out.push('\\');
                out.push(ch);
            }
            '\n' => out.push_str("\\n"),
            '\r' => {}
            _ => out.push(ch),
        }
    }
    out
}

fn feedback(f: &Option<String>) -> String {
    f.as_ref().map(|f| format!("#{}", escape(f))).unwrap_or_default()
}

fn percent(weight: f64) -> String {
    format!("%{weight}%")
}

fn choices(choices: &[Choice], multiple: bool) -> String {
    choices
        .iter()
        .map(|c| {
            // A text starting with % gets an explicit weight, or its start would be read as one.
            let explicit = c.text.starts_with('%');
            let head = if !multiple && c.weight == 100.0 {
                if explicit { format!("={}", percent(c.weight)) } else { "=".to_string() }
            } else if c.weight == 0.0 && !explicit {
                "~".to_string()
            } else {
                format!("~{}", percent(c.weight))
            };
            format!("{head}{}{}", escape(&c.text), feedback(&c.feedback))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn accepted_texts(answers: &[AcceptedText]) -> String {
    answers
        .iter()
        .map(|a| {
            let head = if a.weight == 100.0 && !a.text.starts_with('%') { String::new() } else { percent(a.weight) };
            format!("={head}{}{}", escape(&a.text), feedback(&a.feedback))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn numbers(answers: &[AcceptedNumber]) -> String {
    let body: Vec<String> = answers
        .iter()
        .map(|a| {
            let target = match a.target {
                NumberTarget::Exact(v) => format!("{v}"),
                NumberTarget::Tolerance { value, tolerance } => format!("{value}:{tolerance}"),
                NumberTarget::Range { min, max } => format!("{min}..{max}"),
            };
            format!("={}{target}{}", percent(a.weight), feedback(&a.feedback))
        })
        .collect();
    format!("#{}", body.join(" "))
}

/// Why a question cannot be written in GIFT, if it cannot.
fn unsupported(q: &Question) -> Option<&'static str> {
    let mut texts: Vec<&str> = vec![&q.title, &q.text];
    match &q.kind {
        QuestionKind::Ordering { .. } => return Some("GIFT n'a pas de questions à remettre dans l'ordre"),
        QuestionKind::Cloze { segments } => {
            let blanks = segments.iter().filter(|s| matches!(s, Segment::Blank(_))).count();
            let shape_ok = matches!(
                segments.as_slice(),
                [Segment::Text(_), Segment::Blank(_), Segment::Text(_)] | [Segment::Blank(_), Segment::Text(_)]
            );
            if blanks != 1 || !shape_ok {
                return Some("GIFT n'a qu'un trou par question (mot manquant)");
            }
            for s in segments {
                match s {
                    Segment::Text(t) if t.trim().is_empty() || t.trim() != t => {
                        return Some("le texte autour du trou ne s'écrit pas tel quel en GIFT");
                    }
                    Segment::Text(t) => texts.push(t),
                    Segment::Blank(Blank::Text { exact: true, .. }) => {
                        return Some("GIFT ne sait pas exiger le texte exact");
                    }
                    Segment::Blank(Blank::Text { answers, .. }) => {
                        texts.extend(answers.iter().map(|a| a.text.as_str()))
                    }
                    Segment::Blank(Blank::Choice { choices }) => texts.extend(choices.iter().map(|c| c.text.as_str())),
                    Segment::Blank(Blank::Number { .. }) => {}
                }
            }
        }
        QuestionKind::ShortAnswer { exact: true, .. } => return Some("GIFT ne sait pas exiger le texte exact"),
        QuestionKind::ShortAnswer { answers, .. } => texts.extend(answers.iter().map(|a| a.text.as_str())),
        QuestionKind::SingleChoice { choices } | QuestionKind::MultipleChoice { choices, .. } => {
            texts.extend(choices.iter().map(|c| c.text.as_str()))
        }
        QuestionKind::Matching { pairs } => texts.extend(pairs.iter().flat_map(|(l, r)| [l.as_str(), r.as_str()])),
        QuestionKind::TrueFalse { .. } | QuestionKind::Numerical { .. } | QuestionKind::Open => {}
    }
    if ["[html]", "[moodle]", "[plain]", "[markdown]"].iter().any(|tag| q.text.starts_with(tag)) {
        return Some("le texte commence par une balise de format GIFT");
    }
    if texts.iter().any(|t| t.contains("->")) {
        return Some("un texte contient « -> », qui en GIFT annonce une association");
    }
    None
}

fn block(q: &Question) -> String {
    match &q.kind {
        QuestionKind::SingleChoice { choices: c } => choices(c, false),
        QuestionKind::MultipleChoice { choices: c, .. } => choices(c, true),
        QuestionKind::TrueFalse { answer, feedback_true, feedback_false } => {
            let (if_wrong, if_right) =
                if *answer { (feedback_false, feedback_true) } else { (feedback_true, feedback_false) };
            let mut out = if *answer { "TRUE".to_string() } else { "FALSE".to_string() };
            if if_wrong.is_some() || if_right.is_some() {
                out.push_str(&format!("#{}", if_wrong.as_deref().map(escape).unwrap_or_default()));
                out.push_str(&feedback(if_right));
            }
            out
        }
        QuestionKind::ShortAnswer { answers, .. } => accepted_texts(answers),
        QuestionKind::Numerical { answers } => numbers(answers),
        QuestionKind::Matching { pairs } => {
            pairs.iter().map(|(l, r)| format!("={} -> {}", escape(l), escape(r))).collect::<Vec<_>>().join(" ")
        }
        QuestionKind::Ordering { .. } | QuestionKind::Cloze { .. } | QuestionKind::Open => String::new(),
    }
}

/// Writes questions in GIFT, leaving out (and naming) those GIFT cannot express.
pub fn to_gift(questions: &[Question]) -> GiftExport {
    let mut text = String::new();
    let mut skipped = Vec::new();
    let mut category: Option<&String> = None;
    for q in questions {
        if let Some(why) = unsupported(q) {
            skipped.push(format!("« {} » : {why}.", q.title));
            continue;
        }
        if q.category.as_ref() != category {
            category = q.category.as_ref();
            text.push_str(&format!("$CATEGORY: {}\n\n", category.map(String::as_str).unwrap_or_default()));
        }
        let general = q.general_feedback.as_ref().map(|g| format!(" ####{}", escape(g))).unwrap_or_default();
        let body = match &q.kind {
            QuestionKind::Cloze { segments } => {
                let mut parts = Vec::new();
                if !q.text.trim().is_empty() {
                    parts.push(escape(q.text.trim()));
                }
                for s in segments {
                    match s {
                        Segment::Text(t) => parts.push(escape(t)),
                        Segment::Blank(b) => parts.push(format!(
                            "{{{}{general}}}",
                            match b {
                                Blank::Choice { choices: c } => choices(c, false),
                                Blank::Text { answers, .. } => accepted_texts(answers),
                                Blank::Number { answers } => numbers(answers),
                            }
                        )),
                    }
                }
                parts.join(" ")
            }
            _ => format!("{} {{{}{general}}}", escape(&q.text), block(q)),
        };
        text.push_str(&format!("::{}::{body}\n\n", escape(&q.title)));
    }
    GiftExport { text, skipped }
}

#[cfg(test)]
mod tests;
