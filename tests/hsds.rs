//! Open Referral HSDS 3.0 out and in (src/hsds): the export is what the
//! specification's own schemas accept, the same bytes every build, honest
//! about checks and places; the tabular package is the specification's; the
//! import reads the specification's examples and gives our export back.
//!
//! The schemas and examples are the specification's (tests/fixtures/hsds/spec,
//! CC BY-SA 4.0, see its README).

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const HSDS: &str = "open-data/hsds";

fn spec(rel: &str) -> PathBuf {
    repo().join("tests/fixtures/hsds/spec").join(rel)
}

fn json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn build(root: &Path, out: &Path) {
    let o = opora(root, &["build", "--output", out.to_str().unwrap()]);
    assert!(
        o.status.success(),
        "build of {}:\n{}",
        root.display(),
        stderr(&o)
    );
}

/// The repository's portal, built once for the tests of this file.
fn built() -> &'static PathBuf {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let out = tempfile::tempdir().unwrap().keep().join("public");
        build(&repo(), &out);
        out
    })
}

fn exported(file: &str) -> Value {
    json(&built().join(HSDS).join(file))
}

/// The `contents` of an exported list page.
fn contents(file: &str) -> Vec<Value> {
    let page = exported(file);
    let items = page["contents"].as_array().cloned().unwrap_or_default();
    assert_eq!(page["total_items"], items.len(), "{file}: total_items");
    items
}

/// Every file of the HSDS folder of a built site, with its bytes.
fn hsds_files(out: &Path) -> Vec<(String, Vec<u8>)> {
    snapshot(&out.join(HSDS))
}

/// Additional properties forbidden on every object the schema describes, as
/// the specification validates its examples
/// (`compiletojsonschema --set-additional-properties-false-everywhere`).
fn strict(schema: &mut Value) {
    match schema {
        Value::Object(m) => {
            if m.get("properties").is_some_and(Value::is_object) {
                m.insert("additionalProperties".into(), Value::Bool(false));
            }
            m.values_mut().for_each(strict);
        }
        Value::Array(a) => a.iter_mut().for_each(strict),
        _ => {}
    }
}

/// The compiled schemas give a `date` as a string with `datapackage_type`
/// `date` and no JSON Schema `format` (`last_action_date`, `assured_date`…):
/// the format added, so the JSON is held to real dates as the tabular form is.
fn dated(schema: &mut Value) {
    match schema {
        Value::Object(m) => {
            if m.get("datapackage_type").and_then(Value::as_str) == Some("date")
                && m.get("type").and_then(Value::as_str) == Some("string")
            {
                m.entry("format").or_insert_with(|| "date".into());
            }
            m.values_mut().for_each(dated);
        }
        Value::Array(a) => a.iter_mut().for_each(dated),
        _ => {}
    }
}

fn validator(schema: &Value) -> jsonschema::Validator {
    let mut schema = schema.clone();
    strict(&mut schema);
    dated(&mut schema);
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the specification's schema compiles")
}

/// The specification's compiled schema `name`, or one of its sub-schemas.
fn compiled(name: &str) -> Value {
    json(&spec(&format!("schema/compiled/{name}.json")))
}

fn problems(v: &jsonschema::Validator, item: &Value) -> Vec<String> {
    v.iter_errors(item)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn assert_valid(v: &jsonschema::Validator, items: &[Value], what: &str) {
    assert!(!items.is_empty(), "{what}: nothing exported");
    for item in items {
        let p = problems(v, item);
        assert!(p.is_empty(), "{what} {}: {p:#?}", item["id"]);
    }
}

#[test]
fn the_schema_check_accepts_the_specifications_examples_and_refuses_an_extra_field() {
    for (example, schema) in [
        ("service_full", "service"),
        ("organization_full", "organization"),
        ("service_at_location_full", "service_at_location"),
    ] {
        let v = validator(&compiled(schema));
        let mut item = json(&spec(&format!("examples/{example}.json")));
        assert_eq!(problems(&v, &item), Vec::<String>::new(), "{example}");
        // The check can fail: a field HSDS does not define, or an id that is not a UUID.
        item["colour"] = "green".into();
        assert!(
            !problems(&v, &item).is_empty(),
            "{example} with an extra field"
        );
        item.as_object_mut().unwrap().remove("colour");
        let id = std::mem::replace(&mut item["id"], "ru-klu/kaluga-doverie".into());
        assert!(
            !problems(&v, &item).is_empty(),
            "{example} with a non-UUID id"
        );
        item["id"] = id;
        assert_eq!(problems(&v, &item), Vec::<String>::new(), "{example}");
    }
    // A metadata date is a real day, not a year: the `date` format is checked.
    let v = validator(&compiled("service"));
    let mut service = json(&spec("examples/service_full.json"));
    assert_eq!(service["metadata"][0]["last_action_date"], "2011-01-01");
    for bad in ["2024", "2023-02-29", ""] {
        service["metadata"][0]["last_action_date"] = bad.into();
        assert!(
            problems(&v, &service)
                .iter()
                .any(|p| p.contains("last_action_date")),
            "last_action_date «{bad}»"
        );
    }
}

#[test]
fn every_exported_object_is_valid_against_the_compiled_schemas() {
    let service = compiled("service");
    assert_valid(&validator(&service), &contents("services.json"), "service");
    assert_valid(
        &validator(&compiled("organization")),
        &contents("organizations.json"),
        "organization",
    );
    assert_valid(
        &validator(&compiled("service_at_location")),
        &contents("service_at_locations.json"),
        "service_at_location",
    );
    // Terms and taxonomies as the compiled service schema nests them.
    let term = &service["properties"]["attributes"]["items"]["properties"]["taxonomy_term"];
    assert_eq!(
        term["type"], "object",
        "the compiled schema nests taxonomy_term"
    );
    assert_valid(
        &validator(term),
        &contents("taxonomy_terms.json"),
        "taxonomy_term",
    );
    let taxonomy = &term["properties"]["taxonomy_detail"];
    assert_eq!(
        taxonomy["type"], "object",
        "the compiled schema nests taxonomy_detail"
    );
    assert_valid(
        &validator(taxonomy),
        &contents("taxonomies.json"),
        "taxonomy",
    );
    assert_eq!(exported("index.json")["version"], "3.0");
}

/// Front matter of every service record of the repository, by page address.
fn service_records() -> BTreeMap<String, toml::Table> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(repo().join("content/services")).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "md") {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            let front = text.split("+++").nth(1).unwrap();
            let region = entry.path().parent().unwrap().file_name().unwrap();
            let slug = entry.path().file_stem().unwrap();
            out.insert(
                format!(
                    "services/{}/{}/",
                    region.to_string_lossy(),
                    slug.to_string_lossy()
                ),
                toml::from_str(front).unwrap(),
            );
        }
    }
    out
}

/// The page address an exported service's page attribute gives.
fn page_of(service: &Value) -> String {
    let value = service["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["link_type"] == "page")
        .and_then(|a| a["value"].as_str())
        .expect("every service has its page attribute");
    value
        .split_once("/services/")
        .map(|(_, p)| format!("services/{p}"))
        .unwrap()
}

#[test]
fn identifiers_are_uuid_v5_of_record_ids_in_the_portals_namespace() {
    let config: toml::Table =
        toml::from_str(&std::fs::read_to_string(repo().join("opora.toml")).unwrap()).unwrap();
    let ns: uuid::Uuid = config["open_data"]["hsds_namespace"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let services = contents("services.json");
    assert_eq!(
        services.len(),
        service_records().len(),
        "one HSDS service per record"
    );
    for s in &services {
        let page = page_of(s);
        let rid = page.trim_start_matches("services/").trim_end_matches('/');
        let want = uuid::Uuid::new_v5(&ns, format!("service/{rid}").as_bytes());
        assert_eq!(s["id"], want.to_string(), "{page}");
    }
    let mut ids: Vec<&str> = services.iter().map(|s| s["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), services.len(), "service ids are unique");
}

#[test]
fn the_export_is_byte_identical_between_builds() {
    let again = tempfile::tempdir().unwrap();
    build(&repo(), &again.path().join("public"));
    let first = hsds_files(built());
    let second = hsds_files(&again.path().join("public"));
    assert_eq!(
        first.len(),
        7,
        "{:?}",
        first.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for ((a, x), (b, y)) in first.iter().zip(&second) {
        assert_eq!(a, b);
        assert!(x == y, "{a} differs between two builds of the same content");
    }
}

#[test]
fn assured_date_is_there_only_where_an_editor_verified() {
    let records = service_records();
    for s in contents("services.json") {
        let record = &records[&page_of(&s)];
        let verified = record.get("verified").map(|v| v.to_string());
        assert_eq!(
            s.get("assured_date")
                .and_then(Value::as_str)
                .map(str::to_string),
            verified,
            "{}: assured_date must be the record's verified date, or absent",
            page_of(&s)
        );
    }
    // A portal where one record was verified and another was not.
    let portal = mini_portal();
    let path = portal.path().join("content/services/ru-mos/semya-i-dom.md");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("verified = 2026-11-24"));
    std::fs::write(&path, text.replace("verified = 2026-11-24\n", "")).unwrap();
    let out = portal.path().join("public");
    build(portal.path(), &out);
    let services = json(&out.join(HSDS).join("services.json"));
    let dated: BTreeMap<String, Option<String>> = services["contents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                page_of(s),
                s.get("assured_date")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            )
        })
        .collect();
    assert_eq!(
        dated,
        BTreeMap::from([
            (
                "services/ru-klu/kaluga-doverie/".to_string(),
                Some("2026-11-24".to_string())
            ),
            ("services/ru-mos/semya-i-dom/".to_string(), None),
        ])
    );
}

#[test]
fn locations_are_as_exact_as_the_sources_and_no_more() {
    let records = service_records();
    let codes = term_codes(&contents("taxonomy_terms.json"));
    let mut seen = BTreeMap::<String, usize>::new();
    for s in contents("services.json") {
        let record = &records[&page_of(&s)];
        let Some(sal) = s["service_at_locations"].as_array().and_then(|a| a.first()) else {
            assert!(record.get("location").is_none() && record.get("address").is_none());
            continue;
        };
        let l = &sal["location"];
        let precision = l["attributes"]
            .as_array()
            .and_then(|a| a.iter().find(|a| a["link_type"] == "precision"));
        match record.get("location") {
            Some(point) => {
                let p = point["precision"].as_str().unwrap();
                *seen.entry(p.to_string()).or_default() += 1;
                assert!(
                    precision.is_some(),
                    "{}: a point says how exact it is",
                    page_of(&s)
                );
                assert_eq!(l["latitude"].as_f64(), point["lat"].as_float());
                assert_eq!(l["longitude"].as_f64(), point["lon"].as_float());
                let description = l["description"].as_str().unwrap();
                if p == "city" {
                    assert!(description.contains("центр города"), "{description}");
                }
            }
            None => assert!(l.get("latitude").is_none() && precision.is_none()),
        }
        seen_place(record, l, &codes, &page_of(&s), &mut seen);
    }
    // The repository's sources give towns, not addresses, for every point;
    // Moscow's services name their district.
    assert!(seen.get("city").is_some_and(|n| *n > 0), "{seen:?}");
    assert!(seen.get("district").is_some_and(|n| *n > 0), "{seen:?}");
}

/// The record's place as its location says it: an HSDS address only where
/// the record has a street address, a town and a postal code in the address
/// (HSDS requires all three); otherwise no address, and the parts the record
/// has as `place` attributes, as it writes them. Counts what it saw.
fn seen_place(
    record: &toml::Table,
    location: &Value,
    codes: &BTreeMap<String, String>,
    page: &str,
    seen: &mut BTreeMap<String, usize>,
) {
    let field = |k: &str| record.get(k).and_then(|v| v.as_str());
    let index = field("address").and_then(|a| {
        a.split(|c: char| !c.is_ascii_digit())
            .find(|part| part.len() == 6)
    });
    let place = place_of(location, codes);
    assert_eq!(location["name"].as_str(), field("municipality"), "{page}");
    match (&location["addresses"], index.zip(field("municipality"))) {
        (Value::Array(addresses), Some((index, town))) => {
            let a = &addresses[0];
            assert_eq!(addresses.len(), 1, "{page}");
            assert_eq!(a["address_1"].as_str(), field("address"), "{page}");
            assert_eq!(a["postal_code"], index, "{page}");
            assert_eq!(a["city"], town, "{page}");
            assert_eq!(a["region"].as_str(), field("district"), "{page}");
            assert!(place.is_empty(), "{page}: {place:?}");
            *seen.entry("address".into()).or_default() += 1;
        }
        (Value::Null, None) => {
            for part in ["municipality", "district", "address"] {
                assert_eq!(
                    place.get(part).map(String::as_str),
                    field(part),
                    "{page}: {part}"
                );
                *seen.entry(part.into()).or_default() += place.contains_key(part) as usize;
            }
        }
        (addresses, _) => panic!("{page}: addresses {addresses} for {record:?}"),
    }
}

/// Taxonomy term id → code, from an exported `taxonomy_terms.json`.
fn term_codes(terms: &[Value]) -> BTreeMap<String, String> {
    terms
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap().into(),
                t["code"].as_str().unwrap().into(),
            )
        })
        .collect()
}

/// A location's `place` attributes: part → value.
fn place_of(location: &Value, codes: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    location["attributes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["link_type"] == "place")
        .map(|a| {
            (
                codes[a["taxonomy_term_id"].as_str().unwrap()].clone(),
                a["value"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The day a file last changed, as an editor would look it up: its last
/// commit, else (untracked, or no git) its modification time.
fn last_change(root: &Path, rel: &str) -> String {
    let git = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["log", "-1", "--format=%cs", "--", rel])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    if !git.is_empty() {
        return git;
    }
    let modified = std::fs::metadata(root.join(rel))
        .unwrap()
        .modified()
        .unwrap();
    utc_day(modified)
}

/// `YYYY-MM-DD` of a moment, in UTC (days since the epoch, civil calendar).
fn utc_day(t: std::time::SystemTime) -> String {
    let days = t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() / 86_400;
    let (mut y, mut d) = (1970, days);
    loop {
        let len = if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 {
            366
        } else {
            365
        };
        if d < len {
            break;
        }
        d -= len;
        y += 1;
    }
    let feb = if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 {
        29
    } else {
        28
    };
    let mut m = 0;
    for len in [31, feb, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] {
        if d < len {
            break;
        }
        d -= len;
        m += 1;
    }
    format!("{y:04}-{:02}-{:02}", m + 1, d + 1)
}

/// Document id → the year its facts are from, from `data/sources.toml`.
fn document_years() -> BTreeMap<String, i64> {
    let sources: toml::Table =
        toml::from_str(&std::fs::read_to_string(repo().join("data/sources.toml")).unwrap())
            .unwrap();
    sources["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| Some((d["id"].as_str()?.to_string(), d.get("year")?.as_integer()?)))
        .collect()
}

#[test]
fn sources_are_metadata_dated_by_the_records_last_change_with_the_as_of_year_in_words() {
    let records = service_records();
    let years = document_years();
    let mut with_year = 0;
    for s in contents("services.json") {
        let page = page_of(&s);
        let record = &records[&page];
        let metadata = s["metadata"]
            .as_array()
            .expect("every service cites a source");
        let sources = record["sources"].as_array().unwrap();
        assert_eq!(
            metadata.len(),
            sources.len(),
            "{page}: one row per citation"
        );
        // The record's file: content/services/<region>/<slug>.md.
        let rel = format!("content/{}.md", page.trim_end_matches('/'));
        let changed = last_change(&repo(), &rel);
        for (m, source) in metadata.iter().zip(sources) {
            assert_eq!(m["last_action_type"], "source");
            assert_eq!(m["resource_id"], s["id"]);
            assert_eq!(m["field_name"], "sources");
            assert_eq!(m["previous_value"], "—");
            // A real day: the portal's last change to the record, never the
            // document's year, never a check with the organization.
            assert_eq!(m["last_action_date"], changed.as_str(), "{page}");
            let by = m["updated_by"].as_str().unwrap();
            match (
                source.get("doc").and_then(|d| d.as_str()),
                source.get("line"),
            ) {
                (Some(doc), Some(line)) => {
                    assert!(by.ends_with(&format!(" [{doc}:{line}]")), "{by}")
                }
                (Some(doc), None) => assert!(by.ends_with(&format!(" [{doc}]")), "{by}"),
                (None, _) => assert!(by.contains(source["url"].as_str().unwrap()), "{by}"),
            }
            // The year the document's facts are from stays, in words.
            let year = source.get("doc").and_then(|d| years.get(d.as_str()?));
            if let Some(year) = year {
                assert!(
                    by.contains(&format!(", по состоянию на {year} г. [")),
                    "{by}"
                );
                with_year += 1;
            } else {
                assert!(!by.contains("по состоянию"), "{by}");
            }
            let quote = source.get("quote").and_then(|q| q.as_str());
            assert_eq!(
                m["replacement_value"].as_str(),
                Some(quote.unwrap_or(by)),
                "{page}"
            );
        }
    }
    assert!(with_year > 0);
}

fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        assert_eq!(
            f.last_modified(),
            Some(zip::DateTime::default()),
            "fixed timestamps"
        );
        let mut buf = Vec::new();
        f.read_to_end(&mut buf).unwrap();
        out.insert(f.name().unwrap().to_string(), buf);
    }
    out
}

#[test]
fn the_tabular_package_has_the_specifications_tables_and_columns() {
    let zip = std::fs::read(built().join(HSDS).join("hsds-tabular.zip")).unwrap();
    let files = unzip(&zip);
    let descriptor: Value = serde_json::from_slice(&files["datapackage.json"]).unwrap();
    let spec_package = json(&spec("examples/csv/datapackage.json"));
    assert_eq!(descriptor["profile"], "tabular-data-package");
    assert_eq!(descriptor["resources"], spec_package["resources"]);
    assert!(
        descriptor["description"]
            .as_str()
            .unwrap()
            .contains("CC BY-SA 4.0")
    );
    let resources = spec_package["resources"].as_array().unwrap();
    assert_eq!(files.len(), resources.len() + 1, "{:?}", files.keys());
    let mut tables = BTreeMap::new();
    for r in resources {
        let path = r["path"].as_str().unwrap();
        let mut reader = csv::Reader::from_reader(files[path].as_slice());
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_string)
            .collect();
        let columns: Vec<&str> = r["schema"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            header, columns,
            "{path}: the specification's columns in order"
        );
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        tables.insert(path.to_string(), rows);
    }
    // The same services as the JSON, with their phones.
    let services = contents("services.json");
    let ids = |rows: &[csv::StringRecord]| -> Vec<String> {
        rows.iter().map(|r| r[0].to_string()).collect()
    };
    let mut json_ids: Vec<String> = services
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    json_ids.sort();
    let mut csv_ids = ids(&tables["services.csv"]);
    csv_ids.sort();
    assert_eq!(csv_ids, json_ids);
    let phones: usize = services
        .iter()
        .map(|s| s["phones"].as_array().map_or(0, Vec::len))
        .sum();
    assert!(phones > 0);
    assert_eq!(tables["phones.csv"].len(), phones);
    assert!(
        tables["programs.csv"].is_empty(),
        "a table the portal does not fill is its header"
    );
}

/// A JSON Schema string format (`date`, `date-time`, `uuid`, `uri`, `email`)
/// checked by the jsonschema crate, not by the code under test.
fn has_format(format: &str, value: &str) -> bool {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static CHECKS: OnceLock<Mutex<HashMap<String, jsonschema::Validator>>> = OnceLock::new();
    let mut checks = CHECKS.get_or_init(Default::default).lock().unwrap();
    let check = checks.entry(format.to_string()).or_insert_with(|| {
        jsonschema::options()
            .should_validate_formats(true)
            .build(&serde_json::json!({ "type": "string", "format": format }))
            .unwrap()
    });
    check.is_valid(&Value::String(value.to_string()))
}

/// `HH:MM[:SS[.fff]]` with an optional `Z` or `±HH:MM`: a Table Schema
/// `time` in its default (ISO 8601) format.
fn is_time(v: &str) -> bool {
    let (clock, _) = v
        .char_indices()
        .find(|(i, c)| *i >= 5 && matches!(c, 'Z' | '+' | '-'))
        .map_or((v, ""), |(i, _)| v.split_at(i));
    let clock = clock.split('.').next().unwrap_or("");
    let parts: Vec<&str> = clock.split(':').collect();
    let limits = [23, 59, 59];
    (2..=3).contains(&parts.len())
        && parts
            .iter()
            .zip(limits)
            .all(|(p, max)| p.len() == 2 && p.parse::<u32>().is_ok_and(|n| n <= max))
}

/// Does `v` read as a value of the Table Schema `type`? `None` for a type
/// this check does not know (reported, never passed silently).
fn has_type(kind: &str, format: Option<&str>, v: &str) -> Option<bool> {
    Some(match kind {
        "string" => match format {
            None | Some("default") => true,
            Some(f @ ("uuid" | "uri" | "email")) => has_format(f, v),
            Some(_) => return None,
        },
        "date" => has_format("date", v),
        "datetime" => has_format("date-time", v),
        "time" => is_time(v),
        "number" => v.parse::<f64>().is_ok_and(f64::is_finite),
        "integer" => v.parse::<i64>().is_ok(),
        "boolean" => ["true", "True", "TRUE", "1", "false", "False", "FALSE", "0"].contains(&v),
        _ => return None,
    })
}

/// Everything in a tabular package that its own `datapackage.json` forbids,
/// read the way a strict Frictionless validator reads it: the header is the
/// declared fields in order; an empty cell is a missing value, which a
/// `required` field may not have; every value reads as its field's type and
/// format (a `date` is a real YYYY-MM-DD day); `enum` and `unique` hold; the
/// primary key is unique; every foreign key finds its row.
fn tabular_problems(files: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let descriptor: Value = serde_json::from_slice(&files["datapackage.json"]).unwrap();
    let resources = descriptor["resources"].as_array().unwrap();
    let mut problems = Vec::new();
    // Resource name → its rows, each a map from field to value (missing ones left out).
    let mut tables: BTreeMap<String, Vec<BTreeMap<String, String>>> = BTreeMap::new();
    for r in resources {
        let (name, path) = (r["name"].as_str().unwrap(), r["path"].as_str().unwrap());
        let schema = &r["schema"];
        let missing: Vec<&str> = schema["missingValues"]
            .as_array()
            .map_or(vec![""], |m| m.iter().filter_map(Value::as_str).collect());
        let fields = schema["fields"].as_array().unwrap();
        let Some(bytes) = files.get(path) else {
            problems.push(format!("{path}: missing from the package"));
            continue;
        };
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(bytes.as_slice());
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_string)
            .collect();
        let names: Vec<&str> = fields.iter().map(|f| f["name"].as_str().unwrap()).collect();
        if header != names {
            problems.push(format!("{path}: header {header:?}, declared {names:?}"));
            continue;
        }
        let mut rows = Vec::new();
        let mut seen: BTreeMap<&str, BTreeMap<String, usize>> = BTreeMap::new();
        for (i, record) in reader.records().enumerate() {
            let record = record.unwrap();
            let at = format!("{path} row {}", i + 2);
            if record.len() != fields.len() {
                problems.push(format!(
                    "{at}: {} cells, {} fields",
                    record.len(),
                    fields.len()
                ));
            }
            let mut row = BTreeMap::new();
            for (f, cell) in fields.iter().zip(record.iter()) {
                let field = f["name"].as_str().unwrap();
                let constraints = f["constraints"].as_object().cloned().unwrap_or_default();
                for key in constraints.keys() {
                    assert!(
                        ["required", "unique", "enum"].contains(&key.as_str()),
                        "{path}: constraint {key} on {field} is not checked here; teach the test"
                    );
                }
                if missing.contains(&cell) {
                    if constraints.get("required") == Some(&Value::Bool(true)) {
                        problems.push(format!("{at}: required {field} is empty"));
                    }
                    continue;
                }
                let kind = f["type"].as_str().unwrap_or("string");
                match has_type(kind, f["format"].as_str(), cell) {
                    Some(true) => {}
                    Some(false) => problems.push(format!("{at}: {field} «{cell}» is not a {kind}")),
                    None => problems.push(format!("{path}: type {kind} of {field} is not checked")),
                }
                if let Some(allowed) = constraints.get("enum").and_then(Value::as_array)
                    && !allowed.iter().any(|a| a.as_str() == Some(cell))
                {
                    problems.push(format!("{at}: {field} «{cell}» is not one of {allowed:?}"));
                }
                row.insert(field.to_string(), cell.to_string());
            }
            for f in fields {
                let field = f["name"].as_str().unwrap();
                let unique = f["constraints"]["unique"] == true
                    || schema["primaryKey"].as_str() == Some(field);
                let key = row.get(field).cloned();
                if unique && let Some(key) = key {
                    let first = seen.entry(field).or_default();
                    if let Some(before) = first.insert(key.clone(), i + 2) {
                        problems.push(format!("{at}: {field} «{key}» repeats row {before}"));
                    }
                }
            }
            rows.push(row);
        }
        tables.insert(name.to_string(), rows);
    }
    for r in resources {
        let name = r["name"].as_str().unwrap();
        for fk in r["schema"]["foreignKeys"].as_array().into_iter().flatten() {
            let field = fk["fields"].as_str().unwrap();
            let target = fk["reference"]["resource"]
                .as_str()
                .filter(|t| !t.is_empty())
                .unwrap_or(name);
            let target_field = fk["reference"]["fields"].as_str().unwrap();
            // A table whose header was wrong is reported above already.
            let (Some(rows), Some(targets)) = (tables.get(name), tables.get(target)) else {
                continue;
            };
            let keys: std::collections::HashSet<&String> = targets
                .iter()
                .filter_map(|row| row.get(target_field))
                .collect();
            for (i, row) in rows.iter().enumerate() {
                if let Some(v) = row.get(field)
                    && !keys.contains(v)
                {
                    problems.push(format!(
                        "{} row {}: {field} {v} names no {target}.{target_field}",
                        r["path"].as_str().unwrap(),
                        i + 2
                    ));
                }
            }
        }
    }
    problems
}

/// The problems of a tabular package, a few of each kind, for a failure message.
fn summary(problems: &[String]) -> String {
    let mut by_kind: BTreeMap<String, Vec<&String>> = BTreeMap::new();
    for p in problems {
        let kind = p.split_once(": ").map_or(p.as_str(), |(_, k)| k);
        let kind: String = kind.split('«').next().unwrap_or(kind).to_string();
        by_kind.entry(kind).or_default().push(p);
    }
    by_kind
        .values()
        .map(|ps| format!("{} ({} in all)", ps[0], ps.len()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_tabular_check_refuses_what_the_datapackage_forbids() {
    let zip = std::fs::read(built().join(HSDS).join("hsds-tabular.zip")).unwrap();
    let good = unzip(&zip);
    let spoil = |file: &str, from: &str, to: &str| {
        let mut files = good.clone();
        let text = String::from_utf8(files[file].clone()).unwrap();
        assert!(text.contains(from), "{file} holds «{from}»");
        files.insert(file.into(), text.replacen(from, to, 1).into_bytes());
        tabular_problems(&files)
    };
    let metadata = String::from_utf8(good["metadata.csv"].clone()).unwrap();
    let row: Vec<&str> = metadata.lines().nth(1).unwrap().split(',').collect();
    let date = row[3];
    // A year is not a date, nor is a day that does not exist.
    for bad in ["2024", "2025-02-29", "2024-13-01", ""] {
        let p = spoil("metadata.csv", &format!(",{date},"), &format!(",{bad},"));
        assert!(
            p.iter().any(|p| p.contains("last_action_date")),
            "«{bad}» as last_action_date: {p:?}"
        );
    }
    let p = spoil("services.csv", ",active,", ",open,");
    assert!(p.iter().any(|p| p.contains("status «open»")), "{p:?}");
    let p = spoil("services.csv", "id,organization_id", "id,org_id");
    assert!(p.iter().any(|p| p.contains("header")), "{p:?}");
}

#[test]
fn the_tabular_package_is_valid_against_its_own_datapackage() {
    let zip = std::fs::read(built().join(HSDS).join("hsds-tabular.zip")).unwrap();
    let problems = tabular_problems(&unzip(&zip));
    assert!(problems.is_empty(), "{}", summary(&problems));
}

/// A portal with the repository's configuration, templates, data and regions
/// and no services: what an import starts from.
fn empty_portal() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = repo();
    for folder in ["templates", "static", "data", "content/regions"] {
        copy_dir(&root.join(folder), &dir.path().join(folder));
    }
    std::fs::copy(root.join("opora.toml"), dir.path().join("opora.toml")).unwrap();
    // Old addresses lead to routes and records this portal does not have:
    // a site without them has none to keep.
    std::fs::remove_file(dir.path().join("data/moved.toml")).unwrap();
    dir
}

fn import(root: &Path, package: &Path, extra: &[&str]) -> (bool, String) {
    let mut args = vec!["import", "--hsds", package.to_str().unwrap()];
    args.extend(extra);
    let o = opora(root, &args);
    (
        o.status.success(),
        format!("{}{}", String::from_utf8_lossy(&o.stdout), stderr(&o)),
    )
}

fn services_in(root: &Path) -> Vec<(String, Vec<u8>)> {
    let dir = root.join("content/services");
    if dir.exists() {
        snapshot(&dir)
    } else {
        Vec::new()
    }
}

/// The package `again`, made after an import of `original` (from `what`),
/// is `original`, file by file.
fn assert_same_package(original: &[(String, Vec<u8>)], again: &[(String, Vec<u8>)], what: &str) {
    assert_eq!(
        again.iter().map(|f| &f.0).collect::<Vec<_>>(),
        original.iter().map(|f| &f.0).collect::<Vec<_>>(),
        "{what}"
    );
    for ((name, a), (_, b)) in original.iter().zip(again) {
        assert!(
            a == b,
            "{what}: {name} differs after export → import → export"
        );
    }
}

#[test]
fn round_trip_export_import_export_gives_the_same_package() {
    let original = hsds_files(built());
    // The tabular zip, and the JSON lists.
    for package in [
        built().join(HSDS).join("hsds-tabular.zip"),
        built().join(HSDS),
    ] {
        let portal = empty_portal();
        let (ok, out) = import(portal.path(), &package, &[]);
        assert!(ok, "{}: {out}", package.display());
        assert_eq!(
            services_in(portal.path()).len(),
            service_records().len(),
            "{out}"
        );
        let public = portal.path().join("public");
        build(portal.path(), &public);
        let again = hsds_files(&public);
        assert_same_package(&original, &again, &package.display().to_string());
    }
}

/// The JSON lists of `out` in pages of `per_page`: each list's pages in
/// order, by list.
fn paged_lists(out: &Path) -> BTreeMap<String, Vec<Value>> {
    let mut lists: BTreeMap<String, Vec<(usize, Value)>> = BTreeMap::new();
    for entry in std::fs::read_dir(out.join(HSDS)).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".json") else {
            continue;
        };
        let (list, number) = match stem.rsplit_once('-') {
            Some((list, n)) => (list, n.parse().unwrap()),
            None => (stem, 1),
        };
        let page = json(&out.join(HSDS).join(&name));
        lists
            .entry(list.to_string())
            .or_default()
            .push((number, page));
    }
    lists
        .into_iter()
        .map(|(list, mut pages)| {
            pages.sort_by_key(|(n, _)| *n);
            (list, pages.into_iter().map(|(_, p)| p).collect())
        })
        .collect()
}

#[test]
fn long_lists_are_pages_of_the_api_that_hold_the_whole_list_and_import_back() {
    let portal = tempfile::tempdir().unwrap();
    for folder in ["templates", "static", "data", "content"] {
        copy_dir(&repo().join(folder), &portal.path().join(folder));
    }
    // Outside git, each record is dated by its file's time: the lists in
    // one page are made of this copy too.
    let settings = std::fs::read_to_string(repo().join("opora.toml")).unwrap();
    std::fs::write(portal.path().join("opora.toml"), &settings).unwrap();
    let single = portal.path().join("single");
    build(portal.path(), &single);
    let settings = settings.replace("[open_data]\n", "[open_data]\nhsds_per_page = 7\n");
    assert!(settings.contains("hsds_per_page = 7"));
    std::fs::write(portal.path().join("opora.toml"), settings).unwrap();
    let public = portal.path().join("public");
    build(portal.path(), &public);
    let one_page = |list: &str| -> Vec<Value> {
        let page = json(&single.join(HSDS).join(format!("{list}.json")));
        page["contents"].as_array().unwrap().clone()
    };
    let schema = |name: &str| validator(&compiled(name));
    let lists = paged_lists(&public);
    for (list, schema) in [
        ("services", schema("service")),
        ("organizations", schema("organization")),
        ("service_at_locations", schema("service_at_location")),
    ] {
        let pages = &lists[list];
        let whole = one_page(list);
        assert!(whole.len() > 14, "{list}: {} items", whole.len());
        assert_eq!(pages.len(), whole.len().div_ceil(7), "{list}");
        let mut items = Vec::new();
        for (i, page) in pages.iter().enumerate() {
            let at = format!("{list} page {}", i + 1);
            let size = page["contents"].as_array().unwrap().len();
            assert_eq!(page["total_items"], whole.len(), "{at}");
            assert_eq!(page["total_pages"], pages.len(), "{at}");
            assert_eq!(page["page_number"], i + 1, "{at}");
            assert_eq!(page["size"], size, "{at}");
            assert_eq!(
                size,
                if i + 1 < pages.len() {
                    7
                } else {
                    whole.len() - 7 * i
                },
                "{at}"
            );
            assert_eq!(page["first_page"], i == 0, "{at}");
            assert_eq!(page["last_page"], i + 1 == pages.len(), "{at}");
            assert_eq!(page["empty"], false, "{at}");
            items.extend(page["contents"].as_array().unwrap().iter().cloned());
        }
        // The pages hold the list a single page holds, in its order.
        assert!(items == whole, "{list}: the pages are not the whole list");
        assert_valid(&schema, &items, list);
    }
    // The short lists stay one page.
    assert_eq!(lists["taxonomies"].len(), 1);

    // The folder of pages imports into an empty portal as the services it
    // came from: exported again (in one page each), the package is the same.
    let empty = empty_portal();
    let (ok, out) = import(empty.path(), &public.join(HSDS), &[]);
    assert!(ok, "{out}");
    let again = empty.path().join("public");
    build(empty.path(), &again);
    assert_same_package(&hsds_files(&single), &hsds_files(&again), "pages of 7");
}

#[test]
fn importing_the_export_into_its_own_portal_changes_nothing() {
    let portal = tempfile::tempdir().unwrap();
    for folder in ["templates", "static", "data", "content"] {
        copy_dir(&repo().join(folder), &portal.path().join(folder));
    }
    std::fs::copy(repo().join("opora.toml"), portal.path().join("opora.toml")).unwrap();
    let before = services_in(portal.path());
    let zip = built().join(HSDS).join("hsds-tabular.zip");
    let (ok, out) = import(portal.path(), &zip, &[]);
    assert!(ok, "{out}");
    assert!(
        out.contains("0 to create, 0 to change, 0 likely duplicates, 0 rows with errors"),
        "{out}"
    );
    assert!(
        services_in(portal.path()) == before,
        "the records are untouched"
    );
}

#[test]
fn a_dry_run_writes_nothing_and_a_service_under_another_name_is_held_back() {
    let portal = empty_portal();
    // One of the exported services already sits here under another file name.
    let record = "content/services/ru-klu/kaluga-doverie.md";
    let text = std::fs::read_to_string(repo().join(record)).unwrap();
    let kept = portal
        .path()
        .join("content/services/ru-klu/doverie-kaluga.md");
    std::fs::create_dir_all(kept.parent().unwrap()).unwrap();
    std::fs::write(&kept, &text).unwrap();
    let zip = built().join(HSDS).join("hsds-tabular.zip");

    let (ok, out) = import(portal.path(), &zip, &["--dry-run"]);
    assert!(ok, "{out}");
    assert!(out.contains("dry run: nothing written"), "{out}");
    assert_eq!(
        services_in(portal.path()).len(),
        1,
        "a dry run writes nothing"
    );
    let held: Vec<&str> = out.lines().filter(|l| l.starts_with("skip")).collect();
    assert_eq!(held.len(), 1, "{out}");
    assert!(held[0].contains("ru-klu/doverie-kaluga"), "{out}");

    let (ok, out) = import(portal.path(), &zip, &[]);
    assert!(ok, "{out}");
    assert!(
        !portal.path().join(record).exists(),
        "the likely duplicate is not written"
    );
    assert_eq!(
        services_in(portal.path()).len(),
        service_records().len(),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(&kept).unwrap(),
        text,
        "the editor's record is untouched"
    );
}

/// Front matter of the one record an import created.
fn created(root: &Path) -> (toml::Table, String) {
    let files = services_in(root);
    assert_eq!(
        files.len(),
        1,
        "{:?}",
        files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    let text = String::from_utf8(files[0].1.clone()).unwrap();
    let front = text.split("+++").nth(1).unwrap();
    (toml::from_str(front).unwrap(), text)
}

/// A copy of the specification's example package at `rel` whose one
/// taxonomy term (coded `code`) is coded as our need `crisis`, and is the
/// service's (the tabular example links it to another record): a service
/// without one of our needs is an error of its row (`opora check` refuses
/// a service without needs), and the example is about its other fields.
fn example_with_a_need(rel: &str, dir: &Path) -> PathBuf {
    let package = dir.join(rel.replace('/', "-"));
    copy_dir(&spec(rel), &package);
    for entry in std::fs::read_dir(&package).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let coded = text
            .replace("\"code\": \"code\"", "\"code\": \"crisis\"")
            .replace("-eaca714b02b2,code,name,", "-eaca714b02b2,crisis,name,");
        std::fs::write(&path, coded).unwrap();
    }
    let attributes = package.join("attributes.csv");
    if attributes.exists() {
        let mut rows = std::fs::read_to_string(&attributes).unwrap();
        rows.push_str(
            "a-need,ac148810-d857-441c-9679-408f346de14b,3f7b145d-84af-42d7-8fae-eaca714b02b2,needs,service,\n",
        );
        std::fs::write(&attributes, rows).unwrap();
    }
    package
}

#[test]
fn the_specifications_examples_import_as_json_and_as_csv() {
    let copies = tempfile::tempdir().unwrap();
    for package in [spec("examples/csv"), spec("examples")] {
        let portal = empty_portal();
        // The example as it is: its term is none of our needs.
        let (ok, out) = import(portal.path(), &package, &["--region", "RU-KLU"]);
        assert!(!ok, "{}: {out}", package.display());
        assert!(
            out.contains("error   row 1: none of its taxonomy terms is one of our needs"),
            "{out}"
        );
        assert!(services_in(portal.path()).is_empty());
        let rel = package.strip_prefix(spec("")).unwrap().to_str().unwrap();
        let package = example_with_a_need(rel, copies.path());
        // No region of ours in the package: the import says so and writes nothing.
        let (ok, out) = import(portal.path(), &package, &[]);
        assert!(!ok, "{}: {out}", package.display());
        assert!(out.contains("--region"), "{out}");
        assert!(services_in(portal.path()).is_empty());

        let (ok, out) = import(portal.path(), &package, &["--region", "RU-KLU"]);
        assert!(ok, "{}: {out}", package.display());
        let (front, text) = created(portal.path());
        assert_eq!(front["needs"], toml::Value::from(vec!["crisis"]));
        assert_eq!(front["name"].as_str(), Some("Community Counselling"));
        assert_eq!(
            front["short_name"].as_str(),
            Some("MyCity Counselling Services")
        );
        assert_eq!(front["region"].as_str(), Some("RU-KLU"));
        assert_eq!(
            front["website"].as_str(),
            Some("http://example.com/counselling")
        );
        assert_eq!(front["municipality"].as_str(), Some("MyCity"));
        assert_eq!(
            front["address"].as_str(),
            Some("ABC 1234, 1-30 Main Street, MyVillage")
        );
        assert!(
            front["how_to_apply"]
                .as_str()
                .is_some_and(|a| !a.is_empty())
        );
        assert!(text.contains("Counselling Services provided by trained professionals"));
        // What the portal cannot hold is left out and said, never bent to fit.
        assert!(
            front.get("phones").is_none(),
            "a UK number is not a Russian phone"
        );
        assert!(
            front.get("location").is_none(),
            "latitude 100 is not on Earth"
        );
        assert!(
            front.get("age_months").is_none(),
            "ages 12–100 years are not a child's"
        );
        for said in [
            "+44 1234 234567",
            "out of range",
            "ages 12–100",
            "assured_date 2005-01-01",
        ] {
            assert!(
                out.contains(said),
                "{}: the import reports «{said}»:\n{out}",
                package.display()
            );
        }
        // A placeholder source the validator refuses until an editor names the real one.
        assert!(text.contains("ЗАМЕНИТЕ: пакет HSDS"), "{text}");
        // The JSON service carries its metadata (last changed 2011-01-01): the
        // new file is dated by it. The CSV's metadata row is about another
        // resource, so that file keeps the time it was written.
        let file = &snapshot_paths(portal.path())[0];
        let day = utc_day(std::fs::metadata(file).unwrap().modified().unwrap());
        if rel == "examples" {
            assert_eq!(day, "2011-01-01", "{}", file.display());
        } else {
            assert_ne!(day, "2011-01-01", "{}", file.display());
        }
    }
}

/// The record files under a portal's `content/services`.
fn snapshot_paths(root: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(root.join("content/services"))
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect()
}

/// The mini portal with its two records moved to fixed days (outside git a
/// record's last change is its file's modification time) and, when `places`,
/// a full address on one and a partial place on the other.
fn dated_mini_portal(places: bool) -> tempfile::TempDir {
    let portal = mini_portal();
    let services = portal.path().join("content/services");
    if places {
        let edit = |rel: &str, after: &str, add: &str| {
            let path = services.join(rel);
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(text.contains(after), "{rel}");
            std::fs::write(&path, text.replacen(after, &format!("{after}{add}"), 1)).unwrap();
        };
        // Test values, not facts: a street, a town and an index…
        edit(
            "ru-klu/kaluga-doverie.md",
            "municipality = \"Калуга\"\n",
            "address = \"248000, г. Калуга, ул. Тестовая, 1\"\n",
        );
        // …and a district with an address that has no index.
        edit(
            "ru-mos/semya-i-dom.md",
            "municipality = \"Орехово-Зуево\"\n",
            "district = \"Тестовый округ\"\naddress = \"ул. Тестовая, 2\"\n",
        );
    }
    // 2025-03-14 and 2024-02-29, 00:00 UTC.
    for (rel, secs) in [
        ("ru-klu/kaluga-doverie.md", 1_741_910_400),
        ("ru-mos/semya-i-dom.md", 1_709_164_800),
    ] {
        std::fs::File::options()
            .write(true)
            .open(services.join(rel))
            .unwrap()
            .set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
            .unwrap();
    }
    portal
}

/// The same portal without its services: where an import starts.
fn without_services(portal: &Path) -> tempfile::TempDir {
    let empty = tempfile::tempdir().unwrap();
    copy_dir(portal, empty.path());
    std::fs::remove_dir_all(empty.path().join("content/services")).unwrap();
    empty
}

/// Service page → `last_action_date` of each of its metadata rows.
fn metadata_dates(out: &Path) -> BTreeMap<String, Vec<String>> {
    json(&out.join(HSDS).join("services.json"))["contents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let dates = s["metadata"].as_array().unwrap().iter();
            (
                page_of(s),
                dates
                    .map(|m| m["last_action_date"].as_str().unwrap().into())
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn an_import_dates_each_new_record_by_its_last_change_in_the_package() {
    let portal = dated_mini_portal(false);
    let out = portal.path().join("public");
    build(portal.path(), &out);
    let want = BTreeMap::from([
        (
            "services/ru-klu/kaluga-doverie/".to_string(),
            vec!["2025-03-14".to_string()],
        ),
        (
            "services/ru-mos/semya-i-dom/".to_string(),
            vec!["2024-02-29".to_string()],
        ),
    ]);
    assert_eq!(metadata_dates(&out), want, "the files' days, outside git");

    let target = without_services(portal.path());
    let (ok, said) = import(target.path(), &out.join(HSDS).join("hsds-tabular.zip"), &[]);
    assert!(ok, "{said}");
    let days: Vec<String> = snapshot_paths(target.path())
        .iter()
        .map(|f| utc_day(std::fs::metadata(f).unwrap().modified().unwrap()))
        .collect();
    assert_eq!(
        days,
        ["2025-03-14", "2024-02-29"],
        "midnight UTC of each day"
    );
    let again = target.path().join("public");
    build(target.path(), &again);
    assert_eq!(metadata_dates(&again), want);
}

#[test]
fn a_full_address_is_an_hsds_address_and_a_partial_place_its_parts() {
    let portal = dated_mini_portal(true);
    let out = portal.path().join("public");
    build(portal.path(), &out);
    let zip = std::fs::read(out.join(HSDS).join("hsds-tabular.zip")).unwrap();
    let problems = tabular_problems(&unzip(&zip));
    assert!(problems.is_empty(), "{}", summary(&problems));
    let services = json(&out.join(HSDS).join("services.json"))["contents"]
        .as_array()
        .unwrap()
        .clone();
    assert_valid(&validator(&compiled("service")), &services, "service");
    let codes = term_codes(
        json(&out.join(HSDS).join("taxonomy_terms.json"))["contents"]
            .as_array()
            .unwrap(),
    );
    let mut seen = BTreeMap::new();
    for s in &services {
        let rel = format!("content/{}.md", page_of(s).trim_end_matches('/'));
        let text = std::fs::read_to_string(portal.path().join(&rel)).unwrap();
        let record: toml::Table = toml::from_str(text.split("+++").nth(1).unwrap()).unwrap();
        let location = &s["service_at_locations"][0]["location"];
        seen_place(&record, location, &codes, &rel, &mut seen);
    }
    assert_eq!(
        seen,
        BTreeMap::from([
            ("address".to_string(), 2),
            ("district".to_string(), 1),
            ("municipality".to_string(), 1),
        ]),
        "one full address; one town, district and address without an index"
    );

    // Both come back from the package as they were written.
    let target = without_services(portal.path());
    let (ok, said) = import(target.path(), &out.join(HSDS).join("hsds-tabular.zip"), &[]);
    assert!(ok, "{said}");
    let again = target.path().join("public");
    build(target.path(), &again);
    assert!(
        hsds_files(&again) == hsds_files(&out),
        "the same package again"
    );
    for (_, text) in services_in(target.path()) {
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("ул. Тестовая"), "{text}");
    }
}

#[test]
fn a_package_that_is_not_hsds_is_refused_with_its_name() {
    let portal = empty_portal();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("services.json"), "{ not json").unwrap();
    let (ok, out) = import(portal.path(), dir.path(), &[]);
    assert!(!ok);
    assert!(out.contains("services.json"), "{out}");
    let not_zip = dir.path().join("package.zip");
    std::fs::write(&not_zip, b"PK\x03\x04 broken").unwrap();
    let (ok, out) = import(portal.path(), &not_zip, &[]);
    assert!(!ok);
    assert!(out.contains("zip"), "{out}");
    assert!(services_in(portal.path()).is_empty());
}

#[test]
fn the_open_data_page_explains_the_files_and_every_term_uri_lands_on_it() {
    let page = std::fs::read_to_string(built().join("open-data/index.html")).unwrap();
    for link in [
        "open-data/hsds/hsds-tabular.zip",
        "open-data/hsds/services.json",
        "open-data/hsds/taxonomy_terms.json",
    ] {
        assert!(page.contains(link), "/open-data/ links {link}");
    }
    for field in ["assured_date", "last_action_date"] {
        assert!(page.contains(field), "the page says what {field} means");
    }
    // Every service is `active` (HSDS has no "unknown"): the page says that
    // this means listed, not checked to be open.
    assert!(
        page.contains("<code>status</code>")
            && page.contains("а не «проверено, что она работает сейчас»"),
        "the page says what status means"
    );
    for t in contents("taxonomy_terms.json") {
        let uri = t["term_uri"].as_str().unwrap();
        let (_, anchor) = uri.split_once('#').unwrap();
        assert!(
            page.contains(&format!("id=\"{anchor}\"")),
            "{uri} has its row on /open-data/"
        );
    }
    for t in contents("taxonomies.json") {
        let (_, anchor) = t["uri"].as_str().unwrap().split_once('#').unwrap();
        assert!(
            page.contains(&format!("id=\"{anchor}\"")),
            "taxonomy {anchor}"
        );
    }
}

/// The README's mapping table, as (field, HSDS fields).
fn readme_mapping() -> Vec<(String, Vec<String>)> {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let start = readme
        .find("<!-- hsds-mapping -->")
        .expect("README marks its HSDS mapping table");
    let end = readme.find("<!-- /hsds-mapping -->").unwrap();
    let code = |cell: &str| -> Vec<String> {
        cell.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };
    readme[start..end]
        .lines()
        .filter(|l| l.starts_with("| `") || l.starts_with("| ("))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let field = cells[1].trim_matches('`').to_string();
            (field, code(cells[2]))
        })
        .collect()
}

#[test]
fn the_readme_mapping_table_is_the_one_the_export_follows() {
    let ours: Vec<(String, Vec<String>)> = opora::hsds::mapping::SERVICE_FIELDS
        .iter()
        .map(|m| {
            (
                m.field.to_string(),
                m.hsds.iter().map(|h| h.to_string()).collect(),
            )
        })
        .collect();
    assert_eq!(
        readme_mapping(),
        ours,
        "README.md's table must list SERVICE_FIELDS (src/hsds/mapping.rs)"
    );
}

#[test]
fn check_knows_the_zip_the_open_data_page_links() {
    // The zip is not text: the link check once missed it among the built files.
    let portal = mini_portal();
    let o = opora(portal.path(), &["check"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("hsds-tabular.zip"), "{}", stderr(&o));
}

/// The mini portal with five more services in its Moscow-region folder, one
/// for each way a service gets its organization. Test names, not facts. Their
/// files sort `a-`…`e-`, before the portal's own `semya-i-dom`, so the
/// organizations' places come from records before and after them.
fn organizations_portal() -> tempfile::TempDir {
    let portal = dated_mini_portal(false);
    let folder = portal.path().join("content/services/ru-mos");
    let template = std::fs::read_to_string(folder.join("semya-i-dom.md")).unwrap();
    let service = |file: &str, name: &str, organization: Option<&str>, place: bool| {
        // The name only: the quote stays the source's.
        let mut text = template.replacen(
            "name = \"«Семья и дом», Орехово-Зуево\"",
            &format!("name = \"{name}\""),
            1,
        );
        if let Some(parent) = organization {
            text = text.replacen(
                "region = ",
                &format!("organization = \"{parent}\"\nregion = "),
                1,
            );
        }
        if !place {
            text = text
                .lines()
                .filter(|l| !l.starts_with("municipality") && !l.starts_with("location"))
                .map(|l| format!("{l}\n"))
                .collect();
        }
        std::fs::write(folder.join(file), text).unwrap();
    };
    // A record whose parent is the portal's own «Семья и дом».
    service(
        "a-filial.md",
        "Тестовый филиал",
        Some("«Семья и дом», Орехово-Зуево"),
        true,
    );
    // Two records under one named parent that has no record; one without a place.
    service("b-punkt.md", "Тестовый пункт", Some("Тестовый фонд"), true);
    service(
        "c-punkt.md",
        "Тестовый пункт без адреса",
        Some("Тестовый фонд"),
        false,
    );
    // A record whose parent is a record that has a parent itself.
    service(
        "d-kabinet.md",
        "Тестовый кабинет",
        Some("Тестовый пункт"),
        true,
    );
    // A record that names itself as its organization.
    service("e-centr.md", "Тестовый центр", Some("Тестовый центр"), true);
    // Two records that name each other.
    service("f-krug.md", "Тестовый круг", Some("Тестовый кружок"), true);
    service(
        "g-kruzhok.md",
        "Тестовый кружок",
        Some("Тестовый круг"),
        true,
    );
    portal
}

#[test]
fn each_organization_is_listed_once_with_every_place_of_its_services() {
    let portal = organizations_portal();
    let out = portal.path().join("public");
    build(portal.path(), &out);
    let list = |file: &str| -> Vec<Value> {
        let page = json(&out.join(HSDS).join(file));
        let items = page["contents"].as_array().unwrap().clone();
        assert_eq!(page["total_items"], items.len(), "{file}");
        items
    };
    let services = list("services.json");
    let by_name = |name: &str| -> &Value {
        services
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("{name} exported"))
    };
    let org_of = |name: &str| {
        by_name(name)["organization_id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let location_of = |name: &str| {
        by_name(name)["service_at_locations"][0]["location"]["id"]
            .as_str()
            .map(str::to_string)
    };

    // Who belongs to whom.
    let family = org_of("«Семья и дом», Орехово-Зуево");
    assert_eq!(
        org_of("Тестовый филиал"),
        family,
        "a parent that is a record"
    );
    assert_eq!(
        org_of("Тестовый пункт"),
        org_of("Тестовый пункт без адреса")
    );
    assert_ne!(org_of("Тестовый пункт"), family);
    assert_ne!(org_of("Тестовый центр"), family, "its own organization");
    assert!(location_of("Тестовый пункт без адреса").is_none());

    // The organizations: each once, with the places of all its services in
    // the order of their records.
    let organizations = list("organizations.json");
    let ids: Vec<&str> = organizations
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    let unique: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "no organization twice: {ids:?}");
    let places = |org: &str| -> Vec<String> {
        let o = organizations
            .iter()
            .find(|o| o["id"] == org)
            .unwrap_or_else(|| panic!("organization {org} listed"));
        o["locations"]
            .as_array()
            .map(|l| l.iter().map(|l| l["id"].as_str().unwrap().into()).collect())
            .unwrap_or_default()
    };
    let filial = location_of("Тестовый филиал").unwrap();
    let family_own = location_of("«Семья и дом», Орехово-Зуево").unwrap();
    assert_eq!(
        places(&family),
        [filial, family_own],
        "the child's place, then its own"
    );
    assert_eq!(
        places(&org_of("Тестовый пункт")),
        [
            location_of("Тестовый пункт").unwrap(),
            location_of("Тестовый кабинет").unwrap()
        ],
        "a named parent: the places its services have, its records' children's too"
    );
    let fund = organizations
        .iter()
        .find(|o| o["id"] == org_of("Тестовый пункт"))
        .unwrap();
    assert_eq!(fund["name"], "Тестовый фонд");
    // A parent that is a record with a parent itself leads on to that one:
    // no service names an organization that is not listed.
    assert_eq!(org_of("Тестовый кабинет"), org_of("Тестовый пункт"));
    // Records naming each other: the first of them is the organization.
    let ring = org_of("Тестовый круг");
    assert_eq!(org_of("Тестовый кружок"), ring);
    let ring = organizations.iter().find(|o| o["id"] == ring).unwrap();
    assert_eq!(ring["name"], "Тестовый круг");
    assert_eq!(ring["locations"].as_array().unwrap().len(), 2);
    // Every service carries its organization's row as listed.
    for s in &services {
        let listed = organizations
            .iter()
            .find(|o| o["id"] == s["organization_id"])
            .unwrap_or_else(|| panic!("{}: organization listed", s["name"]));
        let mut listed = listed.clone();
        listed.as_object_mut().unwrap().remove("locations");
        assert_eq!(s["organization"], listed, "{}", s["name"]);
    }

    // The tabular package holds the same rows.
    let zip = std::fs::read(out.join(HSDS).join("hsds-tabular.zip")).unwrap();
    let files = unzip(&zip);
    let problems = tabular_problems(&files);
    assert!(problems.is_empty(), "{}", summary(&problems));
    let column = |file: &str, name: &str| -> Vec<String> {
        let mut reader = csv::Reader::from_reader(files[file].as_slice());
        let at = reader
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == name)
            .unwrap();
        reader
            .records()
            .map(|r| r.unwrap()[at].to_string())
            .collect()
    };
    assert_eq!(column("organizations.csv", "id"), ids);
    let services_ids: Vec<String> = services
        .iter()
        .map(|s| s["id"].as_str().unwrap().into())
        .collect();
    assert_eq!(column("services.csv", "id"), services_ids);
    let sal = list("service_at_locations.json");
    assert_eq!(sal.len(), services.len() - 1, "one service has no place");
    assert_eq!(column("locations.csv", "id").len(), sal.len());
}
