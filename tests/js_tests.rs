//! Every Node test under `tests/js/` (`*.test.mjs`) runs as part of `cargo test`,
//! so a browser script's test cannot be forgotten: a new file is picked up by name.
//! (The `.cjs` files there are helpers that Rust tests drive with their own input.)

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

/// Runs one test file under `node --test`; `Err` says why it did not pass.
fn run_node_test(file: &Path) -> Result<usize, String> {
    let out = Command::new("node")
        .arg("--test")
        .arg("--test-reporter=tap")
        .arg(file)
        .current_dir(repo())
        .output()
        .expect("node must be installed (Node 20) for the browser scripts' tests");
    let tap = String::from_utf8_lossy(&out.stdout).into_owned();
    let report = format!("{tap}\n{}", String::from_utf8_lossy(&out.stderr));
    let count = |key: &str| -> Option<usize> {
        tap.lines()
            .find_map(|l| l.strip_prefix(&format!("# {key} ")))
            .and_then(|n| n.trim().parse().ok())
    };
    if !out.status.success() {
        return Err(format!("node --test failed:\n{report}"));
    }
    // Exit 0 also when a file declares no tests or skips them: count them.
    match (
        count("pass"),
        count("fail"),
        count("skipped"),
        count("todo"),
        count("cancelled"),
    ) {
        (Some(pass), Some(0), Some(0), Some(0), Some(0)) if pass > 0 => Ok(pass),
        _ => Err(format!(
            "expected passing tests and none failed, skipped, todo or cancelled:\n{report}"
        )),
    }
}

#[test]
fn every_node_test_in_tests_js_runs_and_passes() {
    let dir = repo().join("tests/js");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with(".test.mjs"))
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 2,
        "expected the near-me tests in {}, found {files:?}",
        dir.display()
    );
    // Every file runs, then all failures are reported together.
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| {
            run_node_test(f)
                .err()
                .map(|e| format!("{}: {e}", f.display()))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
