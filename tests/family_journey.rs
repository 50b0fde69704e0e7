//! A parent in crisis on a cheap phone: the default portal in headless Chromium at
//! 360×740 and 320×640 (tests/browser/family-journey.mjs, puppeteer-core driving
//! Debian's chromium, axe-core run in each page). What it checks is listed at the top
//! of that script; this test builds the site, runs it and shows its failures.
//!
//! `scripts/test.sh` installs the npm packages (`npm ci` in tests/browser) first.
//! `OPORA_SHOTS=DIR` also saves 360 px screenshots of home, a region, a need, a route
//! and a service page there.

mod common;

use common::*;
use std::process::Command;

#[test]
fn a_parent_reaches_a_phone_on_every_family_page_at_360_and_320_px() {
    let browser_dir = repo().join("tests/browser");
    assert!(
        browser_dir.join("node_modules/puppeteer-core").is_dir()
            && browser_dir.join("node_modules/axe-core").is_dir(),
        "npm packages missing: run `npm ci --prefix tests/browser` (scripts/test.sh does)"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("public");
    let o = opora(&repo(), &["build", "--output", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));

    let mut cmd = Command::new("node");
    cmd.arg(browser_dir.join("family-journey.mjs")).arg(&out);
    if let Some(shots) = std::env::var_os("OPORA_SHOTS") {
        cmd.arg("--shots").arg(shots);
    }
    let run = cmd
        .output()
        .expect("node must be installed (Node 20) for the browser tests");
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap_or_else(|_| {
        panic!(
            "the browser script printed no report:\n{}\n{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        )
    });
    let failures: Vec<&str> = report["failures"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f.as_str())
        .collect();
    assert!(
        failures.is_empty() && run.status.success(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    // 14 page types × 2 screen sizes were measured.
    assert_eq!(report["pages"], 28, "{report}");
}
