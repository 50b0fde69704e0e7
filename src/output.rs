//! Writing the site atomically, and cheaply.
//!
//! Everything goes into a staging folder beside the target, which then replaces
//! the target with two renames: a failed build never touches the previous
//! output, and readers never see a half-written site.
//!
//! The output is double-buffered. After a swap, the old site is kept as
//! `.<name>.old`; the next build takes that folder as its staging folder and
//! writes only the files whose bytes differ, then deletes the files it no
//! longer produces. On a small VM, creating and deleting thousands of files is
//! what a large build spends most of its time on; rewriting only what changed
//! avoids it, at the price of keeping two copies of the site on disk.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

/// A file of the site: path relative to the site root, and its bytes.
pub type OutputFile = (String, Vec<u8>);

pub struct Staging {
    dir: PathBuf,
    target: PathBuf,
    /// The recycled previous-but-one site, kept for the next build.
    spare: PathBuf,
    /// Every file this build produced, relative to the staging root.
    written: HashSet<String>,
}

fn sibling(target: &Path, suffix: &str) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    target.with_file_name(format!(".{name}.{suffix}"))
}

impl Staging {
    /// Prepares the staging folder beside `target` (same file system, so the
    /// final rename is atomic): the spare copy of an earlier site if there is
    /// one, otherwise a new empty folder.
    pub fn new(target: &Path) -> io::Result<Staging> {
        let target = if target.is_absolute() {
            target.to_path_buf()
        } else {
            std::env::current_dir()?.join(target)
        };
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let dir = sibling(&target, "staging");
        let spare = sibling(&target, "old");
        if dir.exists() {
            // Left by a build that crashed; its contents are as good as any.
            if spare.exists() {
                std::fs::remove_dir_all(&spare)?;
            }
        } else if spare.exists() {
            std::fs::rename(&spare, &dir)?;
        } else {
            std::fs::create_dir_all(&dir)?;
        }
        Ok(Staging {
            dir,
            target,
            spare,
            written: HashSet::new(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Writes files (relative paths) in parallel, skipping files whose bytes
    /// are already there.
    pub fn write_all(&mut self, files: &[OutputFile]) -> io::Result<()> {
        let mut dirs: Vec<&str> = files
            .iter()
            .filter_map(|(rel, _)| rel.rsplit_once('/').map(|(d, _)| d))
            .collect();
        dirs.sort_unstable();
        dirs.dedup();
        for d in dirs {
            let path = self.dir.join(d);
            if path.is_file() {
                std::fs::remove_file(&path)?;
            }
            std::fs::create_dir_all(path)?;
        }
        files
            .par_iter()
            .try_for_each(|(rel, bytes)| write_if_changed(&self.dir.join(rel), bytes))?;
        self.written
            .extend(files.iter().map(|(rel, _)| rel.clone()));
        Ok(())
    }

    /// Copies a directory tree (the portal's `static/`) into the staging root.
    pub fn copy_tree(&mut self, from: &Path) -> io::Result<Vec<String>> {
        let mut copied = Vec::new();
        if !from.is_dir() {
            return Ok(copied);
        }
        for entry in walkdir::WalkDir::new(from).sort_by_file_name() {
            let entry = entry.map_err(io::Error::other)?;
            let rel = entry.path().strip_prefix(from).map_err(io::Error::other)?;
            let dest = self.dir.join(rel);
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&dest)?;
            } else if entry.file_type().is_file() {
                let bytes = std::fs::read(entry.path())?;
                write_if_changed(&dest, &bytes)?;
                copied.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
        self.written.extend(copied.iter().cloned());
        Ok(copied)
    }

    /// Deletes what an earlier site had and this one does not.
    fn prune(&self) -> io::Result<()> {
        let mut stale_dirs = Vec::new();
        for entry in walkdir::WalkDir::new(&self.dir)
            .min_depth(1)
            .contents_first(true)
        {
            let entry = entry.map_err(io::Error::other)?;
            let rel = entry
                .path()
                .strip_prefix(&self.dir)
                .map_err(io::Error::other)?
                .to_string_lossy()
                .replace('\\', "/");
            if entry.file_type().is_dir() {
                stale_dirs.push(entry.into_path());
            } else if !self.written.contains(&rel) {
                std::fs::remove_file(entry.path())?;
            }
        }
        // Folders left empty go too (contents came first, so children precede parents).
        for d in stale_dirs {
            let _ = std::fs::remove_dir(d);
        }
        Ok(())
    }

    /// Swaps the staging folder in as the target; the previous target becomes
    /// the spare for the next build.
    pub fn commit(self) -> io::Result<()> {
        self.prune()?;
        let had_old = self.target.exists();
        if had_old {
            std::fs::rename(&self.target, &self.spare)?;
        }
        if let Err(e) = std::fs::rename(&self.dir, &self.target) {
            if had_old {
                let _ = std::fs::rename(&self.spare, &self.target);
            }
            return Err(e);
        }
        Ok(())
    }

    /// Gives up: the target stays as it was; the staging folder is kept as the
    /// spare (its contents do not matter, only saved work).
    pub fn abandon(self) {
        if !self.spare.exists() {
            let _ = std::fs::rename(&self.dir, &self.spare);
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn write_if_changed(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if meta.is_dir() {
            std::fs::remove_dir_all(path)?;
        } else if meta.is_file()
            && meta.len() == bytes.len() as u64
            && std::fs::read(path)? == bytes
        {
            return Ok(());
        }
    }
    std::fs::write(path, bytes)
}

/// FNV-1a: a small stable hash for cache-busting asset URLs.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
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

    #[test]
    fn commit_replaces_abandon_keeps_and_old_files_are_pruned() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        std::fs::create_dir_all(&target).unwrap();
        std::fs::write(target.join("old.html"), "old").unwrap();

        let mut s = Staging::new(&target).unwrap();
        s.write_all(&[("a/index.html".into(), b"new".to_vec())])
            .unwrap();
        s.abandon();
        assert_eq!(
            std::fs::read_to_string(target.join("old.html")).unwrap(),
            "old"
        );

        // The spare left by `abandon` is recycled, and what it holds is pruned.
        let mut s = Staging::new(&target).unwrap();
        s.write_all(&[("b/index.html".into(), b"two".to_vec())])
            .unwrap();
        s.commit().unwrap();
        assert_eq!(names(&target), vec!["b"]);
        assert_eq!(
            std::fs::read_to_string(target.join("b/index.html")).unwrap(),
            "two"
        );
        assert_eq!(names(tmp.path()), vec![".public.old", "public"]);

        // Third build: the previous-but-one site is the staging folder.
        let mut s = Staging::new(&target).unwrap();
        s.write_all(&[
            ("b/index.html".into(), b"three".to_vec()),
            ("c.txt".into(), b"c".to_vec()),
        ])
        .unwrap();
        s.commit().unwrap();
        assert_eq!(names(&target), vec!["b", "c.txt"]);
        assert_eq!(
            std::fs::read_to_string(target.join("b/index.html")).unwrap(),
            "three"
        );
        let spare = tmp.path().join(".public.old");
        assert_eq!(
            std::fs::read_to_string(spare.join("b/index.html")).unwrap(),
            "two"
        );
    }

    #[test]
    fn a_file_where_a_folder_goes_is_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        let mut s = Staging::new(&target).unwrap();
        s.write_all(&[("a".into(), b"file".to_vec())]).unwrap();
        s.commit().unwrap();
        let mut s = Staging::new(&target).unwrap();
        s.write_all(&[("x".into(), b"1".to_vec())]).unwrap();
        s.commit().unwrap();
        let mut s = Staging::new(&target).unwrap();
        s.write_all(&[("a/index.html".into(), b"page".to_vec())])
            .unwrap();
        s.commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(target.join("a/index.html")).unwrap(),
            "page"
        );
    }
}
