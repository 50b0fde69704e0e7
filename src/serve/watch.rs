//! File watching with `notify`, debounced: editors save in bursts (a temp file,
//! a rename, a metadata change), and one rebuild per burst is enough.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use notify::{RecommendedWatcher, RecursiveMode, Watcher};

/// Starts watching content, data, templates, static files and the config.
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
    for dir in ["content", "data", "templates", "static"] {
        let p = root.join(dir);
        if p.is_dir() {
            watcher.watch(&p, RecursiveMode::Recursive)?;
        }
    }
    watcher.watch(root, RecursiveMode::NonRecursive)?;
    Ok((watcher, rx))
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
    match rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
    {
        Some(first) => matches!(
            first.as_str(),
            "content" | "data" | "templates" | "static" | "opora.toml"
        ),
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
