//! Search over the default portal: relevance for what families and
//! specialists type, and parity between native tantivy (`opora search --json`)
//! and the browser's script + wasm module run in Node.

mod common;

use common::*;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

fn built() -> &'static PathBuf {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let out = dir.join("public");
        let o = opora(&repo(), &["build", "--output", out.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        out
    })
}

#[derive(serde::Deserialize, Debug)]
struct Hit {
    url: String,
    score: f64,
}

fn native(query: &str) -> Vec<Hit> {
    let o = opora(
        &repo(),
        &[
            "search",
            query,
            "--json",
            "--limit",
            "10",
            "--output",
            built().to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

const RELEVANCE: [(&str, &str); 8] = [
    (
        "кризисная квартира",
        "practices/deystvuem-vmeste-tekhnologii/",
    ),
    // While no service offers respite or lends things, those needs' pages are no search
    // result (see needs_without_services_are_not_search_results): the glossary and the
    // routes answer instead.
    ("социальная няня", "glossary/#sotsialnaya-nyanya"),
    ("Снегири", "services/ru-nvs/nsk-snegiri/"),
    (
        "передышка для родителей ребёнка-инвалида",
        "glossary/#programma-peredyshki",
    ),
    ("КДН", "glossary/#kdn"),
    (
        "супервизия специалистов",
        "programmes/supervizia-deystvuem-vmeste/",
    ),
    // A misspelt thing a family needs finds the place that lends it (the
    // Bashkortostan rental point, the one source that names strollers).
    ("каляска", "services/ru-ba/bash-prokat/"),
    (
        "семейная диспетчерская",
        "services/ru-oms/omsk-semeynaya-dispetcherskaya/",
    ),
];

#[test]
fn expected_records_are_in_the_top_three() {
    for (query, expected) in RELEVANCE {
        let hits = native(query);
        let top: Vec<&str> = hits.iter().take(3).map(|h| h.url.as_str()).collect();
        assert!(
            top.contains(&expected),
            "«{query}»: expected {expected} in the top 3, got {top:?}"
        );
    }
}

#[test]
fn filters_narrow_results() {
    let o = opora(
        &repo(),
        &[
            "search",
            "семейный центр",
            "--json",
            "--region",
            "RU-MOS",
            "--type",
            "service",
            "--output",
            built().to_str().unwrap(),
        ],
    );
    let hits: Vec<Hit> = serde_json::from_slice(&o.stdout).unwrap();
    assert!(!hits.is_empty());
    assert!(
        hits.iter().all(|h| h.url.starts_with("services/ru-mos/")),
        "{hits:?}"
    );
}

#[test]
fn browser_script_and_wasm_match_native_tantivy() {
    let mut queries: Vec<&str> = RELEVANCE.iter().map(|(q, _)| *q).collect();
    queries.extend([
        "вернуть ребёнка домой",
        "бесплатный юрист",
        "мама пьёт что делать",
        "где взять коляску",
        "ранняя помощь",
        "Калуга социальный контракт",
        "ТЖС",
        "ёлка",
    ]);
    let script = repo().join("tests/js/search-node.cjs");
    let o = Command::new("node")
        .arg(&script)
        .arg(built())
        .arg(serde_json::to_string(&queries).unwrap())
        .output()
        .expect("node must be installed (Node 20) for the parity test");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let browser: std::collections::HashMap<String, Vec<Hit>> =
        serde_json::from_slice(&o.stdout).unwrap();
    let mut nonempty = 0;
    for q in queries {
        let n = native(q);
        let b = &browser[q];
        let nu: Vec<&str> = n.iter().map(|h| h.url.as_str()).collect();
        let bu: Vec<&str> = b.iter().map(|h| h.url.as_str()).collect();
        assert_eq!(nu, bu, "«{q}»: native and browser top 10 differ");
        for (x, y) in n.iter().zip(b) {
            assert!(
                (x.score - y.score).abs() <= 1e-4 * x.score.abs().max(1.0),
                "«{q}» {}: {} vs {}",
                x.url,
                x.score,
                y.score
            );
        }
        nonempty += usize::from(!n.is_empty());
    }
    assert!(nonempty >= 12, "most parity queries must find something");
}

#[test]
fn static_index_files_are_content_hashed_and_complete() {
    let search = built().join("search");
    let manifest_name = std::fs::read_dir(&search)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with("manifest-"))
        .unwrap();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(search.join(&manifest_name)).unwrap())
            .unwrap();
    let mut referenced = vec![
        manifest["wasm"].as_str().unwrap().to_string(),
        manifest["facets"]["file"].as_str().unwrap().to_string(),
    ];
    // Shard maps hold only hashes; names are `search/<d|p>-<hex of key>-<hash>.json`.
    for (key, stem) in [("dict", "d"), ("postings", "p")] {
        referenced.extend(manifest[key].as_object().unwrap().iter().map(|(k, v)| {
            let hex: String = k.bytes().map(|b| format!("{b:02x}")).collect();
            format!("search/{stem}-{hex}-{}.json", v.as_str().unwrap())
        }));
    }
    referenced.extend(
        manifest["meta"]["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string()),
    );
    for file in &referenced {
        let bytes = std::fs::read(built().join(file)).unwrap_or_else(|_| panic!("{file} missing"));
        let hash = file.rsplit('-').next().unwrap().split('.').next().unwrap();
        assert_eq!(
            hash,
            format!("{:016x}", opora::output::fnv1a(&bytes)),
            "{file}: name must carry its content hash"
        );
    }
    let page = std::fs::read_to_string(built().join("search/index.html")).unwrap();
    assert!(
        page.contains(&format!("data-manifest=\"/search/{manifest_name}\"")),
        "search page points at the manifest"
    );
    assert!(
        page.contains("<noscript>"),
        "the page says what to do without JavaScript"
    );
}

#[test]
fn russian_forms_match_each_other_through_the_index() {
    let portal = mini_portal();
    std::fs::write(
        portal.path().join("content/pages/test-forms.md"),
        "+++\ntitle = \"Проверка форм\"\n+++\nБесплатный районный центр для грудного ребёнка. Помощь детям-инвалидам. Ёжик.\n",
    )
    .unwrap();
    let out = portal.path().join("public");
    assert!(opora(portal.path(), &["build"]).status.success());
    for q in [
        "бесплатная",
        "районная",
        "грудная",
        "грудной",
        "инвалидов",
        "ежик",
        "детей-инвалидов",
    ] {
        let o = opora(
            portal.path(),
            &["search", q, "--json", "--output", out.to_str().unwrap()],
        );
        let hits: Vec<Hit> = serde_json::from_slice(&o.stdout).unwrap();
        assert!(
            hits.iter().any(|h| h.url == "test-forms/"),
            "«{q}» must find the page: {hits:?}"
        );
    }
}

/// Enough documents that common words overflow the first posting block, so the
/// browser's threshold algorithm has to fetch more blocks and must still agree
/// with tantivy.
#[test]
fn parity_holds_when_postings_overflow_into_more_blocks() {
    let portal = mini_portal();
    let words = [
        "помощь",
        "семья",
        "психолог",
        "юрист",
        "коляска",
        "кризис",
        "центр",
        "дети",
        "мама",
        "консультация",
    ];
    let towns = ["Орехово-Зуево", "Руза", "Егорьевск", "Балашиха"];
    for i in 0..420usize {
        // Varied lengths and repetitions give every document its own score.
        let body: Vec<&str> = (0..(3 + i % 17))
            .map(|k| words[(i * 7 + k * k) % words.len()])
            .collect();
        let text = format!(
            "+++\nname = \"Центр {i} «{}»\"\nkind = \"family-centre\"\nneeds = [\"crisis\"]\nregion = \"RU-MOS\"\nmunicipality = \"{}\"\nverified = 2026-11-01\nsources = [{{ doc = \"000\", line = 1 }}]\n+++\n{}.\n",
            words[i % words.len()],
            towns[i % towns.len()],
            body.join(" ")
        );
        std::fs::write(
            portal
                .path()
                .join(format!("content/services/ru-mos/centr-{i}.md")),
            text,
        )
        .unwrap();
    }
    let out = portal.path().join("public");
    let o = opora(portal.path(), &["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let overflow = std::fs::read_dir(out.join("search"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("o-"))
        .count();
    assert!(overflow > 0, "the test needs overflow blocks");
    let queries = [
        "центр",
        "семья помощь",
        "психолог Руза",
        "коляска мама дети",
        "консультация юриста",
        "кризис",
    ];
    let o = Command::new("node")
        .arg(repo().join("tests/js/search-node.cjs"))
        .arg(&out)
        .arg(serde_json::to_string(&queries).unwrap())
        .output()
        .expect("node");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let browser: std::collections::HashMap<String, Vec<Hit>> =
        serde_json::from_slice(&o.stdout).unwrap();
    for q in queries {
        let n = opora(
            portal.path(),
            &[
                "search",
                q,
                "--json",
                "--limit",
                "10",
                "--output",
                out.to_str().unwrap(),
            ],
        );
        let native: Vec<Hit> = serde_json::from_slice(&n.stdout).unwrap();
        let nu: Vec<&str> = native.iter().map(|h| h.url.as_str()).collect();
        let bu: Vec<&str> = browser[q].iter().map(|h| h.url.as_str()).collect();
        assert_eq!(nu.len(), 10, "«{q}» should fill the top 10");
        assert_eq!(nu, bu, "«{q}»: native and browser top 10 differ");
    }
}

/// A need no service helps with would be a dead end: search never offers its page.
#[test]
fn needs_without_services_are_not_search_results() {
    let taxonomy: toml::Table =
        toml::from_str(&std::fs::read_to_string(repo().join("data/taxonomy.toml")).unwrap())
            .unwrap();
    let mut services = String::new();
    for entry in walkdir::WalkDir::new(repo().join("content/services")) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            services.push_str(&std::fs::read_to_string(entry.path()).unwrap());
        }
    }
    for need in taxonomy["needs"].as_array().unwrap() {
        let (id, label) = (
            need["id"].as_str().unwrap(),
            need["label"].as_str().unwrap(),
        );
        if services.contains(&format!("\"{id}\"")) {
            continue;
        }
        let hits = native(label);
        assert!(
            hits.iter().all(|h| h.url != format!("needs/{id}/")),
            "«{label}» has no services, yet search offers its page"
        );
    }
}
