//! Validation: every rule a record must satisfy, reported all at once.
//!
//! Loading already refused what cannot be read or parsed; here we check meaning:
//! required fields, taxonomy values, references between records, formats,
//! geography and freshness.

pub mod formats;
pub mod names;
pub mod passport;
pub mod plain;
pub mod quotes;

use std::collections::{BTreeMap, HashMap, HashSet};

use toml::Spanned;

use crate::config::Config;
use crate::content::records::*;
use crate::content::{Content, Data, Record};
use crate::data::Vocabulary;
use crate::diag::{Diagnostic, Diagnostics};
use crate::phone::Phone;
use crate::ru;

/// Site sections whose URLs a free page must not take.
pub const RESERVED_SLUGS: [&str; 14] = [
    "regions",
    "services",
    "needs",
    "routes",
    "practices",
    "programmes",
    "glossary",
    "search",
    "stats",
    "data",
    "static",
    "assets",
    "sitemap",
    "404",
];

pub struct Context<'a> {
    pub config: &'a Config,
    pub data: &'a Data,
    pub content: &'a Content,
    /// Today as days since 1970-01-01, for freshness.
    pub today: i64,
    regions: HashMap<&'a str, &'a Record<RegionMeta>>,
    services: HashSet<String>,
    documents: HashSet<&'a str>,
    /// Normalised texts of the documents that keep one, for quote checks.
    texts: HashMap<&'a str, (quotes::Document, &'a str)>,
    stats: HashSet<&'a str>,
}

pub fn validate(config: &Config, data: &Data, content: &Content, today: i64) -> Diagnostics {
    let regions = content
        .regions
        .iter()
        .filter_map(|r| r.meta.code.as_ref().map(|c| (c.get_ref().as_str(), r)))
        .collect();
    let services = content.services.iter().map(service_id).collect();
    let cx = Context {
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
        stats: data.stats.iter().map(|(id, _, _)| id.as_str()).collect(),
    };
    let mut out = Vec::new();
    check_config(config, &mut out);
    check_taxonomy(&cx, &mut out);
    for r in &content.regions {
        check_region(&cx, r, &mut out);
    }
    for s in &content.services {
        check_service(&cx, s, &mut out);
    }
    check_duplicate_services(content, &mut out);
    for p in &content.practices {
        check_practice(&cx, p, &mut out);
    }
    for p in &content.programmes {
        check_programme(&cx, p, &mut out);
    }
    for r in &content.routes {
        check_route(&cx, r, &mut out);
    }
    for p in &content.pages {
        check_page(&cx, p, &mut out);
    }
    check_glossary(&cx, &mut out);
    check_stats(&cx, &mut out);
    if let Some(file) = &data.national_lines_file {
        let docs: Vec<&str> = cx.documents.iter().copied().collect();
        out.extend(crate::lines::check(&data.national_lines, file, &docs));
    }
    let mut diags = Diagnostics::default();
    diags.extend(out);
    diags
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

/// `<region folder>/<slug>`, the id other records use to refer to a service.
pub fn service_id(r: &Record<ServiceMeta>) -> String {
    format!("{}/{}", r.folder.as_deref().unwrap_or(""), r.slug)
}

fn require<M>(
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

fn check_slug<M>(rec: &Record<M>, out: &mut Vec<Diagnostic>) {
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

fn check_terms<M>(
    cx: &Context,
    rec: &Record<M>,
    values: &[Spanned<String>],
    vocab: Vocabulary,
    field: &str,
    out: &mut Vec<Diagnostic>,
) {
    for v in values {
        if cx.data.taxonomy.find(vocab, v.get_ref()).is_none() {
            out.push(
                rec.error_at(
                    v,
                    format!(
                        "`{}` is not one of the taxonomy's {}",
                        v.get_ref(),
                        vocab.key()
                    ),
                )
                .hint(format!(
                    "use one of: {} (data/taxonomy.toml)",
                    suggest(
                        cx.data.taxonomy.terms(vocab).iter().map(|t| t.id.as_str()),
                        v.get_ref()
                    )
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

fn has_duplicates(values: &[Spanned<String>]) -> bool {
    let mut seen = HashSet::new();
    values.iter().any(|v| !seen.insert(v.get_ref()))
}

/// The allowed values, with the closest one first when there is a close one.
fn suggest<'a>(options: impl Iterator<Item = &'a str>, wrong: &str) -> String {
    let mut all: Vec<&str> = options.collect();
    if let Some(best) = all
        .iter()
        .copied()
        .min_by_key(|o| edit_distance(o, wrong))
        .filter(|o| edit_distance(o, wrong) <= 3)
    {
        all.retain(|o| *o != best);
        all.insert(0, best);
        return format!("did you mean `{best}`? — {}", all.join(", "));
    }
    all.join(", ")
}

pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn check_region_ref<M>(
    cx: &Context,
    rec: &Record<M>,
    code: &Spanned<String>,
    out: &mut Vec<Diagnostic>,
) {
    if !cx.regions.contains_key(code.get_ref().as_str()) {
        out.push(
            rec.error_at(code, format!("region `{}` does not exist", code.get_ref()))
                .hint(format!(
                    "use the code of a file in content/regions/: {}",
                    suggest(
                        cx.regions
                            .keys()
                            .copied()
                            .collect::<std::collections::BTreeSet<_>>()
                            .into_iter(),
                        code.get_ref()
                    )
                )),
        );
    }
}

/// Where a citation sits, so its problems point at the right file and column:
/// a record's front matter, or a whole data file.
pub struct Origin<'a> {
    pub rel: &'a str,
    pub text: &'a str,
    /// Offset of the TOML the spans are relative to.
    pub offset: usize,
}

impl<'a> Origin<'a> {
    pub fn of_record<M>(rec: &'a Record<M>) -> Self {
        Origin {
            rel: &rec.file.rel,
            text: &rec.file.text,
            offset: rec.front_offset,
        }
    }

    pub fn of_file(file: &'a crate::content::source::SourceText) -> Self {
        Origin {
            rel: &file.rel,
            text: &file.text,
            offset: 0,
        }
    }

    fn error_at<T>(&self, v: &Spanned<T>, message: impl Into<String>) -> Diagnostic {
        let span = v.span();
        Diagnostic::error(self.rel, message)
            .at(self.text, self.offset + span.start..self.offset + span.end)
    }

    fn warning_at<T>(&self, v: &Spanned<T>, message: impl Into<String>) -> Diagnostic {
        let mut d = self.error_at(v, message);
        d.severity = crate::diag::Severity::Warning;
        d
    }

    fn error(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(self.rel, message).at_line(self.text, self.first_line())
    }

    /// The line the origin's TOML starts on (a record's first `+++` line).
    fn first_line(&self) -> usize {
        crate::diag::locate(self.text, self.offset).0.line
    }
}

fn check_sources<M>(
    cx: &Context,
    rec: &Record<M>,
    sources: &[Source],
    required: bool,
    out: &mut Vec<Diagnostic>,
) {
    if required && sources.is_empty() {
        out.push(
            rec.error("the record cites no source")
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
        (Some(doc), _) if !cx.documents.contains(doc.get_ref().as_str()) => out.push(
            origin
                .error_at(
                    doc,
                    format!(
                        "document `{}` is not listed in data/sources.toml",
                        doc.get_ref()
                    ),
                )
                .hint(format!(
                    "known documents: {}",
                    cx.documents
                        .iter()
                        .copied()
                        .collect::<std::collections::BTreeSet<_>>()
                        .into_iter()
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
        ),
        (Some(doc), _) if s.line.is_none() => out.push(
            origin
                .warning_at(doc, "citation has no line number")
                .hint("add line = N so readers can find the passage"),
        ),
        (Some(doc), _) => check_quote(cx, origin, doc, s, out),
        (None, Some(url)) if !formats::is_web_url(url.get_ref()) => out.push(
            origin
                .error_at(url, format!("`{}` is not a web address", url.get_ref()))
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
        if let Some(q) = &s.quote {
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
    let Some(file) = &cx.data.taxonomy_file else {
        return;
    };
    for vocab in [
        Vocabulary::Needs,
        Vocabulary::Kinds,
        Vocabulary::TargetGroups,
        Vocabulary::Directions,
        Vocabulary::RegionRoles,
        Vocabulary::ProgrammeKinds,
    ] {
        let mut seen = HashSet::new();
        for t in cx.data.taxonomy.terms(vocab) {
            if !seen.insert(t.id.as_str()) {
                let needle = format!("id = \"{}\"", t.id);
                let line = file
                    .text
                    .lines()
                    .position(|l| l.trim() == needle)
                    .map_or(1, |i| i + 1);
                out.push(
                    Diagnostic::error(
                        &file.rel,
                        format!("{} id `{}` is defined twice", vocab.key(), t.id),
                    )
                    .at_line(&file.text, line),
                );
            }
            if !ru::is_valid_slug(&t.id) {
                out.push(
                    Diagnostic::error(
                        &file.rel,
                        format!(
                            "taxonomy id `{}` must be lower-case Latin with hyphens",
                            t.id
                        ),
                    )
                    .hint(format!("for example `{}`", ru::slugify(&t.label))),
                );
            }
        }
    }
}

fn check_region(cx: &Context, r: &Record<RegionMeta>, out: &mut Vec<Diagnostic>) {
    let m = &r.meta;
    require(r, m.code.is_some(), "code", "code = \"RU-MOS\"", out);
    require(
        r,
        m.name.is_some(),
        "name",
        "name = \"Московская область\"",
        out,
    );
    if let Some(code) = &m.code {
        if !formats::is_region_code(code.get_ref()) {
            out.push(
                r.error_at(
                    code,
                    format!("`{}` is not an ISO 3166-2:RU code", code.get_ref()),
                )
                .hint("codes look like RU-MOS, RU-NVS, RU-BA"),
            );
        } else if code.get_ref().to_lowercase() != r.slug {
            out.push(
                r.error_at(
                    code,
                    format!(
                        "code `{}` does not match the file name `{}.md`",
                        code.get_ref(),
                        r.slug
                    ),
                )
                .hint(format!(
                    "rename the file to {}.md",
                    code.get_ref().to_lowercase()
                )),
            );
        }
    }
    check_terms(cx, r, &m.roles, Vocabulary::RegionRoles, "roles", out);
    if let Some(bbox) = &m.bbox {
        let b = bbox.get_ref();
        if !(valid_lat_lon(b[1], b[0]) && valid_lat_lon(b[3], b[2]) && b[0] < b[2] && b[1] < b[3]) {
            out.push(
                r.error_at(
                    bbox,
                    "bbox must be [min_lon, min_lat, max_lon, max_lat] with min < max",
                )
                .hint("e.g. bbox = [35.1, 54.2, 40.2, 56.96]"),
            );
        } else {
            for mu in &m.municipalities {
                if !formats::in_bbox(b, mu.lat, mu.lon) {
                    let line = line_of(r, &format!("\"{}\"", mu.name));
                    out.push(
                        Diagnostic::error(
                            &r.file.rel,
                            format!(
                                "municipality `{}` at {}, {} lies outside the region's bbox",
                                mu.name, mu.lat, mu.lon
                            ),
                        )
                        .at_line(&r.file.text, line)
                        .hint("check that lat and lon are not swapped"),
                    );
                }
            }
        }
    }
    check_sources(cx, r, &m.sources, true, out);
    if let Some(dvs) = &m.dvs
        && let Some(s) = &dvs.source
    {
        check_source(cx, &Origin::of_record(r), s, out);
    }
}

fn valid_lat_lon(lat: f64, lon: f64) -> bool {
    formats::valid_lat_lon(lat, lon)
}

/// The first line of the record's file that contains `needle` (1 if none).
fn line_of<M>(r: &Record<M>, needle: &str) -> usize {
    r.file
        .text
        .lines()
        .position(|l| l.contains(needle))
        .map_or(1, |i| i + 1)
}

fn check_audience<M>(rec: &Record<M>, values: &[Spanned<String>], out: &mut Vec<Diagnostic>) {
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
fn check_contact_fields<M>(
    rec: &Record<M>,
    phones: &[Spanned<PhoneEntry>],
    emails: &[Spanned<String>],
    website: Option<&Spanned<String>>,
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
                rec.error_at(e, format!("`{}` is not an e-mail address", e.get_ref()))
                    .hint("one address per list item: emails = [\"a@b.ru\", \"c@d.ru\"]"),
            );
        }
    }
    if let Some(w) = website
        && !formats::is_web_url(w.get_ref())
    {
        out.push(
            rec.error_at(w, format!("`{}` is not a web address", w.get_ref()))
                .hint("write the full address with http:// or https://"),
        );
    }
}

fn check_service(cx: &Context, s: &Record<ServiceMeta>, out: &mut Vec<Diagnostic>) {
    let m = &s.meta;
    check_slug(s, out);
    require(
        s,
        m.name.is_some(),
        "name",
        "name = \"Семейный центр «…»\"",
        out,
    );
    require(s, m.kind.is_some(), "kind", "kind = \"family-centre\"", out);
    require(s, !m.needs.is_empty(), "needs", "needs = [\"crisis\"]", out);
    require(s, m.region.is_some(), "region", "region = \"RU-MOS\"", out);
    if let Some(kind) = &m.kind {
        check_terms(
            cx,
            s,
            std::slice::from_ref(kind),
            Vocabulary::Kinds,
            "kind",
            out,
        );
    }
    check_terms(cx, s, &m.needs, Vocabulary::Needs, "needs", out);
    check_audience(s, &m.audience, out);
    let region = m.region.as_ref().and_then(|code| {
        check_region_ref(cx, s, code, out);
        let folder = s.folder.as_deref().unwrap_or("");
        if code.get_ref().to_lowercase() != folder {
            out.push(
                s.error_at(
                    code,
                    format!(
                        "region `{}` does not match the folder `{folder}`",
                        code.get_ref()
                    ),
                )
                .hint(format!(
                    "move the file to content/services/{}/",
                    code.get_ref().to_lowercase()
                )),
            );
        }
        cx.regions.get(code.get_ref().as_str())
    });
    if let Some(loc) = &m.location {
        let l = loc.get_ref();
        if !valid_lat_lon(l.lat, l.lon) {
            out.push(
                s.error_at(loc, "coordinates out of range")
                    .hint("lat is −90…90, lon is −180…180"),
            );
        } else if let Some(bbox) = region.and_then(|r| r.meta.bbox.as_ref())
            && !formats::in_bbox(bbox.get_ref(), l.lat, l.lon)
        {
            let swapped = formats::in_bbox(bbox.get_ref(), l.lon, l.lat);
            out.push(
                s.error_at(
                    loc,
                    format!(
                        "location {}, {} is outside the region's bounds",
                        l.lat, l.lon
                    ),
                )
                .hint(if swapped {
                    "lat and lon look swapped"
                } else {
                    "check the coordinates, or the region"
                }),
            );
        }
    }
    check_contact_fields(s, &m.phones, &m.emails, m.website.as_ref(), out);
    if let Some(age) = &m.age_months {
        let [min, max] = *age.get_ref();
        if min > max || max > 216 {
            out.push(
                s.error_at(
                    age,
                    "age_months must be [youngest, oldest] in months, up to 216",
                )
                .hint("e.g. age_months = [0, 48] for children under four"),
            );
        }
    }
    if let Some(v) = &m.verified {
        check_verified(cx, s, v, out);
    }
    for name in [&m.name, &m.organization].into_iter().flatten() {
        check_name(cx, s, name, out);
    }
    if m.audience.is_empty() || m.audience.iter().any(|a| a.get_ref() == "family") {
        let texts = [
            Some(s.markdown()),
            m.eligibility.as_deref(),
            m.how_to_apply.as_deref(),
            m.cost.as_deref(),
        ];
        check_plain(cx, s, texts.into_iter().flatten(), out);
    }
    check_sources(cx, s, &m.sources, true, out);
}

/// A name must read as a name: nominative, capitalised (`data/style.toml`).
fn check_name<M>(cx: &Context, rec: &Record<M>, name: &str, out: &mut Vec<Diagnostic>) {
    if let Some(problem) = names::check(name, &cx.data.style.names) {
        out.push(
            Diagnostic::warning(&rec.file.rel, problem.message(name))
                .at_line(&rec.file.text, line_of(rec, name))
                .hint(problem.hint()),
        );
    }
}

/// Texts families read must pass the plain-language lint (`data/style.toml`).
fn check_plain<'t, M>(
    cx: &Context,
    rec: &Record<M>,
    texts: impl IntoIterator<Item = &'t str>,
    out: &mut Vec<Diagnostic>,
) {
    for text in texts {
        for p in plain::check(text, &cx.data.style.plain, &cx.data.glossary) {
            let needle = p.needle.to_lowercase().replace('ё', "е");
            let line = rec
                .file
                .text
                .lines()
                .position(|l| l.to_lowercase().replace('ё', "е").contains(&needle))
                .map_or(1, |i| i + 1);
            out.push(
                Diagnostic::warning(&rec.file.rel, p.message)
                    .at_line(&rec.file.text, line)
                    .hint(p.hint),
            );
        }
    }
}

fn check_verified(
    cx: &Context,
    s: &Record<ServiceMeta>,
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

fn check_duplicate_services(content: &Content, out: &mut Vec<Diagnostic>) {
    let mut by_key: BTreeMap<(String, String), Vec<&Record<ServiceMeta>>> = BTreeMap::new();
    for s in &content.services {
        if let Some(name) = &s.meta.name {
            let key = name
                .to_lowercase()
                .replace('ё', "е")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            by_key
                .entry((s.folder.clone().unwrap_or_default(), key))
                .or_default()
                .push(s);
        }
    }
    for group in by_key.values().filter(|g| g.len() > 1) {
        for dup in &group[1..] {
            if dup.meta.municipality == group[0].meta.municipality {
                out.push(
                    dup.error(format!("same name as {}", group[0].file.rel))
                        .hint("two records for one service? merge them; otherwise make the names differ (add the town or branch)"),
                );
            }
        }
    }
}

fn check_practice(cx: &Context, p: &Record<PracticeMeta>, out: &mut Vec<Diagnostic>) {
    let m = &p.meta;
    check_slug(p, out);
    require(
        p,
        m.title.is_some(),
        "title",
        "title = \"Название практики\"",
        out,
    );
    require(p, m.region.is_some(), "region", "region = \"RU-KLU\"", out);
    require(
        p,
        m.passport.is_some(),
        "passport",
        "passport = \"full\"",
        out,
    );
    require(
        p,
        !m.directions.is_empty(),
        "directions",
        "directions = [\"family-support\"]",
        out,
    );
    require(
        p,
        !m.target_groups.is_empty(),
        "target_groups",
        "target_groups = [\"families-tzhs\"]",
        out,
    );
    if let Some(r) = &m.region {
        check_region_ref(cx, p, r, out);
    }
    if let Some(org) = &m.organization
        && !cx.services.contains(org.get_ref())
    {
        out.push(
                p.error_at(org, format!("organization `{}` is not a service record", org.get_ref()))
                    .hint("use the id `<region folder>/<file name>` of a file in content/services/, or organization_name = \"…\""),
            );
    }
    check_terms(
        cx,
        p,
        &m.directions,
        Vocabulary::Directions,
        "directions",
        out,
    );
    check_terms(
        cx,
        p,
        &m.target_groups,
        Vocabulary::TargetGroups,
        "target_groups",
        out,
    );
    if let Some(year) = &m.year
        && !(1950..=2100).contains(year.get_ref())
    {
        out.push(
            p.error_at(year, "year looks wrong")
                .hint("the year the practice started, e.g. year = 2014"),
        );
    }
    if let Some(c) = &m.contacts {
        check_contact_fields(p, &c.phones, &c.emails, c.website.as_ref(), out);
    }
    if let Some(name) = &m.organization_name {
        check_name(cx, p, name, out);
    }
    passport::check(p, out);
    check_sources(cx, p, &m.sources, true, out);
}

fn check_programme(cx: &Context, p: &Record<ProgrammeMeta>, out: &mut Vec<Diagnostic>) {
    let m = &p.meta;
    check_slug(p, out);
    require(
        p,
        m.title.is_some(),
        "title",
        "title = \"Название программы\"",
        out,
    );
    require(p, m.kind.is_some(), "kind", "kind = \"training\"", out);
    if let Some(provider) = &m.provider {
        check_name(cx, p, provider, out);
    }
    if let Some(kind) = &m.kind {
        check_terms(
            cx,
            p,
            std::slice::from_ref(kind),
            Vocabulary::ProgrammeKinds,
            "kind",
            out,
        );
    }
    check_audience(p, &m.audience, out);
    for r in &m.regions {
        check_region_ref(cx, p, r, out);
    }
    for t in &m.trained {
        if let Some(r) = &t.region {
            check_region_ref(cx, p, r, out);
        }
    }
    check_terms(
        cx,
        p,
        &m.directions,
        Vocabulary::Directions,
        "directions",
        out,
    );
    for st in &m.stats {
        if !cx.stats.contains(st.get_ref().as_str()) {
            out.push(
                p.error_at(
                    st,
                    format!("statistics table `{}` does not exist", st.get_ref()),
                )
                .hint("use a file name (without .toml) from data/stats/"),
            );
        }
    }
    check_sources(cx, p, &m.sources, true, out);
}

fn check_route(cx: &Context, r: &Record<RouteMeta>, out: &mut Vec<Diagnostic>) {
    let m = &r.meta;
    check_slug(r, out);
    require(r, m.title.is_some(), "title", "title = \"Если …\"", out);
    require(
        r,
        m.audience.is_some(),
        "audience",
        "audience = \"family\"",
        out,
    );
    require(
        r,
        !m.steps.is_empty(),
        "steps",
        "[[steps]] with a title",
        out,
    );
    if let Some(a) = &m.audience {
        check_audience(r, std::slice::from_ref(a), out);
        if a.get_ref() == "family" {
            check_plain(
                cx,
                r,
                [m.summary.as_deref(), Some(r.markdown())]
                    .into_iter()
                    .flatten(),
                out,
            );
        }
        if a.get_ref() == "family"
            && m.needs.is_empty()
            && m.steps.iter().all(|s| s.needs.is_empty())
        {
            out.push(
                r.warning_at(a, "a family route links no need category")
                    .hint("add needs = [\"…\"] so the route can point readers to services"),
            );
        }
    }
    if let Some(region) = &m.region {
        check_region_ref(cx, r, region, out);
    }
    check_terms(cx, r, &m.needs, Vocabulary::Needs, "needs", out);
    for (i, step) in m.steps.iter().enumerate() {
        if step.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
            let line = nth_line_of(r, "[[steps]]", i);
            out.push(
                Diagnostic::error(&r.file.rel, format!("step {} has no title", i + 1))
                    .at_line(&r.file.text, line)
                    .hint("add title = \"…\" to the step"),
            );
        }
        check_terms(cx, r, &step.needs, Vocabulary::Needs, "needs", out);
        if m.audience.as_ref().is_some_and(|a| a.get_ref() == "family") {
            let branches = step
                .branches
                .iter()
                .flat_map(|b| [Some(b.label.as_str()), b.text.as_deref()]);
            let texts = [step.title.as_deref(), step.text.as_deref()]
                .into_iter()
                .chain(branches);
            check_plain(cx, r, texts.flatten(), out);
        }
        for s in &step.sources {
            check_source(cx, &Origin::of_record(r), s, out);
        }
    }
    check_sources(cx, r, &m.sources, true, out);
}

fn nth_line_of<M>(r: &Record<M>, needle: &str, n: usize) -> usize {
    r.file
        .text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == needle)
        .nth(n)
        .map_or(1, |(i, _)| i + 1)
}

fn check_page(cx: &Context, p: &Record<PageMeta>, out: &mut Vec<Diagnostic>) {
    check_slug(p, out);
    require(
        p,
        p.meta.title.is_some(),
        "title",
        "title = \"О проекте\"",
        out,
    );
    if RESERVED_SLUGS.contains(&p.slug.as_str()) {
        out.push(
            p.error(format!(
                "a page cannot be called `{}`: the site uses that address",
                p.slug
            ))
            .hint("rename the file"),
        );
    }
    // Pages may also be for editors: shown in the footer, never in the family navigation.
    if let Some(a) = p.meta.audience.as_ref().filter(|a| a.get_ref() != "editor") {
        check_audience(p, std::slice::from_ref(a), out);
        if a.get_ref() == "family" {
            let texts = [p.meta.summary.as_deref(), Some(p.markdown())];
            check_plain(cx, p, texts.into_iter().flatten(), out);
        }
    }
    check_sources(cx, p, &p.meta.sources, false, out);
}

fn check_glossary(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(file) = &cx.data.glossary_file else {
        return;
    };
    let mut seen = HashSet::new();
    for t in &cx.data.glossary.terms {
        let line = file
            .text
            .lines()
            .position(|l| l.trim() == format!("term = \"{}\"", t.term))
            .map_or(1, |i| i + 1);
        if !seen.insert(t.term.as_str()) {
            out.push(
                Diagnostic::error(&file.rel, format!("term `{}` is defined twice", t.term))
                    .at_line(&file.text, line)
                    .hint("merge the two entries"),
            );
        }
        if t.expansion.as_deref().is_some_and(|e| e.trim().is_empty())
            || (t.expansion.is_none() && t.explanation.trim().is_empty())
        {
            out.push(
                Diagnostic::error(
                    &file.rel,
                    format!(
                        "term `{}` has neither an expansion nor an explanation",
                        t.term
                    ),
                )
                .at_line(&file.text, line),
            );
        }
        for s in &t.sources {
            check_source(cx, &Origin::of_file(file), s, out);
        }
    }
}

fn check_stats(cx: &Context, out: &mut Vec<Diagnostic>) {
    for (_, table, file) in &cx.data.stats {
        for r in &table.regions {
            if !cx.regions.contains_key(r.get_ref().as_str()) {
                out.push(
                    Diagnostic::error(
                        &file.rel,
                        format!("region `{}` does not exist", r.get_ref()),
                    )
                    .at(&file.text, r.span())
                    .hint("use the code of a file in content/regions/"),
                );
            }
        }
        for t in &table.topics {
            if cx
                .data
                .taxonomy
                .find(Vocabulary::Directions, t.get_ref())
                .is_none()
            {
                out.push(
                    Diagnostic::error(
                        &file.rel,
                        format!(
                            "topic `{}` is not one of the taxonomy's directions",
                            t.get_ref()
                        ),
                    )
                    .at(&file.text, t.span()),
                );
            }
        }
        let width = table.columns.len();
        for (i, row) in table.rows.get_ref().iter().enumerate() {
            if row.len() != width {
                let line = row_line(&file.text, table.rows.span().start, i);
                out.push(
                    Diagnostic::error(
                        &file.rel,
                        format!(
                            "row {} has {} cells but there are {width} columns",
                            i + 1,
                            row.len()
                        ),
                    )
                    .at_line(&file.text, line)
                    .hint("use \"\" for an empty cell so the columns line up"),
                );
            }
        }
        if let Some(chart) = &table.chart {
            let c = chart.get_ref();
            if c.label_column >= width || c.value_columns.iter().any(|&v| v >= width) {
                out.push(
                    Diagnostic::error(&file.rel, "chart refers to a column that does not exist")
                        .at(&file.text, chart.span())
                        .hint(format!(
                            "columns are numbered from 0 to {}",
                            width.saturating_sub(1)
                        )),
                );
            }
        }
        if let Some(s) = &table.source {
            check_source(cx, &Origin::of_file(file), s, out);
        }
    }
}

/// The line of the i-th row inside a `rows = [...]` array that starts at `start`.
fn row_line(text: &str, start: usize, i: usize) -> usize {
    let mut depth = 0usize;
    let mut rows_seen = 0usize;
    for (off, c) in text.get(start..).unwrap_or("").char_indices() {
        match c {
            '[' => {
                depth += 1;
                if depth == 2 {
                    if rows_seen == i {
                        return crate::diag::locate(text, start + off).0.line;
                    }
                    rows_seen += 1;
                }
            }
            ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    crate::diag::locate(text, start).0.line
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
    let d: toml::value::Datetime = text.trim().parse().ok()?;
    if d.time.is_some() {
        return None;
    }
    let d = d.date?;
    Some(ru::days_from_civil(
        d.year as i32,
        d.month as u32,
        d.day as u32,
    ))
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
        assert_eq!(edit_distance("каляска", "коляска"), 1);
    }
}
