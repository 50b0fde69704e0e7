//! Shared data under `data/`: taxonomy, glossary, cited documents, statistics tables.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::content::records::Source;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    pub id: String,
    pub label: String,
    #[serde(default)]
    pub description: String,
    /// For needs: who looks for this (family | specialist).
    pub audience: Option<String>,
    /// For directions: one of the project's own directions.
    #[serde(default)]
    pub project: bool,
    /// For needs: what people say when they need this, in their own words
    /// («не с кем оставить ребёнка»); search leads these to the need.
    #[serde(default)]
    pub phrases: Vec<String>,
}

/// The controlled vocabularies of `data/taxonomy.toml`, each a top-level array
/// of tables (`[[needs]]`, `[[kinds]]`, …). Vocabularies are data: a portal adds
/// one by writing it there, and a collection binds a field to it by name (the
/// field's `x-vocabulary` in its JSON Schema, see `src/collections/`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(transparent)]
pub struct Taxonomy {
    pub vocabularies: BTreeMap<String, Vec<Term>>,
}

/// The portal's vocabularies (see [`Taxonomy`]).
pub const TAXONOMY_FILE: &str = "data/taxonomy.toml";
/// The documents records cite (see [`Documents`]).
pub const SOURCES_FILE: &str = "data/sources.toml";
/// Abbreviations and terms (see [`Glossary`]).
pub const GLOSSARY_FILE: &str = "data/glossary.toml";
/// Other names of places (see [`Places`]).
pub const PLACES_FILE: &str = "data/places.toml";
/// House style (see [`Style`]).
pub const STYLE_FILE: &str = "data/style.toml";

/// A vocabulary the generator itself gives a role: each need has its pages.
pub const NEEDS: &str = "needs";
/// Project directions: practices and statistics tables are grouped by them.
pub const DIRECTIONS: &str = "directions";

impl Taxonomy {
    /// The terms of a vocabulary in file order; none when the portal has not defined it.
    pub fn terms(&self, vocabulary: &str) -> &[Term] {
        self.vocabularies.get(vocabulary).map_or(&[], Vec::as_slice)
    }

    pub fn has(&self, vocabulary: &str) -> bool {
        self.vocabularies.contains_key(vocabulary)
    }

    pub fn find(&self, vocabulary: &str, id: &str) -> Option<&Term> {
        self.terms(vocabulary).iter().find(|t| t.id == id)
    }

    pub fn label<'a>(&'a self, vocabulary: &str, id: &'a str) -> &'a str {
        self.find(vocabulary, id).map_or(id, |t| t.label.as_str())
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GlossaryTerm {
    /// Spanned: problems with a term are reported where it is written.
    pub term: Spanned<String>,
    /// What an abbreviation stands for; terms that are not abbreviations have none.
    pub expansion: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub explanation: String,
    #[serde(default)]
    pub sources: Vec<Source>,
}

impl GlossaryTerm {
    /// The term's anchor on the glossary page (`/glossary/#sop`), which
    /// search results and the А–Я index link to: its transliteration, or
    /// `term` for one with no Latin or Russian letter or digit. Two terms
    /// must not share one (`opora check` refuses it).
    pub fn anchor(&self) -> String {
        let slug = crate::ru::slugify(self.term.get_ref());
        if slug.is_empty() { "term".into() } else { slug }
    }
}

/// A name readers use for a place that is not a region's or town's own name
/// («Подмосковье»): `data/places.toml`, used by search to understand places.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceAlias {
    pub name: String,
    /// ISO 3166-2 code of the region it means.
    pub region: Spanned<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Places {
    #[serde(default)]
    pub aliases: Vec<PlaceAlias>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Glossary {
    #[serde(default)]
    pub terms: Vec<GlossaryTerm>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub id: String,
    /// Shared (`Arc<str>`), as are the publisher and the sections' titles:
    /// every record citing the document shows them, a million services one
    /// copy.
    pub title: std::sync::Arc<str>,
    /// Who issued the document, shown after the title.
    pub publisher: Option<std::sync::Arc<str>>,
    /// The year its facts are from: records citing it say «по данным … 2024 г.».
    /// Absent when the document gives none.
    pub year: Option<i32>,
    /// The name of the original file the text was taken from (provenance).
    pub file: Option<String>,
    /// The document's text kept in the portal (e.g. `data/sources/003.txt`),
    /// against which `opora check` verifies quotes.
    pub text: Option<String>,
    pub url: Option<Spanned<String>>,
    /// Where each part of the document starts, so a reader sees «раздел …»
    /// instead of a line number.
    #[serde(default)]
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// First line of the section.
    pub line: u32,
    pub title: std::sync::Arc<str>,
}

impl Document {
    /// The section a line falls in: the last one starting at or before it.
    pub fn section(&self, line: u32) -> Option<&Section> {
        self.sections
            .iter()
            .filter(|s| s.line <= line)
            .max_by_key(|s| s.line)
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Documents {
    #[serde(default)]
    pub documents: Vec<Document>,
}

impl Documents {
    pub fn find(&self, id: &str) -> Option<&Document> {
        self.documents.iter().find(|d| d.id == id)
    }
}

/// House style the checks enforce, kept as data (`data/style.toml`) so editors
/// can extend the lists without touching code.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Style {
    #[serde(default)]
    pub names: NameStyle,
    #[serde(default)]
    pub plain: PlainStyle,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NameStyle {
    /// First words that show a name was cut from a sentence in an oblique case
    /// («Благотворительного фонда …»), with the nominative to suggest.
    #[serde(default)]
    pub oblique: Vec<ObliqueForm>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ObliqueForm {
    pub form: String,
    pub nominative: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlainStyle {
    /// Longest sentence, in words, a text for families may have.
    pub max_words: Option<usize>,
    /// Abbreviations every reader knows; they need no explanation.
    #[serde(default)]
    pub known_abbreviations: Vec<String>,
    /// Bureaucratic phrases and the plain words to use instead.
    #[serde(default)]
    pub phrases: Vec<PlainPhrase>,
    /// `phrases` folded for matching (`crate::ru::fold`), made once.
    #[serde(skip)]
    pub(crate) folded: std::sync::OnceLock<Vec<FoldedPhrase>>,
}

/// A [`PlainPhrase`] and its exceptions as matched: folded.
#[derive(Debug, Clone)]
pub struct FoldedPhrase {
    pub phrase: String,
    pub except: Vec<String>,
}

impl PlainStyle {
    /// The phrases folded, in the order of `phrases`.
    pub fn folded_phrases(&self) -> &[FoldedPhrase] {
        self.folded.get_or_init(|| {
            self.phrases
                .iter()
                .map(|p| FoldedPhrase {
                    phrase: crate::ru::fold(&p.phrase),
                    except: p.except.iter().map(|e| crate::ru::fold(e)).collect(),
                })
                .collect()
        })
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlainPhrase {
    /// The start of the phrase as written, matched at a word start,
    /// ignoring case and ё/е («осуществля» matches «осуществляет»).
    pub phrase: String,
    pub plain: String,
    /// Fixed names the phrase may stand in («комиссия по делам несовершеннолетних»).
    #[serde(default)]
    pub except: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChartSpec {
    #[serde(default)]
    pub label_column: usize,
    pub value_columns: Vec<usize>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StatsTable {
    pub title: String,
    pub unit: Option<String>,
    pub date: Option<String>,
    pub source: Option<Source>,
    #[serde(default)]
    pub regions: Vec<Spanned<String>>,
    #[serde(default)]
    pub topics: Vec<Spanned<String>>,
    pub chart: Option<Spanned<ChartSpec>>,
    /// Shown under the table: what a reader needs to read it right.
    pub note: Option<String>,
    /// For editors only (how the table was taken from the source); never published.
    pub editor_note: Option<String>,
    pub columns: Vec<String>,
    pub rows: Spanned<Vec<Vec<String>>>,
}
