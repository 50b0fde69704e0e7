//! Search: tantivy builds the index with the shared Russian analyzer; an
//! exporter writes it out as static shards the browser fetches by prefix; the
//! browser analyzes queries with the same analyzer compiled to wasm and scores
//! with tantivy's BM25. `opora search` queries the tantivy index natively.

pub mod docs;
pub mod export;
pub mod index;
pub mod query;
pub mod tokenizer;

use std::fmt;

/// One searchable record.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SearchDoc {
    /// Stable id, e.g. `service:ru-mos/semya-i-dom`.
    pub id: String,
    /// Site-relative URL without the leading slash.
    pub url: String,
    /// service | route | practice | programme | region | page | glossary | need
    pub doc_type: String,
    pub title: String,
    /// Short names, organization, aliases: weighted above the body.
    pub names: String,
    /// Plain text.
    pub body: String,
    pub region: Option<String>,
    pub needs: Vec<String>,
    pub audience: Vec<String>,
    pub kind: Option<String>,
}

/// Terms that mean the same, e.g. an abbreviation and its expansion.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SynonymGroup {
    pub terms: Vec<String>,
}

/// The text fields and their weights, in scoring order. The browser script
/// reads them from the manifest, so both sides weigh fields alike.
pub const TEXT_FIELDS: [(&str, f32); 3] = [("title", 3.0), ("names", 2.0), ("body", 1.0)];

#[derive(Debug)]
pub struct SearchError(pub String);

impl fmt::Display for SearchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<tantivy::TantivyError> for SearchError {
    fn from(e: tantivy::TantivyError) -> Self {
        SearchError(format!("search index: {e}"))
    }
}

impl From<std::io::Error> for SearchError {
    fn from(e: std::io::Error) -> Self {
        SearchError(format!("search index: {e}"))
    }
}

/// Type labels for results and filters.
pub fn type_label(t: &str) -> &'static str {
    match t {
        "service" => "Служба",
        "route" => "Что делать, если…",
        "practice" => "Практика",
        "programme" => "Программа",
        "region" => "Регион",
        "page" => "Страница",
        "glossary" => "Словарь",
        "need" => "Вид помощи",
        _ => "Другое",
    }
}
