//! The editing interface at `/admin/`: a git-based CMS (Decap CMS) whose
//! configuration is generated from the collection registry, for editors who
//! do not use a terminal. Switched on with `[editors] cms = true`.
//!
//! What is generated, and from where:
//! - `admin/config.json`: one CMS collection per registered record type, a
//!   form field per front-matter field (`fields.rs`, from the JSON Schema),
//!   the git backend from `[editors]` (`decap.rs`);
//! - `admin/index.html`: the only page that loads the CMS, with its own CSP
//!   (`page.rs`);
//! - `admin/opora-cms.js`: reads and writes Opora's TOML front matter, names
//!   new files as `opora new` does, previews with the portal's stylesheet;
//! - `admin/vendor/`: the CMS itself, copied from `cms/dist/` where
//!   `scripts/cms-setup.sh` puts the pinned npm package (`bundle.rs`).
//!
//! The portal's own pages are untouched: they never load any of this.

mod bundle;
mod decap;
pub mod fields;
mod page;
pub mod settings;

use std::path::Path;

pub use settings::EditorsConfig;

use crate::content::Data;
use crate::diag::Diagnostic;
use crate::output::OutputFile;
use crate::site::Site;

/// The files of `/admin/` and what is wrong with the set-up, or nothing when
/// the interface is off.
pub fn admin_files(site: &Site, data: &Data, root: &Path) -> (Vec<OutputFile>, Vec<Diagnostic>) {
    if !site.config.editors.cms {
        return (Vec::new(), Vec::new());
    }
    let mut problems = Vec::new();
    let vendor = match bundle::files(root) {
        Ok(files) => files,
        Err(d) => {
            problems.push(d);
            Vec::new()
        }
    };
    let installed = !vendor.is_empty();
    let version = bundle::version(root);
    let config = decap::config(site, data);
    let mut files: Vec<OutputFile> = vec![
        (
            "admin/index.html".into(),
            page::html(&site.config, &version, installed).into_bytes(),
        ),
        (
            "admin/config.json".into(),
            serde_json::to_vec_pretty(&config).unwrap_or_default(),
        ),
        ("admin/init.js".into(), page::INIT_JS.as_bytes().to_vec()),
        (
            "admin/opora-cms.js".into(),
            page::ADMIN_JS.as_bytes().to_vec(),
        ),
        (
            "admin/opora-toml.js".into(),
            page::FORMAT_JS.as_bytes().to_vec(),
        ),
    ];
    files.extend(vendor);
    (files, problems)
}
