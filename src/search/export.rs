//! The static index: tantivy's inverted index written out as small JSON shards
//! with content-hashed names, so a browser fetches only what its query needs and
//! a host can cache every file forever.
//!
//! - `manifest` (name passed to templates): field weights and BM25 caches,
//!   shard maps, synonyms, facet labels and counts.
//! - dictionary shards by a term's first letter: term → document frequency per
//!   field (for typo correction and prefix completion).
//! - postings shards by a term's first two letters: term → per-field idf and
//!   postings `[field, doc, tf, fieldnorm id]…`.
//! - metadata shards of 32 documents: url, title, type, region, excerpt.
//! - one facet file: each document's type and region, fetched only to filter.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::Postings;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocSet, Index, TERMINATED};

use super::index::Fields;
use super::{FacetLabels, SearchDoc, SearchError, SynonymGroup, TEXT_FIELDS};
use crate::output::{OutputFile, fnv1a};

pub const META_SHARD_DOCS: usize = 32;
/// Postings of one term in one field are ordered by their BM25 contribution,
/// highest first; the first block sits in the prefix shard, the rest in
/// overflow files the browser fetches only when the top results could still
/// change (a threshold algorithm in static/search-engine.js). Common words in
/// a large portal would otherwise cost megabytes on the first query.
pub const FIRST_BLOCK: usize = 128;
pub const OVERFLOW_BLOCK: usize = 2048;
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// The module the browser runs, built by build.rs from crates/opora-search-wasm
/// (or the committed copy of it, where the wasm target is not installed).
pub static WASM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/opora_search.wasm"));
/// `built`, or `prebuilt: <why>` when build.rs embedded the committed module.
pub const WASM_ORIGIN: &str = env!("OPORA_WASM_ORIGIN");
/// `rustc --version` of the compiler that ran build.rs.
pub const WASM_RUSTC: &str = env!("OPORA_WASM_RUSTC");

fn hashed(stem: &str, ext: &str, bytes: &[u8]) -> String {
    format!("search/{stem}-{:016x}.{ext}", fnv1a(bytes))
}

fn key_hex(key: &str) -> String {
    key.bytes().map(|b| format!("{b:02x}")).collect()
}

fn prefix(term: &str, n: usize) -> String {
    term.chars().take(n).collect()
}

/// idf as tantivy computes it (f32), so the browser need not recompute a logarithm.
fn idf(doc_freq: u64, doc_count: u64) -> f32 {
    let x = ((doc_count - doc_freq) as f32 + 0.5) / (doc_freq as f32 + 0.5);
    (1.0 + x).ln()
}

pub struct Exported {
    pub files: Vec<OutputFile>,
    /// Distinct terms over all text fields.
    pub terms: usize,
    /// Site path of the manifest, for the search page.
    pub manifest: String,
    pub wasm: String,
}

pub fn export(
    index: &Index,
    fields: &Fields,
    docs: &[SearchDoc],
    synonyms: &[SynonymGroup],
    labels: &FacetLabels,
) -> Result<Exported, SearchError> {
    let reader = index.reader()?;
    let searcher = reader.searcher();
    let segments = searcher.segment_readers();
    if segments.len() > 1 {
        return Err(SearchError(
            "the search index has several segments; expected one".into(),
        ));
    }
    let n_docs = searcher.num_docs();
    let mut files: Vec<OutputFile> = Vec::new();
    // term → per-field (df, idf, postings)
    let mut terms: BTreeMap<String, [(u64, f32, Vec<u32>); 3]> = BTreeMap::new();
    let mut caches: Vec<Vec<f32>> = Vec::new();
    for (fi, &field) in fields.text.iter().enumerate() {
        let mut total_tokens = 0u64;
        if let Some(seg) = segments.first() {
            let inv = seg.inverted_index(field)?;
            total_tokens = inv.total_num_tokens();
            let norms = seg.get_fieldnorms_reader(field)?;
            let mut stream = inv.terms().stream()?;
            while stream.advance() {
                let Ok(term) = std::str::from_utf8(stream.key()) else {
                    continue;
                };
                let info = stream.value().clone();
                let mut postings =
                    inv.read_postings_from_terminfo(&info, IndexRecordOption::WithFreqs)?;
                let entry = terms
                    .entry(term.to_string())
                    .or_insert_with(|| std::array::from_fn(|_| (0, 0.0, Vec::new())));
                let mut doc = postings.doc();
                while doc != TERMINATED {
                    entry[fi].2.extend([
                        fi as u32,
                        doc,
                        postings.term_freq(),
                        u32::from(norms.fieldnorm_id(doc)),
                    ]);
                    doc = postings.advance();
                }
                entry[fi].0 = u64::from(info.doc_freq);
                entry[fi].1 = idf(u64::from(info.doc_freq), n_docs);
            }
        }
        let avg = total_tokens as f32 / n_docs.max(1) as f32;
        caches.push(
            (0..=255u8)
                .map(|id| K1 * (1.0 - B + B * FieldNormReader::id_to_fieldnorm(id) as f32 / avg))
                .collect(),
        );
    }

    // Dictionary shards (first letter) and postings shards (first two letters).
    let mut dict: BTreeMap<String, serde_json::Map<String, Value>> = BTreeMap::new();
    let mut post: BTreeMap<String, serde_json::Map<String, Value>> = BTreeMap::new();
    for (term, per_field) in &terms {
        dict.entry(prefix(term, 1)).or_default().insert(
            term.clone(),
            json!(per_field.iter().map(|p| p.0).collect::<Vec<_>>()),
        );
        let mut lists = Vec::new();
        for (fi, (_, idf_value, flat)) in per_field.iter().enumerate() {
            if flat.is_empty() {
                continue;
            }
            let weight = idf_value * (1.0 + K1) * TEXT_FIELDS[fi].1;
            let cache = &caches[fi];
            // (impact, doc, tf, norm), highest contribution first, then by doc.
            let mut entries: Vec<(f32, u32, u32, u32)> = flat
                .chunks(4)
                .map(|c| {
                    let tf = c[2] as f32;
                    (
                        weight * (tf / (tf + cache[c[3] as usize])),
                        c[1],
                        c[2],
                        c[3],
                    )
                })
                .collect();
            entries.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let triples = |es: &[(f32, u32, u32, u32)]| {
                es.iter()
                    .flat_map(|e| [e.1, e.2, e.3])
                    .collect::<Vec<u32>>()
            };
            let first = entries.len().min(FIRST_BLOCK);
            let mut overflow = Vec::new();
            for chunk in entries[first..].chunks(OVERFLOW_BLOCK) {
                let bytes = serde_json::to_vec(&triples(chunk)).unwrap_or_default();
                let name = hashed("o", "json", &bytes);
                overflow.push(json!(name));
                files.push((name, bytes));
            }
            lists.push(json!({ "f": fi, "p": triples(&entries[..first]), "o": overflow }));
        }
        post.entry(prefix(term, 2)).or_default().insert(
            term.clone(),
            json!({ "i": per_field.iter().map(|p| p.1).collect::<Vec<_>>(), "l": lists }),
        );
    }
    let mut dict_files = serde_json::Map::new();
    for (key, map) in dict {
        let bytes = serde_json::to_vec(&Value::Object(map)).unwrap_or_default();
        let name = hashed(&format!("d-{}", key_hex(&key)), "json", &bytes);
        // Only the hash goes into the manifest: the browser rebuilds the name
        // from the key, which keeps the manifest small on large portals.
        dict_files.insert(key, json!(format!("{:016x}", fnv1a(&bytes))));
        files.push((name, bytes));
    }
    let mut post_files = serde_json::Map::new();
    for (key, map) in post {
        let bytes = serde_json::to_vec(&Value::Object(map)).unwrap_or_default();
        let name = hashed(&format!("p-{}", key_hex(&key)), "json", &bytes);
        post_files.insert(key, json!(format!("{:016x}", fnv1a(&bytes))));
        files.push((name, bytes));
    }

    // Metadata shards, in doc id order (= `docs` order, see index::write).
    let mut meta_files = Vec::new();
    for (i, chunk) in docs.chunks(META_SHARD_DOCS).enumerate() {
        let rows: Vec<Value> = chunk
            .iter()
            .map(|d| {
                json!([
                    d.url,
                    d.title,
                    d.doc_type,
                    d.region.as_deref().unwrap_or(""),
                    super::index::excerpt_of(&d.body)
                ])
            })
            .collect();
        let bytes = serde_json::to_vec(&rows).unwrap_or_default();
        let name = hashed(&format!("m-{i}"), "json", &bytes);
        meta_files.push(json!(name));
        files.push((name, bytes));
    }

    let facets = facets(docs, labels);
    let facet_bytes = serde_json::to_vec(&facets.per_doc).unwrap_or_default();
    let facets_name = hashed("facets", "json", &facet_bytes);
    files.push((facets_name.clone(), facet_bytes));
    let mut facet_manifest = facets.values;
    facet_manifest.insert("file".into(), json!(facets_name));

    let wasm_name = hashed("opora-search", "wasm", WASM);
    files.push((wasm_name.clone(), WASM.to_vec()));

    let manifest = json!({
        "version": 1,
        "docs": n_docs,
        "fields": TEXT_FIELDS.iter().zip(&caches).map(|((name, boost), cache)| json!({ "name": name, "boost": boost, "cache": cache })).collect::<Vec<_>>(),
        "dict": dict_files,
        "postings": post_files,
        "meta": { "size": META_SHARD_DOCS, "files": meta_files },
        "facets": facet_manifest,
        "synonyms": super::query::analyze_synonyms(synonyms),
        "typoMinChars": super::query::TYPO_MIN_CHARS,
        "wasm": wasm_name,
    });
    let bytes = serde_json::to_vec(&manifest).unwrap_or_default();
    let manifest_name = hashed("manifest", "json", &bytes);
    files.push((manifest_name.clone(), bytes));
    Ok(Exported {
        files,
        terms: terms.len(),
        manifest: manifest_name,
        wasm: wasm_name,
    })
}

/// The facet data: per document, the index of each of its values in the
/// manifest's value lists (a number, or a list for many-valued facets; -1 for
/// none); fetched only when the reader filters.
struct Facets {
    /// `{"type": [..], "region": [..], "need": [[..]..], "audience": [[..]..], "kind": [..]}`
    per_doc: Value,
    /// Manifest lists `types`, `regions`, `needs`, `audiences`, `kinds`: id, label, count.
    values: serde_json::Map<String, Value>,
}

/// Values of one facet in a document.
type ValuesOf = fn(&SearchDoc) -> Vec<&str>;
/// A facet value's label.
type LabelOf<'a> = &'a dyn Fn(&str) -> String;

fn facets(docs: &[SearchDoc], labels: &FacetLabels) -> Facets {
    // (facet key, manifest key, many-valued, values of a document, label)
    let specs: [(&str, &str, bool, ValuesOf, LabelOf); 5] = [
        (
            "type",
            "types",
            false,
            |d| vec![d.doc_type.as_str()],
            &|v| super::type_label(v).to_string(),
        ),
        (
            "region",
            "regions",
            false,
            |d| d.region.as_deref().into_iter().collect(),
            &|v| {
                labels
                    .regions
                    .get(v)
                    .cloned()
                    .unwrap_or_else(|| v.to_string())
            },
        ),
        (
            "need",
            "needs",
            true,
            |d| d.needs.iter().map(String::as_str).collect(),
            &|v| {
                labels
                    .needs
                    .get(v)
                    .cloned()
                    .unwrap_or_else(|| v.to_string())
            },
        ),
        (
            "audience",
            "audiences",
            true,
            |d| d.audience.iter().map(String::as_str).collect(),
            &|v| super::audience_label(v).to_string(),
        ),
        (
            "kind",
            "kinds",
            false,
            |d| d.kind.as_deref().into_iter().collect(),
            &|v| {
                labels
                    .kinds
                    .get(v)
                    .cloned()
                    .unwrap_or_else(|| v.to_string())
            },
        ),
    ];
    let mut per_doc = serde_json::Map::new();
    let mut values = serde_json::Map::new();
    for (key, list_key, many, of, label) in specs {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for d in docs {
            let mut vs = of(d);
            vs.sort_unstable();
            vs.dedup();
            for v in vs {
                *counts.entry(v).or_default() += 1;
            }
        }
        let ids: Vec<&str> = counts.keys().copied().collect();
        let ix = |v: &str| ids.binary_search(&v).map_or(-1, |i| i as i64);
        let column: Vec<Value> = docs
            .iter()
            .map(|d| {
                let vs = of(d);
                if many {
                    json!(vs.iter().map(|v| ix(v)).collect::<Vec<_>>())
                } else {
                    json!(vs.first().map_or(-1, |v| ix(v)))
                }
            })
            .collect();
        per_doc.insert(key.into(), Value::Array(column));
        let list: Vec<Value> = counts
            .iter()
            .map(|(id, n)| json!({ "id": id, "label": label(id), "count": n }))
            .collect();
        values.insert(list_key.into(), Value::Array(list));
    }
    Facets {
        per_doc: Value::Object(per_doc),
        values,
    }
}
