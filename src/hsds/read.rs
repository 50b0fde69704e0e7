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

use super::tabular::{self, Rows};

/// A package is a few megabytes; larger files are refused, not read.
const MAX_FILE: u64 = 256 * 1024 * 1024;

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
/// be read is an error naming it.
pub fn tables(files: &BTreeMap<String, Vec<u8>>) -> Result<Rows, String> {
    let mut t = Flat::default();
    for (table, rows) in tabular::read_csv_tables(files)? {
        for row in rows {
            t.add(&table, row);
        }
    }
    for (name, bytes) in files.iter().filter(|(n, _)| n.ends_with(".json")) {
        let value: Value = serde_json::from_slice(bytes).map_err(|e| {
            format!("{name}: not JSON ({e}); an HSDS package holds JSON objects or CSV tables")
        })?;
        read_json(&mut t, name, value);
    }
    Ok(t.into_rows())
}

/// One JSON file: a list page, an array, an object, or the tabular form.
fn read_json(t: &mut Flat, file: &str, value: Value) {
    let stem = file.trim_end_matches(".json");
    match value {
        Value::Array(items) => items.into_iter().for_each(|i| item(t, stem, i)),
        Value::Object(mut m) => {
            if let Some(Value::Array(items)) = m.remove("contents") {
                items.into_iter().for_each(|i| item(t, stem, i));
            } else if m.keys().any(|k| k.ends_with(".csv")) {
                // The tabular form as JSON: `{"services.csv": [rows]}`.
                let by_path: HashMap<String, String> = tabular::resources()
                    .iter()
                    .map(|r| (r.path.clone(), r.name.clone()))
                    .collect();
                for (path, rows) in m {
                    if let (Some(table), Value::Array(rows)) = (by_path.get(&path), rows) {
                        for row in rows {
                            if let Value::Object(row) = row {
                                t.add(table, row);
                            }
                        }
                    }
                }
            } else if m.contains_key("resources") || !m.contains_key("id") {
                // datapackage.json, the API's base answer: no data.
            } else {
                item(t, stem, Value::Object(m));
            }
        }
        _ => {}
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

fn item(t: &mut Flat, stem: &str, v: Value) {
    if let Value::Object(m) = v
        && let Some(table) = table_of(stem, &m)
    {
        flatten(t, table, m);
    }
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
fn flatten(t: &mut Flat, table: &str, mut m: Map<String, Value>) {
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
            flatten(t, child, c);
        }
    }
    t.add(table, m);
}

/// A table's rows, and where each id's row is among them.
type Table = (Vec<Map<String, Value>>, HashMap<String, usize>);

/// Rows by table, each id once, in the order first met.
#[derive(Default)]
struct Flat {
    tables: BTreeMap<String, Table>,
}

impl Flat {
    fn add(&mut self, table: &str, row: Map<String, Value>) {
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
                if let Some(id) = id {
                    by_id.insert(id, rows.len());
                }
                rows.push(row);
            }
        }
    }

    fn into_rows(self) -> Rows {
        self.tables
            .into_iter()
            .map(|(name, (rows, _))| (name, rows))
            .collect()
    }
}
