//! Writing the site: everything goes into a staging directory next to the
//! target, which then replaces the target with two renames. A failed build
//! never touches the previous output, and readers never see a half-written site.

use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

/// A file of the site: path relative to the site root, and its bytes.
pub type OutputFile = (String, Vec<u8>);

pub struct Staging {
    dir: PathBuf,
    target: PathBuf,
    /// Removes the trees earlier builds swapped out, while this build renders.
    cleanup: Option<std::thread::JoinHandle<()>>,
}

impl Staging {
    /// Creates a fresh staging directory beside `target` (same filesystem, so
    /// the final rename is atomic), clearing leftovers of crashed builds.
    pub fn new(target: &Path) -> io::Result<Staging> {
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent)?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "public".into());
        let leftovers: Vec<PathBuf> = std::fs::read_dir(parent)?
            .flatten()
            .filter(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                n.starts_with(&format!(".{name}.staging-"))
                    || n.starts_with(&format!(".{name}.old-"))
            })
            .map(|e| e.path())
            .collect();
        // Deleting thousands of files is slow file-system work; do it beside
        // the CPU-bound rendering instead of before or after it.
        let cleanup = (!leftovers.is_empty()).then(|| {
            std::thread::spawn(move || {
                for dir in leftovers {
                    let _ = std::fs::remove_dir_all(dir);
                }
            })
        });
        let dir = parent.join(format!(".{name}.staging-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(Staging {
            dir,
            target: target.to_path_buf(),
            cleanup,
        })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Writes files (relative paths) in parallel.
    /// Directories are made first, once each, so the file writes that follow
    /// are single `open`+`write` calls: on a small VM, file-system metadata
    /// operations, not rendering, dominate a large build.
    pub fn write_all(&self, files: &[OutputFile]) -> io::Result<()> {
        let mut dirs: Vec<&str> = files
            .iter()
            .filter_map(|(rel, _)| rel.rsplit_once('/').map(|(d, _)| d))
            .collect();
        dirs.sort_unstable();
        dirs.dedup();
        for d in dirs {
            std::fs::create_dir_all(self.dir.join(d))?;
        }
        files
            .par_iter()
            .try_for_each(|(rel, bytes)| std::fs::write(self.dir.join(rel), bytes))
    }

    /// Copies a directory tree (the portal's `static/`) into the staging root.
    pub fn copy_tree(&self, from: &Path) -> io::Result<Vec<String>> {
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
                std::fs::copy(entry.path(), &dest)?;
                copied.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
        Ok(copied)
    }

    fn finish_cleanup(&mut self) {
        if let Some(handle) = self.cleanup.take() {
            let _ = handle.join();
        }
    }

    /// Swaps the staging directory in as the target. The previous tree is
    /// renamed aside and removed by the next build, off its critical path.
    pub fn commit(mut self) -> io::Result<()> {
        self.finish_cleanup();
        let old = self.target.with_file_name(format!(
            ".{}.old-{}",
            self.target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            std::process::id()
        ));
        let had_old = self.target.exists();
        if had_old {
            std::fs::rename(&self.target, &old)?;
        }
        if let Err(e) = std::fs::rename(&self.dir, &self.target) {
            if had_old {
                let _ = std::fs::rename(&old, &self.target);
            }
            return Err(e);
        }
        Ok(())
    }

    /// Drops the staging directory, leaving the target as it was.
    pub fn abandon(mut self) {
        self.finish_cleanup();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
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

    #[test]
    fn commit_replaces_and_abandon_keeps() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("public");
        std::fs::create_dir_all(&target).unwrap();
        std::fs::write(target.join("old.html"), "old").unwrap();

        let s = Staging::new(&target).unwrap();
        s.write_all(&[("a/index.html".into(), b"new".to_vec())])
            .unwrap();
        s.abandon();
        assert!(target.join("old.html").exists());

        let s = Staging::new(&target).unwrap();
        s.write_all(&[("a/index.html".into(), b"new".to_vec())])
            .unwrap();
        s.commit().unwrap();
        assert!(!target.join("old.html").exists());
        assert_eq!(
            std::fs::read_to_string(target.join("a/index.html")).unwrap(),
            "new"
        );
        let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert!(
            leftovers
                .iter()
                .all(|n| n == "public" || n.to_string_lossy().starts_with(".public.old-")),
            "{leftovers:?}"
        );
        // The next build clears the swapped-out tree.
        Staging::new(&target).unwrap().abandon();
        let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("public")]);
    }
}
