//! The mapping between the portal's service records and HSDS 3.0, in one place.
//!
//! [`SERVICE_FIELDS`] says where every front-matter field of a service goes;
//! the export and the import follow it, the `/open-data/` page shows it (with
//! each field's Russian description from the collection's schema), and the
//! README's mapping table must agree with it (`tests/hsds.rs` checks both
//! that and that every field of the services collection is listed here).
//!
//! [`vocabularies`] are the taxonomies the export publishes: the ones the
//! services collection binds its fields to in `data/taxonomy.toml` (needs,
//! kinds), the practices' target groups, and four the code defines (who a
//! service is for, how exact a location is, the parts of a place known without
//! a full address, the record's page on the portal).

use crate::collections::{self, Field};
use crate::content::Data;
use crate::content::records::Precision;

/// Where one front-matter field of a service goes in HSDS.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct FieldMap {
    /// The service's front-matter field, or `(текст)` for the Markdown body
    /// and `(файл)` for the record's id (its region folder and file name).
    pub field: &'static str,
    /// HSDS `table.field`s it fills.
    pub hsds: &'static [&'static str],
    /// How, in Russian (shown on `/open-data/`).
    pub note: &'static str,
}

/// Every field of a service record and where HSDS keeps it.
pub static SERVICE_FIELDS: &[FieldMap] = &[
    FieldMap {
        field: "(файл)",
        hsds: &["service.id", "attribute.value (page)"],
        note: "Идентификатор — UUID версии 5 от папки региона и имени файла в пространстве имён портала; он не меняется от сборки к сборке. Адрес страницы записи на портале — атрибут с типом связи page.",
    },
    FieldMap {
        field: "name",
        hsds: &["service.name"],
        note: "Точно как в источнике.",
    },
    FieldMap {
        field: "short_name",
        hsds: &["service.alternate_name"],
        note: "",
    },
    FieldMap {
        field: "organization",
        hsds: &["organization.name"],
        note: "Вышестоящая организация; у служб одного региона с одинаковым названием организации она одна. Если поле не заполнено, организацией считается сама служба. Если отдельной записи об организации на портале нет, её описание (обязательное в HSDS) так и говорит: известно только название.",
    },
    FieldMap {
        field: "kind",
        hsds: &["attribute (kind)", "taxonomy_term"],
        note: "Термин словаря kinds.",
    },
    FieldMap {
        field: "needs",
        hsds: &["attribute (needs)", "taxonomy_term"],
        note: "Термины словаря needs, по порядку.",
    },
    FieldMap {
        field: "audience",
        hsds: &["attribute (audience)", "taxonomy_term"],
        note: "Термины словаря audience: family, specialist.",
    },
    FieldMap {
        field: "region",
        hsds: &[
            "service_area.name",
            "service_area.uri",
            "address.state_province",
        ],
        note: "Название региона; адрес его страницы на портале.",
    },
    FieldMap {
        field: "municipality",
        hsds: &["address.city", "location.name", "attribute.value (place)"],
        note: "Без полного адреса — атрибут места place с кодом municipality.",
    },
    FieldMap {
        field: "district",
        hsds: &["address.region", "attribute.value (place)"],
        note: "Без полного адреса — атрибут места place с кодом district.",
    },
    FieldMap {
        field: "address",
        hsds: &[
            "address.address_1",
            "address.postal_code",
            "attribute.value (place)",
        ],
        note: "Адрес как в источнике. Адрес HSDS (address) требует улицу, город и почтовый индекс, поэтому он есть, только если в записи есть адрес, город и индекс в адресе. Иначе адреса в HSDS нет: город, округ и неполный адрес — атрибуты места place (municipality, district, address). Индекс и город не придумываются, центр города — не адрес.",
    },
    FieldMap {
        field: "location",
        hsds: &[
            "location.latitude",
            "location.longitude",
            "location.description",
            "attribute (precision)",
        ],
        note: "Точность места — термин словаря precision (exact, street, city) и фраза в описании места.",
    },
    FieldMap {
        field: "phones",
        hsds: &["phone.number", "phone.description"],
        note: "Номер в одном виде: +7 (4842) 55-06-02; пояснение — в описании.",
    },
    FieldMap {
        field: "emails",
        hsds: &["service.email", "contact.email"],
        note: "Первый адрес — у службы, остальные — контакты без имени.",
    },
    FieldMap {
        field: "website",
        hsds: &["service.url", "organization.website"],
        note: "Сайт организации — только если организация — сама служба. Кириллический домен записан в форме IDNA (xn--…): это тот же адрес; импорт возвращает буквы.",
    },
    FieldMap {
        field: "contacts",
        hsds: &["contact.name", "contact.title"],
        note: "Как в опубликованном источнике.",
    },
    FieldMap {
        field: "hours",
        hsds: &["schedule.description"],
        note: "Словами, как в источнике; правила расписания (RRULE) не выдумываются.",
    },
    FieldMap {
        field: "age_months",
        hsds: &["service.minimum_age", "service.maximum_age"],
        note: "В годах (месяцы, делённые на 12).",
    },
    FieldMap {
        field: "cost",
        hsds: &["service.fees_description"],
        note: "",
    },
    FieldMap {
        field: "eligibility",
        hsds: &["service.eligibility_description"],
        note: "",
    },
    FieldMap {
        field: "how_to_apply",
        hsds: &["service.application_process"],
        note: "",
    },
    FieldMap {
        field: "verified",
        hsds: &["service.assured_date"],
        note: "Только если редактор сверил сведения с организацией. Дата документа-источника — не проверка: без verified поля assured_date нет.",
    },
    FieldMap {
        field: "sources",
        hsds: &["metadata"],
        note: "Одна запись на источник: last_action_type = source, field_name = sources (ссылка — элемент этого поля записи), previous_value = «—» (ссылка ничего не заменяет, а HSDS требует значение); updated_by — документ (с годом: «по состоянию на 2024 г.») или страница и ссылка на него в квадратных скобках ([003:36] — документ и строка, или адрес страницы); replacement_value — цитата, а без неё — сама ссылка; last_action_date — день, когда портал последний раз менял запись (последний коммит её файла, вне git — время изменения файла). Год документа — не день, его не превращают в дату.",
    },
    FieldMap {
        field: "(текст)",
        hsds: &["service.description", "organization.description"],
        note: "Текст записи в Markdown, как в файле.",
    },
];

/// How a taxonomy term is attached to what it describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// One term per service (`kind`).
    One,
    /// Several terms per service, in order (`needs`, `audience`).
    Many,
    /// Published for others to use; no service links to it (target groups
    /// describe practices, which HSDS has no table for).
    None,
}

/// One published taxonomy.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    /// Its code: the `data/taxonomy.toml` array or the code's own name.
    pub id: String,
    /// The attribute's `link_type`: the service field it describes.
    pub link_type: &'static str,
    /// What the attribute links: `service` or `location`.
    pub link_entity: &'static str,
    pub link: Link,
    /// In Russian, from the field's description.
    pub name: String,
    pub terms: Vec<Term>,
}

#[derive(Debug, Clone)]
pub struct Term {
    pub code: String,
    pub name: String,
    pub description: String,
}

/// Link types of the taxonomies the code defines.
pub const AUDIENCE: &str = "audience";
pub const PRECISION: &str = "precision";
pub const PLACE: &str = "place";
pub const PAGE: &str = "page";

/// Parts of a place an HSDS address cannot hold without the rest (it needs a
/// street line, a town and a postal code): attributes of the location, the
/// value as the source writes it. Codes are the record's fields.
const PLACE_PARTS: [(&str, &str, &str); 3] = [
    (
        "municipality",
        "Город или посёлок",
        "Населённый пункт, где работает служба, когда полного адреса в источниках нет.",
    ),
    (
        "district",
        "Округ",
        "Округ или район внутри города (например, САО в Москве), когда полного адреса в источниках нет.",
    ),
    (
        "address",
        "Неполный адрес",
        "Адрес, как его пишет источник, когда в нём нет почтового индекса или в записи нет города: адрес HSDS требует их, а мы их не придумываем.",
    ),
];

/// The description of a parent organization the portal knows only by the
/// name its services give (HSDS requires one).
pub fn parent_description(region_name: &str) -> String {
    let known = "Вышестоящая организация служб портала; отдельной записи о ней на портале нет, известно только название.";
    if region_name.is_empty() {
        known.to_string()
    } else {
        format!("{known} Регион: {region_name}.")
    }
}

/// Who a service is for: the values `audience` takes (the validator refuses others).
const AUDIENCES: [(&str, &str, &str); 2] = [
    (
        "family",
        "Семьи",
        "Родители и другие взрослые, которые растят детей.",
    ),
    (
        "specialist",
        "Специалисты",
        "Специалисты, которые работают с семьями и детьми.",
    ),
];

/// What a location's precision means, as its description says it.
pub fn precision_note(p: Precision) -> &'static str {
    match p {
        Precision::Exact => "Точка на карте — адрес организации.",
        Precision::Street => "Точка на карте — улица, дом не уточнён.",
        Precision::City => "Точка на карте — центр города, а не адрес организации.",
    }
}

pub const PRECISIONS: [Precision; 3] = [Precision::Exact, Precision::Street, Precision::City];

/// The code of a precision (`exact`…), as in front matter.
pub fn precision_code(p: Precision) -> &'static str {
    match p {
        Precision::Exact => "exact",
        Precision::Street => "street",
        Precision::City => "city",
    }
}

/// The short name of a field's description: «С чем помогают (needs из …).» → «С чем помогают».
fn title_of(description: &str) -> String {
    description
        .split(['(', ';', '.'])
        .next()
        .unwrap_or(description)
        .trim()
        .to_string()
}

fn field(collection: &str, name: &str) -> Option<Field> {
    let (_, c) = collections::by_name(collection)?;
    collections::fields(c).into_iter().find(|f| f.name == name)
}

/// Every taxonomy the export publishes, in a fixed order.
pub fn vocabularies(data: &Data) -> Vec<Vocabulary> {
    let from_taxonomy = |vocab: &str| -> Vec<Term> {
        data.taxonomy
            .terms(vocab)
            .iter()
            .map(|t| Term {
                code: t.id.clone(),
                name: t.label.clone(),
                description: t.description.clone(),
            })
            .collect()
    };
    let mut out = Vec::new();
    // The services collection's fields bound to a vocabulary (kind, needs).
    if let Some((_, services)) = collections::by_name("services") {
        for f in collections::fields(services) {
            let Some(vocab) = f.vocabulary.clone() else {
                continue;
            };
            let link_type = SERVICE_FIELDS
                .iter()
                .find(|m| m.field == f.name)
                .map_or("", |m| m.field);
            out.push(Vocabulary {
                terms: from_taxonomy(&vocab),
                id: vocab,
                link_type,
                link_entity: "service",
                link: if f.kind == "array" {
                    Link::Many
                } else {
                    Link::One
                },
                name: title_of(&f.description),
            });
        }
    }
    if let Some(f) = field("practices", "target_groups")
        && let Some(vocab) = f.vocabulary.clone()
    {
        out.push(Vocabulary {
            terms: from_taxonomy(&vocab),
            id: vocab,
            link_type: "target_groups",
            link_entity: "practice",
            link: Link::None,
            name: title_of(&f.description),
        });
    }
    out.push(Vocabulary {
        id: AUDIENCE.into(),
        link_type: AUDIENCE,
        link_entity: "service",
        link: Link::Many,
        name: field("services", "audience")
            .map_or_else(|| "Для кого".into(), |f| title_of(&f.description)),
        terms: AUDIENCES
            .iter()
            .map(|(code, name, description)| Term {
                code: (*code).into(),
                name: (*name).into(),
                description: (*description).into(),
            })
            .collect(),
    });
    out.push(Vocabulary {
        id: PRECISION.into(),
        link_type: PRECISION,
        link_entity: "location",
        link: Link::One,
        name: "Точность места на карте".into(),
        terms: PRECISIONS
            .iter()
            .map(|&p| Term {
                code: precision_code(p).into(),
                name: p.label().into(),
                description: precision_note(p).into(),
            })
            .collect(),
    });
    out.push(Vocabulary {
        id: PLACE.into(),
        link_type: PLACE,
        link_entity: "location",
        link: Link::Many,
        name: "Место без полного адреса".into(),
        terms: PLACE_PARTS
            .iter()
            .map(|(code, name, description)| Term {
                code: (*code).into(),
                name: (*name).into(),
                description: (*description).into(),
            })
            .collect(),
    });
    out.push(Vocabulary {
        id: PAGE.into(),
        link_type: PAGE,
        link_entity: "service",
        link: Link::One,
        name: "Страница на портале".into(),
        terms: vec![Term {
            code: PAGE.into(),
            name: "Страница записи на портале".into(),
            description: "Значение атрибута — адрес страницы, на которой портал показывает запись."
                .into(),
        }],
    });
    out
}

/// The site-relative address of a record's page, from its collection's route
/// in the registry: `services/{region}/{slug}/` → `services/ru-klu/kaluga-doverie/`.
pub fn record_url(collection: &str, region: &str, slug: &str) -> Option<String> {
    let (_, c) = collections::by_name(collection)?;
    Some(
        c.spec()
            .record
            .url
            .replace("{region}", region)
            .replace("{slug}", slug),
    )
}

/// The region folder (for collections laid out by region) and file name of a
/// record's page address, absolute or not, read back through its
/// collection's route: `None` for an address of anything else.
pub fn record_of_url(collection: &str, url: &str) -> Option<(Option<String>, String)> {
    let (_, c) = collections::by_name(collection)?;
    let pattern: Vec<&str> = c
        .spec()
        .record
        .url
        .trim_end_matches('/')
        .split('/')
        .collect();
    let parts: Vec<&str> = url
        .trim_end_matches('/')
        .rsplit('/')
        .take(pattern.len())
        .collect();
    if parts.len() != pattern.len() {
        return None;
    }
    let (mut region, mut slug) = (None, None);
    for (want, got) in pattern.iter().zip(parts.iter().rev()) {
        match *want {
            "{region}" => region = Some(got.to_string()),
            "{slug}" => slug = Some(got.to_string()),
            literal if literal == *got => {}
            _ => return None,
        }
    }
    Some((region, slug?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_addresses_follow_the_registrys_routes_both_ways() {
        let url = record_url("services", "ru-klu", "kaluga-doverie").unwrap();
        assert_eq!(url, "services/ru-klu/kaluga-doverie/");
        assert_eq!(
            record_of_url("services", &format!("https://opora.ru/p/{url}")),
            Some((Some("ru-klu".into()), "kaluga-doverie".into()))
        );
        assert_eq!(
            record_of_url("regions", "https://opora.ru/regions/ru-klu/"),
            Some((None, "ru-klu".into()))
        );
        assert_eq!(
            record_of_url("services", "https://opora.ru/regions/ru-klu/"),
            None
        );
    }

    #[test]
    fn every_service_field_has_one_place_in_the_mapping() {
        let (_, services) = collections::by_name("services").unwrap();
        let fields: Vec<String> = collections::fields(services)
            .into_iter()
            .map(|f| f.name)
            .collect();
        for f in &fields {
            assert_eq!(
                SERVICE_FIELDS.iter().filter(|m| m.field == f).count(),
                1,
                "field {f} of the services collection must appear once in SERVICE_FIELDS"
            );
        }
        for m in SERVICE_FIELDS {
            assert!(
                m.field.starts_with('(') || fields.iter().any(|f| f == m.field),
                "SERVICE_FIELDS lists {}, which the services collection no longer has",
                m.field
            );
        }
    }
}
