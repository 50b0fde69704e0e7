//! `opora import`: services from a regional spreadsheet saved as CSV.
//!
//! Columns are named in Russian (see `COLUMNS`); order does not matter and
//! unknown columns are reported. Phones are normalized, and rows that look like
//! records we already have — the same phone, or a near-identical name in the
//! same town — are held back for a person to decide. A dry run shows the plan.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::content::{Content, Data};
use crate::data::Vocabulary;
use crate::phone::Phone;
use crate::ru;
use crate::validate::{edit_distance, service_id};

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
        path: PathBuf,
        text: String,
    },
    Change {
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

pub struct Plan {
    pub actions: Vec<Action>,
}

impl Plan {
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
        let count = |f: fn(&Action) -> bool| self.actions.iter().filter(|a| f(a)).count();
        let _ = writeln!(
            out,
            "{} to create, {} to change, {} likely duplicates, {} rows with errors",
            count(|a| matches!(a, Action::Create { .. })),
            count(|a| matches!(a, Action::Change { .. })),
            count(|a| matches!(a, Action::Duplicate { .. })),
            count(|a| matches!(a, Action::Invalid { .. })),
        );
        out
    }

    pub fn has_errors(&self) -> bool {
        self.actions
            .iter()
            .any(|a| matches!(a, Action::Invalid { .. }))
    }

    pub fn apply(&self) -> std::io::Result<usize> {
        let mut written = 0;
        for a in &self.actions {
            if let Action::Create { path, text } | Action::Change { path, text, .. } = a {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(path, text)?;
                written += 1;
            }
        }
        Ok(written)
    }
}

/// Lower case, ё→е, letters and digits only, single spaces; the town's own name
/// removed, since spreadsheets often append it ("«Семья и дом», Орехово-Зуево").
pub fn normalize_name(name: &str, town: Option<&str>) -> String {
    let clean = |s: &str| -> String {
        s.to_lowercase()
            .replace('ё', "е")
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { ' ' })
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
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
    h.trim().to_lowercase().replace('ё', "е")
}

struct Existing {
    by_phone: HashMap<String, String>,
    by_name: Vec<(String, Option<String>, String, String)>, // (region, town, normalized name, id)
    ids: HashMap<String, PathBuf>,
}

fn existing(root: &Path, content: &Content) -> Existing {
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
        if let Some(name) = &s.meta.name {
            e.by_name.push((
                region,
                s.meta.municipality.clone(),
                normalize_name(name, s.meta.municipality.as_deref()),
                id.clone(),
            ));
        }
        e.ids.insert(id, root.join(&s.file.rel));
    }
    e
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn toml_list(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|s| toml_str(s))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

pub fn plan(
    root: &Path,
    csv_text: &str,
    default_region: Option<&str>,
    data: &Data,
    content: &Content,
) -> Plan {
    let mut actions = Vec::new();
    let known = existing(root, content);
    let regions: Vec<String> = content
        .regions
        .iter()
        .filter_map(|r| r.meta.code.as_ref().map(|c| c.get_ref().clone()))
        .collect();
    let term_id = |v: Vocabulary, s: &str| -> Option<String> {
        let key = header_key(s);
        data.taxonomy
            .terms(v)
            .iter()
            .find(|t| t.id == s.trim() || header_key(&t.label) == key)
            .map(|t| t.id.clone())
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(csv_text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(header_key).collect(),
        Err(e) => {
            actions.push(Action::Invalid {
                row: 1,
                message: format!("cannot read the header row: {e}"),
            });
            return Plan { actions };
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
    let mut new_slugs: HashMap<String, usize> = HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2; // the header is row 1
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                actions.push(Action::Invalid {
                    row,
                    message: format!("cannot read the row: {e}"),
                });
                continue;
            }
        };
        let get = |col: &str| -> String {
            headers
                .iter()
                .position(|h| *h == header_key(col))
                .and_then(|i| record.get(i))
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let name = get("Название");
        if name.is_empty() {
            if record.iter().any(|c| !c.trim().is_empty()) {
                actions.push(Action::Invalid {
                    row,
                    message: "the «Название» cell is empty".into(),
                });
            }
            continue;
        }
        let mut errors = Vec::new();
        let region = Some(get("Регион"))
            .filter(|r| !r.is_empty())
            .or(default_region.map(str::to_string))
            .unwrap_or_default();
        if !regions.contains(&region) {
            errors.push(format!(
                "region «{region}» is not in content/regions/ (use the «Регион» column or --region)"
            ));
        }
        let kind_cell = get("Вид");
        let kind = if kind_cell.is_empty() {
            Some("social-centre".to_string())
        } else {
            term_id(Vocabulary::Kinds, &kind_cell)
        };
        if kind.is_none() {
            errors.push(format!("«{kind_cell}» is not a kind in data/taxonomy.toml"));
        }
        let mut needs = Vec::new();
        for n in split_list(&get("Помощь")) {
            match term_id(Vocabulary::Needs, &n) {
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
        let town = Some(get("Город")).filter(|t| !t.is_empty());
        let (lat, lon) = (
            get("Широта").replace(',', "."),
            get("Долгота").replace(',', "."),
        );
        let location = match (lat.parse::<f64>(), lon.parse::<f64>()) {
            (Ok(lat), Ok(lon)) if crate::validate::formats::valid_lat_lon(lat, lon) => {
                let precision = match get("Точность").as_str() {
                    "" if get("Адрес").is_empty() => "city".to_string(),
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
        };
        if !errors.is_empty() {
            actions.push(Action::Invalid {
                row,
                message: errors.join("; "),
            });
            continue;
        }
        let folder = region.to_lowercase();
        let base_slug = ru::slugify(&name);
        let id = format!("{folder}/{base_slug}");

        // Same phone or near-identical name in the same town: a person decides.
        let norm = normalize_name(&name, town.as_deref());
        let dup = nationals
            .iter()
            .find_map(|(n, shown)| {
                known
                    .by_phone
                    .get(n)
                    .filter(|other| **other != id)
                    .map(|other| (other.clone(), format!("same phone {shown}")))
            })
            .or_else(|| {
                known
                    .by_name
                    .iter()
                    .find(|(r, t, other_name, other)| {
                        *r == region
                            && *other != id
                            && t.as_deref().map(|t| t.to_lowercase())
                                == town.as_deref().map(|t| t.to_lowercase())
                            && edit_distance(other_name, &norm) <= 2
                    })
                    .map(|(_, _, _, other)| {
                        (
                            other.clone(),
                            "near-identical name in the same town".to_string(),
                        )
                    })
            });
        if let Some((of, why)) = dup {
            actions.push(Action::Duplicate { row, name, of, why });
            continue;
        }

        // A spreadsheet row is not a check with the organization: `verified`
        // is written only when the row says when someone confirmed it.
        let verified = Some(get("Проверено"))
            .filter(|v| !v.is_empty())
            .map(|v| date_iso(&v));
        let Some(verified) = verified.map_or(Some(None), |v| v.map(Some)) else {
            actions.push(Action::Invalid {
                row,
                message: "«Проверено» is not a date (write 24.11.2026 or 2026-11-24)".into(),
            });
            continue;
        };
        let source = get("Источник");
        let source_toml = match source.split_once(':') {
            _ if source.starts_with("http") => format!("[{{ url = {} }}]", toml_str(&source)),
            Some((doc, line)) if line.trim().parse::<u32>().is_ok() => format!(
                "[{{ doc = {}, line = {} }}]",
                toml_str(doc.trim()),
                line.trim()
            ),
            _ => format!(
                "[{{ url = \"https://example.org/\", title = {} }}]",
                toml_str(&format!("ЗАМЕНИТЕ: таблица импорта, строка {row}"))
            ),
        };
        let mut front = String::new();
        let mut field = |k: &str, v: String| {
            let _ = writeln!(front, "{k} = {v}");
        };
        field("name", toml_str(&name));
        field("kind", toml_str(kind.as_deref().unwrap_or("social-centre")));
        field("needs", toml_list(&needs));
        field("region", toml_str(&region));
        for (key, col) in [("municipality", "Город"), ("address", "Адрес")] {
            let v = get(col);
            if !v.is_empty() {
                field(key, toml_str(&v));
            }
        }
        if let Some(l) = &location {
            field("location", l.clone());
        }
        if !phones.is_empty() {
            field("phones", toml_list(&phones));
        }
        if !emails.is_empty() {
            field("emails", toml_list(&emails));
        }
        if !website.is_empty() {
            field("website", toml_str(&website));
        }
        for (key, col) in [
            ("hours", "Часы работы"),
            ("cost", "Стоимость"),
            ("eligibility", "Кому помогают"),
        ] {
            let v = get(col);
            if !v.is_empty() {
                field(key, toml_str(&v));
            }
        }
        if let Some(verified) = verified {
            field("verified", verified);
        }
        field("sources", source_toml);
        let body = Some(get("Описание"))
            .filter(|b| !b.is_empty())
            .unwrap_or_else(|| "Описание появится после проверки.".into());
        let text = format!("+++\n{front}+++\n{body}\n");

        if let Some(path) = known.ids.get(&id) {
            let old = std::fs::read_to_string(path).unwrap_or_default();
            match merge(&old, &front) {
                Some((merged, what)) if !what.is_empty() => actions.push(Action::Change {
                    path: path.clone(),
                    text: merged,
                    what,
                }),
                Some(_) => {}
                None => actions.push(Action::Invalid {
                    row,
                    message: format!("{id} exists but cannot be read as a record; fix it first"),
                }),
            }
            continue;
        }
        let n = new_slugs.entry(id.clone()).or_insert(0);
        *n += 1;
        let slug = if *n == 1 {
            base_slug
        } else {
            format!("{base_slug}-{n}")
        };
        actions.push(Action::Create {
            path: root
                .join("content/services")
                .join(&folder)
                .join(format!("{slug}.md")),
            text,
        });
    }
    Plan { actions }
}

/// Lays the spreadsheet's fields over an existing record, keeping every other
/// field and the body; returns the new text and the names of changed fields.
fn merge(old: &str, new_front: &str) -> Option<(String, Vec<String>)> {
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
    fn dates() {
        assert_eq!(date_iso("24.11.2026").as_deref(), Some("2026-11-24"));
        assert_eq!(date_iso("2026-11-24").as_deref(), Some("2026-11-24"));
        assert_eq!(date_iso("31.02.2026"), None);
    }
}
