//! `opora schema` writes a JSON Schema per record type, and every schema accepts
//! the real content of the default portal (and of the test portal), while
//! refusing a typical editor's mistake.

mod common;

use common::*;
use std::path::Path;

fn check_content_against_schemas(root: &Path) -> usize {
    let out = tempfile::tempdir().unwrap();
    let o = opora(root, &["schema", "--out", out.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut checked = 0;
    for (collection, schema_name) in [
        ("services", "service"),
        ("regions", "region"),
        ("practices", "practice"),
        ("programmes", "programme"),
        ("routes", "route"),
        ("pages", "page"),
    ] {
        let schema: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.path().join(format!("{schema_name}.schema.json")))
                .unwrap(),
        )
        .unwrap();
        for entry in walkdir::WalkDir::new(root.join("content").join(collection)) {
            let entry = entry.unwrap();
            if entry.path().extension().is_none_or(|e| e != "md") {
                continue;
            }
            let text = std::fs::read_to_string(entry.path()).unwrap();
            let front = text.split("+++").nth(1).unwrap();
            let value = opora::schema::toml_to_json(&toml::from_str::<toml::Value>(front).unwrap());
            let problems = opora::schema::validate(&schema, &value);
            assert!(
                problems.is_empty(),
                "{}: {problems:?}",
                entry.path().display()
            );
            checked += 1;
        }
    }
    checked
}

#[test]
fn schemas_accept_the_test_portal() {
    let portal = mini_portal();
    assert!(check_content_against_schemas(portal.path()) >= 8);
}

#[test]
fn schemas_accept_the_default_portal() {
    assert!(check_content_against_schemas(&repo()) > 0);
}

#[test]
fn schema_refuses_a_wrong_need_and_describes_fields_in_russian() {
    let portal = mini_portal();
    let out = tempfile::tempdir().unwrap();
    assert!(
        opora(
            portal.path(),
            &["schema", "--out", out.path().to_str().unwrap()]
        )
        .status
        .success()
    );
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("service.schema.json")).unwrap(),
    )
    .unwrap();
    let needs = &schema["properties"]["needs"]["items"]["enum"];
    assert!(
        needs.as_array().unwrap().iter().any(|v| v == "crisis"),
        "enum comes from data/taxonomy.toml"
    );
    assert!(
        schema["properties"]["verified"]["description"]
            .as_str()
            .unwrap()
            .contains("сверил сведения с самой организацией")
    );
    let bad = serde_json::json!({ "name": "x", "kind": "family-centre", "needs": ["crysis"], "region": "RU-MOS", "verified": "2026-01-01", "sources": [] });
    assert_eq!(opora::schema::validate(&schema, &bad).len(), 1);
}
