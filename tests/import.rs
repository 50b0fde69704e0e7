//! `opora import`: a regional spreadsheet (CSV) becomes service records;
//! phones are normalized, likely duplicates are held back, and a dry run writes nothing.

mod common;

use common::*;

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn dry_run_plans_and_writes_nothing() {
    let portal = mini_portal();
    let csv = repo().join("tests/fixtures/import/services.csv");
    let before = snapshot(&portal.path().join("content"));
    let o = opora(
        portal.path(),
        &["import", csv.to_str().unwrap(), "--dry-run"],
    );
    let out = stdout(&o);
    assert!(
        out.contains("create  content/services/ru-mos/krizisnaya-kvartira-nadezhda.md"),
        "{out}"
    );
    assert!(out.contains("skip    row 3 «Центр «Доверие» (копия)»: likely a duplicate of ru-klu/kaluga-doverie (same phone +7 (4842) 55-06-02)"), "{out}");
    assert!(out.contains("skip    row 4 «Семья и дом (Орехово-Зуево)»: likely a duplicate of ru-mos/semya-i-dom (near-identical name in the same town)"), "{out}");
    assert!(
        out.contains(&format!(
            "error   {}:5: row 5, column 9 «Телефоны»: phone «12-34» has 4 digits",
            csv.display()
        )) && out.contains("        = hint: write a Russian number with its area code"),
        "{out}"
    );
    assert!(
        out.contains("1 to create, 0 to change, 2 likely duplicates, 1 rows with errors"),
        "{out}"
    );
    assert!(
        !o.status.success(),
        "rows with errors make the exit status non-zero"
    );
    assert_eq!(
        snapshot(&portal.path().join("content")),
        before,
        "a dry run writes nothing"
    );
}

#[test]
fn import_creates_valid_normalized_records() {
    let portal = mini_portal();
    let csv = repo().join("tests/fixtures/import/services.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    // Drop the invalid row so the import succeeds.
    let good: String = text
        .lines()
        .filter(|l| !l.contains("Пункт проката"))
        .map(|l| format!("{l}\n"))
        .collect();
    let file = portal.path().join("good.csv");
    std::fs::write(&file, good).unwrap();
    let o = opora(portal.path(), &["import", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let created = std::fs::read_to_string(
        portal
            .path()
            .join("content/services/ru-mos/krizisnaya-kvartira-nadezhda.md"),
    )
    .unwrap();
    assert!(
        created.contains("phones = [\"+7 (496) 412-34-56\"]"),
        "{created}"
    );
    assert!(
        created.contains("needs = [\"housing\", \"crisis\"]"),
        "{created}"
    );
    assert!(created.contains("kind = \"crisis-centre\""), "{created}");
    assert!(created.contains("verified = 2026-11-20"), "{created}");
    assert!(
        created.contains("location = { lat = 55.8067, lon = 38.9618, precision = \"city\" }"),
        "{created}"
    );
    let check = opora(portal.path(), &["check"]);
    assert!(
        check.status.success(),
        "imported records pass check: {}",
        stderr(&check)
    );
    // Importing the same sheet again changes nothing.
    let again = opora(
        portal.path(),
        &["import", file.to_str().unwrap(), "--dry-run"],
    );
    assert!(
        stdout(&again).contains("0 to create, 0 to change"),
        "{}",
        stdout(&again)
    );

    // An edited sheet changes only what changed, keeping the editor's text.
    let record = portal
        .path()
        .join("content/services/ru-mos/krizisnaya-kvartira-nadezhda.md");
    let edited_body = std::fs::read_to_string(&record)
        .unwrap()
        .replace("Описание появится после проверки.", "Текст редактора.");
    std::fs::write(&record, edited_body).unwrap();
    let sheet = std::fs::read_to_string(&file)
        .unwrap()
        .replace("круглосуточно", "пн–пт 9:00–18:00");
    std::fs::write(&file, sheet).unwrap();
    let o = opora(portal.path(), &["import", file.to_str().unwrap()]);
    assert!(
        stdout(&o)
            .contains("change  content/services/ru-mos/krizisnaya-kvartira-nadezhda.md: hours"),
        "{}",
        stdout(&o)
    );
    let merged = std::fs::read_to_string(&record).unwrap();
    assert!(
        merged.contains("hours = \"пн–пт 9:00–18:00\"") && merged.contains("Текст редактора."),
        "{merged}"
    );
    assert!(opora(portal.path(), &["check"]).status.success());
}

/// A package of services named in `names` (JSON, as the HSDS API lists
/// them), each with the need `crisis`, in a folder of its own under `dir`.
fn hsds_package(dir: &std::path::Path, names: &[String]) -> std::path::PathBuf {
    let package = dir.join("package");
    std::fs::create_dir_all(&package).unwrap();
    let crisis = serde_json::json!({"id": "t-crisis", "code": "crisis", "name": "Кризис"});
    let services: Vec<serde_json::Value> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            serde_json::json!({
                "id": format!("s{i}"),
                "name": name,
                "attributes": [{"id": format!("a{i}"), "link_type": "needs", "taxonomy_term": crisis}],
            })
        })
        .collect();
    std::fs::write(
        package.join("services.json"),
        serde_json::to_vec(&services).unwrap(),
    )
    .unwrap();
    package
}

/// The file names of the records a plan says it creates.
fn created(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| l.strip_prefix("create  "))
        .map(|p| p.rsplit('/').next().unwrap().to_string())
        .collect()
}

#[test]
fn a_very_long_name_gives_a_short_file_name_that_the_import_writes() {
    let portal = mini_portal();
    let tmp = tempfile::tempdir().unwrap();
    let names = [
        "Центр Альфа".to_string(),
        format!("Центр {}", "б".repeat(300)),
        "Центр Гамма".to_string(),
    ];
    let package = hsds_package(tmp.path(), &names);
    let args = [
        "import",
        "--hsds",
        package.to_str().unwrap(),
        "--region",
        "RU-KLU",
    ];
    let dry = opora(portal.path(), &[&args[..], &["--dry-run"]].concat());
    assert!(dry.status.success(), "{}{}", stdout(&dry), stderr(&dry));
    let planned = created(&stdout(&dry));
    assert_eq!(planned.len(), 3, "{}", stdout(&dry));
    let long = &planned[1];
    assert!(long.starts_with("tsentr-bbb"), "{long}");
    assert!(
        long.len() <= opora::ru::MAX_SLUG_BYTES + ".md".len(),
        "{long} is {} bytes",
        long.len()
    );
    // The real run writes what the dry run planned, every file of it.
    let o = opora(portal.path(), &args);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let folder = portal.path().join("content/services/ru-klu");
    for name in &planned {
        assert!(folder.join(name).is_file(), "{name} was not written");
    }
}

#[test]
fn names_cut_to_the_same_words_give_two_records_and_neither_is_merged_into_the_other() {
    let portal = mini_portal();
    let tmp = tempfile::tempdir().unwrap();
    let words =
        "Государственное бюджетное учреждение Калужской области социально-реабилитационный центр";
    let first = format!("{words} «Радуга»");
    let second = format!("{words} «Доверие»");
    let import = |names: &[String], dir: &str| {
        let package = hsds_package(&tmp.path().join(dir), names);
        opora(
            portal.path(),
            &[
                "import",
                "--hsds",
                package.to_str().unwrap(),
                "--region",
                "RU-KLU",
            ],
        )
    };
    let o = import(std::slice::from_ref(&first), "one");
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let slug = opora::ru::slugify(&first);
    assert_eq!(
        slug,
        opora::ru::slugify(&second),
        "the test needs one cut slug"
    );
    // The second service is not the first one's record, though its name
    // gives the same file name: it gets a file of its own.
    let o = import(std::slice::from_ref(&second), "two");
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    assert!(
        out.contains(&format!("create  content/services/ru-klu/{slug}-2.md")),
        "{out}"
    );
    assert!(!out.lines().any(|l| l.starts_with("change")), "{out}");
    let record = std::fs::read_to_string(
        portal
            .path()
            .join(format!("content/services/ru-klu/{slug}.md")),
    )
    .unwrap();
    assert!(record.contains("«Радуга»"), "{record}");
}

#[test]
fn an_import_writes_every_file_or_none_and_a_dry_run_finds_what_would_stop_it() {
    let portal = mini_portal();
    // Row 2 creates a record; row 3 changes one its editor made read-only.
    let record = portal.path().join("content/services/ru-mos/semya-i-dom.md");
    let mut mode = std::fs::metadata(&record).unwrap().permissions();
    mode.set_readonly(true);
    std::fs::set_permissions(&record, mode).unwrap();
    let sheet = portal.path().join("sheet.csv");
    std::fs::write(
        &sheet,
        "Название,Вид,Помощь,Регион,Источник\n\
         Служба Альфа,family-centre,crisis,RU-MOS,000:79\n\
         Семья и дом,family-centre,crisis,RU-MOS,000:79\n",
    )
    .unwrap();
    let before = snapshot(&portal.path().join("content"));
    for dry_run in [true, false] {
        let mut args = vec!["import", sheet.to_str().unwrap()];
        if dry_run {
            args.push("--dry-run");
        }
        let o = opora(portal.path(), &args);
        let err = stderr(&o);
        assert!(
            !o.status.success(),
            "dry run {dry_run}: {}{err}",
            stdout(&o)
        );
        assert!(
            err.contains(
                "error: content/services/ru-mos/semya-i-dom.md (row 3): the file is read-only"
            ) && err.contains("= hint: make it writable"),
            "dry run {dry_run}: {err}"
        );
        assert!(err.contains("nothing was imported"), "{err}");
        assert_eq!(
            snapshot(&portal.path().join("content")),
            before,
            "dry run {dry_run}: nothing is written, not even the rows before"
        );
    }
}

#[test]
fn a_package_of_many_broken_records_lists_the_first_hundred_and_counts_the_rest() {
    let portal = mini_portal();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("services.json"),
        format!("[{}{{}}]", "{},".repeat(149)),
    )
    .unwrap();
    let o = opora(
        portal.path(),
        &[
            "import",
            "--hsds",
            tmp.path().to_str().unwrap(),
            "--dry-run",
        ],
    );
    let out = stdout(&o);
    assert!(!o.status.success(), "{out}");
    assert_eq!(out.matches("error   row").count(), 100, "{out}");
    assert!(
        out.contains("error   … and 50 more rows with errors like these"),
        "{out}"
    );
    assert!(out.contains("150 rows with errors"), "{out}");

    // Each of 120 services without a kind gets a note.
    let names: Vec<String> = (0..120).map(|i| format!("Центр {i}")).collect();
    let package = hsds_package(tmp.path(), &names);
    let o = opora(
        portal.path(),
        &[
            "import",
            "--hsds",
            package.to_str().unwrap(),
            "--region",
            "RU-KLU",
            "--dry-run",
        ],
    );
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    assert_eq!(out.matches("\nnote    row").count(), 100, "{out}");
    assert!(
        out.contains("note    … and 20 more notes like these"),
        "{out}"
    );
}

/// A row whose record would be larger than a record file may be (a cell of
/// megabytes) is an error of its row, and no file is written: the build
/// would refuse that file.
#[test]
fn a_row_too_large_for_a_record_file_is_an_error_and_writes_nothing() {
    let portal = mini_portal();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("big.csv");
    let description = "Текст. ".repeat(400_000);
    std::fs::write(
        &csv,
        format!(
            "Название,Помощь,Регион,Город,Описание,Источник\n\
             Центр Большой,crisis,RU-KLU,Калуга,{description},https://example.ru/\n"
        ),
    )
    .unwrap();
    let before = snapshot(&portal.path().join("content"));
    let o = opora(
        portal.path(),
        &["import", csv.to_str().unwrap(), "--region", "RU-KLU"],
    );
    let out = stdout(&o);
    assert!(!o.status.success(), "{out}");
    assert!(
        out.contains("row 2: its record would be")
            && out.contains("more than the 2097152 (2 MB) a record file may have"),
        "{}",
        &out[..out.len().min(400)]
    );
    assert_eq!(snapshot(&portal.path().join("content")), before);
}

/// A sheet of `rows` under `header`, every cell quoted as a spreadsheet
/// quotes it (a quote doubled), rows ending in `\r\n` as Excel writes them.
fn sheet(header: &[&str], rows: &[Vec<String>]) -> String {
    let quote = |c: &str| format!("\"{}\"", c.replace('"', "\"\""));
    let mut out = header.join(",") + "\r\n";
    for row in rows {
        out += &row.iter().map(|c| quote(c)).collect::<Vec<_>>().join(",");
        out += "\r\n";
    }
    out
}

/// Every service record under `content/services` by its name: its front
/// matter (split where `opora check` splits it) and its body.
fn records_by_name(
    root: &std::path::Path,
) -> std::collections::BTreeMap<String, (toml::Table, String)> {
    let mut out = std::collections::BTreeMap::new();
    for (rel, bytes) in snapshot(&root.join("content/services")) {
        let text = String::from_utf8(bytes).unwrap();
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        assert_eq!(lines[0].trim_end(), "+++", "{rel}");
        let end = 1 + lines[1..]
            .iter()
            .position(|l| l.trim_end() == "+++")
            .unwrap_or_else(|| panic!("{rel}: no second +++ line"));
        let front: toml::Table = toml::from_str(&lines[1..end].concat())
            .unwrap_or_else(|e| panic!("{rel} does not read back: {e}\n{text}"));
        let name = front["name"].as_str().unwrap().to_string();
        out.insert(name, (front, lines[end + 1..].concat()));
    }
    out
}

/// The columns whose cell a record keeps as written (trimmed): column →
/// field.
const KEPT_AS_WRITTEN: [(&str, &str); 5] = [
    ("Город", "municipality"),
    ("Адрес", "address"),
    ("Часы работы", "hours"),
    ("Стоимость", "cost"),
    ("Кому помогают", "eligibility"),
];

/// Asserts that the record made from `row` (cells under `header`) holds
/// every kept cell as it was, and its description as its text. An empty
/// cell writes nothing: a new record has no such field, and a record the
/// import changes keeps its own (`changed`).
fn assert_kept(header: &[&str], row: &[String], front: &toml::Table, body: &str, changed: bool) {
    let cell = |col: &str| row[header.iter().position(|h| *h == col).unwrap()].trim();
    for (col, field) in KEPT_AS_WRITTEN {
        if header.contains(&col) && !(changed && cell(col).is_empty()) {
            let written = front.get(field).and_then(|v| v.as_str());
            let expected = Some(cell(col)).filter(|c| !c.is_empty());
            assert_eq!(written, expected, "«{col}» of {row:?}");
        }
    }
    if header.contains(&"Описание") && !cell("Описание").is_empty() {
        assert_eq!(body, format!("{}\n", cell("Описание")), "{row:?}");
    }
}

/// A cell holding a line `+++` (or quotes, backslashes, `"""`) is written
/// so that it reads back as itself and the front matter ends where it
/// should: the record passes `opora check`, on creating and on changing it.
#[test]
fn every_value_an_import_writes_reads_back_as_written_and_passes_check() {
    let portal = mini_portal();
    let header = [
        "Название",
        "Помощь",
        "Регион",
        "Город",
        "Адрес",
        "Часы работы",
        "Стоимость",
        "Кому помогают",
        "Описание",
        "Источник",
    ];
    let tricky = [
        "a\n+++\nb",
        "+++",
        "\"\"\" и ''' и \\ и \\n и \\u0007",
        "строка\r\nещё\tс табуляцией",
        "# не комментарий = [не таблица]",
        "+++\n[[steps]]\ntitle = \"x\"\n+++",
    ];
    let rows: Vec<Vec<String>> = tricky
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut row = vec![format!("Служба {i}"), "crisis".into(), "RU-KLU".into()];
            row.extend([
                "Калуга".to_string(),
                t.to_string(),
                t.to_string(),
                t.to_string(),
            ]);
            row.extend([
                t.to_string(),
                format!("Текст.\n{t}"),
                "https://example.ru/s".into(),
            ]);
            row
        })
        .collect();
    let csv = portal.path().join("tricky.csv");
    std::fs::write(&csv, sheet(&header, &rows)).unwrap();
    let o = opora(portal.path(), &["import", csv.to_str().unwrap()]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let check = opora(portal.path(), &["check"]);
    assert!(check.status.success(), "{}", stderr(&check));
    let records = records_by_name(portal.path());
    for row in &rows {
        let (front, body) = &records[&row[0]];
        assert_kept(&header, row, front, body, false);
    }

    // Changed to other such values, the records keep them as well, and
    // what the editor wrote around them: only the changed value is rewritten.
    let record = portal.path().join("content/services/ru-klu/sluzhba-0.md");
    let noted = std::fs::read_to_string(&record).unwrap().replacen(
        "\nkind = ",
        "\n# Сверено по телефону.\nkind = ",
        1,
    );
    std::fs::write(&record, &noted).unwrap();
    let changed: Vec<Vec<String>> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut row = row.clone();
            row[6] = tricky[(i + 1) % tricky.len()].to_string();
            row
        })
        .collect();
    std::fs::write(&csv, sheet(&header, &changed)).unwrap();
    let o = opora(portal.path(), &["import", csv.to_str().unwrap()]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(
        stdout(&o).matches(": cost\n").count(),
        rows.len(),
        "{}",
        stdout(&o)
    );
    let check = opora(portal.path(), &["check"]);
    assert!(check.status.success(), "{}", stderr(&check));
    let after = std::fs::read_to_string(&record).unwrap();
    let (cost_line, rewritten) = (
        noted.lines().position(|l| l.starts_with("cost = ")),
        after.lines(),
    );
    assert_eq!(noted.lines().count(), after.lines().count(), "{after}");
    for (i, (was, is)) in noted.lines().zip(rewritten).enumerate() {
        if Some(i) != cost_line {
            assert_eq!(was, is, "only the cost line changes:\n{after}");
        }
    }
    let records = records_by_name(portal.path());
    for row in &changed {
        let (front, _) = &records[&row[0]];
        assert_kept(&header[..7], &row[..7], front, "", true);
    }
}

/// A control character in a cell (BEL, ESC, NUL) is an error of its row
/// and column, and nothing of the row is written — from a spreadsheet and
/// from an HSDS package, JSON or tabular.
#[test]
fn control_characters_are_errors_of_their_cell_and_are_never_written() {
    let portal = mini_portal();
    let before = snapshot(&portal.path().join("content"));
    let csv = portal.path().join("control.csv");
    let header = ["Название", "Помощь", "Регион", "Стоимость", "Источник"];
    let row = |name: &str, cost: &str| {
        [name, "crisis", "RU-KLU", cost, "https://example.ru/s"]
            .map(str::to_string)
            .to_vec()
    };
    let rows = [
        row("Служба Звонок", "бес\u{7}платно"),
        row("Служба\u{1b}[2J Экран", "бесплатно"),
        row("Служба Ноль", "бес\u{0}платно"),
    ];
    std::fs::write(&csv, sheet(&header, &rows)).unwrap();
    let o = opora(portal.path(), &["import", csv.to_str().unwrap()]);
    let out = stdout(&o);
    assert!(!o.status.success(), "{out}");
    let at = csv.display();
    for said in [
        format!(
            "error   {at}:2: row 2, column 4 «Стоимость»: the cell holds an invisible control character (U+0007) at character 4"
        ),
        format!(
            "error   {at}:3: row 3, column 1 «Название»: the cell holds an invisible control character (U+001B) at character 7"
        ),
        format!(
            "error   {at}:4: row 4, column 4 «Стоимость»: the cell holds an invisible control character (U+0000) at character 4"
        ),
    ] {
        assert!(out.contains(&said), "{said}\n{out}");
    }
    assert!(
        !out.contains('\u{1b}'),
        "the terminal is shown the escape, not sent it"
    );
    assert_eq!(snapshot(&portal.path().join("content")), before);

    // The same values in an HSDS package, as JSON and as a table.
    let tmp = tempfile::tempdir().unwrap();
    let json = tmp.path().join("json");
    std::fs::create_dir_all(&json).unwrap();
    let crisis = serde_json::json!({"id": "t", "code": "crisis", "name": "Кризис"});
    let services: Vec<serde_json::Value> = [
        ("Центр Звонок", "бес\u{7}платно", "Текст."),
        ("Центр Ноль\u{0}", "бесплатно", "Текст."),
        ("Центр Экран", "бесплатно", "Текст\u{1b}[2J."),
    ]
    .iter()
    .enumerate()
    .map(|(i, (name, fees, text))| {
        serde_json::json!({"id": format!("s{i}"), "name": name, "fees_description": fees,
            "description": text,
            "attributes": [{"id": format!("a{i}"), "link_type": "needs", "taxonomy_term": crisis}]})
    })
    .collect();
    std::fs::write(
        json.join("services.json"),
        serde_json::to_vec(&services).unwrap(),
    )
    .unwrap();
    let table = tmp.path().join("table");
    std::fs::create_dir_all(&table).unwrap();
    std::fs::write(
        table.join("services.csv"),
        "id,name,fees_description\ns0,Центр Звонок,\"бес\u{7}платно\"\n",
    )
    .unwrap();
    std::fs::write(
        table.join("taxonomy_terms.csv"),
        "id,code,name\nt,crisis,Кризис\n",
    )
    .unwrap();
    std::fs::write(
        table.join("attributes.csv"),
        "id,link_id,taxonomy_term_id,link_type,link_entity\na0,s0,t,needs,service\n",
    )
    .unwrap();
    for (package, said) in [
        (
            &json,
            &[
                "row 1, field `cost` (HSDS service.fees_description): the record would not pass `opora check`: `\\u0007` makes an invisible control character",
                "row 2, field `name` (HSDS service.name): the record would not pass `opora check`: `\\u0000` makes an invisible control character",
                "row 3, the text (HSDS service.description, organization.description): the record would not pass `opora check`: the file holds an invisible control character",
            ][..],
        ),
        (
            &table,
            &["row 1, field `cost` (HSDS service.fees_description)"][..],
        ),
    ] {
        let o = opora(
            portal.path(),
            &[
                "import",
                "--hsds",
                package.to_str().unwrap(),
                "--region",
                "RU-KLU",
            ],
        );
        let out = stdout(&o);
        assert!(!o.status.success(), "{out}");
        for s in said {
            assert!(out.contains(s), "{s}\n{out}");
        }
        assert!(!out.contains('\u{0}') && !out.contains('\u{1b}'), "{out}");
        assert_eq!(snapshot(&portal.path().join("content")), before);
    }
}

/// A sheet whose form is broken says where: an unclosed quote, a row wider
/// or narrower than the header, a column named twice, an empty file, a
/// header with no rows. Nothing is written from a broken row.
#[test]
fn a_broken_sheet_is_reported_with_its_line_row_and_column() {
    let portal = mini_portal();
    let before = snapshot(&portal.path().join("content"));
    let cases: [(&str, &str, &[&str]); 5] = [
        (
            "quote.csv",
            "Название,Помощь,Регион,Источник\nСлужба,crisis,\"RU-KLU,https://example.ru/\nДругая,crisis,RU-KLU,https://example.ru/\n",
            &[
                "quote.csv:2: row 2, column 3: the quote that opens this cell is never closed",
                "The rows after this one were not read",
            ],
        ),
        (
            "width.csv",
            "Название,Помощь,Регион,Адрес\nСлужба,crisis,RU-KLU,Калуга, ул. Ленина\nДругая,crisis\n",
            &[
                "width.csv:2: row 2: the row has 5 cells, the header 4 columns: cell 5 («ул. Ленина») is past the last column",
                "width.csv:3: row 3: the row has 2 cells, the header 4 columns: nothing for column 3 «Регион» and after",
                "= hint: a cell holding «,» must be in quotes",
            ],
        ),
        (
            "twice.csv",
            "Название;Помощь;Регион;помощь\nСлужба;crisis;RU-KLU;crisis\n",
            &["twice.csv:1: row 1, column 4 «помощь»: the column «помощь» is also column 2"],
        ),
        (
            "empty.csv",
            "",
            &[
                "empty.csv: the file is empty",
                "= hint: save the spreadsheet as CSV",
            ],
        ),
        (
            "header.csv",
            "\u{feff}Название,Помощь\r\n,\r\n",
            &["header.csv: the sheet has a header row but no services under it: nothing to import"],
        ),
    ];
    for (name, text, said) in cases {
        let csv = portal.path().join(name);
        std::fs::write(&csv, text).unwrap();
        let o = opora(portal.path(), &["import", csv.to_str().unwrap()]);
        let out = format!("{}{}", stdout(&o), stderr(&o));
        assert!(!o.status.success(), "{name}: {out}");
        for s in said {
            assert!(out.contains(s), "{name}: «{s}»\n{out}");
        }
        assert_eq!(snapshot(&portal.path().join("content")), before, "{name}");
    }
}

/// What `opora check` would refuse in a record is an error of its row, found
/// before anything is written: a date to come, a document not listed, a
/// second service of one name in a town, a link to no page, raw HTML, the
/// address of a page that moved. The other rows are written, and pass.
#[test]
fn what_check_would_refuse_is_an_error_of_its_row_and_the_rest_passes() {
    let portal = mini_portal();
    std::fs::write(
        portal.path().join("data/moved.toml"),
        "[[moved]]\nfrom = \"/services/ru-klu/sluzhba-staraya/\"\nto = \"/services/ru-klu/kaluga-doverie/\"\n",
    )
    .unwrap();
    let header = [
        "Название",
        "Помощь",
        "Регион",
        "Город",
        "Описание",
        "Источник",
        "Проверено",
    ];
    let row = |cells: [&str; 7]| cells.map(str::to_string).to_vec();
    let rows = [
        row([
            "Служба Будущая",
            "crisis",
            "RU-KLU",
            "Калуга",
            "",
            "https://example.ru/",
            "01.01.2030",
        ]),
        row([
            "Служба Документ",
            "crisis",
            "RU-KLU",
            "Калуга",
            "",
            "999:1",
            "",
        ]),
        row([
            "Служба Двойная",
            "crisis",
            "RU-KLU",
            "Калуга",
            "",
            "https://example.ru/",
            "",
        ]),
        row([
            "Служба «Двойная»",
            "crisis",
            "RU-KLU",
            "Калуга",
            "",
            "https://example.ru/",
            "",
        ]),
        row([
            "Служба Ссылка",
            "crisis",
            "RU-KLU",
            "Калуга",
            "См. [тут](/portal/nowhere/).",
            "https://example.ru/",
            "",
        ]),
        row([
            "Служба Разметка",
            "crisis",
            "RU-KLU",
            "Калуга",
            "<b>Жирно</b>",
            "https://example.ru/",
            "",
        ]),
        row([
            "Служба Старая",
            "crisis",
            "RU-KLU",
            "Калуга",
            "",
            "https://example.ru/",
            "",
        ]),
        row([
            "Служба Верная",
            "crisis",
            "RU-KLU",
            "Калуга",
            "См. [Калугу](/portal/regions/ru-klu/).",
            "https://example.ru/",
            "",
        ]),
    ];
    let csv = portal.path().join("sheet.csv");
    std::fs::write(&csv, sheet(&header, &rows)).unwrap();
    let o = opora(portal.path(), &["import", csv.to_str().unwrap()]);
    let out = stdout(&o);
    assert!(!o.status.success(), "{out}");
    for said in [
        "row 2, column 7 «Проверено»: the record would not pass `opora check`: verified date 2030-01-01 is in the future",
        "row 3, column 6 «Источник»: the record would not pass `opora check`: document `999` is not listed",
        "row 5: «Служба «Двойная»» in this town is also row 4, which this import writes as ru-klu/sluzhba-dvoynaya",
        "row 6, column 5 «Описание»: the record would not pass `opora check`: link to `/portal/nowhere/` leads nowhere",
        "row 7, column 5 «Описание»: the record would not pass `opora check`: raw HTML is not allowed",
        "skip    row 8 «Служба Старая»: likely a duplicate of /services/ru-klu/kaluga-doverie/",
        "create  content/services/ru-klu/sluzhba-dvoynaya.md",
        "create  content/services/ru-klu/sluzhba-vernaya.md",
        "2 to create, 0 to change, 1 likely duplicates, 5 rows with errors",
    ] {
        assert!(out.contains(said), "{said}\n{out}");
    }
    let check = opora(portal.path(), &["check"]);
    assert!(check.status.success(), "{}", stderr(&check));
}

/// The seeded generator of the fuzz test below (xorshift64*): the same rows
/// on every run and machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }

    /// Up to `most` pieces of `from`, joined.
    fn pieces(&mut self, from: &[&str], most: usize) -> String {
        (0..self.below(most + 1)).map(|_| self.pick(from)).collect()
    }
}

/// What a cell may hold: what breaks TOML, front matter, Markdown and the
/// checks, and what passes them; ordinary words most often.
const PIECES: [&str; 52] = [
    "+++",
    "\n+++\n",
    "\"",
    "\"\"\"",
    "'''",
    "\\",
    "\\n",
    "\\u0007",
    "#",
    " = ",
    "[",
    "]",
    "{",
    "}",
    ",",
    ";",
    "\t",
    "\r\n",
    "\n",
    " ",
    "Калуга",
    "бесплатно",
    "a",
    "<b>",
    "[тут](/portal/nowhere/)",
    "[Калуга](/portal/regions/ru-klu/)",
    "[сайт](https://example.ru/)",
    "*",
    "`",
    "\u{7}",
    "\u{1b}",
    "\u{0}",
    "\u{200b}",
    "«",
    "—",
    "https://",
    "@",
    "8 (4842) 55-06-02",
    "12-34",
    "2026-11-20",
    "31.02.2026",
    "54,5",
    "003:36",
    "999:1",
    "Семьи ",
    "с детьми ",
    "помощь ",
    "по записи ",
    "пн–пт ",
    "9:00–18:00 ",
    "— ",
    ". ",
];

/// One random row for [`FUZZ_HEADER`]. Its texts (address, hours, cost,
/// eligibility, description) are always made of [`PIECES`]; in two rows of
/// three the other cells are as a real sheet has them, so that many rows
/// are imported, and in the third any of them may be anything.
fn fuzz_row(rng: &mut Rng, i: usize) -> Vec<String> {
    let wild = rng.below(3) == 0;
    let cell = |rng: &mut Rng, usual: &[&str]| {
        if wild && rng.below(3) == 0 {
            rng.pieces(&PIECES, 3)
        } else {
            rng.pick(usual).to_string()
        }
    };
    let name = if i % 7 == 6 {
        rng.pieces(&PIECES, 2)
    } else {
        format!("Служба {i}")
    };
    let mut row = vec![name];
    for usual in [
        &["", "family-centre", "Семейный центр"][..],
        &["crisis", "crisis; housing", "Кризисная ситуация"],
        &["RU-KLU"],
        &["", "Калуга", "Обнинск"],
    ] {
        row.push(cell(rng, usual));
    }
    row.push(rng.pieces(&PIECES, 4));
    for usual in [
        &["", "54.5"][..],
        &["", "36.2"],
        &["", "exact", "city"],
        &["", "8 (4842) 71-11-11", "+7 484 271-22-22; 8-800-2000-122"],
        &["", "a@example.ru"],
        &["", "https://example.ru/x"],
    ] {
        row.push(cell(rng, usual));
    }
    // Both coordinates or neither.
    if row[6].is_empty() != row[7].is_empty() && !wild {
        row[7] = row[6].replace("54.5", "36.2");
    }
    for _ in 0..4 {
        row.push(rng.pieces(&PIECES, 4));
    }
    row.push(cell(rng, &["https://example.ru/s", "000:79", ""]));
    row.push(cell(rng, &["", "20.11.2026"]));
    row
}

const FUZZ_HEADER: [&str; 18] = [
    "Название",
    "Вид",
    "Помощь",
    "Регион",
    "Город",
    "Адрес",
    "Широта",
    "Долгота",
    "Точность",
    "Телефоны",
    "Почта",
    "Сайт",
    "Часы работы",
    "Стоимость",
    "Кому помогают",
    "Описание",
    "Источник",
    "Проверено",
];

/// Random rows, seeded: whatever an import writes passes `opora check`
/// and holds its cells as written; every other row with a name is
/// reported (an error or a likely duplicate). Then the same rows changed.
#[test]
fn random_rows_either_become_records_check_passes_or_are_reported() {
    let seeds: Vec<u64> = match std::env::var("FUZZ_SEEDS") {
        Ok(n) => (1..=n.parse().unwrap()).collect(),
        Err(_) => vec![20_261_201, 7, 424_242],
    };
    for seed in seeds {
        let portal = mini_portal();
        let mut rng = Rng(seed);
        let csv = portal.path().join("random.csv");
        let mut rows: Vec<Vec<String>> = (0..60).map(|i| fuzz_row(&mut rng, i)).collect();
        for round in ["created", "changed"] {
            std::fs::write(&csv, sheet(&FUZZ_HEADER, &rows)).unwrap();
            let o = opora(portal.path(), &["import", csv.to_str().unwrap()]);
            let out = stdout(&o);
            assert!(
                o.status.code().is_some(),
                "seed {seed}, {round}: no panic\n{}",
                stderr(&o)
            );
            let check = opora(portal.path(), &["check"]);
            assert!(
                check.status.success(),
                "seed {seed}, {round}: what the import wrote fails check:\n{}\n{out}",
                stderr(&check)
            );
            let records = records_by_name(portal.path());
            let mut imported = 0;
            for (i, row) in rows.iter().enumerate() {
                let n = i + 2;
                let reported = [" ", ":", ","]
                    .iter()
                    .any(|end| out.contains(&format!("row {n}{end}")));
                match records.get(row[0].trim()) {
                    // A row reported this time may have left its record
                    // as an earlier round wrote it.
                    Some((front, body)) => {
                        imported += 1;
                        if !reported && row[0].starts_with("Служба") {
                            assert_kept(&FUZZ_HEADER, row, front, body, round == "changed");
                        }
                    }
                    None if row[0].chars().any(char::is_alphanumeric) => assert!(
                        reported,
                        "seed {seed}, {round}: row {n} neither imported nor reported\n{out}"
                    ),
                    None => {}
                }
            }
            eprintln!(
                "seed {seed}, {round}: {imported} of {} rows imported",
                rows.len()
            );
            assert!(
                imported >= 5,
                "seed {seed}, {round}: only {imported} imported\n{out}"
            );
            // The same services, their texts changed.
            for row in &mut rows {
                for col in [12, 13, 14] {
                    row[col] = rng.pieces(&PIECES, 3);
                }
            }
        }
    }
}
