//! The comparison benchmark's Opora → Hugo content converter (`bench/hugo_content.py`) is
//! tested by its Python unit tests (`bench/test_hugo_content.py`); they run here so that
//! `cargo test` covers them. The benchmark itself needs Hugo and Pagefind, which CI does not
//! install: `bench/compare-hugo.sh --smoke` checks it end to end after `bench/setup.sh`.

mod common;

use common::*;
use std::process::Command;

#[test]
fn the_hugo_content_converter_passes_its_unit_tests() {
    let out = Command::new("python3")
        .args(["-B", "-m", "unittest", "discover", "-v"])
        .args(["-s", "bench", "-p", "test_*.py"])
        .current_dir(repo())
        .output()
        .expect(
            "python3 (3.11+, for tomllib) must be installed for the benchmark converter's tests",
        );
    // unittest reports on stderr: "Ran N tests" and "OK", or "FAILED (…)"; a skip says "skipped".
    let report = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "python3 -m unittest failed:\n{report}"
    );
    let ran: usize = report
        .lines()
        .find_map(|l| l.strip_prefix("Ran ")?.split(' ').next()?.parse().ok())
        .unwrap_or(0);
    assert!(
        ran >= 10,
        "expected the converter's tests to run, got:\n{report}"
    );
    assert!(
        report.lines().any(|l| l == "OK") && !report.contains("skipped"),
        "expected every test to pass, none skipped:\n{report}"
    );
}
