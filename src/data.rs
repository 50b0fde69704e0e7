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
    pub file: Option<String>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Documents {
    #[serde(default)]
    pub documents: Vec<Document>,
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
    pub note: Option<String>,
    pub columns: Vec<String>,
    pub rows: Spanned<Vec<Vec<String>>>,
}
