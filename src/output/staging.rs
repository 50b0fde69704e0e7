//! The staging folder: the previous-but-one site recycled (only changed bytes
//! are written), or a fresh folder when there is none or it cannot be reused.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{Found, Layout, Note, OutputError, at, clear, found, set_aside};

/// The staging folder, made ready to receive the site: it holds the portal's
/// static files and nothing the site will not have; the generated files are
/// then written one by one ([`Stage::write`]), so a build need not keep its
/// rendered pages in memory.
pub(crate) struct Stage {
    dir: PathBuf,
    /// How many files came from `static/`.
    pub static_files: usize,
}

/// Prepares the staging folder for a site of exactly the generated files
/// `planned` (site paths) and the portal's static files. A recycled folder
/// that cannot be cleaned is moved aside and a fresh one used.
pub(crate) fn open(
    layout: &Layout,
    static_dir: &Path,
    planned: &HashSet<&str>,
    notes: &mut Vec<Note>,
) -> Result<Stage, OutputError> {
    let statics = static_files(static_dir, planned).map_err(|e| {
        OutputError::new(
            static_dir,
            format!("cannot read the static files: {e}"),
            "check the permissions of static/",
        )
    })?;
    let (dir, recycled_from) = prepare(layout, notes)?;
    let first = fill(&dir, &statics, planned);
    let result = match (first, recycled_from) {
        (Err(e), Some(from)) if !is_out_of_space(&e) => {
            set_aside(
                layout,
                &dir,
                &format!(
                    "cannot reuse the previous site kept in {} (now {}): {e}",
                    from.display(),
                    dir.display()
                ),
                notes,
            )?;
            std::fs::create_dir(&dir)
                .map_err(at(&dir))
                .and_then(|()| fill(&dir, &statics, planned))
        }
        (other, _) => other,
    };
    match result {
        Ok(()) => Ok(Stage {
            dir,
            static_files: statics.len(),
        }),
        Err(e) => Err(abandon(layout, &dir, &e)),
    }
}

impl Stage {
    /// Writes one generated file (a planned path) unless it already holds
    /// these bytes. Safe to call from many threads at once.
    pub(crate) fn write(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        write_if_changed(&self.dir.join(rel), bytes)
    }

    /// A write failed: keeps what was written for the next build, as
    /// abandoned builds do, and says what went wrong.
    pub(crate) fn fail(self, layout: &Layout, e: &io::Error) -> OutputError {
        abandon(layout, &self.dir, e)
    }
}

fn abandon(layout: &Layout, dir: &Path, e: &io::Error) -> OutputError {
    if found(&layout.spare()).ok() == Some(Found::Nothing) {
        let _ = std::fs::rename(dir, layout.spare());
    }
    OutputError::new(
        dir,
        format!("cannot write the site: {e}"),
        "check the output folder's permissions and free disk space",
    )
}

/// The staging folder, and where the earlier site it holds came from, if any.
fn prepare(
    layout: &Layout,
    notes: &mut Vec<Note>,
) -> Result<(PathBuf, Option<PathBuf>), OutputError> {
    let (dir, spare) = (layout.staging(), layout.spare());
    for path in [&dir, &spare] {
        let kind = found(path).map_err(|e| super::cannot_use(path, &e))?;
        if matches!(kind, Found::Link | Found::Other) {
            clear(layout, path, notes)?;
        }
    }
    let staging_found = found(&dir).map_err(|e| super::cannot_use(&dir, &e))?;
    let spare_found = found(&spare).map_err(|e| super::cannot_use(&spare, &e))?;
    match (staging_found, spare_found) {
        (Found::Folder, s) => {
            // Left by a build that stopped; its contents are as good as any,
            // and the spare's name must be free for the site this one replaces.
            if s == Found::Folder {
                clear(layout, &spare, notes)?;
            }
            Ok((dir.clone(), Some(dir)))
        }
        (_, Found::Folder) => {
            std::fs::rename(&spare, &dir).map_err(|e| super::cannot_use(&spare, &e))?;
            Ok((dir, Some(spare)))
        }
        _ => {
            std::fs::create_dir(&dir).map_err(|e| super::cannot_use(&dir, &e))?;
            Ok((dir, None))
        }
    }
}

/// The portal's static files (site path, file), except those the build
/// generates itself, which win.
fn static_files(
    static_dir: &Path,
    generated: &HashSet<&str>,
) -> io::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    if !static_dir.is_dir() {
        return Ok(out);
    }
    for entry in walkdir::WalkDir::new(static_dir).sort_by_file_name() {
        let entry = entry.map_err(io::Error::other)?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(static_dir)
            .map_err(io::Error::other)?
            .to_string_lossy()
            .replace('\\', "/");
        if !generated.contains(rel.as_str()) {
            out.push((rel, entry.into_path()));
        }
    }
    Ok(out)
}

/// Makes `dir` ready for exactly the site: first deletes whatever the site
/// does not have (stale files, and anything that is not a plain file or
/// folder, such as a link or a FIFO), makes the folders, then copies the
/// static files whose bytes differ. The generated files follow.
fn fill(dir: &Path, statics: &[(String, PathBuf)], planned: &HashSet<&str>) -> io::Result<()> {
    let keep: HashSet<&str> = statics
        .iter()
        .map(|(rel, _)| rel.as_str())
        .chain(planned.iter().copied())
        .collect();
    let folders: HashSet<&str> = keep
        .iter()
        .flat_map(|rel| rel.match_indices('/').map(move |(i, _)| &rel[..i]))
        .collect();
    prune(dir, &keep, &folders)?;
    let mut sorted: Vec<&&str> = folders.iter().collect();
    sorted.sort_unstable();
    for f in sorted {
        let path = dir.join(f);
        std::fs::create_dir_all(&path).map_err(at(&path))?;
    }
    statics.par_iter().try_for_each(|(rel, from)| {
        let bytes = std::fs::read(from).map_err(at(from))?;
        write_if_changed(&dir.join(rel), &bytes)
    })
}

/// Deletes everything under `dir` that is not a kept file or one of their
/// folders. Never follows a link: a link is an entry like any other.
fn prune(dir: &Path, keep: &HashSet<&str>, folders: &HashSet<&str>) -> io::Result<()> {
    let mut walk = walkdir::WalkDir::new(dir).min_depth(1).into_iter();
    while let Some(entry) = walk.next() {
        let entry = entry.map_err(|e| {
            let path = e
                .path()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| dir.to_path_buf());
            io::Error::new(
                e.io_error().map_or(io::ErrorKind::Other, io::Error::kind),
                format!("{}: {e}", path.display()),
            )
        })?;
        let rel = entry
            .path()
            .strip_prefix(dir)
            .map_err(io::Error::other)?
            .to_string_lossy()
            .replace('\\', "/");
        let kind = entry.file_type();
        if kind.is_dir() {
            if !folders.contains(rel.as_str()) {
                std::fs::remove_dir_all(entry.path()).map_err(at(entry.path()))?;
                walk.skip_current_dir();
            }
        } else if !(kind.is_file() && keep.contains(rel.as_str())) {
            std::fs::remove_file(entry.path()).map_err(at(entry.path()))?;
        }
    }
    Ok(())
}

/// Writes `bytes` unless the file already holds them. A file with other hard
/// links is replaced rather than rewritten, so no other name sees the change.
fn write_if_changed(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Ok(meta) = std::fs::symlink_metadata(path)
        && meta.is_file()
    {
        if links(&meta) > 1 {
            std::fs::remove_file(path).map_err(at(path))?;
        } else if meta.len() == bytes.len() as u64
            && std::fs::read(path).map_err(at(path))? == bytes
        {
            return Ok(());
        }
    }
    std::fs::write(path, bytes).map_err(at(path))
}

#[cfg(unix)]
fn links(meta: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::nlink(meta)
}

#[cfg(not(unix))]
fn links(_: &std::fs::Metadata) -> u64 {
    1
}

fn is_out_of_space(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    fn file(rel: &str, text: &str) -> (String, Vec<u8>) {
        (rel.into(), text.as_bytes().to_vec())
    }

    /// Prepares `dir` for exactly `files`, then writes them, as a build does.
    fn fill_with(dir: &Path, files: &[(String, Vec<u8>)]) -> io::Result<()> {
        let planned: HashSet<&str> = files.iter().map(|(rel, _)| rel.as_str()).collect();
        fill(dir, &[], &planned)?;
        files
            .iter()
            .try_for_each(|(rel, bytes)| write_if_changed(&dir.join(rel), bytes))
    }

    #[test]
    fn filling_keeps_only_the_new_site_and_resolves_file_folder_clashes() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::create_dir_all(dir.join("gone/deep")).unwrap();
        std::fs::write(dir.join("gone/deep/x.html"), "stale").unwrap();
        std::fs::write(dir.join("a"), "a file where a folder goes").unwrap();
        std::fs::create_dir_all(dir.join("b/index.html")).unwrap();
        std::fs::write(dir.join("same.txt"), "same").unwrap();
        fill_with(
            dir,
            &[
                file("a/index.html", "page"),
                file("b/index.html", "file where a folder was"),
                file("same.txt", "same"),
            ],
        )
        .unwrap();
        assert_eq!(names(dir), vec!["a", "b", "same.txt"]);
        assert_eq!(
            std::fs::read_to_string(dir.join("a/index.html")).unwrap(),
            "page"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("b/index.html")).unwrap(),
            "file where a folder was"
        );
    }

    #[cfg(unix)]
    #[test]
    fn links_and_hard_links_in_a_recycled_site_are_never_written_through() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("site");
        let outside = tmp.path().join("outside");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::create_dir_all(outside.join("sub")).unwrap();
        std::fs::write(outside.join("page.html"), "editor's file").unwrap();
        std::fs::write(outside.join("sub/keep.txt"), "editor's file").unwrap();
        std::os::unix::fs::symlink(outside.join("page.html"), dir.join("page.html")).unwrap();
        std::os::unix::fs::symlink(outside.join("sub"), dir.join("sub")).unwrap();
        std::fs::hard_link(outside.join("page.html"), dir.join("hard.html")).unwrap();
        fill_with(
            &dir,
            &[
                file("page.html", "new"),
                file("sub/index.html", "new"),
                file("hard.html", "new"),
            ],
        )
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(outside.join("page.html")).unwrap(),
            "editor's file"
        );
        assert_eq!(names(&outside.join("sub")), vec!["keep.txt"]);
        assert!(
            !std::fs::symlink_metadata(dir.join("sub"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("hard.html")).unwrap(),
            "new"
        );
    }
}
