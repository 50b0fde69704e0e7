//! The HSDS 3.0 objects the portal publishes, as typed rows.
//!
//! One struct per HSDS table, fields in the specification's order, so the
//! JSON reads like the specification's examples. A row carries its foreign
//! keys (`service_id`, `location_id`…), which the tabular form needs, and —
//! empty in the tables, filled in the JSON — the objects nested under it.
//! Only what the portal can fill is modelled; everything here is optional in
//! the specification unless it says otherwise (`id`, `name`, `status`…).

use serde::Serialize;
use serde_json::Number;

/// `skip_serializing_if` for nested lists: absent rather than `[]`.
fn none<T>(v: &[T]) -> bool {
    v.is_empty()
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Organization {
    pub id: String,
    pub name: String,
    /// Required by HSDS; empty when the sources say nothing about the organization.
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    #[serde(skip_serializing_if = "none")]
    pub locations: Vec<Location>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Service {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alternate_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_process: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fees_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eligibility_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum_age: Option<Number>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_age: Option<Number>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assured_date: Option<String>,
    #[serde(skip_serializing_if = "none")]
    pub phones: Vec<Phone>,
    #[serde(skip_serializing_if = "none")]
    pub schedules: Vec<Schedule>,
    #[serde(skip_serializing_if = "none")]
    pub service_areas: Vec<ServiceArea>,
    #[serde(skip_serializing_if = "none")]
    pub service_at_locations: Vec<ServiceAtLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<Box<Organization>>,
    #[serde(skip_serializing_if = "none")]
    pub contacts: Vec<Contact>,
    #[serde(skip_serializing_if = "none")]
    pub attributes: Vec<Attribute>,
    #[serde(skip_serializing_if = "none")]
    pub metadata: Vec<Metadata>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ServiceAtLocation {
    pub id: String,
    pub service_id: String,
    pub location_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Box<Location>>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Location {
    pub id: String,
    pub location_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Says in words how exact the point is: a town centre is not an address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<Number>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<Number>,
    #[serde(skip_serializing_if = "none")]
    pub addresses: Vec<Address>,
    #[serde(skip_serializing_if = "none")]
    pub attributes: Vec<Attribute>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Address {
    pub id: String,
    pub location_id: String,
    /// The address as the source writes it. HSDS requires it, the town and
    /// the postal code: a place without all three has no address row.
    pub address_1: String,
    pub city: String,
    /// A district within the city (Moscow's «САО»).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub state_province: String,
    /// The index the address itself gives; never looked up.
    pub postal_code: String,
    pub country: &'static str,
    pub address_type: &'static str,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Phone {
    pub id: String,
    pub service_id: String,
    pub number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Contact {
    pub id: String,
    pub service_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Schedule {
    pub id: String,
    pub service_id: String,
    /// Opening hours as the source words them; never turned into rules the
    /// source does not state.
    pub description: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ServiceArea {
    pub id: String,
    pub service_id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Attribute {
    pub id: String,
    pub link_id: String,
    pub taxonomy_term_id: String,
    pub link_type: &'static str,
    pub link_entity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct TaxonomyTerm {
    pub id: String,
    pub code: String,
    pub name: String,
    pub description: String,
    /// The taxonomy's URI (HSDS: "if possible, provide a URI").
    pub taxonomy: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taxonomy_detail: Option<Box<Taxonomy>>,
    pub language: &'static str,
    pub taxonomy_id: String,
    pub term_uri: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Taxonomy {
    pub id: String,
    pub name: String,
    pub description: String,
    pub uri: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Metadata {
    pub id: String,
    pub resource_id: String,
    pub resource_type: &'static str,
    pub last_action_date: String,
    pub last_action_type: &'static str,
    pub field_name: String,
    pub previous_value: String,
    pub replacement_value: String,
    pub updated_by: String,
}

/// HSDS rows by table, each row with its foreign keys and nothing nested:
/// one record's rows as the export makes them (`export::Export::rows`). The
/// JSON nests them; the tabular form appends them to its tables.
#[derive(Debug, Clone, Default)]
pub struct Tables {
    pub organizations: Vec<Organization>,
    pub services: Vec<Service>,
    pub locations: Vec<Location>,
    pub service_at_locations: Vec<ServiceAtLocation>,
    pub addresses: Vec<Address>,
    pub phones: Vec<Phone>,
    pub contacts: Vec<Contact>,
    pub schedules: Vec<Schedule>,
    pub service_areas: Vec<ServiceArea>,
    pub attributes: Vec<Attribute>,
    pub taxonomies: Vec<Taxonomy>,
    pub taxonomy_terms: Vec<TaxonomyTerm>,
    pub metadata: Vec<Metadata>,
}

impl Tables {
    /// One table's rows as JSON objects, made one at a time, by the HSDS
    /// resource name (`service`, `phone`…), for the tabular form. A table
    /// the portal does not fill has none.
    pub fn rows_of<'a>(&'a self, name: &str) -> Box<dyn Iterator<Item = serde_json::Value> + 'a> {
        fn each<T: Serialize>(rows: &[T]) -> Box<dyn Iterator<Item = serde_json::Value> + '_> {
            Box::new(rows.iter().filter_map(|r| serde_json::to_value(r).ok()))
        }
        match name {
            "organization" => each(&self.organizations),
            "service" => each(&self.services),
            "location" => each(&self.locations),
            "service_at_location" => each(&self.service_at_locations),
            "address" => each(&self.addresses),
            "phone" => each(&self.phones),
            "contact" => each(&self.contacts),
            "schedule" => each(&self.schedules),
            "service_area" => each(&self.service_areas),
            "attribute" => each(&self.attributes),
            "taxonomy" => each(&self.taxonomies),
            "taxonomy_term" => each(&self.taxonomy_terms),
            "metadata" => each(&self.metadata),
            _ => Box::new(std::iter::empty()),
        }
    }
}

/// A JSON number that prints as an integer when it is one (`4`, not `4.0`).
pub fn number(x: f64) -> Option<Number> {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        Some(Number::from(x as i64))
    } else {
        Number::from_f64(x)
    }
}
