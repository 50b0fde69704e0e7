//! Reading user files safely: size limits, encodings, directories where files
//! belong, and the `+++` front matter split. Every failure is a diagnostic.

use std::path::Path;

use crate::diag::{Diagnostic, LineIndex, LineTable, rel_path};

/// Content files are small text; anything bigger is a mistake (a pasted dump, a
/// binary), and reading it would only slow every build.
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;

/// A file's text, kept for the whole run so diagnostics can quote it.
#[derive(Debug)]
pub struct SourceText {
    /// Portal-relative path with `/` separators.
    pub rel: String,
    /// The file's text — from byte `released` on, once the start of it was
    /// let go ([`SourceText::release_before`]); until then all of it.
    pub text: String,
    /// A 128-bit hash of the whole file as read, kept when its start is let
    /// go: what an export keyed by its records' inputs compares.
    pub digest: u128,
    /// Built on the first diagnostic in the file, then shared by the rest.
    lines: std::sync::OnceLock<LineTable>,
    /// Bytes and lines let go from the start of the file.
    released: usize,
    released_lines: usize,
    /// When the file was last modified, as its handle said when it was read
    /// (for files read by a walk of the portal): outside a git checkout the
    /// date its page shows, known without asking the disk again.
    pub modified: Option<std::time::SystemTime>,
}

impl SourceText {
    pub fn new(rel: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        Self {
            rel: rel.into(),
            digest: xxhash_rust::xxh3::xxh3_128(text.as_bytes()),
            text,
            lines: std::sync::OnceLock::new(),
            released: 0,
            released_lines: 0,
            modified: None,
        }
    }

    /// Lets go of the text before byte `offset` (a record's front matter,
    /// once checked and parsed: at a million services ~0.8 GB nobody reads
    /// again). Offsets stay those of the whole file: [`SourceText::from`]
    /// and diagnostics after `offset` are placed as before; a diagnostic
    /// inside the released part names the file alone.
    pub fn release_before(&mut self, offset: usize) {
        let Some(cut) = offset.checked_sub(self.released) else {
            return;
        };
        if cut == 0 || !self.text.is_char_boundary(cut) {
            return;
        }
        self.released_lines += self.text.as_bytes()[..cut]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.released = offset;
        self.text.drain(..cut);
        self.text.shrink_to_fit();
        self.lines = std::sync::OnceLock::new();
    }

    /// The text from byte `offset` of the file on (empty past its end, or
    /// where that part was released).
    pub fn from(&self, offset: usize) -> &str {
        offset
            .checked_sub(self.released)
            .and_then(|at| self.text.get(at..))
            .unwrap_or("")
    }

    /// The text with its line table, to place many diagnostics cheaply.
    pub fn lines(&self) -> LineIndex<'_> {
        LineIndex::new(
            &self.text,
            self.lines.get_or_init(|| LineTable::new(&self.text)),
        )
    }

    /// An error pointing at a byte range of this file.
    pub fn error_at(
        &self,
        message: impl Into<String>,
        range: std::ops::Range<usize>,
    ) -> Diagnostic {
        let d = Diagnostic::error(&self.rel, message);
        match range.start.checked_sub(self.released) {
            Some(start) => {
                let end = range.end.saturating_sub(self.released).max(start);
                self.relined(d.at_in(&self.lines(), start..end))
            }
            None => d,
        }
    }

    /// The line (1-based) that byte `offset` of the file is on, for a
    /// finding that names a second place in the file; 0 inside the part let go.
    pub fn line_at(&self, offset: usize) -> usize {
        offset.checked_sub(self.released).map_or(0, |at| {
            self.lines().locate(at.min(self.text.len())).0.line + self.released_lines
        })
    }

    /// An error pointing at a whole line (1-based) of this file.
    pub fn error_at_line(&self, message: impl Into<String>, line: usize) -> Diagnostic {
        let d = Diagnostic::error(&self.rel, message);
        match line.checked_sub(self.released_lines) {
            Some(kept) if kept > 0 => self.relined(d.at_line_in(&self.lines(), kept)),
            _ => d,
        }
    }

    /// A diagnostic placed in the kept text, renumbered as a line of the file.
    fn relined(&self, mut d: Diagnostic) -> Diagnostic {
        d.pos.line += self.released_lines;
        d
    }
}

/// Reads a portal source file (content, data, `opora.toml`, a template) as
/// UTF-8 text of at most [`MAX_FILE_BYTES`]. Every problem is a diagnostic.
pub fn read_text(root: &Path, path: &Path) -> Result<SourceText, Diagnostic> {
    read_text_limited(root, path, MAX_FILE_BYTES)
}

/// [`read_text`] with another size limit (a spreadsheet to import may be larger).
pub fn read_text_limited(root: &Path, path: &Path, max: u64) -> Result<SourceText, Diagnostic> {
    let rel = rel_path(root, path);
    let bytes = read_portal_file(root, path, max).map_err(|e| e.diagnostic(&rel, max))?;
    let text = decode(&rel, bytes)?;
    Ok(SourceText::new(rel, text))
}

/// [`read_text`] for a file a walk found as a regular file (not a link),
/// walking without following links from a folder that lies inside the
/// portal once resolved: the file is then inside too, so its path is not
/// resolved again (at a million records that was ~14 `lstat`s a file). It
/// is opened without following a link, should it have become one since.
/// With the file's stamp as its handle gave it, for the parsed-record store
/// (`crate::content::record_store`).
pub fn read_walked_text(
    root: &Path,
    path: &Path,
) -> Result<(SourceText, Option<super::record_store::FileStamp>), Diagnostic> {
    let rel = rel_path(root, path);
    let (bytes, meta) = read_opened(path, MAX_FILE_BYTES, Follow::No)
        .map_err(|e| e.diagnostic(&rel, MAX_FILE_BYTES))?;
    let text = decode(&rel, bytes)?;
    let text = SourceText {
        modified: meta.modified().ok(),
        ..SourceText::new(rel, text)
    };
    Ok((text, super::record_store::FileStamp::of(&meta)))
}

/// Reads a file a walk of the portal found to be a regular file, as it is:
/// opened without following a link and without blocking, should it have
/// become a link or a FIFO since, and checked again on the open handle.
/// `max` bounds the read.
pub fn read_walked_file(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    read_opened(path, max, Follow::No).map(|(bytes, _)| bytes)
}

/// Whether `dir`, once resolved, lies inside the portal at `root`.
pub fn inside_portal(root: &Path, dir: &Path) -> bool {
    match (std::fs::canonicalize(dir), std::fs::canonicalize(root)) {
        (Ok(real), Ok(real_root)) => real.starts_with(real_root),
        _ => false,
    }
}

/// Reads a file of the portal at `root`: [`read_regular_file`], after making
/// sure that the file, once symlinks are followed, is still inside the portal
/// — a link to `/etc/passwd` or to another user's files must not be read into
/// a build (and published); a link to another file of the portal is fine.
pub fn read_portal_file(root: &Path, path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    // A path that does not resolve is left to the read, which says why.
    if let (Ok(real), Ok(real_root)) = (std::fs::canonicalize(path), std::fs::canonicalize(root))
        && !real.starts_with(&real_root)
    {
        return Err(ReadError::Outside(real));
    }
    read_regular_file(path, max)
}

/// Why a file could not be read.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    /// A symlink (or a folder symlink on the way) leading out of the portal.
    Outside(std::path::PathBuf),
    Directory,
    /// A FIFO, socket or device — reading it could block forever or never end.
    NotRegular(&'static str),
    TooBig(u64),
}

impl ReadError {
    pub fn diagnostic(&self, rel: &str, max: u64) -> Diagnostic {
        match self {
            ReadError::Io(e) => Diagnostic::error(rel, format!("cannot read this file: {e}"))
                .hint("check that the file exists and that you may read it"),
            ReadError::Outside(target) => Diagnostic::error(
                rel,
                format!(
                    "this leads to {}, outside the portal; opora reads only the portal's own files",
                    target.display()
                ),
            )
            .hint("copy the file into the portal instead of linking to it"),
            ReadError::Directory => {
                Diagnostic::error(rel, "this is a directory, but a file belongs here")
                    .hint("rename or remove the directory; records are single `.md` files")
            }
            ReadError::NotRegular(kind) => Diagnostic::error(
                rel,
                format!("this is a {kind}, not a regular file; opora reads only regular files"),
            )
            .hint("replace it with an ordinary text file (a pipe or a device could block the build or never end)"),
            ReadError::TooBig(len) => Diagnostic::error(
                rel,
                format!(
                    "file is {:.1} MB; files here must be under {} MB",
                    *len as f64 / 1_048_576.0,
                    (max / 1_048_576).max(1)
                ),
            )
            .hint("split the text into several records, or move large data out of content/"),
        }
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::Outside(target) => {
                write!(f, "it leads to {}, outside the portal", target.display())
            }
            ReadError::Directory => f.write_str("it is a directory"),
            ReadError::NotRegular(kind) => write!(f, "it is a {kind}, not a regular file"),
            ReadError::TooBig(len) => write!(f, "it is too large ({len} bytes)"),
        }
    }
}

/// The one way the portal reads its own files: only a regular file (a symlink
/// is followed, and its target must be a regular file too), at most `max`
/// bytes. A FIFO would block forever and `/dev/zero` never ends, so the type is
/// checked before opening; the file is opened without blocking and checked
/// again on the open handle (it may have been swapped in between), and the
/// read stops after `max` bytes whatever the size said.
pub fn read_regular_file(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    // Asked before opening too: opening a device may do something.
    let meta = std::fs::metadata(path).map_err(ReadError::Io)?;
    if let Some(e) = kind_error(&meta, max) {
        return Err(e);
    }
    read_opened(path, max, Follow::Yes).map(|(bytes, _)| bytes)
}

/// Why a file of this kind and size is not read, if it is not.
fn kind_error(meta: &std::fs::Metadata, max: u64) -> Option<ReadError> {
    if meta.is_dir() {
        Some(ReadError::Directory)
    } else if !meta.is_file() {
        Some(ReadError::NotRegular(file_kind(&meta.file_type())))
    } else if meta.len() > max {
        Some(ReadError::TooBig(meta.len()))
    } else {
        None
    }
}

/// Whether opening a path follows a link at its end.
#[derive(Clone, Copy, PartialEq)]
enum Follow {
    Yes,
    No,
}

/// Opens `path` (see [`open_nonblocking`]) and reads it whole if it is a
/// regular file of at most `max` bytes; with when it was last modified.
fn read_opened(
    path: &Path,
    max: u64,
    follow: Follow,
) -> Result<(Vec<u8>, std::fs::Metadata), ReadError> {
    use std::io::Read;
    let file = open_nonblocking(path, follow).map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if let Some(e) = kind_error(&meta, max) {
        return Err(e);
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooBig(bytes.len() as u64));
    }
    Ok((bytes, meta))
}

/// Opens for reading without waiting for a writer, should the path have
/// become a FIFO since it was checked (a regular file reads as usual).
fn open_nonblocking(path: &Path, follow: Follow) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use rustix::fs::OFlags;
        use std::os::unix::fs::OpenOptionsExt;
        let mut flags = OFlags::NONBLOCK | OFlags::NOCTTY;
        if follow == Follow::No {
            flags |= OFlags::NOFOLLOW;
        }
        options.custom_flags(flags.bits() as i32);
    }
    #[cfg(not(unix))]
    let _ = follow;
    options.open(path)
}

/// What a file that is not a regular file is, in words: `named pipe (FIFO)`…
pub(crate) fn file_kind(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "named pipe (FIFO)";
        }
        if t.is_socket() {
            return "socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "device";
        }
    }
    let _ = t;
    "special file"
}

/// A file's bytes as text, refused as loading refuses them: UTF-16, a NUL
/// byte, bytes that are not UTF-8, a control character.
pub(crate) fn decode(rel: &str, mut bytes: Vec<u8>) -> Result<String, Diagnostic> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(
            Diagnostic::error(rel, "file is in UTF-16; content files must be UTF-8")
                .hint("in your editor choose \"Save with encoding\" → UTF-8"),
        );
    }
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    if let Some(i) = bytes.iter().position(|&b| b == 0) {
        let line = bytes[..i].iter().filter(|&&b| b == b'\n').count() + 1;
        let mut d = Diagnostic::error(rel, "file contains a NUL byte: it looks binary, not text")
            .hint("content files are UTF-8 text; images and documents go under static/");
        d.pos.line = line;
        return Err(d);
    }
    match String::from_utf8(bytes) {
        Ok(s) => match super::control::first_raw(&s) {
            None => Ok(s),
            Some(at) => Err(control_character(rel, &s, at)),
        },
        Err(e) => {
            let bytes = e.as_bytes();
            let at = e.utf8_error().valid_up_to();
            let valid = std::str::from_utf8(&bytes[..at]).unwrap_or("");
            let (pos, line_text) = crate::diag::locate(valid, valid.len());
            let looks_cp1251 = bytes.iter().filter(|&&b| b >= 0xC0).count() > 2;
            let hint = if looks_cp1251 {
                "the file looks like Windows-1251; save it as UTF-8 (in your editor: Save with encoding → UTF-8)"
            } else {
                "save the file as UTF-8"
            };
            let mut d = Diagnostic::error(rel, "file is not valid UTF-8").hint(hint);
            d.pos = pos;
            d.excerpt = Some(line_text.to_string());
            Err(d)
        }
    }
}

/// A forbidden character in the file at byte `at` (see [`super::control`]).
fn control_character(rel: &str, text: &str, at: usize) -> Diagnostic {
    let c = text[at..].chars().next().unwrap_or('\0');
    let kind = super::control::Forbidden::of(c).unwrap_or(super::control::Forbidden::Control);
    let (pos, line_text) = crate::diag::locate(text, at);
    let mut d = Diagnostic::error(
        rel,
        format!("the file holds {} ({})", kind.what(), c.escape_unicode()),
    )
    .hint(kind.raw_hint());
    d.pos = pos;
    d.excerpt = Some(line_text.to_string());
    d
}

/// The parts of a record file: TOML between `+++` lines, then Markdown.
#[derive(Debug, Clone, Copy)]
pub struct Split {
    /// Byte range of the TOML text.
    pub front: (usize, usize),
    /// Byte offset where the Markdown body starts.
    pub body: usize,
}

pub fn split_front_matter(file: &SourceText) -> Result<Split, Diagnostic> {
    let text = &file.text;
    let first_line_end = text.find('\n').unwrap_or(text.len());
    if text[..first_line_end].trim_end() != "+++" {
        let d = Diagnostic::error(&file.rel, "a record must start with a `+++` line")
            .at(text, 0..first_line_end)
            .hint("put the fields between two `+++` lines at the top, then the text");
        return Err(d);
    }
    let front_start = (first_line_end + 1).min(text.len());
    let mut offset = front_start;
    for line in text[front_start..].split_inclusive('\n') {
        if line.trim_end() == "+++" {
            return Ok(Split {
                front: (front_start, offset),
                body: offset + line.len(),
            });
        }
        offset += line.len();
    }
    Err(Diagnostic::error(
        &file.rel,
        "front matter is not closed: no second `+++` line",
    )
    .at(text, 0..first_line_end)
    .hint("add a line with just `+++` after the last field"))
}

/// Parses TOML found at `offset` of the file, turning a serde error into a
/// diagnostic at the right place.
pub fn parse_toml<T: serde::de::DeserializeOwned>(
    file: &SourceText,
    range: (usize, usize),
) -> Result<T, Diagnostic> {
    let toml_text = &file.text[range.0..range.1];
    if let Some((escape, kind)) = super::control::first_toml_escape(toml_text) {
        return Err(file
            .error_at(
                format!("`{}` makes {}", &toml_text[escape.clone()], kind.what()),
                range.0 + escape.start..range.0 + escape.end,
            )
            .hint(kind.escape_hint()));
    }
    toml::from_str::<T>(toml_text).map_err(|e| toml_diagnostic(file, range.0, &e))
}

fn toml_diagnostic(file: &SourceText, offset: usize, e: &toml::de::Error) -> Diagnostic {
    let range = match e.span() {
        Some(span) => offset + span.start..offset + span.end,
        None => offset..offset,
    };
    let written = file.text.get(range.clone()).unwrap_or("").trim();
    let message = e.message().trim().to_string();
    // serde's words for two common slips, said in the editor's terms.
    if message.contains("expected a string") && written.parse::<toml::value::Datetime>().is_ok() {
        return file
            .error_at(format!("`{written}` is written as a TOML date; this field takes text"), range)
            .hint(format!("put it in quotes: \"{written}\" (a year or a month alone is fine too: \"2024\", \"2024-12\")"));
    }
    if message.contains("untagged enum PhoneEntry") {
        return file
            .error_at("a phone is neither a number in quotes nor { number = …, note = … }", range)
            .hint("write \"8 (4842) 55-06-02\", or { number = \"8-800-2000-122\", note = \"горячая линия\" }");
    }
    let hint = if message.contains("unknown field") {
        "check the spelling; the fields of each collection are listed in docs/content-format.md"
    } else if message.contains("missing field") {
        "add the field; docs/content-format.md shows an example"
    } else if message.contains("invalid type") || message.contains("did not match") {
        "check the value's form: text in \"quotes\", lists in [brackets], numbers without quotes, dates as 2026-01-31"
    } else if message.contains("invalid value") {
        "the value has the right form but is out of range; docs/content-format.md says what each field takes"
    } else {
        "check the TOML syntax: `key = value`, text in double quotes, one key per line"
    };
    file.error_at(message, range).hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(text: &str) -> SourceText {
        SourceText::new("x.md", text)
    }

    #[test]
    fn a_released_front_matter_keeps_the_body_and_its_places() {
        let text = "+++\nname = \"Центр\"\n+++\nПервая строка.\nВторая строка.\n";
        let whole = st(text);
        let body = split_front_matter(&whole).unwrap().body;
        let second = text.find("Вторая").unwrap();
        let before = whole.error_at("m", second..second + 4);
        let before_line = whole.error_at_line("m", 5);
        let mut released = st(text);
        released.release_before(body);
        assert_eq!(released.text, "Первая строка.\nВторая строка.\n");
        assert_eq!(released.from(body), &text[body..]);
        assert_eq!(released.from(second), "Вторая строка.\n");
        assert_eq!(released.from(0), "", "the released part reads as nothing");
        // A place in the kept body is where it was in the whole file.
        let after = released.error_at("m", second..second + 4);
        assert_eq!((after.pos, after.width), (before.pos, before.width));
        assert_eq!(after.excerpt, before.excerpt);
        let after_line = released.error_at_line("m", 5);
        assert_eq!(
            (after_line.pos, after_line.excerpt),
            (before_line.pos, before_line.excerpt)
        );
        // A place in the released part names the file alone.
        let gone = released.error_at("m", 5..9);
        assert_eq!((gone.file.as_str(), gone.excerpt), ("x.md", None));
        assert_eq!(released.error_at_line("m", 2).excerpt, None);
        // Releasing again, or inside a character, changes nothing.
        released.release_before(body);
        released.release_before(second + 1);
        assert_eq!(released.from(body), &text[body..]);
    }

    #[test]
    fn splits_front_matter() {
        let f = st("+++\na = 1\n+++\nBody\n");
        let s = split_front_matter(&f).unwrap();
        assert_eq!(&f.text[s.front.0..s.front.1], "a = 1\n");
        assert_eq!(&f.text[s.body..], "Body\n");
        let f = st("+++\r\na = 1\r\n+++\r\n");
        assert!(split_front_matter(&f).is_ok());
    }

    #[test]
    fn unclosed_and_missing_front_matter() {
        let e = split_front_matter(&st("+++\na = 1\n")).unwrap_err();
        assert!(e.message.contains("not closed"));
        let e = split_front_matter(&st("# Title\n")).unwrap_err();
        assert!(e.message.contains("start with"));
    }

    #[test]
    fn toml_errors_point_into_the_file() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct M {
            a: i64,
        }
        let f = st("+++\na = \"x\"\n+++\n");
        let s = split_front_matter(&f).unwrap();
        let e = parse_toml::<M>(&f, s.front).unwrap_err();
        assert_eq!(e.pos.line, 2, "{}", e.render());
    }

    #[test]
    fn decodes_and_refuses_bad_encodings() {
        assert!(decode("x", vec![0xEF, 0xBB, 0xBF, b'a']).is_ok());
        let cp1251 = "+++\nname = \""
            .bytes()
            .chain([0xD1, 0xE5, 0xEC, 0xFC, 0xFF])
            .collect();
        let e = decode("x", cp1251).unwrap_err();
        assert_eq!(e.pos.line, 2);
        assert!(e.hint.unwrap().contains("Windows-1251"));
        assert!(
            decode("x", vec![0xFF, 0xFE, 0, 0])
                .unwrap_err()
                .message
                .contains("UTF-16")
        );
        assert!(
            decode("x", vec![b'a', 0, b'b'])
                .unwrap_err()
                .message
                .contains("NUL")
        );
    }
}
