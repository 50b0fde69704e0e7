//! The staging folder: the previous-but-one site recycled (only changed bytes
//! are written), or a fresh folder when there is none or it cannot be reused.
//!
//! The build writes its files into it as it makes them, without saying
//! beforehand what they will be, so it never needs the whole site at once:
//!
//! 1. [`open`] makes a recycled folder safe to write into: every link and
//!    anything else that is not a plain file or folder is deleted (never
//!    followed), and every folder must be one this user can change — a folder
//!    left by `sudo opora build` would stop the build halfway, so such a
//!    folder is moved aside at once and a fresh one used.
//! 2. [`Stage::write`], [`Stage::stream`] and [`Stage::pieces`] write one
//!    file each (the last copying what it can from the earlier file), making its
//!    folders (a file of the earlier site where a folder now goes is replaced,
//!    and the reverse) and remembering its path.
//! 3. [`Stage::finish`] copies the portal's static files the build did not
//!    generate and deletes whatever the earlier site had beyond the files
//!    written: nothing stale is ever published. (A folder made for this
//!    build holds nothing else, so it is neither checked path by path as it
//!    is written nor walked at the end.)

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;
// Sets of the site's ~60,000 paths, built and probed at the end of every
// build: Fx, not SipHash (the keys are the build's own paths).
use rustc_hash::FxHashSet as HashSet;

use super::built::{Built, Memos, Record};
use super::pieces::{Earlier, Pieces};
use super::sink::{Fill, PieceFill};
use super::tree::Carried;
use super::{Layout, Note, OutputError, at, set_aside};

/// The staging folder, receiving the site file by file.
pub(crate) struct Stage {
    dir: PathBuf,
    static_dir: PathBuf,
    /// Site paths of the generated files written so far.
    written: Mutex<Vec<String>>,
    /// What the recycled site's pages were rendered from.
    built: Built,
    /// What this site's pages were rendered from, for the next build.
    fingerprints: Mutex<Vec<(String, Record)>>,
    /// What the build noted of its pages, for the next build.
    memos: Mutex<Memos>,
    /// Where the pieces of each file made of pieces lie, for the next build.
    piece_indexes: Mutex<HashMap<String, Vec<u8>>>,
    /// The folder was made empty for this build: nothing in it predates the
    /// build, so nothing stands in a file's way and nothing is left to prune
    /// — a cold build skips a look at every path and a walk of the whole site.
    fresh: bool,
    /// What the recycled folder held when it was made safe, so that pruning
    /// needs no second walk of the whole site (`None`: walk it then).
    found: Option<Vec<Entry>>,
    /// The folders found as their record says, with their stamps.
    carried: Carried,
}

/// A plain file or folder of the recycled site, as [`make_safe`] found it:
/// its site path (`/`-separated; a name that is not UTF-8 is never kept).
/// Its path on disk is made only for the few that are deleted.
struct Entry {
    rel: String,
}

/// A staging folder holding exactly the site.
pub(crate) struct Finished {
    /// How many files came from `static/`.
    pub static_files: usize,
    /// What of `static/` was not copied, and why.
    pub notes: Vec<Note>,
    /// The generated files under `search/`, whose manifest names the index.
    pub search: Vec<String>,
}

/// Prepares the staging folder for a site of generated files (written next)
/// and the portal's static files (copied at [`Stage::finish`]). A recycled
/// folder that cannot be made safe is moved aside and a fresh one used.
pub(crate) fn open(
    layout: &Layout,
    static_dir: &Path,
    notes: &mut Vec<Note>,
) -> Result<Stage, OutputError> {
    let (dir, recycled_from) = prepare(layout, notes)?;
    let mut fresh = recycled_from.is_none();
    // Taken (and deleted) before anything in the folder changes.
    let mut built = Built::take(layout, &dir);
    let tree = super::tree::take(layout, &dir).unwrap_or_default();
    let (mut found, mut carried) = (None, Carried::default());
    if let Some(from) = recycled_from {
        match make_safe(&dir, &tree) {
            Ok((entries, as_recorded)) => (found, carried) = (Some(entries), as_recorded),
            Err(e) => {
                built = Built::default();
                set_aside(
                    layout,
                    &dir,
                    &format!(
                        "cannot reuse the previous site kept in {} (now {}): {e}",
                        from.display(),
                        dir.display()
                    ),
                    notes,
                )?;
                std::fs::create_dir(&dir).map_err(|e| abandon(layout, &dir, &at(&dir)(e)))?;
                fresh = true;
            }
        }
    }
    Ok(Stage {
        dir,
        static_dir: static_dir.to_path_buf(),
        written: Mutex::new(Vec::new()),
        built,
        fingerprints: Mutex::new(Vec::new()),
        memos: Mutex::new(Memos::default()),
        piece_indexes: Mutex::default(),
        fresh,
        found,
        carried,
    })
}

impl Stage {
    /// Writes one generated file unless it already holds these bytes. Safe
    /// to call from many threads at once.
    ///
    /// The file is recorded with the hash of its bytes, so the build that
    /// recycles this folder keeps it unread while it is as recorded: the
    /// search export's thousands of files (47 MB at 50,000 services) were
    /// each read back and compared.
    pub(crate) fn write(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        let key = xxhash_rust::xxh3::xxh3_128(bytes);
        if self.reuse(rel, key).is_some() {
            return Ok(());
        }
        self.write_recorded(rel, bytes, key)
    }

    /// Keeps the recycled site's file of a page rendered from `fingerprint`
    /// when that file is exactly as the build that rendered it left it, and
    /// says its size and the memo noted with it. `None`: the page must be
    /// rendered and written.
    pub(crate) fn reuse(&self, rel: &str, fingerprint: u128) -> Option<(u64, &[u8])> {
        let (record, memo) = self.built.unchanged(rel, fingerprint)?;
        self.note_fingerprint(rel, record);
        self.remember(rel);
        Some((record.size(), memo))
    }

    /// The site-wide memo the recycled site's pages were noted with.
    pub(crate) fn site_memo(&self) -> &[u8] {
        self.built.site_memo()
    }

    /// Notes the site's and its pages' memos, for the next build.
    pub(crate) fn note_memos(&self, memos: Memos) {
        *self.memos.lock().unwrap_or_else(PoisonError::into_inner) = memos;
    }

    /// Writes a page rendered from `fingerprint` (see [`Stage::reuse`]).
    pub(crate) fn write_page(&self, rel: &str, bytes: &[u8], fingerprint: u128) -> io::Result<()> {
        self.write_recorded(rel, bytes, fingerprint)
    }

    /// Writes `bytes` at `rel` (unless the file already holds them) and
    /// records the file with `key`, from its handle when written.
    fn write_recorded(&self, rel: &str, bytes: &[u8], key: u128) -> io::Result<()> {
        let written = self.put(rel, bytes)?;
        self.remember(rel);
        let path = self.dir.join(rel);
        // The file just written, asked through its handle (no path lookup).
        let meta = match written {
            Some(file) => file.metadata(),
            None => std::fs::symlink_metadata(&path),
        }
        .map_err(at(&path))?;
        if let Some(record) = Record::of(key, &meta) {
            self.note_fingerprint(rel, record);
        }
        Ok(())
    }

    /// The bytes of a file this build kept or wrote.
    pub(crate) fn read(&self, rel: &str) -> io::Result<Vec<u8>> {
        let path = self.dir.join(rel);
        std::fs::read(&path).map_err(at(&path))
    }

    /// Hard-links the file this build wrote at `rel` to `to` (see
    /// [`super::Staging::link`]).
    pub(crate) fn link(&self, rel: &str, to: &Path) -> io::Result<()> {
        std::fs::hard_link(self.dir.join(rel), to)
    }

    fn note_fingerprint(&self, rel: &str, record: Record) {
        self.fingerprints
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((rel.to_string(), record));
    }

    /// Writes one generated file as `fill` makes it (always rewritten: its
    /// bytes are not known beforehand). Returns its size.
    pub(crate) fn stream(&self, rel: &str, fill: Fill<'_>) -> io::Result<u64> {
        let path = self.dir.join(rel);
        if !self.fresh {
            clear_way(&path, None)?;
        }
        let mut out = BufWriter::with_capacity(1 << 18, self.create(rel, &path)?);
        fill(&mut out).map_err(at(&path))?;
        out.flush().map_err(at(&path))?;
        let len = out.seek(io::SeekFrom::End(0)).map_err(at(&path))?;
        self.remember(rel);
        Ok(len)
    }

    /// Writes a file made only from what `key` sums up (see
    /// [`super::sink::file_key`]) as `fill` makes it, and notes it with its
    /// key, for [`Stage::reuse`] in the build that recycles this folder.
    /// Returns its size.
    pub(crate) fn stream_keyed(&self, rel: &str, key: u128, fill: Fill<'_>) -> io::Result<u64> {
        let path = self.dir.join(rel);
        if !self.fresh {
            clear_way(&path, None)?;
        }
        let mut out = BufWriter::with_capacity(1 << 18, self.create(rel, &path)?);
        fill(&mut out).map_err(at(&path))?;
        let file = out.into_inner().map_err(|e| at(&path)(e.into_error()))?;
        let meta = file.metadata().map_err(at(&path))?;
        self.remember(rel);
        if let Some(record) = Record::of(key, &meta) {
            self.note_fingerprint(rel, record);
        }
        Ok(meta.len())
    }

    /// Keeps the recycled site's file at `rel` if it was made from `key` and
    /// is exactly as its build left it, with where its pieces lie; else
    /// writes a file made of keyed pieces (see [`super::pieces`]) as `fill`
    /// makes it, copying the pieces that file holds. Returns its size.
    pub(crate) fn pieces(&self, rel: &str, key: u128, fill: PieceFill<'_>) -> io::Result<u64> {
        if let Some((size, index)) = self.reuse(rel, key) {
            self.piece_indexes
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(rel.to_string(), index.to_vec());
            return Ok(size);
        }
        let path = self.dir.join(rel);
        let earlier = if self.fresh {
            None
        } else {
            self.earlier(rel, &path)
        };
        if earlier.is_some() {
            // The earlier file stays readable through its handle; the new
            // one is another file, not the earlier one truncated.
            std::fs::remove_file(&path).map_err(at(&path))?;
        } else if !self.fresh {
            clear_way(&path, None)?;
        }
        let mut out = BufWriter::with_capacity(1 << 18, self.create(rel, &path)?);
        let index = {
            let mut pieces = Pieces::new(&mut out, earlier.as_ref());
            fill(&mut pieces).map_err(at(&path))?;
            pieces.finish()
        };
        let file = out.into_inner().map_err(|e| at(&path)(e.into_error()))?;
        let meta = file.metadata().map_err(at(&path))?;
        self.remember(rel);
        if let Some(record) = Record::of(key, &meta) {
            self.note_fingerprint(rel, record);
            self.piece_indexes
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(rel.to_string(), index.encode());
        }
        Ok(meta.len())
    }

    /// The recycled site's file at `rel`, opened, with where its pieces
    /// lie — if its record says so and it is as its build left it.
    fn earlier(&self, rel: &str, path: &Path) -> Option<Earlier> {
        let (size, index) = self.built.intact(rel)?;
        let file = open_existing(path).ok()?;
        // Asked again through the handle: the file read is the one checked.
        let meta = file.metadata().ok()?;
        (meta.is_file() && meta.len() == size).then_some(())?;
        Earlier::new(Box::new(file), size, index)
    }

    fn remember(&self, rel: &str) {
        self.written
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(rel.to_string());
    }

    /// Writes `bytes` at `rel` unless the file already holds them; returns
    /// the file written (`None`: it was left as it was).
    fn put(&self, rel: &str, bytes: &[u8]) -> io::Result<Option<File>> {
        let path = self.dir.join(rel);
        if !self.fresh && clear_way(&path, Some(bytes))? {
            return Ok(None);
        }
        let mut file = self.create(rel, &path)?;
        file.write_all(bytes).map_err(at(&path))?;
        Ok(Some(file))
    }

    /// Creates (or truncates) the file at `rel`, making its folders.
    fn create(&self, rel: &str, path: &Path) -> io::Result<File> {
        match create_file(path) {
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) =>
            {
                self.make_folders(rel)?;
                create_file(path).map_err(at(path))
            }
            // A file another user left in a folder of ours: replace it.
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                std::fs::remove_file(path).map_err(at(path))?;
                create_file(path).map_err(at(path))
            }
            other => other.map_err(at(path)),
        }
    }

    /// Makes the folders of `rel`. Where a file of the earlier site stands in
    /// the way, it is replaced by the folder (other threads may be making
    /// the same folders at the same time).
    fn make_folders(&self, rel: &str) -> io::Result<()> {
        let Some((parent, _)) = rel.rsplit_once('/') else {
            return Ok(());
        };
        if std::fs::create_dir_all(self.dir.join(parent)).is_ok() {
            return Ok(());
        }
        let mut path = self.dir.clone();
        for part in parent.split('/') {
            path.push(part);
            match std::fs::symlink_metadata(&path) {
                Ok(m) if m.is_dir() => continue,
                Ok(_) => {
                    let _ = std::fs::remove_file(&path);
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(at(&path)(e)),
            }
            match std::fs::create_dir(&path) {
                Err(e) if e.kind() != io::ErrorKind::AlreadyExists => {
                    return Err(at(&path)(e));
                }
                _ => {}
            }
            if !std::fs::symlink_metadata(&path)
                .map_err(at(&path))?
                .is_dir()
            {
                return Err(at(&path)(io::Error::other("cannot make this folder")));
            }
        }
        Ok(())
    }

    /// Completes the site: copies the portal's static files (a generated
    /// file of the same path wins) and deletes everything else the folder
    /// holds — files of the earlier site the new one does not have.
    pub(crate) fn finish(self, layout: &Layout) -> Result<Finished, OutputError> {
        // The record needs only what was written, so it is saved on a
        // thread of its own while the site is completed: both are mostly
        // one core's work (~70 ms each at 50,000 services). Should the
        // completion fail, the record is saved all the same, as before.
        let completed = std::thread::scope(|scope| {
            let saving = scope.spawn(|| self.save_record(layout));
            let completed = self.complete(layout);
            saving
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            completed
        });
        match completed {
            Ok(finished) => Ok(finished),
            Err(Incomplete::Statics(e)) => Err(OutputError::new(
                &self.static_dir,
                format!("cannot read the static files: {e}"),
                "check the permissions of static/",
            )),
            Err(Incomplete::Write(e)) => Err(self.fail(layout, &e)),
        }
    }

    /// Saves what each page written or kept so far was rendered from, for
    /// the next build that recycles this folder — whether or not this site
    /// is published: a file is trusted by its record, not by the build's
    /// outcome. Without a record the next build only renders every page.
    fn save_record(&self, layout: &Layout) {
        fn take<T: Default>(m: &Mutex<T>) -> T {
            std::mem::take(&mut *m.lock().unwrap_or_else(PoisonError::into_inner))
        }
        let fingerprints = take(&self.fingerprints);
        let mut memos = take(&self.memos);
        memos.pages.extend(take(&self.piece_indexes));
        let _ = super::built::save(layout, &self.dir, &fingerprints, &memos);
    }

    fn complete(&self, layout: &Layout) -> Result<Finished, Incomplete> {
        let written =
            std::mem::take(&mut *self.written.lock().unwrap_or_else(PoisonError::into_inner));
        let generated: HashSet<&str> = written.iter().map(String::as_str).collect();
        let (statics, notes) =
            static_files(&self.static_dir, &generated).map_err(Incomplete::Statics)?;
        statics
            .par_iter()
            .try_for_each(|(rel, from)| {
                let bytes = read_static(from)?;
                self.put(rel, &bytes).map(drop)
            })
            .map_err(Incomplete::Write)?;
        let keep: HashSet<&str> = generated
            .iter()
            .copied()
            .chain(statics.iter().map(|(rel, _)| rel.as_str()))
            .collect();
        let folders: HashSet<&str> = keep
            .iter()
            .flat_map(|rel| rel.match_indices('/').map(move |(i, _)| &rel[..i]))
            .collect();
        if !self.fresh {
            self.prune(&keep, &folders)?;
        }
        // The site is complete: what it holds is recorded for the build
        // that recycles this folder.
        super::tree::stamp(layout, &self.dir, &keep, &folders, &self.carried);
        Ok(Finished {
            static_files: statics.len(),
            notes,
            search: written
                .iter()
                .filter(|p| p.starts_with("search/"))
                .cloned()
                .collect(),
        })
    }

    /// Deletes what the recycled site had beyond the files this build wrote.
    fn prune(&self, keep: &HashSet<&str>, folders: &HashSet<&str>) -> Result<(), Incomplete> {
        match &self.found {
            Some(found) => prune_found(&self.dir, found, keep, folders),
            None => prune(&self.dir, keep, folders),
        }
        .map_err(Incomplete::Write)
    }

    /// A write failed: keeps what was written for the next build, as
    /// abandoned builds do, and says what went wrong.
    pub(crate) fn fail(self, layout: &Layout, e: &io::Error) -> OutputError {
        self.save_record(layout);
        abandon(layout, &self.dir, e)
    }

    /// The site will not be completed (its content failed): the folder is
    /// kept as the next build's spare, as [`Stage::fail`] keeps it.
    ///
    /// A folder nothing was written into (the content failed while the
    /// folder was being made ready beside it) keeps the record it came
    /// with, so the next build still keeps its pages: each is trusted only
    /// if its file is exactly as recorded, and making the folder safe
    /// deleted only entries that were never plain files. One made empty for
    /// this build is deleted: the next build then makes its own, which it
    /// writes into without looking first.
    pub(crate) fn set_aside(self, layout: &Layout) {
        let untouched = self
            .written
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty();
        if untouched && self.fresh && std::fs::remove_dir(&self.dir).is_ok() {
            return;
        }
        if untouched {
            let _ = self.built.save(layout, &self.dir);
        } else {
            self.save_record(layout);
        }
        keep_as_spare(layout, &self.dir);
    }
}

/// Why the site could not be completed.
enum Incomplete {
    Statics(io::Error),
    Write(io::Error),
}

/// Opens an existing file for reading; never through a link.
fn open_existing(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
    }
    options.open(path)
}

/// Opens `path` for writing, truncated; never through a link.
fn create_file(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
    }
    options.open(path)
}

/// Clears the way for a file at `path`: a folder of the earlier site there is
/// deleted, and so is anything that is not a plain file. With `bytes`, says
/// whether the file already holds exactly them (then nothing needs writing —
/// true also of a file with other hard links, such as the search files the
/// native index shares, since nothing is changed). A file with other hard
/// links that must change is deleted first, so no other name sees the change.
fn clear_way(path: &Path, bytes: Option<&[u8]>) -> io::Result<bool> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(path).map_err(at(path))?,
        Ok(meta) if meta.is_file() => {
            if let Some(bytes) = bytes
                && meta.len() == bytes.len() as u64
                && std::fs::read(path).map_err(at(path))? == bytes
            {
                return Ok(true);
            }
            if links(&meta) > 1 {
                std::fs::remove_file(path).map_err(at(path))?;
            }
        }
        Ok(_) => std::fs::remove_file(path).map_err(at(path))?,
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) => {}
        Err(e) => return Err(at(path)(e)),
    }
    Ok(false)
}

fn abandon(layout: &Layout, dir: &Path, e: &io::Error) -> OutputError {
    keep_as_spare(layout, dir);
    OutputError::new(
        dir,
        format!("cannot write the site: {e}"),
        "check the output folder's permissions and free disk space",
    )
}

/// Moves a staging folder that will not be published to the spare's name
/// when that is free, for the next build to recycle; otherwise the next
/// build finds it at the staging name and recycles it from there.
fn keep_as_spare(layout: &Layout, dir: &Path) {
    if super::found(&layout.spare()).ok() == Some(super::Found::Nothing) {
        let _ = std::fs::rename(dir, layout.spare());
    }
}

/// The staging folder, and where the earlier site it holds came from, if any.
fn prepare(
    layout: &Layout,
    notes: &mut Vec<Note>,
) -> Result<(PathBuf, Option<PathBuf>), OutputError> {
    use super::{Found, clear, found};
    let (dir, spare) = (layout.staging(), layout.spare());
    for path in [&dir, &spare] {
        let kind = found(path).map_err(|e| super::cannot_use(path, &e))?;
        if matches!(kind, Found::Link | Found::Other) {
            clear(layout, path, notes)?;
        }
    }
    let staging_found = found(&dir).map_err(|e| super::cannot_use(&dir, &e))?;
    let spare_found = found(&spare).map_err(|e| super::cannot_use(&spare, &e))?;
    match (staging_found, spare_found) {
        (Found::Folder, s) => {
            // Left by a build that stopped; its contents are as good as any,
            // and the spare's name must be free for the site this one replaces.
            if s == Found::Folder {
                clear(layout, &spare, notes)?;
            }
            Ok((dir.clone(), Some(dir)))
        }
        (_, Found::Folder) => {
            std::fs::rename(&spare, &dir).map_err(|e| super::cannot_use(&spare, &e))?;
            Ok((dir, Some(spare)))
        }
        _ => {
            std::fs::create_dir(&dir).map_err(|e| super::cannot_use(&dir, &e))?;
            Ok((dir, None))
        }
    }
}

/// Makes a recycled site safe to write into without knowing what will be
/// written: deletes every link and anything else that is not a plain file or
/// folder (never following a link), and fails on a folder this user cannot
/// change, which the build would otherwise stumble on halfway. Returns every
/// file and folder left, for [`prune_found`].
///
/// The recycled folder is the site before last, often long out of the
/// system's caches: reading its ~60,000 folders one at a time waits on the
/// disk for each (6 s for 50,000 services after the caches were dropped,
/// 0.4 s warm), so many are read at once (`crate::io_threads`).
///
/// A folder still exactly as the build that finished the site recorded it
/// (`tree`, see [`super::tree`]) is not read: its entries come from the
/// record.
fn make_safe(dir: &Path, tree: &super::tree::Tree) -> io::Result<(Vec<Entry>, Carried)> {
    let walk = SafeWalk {
        root: dir,
        tree,
        failure: Mutex::new(None),
        found: Mutex::new(Vec::new()),
        carried: Mutex::default(),
    };
    crate::io_threads::disk_bound(|| {
        rayon::scope(|scope| walk.folder(scope, dir.to_path_buf()));
    });
    match walk
        .failure
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
    {
        Some(e) => Err(e),
        None => Ok((
            walk.found
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner),
            walk.carried
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner),
        )),
    }
}

/// [`make_safe`]'s walk: the first failure, and what was found so far.
struct SafeWalk<'a> {
    root: &'a Path,
    tree: &'a super::tree::Tree,
    failure: Mutex<Option<io::Error>>,
    found: Mutex<Vec<Entry>>,
    carried: Mutex<Carried>,
}

impl<'a> SafeWalk<'a> {
    /// Makes one folder safe; its subfolders are handed to `scope`.
    fn folder<'s>(&'s self, scope: &rayon::Scope<'s>, dir: PathBuf)
    where
        'a: 's,
    {
        if self
            .failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
        {
            return;
        }
        match self.entries(scope, &dir) {
            Ok(entries) => self
                .found
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend(entries),
            Err(e) => {
                self.failure
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get_or_insert(e);
            }
        }
    }

    /// The plain files and folders in `dir`, having deleted everything else.
    fn entries<'s>(&'s self, scope: &rayon::Scope<'s>, dir: &Path) -> io::Result<Vec<Entry>>
    where
        'a: 's,
    {
        let rel = site_path(self.root, dir)?;
        if !rel.is_empty()
            && let Ok(meta) = std::fs::symlink_metadata(dir)
            && let Some(known) = self.tree.unchanged(&rel, &meta)
        {
            if let Some(stamp) = known.stamp {
                self.carried
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(rel, stamp);
            }
            for sub in &known.folders {
                let sub = self.root.join(sub);
                scope.spawn(move |scope| self.folder(scope, sub));
            }
            return Ok(known
                .files
                .iter()
                .chain(&known.folders)
                .map(|rel| Entry { rel: rel.clone() })
                .collect());
        }
        changeable(dir)?;
        let mut found = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(at(dir))? {
            let entry = entry.map_err(at(dir))?;
            let path = entry.path();
            // The entry's own type, as the folder lists it: a link is a link.
            let kind = entry.file_type().map_err(at(&path))?;
            if !kind.is_dir() && !kind.is_file() {
                std::fs::remove_file(&path).map_err(at(&path))?;
                continue;
            }
            if kind.is_dir() {
                let sub = path.clone();
                scope.spawn(move |scope| self.folder(scope, sub));
            }
            let rel = site_path(self.root, &path)?;
            found.push(Entry { rel });
        }
        Ok(found)
    }
}

/// `path`'s place in the site under `dir`, with `/` between names.
pub(crate) fn site_path(dir: &Path, path: &Path) -> io::Result<String> {
    Ok(path
        .strip_prefix(dir)
        .map_err(io::Error::other)?
        .to_string_lossy()
        .replace('\\', "/"))
}

/// Whether this user may add and delete entries in the folder `dir`.
#[cfg(unix)]
fn changeable(dir: &Path) -> io::Result<()> {
    use rustix::fs::Access;
    rustix::fs::access(dir, Access::WRITE_OK | Access::EXEC_OK)
        .map_err(|e| at(dir)(io::Error::from(e)))
}

#[cfg(not(unix))]
fn changeable(dir: &Path) -> io::Result<()> {
    if std::fs::metadata(dir)
        .map_err(at(dir))?
        .permissions()
        .readonly()
    {
        return Err(at(dir)(io::Error::from(io::ErrorKind::PermissionDenied)));
    }
    Ok(())
}

fn walk_error(dir: &Path, e: walkdir::Error) -> io::Error {
    let path = e
        .path()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dir.to_path_buf());
    io::Error::new(
        e.io_error().map_or(io::ErrorKind::Other, io::Error::kind),
        format!("{}: {e}", path.display()),
    )
}

/// A static file to copy: its site path, and where it is.
type StaticFile = (String, PathBuf);

/// The portal's static files to copy, and a note for
/// each entry of `static/` that is not copied: only regular files are (a
/// link is never followed — it could publish `/etc/shadow` —, and a FIFO
/// or a device could block the build or never end), and a file the build
/// generates itself wins over a static file of the same path.
fn static_files(
    static_dir: &Path,
    generated: &HashSet<&str>,
) -> io::Result<(Vec<StaticFile>, Vec<Note>)> {
    let (mut out, mut notes) = (Vec::new(), Vec::new());
    if !static_dir.is_dir() {
        return Ok((out, notes));
    }
    for entry in walkdir::WalkDir::new(static_dir).sort_by_file_name() {
        let entry = entry.map_err(io::Error::other)?;
        let kind = entry.file_type();
        if kind.is_dir() {
            continue;
        }
        let rel = site_path(static_dir, entry.path())?;
        let passed_over = if !kind.is_file() {
            Some(not_a_regular_file(entry.path(), &kind))
        } else if generated.contains(rel.as_str()) {
            Some(generated_instead(&rel))
        } else {
            None
        };
        match passed_over {
            Some((message, hint)) => notes.push(Note {
                path: portal_path(static_dir, entry.path()),
                message,
                hint: Some(hint),
            }),
            None => out.push((rel, entry.into_path())),
        }
    }
    Ok((out, notes))
}

/// Why an entry of `static/` that is not a regular file is not copied, and
/// what to do about it.
fn not_a_regular_file(path: &Path, kind: &std::fs::FileType) -> (String, String) {
    if kind.is_symlink() {
        let to =
            std::fs::read_link(path).map_or_else(|e| e.to_string(), |p| p.display().to_string());
        return (
            format!(
                "this is a symbolic link (to {to}): not copied, since static files are copied \
                 only as regular files and a link is never followed"
            ),
            "put the file itself in static/ if the site should have it".into(),
        );
    }
    (
        format!(
            "this is a {}, not a regular file: not copied",
            crate::content::source::file_kind(kind)
        ),
        "remove it, or put an ordinary file in its place (reading a pipe or a device could \
         block the build or never end)"
            .into(),
    )
}

/// Why a static file the build also makes is not copied.
fn generated_instead(rel: &str) -> (String, String) {
    (
        format!("not copied: the build makes /{rel} itself, and its own file is published"),
        format!("rename or remove static/{rel}"),
    )
}

/// `path` as the editor knows it: from the portal folder (`static/…`).
fn portal_path(static_dir: &Path, path: &Path) -> PathBuf {
    static_dir
        .parent()
        .and_then(|root| path.strip_prefix(root).ok())
        .unwrap_or(path)
        .to_path_buf()
}

/// A static file's bytes, read as the walk found it: a regular file (a
/// link or a FIFO put in its place since is refused, never followed or
/// waited on). No size cap: these are the portal's own assets.
fn read_static(path: &Path) -> io::Result<Vec<u8>> {
    use crate::content::source::ReadError;
    crate::content::source::read_walked_file(path, u64::MAX / 2).map_err(|e| match e {
        ReadError::Io(e) => at(path)(e),
        other => at(path)(io::Error::other(other.to_string())),
    })
}

/// Deletes what the recycled site held, as [`make_safe`] found it, that is
/// neither a kept file nor one of their folders — without walking the site
/// again. Whatever the build changed in between it changed into a kept file
/// or folder (a file in the way of a folder, or the reverse, was replaced as
/// it was written), so only an entry's current kind is asked, and only of the
/// few entries deleted.
fn prune_found(
    dir: &Path,
    found: &[Entry],
    keep: &HashSet<&str>,
    folders: &HashSet<&str>,
) -> io::Result<()> {
    let kept = |rel: &str| keep.contains(rel) || folders.contains(rel);
    for entry in found {
        if kept(&entry.rel) {
            continue;
        }
        // Inside a folder that goes, which is deleted whole.
        if let Some((parent, _)) = entry.rel.rsplit_once('/')
            && !folders.contains(parent)
        {
            continue;
        }
        let path = dir.join(&entry.rel);
        let gone = match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(&path),
            Ok(_) => std::fs::remove_file(&path),
            Err(e) => Err(e),
        };
        match gone {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(at(&path)(e)),
            _ => {}
        }
    }
    Ok(())
}

/// Deletes everything under `dir` that is not a kept file or one of their
/// folders. Never follows a link: a link is an entry like any other.
fn prune(dir: &Path, keep: &HashSet<&str>, folders: &HashSet<&str>) -> io::Result<()> {
    let mut walk = walkdir::WalkDir::new(dir).min_depth(1).into_iter();
    while let Some(entry) = walk.next() {
        let entry = entry.map_err(|e| walk_error(dir, e))?;
        let rel = site_path(dir, entry.path())?;
        let kind = entry.file_type();
        if kind.is_dir() {
            if !folders.contains(rel.as_str()) {
                std::fs::remove_dir_all(entry.path()).map_err(at(entry.path()))?;
                walk.skip_current_dir();
            }
        } else if !(kind.is_file() && keep.contains(rel.as_str())) {
            std::fs::remove_file(entry.path()).map_err(at(entry.path()))?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn links(meta: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::nlink(meta)
}

#[cfg(not(unix))]
fn links(_: &std::fs::Metadata) -> u64 {
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    fn file(rel: &str, text: &str) -> (String, Vec<u8>) {
        (rel.into(), text.as_bytes().to_vec())
    }

    /// Recycles `dir` for exactly `files`, as a build does: made safe,
    /// written file by file, then completed.
    fn fill_with(dir: &Path, files: &[(String, Vec<u8>)]) -> io::Result<()> {
        let (found, _) = make_safe(dir, &Default::default())?;
        let stage = Stage {
            found: Some(found),
            ..stage_in(dir)
        };
        for (rel, bytes) in files {
            stage.write(rel, bytes)?;
        }
        match stage.complete(&recordless()) {
            Ok(_) => Ok(()),
            Err(Incomplete::Statics(e) | Incomplete::Write(e)) => Err(e),
        }
    }

    /// A layout whose records go nowhere: the tests using it are about the
    /// folder alone.
    fn recordless() -> Layout {
        Layout::new(
            PathBuf::from("/nonexistent/opora-test"),
            std::ffi::OsStr::new("site"),
        )
    }

    /// The layout whose site is `dir`.
    fn layout_of(dir: &Path) -> Layout {
        Layout::new(
            dir.parent().unwrap().to_path_buf(),
            dir.file_name().unwrap(),
        )
    }

    /// Site paths of what [`make_safe`] found, sorted.
    fn found_in(dir: &Path, tree: &super::super::tree::Tree) -> Vec<String> {
        let mut found: Vec<String> = make_safe(dir, tree)
            .unwrap()
            .0
            .into_iter()
            .map(|e| e.rel)
            .collect();
        found.sort();
        found
    }

    #[cfg(unix)]
    #[test]
    fn folders_still_as_stamped_are_taken_from_the_record_and_changed_ones_are_read() {
        use super::super::tree;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("site");
        let layout = layout_of(&dir);
        for i in 0..30 {
            let folder = dir.join(format!("r{}/s{i}", i % 4));
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::write(folder.join("index.html"), "страница").unwrap();
        }
        std::fs::write(dir.join("index.html"), "главная").unwrap();
        let walked = found_in(&dir, &Default::default());
        // Stamped as a build long finished would have: the same entries.
        tree::tests::stamp_as_if_later(&layout, &dir, std::time::Duration::from_secs(10));
        let stamped = tree::take(&layout, &dir).unwrap();
        assert_eq!(found_in(&dir, &stamped), walked);
        // Each folder but the site's own carries its stamp to the next record.
        let (_, carried) = make_safe(&dir, &stamped).unwrap();
        assert_eq!(carried.len(), 4 + 30);
        // A folder as stamped is not read: a name only the record holds is found.
        tree::tests::stamp_as_if_later(&layout, &dir, std::time::Duration::from_secs(10));
        let record = super::super::built::folder_record(&layout, &dir, "tree").unwrap();
        let text = std::fs::read_to_string(&record).unwrap();
        let count: usize = text.lines().last().unwrap()["end ".len()..]
            .parse()
            .unwrap();
        let text = text.replace(
            &format!("end {count}\n"),
            &format!("f r1/s5/ghost.html\nend {}\n", count + 1),
        );
        std::fs::write(&record, text).unwrap();
        let ghostly = tree::take(&layout, &dir).unwrap();
        assert!(found_in(&dir, &ghostly).contains(&"r1/s5/ghost.html".to_string()));
        // A link put into a stamped folder changes the folder: it is read,
        // and the link deleted.
        tree::tests::stamp_as_if_later(&layout, &dir, std::time::Duration::from_secs(10));
        let outside = tmp.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, dir.join("r2/s6/link")).unwrap();
        let stamped = tree::take(&layout, &dir).unwrap();
        assert_eq!(found_in(&dir, &stamped), walked);
        assert_eq!(names(&dir.join("r2/s6")), ["index.html"]);
    }

    fn stage_in(dir: &Path) -> Stage {
        Stage {
            dir: dir.to_path_buf(),
            static_dir: dir.join("no static files"),
            written: Mutex::default(),
            built: Built::default(),
            memos: Mutex::new(Memos::default()),
            piece_indexes: Mutex::default(),
            fingerprints: Mutex::default(),
            fresh: false,
            found: None,
            carried: Carried::default(),
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_fresh_folder_holds_exactly_what_was_written_and_records_each_page_as_it_is() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let stage = Stage {
            fresh: true,
            ..stage_in(dir)
        };
        stage.write("robots.txt", b"User-agent: *").unwrap();
        stage
            .write_page("a/b/index.html", b"<p>page</p>", 7)
            .unwrap();
        stage.write_page("a/index.html", b"<p>list</p>", 9).unwrap();
        stage
            .stream("open/data.json", &mut |w| w.write_all(b"[]"))
            .unwrap();
        let fingerprints = stage.fingerprints.lock().unwrap().clone();
        assert!(matches!(stage.complete(&recordless()), Ok(f) if f.static_files == 0));
        assert_eq!(names(dir), vec!["a", "open", "robots.txt"]);
        assert_eq!(
            std::fs::read(dir.join("a/b/index.html")).unwrap(),
            b"<p>page</p>"
        );
        // What the next build compares: the record made from the written
        // file's handle is the one its path gives — a page's with its
        // fingerprint, another file's with the hash of its bytes.
        assert_eq!(fingerprints.len(), 3);
        for (rel, record) in fingerprints {
            let meta = std::fs::symlink_metadata(dir.join(&rel)).unwrap();
            let fingerprint = match rel.as_str() {
                "a/index.html" => 9,
                "a/b/index.html" => 7,
                _ => xxhash_rust::xxh3::xxh3_128(b"User-agent: *"),
            };
            assert_eq!(Some(record), Record::of(fingerprint, &meta), "{rel}");
        }
    }

    /// The record `stage` would leave for the build that recycles its folder.
    fn record_of(stage: &Stage) -> Built {
        let fingerprints = stage.fingerprints.lock().unwrap().clone();
        Built::of(
            fingerprints
                .into_iter()
                .map(|(rel, r)| (rel, r, Vec::new())),
        )
    }

    #[cfg(unix)]
    #[test]
    fn a_written_file_is_kept_unread_only_while_it_holds_what_was_recorded() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let rel = "search/d-1.bin";
        let key = xxhash_rust::xxh3::xxh3_128(b"abc");
        let first = Stage {
            fresh: true,
            ..stage_in(dir)
        };
        first.write(rel, b"abc").unwrap();
        // Unchanged: the next build finds it as recorded, by the hash of its bytes.
        let built = verified(record_of(&first), dir);
        assert!(built.unchanged(rel, key).is_some());
        // Changed behind the build's back, keeping its size: not trusted,
        // and written again.
        std::fs::write(dir.join(rel), b"abd").unwrap();
        let second = Stage {
            built: verified(record_of(&first), dir),
            ..stage_in(dir)
        };
        assert!(second.built.unchanged(rel, key).is_none());
        second.write(rel, b"abc").unwrap();
        assert_eq!(std::fs::read(dir.join(rel)).unwrap(), b"abc");
        // Given a second name (as the native index shares search files): the
        // link changes the file's change time, so it is read once more,
        // found to hold the bytes, and recorded as it now is.
        let shared = dir.join("shared.bin");
        std::fs::hard_link(dir.join(rel), &shared).unwrap();
        let third = Stage {
            built: verified(record_of(&second), dir),
            ..stage_in(dir)
        };
        assert!(third.built.unchanged(rel, key).is_none());
        third.write(rel, b"abc").unwrap();
        let fourth = Stage {
            built: verified(record_of(&third), dir),
            ..stage_in(dir)
        };
        assert!(fourth.built.unchanged(rel, key).is_some());
        fourth.write(rel, b"abc").unwrap();
        // New bytes replace it; the other name keeps the old ones.
        fourth.write(rel, b"xyz!").unwrap();
        assert_eq!(std::fs::read(dir.join(rel)).unwrap(), b"xyz!");
        assert_eq!(std::fs::read(&shared).unwrap(), b"abc");
    }

    /// Writes `parts` at `rel` as keyed pieces (the file keyed by their
    /// keys), copying what it can; the record the next build would read of
    /// the stage, and how many pieces were copied (`None`: the file was kept
    /// whole, nothing made or copied).
    fn write_pieces(stage: &Stage, rel: &str, parts: &[(u128, &str)]) -> (Built, Option<usize>) {
        let mut copied = None;
        let key = parts.iter().fold(0u128, |k, (p, _)| k.rotate_left(7) ^ p) + 100;
        stage
            .pieces(rel, key, &mut |p| {
                let copied = copied.insert(0);
                for (key, text) in parts {
                    if p.copy(*key)? {
                        *copied += 1;
                    } else {
                        p.piece(*key, text.as_bytes(), 0)?;
                    }
                }
                Ok(())
            })
            .unwrap();
        let indexes = stage.piece_indexes.lock().unwrap().clone();
        let record = stage
            .fingerprints
            .lock()
            .unwrap()
            .iter()
            .map(|(rel, r)| (rel.clone(), *r, indexes[rel].clone()))
            .collect::<Vec<_>>();
        (Built::of(record), copied)
    }

    #[cfg(unix)]
    #[test]
    fn a_file_of_pieces_copies_from_the_recycled_one_only_while_it_is_as_its_build_left_it() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let rel = "open/list.json";
        let first = Stage {
            fresh: true,
            ..stage_in(dir)
        };
        let (built, copied) = write_pieces(&first, rel, &[(1, "один,"), (2, "два,"), (3, "три")]);
        assert_eq!(copied, Some(0));
        // The next build: one piece changed, two copied, the bytes as made.
        let second = Stage {
            built: verified(built, dir),
            ..stage_in(dir)
        };
        let (built, copied) = write_pieces(&second, rel, &[(1, "один,"), (4, "ДВА,"), (3, "три")]);
        assert_eq!(copied, Some(2));
        assert_eq!(
            std::fs::read_to_string(dir.join(rel)).unwrap(),
            "один,ДВА,три"
        );
        // Changed behind the build's back (same size): nothing is copied.
        let text = std::fs::read_to_string(dir.join(rel)).unwrap();
        std::fs::write(dir.join(rel), text.replace("три", "ТРИ")).unwrap();
        let third = Stage {
            built: verified(built, dir),
            ..stage_in(dir)
        };
        let (built, copied) = write_pieces(&third, rel, &[(1, "один,"), (4, "ДВА,"), (3, "три")]);
        assert_eq!(copied, Some(0));
        assert_eq!(
            std::fs::read_to_string(dir.join(rel)).unwrap(),
            "один,ДВА,три"
        );
        // The same pieces again: the file is kept as it is, not even copied,
        // and keeps where its pieces lie for the build after.
        let inode =
            |dir: &Path| std::os::unix::fs::MetadataExt::ino(&dir.join(rel).metadata().unwrap());
        let before = inode(dir);
        let fourth = Stage {
            built: verified(built, dir),
            ..stage_in(dir)
        };
        let (built, copied) = write_pieces(&fourth, rel, &[(1, "один,"), (4, "ДВА,"), (3, "три")]);
        assert_eq!(copied, None);
        assert_eq!(inode(dir), before);
        let fifth = Stage {
            built: verified(built, dir),
            ..stage_in(dir)
        };
        let (_, copied) = write_pieces(&fifth, rel, &[(1, "один,"), (5, "два,"), (3, "три")]);
        assert_eq!(copied, Some(2));
        assert_eq!(
            std::fs::read_to_string(dir.join(rel)).unwrap(),
            "один,два,три"
        );
    }

    /// `built` as a build opening `dir` finds it.
    fn verified(mut built: Built, dir: &Path) -> Built {
        built.verify(dir);
        built
    }

    /// Every file under `dir`, as site paths, sorted.
    fn tree(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = walkdir::WalkDir::new(dir)
            .min_depth(1)
            .into_iter()
            .map(|e| site_path(dir, e.unwrap().path()).unwrap())
            .collect();
        v.sort();
        v
    }

    /// A recycled site with stale files and folders at every depth, and files
    /// and folders that trade places, is pruned to the same tree whether the
    /// prune uses what `make_safe` found or walks the site again.
    #[test]
    fn pruning_what_was_found_leaves_what_a_second_walk_leaves() {
        let tmp = tempfile::tempdir().unwrap();
        let mut trees = Vec::new();
        for use_found in [true, false] {
            let dir = tmp.path().join(format!("site-{use_found}"));
            for i in 0..30 {
                let folder = dir.join(format!("s{}/p{i}", i % 4));
                std::fs::create_dir_all(folder.join("old/deeper")).unwrap();
                std::fs::write(folder.join("index.html"), "page").unwrap();
                std::fs::write(folder.join("old/deeper/x.html"), "stale").unwrap();
            }
            std::fs::write(dir.join("was-a-file"), "now a folder").unwrap();
            std::fs::create_dir_all(dir.join("was-a-folder/inner")).unwrap();
            let (found, _) = make_safe(&dir, &Default::default()).unwrap();
            assert_eq!(found.len(), tree(&dir).len());
            let stage = Stage {
                found: use_found.then_some(found),
                ..stage_in(&dir)
            };
            for i in (0..30).step_by(3) {
                stage
                    .write(&format!("s{}/p{i}/index.html", i % 4), b"new")
                    .unwrap();
            }
            stage.write("s2/p6/old/kept.html", b"kept").unwrap();
            stage.write("was-a-file/index.html", b"page").unwrap();
            stage.write("was-a-folder", b"file").unwrap();
            assert!(stage.complete(&recordless()).is_ok());
            trees.push(tree(&dir));
        }
        assert_eq!(trees[0], trees[1]);
        assert!(trees[0].contains(&"s2/p6/old/kept.html".to_string()));
        assert!(
            !trees[0]
                .iter()
                .any(|p| p.ends_with("/x.html") || p.ends_with("/deeper"))
        );
        let files: Vec<&String> = trees[0]
            .iter()
            .filter(|p| p.ends_with(".html") || p.starts_with("was-a-folder"))
            .collect();
        assert_eq!(files.len(), 10 + 3, "{files:?}");
    }

    #[test]
    fn filling_keeps_only_the_new_site_and_resolves_file_folder_clashes() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::create_dir_all(dir.join("gone/deep")).unwrap();
        std::fs::write(dir.join("gone/deep/x.html"), "stale").unwrap();
        std::fs::write(dir.join("a"), "a file where a folder goes").unwrap();
        std::fs::create_dir_all(dir.join("b/index.html")).unwrap();
        std::fs::write(dir.join("same.txt"), "same").unwrap();
        fill_with(
            dir,
            &[
                file("a/index.html", "page"),
                file("b/index.html", "file where a folder was"),
                file("same.txt", "same"),
            ],
        )
        .unwrap();
        assert_eq!(names(dir), vec!["a", "b", "same.txt"]);
        assert_eq!(
            std::fs::read_to_string(dir.join("a/index.html")).unwrap(),
            "page"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("b/index.html")).unwrap(),
            "file where a folder was"
        );
    }

    #[cfg(unix)]
    #[test]
    fn links_and_hard_links_in_a_recycled_site_are_never_written_through() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("site");
        let outside = tmp.path().join("outside");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::create_dir_all(outside.join("sub")).unwrap();
        std::fs::write(outside.join("page.html"), "editor's file").unwrap();
        std::fs::write(outside.join("sub/keep.txt"), "editor's file").unwrap();
        std::os::unix::fs::symlink(outside.join("page.html"), dir.join("page.html")).unwrap();
        std::os::unix::fs::symlink(outside.join("sub"), dir.join("sub")).unwrap();
        std::fs::hard_link(outside.join("page.html"), dir.join("hard.html")).unwrap();
        fill_with(
            &dir,
            &[
                file("page.html", "new"),
                file("sub/index.html", "new"),
                file("hard.html", "new"),
            ],
        )
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(outside.join("page.html")).unwrap(),
            "editor's file"
        );
        assert_eq!(names(&outside.join("sub")), vec!["keep.txt"]);
        assert!(
            !std::fs::symlink_metadata(dir.join("sub"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("hard.html")).unwrap(),
            "new"
        );
    }

    /// The folders are read by many threads at once: each one, however deep,
    /// must still be reached.
    #[cfg(unix)]
    #[test]
    fn every_link_and_fifo_of_a_deep_wide_recycled_site_is_deleted_and_nothing_else() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("site");
        let outside = tmp.path().join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        let mut folders = Vec::new();
        for i in 0..40 {
            let mut folder = dir.join(format!("r{i}"));
            for depth in 0..(i % 7) {
                folder.push(format!("d{depth}"));
            }
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::write(folder.join("index.html"), "page").unwrap();
            std::os::unix::fs::symlink(&outside, folder.join("link")).unwrap();
            rustix::fs::mknodat(
                rustix::fs::CWD,
                folder.join("fifo"),
                rustix::fs::FileType::Fifo,
                rustix::fs::Mode::from_raw_mode(0o644),
                0,
            )
            .unwrap();
            folders.push(folder);
        }
        make_safe(&dir, &Default::default()).unwrap();
        for folder in &folders {
            assert_eq!(
                names(folder).last().map(String::as_str),
                Some("index.html"),
                "{}",
                folder.display()
            );
            assert!(
                names(folder)
                    .iter()
                    .all(|n| n == "index.html" || n.starts_with('d'))
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_streamed_file_replaces_a_stale_folder_and_never_writes_through_a_hard_link() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("site");
        std::fs::create_dir_all(dir.join("data.json/old")).unwrap();
        std::fs::write(tmp.path().join("editor.zip"), "editor's file").unwrap();
        std::fs::hard_link(tmp.path().join("editor.zip"), dir.join("pack.zip")).unwrap();
        make_safe(&dir, &Default::default()).unwrap();
        let stage = stage_in(&dir);
        for (rel, text) in [("data.json", "[1,2]"), ("pack.zip", "zip")] {
            let len = stage
                .stream(rel, &mut |w| w.write_all(text.as_bytes()))
                .unwrap();
            assert_eq!(len, text.len() as u64);
        }
        assert!(stage.complete(&recordless()).is_ok());
        assert_eq!(
            std::fs::read_to_string(dir.join("data.json")).unwrap(),
            "[1,2]"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("pack.zip")).unwrap(),
            "zip"
        );
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("editor.zip")).unwrap(),
            "editor's file"
        );
    }

    #[test]
    fn pages_written_at_once_replace_a_stale_file_in_the_way_of_their_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::write(dir.join("services"), "a file where the folder goes").unwrap();
        std::fs::create_dir_all(dir.join("stale/deep")).unwrap();
        std::fs::write(dir.join("stale/deep/index.html"), "stale").unwrap();
        let stage = stage_in(dir);
        let files: Vec<(String, String)> = (0..64)
            .map(|i| (format!("services/s{i}/index.html"), format!("page {i}")))
            .collect();
        files
            .par_iter()
            .try_for_each(|(rel, text)| stage.write(rel, text.as_bytes()))
            .unwrap();
        assert!(stage.complete(&recordless()).is_ok());
        assert_eq!(names(dir), vec!["services"]);
        assert_eq!(names(&dir.join("services")).len(), 64);
        assert_eq!(
            std::fs::read_to_string(dir.join("services/s7/index.html")).unwrap(),
            "page 7"
        );
    }
}
