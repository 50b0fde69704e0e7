//! Front matter as the imports write it: every value on one line.
//!
//! A record's front matter ends at the first line that reads `+++`, and
//! that split is made by lines before any TOML is parsed
//! (`content::source::split_front_matter`). A text with line breaks written
//! as a multi-line string (`"""…"""`, as `toml`'s own writer does) can hold
//! such a line, and `opora check` then reads the record as ending inside
//! the string and refuses it at the wrong place. So texts are basic strings
//! with `\n` escapes, tables are inline, and no line of the front matter
//! begins with anything but a key.

use std::fmt::Write as _;

use crate::content::source::{SourceText, split_front_matter};

/// A TOML basic string: `"…"`, with quotes, backslashes and control
/// characters escaped (line breaks as `\n`), everything else as it is.
pub(crate) fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // The imports refuse these before writing; should one get
            // here, the escape still reads back as the same character
            // (and `opora check` names it).
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML list of strings, on one line.
pub(crate) fn list(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|s| string(s))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Any TOML value on one line: tables inline, texts as [`string`].
pub(crate) fn value(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => string(s),
        toml::Value::Array(items) => format!(
            "[{}]",
            items.iter().map(value).collect::<Vec<_>>().join(", ")
        ),
        toml::Value::Table(t) if t.is_empty() => "{}".to_string(),
        toml::Value::Table(t) => format!(
            "{{ {} }}",
            t.iter()
                .map(|(k, v)| format!("{} = {}", key(k), value(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        // Numbers, booleans and dates are one token each.
        other => other.to_string(),
    }
}

/// A key, bare where TOML allows it, else quoted.
fn key(k: &str) -> String {
    let bare = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare { k.to_string() } else { string(k) }
}

/// A table as front matter lines, `key = value` each, in the table's order.
pub(crate) fn lines(table: &toml::Table) -> String {
    let mut out = String::new();
    for (k, v) in table {
        let _ = writeln!(out, "{} = {}", key(k), value(v));
    }
    out
}

/// `front` with `changes` written in, or `None` where that cannot be done
/// in place. A key it has keeps its line and everything around it — the
/// editor's comments, order and layout — and only its value is replaced; a
/// key it lacks is added after the last line of top-level keys. The result
/// must read back as `expected` (the whole table, changed), with no line
/// that ends the front matter; otherwise (a value written as a `[table]`
/// section, say) `None`, and the caller writes the table whole.
pub(crate) fn edit(
    front: &str,
    changes: &[(String, toml::Value)],
    expected: &toml::Table,
) -> Option<String> {
    let doc = toml::de::DeTable::parse(front).ok()?;
    let mut replaced: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    let mut added = String::new();
    for (k, v) in changes {
        let place = doc
            .get_ref()
            .iter()
            .find(|(key, _)| key.get_ref().as_ref() == k.as_str())
            .map(|(_, at)| at.span());
        match place {
            Some(span) => replaced.push((span, value(v))),
            None => {
                let _ = writeln!(added, "{} = {}", key(k), value(v));
            }
        }
    }
    replaced.sort_by_key(|(span, _)| span.start);
    let mut out = String::with_capacity(front.len() + added.len());
    let mut at = 0;
    for (span, text) in replaced {
        out.push_str(front.get(at..span.start)?);
        out.push_str(&text);
        at = span.end;
    }
    out.push_str(front.get(at..)?);
    // Before the first `[table]` header, whose keys would take them in.
    let insert = header_line(&out).unwrap_or(out.len());
    if insert == out.len() && !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.insert_str(insert.min(out.len()), &added);
    let reads_back = toml::from_str::<toml::Table>(&out).is_ok_and(|t| t == *expected);
    let closes_early = out.lines().any(|l| l.trim_end() == "+++");
    (reads_back && !closes_early).then_some(out)
}

/// The byte offset of the first line that opens a table (`[location]`,
/// `[[sources]]`), if any.
fn header_line(front: &str) -> Option<usize> {
    let mut at = 0;
    for line in front.split_inclusive('\n') {
        if line.trim_start().starts_with('[') {
            return Some(at);
        }
        at += line.len();
    }
    None
}

/// Where a record's front matter is (a byte range) and where its body
/// begins, split where `opora check` splits it.
pub(crate) fn parts(text: &str) -> Option<(std::ops::Range<usize>, usize)> {
    let parts = split_front_matter(&SourceText::new("", text)).ok()?;
    Some((parts.front.0..parts.front.1, parts.body))
}

/// A record's front matter text and its body (see [`parts`]).
pub(crate) fn split(text: &str) -> Option<(&str, &str)> {
    let (front, body) = parts(text)?;
    Some((&text[front], &text[body..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts that a naive writer gets wrong: lines that end the front
    /// matter, quotes that end the string, escapes, line breaks of every
    /// kind, and what is only text.
    const TRICKY: [&str; 14] = [
        "+++",
        "a\n+++\nb",
        "a\r\n+++\r\nb",
        "+++\n",
        "\"\"\"",
        "'''",
        "a\"b\\c",
        "\\n is not a line break",
        "\\u0007",
        "tab\there",
        "# not a comment",
        "key = \"value\"",
        "строка\u{2028}разделитель",
        "",
    ];

    #[test]
    fn every_text_reads_back_as_written_and_no_line_ends_the_front_matter() {
        let mut table = toml::Table::new();
        for (i, t) in TRICKY.iter().enumerate() {
            table.insert(format!("k{i}"), toml::Value::String(t.to_string()));
        }
        table.insert(
            "list".into(),
            toml::Value::Array(TRICKY.iter().map(|t| (*t).into()).collect()),
        );
        let mut inline = toml::Table::new();
        inline.insert("quote".into(), "a\n+++\nb".into());
        inline.insert("line".into(), 36.into());
        inline.insert("key with space".into(), true.into());
        table.insert("sources".into(), toml::Value::Array(vec![inline.into()]));
        table.insert("lat".into(), 55.0.into());
        table.insert(
            "verified".into(),
            toml::Value::Datetime("2026-11-24".parse().unwrap()),
        );
        let front = lines(&table);
        let record = format!("+++\n{front}+++\nТекст.\n");
        let (read_front, body) = split(&record).expect("the record splits");
        assert_eq!(
            read_front, front,
            "the front matter ends where it was written"
        );
        assert_eq!(body, "Текст.\n");
        assert_eq!(toml::from_str::<toml::Table>(read_front).unwrap(), table);
        assert!(front.lines().all(|l| l.contains(" = ")), "{front}");
    }

    #[test]
    fn an_edit_keeps_the_editors_comments_and_layout_and_adds_what_is_new() {
        let front = "# Проверено по телефону.\nname = \"Центр\"  # как в источнике\ncost = \"платно\"\n\nsources = [\n  { url = \"https://example.ru/\" },\n]\n";
        let mut expected: toml::Table = toml::from_str(front).unwrap();
        let changes = [
            ("cost".to_string(), toml::Value::from("a\n+++\nb")),
            ("hours".to_string(), toml::Value::from("пн–пт")),
        ];
        for (k, v) in &changes {
            expected.insert(k.clone(), v.clone());
        }
        let edited = edit(front, &changes, &expected).unwrap();
        assert_eq!(
            edited,
            "# Проверено по телефону.\nname = \"Центр\"  # как в источнике\ncost = \"a\\n+++\\nb\"\n\nsources = [\n  { url = \"https://example.ru/\" },\n]\nhours = \"пн–пт\"\n"
        );
        // A value under a `[table]` header cannot be edited in place.
        let sectioned = "name = \"Центр\"\n[location]\nlat = 1.0\nlon = 2.0\n";
        let mut expected: toml::Table = toml::from_str(sectioned).unwrap();
        let mut point = toml::Table::new();
        point.insert("lat".into(), 3.0.into());
        point.insert("lon".into(), 4.0.into());
        let changes = [("location".to_string(), toml::Value::Table(point))];
        expected.insert("location".into(), changes[0].1.clone());
        let edited = edit(sectioned, &changes, &expected);
        assert!(
            edited
                .as_deref()
                .is_none_or(|e| toml::from_str::<toml::Table>(e).unwrap() == expected),
            "{edited:?}"
        );
    }

    #[test]
    fn a_control_character_is_escaped_not_written_raw() {
        assert_eq!(string("a\u{7}b\u{1b}"), "\"a\\u0007b\\u001B\"");
        assert_eq!(
            toml::from_str::<toml::Table>(&format!("v = {}", string("a\u{7}b"))).unwrap()["v"]
                .as_str(),
            Some("a\u{7}b")
        );
    }
}
