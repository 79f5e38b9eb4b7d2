//! Grades as CSV: a grade book exported for a spreadsheet, and one evaluation's marks imported
//! from one. French spreadsheets expect `;` between fields and a decimal comma; the export
//! starts with a byte-order mark so Excel reads the accents. The import accepts `;`, `,` or a
//! tab (a range pasted from a spreadsheet), finds each student by name (case and accents
//! ignored), and reports every problem with its line: the caller applies nothing unless the
//! whole file is clean.

use crate::UserId;
use crate::grades::{Mark, Scale};
use crate::import::{ImportProblem, split_records};
use crate::validation::fold_accents;

/// Largest file accepted for one evaluation (a class is at most a few dozen lines).
pub const GRADE_IMPORT_MAX_BYTES: usize = 64 * 1024;
/// Most lines in one evaluation's file.
pub const GRADE_IMPORT_MAX_ROWS: usize = 200;

/// A field as a spreadsheet reads it: quoted when needed, and never taken for a formula.
fn field(raw: &str) -> String {
    let safe = if raw.starts_with(['=', '+', '-', '@']) { format!("'{raw}") } else { raw.to_string() };
    if safe.contains([';', '"', '\n', '\r']) { format!("\"{}\"", safe.replace('"', "\"\"")) } else { safe }
}

/// One line of the export: a student, their cells in column order, their average.
pub struct ExportRow<'a> {
    pub last_name: &'a str,
    pub first_name: &'a str,
    pub cells: &'a [String],
    pub average: Option<&'a str>,
}

/// The grade book as CSV: `Nom;Prénom;<one column per evaluation>;Moyenne`, each evaluation
/// headed "Titre (jj/mm/aaaa, /20, coef. 1)".
pub fn export_grade_book(evaluation_headers: &[String], rows: &[ExportRow<'_>]) -> String {
    let mut out = String::from("\u{feff}Nom;Prénom");
    for h in evaluation_headers {
        out.push(';');
        out.push_str(&field(h));
    }
    out.push_str(";Moyenne\r\n");
    for r in rows {
        out.push_str(&field(r.last_name));
        out.push(';');
        out.push_str(&field(r.first_name));
        for c in r.cells {
            out.push(';');
            out.push_str(&field(c));
        }
        out.push(';');
        out.push_str(&field(r.average.unwrap_or("")));
        out.push_str("\r\n");
    }
    out
}

/// A student of the class or group, as the import matches them.
pub struct RosterEntry<'a> {
    pub id: UserId,
    pub last_name: &'a str,
    pub first_name: &'a str,
}

fn key(last: &str, first: &str) -> String {
    let norm = |s: &str| fold_accents(s).to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ");
    format!("{}|{}", norm(last), norm(first))
}

fn header_key(h: &str) -> String {
    fold_accents(h.trim().trim_start_matches('\u{feff}')).to_lowercase().replace([' ', '-', '_'], "")
}

/// Reads one evaluation's marks: a header with `Nom`, `Prénom` and `Note` columns (others are
/// ignored, so an exported grade book with a `Note` column works), then a line per student.
/// An empty note leaves the student's mark as it is. Returns every (student, mark), or every
/// problem found.
pub fn parse_evaluation_import(
    text: &str,
    roster: &[RosterEntry<'_>],
    scale: Scale,
) -> Result<Vec<(UserId, Mark)>, Vec<ImportProblem>> {
    if text.len() > GRADE_IMPORT_MAX_BYTES {
        return Err(vec![ImportProblem::new(
            0,
            "",
            format!("Le fichier dépasse {} Kio : il ne devrait contenir qu'une classe.", GRADE_IMPORT_MAX_BYTES / 1024),
        )]);
    }
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = ['\t', ';', ',']
        .into_iter()
        .max_by_key(|d| first_line.matches(*d).count())
        .filter(|d| first_line.contains(*d))
        .unwrap_or(';');
    let records = split_records(text, delimiter).map_err(|p| vec![p])?;
    let Some(((_, header), rows)) = records.split_first() else {
        return Err(vec![ImportProblem::new(1, "", "Le fichier est vide. Première ligne attendue : Nom;Prénom;Note")]);
    };
    if rows.len() > GRADE_IMPORT_MAX_ROWS {
        return Err(vec![ImportProblem::new(
            0,
            "",
            format!("Le fichier compte {} lignes ; {GRADE_IMPORT_MAX_ROWS} au plus.", rows.len()),
        )]);
    }
    let header: Vec<String> = header.iter().map(|h| header_key(h)).collect();
    let column = |name: &str| header.iter().position(|h| h == name);
    let (Some(last_col), Some(first_col), Some(note_col)) = (column("nom"), column("prenom"), column("note")) else {
        return Err(vec![ImportProblem::new(
            1,
            "",
            "La première ligne doit nommer les colonnes Nom, Prénom et Note (par exemple : Nom;Prénom;Note).",
        )]);
    };
    let by_name: std::collections::HashMap<String, UserId> =
        roster.iter().map(|s| (key(s.last_name, s.first_name), s.id)).collect();
    let mut seen: std::collections::HashMap<UserId, usize> = std::collections::HashMap::new();
    let mut marks = Vec::with_capacity(rows.len());
    let mut problems = Vec::new();
    for (line, fields) in rows {
        let get = |i: usize| fields.get(i).map(|s| s.trim()).unwrap_or("");
        let (last, first, note) = (get(last_col), get(first_col), get(note_col));
        let Some(id) = by_name.get(&key(last, first)).copied() else {
            problems.push(ImportProblem::new(
                *line,
                "Nom",
                format!("« {last} {first} » n'est pas un élève de ce carnet."),
            ));
            continue;
        };
        if let Some(previous) = seen.insert(id, *line) {
            problems.push(ImportProblem::new(
                *line,
                "Nom",
                format!("« {last} {first} » figure déjà ligne {previous}."),
            ));
            continue;
        }
        if note.is_empty() {
            continue;
        }
        match Mark::parse(note, scale) {
            Ok(mark) => marks.push((id, mark)),
            Err(e) => problems.push(ImportProblem::new(*line, "Note", e.reason)),
        }
    }
    if problems.is_empty() { Ok(marks) } else { Err(problems) }
}

#[cfg(test)]
#[expect(clippy::expect_used, reason = "a failed step fails the test, with its message")]
mod tests {
    use super::*;

    fn roster() -> Vec<RosterEntry<'static>> {
        vec![
            RosterEntry { id: UserId(1), last_name: "Garnier", first_name: "Léo" },
            RosterEntry { id: UserId(2), last_name: "Müller", first_name: "Anaïs" },
            RosterEntry { id: UserId(3), last_name: "De La Tour", first_name: "Jean-Baptiste" },
        ]
    }

    #[test]
    fn an_export_opens_in_a_french_spreadsheet_and_never_runs_a_formula() {
        let cells = vec!["12,5".to_string(), "Abs".to_string()];
        let rows = [ExportRow { last_name: "Garnier", first_name: "Léo", cells: &cells, average: Some("12,50") }];
        let csv = export_grade_book(&["Dictée; n°1 (20/11/2026, /20, coef. 1)".into(), "=SOMME(A1)".into()], &rows);
        assert_eq!(
            csv,
            "\u{feff}Nom;Prénom;\"Dictée; n°1 (20/11/2026, /20, coef. 1)\";'=SOMME(A1);Moyenne\r\nGarnier;Léo;12,5;Abs;12,50\r\n"
        );
    }

    #[test]
    fn an_import_matches_students_by_name_whatever_the_case_accents_or_separator() {
        let r = roster();
        let text = "NOM;PRENOM;NOTE\ngarnier;leo;15,5\nMULLER; Anais ;abs\nde la tour;jean-baptiste;\n";
        let marks = parse_evaluation_import(text, &r, Scale::TWENTY).expect("clean");
        assert_eq!(marks, vec![(UserId(1), Mark::Points(1550)), (UserId(2), Mark::Absent)]);
        let pasted = "Nom\tPrénom\tClasse\tNote\nGarnier\tLéo\t4e C\t12\n";
        assert_eq!(
            parse_evaluation_import(pasted, &r, Scale::TWENTY).expect("tabs"),
            vec![(UserId(1), Mark::Points(1200))]
        );
    }

    #[test]
    fn every_problem_of_an_import_is_reported_with_its_line() {
        let r = roster();
        let text = "Nom;Prénom;Note\nGarnier;Léo;25\nDupont;Marie;10\nGarnier;Léo;12\nMüller;Anaïs;douze\n";
        let problems = parse_evaluation_import(text, &r, Scale::TWENTY).expect_err("refused");
        let lines: Vec<(usize, &str)> = problems.iter().map(|p| (p.line, p.column.as_str())).collect();
        assert_eq!(lines, [(2, "Note"), (3, "Nom"), (4, "Nom"), (5, "Note")]);
        assert!(problems[1].message.contains("n'est pas un élève de ce carnet"));
        assert!(problems[2].message.contains("figure déjà ligne 2"));

        let missing = parse_evaluation_import("Nom;Note\nGarnier;12\n", &r, Scale::TWENTY).expect_err("header");
        assert!(missing[0].message.contains("Nom, Prénom et Note"));
        assert!(parse_evaluation_import("", &r, Scale::TWENTY).is_err());
        let big = format!("Nom;Prénom;Note\n{}", "Garnier;Léo;12\n".repeat(5_000));
        assert!(parse_evaluation_import(&big, &r, Scale::TWENTY).expect_err("too big")[0].message.contains("Kio"));
        let many = format!("Nom;Prénom;Note\n{}", "X;Y;1\n".repeat(GRADE_IMPORT_MAX_ROWS + 1));
        assert!(
            parse_evaluation_import(&many, &r, Scale::TWENTY).expect_err("too many")[0].message.contains("au plus")
        );
    }
}
