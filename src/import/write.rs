//! Writing a planned import all or nothing. An import writes many files, and
//! one that fails halfway (a name the file system refuses, a full disk, a file
//! where a folder belongs) must not leave some rows imported and others not —
//! the editor could neither run it again (the files are there) nor tell what
//! is missing. So:
//!
//! 1. [`check`] looks at every file before anything is written (a dry run
//!    runs it too, so it refuses what the real run would);
//! 2. [`apply`] then writes each file's text beside it under a temporary
//!    name, making the folders it needs — a failure removes all it made;
//! 3. and moves each into place, a new file never over anything that is
//!    there. Should a move fail, the moves already made are undone.

use std::collections::HashMap;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// One file an import writes.
pub(crate) struct Write<'a> {
    /// The row (or the package's service) it comes from.
    pub row: usize,
    pub path: &'a Path,
    pub text: &'a str,
    /// A new record (never written over anything) or a changed one.
    pub new: bool,
    /// Its modification time, where the package dates the record.
    pub modified: Option<SystemTime>,
}

/// A file that cannot be written, and what to do about it.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteProblem {
    /// What is in the way: the file, or a file where a folder belongs.
    pub path: PathBuf,
    pub row: usize,
    pub message: String,
    pub hint: String,
}

impl WriteProblem {
    fn new(w: &Write, path: &Path, message: String, hint: &str) -> Self {
        WriteProblem {
            path: path.to_path_buf(),
            row: w.row,
            message,
            hint: hint.to_string(),
        }
    }

    /// The problem as `opora import` prints it, paths relative to `root`.
    pub fn describe(&self, root: &Path) -> String {
        format!(
            "error: {} (row {}): {}\n  = hint: {}",
            crate::diag::rel_path(root, &self.path),
            self.row,
            self.message,
            self.hint
        )
    }
}

/// The longest file name most file systems keep (ext4, XFS, APFS, NTFS).
const MAX_NAME_BYTES: usize = 255;

/// Everything that would stop `writes` being written, found without writing.
pub(crate) fn check(writes: &[Write]) -> Vec<WriteProblem> {
    let mut problems = Vec::new();
    let mut first_row: HashMap<&Path, usize> = HashMap::new();
    for w in writes {
        if let Some(row) = first_row.insert(w.path, w.row) {
            problems.push(WriteProblem::new(
                w,
                w.path,
                format!("row {row} writes this file too"),
                "give the two services different names",
            ));
        }
        problems.extend(name_too_long(w));
        problems.extend(if w.new { new_file(w) } else { changed_file(w) });
    }
    problems
}

/// A file name no file system keeps.
fn name_too_long(w: &Write) -> Option<WriteProblem> {
    let len = w.path.file_name()?.len();
    (len > MAX_NAME_BYTES).then(|| {
        WriteProblem::new(
            w,
            w.path,
            format!(
                "the file name is {len} bytes; file systems keep names of at most {MAX_NAME_BYTES}"
            ),
            "shorten the service's name in the source and run the import again",
        )
    })
}

/// A new record's file must not be there yet, and its folder must be a
/// folder (or not be there: it is made).
fn new_file(w: &Write) -> Option<WriteProblem> {
    if std::fs::symlink_metadata(w.path).is_ok() {
        return Some(WriteProblem::new(
            w,
            w.path,
            "a file of this name is already there".into(),
            "rename or move that file, or leave the service out of the import",
        ));
    }
    crate::output::not_a_folder_on_the_way(w.path).map(|file| {
        WriteProblem::new(
            w,
            &file,
            "this is a file, not a folder, and the record goes inside it".into(),
            "move the file out of the way (records go in content/services/<region>/)",
        )
    })
}

/// A changed record's file must still be a regular file the editor may write.
fn changed_file(w: &Write) -> Option<WriteProblem> {
    match std::fs::metadata(w.path) {
        Ok(m) if !m.is_file() => Some(WriteProblem::new(
            w,
            w.path,
            "this is no longer a regular file".into(),
            "put the record back, or leave the service out of the import",
        )),
        Ok(m) if m.permissions().readonly() => Some(WriteProblem::new(
            w,
            w.path,
            "the file is read-only".into(),
            "make it writable (chmod u+w) if it may change, or leave the service out of the import",
        )),
        Ok(_) => None,
        Err(e) => Some(WriteProblem::new(
            w,
            w.path,
            format!("cannot read the record: {e}"),
            "check that the file is there and that you may write it",
        )),
    }
}

/// Writes every file or none: checked, written beside its place, moved in.
/// Returns how many files were written.
pub(crate) fn apply(writes: &[Write]) -> Result<usize, Vec<WriteProblem>> {
    let problems = check(writes);
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut made = Made::default();
    for (i, w) in writes.iter().enumerate() {
        made.stage(i, w).map_err(|p| vec![p])?;
    }
    for (staged, w) in made.staged.iter_mut().zip(writes) {
        staged.place(w).map_err(|p| vec![p])?;
    }
    made.done = true;
    Ok(writes.len())
}

/// What [`apply`] has made so far; unless done, dropping it undoes it all,
/// so a failure (or a panic) leaves the portal as it was.
#[derive(Default)]
struct Made {
    /// Folders made for new records, outermost first.
    folders: Vec<PathBuf>,
    /// Each write's text under its temporary name, with where it goes.
    staged: Vec<Staged>,
    done: bool,
}

struct Staged {
    temp: PathBuf,
    /// Where it goes: a changed record's real file (a link to it is kept).
    dest: PathBuf,
    /// A changed record's bytes as they were, to put back.
    before: Option<Vec<u8>>,
    placed: bool,
}

impl Made {
    /// Writes the text of write `i` beside its place, under a name no
    /// record can have (records are `<slug>.md`).
    fn stage(&mut self, i: usize, w: &Write) -> Result<(), WriteProblem> {
        let fail = |e: io::Error| failure(w, &e);
        let (dest, before) = if w.new {
            (w.path.to_path_buf(), None)
        } else {
            let dest = std::fs::canonicalize(w.path).map_err(fail)?;
            let before = std::fs::read(&dest).map_err(fail)?;
            (dest, Some(before))
        };
        let folder = dest.parent().unwrap_or(Path::new(".")).to_path_buf();
        self.make_folders(&folder).map_err(fail)?;
        let temp = folder.join(format!(".opora-import-{}-{i}.tmp", std::process::id()));
        let mut file = std::fs::File::create_new(&temp).map_err(fail)?;
        let keep_mode = before.is_some();
        self.staged.push(Staged {
            temp,
            dest,
            before,
            placed: false,
        });
        file.write_all(w.text.as_bytes()).map_err(fail)?;
        if let Some(t) = w.modified {
            file.set_modified(t).map_err(fail)?;
        }
        if keep_mode {
            // A changed record keeps who may read and write it.
            let mode = std::fs::metadata(w.path).map_err(fail)?.permissions();
            file.set_permissions(mode).map_err(fail)?;
        }
        Ok(())
    }

    /// Makes the folders missing on the way to `folder`, noting each.
    fn make_folders(&mut self, folder: &Path) -> io::Result<()> {
        let missing: Vec<&Path> = folder
            .ancestors()
            .take_while(|p| !p.as_os_str().is_empty() && std::fs::symlink_metadata(p).is_err())
            .collect();
        for dir in missing.into_iter().rev() {
            std::fs::create_dir(dir)?;
            self.folders.push(dir.to_path_buf());
        }
        Ok(())
    }
}

impl Staged {
    /// Moves the file into place.
    fn place(&mut self, w: &Write) -> Result<(), WriteProblem> {
        let moved = if w.new {
            place_new(&self.temp, &self.dest)
        } else {
            std::fs::rename(&self.temp, &self.dest)
        };
        moved.map_err(|e| failure(w, &e))?;
        self.placed = true;
        Ok(())
    }

    /// Puts back what placing it changed, or removes the temporary file.
    fn undo(&mut self) {
        let _ = match (self.placed, self.before.take()) {
            (true, Some(bytes)) => std::fs::write(&self.dest, bytes),
            (true, None) => std::fs::remove_file(&self.dest),
            (false, _) => std::fs::remove_file(&self.temp),
        };
    }
}

impl Drop for Made {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        for s in self.staged.iter_mut().rev() {
            s.undo();
        }
        // A folder someone filled meanwhile stays.
        for dir in self.folders.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Moves a new record into place, never over anything there: a second name
/// first (which fails if the name is taken), then the temporary one goes.
/// Where the file system has no hard links, a rename after a last look.
fn place_new(temp: &Path, dest: &Path) -> io::Result<()> {
    match std::fs::hard_link(temp, dest) {
        Ok(()) => {
            // The record is in place; a temporary name left over is hidden
            // (a dot file, which loading passes over) and harmless.
            let _ = std::fs::remove_file(temp);
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(e),
        Err(_) if std::fs::symlink_metadata(dest).is_err() => std::fs::rename(temp, dest),
        Err(e) => Err(e),
    }
}

/// A write that failed after the checks passed, with a hint for its cause.
fn failure(w: &Write, e: &io::Error) -> WriteProblem {
    use io::ErrorKind::*;
    let hint = match e.kind() {
        PermissionDenied | ReadOnlyFilesystem => {
            "make the folder writable for you, then run the import again"
        }
        StorageFull | QuotaExceeded => "free some disk space, then run the import again",
        InvalidFilename => {
            "the file system refuses this name; shorten the service's name in the source and run the import again"
        }
        AlreadyExists => "something made this file meanwhile; run the import again",
        _ => "fix the cause and run the import again",
    };
    WriteProblem::new(
        w,
        w.path,
        format!("cannot write it: {e}; nothing was imported"),
        hint,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new<'a>(path: &'a Path, text: &'a str) -> Write<'a> {
        Write {
            row: 2,
            path,
            text,
            new: true,
            modified: None,
        }
    }

    /// Every name in `dir`, deep, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut out: Vec<String> = walkdir::WalkDir::new(dir)
            .min_depth(1)
            .into_iter()
            .map(|e| {
                let e = e.unwrap();
                e.path().strip_prefix(dir).unwrap().display().to_string()
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn the_check_names_a_file_where_a_folder_belongs_and_a_file_already_there() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("region"), "a file").unwrap();
        std::fs::write(tmp.path().join("taken.md"), "a file").unwrap();
        let inside = tmp.path().join("region/deeper/x.md");
        let taken = tmp.path().join("taken.md");
        let long = tmp.path().join(format!("{}.md", "a".repeat(300)));
        let problems = check(&[new(&inside, ""), new(&taken, ""), new(&long, "")]);
        let found: Vec<(PathBuf, &str)> = problems
            .iter()
            .map(|p| (p.path.clone(), p.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    tmp.path().join("region"),
                    "this is a file, not a folder, and the record goes inside it"
                ),
                (taken.clone(), "a file of this name is already there"),
                (
                    long.clone(),
                    "the file name is 303 bytes; file systems keep names of at most 255"
                ),
            ]
        );
        assert!(problems.iter().all(|p| p.row == 2 && !p.hint.is_empty()));
    }

    #[test]
    fn a_write_that_fails_halfway_leaves_nothing_behind() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("in-the-way"), "a file").unwrap();
        let before = names(tmp.path());
        let first = tmp.path().join("new/folder/first.md");
        let second = tmp.path().join("in-the-way/second.md");
        let mut made = Made::default();
        made.stage(0, &new(&first, "первая")).unwrap();
        assert!(made.stage(1, &new(&second, "вторая")).is_err());
        drop(made);
        assert_eq!(names(tmp.path()), before, "the folders made are gone too");
    }

    #[test]
    fn a_move_that_fails_undoes_the_moves_before_it() {
        let tmp = tempfile::tempdir().unwrap();
        let record = tmp.path().join("record.md");
        std::fs::write(&record, "как было").unwrap();
        let fresh = tmp.path().join("fresh.md");
        let change = Write {
            new: false,
            ..new(&record, "изменено")
        };
        let create = new(&fresh, "новая");
        let mut made = Made::default();
        made.stage(0, &change).unwrap();
        made.stage(1, &create).unwrap();
        // Someone saves a file of the new record's name meanwhile.
        std::fs::write(&fresh, "чужая").unwrap();
        made.staged[0].place(&change).unwrap();
        assert_eq!(std::fs::read_to_string(&record).unwrap(), "изменено");
        let problem = made.staged[1].place(&create).unwrap_err();
        assert!(
            problem.message.contains("nothing was imported"),
            "{problem:?}"
        );
        drop(made);
        assert_eq!(std::fs::read_to_string(&record).unwrap(), "как было");
        assert_eq!(std::fs::read_to_string(&fresh).unwrap(), "чужая");
        assert_eq!(names(tmp.path()), ["fresh.md", "record.md"]);
    }

    #[test]
    fn applied_writes_are_all_in_place_with_their_dates() {
        let tmp = tempfile::tempdir().unwrap();
        let record = tmp.path().join("record.md");
        std::fs::write(&record, "как было").unwrap();
        let fresh = tmp.path().join("ru-tul/fresh.md");
        let day = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(86_400 * 20_000);
        let writes = [
            Write {
                new: false,
                ..new(&record, "изменено")
            },
            Write {
                modified: Some(day),
                ..new(&fresh, "новая")
            },
        ];
        assert_eq!(apply(&writes), Ok(2));
        assert_eq!(std::fs::read_to_string(&record).unwrap(), "изменено");
        assert_eq!(std::fs::read_to_string(&fresh).unwrap(), "новая");
        assert_eq!(std::fs::metadata(&fresh).unwrap().modified().unwrap(), day);
        assert_eq!(
            names(tmp.path()),
            ["record.md", "ru-tul", "ru-tul/fresh.md"]
        );
    }
}
