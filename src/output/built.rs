//! What each page of a site folder was rendered from: `.<name>.built-<inode>`
//! beside the output, one line per page with its fingerprint
//! ([`crate::render::fingerprint`]) and the size, modification and change
//! times and inode its file had when the build finished, and what its links are
//! (`crate::linkcheck::LinkMemo`, opaque here, with the site-wide part in
//! the record's `memo` line) — so a kept page is not even read.
//!
//! The next build that recycles the folder skips rendering a page whose
//! fingerprint is unchanged *and* whose file is still exactly the one
//! recorded — anything that touched the file since changes its time or
//! inode, and the page is then rendered as usual. The record is keyed by the
//! folder's inode because the folder changes names (staging → output → spare)
//! by renames, which keep it; it is read and deleted when the build opens
//! the folder, so a build that is killed halfway leaves no record claiming
//! files it may have changed.

use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::Layout;

const HEADER: &str = "opora-built 4";

/// One page's file as a build left it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Record {
    pub fingerprint: u128,
    size: u64,
    modified: (i64, i64),
    /// The inode's change time: unlike the modification time, no one can
    /// set it back after changing the file.
    changed: (i64, i64),
    inode: u64,
}

impl Record {
    /// The record of a plain file. A file with other hard links (a search
    /// file the native index shares) is recorded too: adding or removing a
    /// link, like any change through any of its names, sets its change
    /// time, and no file with other names is ever written in place
    /// (`staging::clear_way` deletes it first).
    #[cfg(unix)]
    pub fn of(fingerprint: u128, meta: &std::fs::Metadata) -> Option<Record> {
        use std::os::unix::fs::MetadataExt;
        meta.is_file().then(|| Record {
            fingerprint,
            size: meta.len(),
            modified: (meta.mtime(), meta.mtime_nsec()),
            changed: (meta.ctime(), meta.ctime_nsec()),
            inode: meta.ino(),
        })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Without inodes and link counts a file cannot be trusted unread.
    #[cfg(not(unix))]
    pub fn of(_: u128, _: &std::fs::Metadata) -> Option<Record> {
        None
    }
}

/// The records of the folder a build recycles.
#[derive(Debug, Default)]
pub(crate) struct Built {
    // Keyed by site path, looked up once per page: Fx, not SipHash (no
    // one chooses these keys to collide but the portal's own editors).
    pages: FxHashMap<String, (Record, Box<[u8]>)>,
    /// What the site's pages' memos share.
    site_memo: Vec<u8>,
}

/// What the build noted of its pages beyond their fingerprints: one memo
/// for the site and one per page, each opaque to the output.
#[derive(Debug, Default)]
pub struct Memos {
    pub site: Vec<u8>,
    pub pages: FxHashMap<String, Vec<u8>>,
}

impl Built {
    /// Reads the record of `dir` and deletes it (see the module's comment),
    /// keeping only what still holds ([`Built::verify`]): a record is never
    /// used unchecked — not even for a folder made anew, whose inode may be
    /// that of a deleted one the record was written for.
    pub fn take(layout: &Layout, dir: &Path) -> Built {
        let Some(path) = folder_record(layout, dir, KIND) else {
            return Built::default();
        };
        let mut built = read(&path).unwrap_or_default();
        let _ = std::fs::remove_file(&path);
        built.verify(dir);
        built
    }

    /// Keeps only the records whose file in `dir` is still exactly the one
    /// recorded: anything that touched a file since changes its times or
    /// inode. Asked of every file at once on many threads, while the content
    /// is loaded, rather than page by page among the rendering: after a
    /// long pause the files are out of the system's caches, and the walk of
    /// the folders no longer brings them in (see [`super::tree`]).
    pub(super) fn verify(&mut self, dir: &Path) {
        let pages = std::mem::take(&mut self.pages);
        self.pages = crate::io_threads::disk_bound(|| {
            pages
                .into_par_iter()
                .filter(|(rel, (known, _))| {
                    std::fs::symlink_metadata(dir.join(rel))
                        .ok()
                        .and_then(|meta| Record::of(known.fingerprint, &meta))
                        .is_some_and(|now| now == *known)
                })
                .collect()
        });
    }

    /// The record of the file at `rel` and the page's memo, if the page was
    /// rendered with `fingerprint` and its file was as recorded when the
    /// folder was opened ([`Built::verify`]).
    pub fn unchanged(&self, rel: &str, fingerprint: u128) -> Option<(Record, &[u8])> {
        let (known, memo) = self.pages.get(rel)?;
        (known.fingerprint == fingerprint).then_some((*known, &memo[..]))
    }

    /// The memo noted with the file at `rel` (a data file's pieces), and the
    /// file's size, if the file was as recorded when the folder was opened.
    pub fn intact(&self, rel: &str) -> Option<(u64, &[u8])> {
        let (known, memo) = self.pages.get(rel)?;
        Some((known.size, &memo[..]))
    }

    /// A record of these files with their memos, as `take` would read it.
    #[cfg(test)]
    pub fn of(files: impl IntoIterator<Item = (String, Record, Vec<u8>)>) -> Built {
        Built {
            pages: files
                .into_iter()
                .map(|(rel, r, memo)| (rel, (r, memo.into_boxed_slice())))
                .collect(),
            site_memo: Vec::new(),
        }
    }

    pub fn site_memo(&self) -> &[u8] {
        &self.site_memo
    }

    /// Writes this record back as the record of `dir`, as it was taken.
    pub fn save(self, layout: &Layout, dir: &Path) -> io::Result<()> {
        let mut pages = Vec::with_capacity(self.pages.len());
        let mut memos = Memos {
            site: self.site_memo,
            pages: FxHashMap::with_capacity_and_hasher(self.pages.len(), Default::default()),
        };
        for (rel, (record, memo)) in self.pages {
            memos.pages.insert(rel.clone(), memo.into_vec());
            pages.push((rel, record));
        }
        save(layout, dir, &pages, &memos)
    }
}

/// Writes the record of `dir` (atomically: a half-written record is never read).
pub(crate) fn save(
    layout: &Layout,
    dir: &Path,
    pages: &[(String, Record)],
    memos: &Memos,
) -> io::Result<()> {
    let Some(path) = folder_record(layout, dir, KIND) else {
        return Ok(());
    };
    if pages.is_empty() {
        return Ok(());
    }
    // The lines are made on every core (a line per page: ~60 ms on one at
    // 50,000 services, at the end of the build, when the other core is idle),
    // then written in order.
    let lines: Vec<Vec<u8>> = pages
        .par_chunks(RECORD_LINES_PER_TASK)
        .map(|chunk| {
            let mut text = Vec::with_capacity(chunk.len() * 160);
            for (rel, r) in chunk {
                let memo = memos.pages.get(rel).map_or(&[][..], Vec::as_slice);
                // Writing into a Vec cannot fail.
                let _ = writeln!(
                    text,
                    "{:032x} {} {} {} {} {} {} {} {rel}",
                    r.fingerprint,
                    r.size,
                    r.modified.0,
                    r.modified.1,
                    r.changed.0,
                    r.changed.1,
                    r.inode,
                    encode_memo(memo)
                );
            }
            text
        })
        .collect();
    super::side::replace(&path, true, |out| {
        writeln!(out, "{HEADER}")?;
        writeln!(out, "memo {}", encode_memo(&memos.site))?;
        for text in &lines {
            out.write_all(text)?;
        }
        Ok(())
    })
}

/// Pages whose record lines one task makes.
const RECORD_LINES_PER_TASK: usize = 4096;

/// Deletes the records of folders that are neither the output nor its spare.
pub(crate) fn prune(layout: &Layout) {
    prune_records(layout, KIND);
}

/// What the record file names for this kind of record.
const KIND: &str = "built";

/// Deletes the records of `kind` of folders that are neither the output nor
/// its spare.
pub(crate) fn prune_records(layout: &Layout, kind: &str) {
    let keep: Vec<PathBuf> = [layout.target(), layout.spare()]
        .iter()
        .filter_map(|dir| folder_record(layout, dir, kind))
        .collect();
    let prefix = format!(".{}.{kind}-", layout.name);
    let Ok(entries) = std::fs::read_dir(&layout.parent) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry.file_name().to_string_lossy().starts_with(&prefix)
            && !keep.contains(&entry.path());
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Where the record of `kind` of the site folder `dir` is kept: beside the
/// output, named by the folder's inode (the folder changes names by renames,
/// which keep it).
#[cfg(unix)]
pub(crate) fn folder_record(layout: &Layout, dir: &Path, kind: &str) -> Option<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(dir).ok()?;
    meta.is_dir()
        .then(|| layout.sibling(&format!("{kind}-{:x}", meta.ino())))
}

#[cfg(not(unix))]
pub(crate) fn folder_record(_: &Layout, _: &Path, _: &str) -> Option<PathBuf> {
    None
}

fn read(path: &Path) -> io::Result<Built> {
    let file = io::BufReader::new(super::side::open(path)?);
    let mut lines = file.lines();
    if lines.next().transpose()?.as_deref() != Some(HEADER) {
        return Ok(Built::default());
    }
    let site_memo = lines
        .next()
        .transpose()?
        .and_then(|line| decode_memo(line.strip_prefix("memo ")?));
    // Without the site's memo no page's memo can be used.
    let Some(site_memo) = site_memo else {
        return Ok(Built::default());
    };
    let mut pages = FxHashMap::default();
    for line in lines {
        let line = line?;
        let mut parts = line.splitn(9, ' ');
        let mut next = || parts.next().unwrap_or_default();
        let (fp, size, secs, nanos) = (next(), next(), next(), next());
        let (changed_secs, changed_nanos, inode, memo, rel) =
            (next(), next(), next(), next(), next());
        let record = (|| {
            Some(Record {
                fingerprint: u128::from_str_radix(fp, 16).ok()?,
                size: size.parse().ok()?,
                modified: (secs.parse().ok()?, nanos.parse().ok()?),
                changed: (changed_secs.parse().ok()?, changed_nanos.parse().ok()?),
                inode: inode.parse().ok()?,
            })
        })();
        // A damaged line only costs its page a render.
        if let (Some(record), Some(memo)) = (record.filter(|_| !rel.is_empty()), decode_memo(memo))
        {
            pages.insert(rel.to_string(), (record, memo.into_boxed_slice()));
        }
    }
    Ok(Built { pages, site_memo })
}

/// Memos in base64 (no padding), `-` for none: a record stays one line per
/// page, with no spaces in the memo.
fn encode_memo(bytes: &[u8]) -> String {
    use base64::Engine;
    if bytes.is_empty() {
        return "-".into();
    }
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes)
}

fn decode_memo(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    if text == "-" {
        return Some(Vec::new());
    }
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(text)
        .ok()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// A record of more pages than one task writes the lines of reads back
    /// whole: every page with its own record and memo.
    #[test]
    fn a_record_of_many_pages_reads_back_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let layout = Layout::new(tmp.path().to_path_buf(), std::ffi::OsStr::new("public"));
        let dir = layout.target();
        std::fs::create_dir(&dir).unwrap();
        let mut pages = Vec::new();
        let mut memos = Memos {
            site: b"site".to_vec(),
            pages: FxHashMap::default(),
        };
        for i in 0..RECORD_LINES_PER_TASK * 2 + 17 {
            let rel = format!("page-{i}.html");
            let path = dir.join(&rel);
            std::fs::write(&path, format!("страница {i}")).unwrap();
            let meta = std::fs::metadata(&path).unwrap();
            pages.push((rel.clone(), Record::of(i as u128 * 7 + 1, &meta).unwrap()));
            memos.pages.insert(rel, vec![i as u8; i % 5]);
        }
        save(&layout, &dir, &pages, &memos).unwrap();
        let built = Built::take(&layout, &dir);
        assert_eq!(built.site_memo(), b"site");
        for (rel, record) in &pages {
            let (now, memo) = built.unchanged(rel, record.fingerprint).unwrap();
            assert_eq!(&now, record, "{rel}");
            assert_eq!(memo, &memos.pages[rel][..], "{rel}");
        }
        // Another fingerprint is another page.
        assert!(built.unchanged(&pages[0].0, 0).is_none());
        // A file changed since is not trusted.
        std::fs::write(dir.join(&pages[1].0), "другая страница").unwrap();
        let mut built = Built::of(pages.iter().map(|(rel, r)| (rel.clone(), *r, Vec::new())));
        built.verify(&dir);
        assert!(
            built
                .unchanged(&pages[1].0, pages[1].1.fingerprint)
                .is_none()
        );
        assert!(
            built
                .unchanged(&pages[2].0, pages[2].1.fingerprint)
                .is_some()
        );
    }
}
