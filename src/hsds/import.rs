//! `opora import --hsds DIR_OR_ZIP`: an HSDS 3.0 package — JSON or tabular,
//! in a folder or a zip — becomes service records, with the CSV import's
//! rules (`crate::import`): a dry run shows the plan; a service with the same
//! phone as a record we have, or a near-identical name in the same town, is
//! held back for a person to decide; a record that exists gets only the
//! fields that changed, keeping the editor's text and sources.
//!
//! The mapping is `mapping::SERVICE_FIELDS` read backwards. Taxonomy terms
//! become our needs, kinds and audiences where they match (by our code in
//! our own taxonomies, else by the term's code or name); the rest are
//! reported. Values the portal cannot hold (a phone that is not Russian, an
//! age beyond childhood) are left out and reported, never changed. What a
//! record cannot be without is an error of its service, and nothing of it
//! is written: no name, no region, none of our needs (`opora check` refuses
//! a service without one), a record `opora check` would refuse for any
//! other reason (a control character in a text, a link to no page). A package
//! the portal exported comes back as the same records: its page attribute
//! gives each record's region and file name, its place attributes a town
//! without a full address, its metadata the citations and the day each
//! record last changed (the new file's modification time).

use crate::import::{toml_list, toml_str};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::mapping::{self, AUDIENCE, PAGE, PLACE, PRECISION};
pub use super::read::{MAX_RECORDS, PackageError};
use super::tabular::Rows;
use crate::content::Data;
use crate::import::{Action, Candidate, MAX_LISTED, NewFiles, Plan, Portal, Problem};
use crate::phone::Phone;
use crate::ru;

/// What an import of a package will do, and what it noticed on the way.
#[derive(Default)]
pub struct HsdsPlan {
    pub plan: Plan,
    /// Values left out, terms that matched nothing, defaults taken: one line
    /// per service and finding, the first [`MAX_LISTED`] of them.
    pub notes: Vec<String>,
    /// Notes beyond those listed: counted, not kept.
    pub unlisted_notes: usize,
}

impl HsdsPlan {
    /// Notes a finding; beyond the first [`MAX_LISTED`] it is only counted
    /// (a package of many services repeats the same few findings).
    fn note(&mut self, note: String) {
        if self.notes.len() < MAX_LISTED {
            self.notes.push(note);
        } else {
            self.unlisted_notes += 1;
        }
    }

    /// The plan as `opora import` prints it; the notes last.
    pub fn describe(&self, root: &Path) -> String {
        let mut out = self.plan.describe(root);
        for n in &self.notes {
            let _ = writeln!(out, "note    {n}");
        }
        if self.unlisted_notes > 0 {
            let _ = writeln!(
                out,
                "note    … and {} more notes like these, not listed\n        \
                 = hint: the first {MAX_LISTED} are above; the records written say the same in \
                 what they lack, and `opora check` lists what must be filled in",
                self.unlisted_notes
            );
        }
        crate::content::control::visible(&out).into_owned()
    }
}

/// Reads the package at `path` and plans its import into the portal.
pub fn plan(
    portal: &Portal,
    path: &Path,
    default_region: Option<&str>,
) -> Result<HsdsPlan, PackageError> {
    let files = super::read::files(path)?;
    let rows = super::read::tables(&files)?;
    if rows.get("service").is_none_or(Vec::is_empty) {
        return Err(format!(
            "{} holds no HSDS services (services.csv, or JSON service objects)",
            path.display()
        )
        .into());
    }
    let package = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(plan_rows(portal, &rows, &package, default_region))
}

/// Plans the import of a package already read into tables. Every record it
/// would write is read and checked as `opora check` will
/// (`crate::import::verify`): one that would not pass is an error of its
/// service, named by its field and the HSDS fields it comes from.
pub fn plan_rows(
    portal: &Portal,
    rows: &Rows,
    package: &str,
    default_region: Option<&str>,
) -> HsdsPlan {
    let (root, data, content) = (portal.root, portal.data, portal.content);
    let p = Package::new(rows);
    let cx = Cx {
        data,
        known: crate::import::existing(root, data, content),
        regions: content
            .regions
            .iter()
            .filter_map(|r| {
                Some((
                    r.meta.code.as_ref()?.get_ref().clone(),
                    crate::content::records::text_of(&r.meta.name)?.to_string(),
                ))
            })
            .filter(|(code, _)| crate::validate::formats::is_region_code(code))
            .collect(),
        vocabularies: mapping::vocabularies(data),
        default_region,
        package,
    };
    let mut out = HsdsPlan::default();
    let mut new_files = NewFiles::default();
    for (i, s) in p.table("service").iter().enumerate() {
        let row = i + 1;
        let mut found = Vec::new();
        let action = match incoming(&cx, &p, s, &mut found) {
            Ok(r) => plan_service(root, &cx, row, r, &mut new_files),
            Err(problem) => Some(Action::Invalid {
                row,
                problems: vec![problem],
            }),
        };
        if !found.is_empty() {
            let name = text(s, "name").unwrap_or_default();
            for f in found {
                out.note(format!("row {row} «{name}»: {f}"));
            }
        }
        if let Some(action) = action {
            out.plan.push(action);
        }
    }
    out.plan = crate::import::verify(std::mem::take(&mut out.plan), portal, &|_, field| {
        (None, field_label(field))
    });
    out
}

/// How a problem names a record's field: with the HSDS fields it is made
/// from (`mapping::SERVICE_FIELDS`), so the package can be fixed.
fn field_label(field: &str) -> Option<String> {
    let from = mapping::SERVICE_FIELDS.iter().find(|m| m.field == field);
    let named = if field == crate::import::BODY {
        "the text".to_string()
    } else {
        format!("field `{field}`")
    };
    match from {
        _ if field.is_empty() => None,
        Some(m) => Some(format!("{named} (HSDS {})", m.hsds.join(", "))),
        None => Some(named),
    }
}

/// What every service is read against.
struct Cx<'a> {
    data: &'a Data,
    known: crate::import::Existing,
    /// Region code → name, of the portal's regions.
    regions: Vec<(String, String)>,
    vocabularies: Vec<mapping::Vocabulary>,
    default_region: Option<&'a str>,
    package: &'a str,
}

/// One row of a package's table.
type Row = Map<String, Value>;

/// The package's tables with the lookups the mapping needs: rows by id, and
/// rows by each of their `…_id` keys.
struct Package<'a> {
    rows: &'a Rows,
    by_id: HashMap<(&'a str, String), &'a Map<String, Value>>,
    by_key: HashMap<(&'a str, &'a str, String), Vec<&'a Row>>,
}

impl<'a> Package<'a> {
    fn new(rows: &'a Rows) -> Self {
        let mut by_id = HashMap::new();
        let mut by_key: HashMap<_, Vec<_>> = HashMap::new();
        for (table, list) in rows {
            for r in list {
                for (k, v) in r {
                    let Some(v) = v.as_str() else { continue };
                    if k == "id" {
                        by_id.insert((table.as_str(), v.to_string()), r);
                    } else if k.ends_with("_id") {
                        by_key
                            .entry((table.as_str(), k.as_str(), v.trim().to_string()))
                            .or_default()
                            .push(r);
                    }
                }
            }
        }
        Package {
            rows,
            by_id,
            by_key,
        }
    }

    fn table(&self, name: &str) -> &'a [Map<String, Value>] {
        self.rows.get(name).map_or(&[], Vec::as_slice)
    }

    fn get(&self, table: &'a str, id: Option<String>) -> Option<&'a Map<String, Value>> {
        self.by_id.get(&(table, id?)).copied()
    }

    /// Rows of `table` whose `key` is one of `ids`, in package order.
    fn linked(&self, table: &'a str, key: &'a str, ids: &[String]) -> Vec<&'a Map<String, Value>> {
        let mut out: Vec<&'a Map<String, Value>> = Vec::new();
        for id in ids {
            if let Some(rows) = self.by_key.get(&(table, key, id.clone())) {
                for r in rows {
                    if !out.iter().any(|o| std::ptr::eq(*o, *r)) {
                        out.push(r);
                    }
                }
            }
        }
        out
    }
}

/// A string field, trimmed; absent when empty.
fn text(r: &Map<String, Value>, key: &str) -> Option<String> {
    match r.get(key)? {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A number field, also when a CSV or a careless writer gave it as text.
fn num(r: &Map<String, Value>, key: &str) -> Option<f64> {
    match r.get(key)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A service as our record's fields, read from the package.
#[derive(Default)]
struct Incoming {
    name: String,
    short_name: Option<String>,
    organization: Option<String>,
    kind: String,
    needs: Vec<String>,
    audience: Vec<String>,
    region: String,
    /// The file name the package's page attribute gives, when it is ours.
    slug: Option<String>,
    municipality: Option<String>,
    district: Option<String>,
    address: Option<String>,
    /// `{ lat = …, lon = …, precision = "…" }`.
    location: Option<String>,
    /// (display form, national number, note).
    phones: Vec<(String, String, Option<String>)>,
    emails: Vec<String>,
    website: Option<String>,
    /// (name, role).
    contacts: Vec<(String, Option<String>)>,
    hours: Option<String>,
    age_months: Option<[u32; 2]>,
    cost: Option<String>,
    eligibility: Option<String>,
    how_to_apply: Option<String>,
    verified: Option<String>,
    /// TOML inline tables, one per citation.
    sources: Vec<String>,
    body: String,
    /// The latest `last_action_date` of the service's metadata.
    changed: Option<(i32, u32, u32)>,
}

/// Reads one service and what hangs off it; `Err` when it cannot become a
/// record (no name, no region we know).
fn incoming(
    cx: &Cx,
    p: &Package,
    s: &Map<String, Value>,
    notes: &mut Vec<String>,
) -> Result<Incoming, Problem> {
    let id = text(s, "id").unwrap_or_default();
    let name = text(s, "name").ok_or_else(|| {
        Problem::new("the service has no name")
            .hint("give every service its `name`, as the source writes it")
    })?;
    let org = p.get("organization", text(s, "organization_id"));
    let sals = p.linked(
        "service_at_location",
        "service_id",
        std::slice::from_ref(&id),
    );
    let sal_ids: Vec<String> = sals.iter().filter_map(|r| text(r, "id")).collect();
    let location_ids: Vec<String> = sals.iter().filter_map(|r| text(r, "location_id")).collect();
    if location_ids.len() > 1 {
        notes.push(format!(
            "{} locations; only the first is kept (a record has one place)",
            location_ids.len()
        ));
    }
    let location = location_ids
        .first()
        .and_then(|l| p.get("location", Some(l.clone())));
    let address = location.and_then(|l| {
        let lid = text(l, "id")?;
        let all = p.linked("address", "location_id", &[lid]);
        all.iter()
            .find(|a| text(a, "address_type").as_deref() != Some("postal"))
            .or(all.first())
            .copied()
    });
    let mut r = Incoming {
        short_name: text(s, "alternate_name"),
        organization: org
            .and_then(|o| text(o, "name"))
            .filter(|o| ru::name_key(o) != ru::name_key(&name)),
        body: text(s, "description").unwrap_or_default(),
        cost: text(s, "fees_description").or_else(|| text(s, "fees")),
        eligibility: text(s, "eligibility_description"),
        how_to_apply: text(s, "application_process"),
        name,
        ..Default::default()
    };
    terms(cx, p, &id, &mut r, notes);
    if r.needs.is_empty() {
        return Err(Problem::new(
            "none of its taxonomy terms is one of our needs, and `opora check` refuses a \
             service without one",
        )
        .hint(format!(
            "give the service a term whose code or name is a need of data/taxonomy.toml ({}…), \
             or write its record by hand",
            cx.data
                .taxonomy
                .terms(crate::data::NEEDS)
                .iter()
                .take(3)
                .map(|t| format!("{}, ", t.id))
                .collect::<String>()
        )));
    }
    r.region = region(cx, p, &r, &id, address).ok_or_else(|| {
        Problem::new("no region of this portal found (service area, address or page)")
            .hint("pass --region CODE for the services that name none")
    })?;
    if let Some(a) = address {
        r.municipality = text(a, "city");
        r.district = text(a, "region");
        r.address = street_address(a);
    }
    // What our export gives of a place without a full address.
    if let Some(l) = location {
        let place = place_parts(p, l);
        for (code, field) in [
            ("municipality", &mut r.municipality),
            ("district", &mut r.district),
            ("address", &mut r.address),
        ] {
            if field.is_none() {
                *field = place.get(code).cloned();
            }
        }
    }
    r.location = location.and_then(|l| point(p, l, r.address.is_some(), notes));
    let mut ids = vec![id.clone()];
    ids.extend(sal_ids.iter().cloned());
    ids.extend(location_ids.iter().take(1).cloned());
    contacts(p, s, org, &ids, &mut r, notes);
    r.hours = hours(p, &ids);
    r.age_months = ages(s, notes);
    r.verified = text(s, "assured_date").and_then(|d| {
        let date = d.get(..10).filter(|d| ru::parse_iso_date(d).is_some());
        match date {
            Some(date) => {
                notes.push(format!(
                    "assured_date {date} copied to verified: keep it only if it was a check with the organization"
                ));
                Some(date.to_string())
            }
            None => {
                notes.push(format!("assured_date «{d}» is not a date; left out"));
                None
            }
        }
    });
    r.sources = sources(cx, p, &id, notes);
    r.changed = p
        .linked("metadata", "resource_id", std::slice::from_ref(&id))
        .into_iter()
        .filter_map(|m| ru::parse_iso_date(&text(m, "last_action_date")?))
        .max();
    if r.sources.is_empty() {
        r.sources.push(format!(
            "{{ url = \"https://example.org/\", title = {} }}",
            toml_str(&format!("ЗАМЕНИТЕ: пакет HSDS {}, служба {id}", cx.package))
        ));
    }
    Ok(r)
}

/// Kind, needs and audience from the service's taxonomy terms; the page
/// attribute's record address.
fn terms(cx: &Cx, p: &Package, id: &str, r: &mut Incoming, notes: &mut Vec<String>) {
    let attributes = p.linked("attribute", "link_id", &[id.to_string()]);
    let mut unmatched = Vec::new();
    let mut kinds = Vec::new();
    for a in attributes {
        let link_type = text(a, "link_type").unwrap_or_default();
        if link_type == PAGE {
            r.slug = text(a, "value");
            continue;
        }
        let Some(term) = p.get("taxonomy_term", text(a, "taxonomy_term_id")) else {
            continue;
        };
        match match_term(cx, &link_type, term) {
            Some(("kind", code)) => kinds.push(code),
            Some(("needs", code)) if !r.needs.contains(&code) => r.needs.push(code),
            Some((AUDIENCE, code)) if !r.audience.contains(&code) => r.audience.push(code),
            Some(_) => {}
            None => unmatched.push(format!(
                "«{}»",
                text(term, "name")
                    .or_else(|| text(term, "code"))
                    .unwrap_or_default()
            )),
        }
    }
    if !unmatched.is_empty() {
        notes.push(format!(
            "taxonomy terms {} match none of our needs, kinds or audiences",
            unmatched.join(", ")
        ));
    }
    r.kind = match kinds.first() {
        Some(k) => k.clone(),
        None => {
            notes.push("no kind among its terms; kind = \"social-centre\" set, check it".into());
            "social-centre".into()
        }
    };
    if kinds.len() > 1 {
        notes.push(format!("several kinds; the first, {}, is kept", kinds[0]));
    }
}

/// The vocabulary and our code a term stands for: by the link type and
/// code of our own export, else by the term's code or name.
fn match_term(
    cx: &Cx,
    link_type: &str,
    term: &Map<String, Value>,
) -> Option<(&'static str, String)> {
    let code = text(term, "code").unwrap_or_default();
    let name = ru::name_key(&text(term, "name").unwrap_or_default());
    let candidates = cx
        .vocabularies
        .iter()
        .filter(|v| matches!(v.link_type, "kind" | "needs" | AUDIENCE));
    let mut by_name = None;
    for v in candidates {
        if let Some(t) = v.terms.iter().find(|t| t.code == code) {
            if v.link_type == link_type || by_name.is_none() {
                by_name = Some((v.link_type, t.code.clone()));
            }
            if v.link_type == link_type {
                return by_name;
            }
        } else if let Some(t) = v
            .terms
            .iter()
            .find(|t| !name.is_empty() && ru::name_key(&t.name) == name)
            && by_name.is_none()
        {
            by_name = Some((v.link_type, t.code.clone()));
        }
    }
    by_name
}

/// The region: the page's folder, else a service area, else the address's
/// state, else `--region`.
fn region(
    cx: &Cx,
    p: &Package,
    r: &Incoming,
    id: &str,
    address: Option<&Map<String, Value>>,
) -> Option<String> {
    let by_code = |code: &str| {
        cx.regions
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(code.trim()))
            .map(|(c, _)| c.clone())
    };
    let by_name = |name: &str| {
        let key = ru::name_key(name);
        cx.regions
            .iter()
            .find(|(_, n)| ru::name_key(n) == key)
            .map(|(c, _)| c.clone())
            .or_else(|| by_code(name))
    };
    let from_page = r
        .slug
        .as_deref()
        .and_then(page_record)
        .and_then(|(folder, _)| by_code(&folder));
    let areas = p.linked("service_area", "service_id", &[id.to_string()]);
    let from_area = areas.iter().find_map(|a| {
        text(a, "uri")
            .and_then(|u| by_code(&mapping::record_of_url("regions", &u)?.1))
            .or_else(|| text(a, "name").and_then(|n| by_name(&n)))
    });
    let from_address = address.and_then(|a| text(a, "state_province").and_then(|s| by_name(&s)));
    from_page
        .or(from_area)
        .or(from_address)
        .or_else(|| cx.default_region.and_then(by_code))
}

/// A service page's address (the page attribute of an Opora export) →
/// (region folder, file name), through the services collection's route.
fn page_record(url: &str) -> Option<(String, String)> {
    let (region, slug) = mapping::record_of_url("services", url)?;
    Some((region?, slug))
}

/// The address as one line, as the source writes it; the postal code in
/// front when the lines do not already hold it. `None` when it names no street.
fn street_address(a: &Map<String, Value>) -> Option<String> {
    let lines: Vec<String> = ["address_1", "address_2"]
        .iter()
        .filter_map(|k| text(a, k))
        .collect();
    if lines.is_empty() {
        return None;
    }
    let joined = lines.join(", ");
    Some(match text(a, "postal_code") {
        Some(pc) if !joined.contains(&pc) => format!("{pc}, {joined}"),
        _ => joined,
    })
}

/// The location's `place` attributes: part code → value as written.
fn place_parts(p: &Package, l: &Map<String, Value>) -> HashMap<String, String> {
    let lid = text(l, "id").unwrap_or_default();
    p.linked("attribute", "link_id", &[lid])
        .into_iter()
        .filter(|a| text(a, "link_type").as_deref() == Some(PLACE))
        .filter_map(|a| {
            let term = p.get("taxonomy_term", text(a, "taxonomy_term_id"))?;
            Some((text(term, "code")?, text(a, "value")?))
        })
        .collect()
}

/// The location's point with how exact it is: our precision attribute,
/// else `exact` beside a street address and `city` without one.
fn point(
    p: &Package,
    l: &Map<String, Value>,
    has_address: bool,
    notes: &mut Vec<String>,
) -> Option<String> {
    let (lat, lon) = (num(l, "latitude"), num(l, "longitude"));
    let (Some(lat), Some(lon)) = (lat, lon) else {
        return None;
    };
    if !crate::geo::valid_lat_lon(lat, lon) {
        notes.push(format!(
            "coordinates {lat}, {lon} are out of range; left out"
        ));
        return None;
    }
    let lid = text(l, "id").unwrap_or_default();
    let stated = p
        .linked("attribute", "link_id", &[lid])
        .into_iter()
        .filter(|a| text(a, "link_type").as_deref() == Some(PRECISION))
        .filter_map(|a| p.get("taxonomy_term", text(a, "taxonomy_term_id")))
        .filter_map(|t| text(t, "code"))
        .find(|c| {
            mapping::PRECISIONS
                .iter()
                .any(|&p| mapping::precision_code(p) == c)
        });
    let precision = stated.unwrap_or_else(|| if has_address { "exact" } else { "city" }.into());
    Some(format!(
        "{{ lat = {lat}, lon = {lon}, precision = {} }}",
        toml_str(&precision)
    ))
}

/// Phones, e-mails, website and people: the service's own, then those of
/// its place; the organization's phones only when the service has none.
fn contacts(
    p: &Package,
    s: &Map<String, Value>,
    org: Option<&Map<String, Value>>,
    ids: &[String],
    r: &mut Incoming,
    notes: &mut Vec<String>,
) {
    let mut phone_rows = Vec::new();
    for key in ["service_id", "service_at_location_id", "location_id"] {
        phone_rows.extend(p.linked("phone", key, ids));
    }
    let people = {
        let mut c = p.linked("contact", "service_id", ids);
        c.extend(p.linked("contact", "service_at_location_id", ids));
        c
    };
    let contact_ids: Vec<String> = people.iter().filter_map(|c| text(c, "id")).collect();
    phone_rows.extend(p.linked("phone", "contact_id", &contact_ids));
    if phone_rows.is_empty()
        && let Some(oid) = org.and_then(|o| text(o, "id"))
    {
        phone_rows.extend(p.linked("phone", "organization_id", &[oid]));
    }
    let mut seen_rows = HashSet::new();
    for ph in phone_rows {
        if let Some(id) = text(ph, "id")
            && !seen_rows.insert(id)
        {
            continue;
        }
        let Some(number) = text(ph, "number") else {
            continue;
        };
        let full = match num(ph, "extension") {
            Some(ext) => format!("{number} доб. {ext}"),
            None => number.clone(),
        };
        match Phone::parse(&full) {
            Ok(parsed) if !r.phones.iter().any(|(_, n, _)| *n == parsed.national) => {
                r.phones.push((
                    parsed.display(),
                    parsed.national.clone(),
                    text(ph, "description"),
                ))
            }
            Ok(_) => {}
            Err(e) => notes.push(format!("phone «{number}» {e}; left out")),
        }
    }
    let mut emails: Vec<String> = text(s, "email").into_iter().collect();
    for c in &people {
        if let Some(name) = text(c, "name") {
            r.contacts.push((name, text(c, "title")));
        }
        emails.extend(text(c, "email"));
    }
    // The organization's own e-mail and website are its, not the service's:
    // reported, not copied.
    for key in ["email", "website"] {
        if let Some(v) = org.and_then(|o| text(o, key))
            && text(s, if key == "email" { "email" } else { "url" }).is_none()
        {
            notes.push(format!(
                "the organization's {key} «{v}» is not copied to the service"
            ));
        }
    }
    for e in emails {
        if !crate::validate::formats::is_email(&e) {
            notes.push(format!("«{e}» is not an e-mail address; left out"));
        } else if !r.emails.contains(&e) {
            r.emails.push(e);
        }
    }
    // An IDNA host (`xn--…`) back in letters, as a record writes it.
    r.website = text(s, "url")
        .map(|w| super::uri::from_ascii(&w))
        .filter(|w| {
            let ok = crate::validate::formats::is_web_url(w);
            if !ok {
                notes.push(format!("«{w}» is not a web address; left out"));
            }
            ok
        });
}

/// Opening hours in words: each schedule's description, else its times.
fn hours(p: &Package, ids: &[String]) -> Option<String> {
    let mut rows = Vec::new();
    for key in ["service_id", "service_at_location_id", "location_id"] {
        for s in p.linked("schedule", key, ids) {
            if !rows
                .iter()
                .any(|r: &&Map<String, Value>| text(r, "id") == text(s, "id"))
            {
                rows.push(s);
            }
        }
    }
    let parts: Vec<String> = rows
        .iter()
        .filter_map(|s| {
            text(s, "description").or_else(|| {
                let (open, close) = (text(s, "opens_at")?, text(s, "closes_at")?);
                Some(match text(s, "byday") {
                    Some(days) => format!("{days} {open}–{close}"),
                    None => format!("{open}–{close}"),
                })
            })
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// Ages in years → `age_months`; ages beyond a child's are left out.
fn ages(s: &Map<String, Value>, notes: &mut Vec<String>) -> Option<[u32; 2]> {
    let (min, max) = (num(s, "minimum_age"), num(s, "maximum_age"));
    if min.is_none() && max.is_none() {
        return None;
    }
    let months = |y: f64| (y * 12.0).round();
    let (lo, hi) = (months(min.unwrap_or(0.0)), months(max.unwrap_or(18.0)));
    if lo < 0.0 || hi > f64::from(crate::content::records::MAX_AGE_MONTHS) || lo > hi {
        notes.push(format!(
            "ages {}–{} years do not fit age_months (children up to 18); left out",
            min.map_or("…".into(), |m| m.to_string()),
            max.map_or("…".into(), |m| m.to_string())
        ));
        return None;
    }
    Some([lo as u32, hi as u32])
}

/// Citations from the metadata rows our export writes (`Title [003:36]`);
/// a document this portal does not have is reported.
fn sources(cx: &Cx, p: &Package, id: &str, notes: &mut Vec<String>) -> Vec<String> {
    let mut out = Vec::new();
    for m in p.linked("metadata", "resource_id", &[id.to_string()]) {
        if text(m, "last_action_type").as_deref() != Some(super::export::SOURCE_ACTION) {
            continue;
        }
        let who = text(m, "updated_by").unwrap_or_default();
        // Without a quote our export repeats the citation there.
        let quote = text(m, "replacement_value").filter(|q| *q != who);
        let (title, reference) = match who
            .rsplit_once(" [")
            .or_else(|| who.strip_prefix('[').map(|r| ("", r)))
        {
            Some((title, rest)) => (title.to_string(), rest.trim_end_matches(']').to_string()),
            None => (who.clone(), String::new()),
        };
        let mut fields = Vec::new();
        if reference.starts_with("http://") || reference.starts_with("https://") {
            fields.push(format!("url = {}", toml_str(&reference)));
            if !title.is_empty() {
                fields.push(format!("title = {}", toml_str(&title)));
            }
        } else if !reference.is_empty() {
            let (doc, line) = match reference.split_once(':') {
                Some((d, l)) => (d.to_string(), l.parse::<u32>().ok()),
                None => (reference.clone(), None),
            };
            if cx.data.documents.find(&doc).is_none() {
                notes.push(format!(
                    "cites document {doc}, which data/sources.toml does not list; left out"
                ));
                continue;
            }
            fields.push(format!("doc = {}", toml_str(&doc)));
            if let Some(line) = line {
                fields.push(format!("line = {line}"));
            }
        } else {
            continue;
        }
        if let Some(q) = quote {
            fields.push(format!("quote = {}", toml_str(&q)));
        }
        out.push(format!("{{ {} }}", fields.join(", ")));
    }
    out
}

/// The record's front matter, fields in the content format's order.
fn front_matter(r: &Incoming) -> String {
    let mut out = String::new();
    let mut field = |k: &str, v: String| {
        let _ = writeln!(out, "{k} = {v}");
    };
    field("name", toml_str(&r.name));
    let optional = |v: &Option<String>| v.as_deref().map(toml_str);
    if let Some(v) = optional(&r.short_name) {
        field("short_name", v);
    }
    if let Some(v) = optional(&r.organization) {
        field("organization", v);
    }
    field("kind", toml_str(&r.kind));
    field("needs", toml_list(&r.needs));
    if !r.audience.is_empty() {
        field("audience", toml_list(&r.audience));
    }
    field("region", toml_str(&r.region));
    for (k, v) in [
        ("municipality", &r.municipality),
        ("district", &r.district),
        ("address", &r.address),
    ] {
        if let Some(v) = optional(v) {
            field(k, v);
        }
    }
    if let Some(l) = &r.location {
        field("location", l.clone());
    }
    if !r.phones.is_empty() {
        let items: Vec<String> = r
            .phones
            .iter()
            .map(|(display, _, note)| match note {
                Some(n) => format!(
                    "{{ number = {}, note = {} }}",
                    toml_str(display),
                    toml_str(n)
                ),
                None => toml_str(display),
            })
            .collect();
        field("phones", format!("[{}]", items.join(", ")));
    }
    if !r.emails.is_empty() {
        field("emails", toml_list(&r.emails));
    }
    if let Some(v) = optional(&r.website) {
        field("website", v);
    }
    if !r.contacts.is_empty() {
        let items: Vec<String> = r
            .contacts
            .iter()
            .map(|(name, role)| match role {
                Some(role) => format!("{{ name = {}, role = {} }}", toml_str(name), toml_str(role)),
                None => format!("{{ name = {} }}", toml_str(name)),
            })
            .collect();
        field("contacts", format!("[{}]", items.join(", ")));
    }
    if let Some(v) = optional(&r.hours) {
        field("hours", v);
    }
    if let Some([lo, hi]) = r.age_months {
        field("age_months", format!("[{lo}, {hi}]"));
    }
    for (k, v) in [
        ("cost", &r.cost),
        ("eligibility", &r.eligibility),
        ("how_to_apply", &r.how_to_apply),
    ] {
        if let Some(v) = optional(v) {
            field(k, v);
        }
    }
    if let Some(v) = &r.verified {
        field("verified", v.clone());
    }
    field("sources", format!("[{}]", r.sources.join(", ")));
    out
}

/// Create, change, or hold back as a likely duplicate.
fn plan_service(
    root: &Path,
    cx: &Cx,
    row: usize,
    r: Incoming,
    new_files: &mut NewFiles,
) -> Option<Action> {
    let folder = r.region.to_lowercase();
    // Our own page address gives the file name back: a record we have, or
    // a slug of the length we make (a longer one could name no file);
    // otherwise the name does.
    let from_page = r
        .slug
        .as_deref()
        .and_then(page_record)
        .filter(|(f, s)| {
            *f == folder
                && ru::is_valid_slug(s)
                && (s.len() <= ru::MAX_SLUG_BYTES
                    || cx.known.path_of(&format!("{f}/{s}")).is_some())
        })
        .map(|(_, s)| s);
    let named = from_page.is_none();
    let base_slug = from_page.unwrap_or_else(|| ru::slugify(&r.name));
    if !ru::is_valid_slug(&base_slug) {
        return Some(Action::invalid(
            row,
            format!("«{}» gives no file name: it has no letter or digit", r.name),
        ));
    }
    let id = format!("{folder}/{base_slug}");
    let nationals: Vec<(String, String)> = r
        .phones
        .iter()
        .map(|(display, national, _)| (national.clone(), display.clone()))
        .collect();
    let candidate = Candidate {
        name: &r.name,
        region: &r.region,
        town: r.municipality.as_deref(),
        nationals: &nationals,
    };
    // A record we have under this id is this service (when a name gave the
    // id, one of the same name): its fields are merged (duplicate detection
    // is for records under other ids).
    let ours = if named {
        cx.known.record_named(&id, &r.name)
    } else {
        cx.known.path_of(&id)
    };
    if let Some(path) = ours {
        let mut r = r;
        return crate::import::change_existing(cx.known.root(), row, &id, path, |old| {
            keep_written_phones(old, &mut r);
            front_matter(&r)
        });
    }
    if let Some((of, why)) = crate::import::find_duplicate_of(&cx.known, &candidate, &id) {
        return Some(Action::Duplicate {
            row,
            name: r.name.clone(),
            of,
            why,
        });
    }
    let front = front_matter(&r);
    let slug = new_files.claim(&cx.known, &folder, &base_slug);
    let place = (folder.as_str(), r.name.as_str(), r.municipality.as_deref());
    if let Some(first) = new_files.same_name(place, row, &format!("{folder}/{slug}")) {
        return Some(Action::Invalid {
            row,
            problems: vec![crate::import::same_name_problem(&r.name, first)],
        });
    }
    let body = if r.body.is_empty() {
        String::new()
    } else {
        format!("{}\n", r.body)
    };
    Some(Action::Create {
        row,
        path: content_path(root, &folder, &slug),
        text: format!("+++\n{front}+++\n{body}"),
        changed: r.changed,
    })
}

/// The same numbers with the same notes are no change: the record keeps its
/// phones as the editor wrote them (`+79247304321` is `+7 (924) 730-43-21`).
fn keep_written_phones(old: &str, r: &mut Incoming) {
    let Some((front, _)) = crate::import::front::split(old) else {
        return;
    };
    let Ok(table) = toml::from_str::<toml::Table>(front) else {
        return;
    };
    let written: Vec<(String, String, Option<String>)> = table
        .get("phones")
        .and_then(toml::Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|p| {
                    let (number, note) = match p {
                        toml::Value::String(n) => (n.clone(), None),
                        toml::Value::Table(t) => (
                            t.get("number")?.as_str()?.to_string(),
                            t.get("note")
                                .and_then(toml::Value::as_str)
                                .map(str::to_string),
                        ),
                        _ => return None,
                    };
                    let national = Phone::parse(&number).ok()?.national;
                    Some((number, national, note))
                })
                .collect()
        })
        .unwrap_or_default();
    let same = written.len() == r.phones.len()
        && written
            .iter()
            .zip(&r.phones)
            .all(|((_, n1, note1), (_, n2, note2))| n1 == n2 && note1 == note2);
    if same {
        r.phones = written;
    }
}

fn content_path(root: &Path, folder: &str, slug: &str) -> PathBuf {
    root.join("content/services")
        .join(folder)
        .join(format!("{slug}.md"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_addresses_give_the_record_back() {
        assert_eq!(
            page_record("https://opora.ru/p/services/ru-klu/kaluga-doverie/"),
            Some(("ru-klu".into(), "kaluga-doverie".into()))
        );
        assert_eq!(page_record("https://opora.ru/regions/ru-klu/"), None);
    }

    #[test]
    fn an_address_keeps_its_words_and_gains_only_a_missing_postal_code() {
        let a = |v: Value| v.as_object().cloned().unwrap();
        let row = a(
            serde_json::json!({"address_1": "1-30 Main Street", "address_2": "MyVillage", "postal_code": "ABC 1234"}),
        );
        assert_eq!(
            street_address(&row).as_deref(),
            Some("ABC 1234, 1-30 Main Street, MyVillage")
        );
        let ours = a(
            serde_json::json!({"address_1": "248000, г. Калуга, ул. Ленина, 1", "postal_code": "248000"}),
        );
        assert_eq!(
            street_address(&ours).as_deref(),
            Some("248000, г. Калуга, ул. Ленина, 1")
        );
        let town_only =
            a(serde_json::json!({"address_1": "", "city": "Калуга", "postal_code": ""}));
        assert_eq!(street_address(&town_only), None);
    }

    #[test]
    fn ages_beyond_childhood_are_left_out_not_clamped() {
        let s = |v: Value| v.as_object().cloned().unwrap();
        let mut notes = Vec::new();
        assert_eq!(
            ages(
                &s(serde_json::json!({"minimum_age": 0, "maximum_age": 4})),
                &mut notes
            ),
            Some([0, 48])
        );
        assert_eq!(
            ages(
                &s(serde_json::json!({"minimum_age": 0.5, "maximum_age": "3"})),
                &mut notes
            ),
            Some([6, 36])
        );
        assert!(notes.is_empty());
        assert_eq!(
            ages(
                &s(serde_json::json!({"minimum_age": 12, "maximum_age": 100})),
                &mut notes
            ),
            None
        );
        assert_eq!(notes.len(), 1, "{notes:?}");
    }
}
