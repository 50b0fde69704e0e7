//! Control characters in a portal's text files.
//!
//! They are invisible in an editor, mean nothing in a name or a sentence,
//! and break what the site is made of: XML 1.0 forbids most of them, so one
//! in a title makes the Atom feeds unreadable, and in a terminal they move
//! the cursor or clear the screen. A file may hold them raw, or a TOML
//! string may make them with an escape (`"\u0007"`, `"\b"`); both are
//! refused where they are written. Tab, line feed and carriage return are
//! ordinary text.

use std::ops::Range;

/// Whether `c` is a control character a text file may not hold: C0 but tab,
/// line feed and carriage return; DEL; C1.
pub fn is_forbidden(c: char) -> bool {
    matches!(c, '\0'..='\x08' | '\x0B' | '\x0C' | '\x0E'..='\x1F' | '\x7F'..='\u{9F}')
}

/// The byte offset of the first forbidden control character in `text`.
pub fn first_raw(text: &str) -> Option<usize> {
    // Bytes first: C0 and DEL are single bytes, C1 is 0xC2 0x80..=0x9F in
    // UTF-8, so ordinary text is passed over without decoding it.
    let bytes = text.as_bytes();
    bytes.iter().enumerate().find_map(|(i, &b)| {
        let forbidden = match b {
            b'\t' | b'\n' | b'\r' => false,
            0..=0x1F | 0x7F => true,
            0xC2 => bytes.get(i + 1).is_some_and(|n| (0x80..=0x9F).contains(n)),
            _ => false,
        };
        forbidden.then_some(i)
    })
}

/// The byte range of the first escape in a TOML basic string of `toml` that
/// makes a forbidden control character (`\b`, `\f`, `\e`, `\xHH`, `\uXXXX`,
/// `\UXXXXXXXX`). Literal strings (`'…'`, `'''…'''`) have no escapes, and
/// comments are not values.
pub fn first_toml_escape(toml: &str) -> Option<Range<usize>> {
    // Nearly every file has no backslash at all.
    if !toml.contains('\\') {
        return None;
    }
    let bytes = toml.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => i = end_of_line(bytes, i),
            b'"' if bytes[i..].starts_with(b"\"\"\"") => match basic(toml, i + 3, true) {
                Scanned::Escape(range) => return Some(range),
                Scanned::End(next) => i = next,
            },
            b'"' => match basic(toml, i + 1, false) {
                Scanned::Escape(range) => return Some(range),
                Scanned::End(next) => i = next,
            },
            b'\'' if bytes[i..].starts_with(b"'''") => i = closing(bytes, i + 3, b'\''),
            b'\'' => i = literal_end(bytes, i + 1),
            _ => i += 1,
        }
    }
    None
}

enum Scanned {
    /// A forbidden escape, at these bytes.
    Escape(Range<usize>),
    /// The string ended; scanning goes on here.
    End(usize),
}

/// Scans a basic string whose text starts at `start` (after its quotes).
fn basic(toml: &str, start: usize, multiline: bool) -> Scanned {
    let bytes = toml.as_bytes();
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => {
                let (len, value) = escape(&toml[i + 1..]);
                if value.is_some_and(is_forbidden) {
                    return Scanned::Escape(i..i + 1 + len);
                }
                i += 1 + len.max(1);
            }
            b'"' if multiline => {
                if bytes[i..].starts_with(b"\"\"\"") {
                    return Scanned::End(closing(bytes, i, b'"'));
                }
                i += 1;
            }
            b'"' => return Scanned::End(i + 1),
            // An unclosed one-line string: TOML reports it.
            b'\n' if !multiline => return Scanned::End(i + 1),
            _ => i += 1,
        }
    }
    Scanned::End(i)
}

/// The length of the escape after a backslash (`rest` starts after it) and
/// the character it makes, if it makes one (a line-ending backslash does not).
fn escape(rest: &str) -> (usize, Option<char>) {
    let hex = |len: usize| {
        rest.get(1..1 + len)
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .and_then(char::from_u32)
            .map_or((1, None), |c| (1 + len, Some(c)))
    };
    match rest.as_bytes().first() {
        Some(b'b') => (1, Some('\x08')),
        Some(b'f') => (1, Some('\x0C')),
        Some(b'e') => (1, Some('\x1B')),
        Some(b'x') => hex(2),
        Some(b'u') => hex(4),
        Some(b'U') => hex(8),
        Some(_) => (1, None),
        None => (0, None),
    }
}

/// Where a multi-line string closed by three `quote`s at `at` ends: a
/// string may end with one or two quotes of its own before the three.
fn closing(bytes: &[u8], at: usize, quote: u8) -> usize {
    let run = bytes[at..].iter().take_while(|&&b| b == quote).count();
    if run >= 3 {
        return at + run.min(5);
    }
    // Not at a closing run (a multi-line literal's scan starts here).
    let mut i = at;
    while i < bytes.len() {
        if bytes[i..].starts_with(&[quote; 3]) {
            let run = bytes[i..].iter().take_while(|&&b| b == quote).count();
            return i + run.min(5);
        }
        i += 1;
    }
    i
}

fn literal_end(bytes: &[u8], start: usize) -> usize {
    bytes[start..]
        .iter()
        .position(|&b| b == b'\'' || b == b'\n')
        .map_or(bytes.len(), |p| start + p + 1)
}

fn end_of_line(bytes: &[u8], start: usize) -> usize {
    bytes[start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| start + p + 1)
}

/// `s` with every forbidden control character shown as its escape
/// (`\u{1b}`): for messages that quote what a file holds, so a terminal or
/// a CI log shows the character instead of obeying it.
pub fn visible(s: &str) -> std::borrow::Cow<'_, str> {
    if first_raw(s).is_none() {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .map(|c| {
                if is_forbidden(c) {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_control_characters_are_found_and_ordinary_text_is_not() {
        assert_eq!(first_raw("Семья\tи дом\r\n"), None);
        assert_eq!(first_raw("ab\x07c"), Some(2));
        assert_eq!(first_raw("Ж\x1b[2J"), Some(2));
        assert_eq!(first_raw("x\u{85}y"), Some(1), "C1 (NEL)");
        assert_eq!(first_raw("x\u{7f}"), Some(1), "DEL");
        // Letters whose UTF-8 starts with 0xC2 but are not C1.
        assert_eq!(first_raw("«ё» ° §"), None);
    }

    #[test]
    fn escapes_that_make_control_characters_are_found_where_written() {
        let at = |toml: &str| first_toml_escape(toml).map(|r| toml[r].to_string());
        assert_eq!(at(r#"title = "A\u0007B""#).as_deref(), Some(r"\u0007"));
        assert_eq!(
            at(r#"title = "A\U0000001bB""#).as_deref(),
            Some(r"\U0000001b")
        );
        assert_eq!(at(r#"a = "ok\n\t\"\\" b = "x\by""#).as_deref(), Some(r"\b"));
        assert_eq!(at("a = \"\"\"\nline\\f\n\"\"\"").as_deref(), Some(r"\f"));
        assert_eq!(at(r#"a = "\e[2J""#).as_deref(), Some(r"\e"));
        assert_eq!(at(r#"a = "\x1b""#).as_deref(), Some(r"\x1b"));
        assert_eq!(at(r#"a = "\u0085""#).as_deref(), Some(r"\u0085"));
    }

    #[test]
    fn ordinary_escapes_literal_strings_and_comments_pass() {
        for toml in [
            r#"a = "tab\there, line\nfeed, quote \" and \\ backslash, \u00ab ё \u0451""#,
            r"a = 'C:\b\f\u0007 is literal'",
            "a = '''\nmulti \\u0007 literal'''\nb = \"fine\"",
            "# a comment with \"\\u0007\"\na = 1",
            "a = \"\"\"ends with a quote\"\"\"\"\nb = \"\\u0041\"",
            "a = \"\"\"line \\\n   continued\"\"\"",
        ] {
            assert_eq!(first_toml_escape(toml), None, "{toml}");
        }
        // What follows a string that ends in quotes is still scanned.
        assert!(first_toml_escape("a = \"\"\"q\"\"\"\"\"\nb = \"\\b\"").is_some());
    }

    #[test]
    fn messages_show_control_characters_instead_of_obeying_them() {
        assert_eq!(visible("plain ё"), "plain ё");
        assert_eq!(visible("x\x1b[2Jy"), "x\\u{1b}[2Jy");
        assert_eq!(visible("a\nb"), "a\nb", "line feeds are the caller's");
    }
}
