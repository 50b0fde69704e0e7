//! Moved addresses (`data/moved.toml`): an old address keeps working — its
//! page sends the browser on without JavaScript and names where the page is
//! now — and a wrong entry fails the build at its line, leaving the
//! published site as it was.

mod common;

use common::*;
use std::path::Path;

const OLD: &str = "services/ru-mos/semya-i-dom-staryj/";
const NEW: &str = "services/ru-mos/semya-i-dom/";

fn write_moved(root: &Path, to: &str) {
    std::fs::write(
        root.join("data/moved.toml"),
        format!(
            "# Адреса, которые изменились.\n\n[[moved]]\nfrom = \"/{OLD}\"\nto = \"/{to}\"\nnote = \"переименована\"\n"
        ),
    )
    .unwrap();
}

fn build(root: &Path, base_url: &str) -> std::process::Output {
    opora_cmd()
        .env("OPORA_BASE_URL", base_url)
        .arg("--root")
        .arg(root)
        .arg("build")
        .output()
        .unwrap()
}

#[test]
fn an_old_address_leads_to_the_new_one_and_is_not_listed_as_a_page() {
    let portal = mini_portal();
    let root = portal.path();
    write_moved(root, NEW);
    let o = build(root, "https://opora.example.ru/");
    assert!(o.status.success(), "{}", stderr(&o));
    let public = root.join("public");
    let page = std::fs::read_to_string(public.join(OLD).join("index.html")).unwrap();
    // On at once, without JavaScript; kept out of search engines, which are
    // pointed at the new address.
    assert!(
        page.contains(&format!(
            "<meta http-equiv=\"refresh\" content=\"0; url=/{NEW}\">"
        )),
        "{page}"
    );
    assert!(page.contains("<meta name=\"robots\" content=\"noindex\">"));
    assert!(page.contains(&format!(
        "<link rel=\"canonical\" href=\"https://opora.example.ru/{NEW}\">"
    )));
    // The link names the record now at the new address.
    let new_page = std::fs::read_to_string(public.join(NEW).join("index.html")).unwrap();
    let name = new_page
        .split("<h1>")
        .nth(1)
        .and_then(|h| h.split("</h1>").next())
        .unwrap();
    assert!(
        page.contains(&format!("<a href=\"/{NEW}\">{name}</a>")),
        "{name}: {page}"
    );
    assert!(!page.contains("note") && !page.contains("переименована"));
    let sitemap = std::fs::read_to_string(public.join("sitemap.xml")).unwrap();
    assert!(sitemap.contains(&format!("https://opora.example.ru/{NEW}</loc>")));
    assert!(!sitemap.contains(OLD), "{sitemap}");

    // Without the entry the next build no longer has the page.
    std::fs::remove_file(root.join("data/moved.toml")).unwrap();
    let o = build(root, "https://opora.example.ru/");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!public.join(OLD).exists());
}

#[test]
fn an_entry_leading_nowhere_fails_at_its_line_and_the_site_stays() {
    let portal = mini_portal();
    let root = portal.path();
    let o = build(root, "https://opora.example.ru/");
    assert!(o.status.success(), "{}", stderr(&o));
    let before = snapshot(&root.join("public"));
    write_moved(root, "services/ru-mos/semya-i-domm/");
    let o = build(root, "https://opora.example.ru/");
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("the site has no page at `/services/ru-mos/semya-i-domm/`")
            && err.contains("data/moved.toml:5:6")
            && err.contains(&format!("did you mean `/{NEW}`?")),
        "{err}"
    );
    assert!(before == snapshot(&root.join("public")), "public/ changed");

    // An old address that is still a page of the site would hide it.
    std::fs::write(
        root.join("data/moved.toml"),
        format!("[[moved]]\nfrom = \"/{NEW}\"\nto = \"/regions/\"\n"),
    )
    .unwrap();
    let o = opora(root, &["check"]);
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("the site still has a page at") && err.contains("data/moved.toml:2:8"),
        "{err}"
    );
}

/// A build that keeps unchanged pages publishes what a clean build does
/// while entries come, change, lose their record's name and go.
#[test]
fn incremental_builds_follow_every_change_of_a_moved_address() {
    let portal = mini_portal();
    let root = portal.path();
    let clean = tempfile::tempdir().unwrap();
    let same_as_clean = |step: &str| {
        let o = opora(root, &["build"]);
        assert!(o.status.success(), "{step}: {}", stderr(&o));
        let out = clean.path().join(step.replace(' ', "-"));
        let o = opora(root, &["build", "--output", out.to_str().unwrap()]);
        assert!(o.status.success(), "{step}: {}", stderr(&o));
        assert!(
            snapshot(&root.join("public")) == snapshot(&out),
            "{step}: the incremental build differs from the clean one"
        );
    };
    same_as_clean("first");
    write_moved(root, NEW);
    same_as_clean("added");
    write_moved(root, "services/ru-klu/kaluga-doverie/");
    same_as_clean("changed");
    let record = root.join("content/services/ru-klu/kaluga-doverie.md");
    let text = std::fs::read_to_string(&record).unwrap();
    std::fs::write(
        &record,
        text.replacen("name = \"", "name = \"Новое имя: ", 1),
    )
    .unwrap();
    same_as_clean("renamed");
    let page = std::fs::read_to_string(root.join("public").join(OLD).join("index.html")).unwrap();
    assert!(page.contains("Новое имя: "), "{page}");
    std::fs::remove_file(root.join("data/moved.toml")).unwrap();
    same_as_clean("removed");
}
