//! The tantivy index: schema, writing, and opening.

use std::path::Path;

use tantivy::directory::{Directory, RamDirectory};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::{Index, IndexReader, TantivyDocument, doc};

use super::tokenizer::{NAME, RussianTokenizer};
use super::{SearchDoc, SearchError, SynonymGroup, TEXT_FIELDS};

pub struct Fields {
    pub text: [Field; 3],
    pub id: Field,
    pub url: Field,
    pub doc_type: Field,
    pub region: Field,
    pub needs: Field,
    pub audience: Field,
    pub kind: Field,
    pub title_stored: Field,
    pub excerpt: Field,
}

pub fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    // Frequencies, no positions: queries are bags of words, and positions would
    // only make the index bigger.
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(NAME)
        .set_index_option(IndexRecordOption::WithFreqs);
    let text = TextOptions::default().set_indexing_options(indexing);
    let text_fields = TEXT_FIELDS.map(|(name, _)| b.add_text_field(name, text.clone()));
    let fields = Fields {
        text: text_fields,
        id: b.add_text_field("id", STRING | STORED),
        url: b.add_text_field("url", STORED),
        doc_type: b.add_text_field("type", STRING | STORED),
        region: b.add_text_field("region", STRING | STORED),
        needs: b.add_text_field("need", STRING),
        audience: b.add_text_field("audience", STRING),
        kind: b.add_text_field("kind", STRING),
        title_stored: b.add_text_field("title_text", STORED),
        excerpt: b.add_text_field("excerpt", STORED),
    };
    (b.build(), fields)
}

pub fn fields_of(schema: &Schema) -> Result<Fields, SearchError> {
    let f = |n: &str| {
        schema.get_field(n).map_err(|_| {
            SearchError(format!(
                "the search index has no field `{n}`; rebuild it with `opora build`"
            ))
        })
    };
    Ok(Fields {
        text: [f("title")?, f("names")?, f("body")?],
        id: f("id")?,
        url: f("url")?,
        doc_type: f("type")?,
        region: f("region")?,
        needs: f("need")?,
        audience: f("audience")?,
        kind: f("kind")?,
        title_stored: f("title_text")?,
        excerpt: f("excerpt")?,
    })
}

/// The first words of a body, for result lists.
pub fn excerpt_of(body: &str) -> String {
    let mut out: String = body.chars().take(320).collect();
    if out.len() < body.len() {
        if let Some(i) = out.rfind(' ') {
            out.truncate(i);
        }
        out.push('…');
    }
    out
}

/// Where the synonym groups are saved beside the index, for native queries.
pub const SYNONYMS_FILE: &str = "synonyms.json";
/// Marks a folder as an Opora search index, which a rebuild may replace.
const MARKER_FILE: &str = ".opora-search-index";

/// Writes all docs into a fresh index in `dir`; doc ids follow `docs` order.
///
/// `dir` must be empty, missing, or hold a previous index (which is replaced):
/// any other folder is refused rather than wiped.
///
/// The index is built in memory and then saved with plain writes: tantivy's
/// own directory syncs every file to disk, which on a small VM costs more than
/// indexing a whole portal, and this index is rebuilt on every build anyway.
pub fn write(
    docs: &[SearchDoc],
    synonyms: &[SynonymGroup],
    dir: &Path,
) -> Result<Index, SearchError> {
    // The raw directory (a shared handle) keeps files with their footers,
    // exactly as tantivy would have written them to disk.
    let ram = RamDirectory::create();
    let index = build(docs, ram.clone())?;
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
    for file in index.directory().list_managed_files() {
        let Ok(slice) = ram.open_read(&file) else {
            continue;
        };
        let bytes = slice.read_bytes()?;
        std::fs::write(dir.join(&file), bytes.as_slice())?;
    }
    let meta = ram
        .atomic_read(Path::new("meta.json"))
        .map_err(|e| SearchError(format!("search index: {e}")))?;
    std::fs::write(dir.join("meta.json"), meta)?;
    let synonyms_json =
        serde_json::to_vec(synonyms).map_err(|e| SearchError(format!("search synonyms: {e}")))?;
    std::fs::write(dir.join(SYNONYMS_FILE), synonyms_json)?;
    Ok(index)
}

fn build(docs: &[SearchDoc], directory: RamDirectory) -> Result<Index, SearchError> {
    let (schema, f) = schema();
    let index = Index::create(directory, schema, tantivy::IndexSettings::default())?;
    index.tokenizers().register(NAME, RussianTokenizer);
    // One thread and one segment keep doc ids equal to positions in `docs`,
    // which the static export relies on.
    let mut writer = index.writer_with_num_threads::<TantivyDocument>(1, 200_000_000)?;
    for d in docs {
        let mut td = doc!(
            f.text[0] => d.title.as_str(),
            f.text[1] => d.names.as_str(),
            f.text[2] => d.body.as_str(),
            f.id => d.id.as_str(),
            f.url => d.url.as_str(),
            f.doc_type => d.doc_type.as_str(),
            f.title_stored => d.title.as_str(),
            f.excerpt => excerpt_of(&d.body),
        );
        if let Some(r) = &d.region {
            td.add_text(f.region, r);
        }
        for n in &d.needs {
            td.add_text(f.needs, n);
        }
        for a in &d.audience {
            td.add_text(f.audience, a);
        }
        if let Some(k) = &d.kind {
            td.add_text(f.kind, k);
        }
        writer.add_document(td)?;
    }
    writer.commit()?;
    let segments = index.searchable_segment_ids()?;
    if segments.len() > 1 {
        writer.merge(&segments).wait()?;
    }
    writer.wait_merging_threads()?;
    Ok(index)
}

pub fn open(dir: &Path) -> Result<(Index, IndexReader, Fields), SearchError> {
    if !dir.join("meta.json").exists() {
        return Err(SearchError(format!(
            "no search index in {}; run `opora build` first",
            dir.display()
        )));
    }
    let index = Index::open_in_dir(dir)?;
    index.tokenizers().register(NAME, RussianTokenizer);
    let fields = fields_of(&index.schema())?;
    let reader = index.reader()?;
    Ok((index, reader, fields))
}

pub fn stored_str(doc: &TantivyDocument, field: Field) -> String {
    doc.get_first(field)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string()
}
