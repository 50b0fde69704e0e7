//! Content → HSDS: the portal's service records as HSDS tables, and those
//! tables as the JSON the HSDS API would return (fully nested objects in list
//! pages), written under `open-data/hsds/`.
//!
//! Reads the validated records themselves (not the site's views): the export
//! carries what the file says — the Markdown text, the citations with their
//! documents and lines — so that importing it gives the same records back.

use std::collections::{BTreeMap, HashMap};
use std::io;

use super::Ids;
use super::mapping::{self, Link, PAGE, PLACE, PRECISION, Vocabulary};
use super::model::*;
use crate::config::Config;
use crate::content::records::{ServiceMeta, Source};
use crate::content::{Content, Data, Record};
use crate::history::History;
use crate::output::Sink;
use crate::output::sink::{self, Each};
use crate::validate::service_id;

/// The services of `content` as HSDS tables, in the order of their record ids;
/// `history` dates each record's last change.
pub fn tables(config: &Config, data: &Data, content: &Content, history: &History) -> Tables {
    let ids = Ids::new(config);
    let vocabularies = mapping::vocabularies(data);
    let mut t = Tables::default();
    let mut terms: HashMap<(String, String), TaxonomyTerm> = HashMap::new();
    for v in &vocabularies {
        let taxonomy = taxonomy(config, &ids, v);
        for term in &v.terms {
            let row = TaxonomyTerm {
                id: ids.of("taxonomy_term", &format!("{}/{}", v.id, term.code)),
                code: term.code.clone(),
                name: term.name.clone(),
                description: term.description.clone(),
                taxonomy: taxonomy.uri.clone(),
                taxonomy_detail: None,
                language: "ru",
                taxonomy_id: taxonomy.id.clone(),
                term_uri: config.absolute(&format!("open-data/#{}-{}", v.id, term.code)),
            };
            terms.insert((v.link_type.to_string(), term.code.clone()), row.clone());
            t.taxonomy_terms.push(row);
        }
        t.taxonomies.push(taxonomy);
    }
    let cx = Cx {
        config,
        data,
        history,
        ids: &ids,
        vocabularies: &vocabularies,
        terms: &terms,
        regions: content
            .regions
            .iter()
            .filter_map(|r| {
                Some((
                    r.meta.code.as_ref()?.get_ref().clone(),
                    r.meta.name.clone()?,
                ))
            })
            .collect(),
    };
    let mut records: Vec<&Record<ServiceMeta>> = content.services.iter().collect();
    records.sort_by_key(|r| service_id(r));
    // A parent organization that has a record of its own is that record's
    // organization: (region, name key) → record id.
    let named: HashMap<(String, String), String> = records
        .iter()
        .filter_map(|r| {
            let region = r.meta.region.as_ref()?.get_ref().clone();
            Some((
                (region, crate::ru::name_key(r.meta.name.as_ref()?)),
                service_id(r),
            ))
        })
        .collect();
    let mut parents: BTreeMap<String, usize> = BTreeMap::new();
    for rec in records {
        service(&cx, rec, &named, &mut t, &mut parents);
    }
    t
}

/// What every service row is made with.
struct Cx<'a> {
    config: &'a Config,
    data: &'a Data,
    history: &'a History,
    ids: &'a Ids,
    vocabularies: &'a [Vocabulary],
    terms: &'a HashMap<(String, String), TaxonomyTerm>,
    regions: HashMap<String, String>,
}

fn taxonomy(config: &Config, ids: &Ids, v: &Vocabulary) -> Taxonomy {
    Taxonomy {
        id: ids.of("taxonomy", &v.id),
        name: v.name.clone(),
        description: format!(
            "Словарь «{}» портала «{}» ({}).",
            v.name, config.title, v.id
        ),
        uri: config.absolute(&format!("open-data/#{}", v.id)),
    }
}

/// One service record: its service row and everything hanging off it.
fn service(
    cx: &Cx,
    rec: &Record<ServiceMeta>,
    named: &HashMap<(String, String), String>,
    t: &mut Tables,
    parents: &mut BTreeMap<String, usize>,
) {
    let m = &rec.meta;
    let rid = service_id(rec);
    let id = cx.ids.of("service", &rid);
    let name = m.name.clone().unwrap_or_else(|| rec.slug.clone());
    let region = m
        .region
        .as_ref()
        .map(|r| r.get_ref().clone())
        .unwrap_or_default();
    let region_name = cx
        .regions
        .get(&region)
        .cloned()
        .unwrap_or_else(|| region.clone());
    let body = rec.markdown().trim().to_string();
    let emails: Vec<String> = m.emails.iter().map(|e| e.get_ref().clone()).collect();
    // HSDS URIs are ASCII: a Cyrillic host in its IDNA form (same address).
    let website = m
        .website
        .as_ref()
        .map(|w| super::uri::to_ascii(w.get_ref()));

    let organization_id = organization(
        cx,
        rec,
        Org {
            rid: &rid,
            name: &name,
            region: &region,
            region_name: &region_name,
            body: &body,
            email: emails.first(),
            website: website.as_ref(),
        },
        named,
        t,
        parents,
    );

    let age = |i: usize| {
        m.age_months
            .as_ref()
            .and_then(|a| number(f64::from(a.get_ref()[i]) / 12.0))
    };
    t.services.push(Service {
        id: id.clone(),
        organization_id: organization_id.clone(),
        name: name.clone(),
        alternate_name: m.short_name.clone(),
        description: Some(body).filter(|b| !b.is_empty()),
        url: website,
        email: emails.first().cloned(),
        status: "active",
        application_process: m.how_to_apply.clone(),
        fees_description: m.cost.clone(),
        eligibility_description: m.eligibility.clone(),
        minimum_age: age(0),
        maximum_age: age(1),
        // Only an editor's check with the organization is an assurance; the
        // date of a source document is not.
        assured_date: m.verified.as_ref().map(|v| v.get_ref().to_string()),
        ..Default::default()
    });

    reach(cx, rec, &rid, &id, &emails, t);
    if !region.is_empty() {
        t.service_areas.push(ServiceArea {
            id: cx.ids.of("service_area", &rid),
            service_id: id.clone(),
            name: region_name.clone(),
            uri: mapping::record_url("regions", "", &region.to_lowercase())
                .map(|u| cx.config.absolute(&u)),
        });
    }
    location(cx, rec, &rid, &id, &organization_id, &region_name, t);
    attributes(cx, rec, &rid, &id, t);
    // The day the portal last changed the record (its last commit, else its
    // file's modification time: the page's «Страница обновлена») is the date
    // of the last action on what its citations back.
    let changed = cx.history.updated(&rec.file.rel).unwrap_or_default();
    for (i, s) in m.sources.iter().enumerate() {
        let key = format!("{rid}/{}", i + 1);
        t.metadata.push(provenance(cx, s, &id, &key, &changed));
    }
}

/// What the organization entry is made of when the service is its own.
struct Org<'a> {
    rid: &'a str,
    name: &'a str,
    region: &'a str,
    region_name: &'a str,
    body: &'a str,
    email: Option<&'a String>,
    website: Option<&'a String>,
}

/// The service's organization id, adding the organization when it is new:
/// the parent's record where the region has one, a parent by name (one per
/// name in a region), or else the service itself.
fn organization(
    cx: &Cx,
    rec: &Record<ServiceMeta>,
    me: Org<'_>,
    named: &HashMap<(String, String), String>,
    t: &mut Tables,
    parents: &mut BTreeMap<String, usize>,
) -> String {
    let (rid, name, region) = (me.rid, me.name, me.region);
    // A parent named like the record itself is the record.
    let parent = rec
        .meta
        .organization
        .as_ref()
        .filter(|o| crate::ru::name_key(o) != crate::ru::name_key(name));
    let parent_record =
        parent.and_then(|p| named.get(&(region.to_string(), crate::ru::name_key(p))));
    match parent {
        // The parent has a record here: its organization.
        Some(_) if let Some(other) = parent_record => cx.ids.of("organization", other),
        // A named parent organization: one per name in a region.
        Some(parent) => {
            let key = format!("{region}/{}", crate::ru::name_key(parent));
            let org_id = cx.ids.of("organization", &key);
            if !parents.contains_key(&org_id) {
                parents.insert(org_id.clone(), t.organizations.len());
                t.organizations.push(Organization {
                    id: org_id.clone(),
                    name: parent.to_string(),
                    // HSDS requires a description; all we know is the name.
                    description: mapping::parent_description(me.region_name),
                    ..Default::default()
                });
            }
            org_id
        }
        // Otherwise the record is the organization itself.
        None => {
            let org_id = cx.ids.of("organization", rid);
            t.organizations.push(Organization {
                id: org_id.clone(),
                name: name.to_string(),
                description: me.body.to_string(),
                email: me.email.cloned(),
                website: me.website.cloned(),
                ..Default::default()
            });
            org_id
        }
    }
}

/// How to reach the service: its phones, its people and further e-mails, and
/// its hours where the source gives them.
fn reach(
    cx: &Cx,
    rec: &Record<ServiceMeta>,
    rid: &str,
    id: &str,
    emails: &[String],
    t: &mut Tables,
) {
    let m = &rec.meta;
    for (i, p) in m.phones.iter().enumerate() {
        let p = p.get_ref();
        let number = crate::phone::Phone::parse(p.number())
            .map(|n| n.display())
            .unwrap_or_else(|_| p.number().to_string());
        t.phones.push(Phone {
            id: cx.ids.of("phone", &format!("{rid}/{}", i + 1)),
            service_id: id.to_string(),
            number,
            description: p.note().map(str::to_string),
        });
    }
    let people = m
        .contacts
        .iter()
        .map(|c| (Some(c.name.clone()), c.role.clone(), None));
    let more_emails = emails.iter().skip(1).map(|e| (None, None, Some(e.clone())));
    for (i, (name, title, email)) in people.chain(more_emails).enumerate() {
        t.contacts.push(Contact {
            id: cx.ids.of("contact", &format!("{rid}/{}", i + 1)),
            service_id: id.to_string(),
            name,
            title,
            email,
        });
    }
    if let Some(hours) = &m.hours {
        t.schedules.push(Schedule {
            id: cx.ids.of("schedule", rid),
            service_id: id.to_string(),
            description: hours.clone(),
        });
    }
}

/// Where the service is, as exactly as the source says and no more: a
/// location (with coordinates and how exact they are), an address (a town
/// alone leaves the street line and postal code empty) and the link between
/// the service and the location.
fn location(
    cx: &Cx,
    rec: &Record<ServiceMeta>,
    rid: &str,
    service: &str,
    organization: &str,
    region_name: &str,
    t: &mut Tables,
) {
    let m = &rec.meta;
    let point = m.location.as_ref().map(|l| l.get_ref());
    if point.is_none() && m.municipality.is_none() && m.address.is_none() && m.district.is_none() {
        return;
    }
    let location_id = cx.ids.of("location", rid);
    let description = match point {
        Some(p) => mapping::precision_note(p.precision),
        None if m.address.is_some() => "Адрес из источника; точки на карте нет.",
        None => "Известен только город; адреса и точки на карте в источниках нет.",
    };
    t.locations.push(Location {
        id: location_id.clone(),
        location_type: "physical",
        organization_id: Some(organization.to_string()),
        name: m.municipality.clone(),
        description: Some(description.to_string()),
        latitude: point.and_then(|p| number(p.lat)),
        longitude: point.and_then(|p| number(p.lon)),
        ..Default::default()
    });
    if let Some(p) = point {
        let code = mapping::precision_code(p.precision);
        attribute(
            cx,
            PRECISION,
            code,
            &location_id,
            &format!("{rid}/{PRECISION}/{code}"),
            None,
            t,
        );
    }
    // An HSDS address needs a street line, a town and a postal code; a place
    // the sources give less of (a town alone, an address without its index
    // or town) is the location with its parts as `place` attributes: no
    // street, town or index is invented.
    let full = m
        .address
        .as_ref()
        .zip(m.municipality.as_ref())
        .and_then(|(a, city)| Some((a.clone(), city.clone(), postal_code(a)?)));
    match full {
        Some((address_1, city, postal_code)) => t.addresses.push(Address {
            id: cx.ids.of("address", rid),
            location_id: location_id.clone(),
            postal_code,
            address_1,
            city,
            region: m.district.clone(),
            state_province: region_name.to_string(),
            country: "RU",
            address_type: "physical",
        }),
        None => {
            let parts = [
                ("municipality", &m.municipality),
                ("district", &m.district),
                ("address", &m.address),
            ];
            for (code, value) in parts {
                if let Some(value) = value {
                    let key = format!("{rid}/{PLACE}/{code}");
                    attribute(cx, PLACE, code, &location_id, &key, Some(value.clone()), t);
                }
            }
        }
    }
    t.service_at_locations.push(ServiceAtLocation {
        id: cx.ids.of("service_at_location", rid),
        service_id: service.to_string(),
        location_id,
        ..Default::default()
    });
}

/// The service's kind, needs, audience and page as taxonomy terms.
fn attributes(cx: &Cx, rec: &Record<ServiceMeta>, rid: &str, service: &str, t: &mut Tables) {
    let m = &rec.meta;
    for v in cx
        .vocabularies
        .iter()
        .filter(|v| v.link_entity == "service")
    {
        let codes: Vec<String> = match (v.link_type, v.link) {
            (_, Link::None) => continue,
            ("kind", _) => m.kind.iter().map(|k| k.get_ref().clone()).collect(),
            ("needs", _) => m.needs.iter().map(|n| n.get_ref().clone()).collect(),
            (mapping::AUDIENCE, _) => m.audience.iter().map(|a| a.get_ref().clone()).collect(),
            (PAGE, _) => vec![PAGE.to_string()],
            _ => continue,
        };
        for code in codes {
            let value = (v.link_type == PAGE)
                .then(|| {
                    let folder = rec.folder.as_deref().unwrap_or("");
                    mapping::record_url("services", folder, &rec.slug)
                })
                .flatten()
                .map(|u| cx.config.absolute(&u));
            let key = format!("{rid}/{}/{code}", v.link_type);
            attribute(cx, v.link_type, &code, service, &key, value, t);
        }
    }
}

fn attribute(
    cx: &Cx,
    link_type: &'static str,
    code: &str,
    link_id: &str,
    key: &str,
    value: Option<String>,
    t: &mut Tables,
) {
    let Some(term) = cx.terms.get(&(link_type.to_string(), code.to_string())) else {
        return;
    };
    let link_entity = cx
        .vocabularies
        .iter()
        .find(|v| v.link_type == link_type)
        .map_or("service", |v| v.link_entity);
    t.attributes.push(Attribute {
        id: cx.ids.of("attribute", key),
        link_id: link_id.to_string(),
        taxonomy_term_id: term.id.clone(),
        link_type,
        link_entity,
        value,
    });
}

/// Where the facts come from: one metadata row per citation — a change to the
/// record's `sources` on `changed`, the day the portal last changed the
/// record (HSDS: "the date when data was changed"). The document's «as of»
/// year is not a day: it stays in words, in `updated_by`.
fn provenance(cx: &Cx, s: &Source, resource: &str, key: &str, changed: &str) -> Metadata {
    let doc = s
        .doc
        .as_ref()
        .and_then(|d| cx.data.documents.find(d.get_ref()));
    let reference = match (&s.doc, s.line, &s.url) {
        (Some(d), Some(line), _) => format!("{}:{line}", d.get_ref()),
        (Some(d), None, _) => d.get_ref().clone(),
        (None, _, Some(u)) => u.get_ref().clone(),
        (None, _, None) => String::new(),
    };
    let who = match doc {
        // The year the document's facts are from: "as of", never a check.
        Some(d) => match d.year {
            Some(year) => format!("{}, {AS_OF} {year} г.", d.title),
            None => d.title.clone(),
        },
        None => s.title.clone().unwrap_or_default(),
    };
    let updated_by = cite(&who, &reference);
    Metadata {
        id: cx.ids.of("metadata", key),
        resource_id: resource.to_string(),
        resource_type: "service",
        last_action_date: changed.to_string(),
        last_action_type: SOURCE_ACTION,
        field_name: SOURCES_FIELD.to_string(),
        previous_value: NO_PREVIOUS_VALUE.to_string(),
        // The quote the citation rests on; without one, the citation itself.
        replacement_value: s
            .quote
            .as_ref()
            .map_or_else(|| updated_by.clone(), |q| q.get_ref().clone()),
        updated_by,
    }
}

/// `last_action_type` of the metadata rows that name a source.
pub const SOURCE_ACTION: &str = "source";
/// Their `field_name`: the record's field the citation is an entry of.
pub const SOURCES_FIELD: &str = "sources";
/// Their `previous_value`, which HSDS requires: a citation replaces nothing.
pub const NO_PREVIOUS_VALUE: &str = "—";
/// Before a document's year in `updated_by`: «…, по состоянию на 2024 г.».
pub const AS_OF: &str = "по состоянию на";

/// `Title [003:36]`: who says it, then the machine-readable reference.
pub fn cite(who: &str, reference: &str) -> String {
    match (who.is_empty(), reference.is_empty()) {
        (_, true) => who.to_string(),
        (true, false) => format!("[{reference}]"),
        (false, false) => format!("{who} [{reference}]"),
    }
}

/// A Russian postal code (six digits standing alone) in an address.
pub fn postal_code(address: &str) -> Option<String> {
    address
        .split(|c: char| !c.is_ascii_digit())
        .find(|part| part.len() == 6)
        .map(str::to_string)
}

/// One page of an HSDS API list holding every item (fields in this order).
#[derive(serde::Serialize)]
struct Page<C> {
    total_items: usize,
    total_pages: usize,
    page_number: usize,
    size: usize,
    first_page: bool,
    last_page: bool,
    empty: bool,
    contents: C,
}

/// A list page of `count` items, serialized one item at a time as `items`
/// yields them, so a list of fully nested records never exists as a whole.
fn page<T: serde::Serialize>(
    sink: &mut dyn Sink,
    name: &str,
    count: usize,
    items: impl Iterator<Item = T>,
) -> io::Result<()> {
    let page = Page {
        total_items: count,
        total_pages: 1,
        page_number: 1,
        size: count,
        first_page: true,
        last_page: true,
        empty: count == 0,
        contents: Each::new(items),
    };
    sink::json(sink, &format!("{}{name}", super::DIR), &page, true)
}

/// The JSON files: the API's base answer and a list page per endpoint. Each
/// service is complete (its organization, places, phones, contacts, hours,
/// terms and sources); organizations carry their places and service-at-
/// locations their place, and name the services by id, so nothing is
/// written twice. Attributes name their term by id: the terms and their
/// taxonomies are in their own lists. Each file is streamed into `sink` as
/// its items are nested.
pub fn write_json(t: &Tables, sink: &mut dyn Sink) -> io::Result<()> {
    let n = Nester::new(t);
    let base = serde_json::json!({
        "version": "3.0",
        "openapi_url": "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json",
    });
    sink.file(
        &format!("{}index.json", super::DIR),
        format!("{base}\n").as_bytes(),
    )?;
    page(
        sink,
        "services.json",
        t.services.len(),
        t.services.iter().map(|s| n.service(s)),
    )?;
    page(
        sink,
        "organizations.json",
        t.organizations.len(),
        t.organizations.iter().map(|o| {
            let mut o = o.clone();
            o.locations = n.locations_of_org(&o.id);
            o
        }),
    )?;
    page(
        sink,
        "service_at_locations.json",
        t.service_at_locations.len(),
        t.service_at_locations.iter().map(|sal| {
            let mut sal = sal.clone();
            sal.location = n.location(&sal.location_id).map(Box::new);
            sal
        }),
    )?;
    page(
        sink,
        "taxonomies.json",
        t.taxonomies.len(),
        t.taxonomies.iter(),
    )?;
    page(
        sink,
        "taxonomy_terms.json",
        t.taxonomy_terms.len(),
        t.taxonomy_terms.iter().map(|term| n.term(term)),
    )
}

/// Rows of one table grouped by a foreign key.
type Index<'a, T> = HashMap<&'a str, Vec<&'a T>>;

fn index<'a, T>(rows: &'a [T], key: impl Fn(&'a T) -> &'a str) -> Index<'a, T> {
    let mut out: Index<'a, T> = HashMap::new();
    for r in rows {
        out.entry(key(r)).or_default().push(r);
    }
    out
}

fn children<T: Clone>(index: &Index<'_, T>, id: &str) -> Vec<T> {
    index
        .get(id)
        .map(|rows| rows.iter().map(|r| (*r).clone()).collect())
        .unwrap_or_default()
}

/// Puts rows back together as nested objects, through their foreign keys.
struct Nester<'a> {
    organizations: HashMap<&'a str, &'a Organization>,
    locations: HashMap<&'a str, &'a Location>,
    locations_by_org: Index<'a, Location>,
    addresses: Index<'a, Address>,
    phones: Index<'a, Phone>,
    schedules: Index<'a, Schedule>,
    service_areas: Index<'a, ServiceArea>,
    contacts: Index<'a, Contact>,
    service_at_locations: Index<'a, ServiceAtLocation>,
    attributes: Index<'a, Attribute>,
    metadata: Index<'a, Metadata>,
    taxonomies: HashMap<&'a str, &'a Taxonomy>,
}

impl<'a> Nester<'a> {
    fn new(t: &'a Tables) -> Self {
        Nester {
            organizations: t.organizations.iter().map(|o| (o.id.as_str(), o)).collect(),
            locations: t.locations.iter().map(|l| (l.id.as_str(), l)).collect(),
            locations_by_org: index(&t.locations, |l| l.organization_id.as_deref().unwrap_or("")),
            addresses: index(&t.addresses, |a| &a.location_id),
            phones: index(&t.phones, |p| &p.service_id),
            schedules: index(&t.schedules, |x| &x.service_id),
            service_areas: index(&t.service_areas, |x| &x.service_id),
            contacts: index(&t.contacts, |x| &x.service_id),
            service_at_locations: index(&t.service_at_locations, |x| &x.service_id),
            attributes: index(&t.attributes, |x| &x.link_id),
            metadata: index(&t.metadata, |x| &x.resource_id),
            taxonomies: t.taxonomies.iter().map(|x| (x.id.as_str(), x)).collect(),
        }
    }

    /// A service with everything that belongs to it.
    fn service(&self, s: &Service) -> Service {
        let mut s = s.clone();
        let id = s.id.as_str();
        s.phones = children(&self.phones, id);
        s.schedules = children(&self.schedules, id);
        s.service_areas = children(&self.service_areas, id);
        s.contacts = children(&self.contacts, id);
        s.attributes = self.attributes_of(id);
        s.metadata = children(&self.metadata, id);
        s.service_at_locations = children(&self.service_at_locations, id)
            .into_iter()
            .map(|mut sal| {
                sal.location = self.location(&sal.location_id).map(Box::new);
                sal
            })
            .collect();
        s.organization = self
            .organizations
            .get(s.organization_id.as_str())
            .map(|o| Box::new((*o).clone()));
        s
    }

    fn location(&self, id: &str) -> Option<Location> {
        let mut l = (*self.locations.get(id)?).clone();
        l.addresses = children(&self.addresses, id);
        l.attributes = self.attributes_of(id);
        Some(l)
    }

    fn locations_of_org(&self, org: &str) -> Vec<Location> {
        children(&self.locations_by_org, org)
            .iter()
            .filter_map(|l| self.location(&l.id))
            .collect()
    }

    fn attributes_of(&self, id: &str) -> Vec<Attribute> {
        children(&self.attributes, id)
    }

    fn term(&self, term: &TaxonomyTerm) -> TaxonomyTerm {
        let mut term = term.clone();
        term.taxonomy_detail = self
            .taxonomies
            .get(term.taxonomy_id.as_str())
            .map(|x| Box::new((*x).clone()));
        term
    }
}
