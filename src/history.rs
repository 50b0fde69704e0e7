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
        }
    }

    /// The date a file last changed: its last commit, else its modification time.
    pub fn updated(&self, rel: &str) -> Option<String> {
        if let Some(d) = self.git.get(rel) {
            return Some(d.clone());
        }
        let modified = std::fs::metadata(self.root.join(rel))
            .ok()?
            .modified()
            .ok()?;
        let secs = modified
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_secs();
        Some(crate::ru::civil_from_days((secs / 86_400) as i64))
    }
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
}
