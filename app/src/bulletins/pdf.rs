//! A bulletin as a PDF, written with `pdf-writer` (the low-level writer behind Typst: four
//! small dependencies, no C, maintained). Text is set in Helvetica, one of the fourteen fonts
//! every PDF reader has, with WinAnsi encoding, which covers French: nothing is embedded and
//! a bulletin weighs a few kilobytes. Layout (column widths, wrapping, page breaks) is done
//! here with Helvetica's metrics.

use super::api::Bulletin;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 40.0;
const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

/// Helvetica advance widths (thousandths of the font size) of ASCII 32..=126, from Adobe's
/// AFM; Helvetica-Bold is close enough to these for wrapping with the slack kept below.
const WIDTHS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // 0..9
    278, 278, 584, 584, 584, 556, 1015, // :..@
    667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944,
    667, 667, 611, // A..Z
    278, 278, 278, 469, 556, 333, // [..`
    556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722,
    500, 500, 500, // a..z
    334, 260, 334, 584, // {..~
];

/// The character's byte in WinAnsiEncoding (Windows-1252), `?` when it has none.
fn win_ansi(c: char) -> u8 {
    match c {
        ' '..='~' => c as u8,
        '\u{a0}'..='\u{ff}' => c as u32 as u8,
        '€' => 0x80,
        '‚' => 0x82,
        '„' => 0x84,
        '…' => 0x85,
        'Œ' => 0x8c,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        'œ' => 0x9c,
        'Ÿ' => 0x9f,
        '\u{202f}' => 0xa0,
        _ => b'?',
    }
}

fn encode(s: &str) -> Vec<u8> {
    s.chars().map(win_ansi).collect()
}

/// Width of `s` in points at `size`. Accented letters take their base letter's width.
fn width(s: &str, size: f32) -> f32 {
    let units: u32 = s
        .chars()
        .map(|c| {
            let base = domain::fold_accents(&c.to_string()).chars().next().unwrap_or(c);
            match base {
                ' '..='~' => u32::from(WIDTHS[base as usize - 32]),
                '\u{a0}' | '\u{202f}' => 278,
                'œ' | 'Œ' => 944,
                _ => 556,
            }
        })
        .sum();
    units as f32 * size / 1000.0
}

/// Splits `text` into lines no wider than `max` points at `size`; kept line breaks stay, a
/// word longer than a line is cut.
fn wrap(text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
            if width(&candidate, size) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if width(&piece, size) > max {
                    piece.pop();
                    lines.push(std::mem::take(&mut piece));
                    piece.push(c);
                }
            }
            line = piece;
        }
        lines.push(line);
    }
    while lines.last().is_some_and(|l| l.is_empty()) && lines.len() > 1 {
        lines.pop();
    }
    lines
}

/// Pages being laid out, top to bottom.
struct Writer {
    pages: Vec<Content>,
    page: Content,
    y: f32,
}

impl Writer {
    fn new() -> Self {
        Writer { pages: Vec::new(), page: Content::new(), y: PAGE_H - MARGIN }
    }

    fn text(&mut self, font: Name, size: f32, x: f32, y: f32, s: &str) {
        self.page.begin_text();
        self.page.set_font(font, size);
        self.page.next_line(x, y);
        self.page.show(Str(&encode(s)));
        self.page.end_text();
    }

    fn text_right(&mut self, font: Name, size: f32, right: f32, y: f32, s: &str) {
        let w = width(s, size);
        self.text(font, size, right - w, y, s);
    }

    fn rule(&mut self, y: f32, grey: f32) {
        self.page.set_stroke_rgb(grey, grey, grey);
        self.page.set_line_width(0.5);
        self.page.move_to(MARGIN, y);
        self.page.line_to(PAGE_W - MARGIN, y);
        self.page.stroke();
    }

    fn fill(&mut self, x: f32, y: f32, w: f32, h: f32, grey: f32) {
        self.page.set_fill_rgb(grey, grey, grey);
        self.page.rect(x, y, w, h);
        self.page.fill_nonzero();
        self.page.set_fill_rgb(0.0, 0.0, 0.0);
    }

    /// Starts a new page when fewer than `needed` points remain above the footer.
    fn ensure(&mut self, needed: f32, on_new_page: impl FnOnce(&mut Self)) {
        if self.y - needed < MARGIN + 24.0 {
            let full = std::mem::replace(&mut self.page, Content::new());
            self.pages.push(full);
            self.y = PAGE_H - MARGIN;
            on_new_page(self);
        }
    }
}

// Table columns: left edges and widths.
const COL_SUBJECT: f32 = MARGIN;
const W_SUBJECT: f32 = 140.0;
const COL_FIGURES: f32 = COL_SUBJECT + W_SUBJECT;
const W_FIGURE: f32 = 42.0;
const COL_APPRECIATION: f32 = COL_FIGURES + 4.0 * W_FIGURE + 8.0;
const W_APPRECIATION: f32 = PAGE_W - MARGIN - COL_APPRECIATION;

fn table_header(w: &mut Writer) {
    let top = w.y;
    w.fill(MARGIN, top - 16.0, PAGE_W - 2.0 * MARGIN, 16.0, 0.9);
    let base = top - 11.5;
    w.text(BOLD, 8.0, COL_SUBJECT + 3.0, base, "Matière");
    for (i, label) in ["Élève", "Classe", "Min.", "Max."].iter().enumerate() {
        w.text_right(BOLD, 8.0, COL_FIGURES + (i as f32 + 1.0) * W_FIGURE - 4.0, base, label);
    }
    w.text(BOLD, 8.0, COL_APPRECIATION, base, "Appréciation");
    w.y = top - 16.0;
}

fn dash(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "—".into())
}

/// The bulletin as a PDF document.
pub fn render(b: &Bulletin) -> Vec<u8> {
    let mut w = Writer::new();

    // Header: establishment on the left, the bulletin and the student on the right.
    let top = w.y;
    w.text(BOLD, 13.0, MARGIN, top - 12.0, &b.establishment);
    w.text(REGULAR, 9.0, MARGIN, top - 26.0, &format!("UAI {} · Année scolaire {}", b.uai, b.school_year));
    w.text_right(BOLD, 13.0, PAGE_W - MARGIN, top - 12.0, &format!("Bulletin · {}", b.period));
    w.text_right(BOLD, 11.0, PAGE_W - MARGIN, top - 27.0, &b.student_name);
    let class_line = match &b.head_teacher {
        Some(h) => format!("Classe {} · Professeur principal : {h}", b.class_name),
        None => format!("Classe {}", b.class_name),
    };
    w.text_right(REGULAR, 9.0, PAGE_W - MARGIN, top - 40.0, &class_line);
    if b.issued_on.is_none() {
        w.text(BOLD, 9.0, MARGIN, top - 40.0, "Bulletin provisoire (période non clôturée)");
    }
    w.y = top - 52.0;
    w.rule(w.y, 0.4);
    w.y -= 10.0;
    table_header(&mut w);

    for s in &b.subjects {
        let subject_lines = wrap(&s.name, 9.0, W_SUBJECT - 6.0);
        let teacher_lines = if s.teachers.is_empty() { Vec::new() } else { wrap(&s.teachers, 7.5, W_SUBJECT - 6.0) };
        let appreciation = wrap(s.appreciation.as_deref().unwrap_or(""), 8.0, W_APPRECIATION - 4.0);
        let left_h = subject_lines.len() as f32 * 11.0 + teacher_lines.len() as f32 * 9.0 + 8.0;
        let right_h = appreciation.len() as f32 * 10.0 + 8.0;
        let h = left_h.max(right_h).max(24.0);
        w.ensure(h, table_header);
        let top = w.y;
        let mut y = top - 11.0;
        for line in &subject_lines {
            w.text(BOLD, 9.0, COL_SUBJECT + 3.0, y, line);
            y -= 11.0;
        }
        for line in &teacher_lines {
            w.text(REGULAR, 7.5, COL_SUBJECT + 3.0, y + 1.0, line);
            y -= 9.0;
        }
        if s.coefficient != "1" {
            w.text(REGULAR, 7.5, COL_SUBJECT + 3.0, y + 1.0, &format!("Coefficient {}", s.coefficient));
        }
        let figures = [&s.average, &s.class_average, &s.class_min, &s.class_max];
        for (i, f) in figures.iter().enumerate() {
            let font = if i == 0 { BOLD } else { REGULAR };
            w.text_right(font, 9.0, COL_FIGURES + (i as f32 + 1.0) * W_FIGURE - 4.0, top - 11.0, &dash(f));
        }
        let mut y = top - 11.0;
        for line in &appreciation {
            w.text(REGULAR, 8.0, COL_APPRECIATION, y, line);
            y -= 10.0;
        }
        w.y = top - h;
        w.rule(w.y, 0.75);
    }

    // General average.
    w.ensure(24.0, table_header);
    let top = w.y;
    w.fill(MARGIN, top - 20.0, PAGE_W - 2.0 * MARGIN, 20.0, 0.95);
    w.text(BOLD, 9.5, COL_SUBJECT + 3.0, top - 13.5, "Moyenne générale");
    let general = [&b.general_average, &b.class_general_average, &b.class_general_min, &b.class_general_max];
    for (i, f) in general.iter().enumerate() {
        let font = if i == 0 { BOLD } else { REGULAR };
        w.text_right(font, 9.5, COL_FIGURES + (i as f32 + 1.0) * W_FIGURE - 4.0, top - 13.5, &dash(f));
    }
    w.y = top - 34.0;

    // General appréciation, attendance, issue line.
    let general_lines =
        wrap(b.general_appreciation.as_deref().unwrap_or("Pas d'appréciation générale."), 9.0, PAGE_W - 2.0 * MARGIN);
    w.ensure(16.0 + general_lines.len() as f32 * 12.0, |_| {});
    let y = w.y;
    w.text(BOLD, 10.0, MARGIN, y, "Appréciation générale du conseil de classe");
    w.y -= 15.0;
    for line in &general_lines {
        let y = w.y;
        w.text(REGULAR, 9.0, MARGIN, y, line);
        w.y -= 12.0;
    }
    w.y -= 8.0;
    w.ensure(30.0, |_| {});
    let y = w.y;
    w.text(
        REGULAR,
        9.0,
        MARGIN,
        y,
        &format!(
            "Absences : {} demi-journée{} · Retards : {} (le décompte de la vie scolaire n'est pas encore relié à Préau)",
            b.absences,
            if b.absences > 1 { "s" } else { "" },
            b.lateness
        ),
    );
    w.pages.push(std::mem::replace(&mut w.page, Content::new()));

    // Footers now that the page count is known, then the document.
    let total = w.pages.len();
    let issued = match &b.issued_on {
        Some(d) => format!("Bulletin édité le {d} par {} · Préau", b.establishment),
        None => "Bulletin provisoire · Préau".to_string(),
    };
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let first_page = 6;
    let page_ids: Vec<Ref> = (0..total).map(|i| Ref::new(first_page + 2 * i as i32)).collect();
    pdf.catalog(catalog).pages(tree).lang(TextStr("fr-FR"));
    pdf.pages(tree).kids(page_ids.iter().copied()).count(total as i32);
    pdf.type1_font(regular).base_font(Name(b"Helvetica")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold).base_font(Name(b"Helvetica-Bold")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.document_info(info)
        .title(TextStr(&format!("Bulletin {} · {}", b.period, b.student_name)))
        .author(TextStr(&b.establishment))
        .producer(TextStr("Préau"));
    for (i, mut content) in w.pages.into_iter().enumerate() {
        let footer = format!("{issued} · page {}/{total}", i + 1);
        content.begin_text();
        content.set_font(REGULAR, 7.5);
        content.next_line(MARGIN, MARGIN - 12.0);
        content.show(Str(&encode(&footer)));
        content.end_text();
        let content_id = Ref::new(first_page + 2 * i as i32 + 1);
        let mut page = pdf.page(page_ids[i]);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H)).parent(tree).contents(content_id);
        page.resources().fonts().pair(REGULAR, regular).pair(BOLD, bold);
        page.finish();
        pdf.stream(content_id, &content.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bulletins::api::BulletinSubject;
    use domain::{ClassId, SubjectId, UserId};

    fn bulletin(subjects: usize, appreciation: &str) -> Bulletin {
        Bulletin {
            establishment: "Collège Jean Moulin".into(),
            uai: "0671234A".into(),
            school_year: "2026-2027".into(),
            period: "Trimestre 1".into(),
            student: UserId(1),
            class: ClassId(2),
            student_name: "Léo Garnier".into(),
            class_name: "4e C".into(),
            head_teacher: Some("Claire Durand".into()),
            subjects: (0..subjects)
                .map(|i| BulletinSubject {
                    subject: SubjectId(i as i64 + 1),
                    name: format!("Matière n°{i}"),
                    teachers: "Claire Durand".into(),
                    coefficient: "1".into(),
                    average: Some("12,50".into()),
                    average_value: Some(12.5),
                    class_average: Some("11,00".into()),
                    class_min: Some("4,00".into()),
                    class_max: Some("18,75".into()),
                    appreciation: Some(appreciation.into()),
                })
                .collect(),
            general_average: Some("12,50".into()),
            class_general_average: Some("11,00".into()),
            class_general_min: Some("6,00".into()),
            class_general_max: Some("17,00".into()),
            general_appreciation: Some("Bon trimestre, élève sérieux.".into()),
            absences: 0,
            lateness: 0,
            issued_on: Some("23/11/2026".into()),
        }
    }

    fn page_count(pdf: &[u8]) -> usize {
        let text = String::from_utf8_lossy(pdf);
        text.matches("/MediaBox").count()
    }

    #[test]
    fn french_text_is_encoded_in_win_ansi() {
        assert_eq!(encode("Élève œuvre 12,5 € « ok »"), b"\xc9l\xe8ve \x9cuvre 12,5 \x80 \xab ok \xbb".to_vec());
        assert_eq!(encode("日"), b"?".to_vec());
    }

    #[test]
    fn wrapping_keeps_every_word_within_the_width() {
        let text = "Un trimestre sérieux et régulier ; les résultats progressent nettement en fin de période.\nContinuez ainsi.";
        let lines = wrap(text, 8.0, 120.0);
        assert!(lines.len() >= 3);
        assert!(lines.iter().all(|l| width(l, 8.0) <= 120.0));
        assert_eq!(lines.join(" ").split_whitespace().collect::<Vec<_>>(), text.split_whitespace().collect::<Vec<_>>());
        let long = wrap(&"a".repeat(200), 8.0, 50.0);
        assert!(long.len() > 1 && long.iter().all(|l| width(l, 8.0) <= 50.0));
    }

    #[test]
    fn a_bulletin_renders_as_a_pdf_and_long_ones_take_several_pages() {
        let short = render(&bulletin(3, "Bien."));
        assert!(short.starts_with(b"%PDF-"));
        assert!(String::from_utf8_lossy(&short).contains("/WinAnsiEncoding"));
        assert_eq!(page_count(&short), 1);
        let long = render(&bulletin(14, &"Travail régulier et participation active. ".repeat(14)));
        assert!(page_count(&long) >= 2, "pages: {}", page_count(&long));
    }
}
