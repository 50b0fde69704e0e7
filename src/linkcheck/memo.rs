//! A page's links, remembered for the next build: a page kept from the
//! recycled site (see `crate::render::fingerprint`) is not read again — its
//! ids and links come from what the build that wrote it noted.
//!
//! Most of a page's links and ids are the same on every page (menus,
//! footers), so each distinct link and each distinct id is numbered once in
//! a [`LinkTable`] shared by the whole site, and a page remembers only
//! numbers ([`LinkMemo`]). A kept page's links are then checked exactly as
//! if it had been read: which ones need checking depends on the files this
//! build has, not on the ones the earlier build had, so every link is
//! remembered, not only those the earlier check kept.

use std::sync::{Arc, RwLock};

use rustc_hash::FxHashMap;

use super::{FoundLink, KnownFiles, PageLinks, Use};
use crate::varint::{Reader, put_number, put_text};

/// What [`LinkTable::compact`] writes first: a table of another layout
/// (one from before images were remembered, say) is not read as this one.
const TABLE_MAGIC: &[u8] = b"links/2\n";

/// One distinct link: the address as written (entities decoded), the file
/// it leads to (`Err`: it leaves the base path; `Ok("")`: the page it is
/// on), its fragment, and whether the page follows or loads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Link {
    pub href: String,
    pub file: Result<String, ()>,
    pub fragment: Option<String>,
    pub how: Use,
}

/// How a link's [`Use`] is written in the table.
fn use_byte(how: Use) -> u8 {
    match how {
        Use::Follow => 0,
        Use::Load => 1,
    }
}

impl Link {
    /// 128 bits: two different links never share a number by chance.
    fn key(href: &str, file: &Result<&str, ()>, fragment: Option<&str>, how: Use) -> u128 {
        let mut h = xxhash_rust::xxh3::Xxh3Default::new();
        let mut part = |tag: u8, s: &str| {
            h.update(&[tag]);
            h.update(&(s.len() as u64).to_le_bytes());
            h.update(s.as_bytes());
        };
        part(0, href);
        match file {
            Ok(f) => part(1, f),
            Err(()) => part(2, ""),
        }
        if let Some(f) = fragment {
            part(3, f);
        }
        h.update(&[4, use_byte(how)]);
        h.digest128()
    }
}

/// Every distinct link of the site, numbered in the order first seen. Safe
/// to share between the threads that read pages; numbers only grow within
/// a build, so a kept page's numbers from the earlier build stay valid.
#[derive(Debug, Default)]
pub struct LinkTable {
    inner: RwLock<Numbered>,
}

#[derive(Debug, Default)]
struct Numbered {
    numbers: FxHashMap<u128, u32>,
    links: Vec<Arc<Link>>,
    /// Ids' hashes (a page's `ids`) and their numbers.
    id_numbers: FxHashMap<u64, u32>,
    ids: Vec<u64>,
}

impl LinkTable {
    /// The number of a link, numbering it if it is new.
    pub(super) fn number(
        &self,
        href: &str,
        file: Result<&str, ()>,
        fragment: Option<&str>,
        how: Use,
    ) -> u32 {
        let key = Link::key(href, &file, fragment, how);
        if let Some(&n) = self.read().numbers.get(&key) {
            return n;
        }
        let mut table = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if let Some(&n) = table.numbers.get(&key) {
            return n;
        }
        let n = table.links.len() as u32;
        table.links.push(Arc::new(Link {
            href: href.to_string(),
            file: file.map(str::to_string),
            fragment: fragment.map(str::to_string),
            how,
        }));
        table.numbers.insert(key, n);
        n
    }

    /// The number of an id's hash, numbering it if it is new.
    pub(super) fn number_id(&self, id: u64) -> u32 {
        if let Some(&n) = self.read().id_numbers.get(&id) {
            return n;
        }
        let mut table = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if let Some(&n) = table.id_numbers.get(&id) {
            return n;
        }
        let n = table.ids.len() as u32;
        table.ids.push(id);
        table.id_numbers.insert(id, n);
        n
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Numbered> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn push(&self, link: Link) {
        let mut table = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let file = link.file.as_deref().map_err(|_| ());
        let key = Link::key(&link.href, &file, link.fragment.as_deref(), link.how);
        let n = table.links.len() as u32;
        table.numbers.entry(key).or_insert(n);
        table.links.push(Arc::new(link));
    }

    /// The table as the next build reads it ([`LinkTable::decode`]), holding
    /// only the links `memos` use, renumbered in the order they use them:
    /// the table never grows beyond the site's links from build to build.
    pub fn compact<'a>(&self, memos: impl IntoIterator<Item = &'a mut Vec<u8>>) -> Vec<u8> {
        let table = self.read();
        let mut links = Renumbering::new(table.links.len());
        let mut ids = Renumbering::new(table.ids.len());
        for bytes in memos {
            let Some(mut memo) = LinkMemo::decode(bytes) else {
                bytes.clear();
                continue;
            };
            let valid = links.renumber(&mut memo.links) && ids.renumber(&mut memo.ids);
            bytes.clear();
            if valid {
                memo.encode(bytes);
            }
        }
        let mut out = TABLE_MAGIC.to_vec();
        put_number(&mut out, ids.kept.len() as u64);
        for &n in &ids.kept {
            out.extend_from_slice(&table.ids[n as usize].to_le_bytes());
        }
        let kept: Vec<&Link> = links
            .kept
            .iter()
            .map(|&n| &*table.links[n as usize])
            .collect();
        put_number(&mut out, kept.len() as u64);
        for link in kept {
            put_text(&mut out, &link.href);
            match &link.file {
                Ok(file) => {
                    out.push(1);
                    put_text(&mut out, file);
                }
                Err(()) => out.push(0),
            }
            match &link.fragment {
                Some(fragment) => {
                    out.push(1);
                    put_text(&mut out, fragment);
                }
                None => out.push(0),
            }
            out.push(use_byte(link.how));
        }
        out
    }

    /// The table [`LinkTable::compact`] wrote; `None` when it is damaged
    /// (the pages kept then are read as before).
    pub fn decode(bytes: &[u8]) -> Option<LinkTable> {
        let mut r = Reader(bytes.strip_prefix(TABLE_MAGIC)?);
        let table = LinkTable::default();
        for _ in 0..r.number()? {
            table.number_id(u64::from_le_bytes(r.take(8)?.try_into().ok()?));
        }
        let count = r.number()?;
        for _ in 0..count {
            let href = r.text()?;
            let file = match r.byte()? {
                1 => Ok(r.text()?),
                0 => Err(()),
                _ => return None,
            };
            let fragment = match r.byte()? {
                1 => Some(r.text()?),
                0 => None,
                _ => return None,
            };
            let how = match r.byte()? {
                0 => Use::Follow,
                1 => Use::Load,
                _ => return None,
            };
            table.push(Link {
                href,
                file,
                fragment,
                how,
            });
        }
        r.0.is_empty().then_some(table)
    }
}

/// What a page's link check needs of it: the numbers of its ids (in the
/// order of their hashes) and of its distinct on-site links (in the order
/// they appear).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LinkMemo {
    pub(super) ids: Vec<u32>,
    pub(super) links: Vec<u32>,
}

/// The numbers memos still use, numbered again in the order they are met.
struct Renumbering {
    new: Vec<u32>,
    /// The old number of each new one.
    kept: Vec<u32>,
}

impl Renumbering {
    fn new(len: usize) -> Renumbering {
        Renumbering {
            new: vec![u32::MAX; len],
            kept: Vec::new(),
        }
    }

    /// Renumbers `numbers` in place; `false` if one is unknown.
    fn renumber(&mut self, numbers: &mut [u32]) -> bool {
        for n in numbers {
            let Some(slot) = self.new.get_mut(*n as usize) else {
                return false;
            };
            if *slot == u32::MAX {
                *slot = self.kept.len() as u32;
                self.kept.push(*n);
            }
            *n = *slot;
        }
        true
    }
}

impl LinkMemo {
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_number(out, self.ids.len() as u64);
        for &n in &self.ids {
            put_number(out, u64::from(n));
        }
        put_number(out, self.links.len() as u64);
        for &n in &self.links {
            put_number(out, u64::from(n));
        }
    }

    pub fn decode(bytes: &[u8]) -> Option<LinkMemo> {
        let mut r = Reader(bytes);
        let ids = r.number()? as usize;
        let mut memo = LinkMemo {
            ids: Vec::with_capacity(ids.min(bytes.len())),
            links: Vec::new(),
        };
        for _ in 0..ids {
            memo.ids.push(u32::try_from(r.number()?).ok()?);
        }
        let links = r.number()? as usize;
        memo.links.reserve(links.min(bytes.len()));
        for _ in 0..links {
            memo.links.push(u32::try_from(r.number()?).ok()?);
        }
        r.0.is_empty().then_some(memo)
    }
}

impl PageLinks {
    /// The links of the page at `path` as [`PageLinks::read`] would find
    /// them in its file, from its memo: `None` when the memo names a link
    /// the table does not have (the page is then read).
    pub fn recall(
        path: &str,
        memo: &LinkMemo,
        table: &LinkTable,
        known: &KnownFiles,
    ) -> Option<PageLinks> {
        use std::borrow::Cow;
        let numbered = table.read();
        let mut links = Vec::new();
        // A link to the page itself (`#top`) names no file: it is this page's.
        let this_page = std::cell::OnceCell::new();
        for &n in &memo.links {
            let link = numbered.links.get(n as usize)?;
            let file: Result<Cow<str>, ()> = match &link.file {
                Ok(f) if f.is_empty() => Ok(Cow::Borrowed(
                    this_page.get_or_init(|| super::percent_decode(path)),
                )),
                Ok(f) => Ok(Cow::Borrowed(f)),
                Err(()) => Err(()),
            };
            let no_fragment = link.fragment.as_deref().is_none_or(str::is_empty);
            if no_fragment && file.as_ref().is_ok_and(|f| known.0.contains(&**f)) {
                continue;
            }
            links.push(FoundLink {
                href: link.href.clone(),
                file: file.map(Cow::into_owned),
                fragment: link.fragment.clone(),
                how: link.how,
            });
        }
        Some(PageLinks {
            path: path.to_string(),
            ids: memo
                .ids
                .iter()
                .map(|&n| numbered.ids.get(n as usize).copied())
                .collect::<Option<_>>()?,
            links,
            memo: Some(memo.clone()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linkcheck::LinkCheck;

    const PAGE: &str = "<a href=\"/\">home</a><a href=\"/a/\">a</a><a href=\"#top\">top</a>\
        <a href=\"../b/x.html#frag\">b</a><a href=\"https://example.org/\">away</a>\
        <a href=\"/gone/\">gone</a><a href=\"/a/\">again</a><h2 id=\"top\">t</h2>";

    fn known(files: &[&str]) -> KnownFiles {
        let mut check = LinkCheck::new("/");
        for f in files {
            check.file(*f);
        }
        check.freeze()
    }

    /// What a page's links look like to the check, in order.
    fn seen(links: &PageLinks) -> (Vec<u64>, Vec<crate::linkcheck::FoundLink>) {
        (links.ids.clone(), links.links.clone())
    }

    #[test]
    fn a_recalled_page_has_the_links_reading_it_finds_against_the_files_known_now() {
        let table = LinkTable::default();
        let then = known(&["index.html", "a/index.html", "gone/index.html"]);
        let mut read = PageLinks::read("c/d/index.html", PAGE, "/", &then, Some(&table));
        let mut bytes = read.take_memo();
        // The next build: the table and memo as the record keeps them.
        let site = table.compact([&mut bytes]);
        let table = LinkTable::decode(&site).unwrap();
        let memo = LinkMemo::decode(&bytes).unwrap();
        // `gone/` is gone now: its link must be checked again, not skipped
        // as it was when the page was read.
        let now = known(&["index.html", "a/index.html"]);
        let recalled = PageLinks::recall("c/d/index.html", &memo, &table, &now).unwrap();
        let reread = PageLinks::read("c/d/index.html", PAGE, "/", &now, None);
        assert_eq!(seen(&recalled), seen(&reread));
        assert!(
            recalled.links.iter().any(|l| l.href == "/gone/"),
            "{:?}",
            recalled.links
        );
        assert_eq!(seen(&read).0, seen(&recalled).0);
    }

    #[test]
    fn a_recalled_page_still_loads_its_images_and_they_are_checked_again() {
        let page = "<img src=\"/photo.jpg\"><a href=\"/photo.jpg\">same address, followed</a>";
        let table = LinkTable::default();
        let then = known(&["photo.jpg"]);
        let mut read = PageLinks::read("p/index.html", page, "/", &then, Some(&table));
        assert!(read.links.is_empty(), "both lead to a known file");
        let mut bytes = read.take_memo();
        let site = table.compact([&mut bytes]);
        let table = LinkTable::decode(&site).unwrap();
        let memo = LinkMemo::decode(&bytes).unwrap();
        assert_eq!(memo.links.len(), 2, "the image and the link are two");
        // The photo is gone: the kept page's image is broken, as a read finds.
        let mut check = LinkCheck::new("/");
        let now = check.freeze();
        let recalled = PageLinks::recall("p/index.html", &memo, &table, &now).unwrap();
        assert_eq!(
            seen(&recalled),
            seen(&PageLinks::read("p/index.html", page, "/", &now, None))
        );
        check.add(recalled);
        let broken = check.finish();
        let messages: Vec<&str> = broken.iter().map(|b| b.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "link to `/photo.jpg` leads nowhere: the site has no `photo.jpg`",
                "`/photo.jpg` (an image or other file the page loads) leads nowhere: the site has no `photo.jpg`",
            ]
        );
    }

    #[test]
    fn compacting_keeps_only_the_links_memos_use_numbered_as_they_use_them() {
        let table = LinkTable::default();
        let nothing = KnownFiles::default();
        let mut first = PageLinks::read(
            "x.html",
            "<a href=\"/1/\"></a><p id=\"only-here\">",
            "/",
            &nothing,
            Some(&table),
        )
        .take_memo();
        let mut second = PageLinks::read(
            "y.html",
            "<a href=\"/2/\"></a><a href=\"/3/\"></a><p id=\"main\">",
            "/",
            &nothing,
            Some(&table),
        )
        .take_memo();
        assert_eq!(LinkMemo::decode(&second).unwrap().links, vec![1, 2]);
        // The first page is no longer part of the site.
        let site = table.compact([&mut second]);
        let table = LinkTable::decode(&site).unwrap();
        assert_eq!(table.read().links.len(), 2);
        assert_eq!(table.read().ids.len(), 1, "only the id a memo uses is kept");
        assert_eq!(LinkMemo::decode(&second).unwrap().links, vec![0, 1]);
        let recalled = PageLinks::recall(
            "y.html",
            &LinkMemo::decode(&second).unwrap(),
            &table,
            &nothing,
        )
        .unwrap();
        let hrefs: Vec<&str> = recalled.links.iter().map(|l| l.href.as_str()).collect();
        assert_eq!(hrefs, ["/2/", "/3/"]);
        first.truncate(1);
        assert_eq!(LinkMemo::decode(&first), None);
    }

    #[test]
    fn damaged_memos_and_tables_are_refused_and_unknown_numbers_recall_nothing() {
        let memo = LinkMemo {
            ids: vec![7],
            links: vec![0, 300],
        };
        let mut bytes = Vec::new();
        memo.encode(&mut bytes);
        assert_eq!(LinkMemo::decode(&bytes), Some(memo.clone()));
        for cut in 0..bytes.len() {
            assert_eq!(LinkMemo::decode(&bytes[..cut]), None, "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(LinkMemo::decode(&longer), None);
        let table = |bytes: &[u8]| [TABLE_MAGIC, bytes].concat();
        assert!(LinkTable::decode(&table(&[5, 1, b'x'])).is_none());
        assert!(LinkTable::decode(&[]).is_none());
        // A table of the layout before images were remembered (no magic)
        // is not read as this one.
        assert!(LinkTable::decode(&[0, 0]).is_none());
        // A memo that names a link the table lacks: the page must be read.
        let table = LinkTable::decode(&table(&[0, 0])).unwrap();
        assert!(PageLinks::recall("p.html", &memo, &table, &KnownFiles::default()).is_none());
    }
}
