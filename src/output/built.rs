//! What each page of a site folder was rendered from: `.<name>.built-<inode>`
//! beside the output, one line per page with its fingerprint
//! ([`crate::render::fingerprint`]) and the size, modification time and
//! inode its file had when the build finished.
//!
//! The next build that recycles the folder skips rendering a page whose
//! fingerprint is unchanged *and* whose file is still exactly the one
//! recorded — anything that touched the file since changes its time or
//! inode, and the page is then rendered as usual. The record is keyed by the
//! folder's inode because the folder changes names (staging → output → spare)
//! by renames, which keep it; it is read and deleted when the build opens
//! the folder, so a build that is killed halfway leaves no record claiming
//! files it may have changed.

use std::collections::HashMap;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use super::Layout;

const HEADER: &str = "opora-built 1";

/// One page's file as a build left it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Record {
    pub fingerprint: u128,
    size: u64,
    modified: (i64, i64),
    inode: u64,
}

impl Record {
    #[cfg(unix)]
    pub fn of(fingerprint: u128, meta: &std::fs::Metadata) -> Option<Record> {
        use std::os::unix::fs::MetadataExt;
        (meta.is_file() && meta.nlink() == 1).then(|| Record {
            fingerprint,
            size: meta.len(),
            modified: (meta.mtime(), meta.mtime_nsec()),
            inode: meta.ino(),
        })
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
    pages: HashMap<String, Record>,
}

impl Built {
    /// Reads the record of `dir` and deletes it (see the module's comment).
    pub fn take(layout: &Layout, dir: &Path) -> Built {
        let Some(path) = record_path(layout, dir) else {
            return Built::default();
        };
        let pages = read(&path).unwrap_or_default();
        let _ = std::fs::remove_file(&path);
        Built { pages }
    }

    /// The record of the file at `rel` in `dir`, if the page was rendered
    /// with `fingerprint` and its file has not changed since.
    pub fn unchanged(&self, dir: &Path, rel: &str, fingerprint: u128) -> Option<Record> {
        let known = self.pages.get(rel)?;
        if known.fingerprint != fingerprint {
            return None;
        }
        let meta = std::fs::symlink_metadata(dir.join(rel)).ok()?;
        Record::of(fingerprint, &meta).filter(|now| now == known)
    }
}

/// Writes the record of `dir` (atomically: a half-written record is never read).
pub(crate) fn save(layout: &Layout, dir: &Path, pages: &[(String, Record)]) -> io::Result<()> {
    let Some(path) = record_path(layout, dir) else {
        return Ok(());
    };
    if pages.is_empty() {
        return Ok(());
    }
    let partial = path.with_extension("partial");
    let mut out = io::BufWriter::new(std::fs::File::create(&partial)?);
    writeln!(out, "{HEADER}")?;
    for (rel, r) in pages {
        writeln!(
            out,
            "{:032x} {} {} {} {} {rel}",
            r.fingerprint, r.size, r.modified.0, r.modified.1, r.inode
        )?;
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(&partial, &path)
}

/// Deletes the records of folders that are neither the output nor its spare.
pub(crate) fn prune(layout: &Layout) {
    let keep: Vec<PathBuf> = [layout.target(), layout.spare()]
        .iter()
        .filter_map(|dir| record_path(layout, dir))
        .collect();
    let prefix = format!(".{}.built-", layout.name);
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

#[cfg(unix)]
fn record_path(layout: &Layout, dir: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(dir).ok()?;
    meta.is_dir()
        .then(|| layout.sibling(&format!("built-{:x}", meta.ino())))
}

#[cfg(not(unix))]
fn record_path(_: &Layout, _: &Path) -> Option<PathBuf> {
    None
}

fn read(path: &Path) -> io::Result<HashMap<String, Record>> {
    let file = io::BufReader::new(std::fs::File::open(path)?);
    let mut lines = file.lines();
    if lines.next().transpose()?.as_deref() != Some(HEADER) {
        return Ok(HashMap::new());
    }
    let mut pages = HashMap::new();
    for line in lines {
        let line = line?;
        let mut parts = line.splitn(6, ' ');
        let mut next = || parts.next().unwrap_or_default();
        let (fp, size, secs, nanos, inode, rel) = (next(), next(), next(), next(), next(), next());
        let record = (|| {
            Some(Record {
                fingerprint: u128::from_str_radix(fp, 16).ok()?,
                size: size.parse().ok()?,
                modified: (secs.parse().ok()?, nanos.parse().ok()?),
                inode: inode.parse().ok()?,
            })
        })();
        // A damaged line only costs its page a render.
        if let Some(record) = record.filter(|_| !rel.is_empty()) {
            pages.insert(rel.to_string(), record);
        }
    }
    Ok(pages)
}
