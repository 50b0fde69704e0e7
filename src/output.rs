//! Writing the site: everything goes into a staging directory next to the
//! target, which then replaces the target with two renames. A failed build
//! never touches the previous output, and readers never see a half-written site.

use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

pub struct Staging {
    dir: PathBuf,
    target: PathBuf,
}

impl Staging {
    /// Creates a fresh staging directory beside `target` (same filesystem, so
    /// the final rename is atomic), clearing leftovers of crashed builds.
    pub fn new(target: &Path) -> io::Result<Staging> {
        let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent)?;
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "public".into());
        for entry in std::fs::read_dir(parent)?.flatten() {
            let n = entry.file_name().to_string_lossy().into_owned();
            if n.starts_with(&format!(".{name}.staging-")) || n.starts_with(&format!(".{name}.old-")) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        let dir = parent.join(format!(".{name}.staging-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(Staging { dir, target: target.to_path_buf() })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Writes files (relative paths) in parallel.
    pub fn write_all(&self, files: &[(String, Vec<u8>)]) -> io::Result<()> {
        files.par_iter().try_for_each(|(rel, bytes)| {
            let path = self.dir.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, bytes)
        })
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

    /// Swaps the staging directory in as the target.
    pub fn commit(self) -> io::Result<()> {
        let old = self.target.with_file_name(format!(
            ".{}.old-{}",
            self.target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
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
        if had_old {
            let _ = std::fs::remove_dir_all(&old);
        }
        Ok(())
    }

    /// Drops the staging directory, leaving the target as it was.
    pub fn abandon(self) {
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
        s.write_all(&[("a/index.html".into(), b"new".to_vec())]).unwrap();
        s.abandon();
        assert!(target.join("old.html").exists());

        let s = Staging::new(&target).unwrap();
        s.write_all(&[("a/index.html".into(), b"new".to_vec())]).unwrap();
        s.commit().unwrap();
        assert!(!target.join("old.html").exists());
        assert_eq!(std::fs::read_to_string(target.join("a/index.html")).unwrap(), "new");
        let leftovers: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    }
}
