//! The search library's interface on its own (no portal content): building is
//! deterministic and safe, filters and synonyms behave the same in native
//! tantivy and in the browser engine (script + wasm, run in Node).

mod common;

use common::*;
use opora::search::{
    FacetLabels, QueryOptions, SearchDoc, SynonymGroup, Vocabulary, build_index, query,
};
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

const WORDS: [&str; 12] = [
    "помощь",
    "семья",
    "психолог",
    "юрист",
    "коляска",
    "кризисная",
    "квартира",
    "центр",
    "мама",
    "консультация",
    "бесплатная",
    "няня",
];
const REGIONS: [&str; 3] = ["RU-MOS", "RU-KLU", "RU-NVS"];
const NEEDS: [&str; 4] = ["crisis", "goods", "legal", "respite"];

/// A kind as the taxonomy labels it.
fn term(id: &str) -> opora::search::TermRef {
    opora::search::TermRef {
        id: id.into(),
        label: format!("Вид {id}").into(),
    }
}

/// 300 documents with varied text and facets; common words overflow the first
/// posting block, so filtered queries exercise the browser's block fetching.
fn synthetic_docs() -> Vec<SearchDoc> {
    let mut docs: Vec<SearchDoc> = (0..300usize)
        .map(|i| {
            let body: Vec<&str> = (0..(4 + i % 13))
                .map(|k| WORDS[(i * 5 + k * k) % WORDS.len()])
                .collect();
            SearchDoc {
                id: format!("service:test/{i}"),
                url: format!("services/test/{i}/"),
                doc_type: if i % 7 == 0 { "practice" } else { "service" }.into(),
                title: format!("Центр «{}» №{i}", WORDS[i % WORDS.len()]),
                names: format!("Организация {}", WORDS[(i + 3) % WORDS.len()]),
                body: body.join(" "),
                // Some national (none), some of two regions (like an event).
                regions: match i % 10 {
                    9 => Vec::new(),
                    8 => vec![REGIONS[i % 3].to_string(), REGIONS[(i + 1) % 3].to_string()],
                    _ => vec![REGIONS[i % 3].to_string()],
                },
                needs: vec![NEEDS[i % 4].to_string(), NEEDS[(i / 4) % 4].to_string()],
                audience: vec![if i % 2 == 0 { "family" } else { "specialist" }.into()],
                kind: Some(if i % 3 == 0 {
                    term("ngo")
                } else {
                    term("family-centre")
                }),
                ..SearchDoc::default()
            }
        })
        .collect();
    docs.push(SearchDoc {
        id: "glossary:kdn".into(),
        url: "glossary/#kdn".into(),
        doc_type: "glossary".into(),
        title: "КДН".into(),
        names: String::new(),
        body: "Решает вопросы о правах детей.".into(),
        audience: vec!["specialist".into()],
        ..SearchDoc::default()
    });
    docs.push(SearchDoc {
        id: "page:komissiya".into(),
        url: "komissiya/".into(),
        doc_type: "page".into(),
        title: "Как проходит заседание".into(),
        names: String::new(),
        body: "Комиссия по делам несовершеннолетних приглашает родителей.".into(),
        ..SearchDoc::default()
    });
    docs
}

fn vocabulary() -> Vocabulary {
    let mut labels = FacetLabels::default();
    labels.regions.insert("RU-MOS".into(), "Москва".into());
    Vocabulary {
        synonyms: vec![SynonymGroup {
            terms: vec![
                "КДН".into(),
                "КДНиЗП".into(),
                "комиссия по делам несовершеннолетних".into(),
            ],
        }],
        labels,
        ..Vocabulary::default()
    }
}

/// Builds into `<dir>/index` and `<dir>/public`, with the browser engine
/// copied beside the export so the Node runner finds it.
fn build(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let index = dir.join("index");
    let site = dir.join("public");
    let report = build_index(&synthetic_docs(), &vocabulary(), &index, &site)
        .unwrap_or_else(|e| panic!("build_index: {e}"));
    assert_eq!(report.docs, 302);
    assert!(report.terms > 10 && report.files > 5 && report.bytes > 0);
    assert!(site.join(&report.manifest).is_file());
    std::fs::copy(
        repo().join("static/search-engine.js"),
        site.join("search-engine.js"),
    )
    .unwrap();
    (index, site)
}

fn search_dir_snapshot(site: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(site.join("search"))
        .unwrap()
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn the_static_export_is_byte_identical_for_the_same_input() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let (_, site_a) = build(a.path());
    let (_, site_b) = build(b.path());
    let snap = search_dir_snapshot(&site_a);
    assert!(snap.len() > 5);
    assert_eq!(snap, search_dir_snapshot(&site_b));
    // Rebuilding in place with other input leaves no stale hashed files.
    let mut fewer = synthetic_docs();
    fewer.truncate(50);
    build_index(
        &fewer,
        &Vocabulary::default(),
        &a.path().join("index"),
        &site_a,
    )
    .unwrap();
    let names: Vec<String> = search_dir_snapshot(&site_a)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(
        names.iter().filter(|n| n.starts_with("manifest-")).count(),
        1,
        "{names:?}"
    );
}

/// Files are named by their group's generation: after one record's text
/// changes, a name found in both exports still holds the same bytes (hosts
/// cache by name), the record's own fragment chunk is renamed, and files its
/// text cannot touch keep their names — an incremental build does not write
/// them again.
#[test]
fn an_edit_renames_only_the_groups_of_files_it_changed() {
    let export = |docs: &[SearchDoc]| {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("public");
        build_index(docs, &vocabulary(), &dir.path().join("index"), &site).unwrap();
        let files: HashMap<String, Vec<u8>> = search_dir_snapshot(&site)
            .into_iter()
            .filter(|(n, _)| n.ends_with(".bin") && !n.starts_with("manifest"))
            .collect();
        files
    };
    let docs = synthetic_docs();
    let before = export(&docs);
    let mut edited = docs.clone();
    edited[120].body.push_str(" семья");
    let after = export(&edited);
    let kept: Vec<&String> = before.keys().filter(|n| after.contains_key(*n)).collect();
    for name in &kept {
        assert_eq!(before[*name], after[*name], "{name}: one name, one content");
    }
    let chunk_of = |files: &HashMap<String, Vec<u8>>| -> std::collections::BTreeSet<String> {
        files
            .iter()
            .filter(|(n, b)| {
                n.starts_with("f-") && String::from_utf8_lossy(b).contains("services/test/120/")
            })
            .map(|(n, _)| n.clone())
            .collect()
    };
    assert!(
        chunk_of(&before).is_disjoint(&chunk_of(&after)),
        "the edited record's chunk has a new name"
    );
    // The membership lists do not depend on the text: all keep their names.
    let lists: Vec<&String> = before.keys().filter(|n| n.starts_with("l-")).collect();
    assert!(!lists.is_empty());
    for name in lists {
        assert!(after.contains_key(name), "{name} kept");
    }
}

/// A site's fragment chunks are the most numerous files of its export (two
/// thirds of them), and an edit of one record renames its chunk's whole
/// group: so chunks are spread over many groups, and an edit renames a few
/// of them, not a sixteenth of them all.
#[test]
fn an_edit_renames_a_few_of_many_fragment_chunks() {
    let docs: Vec<SearchDoc> = (0..6000usize)
        .map(|i| SearchDoc {
            id: format!("service:many/{i}"),
            url: format!("services/many/{i}/"),
            doc_type: "service".into(),
            title: format!("Центр №{i}"),
            // ~300 characters: a fragment of about a tenth of a chunk.
            body: (0..30)
                .map(|k| WORDS[(i + k * k) % WORDS.len()])
                .collect::<Vec<_>>()
                .join(" "),
            regions: vec![REGIONS[i % 3].to_string()],
            ..SearchDoc::default()
        })
        .collect();
    let chunks = |docs: &[SearchDoc]| -> std::collections::BTreeSet<String> {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("public");
        build_index(
            docs,
            &Vocabulary::default(),
            &dir.path().join("index"),
            &site,
        )
        .unwrap();
        search_dir_snapshot(&site)
            .into_iter()
            .map(|(n, _)| n)
            .filter(|n| n.starts_with("f-"))
            .collect()
    };
    let before = chunks(&docs);
    let mut edited = docs.clone();
    edited[4321].body.push_str(" няня");
    let after = chunks(&edited);
    let renamed = after.difference(&before).count();
    assert!(before.len() >= 100, "{} chunk files", before.len());
    assert!(
        (1..=before.len() / 40).contains(&renamed),
        "{renamed} of {} chunk files renamed by one edit",
        before.len()
    );
}

#[test]
fn a_folder_that_is_not_an_index_is_never_wiped() {
    let dir = tempfile::tempdir().unwrap();
    let precious = dir.path().join("notes.txt");
    std::fs::write(&precious, "keep me").unwrap();
    let err = build_index(
        &synthetic_docs(),
        &Vocabulary::default(),
        dir.path(),
        &dir.path().join("public"),
    )
    .expect_err("a non-empty folder without an index must be refused");
    assert!(err.to_string().contains("refusing"), "{err}");
    assert_eq!(std::fs::read_to_string(&precious).unwrap(), "keep me");
}

#[test]
fn a_half_written_index_is_replaced_and_the_saved_index_answers() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    build_index(
        &synthetic_docs(),
        &vocabulary(),
        &index,
        &dir.path().join("public"),
    )
    .unwrap();
    // As if a build died after writing some files: the marker is there, the
    // manifest pointer is not.
    std::fs::remove_file(index.join("manifest.txt")).unwrap();
    std::fs::write(index.join("junk.idx"), "partial").unwrap();
    build_index(
        &synthetic_docs(),
        &vocabulary(),
        &index,
        &dir.path().join("public"),
    )
    .unwrap();
    assert!(!index.join("junk.idx").exists());
    let hits = query(
        &index,
        "КДН",
        &QueryOptions {
            limit: 5,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(
        hits.hits.iter().any(|h| h.url == "glossary/#kdn"),
        "the rebuilt index answers: {:?}",
        hits.hits.iter().map(|h| &h.url).collect::<Vec<_>>()
    );
}

#[test]
fn querying_without_an_index_says_how_to_get_one() {
    let dir = tempfile::tempdir().unwrap();
    let err = query(dir.path(), "помощь", &QueryOptions::default()).expect_err("no index");
    assert!(err.to_string().contains("opora build"), "{err}");
}

#[derive(serde::Deserialize, Debug)]
struct Hit {
    url: String,
    score: f64,
}

#[derive(serde::Deserialize, Debug)]
struct Found {
    results: Vec<Hit>,
}

fn node(site: &Path, queries: &[serde_json::Value]) -> HashMap<String, Vec<Hit>> {
    let o = Command::new("node")
        .arg(repo().join("tests/js/search-node.cjs"))
        .arg(site)
        .arg(serde_json::to_string(queries).unwrap())
        .output()
        .expect("node must be installed (Node 20) for the parity tests");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let found: HashMap<String, Found> = serde_json::from_slice(&o.stdout).unwrap();
    found.into_iter().map(|(k, v)| (k, v.results)).collect()
}

fn options(q: &serde_json::Value) -> (String, QueryOptions) {
    let s = |k: &str| q.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let text = q.as_str().map(str::to_string).or_else(|| s("q")).unwrap();
    let opts = QueryOptions {
        limit: 10,
        doc_type: s("type"),
        region: s("region"),
        need: s("need"),
        audience: s("audience"),
        kind: s("kind"),
        ..Default::default()
    };
    (text, opts)
}

#[test]
fn filters_and_synonyms_agree_between_native_and_the_browser() {
    let dir = tempfile::tempdir().unwrap();
    let (index, site) = build(dir.path());
    let queries: Vec<serde_json::Value> = serde_json::from_str(
        r#"[
        "помощь семье",
        {"q": "помощь семье", "region": "RU-MOS"},
        {"q": "психолог", "need": "legal"},
        {"q": "центр консультация", "audience": "specialist", "kind": "ngo"},
        {"q": "бесплатный юрист", "type": "practice", "need": "crisis"},
        {"q": "коляска", "region": "RU-XXX"},
        "КДН",
        "комиссия по делам несовершеннолетних",
        "каляска"
    ]"#,
    )
    .unwrap();
    let browser = node(&site, &queries);
    let docs = synthetic_docs();
    let by_url: HashMap<&str, &SearchDoc> = docs.iter().map(|d| (d.url.as_str(), d)).collect();
    for q in &queries {
        let key = q
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| q.to_string());
        let (text, opts) = options(q);
        let native = query(&index, &text, &opts).unwrap().hits;
        let nu: Vec<&str> = native.iter().map(|h| h.url.as_str()).collect();
        let bu: Vec<&str> = browser[&key].iter().map(|h| h.url.as_str()).collect();
        assert_eq!(nu, bu, "{key}: native and browser top 10 differ");
        for (n, b) in native.iter().zip(&browser[&key]) {
            assert!(
                (f64::from(n.score) - b.score).abs() <= 1e-3,
                "{key} {}: {} vs {}",
                n.url,
                n.score,
                b.score
            );
        }
        for h in &native {
            let d = by_url[h.url.as_str()];
            let ok = opts.region.as_ref().is_none_or(|r| d.regions.contains(r))
                && opts.need.as_ref().is_none_or(|n| d.needs.contains(n))
                && opts
                    .audience
                    .as_ref()
                    .is_none_or(|a| d.audience.contains(a))
                && opts
                    .kind
                    .as_ref()
                    .is_none_or(|k| d.kind.as_ref().is_some_and(|t| *t.id == **k))
                && opts.doc_type.as_ref().is_none_or(|t| &d.doc_type == t);
            assert!(ok, "{key}: {} does not pass the filters", h.url);
        }
    }
    let urls = |key: &str| -> Vec<String> { browser[key].iter().map(|h| h.url.clone()).collect() };
    // Abbreviation and expansion find each other, in both directions.
    for key in ["КДН", "комиссия по делам несовершеннолетних"] {
        let found = urls(key);
        assert!(
            found.contains(&"glossary/#kdn".to_string())
                && found.contains(&"komissiya/".to_string()),
            "«{key}» must find both the abbreviation and the expansion: {found:?}"
        );
    }
    assert!(urls(r#"{"q":"коляска","region":"RU-XXX"}"#).is_empty());
    assert!(!urls("каляска").is_empty(), "one typo is forgiven");
    assert_eq!(urls(r#"{"q":"помощь семье","region":"RU-MOS"}"#).len(), 10);
}

/// Early stopping (issue 6): results that stop before every postings block
/// is loaded are provably close to the exact ones — every record left out
/// scores at most `1 + CLOSENESS` times the last one shown.
#[test]
fn early_stopping_is_provably_close_to_the_exact_results() {
    let dir = tempfile::tempdir().unwrap();
    // As on a large portal: one word in every record, others rarer.
    let docs: Vec<SearchDoc> = (0..3000usize)
        .map(|i| {
            let body: Vec<&str> = (0..(2 + i % 9))
                .map(|k| WORDS[(i * 7 + k * k) % WORDS.len()])
                .collect();
            SearchDoc {
                id: format!("service:big/{i}"),
                url: format!("services/big/{i}/"),
                doc_type: "service".into(),
                title: format!("Центр №{i}"),
                body: format!("Помощь бесплатная. {}", body.join(" ")),
                regions: vec![REGIONS[i % 3].to_string()],
                ..SearchDoc::default()
            }
        })
        .collect();
    let index = dir.path().join("index");
    build_index(&docs, &vocabulary(), &index, &dir.path().join("public")).unwrap();
    let closeness = opora_search_core::ranking::CLOSENESS;
    let mut stopped_early = 0;
    for q in [
        "бесплатная консультация",
        "бесплатный юрист",
        "помощь мама",
        "бесплатная няня",
    ] {
        let base = QueryOptions {
            limit: 10,
            ..Default::default()
        };
        let close = query(&index, q, &base).unwrap();
        let exact = query(
            &index,
            q,
            &QueryOptions {
                exact: true,
                limit: 3000,
                ..base.clone()
            },
        )
        .unwrap();
        assert!(exact.exact, "«{q}»: exact mode must be exact");
        stopped_early += usize::from(!close.exact);
        let true_score = |url: &str| {
            exact
                .hits
                .iter()
                .find(|h| h.url == url)
                .map_or(0.0, |h| h.score)
        };
        let shown: Vec<&str> = close.hits.iter().map(|h| h.url.as_str()).collect();
        let kth = shown.iter().map(|u| true_score(u)).fold(f32::MAX, f32::min);
        for h in &exact.hits {
            if !shown.contains(&h.url.as_str()) {
                assert!(
                    h.score <= kth * (1.0 + closeness) + 1e-4,
                    "«{q}»: {} ({}) left out above {kth} × (1 + {closeness})",
                    h.url,
                    h.score
                );
            }
        }
    }
    assert!(stopped_early > 0, "the test needs queries that stop early");
}

/// «коляска» once put «Вещи и прокат для малыша» first, a need no service
/// carried: a need page with no services is offered, never first.
#[test]
fn a_need_with_no_services_is_never_the_first_answer() {
    let dir = tempfile::tempdir().unwrap();
    let docs = vec![
        SearchDoc {
            id: "need:goods".into(),
            url: "needs/goods/".into(),
            doc_type: "need".into(),
            title: "Вещи и прокат: коляска".into(),
            body: "Коляска, кроватка, одежда. Коляска напрокат.".into(),
            needs: vec!["goods".into()],
            ..SearchDoc::default()
        },
        SearchDoc {
            id: "route:den-gi".into(),
            url: "routes/esli-trudno/".into(),
            doc_type: "route".into(),
            title: "Если семье трудно".into(),
            body: "Центр помогает семье: продукты, одежда, иногда коляска.".into(),
            audience: vec!["family".into()],
            ..SearchDoc::default()
        },
    ];
    let vocabulary = |services: usize| Vocabulary {
        needs: vec![opora::search::NeedWords {
            id: "goods".into(),
            label: "Вещи и прокат".into(),
            phrases: vec!["коляска".into()],
            services,
        }],
        ..Vocabulary::default()
    };
    let top = |services: usize| -> Vec<String> {
        let index = dir.path().join(format!("index-{services}"));
        build_index(
            &docs,
            &vocabulary(services),
            &index,
            &dir.path().join("public"),
        )
        .unwrap();
        query(
            &index,
            "коляска",
            &QueryOptions {
                limit: 10,
                ..Default::default()
            },
        )
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.url)
        .collect()
    };
    assert_eq!(
        top(0),
        ["routes/esli-trudno/", "needs/goods/"],
        "a dead end is second"
    );
    assert_eq!(
        top(3),
        ["needs/goods/", "routes/esli-trudno/"],
        "with services it may lead"
    );
}

/// Every record's fragment is where the manifest says: the chunk file exists,
/// holds the record at its position, and records share files (a 100,000-record
/// portal once wrote one file per record); long records are chunked apart.
#[test]
fn result_fragments_are_grouped_in_chunks_and_each_record_is_found_in_its_own() {
    use opora_search_core::format::{Manifest, decode_fragment_chunk};
    let mut docs = synthetic_docs();
    // Two long records side by side, each fragment (30 sections of 600
    // characters) far over a chunk's budget, `FRAGMENT_CHUNK_BYTES`.
    for i in 0..2 {
        docs.push(SearchDoc {
            id: format!("route:long-{i}"),
            url: format!("routes/long-{i}/"),
            doc_type: "route".into(),
            title: format!("Длинный маршрут {i}"),
            body: "Шаги маршрута.".into(),
            sections: (0..30)
                .map(|k| opora::search::SearchSection {
                    heading: format!("Шаг {k}"),
                    anchor: format!("shag-{k}"),
                    text: "семья психолог юрист ".repeat(40),
                })
                .collect(),
            ..SearchDoc::default()
        });
    }
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("public");
    let report = build_index(&docs, &vocabulary(), &dir.path().join("index"), &site).unwrap();
    let manifest = Manifest::decode(&std::fs::read(site.join(&report.manifest)).unwrap()).unwrap();
    let chunk_files = std::fs::read_dir(site.join("search"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("f-"))
        .count();
    assert!(
        chunk_files * 3 < docs.len(),
        "{chunk_files} fragment files for {} records",
        docs.len()
    );
    let mut chunks_of_long = Vec::new();
    for (d, doc) in docs.iter().enumerate() {
        let (chunk, at) = manifest.fragment_chunk(d as u32).unwrap();
        let name = manifest.file_name("f", &chunk.to_string());
        let bytes = std::fs::read(site.join(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let fragments = decode_fragment_chunk(&bytes).unwrap();
        assert_eq!(
            fragments.len(),
            manifest.fragment_chunk_len(chunk),
            "{name}"
        );
        assert_eq!(fragments[at].url, doc.url, "record {d} in {name}");
        if doc.doc_type == "route" {
            chunks_of_long.push((chunk, fragments.len()));
        }
    }
    assert_eq!(chunks_of_long.len(), 2);
    assert_ne!(
        chunks_of_long[0].0, chunks_of_long[1].0,
        "each long record alone"
    );
    assert!(chunks_of_long.iter().all(|&(_, n)| n == 1));
}
