//! Characters a portal's text files may not hold: control characters,
//! Unicode noncharacters and bidirectional controls.
//!
//! All are invisible in an editor and mean nothing in a name or a sentence.
//! Control characters and noncharacters break what the site is made of: XML
//! 1.0 forbids most controls and U+FFFE/U+FFFF, so one in a title makes the
//! Atom feeds unreadable, and in a terminal controls move the cursor or
//! clear the screen. Bidirectional controls reorder the text around them:
//! one left open (U+202E) turns the rest of a line — a list page of names, a
//! diagnostic in a terminal — backwards; Russian text never needs them. A
//! file may hold any of them raw, or a TOML string may make one with an
//! escape (`"\u0007"`, `"\b"`, `"\uFFFF"`); both are refused where they are
//! written. Tab, line feed and carriage return are ordinary text.
//!
//! Zero-width characters (U+200B–U+200D, U+2060, U+FEFF) and the soft hyphen
//! are not refused here: in running text they break a long word or join an
//! emoji. Names refuse them (`validate::require_title`).

use std::ops::Range;

/// Why a character may not stand in a text file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forbidden {
    /// C0 but tab, line feed and carriage return; DEL; C1.
    Control,
    /// U+FDD0–U+FDEF and the last two code points of every plane (U+FFFE,
    /// U+FFFF, U+1FFFE…): Unicode keeps them for programs' internal use,
    /// never for text, and XML forbids U+FFFE and U+FFFF.
    Noncharacter,
    /// Embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069)
    /// and the directional marks (U+200E, U+200F, U+061C). The marks need
    /// no closing, but they still turn the brackets, quotes and digits
    /// beside them around, and are as invisible.
    Bidi,
}

impl Forbidden {
    /// Why `c` may not stand in a text file, if it may not.
    pub fn of(c: char) -> Option<Self> {
        match c {
            '\0'..='\x08' | '\x0B' | '\x0C' | '\x0E'..='\x1F' | '\x7F'..='\u{9F}' => {
                Some(Self::Control)
            }
            '\u{FDD0}'..='\u{FDEF}' => Some(Self::Noncharacter),
            // The last two of each plane: U+FFFE, U+FFFF, U+1FFFE … U+10FFFF.
            c if (c as u32) & 0xFFFE == 0xFFFE => Some(Self::Noncharacter),
            '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}' => Some(Self::Bidi),
            _ => None,
        }
    }

    /// What the character is, for a message: «the file holds {what}».
    pub fn what(self) -> &'static str {
        match self {
            Self::Control => "an invisible control character",
            Self::Noncharacter => "a Unicode noncharacter",
            Self::Bidi => "an invisible bidirectional control character",
        }
    }

    /// Why it must go, for the hints of both the raw character and an escape.
    fn why(self) -> &'static str {
        match self {
            Self::Control => "control characters mean nothing in text and break the site's feeds",
            Self::Noncharacter => {
                "noncharacters (U+FFFE, U+FFFF, U+FDD0–U+FDEF and the last two code points of every plane) are never text and make the site's feeds invalid XML"
            }
            Self::Bidi => {
                "bidirectional controls reorder the text around them (one left open turns the rest of a line or a list backwards); write the text without them"
            }
        }
    }

    /// The hint for the character written raw.
    pub fn raw_hint(self) -> String {
        match self {
            Self::Control => "delete it (it is often pasted in with text from a PDF or a terminal); tabs and line breaks are fine".to_string(),
            _ => format!(
                "delete it (it is often pasted in with text from a PDF or a web page): {}",
                self.why()
            ),
        }
    }

    /// The hint for a TOML escape that makes the character.
    pub fn escape_hint(self) -> String {
        let tail = match self {
            Self::Control => "; `\\t` and `\\n` are fine",
            _ => "",
        };
        format!("delete the escape: {}{tail}", self.why())
    }
}

/// Whether `c` is a character a text file may not hold ([`Forbidden`]).
pub fn is_forbidden(c: char) -> bool {
    Forbidden::of(c).is_some()
}

/// The byte offset of the first forbidden character in `text` ([`Forbidden`]).
pub fn first_raw(text: &str) -> Option<usize> {
    // Bytes first: C0 and DEL are single bytes, and every other forbidden
    // character starts with one of a few lead bytes (C1: 0xC2; U+061C: 0xD8;
    // the bidi controls: 0xE2; U+FDD0…, U+FFFE/F: 0xEF; the other planes:
    // 0xF0–0xF4), so Cyrillic and Latin text is passed over without
    // decoding it. A lead byte always starts a character.
    let bytes = text.as_bytes();
    bytes.iter().enumerate().find_map(|(i, &b)| {
        let forbidden = match b {
            b'\t' | b'\n' | b'\r' => false,
            0..=0x1F | 0x7F => true,
            0xC2 | 0xD8 | 0xE2 | 0xEF | 0xF0..=0xF4 => {
                text[i..].chars().next().is_some_and(is_forbidden)
            }
            _ => false,
        };
        forbidden.then_some(i)
    })
}

/// The byte range of the first escape in a TOML basic string of `toml` that
/// makes a forbidden character (`\b`, `\f`, `\e`, `\xHH`, `\uXXXX`,
/// `\UXXXXXXXX`). Literal strings (`'…'`, `'''…'''`) have no escapes, and
/// comments are not values.
pub fn first_toml_escape(toml: &str) -> Option<(Range<usize>, Forbidden)> {
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
                Scanned::Escape(range, kind) => return Some((range, kind)),
                Scanned::End(next) => i = next,
            },
            b'"' => match basic(toml, i + 1, false) {
                Scanned::Escape(range, kind) => return Some((range, kind)),
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
    /// A forbidden escape, at these bytes, and what it makes.
    Escape(Range<usize>, Forbidden),
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
                if let Some(kind) = value.and_then(Forbidden::of) {
                    return Scanned::Escape(i..i + 1 + len, kind);
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

/// `s` with every forbidden character shown as its escape (`\u{1b}`,
/// `\u{202e}`): for messages that quote what a file holds, so a terminal or
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
        let at = |toml: &str| first_toml_escape(toml).map(|(r, _)| toml[r].to_string());
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
    fn noncharacters_of_every_plane_and_bidi_controls_are_found_raw_and_escaped() {
        let nonchars = [
            '\u{FFFE}',
            '\u{FFFF}',
            '\u{FDD0}',
            '\u{FDEF}',
            '\u{1FFFE}',
            '\u{10FFFF}',
        ];
        for c in nonchars {
            assert_eq!(Forbidden::of(c), Some(Forbidden::Noncharacter), "{c:?}");
            assert_eq!(first_raw(&format!("Ёлка{c}")), Some("Ёлка".len()), "{c:?}");
        }
        for c in [
            '\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
        ] {
            assert_eq!(Forbidden::of(c), Some(Forbidden::Bidi), "{c:?}");
            assert_eq!(
                first_raw(&format!("«Центр»{c}")),
                Some("«Центр»".len()),
                "{c:?}"
            );
        }
        // Their neighbours are text: the ends of the noncharacter block,
        // the replacement character, a private-use letter of plane 15, and
        // the punctuation that shares the bidi controls' lead byte.
        for c in [
            '\u{FDCF}',
            '\u{FDF0}',
            '\u{FFFD}',
            '\u{FFFC}',
            '\u{FFFFD}',
            '\u{2065}',
            '\u{202F}',
            '—',
            '…',
            '№',
            '😀',
        ] {
            assert_eq!(Forbidden::of(c), None, "{c:?}");
            assert_eq!(first_raw(&c.to_string()), None, "{c:?}");
        }
        // Zero-width characters are running text's business (names refuse them).
        assert_eq!(first_raw("пере\u{AD}нос\u{200B}и\u{200D}\u{FEFF}"), None);
        let kind = |toml: &str| first_toml_escape(toml).map(|(r, k)| (toml[r].to_string(), k));
        assert_eq!(
            kind(r#"title = "A\uFFFF""#),
            Some((r"\uFFFF".into(), Forbidden::Noncharacter))
        );
        assert_eq!(
            kind(r#"title = "A\U0010FFFE""#),
            Some((r"\U0010FFFE".into(), Forbidden::Noncharacter))
        );
        assert_eq!(
            kind(r#"title = "A\uFDD0""#),
            Some((r"\uFDD0".into(), Forbidden::Noncharacter))
        );
        assert_eq!(
            kind(r#"name = "\u202Eабв""#),
            Some((r"\u202E".into(), Forbidden::Bidi))
        );
        assert_eq!(
            kind(r#"name = "\u2067x""#),
            Some((r"\u2067".into(), Forbidden::Bidi))
        );
        assert_eq!(
            kind(r#"name = "\u0007""#).map(|k| k.1),
            Some(Forbidden::Control)
        );
        assert_eq!(kind(r#"name = "\uFFFD \u200B \u00AB""#), None);
    }

    #[test]
    fn messages_show_control_characters_instead_of_obeying_them() {
        assert_eq!(visible("plain ё"), "plain ё");
        assert_eq!(visible("x\x1b[2Jy"), "x\\u{1b}[2Jy");
        assert_eq!(visible("a\nb"), "a\nb", "line feeds are the caller's");
        assert_eq!(visible("x\u{202E}y\u{FFFF}"), "x\\u{202e}y\\u{ffff}");
    }
}
