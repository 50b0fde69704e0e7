//! The tabular form of HSDS: a Frictionless Tabular Data Package —
//! `datapackage.json` and one CSV per table, as the specification's own
//! `datapackage.json` (embedded from `spec/`, CC BY-SA 4.0) defines them —
//! written as one zip, and read back from a folder or a zip.
//!
//! The zip is the same bytes in every build: entries sorted by name, each
//! table compressed in pieces (`super::package_zip`) that end where the
//! records say (`super::pieces`), whether made now or kept from the earlier
//! build's zip.

use std::collections::BTreeMap;
use std::io::{Read, Seek, Write};
use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::model::Tables;
use super::package_zip::{self, Checksum, Deflated, Headers, final_block};
use crate::config::Config;
use crate::output::pieces::Pieces;

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

const DESCRIPTOR: &str = "datapackage.json";

/// Some rows as CSV lines, table by table in [`resources`]' order. Turning
/// rows into CSV and compressing it can happen on any thread, piece by
/// piece (see [`super::package_zip`]).
#[derive(Default)]
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

    /// Every table's header row (the specification's columns in order),
    /// then `rows`' lines: what each table starts with.
    pub fn with_header(rows: &Tables) -> std::io::Result<Lines> {
        let mut heads = Lines::default();
        for r in resources() {
            let mut header = csv::Writer::from_writer(Vec::new());
            header.write_record(r.fields.iter().map(|(name, _)| name))?;
            heads
                .0
                .push(header.into_inner().map_err(|e| e.into_error())?);
        }
        heads.extend(Lines::of(rows)?);
        Ok(heads)
    }

    /// `more`'s lines after these, table by table.
    pub fn extend(&mut self, more: Lines) {
        if self.0.is_empty() {
            *self = more;
            return;
        }
        for (table, lines) in self.0.iter_mut().zip(more.0) {
            table.extend_from_slice(&lines);
        }
    }

    /// Each table's lines compressed as one piece.
    pub fn deflate(&self) -> std::io::Result<Vec<Deflated>> {
        let tables = resources().len();
        (0..tables)
            .map(|t| Deflated::of(self.0.get(t).map_or(&[][..], Vec::as_slice)))
            .collect()
    }
}

/// The pieces of each table compressed by this build (the others are the
/// earlier zip's): their bytes in one temporary file per table, in the
/// order of the pieces, so that no table is held in memory — at a million
/// services the package is gigabytes of CSV.
pub struct MadePieces {
    files: Vec<Option<std::fs::File>>,
    /// (piece, table) → the piece's length and its note (CRC and the
    /// length of its CSV).
    made: std::collections::HashMap<(usize, usize), (u64, u64)>,
}

impl MadePieces {
    pub fn new() -> MadePieces {
        MadePieces {
            files: (0..resources().len()).map(|_| None).collect(),
            made: std::collections::HashMap::new(),
        }
    }

    /// Piece `piece` of every table, compressed; pieces come in order.
    pub fn add(&mut self, piece: usize, tables: Vec<Deflated>) -> std::io::Result<()> {
        for (t, d) in tables.into_iter().enumerate() {
            if !d.bytes.is_empty() {
                let file = match &mut self.files[t] {
                    Some(file) => file,
                    empty => empty.insert(tempfile::tempfile()?),
                };
                file.write_all(&d.bytes)?;
            }
            self.made
                .insert((piece, t), (d.bytes.len() as u64, d.note()));
        }
        Ok(())
    }

    fn get(&self, piece: usize, table: usize) -> Option<(u64, u64)> {
        self.made.get(&(piece, table)).copied()
    }
}

/// The package as one zip written into `p`: `datapackage.json` and each
/// table's CSV, sorted by name. Each table is `heads`' piece for it, then
/// its `pieces` pieces in order — made by this build (`made`), or copied
/// from the earlier zip, where `key` finds them.
pub fn write_zip(
    p: &mut Pieces<'_>,
    descriptor: &Value,
    heads: &Lines,
    pieces: usize,
    key: &dyn Fn(usize, usize) -> u128,
    made: &mut MadePieces,
) -> std::io::Result<()> {
    let heads = heads.deflate()?;
    for file in made.files.iter_mut().flatten() {
        file.seek(std::io::SeekFrom::Start(0))?;
    }
    let mut files: Vec<(&str, Option<usize>)> = resources()
        .iter()
        .enumerate()
        .map(|(t, r)| (r.path.as_str(), Some(t)))
        .collect();
    files.push((DESCRIPTOR, None));
    files.sort_by(|a, b| a.0.cmp(b.0));
    let mut headers = Headers::default();
    let missing =
        || std::io::Error::other("a piece of the tabular package was neither made nor kept");
    for (name, table) in files {
        let Some(t) = table else {
            let mut json = serde_json::to_vec_pretty(descriptor)?;
            json.push(b'\n');
            let d = Deflated::of(&json)?;
            let mut sum = Checksum::default();
            sum.then(d.crc, d.len);
            let packed = (d.bytes.len() + final_block().len()) as u64;
            let at = p.position();
            p.write(&headers.local(name, &sum, packed, at)?)?;
            p.write(&d.bytes)?;
            p.write(final_block())?;
            continue;
        };
        let head = &heads[t];
        let mut sum = Checksum::default();
        sum.then(head.crc, head.len);
        let mut packed = (head.bytes.len() + final_block().len()) as u64;
        for piece in 0..pieces {
            let (len, note) = made
                .get(piece, t)
                .or_else(|| p.earlier(key(piece, t)))
                .ok_or_else(missing)?;
            let (crc, raw) = package_zip::unnote(note);
            sum.then(crc, raw);
            packed += len;
        }
        let at = p.position();
        p.write(&headers.local(name, &sum, packed, at)?)?;
        p.write(&head.bytes)?;
        for piece in 0..pieces {
            match made.get(piece, t) {
                Some((len, note)) => match &mut made.files[t] {
                    Some(file) => p.piece_from(key(piece, t), file, len, note)?,
                    None => p.piece(key(piece, t), &[], note)?,
                },
                None => {
                    if !p.copy(key(piece, t))? {
                        return Err(missing());
                    }
                }
            }
        }
        p.write(final_block())?;
    }
    let at = p.position();
    p.write(&headers.end(at)?)
}

/// A table's rows as JSON objects, by resource name: what the import reads.
pub type Rows = BTreeMap<String, Vec<Map<String, Value>>>;

/// Why a package's CSV table was not read.
pub enum CsvError {
    /// More rows than the cap.
    TooMany(String),
    /// Not CSV.
    Unreadable(String),
}

/// Reads the CSV tables among `files` (file name → bytes), none of more
/// than `cap` rows; `number` columns become numbers where they parse, empty
/// cells are left out.
pub fn read_csv_tables(files: &BTreeMap<String, Vec<u8>>, cap: usize) -> Result<Rows, CsvError> {
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
            .map_err(|e| {
                CsvError::Unreadable(format!("{}: cannot read the header row: {e}", r.path))
            })?
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
            if i == cap {
                return Err(CsvError::TooMany(format!(
                    "{}:{}: more than {cap} records in one list",
                    r.path,
                    i + 2
                )));
            }
            let record = record
                .map_err(|e| CsvError::Unreadable(format!("{}: row {}: {e}", r.path, i + 2)))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::pieces::{Earlier, PieceIndex};

    /// Piece `r` of table `t`, in `round`: lines of varied length, none for
    /// some tables, changed in a round only for pieces that say so.
    fn lines(r: usize, round: usize) -> Lines {
        let changed = if r % 5 == 3 { round } else { 0 };
        Lines(
            (0..resources().len())
                .map(|t| {
                    if (t + r).is_multiple_of(3) {
                        return Vec::new();
                    }
                    (0..(r * 37 + t * 11) % 900)
                        .map(|i| {
                            format!(
                                "{r}-{t}-{i}-{changed},строка {},{}\n",
                                i * 7919 % 1000,
                                "x".repeat(i % 40)
                            )
                        })
                        .collect::<String>()
                        .into_bytes()
                })
                .collect(),
        )
    }

    fn package(
        pieces: usize,
        round: usize,
        earlier: Option<&Earlier>,
    ) -> (Vec<u8>, PieceIndex, usize) {
        let key = |r: usize, t: usize| {
            let changed = if r % 5 == 3 { round } else { 0 };
            (r as u128) << 64 | (t as u128) << 32 | changed as u128
        };
        let mut made = MadePieces::new();
        let mut out = std::io::Cursor::new(Vec::new());
        let mut p = Pieces::new(&mut out, earlier);
        let mut count = 0;
        for r in 0..pieces {
            if (0..resources().len()).any(|t| p.earlier(key(r, t)).is_none()) {
                made.add(r, lines(r, round).deflate().unwrap()).unwrap();
                count += 1;
            }
        }
        let head = Lines::with_header(&Tables::default()).unwrap();
        let descriptor = serde_json::json!({"name": "test"});
        write_zip(&mut p, &descriptor, &head, pieces, &key, &mut made).unwrap();
        let index = p.finish();
        (out.into_inner(), index, count)
    }

    #[test]
    fn a_package_of_pieces_unzips_to_each_table_whole_and_kept_pieces_give_the_same_bytes() {
        let pieces = 60;
        let (first, index, made) = package(pieces, 0, None);
        assert_eq!(made, pieces);
        let files = unzip(&first).unwrap();
        let heads = Lines::with_header(&Tables::default()).unwrap();
        for (t, r) in resources().iter().enumerate() {
            let mut want = heads.0[t].clone();
            for piece in 0..pieces {
                want.extend_from_slice(&lines(piece, 0).0[t]);
            }
            assert_eq!(files[&r.path], want, "{}", r.path);
        }
        let earlier =
            Earlier::new(Box::new(first.clone()), first.len() as u64, &index.encode()).unwrap();
        let (second, _, made) = package(pieces, 1, Some(&earlier));
        assert_eq!(made, pieces / 5, "only the changed pieces are made");
        assert_eq!(second, package(pieces, 1, None).0);
        assert_ne!(second, first);
    }
}
