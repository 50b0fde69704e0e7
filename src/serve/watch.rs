//! File watching with `notify`, debounced: editors save in bursts (a temp file,
//! a rename, a metadata change), and one rebuild per burst is enough.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use notify::{RecommendedWatcher, RecursiveMode, Watcher};

use crate::output::PORTAL_SOURCES;

/// The portal's sources a change to which is worth a rebuild: all of them but
/// the git history, which changes on every `git status` (its dates are read
/// again on the next restart).
pub fn watched() -> impl Iterator<Item = &'static str> {
    PORTAL_SOURCES
        .iter()
        .map(|(entry, _)| *entry)
        .filter(|entry| *entry != ".git")
}

/// Starts watching the portal's [`watched`] sources.
/// Keep the returned watcher alive for as long as the receiver is used.
pub fn start(
    root: &Path,
    output: &Path,
) -> notify::Result<(RecommendedWatcher, Receiver<PathBuf>)> {
    let (tx, rx) = channel();
    let (root_owned, output_owned) = (root.to_path_buf(), output.to_path_buf());
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(event) = res {
            if matches!(event.kind, notify::EventKind::Access(_)) {
                return;
            }
            for path in event.paths {
                if is_source(&root_owned, &output_owned, &path) {
                    let _ = tx.send(path);
                }
            }
        }
    })?;
    for entry in watched() {
        let p = root.join(entry);
        if p.is_dir() {
            watcher.watch(&p, RecursiveMode::Recursive)?;
        }
    }
    // The settings file sits in the root itself.
    watcher.watch(root, RecursiveMode::NonRecursive)?;
    Ok((watcher, rx))
}

/// Watches again, recursively, each of the portal's top-level source folders
/// among `changed` that exists now. A folder deleted and made again (a `git
/// checkout` of another branch, `rm -rf content && cp -a …`) is a new folder:
/// the watch on the old one went with it, and later saves in it would go
/// unseen. The root's own watch reports the new folder.
pub fn rewatch_folders(watcher: &mut RecommendedWatcher, root: &Path, changed: &[PathBuf]) {
    for path in changed {
        let top_level = path.parent() == Some(root)
            && path
                .file_name()
                .is_some_and(|name| watched().any(|entry| name == entry));
        if top_level && path.is_dir() {
            // Forget the old folder's watch, if any is left, and watch this one.
            let _ = watcher.unwatch(path);
            if let Err(e) = watcher.watch(path, RecursiveMode::Recursive) {
                eprintln!("cannot watch {}: {e}", path.display());
            }
        }
    }
}

/// Whether a changed path is one of the portal's sources (not output, not git, not an editor's swap file).
fn is_source(root: &Path, output: &Path, path: &Path) -> bool {
    if path.starts_with(output) {
        return false;
    }
    let Ok(rel) = path.strip_prefix(root) else {
        return false;
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.ends_with('~') || name.ends_with(".swp") || name.starts_with(".#") {
        return false;
    }
    match rel.components().next() {
        Some(first) => watched().any(|entry| first.as_os_str() == entry),
        None => false,
    }
}

/// Waits for the next change, then collects everything that follows within
/// `quiet` of the previous event. `None` when the watcher is gone.
pub fn next_batch(rx: &Receiver<PathBuf>, quiet: Duration) -> Option<Vec<PathBuf>> {
    let first = rx.recv().ok()?;
    let mut batch = vec![first];
    loop {
        match rx.recv_timeout(quiet) {
            Ok(p) => {
                if !batch.contains(&p) {
                    batch.push(p);
                }
            }
            Err(RecvTimeoutError::Timeout) => return Some(batch),
            Err(RecvTimeoutError::Disconnected) => return Some(batch),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_the_portals_and_nothing_else() {
        let root = Path::new("/portal");
        let output = Path::new("/portal/.opora-serve");
        for changed in [
            "content/services/a.md",
            "data/taxonomy.toml",
            "templates/base.html",
            "static/style.css",
            "opora.toml",
        ] {
            assert!(is_source(root, output, &root.join(changed)), "{changed}");
        }
        for ignored in [
            ".opora-serve/index.html",
            ".git/index",
            "public/index.html",
            "content/services/a.md~",
            "content/services/.a.md.swp",
            "notes.txt",
        ] {
            assert!(!is_source(root, output, &root.join(ignored)), "{ignored}");
        }
        // A relative root never matches the absolute paths notify reports.
        assert!(!is_source(
            Path::new("portal"),
            output,
            &root.join("content/a.md")
        ));
    }
}
