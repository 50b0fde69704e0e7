//! The tantivy index: schema, writing, and opening.

use std::path::Path;

use tantivy::directory::RamDirectory;
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::{Index, TantivyDocument, doc};

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

/// Builds in memory the index of the documents `each` hands over one at a
/// time, so they need not be held all at once; doc ids follow their order.
/// The static export is made from it; nothing reads tantivy's own files
/// afterwards (native queries run on the export, as the browser does), so
/// they are never written to disk. Returns the index and how many documents
/// it holds (sections aside).
pub fn in_memory(each: EachDoc<'_>) -> Result<(Index, usize), SearchError> {
    build(each, RamDirectory::create())
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
/// native queries read it with the same engine the browser runs. Each file
/// is first offered to `link`, which may put it there as a hard link to the
/// site's own copy (`true`) — the build writes the export once, not twice;
/// otherwise it is written.
pub fn save_export(
    dir: &Path,
    exported: &super::export::Exported,
    link: &(dyn Fn(&str, &Path) -> bool + Sync),
) -> Result<(), SearchError> {
    use rayon::prelude::*;
    std::fs::create_dir_all(dir.join("search"))?;
    // Thousands of small files: on every core.
    exported
        .files
        .par_iter()
        .try_for_each(|(name, bytes)| -> std::io::Result<()> {
            let to = dir.join(name);
            if !link(name, &to) {
                std::fs::write(&to, bytes)?;
            }
            Ok(())
        })?;
    std::fs::write(dir.join(MANIFEST_POINTER), &exported.manifest)?;
    Ok(())
}

fn build(each: EachDoc<'_>, directory: RamDirectory) -> Result<(Index, usize), SearchError> {
    let (schema, f) = schema();
    let index = Index::create(directory, schema, tantivy::IndexSettings::default())?;
    index
        .tokenizers()
        .register(NAME, RussianTokenizer::default());
    // One thread and one segment keep doc ids equal to positions in `docs`,
    // which the static export relies on.
    let mut writer = index.writer_with_num_threads::<TantivyDocument>(1, 200_000_000)?;
    let (mut count, mut failed, mut sections) = (0, None, Vec::new());
    each(&mut |d| {
        if failed.is_some() {
            return;
        }
        let td = doc!(
            f.text[0] => d.title.as_str(),
            f.text[1] => d.names.as_str(),
            f.text[2] => d.body.as_str(),
        );
        match writer.add_document(td) {
            Ok(_) => count += 1,
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
        writer.add_document(doc!(
            f.text[0] => sec.heading.as_str(),
            f.text[2] => sec.text.as_str(),
        ))?;
    }
    writer.commit()?;
    let segments = index.searchable_segment_ids()?;
    if segments.len() > 1 {
        writer.merge(&segments).wait()?;
    }
    writer.wait_merging_threads()?;
    Ok((index, count))
}
