//! Content → HSDS: the portal's service records as HSDS tables, and those
//! tables as the JSON the HSDS API would return (fully nested objects in list
//! pages), written under `open-data/hsds/`.
//!
//! Reads the validated records themselves (not the site's views): the export
//! carries what the file says — the Markdown text, the citations with their
//! documents and lines — so that importing it gives the same records back.

use std::collections::{HashMap, HashSet};
use std::io;

use super::mapping::{self, Link, PAGE, PLACE, PRECISION, Vocabulary};
use super::model::*;
use super::package_zip::Deflated;
use super::pieces::{self, Key};
use super::{Ids, tabular};
use crate::config::Config;
use crate::content::records::{ServiceMeta, Source, text_of};
use crate::content::{Content, Data, Record};
use crate::history::History;
use crate::output::Sink;
use crate::output::sink::{self, Each};

use crate::validate::service_id;

/// The portal's services as HSDS, row by row: the records in the order of
/// their ids and what every row is made with. Nothing holds a whole table:
/// each record's rows are made when a file needs them (a handful of rows),
/// so the export's memory does not grow with the number of services beyond
/// a few small maps.
pub struct Export<'a> {
    cx: Cx<'a>,
    records: Vec<&'a Record<ServiceMeta>>,
    /// A parent organization that has a record of its own is that record's
    /// organization: (region, name key) → the record's place in `records`.
    named: HashMap<(String, String), usize>,
    taxonomies: Vec<Taxonomy>,
    taxonomy_terms: Vec<TaxonomyTerm>,
    /// What the records and the site are made from (see [`pieces`]).
    keys: Keys,
}

/// What the export's pieces are made from: the site's key, each record's
/// key, and whether a piece ends after each record — in `records`' order.
struct Keys {
    site: u128,
    records: Vec<u128>,
    ends: Vec<bool>,
}

/// Where a record's organization comes from.
enum OrgOf<'a> {
    /// The record is its own organization.
    Own,
    /// A parent organization named in the record, one per name in a region.
    Parent(&'a str),
    /// A parent organization that is another record (its place).
    Record(usize),
}

impl<'a> Export<'a> {
    /// The export of `content`; `history` dates each record's last change.
    pub fn new(
        config: &'a Config,
        data: &'a Data,
        content: &'a Content,
        history: &'a History,
    ) -> Self {
        let ids = Ids::new(config);
        let vocabularies = mapping::vocabularies(data);
        let mut terms: HashMap<(String, String), TaxonomyTerm> = HashMap::new();
        let (mut taxonomies, mut taxonomy_terms) = (Vec::new(), Vec::new());
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
                taxonomy_terms.push(row);
            }
            taxonomies.push(taxonomy);
        }
        let regions = content
            .regions
            .iter()
            .filter_map(|r| {
                Some((
                    r.meta.code.as_ref()?.get_ref().clone(),
                    text_of(&r.meta.name)?.to_string(),
                ))
            })
            .collect();
        let mut records: Vec<&Record<ServiceMeta>> = content.services.iter().collect();
        records.sort_by_cached_key(|r| service_id(r));
        let named = records
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let region = r.meta.region.as_ref()?.get_ref().clone();
                Some(((region, crate::ru::name_key(text_of(&r.meta.name)?)), i))
            })
            .collect();
        let keys = {
            use rayon::prelude::*;
            Keys {
                site: pieces::site_key(config, data, content),
                records: records
                    .par_iter()
                    .map(|r| pieces::record_key(r, history))
                    .collect(),
                ends: records
                    .iter()
                    .map(|r| pieces::ends_piece(&service_id(r)))
                    .collect(),
            }
        };
        Export {
            keys,
            cx: Cx {
                config,
                data,
                history,
                ids,
                vocabularies,
                terms,
                regions,
            },
            records,
            named,
            taxonomies,
            taxonomy_terms,
        }
    }

    /// The taxonomies and their terms: the tables made before any record.
    fn vocabulary_rows(&self) -> Tables {
        Tables {
            taxonomies: self.taxonomies.clone(),
            taxonomy_terms: self.taxonomy_terms.clone(),
            ..Default::default()
        }
    }

    /// What record `i` itself names as its organization.
    fn named_parent(&self, i: usize) -> OrgOf<'a> {
        let m = &self.records[i].meta;
        let name = text_of(&m.name).unwrap_or(&self.records[i].slug);
        // A parent named like the record itself is the record.
        let parent = m
            .organization
            .as_deref()
            .filter(|o| crate::ru::name_key(o) != crate::ru::name_key(name));
        let Some(parent) = parent else {
            return OrgOf::Own;
        };
        let region = region_of(self.records[i]);
        match self
            .named
            .get(&(region.to_string(), crate::ru::name_key(parent)))
        {
            Some(&other) => OrgOf::Record(other),
            None => OrgOf::Parent(parent),
        }
    }

    /// Where record `i`'s organization comes from. A parent that is a
    /// record with a parent of its own leads on to that one, up to the
    /// record that is its own organization or names one without a record
    /// (so every organization id a service gives is listed). Records that
    /// name each other in a ring are the organization of the first of them.
    fn org_of(&self, i: usize) -> OrgOf<'a> {
        let mut chain = vec![i];
        let mut at = i;
        loop {
            match self.named_parent(at) {
                OrgOf::Record(next) if chain.contains(&next) => {
                    let ring = &chain[chain.iter().position(|&c| c == next).unwrap_or(0)..];
                    let first = ring.iter().copied().min().unwrap_or(next);
                    return if first == i {
                        OrgOf::Own
                    } else {
                        OrgOf::Record(first)
                    };
                }
                OrgOf::Record(next) => {
                    chain.push(next);
                    at = next;
                }
                OrgOf::Own if at == i => return OrgOf::Own,
                OrgOf::Own => return OrgOf::Record(at),
                parent @ OrgOf::Parent(_) => return parent,
            }
        }
    }

    /// The id of record `i`'s organization.
    fn org_id(&self, i: usize, of: &OrgOf) -> String {
        match *of {
            OrgOf::Own => self.cx.ids.of("organization", &service_id(self.records[i])),
            OrgOf::Record(other) => self
                .cx
                .ids
                .of("organization", &service_id(self.records[other])),
            OrgOf::Parent(parent) => self.cx.ids.of(
                "organization",
                &format!(
                    "{}/{}",
                    region_of(self.records[i]),
                    crate::ru::name_key(parent)
                ),
            ),
        }
    }

    /// The row of record `i`'s organization as the organizations table holds it.
    fn org_row(&self, i: usize, of: &OrgOf) -> Organization {
        let id = self.org_id(i, of);
        match *of {
            OrgOf::Own => self.own_organization(i, id),
            OrgOf::Parent(parent) => Organization {
                id,
                name: parent.to_string(),
                // HSDS requires a description; all we know is the name.
                description: mapping::parent_description(&self.cx.region_name(self.records[i])),
                ..Default::default()
            },
            OrgOf::Record(other) => self.own_organization(other, id),
        }
    }

    /// Record `i` as an organization: its name, text, e-mail and website.
    fn own_organization(&self, i: usize, id: String) -> Organization {
        let rec = self.records[i];
        let m = &rec.meta;
        Organization {
            id,
            name: text_of(&m.name).unwrap_or(&rec.slug).to_string(),
            description: rec.markdown().trim().to_string(),
            email: m.emails.first().map(|e| e.get_ref().clone()),
            website: website(rec),
            ..Default::default()
        }
    }

    /// Every row of record `i`; its organization's row among them when the
    /// record `introduces` it (it is its own, or the first to name a parent).
    fn rows(&self, i: usize, of: &OrgOf, introduces: bool) -> Tables {
        let mut t = Tables::default();
        let organization_id = self.org_id(i, of);
        if introduces {
            t.organizations.push(self.org_row(i, of));
        }
        service(&self.cx, self.records[i], organization_id, &mut t);
        t
    }

    /// Record `i`'s location rows: its location, address, location
    /// attributes and service-at-location (none when it has no place).
    fn place_rows(&self, i: usize) -> Tables {
        let rec = self.records[i];
        let rid = service_id(rec);
        let service = self.cx.ids.of("service", &rid);
        let organization = self.org_id(i, &self.org_of(i));
        let mut t = Tables::default();
        let region_name = self.cx.region_name(rec);
        location(
            &self.cx,
            rec,
            &rid,
            &service,
            &organization,
            &region_name,
            &mut t,
        );
        t
    }

    /// Record `i`'s location with its addresses and attributes nested.
    fn place(&self, i: usize) -> Option<Location> {
        let t = self.place_rows(i);
        t.locations.first().map(|l| nest_location(&t, l))
    }

    /// Every record's place in `records`, in order, with where its
    /// organization comes from and whether the record introduces it into the
    /// organizations table (it is its own, or the first record to name a
    /// parent without a record).
    fn walk(&self) -> impl Iterator<Item = (usize, OrgOf<'a>, bool)> + '_ {
        let mut parents: HashSet<String> = HashSet::new();
        (0..self.records.len()).map(move |i| {
            let of = self.org_of(i);
            let introduces = match of {
                OrgOf::Own => true,
                OrgOf::Parent(_) => parents.insert(self.org_id(i, &of)),
                OrgOf::Record(_) => false,
            };
            (i, of, introduces)
        })
    }

    /// The organizations table's shape without its rows: the records that
    /// introduce an organization, in order, and the places each organization
    /// has besides its own record's (a record's children, a parent's
    /// records), by organization id, in record order.
    fn organizations(&self) -> (Vec<u32>, HashMap<String, Vec<u32>>) {
        let (mut introducers, mut members) = (Vec::new(), HashMap::<String, Vec<u32>>::new());
        for (i, of, introduces) in self.walk() {
            if introduces {
                introducers.push(i as u32);
            }
            if !matches!(of, OrgOf::Own) && has_place(&self.records[i].meta) {
                members
                    .entry(self.org_id(i, &of))
                    .or_default()
                    .push(i as u32);
            }
        }
        (introducers, members)
    }

    /// What record `i`'s rows are made from: its own key, where its
    /// organization comes from (another record's key, when it is one), and
    /// whether it introduces that organization.
    fn item_key(&self, keys: &Keys, i: usize, of: &OrgOf, introduces: bool) -> u128 {
        let mut k = Key::new("item");
        k.key(keys.records[i]).number(u64::from(introduces));
        match *of {
            OrgOf::Own => k.number(0),
            OrgOf::Parent(name) => k.number(1).text(name),
            OrgOf::Record(other) => k.number(2).key(keys.records[other]),
        };
        k.done()
    }

    /// The JSON files and the tabular zip, each streamed into `sink`: the
    /// API's base answer and a list page per endpoint. Each service is
    /// complete (its organization, places, phones, contacts, hours, terms and
    /// sources); organizations carry their places and service-at-locations
    /// their place, and name the services by id, so nothing is written twice.
    /// Attributes name their term by id: the terms and their taxonomies are
    /// in their own lists. The lists and the package's tables are written in
    /// pieces of a few hundred records (`super::pieces`): a piece whose
    /// records did not change since the earlier build is copied from its
    /// file, the others are made on every core.
    pub fn write(&self, descriptor: &serde_json::Value, sink: &mut dyn Sink) -> io::Result<()> {
        use rayon::prelude::*;
        let base = serde_json::json!({
            "version": "3.0",
            "openapi_url": "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json",
        });
        sink.file(
            &format!("{}index.json", super::DIR),
            format!("{base}\n").as_bytes(),
        )?;

        let keys = &self.keys;
        // Which record introduces a parent organization is decided in record
        // order, once; the records' rows are then made in any order.
        let walk: Vec<(usize, OrgOf<'a>, bool)> = self.walk().collect();
        let items: Vec<u128> = walk
            .par_iter()
            .map(|(i, of, introduces)| self.item_key(keys, *i, of, *introduces))
            .collect();
        let services = |(i, of, introduces): &(usize, OrgOf<'a>, bool)| {
            let rows = self.rows(*i, of, *introduces);
            let org = match rows.organizations.first() {
                Some(own) => own.clone(),
                None => self.org_row(*i, of),
            };
            rows.services.first().map(|s| nest_service(&rows, s, org))
        };
        pieces::json_pages(
            sink,
            &self.paging("services"),
            keys.site,
            (&keys.ends, &items),
            &walk,
            services,
        )?;
        let runs = pieces::runs(&keys.ends);
        let csv_keys = pieces::piece_keys("csv", keys.site, &runs, &items);
        self.write_zip(descriptor, &walk, (&runs, &csv_keys), sink)?;
        drop(walk);

        let (introducers, members) = self.organizations();
        // An organization is its introducer's rows and its places: the
        // records of each, with where their organization comes from.
        let places = |i: usize, id: &str| -> Vec<u32> {
            let mut places: Vec<u32> = members.get(id).cloned().unwrap_or_default();
            if matches!(self.org_of(i), OrgOf::Own) && has_place(&self.records[i].meta) {
                let at = places.partition_point(|&j| (j as usize) < i);
                places.insert(at, i as u32);
            }
            places
        };
        let organization = |&i: &u32| {
            let i = i as usize;
            let of = self.org_of(i);
            let mut org = self.org_row(i, &of);
            org.locations = places(i, &org.id)
                .iter()
                .filter_map(|&j| self.place(j as usize))
                .collect();
            Some(org)
        };
        let organization_keys: Vec<u128> = introducers
            .par_iter()
            .map(|&i| {
                let i = i as usize;
                let of = self.org_of(i);
                let mut k = Key::new("organization");
                k.key(self.item_key(keys, i, &of, true));
                for j in places(i, &self.org_id(i, &of)) {
                    let j = j as usize;
                    k.key(self.item_key(keys, j, &self.org_of(j), false));
                }
                k.done()
            })
            .collect();
        let ends: Vec<bool> = introducers.iter().map(|&i| keys.ends[i as usize]).collect();
        pieces::json_pages(
            sink,
            &self.paging("organizations"),
            keys.site,
            (&ends, &organization_keys),
            &introducers,
            organization,
        )?;
        drop(members);

        let with_place: Vec<usize> = (0..self.records.len())
            .filter(|&i| has_place(&self.records[i].meta))
            .collect();
        let service_at_location = |&i: &usize| {
            let mut t = self.place_rows(i);
            t.service_at_locations.pop().map(|mut sal| {
                sal.location = t.locations.first().map(|l| Box::new(nest_location(&t, l)));
                sal
            })
        };
        let place_keys: Vec<u128> = with_place
            .par_iter()
            .map(|&i| self.item_key(keys, i, &self.org_of(i), false))
            .collect();
        let ends: Vec<bool> = with_place.iter().map(|&i| keys.ends[i]).collect();
        pieces::json_pages(
            sink,
            &self.paging("service_at_locations"),
            keys.site,
            (&ends, &place_keys),
            &with_place,
            service_at_location,
        )?;
        page(
            sink,
            "taxonomies.json",
            self.taxonomies.len(),
            self.taxonomies.iter(),
        )?;
        let terms = self.taxonomy_terms.iter().map(|term| {
            let mut term = term.clone();
            term.taxonomy_detail = self
                .taxonomies
                .iter()
                .find(|x| x.id == term.taxonomy_id)
                .map(|x| Box::new(x.clone()));
            term
        });
        page(
            sink,
            "taxonomy_terms.json",
            self.taxonomy_terms.len(),
            terms,
        )
    }

    /// How the list `what` is cut into pages (`[open_data] hsds_per_page`).
    fn paging<'p>(&self, what: &'p str) -> pieces::Paging<'p> {
        pieces::Paging {
            what,
            dir: super::DIR,
            per_page: self.cx.config.open_data.per_page(),
            head: &page_head,
        }
    }

    /// The tabular package: each table's CSV in pieces of the records of
    /// `runs` (keyed by `keys` and the table), compressed apart; a piece the
    /// earlier zip holds is copied from it. The pieces made now are
    /// compressed on every core into one temporary file per table, since
    /// the zip holds the tables one after another; the vocabularies' rows
    /// and the header rows are made every time (they are small).
    fn write_zip(
        &self,
        descriptor: &serde_json::Value,
        walk: &[(usize, OrgOf<'a>, bool)],
        (runs, keys): (&[std::ops::Range<usize>], &[u128]),
        sink: &mut dyn Sink,
    ) -> io::Result<()> {
        // The zip is its descriptor, the vocabularies' rows and the header
        // rows (all made from the settings and the data files, which the
        // site's key covers) and the tables' pieces.
        let mut zip_key = Key::new("zip");
        zip_key.text(&descriptor.to_string());
        for &k in keys {
            zip_key.key(k);
        }
        sink.pieces(super::ZIP, zip_key.done(), &mut |p| {
            let mut made = tabular::MadePieces::new();
            let table_key =
                |r: usize, t: usize| Key::new("table").key(keys[r]).number(t as u64).done();
            let tables = tabular::resources().len();
            let all: Vec<usize> = (0..runs.len()).collect();
            for batch in all.chunks(4) {
                use rayon::prelude::*;
                let lacking: Vec<usize> = batch
                    .iter()
                    .copied()
                    .filter(|&r| (0..tables).any(|t| p.earlier(table_key(r, t)).is_none()))
                    .collect();
                let compressed: Vec<(usize, Vec<Deflated>)> = lacking
                    .par_iter()
                    .map(|&r| {
                        let mut lines = tabular::Lines::default();
                        for (i, of, introduces) in &walk[runs[r].clone()] {
                            lines.extend(tabular::Lines::of(&self.rows(*i, of, *introduces))?);
                        }
                        Ok((r, lines.deflate()?))
                    })
                    .collect::<io::Result<_>>()?;
                for (r, tables) in compressed {
                    made.add(r, tables)?;
                }
            }
            let head = tabular::Lines::with_header(&self.vocabulary_rows())?;
            tabular::write_zip(p, descriptor, &head, runs.len(), &table_key, &mut made)
        })
    }
}

/// A list's page, up to its items: what [`pieces::json_list`] writes before
/// them.
fn page_head(head: pieces::PageHead) -> io::Result<String> {
    // Compact JSON of a list is `[` and its items' JSON joined by commas:
    // the page around them is serialized once, empty.
    let empty = serde_json::to_string(&Page::of(head, [(); 0]))?;
    match empty.strip_suffix("[]}") {
        Some(head) => Ok(head.to_string()),
        None => Err(io::Error::other("the list is not the page's last field")),
    }
}

fn region_of(rec: &Record<ServiceMeta>) -> &str {
    rec.meta
        .region
        .as_ref()
        .map_or("", |r| r.get_ref().as_str())
}

/// The record's website as HSDS wants it: ASCII, a Cyrillic host in its IDNA
/// form (the same address).
fn website(rec: &Record<ServiceMeta>) -> Option<String> {
    rec.meta
        .website
        .as_ref()
        .map(|w| super::uri::to_ascii(w.get_ref()))
}

/// What every service row is made with.
struct Cx<'a> {
    config: &'a Config,
    data: &'a Data,
    history: &'a History,
    ids: Ids,
    vocabularies: Vec<Vocabulary>,
    terms: HashMap<(String, String), TaxonomyTerm>,
    /// Region code → name.
    regions: HashMap<String, String>,
}

impl Cx<'_> {
    /// The name of the record's region (its code where it has no record).
    fn region_name(&self, rec: &Record<ServiceMeta>) -> String {
        let region = region_of(rec);
        self.regions
            .get(region)
            .cloned()
            .unwrap_or_else(|| region.to_string())
    }
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

/// One service record's service row and everything hanging off it (its
/// organization's row aside: see [`Export::rows`]).
fn service(cx: &Cx, rec: &Record<ServiceMeta>, organization_id: String, t: &mut Tables) {
    let m = &rec.meta;
    let rid = service_id(rec);
    let id = cx.ids.of("service", &rid);
    let name = text_of(&m.name).unwrap_or(&rec.slug).to_string();
    let region = region_of(rec);
    let region_name = cx.region_name(rec);
    let body = rec.markdown().trim().to_string();
    let emails: Vec<String> = m.emails.iter().map(|e| e.get_ref().clone()).collect();

    let age = |i: usize| m.ages().and_then(|a| number(f64::from(a[i]) / 12.0));
    t.services.push(Service {
        id: id.clone(),
        organization_id: organization_id.clone(),
        name,
        alternate_name: m.short_name.clone(),
        description: Some(body).filter(|b| !b.is_empty()),
        url: website(rec),
        email: emails.first().cloned(),
        // HSDS requires one of four states and has none for "unknown":
        // "active" here means listed, not checked to be open (the open-data
        // page says so; `assured_date` is the only assurance).
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
    // file's modification time: the page's «Последнее изменение на сайте») is the date
    // of the last action on what its citations back.
    let changed = cx.history.updated(&rec.file.rel).unwrap_or_default();
    for (i, s) in m.sources.iter().enumerate() {
        let key = format!("{rid}/{}", i + 1);
        t.metadata.push(provenance(cx, s, &id, &key, &changed));
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
    if !has_place(m) {
        return;
    }
    let point = m.location.as_ref().map(|l| l.get_ref());
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
        name: text_of(&m.municipality).map(str::to_string),
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
        .zip(text_of(&m.municipality))
        .and_then(|(a, city)| Some((a.clone(), city.to_string(), postal_code(a)?)));
    match full {
        Some((address_1, city, postal_code)) => t.addresses.push(Address {
            id: cx.ids.of("address", rid),
            location_id: location_id.clone(),
            postal_code,
            address_1,
            city,
            region: text_of(&m.district).map(str::to_string),
            state_province: region_name.to_string(),
            country: "RU",
            address_type: "physical",
        }),
        None => {
            let parts = [
                ("municipality", text_of(&m.municipality)),
                ("district", text_of(&m.district)),
                ("address", m.address.as_deref()),
            ];
            for (code, value) in parts {
                if let Some(value) = value {
                    let key = format!("{rid}/{PLACE}/{code}");
                    attribute(
                        cx,
                        PLACE,
                        code,
                        &location_id,
                        &key,
                        Some(value.to_string()),
                        t,
                    );
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
            None => d.title.to_string(),
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
    sink::json(
        sink,
        &format!("{}{name}", super::DIR),
        &list_page(count, items),
        true,
    )
}

fn list_page<I>(count: usize, items: I) -> Page<Each<I>> {
    let whole = pieces::PageHead {
        total: count,
        pages: 1,
        number: 1,
        size: count,
    };
    Page::of(whole, Each::new(items))
}

impl<C> Page<C> {
    /// The page `head` describes, holding `contents`.
    fn of(head: pieces::PageHead, contents: C) -> Page<C> {
        Page {
            total_items: head.total,
            total_pages: head.pages,
            page_number: head.number,
            size: head.size,
            first_page: head.number == 1,
            last_page: head.number == head.pages,
            empty: head.total == 0,
            contents,
        }
    }
}

/// Whether the record says anything about where the service is: a point,
/// a town, an address or a district — what makes a location row.
fn has_place(m: &ServiceMeta) -> bool {
    m.location.is_some() || m.municipality.is_some() || m.address.is_some() || m.district.is_some()
}

/// The rows among `rows` whose foreign key (`key`) is `id`.
fn of<T: Clone>(rows: &[T], id: &str, key: impl Fn(&T) -> &str) -> Vec<T> {
    rows.iter().filter(|r| key(r) == id).cloned().collect()
}

/// `location` of one record's `rows` with its addresses and attributes.
fn nest_location(rows: &Tables, location: &Location) -> Location {
    let mut l = location.clone();
    l.addresses = of(&rows.addresses, &l.id, |x| &x.location_id);
    l.attributes = of(&rows.attributes, &l.id, |x| &x.link_id);
    l
}

/// `service` of one record's `rows` with everything that belongs to it, and
/// its organization's row.
fn nest_service(rows: &Tables, service: &Service, organization: Organization) -> Service {
    let mut s = service.clone();
    let id = s.id.as_str();
    s.phones = of(&rows.phones, id, |x| &x.service_id);
    s.schedules = of(&rows.schedules, id, |x| &x.service_id);
    s.service_areas = of(&rows.service_areas, id, |x| &x.service_id);
    s.contacts = of(&rows.contacts, id, |x| &x.service_id);
    s.attributes = of(&rows.attributes, id, |x| &x.link_id);
    s.metadata = of(&rows.metadata, id, |x| &x.resource_id);
    s.service_at_locations = of(&rows.service_at_locations, id, |x| &x.service_id)
        .into_iter()
        .map(|mut sal| {
            sal.location = rows
                .locations
                .iter()
                .find(|l| l.id == sal.location_id)
                .map(|l| Box::new(nest_location(rows, l)));
            sal
        })
        .collect();
    s.organization = Some(Box::new(organization));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::pieces::{Earlier, Pieces};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A sink that keeps each file with where its pieces lie, and lets the
    /// next list written at the same path copy them: a build and the one
    /// after it, in memory.
    #[derive(Default)]
    struct Remembering(HashMap<String, (Vec<u8>, Vec<u8>)>, HashMap<String, u128>);

    impl Sink for Remembering {
        fn file(&mut self, path: &str, bytes: &[u8]) -> io::Result<()> {
            self.0.insert(path.into(), (bytes.to_vec(), Vec::new()));
            Ok(())
        }

        fn stream(&mut self, path: &str, fill: sink::Fill<'_>) -> io::Result<()> {
            let mut out = io::Cursor::new(Vec::new());
            fill(&mut out)?;
            self.file(path, &out.into_inner())
        }

        fn pieces(&mut self, path: &str, key: u128, fill: sink::PieceFill<'_>) -> io::Result<()> {
            if self.1.insert(path.into(), key) == Some(key) {
                return Ok(());
            }
            let earlier = self.0.remove(path).and_then(|(bytes, index)| {
                Earlier::new(Box::new(bytes.clone()), bytes.len() as u64, &index)
            });
            let mut out = io::Cursor::new(Vec::new());
            let mut p = Pieces::new(&mut out, earlier.as_ref());
            fill(&mut p)?;
            let index = p.finish().encode();
            self.0.insert(path.into(), (out.into_inner(), index));
            Ok(())
        }
    }

    /// `work` as a list in pieces ending after every multiple of 7 (keys:
    /// the items themselves, so an item changes its piece's key), and how
    /// many items were made.
    fn list(
        sink: &mut dyn Sink,
        work: &[u32],
        item: fn(u32) -> Option<String>,
    ) -> (Vec<u8>, usize) {
        let ends: Vec<bool> = work.iter().map(|n| n % 7 == 0).collect();
        let runs = pieces::runs(&ends);
        let items: Vec<u128> = work.iter().map(|&n| u128::from(n)).collect();
        let keys = pieces::piece_keys("test", 1, &runs, &items);
        let count = work.iter().filter(|&&n| item(n).is_some()).count();
        let made = AtomicUsize::new(0);
        let head = pieces::PageHead {
            total: count,
            pages: 1,
            number: 1,
            size: count,
        };
        let mut key = Key::new("test list");
        for &k in &keys {
            key.key(k);
        }
        pieces::json_list(
            sink,
            "x.json",
            (&page_head(head).unwrap(), key.done()),
            (&runs, &keys),
            work,
            |&n| {
                made.fetch_add(1, Ordering::Relaxed);
                item(n)
            },
        )
        .unwrap();
        let mut files: Vec<crate::output::OutputFile> = Vec::new();
        page(
            &mut files,
            "x.json",
            count,
            work.iter().filter_map(|&n| item(n)),
        )
        .unwrap();
        (files.remove(0).1, made.into_inner())
    }

    #[test]
    fn a_list_in_pieces_is_the_list_made_one_by_one_and_copies_what_did_not_change() {
        let named = |n: u32| Some(format!("«служба» № {n}"));
        let every_third = |n: u32| n.is_multiple_of(3).then(|| format!("{n}\"\n"));
        let work: Vec<u32> = (1..3000).collect();
        for item in [named as fn(u32) -> Option<String>, every_third] {
            for work in [&work[..], &work[..1], &[], &work[..7], &[7, 14, 21]] {
                let mut sink = Remembering::default();
                let (one_by_one, made) = list(&mut sink, work, item);
                assert_eq!(
                    String::from_utf8(sink.0["x.json"].0.clone()).unwrap(),
                    String::from_utf8(one_by_one).unwrap()
                );
                assert_eq!(made, work.len());
                // Again, unchanged: every piece is copied.
                let (again, made) = list(&mut sink, work, item);
                assert_eq!(sink.0["x.json"].0, again);
                assert_eq!(made, 0);
            }
            // One item replaced (a new key): only its piece is made again.
            let mut sink = Remembering::default();
            list(&mut sink, &work, item);
            let mut changed = work.clone();
            changed[100] = 100_000;
            let (one_by_one, made) = list(&mut sink, &changed, item);
            assert_eq!(sink.0["x.json"].0, one_by_one);
            assert_eq!(made, 7, "the piece of items 99..=105");
        }
        let mut sink = Remembering::default();
        list(&mut sink, &[], named);
        assert!(
            String::from_utf8(sink.0["x.json"].0.clone())
                .unwrap()
                .contains("\"empty\":true,\"contents\":[]}")
        );
    }

    /// `work` as pages of 10 (pieces end after multiples of 7, keyed by the
    /// items themselves), and which items were made.
    fn pages(sink: &mut dyn Sink, work: &[u32]) -> Vec<u32> {
        let ends: Vec<bool> = work.iter().map(|n| n % 7 == 0).collect();
        let items: Vec<u128> = work.iter().map(|&n| u128::from(n)).collect();
        let made = std::sync::Mutex::new(Vec::new());
        let paging = pieces::Paging {
            what: "things",
            dir: "data/",
            per_page: 10,
            head: &page_head,
        };
        pieces::json_pages(sink, &paging, 1, (&ends, &items), work, |&n| {
            made.lock().unwrap().push(n);
            Some(format!("№ {n}"))
        })
        .unwrap();
        let mut made = made.into_inner().unwrap();
        made.sort();
        made
    }

    fn page_json(sink: &Remembering, path: &str) -> serde_json::Value {
        serde_json::from_slice(&sink.0[path].0).unwrap()
    }

    #[test]
    fn a_long_list_is_written_as_pages_of_the_api_and_an_edit_makes_one_page_again() {
        let work: Vec<u32> = (1..=95).collect();
        let mut sink = Remembering::default();
        assert_eq!(pages(&mut sink, &work), work);
        let mut names: Vec<&String> = sink.0.keys().collect();
        names.sort();
        assert_eq!(names.len(), 10);
        assert_eq!(names[0], "data/things-10.json");
        let mut all = Vec::new();
        for n in 1..=10 {
            let path = match n {
                1 => "data/things.json".to_string(),
                n => format!("data/things-{n}.json"),
            };
            let page = page_json(&sink, &path);
            let size = if n == 10 { 5 } else { 10 };
            assert_eq!(page["total_items"], 95, "{path}");
            assert_eq!(page["total_pages"], 10, "{path}");
            assert_eq!(page["page_number"], n, "{path}");
            assert_eq!(page["size"], size, "{path}");
            assert_eq!(page["first_page"], n == 1, "{path}");
            assert_eq!(page["last_page"], n == 10, "{path}");
            assert_eq!(page["empty"], false, "{path}");
            let contents = page["contents"].as_array().unwrap();
            assert_eq!(contents.len(), size, "{path}");
            all.extend(contents.iter().map(|v| v.as_str().unwrap().to_string()));
        }
        let expected: Vec<String> = work.iter().map(|n| format!("№ {n}")).collect();
        assert_eq!(all, expected);

        // Unchanged: no page is made again, not even copied.
        let before = sink.0.clone();
        assert_eq!(pages(&mut sink, &work), Vec::<u32>::new());
        assert_eq!(sink.0, before);
        // One item edited: its page is made again, of it only its piece
        // (43 to 49, which ends at a multiple of 7).
        let mut edited = work.clone();
        edited[42] = 4300;
        assert_eq!(
            pages(&mut sink, &edited),
            vec![44, 45, 46, 47, 48, 49, 4300]
        );
        let page = page_json(&sink, "data/things-5.json");
        assert_eq!(page["contents"][2], "№ 4300");
        for (path, file) in &sink.0 {
            if path != "data/things-5.json" {
                assert_eq!(file, &before[path], "{path}");
            }
        }
        // One item more: every page says so, and the items shift.
        let mut longer = work.clone();
        longer.push(96);
        pages(&mut sink, &longer);
        assert_eq!(page_json(&sink, "data/things.json")["total_items"], 96);
        assert_eq!(page_json(&sink, "data/things-10.json")["size"], 6);
        // None: one empty page.
        let mut sink = Remembering::default();
        pages(&mut sink, &[]);
        assert_eq!(sink.0.len(), 1);
        let page = page_json(&sink, "data/things.json");
        assert_eq!(page["empty"], true);
        assert_eq!(page["total_pages"], 1);
        assert_eq!(page["last_page"], true);
    }
}
