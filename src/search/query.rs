//! Native queries over the tantivy index, with the same expansion rules the
//! browser script applies (typo correction, glossary synonyms), so both return
//! the same results for the same words.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{Searcher, TantivyDocument, Term};

use super::index::{self, Fields, stored_str};
use super::{SearchError, SynonymGroup, TEXT_FIELDS};

/// The most results one query returns: more is never useful to a reader, and
/// the collector allocates room for `limit` hits up front (a limit of 2³² asked
/// for 34 GB, 2⁶⁴−1 overflowed).
pub const MAX_LIMIT: usize = 1000;

#[derive(Debug, Clone, Default)]
pub struct QueryOptions {
    /// How many results, 1…[`MAX_LIMIT`] (clamped to that range).
    pub limit: usize,
    pub doc_type: Option<String>,
    pub region: Option<String>,
    /// Taxonomy need id, e.g. `crisis`.
    pub need: Option<String>,
    /// `family` or `specialist`.
    pub audience: Option<String>,
    /// Taxonomy kind id (services) or programme kind.
    pub kind: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SearchHit {
    pub doc: u32,
    pub id: String,
    pub url: String,
    pub title: String,
    pub doc_type: String,
    pub region: String,
    pub score: f32,
    pub excerpt: String,
}

/// Words shorter than this are not typo-corrected: too many near neighbours.
pub const TYPO_MIN_CHARS: usize = 5;

/// Query terms after analysis, typo correction and synonym expansion.
/// `df(term)` is the term's document frequency summed over the text fields;
/// `neighbours(term)` lists dictionary terms sharing the term's first letter.
pub fn expand_terms(
    query: &str,
    synonyms: &[Vec<Vec<String>>],
    df: &dyn Fn(&str) -> u64,
    neighbours: &dyn Fn(&str) -> Vec<(String, u64)>,
) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for t in opora_analyzer::analyze(query) {
        let mut term = t.term;
        if df(&term) == 0 && term.chars().count() >= TYPO_MIN_CHARS {
            let best = neighbours(&term)
                .into_iter()
                .filter(|(cand, _)| opora_analyzer::edit_distance_within(cand, &term, 1) == 1)
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)));
            if let Some((cand, _)) = best {
                term = cand;
            }
        }
        if !terms.contains(&term) {
            terms.push(term);
        }
    }
    let present: HashSet<String> = terms.iter().cloned().collect();
    for group in synonyms {
        let hit = group
            .iter()
            .any(|member| !member.is_empty() && member.iter().all(|t| present.contains(t)));
        if hit {
            for t in group.iter().flatten() {
                if !terms.contains(t) {
                    terms.push(t.clone());
                }
            }
        }
    }
    terms
}

/// Synonym groups as analyzed term lists (what both sides compare against).
pub fn analyze_synonyms(groups: &[SynonymGroup]) -> Vec<Vec<Vec<String>>> {
    groups
        .iter()
        .map(|g| {
            g.terms
                .iter()
                .map(|t| {
                    opora_analyzer::analyze(t)
                        .into_iter()
                        .map(|x| x.term)
                        .collect()
                })
                .collect()
        })
        .collect()
}

fn doc_freq(searcher: &Searcher, fields: &Fields, term: &str) -> u64 {
    fields
        .text
        .iter()
        .map(|&f| {
            searcher
                .doc_freq(&Term::from_field_text(f, term))
                .unwrap_or(0)
        })
        .sum()
}

fn neighbours(searcher: &Searcher, fields: &Fields, term: &str) -> Vec<(String, u64)> {
    let Some(first) = term.chars().next() else {
        return Vec::new();
    };
    let lo = first.to_string();
    let hi = char::from_u32(first as u32 + 1)
        .map(|c| c.to_string())
        .unwrap_or_default();
    let mut out: BTreeMap<String, u64> = BTreeMap::new();
    for seg in searcher.segment_readers() {
        for &f in &fields.text {
            let Ok(inv) = seg.inverted_index(f) else {
                continue;
            };
            let Ok(mut stream) = inv
                .terms()
                .range()
                .ge(lo.as_bytes())
                .lt(hi.as_bytes())
                .into_stream()
            else {
                continue;
            };
            while stream.advance() {
                if let Ok(k) = std::str::from_utf8(stream.key()) {
                    *out.entry(k.to_string()).or_insert(0) += u64::from(stream.value().doc_freq);
                }
            }
        }
    }
    out.into_iter().collect()
}

/// The synonym groups saved beside the index at build time.
pub fn load_synonyms(index_dir: &Path) -> Vec<SynonymGroup> {
    std::fs::read_to_string(index_dir.join(index::SYNONYMS_FILE))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default()
}

pub fn search(
    index_dir: &Path,
    q: &str,
    opts: &QueryOptions,
) -> Result<Vec<SearchHit>, SearchError> {
    let (_index, reader, fields) = index::open(index_dir)?;
    let searcher = reader.searcher();
    let synonyms = analyze_synonyms(&load_synonyms(index_dir));
    let terms = expand_terms(q, &synonyms, &|t| doc_freq(&searcher, &fields, t), &|t| {
        neighbours(&searcher, &fields, t)
    });
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for term in &terms {
        for (i, &(_, boost)) in TEXT_FIELDS.iter().enumerate() {
            let tq = TermQuery::new(
                Term::from_field_text(fields.text[i], term),
                IndexRecordOption::WithFreqs,
            );
            should.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(tq), boost)),
            ));
        }
    }
    let mut clauses: Vec<(Occur, Box<dyn Query>)> =
        vec![(Occur::Must, Box::new(BooleanQuery::new(should)))];
    for (field, value) in [
        (fields.doc_type, &opts.doc_type),
        (fields.region, &opts.region),
        (fields.needs, &opts.need),
        (fields.audience, &opts.audience),
        (fields.kind, &opts.kind),
    ] {
        if let Some(v) = value {
            let tq = TermQuery::new(Term::from_field_text(field, v), IndexRecordOption::Basic);
            clauses.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(Box::new(tq), 0.0)),
            ));
        }
    }
    let query = BooleanQuery::new(clauses);
    let top = searcher.search(
        &query,
        &TopDocs::with_limit(opts.limit.clamp(1, MAX_LIMIT)).order_by_score(),
    )?;
    let mut hits = Vec::with_capacity(top.len());
    for (score, addr) in top {
        let d: TantivyDocument = searcher.doc(addr)?;
        hits.push(SearchHit {
            doc: addr.doc_id,
            id: stored_str(&d, fields.id),
            url: stored_str(&d, fields.url),
            title: stored_str(&d, fields.title_stored),
            doc_type: stored_str(&d, fields.doc_type),
            region: stored_str(&d, fields.region),
            score,
            excerpt: stored_str(&d, fields.excerpt),
        });
    }
    Ok(hits)
}
