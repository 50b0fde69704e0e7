//! Search vocabulary kept in data: the phrases people use for each need
//! (`data/taxonomy.toml`) and other names of places (`data/places.toml`).

use std::collections::HashSet;

use super::Context;
use crate::diag::Diagnostic;

/// The line of a data file where `needle` first appears (1 if nowhere).
fn data_line(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map_or(1, |i| i + 1)
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
    for (vocab, terms) in &taxonomy.vocabularies {
        if vocab == crate::data::NEEDS {
            continue;
        }
        for t in terms {
            if let Some(p) = t.phrases.first() {
                out.push(
                    Diagnostic::warning(
                        &file.rel,
                        format!("`{}` has phrases, but only needs use them", t.id),
                    )
                    .at_line(&file.text, data_line(&file.text, &format!("\"{p}\"")))
                    .hint("move the phrases to the need they describe"),
                );
            }
        }
    }
    for t in taxonomy.terms(crate::data::NEEDS) {
        let mut seen = HashSet::new();
        for p in &t.phrases {
            let at = data_line(&file.text, &format!("\"{p}\""));
            let words = opora_analyzer::analyze_words(p);
            if words.iter().all(|w| w.stop) {
                out.push(
                    Diagnostic::error(
                        &file.rel,
                        format!(
                            "phrase «{p}» of need `{}` has no word search can use",
                            t.id
                        ),
                    )
                    .at_line(&file.text, at)
                    .hint("a phrase needs at least one word that is not a stop word (не, с, в, как…): «не с кем оставить ребёнка», not «не с кем»"),
                );
            }
            let key: Vec<String> = words.into_iter().map(|w| w.stem).collect();
            if !seen.insert(key) {
                out.push(
                    Diagnostic::warning(
                        &file.rel,
                        format!(
                            "phrase «{p}» of need `{}` repeats another of its phrases",
                            t.id
                        ),
                    )
                    .at_line(&file.text, at)
                    .hint("search compares word stems, so «пьёт» and «пьет» are the same phrase"),
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
                .at_line(&file.text, data_line(&file.text, &format!("\"{code}\"")))
                .hint("use a code of content/regions/, e.g. RU-MOS"),
            );
        }
        if opora_analyzer::analyze(&a.name).is_empty() {
            out.push(
                Diagnostic::error(&file.rel, format!("place name «{}» has no words", a.name))
                    .at_line(&file.text, data_line(&file.text, &a.name)),
            );
        }
    }
}
