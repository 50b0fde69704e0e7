//! Where a site may be built. Publishing replaces the output folder as a whole
//! and keeps working folders beside it, so an output that is, contains or lies
//! inside the portal's sources would move or delete an editor's files. Every
//! check here only reads; a refusal happens before anything is created.

use std::io;
use std::path::{Component, Path, PathBuf};

use super::{Found, Layout, OutputError, found, index, lock};

/// What a portal is made of, relative to its root: everything opora reads.
/// The output may not be any of these, lie inside one, or contain the root.
pub const PORTAL_SOURCES: [(&str, &str); 6] = [
    ("opora.toml", "settings file"),
    ("content", "content folder"),
    ("data", "data folder"),
    ("templates", "templates folder"),
    ("static", "static files folder"),
    (".git", "git history"),
];

/// Suffixes of the working folders and files opora keeps beside an output (see [`Layout`]).
const WORKING_SUFFIXES: [&str; 11] = [
    ".staging",
    ".old",
    ".lock",
    ".swap",
    ".index",
    ".new",
    ".checks",
    ".records",
    ".newer-records",
    ".search-files",
    ".search-postings",
];

const HINT: &str = "build into a folder of its own, such as `public` in the portal folder (the default), or a new folder outside the portal";

/// Resolves `requested` and checks it may be built into: it must not overlap
/// the portal's sources or the folder the editor stands in, must not be one of
/// opora's own working folders, and must be absent, empty or opora's own.
pub(crate) fn place(root: &Path, requested: &Path) -> Result<Layout, OutputError> {
    let cwd = std::env::current_dir().map_err(|e| {
        OutputError::new(
            requested,
            format!("cannot tell the current folder: {e}"),
            HINT,
        )
    })?;
    let root = root.canonicalize().map_err(|e| {
        OutputError::new(
            root,
            format!("cannot find the portal folder: {e}"),
            "pass --root DIR",
        )
    })?;
    refuse_file_on_the_way(&cwd.join(requested), requested)?;
    let layout = layout_of(&cwd, requested)?;
    let target = layout.target();
    let kind = found(&target).unwrap_or(Found::Nothing);
    // A link at the output itself is checked where it points, too.
    let mut places = vec![target.clone()];
    if kind == Found::Link
        && let Ok(real) = target.canonicalize()
    {
        places.push(real);
    }
    for place in &places {
        refuse_overlap(place, &root, &cwd, requested, &target)?;
    }
    if is_working_name(&layout.name) {
        return Err(OutputError::new(
            &target,
            refusal(
                requested,
                &target,
                "that name is one of the working folders opora keeps beside an output",
            ),
            HINT,
        ));
    }
    refuse_what_is_there(&layout, kind, requested)?;
    Ok(layout)
}

/// Refuses an output with a file where one of its folders belongs
/// (`--output notes.txt/site`): making the folder would fail with «File
/// exists» or «Not a directory», which names neither the file nor the cure.
fn refuse_file_on_the_way(abs: &Path, requested: &Path) -> Result<(), OutputError> {
    match not_a_folder_on_the_way(abs) {
        Some(file) => Err(OutputError::new(
            &file,
            refusal(
                requested,
                abs,
                &format!("{} is a file, not a folder", file.display()),
            ),
            format!(
                "every folder on the way to the output must be a folder: choose another \
                 --output, or move {} out of the way",
                file.display()
            ),
        )),
        None => Ok(()),
    }
}

/// The nearest existing folder on the way to `path` (not `path` itself), if
/// it is not a folder — a file, or a link to one. Only the nearest matters:
/// the folders beyond it are made. Shared with `opora import`.
pub(crate) fn not_a_folder_on_the_way(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .skip(1)
        .filter(|p| !p.as_os_str().is_empty())
        // A folder that is not there (or lies beyond a file) is passed by.
        .find_map(|p| std::fs::metadata(p).ok().map(|m| (p, m.is_dir())))
        .and_then(|(p, is_dir)| (!is_dir).then(|| p.to_path_buf()))
}

/// The output's layout: its parent with links resolved, and its own name.
fn layout_of(cwd: &Path, requested: &Path) -> Result<Layout, OutputError> {
    let abs = cwd.join(requested);
    let (parent, name) = split_resolved(&abs).map_err(|e| {
        OutputError::new(
            requested,
            format!(
                "cannot resolve the output folder {}: {e}",
                requested.display()
            ),
            "check that every folder on the way exists or can be created (a dangling link cannot)",
        )
    })?;
    let Some(name) = name else {
        return Err(OutputError::new(
            requested,
            format!(
                "refusing to build into {}: it is the root of the file system",
                abs.display()
            ),
            HINT,
        ));
    };
    Ok(Layout::new(parent, &name))
}

/// The refusal's message, naming the folder as the editor typed it and,
/// where that differs, as it resolved.
fn refusal(requested: &Path, target: &Path, what: &str) -> String {
    if requested == target {
        format!("refusing to build into {}: {what}", target.display())
    } else {
        format!(
            "refusing to build into {} ({}): {what}",
            requested.display(),
            target.display()
        )
    }
}

/// Refuses a `place` that is, contains or lies inside the portal, the current
/// folder or any of the portal's sources (as written and as resolved).
fn refuse_overlap(
    place: &Path,
    root: &Path,
    cwd: &Path,
    requested: &Path,
    target: &Path,
) -> Result<(), OutputError> {
    let refuse = |what: &str| {
        Err(OutputError::new(
            place,
            refusal(requested, target, what),
            HINT,
        ))
    };
    if root.starts_with(place) {
        return if place == root {
            refuse("it is the portal folder itself")
        } else {
            refuse(&format!("it contains the portal folder {}", root.display()))
        };
    }
    if cwd.starts_with(place) {
        return refuse("it is, or contains, the folder you are in");
    }
    for (entry, what) in PORTAL_SOURCES {
        let source = root.join(entry);
        let real = source.canonicalize().unwrap_or_else(|_| source.clone());
        for s in [&source, &real] {
            if place == s {
                return refuse(&format!("it is the portal's {what} ({entry})"));
            }
            if place.starts_with(s) {
                return refuse(&format!("it lies inside the portal's {what} ({entry})"));
            }
        }
    }
    Ok(())
}

/// Refuses an output that is a link, a file, or a folder of someone else's
/// files: building replaces the whole folder.
fn refuse_what_is_there(layout: &Layout, kind: Found, requested: &Path) -> Result<(), OutputError> {
    let target = layout.target();
    match kind {
        Found::Nothing => Ok(()),
        Found::Link => {
            let to = std::fs::read_link(&target)
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            Err(OutputError::new(
                &target,
                refusal(
                    requested,
                    &target,
                    &format!("it is a symbolic link (to {to})"),
                ),
                "opora replaces the output folder as a whole, so it must be a real folder: pass the folder the link points to as --output, or remove the link",
            ))
        }
        Found::Other => Err(OutputError::new(
            &target,
            refusal(requested, &target, "it is a file, not a folder"),
            HINT,
        )),
        Found::Folder if !is_empty(&target) && !made_by_opora(layout) => Err(OutputError::new(
            &target,
            refusal(
                requested,
                &target,
                "it already holds files that opora did not write, and building replaces the whole folder",
            ),
            "choose a new folder, or empty this one first if its files may go; to publish into a git checkout or a web root, build elsewhere and copy (e.g. rsync -a --delete --exclude .git public/ DEST/)",
        )),
        Found::Folder => Ok(()),
    }
}

/// `abs` split into its parent, with every symbolic link on the way resolved,
/// and its last name, which is not followed (the output itself is checked as
/// it is). Parts that do not exist yet are taken as written; `..` after them is
/// resolved as the folders will be once created. `None` for the root.
pub(crate) fn split_resolved(abs: &Path) -> io::Result<(PathBuf, Option<std::ffi::OsString>)> {
    match abs.components().next_back() {
        Some(Component::Normal(name)) => {
            let parent = abs.parent().unwrap_or(Path::new("/"));
            Ok((resolve(parent)?, Some(name.to_os_string())))
        }
        _ => {
            // `.`, `..` or the root: an existing folder, resolved in full.
            let full = resolve(abs)?;
            match (full.parent(), full.file_name()) {
                (Some(p), Some(n)) => Ok((p.to_path_buf(), Some(n.to_os_string()))),
                _ => Ok((full, None)),
            }
        }
    }
}

/// An absolute path with links resolved as far as it exists.
fn resolve(abs: &Path) -> io::Result<PathBuf> {
    let mut out = PathBuf::new();
    let mut exists = true;
    for c in abs.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => out.push(c.as_os_str()),
            Component::CurDir => {}
            // `out` has no links in it, so going up is going to the real parent.
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => {
                out.push(n);
                if exists {
                    match std::fs::symlink_metadata(&out) {
                        Ok(m) if m.file_type().is_symlink() => out = out.canonicalize()?,
                        Ok(_) => {}
                        Err(e) if e.kind() == io::ErrorKind::NotFound => exists = false,
                        Err(e) => return Err(e),
                    }
                }
            }
        }
    }
    Ok(out)
}

fn is_empty(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none())
}

/// Whether an existing output folder is a site opora built: its lock file says
/// so, or the search index it names is beside it (also the single index folder
/// of opora versions before the lock).
fn made_by_opora(layout: &Layout) -> bool {
    if lock::is_stamped(&layout.lock()) {
        return true;
    }
    if index::live_key(&layout.target())
        .is_some_and(|key| found(&layout.index_generation(&key)).ok() == Some(Found::Folder))
    {
        return true;
    }
    let legacy = layout.legacy_index();
    found(&legacy).ok() == Some(Found::Folder)
        && ["meta.json", ".opora-search-index"]
            .iter()
            .any(|f| std::fs::symlink_metadata(legacy.join(f)).is_ok_and(|m| m.is_file()))
}

/// Names like `.public.old` or `.public.index-…`: an output there would be
/// mistaken for another output's working folder.
fn is_working_name(name: &str) -> bool {
    name.starts_with('.')
        && (WORKING_SUFFIXES.iter().any(|s| name.ends_with(s))
            || name.contains(".index-")
            || name.contains(".built-")
            || name.contains(".tree-")
            || name.contains(".partial")
            || name.contains(".unusable"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolving_follows_links_on_the_way_and_takes_missing_parts_as_written() {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path().canonicalize().unwrap();
        std::fs::create_dir_all(base.join("real/inner")).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(base.join("real"), base.join("link")).unwrap();
        assert_eq!(
            resolve(&base.join("real/inner/../x/y/../z")).unwrap(),
            base.join("real/x/z")
        );
        #[cfg(unix)]
        assert_eq!(
            resolve(&base.join("link/inner/new")).unwrap(),
            base.join("real/inner/new")
        );
        let (parent, name) = split_resolved(&base.join("real/inner/..")).unwrap();
        assert_eq!((parent, name.unwrap()), (base.clone(), "real".into()));
        assert_eq!(split_resolved(Path::new("/")).unwrap().1, None);
    }

    #[test]
    fn a_file_on_the_way_to_the_output_is_named_as_a_file_not_a_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path().canonicalize().unwrap();
        let portal = base.join("portal");
        std::fs::create_dir(&portal).unwrap();
        let file = base.join("notes.txt");
        std::fs::write(&file, "an editor's notes").unwrap();
        for output in [
            file.join("site"),
            file.join("site/deeper"),
            file.join("../x"),
        ] {
            let Err(e) = place(&portal, &output) else {
                panic!("{} was accepted", output.display());
            };
            assert_eq!(e.path, file, "{}", output.display());
            assert!(
                e.message
                    .ends_with(&format!("{} is a file, not a folder", file.display())),
                "{}",
                e.message
            );
            assert!(e.hint.contains("move"), "{}", e.hint);
        }
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "an editor's notes",
            "nothing is made or changed"
        );
        // A folder on the way that is not there yet is made, not refused.
        assert!(place(&portal, &base.join("new/site")).is_ok());
    }

    #[test]
    fn working_folder_names_are_reserved() {
        for name in [
            ".public.old",
            ".public.staging",
            ".public.index-00ff",
            ".x.lock",
            ".public.unusable-2",
            ".public.built-1f2e",
            ".public.tree-1f2e",
            ".public.checks",
            ".public.records",
            ".public.records.partial",
            ".public.newer-records",
            ".public.search-postings",
            ".public.search-postings.partial",
        ] {
            assert!(is_working_name(name), "{name}");
        }
        for name in ["public", "site", ".opora-serve", "old"] {
            assert!(!is_working_name(name), "{name}");
        }
    }
}
