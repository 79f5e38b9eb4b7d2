//! A bulletin as a PDF, written with `pdf-writer` (the low-level writer behind Typst: four
//! small dependencies, no C, maintained). Text is set in DejaVu Sans and DejaVu Sans Bold,
//! shipped in `app/fonts/` (Bitstream Vera licence, `app/fonts/LICENSE-DejaVu.txt`): they
//! cover every Latin script a Grand Est school meets (Łukasz, Ayşe, Nguyễn, Šimon), which
//! the fourteen standard PDF fonts and their WinAnsi encoding do not. Each font is embedded
//! as a subset of the glyphs the bulletin uses (`subsetter`), with a ToUnicode map so that
//! text copied or read aloud from the PDF is the text written. Layout (column widths,
//! wrapping, page breaks) measures every string with the font it is drawn in (`ttf-parser`).

use super::api::Bulletin;
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use std::collections::BTreeMap;

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 40.0;

static REGULAR_TTF: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../fonts/DejaVuSans-Bold.ttf");

/// The two faces a bulletin uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Font {
    Regular,
    Bold,
}

impl Font {
    fn resource(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
        }
    }
}

/// A shipped TrueType face: measures text and records the glyphs drawn, for its subset.
struct Face {
    data: &'static [u8],
    face: ttf_parser::Face<'static>,
    /// The PostScript name, for the PDF (`DejaVuSans`).
    name: &'static str,
    remapper: subsetter::GlyphRemapper,
    /// Glyphs drawn, by their id in the subset: the text each stands for and its width.
    used: BTreeMap<u16, (char, f32)>,
}

impl Face {
    fn load(data: &'static [u8], name: &'static str) -> Result<Self, PdfError> {
        let face = ttf_parser::Face::parse(data, 0).map_err(|e| PdfError(format!("font {name}: {e}")))?;
        Ok(Face { data, face, name, remapper: subsetter::GlyphRemapper::new(), used: BTreeMap::new() })
    }

    fn glyph(&self, c: char) -> ttf_parser::GlyphId {
        // A character the font lacks: its box (.notdef), not a silently different letter.
        self.face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0))
    }

    /// Advance of `c` in thousandths of the font size.
    fn advance(&self, c: char) -> f32 {
        let units = self.face.glyph_hor_advance(self.glyph(c)).unwrap_or(0);
        f32::from(units) * 1000.0 / f32::from(self.face.units_per_em())
    }

    /// Width of `s` in points at `size`.
    fn width(&self, s: &str, size: f32) -> f32 {
        s.chars().map(|c| self.advance(c)).sum::<f32>() * size / 1000.0
    }

    /// `s` as the subset's glyph ids (two bytes each, Identity-H), recording them.
    fn encode(&mut self, s: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(2 * s.len());
        for c in s.chars() {
            let glyph = self.glyph(c);
            let id = self.remapper.remap(glyph.0);
            let advance = self.advance(c);
            self.used.entry(id).or_insert((c, advance));
            out.extend_from_slice(&id.to_be_bytes());
        }
        out
    }

    /// Writes the font's five objects (Type0 at `id`, then the CID font, its descriptor, the
    /// subset file and the ToUnicode map at the next four ids).
    fn write(&self, pdf: &mut Pdf, id: Ref, tag: &str) -> Result<(), PdfError> {
        let (cid, descriptor, file, cmap) =
            (Ref::new(id.get() + 1), Ref::new(id.get() + 2), Ref::new(id.get() + 3), Ref::new(id.get() + 4));
        let name = format!("{tag}+{}", self.name);
        let name = Name(name.as_bytes());
        let subset = subsetter::subset(self.data, 0, &self.remapper)
            .map_err(|e| PdfError(format!("subsetting {}: {e:?}", self.name)))?;
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&subset, 9);
        let system = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };

        pdf.type0_font(id)
            .base_font(name)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap);
        let mut font = pdf.cid_font(cid);
        font.subtype(CidFontType::Type2).base_font(name).system_info(system).font_descriptor(descriptor);
        font.default_width(0.0).cid_to_gid_map_predefined(Name(b"Identity"));
        let mut widths = font.widths();
        for (glyph, (_, advance)) in &self.used {
            widths.consecutive(*glyph, [*advance]);
        }
        widths.finish();
        font.finish();

        let em = f32::from(self.face.units_per_em());
        let scale = |v: i16| f32::from(v) * 1000.0 / em;
        let bbox = self.face.global_bounding_box();
        pdf.font_descriptor(descriptor)
            .name(name)
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(scale(bbox.x_min), scale(bbox.y_min), scale(bbox.x_max), scale(bbox.y_max)))
            .italic_angle(0.0)
            .ascent(scale(self.face.ascender()))
            .descent(scale(self.face.descender()))
            .cap_height(scale(self.face.capital_height().unwrap_or(self.face.ascender())))
            .stem_v(if self.name.ends_with("Bold") { 140.0 } else { 80.0 })
            .font_file2(file);
        pdf.stream(file, &compressed).filter(Filter::FlateDecode);

        let mut unicode = UnicodeCmap::new(Name(b"Preau-UCS"), system);
        for (glyph, (c, _)) in &self.used {
            unicode.pair(*glyph, *c);
        }
        pdf.cmap(cmap, &unicode.finish());
        Ok(())
    }
}

/// Why a bulletin could not be made into a PDF (a font that does not load or subset: a
/// defect of the build, not of the bulletin).
#[derive(Debug)]
pub struct PdfError(pub String);

impl std::fmt::Display for PdfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "bulletin PDF: {}", self.0)
    }
}

impl std::error::Error for PdfError {}

/// The faces of one document.
struct Fonts {
    regular: Face,
    bold: Face,
}

impl Fonts {
    fn load() -> Result<Self, PdfError> {
        Ok(Fonts { regular: Face::load(REGULAR_TTF, "DejaVuSans")?, bold: Face::load(BOLD_TTF, "DejaVuSans-Bold")? })
    }

    fn get(&self, font: Font) -> &Face {
        match font {
            Font::Regular => &self.regular,
            Font::Bold => &self.bold,
        }
    }

    fn get_mut(&mut self, font: Font) -> &mut Face {
        match font {
            Font::Regular => &mut self.regular,
            Font::Bold => &mut self.bold,
        }
    }
}

/// Splits `text` into lines no wider than `max` points at `size`; kept line breaks stay, a
/// word longer than a line is cut.
fn wrap(face: &Face, text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
            if face.width(&candidate, size) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if face.width(&piece, size) > max {
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
    fonts: Fonts,
    pages: Vec<Content>,
    page: Content,
    y: f32,
}

impl Writer {
    fn new(fonts: Fonts) -> Self {
        Writer { fonts, pages: Vec::new(), page: Content::new(), y: PAGE_H - MARGIN }
    }

    fn text(&mut self, font: Font, size: f32, x: f32, y: f32, s: &str) {
        let glyphs = self.fonts.get_mut(font).encode(s);
        self.page.begin_text();
        self.page.set_font(font.resource(), size);
        self.page.next_line(x, y);
        self.page.show(Str(&glyphs));
        self.page.end_text();
    }

    fn text_right(&mut self, font: Font, size: f32, right: f32, y: f32, s: &str) {
        let w = self.fonts.get(font).width(s, size);
        self.text(font, size, right - w, y, s);
    }

    /// Lines of `text` no wider than `max` points at `size` in `font`.
    fn wrap(&self, font: Font, text: &str, size: f32, max: f32) -> Vec<String> {
        wrap(self.fonts.get(font), text, size, max)
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
    w.text(Font::Bold, 8.0, COL_SUBJECT + 3.0, base, "Matière");
    for (i, label) in ["Élève", "Classe", "Min.", "Max."].iter().enumerate() {
        w.text_right(Font::Bold, 8.0, COL_FIGURES + (i as f32 + 1.0) * W_FIGURE - 4.0, base, label);
    }
    w.text(Font::Bold, 8.0, COL_APPRECIATION, base, "Appréciation");
    w.y = top - 16.0;
}

fn dash(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "—".into())
}

/// The bulletin as a PDF document.
pub fn render(b: &Bulletin) -> Result<Vec<u8>, PdfError> {
    let mut w = Writer::new(Fonts::load()?);

    // Header: establishment on the left, the bulletin and the student on the right.
    let top = w.y;
    w.text(Font::Bold, 13.0, MARGIN, top - 12.0, &b.establishment);
    w.text(Font::Regular, 9.0, MARGIN, top - 26.0, &format!("UAI {} · Année scolaire {}", b.uai, b.school_year));
    w.text_right(Font::Bold, 13.0, PAGE_W - MARGIN, top - 12.0, &format!("Bulletin · {}", b.period));
    w.text_right(Font::Bold, 11.0, PAGE_W - MARGIN, top - 27.0, &b.student_name);
    let class_line = match &b.head_teacher {
        Some(h) => format!("Classe {} · Professeur principal : {h}", b.class_name),
        None => format!("Classe {}", b.class_name),
    };
    w.text_right(Font::Regular, 9.0, PAGE_W - MARGIN, top - 40.0, &class_line);
    if b.issued_on.is_none() {
        w.text(Font::Bold, 9.0, MARGIN, top - 40.0, "Bulletin provisoire (période non clôturée)");
    }
    w.y = top - 52.0;
    w.rule(w.y, 0.4);
    w.y -= 10.0;
    table_header(&mut w);

    for s in &b.subjects {
        let subject_lines = w.wrap(Font::Bold, &s.name, 9.0, W_SUBJECT - 6.0);
        let teacher_lines =
            if s.teachers.is_empty() { Vec::new() } else { w.wrap(Font::Regular, &s.teachers, 7.5, W_SUBJECT - 6.0) };
        let appreciation = w.wrap(Font::Regular, s.appreciation.as_deref().unwrap_or(""), 8.0, W_APPRECIATION - 4.0);
        let left_h = subject_lines.len() as f32 * 11.0 + teacher_lines.len() as f32 * 9.0 + 8.0;
        let right_h = appreciation.len() as f32 * 10.0 + 8.0;
        let h = left_h.max(right_h).max(24.0);
        w.ensure(h, table_header);
        let top = w.y;
        let mut y = top - 11.0;
        for line in &subject_lines {
            w.text(Font::Bold, 9.0, COL_SUBJECT + 3.0, y, line);
            y -= 11.0;
        }
        for line in &teacher_lines {
            w.text(Font::Regular, 7.5, COL_SUBJECT + 3.0, y + 1.0, line);
            y -= 9.0;
        }
        if s.coefficient != "1" {
            w.text(Font::Regular, 7.5, COL_SUBJECT + 3.0, y + 1.0, &format!("Coefficient {}", s.coefficient));
        }
        let figures = [&s.average, &s.class_average, &s.class_min, &s.class_max];
        for (i, f) in figures.iter().enumerate() {
            let font = if i == 0 { Font::Bold } else { Font::Regular };
            w.text_right(font, 9.0, COL_FIGURES + (i as f32 + 1.0) * W_FIGURE - 4.0, top - 11.0, &dash(f));
        }
        let mut y = top - 11.0;
        for line in &appreciation {
            w.text(Font::Regular, 8.0, COL_APPRECIATION, y, line);
            y -= 10.0;
        }
        w.y = top - h;
        w.rule(w.y, 0.75);
    }

    // General average.
    w.ensure(24.0, table_header);
    let top = w.y;
    w.fill(MARGIN, top - 20.0, PAGE_W - 2.0 * MARGIN, 20.0, 0.95);
    w.text(Font::Bold, 9.5, COL_SUBJECT + 3.0, top - 13.5, "Moyenne générale");
    let general = [&b.general_average, &b.class_general_average, &b.class_general_min, &b.class_general_max];
    for (i, f) in general.iter().enumerate() {
        let font = if i == 0 { Font::Bold } else { Font::Regular };
        w.text_right(font, 9.5, COL_FIGURES + (i as f32 + 1.0) * W_FIGURE - 4.0, top - 13.5, &dash(f));
    }
    w.y = top - 34.0;

    // General appréciation, attendance, issue line.
    let general_lines = w.wrap(
        Font::Regular,
        b.general_appreciation.as_deref().unwrap_or("Pas d'appréciation générale."),
        9.0,
        PAGE_W - 2.0 * MARGIN,
    );
    w.ensure(16.0 + general_lines.len() as f32 * 12.0, |_| {});
    let y = w.y;
    w.text(Font::Bold, 10.0, MARGIN, y, "Appréciation générale du conseil de classe");
    w.y -= 15.0;
    for line in &general_lines {
        let y = w.y;
        w.text(Font::Regular, 9.0, MARGIN, y, line);
        w.y -= 12.0;
    }
    w.y -= 8.0;
    w.ensure(30.0, |_| {});
    let y = w.y;
    w.text(
        Font::Regular,
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

    // Footers now that the page count is known, then the fonts (subset to every glyph
    // drawn, footers included) and the document.
    let total = w.pages.len();
    let issued = match &b.issued_on {
        Some(d) => format!("Bulletin édité le {d} par {} · Préau", b.establishment),
        None => "Bulletin provisoire · Préau".to_string(),
    };
    let mut pages = Vec::with_capacity(total);
    for (i, mut content) in std::mem::take(&mut w.pages).into_iter().enumerate() {
        let footer = w.fonts.regular.encode(&format!("{issued} · page {}/{total}", i + 1));
        content.begin_text();
        content.set_font(Font::Regular.resource(), 7.5);
        content.next_line(MARGIN, MARGIN - 12.0);
        content.show(Str(&footer));
        content.end_text();
        pages.push(content);
    }
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let info = Ref::new(3);
    // Five objects per font (see `Face::write`).
    let regular = Ref::new(4);
    let bold = Ref::new(9);
    let first_page = 14;
    let page_ids: Vec<Ref> = (0..total).map(|i| Ref::new(first_page + 2 * i as i32)).collect();
    pdf.catalog(catalog).pages(tree).lang(TextStr("fr-FR"));
    pdf.pages(tree).kids(page_ids.iter().copied()).count(total as i32);
    w.fonts.regular.write(&mut pdf, regular, "PREAUR")?;
    w.fonts.bold.write(&mut pdf, bold, "PREAUB")?;
    pdf.document_info(info)
        .title(TextStr(&format!("Bulletin {} · {}", b.period, b.student_name)))
        .author(TextStr(&b.establishment))
        .producer(TextStr("Préau"));
    for (i, content) in pages.into_iter().enumerate() {
        let content_id = Ref::new(first_page + 2 * i as i32 + 1);
        let mut page = pdf.page(page_ids[i]);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H)).parent(tree).contents(content_id);
        page.resources().fonts().pair(Font::Regular.resource(), regular).pair(Font::Bold.resource(), bold);
        page.finish();
        pdf.stream(content_id, &content.finish());
    }
    Ok(pdf.finish())
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

    type Fallible<T = ()> = Result<T, Box<dyn std::error::Error>>;

    /// A text run: font resource name, size, x, y, and the glyph ids.
    type Run = (Vec<u8>, f32, f32, f32, Vec<u16>);

    /// Every text run of the first page.
    fn runs(doc: &lopdf::Document) -> Fallible<Vec<Run>> {
        let page = *doc.get_pages().get(&1).ok_or("no first page")?;
        let content = lopdf::content::Content::decode(&doc.get_page_content(page))?;
        let (mut font, mut size, mut x, mut y) = (Vec::new(), 0.0, 0.0, 0.0);
        let mut out = Vec::new();
        for op in content.operations {
            let operand = |i: usize| op.operands.get(i).ok_or("an operand is missing");
            match op.operator.as_str() {
                "Tf" => {
                    font = operand(0)?.as_name()?.to_vec();
                    size = operand(1)?.as_float()?;
                }
                "Td" => (x, y) = (operand(0)?.as_float()?, operand(1)?.as_float()?),
                "Tj" => {
                    let bytes = operand(0)?.as_str()?;
                    let glyphs =
                        bytes.chunks(2).map(|p| u16::from_be_bytes([p[0], p.get(1).copied().unwrap_or(0)])).collect();
                    out.push((font.clone(), size, x, y, glyphs));
                }
                _ => {}
            }
        }
        Ok(out)
    }

    /// The widths (thousandths of the size) of a page font's glyphs, from its `W` array.
    fn widths(doc: &lopdf::Document, font: &[u8]) -> Fallible<BTreeMap<u16, f32>> {
        let page = *doc.get_pages().get(&1).ok_or("no first page")?;
        let fonts = doc.get_page_fonts(page)?;
        let type0 = fonts.get(font).ok_or("the font is not on the page")?;
        let descendants = type0.get(b"DescendantFonts")?.as_array()?;
        let cid = doc.get_dictionary(descendants.first().ok_or("no descendant")?.as_reference()?)?;
        let w = cid.get(b"W")?.as_array()?;
        let mut out = BTreeMap::new();
        for pair in w.chunks(2) {
            let start = u16::try_from(pair[0].as_i64()?)?;
            for (k, width) in pair.get(1).ok_or("a start without widths")?.as_array()?.iter().enumerate() {
                out.insert(start + k as u16, width.as_float()?);
            }
        }
        Ok(out)
    }

    #[test]
    fn names_outside_win_ansi_come_back_from_the_pdf_and_bold_stays_in_its_column() -> Fallible {
        let mut b = bulletin(1, "Très bien.");
        b.student_name = "Łukasz Nguyễn-Şahin".into();
        b.subjects[0].name = "SCIENCES DE LA VIE ET DE LA TERRE".into();
        b.subjects[0].teachers = "Ayşe Šimonová".into();
        let pdf = render(&b)?;
        let doc = lopdf::Document::load_mem(&pdf)?;
        let text = doc.extract_text(&[1])?;
        // Lines wrap where the layout chose: compared with the lines joined.
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for name in ["Łukasz Nguyễn-Şahin", "Ayşe Šimonová", "SCIENCES DE LA VIE ET DE LA TERRE"] {
            assert!(flat.contains(name), "« {name} » in {text}");
        }
        assert!(!text.contains('?'), "no character replaced: {text}");

        // Every run of the subject column ends before the figures, measured with the widths
        // the PDF itself declares for the font it is drawn in.
        let mut checked = 0;
        for (font, size, x, _, glyphs) in runs(&doc)? {
            // The subject cell's text starts 3 pt into it (the page's header above the table
            // starts at the margin and is laid out on its own).
            if x != COL_SUBJECT + 3.0 {
                continue;
            }
            let w = widths(&doc, &font)?;
            let run =
                glyphs.iter().map(|g| w.get(g).copied().ok_or("a glyph without width")).sum::<Result<f32, _>>()? * size
                    / 1000.0;
            assert!(x + run <= COL_FIGURES, "a run of {run} pt at {x} crosses into the figures");
            checked += 1;
        }
        assert!(checked >= 4, "the subject's lines, its teacher, the header: {checked}");
        // The bold face is wider: measured with the regular one, the subject would overflow.
        let fonts = Fonts::load()?;
        let subject = "SCIENCES DE LA VIE ET DE";
        assert!(fonts.bold.width(subject, 9.0) > fonts.regular.width(subject, 9.0));
        Ok(())
    }

    #[test]
    fn a_subset_is_a_fraction_of_the_font() -> Fallible {
        let pdf = render(&bulletin(3, "Bien."))?;
        assert!(pdf.len() < 60 * 1024, "{} bytes", pdf.len());
        assert!(String::from_utf8_lossy(&pdf).contains("/Identity-H"));
        Ok(())
    }

    #[test]
    fn wrapping_keeps_every_word_within_the_width() -> Fallible {
        let fonts = Fonts::load()?;
        let face = &fonts.regular;
        let text = "Un trimestre sérieux et régulier ; les résultats progressent nettement en fin de période.\nContinuez ainsi.";
        let lines = wrap(face, text, 8.0, 120.0);
        assert!(lines.len() >= 3);
        assert!(lines.iter().all(|l| face.width(l, 8.0) <= 120.0));
        assert_eq!(lines.join(" ").split_whitespace().collect::<Vec<_>>(), text.split_whitespace().collect::<Vec<_>>());
        let long = wrap(face, &"a".repeat(200), 8.0, 50.0);
        assert!(long.len() > 1 && long.iter().all(|l| face.width(l, 8.0) <= 50.0));
        Ok(())
    }

    #[test]
    fn a_bulletin_renders_as_a_pdf_and_long_ones_take_several_pages() -> Fallible {
        let short = render(&bulletin(3, "Bien."))?;
        assert!(short.starts_with(b"%PDF-"));
        assert_eq!(page_count(&short), 1);
        let long = render(&bulletin(14, &"Travail régulier et participation active. ".repeat(14)))?;
        assert!(page_count(&long) >= 2, "pages: {}", page_count(&long));
        Ok(())
    }
}
