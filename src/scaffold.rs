//! `opora new`: a valid record with every required field, ready to fill in.

use std::path::{Path, PathBuf};

use crate::ru;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Collection {
    Service,
    Region,
    Practice,
    Programme,
    Route,
    Page,
}

pub struct Scaffold {
    pub path: PathBuf,
    pub text: String,
}

/// Builds the file for a new record; `region` is required for services.
pub fn scaffold(
    root: &Path,
    collection: Collection,
    title: &str,
    region: Option<&str>,
    today: &str,
) -> Result<Scaffold, String> {
    let slug = ru::slugify(title);
    if slug.is_empty() {
        return Err("the name gives an empty file name; use letters or digits".into());
    }
    let q = |s: &str| toml_string(s);
    let (rel, text) = match collection {
        Collection::Service => {
            let code = region.ok_or("a service needs --region CODE, e.g. --region RU-MOS")?;
            let folder = code.to_lowercase();
            (
                format!("content/services/{folder}/{slug}.md"),
                format!(
                    "+++\n# Название — точно как в источнике\nname = {}\n# Вид организации: kinds в data/taxonomy.toml\nkind = \"family-centre\"\n# С чем помогают: needs в data/taxonomy.toml\nneeds = [\"crisis\"]\nregion = {}\n# Город или район\nmunicipality = \"\"\n# Координаты; precision: exact | street | city\n# location = {{ lat = 55.75, lon = 37.62, precision = \"city\" }}\n# Телефоны в любом привычном виде: \"8 (495) 123-45-67\"\nphones = []\nemails = []\n# website = \"https://\"\n# Когда вы сверили сведения с самой организацией (звонок, письмо).\n# Пока не сверили, оставьте строку закомментированной: дата документа — не проверка.\n# verified = {today}\n# Откуда сведения: документ, строка и слова из неё (quote) или адрес страницы\nsources = [{{ url = \"https://example.org/\", title = \"ЗАМЕНИТЕ: откуда сведения\" }}]\n+++\nКоротко и простыми словами: чем здесь помогают, кому и как обратиться.\n",
                    q(title),
                    q(code)
                ),
            )
        }
        Collection::Region => {
            let code = region.ok_or("a region needs --region CODE, e.g. --region RU-MOS")?;
            (
                format!("content/regions/{}.md", code.to_lowercase()),
                format!(
                    "+++\ncode = {}\nname = {}\n# Для заголовков: «в Московской области»\nname_in = \"\"\ncentre = \"\"\ntimezone = \"Europe/Moscow\"\n# Роли: region_roles в data/taxonomy.toml\nroles = [\"mentioned\"]\n# Примерные границы [мин. долгота, мин. широта, макс. долгота, макс. широта]\n# bbox = [35.1, 54.2, 40.2, 56.96]\nsources = [{{ url = \"https://example.org/\", title = \"ЗАМЕНИТЕ: откуда сведения\" }}]\n+++\nО регионе простыми словами.\n",
                    q(code),
                    q(title)
                ),
            )
        }
        Collection::Practice => {
            let code = region.unwrap_or("RU-MOS");
            let sections: String = crate::validate::passport::SECTIONS
                .iter()
                .map(|(_, h)| format!("## {h}\n\nТекст раздела.\n\n"))
                .collect();
            (
                format!("content/practices/{slug}.md"),
                format!(
                    "+++\ntitle = {}\nregion = {}\n# Организация: id записи в content/services/ (папка/файл)\n# organization = \"ru-mos/…\"\norganization_name = \"\"\n# directions и target_groups: data/taxonomy.toml\ndirections = [\"family-support\"]\ntarget_groups = [\"families-tzhs\"]\n# full — все разделы паспорта; partial — только те, что есть в источнике\npassport = \"full\"\nsummary = \"\"\nsources = [{{ url = \"https://example.org/\", title = \"ЗАМЕНИТЕ: откуда сведения\" }}]\n+++\n{sections}",
                    q(title),
                    q(code)
                ),
            )
        }
        Collection::Programme => (
            format!("content/programmes/{slug}.md"),
            format!(
                "+++\ntitle = {}\n# Вид: programme_kinds в data/taxonomy.toml\nkind = \"training\"\nprovider = \"\"\naudience = [\"specialist\"]\nsummary = \"\"\nsources = [{{ url = \"https://example.org/\", title = \"ЗАМЕНИТЕ: откуда сведения\" }}]\n\n# [[modules]]\n# title = \"\"\n# hours = 8\n+++\nО программе простыми словами.\n",
                q(title)
            ),
        ),
        Collection::Route => (
            format!("content/routes/{slug}.md"),
            format!(
                "+++\ntitle = {}\n# family — для семей, specialist — для специалистов\naudience = \"family\"\nneeds = [\"crisis\"]\nsummary = \"\"\nsources = [{{ url = \"https://example.org/\", title = \"ЗАМЕНИТЕ: откуда сведения\" }}]\n\n[[steps]]\ntitle = \"Первый шаг\"\ntext = \"Что сделать.\"\n+++\n",
                q(title)
            ),
        ),
        Collection::Page => (
            format!("content/pages/{slug}.md"),
            format!(
                "+++\ntitle = {}\nsummary = \"\"\n+++\nТекст страницы.\n",
                q(title)
            ),
        ),
    };
    Ok(Scaffold {
        path: root.join(rel),
        text,
    })
}

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
