//! "Обновлено" comes from git history (one `git log` for the whole portal) and
//! reaches the page and the sitemap's `lastmod`; outside git, the file time.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

fn git(root: &Path, args: &[&str], date: &str) {
    let o = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .env("GIT_AUTHOR_NAME", "Редактор")
        .env("GIT_AUTHOR_EMAIL", "editor@example.org")
        .env("GIT_COMMITTER_NAME", "Редактор")
        .env("GIT_COMMITTER_EMAIL", "editor@example.org")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn pages_and_sitemap_show_the_last_commit_date() {
    let portal = mini_portal();
    let root = portal.path();
    git(root, &["init", "-q"], "2024-03-05T10:00:00+03:00");
    git(root, &["add", "-A"], "2024-03-05T10:00:00+03:00");
    git(
        root,
        &["commit", "-q", "-m", "first"],
        "2024-03-05T10:00:00+03:00",
    );
    let page = root.join("content/pages/about.md");
    let mut text = std::fs::read_to_string(&page).unwrap();
    text.push_str("\nЕщё абзац.\n");
    std::fs::write(&page, text).unwrap();
    git(
        root,
        &["commit", "-q", "-am", "second"],
        "2025-07-09T12:00:00+03:00",
    );

    let o = opora(root, &["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let about = std::fs::read_to_string(root.join("public/about/index.html")).unwrap();
    assert!(
        about.contains("<time datetime=\"2025-07-09\">9\u{a0}июля 2025\u{a0}г.</time>"),
        "{about}"
    );
    let service =
        std::fs::read_to_string(root.join("public/services/ru-klu/kaluga-doverie/index.html"))
            .unwrap();
    assert!(
        service.contains("Последнее изменение на сайте: <time datetime=\"2024-03-05\">"),
        "{service}"
    );
    // The editor's `verified` date (a check with the organization) is shown separately.
    assert!(service.contains("Сведения сверены с организацией: <time datetime=\"2026-11-24\">"));
    let sitemap = std::fs::read_to_string(root.join("public/sitemap.xml")).unwrap();
    assert!(
        sitemap
            .contains("<loc>https://example.org/portal/about/</loc><lastmod>2025-07-09</lastmod>"),
        "{sitemap}"
    );
}

#[test]
fn outside_git_the_file_time_is_used() {
    let portal = mini_portal();
    // A fixed modification time, so the test does not depend on the clock.
    let about = portal.path().join("content/pages/about.md");
    let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
    std::fs::File::options()
        .write(true)
        .open(&about)
        .unwrap()
        .set_modified(when)
        .unwrap();
    let o = opora(portal.path(), &["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = std::fs::read_to_string(portal.path().join("public/about/index.html")).unwrap();
    // 1,700,000,000 s after the epoch is 2023-11-14 (UTC).
    assert!(page.contains("<time datetime=\"2023-11-14\">"), "{page}");
}
