//! Shared data under `data/`: taxonomy, glossary, cited documents, statistics tables.

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
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Taxonomy {
    #[serde(default)]
    pub needs: Vec<Term>,
    #[serde(default)]
    pub kinds: Vec<Term>,
    #[serde(default)]
    pub target_groups: Vec<Term>,
    #[serde(default)]
    pub directions: Vec<Term>,
    #[serde(default)]
    pub region_roles: Vec<Term>,
    #[serde(default)]
    pub programme_kinds: Vec<Term>,
}

/// A vocabulary of the taxonomy, named for messages.
#[derive(Debug, Clone, Copy)]
pub enum Vocabulary {
    Needs,
    Kinds,
    TargetGroups,
    Directions,
    RegionRoles,
    ProgrammeKinds,
}

impl Vocabulary {
    pub fn key(self) -> &'static str {
        match self {
            Vocabulary::Needs => "needs",
            Vocabulary::Kinds => "kinds",
            Vocabulary::TargetGroups => "target_groups",
            Vocabulary::Directions => "directions",
            Vocabulary::RegionRoles => "region_roles",
            Vocabulary::ProgrammeKinds => "programme_kinds",
        }
    }
}

impl Taxonomy {
    pub fn terms(&self, v: Vocabulary) -> &[Term] {
        match v {
            Vocabulary::Needs => &self.needs,
            Vocabulary::Kinds => &self.kinds,
            Vocabulary::TargetGroups => &self.target_groups,
            Vocabulary::Directions => &self.directions,
            Vocabulary::RegionRoles => &self.region_roles,
            Vocabulary::ProgrammeKinds => &self.programme_kinds,
        }
    }

    pub fn find(&self, v: Vocabulary, id: &str) -> Option<&Term> {
        self.terms(v).iter().find(|t| t.id == id)
    }

    pub fn label<'a>(&'a self, v: Vocabulary, id: &'a str) -> &'a str {
        self.find(v, id).map_or(id, |t| t.label.as_str())
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GlossaryTerm {
    pub term: String,
    /// What an abbreviation stands for; terms that are not abbreviations have none.
    pub expansion: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub explanation: String,
    #[serde(default)]
    pub sources: Vec<Source>,
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
    pub title: String,
    /// Who issued the document, shown after the title.
    pub publisher: Option<String>,
    /// The year its facts are from: records citing it say «по данным … 2024 г.».
    /// Absent when the document gives none.
    pub year: Option<i32>,
    /// The name of the original file the text was taken from (provenance).
    pub file: Option<String>,
    /// The document's text kept in the portal (e.g. `data/sources/003.txt`),
    /// against which `opora check` verifies quotes.
    pub text: Option<String>,
    pub url: Option<String>,
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
    pub title: String,
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
