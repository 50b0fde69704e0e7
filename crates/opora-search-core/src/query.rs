//! What a query says before any index is read: its words, the place it
//! names and the needs its phrases mean (from the lexicon in the manifest).

use opora_analyzer::{Word, analyze_words};

use crate::format::Lexicon;

#[derive(Debug, Clone, Default)]
pub struct Understood {
    pub words: Vec<Word>,
    /// The place named, an index into the lexicon's places.
    pub place: Option<usize>,
    /// Indices into the lexicon's needs.
    pub needs: Vec<usize>,
    /// Stems to look up: the words that are not stop words and not the
    /// place (unless the place is all there is).
    pub terms: Vec<String>,
    /// Stems of the place's words, for highlighting.
    pub place_stems: Vec<String>,
}

/// Finds where `pattern` occurs as consecutive items of `seq`.
fn find_run(seq: &[&str], pattern: &[String]) -> Option<usize> {
    if pattern.is_empty() || pattern.len() > seq.len() {
        return None;
    }
    (0..=seq.len() - pattern.len()).find(|&i| pattern.iter().zip(&seq[i..]).all(|(p, s)| p == s))
}

/// Whether a need phrase occurs in the query: its words in order, with at
/// most two other words in between in all («не с кем оставить ребёнка»
/// matches «не с кем оставить маленького ребёнка»).
fn phrase_occurs(stems: &[&str], phrase: &[String]) -> bool {
    if phrase.is_empty() {
        return false;
    }
    for start in 0..stems.len() {
        if stems[start] != phrase[0] {
            continue;
        }
        let mut at = start;
        let mut gaps = 0usize;
        let mut ok = true;
        for p in &phrase[1..] {
            match stems[at + 1..].iter().position(|s| s == p) {
                Some(k) if gaps + k <= 2 => {
                    gaps += k;
                    at += k + 1;
                }
                _ => {
                    ok = false;
                    break;
                }
            }
        }
        if ok {
            return true;
        }
    }
    false
}

pub fn understand(query: &str, lexicon: &Lexicon, use_place: bool) -> Understood {
    let words = analyze_words(query);
    let content: Vec<&Word> = words.iter().filter(|w| !w.stop).collect();
    let stems: Vec<&str> = content.iter().map(|w| w.stem.as_str()).collect();

    // Places: the longest names first; a town beats its region's name.
    let mut consumed = vec![false; content.len()];
    let mut place: Option<usize> = None;
    if use_place {
        // Longest names first (a stable order without a sort: names are short).
        let longest = lexicon
            .places
            .iter()
            .map(|p| p.stems.len())
            .max()
            .unwrap_or(0);
        let order = (1..=longest).rev().flat_map(|n| {
            (0..lexicon.places.len()).filter(move |&i| lexicon.places[i].stems.len() == n)
        });
        for i in order {
            let p = &lexicon.places[i];
            let Some(at) = find_run(&stems, &p.stems) else {
                continue;
            };
            if consumed[at..at + p.stems.len()].iter().any(|&c| c) {
                continue;
            }
            let agrees = place.is_none_or(|chosen| lexicon.places[chosen].region == p.region);
            if !agrees {
                continue;
            }
            consumed[at..at + p.stems.len()].fill(true);
            let better = place
                .is_none_or(|chosen| lexicon.places[chosen].town.is_empty() && !p.town.is_empty());
            if better {
                place = Some(i);
            }
        }
    }
    let mut place_stems = Vec::new();
    let mut terms: Vec<String> = Vec::new();
    let only_place = consumed.iter().all(|&c| c);
    for (w, &c) in content.iter().zip(&consumed) {
        if c {
            place_stems.push(w.stem.clone());
        }
        if (!c || only_place) && !terms.contains(&w.stem) {
            terms.push(w.stem.clone());
        }
    }

    let all: Vec<&str> = words.iter().map(|w| w.stem.as_str()).collect();
    let needs = lexicon
        .needs
        .iter()
        .enumerate()
        .filter(|(_, n)| n.phrases.iter().any(|ph| phrase_occurs(&all, ph)))
        .map(|(i, _)| i)
        .collect();
    Understood {
        words,
        place,
        needs,
        terms,
        place_stems,
    }
}

/// A phrase as the lexicon keeps it: the stems of all its words.
pub fn phrase_stems(phrase: &str) -> Vec<String> {
    analyze_words(phrase).into_iter().map(|w| w.stem).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{Need, Place};

    fn lexicon() -> Lexicon {
        let place = |name: &str, region: &str, town: &str| Place {
            stems: phrase_stems(name),
            region: region.into(),
            town: town.into(),
            label: name.into(),
        };
        Lexicon {
            synonyms: Vec::new(),
            places: vec![
                place("Калужская область", "RU-KLU", ""),
                place("Калужская", "RU-KLU", ""),
                place("Калуга", "RU-KLU", "Калуга"),
                place("Подмосковье", "RU-MOS", ""),
                place("Стерлитамак", "RU-BA", "Стерлитамак"),
            ],
            needs: vec![
                Need {
                    id: "respite".into(),
                    label: "Передышка".into(),
                    label_terms: Vec::new(),
                    phrases: vec![phrase_stems("не с кем оставить ребёнка")],
                    page: None,
                    services: 0,
                },
                Need {
                    id: "early-help".into(),
                    label: "Ранняя помощь".into(),
                    label_terms: Vec::new(),
                    phrases: vec![phrase_stems("не говорит")],
                    page: None,
                    services: 1,
                },
            ],
        }
    }

    #[test]
    fn inflected_places_are_understood_and_leave_the_words() {
        let lx = lexicon();
        for (q, region, rest) in [
            (
                "кризисная квартира в Калуге",
                "RU-KLU",
                vec!["кризисн", "квартир"],
            ),
            ("психолог калужская область", "RU-KLU", vec!["психолог"]),
            ("няня Подмосковье", "RU-MOS", vec!["нян"]),
            ("юрист в Стерлитамаке", "RU-BA", vec!["юрист"]),
        ] {
            let u = understand(q, &lx, true);
            let p = u.place.map(|i| lx.places[i].region.as_str());
            assert_eq!(p, Some(region), "«{q}»");
            assert_eq!(u.terms, rest, "«{q}»");
        }
        let u = understand("Калуга", &lx, true);
        assert_eq!(
            u.terms,
            ["калуг"],
            "a place alone is still searched as a word"
        );
        let u = understand("кризисная квартира Калуга", &lx, false);
        assert!(
            u.place.is_none() && u.terms.len() == 3,
            "the reader dropped the place"
        );
    }

    #[test]
    fn phrases_keep_their_negation_and_allow_a_word_between() {
        let lx = lexicon();
        let needs = |q: &str| -> Vec<String> {
            understand(q, &lx, true)
                .needs
                .iter()
                .map(|&i| lx.needs[i].id.clone())
                .collect()
        };
        assert_eq!(needs("ребёнок в 2 года не говорит"), ["early-help"]);
        assert!(needs("как говорить с ребёнком").is_empty());
        assert_eq!(needs("не с кем оставить маленького ребёнка"), ["respite"]);
    }
}
