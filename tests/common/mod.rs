//! Helpers shared by the integration tests: temporary portals and running the CLI.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).sort_by_file_name() {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else if entry.file_type().is_symlink() {
            // As `cp -r` does: a link stays a link (a built portal's search
            // indexes link to their shared files by a relative path).
            #[cfg(unix)]
            std::os::unix::fs::symlink(std::fs::read_link(entry.path()).unwrap(), &dest).unwrap();
        } else {
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// A small portal in a temporary folder: the repo's templates, static files,
/// taxonomy, source list with the documents' texts and house style, plus the
/// `tests/fixtures/mini` content.
pub fn mini_portal() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = repo();
    copy_dir(&root.join("templates"), &dir.path().join("templates"));
    copy_dir(&root.join("static"), &dir.path().join("static"));
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    std::fs::copy(
        root.join("data/taxonomy.toml"),
        dir.path().join("data/taxonomy.toml"),
    )
    .unwrap();
    std::fs::copy(
        root.join("data/sources.toml"),
        dir.path().join("data/sources.toml"),
    )
    .unwrap();
    copy_dir(&root.join("data/sources"), &dir.path().join("data/sources"));
    std::fs::copy(
        root.join("data/style.toml"),
        dir.path().join("data/style.toml"),
    )
    .unwrap();
    copy_dir(&root.join("tests/fixtures/mini"), dir.path());
    dir
}

/// The date every CLI run in the tests takes as "today" when the portal's
/// `opora.toml` does not fix one, so no test depends on the wall clock.
pub const TEST_TODAY: &str = "2026-12-01";

/// The `opora` binary with the test clock set.
pub fn opora_cmd() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_opora"));
    cmd.env("OPORA_TODAY", TEST_TODAY);
    // Deployment settings come from the environment; tests set their own.
    cmd.env_remove("OPORA_BASE_URL");
    cmd.env_remove("OPORA_EDIT_LINK_BASE");
    cmd.env_remove("OPORA_CMS");
    cmd
}

pub fn opora(root: &Path, args: &[&str]) -> Output {
    opora_cmd()
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .expect("run opora")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file under `dir` with its bytes, sorted by path.
pub fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            out.push((rel, std::fs::read(entry.path()).unwrap()));
        }
    }
    out
}
