//! The files of the static index, shared by the exporter (native, at build
//! time) and the engine (native and wasm, at query time). All binary, written
//! with [`crate::codec`]. Every file but the manifest is named
//! `search/<kind>-<key>.<generation>.bin`, where the generation is a hash of
//! the file's group ([`group`]: its kind and one of [`GROUPS`] buckets of
//! keys) named in the manifest: names change whenever content does, so hosts
//! can cache them forever; the manifest need not list a hash per file; and
//! an edit of one record renames the groups it changed, not the whole export
//! (a site of 100,000 services has ~12,000 of these files, two thirds of them
//! fragment chunks, which have the most groups).

use crate::codec::{Reader, Writer};

// OPS5: fragment chunks in 128 groups, not 16 (OPS4: files named by their
// group's generation; OPS3: result fragments grouped in chunk files, the
// manifest says how).
const MAGIC: &[u8; 4] = b"OPS5";

/// A postings entry keeps this many documents inline; the rest go to
/// overflow files fetched only when they could still change the results.
pub const FIRST_BLOCK: usize = 128;
pub const OVERFLOW_BLOCK: usize = 2048;

/// The kinds of files named by group, in the order of
/// [`Manifest::generations`]: dictionary, postings, overflow, membership
/// lists, fragment chunks.
pub const KINDS: [&str; 5] = ["d", "p", "o", "l", "f"];
/// Groups of files of each of [`KINDS`], then of any other kind, each group
/// named by its own generation. An edit of one record renames every file of
/// the groups it changes, so the kind with the most files has the most
/// groups: a record's fragment sits in one chunk among thousands (4,600 at
/// 50,000 services, ~36 a group). Its postings change in every group anyway
/// (its scores, and the average length): 17 more manifest bytes a group.
pub const GROUPS: [usize; KINDS.len() + 1] = [16, 16, 16, 16, 128, 16];
/// All groups, the length of [`Manifest::generations`].
pub const GROUP_COUNT: usize = {
    let mut sum = 0;
    let mut i = 0;
    while i < GROUPS.len() {
        sum += GROUPS[i];
        i += 1;
    }
    sum
};

/// The group of a file of `kind` with `key`: an index into
/// [`Manifest::generations`], below [`GROUP_COUNT`]. Keys are spread over a
/// kind's groups by a hash of their bytes, so consecutive chunks (a region's
/// records) fall apart.
pub fn group(kind: &str, key: &str) -> usize {
    let kind_index = KINDS.iter().position(|k| *k == kind).unwrap_or(KINDS.len());
    let mut h: u32 = 0;
    for b in key.bytes() {
        h = h.wrapping_mul(31).wrapping_add(u32::from(b));
    }
    let first: usize = GROUPS[..kind_index].iter().sum();
    first + (h as usize) % GROUPS[kind_index]
}

/// Site path of a file of the export, named by `generation` (its group's).
pub fn file_name(kind: &str, key: &str, generation: &str) -> String {
    let hex: String = key.bytes().map(|b| format!("{b:02x}")).collect();
    format!("search/{kind}-{hex}.{generation}.bin")
}

pub fn dict_key(term: &str) -> String {
    term.chars().take(1).collect()
}

pub fn postings_key(term: &str) -> String {
    term.chars().take(2).collect()
}

/// A place the reader may name: a region (by name, adjective, common name) or
/// a town, with the analyzer's stems of its words.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub stems: Vec<String>,
    pub region: String,
    /// Empty for a region-wide name; the town's name for a town.
    pub town: String,
    /// What the reader is shown, e.g. «в Калужской области», «Калуга (Калужская область)».
    pub label: String,
}

/// A need of the taxonomy as search vocabulary.
#[derive(Debug, Clone, PartialEq)]
pub struct Need {
    pub id: String,
    pub label: String,
    /// The stems of the label, searched when the query means the need.
    pub label_terms: Vec<String>,
    /// Each phrase as the analyzer's stems of all its words, stop words
    /// included («не говорит» must not be «говорит»).
    pub phrases: Vec<Vec<String>>,
    /// The need page's document, if it is indexed.
    pub page: Option<u32>,
    /// How many services carry the need: 0 makes the page a dead end.
    pub services: u32,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lexicon {
    /// Groups of terms that mean the same; each member is a list of stems.
    pub synonyms: Vec<Vec<Vec<String>>>,
    pub places: Vec<Place>,
    pub needs: Vec<Need>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Manifest {
    /// A hash of the whole export (names the facet file).
    pub generation: String,
    /// Each group's generation ([`group`]); a group with no files has any.
    pub generations: Vec<String>,
    /// Indexed records (documents 0..docs).
    pub docs: u32,
    /// Keys of the dictionary, postings and list files that exist.
    pub dict_keys: Vec<String>,
    pub postings_keys: Vec<String>,
    pub list_keys: Vec<String>,
    /// How records' fragments are grouped into `f` files.
    pub fragment_runs: Vec<FragmentRun>,
    pub lexicon: Lexicon,
}

/// A run of consecutive records whose fragments are cut into chunk files of
/// `per_chunk` records each; it lasts until the next run's `start` (the last
/// one until the manifest's `docs`). Runs start at record 0 and follow each
/// other in order; chunk files are numbered across runs from 0. The exporter
/// picks `per_chunk` per run so a chunk's size stays near its budget:
/// records of one type (one run) are of similar size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FragmentRun {
    pub start: u32,
    pub per_chunk: u32,
}

/// The chunk file holding a record's fragment, and its position there.
/// (Plain loops here and below: they are in the wasm module every reader
/// downloads, and iterator adaptors cost it more code.)
pub fn fragment_chunk(runs: &[FragmentRun], docs: u32, doc: u32) -> Option<(u32, usize)> {
    let mut first = 0u32;
    for (i, r) in runs.iter().enumerate() {
        let end = runs.get(i + 1).map_or(docs, |n| n.start);
        // Robust to runs no decoder checked (the fields are public).
        let per = r.per_chunk.max(1);
        if doc >= r.start && doc < end {
            let k = doc - r.start;
            return Some((first + k / per, (k % per) as usize));
        }
        first = first.saturating_add(end.saturating_sub(r.start).div_ceil(per));
    }
    None
}

/// How many records chunk file `chunk` holds (0 for no such chunk).
pub fn fragment_chunk_len(runs: &[FragmentRun], docs: u32, chunk: u32) -> usize {
    let mut first = 0u32;
    for (i, r) in runs.iter().enumerate() {
        let end = runs.get(i + 1).map_or(docs, |n| n.start);
        let per = r.per_chunk.max(1);
        let chunks = end.saturating_sub(r.start).div_ceil(per);
        if chunk >= first && chunk - first < chunks {
            let start = r.start + (chunk - first) * per;
            return (end - start).min(per) as usize;
        }
        first = first.saturating_add(chunks);
    }
    0
}

/// Whether runs are as [`FragmentRun`] says: from 0, increasing, below
/// `docs`, each chunk at least one record.
fn runs_valid(runs: &[FragmentRun], docs: u32) -> bool {
    let mut least = 0;
    for r in runs {
        let first_ok = least > 0 || r.start == 0;
        if !first_ok || r.start < least || r.start >= docs || r.per_chunk == 0 {
            return false;
        }
        least = r.start + 1;
    }
    docs == 0 || !runs.is_empty()
}

impl Manifest {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.bytes.extend_from_slice(MAGIC);
        w.str(&self.generation);
        w.strs(&self.generations);
        w.uint(u64::from(self.docs));
        w.strs(&self.dict_keys);
        w.strs(&self.postings_keys);
        w.strs(&self.list_keys);
        w.uint(self.fragment_runs.len() as u64);
        for r in &self.fragment_runs {
            w.uint(u64::from(r.start));
            w.uint(u64::from(r.per_chunk));
        }
        let lx = &self.lexicon;
        w.uint(lx.synonyms.len() as u64);
        for group in &lx.synonyms {
            w.uint(group.len() as u64);
            for member in group {
                w.strs(member);
            }
        }
        w.uint(lx.places.len() as u64);
        for p in &lx.places {
            w.strs(&p.stems);
            w.str(&p.region);
            w.str(&p.town);
            w.str(&p.label);
        }
        w.uint(lx.needs.len() as u64);
        for n in &lx.needs {
            w.str(&n.id);
            w.str(&n.label);
            w.strs(&n.label_terms);
            w.uint(n.phrases.len() as u64);
            for ph in &n.phrases {
                w.strs(ph);
            }
            w.uint(n.page.map_or(0, |d| u64::from(d) + 1));
            w.uint(u64::from(n.services));
        }
        w.bytes
    }

    /// Site path of the export's file of `kind` with `key`: named by its
    /// group's generation (the whole export's, should the group be missing).
    pub fn file_name(&self, kind: &str, key: &str) -> String {
        let generation = self
            .generations
            .get(group(kind, key))
            .unwrap_or(&self.generation);
        file_name(kind, key, generation)
    }

    /// The chunk file holding record `doc`'s fragment, and its position there.
    pub fn fragment_chunk(&self, doc: u32) -> Option<(u32, usize)> {
        fragment_chunk(&self.fragment_runs, self.docs, doc)
    }

    /// How many records chunk file `chunk` holds (0 for no such chunk).
    pub fn fragment_chunk_len(&self, chunk: u32) -> usize {
        fragment_chunk_len(&self.fragment_runs, self.docs, chunk)
    }

    pub fn decode(bytes: &[u8]) -> Option<Manifest> {
        if bytes.get(..4)? != MAGIC {
            return None;
        }
        let mut r = Reader::new(&bytes[4..]);
        let generation = r.str()?;
        let generations = r.strs()?;
        let docs = r.u32()?;
        let dict_keys = r.strs()?;
        let postings_keys = r.strs()?;
        let list_keys = r.strs()?;
        let n = r.count()?;
        let mut fragment_runs = Vec::with_capacity(n);
        for _ in 0..n {
            let start = r.u32()?;
            let per_chunk = r.u32()?;
            fragment_runs.push(FragmentRun { start, per_chunk });
        }
        if !runs_valid(&fragment_runs, docs) {
            return None;
        }
        let n = r.count()?;
        let mut synonyms = Vec::with_capacity(n);
        for _ in 0..n {
            let m = r.count()?;
            synonyms.push((0..m).map(|_| r.strs()).collect::<Option<Vec<_>>>()?);
        }
        let n = r.count()?;
        let mut places = Vec::with_capacity(n);
        for _ in 0..n {
            places.push(Place {
                stems: r.strs()?,
                region: r.str()?,
                town: r.str()?,
                label: r.str()?,
            });
        }
        let n = r.count()?;
        let mut needs = Vec::with_capacity(n);
        for _ in 0..n {
            let id = r.str()?;
            let label = r.str()?;
            let label_terms = r.strs()?;
            let m = r.count()?;
            let phrases = (0..m).map(|_| r.strs()).collect::<Option<Vec<_>>>()?;
            let page = r.u32()?.checked_sub(1);
            let services = r.u32()?;
            needs.push(Need {
                id,
                label,
                label_terms,
                phrases,
                page,
                services,
            });
        }
        Some(Manifest {
            generation,
            generations,
            docs,
            dict_keys,
            postings_keys,
            list_keys,
            fragment_runs,
            lexicon: Lexicon {
                synonyms,
                places,
                needs,
            },
        })
    }
}

/// A dictionary shard: every term starting with one letter and how many
/// documents hold it (for typo correction and completing the last word).
pub fn encode_dict(terms: &[(String, u32)]) -> Vec<u8> {
    let mut w = Writer::new();
    w.uint(terms.len() as u64);
    for (t, df) in terms {
        w.str(t);
        w.uint(u64::from(*df));
    }
    w.bytes
}

pub fn decode_dict(bytes: &[u8]) -> Option<Vec<(String, u32)>> {
    let mut r = Reader::new(bytes);
    let n = r.count()?;
    (0..n).map(|_| Some((r.str()?, r.u32()?))).collect()
}

/// Document impacts, highest first: `(doc, q)` where the document's score
/// from this list is `max * q / 255`. Written as runs of equal `q` with
/// ascending, delta-coded documents, which is compact because impacts are
/// quantized to a byte.
pub fn encode_impacts(w: &mut Writer, items: &[(u32, u8)]) {
    let mut runs: Vec<(u8, Vec<u32>)> = Vec::new();
    for &(doc, q) in items {
        match runs.last_mut() {
            Some((rq, docs)) if *rq == q => docs.push(doc),
            _ => runs.push((q, vec![doc])),
        }
    }
    w.uint(runs.len() as u64);
    for (q, mut docs) in runs {
        docs.sort_unstable();
        w.u8(q);
        w.uint(docs.len() as u64);
        let mut prev = 0u32;
        for d in docs {
            w.uint(u64::from(d - prev));
            prev = d;
        }
    }
}

pub fn decode_impacts(r: &mut Reader) -> Option<Vec<(u32, u8)>> {
    let runs = r.count()?;
    let mut out = Vec::new();
    for _ in 0..runs {
        let q = r.u8()?;
        let n = r.count()?;
        let mut prev = 0u32;
        for _ in 0..n {
            prev = prev.checked_add(r.u32()?)?;
            out.push((prev, q));
        }
    }
    Some(out)
}

/// Orders impacts as the files keep them: highest first, then by document.
pub fn sort_impacts(items: &mut [(u32, u8)]) {
    items.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
}

/// One term's postings: its score over the title, names and body of every
/// record holding it (BM25, fields weighted), quantized; and its scores in
/// the sections of long records, for sub-results.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Entry {
    pub df: u32,
    pub max: f32,
    pub first: Vec<(u32, u8)>,
    /// Numbers of the overflow files holding the rest, in impact order.
    pub overflow: Vec<u32>,
    pub section_max: f32,
    /// `(record, section index, q)`.
    pub sections: Vec<(u32, u32, u8)>,
}

pub fn encode_postings(entries: &[(String, Entry)]) -> Vec<u8> {
    let mut w = Writer::new();
    w.uint(entries.len() as u64);
    for (term, e) in entries {
        w.str(term);
        w.uint(u64::from(e.df));
        w.f32(e.max);
        encode_impacts(&mut w, &e.first);
        w.uint(e.overflow.len() as u64);
        for o in &e.overflow {
            w.uint(u64::from(*o));
        }
        w.f32(e.section_max);
        w.uint(e.sections.len() as u64);
        let mut prev = 0u32;
        for &(doc, idx, q) in &e.sections {
            w.uint(u64::from(doc - prev));
            prev = doc;
            w.uint(u64::from(idx));
            w.u8(q);
        }
    }
    w.bytes
}

pub fn decode_postings(bytes: &[u8]) -> Option<Vec<(String, Entry)>> {
    let mut r = Reader::new(bytes);
    let n = r.count()?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let term = r.str()?;
        let df = r.u32()?;
        let max = r.f32()?;
        let first = decode_impacts(&mut r)?;
        let m = r.count()?;
        let overflow = (0..m).map(|_| r.u32()).collect::<Option<Vec<_>>>()?;
        let section_max = r.f32()?;
        let m = r.count()?;
        let mut sections = Vec::with_capacity(m);
        let mut prev = 0u32;
        for _ in 0..m {
            prev = prev.checked_add(r.u32()?)?;
            sections.push((prev, r.u32()?, r.u8()?));
        }
        out.push((
            term,
            Entry {
                df,
                max,
                first,
                overflow,
                section_max,
                sections,
            },
        ));
    }
    Some(out)
}

pub fn encode_block(items: &[(u32, u8)]) -> Vec<u8> {
    let mut w = Writer::new();
    encode_impacts(&mut w, items);
    w.bytes
}

pub fn decode_block(bytes: &[u8]) -> Option<Vec<(u32, u8)>> {
    decode_impacts(&mut Reader::new(bytes))
}

/// What a result needs to be drawn. Fragments of consecutive records share a
/// chunk file (see [`FragmentRun`]), fetched only for the records shown.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Fragment {
    pub url: String,
    pub title: String,
    pub doc_type: String,
    /// The type as readers see it («Служба», «Что делать, если…»).
    pub type_label: String,
    /// The region's name, empty for national records.
    pub region: String,
    /// The record's text (its opening part, for long records).
    pub text: String,
    /// Sections of a long record: heading, anchor, text.
    pub sections: Vec<(String, String, String)>,
}

impl Fragment {
    /// The fragment alone, as a chunk file holds it (self-delimiting).
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.write(&mut w);
        w.bytes
    }

    fn write(&self, w: &mut Writer) {
        w.str(&self.url);
        w.str(&self.title);
        w.str(&self.doc_type);
        w.str(&self.type_label);
        w.str(&self.region);
        w.str(&self.text);
        w.uint(self.sections.len() as u64);
        for (h, a, t) in &self.sections {
            w.str(h);
            w.str(a);
            w.str(t);
        }
    }

    pub fn decode(bytes: &[u8]) -> Option<Fragment> {
        Fragment::read(&mut Reader::new(bytes))
    }

    fn read(r: &mut Reader) -> Option<Fragment> {
        let mut f = Fragment {
            url: r.str()?,
            title: r.str()?,
            doc_type: r.str()?,
            type_label: r.str()?,
            region: r.str()?,
            text: r.str()?,
            sections: Vec::new(),
        };
        let n = r.count()?;
        for _ in 0..n {
            f.sections.push((r.str()?, r.str()?, r.str()?));
        }
        Some(f)
    }
}

/// A chunk file: its records' fragments in record order, each as
/// [`Fragment::encode`] wrote it (the exporter encodes each once, to
/// measure it, then joins them here).
pub fn encode_fragment_chunk<'a>(encoded: impl ExactSizeIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut w = Writer::new();
    w.uint(encoded.len() as u64);
    for f in encoded {
        w.bytes.extend_from_slice(f);
    }
    w.bytes
}

pub fn decode_fragment_chunk(bytes: &[u8]) -> Option<Vec<Fragment>> {
    let mut r = Reader::new(bytes);
    let n = r.count()?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(Fragment::read(&mut r)?);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_round_trips() {
        let m = Manifest {
            generation: "00ff".into(),
            generations: vec!["0a".into(), "0b".into()],
            docs: 3,
            dict_keys: vec!["к".into()],
            postings_keys: vec!["ко".into()],
            list_keys: vec!["r:RU-KLU".into()],
            fragment_runs: vec![
                FragmentRun {
                    start: 0,
                    per_chunk: 2,
                },
                FragmentRun {
                    start: 1,
                    per_chunk: 1,
                },
            ],
            lexicon: Lexicon {
                synonyms: vec![vec![
                    vec!["кдн".into()],
                    vec!["комисс".into(), "дел".into()],
                ]],
                places: vec![Place {
                    stems: vec!["калуг".into()],
                    region: "RU-KLU".into(),
                    town: "Калуга".into(),
                    label: "Калуга".into(),
                }],
                needs: vec![Need {
                    id: "respite".into(),
                    label: "Передышка".into(),
                    label_terms: vec!["передышк".into()],
                    phrases: vec![vec!["не".into(), "говор".into()]],
                    page: Some(0),
                    services: 0,
                }],
            },
        };
        assert_eq!(Manifest::decode(&m.encode()), Some(m.clone()));
        assert_eq!(Manifest::decode(&m.encode()[..20]), None);
    }

    /// Each file is named by its group's generation: files of two groups
    /// change names independently, every group of every kind exists, and a
    /// manifest without group generations names files by the whole export's.
    #[test]
    fn files_are_named_by_their_groups_generation() {
        let mut groups = std::collections::BTreeSet::new();
        let mut first = 0;
        for (i, kind) in KINDS.iter().enumerate() {
            for key in 0..2000 {
                let g = group(kind, &key.to_string());
                assert!(
                    (first..first + GROUPS[i]).contains(&g),
                    "{kind} {key} in its kind's groups"
                );
                groups.insert(g);
            }
            first += GROUPS[i];
        }
        let other = group("x", "1");
        assert!((first..GROUP_COUNT).contains(&other), "any other kind last");
        assert_eq!(
            groups.len(),
            GROUP_COUNT - GROUPS[KINDS.len()],
            "every group is used"
        );
        // Consecutive chunks (a region's records) fall into different groups.
        assert_ne!(group("f", "41"), group("f", "42"));
        let mut m = Manifest {
            generation: "all".into(),
            generations: (0..GROUP_COUNT).map(|g| format!("g{g}")).collect(),
            ..Manifest::default()
        };
        let p = group("p", "ко");
        assert_eq!(
            m.file_name("p", "ко"),
            format!("search/p-d0bad0be.g{p}.bin")
        );
        m.generations[p] = "changed".into();
        assert_eq!(m.file_name("p", "ко"), "search/p-d0bad0be.changed.bin");
        let f = group("f", "7");
        assert_eq!(
            m.file_name("f", "7"),
            format!("search/f-{}.g{f}.bin", hex("7"))
        );
        m.generations.clear();
        assert_eq!(m.file_name("d", "к"), "search/d-d0ba.all.bin");
    }

    fn hex(key: &str) -> String {
        key.bytes().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn postings_round_trip_in_impact_order() {
        let mut first = vec![(7, 200), (3, 255), (9, 200), (1, 10)];
        sort_impacts(&mut first);
        let e = Entry {
            df: 4,
            max: 2.5,
            first: first.clone(),
            overflow: vec![0, 5],
            section_max: 1.0,
            sections: vec![(2, 0, 255), (2, 3, 100), (8, 1, 7)],
        };
        let back = decode_postings(&encode_postings(&[("коляск".into(), e.clone())])).unwrap();
        assert_eq!(back, vec![("коляск".to_string(), e)]);
        assert_eq!(first, vec![(3, 255), (7, 200), (9, 200), (1, 10)]);
    }

    fn run(start: u32, per_chunk: u32) -> FragmentRun {
        FragmentRun { start, per_chunk }
    }

    #[test]
    fn every_record_lies_in_exactly_one_chunk_of_the_size_its_run_says() {
        // 10 records: 0..7 in chunks of 3 (0-2, 3-5, 6), 7..8 alone, 8..10 in one chunk.
        let runs = [run(0, 3), run(7, 1), run(8, 4)];
        let located: Vec<(u32, usize)> = (0..10)
            .map(|d| fragment_chunk(&runs, 10, d).unwrap())
            .collect();
        assert_eq!(
            located,
            vec![
                (0, 0),
                (0, 1),
                (0, 2),
                (1, 0),
                (1, 1),
                (1, 2),
                (2, 0),
                (3, 0),
                (4, 0),
                (4, 1)
            ]
        );
        let lens: Vec<usize> = (0..6).map(|c| fragment_chunk_len(&runs, 10, c)).collect();
        assert_eq!(lens, vec![3, 3, 1, 1, 2, 0]);
        assert_eq!(fragment_chunk(&runs, 10, 10), None);
    }

    #[test]
    fn a_manifest_with_runs_that_do_not_cover_the_records_is_refused() {
        let with = |fragment_runs: Vec<FragmentRun>| Manifest {
            generation: "00".into(),
            docs: 5,
            fragment_runs,
            ..Manifest::default()
        };
        assert!(Manifest::decode(&with(vec![run(0, 2), run(3, 1)]).encode()).is_some());
        for bad in [
            vec![],
            vec![run(1, 2)],
            vec![run(0, 0)],
            vec![run(0, 2), run(0, 1)],
            vec![run(0, 2), run(5, 1)],
        ] {
            assert_eq!(
                Manifest::decode(&with(bad.clone()).encode()),
                None,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_chunk_file_round_trips_its_fragments_in_order() {
        let a = Fragment {
            url: "services/a/".into(),
            title: "Центр «А»".into(),
            doc_type: "service".into(),
            type_label: "Служба".into(),
            region: "Калужская область".into(),
            text: "Помогает семьям.".into(),
            sections: vec![],
        };
        let b = Fragment {
            url: "practices/b/".into(),
            sections: vec![("Шаг 1".into(), "shag-1".into(), "Текст шага.".into())],
            ..Fragment::default()
        };
        let parts = [a.encode(), b.encode()];
        let chunk = encode_fragment_chunk(parts.iter().map(Vec::as_slice));
        assert_eq!(decode_fragment_chunk(&chunk), Some(vec![a, b]));
        assert_eq!(decode_fragment_chunk(&chunk[..chunk.len() - 3]), None);
    }
}
