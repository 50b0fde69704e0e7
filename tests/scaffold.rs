//! `opora new` makes records that pass `opora check` as they are.

mod common;

use common::*;

#[test]
fn every_collection_scaffolds_a_valid_record() {
    let portal = mini_portal();
    let root = portal.path();
    let cases: [(&str, &str, Option<&str>); 6] = [
        ("service", "Кризисная квартира «Надежда»", Some("RU-MOS")),
        ("region", "Тульская область", Some("RU-TUL")),
        ("practice", "Школа приёмных родителей", Some("RU-KLU")),
        ("programme", "Курс «Ранняя помощь»", None),
        ("route", "Если нужна коляска", None),
        ("page", "Контакты редакции", None),
    ];
    for (collection, title, region) in cases {
        let mut args = vec!["new", collection, title];
        if let Some(r) = region {
            args.extend(["--region", r]);
        }
        let o = opora(root, &args);
        assert!(o.status.success(), "{collection}: {}", stderr(&o));
        let created = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(created.contains("created"), "{created}");
    }
    assert!(
        root.join("content/services/ru-mos/krizisnaya-kvartira-nadezhda.md")
            .exists()
    );
    assert!(root.join("content/regions/ru-tul.md").exists());
    let o = opora(root, &["check"]);
    assert!(
        o.status.success(),
        "scaffolded records must pass check:\n{}",
        stderr(&o)
    );
    // A second `new` with the same name must not overwrite.
    let o = opora(root, &["new", "page", "Контакты редакции"]);
    assert!(!o.status.success());
}

#[test]
fn service_without_region_is_refused() {
    let portal = mini_portal();
    let o = opora(portal.path(), &["new", "service", "Центр"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--region"));
}

#[test]
fn placeholder_source_fails_strict_check() {
    let portal = mini_portal();
    let o = opora(portal.path(), &["new", "route", "Если нужна коляска"]);
    assert!(o.status.success());
    let o = opora(portal.path(), &["check", "--strict"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("placeholder"), "{}", stderr(&o));
}

/// `new` writes `verified` as the date `check` judges by: with the portal's
/// `today` fixed in `opora.toml`, whatever the clock says.
#[test]
fn new_dates_records_by_the_portals_today_not_the_clock() {
    let portal = mini_portal();
    let root = portal.path();
    for clock in ["2031-06-15", "2019-01-01"] {
        let name = format!("Служба {clock}");
        let o = opora_cmd()
            .env("OPORA_TODAY", clock)
            .arg("--root")
            .arg(root)
            .args(["new", "service", &name, "--region", "RU-MOS"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let path = String::from_utf8_lossy(&o.stdout)
            .trim()
            .trim_start_matches("created ")
            .to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        // The mini portal fixes `today = 2026-11-24`.
        assert!(text.contains("verified = 2026-11-24"), "{text}");
        let o = opora_cmd()
            .env("OPORA_TODAY", clock)
            .arg("--root")
            .arg(root)
            .arg("check")
            .output()
            .unwrap();
        assert!(o.status.success(), "clock {clock}: {}", stderr(&o));
    }
}

/// Without a fixed `today`, `new` and `check` share the injected clock.
#[test]
fn new_uses_the_injected_clock_when_the_portal_fixes_no_date() {
    let portal = mini_portal();
    let root = portal.path();
    let config = std::fs::read_to_string(root.join("opora.toml")).unwrap();
    let unfixed: String = config
        .lines()
        .filter(|l| !l.starts_with("today"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(config, unfixed, "the mini portal should fix `today`");
    std::fs::write(root.join("opora.toml"), unfixed).unwrap();
    let o = opora_cmd()
        .env("OPORA_TODAY", "2030-02-28")
        .arg("--root")
        .arg(root)
        .args(["new", "service", "Центр «Завтра»", "--region", "RU-MOS"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let text =
        std::fs::read_to_string(root.join("content/services/ru-mos/tsentr-zavtra.md")).unwrap();
    assert!(text.contains("verified = 2030-02-28"), "{text}");
}

#[test]
fn new_outside_a_portal_says_where_it_looked() {
    let empty = tempfile::tempdir().unwrap();
    let o = opora(empty.path(), &["new", "page", "Контакты"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("opora.toml"), "{}", stderr(&o));
    assert!(!empty.path().join("content").exists());
}

/// An official name runs past what a file system keeps as a file name once
/// transliterated: `new` cuts its slug at a word, and the record checks.
#[test]
fn a_very_long_title_gives_a_short_file_name() {
    let portal = mini_portal();
    let title = format!("Центр {}", "помощи семье и детям ".repeat(20));
    let o = opora(portal.path(), &["new", "page", &title]);
    assert!(o.status.success(), "{}", stderr(&o));
    let created = String::from_utf8_lossy(&o.stdout);
    let path = created.trim().trim_start_matches("created ");
    let name = std::path::Path::new(path)
        .file_name()
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        name.starts_with("tsentr-pomoshchi-seme-i-detyam-"),
        "{name}"
    );
    assert!(
        name.len() <= opora::ru::MAX_SLUG_BYTES + ".md".len(),
        "{name}"
    );
    let o = opora(portal.path(), &["check"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// A free page is published at `/<slug>/`: `new` refuses a name the site
/// uses itself, as `check` would refuse the page afterwards.
#[test]
fn new_refuses_a_page_named_like_an_address_the_site_uses() {
    let portal = mini_portal();
    let pages = portal.path().join("content/pages");
    let before = snapshot(&pages);
    let reserved = opora::collections::reserved_slugs();
    assert!(reserved.contains(&"search"), "{reserved:?}");
    for slug in reserved {
        let o = opora(portal.path(), &["new", "page", slug]);
        let err = stderr(&o);
        assert!(!o.status.success(), "{slug}: {err}");
        assert!(
            err.contains(&format!("a page cannot be called `{slug}`")) && err.contains("= hint:"),
            "{slug}: {err}"
        );
    }
    assert_eq!(snapshot(&pages), before, "no page was made");
}
