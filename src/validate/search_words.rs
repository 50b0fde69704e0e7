//! Search vocabulary kept in data: the phrases people use for each need
//! (`data/taxonomy.toml`) and other names of places (`data/places.toml`).

use std::collections::HashSet;

use super::Context;
use crate::content::source::SourceText;
use crate::diag::{Diagnostic, LineIndex};

/// The line of a data file where `needle` first appears (1 if nowhere).
/// Where a data file's quoted strings first stand, found in one pass: the
/// line of each of thousands of findings is then looked up, not searched
/// for from the top of the file (which made a file of thousands of wrong
/// entries take seconds to minutes). A string with escaped quotes is not
/// found, and its findings point at line 1.
struct Lines<'a> {
    quoted: std::collections::HashMap<&'a str, usize>,
    index: LineIndex<'a>,
}

impl<'a> Lines<'a> {
    fn of(file: &'a SourceText) -> Lines<'a> {
        let mut quoted = std::collections::HashMap::new();
        for (i, line) in file.text.lines().enumerate() {
            for part in line.split('"').skip(1).step_by(2) {
                quoted.entry(part).or_insert(i + 1);
            }
        }
        Lines {
            quoted,
            index: file.lines(),
        }
    }

    /// `d` pointed at the first line where `value` stands quoted.
    fn at(&self, d: Diagnostic, value: &str) -> Diagnostic {
        let line = self.quoted.get(value).copied().unwrap_or(1);
        d.at_line_in(&self.index, line)
    }
}

pub(super) fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    check_phrases(cx, out);
    check_places(cx, out);
}

/// Need phrases: each has a word search can use and says something its
/// siblings do not; phrases anywhere else are ignored by search, so say so.
fn check_phrases(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(file) = &cx.data.taxonomy_file else {
        return;
    };
    let taxonomy = &cx.data.taxonomy;
    let lines = Lines::of(file);
    for (vocab, terms) in &taxonomy.vocabularies {
        if vocab == crate::data::NEEDS {
            continue;
        }
        for t in terms {
            if let Some(p) = t.phrases.first() {
                out.push(
                    lines
                        .at(
                            Diagnostic::warning(
                                &file.rel,
                                format!("`{}` has phrases, but only needs use them", t.id),
                            ),
                            p,
                        )
                        .hint("move the phrases to the need they describe"),
                );
            }
        }
    }
    for t in taxonomy.terms(crate::data::NEEDS) {
        let mut seen = HashSet::new();
        for p in &t.phrases {
            let words = opora_analyzer::analyze_words(p);
            if words.iter().all(|w| w.stop) {
                out.push(
                    lines.at(
                        Diagnostic::error(
                            &file.rel,
                            format!(
                                "phrase «{p}» of need `{}` has no word search can use",
                                t.id
                            ),
                        ),
                        p,
                    )
                    .hint("a phrase needs at least one word that is not a stop word (не, с, в, как…): «не с кем оставить ребёнка», not «не с кем»"),
                );
            }
            let key: Vec<String> = words.into_iter().map(|w| w.stem).collect();
            if !seen.insert(key) {
                out.push(
                    lines
                        .at(
                            Diagnostic::warning(
                                &file.rel,
                                format!(
                                    "phrase «{p}» of need `{}` repeats another of its phrases",
                                    t.id
                                ),
                            ),
                            p,
                        )
                        .hint(
                            "search compares word stems, so «пьёт» and «пьет» are the same phrase",
                        ),
                );
            }
        }
    }
}

/// Other names of places name a region that exists, with words search can use.
fn check_places(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(file) = &cx.data.places_file else {
        return;
    };
    let lines = Lines::of(file);
    for a in &cx.data.places.aliases {
        let code = a.region.get_ref();
        if !cx.regions.contains_key(code.as_str()) {
            out.push(
                Diagnostic::error(
                    &file.rel,
                    format!(
                        "place «{}» names region `{code}`, which has no file",
                        a.name
                    ),
                )
                .at_in(&lines.index, a.region.span())
                .hint("use a code of content/regions/, e.g. RU-MOS"),
            );
        }
        if opora_analyzer::analyze(&a.name).is_empty() {
            out.push(lines.at(
                Diagnostic::error(&file.rel, format!("place name «{}» has no words", a.name)),
                &a.name,
            ));
        }
    }
}
