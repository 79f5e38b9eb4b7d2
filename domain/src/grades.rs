//! Grades and averages, pure: parsing what a teacher types in a grade cell, and computing the
//! averages a bulletin shows, with the calculation kept so it can be explained in French.
//!
//! Rules, stated once:
//! - every mark is brought to /20 (`points × 20 / scale`) before anything else;
//! - a subject average is the mean of those marks weighted by the evaluations' coefficients;
//!   `Abs`, `Disp` and `NN` do not count; `NR` counts as 0 when the establishment says so,
//!   otherwise it does not count either; a coefficient 0 evaluation weighs nothing;
//! - a bonus evaluation adds only its points above 10 (times its coefficient) to the sum and
//!   nothing to the weights; the result never exceeds 20;
//! - an evaluation left out of the average is shown but never counted;
//! - the general average is the mean of the subject averages weighted by the subjects'
//!   coefficients, over the subjects that have an average;
//! - everything is computed unrounded; display rounds to 2 decimals (`format_fr`).

use crate::DomainError;
use serde::{Deserialize, Serialize};

/// Largest scale an evaluation may be marked on ("sur 100").
pub const SCALE_MAX: u32 = 100;
/// Largest coefficient, in hundredths (99).
pub const COEFFICIENT_MAX_HUNDREDTHS: u32 = 9_900;
/// The midpoint above which a bonus evaluation's points count, on /20.
pub const BONUS_MIDPOINT: f64 = 10.0;

/// Parses "12", "12,5", "12.25" (at most two decimals) into hundredths.
fn parse_hundredths(raw: &str) -> Option<u32> {
    let raw = raw.trim().replace(',', ".");
    let (int, frac) = match raw.split_once('.') {
        Some((i, f)) => (i, f),
        None => (raw.as_str(), ""),
    };
    if int.is_empty() || int.len() > 4 || frac.len() > 2 {
        return None;
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let int: u32 = int.parse().ok()?;
    let frac: u32 = if frac.is_empty() { 0 } else { format!("{frac:0<2}").parse().ok()? };
    Some(int * 100 + frac)
}

/// What an evaluation is marked out of: 1 to 100, 20 by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scale(u32);

impl Scale {
    pub const TWENTY: Scale = Scale(20);

    pub fn new(value: u32) -> Result<Self, DomainError> {
        if (1..=SCALE_MAX).contains(&value) {
            Ok(Scale(value))
        } else {
            Err(DomainError::new("bareme", format!("Le barème va de 1 à {SCALE_MAX} (par exemple 20).")))
        }
    }

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw.trim() {
            "" => Ok(Scale::TWENTY),
            t => t
                .parse()
                .map_err(|_| DomainError::new("bareme", "Le barème est un nombre entier, par exemple 20."))
                .and_then(Scale::new),
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// An evaluation's or a subject's weight: 0 to 99, two decimals at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coefficient(u32);

impl Coefficient {
    pub const ONE: Coefficient = Coefficient(100);

    pub fn from_hundredths(hundredths: u32) -> Result<Self, DomainError> {
        if hundredths <= COEFFICIENT_MAX_HUNDREDTHS {
            Ok(Coefficient(hundredths))
        } else {
            Err(DomainError::new("coefficient", "Le coefficient va de 0 à 99."))
        }
    }

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        if raw.trim().is_empty() {
            return Ok(Coefficient::ONE);
        }
        parse_hundredths(raw)
            .ok_or_else(|| DomainError::new("coefficient", "Le coefficient est un nombre comme 1, 2 ou 0,5."))
            .and_then(Coefficient::from_hundredths)
    }

    pub fn value(self) -> f64 {
        f64::from(self.0) / 100.0
    }

    pub fn hundredths(self) -> u32 {
        self.0
    }
}

/// What a grade cell holds: points, or a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mark {
    /// Points in hundredths, between 0 and the scale.
    Points(u32),
    /// `Abs`: absent, not counted.
    Absent,
    /// `Disp`: exempted, not counted.
    Exempted,
    /// `NN`: not graded, not counted.
    NotGraded,
    /// `NR`: not returned; counts as 0 when the establishment says so.
    NotReturned,
}

impl Mark {
    /// Reads what was typed in a cell for an evaluation on `scale`.
    pub fn parse(raw: &str, scale: Scale) -> Result<Self, DomainError> {
        let t = raw.trim();
        match t.to_lowercase().as_str() {
            "abs" | "a" => return Ok(Mark::Absent),
            "disp" | "d" => return Ok(Mark::Exempted),
            "nn" => return Ok(Mark::NotGraded),
            "nr" => return Ok(Mark::NotReturned),
            "" => return Err(DomainError::new("note", "Saisissez une note, ou Abs, Disp, NN, NR.")),
            _ => {}
        }
        let Some(h) = parse_hundredths(t) else {
            return Err(DomainError::new(
                "note",
                format!(
                    "« {t} » n'est pas une note : tapez un nombre (virgule ou point, deux décimales au plus) ou Abs, Disp, NN, NR."
                ),
            ));
        };
        if h > scale.get() * 100 {
            return Err(DomainError::new("note", format!("La note dépasse le barème : {} au plus.", scale.get())));
        }
        Ok(Mark::Points(h))
    }

    /// How a mark is stored: a status code, and the points in hundredths for a number.
    pub fn to_db(self) -> (&'static str, Option<i64>) {
        match self {
            Mark::Points(h) => ("points", Some(i64::from(h))),
            Mark::Absent => ("abs", None),
            Mark::Exempted => ("disp", None),
            Mark::NotGraded => ("nn", None),
            Mark::NotReturned => ("nr", None),
        }
    }

    /// The mark stored as `to_db` wrote it; `None` for anything else.
    pub fn from_db(status: &str, points: Option<i64>) -> Option<Mark> {
        Some(match (status, points) {
            ("points", Some(h)) => Mark::Points(u32::try_from(h).ok()?),
            ("abs", _) => Mark::Absent,
            ("disp", _) => Mark::Exempted,
            ("nn", _) => Mark::NotGraded,
            ("nr", _) => Mark::NotReturned,
            _ => return None,
        })
    }

    /// The mark as shown in a grid or a bulletin ("12,5", "Abs").
    pub fn display(self) -> String {
        match self {
            Mark::Points(h) => format_short(f64::from(h) / 100.0),
            Mark::Absent => "Abs".into(),
            Mark::Exempted => "Disp".into(),
            Mark::NotGraded => "NN".into(),
            Mark::NotReturned => "NR".into(),
        }
    }
}

/// How an evaluation enters the average.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Counting {
    Normal,
    /// Only the points above 10 (on /20) count, added to the sum, not to the weights.
    Bonus,
    /// Shown, never counted.
    Excluded,
}

impl Counting {
    pub fn code(self) -> &'static str {
        match self {
            Counting::Normal => "normal",
            Counting::Bonus => "bonus",
            Counting::Excluded => "hors_moyenne",
        }
    }

    pub fn from_code(code: &str) -> Option<Counting> {
        [Counting::Normal, Counting::Bonus, Counting::Excluded].into_iter().find(|c| c.code() == code)
    }

    /// How the choice reads in the evaluation form and the grade book.
    pub fn label(self) -> &'static str {
        match self {
            Counting::Normal => "Compte dans la moyenne",
            Counting::Bonus => "Bonus (seuls les points au-dessus de 10 comptent)",
            Counting::Excluded => "Hors moyenne",
        }
    }
}

/// Whether `NR` counts as 0 (an establishment's choice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NotReturnedPolicy {
    CountsAsZero,
    NotCounted,
}

/// An evaluation, as far as averages are concerned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub title: String,
    pub scale: Scale,
    pub coefficient: Coefficient,
    pub counting: Counting,
}

/// One line of a calculation: a grade, and what it brought.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalcLine {
    pub title: String,
    pub mark: Mark,
    pub scale: u32,
    pub coefficient: f64,
    /// The mark on /20, when it counts.
    pub on_twenty: Option<f64>,
    /// Points added to the sum (mark on /20 × coefficient, or bonus points × coefficient).
    pub points: f64,
    /// Weight added to the divisor.
    pub weight: f64,
    /// Why it does not count, when it does not.
    pub not_counted: Option<NotCounted>,
    pub bonus: bool,
}

/// Why a grade line does not enter an average.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NotCounted {
    Absent,
    Exempted,
    NotGraded,
    NotReturned,
    Excluded,
    ZeroCoefficient,
}

impl NotCounted {
    pub fn label(self) -> &'static str {
        match self {
            NotCounted::Absent => "absent, ne compte pas",
            NotCounted::Exempted => "dispensé, ne compte pas",
            NotCounted::NotGraded => "non noté, ne compte pas",
            NotCounted::NotReturned => "non rendu, ne compte pas",
            NotCounted::Excluded => "hors moyenne",
            NotCounted::ZeroCoefficient => "coefficient 0",
        }
    }
}

/// A subject average and how it was obtained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calculation {
    pub lines: Vec<CalcLine>,
    /// Σ mark/20 × coefficient over normal evaluations.
    pub weighted_sum: f64,
    /// Σ (mark/20 − 10)⁺ × coefficient over bonus evaluations.
    pub bonus_sum: f64,
    /// Σ coefficients of the counted normal evaluations.
    pub total_weight: f64,
    /// The average on /20, unrounded; `None` when nothing counts.
    pub value: Option<f64>,
}

/// The average of one subject over one period, from its evaluations and this student's marks.
pub fn subject_average(grades: &[(Evaluation, Mark)], policy: NotReturnedPolicy) -> Calculation {
    let mut lines = Vec::with_capacity(grades.len());
    let (mut weighted_sum, mut bonus_sum, mut total_weight) = (0.0, 0.0, 0.0);
    for (e, mark) in grades {
        let coefficient = e.coefficient.value();
        let points_h = match (mark, policy) {
            (Mark::Points(h), _) => Ok(*h),
            (Mark::NotReturned, NotReturnedPolicy::CountsAsZero) => Ok(0),
            (Mark::NotReturned, NotReturnedPolicy::NotCounted) => Err(NotCounted::NotReturned),
            (Mark::Absent, _) => Err(NotCounted::Absent),
            (Mark::Exempted, _) => Err(NotCounted::Exempted),
            (Mark::NotGraded, _) => Err(NotCounted::NotGraded),
        };
        let mut line = CalcLine {
            title: e.title.clone(),
            mark: *mark,
            scale: e.scale.get(),
            coefficient,
            on_twenty: None,
            points: 0.0,
            weight: 0.0,
            not_counted: None,
            bonus: e.counting == Counting::Bonus,
        };
        match (points_h, e.counting) {
            (Err(why), _) => line.not_counted = Some(why),
            (Ok(_), Counting::Excluded) => line.not_counted = Some(NotCounted::Excluded),
            (Ok(_), _) if e.coefficient.0 == 0 => line.not_counted = Some(NotCounted::ZeroCoefficient),
            (Ok(h), Counting::Normal) => {
                let on_twenty = f64::from(h) / 100.0 * 20.0 / f64::from(e.scale.get());
                line.on_twenty = Some(on_twenty);
                line.points = on_twenty * coefficient;
                line.weight = coefficient;
                weighted_sum += line.points;
                total_weight += coefficient;
            }
            (Ok(h), Counting::Bonus) => {
                let on_twenty = f64::from(h) / 100.0 * 20.0 / f64::from(e.scale.get());
                line.on_twenty = Some(on_twenty);
                line.points = (on_twenty - BONUS_MIDPOINT).max(0.0) * coefficient;
                bonus_sum += line.points;
            }
        }
        lines.push(line);
    }
    let value = (total_weight > 0.0).then(|| ((weighted_sum + bonus_sum) / total_weight).min(20.0));
    Calculation { lines, weighted_sum, bonus_sum, total_weight, value }
}

impl Calculation {
    /// The calculation in plain French, one sentence per line, for "Voir le calcul".
    pub fn explain(&self) -> Vec<String> {
        let mut out = Vec::new();
        for l in &self.lines {
            let mark = match l.mark {
                Mark::Points(_) => format!("{}/{}", l.mark.display(), l.scale),
                status => status.display(),
            };
            let text = match (l.not_counted, l.on_twenty) {
                (Some(why), _) => format!("{} : {mark} — {}.", l.title, why.label()),
                (None, Some(t)) if l.bonus => format!(
                    "{} (bonus) : {mark}, soit {} sur 20 ; seuls les points au-dessus de 10 comptent : {} × coefficient {} = {} point(s) ajouté(s).",
                    l.title,
                    format_short(t),
                    format_short((t - BONUS_MIDPOINT).max(0.0)),
                    format_short(l.coefficient),
                    format_short(l.points)
                ),
                (None, Some(t)) => {
                    let brought =
                        if l.scale == 20 { String::new() } else { format!(", soit {} sur 20", format_short(t)) };
                    format!(
                        "{} : {mark}{brought} × coefficient {} = {} points.",
                        l.title,
                        format_short(l.coefficient),
                        format_short(l.points)
                    )
                }
                (None, None) => format!("{} : {mark}.", l.title),
            };
            out.push(text);
        }
        match self.value {
            None => out.push("Aucune note ne compte pour l'instant : pas de moyenne.".into()),
            Some(v) => {
                let bonus = if self.bonus_sum > 0.0 {
                    format!(" + {} point(s) de bonus", format_short(self.bonus_sum))
                } else {
                    String::new()
                };
                let capped = if (self.weighted_sum + self.bonus_sum) / self.total_weight > 20.0 {
                    " (plafonnée à 20)"
                } else {
                    ""
                };
                out.push(format!(
                    "Moyenne = ({} points{bonus}) ÷ {} (somme des coefficients) = {}{capped}.",
                    format_short(self.weighted_sum),
                    format_short(self.total_weight),
                    format_fr(v)
                ));
            }
        }
        out
    }
}

/// The general average: subject averages weighted by the subjects' coefficients, over the
/// subjects that have one. `None` when none has.
pub fn general_average(subjects: &[(Coefficient, Option<f64>)]) -> Option<f64> {
    let (sum, weight) = subjects
        .iter()
        .filter_map(|(c, avg)| avg.map(|a| (a * c.value(), c.value())))
        .fold((0.0, 0.0), |(s, w), (p, c)| (s + p, w + c));
    (weight > 0.0).then(|| sum / weight)
}

/// The general average in plain French, from (subject, coefficient, subject average).
pub fn explain_general(subjects: &[(String, Coefficient, Option<f64>)]) -> Vec<String> {
    let mut out = Vec::new();
    let (mut sum, mut weight) = (0.0, 0.0);
    for (name, c, avg) in subjects {
        match avg {
            Some(a) => {
                sum += a * c.value();
                weight += c.value();
                out.push(format!(
                    "{name} : {} × coefficient {} = {} points.",
                    format_fr(*a),
                    format_short(c.value()),
                    format_short(a * c.value())
                ));
            }
            None => out.push(format!("{name} : pas de moyenne, ne compte pas.")),
        }
    }
    if weight > 0.0 {
        out.push(format!(
            "Moyenne générale = {} points ÷ {} (somme des coefficients) = {}.",
            format_short(sum),
            format_short(weight),
            format_fr(sum / weight)
        ));
    } else {
        out.push("Aucune matière n'a encore de moyenne : pas de moyenne générale.".into());
    }
    out
}

/// A class's average, lowest and highest among the students who have an average.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClassStats {
    pub average: f64,
    pub min: f64,
    pub max: f64,
    pub students: usize,
}

pub fn class_stats(averages: impl IntoIterator<Item = Option<f64>>) -> Option<ClassStats> {
    let values: Vec<f64> = averages.into_iter().flatten().collect();
    if values.is_empty() {
        return None;
    }
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some(ClassStats { average: values.iter().sum::<f64>() / values.len() as f64, min, max, students: values.len() })
}

/// An average as shown: two decimals, decimal comma ("13,50").
pub fn format_fr(value: f64) -> String {
    format!("{value:.2}").replace('.', ",")
}

/// A number as short as it can be shown exactly to 2 decimals ("15", "12,5", "13,33").
pub fn format_short(value: f64) -> String {
    let s = format!("{value:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.replace('.', ",")
}

/// When a mark due for publication at `publish_at` really reaches families: never while a
/// class council sits. A publication falling inside a council (`[starts, ends)`, milliseconds)
/// waits for its end; councils that follow one another are all waited for.
pub fn publication_time(publish_at: i64, councils: &[(i64, i64)]) -> i64 {
    let mut at = publish_at;
    while let Some(end) = councils.iter().find(|(start, end)| *start <= at && at < *end).map(|(_, end)| *end) {
        at = end;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn nothing_is_published_while_a_class_council_sits() {
        let council = [(1_000, 2_000)];
        assert_eq!(publication_time(500, &council), 500);
        assert_eq!(publication_time(1_000, &council), 2_000);
        assert_eq!(publication_time(1_999, &council), 2_000);
        assert_eq!(publication_time(2_000, &council), 2_000);
        // Back-to-back councils (a class's, then the group's other class) are all waited for.
        assert_eq!(publication_time(1_500, &[(2_000, 3_000), (1_000, 2_000)]), 3_000);
    }

    fn eval(scale: u32, coef: u32, counting: Counting) -> Evaluation {
        Evaluation {
            title: "Évaluation".into(),
            scale: Scale::new(scale).unwrap_or(Scale::TWENTY),
            coefficient: Coefficient::from_hundredths(coef).unwrap_or(Coefficient::ONE),
            counting,
        }
    }

    fn pts(v: f64) -> Mark {
        Mark::Points((v * 100.0).round() as u32)
    }

    const N: Counting = Counting::Normal;
    const B: Counting = Counting::Bonus;
    const X: Counting = Counting::Excluded;
    const ZERO: NotReturnedPolicy = NotReturnedPolicy::CountsAsZero;
    const SKIP: NotReturnedPolicy = NotReturnedPolicy::NotCounted;

    /// (scale, coefficient in hundredths, counting, mark).
    type Row = (u32, u32, Counting, Mark);
    /// (description, rows, NR policy, expected average).
    type Example = (&'static str, Vec<Row>, NotReturnedPolicy, Option<f64>);

    /// Worked examples, computed by hand: (description, [(scale, coefficient in hundredths,
    /// counting, mark)], NR policy, expected average).
    #[test]
    fn worked_examples() {
        let examples: Vec<Example> = vec![
            ("one mark", vec![(20, 100, N, pts(12.0))], SKIP, Some(12.0)),
            ("two equal weights", vec![(20, 100, N, pts(12.0)), (20, 100, N, pts(16.0))], SKIP, Some(14.0)),
            ("coefficient 2 pulls", vec![(20, 200, N, pts(10.0)), (20, 100, N, pts(16.0))], SKIP, Some(12.0)),
            ("decimal coefficient", vec![(20, 50, N, pts(8.0)), (20, 100, N, pts(14.0))], SKIP, Some(12.0)),
            ("scale 10", vec![(10, 100, N, pts(7.0))], SKIP, Some(14.0)),
            ("scale 40 and 20", vec![(40, 100, N, pts(30.0)), (20, 100, N, pts(11.0))], SKIP, Some(13.0)),
            ("scale 100", vec![(100, 100, N, pts(85.0))], SKIP, Some(17.0)),
            ("scale 5 with decimals", vec![(5, 100, N, pts(3.5))], SKIP, Some(14.0)),
            ("decimal mark", vec![(20, 100, N, pts(12.5)), (20, 100, N, pts(13.75))], SKIP, Some(13.125)),
            ("absent does not count", vec![(20, 100, N, pts(15.0)), (20, 300, N, Mark::Absent)], SKIP, Some(15.0)),
            ("exempted does not count", vec![(20, 100, N, pts(9.0)), (20, 100, N, Mark::Exempted)], SKIP, Some(9.0)),
            (
                "not graded does not count",
                vec![(20, 100, N, pts(11.0)), (20, 100, N, Mark::NotGraded)],
                SKIP,
                Some(11.0),
            ),
            ("NR not counted", vec![(20, 100, N, pts(16.0)), (20, 100, N, Mark::NotReturned)], SKIP, Some(16.0)),
            ("NR counts as zero", vec![(20, 100, N, pts(16.0)), (20, 100, N, Mark::NotReturned)], ZERO, Some(8.0)),
            ("coefficient 0 weighs nothing", vec![(20, 100, N, pts(12.0)), (20, 0, N, pts(2.0))], SKIP, Some(12.0)),
            ("only coefficient 0: no average", vec![(20, 0, N, pts(12.0))], SKIP, None),
            (
                "all statuses: no average",
                vec![(20, 100, N, Mark::Absent), (20, 100, N, Mark::Exempted), (20, 100, N, Mark::NotGraded)],
                SKIP,
                None,
            ),
            (
                "excluded is shown, not counted",
                vec![(20, 100, N, pts(10.0)), (20, 100, X, pts(20.0))],
                SKIP,
                Some(10.0),
            ),
            ("bonus adds points above 10", vec![(20, 100, N, pts(12.0)), (20, 100, B, pts(14.0))], SKIP, Some(16.0)),
            ("bonus below 10 adds nothing", vec![(20, 100, N, pts(12.0)), (20, 100, B, pts(6.0))], SKIP, Some(12.0)),
            ("bonus with coefficient 0.5", vec![(20, 200, N, pts(11.0)), (20, 50, B, pts(18.0))], SKIP, Some(13.0)),
            ("bonus on scale 10", vec![(20, 100, N, pts(10.0)), (10, 100, B, pts(7.5))], SKIP, Some(15.0)),
            ("bonus alone: no average", vec![(20, 100, B, pts(18.0))], SKIP, None),
            ("average capped at 20", vec![(20, 100, N, pts(19.0)), (20, 100, B, pts(20.0))], SKIP, Some(20.0)),
            ("zero is a mark", vec![(20, 100, N, pts(0.0)), (20, 100, N, pts(10.0))], SKIP, Some(5.0)),
            (
                "three coefficients",
                vec![(20, 100, N, pts(8.0)), (20, 200, N, pts(12.0)), (20, 300, N, pts(15.0))],
                SKIP,
                Some(77.0 / 6.0),
            ),
        ];
        assert!(examples.len() >= 20);
        for (what, rows, policy, expected) in examples {
            let grades: Vec<(Evaluation, Mark)> = rows.into_iter().map(|(s, c, k, m)| (eval(s, c, k), m)).collect();
            let got = subject_average(&grades, policy).value;
            match (got, expected) {
                (Some(g), Some(e)) => assert!((g - e).abs() < 1e-9, "{what}: {g} != {e}"),
                (g, e) => assert_eq!(g, e, "{what}"),
            }
        }
    }

    #[test]
    fn marks_are_read_as_teachers_type_them() {
        let s = Scale::TWENTY;
        assert_eq!(Mark::parse("12,5", s), Ok(Mark::Points(1250)));
        assert_eq!(Mark::parse(" 12.25 ", s), Ok(Mark::Points(1225)));
        assert_eq!(Mark::parse("20", s), Ok(Mark::Points(2000)));
        assert_eq!(Mark::parse("0", s), Ok(Mark::Points(0)));
        assert_eq!(Mark::parse("abs", s), Ok(Mark::Absent));
        assert_eq!(Mark::parse("Disp", s), Ok(Mark::Exempted));
        assert_eq!(Mark::parse("NN", s), Ok(Mark::NotGraded));
        assert_eq!(Mark::parse("nr", s), Ok(Mark::NotReturned));
        for bad in ["20,5", "21", "-3", "douze", "12,555", "1e3", ""] {
            let err = Mark::parse(bad, s).err().map(|e| e.reason).unwrap_or_default();
            assert!(!err.is_empty(), "« {bad} » must be refused");
        }
        assert!(Mark::parse("20,5", s).err().is_some_and(|e| e.reason.contains("barème")));
        assert_eq!(Mark::parse("35", Scale::new(40).unwrap_or(Scale::TWENTY)), Ok(Mark::Points(3500)));
    }

    #[test]
    fn scales_and_coefficients_have_limits() {
        assert!(Scale::new(0).is_err() && Scale::new(101).is_err() && Scale::new(100).is_ok());
        assert_eq!(Scale::parse(""), Ok(Scale::TWENTY));
        assert_eq!(Coefficient::parse("0,5"), Ok(Coefficient(50)));
        assert_eq!(Coefficient::parse(""), Ok(Coefficient::ONE));
        assert!(
            Coefficient::parse("100").is_err() && Coefficient::parse("-1").is_err() && Coefficient::parse("99").is_ok()
        );
    }

    #[test]
    fn the_calculation_is_explained_in_french() {
        let grades = vec![
            (Evaluation { title: "Contrôle 1".into(), ..eval(20, 200, N) }, pts(15.0)),
            (Evaluation { title: "Devoir maison".into(), ..eval(10, 100, N) }, pts(6.0)),
            (Evaluation { title: "Oral".into(), ..eval(20, 100, N) }, Mark::Absent),
            (Evaluation { title: "Exposé".into(), ..eval(20, 100, B) }, pts(16.0)),
        ];
        let text = subject_average(&grades, SKIP).explain();
        assert_eq!(text[0], "Contrôle 1 : 15/20 × coefficient 2 = 30 points.");
        assert_eq!(text[1], "Devoir maison : 6/10, soit 12 sur 20 × coefficient 1 = 12 points.");
        assert_eq!(text[2], "Oral : Abs — absent, ne compte pas.");
        assert!(text[3].starts_with("Exposé (bonus) : 16/20"), "{}", text[3]);
        assert_eq!(text[4], "Moyenne = (42 points + 6 point(s) de bonus) ÷ 3 (somme des coefficients) = 16,00.");
    }

    #[test]
    fn marks_and_countings_survive_the_database() {
        for m in [Mark::Points(0), Mark::Points(1250), Mark::Absent, Mark::Exempted, Mark::NotGraded, Mark::NotReturned]
        {
            let (status, points) = m.to_db();
            assert_eq!(Mark::from_db(status, points), Some(m));
        }
        assert_eq!(Mark::from_db("points", None), None);
        assert_eq!(Mark::from_db("??", Some(3)), None);
        for c in [Counting::Normal, Counting::Bonus, Counting::Excluded] {
            assert_eq!(Counting::from_code(c.code()), Some(c));
        }
    }

    #[test]
    fn the_general_average_is_explained_in_french() {
        let lines = explain_general(&[
            ("Français".into(), Coefficient::ONE, Some(12.0)),
            ("Mathématiques".into(), Coefficient::from_hundredths(200).unwrap_or(Coefficient::ONE), Some(15.0)),
            ("Latin".into(), Coefficient::ONE, None),
        ]);
        assert_eq!(lines[0], "Français : 12,00 × coefficient 1 = 12 points.");
        assert_eq!(lines[2], "Latin : pas de moyenne, ne compte pas.");
        assert_eq!(lines[3], "Moyenne générale = 42 points ÷ 3 (somme des coefficients) = 14,00.");
    }

    #[test]
    fn general_average_and_class_statistics() {
        let two = Coefficient::from_hundredths(200).unwrap_or(Coefficient::ONE);
        assert_eq!(general_average(&[(two, Some(10.0)), (Coefficient::ONE, Some(16.0)), (two, None)]), Some(12.0));
        assert_eq!(general_average(&[(Coefficient::ONE, None)]), None);
        let stats = class_stats([Some(8.0), None, Some(14.0), Some(11.0)]);
        assert_eq!(stats, Some(ClassStats { average: 11.0, min: 8.0, max: 14.0, students: 3 }));
        assert_eq!(class_stats([None, None]), None);
        assert_eq!(format_fr(13.126), "13,13");
        assert_eq!(format_fr(7.0 / 3.0), "2,33");
        assert_eq!(format_fr(12.0), "12,00");
        assert_eq!(format_short(12.5), "12,5");
    }

    fn arb_grade() -> impl Strategy<Value = (Evaluation, Mark)> {
        (1u32..=100, 0u32..=2000, prop_oneof![Just(N), Just(X)], 0u32..=10_000, 0u8..6).prop_map(
            |(scale, coef, counting, p, kind)| {
                let mark = match kind {
                    0 => Mark::Absent,
                    1 => Mark::Exempted,
                    2 => Mark::NotGraded,
                    3 => Mark::NotReturned,
                    _ => Mark::Points(p % (scale * 100 + 1)),
                };
                (eval(scale, coef, counting), mark)
            },
        )
    }

    proptest! {
        #[test]
        fn an_average_stays_within_its_counted_marks(grades in prop::collection::vec(arb_grade(), 0..12)) {
            let calc = subject_average(&grades, ZERO);
            let counted: Vec<f64> = calc.lines.iter().filter(|l| l.weight > 0.0).filter_map(|l| l.on_twenty).collect();
            if let Some(v) = calc.value {
                let lo = counted.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = counted.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                prop_assert!(v >= lo - 1e-9 && v <= hi + 1e-9, "{v} outside [{lo}, {hi}]");
            } else {
                prop_assert!(counted.is_empty());
            }
        }

        #[test]
        fn order_does_not_matter(mut grades in prop::collection::vec(arb_grade(), 0..12), seed in any::<u64>()) {
            let before = subject_average(&grades, ZERO).value;
            let n = grades.len();
            if n > 1 {
                for i in 0..n {
                    let j = (seed.wrapping_mul(i as u64 + 7) % n as u64) as usize;
                    grades.swap(i, j);
                }
            }
            let after = subject_average(&grades, ZERO).value;
            match (before, after) {
                (Some(a), Some(b)) => prop_assert!((a - b).abs() < 1e-9),
                (a, b) => prop_assert_eq!(a, b),
            }
        }

        #[test]
        fn a_coefficient_zero_or_a_status_changes_nothing(grades in prop::collection::vec(arb_grade(), 0..12), p in 0u32..=2000, status in 0u8..3) {
            let before = subject_average(&grades, SKIP).value;
            let mut more = grades.clone();
            more.push((eval(20, 0, N), Mark::Points(p)));
            let status = [Mark::Absent, Mark::Exempted, Mark::NotGraded][status as usize];
            more.push((eval(20, 300, N), status));
            more.push((eval(20, 300, N), Mark::NotReturned));
            let after = subject_average(&more, SKIP).value;
            match (before, after) {
                (Some(a), Some(b)) => prop_assert!((a - b).abs() < 1e-9),
                (a, b) => prop_assert_eq!(a, b),
            }
        }
    }
}
