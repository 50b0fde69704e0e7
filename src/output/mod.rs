//! Writing the site: safely, atomically, and cheaply.
//!
//! A build *claims* its output folder ([`Output::claim`]) and later *publishes*
//! the rendered files into it ([`Output::publish`]). Between the two, nothing
//! beside the output changes except the search index being built.
//!
//! - **Where** ([`guard`]): an output that is, contains or lies inside the
//!   portal or one of its sources, or an existing folder opora did not make, is
//!   refused before anything is touched — publishing replaces the output folder
//!   as a whole.
//! - **One build at a time** ([`lock`]): an advisory lock on `.<name>.lock`
//!   beside the output; a second build waits for the first.
//! - **Atomic** ([`swap`]): the site is written into `.<name>.staging` and
//!   exchanged with the output in one step (`renameat2(RENAME_EXCHANGE)` on
//!   Linux, `renameatx_np(RENAME_SWAP)` on macOS). Readers see the old site or
//!   the new one, never none and never a mix.
//! - **Cheap** ([`staging`]): the output is double-buffered. The previous site
//!   is kept as `.<name>.old`; the next build recycles it as its staging folder
//!   and writes only the files whose bytes differ (large exports streamed as
//!   they are made are always rewritten). On a small VM, creating and deleting
//!   thousands of files is what a large build spends most of its time on.
//! - **Streamed** ([`staging`], [`sink`]): files are written as they are made,
//!   without a list of them beforehand; what an earlier site left beyond them
//!   is deleted once all are written, before anything is published.
//! - **Search** ([`index`]): the native search index of each published site is
//!   `.<name>.index-<key>`, keyed by the search manifest the site itself names,
//!   so the one exchange that publishes a site also publishes its index.
//!
//! Nothing here follows a symbolic link it finds at one of these names: a link
//! is removed (never what it points to), and anything else that cannot be used
//! is moved aside as `.<name>.unusable-N` and named in a warning.

mod built;
mod guard;
mod index;
mod lock;
pub mod pieces;
pub(crate) mod side;
pub mod sink;
mod staging;
pub(crate) use staging::site_path;
mod swap;
pub(crate) mod tree;

use std::ffi::OsStr;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

pub use built::Memos;
pub use guard::PORTAL_SOURCES;
pub(crate) use guard::not_a_folder_on_the_way;
pub use index::live_index;
pub use sink::Sink;

/// A file of the site: path relative to the site root, and its bytes.
pub type OutputFile = (String, Vec<u8>);

/// Why the output cannot be used; names the real path.
#[derive(Debug, Clone)]
pub struct OutputError {
    pub path: PathBuf,
    pub message: String,
    pub hint: String,
}

impl OutputError {
    fn new(path: &Path, message: impl Into<String>, hint: impl Into<String>) -> Self {
        OutputError {
            path: path.to_path_buf(),
            message: message.into(),
            hint: hint.into(),
        }
    }
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}); {}",
            self.message,
            self.path.display(),
            self.hint
        )
    }
}

/// Something the build repaired or worked around beside the output, which the
/// editor should know about (a removed link, a folder moved aside).
#[derive(Debug, Clone)]
pub struct Note {
    pub path: PathBuf,
    pub message: String,
    pub hint: Option<String>,
}

/// A site being written into the staging folder (see [`Output::stage`]).
pub struct Staging {
    stage: staging::Stage,
}

impl Staging {
    /// Writes one generated file, unless it already holds these bytes.
    /// Safe to call from many threads at once.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        self.stage.write(rel, bytes)
    }

    /// Keeps the page at `rel` as the recycled site has it, if it was
    /// rendered from the same `fingerprint` and its file is untouched
    /// since, and says the file's size and the memo noted with the page
    /// ([`Staging::note_memos`]). Otherwise (`None`) the page must be
    /// rendered and written with [`Staging::write_page`].
    pub fn reuse(&self, rel: &str, fingerprint: u128) -> Option<(u64, &[u8])> {
        self.stage.reuse(rel, fingerprint)
    }

    /// The site-wide memo noted with the recycled site's pages (empty when
    /// there is none).
    pub fn site_memo(&self) -> &[u8] {
        self.stage.site_memo()
    }

    /// Notes what the build learned of its pages besides their fingerprints
    /// (their links), kept with them for the next build: one memo for the
    /// site and one per page, opaque to the output.
    pub fn note_memos(&self, memos: Memos) {
        self.stage.note_memos(memos)
    }

    /// Writes a page and remembers the fingerprint it was rendered from.
    pub fn write_page(&self, rel: &str, bytes: &[u8], fingerprint: u128) -> io::Result<()> {
        self.stage.write_page(rel, bytes, fingerprint)
    }

    /// The bytes of a file this build kept or wrote.
    pub fn read(&self, rel: &str) -> io::Result<Vec<u8>> {
        self.stage.read(rel)
    }

    /// Gives the file this build wrote at `rel` a second name, `to`,
    /// outside the site (a hard link: no bytes are copied). Safe because no
    /// file with other names is ever written in place: a later build that
    /// recycles this folder replaces such a file rather than changing it.
    pub fn link(&self, rel: &str, to: &Path) -> io::Result<()> {
        self.stage.link(rel, to)
    }

    /// Writes one generated file as `fill` makes it; returns its size.
    pub fn stream(&self, rel: &str, fill: sink::Fill<'_>) -> io::Result<u64> {
        self.stage.stream(rel, fill)
    }

    /// Writes a file made from what `key` sums up; returns its size.
    pub fn stream_keyed(&self, rel: &str, key: u128, fill: sink::Fill<'_>) -> io::Result<u64> {
        self.stage.stream_keyed(rel, key, fill)
    }

    /// Keeps the recycled site's file at `rel` if it was made from `key`
    /// and is as that build left it; returns its size. `None`: it must be made.
    pub fn keep(&self, rel: &str, key: u128) -> Option<u64> {
        self.stage.reuse(rel, key).map(|(size, _)| size)
    }

    /// Keeps the recycled site's file at `rel` if it was made from `key`
    /// and is as that build left it; else writes a file made of keyed
    /// pieces (see [`pieces`]), copying those the recycled site's file
    /// holds. Returns its size.
    pub fn pieces(&self, rel: &str, key: u128, fill: sink::PieceFill<'_>) -> io::Result<u64> {
        self.stage.pieces(rel, key, fill)
    }
}

/// A staging folder holding exactly the site, ready to publish
/// (see [`Output::finish`]).
pub struct Staged {
    finished: staging::Finished,
}

impl Staged {
    /// What completing the site passed over (entries of `static/` not
    /// copied), known before it is published.
    pub fn notes(&self) -> &[Note] {
        &self.finished.notes
    }
}

/// What publishing did.
#[derive(Debug, Default)]
pub struct Published {
    /// Files copied from the portal's `static/`.
    pub static_files: usize,
    pub notes: Vec<Note>,
}

/// The output folder and the working folders kept beside it. All live in the
/// output's parent, so every rename stays on one file system.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    /// The parent folder, with every symbolic link on the way resolved.
    parent: PathBuf,
    name: String,
}

impl Layout {
    fn new(parent: PathBuf, name: &OsStr) -> Layout {
        Layout {
            parent,
            name: name.to_string_lossy().into_owned(),
        }
    }

    /// The published site.
    pub fn target(&self) -> PathBuf {
        self.parent.join(&self.name)
    }

    fn sibling(&self, suffix: &str) -> PathBuf {
        self.parent.join(format!(".{}.{suffix}", self.name))
    }

    /// Where the next site is written.
    fn staging(&self) -> PathBuf {
        self.sibling("staging")
    }

    /// The previous site, recycled as the next build's staging folder.
    fn spare(&self) -> PathBuf {
        self.sibling("old")
    }

    fn lock(&self) -> PathBuf {
        self.sibling("lock")
    }

    /// What the last build's validation found, record by record
    /// (`crate::validate::Memo`).
    fn checks(&self) -> PathBuf {
        self.sibling("checks")
    }

    /// What loading made of each record file (`crate::content::record_store`).
    fn records(&self) -> PathBuf {
        self.sibling("records")
    }

    /// The search index's postings, document by document (`crate::search::memo`).
    fn search_postings(&self) -> PathBuf {
        self.sibling("search-postings")
    }

    /// The records newer than those at [`Layout::records`], laid over them.
    fn newer_records(&self) -> PathBuf {
        self.sibling("newer-records")
    }

    /// Present only while the portable (two-rename) swap is under way.
    fn swap_marker(&self) -> PathBuf {
        self.sibling("swap")
    }

    /// Where this build writes its native search index.
    fn new_index(&self) -> PathBuf {
        self.sibling("index.new")
    }

    /// The native search index of the site whose search manifest has `key`.
    fn index_generation(&self, key: &str) -> PathBuf {
        self.sibling(&format!("index-{key}"))
    }

    /// The files of the native indexes, shared by them all (each index's
    /// `search` links here): named by their content, so each build adds only
    /// what changed ([`crate::search::index::save_export`]).
    fn search_files(&self) -> PathBuf {
        self.sibling("search-files")
    }

    fn index_generation_prefix(&self) -> String {
        format!(".{}.index-", self.name)
    }

    /// The single index folder of opora versions before index generations.
    fn legacy_index(&self) -> PathBuf {
        self.sibling("index")
    }

    /// A free name to move an unusable folder to.
    fn unusable(&self) -> PathBuf {
        (1..)
            .map(|n| self.sibling(&format!("unusable-{n}")))
            .find(|p| std::fs::symlink_metadata(p).is_err())
            .unwrap_or_else(|| self.sibling("unusable"))
    }
}

/// Where a site built into `requested` would go, if it may be built there (see
/// [`guard`]). Only reads: for a command that must refuse an unsafe output before
/// it does anything else, such as `opora serve` before it listens.
pub fn check(root: &Path, requested: &Path) -> Result<PathBuf, OutputError> {
    guard::place(root, requested).map(|layout| layout.target())
}

/// An output folder claimed by this build: checked, locked, and recovered from
/// any interrupted swap. Dropping it releases the lock.
pub struct Output {
    layout: Layout,
    lock: lock::BuildLock,
    notes: Vec<Note>,
    /// The shared search files were cleared before the swap
    /// ([`SearchFilesPruner`]), so publishing need not look again.
    search_files_pruned: bool,
}

/// Clears the native indexes' shared search files of what neither the site
/// being built nor the live one names, once the new search export is saved
/// ([`index::prune_files_for`]); made by [`Output::search_files_pruner`] for
/// the thread that saves the export, and handed back with
/// [`Output::search_files_pruned`].
pub struct SearchFilesPruner {
    layout: Layout,
}

/// What [`SearchFilesPruner::prune`] could not delete.
pub struct PrunedSearchFiles {
    notes: Vec<Note>,
}

impl SearchFilesPruner {
    /// `new`: the site paths of the new site's search export.
    pub fn prune<'a>(&self, new: impl IntoIterator<Item = &'a str>) -> PrunedSearchFiles {
        let mut notes = Vec::new();
        index::prune_files_for(&self.layout, new, &mut notes);
        PrunedSearchFiles { notes }
    }
}

impl Output {
    /// Checks that `requested` may be built into (see [`guard`]), waits for any
    /// other build of it to finish, and completes a swap a killed build left
    /// half done. Refusals happen before anything is created.
    pub fn claim(root: &Path, requested: &Path) -> Result<Output, OutputError> {
        let layout = guard::place(root, requested)?;
        std::fs::create_dir_all(&layout.parent).map_err(|e| {
            OutputError::new(
                &layout.parent,
                format!("cannot create the output's folder: {e}"),
                "check the permissions of the folders on the way",
            )
        })?;
        let mut notes = Vec::new();
        let mut lock = lock::BuildLock::take(&layout, &mut notes)?;
        // From here on the output's name belongs to opora, even if this build
        // is killed before it publishes anything.
        lock.stamp();
        checkpoint("claimed");
        swap::recover(&layout).map_err(|e| {
            OutputError::new(
                &layout.target(),
                format!("cannot complete the swap an earlier build left half done: {e}"),
                format!(
                    "the finished site is in {}; move it to {} by hand",
                    layout.staging().display(),
                    layout.target().display()
                ),
            )
        })?;
        Ok(Output {
            layout,
            lock,
            notes,
            search_files_pruned: false,
        })
    }

    /// What the last build's validation found, record by record, as it
    /// kept it ([`Output::keep_checks`]); `None` when there is nothing usable.
    pub fn recall_checks(&self) -> Option<Vec<u8>> {
        // Far beyond any portal's findings (~60 bytes a record): a larger
        // file is not one a build wrote.
        side::read(&self.layout.checks(), 1 << 30)
    }

    /// Keeps what this build's validation found for the next build. Only a
    /// shortcut: a memo that cannot be written is simply not there next time.
    pub fn keep_checks(&self, memo: &[u8]) {
        let path = self.layout.checks();
        if side::replace(&path, false, |w| io::Write::write_all(w, memo)).is_err() {
            let _ = std::fs::remove_file(&path);
        }
    }

    /// The parsed-record store the last build kept, to be read back with
    /// the glossary (`crate::content::record_store`), and where to keep the
    /// next one.
    pub fn records(&self) -> crate::content::record_store::StoreFile {
        crate::content::record_store::StoreFile::new(
            self.layout.records(),
            self.layout.newer_records(),
        )
    }

    /// Where the last build kept its search index's postings, and where
    /// this one keeps its own (`crate::search::memo`).
    pub fn search_postings(&self) -> PathBuf {
        self.layout.search_postings()
    }

    /// An empty folder (or an earlier index, which is replaced) for this
    /// build's native search index. Publishing makes it the live index.
    pub fn new_index_dir(&mut self) -> Result<PathBuf, OutputError> {
        let dir = self.layout.new_index();
        clear(&self.layout, &dir, &mut self.notes)?;
        Ok(dir)
    }

    /// The folder the native indexes' files are shared in (see
    /// [`Layout::search_files`]), if it is one or can be made. Its files are
    /// trusted by their names, so it (and its `search` folder) must be a
    /// plain folder of this user's that no one else may write to: a link in
    /// its place is removed, never followed, and any other folder (another
    /// user's, say one left by `sudo opora build`) is moved aside, as the
    /// recycled site is.
    pub fn search_files_dir(&mut self) -> Option<PathBuf> {
        let dir = self.layout.search_files();
        let search = dir.join("search");
        let usable = |path: &Path| {
            std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir() && side::owned_alone(&m))
        };
        match found(&dir).ok()? {
            Found::Nothing => {}
            Found::Folder
                if usable(&dir) && (found(&search).ok()? == Found::Nothing || usable(&search)) => {}
            Found::Folder => {
                let problem = format!(
                    "cannot add search files to {}: it is not a folder of this user's alone (another user's, or others may write to it)",
                    dir.display()
                );
                set_aside(&self.layout, &dir, &problem, &mut self.notes).ok()?;
            }
            _ => clear(&self.layout, &dir, &mut self.notes).ok()?,
        }
        Some(dir)
    }

    /// What clears the shared search files once this build's search export
    /// is saved in them (see [`SearchFilesPruner`]).
    pub fn search_files_pruner(&self) -> SearchFilesPruner {
        SearchFilesPruner {
            layout: self.layout.clone(),
        }
    }

    /// The shared search files were cleared for the new site: publishing
    /// reports what could not be deleted, and does not look again.
    pub fn search_files_pruned(&mut self, pruned: PrunedSearchFiles) {
        self.notes.extend(pruned.notes);
        self.search_files_pruned = true;
    }

    /// Writes the site (the portal's static files and `files`) and swaps it in
    /// as the output in one step, with its search index.
    pub fn publish(
        mut self,
        static_dir: &Path,
        files: &[OutputFile],
    ) -> Result<Published, OutputError> {
        let staging = self.stage(static_dir)?;
        for (rel, bytes) in files {
            if let Err(e) = staging.write(rel, bytes) {
                return Err(self.abandon(staging, &e));
            }
        }
        let staged = self.finish(staging)?;
        self.publish_staged(staged)
    }

    /// Starts a site of generated files plus the portal's static files: the
    /// staging folder is made ready, the generated files are then written one
    /// at a time as they are made ([`Staging::write`], [`Staging::stream`]) —
    /// nobody needs to know them all beforehand — and [`Output::finish`]
    /// completes the site before [`Output::publish_staged`] swaps it in.
    pub fn stage(&mut self, static_dir: &Path) -> Result<Staging, OutputError> {
        let stage = staging::open(&self.layout, static_dir, &mut self.notes)?;
        // The search indexes of sites that are not live (the recycled one's,
        // typically: thousands of hard links) are deleted now, on the thread
        // that readies the folder beside the loading of the content, not at
        // the end of the build, when only one core has work.
        let live = index::live_key(&self.layout.target());
        index::prune(
            &self.layout,
            &live.as_deref().into_iter().collect::<Vec<_>>(),
            &mut self.notes,
        );
        Ok(Staging { stage })
    }

    /// A file could not be written: the half-written site is kept for the
    /// next build to recycle, and the error says where.
    pub fn abandon(&self, staging: Staging, e: &io::Error) -> OutputError {
        staging.stage.fail(&self.layout, e)
    }

    /// The content failed (a template error while rendering): the site will
    /// not be published, and its staging folder is set aside like an
    /// abandoned one, for the next build to recycle.
    pub fn discard(&self, staging: Staging) {
        staging.stage.set_aside(&self.layout);
    }

    /// Completes the staged site once every generated file is written: the
    /// static files are copied and whatever an earlier site left in the
    /// recycled folder beyond the files written is deleted.
    pub fn finish(&self, staging: Staging) -> Result<Staged, OutputError> {
        let finished = staging.stage.finish(&self.layout)?;
        Ok(Staged { finished })
    }

    /// Leaves a completed site unpublished (`check --strict` refused what
    /// completing it found): it stays at the staging name with its record,
    /// for the next build to recycle, as a build that stopped leaves it.
    pub fn withhold(self, staged: Staged) {
        drop(staged);
        drop(self);
    }

    /// Swaps the staged site in as the output in one step, with its search index.
    pub fn publish_staged(mut self, staged: Staged) -> Result<Published, OutputError> {
        let layout = self.layout.clone();
        let key = index::promote(
            &layout,
            staged.finished.search.iter().map(String::as_str),
            &mut self.notes,
        )?;
        checkpoint("staged");
        let previous_key = index::live_key(&layout.target());
        let swapped = swap::swap_in(&layout).map_err(|e| {
            OutputError::new(
                &layout.target(),
                format!("cannot swap in the new site: {e}"),
                "the previous site is still in place; check the folder's permissions",
            )
        })?;
        if swapped == swap::Swapped::Exchanged {
            // The previous site is now at the staging name; keep it as the spare.
            if let Err(e) = std::fs::rename(layout.staging(), layout.spare()) {
                self.notes.push(Note {
                    path: layout.staging(),
                    message: format!("cannot keep the previous site as the spare: {e}"),
                    hint: None,
                });
            }
            checkpoint("spared");
        }
        let keep: Vec<&str> = key
            .iter()
            .chain(&previous_key)
            .map(String::as_str)
            .collect();
        index::prune(&layout, &keep, &mut self.notes);
        if !self.search_files_pruned {
            index::prune_files(&layout, &mut self.notes);
        }
        built::prune(&layout);
        tree::prune(&layout);
        checkpoint("published");
        drop(self.lock);
        let mut notes = staged.finished.notes;
        notes.append(&mut self.notes);
        Ok(Published {
            static_files: staged.finished.static_files,
            notes,
        })
    }

    /// Notes gathered while claiming, for a build that stops before publishing.
    pub fn notes(&self) -> &[Note] {
        &self.notes
    }
}

/// What sits at one of opora's working names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    Nothing,
    Folder,
    Link,
    /// A file, FIFO, socket or device: nothing opora makes.
    Other,
}

fn found(path: &Path) -> io::Result<Found> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Ok(Found::Link),
        Ok(m) if m.is_dir() => Ok(Found::Folder),
        Ok(_) => Ok(Found::Other),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Found::Nothing),
        Err(e) => Err(e),
    }
}

/// Frees one of opora's working names. A symbolic link is removed, never
/// followed; a folder is deleted; anything that cannot be deleted, and anything
/// that is not a folder, is moved aside and named in a note.
fn clear(layout: &Layout, path: &Path, notes: &mut Vec<Note>) -> Result<(), OutputError> {
    let kind = found(path).map_err(|e| cannot_use(path, &e))?;
    match kind {
        Found::Nothing => Ok(()),
        Found::Link => remove_link(path, notes),
        Found::Folder => match std::fs::remove_dir_all(path) {
            Ok(()) => Ok(()),
            Err(e) => set_aside(
                layout,
                path,
                &format!("cannot delete {}: {e}", path.display()),
                notes,
            ),
        },
        Found::Other => set_aside(
            layout,
            path,
            &format!("{} is not a folder opora made", path.display()),
            notes,
        ),
    }
}

fn remove_link(path: &Path, notes: &mut Vec<Note>) -> Result<(), OutputError> {
    let points_to = std::fs::read_link(path)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "?".into());
    std::fs::remove_file(path).map_err(|e| cannot_use(path, &e))?;
    notes.push(Note {
        path: path.to_path_buf(),
        message: format!(
            "removed the symbolic link {} (to {points_to}); opora never writes through links beside the output, and what it pointed to was not touched",
            path.display()
        ),
        hint: None,
    });
    Ok(())
}

/// Moves `path` out of the way to `.<name>.unusable-N`, so the build can go on
/// with a fresh folder instead of failing on it every time. `problem` says
/// what is wrong with it, naming its real path.
fn set_aside(
    layout: &Layout,
    path: &Path,
    problem: &str,
    notes: &mut Vec<Note>,
) -> Result<(), OutputError> {
    let aside = layout.unusable();
    std::fs::rename(path, &aside).map_err(|e| {
        OutputError::new(
            path,
            format!(
                "{problem}; and it cannot be moved aside to {}: {e}",
                aside.display()
            ),
            format!(
                "remove it; if it belongs to another user (for example root): sudo rm -rf '{}'",
                path.display()
            ),
        )
    })?;
    notes.push(Note {
        path: aside.clone(),
        message: format!(
            "{problem}; moved it to {} and built into a fresh folder",
            aside.display()
        ),
        hint: Some(format!(
            "delete {} when you can; if it belongs to another user (for example root): sudo rm -rf '{}'",
            aside.display(),
            aside.display()
        )),
    });
    Ok(())
}

fn cannot_use(path: &Path, e: &io::Error) -> OutputError {
    OutputError::new(
        path,
        format!("cannot use {}: {e}", path.display()),
        "check the permissions of the output's folder",
    )
}

/// Adds the path to an I/O error, so a message says which file failed.
fn at(path: &Path) -> impl FnOnce(io::Error) -> io::Error + '_ {
    move |e| io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// Test hook: with `OPORA_TEST_KILL_AT=<step>` the process kills itself at that
/// step of claiming or publishing, exactly as `kill -9` would, so the tests can
/// prove that no step leaves the output without a site or a search index.
/// Steps: `claimed`, `index-ready`, `staged`, `swapped`, `spared`, `published`,
/// and for the portable swap `portable-marked`, `portable-moved-out`.
fn checkpoint(step: &str) {
    if std::env::var_os("OPORA_TEST_KILL_AT").is_some_and(|v| v == step) {
        #[cfg(unix)]
        let _ =
            rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::KILL);
        std::process::abort();
    }
}

/// FNV-1a: a small stable hash for cache-busting asset URLs.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_more(FNV1A_START, bytes)
}

/// FNV-1a's starting state: `fnv1a_more(FNV1A_START, a ++ b)` equals
/// `fnv1a_more(fnv1a_more(FNV1A_START, a), b)`, so a hash of many pieces
/// needs no copy of them joined.
pub const FNV1A_START: u64 = 0xcbf2_9ce4_8422_2325;

/// Continues an FNV-1a hash `h` over `bytes`.
pub fn fnv1a_more(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_in_pieces_is_fnv1a_of_them_joined() {
        let (a, b) = ("поиск".as_bytes(), b"-shard.bin");
        let joined = [a, b].concat();
        assert_eq!(fnv1a_more(fnv1a_more(FNV1A_START, a), b), fnv1a(&joined));
        // The published FNV-1a test vector: names stay what they were.
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_ne!(fnv1a_more(fnv1a(a), b), fnv1a_more(fnv1a(b), a));
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    fn publish(root: &Path, files: &[(&str, &str)]) -> Published {
        let files: Vec<OutputFile> = files
            .iter()
            .map(|(rel, text)| (rel.to_string(), text.as_bytes().to_vec()))
            .collect();
        let output = Output::claim(root, &root.join("public")).unwrap();
        output.publish(&root.join("static"), &files).unwrap()
    }

    #[test]
    fn each_build_recycles_the_previous_but_one_site_and_keeps_the_last_as_spare() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("static")).unwrap();
        std::fs::write(root.join("static/style.css"), "css").unwrap();

        publish(&root, &[("a/index.html", "one")]);
        assert_eq!(names(&root.join("public")), vec!["a", "style.css"]);
        // Beside the site: the lock, and the records of what the site holds
        // (its folders, and its files with what each was made from).
        let (others, records) = beside(&root);
        assert_eq!(others, vec![".public.lock", "public", "static"]);
        assert_eq!(records, 2);

        publish(&root, &[("b/index.html", "two")]);
        assert_eq!(names(&root.join("public")), vec!["b", "style.css"]);
        assert_eq!(
            std::fs::read_to_string(root.join(".public.old/a/index.html")).unwrap(),
            "one"
        );

        // Third build: the first site is recycled, pruned and rewritten.
        publish(&root, &[("b/index.html", "three"), ("c.txt", "c")]);
        assert_eq!(names(&root.join("public")), vec!["b", "c.txt", "style.css"]);
        assert_eq!(
            std::fs::read_to_string(root.join("public/b/index.html")).unwrap(),
            "three"
        );
        assert_eq!(
            std::fs::read_to_string(root.join(".public.old/b/index.html")).unwrap(),
            "two"
        );
        let (others, records) = beside(&root);
        assert_eq!(
            others,
            vec![".public.lock", ".public.old", "public", "static"]
        );
        assert_eq!(records, 4);
    }

    /// What is in `root` but the records of what each site folder holds,
    /// and how many of those there are.
    fn beside(root: &Path) -> (Vec<String>, usize) {
        let (records, others): (Vec<String>, Vec<String>) = names(root)
            .into_iter()
            .partition(|n| n.starts_with(".public.tree-") || n.starts_with(".public.built-"));
        (others, records.len())
    }

    #[test]
    fn the_index_of_each_published_site_is_named_by_its_manifest() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        for (key, previous) in [
            ("aa01", None),
            ("bb02", Some("aa01")),
            ("cc03", Some("bb02")),
        ] {
            let mut output = Output::claim(&root, &root.join("public")).unwrap();
            let new = output.new_index_dir().unwrap();
            std::fs::create_dir_all(&new).unwrap();
            std::fs::write(new.join("meta.json"), key).unwrap();
            let manifest = format!("search/manifest-{key}.json");
            output
                .publish(&root.join("static"), &[(manifest, b"{}".to_vec())])
                .unwrap();
            assert_eq!(
                live_index(&root.join("public")).unwrap(),
                root.join(format!(".public.index-{key}"))
            );
            // The index just replaced stays for a search that is under way;
            // older ones go.
            let mut expected: Vec<String> = previous
                .into_iter()
                .chain([key])
                .map(|k| format!(".public.index-{k}"))
                .collect();
            expected.sort();
            let indexes: Vec<String> = names(&root)
                .into_iter()
                .filter(|n| n.starts_with(".public.index"))
                .collect();
            assert_eq!(indexes, expected);
        }
    }
}
