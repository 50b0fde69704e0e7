//! What one Markdown text may make: bounds that keep a 2 MB file from
//! costing gigabytes.
//!
//! Markdown's cost is linear in its length except in two places, both
//! measured on 2 MB files (`/usr/bin/time -f %M`):
//!
//! - **Nesting.** `"- " * 900000 + "x"` is a million lists, one inside
//!   the other: 3.6 million events, a 22 MB page and 835 MB at the peak.
//!   [`Nesting`] drops whatever lies deeper than [`MAX_NESTING`] lists and
//!   block quotes while the events stream by, so nothing past that depth
//!   is ever held.
//! - **Table rows padded to the header's width.** A row with fewer cells
//!   than the header gets empty ones; pulldown-cmark caps that per table
//!   (2¹⁸ cells), not per text, so 600 tables of 512 columns and 512 short
//!   rows each made 342 million events and took 8 GB before the first one
//!   reached us. [`oversized_tables`] bounds the cells from the text alone,
//!   before the parser is asked; over [`MAX_TABLE_CELLS`] the text is
//!   rendered with tables off.
//!
//! Everything else measured linear and stays allowed: 300,000 nested
//! emphases, 500,000 nested brackets of links, 300,000 reference links,
//! runs of backticks, `<`, `&#`, `*` and `~~` (0.1 s and under 110 MB each).

use pulldown_cmark::{Event, Tag, TagEnd};

/// How many lists and block quotes may be open at once. Nobody follows a
/// list nested more than a few levels; 32 leaves room for any real text.
pub const MAX_NESTING: usize = 32;

/// How many cells a text's tables may have in all, counted as
/// [`oversized_tables`] bounds them: 16 columns of 4,096 rows.
pub const MAX_TABLE_CELLS: usize = 1 << 16;

/// The first place a text exceeds a limit, with what to tell its editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excess {
    /// Byte offset in the text, and the length to underline.
    pub offset: usize,
    pub len: usize,
    pub message: String,
    pub hint: String,
}

/// The depth of lists and block quotes as the events stream by.
#[derive(Debug, Default)]
pub struct Nesting {
    depth: usize,
    /// Inside a dropped container: how many of its tags are open.
    dropped: usize,
    /// Where the first container too deep starts.
    first_too_deep: Option<usize>,
}

impl Nesting {
    /// Whether to keep `event`, which starts at byte `offset`: a list or
    /// block quote [`MAX_NESTING`] deep is dropped whole, with everything
    /// inside it (its tags are balanced, so the page stays well formed).
    pub fn keep(&mut self, event: &Event<'_>, offset: usize) -> bool {
        if self.dropped > 0 {
            match event {
                Event::Start(_) => self.dropped += 1,
                Event::End(_) => self.dropped -= 1,
                _ => {}
            }
            return false;
        }
        match event {
            Event::Start(Tag::List(_) | Tag::BlockQuote(_)) => {
                if self.depth == MAX_NESTING {
                    self.dropped = 1;
                    self.first_too_deep.get_or_insert(offset);
                    return false;
                }
                self.depth += 1;
            }
            Event::End(TagEnd::List(_) | TagEnd::BlockQuote(_)) => {
                self.depth = self.depth.saturating_sub(1);
            }
            _ => {}
        }
        true
    }

    /// The first place the text nested too deep, once the events are read.
    pub fn excess(&self) -> Option<Excess> {
        self.first_too_deep.map(|offset| Excess {
            offset,
            len: 1,
            message: format!(
                "lists and block quotes are nested more than {MAX_NESTING} levels deep here"
            ),
            hint: "no reader can follow a list this deep: make it flatter (headings or numbered steps instead of lists in lists); what lies deeper is left out of the page".into(),
        })
    }
}

/// Lines of `md` with their byte offsets, ended as CommonMark ends them:
/// by `\n`, `\r\n` or a lone `\r`.
fn lines(md: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = md.as_bytes();
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        let from = start;
        let end = memchr::memchr2(b'\n', b'\r', &bytes[from..]).map_or(bytes.len(), |i| from + i);
        start = match bytes.get(end) {
            Some(b'\r') if bytes.get(end + 1) == Some(&b'\n') => end + 2,
            Some(_) => end + 1,
            None => end,
        };
        Some((from, &md[from..end]))
    })
}

/// How many columns a table whose delimiter row is `line` can have, if
/// `line` can be one. Containers' marks (`>`, indentation) are passed over;
/// then a delimiter row is only `|`, `-`, `:` and spaces, with a `|` and a
/// `-`, and each of its columns is a piece between bars with a `-` or a
/// `:` in it. Generous on purpose: a line taken for a delimiter row that is
/// none only makes the bound looser.
fn delimiter_columns(line: &str) -> Option<usize> {
    let row = line.trim_start_matches([' ', '\t', '>']);
    let only_marks = row
        .bytes()
        .all(|b| matches!(b, b'|' | b'-' | b':' | b' ' | b'\t'));
    (only_marks && row.contains('|') && row.contains('-')).then(|| {
        row.split('|')
            .filter(|cell| cell.contains(['-', ':']))
            .count()
    })
}

/// Whether the tables of `md` could have more than [`MAX_TABLE_CELLS`]
/// cells, padding included: the delimiter row where the bound passes it.
pub fn oversized_tables(md: &str) -> Option<Excess> {
    table_cells_bound(md, MAX_TABLE_CELLS).err()
}

/// At least as many cells as the tables of `md` have below their headers,
/// or, once that passes `limit`, the delimiter row where it does.
///
/// A table starts at its delimiter row and ends, at the latest, at a blank
/// line. So in each run of lines between blank lines, every table has at
/// most as many columns as the widest delimiter row of the run, and all its
/// tables together at most as many rows as the run has lines after its
/// first delimiter row: their product bounds the run's cells, however the
/// parser splits it into tables.
fn table_cells_bound(md: &str, limit: usize) -> Result<usize, Excess> {
    let mut total = 0usize;
    // The run: its widest delimiter row (offset, length, columns), and its
    // lines after its first one.
    let mut widest: Option<(usize, usize, usize)> = None;
    let mut rows = 0usize;
    for (offset, line) in lines(md) {
        if line.trim_matches([' ', '\t']).is_empty() {
            total += widest.map_or(0, |w| w.2) * rows;
            (widest, rows) = (None, 0);
            continue;
        }
        if widest.is_some() {
            rows += 1;
        }
        if let Some(columns) = delimiter_columns(line)
            && widest.is_none_or(|w| columns > w.2)
        {
            widest = Some((offset, line.len(), columns));
        }
        let Some((at, len, columns)) = widest else {
            continue;
        };
        if total.saturating_add(columns.saturating_mul(rows)) > limit {
            return Err(Excess {
                offset: at,
                len: len.max(1),
                message: format!(
                    "tables too big: this one has up to {columns} columns, and with the lines after it up to a blank line, the text's tables could have more than {limit} cells"
                ),
                hint: "split it into smaller tables (a blank line ends a table) or write it as a list: no phone can show a table this big. Until then the text is shown without tables".into(),
            });
        }
    }
    Ok(total + widest.map_or(0, |w| w.2) * rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulldown_cmark::{Options, Parser};

    fn deepest(md: &str) -> (usize, Option<Excess>) {
        let mut nesting = Nesting::default();
        let mut depth = 0usize;
        let mut deepest = 0;
        for (event, range) in Parser::new_ext(md, Options::empty()).into_offset_iter() {
            if !nesting.keep(&event, range.start) {
                continue;
            }
            match event {
                Event::Start(Tag::List(_) | Tag::BlockQuote(_)) => depth += 1,
                Event::End(TagEnd::List(_) | TagEnd::BlockQuote(_)) => depth -= 1,
                _ => {}
            }
            deepest = deepest.max(depth);
        }
        assert_eq!(depth, 0, "kept tags are balanced");
        (deepest, nesting.excess())
    }

    #[test]
    fn nesting_up_to_the_limit_is_kept_and_deeper_is_dropped_at_its_first_place() {
        let at_limit = "- ".repeat(MAX_NESTING) + "x";
        assert_eq!(deepest(&at_limit), (MAX_NESTING, None));
        let md = "Текст\n\n".to_string() + &"> - ".repeat(40) + "x\n\n- после\n";
        let (depth, excess) = deepest(&md);
        assert_eq!(depth, MAX_NESTING);
        let excess = excess.expect("reported");
        // The 33rd container: 16 `> - ` pairs, then the 33rd is a `>`.
        assert_eq!(excess.offset, "Текст\n\n".len() + 4 * 16);
        assert!(excess.message.contains("32"), "{}", excess.message);
    }

    #[test]
    fn tables_are_bounded_by_their_widest_delimiter_row_and_their_lines() {
        let table = |columns: usize, rows: usize| {
            "|a".repeat(columns) + "|\n" + &"|-".repeat(columns) + "|\n" + &"x\n".repeat(rows)
        };
        assert_eq!(oversized_tables(&table(8, 1000)), None);
        assert_eq!(oversized_tables("| a | b |\n|---|:-:|\n| 1 | - |\n"), None);
        // Tables each far under the parser's own cap (2¹⁸) add up: 64
        // columns × 600 rows twice is over 2¹⁶; the second is blamed.
        let one = table(64, 600) + "\n";
        assert_eq!(oversized_tables(&one), None);
        let excess = oversized_tables(&one.repeat(2)).expect("too many cells");
        assert_eq!(excess.offset, one.len() + "|a".len() * 64 + 2);
        assert_eq!(excess.len, "|-".len() * 64 + 1);
        // Lines ended by a lone carriage return are lines too.
        assert!(oversized_tables(&one.repeat(2).replace('\n', "\r")).is_some());
        // Inside block quotes and lists.
        let quoted: String = table(512, 512)
            .lines()
            .map(|l| format!(">   {l}\n"))
            .collect();
        assert!(oversized_tables(&quoted).is_some());
        // Not tables: thematic breaks, lists, text with dashes and bars.
        let prose = "---\n- - -\nтекст - с дефисами | и чертой\n".repeat(20_000);
        assert_eq!(oversized_tables(&prose), None);
    }

    #[test]
    fn the_bound_is_never_below_the_cells_the_parser_makes() {
        for md in [
            "|a|b|c|\n|-|-|-|\nx\ny\n|z|\n",
            "> |a|b|\n> |-|-|\n> x\n>\n> |a|\n> |-|\n> y\n",
            "- |a|b|\n  |-|-|\n  x\n\n- |a|\n  |-|\n  y\n",
            "|a|\n|-|\n# h\n|a|b|c|d|\n|-|-|-|-|\nx\n",
            "|a|b|\r|-|-|\rx\r\r|a|\r|-|\ry\r",
        ] {
            let cells = Parser::new_ext(md, Options::ENABLE_TABLES)
                .filter(|e| matches!(e, Event::Start(Tag::TableCell)))
                .count();
            // The headers' cells are not below them.
            let headers: usize = lines(md).filter_map(|(_, l)| delimiter_columns(l)).sum();
            let bound = table_cells_bound(md, usize::MAX).unwrap();
            assert!(
                cells > 0 && cells <= bound + headers,
                "{md:?}: {cells} > {bound} + {headers}"
            );
        }
    }
}
