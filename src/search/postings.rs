//! Every term's postings over the three text fields — what the static
//! export is scored from — and each document's field lengths. Tantivy makes
//! them: a document's postings (each term's frequency in each field) and its
//! lengths (tantivy's one-byte norms) depend on its own three texts alone,
//! so a build indexes only the documents whose texts it has not met, and
//! recalls the others' from the last build ([`super::memo`]).

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::Postings as _;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocSet, TERMINATED};

use super::SearchError;

/// One posting, packed into 8 bytes: every posting of the site is held at
/// once (~10^8 at a million services), so the field's length stays
/// tantivy's one-byte norm, decoded when scored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Posting {
    pub doc: u32,
    /// Term frequency; a term more than 65,535 times in one field counts as that.
    pub tf: u16,
    pub field: u8,
    pub norm: u8,
}

impl Posting {
    pub fn len(&self) -> f32 {
        FieldNormReader::id_to_fieldnorm(self.norm) as f32
    }

    /// The order tantivy hands postings over in: field by field, each in
    /// document order (the scores add up in it, to the same bits).
    fn order(&self) -> (u8, u32) {
        (self.field, self.doc)
    }
}

/// Puts a term's postings back in tantivy's order ([`Posting::order`]) after
/// documents were renumbered or joined from elsewhere.
pub(crate) fn put_in_order(list: &mut [Posting]) {
    if !list.is_sorted_by_key(Posting::order) {
        list.sort_unstable_by_key(Posting::order);
    }
}

/// Each term's postings, field by field, each in document order.
pub(crate) type Terms = BTreeMap<String, Vec<Posting>>;

/// The postings of a group of documents (records, then their sections).
#[derive(Default, Debug, PartialEq)]
pub struct Postings {
    pub(crate) terms: Terms,
    /// Each document's norms over the three fields, in document order.
    pub(crate) norms: Vec<[u8; 3]>,
    /// Each document's key ([`doc_key`]), in document order.
    pub(crate) keys: Vec<u128>,
}

impl Postings {
    /// The three fields' average lengths over the first `records` documents
    /// and over the rest, each added up in document order.
    pub(crate) fn averages(&self, records: u32) -> ([f32; 3], [f32; 3]) {
        let (mut over_records, mut over_sections) = ([0f32; 3], [0f32; 3]);
        let sections = self.norms.len().saturating_sub(records as usize);
        for f in 0..3 {
            let (mut r, mut s) = (0f32, 0f32);
            for (doc, norms) in self.norms.iter().enumerate() {
                let len = FieldNormReader::id_to_fieldnorm(norms[f]) as f32;
                if doc < records as usize {
                    r += len
                } else {
                    s += len
                }
            }
            over_records[f] = r / (records.max(1) as f32);
            over_sections[f] = s / (sections.max(1) as f32);
        }
        (over_records, over_sections)
    }

    /// Adds the postings of `other`, whose documents are already numbered
    /// as here, keeping each term's list in tantivy's order.
    pub(crate) fn add(&mut self, other: Terms) {
        // A first build's postings are all tantivy's: taken as they are,
        // not copied (~1 GB at a million services).
        if self.terms.is_empty() {
            self.terms = other;
            return;
        }
        for (term, postings) in other {
            match self.terms.entry(term) {
                Entry::Vacant(v) => {
                    v.insert(postings);
                }
                Entry::Occupied(mut o) => {
                    let list = o.get_mut();
                    list.extend(postings);
                    put_in_order(list);
                }
            }
        }
    }
}

/// What identifies a document's postings: its three texts (title, names,
/// body), each with its length.
pub(crate) fn doc_key(texts: [&str; 3]) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3Default::new();
    for text in texts {
        h.update(&(text.len() as u64).to_le_bytes());
        h.update(text.as_bytes());
    }
    h.digest128()
}

/// Reads a segment's inverted index, field by field: each term's postings
/// and each document's norms, the segment's `k`-th document numbered
/// `numbers[k]` (increasing, so each list stays in document order).
pub(crate) fn read_segment(
    seg: &tantivy::SegmentReader,
    text_fields: &[tantivy::schema::Field; 3],
    numbers: &[u32],
) -> Result<(Terms, Vec<[u8; 3]>), SearchError> {
    let mut terms = Terms::new();
    let mut norms = vec![[0u8; 3]; numbers.len()];
    let number = |doc: u32| {
        numbers
            .get(doc as usize)
            .copied()
            .ok_or_else(|| SearchError(format!("internal error: no document {doc} was indexed")))
    };
    for (fi, &field) in text_fields.iter().enumerate() {
        let inv = seg.inverted_index(field)?;
        let field_norms = seg.get_fieldnorms_reader(field)?;
        for (doc, norm) in norms.iter_mut().enumerate() {
            norm[fi] = field_norms.fieldnorm_id(doc as u32);
        }
        let mut stream = inv.terms().stream()?;
        while stream.advance() {
            let Ok(term) = std::str::from_utf8(stream.key()) else {
                continue;
            };
            let info = stream.value().clone();
            let mut postings =
                inv.read_postings_from_terminfo(&info, IndexRecordOption::WithFreqs)?;
            let list = terms.entry(term.to_string()).or_default();
            let mut doc = postings.doc();
            while doc != TERMINATED {
                list.push(Posting {
                    doc: number(doc)?,
                    tf: postings.term_freq().min(u32::from(u16::MAX)) as u16,
                    field: fi as u8,
                    norm: field_norms.fieldnorm_id(doc),
                });
                doc = postings.advance();
            }
        }
    }
    Ok((terms, norms))
}
