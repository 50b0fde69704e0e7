//! JSON Schema (draft 2020-12) for each record type's front matter, with
//! Russian descriptions and the portal's own vocabularies as enums, so an
//! editor's text editor can autocomplete fields and flag mistakes while typing.
//! A small validator for the subset emitted here lets the tests prove every
//! schema accepts the portal's real content.

use serde_json::{Map, Value, json};

use crate::content::Content;
use crate::content::Data;
use crate::data::Vocabulary;

fn s(desc: &str) -> Value {
    json!({ "type": "string", "description": desc })
}

fn one_of(values: Vec<String>, desc: &str) -> Value {
    json!({ "type": "string", "enum": values, "description": desc })
}

fn list(items: Value, desc: &str) -> Value {
    json!({ "type": "array", "items": items, "description": desc })
}

fn object(desc: &str, required: &[&str], props: Vec<(&str, Value)>) -> Value {
    let mut map = Map::new();
    for (k, v) in props {
        map.insert(k.to_string(), v);
    }
    json!({ "type": "object", "description": desc, "properties": map, "required": required, "additionalProperties": false })
}

fn number(desc: &str) -> Value {
    json!({ "type": "number", "description": desc })
}

fn integer(desc: &str) -> Value {
    json!({ "type": "integer", "description": desc })
}

fn date(desc: &str) -> Value {
    json!({ "type": "string", "format": "date", "description": desc })
}

fn source() -> Value {
    object(
        "Откуда сведения: документ из data/sources.toml и строка, или адрес страницы.",
        &[],
        vec![
            (
                "doc",
                s("Номер документа из data/sources.toml, например \"003\"."),
            ),
            ("line", integer("Номер строки в документе.")),
            (
                "quote",
                s(
                    "Слова из этой строки источника (или соседних), на которых держится сведение; opora check находит их в тексте документа.",
                ),
            ),
            ("url", s("Адрес страницы-источника, с https://.")),
            ("title", s("Название страницы-источника.")),
            ("note", s("Пояснение к источнику.")),
        ],
    )
}

fn sources() -> Value {
    list(
        source(),
        "Источники сведений. У каждой записи должен быть хотя бы один.",
    )
}

fn phones() -> Value {
    list(
        json!({ "oneOf": [
            { "type": "string", "description": "Номер в любом привычном виде: 8 (4842) 55-06-02." },
            object("Номер с пояснением.", &["number"], vec![("number", s("Номер телефона.")), ("note", s("Пояснение: горячая линия, приёмная…"))]),
        ]}),
        "Телефоны. На сайте покажутся в одном виде, со ссылкой для звонка.",
    )
}

fn person() -> Value {
    object(
        "Контактное лицо, как в опубликованном источнике.",
        &["name"],
        vec![
            ("name", s("Фамилия, имя, отчество.")),
            ("role", s("Должность или роль.")),
        ],
    )
}

/// All schemas: (file stem, schema).
pub fn schemas(data: &Data, content: &Content) -> Vec<(&'static str, Value)> {
    let ids = |v: Vocabulary| {
        data.taxonomy
            .terms(v)
            .iter()
            .map(|t| t.id.clone())
            .collect::<Vec<_>>()
    };
    let mut regions: Vec<String> = content
        .regions
        .iter()
        .filter_map(|r| r.meta.code.as_ref().map(|c| c.get_ref().clone()))
        .collect();
    regions.sort();
    let region = || {
        one_of(
            regions.clone(),
            "Код региона (ISO 3166-2), например RU-MOS; файл есть в content/regions/.",
        )
    };
    let audience = || {
        one_of(
            vec!["family".into(), "specialist".into()],
            "Для кого: family — семьи, specialist — специалисты.",
        )
    };
    let needs = || {
        list(
            one_of(ids(Vocabulary::Needs), "Вид помощи из data/taxonomy.toml."),
            "С чем помогают (needs из data/taxonomy.toml).",
        )
    };
    let latlon = |desc: &str| {
        object(
            desc,
            &["lat", "lon"],
            vec![("lat", number("Широта.")), ("lon", number("Долгота."))],
        )
    };

    let service = object(
        "Служба или организация, куда может обратиться семья или специалист.",
        &["name", "kind", "needs", "region", "sources"],
        vec![
            ("name", s("Название точно как в источнике.")),
            ("short_name", s("Короткое название.")),
            ("organization", s("Вышестоящая организация.")),
            (
                "kind",
                one_of(
                    ids(Vocabulary::Kinds),
                    "Вид организации (kinds из data/taxonomy.toml).",
                ),
            ),
            ("needs", needs()),
            (
                "audience",
                list(audience(), "Для кого; по умолчанию для семей."),
            ),
            ("region", region()),
            ("municipality", s("Город или район.")),
            ("district", s("Округ внутри города.")),
            ("address", s("Адрес, только если он есть в источнике.")),
            (
                "location",
                object(
                    "Место на карте.",
                    &["lat", "lon", "precision"],
                    vec![
                        ("lat", number("Широта.")),
                        ("lon", number("Долгота.")),
                        (
                            "precision",
                            one_of(
                                vec!["exact".into(), "street".into(), "city".into()],
                                "Точность: exact — точный адрес, street — улица, city — только город.",
                            ),
                        ),
                    ],
                ),
            ),
            ("phones", phones()),
            (
                "emails",
                list(
                    s("Адрес электронной почты."),
                    "Электронная почта, по одному адресу в строке.",
                ),
            ),
            ("website", s("Сайт, с http:// или https://.")),
            ("contacts", list(person(), "Контактные лица.")),
            ("hours", s("Часы работы.")),
            (
                "age_months",
                json!({ "type": "array", "items": { "type": "integer", "minimum": 0, "maximum": 216 }, "minItems": 2, "maxItems": 2, "description": "Возраст детей в месяцах: [от, до], например [0, 48]." }),
            ),
            ("cost", s("Стоимость: бесплатно или сколько.")),
            ("eligibility", s("Кому помогают.")),
            ("how_to_apply", s("Как обратиться.")),
            (
                "verified",
                date(
                    "Когда редактор сверил сведения с самой организацией: 2026-11-24. Не заполняйте, пока не сверили: дата документа-источника — не проверка.",
                ),
            ),
            ("sources", sources()),
        ],
    );
    let dvs = object(
        "Служба «Дети в семье» в регионе; числа как в источнике.",
        &[],
        vec![
            ("created", s("Дата создания.")),
            ("organizations", s("Число организаций.")),
            ("specialists", s("Число специалистов.")),
            ("trained", s("Из них обучено.")),
            ("families", s("Семей на сопровождении.")),
            ("returned", s("Детей возвращено в семьи.")),
            ("placed", s("Детей устроено в семьи.")),
            ("note", s("Пояснение.")),
            ("source", source()),
        ],
    );
    let region_schema = object(
        "Субъект Российской Федерации.",
        &["code", "name", "sources"],
        vec![
            (
                "code",
                s("Код ISO 3166-2, совпадает с именем файла: RU-MOS."),
            ),
            ("name", s("Название региона.")),
            ("name_in", s("Для заголовков: «в Московской области».")),
            ("centre", s("Административный центр.")),
            ("timezone", s("Часовой пояс IANA, например Europe/Moscow.")),
            (
                "roles",
                list(
                    one_of(ids(Vocabulary::RegionRoles), "Роль региона."),
                    "Роли региона (region_roles из data/taxonomy.toml).",
                ),
            ),
            (
                "bbox",
                json!({ "type": "array", "items": { "type": "number" }, "minItems": 4, "maxItems": 4, "description": "Примерные границы: [мин. долгота, мин. широта, макс. долгота, макс. широта]." }),
            ),
            ("centre_location", latlon("Координаты центра.")),
            ("summary", s("Одно-два предложения о регионе.")),
            ("sources", sources()),
            ("dvs", dvs),
            (
                "municipalities",
                list(
                    object(
                        "Город или район.",
                        &["name", "lat", "lon"],
                        vec![
                            ("name", s("Название.")),
                            ("lat", number("Широта центра.")),
                            ("lon", number("Долгота центра.")),
                        ],
                    ),
                    "Города и районы, где есть службы.",
                ),
            ),
        ],
    );
    let practice = object(
        "Паспорт практики из сборника «Лучшие практики».",
        &[
            "title",
            "region",
            "directions",
            "target_groups",
            "passport",
            "sources",
        ],
        vec![
            ("title", s("Название практики точно как в источнике.")),
            ("short_title", s("Короткое название для списков.")),
            ("region", region()),
            (
                "organization",
                s(
                    "id записи организации в content/services/: папка/файл, например ru-klu/kaluga-doverie.",
                ),
            ),
            (
                "organization_name",
                s("Название организации, если записи о ней нет."),
            ),
            (
                "contacts",
                object(
                    "Контакты организации, если записи о ней нет.",
                    &[],
                    vec![
                        ("phones", phones()),
                        (
                            "emails",
                            list(s("Адрес электронной почты."), "Электронная почта."),
                        ),
                        ("website", s("Сайт.")),
                        ("people", list(person(), "Контактные лица.")),
                    ],
                ),
            ),
            (
                "directions",
                list(
                    one_of(ids(Vocabulary::Directions), "Направление."),
                    "Направления (directions из data/taxonomy.toml).",
                ),
            ),
            (
                "target_groups",
                list(
                    one_of(ids(Vocabulary::TargetGroups), "Целевая группа."),
                    "Целевые группы (target_groups из data/taxonomy.toml).",
                ),
            ),
            ("year", integer("Год начала практики.")),
            (
                "passport",
                one_of(
                    vec!["full".into(), "partial".into()],
                    "full — все разделы паспорта; partial — только те, что есть в источниках.",
                ),
            ),
            ("summary", s("Одно-два предложения простыми словами.")),
            ("collection", s("Сборник и номер практики в нём.")),
            ("sources", sources()),
        ],
    );
    let programme = object(
        "Обучающая программа, курс, семинар или формат супервизии.",
        &["title", "kind", "sources"],
        vec![
            ("title", s("Название программы.")),
            (
                "kind",
                one_of(
                    ids(Vocabulary::ProgrammeKinds),
                    "Вид (programme_kinds из data/taxonomy.toml).",
                ),
            ),
            ("provider", s("Кто проводит.")),
            ("audience", list(audience(), "Для кого.")),
            ("format", s("Формат: очно, дистанционно…")),
            ("hours", number("Объём в часах.")),
            ("regions", list(region(), "Где проводилась.")),
            (
                "directions",
                list(
                    one_of(ids(Vocabulary::Directions), "Направление."),
                    "Направления.",
                ),
            ),
            ("summary", s("Кратко о программе.")),
            (
                "modules",
                list(
                    object(
                        "Модуль.",
                        &["title"],
                        vec![
                            ("title", s("Название модуля.")),
                            ("hours", number("Часы.")),
                            ("audience", s("Для кого модуль.")),
                            ("description", s("О модуле.")),
                        ],
                    ),
                    "Модули по порядку.",
                ),
            ),
            (
                "trained",
                list(
                    object(
                        "Сколько обучено и где.",
                        &[],
                        vec![
                            ("where", s("Где, как в источнике.")),
                            ("region", region()),
                            ("count", s("Сколько, как в источнике.")),
                            ("year", s("Год.")),
                            ("note", s("Пояснение.")),
                        ],
                    ),
                    "Сколько человек обучено.",
                ),
            ),
            (
                "stats",
                list(
                    s("Имя файла таблицы из data/stats/ без .toml."),
                    "Таблицы статистики на странице.",
                ),
            ),
            ("sources", sources()),
        ],
    );
    let route = object(
        "Маршрут «что делать, если…» для семей или порядок работы для специалистов.",
        &["title", "audience", "steps", "sources"],
        vec![
            ("title", s("Заголовок: «Если …».")),
            ("audience", audience()),
            ("region", region()),
            ("needs", needs()),
            ("summary", s("Кратко, о чём маршрут.")),
            ("sources", sources()),
            (
                "steps",
                list(
                    object(
                        "Шаг.",
                        &["title"],
                        vec![
                            ("title", s("Что сделать.")),
                            ("actor", s("Кто действует.")),
                            ("deadline", s("Срок, как в источнике.")),
                            ("text", s("Подробнее, Markdown.")),
                            ("bring", list(s("Документ или вещь."), "Что взять с собой.")),
                            ("needs", needs()),
                            (
                                "branches",
                                list(
                                    object(
                                        "Вариант, например уровень риска.",
                                        &["label"],
                                        vec![
                                            ("label", s("Название варианта.")),
                                            ("text", s("Что происходит, Markdown.")),
                                        ],
                                    ),
                                    "Варианты шага.",
                                ),
                            ),
                            ("sources", sources()),
                        ],
                    ),
                    "Шаги по порядку.",
                ),
            ),
        ],
    );
    let page = object(
        "Свободная страница.",
        &["title"],
        vec![
            ("title", s("Заголовок.")),
            ("summary", s("Кратко о странице.")),
            ("menu", integer("Место в главном меню.")),
            (
                "audience",
                one_of(
                    vec!["family".into(), "specialist".into(), "editor".into()],
                    "Для кого: family — семьи, specialist — специалисты, editor — редакторы (ссылка только в подвале).",
                ),
            ),
            ("sources", sources()),
        ],
    );
    let with_meta = |name: &str, mut v: Value| {
        if let Value::Object(m) = &mut v {
            m.insert(
                "$schema".into(),
                json!("https://json-schema.org/draft/2020-12/schema"),
            );
            m.insert("title".into(), json!(name));
        }
        v
    };
    vec![
        (
            "service",
            with_meta("Opora: служба (content/services/)", service),
        ),
        (
            "region",
            with_meta("Opora: регион (content/regions/)", region_schema),
        ),
        (
            "practice",
            with_meta("Opora: практика (content/practices/)", practice),
        ),
        (
            "programme",
            with_meta("Opora: программа (content/programmes/)", programme),
        ),
        (
            "route",
            with_meta("Opora: маршрут (content/routes/)", route),
        ),
        ("page", with_meta("Opora: страница (content/pages/)", page)),
    ]
}

/// Validates a value against the subset of JSON Schema emitted above; returns
/// the problems as `path: message`.
pub fn validate(schema: &Value, value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    check(schema, value, "", &mut out);
    out
}

fn check(schema: &Value, value: &Value, path: &str, out: &mut Vec<String>) {
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        let matching = options
            .iter()
            .filter(|o| validate(o, value).is_empty())
            .count();
        if matching != 1 {
            out.push(format!("{path}: matches {matching} of the allowed forms"));
        }
        return;
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
        let schema = object(
            "t",
            &["name"],
            vec![
                ("name", s("n")),
                ("kind", one_of(vec!["a".into()], "k")),
                (
                    "ages",
                    json!({ "type": "array", "items": { "type": "integer", "maximum": 216 }, "maxItems": 2 }),
                ),
            ],
        );
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
