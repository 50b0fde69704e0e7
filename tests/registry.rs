//! The collection registry: every registered collection has a schema, a
//! scaffold that passes `check`, a page at its URL scheme and a search
//! document; and the lists that used to be copied by hand (reserved page names,
//! the template list) now follow from it, so the drift they allowed is gone.

mod common;

use common::*;
use opora::collections::{Layout, REGISTRY, fields, reserved_slugs, templates};

/// Ranking knows every registered type: a new collection states what its
/// records are worth in `opora_search_core::ranking` instead of getting a default.
#[test]
fn every_registered_collection_has_a_ranking_prior() {
    for c in REGISTRY {
        let t = c.spec().singular;
        assert!(
            opora_search_core::ranking::type_prior(t).is_some(),
            "add `{t}` to ranking::type_prior"
        );
    }
}

/// One table-driven pass over the registry: for each collection, `opora new`
/// writes a record, `opora check` accepts it, `opora build` publishes a page at
/// the collection's URL scheme, the search index finds the record under the
/// collection's type, and `opora schema` describes it (and accepts it).
/// `opora new` for collection `c` with `title`; the path of the file it made.
/// Regions need a code of their own; everything else lives in Moscow oblast.
fn new_record(
    root: &std::path::Path,
    c: &dyn opora::collections::Collection,
    title: &str,
) -> String {
    let spec = c.spec();
    let region = if spec.singular == "region" {
        "RU-TUL"
    } else {
        "RU-MOS"
    };
    let o = opora(root, &["new", spec.singular, title, "--region", region]);
    assert!(o.status.success(), "{}: {}", spec.singular, stderr(&o));
    String::from_utf8_lossy(&o.stdout)
        .trim()
        .trim_start_matches("created ")
        .to_string()
}

#[test]
fn every_registered_collection_has_schema_scaffold_route_and_search_document() {
    let portal = mini_portal();
    let root = portal.path();
    let mut made = Vec::new();
    for c in REGISTRY {
        let spec = c.spec();
        let title = format!("Запись реестра {}", spec.label_one);
        let path = new_record(root, c, &title);
        assert!(
            path.contains(&format!("content/{}/", spec.name)),
            "{}: {path}",
            spec.singular
        );
        made.push((spec, title, path));
    }
    let o = opora(root, &["check"]);
    assert!(
        o.status.success(),
        "scaffolds must pass check:\n{}",
        stderr(&o)
    );

    let out = root.join("public");
    let o = opora(root, &["build", "--output", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let schemas = tempfile::tempdir().unwrap();
    let o = opora(root, &["schema", "--out", schemas.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));

    for (spec, title, path) in made {
        // Route: the record's page exists where the URL scheme says.
        let file = std::path::Path::new(&path);
        let slug = file.file_stem().unwrap().to_string_lossy().into_owned();
        let folder = file
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let url = spec
            .record
            .url
            .replace("{slug}", &slug)
            .replace("{region}", &folder);
        let page = out.join(&url).join("index.html");
        let html = std::fs::read_to_string(&page)
            .unwrap_or_else(|e| panic!("{}: no page at {url}: {e}", spec.singular));
        assert!(
            html.contains(&title),
            "{}: page lacks its title",
            spec.singular
        );
        if spec.layout == Layout::ByRegion {
            assert_eq!(folder, "ru-mos");
        }

        // Search document: the index finds the record under its type.
        let o = opora(
            root,
            &[
                "search",
                &title,
                "--type",
                spec.singular,
                "--json",
                "--output",
                out.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let found: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let hits = &found["results"];
        assert!(
            hits.as_array()
                .unwrap()
                .iter()
                .any(|h| h["url"].as_str() == Some(url.as_str())),
            "{}: search does not find {url}: {hits}",
            spec.singular
        );

        // Schema: written, in Russian, and it accepts the scaffold.
        let schema: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(
                schemas
                    .path()
                    .join(format!("{}.schema.json", spec.singular)),
            )
            .unwrap(),
        )
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let front = text.split("+++").nth(1).unwrap();
        let value = opora::schema::toml_to_json(&toml::from_str::<toml::Value>(front).unwrap());
        let problems = opora::schema::validate(&schema, &value);
        assert!(problems.is_empty(), "{}: {problems:?}", spec.singular);

        // Fields, as generators read them: each described in Russian.
        let fields = fields(
            *REGISTRY
                .iter()
                .find(|c| c.spec().name == spec.name)
                .unwrap(),
        );
        assert!(fields.iter().any(|f| f.required), "{}", spec.singular);
        for f in &fields {
            assert!(
                f.description
                    .chars()
                    .any(|c| ('а'..='я').contains(&c.to_lowercase().next().unwrap())),
                "{}.{} has no Russian description",
                spec.singular,
                f.name
            );
        }
    }
}

/// A record's name or title is its page's heading and `<title>`, and the
/// text of every link to it: in every collection, one with nothing to read —
/// empty, spaces, a zero-width space — is refused where it is written, with
/// a hint, even though everything else about the record is right.
#[test]
fn every_registered_collection_refuses_a_title_with_nothing_to_read() {
    let portal = mini_portal();
    let root = portal.path();
    let blanks = ["", "   ", "\u{200B}"];
    let mut expected = Vec::new();
    for (i, c) in REGISTRY.iter().enumerate() {
        let spec = c.spec();
        let title = format!("Запись без названия {}", spec.label_one);
        let path = new_record(root, *c, &title);
        let path = std::path::Path::new(&path)
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(root.join(&path)).unwrap();
        let quoted = format!("\"{title}\"");
        let at = text
            .find(&quoted)
            .unwrap_or_else(|| panic!("{path}: {text}"));
        let line = text[..at].lines().count();
        let col = text[..at].rsplit('\n').next().unwrap().chars().count() + 1;
        let blank = blanks[i % blanks.len()];
        std::fs::write(
            root.join(&path),
            text.replace(&quoted, &format!("\"{blank}\"")),
        )
        .unwrap();
        expected.push((spec.singular, format!("  --> {path}:{line}:{col}")));
    }
    let o = opora(root, &["check"]);
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    for (singular, place) in expected {
        let at = lines
            .iter()
            .position(|l| *l == place)
            .unwrap_or_else(|| panic!("{singular}: nothing reported at `{place}`:\n{err}"));
        let message = lines[at - 1];
        assert!(
            message.ends_with("` is empty") || message.contains("` has no letter or digit"),
            "{singular}: {message}"
        );
        assert!(
            lines[at + 1..]
                .iter()
                .take_while(|l| !l.is_empty())
                .any(|l| l.starts_with("  = hint: the page's heading and every link to it")),
            "{singular}: no hint:\n{err}"
        );
    }
}

/// Generators read the same facts the validator enforces: required fields,
/// vocabulary bindings and patterns come from the front-matter types.
#[test]
fn fields_carry_required_flags_vocabularies_and_patterns() {
    let by = |name: &str| *REGISTRY.iter().find(|c| c.spec().name == name).unwrap();
    let service = fields(by("services"));
    let needs = service.iter().find(|f| f.name == "needs").unwrap();
    assert!(needs.required);
    assert_eq!(needs.vocabulary.as_deref(), Some("needs"));
    assert_eq!(needs.kind, "array");
    let region = service.iter().find(|f| f.name == "region").unwrap();
    assert_eq!(region.refers_to.as_deref(), Some("regions"));
    let verified = service.iter().find(|f| f.name == "verified").unwrap();
    assert_eq!(verified.format.as_deref(), Some("date"));
    assert!(!service.iter().find(|f| f.name == "hours").unwrap().required);
    let code = fields(by("regions"))
        .into_iter()
        .find(|f| f.name == "code")
        .unwrap();
    assert!(code.pattern.is_some_and(|p| p.starts_with("^RU")));
    let event = fields(by("events"));
    let kind = event.iter().find(|f| f.name == "kind").unwrap();
    assert_eq!(kind.vocabulary.as_deref(), Some("event_kinds"));
}

/// The open-data page and the geo data folder are the site's own: a free page
/// named after either would overwrite them, so `check` refuses it.
#[test]
fn a_page_named_open_data_or_geo_is_refused() {
    for name in ["open-data", "geo", "events", "feeds"] {
        assert!(
            reserved_slugs().contains(&name),
            "{name} missing from {:?}",
            reserved_slugs()
        );
        let portal = mini_portal();
        let root = portal.path();
        std::fs::write(
            root.join(format!("content/pages/{name}.md")),
            "+++\ntitle = \"Моя страница\"\n+++\nТекст.\n",
        )
        .unwrap();
        let o = opora(root, &["check"]);
        assert!(!o.status.success(), "{name}: check passed");
        let err = stderr(&o);
        assert!(
            err.contains(&format!("content/pages/{name}.md"))
                && err.contains("the site uses that address"),
            "{name}: {err}"
        );
    }
}

/// Every template a page uses is in the checked list, so a missing one is
/// reported up front, on the template's own path — never on a page's.
#[test]
fn a_missing_template_is_blamed_on_the_template_path() {
    for template in ["open_data.html", "municipality.html", "event.html"] {
        assert!(templates().contains(&template), "{template} not checked");
        let portal = mini_portal();
        let root = portal.path();
        std::fs::remove_file(root.join("templates").join(template)).unwrap();
        let out = root.join("public");
        let o = opora(root, &["build", "--output", out.to_str().unwrap()]);
        assert!(!o.status.success());
        let err = stderr(&o);
        assert!(
            err.contains(&format!("--> templates/{template}")),
            "{template}: {err}"
        );
        assert!(
            !err.contains("index.html:"),
            "{template}: blamed on a page: {err}"
        );
    }
}

/// The list is complete the other way too: every page template the default
/// portal ships is one some page uses.
#[test]
fn every_template_in_the_portal_is_one_the_registry_knows() {
    let listed = templates();
    for entry in std::fs::read_dir(repo().join("templates")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".html") {
            assert!(
                listed.contains(&name.as_str()),
                "{name} is not in the registry"
            );
        }
    }
}
