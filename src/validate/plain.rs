//! Plain language for families: short sentences, abbreviations explained,
//! no bureaucratic phrases where a plain word exists.
//!
//! The limits and the phrase list are data (`data/style.toml`, `[plain]`); the
//! glossary says what an abbreviation stands for, so the hint can offer it.

use crate::data::{Glossary, PlainStyle};

/// Used when `data/style.toml` sets no `max_words`.
pub const DEFAULT_MAX_WORDS: usize = 25;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainProblem {
    /// The words the problem is about, to find it in the file.
    pub needle: String,
    pub message: String,
    pub hint: String,
}

/// One block of text per Markdown line, markup removed.
fn blocks(markdown: &str) -> Vec<String> {
    markdown
        .lines()
        .map(|l| {
            let l = l.trim_start();
            let l = l.trim_start_matches('#').trim_start();
            let l = l
                .strip_prefix("- ")
                .or_else(|| l.strip_prefix("* "))
                .unwrap_or(l);
            let l = match l.find(". ") {
                Some(i) if i <= 3 && l[..i].chars().all(|c| c.is_ascii_digit()) => &l[i + 2..],
                _ => l,
            };
            strip_links(&l.replace("**", "").replace('`', ""))
        })
        .filter(|l| !l.trim().is_empty())
        .collect()
}

/// `[text](url)` → `text`.
fn strip_links(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find("](").map(|i| open + i) else {
            break;
        };
        let Some(end) = rest[close..].find(')').map(|i| close + i) else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..close]);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Sentences of a block: split after . ! ? … followed by a space.
fn sentences(block: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = block.char_indices().collect();
    for (i, &(at, c)) in chars.iter().enumerate() {
        if matches!(c, '.' | '!' | '?' | '…') && chars.get(i + 1).is_some_and(|(_, n)| *n == ' ')
        {
            let end = at + c.len_utf8();
            out.push(block[start..end].trim());
            start = end;
        }
    }
    let last = block[start..].trim();
    if !last.is_empty() {
        out.push(last);
    }
    out
}

fn word_count(sentence: &str) -> usize {
    sentence
        .split_whitespace()
        .filter(|w| w.chars().any(crate::ru::is_letter_or_digit))
        .count()
}

/// Cyrillic abbreviations: two or more capitals (КДН, ЦПСиД, ОВЗ).
fn abbreviations(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        let letter = crate::ru::is_letter(c);
        match (start, letter) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                let word = &text[s..i];
                let capitals = word
                    .chars()
                    .filter(|c| c.is_uppercase() && is_cyrillic(*c))
                    .count();
                let lower = word.chars().filter(|c| c.is_lowercase()).count();
                if capitals >= 2 && lower <= 2 {
                    out.push((s, word));
                }
                start = None;
            }
            _ => {}
        }
    }
    out
}

fn is_cyrillic(c: char) -> bool {
    ('\u{0400}'..='\u{04FF}').contains(&c)
}

/// An abbreviation is explained when it stands in brackets next to its
/// expansion: «комиссия по делам несовершеннолетних (КДН)» or «КДН (комиссия…)».
fn explained(text: &str, at: usize, word: &str) -> bool {
    let before = text[..at].trim_end();
    let after = text[at + word.len()..].trim_start();
    before.ends_with('(') || after.starts_with('(')
}

/// Every problem in one family text (Markdown allowed).
pub fn check(markdown: &str, style: &PlainStyle, glossary: &Glossary) -> Vec<PlainProblem> {
    let max = style.max_words.unwrap_or(DEFAULT_MAX_WORDS);
    let mut out = Vec::new();
    for block in blocks(markdown) {
        for s in sentences(&block) {
            let n = word_count(s);
            if n > max {
                out.push(PlainProblem {
                    needle: s.chars().take(40).collect(),
                    message: format!(
                        "a sentence for families has {n} words (limit {max}): «{}…»",
                        s.chars().take(60).collect::<String>()
                    ),
                    hint: "split it: one thought per sentence, the action first".into(),
                });
            }
        }
        for (at, word) in abbreviations(&block) {
            if style.known_abbreviations.iter().any(|k| k == word) || explained(&block, at, word) {
                continue;
            }
            let expansion = glossary
                .terms
                .iter()
                .find(|t| t.term.get_ref() == word || t.aliases.iter().any(|a| a == word))
                .and_then(|t| t.expansion.clone());
            out.push(PlainProblem {
                needle: word.to_string(),
                message: format!("abbreviation `{word}` is not explained for families"),
                hint: match expansion {
                    Some(e) => format!("write it out: «{e}», or add it in brackets"),
                    None => "write it out in words, or add the full name in brackets".into(),
                },
            });
        }
        // Folded once per block; most phrases are not in it at all, and only
        // those that are need their exceptions cut out before the real test.
        let folded_block = crate::ru::fold(&block);
        for (p, f) in style.phrases.iter().zip(style.folded_phrases()) {
            if !folded_block.contains(&f.phrase) {
                continue;
            }
            let mut folded = folded_block.clone();
            for e in &f.except {
                folded = folded.replace(e, " ");
            }
            let hit = folded.match_indices(&f.phrase).find(|(i, _)| {
                folded[..*i]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !crate::ru::is_letter_or_digit(c))
            });
            if hit.is_some() {
                out.push(PlainProblem {
                    needle: p.phrase.clone(),
                    message: format!("bureaucratic phrase «{}» in a text for families", p.phrase),
                    hint: format!("say it plainly: {}", p.plain),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{GlossaryTerm, PlainPhrase};

    fn style() -> PlainStyle {
        PlainStyle {
            max_words: Some(10),
            known_abbreviations: vec!["РФ".into()],
            phrases: vec![
                PlainPhrase {
                    phrase: "осуществля".into(),
                    plain: "«делает», «ведёт»".into(),
                    except: vec![],
                },
                PlainPhrase {
                    phrase: "несовершеннолетн".into(),
                    plain: "«дети»".into(),
                    except: vec!["по делам несовершеннолетних".into()],
                },
            ],
            ..PlainStyle::default()
        }
    }

    fn glossary() -> Glossary {
        Glossary {
            terms: vec![GlossaryTerm {
                term: toml::Spanned::new(0..0, "ЦПСиД".into()),
                expansion: Some("центр поддержки семьи и детства".into()),
                aliases: vec![],
                explanation: String::new(),
                sources: vec![],
            }],
        }
    }

    #[test]
    fn short_plain_sentences_pass() {
        let text = "## Куда звонить\n\nПозвоните в центр. Вам помогут.\n\n- Возьмите паспорт.\n- Служба работает по всей РФ.";
        assert_eq!(check(text, &style(), &glossary()), vec![]);
    }

    #[test]
    fn long_sentences_are_reported() {
        let text = "Специалист центра познакомится с вашей семьёй, посмотрит, как вы живёте, и вместе с вами разберётся. Коротко.";
        let p = check(text, &style(), &glossary());
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].message.contains("15 words"), "{}", p[0].message);
    }

    #[test]
    fn unexplained_abbreviations_are_reported_with_the_glossary_expansion() {
        let p = check("Обратитесь в ЦПСиД «Зюзино».", &style(), &glossary());
        assert_eq!(p.len(), 1);
        assert!(p[0].hint.contains("центр поддержки семьи и детства"));
        let ok = check(
            "Обратитесь в центр поддержки семьи и детства (ЦПСиД).",
            &style(),
            &glossary(),
        );
        assert_eq!(ok, vec![]);
    }

    #[test]
    fn bureaucratic_phrases_are_reported_at_a_word_start_only() {
        let p = check("Центр осуществляет приём.", &style(), &glossary());
        assert_eq!(p.len(), 1);
        assert!(p[0].hint.contains("ведёт"));
        assert_eq!(check("Неосуществлять.", &style(), &glossary()), vec![]);
        // A fixed name is not a bureaucratic phrase.
        assert_eq!(
            check(
                "Решает комиссия по делам несовершеннолетних.",
                &style(),
                &glossary()
            ),
            vec![]
        );
        assert_eq!(
            check("Помощь несовершеннолетним.", &style(), &glossary()).len(),
            1
        );
    }
}
