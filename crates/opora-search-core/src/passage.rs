//! Excerpts: the passage of a text around its best match, as segments with
//! the matched words marked.

/// Bytes of context kept before the first matched word of the passage.
const BEFORE: usize = 90;
/// Bytes in a passage (about 220 Cyrillic letters).
const LENGTH: usize = 440;

/// A piece of an excerpt; `mark` for a matched word.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub text: String,
    pub mark: bool,
}

/// How many of the wanted terms a text holds.
pub fn matches(text: &str, wanted: &dyn Fn(&str) -> bool) -> usize {
    let mut seen: Vec<String> = Vec::new();
    for t in opora_analyzer::analyze(text) {
        if wanted(&t.term) && !seen.contains(&t.term) {
            seen.push(t.term);
        }
    }
    seen.len()
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The passage of `text` with the most distinct wanted terms (the first such
/// passage), cut at word boundaries, with «…» where text was left out.
pub fn excerpt(text: &str, wanted: &dyn Fn(&str) -> bool) -> Vec<Segment> {
    let hits: Vec<(usize, usize, String)> = opora_analyzer::analyze(text)
        .into_iter()
        .filter(|t| wanted(&t.term))
        .map(|t| (t.start, t.end, t.term))
        .collect();
    // The window starting at each hit that holds the most distinct terms.
    let mut best: Option<(usize, usize)> = None; // (distinct, hit index)
    for (i, (start, _, _)) in hits.iter().enumerate() {
        let mut distinct: Vec<&str> = Vec::new();
        for (s, _, term) in &hits[i..] {
            if *s >= start + LENGTH - BEFORE {
                break;
            }
            if !distinct.contains(&term.as_str()) {
                distinct.push(term);
            }
        }
        if best.is_none_or(|(n, _)| distinct.len() > n) {
            best = Some((distinct.len(), i));
        }
    }
    let mut from = best.map_or(0, |(_, i)| hits[i].0.saturating_sub(BEFORE));
    if from > 0 {
        // Start at a sentence if one begins just before, else at a word.
        let back = floor_boundary(text, from);
        from = match text[back..hits[best.map_or(0, |b| b.1)].0].find(". ") {
            Some(k) => back + k + 2,
            None => text[back..].find(' ').map_or(back, |k| back + k + 1),
        };
    }
    let mut to = floor_boundary(text, (from + LENGTH).min(text.len()));
    if to < text.len()
        && let Some(k) = text[from..to].rfind(' ')
    {
        to = from + k;
    }
    let mut out = Vec::new();
    if from > 0 {
        out.push(Segment {
            text: "…".into(),
            mark: false,
        });
    }
    let mut at = from;
    for (s, e, _) in &hits {
        if *s < at || *e > to {
            continue;
        }
        if *s > at {
            out.push(Segment {
                text: text[at..*s].to_string(),
                mark: false,
            });
        }
        out.push(Segment {
            text: text[*s..*e].to_string(),
            mark: true,
        });
        at = *e;
    }
    let mut tail = text[at..to].to_string();
    if to < text.len() {
        tail.push('…');
    }
    if !tail.is_empty() {
        out.push(Segment {
            text: tail,
            mark: false,
        });
    }
    // Glue neighbouring plain pieces.
    let mut glued: Vec<Segment> = Vec::new();
    for s in out {
        match glued.last_mut() {
            Some(last) if !last.mark && !s.mark => last.text.push_str(&s.text),
            _ => glued.push(s),
        }
    }
    glued
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted(terms: &[&str]) -> impl Fn(&str) -> bool {
        let terms: Vec<String> = terms.iter().map(|t| t.to_string()).collect();
        move |t: &str| terms.iter().any(|x| x == t)
    }

    #[test]
    fn the_passage_is_around_the_best_match_with_words_marked() {
        let filler = "Центр работает с семьями области много лет. ".repeat(20);
        let text = format!(
            "{filler}Уровни риска определяют на консилиуме. Высокий уровень риска требует плана."
        );
        let segs = excerpt(&text, &wanted(&["уровн", "риск"]));
        assert_eq!(segs[0].text.chars().next(), Some('…'));
        let marked: Vec<&str> = segs
            .iter()
            .filter(|s| s.mark)
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(
            marked,
            ["Уровни", "риска", "риска"],
            "«уровень» has another stem"
        );
        let joined: String = segs.iter().map(|s| s.text.as_str()).collect();
        assert!(joined.len() <= LENGTH + 10, "{joined}");
    }

    #[test]
    fn no_match_gives_the_opening() {
        let segs = excerpt("Короткий текст.", &wanted(&["коляск"]));
        assert_eq!(
            segs,
            vec![Segment {
                text: "Короткий текст.".into(),
                mark: false
            }]
        );
    }
}
