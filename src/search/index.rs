//! The tantivy index: schema, writing, and opening.

use std::path::Path;

use tantivy::directory::RamDirectory;
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::{Index, TantivyDocument, doc};

use super::postings::{Postings, doc_key, read_segment};
use super::tokenizer::{NAME, RussianTokenizer};
use super::{SearchDoc, SearchError};

/// The fields tantivy indexes: the three text fields whose postings the
/// static export is made from. Nothing is stored and nothing else indexed:
/// the export takes everything else (ids, types, regions, needs) from the
/// documents themselves.
pub struct Fields {
    pub text: [Field; 3],
}

pub fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    // Frequencies, no positions: queries are bags of words, and positions would
    // only make the index bigger.
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(NAME)
        .set_index_option(IndexRecordOption::WithFreqs);
    let text = TextOptions::default().set_indexing_options(indexing);
    let text_fields = ["title", "names", "body"].map(|name| b.add_text_field(name, text.clone()));
    let fields = Fields { text: text_fields };
    (b.build(), fields)
}

/// The file beside the index naming the exported manifest, for native queries.
pub const MANIFEST_POINTER: &str = "manifest.txt";
/// Marks a folder as an Opora search index, which a rebuild may replace.
const MARKER_FILE: &str = ".opora-search-index";

/// Hands each document to index to the function it is given.
pub type EachDoc<'a> = &'a mut dyn FnMut(&mut dyn FnMut(&SearchDoc));

/// The postings of the documents `each` hands over one at a time, so they
/// need not be held all at once; documents are numbered in their order,
/// the records' sections after all records. Documents whose texts
/// `recalled` holds are taken from it; tantivy indexes the others, in
/// memory (nothing reads tantivy's own files afterwards: native queries run
/// on the export, as the browser does). Returns the postings, how many
/// records there are (sections aside), and how many documents (records and
/// sections) tantivy indexed.
pub fn postings(
    each: EachDoc<'_>,
    mut recalled: Option<super::memo::Recalled>,
) -> Result<(Postings, usize, usize), SearchError> {
    let (schema, f) = schema();
    let index = Index::create(
        RamDirectory::create(),
        schema,
        tantivy::IndexSettings::default(),
    )?;
    index
        .tokenizers()
        .register(NAME, RussianTokenizer::default());
    // One thread and one segment keep tantivy's documents in the order
    // they were added.
    let mut writer = index.writer_with_num_threads::<TantivyDocument>(1, 200_000_000)?;
    let mut all = Postings::default();
    // What each document tantivy indexes is numbered among all.
    let mut indexed: Vec<u32> = Vec::new();
    let mut add = |texts: [&str; 3]| -> tantivy::Result<()> {
        let key = doc_key(texts);
        let doc = all.keys.len() as u32;
        all.keys.push(key);
        match recalled.as_mut().and_then(|r| r.take(key, doc)) {
            Some(norms) => all.norms.push(norms),
            None => {
                all.norms.push([0; 3]);
                indexed.push(doc);
                writer.add_document(doc!(
                    f.text[0] => texts[0],
                    f.text[1] => texts[1],
                    f.text[2] => texts[2],
                ))?;
            }
        }
        Ok(())
    };
    let (mut count, mut failed, mut sections) = (0, None, Vec::new());
    each(&mut |d| {
        if failed.is_some() {
            return;
        }
        match add([&d.title, &d.names, &d.body]) {
            Ok(()) => count += 1,
            Err(e) => failed = Some(e),
        }
        // Few records have sections (long guides): they are kept until
        // every record is in.
        sections.extend(d.sections.iter().cloned());
    });
    if let Some(e) = failed {
        return Err(e.into());
    }
    // Sections of long records follow all records, in order: document
    // `docs.len() + k` is the k-th section (see export::sections).
    for sec in sections {
        add([&sec.heading, "", &sec.text])?;
    }
    writer.commit()?;
    let segments = index.searchable_segment_ids()?;
    if segments.len() > 1 {
        writer.merge(&segments).wait()?;
    }
    writer.wait_merging_threads()?;
    if let Some(recalled) = recalled {
        all.terms = recalled.into_terms();
    }
    let reader = index.reader()?;
    let searcher = reader.searcher();
    match searcher.segment_readers() {
        [] => {}
        [seg] => {
            let (terms, norms) = read_segment(seg, &f.text, &indexed)?;
            for (doc, norms) in indexed.iter().zip(norms) {
                all.norms[*doc as usize] = norms;
            }
            all.add(terms);
        }
        _ => {
            return Err(SearchError(
                "the search index has several segments; expected one".into(),
            ));
        }
    }
    Ok((all, count, indexed.len()))
}

/// Makes `dir` an empty folder for a native index, marked as one.
///
/// `dir` must be empty, missing, or hold a previous index (which is replaced):
/// any other folder is refused rather than wiped.
pub fn claim(dir: &Path) -> Result<(), SearchError> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)?.next().is_none();
        let ours = dir.join(MARKER_FILE).exists() || dir.join("meta.json").exists();
        if !empty && !ours {
            return Err(SearchError(format!(
                "{} is not empty and holds no search index; refusing to overwrite it",
                dir.display()
            )));
        }
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    // First, so even a half-written index is recognised as ours next time.
    std::fs::write(dir.join(MARKER_FILE), "opora search index\n")?;
    Ok(())
}

/// Saves the static export into the index folder `dir` (see [`claim`]), where
/// native queries read it with the same engine the browser runs.
///
/// With `shared` (a folder beside `dir`; unix only), the files go there and
/// `dir/search` is a symbolic link to its `search` folder. Every file but
/// the fixed-name manifest ([`super::export::CURRENT_MANIFEST`], which
/// native queries never read) is named by its content, so a file already
/// there from an earlier build holds these very bytes and is left alone:
/// a one-record edit at 50,000 services renames ~500–650 of the ~6,800
/// files (the record's new length changes its score under most of its
/// terms), and only those are added (the folder is cleared of what neither
/// this site nor the live one names by `crate::output`, once this export is
/// saved). Without
/// `shared`, every file goes into `dir` itself.
///
/// Each file to add is first offered to `link`, which may put it there as a
/// hard link to the site's own copy (`true`): the build writes the export
/// once, not twice. Otherwise it is written under a temporary name and
/// renamed, so no file is ever seen half-written under its own name.
pub fn save_export(
    dir: &Path,
    exported: &super::export::Exported,
    shared: Option<&Path>,
    link: &(dyn Fn(&str, &Path) -> bool + Sync),
) -> Result<(), SearchError> {
    use rayon::prelude::*;
    let shared = shared.filter(|_| cfg!(unix));
    let files_root = shared.unwrap_or(dir);
    let mut folders = std::fs::DirBuilder::new();
    folders.recursive(true);
    // The shared folder is trusted only if no one else may write to it
    // (`crate::output`): so under any umask.
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut folders, 0o755);
    folders.create(files_root.join("search"))?;
    let present = match shared {
        Some(_) => file_names(&files_root.join("search"))?,
        None => rustc_hash::FxHashSet::default(),
    };
    let to_add = exported.files.par_iter().filter(|(name, _)| {
        shared.is_none()
            || (name != super::export::CURRENT_MANIFEST
                && !name
                    .strip_prefix("search/")
                    .is_some_and(|file| present.contains(file)))
    });
    // Thousands of small files on a first build: on every core.
    to_add.try_for_each(|(name, bytes)| -> std::io::Result<()> {
        let to = files_root.join(name);
        if !link(name, &to) {
            write_whole(&to, bytes)?;
        }
        Ok(())
    })?;
    #[cfg(unix)]
    if let Some(shared) = shared {
        link_search_folder(dir, shared)?;
    }
    std::fs::write(dir.join(MANIFEST_POINTER), &exported.manifest)?;
    Ok(())
}

/// The names of the entries of `folder`.
fn file_names(folder: &Path) -> std::io::Result<rustc_hash::FxHashSet<String>> {
    std::fs::read_dir(folder)?
        .map(|entry| Ok(entry?.file_name().to_string_lossy().into_owned()))
        .collect()
}

/// Writes `to` under a temporary name first, then renames it into place.
fn write_whole(to: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut partial = to.as_os_str().to_owned();
    partial.push(".partial");
    std::fs::write(&partial, bytes)?;
    std::fs::rename(&partial, to)
}

/// Makes `dir/search` a link to `shared/search`, by a relative path when
/// the two folders are side by side (so the pair can be moved together).
#[cfg(unix)]
fn link_search_folder(dir: &Path, shared: &Path) -> std::io::Result<()> {
    let target = match (dir.parent(), shared.parent(), shared.file_name()) {
        (Some(a), Some(b), Some(name)) if a == b => Path::new("..").join(name).join("search"),
        _ => shared.join("search"),
    };
    std::os::unix::fs::symlink(target, dir.join("search"))
}
