//! Always-available national lines (`data/national-lines.toml`): 112 and the
//! children's helpline, shown as one-tap calls on every family page.
//!
//! They are content like any other record: facts copied exactly, each with its
//! public source, checked by `opora check`; templates only show them.

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::content::records::Source;
use crate::content::source::SourceText;
use crate::diag::Diagnostic;
use crate::phone::Phone;

/// The data file, relative to the portal root.
pub const FILE: &str = "data/national-lines.toml";

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NationalLines {
    #[serde(default)]
    pub lines: Vec<NationalLine>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NationalLine {
    /// Stable id, used in anchors and by templates that pick one line.
    pub id: Spanned<String>,
    /// The official name, as the source gives it.
    pub name: String,
    /// A short label for the always-visible bar, e.g. «Детский телефон доверия».
    pub label: String,
    /// The number exactly as the source writes it (`8-800-2000-122`, `112`).
    pub number: Spanned<String>,
    /// When to call, in the source's words.
    pub when: String,
    /// Offered where a page has no contact of its own to give («спросите здесь»).
    #[serde(default)]
    pub ask_instead: bool,
    pub sources: Vec<Source>,
}

/// What templates see of a line.
#[derive(Debug, Clone, Serialize)]
pub struct LineView {
    pub id: String,
    pub name: String,
    pub label: String,
    /// As written in the source.
    pub number: String,
    pub tel: String,
    pub when: String,
    pub ask_instead: bool,
    pub sources: Vec<crate::site::SourceView>,
}

/// `tel:` URI of a line's number: short emergency numbers (2–4 digits, such as
/// 112) dial as they are; anything else must be a full Russian number.
pub fn tel_uri(number: &str) -> Option<String> {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    let only_digits = number
        .chars()
        .all(|c| c.is_ascii_digit() || c == ' ' || c == '-');
    if only_digits && (2..=4).contains(&digits.len()) {
        return Some(format!("tel:{digits}"));
    }
    Phone::parse(number).ok().map(|p| p.tel_uri())
}

/// Every problem in the file: ids, numbers, empty fields, missing sources.
/// `documents` are the ids `data/sources.toml` lists, `None` when it could
/// not be read (then citations of documents are not checked).
pub fn check(
    lines: &NationalLines,
    file: &SourceText,
    documents: Option<&[&str]>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // The file's one index of its lines for all findings: a file of
    // thousands of entries is checked in time linear in its size.
    let index = file.lines();
    let mut seen = std::collections::HashSet::new();
    for l in &lines.lines {
        let (id, at) = (l.id.get_ref(), l.id.span());
        if !seen.insert(id.as_str()) {
            out.push(
                Diagnostic::error(&file.rel, format!("line `{}` is defined twice", id))
                    .at_in(&index, at.clone())
                    .hint("each national line once; merge the two entries"),
            );
        }
        for (field, value) in [("name", &l.name), ("label", &l.label), ("when", &l.when)] {
            if value.trim().is_empty() {
                out.push(
                    Diagnostic::error(&file.rel, format!("line `{}` has an empty `{field}`", id))
                        .at_in(&index, at.clone()),
                );
            }
        }
        if tel_uri(l.number.get_ref()).is_none() {
            out.push(
                Diagnostic::error(
                    &file.rel,
                    format!("`{}` is not a number a phone can dial", l.number.get_ref()),
                )
                .at_in(&index, l.number.span())
                .hint("a short emergency number (112) or a full Russian number (8-800-2000-122)"),
            );
        }
        if l.sources.is_empty() {
            out.push(
                Diagnostic::error(&file.rel, format!("line `{}` cites no source", id))
                    .at_in(&index, at.clone())
                    .hint("add sources = [{ title = \"…\", url = \"https://…\" }]"),
            );
        }
        for s in &l.sources {
            match (&s.doc, &s.url, &s.title) {
                (Some(doc), _, _)
                    if documents.is_some_and(|d| !d.contains(&doc.get_ref().as_str())) =>
                {
                    out.push(
                        Diagnostic::error(
                            &file.rel,
                            format!(
                                "document `{}` is not listed in data/sources.toml",
                                doc.get_ref()
                            ),
                        )
                        .at_in(&index, doc.span()),
                    )
                }
                (None, Some(url), _) if !crate::validate::formats::is_web_url(url.get_ref()) => out
                    .push(
                        Diagnostic::error(
                            &file.rel,
                            format!("`{}` is not a web address", url.get_ref()),
                        )
                        .at_in(&index, url.span())
                        .hint("write the full address, starting with https://"),
                    ),
                (None, None, None) => out.push(
                    Diagnostic::error(&file.rel, "a citation needs `doc`, `url` or `title`")
                        .at_in(&index, at.clone())
                        .hint("name the law or page the number comes from"),
                ),
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_full_numbers_dial() {
        assert_eq!(tel_uri("112").as_deref(), Some("tel:112"));
        assert_eq!(
            tel_uri("8-800-2000-122").as_deref(),
            Some("tel:+78002000122")
        );
        assert_eq!(tel_uri("12345"), None, "five digits are neither");
        assert_eq!(tel_uri("1a2"), None);
    }

    fn parse(text: &str) -> (NationalLines, SourceText) {
        let file = SourceText::new(FILE, text);
        (toml::from_str(text).unwrap(), file)
    }

    #[test]
    fn a_wrong_number_is_reported_at_its_line() {
        let (lines, file) = parse(
            "[[lines]]\nid = \"a\"\nname = \"A\"\nlabel = \"A\"\nnumber = \"12-34-5\"\nwhen = \"всегда\"\nsources = [{ title = \"Закон\" }]\n",
        );
        let d = check(&lines, &file, Some(&[]));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].pos.line, 5);
        assert!(d[0].message.contains("12-34-5"));
    }

    #[test]
    fn a_line_without_a_source_is_an_error() {
        let (lines, file) = parse(
            "[[lines]]\nid = \"a\"\nname = \"A\"\nlabel = \"A\"\nnumber = \"112\"\nwhen = \"всегда\"\nsources = []\n",
        );
        let d = check(&lines, &file, Some(&[]));
        assert!(
            d.iter().any(|d| d.message.contains("cites no source")),
            "{d:?}"
        );
    }
}
