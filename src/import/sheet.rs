//! Reading a spreadsheet saved as CSV, strictly.
//!
//! A lenient reader (the `csv` crate's) takes an unclosed quote as a cell
//! running to the end of the file and `"ab"c` as `abc`: rows vanish into
//! one cell, or a cell changes, and nothing says so. Here the form of the
//! file (RFC 4180) is checked as it is read, and each problem names its
//! line and column: a quote never closed, text after a closing quote.
//! After such a problem the rows that follow cannot be told apart, so
//! reading stops there.
//!
//! What spreadsheets write is read as they mean it: a byte-order mark
//! (Excel's «CSV UTF-8») is passed over; rows end with `\n`, `\r\n` or a
//! lone `\r`; cells are separated by commas, or by semicolons or tabs where
//! the header row uses those instead (Excel in a Russian locale saves
//! `;`-separated files). A quote inside an unquoted cell (`Центр "Доверие"`)
//! is just a character, as spreadsheets read it.

/// One row as read: its cells, and where each begins.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The row's number as a spreadsheet shows it (the header is row 1;
    /// a blank line is a row too).
    pub number: usize,
    pub cells: Vec<String>,
    /// The line of the file each cell begins on (a cell in quotes may hold
    /// line breaks, so a row's cells can be on several lines).
    pub lines: Vec<usize>,
}

impl Row {
    /// The line the row begins on.
    pub fn line(&self) -> usize {
        self.lines.first().copied().unwrap_or(1)
    }

    /// A row with nothing in it (a blank line, or only separators).
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.trim().is_empty())
    }
}

/// A problem with the file's form, at a cell.
#[derive(Debug, Clone, PartialEq)]
pub struct FormError {
    /// The row it is in.
    pub row: usize,
    pub line: usize,
    /// The cell's column, from 1.
    pub column: usize,
    pub message: String,
    pub hint: String,
}

/// The rows of a CSV text, one at a time; after a [`FormError`], nothing.
pub struct Reader<'a> {
    text: &'a str,
    /// Where the next row begins (a byte offset).
    pos: usize,
    line: usize,
    row: usize,
    separator: u8,
    stopped: bool,
}

impl<'a> Reader<'a> {
    pub fn new(text: &'a str) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Reader {
            text,
            pos: 0,
            line: 1,
            row: 0,
            separator: separator(text),
            stopped: false,
        }
    }

    /// The cell separator the file uses, as a character.
    pub fn separator(&self) -> char {
        char::from(self.separator)
    }

    /// Reads one row from `self.pos`.
    fn row(&mut self) -> Result<Row, FormError> {
        self.row += 1;
        let mut row = Row {
            number: self.row,
            cells: Vec::new(),
            lines: Vec::new(),
        };
        loop {
            row.lines.push(self.line);
            let cell = if self.byte(self.pos) == Some(b'"') {
                self.quoted(row.cells.len() + 1)?
            } else {
                self.unquoted()
            };
            row.cells.push(cell);
            match self.byte(self.pos) {
                Some(b) if b == self.separator => self.pos += 1,
                _ => {
                    self.end_of_line();
                    return Ok(row);
                }
            }
        }
    }

    fn byte(&self, at: usize) -> Option<u8> {
        self.text.as_bytes().get(at).copied()
    }

    /// A cell without quotes: up to the separator or the end of the line.
    fn unquoted(&mut self) -> String {
        let rest = &self.text.as_bytes()[self.pos..];
        let len = rest
            .iter()
            .position(|&b| b == self.separator || b == b'\n' || b == b'\r')
            .unwrap_or(rest.len());
        let cell = self.text[self.pos..self.pos + len].to_string();
        self.pos += len;
        cell
    }

    /// A cell in quotes: `""` is a quote; the closing quote must end the
    /// cell. `column` is the cell's, for problems.
    fn quoted(&mut self, column: usize) -> Result<String, FormError> {
        let (open_line, open_row) = (self.line, self.row);
        let mut cell = String::new();
        let mut at = self.pos + 1;
        loop {
            let Some(close) = self.text[at..].find('"').map(|i| at + i) else {
                return Err(self.stop(FormError {
                    row: open_row,
                    line: open_line,
                    column,
                    message: "the quote that opens this cell is never closed: the rest of the \
                              file would be one cell"
                        .into(),
                    hint: "close the cell's quote; a quote inside a cell is written twice (\"\"). \
                           The rows after this one were not read"
                        .into(),
                }));
            };
            cell.push_str(&self.text[at..close]);
            self.line += line_breaks(&self.text[at..close]);
            if self.byte(close + 1) == Some(b'"') {
                cell.push('"');
                at = close + 2;
                continue;
            }
            self.pos = close + 1;
            return match self.byte(self.pos) {
                None | Some(b'\n' | b'\r') => Ok(cell),
                Some(b) if b == self.separator => Ok(cell),
                Some(_) => Err(self.stop(FormError {
                    row: open_row,
                    line: self.line,
                    column,
                    message: format!(
                        "text after the quote that closes the cell: «{}»",
                        after_quote(&self.text[self.pos..])
                    ),
                    hint:
                        "a quote inside a quoted cell is written twice: \"Центр \"\"Доверие\"\"\". \
                           The rows after this one were not read"
                            .into(),
                })),
            };
        }
    }

    /// Passes over the line break that ends a row.
    fn end_of_line(&mut self) {
        match self.byte(self.pos) {
            Some(b'\r') if self.byte(self.pos + 1) == Some(b'\n') => self.pos += 2,
            Some(b'\r' | b'\n') => self.pos += 1,
            _ => return,
        }
        self.line += 1;
    }

    /// Stops reading: what follows a broken cell cannot be read as rows.
    fn stop(&mut self, e: FormError) -> FormError {
        self.stopped = true;
        e
    }
}

impl Iterator for Reader<'_> {
    type Item = Result<Row, FormError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.stopped || self.pos >= self.text.len() {
            return None;
        }
        Some(self.row())
    }
}

/// The separator the header row uses: `,`, else `;` or a tab where the
/// first line holds more of those than commas.
fn separator(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    let count = |c: char| first.matches(c).count();
    [b';', b'\t']
        .into_iter()
        .filter(|&s| count(char::from(s)) > count(','))
        .max_by_key(|&s| count(char::from(s)))
        .unwrap_or(b',')
}

/// How many lines a cell's text spans past its first: `\r\n`, `\n` and a
/// lone `\r` each end one.
fn line_breaks(s: &str) -> usize {
    let b = s.as_bytes();
    b.iter()
        .enumerate()
        .filter(|&(i, &c)| c == b'\n' || c == b'\r' && b.get(i + 1) != Some(&b'\n'))
        .count()
}

/// The start of what follows a closing quote, to show.
fn after_quote(rest: &str) -> String {
    let line = rest.split(['\n', '\r']).next().unwrap_or("");
    let shown: String = line.chars().take(20).collect();
    if shown.len() < line.len() {
        format!("{shown}…")
    } else {
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<Result<Row, FormError>> {
        Reader::new(text).collect()
    }

    fn cells(text: &str) -> Vec<Vec<String>> {
        rows(text).into_iter().map(|r| r.unwrap().cells).collect()
    }

    #[test]
    fn cells_are_read_as_spreadsheets_write_them() {
        assert_eq!(
            cells("a,\"b, c\",\"say \"\"hi\"\"\"\r\n1,,\"x\ny\"\n"),
            [vec!["a", "b, c", "say \"hi\""], vec!["1", "", "x\ny"]]
        );
        assert_eq!(cells("\u{feff}a;b\r1;2"), [vec!["a", "b"], vec!["1", "2"]]);
        assert_eq!(cells("a\tb\n1\t2"), [vec!["a", "b"], vec!["1", "2"]]);
        assert_eq!(
            cells("a,b\nЦентр \"Доверие\",2"),
            [vec!["a", "b"], vec!["Центр \"Доверие\"", "2"]]
        );
    }

    #[test]
    fn rows_know_their_number_and_each_cell_its_line() {
        let read: Vec<Row> = rows("h1,h2\n\n\"a\n\nb\",c\nd,e")
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let places: Vec<(usize, Vec<usize>)> =
            read.iter().map(|r| (r.number, r.lines.clone())).collect();
        assert_eq!(
            places,
            [
                (1, vec![1, 1]),
                (2, vec![2]),
                (3, vec![3, 5]),
                (4, vec![6, 6])
            ]
        );
        assert!(read[1].is_blank());
    }

    #[test]
    fn an_unclosed_quote_is_an_error_at_its_cell_and_reading_stops() {
        let read = rows("a,b\n1,\"open\n2,3\n4,5\n");
        assert_eq!(read.len(), 2, "{read:?}");
        let e = read[1].clone().unwrap_err();
        assert_eq!((e.row, e.line, e.column), (2, 2, 2));
        assert!(e.message.contains("never closed"), "{e:?}");
    }

    #[test]
    fn text_after_a_closing_quote_is_an_error_not_glued_on() {
        let read = rows("a,b\n\"ab\"c,d\n");
        let e = read[1].clone().unwrap_err();
        assert_eq!((e.row, e.line, e.column), (2, 2, 1));
        assert!(e.message.contains("«c,d»"), "{e:?}");
    }
}
