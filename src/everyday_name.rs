//! The name a person would say: «Центр «Доверие»» for «Государственное бюджетное
//! учреждение Калужской области «Калужский областной центр социальной помощи семье и
//! детям "Доверие"»».
//!
//! Only ever a shortening of the legal name — words are dropped, never added or
//! changed — so it says nothing the source does not. Service pages lead with it and
//! show the legal name after; lists use it as the card title.

/// Leading words of a legal name that say only what legal form the body has.
const LEGAL_FORM_WORDS: [&str; 16] = [
    "государственное",
    "государственного",
    "бюджетное",
    "казенное",
    "казённое",
    "автономное",
    "областное",
    "краевое",
    "муниципальное",
    "республиканское",
    "учреждение",
    "социального",
    "обслуживания",
    "здравоохранения",
    "некоммерческая",
    "организация",
];

/// Head nouns that can stand before a proper name in quotes: «центр «Радуга»».
const HEADS: [&str; 8] = [
    "центр",
    "служба",
    "фонд",
    "отделение",
    "клуб",
    "больница",
    "поликлиника",
    "организация",
];

/// A name this long or shorter is already what people say.
const SHORT_ENOUGH: usize = 40;

/// The everyday name derived from a legal name; the name itself when it is short or
/// no shorter form can be derived safely.
pub fn everyday_name(name: &str) -> String {
    let name = name.trim();
    let core = capitalised(&strip_legal_form(name));
    let unbalanced = core.matches('«').count() != core.matches('»').count();
    let short = if core.chars().count() <= SHORT_ENOUGH && !unbalanced {
        core
    } else {
        head_and_proper_name(&core).unwrap_or(core)
    };
    if short.chars().count() < 3 {
        name.to_string()
    } else {
        short
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Drops a leading legal form («ГБУ РБ», «Государственное бюджетное учреждение
/// Калужской области») and unwraps a name that is then entirely in quotes.
fn strip_legal_form(name: &str) -> String {
    let (before, quoted) = match name.find(['«', '"']) {
        Some(i) => (&name[..i], Some(&name[i..])),
        None => (name, None),
    };
    let words: Vec<&str> = before.split_whitespace().collect();
    let is_form = |w: &str| {
        let lower = w.to_lowercase();
        LEGAL_FORM_WORDS.contains(&lower.as_str()) || is_legal_form_abbreviation(w)
    };
    let form_words = words
        .iter()
        .take_while(|w| is_legal_form_abbreviation(w))
        .count();
    match quoted {
        // Everything before the quotes is legal form or the region it belongs to
        // («Калужской области», «РБ»), and the quotes close the name: the quoted
        // part is the name.
        Some(q)
            if !words.is_empty()
                && q.trim_end().ends_with(['»', '"'])
                && words.iter().all(|w| is_form(w) || is_region_genitive(w)) =>
        {
            unquote(q).to_string()
        }
        _ if form_words > 0 && form_words < name.split_whitespace().count() => name
            .split_whitespace()
            .skip(form_words)
            .collect::<Vec<_>>()
            .join(" "),
        _ => name.to_string(),
    }
}

/// Abbreviations of a legal form: «ГБУ», «МКУ», «КГБУЗ», «КГБУСО», «АНО», and the
/// region tag that follows one («РБ», «ТО»). Not «ГРЦ» or «КДНиЗП», which name a kind.
fn is_legal_form_abbreviation(w: &str) -> bool {
    let caps = w.chars().count() >= 2 && w.chars().all(char::is_uppercase);
    caps && (["У", "УЗ", "УСО", "ОУ"].iter().any(|end| w.ends_with(end))
        || matches!(w, "АНО" | "РБ" | "ТО"))
}

/// The region words of a legal form: «Калужской», «области», «края», «Омской».
fn is_region_genitive(w: &str) -> bool {
    let lower = w.to_lowercase();
    matches!(lower.as_str(), "области" | "края" | "республики" | "округа")
        || (w.chars().next().is_some_and(char::is_uppercase)
            && (lower.ends_with("ской") || lower.ends_with("цкой") || lower.ends_with("кого")))
}

/// Removes one pair of enclosing quotes, tolerating an unbalanced closing one.
fn unquote(q: &str) -> &str {
    let q = q.trim();
    let q = q.strip_prefix(['«', '"']).unwrap_or(q);
    let q = q.strip_suffix(['»', '"']).unwrap_or(q);
    q.trim()
}

/// «Социально-реабилитационный центр для несовершеннолетних «Парус надежды»» →
/// «Центр «Парус надежды»»: a head noun and the proper name in the innermost quotes.
fn head_and_proper_name(core: &str) -> Option<String> {
    let core = guillemets(core);
    // The last opening quote, and its closing one (or the end: sources drop it).
    let open = core.rfind('«')?;
    let after = &core[open + '«'.len_utf8()..];
    let inner = after
        .find('»')
        .map_or(after, |close| &after[..close])
        .trim();
    if inner.is_empty() {
        return None;
    }
    let head = core[..open]
        .split_whitespace()
        .rev()
        .map(|w| w.trim_matches(|c: char| !c.is_alphabetic()).to_lowercase())
        .find(|w| HEADS.contains(&w.as_str()))?;
    Some(format!("{} «{inner}»", capitalised(&head)))
}

/// Straight quotes as «ёлочки», alternating opening and closing.
fn guillemets(s: &str) -> String {
    let mut open = true;
    s.chars()
        .map(|c| match c {
            '"' => {
                let q = if open { '«' } else { '»' };
                open = !open;
                q
            }
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legal_names_become_what_people_say() {
        for (legal, everyday) in [
            (
                "Государственное бюджетное учреждение Калужской области «Калужский областной центр социальной помощи семье и детям \"Доверие\"»",
                "Центр «Доверие»",
            ),
            (
                "Краевое государственное бюджетное учреждение социального обслуживания «Социально-реабилитационный центр для несовершеннолетних «Парус надежды»",
                "Центр «Парус надежды»",
            ),
            (
                "Государственное областное автономное учреждение «Новгородский областной Центр «Семья»",
                "Центр «Семья»",
            ),
            (
                "ГБУ Калужской области «Социально-реабилитационный центр для несовершеннолетних «Радуга»",
                "Центр «Радуга»",
            ),
            (
                "Бюджетное учреждение Омской области «Комплексный центр социального обслуживания населения Называевского района»",
                "Комплексный центр социального обслуживания населения Называевского района",
            ),
            (
                "ГБУЗ РБ Детская больница г. Стерлитамака",
                "Детская больница г. Стерлитамака",
            ),
            (
                "Благотворительный фонд добровольной помощи детям «Владмама»",
                "Фонд «Владмама»",
            ),
            (
                "Государственное бюджетное учреждение социального обслуживания Новосибирской области «Социально-реабилитационный центр «Снегири»",
                "Центр «Снегири»",
            ),
        ] {
            assert_eq!(everyday_name(legal), everyday, "{legal}");
        }
    }

    #[test]
    fn short_names_stay_as_they_are() {
        for name in [
            "Семейный центр «Преображение»",
            "Королёвский семейный центр",
        ] {
            assert_eq!(everyday_name(name), name);
        }
        assert_eq!(
            everyday_name("Служба «Дети в семье» — Московская область"),
            "Служба «Дети в семье»",
            "the region is on the page already"
        );
    }

    #[test]
    fn the_everyday_name_only_drops_words() {
        let legal =
            "Государственное бюджетное учреждение Центр социальной помощи семье и детям «Семья»";
        let short = everyday_name(legal);
        assert_eq!(short, "Центр «Семья»");
        for word in short
            .split(|c: char| !c.is_alphabetic())
            .filter(|w| !w.is_empty())
        {
            assert!(
                legal.to_lowercase().contains(&word.to_lowercase()),
                "{word} is not in the legal name"
            );
        }
    }
}
