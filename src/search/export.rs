//! The static index: tantivy's inverted index turned into the files
//! `opora-search-core` reads (its `format` module), scored once here so the
//! engine only adds up numbers. Per term, BM25 over title, names and body
//! (weights and constants in `opora_search_core::ranking`) times the record's
//! prior, quantized to a byte against the term's best score and ordered best
//! first; the first block sits in the term's postings shard (first two
//! letters), the rest in overflow files fetched only while they could still
//! change the results. Also: dictionary shards (first letter), membership
//! lists (region, town, need, type, audience, kind), the records' fragments
//! for drawing results (grouped in chunk files of consecutive records), a facet file for the search page's filters, and the
//! manifest with the lexicon (synonyms, places, need phrases).

use std::collections::BTreeMap;

use opora_search_core::format::{
    self, Entry, FIRST_BLOCK, Fragment, FragmentRun, Manifest, OVERFLOW_BLOCK,
};
use opora_search_core::ranking;
use serde_json::{Value, json};

use super::postings::{Posting, Postings};
use super::{SearchDoc, SearchError, Vocabulary};
use crate::output::{OutputFile, fnv1a};

/// The module the browser runs, built by build.rs from crates/opora-search-wasm
/// (or the committed copy of it, where the wasm target is not installed).
pub static WASM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/opora_search.wasm"));
/// `built`, or `prebuilt: <why>` when build.rs embedded the committed module.
pub const WASM_ORIGIN: &str = env!("OPORA_WASM_ORIGIN");
/// `rustc --version` of the compiler that ran build.rs.
pub const WASM_RUSTC: &str = env!("OPORA_WASM_RUSTC");

/// Characters of a record's text kept in its fragment for excerpts.
pub const FRAGMENT_TEXT_CHARS: usize = 1200;
/// Characters of each section's text kept for sub-result excerpts.
pub const FRAGMENT_SECTION_CHARS: usize = 600;

pub fn wasm_name() -> String {
    // Every page names the module: hash its bytes once, not once per page.
    static NAME: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("search/opora-search-{:016x}.wasm", fnv1a(WASM)));
    NAME.clone()
}

pub struct Exported {
    pub files: Vec<OutputFile>,
    /// Distinct terms over all text fields.
    pub terms: usize,
    /// Site path of the manifest, for the search page.
    pub manifest: String,
    pub wasm: String,
}

fn cut(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        None => text.to_string(),
        Some((i, _)) => {
            let head = &text[..i];
            head[..head.rfind(' ').unwrap_or(i)].to_string()
        }
    }
}

/// Each term's scores over a group of documents (records or sections):
/// `(doc, score)` for every document holding it, in document order.
fn scores(
    postings: &[Posting],
    in_group: impl Fn(u32) -> bool,
    group_size: u64,
    avg: &[f32; 3],
) -> Vec<(u32, f32)> {
    let mut df = [0u64; 3];
    for p in postings.iter().filter(|p| in_group(p.doc)) {
        df[usize::from(p.field)] += 1;
    }
    let mut parts: Vec<(u32, f32)> = postings
        .iter()
        .filter(|p| in_group(p.doc))
        .map(|p| {
            let f = usize::from(p.field);
            let idf = ranking::idf(df[f], group_size);
            let score =
                ranking::FIELD_WEIGHTS[f] * ranking::bm25(idf, f32::from(p.tf), p.len(), avg[f]);
            (p.doc, score)
        })
        .collect();
    // Postings come field by field, each in document order. A stable sort by
    // document keeps a document's fields in that order, so its score adds
    // up in the same order, to the same bits, as it always has.
    parts.sort_by_key(|&(doc, _)| doc);
    let mut out: Vec<(u32, f32)> = Vec::with_capacity(parts.len());
    for (doc, score) in parts {
        match out.last_mut() {
            Some((last, sum)) if *last == doc => *sum += score,
            _ => out.push((doc, 0.0 + score)),
        }
    }
    out
}

/// Exports the static index. Takes the postings, and lets each term's go
/// once its files are made (at a million services the postings and the
/// files were each ~1 GB).
pub fn export(
    postings: Postings,
    docs: &[SearchDoc],
    vocab: &Vocabulary,
) -> Result<Exported, SearchError> {
    // Tantivy documents past the records are sections, in order.
    let owners: Vec<(u32, u32)> = docs
        .iter()
        .enumerate()
        .flat_map(|(d, doc)| (0..doc.sections.len() as u32).map(move |k| (d as u32, k)))
        .collect();
    let groups = Groups {
        records: docs.len() as u32,
        sections: owners.len() as u64,
    };
    let priors = priors(docs, vocab);
    if postings.norms.len() as u64 != u64::from(groups.records) + groups.sections {
        return Err(SearchError(format!(
            "internal error: {} documents indexed, {} records and {} sections to export",
            postings.norms.len(),
            groups.records,
            groups.sections
        )));
    }
    let (avg_records, avg_sections) = postings.averages(groups.records);
    let read = Read {
        terms: postings.terms,
        avg_records,
        avg_sections,
    };

    // The terms' files on one core, the lists' and fragments' on the other;
    // joined in the order they always had, which the generation hashes.
    let term_count = read.terms.len();
    let ((mut files, dict_keys, postings_keys), (record_files, list_keys, fragment_runs)) =
        rayon::join(
            || {
                let mut files: Vec<ShardFile> = Vec::new();
                let (dict_keys, postings_keys) =
                    term_files(read, groups, &priors, &owners, &mut files);
                (files, dict_keys, postings_keys)
            },
            || {
                let mut files: Vec<ShardFile> = Vec::new();
                let list_keys = membership_lists(docs, &priors, &mut files);
                let fragment_runs = fragments(docs, vocab, &mut files);
                (files, list_keys, fragment_runs)
            },
        );
    files.extend(record_files);

    let (generation, generations) = generations(&files);
    let facets = facets(docs, vocab);
    let facets_bytes = serde_json::to_vec(&facets).unwrap_or_default();
    let manifest = Manifest {
        generation: generation.clone(),
        generations,
        docs: groups.records,
        dict_keys,
        postings_keys,
        list_keys,
        fragment_runs,
        lexicon: lexicon(docs, vocab),
    };
    let manifest_bytes = manifest.encode();
    let manifest_name = format!("search/manifest-{:016x}.bin", fnv1a(&manifest_bytes));
    let mut out: Vec<OutputFile> = files
        .into_iter()
        .map(|(kind, key, bytes)| (manifest.file_name(kind, &key), bytes))
        .collect();
    out.push((format!("search/facets.{generation}.json"), facets_bytes));
    out.push((wasm_name(), WASM.to_vec()));
    // The same manifest at a name that never changes, for the header search
    // box of every page: a page that names the content-hashed manifest
    // would change with every edit of any record, and so would every page.
    out.push((CURRENT_MANIFEST.to_string(), manifest_bytes.clone()));
    out.push((manifest_name.clone(), manifest_bytes));
    Ok(Exported {
        files: out,
        terms: term_count,
        manifest: manifest_name,
        wasm: wasm_name(),
    })
}

/// The site's current search manifest under a name that never changes
/// (the header search box fetches it revalidating, `cache: "no-cache"`).
pub const CURRENT_MANIFEST: &str = "search/manifest.bin";

/// One static file before naming: its kind letter, its key, its bytes.
type ShardFile = (&'static str, String, Vec<u8>);

/// How tantivy's documents divide: the first `records` are records, the
/// `sections` after them are sections of those records.
#[derive(Clone, Copy)]
struct Groups {
    records: u32,
    sections: u64,
}

/// Every term's postings over the three text fields, and the fields' average
/// lengths over records and over sections (for BM25).
#[derive(Default)]
struct Read {
    terms: BTreeMap<String, Vec<Posting>>,
    avg_records: [f32; 3],
    avg_sections: [f32; 3],
}

/// Each record's ranking prior: its type, whether a family can contact it,
/// and whether it is a need page no service answers (a dead end).
fn priors(docs: &[SearchDoc], vocab: &Vocabulary) -> Vec<f32> {
    let need_pages: BTreeMap<&str, usize> = vocab
        .needs
        .iter()
        .map(|n| (n.id.as_str(), n.services))
        .collect();
    docs.iter()
        .map(|d| {
            let dead_end = d.doc_type == "need"
                && d.needs
                    .first()
                    .is_some_and(|n| need_pages.get(n.as_str()) == Some(&0));
            ranking::prior(
                &d.doc_type,
                d.contactable,
                dead_end,
                d.audience.iter().any(|a| a == "family"),
            )
        })
        .collect()
}

/// Postings, dictionary and overflow files, keyed by prefix; returns the
/// dictionary's and the postings' shard keys for the manifest.
///
/// Takes the postings read and lets each term's go once it is scored, and
/// encodes each postings file as soon as its last term is done (terms come
/// sorted, so a prefix's terms are together): at a million services the
/// postings and the entries made from them are each ~1 GB, and were held
/// at once.
fn term_files(
    read: Read,
    groups: Groups,
    priors: &[f32],
    owners: &[(u32, u32)],
    files: &mut Vec<ShardFile>,
) -> (Vec<String>, Vec<String>) {
    let records = groups.records;
    let mut dict: BTreeMap<String, Vec<(String, u32)>> = BTreeMap::new();
    // Postings files follow the dictionary's in `files`, as they always have.
    let mut post_files: Vec<ShardFile> = Vec::new();
    let mut shard: Option<(String, Vec<(String, Entry)>)> = None;
    let mut overflow_count = 0u32;
    for (term, postings) in read.terms {
        let key = format::postings_key(&term);
        if shard.as_ref().is_some_and(|(k, _)| *k != key)
            && let Some((done, entries)) = shard.take()
        {
            post_files.push(("p", done, format::encode_postings(&entries)));
        }
        let rec = scores(
            &postings,
            |d| d < records,
            u64::from(records),
            &read.avg_records,
        );
        let sec = scores(
            &postings,
            |d| d >= records,
            groups.sections,
            &read.avg_sections,
        );
        let mut entry = Entry::default();
        if !rec.is_empty() {
            let weighted: Vec<(u32, f32)> = rec
                .iter()
                .map(|&(d, s)| (d, s * priors[d as usize]))
                .collect();
            entry.df = weighted.len() as u32;
            entry.max = weighted.iter().map(|x| x.1).fold(0.0, f32::max);
            let mut items: Vec<(u32, u8)> = weighted
                .iter()
                .map(|&(d, s)| (d, ranking::quantize(s, entry.max)))
                .collect();
            format::sort_impacts(&mut items);
            let first = items.len().min(FIRST_BLOCK);
            entry.first = items[..first].to_vec();
            for chunk in items[first..].chunks(OVERFLOW_BLOCK) {
                files.push(("o", overflow_count.to_string(), format::encode_block(chunk)));
                entry.overflow.push(overflow_count);
                overflow_count += 1;
            }
            dict.entry(format::dict_key(&term))
                .or_default()
                .push((term.clone(), entry.df));
        }
        if !sec.is_empty() {
            entry.section_max = sec.iter().map(|&(_, s)| s).fold(0.0, f32::max);
            entry.sections = sec
                .iter()
                .map(|&(d, s)| {
                    let (owner, k) = owners[(d - records) as usize];
                    (owner, k, ranking::quantize(s, entry.section_max))
                })
                .collect();
            entry.sections.sort_by_key(|&(o, k, _)| (o, k));
        }
        shard
            .get_or_insert_with(|| (key, Vec::new()))
            .1
            .push((term, entry));
    }
    if let Some((done, entries)) = shard {
        post_files.push(("p", done, format::encode_postings(&entries)));
    }
    for (key, terms) in &dict {
        files.push(("d", key.clone(), format::encode_dict(terms)));
    }
    let post_keys = post_files.iter().map(|(_, key, _)| key.clone()).collect();
    files.extend(post_files);
    (dict.into_keys().collect(), post_keys)
}

/// Membership lists (region, town, type, need, audience, kind), each
/// document with its prior; returns the lists' keys for the manifest.
fn membership_lists(docs: &[SearchDoc], priors: &[f32], files: &mut Vec<ShardFile>) -> Vec<String> {
    let mut lists: BTreeMap<String, Vec<(u32, u8)>> = BTreeMap::new();
    for (i, d) in docs.iter().enumerate() {
        let q = ranking::quantize_prior(priors[i]);
        // A record of the whole country (no region, or the country's own
        // code «RU», without a subdivision) is national: it applies everywhere.
        // A record of several regions (an event) is in each of them. Each
        // code also has its own list, so every value the region facet offers
        // (the country's «RU» too) filters to exactly the records it counts.
        let mut keys: Vec<String> = d.regions.iter().map(|r| format!("r:{r}")).collect();
        if subdivisions(d).next().is_none() {
            keys.push("r:".into());
        }
        keys.push(format!("t:{}", d.doc_type));
        keys.extend(d.municipality.iter().map(|m| format!("m:{m}")));
        keys.extend(d.needs.iter().map(|n| format!("n:{n}")));
        keys.extend(d.audience.iter().map(|a| format!("a:{a}")));
        keys.extend(d.kind.iter().map(|k| format!("k:{}", k.id)));
        keys.sort();
        keys.dedup();
        for k in keys {
            lists.entry(k).or_default().push((i as u32, q));
        }
    }
    for (key, items) in &mut lists {
        format::sort_impacts(items);
        files.push(("l", key.clone(), format::encode_block(items)));
    }
    lists.into_keys().collect()
}

/// Bytes of fragments one chunk file aims at. Why this size: a first page of
/// results (10 records) mostly draws records from different chunks, so it
/// downloads about one chunk per result and its bytes grow with the budget,
/// while the file count falls with it (one file per record made 100,455 of
/// the 216,236 files of a 100,000-service build, each written twice — into
/// the site and beside the native index — and ext4's inode allocation topped
/// the build's profile). Measured on that portal, 16 queries as readers type
/// them (places, needs, typos), fragment bytes of the first page gzipped,
/// median / max: one file per record 6.9 / 9.9 KB; 4 KB chunks 20,110 files,
/// 9.9 / 17.5 KB; 8 KB 9,164 files, 12.2 / 22.3 KB; 16 KB 4,380 files,
/// 18.1 / 31.1 KB; 32 KB 2,146 files, 24.7 / 47.3 KB. 8 KB cuts the files
/// elevenfold — the 9,164 left are under a tenth of the build's files, so
/// fewer would save little time — for +5 KB on a first query of ~95 KB;
/// each further halving of the files costs a reader twice as much again.
pub const FRAGMENT_CHUNK_BYTES: usize = 8 * 1024;

/// The records' fragments in chunk files, for drawing results; returns the
/// runs that say which chunk holds which record (for the manifest).
/// Consecutive records of one type form a run (records of one type are of
/// similar size: a service card, a long passport), chunked at as many records
/// as fit [`FRAGMENT_CHUNK_BYTES`] on average, at least one. Records are in
/// collection order, a region's services next to each other, so a query
/// about a place often finds its results in few chunks.
fn fragments(
    docs: &[SearchDoc],
    vocab: &Vocabulary,
    files: &mut Vec<ShardFile>,
) -> Vec<FragmentRun> {
    // Only the sizes first: every record's encoding at once would be
    // ~300 MB at a million services; each is made again for its chunk.
    let sizes: Vec<usize> = docs
        .iter()
        .map(|d| fragment(d, vocab).encode().len())
        .collect();
    let mut runs: Vec<FragmentRun> = Vec::new();
    let mut start = 0;
    while start < docs.len() {
        let len = docs[start..]
            .iter()
            .take_while(|d| d.doc_type == docs[start].doc_type)
            .count();
        let bytes: usize = sizes[start..start + len].iter().sum();
        let mean = bytes.div_ceil(len).max(1);
        runs.push(FragmentRun {
            start: start as u32,
            per_chunk: (FRAGMENT_CHUNK_BYTES / mean).clamp(1, len) as u32,
        });
        start += len;
    }
    // Group by the same lookup the engine uses, so the two cannot disagree.
    let records = docs.len() as u32;
    let mut chunk: Option<u32> = None;
    let mut members: Vec<Vec<u8>> = Vec::new();
    let mut flush = |chunk: Option<u32>, members: &mut Vec<Vec<u8>>| {
        if let Some(c) = chunk {
            let bytes = format::encode_fragment_chunk(members.iter().map(Vec::as_slice));
            files.push(("f", c.to_string(), bytes));
        }
        members.clear();
    };
    for (i, d) in docs.iter().enumerate() {
        // Every record lies in a run (they cover 0..records).
        let Some((c, _)) = format::fragment_chunk(&runs, records, i as u32) else {
            continue;
        };
        if chunk != Some(c) {
            flush(chunk, &mut members);
            chunk = Some(c);
        }
        members.push(fragment(d, vocab).encode());
    }
    flush(chunk, &mut members);
    runs
}

/// What drawing one record's result takes.
fn fragment(d: &SearchDoc, vocab: &Vocabulary) -> Fragment {
    let region = d
        .regions
        .iter()
        .map(|r| vocab.labels.regions.get(r).unwrap_or(r).as_str())
        .collect::<Vec<_>>()
        .join(", ");
    Fragment {
        url: d.url.clone(),
        title: d.title.clone(),
        doc_type: d.doc_type.clone(),
        type_label: super::type_label(&d.doc_type).to_string(),
        region,
        text: cut(&d.body, FRAGMENT_TEXT_CHARS),
        sections: d
            .sections
            .iter()
            .map(|s| {
                (
                    s.heading.clone(),
                    s.anchor.clone(),
                    cut(&s.text, FRAGMENT_SECTION_CHARS),
                )
            })
            .collect(),
    }
}

/// The generations: one of each group's files ([`format::group`]), which
/// names them — a file's name changes with its group's content, and an edit
/// leaves the other groups' files as they were, names and all — and one of
/// the whole export (of the groups'). XXH3, piece by piece: at a million
/// services the files are ~800 MB, and joining them first would hold them
/// twice.
fn generations(files: &[ShardFile]) -> (String, Vec<String>) {
    use xxhash_rust::xxh3::Xxh3Default;
    let mut groups: Vec<Xxh3Default> = (0..format::GROUP_COUNT)
        .map(|_| Xxh3Default::new())
        .collect();
    for (kind, key, bytes) in files {
        if let Some(h) = groups.get_mut(format::group(kind, key)) {
            for piece in [
                kind.as_bytes(),
                key.as_bytes(),
                &(bytes.len() as u64).to_le_bytes(),
            ] {
                h.update(&(piece.len() as u64).to_le_bytes());
                h.update(piece);
            }
            h.update(bytes);
        }
    }
    let digests: Vec<u64> = groups.iter().map(Xxh3Default::digest).collect();
    let mut whole = Xxh3Default::new();
    for d in &digests {
        whole.update(&d.to_le_bytes());
    }
    let hex = |h: u64| format!("{h:016x}");
    (hex(whole.digest()), digests.into_iter().map(hex).collect())
}

fn stems(text: &str) -> Vec<String> {
    opora_analyzer::analyze(text)
        .into_iter()
        .map(|t| t.term)
        .collect()
}

/// Synonyms, places and need phrases as the engine matches them: stems.
fn lexicon(docs: &[SearchDoc], vocab: &Vocabulary) -> format::Lexicon {
    let synonyms = vocab
        .synonyms
        .iter()
        .map(|g| g.terms.iter().map(|t| stems(t)).collect())
        .collect();
    let mut places: Vec<format::Place> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for p in &vocab.places {
        let s = stems(&p.name);
        if s.is_empty() || !seen.insert(s.clone()) {
            continue;
        }
        places.push(format::Place {
            stems: s,
            region: p.region.clone(),
            town: p.town.clone().unwrap_or_default(),
            label: p.label.clone(),
        });
    }
    let needs = vocab
        .needs
        .iter()
        .map(|n| format::Need {
            id: n.id.clone(),
            label: n.label.clone(),
            label_terms: stems(&n.label),
            phrases: n
                .phrases
                .iter()
                .map(|p| opora_search_core::query::phrase_stems(p))
                .filter(|p| !p.is_empty())
                .collect(),
            page: docs
                .iter()
                .position(|d| d.doc_type == "need" && d.needs.first() == Some(&n.id))
                .map(|i| i as u32),
            services: n.services as u32,
        })
        .collect();
    format::Lexicon {
        synonyms,
        places,
        needs,
    }
}

/// Region codes of a record below the whole country («RU-KLU», not «RU»).
fn subdivisions(d: &SearchDoc) -> impl Iterator<Item = &str> {
    d.regions
        .iter()
        .map(String::as_str)
        .filter(|r| r.contains('-'))
}

/// One facet's values: id → (label, records).
type Counts = BTreeMap<String, (String, usize)>;

/// Counts each of a record's values once.
fn count(counts: &mut Counts, values: impl IntoIterator<Item = (String, String)>) {
    let mut seen = std::collections::BTreeSet::new();
    for (id, label) in values {
        if seen.insert(id.clone()) {
            counts.entry(id).or_insert((label, 0)).1 += 1;
        }
    }
}

/// The search page's filter options: each facet's values with labels and
/// counts (`types`, `regions`, `needs`, `audiences`, `kinds`). Labels come from
/// the registry (types), the regions collection, the taxonomy (needs, and each
/// kind from its collection's vocabulary). A record of several regions counts
/// under each; kinds are per type, since two vocabularies may share an id.
fn facets(docs: &[SearchDoc], vocab: &Vocabulary) -> Value {
    let labels = &vocab.labels;
    let label_of = |map: &BTreeMap<String, String>, v: &str| {
        map.get(v).cloned().unwrap_or_else(|| v.to_string())
    };
    let (mut types, mut regions, mut needs, mut audiences) = Default::default();
    let mut kinds: BTreeMap<(String, String), (String, usize)> = BTreeMap::new();
    for d in docs {
        let t = &d.doc_type;
        count(&mut types, [(t.clone(), super::type_label(t).to_string())]);
        count(
            &mut regions,
            d.regions
                .iter()
                .map(|r| (r.clone(), label_of(&labels.regions, r))),
        );
        count(
            &mut needs,
            d.needs
                .iter()
                .map(|n| (n.clone(), label_of(&labels.needs, n))),
        );
        count(
            &mut audiences,
            d.audience
                .iter()
                .map(|a| (a.clone(), super::audience_label(a).to_string())),
        );
        if let Some(k) = &d.kind {
            kinds
                .entry((t.clone(), k.id.to_string()))
                .or_insert((k.label.to_string(), 0))
                .1 += 1;
        }
    }
    let list = |counts: Counts| -> Value {
        counts
            .into_iter()
            .map(|(id, (label, n))| json!({ "id": id, "label": label, "count": n }))
            .collect()
    };
    let kinds: Value = kinds
        .into_iter()
        .map(|((t, id), (label, n))| json!({ "type": t, "id": id, "label": label, "count": n }))
        .collect();
    json!({
        "types": list(types),
        "regions": list(regions),
        "needs": list(needs),
        "audiences": list(audiences),
        "kinds": kinds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posting(doc: u32, tf: u16, field: u8, norm: u8) -> Posting {
        Posting {
            doc,
            tf,
            field,
            norm,
        }
    }

    /// A document's score is its fields' scores added in field order (as
    /// the postings come), each document once, in document order; documents
    /// outside the group are left out.
    #[test]
    fn a_terms_scores_add_each_documents_fields_in_order() {
        // Field by field, each in document order, as tantivy hands them over.
        let postings = [
            posting(1, 2, 0, 10),
            posting(4, 1, 0, 12),
            posting(9, 1, 0, 3),
            posting(4, 3, 1, 20),
            posting(0, 1, 2, 40),
            posting(4, 1, 2, 33),
            posting(9, 5, 2, 7),
        ];
        let avg = [8.0, 15.0, 30.0];
        let in_group = |d: u32| d < 9;
        let got = scores(&postings, in_group, 10, &avg);

        let df = |f: u8| {
            postings
                .iter()
                .filter(|p| p.field == f && in_group(p.doc))
                .count()
        };
        let part = |p: &Posting| {
            let f = usize::from(p.field);
            let idf = ranking::idf(df(p.field) as u64, 10);
            ranking::FIELD_WEIGHTS[f] * ranking::bm25(idf, f32::from(p.tf), p.len(), avg[f])
        };
        let of = |doc: u32| {
            postings
                .iter()
                .filter(|p| p.doc == doc)
                .fold(0.0f32, |sum, p| sum + part(p))
        };
        let expected: Vec<(u32, u32)> = [0, 1, 4].iter().map(|&d| (d, of(d).to_bits())).collect();
        let got: Vec<(u32, u32)> = got.iter().map(|&(d, s)| (d, s.to_bits())).collect();
        assert_eq!(got, expected);
    }
}
