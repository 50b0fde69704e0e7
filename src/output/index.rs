//! The native search index (tantivy, for `opora search`) kept beside the output.
//!
//! A published site names its search manifest (`search/manifest-<hash>.bin`,
//! the hash covering everything the browser's index holds). The native index
//! of that site is `.<name>.index-<hash>`: so the exchange that publishes a
//! site publishes its index too, and a kill at any moment leaves an index that
//! matches whatever site is in place. A build writes its index into
//! `.<name>.index.new` and gives it its name before the swap; older ones are
//! deleted after it (the one just replaced is kept, for a search that read the
//! previous manifest a moment before the swap).

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::{Found, Layout, Note, OutputError, checkpoint, clear, found, guard};

const MANIFEST_PREFIX: &str = "search/manifest-";

/// The key of a search manifest's site path (`search/manifest-<key>.bin`;
/// `.json` from opora versions before the binary search index).
fn manifest_key(site_path: &str) -> Option<&str> {
    let rest = site_path.strip_prefix(MANIFEST_PREFIX)?;
    let key = rest
        .strip_suffix(".bin")
        .or_else(|| rest.strip_suffix(".json"))?;
    (!key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(key)
}

/// The manifest key of the site in `site_dir`, if it has search.
pub(crate) fn live_key(site_dir: &Path) -> Option<String> {
    let mut keys: Vec<String> = std::fs::read_dir(site_dir.join("search"))
        .ok()?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            manifest_key(&format!("search/{name}")).map(str::to_string)
        })
        .collect();
    keys.sort();
    keys.pop()
}

/// Gives this build's new index the name of the manifest among the site's `paths`, so it
/// is ready before the site that names it goes live. Returns the key.
pub(crate) fn promote<'a>(
    layout: &Layout,
    paths: impl IntoIterator<Item = &'a str>,
    notes: &mut Vec<Note>,
) -> Result<Option<String>, OutputError> {
    let new = layout.new_index();
    let Some(key) = paths.into_iter().find_map(manifest_key) else {
        clear(layout, &new, notes)?;
        return Ok(None);
    };
    let generation = layout.index_generation(key);
    let cannot = |e: std::io::Error| {
        OutputError::new(
            &generation,
            format!("cannot put the search index in place: {e}"),
            "check the permissions of the output's folder",
        )
    };
    if found(&generation).map_err(cannot)? == Found::Folder {
        // The same search content is already published (perhaps live right
        // now): keep that index, do not rewrite it under a reader.
        clear(layout, &new, notes)?;
    } else {
        clear(layout, &generation, notes)?;
        std::fs::rename(&new, &generation).map_err(cannot)?;
    }
    checkpoint("index-ready");
    Ok(Some(key.to_string()))
}

/// Deletes index generations other than `keep`, and the single index folder of
/// earlier opora versions. What cannot be deleted is reported, not fatal.
pub(crate) fn prune(layout: &Layout, keep: &[&str], notes: &mut Vec<Note>) {
    let prefix = layout.index_generation_prefix();
    let Ok(entries) = std::fs::read_dir(&layout.parent) else {
        return;
    };
    let mut stale: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_prefix(&prefix)
                .is_some_and(|key| !keep.contains(&key))
        })
        .map(|e| e.path())
        .collect();
    let legacy = layout.legacy_index();
    if found(&legacy).is_ok_and(|f| f != Found::Nothing) {
        stale.push(legacy);
    }
    for path in stale {
        if let Err(e) = clear(layout, &path, notes) {
            notes.push(Note {
                path: path.clone(),
                message: format!("cannot delete an old search index: {}", e.message),
                hint: Some(e.hint),
            });
        }
    }
}

/// Deletes from the indexes' shared files ([`Layout::search_files`]) every
/// file that neither the published site nor its spare names — those of
/// sites no longer kept, and any half-written one — so the folder holds
/// what the two kept indexes read and no more. Without search in either
/// site, the folder goes. What cannot be deleted is reported, not fatal.
///
/// A build whose search export was saved has already done this before the
/// swap ([`prune_files_for`]); this is for one without search.
pub(crate) fn prune_files(layout: &Layout, notes: &mut Vec<Note>) {
    let (Some(live), Some(spare)) = (
        named_search_files(&layout.target()),
        named_search_files(&layout.spare()),
    ) else {
        return;
    };
    // The search page stays when search is turned off: a site has search
    // if it names a manifest.
    let has_search = |names: &[OsString]| {
        names
            .iter()
            .any(|name| manifest_key(&format!("search/{}", name.to_string_lossy())).is_some())
    };
    if !has_search(&live) && !has_search(&spare) {
        if std::fs::symlink_metadata(layout.search_files()).is_ok() {
            let _ = clear(layout, &layout.search_files(), notes);
        }
        return;
    }
    let keep: HashSet<OsString> = live.into_iter().chain(spare).collect();
    delete_unnamed(layout, &keep, notes);
}

/// [`prune_files`] done before the swap, once the new site's search export
/// (the site paths `new`, `search/…`) is saved and linked into the shared
/// folder: the new site and the live one, which the swap makes the spare,
/// are then the two sites kept, and nothing else adds to the folder before
/// the swap (the build holds the output's lock). The build's export thread
/// does it beside the pages, so the deletions, hundreds after a one-record
/// edit, are not left to the end of the build, when only one core has work.
pub(crate) fn prune_files_for<'a>(
    layout: &Layout,
    new: impl IntoIterator<Item = &'a str>,
    notes: &mut Vec<Note>,
) {
    let Some(live) = named_search_files(&layout.target()) else {
        return;
    };
    let keep: HashSet<OsString> = new
        .into_iter()
        .filter_map(|path| path.strip_prefix("search/"))
        .map(OsString::from)
        .chain(live)
        .collect();
    delete_unnamed(layout, &keep, notes);
}

/// The search files the site in `site` names: none without search, `None`
/// when its folder cannot be listed (then nothing may be deleted).
fn named_search_files(site: &Path) -> Option<Vec<OsString>> {
    match std::fs::read_dir(site.join("search")) {
        Ok(d) => d.map(|e| Some(e.ok()?.file_name())).collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(Vec::new()),
        Err(_) => None,
    }
}

/// Deletes every file of the shared folder whose name `keep` lacks.
fn delete_unnamed(layout: &Layout, keep: &HashSet<OsString>, notes: &mut Vec<Note>) {
    let Ok(entries) = std::fs::read_dir(layout.search_files().join("search")) else {
        return;
    };
    for entry in entries.flatten() {
        if !keep.contains(&entry.file_name())
            && let Err(e) = std::fs::remove_file(entry.path())
        {
            notes.push(Note {
                path: entry.path(),
                message: format!("cannot delete an old search file: {e}"),
                hint: None,
            });
        }
    }
}

/// The native search index of the site published at `output`, for `opora search`.
pub fn live_index(output: &Path) -> Result<PathBuf, String> {
    let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
    let (parent, name) = guard::split_resolved(&cwd.join(output))
        .ok()
        .and_then(|(p, n)| Some((p, n?)))
        .ok_or_else(|| {
            format!(
                "{} is not a folder a site can be built into",
                output.display()
            )
        })?;
    let layout = Layout::new(parent, &name);
    let site = layout.target();
    if !site.is_dir() {
        return Err(format!(
            "no site at {}; run `opora build` first (or pass the folder it was built into with --output)",
            site.display()
        ));
    }
    let Some(key) = live_key(&site) else {
        return Err(format!(
            "the site at {} has no search; it is switched off in opora.toml ([search] disabled), or the site was not built by opora",
            site.display()
        ));
    };
    let index = layout.index_generation(&key);
    if found(&index).ok() != Some(Found::Folder) {
        return Err(format!(
            "the search index of the site at {} is missing (looked for {}); run `opora build` to make it again",
            site.display(),
            index.display()
        ));
    }
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_keys_are_plain_hashes() {
        assert_eq!(manifest_key("search/manifest-00ff12.bin"), Some("00ff12"));
        assert_eq!(manifest_key("search/manifest-00ff12.json"), Some("00ff12"));
        assert_eq!(manifest_key("search/manifest-.json"), None);
        assert_eq!(manifest_key("search/manifest-../x.json"), None);
        assert_eq!(manifest_key("search/d-00.json"), None);
    }
}
