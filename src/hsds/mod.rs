//! Open Referral HSDS 3.0 out and in: the portal's services as the Human
//! Services Data Specification others' tools read, and such a package read
//! back into service records.
//!
//! - [`mapping`]: which of our fields goes where, and the taxonomies published
//!   — the one place the export, the import, the `/open-data/` page and the
//!   README's table follow.
//! - `export`: content → HSDS rows, record by record ([`model::Tables`]
//!   holds one record's handful) → the JSON files under `open-data/hsds/`
//!   (the API's objects, fully nested, in list pages), streamed; no table is
//!   ever held whole, so a million services fit in memory.
//! - `tabular`: the same rows as a Frictionless Tabular Data Package
//!   (`datapackage.json` + one CSV per table) in one deterministic zip
//!   (`package_zip`: each table compressed in pieces, into a temporary file
//!   as they are made); and reading such a package.
//! - `pieces`: the lists and the zip in pieces of ~256 records, keyed by
//!   what their records are made from, so a build copies from the earlier
//!   build's files every piece whose records did not change.
//! - [`uri`]: web addresses in ASCII for HSDS (IDNA hosts), and back.
//! - [`import`]: `opora import --hsds DIR_OR_ZIP` — JSON or tabular, with the
//!   CSV import's dry run, duplicate detection and merge rules.
//!
//! Identifiers are UUIDv5 of our record ids in the portal's namespace
//! ([`Ids`]), so they are the same in every build on every machine; the
//! output is byte-identical between builds of the same content.

pub(crate) mod export;
pub mod import;
pub mod mapping;
pub(crate) mod model;
mod package_zip;
pub mod page;
mod pieces;
mod read;
mod stream;
pub(crate) mod tabular;
pub mod uri;

use uuid::Uuid;

use crate::config::Config;

/// Where the export goes in the site.
pub const DIR: &str = "open-data/hsds/";
/// The tabular package's zip, linked from `/open-data/`.
pub const ZIP: &str = "open-data/hsds/hsds-tabular.zip";

/// The HSDS files of the site, the JSON lists and the tabular zip, each
/// streamed into `sink` as it is made.
pub fn write_files(
    config: &Config,
    data: &crate::content::Data,
    content: &crate::content::Content,
    history: &crate::history::History,
    sink: &mut dyn crate::output::Sink,
) -> std::io::Result<()> {
    let descriptor = tabular::package_descriptor(config);
    export::Export::new(config, data, content, history).write(&descriptor, sink)
}

/// Identifiers: UUIDv5 of `<table>/<our key>` in the portal's namespace.
pub struct Ids {
    namespace: Uuid,
}

impl Ids {
    /// `[open_data] hsds_namespace`, else a namespace derived from `base_url`.
    pub fn new(config: &Config) -> Ids {
        Ids {
            namespace: config
                .open_data
                .hsds_namespace
                .unwrap_or_else(|| Uuid::new_v5(&Uuid::NAMESPACE_URL, config.base_url.as_bytes())),
        }
    }

    /// The identifier of `key` (a record id, or a record id and a number) in `table`.
    pub fn of(&self, table: &str, key: &str) -> String {
        Uuid::new_v5(&self.namespace, format!("{table}/{key}").as_bytes()).to_string()
    }
}
