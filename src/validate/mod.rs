//! Validation: every rule a record must satisfy, reported all at once.
//!
//! Loading already refused what cannot be read or parsed; here we check meaning:
//! required fields, taxonomy values, references between records, formats,
//! geography and freshness.

pub mod formats;
mod memo;
pub mod names;
pub mod passport;
pub mod plain;
pub mod quotes;
mod search_words;

pub use memo::Memo;

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use toml::Spanned;

use crate::config::Config;
use crate::content::records::*;
use crate::content::{Content, Data, Record};
use crate::data::{SOURCES_FILE, STYLE_FILE, TAXONOMY_FILE};
use crate::diag::{Diagnostic, Diagnostics};
use crate::phone::Phone;
use crate::ru;

pub struct Context<'a> {
    pub config: &'a Config,
    pub data: &'a Data,
    pub content: &'a Content,
    /// Today as days since 1970-01-01, for freshness.
    pub today: i64,
    pub(crate) regions: HashMap<&'a str, &'a Record<RegionMeta>>,
    pub(crate) services: HashSet<String>,
    pub(crate) documents: HashSet<&'a str>,
    /// Normalised texts of the documents that keep one, for quote checks.
    pub(crate) texts: HashMap<&'a str, (quotes::Document, &'a str)>,
    /// Documents data/sources.toml names a text for, read or not.
    pub(crate) texts_named: HashSet<&'a str>,
    pub(crate) stats: HashSet<&'a str>,
    /// Findings kept from the dev server's last rebuild ([`Memo`]).
    memo: Option<&'a Memo>,
}

pub fn validate(config: &Config, data: &Data, content: &Content, today: i64) -> Diagnostics {
    validate_with(config, data, content, today, None)
}

/// [`validate`], reusing and updating `memo` (see [`Memo`]).
pub fn validate_with(
    config: &Config,
    data: &Data,
    content: &Content,
    today: i64,
    mut memo: Option<&mut Memo>,
) -> Diagnostics {
    if let Some(m) = memo.as_deref_mut() {
        m.enter(Memo::world(config, data, content, today));
    }
    let cx = Context::new(config, data, content, today, memo.as_deref());
    let mut out = Vec::new();
    note_unchecked(data, &mut out);
    check_config(config, &mut out);
    check_taxonomy(&cx, &mut out);
    search_words::check(&cx, &mut out);
    if let Some(file) = &data.national_lines_file {
        let docs: Vec<&str> = cx.documents.iter().copied().collect();
        let docs = (!data.could_not_read(SOURCES_FILE)).then_some(docs.as_slice());
        out.extend(crate::lines::check(&data.national_lines, file, docs));
    }
    for collection in crate::collections::REGISTRY {
        collection.validate(&cx, &mut out);
    }
    check_glossary(&cx, &mut out);
    check_documents(&cx, &mut out);
    check_stats(&cx, &mut out);
    drop(cx);
    if let Some(m) = memo {
        m.close();
    }
    let mut diags = Diagnostics::default();
    diags.extend(out);
    diags
}

/// The checks of services alone, each service's own and those across them,
/// as [`validate`] runs them: an import checks the records it would write
/// with these (`crate::import`), so that it never writes one `opora check`
/// then refuses.
pub fn validate_services(
    config: &Config,
    data: &Data,
    content: &Content,
    today: i64,
) -> Vec<Diagnostic> {
    let cx = Context::new(config, data, content, today, None);
    let mut out = Vec::new();
    use crate::collections::Collection as _;
    crate::collections::services::Services.validate(&cx, &mut out);
    out
}

impl<'a> Context<'a> {
    fn new(
        config: &'a Config,
        data: &'a Data,
        content: &'a Content,
        today: i64,
        memo: Option<&'a Memo>,
    ) -> Self {
        let regions = content
            .regions
            .iter()
            .filter_map(|r| r.meta.code.as_ref().map(|c| (c.get_ref().as_str(), r)))
            .collect();
        let services = content.services.iter().map(service_id).collect();
        Context {
            config,
            data,
            content,
            today,
            regions,
            services,
            documents: data
                .documents
                .documents
                .iter()
                .map(|d| d.id.as_str())
                .collect(),
            texts_named: data
                .documents
                .documents
                .iter()
                .filter(|d| d.text.is_some())
                .map(|d| d.id.as_str())
                .collect(),
            texts: data
                .texts
                .iter()
                .map(|(id, f)| {
                    (
                        id.as_str(),
                        (quotes::Document::new(&f.text), f.rel.as_str()),
                    )
                })
                .collect(),
            // A table whose file could not be read exists all the same: a
            // reference to it is not a problem of its own.
            stats: data
                .stats
                .iter()
                .map(|(id, _, _)| id.as_str())
                .chain(
                    data.unreadable
                        .keys()
                        .filter_map(|rel| rel.strip_prefix("data/stats/")?.strip_suffix(".toml")),
                )
                .collect(),
            memo,
        }
    }
}

/// [`each_record`] for records of a file each, remembering each record's
/// findings in the dev server's [`Memo`] and reusing them while its file
/// is unchanged. Only for checks that read nothing but the record and the
/// world the memo covers (settings, data, regions, date).
pub fn each_record_file<M: Send + Sync>(
    cx: &Context,
    records: &[Record<M>],
    out: &mut Vec<Diagnostic>,
    check: impl Fn(&Record<M>, &mut Vec<Diagnostic>) + Sync,
) {
    let Some(memo) = cx.memo else {
        return each_record(records, out, check);
    };
    let found = findings(records, |r, found| {
        match memo.recall(&r.file.rel, r.file.digest) {
            Some(known) => found.extend(known),
            None => check(r, found),
        }
    });
    memo.remember_each(
        records
            .iter()
            .map(|r| (r.file.rel.as_str(), r.file.digest))
            .zip(found.iter().map(Vec::as_slice)),
    );
    out.extend(found.into_iter().flatten());
}

/// Runs one collection's per-record check over all its records on every
/// core (records are checked independently; at 50,000 services this was the
/// slowest stage of a build and of each `opora serve` rebuild). The findings
/// come back in record order.
pub fn each_record<R: Sync>(
    records: &[R],
    out: &mut Vec<Diagnostic>,
    check: impl Fn(&R, &mut Vec<Diagnostic>) + Sync,
) {
    out.extend(findings(records, check).into_iter().flatten());
}

/// What `check` finds in each record, on every core, in record order.
fn findings<R: Sync>(
    records: &[R],
    check: impl Fn(&R, &mut Vec<Diagnostic>) + Sync,
) -> Vec<Vec<Diagnostic>> {
    use rayon::prelude::*;
    records
        .par_iter()
        .map(|r| {
            let mut found = Vec::new();
            check(r, &mut found);
            found
        })
        .collect()
}

/// What is checked against a data file, and so is not checked while the file
/// cannot be read: every finding would be a false alarm (each of a thousand
/// records' needs "not one of the taxonomy's needs") burying the one real
/// problem, the file's own.
const CHECKED_AGAINST: [(&str, &str); 3] = [
    (
        TAXONOMY_FILE,
        "the values records take from its vocabularies (kind, needs, …) are not checked until it can be read",
    ),
    (
        SOURCES_FILE,
        "citations of its documents (in records and data files) are not checked until it can be read",
    ),
    (
        STYLE_FILE,
        "house style (names, plain language for families) is not checked until it can be read",
    ),
];

/// Says once, beside a data file's own problem, what was not checked
/// because of it (see [`CHECKED_AGAINST`]).
fn note_unchecked(data: &Data, out: &mut Vec<Diagnostic>) {
    for (file, what) in CHECKED_AGAINST {
        if let Some(&pos) = data.unreadable.get(file) {
            let mut d = Diagnostic::warning(file, what)
                .hint("fix the problem reported above, then check again");
            d.pos = pos;
            out.push(d);
        }
    }
}

/// Settings still holding an example value would publish links to nowhere.
fn check_config(config: &Config, out: &mut Vec<Diagnostic>) {
    for (setting, value) in config.placeholders() {
        out.push(
            Diagnostic::warning(
                "opora.toml",
                format!("`{setting}` is a placeholder: {value}"),
            )
            .hint(format!(
                "set the real address in opora.toml, or in the deployment's environment (OPORA_{})",
                setting.to_uppercase()
            )),
        );
    }
}

impl Context<'_> {
    /// The terms of a vocabulary that values are checked against; none when
    /// they cannot be checked — the taxonomy could not be read, or has no
    /// such vocabulary or no term in it — which is reported once, not at
    /// every value.
    pub(crate) fn vocabulary(&self, vocab: &str) -> &[crate::data::Term] {
        if self.data.could_not_read(TAXONOMY_FILE) {
            return &[];
        }
        self.data.taxonomy.terms(vocab)
    }
}

/// `<region folder>/<slug>`, the id other records use to refer to a service.
pub fn service_id(r: &Record<ServiceMeta>) -> String {
    format!("{}/{}", r.folder.as_deref().unwrap_or(""), r.slug)
}

pub(crate) fn require<M>(
    rec: &Record<M>,
    present: bool,
    field: &str,
    example: &str,
    out: &mut Vec<Diagnostic>,
) {
    if !present {
        out.push(
            rec.error(format!("missing required field `{field}`"))
                .hint(format!(
                    "add a line such as {example} between the +++ lines"
                )),
        );
    }
}

/// A list the record must fill: missing (as [`require`] reports), or
/// written with nothing in it — then reported where it is written.
pub(crate) fn require_list<M, T>(
    rec: &Record<M>,
    list: &List<T>,
    field: &str,
    example: &str,
    out: &mut Vec<Diagnostic>,
) {
    if !list.is_empty() {
        return;
    }
    match list.written() {
        None => require(rec, false, field, example, out),
        Some(place) => out.push(
            rec.error_at(place, format!("`{field}` is empty"))
                .hint(format!("at least one is needed, e.g. {example}")),
        ),
    }
}

/// A record's name or title is its page's heading and `<title>`, and the
/// text of every link to it: it must be there, and have something to read
/// ([`readable`]). Every collection checks its own through this.
pub(crate) fn require_title<M>(
    rec: &Record<M>,
    value: &Option<S<String>>,
    field: &str,
    example: &str,
    out: &mut Vec<Diagnostic>,
) {
    let Some(v) = value else {
        return require(rec, false, field, example, out);
    };
    if !readable(v.as_str()) {
        let message = if v.as_str().is_empty() {
            format!("`{field}` is empty")
        } else {
            format!(
                "`{field}` has no letter or digit: \"{}\"",
                v.as_str().escape_debug()
            )
        };
        out.push(rec.error_at(v, message).hint(format!(
            "the page's heading and every link to it show the {field}: write it as the source gives it, e.g. {example}"
        )));
    } else if let Some(c) = v.as_str().chars().find(|&c| ru::is_invisible_mark(c)) {
        out.push(
            rec.error_at(
                v,
                format!(
                    "`{field}` holds an invisible character ({}): \"{}\"",
                    c.escape_unicode(),
                    v.as_str().escape_debug()
                ),
            )
            .hint(format!(
                "delete it: the {field} is the page's heading, the text of every link to it and what duplicates are found by, and an invisible character makes two that read the same differ"
            )),
        );
    }
}

/// Whether a text shown as a heading or a link has something to read: a
/// letter or a digit, not only spaces, punctuation or invisible marks
/// (a zero-width space).
pub(crate) fn readable(text: &str) -> bool {
    text.chars().any(ru::is_letter_or_digit)
}

pub(crate) fn check_slug<M>(rec: &Record<M>, out: &mut Vec<Diagnostic>) {
    if !ru::is_valid_slug(&rec.slug) {
        let suggestion = ru::slugify(&rec.slug);
        out.push(
            rec.error(format!(
                "file name `{}` cannot be used in a web address",
                rec.slug
            ))
            .hint(format!(
                "rename the file to `{}.md`: lower-case Latin letters, digits and hyphens",
                if suggestion.is_empty() {
                    "name"
                } else {
                    &suggestion
                }
            )),
        );
    }
}

pub(crate) fn check_terms<M>(
    cx: &Context,
    rec: &Record<M>,
    values: &[S<String>],
    vocab: &str,
    field: &str,
    out: &mut Vec<Diagnostic>,
) {
    let terms = cx.vocabulary(vocab);
    for v in values.iter().filter(|_| !terms.is_empty()) {
        if !terms.iter().any(|t| t.id == *v.get_ref()) {
            out.push(
                rec.error_at(
                    v,
                    format!("`{}` is not one of the taxonomy's {}", v.get_ref(), vocab),
                )
                .hint(format!(
                    "use one of: {} ({TAXONOMY_FILE})",
                    suggest(terms.iter().map(|t| t.id.as_str()), v.get_ref())
                )),
            );
        }
    }
    if has_duplicates(values)
        && let Some(v) = values.first()
    {
        out.push(rec.warning_at(v, format!("`{field}` lists a value twice")));
    }
}

fn has_duplicates(values: &[S<String>]) -> bool {
    let mut seen = HashSet::new();
    values.iter().any(|v| !seen.insert(v.get_ref()))
}

/// The allowed values, with the closest one first when there is a close one.
fn suggest<'a>(options: impl Iterator<Item = &'a str>, wrong: &str) -> String {
    let mut all: Vec<&str> = options.collect();
    let distance = |o: &str| edit_distance_within(o, wrong, SUGGEST_DISTANCE);
    if let Some(best) = all
        .iter()
        .copied()
        .min_by_key(|o| distance(o))
        .filter(|o| distance(o) <= SUGGEST_DISTANCE)
    {
        all.retain(|o| *o != best);
        all.insert(0, best);
        return format!("did you mean `{best}`? — {}", all.join(", "));
    }
    all.join(", ")
}

/// One edit distance for the whole generator: the analyzer's, which the
/// search's typo tolerance uses too.
pub use opora_analyzer::edit_distance_within;

/// How far a wrong value may be from an allowed one to be suggested.
const SUGGEST_DISTANCE: usize = 3;

pub(crate) fn check_region_ref<M>(
    cx: &Context,
    rec: &Record<M>,
    code: &Spanned<String>,
    out: &mut Vec<Diagnostic>,
) {
    if !cx.regions.contains_key(code.get_ref().as_str()) {
        let hint = if cx.regions.is_empty() {
            format!(
                "content/regions/ has no region yet: add the region's file first, e.g. opora new region \"…\" --region {}",
                code.get_ref()
            )
        } else {
            format!(
                "use the code of a file in content/regions/: {}",
                suggest(
                    cx.regions
                        .keys()
                        .copied()
                        .collect::<std::collections::BTreeSet<_>>()
                        .into_iter(),
                    code.get_ref()
                )
            )
        };
        out.push(
            rec.error_at(code, format!("region `{}` does not exist", code.get_ref()))
                .hint(hint),
        );
    }
}

/// Where a citation sits, so its problems point at the right file and column:
/// a record's front matter, or a whole data file.
pub struct Origin<'a> {
    pub file: &'a crate::content::source::SourceText,
    /// Offset of the TOML the spans are relative to.
    pub offset: usize,
}

impl<'a> Origin<'a> {
    pub fn of_record<M>(rec: &'a Record<M>) -> Self {
        Origin {
            file: &rec.file,
            offset: rec.front_offset,
        }
    }

    pub fn of_file(file: &'a crate::content::source::SourceText) -> Self {
        Origin { file, offset: 0 }
    }

    fn error_at<T>(&self, v: &Spanned<T>, message: impl Into<String>) -> Diagnostic {
        let span = v.span();
        self.file
            .error_at(message, self.offset + span.start..self.offset + span.end)
    }

    fn warning_at<T>(&self, v: &Spanned<T>, message: impl Into<String>) -> Diagnostic {
        let mut d = self.error_at(v, message);
        d.severity = crate::diag::Severity::Warning;
        d
    }

    fn error(&self, message: impl Into<String>) -> Diagnostic {
        self.file.error_at_line(message, self.first_line())
    }

    /// The line the origin's TOML starts on (a record's first `+++` line).
    fn first_line(&self) -> usize {
        self.file.lines().locate(self.offset).0.line
    }
}

pub(crate) fn check_sources<M>(
    cx: &Context,
    rec: &Record<M>,
    sources: &List<Source>,
    required: bool,
    out: &mut Vec<Diagnostic>,
) {
    if required && sources.is_empty() {
        let message = "the record cites no source";
        out.push(
            match sources.written() {
                Some(place) => rec.error_at(place, message),
                None => rec.error(message),
            }
            .hint("add sources = [{ doc = \"001\", line = 123, quote = \"…\" }] or [{ url = \"https://…\" }]"),
        );
    }
    let origin = Origin::of_record(rec);
    for s in sources {
        check_source(cx, &origin, s, out);
    }
}

pub fn check_source(cx: &Context, origin: &Origin, s: &Source, out: &mut Vec<Diagnostic>) {
    match (&s.doc, &s.url) {
        // Said once beside the file's own problem ([`note_unchecked`]).
        (Some(_), _) if cx.data.could_not_read(SOURCES_FILE) => {}
        (Some(doc), _) if !cx.documents.contains(doc.get_ref().as_str()) => out.push(
            origin
                .error_at(
                    doc,
                    format!(
                        "document `{}` is not listed in {SOURCES_FILE}",
                        doc.get_ref()
                    ),
                )
                .hint(if cx.documents.is_empty() {
                    format!(
                        "{SOURCES_FILE} lists no documents yet: add the document there ([[documents]] with id = \"{}\" and title), or cite a web page with url",
                        doc.get_ref()
                    )
                } else {
                    format!(
                        "known documents: {}",
                        cx.documents
                            .iter()
                            .copied()
                            .collect::<std::collections::BTreeSet<_>>()
                            .into_iter()
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }),
        ),
        (Some(doc), _) if s.line.is_none() => out.push(
            origin
                .warning_at(doc, "citation has no line number")
                .hint("add line = N so readers can find the passage"),
        ),
        (Some(doc), _) => check_quote(cx, origin, doc, s, out),
        (None, Some(url)) if !formats::is_web_url(url.get_ref()) => out.push(
            origin
                .error_at(
                    url,
                    format!("`{}` is not a web address", url.get_ref().escape_debug()),
                )
                .hint("write the full address, starting with https://"),
        ),
        (None, None) => out.push(
            origin
                .error("a citation needs `doc` or `url`")
                .hint("e.g. { doc = \"003\", line = 36, quote = \"…\" }"),
        ),
        (None, Some(url)) if is_placeholder(url.get_ref(), s.title.as_deref()) => out.push(
            origin
                .warning_at(url, "the source is still the placeholder from `opora new`")
                .hint("replace it with the document or web page the facts come from"),
        ),
        _ => {}
    }
}

/// A document citation's quote must be found at its line of the kept text.
fn check_quote(
    cx: &Context,
    origin: &Origin,
    doc: &Spanned<String>,
    s: &Source,
    out: &mut Vec<Diagnostic>,
) {
    let line = s.line.unwrap_or(0) as usize;
    let Some((text, rel)) = cx.texts.get(doc.get_ref().as_str()) else {
        // A text named in data/sources.toml but missing or unreadable is
        // already an error at its entry: one, not one more per quote.
        let text_named = cx.texts_named.contains(doc.get_ref().as_str());
        if let Some(q) = s.quote.as_ref().filter(|_| !text_named) {
            out.push(
                origin
                    .warning_at(
                        q,
                        format!(
                            "the quote cannot be checked: document `{}` keeps no text",
                            doc.get_ref()
                        ),
                    )
                    .hint(
                        "add text = \"data/sources/<id>.txt\" to the document in data/sources.toml",
                    ),
            );
        }
        return;
    };
    if line == 0 || line > text.line_count() {
        out.push(
            origin
                .error_at(
                    doc,
                    format!(
                        "line {line} is not in {rel} (it has {} lines)",
                        text.line_count()
                    ),
                )
                .hint("cite a line of the document's text"),
        );
        return;
    }
    let Some(quote) = &s.quote else {
        out.push(
            origin
                .warning_at(doc, format!("citation of {rel}:{line} has no quote"))
                .hint("add quote = \"…\": a few words of that line that support the claim"),
        );
        return;
    };
    match text.locate(line, quote.get_ref()) {
        quotes::Found::Near => {}
        quotes::Found::Elsewhere(at) => out.push(
            origin
                .error_at(
                    quote,
                    format!(
                        "the quote is not at {rel}:{line} (±{} lines)",
                        quotes::WINDOW
                    ),
                )
                .hint(format!("it is at {rel}:{at}: cite line = {at}")),
        ),
        quotes::Found::Nowhere => out.push(
            origin
                .error_at(
                    quote,
                    format!(
                        "the quote is not at {rel}:{line} (±{} lines), nor anywhere in the document",
                        quotes::WINDOW
                    ),
                )
                .hint("copy the words exactly as the source has them (see data/sources/README.md)"),
        ),
    }
}

/// The citation `opora new` writes, so an editor cannot forget to replace it.
fn is_placeholder(url: &str, title: Option<&str>) -> bool {
    url.starts_with("https://example.org/") || title.is_some_and(|t| t.starts_with("ЗАМЕНИТЕ"))
}

fn check_taxonomy(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(file) = cx
        .data
        .taxonomy_file
        .as_ref()
        .filter(|_| !cx.data.could_not_read(TAXONOMY_FILE))
    else {
        return;
    };
    let lines = lines_by_text(&file.text);
    let bound = crate::collections::bound_vocabularies();
    for vocab in &bound {
        let problem = if !cx.data.taxonomy.has(vocab) {
            format!("the taxonomy has no `{vocab}` vocabulary")
        } else if cx.data.taxonomy.terms(vocab).is_empty() {
            format!("the taxonomy's `{vocab}` vocabulary has no terms")
        } else {
            continue;
        };
        // Records' values of it are not checked until it has terms (one
        // problem here, not one at every value: `Context::vocabulary`).
        out.push(
            Diagnostic::error(&file.rel, problem)
                .at_line(&file.text, line_in(&file.text, &format!("{vocab} = []")))
                .hint(format!(
                    "a collection's field takes its values from it; add [[{vocab}]] entries with id and label"
                )),
        );
    }
    // The ids of the vocabularies the open data publishes are the codes of
    // their HSDS taxonomy terms, which HSDS requires to be unique across them.
    let mut vocab_of: HashMap<&str, String> = HashMap::new();
    for published in crate::hsds::mapping::vocabularies(cx.data) {
        for t in cx.data.taxonomy.terms(&published.id) {
            match vocab_of.get(t.id.as_str()) {
                Some(first) if *first != published.id => {
                    let line = nth_line(&lines, &format!("id = \"{}\"", t.id), 1);
                    out.push(
                        Diagnostic::error(
                            &file.rel,
                            format!(
                                "id `{}` is used by both `{first}` and `{}`",
                                t.id, published.id
                            ),
                        )
                        .at_line(&file.text, line)
                        .hint("give one of them another id: the open data (HSDS) publishes both vocabularies, and a term's id is its code there, which must be unique"),
                    );
                }
                Some(_) => {}
                None => {
                    vocab_of.insert(&t.id, published.id.clone());
                }
            }
        }
    }
    for vocab in cx.data.taxonomy.vocabularies.keys() {
        if !bound.contains(vocab) && vocab != crate::data::NEEDS && vocab != crate::data::DIRECTIONS
        {
            let line = line_in(&file.text, &format!("[[{vocab}]]"));
            out.push(
                Diagnostic::warning(&file.rel, format!("no field uses the `{vocab}` vocabulary"))
                    .at_line(&file.text, line)
                    .hint("check the name: vocabularies are bound to fields by name"),
            );
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for t in cx.data.taxonomy.terms(vocab) {
            let times = seen.entry(t.id.as_str()).or_default();
            *times += 1;
            if *times > 1 {
                // Lines found in one pass; the same id in another vocabulary
                // is fine, so this is a best guess: the repeated `id` line.
                let line = nth_line(&lines, &format!("id = \"{}\"", t.id), *times - 1);
                out.push(
                    Diagnostic::error(
                        &file.rel,
                        format!("{} id `{}` is defined twice", vocab, t.id),
                    )
                    .at_line(&file.text, line),
                );
            }
            if !ru::is_valid_slug(&t.id) {
                // The same best guess at its line as for a repeated id.
                let line = nth_line(&lines, &format!("id = \"{}\"", t.id), *times - 1);
                out.push(
                    Diagnostic::error(
                        &file.rel,
                        format!(
                            "taxonomy id `{}` must be lower-case Latin with hyphens",
                            t.id
                        ),
                    )
                    .at_line(&file.text, line)
                    .hint(format!("for example `{}`", ru::slugify(&t.label))),
                );
            }
        }
    }
}

pub(crate) use crate::geo::valid_lat_lon;

/// The first line of `text` that is `needle` once trimmed (1 if none).
fn line_in(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.trim() == needle)
        .map_or(1, |i| i + 1)
}

/// The line numbers (1-based) of every line of `text`, keyed by the line's
/// trimmed content: one pass over a file, then every lookup is O(1) — looking
/// each line up with a fresh scan made N problems in one file cost O(N²).
pub(crate) fn lines_by_text(text: &str) -> HashMap<&str, Vec<usize>> {
    let mut out: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        out.entry(line.trim()).or_default().push(i + 1);
    }
    out
}

/// The line where the `n`-th (0-based) line reading exactly `needle` is, or 1.
pub(crate) fn nth_line(lines: &HashMap<&str, Vec<usize>>, needle: &str, n: usize) -> usize {
    lines
        .get(needle)
        .and_then(|found| found.get(n).or(found.last()))
        .copied()
        .unwrap_or(1)
}

/// The first line of the record's file that contains `needle` (1 if none);
/// for one lookup per record — many go through [`lines_by_text`].
pub(crate) fn line_of<M>(r: &Record<M>, needle: &str) -> usize {
    r.file
        .text
        .lines()
        .position(|l| l.contains(needle))
        .map_or(1, |i| i + 1)
}

pub(crate) fn check_audience<M>(rec: &Record<M>, values: &[S<String>], out: &mut Vec<Diagnostic>) {
    for v in values {
        if !matches!(v.get_ref().as_str(), "family" | "specialist") {
            out.push(
                rec.error_at(v, format!("audience `{}` is unknown", v.get_ref()))
                    .hint("use \"family\" or \"specialist\""),
            );
        }
    }
}

/// Phones, e-mails and a web address, wherever a record lists contacts.
pub(crate) fn check_contact_fields<M>(
    rec: &Record<M>,
    phones: &[S<PhoneEntry>],
    emails: &[S<String>],
    website: Option<&S<String>>,
    out: &mut Vec<Diagnostic>,
) {
    for p in phones {
        if let Err(e) = Phone::parse(p.get_ref().number()) {
            out.push(
                rec.error_at(p, format!("phone `{}` {e}", p.get_ref().number()))
                    .hint("write a Russian number with its area code, e.g. 8 (4842) 55-06-02; if the source gives none, leave the phone out"),
            );
        }
    }
    for e in emails {
        if !formats::is_email(e.get_ref()) {
            out.push(
                rec.error_at(
                    e,
                    format!("`{}` is not an e-mail address", e.get_ref().escape_debug()),
                )
                .hint("one address per list item: emails = [\"a@b.ru\", \"c@d.ru\"]"),
            );
        }
    }
    if let Some(w) = website
        && !formats::is_web_url(w.get_ref())
    {
        out.push(
            rec.error_at(
                w,
                format!("`{}` is not a web address", w.get_ref().escape_debug()),
            )
            .hint("write the full address with http:// or https://"),
        );
    }
}

/// A name must read as a name: nominative, capitalised (`data/style.toml`).
/// `organization`: the id of a service record (`<region folder>/<file name>`)
/// the page links to; `instead` is what to write when there is none.
pub(crate) fn check_organization<M>(
    cx: &Context,
    rec: &Record<M>,
    id: &S<String>,
    instead: &str,
    out: &mut Vec<Diagnostic>,
) {
    if !cx.services.contains(id.get_ref()) {
        out.push(
            rec.error_at(id, format!("organization `{}` is not a service record", id.get_ref()))
                .hint(format!("use the id `<region folder>/<file name>` of a file in content/services/, or {instead}")),
        );
    }
}

pub(crate) fn check_name<M>(cx: &Context, rec: &Record<M>, name: &str, out: &mut Vec<Diagnostic>) {
    if cx.data.could_not_read(STYLE_FILE) {
        return;
    }
    if let Some(problem) = names::check(name, &cx.data.style.names) {
        let mut d = rec
            .file
            .error_at_line(problem.message(name), line_of(rec, name))
            .hint(problem.hint());
        d.severity = crate::diag::Severity::Warning;
        out.push(d);
    }
}

/// Texts families read must pass the plain-language lint (`data/style.toml`).
pub(crate) fn check_plain<'t, M>(
    cx: &Context,
    rec: &Record<M>,
    texts: impl IntoIterator<Item = &'t str>,
    out: &mut Vec<Diagnostic>,
) {
    if cx.data.could_not_read(STYLE_FILE) {
        return;
    }
    // The file's lines folded once, and each phrase's line found once: a
    // scan of the file per problem made many problems cost O(N²).
    let mut folded: Option<Vec<String>> = None;
    let mut found: HashMap<String, usize> = HashMap::new();
    for text in texts {
        for p in plain::check(text, &cx.data.style.plain, &cx.data.glossary) {
            let needle = crate::ru::fold(&p.needle);
            let line = *found.entry(needle).or_insert_with_key(|needle| {
                folded
                    .get_or_insert_with(|| rec.file.text.lines().map(crate::ru::fold).collect())
                    .iter()
                    .position(|l| l.contains(needle.as_str()))
                    .map_or(1, |i| i + 1)
            });
            let mut d = rec.file.error_at_line(p.message, line).hint(p.hint);
            d.severity = crate::diag::Severity::Warning;
            out.push(d);
        }
    }
}

/// A `verified` date: a plain date, not in the future, not stale.
pub(crate) fn check_verified<M>(
    cx: &Context,
    s: &Record<M>,
    v: &Spanned<toml::value::Datetime>,
    out: &mut Vec<Diagnostic>,
) {
    let text = v.get_ref().to_string();
    let Some((y, mo, d)) = ru::parse_iso_date(&text).filter(|_| v.get_ref().time.is_none()) else {
        out.push(
            s.error_at(v, format!("`{text}` is not a date"))
                .hint("write verified = 2026-11-24"),
        );
        return;
    };
    let days = ru::days_from_civil(y, mo, d);
    if days > cx.today {
        out.push(
            s.error_at(v, format!("verified date {text} is in the future"))
                .hint("use the date you checked the record"),
        );
    } else if cx.today - days > cx.config.stale_after_days {
        out.push(
            s.warning_at(
                v,
                format!(
                    "last verified {} days ago (limit {})",
                    cx.today - days,
                    cx.config.stale_after_days
                ),
            )
            .hint("call the service, check the details and update `verified`"),
        );
    }
}

fn check_glossary(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(file) = &cx.data.glossary_file else {
        return;
    };
    // Each anchor with the first term that took it: one pass, however many
    // terms (a scan per term made validation quadratic).
    let mut anchors: HashMap<String, &Spanned<String>> = HashMap::new();
    for t in &cx.data.glossary.terms {
        let term = t.term.get_ref();
        let at = || t.term.span();
        match anchors.entry(t.anchor()) {
            Entry::Vacant(v) => {
                v.insert(&t.term);
            }
            Entry::Occupied(first) => {
                out.push(same_anchor(file, first.key(), first.get(), &t.term));
            }
        }
        if t.expansion.as_deref().is_some_and(|e| e.trim().is_empty())
            || (t.expansion.is_none() && t.explanation.trim().is_empty())
        {
            out.push(file.error_at(
                format!("term `{term}` has neither an expansion nor an explanation"),
                at(),
            ));
        }
        for s in &t.sources {
            check_source(cx, &Origin::of_file(file), s, out);
        }
    }
}

/// Two glossary terms that would share one anchor on the glossary page:
/// the same term twice, or two spellings that transliterate alike («СОП» and
/// «СОП.», «Ёлка» and «Елка») — links to the second would open the first.
fn same_anchor(
    file: &crate::content::source::SourceText,
    anchor: &str,
    first: &Spanned<String>,
    second: &Spanned<String>,
) -> Diagnostic {
    let line = file.line_at(first.span().start);
    let (message, hint) = if first.get_ref() == second.get_ref() {
        (
            format!(
                "term `{}` is defined twice (first at line {line})",
                second.get_ref()
            ),
            "merge the two entries".to_string(),
        )
    } else {
        (
            format!(
                "terms «{}» and «{}» (line {line}) would share the anchor #{anchor} on the glossary page",
                second.get_ref(),
                first.get_ref()
            ),
            format!(
                "one term written two ways? merge the entries and list «{}» in the other's aliases; otherwise rename one so the two differ in letters or digits, not only in punctuation, case or ё",
                second.get_ref()
            ),
        )
    };
    file.error_at(message, second.span()).hint(hint)
}

/// A `url` in a data file must be an http(s) address (it becomes a link).
fn check_web_url_in(
    file: &crate::content::source::SourceText,
    url: &Spanned<String>,
    out: &mut Vec<Diagnostic>,
) {
    if !formats::is_web_url(url.get_ref()) {
        out.push(
            file.error_at(
                format!("`{}` is not a web address", url.get_ref().escape_debug()),
                url.span(),
            )
            .hint("write the full address, starting with https://"),
        );
    }
}

/// The documents records cite: each `url` becomes a link on every page citing it.
fn check_documents(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(file) = &cx.data.documents_file else {
        return;
    };
    for d in &cx.data.documents.documents {
        if let Some(url) = &d.url {
            check_web_url_in(file, url, out);
        }
    }
}

fn check_stats(cx: &Context, out: &mut Vec<Diagnostic>) {
    for (_, table, file) in &cx.data.stats {
        for r in &table.regions {
            if !cx.regions.contains_key(r.get_ref().as_str()) {
                out.push(
                    file.error_at(format!("region `{}` does not exist", r.get_ref()), r.span())
                        .hint("use the code of a file in content/regions/"),
                );
            }
        }
        let directions = cx.vocabulary(crate::data::DIRECTIONS);
        for t in table.topics.iter().filter(|_| !directions.is_empty()) {
            if !directions.iter().any(|d| d.id == *t.get_ref()) {
                out.push(file.error_at(
                    format!(
                        "topic `{}` is not one of the taxonomy's directions",
                        t.get_ref()
                    ),
                    t.span(),
                ));
            }
        }
        let width = table.columns.len();
        let mut row_lines: Option<Vec<usize>> = None;
        for (i, row) in table.rows.get_ref().iter().enumerate() {
            if row.len() != width {
                // Found once per table, however many rows are wrong.
                let lines =
                    row_lines.get_or_insert_with(|| row_lines_of(file, table.rows.span().start));
                let line = lines.get(i).or(lines.last()).copied().unwrap_or(1);
                out.push(
                    file.error_at_line(
                        format!(
                            "row {} has {} cells but there are {width} columns",
                            i + 1,
                            row.len()
                        ),
                        line,
                    )
                    .hint("use \"\" for an empty cell so the columns line up"),
                );
            }
        }
        if let Some(chart) = &table.chart {
            let c = chart.get_ref();
            if c.label_column >= width || c.value_columns.iter().any(|&v| v >= width) {
                out.push(
                    file.error_at("chart refers to a column that does not exist", chart.span())
                        .hint(format!(
                            "columns are numbered from 0 to {}",
                            width.saturating_sub(1)
                        )),
                );
            } else if crate::render::chart::bar_chart(table, c).is_none() {
                // Asked for, and the page would quietly show the table alone.
                let mut d = file.error_at(
                    "this chart is not drawn: its columns have no number above zero, or one below zero",
                    chart.span(),
                );
                d.severity = crate::diag::Severity::Warning;
                out.push(
                    d.hint("bars from zero cannot show a negative number, and the table gives every value; leave `chart` out, or plot columns of counts"),
                );
            }
        }
        if let Some(s) = &table.source {
            check_source(cx, &Origin::of_file(file), s, out);
        }
    }
}

/// The line of every row inside a `rows = [...]` array that starts at `start`,
/// in one pass (brackets inside quoted cells are skipped).
fn row_lines_of(file: &crate::content::source::SourceText, start: usize) -> Vec<usize> {
    let text = &file.text;
    let lines = file.lines();
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (off, c) in text.get(start..).unwrap_or("").char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '[' => {
                depth += 1;
                if depth == 2 {
                    out.push(lines.locate(start + off).0.line);
                }
            }
            ']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
    }
    out
}

/// The environment variable that fixes "today" when `opora.toml` does not:
/// CI, tests and reproducible builds set it (`OPORA_TODAY=2026-11-24`).
pub const TODAY_ENV: &str = "OPORA_TODAY";

/// Today as days since 1970-01-01, the one notion of today every command
/// shares (`check` judges `verified` dates by it, `new` and `import` write it):
/// `today` from `opora.toml`, else `OPORA_TODAY`, else the system clock (UTC).
pub fn today(config: &Config) -> i64 {
    if let Some(d) = config.today.as_ref().and_then(|d| d.date) {
        return ru::days_from_civil(d.year as i32, d.month as u32, d.day as u32);
    }
    if let Some(days) = std::env::var(TODAY_ENV)
        .ok()
        .and_then(|v| parse_iso_date(&v))
    {
        return days;
    }
    today_days_now()
}

/// `YYYY-MM-DD` as days since 1970-01-01; `None` for anything else.
pub fn parse_iso_date(text: &str) -> Option<i64> {
    let text = text.trim();
    // Exactly a date, and one that exists: 2026-02-30 is not 2026-03-02.
    let (y, m, d) = ru::parse_iso_date(text).filter(|_| text.len() == 10)?;
    Some(ru::days_from_civil(y, m, d))
}

/// The system clock's date as days since 1970-01-01 (UTC).
fn today_days_now() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    (secs / 86_400) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_put_the_closest_first() {
        let s = suggest(["crisis", "legal", "housing"].into_iter(), "crysis");
        assert!(s.starts_with("did you mean `crisis`?"), "{s}");
        assert!(suggest(["коляска"].into_iter(), "каляска").starts_with("did you mean `коляска`"));
        assert_eq!(suggest(["a", "b"].into_iter(), "совсем-другое"), "a, b");
    }
}
