//! Diagnostics: every problem found in user content, with file, line, column,
//! a source excerpt and a hint. Problems are collected, never thrown, so one run
//! reports all of them at once.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Severity {
    Error,
    Warning,
}

/// A position in a source file; 1-based line and column (column counts characters).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Path relative to the portal root, with `/` separators.
    pub file: String,
    pub pos: Pos,
    /// Length of the marked span in characters (at least 1).
    pub width: usize,
    pub message: String,
    pub hint: Option<String>,
    /// The source line the position points at, if known — on a very long
    /// line only a window around the position.
    pub excerpt: Option<String>,
    /// The column of the excerpt's first character (1 unless the line was cut).
    pub excerpt_col: usize,
}

impl Diagnostic {
    pub fn error(file: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            file: file.into(),
            pos: Pos { line: 1, col: 1 },
            width: 1,
            message: message.into(),
            hint: None,
            excerpt: None,
            excerpt_col: 1,
        }
    }

    pub fn warning(file: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(file, message)
        }
    }

    /// A problem with a whole file or folder, not a place in it (an output
    /// folder, a lock file): shown without a line and column.
    pub fn about(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pos: Pos { line: 0, col: 0 },
            ..Self::error(path, message)
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Points the diagnostic at a byte range of `text`, the whole file's text.
    /// Finding the line costs a pass over the text up to `range`; where many
    /// diagnostics point into one file, use [`Diagnostic::at_in`].
    pub fn at(self, text: &str, range: std::ops::Range<usize>) -> Self {
        let table = LineTable::new(text);
        self.at_in(&LineIndex::new(text, &table), range)
    }

    /// Points the diagnostic at a byte range of an indexed text, in time
    /// independent of the text's size (so N diagnostics cost O(N)).
    pub fn at_in(mut self, index: &LineIndex<'_>, range: std::ops::Range<usize>) -> Self {
        let text = index.text;
        let start = floor_char_boundary(text, range.start);
        let (pos, line) = index.locate(start);
        self.pos = pos;
        // Width: the span's characters on its first line, counted over a
        // bounded stretch (a caret line is never wider than the excerpt).
        let end = range.end.min(text.len()).max(start);
        let end = floor_char_boundary(text, end.min(start + 4 * EXCERPT_CHARS));
        let first_line = text[start..end].split('\n').next().unwrap_or("");
        self.width = first_line.chars().count().max(1);
        let (excerpt, excerpt_col) = excerpt_window(line, start - line.start, pos.col);
        self.excerpt = Some(excerpt.to_string());
        self.excerpt_col = excerpt_col;
        self
    }

    /// Points the diagnostic at a line (1-based) of `text`, without a column.
    pub fn at_line(self, text: &str, line: usize) -> Self {
        let table = LineTable::new(text);
        self.at_line_in(&LineIndex::new(text, &table), line)
    }

    /// [`Diagnostic::at_line`] on an indexed text: no pass over the text.
    pub fn at_line_in(mut self, index: &LineIndex<'_>, line: usize) -> Self {
        let line_text = index.line(line).map_or("", |l| l.text);
        let (excerpt, _) = excerpt_window(
            LineRef {
                text: line_text,
                start: 0,
            },
            0,
            1,
        );
        self.pos = Pos { line, col: 1 };
        self.width = excerpt.chars().count().max(1);
        self.excerpt = Some(excerpt.to_string());
        self.excerpt_col = 1;
        self
    }

    /// How many characters of the excerpt come before the caret.
    pub fn caret_offset(&self) -> usize {
        self.pos.col.saturating_sub(self.excerpt_col)
    }

    /// `file:line:col: error: message` — one line, for logs and tests.
    pub fn short(&self) -> String {
        format!(
            "{}{}: {}: {}",
            shown(&self.file),
            self.position(),
            self.severity_word(),
            shown(&self.message)
        )
    }

    /// `:line:col`, or nothing for a diagnostic [`about`](Self::about) a whole path.
    fn position(&self) -> String {
        if self.pos.line == 0 {
            String::new()
        } else {
            format!(":{}:{}", self.pos.line, self.pos.col)
        }
    }

    fn severity_word(&self) -> &'static str {
        match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }

    /// The human form: a rustc-like block with the excerpt and a caret line.
    ///
    /// Messages and excerpts quote what files hold, and a pull request can
    /// put anything there: control characters are shown as escapes, never
    /// sent to the terminal, and a line break in a message is indented, so no
    /// line of the output can pass for a CI workflow command (`::error …`).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}: {}", self.severity_word(), shown(&self.message));
        let _ = writeln!(out, "  --> {}{}", shown(&self.file), self.position());
        if let Some(excerpt) = &self.excerpt {
            let number = self.pos.line.to_string();
            let pad = " ".repeat(number.len());
            // One character for one, so the caret stays under its place.
            let shown: String = excerpt
                .chars()
                .take(160)
                .map(|c| {
                    if crate::content::control::is_forbidden(c) {
                        '\u{FFFD}'
                    } else {
                        c
                    }
                })
                .collect();
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{number} | {shown}");
            let caret_pad: String = excerpt
                .chars()
                .take(self.caret_offset())
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let width = self
                .width
                .min(160usize.saturating_sub(self.caret_offset() + 1).max(1));
            let _ = writeln!(out, "{pad} | {caret_pad}{}", "^".repeat(width));
        }
        if let Some(hint) = &self.hint {
            let _ = writeln!(out, "  = hint: {}", shown(hint));
        }
        out
    }

    /// A GitHub Actions workflow command, so problems show up inline on pull requests.
    pub fn github(&self) -> String {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut message = self.message.clone();
        if let Some(hint) = &self.hint {
            message.push_str(" — ");
            message.push_str(hint);
        }
        let position = if self.pos.line == 0 {
            String::new()
        } else {
            format!(",line={},col={}", self.pos.line, self.pos.col)
        };
        format!(
            "::{kind} file={}{position}::{}",
            escape_property(&self.file),
            escape_data(&message)
        )
    }
}

/// `s` for a terminal or a CI log: control characters as escapes, and each
/// line break followed by an indent.
fn shown(s: &str) -> String {
    crate::content::control::visible(s).replace('\n', "\n    ")
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Line/column (1-based, column in characters) of a byte offset, and the line's text.
/// One pass over the text up to `offset`: for a single position; many go
/// through a [`LineIndex`].
pub fn locate(text: &str, offset: usize) -> (Pos, &str) {
    let offset = floor_char_boundary(text, offset);
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = text.as_bytes()[..line_start]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1;
    let col = count_chars(&text.as_bytes()[line_start..offset]) + 1;
    let line_text = text[line_start..line_end].trim_end_matches('\r');
    (Pos { line, col }, line_text)
}

/// How many characters an excerpt shows around the position on a long line.
const EXCERPT_CHARS: usize = 160;

fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// A line of a text: its content (without the line break) and where it starts.
#[derive(Debug, Clone, Copy)]
pub struct LineRef<'a> {
    pub text: &'a str,
    /// Byte offset of the line in the whole text.
    pub start: usize,
}

/// The excerpt shown for a position `at` bytes into `line` (column `col`):
/// the whole line when it is short, else a window of [`EXCERPT_CHARS`]
/// characters around the position — with the column of its first character.
fn excerpt_window(line: LineRef<'_>, at: usize, col: usize) -> (&str, usize) {
    let text = line.text;
    let at = floor_char_boundary(text, at);
    if text.len() <= EXCERPT_CHARS {
        return (text, 1);
    }
    let before: Vec<(usize, char)> = text[..at]
        .char_indices()
        .rev()
        .take(EXCERPT_CHARS / 3)
        .collect();
    let from = before.last().map_or(at, |(i, _)| *i);
    let to = text[at..]
        .char_indices()
        .nth(EXCERPT_CHARS - before.len())
        .map_or(text.len(), |(i, _)| at + i);
    (&text[from..to], col - before.len())
}

/// Where every line of a text starts, and how many characters precede every
/// block of [`LineTable::BLOCK`] bytes: line and column of any byte offset in
/// O(log lines + BLOCK), so N diagnostics in one file cost O(N), not O(N²).
/// Built once per file (see `SourceText::lines`).
#[derive(Debug, Clone, Default)]
pub struct LineTable {
    line_starts: Vec<usize>,
    chars_before_block: Vec<usize>,
}

impl LineTable {
    const BLOCK: usize = 1024;

    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut line_starts = vec![0];
        line_starts.extend(line_breaks(bytes));
        let mut chars_before_block = Vec::with_capacity(bytes.len() / Self::BLOCK + 2);
        let mut chars = 0;
        for block in bytes.chunks(Self::BLOCK) {
            chars_before_block.push(chars);
            chars += count_chars(block);
        }
        chars_before_block.push(chars);
        Self {
            line_starts,
            chars_before_block,
        }
    }
}

/// A text with its [`LineTable`].
#[derive(Debug, Clone, Copy)]
pub struct LineIndex<'a> {
    text: &'a str,
    table: &'a LineTable,
}

impl<'a> LineIndex<'a> {
    /// `table` must have been built from `text`.
    pub fn new(text: &'a str, table: &'a LineTable) -> Self {
        Self { text, table }
    }

    /// Characters in `text[..offset]` (`offset` on a char boundary).
    fn chars_before(&self, offset: usize) -> usize {
        let block = offset / LineTable::BLOCK;
        self.table.chars_before_block[block]
            + count_chars(&self.text.as_bytes()[block * LineTable::BLOCK..offset])
    }

    /// The 1-based line `n`, if the text has it.
    pub fn line(&self, n: usize) -> Option<LineRef<'a>> {
        let starts = &self.table.line_starts;
        let start = *starts.get(n.checked_sub(1)?)?;
        let end = starts.get(n).map_or(self.text.len(), |next| next - 1);
        Some(LineRef {
            text: self.text[start..end].trim_end_matches('\r'),
            start,
        })
    }

    /// Line and column of a byte offset, and its line.
    pub fn locate(&self, offset: usize) -> (Pos, LineRef<'a>) {
        let offset = floor_char_boundary(self.text, offset);
        let line = self.table.line_starts.partition_point(|&s| s <= offset);
        let start = self.table.line_starts[line - 1];
        let bytes = &self.text.as_bytes()[start..offset];
        // Short lines are counted directly; long ones through the blocks.
        let col = if bytes.len() <= 2 * LineTable::BLOCK {
            count_chars(bytes) + 1
        } else {
            self.chars_before(offset) - self.chars_before(start) + 1
        };
        let line_ref = self.line(line).unwrap_or(LineRef { text: "", start });
        (Pos { line, col }, line_ref)
    }
}

/// Offsets just after every `\n`.
fn line_breaks(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'\n')
        .map(|(i, _)| i + 1)
}

/// Characters in a run of UTF-8 bytes: every byte that does not continue one.
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

/// At most this many diagnostics are kept and shown per file; the rest are
/// counted. A file with thousands of problems (a pasted HTML dump, a fuzzed
/// file) then costs little, and the editor sees where to start.
pub const MAX_PER_FILE: usize = 100;

/// All diagnostics of a run, kept in a stable order for reproducible output.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    /// How many diagnostics each file has kept.
    kept: HashMap<String, usize>,
    /// Per file, (errors, warnings) beyond [`MAX_PER_FILE`].
    omitted: BTreeMap<String, (usize, usize)>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        let kept = match self.kept.get_mut(&d.file) {
            Some(n) => n,
            None => self.kept.entry(d.file.clone()).or_default(),
        };
        if *kept < MAX_PER_FILE {
            *kept += 1;
            self.items.push(d);
        } else {
            let counts = self.omitted.entry(d.file).or_default();
            match d.severity {
                Severity::Error => counts.0 += 1,
                Severity::Warning => counts.1 += 1,
            }
        }
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        for d in other {
            self.push(d);
        }
    }

    /// Takes over another run's diagnostics, with the counts of those not kept.
    pub fn merge(&mut self, other: Diagnostics) {
        for (file, (errors, warnings)) in other.omitted {
            let counts = self.omitted.entry(file).or_default();
            counts.0 += errors;
            counts.1 += warnings;
        }
        self.extend(other.items);
    }

    /// The diagnostics kept (at most [`MAX_PER_FILE`] per file).
    pub fn items(&self) -> &[Diagnostic] {
        &self.items
    }

    /// What to show: the kept diagnostics, each file's followed by a note
    /// saying how many more it has, if any.
    pub fn shown(&self) -> Vec<Diagnostic> {
        let mut out = Vec::with_capacity(self.items.len() + self.omitted.len());
        for (i, d) in self.items.iter().enumerate() {
            out.push(d.clone());
            let last_of_file = self.items.get(i + 1).is_none_or(|next| next.file != d.file);
            if last_of_file && let Some(&(errors, warnings)) = self.omitted.get(&d.file) {
                out.push(omitted_note(&d.file, errors, warnings));
            }
        }
        out
    }

    pub fn sort(&mut self) {
        // The settings and the data files first: records are checked against
        // them, so a mistake there is the cause of what follows, not one more
        // line after the content's.
        let group = |d: &Diagnostic| {
            !(d.file == "opora.toml" || d.file.starts_with("data/") || d.file.starts_with("data\\"))
        };
        self.items.sort_by(|a, b| {
            (group(a), &a.file, a.pos, a.severity, &a.message).cmp(&(
                group(b),
                &b.file,
                b.pos,
                b.severity,
                &b.message,
            ))
        });
        self.items.dedup_by(|a, b| {
            (&a.file, a.pos, a.severity, &a.message) == (&b.file, b.pos, b.severity, &b.message)
        });
    }

    /// Errors, counting those not kept.
    pub fn error_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
            + self.omitted.values().map(|c| c.0).sum::<usize>()
    }

    /// Warnings, counting those not kept.
    pub fn warning_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
            + self.omitted.values().map(|c| c.1).sum::<usize>()
    }

    /// Whether the run must fail: any error, or with `strict`, any warning.
    pub fn is_fatal(&self, strict: bool) -> bool {
        self.error_count() > 0 || (strict && self.error_count() + self.warning_count() > 0)
    }
}

fn omitted_note(file: &str, errors: usize, warnings: usize) -> Diagnostic {
    let message = format!(
        "{} more problem(s) in this file are not shown ({errors} error(s), {warnings} warning(s))",
        errors + warnings
    );
    let d = if errors > 0 {
        Diagnostic::error(file, message)
    } else {
        Diagnostic::warning(file, message)
    };
    d.hint(format!(
        "only the first {MAX_PER_FILE} problems of a file are listed; fix these and run again"
    ))
}

/// A portal-relative display path with `/` separators.
pub fn rel_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    // Asked once per record file in every build: a path already in the form
    // its components would give is taken as it is, in one allocation.
    if let Some(text) = rel.to_str().filter(|t| already_normal(t)) {
        return text.to_string();
    }
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether `path` is what joining its components with `/` gives: relative,
/// with no empty or `.` component for [`Path::components`] to drop, and no
/// separator but `/`.
fn already_normal(path: &str) -> bool {
    cfg!(unix) && path.split('/').all(|part| !part.is_empty() && part != ".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relative_path_is_its_components_joined_by_slashes() {
        let slow = |root: &Path, path: &Path| -> String {
            let rel = path.strip_prefix(root).unwrap_or(path);
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        };
        let root = Path::new("/portal");
        for path in [
            "/portal/content/services/ru-mos/a.md",
            "/portal/content//services/a.md",
            "/portal/content/./a.md",
            "/portal/content/a/",
            "/portal/content/a/.",
            "/portal/./content",
            "/portal",
            "/portal/",
            "/elsewhere/b.md",
            "/",
            "relative/x.md",
            "./relative/x.md",
            "relative/../x.md",
            "/portal/ёлка/дом.md",
            "/portal/..",
            "",
        ] {
            assert_eq!(
                rel_path(root, Path::new(path)),
                slow(root, Path::new(path)),
                "{path:?}"
            );
        }
    }

    #[test]
    fn locate_counts_characters_not_bytes() {
        let text = "+++\nname = \"Ёлка\"\nphone = 1\n";
        let offset = text.find("phone").unwrap();
        let (pos, line) = locate(text, offset);
        assert_eq!(pos, Pos { line: 3, col: 1 });
        assert_eq!(line, "phone = 1");
        let offset = text.find("лка").unwrap();
        assert_eq!(locate(text, offset).0, Pos { line: 2, col: 10 });
    }

    #[test]
    fn render_marks_the_span() {
        let text = "a = 1\nregion = \"RU-XXX\"\n";
        let start = text.find("\"RU").unwrap();
        let d = Diagnostic::error("x.md", "unknown region")
            .at(text, start..start + 8)
            .hint("use a code from content/regions");
        let r = d.render();
        assert!(r.contains("--> x.md:2:10"), "{r}");
        assert!(r.contains("         ^^^^^^^^"), "{r}");
        assert!(r.contains("hint: use a code"), "{r}");
    }

    #[test]
    fn what_a_file_holds_cannot_drive_the_terminal_or_pass_for_a_workflow_command() {
        let text = "needs = [\"\x1b[2Jx\"]\n";
        let d = Diagnostic::error(
            "con\x07tent/x.md",
            "\x1b[2Jx\n::error file=README.md,line=1::injected is not a need",
        )
        .at(text, 10..14)
        .hint("use one of: \x1b]0;title\x07");
        for out in [d.render(), d.short()] {
            assert!(
                !out.chars().any(crate::content::control::is_forbidden),
                "{out:?}"
            );
            assert!(out.lines().all(|line| !line.starts_with("::")), "{out}");
        }
        let r = d.render();
        assert!(r.contains("\\u{1b}[2Jx"), "{r}");
        assert!(r.contains("con\\u{7}tent/x.md:1:11"), "{r}");
        // The excerpt keeps its columns: the caret is still under the value.
        assert!(r.contains("1 | needs = [\"\u{FFFD}[2Jx\"]"), "{r}");
        assert!(r.contains("  |           ^^^^"), "{r}");
    }

    #[test]
    fn the_settings_and_data_files_come_before_the_content_checked_against_them() {
        let mut ds = Diagnostics::default();
        for file in [
            "content/a.md",
            "templates/x.html",
            "data/taxonomy.toml",
            "opora.toml",
        ] {
            ds.push(Diagnostic::error(file, "problem"));
        }
        ds.sort();
        let files: Vec<&str> = ds.items().iter().map(|d| d.file.as_str()).collect();
        assert_eq!(
            files,
            [
                "data/taxonomy.toml",
                "opora.toml",
                "content/a.md",
                "templates/x.html"
            ]
        );
    }

    #[test]
    fn a_diagnostic_about_a_folder_has_no_line() {
        let d = Diagnostic::about("/srv/site/.public.old", "cannot use it");
        assert!(
            d.render().contains("--> /srv/site/.public.old\n"),
            "{}",
            d.render()
        );
        assert_eq!(d.short(), "/srv/site/.public.old: error: cannot use it");
        assert_eq!(
            d.github(),
            "::error file=/srv/site/.public.old::cannot use it"
        );
    }

    #[test]
    fn github_annotation_escapes() {
        let d = Diagnostic::error("a,b.md", "bad\nthing");
        assert_eq!(
            d.github(),
            "::error file=a%2Cb.md,line=1,col=1::bad%0Athing"
        );
    }
}
