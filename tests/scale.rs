//! National scale: a synthetic portal (the real one plus thousands of made-up
//! services, `examples/synth.rs`) builds into pages none of which grows with
//! the content.

mod common;

#[allow(dead_code)]
#[path = "../examples/synth.rs"]
mod synth;

use common::opora_cmd;

/// Few regions, so that each holds hundreds of services: every list that
/// grows with a region (region, municipality, need × region, a route's steps,
/// "where to ask") has to span several pages or be cut short.
const SERVICES: usize = 1_300;
const REGIONS: usize = 2;

#[test]
fn no_page_grows_with_the_country() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("portal");
    synth::generate(&root, SERVICES, REGIONS);
    let out = opora_cmd()
        .arg("--root")
        .arg(&root)
        .args(["build", "--base-url", "https://opora.example/"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let public = root.join("public");
    let mut biggest = (0, String::new());
    let mut pages = 0;
    for entry in walkdir::WalkDir::new(&public) {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "html") {
            pages += 1;
            let len = entry.metadata().unwrap().len() as usize;
            if len > biggest.0 {
                biggest = (len, entry.path().display().to_string());
            }
        }
    }
    assert!(pages > SERVICES, "{pages} pages");
    assert!(
        biggest.0 <= opora::PAGE_BYTES_BOUND,
        "{} is {} KB, over the bound of {} KB",
        biggest.1,
        biggest.0 / 1024,
        opora::PAGE_BYTES_BOUND / 1024
    );

    // The lists are paginated, not cut: 650 services of a region on 7 pages,
    // each page linked from the others, in the sitemap, canonical to itself.
    let region = "regions/ru-qaa/";
    let last = std::fs::read_to_string(public.join(region).join("page/7/index.html")).unwrap();
    assert!(
        last.contains("Страница 7 из 7"),
        "no pager on the last page"
    );
    assert!(last.contains(r#"<nav class="pager" aria-label="Страницы списка">"#));
    assert!(last.contains(&format!(r#"href="/{region}page/6/" rel="prev""#)));
    assert!(last.contains(&format!(
        r#"<link rel="canonical" href="https://opora.example/{region}page/7/">"#
    )));
    assert!(last.contains("<title>Синтетическая область 0 — страница 7 из 7 — "));
    assert!(!public.join(region).join("page/8").exists());
    let first = std::fs::read_to_string(public.join(region).join("index.html")).unwrap();
    assert!(first.contains(&format!(r#"href="/{region}page/2/" rel="next""#)));
    let sitemap = std::fs::read_to_string(public.join("sitemap.xml")).unwrap();
    assert!(sitemap.contains(&format!("<loc>https://opora.example/{region}page/7/</loc>")));
    // Every service of the region appears on exactly one of its pages.
    let listed: usize = (1..=7)
        .map(|p| {
            let path = if p == 1 {
                public.join(region).join("index.html")
            } else {
                public.join(region).join(format!("page/{p}/index.html"))
            };
            let html = std::fs::read_to_string(path).unwrap();
            html.matches(r#"href="/services/ru-qaa/"#).count()
        })
        .sum();
    // A card links its service once; the "where to ask" shortlist on page 1 adds more.
    assert!(
        (SERVICES / REGIONS..SERVICES / REGIONS + 20).contains(&listed),
        "{listed} service links on the region's pages"
    );
}
