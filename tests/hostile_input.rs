//! Content, configuration and command-line arguments written as an attacker
//! would write them: nothing may put a script on the site, lead a link
//! elsewhere than it reads, hang the tool, blow up, or write outside the
//! portal. Each test is named after what it protects (issue 9, items 10–13,
//! 15, 16 and 18).

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// `file:line:col` of the first diagnostic whose message contains `needle`.
fn place_of(err: &str, needle: &str) -> String {
    let mut lines = err.lines();
    while let Some(line) = lines.next() {
        if line.contains(needle) {
            let at = lines.next().unwrap_or("");
            return at.trim().trim_start_matches("--> ").to_string();
        }
    }
    panic!("no diagnostic mentions {needle:?}:\n{err}")
}

/// Line and column (1-based, characters) of `needle` in `text`.
fn line_col(text: &str, needle: &str) -> (usize, usize) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in text"));
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count()
        + 1;
    (line, col)
}

/// Runs opora with a deadline: a hang is a failure, not a stuck test run.
fn opora_within(root: &Path, args: &[&str], limit: Duration) -> Output {
    let mut child = opora_cmd()
        .arg("--root")
        .arg(root)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run opora");
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "opora {args:?} still running after {limit:?}:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

const HOSTILE_ROUTE: &str = r#"+++
title = "Если нужна помощь"
audience = "family"
needs = ["crisis"]
sources = [{ doc = "000", line = 120 }]

[[steps]]
title = "Позвоните"
text = "Спросите \"что\" [здесь](javascript:alert(1)) и <b onclick=alert(2)>жирно</b>."

[[steps]]
title = "Решите"
[[steps.branches]]
label = "Высокий риск"
text = """
Подключается **КДН**.
![схема](javascript:alert(3)) и <javascript:alert(4)>
[карта](data:text/html,alert5) [ещё][r]

[r]: vbscript:alert(6)
"""
+++
Текст маршрута.
"#;

#[test]
fn route_step_and_branch_markdown_is_checked_where_it_is_written() {
    let portal = mini_portal();
    write(portal.path(), "content/routes/hostile.md", HOSTILE_ROUTE);
    let o = opora(portal.path(), &["check"]);
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    let at = |needle: &str| {
        let (l, c) = line_col(HOSTILE_ROUTE, needle);
        format!("content/routes/hostile.md:{l}:{c}")
    };
    assert_eq!(
        place_of(&err, "link to `javascript:alert(1)`"),
        at("[здесь]")
    );
    assert_eq!(place_of(&err, "raw HTML"), at("<b onclick"));
    assert_eq!(
        place_of(&err, "image `javascript:alert(3)`"),
        at("![схема]")
    );
    assert_eq!(
        place_of(&err, "link to `javascript:alert(4)`"),
        at("<javascript:alert(4)>")
    );
    assert_eq!(place_of(&err, "link to `data:"), at("[карта]"));
    // A reference-style link is placed at its definition, where the target is.
    assert_eq!(
        place_of(&err, "link to `vbscript:alert(6)`"),
        at("[r]: vbscript")
    );
    assert!(!portal.path().join("public").exists());
}

/// Every `href`/`src` value in the HTML, as a browser would read it.
fn attribute_urls(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in [" href=\"", " src=\"", " data-tiles=\"", " data-url=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap_or(rest.len());
            let value = rest[..end]
                .replace("&amp;", "&")
                .replace("&#x2f;", "/")
                .replace("&#47;", "/");
            out.push(
                value
                    .trim_matches(|c: char| c <= ' ')
                    .chars()
                    .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                    .collect(),
            );
            rest = &rest[end..];
        }
    }
    out
}

#[test]
fn no_script_url_reaches_the_site_even_when_checks_are_skipped() {
    // Defence in depth: load and render hostile content *without* validating
    // it, as a broken pipeline might; the HTML must still carry no script.
    let portal = mini_portal();
    let root = portal.path();
    write(root, "content/routes/hostile.md", HOSTILE_ROUTE);
    write(
        root,
        "content/services/ru-mos/hostile.md",
        "+++\nname = \"Враг\"\nkind = \"family-centre\"\nneeds = [\"crisis\"]\nregion = \"RU-MOS\"\nemails = [\"a@b.ru\\\"><x>\", \"javascript:alert(7)//@b.ru\"]\nwebsite = \"javascript:alert(8)//x.ru\"\nverified = 2026-11-24\nsources = [{ url = \"javascript:alert(9)\" }]\n+++\n[a](javascript:alert(10)) [b](//evil.example/) [c](/\\evil.example/) ![d](https://cdn.evil.example/x.png)\n",
    );
    let (diags, files) = opora::pipeline::render_unchecked(root).expect("render");
    assert!(
        diags.error_count() >= 5,
        "loading reports the body and step problems"
    );
    let mut checked = 0;
    for (path, bytes) in &files {
        let html = String::from_utf8_lossy(bytes);
        assert!(!html.contains("onclick"), "{path}");
        assert!(!html.contains("<x>"), "{path}");
        for url in attribute_urls(&html) {
            checked += 1;
            let lower = url.to_ascii_lowercase();
            for bad in ["javascript:", "vbscript:", "data:", "//", "/\\"] {
                assert!(!lower.starts_with(bad), "{path}: {url}");
            }
            assert!(!lower.contains("evil.example"), "{path}: {url}");
            assert!(!lower.contains("alert("), "{path}: {url}");
        }
    }
    assert!(checked > 100, "the pages have links to check");
}

#[test]
fn config_addresses_are_checked_with_file_and_line() {
    let portal = mini_portal();
    let toml = "title = \"Опора\"\nbase_url = \"https://example.org//evil.example/\"\nedit_link_base = \"javascript:alert(1)//\"\nquick_exit_url = \"javascript:alert(2)\"\ntoday = 2026-11-24\n\n[map]\ntiles = true\ntile_url = \"https://tiles.example.org/{z}/{x}/{y}.png?\\\"onload=alert(3)\"\n";
    write(portal.path(), "opora.toml", toml);
    let o = opora(portal.path(), &["build"]);
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    for (needle, line) in [
        ("base_url", 2),
        ("edit_link_base", 3),
        ("quick_exit_url", 4),
        ("tile_url", 9),
    ] {
        let place = place_of(&err, needle);
        assert!(
            place.starts_with(&format!("opora.toml:{line}:")),
            "{needle}: {place}\n{err}"
        );
    }
    assert!(!portal.path().join("public").exists(), "nothing was built");
}

#[test]
fn base_url_argument_is_refused_not_turned_into_a_protocol_relative_path() {
    let portal = mini_portal();
    for bad in [
        "javascript:alert(1)//",
        "//evil.example/",
        "https://example.org//evil.example/",
        "https://a.ru@evil.example/",
    ] {
        let o = opora(portal.path(), &["build", "--base-url", bad]);
        let err = stderr(&o);
        assert!(!o.status.success(), "{bad}: {err}");
        assert!(err.contains("--base-url"), "{bad}: {err}");
        assert!(!portal.path().join("public").exists(), "{bad}");
    }
    // The same addresses from a deployment's environment are refused too.
    for (name, bad) in [
        ("OPORA_BASE_URL", "javascript:alert(1)//"),
        ("OPORA_EDIT_LINK_BASE", "javascript:alert(2)//"),
    ] {
        let o = opora_cmd()
            .env(name, bad)
            .arg("--root")
            .arg(portal.path())
            .arg("build")
            .output()
            .unwrap();
        let err = stderr(&o);
        assert!(!o.status.success(), "{name}: {err}");
        assert!(err.contains(&format!("${name}")), "{err}");
        assert!(!portal.path().join("public").exists(), "{name}");
    }
    let o = opora(
        portal.path(),
        &["build", "--base-url", "http://localhost:8080/"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn emails_and_links_that_only_look_valid_are_refused() {
    let portal = mini_portal();
    let text = "+++\nname = \"Центр\"\nkind = \"family-centre\"\nneeds = [\"crisis\"]\nregion = \"RU-MOS\"\nemails = [\"a@b.ru\\\"><x>\", \"javascript:alert(1)//@b.ru\", \"ok@mail.ru\"]\nwebsite = \"https://bank.ru@evil.example/\"\nverified = 2026-11-24\nsources = [{ url = \"https://x.ru/\\\\evil\" }]\n+++\n[a](//evil.example) [b](/\\evil.example/) [c](<java\tscript:alert(1)>) [d](https://x.ru/&#x0a;)\n";
    write(portal.path(), "content/services/ru-mos/tricks.md", text);
    let o = opora(portal.path(), &["check"]);
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    let file = "content/services/ru-mos/tricks.md";
    for (needle, written) in [
        ("`a@b.ru\\\"><x>` is not an e-mail", "\"a@b.ru"),
        (
            "`javascript:alert(1)//@b.ru` is not an e-mail",
            "\"javascript",
        ),
        (
            "`https://bank.ru@evil.example/` is not a web address",
            "\"https://bank",
        ),
        (
            "`https://x.ru/\\\\evil` is not a web address",
            "\"https://x.ru/\\",
        ),
        ("link to `//evil.example`", "[a]"),
        ("link to `/\\\\evil.example/`", "[b]"),
        ("link to `java\\tscript:alert(1)`", "[c]"),
        ("link to `https://x.ru/\\n`", "[d]"),
    ] {
        let (l, c) = line_col(text, written);
        assert_eq!(
            place_of(&err, needle),
            format!("{file}:{l}:{c}"),
            "{needle}"
        );
    }
    assert!(!err.contains("`ok@mail.ru`"), "{err}");
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let _ = std::fs::remove_file(path);
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo {}", path.display());
}

#[cfg(unix)]
#[test]
fn fifos_and_devices_among_the_sources_are_reported_never_read() {
    let portal = mini_portal();
    let root = portal.path();
    let limit = Duration::from_secs(60);
    // opora.toml as a FIFO: nothing else can be read, one clear error.
    let config = std::fs::read(root.join("opora.toml")).unwrap();
    mkfifo(&root.join("opora.toml"));
    let o = opora_within(root, &["check"], limit);
    let err = stderr(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("opora.toml:1:1") && err.contains("named pipe (FIFO)"),
        "{err}"
    );
    std::fs::remove_file(root.join("opora.toml")).unwrap();
    std::fs::write(root.join("opora.toml"), config).unwrap();

    // A FIFO and a /dev/zero symlink for content, data, stats and a template.
    mkfifo(&root.join("data/glossary.toml"));
    mkfifo(&root.join("content/pages/pipe.md"));
    std::fs::create_dir_all(root.join("data/stats")).unwrap();
    mkfifo(&root.join("data/stats/pipe.toml"));
    std::os::unix::fs::symlink("/dev/zero", root.join("content/pages/zero.md")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", root.join("data/stats/zero.toml")).unwrap();
    std::fs::remove_file(root.join("templates/page.html")).unwrap();
    mkfifo(&root.join("templates/page.html"));
    let o = opora_within(root, &["build"], limit);
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    for (file, kind) in [
        ("data/glossary.toml", "named pipe"),
        ("content/pages/pipe.md", "named pipe"),
        ("data/stats/pipe.toml", "named pipe"),
        ("content/pages/zero.md", "device"),
        ("data/stats/zero.toml", "device"),
    ] {
        assert!(
            err.contains(&format!("--> {file}:1:1")),
            "{file} not reported:\n{err}"
        );
        assert!(err.contains(kind), "{err}");
    }
    assert!(!root.join("public").exists());

    // With the data and content fixed, the template FIFO is still reported.
    for f in [
        "data/glossary.toml",
        "content/pages/pipe.md",
        "data/stats/pipe.toml",
        "content/pages/zero.md",
        "data/stats/zero.toml",
    ] {
        std::fs::remove_file(root.join(f)).unwrap();
    }
    let o = opora_within(root, &["check"], limit);
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("templates/page.html") && err.contains("named pipe"),
        "{err}"
    );
}

#[test]
fn search_limit_is_bounded_instead_of_panicking_or_allocating() {
    let portal = mini_portal();
    for limit in ["18446744073709551615", "4294967296", "0", "1001", "1e3"] {
        let o = opora(portal.path(), &["search", "семья", "--limit", limit]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "--limit {limit}: {err}");
        assert!(err.contains("from 1 to 1000"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // A library caller asking for any number is held to MAX_LIMIT.
    let o = opora(portal.path(), &["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let index = opora::output::live_index(&portal.path().join("public")).expect("index");
    for limit in [usize::MAX, 1 << 32, 0] {
        let hits = opora::search::query(
            &index,
            "семья",
            &opora::search::QueryOptions {
                limit,
                ..Default::default()
            },
        )
        .expect("query");
        assert!(!hits.is_empty() && hits.len() <= opora::search::MAX_LIMIT);
    }
}

#[test]
fn path_forming_arguments_cannot_leave_the_portal() {
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("portal");
    std::fs::create_dir_all(&root).unwrap();
    copy_dir(mini_portal().path(), &root);
    let before = snapshot(outer.path());
    for args in [
        &["new", "service", "x", "--region", "../../../escaped"][..],
        &["new", "service", "x", "--region", "RU-XXX"],
        &["new", "service", "x", "--region", "ru-mos"],
        &["new", "region", "x", "--region", "../../escaped"],
        &["new", "practice", "x", "--region", "../escaped"],
        &["new", "page", "../.."],
        &["schema", "--out", "content/schemas"],
        &["schema", "--out", "newdir/../data"],
        &["schema", "--out", "../portal/templates"],
    ] {
        let o = opora(&root, args);
        let err = stderr(&o);
        assert!(!o.status.success(), "{args:?} was accepted: {err}");
        assert!(err.contains("error"), "{args:?}: {err}");
    }
    assert_eq!(
        snapshot(outer.path()),
        before,
        "a refused command wrote something"
    );
    // import: a --region that is a path writes nothing either.
    let csv = outer.path().join("rows.csv");
    std::fs::write(&csv, "Название,Помощь\nЦентр помощи,crisis\n").unwrap();
    let o = opora(
        &root,
        &[
            "import",
            csv.to_str().unwrap(),
            "--region",
            "../../../escaped",
        ],
    );
    assert!(!o.status.success(), "{}", stderr(&o));
    let after: Vec<_> = snapshot(outer.path())
        .into_iter()
        .filter(|(p, _)| p != "rows.csv")
        .collect();
    assert_eq!(after, before, "import wrote something");
    // A known region and a slug still work.
    let o = opora(
        &root,
        &["new", "service", "Новый центр", "--region", "RU-MOS"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        root.join("content/services/ru-mos/novyy-tsentr.md")
            .is_file()
    );
}

#[cfg(unix)]
#[test]
fn new_never_writes_through_a_dangling_symlink() {
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("portal");
    std::fs::create_dir_all(&root).unwrap();
    copy_dir(mini_portal().path(), &root);
    let target = outer.path().join("outside.md");
    std::os::unix::fs::symlink(&target, root.join("content/pages/zametka.md")).unwrap();
    let o = opora(&root, &["new", "page", "Заметка"]);
    assert!(!o.status.success(), "{}", stderr(&o));
    assert!(!target.exists(), "wrote through the symlink");
}

#[test]
fn reference_link_is_blamed_on_its_definition_and_build_fails_like_check() {
    let portal = mini_portal();
    let root = portal.path();
    // A previous good build, which a failed build must leave as it was.
    let o = opora(root, &["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let public_before = snapshot(&root.join("public"));
    let about = "+++\ntitle = \"О проекте\"\nmenu = 1\n+++\nСмотрите [о нас][r] и [маршрут](../routes/net/).\n\n[r]: /portal/nowhere/\n";
    write(root, "content/pages/about.md", about);
    let check = opora(root, &["check"]);
    let check_err = stderr(&check);
    assert!(!check.status.success(), "{check_err}");
    let (l, c) = line_col(about, "[r]: /portal");
    let want = format!("content/pages/about.md:{l}:{c}");
    assert_eq!(
        place_of(&check_err, "`/portal/nowhere/` leads nowhere"),
        want
    );
    let (l, c) = line_col(about, "[маршрут]");
    assert_eq!(
        place_of(&check_err, "`../routes/net/` leads nowhere"),
        format!("content/pages/about.md:{l}:{c}")
    );
    assert!(!check_err.contains("public/about"), "{check_err}");

    let build = opora(root, &["build"]);
    let build_err = stderr(&build);
    assert!(!build.status.success(), "build exits 0 where check fails");
    assert_eq!(
        place_of(&build_err, "`/portal/nowhere/` leads nowhere"),
        want
    );
    assert_eq!(
        snapshot(&root.join("public")),
        public_before,
        "the previous site is intact"
    );
}
