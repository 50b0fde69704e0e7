//! Bad input: each fixture under tests/fixtures/bad/<case>/ is laid over the
//! mini portal; `opora build` must fail with the diagnostic named in the case's
//! `expect.txt` (first line: `file:line:col`, then message fragments) and
//! leave the previous output byte-for-byte as it was.

mod common;

use common::*;
use std::path::Path;

fn build_ok(root: &Path) -> Vec<(String, Vec<u8>)> {
    let out = opora(root, &["build"]);
    assert!(
        out.status.success(),
        "mini portal must build: {}",
        stderr(&out)
    );
    snapshot(&root.join("public"))
}

/// Lays `case` over a fresh mini portal with a built `public/`, builds again
/// and checks the failure; returns stderr, or what went wrong.
fn check_failure(
    setup: impl FnOnce(&Path),
    expected: &[&str],
    extra_args: &[&str],
) -> Result<String, String> {
    let portal = mini_portal();
    let root = portal.path();
    let before = build_ok(root);
    setup(root);
    let mut args = vec!["build"];
    args.extend_from_slice(extra_args);
    let out = opora(root, &args);
    let err = stderr(&out);
    let mut problems = Vec::new();
    if out.status.success() {
        problems.push("build should fail".to_string());
    }
    for e in expected {
        if !err.contains(e) {
            problems.push(format!("expected `{e}` in stderr"));
        }
    }
    if err.contains("panicked") {
        problems.push("panicked".to_string());
    }
    if snapshot(&root.join("public")) != before {
        problems.push("previous public/ must be untouched".to_string());
    }
    // No staging leftovers beside public/.
    let leftovers: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("staging"))
        .collect();
    if !leftovers.is_empty() {
        problems.push(format!("staging leftovers: {leftovers:?}"));
    }
    if problems.is_empty() {
        Ok(err)
    } else {
        Err(format!("{}; stderr:\n{err}", problems.join("; ")))
    }
}

fn expect_failure(setup: impl FnOnce(&Path), expected: &[&str], extra_args: &[&str]) -> String {
    check_failure(setup, expected, extra_args).unwrap_or_else(|problem| panic!("{problem}"))
}

/// Every case runs, and every failing case is reported, not just the first.
#[test]
fn every_fixture_case_reports_its_diagnostic() {
    let cases = repo().join("tests/fixtures/bad");
    let mut names: Vec<_> = std::fs::read_dir(&cases)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    names.sort();
    assert!(
        names.len() >= 10,
        "expected the fixture cases, found {}",
        names.len()
    );
    let mut failures = Vec::new();
    for case in &names {
        let expect = std::fs::read_to_string(case.join("expect.txt")).unwrap_or_default();
        let expected: Vec<&str> = expect.lines().filter(|l| !l.trim().is_empty()).collect();
        if expected.is_empty() {
            failures.push(format!(
                "{}: expect.txt is missing or empty",
                case.display()
            ));
            continue;
        }
        let strict = case.join("strict").exists();
        let args: &[&str] = if strict { &["--strict"] } else { &[] };
        let files = case.join("files");
        match check_failure(|root| copy_dir(&files, root), &expected, args) {
            Ok(err) => eprintln!(
                "case {} ok: {}",
                case.display(),
                err.lines().next().unwrap_or("")
            ),
            Err(problem) => failures.push(format!("{}: {problem}", case.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        names.len(),
        failures.join("\n\n")
    );
}

#[test]
fn all_problems_are_reported_at_once() {
    let err = expect_failure(
        |root| {
            copy_dir(&repo().join("tests/fixtures/bad/unknown-need/files"), root);
            copy_dir(&repo().join("tests/fixtures/bad/bad-phone/files"), root);
            copy_dir(&repo().join("tests/fixtures/bad/raw-html/files"), root);
        },
        &["crysis", "phone `55-06-02`", "raw HTML"],
        &[],
    );
    assert!(
        err.contains("3 error(s)") || err.contains("error(s)"),
        "{err}"
    );
}

#[test]
fn binary_garbage_is_a_diagnostic() {
    expect_failure(
        |root| {
            let bytes: Vec<u8> = (0..4096u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect();
            std::fs::write(root.join("content/services/ru-mos/garbage.md"), bytes).unwrap();
        },
        &["content/services/ru-mos/garbage.md"],
        &[],
    );
}

#[test]
fn windows_1251_is_a_diagnostic_with_a_hint() {
    expect_failure(
        |root| {
            let mut bytes = b"+++\nname = \"".to_vec();
            bytes.extend([0xD1, 0xE5, 0xEC, 0xFC, 0xFF, 0xE8, b'"', b'\n']);
            std::fs::write(root.join("content/pages/cp1251.md"), bytes).unwrap();
        },
        &[
            "content/pages/cp1251.md:2:",
            "not valid UTF-8",
            "Windows-1251",
        ],
        &[],
    );
}

#[test]
fn huge_file_is_refused_without_reading_it() {
    expect_failure(
        |root| {
            let f = std::fs::File::create(root.join("content/pages/huge.md")).unwrap();
            f.set_len(50 * 1024 * 1024).unwrap();
        },
        &["content/pages/huge.md", "50.0 MB"],
        &[],
    );
}

#[test]
fn directory_where_a_file_belongs() {
    expect_failure(
        |root| std::fs::create_dir_all(root.join("content/practices/folder.md")).unwrap(),
        &["content/practices/folder.md", "is a directory"],
        &[],
    );
}

#[test]
fn broken_template_names_the_template_line() {
    expect_failure(
        |root| {
            let path = root.join("templates/service.html");
            let mut t = std::fs::read_to_string(&path).unwrap();
            t.push_str("\n{% if %}\n");
            std::fs::write(path, t).unwrap();
        },
        &["templates/service.html", "template error"],
        &[],
    );
}

/// A template that parses but fails while a page is rendered stops the
/// build after the staging folder was made: the previous site stays, and
/// the half-made one is set aside for the next build, not left at the
/// staging name.
#[test]
fn a_template_that_fails_while_rendering_leaves_no_staging_folder() {
    expect_failure(
        |root| {
            let path = root.join("templates/service.html");
            let t = std::fs::read_to_string(&path).unwrap();
            std::fs::write(
                path,
                t.replace(
                    "{% block main %}",
                    "{% block main %}{{ page.nothing.here }}",
                ),
            )
            .unwrap();
        },
        &["templates/service.html", "template error"],
        &[],
    );
}

/// A service's card is rendered once for every list that shows it, with
/// `s` and the site-wide values only (src/render/cards.rs): a card that
/// reaches for one page's values fails the build at its own line, naming
/// the service, instead of leaving the lists without it.
#[test]
fn a_card_that_uses_one_pages_values_names_its_line_and_service() {
    let err = expect_failure(
        |root| {
            let path = root.join("templates/partials/service_card.html");
            let t = std::fs::read_to_string(&path).unwrap();
            std::fs::write(path, format!("{t}\n{{{{ page.title }}}}\n")).unwrap();
        },
        &[
            "templates/partials/service_card.html",
            "template error",
            "the card of services/",
        ],
        &[],
    );
    let card =
        std::fs::read_to_string(repo().join("templates/partials/service_card.html")).unwrap();
    let line = card.lines().count() + 2;
    assert!(
        err.contains(&format!("templates/partials/service_card.html:{line}:")),
        "at the line that uses `page`, {line}: {err}"
    );
}

#[test]
fn missing_config_is_clear() {
    let portal = mini_portal();
    std::fs::remove_file(portal.path().join("opora.toml")).unwrap();
    let out = opora(portal.path(), &["check"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no opora.toml"), "{}", stderr(&out));
}

/// A term id is the code of its HSDS taxonomy term in the open data, which
/// must be unique across the taxonomies: the same id in two vocabularies is
/// refused at the repeated line.
#[test]
fn one_id_in_two_vocabularies_is_refused() {
    let mut line = 0;
    let err = expect_failure(
        |root| {
            let path = root.join("data/taxonomy.toml");
            let mut text = std::fs::read_to_string(&path).unwrap();
            text.push_str("\n[[target_groups]]\nid = \"addiction\"\nlabel = \"Повтор\"\n");
            line = text.lines().count() - 1;
            std::fs::write(&path, text).unwrap();
        },
        &["id `addiction` is used by both `needs` and `target_groups`"],
        &[],
    );
    assert!(
        err.contains(&format!("data/taxonomy.toml:{line}:")),
        "at the repeated id, line {line}: {err}"
    );
}

/// Two records of one service — the same name, folded (case, «ё», quotes and
/// spaces), in one region's folder and town — are each reported against the
/// first, in the records' order; the same name in another town or another
/// region is another service.
#[test]
fn records_of_one_service_are_reported_against_the_first() {
    let err = expect_failure(
        |root| {
            let folder = root.join("content/services/ru-mos");
            let original = std::fs::read_to_string(folder.join("semya-i-dom.md")).unwrap();
            let copy = |name: &str, text: &str| std::fs::write(folder.join(name), text).unwrap();
            let renamed = original.replace(
                "name = \"«Семья и дом», Орехово-Зуево\"",
                "name = \"«СЕМЬЯ И ДОМ», орехово-зуево\"",
            );
            copy("z-copy.md", &renamed);
            copy("a-copy.md", &original);
            copy(
                "other-town.md",
                &original.replace(
                    "municipality = \"Орехово-Зуево\"",
                    "municipality = \"Коломна\"",
                ),
            );
            let other_region = root.join("content/services/ru-klu/semya-i-dom.md");
            std::fs::write(
                other_region,
                original.replace("region = \"RU-MOS\"", "region = \"RU-KLU\""),
            )
            .unwrap();
        },
        &[],
        &[],
    );
    let lines: Vec<&str> = err.lines().collect();
    let reported: Vec<(&str, &str)> = lines
        .windows(2)
        .filter(|w| w[0].contains("same name as"))
        .map(|w| (w[0], w[1]))
        .collect();
    let first = "error: same name as content/services/ru-mos/a-copy.md";
    assert_eq!(
        reported,
        vec![
            (first, "  --> content/services/ru-mos/semya-i-dom.md:1:1"),
            (first, "  --> content/services/ru-mos/z-copy.md:1:1"),
        ],
        "{err}"
    );
}

/// A setting of the right form but out of range is blamed on its place in
/// `opora.toml`, with a hint that says so (not one about TOML's syntax).
#[test]
fn a_page_size_of_zero_for_the_open_data_is_refused_where_it_is_written() {
    let err = expect_failure(
        |root| {
            let config = root.join("opora.toml");
            let mut text = std::fs::read_to_string(&config).unwrap();
            text.push_str("\n[open_data]\nhsds_per_page = 0\n");
            std::fs::write(&config, text).unwrap();
        },
        &[
            "invalid value: integer `0`, expected a nonzero usize",
            "opora.toml:8:17",
            "out of range",
        ],
        &[],
    );
    assert!(!err.contains("TOML syntax"), "{err}");
}

/// Control characters are invisible in an editor and break the site (XML
/// feeds refuse them): one written raw or made by a TOML escape is refused
/// where it stands, in a record, its body or a data file.
#[test]
fn control_characters_are_refused_where_they_are_written() {
    let service = "content/services/ru-mos/semya-i-dom.md";
    let edit = |root: &Path, from: &str, to: &str| {
        let path = root.join(service);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from));
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    expect_failure(
        |root| edit(root, "name = \"«Семья", "name = \"A\\u0007B «Семья"),
        &[
            &format!("{service}:2:10"),
            "`\\u0007` makes an invisible control character",
        ],
        &[],
    );
    expect_failure(
        |root| edit(root, "Семейный центр", "Семейный \x1b[2J центр"),
        &[
            &format!("{service}:11:10"),
            "invisible control character (\\u{1b})",
            "hint: delete it",
        ],
        &[],
    );
    expect_failure(
        |root| {
            let path = root.join("data/glossary.toml");
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, format!("# \u{85}\n{text}")).unwrap();
        },
        &["data/glossary.toml:1:3", "(\\u{85})"],
        &[],
    );
}

/// A value quoted in a message cannot make a line of the human output that a
/// CI runner would take for a workflow command.
#[test]
fn a_quoted_value_cannot_pass_for_a_workflow_command() {
    let err = expect_failure(
        |root| {
            let path = root.join("content/services/ru-mos/semya-i-dom.md");
            let text = std::fs::read_to_string(&path).unwrap();
            let text = text.replacen(
                "needs = [",
                "needs = [\"x\\n::error file=README.md,line=1::injected\", ",
                1,
            );
            std::fs::write(&path, text).unwrap();
        },
        &["injected"],
        &[],
    );
    assert!(err.lines().all(|line| !line.starts_with("::")), "{err}");
}

/// A copy of this repository's portal (hundreds of records citing and
/// tagging what the data files hold), in a temporary folder.
fn repository_portal() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for folder in ["content", "data", "templates", "static"] {
        copy_dir(&repo().join(folder), &dir.path().join(folder));
    }
    std::fs::copy(repo().join("opora.toml"), dir.path().join("opora.toml")).unwrap();
    dir
}

/// `opora check`'s report on the repository's portal after `spoil`, as
/// (every diagnostic's first two lines, the summary line).
fn check_spoiled(spoil: impl FnOnce(&Path)) -> (Vec<String>, String) {
    let portal = repository_portal();
    spoil(portal.path());
    let o = opora(portal.path(), &["check"]);
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    let found = lines
        .windows(2)
        .filter(|w| w[0].starts_with("error: ") || w[0].starts_with("warning: "))
        .map(|w| format!("{}\n{}", w[0], w[1]))
        .collect();
    let summary = lines.last().copied().unwrap_or_default().to_string();
    (found, summary)
}

/// One typo in the taxonomy is reported first and alone: the records' values
/// cannot be checked against a taxonomy that could not be read, so the
/// hundreds of "is not one of the taxonomy's needs" (with a hint listing
/// nothing) that used to come first are not reported; a note says once what
/// was not checked.
#[test]
fn a_taxonomy_that_cannot_be_read_is_the_one_problem_reported() {
    let (found, summary) = check_spoiled(|root| {
        std::fs::write(root.join("data/taxonomy.toml"), "x = [1,\n").unwrap();
    });
    assert!(
        found[0].starts_with("error: unclosed array")
            && found[0].ends_with("data/taxonomy.toml:1:8"),
        "the root cause first: {found:#?}"
    );
    assert_eq!(
        summary, "check failed: 1 error(s), 1 warning(s)",
        "{found:#?}"
    );
    assert!(
        found[1].starts_with("warning: the values records take from its vocabularies")
            && found[1].ends_with("data/taxonomy.toml:1:8"),
        "{found:#?}"
    );
}

/// An unknown key in `data/sources.toml` is reported first and alone, not
/// after every citation of every document it lists.
#[test]
fn a_source_list_that_cannot_be_read_is_the_one_problem_reported() {
    let mut line = 0;
    let (found, summary) = check_spoiled(|root| {
        let path = root.join("data/sources.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let at = text.find("\ntitle = ").expect("a document's title") + 1;
        line = text[..at].lines().count() + 1;
        std::fs::write(
            &path,
            format!("{}autor = \"x\"\n{}", &text[..at], &text[at..]),
        )
        .unwrap();
    });
    assert!(
        found[0].starts_with("error: unknown field `autor`")
            && found[0].ends_with(&format!("data/sources.toml:{line}:1")),
        "the root cause first: {found:#?}"
    );
    assert_eq!(
        summary, "check failed: 1 error(s), 1 warning(s)",
        "{found:#?}"
    );
    assert!(
        found[1].starts_with("warning: citations of its documents"),
        "{found:#?}"
    );
}

/// A hint never offers a list with nothing in it: with a vocabulary left
/// empty, the taxonomy is blamed once, where it says so, and the records'
/// values are not each refused with "use one of:  ".
#[test]
fn an_empty_vocabulary_is_reported_once_in_the_taxonomy() {
    let (found, summary) = check_spoiled(|root| {
        let path = root.join("data/taxonomy.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let mut parts = text.split("[[event_kinds]]");
        let mut kept = parts.next().unwrap().to_string();
        // Each entry of the vocabulary runs to the next table's header.
        for entry in parts {
            kept.push_str(entry.find("\n[[").map_or("", |i| &entry[i..]));
        }
        std::fs::write(&path, format!("event_kinds = []\n{kept}")).unwrap();
    });
    assert_eq!(
        found,
        vec![
            "error: the taxonomy's `event_kinds` vocabulary has no terms\n  --> data/taxonomy.toml:1:1"
                .to_string()
        ],
        "{summary}"
    );
}

/// No hint offers a list with nothing in it ("known documents: ", "use the
/// code of a file in content/regions/: "): with no documents listed and no
/// region files, the hints say where to add the first one.
#[test]
fn no_hint_lists_nothing() {
    let portal = mini_portal();
    let root = portal.path();
    std::fs::remove_file(root.join("data/sources.toml")).unwrap();
    std::fs::remove_dir_all(root.join("content/regions")).unwrap();
    let o = opora(root, &["check"]);
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("is not listed in data/sources.toml"), "{err}");
    assert!(err.contains("region `RU-MOS` does not exist"), "{err}");
    let empty: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("  = hint:"))
        .filter(|l| l.trim_end().ends_with(':') || l.contains(":  "))
        .collect();
    assert!(empty.is_empty(), "hints that list nothing: {empty:#?}");
    assert!(
        err.contains("hint: data/sources.toml lists no documents yet")
            && err.contains("hint: content/regions/ has no region yet"),
        "{err}"
    );
}

#[test]
fn a_missing_static_file_is_one_error_at_the_template_that_names_it() {
    // Was: a broken link on every page, each blamed on an output file.
    let err = expect_failure(
        |root| std::fs::remove_file(root.join("static/style.css")).unwrap(),
        &[
            "templates/base.html:",
            "there is no static/style.css",
            "hint: put the file",
        ],
        &[],
    );
    let errors = err.lines().filter(|l| l.starts_with("error:")).count();
    assert_eq!(errors, 1, "{err}");
    assert!(!err.contains("public/"), "{err}");
}

#[test]
fn a_taxonomy_id_that_is_not_a_slug_is_reported_at_its_line() {
    let mut line = 0;
    let err = expect_failure(
        |root| {
            let path = root.join("data/taxonomy.toml");
            let text = std::fs::read_to_string(&path).unwrap();
            line = 1 + text.lines().position(|l| l == "id = \"crisis\"").unwrap();
            std::fs::write(
                path,
                text.replacen("id = \"crisis\"", "id = \"Кризис!\"", 1),
            )
            .unwrap();
        },
        &["taxonomy id `Кризис!` must be lower-case Latin"],
        &[],
    );
    assert!(
        err.contains(&format!("data/taxonomy.toml:{line}:1")),
        "not at line {line}: {err}"
    );
}

#[test]
fn a_missing_document_text_is_one_error_not_one_more_per_quote() {
    let err = expect_failure(
        |root| std::fs::remove_file(root.join("data/sources/000.txt")).unwrap(),
        &["the text of document `000` is missing"],
        &[],
    );
    assert!(!err.contains("keeps no text"), "{err}");
}
