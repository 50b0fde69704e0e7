//! Checks the directory half of the content (regions, services, statistics)
//! against facts extracted from the source documents, kept in
//! `tests/fixtures/facts/`. It reads the files directly, so it needs only the
//! `toml` and `serde_json` crates, not the generator: a typo in a phone number
//! or a statistics cell fails here even before `opora check` exists.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use toml::{Table, Value as Toml};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> Json {
    let path = root().join("tests/fixtures/facts").join(name);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The TOML between the two `+++` lines that open a record.
fn front_matter(path: &Path) -> Table {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let rest = text
        .strip_prefix("+++\n")
        .unwrap_or_else(|| panic!("{}: does not start with +++", path.display()));
    let end = rest
        .find("\n+++\n")
        .unwrap_or_else(|| panic!("{}: front matter is not closed", path.display()));
    toml::from_str(&rest[..=end]).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn files_with_extension(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_with_extension(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

/// Service records by id (`<region folder>/<slug>`).
fn services() -> BTreeMap<String, Table> {
    let dir = root().join("content/services");
    let mut paths = Vec::new();
    files_with_extension(&dir, "md", &mut paths);
    paths
        .iter()
        .map(|p| {
            let id = p
                .strip_prefix(&dir)
                .expect("under content/services")
                .with_extension("")
                .to_string_lossy()
                .replace('\\', "/");
            (id, front_matter(p))
        })
        .collect()
}

fn json_strings(value: Option<&Json>) -> Vec<String> {
    value
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Phones are written in many forms; the digits are what must agree.
/// A leading 8 or 7 of an 11-digit number is the same trunk prefix.
fn phone_key(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 11 && (digits.starts_with('8') || digits.starts_with('7')) {
        digits[1..].to_owned()
    } else {
        digits
    }
}

fn record_phones(record: &Table) -> BTreeSet<String> {
    let Some(Toml::Array(phones)) = record.get("phones") else {
        return BTreeSet::new();
    };
    phones
        .iter()
        .filter_map(|p| match p {
            Toml::String(s) => Some(s.as_str()),
            Toml::Table(t) => t.get("number").and_then(Toml::as_str),
            _ => None,
        })
        .map(phone_key)
        .collect()
}

fn record_emails(record: &Table) -> BTreeSet<String> {
    let Some(Toml::Array(emails)) = record.get("emails") else {
        return BTreeSet::new();
    };
    emails
        .iter()
        .filter_map(Toml::as_str)
        .map(str::to_lowercase)
        .collect()
}

/// Sites are compared without scheme and trailing slash: the sources often
/// print `kc59.mintrudrb.ru`, and a link needs `http://` in front.
fn site_key(url: &str) -> String {
    let url = url.trim();
    let url = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url);
    url.trim_end_matches('/').to_lowercase()
}

#[test]
fn every_organization_has_a_service_record_in_its_region() {
    let facts = fixture("organizations.json");
    let services = services();
    let mut problems = Vec::new();
    for org in facts["organizations"].as_array().expect("organizations") {
        let id = org["id"].as_str().expect("id");
        let region = org["region"].as_str().expect("region");
        let key = format!("{}/{id}", region.to_lowercase());
        match services.get(&key) {
            None => problems.push(format!("{key}: no service record")),
            Some(record) => {
                if record.get("region").and_then(Toml::as_str) != Some(region) {
                    problems.push(format!("{key}: region is not {region}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Contacts a source gives as a named staff member's own (a personal mobile
/// number or mailbox beside the person's name) where the organisation has
/// contacts of its own: families are sent to the organisation, and a
/// person's own number is not published (docs/content-format.md, "Staff").
/// Keyed by record; each entry is the address or the phone withheld, as
/// `phone_key` gives it (digits, without the trunk prefix).
const WITHHELD_PERSONAL_CONTACTS: &[(&str, &str)] = &[
    ("ru-pri/primorye-parus", "9247304321"),
    ("ru-pri/primorye-parus", "svis-yana@yandex.ru"),
];

fn withheld(key: &str, contact: &str) -> bool {
    WITHHELD_PERSONAL_CONTACTS
        .iter()
        .any(|(record, c)| *record == key && *c == contact)
}

#[test]
fn service_contacts_match_the_sources_exactly() {
    let facts = fixture("organizations.json");
    let services = services();
    let mut checked = 0;
    let mut problems = Vec::new();
    for org in facts["organizations"].as_array().expect("organizations") {
        let key = format!(
            "{}/{}",
            org["region"].as_str().expect("region").to_lowercase(),
            org["id"].as_str().expect("id")
        );
        let phones: BTreeSet<String> = json_strings(org.get("phones"))
            .iter()
            .map(|p| phone_key(p))
            .filter(|p| !withheld(&key, p))
            .collect();
        let emails: BTreeSet<String> = json_strings(org.get("emails"))
            .iter()
            .map(|e| e.to_lowercase())
            .filter(|e| !withheld(&key, e))
            .collect();
        let website = org.get("website").and_then(Json::as_str);
        if phones.is_empty() && emails.is_empty() && website.is_none() {
            continue;
        }
        checked += 1;
        let Some(record) = services.get(&key) else {
            problems.push(format!("{key}: no service record"));
            continue;
        };
        if record_phones(record) != phones {
            problems.push(format!(
                "{key}: phones {:?}, sources {:?}",
                record_phones(record),
                phones
            ));
        }
        if record_emails(record) != emails {
            problems.push(format!(
                "{key}: emails {:?}, sources {:?}",
                record_emails(record),
                emails
            ));
        }
        let record_site = record.get("website").and_then(Toml::as_str).map(site_key);
        if record_site != website.map(site_key) {
            problems.push(format!(
                "{key}: website {record_site:?}, source {website:?}"
            ));
        }
    }
    assert!(
        checked > 0,
        "the fixture lists no organization with contacts"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_service_record_invents_contacts() {
    // An organization the sources give no phone for must not get one.
    let facts = fixture("organizations.json");
    let known: BTreeMap<String, &Json> = facts["organizations"]
        .as_array()
        .expect("organizations")
        .iter()
        .map(|o| {
            let key = format!(
                "{}/{}",
                o["region"].as_str().expect("region").to_lowercase(),
                o["id"].as_str().expect("id")
            );
            (key, o)
        })
        .collect();
    let mut problems = Vec::new();
    for (key, record) in services() {
        let Some(org) = known.get(&key) else {
            continue;
        };
        if org.get("phones").is_none() && !record_phones(&record).is_empty() {
            problems.push(format!("{key}: has phones the sources do not give"));
        }
        if org.get("emails").is_none() && !record_emails(&record).is_empty() {
            problems.push(format!("{key}: has e-mails the sources do not give"));
        }
        if record.contains_key("address") {
            problems.push(format!("{key}: the sources give no street address"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn cells(value: &Toml) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| c.as_str().unwrap_or("<not a string>").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn statistics_tables_match_the_sources_cell_by_cell() {
    let facts = fixture("statistics.json");
    let tables = facts["tables"].as_array().expect("tables");
    assert!(!tables.is_empty());
    let mut problems = Vec::new();
    for table in tables {
        let id = table["id"].as_str().expect("id");
        let path = root().join("data/stats").join(format!("{id}.toml"));
        let Ok(text) = fs::read_to_string(&path) else {
            problems.push(format!("{id}: no data/stats/{id}.toml"));
            continue;
        };
        let data: Table = match toml::from_str(&text) {
            Ok(t) => t,
            Err(e) => {
                problems.push(format!("{id}: {e}"));
                continue;
            }
        };
        let want_columns = json_strings(table.get("columns"));
        let columns = data.get("columns").map(cells).unwrap_or_default();
        if columns != want_columns {
            problems.push(format!(
                "{id}: columns {columns:?}, source {want_columns:?}"
            ));
        }
        let want_rows: Vec<Vec<String>> = table["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| json_strings(Some(r)))
            .collect();
        let rows: Vec<Vec<String>> = data
            .get("rows")
            .and_then(Toml::as_array)
            .map(|rows| rows.iter().map(cells).collect())
            .unwrap_or_default();
        if rows.len() != want_rows.len() {
            problems.push(format!(
                "{id}: {} rows, source {}",
                rows.len(),
                want_rows.len()
            ));
        }
        for (n, (row, want)) in rows.iter().zip(&want_rows).enumerate() {
            if row != want {
                problems.push(format!("{id} row {}: {row:?}, source {want:?}", n + 1));
            }
        }
        for field in ["title", "unit", "date", "source", "regions"] {
            if !data.contains_key(field) {
                problems.push(format!("{id}: missing {field}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_region_named_in_the_sources_has_a_file() {
    let facts = fixture("regions.json");
    let mut problems = Vec::new();
    for region in facts["regions"].as_array().expect("regions") {
        let code = region["code"].as_str().expect("code");
        let name = region["name"].as_str().expect("name");
        let path = root()
            .join("content/regions")
            .join(format!("{}.md", code.to_lowercase()));
        if !path.exists() {
            problems.push(format!("{name}: no {}", path.display()));
            continue;
        }
        let record = front_matter(&path);
        if record.get("code").and_then(Toml::as_str) != Some(code) {
            problems.push(format!("{}: code is not {code}", path.display()));
        }
        if record.get("name").and_then(Toml::as_str) != Some(name) {
            problems.push(format!("{}: name is not {name}", path.display()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn phone_keys_ignore_format_but_not_digits() {
    assert_eq!(
        phone_key("8(4842) 550 602"),
        phone_key("+7 (4842) 55-06-02")
    );
    assert_ne!(phone_key("8(4842) 550 602"), phone_key("8(4842) 550 603"));
    assert_eq!(
        site_key("http://kalugadoverie.ru/"),
        site_key("kalugadoverie.ru")
    );
}

#[test]
fn region_dvs_numbers_agree_with_the_dvs_table() {
    // Region pages show their «Дети в семье» numbers from the 001 table; the
    // table stores pairs like "29/4" in one cell, the region file splits them.
    let facts = fixture("statistics.json");
    let table = facts["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .find(|t| t["id"] == "dvs-services-14")
        .expect("the fixture has the «Дети в семье» table");
    let regions = fixture("regions.json");
    let code_of: BTreeMap<&str, &str> = regions["regions"]
        .as_array()
        .expect("regions")
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), r["code"].as_str().unwrap()))
        .collect();
    let mut problems = Vec::new();
    let rows = table["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 14, "14 pilot regions");
    for row in rows {
        let cell = |n: usize| row[n].as_str().unwrap_or_default();
        let Some(code) = code_of.get(cell(1)) else {
            problems.push(format!("{}: not in the regions fixture", cell(1)));
            continue;
        };
        let path = root()
            .join("content/regions")
            .join(format!("{}.md", code.to_lowercase()));
        let record = front_matter(&path);
        let Some(Toml::Table(dvs)) = record.get("dvs") else {
            problems.push(format!("{code}: no [dvs] table"));
            continue;
        };
        let (specialists, trained) = cell(3).split_once('/').unwrap_or((cell(3), ""));
        let (returned, placed) = cell(5).split_once('/').unwrap_or((cell(5), ""));
        let want = [
            ("created", cell(0)),
            ("organizations", cell(2)),
            ("specialists", specialists),
            ("trained", trained),
            ("families", cell(4)),
            ("returned", returned),
            ("placed", placed),
        ];
        for (field, value) in want {
            let got = dvs.get(field).and_then(Toml::as_str);
            if got != Some(value) {
                problems.push(format!("{code}: dvs.{field} = {got:?}, table {value:?}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
