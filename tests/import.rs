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
