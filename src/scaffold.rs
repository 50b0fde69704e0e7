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
    if !ru::is_valid_slug(&slug) {
        return Err("the name gives an empty file name; use letters or digits".into());
    }
    let q = |s: &str| toml_string(s);
    let (rel, text) = match collection {
        Collection::Service => {
            let code = region.ok_or("a service needs --region CODE, e.g. --region RU-MOS")?;
            let folder = region_folder(root, code, true)?;
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
                format!("content/regions/{}.md", region_folder(root, code, false)?),
                format!(
                    "+++\ncode = {}\nname = {}\n# Для заголовков: «в Московской области»\nname_in = \"\"\ncentre = \"\"\ntimezone = \"Europe/Moscow\"\n# Роли: region_roles в data/taxonomy.toml\nroles = [\"mentioned\"]\n# Примерные границы [мин. долгота, мин. широта, макс. долгота, макс. широта]\n# bbox = [35.1, 54.2, 40.2, 56.96]\nsources = [{{ url = \"https://example.org/\", title = \"ЗАМЕНИТЕ: откуда сведения\" }}]\n+++\nО регионе простыми словами.\n",
                    q(code),
                    q(title)
                ),
            )
        }
        Collection::Practice => {
            let code = region.unwrap_or("RU-MOS");
            if region.is_some() {
                region_folder(root, code, true)?;
            }
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
    // Every part of the path is a checked code or a slug; this is the last
    // word that nothing in it can climb out of content/.
    let inside = Path::new(&rel)
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)));
    if !inside {
        return Err(format!("`{rel}` is not a path inside the portal"));
    }
    Ok(Scaffold {
        path: root.join(rel),
        text,
    })
}

/// The folder name of a region code given on the command line: it must look
/// like an ISO 3166-2:RU code (`RU-MOS`), and with `must_exist` be one of the
/// portal's regions — never a path (`../../escaped`).
fn region_folder(root: &Path, code: &str, must_exist: bool) -> Result<String, String> {
    if !crate::validate::formats::is_region_code(code) {
        return Err(format!(
            "`{}` is not a region code; codes look like RU-MOS (ISO 3166-2:RU, in capitals)",
            code.escape_debug()
        ));
    }
    let folder = code.to_lowercase();
    if must_exist
        && !root
            .join("content/regions")
            .join(format!("{folder}.md"))
            .is_file()
    {
        return Err(format!(
            "region `{code}` does not exist: there is no content/regions/{folder}.md (create it with `opora new region \"Название\" --region {code}`)"
        ));
    }
    Ok(folder)
}

/// Writes a new file, refusing to replace anything already there — not even a
/// dangling symlink, which a plain write would follow out of the portal.
pub fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?
        .write_all(text.as_bytes())
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
