//! Russian analysis for search: split into words (letters and digits; a hyphen
//! splits, so «детей-инвалидов» gives «детей» and «инвалидов»), lower-case,
//! fold ё to е (before stop words, so «её» is caught as «ее»), drop stop words
//! and over-long tokens, and stem with Snowball's Russian stemmer.
//!
//! й is never folded to и: «бесплатный» and «бесплатная» must share a stem,
//! which they do only if й stays й for the stemmer.

use frostem::{Algorithm, Stemmer};

/// Tokens longer than this (in characters) are noise: URLs, hashes.
pub const MAX_TOKEN_CHARS: usize = 40;

/// Snowball's Russian stop list, with ё already folded to е.
pub const STOP_WORDS: [&str; 151] = [
    "и",
    "в",
    "во",
    "не",
    "что",
    "он",
    "на",
    "я",
    "с",
    "со",
    "как",
    "а",
    "то",
    "все",
    "она",
    "так",
    "его",
    "но",
    "да",
    "ты",
    "к",
    "у",
    "же",
    "вы",
    "за",
    "бы",
    "по",
    "только",
    "ее",
    "мне",
    "было",
    "вот",
    "от",
    "меня",
    "еще",
    "нет",
    "о",
    "из",
    "ему",
    "теперь",
    "когда",
    "даже",
    "ну",
    "вдруг",
    "ли",
    "если",
    "уже",
    "или",
    "ни",
    "быть",
    "был",
    "него",
    "до",
    "вас",
    "нибудь",
    "опять",
    "уж",
    "вам",
    "ведь",
    "там",
    "потом",
    "себя",
    "ничего",
    "ей",
    "может",
    "они",
    "тут",
    "где",
    "есть",
    "надо",
    "ней",
    "для",
    "мы",
    "тебя",
    "их",
    "чем",
    "была",
    "сам",
    "чтоб",
    "без",
    "будто",
    "чего",
    "раз",
    "тоже",
    "себе",
    "под",
    "будет",
    "ж",
    "тогда",
    "кто",
    "этот",
    "того",
    "потому",
    "этого",
    "какой",
    "совсем",
    "ним",
    "здесь",
    "этом",
    "один",
    "почти",
    "мой",
    "тем",
    "чтобы",
    "нее",
    "сейчас",
    "были",
    "куда",
    "зачем",
    "всех",
    "никогда",
    "можно",
    "при",
    "наконец",
    "два",
    "об",
    "другой",
    "хоть",
    "после",
    "над",
    "больше",
    "тот",
    "через",
    "эти",
    "нас",
    "про",
    "всего",
    "них",
    "какая",
    "много",
    "разве",
    "три",
    "эту",
    "моя",
    "впрочем",
    "хорошо",
    "свою",
    "этой",
    "перед",
    "иногда",
    "лучше",
    "чуть",
    "том",
    "нельзя",
    "такой",
    "им",
    "более",
    "всегда",
    "конечно",
    "всю",
    "между",
];

/// One analyzed token: the indexed term and where it came from in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub term: String,
    /// Byte offsets of the original word, for highlighting.
    pub start: usize,
    pub end: usize,
    /// Position among the kept words.
    pub position: usize,
}

/// Lower case and ё→е: the form stop words and the term dictionary use.
/// Russian and ASCII letters, nearly all the text, are lowered at once; the
/// general case mapping is a table search and ran for every indexed word.
pub fn normalize(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        match c {
            'ё' | 'Ё' => out.push('е'),
            'а'..='я' => out.push(c),
            // The capitals sit 0x20 below their small letters.
            'А'..='Я' => out.extend(char::from_u32(c as u32 + 0x20)),
            c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            c => out.extend(c.to_lowercase().map(|c| if c == 'ё' { 'е' } else { c })),
        }
    }
    out
}

/// `char::is_alphabetic`, answered at once for the Latin and Russian letters
/// that make up nearly all the text (the general test is a table search,
/// asked of every character the search indexes and validation reads).
pub fn is_letter(c: char) -> bool {
    c.is_ascii_alphabetic()
        || ('А'..='я').contains(&c)
        || c == 'ё'
        || c == 'Ё'
        || (!c.is_ascii() && c.is_alphabetic())
}

/// `char::is_alphanumeric`, with [`is_letter`]'s shortcut.
pub fn is_letter_or_digit(c: char) -> bool {
    c.is_ascii_digit() || is_letter(c) || (!c.is_ascii() && c.is_numeric())
}

pub fn is_stop_word(normalized: &str) -> bool {
    STOP_WORDS.contains(&normalized)
}

/// The Snowball Russian stem of a normalized word (Latin words pass through).
pub fn stem(normalized: &str) -> String {
    Stemmer::new(Algorithm::Russian)
        .stem(normalized)
        .into_owned()
}

/// Words of a text with their byte ranges, split at anything not a letter or digit.
pub fn words(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut iter = text.char_indices().peekable();
    std::iter::from_fn(move || {
        while let Some(&(_, c)) = iter.peek() {
            if is_letter_or_digit(c) {
                break;
            }
            iter.next();
        }
        let (start, _) = *iter.peek()?;
        let mut end = start;
        while let Some(&(i, c)) = iter.peek() {
            if !is_letter_or_digit(c) {
                break;
            }
            end = i + c.len_utf8();
            iter.next();
        }
        Some((start, end))
    })
}

/// The whole analysis: what gets indexed, and what a query is turned into.
pub fn analyze(text: &str) -> Vec<Token> {
    let stemmer = Stemmer::new(Algorithm::Russian);
    tokens(text, |word| term(&stemmer, word))
}

/// [`analyze`], taking the terms of words met before from `stems`: a site's
/// texts repeat their words, and stemming them (with the stop-word test)
/// was most of the analysis of a build's search documents.
pub fn analyze_with(text: &str, stems: &mut Stems) -> Vec<Token> {
    if stems.terms.len() > Stems::MAX_WORDS {
        stems.terms.clear();
    }
    tokens(text, |word| match stems.terms.get(word) {
        Some(known) => known.clone(),
        None => {
            let made = term(&stems.stemmer, word);
            stems.terms.insert(word.to_string(), made.clone());
            made
        }
    })
}

/// The terms of words already analysed, by the word as written (`None`: a
/// stop word or an over-long token).
#[derive(Clone)]
pub struct Stems {
    stemmer: Stemmer,
    terms: std::collections::HashMap<String, Option<String>>,
}

impl Stems {
    /// Words remembered at most: past this the memo starts over, so its
    /// memory stays bounded whatever the texts (~100 bytes a word).
    const MAX_WORDS: usize = 1 << 20;
}

impl Default for Stems {
    fn default() -> Self {
        Stems {
            stemmer: Stemmer::new(Algorithm::Russian),
            terms: std::collections::HashMap::new(),
        }
    }
}

/// Each word of `text` that gives a term (as `term_of` says), as a token.
fn tokens(text: &str, mut term_of: impl FnMut(&str) -> Option<String>) -> Vec<Token> {
    let mut out = Vec::new();
    for (start, end) in words(text) {
        if let Some(term) = term_of(&text[start..end]) {
            let position = out.len();
            out.push(Token {
                term,
                start,
                end,
                position,
            });
        }
    }
    out
}

/// The term a word is indexed by; `None` for a stop word or an over-long token.
fn term(stemmer: &Stemmer, word: &str) -> Option<String> {
    if word.chars().count() > MAX_TOKEN_CHARS {
        return None;
    }
    let normalized = normalize(word);
    if is_stop_word(&normalized) {
        return None;
    }
    Some(stemmer.stem(&normalized).into_owned())
}

/// A word of a query with its stem, stop words included: places and need
/// phrases are matched on these («не говорит» must not become «говорит»).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The stem (stop words: their normalized form, unstemmed).
    pub stem: String,
    pub stop: bool,
    /// The word lower-cased with ё folded, as typed (for prefix completion).
    pub normalized: String,
    pub start: usize,
    pub end: usize,
}

/// Every word of `text`, stop words included, with the stems [`analyze`]
/// would give the others.
pub fn analyze_words(text: &str) -> Vec<Word> {
    let stemmer = Stemmer::new(Algorithm::Russian);
    words(text)
        .filter(|&(s, e)| text[s..e].chars().count() <= MAX_TOKEN_CHARS)
        .map(|(start, end)| {
            let normalized = normalize(&text[start..end]);
            let stop = is_stop_word(&normalized);
            let stem = if stop {
                normalized.clone()
            } else {
                stemmer.stem(&normalized).into_owned()
            };
            Word {
                stem,
                stop,
                normalized,
                start,
                end,
            }
        })
        .collect()
}

/// Levenshtein distance, bounded: returns `max + 1` as soon as it is exceeded.
pub fn edit_distance_within(a: &str, b: &str, max: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return max + 1;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            row_min = row_min.min(cur[j]);
        }
        if row_min > max {
            return max + 1;
        }
        prev = cur;
    }
    prev[b.len()].min(max + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembered_stems_give_the_same_tokens_as_a_fresh_analysis() {
        let texts = [
            "Помощь семьям с детьми: консультации, юристы и психологи.",
            "Семьям с детьми-инвалидами помогают юристы; её телефон — 8 800 200-01-22.",
            "ПОМОЩЬ Семьям в ТЖС: ёлка, Ёж и https://example.org/очень-длинный-адрес-сайта-для-проверки",
            "и в во не что он на",
            "",
        ];
        let mut stems = Stems::default();
        for round in 0..2 {
            for text in texts {
                let (fresh, remembered) = (analyze(text), analyze_with(text, &mut stems));
                let view = |ts: &[Token]| -> Vec<(String, usize, usize, usize)> {
                    ts.iter()
                        .map(|t| (t.term.clone(), t.start, t.end, t.position))
                        .collect()
                };
                assert_eq!(view(&remembered), view(&fresh), "round {round}: {text}");
            }
        }
        assert!(stems.terms.contains_key("семьям") && stems.terms["и"].is_none());
    }

    #[test]
    fn the_shortcuts_agree_with_std_for_every_character() {
        for c in (0u32..=0x10_FFFF).filter_map(char::from_u32) {
            assert_eq!(is_letter(c), c.is_alphabetic(), "{c:?}");
            assert_eq!(is_letter_or_digit(c), c.is_alphanumeric(), "{c:?}");
            let general: String = c
                .to_lowercase()
                .map(|c| if c == 'ё' { 'е' } else { c })
                .collect();
            assert_eq!(normalize(&c.to_string()), general, "{c:?}");
        }
    }

    fn terms(text: &str) -> Vec<String> {
        analyze(text).into_iter().map(|t| t.term).collect()
    }

    fn same(a: &str, b: &str) {
        assert_eq!(terms(a), terms(b), "«{a}» and «{b}» must analyze alike");
    }

    #[test]
    fn forms_a_popular_static_search_tool_gets_wrong() {
        same("грудной", "грудная");
        same("грудная", "грудного");
        same("бесплатный", "бесплатная");
        same("районный", "районная");
    }

    #[test]
    fn yo_folds_before_stop_words() {
        same("ёлка", "елка");
        assert!(terms("её").is_empty(), "«её» is the stop word «ее»");
        same("пьёт", "пьет");
    }

    #[test]
    fn short_i_is_kept() {
        assert!(terms("бесплатный")[0].contains('й') || terms("бесплатный") == terms("бесплатная"));
        assert_ne!(normalize("й"), "и");
    }

    #[test]
    fn hyphens_split_words() {
        assert_eq!(
            terms("детей-инвалидов"),
            [terms("детей"), terms("инвалидов")].concat()
        );
        let t = analyze("Помощь детям-инвалидам");
        assert_eq!(t.len(), 3);
        assert_eq!(&"Помощь детям-инвалидам"[t[1].start..t[1].end], "детям");
    }

    #[test]
    fn stop_words_and_long_tokens_go() {
        assert_eq!(terms("где взять коляску"), terms("взять коляску"));
        assert!(terms(&"а".repeat(41)).is_empty());
        assert_eq!(terms("КДН"), vec!["кдн".to_string()]);
    }

    #[test]
    fn words_keep_stop_words_with_the_same_stems() {
        let w = analyze_words("Ребёнок в 2 года не говорит");
        let stems: Vec<&str> = w.iter().map(|w| w.stem.as_str()).collect();
        assert_eq!(stems, ["ребенок", "в", "2", "год", "не", "говор"]);
        assert!(w[1].stop && w[4].stop && !w[5].stop);
        let kept: Vec<String> = w
            .iter()
            .filter(|w| !w.stop)
            .map(|w| w.stem.clone())
            .collect();
        assert_eq!(kept, terms("Ребёнок в 2 года не говорит"));
    }

    #[test]
    fn bounded_edit_distance() {
        assert_eq!(edit_distance_within("каляск", "коляск", 1), 1);
        assert_eq!(edit_distance_within("кризис", "кризис", 1), 0);
        assert_eq!(edit_distance_within("абвгд", "вгдеж", 1), 2);
    }
}
