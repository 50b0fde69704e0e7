//! Typed records: the front matter of each collection, as serde reads it.
//!
//! Fields an editor must fill are `Option` here on purpose: serde would stop at
//! the first missing one, while the validator reports every missing field at once.
//! Values that validation points into are `Spanned`, so a diagnostic can name
//! the exact line and column.

use serde::{Deserialize, Serialize};
use toml::Spanned;

pub use super::markdown_field::Markdown;

/// A front-matter value with its place in the file (a [`Spanned`] that keeps
/// its place through the parsed-record store too).
///
/// `Spanned` writes only its value, so a record written out and read back
/// would lose every place a diagnostic points at. `S` writes its place as
/// well for binary formats (`is_human_readable` false: the store's
/// MessagePack), and only its value for text formats (TOML, JSON), as
/// `Spanned` does. It reads back what it writes, and reads TOML as `Spanned`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct S<T>(Spanned<T>);

impl<T> S<T> {
    pub fn new(span: std::ops::Range<usize>, value: T) -> Self {
        S(Spanned::new(span, value))
    }

    pub fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

impl<T> std::ops::Deref for S<T> {
    type Target = Spanned<T>;
    fn deref(&self) -> &Spanned<T> {
        &self.0
    }
}

impl<T> std::ops::DerefMut for S<T> {
    fn deref_mut(&mut self) -> &mut Spanned<T> {
        &mut self.0
    }
}

impl S<String> {
    pub fn as_str(&self) -> &str {
        self.0.get_ref()
    }
}

/// The text of an optional spanned text field (a record's `name` or `title`).
pub fn text_of(value: &Option<S<String>>) -> Option<&str> {
    value.as_ref().map(S::as_str)
}

impl std::borrow::Borrow<str> for S<String> {
    fn borrow(&self) -> &str {
        self.0.get_ref()
    }
}

impl<T: Serialize> Serialize for S<T> {
    fn serialize<Z: serde::Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        if s.is_human_readable() {
            self.0.get_ref().serialize(s)
        } else {
            let span = self.0.span();
            (span.start, span.end, self.0.get_ref()).serialize(s)
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for S<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            Spanned::deserialize(d).map(S)
        } else {
            let (start, end, value) = <(usize, usize, T)>::deserialize(d)?;
            Ok(S::new(start..end, value))
        }
    }
}

/// A front-matter list with the place it is written, if it is: a list an
/// editor must fill has a serde default (so that a missing one is reported
/// with all the other problems), and `needs = []` is then told apart from a
/// missing `needs`, and reported where it is written. Reads and writes its
/// place as [`S`] does; a list is used as the `Vec` it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List<T> {
    items: Vec<T>,
    /// Where the list is written; `None` when the field is left out.
    place: Option<Spanned<()>>,
}

impl<T> Default for List<T> {
    fn default() -> Self {
        List {
            items: Vec::new(),
            place: None,
        }
    }
}

impl<T> List<T> {
    /// Where the list is written (its brackets), when the field is there.
    pub fn written(&self) -> Option<&Spanned<()>> {
        self.place.as_ref()
    }
}

impl<T> std::ops::Deref for List<T> {
    type Target = Vec<T>;
    fn deref(&self) -> &Vec<T> {
        &self.items
    }
}

impl<'a, T> IntoIterator for &'a List<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl<T: Serialize> Serialize for List<T> {
    fn serialize<Z: serde::Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        if s.is_human_readable() {
            self.items.serialize(s)
        } else {
            let place = self.place.as_ref().map(|p| (p.span().start, p.span().end));
            (place, &self.items).serialize(s)
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            let list = Spanned::<Vec<T>>::deserialize(d)?;
            let place = Some(Spanned::new(list.span(), ()));
            Ok(List {
                items: list.into_inner(),
                place,
            })
        } else {
            let (place, items) = <(Option<(usize, usize)>, Vec<T>)>::deserialize(d)?;
            Ok(List {
                items,
                place: place.map(|(start, end)| Spanned::new(start..end, ())),
            })
        }
    }
}

/// A citation: a document from `data/sources.toml` and a line, or a URL.
///
/// `quote` is a short passage of the document at (or a few lines around) the
/// cited line; `opora check` finds it in the document's text kept in the
/// repository, so every claim can be traced to the words it rests on.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[schemars(
    description = "Откуда сведения: документ из data/sources.toml и строка, или адрес страницы."
)]
#[serde(deny_unknown_fields)]
pub struct Source {
    #[schemars(
        description = "Номер документа из data/sources.toml, например \"003\".",
        with = "Option<String>"
    )]
    pub doc: Option<S<String>>,
    #[schemars(description = "Номер строки в документе.")]
    pub line: Option<u32>,
    #[schemars(
        description = "Слова из этой строки источника (или соседних), на которых держится сведение; opora check находит их в тексте документа.",
        with = "Option<String>"
    )]
    pub quote: Option<S<String>>,
    #[schemars(
        description = "Адрес страницы-источника, с https://.",
        with = "Option<String>"
    )]
    pub url: Option<S<String>>,
    #[schemars(description = "Название страницы-источника.")]
    pub title: Option<String>,
    #[schemars(description = "Пояснение к источнику.")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    Exact,
    Street,
    City,
}

impl Precision {
    pub fn label(self) -> &'static str {
        match self {
            Precision::Exact => "точный адрес",
            Precision::Street => "улица",
            Precision::City => "только город",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[schemars(description = "Место на карте.")]
#[serde(deny_unknown_fields)]
pub struct Location {
    #[schemars(description = "Широта.")]
    pub lat: f64,
    #[schemars(description = "Долгота.")]
    pub lon: f64,
    #[schemars(
        description = "Точность: exact — точный адрес, street — улица, city — только город."
    )]
    pub precision: Precision,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum PhoneEntry {
    #[schemars(description = "Номер в любом привычном виде: 8 (4842) 55-06-02.")]
    Plain(String),
    #[schemars(description = "Номер с пояснением.")]
    Detailed {
        #[schemars(description = "Номер телефона.")]
        number: String,
        #[schemars(description = "Пояснение: горячая линия, приёмная…")]
        note: Option<String>,
    },
}

impl PhoneEntry {
    pub fn number(&self) -> &str {
        match self {
            PhoneEntry::Plain(n) | PhoneEntry::Detailed { number: n, .. } => n,
        }
    }
    pub fn note(&self) -> Option<&str> {
        match self {
            PhoneEntry::Plain(_) => None,
            PhoneEntry::Detailed { note, .. } => note.as_deref(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[schemars(description = "Контактное лицо, как в опубликованном источнике.")]
#[serde(deny_unknown_fields)]
pub struct Person {
    #[schemars(description = "Фамилия, имя, отчество.")]
    pub name: String,
    #[schemars(description = "Должность или роль.")]
    pub role: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[schemars(description = "Город или район.")]
#[serde(deny_unknown_fields)]
pub struct Municipality {
    /// Spanned: a name that clashes with another is reported where it is written.
    #[schemars(description = "Название.", with = "String")]
    pub name: S<String>,
    #[schemars(description = "Широта центра.")]
    pub lat: f64,
    #[schemars(description = "Долгота центра.")]
    pub lon: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[schemars(description = "Координаты.")]
#[serde(deny_unknown_fields)]
pub struct LatLon {
    #[schemars(description = "Широта.")]
    pub lat: f64,
    #[schemars(description = "Долгота.")]
    pub lon: f64,
}

/// The region's «Дети в семье» service, numbers as written in the source.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[schemars(description = "Служба «Дети в семье» в регионе; числа как в источнике.")]
#[serde(deny_unknown_fields)]
pub struct DvsService {
    #[schemars(description = "Дата создания.")]
    pub created: Option<String>,
    #[schemars(description = "Число организаций.")]
    pub organizations: Option<String>,
    #[schemars(description = "Число специалистов.")]
    pub specialists: Option<String>,
    #[schemars(description = "Из них обучено.")]
    pub trained: Option<String>,
    #[schemars(description = "Семей на сопровождении.")]
    pub families: Option<String>,
    #[schemars(description = "Детей возвращено в семьи.")]
    pub returned: Option<String>,
    #[schemars(description = "Детей устроено в семьи.")]
    pub placed: Option<String>,
    #[schemars(description = "Пояснение.")]
    pub note: Option<String>,
    #[schemars(description = "Откуда сведения.")]
    pub source: Option<Source>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[schemars(description = "Субъект Российской Федерации.")]
#[serde(deny_unknown_fields)]
pub struct RegionMeta {
    #[schemars(
        description = "Код ISO 3166-2, совпадает с именем файла: RU-MOS.",
        with = "Option<String>",
        required,
        pattern(r"^RU(-[A-Z]{2,3})?$")
    )]
    pub code: Option<S<String>>,
    #[schemars(description = "Название региона.", with = "Option<String>", required)]
    pub name: Option<S<String>>,
    #[schemars(
        description = "Для заголовков: «в Московской области».",
        with = "Option<String>"
    )]
    pub name_in: Option<S<String>>,
    #[schemars(description = "Административный центр.", with = "Option<String>")]
    pub centre: Option<S<String>>,
    #[schemars(description = "Часовой пояс IANA, например Europe/Moscow.")]
    pub timezone: Option<String>,
    #[serde(default)]
    #[schemars(description = "Роли региона (region_roles из data/taxonomy.toml).", with = "Vec<String>", extend("x-vocabulary" = "region_roles"))]
    pub roles: Vec<S<String>>,
    #[schemars(
        description = "Примерные границы: [мин. долгота, мин. широта, макс. долгота, макс. широта].",
        with = "Option<[f64; 4]>"
    )]
    pub bbox: Option<S<[f64; 4]>>,
    #[schemars(description = "Координаты центра.")]
    pub centre_location: Option<LatLon>,
    #[schemars(description = "Одно-два предложения о регионе.")]
    pub summary: Option<String>,
    #[serde(default)]
    #[schemars(
        description = "Источники сведений. У каждой записи должен быть хотя бы один.",
        with = "Vec<Source>",
        extend("x-required" = true)
    )]
    pub sources: List<Source>,
    #[schemars(description = "Служба «Дети в семье» в регионе; числа как в источнике.")]
    pub dvs: Option<DvsService>,
    #[serde(default)]
    #[schemars(
        description = "Города и районы, где есть службы.",
        with = "Vec<Municipality>"
    )]
    pub municipalities: Vec<S<Municipality>>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[schemars(description = "Служба или организация, куда может обратиться семья или специалист.")]
#[serde(deny_unknown_fields)]
pub struct ServiceMeta {
    #[schemars(
        description = "Название точно как в источнике.",
        with = "Option<String>",
        required
    )]
    pub name: Option<S<String>>,
    #[schemars(description = "Короткое название.")]
    pub short_name: Option<String>,
    #[schemars(description = "Вышестоящая организация.")]
    pub organization: Option<String>,
    #[schemars(description = "Вид организации (kinds из data/taxonomy.toml).", with = "Option<String>", required, extend("x-vocabulary" = "kinds"))]
    pub kind: Option<S<String>>,
    #[serde(default)]
    #[schemars(description = "С чем помогают (needs из data/taxonomy.toml).", with = "Vec<String>", extend("x-required" = true), extend("x-vocabulary" = "needs"))]
    pub needs: List<S<String>>,
    #[serde(default)]
    #[schemars(
        description = "Для кого; по умолчанию для семей.",
        with = "Vec<Audience>"
    )]
    pub audience: Vec<S<String>>,
    #[schemars(description = "Код региона (ISO 3166-2), например RU-MOS; файл есть в content/regions/.", with = "Option<String>", required, extend("x-refers-to" = "regions"))]
    pub region: Option<S<String>>,
    #[schemars(description = "Город или район.", with = "Option<String>")]
    pub municipality: Option<S<String>>,
    #[schemars(description = "Округ внутри города.", with = "Option<String>")]
    pub district: Option<S<String>>,
    #[schemars(description = "Адрес, только если он есть в источнике.")]
    pub address: Option<String>,
    #[schemars(description = "Место на карте.", with = "Option<Location>")]
    pub location: Option<S<Location>>,
    #[serde(default)]
    #[schemars(
        description = "Телефоны. На сайте покажутся в одном виде, со ссылкой для звонка.",
        with = "Vec<PhoneEntry>"
    )]
    pub phones: Vec<S<PhoneEntry>>,
    #[serde(default)]
    #[schemars(
        description = "Электронная почта, по одному адресу в строке.",
        with = "Vec<String>"
    )]
    pub emails: Vec<S<String>>,
    #[schemars(description = "Сайт, с http:// или https://.", with = "Option<String>")]
    pub website: Option<S<String>>,
    #[serde(default)]
    #[schemars(description = "Контактные лица.")]
    pub contacts: Vec<Person>,
    #[schemars(description = "Часы работы.")]
    pub hours: Option<String>,
    #[schemars(
        description = "Возраст детей в месяцах: [от, до], например [0, 48].",
        with = "Option<[AgeMonths; 2]>"
    )]
    /// Read as a list of any length (a fixed array would take `[0, 1, 2]`
    /// as `[0, 1]` without a word), checked to be two by validation.
    pub age_months: Option<S<Vec<u32>>>,
    #[schemars(description = "Стоимость: бесплатно или сколько.")]
    pub cost: Option<String>,
    #[schemars(description = "Кому помогают.")]
    pub eligibility: Option<String>,
    #[schemars(description = "Как обратиться.")]
    pub how_to_apply: Option<String>,
    #[schemars(
        description = "Когда редактор сверил сведения с самой организацией: 2026-11-24. Не заполняйте, пока не сверили: дата документа-источника — не проверка.",
        with = "Option<String>",
        extend("format" = "date")
    )]
    pub verified: Option<S<toml::value::Datetime>>,
    #[serde(default)]
    #[schemars(
        description = "Источники сведений. У каждой записи должен быть хотя бы один.",
        with = "Vec<Source>",
        extend("x-required" = true)
    )]
    pub sources: List<Source>,
}

impl ServiceMeta {
    /// The youngest and oldest child's age served, in months, when
    /// `age_months` is two numbers (as validation requires).
    pub fn ages(&self) -> Option<[u32; 2]> {
        match self.age_months.as_ref()?.get_ref().as_slice() {
            &[from, to] => Some([from, to]),
            _ => None,
        }
    }
}

/// Contacts of a practice's organization when it has no service record.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[schemars(description = "Контакты организации, если записи о ней нет.")]
#[serde(deny_unknown_fields)]
pub struct Contacts {
    #[serde(default)]
    #[schemars(description = "Телефоны.", with = "Vec<PhoneEntry>")]
    pub phones: Vec<S<PhoneEntry>>,
    #[serde(default)]
    #[schemars(description = "Электронная почта.", with = "Vec<String>")]
    pub emails: Vec<S<String>>,
    #[schemars(description = "Сайт.", with = "Option<String>")]
    pub website: Option<S<String>>,
    #[serde(default)]
    #[schemars(description = "Контактные лица.")]
    pub people: Vec<Person>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PassportKind {
    Full,
    Partial,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[schemars(description = "Паспорт практики из сборника «Лучшие практики».")]
#[serde(deny_unknown_fields)]
pub struct PracticeMeta {
    #[schemars(
        description = "Название практики точно как в источнике.",
        with = "Option<String>",
        required
    )]
    pub title: Option<S<String>>,
    #[schemars(description = "Короткое название для списков.")]
    pub short_title: Option<String>,
    #[schemars(description = "Код региона (ISO 3166-2), например RU-MOS; файл есть в content/regions/.", with = "Option<String>", required, extend("x-refers-to" = "regions"))]
    pub region: Option<S<String>>,
    #[schemars(description = "id записи организации в content/services/: папка/файл, например ru-klu/kaluga-doverie.", with = "Option<String>", extend("x-refers-to" = "services"))]
    pub organization: Option<S<String>>,
    #[schemars(description = "Название организации, если записи о ней нет.")]
    pub organization_name: Option<String>,
    #[schemars(description = "Контакты организации, если записи о ней нет.")]
    pub contacts: Option<Contacts>,
    #[serde(default)]
    #[schemars(description = "Направления (directions из data/taxonomy.toml).", with = "Vec<String>", extend("x-required" = true), extend("x-vocabulary" = "directions"))]
    pub directions: List<S<String>>,
    #[serde(default)]
    #[schemars(description = "Целевые группы (target_groups из data/taxonomy.toml).", with = "Vec<String>", extend("x-required" = true), extend("x-vocabulary" = "target_groups"))]
    pub target_groups: List<S<String>>,
    #[schemars(description = "Год начала практики.", with = "Option<i64>")]
    pub year: Option<S<i64>>,
    #[schemars(
        description = "Полнота паспорта: full — все разделы паспорта; partial — только те, что есть в источниках.",
        required
    )]
    pub passport: Option<PassportKind>,
    #[schemars(description = "Одно-два предложения простыми словами.")]
    pub summary: Option<String>,
    #[schemars(description = "Сборник и номер практики в нём.")]
    pub collection: Option<String>,
    #[serde(default)]
    #[schemars(
        description = "Источники сведений. У каждой записи должен быть хотя бы один.",
        with = "Vec<Source>",
        extend("x-required" = true)
    )]
    pub sources: List<Source>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[schemars(description = "Модуль.")]
#[serde(deny_unknown_fields)]
pub struct Module {
    #[schemars(description = "Название модуля.")]
    pub title: String,
    #[schemars(description = "Часы.")]
    pub hours: Option<f64>,
    #[schemars(description = "Для кого модуль.")]
    pub audience: Option<String>,
    #[schemars(description = "О модуле.")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[schemars(description = "Сколько обучено и где.")]
#[serde(deny_unknown_fields)]
pub struct Trained {
    #[serde(rename = "where")]
    #[schemars(description = "Где, как в источнике.")]
    pub place: Option<String>,
    #[schemars(description = "Код региона (ISO 3166-2).", with = "Option<String>", extend("x-refers-to" = "regions"))]
    pub region: Option<S<String>>,
    #[schemars(description = "Сколько, как в источнике.")]
    pub count: Option<String>,
    #[schemars(description = "Год.")]
    pub year: Option<String>,
    #[schemars(description = "Пояснение.")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[schemars(description = "Обучающая программа, курс, семинар или формат супервизии.")]
#[serde(deny_unknown_fields)]
pub struct ProgrammeMeta {
    #[schemars(description = "Название программы.", with = "Option<String>", required)]
    pub title: Option<S<String>>,
    #[schemars(description = "Вид (programme_kinds из data/taxonomy.toml).", with = "Option<String>", required, extend("x-vocabulary" = "programme_kinds"))]
    pub kind: Option<S<String>>,
    #[schemars(description = "Кто проводит.")]
    pub provider: Option<String>,
    #[schemars(description = "Запись того, кто проводит, в content/services/: папка/файл, например ru-ba/bash-mc-semya. Название становится ссылкой на его страницу с телефонами.", with = "Option<String>", extend("x-refers-to" = "services"))]
    pub organization: Option<S<String>>,
    #[serde(default)]
    #[schemars(description = "Для кого.", with = "Vec<Audience>")]
    pub audience: Vec<S<String>>,
    #[schemars(description = "Формат: очно, дистанционно…")]
    pub format: Option<String>,
    #[schemars(description = "Объём в часах.")]
    pub hours: Option<f64>,
    #[serde(default)]
    #[schemars(description = "Где проводилась.", with = "Vec<String>", extend("x-refers-to" = "regions"))]
    pub regions: Vec<S<String>>,
    #[serde(default)]
    #[schemars(description = "Направления.", with = "Vec<String>", extend("x-vocabulary" = "directions"))]
    pub directions: Vec<S<String>>,
    #[schemars(description = "Кратко о программе.")]
    pub summary: Option<String>,
    #[serde(default)]
    #[schemars(description = "Модули по порядку.")]
    pub modules: Vec<Module>,
    #[serde(default)]
    #[schemars(description = "Сколько человек обучено.")]
    pub trained: Vec<Trained>,
    #[serde(default)]
    #[schemars(
        description = "Таблицы статистики на странице: имена файлов из data/stats/ без .toml.",
        with = "Vec<String>"
    )]
    pub stats: Vec<S<String>>,
    #[serde(default)]
    #[schemars(
        description = "Источники сведений. У каждой записи должен быть хотя бы один.",
        with = "Vec<Source>",
        extend("x-required" = true)
    )]
    pub sources: List<Source>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[schemars(description = "Вариант, например уровень риска.")]
#[serde(deny_unknown_fields)]
pub struct Branch {
    #[schemars(description = "Название варианта.")]
    pub label: String,
    #[schemars(description = "Что происходит, Markdown.")]
    pub text: Option<Markdown>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[schemars(description = "Шаг.")]
#[serde(deny_unknown_fields)]
pub struct Step {
    #[schemars(description = "Что сделать.", required)]
    pub title: Option<String>,
    #[schemars(description = "Кто действует.")]
    pub actor: Option<String>,
    #[schemars(description = "Срок, как в источнике.")]
    pub deadline: Option<String>,
    #[schemars(description = "Подробнее, Markdown.")]
    pub text: Option<Markdown>,
    #[serde(default)]
    #[schemars(description = "Что взять с собой.")]
    pub bring: Vec<String>,
    #[serde(default)]
    #[schemars(description = "С чем помогают (needs из data/taxonomy.toml).", with = "Vec<String>", extend("x-vocabulary" = "needs"))]
    pub needs: Vec<S<String>>,
    #[serde(default)]
    #[schemars(description = "Варианты шага.")]
    pub branches: Vec<Branch>,
    /// What this step rests on: a quoted citation per claim.
    #[schemars(description = "Источники этого шага: цитата на каждое сведение.")]
    #[serde(default)]
    pub sources: Vec<Source>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[schemars(
    description = "Маршрут «что делать, если…» для семей или порядок работы для специалистов."
)]
#[serde(deny_unknown_fields)]
pub struct RouteMeta {
    #[schemars(
        description = "Заголовок: «Если …».",
        with = "Option<String>",
        required
    )]
    pub title: Option<S<String>>,
    #[schemars(
        description = "Для кого: family — семьи, specialist — специалисты.",
        with = "Option<Audience>",
        required
    )]
    pub audience: Option<S<String>>,
    #[schemars(description = "Код региона (ISO 3166-2), например RU-MOS; файл есть в content/regions/.", with = "Option<String>", extend("x-refers-to" = "regions"))]
    pub region: Option<S<String>>,
    #[serde(default)]
    #[schemars(description = "С чем помогают (needs из data/taxonomy.toml).", with = "Vec<String>", extend("x-vocabulary" = "needs"))]
    pub needs: Vec<S<String>>,
    #[schemars(description = "Кратко, о чём маршрут.")]
    pub summary: Option<String>,
    #[serde(default)]
    #[schemars(
        description = "Источники сведений. У каждой записи должен быть хотя бы один.",
        with = "Vec<Source>",
        extend("x-required" = true)
    )]
    pub sources: List<Source>,
    #[serde(default)]
    #[schemars(description = "Шаги по порядку.", with = "Vec<Step>", extend("x-required" = true))]
    pub steps: List<Step>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[schemars(description = "Свободная страница.")]
#[serde(deny_unknown_fields)]
pub struct PageMeta {
    #[schemars(description = "Заголовок.", with = "Option<String>", required)]
    pub title: Option<S<String>>,
    #[schemars(description = "Кратко о странице.")]
    pub summary: Option<String>,
    #[schemars(description = "Место в главном меню.")]
    pub menu: Option<i64>,
    #[schemars(
        description = "Для кого: family — семьи, specialist — специалисты, editor — редакторы (ссылка только в подвале).",
        with = "Option<PageAudience>"
    )]
    pub audience: Option<S<String>>,
    #[serde(default)]
    #[schemars(description = "Источники сведений.", with = "Vec<Source>")]
    pub sources: List<Source>,
}

/// Who a record is for: `family` or `specialist` (validation refuses others).
#[derive(schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(description = "Для кого: family — семьи, specialist — специалисты.")]
#[allow(dead_code)]
pub(crate) enum Audience {
    Family,
    Specialist,
}

/// A child's age in months, up to 18 years: the schema's bounds for `age_months`.
#[derive(schemars::JsonSchema)]
#[schemars(transparent)]
#[allow(dead_code)]
pub(crate) struct AgeMonths(#[schemars(range(min = 0, max = MAX_AGE_MONTHS))] u32);

/// The oldest age `age_months` may give: 18 years.
pub const MAX_AGE_MONTHS: u32 = 216;

/// Who a free page is for: also `editor` (linked from the footer only).
#[derive(schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub(crate) enum PageAudience {
    Family,
    Specialist,
    Editor,
}
