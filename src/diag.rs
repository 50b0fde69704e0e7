//! Diagnostics: every problem found in user content, with file, line, column,
//! a source excerpt and a hint. Problems are collected, never thrown, so one run
//! reports all of them at once.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// A position in a source file; 1-based line and column (column counts characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Path relative to the portal root, with `/` separators.
    pub file: String,
    pub pos: Pos,
    /// Length of the marked span in characters (at least 1).
    pub width: usize,
    pub message: String,
    pub hint: Option<String>,
    /// The source line the position points at, if known.
    pub excerpt: Option<String>,
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
    pub fn at(mut self, text: &str, range: std::ops::Range<usize>) -> Self {
        let (pos, line_text) = locate(text, range.start);
        self.pos = pos;
        let end = range.end.min(text.len()).max(range.start);
        let span_text = text.get(range.start..end).unwrap_or("");
        let first_line = span_text.split('\n').next().unwrap_or("");
        self.width = first_line.chars().count().max(1);
        self.excerpt = Some(line_text.to_string());
        self
    }

    /// Points the diagnostic at a line (1-based) of `text`, without a column.
    pub fn at_line(mut self, text: &str, line: usize) -> Self {
        let line_text = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
        self.pos = Pos { line, col: 1 };
        self.width = line_text.chars().count().max(1);
        self.excerpt = Some(line_text.to_string());
        self
    }

    /// `file:line:col: error: message` — one line, for logs and tests.
    pub fn short(&self) -> String {
        format!(
            "{}{}: {}: {}",
            self.file,
            self.position(),
            self.severity_word(),
            self.message
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
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}: {}", self.severity_word(), self.message);
        let _ = writeln!(out, "  --> {}{}", self.file, self.position());
        if let Some(excerpt) = &self.excerpt {
            let number = self.pos.line.to_string();
            let pad = " ".repeat(number.len());
            let shown: String = excerpt.chars().take(160).collect();
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{number} | {shown}");
            let caret_pad: String = excerpt
                .chars()
                .take(self.pos.col.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let width = self.width.min(160usize.saturating_sub(self.pos.col).max(1));
            let _ = writeln!(out, "{pad} | {caret_pad}{}", "^".repeat(width));
        }
        if let Some(hint) = &self.hint {
            let _ = writeln!(out, "  = hint: {hint}");
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

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Line/column (1-based, column in characters) of a byte offset, and the line's text.
pub fn locate(text: &str, offset: usize) -> (Pos, &str) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = text[..line_start].matches('\n').count() + 1;
    let col = text[line_start..offset].chars().count() + 1;
    let line_text = text[line_start..line_end].trim_end_matches('\r');
    (Pos { line, col }, line_text)
}

/// All diagnostics of a run, kept in a stable order for reproducible output.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    pub fn items(&self) -> &[Diagnostic] {
        &self.items
    }

    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            (&a.file, a.pos, a.severity, &a.message).cmp(&(&b.file, b.pos, b.severity, &b.message))
        });
        self.items.dedup_by(|a, b| a.short() == b.short());
    }

    pub fn error_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    /// Whether the run must fail: any error, or with `strict`, any warning.
    pub fn is_fatal(&self, strict: bool) -> bool {
        self.error_count() > 0 || (strict && !self.items.is_empty())
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// A portal-relative display path with `/` separators.
pub fn rel_path(root: &Path, path: &Path) -> String {
    let rel: PathBuf = path.strip_prefix(root).unwrap_or(path).to_path_buf();
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

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
