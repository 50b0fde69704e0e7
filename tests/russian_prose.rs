//! Numbers agree with their nouns in the portal's own Russian prose.
//!
//! After a number ending in 1 (not 11) a noun is singular («131 семья»,
//! «231 семью»), after one ending in 2–4 (not 12–14) it is genitive singular
//! («262 семьи», «22 сотрудника»); the genitive plural («семей»,
//! «организаций») follows only 5–20, 0 and the like. This test scans every
//! record in `content/` — the Markdown body and every text of the front matter
//! — for a number ending in 1 or 2–4 immediately followed by one of the common
//! genitive plurals below, and reports the file and line.
//!
//! Left alone, because they are right: 2–4 after a word that governs the
//! genitive («из 63 субъектов», «до 24 семей», «более 22 специалистов»; after
//! 1 the noun stays singular even there: «у 221 семьи»), decimals («2,3
//! семьи»), and the `quote` of a citation, which must match its source letter
//! for letter, errors included.

use std::fs;
use std::path::{Path, PathBuf};

/// Genitive plurals that are wrong right after a number ending in 1 or 2–4.
const GENITIVE_PLURALS: &[&str] = &[
    "семей",
    "организаций",
    "детей",
    "специалистов",
    "услуг",
    "центров",
    "случаев",
    "сотрудников",
    "выходов",
    "родителей",
    "служб",
    "клубов",
    "участников",
    "психологов",
    "кураторов",
    "малышей",
    "женщин",
    "матерей",
    "регионов",
    "субъектов",
    "муниципалитетов",
    "комиссий",
    "учреждений",
    "отделений",
    "консультаций",
    "занятий",
    "программ",
    "практик",
    "семинаров",
    "модулей",
    "уроков",
    "месяцев",
    "дней",
];

/// Words after which a number and its noun stand in the genitive whatever the
/// number is («из 22 семей», «для 3 детей», «в течение 3 дней»).
const GOVERN_GENITIVE: &[&str] = &[
    "из",
    "у",
    "для",
    "от",
    "до",
    "с",
    "со",
    "без",
    "после",
    "около",
    "возле",
    "кроме",
    "среди",
    "вместо",
    "против",
    "ради",
    "более",
    "менее",
    "больше",
    "меньше",
    "свыше",
    "порядка",
    "течение",
    "число",
    "числа",
    "количество",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            markdown_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
}

fn fold(word: &str) -> String {
    word.to_lowercase().replace('ё', "е")
}

/// The text with the contents of every `quote = "…"` (any TOML string form)
/// of the front matter blanked out; line breaks are kept, so line numbers
/// stay. The body after the closing `+++` is left as it is.
fn without_quotes(text: &str) -> String {
    let Some(rest) = text.strip_prefix("+++\n") else {
        return text.to_owned();
    };
    let Some(end) = rest.find("\n+++\n") else {
        return text.to_owned();
    };
    let (front, body) = rest.split_at(end);
    let chars: Vec<char> = front.chars().collect();
    let mut out = String::with_capacity(text.len());
    out.push_str("+++\n");
    let mut i = 0;
    while i < chars.len() {
        if starts_with(&chars, i, "quote")
            && (i == 0 || !is_key_char(chars[i - 1]))
            && !chars.get(i + 5).copied().is_some_and(is_key_char)
        {
            // `quote`, spaces, `=`, spaces, then the string.
            let mut j = i + 5;
            while chars.get(j).is_some_and(|c| *c == ' ' || *c == '\t') {
                j += 1;
            }
            if chars.get(j) == Some(&'=') {
                j += 1;
                while chars.get(j).is_some_and(|c| *c == ' ' || *c == '\t') {
                    j += 1;
                }
                if let Some(close) = string_end(&chars, j) {
                    out.extend(&chars[i..j]);
                    for c in &chars[j..close] {
                        out.push(if *c == '\n' { '\n' } else { ' ' });
                    }
                    i = close;
                    continue;
                }
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out.push_str(body);
    out
}

fn is_key_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

fn starts_with(chars: &[char], at: usize, s: &str) -> bool {
    s.chars()
        .enumerate()
        .all(|(k, c)| chars.get(at + k) == Some(&c))
}

/// Where the TOML string starting at `at` ends (one past its closing
/// delimiter), or `None` when no string starts there.
fn string_end(chars: &[char], at: usize) -> Option<usize> {
    for (open, escapes) in [("\"\"\"", true), ("'''", false), ("\"", true), ("'", false)] {
        if !starts_with(chars, at, open) {
            continue;
        }
        let mut k = at + open.len();
        while k < chars.len() {
            if escapes && chars[k] == '\\' {
                k += 2;
                continue;
            }
            if starts_with(chars, k, open) {
                return Some(k + open.len());
            }
            if open.len() == 1 && chars[k] == '\n' {
                return None;
            }
            k += 1;
        }
        return None;
    }
    None
}

fn is_group_space(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}')
}

/// Every «number noun» pair in a line where the noun is a genitive plural
/// the number cannot take. Each finding is `«N noun»`.
fn disagreements(line: &str) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        let mut digits = String::new();
        while i < chars.len() && chars[i].is_ascii_digit() {
            digits.push(chars[i]);
            i += 1;
        }
        // Thousands written in groups: «2 861», «1 115».
        while i + 3 < chars.len()
            && is_group_space(chars[i])
            && chars[i + 1..i + 4].iter().all(char::is_ascii_digit)
            && !chars.get(i + 4).is_some_and(char::is_ascii_digit)
        {
            digits.extend(&chars[i + 1..i + 4]);
            i += 4;
        }
        // Part of a decimal, a code or a time («2,3», «1-РП», «№1», «9:00»).
        let before = start.checked_sub(1).map(|k| chars[k]);
        if before.is_some_and(|c| c.is_alphanumeric() || ",.:/№_".contains(c)) {
            continue;
        }
        if chars.get(i).is_some_and(|c| {
            ",.:".contains(*c) && chars.get(i + 1).is_some_and(char::is_ascii_digit)
        }) {
            continue;
        }
        // The noun right after the number.
        let mut j = i;
        if !chars.get(j).copied().is_some_and(is_group_space) {
            continue;
        }
        while chars.get(j).copied().is_some_and(is_group_space) {
            j += 1;
        }
        let word_start = j;
        while chars.get(j).is_some_and(|c| c.is_alphabetic()) {
            j += 1;
        }
        let word: String = chars[word_start..j].iter().collect();
        if !GENITIVE_PLURALS.contains(&fold(&word).as_str()) {
            continue;
        }
        let n: u64 = digits.parse().unwrap_or(0);
        let (last, last_two) = (n % 10, n % 100);
        let one = last == 1 && last_two != 11;
        let few = (2..=4).contains(&last) && !(12..=14).contains(&last_two);
        // The word before the number, if it governs the genitive: then 2–4
        // take the genitive plural too («из 22 семей»), while a number
        // ending in 1 still takes the singular («из 21 семьи»).
        let mut k = start;
        while k > 0 && chars[k - 1].is_whitespace() {
            k -= 1;
        }
        let prev_end = k;
        while k > 0 && chars[k - 1].is_alphabetic() {
            k -= 1;
        }
        let prev: String = chars[k..prev_end].iter().collect();
        let governed = GOVERN_GENITIVE.contains(&fold(&prev).as_str());
        if one || (few && !governed) {
            let shown: String = chars[start..j].iter().collect();
            found.push(format!("«{shown}»"));
        }
    }
    found
}

#[test]
fn no_number_is_followed_by_a_genitive_plural_it_cannot_take() {
    let mut files = Vec::new();
    markdown_files(&root().join("content"), &mut files);
    files.sort();
    assert!(files.len() > 100, "content/ has {} records", files.len());
    let mut problems = Vec::new();
    for path in &files {
        let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for (n, line) in without_quotes(&text).lines().enumerate() {
            for finding in disagreements(line) {
                problems.push(format!(
                    "{}:{}: {finding}",
                    path.strip_prefix(root()).unwrap_or(path).display(),
                    n + 1
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} number–noun disagreements (after a number ending in 1 the noun is singular: \
         «131 семья», «231 семью»; after 2–4 it is genitive singular: «262 семьи», \
         «22 сотрудника»):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_scan_catches_wrong_forms_and_leaves_right_ones() {
    for wrong in [
        "на учёте 262 семей",
        "посетили 231 семей",
        "в регионе 141 организаций",
        "в регионе 52 организаций",
        "В службе 22 сотрудников.",
        "приняты на учёт 2 861 семей",
        "(293 родителей) улучшили",
        "всего 3 специалистов",
        "1 детей",
        "2–4 детей",
        "более 21 специалистов",
        "из 21 семей",
    ] {
        assert_eq!(disagreements(wrong).len(), 1, "not caught: {wrong}");
    }
    for right in [
        "на учёте 262 семьи",
        "посетили 231 семью",
        "на учёте 259 семей",
        "311 родителей",
        "312 родителей",
        "113 детей",
        "у 221 семьи",
        "из 63 субъектов РФ",
        "от 22 до 24 семей",
        "в течение 3 дней",
        "более 22 специалистов",
        "из 21 семьи",
        "в среднем 2,3 семей",
        "форма № 1-РП",
        "в 2024 году 5 семей",
        "с 9:00 до 18:00",
    ] {
        assert!(
            disagreements(right).is_empty(),
            "flagged: {right}: {:?}",
            disagreements(right)
        );
    }
}

#[test]
fn citation_quotes_are_not_scanned_and_keep_their_lines() {
    let text = "+++\nname = \"X\"\nsources = [\n  { doc = \"000\", line = 454, quote = \"приняты на учёт - 2 861 семей\" },\n]\n+++\nТекст: 22 семей.\n";
    let masked = without_quotes(text);
    assert_eq!(masked.lines().count(), text.lines().count());
    let found: Vec<(usize, Vec<String>)> = masked
        .lines()
        .enumerate()
        .map(|(n, l)| (n + 1, disagreements(l)))
        .filter(|(_, f)| !f.is_empty())
        .collect();
    assert_eq!(found, vec![(7, vec!["«22 семей»".to_string()])]);
}
