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
    if !ru::is_valid_slug(&slug) {
        return Err("the name gives an empty file name; use letters or digits".into());
    }
    if let Some(code) = region {
        // A new region names itself; every other record names one that exists.
        let must_exist = collection.spec().name != "regions";
        region_folder(root, code, must_exist)?;
    }
    let (rel, text) = collection.scaffold(&NewRecord {
        title,
        slug: &slug,
        region,
        today,
    })?;
    // Every part of the path is a checked code or a slug; this is the last
    // word that nothing in it can climb out of content/.
    let inside = Path::new(&rel)
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)));
    if !inside {
        return Err(format!("`{rel}` is not a path inside the portal"));
    }
    Ok(Scaffold {
        path: root.join(rel),
        text,
    })
}

/// The folder name of a region code given on the command line: it must look
/// like an ISO 3166-2:RU code (`RU-MOS`), and with `must_exist` be one of the
/// portal's regions — never a path (`../../escaped`).
fn region_folder(root: &Path, code: &str, must_exist: bool) -> Result<String, String> {
    if !crate::validate::formats::is_region_code(code) {
        return Err(format!(
            "`{}` is not a region code; codes look like RU-MOS (ISO 3166-2:RU, in capitals)",
            code.escape_debug()
        ));
    }
    let folder = code.to_lowercase();
    if must_exist
        && !root
            .join("content/regions")
            .join(format!("{folder}.md"))
            .is_file()
    {
        return Err(format!(
            "region `{code}` does not exist: there is no content/regions/{folder}.md (create it with `opora new region \"Название\" --region {code}`)"
        ));
    }
    Ok(folder)
}

/// Writes a new file, refusing to replace anything already there — not even a
/// dangling symlink, which a plain write would follow out of the portal.
pub fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?
        .write_all(text.as_bytes())
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
