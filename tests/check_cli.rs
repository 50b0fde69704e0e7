//! `opora check` for CI: link and anchor checking, GitHub annotations, and the
//! freshness report.

mod common;

use common::*;

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn broken_internal_links_and_anchors_are_errors_in_the_source() {
    let portal = mini_portal();
    let page = portal.path().join("content/pages/about.md");
    std::fs::write(
        &page,
        "+++\ntitle = \"О проекте\"\nmenu = 1\n+++\nСмотрите [маршрут](/portal/routes/vernut-domoj/#step-2) и [карту](/portal/routes/net-takogo/).\n\nИ [шаг девять](/portal/routes/vernut-domoj/#step-9).\n",
    )
    .unwrap();
    let o = opora(portal.path(), &["check"]);
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("content/pages/about.md:5:"), "{err}");
    assert!(
        err.contains("`/portal/routes/net-takogo/` leads nowhere"),
        "{err}"
    );
    assert!(err.contains("content/pages/about.md:7:"), "{err}");
    assert!(err.contains("has no anchor `#step-9`"), "{err}");
    assert!(
        !err.contains("#step-2`"),
        "an existing anchor must pass: {err}"
    );
    // `build` runs the same link checks: it does not publish what `check` refuses.
    let built = opora(portal.path(), &["build"]);
    let build_err = stderr(&built);
    assert!(!built.status.success(), "{build_err}");
    assert!(
        build_err.contains("content/pages/about.md:7:"),
        "{build_err}"
    );
    assert!(!portal.path().join("public").exists(), "{build_err}");
}

#[test]
fn github_format_prints_annotations() {
    let portal = mini_portal();
    copy_dir(
        &repo().join("tests/fixtures/bad/unknown-need/files"),
        portal.path(),
    );
    let o = opora(portal.path(), &["check", "--format", "github"]);
    assert!(!o.status.success());
    let out = stdout(&o);
    let line = out
        .lines()
        .find(|l| l.starts_with("::error "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.starts_with("::error file=content/services/ru-mos/unknown-need.md,line=4,col=10::"),
        "{line}"
    );
    assert!(line.contains("did you mean `crisis`?"), "{line}");
}

#[test]
fn freshness_report_groups_stale_records_by_region() {
    let portal = mini_portal();
    copy_dir(
        &repo().join("tests/fixtures/bad/stale-strict/files"),
        portal.path(),
    );
    let old = portal.path().join("content/services/ru-klu/old.md");
    std::fs::write(
        &old,
        "+++\nname = \"Старый центр\"\nkind = \"family-centre\"\nneeds = [\"crisis\"]\nregion = \"RU-KLU\"\nverified = 2020-05-01\nsources = [{ doc = \"003\", line = 1 }]\n+++\n",
    )
    .unwrap();
    let o = opora(portal.path(), &["check", "--freshness"]);
    assert!(
        o.status.success(),
        "stale records are warnings: {}",
        stderr(&o)
    );
    let out = stdout(&o);
    let klu = out
        .find("Калужская область (RU-KLU): 1")
        .unwrap_or_else(|| panic!("{out}"));
    let mos = out.find("Московская область (RU-MOS): 1").unwrap();
    assert!(klu < mos, "regions in name order: {out}");
    assert!(
        out.contains("content/services/ru-klu/old.md  проверено 2020-05-01  Старый центр"),
        "{out}"
    );
    assert!(
        out.contains("2 record(s) not verified within 365 days."),
        "{out}"
    );
    assert!(
        !opora(portal.path(), &["check", "--strict"])
            .status
            .success()
    );
}

#[test]
fn a_today_that_is_not_a_date_is_refused_not_replaced_by_the_clock() {
    let portal = mini_portal();
    for bad in ["garbage", "2026-02-30", "2026-1-5"] {
        let o = opora_cmd()
            .env("OPORA_TODAY", bad)
            .arg("--root")
            .arg(portal.path())
            .arg("check")
            .output()
            .unwrap();
        let err = stderr(&o);
        assert!(!o.status.success(), "{bad}: {err}");
        assert!(
            err.contains("$OPORA_TODAY") && err.contains("YYYY-MM-DD"),
            "{bad}: {err}"
        );
    }
    let o = opora_cmd()
        .env("OPORA_TODAY", "2024-02-29")
        .arg("--root")
        .arg(portal.path())
        .arg("check")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}
