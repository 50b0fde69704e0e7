//! A collection's form: one CMS widget per front-matter field, read from the
//! field's JSON Schema (the same one `opora schema` writes), so a field added
//! to a record type appears in the form with its Russian description as its
//! hint, its required flag and its pattern.
//!
//! | schema | widget |
//! |---|---|
//! | string bound to a vocabulary (`x-vocabulary`) | select, the taxonomy's Russian labels |
//! | string referring to records (`x-refers-to`) | select of those records |
//! | string with `enum` | select, labels from the description's «value — label» |
//! | string, `format: date` | date picker, written as a TOML date |
//! | string | one line (`pattern` checked as the editor types) |
//! | integer, number | number (whole or not), with the schema's bounds |
//! | boolean | switch |
//! | object | a group of the object's fields |
//! | array of the above | a list (several values of a select) |

use serde_json::{Map, Value, json};

use crate::collections::{REFERENCE_KEY, VOCABULARY_KEY};

/// Values a select offers: `(value, Russian label)`.
pub type Options = Vec<(String, String)>;

/// Where select options come from: the taxonomy's vocabularies and the
/// records other fields refer to.
pub trait Choices {
    fn vocabulary(&self, name: &str) -> Options;
    /// `None` when the collection's records cannot be listed: the field stays free text.
    fn records(&self, collection: &str) -> Option<Options>;
}

/// The CMS widget of a date: a date picker that keeps `YYYY-MM-DD`.
pub const DATE_WIDGET: &str = "datetime";

/// The form fields of an object schema (a collection's front matter, or a
/// nested table such as `location`), in the schema's order.
pub fn form_fields(schema: &Value, choices: &dyn Choices) -> Vec<Value> {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(props) = schema["properties"].as_object() else {
        return Vec::new();
    };
    props
        .iter()
        .map(|(name, prop)| field(name, prop, required.contains(&name.as_str()), choices))
        .collect()
}

/// One form field.
pub fn field(name: &str, prop: &Value, required: bool, choices: &dyn Choices) -> Value {
    let description = text(prop, "description");
    let mut f = Map::new();
    f.insert("name".into(), json!(name));
    f.insert("label".into(), json!(label(prop, name)));
    if !description.is_empty() {
        f.insert("hint".into(), json!(description));
    }
    f.insert("required".into(), json!(required));
    widget(prop, required, choices, &mut f);
    Value::Object(f)
}

/// Fills in the widget and its settings for `prop`.
fn widget(prop: &Value, required: bool, choices: &dyn Choices, f: &mut Map<String, Value>) {
    let kind = prop["type"].as_str().unwrap_or("");
    if let Some(options) = select_options(prop, choices) {
        f.insert("widget".into(), json!("select"));
        f.insert("options".into(), options_json(&options));
        if kind == "array" {
            f.insert("multiple".into(), json!(true));
            if required {
                f.insert("min".into(), json!(1));
            }
        }
        return;
    }
    match kind {
        "string" => string_widget(prop, f),
        "integer" | "number" => number_widget(prop, kind, f),
        "boolean" => {
            f.insert("widget".into(), json!("boolean"));
        }
        "object" => {
            f.insert("widget".into(), json!("object"));
            let mut inner = form_fields(prop, choices);
            if !required {
                let parent = f["label"].as_str().unwrap_or("").to_string();
                inner
                    .iter_mut()
                    .for_each(|i| required_only_with(i, &parent));
            }
            f.insert("fields".into(), json!(inner));
        }
        "array" => list_widget(prop, required, choices, f),
        // A type the schema leaves open: free text, with the description as the guide.
        _ => {
            f.insert("widget".into(), json!("string"));
        }
    }
}

/// A field of an optional table (`location`): the CMS always shows the
/// table's fields and would refuse to save while one of them is empty, so the
/// form does not require them; the hint says when they are needed, and `opora
/// check` still refuses a half-filled table.
fn required_only_with(field: &mut Value, parent: &str) {
    // A table inside it is as optional as it is.
    if field["widget"] == "object"
        && let Some(Value::Array(inner)) = field.get_mut("fields")
    {
        inner.iter_mut().for_each(|i| required_only_with(i, parent));
    }
    if field["required"] != json!(true) {
        return;
    }
    field["required"] = json!(false);
    let hint = field["hint"].as_str().unwrap_or("").to_string();
    let needed = format!("Обязательно, если заполнено поле «{parent}».");
    field["hint"] = json!(if hint.is_empty() {
        needed
    } else {
        format!("{hint} {needed}")
    });
}

fn string_widget(prop: &Value, f: &mut Map<String, Value>) {
    if prop["format"].as_str() == Some("date") {
        f.insert("widget".into(), json!(DATE_WIDGET));
        f.insert("format".into(), json!("YYYY-MM-DD"));
        f.insert("date_format".into(), json!("DD.MM.YYYY"));
        f.insert("time_format".into(), json!(false));
        // Empty until the editor picks a date: a date the CMS made up (today)
        // would be a claim nobody made.
        f.insert("default".into(), json!(""));
        return;
    }
    f.insert("widget".into(), json!("string"));
    if let Some(p) = prop["pattern"].as_str() {
        f.insert("pattern".into(), json!([p, pattern_message(prop)]));
    }
}

fn number_widget(prop: &Value, kind: &str, f: &mut Map<String, Value>) {
    f.insert("widget".into(), json!("number"));
    let value_type = if kind == "integer" { "int" } else { "float" };
    f.insert("value_type".into(), json!(value_type));
    for key in ["minimum", "maximum"] {
        if let Some(n) = prop.get(key).filter(|n| n.is_number()) {
            f.insert(key[..3].into(), n.clone());
        }
    }
}

fn list_widget(prop: &Value, required: bool, choices: &dyn Choices, f: &mut Map<String, Value>) {
    f.insert("widget".into(), json!("list"));
    let items = item_schema(&prop["items"]);
    if items["type"] == "object" {
        f.insert("fields".into(), json!(form_fields(items, choices)));
        f.insert("collapsed".into(), json!(false));
    } else {
        // One value per line of the list, each with its own widget.
        let mut item = field("item", items, true, choices);
        if let Value::Object(m) = &mut item {
            m.insert("label".into(), f["label"].clone());
            m.remove("hint");
            if let Some(d) = items["description"].as_str() {
                m.insert("hint".into(), json!(d));
            }
        }
        f.insert("field".into(), item);
    }
    let min = prop["minItems"]
        .as_u64()
        .or(required.then_some(1))
        .filter(|&m| m > 0);
    if let Some(min) = min {
        f.insert("min".into(), json!(min));
    }
    if let Some(max) = prop["maxItems"].as_u64() {
        f.insert("max".into(), json!(max));
    }
}

/// The schema of a list's items. A value that may be written in two forms
/// (a phone as text, or as a table with a note) is edited in its simplest
/// one: text when that is one of the forms, else the first form.
fn item_schema(items: &Value) -> &Value {
    match items.get("anyOf").or_else(|| items.get("oneOf")) {
        Some(Value::Array(forms)) => forms
            .iter()
            .find(|f| f["type"] == "string")
            .or(forms.first())
            .unwrap_or(items),
        _ => items,
    }
}

/// The values a select offers, if the field (or its items) takes values from
/// a vocabulary, other records, or a fixed list.
fn select_options(prop: &Value, choices: &dyn Choices) -> Option<Options> {
    if let Some(v) = prop[VOCABULARY_KEY].as_str() {
        return Some(choices.vocabulary(v));
    }
    if let Some(c) = prop[REFERENCE_KEY].as_str() {
        return choices.records(c);
    }
    let single = if prop["type"] == "array" {
        &prop["items"]
    } else {
        prop
    };
    let values = single["enum"].as_array()?;
    let described = text(single, "description");
    let described = if described.is_empty() {
        text(prop, "description")
    } else {
        described
    };
    Some(
        values
            .iter()
            .filter_map(Value::as_str)
            .map(|v| (v.to_string(), enum_label(&described, v)))
            .collect(),
    )
}

fn options_json(options: &Options) -> Value {
    Value::Array(
        options
            .iter()
            .map(|(value, label)| json!({ "label": label, "value": value }))
            .collect(),
    )
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or("").trim().to_string()
}

/// A field's short Russian label: its schema `title` when it has one, else the
/// description's first phrase («Вид организации (kinds из …)» → «Вид
/// организации»), else its name.
pub fn label(prop: &Value, name: &str) -> String {
    let title = text(prop, "title");
    if !title.is_empty() {
        return title;
    }
    let description = text(prop, "description");
    // A comma ends the phrase unless it would leave one word of a list
    // («Фамилия, имя, отчество» stays whole).
    let comma = description
        .find(',')
        .filter(|&i| description[..i].trim().contains(' '));
    let end = [". ", ";", ":", " (", " — "]
        .iter()
        .filter_map(|stop| description.find(stop))
        .chain(comma)
        .min()
        .unwrap_or(description.len());
    let phrase = description[..end].trim().trim_end_matches('.');
    if phrase.is_empty() {
        name.to_string()
    } else {
        phrase.to_string()
    }
}

/// The label of a fixed value as the description explains it («exact —
/// точный адрес, street — улица» → «Точный адрес» for `exact`), else the value.
fn enum_label(description: &str, value: &str) -> String {
    let marker = format!("{value} — ");
    let Some(start) = description.find(&marker) else {
        return value.to_string();
    };
    let rest = &description[start + marker.len()..];
    let end = rest.find([',', '.', ';', ')']).unwrap_or(rest.len());
    let label = rest[..end].trim();
    let mut chars = label.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => value.to_string(),
    }
}

/// What the form says when a value does not match the field's pattern.
fn pattern_message(prop: &Value) -> String {
    let description = text(prop, "description");
    if description.is_empty() {
        "Значение записано не в том виде".into()
    } else {
        format!("Значение записано не в том виде. {description}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;
    impl Choices for Fixed {
        fn vocabulary(&self, name: &str) -> Options {
            vec![(format!("{name}-1"), "Первый".into())]
        }
        fn records(&self, collection: &str) -> Option<Options> {
            (collection == "regions").then(|| vec![("RU-KLU".into(), "Калужская область".into())])
        }
    }

    #[test]
    fn labels_are_the_description_s_first_phrase() {
        let p = json!({"description": "Вид организации (kinds из data/taxonomy.toml)."});
        assert_eq!(label(&p, "kind"), "Вид организации");
        let p = json!({"description": "Телефоны. На сайте покажутся в одном виде."});
        assert_eq!(label(&p, "phones"), "Телефоны");
        assert_eq!(label(&json!({}), "x"), "x");
        let p = json!({"description": "Фамилия, имя, отчество."});
        assert_eq!(label(&p, "name"), "Фамилия, имя, отчество");
        let p = json!({"description": "Когда началось, с той точностью, что в источнике: 2024."});
        assert_eq!(label(&p, "start"), "Когда началось");
        assert_eq!(
            label(&json!({"title": "Имя", "description": "Длинно."}), "x"),
            "Имя"
        );
    }

    #[test]
    fn fixed_values_take_their_labels_from_the_description() {
        let p = json!({"type": "string", "enum": ["exact", "city", "x"],
            "description": "Точность: exact — точный адрес, street — улица, city — только город."});
        let f = field("precision", &p, true, &Fixed);
        assert_eq!(f["widget"], "select");
        assert_eq!(f["options"][0]["label"], "Точный адрес");
        assert_eq!(f["options"][1]["label"], "Только город");
        assert_eq!(f["options"][2]["label"], "x");
    }

    #[test]
    fn vocabularies_and_references_become_selects() {
        let p = json!({"type": "array", "items": {"type": "string"}, "x-vocabulary": "needs"});
        let f = field("needs", &p, true, &Fixed);
        assert_eq!(
            (
                f["widget"].as_str(),
                f["multiple"].as_bool(),
                f["min"].as_u64()
            ),
            (Some("select"), Some(true), Some(1))
        );
        assert_eq!(f["options"][0]["value"], "needs-1");
        let p = json!({"type": "string", "x-refers-to": "regions"});
        assert_eq!(
            field("region", &p, true, &Fixed)["options"][0]["label"],
            "Калужская область"
        );
        let p = json!({"type": "string", "x-refers-to": "elsewhere"});
        assert_eq!(field("x", &p, false, &Fixed)["widget"], "string");
    }

    #[test]
    fn dates_start_empty_and_keep_the_iso_form() {
        let f = field(
            "verified",
            &json!({"type": "string", "format": "date"}),
            false,
            &Fixed,
        );
        assert_eq!(f["widget"], DATE_WIDGET);
        assert_eq!(f["format"], "YYYY-MM-DD");
        assert_eq!(f["default"], "");
        assert_eq!(f["required"], false);
    }

    #[test]
    fn an_optional_table_does_not_block_saving_but_says_what_it_needs() {
        let p = json!({"type": "object", "description": "Место на карте.",
            "required": ["lat"], "properties": {
                "lat": {"type": "number", "description": "Широта."},
                "note": {"type": "string"}}});
        let optional = field("location", &p, false, &Fixed);
        assert_eq!(optional["fields"][0]["required"], false);
        assert_eq!(
            optional["fields"][0]["hint"],
            "Широта. Обязательно, если заполнено поле «Место на карте»."
        );
        assert!(optional["fields"][1].get("hint").is_none());
        let required = field("location", &p, true, &Fixed);
        assert_eq!(required["fields"][0]["required"], true);
    }

    #[test]
    fn lists_of_two_forms_are_edited_as_text() {
        let p = json!({"type": "array", "items": {"anyOf": [
            {"type": "string", "description": "Номер."},
            {"type": "object", "properties": {"number": {"type": "string"}}}
        ]}});
        let f = field("phones", &p, false, &Fixed);
        assert_eq!(f["widget"], "list");
        assert_eq!(f["field"]["widget"], "string");
        assert_eq!(f["field"]["hint"], "Номер.");
        assert!(f.get("min").is_none());
    }
}
