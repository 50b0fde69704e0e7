//! `opora import`: services from a regional spreadsheet saved as CSV.
//!
//! Columns are named in Russian (see `COLUMNS`); order does not matter; a
//! column the import does not know, or one named twice, stops it (its cells
//! would be left out, or which one counts is a guess). Phones are
//! normalized, and rows that look like records we already have — the same
//! phone, or a near-identical name in the same town — are held back for a
//! person to decide. A dry run shows the plan.
//!
//! Nothing is written that `opora check` would refuse: the file's form is
//! checked as it is read (`sheet`), each cell before it is used (control
//! characters, line breaks in a one-line column, a row wider or narrower
//! than the header), and each record as `opora check` reads it (`verify`).
//! Every problem names the file, the line, the row and the column.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub(crate) mod front;
mod sheet;
mod spreadsheet;
mod verify;
mod write;
pub(crate) use front::{list as toml_list, string as toml_str};
pub use spreadsheet::{MAX_ROWS, Sheet, SheetError, plan};
pub(crate) use verify::{BODY, verify};
pub use verify::{Loaded, Portal};
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
        problems: Vec<Problem>,
    },
}

impl Action {
    /// A row with one problem that names no place in it.
    pub(crate) fn invalid(row: usize, message: impl Into<String>) -> Action {
        Action::Invalid {
            row,
            problems: vec![Problem::new(message)],
        }
    }

    /// The row (or the package's service) the action comes from.
    pub fn row(&self) -> usize {
        match self {
            Action::Create { row, .. }
            | Action::Change { row, .. }
            | Action::Duplicate { row, .. }
            | Action::Invalid { row, .. } => *row,
        }
    }
}

/// What is wrong with a row, where, and what to do about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Where in the input: the file and the line (`services.csv:7`).
    pub at: Option<String>,
    /// The column (`column 9 «Телефоны»`) or the field it is in.
    pub column: Option<String>,
    pub message: String,
    pub hint: Option<String>,
}

impl Problem {
    pub fn new(message: impl Into<String>) -> Self {
        Problem {
            at: None,
            column: None,
            message: message.into(),
            hint: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The problem as the plan prints it, under its row's number.
    fn describe(&self, row: usize, out: &mut String) {
        let at = self
            .at
            .as_deref()
            .map_or(String::new(), |a| format!("{a}: "));
        let column = self
            .column
            .as_deref()
            .map_or(String::new(), |c| format!(", {c}"));
        let _ = writeln!(out, "error   {at}row {row}{column}: {}", self.message);
        if let Some(hint) = &self.hint {
            let _ = writeln!(out, "        = hint: {hint}");
        }
    }
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
        problems: vec![
            Problem::new(format!(
                "its record would be {bytes} bytes, more than the {limit} ({} MB) a record file \
                 may have",
                limit / 1_048_576
            ))
            .hint("shorten its description or its lists of phones, addresses and sources"),
        ],
    }
}

/// How many rows with errors a plan lists; the rest are counted. A package
/// of a million broken records would otherwise be a million lines (and as
/// many messages held), and the first few show what is wrong with them all.
pub const MAX_LISTED: usize = 100;

#[derive(Debug, Default)]
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
                Action::Invalid { row, problems } => {
                    for p in problems {
                        p.describe(*row, &mut out);
                    }
                    Ok(())
                }
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
        // Names and cells are quoted as the input has them: a control
        // character in one is shown as its escape, not obeyed by the terminal.
        crate::content::control::visible(&out).into_owned()
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
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        format!("line {line}: the file is not UTF-8 text")
    })
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

/// The portal's services as duplicate detection sees them (shared with the
/// HSDS import, `crate::hsds::import`).
pub(crate) struct Existing {
    /// The portal's folder.
    root: PathBuf,
    by_phone: HashMap<String, String>,
    by_name: Vec<(String, Option<String>, String, String)>, // (region, town, normalized name, id)
    /// Record id → its file and its name.
    ids: HashMap<String, (PathBuf, Option<String>)>,
    /// Ids whose page has moved (`data/moved.toml`) → the address it moved
    /// to: a new record there would hide the move, and `opora check`
    /// refuses that.
    moved: HashMap<String, String>,
}

impl Existing {
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

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
    /// The records this import creates by folder, name and town
    /// (`validate`'s duplicate check: the folder, `ru::name_key` of the name,
    /// the municipality as written), with the row and id of each.
    names: HashMap<(String, String, Option<String>), (usize, String)>,
}

impl NewFiles {
    /// The first of `base`, `base-2`, `base-3`… in `folder` that is neither
    /// a record of the portal, nor an address that moved, nor one this
    /// import creates.
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
            let free = !known.ids.contains_key(&id) && !known.moved.contains_key(&id);
            if free && self.taken.insert(id) {
                self.next.insert(key, n);
                return slug;
            }
        }
    }

    /// The row (and the id) of a record this import already creates under
    /// the same name, in the same town and folder: `opora check` refuses
    /// the second of two such records, so it is an error of its row.
    /// Otherwise `row` is noted as creating `id`.
    pub(crate) fn same_name(
        &mut self,
        (folder, name, town): (&str, &str, Option<&str>),
        row: usize,
        id: &str,
    ) -> Option<(usize, String)> {
        let key = (
            folder.to_string(),
            ru::name_key(name),
            town.map(str::to_string),
        );
        match self.names.get(&key) {
            Some(first) => Some(first.clone()),
            None => {
                self.names.insert(key, (row, id.to_string()));
                None
            }
        }
    }
}

/// A row's problem: its name and town are those of an earlier row.
pub(crate) fn same_name_problem(name: &str, (row, id): (usize, String)) -> Problem {
    Problem::new(format!(
        "«{name}» in this town is also row {row}, which this import writes as {id}: `opora \
         check` refuses two services of one name in one town"
    ))
    .hint("two rows for one service? keep one; otherwise make the names differ (add the branch or the street)")
}

pub(crate) fn existing(root: &Path, data: &Data, content: &Content) -> Existing {
    let mut e = Existing {
        root: root.to_path_buf(),
        by_phone: HashMap::new(),
        by_name: Vec::new(),
        ids: HashMap::new(),
        moved: moved_services(data),
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

/// The services whose page moved (`/services/ru-klu/old/` in
/// `data/moved.toml`), by id, with the address each moved to.
fn moved_services(data: &Data) -> HashMap<String, String> {
    data.moved
        .moved
        .iter()
        .filter_map(|m| {
            let id = m
                .from
                .get_ref()
                .strip_prefix("/services/")?
                .strip_suffix('/')?;
            let (folder, slug) = id.split_once('/')?;
            (!slug.contains('/')).then(|| (format!("{folder}/{slug}"), m.to.get_ref().clone()))
        })
        .collect()
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
    if let Some(to) = known.moved.get(id) {
        return Some((
            to.clone(),
            format!("its address /services/{id}/ moved there, data/moved.toml"),
        ));
    }
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

/// What an import does to the record `id` it already has at `path` (under
/// `root`): the front matter `front_for` makes from the record's text, laid
/// over it ([`merge`]) — a change, nothing when no value differs, or an
/// error of `row` when the file cannot be read as a record. Read as every
/// source is ([`read_text`](crate::content::source::read_text)): a file that
/// turned into a pipe or grew past the limit cannot stall the import.
pub(crate) fn change_existing(
    root: &Path,
    row: usize,
    id: &str,
    path: &Path,
    front_for: impl FnOnce(&str) -> String,
) -> Option<Action> {
    let old = crate::content::source::read_text(root, path)
        .map(|f| f.text)
        .unwrap_or_default();
    match merge(&old, &front_for(&old)) {
        Some((text, what)) if !what.is_empty() => Some(Action::Change {
            row,
            path: path.to_path_buf(),
            text,
            what,
        }),
        Some(_) => None,
        None => Some(Action::Invalid {
            row,
            problems: vec![
                Problem::new(format!("{id} exists but cannot be read as a record"))
                    .hint("fix it first (`opora check` shows what is wrong), then import again"),
            ],
        }),
    }
}

/// Lays the spreadsheet's fields over an existing record, keeping every other
/// field and the body; returns the new text and the names of changed fields.
/// Only the changed values are rewritten, each where it stands: the editor's
/// comments and layout stay (`front::edit`). The record is split where
/// `opora check` splits it, and every value is written on one line, so a
/// text the import brings in can never end the front matter early.
pub(crate) fn merge(old: &str, new_front: &str) -> Option<(String, Vec<String>)> {
    let (range, _) = front::parts(old)?;
    let front = &old[range.clone()];
    let mut table: toml::Table = toml::from_str(front).ok()?;
    let update: toml::Table = toml::from_str(new_front).ok()?;
    let mut changes = Vec::new();
    for (k, v) in update {
        // Sources and the verification date describe this import, not the record's history.
        if k == "sources" && table.contains_key("sources") {
            continue;
        }
        if table.get(&k) != Some(&v) {
            changes.push((k.clone(), v.clone()));
            table.insert(k, v);
        }
    }
    let edited = front::edit(front, &changes, &table).unwrap_or_else(|| front::lines(&table));
    let text = format!("{}{edited}{}", &old[..range.start], &old[range.end..]);
    Some((text, changes.into_iter().map(|(k, _)| k).collect()))
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
            Action::Invalid { row: 3, problems } => {
                let message = &problems[0].message;
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
            plan.push(Action::invalid(row, "the service has no name"));
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
}
