//! The CMS's own code, fetched from the npm registry by `scripts/cms-setup.sh`
//! (pinned, integrity-checked) into `cms/dist/` — never committed and never
//! loaded from a CDN. The build copies it under `/admin/vendor/`.

use std::path::Path;

use crate::diag::Diagnostic;
use crate::output::OutputFile;

/// Where `scripts/cms-setup.sh` puts the CMS's files, under the portal root.
pub const DIR: &str = "cms/dist";
/// The CMS's main script inside [`DIR`].
pub const SCRIPT: &str = "decap-cms.js";
/// The TOML parser the admin script reads front matter with, inside [`DIR`].
pub const TOML_PARSER: &str = "smol-toml/index.js";
/// The files must not grow without anyone noticing: Decap's whole `dist`
/// (every lazily loaded part) is about 6.5 MB.
const MAX_BYTES: u64 = 32 * 1024 * 1024;

/// The files of [`DIR`] as `admin/vendor/<path>`, or why there are none.
pub fn files(root: &Path) -> Result<Vec<OutputFile>, Diagnostic> {
    let dir = root.join(DIR);
    let missing = [SCRIPT, TOML_PARSER]
        .into_iter()
        .find(|f| !dir.join(f).is_file());
    if let Some(missing) = missing {
        return Err(Diagnostic::warning(
            format!("{DIR}/{missing}"),
            "[editors] cms = true, but the CMS's script is not installed: /admin/ will only say so",
        )
        .hint("run scripts/cms-setup.sh once (it fetches the pinned decap-cms from the npm registry into cms/dist/), then build again"));
    }
    let mut out = Vec::new();
    let mut total = 0;
    for entry in walkdir::WalkDir::new(&dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
    {
        let rel = entry
            .path()
            .strip_prefix(&dir)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        let read = std::fs::read(entry.path()).map_err(|e| {
            Diagnostic::about(
                format!("{DIR}/{rel}"),
                format!("cannot read this file: {e}"),
            )
            .hint("run scripts/cms-setup.sh again")
        })?;
        total += read.len() as u64;
        if total > MAX_BYTES {
            return Err(Diagnostic::about(
                DIR,
                format!("the CMS's files are over {} MB", MAX_BYTES / 1024 / 1024),
            )
            .hint("cms/dist/ holds only what scripts/cms-setup.sh puts there; remove it and run the script again"));
        }
        out.push((format!("admin/vendor/{rel}"), read));
    }
    Ok(out)
}

/// The installed CMS version (`cms/dist/VERSION`, written by the set-up
/// script), to make browsers fetch a new script after an upgrade.
pub fn version(root: &Path) -> String {
    std::fs::read_to_string(root.join(DIR).join("VERSION"))
        .map(|v| {
            v.trim()
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
                .collect()
        })
        .unwrap_or_default()
}
