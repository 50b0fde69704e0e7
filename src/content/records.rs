//! Typed records: the front matter of each collection, as serde reads it.
//!
//! Fields an editor must fill are `Option` here on purpose: serde would stop at
//! the first missing one, while the validator reports every missing field at once.
//! Values that validation points into are `Spanned`, so a diagnostic can name
//! the exact line and column.

use serde::{Deserialize, Serialize};
use toml::Spanned;

pub type S<T> = Spanned<T>;

/// A citation: a document from `data/sources.toml` and a line, or a URL.
///
/// `quote` is a short passage of the document at (or a few lines around) the
/// cited line; `opora check` finds it in the document's text kept in the
/// repository, so every claim can be traced to the words it rests on.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub doc: Option<S<String>>,
    pub line: Option<u32>,
    pub quote: Option<S<String>>,
    pub url: Option<S<String>>,
    pub title: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    Exact,
    Street,
    City,
}

impl Precision {
    pub fn label(self) -> &'static str {
        match self {
            Precision::Exact => "точный адрес",
            Precision::Street => "улица",
            Precision::City => "только город",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    pub lat: f64,
    pub lon: f64,
    pub precision: Precision,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum PhoneEntry {
    Plain(String),
    Detailed {
        number: String,
        note: Option<String>,
    },
}

impl PhoneEntry {
    pub fn number(&self) -> &str {
        match self {
            PhoneEntry::Plain(n) | PhoneEntry::Detailed { number: n, .. } => n,
        }
    }
    pub fn note(&self) -> Option<&str> {
        match self {
            PhoneEntry::Plain(_) => None,
            PhoneEntry::Detailed { note, .. } => note.as_deref(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub name: String,
    pub role: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Municipality {
    pub name: String,
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

/// The region's «Дети в семье» service, numbers as written in the source.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DvsService {
    pub created: Option<String>,
    pub organizations: Option<String>,
    pub specialists: Option<String>,
    pub trained: Option<String>,
    pub families: Option<String>,
    pub returned: Option<String>,
    pub placed: Option<String>,
    pub note: Option<String>,
    pub source: Option<Source>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RegionMeta {
    pub code: Option<S<String>>,
    pub name: Option<String>,
    pub name_in: Option<String>,
    pub centre: Option<String>,
    pub timezone: Option<String>,
    #[serde(default)]
    pub roles: Vec<S<String>>,
    pub bbox: Option<S<[f64; 4]>>,
    pub centre_location: Option<LatLon>,
    pub summary: Option<String>,
    #[serde(default)]
    pub sources: Vec<Source>,
    pub dvs: Option<DvsService>,
    #[serde(default)]
    pub municipalities: Vec<Municipality>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceMeta {
    pub name: Option<String>,
    pub short_name: Option<String>,
    pub organization: Option<String>,
    pub kind: Option<S<String>>,
    #[serde(default)]
    pub needs: Vec<S<String>>,
    #[serde(default)]
    pub audience: Vec<S<String>>,
    pub region: Option<S<String>>,
    pub municipality: Option<String>,
    pub district: Option<String>,
    pub address: Option<String>,
    pub location: Option<S<Location>>,
    #[serde(default)]
    pub phones: Vec<S<PhoneEntry>>,
    #[serde(default)]
    pub emails: Vec<S<String>>,
    pub website: Option<S<String>>,
    #[serde(default)]
    pub contacts: Vec<Person>,
    pub hours: Option<String>,
    pub age_months: Option<S<[u32; 2]>>,
    pub cost: Option<String>,
    pub eligibility: Option<String>,
    pub how_to_apply: Option<String>,
    pub verified: Option<S<toml::value::Datetime>>,
    #[serde(default)]
    pub sources: Vec<Source>,
}

/// Contacts of a practice's organization when it has no service record.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Contacts {
    #[serde(default)]
    pub phones: Vec<S<PhoneEntry>>,
    #[serde(default)]
    pub emails: Vec<S<String>>,
    pub website: Option<S<String>>,
    #[serde(default)]
    pub people: Vec<Person>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PassportKind {
    Full,
    Partial,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PracticeMeta {
    pub title: Option<String>,
    pub short_title: Option<String>,
    pub region: Option<S<String>>,
    pub organization: Option<S<String>>,
    pub organization_name: Option<String>,
    pub contacts: Option<Contacts>,
    #[serde(default)]
    pub directions: Vec<S<String>>,
    #[serde(default)]
    pub target_groups: Vec<S<String>>,
    pub year: Option<S<i64>>,
    pub passport: Option<PassportKind>,
    pub summary: Option<String>,
    pub collection: Option<String>,
    #[serde(default)]
    pub sources: Vec<Source>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Module {
    pub title: String,
    pub hours: Option<f64>,
    pub audience: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Trained {
    #[serde(rename = "where")]
    pub place: Option<String>,
    pub region: Option<S<String>>,
    pub count: Option<String>,
    pub year: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeMeta {
    pub title: Option<String>,
    pub kind: Option<S<String>>,
    pub provider: Option<String>,
    #[serde(default)]
    pub audience: Vec<S<String>>,
    pub format: Option<String>,
    pub hours: Option<f64>,
    #[serde(default)]
    pub regions: Vec<S<String>>,
    #[serde(default)]
    pub directions: Vec<S<String>>,
    pub summary: Option<String>,
    #[serde(default)]
    pub modules: Vec<Module>,
    #[serde(default)]
    pub trained: Vec<Trained>,
    #[serde(default)]
    pub stats: Vec<S<String>>,
    #[serde(default)]
    pub sources: Vec<Source>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Branch {
    pub label: String,
    pub text: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub title: Option<String>,
    pub actor: Option<String>,
    pub deadline: Option<String>,
    pub text: Option<String>,
    #[serde(default)]
    pub bring: Vec<String>,
    #[serde(default)]
    pub needs: Vec<S<String>>,
    #[serde(default)]
    pub branches: Vec<Branch>,
    /// What this step rests on: a quoted citation per claim.
    #[serde(default)]
    pub sources: Vec<Source>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RouteMeta {
    pub title: Option<String>,
    pub audience: Option<S<String>>,
    pub region: Option<S<String>>,
    #[serde(default)]
    pub needs: Vec<S<String>>,
    pub summary: Option<String>,
    #[serde(default)]
    pub sources: Vec<Source>,
    #[serde(default)]
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PageMeta {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub menu: Option<i64>,
    pub audience: Option<S<String>>,
    #[serde(default)]
    pub sources: Vec<Source>,
}
