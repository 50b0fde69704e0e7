//! Events: grouped into upcoming and past by the build's today (never the
//! clock), linked from their regions, searchable, and published as a valid
//! Atom feed; the portal's recently changed records are a feed too.

mod common;

use common::*;
use quick_xml::events::Event;
use std::path::Path;

fn event(root: &Path, slug: &str, start: &str, end: Option<&str>) {
    let end = end.map(|e| format!("end = \"{e}\"\n")).unwrap_or_default();
    std::fs::create_dir_all(root.join("content/events")).unwrap();
    std::fs::write(
        root.join(format!("content/events/{slug}.md")),
        format!(
            "+++\ntitle = \"Семинар {slug}\"\nkind = \"seminar\"\nstart = \"{start}\"\n{end}place = \"Калуга\"\nregions = [\"RU-KLU\"]\naudience = [\"specialist\"]\nsources = [{{ doc = \"001\", line = 583 }}]\n+++\nО семинаре.\n"
        ),
    )
    .unwrap();
}

/// The mini portal fixes today at 2026-11-24.
fn portal_with_events() -> tempfile::TempDir {
    let portal = mini_portal();
    let root = portal.path();
    event(root, "vchera", "2026-11-20", Some("2026-11-23"));
    event(root, "segodnya", "2026-11-20", Some("2026-11-24"));
    event(root, "v-noyabre", "2026-11", None);
    event(root, "vesnoj", "2027-03", None);
    portal
}

fn build(root: &Path) -> std::path::PathBuf {
    let out = root.join("public");
    let o = opora(root, &["build", "--output", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    out
}

/// The section of the events page under the heading `h2` (up to the next).
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap()]
}

#[test]
fn events_are_upcoming_until_their_last_day_by_the_portals_today() {
    let portal = portal_with_events();
    let out = build(portal.path());
    let html = std::fs::read_to_string(out.join("events/index.html")).unwrap();
    let upcoming = section(&html, "upcoming-h");
    let past = section(&html, "past-h");
    for slug in ["segodnya", "v-noyabre", "vesnoj"] {
        assert!(
            upcoming.contains(&format!("events/{slug}/")),
            "{slug} not upcoming"
        );
    }
    assert!(past.contains("events/vchera/"));
    assert!(!upcoming.contains("events/vchera/"));
    // Soonest first.
    assert!(upcoming.find("segodnya").unwrap() < upcoming.find("vesnoj").unwrap());
    let page = std::fs::read_to_string(out.join("events/v-noyabre/index.html")).unwrap();
    assert!(page.contains("ноябрь 2026 г."), "{page}");
}

#[test]
fn moving_today_moves_an_event_into_the_past() {
    let portal = portal_with_events();
    let root = portal.path();
    let config = std::fs::read_to_string(root.join("opora.toml"))
        .unwrap()
        .replace("today = 2026-11-24", "today = 2027-04-01");
    std::fs::write(root.join("opora.toml"), config).unwrap();
    let out = build(root);
    let html = std::fs::read_to_string(out.join("events/index.html")).unwrap();
    assert!(section(&html, "past-h").contains("events/vesnoj/"));
    assert!(html.contains("Новых событий пока нет"));
}

#[test]
fn a_region_page_links_its_events_and_search_finds_them() {
    let portal = portal_with_events();
    let root = portal.path();
    let out = build(root);
    let region = std::fs::read_to_string(out.join("regions/ru-klu/index.html")).unwrap();
    assert!(
        region.contains("events/vesnoj/"),
        "region page lacks its events"
    );
    let o = opora(
        root,
        &[
            "search",
            "семинар",
            "--type",
            "event",
            "--json",
            "--output",
            out.to_str().unwrap(),
        ],
    );
    let found: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(found["results"].as_array().unwrap().len(), 4, "{found}");
}

/// The search page's filters (`search/facets.<generation>.json`).
fn facets(out: &Path) -> serde_json::Value {
    let file = std::fs::read_dir(out.join("search"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("facets."))
        })
        .expect("a facets file");
    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
}

#[test]
fn an_event_in_several_regions_is_found_under_each_and_its_kind_has_its_label() {
    let portal = mini_portal();
    let root = portal.path();
    std::fs::create_dir_all(root.join("content/events")).unwrap();
    std::fs::write(
        root.join("content/events/dva-regiona.md"),
        "+++\ntitle = \"Стажировка двух регионов\"\nkind = \"internship\"\nstart = \"2027-03\"\nregions = [\"RU-KLU\", \"RU-MOS\"]\naudience = [\"specialist\"]\nsources = [{ doc = \"001\", line = 583 }]\n+++\nО стажировке.\n",
    )
    .unwrap();
    let out = build(root);
    let f = facets(&out);
    let entry = |facet: &str, id: &str| {
        f[facet]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no {id} in {facet}: {f}"))
    };
    // The kind's label comes from event_kinds, not its id.
    let kind = entry("kinds", "internship");
    assert_eq!(kind["label"], "Стажировка", "{kind}");
    assert_eq!(kind["type"], "event", "{kind}");
    // Both regions count it; the filter on each finds it.
    for code in ["RU-KLU", "RU-MOS"] {
        let region = entry("regions", code);
        let o = opora(
            root,
            &[
                "search",
                "стажировка",
                "--region",
                code,
                "--json",
                "--output",
                out.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let found: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let urls: Vec<&str> = found["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["url"].as_str().unwrap())
            .collect();
        assert!(urls.contains(&"events/dva-regiona/"), "{code}: {urls:?}");
        assert!(region["count"].as_u64().unwrap() >= 1);
        // Its result names both regions.
        let hit = &found["results"][urls
            .iter()
            .position(|u| *u == "events/dva-regiona/")
            .unwrap()];
        let shown = hit["region"].as_str().unwrap();
        assert!(
            shown.contains("Калужская область") && shown.contains("Московская область"),
            "{shown}"
        );
    }
    // A query naming one of its regions puts it among that place's records,
    // not among other regions' after the national ones.
    let o = opora(
        root,
        &[
            "search",
            "стажировка в Калуге",
            "--json",
            "--output",
            out.to_str().unwrap(),
        ],
    );
    let found: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(found["place"]["region"], "RU-KLU", "{found}");
    assert_eq!(found["results"][0]["url"], "events/dva-regiona/", "{found}");
}

#[test]
fn event_dates_and_references_are_checked() {
    let portal = mini_portal();
    let root = portal.path();
    event(root, "naoborot", "2026-11-20", Some("2026-11-02"));
    event(root, "bez-mesyaca", "2026-13", None);
    let o = opora(root, &["check"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("the event ends before it starts"), "{err}");
    assert!(err.contains("`2026-13` is not a date"), "{err}");
    assert!(err.contains("content/events/bez-mesyaca.md:4:"), "{err}");
}

/// What an Atom consumer needs of a feed (RFC 4287 §4.1): a well-formed
/// document whose feed and every entry have an id, a title and an RFC 3339
/// `updated`; returns the entries' ids.
fn parse_atom(xml: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut seen: Vec<(String, String)> = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                path.push(String::from_utf8(e.name().as_ref().to_vec()).unwrap());
                if path.len() == 1 {
                    assert_eq!(path[0], "feed");
                    let ns = e
                        .try_get_attribute("xmlns")
                        .unwrap()
                        .expect("Atom namespace");
                    assert_eq!(&*ns.value, b"http://www.w3.org/2005/Atom");
                }
            }
            Event::End(_) => {
                path.pop();
            }
            Event::Text(t) => {
                let text = t.decode().unwrap().into_owned();
                seen.push((path.join("/"), text));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let get = |p: &str| {
        seen.iter()
            .filter(|(k, _)| k == p)
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
    };
    for p in ["feed/id", "feed/title", "feed/updated"] {
        assert_eq!(get(p).len(), 1, "{p}");
    }
    let ids = get("feed/entry/id");
    assert_eq!(get("feed/entry/title").len(), ids.len());
    let updated = get("feed/entry/updated");
    assert_eq!(updated.len(), ids.len());
    for u in updated.iter().chain(&get("feed/updated")) {
        let d: toml::value::Datetime = u.parse().unwrap_or_else(|_| panic!("not RFC 3339: {u}"));
        assert!(
            d.date.is_some() && d.time.is_some() && d.offset.is_some(),
            "{u}"
        );
    }
    ids
}

#[test]
fn the_events_feed_is_valid_atom_with_every_event() {
    let portal = portal_with_events();
    let out = build(portal.path());
    let xml = std::fs::read_to_string(out.join("feeds/events.xml")).unwrap();
    let ids = parse_atom(&xml);
    assert_eq!(ids.len(), 4);
    assert!(
        ids.iter()
            .all(|i| i.starts_with("https://") && i.contains("/events/")),
        "{ids:?}"
    );
    let list = std::fs::read_to_string(out.join("events/index.html")).unwrap();
    assert!(
        list.contains("application/atom+xml"),
        "the list page announces its feed"
    );
}

#[test]
fn the_changes_feed_is_valid_atom_over_every_collection() {
    let portal = portal_with_events();
    let out = build(portal.path());
    let xml = std::fs::read_to_string(out.join("feeds/changes.xml")).unwrap();
    let ids = parse_atom(&xml);
    for prefix in ["/services/", "/regions/", "/events/", "/about/"] {
        assert!(
            ids.iter().any(|i| i.contains(prefix)),
            "{prefix} missing: {ids:?}"
        );
    }
}

/// The default portal's real events build into a valid feed as well.
#[test]
fn the_default_portals_events_feed_is_valid_atom() {
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("site");
    let o = opora(&repo(), &["build", "--output", dest.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let ids = parse_atom(&std::fs::read_to_string(dest.join("feeds/events.xml")).unwrap());
    assert!(ids.len() >= 7, "{ids:?}");
    let forum = std::fs::read_to_string(
        dest.join("events/forum-zhit-i-vospityvatsya-v-seme-2024/index.html"),
    )
    .unwrap();
    assert!(forum.contains("13–14 ноября 2024 г."));
    assert!(forum.contains("Новосибирск"));
}
