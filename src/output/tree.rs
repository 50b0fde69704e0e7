//! What a finished site folder holds, folder by folder, with each folder's
//! stamp (inode and change time): `.<name>.tree-<inode>` beside the output.
//!
//! The build that recycles the folder (two builds later) must make it safe
//! to write into: no links, FIFOs or devices, every folder its own
//! ([`super::staging`]). Reading all ~60,000 folders of a 50,000-service site
//! for that took ~1 s of a one-file rebuild. A folder whose inode and change
//! time are still as stamped holds exactly the entries recorded here: adding,
//! deleting or renaming an entry in a folder, or changing the folder's owner,
//! mode or ACL, sets its change time to the present, and no one but the
//! system's administrator can set it back. So such a folder is not read; its
//! entries come from the record. Any other folder is read as before.
//!
//! Two limits keep that sound:
//! - File systems keep change times at a clock tick's precision, so a folder
//!   changed within the tick it was stamped in could keep its time. Only a
//!   folder whose change time was at least [`MARGIN`] older than the stamping
//!   is recorded as trusted; a folder the build itself changed is read next
//!   time.
//! - Whether a folder can be changed depends on who asks: only folders owned
//!   by the user who stamped them, with write and search permission for their
//!   owner, are trusted, and only by a build run by that same user.
//!
//! Like the page record ([`super::built`]), the record is deleted when a build
//! opens the folder, so a build killed halfway leaves none; a record cut
//! short (it is not flushed to disk: losing it only costs a full read) ends
//! without its last line and is not used.

use std::io::{self, BufRead, Write};
use std::path::Path;
use std::time::{Duration, SystemTime};

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::Layout;

const HEADER: &str = "opora-tree 1";

/// How much older than the stamping a folder's change time must be for the
/// folder to be trusted (see the module's comment): far more than any
/// file system's clock tick.
const MARGIN: Duration = Duration::from_secs(2);

/// A folder's inode and change time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    inode: u64,
    changed: (i64, i64),
}

/// A folder of the recorded site: its stamp, if it may be trusted, and the
/// site paths of the files and folders directly in it.
#[derive(Debug, Default)]
pub(crate) struct Folder {
    pub stamp: Option<Stamp>,
    pub files: Vec<String>,
    pub folders: Vec<String>,
}

/// Stamps of folders found as recorded when the build began, by site path:
/// whatever the build did not change in them, they still hold.
pub(crate) type Carried = FxHashMap<String, Stamp>;

/// The recorded folders of a site, by site path.
#[derive(Debug, Default)]
pub(crate) struct Tree {
    folders: FxHashMap<String, Folder>,
}

impl Tree {
    /// What the folder at `rel` holds, if it is still exactly as recorded
    /// (`meta`: the folder's own metadata, never a link's target).
    pub(crate) fn unchanged(&self, rel: &str, meta: &std::fs::Metadata) -> Option<&Folder> {
        let folder = self.folders.get(rel)?;
        (meta.is_dir() && folder.stamp.is_some() && folder.stamp == stamp_of(meta))
            .then_some(folder)
    }
}

#[cfg(unix)]
fn stamp_of(meta: &std::fs::Metadata) -> Option<Stamp> {
    use std::os::unix::fs::MetadataExt;
    Some(Stamp {
        inode: meta.ino(),
        changed: (meta.ctime(), meta.ctime_nsec()),
    })
}

#[cfg(not(unix))]
fn stamp_of(_: &std::fs::Metadata) -> Option<Stamp> {
    None
}

/// Whether a folder stamped at `now` can be trusted later (see the module's
/// comment).
#[cfg(unix)]
fn trustworthy(meta: &std::fs::Metadata, user: u32, now: SystemTime) -> bool {
    use std::os::unix::fs::MetadataExt;
    let owner_can_change = meta.mode() & 0o300 == 0o300;
    meta.is_dir()
        && meta.uid() == user
        && owner_can_change
        && settled(meta.ctime(), meta.ctime_nsec(), now)
}

/// Whether a change time (seconds, nanoseconds) lies at least [`MARGIN`]
/// before `now`: a later change, even within the same clock tick, then
/// gives another change time. Shared with the parsed-record store
/// (`crate::content::record_store`), which trusts files as this trusts folders.
pub(crate) fn settled(secs: i64, nanos: i64, now: SystemTime) -> bool {
    let (Ok(secs), Ok(nanos)) = (u64::try_from(secs), u32::try_from(nanos)) else {
        return false;
    };
    SystemTime::UNIX_EPOCH
        .checked_add(Duration::new(secs, nanos))
        .and_then(|changed| changed.checked_add(MARGIN))
        .is_some_and(|settled| settled < now)
}

#[cfg(not(unix))]
fn trustworthy(_: &std::fs::Metadata, _: u32, _: SystemTime) -> bool {
    false
}

#[cfg(unix)]
fn user() -> u32 {
    rustix::process::geteuid().as_raw()
}

#[cfg(not(unix))]
fn user() -> u32 {
    0
}

/// Records what the finished site in `dir` holds: `files` and the folders
/// they are in (`folders`), each folder stamped. A folder found as recorded
/// when the build began keeps the stamp it had then (`carried`), unasked: if
/// the build changed it, its change time no longer matches and the next build
/// reads it (a one-file edit changes a few folders of ~60,000). Not being able
/// to write the record only costs the next build a full read of the folder.
pub(crate) fn stamp(
    layout: &Layout,
    dir: &Path,
    files: &FxHashSet<&str>,
    folders: &FxHashSet<&str>,
    carried: &Carried,
) {
    stamp_at(layout, dir, files, folders, carried, SystemTime::now());
}

/// [`stamp`] as if at `now`.
fn stamp_at(
    layout: &Layout,
    dir: &Path,
    files: &FxHashSet<&str>,
    folders: &FxHashSet<&str>,
    carried: &Carried,
    now: SystemTime,
) {
    let Some(path) = super::built::folder_record(layout, dir, KIND) else {
        return;
    };
    let user = user();
    // In no particular order: the record is read into a map.
    let folders: Vec<&str> = folders.iter().copied().collect();
    // A folder's metadata asked on every core: ~60,000 at 50,000 services.
    let stamps: Vec<Option<Stamp>> = folders
        .par_iter()
        .map(|rel| {
            if let Some(stamp) = carried.get(*rel) {
                return Some(*stamp);
            }
            let meta = std::fs::symlink_metadata(dir.join(rel)).ok()?;
            trustworthy(&meta, user, now)
                .then(|| stamp_of(&meta))
                .flatten()
        })
        .collect();
    let _ = super::side::replace(&path, false, |out| {
        writeln!(out, "{HEADER}")?;
        writeln!(out, "user {user}")?;
        for (rel, stamp) in folders.iter().zip(&stamps) {
            match stamp {
                Some(s) => writeln!(out, "d {} {} {} {rel}", s.inode, s.changed.0, s.changed.1)?,
                None => writeln!(out, "d - - - {rel}")?,
            }
        }
        for rel in files {
            writeln!(out, "f {rel}")?;
        }
        writeln!(out, "end {}", folders.len() + files.len())
    });
}

/// What the record file names for this kind of record.
const KIND: &str = "tree";

/// Reads the record of `dir` and deletes it (see the module's comment).
/// `None`: no record this build can use.
pub(crate) fn take(layout: &Layout, dir: &Path) -> Option<Tree> {
    let path = super::built::folder_record(layout, dir, KIND)?;
    let tree = read(&path).ok().flatten();
    let _ = std::fs::remove_file(&path);
    tree
}

fn read(path: &Path) -> io::Result<Option<Tree>> {
    let mut lines = io::BufReader::new(super::side::open(path)?).lines();
    let mut next = || lines.next().transpose();
    if next()?.as_deref() != Some(HEADER) {
        return Ok(None);
    }
    // Another user's folders may not be theirs to change.
    if next()?.as_deref() != Some(&format!("user {}", user())) {
        return Ok(None);
    }
    let mut tree = Tree::default();
    let mut count = 0;
    while let Some(line) = next()? {
        if let Some(total) = line.strip_prefix("end ") {
            return Ok((total.parse() == Ok(count)).then_some(tree));
        }
        count += 1;
        let Some(entry) = parse_line(&line) else {
            return Ok(None);
        };
        let (rel, is_folder) = match entry {
            Line::Folder(rel, stamp) => {
                tree.folders.entry(rel.to_string()).or_default().stamp = stamp;
                (rel, true)
            }
            Line::File(rel) => (rel, false),
        };
        if rel.is_empty() {
            continue;
        }
        let parent = rel.rsplit_once('/').map_or("", |(parent, _)| parent);
        let parent = tree.folders.entry(parent.to_string()).or_default();
        if is_folder {
            parent.folders.push(rel.to_string());
        } else {
            parent.files.push(rel.to_string());
        }
    }
    // Cut short: the last line is missing.
    Ok(None)
}

enum Line<'a> {
    Folder(&'a str, Option<Stamp>),
    File(&'a str),
}

fn parse_line(line: &str) -> Option<Line<'_>> {
    if let Some(rel) = line.strip_prefix("f ") {
        return Some(Line::File(rel));
    }
    let mut parts = line.strip_prefix("d ")?.splitn(4, ' ');
    let (inode, secs, nanos, rel) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if inode == "-" {
        return Some(Line::Folder(rel, None));
    }
    let stamp = Stamp {
        inode: inode.parse().ok()?,
        changed: (secs.parse().ok()?, nanos.parse().ok()?),
    };
    Some(Line::Folder(rel, Some(stamp)))
}

/// Deletes the records of folders that are neither the output nor its spare.
pub(crate) fn prune(layout: &Layout) {
    super::built::prune_records(layout, KIND);
}

#[cfg(all(test, unix))]
pub(crate) mod tests {
    use super::*;

    /// The site under `dir`: its files and their folders, as a build knows them.
    pub(crate) fn site_of(dir: &Path) -> (Vec<String>, Vec<String>) {
        let (mut files, mut folders) = (Vec::new(), Vec::new());
        for entry in walkdir::WalkDir::new(dir).min_depth(1).sort_by_file_name() {
            let entry = entry.unwrap();
            let rel = super::super::site_path(dir, entry.path()).unwrap();
            if entry.file_type().is_dir() {
                folders.push(rel);
            } else {
                files.push(rel);
            }
        }
        (files, folders)
    }

    /// Stamps the site in `dir` as a build that finished it `later` than now would have.
    pub(crate) fn stamp_as_if_later(layout: &Layout, dir: &Path, later: Duration) {
        let (files, folders) = site_of(dir);
        stamp_at(
            layout,
            dir,
            &files.iter().map(String::as_str).collect(),
            &folders.iter().map(String::as_str).collect(),
            &Carried::default(),
            SystemTime::now() + later,
        );
    }

    fn a_site() -> (tempfile::TempDir, Layout, std::path::PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let layout = Layout::new(tmp.path().to_path_buf(), std::ffi::OsStr::new("site"));
        let dir = layout.target();
        for rel in ["a/b", "c"] {
            std::fs::create_dir_all(dir.join(rel)).unwrap();
        }
        for rel in [
            "index.html",
            "a/index.html",
            "a/b/index.html",
            "c/index.html",
        ] {
            std::fs::write(dir.join(rel), "страница").unwrap();
        }
        (tmp, layout, dir)
    }

    #[test]
    fn only_folders_changed_long_enough_before_the_stamp_are_trusted() {
        let (_tmp, layout, dir) = a_site();
        let unchanged = |tree: &Tree, rel: &str| {
            tree.unchanged(rel, &std::fs::symlink_metadata(dir.join(rel)).unwrap())
                .is_some()
        };
        // Stamped right away: the folders changed within the margin.
        stamp_as_if_later(&layout, &dir, Duration::ZERO);
        let tree = take(&layout, &dir).unwrap();
        assert!(!unchanged(&tree, "a") && !unchanged(&tree, "a/b"));
        // The record is gone once taken.
        assert!(take(&layout, &dir).is_none());
        // Stamped well after: trusted, with what each folder holds.
        stamp_as_if_later(&layout, &dir, MARGIN * 5);
        let tree = take(&layout, &dir).unwrap();
        let a = tree
            .unchanged("a", &std::fs::symlink_metadata(dir.join("a")).unwrap())
            .unwrap();
        assert_eq!(a.files, ["a/index.html"]);
        assert_eq!(a.folders, ["a/b"]);
        // The site's own folder is renamed by every publication: never trusted.
        assert!(!unchanged(&tree, ""));
        // An entry added to a folder changes its time: no longer trusted.
        std::fs::write(dir.join("a/b/new.html"), "новая").unwrap();
        assert!(!unchanged(&tree, "a/b"));
        assert!(unchanged(&tree, "c"));
    }

    #[test]
    fn a_record_cut_short_or_of_another_format_is_not_used() {
        let (_tmp, layout, dir) = a_site();
        let path = super::super::built::folder_record(&layout, &dir, KIND).unwrap();
        for damage in [
            |text: &str| text[..text.rfind("end ").unwrap()].to_string(),
            |text: &str| text.replacen("f c/index.html\n", "", 1),
            |text: &str| text.replacen(HEADER, "opora-tree 0", 1),
            |text: &str| text.replacen("\nd ", "\nd x", 1),
        ] {
            stamp_as_if_later(&layout, &dir, MARGIN * 5);
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, damage(&text)).unwrap();
            assert!(take(&layout, &dir).is_none(), "{}", damage(&text));
        }
        stamp_as_if_later(&layout, &dir, MARGIN * 5);
        assert!(take(&layout, &dir).is_some());
    }
}
