//! Where each character of a TOML string value stands in the file.
//!
//! serde hands us a front-matter string already decoded (escapes resolved,
//! the newline after `"""` trimmed); a problem found in that text — a bad link
//! in a route step written in Markdown — must still be reported at the line and
//! column where the editor wrote it. [`StringPlaces`] walks the raw token and
//! the decoded value side by side and keeps, for every byte of the value, the
//! offset of the raw text that produced it.

/// Offsets into the raw token for every byte of the decoded value (plus one
/// past the end), or `None` when the two could not be lined up — then the
/// whole token is the place.
pub struct StringPlaces {
    offsets: Option<Vec<usize>>,
    token_len: usize,
}

impl StringPlaces {
    /// `token` is the value as written, quotes included; `value` as decoded.
    pub fn new(token: &str, value: &str) -> Self {
        Self {
            offsets: line_up(token, value),
            token_len: token.len(),
        }
    }

    /// The byte range of the token that produced `value[start..start + len]`.
    pub fn range(&self, start: usize, len: usize) -> std::ops::Range<usize> {
        match &self.offsets {
            Some(map) => {
                let last = map.len() - 1;
                let a = map[start.min(last)];
                let b = map[(start + len).min(last)].max(a);
                a..b
            }
            None => 0..self.token_len,
        }
    }
}

fn line_up(token: &str, value: &str) -> Option<Vec<usize>> {
    let (open, basic, multiline) = if token.starts_with("\"\"\"") {
        (3, true, true)
    } else if token.starts_with("'''") {
        (3, false, true)
    } else if token.starts_with('"') {
        (1, true, false)
    } else if token.starts_with('\'') {
        (1, false, false)
    } else {
        return None;
    };
    let end = token.len().checked_sub(open)?;
    let mut i = open;
    if multiline {
        // A newline right after the opening quotes is not part of the value.
        if token[i..end].starts_with("\r\n") {
            i += 2;
        } else if token[i..end].starts_with('\n') {
            i += 1;
        }
    }
    let raw = token.get(..end)?;
    let mut offsets = Vec::with_capacity(value.len() + 1);
    let mut j = 0;
    while i < raw.len() {
        let rest = &raw[i..];
        if basic && rest.starts_with('\\') {
            let (decoded, used) = escape(rest, multiline)?;
            if let Some(c) = decoded {
                if !value[j..].starts_with(c) {
                    return None;
                }
                offsets.extend(std::iter::repeat_n(i, c.len_utf8()));
                j += c.len_utf8();
            }
            i += used;
        } else if rest.starts_with("\r\n") && value[j..].starts_with('\n') {
            offsets.push(i);
            j += 1;
            i += 2;
        } else {
            let c = rest.chars().next()?;
            if !value[j..].starts_with(c) {
                return None;
            }
            offsets.extend((0..c.len_utf8()).map(|k| i + k));
            j += c.len_utf8();
            i += c.len_utf8();
        }
    }
    if j != value.len() {
        return None;
    }
    offsets.push(i);
    Some(offsets)
}

/// One escape at the start of `s`: the character it stands for (none for a
/// line-ending backslash) and how many bytes it takes.
fn escape(s: &str, multiline: bool) -> Option<(Option<char>, usize)> {
    let mut chars = s[1..].chars();
    let c = chars.next()?;
    let simple = match c {
        'b' => Some('\u{8}'),
        't' => Some('\t'),
        'n' => Some('\n'),
        'f' => Some('\u{c}'),
        'r' => Some('\r'),
        'e' => Some('\u{1b}'),
        '"' => Some('"'),
        '\\' => Some('\\'),
        _ => None,
    };
    if let Some(ch) = simple {
        return Some((Some(ch), 2));
    }
    let hex = |digits: usize| {
        let h = s.get(2..2 + digits)?;
        let code = u32::from_str_radix(h, 16).ok()?;
        Some((Some(char::from_u32(code)?), 2 + digits))
    };
    match c {
        'x' => hex(2),
        'u' => hex(4),
        'U' => hex(8),
        // A backslash at the end of a line swallows the newline and the
        // whitespace that follows it.
        ' ' | '\t' | '\r' | '\n' if multiline => {
            let skipped = s[1..]
                .find(|ch: char| !ch.is_whitespace())
                .unwrap_or(s.len() - 1);
            Some((None, 1 + skipped))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `key = <token>` with the toml crate and maps `needle` back.
    fn place(token: &str, needle: &str) -> String {
        #[derive(serde::Deserialize)]
        struct T {
            key: String,
        }
        let value = toml::from_str::<T>(&format!("key = {token}")).unwrap().key;
        let start = value.find(needle).unwrap();
        let places = StringPlaces::new(token, &value);
        token[places.range(start, needle.len())].to_string()
    }

    #[test]
    fn every_kind_of_string_maps_back_to_what_was_written() {
        assert_eq!(place(r#""a [x](javascript:1)""#, "[x]"), "[x]");
        assert_eq!(place(r#"'lit [x](y)'"#, "[x](y)"), "[x](y)");
        assert_eq!(place(r#""esc \"q\" \u0041 [x](y)""#, "[x](y)"), "[x](y)");
        assert_eq!(place(r#""\u0041BC""#, "ABC"), r"\u0041BC");
        assert_eq!(
            place("\"\"\"\nline one\nline [two](y)\"\"\"", "[two](y)"),
            "[two](y)"
        );
        assert_eq!(place("\"\"\"\r\nl1\r\n[x](y)\"\"\"", "[x](y)"), "[x](y)");
        assert_eq!(place("\"\"\"a \\\n    [x](y)\"\"\"", "[x](y)"), "[x](y)");
        assert_eq!(place("'''\nlit\n[x](y)'''", "[x](y)"), "[x](y)");
    }

    #[test]
    fn unmatched_values_point_at_the_whole_token() {
        let p = StringPlaces::new("\"abc\"", "something else");
        assert_eq!(p.range(3, 2), 0..5);
    }
}
