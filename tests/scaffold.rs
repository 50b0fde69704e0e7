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
