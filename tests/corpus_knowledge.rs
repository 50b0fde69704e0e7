//! Checks the knowledge half of the default portal's content (practices and
//! routes) against facts copied from the source documents.
//!
//! The test reads `content/` directly instead of going through the generator,
//! so it keeps guarding the corpus even while the generator's own model of a
//! record changes. The fixture `tests/fixtures/passports/passports_003.json`
//! holds the six passports of the collection «Лучшие практики субъектов РФ»
//! (document 003): their titles as written and the sections the source fills.

use std::fs;
use std::path::{Path, PathBuf};

/// The `##` headings of a practice passport, in the order the format requires.
const PASSPORT_SECTIONS: [&str; 13] = [
    "Происхождение практики",
    "Актуальность",
    "Целевые группы",
    "Цели",
    "Социальные результаты",
    "Деятельность",
    "Ресурсы",
    "Партнёры",
    "Оценка эффективности",
    "Количественные результаты",
    "Качественные результаты",
    "Изменения",
    "Мониторинг",
];

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// A content file split into its parsed TOML front matter and Markdown body.
struct Record {
    front: toml::Table,
    body: String,
}

/// Splits `+++`-delimited front matter from the body and parses it.
fn read_record(path: &Path) -> Record {
    let text = fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("{}: cannot read: {err}", path.display()));
    let rest = text
        .strip_prefix("+++\n")
        .unwrap_or_else(|| panic!("{}: must start with a `+++` line", path.display()));
    let end = rest
        .find("\n+++\n")
        .or_else(|| rest.ends_with("\n+++").then(|| rest.len() - 4))
        .unwrap_or_else(|| panic!("{}: front matter is not closed by `+++`", path.display()));
    let front: toml::Table = toml::from_str(&rest[..end])
        .unwrap_or_else(|err| panic!("{}: front matter is not TOML: {err}", path.display()));
    let body = rest[end..]
        .trim_start_matches('\n')
        .trim_start_matches("+++")
        .to_string();
    Record { front, body }
}

/// The `##` sections of a Markdown body as (heading, text) pairs, in order.
/// Lines inside fenced code blocks are not headings.
fn sections(body: &str) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = Vec::new();
    let mut in_fence = false;
    for line in body.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        }
        match line.strip_prefix("## ") {
            Some(heading) if !in_fence => found.push((heading.trim().to_string(), String::new())),
            _ => {
                if let Some((_, text)) = found.last_mut() {
                    text.push_str(line);
                    text.push('\n');
                }
            }
        }
    }
    found
}

fn markdown_files(collection: &str) -> Vec<PathBuf> {
    let dir = repo_path(&format!("content/{collection}"));
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("{}: cannot list: {err}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    files.sort();
    files
}

fn str_field<'a>(front: &'a toml::Table, key: &str) -> Option<&'a str> {
    front.get(key).and_then(toml::Value::as_str)
}

#[derive(serde::Deserialize)]
struct Fixture {
    passports: Vec<FixturePassport>,
}

#[derive(serde::Deserialize)]
struct FixturePassport {
    toc_number: String,
    slug: String,
    title: String,
    source_sections: Vec<String>,
}

fn fixture() -> Fixture {
    let path = repo_path("tests/fixtures/passports/passports_003.json");
    let text = fs::read_to_string(&path).expect("passport fixture");
    serde_json::from_str(&text).expect("passport fixture is JSON")
}

#[test]
fn the_fixture_lists_six_passports_with_every_section() {
    let fixture = fixture();
    assert_eq!(fixture.passports.len(), 6);
    for passport in &fixture.passports {
        assert_eq!(
            passport.source_sections, PASSPORT_SECTIONS,
            "{}: the source fills every passport section",
            passport.toc_number
        );
    }
}

#[test]
fn each_full_passport_has_its_source_title_and_every_section_in_order() {
    for passport in fixture().passports {
        let path = repo_path(&format!("content/practices/{}.md", passport.slug));
        assert!(
            path.exists(),
            "{}: missing {}",
            passport.toc_number,
            path.display()
        );
        let record = read_record(&path);
        let where_ = path.display();

        assert_eq!(
            str_field(&record.front, "title"),
            Some(passport.title.as_str()),
            "{where_}: title"
        );
        assert_eq!(
            str_field(&record.front, "passport"),
            Some("full"),
            "{where_}: passport"
        );
        let collection = str_field(&record.front, "collection").unwrap_or_default();
        assert!(
            collection.ends_with(&passport.toc_number),
            "{where_}: collection should name {}",
            passport.toc_number
        );

        let found = sections(&record.body);
        let headings: Vec<&str> = found.iter().map(|(heading, _)| heading.as_str()).collect();
        let expected: Vec<&str> = passport
            .source_sections
            .iter()
            .map(String::as_str)
            .collect();
        assert_eq!(headings, expected, "{where_}: passport headings");
        for (heading, text) in &found {
            assert!(
                !text.trim().is_empty(),
                "{where_}: section «{heading}» is empty"
            );
        }
    }
}

#[test]
fn every_practice_uses_known_headings_in_passport_order() {
    for path in markdown_files("practices") {
        let record = read_record(&path);
        let mut last = None;
        for (heading, text) in sections(&record.body) {
            let position = PASSPORT_SECTIONS.iter().position(|known| *known == heading);
            let position = position
                .unwrap_or_else(|| panic!("{}: unknown heading «{heading}»", path.display()));
            assert!(
                last.is_none_or(|previous| previous < position),
                "{}: «{heading}» is out of order or repeated",
                path.display()
            );
            assert!(
                !text.trim().is_empty(),
                "{}: «{heading}» is empty",
                path.display()
            );
            last = Some(position);
        }
    }
}

fn steps(front: &toml::Table) -> &[toml::Value] {
    front
        .get("steps")
        .and_then(toml::Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn needs_of(table: &toml::Table) -> usize {
    table
        .get("needs")
        .and_then(toml::Value::as_array)
        .map_or(0, Vec::len)
}

#[test]
fn every_route_step_has_a_title_and_family_routes_link_needs() {
    let routes = markdown_files("routes");
    assert!(!routes.is_empty(), "there are routes");
    for path in routes {
        let record = read_record(&path);
        let where_ = path.display();
        let steps = steps(&record.front);
        assert!(!steps.is_empty(), "{where_}: a route has steps");
        for (index, step) in steps.iter().enumerate() {
            let step = step
                .as_table()
                .unwrap_or_else(|| panic!("{where_}: step {} is not a table", index + 1));
            let title = str_field(step, "title").unwrap_or_default();
            assert!(
                !title.trim().is_empty(),
                "{where_}: step {} has no title",
                index + 1
            );
        }
        if str_field(&record.front, "audience") == Some("family") {
            let linked = steps
                .iter()
                .filter_map(toml::Value::as_table)
                .map(needs_of)
                .sum::<usize>();
            assert!(
                linked > 0,
                "{where_}: a family route links at least one need"
            );
        }
    }
}

#[test]
fn the_sections_splitter_ignores_fenced_code_and_keeps_text() {
    let body = "intro\n## Цели\nтекст\n```\n## не заголовок\n```\n## Мониторинг\n\n";
    let found = sections(body);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].0, "Цели");
    assert!(found[0].1.contains("## не заголовок"));
    assert!(found[1].1.trim().is_empty());
}
