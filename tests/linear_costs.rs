//! Costs that must grow linearly with the input (issue 9, item 14): many
//! diagnostics in one file, and a long glossary. Each test times the same
//! work at two sizes, sixteen times apart, in CPU time, taking the best of a
//! few runs:
//! linear work grows about 16×, quadratic work about 256×. The bound (48×)
//! leaves room for a noisy, shared machine and fixed costs while still failing
//! on quadratic behaviour (the old glossary check measured 38× at only 8×),
//! which before the fix took 0.7 s / 2.8 s / 10.4 s for 8k / 16k / 32k
//! diagnostics and 82 s for a 10,000-term glossary.

mod common;

use std::path::Path;
use std::time::Duration;
#[cfg(not(unix))]
use std::time::Instant;

use opora::diag::Diagnostics;

/// CPU time the whole process has used: unlike the wall clock, it does not
/// grow while the machine runs something else (the tests share two cores with
/// other builds), so the ratio between two sizes stays honest.
#[cfg(unix)]
fn cpu_time() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec for clock_gettime to fill.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) } == 0;
    assert!(ok, "clock_gettime");
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

#[cfg(not(unix))]
fn cpu_time() -> Duration {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

/// The process clock counts every thread, so the tests here run one at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn best_of(runs: usize, mut work: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let t = cpu_time();
            work();
            cpu_time().saturating_sub(t)
        })
        .min()
        .unwrap()
}

/// Asserts the time at `16n` is well under 256× the time at `n`.
fn assert_linear(what: &str, mut at: impl FnMut(usize) -> Duration, n: usize) {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    at(n); // warm caches and the allocator
    let small = at(n);
    let large = at(16 * n);
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-6);
    eprintln!(
        "{what}: {n} → {small:?}, {} → {large:?} ({ratio:.1}×)",
        16 * n
    );
    assert!(
        ratio < 48.0,
        "{what}: {n} took {small:?}, {} took {large:?} ({ratio:.1}×; linear is ~16×, quadratic ~256×)",
        16 * n
    );
}

fn portal_with_data() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    for file in ["data/taxonomy.toml", "data/sources.toml"] {
        std::fs::copy(common::repo().join(file), dir.path().join(file)).unwrap();
    }
    dir
}

fn load_page(root: &Path) -> Diagnostics {
    let (_, content, diags) = opora::pipeline::load_only(root);
    assert_eq!(content.pages.len(), 1);
    diags
}

#[test]
fn many_diagnostics_in_one_file_cost_linear_time_and_are_capped() {
    let dir = portal_with_data();
    let page = dir.path().join("content/pages/many.md");
    std::fs::create_dir_all(page.parent().unwrap()).unwrap();
    let write = |lines: usize| {
        let mut text = String::from("+++\ntitle = \"Много ошибок\"\n+++\n");
        for _ in 0..lines {
            text.push_str("<b>жирный</b> текст и ещё немного слов\n");
        }
        std::fs::write(&page, text).unwrap();
    };
    assert_linear(
        "diagnostics in one file",
        |n| {
            write(n);
            best_of(5, || {
                load_page(dir.path());
            })
        },
        1000,
    );
    // Every problem is counted; only the first hundred are kept and shown,
    // followed by a note with the rest.
    write(1000);
    let diags = load_page(dir.path());
    // (Data files this bare portal lacks, such as the documents' texts, add a
    // few errors of their own, all kept: only the page's are counted here.)
    let page = "content/pages/many.md";
    let elsewhere = diags.items().iter().filter(|d| d.file != page).count();
    assert_eq!(diags.error_count() - elsewhere, 2000);
    let kept = diags.items().iter().filter(|d| d.file == page).count();
    assert_eq!(kept, opora::diag::MAX_PER_FILE);
    let shown = diags.shown();
    let note = shown
        .iter()
        .rfind(|d| d.file == page)
        .expect("the page's problems are shown");
    assert!(
        note.message.contains("1900 more problem(s)"),
        "{}",
        note.message
    );
}

#[test]
fn diagnostics_on_one_very_long_line_cost_linear_time_and_quote_a_window() {
    let dir = portal_with_data();
    let page = dir.path().join("content/pages/long.md");
    std::fs::create_dir_all(page.parent().unwrap()).unwrap();
    let write = |tags: usize| {
        let mut text = String::from("+++\ntitle = \"Одна строка\"\n+++\n");
        text.push_str(&"слово ".repeat(1000));
        for _ in 0..tags {
            text.push_str("<i>курсив</i> и ");
        }
        std::fs::write(&page, text).unwrap();
    };
    assert_linear(
        "diagnostics on one long line",
        |n| {
            write(n);
            best_of(5, || {
                load_page(dir.path());
            })
        },
        1000,
    );
    let diags = load_page(dir.path());
    let last = diags.items().last().unwrap();
    let excerpt = last.excerpt.as_deref().unwrap();
    assert!(excerpt.chars().count() <= 200, "{excerpt}");
    assert!(last.pos.col > 6000, "the column is still the real one");
    let rendered = last.render();
    assert!(rendered.contains("^^^"), "{rendered}");
}

fn glossary_text(terms: usize) -> String {
    let mut text =
        String::from("# Synthetic terms: the cost of the check, not the portal's words.\n");
    for i in 0..terms {
        text.push_str(&format!(
            "\n[[terms]]\nterm = \"ТЕРМИН{i}\"\nexpansion = \"термин номер {i}\"\nexplanation = \"Пояснение.\"\n"
        ));
    }
    // One duplicate at the end, so the line-finding path runs too.
    text.push_str("\n[[terms]]\nterm = \"ТЕРМИН0\"\nexpansion = \"ещё раз\"\n");
    text
}

#[test]
fn glossary_validation_costs_linear_time() {
    let dir = portal_with_data();
    let config: opora::config::Config =
        toml::from_str("title = \"t\"\nbase_url = \"https://example.org/\"").unwrap();
    let mut last = Diagnostics::default();
    assert_linear(
        "glossary validation",
        |n| {
            std::fs::write(dir.path().join("data/glossary.toml"), glossary_text(n)).unwrap();
            // No content folder: only the data files are loaded.
            let (data, content, diags) = opora::pipeline::load_only(dir.path());
            // (The documents' texts are not copied here; only the glossary matters.)
            assert!(
                diags.items().iter().all(|d| d.file != "data/glossary.toml"),
                "{:?}",
                diags.items()
            );
            best_of(5, || {
                last = opora::validate::validate(&config, &data, &content, 0);
            })
        },
        1000,
    );
    // The duplicate is reported on its own line.
    let text = glossary_text(16 * 1000);
    let line = text.lines().count() - 1;
    let dup = last
        .items()
        .iter()
        .find(|d| d.message.contains("defined twice"))
        .unwrap_or_else(|| panic!("duplicate not reported: {:?}", last.items()));
    assert_eq!(dup.pos.line, line, "{}", dup.render());
}

/// `data/moved.toml` of thousands of wrong entries (each an error at its
/// line) is checked in time linear in its size: each finding once looked
/// for its line from the top of the file (18,000 entries took 24 s).
#[test]
fn moved_address_checks_cost_linear_time() {
    use opora::moved::{FILE, MovedFile, resolve};
    let pages: std::collections::HashSet<&str> =
        ["services/ru-mos/a/index.html", "regions/index.html"].into();
    let mut findings = 0;
    assert_linear(
        "moved address checks",
        |n| {
            let mut text = String::new();
            for i in 0..n {
                text.push_str(&format!(
                    "[[moved]]\nfrom = \"/old/{i}/\"\nto = \"/services/ru-mos/b-{i}/\"\n\n"
                ));
            }
            let file: MovedFile = toml::from_str(&text).unwrap();
            best_of(3, || {
                let mut out = Vec::new();
                assert!(resolve(&file, (FILE, &text), &pages, &mut out).is_empty());
                findings = out.len();
            })
        },
        250,
    );
    assert_eq!(findings, 16 * 250, "every wrong entry is a finding");
}

/// Asserts that checking the data file `rel` of `n` entries, each made by
/// `entry(i)` and each wrong, costs time linear in `n`, and that every
/// entry is a finding (the first hundred kept).
fn assert_data_file_checks_linear(what: &str, rel: &str, entry: impl Fn(usize) -> String) {
    let dir = portal_with_data();
    let config: opora::config::Config =
        toml::from_str("title = \"t\"\nbase_url = \"https://example.org/\"").unwrap();
    let mut wrong = 0;
    assert_linear(
        what,
        |n| {
            let text: String = (0..n).map(&entry).collect();
            std::fs::write(dir.path().join(rel), text).unwrap();
            let (data, content, _) = opora::pipeline::load_only(dir.path());
            best_of(3, || {
                let diags = opora::validate::validate(&config, &data, &content, 0);
                wrong = diags.items().iter().filter(|d| d.file == rel).count();
            })
        },
        200,
    );
    assert_eq!(wrong, opora::diag::MAX_PER_FILE, "{what}");
}

/// `data/national-lines.toml` of thousands of entries with a wrong number
/// is checked in time linear in its size: each entry once looked for its
/// line from the top of the file (12,000 entries took 47 s).
#[test]
fn national_line_checks_cost_linear_time() {
    assert_data_file_checks_linear("national line checks", "data/national-lines.toml", |i| {
        format!(
            "[[lines]]\nid = \"l{i}\"\nname = \"Линия {i}\"\nlabel = \"Л {i}\"\nnumber = \"12-34-{i}\"\nwhen = \"всегда\"\nsources = [{{ title = \"Закон\" }}]\n\n"
        )
    });
}

/// `data/places.toml` of thousands of names of regions without a file is
/// checked in time linear in its size: each finding once looked for its
/// line from the top of the file (15,000 aliases took 11 s).
#[test]
fn place_name_checks_cost_linear_time() {
    assert_data_file_checks_linear("place name checks", "data/places.toml", |i| {
        format!("[[aliases]]\nname = \"Место {i}\"\nregion = \"RU-X{i}\"\n\n")
    });
}
