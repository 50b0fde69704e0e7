//! Quoted citations: a citation's `quote` must occur at its line of the
//! document's text, or within [`WINDOW`] lines of it.
//!
//! Quote and text are compared after the same normalisation (documented in
//! `data/sources/README.md`), so an editor can type a quote naturally while a
//! changed word or figure still fails.

/// How many lines either side of the cited line a quote may sit.
pub const WINDOW: usize = 3;

/// Where a quote was found relative to the cited line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// At the cited line or within the window around it.
    Near,
    /// Only elsewhere: the first line the quote starts on.
    Elsewhere(usize),
    /// Nowhere in the document.
    Nowhere,
}

/// The text as the check compares it: composed (NFC, so a quote typed with
/// combining marks matches the document, and the other way round), tags and
/// `*` dropped, lower case, ё→е, one kind of quotation mark and dash, single
/// spaces.
pub fn normalize(text: &str) -> String {
    let text = crate::ru::nfc(text);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut space = true;
    let push = |out: &mut String, c: char, space: &mut bool| {
        if c == ' ' {
            if !*space {
                out.push(' ');
            }
            *space = true;
        } else {
            out.push(c);
            *space = false;
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '<' if chars
                .peek()
                .is_some_and(|n| n.is_ascii_alphabetic() || *n == '/') =>
            {
                for n in chars.by_ref() {
                    if n == '>' {
                        break;
                    }
                }
                push(&mut out, ' ', &mut space);
            }
            // Markdown emphasis: «(в 2013 г. - **44**)» reads «(в 2013 г. - 44)».
            '*' => {}
            '«' | '»' | '„' | '“' | '”' | '"' | '\'' | '‘' | '’' => {
                push(&mut out, '"', &mut space)
            }
            '‐' | '‑' | '–' | '—' | '−' => push(&mut out, '-', &mut space),
            'ё' | 'Ё' => push(&mut out, 'е', &mut space),
            c if c.is_whitespace() => push(&mut out, ' ', &mut space),
            c => {
                for l in c.to_lowercase() {
                    push(&mut out, l, &mut space);
                }
            }
        }
    }
    // Marks and spaces only touch each other through the rules above; a quote
    // typed as «слово» and a text with "слово" now compare equal.
    out.trim_end().to_string()
}

/// Lines `from..=to` (1-based, clamped) of `lines`, normalised and joined.
fn window(lines: &[String], from: usize, to: usize) -> String {
    let from = from.max(1);
    let to = to.min(lines.len());
    if from > to {
        return String::new();
    }
    lines[from - 1..to]
        .iter()
        .filter(|l| !l.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Normalised lines of a document, computed once per document.
pub struct Document {
    lines: Vec<String>,
}

impl Document {
    pub fn new(text: &str) -> Self {
        Document {
            lines: text.lines().map(normalize).collect(),
        }
    }

    pub fn line_count(&self) -> usize {
        self.lines.len()
    }

    /// Whether `quote` occurs at `line` (1-based) or within the window.
    pub fn locate(&self, line: usize, quote: &str) -> Found {
        let q = normalize(quote);
        if q.is_empty() {
            return Found::Nowhere;
        }
        let near = window(
            &self.lines,
            line.saturating_sub(WINDOW),
            line.saturating_add(WINDOW),
        );
        if near.contains(&q) {
            return Found::Near;
        }
        // The first line a match starts on: the match lies in the window
        // opening at that line and begins inside that line's own text.
        for start in 1..=self.lines.len() {
            let own = &self.lines[start - 1];
            if own.is_empty() {
                continue;
            }
            let joined = window(&self.lines, start, start + 2 * WINDOW);
            if let Some(pos) = joined.find(&q)
                && pos < own.len()
            {
                return Found::Elsewhere(start);
            }
        }
        Found::Nowhere
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "Заголовок\n\n<p>Кризисные квартиры для мам с детьми.</p>\n\
                        \nСрок пребывания\nОт 1 до 3 месяцев\n\n\n\n\n\nПоследняя «строка» — ёлка";

    #[test]
    fn a_quote_at_its_line_or_a_few_lines_away_is_found() {
        let d = Document::new(TEXT);
        assert_eq!(d.locate(3, "Кризисные квартиры для мам"), Found::Near);
        assert_eq!(d.locate(5, "кризисные квартиры"), Found::Near);
        // Split over two lines of the source.
        assert_eq!(
            d.locate(5, "Срок пребывания от 1 до 3 месяцев"),
            Found::Near
        );
    }

    #[test]
    fn quotes_ignore_tags_case_yo_marks_and_dashes() {
        let d = Document::new(TEXT);
        assert_eq!(d.locate(12, "последняя \"строка\" - елка"), Found::Near);
        assert_eq!(d.locate(12, "Последняя «строка» — ёлка"), Found::Near);
    }

    #[test]
    fn quotes_and_documents_are_compared_composed() {
        // «й» as «и» + U+0306 and «ё» as «е» + U+0308 (NFD) in the quote,
        // then in the document: either way round the words are the same.
        let nfd = "Калужски\u{0438}\u{0306} центр, е\u{0308}лка";
        let d = Document::new("Калужский центр, ёлка");
        assert_eq!(d.locate(1, nfd), Found::Near);
        assert_eq!(
            Document::new(nfd).locate(1, "Калужский центр, ёлка"),
            Found::Near
        );
        assert_eq!(d.locate(1, "Калужски\u{0438} центр"), Found::Nowhere);
    }

    #[test]
    fn a_changed_word_or_figure_is_not_found() {
        let d = Document::new(TEXT);
        assert_eq!(d.locate(6, "От 1 до 4 месяцев"), Found::Nowhere);
        assert_eq!(d.locate(3, "кризисные квартиры для пап"), Found::Nowhere);
    }

    #[test]
    fn a_quote_far_from_its_line_reports_where_it_is() {
        let d = Document::new(TEXT);
        assert_eq!(d.locate(12, "Кризисные квартиры"), Found::Elsewhere(3));
        assert_eq!(d.locate(1, "ёлка"), Found::Elsewhere(12));
    }
}
