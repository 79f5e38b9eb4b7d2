//! The Markdown subset of pads: what the `.html` export renders and the editor's preview
//! shows. [`parse`] reads a text into [`Block`]s of [`Inline`]s; [`to_html`] writes them as
//! HTML in which every character of the text is escaped.
//!
//! Blocks, one per group of lines (a blank line ends a paragraph, a list or a quote):
//! - `# `, `## `, `### ` a heading (level 1 to 3; `####` is text);
//! - `- ` or `* ` a bullet item, `1. ` (any number, then `. `) a numbered item; consecutive
//!   items of one kind are one list;
//! - `> ` (or `>` alone) a quote line; consecutive ones are one quote;
//! - a line of three backticks opens a code block, kept as typed, up to the next such line
//!   (or the end of the text);
//! - any other lines: a paragraph, its line breaks kept.
//!
//! Inside a heading, paragraph, item or quote: `**bold**`, `*italic*` (they nest, as in
//! `***both***`), `` `code` `` (kept as typed) and `\` before a punctuation character to
//! write it as itself. Nothing else: no raw HTML (`<b>` is text), no links, no images. A star
//! opens only when followed by a non-space and closes only after one, so `2 * 3 * 4` stays
//! text; an emphasis left open is text.
//!
//! Both functions take linear time in the text: every line is looked at once, every
//! character of a block once, and at most one bold and one italic are open at a time (a
//! second `**` closes the first).

/// A block of a pad's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// `level` is 1 to 3.
    Heading {
        level: u8,
        inlines: Vec<Inline>,
    },
    Paragraph(Vec<Inline>),
    /// Each item's inlines; `ordered` for a numbered list.
    List {
        ordered: bool,
        items: Vec<Vec<Inline>>,
    },
    Quote(Vec<Inline>),
    /// A fenced code block's lines, joined by `\n`.
    Code(String),
}

/// A piece of text inside a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Bold(Vec<Inline>),
    Italic(Vec<Inline>),
    Code(String),
    LineBreak,
}

enum Line<'a> {
    Blank,
    Heading(u8, &'a str),
    Item(bool, &'a str),
    Quote(&'a str),
    Fence,
    Text(&'a str),
}

fn classify(line: &str) -> Line<'_> {
    let t = line.trim_start();
    if t.trim().is_empty() {
        return Line::Blank;
    }
    if t.trim_end().starts_with("```") && t.trim_end().chars().all(|c| c == '`') {
        return Line::Fence;
    }
    let hashes = t.bytes().take_while(|b| *b == b'#').count();
    if (1..=3).contains(&hashes) && t[hashes..].starts_with(' ') {
        return Line::Heading(hashes as u8, t[hashes + 1..].trim());
    }
    if let Some(rest) = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")) {
        return Line::Item(false, rest);
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && digits <= 9 && t[digits..].starts_with(". ") {
        return Line::Item(true, &t[digits + 2..]);
    }
    if let Some(rest) = t.strip_prefix('>') {
        return Line::Quote(rest.strip_prefix(' ').unwrap_or(rest));
    }
    Line::Text(line.trim())
}

/// What is being gathered across lines.
enum Open {
    None,
    Paragraph(Vec<String>),
    List(bool, Vec<Vec<Inline>>),
    Quote(Vec<String>),
    Code(Vec<String>),
}

fn lines_to_inlines(lines: &[String]) -> Vec<Inline> {
    inlines(&lines.join("\n"))
}

fn close(open: Open, out: &mut Vec<Block>) {
    match open {
        Open::None => {}
        Open::Paragraph(lines) => out.push(Block::Paragraph(lines_to_inlines(&lines))),
        Open::List(ordered, items) => out.push(Block::List { ordered, items }),
        Open::Quote(lines) => out.push(Block::Quote(lines_to_inlines(&lines))),
        Open::Code(lines) => out.push(Block::Code(lines.join("\n"))),
    }
}

/// Reads a pad's text into blocks (see the module's documentation for the syntax).
pub fn parse(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open = Open::None;
    for raw in text.lines() {
        if let Open::Code(lines) = &mut open {
            if matches!(classify(raw), Line::Fence) {
                close(std::mem::replace(&mut open, Open::None), &mut out);
            } else {
                lines.push(raw.to_string());
            }
            continue;
        }
        match classify(raw) {
            Line::Blank => close(std::mem::replace(&mut open, Open::None), &mut out),
            Line::Fence => {
                close(std::mem::replace(&mut open, Open::None), &mut out);
                open = Open::Code(Vec::new());
            }
            Line::Heading(level, rest) => {
                close(std::mem::replace(&mut open, Open::None), &mut out);
                out.push(Block::Heading { level, inlines: inlines(rest) });
            }
            Line::Item(ordered, rest) => match &mut open {
                Open::List(o, items) if *o == ordered => items.push(inlines(rest)),
                _ => {
                    close(std::mem::replace(&mut open, Open::None), &mut out);
                    open = Open::List(ordered, vec![inlines(rest)]);
                }
            },
            Line::Quote(rest) => match &mut open {
                Open::Quote(lines) => lines.push(rest.to_string()),
                _ => {
                    close(std::mem::replace(&mut open, Open::None), &mut out);
                    open = Open::Quote(vec![rest.to_string()]);
                }
            },
            Line::Text(rest) => match &mut open {
                Open::Paragraph(lines) => lines.push(rest.to_string()),
                _ => {
                    close(std::mem::replace(&mut open, Open::None), &mut out);
                    open = Open::Paragraph(vec![rest.to_string()]);
                }
            },
        }
    }
    close(open, &mut out);
    out
}

/// An emphasis being read: its kind (true: bold), what it holds so far.
struct Frame {
    bold: bool,
    children: Vec<Inline>,
}

fn push_text(into: &mut Vec<Inline>, s: &str) {
    if s.is_empty() {
        return;
    }
    match into.last_mut() {
        Some(Inline::Text(t)) => t.push_str(s),
        _ => into.push(Inline::Text(s.to_string())),
    }
}

/// Inline pieces of one block's text (`\n` is a line break).
fn inlines(text: &str) -> Vec<Inline> {
    let chars: Vec<char> = text.chars().collect();
    // For each position, the next backtick after it (or none): finding a code span's end
    // never scans twice.
    let mut next_tick = vec![usize::MAX; chars.len() + 1];
    for i in (0..chars.len()).rev() {
        next_tick[i] = if chars.get(i + 1) == Some(&'`') { i + 1 } else { next_tick[i + 1] };
    }
    let mut root: Vec<Inline> = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut buf = String::new();
    let flush = |buf: &mut String, root: &mut Vec<Inline>, stack: &mut Vec<Frame>| {
        let target = match stack.last_mut() {
            Some(f) => &mut f.children,
            None => root,
        };
        push_text(target, buf);
        buf.clear();
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if chars.get(i + 1).is_some_and(|n| n.is_ascii_punctuation()) => {
                buf.push(chars[i + 1]);
                i += 2;
            }
            '\n' => {
                flush(&mut buf, &mut root, &mut stack);
                match stack.last_mut() {
                    Some(f) => f.children.push(Inline::LineBreak),
                    None => root.push(Inline::LineBreak),
                }
                i += 1;
            }
            '`' if next_tick[i] != usize::MAX => {
                let end = next_tick[i];
                flush(&mut buf, &mut root, &mut stack);
                let code: String = chars[i + 1..end].iter().collect();
                match stack.last_mut() {
                    Some(f) => f.children.push(Inline::Code(code)),
                    None => root.push(Inline::Code(code)),
                }
                i = end + 1;
            }
            '*' => {
                let run = chars[i..].iter().take_while(|c| **c == '*').count();
                let before = i.checked_sub(1).map(|p| chars[p]);
                let after = chars.get(i + run).copied();
                let can_close = before.is_some_and(|b| !b.is_whitespace());
                let can_open = after.is_some_and(|a| !a.is_whitespace());
                flush(&mut buf, &mut root, &mut stack);
                let mut left = run;
                if can_close {
                    left = close_emphasis(left, &mut root, &mut stack);
                }
                if can_open {
                    let has = |stack: &[Frame], bold: bool| stack.iter().any(|f| f.bold == bold);
                    if left >= 2 && !has(&stack, true) {
                        stack.push(Frame { bold: true, children: Vec::new() });
                        left -= 2;
                    }
                    if left >= 1 && !has(&stack, false) {
                        stack.push(Frame { bold: false, children: Vec::new() });
                        left -= 1;
                    }
                }
                for _ in 0..left {
                    buf.push('*');
                }
                i += run;
            }
            _ => {
                buf.push(c);
                i += 1;
            }
        }
    }
    flush(&mut buf, &mut root, &mut stack);
    // Emphasis left open is text: its star(s), then what it held.
    while let Some(frame) = stack.pop() {
        unwrap_frame(frame, &mut root, &mut stack);
    }
    root
}

/// Puts an unclosed frame back as text into whatever holds it.
fn unwrap_frame(frame: Frame, root: &mut Vec<Inline>, stack: &mut [Frame]) {
    let target = match stack.last_mut() {
        Some(f) => &mut f.children,
        None => root,
    };
    push_text(target, if frame.bold { "**" } else { "*" });
    for child in frame.children {
        match child {
            Inline::Text(t) => push_text(target, &t),
            other => target.push(other),
        }
    }
}

/// Closes open emphases with a run of `left` stars, innermost first; returns the stars
/// left. An emphasis closed while another opened inside it is still open makes that inner
/// one text.
fn close_emphasis(mut left: usize, root: &mut Vec<Inline>, stack: &mut Vec<Frame>) -> usize {
    loop {
        let want_bold = match stack.last() {
            Some(top) if top.bold && left >= 2 => true,
            Some(top) if !top.bold && left >= 1 => false,
            // The top cannot close with these stars: a frame below it may (`*a **b* c`).
            Some(top) => {
                let below = stack.len().checked_sub(2).map(|k| stack[k].bold);
                match below {
                    Some(true) if left >= 2 && !top.bold => true,
                    Some(false) if top.bold => false,
                    _ => return left,
                }
            }
            None => return left,
        };
        // Unwrap frames above the one that closes.
        while stack.last().is_some_and(|f| f.bold != want_bold) {
            if let Some(frame) = stack.pop() {
                unwrap_frame(frame, root, stack);
            }
        }
        let Some(frame) = stack.pop() else { return left };
        left -= if want_bold { 2 } else { 1 };
        let node = if frame.children.is_empty() {
            // "****" or "**": nothing inside, keep the stars as typed.
            Inline::Text(if want_bold { "****".into() } else { "**".into() })
        } else if want_bold {
            Inline::Bold(frame.children)
        } else {
            Inline::Italic(frame.children)
        };
        let target = match stack.last_mut() {
            Some(f) => &mut f.children,
            None => root,
        };
        match node {
            Inline::Text(t) => push_text(target, &t),
            other => target.push(other),
        }
    }
}

/// Escapes text for HTML content and attribute values.
pub fn escape_html(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

fn inlines_html(inlines: &[Inline], out: &mut String) {
    for i in inlines {
        match i {
            Inline::Text(t) => escape_html(t, out),
            Inline::Bold(c) => {
                out.push_str("<strong>");
                inlines_html(c, out);
                out.push_str("</strong>");
            }
            Inline::Italic(c) => {
                out.push_str("<em>");
                inlines_html(c, out);
                out.push_str("</em>");
            }
            Inline::Code(c) => {
                out.push_str("<code>");
                escape_html(c, out);
                out.push_str("</code>");
            }
            Inline::LineBreak => out.push_str("<br>\n"),
        }
    }
}

/// Writes blocks as HTML elements (`h1`–`h3`, `p`, `ul`/`ol`/`li`, `blockquote`,
/// `pre`/`code`, `strong`, `em`, `code`, `br`), the text escaped.
pub fn blocks_to_html(blocks: &[Block]) -> String {
    let mut out = String::new();
    for b in blocks {
        match b {
            Block::Heading { level, inlines } => {
                out.push_str(&format!("<h{level}>"));
                inlines_html(inlines, &mut out);
                out.push_str(&format!("</h{level}>\n"));
            }
            Block::Paragraph(inlines) => {
                out.push_str("<p>");
                inlines_html(inlines, &mut out);
                out.push_str("</p>\n");
            }
            Block::List { ordered, items } => {
                let tag = if *ordered { "ol" } else { "ul" };
                out.push_str(&format!("<{tag}>\n"));
                for item in items {
                    out.push_str("<li>");
                    inlines_html(item, &mut out);
                    out.push_str("</li>\n");
                }
                out.push_str(&format!("</{tag}>\n"));
            }
            Block::Quote(inlines) => {
                out.push_str("<blockquote><p>");
                inlines_html(inlines, &mut out);
                out.push_str("</p></blockquote>\n");
            }
            Block::Code(code) => {
                out.push_str("<pre><code>");
                escape_html(code, &mut out);
                out.push_str("</code></pre>\n");
            }
        }
    }
    out
}

/// A pad's text as HTML elements ([`parse`] then [`blocks_to_html`]).
pub fn to_html(text: &str) -> String {
    blocks_to_html(&parse(text))
}

/// A complete HTML document for a pad's `.html` export: its title and its text, both
/// escaped, with a few lines of style and nothing that runs.
pub fn to_html_document(title: &str, text: &str) -> String {
    let mut escaped_title = String::new();
    escape_html(title, &mut escaped_title);
    format!(
        "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{escaped_title}</title>\n\
         <style>body{{font-family:system-ui,sans-serif;line-height:1.5;max-width:45rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}}\
         blockquote{{border-left:4px solid #d5dae0;margin-left:0;padding-left:1rem;color:#555d66}}\
         pre,code{{background:#f4f6f9;border-radius:4px}}pre{{padding:.75rem;overflow-x:auto}}</style>\n\
         </head>\n<body>\n{}</body>\n</html>\n",
        to_html(text)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Inline {
        Inline::Text(s.into())
    }

    #[test]
    fn headings_paragraphs_lists_quotes_and_code_blocks_are_told_apart() {
        let text = "# Titre\n## Sous-titre\n### Trois\n#### Quatre\n\nUne ligne\net la suivante\n\n- un\n* deux\n1. premier\n2. second\n> cité\n> encore\n```\n<b> *pas* de mise en forme\n```\n#sans espace";
        assert_eq!(
            parse(text),
            vec![
                Block::Heading { level: 1, inlines: vec![t("Titre")] },
                Block::Heading { level: 2, inlines: vec![t("Sous-titre")] },
                Block::Heading { level: 3, inlines: vec![t("Trois")] },
                Block::Paragraph(vec![t("#### Quatre")]),
                Block::Paragraph(vec![t("Une ligne"), Inline::LineBreak, t("et la suivante")]),
                Block::List { ordered: false, items: vec![vec![t("un")], vec![t("deux")]] },
                Block::List { ordered: true, items: vec![vec![t("premier")], vec![t("second")]] },
                Block::Quote(vec![t("cité"), Inline::LineBreak, t("encore")]),
                Block::Code("<b> *pas* de mise en forme".into()),
                Block::Paragraph(vec![t("#sans espace")]),
            ]
        );
    }

    #[test]
    fn bold_italic_and_code_nest_and_stars_between_spaces_stay_text() {
        assert_eq!(
            inlines("**gras** et *italique* et `a*b*c` et ***les deux***"),
            vec![
                Inline::Bold(vec![t("gras")]),
                t(" et "),
                Inline::Italic(vec![t("italique")]),
                t(" et "),
                Inline::Code("a*b*c".into()),
                t(" et "),
                Inline::Bold(vec![Inline::Italic(vec![t("les deux")])]),
            ]
        );
        assert_eq!(inlines("2 * 3 * 4"), vec![t("2 * 3 * 4")]);
        assert_eq!(inlines("**ouvert sans fin"), vec![t("**ouvert sans fin")]);
        assert_eq!(inlines("*a **b* c**"), vec![Inline::Italic(vec![t("a **b")]), t(" c**")]);
        assert_eq!(inlines(r"\*pas italique\*"), vec![t("*pas italique*")]);
        assert_eq!(inlines("`sans fin"), vec![t("`sans fin")]);
    }

    #[test]
    fn html_escapes_everything_and_allows_only_its_own_tags() {
        let html = to_html(
            "# <script>alert(1)</script>\n\n<img src=x \"onerror=alert(1)\">\n\n**<b>x</b>** `<i>` [lien](javascript:alert(1))\n\n> 'citation' & co",
        );
        assert_eq!(
            html,
            "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>\n\
             <p>&lt;img src=x &quot;onerror=alert(1)&quot;&gt;</p>\n\
             <p><strong>&lt;b&gt;x&lt;/b&gt;</strong> <code>&lt;i&gt;</code> [lien](javascript:alert(1))</p>\n\
             <blockquote><p>&#39;citation&#39; &amp; co</p></blockquote>\n"
        );
        // The only tags are the renderer's own.
        let tags: Vec<&str> = html.split('<').skip(1).map(|s| s.split(['>', ' ']).next().unwrap_or("")).collect();
        let allowed = ["h1", "/h1", "p", "/p", "strong", "/strong", "code", "/code", "blockquote", "/blockquote"];
        assert!(tags.iter().all(|t| allowed.contains(t)), "{tags:?}");
    }

    #[test]
    fn lists_render_as_list_elements_and_line_breaks_as_br() {
        assert_eq!(
            to_html("1. un *deux*\n2. trois\n\nligne\nsuivante"),
            "<ol>\n<li>un <em>deux</em></li>\n<li>trois</li>\n</ol>\n<p>ligne<br>\nsuivante</p>\n"
        );
    }

    #[test]
    fn the_document_escapes_its_title() {
        let doc = to_html_document("<Compte> \"rendu\"", "texte");
        assert!(doc.starts_with("<!DOCTYPE html>"));
        assert!(doc.contains("<title>&lt;Compte&gt; &quot;rendu&quot;</title>"));
        assert!(doc.contains("<p>texte</p>"));
        assert!(!doc.contains("<script"));
    }

    #[test]
    fn hostile_input_is_read_in_linear_time_and_stays_escaped() {
        // 200,000 stars, nested openings, unclosed backticks and 50,000 quote markers: a
        // quadratic reader would take minutes here.
        let stars = "*".repeat(200_000);
        assert_eq!(to_html(&stars), format!("<p>{stars}</p>\n"));
        let nested = "**a *b ".repeat(50_000);
        let html = to_html(&nested);
        assert!(html.contains("**a"));
        let ticks = "` ".repeat(100_000);
        assert!(to_html(&ticks).starts_with("<p>"));
        let quotes = "> <script>\n".repeat(50_000);
        let html = to_html(&quotes);
        assert!(!html.contains("<script>"));
        assert_eq!(html.matches("&lt;script&gt;").count(), 50_000);
    }
}
