//! JSON Schema (draft 2020-12) for each record type's front matter, with
//! Russian descriptions and the portal's own vocabularies as enums, so an
//! editor's text editor can autocomplete fields and flag mistakes while typing.
//! A small validator for the subset emitted here lets the tests prove every
//! schema accepts the portal's real content.

use serde_json::{Value, json};

use crate::collections::{REFERENCE_KEY, REGISTRY, VOCABULARY_KEY, raw_schema};
use crate::content::Content;
use crate::content::Data;

/// All schemas: (collection's singular name, schema), one per registered
/// collection, generated from its front-matter type with the portal's own
/// vocabularies and region codes patched in as enums.
pub fn schemas(data: &Data, content: &Content) -> Vec<(&'static str, Value)> {
    let mut regions: Vec<String> = content
        .regions
        .iter()
        .filter_map(|r| r.meta.code.as_ref().map(|c| c.get_ref().clone()))
        .collect();
    regions.sort();
    REGISTRY
        .iter()
        .map(|c| {
            let spec = c.spec();
            let mut schema = raw_schema(*c);
            patch_enums(&mut schema, &|key, name| match key {
                VOCABULARY_KEY => Some(
                    data.taxonomy
                        .terms(name)
                        .iter()
                        .map(|t| t.id.clone())
                        .collect(),
                ),
                _ if name == "regions" => Some(regions.clone()),
                _ => None,
            });
            if let Value::Object(m) = &mut schema {
                m.insert(
                    "$schema".into(),
                    json!("https://json-schema.org/draft/2020-12/schema"),
                );
                m.insert(
                    "title".into(),
                    json!(format!(
                        "Opora: {} (content/{}/)",
                        spec.label_one, spec.name
                    )),
                );
            }
            (spec.singular, schema)
        })
        .collect()
}

/// Puts `enum` on every string bound to a vocabulary or to another
/// collection's ids (on an array's items when the field is a list).
fn patch_enums(v: &mut Value, values: &dyn Fn(&str, &str) -> Option<Vec<String>>) {
    let Value::Object(m) = v else {
        return;
    };
    for key in [VOCABULARY_KEY, REFERENCE_KEY] {
        let allowed = m
            .get(key)
            .and_then(Value::as_str)
            .and_then(|name| values(key, name));
        if let Some(allowed) = allowed {
            let target = match m.get_mut("items") {
                Some(items) => items,
                None => v,
            };
            if let Value::Object(t) = target {
                t.insert("enum".into(), json!(allowed));
            }
            return;
        }
    }
    for child in m.values_mut() {
        match child {
            Value::Array(a) => a.iter_mut().for_each(|x| patch_enums(x, values)),
            other => patch_enums(other, values),
        }
    }
}

/// Validates a value against the subset of JSON Schema emitted above; returns
/// the problems as `path: message`.
pub fn validate(schema: &Value, value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    check(schema, value, "", &mut out);
    out
}

fn check(schema: &Value, value: &Value, path: &str, out: &mut Vec<String>) {
    for (key, one) in [("oneOf", true), ("anyOf", false)] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let matching = options
                .iter()
                .filter(|o| validate(o, value).is_empty())
                .count();
            if matching == 0 || (one && matching != 1) {
                out.push(format!("{path}: matches {matching} of the allowed forms"));
            }
            return;
        }
    }
    let ty = schema.get("type").and_then(Value::as_str).unwrap_or("");
    let ok = match ty {
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => true,
    };
    if !ok {
        out.push(format!("{path}: expected {ty}, found {value}"));
        return;
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        out.push(format!("{path}: {value} is not one of the allowed values"));
    }
    if let (Some(min), Some(n)) = (
        schema.get("minimum").and_then(Value::as_f64),
        value.as_f64(),
    ) && n < min
    {
        out.push(format!("{path}: {n} is below {min}"));
    }
    if let (Some(max), Some(n)) = (
        schema.get("maximum").and_then(Value::as_f64),
        value.as_f64(),
    ) && n > max
    {
        out.push(format!("{path}: {n} is above {max}"));
    }
    if let Some(items) = value.as_array() {
        let len = items.len() as u64;
        if schema
            .get("minItems")
            .and_then(Value::as_u64)
            .is_some_and(|m| len < m)
            || schema
                .get("maxItems")
                .and_then(Value::as_u64)
                .is_some_and(|m| len > m)
        {
            out.push(format!("{path}: wrong number of items ({len})"));
        }
        if let Some(item_schema) = schema.get("items") {
            for (i, item) in items.iter().enumerate() {
                check(item_schema, item, &format!("{path}[{i}]"), out);
            }
        }
    }
    if let Some(obj) = value.as_object() {
        let props = schema.get("properties").and_then(Value::as_object);
        for req in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !obj.contains_key(req) {
                out.push(format!("{path}: missing `{req}`"));
            }
        }
        for (k, v) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(sub) => check(sub, v, &format!("{path}.{k}"), out),
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    out.push(format!("{path}: unknown field `{k}`"))
                }
                None => {}
            }
        }
    }
}

/// TOML front matter as JSON, with dates as `YYYY-MM-DD` strings (what editors type).
pub fn toml_to_json(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => json!(s),
        toml::Value::Integer(i) => json!(i),
        toml::Value::Float(f) => json!(f),
        toml::Value::Boolean(b) => json!(b),
        toml::Value::Datetime(d) => json!(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validator_catches_what_the_schema_forbids() {
        let schema = json!({
            "type": "object",
            "required": ["name"],
            "additionalProperties": false,
            "properties": {
                "name": { "type": "string" },
                "kind": { "type": "string", "enum": ["a"] },
                "ages": { "type": "array", "items": { "type": "integer", "maximum": 216 }, "maxItems": 2 },
            },
        });
        assert!(
            validate(
                &schema,
                &json!({ "name": "x", "kind": "a", "ages": [0, 48] })
            )
            .is_empty()
        );
        let problems = validate(
            &schema,
            &json!({ "kind": "b", "ages": [0, 300, 5], "extra": 1 }),
        );
        assert_eq!(problems.len(), 5, "{problems:?}");
    }
}
