//! A spreadsheet's rows as records: the header read and checked, then each
//! row — its form (as many cells as columns, no control characters, no line
//! break in a one-line column), its values (region, kind, needs, phones…),
//! and what it would write — checked before anything is written.

use std::fmt::Write as _;

use super::sheet::{self, FormError, Row as SheetRow};
use super::{
    Action, COLUMNS, Existing, NewFiles, Plan, Portal, Problem, change_existing, find_duplicate_of,
    toml_list, toml_str,
};
use crate::content::Data;
use crate::phone::Phone;
use crate::ru;

/// A spreadsheet to import: the name it is reported by, and its text.
pub struct Sheet<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

/// Why a sheet cannot be imported at all.
#[derive(Debug, PartialEq)]
pub struct SheetError {
    pub message: String,
    pub hint: String,
}

/// The most rows one spreadsheet imports: as many as a national directory
/// has services (~1,000,000). Every row is kept as a plan until all are
/// read, so a sheet of empty rows must not grow it without end.
pub const MAX_ROWS: usize = 1_000_000;

/// Columns whose value is one line: a line break in them is a mistake (a
/// name is a heading, a town a place), where in a list it separates items
/// and in a text it is a paragraph.
const ONE_LINE: [&str; 10] = [
    "Название",
    "Вид",
    "Регион",
    "Город",
    "Широта",
    "Долгота",
    "Точность",
    "Сайт",
    "Источник",
    "Проверено",
];

/// The column each field of a record comes from, to place a problem
/// `opora check` finds in the field.
const FIELD_COLUMNS: [(&str, &str); 16] = [
    ("name", "Название"),
    ("kind", "Вид"),
    ("needs", "Помощь"),
    ("region", "Регион"),
    ("municipality", "Город"),
    ("address", "Адрес"),
    ("location", "Широта"),
    ("phones", "Телефоны"),
    ("emails", "Почта"),
    ("website", "Сайт"),
    ("hours", "Часы работы"),
    ("cost", "Стоимость"),
    ("eligibility", "Кому помогают"),
    ("sources", "Источник"),
    ("verified", "Проверено"),
    (super::BODY, "Описание"),
];

/// Plans the import of a spreadsheet; `Err` for a sheet with nothing to
/// import or too long to read.
pub fn plan(
    portal: &Portal,
    sheet: &Sheet,
    default_region: Option<&str>,
) -> Result<Plan, SheetError> {
    plan_rows(portal, sheet, default_region, MAX_ROWS)
}

/// [`plan`] for a sheet of at most `max_rows` rows.
fn plan_rows(
    portal: &Portal,
    sheet: &Sheet,
    default_region: Option<&str>,
    max_rows: usize,
) -> Result<Plan, SheetError> {
    let mut plan = Plan::default();
    let mut rows = sheet::Reader::new(sheet.text);
    let header = match rows.next() {
        None => return Err(SheetError::empty()),
        Some(Err(e)) => {
            plan.push(form_error(sheet.name, e));
            return Ok(plan);
        }
        Some(Ok(first)) => match Header::read(sheet.name, &first, rows.separator()) {
            Ok(header) => header,
            Err(problems) => {
                plan.push(Action::Invalid { row: 1, problems });
                return Ok(plan);
            }
        },
    };
    let cx = RowContext::new(portal, default_region);
    let mut new_files = NewFiles::default();
    // Where each row begins, to place what the last check finds.
    let mut lines = vec![header.line];
    let mut filled = 0;
    for (i, row) in rows.enumerate() {
        if i == max_rows {
            return Err(SheetError::too_long(max_rows));
        }
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                plan.push(form_error(sheet.name, e));
                break;
            }
        };
        lines.push(row.line());
        if row.is_blank() {
            continue;
        }
        filled += 1;
        let cells = Cells {
            sheet: sheet.name,
            header: &header,
            row: &row,
        };
        if let Some(action) = plan_row(&cx, &cells, &mut new_files) {
            plan.push(action);
        }
    }
    if filled == 0 && !plan.has_errors() {
        return Err(SheetError::no_rows());
    }
    let place = |row: usize, field: &str| {
        let at = lines.get(row - 1).map(|l| format!("{}:{l}", sheet.name));
        let column = FIELD_COLUMNS
            .iter()
            .find(|(f, _)| *f == field)
            .and_then(|(_, col)| header.index(col))
            .map(|i| header.label(i))
            .or_else(|| (!field.is_empty()).then(|| format!("field `{field}`")));
        (at, column)
    };
    let mut plan = super::verify(plan, portal, &place);
    // A problem of the row as a whole (a record too large) is at its line.
    for action in &mut plan.actions {
        if let Action::Invalid { row, problems } = action {
            for p in problems.iter_mut().filter(|p| p.at.is_none()) {
                p.at = place(*row, "").0;
            }
        }
    }
    Ok(plan)
}

impl SheetError {
    fn empty() -> Self {
        SheetError {
            message: "the file is empty".into(),
            hint: format!(
                "save the spreadsheet as CSV (UTF-8): a header row naming the columns ({}), \
                 then a row for each service",
                COLUMNS.map(|c| c.0).join(", ")
            ),
        }
    }

    fn no_rows() -> Self {
        SheetError {
            message: "the sheet has a header row but no services under it: nothing to import"
                .into(),
            hint: "add a row for each service under the header, or check that you saved the \
                   right sheet"
                .into(),
        }
    }

    fn too_long(max_rows: usize) -> Self {
        SheetError {
            message: format!("the sheet has more than {max_rows} rows"),
            hint: format!("split it into sheets of at most {max_rows} rows and import each"),
        }
    }
}

/// A broken form (an unclosed quote) as an error of its row.
fn form_error(sheet: &str, e: FormError) -> Action {
    Action::Invalid {
        row: e.row,
        problems: vec![Problem {
            at: Some(format!("{sheet}:{}", e.line)),
            column: Some(format!("column {}", e.column)),
            message: e.message,
            hint: Some(e.hint),
        }],
    }
}

/// A column name as the import compares it: trimmed, in lower case, ё as е.
fn header_key(h: &str) -> String {
    ru::fold(h.trim())
}

/// The header row: each column's name as written and as compared.
struct Header {
    names: Vec<String>,
    keys: Vec<String>,
    line: usize,
    /// The file's cell separator.
    separator: char,
}

impl Header {
    /// The header, or the problems that leave the rows unreadable: a column
    /// the import does not know (its cells would be left out), one named
    /// twice (which cell counts?), no «Название».
    fn read(sheet: &str, row: &SheetRow, separator: char) -> Result<Header, Vec<Problem>> {
        let names: Vec<String> = row.cells.iter().map(|c| c.trim().to_string()).collect();
        let header = Header {
            keys: names.iter().map(|n| header_key(n)).collect(),
            names,
            line: row.line(),
            separator,
        };
        let known = |key: &str| COLUMNS.iter().any(|(c, _)| header_key(c) == key);
        let at = Some(format!("{sheet}:{}", header.line));
        let problem = |column: Option<String>, message: String, hint: String| Problem {
            at: at.clone(),
            column,
            message,
            hint: Some(hint),
        };
        let all = COLUMNS.map(|c| c.0).join(", ");
        if !header.keys.iter().any(|k| known(k)) {
            return Err(vec![problem(
                None,
                format!(
                    "the first row names none of the import's columns: it must be the header \
                     (the file's cells are separated by «{separator}»)"
                ),
                format!("put a row of column names first: {all}"),
            )]);
        }
        let mut problems = Vec::new();
        for (i, key) in header.keys.iter().enumerate() {
            if key.is_empty() {
                continue;
            }
            if !known(key) {
                problems.push(problem(
                    Some(header.label(i)),
                    format!(
                        "unknown column «{}»: its cells would not be imported",
                        header.names[i]
                    ),
                    format!("rename it to one of the known columns ({all}), or delete the column"),
                ));
            } else if let Some(first) = header.keys[..i].iter().position(|k| k == key) {
                problems.push(problem(
                    Some(header.label(i)),
                    format!(
                        "the column «{}» is also column {}",
                        header.names[i],
                        first + 1
                    ),
                    "keep one of them: the import cannot tell which cell to take".into(),
                ));
            }
        }
        if header.index("Название").is_none() {
            problems.push(problem(
                None,
                "no «Название» column: every service needs its name".into(),
                format!("add the column; the columns are {all}"),
            ));
        }
        if problems.is_empty() {
            Ok(header)
        } else {
            Err(problems)
        }
    }

    /// The index of the column `col` (a name of [`COLUMNS`]).
    fn index(&self, col: &str) -> Option<usize> {
        let key = header_key(col);
        self.keys.iter().position(|k| *k == key)
    }

    /// How a problem names the column at `i`: `column 9 «Телефоны»`.
    fn label(&self, i: usize) -> String {
        match self.names.get(i).filter(|n| !n.is_empty()) {
            Some(name) => format!("column {} «{name}»", i + 1),
            None => format!("column {}", i + 1),
        }
    }
}

/// What every row is checked against.
struct RowContext<'a> {
    known: Existing,
    regions: Vec<String>,
    data: &'a Data,
    default_region: Option<&'a str>,
}

impl<'a> RowContext<'a> {
    fn new(portal: &Portal<'a>, default_region: Option<&'a str>) -> Self {
        RowContext {
            known: super::existing(portal.root, portal.data, portal.content),
            // Region codes become folder names: only well-formed codes whose
            // record is where it belongs (`code` matches the file), never a path.
            regions: portal
                .content
                .regions
                .iter()
                .filter_map(|r| r.meta.code.as_ref().map(|c| (r, c.get_ref())))
                .filter(|(r, c)| {
                    crate::validate::formats::is_region_code(c) && c.to_lowercase() == r.slug
                })
                .map(|(_, c)| c.clone())
                .collect(),
            data: portal.data,
            default_region,
        }
    }

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
    sheet: &'a str,
    header: &'a Header,
    row: &'a SheetRow,
}

impl Cells<'_> {
    fn get(&self, col: &str) -> String {
        self.header
            .index(col)
            .and_then(|i| self.row.cells.get(i))
            .map_or("", |c| c.trim())
            .to_string()
    }

    /// A problem in the cell of column `col` (in the row, where the sheet
    /// has no such column: a region missing for want of --region).
    fn problem(&self, col: &str, message: impl Into<String>, hint: impl Into<String>) -> Problem {
        match self.header.index(col) {
            Some(i) => self.problem_at(i, message, hint),
            None => Problem {
                at: Some(format!("{}:{}", self.sheet, self.row.line())),
                ..Problem::new(message).hint(hint)
            },
        }
    }

    /// A problem in the cell at index `i`.
    fn problem_at(&self, i: usize, message: impl Into<String>, hint: impl Into<String>) -> Problem {
        let line = self.row.lines.get(i).copied().unwrap_or(self.row.line());
        Problem {
            at: Some(format!("{}:{line}", self.sheet)),
            column: Some(self.header.label(i)),
            ..Problem::new(message).hint(hint)
        }
    }
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
/// report; nothing for a row that changes nothing.
fn plan_row(cx: &RowContext, cells: &Cells, new_files: &mut NewFiles) -> Option<Action> {
    let row = cells.row.number;
    let invalid = |problems: Vec<Problem>| Some(Action::Invalid { row, problems });
    let problems = form_problems(cells);
    if !problems.is_empty() {
        return invalid(problems);
    }
    if cells.get("Название").is_empty() {
        return invalid(vec![cells.problem(
            "Название",
            "the «Название» cell is empty",
            "every service needs its name as the source gives it; delete the row if it is no service",
        )]);
    }
    let r = match check_row(cx, cells) {
        Ok(r) => r,
        Err(problems) => return invalid(problems),
    };
    let folder = r.region.to_lowercase();
    let base_slug = ru::slugify(&r.name);
    if !ru::is_valid_slug(&base_slug) {
        return invalid(vec![cells.problem(
            "Название",
            format!("«{}» gives no file name: it has no letter or digit", r.name),
            "write the service's name as the source gives it",
        )]);
    }
    let id = format!("{folder}/{base_slug}");
    // A spreadsheet row is not a check with the organization: `verified`
    // is written only when the row says when someone confirmed it.
    let verified = Some(cells.get("Проверено"))
        .filter(|v| !v.is_empty())
        .map(|v| date_iso(&v));
    let Some(verified) = verified.map_or(Some(None), |v| v.map(Some)) else {
        return invalid(vec![cells.problem(
            "Проверено",
            "«Проверено» is not a date",
            "write the day the record was confirmed with the organization: 24.11.2026 or 2026-11-24",
        )]);
    };
    let front = front_matter(
        &r,
        cells,
        verified.as_deref(),
        &source_toml(&cells.get("Источник"), row),
    );
    // A record of this service's id, and of its name, is the service itself:
    // its fields are changed.
    if let Some(path) = cx.known.record_named(&id, &r.name) {
        return change_existing(cx.known.root(), row, &id, path, |_| front);
    }
    // Duplicates are looked for among the other records: the record of
    // this service's own id is the one it changes (above), and a sheet of
    // «Филиал 1», «Филиал 2» must import again as changes of each.
    if let Some((of, why)) = find_duplicate(&cx.known, &r, &id) {
        return Some(Action::Duplicate {
            row,
            name: r.name,
            of,
            why,
        });
    }
    let body = Some(cells.get("Описание"))
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| "Описание появится после проверки.".into());
    let slug = new_files.claim(&cx.known, &folder, &base_slug);
    let place = (folder.as_str(), r.name.as_str(), r.town.as_deref());
    if let Some(first) = new_files.same_name(place, row, &format!("{folder}/{slug}")) {
        let mut problem = super::same_name_problem(&r.name, first);
        problem.at = Some(format!("{}:{}", cells.sheet, cells.row.line()));
        return invalid(vec![problem]);
    }
    Some(Action::Create {
        row,
        path: cx
            .known
            .root()
            .join("content/services")
            .join(&folder)
            .join(format!("{slug}.md")),
        text: format!("+++\n{front}+++\n{body}\n"),
        changed: None,
    })
}

/// What is wrong with the row's form: as many cells as the header has
/// columns, nothing in a column without a name, no control character, no
/// line break in a one-line column.
fn form_problems(cells: &Cells) -> Vec<Problem> {
    if cells.row.cells.len() != cells.header.names.len() {
        return vec![width_problem(cells)];
    }
    let mut out = Vec::new();
    for (i, cell) in cells.row.cells.iter().enumerate() {
        if cells.header.keys[i].is_empty() && !cell.trim().is_empty() {
            out.push(cells.problem_at(
                i,
                format!(
                    "«{}» is in a column with no name in the header: it would not be imported",
                    shown(cell)
                ),
                "name the column in the header, or delete the cell",
            ));
        }
        out.extend(character_problem(cells, i, cell));
    }
    out
}

/// A row of more or fewer cells than the header has columns: its cells
/// would land in the wrong columns (an unquoted comma in an address).
fn width_problem(cells: &Cells) -> Problem {
    let (have, want) = (cells.row.cells.len(), cells.header.names.len());
    let hint = format!(
        "a cell holding «{0}» must be in quotes (\"Калуга{0} ул. Ленина\"); every row has a cell \
         for every column, empty or not",
        cells.header.separator
    );
    let message = if have > want {
        format!(
            "the row has {have} cells, the header {want} columns: cell {} («{}») is past the last \
             column",
            want + 1,
            shown(&cells.row.cells[want])
        )
    } else {
        format!(
            "the row has {have} cells, the header {want} columns: nothing for {} and after",
            cells.header.label(have)
        )
    };
    Problem {
        at: Some(format!("{}:{}", cells.sheet, cells.row.line())),
        ..Problem::new(message).hint(hint)
    }
}

/// A control character in the cell (anywhere), or a line break in a
/// one-line column: refused, not written — `opora check` refuses control
/// characters in a record, and a name is one line.
fn character_problem(cells: &Cells, i: usize, cell: &str) -> Option<Problem> {
    let forbidden = cell
        .chars()
        .enumerate()
        .find(|(_, c)| crate::content::control::is_forbidden(*c));
    if let Some((at, c)) = forbidden {
        return Some(cells.problem_at(
            i,
            format!(
                "the cell holds an invisible control character (U+{:04X}) at character {}",
                u32::from(c),
                at + 1
            ),
            "delete it (it often comes with text pasted from a PDF or a terminal); tabs and \
             line breaks are fine",
        ));
    }
    let one_line = ONE_LINE.iter().any(|c| cells.header.index(c) == Some(i));
    (one_line && cell.trim().contains(['\n', '\r'])).then(|| {
        cells.problem_at(
            i,
            format!(
                "«{}» holds a line break; this column is one line",
                shown(cell)
            ),
            "join the lines of the cell (in the spreadsheet a line break is Alt+Enter)",
        )
    })
}

/// A cell as a problem shows it: one line, at most 40 characters.
fn shown(cell: &str) -> String {
    let flat: String = cell.trim().replace(['\n', '\r'], " ");
    let cut: String = flat.chars().take(40).collect();
    if cut.len() < flat.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

fn split_list(s: &str) -> Vec<String> {
    s.split([';', '\n'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// Checks a row's cells; every problem at once.
fn check_row(cx: &RowContext, cells: &Cells) -> Result<Row, Vec<Problem>> {
    let get = |col: &str| cells.get(col);
    let mut errors = Vec::new();
    let region = Some(get("Регион"))
        .filter(|r| !r.is_empty())
        .or(cx.default_region.map(str::to_string))
        .unwrap_or_default();
    if !cx.regions.contains(&region) {
        errors.push(cells.problem(
            "Регион",
            if region.is_empty() {
                "no region: the row has none and no --region was given".to_string()
            } else {
                format!("region «{region}» is not in content/regions/")
            },
            "write the region's code (RU-MOS) in the «Регион» column, or pass --region",
        ));
    }
    let kind_cell = get("Вид");
    let kind = if kind_cell.is_empty() {
        Some("social-centre".to_string())
    } else {
        cx.term_id("kinds", &kind_cell)
    };
    if kind.is_none() {
        errors.push(cells.problem(
            "Вид",
            format!("«{kind_cell}» is not a kind in data/taxonomy.toml"),
            "write the id or the label of one of its [[kinds]]",
        ));
    }
    let needs_hint = "ids or labels of data/taxonomy.toml's [[needs]], several through «;»";
    let (mut needs, mut unknown) = (Vec::new(), false);
    for n in split_list(&get("Помощь")) {
        match cx.term_id(crate::data::NEEDS, &n) {
            Some(id) if !needs.contains(&id) => needs.push(id),
            Some(_) => {}
            None => {
                unknown = true;
                errors.push(cells.problem(
                    "Помощь",
                    format!("«{n}» is not a need in data/taxonomy.toml"),
                    needs_hint,
                ));
            }
        }
    }
    if needs.is_empty() && !unknown {
        errors.push(cells.problem("Помощь", "the «Помощь» cell names no need", needs_hint));
    }
    let mut phones = Vec::new();
    let mut nationals = Vec::new();
    for p in split_list(&get("Телефоны").replace(',', ";")) {
        match Phone::parse(&p) {
            Ok(parsed) => {
                phones.push(parsed.display());
                nationals.push((parsed.national.clone(), parsed.display()));
            }
            Err(e) => errors.push(cells.problem(
                "Телефоны",
                format!("phone «{p}» {e}"),
                "write a Russian number with its area code, e.g. 8 (4842) 55-06-02; several \
                 through «;»",
            )),
        }
    }
    let emails = split_list(&get("Почта").replace(',', ";"));
    for e in &emails {
        if !crate::validate::formats::is_email(e) {
            errors.push(cells.problem(
                "Почта",
                format!("«{e}» is not an e-mail address"),
                "write it as name@example.ru; several through «;»",
            ));
        }
    }
    let website = get("Сайт");
    if !website.is_empty() && !crate::validate::formats::is_web_url(&website) {
        errors.push(cells.problem(
            "Сайт",
            format!("«{website}» is not a web address"),
            "write the full address with https://",
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
fn location(cells: &Cells, errors: &mut Vec<Problem>) -> Option<String> {
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
                errors.push(cells.problem(
                    "Точность",
                    format!("«{precision}» is not a precision"),
                    "exact (the building), street or city (only the town)",
                ));
            }
            Some(format!(
                "{{ lat = {lat}, lon = {lon}, precision = {} }}",
                toml_str(&precision)
            ))
        }
        _ if lat.is_empty() && lon.is_empty() => None,
        _ => {
            errors.push(
                cells.problem(
                    if lat
                        .parse::<f64>()
                        .is_ok_and(|l| (-90.0..=90.0).contains(&l))
                    {
                        "Долгота"
                    } else {
                        "Широта"
                    },
                    format!("coordinates «{lat}», «{lon}» are not numbers in range"),
                    "latitude −90…90 and longitude −180…180, in degrees: 54.5293 and 36.2754",
                ),
            );
            None
        }
    }
}

/// Same phone or near-identical name in the same town: a person decides.
fn find_duplicate(known: &Existing, r: &Row, id: &str) -> Option<(String, String)> {
    let new = super::Candidate {
        name: &r.name,
        region: &r.region,
        town: r.town.as_deref(),
        nationals: &r.nationals,
    };
    find_duplicate_of(known, &new, id)
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
    use crate::content::Content;

    fn portal_plan(sheet: &str, max_rows: usize) -> Result<Plan, SheetError> {
        let (data, content) = (Data::default(), Content::default());
        let config: crate::config::Config =
            toml::from_str("title = \"t\"\nbase_url = \"https://opora.example/\"\n").unwrap();
        let portal = Portal {
            root: std::path::Path::new("/portal"),
            config: &config,
            data: &data,
            content: &content,
        };
        let sheet = Sheet {
            name: "s.csv",
            text: sheet,
        };
        plan_rows(&portal, &sheet, None, max_rows)
    }

    fn described(sheet: &str) -> String {
        portal_plan(sheet, 10)
            .unwrap()
            .describe(std::path::Path::new("/portal"))
    }

    #[test]
    fn a_sheet_past_the_row_cap_is_refused_whole() {
        // Two rows (each with errors: this portal has no regions) are read.
        assert_eq!(portal_plan("Название\nА\nБ\n", 2).unwrap().actions.len(), 2);
        assert_eq!(
            portal_plan("Название\nА\nБ\nВ\n", 2)
                .err()
                .map(|e| e.message),
            Some("the sheet has more than 2 rows".into())
        );
    }

    #[test]
    fn an_empty_sheet_or_one_of_only_a_header_is_refused_with_a_hint() {
        for empty in ["", "\u{feff}"] {
            let e = portal_plan(empty, 10).unwrap_err();
            assert_eq!(e.message, "the file is empty");
            assert!(e.hint.contains("Название, Вид, Помощь"), "{}", e.hint);
        }
        for header_only in ["Название,Вид\n", "Название,Вид\n,\n\n"] {
            let e = portal_plan(header_only, 10).unwrap_err();
            assert!(e.message.contains("no services under it"), "{e:?}");
        }
    }

    #[test]
    fn a_header_with_an_unknown_a_repeated_or_no_name_column_stops_the_import() {
        let said = described("Название,Город,Телефон,город\nЦентр,Калуга,1,2\n");
        assert!(
            said.contains("error   s.csv:1: row 1, column 3 «Телефон»: unknown column «Телефон»")
                && said.contains("row 1, column 4 «город»: the column «город» is also column 2"),
            "{said}"
        );
        assert!(!said.contains("row 2"), "no row is read: {said}");
        let said = described("Город,Вид\nКалуга,ngo\n");
        assert!(said.contains("no «Название» column"), "{said}");
        let said = described("Центр,ngo\nДругой,ngo\n");
        assert!(
            said.contains("names none of the import's columns"),
            "{said}"
        );
    }

    #[test]
    fn rows_of_the_wrong_width_and_broken_quotes_are_errors_at_their_line() {
        let said = described(
            "Название,Город,Адрес\nА,Калуга,ул. Ленина, 1\nБ,Калуга\nВ,\"Калуга\nул\",\"open\nГ,,\n",
        );
        assert!(
            said.contains("error   s.csv:2: row 2: the row has 4 cells, the header 3 columns: cell 4 («1») is past the last column"),
            "{said}"
        );
        assert!(
            said.contains("error   s.csv:3: row 3: the row has 2 cells, the header 3 columns: nothing for column 3 «Адрес» and after"),
            "{said}"
        );
        assert!(
            said.contains(
                "error   s.csv:5: row 4, column 3: the quote that opens this cell is never closed"
            ),
            "{said}"
        );
    }

    #[test]
    fn control_characters_and_line_breaks_in_a_name_are_errors_of_their_cell() {
        let said = described(
            "Название,Стоимость\nА,\"бес\u{0}платно\"\nБ,\"a\u{7}\"\n\"В\nГ\",\"две\nстроки\"\n",
        );
        assert!(
            said.contains("error   s.csv:2: row 2, column 2 «Стоимость»: the cell holds an invisible control character (U+0000) at character 4"),
            "{said}"
        );
        assert!(said.contains("row 3, column 2 «Стоимость»: the cell holds an invisible control character (U+0007) at character 2"), "{said}");
        assert!(
            said.contains("error   s.csv:4: row 4, column 1 «Название»: «В Г» holds a line break"),
            "{said}"
        );
        assert!(!said.contains("«Стоимость»: «две"), "{said}");
    }

    #[test]
    fn dates() {
        assert_eq!(date_iso("24.11.2026").as_deref(), Some("2026-11-24"));
        assert_eq!(date_iso("2026-11-24").as_deref(), Some("2026-11-24"));
        assert_eq!(date_iso("31.02.2026"), None);
    }
}
