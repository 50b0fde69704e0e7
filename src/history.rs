//! When each source file last changed, from git history in one pass
//! (`git log --name-only`, no process per file), falling back to the file's
//! modification time outside a git checkout or for files git does not track.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Default)]
pub struct History {
    root: PathBuf,
    /// Portal-relative path → `YYYY-MM-DD` of the last commit that touched it.
    git: HashMap<String, String>,
    /// The modification dates of files git does not know, each read once:
    /// a region's file dates hundreds of pages, a service's several
    /// (its page, its open-data record, its feed entry).
    modified: std::sync::RwLock<HashMap<String, Option<String>>>,
}

impl History {
    pub fn load(root: &Path) -> History {
        let git = Command::new("git")
            .arg("-C")
            .arg(root)
            .args([
                "log",
                "--format=%x1e%cs",
                "--name-only",
                "--no-renames",
                "--relative",
                "--",
                ".",
            ])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| parse_log(&String::from_utf8_lossy(&o.stdout)))
            .unwrap_or_default();
        History {
            root: root.to_path_buf(),
            git,
            modified: Default::default(),
        }
    }

    /// The date a file last changed: its last commit, else its modification time.
    pub fn updated(&self, rel: &str) -> Option<String> {
        if let Some(d) = self.git.get(rel) {
            return Some(d.clone());
        }
        let known = self.modified.read().unwrap_or_else(|e| e.into_inner());
        if let Some(d) = known.get(rel) {
            return d.clone();
        }
        drop(known);
        let date = self.modified_date(rel);
        self.modified
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(rel.to_string(), date.clone());
        date
    }

    /// Modification times already known (the record files, from the handle
    /// each was read through), so their dates need no second look at the disk.
    pub fn know_modified(
        &mut self,
        files: impl IntoIterator<Item = (String, std::time::SystemTime)>,
    ) {
        let known = self.modified.get_mut().unwrap_or_else(|e| e.into_inner());
        for (rel, modified) in files {
            if !self.git.contains_key(&rel) {
                known.insert(rel, day_of(modified));
            }
        }
    }

    fn modified_date(&self, rel: &str) -> Option<String> {
        let modified = std::fs::metadata(self.root.join(rel))
            .ok()?
            .modified()
            .ok()?;
        day_of(modified)
    }
}

/// `YYYY-MM-DD` of a modification time.
fn day_of(modified: std::time::SystemTime) -> Option<String> {
    let secs = modified
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Some(crate::ru::civil_from_days((secs / 86_400) as i64))
}

/// Newest commits come first, so the first date seen for a path is its last change.
fn parse_log(log: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for commit in log.split('\u{1e}').filter(|c| !c.trim().is_empty()) {
        let mut lines = commit.lines();
        let Some(date) = lines.next().map(str::trim) else {
            continue;
        };
        for path in lines.map(str::trim).filter(|l| !l.is_empty()) {
            out.entry(path.to_string())
                .or_insert_with(|| date.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_date_wins() {
        let log =
            "\u{1e}2026-11-20\n\ncontent/a.md\n\u{1e}2025-01-02\n\ncontent/a.md\ncontent/b.md\n";
        let m = parse_log(log);
        assert_eq!(m["content/a.md"], "2026-11-20");
        assert_eq!(m["content/b.md"], "2025-01-02");
    }

    /// Outside git a file is dated by its modification time, read once per
    /// build: every page made from it in that build shows the same date.
    #[test]
    fn a_file_outside_git_is_dated_once_per_build() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.md");
        std::fs::write(&file, "x").unwrap();
        let set = |days: u64| {
            let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(days * 86_400 + 3_600);
            std::fs::File::options()
                .write(true)
                .open(&file)
                .unwrap()
                .set_modified(at)
                .unwrap();
        };
        set(20_000);
        let history = History::load(dir.path());
        assert_eq!(history.updated("a.md").as_deref(), Some("2024-10-04"));
        set(20_001);
        assert_eq!(history.updated("a.md").as_deref(), Some("2024-10-04"));
        assert_eq!(history.updated("missing.md"), None);
        let next_build = History::load(dir.path());
        assert_eq!(next_build.updated("a.md").as_deref(), Some("2024-10-05"));
    }

    /// A record file's modification time, known from the handle it was
    /// read through, dates it without a second look at the disk (which by
    /// now says another day); a file git dates keeps its commit's date.
    #[test]
    fn a_known_modification_time_dates_a_file_without_asking_the_disk() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.md"), "x").unwrap();
        let day = |days: u64| std::time::UNIX_EPOCH + std::time::Duration::from_secs(days * 86_400);
        let mut history = History::load(dir.path());
        history.git.insert("b.md".into(), "2023-01-01".into());
        history.know_modified([
            ("a.md".to_string(), day(20_000)),
            ("b.md".to_string(), day(20_000)),
            ("gone.md".to_string(), day(20_001)),
        ]);
        assert_eq!(history.updated("a.md").as_deref(), Some("2024-10-04"));
        assert_eq!(history.updated("b.md").as_deref(), Some("2023-01-01"));
        assert_eq!(history.updated("gone.md").as_deref(), Some("2024-10-05"));
    }
}
