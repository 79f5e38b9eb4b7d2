//! CSV import of accounts: parsing and per-line checks, pure.
//!
//! Files are what a school's secretary exports from a spreadsheet: `;` or `,` separated
//! (guessed from the header line), optional quotes, a header naming the columns in French.
//! Every problem is reported with its line and column; the caller imports nothing unless the
//! whole file is clean. Checks that need the database (does the class exist, is the child
//! known) happen in `app::admin`, reported the same way.

use crate::{Label, PersonName, Username};
use serde::{Deserialize, Serialize};

/// Largest file accepted, in bytes.
pub const IMPORT_MAX_BYTES: usize = 1024 * 1024;
/// Most data lines accepted in one file.
pub const IMPORT_MAX_ROWS: usize = 5000;

/// What a file contains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportKind {
    /// `nom;prenom;classe` and optionally `identifiant`.
    Students,
    /// `nom;prenom;identifiant_eleve` and optionally `lien`, `responsable_legal`.
    Guardians,
    /// `nom;prenom;matiere;classe`, one line per subject taught in a class.
    Teachers,
}

impl ImportKind {
    pub fn label(self) -> &'static str {
        match self {
            ImportKind::Students => "Élèves",
            ImportKind::Guardians => "Responsables",
            ImportKind::Teachers => "Enseignants",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            ImportKind::Students => "eleves",
            ImportKind::Guardians => "responsables",
            ImportKind::Teachers => "enseignants",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [ImportKind::Students, ImportKind::Guardians, ImportKind::Teachers].into_iter().find(|k| k.code() == code)
    }

    /// The header line a school should use, shown as an example in the UI.
    pub fn example_header(self) -> &'static str {
        match self {
            ImportKind::Students => "nom;prenom;classe;identifiant",
            ImportKind::Guardians => "nom;prenom;identifiant_eleve;lien;responsable_legal",
            ImportKind::Teachers => "nom;prenom;matiere;classe",
        }
    }

    fn required(self) -> &'static [&'static str] {
        match self {
            ImportKind::Students => &["nom", "prenom", "classe"],
            ImportKind::Guardians => &["nom", "prenom", "identifiant_eleve"],
            ImportKind::Teachers => &["nom", "prenom", "matiere", "classe"],
        }
    }

    fn optional(self) -> &'static [&'static str] {
        match self {
            ImportKind::Students => &["identifiant"],
            ImportKind::Guardians => &["lien", "responsable_legal"],
            ImportKind::Teachers => &["identifiant"],
        }
    }
}

/// One problem in a file: 1-based line number, the column's header name, what to fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportProblem {
    pub line: usize,
    pub column: String,
    pub message: String,
}

impl ImportProblem {
    pub fn new(line: usize, column: &str, message: impl Into<String>) -> Self {
        Self { line, column: column.to_string(), message: message.into() }
    }
}

/// A clean line of a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportRow {
    Student {
        line: usize,
        last: PersonName,
        first: PersonName,
        class: Label,
        username: Option<Username>,
    },
    Guardian {
        line: usize,
        last: PersonName,
        first: PersonName,
        child: Username,
        relationship: String,
        legal: bool,
    },
    Teacher {
        line: usize,
        last: PersonName,
        first: PersonName,
        subject: Label,
        class: Label,
        username: Option<Username>,
    },
}

impl ImportRow {
    pub fn line(&self) -> usize {
        match self {
            ImportRow::Student { line, .. } | ImportRow::Guardian { line, .. } | ImportRow::Teacher { line, .. } => {
                *line
            }
        }
    }
}

/// Header names are compared without case, accents, spaces or hyphens.
fn normalise_header(h: &str) -> String {
    h.trim()
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'à' | 'â' => 'a',
            'î' | 'ï' => 'i',
            'ô' => 'o',
            'ù' | 'û' => 'u',
            'ç' => 'c',
            ' ' | '-' => '_',
            c => c,
        })
        .collect()
}

/// The text of a file chosen in the browser, whatever the spreadsheet saved it as: UTF-8
/// (with or without a byte-order mark), or Windows-1252, which French Excel still writes for
/// "CSV (séparateur : point-virgule)". Bytes that are not valid UTF-8 are read as
/// Windows-1252, so "Élodie" arrives as "Élodie" either way.
pub fn decode_spreadsheet_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => bytes.iter().map(|&b| windows_1252(b)).collect(),
    }
}

/// One Windows-1252 byte as a character: Latin-1, except 0x80–0x9F, where Windows puts the
/// euro sign, typographic quotes and dashes, "œ" and "Œ" (the five bytes it leaves undefined
/// map to the C1 controls, as browsers do).
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', //
        '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// Splits CSV text into records of fields, honouring double quotes ("" inside quotes is a
/// quote). Returns each record with the 1-based line it starts on.
pub fn split_records(text: &str, delimiter: char) -> Result<Vec<(usize, Vec<String>)>, ImportProblem> {
    let mut records = Vec::new();
    let mut field = String::new();
    let mut fields = Vec::new();
    let mut in_quotes = false;
    let mut line = 1;
    let mut record_line = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.trim().is_empty() => {
                field.clear();
                in_quotes = true;
            }
            c if c == delimiter => fields.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                records.push((record_line, std::mem::take(&mut fields)));
                line += 1;
                record_line = line;
            }
            c => field.push(c),
        }
    }
    if in_quotes {
        return Err(ImportProblem::new(record_line, "", "Guillemet ouvrant sans guillemet fermant."));
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        records.push((record_line, fields));
    }
    records.retain(|(_, f)| f.iter().any(|v| !v.trim().is_empty()));
    Ok(records)
}

fn parse_yes_no(raw: &str) -> Option<bool> {
    match normalise_header(raw).as_str() {
        "" | "oui" | "o" | "1" | "vrai" | "yes" => Some(true),
        "non" | "n" | "0" | "faux" | "no" => Some(false),
        _ => None,
    }
}

/// Parses a whole file. Either every line is clean, or every problem is returned.
pub fn parse_import(kind: ImportKind, text: &str) -> Result<Vec<ImportRow>, Vec<ImportProblem>> {
    if text.len() > IMPORT_MAX_BYTES {
        return Err(vec![ImportProblem::new(
            0,
            "",
            format!("Le fichier dépasse {} Kio. Découpez-le en plusieurs fichiers.", IMPORT_MAX_BYTES / 1024),
        )]);
    }
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.matches(';').count() >= first_line.matches(',').count() { ';' } else { ',' };
    let records = split_records(text, delimiter).map_err(|p| vec![p])?;
    let Some(((_, header), rows)) = records.split_first() else {
        return Err(vec![ImportProblem::new(1, "", "Le fichier est vide.")]);
    };
    if rows.len() > IMPORT_MAX_ROWS {
        return Err(vec![ImportProblem::new(
            0,
            "",
            format!("Le fichier compte {} lignes ; {IMPORT_MAX_ROWS} au plus par import.", rows.len()),
        )]);
    }
    let header: Vec<String> = header.iter().map(|h| normalise_header(h)).collect();
    let mut problems = Vec::new();
    for required in kind.required() {
        if !header.iter().any(|h| h == required) {
            problems.push(ImportProblem::new(
                1,
                required,
                format!("Colonne « {required} » manquante. En-tête attendu : {}", kind.example_header()),
            ));
        }
    }
    for h in &header {
        if !h.is_empty() && !kind.required().contains(&h.as_str()) && !kind.optional().contains(&h.as_str()) {
            problems.push(ImportProblem::new(
                1,
                h,
                format!("Colonne « {h} » inconnue. En-tête attendu : {}", kind.example_header()),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if rows.is_empty() {
        return Err(vec![ImportProblem::new(2, "", "Aucune ligne à importer sous l'en-tête.")]);
    }

    let mut out = Vec::with_capacity(rows.len());
    for (line, fields) in rows {
        let line = *line;
        if fields.len() > header.len() {
            problems.push(ImportProblem::new(
                line,
                "",
                format!(
                    "{} valeurs pour {} colonnes : vérifiez le séparateur « {delimiter} ».",
                    fields.len(),
                    header.len()
                ),
            ));
            continue;
        }
        let get = |name: &str| -> &str {
            header.iter().position(|h| h == name).and_then(|i| fields.get(i)).map(|s| s.trim()).unwrap_or("")
        };
        let problems = &mut problems;
        fn check<T>(
            problems: &mut Vec<ImportProblem>,
            line: usize,
            r: Result<T, crate::DomainError>,
            column: &str,
        ) -> Option<T> {
            match r {
                Ok(v) => Some(v),
                Err(e) => {
                    problems.push(ImportProblem::new(line, column, e.reason));
                    None
                }
            }
        }
        let last = check(problems, line, PersonName::parse("nom", get("nom")), "nom");
        let first = check(problems, line, PersonName::parse("prenom", get("prenom")), "prenom");
        let row = match kind {
            ImportKind::Students => {
                let class = check(problems, line, Label::parse("classe", get("classe")), "classe");
                let username = match get("identifiant") {
                    "" => Some(None),
                    u => check(problems, line, Username::parse(u), "identifiant").map(Some),
                };
                match (last, first, class, username) {
                    (Some(last), Some(first), Some(class), Some(username)) => {
                        Some(ImportRow::Student { line, last, first, class, username })
                    }
                    _ => None,
                }
            }
            ImportKind::Guardians => {
                let child = check(problems, line, Username::parse(get("identifiant_eleve")), "identifiant_eleve");
                let relationship = get("lien").to_string();
                let legal = parse_yes_no(get("responsable_legal"));
                if legal.is_none() {
                    check(
                        problems,
                        line,
                        Err::<(), _>(crate::DomainError::new("responsable_legal", "Répondez « oui » ou « non ».")),
                        "responsable_legal",
                    );
                }
                if relationship.chars().count() > 40 {
                    check(
                        problems,
                        line,
                        Err::<(), _>(crate::DomainError::new("lien", "40 caractères au plus.")),
                        "lien",
                    );
                }
                match (last, first, child, legal) {
                    (Some(last), Some(first), Some(child), Some(legal)) if relationship.chars().count() <= 40 => {
                        Some(ImportRow::Guardian { line, last, first, child, relationship, legal })
                    }
                    _ => None,
                }
            }
            ImportKind::Teachers => {
                let subject = check(problems, line, Label::parse("matiere", get("matiere")), "matiere");
                let class = check(problems, line, Label::parse("classe", get("classe")), "classe");
                let username = match get("identifiant") {
                    "" => Some(None),
                    u => check(problems, line, Username::parse(u), "identifiant").map(Some),
                };
                match (last, first, subject, class, username) {
                    (Some(last), Some(first), Some(subject), Some(class), Some(username)) => {
                        Some(ImportRow::Teacher { line, last, first, subject, class, username })
                    }
                    _ => None,
                }
            }
        };
        out.extend(row);
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_read_as_utf8_or_else_as_windows_1252() {
        assert_eq!(decode_spreadsheet_text("Nom;Prénom\nŒuvre;Zoé".as_bytes()), "Nom;Prénom\nŒuvre;Zoé");
        assert_eq!(decode_spreadsheet_text(b"\xEF\xBB\xBFNom;Pr\xC3\xA9nom"), "Nom;Prénom");
        // "Nom;Prénom\nCœur;Élodie;12€" as French Excel saves it.
        assert_eq!(decode_spreadsheet_text(b"Nom;Pr\xE9nom\nC\x9Cur;\xC9lodie;12\x80"), "Nom;Prénom\nCœur;Élodie;12€");
        assert_eq!(decode_spreadsheet_text(b""), "");
    }

    #[test]
    fn a_clean_student_file_parses_with_either_separator() {
        let semi = "Nom;Prénom;Classe\nDupont;Léa;4e A\nMartin;Hugo;4e B\n";
        let comma = "nom,prenom,classe\r\nDupont,Léa,4e A\r\n";
        assert_eq!(parse_import(ImportKind::Students, semi).map(|r| r.len()), Ok(2));
        assert_eq!(parse_import(ImportKind::Students, comma).map(|r| r.len()), Ok(1));
    }

    #[test]
    fn every_problem_is_reported_with_its_line_and_column() {
        let text = "nom;prenom;classe\nDupont;;4e A\nR2D2;Hugo;\nMartin;Zoé;4e B\n";
        let problems = parse_import(ImportKind::Students, text).err().unwrap_or_default();
        let found: Vec<(usize, &str)> = problems.iter().map(|p| (p.line, p.column.as_str())).collect();
        assert_eq!(found, vec![(2, "prenom"), (3, "nom"), (3, "classe")]);
    }

    #[test]
    fn a_missing_column_is_named() {
        let problems = parse_import(ImportKind::Teachers, "nom;prenom;classe\nA;B;C\n").err().unwrap_or_default();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("matiere"));
    }

    #[test]
    fn quoted_fields_may_hold_the_separator_and_quotes() {
        let recs = split_records("a;\"b;c\";\"d \"\"e\"\"\"\n", ';').unwrap_or_default();
        assert_eq!(recs, vec![(1, vec!["a".into(), "b;c".into(), "d \"e\"".into()])]);
    }

    #[test]
    fn an_unclosed_quote_is_a_problem() {
        assert!(split_records("a;\"b\n", ';').is_err());
    }

    #[test]
    fn guardian_rows_read_the_legal_flag_in_french() {
        let text = "nom;prenom;identifiant_eleve;lien;responsable_legal\nDupont;Anne;lea.dupont;Mère;oui\nDupont;Paul;lea.dupont;Beau-père;non\nX;Y;lea.dupont;;peut-être\n";
        let problems = parse_import(ImportKind::Guardians, text).err().unwrap_or_default();
        assert_eq!(problems.len(), 1);
        assert_eq!((problems[0].line, problems[0].column.as_str()), (4, "responsable_legal"));
    }

    #[test]
    fn a_file_over_the_row_limit_is_refused_whole() {
        let mut text = String::from("nom;prenom;classe\n");
        for _ in 0..=IMPORT_MAX_ROWS {
            text.push_str("Dupont;Léa;4e A\n");
        }
        let problems = parse_import(ImportKind::Students, &text).err().unwrap_or_default();
        assert!(problems[0].message.contains("5000"));
    }

    #[test]
    fn blank_lines_are_skipped_and_line_numbers_stay_true() {
        let text = "nom;prenom;classe\n\nDupont;;4e A\n";
        let problems = parse_import(ImportKind::Students, text).err().unwrap_or_default();
        assert_eq!(problems[0].line, 3);
    }
}
