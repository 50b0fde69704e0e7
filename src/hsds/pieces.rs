//! The HSDS export in pieces: which records each piece of the export's large
//! files holds, and what those records are made from, as keys — so that a
//! build copies from the earlier build's files every piece whose records did
//! not change (`crate::output::pieces`) and makes only the rest.
//!
//! - A **record's key** covers its file (a hash of its bytes as read, kept by
//!   [`crate::content::SourceText`]), its place (folder and name) and the date
//!   its last change is given (`crate::history`).
//! - The **site's key** covers everything every row may use besides its own
//!   records: the program, the configuration, the data files and the regions'
//!   records.
//! - An **item's key** (a service, an organization with its places) combines
//!   the keys of the records it is made from, and a **piece's key** the site's
//!   and its items'.
//!
//! Pieces end after the items whose record's id hashes to a multiple of
//! [`ITEMS_PER_PIECE`]: an edit, an insertion or a removal moves no other
//! piece's end, so one edited record costs one piece of each file.

use std::ops::Range;

use xxhash_rust::xxh3::Xxh3Default;

use crate::config::Config;
use crate::content::records::ServiceMeta;
use crate::content::{Content, Data, Record};
use crate::history::History;
use crate::output::Sink;
use crate::output::pieces::Pieces;

/// Items per piece, on average: enough that a piece compresses nearly as
/// well as the whole table, few enough that remaking one is instant.
pub const ITEMS_PER_PIECE: u64 = 256;

/// Pieces made at once, on every core: ~1,000 items, a few megabytes of JSON.
const PIECES_PER_BATCH: usize = 4;

/// A key being made: a 128-bit XXH3 of everything fed to it, each part
/// with its length, so that no two different inputs run together alike.
pub struct Key(Xxh3Default);

impl Key {
    /// A key of the kind `what` (the file or table it is for).
    pub fn new(what: &str) -> Key {
        let mut k = Key(Xxh3Default::new());
        k.text(what);
        k
    }

    pub fn text(&mut self, s: &str) -> &mut Key {
        self.0.update(&(s.len() as u64).to_le_bytes());
        self.0.update(s.as_bytes());
        self
    }

    pub fn key(&mut self, k: u128) -> &mut Key {
        self.0.update(&k.to_le_bytes());
        self
    }

    pub fn number(&mut self, n: u64) -> &mut Key {
        self.0.update(&n.to_le_bytes());
        self
    }

    pub fn done(&self) -> u128 {
        self.0.digest128()
    }
}

/// What every row of the export may be made from besides its own records.
pub fn site_key(config: &Config, data: &Data, content: &Content) -> u128 {
    let mut k = Key::new("hsds site");
    k.number(crate::render::fingerprint::program_identity().unwrap_or(0));
    // Every setting, command-line overrides included (Config has no maps,
    // so its printed form is the same for the same settings).
    k.text(&format!("{config:?}"));
    for file in data.files() {
        k.text(&file.rel).key(file.digest);
    }
    k.number(content.regions.len() as u64);
    for r in &content.regions {
        k.text(&r.file.rel).key(r.file.digest);
    }
    k.done()
}

/// What record `rec` itself is made from.
pub fn record_key(rec: &Record<ServiceMeta>, history: &History) -> u128 {
    Key::new("record")
        .text(&rec.file.rel)
        .key(rec.file.digest)
        .text(&rec.slug)
        .text(rec.folder.as_deref().unwrap_or("\u{0}"))
        .text(&history.updated(&rec.file.rel).unwrap_or_default())
        .done()
}

/// Whether a piece ends after the item of the record with id `id`.
pub fn ends_piece(id: &str) -> bool {
    xxhash_rust::xxh3::xxh3_64(id.as_bytes()).is_multiple_of(ITEMS_PER_PIECE)
}

/// The pieces of `ends.len()` items: runs that end after each item `ends`
/// marks, and at the last.
pub fn runs(ends: &[bool]) -> Vec<Range<usize>> {
    let mut runs = Vec::new();
    let mut start = 0;
    for (i, &end) in ends.iter().enumerate() {
        if end || i + 1 == ends.len() {
            runs.push(start..i + 1);
            start = i + 1;
        }
    }
    runs
}

/// The key of each piece of a file of kind `what`: the site's key and its
/// items' keys.
pub fn piece_keys(what: &str, site: u128, runs: &[Range<usize>], items: &[u128]) -> Vec<u128> {
    runs.iter()
        .map(|run| {
            let mut k = Key::new(what);
            k.key(site).number(run.len() as u64);
            for &item in &items[run.clone()] {
                k.key(item);
            }
            k.done()
        })
        .collect()
}

/// A list cut into pages of the HSDS API's form: what each page of a list
/// of `total` items holds, and what comes before its items.
pub struct Paging<'a> {
    /// The list's kind (`services`), which names its files and keys them.
    pub what: &'a str,
    /// The folder of its files (`open-data/hsds/`).
    pub dir: &'a str,
    pub per_page: usize,
    /// The page up to its list (which the page ends), for a page of `size`
    /// items numbered `number` (from 1) of `pages`.
    pub head: &'a dyn Fn(PageHead) -> std::io::Result<String>,
}

/// What a page's head says: the API's `Page` fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageHead {
    pub total: usize,
    pub pages: usize,
    pub number: usize,
    pub size: usize,
}

impl Paging<'_> {
    /// How many pages a list of `total` items takes: one at least, which
    /// says the list is empty.
    pub fn pages(&self, total: usize) -> usize {
        total.div_ceil(self.per_page).max(1)
    }

    /// The site path of page `number` (from 1): the first is the list's own
    /// file (`services.json`, what `/services` answers), the others are
    /// numbered (`services-2.json`, what `/services?page=2` answers).
    pub fn path(&self, number: usize) -> String {
        match number {
            1 => format!("{}{}.json", self.dir, self.what),
            n => format!("{}{}-{n}.json", self.dir, self.what),
        }
    }
}

/// The list of the items `make` makes of `work` (one item each, keyed by
/// `items`), as pages of `paging.per_page` items. Each page is written in
/// pieces that end where `ends` marks and at the page's end (see
/// [`json_list`]), and keyed by its head and its pieces' keys: a page whose
/// key the recycled site's file has is kept as it is, so an edit rewrites
/// one page, not the whole list. `site` keys every piece as well.
pub fn json_pages<W, T>(
    sink: &mut dyn Sink,
    paging: &Paging<'_>,
    site: u128,
    (ends, items): (&[bool], &[u128]),
    work: &[W],
    make: impl Fn(&W) -> Option<T> + Sync,
) -> std::io::Result<()>
where
    W: Sync,
    T: serde::Serialize,
{
    let total = work.len();
    let pages = paging.pages(total);
    for number in 1..=pages {
        let range =
            ((number - 1) * paging.per_page).min(total)..(number * paging.per_page).min(total);
        let runs = runs(&ends[range.clone()]);
        let keys = piece_keys(paging.what, site, &runs, &items[range.clone()]);
        let head = PageHead {
            total,
            pages,
            number,
            size: range.len(),
        };
        let mut key = Key::new("page");
        key.text(paging.what).key(site);
        for n in [total, pages, number, range.len()] {
            key.number(n as u64);
        }
        for &k in &keys {
            key.key(k);
        }
        json_list(
            sink,
            &paging.path(number),
            (&(paging.head)(head)?, key.done()),
            (&runs, &keys),
            &work[range],
            &make,
        )?;
    }
    Ok(())
}

/// A JSON list page (`head` is the page up to its list, which the page
/// ends; `key` sums up the head and the pieces' keys) of the items `make`
/// makes of `work`, written in pieces: each run of `runs` is one piece,
/// keyed by `keys`, copied from the earlier file when it holds that key,
/// else made on every core with its neighbours. Items are separated by
/// commas, within pieces and between them; an item `make` gives none for is
/// left out.
pub fn json_list<W, T>(
    sink: &mut dyn Sink,
    path: &str,
    (head, key): (&str, u128),
    (runs, keys): (&[Range<usize>], &[u128]),
    work: &[W],
    make: impl Fn(&W) -> Option<T> + Sync,
) -> std::io::Result<()>
where
    W: Sync,
    T: serde::Serialize,
{
    use rayon::prelude::*;
    sink.pieces(path, key, &mut |p: &mut Pieces<'_>| {
        p.write(head.as_bytes())?;
        p.write(b"[")?;
        let mut first = true;
        let all: Vec<usize> = (0..runs.len()).collect();
        for batch in all.chunks(PIECES_PER_BATCH) {
            // Which pieces the earlier file lacks, asked before they are
            // made (the writer is not shared with the threads).
            let lacking: Vec<bool> = batch
                .iter()
                .map(|&r| p.earlier(keys[r]).is_none())
                .collect();
            let made: Vec<Option<Vec<u8>>> = batch
                .par_iter()
                .zip(&lacking)
                .map(|(&r, &lacking)| {
                    if !lacking {
                        return Ok(None);
                    }
                    let mut bytes = Vec::new();
                    for item in work[runs[r].clone()].iter().filter_map(&make) {
                        if !bytes.is_empty() {
                            bytes.push(b',');
                        }
                        serde_json::to_writer(&mut bytes, &item)?;
                    }
                    Ok(Some(bytes))
                })
                .collect::<std::io::Result<_>>()?;
            for (&r, made) in batch.iter().zip(made) {
                let len = match &made {
                    Some(bytes) => bytes.len() as u64,
                    None => p.earlier(keys[r]).map_or(0, |(len, _)| len),
                };
                // A piece of no items is kept (empty, so it is not made
                // again) without a comma.
                if len > 0 {
                    if !first {
                        p.write(b",")?;
                    }
                    first = false;
                }
                match made {
                    Some(bytes) => p.piece(keys[r], &bytes, 0)?,
                    None => {
                        p.copy(keys[r])?;
                    }
                }
            }
        }
        p.write(b"]}\n")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_end_where_their_marks_are_and_at_the_last_item() {
        assert_eq!(runs(&[]), Vec::<Range<usize>>::new());
        assert_eq!(runs(&[false]), vec![0..1]);
        assert_eq!(runs(&[false, true, false, false, true]), vec![0..2, 2..5]);
        assert_eq!(runs(&[true, true, false]), vec![0..1, 1..2, 2..3]);
    }

    #[test]
    fn a_piece_key_changes_with_any_of_its_items_the_site_and_its_kind() {
        let runs = [0..2, 2..3];
        let keys = piece_keys("a", 1, &runs, &[10, 11, 12]);
        assert_eq!(keys, piece_keys("a", 1, &runs, &[10, 11, 12]));
        assert_ne!(keys[0], piece_keys("a", 1, &runs, &[10, 99, 12])[0]);
        assert_eq!(keys[1], piece_keys("a", 1, &runs, &[10, 99, 12])[1]);
        assert_ne!(keys, piece_keys("a", 2, &runs, &[10, 11, 12]));
        assert_ne!(keys, piece_keys("b", 1, &runs, &[10, 11, 12]));
        // Parts run together differently are different keys.
        assert_ne!(
            Key::new("x").text("ab").text("c").done(),
            Key::new("x").text("a").text("bc").done()
        );
    }
}
