//! The postings memo: the last build's postings ([`super::postings`]) with
//! each document's key, kept by `opora build` beside its output, so that the
//! next build indexes with tantivy only the documents whose texts changed
//! and takes the others' postings from here. At 50,000 services, indexing
//! every record was ~0.3 s of CPU of a one-file rebuild; recalling them
//! from the memo costs a fraction of it.
//!
//! The memo belongs to one program (another opora may analyse text
//! otherwise) and is read only when the digest at its end matches what it
//! holds; anything wrong in it and it is not used at all, so a damaged memo
//! costs one full indexing, never a wrong index.
//!
//! Layout: the magic line, the program's identity, the documents (each its
//! key and its three norms), the terms in order (each its text and its
//! postings, field by field, each in document order: the field and term
//! frequency, then the document as a step from the last one of the same
//! field), then the XXH3 digest of all before it. Numbers are LEB128.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use rustc_hash::FxHashMap;

use super::postings::{Posting, Postings, Terms, put_in_order};
use crate::varint::{Reader, put_number, put_text};

const MAGIC: &[u8] = b"opora-search-postings 1\n";
/// Far beyond any portal's memo (~0.5 KB a record): a larger file is not one
/// a build wrote.
const MAX_BYTES: u64 = 1 << 36;

/// The postings of the last build, numbered as its documents were, and
/// which of its documents each key names.
pub struct Recalled {
    postings: Postings,
    /// The first document of each key, and for each document the next one
    /// with the same key (`u32::MAX`: none), so that two documents with the
    /// same texts are each recalled once.
    first: FxHashMap<u128, u32>,
    next: Vec<u32>,
    /// What each recalled document is numbered in this build (`u32::MAX`: not recalled).
    renumbered: Vec<u32>,
}

impl Recalled {
    /// Reads the memo at `path`, if there is a usable one of this program's.
    pub fn read(path: &Path) -> Option<Recalled> {
        let program = crate::render::fingerprint::program_identity()?;
        let bytes = crate::output::side::map_own(path, MAX_BYTES)?;
        decode(&bytes, program).map(Recalled::new)
    }

    fn new(postings: Postings) -> Recalled {
        let count = postings.keys.len();
        let mut first = FxHashMap::default();
        let mut next = vec![u32::MAX; count];
        // Backwards, so each key's chain runs in document order.
        for (doc, key) in postings.keys.iter().enumerate().rev() {
            if let Some(later) = first.insert(*key, doc as u32) {
                next[doc] = later;
            }
        }
        Recalled {
            postings,
            first,
            next,
            renumbered: vec![u32::MAX; count],
        }
    }

    /// Takes the last build's document with `key`, not taken yet, as this
    /// build's document `doc`; returns its norms, or `None` when the memo
    /// holds no such document.
    pub(crate) fn take(&mut self, key: u128, doc: u32) -> Option<[u8; 3]> {
        let old = *self.first.get(&key)?;
        match self.next[old as usize] {
            u32::MAX => self.first.remove(&key),
            later => self.first.insert(key, later),
        };
        self.renumbered[old as usize] = doc;
        Some(self.postings.norms[old as usize])
    }

    /// The postings of the documents taken, numbered as this build numbers
    /// them; the others' are let go.
    pub(crate) fn into_terms(self) -> Terms {
        let renumbered = self.renumbered;
        let mut terms = self.postings.terms;
        terms.retain(|_, list| {
            list.retain_mut(|p| {
                p.doc = renumbered[p.doc as usize];
                p.doc != u32::MAX
            });
            put_in_order(list);
            !list.is_empty()
        });
        terms
    }
}

/// Writes `postings` as the memo at `path` for the next build (replacing
/// the last one whole). Only a shortcut: a memo that cannot be written is
/// simply not there next time.
pub fn keep(path: &Path, postings: &Postings) {
    let Some(program) = crate::render::fingerprint::program_identity() else {
        return;
    };
    let written = crate::output::side::replace(path, false, |w| {
        let mut out = Digested::new(w);
        encode(postings, program, &mut out)?;
        out.finish()
    });
    if written.is_err() {
        let _ = std::fs::remove_file(path);
    }
}

/// Encodes in pieces of about this size, so a memo of a million services is
/// never held whole.
const PIECE: usize = 1 << 20;

fn encode(postings: &Postings, program: u64, out: &mut Digested<'_>) -> io::Result<()> {
    let mut buf = Vec::with_capacity(PIECE + 4096);
    buf.extend_from_slice(MAGIC);
    buf.extend_from_slice(&program.to_le_bytes());
    put_number(&mut buf, postings.keys.len() as u64);
    for (key, norms) in postings.keys.iter().zip(&postings.norms) {
        buf.extend_from_slice(&key.to_le_bytes());
        buf.extend_from_slice(norms);
        out.flush_at(&mut buf, PIECE)?;
    }
    put_number(&mut buf, postings.terms.len() as u64);
    for (term, list) in &postings.terms {
        put_text(&mut buf, term);
        put_number(&mut buf, list.len() as u64);
        let mut last: Option<(u8, u32)> = None;
        for p in list {
            put_number(&mut buf, u64::from(p.tf) << 2 | u64::from(p.field));
            let step = match last {
                Some((field, doc)) if field == p.field => {
                    p.doc.checked_sub(doc).ok_or_else(|| {
                        io::Error::new(io::ErrorKind::InvalidData, "postings out of order")
                    })?
                }
                _ => p.doc,
            };
            put_number(&mut buf, u64::from(step));
            last = Some((p.field, p.doc));
        }
        out.flush_at(&mut buf, PIECE)?;
    }
    out.flush_at(&mut buf, 0)
}

/// A writer that digests what passes through it, and ends with the digest.
struct Digested<'a> {
    to: &'a mut dyn Write,
    hasher: xxhash_rust::xxh3::Xxh3Default,
}

impl<'a> Digested<'a> {
    fn new(to: &'a mut dyn Write) -> Digested<'a> {
        Digested {
            to,
            hasher: xxhash_rust::xxh3::Xxh3Default::new(),
        }
    }

    /// Writes out `buf` once it holds at least `at` bytes.
    fn flush_at(&mut self, buf: &mut Vec<u8>, at: usize) -> io::Result<()> {
        if buf.len() >= at {
            self.hasher.update(buf);
            self.to.write_all(buf)?;
            buf.clear();
        }
        Ok(())
    }

    fn finish(self) -> io::Result<()> {
        self.to.write_all(&self.hasher.digest().to_le_bytes())
    }
}

/// The postings in `bytes`, if they are a whole memo of `program` and
/// everything in them holds together.
fn decode(bytes: &[u8], program: u64) -> Option<Postings> {
    let (body, digest) = bytes.split_at_checked(bytes.len().checked_sub(8)?)?;
    if xxhash_rust::xxh3::xxh3_64(body).to_le_bytes() != digest {
        return None;
    }
    let mut r = Reader(body.strip_prefix(MAGIC)?);
    if r.take(8)? != program.to_le_bytes() {
        return None;
    }
    let docs = usize::try_from(r.number()?).ok()?;
    // Each document takes 19 bytes: a count beyond the bytes is not one.
    if docs > r.0.len() / 19 {
        return None;
    }
    let mut postings = Postings {
        keys: Vec::with_capacity(docs),
        norms: Vec::with_capacity(docs),
        terms: BTreeMap::new(),
    };
    for _ in 0..docs {
        postings
            .keys
            .push(u128::from_le_bytes(r.take(16)?.try_into().ok()?));
        postings.norms.push(r.take(3)?.try_into().ok()?);
    }
    let terms = r.number()?;
    for _ in 0..terms {
        let term = r.text()?;
        // In order, each once: as tantivy's dictionary lists them.
        if postings
            .terms
            .last_key_value()
            .is_some_and(|(last, _)| *last >= term)
        {
            return None;
        }
        let count = usize::try_from(r.number()?).ok()?;
        // Each posting takes at least 2 bytes.
        if count == 0 || count > r.0.len() / 2 {
            return None;
        }
        let mut list = Vec::with_capacity(count);
        let mut last: Option<(u8, u32)> = None;
        for _ in 0..count {
            let field_tf = r.number()?;
            let field = u8::try_from(field_tf & 3).ok().filter(|&f| f < 3)?;
            let tf = u16::try_from(field_tf >> 2).ok()?;
            let step = u32::try_from(r.number()?).ok()?;
            let doc = match last {
                Some((f, doc)) if f == field => doc.checked_add(step).filter(|&d| d > doc)?,
                Some((f, _)) if f > field => return None,
                _ => step,
            };
            let norm = postings.norms.get(doc as usize)?[usize::from(field)];
            list.push(Posting {
                doc,
                tf,
                field,
                norm,
            });
            last = Some((field, doc));
        }
        postings.terms.insert(term, list);
    }
    r.0.is_empty().then_some(postings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posting(doc: u32, tf: u16, field: u8, norms: &[[u8; 3]]) -> Posting {
        Posting {
            doc,
            tf,
            field,
            norm: norms[doc as usize][usize::from(field)],
        }
    }

    fn sample() -> Postings {
        let norms = vec![[3, 0, 40], [5, 2, 0], [3, 0, 40]];
        let mut terms = BTreeMap::new();
        terms.insert(
            "дом".to_string(),
            vec![
                posting(0, 1, 0, &norms),
                posting(2, 1, 0, &norms),
                posting(1, 70_000u32.min(u32::from(u16::MAX)) as u16, 1, &norms),
                posting(0, 2, 2, &norms),
                posting(2, 2, 2, &norms),
            ],
        );
        terms.insert("семья".to_string(), vec![posting(1, 1, 0, &norms)]);
        Postings {
            terms,
            keys: vec![7, 9, 7],
            norms,
        }
    }

    fn encoded(postings: &Postings, program: u64) -> Vec<u8> {
        let mut bytes = Vec::new();
        let mut out = Digested::new(&mut bytes);
        encode(postings, program, &mut out).unwrap();
        out.finish().unwrap();
        bytes
    }

    #[test]
    fn postings_read_back_as_they_were_written_by_the_same_program_only() {
        let postings = sample();
        let bytes = encoded(&postings, 42);
        assert_eq!(decode(&bytes, 42), Some(postings));
        assert_eq!(decode(&bytes, 43), None, "another program's memo");
    }

    #[test]
    fn a_damaged_or_cut_memo_is_never_used() {
        let bytes = encoded(&sample(), 42);
        for at in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x10;
            assert_eq!(decode(&damaged, 42), None, "byte {at} changed");
            assert_eq!(decode(&bytes[..at], 42), None, "cut at {at}");
        }
    }

    #[test]
    fn a_memo_whose_digest_holds_but_whose_contents_do_not_is_refused() {
        // Written by something else than this module, with a right digest.
        let digested = |body: Vec<u8>| {
            let mut bytes = body;
            let digest = xxhash_rust::xxh3::xxh3_64(&bytes);
            bytes.extend_from_slice(&digest.to_le_bytes());
            bytes
        };
        let head = |docs: u64| {
            let mut b = MAGIC.to_vec();
            b.extend_from_slice(&42u64.to_le_bytes());
            put_number(&mut b, docs);
            for _ in 0..docs {
                b.extend_from_slice(&[0; 19]);
            }
            b
        };
        // A posting of a document the memo does not hold.
        let mut b = head(1);
        put_number(&mut b, 1);
        put_text(&mut b, "дом");
        put_number(&mut b, 1);
        put_number(&mut b, 1 << 2);
        put_number(&mut b, 5);
        assert_eq!(decode(&digested(b), 42), None);
        // A fourth field.
        let mut b = head(1);
        put_number(&mut b, 1);
        put_text(&mut b, "дом");
        put_number(&mut b, 1);
        put_number(&mut b, 1 << 2 | 3);
        put_number(&mut b, 0);
        assert_eq!(decode(&digested(b), 42), None);
        // Terms out of order.
        let mut b = head(1);
        put_number(&mut b, 2);
        for term in ["я", "а"] {
            put_text(&mut b, term);
            put_number(&mut b, 1);
            put_number(&mut b, 1 << 2);
            put_number(&mut b, 0);
        }
        assert_eq!(decode(&digested(b), 42), None);
        // More documents than bytes.
        let mut b = MAGIC.to_vec();
        b.extend_from_slice(&42u64.to_le_bytes());
        put_number(&mut b, u64::MAX);
        assert_eq!(decode(&digested(b), 42), None);
    }

    #[test]
    fn documents_are_recalled_by_their_texts_each_once_and_renumbered() {
        let mut recalled = Recalled::new(sample());
        // The build now has a new document first, then the two with key 7
        // (the same texts), and no longer the one with key 9.
        assert_eq!(recalled.take(7, 1), Some([3, 0, 40]));
        assert_eq!(recalled.take(7, 2), Some([3, 0, 40]));
        assert_eq!(recalled.take(7, 3), None, "only two documents had key 7");
        assert_eq!(recalled.take(8, 0), None);
        let terms = recalled.into_terms();
        let norms = [[0; 3], [3, 0, 40], [3, 0, 40]];
        assert_eq!(
            terms.get("дом").unwrap(),
            &vec![
                posting(1, 1, 0, &norms),
                posting(2, 1, 0, &norms),
                posting(1, 2, 2, &norms),
                posting(2, 2, 2, &norms),
            ]
        );
        assert!(
            !terms.contains_key("семья"),
            "a term of no recalled document is gone"
        );
    }
}
