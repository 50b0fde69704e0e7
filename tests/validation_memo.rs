//! The dev server keeps each service's own findings between rebuilds
//! (`opora::validate::Memo`) and reuses them while the file is unchanged. They
//! must equal a fresh validation's after any edit: of the service, of what
//! its checks read (its region, the glossary, the style, the date), or of
//! nothing at all.

mod common;

use common::*;
use std::path::Path;

/// Every finding, rendered, for the portal as it is on disk.
fn findings(root: &Path, today: i64, memo: Option<&mut opora::validate::Memo>) -> Vec<String> {
    let config = opora::pipeline::load_config(root).expect("the mini portal's settings load");
    let (data, content, _) = opora::pipeline::load_only(root);
    let diags = match memo {
        Some(m) => opora::validate::validate_with(&config, &data, &content, today, Some(m)),
        None => opora::validate::validate(&config, &data, &content, today),
    };
    diags.items().iter().map(|d| d.render()).collect()
}

fn edit(root: &Path, rel: &str, from: &str, to: &str) {
    let path = root.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{rel} must contain {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn kept_findings_always_equal_a_fresh_validation() {
    let portal = mini_portal();
    let root = portal.path();
    let service = "content/services/ru-klu/kaluga-doverie.md";
    let long = " Это предложение нарочно сделано очень длинным, чтобы в нём оказалось \
                гораздо больше слов, чем правило простого языка разрешает семьям \
                читать за один раз, и проверка его заметила.";
    let day = |y, m, d| opora::ru::days_from_civil(y, m, d);
    let mut memo = opora::validate::Memo::default();
    let mut today = day(2026, 12, 1);
    let mut previous = findings(root, today, Some(&mut memo));
    assert_eq!(previous, findings(root, today, None));

    type Step = Box<dyn Fn(&Path, &mut i64)>;
    let steps: Vec<(&str, Step)> = vec![
        ("nothing", Box::new(|_, _| {})),
        (
            "the service's text",
            Box::new(move |r, _| {
                edit(
                    r,
                    service,
                    "Специалисты КДН",
                    &format!("{long} Специалисты КДН"),
                )
            }),
        ),
        (
            "its region's bounds",
            Box::new(|r, _| {
                edit(
                    r,
                    "content/regions/ru-klu.md",
                    "bbox = [33.3, 53.3, 37.3",
                    "bbox = [33.3, 53.3, 35.3",
                )
            }),
        ),
        (
            "the glossary",
            Box::new(|r, _| {
                edit(
                    r,
                    "data/glossary.toml",
                    "трудная жизненная ситуация",
                    "тяжёлая жизненная ситуация",
                )
            }),
        ),
        ("the date", Box::new(move |_, t| *t = day(2029, 6, 1))),
        (
            "the style's sentence limit",
            Box::new(|r, _| edit(r, "data/style.toml", "max_words = 25", "max_words = 60")),
        ),
        (
            "the service back",
            Box::new(move |r, _| {
                edit(
                    r,
                    service,
                    &format!("{long} Специалисты КДН"),
                    "Специалисты КДН",
                )
            }),
        ),
    ];
    for (what, step) in steps {
        step(root, &mut today);
        let fresh = findings(root, today, None);
        let kept = findings(root, today, Some(&mut memo));
        assert_eq!(kept, fresh, "after an edit of {what}, kept findings differ");
        // Each edit (but the first) changes what is found, or the test proves nothing.
        if what != "nothing" {
            assert_ne!(fresh, previous, "the edit of {what} changed no finding");
        }
        previous = fresh;
    }
}
