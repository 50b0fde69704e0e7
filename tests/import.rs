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
        out.contains("error   row 5: phone «12-34» has 4 digits"),
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
/// them), in a folder of its own under `dir`.
fn hsds_package(dir: &std::path::Path, names: &[String]) -> std::path::PathBuf {
    let package = dir.join("package");
    std::fs::create_dir_all(&package).unwrap();
    let services: Vec<serde_json::Value> = names
        .iter()
        .enumerate()
        .map(|(i, name)| serde_json::json!({"id": format!("s{i}"), "name": name}))
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

    // Each of 60 services without kind or need gets two notes: 120.
    let names: Vec<String> = (0..60).map(|i| format!("Центр {i}")).collect();
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
        out.contains("error   row 2: its record would be")
            && out.contains("more than the 2097152 (2 MB) a record file may have"),
        "{}",
        &out[..out.len().min(400)]
    );
    assert_eq!(snapshot(&portal.path().join("content")), before);
}
