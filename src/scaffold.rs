//! `opora new`: a valid record with every required field, ready to fill in.
//! Each collection writes its own (src/collections); this picks the collection
//! and the file name.

use std::path::{Path, PathBuf};

use crate::collections::{NewRecord, REGISTRY, by_singular};
use crate::ru;

pub struct Scaffold {
    pub path: PathBuf,
    pub text: String,
}

/// The citation a new record starts with, so `check --strict` holds it back
/// until an editor names the real source (see `validate::is_placeholder`).
pub(crate) const PLACEHOLDER_SOURCE: &str =
    "{ url = \"https://example.org/\", title = \"ЗАМЕНИТЕ: откуда сведения\" }";

/// What `opora new` accepts: each collection's singular name.
pub fn collection_names() -> Vec<&'static str> {
    REGISTRY.iter().map(|c| c.spec().singular).collect()
}

/// Builds the file for a new record of the collection called `singular`.
pub fn scaffold(
    root: &Path,
    singular: &str,
    title: &str,
    region: Option<&str>,
    today: &str,
) -> Result<Scaffold, String> {
    let collection = by_singular(singular).ok_or_else(|| {
        format!(
            "there is no collection `{singular}`; use one of: {}",
            collection_names().join(", ")
        )
    })?;
    let slug = ru::slugify(title);
    if slug.is_empty() {
        return Err("the name gives an empty file name; use letters or digits".into());
    }
    let (rel, text) = collection.scaffold(&NewRecord {
        title,
        slug: &slug,
        region,
        today,
    })?;
    Ok(Scaffold {
        path: root.join(rel),
        text,
    })
}

/// A TOML basic string with `s` inside.
pub(crate) fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
