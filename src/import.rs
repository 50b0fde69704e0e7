//! `opora import`: services from a regional spreadsheet saved as CSV.
//!
//! Columns are named in Russian (see `COLUMNS`); order does not matter and
//! unknown columns are reported. Phones are normalized, and rows that look like
//! records we already have — the same phone, or a near-identical name in the
//! same town — are held back for a person to decide. A dry run shows the plan.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

mod write;
pub use write::WriteProblem;

use crate::content::{Content, Data};
use crate::phone::Phone;
use crate::ru;
use crate::validate::{edit_distance_within, service_id};

/// (column header, what it holds).
pub const COLUMNS: [(&str, &str); 18] = [
    ("Название", "name — обязательно"),
    ("Вид", "kind: id или название из data/taxonomy.toml"),
    ("Помощь", "needs: id или названия через «;»"),
    ("Регион", "код региона, например RU-MOS (или --region)"),
    ("Город", "municipality"),
    ("Адрес", "address"),
    ("Широта", "location.lat"),
    ("Долгота", "location.lon"),
    ("Точность", "exact | street | city"),
    ("Телефоны", "через «;»"),
    ("Почта", "через «;»"),
    ("Сайт", "website"),
    ("Часы работы", "hours"),
    ("Стоимость", "cost"),
    ("Кому помогают", "eligibility"),
    ("Описание", "текст страницы"),
    ("Источник", "адрес страницы или «003:36» (документ:строка)"),
    (
        "Проверено",
        "дата проверки: 24.11.2026; по умолчанию сегодня",
    ),
];

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Create {
        /// The row (or the package's service) it comes from.
        row: usize,
        path: PathBuf,
        text: String,
        /// The day the record last changed where the package says so (an
        /// HSDS package's metadata): the new file's modification time, at
        /// midnight UTC. See [`Plan::apply`].
        changed: Option<(i32, u32, u32)>,
    },
    Change {
        row: usize,
        path: PathBuf,
        text: String,
        what: Vec<String>,
    },
    Duplicate {
        row: usize,
        name: String,
        of: String,
        why: String,
    },
    Invalid {
        row: usize,
        message: String,
    },
}

/// `action`, or an error of its row when the file it would write is larger
/// than a record file may be (`content::source::MAX_FILE_BYTES`): a cell or
/// an HSDS service with thousands of phones or a book-length description
/// fits in the 256 MB an import reads, not in a record.
fn within_file_limit(action: Action) -> Action {
    let limit = crate::content::source::MAX_FILE_BYTES;
    let (row, bytes) = match &action {
        Action::Create { row, text, .. } | Action::Change { row, text, .. } => (*row, text.len()),
        _ => return action,
    };
    if bytes as u64 <= limit {
        return action;
    }
    Action::Invalid {
        row,
        message: format!(
            "its record would be {bytes} bytes, more than the {limit} ({} MB) a record file \
             may have: shorten its description or its lists of phones, addresses and sources",
            limit / 1_048_576
        ),
    }
}

/// How many rows with errors a plan lists; the rest are counted. A package
/// of a million broken records would otherwise be a million lines (and as
/// many messages held), and the first few show what is wrong with them all.
pub const MAX_LISTED: usize = 100;

#[derive(Default)]
pub struct Plan {
    /// What to do, in row order: every file to write and every likely
    /// duplicate, and the first [`MAX_LISTED`] rows with errors.
    pub actions: Vec<Action>,
    /// Rows with errors among `actions`.
    listed_errors: usize,
    /// Rows with errors beyond those listed: counted, not kept.
    pub unlisted_errors: usize,
}

impl Plan {
    /// Adds what to do with one row; a row with errors beyond the first
    /// [`MAX_LISTED`] is only counted. A record larger than a record file may
    /// be is an error of its row, not a file the next build would refuse.
    pub fn push(&mut self, action: Action) {
        let action = within_file_limit(action);
        if matches!(action, Action::Invalid { .. }) {
            if self.listed_errors == MAX_LISTED {
                self.unlisted_errors += 1;
                return;
            }
            self.listed_errors += 1;
        }
        self.actions.push(action);
    }

    pub fn describe(&self, root: &Path) -> String {
        let rel = |p: &Path| crate::diag::rel_path(root, p);
        let mut out = String::new();
        for a in &self.actions {
            let _ = match a {
                Action::Create { path, .. } => writeln!(out, "create  {}", rel(path)),
                Action::Change { path, what, .. } => {
                    writeln!(out, "change  {}: {}", rel(path), what.join(", "))
                }
                Action::Duplicate { row, name, of, why } => writeln!(
                    out,
                    "skip    row {row} «{name}»: likely a duplicate of {of} ({why})"
                ),
                Action::Invalid { row, message } => writeln!(out, "error   row {row}: {message}"),
            };
        }
        if self.unlisted_errors > 0 {
            let _ = writeln!(
                out,
                "error   … and {} more rows with errors like these, not listed\n        \
                 = hint: the first {MAX_LISTED} are above; fix what they show (often one mistake \
                 repeated in every row) and run the import again with --dry-run to see what remains",
                self.unlisted_errors
            );
        }
        let count = |f: fn(&Action) -> bool| self.actions.iter().filter(|a| f(a)).count();
        let _ = writeln!(
            out,
            "{} to create, {} to change, {} likely duplicates, {} rows with errors",
            count(|a| matches!(a, Action::Create { .. })),
            count(|a| matches!(a, Action::Change { .. })),
            count(|a| matches!(a, Action::Duplicate { .. })),
            count(|a| matches!(a, Action::Invalid { .. })) + self.unlisted_errors,
        );
        out
    }

    pub fn has_errors(&self) -> bool {
        self.unlisted_errors > 0
            || self
                .actions
                .iter()
                .any(|a| matches!(a, Action::Invalid { .. }))
    }

    /// The files the plan writes.
    fn writes(&self) -> Vec<write::Write<'_>> {
        self.actions
            .iter()
            .filter_map(|a| match a {
                Action::Create {
                    row,
                    path,
                    text,
                    changed,
                } => Some(write::Write {
                    row: *row,
                    path,
                    text,
                    new: true,
                    modified: changed.and_then(midnight),
                }),
                Action::Change {
                    row, path, text, ..
                } => Some(write::Write {
                    row: *row,
                    path,
                    text,
                    new: false,
                    modified: None,
                }),
                _ => None,
            })
            .collect()
    }

    /// What would stop the plan's files being written, found without
    /// writing anything: a dry run reports it as the real run would.
    pub fn check_writes(&self) -> Vec<WriteProblem> {
        write::check(&self.writes())
    }

    /// Writes the plan's files, all or none (see [`write`]); returns how
    /// many. On failure nothing of the import is left in the portal.
    pub fn apply(&self) -> Result<usize, Vec<WriteProblem>> {
        write::apply(&self.writes())
    }
}

/// Midnight UTC of a day: a new record's modification time. Outside git a
/// record's «updated» date is its file's modification time
/// (`crate::history`), and the HSDS export dates its metadata by it: a record
/// made from a package keeps the day the package says it last changed, so
/// exporting it again gives the same dates. (A record the import changes was
/// changed today: its time stays.)
fn midnight((y, m, d): (i32, u32, u32)) -> Option<std::time::SystemTime> {
    let days = u64::try_from(ru::days_from_civil(y, m, d)).ok()?;
    std::time::UNIX_EPOCH.checked_add(std::time::Duration::from_secs(days.checked_mul(86_400)?))
}

/// A spreadsheet may be larger than a content file, but not without end.
pub const MAX_CSV_BYTES: u64 = 64 * 1024 * 1024;

/// Reads the CSV file to import with the portal's safe reader (a regular file
/// only, at most [`MAX_CSV_BYTES`]), as UTF-8 text.
pub fn read_csv(path: &Path) -> Result<String, String> {
    let bytes = crate::content::source::read_regular_file(path, MAX_CSV_BYTES)
        .map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|_| "the file is not UTF-8 text".to_string())
}

/// Lower case, ё→е, letters and digits only, single spaces; the town's own name
/// removed, since spreadsheets often append it ("«Семья и дом», Орехово-Зуево").
pub fn normalize_name(name: &str, town: Option<&str>) -> String {
    let clean = crate::ru::name_key;
    let mut n = clean(name);
    if let Some(t) = town.map(clean).filter(|t| !t.is_empty()) {
        n = n
            .replace(&t, " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
    }
    n
}

fn split_list(s: &str) -> Vec<String> {
    s.split([';', '\n'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

fn header_key(h: &str) -> String {
    crate::ru::fold(h.trim())
}

/// The portal's services as duplicate detection sees them (shared with the
/// HSDS import, `crate::hsds::import`).
pub(crate) struct Existing {
    by_phone: HashMap<String, String>,
    by_name: Vec<(String, Option<String>, String, String)>, // (region, town, normalized name, id)
    /// Record id → its file and its name.
    ids: HashMap<String, (PathBuf, Option<String>)>,
}

impl Existing {
    /// The file of the record with this id, if there is one.
    pub(crate) fn path_of(&self, id: &str) -> Option<&PathBuf> {
        self.ids.get(id).map(|(path, _)| path)
    }

    /// The file of the record `id`, if that record is the service called
    /// `name`, whose slug gave the id. A slug cut to its first words
    /// (`ru::cap_slug`) is shared by every name that begins with them
    /// («ГБУ Калужской области «Центр …»»), so then the record's own name
    /// must give the same words in full: another service is never merged
    /// into it.
    pub(crate) fn record_named(&self, id: &str, name: &str) -> Option<&PathBuf> {
        let (path, theirs) = self.ids.get(id)?;
        let full = ru::transliterate(name);
        let cut = full != ru::slugify(name);
        let same = || theirs.as_deref().map(ru::transliterate) == Some(full.clone());
        (!cut || same()).then_some(path)
    }
}

/// The file names one import hands out, so that no two of its records, and
/// none of the portal's, share one.
#[derive(Default)]
pub(crate) struct NewFiles {
    taken: HashSet<String>,
    /// The suffix to try next for each `folder/base`, so that a thousand
    /// services of one name cost a thousand steps, not half a million.
    next: HashMap<String, usize>,
}

impl NewFiles {
    /// The first of `base`, `base-2`, `base-3`… in `folder` that is neither
    /// a record of the portal nor one this import creates.
    pub(crate) fn claim(&mut self, known: &Existing, folder: &str, base: &str) -> String {
        let key = format!("{folder}/{base}");
        let mut n = self.next.get(&key).copied().unwrap_or(1);
        loop {
            let slug = if n == 1 {
                base.to_string()
            } else {
                format!("{base}-{n}")
            };
            let id = format!("{folder}/{slug}");
            n += 1;
            if !known.ids.contains_key(&id) && self.taken.insert(id) {
                self.next.insert(key, n);
                return slug;
            }
        }
    }
}

pub(crate) fn existing(root: &Path, content: &Content) -> Existing {
    let mut e = Existing {
        by_phone: HashMap::new(),
        by_name: Vec::new(),
        ids: HashMap::new(),
    };
    for s in &content.services {
        let id = service_id(s);
        for p in &s.meta.phones {
            if let Ok(parsed) = Phone::parse(p.get_ref().number()) {
                e.by_phone.insert(parsed.national, id.clone());
            }
        }
        let region = s
            .meta
            .region
            .as_ref()
            .map(|r| r.get_ref().clone())
            .unwrap_or_default();
        use crate::content::records::text_of;
        if let Some(name) = text_of(&s.meta.name) {
            e.by_name.push((
                region,
                text_of(&s.meta.municipality).map(str::to_string),
                normalize_name(name, text_of(&s.meta.municipality)),
                id.clone(),
            ));
        }
        e.ids.insert(
            id,
            (
                root.join(&s.file.rel),
                s.meta.name.as_ref().map(|n| n.get_ref().clone()),
            ),
        );
    }
    e
}

/// A TOML string literal (quoted and escaped), for writing front matter.
pub(crate) fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A TOML list of string literals.
pub(crate) fn toml_list(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|s| toml_str(s))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Plans the import of a spreadsheet; `Err` for a sheet too long to read.
pub fn plan(
    root: &Path,
    csv_text: &str,
    default_region: Option<&str>,
    data: &Data,
    content: &Content,
) -> Result<Plan, String> {
    plan_rows(root, csv_text, default_region, data, content, MAX_ROWS)
}

/// [`plan`] for a sheet of at most `max_rows` rows.
fn plan_rows(
    root: &Path,
    csv_text: &str,
    default_region: Option<&str>,
    data: &Data,
    content: &Content,
    max_rows: usize,
) -> Result<Plan, String> {
    let mut actions = Plan::default();
    let cx = RowContext {
        known: existing(root, content),
        // Region codes become folder names: only well-formed codes whose
        // record is where it belongs (`code` matches the file), never a path.
        regions: content
            .regions
            .iter()
            .filter_map(|r| r.meta.code.as_ref().map(|c| (r, c.get_ref())))
            .filter(|(r, c)| {
                crate::validate::formats::is_region_code(c) && c.to_lowercase() == r.slug
            })
            .map(|(_, c)| c.clone())
            .collect(),
        data,
        default_region,
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(csv_text.as_bytes());
    let headers = match read_headers(&mut reader, &mut actions) {
        Some(h) => h,
        None => return Ok(actions),
    };
    let mut new_files = NewFiles::default();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2; // the header is row 1
        if i == max_rows {
            return Err(format!("the sheet has more than {max_rows} rows"));
        }
        match record {
            Ok(record) => {
                let cells = Cells {
                    headers: &headers,
                    record: &record,
                };
                if let Some(action) = plan_row(root, &cx, row, &cells, &mut new_files) {
                    actions.push(action);
                }
            }
            Err(e) => actions.push(Action::Invalid {
                row,
                message: format!("cannot read the row: {e}"),
            }),
        }
    }
    Ok(actions)
}

/// The most rows one spreadsheet imports: as many as a national directory
/// has services (~1,000,000). Every row is kept as a plan until all are
/// read, so a sheet of empty rows must not grow it without end.
pub const MAX_ROWS: usize = 1_000_000;

/// What every row is checked against.
struct RowContext<'a> {
    known: Existing,
    regions: Vec<String>,
    data: &'a Data,
    default_region: Option<&'a str>,
}

impl RowContext<'_> {
    /// A taxonomy id from a cell holding the id or the Russian label.
    fn term_id(&self, vocabulary: &str, cell: &str) -> Option<String> {
        let key = header_key(cell);
        self.data
            .taxonomy
            .terms(vocabulary)
            .iter()
            .find(|t| t.id == cell.trim() || header_key(&t.label) == key)
            .map(|t| t.id.clone())
    }
}

/// One row's cells, looked up by column name.
struct Cells<'a> {
    headers: &'a [String],
    record: &'a csv::StringRecord,
}

impl Cells<'_> {
    fn get(&self, col: &str) -> String {
        self.headers
            .iter()
            .position(|h| *h == header_key(col))
            .and_then(|i| self.record.get(i))
            .unwrap_or("")
            .trim()
            .to_string()
    }
}

/// The header row, normalized; unknown columns are reported.
fn read_headers(reader: &mut csv::Reader<&[u8]>, actions: &mut Plan) -> Option<Vec<String>> {
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(header_key).collect(),
        Err(e) => {
            actions.push(Action::Invalid {
                row: 1,
                message: format!("cannot read the header row: {e}"),
            });
            return None;
        }
    };
    for h in &headers {
        if !h.is_empty() && !COLUMNS.iter().any(|(c, _)| header_key(c) == *h) {
            actions.push(Action::Invalid {
                row: 1,
                message: format!(
                    "unknown column «{h}»; known columns: {}",
                    COLUMNS.map(|c| c.0).join(", ")
                ),
            });
        }
    }
    Some(headers)
}

/// A row's values, checked.
struct Row {
    name: String,
    region: String,
    kind: String,
    needs: Vec<String>,
    phones: Vec<String>,
    /// (national number, display form), for duplicate detection.
    nationals: Vec<(String, String)>,
    emails: Vec<String>,
    website: String,
    town: Option<String>,
    location: Option<String>,
}

/// What to do with one row: create, change, hold back as a duplicate, or
/// report; nothing for an empty row.
fn plan_row(
    root: &Path,
    cx: &RowContext,
    row: usize,
    cells: &Cells,
    new_files: &mut NewFiles,
) -> Option<Action> {
    let invalid = |message: String| Some(Action::Invalid { row, message });
    if cells.get("Название").is_empty() {
        return cells
            .record
            .iter()
            .any(|c| !c.trim().is_empty())
            .then(|| Action::Invalid {
                row,
                message: "the «Название» cell is empty".into(),
            });
    }
    let r = match check_row(cx, cells) {
        Ok(r) => r,
        Err(errors) => return invalid(errors.join("; ")),
    };
    let folder = r.region.to_lowercase();
    let base_slug = ru::slugify(&r.name);
    if !ru::is_valid_slug(&base_slug) {
        return invalid(format!(
            "«{}» gives no file name; use letters or digits",
            r.name
        ));
    }
    let id = format!("{folder}/{base_slug}");
    if let Some((of, why)) = find_duplicate(&cx.known, &r, &id) {
        return Some(Action::Duplicate {
            row,
            name: r.name,
            of,
            why,
        });
    }
    // A spreadsheet row is not a check with the organization: `verified`
    // is written only when the row says when someone confirmed it.
    let verified = Some(cells.get("Проверено"))
        .filter(|v| !v.is_empty())
        .map(|v| date_iso(&v));
    let Some(verified) = verified.map_or(Some(None), |v| v.map(Some)) else {
        return invalid("«Проверено» is not a date (write 24.11.2026 or 2026-11-24)".into());
    };
    let front = front_matter(
        &r,
        cells,
        verified.as_deref(),
        &source_toml(&cells.get("Источник"), row),
    );
    if let Some(path) = cx.known.record_named(&id, &r.name) {
        let old = crate::content::source::read_text(root, path)
            .map(|f| f.text)
            .unwrap_or_default();
        return match merge(&old, &front) {
            Some((merged, what)) if !what.is_empty() => Some(Action::Change {
                row,
                path: path.clone(),
                text: merged,
                what,
            }),
            Some(_) => None,
            None => invalid(format!(
                "{id} exists but cannot be read as a record; fix it first"
            )),
        };
    }
    let body = Some(cells.get("Описание"))
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| "Описание появится после проверки.".into());
    let slug = new_files.claim(&cx.known, &folder, &base_slug);
    Some(Action::Create {
        row,
        path: root
            .join("content/services")
            .join(&folder)
            .join(format!("{slug}.md")),
        text: format!("+++\n{front}+++\n{body}\n"),
        changed: None,
    })
}

/// Checks a row's cells; every problem at once.
fn check_row(cx: &RowContext, cells: &Cells) -> Result<Row, Vec<String>> {
    let get = |col: &str| cells.get(col);
    let mut errors = Vec::new();
    let region = Some(get("Регион"))
        .filter(|r| !r.is_empty())
        .or(cx.default_region.map(str::to_string))
        .unwrap_or_default();
    if !cx.regions.contains(&region) {
        errors.push(format!(
            "region «{region}» is not in content/regions/ (use the «Регион» column or --region)"
        ));
    }
    let kind_cell = get("Вид");
    let kind = if kind_cell.is_empty() {
        Some("social-centre".to_string())
    } else {
        cx.term_id("kinds", &kind_cell)
    };
    if kind.is_none() {
        errors.push(format!("«{kind_cell}» is not a kind in data/taxonomy.toml"));
    }
    let mut needs = Vec::new();
    for n in split_list(&get("Помощь")) {
        match cx.term_id(crate::data::NEEDS, &n) {
            Some(id) if !needs.contains(&id) => needs.push(id),
            Some(_) => {}
            None => errors.push(format!("«{n}» is not a need in data/taxonomy.toml")),
        }
    }
    if needs.is_empty() {
        errors.push("the «Помощь» cell names no need".into());
    }
    let mut phones = Vec::new();
    let mut nationals = Vec::new();
    for p in split_list(&get("Телефоны").replace(',', ";")) {
        match Phone::parse(&p) {
            Ok(parsed) => {
                phones.push(parsed.display());
                nationals.push((parsed.national.clone(), parsed.display()));
            }
            Err(e) => errors.push(format!("phone «{p}» {e}")),
        }
    }
    let emails = split_list(&get("Почта").replace(',', ";"));
    for e in &emails {
        if !crate::validate::formats::is_email(e) {
            errors.push(format!("«{e}» is not an e-mail address"));
        }
    }
    let website = get("Сайт");
    if !website.is_empty() && !crate::validate::formats::is_web_url(&website) {
        errors.push(format!(
            "«{website}» is not a web address (write it with https://)"
        ));
    }
    let location = location(cells, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Row {
        name: get("Название"),
        region,
        kind: kind.unwrap_or_default(),
        needs,
        phones,
        nationals,
        emails,
        website,
        town: Some(get("Город")).filter(|t| !t.is_empty()),
        location,
    })
}

/// The `location` value from the coordinate cells, if they hold one.
fn location(cells: &Cells, errors: &mut Vec<String>) -> Option<String> {
    let (lat, lon) = (
        cells.get("Широта").replace(',', "."),
        cells.get("Долгота").replace(',', "."),
    );
    match (lat.parse::<f64>(), lon.parse::<f64>()) {
        (Ok(lat), Ok(lon)) if crate::geo::valid_lat_lon(lat, lon) => {
            let precision = match cells.get("Точность").as_str() {
                "" if cells.get("Адрес").is_empty() => "city".to_string(),
                "" => "exact".to_string(),
                p => p.to_string(),
            };
            if !["exact", "street", "city"].contains(&precision.as_str()) {
                errors.push(format!(
                    "«{precision}» is not a precision (exact, street, city)"
                ));
            }
            Some(format!(
                "{{ lat = {lat}, lon = {lon}, precision = {} }}",
                toml_str(&precision)
            ))
        }
        _ if lat.is_empty() && lon.is_empty() => None,
        _ => {
            errors.push(format!(
                "coordinates «{lat}», «{lon}» are not numbers in range"
            ));
            None
        }
    }
}

/// Same phone or near-identical name in the same town: a person decides.
fn find_duplicate(known: &Existing, r: &Row, id: &str) -> Option<(String, String)> {
    let new = Candidate {
        name: &r.name,
        region: &r.region,
        town: r.town.as_deref(),
        nationals: &r.nationals,
    };
    find_duplicate_of(known, &new, id)
}

/// What duplicate detection compares of a record about to be written.
pub(crate) struct Candidate<'a> {
    pub name: &'a str,
    pub region: &'a str,
    pub town: Option<&'a str>,
    /// (national number, display form).
    pub nationals: &'a [(String, String)],
}

/// The record `r` (to be written as `id`) likely duplicates, and why.
pub(crate) fn find_duplicate_of(
    known: &Existing,
    r: &Candidate,
    id: &str,
) -> Option<(String, String)> {
    let norm = normalize_name(r.name, r.town);
    r.nationals
        .iter()
        .find_map(|(n, shown)| {
            known
                .by_phone
                .get(n)
                .filter(|other| *other != id)
                .map(|other| (other.clone(), format!("same phone {shown}")))
        })
        .or_else(|| {
            known
                .by_name
                .iter()
                .find(|(region, t, other_name, other)| {
                    *region == r.region
                        && other != id
                        && t.as_deref().map(|t| t.to_lowercase())
                            == r.town.map(|t| t.to_lowercase())
                        && edit_distance_within(other_name, &norm, 2) <= 2
                })
                .map(|(_, _, _, other)| {
                    (
                        other.clone(),
                        "near-identical name in the same town".to_string(),
                    )
                })
        })
}

/// The citation: a URL, `doc:line`, or the placeholder `check --strict` holds back.
fn source_toml(source: &str, row: usize) -> String {
    match source.split_once(':') {
        _ if source.starts_with("http") => format!("[{{ url = {} }}]", toml_str(source)),
        Some((doc, line)) if line.trim().parse::<u32>().is_ok() => format!(
            "[{{ doc = {}, line = {} }}]",
            toml_str(doc.trim()),
            line.trim()
        ),
        _ => format!(
            "[{{ url = \"https://example.org/\", title = {} }}]",
            toml_str(&format!("ЗАМЕНИТЕ: таблица импорта, строка {row}"))
        ),
    }
}

/// The record's front matter, fields in the content format's order.
fn front_matter(r: &Row, cells: &Cells, verified: Option<&str>, sources: &str) -> String {
    let mut front = String::new();
    let mut field = |k: &str, v: String| {
        let _ = writeln!(front, "{k} = {v}");
    };
    field("name", toml_str(&r.name));
    field("kind", toml_str(&r.kind));
    field("needs", toml_list(&r.needs));
    field("region", toml_str(&r.region));
    for (key, col) in [("municipality", "Город"), ("address", "Адрес")] {
        let v = cells.get(col);
        if !v.is_empty() {
            field(key, toml_str(&v));
        }
    }
    if let Some(l) = &r.location {
        field("location", l.clone());
    }
    if !r.phones.is_empty() {
        field("phones", toml_list(&r.phones));
    }
    if !r.emails.is_empty() {
        field("emails", toml_list(&r.emails));
    }
    if !r.website.is_empty() {
        field("website", toml_str(&r.website));
    }
    for (key, col) in [
        ("hours", "Часы работы"),
        ("cost", "Стоимость"),
        ("eligibility", "Кому помогают"),
    ] {
        let v = cells.get(col);
        if !v.is_empty() {
            field(key, toml_str(&v));
        }
    }
    if let Some(verified) = verified {
        field("verified", verified.to_string());
    }
    field("sources", sources.to_string());
    front
}

/// Lays the spreadsheet's fields over an existing record, keeping every other
/// field and the body; returns the new text and the names of changed fields.
pub(crate) fn merge(old: &str, new_front: &str) -> Option<(String, Vec<String>)> {
    let rest = old.strip_prefix("+++")?.trim_start_matches(['\r', '\n']);
    let end = rest.find("\n+++")?;
    let (front, body) = (
        &rest[..end],
        rest[end + 4..].trim_start_matches(['\r', '\n']),
    );
    let mut table: toml::Table = toml::from_str(front).ok()?;
    let update: toml::Table = toml::from_str(new_front).ok()?;
    let mut changed = Vec::new();
    for (k, v) in update {
        // Sources and the verification date describe this import, not the record's history.
        if k == "sources" && table.contains_key("sources") {
            continue;
        }
        if table.get(&k) != Some(&v) {
            changed.push(k.clone());
            table.insert(k, v);
        }
    }
    let text = format!("+++\n{}+++\n{body}", toml::to_string(&table).ok()?);
    Some((text, changed))
}

/// `24.11.2026` or `2026-11-24` → `2026-11-24`.
fn date_iso(s: &str) -> Option<String> {
    let s = s.trim();
    if ru::parse_iso_date(s).is_some() {
        return Some(s[..10].to_string());
    }
    let parts: Vec<&str> = s.split('.').collect();
    if let [d, m, y] = parts.as_slice() {
        let iso = format!("{y:0>4}-{m:0>2}-{d:0>2}");
        return ru::parse_iso_date(&iso).map(|_| iso);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_normalize_for_duplicate_detection() {
        assert_eq!(
            normalize_name("«Семья и дом», Орехово-Зуево", Some("Орехово-Зуево")),
            "семья и дом"
        );
        assert_eq!(normalize_name("Семья  и ДОМ", None), "семья и дом");
        assert_eq!(normalize_name("Центр «Ёлочка»", None), "центр елочка");
    }

    #[test]
    fn a_record_larger_than_a_record_file_may_be_is_an_error_of_its_row() {
        let limit = crate::content::source::MAX_FILE_BYTES as usize;
        let mut plan = Plan::default();
        for (row, len) in [(2, limit), (3, limit + 1)] {
            plan.push(Action::Create {
                row,
                path: PathBuf::from(format!("/portal/content/services/ru-klu/s{row}.md")),
                text: "а".repeat(len / 2) + &"a".repeat(len % 2),
                changed: None,
            });
        }
        assert!(matches!(plan.actions[0], Action::Create { row: 2, .. }));
        match &plan.actions[1] {
            Action::Invalid { row: 3, message } => {
                assert!(
                    message.contains(&format!(
                        "{} bytes, more than the {limit} (2 MB)",
                        limit + 1
                    )),
                    "{message}"
                )
            }
            other => panic!("{other:?}"),
        }
        assert!(plan.has_errors());
    }

    #[test]
    fn rows_with_errors_past_the_first_hundred_are_counted_not_listed() {
        let mut plan = Plan::default();
        for row in 1..=MAX_LISTED + 50 {
            plan.push(Action::Invalid {
                row,
                message: "the service has no name".into(),
            });
        }
        plan.push(Action::Duplicate {
            row: 151,
            name: "Центр".into(),
            of: "ru-klu/tsentr".into(),
            why: "same phone".into(),
        });
        assert_eq!(plan.actions.len(), MAX_LISTED + 1);
        assert!(plan.has_errors());
        let said = plan.describe(Path::new("/portal"));
        assert_eq!(said.matches("error   row").count(), MAX_LISTED, "{said}");
        assert!(said.contains("skip    row 151"), "{said}");
        assert!(
            said.contains("… and 50 more rows with errors like these") && said.contains("= hint:"),
            "{said}"
        );
        assert!(
            said.contains("1 likely duplicates, 150 rows with errors"),
            "{said}"
        );
    }

    #[test]
    fn a_sheet_past_the_row_cap_is_refused_whole() {
        let (data, content) = (Data::default(), Content::default());
        let plan = |sheet: &str| plan_rows(Path::new("/portal"), sheet, None, &data, &content, 2);
        // Two rows (each with errors: this portal has no regions) are read.
        assert_eq!(plan("Название\nА\nБ\n").unwrap().actions.len(), 2);
        assert_eq!(
            plan("Название\nА\nБ\nВ\n").err().as_deref(),
            Some("the sheet has more than 2 rows")
        );
    }

    #[test]
    fn dates() {
        assert_eq!(date_iso("24.11.2026").as_deref(), Some("2026-11-24"));
        assert_eq!(date_iso("2026-11-24").as_deref(), Some("2026-11-24"));
        assert_eq!(date_iso("31.02.2026"), None);
    }
}
