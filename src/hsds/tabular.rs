//! The tabular form of HSDS: a Frictionless Tabular Data Package —
//! `datapackage.json` and one CSV per table, as the specification's own
//! `datapackage.json` (embedded from `spec/`, CC BY-SA 4.0) defines them —
//! written as one zip, and read back from a folder or a zip.
//!
//! The zip is the same bytes in every build: entries sorted by name, a fixed
//! timestamp (1980-01-01, the format's epoch), fixed permissions and system,
//! deflate at a fixed level.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::model::Tables;
use crate::config::Config;

/// The specification's package description (commit 279fd2e of its 3.0 branch).
const SPEC_DATAPACKAGE: &str = include_str!("spec/datapackage.json");

fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| serde_json::from_str(SPEC_DATAPACKAGE).unwrap_or(Value::Null))
}

/// One table of the package.
pub struct Resource {
    /// HSDS's name for it: `service`, `phone`…
    pub name: String,
    /// Its file: `services.csv`.
    pub path: String,
    /// Columns in order, with their Table Schema type (`string`, `number`…).
    pub fields: Vec<(String, String)>,
}

/// Every table HSDS defines, in the specification's order.
pub fn resources() -> &'static [Resource] {
    static RESOURCES: OnceLock<Vec<Resource>> = OnceLock::new();
    RESOURCES.get_or_init(read_resources)
}

fn read_resources() -> Vec<Resource> {
    let empty = Vec::new();
    spec()["resources"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .filter_map(|r| {
            Some(Resource {
                name: r["name"].as_str()?.to_string(),
                path: r["path"].as_str()?.to_string(),
                fields: r["schema"]["fields"]
                    .as_array()?
                    .iter()
                    .filter_map(|f| {
                        Some((
                            f["name"].as_str()?.to_string(),
                            f["type"].as_str().unwrap_or("string").to_string(),
                        ))
                    })
                    .collect(),
            })
        })
        .collect()
}

/// The package's `datapackage.json`: the specification's resources under
/// the portal's name, with the attribution the specification asks for.
pub fn package_descriptor(config: &Config) -> Value {
    let mut d = Map::new();
    d.insert("profile".into(), "tabular-data-package".into());
    d.insert("name".into(), "opora-hsds".into());
    d.insert(
        "title".into(),
        format!("{}: службы в формате HSDS 3.0", config.title).into(),
    );
    d.insert(
        "description".into(),
        "Службы портала в табличной форме Human Services Data Specification 3.0. Описание таблиц (resources) — из спецификации: Human Services Data Specification, an Open Referral resource (https://openreferral.org/), CC BY-SA 4.0.".into(),
    );
    d.insert("homepage".into(), config.absolute("open-data/").into());
    d.insert("version".into(), spec()["version"].clone());
    d.insert("resources".into(), spec()["resources"].clone());
    Value::Object(d)
}

/// One CSV cell.
fn cell(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// Passes writes on but not flushes: a flush inside a zip entry would end a
/// deflate block early, and the zip would no longer be the same bytes as the
/// table compressed in one go.
struct Unflushed<W>(W);

impl<W: Write> Write for Unflushed<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const DESCRIPTOR: &str = "datapackage.json";

/// How every file of the package is stored: the same bytes for the same
/// tables in every build.
fn entry_options() -> zip::write::SimpleFileOptions {
    zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        // Level 1, not the usual 6: compressing the package is serial and was
        // the largest single cost of a 50,000-service build (18 % of CPU);
        // level 1 is ~3× faster for an archive ~11 % larger (30.9 MB of CSV at
        // 10,000 services: 7.2 MB instead of 6.4 MB).
        .compression_level(Some(1))
        .last_modified_time(zip::DateTime::DEFAULT)
        .system(zip::System::Unix)
        .unix_permissions(0o644)
}

/// One table's CSV being written: compressed, as its rows come, into a
/// one-entry zip in a temporary file, which the package's zip takes over
/// as it is (no second compression).
type TableFile = Unflushed<zip::ZipWriter<std::fs::File>>;

/// The package being made: every table HSDS defines (those the portal does
/// not fill with their header row only), each filled row by row, so no
/// table is ever held in memory — at a million services they would take
/// gigabytes.
pub struct Package {
    /// One per resource, in [`resources`]' order.
    tables: Vec<TableFile>,
}

/// Some rows as CSV lines, table by table in [`resources`]' order. Turning
/// rows into CSV can happen on any thread; only appending the lines
/// ([`Package::append`]) is in order, because each table is compressed as
/// one stream.
pub struct Lines(Vec<Vec<u8>>);

impl Lines {
    pub fn of(rows: &Tables) -> std::io::Result<Lines> {
        let mut tables = Vec::with_capacity(resources().len());
        for r in resources() {
            // Most of a record's tables are empty: no writer for those.
            let mut rows = rows.rows_of(&r.name).peekable();
            if rows.peek().is_none() {
                tables.push(Vec::new());
                continue;
            }
            let mut w = csv::Writer::from_writer(Vec::new());
            for row in rows {
                w.write_record(r.fields.iter().map(|(name, _)| cell(row.get(name))))?;
            }
            tables.push(w.into_inner().map_err(|e| e.into_error())?);
        }
        Ok(Lines(tables))
    }
}

impl Package {
    /// Every table with its header row, the specification's columns in order.
    pub fn new() -> std::io::Result<Package> {
        let mut tables = Vec::new();
        for r in resources() {
            let mut zip = zip::ZipWriter::new(tempfile::tempfile()?);
            zip.start_file(r.path.as_str(), entry_options())
                .map_err(std::io::Error::other)?;
            let mut header = csv::Writer::from_writer(Vec::new());
            header.write_record(r.fields.iter().map(|(name, _)| name))?;
            zip.write_all(&header.into_inner().map_err(|e| e.into_error())?)?;
            tables.push(Unflushed(zip));
        }
        Ok(Package { tables })
    }

    /// Appends each of `rows`' rows to its table.
    pub fn add(&mut self, rows: &Tables) -> std::io::Result<()> {
        self.append(&Lines::of(rows)?)
    }

    /// Appends lines made by [`Lines::of`], each table's to that table.
    pub fn append(&mut self, lines: &Lines) -> std::io::Result<()> {
        for (table, bytes) in self.tables.iter_mut().zip(&lines.0) {
            table.write_all(bytes)?;
        }
        Ok(())
    }

    /// The package as one zip written into `out`: `datapackage.json` and
    /// each table's CSV, sorted by name.
    pub fn write_zip(
        self,
        descriptor: &Value,
        out: &mut dyn crate::output::sink::WriteSeek,
    ) -> std::io::Result<()> {
        let mut files: Vec<(String, Option<TableFile>)> = resources()
            .iter()
            .zip(self.tables)
            .map(|(r, table)| (r.path.clone(), Some(table)))
            .collect();
        files.push((DESCRIPTOR.to_string(), None));
        files.sort_by(|a, b| a.0.cmp(&b.0));
        let mut zip = zip::ZipWriter::new(out);
        for (name, table) in files {
            match table {
                None => {
                    zip.start_file(name, entry_options())
                        .map_err(std::io::Error::other)?;
                    let mut json = serde_json::to_vec_pretty(descriptor)?;
                    json.push(b'\n');
                    zip.write_all(&json)?;
                }
                Some(Unflushed(table)) => {
                    let table = table
                        .finish_into_readable()
                        .map_err(std::io::Error::other)?;
                    zip.merge_archive(table).map_err(std::io::Error::other)?;
                }
            }
        }
        zip.finish().map_err(std::io::Error::other)?;
        Ok(())
    }
}

/// A table's rows as JSON objects, by resource name: what the import reads.
pub type Rows = BTreeMap<String, Vec<Map<String, Value>>>;

/// Reads the CSV tables among `files` (file name → bytes); `number` columns
/// become numbers where they parse, empty cells are left out.
pub fn read_csv_tables(files: &BTreeMap<String, Vec<u8>>) -> Result<Rows, String> {
    let mut out = Rows::new();
    for r in resources() {
        let Some(bytes) = files.get(&r.path) else {
            continue;
        };
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(bytes.as_slice());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| format!("{}: cannot read the header row: {e}", r.path))?
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
            .collect();
        let types: BTreeMap<&str, &str> = r
            .fields
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        let rows = out.entry(r.name.clone()).or_default();
        for (i, record) in reader.records().enumerate() {
            let record = record.map_err(|e| format!("{}: row {}: {e}", r.path, i + 2))?;
            let mut row = Map::new();
            for (h, v) in headers.iter().zip(record.iter()) {
                if v.is_empty() {
                    continue;
                }
                let value = match types.get(h.as_str()) {
                    Some(&"number") | Some(&"integer") => v
                        .trim()
                        .parse::<f64>()
                        .ok()
                        .and_then(super::model::number)
                        .map_or_else(|| Value::String(v.to_string()), Value::Number),
                    _ => Value::String(v.to_string()),
                };
                row.insert(h.clone(), value);
            }
            rows.push(row);
        }
    }
    Ok(out)
}

/// The CSV (and JSON) files of a zip, by file name without folders; a
/// package zipped inside a folder reads the same.
pub fn unzip(bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, String> {
    /// A package is a few megabytes; a zip that unpacks to more is refused.
    const LIMIT: u64 = 256 * 1024 * 1024;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("not a zip archive: {e}"))?;
    let mut out = BTreeMap::new();
    let mut total = 0u64;
    for i in 0..archive.len() {
        let mut file = archive
            .by_index(i)
            .map_err(|e| format!("cannot read entry {i} of the zip: {e}"))?;
        if !file.is_file() {
            continue;
        }
        let name = file
            .name()
            .map(|n| n.rsplit('/').next().unwrap_or("").to_string())
            .unwrap_or_default();
        if !(name.ends_with(".csv") || name.ends_with(".json")) {
            continue;
        }
        let mut buf = Vec::new();
        (&mut file)
            .take(LIMIT.saturating_sub(total) + 1)
            .read_to_end(&mut buf)
            .map_err(|e| format!("cannot unpack {name}: {e}"))?;
        total += buf.len() as u64;
        if total > LIMIT {
            return Err(format!(
                "the zip unpacks to more than {} MB",
                LIMIT / 1024 / 1024
            ));
        }
        out.insert(name, buf);
    }
    Ok(out)
}
