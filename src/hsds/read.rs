//! Reading an HSDS 3.0 package into flat tables: a folder or a zip holding
//! the tabular form (CSV files, as `datapackage.json` names them), the JSON
//! objects the HSDS API returns (one object, a list page, or an array —
//! nested or not), or the tabular form as one JSON object (`tabular.json`).
//!
//! Nested objects are taken apart into their tables, their foreign keys
//! filled from where they were nested (a phone inside a service gets its
//! `service_id`); a row met twice (the same phone under a service and under
//! its location) is kept once, with the keys of both.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_json::{Map, Value};

use super::stream::{self, Records};
use super::tabular::{self, Rows};

/// A package is a few megabytes; larger files are refused, not read.
const MAX_FILE: u64 = 256 * 1024 * 1024;

/// The most records one list of a package may hold: a JSON list (the
/// services of a file, a list page's `contents`, the lists nested in one
/// record) or a table (`services.csv`, or one table's rows from every file
/// together). Twice the services of a national directory (~1,000,000);
/// nearer the byte limits ([`MAX_FILE`], the zip's) a package holds no
/// more real rows even of the smallest tables (a phone, with its UUIDs, is
/// ~100 bytes). Past it a package is refused as it is read: 20 KB of zip
/// can unpack to millions of `{}`, each of which costs memory and a line
/// of the plan — at the cap, ~100 MB.
pub const MAX_RECORDS: usize = 2_000_000;

/// Why a package cannot be read, and what to do about it.
#[derive(Debug)]
pub struct PackageError {
    pub message: String,
    pub hint: String,
}

impl From<String> for PackageError {
    /// A package that is not one opora can read.
    fn from(message: String) -> Self {
        PackageError {
            message,
            hint: "give a folder or a zip holding an HSDS 3.0 package: JSON objects \
                   (services, organizations…) or the tabular form (services.csv…)"
                .into(),
        }
    }
}

/// A list past [`MAX_RECORDS`] (or a test's cap).
fn too_many(message: String) -> PackageError {
    PackageError {
        message,
        hint: "a package this large is most likely broken or made to exhaust memory; \
               a real one larger than this must be imported in parts"
            .into(),
    }
}

/// The files of a package: name → bytes (a folder's files, not its
/// sub-folders; a zip's entries wherever they sit in it).
pub fn files(path: &Path) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if meta.is_file() {
        let bytes = read_limited(path)?;
        return if bytes.starts_with(b"PK") {
            tabular::unzip(&bytes)
        } else {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok(BTreeMap::from([(name, bytes)]))
        };
    }
    let mut out = BTreeMap::new();
    let entries =
        std::fs::read_dir(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if is_file && (name.ends_with(".json") || name.ends_with(".csv")) {
            out.insert(name, read_limited(&entry.path())?);
        }
    }
    if out.is_empty() {
        return Err(format!(
            "{} holds no .json or .csv files of an HSDS package",
            path.display()
        ));
    }
    Ok(out)
}

fn read_limited(path: &Path) -> Result<Vec<u8>, String> {
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if len > MAX_FILE {
        return Err(format!(
            "{} is larger than {} MB",
            path.display(),
            MAX_FILE / 1024 / 1024
        ));
    }
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// The package's tables, flat. Files that are not HSDS data (the package
/// description, the API's base answer) are passed over; a file that cannot
/// be read, or holds a list of more than [`MAX_RECORDS`], is an error
/// naming it.
pub fn tables(files: &BTreeMap<String, Vec<u8>>) -> Result<Rows, PackageError> {
    tables_capped(files, MAX_RECORDS)
}

/// [`tables`] with no list longer than `cap`.
fn tables_capped(files: &BTreeMap<String, Vec<u8>>, cap: usize) -> Result<Rows, PackageError> {
    let mut t = Flat::new(cap);
    for (table, rows) in tabular::read_csv_tables(files, cap).map_err(too_many_or_not)? {
        for row in rows {
            t.add(&table, row).map_err(too_many)?;
        }
    }
    for (name, bytes) in files.iter().filter(|(n, _)| n.ends_with(".json")) {
        read_json(&mut t, name, bytes)?;
    }
    Ok(t.into_rows())
}

/// A CSV table that could not be read: too long, or not CSV.
fn too_many_or_not(e: tabular::CsvError) -> PackageError {
    match e {
        tabular::CsvError::TooMany(message) => too_many(message),
        tabular::CsvError::Unreadable(message) => message.into(),
    }
}

/// One JSON file — a list page, an array, an object, or the tabular form —
/// read record by record ([`stream`]).
fn read_json(t: &mut Flat, name: &str, bytes: &[u8]) -> Result<(), PackageError> {
    let mut file = JsonFile {
        t,
        stem: name.trim_end_matches(".json"),
        by_path: tabular::resources()
            .iter()
            .map(|r| (r.path.as_str(), r.name.as_str()))
            .collect(),
        refused: None,
    };
    let cap = file.t.cap;
    stream::read(bytes, cap, &mut file).map_err(|e| {
        let at = format!("{name}:{}:{}", e.line(), e.column());
        match (file.refused.take(), e.classify()) {
            (Some(why), _) => too_many(format!("{at}: {why}")),
            // Only the cap is refused while the JSON itself reads.
            (None, serde_json::error::Category::Data) => {
                // The message without serde's own «at line … column …».
                let said = e.to_string();
                let why = said
                    .strip_suffix(&format!(" at line {} column {}", e.line(), e.column()))
                    .unwrap_or(&said);
                too_many(format!("{at}: {why}"))
            }
            (None, _) => {
                format!("{name}: not JSON ({e}); an HSDS package holds JSON objects or CSV tables")
                    .into()
            }
        }
    })
}

/// Where a JSON file's records go: into the tables, by the file's name.
struct JsonFile<'a> {
    t: &'a mut Flat,
    stem: &'a str,
    /// Table of each file of the tabular form (`services.csv` → `service`).
    by_path: HashMap<&'static str, &'static str>,
    /// Why the file was refused, when a table passed the cap.
    refused: Option<String>,
}

impl JsonFile<'_> {
    fn refuse(&mut self, why: String) -> String {
        self.refused = Some(why.clone());
        why
    }
}

impl Records for JsonFile<'_> {
    fn record(&mut self, table: Option<&str>, record: Value) -> Result<(), String> {
        let added = match table {
            None => item(self.t, self.stem, record),
            // The tabular form as JSON: `{"services.csv": [rows]}`.
            Some(path) => match (self.by_path.get(path), record) {
                (Some(table), Value::Object(row)) => self.t.add(table, row),
                _ => Ok(()),
            },
        };
        added.map_err(|why| self.refuse(why))
    }

    fn object(&mut self, object: Map<String, Value>) -> Result<(), String> {
        // datapackage.json, the API's base answer: no data.
        if object.contains_key("resources") || !object.contains_key("id") {
            return Ok(());
        }
        item(self.t, self.stem, Value::Object(object)).map_err(|why| self.refuse(why))
    }
}

/// Which table an object belongs to: by the file it came from (`service_list`,
/// `organization_full`…), else by its shape.
fn table_of(stem: &str, m: &Map<String, Value>) -> Option<&'static str> {
    const BY_NAME: [(&str, &str); 6] = [
        ("service_at_location", "service_at_location"),
        ("service", "service"),
        ("organization", "organization"),
        ("taxonomy_term", "taxonomy_term"),
        ("taxonom", "taxonomy"),
        ("location", "location"),
    ];
    if let Some((_, table)) = BY_NAME.iter().find(|(prefix, _)| stem.starts_with(prefix)) {
        return Some(table);
    }
    let has = |k: &str| m.contains_key(k);
    if has("location_type") {
        Some("location")
    } else if has("status") {
        Some("service")
    } else if has("service_id") && has("location_id") || has("location") && has("service") {
        Some("service_at_location")
    } else if has("taxonomy_id") || has("term_uri") || has("code") {
        Some("taxonomy_term")
    } else if has("name") && has("description") {
        Some("organization")
    } else {
        None
    }
}

fn item(t: &mut Flat, stem: &str, v: Value) -> Result<(), String> {
    if let Value::Object(m) = v
        && let Some(table) = table_of(stem, &m)
    {
        flatten(t, table, m)?;
    }
    Ok(())
}

/// How an object nested under another is linked to it.
enum Key {
    /// The child names its parent: `phone.service_id`.
    InChild(&'static str),
    /// The parent names its child: `service.organization_id`.
    InParent(&'static str),
}

/// (parent table, key it nests under, child table, link) — every nesting the
/// compiled schemas use. `attributes` and `metadata` nest under anything.
const NESTED: &[(&str, &str, &str, Key)] = &[
    ("service", "phones", "phone", Key::InChild("service_id")),
    (
        "service",
        "schedules",
        "schedule",
        Key::InChild("service_id"),
    ),
    (
        "service",
        "service_areas",
        "service_area",
        Key::InChild("service_id"),
    ),
    (
        "service",
        "service_at_locations",
        "service_at_location",
        Key::InChild("service_id"),
    ),
    (
        "service",
        "languages",
        "language",
        Key::InChild("service_id"),
    ),
    ("service", "funding", "funding", Key::InChild("service_id")),
    (
        "service",
        "cost_options",
        "cost_option",
        Key::InChild("service_id"),
    ),
    (
        "service",
        "required_documents",
        "required_document",
        Key::InChild("service_id"),
    ),
    ("service", "contacts", "contact", Key::InChild("service_id")),
    (
        "service",
        "organization",
        "organization",
        Key::InParent("organization_id"),
    ),
    ("service", "program", "program", Key::InParent("program_id")),
    (
        "organization",
        "services",
        "service",
        Key::InChild("organization_id"),
    ),
    (
        "organization",
        "locations",
        "location",
        Key::InChild("organization_id"),
    ),
    (
        "organization",
        "phones",
        "phone",
        Key::InChild("organization_id"),
    ),
    (
        "organization",
        "contacts",
        "contact",
        Key::InChild("organization_id"),
    ),
    (
        "organization",
        "programs",
        "program",
        Key::InChild("organization_id"),
    ),
    (
        "organization",
        "funding",
        "funding",
        Key::InChild("organization_id"),
    ),
    (
        "organization",
        "organization_identifiers",
        "organization_identifier",
        Key::InChild("organization_id"),
    ),
    (
        "service_at_location",
        "location",
        "location",
        Key::InParent("location_id"),
    ),
    (
        "service_at_location",
        "service",
        "service",
        Key::InParent("service_id"),
    ),
    (
        "service_at_location",
        "contacts",
        "contact",
        Key::InChild("service_at_location_id"),
    ),
    (
        "service_at_location",
        "phones",
        "phone",
        Key::InChild("service_at_location_id"),
    ),
    (
        "service_at_location",
        "schedules",
        "schedule",
        Key::InChild("service_at_location_id"),
    ),
    (
        "location",
        "addresses",
        "address",
        Key::InChild("location_id"),
    ),
    ("location", "phones", "phone", Key::InChild("location_id")),
    (
        "location",
        "schedules",
        "schedule",
        Key::InChild("location_id"),
    ),
    (
        "location",
        "contacts",
        "contact",
        Key::InChild("location_id"),
    ),
    (
        "location",
        "languages",
        "language",
        Key::InChild("location_id"),
    ),
    (
        "location",
        "accessibility",
        "accessibility",
        Key::InChild("location_id"),
    ),
    ("contact", "phones", "phone", Key::InChild("contact_id")),
    ("phone", "languages", "language", Key::InChild("phone_id")),
    (
        "attribute",
        "taxonomy_term",
        "taxonomy_term",
        Key::InParent("taxonomy_term_id"),
    ),
    (
        "taxonomy_term",
        "taxonomy_detail",
        "taxonomy",
        Key::InParent("taxonomy_id"),
    ),
];

/// Takes an object apart into its table's row and the rows nested in it.
fn flatten(t: &mut Flat, table: &str, mut m: Map<String, Value>) -> Result<(), String> {
    let id = m.get("id").and_then(Value::as_str).map(str::to_string);
    let keys: Vec<String> = m
        .iter()
        .filter(|(_, v)| v.is_object() || v.is_array())
        .map(|(k, _)| k.clone())
        .collect();
    for key in keys {
        let Some(nested) = m.remove(&key) else {
            continue;
        };
        let link = NESTED
            .iter()
            .find(|(p, k, _, _)| *p == table && *k == key)
            .map(|(_, _, child, link)| (*child, link));
        let (child, link) = match (key.as_str(), link) {
            (_, Some(found)) => found,
            ("attributes", None) => ("attribute", &Key::InChild("link_id")),
            ("metadata", None) => ("metadata", &Key::InChild("resource_id")),
            _ => continue,
        };
        let items = match nested {
            Value::Array(items) => items,
            one => vec![one],
        };
        for it in items {
            let Value::Object(mut c) = it else {
                continue;
            };
            match (link, &id) {
                (Key::InChild(fk), Some(id)) => {
                    c.entry(*fk).or_insert_with(|| Value::String(id.clone()));
                    if child == "attribute" {
                        c.entry("link_entity").or_insert_with(|| table.into());
                    }
                    if child == "metadata" {
                        c.entry("resource_type").or_insert_with(|| table.into());
                    }
                }
                (Key::InParent(fk), _) => {
                    if let Some(cid) = c.get("id").cloned() {
                        m.entry(*fk).or_insert(cid);
                    }
                }
                _ => {}
            }
            flatten(t, child, c)?;
        }
    }
    t.add(table, m)
}

/// A table's rows, and where each id's row is among them.
type Table = (Vec<Map<String, Value>>, HashMap<String, usize>);

/// Rows by table, each id once, in the order first met; no table longer
/// than `cap`.
struct Flat {
    tables: BTreeMap<String, Table>,
    cap: usize,
}

impl Flat {
    fn new(cap: usize) -> Self {
        Flat {
            tables: BTreeMap::new(),
            cap,
        }
    }

    /// Adds a row, or refuses the table it would take past the cap.
    fn add(&mut self, table: &str, row: Map<String, Value>) -> Result<(), String> {
        let (rows, by_id) = self.tables.entry(table.to_string()).or_default();
        let id = row.get("id").and_then(Value::as_str).map(str::to_string);
        match id.as_ref().and_then(|id| by_id.get(id)) {
            // Seen before: keep the first, add the keys only this one has.
            Some(&i) => {
                for (k, v) in row {
                    rows[i].entry(k).or_insert(v);
                }
            }
            None => {
                if rows.len() == self.cap {
                    return Err(format!(
                        "more than {} {table} records in the package",
                        self.cap
                    ));
                }
                if let Some(id) = id {
                    by_id.insert(id, rows.len());
                }
                rows.push(row);
            }
        }
        Ok(())
    }

    fn into_rows(self) -> Rows {
        self.tables
            .into_iter()
            .map(|(name, (rows, _))| (name, rows))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tables of a package of these files, no list longer than `cap`.
    fn read(files: &[(&str, &str)], cap: usize) -> Result<Rows, String> {
        let files = files
            .iter()
            .map(|(name, text)| (name.to_string(), text.as_bytes().to_vec()))
            .collect();
        tables_capped(&files, cap).map_err(|e| e.message)
    }

    #[test]
    fn lists_up_to_the_cap_are_read() {
        let rows = read(&[("services.json", "[{}, {}, {}]")], 3).unwrap();
        assert_eq!(rows["service"].len(), 3);
        let page = r#"{"total_items": 2, "contents": [{"id": "a"}, {"id": "b"}]}"#;
        let rows = read(&[("services.json", page)], 2).unwrap();
        assert_eq!(rows["service"].len(), 2);
    }

    #[test]
    fn a_list_past_the_cap_is_refused_where_it_passes_it_while_it_is_read() {
        // Broken after the fourth record: the cap stops the reading first,
        // and says where (just past the record that is one too many).
        let err = read(&[("services.json", "[{}, {}, {}, {}, oops")], 3).unwrap_err();
        assert_eq!(err, "services.json:1:17: more than 3 records in one list");
        let page = r#"{"contents": [{}, {}, {}]}"#;
        let err = read(&[("services.json", page)], 2).unwrap_err();
        assert!(err.contains("more than 2 records in one list"), "{err}");
        let tabular = r#"{"phones.csv": [{"id": "1"}, {"id": "2"}, {"id": "3"}]}"#;
        let err = read(&[("tabular.json", tabular)], 2).unwrap_err();
        assert!(err.contains("more than 2 records in one list"), "{err}");
        let csv = "id,name\n1,a\n2,b\n3,c\n";
        let err = read(&[("services.csv", csv)], 2).unwrap_err();
        assert_eq!(err, "services.csv:4: more than 2 records in one list");
    }

    #[test]
    fn a_record_cannot_hide_more_than_the_cap_in_lists_of_its_own() {
        let nested = r#"[{"id": "a", "x": [[1, 2], [3, 4]], "phones": [{}]}]"#;
        let err = read(&[("services.json", nested)], 4).unwrap_err();
        assert!(
            err.contains("more than 4 records in the lists of one record"),
            "{err}"
        );
        assert!(read(&[("services.json", nested)], 7).is_ok());
    }

    #[test]
    fn a_table_filled_from_several_files_is_capped_as_a_whole() {
        let page = |ids: [&str; 2]| format!(r#"[{{"id": "{}"}}, {{"id": "{}"}}]"#, ids[0], ids[1]);
        let (one, two) = (page(["a", "b"]), page(["c", "d"]));
        // `services-2.json` is read first; the fourth record is in this one.
        let err = read(&[("services.json", &one), ("services-2.json", &two)], 3).unwrap_err();
        assert_eq!(
            err,
            "services.json:1:26: more than 3 service records in the package"
        );
        // A row met again is the same row: it takes no room.
        let again = page(["a", "b"]);
        assert!(read(&[("services.json", &one), ("services-2.json", &again)], 3).is_ok());
    }
}
