//! A bounded, seeded fuzz run over the repository's real content (see
//! `tests/fuzz/harness.rs` for the mutations and the oracle): a few hundred
//! mutated portals, each built by the `opora` binary as a child process with a
//! time bound. The long run is `cargo run --release --example fuzz -- --cases N`.

mod common;
#[path = "fuzz/harness.rs"]
mod harness;

use common::*;

#[test]
fn fuzzed_content_never_panics_hangs_loses_the_site_or_injects_a_script() {
    let config = harness::Config::new(240, 20_261_201);
    let summary = harness::run(&repo(), &config, &opora_cmd);
    let report = summary.report(config.seed);
    eprintln!("{report}");
    assert_eq!(summary.cases, config.cases, "{report}");
    assert!(summary.findings.is_empty(), "{report}");
    // Both halves of the oracle were exercised.
    assert!(summary.built >= 10 && summary.refused >= 50, "{report}");
}
