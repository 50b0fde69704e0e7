//! Search: tantivy builds the index with the shared Russian analyzer; an
//! exporter writes it out as static shards the browser fetches by prefix; the
//! browser analyzes queries with the same analyzer compiled to wasm and scores
//! with tantivy's BM25. `opora search` queries the tantivy index natively.

pub mod docs;
pub mod export;
pub mod index;
pub mod query;
pub mod tokenizer;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::time::{Duration, Instant};

pub use query::{QueryOptions, SearchHit};

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

/// Human labels for facet values (region codes, need and kind ids), shown in
/// the browser's filters. Values without a label show their id.
#[derive(Debug, Clone, Default)]
pub struct FacetLabels {
    pub regions: BTreeMap<String, String>,
    pub needs: BTreeMap<String, String>,
    pub kinds: BTreeMap<String, String>,
}

/// What [`build_index`] did, for the build's timing line and the benchmark.
#[derive(Debug, Clone)]
pub struct SearchBuildReport {
    pub docs: usize,
    /// Distinct terms over all text fields.
    pub terms: usize,
    /// Files of the static export, and their total size in bytes.
    pub files: usize,
    pub bytes: u64,
    /// Site paths (`search/manifest-….json`, `search/opora-search-….wasm`).
    pub manifest: String,
    pub wasm: String,
    pub index_time: Duration,
    pub export_time: Duration,
}

/// Indexes `docs` with tantivy into `index_dir` and exports the static index,
/// keeping the exported files in memory (the build pipeline stages them with
/// the rest of the site).
pub fn index_and_export(
    docs: &[SearchDoc],
    synonyms: &[SynonymGroup],
    labels: &FacetLabels,
    index_dir: &Path,
) -> Result<(export::Exported, SearchBuildReport), SearchError> {
    let t = Instant::now();
    let index = index::write(docs, synonyms, index_dir)?;
    let index_time = t.elapsed();
    let t = Instant::now();
    let (_, fields) = index::schema();
    let exported = export::export(&index, &fields, docs, synonyms, labels)?;
    let report = SearchBuildReport {
        docs: docs.len(),
        terms: exported.terms,
        files: exported.files.len(),
        bytes: exported.files.iter().map(|(_, b)| b.len() as u64).sum(),
        manifest: exported.manifest.clone(),
        wasm: exported.wasm.clone(),
        index_time,
        export_time: t.elapsed(),
    };
    Ok((exported, report))
}

/// Writes a tantivy index into `index_dir` (empty, or a previous index) and the
/// static export under `site_dir/search/`, replacing what was there. The
/// export is byte-identical for the same input.
pub fn build_index(
    docs: &[SearchDoc],
    synonyms: &[SynonymGroup],
    index_dir: &Path,
    site_dir: &Path,
) -> Result<SearchBuildReport, SearchError> {
    build_index_labelled(docs, synonyms, &FacetLabels::default(), index_dir, site_dir)
}

/// [`build_index`] with labels for the browser's facet filters.
pub fn build_index_labelled(
    docs: &[SearchDoc],
    synonyms: &[SynonymGroup],
    labels: &FacetLabels,
    index_dir: &Path,
    site_dir: &Path,
) -> Result<SearchBuildReport, SearchError> {
    let (exported, mut report) = index_and_export(docs, synonyms, labels, index_dir)?;
    let t = Instant::now();
    let out = site_dir.join("search");
    if out.exists() {
        // Old content-hashed files would pile up forever otherwise.
        std::fs::remove_dir_all(&out)?;
    }
    std::fs::create_dir_all(&out)?;
    for (name, bytes) in &exported.files {
        std::fs::write(site_dir.join(name), bytes)?;
    }
    report.export_time += t.elapsed();
    Ok(report)
}

/// Ranked hits for `q` from the index in `index_dir`, natively with tantivy.
pub fn query(
    index_dir: &Path,
    q: &str,
    opts: &QueryOptions,
) -> Result<Vec<SearchHit>, SearchError> {
    query::search(index_dir, q, opts)
}

/// Labels of the audience facet.
pub fn audience_label(a: &str) -> &str {
    match a {
        "family" => "Семьям",
        "specialist" => "Специалистам",
        other => other,
    }
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
    // Collections name their own type (src/collections); the rest are search's.
    if let Some(c) = crate::collections::by_singular(t) {
        return c.spec().label_one;
    }
    match t {
        "glossary" => "Словарь",
        "need" => "Вид помощи",
        _ => "Другое",
    }
}
