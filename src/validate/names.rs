//! Names as a person reads them: nominative and capitalised.
//!
//! Names are copied from sources, and a name cut out of a sentence keeps the
//! sentence's case («…при участии Благотворительного фонда «Тепло наших рук»»).
//! Which first words give that away is data (`data/style.toml`, `[names]`).

use crate::data::NameStyle;

/// What is wrong with a name, if anything, with the fix to suggest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameProblem {
    /// Starts with a lower-case letter (after any opening quotation mark).
    LowerCase,
    /// Starts with an oblique case form of a common head word.
    Oblique { form: String, nominative: String },
}

impl NameProblem {
    pub fn message(&self, name: &str) -> String {
        match self {
            NameProblem::LowerCase => format!("name «{name}» starts with a lower-case letter"),
            NameProblem::Oblique { form, .. } => format!(
                "name «{name}» starts with «{form}», a form cut from a sentence, not the nominative"
            ),
        }
    }

    pub fn hint(&self) -> String {
        match self {
            NameProblem::LowerCase => {
                "a name starts with a capital letter: «Министерство труда…», not «министерство труда…»"
                    .to_string()
            }
            NameProblem::Oblique { nominative, .. } => format!(
                "write the name as a person says it on its own, in the nominative: «{nominative} …»"
            ),
        }
    }
}

/// The first word of a name, without leading quotation marks.
fn first_word(name: &str) -> &str {
    let name = name.trim_start_matches(|c: char| {
        c.is_whitespace() || matches!(c, '«' | '"' | '„' | '“' | '\'')
    });
    let end = name
        .find(|c: char| !(crate::ru::is_letter_or_digit(c) || c == '-'))
        .unwrap_or(name.len());
    &name[..end]
}

pub fn check(name: &str, style: &NameStyle) -> Option<NameProblem> {
    let word = first_word(name);
    let first = word.chars().next()?;
    if first.is_lowercase() {
        return Some(NameProblem::LowerCase);
    }
    let lower = crate::ru::fold(word);
    style
        .oblique
        .iter()
        .find(|o| crate::ru::fold(&o.form) == lower)
        .map(|o| NameProblem::Oblique {
            form: word.to_string(),
            nominative: o.nominative.clone(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ObliqueForm;

    fn style() -> NameStyle {
        NameStyle {
            oblique: vec![
                ObliqueForm {
                    form: "благотворительного".into(),
                    nominative: "Благотворительный".into(),
                },
                ObliqueForm {
                    form: "министерством".into(),
                    nominative: "Министерство".into(),
                },
            ],
        }
    }

    #[test]
    fn nominative_capitalised_names_pass() {
        for name in [
            "Благотворительный фонд «Тепло наших рук»",
            "«Семья и дом», Орехово-Зуево",
            "ЦСПСид \"Измайлово\"",
            "АНО «РЭМ поддержки и развития молодёжи»",
        ] {
            assert_eq!(check(name, &style()), None, "{name}");
        }
    }

    #[test]
    fn names_cut_from_a_sentence_are_caught() {
        assert_eq!(
            check("Благотворительного фонда «Тепло наших рук»", &style()),
            Some(NameProblem::Oblique {
                form: "Благотворительного".into(),
                nominative: "Благотворительный".into()
            })
        );
        assert_eq!(
            check("министерством труда и социальной политики", &style()),
            Some(NameProblem::LowerCase)
        );
        assert_eq!(
            check("«отделение помощи семье»", &style()),
            Some(NameProblem::LowerCase)
        );
    }
}
