//! Russian language helpers: plural forms, dates, transliterated slugs.

/// Picks the Russian plural form for `n`: 1 услуга, 2 услуги, 5 услуг, 21 услуга, 11 услуг.
pub fn plural<'a>(n: i64, one: &'a str, few: &'a str, many: &'a str) -> &'a str {
    let n = n.unsigned_abs();
    let (last, last_two) = (n % 10, n % 100);
    if last == 1 && last_two != 11 {
        one
    } else if (2..=4).contains(&last) && !(12..=14).contains(&last_two) {
        few
    } else {
        many
    }
}

const MONTHS_GENITIVE: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];

const MONTHS_NOMINATIVE: [&str; 12] = [
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
];

/// A month's name: nominative (`декабрь 2024 г.`) or genitive (`13 декабря`); `m` is 1…12.
pub fn month_name(m: u32, genitive: bool) -> &'static str {
    let names = if genitive {
        &MONTHS_GENITIVE
    } else {
        &MONTHS_NOMINATIVE
    };
    names[(m.clamp(1, 12) - 1) as usize]
}

/// Text as Russian compares it ignoring case and ё/е: lower case, ё as е.
/// One pass, one allocation: validation folds every family text with it.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            'A'..='Z' => out.push(c.to_ascii_lowercase()),
            'Ё' | 'ё' => out.push('е'),
            // А…Я lie 0x20 below а…я.
            'А'..='Я' => out.push(char::from_u32(c as u32 + 0x20).unwrap_or(c)),
            c if c.is_ascii() || ('а'..='я').contains(&c) => out.push(c),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Text with ё written as е (Ё as Е), case kept: the form Russian writing
/// often uses for the same word («Елкино» for «Ёлкино»). Borrowed when the
/// text has no ё.
pub fn without_yo(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains(['ё', 'Ё']) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(s.replace('ё', "е").replace('Ё', "Е"))
}

/// `char::is_alphabetic` and `char::is_alphanumeric`, answered at once for
/// Latin and Russian letters: the search analyzer's word tests.
pub use opora_analyzer::{is_letter, is_letter_or_digit};

/// `s` in Unicode's composed form (NFC), borrowed when it already is.
/// Text that reads the same can be written with different code points:
/// «й» as one letter or as «и» and a combining breve (NFD, as some editors
/// and PDF extractions write it). Whatever compares text as a reader sees
/// it compares it composed.
pub fn nfc(s: &str) -> std::borrow::Cow<'_, str> {
    use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};
    if is_nfc_quick(s.chars()) == IsNormalized::Yes {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(s.nfc().collect())
    }
}

/// Invisible characters that have a use in running text but none in a
/// name: the zero-width space (U+200B, a place a long word may break), the
/// non-joiner and joiner (U+200C, U+200D: scripts that join letters, emoji
/// sequences), the word joiner (U+2060), the zero-width no-break space
/// (U+FEFF, a byte-order mark elsewhere than at the start) and the soft
/// hyphen (U+00AD). In a name one makes two names that read the same differ.
pub fn is_invisible_mark(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{AD}'
    )
}

/// A name as compared for duplicates: composed (NFC), lower case, ё as е,
/// letters and digits only, single spaces («Семья и Дом» and "семья  и дом"
/// are the same); invisible marks are dropped, not taken for a space.
pub fn name_key(name: &str) -> String {
    let name: String = nfc(name)
        .chars()
        .filter(|&c| !is_invisible_mark(c))
        .collect();
    let mut key = String::with_capacity(name.len());
    // Runs of anything but letters and digits become one space between words.
    let mut gap = false;
    for c in fold(&name).chars() {
        if is_letter_or_digit(c) {
            if gap && !key.is_empty() {
                key.push(' ');
            }
            gap = false;
            key.push(c);
        } else {
            gap = true;
        }
    }
    key
}

/// `2026-11-24` → `24 ноября 2026 г.`; anything else is returned unchanged.
/// Non-breaking spaces keep the day with its month and «г.» with its year:
/// on a narrow screen a line never starts with «г.» or leaves «24» behind.
pub fn date_long(iso: &str) -> String {
    match parse_iso_date(iso) {
        Some((y, m, d)) => format!("{d}\u{a0}{} {y}\u{a0}г.", MONTHS_GENITIVE[m as usize - 1]),
        None => iso.to_string(),
    }
}

/// Parses `YYYY-MM-DD` (a TOML local date), checking the day exists in that month.
pub fn parse_iso_date(s: &str) -> Option<(i32, u32, u32)> {
    let s = s.get(..10)?;
    let mut parts = s.split('-');
    let y: i32 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let d: u32 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some((y, m, d))
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (proleptic Gregorian), for date arithmetic without a date crate.
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y } as i64;
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DD` for days since 1970-01-01 (inverse of [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> String {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The longest slug [`slugify`] makes, in bytes. A slug names a file
/// (`<slug>.md`, and `<slug>/index.html` in the site) and a URL: file systems
/// refuse names over 255 bytes, and an official name transliterated runs past
/// that («Государственное бюджетное учреждение …»). 80 bytes keep a name's
/// first words, leave room for a uniqueness suffix (`-2`) and the extension,
/// and keep addresses readable.
pub const MAX_SLUG_BYTES: usize = 80;

/// Latin transliteration for URLs (the common passport-style scheme, ё → e),
/// at most [`MAX_SLUG_BYTES`] long (see [`cap_slug`]).
pub fn slugify(s: &str) -> String {
    cap_slug(transliterate(s))
}

/// A slug cut to at most [`MAX_SLUG_BYTES`]: at the last hyphen that keeps at
/// least half of it, so whole words are kept, else mid-word (one long word).
/// Slugs are ASCII, so every byte is a character boundary.
pub fn cap_slug(mut slug: String) -> String {
    if slug.len() <= MAX_SLUG_BYTES {
        return slug;
    }
    let cut = match slug[..=MAX_SLUG_BYTES].rfind('-') {
        Some(hyphen) if hyphen >= MAX_SLUG_BYTES / 2 => hyphen,
        _ => MAX_SLUG_BYTES,
    };
    // A mid-word cut happens only when no hyphen lies in the second half,
    // so it never leaves one at the end.
    slug.truncate(cut);
    slug
}

/// [`slugify`] without the cap: the whole name in Latin letters, to tell
/// apart names whose slugs were cut to the same words.
pub fn transliterate(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_dash = false;
    for ch in s.chars().flat_map(char::to_lowercase) {
        let piece: &str = match ch {
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' => "g",
            'д' => "d",
            'е' | 'ё' | 'э' => "e",
            'ж' => "zh",
            'з' => "z",
            'и' => "i",
            'й' => "y",
            'к' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' => "u",
            'ф' => "f",
            'х' => "kh",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            'ъ' | 'ь' => "",
            'ы' => "y",
            'ю' => "yu",
            'я' => "ya",
            c if c.is_ascii_alphanumeric() => {
                if pending_dash && !out.is_empty() {
                    out.push('-');
                }
                pending_dash = false;
                out.push(c);
                continue;
            }
            _ => {
                pending_dash = true;
                continue;
            }
        };
        if piece.is_empty() {
            continue;
        }
        if pending_dash && !out.is_empty() {
            out.push('-');
        }
        pending_dash = false;
        out.push_str(piece);
    }
    out
}

/// Whether a file or URL slug is lower-case Latin letters, digits and single hyphens.
pub fn is_valid_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The text ending in one full stop: «… 2026 г.» stays as it is, «бесплатно» gets «.».
/// Templates use it wherever a sentence ends with a value that may already end in one.
pub fn full_stop(text: &str) -> String {
    let t = text.trim_end();
    if t.is_empty() || t.ends_with(['.', '!', '?', '…']) {
        t.to_string()
    } else {
        format!("{t}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_keys_keep_letters_and_digits_with_single_spaces() {
        assert_eq!(name_key("  «Семья и Дом» — №5 "), "семья и дом 5");
        assert_eq!(name_key("семья  и дом"), name_key("Семья и Дом"));
        assert_eq!(name_key("Ёлка"), "елка");
        assert_eq!(name_key("—"), "");
        assert_eq!(name_key("АНО «Центр»,филиал"), "ано центр филиал");
    }

    #[test]
    fn name_keys_compare_names_as_they_read() {
        // «Калужский» with «й» as «и» + U+0306 and «Ёлка» with «Е» + U+0308 (NFD).
        assert_eq!(name_key("Калужски\u{0438}\u{0306}"), name_key("Калужский"));
        assert_eq!(name_key("\u{0415}\u{0308}лка"), "елка");
        assert_eq!(
            name_key("Се\u{200B}мья и\u{AD} дом"),
            name_key("Семья и дом")
        );
        assert_eq!(nfc("Калужский «Центр»"), "Калужский «Центр»");
        assert!(matches!(nfc("Калужский"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(nfc("и\u{0306}"), "й");
    }

    #[test]
    fn folding_is_lower_case_with_yo_as_ye_for_every_letter() {
        // Every character of the alphabets a text is likely to hold, and some
        // it is not, one by one and together.
        let all: String = (0u32..0x0530)
            .chain(0x1E00..0x1F00)
            .chain(0x2100..0x2200)
            .filter_map(char::from_u32)
            .filter(|&c| c != 'Σ') // final sigma: str lowers it by position
            .collect();
        let expected = |s: &str| s.to_lowercase().replace('ё', "е");
        assert_eq!(fold(&all), expected(&all));
        for c in all.chars() {
            let s = c.to_string();
            assert_eq!(fold(&s), expected(&s), "{c:?}");
        }
        assert_eq!(fold("ЁЛКА и Ёж, ЙОД"), "елка и еж, йод");
    }

    #[test]
    fn without_yo_writes_yo_as_ye_and_keeps_case() {
        assert_eq!(without_yo("Ёлкино, ёж"), "Елкино, еж");
        assert_eq!(without_yo("Калуга"), "Калуга");
        assert!(matches!(
            without_yo("Калуга"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn a_sentence_ending_in_a_date_gets_no_second_full_stop() {
        assert_eq!(full_stop("24 ноября 2026 г."), "24 ноября 2026 г.");
        assert_eq!(full_stop("бесплатно"), "бесплатно.");
        assert_eq!(full_stop("как же так?"), "как же так?");
        assert_eq!(full_stop(""), "");
    }

    #[test]
    fn plural_forms() {
        let f = |n| plural(n, "услуга", "услуги", "услуг");
        assert_eq!(f(1), "услуга");
        assert_eq!(f(2), "услуги");
        assert_eq!(f(4), "услуги");
        assert_eq!(f(5), "услуг");
        assert_eq!(f(11), "услуг");
        assert_eq!(f(12), "услуг");
        assert_eq!(f(14), "услуг");
        assert_eq!(f(21), "услуга");
        assert_eq!(f(22), "услуги");
        assert_eq!(f(111), "услуг");
        assert_eq!(f(0), "услуг");
    }

    #[test]
    fn dates() {
        assert_eq!(date_long("2026-11-24"), "24\u{a0}ноября 2026\u{a0}г.");
        assert_eq!(date_long("2024-02-29"), "29\u{a0}февраля 2024\u{a0}г.");
        assert_eq!(parse_iso_date("2023-02-29"), None);
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(
            days_from_civil(2026, 11, 24) - days_from_civil(2025, 11, 24),
            365
        );
    }

    #[test]
    fn slugs() {
        assert_eq!(slugify("Семья и дом"), "semya-i-dom");
        assert_eq!(slugify("«Под крылом аиста»"), "pod-krylom-aista");
        assert_eq!(slugify("Ёлка — щука, 2024"), "elka-shchuka-2024");
        assert_eq!(slugify("Команда 0–4"), "komanda-0-4");
        assert!(is_valid_slug("semya-i-dom"));
        assert!(!is_valid_slug("Семья"));
        assert!(!is_valid_slug("a--b"));
    }

    #[test]
    fn long_names_give_slugs_cut_at_a_word() {
        let name = "Государственное бюджетное учреждение Калужской области «Центр социальной помощи семье и детям «Радуга»»";
        let slug = slugify(name);
        assert!(slug.len() <= MAX_SLUG_BYTES, "{slug}");
        assert!(is_valid_slug(&slug), "{slug}");
        assert!(
            transliterate(name).starts_with(&format!("{slug}-")),
            "{slug}"
        );
        // One word longer than the cap is cut mid-word, never left empty.
        let long_word = slugify(&format!("Центр {}", "б".repeat(300)));
        assert_eq!(long_word.len(), MAX_SLUG_BYTES);
        assert!(is_valid_slug(&long_word), "{long_word}");
        // A hyphen just past the cap is still a word's end.
        let a = "a".repeat(MAX_SLUG_BYTES);
        assert_eq!(cap_slug(format!("{a}-bbb")), a);
        assert_eq!(slugify("Семья и дом"), "semya-i-dom");
    }
}
