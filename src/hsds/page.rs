//! What the `/open-data/` page says about the HSDS files: where they are, the
//! taxonomies (each term with the anchor its `term_uri` points at) and the
//! mapping table with each field's Russian description from the collection's
//! schema. Made once per build and kept in the site's store under
//! [`STORE_KEY`], so the page (a site section, not a collection) reads it.

use serde::Serialize;

use super::mapping::{self, SERVICE_FIELDS};
use crate::content::Data;

/// The key of [`OpenDataView`] in `Site::store`.
pub const STORE_KEY: &str = "open-data/hsds";

#[derive(Debug, Clone, Serialize)]
pub struct OpenDataView {
    /// The tabular package's zip, site-relative.
    pub zip: String,
    /// The JSON lists: (file, site-relative path).
    pub json: Vec<JsonFile>,
    /// How many items each page of a list holds (`[open_data] hsds_per_page`).
    pub per_page: usize,
    pub vocabularies: Vec<VocabularyView>,
    pub mapping: Vec<MappingRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct JsonFile {
    pub name: &'static str,
    pub path: String,
    /// What it holds, in Russian.
    pub what: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct VocabularyView {
    pub id: String,
    pub name: String,
    /// The attribute `link_type` that links its terms; none for target groups.
    pub link_type: Option<&'static str>,
    pub terms: Vec<TermView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TermView {
    pub code: String,
    pub name: String,
    pub description: String,
    /// `needs-crisis`: the anchor of the term's URI on `/open-data/`.
    pub anchor: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MappingRow {
    pub field: &'static str,
    /// What the field holds, from the collection's schema.
    pub description: String,
    pub hsds: &'static [&'static str],
    pub note: &'static str,
}

/// The lists and what each holds (a long list: its first page, see
/// `pieces::Paging`).
const JSON_FILES: [(&str, &str); 6] = [
    (
        "services.json",
        "службы со всем, что к ним относится: организация, место и адрес, телефоны, контакты, часы работы, регион, термины словарей, источники",
    ),
    ("organizations.json", "организации и их места"),
    (
        "service_at_locations.json",
        "связи службы с местом, где она работает",
    ),
    ("taxonomies.json", "словари"),
    ("taxonomy_terms.json", "термины словарей"),
    ("index.json", "версия HSDS и адрес описания API (OpenAPI)"),
];

pub fn view(data: &Data, config: &crate::config::Config) -> OpenDataView {
    let described: Vec<(String, String)> = crate::collections::by_name("services")
        .map(|(_, c)| {
            crate::collections::fields(c)
                .into_iter()
                .map(|f| (f.name, f.description))
                .collect()
        })
        .unwrap_or_default();
    let description = |field: &str| match field {
        "(файл)" => "Папка региона и имя файла записи.".to_string(),
        "(текст)" => "Текст записи под полями.".to_string(),
        _ => described
            .iter()
            .find(|(n, _)| n == field)
            .map(|(_, d)| d.clone())
            .unwrap_or_default(),
    };
    OpenDataView {
        zip: super::ZIP.to_string(),
        json: JSON_FILES
            .iter()
            .map(|(name, what)| JsonFile {
                name,
                path: format!("{}{name}", super::DIR),
                what,
            })
            .collect(),
        per_page: config.open_data.per_page(),
        vocabularies: mapping::vocabularies(data)
            .into_iter()
            .map(|v| VocabularyView {
                terms: v
                    .terms
                    .iter()
                    .map(|t| TermView {
                        code: t.code.clone(),
                        name: t.name.clone(),
                        description: t.description.clone(),
                        anchor: format!("{}-{}", v.id, t.code),
                    })
                    .collect(),
                link_type: (v.link != mapping::Link::None).then_some(v.link_type),
                id: v.id,
                name: v.name,
            })
            .collect(),
        mapping: SERVICE_FIELDS
            .iter()
            .map(|m| MappingRow {
                field: m.field,
                description: description(m.field),
                hsds: m.hsds,
                note: m.note,
            })
            .collect(),
    }
}
