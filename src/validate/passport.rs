//! The best-practice passport schema: the long sections of the «Лучшие практики»
//! form, as `##` headings of a practice's body, in this order.

use crate::content::Record;
use crate::content::records::{PassportKind, PracticeMeta};
use crate::diag::Diagnostic;

/// (field number in the source form, exact heading).
pub const SECTIONS: [(&str, &str); 13] = [
    ("3", "Происхождение практики"),
    ("4.1", "Актуальность"),
    ("4.2", "Целевые группы"),
    ("4.3", "Цели"),
    ("4.4", "Социальные результаты"),
    ("4.5", "Деятельность"),
    ("5", "Ресурсы"),
    ("6", "Партнёры"),
    ("7", "Оценка эффективности"),
    ("8", "Количественные результаты"),
    ("9", "Качественные результаты"),
    ("10", "Изменения"),
    ("11", "Мониторинг"),
];

/// Index of a heading in the schema, tolerating е/ё and case.
pub fn section_index(heading: &str) -> Option<usize> {
    let norm = |s: &str| crate::ru::fold(s);
    let h = norm(heading.trim());
    SECTIONS.iter().position(|(_, name)| norm(name) == h)
}

pub fn check(rec: &Record<PracticeMeta>, out: &mut Vec<Diagnostic>) {
    let kind = rec.meta.passport.unwrap_or(PassportKind::Partial);
    let mut seen: Vec<usize> = Vec::new();
    let h2: Vec<_> = rec.body.headings.iter().filter(|h| h.level <= 2).collect();
    for (i, h) in h2.iter().enumerate() {
        let len = h.text.len() + 3;
        match section_index(&h.text) {
            None => out.push(
                rec.error_in_body(
                    h.offset,
                    len,
                    format!("`{}` is not a passport section", h.text),
                )
                .hint(format!(
                    "sections are: {}; use ### for sub-headings",
                    SECTIONS.map(|(_, n)| n).join(", ")
                )),
            ),
            Some(idx) => {
                if seen.contains(&idx) {
                    out.push(rec.error_in_body(
                        h.offset,
                        len,
                        format!("section `{}` appears twice", h.text),
                    ));
                } else if seen.last().is_some_and(|&last| last > idx) {
                    out.push(
                        rec.error_in_body(
                            h.offset,
                            len,
                            format!("section `{}` is out of order", h.text),
                        )
                        .hint(format!(
                            "it belongs before `{}`",
                            SECTIONS[*seen.last().unwrap_or(&0)].1
                        )),
                    );
                }
                seen.push(idx);
                let next_offset = h2.get(i + 1).map_or(rec.markdown().len(), |n| n.offset);
                let section_text = rec.markdown().get(h.offset..next_offset).unwrap_or("");
                let has_text = section_text
                    .lines()
                    .skip(1)
                    .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with("<!--"));
                if !has_text {
                    out.push(
                        rec.error_in_body(h.offset, len, format!("section `{}` is empty", h.text))
                            .hint("write what the source says, or remove the heading for a partial passport"),
                    );
                }
            }
        }
    }
    if kind == PassportKind::Full {
        let missing: Vec<&str> = SECTIONS
            .iter()
            .enumerate()
            .filter(|(i, _)| !seen.contains(i))
            .map(|(_, (_, name))| *name)
            .collect();
        if !missing.is_empty() {
            out.push(
                rec.error(format!(
                    "a full passport lacks sections: {}",
                    missing.join(", ")
                ))
                .hint("add them as `## Heading` in the body, or set passport = \"partial\""),
            );
        }
    }
}
