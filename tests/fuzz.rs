//! A bounded, seeded fuzz run over the repository's real content (see
//! `tests/fuzz/` for the mutations and the oracle): a few hundred
//! mutated portals, each built by the `opora` binary as a child process with a
//! time bound. The long run is `cargo run --release --example fuzz -- --cases N`.

mod common;
#[path = "fuzz/mod.rs"]
mod harness;

use common::*;

#[test]
fn fuzzed_content_never_panics_hangs_loses_the_site_or_injects_a_script() {
    let config = harness::Config::new(200, 20_261_201);
    let summary = harness::run(&repo(), &config, &opora_cmd);
    let report = summary.report(&config);
    eprintln!("{report}");
    assert_eq!(summary.cases, config.cases, "{report}");
    assert!(summary.findings.is_empty(), "{report}");
    // Both halves of the oracle were exercised.
    assert!(summary.built >= 10 && summary.refused >= 50, "{report}");
}

/// The oracle's output half would pass anything if it saw nothing: it must flag
/// each way a script can get into a page, and leave the site's own markup alone.
#[test]
fn fuzz_oracle_flags_script_urls_and_event_handlers_in_output() {
    use harness::oracle::{Baseline, scan_output};
    let mut baseline = Baseline::default();
    baseline.learn(
        "index.html",
        r#"<script src="/quick-exit.js?v=1" defer></script>"#,
    );
    for bad in [
        r#"<a href="javascript:alert(1)">x</a>"#,
        r#"<a href="&#106;avascript:alert(1)">x</a>"#,
        r#"<a href=" java&#x09;script:alert(1)">x</a>"#,
        r#"<a href="JaVaScRiPt&colon;alert(1)">x</a>"#,
        r#"<a href=vbscript:msgbox(1)>x</a>"#,
        r#"<a href="data:text/html,<script>alert(1)</script>">x</a>"#,
        r#"<img src=x onerror=alert(1)>"#,
        r#"<p><svg/onload=alert(1)></p>"#,
        r#"<div data-tiles="javascript:alert(1)"></div>"#,
        r#"<p>text</p><script>alert(1)</script>"#,
        r#"<script src="https://evil.example/x.js"></script>"#,
        r#"<script src="//evil.example/quick-exit.js?v=1"></script>"#,
        r#"<script src="https://evil.example/quick-exit.js?v=1"></script>"#,
        r#"<script src="/quick-exit.js?v=2"></script>"#,
        r#"<iframe src="/about/"></iframe>"#,
        r#"<meta http-equiv="refresh" content="0;url=/x">"#,
        r#"<p style="background:url(javascript:alert(1))">x</p>"#,
    ] {
        assert!(
            !scan_output("page/index.html", bad, &baseline).is_empty(),
            "not flagged: {bad}"
        );
    }
    for good in [
        r#"<a href="/about/">о проекте</a><script src="/quick-exit.js?v=1" defer></script>"#,
        r#"<script src="/portal/sub/quick-exit.js?v=1" defer></script>"#,
        r#"<p>javascript:alert(1) как текст &lt;img onerror=x&gt;</p>"#,
        r#"<a href="https://example.org/" title="javascript:alert(1)">x</a>"#,
        r#"<meta http-equiv="Content-Security-Policy" content="img-src 'self' data:">"#,
        r#"<!-- <a href="javascript:x"> --><code>&lt;script&gt;</code>"#,
        r#"<a href="tel:+74842550602">+7</a> <a href="geo:54.5,36.2">карта</a>"#,
    ] {
        let found = scan_output("page/index.html", good, &baseline);
        assert!(found.is_empty(), "flagged {found:?} in: {good}");
    }
    assert!(!scan_output("a.json", r#"{"url": "javascript:alert(1)"}"#, &baseline).is_empty());
    assert!(
        !scan_output(
            "a.geojson",
            r#"{"features": [{"properties": {"website": " javascript:x"}}]}"#,
            &baseline
        )
        .is_empty()
    );
    assert!(scan_output("a.json", r#"{"title": "javascript:alert(1)"}"#, &baseline).is_empty());
    // A moved address's refresh is the site's own on its own page, to its
    // own target; the same tag anywhere else, or to elsewhere, is not.
    let moved = r#"<meta http-equiv="refresh" content="0; url=/services/ru-mos/new/">"#;
    baseline.learn("services/ru-mos/old/index.html", moved);
    assert!(scan_output("services/ru-mos/old/index.html", moved, &baseline).is_empty());
    assert!(!scan_output("page/index.html", moved, &baseline).is_empty());
    assert!(
        !scan_output(
            "services/ru-mos/old/index.html",
            r#"<meta http-equiv="refresh" content="0; url=https://evil.example/">"#,
            &baseline
        )
        .is_empty()
    );
}

/// The oracle's diagnostic half: each problem names a source file that exists and a line.
#[test]
fn fuzz_oracle_requires_every_diagnostic_to_name_a_source_file_and_line() {
    use harness::oracle::check_diagnostics;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("content/pages")).unwrap();
    std::fs::write(dir.path().join("content/pages/about.md"), "").unwrap();
    std::fs::create_dir_all(dir.path().join("public/about")).unwrap();
    std::fs::write(dir.path().join("public/about/index.html"), "").unwrap();
    let good = "error: `crysis` is not one of the taxonomy's needs\n  --> content/pages/about.md:4:10\n  |\n4 | needs\n  = hint: x\n\nwarning: stale\n  --> content/pages/about.md:1:1\n\nbuild failed: 1 error(s)\n";
    assert_eq!(check_diagnostics(good, dir.path()), Vec::<String>::new());
    for bad in [
        "error: something broke\n\nbuild failed\n",
        "error: a link\n  --> public/about/index.html:1:1\n",
        "error: a link\n  --> content/pages/missing.md:3:1\n",
        "error: nowhere\n  --> :0:0\n",
        "error: no line\n  --> content/pages/about.md\n",
        "error: outside\n  --> /etc/passwd:1:1\n",
    ] {
        assert_eq!(
            check_diagnostics(bad, dir.path()).len(),
            1,
            "not flagged exactly once: {bad}"
        );
    }
}

/// The harness itself, end to end: a stand-in for `opora` that builds the
/// unmutated portal properly and then misbehaves in one way must be caught.
#[test]
fn fuzz_harness_reports_every_kind_of_misbehaviour() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("fake-opora.sh");
    // Called as `fake-opora.sh --root ROOT build`.
    std::fs::write(
        &script,
        r#"root="$2"
if [ ! -e "$root/.fake-built" ]; then
  touch "$root/.fake-built"; mkdir -p "$root/public"; echo '<p>ok</p>' > "$root/public/index.html"; exit 0
fi
case "$FAKE" in
  inject) echo '<a href="javascript:alert(1)">x</a>' > "$root/public/index.html"; exit 0 ;;
  handler) echo '<img src="/a.png" onerror="alert(1)">' > "$root/public/index.html"; exit 0 ;;
  hang) exec sleep 600 ;;
  panic) echo "thread 'main' panicked at src/x.rs:1:1" >&2; exit 101 ;;
  clobber) echo half > "$root/public/index.html"; printf 'error: broken\n  --> opora.toml:1:1\n' >&2; exit 1 ;;
  vague) echo "error: something went wrong" >&2; exit 1 ;;
  silent) exit 1 ;;
  fine) printf 'error: broken\n  --> opora.toml:2:1\n' >&2; exit 1 ;;
esac
"#,
    )
    .unwrap();
    let run = |mode: &'static str| {
        let mut config = harness::Config::new(1, 5);
        config.workers = 1;
        config.timeout = std::time::Duration::from_secs(2);
        let script = script.clone();
        let fake = move || {
            let mut cmd = std::process::Command::new("sh");
            cmd.arg(&script).env("FAKE", mode);
            cmd
        };
        let summary = harness::run(&repo(), &config, &fake);
        assert_eq!(summary.cases, 1);
        summary
            .findings
            .iter()
            .flat_map(|f| f.problems.clone())
            .collect::<Vec<_>>()
            .join("\n")
    };
    for (mode, expected) in [
        ("inject", "javascript:alert(1)"),
        ("handler", "event handler"),
        ("hang", "no answer within 2 s"),
        ("panic", "panic"),
        ("clobber", "changed the previous public/"),
        ("vague", "without a location"),
        ("silent", "without an error message"),
    ] {
        let found = run(mode);
        assert!(
            found.contains(expected),
            "{mode}: expected `{expected}` among: {found:?}"
        );
    }
    assert_eq!(run("fine"), "", "a clean refusal is not a finding");
}
