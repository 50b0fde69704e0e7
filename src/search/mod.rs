//! Search: tantivy builds the inverted index with the shared Russian
//! analyzer; the exporter turns it into the static files of
//! `opora-search-core`'s format; that one engine answers queries natively
//! (`opora search`, reading the files kept beside the index) and in the
//! browser (compiled to wasm), so both rank alike by construction.

pub mod docs;
pub mod export;
pub mod index;
pub mod memo;
pub mod postings;
pub mod query;
pub mod relevance;
pub mod tokenizer;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::time::{Duration, Instant};

/// A kind with its label, as [`SearchDoc::kind`] carries it.
pub use crate::site::TermRef;
pub use opora_search_core::{Hit, Results};
pub use query::{MAX_LIMIT, QueryOptions};

/// One searchable record.
#[derive(Debug, Clone, Default, serde::Serialize)]
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
    /// Region codes: none for a national record, several for an event held
    /// in several regions (it joins each region's filter and place tier).
    pub regions: Vec<String>,
    /// The town, for services: a query naming it ranks them first.
    pub municipality: Option<String>,
    pub needs: Vec<String>,
    pub audience: Vec<String>,
    /// The record's kind from its collection's vocabulary (`data/taxonomy.toml`),
    /// with the label the kind facet shows.
    pub kind: Option<TermRef>,
    /// A phone or e-mail a reader can use right away.
    pub contactable: bool,
    /// Sections of a long record, each a sub-result linked to its heading.
    pub sections: Vec<SearchSection>,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SearchSection {
    pub heading: String,
    /// The heading's anchor on the record's page.
    pub anchor: String,
    pub text: String,
}

/// Terms that mean the same, e.g. an abbreviation and its expansion.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SynonymGroup {
    pub terms: Vec<String>,
}

/// A name a reader may use for a place.
#[derive(Debug, Clone)]
pub struct PlaceName {
    /// As written: «Калужская область», «калужская», «Калуга», «Подмосковье».
    pub name: String,
    pub region: String,
    /// The town, when the name is a town's.
    pub town: Option<String>,
    /// Shown to the reader: «в Калужской области», «Калуга (Калужская область)».
    pub label: String,
}

/// A need as search vocabulary: the phrases people use for it.
#[derive(Debug, Clone)]
pub struct NeedWords {
    pub id: String,
    pub label: String,
    pub phrases: Vec<String>,
    /// Services that carry the need (0: its page is a dead end).
    pub services: usize,
}

/// Everything besides the documents that search understands: synonyms,
/// places, needs, and labels for the browser's filters.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    pub synonyms: Vec<SynonymGroup>,
    pub places: Vec<PlaceName>,
    pub needs: Vec<NeedWords>,
    pub labels: FacetLabels,
}

/// Human labels for facet values (region codes, need ids), shown in the
/// browser's filters: regions from the regions collection, needs from the
/// taxonomy. Kinds carry their own label on each document ([`SearchDoc::kind`]),
/// because two collections' vocabularies may share an id («seminar» is a
/// programme kind and an event kind, with different labels).
#[derive(Debug, Clone, Default)]
pub struct FacetLabels {
    pub regions: BTreeMap<String, String>,
    pub needs: BTreeMap<String, String>,
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
    /// Site paths (`search/manifest-….bin`, `search/opora-search-….wasm`).
    pub manifest: String,
    pub wasm: String,
    pub index_time: Duration,
    pub export_time: Duration,
}

/// Indexes `docs` with tantivy (in memory) and exports the static index,
/// keeping the exported files in memory: the build pipeline stages them with
/// the rest of the site, then saves them into `index_dir` for native queries
/// ([`index::save_export`]). `index_dir` is claimed first ([`index::claim`]),
/// so a folder that is not an index is refused before any work.
pub fn index_and_export(
    docs: &[SearchDoc],
    vocabulary: &Vocabulary,
    index_dir: &Path,
) -> Result<(export::Exported, SearchBuildReport), SearchError> {
    let indexed = index_docs(&mut |add| docs.iter().for_each(add), index_dir, None)?;
    export_index(indexed, docs, vocabulary)
}

/// Documents indexed in memory, not exported yet: the first half of
/// [`index_and_export`], which the build runs while the data files are
/// written, the second ([`export_index`]) once they are.
pub struct Indexed {
    postings: postings::Postings,
    docs: usize,
    /// Documents (records and sections) whose postings were recalled from
    /// the memo rather than indexed.
    pub recalled: usize,
    time: Duration,
}

/// Claims `index_dir` (see [`index_and_export`]) and indexes in memory the
/// documents `each` hands over one at a time (the build makes them from the
/// site as they are indexed, so they are never all held at once). With
/// `memo` (the path of a [`memo`] file), the postings of documents the last
/// build kept there are recalled rather than indexed again, and this
/// build's are kept there in turn.
pub fn index_docs(
    each: index::EachDoc<'_>,
    index_dir: &Path,
    memo: Option<&Path>,
) -> Result<Indexed, SearchError> {
    index::claim(index_dir)?;
    let t = Instant::now();
    let recalled = memo.and_then(memo::Recalled::read);
    let (postings, docs, indexed) = index::postings(each, recalled)?;
    if let Some(path) = memo {
        memo::keep(path, &postings);
    }
    Ok(Indexed {
        recalled: postings.keys.len() - indexed,
        postings,
        docs,
        time: t.elapsed(),
    })
}

/// The static export of `docs`, which [`index_docs`] indexed in this order
/// (the in-memory index is dropped as soon as its postings are read).
pub fn export_index(
    indexed: Indexed,
    docs: &[SearchDoc],
    vocabulary: &Vocabulary,
) -> Result<(export::Exported, SearchBuildReport), SearchError> {
    if indexed.docs != docs.len() {
        return Err(SearchError(format!(
            "internal error: {} documents indexed, {} to export",
            indexed.docs,
            docs.len()
        )));
    }
    let t = Instant::now();
    let exported = export::export(indexed.postings, docs, vocabulary)?;
    let report = SearchBuildReport {
        docs: docs.len(),
        terms: exported.terms,
        files: exported.files.len(),
        bytes: exported.files.iter().map(|(_, b)| b.len() as u64).sum(),
        manifest: exported.manifest.clone(),
        wasm: exported.wasm.clone(),
        index_time: indexed.time,
        export_time: t.elapsed(),
    };
    Ok((exported, report))
}

/// Makes the native index in `index_dir` (empty, or a previous index) and the
/// static export under `site_dir/search/`, replacing what was there. The
/// export is byte-identical for the same input.
pub fn build_index(
    docs: &[SearchDoc],
    vocabulary: &Vocabulary,
    index_dir: &Path,
    site_dir: &Path,
) -> Result<SearchBuildReport, SearchError> {
    let (exported, mut report) = index_and_export(docs, vocabulary, index_dir)?;
    let t = Instant::now();
    index::save_export(index_dir, &exported, None, &|_, _| false)?;
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

/// Results for `q` from the index in `index_dir`, by the same engine the
/// browser runs.
pub fn query(index_dir: &Path, q: &str, opts: &QueryOptions) -> Result<Results, SearchError> {
    query::search(index_dir, q, opts)
}

/// Site path of the browser's search module: its name carries its content
/// hash, so pages can fetch it together with the manifest.
pub fn wasm_path() -> String {
    export::wasm_name()
}

/// Labels of the audience facet.
pub fn audience_label(a: &str) -> &str {
    match a {
        "family" => "Семьям",
        "specialist" => "Специалистам",
        other => other,
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str, title: &str) -> SearchDoc {
        SearchDoc {
            id: id.into(),
            url: format!("{id}/"),
            doc_type: "page".into(),
            title: title.into(),
            ..SearchDoc::default()
        }
    }

    #[test]
    fn documents_handed_over_one_by_one_export_as_a_list_does() {
        let docs = [
            doc("a", "Кризисная квартира"),
            doc("b", "Школа приёмных родителей"),
        ];
        let vocabulary = Vocabulary::default();
        let dir = tempfile::tempdir().unwrap();
        let (listed, _) = index_and_export(&docs, &vocabulary, &dir.path().join("x")).unwrap();
        let mut made = docs.iter().cloned();
        let indexed = index_docs(
            &mut |add| made.by_ref().for_each(|d| add(&d)),
            &dir.path().join("y"),
            None,
        )
        .unwrap();
        let (handed, _) = export_index(indexed, &docs, &vocabulary).unwrap();
        assert_eq!(listed.manifest, handed.manifest);
        assert_eq!(listed.files, handed.files);
    }

    fn with_body(id: &str, title: &str, body: &str) -> SearchDoc {
        SearchDoc {
            body: body.into(),
            ..doc(id, title)
        }
    }

    /// The export of `docs`, and how many documents were recalled.
    fn exported(docs: &[SearchDoc], dir: &Path, memo: Option<&Path>) -> (export::Exported, usize) {
        let indexed = index_docs(&mut |add| docs.iter().for_each(add), dir, memo).unwrap();
        let recalled = indexed.recalled;
        (
            export_index(indexed, docs, &Vocabulary::default())
                .unwrap()
                .0,
            recalled,
        )
    }

    /// What the memo recalls is what tantivy would have made: however the
    /// documents changed between two builds — edited, added, removed,
    /// moved, two with the same texts, sections — the export from a build
    /// that recalled is the export from a build that indexed everything.
    #[test]
    fn an_index_made_with_the_last_builds_postings_exports_as_one_made_anew() {
        let section = |heading: &str, text: &str| SearchSection {
            heading: heading.into(),
            anchor: heading.to_lowercase(),
            text: text.into(),
        };
        // Its body shares words with b, which moves after it.
        let mut guide = with_body("g", "Пособие приёмным семьям", "Документы. Сроки.");
        guide.sections = vec![
            section("Документы", "Паспорт и свидетельство о рождении ребёнка."),
            section("Сроки", "Заявление подают в течение шести месяцев."),
        ];
        let before = vec![
            with_body(
                "a",
                "Кризисная квартира",
                "Временное жильё для мамы с ребёнком.",
            ),
            with_body(
                "b",
                "Школа приёмных родителей",
                "Занятия для будущих приёмных семей.",
            ),
            with_body(
                "c",
                "Кризисная квартира",
                "Временное жильё для мамы с ребёнком.",
            ),
            guide.clone(),
            with_body("d", "Пункт проката", "Коляски и кроватки на время."),
        ];
        let mut edited_guide = guide;
        edited_guide.sections[1].text = "Заявление подают в течение года.".into();
        let after = vec![
            with_body("e", "Горячая линия", "Звонок бесплатный, круглосуточно."),
            with_body(
                "c",
                "Кризисная квартира",
                "Временное жильё для мамы с ребёнком.",
            ),
            with_body("d", "Пункт проката", "Коляски, кроватки и одежда на время."),
            with_body(
                "a",
                "Кризисная квартира",
                "Временное жильё для мамы с ребёнком.",
            ),
            edited_guide,
            with_body(
                "b",
                "Школа приёмных родителей",
                "Занятия для будущих приёмных семей.",
            ),
        ];
        let dir = tempfile::tempdir().unwrap();
        let memo = dir.path().join("memo");
        let (_, none) = exported(&before, &dir.path().join("1"), Some(&memo));
        assert_eq!(none, 0);
        assert!(memo.is_file(), "the first build keeps its postings");
        let (recalled, count) = exported(&after, &dir.path().join("2"), Some(&memo));
        // a, b, c and the guide with its first section; not the new e, the
        // edited d, nor the guide's edited section.
        assert_eq!(count, 5);
        let (anew, _) = exported(&after, &dir.path().join("3"), None);
        assert_eq!(recalled.files, anew.files);
        assert_eq!(recalled.manifest, anew.manifest);
        // And the memo now holds this build's postings: recalled again, alike.
        let (again, count) = exported(&after, &dir.path().join("4"), Some(&memo));
        assert_eq!((again.files, count), (anew.files, after.len() + 2));
        // A damaged memo is not used: the export is still right.
        let mut bytes = std::fs::read(&memo).unwrap();
        let at = bytes.len() / 2;
        bytes[at] ^= 0x01;
        std::fs::write(&memo, bytes).unwrap();
        let (damaged, count) = exported(&before, &dir.path().join("5"), Some(&memo));
        assert_eq!(count, 0);
        assert_eq!(
            damaged.files,
            exported(&before, &dir.path().join("6"), None).0.files
        );
    }

    #[test]
    fn an_export_of_other_documents_than_were_indexed_is_refused() {
        let docs = [doc("a", "Кризисная квартира")];
        let dir = tempfile::tempdir().unwrap();
        let indexed = index_docs(&mut |add| docs.iter().for_each(add), dir.path(), None).unwrap();
        let err = export_index(indexed, &[], &Vocabulary::default())
            .err()
            .unwrap();
        assert!(
            err.0.contains("1 documents indexed, 0 to export"),
            "{}",
            err.0
        );
    }
}
