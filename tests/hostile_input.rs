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
    write(
        root,
        "content/events/hostile.md",
        "+++\ntitle = \"Враг\"\nkind = \"seminar\"\nstart = \"2024\"\naudience = [\"specialist\"]\nurl = \"javascript:alert(11)//x.ru\"\nsources = [{ url = \"javascript:alert(12)\" }]\n+++\nТекст.\n",
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
        // A link out of the portal is refused before its target is looked at.
        (
            "content/pages/zero.md",
            "leads to /dev/zero, outside the portal",
        ),
        (
            "data/stats/zero.toml",
            "leads to /dev/zero, outside the portal",
        ),
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

/// `static/` is copied as regular files only: a link (out of the portal or
/// in it), a FIFO or a device is never read, and a static file the build
/// also makes is not copied — each named in a warning, not passed over in
/// silence.
#[cfg(unix)]
#[test]
fn static_entries_that_are_not_copied_are_each_named_in_a_warning() {
    let portal = mini_portal();
    let root = portal.path();
    let statics = root.join("static");
    mkfifo(&statics.join("pipe"));
    std::os::unix::fs::symlink("/etc/shadow", statics.join("shadow")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", statics.join("zero")).unwrap();
    std::os::unix::fs::symlink("../opora.toml", statics.join("settings.toml")).unwrap();
    std::fs::write(statics.join("robots.txt"), "User-agent: *\nDisallow: /\n").unwrap();
    let o = opora_within(root, &["build"], Duration::from_secs(120));
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    for (file, what) in [
        (
            "static/pipe",
            "named pipe (FIFO), not a regular file: not copied",
        ),
        (
            "static/shadow",
            "symbolic link (to /etc/shadow): not copied",
        ),
        ("static/zero", "symbolic link (to /dev/zero): not copied"),
        (
            "static/settings.toml",
            "symbolic link (to ../opora.toml): not copied",
        ),
        (
            "static/robots.txt",
            "not copied: the build makes /robots.txt itself",
        ),
    ] {
        assert_eq!(place_of(&err, what), file, "{err}");
    }
    assert_eq!(err.matches("--> static/").count(), 5, "{err}");
    let public = root.join("public");
    for gone in ["pipe", "shadow", "zero", "settings.toml"] {
        assert!(
            std::fs::symlink_metadata(public.join(gone)).is_err(),
            "{gone} published"
        );
    }
    let robots = std::fs::read_to_string(public.join("robots.txt")).unwrap();
    assert!(
        robots.contains("Sitemap:"),
        "the generated robots.txt: {robots}"
    );
}

/// Under `--strict` a warning about `static/` refuses the site like any
/// other warning, before it is swapped in: the published folder stays the
/// same one, and once `static/` is cleaned up a strict build publishes.
#[cfg(unix)]
#[test]
fn strict_builds_refuse_a_static_folder_with_entries_not_copied() {
    use std::os::unix::fs::MetadataExt;
    let portal = mini_portal();
    let root = portal.path();
    strictly_clean(root);
    let public = root.join("public");
    let o = opora_within(root, &["build", "--strict"], Duration::from_secs(120));
    assert!(o.status.success(), "{}", stderr(&o));
    let published = std::fs::metadata(&public).unwrap().ino();
    let statics = root.join("static");
    mkfifo(&statics.join("pipe"));
    std::os::unix::fs::symlink("/etc/shadow", statics.join("shadow")).unwrap();
    let o = opora_within(root, &["build", "--strict"], Duration::from_secs(120));
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    assert_eq!(err.matches("--> static/").count(), 2, "{err}");
    assert!(err.contains("0 error(s), 2 warning(s)"), "{err}");
    assert_eq!(std::fs::metadata(&public).unwrap().ino(), published);
    // Without --strict the same site is published, with the warnings.
    let o = opora_within(root, &["build"], Duration::from_secs(120));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stderr(&o).matches("--> static/").count(), 2);
    let published = std::fs::metadata(&public).unwrap().ino();
    for entry in ["pipe", "shadow"] {
        std::fs::remove_file(statics.join(entry)).unwrap();
    }
    let o = opora_within(root, &["build", "--strict"], Duration::from_secs(120));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_ne!(std::fs::metadata(&public).unwrap().ino(), published);
}

/// Rids the test portal of the warnings it has on purpose (placeholder
/// addresses, unexplained abbreviations), so that `--strict` passes it.
fn strictly_clean(root: &Path) {
    let edit = |rel: &str, from: &str, to: &str| {
        let path = root.join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{rel} no longer says {from}");
        std::fs::write(&path, text.replace(from, to)).unwrap();
    };
    edit(
        "opora.toml",
        "https://example.org/portal/",
        "https://opora.example.ru/",
    );
    edit(
        "opora.toml",
        "https://git.example.org/edit/main/",
        "https://git.example.ru/edit/main/",
    );
    edit(
        "content/routes/vernut-domoj.md",
        "**КДН**",
        "**комиссия по делам несовершеннолетних**",
    );
    edit(
        "content/services/ru-klu/kaluga-doverie.md",
        "которые попали в ТЖС. Специалисты КДН знают о нём.",
        "которые попали в трудную жизненную ситуацию.",
    );
    let o = opora(root, &["check", "--strict"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// A symlink among the sources that leads out of the portal (to a secret, to
/// someone's home folder) is refused with the real target named — its text
/// would otherwise be read into the build and published; a symlink to another
/// file of the portal still works.
#[cfg(unix)]
#[test]
fn symlinks_leading_out_of_the_portal_are_refused_not_read() {
    let portal = mini_portal();
    let root = portal.path();
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.md");
    std::fs::write(&secret, "+++\ntitle = \"Секрет\"\n+++\nПароль: hunter2\n").unwrap();
    let secret_toml = outside.path().join("glossary.toml");
    std::fs::copy(root.join("data/glossary.toml"), &secret_toml).unwrap();
    std::os::unix::fs::symlink(&secret, root.join("content/pages/secret.md")).unwrap();
    std::fs::remove_file(root.join("data/glossary.toml")).unwrap();
    std::os::unix::fs::symlink(&secret_toml, root.join("data/glossary.toml")).unwrap();
    // A folder symlinked out of the portal is the same escape one level up,
    // and a whole collection's folder two levels up: its files are regular
    // files to the walk, and still refused.
    std::os::unix::fs::symlink(outside.path(), root.join("content/pages/elsewhere")).unwrap();
    let programmes = root.join("content/programmes");
    let moved = outside.path().join("programmes");
    std::fs::rename(&programmes, &moved).unwrap();
    std::fs::write(
        moved.join("zzz-secret.md"),
        "+++\ntitle = \"Секрет\"\n+++\nПароль: hunter2\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(&moved, &programmes).unwrap();
    let o = opora_within(root, &["build"], Duration::from_secs(60));
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    let real = std::fs::canonicalize(outside.path()).unwrap();
    for (file, target) in [
        ("content/pages/secret.md", "secret.md"),
        ("data/glossary.toml", "glossary.toml"),
        (
            "content/programmes/zzz-secret.md",
            "programmes/zzz-secret.md",
        ),
    ] {
        let place = place_of(
            &err,
            &format!("{}/{target}, outside the portal", real.display()),
        );
        assert_eq!(place, format!("{file}:1:1"), "{err}");
    }
    assert!(err.contains("copy the file into the portal"), "{err}");
    assert!(!err.contains("hunter2"));
    assert!(!root.join("public").exists());

    // Links inside the portal are fine.
    for f in [
        "content/pages/secret.md",
        "data/glossary.toml",
        "content/pages/elsewhere",
    ] {
        std::fs::remove_file(root.join(f)).unwrap();
    }
    std::fs::copy(&secret_toml, root.join("data/glossary.toml")).unwrap();
    std::fs::remove_file(&programmes).unwrap();
    std::fs::remove_file(moved.join("zzz-secret.md")).unwrap();
    std::fs::rename(&moved, &programmes).unwrap();
    let page = std::fs::read_dir(root.join("content/pages"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "md"))
        .unwrap();
    std::fs::create_dir_all(root.join("shared")).unwrap();
    std::fs::rename(&page, root.join("shared/page.md")).unwrap();
    std::os::unix::fs::symlink(root.join("shared/page.md"), &page).unwrap();
    let o = opora_within(root, &["check"], Duration::from_secs(60));
    assert!(o.status.success(), "{}", stderr(&o));
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
        let results = opora::search::query(
            &index,
            "семья",
            &opora::search::QueryOptions {
                limit,
                ..Default::default()
            },
        )
        .expect("query");
        let hits = &results.hits;
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
    // The refused build wrote its pages into the staging folder as it went;
    // the next good build recycles that folder and publishes only its own site.
    write(
        root,
        "content/pages/about.md",
        "+++\ntitle = \"О проекте\"\nmenu = 1\n+++\nСмотрите [маршруты](/portal/routes/).\n",
    );
    let o = opora(root, &["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let about = std::fs::read_to_string(root.join("public/about/index.html")).unwrap();
    assert!(
        about.contains("маршруты") && !about.contains("nowhere"),
        "{about}"
    );
}

/// A payload carrying every way text could become markup or script, tagged
/// with `tag` so each field's copy can be found on the pages and in the file.
fn payload(tag: &str) -> String {
    format!(
        "Текст {tag} <script>alert({tag})</script><iframe src=x></iframe><img src=x onerror=alert({tag})><a href=\"javascript:alert({tag})\">ссылка</a></script>"
    )
}

/// Whether a schema property takes free text: a string with no pattern,
/// vocabulary, reference, format or enum (those are checked as codes).
fn is_free_text(p: &serde_json::Value) -> bool {
    p["type"] == "string"
        && ["pattern", "format", "enum", "const"]
            .iter()
            .chain(&[
                opora::collections::VOCABULARY_KEY,
                opora::collections::REFERENCE_KEY,
            ])
            .all(|k| p.get(*k).is_none())
}

/// Fills every free-text field the schema allows in `table` (a record's front
/// matter, or a table inside it) with a tagged payload: present values are
/// replaced, absent ones added, tables and lists of tables filled inside
/// (added only when the schema lets them be made of text alone). Returns the
/// tags and whether each field is Markdown.
fn fill(
    table: &mut toml::Table,
    schema: &serde_json::Value,
    prefix: &str,
    tags: &mut Vec<(String, bool)>,
) {
    let Some(props) = schema["properties"].as_object() else {
        return;
    };
    for (name, p) in props {
        let tag = format!("{prefix}{name}").replace(['.', '-'], "_");
        let markdown = p.get(opora::collections::MARKDOWN_KEY).is_some();
        if is_free_text(p) {
            table.insert(name.clone(), payload(&tag).into());
            tags.push((tag, markdown));
        } else if p["type"] == "array" && is_free_text(&p["items"]) {
            table.insert(name.clone(), vec![toml::Value::from(payload(&tag))].into());
            tags.push((tag, markdown));
        } else if p["type"] == "object" || p["items"]["type"] == "object" {
            let (inner, list) = if p["type"] == "object" {
                (p, false)
            } else {
                (&p["items"], true)
            };
            let mut made = Vec::new();
            match table.get_mut(name) {
                Some(toml::Value::Table(t)) => {
                    fill(t, inner, &format!("{tag}_"), &mut made);
                }
                Some(toml::Value::Array(items)) => {
                    for item in items.iter_mut() {
                        if let toml::Value::Table(t) = item {
                            fill(t, inner, &format!("{tag}_"), &mut made);
                        }
                    }
                }
                _ if text_only(inner) => {
                    let mut t = toml::Table::new();
                    fill(&mut t, inner, &format!("{tag}_"), &mut made);
                    let v = toml::Value::Table(t);
                    table.insert(name.clone(), if list { vec![v].into() } else { v });
                }
                _ => {}
            }
            tags.extend(made);
        }
    }
}

/// A table whose required fields are all free text (or tables of them).
fn text_only(schema: &serde_json::Value) -> bool {
    schema["required"].as_array().is_none_or(|required| {
        required.iter().filter_map(|r| r.as_str()).all(|r| {
            let p = &schema["properties"][r];
            is_free_text(p) || (p["type"] == "object" && text_only(p))
        })
    })
}

fn all_html(files: &[(String, Vec<u8>)]) -> Vec<(String, String)> {
    files
        .iter()
        .filter(|(path, _)| path.ends_with(".html") || path.ends_with(".xml"))
        .map(|(path, bytes)| (path.clone(), String::from_utf8_lossy(bytes).into_owned()))
        .collect()
}

/// The tags of an HTML page as a browser would read them: name and attributes
/// (text between tags, escaped or not, is skipped; comments too).
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(at) = html[i..].find('<') {
        i += at + 1;
        if html[i..].starts_with("!--") {
            i = html[i..].find("-->").map_or(b.len(), |e| i + e + 3);
            continue;
        }
        if !b.get(i).is_some_and(u8::is_ascii_alphabetic) {
            continue;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' && b[i] != b'/' {
            i += 1;
        }
        let name = html[start..i].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                i += 1;
            }
            if i >= b.len() || b[i] == b'>' {
                break;
            }
            let start = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>') {
                i += 1;
            }
            let attr = html[start..i].to_ascii_lowercase();
            let mut value = String::new();
            if b.get(i) == Some(&b'=') {
                i += 1;
                let end = match b.get(i) {
                    Some(&q @ (b'"' | b'\'')) => {
                        i += 1;
                        html[i..].find(q as char).map_or(b.len(), |e| i + e)
                    }
                    _ => html[i..]
                        .find(|c: char| c.is_ascii_whitespace() || c == '>')
                        .map_or(b.len(), |e| i + e),
                };
                value = html[i..end].to_string();
                i = (end + 1).min(b.len());
                if b.get(end) == Some(&b'>') {
                    i = end;
                }
            }
            attrs.push((attr, value));
        }
        out.push((name, attrs));
    }
    out
}

/// No page carries a payload's markup: no inline or foreign script, no frame,
/// no event handler, no script URL — only the payloads' escaped text.
fn assert_no_injected_markup(files: &[(String, Vec<u8>)]) {
    let mut seen = 0;
    for (path, html) in all_html(files) {
        for (name, attrs) in tags(&html) {
            seen += 1;
            let attr = |n: &str| attrs.iter().find(|(a, _)| a == n).map(|(_, v)| v.as_str());
            assert!(
                !matches!(name.as_str(), "iframe" | "object" | "embed" | "frame"),
                "{path}: <{name}>"
            );
            if name == "script" {
                assert!(
                    attr("src").is_some_and(|s| s.contains(".js")),
                    "{path}: an inline or foreign script {attrs:?}"
                );
            }
            if name == "img" {
                assert_ne!(attr("src"), Some("x"), "{path}: an injected image");
            }
            for (a, v) in &attrs {
                assert!(!a.starts_with("on"), "{path}: <{name} {a}={v:?}>");
                let v = v.trim().to_ascii_lowercase();
                for scheme in ["javascript:", "vbscript:", "data:text"] {
                    assert!(!v.starts_with(scheme), "{path}: <{name} {a}={v:?}>");
                }
            }
        }
    }
    assert!(seen > 1000, "pages were scanned");
}

/// By construction, for every registered collection — including any added
/// later: every free-text front-matter field, wherever it sits in the record,
/// reaches the HTML escaped, and every Markdown field (`x-markdown` in the
/// schema) goes through the one renderer, whose check reports the raw HTML at
/// the line where the field is written. The list of fields comes from each
/// collection's schema, so nothing here names a field or a collection.
#[test]
fn every_text_field_of_every_collection_is_escaped_or_checked_as_markdown() {
    use opora::collections::{REGISTRY, raw_schema};
    let portal = mini_portal();
    let root = portal.path();
    let mut files = Vec::new();
    let mut markdown_fields = 0;
    for c in REGISTRY {
        let spec = c.spec();
        let region = if spec.singular == "region" {
            "RU-TUL"
        } else {
            "RU-MOS"
        };
        let o = opora(root, &["new", spec.singular, "Враг", "--region", region]);
        assert!(o.status.success(), "{}: {}", spec.singular, stderr(&o));
        let path = String::from_utf8_lossy(&o.stdout)
            .trim()
            .trim_start_matches("created ")
            .to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let front = text
            .strip_prefix("+++\n")
            .and_then(|t| t.split_once("\n+++"))
            .map(|(f, _)| f)
            .unwrap_or_else(|| panic!("{path}: no front matter"));
        let mut table: toml::Table = toml::from_str(front).unwrap();
        let mut tags = Vec::new();
        let prefix = format!("{}_", spec.singular);
        fill(&mut table, &raw_schema(c), &prefix, &mut tags);
        assert!(
            tags.len() >= 2,
            "{}: the schema gives free-text fields",
            spec.singular
        );
        let written = format!(
            "+++\n{}+++\nТекст записи.\n",
            toml::to_string(&table).unwrap()
        );
        std::fs::write(&path, &written).unwrap();
        markdown_fields += tags.iter().filter(|(_, md)| *md).count();
        files.push((spec, path, written, tags));
    }
    assert!(
        markdown_fields >= 2,
        "route steps and branches are Markdown"
    );

    // The renderer on its own (no validation in front of it) keeps every
    // payload's markup off the pages, and the text does reach them, escaped.
    let (_, rendered) = opora::pipeline::render_unchecked(root).expect("render");
    assert_no_injected_markup(&rendered);
    let pages = all_html(&rendered);
    for (spec, _, _, tags) in &files {
        let shown = tags
            .iter()
            .filter(|(tag, md)| {
                let escaped = format!("&lt;script&gt;alert({tag})");
                !md && pages.iter().any(|(_, html)| html.contains(&escaped))
            })
            .count();
        assert!(shown >= 1, "{}: no field reached a page", spec.singular);
    }

    // `check` reports the raw HTML in each Markdown field where it is written.
    let o = opora(root, &["check"]);
    let err = stderr(&o);
    assert!(!o.status.success());
    for (_, path, written, tags) in &files {
        let rel = path
            .strip_prefix(&format!("{}/", root.display()))
            .unwrap_or(path);
        for (tag, _) in tags.iter().filter(|(_, md)| *md) {
            let (line, _) = line_col(written, &format!("Текст {tag} "));
            let place = format!("{rel}:{line}:");
            assert!(
                err.lines()
                    .any(|l| l.contains(&place) && l.trim_start().starts_with("-->")),
                "no diagnostic at {place} for Markdown field {tag}:\n{err}"
            );
        }
    }
}

/// Strings of `opora.toml` and of every data file that pages show (titles,
/// labels, explanations, captions…) reach the HTML escaped.
#[test]
fn config_and_data_strings_reach_pages_escaped() {
    let portal = mini_portal();
    let root = portal.path();
    // Keys naming things (ids, codes, files, addresses) are not display text.
    const NOT_TEXT: [&str; 12] = [
        "id",
        "code",
        "doc",
        "file",
        "path",
        "url",
        "base_url",
        "edit_link_base",
        "quick_exit_url",
        "tile_url",
        "language",
        "region",
    ];
    fn taint(v: &mut toml::Value, key: &str, n: &mut usize) {
        match v {
            toml::Value::String(s) if !NOT_TEXT.contains(&key) && !s.is_empty() => {
                *n += 1;
                s.push_str(&payload(&format!("D{n}")));
            }
            toml::Value::Array(items) => items.iter_mut().for_each(|i| taint(i, key, n)),
            toml::Value::Table(t) => t.iter_mut().for_each(|(k, v)| taint(v, k, n)),
            _ => {}
        }
    }
    let mut tainted = 0;
    let mut targets = vec![root.join("opora.toml")];
    for dir in ["data", "data/stats"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "toml") {
                targets.push(p);
            }
        }
    }
    for p in targets {
        let mut v: toml::Value = toml::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let before = tainted;
        taint(&mut v, "", &mut tainted);
        assert!(tainted > before, "{}: nothing to taint", p.display());
        std::fs::write(&p, toml::to_string(&v).unwrap()).unwrap();
    }
    let (_, rendered) = opora::pipeline::render_unchecked(root).expect("render");
    assert_no_injected_markup(&rendered);
    let pages = all_html(&rendered);
    let shown = (1..=tainted)
        .filter(|n| {
            let escaped = format!("&lt;script&gt;alert(D{n})");
            pages.iter().any(|(_, html)| html.contains(&escaped))
        })
        .count();
    assert!(
        shown >= 20,
        "only {shown} of {tainted} strings reached a page"
    );
}

/// `(line, column)` of `file:line:col`, as `place_of` gives it.
fn line_col_of(place: &str) -> (usize, usize) {
    let mut parts = place.rsplit(':');
    let col = parts.next().unwrap().parse().unwrap();
    let line = parts.next().unwrap().parse().unwrap();
    (line, col)
}

#[test]
fn markdown_nested_too_deep_is_refused_where_the_limit_is_passed() {
    // A million nested lists in 2 MB made a 22 MB page and took 835 MB;
    // thirty such files 7.3 GB. The body and a route step's text alike.
    let portal = mini_portal();
    let page = format!("+++\ntitle = \"Б\"\n+++\n{}x\n", "- ".repeat(900_000));
    write(portal.path(), "content/pages/b.md", &page);
    let route = std::fs::read_to_string(portal.path().join("content/routes/vernut-domoj.md"))
        .unwrap()
        .replace(
            "text = \"Спросите, что нужно сделать.\"",
            &format!("text = \"Спросите.\\n\\n{}x\"", "> ".repeat(40)),
        );
    write(portal.path(), "content/routes/vernut-domoj.md", &route);
    let o = opora_within(portal.path(), &["build"], Duration::from_secs(60));
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    assert_eq!(
        err.matches("nested more than 32 levels").count(),
        2,
        "{err}"
    );
    // The 33rd list starts after 32 `- `; the 33rd quote after 32 `> `,
    // inside the TOML string on its line.
    let places: Vec<String> = err
        .lines()
        .zip(err.lines().skip(1))
        .filter(|(l, _)| l.contains("nested more than"))
        .map(|(_, at)| at.trim().trim_start_matches("--> ").to_string())
        .collect();
    assert!(
        places.contains(&"content/pages/b.md:4:65".to_string()),
        "{places:?}"
    );
    let (line, col) = line_col(&route, "> > > ");
    let quote_place = places
        .iter()
        .find(|p| p.starts_with("content/routes/"))
        .unwrap();
    assert_eq!(line_col_of(quote_place), (line, col + 2 * 32), "{err}");
    assert!(
        err.contains("hint: no reader can follow a list this deep"),
        "{err}"
    );
    assert!(!portal.path().join("public").exists());
}

#[test]
fn body_headings_never_take_an_id_the_layout_uses() {
    // `## Site menu` gave a second id="site-menu" (the «Меню» link jumped
    // to it); `## Step 2` on a route took the step's `step-2`.
    let portal = mini_portal();
    let about = portal.path().join("content/pages/about.md");
    let mut text = std::fs::read_to_string(&about).unwrap();
    text.push_str("\n## Site menu\n\nа\n\n## Main\n\nб\n\n## Q\n\nв\n\n## Quick exit\n\nг\n");
    std::fs::write(&about, text).unwrap();
    let route = portal.path().join("content/routes/vernut-domoj.md");
    let mut text = std::fs::read_to_string(&route).unwrap();
    text.push_str("\n## Step 2\n\nд\n\n## Step 1\n\nе\n");
    std::fs::write(&route, text).unwrap();
    let o = opora(portal.path(), &["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for page in ["about/index.html", "routes/vernut-domoj/index.html"] {
        let html = std::fs::read_to_string(portal.path().join("public").join(page)).unwrap();
        let mut ids: Vec<&str> = html
            .split(" id=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        ids.sort();
        let all = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), all, "{page} repeats an id: {ids:?}");
        for id in ["site-menu", "main", "q", "quick-exit"] {
            assert!(ids.contains(&id), "{page} lost the layout's {id}");
        }
    }
    let about = std::fs::read_to_string(portal.path().join("public/about/index.html")).unwrap();
    assert!(
        about.contains("<h2 id=\"section-site-menu\">Site menu</h2>"),
        "{about}"
    );
    let route =
        std::fs::read_to_string(portal.path().join("public/routes/vernut-domoj/index.html"))
            .unwrap();
    assert!(route.contains("id=\"step-2\""));
    assert!(
        route.contains("<h2 id=\"section-step-2\">Step 2</h2>"),
        "{route}"
    );
}

#[test]
fn noncharacters_and_bidi_controls_are_refused_raw_and_as_escapes() {
    // U+FFFF in a title made the Atom feeds invalid XML; an unclosed U+202E
    // in a name turned the rest of list pages backwards.
    let portal = mini_portal();
    let service = portal
        .path()
        .join("content/services/ru-klu/kaluga-doverie.md");
    let text = std::fs::read_to_string(&service).unwrap();
    let cases = [
        ("Калужский\u{FFFF} областной", "noncharacter (\\u{ffff})"),
        (
            "Калужский\\U0010FFFE областной",
            "`\\U0010FFFE` makes a Unicode noncharacter",
        ),
        ("Калужский\u{FDD0} областной", "noncharacter (\\u{fdd0})"),
        (
            "Калужский\u{202E} областной",
            "bidirectional control character (\\u{202e})",
        ),
        (
            "Калужский\\u2067 областной",
            "`\\u2067` makes an invisible bidirectional",
        ),
        (
            "Калужский\u{200F} областной",
            "bidirectional control character (\\u{200f})",
        ),
    ];
    for (name, message) in cases {
        let bad = text.replace("Калужский областной", name);
        std::fs::write(&service, &bad).unwrap();
        let o = opora(portal.path(), &["check"]);
        let err = stderr(&o);
        assert!(!o.status.success(), "{name:?}: {err}");
        let (line, col) = line_col(&bad, "Калужский");
        assert_eq!(
            place_of(&err, message),
            format!(
                "content/services/ru-klu/kaluga-doverie.md:{line}:{}",
                col + "Калужский".chars().count()
            ),
            "{err}"
        );
        assert!(err.contains("= hint: delete"), "{err}");
        // The terminal sees the character shown, never the character.
        assert!(
            !err.contains(['\u{FFFF}', '\u{202E}', '\u{200F}', '\u{FDD0}']),
            "{err:?}"
        );
    }
}

#[test]
fn a_name_with_a_zero_width_character_is_refused() {
    let portal = mini_portal();
    let service = portal
        .path()
        .join("content/services/ru-klu/kaluga-doverie.md");
    let text = std::fs::read_to_string(&service).unwrap();
    let bad = text.replace("Калужский областной", "Калуж\u{200B}ский областной");
    std::fs::write(&service, &bad).unwrap();
    let o = opora(portal.path(), &["check"]);
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    let (line, col) = line_col(&bad, "\"Калуж");
    assert_eq!(
        place_of(&err, "`name` holds an invisible character (\\u{200b})"),
        format!("content/services/ru-klu/kaluga-doverie.md:{line}:{col}")
    );
    // Running text may keep one: a place a long word may break.
    std::fs::write(
        &service,
        text.replace("Центр помогает", "Центр\u{200B} помогает"),
    )
    .unwrap();
    let o = opora(portal.path(), &["check"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn names_and_quotes_written_decomposed_compare_as_they_read() {
    // An NFD copy of a service (its «й» as «и» + U+0306) passed the
    // duplicate-name check an exact copy fails, and its quote was «not …
    // anywhere in the document».
    let portal = mini_portal();
    let original = std::fs::read_to_string(
        portal
            .path()
            .join("content/services/ru-klu/kaluga-doverie.md"),
    )
    .unwrap();
    let decomposed = original.replace('й', "и\u{0306}");
    assert_ne!(decomposed, original);
    write(
        portal.path(),
        "content/services/ru-klu/kopiya.md",
        &decomposed,
    );
    let o = opora(portal.path(), &["check"]);
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    assert_eq!(
        place_of(
            &err,
            "same name as content/services/ru-klu/kaluga-doverie.md"
        ),
        "content/services/ru-klu/kopiya.md:1:1"
    );
    assert!(!err.contains("anywhere in the document"), "{err}");
}

/// A service of the mini portal's Kaluga region whose record names `town`;
/// with `contacts`, a family can call it (so it is shown as a card, not in
/// its town's group).
fn kaluga_service(name: &str, town: &str, contacts: bool) -> String {
    let phone = if contacts {
        "phones = [\"8(4842) 550 602\"]\n"
    } else {
        ""
    };
    format!(
        "+++\nname = \"{name}\"\nkind = \"family-centre\"\nneeds = [\"family-support\"]\nregion = \"RU-KLU\"\nmunicipality = \"{town}\"\n{phone}sources = [{{ doc = \"003\", line = 36, quote = \"«Калужский областной центр социальной помощи семье и детям\" }}]\n+++\nЦентр помогает семьям с детьми.\n"
    )
}

#[test]
fn two_spellings_of_one_town_never_share_a_page_or_an_anchor() {
    let portal = mini_portal();
    let root = portal.path();
    let region_file = "content/regions/ru-klu.md";
    let region = std::fs::read_to_string(root.join(region_file)).unwrap();
    let listing = |names: &[&str]| {
        let extra: String = names
            .iter()
            .map(|n| format!("\n[[municipalities]]\nname = \"{n}\"\nlat = 54.5\nlon = 36.2\n"))
            .collect();
        region.replacen("+++\nТекст", &format!("{extra}+++\nТекст"), 1)
    };
    // A region listing one town twice, with a stray mark or once with ё:
    // one municipality page would overwrite the other.
    for (names, second, first) in [
        (&["Калуга!"][..], "Калуга!", "Калуга"),
        (&["Елкино", "Ёлкино"][..], "Ёлкино", "Елкино"),
    ] {
        let text = listing(names);
        write(root, region_file, &text);
        let o = opora(root, &["check"]);
        let err = stderr(&o);
        assert!(!o.status.success(), "{err}");
        let (l, c) = line_col(&text, &format!("\"{second}\""));
        let message = format!("municipalities «{second}» and «{first}»");
        assert_eq!(place_of(&err, &message), format!("{region_file}:{l}:{c}"));
        assert!(!opora(root, &["build"]).status.success());
    }
    write(root, region_file, &region);

    // Services of one region: «Ёлкино» and «Елкино» are one town, shown with
    // ё, with a warning at the record written with е.
    let yo = kaluga_service("Центр «Ёлочка»", "Ёлкино", false);
    let ye = kaluga_service("Центр «Ельничек»", "Елкино", false);
    write(root, "content/services/ru-klu/elkino-1.md", &yo);
    write(root, "content/services/ru-klu/elkino-2.md", &ye);
    let o = opora(root, &["build"]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    let (l, c) = line_col(&ye, "\"Елкино\"");
    assert_eq!(
        place_of(
            &err,
            "«Елкино» is written «Ёлкино» in content/services/ru-klu/elkino-1.md:6"
        ),
        format!("content/services/ru-klu/elkino-2.md:{l}:{c}")
    );
    assert!(err.contains("warning: «Елкино»"), "{err}");
    let page = std::fs::read_to_string(root.join("public/regions/ru-klu/index.html")).unwrap();
    assert_eq!(page.matches("id=\"m-elkino\"").count(), 1, "{page}");
    assert!(page.contains(">Ёлкино <span class=\"count\">(2)"), "{page}");
    assert!(!page.contains("Елкино"), "{page}");

    // Another spelling than the region's own («Калуга!» beside «Калуга»):
    // an error at the record, naming how the region writes the town.
    let public_before = snapshot(&root.join("public"));
    let odd = kaluga_service("Центр «Калужанка»", "Калуга!", true);
    write(root, "content/services/ru-klu/a-kaluga.md", &odd);
    for command in ["check", "build"] {
        let o = opora(root, &[command]);
        let err = stderr(&o);
        assert!(!o.status.success(), "{command}: {err}");
        let (l, c) = line_col(&odd, "\"Калуга!\"");
        let (listed, _) = line_col(&region, "name = \"Калуга\"");
        assert_eq!(
            place_of(
                &err,
                &format!("«Калуга!» is written «Калуга» in {region_file}:{listed}")
            ),
            format!("content/services/ru-klu/a-kaluga.md:{l}:{c}")
        );
    }
    assert_eq!(snapshot(&root.join("public")), public_before);
}

#[test]
fn glossary_terms_that_would_share_an_anchor_are_refused_where_written() {
    let portal = mini_portal();
    let root = portal.path();
    let glossary = std::fs::read_to_string(root.join("data/glossary.toml")).unwrap();
    for (term, message) in [
        ("ТЖС.", "terms «ТЖС.» and «ТЖС»"),
        ("ТЖС", "term `ТЖС` is defined twice"),
    ] {
        let text =
            format!("{glossary}\n[[terms]]\nterm = \"{term}\"\nexplanation = \"Ещё раз.\"\n");
        write(root, "data/glossary.toml", &text);
        let o = opora(root, &["check"]);
        let err = stderr(&o);
        assert!(!o.status.success(), "{err}");
        // The second entry: the last place the term is written.
        let before = &text[..text.rfind(&format!("\"{term}\"")).unwrap()];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().unwrap().chars().count() + 1;
        assert_eq!(
            place_of(&err, message),
            format!("data/glossary.toml:{line}:{col}")
        );
        let (first, _) = line_col(&glossary, "term = \"ТЖС\"");
        assert!(
            err.contains(&format!("(line {first})"))
                || err.contains(&format!("first at line {first}")),
            "{err}"
        );
    }
}

#[test]
fn a_page_at_an_address_another_file_has_is_refused_naming_both() {
    let portal = mini_portal();
    let root = portal.path();
    let o = opora(root, &["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let public_before = snapshot(&root.join("public"));
    // The editing interface makes /admin/; a free page named admin would
    // be written over it (or it over the page).
    let config = std::fs::read_to_string(root.join("opora.toml")).unwrap();
    write(
        root,
        "opora.toml",
        &format!(
            "{config}\n[editors]\ncms = true\nbackend = \"gitea\"\nhost = \"https://git.example.org\"\nrepo = \"opora/portal\"\napp_id = \"opora-cms\"\n"
        ),
    );
    write(
        root,
        "content/pages/admin.md",
        "+++\ntitle = \"Для редакторов\"\n+++\nТекст.\n",
    );
    for command in ["check", "build"] {
        let o = opora(root, &[command]);
        let err = stderr(&o);
        assert!(!o.status.success(), "{command}: {err}");
        let message = "two pages would be written to `admin/index.html`: one made from the editing interface ([editors] cms = true in opora.toml), one from content/pages/admin.md";
        assert_eq!(place_of(&err, message), "content/pages/admin.md:1:1");
    }
    assert_eq!(snapshot(&root.join("public")), public_before);
}

#[test]
fn images_and_links_a_browser_reads_as_this_sites_paths_are_checked() {
    let portal = mini_portal();
    let root = portal.path();
    let about = "+++\ntitle = \"О проекте\"\nmenu = 1\n+++\n![схема](/portal/nope.png) [вверх](../../../../x) [b](./a:b) [c](jav%61script:x) ![есть](/portal/favicon.svg) [почта](mailto:a@example.ru)\n";
    write(root, "content/pages/about.md", about);
    let broken = [
        (
            "![схема]",
            "`/portal/nope.png` (an image or other file the page loads) leads nowhere",
        ),
        (
            "[b]",
            "link to `./a:b` leads nowhere: the site has no `about/a:b`",
        ),
        (
            "[c]",
            "link to `jav%61script:x` leads nowhere: the site has no `about/javascript:x`",
        ),
    ];
    for command in ["check", "build"] {
        let o = opora(root, &[command]);
        let err = stderr(&o);
        assert!(!o.status.success(), "{command}: {err}");
        for (written, message) in broken {
            let (l, c) = line_col(about, written);
            assert_eq!(
                place_of(&err, message),
                format!("content/pages/about.md:{l}:{c}")
            );
        }
        // Above the root of the host, outside the site's base path /portal/.
        let (l, c) = line_col(about, "[вверх]");
        assert_eq!(
            place_of(&err, "link to `../../../../x` leaves the site"),
            format!("content/pages/about.md:{l}:{c}")
        );
        let errors = err.lines().filter(|l| l.starts_with("error:"));
        assert_eq!(errors.count(), 4, "only the four: {err}");
    }
    // At the host's root, `..` stays there: the link is checked as `/x`.
    let o = opora(root, &["build", "--base-url", "https://example.org/"]);
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    let (l, c) = line_col(about, "[вверх]");
    assert_eq!(
        place_of(
            &err,
            "link to `../../../../x` leads nowhere: the site has no `x`"
        ),
        format!("content/pages/about.md:{l}:{c}")
    );
}
