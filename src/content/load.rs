//! Loading: walk `content/` and `data/`, read every file, parse front matter into
//! typed records and render Markdown bodies — in parallel, collecting diagnostics.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::de::DeserializeOwned;

use super::markdown::{Abbreviations, FileLinks, RenderedMarkdown};
use super::records::*;
use super::source::{SourceText, parse_toml, read_text, split_front_matter};
use crate::data::{Documents, Glossary, StatsTable, Style, Taxonomy};
use crate::diag::{Diagnostic, Diagnostics, Pos, rel_path};

/// One content record: its typed front matter, rendered body and where it came from.
#[derive(Debug, Clone)]
pub struct Record<M> {
    pub file: Arc<SourceText>,
    /// File name without `.md`.
    pub slug: String,
    /// For services: the region folder the file sits in.
    pub folder: Option<String>,
    /// Shared like `body`: a copy of a record (the dev server hands out
    /// cached records after every save) copies no fields.
    pub meta: Arc<M>,
    /// Byte offset of the TOML text in the file, to place spans.
    pub front_offset: usize,
    /// Shared, so the dev server's cache hands records out without copying bodies.
    pub body: Arc<RenderedMarkdown>,
    /// Byte offset of the body in the file.
    pub body_offset: usize,
}

impl<M> Record<M> {
    /// A diagnostic pointing at a spanned front-matter value.
    pub fn error_at<T>(&self, value: &toml::Spanned<T>, message: impl Into<String>) -> Diagnostic {
        let span = value.span();
        self.file.error_at(
            message,
            self.front_offset + span.start..self.front_offset + span.end,
        )
    }

    pub fn warning_at<T>(
        &self,
        value: &toml::Spanned<T>,
        message: impl Into<String>,
    ) -> Diagnostic {
        let mut d = self.error_at(value, message);
        d.severity = crate::diag::Severity::Warning;
        d
    }

    /// A diagnostic on the record as a whole (its first line).
    pub fn error(&self, message: impl Into<String>) -> Diagnostic {
        self.file.error_at_line(message, 1)
    }

    /// A diagnostic at a byte offset of the Markdown body.
    pub fn error_in_body(
        &self,
        offset: usize,
        len: usize,
        message: impl Into<String>,
    ) -> Diagnostic {
        let start = self.body_offset + offset;
        self.file.error_at(message, start..start + len)
    }

    /// The record's raw Markdown body.
    pub fn markdown(&self) -> &str {
        self.file.from(self.body_offset)
    }

    /// Lets go of the front matter's text once it is checked (see
    /// [`SourceText::release_before`]), when nothing else holds the file
    /// (a file with links is kept whole for the link checker's blame, and
    /// the dev server's cache keeps its files whole).
    pub fn release_front_matter(&mut self) {
        if let Some(file) = Arc::get_mut(&mut self.file) {
            file.release_before(self.body_offset);
        }
    }
}

#[derive(Debug, Default)]
pub struct Data {
    pub taxonomy: Taxonomy,
    pub glossary: Glossary,
    pub documents: Documents,
    pub places: crate::data::Places,
    /// The text of each cited document that keeps one, by document id.
    pub texts: BTreeMap<String, Arc<SourceText>>,
    pub style: Style,
    /// (id, table, file) sorted by id.
    pub stats: Vec<(String, StatsTable, Arc<SourceText>)>,
    /// Files the data came from, for diagnostics.
    pub taxonomy_file: Option<Arc<SourceText>>,
    pub glossary_file: Option<Arc<SourceText>>,
    pub documents_file: Option<Arc<SourceText>>,
    pub places_file: Option<Arc<SourceText>>,
    pub style_file: Option<Arc<SourceText>>,
    /// `data/national-lines.toml`: 112 and the helpline on every family page.
    pub national_lines: crate::lines::NationalLines,
    pub national_lines_file: Option<Arc<SourceText>>,
    /// `data/moved.toml`: old addresses that lead on to new ones.
    pub moved: crate::moved::MovedFile,
    pub moved_file: Option<Arc<SourceText>>,
    /// Data files (portal-relative) that a portal has, or must have, but
    /// that could not be read or parsed, with where their problem was
    /// reported: what is checked against them is not checked (every finding
    /// would be a false alarm burying the one real problem).
    pub unreadable: BTreeMap<String, Pos>,
}

impl Data {
    /// Every file the data came from: what anything derived from the data
    /// as a whole is keyed by. All but `data/moved.toml`, which only the
    /// moved pages read — each keyed by what it shows, like any page — so
    /// that a new entry does not count as a change of every record's data.
    pub fn files(&self) -> impl Iterator<Item = &Arc<SourceText>> {
        [
            &self.taxonomy_file,
            &self.glossary_file,
            &self.documents_file,
            &self.places_file,
            &self.style_file,
            &self.national_lines_file,
        ]
        .into_iter()
        .flatten()
        .chain(self.texts.values())
        .chain(self.stats.iter().map(|(_, _, file)| file))
    }

    /// Whether the data file `rel` (e.g. [`crate::data::TAXONOMY_FILE`])
    /// could not be read: it is missing though required, unreadable, or
    /// not valid TOML of its form.
    pub fn could_not_read(&self, rel: &str) -> bool {
        self.unreadable.contains_key(rel)
    }
}

#[derive(Debug, Default)]
pub struct Content {
    pub regions: Vec<Record<RegionMeta>>,
    pub services: Vec<Record<ServiceMeta>>,
    pub practices: Vec<Record<PracticeMeta>>,
    pub programmes: Vec<Record<ProgrammeMeta>>,
    pub routes: Vec<Record<RouteMeta>>,
    pub pages: Vec<Record<PageMeta>>,
    /// Records of collections no other stage reads by type (events), by name.
    pub store: crate::collections::Store,
    /// Every record file that holds links, with their places, by
    /// portal-relative path: where the link checker blames a broken link.
    /// A file without links is not listed, so nothing else holds its text
    /// and [`Content::release_front_matter`] can let it go.
    pub links: BTreeMap<String, FileLinks>,
    /// When each record file read by the walk was last modified, by
    /// portal-relative path: handed to [`crate::history::History`].
    pub modified: Vec<(String, std::time::SystemTime)>,
}

impl Content {
    /// Lets go of the services' front matter text once validation is done:
    /// services are the collection that grows with the country, and after
    /// validation only their parsed fields and their body are read (the
    /// views, the HSDS description). A saving of about a third of what the
    /// records hold.
    pub fn release_front_matter(&mut self) {
        for s in &mut self.services {
            s.release_front_matter();
        }
    }
}

/// Reads one whole-file TOML data file; a missing optional file gives the
/// default. A file that fails is noted in `unreadable` with its problem's place.
fn load_data_file<T: DeserializeOwned + Default>(
    root: &Path,
    rel: &str,
    required: bool,
    diags: &mut Diagnostics,
    unreadable: &mut BTreeMap<String, Pos>,
) -> (T, Option<Arc<SourceText>>) {
    let mut failed = |d: Diagnostic| {
        unreadable.insert(rel.to_string(), d.pos);
        diags.push(d);
    };
    let path = root.join(rel);
    if std::fs::symlink_metadata(&path).is_err() {
        if required {
            failed(
                Diagnostic::error(rel, "this data file is missing")
                    .hint("every portal needs it; see docs/content-format.md"),
            );
        }
        return (T::default(), None);
    }
    match read_text(root, &path) {
        Ok(file) => {
            let len = file.text.len();
            match parse_toml::<T>(&file, (0, len)) {
                Ok(v) => (v, Some(Arc::new(file))),
                Err(d) => {
                    failed(d);
                    (T::default(), Some(Arc::new(file)))
                }
            }
        }
        Err(d) => {
            failed(d);
            (T::default(), None)
        }
    }
}

pub fn load_data(root: &Path, diags: &mut Diagnostics) -> Data {
    use crate::data::{GLOSSARY_FILE, PLACES_FILE, SOURCES_FILE, STYLE_FILE, TAXONOMY_FILE};
    let mut unreadable = BTreeMap::new();
    let u = &mut unreadable;
    let (taxonomy, taxonomy_file) = load_data_file::<Taxonomy>(root, TAXONOMY_FILE, true, diags, u);
    let (glossary, glossary_file) =
        load_data_file::<Glossary>(root, GLOSSARY_FILE, false, diags, u);
    let (documents, documents_file) =
        load_data_file::<Documents>(root, SOURCES_FILE, false, diags, u);
    let (places, places_file) =
        load_data_file::<crate::data::Places>(root, PLACES_FILE, false, diags, u);
    let texts = load_document_texts(root, &documents, documents_file.as_deref(), diags);
    let (style, style_file) = load_data_file::<Style>(root, STYLE_FILE, false, diags, u);
    let (national_lines, national_lines_file) =
        load_data_file::<crate::lines::NationalLines>(root, crate::lines::FILE, false, diags, u);
    let (moved, moved_file) =
        load_data_file::<crate::moved::MovedFile>(root, crate::moved::FILE, false, diags, u);
    let mut stats = Vec::new();
    let stats_dir = root.join("data/stats");
    for path in sorted_files(&stats_dir, 1, diags, root) {
        let rel = rel_path(root, &path);
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            diags.push(
                Diagnostic::warning(&rel, "not a .toml file; ignored")
                    .hint("statistics tables are .toml files"),
            );
            continue;
        }
        let id = file_stem(&path);
        let failed = match read_text(root, &path) {
            Ok(file) => {
                let len = file.text.len();
                match parse_toml::<StatsTable>(&file, (0, len)) {
                    Ok(t) => {
                        stats.push((id, t, Arc::new(file)));
                        continue;
                    }
                    Err(d) => d,
                }
            }
            Err(d) => d,
        };
        unreadable.insert(rel, failed.pos);
        diags.push(failed);
    }
    Data {
        taxonomy,
        glossary,
        documents,
        places,
        texts,
        style,
        stats,
        taxonomy_file,
        glossary_file,
        documents_file,
        places_file,
        style_file,
        national_lines,
        national_lines_file,
        moved,
        moved_file,
        unreadable,
    }
}

/// The texts named by `text = "…"` in data/sources.toml; a missing one is an
/// error at its entry, since quotes citing it could not be checked.
fn load_document_texts(
    root: &Path,
    documents: &Documents,
    documents_file: Option<&SourceText>,
    diags: &mut Diagnostics,
) -> BTreeMap<String, Arc<SourceText>> {
    let mut texts = BTreeMap::new();
    // Finding an entry's place searches the file: only for the findings
    // that are shown (a file of thousands of missing texts would otherwise
    // cost a search of the whole file for each).
    let mut to_locate = crate::diag::MAX_PER_FILE;
    for d in &documents.documents {
        let Some(rel) = &d.text else {
            continue;
        };
        let path = root.join(rel);
        if !path.is_file() {
            let mut diag = Diagnostic::error(
                documents_file.map_or(crate::data::SOURCES_FILE, |f| f.rel.as_str()),
                format!("the text of document `{}` is missing: {rel}", d.id),
            )
            .hint(
                "keep the document's text in the portal so quotes can be checked, or remove `text`",
            );
            to_locate = to_locate.saturating_sub(1);
            if let Some(f) = documents_file.filter(|_| to_locate > 0)
                && let Some(off) = f.text.find(&format!("\"{rel}\""))
            {
                diag = diag.at_in(&f.lines(), off..off + rel.len() + 2);
            }
            diags.push(diag);
            continue;
        }
        match read_text(root, &path) {
            Ok(file) => {
                texts.insert(d.id.clone(), Arc::new(file));
            }
            Err(d) => diags.push(d),
        }
    }
    texts
}

pub fn abbreviations(glossary: &Glossary) -> Abbreviations {
    let mut a = Abbreviations::default();
    for t in &glossary.terms {
        let Some(expansion) = &t.expansion else {
            continue;
        };
        a.insert(t.term.get_ref(), expansion);
        for alias in &t.aliases {
            a.insert(alias, expansion);
        }
    }
    a
}

/// Files (and stray directories) under `dir` up to `depth`, sorted, hidden ones skipped.
fn sorted_files(dir: &Path, depth: usize, diags: &mut Diagnostics, root: &Path) -> Vec<PathBuf> {
    sorted_entries(dir, depth, diags, root)
        .into_iter()
        .map(|e| e.path)
        .collect()
}

/// A path found in a folder, with what the folder listing says it is — so a
/// portal of 50,000 files is not asked about file by file again.
struct Entry {
    path: PathBuf,
    kind: std::fs::FileType,
}

impl Entry {
    /// `Path::is_dir`: a link is followed (only links cost a look).
    fn is_dir(&self) -> bool {
        self.kind.is_dir() || (self.kind.is_symlink() && self.path.is_dir())
    }

    /// `Path::is_file`: a link is followed (only links cost a look).
    fn is_file(&self) -> bool {
        self.kind.is_file() || (self.kind.is_symlink() && self.path.is_file())
    }
}

/// [`sorted_files`] with what each one is.
fn sorted_entries(dir: &Path, depth: usize, diags: &mut Diagnostics, root: &Path) -> Vec<Entry> {
    if !dir.exists() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let walker = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .max_depth(depth)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        match entry {
            // Files, symlinks and anything else that is not a directory (a FIFO,
            // a socket, a device): reading reports what is not a regular file,
            // rather than skipping it silently.
            Ok(e) if !e.file_type().is_dir() || e.depth() == depth => out.push(Entry {
                kind: e.file_type(),
                path: e.into_path(),
            }),
            // (A directory at the deepest level is where a file belongs.)
            Ok(_) => {}
            Err(e) => {
                let rel = e.path().map(|p| rel_path(root, p)).unwrap_or_default();
                diags.push(Diagnostic::error(rel, format!("cannot read: {e}")));
            }
        }
    }
    out
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

use crate::collections::{Collection, LoadResult, REGISTRY, SourceFile};
use crate::content::record_store::{self, FileStamp, Part, StoreFile};

/// Parsed files kept between builds of the dev server: a file is parsed again
/// only when its size or modification time changed, or the glossary did
/// (abbreviations are marked up in bodies).
#[derive(Default)]
pub struct LoadCache {
    glossary_fingerprint: u64,
    files: std::collections::HashMap<PathBuf, (std::time::SystemTime, u64, LoadResult)>, // keyed by path
}

/// Modification time and size: enough to notice an edited file.
type Stamp = (std::time::SystemTime, u64);

fn file_stamp(path: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

pub fn load_content(root: &Path, abbr: &Abbreviations, diags: &mut Diagnostics) -> Content {
    load_content_cached(root, abbr, diags, None)
}

pub fn load_content_cached(
    root: &Path,
    abbr: &Abbreviations,
    diags: &mut Diagnostics,
    mut cache: Option<&mut LoadCache>,
) -> Content {
    let Some(jobs) = record_files(root, diags) else {
        return Content::default();
    };
    if let Some(c) = cache.as_deref_mut() {
        let fp = abbr.fingerprint();
        if c.glossary_fingerprint != fp {
            c.files.clear();
            c.glossary_fingerprint = fp;
        }
    }
    let cached = cache.as_deref();
    // Only files not in the cache (or changed since) are read and parsed;
    // a cached result is used where it lies, never copied.
    // Files an editor did not touch for a while are out of the caches:
    // they are read by many threads at once (`crate::io_threads`).
    let fresh: Vec<(Option<Stamp>, Option<LoadResult>)> = crate::io_threads::disk_bound(|| {
        jobs.par_iter()
            .map(|(collection, path, walked)| {
                // Only a cache needs the stamp: `opora build` asks nothing more of each file.
                let stamp = cached.and_then(|_| file_stamp(path));
                let hit = cached
                    .and_then(|c| c.files.get(path))
                    .is_some_and(|(t, len, _)| Some((*t, *len)) == stamp);
                let result = (!hit).then(|| load_one(root, *collection, path, *walked, abbr).0);
                (stamp, result)
            })
            .collect()
    });
    let mut content = Content::default();
    for ((collection, path, _), (stamp, r)) in jobs.iter().zip(fresh) {
        let Some(r) = r else {
            // A cache hit.
            if let Some((_, _, r)) = cache.as_deref().and_then(|c| c.files.get(path)) {
                keep_loaded(&mut content, diags, *collection, r);
            }
            continue;
        };
        keep_loaded(&mut content, diags, *collection, &r);
        if let (Some(c), Some((t, len))) = (cache.as_deref_mut(), stamp) {
            c.files.insert(path.clone(), (t, len, r));
        }
    }
    content
}

/// [`load_content`] for `opora build`, taking from the parsed-record store
/// the last build kept every record whose file is still as recorded, and
/// writing the store for the next build as it goes.
pub fn load_content_stored(
    root: &Path,
    abbr: &Abbreviations,
    diags: &mut Diagnostics,
    store_file: &mut StoreFile,
) -> Content {
    // Before any file is read: a file changed after this is never recorded
    // as read (see `record_store`). Test hook: the suite's edits follow its
    // builds within the margin, and must meet the store all the same.
    let mut loading_began = std::time::SystemTime::now();
    if std::env::var_os("OPORA_TEST_SETTLED").is_some() {
        loading_began += std::time::Duration::from_secs(3600);
    }
    load_content_stored_at(root, abbr, diags, store_file, loading_began).0
}

/// How many records came from the store, and how many were recorded anew.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct StoreUse {
    carried: usize,
    recorded: usize,
}

/// Record files loaded at once, their new store entries then handed to the
/// writing thread: enough to keep every core busy, few enough to hold.
const FILES_PER_BATCH: usize = 4096;

/// [`load_content_stored`] as if the loading began at `loading_began`.
fn load_content_stored_at(
    root: &Path,
    abbr: &Abbreviations,
    diags: &mut Diagnostics,
    store_file: &mut StoreFile,
    loading_began: std::time::SystemTime,
) -> (Content, StoreUse) {
    let abbreviations = abbr.fingerprint();
    // The last store is read and indexed while the folders are listed.
    let (last, jobs) = rayon::join(
        || store_file.last(abbreviations).map(Arc::new),
        || record_files(root, diags),
    );
    let Some(jobs) = jobs else {
        return (Content::default(), StoreUse::default());
    };
    let next = store_file.begin(abbreviations, last.clone());
    let mut content = Content::default();
    let mut used = StoreUse::default();
    // One pool of disk-bound threads for all the batches (each pool is 16
    // new threads).
    crate::io_threads::disk_bound(|| {
        for batch in jobs.chunks(FILES_PER_BATCH) {
            let loaded: Vec<(LoadResult, Option<Part>)> = batch
                .par_iter()
                .map(|(collection, path, walked)| {
                    // Only files a walk found as regular files inside the portal
                    // are recorded: a link's stamp is not its target's.
                    let rel = walked.then(|| rel_path(root, path));
                    if let Some(rel) = &rel
                        && let Some(store) = &last
                        && let Some(stamp) = std::fs::symlink_metadata(path)
                            .ok()
                            .and_then(|m| FileStamp::of(&m))
                        && let Some((result, entry)) = store.get(rel, *collection, &stamp)
                    {
                        return (result, Some(Part::Carried(entry)));
                    }
                    let (result, stamp) = load_one(root, *collection, path, *walked, abbr);
                    let part = next
                        .as_ref()
                        .zip(rel.zip(stamp))
                        .and_then(|(_, (rel, stamp))| {
                            record_store::new_entry(
                                &rel,
                                *collection,
                                &stamp,
                                loading_began,
                                &result,
                            )
                        });
                    (result, part)
                })
                .collect();
            let mut parts = Vec::with_capacity(loaded.len());
            for ((collection, _, _), (result, part)) in batch.iter().zip(loaded) {
                keep_loaded(&mut content, diags, *collection, &result);
                match &part {
                    Some(Part::Carried(_)) => used.carried += 1,
                    Some(Part::New(_)) => used.recorded += 1,
                    None => {}
                }
                parts.extend(part);
            }
            if let Some(next) = &next {
                // A writing thread that stopped (a full disk) leaves no store.
                let _ = next.send(parts);
            }
        }
    });
    (content, used)
}

/// Every record file under `content/`, with its collection and whether a
/// walk found it as a regular file inside the portal; `None` without a
/// `content/` folder (reported).
fn record_files(
    root: &Path,
    diags: &mut Diagnostics,
) -> Option<Vec<(&'static dyn Collection, PathBuf, bool)>> {
    let content_dir = root.join("content");
    // Each record file, and whether it was found as a regular file (not a
    // link) inside the portal, so needs no resolving (`read_walked_text`).
    let mut jobs: Vec<(&'static dyn Collection, PathBuf, bool)> = Vec::new();
    if !content_dir.is_dir() {
        diags.push(
            Diagnostic::error("content", "there is no content/ directory")
                .hint("run opora in the portal's root, or pass --root DIR"),
        );
        return None;
    }
    let known: Vec<&str> = REGISTRY.iter().map(|c| c.spec().name).collect();
    for path in sorted_files(&content_dir, 1, diags, root) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !path.is_dir() || !known.contains(&name.as_str()) {
            diags.push(
                Diagnostic::warning(rel_path(root, &path), "not a known collection; ignored")
                    .hint(format!("content/ holds the folders {}", known.join(", "))),
            );
        }
    }
    for collection in REGISTRY {
        let spec = collection.spec();
        let dir = content_dir.join(spec.name);
        let inside = crate::content::source::inside_portal(root, &dir);
        for entry in sorted_entries(&dir, spec.layout.depth(), diags, root) {
            let path = &entry.path;
            if !crate::collections::expected_depth(spec, &dir, path) && !entry.is_dir() {
                let expected = spec.file_pattern();
                diags.push(
                    Diagnostic::error(
                        rel_path(root, path),
                        "file is not where this collection's records go",
                    )
                    .hint(format!("move it to {expected}")),
                );
                continue;
            }
            if entry.is_file() && path.extension().and_then(|e| e.to_str()) != Some("md") {
                diags.push(
                    Diagnostic::warning(rel_path(root, path), "not a .md file; ignored")
                        .hint("records are Markdown files with a .md extension"),
                );
                continue;
            }
            jobs.push((collection, entry.path, inside && entry.kind.is_file()));
        }
    }

    Some(jobs)
}

/// Hands a loaded record (or why it did not load) to its collection and
/// `content`, and its problems to `diags`.
fn keep_loaded(
    content: &mut Content,
    diags: &mut Diagnostics,
    collection: &dyn Collection,
    result: &LoadResult,
) {
    match result {
        Ok((loaded, problems, links)) => {
            diags.extend(problems.iter().cloned());
            if let Some(modified) = links.file.modified {
                content.modified.push((links.file.rel.clone(), modified));
            }
            collection.store(content, loaded);
            if !links.links.is_empty() {
                content.links.insert(links.file.rel.clone(), links.clone());
            }
        }
        Err(ds) => diags.extend(ds.iter().cloned()),
    }
}

/// Reads one record file and hands it to its collection to parse.
/// With the file's stamp, when a walk found it (see [`load_content_stored`]).
fn load_one(
    root: &Path,
    collection: &dyn Collection,
    path: &Path,
    walked: bool,
    abbr: &Abbreviations,
) -> (LoadResult, Option<FileStamp>) {
    let read = if walked {
        crate::content::source::read_walked_text(root, path)
    } else {
        read_text(root, path).map(|file| (file, None))
    };
    match read {
        Ok((file, stamp)) => (parse_one(collection, path, file, abbr), stamp),
        Err(d) => (Err(vec![d]), None),
    }
}

/// Parses one record file read into `file`, as loading does.
pub(crate) fn parse_one(
    collection: &dyn Collection,
    path: &Path,
    file: SourceText,
    abbr: &Abbreviations,
) -> LoadResult {
    let front = split_front_matter(&file).map_err(|d| vec![d])?;
    let folder = (collection.spec().layout == crate::collections::Layout::ByRegion)
        .then(|| path.parent().map(file_stem))
        .flatten();
    collection.record_type().parse(SourceFile {
        slug: file_stem(path),
        file: Arc::new(file),
        front,
        folder,
        abbr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The repository's own portal's `content/`, copied (a build never
    /// touches sources; this test edits its copy).
    fn portal_copy() -> tempfile::TempDir {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = tempfile::tempdir().unwrap();
        for entry in walkdir::WalkDir::new(repo.join("content")) {
            let entry = entry.unwrap();
            let to = dir.path().join(entry.path().strip_prefix(repo).unwrap());
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&to).unwrap();
            } else {
                std::fs::copy(entry.path(), &to).unwrap();
            }
        }
        dir
    }

    /// Everything loading hands on, as it prints: the records with every
    /// value's place (a `Spanned` prints its span), bodies, links, dates.
    fn printed(content: &Content, diags: &Diagnostics) -> String {
        format!(
            "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
            content.services,
            content.regions,
            content.practices,
            content.programmes,
            content.routes,
            content.pages,
            content.links,
            content.modified,
            diags
        )
    }

    /// A kept store's two files, as bytes: its base and its newer entries.
    #[derive(Clone, Debug, Default, PartialEq)]
    struct Kept {
        base: Option<Vec<u8>>,
        newer: Option<Vec<u8>>,
    }

    /// Loads `root` with the kept `store`: what loading hands on, the store
    /// it leaves, and how it used the store.
    fn load(root: &Path, abbr: &Abbreviations, store: &Kept) -> (String, Kept, StoreUse) {
        // Every file counts as settled: the copy was made a moment ago.
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
        let dir = tempfile::tempdir().unwrap();
        let (base, newer) = (
            dir.path().join(".public.records"),
            dir.path().join(".public.newer-records"),
        );
        for (path, bytes) in [(&base, &store.base), (&newer, &store.newer)] {
            if let Some(bytes) = bytes {
                std::fs::write(path, bytes).unwrap();
            }
        }
        let mut store_file = StoreFile::new(base.clone(), newer.clone());
        let mut diags = Diagnostics::default();
        let (content, used) =
            load_content_stored_at(root, abbr, &mut diags, &mut store_file, later);
        store_file.finish();
        let left = Kept {
            base: std::fs::read(&base).ok(),
            newer: std::fs::read(&newer).ok(),
        };
        (printed(&content, &diags), left, used)
    }

    fn used(carried: usize, recorded: usize) -> StoreUse {
        StoreUse { carried, recorded }
    }

    fn append(path: &Path, text: &str) {
        let before = std::fs::read_to_string(path).unwrap();
        std::fs::write(path, format!("{before}{text}")).unwrap();
    }

    #[test]
    fn records_read_back_from_the_store_are_those_parsed_and_edits_are_parsed_again() {
        let portal = portal_copy();
        let root = portal.path();
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let abbr = abbreviations(&load_data(repo, &mut Diagnostics::default()).glossary);
        let files = walkdir::WalkDir::new(root.join("content"))
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .count();

        // Every collection's records meet the store.
        for collection in REGISTRY {
            let name = collection.spec().name;
            let records = walkdir::WalkDir::new(root.join("content").join(name))
                .into_iter()
                .flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
                .count();
            assert!(records > 0, "the portal has no {name} to read back");
        }
        let (parsed, store, use_1) = load(root, &abbr, &Kept::default());
        assert_eq!(use_1, used(0, files));
        assert!(store.base.is_some() && store.newer.is_none(), "{store:?}");

        let (stored, again, use_2) = load(root, &abbr, &store);
        assert_eq!(use_2, used(files, 0));
        assert_eq!(
            stored, parsed,
            "a record read back differs from the parsed one"
        );
        // Carried entries stay where they were: the base is not written again.
        assert_eq!(again.base, store.base);

        // An edited file is parsed again; the others still come from the store.
        let edited = root.join("content/services/ru-mos/mo-cis.md");
        append(&edited, "\nПравка для проверки.\n");
        let (after_edit, next, use_3) = load(root, &abbr, &store);
        assert_eq!(use_3, used(files - 1, 1));
        assert!(after_edit.contains("Правка для проверки."));
        let (parsed_again, _, _) = load(root, &abbr, &Kept::default());
        assert_eq!(after_edit, parsed_again);
        // The edit is laid over the same base, in a file a fraction of its size.
        assert_eq!(next.base, store.base);
        let newer = next.newer.clone().unwrap();
        assert!(newer.len() * 20 < store.base.as_ref().unwrap().len());
        // The next store holds the edit.
        let (from_next, after_next, use_4) = load(root, &abbr, &next);
        assert_eq!(use_4, used(files, 0));
        assert_eq!(from_next, parsed_again);
        // Newer entries carried are carried as they were.
        assert_eq!(after_next, next);

        // A damaged newer file is not laid over the base: the file it
        // recorded is parsed again, the rest still comes from the base.
        let mut damaged = next.clone();
        let middle = newer.len() / 2;
        damaged.newer.as_mut().unwrap()[middle] ^= 1;
        let (from_damaged, _, use_5) = load(root, &abbr, &damaged);
        assert_eq!(use_5, used(files - 1, 1));
        assert_eq!(from_damaged, parsed_again);
        // A damaged base, or one made with another glossary, is not used.
        let mut damaged = store.clone();
        let bytes = damaged.base.as_mut().unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 1;
        assert_eq!(load(root, &abbr, &damaged).2, used(0, files));
        assert_eq!(
            load(root, &Abbreviations::default(), &next).2,
            used(0, files)
        );
    }

    #[test]
    fn the_base_is_written_again_whole_once_the_newer_entries_outgrow_it() {
        let portal = portal_copy();
        let root = portal.path();
        let abbr = Abbreviations::default();
        let (_, store, _) = load(root, &abbr, &Kept::default());
        let services: Vec<PathBuf> = walkdir::WalkDir::new(root.join("content/services"))
            .into_iter()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
            .map(|e| e.into_path())
            .collect();
        // One in four service files changes at each step: within a few
        // steps the newer entries pass an eighth of the base.
        let mut kept = store.clone();
        let mut rewritten = false;
        for step in 0..4 {
            for file in services.iter().skip(step).step_by(4) {
                append(file, &format!("\nШаг {step}.\n"));
            }
            let (loaded, next, _) = load(root, &abbr, &kept);
            assert_eq!(loaded, load(root, &abbr, &Kept::default()).0, "step {step}");
            if next.base != kept.base {
                // Written whole: nothing is laid over it.
                assert_eq!(next.newer, None, "step {step}");
                rewritten = true;
            } else {
                assert!(next.newer.is_some(), "step {step}");
            }
            kept = next;
        }
        assert!(rewritten, "the base was never written again");
        let files = walkdir::WalkDir::new(root.join("content"))
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .count();
        assert_eq!(load(root, &abbr, &kept).2, used(files, 0));
    }

    #[test]
    fn a_file_changed_within_the_margin_before_loading_is_not_recorded() {
        let portal = portal_copy();
        let root = portal.path();
        let dir = tempfile::tempdir().unwrap();
        let mut store_file = StoreFile::new(
            dir.path().join(".public.records"),
            dir.path().join(".public.newer-records"),
        );
        let mut diags = Diagnostics::default();
        // The copy was made just now: too recent to be trusted unread later.
        let now = std::time::SystemTime::now();
        let abbr = Abbreviations::default();
        let (_, use_now) = load_content_stored_at(root, &abbr, &mut diags, &mut store_file, now);
        assert_eq!(use_now, used(0, 0));
    }
}
